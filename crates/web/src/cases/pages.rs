//! Pages of the case workflow: the inbox, a case with the forms of the
//! events the user may record now, the resident's self-declaration (no
//! login, phone-first). The village notice (公示) is in `notice.rs`.

use super::forms::{Input, event_from_form, inputs};
use crate::AppState;
use crate::auth::PageAuth;
use crate::i18n::{Bilingual, Texts, field_label};
use crate::shared::case_text::{self, Fact};
use crate::shared::download;
use crate::shared::extract::ClientIp;
use crate::shared::lang::Lang;
use crate::shared::layout::{UserBar, error_page, user_bar};
use crate::shared::view::china_time;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dixian_app::AppError;
use dixian_app::{cases, exports, registry};
use dixian_domain::case::{EventKind, china_date};
use dixian_domain::{Assistance, Category, Channel, RiskType};
use dixian_store::cases::{Declaration, IncomingLead};
use dixian_store::warnings::WarningRow;
use dixian_store::{StoreError, User};
use serde::Deserialize;

/// Routes of the case pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inbox", get(inbox_page))
        .route("/inbox.xlsx", get(inbox_xlsx))
        .route("/cases/{id}", get(case_page))
        .route("/cases/{id}/events", post(case_event))
        .route("/cases/{id}/decision", post(case_decision))
        .route("/households/{id}/lead", post(new_lead))
        .route("/declare", get(declare_page).post(declare_submit))
        .route("/declare/status", get(declare_status))
}

#[derive(Template, WebTemplate)]
#[template(path = "inbox.html")]
struct InboxPage {
    t: &'static Texts,
    user: Option<UserBar>,
    cases: Vec<InboxLine>,
    leads: Vec<LeadLine>,
    overdue: usize,
    warnings: Vec<WarningLine>,
    warnings_total: i64,
}

/// An open department warning waiting for the village's check.
struct WarningLine {
    id: i64,
    number: String,
    head: String,
    risk: &'static str,
    rule: String,
    last_date: String,
}

fn warning_line(t: &Texts, w: WarningRow) -> WarningLine {
    WarningLine {
        id: w.id,
        number: w.household_number,
        head: w.head_name,
        risk: t.label(w.risk_type),
        rule: w.rule_id,
        last_date: w.last_date.to_string(),
    }
}

struct InboxLine {
    id: i64,
    number: String,
    head: String,
    village: String,
    stage: &'static str,
    since: String,
    due: String,
    overdue: bool,
    /// 退回补充: the reviewer's reason while the case waits on it.
    returned: Option<String>,
}

struct LeadLine {
    reference: String,
    channel: &'static str,
    village: String,
    note: String,
    since: String,
}

/// The inbox (cases and unmatched declarations) as a workbook.
async fn inbox_xlsx(State(s): State<AppState>, auth: PageAuth, Lang(t): Lang) -> Response {
    let now = s.clock.now();
    match exports::inbox(&s.store, &auth.actor(), now, &s.policies(), s.exports).await {
        Ok(table) => download::xlsx(t, &table),
        Err(e) => download::refused(t, e),
    }
}

async fn inbox_page(State(s): State<AppState>, auth: PageAuth, Lang(t): Lang) -> Response {
    let now = s.clock.now();
    let actor = auth.actor();
    let inbox = match cases::inbox(&s.store, &actor, now, &s.policies(), None).await {
        Ok(i) => i,
        Err(e) => return crate::error::ApiError::from(e).page(t),
    };
    let codes: Vec<dixian_domain::RegionCode> = inbox
        .cases
        .iter()
        .map(|c| c.village_code.as_str())
        .chain(inbox.leads.iter().map(|l| l.village_code.as_str()))
        .filter_map(|c| dixian_domain::RegionCode::parse(c).ok())
        .collect();
    let names = registry::village_names(&s.store, &codes).await;
    let cases: Vec<InboxLine> = inbox
        .cases
        .into_iter()
        .map(|c| InboxLine {
            id: c.case_id,
            number: c.household_number,
            head: c.head_name,
            village: registry::name_of(&names, &c.village_code),
            stage: t.label(c.stage),
            since: china_time(c.stage_entered_at),
            due: c
                .due_on
                .map(|d| d.to_string())
                .unwrap_or_else(|| "—".into()),
            overdue: c.overdue.is_some(),
            returned: c.returned_reason,
        })
        .collect();
    let leads = inbox
        .leads
        .into_iter()
        .map(|l| LeadLine {
            reference: l.reference,
            channel: t.label(l.channel),
            village: registry::name_of(&names, &l.village_code),
            note: l.note,
            since: china_time(l.created_at),
        })
        .collect();
    let overdue = cases.iter().filter(|c| c.overdue).count();
    let (open, warnings_total) = cases::open_warnings(&s.store, &actor, 20).await;
    let warnings = open.into_iter().map(|w| warning_line(t, w)).collect();
    InboxPage {
        t,
        user: user_bar(&auth.0, t),
        cases,
        leads,
        overdue,
        warnings,
        warnings_total,
    }
    .into_response()
}

