//! One error type for every handler: maps to a status code and the JSON
//! body `{"error": {"code", "message"}}` (API) or a plain page.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use dixian_domain::RefusalKind;
use dixian_store::StoreError;
use serde_json::json;

/// An error a handler returns.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 401: not logged in.
    #[error("please log in (请先登录)")]
    Unauthorized,
    /// 400: bad input, with the reason.
    #[error("{0}")]
    BadRequest(String),
    /// 429: too many requests from one address to a public endpoint.
    #[error(
        "too many requests from your address; please try again later (请求过于频繁，请稍后再试)"
    )]
    TooManyRequests,
    /// 429: too many failed logins for the account or from the address.
    #[error(
        "too many failed logins; try again in {minutes} minutes (登录失败次数过多，请{minutes}分钟后再试)"
    )]
    LoginLocked {
        /// Minutes until the lock ends.
        minutes: i64,
    },
    /// 413: an upload over the configured size.
    #[error("the file is larger than the {limit_mib} MiB allowed (文件超过{limit_mib} MiB的上限)")]
    TooLarge {
        /// The limit, in MiB.
        limit_mib: u64,
    },
    /// From the store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// What only the application layer finds wrong (rule files, the
    /// registry); store errors are `Store`.
    #[error(transparent)]
    App(dixian_app::AppError),
    /// 500: a file (e.g. a workbook) could not be written.
    #[error(transparent)]
    File(#[from] dixian_tabular::TabularError),
}

impl From<dixian_app::AppError> for ApiError {
    fn from(e: dixian_app::AppError) -> ApiError {
        match e {
            dixian_app::AppError::Store(e) => ApiError::Store(e),
            other => ApiError::App(other),
        }
    }
}

impl ApiError {
    /// The HTTP status the error is answered with.
    pub(crate) fn status(&self) -> StatusCode {
        self.status_code().0
    }

    fn status_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::TooManyRequests => (StatusCode::TOO_MANY_REQUESTS, "too_many_requests"),
            ApiError::LoginLocked { .. } => (StatusCode::TOO_MANY_REQUESTS, "login_locked"),
            ApiError::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::File(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
            ApiError::Store(e) => store_status(e),
            ApiError::App(dixian_app::AppError::Store(e)) => store_status(e),
            ApiError::App(dixian_app::AppError::RuleFiles(_)) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "rule_file")
            }
            ApiError::App(dixian_app::AppError::Registry(_)) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "registry_not_indexable")
            }
            ApiError::App(dixian_app::AppError::Stopped(_)) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        }
    }
}

/// The status and code of a store error: decided by its type (a refusal
/// by its kind), never by matching its text.
fn store_status(e: &StoreError) -> (StatusCode, &'static str) {
    match e {
        StoreError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
        StoreError::Conflict { .. } => (StatusCode::CONFLICT, "conflict"),
        StoreError::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
        StoreError::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
        // one writing job per county: the conflict is with the job that runs
        StoreError::Refused(r @ dixian_store::Refusal::JobRunning { .. }) => {
            (StatusCode::CONFLICT, r.code())
        }
        StoreError::Refused(r) => (refusal_status(r.kind()), r.code()),
        StoreError::Busy => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
        StoreError::Db(_)
        | StoreError::Migrate(_)
        | StoreError::Io { .. }
        | StoreError::Integrity(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    }
}

/// Who may act is 403; out of scope looks like absent (404); the rest 422.
fn refusal_status(kind: RefusalKind) -> StatusCode {
    match kind {
        RefusalKind::NotPermitted => StatusCode::FORBIDDEN,
        RefusalKind::NotFound => StatusCode::NOT_FOUND,
        RefusalKind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

impl ApiError {
    /// What the user is told; an internal cause goes to the log instead
    /// (it carries no personal data: SQL errors name tables and
    /// constraints).
    fn message(&self, status: StatusCode) -> String {
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %self, "internal error");
            "internal error, please try again later (系统错误，请稍后再试)".to_string()
        } else {
            self.to_string()
        }
    }

    /// The error as a plain page, with the status and message the API gives.
    pub(crate) fn page(self, t: &crate::i18n::Texts) -> Response {
        let (status, _) = self.status_code();
        let mut res = crate::shared::layout::error_page(t, status, &self.message(status));
        retry_after(&mut res, self.retry_after());
        res
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_code();
        let message = self.message(status);
        let again = self.retry_after();
        let mut res = (
            status,
            Json(json!({"error": {"code": code, "message": message}})),
        )
            .into_response();
        retry_after(&mut res, again);
        res
    }
}

/// Seconds a client should wait before sending a request again after a
/// 503 (busy database); an operational figure, not policy.
const BUSY_RETRY_SECONDS: i64 = 2;

impl ApiError {
    /// When the client may try again, for the `Retry-After` header.
    fn retry_after(&self) -> Option<i64> {
        match self {
            ApiError::Store(StoreError::Busy) => Some(BUSY_RETRY_SECONDS),
            ApiError::LoginLocked { minutes } => Some(minutes * 60),
            _ => None,
        }
    }
}

/// Tells the client when to try again, if it may.
fn retry_after(res: &mut Response, seconds: Option<i64>) {
    if let Some(v) = seconds.and_then(|s| axum::http::HeaderValue::from_str(&s.to_string()).ok()) {
        res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
}

/// Largest error body [`html_errors`] reads back (an `ApiError`'s JSON is
/// a few hundred bytes; anything longer is not one).
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Whether `path` is answered as pages are (HTML), not as the API (JSON).
fn is_page_path(path: &str) -> bool {
    !(path == "/api" || path.starts_with("/api/") || path.starts_with("/static/"))
}

/// The one place pages get their errors as pages: an error answer on a
/// path outside `/api/` (a handler's or extractor's `ApiError` JSON, an
/// extractor's plain-text rejection, the empty 404 of an unknown path)
/// becomes the error page in the request's language, with the status and
/// `Retry-After`/`Allow` kept. The API keeps its JSON. An HTML answer
/// (a page's own error page or form) passes unchanged.
pub async fn html_errors(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if !is_page_path(req.uri().path()) {
        return next.run(req).await;
    }
    let t = crate::shared::lang::texts_of(req.headers());
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let content_type = res
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if content_type.starts_with("text/html") {
        return res;
    }
    let (parts, body) = res.into_parts();
    // Only an ApiError's own message is shown (it is written for users,
    // bilingual); a framework's rejection text is English and technical,
    // so the page says what the status means instead.
    let message = if content_type.starts_with("application/json") {
        axum::body::to_bytes(body, MAX_ERROR_BODY)
            .await
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
    } else {
        None
    };
    let message = message.unwrap_or_else(|| status_message(t, status).to_string());
    let mut page = crate::shared::layout::error_page(t, status, &message);
    for name in [axum::http::header::RETRY_AFTER, axum::http::header::ALLOW] {
        if let Some(v) = parts.headers.get(&name) {
            page.headers_mut().insert(name, v.clone());
        }
    }
    page
}

/// What a status means, for an error answer that says nothing itself.
fn status_message(t: &crate::i18n::Texts, status: StatusCode) -> &'static str {
    match status {
        StatusCode::FORBIDDEN => t.forbidden_message,
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => t.not_found,
        StatusCode::BAD_REQUEST
        | StatusCode::UNPROCESSABLE_ENTITY
        | StatusCode::UNSUPPORTED_MEDIA_TYPE => t.form_invalid,
        StatusCode::INTERNAL_SERVER_ERROR => t.internal_error,
        _ => t.error_title,
    }
}

/// Result of an API handler.
pub type ApiResult<T> = Result<T, ApiError>;
