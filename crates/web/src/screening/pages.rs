//! Pages of screening: the warning list of a village or township
//! (filtered by region, risk type, severity and status, with the open
//! count per township or village), one warning with its evidence and the
//! two ends (verify → a lead and its case; dismiss with a reason), the
//! screening run button, and the rule sets in force with the form that
//! adopts a new version.

use super::api::{
    AdoptBody, WhatIfBody, WhatIfView, adopt as adopt_file, detail, replay, rule_views,
    run_screening, what_if,
};
use crate::AppState;
use crate::auth::PageAuth;
use crate::error::ApiError;
use crate::i18n::Texts;
use crate::shared::download;
use crate::shared::lang::Lang;
use crate::shared::layout::{UserBar, user_bar};
use crate::shared::links::with_query;
use crate::shared::view::{RevealForm, china_time, mask_id};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dixian_app::exports;
use dixian_domain::{RiskType, Role, Severity, WarningStatus};
use dixian_screen::FeedRow;
use dixian_screen::feed::{Field, FieldValue};
use dixian_store::rule_sets::Adopted;
use dixian_store::screening;
use dixian_store::warnings::{self, EvidenceRow, WarningFilter, WarningRow};
use serde::Deserialize;

/// Routes of the screening pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/warnings", get(list_page))
        .route("/warnings.xlsx", get(list_xlsx))
        .route("/warnings/{id}", get(warning_page))
        .route("/warnings/{id}/reveal", post(reveal))
        .route("/warnings/{id}/verify", post(verify))
        .route("/warnings/{id}/dismiss", post(dismiss))
        .route("/screening/run", post(run))
        .route("/rules", get(rules_page).post(adopt))
        .route("/rules/whatif", post(whatif))
        .route("/rules/whatif.xlsx", post(whatif_xlsx))
}

/// The warning list with the page's filter as a workbook (every page).
async fn list_xlsx(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Query(f): Query<WarningFilter>,
) -> Response {
    match exports::warnings(&s.store, &auth.actor(), &f, s.exports).await {
        Ok(table) => download::xlsx(t, &table),
        Err(e) => download::refused(t, e),
    }
}