#[derive(Template, WebTemplate)]
#[template(path = "case.html")]
struct CasePage {
    t: &'static Texts,
    user: Option<UserBar>,
    id: i64,
    household_id: i64,
    number: String,
    head: String,
    stage: &'static str,
    channel: &'static str,
    risks: String,
    category: &'static str,
    notice: String,
    due: String,
    version: i64,
    forms: Vec<EventForm>,
    events: Vec<EventLine>,
    /// Department warnings attached to or verified into this case.
    warnings: Vec<WarningLine>,
    /// The elimination check's criteria (monitored or under elimination).
    criteria: Vec<CriterionLine>,
    /// Whether every criterion holds (meaningful when `criteria` is not empty).
    eligible: bool,
    /// The county's override reason of the latest elimination, if any.
    override_reason: Option<String>,
    errors: Vec<String>,
    /// The success message of the step just recorded (`?done=`).
    done: Option<String>,
    /// The lead: channel, what was reported, suspected risks.
    lead_note: String,
    lead_risks: String,
    lead_when: String,
    /// The category and risk types are the village's proposal.
    proposed: bool,
    /// What every step recorded.
    steps: Vec<StepView>,
    /// 退回补充 the case waits on: the reason.
    returned: Option<String>,
    /// The reviewer's decision form (同意 / 退回补充 / 不予纳入).
    decision: Option<DecisionForm>,
    attachments: Vec<AttachmentLine>,
    may_attach: bool,
}

/// One recorded step of the dossier.
struct StepView {
    seq: i64,
    code: &'static str,
    title: &'static str,
    when: String,
    who: String,
    stages: String,
    facts: Vec<Fact>,
}

/// The decision at a review: its extra inputs (the county's category,
/// risk types, override) and the wording of a refusal.
struct DecisionForm {
    kind: &'static str,
    label: &'static str,
    refuse: &'static str,
    confirm: &'static str,
    inputs: Vec<FormInput>,
}

struct AttachmentLine {
    id: i64,
    name: String,
    kind: &'static str,
    size_kb: String,
    who: String,
    when: String,
}

/// One criterion of the elimination check as shown.
struct CriterionLine {
    code: &'static str,
    label: &'static str,
    holds: bool,
    why: String,
}

struct EventForm {
    kind: &'static str,
    label: &'static str,
    inputs: Vec<FormInput>,
    /// Shown again with what was typed (opened).
    kept: bool,
}

struct FormInput {
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    value: String,
    options: Vec<(String, String)>,
    /// The values chosen (a ticked box, the selected options): the
    /// proposal to confirm, or what a refused submit sent.
    chosen: Vec<String>,
}

impl FormInput {
    fn is_chosen(&self, code: &str) -> bool {
        self.chosen.iter().any(|c| c == code)
    }
}

struct EventLine {
    when: String,
    what: &'static str,
    who: String,
    stages: String,
}

/// (code, label) of every value, in the page's language.
fn options<T: Bilingual>(
    t: &Texts,
    all: &[T],
    code: fn(T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|x| (code(*x).to_string(), t.label(*x).to_string()))
        .collect()
}

