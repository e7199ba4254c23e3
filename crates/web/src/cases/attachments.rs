//! 案件附件: files attached to a case (the photo of the signed 承诺授权书,
//! deliberation minutes). Upload from the case page (multipart, then back
//! to the case with its message) and by the API; download by id, scope-
//! and role-checked like the case, as an attachment the browser does not
//! sniff. The role check comes before the body is read, the size limit
//! (`[uploads] attachment_max_mib`) while it is read: 413 as soon as the
//! file passes it. The type is the application layer's (magic bytes).

use crate::AppState;
use crate::auth::{Auth, PageAuth};
use crate::error::{ApiError, ApiResult};
use crate::shared::lang::Lang;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, routing::post};
use dixian_app::cases;
use dixian_domain::attachment::AttachmentKind;
use dixian_store::cases::attachments::AttachmentInfo;
use utoipa::OpenApi;

/// The OpenAPI part of the attachments.
#[derive(OpenApi)]
#[openapi(
    paths(list_api, upload_api, download_api),
    components(schemas(AttachmentInfo, AttachmentKind))
)]
pub struct AttachmentsDoc;

/// Room for the multipart framing and the small fields around the file.
const FRAMING: usize = 64 * 1024;

/// Routes: the page's upload and the download, and the API's. `max` bounds
/// a file (bytes).
pub fn router(max: usize) -> Router<AppState> {
    Router::new()
        .route("/cases/{id}/attachments", post(upload_page))
        .route("/attachments/{id}", get(download_page))
        .route(
            "/api/v1/cases/{id}/attachments",
            get(list_api).post(upload_api),
        )
        .route("/api/v1/attachments/{id}", get(download_api))
        .layer(DefaultBodyLimit::max(max.saturating_add(FRAMING)))
}

fn too_large(limit: usize) -> ApiError {
    ApiError::TooLarge {
        limit_mib: (limit / (1024 * 1024)) as u64,
    }
}

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

/// The `file` field: its name and bytes, read chunk by chunk and refused
/// with 413 as soon as it passes `limit`.
async fn read_file(mut mp: Multipart, limit: usize) -> ApiResult<(String, Vec<u8>)> {
    while let Some(mut field) = mp
        .next_field()
        .await
        .map_err(|e| multipart_error(&e, limit))?
    {
        if field.name() != Some("file") {
            continue;
        }
        let name: String = field.file_name().unwrap_or("").chars().take(256).collect();
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
        return Ok((name, bytes));
    }
    Err(ApiError::BadRequest(
        "no file in the upload (缺少文件)".into(),
    ))
}

/// Checks, reads and stores one upload; holds an upload slot meanwhile.
async fn upload(
    s: &AppState,
    actor: &dixian_store::Actor,
    id: i64,
    mp: Multipart,
) -> ApiResult<AttachmentInfo> {
    cases::may_attach(&s.store, actor, id).await?;
    let _turn = std::sync::Arc::clone(&s.uploads)
        .acquire_owned()
        .await
        .map_err(|_| ApiError::Store(dixian_store::StoreError::Busy))?;
    let (name, bytes) = read_file(mp, s.attachment_max).await?;
    let info = cases::attach(&s.store, actor, id, &name, &bytes, s.clock.now()).await?;
    tracing::info!(
        case_id = id,
        attachment_id = info.id,
        kind = info.kind.code(),
        size = info.size_bytes,
        "case attachment"
    );
    Ok(info)
}

async fn upload_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Response {
    match upload(&s, &auth.actor(), id, mp).await {
        Ok(_) => Redirect::to(&format!("/cases/{id}?done=attachment#done")).into_response(),
        Err(e) => e.page(t),
    }
}

/// The file as a download: its own type, never shown inline or sniffed,
/// never cached.
fn file_response(f: dixian_store::cases::attachments::AttachmentFile) -> Response {
    // The name goes in RFC 5987 form (UTF-8, percent-encoded); the plain
    // `filename` is the type's generic name, ASCII only.
    let encoded: String = form_urlencoded::byte_serialize(f.info.file_name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let disposition = format!(
        "attachment; filename=\"attachment-{}.{}\"; filename*=UTF-8''{encoded}",
        f.info.id,
        f.info.kind.code()
    );
    let mut res = (StatusCode::OK, f.bytes).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(f.info.kind.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

async fn download_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
) -> Response {
    match cases::attachment(&s.store, &auth.actor(), id).await {
        Ok(f) => file_response(f),
        Err(e) => ApiError::from(e).page(t),
    }
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/attachments", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "case id")),
    responses((status = 200, body = Vec<AttachmentInfo>), (status = 403, description = "your role reads no cases"),
        (status = 404, description = "case unknown or outside your scope")))]
async fn list_api(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<AttachmentInfo>>> {
    Ok(Json(cases::attachments(&s.store, &auth.actor(), id).await?))
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/attachments", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "case id")),
    request_body(content_type = "multipart/form-data", description = "field `file`: a JPEG or PNG image or a PDF (the type is read from the bytes)"),
    responses((status = 201, body = AttachmentInfo),
        (status = 403, description = "only the role that records the case's current step attaches (checked before the file is read)"),
        (status = 404, description = "case unknown or outside your scope"),
        (status = 413, description = "the file is larger than `[uploads] attachment_max_mib`"),
        (status = 422, description = "not a JPEG, PNG or PDF by its content (`invalid_field`, the file named)")))]
async fn upload_api(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    mp: Multipart,
) -> ApiResult<(StatusCode, Json<AttachmentInfo>)> {
    let info = upload(&s, &auth.actor(), id, mp).await?;
    Ok((StatusCode::CREATED, Json(info)))
}

#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "attachment id")),
    responses((status = 200, description = "the file (Content-Disposition: attachment; X-Content-Type-Options: nosniff)"),
        (status = 403, description = "your role reads no cases"),
        (status = 404, description = "attachment unknown or its case outside your scope")))]
async fn download_api(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    Ok(file_response(
        cases::attachment(&s.store, &auth.actor(), id).await?,
    ))
}
