//! The plan tab of the household card (`/households/{id}/assistance`):
//! the plan (status, helper with masked phone, start, review, planned
//! measures per person with reasons), "propose" when there is none and
//! "confirm" for a draft, the chain (every measure over time), follow-up
//! visits, and the forms a village cadre fills on a phone: a follow-up
//! visit (income by source in 元, persons, the six 两不愁三保障 items, each
//! measure's status and effect) and a measure. Each form posts to a
//! handler that calls the use case; a refusal shows the form again with
//! what was typed and the message beside its field; a save redirects
//! back with a success message (PRG). Also the printable 明白卡
//! (`/households/{id}/card-print`) and the county's roster (`/helpers`).

use super::report::yuan;
use crate::AppState;
use crate::auth::PageAuth;
use crate::error::ApiError;
use crate::i18n::Texts;
use crate::shared::lang::Lang;
use crate::shared::layout::{UserBar, error_page, user_bar};
use crate::shared::view::{mask_id, mask_phone};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use dixian_app::AppError;
use dixian_app::assistance::{self, HouseholdAssistance};
use dixian_domain::assistance::{
    BasicNeeds, Department, EffectReview, FollowUpVisit, IncomeBySource, Measure, MeasureCheck,
    MeasureEffect, MeasureKind, MeasureSource, MeasureStatus, PlanStatus, ResponsiblePerson,
};
use dixian_store::{Refusal, StoreError};
use serde::Deserialize;
use std::collections::HashMap;

/// Routes of these pages.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/households/{id}/assistance", get(tab_page))
        .route("/households/{id}/assistance/visit", post(visit_submit))
        .route("/households/{id}/assistance/measure", post(measure_submit))
        .route("/households/{id}/assistance/plan", post(plan_submit))
        .route("/households/{id}/card-print", get(card_print))
        .route("/helpers", get(helpers_page).post(helper_create))
        .route("/plans/to-follow", get(to_follow_page))
}

/// What a form holds: the values typed and the problems by field.
#[derive(Debug, Default, Clone)]
pub struct FormState {
    values: HashMap<String, String>,
    errors: HashMap<String, String>,
    /// Problems no field owns.
    general: Vec<String>,
}

impl FormState {
    /// The value of `name` as typed (or preset).
    pub fn val(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }
    /// Whether a checkbox is on.
    pub fn on(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }
    /// The problem of field `name`, empty if none.
    pub fn err(&self, name: &str) -> &str {
        self.errors.get(name).map_or("", String::as_str)
    }
    /// Whether `value` is the one chosen for `name`.
    pub fn is(&self, name: &str, value: &str) -> bool {
        self.val(name) == value
    }
    fn bad(&mut self, field: &str, why: impl Into<String>) {
        self.errors
            .entry(field.to_string())
            .or_insert_with(|| why.into());
    }
    fn has_errors(&self) -> bool {
        !self.errors.is_empty() || !self.general.is_empty()
    }
    fn date(&mut self, t: &Texts, name: &str) -> Option<NaiveDate> {
        match NaiveDate::parse_from_str(self.val(name).trim(), "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.bad(name, t.bad_date);
                None
            }
        }
    }
    fn opt_date(&mut self, t: &Texts, name: &str) -> Option<Option<NaiveDate>> {
        if self.val(name).trim().is_empty() {
            return Some(None);
        }
        self.date(t, name).map(Some)
    }
    fn fen(&mut self, t: &Texts, name: &str) -> Option<i64> {
        let v = self.val(name).trim();
        if v.is_empty() {
            return Some(0);
        }
        match dixian_tabular::parse_money_fen(v) {
            Ok(f) if f >= 0 => Some(f),
            _ => {
                self.bad(name, t.bad_yuan);
                None
            }
        }
    }
    /// A refusal of the use case, beside its field when the form has it.
    fn refusal(&mut self, t: &Texts, e: AppError, fields: &[(&str, &str)]) {
        match e {
            AppError::Store(StoreError::Refused(Refusal::InvalidField { field, reason })) => {
                let reason = t.of_pair(&reason).to_string();
                match fields.iter().find(|(api, _)| field.starts_with(api)) {
                    Some((_, form)) => self.bad(form, reason),
                    None => self.general.push(reason),
                }
            }
            AppError::Store(StoreError::Conflict { .. }) => self.general.push(t.stale.into()),
            AppError::Store(StoreError::Db(_) | StoreError::Migrate(_) | StoreError::Io { .. }) => {
                tracing::error!(error = %e, "assistance form save failed");
                self.general.push(t.internal_error.into())
            }
            other => self.general.push(t.of_pair(&other.to_string()).to_string()),
        }
    }
}