fn form_input(t: &Texts, name: &'static str, input: Input, today: &str) -> FormInput {
    let mut f = FormInput {
        name,
        label: field_label(t, name),
        kind: "text",
        value: String::new(),
        options: Vec::new(),
        chosen: Vec::new(),
    };
    match input {
        Input::Text | Input::OptionalText => {}
        Input::LongText => f.kind = "textarea",
        Input::Date => {
            f.kind = "date";
            f.value = today.to_string();
        }
        Input::Bool => f.kind = "bool",
        Input::Count => f.kind = "number",
        Input::Category => {
            f.kind = "select";
            f.options = vec![(String::new(), t.none.to_string())];
            f.options.extend(options(t, Category::ALL, Category::code));
        }
        Input::RiskTypes => {
            f.kind = "multi";
            f.options = options(t, RiskType::ALL, RiskType::code);
        }
        Input::Channel => {
            f.kind = "select";
            f.options = options(t, Channel::ALL, Channel::code);
        }
        Input::Assistance => {
            f.kind = "select";
            f.options = options(t, Assistance::ALL, Assistance::code);
        }
    }
    f
}

/// What the user typed into `f` of the form of `kind`, shown again after
/// a refused submit (checkbox groups repeat their name).
fn keep_posted(f: &mut FormInput, form: &[(String, String)]) {
    let values: Vec<&str> = form
        .iter()
        .filter(|(n, _)| n == f.name)
        .map(|(_, v)| v.as_str())
        .collect();
    match f.kind {
        "bool" | "select" | "multi" => f.chosen = values.iter().map(|v| v.to_string()).collect(),
        _ => f.value = values.first().map_or_else(String::new, |v| v.to_string()),
    }
}

/// The kinds recorded as a reviewer's decision (one form of three
/// choices) rather than as their own forms.
fn decided_by_form(k: EventKind) -> bool {
    matches!(
        k,
        EventKind::TownshipReview | EventKind::CountyApproval | EventKind::ReturnForMore
    )
}

/// The success message of `?done=`: a step's name or the upload's.
fn done_message(t: &Texts, done: Option<&str>) -> Option<String> {
    match done? {
        "attachment" => Some(t.done_attached.to_string()),
        code => EventKind::parse(code).map(|k| format!("{}{}", t.done_recorded, t.label(k))),
    }
}

async fn render_case(
    s: &AppState,
    user: &User,
    t: &'static Texts,
    id: i64,
    errors: Vec<String>,
) -> Response {
    render_case_with(s, user, t, id, errors, None, None).await
}

/// The case page again after a refused event form, with what was typed.
async fn render_case_posted(
    s: &AppState,
    user: &User,
    t: &'static Texts,
    id: i64,
    errors: Vec<String>,
    posted: (EventKind, &[(String, String)]),
) -> Response {
    render_case_with(s, user, t, id, errors, None, Some(posted)).await
}

