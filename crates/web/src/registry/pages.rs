//! Server-rendered pages: login, region tree → household list →
//! household card. Plain HTML forms and links; no script needed.

use crate::AppState;
use crate::api::region_view;
use crate::auth::{LANG_COOKIE, Lang, PageAuth, SESSION_COOKIE};
use crate::forms::{Field, Posted, household_fields, member_fields};
use crate::i18n::Texts;
use crate::view::{RevealForm, mask_id, mask_phone};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dixian_domain::{Category, Member, RegionCode, RegionLevel};
use dixian_store::households::{self, HouseholdFilter};
use dixian_store::privacy::{self, Revealed};
use dixian_store::regions::Region;
use dixian_store::users::{self, SessionKind, User};
use dixian_store::{StoreError, StoredHousehold};
use serde::Deserialize;
use std::collections::HashMap;

/// Page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/lang/{lang}", get(set_lang))
        .route("/regions/{code}", get(region_page))
        .route("/households", get(households_page))
        .route(
            "/households/new",
            get(new_household_form).post(new_household_submit),
        )
        .route("/households/{id}", get(household_page))
        .route("/households/{id}/reveal", post(household_reveal))
        .route(
            "/households/{id}/edit",
            get(edit_household_form).post(edit_household_submit),
        )
        .route(
            "/households/{id}/members/new",
            get(add_member_form).post(add_member_submit),
        )
        .route(
            "/households/{id}/members/{pos}/edit",
            get(edit_member_form).post(edit_member_submit),
        )
        .route("/static/app.css", get(css))
}

/// The logged-in user as the header shows it.
pub(crate) struct UserBar {
    pub(crate) display_name: String,
    pub(crate) role_label: &'static str,
    /// Whether the role works cases (the header links the overdue list).
    pub(crate) works_cases: bool,
}

/// The header's user line in the page's language.
pub(crate) fn user_bar(u: &User, t: &Texts) -> Option<UserBar> {
    let role_label = if t.lang == "en" {
        u.role.label_en()
    } else {
        u.role.label_zh()
    };
    Some(UserBar {
        display_name: u.display_name.clone(),
        role_label,
        works_cases: dixian_domain::case::LEAD_ROLES.contains(&u.role),
    })
}

async fn css() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "max-age=3600"),
        ],
        include_str!("../static/app.css"),
    )
}

async fn home(auth: PageAuth) -> Redirect {
    Redirect::to(&format!("/regions/{}", auth.0.region))
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    t: &'static Texts,
    user: Option<UserBar>,
    failed: bool,
}

