//! The alerts' JSON API: `GET /api/v1/alerts` (open by default; filters
//! level, risk, status), `GET /api/v1/alerts/{id}` (evidence with names
//! masked, who was told), `POST /api/v1/alerts/{id}/resolve` (what was
//! done, required; audited).

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiResult;
use crate::shared::extract::Body;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use dixian_app::alerts::{self, AlertLine, AlertView, EvidenceView, Told};
use dixian_store::alerts::{AlertFilter, AlertRow};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

/// The OpenAPI part of the alerts.
#[derive(OpenApi)]
#[openapi(
    paths(list_api, get_api, resolve_api),
    components(schemas(AlertList, AlertLine, AlertRow, AlertView, EvidenceView, Told, ResolveBody)),
    tags((name = "alerts", description = "规模性返贫预警: places hit by one shock above their usual level"))
)]
pub struct AlertsDoc;

/// Routes of the API.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/alerts", get(list_api))
        .route("/api/v1/alerts/{id}", get(get_api))
        .route("/api/v1/alerts/{id}/resolve", post(resolve_api))
}

/// The alerts of your scope.
#[derive(Serialize, ToSchema)]
pub struct AlertList {
    /// Most severe and newest first.
    pub alerts: Vec<AlertLine>,
}

#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts", security(("bearer" = [])),
    params(AlertFilter),
    responses((status = 200, body = AlertList), (status = 403), (status = 422, description = "unknown filter value")))]
async fn list_api(
    State(s): State<AppState>,
    auth: Auth,
    Query(f): Query<AlertFilter>,
) -> ApiResult<Json<AlertList>> {
    let alerts = alerts::list(&s.store, &auth.actor(), &f).await?;
    Ok(Json(AlertList { alerts }))
}

#[utoipa::path(get, path = "/api/v1/alerts/{id}", tag = "alerts", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = AlertView), (status = 403), (status = 404)))]
async fn get_api(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<AlertView>> {
    Ok(Json(alerts::alert(&s.store, &auth.actor(), id).await?))
}

/// Resolve an alert: what was done.
#[derive(Deserialize, ToSchema)]
pub struct ResolveBody {
    /// The alert's version as read.
    pub version: i64,
    /// What was done (required): e.g. emergency assistance started, every
    /// household checked.
    pub resolution: String,
}

#[utoipa::path(post, path = "/api/v1/alerts/{id}/resolve", tag = "alerts", security(("bearer" = [])),
    request_body = ResolveBody, params(("id" = i64, Path)),
    responses((status = 200, body = AlertRow), (status = 403, description = "only the township and the county resolve"),
        (status = 404), (status = 409, description = "stale version"),
        (status = 422, description = "empty resolution, or resolved already")))]
async fn resolve_api(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Body(b): Body<ResolveBody>,
) -> ApiResult<Json<AlertRow>> {
    let now = s.clock.now();
    let a = alerts::resolve(&s.store, &auth.actor(), id, b.version, &b.resolution, now).await?;
    tracing::info!(alert_id = id, "alert resolved");
    Ok(Json(a))
}