fn status_label(t: &'static Texts, s: WarningStatus) -> &'static str {
    match s {
        WarningStatus::Open => t.st_open,
        WarningStatus::Attached => t.st_attached,
        WarningStatus::Verified => t.st_verified,
        WarningStatus::Dismissed => t.st_dismissed,
    }
}

fn severity_label(t: &'static Texts, s: Severity) -> &'static str {
    match s {
        Severity::High => t.sev_high,
        Severity::Medium => t.sev_medium,
        Severity::Low => t.sev_low,
    }
}

/// The label of a risk type code (the what-if lines carry codes).
fn risk_label(t: &Texts, code: &str) -> String {
    RiskType::parse(code).map_or_else(|| code.to_string(), |r| t.label(r).to_string())
}

/// A row of the list as shown.
struct Line {
    id: i64,
    household_id: i64,
    number: String,
    head: String,
    person: String,
    village: String,
    risk: String,
    severity: &'static str,
    severity_code: String,
    rule: String,
    dates: String,
    evidence: i64,
    status: &'static str,
    case_id: Option<i64>,
}

fn line(t: &'static Texts, w: WarningRow) -> Line {
    Line {
        id: w.id,
        household_id: w.household_id,
        number: w.household_number,
        head: w.head_name,
        person: w
            .person_id_number
            .as_deref()
            .map(mask_id)
            .unwrap_or_default(),
        village: w.village_code,
        risk: t.label(w.risk_type).to_string(),
        severity: severity_label(t, w.severity),
        severity_code: w.severity.code().to_string(),
        rule: format!(
            "{} · {} v{}",
            w.rule_id, w.rule_set_name, w.rule_set_version
        ),
        dates: if w.first_date == w.last_date {
            w.first_date.to_string()
        } else {
            format!("{} – {}", w.first_date, w.last_date)
        },
        evidence: w.evidence_rows,
        status: status_label(t, w.status),
        case_id: w.case_id,
    }
}

/// An option of a filter select.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

fn choices(current: Option<&str>, items: Vec<(String, String)>) -> Vec<Choice> {
    items
        .into_iter()
        .map(|(value, label)| Choice {
            selected: current == Some(value.as_str()),
            value,
            label,
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "warnings.html")]
struct ListPage {
    t: &'static Texts,
    user: Option<UserBar>,
    lines: Vec<Line>,
    total: i64,
    regions: Vec<Choice>,
    risks: Vec<Choice>,
    severities: Vec<Choice>,
    statuses: Vec<Choice>,
    /// (link with the other filters kept, name, code, open warnings).
    counts: Vec<(String, String, String, i64)>,
    may_run: bool,
    last_run: String,
    page: i64,
    pages: i64,
    prev: Option<String>,
    next: Option<String>,
    xlsx: String,
}

/// `/warnings.xlsx?…` with the page's filters (every page of them).
fn xlsx_href(f: &WarningFilter) -> String {
    with_query(
        "/warnings.xlsx",
        [
            ("region", f.region.as_deref()),
            ("risk", f.risk.as_deref()),
            ("severity", f.severity.as_deref()),
            ("status", f.status.as_deref()),
        ],
    )
}

/// `/warnings?…` for page `page` with the same filters.
fn page_href(f: &WarningFilter, page: i64) -> String {
    let per_page = f.per_page.map(|n| n.to_string());
    let page = page.to_string();
    with_query(
        "/warnings",
        [
            ("region", f.region.as_deref()),
            ("risk", f.risk.as_deref()),
            ("severity", f.severity.as_deref()),
            ("status", f.status.as_deref()),
            ("per_page", per_page.as_deref()),
            ("page", Some(page.as_str())),
        ],
    )
}

/// The regions one level below the user's (townships of a county,
/// villages of a township): (code, name), by code.
async fn child_regions(s: &AppState, user: &dixian_store::User) -> Vec<(String, String)> {
    dixian_store::regions::children(&s.store.pool, &user.region)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| (r.code, r.name))
        .collect()
}

/// The last screening run covering `region`, in a line of the page's language.
pub(crate) async fn last_run_line(s: &AppState, t: &'static Texts, region: &str) -> String {
    match screening::last_run_covering(&s.store.pool, region).await {
        Ok(Some(r)) => format!(
            "#{} · {} {} · {} {} · {}",
            r.id,
            t.as_of,
            r.as_of,
            t.new_warnings,
            r.warnings_raised,
            china_time(r.finished_at)
        ),
        _ => "—".into(),
    }
}

async fn list_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Query(f): Query<WarningFilter>,
) -> Response {
    let actor = auth.actor();
    let (rows, total) = match warnings::list(&s.store.pool, &actor, &f).await {
        Ok(x) => x,
        Err(e) => return ApiError::from(e).page(t),
    };
    let children = child_regions(&s, &auth.0).await;
    let names: std::collections::HashMap<&str, &str> = children
        .iter()
        .map(|(c, n)| (c.as_str(), n.as_str()))
        .collect();
    let counts = warnings::open_counts(&s.store.pool, &actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(code, n)| {
            let name = names
                .get(code.as_str())
                .map_or_else(String::new, |n| n.to_string());
            let only = WarningFilter {
                region: Some(code.clone()),
                ..f.clone()
            };
            (page_href(&only, 1), name, code, n)
        })
        .collect();
    let risks = RiskType::ALL
        .iter()
        .map(|r| (r.code().to_string(), t.label(*r).to_string()))
        .collect();
    let severities = Severity::ALL
        .iter()
        .map(|&c| (c.code().to_string(), severity_label(t, c).to_string()))
        .collect();
    let status = f
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or("open");
    let statuses = WarningStatus::ALL
        .iter()
        .map(|&c| (c.code().to_string(), status_label(t, c).to_string()))
        .chain([("all".to_string(), t.all.to_string())])
        .collect();
    let per_page = f.per_page.unwrap_or(50).clamp(1, 200);
    let page = f.page.unwrap_or(1).max(1);
    let pages = ((total + per_page - 1) / per_page).max(1);
    ListPage {
        t,
        user: user_bar(&auth.0, t),
        page,
        pages,
        prev: (page > 1).then(|| page_href(&f, page - 1)),
        next: (page < pages).then(|| page_href(&f, page + 1)),
        xlsx: xlsx_href(&f),
        lines: rows.into_iter().map(|w| line(t, w)).collect(),
        total,
        regions: choices(f.region.as_deref(), children.clone()),
        risks: choices(f.risk.as_deref(), risks),
        severities: choices(f.severity.as_deref(), severities),
        statuses: choices(Some(status), statuses),
        counts,
        may_run: auth.0.role.loads_feeds(),
        last_run: last_run_line(&s, t, auth.0.region.as_str()).await,
    }
    .into_response()
}

/// An evidence row as shown: where it came from and its values.
struct Evidence {
    file: String,
    line: i64,
    date: String,
    fields: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "warning.html")]