async fn render_case_with(
    s: &AppState,
    user: &User,
    t: &'static Texts,
    id: i64,
    errors: Vec<String>,
    done: Option<&str>,
    posted: Option<(EventKind, &[(String, String)])>,
) -> Response {
    let actor = dixian_store::Actor::of(user);
    let now = s.clock.now();
    let page = match cases::case_page(&s.store, &actor, id, now, &s.policies()).await {
        Ok(p) => p,
        // A role that reads no cases is told so (403), as by the API.
        Err(e @ AppError::Store(StoreError::Forbidden)) => {
            return crate::error::ApiError::from(e).page(t);
        }
        Err(_) => return error_page(t, StatusCode::NOT_FOUND, t.not_found),
    };
    let view = &page.detail;
    let today = china_date(s.clock.now()).to_string();
    let c = &view.case;
    let is_review = view
        .allowed_events
        .iter()
        .any(|k| matches!(k, EventKind::TownshipReview | EventKind::CountyApproval));
    let decision = view
        .allowed_events
        .iter()
        .find(|k| matches!(k, EventKind::TownshipReview | EventKind::CountyApproval))
        .map(|k| DecisionForm {
            kind: k.code(),
            label: t.label(*k),
            refuse: if c.stage.is_elimination() {
                t.choice_refuse_elimination
            } else {
                t.choice_refuse
            },
            confirm: if c.stage.is_elimination() {
                t.confirm_refusal_elimination
            } else {
                t.confirm_refusal
            },
            inputs: inputs(*k)
                .iter()
                .filter(|(n, _)| match c.stage.is_elimination() {
                    true => *n == "override_reason",
                    false => matches!(*n, "category" | "risk_types"),
                })
                .map(|(n, i)| {
                    let mut f = form_input(t, n, *i, &today);
                    // The county confirms the village's proposal unless it changes it.
                    if *n == "category" {
                        f.value = c
                            .proposed_category
                            .map(|x| x.code().to_string())
                            .unwrap_or_default();
                    }
                    if *n == "risk_types" {
                        f.chosen = c
                            .proposed_risk_types
                            .iter()
                            .map(|r| r.code().to_string())
                            .collect();
                    }
                    f
                })
                .collect(),
        });
    let forms = view
        .allowed_events
        .iter()
        // A reviewer decides in the decision form; a rejection there is its refusal.
        .filter(|k| !(decided_by_form(**k) || (is_review && **k == EventKind::Reject)))
        .map(|k| EventForm {
            kind: k.code(),
            label: t.label(*k),
            inputs: inputs(*k)
                .iter()
                // An elimination deliberation proposes no category, an
                // elimination approval sets none; only it takes an override.
                .filter(|(n, _)| match c.stage.is_elimination() {
                    true => !(n.starts_with("proposed_") || *n == "category" || *n == "risk_types"),
                    false => *n != "override_reason",
                })
                .map(|(n, i)| {
                    let mut f = form_input(t, n, *i, &today);
                    if let Some((_, form)) = posted.filter(|(kind, _)| kind == k) {
                        keep_posted(&mut f, form);
                    }
                    f
                })
                .collect(),
            kept: posted.is_some_and(|(kind, _)| kind == *k),
        })
        .collect();
    let events = view
        .events
        .iter()
        .map(|e| EventLine {
            when: china_time(e.at),
            what: t.label(e.event.kind()),
            who: case_text::who(t, e.user_name.as_deref(), Some(&e.role)),
            stages: format!("{} → {}", t.label(e.from_stage), t.label(e.to_stage)),
        })
        .collect();
    let dossier = &page.dossier;
    let steps = dossier
        .steps
        .iter()
        .map(|e| StepView {
            seq: e.seq,
            code: e.event.kind().code(),
            title: t.label(e.event.kind()),
            when: china_time(e.at),
            who: case_text::who(t, e.user_name.as_deref(), Some(&e.role)),
            stages: format!("{} → {}", t.label(e.from_stage), t.label(e.to_stage)),
            facts: case_text::facts(t, &e.event),
        })
        .collect();
    let shown_class = &dossier.classification;
    let attachments = page
        .attachments
        .iter()
        .map(|a| AttachmentLine {
            id: a.id,
            name: a.file_name.clone(),
            kind: t.label(a.kind),
            size_kb: format!("{:.1}", a.size_bytes as f64 / 1024.0),
            who: case_text::who(t, a.uploaded_by_name.as_deref(), None),
            when: china_time(a.uploaded_at),
        })
        .collect();
    let warnings = page
        .warnings
        .iter()
        .cloned()
        .map(|w| warning_line(t, w))
        .collect();
    let shown = CasePage {
        t,
        user: user_bar(user, t),
        id: view.id,
        household_id: view.household_id,
        number: c.household.clone(),
        head: page.head.clone(),
        stage: t.label(c.stage),
        channel: t.label(c.lead.channel),
        risks: case_text::risks(t, &shown_class.risk_types),
        category: shown_class.category.map(|x| t.label(x)).unwrap_or("—"),
        notice: c
            .notice
            .as_ref()
            .map(|n| format!("{} — {}", n.start, n.end))
            .unwrap_or_else(|| "—".into()),
        due: view
            .due_on
            .map(|d| d.to_string())
            .unwrap_or_else(|| "—".into())
            + if view.overdue.is_some() { " ⚠" } else { "" },
        version: view.version,
        forms,
        events,
        warnings,
        criteria: page
            .elimination
            .iter()
            .flat_map(|e| &e.report.criteria)
            .map(|c| CriterionLine {
                code: c.criterion.code(),
                label: t.label(c.criterion),
                holds: c.holds,
                why: t.reason(&c.why),
            })
            .collect(),
        eligible: page.elimination.as_ref().is_some_and(|e| e.report.eligible),
        override_reason: c.elimination_override.as_ref().map(|o| o.reason.clone()),
        errors,
        done: done_message(t, done),
        lead_note: dossier.lead.note.clone(),
        lead_risks: case_text::risks(t, &dossier.lead.risk_types),
        lead_when: china_time(dossier.lead.opened_at),
        proposed: shown_class.proposed,
        steps,
        returned: dossier.pending_return.as_ref().map(|r| r.reason.clone()),
        decision,
        attachments,
        may_attach: page.may_attach,
    };
    let status = if shown.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, shown).into_response()
}