async fn login_page(Lang(t): Lang) -> LoginPage {
    LoginPage {
        t,
        user: None,
        failed: false,
    }
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

async fn login_submit(
    State(s): State<AppState>,
    Lang(t): Lang,
    crate::api_cases::ClientIp(ip): crate::api_cases::ClientIp,
    Form(f): Form<LoginForm>,
) -> Response {
    let user = match crate::login::login(&s, ip, &f.username, &f.password).await {
        Ok(u) => u,
        Err(crate::login::LoginError::Wrong) => {
            return (
                StatusCode::UNAUTHORIZED,
                LoginPage {
                    t,
                    user: None,
                    failed: true,
                },
            )
                .into_response();
        }
        Err(e) => return crate::api::login_refused(&s, e).page(t),
    };
    let ttl = chrono::Duration::hours(12);
    match users::open_session(&s.store.pool, &user, SessionKind::Cookie, ttl).await {
        Ok(token) => {
            tracing::info!(user_id = user.id, "page login");
            let cookie = format!(
                "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}",
                ttl.num_seconds()
            );
            (
                [(SET_COOKIE, cookie)],
                Redirect::to(&format!("/regions/{}", user.region)),
            )
                .into_response()
        }
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

async fn logout(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let token = crate::auth::cookie(&headers, SESSION_COOKIE).map(str::to_string);
    if let Some(t) = token {
        let _ = users::close_session(&s.store.pool, &t).await;
    }
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    ([(SET_COOKIE, clear)], Redirect::to("/login")).into_response()
}

/// Switches the language and goes back to the page the switch was on:
/// only a local path of the app's own origin, never another host.
async fn set_lang(
    State(s): State<AppState>,
    Path(lang): Path<String>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    let lang = if lang == "en" { "en" } else { "zh" };
    let back = s.security.back_to(&headers, &uri);
    let cookie = format!("{LANG_COOKIE}={lang}; Path=/; SameSite=Lax; Max-Age=31536000");
    ([(SET_COOKIE, cookie)], Redirect::to(&back)).into_response()
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
}

struct ChildLine {
    href: String,
    name: String,
    households: i64,
    persons: i64,
    monitored: i64,
}

fn not_found(t: &'static Texts) -> Response {
    crate::view::error_page(t, StatusCode::NOT_FOUND, t.not_found)
}

async fn region_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(code): Path<String>,
) -> Response {
    let actor = auth.actor();
    let Ok(v) = region_view(&s, &actor, &code).await else {
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
}

fn category_label(t: &Texts, code: Option<&str>) -> &'static str {
    match code.and_then(Category::parse) {
        Some(c) if t.lang == "en" => c.label_en(),
        Some(c) => c.label_zh(),
        None => "—",
    }
}

fn page_href(f: &HouseholdFilter, page: i64) -> String {
    let enc = |s: &Option<String>| s.as_deref().map(urlencode).unwrap_or_default();
    format!(
        "/households?region={}&name={}&category={}&page={page}",
        enc(&f.region),
        enc(&f.name),
        enc(&f.category)
    )
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn households_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Query(mut f): Query<HouseholdFilter>,
) -> Response {
    let actor = auth.actor();
    f.per_page = Some(50);
    let (rows, total) = match households::list(&s.store.pool, &actor, &f).await {
        Ok(r) => r,
        Err(e) => return crate::error::ApiError::from(e).into_response(),
    };
    let region = f
        .region
        .clone()
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| actor.scope.region.to_string());
    let chain = match RegionCode::parse(&region) {
        Ok(code) => dixian_store::regions::chain(&s.store.pool, &code)
            .await
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let page = f.page.unwrap_or(1).max(1);
    let pages = ((total + 49) / 50).max(1);
    let yes_no = |b: bool| if b { t.yes } else { t.no };
    let lines = rows
        .into_iter()
        .map(|r| ListLine {
            id: r.id,
            number: r.number,
            village: r.village_name,
            head: r.head_name,
            head_id: mask_id(&r.head_id_number),
            members: r.member_count,
            category: category_label(t, r.category.as_deref()),
            formerly_poor: yes_no(r.formerly_poor),
            income_pp: r.income_per_person,
        })
        .collect();
    let mut categories = vec![("any", t.any_monitored)];
    categories.extend(Category::ALL.iter().map(|c| {
        (
            c.code(),
            if t.lang == "en" {
                c.label_en()
            } else {
                c.label_zh()
            },
        )
    }));
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
    }
    .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "household.html")]
