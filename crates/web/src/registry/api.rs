//! The JSON API under `/api/v1`: one handler per resource action, request
//! → typed input → store → typed output. Documented with OpenAPI.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::view::{RevealQuery, mask_id, redact, unmask_members};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use dixian_domain::{Household, Member, RegionCode};
use dixian_store::households::{self, HouseholdFilter, HouseholdRow};
use dixian_store::privacy::{self, Revealed};
use dixian_store::regions::{self, Region};
use dixian_store::users::{self, SessionKind, User};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_swagger_ui::SwaggerUi;

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(title = "dixian API", description = "防止返贫致贫监测帮扶 — registry, regions, users. ID numbers and phones are masked for every role; a role whose work needs them asks for one record in full with `?reveal=true` (audited)."),
    paths(health, login, me, region, list_households, get_household, create_household, update_household, add_member),
    components(schemas(Health, LoginRequest, LoginResponse, User, RegionView, ChildCount, Region, HouseholdPage, HouseholdRow,
        Household, Member, Created, UpdateHousehold, AddMember, Version)),
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
        .route("/api/v1/regions/{code}", get(region))
        .route(
            "/api/v1/households",
            get(list_households).post(create_household),
        )
        .route(
            "/api/v1/households/{id}",
            get(get_household).put(update_household),
        )
        .route("/api/v1/households/{id}/members", post(add_member))
        .merge(crate::api_ops::router())
        .merge(crate::api_cases::router())
        .merge(crate::warnings::router());
    api.merge(SwaggerUi::new("/api/v1/docs").url("/api/v1/openapi.json", openapi()))
}

/// The whole API's OpenAPI document: the registry's and the case workflow's.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
        .merge_from(crate::api_ops::OpsDoc::openapi())
        .merge_from(crate::api_cases::CasesDoc::openapi())
        .merge_from(crate::feeds::FeedsDoc::openapi())
        .merge_from(crate::warnings::ScreeningDoc::openapi())
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
    crate::api_cases::ClientIp(ip): crate::api_cases::ClientIp,
    Json(req): Json<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let user = crate::login::login(&s, ip, &req.username, &req.password)
        .await
        .map_err(|e| login_refused(&s, e))?;
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

/// A refused login as the API answers it.
pub(crate) fn login_refused(s: &AppState, e: crate::login::LoginError) -> ApiError {
    use crate::login::LoginError;
    match e {
        LoginError::Wrong => ApiError::Unauthorized,
        LoginError::Locked(until) => ApiError::LoginLocked {
            minutes: LoginError::minutes_left(until, s.clock.now()),
        },
        LoginError::Store(e) => e.into(),
    }
}

#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])), responses((status = 200, body = User)))]
async fn me(auth: Auth) -> Json<User> {
    Json(auth.0)
}

/// A region with its chain and children.
#[derive(Serialize, ToSchema)]
pub struct RegionView {
    /// The region.
    pub region: Region,
    /// From the province down to this region.
    pub chain: Vec<Region>,
    /// Children with household counts.
    pub children: Vec<ChildCount>,
}

/// A child region and its counts.
#[derive(Serialize, ToSchema)]
pub struct ChildCount {
    /// The child.
    pub region: Region,
    /// Households.
    pub households: i64,
    /// Persons.
    pub persons: i64,
    /// Monitored households.
    pub monitored: i64,
}

/// Region, chain and children with counts, as far as the scope reaches.
pub async fn region_view(
    s: &AppState,
    auth_actor: &dixian_store::Actor,
    code: &str,
) -> ApiResult<RegionView> {
    let code = RegionCode::parse(code).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let scope = &auth_actor.scope.region;
    if !scope.contains(&code) && !code.contains(scope) {
        return Err(ApiError::Store(dixian_store::StoreError::NotFound));
    }
    let region = regions::get(&s.store.pool, &code)
        .await?
        .ok_or(dixian_store::StoreError::NotFound)?;
    let chain = regions::chain(&s.store.pool, &code).await?;
    let counts = households::counts_by_child(&s.store.pool, auth_actor, &code).await?;
    let kids = if scope.contains(&code) {
        regions::children(&s.store.pool, &code).await?
    } else {
        // Above the scope: only the branch that leads to it.
        regions::children(&s.store.pool, &code)
            .await?
            .into_iter()
            .filter(|r| r.code.len() <= scope.as_str().len() && scope.as_str().starts_with(&r.code))
            .collect()
    };
    let children = kids
        .into_iter()
        .map(|r| {
            let c = counts.iter().find(|c| c.0 == r.code);
            ChildCount {
                households: c.map_or(0, |c| c.1),
                persons: c.map_or(0, |c| c.2),
                monitored: c.map_or(0, |c| c.3),
                region: r,
            }
        })
        .collect();
    Ok(RegionView {
        region,
        chain,
        children,
    })
}

#[utoipa::path(get, path = "/api/v1/regions/{code}", tag = "regions", security(("bearer" = [])),
    params(("code" = String, Path, description = "2/4/6/9/12-digit division code")),
    responses((status = 200, body = RegionView), (status = 404, description = "unknown or outside your scope")))]
async fn region(
    State(s): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
) -> ApiResult<Json<RegionView>> {
    Ok(Json(region_view(&s, &auth.actor(), &code).await?))
}

