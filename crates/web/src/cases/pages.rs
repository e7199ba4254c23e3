//! Pages of the case workflow: the inbox, a case with the forms of the
//! events the user may record now, the resident's self-declaration (no
//! login, phone-first). The village notice (公示) is in `notice.rs`.

use super::comparison::{CmpGroup, CmpView};
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
use dixian_app::declaration::{self, DeclareField, DeclareRefused, PublicStep, StepState};
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
    /// 规模性风险预警 told to the user's township or county.
    alerts: Vec<AlertInboxLine>,
}

/// An open 规模性风险预警 in the inbox of the township or county told.
struct AlertInboxLine {
    id: i64,
    place: String,
    risk: &'static str,
    households: i64,
    window: String,
    severity_code: &'static str,
}

/// An open department warning waiting for the village's check.
struct WarningLine {
    id: i64,
    number: String,
    head: String,
    risk: &'static str,
    /// What the rule finds (never its id).
    rule: &'static str,
    last_date: String,
}

fn warning_line(t: &Texts, w: WarningRow) -> WarningLine {
    WarningLine {
        id: w.id,
        number: w.household_number,
        head: w.head_name,
        risk: t.label(w.risk_type),
        rule: t.label(w.rule_condition),
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
    let alerts = dixian_app::alerts::inbox(&s.store, &actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|a| AlertInboxLine {
            id: a.alert.id,
            place: a.region_name.unwrap_or(a.alert.region_code),
            risk: t.label(a.alert.risk_type),
            households: a.alert.households,
            window: format!("{} – {}", a.alert.window_from, a.alert.window_to),
            severity_code: a.alert.severity.code(),
        })
        .collect();
    InboxPage {
        t,
        user: user_bar(&auth.0, t),
        cases,
        leads,
        overdue,
        warnings,
        warnings_total,
        alerts,
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
    /// 信息比对 the user may record now: the department rows listed for it.
    comparison: Option<CmpView>,
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
    /// The department rows a comparison reviewed, by feed kind.
    rows: Vec<CmpGroup>,
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
                    if matches!(i, Input::RiskTypes) {
                        // Pre-filled with what the case already says: the
                        // deliberation's proposal, else the lead's (a verified
                        // warning's risk type, e.g. medical spending → 因病).
                        let known = if c.proposed_risk_types.is_empty() {
                            &c.lead.risk_types
                        } else {
                            &c.proposed_risk_types
                        };
                        f.chosen = known.iter().map(|r| r.code().to_string()).collect();
                    }
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
            rows: page
                .compared
                .iter()
                .find(|(seq, _)| *seq == e.seq)
                .map(|(_, kinds)| super::comparison::groups(t, kinds, None))
                .unwrap_or_default(),
        })
        .collect();
    let comparison = page.comparison.as_ref().map(|list| {
        let sent = posted
            .filter(|(kind, _)| *kind == EventKind::DataComparison)
            .map(|(_, form)| form);
        super::comparison::view(t, list, sent)
    });
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
        risks: if !shown_class.risk_types.is_empty() {
            case_text::risks(t, &shown_class.risk_types)
        } else if !c.lead.risk_types.is_empty() {
            // Not decided yet: what the lead suspects (a verified warning's risk type).
            let suspected: Vec<&str> = c.lead.risk_types.iter().map(|r| t.label(*r)).collect();
            format!("{} ({})", suspected.join("、"), t.suspected)
        } else {
            "—".into()
        },
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
        comparison,
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
    /// A message above the form (too many, failed, fix the fields).
    errors: Vec<String>,
    reference: Option<String>,
    /// The townships to choose from.
    townships: Vec<Pick>,
    /// The villages offered, grouped by township.
    groups: Vec<VillageGroup>,
    /// What the resident typed, kept on every answer.
    form: DeclareForm,
    /// The search found nothing.
    nothing_found: bool,
    /// A plain-words message next to each field that needs it.
    err: FieldErrors,
}

/// An option of a select.
struct Pick {
    code: String,
    name: String,
    selected: bool,
}

