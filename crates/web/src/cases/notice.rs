//! The village notice (公示): the households of a village on notice now,
//! as a printable A4 page and as an Excel workbook with the same columns.
//! Both show head's name, village group, category, risk types, the notice
//! dates and where to object — never ID numbers, phones, bank accounts or
//! health details (the store's `NoticeEntry` does not carry them). Each
//! workbook taken out is logged in the audit trail (village, rows).

use crate::AppState;
use crate::auth::PageAuth;
use crate::error::ApiError;
use crate::i18n::Texts;
use crate::shared::lang::Lang;
use crate::shared::layout::error_page;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use dixian_app::AppError;
use dixian_app::cases::{self, NoticeDocument};
use dixian_store::StoreError;
use dixian_tabular::{NoticeLine, NoticeSheet, TabularError, notice_xlsx};

/// Routes of the notice.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/villages/{code}/notice", get(notice_page))
        .route("/villages/{code}/notice.xlsx", get(notice_workbook))
}

/// The notice as an .xlsx workbook: the printed page's columns (the
/// command line writes the same file).
pub fn workbook(doc: &NoticeDocument) -> Result<Vec<u8>, TabularError> {
    let lines: Vec<NoticeLine> = doc
        .lines
        .iter()
        .map(|l| NoticeLine {
            head: l.head.clone(),
            group: l.group.clone(),
            category: l.category.clone(),
            risks: l.risks.clone(),
            start: l.start,
            end: l.end,
        })
        .collect();
    notice_xlsx(&NoticeSheet {
        title: &doc.title(),
        subtitle: &format!("{} · 公示期：{}", doc.township, doc.period),
        objections_to: &doc.objections_to(),
        lines: &lines,
        signed: &format!("{}  {}", doc.village, doc.today),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "notice.html")]
struct NoticePage {
    t: &'static Texts,
    doc: NoticeDocument,
}

async fn load(s: &AppState, auth: &PageAuth, code: &str) -> Result<NoticeDocument, AppError> {
    cases::notice(&s.store, &auth.actor(), code, s.clock.now()).await
}

/// A notice not shown: 403 for a role that reads no cases (as the API
/// says), otherwise "not found" — out of scope reads as absent.
fn refused(t: &Texts, e: AppError) -> Response {
    match e {
        AppError::Store(StoreError::Forbidden) => ApiError::from(e).page(t),
        _ => error_page(t, StatusCode::NOT_FOUND, t.not_found),
    }
}

async fn notice_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(code): Path<String>,
) -> Response {
    match load(&s, &auth, &code).await {
        Ok(doc) => NoticePage { t, doc }.into_response(),
        Err(e) => refused(t, e),
    }
}

async fn notice_workbook(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(code): Path<String>,
) -> Response {
    let doc = match load(&s, &auth, &code).await {
        Ok(d) => d,
        Err(e) => return refused(t, e),
    };
    match workbook(&doc) {
        Ok(bytes) => {
            if let Err(e) = doc.record_export(&s.store, &auth.actor(), "xlsx").await {
                return ApiError::from(e).page(t);
            }
            tracing::info!(region = %doc.village_code, rows = doc.lines.len(), "notice workbook");
            let disposition = format!("attachment; filename=\"notice-{}.xlsx\"", doc.village_code);
            (
                [
                    (
                        CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            .to_string(),
                    ),
                    (CONTENT_DISPOSITION, disposition),
                    (CACHE_CONTROL, "private, no-store".to_string()),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => ApiError::from(e).page(t),
    }
}
