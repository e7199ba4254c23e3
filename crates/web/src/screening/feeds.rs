//! Department feeds on the web: upload a file as one batch (API with an
//! `Idempotency-Key`, and a page), and list the batches loaded.

use crate::AppState;
use crate::auth::{Auth, PageAuth};
use crate::error::{ApiError, ApiResult};
use crate::i18n::Texts;
use crate::shared::download;
use crate::shared::lang::Lang;
use crate::shared::layout::{UserBar, user_bar};
use crate::shared::view::china_time;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use dixian_app::jobs::{Started, Work};
use dixian_app::{FeedFile, OnRowErrors};
use dixian_screen::FeedKind;
use dixian_store::feeds::{self, Batch, BatchOutcome};
use serde::{Deserialize, Serialize};

/// The OpenAPI part of the feeds.
#[derive(utoipa::OpenApi)]
#[openapi(paths(upload_api, list_api), components(schemas(UploadResult, RowProblem, Batch, BatchOutcome, dixian_store::feeds::BatchSummary)),
    tags((name = "feeds", description = "部门数据: department files loaded as batches")))]
pub struct FeedsDoc;

/// Routes: API and page. `max_upload` bounds a request's body.
pub fn router(max_upload: usize) -> Router<AppState> {
    Router::new()
        .route("/api/v1/feeds/{kind}", post(upload_api))
        .route("/api/v1/feeds", get(list_api))
        .route("/feeds", get(feeds_page).post(upload_page))
        .route("/feeds/errors.xlsx", post(errors_xlsx))
        .layer(DefaultBodyLimit::max(max_upload))
}

/// One bad row of a rejected file (never the cell's value): the
/// `errors` of a feed job's `result`.
#[derive(Serialize, utoipa::ToSchema)]
#[allow(dead_code)] // the schema of a job's result, written by dixian_app::jobs::summary
pub struct RowProblem {
    /// Line in the file.
    line: usize,
    /// Column (1-based), when one cell is at fault.
    column: Option<usize>,
    /// Header of that column.
    header: Option<String>,
    /// Why.
    reason: String,
}

/// What a feed job did: the `result` of a `feed_import` job.
#[derive(Serialize, utoipa::ToSchema)]
#[allow(dead_code)] // the schema of a job's result, written by dixian_app::jobs::summary
pub struct UploadResult {
    /// Stored or already loaded; absent when the batch was rejected.
    outcome: Option<BatchOutcome>,
    /// Rows that parsed.
    parsed: usize,
    /// The bad rows: the first 1,000 of `errors_total`.
    errors: Vec<RowProblem>,
    /// How many problems the file had in all.
    errors_total: usize,
    /// Columns not used.
    unknown_columns: Vec<String>,
}

/// Upload options.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct UploadQuery {
    /// Keep the good rows when some are bad (default: reject the batch).
    #[serde(default)]
    load_good_rows: bool,
}

/// Starts the import of an uploaded file as a job of `actor`; `hold`
/// (the upload slot) is kept until the job ends, so the files held in
/// memory stay bounded.
async fn start_import(
    s: &AppState,
    actor: &dixian_store::Actor,
    kind: &str,
    (name, bytes): (String, Vec<u8>),
    key: Option<String>,
    good: bool,
    hold: tokio::sync::OwnedSemaphorePermit,
) -> ApiResult<Started> {
    let kind = parse_kind(kind)?;
    let file = FeedFile {
        kind,
        name,
        bytes,
        idempotency_key: key,
    };
    let on_errors = if good {
        OnRowErrors::LoadGoodRows
    } else {
        OnRowErrors::Reject
    };
    let started = s
        .jobs
        .start(
            actor,
            Work::FeedImport { file, on_errors },
            s.clock.now(),
            hold,
        )
        .await?;
    tracing::info!(
        job = started.job.id,
        kind = kind.code(),
        "feed import started"
    );
    Ok(started)
}

fn parse_kind(kind: &str) -> ApiResult<FeedKind> {
    FeedKind::parse(kind)
        .ok_or_else(|| ApiError::BadRequest(format!("unknown feed kind {kind} (未知数据类型)")))
}