/// A township's villages in the village select.
struct VillageGroup {
    code: String,
    name: String,
    villages: Vec<Pick>,
}

/// The message next to each field, when it has one.
#[derive(Default)]
struct FieldErrors {
    village_code: Option<&'static str>,
    name: Option<&'static str>,
    id_number: Option<&'static str>,
    phone: Option<&'static str>,
    what_happened: Option<&'static str>,
}

#[derive(Deserialize, Default)]
struct DeclareForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    township: String,
    #[serde(default)]
    village_search: String,
    #[serde(default)]
    village_code: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    what_happened: String,
    /// `find`: show the villages of the township or the search, keeping
    /// every field; anything else submits.
    #[serde(default)]
    step: String,
}

/// The page for `form`: the township list, the villages offered (the
/// search's, the chosen township's, or all, grouped), the fields kept.
async fn declare_form(
    s: &AppState,
    t: &'static Texts,
    form: DeclareForm,
    errors: Vec<String>,
    err: FieldErrors,
) -> DeclarePage {
    let places = declaration::places(&s.store).await.unwrap_or_default();
    let village = form.village_code.trim().to_string();
    // The township shown: the one chosen, else the picked village's.
    let township = if form.township.is_empty() {
        places
            .township_of(&village)
            .map(|t| t.code.clone())
            .unwrap_or_default()
    } else {
        form.township.clone()
    };
    let found = places.find(&form.village_search);
    let nothing_found = !form.village_search.trim().is_empty() && found.is_empty();
    let pick = |code: &str, name: &str| Pick {
        selected: code == village,
        code: code.to_string(),
        name: name.to_string(),
    };
    let groups: Vec<VillageGroup> = if !found.is_empty() {
        let mut groups: Vec<VillageGroup> = Vec::new();
        for (tw, v) in found {
            match groups.iter_mut().find(|g| g.code == tw.code) {
                Some(g) => g.villages.push(pick(&v.code, &v.name)),
                None => groups.push(VillageGroup {
                    code: tw.code.clone(),
                    name: tw.name.clone(),
                    villages: vec![pick(&v.code, &v.name)],
                }),
            }
        }
        groups
    } else {
        places
            .townships
            .iter()
            .filter(|tw| township.is_empty() || tw.code == township)
            .map(|tw| VillageGroup {
                code: tw.code.clone(),
                name: tw.name.clone(),
                villages: tw.villages.iter().map(|v| pick(&v.code, &v.name)).collect(),
            })
            .collect()
    };
    let townships = places
        .townships
        .iter()
        .map(|tw| Pick {
            selected: tw.code == township,
            code: tw.code.clone(),
            name: tw.name.clone(),
        })
        .collect();
    DeclarePage {
        t,
        user: None,
        errors,
        reference: None,
        townships,
        groups,
        form,
        nothing_found,
        err,
    }
}

async fn declare_page(State(s): State<AppState>, Lang(t): Lang) -> DeclarePage {
    declare_form(
        &s,
        t,
        DeclareForm::default(),
        Vec::new(),
        FieldErrors::default(),
    )
    .await
}