#[derive(Deserialize)]
struct CaseQuery {
    done: Option<String>,
}

async fn case_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
    Query(q): Query<CaseQuery>,
) -> Response {
    render_case_with(&s, &auth.0, t, id, Vec::new(), q.done.as_deref(), None).await
}

/// After a step: back to the case, with its success message.
fn done_redirect(id: i64, what: &str) -> Response {
    Redirect::to(&format!("/cases/{id}?done={what}#done")).into_response()
}

/// A reviewer's decision: 同意 / 退回补充 / 不予纳入 (three radio buttons),
/// a reason required to return or refuse, and the confirmation box for a
/// refusal (the application layer checks both; 422 names the field).
async fn case_decision(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let Some(choice) = cases::Choice::parse(get("decision")) else {
        return render_case(
            &s,
            &auth.0,
            t,
            id,
            vec![format!("decision: {}", t.choose_decision)],
        )
        .await;
    };
    let version: i64 = get("version").parse().unwrap_or(0);
    let category = match get("category") {
        "" => None,
        c => match Category::parse(c) {
            Some(c) => Some(c),
            None => {
                return render_case(
                    &s,
                    &auth.0,
                    t,
                    id,
                    vec![format!("category: {}", t.unknown_value)],
                )
                .await;
            }
        },
    };
    let mut risk_types = Vec::new();
    for (_, v) in form
        .iter()
        .filter(|(n, v)| n == "risk_types" && !v.is_empty())
    {
        match RiskType::parse(v) {
            Some(r) => risk_types.push(r),
            None => {
                return render_case(
                    &s,
                    &auth.0,
                    t,
                    id,
                    vec![format!("risk_types: {}", t.unknown_value)],
                )
                .await;
            }
        }
    }
    let decision = cases::Decision {
        choice,
        reason: get("reason").trim().to_string(),
        confirmed: matches!(get(cases::CONFIRM_FIELD), "on" | "true" | "1"),
        category,
        risk_types,
        override_reason: Some(get("override_reason").to_string()).filter(|r| !r.trim().is_empty()),
    };
    let now = s.clock.now();
    match cases::decide(
        &s.store,
        &auth.actor(),
        id,
        version,
        &decision,
        now,
        &s.policies(),
    )
    .await
    {
        Ok(after) => {
            tracing::info!(
                case_id = id,
                stage = after.case.stage.code(),
                "case decision (page)"
            );
            let done = match choice {
                cases::Choice::ReturnForMore => EventKind::ReturnForMore,
                _ => EventKind::parse(get("kind")).unwrap_or(EventKind::TownshipReview),
            };
            done_redirect(id, done.code())
        }
        Err(e) => render_case(&s, &auth.0, t, id, vec![t.reason(&e.to_string())]).await,
    }
}

