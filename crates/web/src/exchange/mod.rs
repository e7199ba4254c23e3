//! The data exchange's API (docs/exchange.md, format `dixian-exchange/1`):
//! `GET /api/v1/exchange/{code}/{households|warnings|measures}` — one page of households,
//! warnings or measures changed since a moment, by keyset, as JSON or as a
//! CSV download (`?as=csv`); `POST /api/v1/exchange/import` — one package,
//! JSON (`Content-Type: application/json`) or CSV (`text/csv`, with
//! `?type=…&format=dixian-exchange/1`), size-capped, all or nothing.
//! Who may exchange is `dixian_app::exchange::may_exchange`'s decision,
//! asked before a body is read.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use axum::body::Body as HttpBody;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use dixian_app::exchange::{
    self, Body, ImportReport, MeasureRecord, Package, Problem, RecordType, WarningRecord,
};
use dixian_store::exchange::PageRequest;
use serde::Deserialize;

/// The OpenAPI part of the exchange.
#[derive(utoipa::OpenApi)]
#[openapi(paths(households_api, warnings_api, measures_api, import_api),
    components(schemas(Package, ImportReport, Problem, RecordType, MeasureRecord, WarningRecord)),
    tags((name = "exchange", description = "数据交换 dixian-exchange/1: households, warnings and measures with the civil-affairs platform and other systems (docs/exchange.md)")))]
pub struct ExchangeDoc;

/// Routes; `max_upload` bounds a received package.
pub fn router(max_upload: usize) -> Router<AppState> {
    Router::new()
        .route("/api/v1/exchange/import", post(import_api))
        .route("/api/v1/exchange/{code}/households", get(households_api))
        .route("/api/v1/exchange/{code}/warnings", get(warnings_api))
        .route("/api/v1/exchange/{code}/measures", get(measures_api))
        .layer(DefaultBodyLimit::max(max_upload))
}

/// Which page, and how.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct ExportQuery {
    /// Only records changed at or after this moment (RFC 3339).
    since: Option<DateTime<Utc>>,
    /// The `next` of the previous page.
    after: Option<String>,
    /// Records per page (1–1000, default 200).
    limit: Option<i64>,
    /// `json` (default) or `csv`.
    #[serde(rename = "as")]
    as_: Option<String>,
}

macro_rules! export_route {
    ($name:ident, $path:literal, $t:expr, $what:literal) => {
        #[utoipa::path(get, path = $path, tag = "exchange", security(("bearer" = [])),
            params(("code" = String, Path, description = "region code: your county or a part of it"), ExportQuery),
            responses((status = 200, body = Package, description = $what),
                (status = 403, description = "only the county's data officer (partner account) exchanges"),
                (status = 404, description = "the region is not inside your scope"),
                (status = 422, description = "bad page key or `as`")))]
        async fn $name(
            State(s): State<AppState>,
            auth: Auth,
            Path(code): Path<String>,
            Query(q): Query<ExportQuery>,
        ) -> ApiResult<Response> {
            export(s, auth, code, q, $t).await
        }
    };
}

export_route!(
    households_api,
    "/api/v1/exchange/{code}/households",
    RecordType::Households,
    "one page of households (with members); ask again with `after` = `next` until `next` is null; `as=csv`: the registry layout"
);
export_route!(
    warnings_api,
    "/api/v1/exchange/{code}/warnings",
    RecordType::Warnings,
    "one page of warnings raised or resolved since `since`; `as=csv`: text/csv"
);
export_route!(
    measures_api,
    "/api/v1/exchange/{code}/measures",
    RecordType::Measures,
    "one page of measures (one row per person-measure); `as=csv`: text/csv"
);

async fn export(
    s: AppState,
    auth: Auth,
    region: String,
    q: ExportQuery,
    record_type: RecordType,
) -> ApiResult<Response> {
    let actor = auth.actor();
    exchange::may_exchange(&actor)?;
    let region = exchange::parse_region(&region)?;
    let page = PageRequest {
        since: q.since,
        after: q.after,
        limit: q.limit,
    };
    let pkg =
        exchange::export_page(&s.store, &actor, record_type, &region, &page, s.clock.now()).await?;
    tracing::info!(
        kind = record_type.code(),
        region = %pkg.region,
        rows = pkg.records.len(),
        "exchange export"
    );
    match q.as_.as_deref().unwrap_or("json") {
        "json" => Ok(Json(pkg).into_response()),
        "csv" => {
            let bytes = exchange::to_csv(&pkg)?;
            let mut headers = HeaderMap::new();
            headers.insert(
                CONTENT_TYPE,
                "text/csv; charset=utf-8".parse().expect("static"),
            );
            headers.insert(CACHE_CONTROL, "private, no-store".parse().expect("static"));
            let name = format!(
                "attachment; filename=\"{}-{}.csv\"",
                pkg.region,
                record_type.code()
            );
            if let Ok(v) = name.parse() {
                headers.insert(CONTENT_DISPOSITION, v);
            }
            if let Some(next) = &pkg.next
                && let Ok(v) = next.parse()
            {
                headers.insert("x-dixian-next", v);
            }
            Ok((headers, bytes).into_response())
        }
        _ => Err(ApiError::BadRequest(
            "as: json or csv (格式参数无效)".into(),
        )),
    }
}

/// How a CSV body is declared.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct ImportQuery {
    /// For CSV: the record type (`households` or `measures`).
    #[serde(rename = "type")]
    type_: Option<String>,
    /// For CSV: the format version, `dixian-exchange/1`.
    format: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/exchange/import", tag = "exchange", security(("bearer" = [])),
    params(ImportQuery),
    request_body(content = Package, description = "a JSON package, or CSV of one record type (Content-Type: text/csv, with ?type=&format=)"),
    responses((status = 200, body = ImportReport, description = "stored, or unchanged (received before: nothing written)"),
        (status = 403, description = "only the county's data officer (checked before the body is read)"),
        (status = 404, description = "the package's region is not inside your scope"),
        (status = 413, description = "the body is larger than the server accepts"),
        (status = 422, body = ImportReport, description = "rejected: `problems` say which record (or line), which field and why; nothing was stored")))]
async fn import_api(
    State(s): State<AppState>,
    auth: Auth,
    Query(q): Query<ImportQuery>,
    headers: HeaderMap,
    body: HttpBody,
) -> ApiResult<Response> {
    let actor = auth.actor();
    exchange::may_exchange(&actor)?;
    let csv = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("text/csv"));
    let kind = if csv {
        let t = q.type_.as_deref().ok_or_else(|| {
            ApiError::BadRequest(
                "a CSV body needs ?type=households or measures (缺少记录类型)".into(),
            )
        })?;
        Body::Csv(RecordType::parse(t)?)
    } else {
        Body::Json
    };
    let bytes = axum::body::to_bytes(body, s.max_upload)
        .await
        .map_err(|_| ApiError::TooLarge {
            limit_mib: (s.max_upload / (1024 * 1024)) as u64,
        })?;
    let _turn = std::sync::Arc::clone(&s.uploads)
        .acquire_owned()
        .await
        .map_err(|_| ApiError::Store(dixian_store::StoreError::Busy))?;
    let r = exchange::import(
        &s.store,
        &actor,
        kind,
        q.format.as_deref(),
        bytes.to_vec(),
        s.clock.now(),
    )
    .await?;
    tracing::info!(
        kind = r.record_type.code(),
        records = r.records,
        outcome = r.outcome,
        problems = r.problems_total,
        "exchange import"
    );
    let status = if r.outcome == "rejected" {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, Json(r)).into_response())
}