/// A page of households.
#[derive(Serialize, ToSchema)]
pub struct HouseholdPage {
    /// Matching households in all.
    total: i64,
    /// Page number.
    page: i64,
    /// Rows per page.
    per_page: i64,
    /// The rows; the head's ID number is always masked in lists.
    items: Vec<HouseholdRow>,
}

#[utoipa::path(get, path = "/api/v1/households", tag = "registry", security(("bearer" = [])), params(HouseholdFilter),
    responses((status = 200, body = HouseholdPage)))]
async fn list_households(
    State(s): State<AppState>,
    auth: Auth,
    Query(f): Query<HouseholdFilter>,
) -> ApiResult<Json<HouseholdPage>> {
    let (mut items, total) = households::list(&s.store.pool, &auth.actor(), &f).await?;
    for i in &mut items {
        i.head_id_number = mask_id(&i.head_id_number);
    }
    let per_page = f.per_page.unwrap_or(50).clamp(1, 200);
    Ok(Json(HouseholdPage {
        total,
        page: f.page.unwrap_or(1).max(1),
        per_page,
        items,
    }))
}

#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "registry", security(("bearer" = [])),
    params(("id" = i64, Path), RevealQuery),
    responses((status = 200, body = dixian_store::StoredHousehold, description = "ID numbers and phones masked, or in full with `reveal=true` (one audit row per reveal)"),
        (status = 403, description = "your role reads no households, or may not reveal"),
        (status = 404, description = "unknown or outside your scope")))]
async fn get_household(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(r): Query<RevealQuery>,
) -> ApiResult<Json<Value>> {
    let actor = auth.actor();
    let h = households::get(&s.store.pool, &actor, id).await?;
    let mut v = serde_json::to_value(&h).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    if r.reveal {
        privacy::record_reveal(
            &s.store.pool,
            &actor,
            Revealed::Household,
            id,
            h.household.village.as_str(),
            r.reason.as_deref(),
        )
        .await?;
        tracing::info!(household_id = id, "personal data revealed (api)");
    } else {
        redact(&mut v);
    }
    Ok(Json(v))
}

/// Id and version of a created record.
#[derive(Serialize, ToSchema)]
pub struct Created {
    /// Id.
    id: i64,
    /// Version (1).
    version: i64,
}

#[utoipa::path(post, path = "/api/v1/households", tag = "registry", security(("bearer" = [])), request_body = Household,
    responses((status = 201, body = Created), (status = 422, description = "a rule is broken; the message says which")))]
async fn create_household(
    State(s): State<AppState>,
    auth: Auth,
    Json(h): Json<Household>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let id = households::create(&s.store.pool, &auth.actor(), &h).await?;
    tracing::info!(household_id = id, region = %h.village, "household created");
    Ok((StatusCode::CREATED, Json(Created { id, version: 1 })))
}

/// A household update: the version read, and the new record.
#[derive(Deserialize, ToSchema)]
pub struct UpdateHousehold {
    /// The version that was read; a stale one gets 409.
    version: i64,
    /// The new record (members replace the old list). A member's
    /// `id_number` or `phone` sent back masked, as a read without
    /// `reveal` gives it, keeps the stored value; a full value replaces it.
    #[schema(value_type = Household)]
    household: Value,
}

/// The version after a change.
#[derive(Serialize, ToSchema)]
pub struct Version {
    /// New version.
    version: i64,
}

#[utoipa::path(put, path = "/api/v1/households/{id}", tag = "registry", security(("bearer" = [])), request_body = UpdateHousehold,
    params(("id" = i64, Path)),
    responses((status = 200, body = Version), (status = 409, description = "stale version"), (status = 404)))]
async fn update_household(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(u): Json<UpdateHousehold>,
) -> ApiResult<Json<Version>> {
    let actor = auth.actor();
    let stored = households::get(&s.store.pool, &actor, id).await?;
    let mut posted = u.household;
    unmask_members(&mut posted, &stored.household);
    let household: Household = serde_json::from_value(posted).map_err(|e| {
        ApiError::Store(dixian_store::StoreError::Invalid(format!(
            "household: {}",
            crate::api_cases::without_values(&e.to_string())
        )))
    })?;
    let version = households::update(&s.store.pool, &actor, id, u.version, &household).await?;
    tracing::info!(household_id = id, version, "household updated");
    Ok(Json(Version { version }))
}

/// A new member for a household.
#[derive(Deserialize, ToSchema)]
pub struct AddMember {
    /// The household version that was read.
    version: i64,
    /// The member.
    member: Member,
}

#[utoipa::path(post, path = "/api/v1/households/{id}/members", tag = "registry", security(("bearer" = [])), request_body = AddMember,
    params(("id" = i64, Path)),
    responses((status = 200, body = Version), (status = 409, description = "stale version"), (status = 422, description = "person registered elsewhere")))]
async fn add_member(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Json(a): Json<AddMember>,
) -> ApiResult<Json<Version>> {
    let actor = auth.actor();
    let mut h = households::get(&s.store.pool, &actor, id).await?.household;
    h.members.push(a.member);
    let version = households::update(&s.store.pool, &actor, id, a.version, &h).await?;
    Ok(Json(Version { version }))
}