async fn declare_submit(
    State(s): State<AppState>,
    Lang(t): Lang,
    ClientIp(ip): ClientIp,
    Form(f): Form<DeclareForm>,
) -> Response {
    if f.step == "find" {
        return declare_form(&s, t, f, Vec::new(), FieldErrors::default())
            .await
            .into_response();
    }
    let now = s.clock.now();
    if !s.declarations.try_take(ip, now) {
        let page = declare_form(
            &s,
            t,
            f,
            vec![t.declare_too_many.into()],
            FieldErrors::default(),
        );
        return (StatusCode::TOO_MANY_REQUESTS, page.await).into_response();
    }
    let d = Declaration {
        name: f.name.clone(),
        id_number: f.id_number.clone(),
        village: f.village_code.clone(),
        phone: f.phone.clone(),
        risk_types: Vec::new(),
        note: f.what_happened.clone(),
    };
    match declaration::submit(&s.store, &d, now, &s.policies()).await {
        Ok(r) => {
            tracing::info!(lead_id = r.lead_id, "self-declaration received (page)");
            DeclarePage {
                t,
                user: None,
                errors: Vec::new(),
                reference: Some(r.reference),
                townships: Vec::new(),
                groups: Vec::new(),
                form: DeclareForm::default(),
                nothing_found: false,
                err: FieldErrors::default(),
            }
            .into_response()
        }
        Err(DeclareRefused::Field(field)) => {
            let mut err = FieldErrors::default();
            match field {
                DeclareField::Village => err.village_code = Some(t.declare_err_village),
                DeclareField::Name => err.name = Some(t.declare_err_name),
                DeclareField::IdNumber => err.id_number = Some(t.declare_err_id),
                DeclareField::Phone => err.phone = Some(t.declare_err_phone),
                DeclareField::Note => err.what_happened = Some(t.declare_err_note),
            }
            let page = declare_form(&s, t, f, vec![t.declare_fix.into()], err).await;
            (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        }
        Err(DeclareRefused::Other(e)) => {
            tracing::warn!(error = %e, "self-declaration failed (page)");
            let page = declare_form(
                &s,
                t,
                f,
                vec![t.declare_failed.into()],
                FieldErrors::default(),
            );
            (StatusCode::SERVICE_UNAVAILABLE, page.await).into_response()
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "declare_status.html")]
struct StatusPage {
    t: &'static Texts,
    user: Option<UserBar>,
    reference: String,
    steps: Vec<StepShown>,
    /// The outcome's words, once reached.
    outcome: Option<&'static str>,
    not_found: bool,
}

/// A step as the resident reads it.
struct StepShown {
    label: &'static str,
    /// `done`, `current` or `ahead` (the CSS class).
    state: &'static str,
    /// The day in words, or what the step is doing now.
    note: String,
}

#[derive(Deserialize)]
struct StatusQuery {
    reference: Option<String>,
}

fn step_label(t: &'static Texts, s: PublicStep) -> &'static str {
    match s {
        PublicStep::Received => t.step_received,
        PublicStep::HomeCheck => t.step_home_check,
        PublicStep::Deliberation => t.step_deliberation,
        PublicStep::Notice => t.step_notice,
        PublicStep::TownshipReview => t.step_township,
        PublicStep::CountyApproval => t.step_county,
        PublicStep::Outcome => t.step_outcome,
    }
}

async fn declare_status(
    State(s): State<AppState>,
    Lang(t): Lang,
    Query(q): Query<StatusQuery>,
) -> Response {
    let reference = q.reference.unwrap_or_default();
    let mut page = StatusPage {
        t,
        user: None,
        reference: reference.clone(),
        steps: Vec::new(),
        outcome: None,
        not_found: false,
    };
    if reference.trim().is_empty() {
        return page.into_response();
    }
    match declaration::progress(&s.store, &reference).await {
        Ok(Some(p)) => {
            page.reference = p.reference;
            page.outcome = p.outcome.map(|o| t.pick(o.label_zh(), o.label_en()));
            page.steps = p
                .steps
                .iter()
                .map(|l| StepShown {
                    label: step_label(t, l.step),
                    state: match l.state {
                        StepState::Done => "done",
                        StepState::Current => "current",
                        StepState::Ahead => "ahead",
                    },
                    note: match (l.on, l.state) {
                        (Some(d), _) => t.day(d),
                        (None, StepState::Current) => t.step_now.to_string(),
                        (None, StepState::Ahead) => t.step_waiting.to_string(),
                        (None, StepState::Done) => String::new(),
                    },
                })
                .collect();
            page.into_response()
        }
        Ok(None) => {
            page.not_found = true;
            (StatusCode::NOT_FOUND, page).into_response()
        }
        Err(e) => {
            tracing::warn!(error = %e, "declaration status failed (page)");
            page.not_found = true;
            (StatusCode::SERVICE_UNAVAILABLE, page).into_response()
        }
    }
}