#[utoipa::path(post, path = "/api/v1/feeds/{kind}", tag = "feeds", security(("bearer" = [])),
    params(("kind" = String, Path, description = "medical, disability, assistance, education, housing, employment, disaster, vital, assets, water"),
        ("Idempotency-Key" = Option<String>, Header, description = "retry-safe uploads"), UploadQuery),
    request_body(content_type = "multipart/form-data", description = "field `file`: CSV (UTF-8/GB18030) or XLSX"),
    responses((status = 202, body = dixian_app::jobs::Job, description = "the import runs as a job (`Location`: /api/v1/jobs/{id}); its `result` when it ends is an UploadResult: a rejected file ends `failed` with the row problems"),
        (status = 403, description = "only county admins and data officers load feeds (checked before the file is read)"),
        (status = 409, description = "an import or screening run of your county is still running (`job_running`)"),
        (status = 413, description = "the file is larger than the server accepts")))]
async fn upload_api(
    State(s): State<AppState>,
    auth: Auth,
    Path(kind): Path<String>,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    mp: Multipart,
) -> ApiResult<Response> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let actor = auth.actor();
    dixian_app::may_load_feeds(&actor)?;
    parse_kind(&kind)?;
    let turn = upload_turn(&s).await?;
    let (name, bytes, _) = read_upload(mp, s.max_upload).await?;
    let started = start_import(
        &s,
        &actor,
        &kind,
        (name, bytes),
        key,
        q.load_good_rows,
        turn,
    )
    .await?;
    Ok(crate::jobs::accepted(&started.job))
}

#[utoipa::path(get, path = "/api/v1/feeds", tag = "feeds", security(("bearer" = [])),
    responses((status = 200, body = Vec<Batch>, description = "batches of your region, newest first")))]
async fn list_api(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<Batch>>> {
    Ok(Json(feeds::batches(&s.store.pool, &auth.actor()).await?))
}

/// The upload page: a plain form (`/static/feeds.js` shows the upload
/// progress where the browser can; without it the form posts as usual)
/// and the batches loaded so far.
#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "feeds.html")]
struct FeedsPage {
    t: &'static Texts,
    user: Option<UserBar>,
    kinds: &'static [FeedKind],
    batches: Vec<BatchLine>,
    last_run: String,
}

/// A batch as the page lists it.
struct BatchLine {
    id: i64,
    kind: String,
    file_name: String,
    rows: i64,
    matched: i64,
    unknown: i64,
    imported_at: String,
}

async fn page(s: &AppState, user: &dixian_store::User, t: &'static Texts) -> Response {
    let run = super::pages::last_run_line(s, t, user.region.as_str()).await;
    match feeds::batches(&s.store.pool, &dixian_store::Actor::of(user)).await {
        Ok(batches) => FeedsPage {
            t,
            user: user_bar(user, t),
            kinds: &FeedKind::ALL,
            batches: batches
                .into_iter()
                .map(|b| BatchLine {
                    id: b.id,
                    // The kind in words (医保住院), not its code.
                    kind: FeedKind::parse(&b.kind)
                        .map_or(b.kind.clone(), |k| t.label(k).to_string()),
                    file_name: b.file_name,
                    rows: b.rows_total,
                    matched: b.rows_matched,
                    unknown: b.rows_unknown,
                    imported_at: china_time(b.imported_at),
                })
                .collect(),
            last_run: run,
        }
        .into_response(),
        Err(e) => ApiError::from(e).page(t),
    }
}

/// The batches and the upload form: for the roles that load feeds only
/// (the others get the 403 page, as when they post here).
async fn feeds_page(State(s): State<AppState>, auth: PageAuth, Lang(t): Lang) -> Response {
    if let Err(e) = dixian_app::may_load_feeds(&auth.actor()) {
        return ApiError::from(e).page(t);
    }
    page(&s, &auth.0, t).await
}

/// The upload form: the import starts as a job and the page goes to the
/// job's page (303), which shows its progress and then its result.
async fn upload_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    mp: Multipart,
) -> Response {
    let actor = auth.actor();
    if let Err(e) = dixian_app::may_load_feeds(&actor) {
        return ApiError::from(e).page(t);
    }
    let turn = match upload_turn(&s).await {
        Ok(turn) => turn,
        Err(e) => return e.page(t),
    };
    let (name, bytes, (kind, good)) = match read_upload(mp, s.max_upload).await {
        Ok(x) => x,
        Err(e) => return e.page(t),
    };
    match start_import(&s, &actor, &kind, (name, bytes), None, good, turn).await {
        Ok(started) => crate::jobs::redirect_to(started).await,
        Err(e) => e.page(t),
    }
}