/// One option of a select.
pub struct Choice {
    value: String,
    label: String,
}

fn choices<T: Copy + crate::i18n::Bilingual>(
    t: &Texts,
    all: &[T],
    code: impl Fn(T) -> &'static str,
) -> Vec<Choice> {
    all.iter()
        .map(|&x| Choice {
            value: code(x).to_string(),
            label: t.label(x).to_string(),
        })
        .collect()
}

/// A measure of the chain as the tab shows it.
struct ChainLine {
    id: i64,
    person: String,
    kind: &'static str,
    department: &'static str,
    amount: String,
    starts: String,
    ends: String,
    status: &'static str,
    status_code: &'static str,
    source: &'static str,
    evidence: String,
    /// The visit form's field names of its status and effect.
    skey: String,
    ekey: String,
}

/// A visit as the tab shows it.
struct VisitLine {
    visited_on: String,
    period: String,
    income: String,
    per_person: String,
    needs: &'static str,
    measures: usize,
    note: String,
}

/// A planned measure.
struct PlanLine {
    person: String,
    kind: &'static str,
    reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "assistance.html")]
struct TabPage {
    t: &'static Texts,
    user: Option<UserBar>,
    id: i64,
    number: String,
    head: String,
    saved: Option<&'static str>,
    may_edit: bool,
    may_assign: bool,
    has_case: bool,
    plan: Option<PlanView>,
    roster: Vec<Choice>,
    chain: Vec<ChainLine>,
    visits: Vec<VisitLine>,
    visit: FormState,
    measure: FormState,
    persons: Vec<Choice>,
    kinds: Vec<Choice>,
    departments: Vec<Choice>,
    statuses: Vec<Choice>,
    effects: Vec<Choice>,
    /// The open form that failed (`visit`, `measure`), to scroll to.
    failed: &'static str,
    /// 帮扶成效, when there is a plan and a catalogue in force.
    effect: Option<EffectView>,
    /// 救助链检查: (rule, why, the measures it rests on) of each finding.
    findings: Vec<(&'static str, String, Vec<i64>)>,
}

/// The effect review as the tab shows it (money in 元).
struct EffectView {
    before: String,
    after: String,
    /// (measure kind, why) of each development measure to adjust.
    adjust: Vec<(&'static str, &'static str)>,
    /// Income per person against the line, when protection should stack.
    stack: Option<(String, String)>,
}

fn effect_view(t: &'static Texts, a: &HouseholdAssistance, r: EffectReview) -> EffectView {
    let money = |f: Option<i64>| f.map_or_else(|| "—".into(), yuan);
    EffectView {
        before: money(r.income.before_fen),
        after: money(r.income.after_fen),
        adjust: r
            .adjust
            .iter()
            .map(|x| {
                let kind = a
                    .chain
                    .iter()
                    .find(|m| m.id == x.measure)
                    .map_or("—", |m| t.label(m.measure.kind));
                (kind, t.label(x.reason))
            })
            .collect(),
        stack: r
            .stack_protection
            .map(|s| (yuan(s.income_fen), yuan(s.line_fen))),
    }
}

/// The effect review of the tab's household under the rules in force.
/// What the tab reviews of the stored chain: 帮扶成效 and 救助链检查.
struct Checks {
    effect: Option<EffectReview>,
    findings: Vec<assistance::ReportFinding>,
}

fn checks_of(s: &AppState, a: &HouseholdAssistance) -> Checks {
    Checks {
        effect: assistance::effect_of(a, &s.catalogues(), &s.rules.get(), today(s)),
        findings: assistance::findings_of(a, &s.catalogues(), today(s)),
    }
}

struct PlanView {
    version: i64,
    status: &'static str,
    draft: bool,
    /// Not closed: the cadre may still add or drop measures.
    open: bool,
    helper: String,
    helper_id: String,
    starts: String,
    review: String,
    /// The day a closed plan ended (the risk eliminated).
    ends: Option<String>,
    lines: Vec<PlanLine>,
}

fn person_label(
    h: &dixian_domain::Household,
    p: Option<&dixian_domain::IdNumber>,
    t: &Texts,
) -> String {
    match p {
        None => t.whole_household.to_string(),
        Some(id) => {
            let masked = mask_id(id.as_str());
            match h.members.iter().find(|m| m.id_number == *id) {
                Some(m) => format!("{} {masked}", m.name),
                None => masked,
            }
        }
    }
}

fn today(s: &AppState) -> NaiveDate {
    dixian_domain::case::china_date(s.clock.now())
}

/// The visit form's first values: today, the last twelve months, the
/// household's size, every need ticked, each measure as it stands.
fn fresh_visit(a: &HouseholdAssistance, on: NaiveDate) -> FormState {
    let mut v = HashMap::new();
    v.insert("visited_on".into(), on.to_string());
    let from = on
        .checked_sub_months(chrono::Months::new(12))
        .and_then(|d| d.succ_opt())
        .unwrap_or(on);
    v.insert("period_from".into(), from.to_string());
    v.insert("period_to".into(), on.to_string());
    v.insert(
        "persons".into(),
        a.household.household.members.len().max(1).to_string(),
    );
    for n in NEEDS {
        v.insert((*n).into(), "on".into());
    }
    for m in &a.chain {
        v.insert(format!("m{}_status", m.id), m.measure.status.code().into());
        v.insert(
            format!("m{}_effect", m.id),
            MeasureEffect::NoEffect.code().into(),
        );
    }
    FormState {
        values: v,
        ..FormState::default()
    }
}

fn fresh_measure(on: NaiveDate) -> FormState {
    let mut v = HashMap::new();
    v.insert("starts_on".into(), on.to_string());
    v.insert("status".into(), MeasureStatus::Ongoing.code().into());
    v.insert("person".into(), "0".into());
    FormState {
        values: v,
        ..FormState::default()
    }
}

const NEEDS: &[&str] = &[
    "food",
    "clothing",
    "schooling",
    "medical",
    "housing",
    "water",
];

#[allow(clippy::too_many_arguments)]
fn tab_of(
    t: &'static Texts,
    auth: &PageAuth,
    a: HouseholdAssistance,
    saved: Option<&'static str>,
    visit: FormState,
    measure: FormState,
    failed: &'static str,
    checks: Option<Checks>,
) -> TabPage {
    let (effect, findings) = match checks {
        Some(c) => (c.effect, c.findings),
        None => (None, Vec::new()),
    };
    let effect = effect.map(|r| effect_view(t, &a, r));
    let findings = findings
        .into_iter()
        .map(|f| (t.label(f.rule), t.reason(&f.why), f.measures))
        .collect();
    let h = &a.household.household;
    let plan = a.plan.as_ref().map(|p| PlanView {
        version: p.version,
        status: t.label(p.plan.status),
        draft: p.plan.status == PlanStatus::Draft,
        open: p.plan.status != PlanStatus::Closed,
        helper: a.helper.as_ref().map_or_else(
            || t.no_helper.to_string(),
            |x| {
                format!(
                    "{} · {} · {}",
                    x.helper.name,
                    x.helper.unit,
                    mask_phone(&x.helper.phone)
                )
            },
        ),
        helper_id: p.plan.helper.map(|x| x.to_string()).unwrap_or_default(),
        starts: p.plan.starts_on.to_string(),
        review: p.plan.review_on.to_string(),
        ends: p.ends_on.map(|d| d.to_string()),
        lines: p
            .plan
            .measures
            .iter()
            .map(|m| PlanLine {
                person: person_label(h, m.person.as_ref(), t),
                kind: t.label(m.kind),
                reason: m.reason.clone(),
            })
            .collect(),
    });
    let chain = a
        .chain
        .iter()
        .map(|m| {
            let x = &m.measure;
            ChainLine {
                id: m.id,
                person: person_label(h, x.person.as_ref(), t),
                kind: t.label(x.kind),
                department: t.label(x.department),
                amount: x.amount_fen.map_or_else(|| "—".into(), yuan),
                starts: x.starts_on.to_string(),
                ends: x.ends_on.map_or_else(|| "—".into(), |d| d.to_string()),
                status: t.label(x.status),
                status_code: x.status.code(),
                source: t.label(x.source),
                evidence: x.evidence.clone(),
                skey: format!("m{}_status", m.id),
                ekey: format!("m{}_effect", m.id),
            }
        })
        .collect();
    let visits = a
        .visits
        .iter()
        .map(|v| {
            let x = &v.visit;
            VisitLine {
                visited_on: x.visited_on.to_string(),
                period: format!("{} – {}", x.period_from, x.period_to),
                income: yuan(x.income.total_fen()),
                per_person: x.per_person_annual_fen().map_or_else(|| "—".into(), yuan),
                needs: if x.needs.all_secure() {
                    t.needs_secure
                } else {
                    t.needs_gap
                },
                measures: x.measures.len(),
                note: x.note.clone(),
            }
        })
        .collect();
    let mut persons = vec![Choice {
        value: "0".into(),
        label: t.whole_household.to_string(),
    }];
    persons.extend(h.members.iter().enumerate().map(|(i, m)| Choice {
        value: (i + 1).to_string(),
        label: format!("{} {}", m.name, mask_id(m.id_number.as_str())),
    }));
    let roster = a
        .roster
        .iter()
        .map(|x| Choice {
            value: x.id.to_string(),
            label: format!("{} · {} ({})", x.helper.name, x.helper.unit, x.households),
        })
        .collect();
    TabPage {
        t,
        user: user_bar(&auth.0, t),
        id: a.household.id,
        number: h.number.clone(),
        head: h
            .members
            .first()
            .map(|m| m.name.clone())
            .unwrap_or_default(),
        saved,
        may_edit: a.may_edit,
        may_assign: a.may_edit || auth.0.role.manages_helpers(),
        has_case: a.has_case,
        plan,
        roster,
        chain,
        visits,
        visit,
        measure,
        persons,
        kinds: choices(t, MeasureKind::ALL, MeasureKind::code),
        departments: choices(t, Department::ALL, Department::code),
        statuses: choices(t, MeasureStatus::ALL, MeasureStatus::code),
        effects: choices(t, MeasureEffect::ALL, MeasureEffect::code),
        failed,
        effect,
        findings,
    }
}

fn refused(t: &Texts, e: AppError) -> Response {
    match e {
        AppError::Store(StoreError::NotFound) => error_page(t, StatusCode::NOT_FOUND, t.not_found),
        AppError::Store(StoreError::Forbidden) => error_page(t, StatusCode::FORBIDDEN, t.not_found),
        e => ApiError::from(e).page(t),
    }
}

#[derive(Deserialize)]
struct TabQuery {
    saved: Option<String>,
}

async fn tab_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
    Query(q): Query<TabQuery>,
) -> Response {
    let a = match assistance::household_assistance(&s.store, &auth.actor(), id).await {
        Ok(a) => a,
        Err(e) => return refused(t, e),
    };
    let saved = match q.saved.as_deref() {
        Some("visit") => Some(t.saved_visit),
        Some("measure") => Some(t.saved_measure),
        Some("plan") => Some(t.saved_plan),
        Some("helper") => Some(t.saved_helper),
        _ => None,
    };
    let on = today(&s);
    let visit = fresh_visit(&a, on);
    let effect = checks_of(&s, &a);
    tab_of(
        t,
        &auth,
        a,
        saved,
        visit,
        fresh_measure(on),
        "",
        Some(effect),
    )
    .into_response()
}

