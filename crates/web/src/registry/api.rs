//! The registry's JSON API: regions with their counts, households and
//! members (ID numbers and phones masked unless revealed, audited).

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::shared::extract::without_values;
use crate::shared::view::{RevealQuery, mask_id, redact, unmask_members};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use dixian_domain::{Household, Member, RegionCode};
use dixian_store::households::{self, HouseholdFilter, HouseholdRow};
use dixian_store::privacy::{self, Revealed};
use dixian_store::regions::{self, Region};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

/// The OpenAPI part of the registry.
#[derive(OpenApi)]
#[openapi(
    paths(
        region,
        list_households,
        get_household,
        create_household,
        update_household,
        add_member
    ),
    components(schemas(
        RegionView,
        ChildCount,
        Region,
        HouseholdPage,
        HouseholdRow,
        Household,
        Member,
        Created,
        UpdateHousehold,
        AddMember,
        Version
    ))
)]
pub struct RegistryDoc;

/// Routes of the registry's API.
pub fn router() -> Router<AppState> {
    Router::new()
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
    let mut v = crate::shared::view::to_json(&h)?;
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
            without_values(&e.to_string())
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