/// A department file checked, not stored: its row report as a workbook
/// (line, column, field, reason of every bad row, up to the report's
/// bound). The same form fields as the upload.
async fn errors_xlsx(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    mp: Multipart,
) -> Response {
    let actor = auth.actor();
    if let Err(e) = dixian_app::may_load_feeds(&actor) {
        return ApiError::from(e).page(t);
    }
    let _turn = match upload_turn(&s).await {
        Ok(turn) => turn,
        Err(e) => return e.page(t),
    };
    let (name, bytes, (kind, _)) = match read_upload(mp, s.max_upload).await {
        Ok(x) => x,
        Err(e) => return e.page(t),
    };
    let Some(kind) = FeedKind::parse(&kind) else {
        return ApiError::BadRequest(format!("unknown feed kind {kind} (未知数据类型)")).page(t);
    };
    let now = s.clock.now();
    match dixian_app::exports::feed_errors(&actor, kind, &name, bytes, now, s.exports).await {
        Ok(table) => download::xlsx(t, &table),
        Err(e) => download::refused(t, e),
    }
}

/// Waits for a free upload slot ([`DEFAULT_CONCURRENT_UPLOADS`]); held
/// while the file is read, and then by its job while it is parsed and
/// stored.
async fn upload_turn(s: &AppState) -> ApiResult<tokio::sync::OwnedSemaphorePermit> {
    std::sync::Arc::clone(&s.uploads)
        .acquire_owned()
        .await
        .map_err(|_| ApiError::Store(dixian_store::StoreError::Busy))
}

/// A multipart problem: over the size limit is 413, the rest 400.
fn multipart_error(e: &axum::extract::multipart::MultipartError, limit: usize) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(limit)
    } else {
        ApiError::BadRequest(format!(
            "the upload could not be read (上传内容无法读取): {}",
            e.body_text()
        ))
    }
}

fn too_large(limit: usize) -> ApiError {
    ApiError::TooLarge {
        limit_mib: (limit / (1024 * 1024)) as u64,
    }
}

/// An upload's fields: the file, and (from the page's form) the kind and
/// the keep-good-rows flag. The file is read chunk by chunk and refused
/// with 413 as soon as it passes `limit` bytes; small fields are bounded
/// too.
async fn read_upload(
    mut mp: Multipart,
    limit: usize,
) -> ApiResult<(String, Vec<u8>, (String, bool))> {
    /// Longest accepted text field (the kind) or file name.
    const MAX_FIELD: usize = 256;
    let (mut file, mut kind, mut good) = (None, String::new(), false);
    while let Some(mut field) = mp
        .next_field()
        .await
        .map_err(|e| multipart_error(&e, limit))?
    {
        match field.name() {
            Some("file") => {
                let name: String = field
                    .file_name()
                    .unwrap_or("feed")
                    .chars()
                    .take(MAX_FIELD)
                    .collect();
                let mut bytes = Vec::new();
                while let Some(chunk) = field
                    .chunk()
                    .await
                    .map_err(|e| multipart_error(&e, limit))?
                {
                    if bytes.len() + chunk.len() > limit {
                        return Err(too_large(limit));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                file = Some((name, bytes));
            }
            Some("kind") => {
                let mut text = Vec::new();
                while let Some(chunk) = field
                    .chunk()
                    .await
                    .map_err(|e| multipart_error(&e, limit))?
                {
                    text.extend_from_slice(&chunk);
                    if text.len() > MAX_FIELD {
                        return Err(ApiError::BadRequest(
                            "the kind field is too long (类型字段过长)".into(),
                        ));
                    }
                }
                kind = String::from_utf8_lossy(&text).into_owned();
            }
            Some("load_good_rows") => good = true,
            _ => {}
        }
    }
    let (name, bytes) =
        file.ok_or_else(|| ApiError::BadRequest("no file in the upload (缺少文件)".into()))?;
    Ok((name, bytes, (kind, good)))
}
