//! The registry's JSON API: regions with their counts, households and
//! members (ID numbers and phones masked unless revealed, audited).

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiResult;
use crate::shared::view::RevealQuery;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use dixian_app::registry::{self, Reveal};
use dixian_app::views::{HouseholdLine, HouseholdView};
use dixian_domain::{Household, Member};
use dixian_store::households::{HouseholdFilter, HouseholdRow};
use dixian_store::regions::Region;
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

impl From<registry::RegionOverview> for RegionView {
    fn from(o: registry::RegionOverview) -> RegionView {
        RegionView {
            region: o.region,
            chain: o.chain,
            children: o
                .children
                .into_iter()
                .map(|c| ChildCount {
                    region: c.region,
                    households: c.households,
                    persons: c.persons,
                    monitored: c.monitored,
                })
                .collect(),
        }
    }
}

#[utoipa::path(get, path = "/api/v1/regions/{code}", tag = "regions", security(("bearer" = [])),
    params(("code" = String, Path, description = "2/4/6/9/12-digit division code")),
    responses((status = 200, body = RegionView), (status = 404, description = "unknown or outside your scope")))]
async fn region(
    State(s): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
) -> ApiResult<Json<RegionView>> {
    let today = dixian_domain::case::china_date(s.clock.now());
    let book = s.rules.get();
    let overview = registry::region(&s.store, &auth.actor(), &book, &code, today).await?;
    Ok(Json(overview.into()))
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
    #[schema(value_type = Vec<HouseholdRow>)]
    items: Vec<HouseholdLine>,
}

#[utoipa::path(get, path = "/api/v1/households", tag = "registry", security(("bearer" = [])), params(HouseholdFilter),
    responses((status = 200, body = HouseholdPage)))]
async fn list_households(
    State(s): State<AppState>,
    auth: Auth,
    Query(f): Query<HouseholdFilter>,
) -> ApiResult<Json<HouseholdPage>> {
    let list = registry::households(&s.store, &auth.actor(), &f).await?;
    Ok(Json(HouseholdPage {
        total: list.total,
        page: list.page,
        per_page: list.per_page,
        items: list.items,
    }))
}

#[utoipa::path(get, path = "/api/v1/households/{id}", tag = "registry", security(("bearer" = [])),
    params(("id" = i64, Path), RevealQuery),
    responses((status = 200, body = dixian_store::StoredHousehold, description = "ID numbers and phones masked, or in full with `reveal=true` (one audit row per reveal); members' health (`illness`, `disability_*`) left out for roles that neither record nor review it, named in `withheld`"),
        (status = 403, description = "your role reads no households, or may not reveal"),
        (status = 404, description = "unknown or outside your scope")))]
async fn get_household(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(r): Query<RevealQuery>,
) -> ApiResult<Json<HouseholdView>> {
    let reveal = r.reveal.then(|| Reveal::because(r.reason.as_deref()));
    let today = chrono::Local::now().date_naive();
    let view = registry::household(&s.store, &auth.actor(), id, reveal.as_ref(), today).await?;
    if view.revealed {
        tracing::info!(household_id = id, "personal data revealed (api)");
    }
    Ok(Json(view))
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
    let id = registry::create(&s.store, &auth.actor(), &h).await?;
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
    let version =
        registry::update_as_sent(&s.store, &auth.actor(), id, u.version, u.household).await?;
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
    let version = registry::add_member(&s.store, &auth.actor(), id, a.version, a.member).await?;
    Ok(Json(Version { version }))
}