struct WarningPage {
    t: &'static Texts,
    user: Option<UserBar>,
    w: Line,
    /// The person's ID number: masked, or in full after a recorded reveal.
    person: String,
    may_reveal: bool,
    revealed: bool,
    rule_set: String,
    condition: String,
    raised: String,
    resolution: String,
    version: i64,
    open: bool,
    evidence_header: Vec<String>,
    evidence: Vec<Evidence>,
    errors: Vec<String>,
}

/// One value of a row as shown: the typed row's own formatting (元,
/// labels in the page's language), the ID number masked unless revealed.
/// Health fields the reader may not see never reach the page: the store
/// withholds them (`EvidenceRow::withheld`).
fn shown(t: &Texts, v: &FieldValue<'_>, revealed: bool) -> String {
    match v {
        FieldValue::IdNumber(id) if !revealed => mask_id(id.as_str()),
        FieldValue::Coded { zh, en, .. } => t.pick(zh, en).to_string(),
        // Dates, money, numbers and text read the same in both languages.
        v => v.text(false),
    }
}

/// The evidence as one table: the fields of the rows (in file order, from
/// the feed kinds' schema) as columns, a row per feed row.
fn evidence_table(
    t: &'static Texts,
    rows: &[EvidenceRow<FeedRow>],
    revealed: bool,
) -> (Vec<String>, Vec<Evidence>) {
    let values: Vec<Vec<(Field, FieldValue<'_>)>> =
        rows.iter().map(|e| e.payload.fields()).collect();
    let mut keys: Vec<Field> = Vec::new();
    for (f, _) in values.iter().flatten() {
        if !keys.contains(f) {
            keys.push(*f);
        }
    }
    let header = keys
        .iter()
        .map(|f| t.pick(f.zh, f.en).to_string())
        .collect();
    let body = rows
        .iter()
        .zip(&values)
        .map(|(e, fields)| Evidence {
            file: e.file_name.clone(),
            line: e.line,
            date: e.event_date.to_string(),
            fields: keys
                .iter()
                .map(|k| {
                    if e.withheld.iter().any(|w| w == k.key) {
                        t.hidden.to_string()
                    } else {
                        fields
                            .iter()
                            .find(|(f, _)| f == k)
                            .map_or_else(String::new, |(_, v)| shown(t, v, revealed))
                    }
                })
                .collect(),
        })
        .collect();
    (header, body)
}

async fn render_warning(
    s: &AppState,
    user: &dixian_store::User,
    t: &'static Texts,
    id: i64,
    errors: Vec<String>,
    reveal: Option<&str>,
) -> Response {
    let d = match detail(s, user, id, reveal.map(Some)).await {
        Ok(d) => d,
        Err(e) => return e.page(t),
    };
    let w = d.warning;
    let (evidence_header, evidence) = evidence_table(t, &d.evidence, reveal.is_some());
    let page = WarningPage {
        t,
        user: user_bar(user, t),
        person: w.person_id_number.clone().unwrap_or_default(),
        may_reveal: dixian_store::privacy::may_reveal(&dixian_store::Actor::of(user)),
        revealed: reveal.is_some(),
        rule_set: format!(
            "{} ({}, v{})",
            w.rule_set_name, w.rule_set_region, w.rule_set_version
        ),
        condition: w.rule_condition.code().to_string(),
        raised: china_time(w.raised_at),
        resolution: w.resolution.clone().unwrap_or_default(),
        version: w.version,
        open: w.status == WarningStatus::Open,
        evidence_header,
        evidence,
        w: line(t, w),
        errors,
    };
    // A refused verify or dismiss (stale version, not open) is 422, as
    // the API answers it; the page shows why.
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, page).into_response()
}