fn back(id: i64, what: &str) -> Response {
    Redirect::to(&format!("/households/{id}/assistance?saved={what}#saved")).into_response()
}

/// Reads the visit form; `None` with the problems in `f`.
fn read_visit(t: &Texts, f: &mut FormState, a: &HouseholdAssistance) -> Option<FollowUpVisit> {
    let visited_on = f.date(t, "visited_on");
    let period_from = f.date(t, "period_from");
    let period_to = f.date(t, "period_to");
    let wage = f.fen(t, "wage");
    let business = f.fen(t, "business");
    let property = f.fen(t, "property");
    let transfer = f.fen(t, "transfer");
    let persons = match f.val("persons").trim().parse::<u32>() {
        Ok(n) if n >= 1 => Some(n),
        _ => {
            f.bad("persons", t.bad_count);
            None
        }
    };
    let mut checks = Vec::new();
    for m in &a.chain {
        let (sk, ek) = (format!("m{}_status", m.id), format!("m{}_effect", m.id));
        if f.val(&sk).is_empty() {
            continue;
        }
        let status = MeasureStatus::parse(f.val(&sk));
        let effect = MeasureEffect::parse(f.val(&ek));
        match (status, effect) {
            (Some(status), Some(effect)) => checks.push(MeasureCheck {
                measure: m.id,
                status,
                effect,
            }),
            (None, _) => f.bad(&sk, t.bad_choice),
            (_, None) => f.bad(&ek, t.bad_choice),
        }
    }
    let needs = BasicNeeds {
        food: f.on("food"),
        clothing: f.on("clothing"),
        schooling: f.on("schooling"),
        medical: f.on("medical"),
        housing: f.on("housing"),
        water: f.on("water"),
    };
    if f.has_errors() {
        return None;
    }
    Some(FollowUpVisit {
        visited_on: visited_on?,
        period_from: period_from?,
        period_to: period_to?,
        income: IncomeBySource {
            wage_fen: wage?,
            business_fen: business?,
            property_fen: property?,
            transfer_fen: transfer?,
        },
        persons: persons?,
        needs,
        measures: checks,
        note: f.val("note").trim().to_string(),
    })
}

