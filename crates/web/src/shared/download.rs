//! A list's workbook handed to the browser: the application layer
//! decided the rows, columns and masks (`dixian_app::exports`); this only
//! picks the page's language, writes the bytes and names the file.

use crate::error::ApiError;
use crate::i18n::{Language, Texts};
use crate::shared::layout::error_page;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use dixian_app::AppError;
use dixian_app::exports::ExportTable;
use dixian_store::StoreError;

/// The XLSX media type.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// `table` as an .xlsx download in the page's language (never cached).
pub fn xlsx(t: &Texts, table: &ExportTable) -> Response {
    match table.xlsx(t.language == Language::En) {
        Ok(bytes) => {
            tracing::info!(
                list = table.kind.code(),
                region = %table.region,
                rows = table.rows.len(),
                "list workbook"
            );
            (
                [
                    (CONTENT_TYPE, XLSX.to_string()),
                    (
                        CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{}\"", table.file_name()),
                    ),
                    (CACHE_CONTROL, "private, no-store".to_string()),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => refused(t, e),
    }
}

/// An export not made: out of scope reads as absent (404, as a made-up
/// region), a refusal (too many rows: narrow the filter) with its status
/// and message on the error page.
pub fn refused(t: &Texts, e: AppError) -> Response {
    match e {
        AppError::Store(StoreError::NotFound) => error_page(t, StatusCode::NOT_FOUND, t.not_found),
        e => ApiError::from(e).page(t),
    }
}