struct HouseholdPage {
    t: &'static Texts,
    user: Option<UserBar>,
    chain: Vec<Region>,
    number: String,
    head: String,
    address: String,
    category: &'static str,
    formerly_poor: &'static str,
    housing: &'static str,
    water: &'static str,
    farmland: f64,
    wage: i64,
    production: i64,
    property: i64,
    transfer: i64,
    income_pp: i64,
    medical: i64,
    schooling: i64,
    version: i64,
    members: Vec<MemberLine>,
    id: i64,
    can_edit: bool,
    cases: Vec<(i64, &'static str)>,
    can_lead: bool,
    timeline: Vec<TimelineLine>,
    /// The role may show ID numbers and phones in full (the button).
    may_reveal: bool,
    /// They are shown in full now (the reveal was recorded).
    revealed: bool,
}

/// One line of a household's timeline.
struct TimelineLine {
    when: String,
    what: String,
    who: String,
}

fn timeline_line(t: &Texts, e: &dixian_store::cases::TimelineEntry) -> TimelineLine {
    use dixian_store::cases::TimelineKind;
    let what = match e.kind {
        TimelineKind::Lead => dixian_domain::Channel::parse(&e.what).map_or(e.what.clone(), |c| {
            format!(
                "{}: {}",
                t.new_lead,
                if t.lang == "en" {
                    c.label_en()
                } else {
                    c.label_zh()
                }
            )
        }),
        TimelineKind::CaseEvent => {
            dixian_domain::case::EventKind::parse(&e.what).map_or(e.what.clone(), |k| {
                if t.lang == "en" {
                    k.label_en()
                } else {
                    k.label_zh()
                }
                .to_string()
            })
        }
        TimelineKind::Registry => format!("{} ({})", t.households, e.what),
        TimelineKind::Warning => {
            let status = match e.what.as_str() {
                "verified" => t.st_verified,
                "dismissed" => t.st_dismissed,
                _ => t.st_open,
            };
            let rule = e.detail["rule_id"].as_str().unwrap_or_default();
            format!("{} ({rule}): {status}", t.warnings)
        }
    };
    TimelineLine {
        when: crate::view::china_time(e.at),
        what,
        who: e
            .user_name
            .clone()
            .or_else(|| e.role.clone())
            .unwrap_or_else(|| "—".into()),
    }
}

struct MemberLine {
    name: String,
    relation: &'static str,
    id: String,
    sex: &'static str,
    age: u32,
    labor: &'static str,
    health: &'static str,
    disability: String,
    school: String,
    insurance: &'static str,
    employment: &'static str,
    phone: String,
}

/// Picks the label of the page's language.
macro_rules! label {
    ($t:expr, $v:expr) => {
        if $t.lang == "en" {
            $v.label_en()
        } else {
            $v.label_zh()
        }
    };
}

/// A member as the card shows it: ID number and phone masked unless
/// `full` (after a recorded reveal).
fn member_line(t: &Texts, m: &Member, full: bool) -> MemberLine {
    let today = chrono::Local::now().date_naive();
    MemberLine {
        name: m.name.clone(),
        relation: label!(t, m.relation),
        id: if full {
            m.id_number.as_str().to_string()
        } else {
            m.id_number.masked()
        },
        sex: if t.lang == "en" {
            if m.id_number.sex() == dixian_domain::Sex::Male {
                "M"
            } else {
                "F"
            }
        } else {
            m.id_number.sex().label_zh()
        },
        age: m.id_number.age_on(today),
        labor: label!(t, m.labor),
        health: label!(t, m.illness),
        disability: match (m.disability_kind, m.disability_grade) {
            (Some(k), Some(g)) => format!("{} {g}", label!(t, k)),
            (Some(k), None) => label!(t, k).to_string(),
            _ => "—".into(),
        },
        school: match (m.student_stage, m.student_status) {
            (Some(s), Some(st)) => format!("{} · {}", label!(t, s), label!(t, st)),
            (Some(s), None) => label!(t, s).to_string(),
            _ => "—".into(),
        },
        insurance: label!(t, m.insurance),
        employment: label!(t, m.employment),
        phone: m
            .phone
            .as_deref()
            .map(|p| if full { p.to_string() } else { mask_phone(p) })
            .unwrap_or_else(|| "—".into()),
    }
}

fn household_page_of(
    t: &'static Texts,
    user: &User,
    chain: Vec<Region>,
    stored: &StoredHousehold,
    revealed: bool,
) -> HouseholdPage {
    let (h, version) = (&stored.household, stored.version);
    let yes_no = |b: bool| if b { t.yes } else { t.no };
    HouseholdPage {
        t,
        user: user_bar(user, t),
        chain,
        number: h.number.clone(),
        head: h.head().map(|m| m.name.clone()).unwrap_or_default(),
        address: format!(
            "{}{}",
            h.address,
            h.village_group
                .as_deref()
                .map(|g| format!(" {g}"))
                .unwrap_or_default()
        ),
        category: h.category.map(|c| label!(t, c)).unwrap_or("—"),
        formerly_poor: yes_no(h.formerly_registered_poor),
        housing: label!(t, h.housing),
        water: label!(t, h.water),
        farmland: h.farmland_mu,
        wage: h.income.wage,
        production: h.income.production,
        property: h.income.property,
        transfer: h.income.transfer,
        income_pp: h.income_per_person(),
        medical: h.medical_expense,
        schooling: h.schooling_expense,
        version,
        members: h
            .members
            .iter()
            .map(|m| member_line(t, m, revealed))
            .collect(),
        id: stored.id,
        can_edit: user.role.edits_registry(),
        cases: Vec::new(),
        can_lead: false,
        timeline: Vec::new(),
        may_reveal: privacy::may_reveal(&dixian_store::Actor::of(user)),
        revealed,
    }
}

async fn household_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
) -> Response {
    render_household(&s, &auth, t, id, None).await
}

