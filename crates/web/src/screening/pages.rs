//! Pages of screening: the warning list of a village or township
//! (filtered by region, risk type, severity and status, with the open
//! count per township or village), one warning with its evidence and the
//! two ends (verify → a lead and its case; dismiss with a reason), the
//! screening run button, and the rule sets in force with the form that
//! adopts a new version.

use super::api::{
    AdoptBody, WhatIfBody, WhatIfView, adopt as adopt_file, adopt_draft, detail, replay_body,
    rule_views, start_run, view_of,
};
use crate::AppState;
use crate::auth::PageAuth;
use crate::error::ApiError;
use crate::i18n::{Language, Texts, fill};
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
use chrono::{Days, NaiveDate};
use dixian_app::exports;
use dixian_app::rule_form::{self, FIELDS, FieldError, Pivot, Problem, Section, Unit};
use dixian_domain::case::china_date;
use dixian_domain::{RiskType, Role, Severity, WarningStatus};
use dixian_screen::FeedRow;
use dixian_screen::Rule;
use dixian_screen::feed::{Field, FieldValue};
use dixian_store::rule_sets::Adopted;
use dixian_store::screening;
use dixian_store::warnings::{self, EvidenceRow, WarningFilter, WarningRow};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

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

/// A warning as a list line; `names`: village names by code (from
/// `dixian_app::registry::region_names`), the code where none is known.
fn line(t: &'static Texts, w: WarningRow, names: &HashMap<String, String>) -> Line {
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
        village: names
            .get(&w.village_code)
            .cloned()
            .unwrap_or(w.village_code),
        risk: t.label(w.risk_type).to_string(),
        severity: severity_label(t, w.severity),
        severity_code: w.severity.code().to_string(),
        rule: t.label(w.rule_condition).to_string(),
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
    /// The run whose new warnings are listed, if the list is one run's.
    run: Option<i64>,
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

/// `/warnings?…` for page `page` with the same filters; `after`: the
/// keyset cursor of the last row before that page, when known.
fn page_href(f: &WarningFilter, page: i64, after: Option<&str>) -> String {
    let per_page = f.per_page.map(|n| n.to_string());
    let run = f.run.map(|n| n.to_string());
    let page = page.to_string();
    with_query(
        "/warnings",
        [
            ("region", f.region.as_deref()),
            ("risk", f.risk.as_deref()),
            ("severity", f.severity.as_deref()),
            ("status", f.status.as_deref()),
            ("run", run.as_deref()),
            ("per_page", per_page.as_deref()),
            ("page", Some(page.as_str())),
            ("after", after),
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
    let village_names =
        dixian_app::registry::region_names(&s.store, rows.iter().map(|w| w.village_code.as_str()))
            .await
            .unwrap_or_default();
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
            (page_href(&only, 1, None), name, code, n)
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
        .unwrap_or(if f.run.is_some() { "all" } else { "open" });
    let statuses = WarningStatus::ALL
        .iter()
        .map(|&c| (c.code().to_string(), status_label(t, c).to_string()))
        .chain([("all".to_string(), t.all.to_string())])
        .collect();
    let per_page = f.rows_per_page();
    let page = f.page.unwrap_or(1).max(1);
    let pages = ((total + per_page - 1) / per_page).max(1);
    ListPage {
        t,
        user: user_bar(&auth.0, t),
        page,
        pages,
        prev: (page > 1).then(|| page_href(&f, page - 1, None)),
        next: (page < pages)
            .then(|| page_href(&f, page + 1, rows.last().map(warnings::cursor).as_deref())),
        xlsx: xlsx_href(&f),
        lines: rows
            .into_iter()
            .map(|w| line(t, w, &village_names))
            .collect(),
        run: f.run,
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

/// The evidence measured against the rule's threshold, as shown.
struct Measured {
    threshold: String,
    value: String,
    rows: usize,
    /// 合计 …，阈值 …，超出 … (the page's language).
    sentence: String,
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
    /// The rule's description (rule file, page language).
    description: String,
    /// Threshold, value and excess, for rules that compare a number.
    measured: Option<Measured>,
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
    let explained = dixian_app::rules::explain_warning(&s.store, &s.rules.get(), &w, &d.evidence)
        .await
        .ok()
        .flatten();
    let english = t.english();
    let description = explained.as_ref().map_or_else(
        || t.label(w.rule_condition).to_string(),
        |e| t.pick_owned(&e.description_zh, &e.description_en),
    );
    let measured = explained.and_then(|e| e.measured).map(|m| Measured {
        threshold: m.unit_amount(m.threshold, english),
        value: m.unit_amount(m.value, english),
        rows: m.rows,
        sentence: m.sentence(english),
    });
    let names = dixian_app::registry::region_names(&s.store, [w.village_code.as_str()])
        .await
        .unwrap_or_default();
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
        description,
        measured,
        raised: china_time(w.raised_at),
        resolution: w.resolution.clone().unwrap_or_default(),
        version: w.version,
        open: w.status == WarningStatus::Open,
        evidence_header,
        evidence,
        w: line(t, w, &names),
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

/// The run button: the run starts as a job and the page goes to the
/// job's page (303), which links to the run's new warnings when it ends.
async fn run(State(s): State<AppState>, auth: PageAuth, Lang(t): Lang) -> Response {
    match start_run(&s, &auth.actor(), None).await {
        Ok(started) => crate::jobs::redirect_to(started).await,
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

/// One numeric field of the set in force / the draft.
struct FieldShown {
    key: &'static str,
    id: String,
    label: &'static str,
    unit: &'static str,
    value: String,
    current: String,
    error: String,
}

/// A group of fields.
struct SectionShown {
    label: &'static str,
    fields: Vec<FieldShown>,
}

/// A screening rule with its on/off box.
struct RuleShown {
    key: String,
    id: String,
    on: bool,
    description: String,
    risk: &'static str,
    severity: &'static str,
    error: String,
}

/// The button that adopts exactly the draft a what-if evaluated.
struct AdoptShown {
    file_name: String,
    source: String,
    basis: String,
    label: String,
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
    /// The set in force here: its name and version.
    in_force_name: String,
    sections: Vec<SectionShown>,
    rules: Vec<RuleShown>,
    /// Read-only lists of the set (house damage, housing grades).
    kept: Vec<(&'static str, String)>,
    /// Whether the fields are the county admin's draft form.
    editable: bool,
    from: String,
    to: String,
    expert_file: String,
    expert_source: String,
    whatif: Option<WhatIfView>,
    whatif_stats: String,
    pivot: Option<Pivot>,
    pivot_risks: Vec<String>,
    adopt: Option<AdoptShown>,
}

/// What a request adds to the rules page.
#[derive(Default)]
struct Extra {
    messages: Vec<String>,
    errors: Vec<String>,
    status: Option<StatusCode>,
    typed: Option<BTreeMap<String, String>>,
    field_errors: Vec<FieldError>,
    period: Option<(String, String)>,
    expert: Option<(String, String)>,
    whatif: Option<(WhatIfView, Pivot)>,
    adopt: Option<AdoptShown>,
}

fn section_label(t: &'static Texts, s: Section) -> &'static str {
    match s {
        Section::Line => t.rs_line,
        Section::Medical => t.rs_medical,
        Section::Disaster => t.rs_disaster,
        Section::Water => t.rs_water,
        Section::Workflow => t.rs_workflow,
        Section::Assistance => t.rs_assistance,
    }
}

fn unit_label(t: &'static Texts, u: Unit) -> &'static str {
    match u {
        Unit::YuanPerPersonYear => t.unit_yuan_pp,
        Unit::Yuan => t.unit_yuan,
        Unit::Times => t.unit_times,
        Unit::Days => t.unit_days,
        Unit::Months => t.unit_months,
        Unit::Measures => t.unit_measures,
    }
}

fn rule_field_label(t: &'static Texts, key: &str) -> &'static str {
    match key.rsplit('.').next().unwrap_or(key) {
        "monitoring_line" => t.rf_monitoring_line,
        "near_line_factor" => t.rf_near_line_factor,
        "self_paid_per_stay" => t.rf_self_paid_per_stay,
        "self_paid_12_months" => t.rf_self_paid_12_months,
        "loss_threshold" => t.rf_loss_threshold,
        "outage_days_limit" => t.rf_outage_days_limit,
        "notice_min_days" => t.rf_notice_min_days,
        "identification_limit_days" => t.rf_identification_limit_days,
        "home_check_days" => t.rf_home_check_days,
        "data_comparison_days" => t.rf_data_comparison_days,
        "deliberation_days" => t.rf_deliberation_days,
        "township_review_days" => t.rf_township_review_days,
        "county_approval_days" => t.rf_county_approval_days,
        "elimination_min_monitored_months" => t.rf_elimination_min_monitored_months,
        "elimination_income_stable_months" => t.rf_elimination_income_stable_months,
        "elimination_min_measures" => t.rf_elimination_min_measures,
        "comparison_window_days" => t.rf_comparison_window_days,
        "first_measure_days" => t.rf_first_measure_days,
        "effect_review_months" => t.rf_effect_review_months,
        "visit_interval_days" => t.rf_visit_interval_days,
        _ => "",
    }
}

fn problem_text(t: &'static Texts, p: &Problem) -> String {
    match p {
        Problem::Required => t.err_required.into(),
        Problem::NotANumber => t.err_not_number.into(),
        Problem::NotWhole => t.err_not_whole.into(),
        Problem::NotPositive => t.err_not_positive.into(),
        Problem::MoneyDecimals => t.err_money_decimals.into(),
        Problem::TooLarge => t.err_too_large.into(),
        Problem::FactorRange => t.err_factor_range.into(),
        Problem::BelowFloor(n) => fill(t.err_below_floor, &[n]),
        Problem::Other(m) => t.reason(m),
    }
}

/// A rule's description in the page's language: `description` (中文) and
/// `description_en`, or an older `中文 / English` text split.
fn rule_description(t: &'static Texts, r: &Rule) -> String {
    let text = r.description.as_deref().unwrap_or_default();
    let (zh, en) = match (&r.description_en, text.split_once(" / ")) {
        (Some(en), _) => (text, en.as_str()),
        (None, Some((zh, en))) => (zh, en),
        (None, None) => (text, text),
    };
    let chosen = if t.language == Language::En { en } else { zh };
    if chosen.is_empty() {
        r.condition.code().to_string()
    } else {
        chosen.to_string()
    }
}

/// Rule-file errors with their line and column, in the page's language.
fn located_errors(t: &'static Texts, e: &ApiError) -> Vec<String> {
    match e {
        ApiError::App(dixian_app::AppError::RuleFiles(errs)) => errs
            .iter()
            .map(|r| {
                format!(
                    "{}{}",
                    fill(t.rule_error_at, &[&r.line, &r.column]),
                    t.reason(&r.message)
                )
            })
            .collect(),
        e => vec![t.reason(&e.to_string())],
    }
}

async fn render_rules(
    s: &AppState,
    user: &dixian_store::User,
    t: &'static Texts,
    x: Extra,
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
    let today = china_date(s.clock.now());
    let book = s.rules.get();
    let in_force = rule_form::in_force(&book, &user.region, today).cloned();
    let may_adopt = user.role == Role::CountyAdmin;
    let draft = rule_form::county_of(&user.region)
        .filter(|c| may_adopt && c == &user.region)
        .and_then(|c| rule_form::start(&book, &c, today));
    let current = in_force
        .as_ref()
        .map(rule_form::form_values)
        .unwrap_or_default();
    let start_values = draft
        .as_ref()
        .map(|d| rule_form::form_values(&d.set))
        .unwrap_or_else(|| current.clone());
    let error_at = |key: &str| {
        x.field_errors
            .iter()
            .filter(|e| e.field == key)
            .map(|e| problem_text(t, &e.problem))
            .collect::<Vec<_>>()
            .join("；")
    };
    let sections = Section::ALL
        .iter()
        .map(|&sec| SectionShown {
            label: section_label(t, sec),
            fields: FIELDS
                .iter()
                .filter(|f| f.section == sec && start_values.contains_key(f.key))
                .map(|f| FieldShown {
                    key: f.key,
                    id: format!("f-{}", f.key.replace('.', "-")),
                    label: rule_field_label(t, f.key),
                    unit: unit_label(t, f.unit),
                    value: x
                        .typed
                        .as_ref()
                        .map(|v| v.get(f.key).cloned().unwrap_or_default())
                        .unwrap_or_else(|| start_values[f.key].clone()),
                    current: current.get(f.key).cloned().unwrap_or_default(),
                    error: error_at(f.key),
                })
                .collect::<Vec<_>>(),
        })
        .filter(|sec| !sec.fields.is_empty())
        .collect();
    let offered: Vec<Rule> = match (&draft, &in_force) {
        (Some(d), _) => d.offered.clone(),
        (None, Some(set)) => set.rules.clone(),
        (None, None) => Vec::new(),
    };
    let rules = offered
        .iter()
        .map(|r| {
            let key = rule_form::rule_key(&r.id);
            let on = match (&x.typed, &draft) {
                (Some(v), _) => v.contains_key(&key),
                (None, Some(d)) => d.set.rules.iter().any(|o| o.id == r.id),
                (None, None) => true,
            };
            RuleShown {
                on,
                id: r.id.clone(),
                description: rule_description(t, r),
                risk: t.label(r.risk),
                severity: severity_label(t, r.severity),
                error: error_at(&key),
                key,
            }
        })
        .collect();
    let mut kept = Vec::new();
    if let Some(set) = &in_force {
        if let Some(d) = &set.disaster {
            let v: Vec<&str> = d
                .house_damage
                .iter()
                .map(|h| t.pick(h.label_zh(), h.label_en()))
                .collect();
            kept.push((t.rf_house_damage, v.join("、")));
        }
        if let Some(h) = &set.housing {
            let v: Vec<&str> = h.grades.iter().map(|g| t.label(*g)).collect();
            kept.push((t.rf_housing_grades, v.join("、")));
        }
        // [window] of the rule file: the days the windowed rules read.
        kept.push((
            t.pick("统计窗口", "Window"),
            set.window.describe(t.english()),
        ));
    }
    let mut errors = x.errors;
    errors.extend(
        x.field_errors
            .iter()
            .filter(|e| e.field.is_empty())
            .map(|e| problem_text(t, &e.problem)),
    );
    if !x.field_errors.is_empty() {
        errors.insert(0, t.form_errors.to_string());
    }
    let (from, to) = x.period.unwrap_or_else(|| {
        let from = today.checked_sub_days(Days::new(365)).unwrap_or(today);
        (from.to_string(), today.to_string())
    });
    let (expert_file, expert_source) = x
        .expert
        .unwrap_or_else(|| ("draft.toml".into(), String::new()));
    let (whatif, pivot) = x.whatif.map_or((None, None), |(w, p)| (Some(w), Some(p)));
    let whatif_stats = whatif
        .as_ref()
        .map(|w| fill(t.whatif_stats, &[&w.rows, &w.as_of_days]))
        .unwrap_or_default();
    let pivot_risks = pivot
        .as_ref()
        .map(|p| p.risks.iter().map(|r| t.label(*r).to_string()).collect())
        .unwrap_or_default();
    let pivot = pivot.map(|mut p| {
        for row in &mut p.rows {
            if let Some(n) = names.get(&row.township) {
                row.name = n.clone();
            }
        }
        p
    });
    let page = RulesPage {
        t,
        user: user_bar(user, t),
        sets,
        may_adopt,
        may_replay: user.role.loads_feeds(),
        messages: x.messages,
        errors,
        in_force_name: in_force
            .as_ref()
            .map(|s| format!("{} · {} {}", s.name, t.version, s.version))
            .unwrap_or_default(),
        sections,
        rules,
        kept,
        editable: draft.is_some(),
        from,
        to,
        expert_file,
        expert_source,
        whatif,
        whatif_stats,
        pivot,
        pivot_risks,
        adopt: x.adopt,
    };
    (x.status.unwrap_or(StatusCode::OK), page).into_response()
}

async fn rules_page(State(s): State<AppState>, auth: PageAuth, Lang(t): Lang) -> Response {
    render_rules(&s, &auth.0, t, Extra::default()).await
}

#[derive(Deserialize)]
struct AdoptForm {
    file_name: String,
    source: String,
    /// The set in force a what-if's draft was drawn from: present when the
    /// form adopts the draft a what-if evaluated.
    #[serde(default)]
    basis: Option<String>,
}

async fn adopt(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Form(f): Form<AdoptForm>,
) -> Response {
    let body = AdoptBody {
        file_name: f.file_name.clone(),
        source: f.source.clone(),
    };
    let done = match f.basis.as_deref().filter(|b| !b.is_empty()) {
        Some(basis) => adopt_draft(&s, &auth.actor(), body, basis).await,
        None => adopt_file(&s, &auth.actor(), body).await,
    };
    match done {
        Ok(adopted) => {
            let messages = adopted
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
            let x = Extra {
                messages,
                ..Extra::default()
            };
            render_rules(&s, &auth.0, t, x).await
        }
        // Not this user's to adopt: 403 as by the API, not the form again.
        Err(e @ ApiError::Store(dixian_store::StoreError::Forbidden)) => e.page(t),
        Err(ApiError::Store(dixian_store::StoreError::Conflict { current })) => {
            let x = Extra {
                errors: vec![fill(t.rules_changed, &[&current])],
                status: Some(StatusCode::CONFLICT),
                ..Extra::default()
            };
            render_rules(&s, &auth.0, t, x).await
        }
        Err(e) => {
            let status = e.status();
            let x = Extra {
                errors: located_errors(t, &e),
                status: Some(status),
                expert: Some((f.file_name, f.source)),
                ..Extra::default()
            };
            render_rules(&s, &auth.0, t, x).await
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
    match replay_body(&s, &actor, body).await {
        Ok((_, w)) => match exports::what_if(&w, &actor.scope.region, from, to) {
            Ok(table) => download::xlsx(t, &table),
            Err(e) => download::refused(t, e),
        },
        Err(e) => e.page(t),
    }
}

/// The replay of the rules page as a job the request waits for: listed on
/// `/jobs` with its phase while it runs (and cancellable there), then
/// shown here beside the draft form as before.
async fn replay_as_job(
    s: &AppState,
    actor: &dixian_store::Actor,
    draft: &dixian_screen::RuleSet,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<dixian_app::WhatIf, ApiError> {
    let work = dixian_app::jobs::Work::WhatIf {
        book: s.rules.get().as_ref().clone(),
        draft: Box::new(draft.clone()),
        from,
        to,
        threads: s.threads,
    };
    let started = s.jobs.start(actor, work, s.clock.now(), ()).await?;
    match started.task.await {
        Ok(Ok(dixian_app::jobs::Outcome::WhatIf(_, w))) => Ok(w),
        Ok(Ok(_)) => Err(ApiError::App(dixian_app::AppError::Stopped(
            "the job did other work".into(),
        ))),
        Ok(Err(e)) => Err(e.into()),
        Err(e) => Err(ApiError::App(dixian_app::AppError::Stopped(e.to_string()))),
    }
}

/// A what-if from the rules page: the draft form's fields, or an expert's
/// TOML (`file_name`, `source`), over `from` … `to`.
async fn whatif(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let actor = auth.actor();
    // who may replay is decided before the draft is even read
    if let Err(e) = dixian_app::may_load_feeds(&actor) {
        return ApiError::from(e).page(t);
    }
    let values: BTreeMap<String, String> = pairs.into_iter().collect();
    let text = |k: &str| values.get(k).cloned().unwrap_or_default();
    let period = (text("from"), text("to"));
    let dates = (
        NaiveDate::parse_from_str(period.0.trim(), "%Y-%m-%d"),
        NaiveDate::parse_from_str(period.1.trim(), "%Y-%m-%d"),
    );
    let source = text("source");
    let expert = !source.trim().is_empty();
    let today = china_date(s.clock.now());
    let book = s.rules.get();
    let unprocessable = |x: Extra| Extra {
        status: Some(StatusCode::UNPROCESSABLE_ENTITY),
        period: Some(period.clone()),
        ..x
    };
    // The draft: an expert's text, or the form's values.
    let (draft, basis, source) = if expert {
        let file_name = text("file_name");
        let files = vec![(file_name.clone(), source.clone())];
        match dixian_app::rules::parse_files(&files) {
            Ok(mut sets) => {
                let set = sets.remove(0);
                let basis = match &set.region {
                    dixian_screen::RuleRegion::Code(c) => {
                        book.select(c, today).map(rule_form::basis_of)
                    }
                    dixian_screen::RuleRegion::National => None,
                };
                (set, basis, source)
            }
            Err(e) => {
                let x = unprocessable(Extra {
                    errors: located_errors(t, &ApiError::from(e)),
                    expert: Some((file_name, source)),
                    ..Extra::default()
                });
                return render_rules(&s, &auth.0, t, x).await;
            }
        }
    } else {
        let Some(county) = rule_form::county_of(&auth.0.region) else {
            return ApiError::Store(dixian_store::StoreError::Forbidden).page(t);
        };
        match rule_form::draft_from_form(&book, &county, today, &values) {
            Ok(d) => (d.set, Some(d.basis), d.toml),
            Err(field_errors) => {
                let x = unprocessable(Extra {
                    field_errors,
                    typed: Some(values.clone()),
                    ..Extra::default()
                });
                return render_rules(&s, &auth.0, t, x).await;
            }
        }
    };
    let (Ok(from), Ok(to)) = dates else {
        let x = unprocessable(Extra {
            errors: vec![t.err_not_number.to_string()],
            typed: (!expert).then(|| values.clone()),
            expert: expert.then(|| (text("file_name"), source.clone())),
            ..Extra::default()
        });
        return render_rules(&s, &auth.0, t, x).await;
    };
    match replay_as_job(&s, &actor, &draft, from, to).await {
        Ok(w) => {
            let names = child_regions(&s, &auth.0).await.into_iter().collect();
            let pivot = rule_form::pivot(&w.counts, &names);
            let view = view_of(&draft.name, w);
            let adopt = (auth.0.role == Role::CountyAdmin
                && dixian_store::rule_sets::check_may_adopt(&actor, &draft.region.to_string())
                    .is_ok())
            .then(|| AdoptShown {
                file_name: draft.file.clone(),
                label: fill(t.adopt_draft_as, &[&draft.version]),
                basis: basis.unwrap_or_default(),
                source: source.clone(),
            });
            let x = Extra {
                period: Some(period),
                typed: (!expert).then_some(values.clone()),
                expert: Some((draft.file.clone(), source)),
                whatif: Some((view, pivot)),
                adopt,
                ..Extra::default()
            };
            render_rules(&s, &auth.0, t, x).await
        }
        Err(e @ ApiError::Store(dixian_store::StoreError::Forbidden)) => e.page(t),
        Err(e) => {
            let x = unprocessable(Extra {
                errors: located_errors(t, &e),
                typed: (!expert).then(|| values.clone()),
                expert: expert.then(|| (text("file_name"), source.clone())),
                ..Extra::default()
            });
            render_rules(&s, &auth.0, t, x).await
        }
    }
}