async fn warning_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
) -> Response {
    render_warning(&s, &auth.0, t, id, Vec::new(), None).await
}

/// "显示完整信息 Show in full": the same page with the person's ID number
/// in full, after the store has recorded the reveal.
async fn reveal(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
    Form(f): Form<RevealForm>,
) -> Response {
    render_warning(&s, &auth.0, t, id, Vec::new(), Some(&f.reason)).await
}

#[derive(Deserialize)]
struct EndForm {
    version: i64,
    #[serde(default)]
    text: String,
}

async fn verify(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
    Form(f): Form<EndForm>,
) -> Response {
    let r = warnings::verify(
        &s.store.pool,
        &auth.actor(),
        id,
        f.version,
        &f.text,
        s.clock.now(),
        &s.policies(),
    )
    .await;
    match r {
        Ok(v) => {
            tracing::info!(
                warning_id = id,
                lead_id = v.lead.lead_id,
                "warning verified (page)"
            );
            match v.lead.case_id {
                Some(c) => Redirect::to(&format!("/cases/{c}")).into_response(),
                None => Redirect::to(&format!("/warnings/{id}")).into_response(),
            }
        }
        Err(e) => render_warning(&s, &auth.0, t, id, vec![t.reason(&e.to_string())], None).await,
    }
}

async fn dismiss(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
    Form(f): Form<EndForm>,
) -> Response {
    let now = s.clock.now();
    match warnings::dismiss(&s.store.pool, &auth.actor(), id, f.version, &f.text, now).await {
        Ok(_) => {
            tracing::info!(warning_id = id, "warning dismissed (page)");
            Redirect::to(&format!("/warnings/{id}")).into_response()
        }
        Err(e) => render_warning(&s, &auth.0, t, id, vec![t.reason(&e.to_string())], None).await,
    }
}

async fn run(State(s): State<AppState>, auth: PageAuth, Lang(t): Lang) -> Response {
    match run_screening(&s, &auth.actor(), None).await {
        Ok(_) if auth.0.role == Role::DataOfficer => Redirect::to("/feeds").into_response(),
        Ok(_) => Redirect::to("/warnings").into_response(),
        Err(e) => e.page(t),
    }
}

/// A rule set as the rules page lists it.
struct SetLine {
    region: String,
    valid_from: String,
    valid_to: String,
    version: i64,
    name: String,
    line: String,
    rules: usize,
    added: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "rules.html")]
struct RulesPage {
    t: &'static Texts,
    user: Option<UserBar>,
    sets: Vec<SetLine>,
    may_adopt: bool,
    may_replay: bool,
    messages: Vec<String>,
    errors: Vec<String>,
    whatif: Option<WhatIfView>,
    /// Labels of the what-if lines' risk types, in order.
    whatif_risks: Vec<String>,
}