/// "显示完整信息 Show in full": the same card with ID numbers and phones
/// in full, after the store has recorded the reveal (403 for a role that
/// may not, 404 outside the scope).
async fn household_reveal(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
    Form(f): Form<RevealForm>,
) -> Response {
    render_household(&s, &auth, t, id, Some(&f.reason)).await
}

/// The card, masked (`reveal` = `None`) or in full with the reason given.
async fn render_household(
    s: &AppState,
    auth: &PageAuth,
    t: &'static Texts,
    id: i64,
    reveal: Option<&str>,
) -> Response {
    let actor = auth.actor();
    let stored = match households::get(&s.store.pool, &actor, id).await {
        Ok(stored) => stored,
        // A role that reads no households is told so (403), as by the API.
        Err(StoreError::Forbidden) => return forbidden(t),
        Err(_) => return not_found(t),
    };
    if let Some(reason) = reveal {
        let village = stored.household.village.as_str();
        if let Err(e) = privacy::record_reveal(
            &s.store.pool,
            &actor,
            Revealed::Household,
            id,
            village,
            Some(reason),
        )
        .await
        {
            return crate::error::ApiError::from(e).page(t);
        }
        tracing::info!(household_id = id, "personal data revealed (page)");
    }
    let chain = dixian_store::regions::chain(&s.store.pool, &stored.household.village)
        .await
        .unwrap_or_default();
    let mut page = household_page_of(t, &auth.0, chain, &stored, reveal.is_some());
    // Cases and the timeline: only roles that work cases read them.
    if let Ok(cs) = dixian_store::cases::cases_of_household(&s.store.pool, &actor, id).await {
        page.cases = cs
            .iter()
            .map(|c| {
                (
                    c.id,
                    if t.lang == "en" {
                        c.case.stage.label_en()
                    } else {
                        c.case.stage.label_zh()
                    },
                )
            })
            .collect();
        page.can_lead = true;
    }
    if let Ok(tl) = dixian_store::cases::timeline(&s.store.pool, &actor, id).await {
        page.timeline = tl.iter().rev().map(|e| timeline_line(t, e)).collect();
    }
    page.into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "household_form.html")]
struct FormPage {
    t: &'static Texts,
    user: Option<UserBar>,
    chain: Vec<Region>,
    heading: &'static str,
    action: String,
    cancel: String,
    version: i64,
    fields: Vec<Field>,
    errors: Vec<String>,
}

/// Shows the posted values again after a failed submit.
fn refill(mut fields: Vec<Field>, form: &HashMap<String, String>) -> Vec<Field> {
    for f in &mut fields {
        if let Some(v) = form.get(f.name) {
            f.value = v.clone();
        }
    }
    fields
}

fn store_message(t: &Texts, e: &StoreError) -> String {
    match e {
        StoreError::Conflict { .. } => t.stale.to_string(),
        StoreError::Db(_) | StoreError::Migrate(_) | StoreError::Io { .. } => {
            tracing::error!(error = %e, "form save failed");
            "系统错误，请稍后再试 (internal error)".into()
        }
        other => other.to_string(),
    }
}

fn forbidden(t: &'static Texts) -> Response {
    crate::view::error_page(t, StatusCode::FORBIDDEN, t.not_found)
}

async fn village_options(s: &AppState, actor: &dixian_store::Actor) -> Vec<(String, String)> {
    let villages = dixian_store::regions::villages_in(&s.store.pool, &actor.scope.region)
        .await
        .unwrap_or_default();
    villages.into_iter().map(|r| (r.code, r.name)).collect()
}

#[derive(Deserialize)]
struct NewQuery {
    village: Option<String>,
}