/// The visit's API fields and the form's.
const VISIT_FIELDS: &[(&str, &str)] = &[
    ("visited_on", "visited_on"),
    ("period_from", "period_from"),
    ("period_to", "period_to"),
    ("income.wage_fen", "wage"),
    ("income.business_fen", "business"),
    ("income.property_fen", "property"),
    ("income.transfer_fen", "transfer"),
    ("persons", "persons"),
    ("note", "note"),
];

async fn visit_submit(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let actor = auth.actor();
    let a = match assistance::household_assistance(&s.store, &actor, id).await {
        Ok(a) => a,
        Err(e) => return refused(t, e),
    };
    if !a.may_edit {
        return refused(t, AppError::Store(StoreError::Forbidden));
    }
    let mut f = FormState {
        values: form,
        ..FormState::default()
    };
    if let Some(v) = read_visit(t, &mut f, &a) {
        match assistance::record_visit(&s.store, &actor, id, &v, s.clock.now()).await {
            Ok(visit_id) => {
                tracing::info!(household_id = id, visit_id, "visit recorded (page)");
                return back(id, "visit");
            }
            Err(e @ AppError::Store(StoreError::NotFound | StoreError::Forbidden)) => {
                return refused(t, e);
            }
            Err(e) => f.refusal(t, e, VISIT_FIELDS),
        }
    }
    let on = today(&s);
    let effect = checks_of(&s, &a);
    let page = tab_of(
        t,
        &auth,
        a,
        None,
        f,
        fresh_measure(on),
        "visit",
        Some(effect),
    );
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// Reads the measure form.
fn read_measure(t: &Texts, f: &mut FormState, a: &HouseholdAssistance) -> Option<Measure> {
    let members = &a.household.household.members;
    let person = match f.val("person").trim().parse::<usize>() {
        Ok(0) => Some(None),
        Ok(i) if i <= members.len() => Some(Some(members[i - 1].id_number.clone())),
        _ => {
            f.bad("person", t.bad_choice);
            None
        }
    };
    let kind = MeasureKind::parse(f.val("kind"));
    if kind.is_none() {
        f.bad("kind", t.bad_choice);
    }
    let department = Department::parse(f.val("department"));
    if department.is_none() {
        f.bad("department", t.bad_choice);
    }
    let status = MeasureStatus::parse(f.val("status"));
    if status.is_none() {
        f.bad("status", t.bad_choice);
    }
    let amount = if f.val("amount").trim().is_empty() {
        Some(None)
    } else {
        f.fen(t, "amount").map(Some)
    };
    let starts_on = f.date(t, "starts_on");
    let ends_on = f.opt_date(t, "ends_on");
    if f.has_errors() {
        return None;
    }
    Some(Measure {
        person: person?,
        kind: kind?,
        department: department?,
        amount_fen: amount?,
        starts_on: starts_on?,
        ends_on: ends_on?,
        status: status?,
        source: MeasureSource::Cadre,
        evidence: f.val("evidence").trim().to_string(),
    })
}

const MEASURE_FIELDS: &[(&str, &str)] = &[
    ("amount_fen", "amount"),
    ("ends_on", "ends_on"),
    ("starts_on", "starts_on"),
    ("kind", "kind"),
    ("person", "person"),
    ("department", "department"),
    ("evidence", "evidence"),
    ("status", "status"),
];

async fn measure_submit(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let actor = auth.actor();
    let a = match assistance::household_assistance(&s.store, &actor, id).await {
        Ok(a) => a,
        Err(e) => return refused(t, e),
    };
    if !a.may_edit {
        return refused(t, AppError::Store(StoreError::Forbidden));
    }
    let mut f = FormState {
        values: form,
        ..FormState::default()
    };
    if let Some(m) = read_measure(t, &mut f, &a) {
        match assistance::add_measure(&s.store, &actor, &s.catalogues(), id, &m, s.clock.now())
            .await
        {
            Ok(measure_id) => {
                tracing::info!(household_id = id, measure_id, "measure recorded (page)");
                return back(id, "measure");
            }
            Err(e @ AppError::Store(StoreError::NotFound | StoreError::Forbidden)) => {
                return refused(t, e);
            }
            Err(e) => f.refusal(t, e, MEASURE_FIELDS),
        }
    }
    let visit = fresh_visit(&a, today(&s));
    let effect = checks_of(&s, &a);
    let page = tab_of(t, &auth, a, None, visit, f, "measure", Some(effect));
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// A plan action failed: the tab again with the message on top.
async fn plan_failed(
    s: &AppState,
    auth: &PageAuth,
    t: &'static Texts,
    id: i64,
    e: AppError,
) -> Response {
    if matches!(
        e,
        AppError::Store(StoreError::NotFound | StoreError::Forbidden)
    ) {
        return refused(t, e);
    }
    let a = match assistance::household_assistance(&s.store, &auth.actor(), id).await {
        Ok(a) => a,
        Err(e) => return refused(t, e),
    };
    let on = today(s);
    let mut visit = fresh_visit(&a, on);
    visit.refusal(t, e, &[]);
    let effect = checks_of(s, &a);
    let page = tab_of(
        t,
        auth,
        a,
        None,
        visit,
        fresh_measure(on),
        "plan",
        Some(effect),
    );
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// The plan form: `action` = `propose` (no plan yet), `confirm` (a draft,
/// at `version`), `helper` (the helper chosen, at `version`), `add` (a
/// measure more: `person` 0 = the household or the member's position from
/// 1, `kind`, `reason`) or `remove` (the planned measure at `line`).
#[derive(Deserialize)]
struct PlanForm {
    action: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    helper: String,
    #[serde(default)]
    line: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    reason: String,
}

/// The adjustment a plan form asks for, read against the household's
/// members; a field it cannot read is named.
async fn plan_change(
    s: &AppState,
    actor: &dixian_store::Actor,
    id: i64,
    f: &PlanForm,
) -> Result<assistance::PlanChange, AppError> {
    let bad = |field: &str, reason: &str| {
        AppError::Store(StoreError::Refused(Refusal::InvalidField {
            field: field.into(),
            reason: reason.into(),
        }))
    };
    if f.action == "remove" {
        let index = f
            .line
            .trim()
            .parse::<usize>()
            .map_err(|_| bad("line", "choose a planned measure (请选择要删除的措施)"))?;
        return Ok(assistance::PlanChange::Remove { index });
    }
    let a = assistance::household_assistance(&s.store, actor, id).await?;
    let members = &a.household.household.members;
    let person = match f.person.trim().parse::<usize>() {
        Ok(0) => None,
        Ok(i) if i <= members.len() => Some(members[i - 1].id_number.clone()),
        _ => return Err(bad("person", "choose the person (请选择人员)")),
    };
    let kind = MeasureKind::parse(f.kind.trim())
        .ok_or_else(|| bad("kind", "choose a measure (请选择措施)"))?;
    Ok(assistance::PlanChange::Add {
        person,
        kind,
        reason: f.reason.clone(),
    })
}

async fn plan_submit(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
    Form(f): Form<PlanForm>,
) -> Response {
    let actor = auth.actor();
    let now = s.clock.now();
    let done = match f.action.as_str() {
        "propose" => assistance::propose_plan(&s.store, &actor, &s.catalogues(), id, now)
            .await
            .map(|_| "plan"),
        "confirm" => {
            assistance::confirm_plan(&s.store, &actor, &s.catalogues(), id, f.version, now)
                .await
                .map(|_| "plan")
        }
        "helper" => {
            let helper = f.helper.trim().parse::<i64>().ok();
            assistance::assign_helper(&s.store, &actor, id, f.version, helper, now)
                .await
                .map(|_| "helper")
        }
        "add" | "remove" => match plan_change(&s, &actor, id, &f).await {
            Ok(change) => assistance::adjust_plan(
                &s.store,
                &actor,
                &s.catalogues(),
                id,
                f.version,
                change,
                now,
            )
            .await
            .map(|_| "plan"),
            Err(e) => Err(e),
        },
        _ => Err(AppError::Store(StoreError::Refused(
            Refusal::InvalidField {
                field: "action".into(),
                reason: "unknown action (未知操作)".into(),
            },
        ))),
    };
    match done {
        Ok(what) => back(id, what),
        Err(e) => plan_failed(&s, &auth, t, id, e).await,
    }
}

/// The 明白卡: what the household keeps.
#[derive(Template, WebTemplate)]
#[template(path = "card_print.html")]
struct CardPrint {
    t: &'static Texts,
    id: i64,
    number: String,
    head: String,
    village: String,
    risks: String,
    category: &'static str,
    plan: Option<PlanView>,
    helper_name: String,
    helper_unit: String,
    helper_phone: String,
    measures: Vec<ChainLine>,
    policies: Vec<&'static str>,
    today: String,
}

async fn card_print(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
) -> Response {
    let actor = auth.actor();
    let a = match assistance::household_assistance(&s.store, &actor, id).await {
        Ok(a) => a,
        Err(e) => return refused(t, e),
    };
    let risks = assistance::household_risks(&s.store, &actor, id)
        .await
        .unwrap_or_default();
    let village = dixian_app::registry::chain(&s.store, &a.household.household.village)
        .await
        .iter()
        .map(|r| r.name.clone())
        .collect::<Vec<_>>()
        .join(" ");
    let page = tab_of(
        t,
        &auth,
        a.clone(),
        None,
        FormState::default(),
        FormState::default(),
        "",
        None,
    );
    let h = &a.household.household;
    let mut policies: Vec<&'static str> = Vec::new();
    for m in &a.chain {
        if m.measure.status != MeasureStatus::Stopped {
            let l = t.label(m.measure.kind);
            if !policies.contains(&l) {
                policies.push(l);
            }
        }
    }
    // The household's card: no ID numbers (names only), no health.
    let measures = page
        .chain
        .into_iter()
        .map(|mut l| {
            l.person = l.person.split(' ').next().unwrap_or_default().to_string();
            l
        })
        .collect();
    let plan = page.plan.map(|mut p| {
        for l in &mut p.lines {
            l.person = l.person.split(' ').next().unwrap_or_default().to_string();
        }
        p
    });
    CardPrint {
        t,
        id,
        number: h.number.clone(),
        head: page.head,
        village,
        risks: risks
            .iter()
            .map(|r| t.label(*r))
            .collect::<Vec<_>>()
            .join("、"),
        category: h.category.map_or("—", |c| t.label(c)),
        plan,
        helper_name: a
            .helper
            .as_ref()
            .map_or_else(|| t.no_helper.to_string(), |x| x.helper.name.clone()),
        helper_unit: a
            .helper
            .as_ref()
            .map_or_else(String::new, |x| x.helper.unit.clone()),
        // The helper's work phone is what the card is for: the household calls it.
        helper_phone: a
            .helper
            .as_ref()
            .map_or_else(String::new, |x| x.helper.phone.clone()),
        measures,
        policies,
        today: today(&s).to_string(),
    }
    .into_response()
}

/// One open plan to follow (review due, or no measure yet).
struct FollowLine {
    household_id: i64,
    number: String,
    village: String,
    status: &'static str,
    review: String,
    due: bool,
    measures: i64,
}

/// The open plans of the reader's area to follow: review due, or no
/// measure in the plan's time. Closed plans are not listed.
#[derive(Template, WebTemplate)]
#[template(path = "plans_to_follow.html")]
struct ToFollowPage {
    t: &'static Texts,
    user: Option<UserBar>,
    rows: Vec<FollowLine>,
}

async fn to_follow_page(State(s): State<AppState>, auth: PageAuth, Lang(t): Lang) -> Response {
    let rows = match assistance::plans_to_follow(&s.store, &auth.actor(), s.clock.now()).await {
        Ok(r) => r,
        Err(e) => return refused(t, e),
    };
    let names = match dixian_app::registry::region_names(
        &s.store,
        rows.iter().map(|r| r.village_code.as_str()),
    )
    .await
    {
        Ok(n) => n,
        Err(e) => return refused(t, e),
    };
    ToFollowPage {
        t,
        user: user_bar(&auth.0, t),
        rows: rows
            .into_iter()
            .map(|r| FollowLine {
                household_id: r.household_id,
                village: names
                    .get(&r.village_code)
                    .cloned()
                    .unwrap_or_else(|| r.village_code.clone()),
                number: r.number,
                status: t.label(r.status),
                review: r.review_on.to_string(),
                due: r.review_due,
                measures: r.measures,
            })
            .collect(),
    }
    .into_response()
}

/// The roster page.
#[derive(Template, WebTemplate)]
#[template(path = "helpers.html")]
struct HelpersPage {
    t: &'static Texts,
    user: Option<UserBar>,
    helpers: Vec<RosterLine>,
    may_add: bool,
    form: FormState,
    saved: bool,
}

/// One helper of the roster page.
struct RosterLine {
    name: String,
    unit: String,
    /// Masked.
    phone: String,
    /// Households held, county-wide.
    workload: i64,
    /// (household id, number, head's name as the role sees it) of the
    /// households held inside the reader's scope.
    held: Vec<(i64, String, String)>,
}

async fn roster(
    s: &AppState,
    auth: &PageAuth,
    t: &'static Texts,
    form: FormState,
    saved: bool,
) -> Result<HelpersPage, Response> {
    let list = assistance::helpers(&s.store, &auth.actor())
        .await
        .map_err(|e| refused(t, e))?;
    Ok(HelpersPage {
        t,
        user: user_bar(&auth.0, t),
        helpers: list
            .into_iter()
            .map(|h| RosterLine {
                name: h.helper.name,
                unit: h.helper.unit,
                phone: mask_phone(&h.helper.phone),
                workload: h.households,
                held: h
                    .held
                    .into_iter()
                    .map(|x| (x.household_id, x.number, x.head_name))
                    .collect(),
            })
            .collect(),
        may_add: auth.0.role.manages_helpers(),
        form,
        saved,
    })
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn helpers_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Query(q): Query<SavedQuery>,
) -> Response {
    match roster(&s, &auth, t, FormState::default(), q.saved.is_some()).await {
        Ok(p) => p.into_response(),
        Err(r) => r,
    }
}

async fn helper_create(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut f = FormState {
        values: form,
        ..FormState::default()
    };
    let p = ResponsiblePerson {
        name: f.val("name").trim().to_string(),
        unit: f.val("unit").trim().to_string(),
        phone: f.val("phone").trim().to_string(),
    };
    match assistance::create_helper(&s.store, &auth.actor(), &p, s.clock.now()).await {
        Ok(_) => return Redirect::to("/helpers?saved=1").into_response(),
        Err(e @ AppError::Store(StoreError::Forbidden | StoreError::NotFound)) => {
            return refused(t, e);
        }
        Err(e) => f.refusal(
            t,
            e,
            &[("name", "name"), ("unit", "unit"), ("phone", "phone")],
        ),
    }
    match roster(&s, &auth, t, f, false).await {
        Ok(p) => (StatusCode::UNPROCESSABLE_ENTITY, p).into_response(),
        Err(r) => r,
    }
}