async fn case_event(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let Some(kind) = EventKind::parse(get("kind")) else {
        return render_case(&s, &auth.0, t, id, vec![t.unknown_event.into()]).await;
    };
    let version: i64 = get("version").parse().unwrap_or(0);
    let event = match event_from_form(t, kind, &form) {
        Ok(e) => e,
        Err(msg) => return render_case_posted(&s, &auth.0, t, id, vec![msg], (kind, &form)).await,
    };
    let now = s.clock.now();
    match cases::record_event(
        &s.store,
        &auth.actor(),
        id,
        version,
        &event,
        now,
        &s.policies(),
    )
    .await
    {
        Ok(after) => {
            tracing::info!(
                case_id = id,
                kind = kind.code(),
                stage = after.case.stage.code(),
                "case event (page)"
            );
            done_redirect(id, kind.code())
        }
        // The lower layers write `English (中文)`: the page's half only.
        Err(e) => {
            let why = t.reason(&e.to_string());
            render_case_posted(&s, &auth.0, t, id, vec![why], (kind, &form)).await
        }
    }
}

#[derive(Deserialize)]
struct LeadForm {
    note: String,
    #[serde(default)]
    risk_types: Option<String>,
}

async fn new_lead(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(household): Path<i64>,
    Form(f): Form<LeadForm>,
) -> Response {
    let lead = IncomingLead {
        channel: Channel::CadreSweep,
        household_id: Some(household),
        id_number: None,
        risk_types: f
            .risk_types
            .as_deref()
            .and_then(RiskType::parse)
            .into_iter()
            .collect(),
        note: f.note,
    };
    match cases::open_lead(&s.store, &auth.actor(), &lead, s.clock.now(), &s.policies()).await {
        Ok(r) => match r.case_id {
            Some(c) => Redirect::to(&format!("/cases/{c}")).into_response(),
            None => Redirect::to("/inbox").into_response(),
        },
        // The API's statuses: a role that opens no leads is 403, a
        // household outside the scope 404 (as one that does not exist).
        Err(e) => crate::error::ApiError::from(e).page(t),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "declare.html")]
struct DeclarePage {
    t: &'static Texts,
    user: Option<UserBar>,
    errors: Vec<String>,
    reference: Option<String>,
}

async fn declare_page(Lang(t): Lang) -> DeclarePage {
    DeclarePage {
        t,
        user: None,
        errors: Vec::new(),
        reference: None,
    }
}

#[derive(Deserialize)]
struct DeclareForm {
    name: String,
    id_number: String,
    village_code: String,
    phone: String,
    what_happened: String,
}

async fn declare_submit(
    State(s): State<AppState>,
    Lang(t): Lang,
    ClientIp(ip): ClientIp,
    Form(f): Form<DeclareForm>,
) -> Response {
    let now = s.clock.now();
    if !s.declarations.try_take(ip, now) {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            DeclarePage {
                t,
                user: None,
                errors: vec![t.declare_too_many.into()],
                reference: None,
            },
        )
            .into_response();
    }
    let d = Declaration {
        name: f.name,
        id_number: f.id_number,
        village: f.village_code,
        phone: f.phone,
        risk_types: Vec::new(),
        note: f.what_happened,
    };
    match cases::declare(&s.store, &d, now, &s.policies()).await {
        Ok(r) => {
            tracing::info!(lead_id = r.lead_id, "self-declaration received (page)");
            DeclarePage {
                t,
                user: None,
                errors: Vec::new(),
                reference: Some(r.reference),
            }
            .into_response()
        }
        Err(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            DeclarePage {
                t,
                user: None,
                errors: vec![t.reason(&e.to_string())],
                reference: None,
            },
        )
            .into_response(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "declare_status.html")]
struct StatusPage {
    t: &'static Texts,
    user: Option<UserBar>,
    reference: String,
    status: Option<&'static str>,
    updated: Option<String>,
    not_found: bool,
}

#[derive(Deserialize)]
struct StatusQuery {
    reference: Option<String>,
}

async fn declare_status(
    State(s): State<AppState>,
    Lang(t): Lang,
    Query(q): Query<StatusQuery>,
) -> StatusPage {
    let reference = q.reference.unwrap_or_default();
    let mut page = StatusPage {
        t,
        user: None,
        reference: reference.clone(),
        status: None,
        updated: None,
        not_found: false,
    };
    if !reference.trim().is_empty() {
        match cases::public_status(&s.store, &reference).await {
            Ok(v) => {
                page.status = Some(t.pick(v.label_zh, v.label_en));
                page.updated = Some(v.received_on.to_string());
            }
            Err(_) => page.not_found = true,
        }
    }
    page
}