async fn new_household_form(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Query(nq): Query<NewQuery>,
) -> Response {
    let actor = auth.actor();
    if !actor.scope.role.edits_registry() {
        return forbidden(t);
    }
    let mut fields = household_fields(t, None, village_options(&s, &actor).await, false);
    fields.extend(member_fields(t, None));
    let mut preset = HashMap::from([("m_relation".to_string(), "head".to_string())]);
    if let Some(v) = nq.village {
        preset.insert("village".into(), v);
    }
    let fields = refill(fields, &preset);
    let chain = dixian_store::regions::chain(&s.store.pool, &actor.scope.region)
        .await
        .unwrap_or_default();
    let page = FormPage {
        t,
        user: user_bar(&auth.0, t),
        chain,
        heading: t.new_household,
        action: "/households/new".into(),
        cancel: "/households".into(),
        version: 0,
        fields,
        errors: Vec::new(),
    };
    page.into_response()
}

async fn new_household_submit(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let actor = auth.actor();
    if !actor.scope.role.edits_registry() {
        return forbidden(t);
    }
    let mut posted = Posted::new(&form);
    let head = posted.member(t);
    let household = head.and_then(|m| posted.household(t, vec![m]));
    let mut errors = posted.errors;
    if let (Some(h), true) = (&household, errors.is_empty()) {
        match households::create(&s.store.pool, &actor, h).await {
            Ok(id) => return Redirect::to(&format!("/households/{id}")).into_response(),
            // A village outside the scope reads as absent (404), as by the API.
            Err(StoreError::NotFound) => return not_found(t),
            Err(e) => errors.push(store_message(t, &e)),
        }
    }
    let mut fields = household_fields(t, None, village_options(&s, &actor).await, false);
    fields.extend(member_fields(t, None));
    let page = FormPage {
        t,
        user: user_bar(&auth.0, t),
        chain: Vec::new(),
        heading: t.new_household,
        action: "/households/new".into(),
        cancel: "/households".into(),
        version: 0,
        fields: refill(fields, &form),
        errors,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// Loads a household the actor may edit, or the response to send instead.
async fn editable(
    s: &AppState,
    auth: &PageAuth,
    t: &'static Texts,
    id: i64,
) -> Result<(StoredHousehold, Vec<Region>), Response> {
    let actor = auth.actor();
    if !actor.scope.role.edits_registry() {
        return Err(forbidden(t));
    }
    let stored = households::get(&s.store.pool, &actor, id)
        .await
        .map_err(|_| not_found(t))?;
    let chain = dixian_store::regions::chain(&s.store.pool, &stored.household.village)
        .await
        .unwrap_or_default();
    Ok((stored, chain))
}

async fn edit_household_form(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
) -> Response {
    let (stored, chain) = match editable(&s, &auth, t, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let fields = household_fields(
        t,
        Some(&stored.household),
        village_options(&s, &auth.actor()).await,
        true,
    );
    let page = FormPage {
        t,
        user: user_bar(&auth.0, t),
        chain,
        heading: t.edit_household,
        action: format!("/households/{id}/edit"),
        cancel: format!("/households/{id}"),
        version: stored.version,
        fields,
        errors: Vec::new(),
    };
    page.into_response()
}

async fn edit_household_submit(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (stored, chain) = match editable(&s, &auth, t, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut posted = Posted::new(&form);
    let version = posted.version();
    let household = posted.household(t, stored.household.members.clone());
    let mut errors = posted.errors;
    if let (Some(h), true) = (&household, errors.is_empty()) {
        match households::update(&s.store.pool, &auth.actor(), id, version, h).await {
            Ok(_) => return Redirect::to(&format!("/households/{id}")).into_response(),
            // Moved to a village outside the scope: 404, as by the API.
            Err(StoreError::NotFound) => return not_found(t),
            Err(e) => errors.push(store_message(t, &e)),
        }
    }
    let fields = refill(
        household_fields(
            t,
            Some(&stored.household),
            village_options(&s, &auth.actor()).await,
            true,
        ),
        &form,
    );
    let page = FormPage {
        t,
        user: user_bar(&auth.0, t),
        chain,
        heading: t.edit_household,
        action: format!("/households/{id}/edit"),
        cancel: format!("/households/{id}"),
        version,
        fields,
        errors,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// `None` = add a member; `Some(p)` = edit the member at position `p`.
async fn member_form(
    s: &AppState,
    auth: &PageAuth,
    t: &'static Texts,
    id: i64,
    pos: Option<usize>,
) -> Response {
    let (stored, chain) = match editable(s, auth, t, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let member = match pos {
        Some(p) => match stored.household.members.get(p) {
            Some(m) => Some(m),
            None => return not_found(t),
        },
        None => None,
    };
    let (heading, action) = member_target(t, id, pos);
    // A new member is not the head: preselect the commonest relation.
    let preset = HashMap::from([("m_relation".to_string(), "child".to_string())]);
    let fields = if let Some(m) = member {
        masked_member_fields(t, m)
    } else {
        refill(member_fields(t, None), &preset)
    };
    let page = FormPage {
        t,
        user: user_bar(&auth.0, t),
        chain,
        heading,
        action,
        cancel: format!("/households/{id}"),
        version: stored.version,
        fields,
        errors: Vec::new(),
    };
    page.into_response()
}

/// The form of a stored member with its ID number and phone masked: the
/// form shows what the card shows; a value sent back unchanged keeps the
/// stored one ([`unmasked_form`]), a new one replaces it.
fn masked_member_fields(t: &'static Texts, m: &Member) -> Vec<Field> {
    let mut fields = member_fields(t, Some(m));
    for f in &mut fields {
        match f.name {
            "m_id_number" => {
                f.value = m.id_number.masked();
                f.label = t.id_number_kept;
            }
            "m_phone" if !f.value.is_empty() => {
                f.value = mask_phone(&f.value);
                f.label = t.phone_kept;
            }
            _ => {}
        }
    }
    fields
}

/// The posted member form with a masked ID number or phone sent back
/// unchanged replaced by the stored value (a mask is never a valid value).
fn unmasked_form(form: &HashMap<String, String>, stored: &Member) -> HashMap<String, String> {
    let mut form = form.clone();
    if let Some(v) = form.get_mut("m_id_number")
        && v.trim() == stored.id_number.masked()
    {
        *v = stored.id_number.as_str().to_string();
    }
    if let (Some(v), Some(p)) = (form.get_mut("m_phone"), stored.phone.as_deref())
        && v.trim() == mask_phone(p)
    {
        *v = p.to_string();
    }
    form
}

fn member_target(t: &'static Texts, id: i64, pos: Option<usize>) -> (&'static str, String) {
    match pos {
        Some(p) => (t.edit_member, format!("/households/{id}/members/{p}/edit")),
        None => (t.add_member, format!("/households/{id}/members/new")),
    }
}

async fn member_submit(
    s: &AppState,
    auth: &PageAuth,
    t: &'static Texts,
    id: i64,
    pos: Option<usize>,
    form: &HashMap<String, String>,
) -> Response {
    let (stored, chain) = match editable(s, auth, t, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let unmasked = match pos.and_then(|p| stored.household.members.get(p)) {
        Some(m) => unmasked_form(form, m),
        None => form.clone(),
    };
    let mut posted = Posted::new(&unmasked);
    let version = posted.version();
    let member = posted.member(t);
    let mut errors = posted.errors;
    if let (Some(m), true) = (member, errors.is_empty()) {
        let mut h = stored.household.clone();
        match pos {
            Some(p) if p < h.members.len() => h.members[p] = m,
            Some(_) => return not_found(t),
            None => h.members.push(m),
        }
        match households::update(&s.store.pool, &auth.actor(), id, version, &h).await {
            Ok(_) => return Redirect::to(&format!("/households/{id}")).into_response(),
            Err(StoreError::NotFound) => return not_found(t),
            Err(e) => errors.push(store_message(t, &e)),
        }
    }
    let (heading, action) = member_target(t, id, pos);
    let blank = match pos.and_then(|p| stored.household.members.get(p)) {
        Some(m) => masked_member_fields(t, m),
        None => member_fields(t, None),
    };
    let fields = refill(blank, form);
    let page = FormPage {
        t,
        user: user_bar(&auth.0, t),
        chain,
        heading,
        action,
        cancel: format!("/households/{id}"),
        version,
        fields,
        errors,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

async fn add_member_form(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
) -> Response {
    member_form(&s, &auth, t, id, None).await
}

async fn add_member_submit(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    member_submit(&s, &auth, t, id, None, &form).await
}

async fn edit_member_form(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path((id, pos)): Path<(i64, usize)>,
) -> Response {
    member_form(&s, &auth, t, id, Some(pos)).await
}

async fn edit_member_submit(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path((id, pos)): Path<(i64, usize)>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    member_submit(&s, &auth, t, id, Some(pos), &form).await
}
