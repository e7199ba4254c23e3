//! The API's endpoints about the service and the caller's session rather
//! than a resource: readiness for a load balancer or orchestrator (the
//! database answers), and logout for a bearer token.

use crate::AppState;
use crate::auth::bearer;
use crate::error::{ApiError, ApiResult};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use dixian_store::db::q;
use dixian_store::users;
use serde::Serialize;
use serde_json::json;
use utoipa::{OpenApi, ToSchema};

/// The OpenAPI part of these endpoints (merged into the API's).
#[derive(OpenApi)]
#[openapi(paths(ready, logout), components(schemas(Ready)),
    tags((name = "service", description = "whether the service can take requests")))]
pub struct OpsDoc;

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/ready", get(ready))
        .route("/api/v1/auth/logout", post(logout))
}

/// The service can take requests.
#[derive(Serialize, ToSchema)]
pub struct Ready {
    /// `ready`
    status: &'static str,
}

/// Whether the service can take requests now: the database answers a
/// trivial query. `/api/v1/health` tells what is running; this tells a
/// load balancer whether to send traffic.
#[utoipa::path(get, path = "/api/v1/ready", tag = "service",
    responses((status = 200, body = Ready), (status = 503, description = "the database does not answer (`not_ready`)")))]
async fn ready(State(s): State<AppState>) -> Response {
    match s.store.pool.execute(q("SELECT 1")).await {
        Ok(_) => Json(Ready { status: "ready" }).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "not ready: the database does not answer");
            let body = json!({"error": {"code": "not_ready",
                "message": "the service is not ready, please try again later (服务暂不可用，请稍后再试)"}});
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}

/// Ends the session of the bearer token sent: the token is revoked at
/// once (the user's other sessions stay).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204, description = "the token is revoked"), (status = 401, description = "no live bearer token")))]
async fn logout(State(s): State<AppState>, headers: HeaderMap) -> ApiResult<StatusCode> {
    let token = bearer(&headers).ok_or(ApiError::Unauthorized)?;
    let user = users::session_user(&s.store.pool, token)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    users::close_session(&s.store.pool, token).await?;
    tracing::info!(user_id = user.id, "api logout");
    Ok(StatusCode::NO_CONTENT)
}
