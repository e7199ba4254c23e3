//! The registry's pages: the region tree (counts per child region down to
//! the villages) and the household list of a region, filtered and paged.

use super::not_found;
use crate::AppState;
use crate::auth::PageAuth;
use crate::i18n::Texts;
use crate::shared::download;
use crate::shared::lang::Lang;
use crate::shared::layout::{UserBar, user_bar};
use crate::shared::links::with_query;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use dixian_app::{exports, registry};
use dixian_domain::{Category, RegionCode, RegionLevel};
use dixian_store::households::HouseholdFilter;
use dixian_store::regions::Region;

/// Routes of these pages.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/regions/{code}", get(region_page))
        .route("/regions/{code}/figures.xlsx", get(figures_xlsx))
        .route("/households", get(households_page))
        .route("/households.xlsx", get(households_xlsx))
}

/// The region page's figures per child region as a workbook.
async fn figures_xlsx(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(code): Path<String>,
) -> Response {
    // As the region page: a region neither in nor above the scope, or
    // no region at all, reads as absent.
    let today = dixian_domain::case::china_date(s.clock.now());
    let book = s.rules.get();
    match exports::region_figures(&s.store, &auth.actor(), &book, &code, today).await {
        Ok(table) => download::xlsx(t, &table),
        Err(e @ dixian_app::AppError::Store(dixian_store::StoreError::Refused(_))) => {
            download::refused(t, e)
        }
        Err(_) => not_found(t),
    }
}

/// The household list with the page's filter as a workbook (every page).
async fn households_xlsx(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Query(f): Query<HouseholdFilter>,
) -> Response {
    match exports::households(&s.store, &auth.actor(), &f, s.exports).await {
        Ok(table) => download::xlsx(t, &table),
        Err(e) => download::refused(t, e),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "region.html")]
struct RegionPage {
    t: &'static Texts,
    user: Option<UserBar>,
    code: String,
    name: String,
    chain: Vec<Region>,
    households: i64,
    persons: i64,
    monitored: i64,
    children: Vec<ChildLine>,
    xlsx: String,
}

struct ChildLine {
    href: String,
    name: String,
    households: i64,
    persons: i64,
    monitored: i64,
}

async fn region_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(code): Path<String>,
) -> Response {
    let actor = auth.actor();
    let today = dixian_domain::case::china_date(s.clock.now());
    let book = s.rules.get();
    let Ok(v) = registry::region(&s.store, &actor, &book, &code, today).await else {
        return not_found(t);
    };
    let is_village = v.region.level == RegionLevel::Village as i64;
    if is_village {
        return Redirect::to(&format!("/households?region={}", v.region.code)).into_response();
    }
    let children: Vec<ChildLine> = v
        .children
        .iter()
        .map(|c| ChildLine {
            href: if c.region.level == RegionLevel::Village as i64 {
                format!("/households?region={}", c.region.code)
            } else {
                format!("/regions/{}", c.region.code)
            },
            name: c.region.name.clone(),
            households: c.households,
            persons: c.persons,
            monitored: c.monitored,
        })
        .collect();
    RegionPage {
        t,
        user: user_bar(&auth.0, t),
        code: v.region.code.clone(),
        name: v.region.name.clone(),
        households: children.iter().map(|c| c.households).sum(),
        persons: children.iter().map(|c| c.persons).sum(),
        monitored: children.iter().map(|c| c.monitored).sum(),
        xlsx: format!("/regions/{}/figures.xlsx", v.region.code),
        chain: v.chain,
        children,
    }
    .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "households.html")]
struct HouseholdsPage {
    t: &'static Texts,
    user: Option<UserBar>,
    chain: Vec<Region>,
    region: String,
    name: String,
    category: String,
    categories: Vec<(&'static str, &'static str)>,
    total: i64,
    rows: Vec<ListLine>,
    page: i64,
    pages: i64,
    prev: Option<String>,
    next: Option<String>,
    can_edit: bool,
    xlsx: String,
}

struct ListLine {
    id: i64,
    number: String,
    village: String,
    head: String,
    head_id: String,
    members: i64,
    category: &'static str,
    formerly_poor: &'static str,
    income_pp: i64,
    /// 三色码: code (the CSS class) and label.
    status: &'static str,
    status_label: &'static str,
}

/// `/households.xlsx?…` with the page's filters (every page of them). An
/// ID number searched for is kept only as its last 4–6 characters: a full
/// ID number never goes into a link.
fn xlsx_href(f: &HouseholdFilter) -> String {
    let poor = f.formerly_poor.map(|b| b.to_string());
    let id = f
        .id_number
        .as_deref()
        .map(str::trim)
        .filter(|i| i.chars().count() <= 6);
    with_query(
        "/households.xlsx",
        [
            ("region", f.region.as_deref()),
            ("name", f.name.as_deref()),
            ("category", f.category.as_deref()),
            ("id_number", id),
            ("formerly_poor", poor.as_deref()),
        ],
    )
}

/// `/households?…` for page `page` with the same filters.
fn page_href(f: &HouseholdFilter, page: i64) -> String {
    let page = page.to_string();
    with_query(
        "/households",
        [
            ("region", f.region.as_deref()),
            ("name", f.name.as_deref()),
            ("category", f.category.as_deref()),
            ("page", Some(page.as_str())),
        ],
    )
}

async fn households_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Query(mut f): Query<HouseholdFilter>,
) -> Response {
    let actor = auth.actor();
    f.per_page = Some(50);
    let list = match registry::households(&s.store, &actor, &f).await {
        Ok(l) => l,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let total = list.total;
    let region = f
        .region
        .clone()
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| actor.scope.region.to_string());
    let chain = match RegionCode::parse(&region) {
        Ok(code) => registry::chain(&s.store, &code).await,
        Err(_) => Vec::new(),
    };
    let page = f.page.unwrap_or(1).max(1);
    let pages = ((total + 49) / 50).max(1);
    let yes_no = |b: bool| if b { t.yes } else { t.no };
    let lines = list
        .items
        .into_iter()
        .map(|r| ListLine {
            id: r.id,
            number: r.number,
            village: r.village_name,
            head: r.head_name,
            head_id: r.head_id_number,
            members: r.member_count,
            category: r
                .category
                .as_deref()
                .and_then(Category::parse)
                .map_or("—", |c| t.label(c)),
            formerly_poor: yes_no(r.formerly_poor),
            income_pp: r.income_per_person,
            status: r.status.code(),
            status_label: t.label(r.status),
        })
        .collect();
    let mut categories = vec![("any", t.any_monitored)];
    categories.extend(Category::ALL.iter().map(|c| (c.code(), t.label(*c))));
    HouseholdsPage {
        t,
        user: user_bar(&auth.0, t),
        chain,
        region: region.clone(),
        name: f.name.clone().unwrap_or_default(),
        category: f.category.clone().unwrap_or_default(),
        categories,
        total,
        rows: lines,
        page,
        pages,
        prev: (page > 1).then(|| page_href(&f, page - 1)),
        next: (page < pages).then(|| page_href(&f, page + 1)),
        can_edit: auth.0.role.edits_registry(),
        xlsx: xlsx_href(&f),
    }
    .into_response()
}
