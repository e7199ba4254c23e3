//! The JSON API under `/api/v1`: the areas' routes and OpenAPI documents
//! put together, and what belongs to no area (health, login, the user).
//! One handler per resource action, request → typed input → store →
//! typed output.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiResult;
use crate::shared::extract::ClientIp;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use dixian_store::regions;
use dixian_store::users::{self, SessionKind, User};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_swagger_ui::SwaggerUi;

/// The OpenAPI document of what belongs to no area.
#[derive(OpenApi)]
#[openapi(
    info(title = "dixian API", description = "防止返贫致贫监测帮扶 — registry, regions, users. ID numbers and phones are masked for every role; a role whose work needs them asks for one record in full with `?reveal=true` (audited)."),
    paths(health, login, me),
    components(schemas(Health, LoginRequest, LoginResponse, User)),
    modifiers(&BearerAuth),
    tags((name = "registry", description = "households and members"), (name = "auth"), (name = "regions"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// Routes of the API and its docs.
pub fn router() -> Router<AppState> {
    let api = Router::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/me", get(me))
        .merge(crate::api_ops::router())
        .merge(crate::registry::api::router())
        .merge(crate::cases::api::router())
        .merge(crate::screening::api::router())
        .merge(crate::figures::api::router())
        .merge(crate::alerts::api::router());
    api.merge(SwaggerUi::new("/api/v1/docs").url("/api/v1/openapi.json", openapi()))
}

/// The whole API's OpenAPI document: every area's.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
        .merge_from(crate::api_ops::OpsDoc::openapi())
        .merge_from(crate::registry::api::RegistryDoc::openapi())
        .merge_from(crate::cases::api::CasesDoc::openapi())
        .merge_from(crate::cases::attachments::AttachmentsDoc::openapi())
        .merge_from(crate::screening::feeds::FeedsDoc::openapi())
        .merge_from(crate::screening::api::ScreeningDoc::openapi())
        .merge_from(crate::assistance::api::AssistanceDoc::openapi())
        .merge_from(crate::figures::api::FiguresDoc::openapi())
        .merge_from(crate::alerts::api::AlertsDoc::openapi())
        .merge_from(crate::jobs::JobsDoc::openapi())
        .merge_from(crate::exchange::ExchangeDoc::openapi())
}

/// Service health.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`
    status: &'static str,
    /// Version of dixian.
    version: &'static str,
    /// `sqlite` or `postgres`.
    database: &'static str,
    /// Regions loaded.
    regions: i64,
}

#[utoipa::path(get, path = "/api/v1/health", tag = "regions", responses((status = 200, body = Health)))]
async fn health(State(s): State<AppState>) -> ApiResult<Json<Health>> {
    let database = if s.store.pool.is_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    let regions = regions::count(&s.store.pool).await?;
    Ok(Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        database,
        regions,
    }))
}

/// Login.
#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Username.
    username: String,
    /// Password.
    password: String,
}

/// A bearer token for the API.
#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    token: String,
    /// The user.
    user: User,
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, description = "wrong username or password"),
        (status = 429, description = "too many failed logins for the account or from the address; `Retry-After` says when to try again")))]
async fn login(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let user = crate::login::login(&s, ip, &req.username, &req.password)
        .await
        .map_err(|e| crate::login::refused(&s, e))?;
    let token = users::open_session(
        &s.store.pool,
        &user,
        SessionKind::Token,
        chrono::Duration::hours(12),
    )
    .await?;
    tracing::info!(user_id = user.id, "api login");
    Ok(Json(LoginResponse { token, user }))
}

#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])), responses((status = 200, body = User)))]
async fn me(auth: Auth) -> Json<User> {
    Json(auth.0)
}