async fn render_rules(
    s: &AppState,
    user: &dixian_store::User,
    t: &'static Texts,
    messages: Vec<String>,
    errors: Vec<String>,
    whatif: Option<WhatIfView>,
) -> Response {
    let views = match rule_views(s).await {
        Ok(v) => v,
        Err(e) => return e.page(t),
    };
    let codes: Vec<dixian_domain::RegionCode> = views
        .iter()
        .filter_map(|v| dixian_domain::RegionCode::parse(&v.region).ok())
        .collect();
    let scope_names = dixian_app::registry::village_names(&s.store, &codes).await;
    let sets = views
        .into_iter()
        .map(|v| SetLine {
            // The scope by name (贵州省, 全国), never the code.
            region: if v.region == dixian_screen::rules::NATIONAL {
                t.national.to_string()
            } else {
                dixian_app::registry::name_of(&scope_names, &v.region)
            },
            valid_from: v.valid_from.to_string(),
            valid_to: v.valid_to.map_or_else(|| "—".into(), |d| d.to_string()),
            version: v.version,
            name: v.name,
            line: format!("{:.2}", v.monitoring_line_yuan),
            rules: v.rules,
            added: china_time(v.added_at),
        })
        .collect();
    let names: std::collections::HashMap<String, String> =
        child_regions(s, user).await.into_iter().collect();
    let whatif_risks = whatif
        .as_ref()
        .map(|w| {
            w.lines
                .iter()
                .map(|l| {
                    let name = names.get(&l.township).cloned().unwrap_or_default();
                    format!("{name} · {}", risk_label(t, &l.risk_type))
                })
                .collect()
        })
        .unwrap_or_default();
    RulesPage {
        t,
        user: user_bar(user, t),
        sets,
        may_adopt: user.role == Role::CountyAdmin,
        may_replay: user.role.loads_feeds(),
        messages,
        errors,
        whatif,
        whatif_risks,
    }
    .into_response()
}

async fn rules_page(State(s): State<AppState>, auth: PageAuth, Lang(t): Lang) -> Response {
    render_rules(&s, &auth.0, t, Vec::new(), Vec::new(), None).await
}

#[derive(Deserialize)]
struct AdoptForm {
    file_name: String,
    source: String,
}

async fn adopt(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Form(f): Form<AdoptForm>,
) -> Response {
    let body = AdoptBody {
        file_name: f.file_name,
        source: f.source,
    };
    match adopt_file(&s, &auth.actor(), body).await {
        Ok(adopted) => {
            let msgs = adopted
                .iter()
                .map(|a| match a {
                    Adopted::Added { version, .. } => {
                        format!("{} {version}", t.adopted_version)
                    }
                    Adopted::Unchanged { version } => {
                        format!("{} {version}", t.unchanged_version)
                    }
                })
                .collect();
            render_rules(&s, &auth.0, t, msgs, Vec::new(), None).await
        }
        // Not this user's to adopt: 403 as by the API, not the form again.
        Err(e @ ApiError::Store(dixian_store::StoreError::Forbidden)) => e.page(t),
        Err(e) => {
            let errors = e.to_string().lines().map(str::to_string).collect();
            render_rules(&s, &auth.0, t, Vec::new(), errors, None).await
        }
    }
}

#[derive(Deserialize)]
struct WhatIfForm {
    file_name: String,
    source: String,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
}

/// The what-if's counts as a workbook: the same form, replayed again
/// (nothing is stored between the two).
async fn whatif_xlsx(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Form(f): Form<WhatIfForm>,
) -> Response {
    let actor = auth.actor();
    let body = WhatIfBody {
        file_name: f.file_name,
        source: f.source,
        from: f.from,
        to: f.to,
    };
    let (from, to) = (body.from, body.to);
    match replay(&s, &actor, body).await {
        Ok((_, w)) => match exports::what_if(&w, &actor.scope.region, from, to) {
            Ok(table) => download::xlsx(t, &table),
            Err(e) => download::refused(t, e),
        },
        Err(e) => e.page(t),
    }
}

async fn whatif(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Form(f): Form<WhatIfForm>,
) -> Response {
    let body = WhatIfBody {
        file_name: f.file_name,
        source: f.source,
        from: f.from,
        to: f.to,
    };
    match what_if(&s, &auth.actor(), body).await {
        Ok(w) => render_rules(&s, &auth.0, t, Vec::new(), Vec::new(), Some(w)).await,
        Err(e @ ApiError::Store(dixian_store::StoreError::Forbidden)) => e.page(t),
        Err(e) => {
            let errors = e.to_string().lines().map(str::to_string).collect();
            render_rules(&s, &auth.0, t, Vec::new(), errors, None).await
        }
    }
}
