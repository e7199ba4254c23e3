//! The case workflow's use cases: leads from the three channels (a
//! cadre's sweep or a department warning registered by a working role, a
//! resident's self-declaration without login), matching and dismissing a
//! declaration, every case event, a case as shown, the work lists (inbox,
//! overdue), a household's timeline, the risk-elimination check and the
//! village notice (公示). Each takes the workflow numbers from the rule book
//! in force ([`Policies`]), checks role and scope through the store and the
//! one state machine (`domain::case::apply`), and answers `AppError`; web
//! and CLI call one function per use case.

use crate::AppError;
use crate::registry::Reveal;
use crate::rules::Policies;
use crate::views::{Sight, inbox_lead};
use chrono::{DateTime, Days, NaiveDate, Utc};
use dixian_domain::assistance::{AssistancePlan, PlanStatus, propose};
use dixian_domain::attachment::AttachmentKind;
use dixian_domain::case::{Lead, Return, china_date, records_step};
use dixian_domain::{
    Case, CaseEvent, CaseStage, Category, EventKind, Overdue, RegionCode, RiskType,
};
use dixian_store::assistance as store_assistance;
use dixian_store::cases::attachments::{self, AttachmentFile, AttachmentInfo, NewAttachment};
use dixian_store::cases::{
    self, Declaration, EliminationCheck, EliminationNumbers, Inbox, IncomingLead, LeadReceipt,
    PlanFollowUp, PolicySource, PublicStatusView, StoredCase, StoredEvent, TimelineEntry,
    TownshipOverdue,
};
use dixian_store::privacy::{self, Exported, Revealed};
use dixian_store::warnings::{self, WarningFilter, WarningRow};
use dixian_store::{Actor, Refusal, Store, StoreError, households, regions};

/// Registers a lead of a working role (a cadre's sweep, a department
/// warning) for a household in scope: it opens the household's case,
/// joins the open one, or re-enters an eliminated one.
pub async fn open_lead(
    store: &Store,
    actor: &Actor,
    lead: &IncomingLead,
    now: DateTime<Utc>,
    policies: &Policies,
) -> Result<LeadReceipt, AppError> {
    Ok(cases::open_lead(&store.pool, actor, lead, now, policies).await?)
}

/// A resident's self-declaration (no login): checked field by field, kept
/// as an unmatched lead of the village (or matched at once by the ID
/// number); the receipt carries the reference to ask about it.
pub async fn declare(
    store: &Store,
    declaration: &Declaration,
    now: DateTime<Utc>,
    policies: &Policies,
) -> Result<LeadReceipt, AppError> {
    Ok(cases::declare(&store.pool, declaration, now, policies).await?)
}

/// What a declarant may know of their declaration, by its reference.
pub async fn public_status(store: &Store, reference: &str) -> Result<PublicStatusView, AppError> {
    Ok(cases::public_status(&store.pool, reference).await?)
}

/// Matches an unmatched lead to a household of the village.
pub async fn match_lead(
    store: &Store,
    actor: &Actor,
    lead_id: i64,
    household_id: i64,
    now: DateTime<Utc>,
    policies: &Policies,
) -> Result<LeadReceipt, AppError> {
    Ok(cases::match_lead(&store.pool, actor, lead_id, household_id, now, policies).await?)
}

/// Closes an unmatched lead without a case, with the reason.
pub async fn dismiss_lead(
    store: &Store,
    actor: &Actor,
    lead_id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<LeadReceipt, AppError> {
    Ok(cases::dismiss_lead(&store.pool, actor, lead_id, reason, now).await?)
}

/// Records `event` on case `case_id` read at `version`, through the one
/// state machine (`domain::case::apply`: stage, role, scope, the event's
/// data, the rule set's numbers); returns the case after it.
///
/// Risk elimination decides here, where its facts are read: proposing it
/// (`ProposeElimination`) and the county's approval of it are refused
/// while a criterion of [`elimination_check`] fails
/// ([`Refusal::EliminationCriteriaFail`] names each) — except an approval
/// carrying the county's written `override_reason`, which the case keeps
/// and the audit row records. The domain's own refusals (role, stage,
/// fields) come first. When the event makes the household monitored, a
/// draft plan is proposed ([`propose_plan`]; after a rollback or a
/// re-entry the closed plan reopens as it); when the county approves the
/// elimination, the open plan closes on that day.
///
/// A data comparison (信息比对) is checked against the department rows
/// listed for the case now ([`crate::comparison::comparison_rows`]): the
/// rows it reviewed are listed ones, and each feed kind with rows has a
/// finding.
pub async fn record_event(
    store: &Store,
    actor: &Actor,
    case_id: i64,
    version: i64,
    event: &CaseEvent,
    now: DateTime<Utc>,
    policies: &Policies,
) -> Result<StoredCase, AppError> {
    let before = cases::get_case(&store.pool, actor, case_id).await?;
    if let Some(overridden) = elimination_gate(&before.case, event) {
        if before.version != version {
            return Err(StoreError::Conflict {
                current: before.version,
            }
            .into());
        }
        if let Some(policy) = policies.policy_for(&before.case.village, china_date(now)) {
            dixian_domain::apply(&before.case, event, &actor.scope, now, &policy)
                .map_err(StoreError::from)?;
        }
        let check = elimination_check(store, actor, case_id, now, policies, None).await?;
        let failing: Vec<_> = check.report.failing().collect();
        if !failing.is_empty() && !overridden {
            return Err(StoreError::Refused(Refusal::EliminationCriteriaFail { failing }).into());
        }
    }
    if matches!(event, CaseEvent::DataComparison { .. })
        && before.case.stage == CaseStage::DataComparison
    {
        // The domain's own refusals (role, empty) first, then the rows.
        if let Some(policy) = policies.policy_for(&before.case.village, china_date(now)) {
            dixian_domain::apply(&before.case, event, &actor.scope, now, &policy)
                .map_err(StoreError::from)?;
        }
        crate::comparison::check_event(
            store,
            actor,
            case_id,
            before.case.stage,
            event,
            now,
            policies,
        )
        .await?;
    }
    // What becomes of the plan, decided here (the catalogue drafts it)
    // and written in the event's own transaction: monitored — by the
    // county's approval (a first identification or a re-entry) or by a
    // rollback of the elimination — a draft plan is proposed, a closed one
    // reopened as it; the risk eliminated — the plan ends that day.
    let today = china_date(now);
    let draft = match before.case.stage {
        CaseStage::CountyApproval | CaseStage::Eliminated => {
            // The risk types the event leaves the case with (the same
            // pure function the store applies).
            let risks = policies
                .policy_for(&before.case.village, today)
                .and_then(|p| dixian_domain::apply(&before.case, event, &actor.scope, now, &p).ok())
                .map(|t| t.case.risk_types)
                .unwrap_or_else(|| before.case.risk_types.clone());
            plan_draft(
                store,
                actor,
                before.household_id,
                &before.case.village,
                &risks,
                today,
                policies,
            )
            .await?
        }
        _ => None,
    };
    let follow = move |from: CaseStage, to: CaseStage| match (from, to) {
        (CaseStage::CountyApproval | CaseStage::Eliminated, CaseStage::Monitored) => {
            draft.clone().map(PlanFollowUp::Propose)
        }
        (CaseStage::EliminationCountyApproval, CaseStage::Eliminated) => {
            Some(PlanFollowUp::Close(today))
        }
        _ => None,
    };
    Ok(cases::apply_event_then(
        &store.pool,
        actor,
        case_id,
        version,
        event,
        now,
        policies,
        &follow,
    )
    .await?)
}

/// 审核/审定的决定: the reviewer's three explicit choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// 同意: the case moves on.
    Approve,
    /// 退回补充: back to the village for more material, with a reason.
    ReturnForMore,
    /// 不予纳入 (an elimination: 不同意消除): the run ends, with a reason
    /// and the reviewer's confirmation.
    Refuse,
}

impl Choice {
    /// The form's code of a choice (`approve`, `return`, `refuse`).
    pub fn parse(code: &str) -> Option<Choice> {
        match code.trim() {
            "approve" => Some(Choice::Approve),
            "return" => Some(Choice::ReturnForMore),
            "refuse" => Some(Choice::Refuse),
            _ => None,
        }
    }
}

/// A decision at a review step (乡镇审核 or 县级审定, of an identification
/// or an elimination), as the reviewer made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Which of the three.
    pub choice: Choice,
    /// The opinion; the reason when returning or refusing (required then).
    pub reason: String,
    /// The box "我确认不予纳入，此决定将结束本案" was ticked: required for a
    /// refusal, which cannot be undone.
    pub confirmed: bool,
    /// 县级审定 of an identification: the category (else the proposal's).
    pub category: Option<Category>,
    /// 县级审定 of an identification: the risk types (else the proposal's).
    pub risk_types: Vec<RiskType>,
    /// 风险消除 approved over a failing criterion: the county's reason.
    pub override_reason: Option<String>,
}

/// The form field of the refusal's confirmation.
pub const CONFIRM_FIELD: &str = "confirm_refusal";

/// Records a reviewer's [`Decision`] on case `case_id`: the event is the
/// one of the review the case waits for (`TownshipReview` or
/// `CountyApproval`), or `ReturnForMore`; a refusal without its
/// confirmation is refused (`invalid_field` naming [`CONFIRM_FIELD`]) and
/// nothing is written. Role, stage and reasons are the state machine's
/// ([`record_event`]).
pub async fn decide(
    store: &Store,
    actor: &Actor,
    case_id: i64,
    version: i64,
    decision: &Decision,
    now: DateTime<Utc>,
    policies: &Policies,
) -> Result<StoredCase, AppError> {
    let before = cases::get_case(&store.pool, actor, case_id).await?;
    let county = matches!(
        before.case.stage,
        CaseStage::CountyApproval | CaseStage::EliminationCountyApproval
    );
    let review = |approve: bool| {
        if county {
            CaseEvent::CountyApproval {
                approve,
                category: decision.category,
                risk_types: decision.risk_types.clone(),
                note: decision.reason.clone(),
                override_reason: decision
                    .override_reason
                    .clone()
                    .filter(|r| !r.trim().is_empty()),
            }
        } else {
            CaseEvent::TownshipReview {
                approve,
                note: decision.reason.clone(),
            }
        }
    };
    let event = match decision.choice {
        Choice::Approve => review(true),
        Choice::ReturnForMore => CaseEvent::ReturnForMore {
            reason: decision.reason.clone(),
        },
        Choice::Refuse => {
            if decision.reason.trim().is_empty() {
                return Err(StoreError::from(dixian_domain::CaseError::Empty(
                    dixian_domain::case::TextField::Reason,
                ))
                .into());
            }
            if !decision.confirmed {
                return Err(StoreError::Refused(Refusal::InvalidField {
                    field: CONFIRM_FIELD.into(),
                    reason: "tick the confirmation: a refusal ends the case for good \
                             (请勾选“我确认不予纳入，此决定将结束本案”)"
                        .into(),
                })
                .into());
            }
            review(false)
        }
    };
    record_event(store, actor, case_id, version, &event, now, policies).await
}

/// Whether `event` on `case` is gated by the elimination check, and if so
/// whether it carries the county's override reason.
fn elimination_gate(case: &Case, event: &CaseEvent) -> Option<bool> {
    match event {
        CaseEvent::ProposeElimination { .. } if case.stage == CaseStage::Monitored => Some(false),
        CaseEvent::CountyApproval {
            approve: true,
            override_reason,
            ..
        } if case.stage == CaseStage::EliminationCountyApproval => Some(
            override_reason
                .as_deref()
                .is_some_and(|r| !r.trim().is_empty()),
        ),
        _ => None,
    }
}

/// Drafts the plan (一户一策) of a case whose household has just become
/// monitored — `domain::assistance::propose` over the household, the
/// case's risk types and the catalogue in force for its village today —
/// and stores it unless the case has one. Without a catalogue in force
/// no draft is made (the cadre makes the plan); returns the plan's id
/// when one was written.
pub async fn propose_plan(
    store: &Store,
    actor: &Actor,
    case: &StoredCase,
    now: DateTime<Utc>,
    policies: &Policies,
) -> Result<Option<i64>, AppError> {
    let today = china_date(now);
    let Some(plan) = plan_draft(
        store,
        actor,
        case.household_id,
        &case.case.village,
        &case.case.risk_types,
        today,
        policies,
    )
    .await?
    else {
        return Ok(None);
    };
    Ok(store_assistance::propose_plan(&store.pool, actor, case.id, &plan, now).await?)
}

/// The draft plan (一户一策) the catalogue in force proposes for a
/// household and its risk types; `None` where no catalogue is in force.
async fn plan_draft(
    store: &Store,
    actor: &Actor,
    household_id: i64,
    village: &RegionCode,
    risk_types: &[RiskType],
    today: NaiveDate,
    policies: &Policies,
) -> Result<Option<AssistancePlan>, AppError> {
    let Some((catalogue, numbers)) = policies.0.catalogue_for(village, today) else {
        return Ok(None);
    };
    let household = households::get(&store.pool, actor, household_id)
        .await?
        .household;
    let measures = propose(&household, risk_types, catalogue, today);
    Ok(Some(AssistancePlan {
        household: household.number.clone(),
        status: PlanStatus::Draft,
        helper: None,
        starts_on: today,
        review_on: today
            .checked_add_days(Days::new(u64::from(numbers.visit_interval_days)))
            .unwrap_or(today),
        measures,
    }))
}

/// A case as shown to one actor: what they may do next, its log.
#[derive(Debug, Clone)]
pub struct CaseDetail {
    /// Case id.
    pub id: i64,
    /// Household id.
    pub household_id: i64,
    /// Version: send it with the next event.
    pub version: i64,
    /// The case.
    pub case: Case,
    /// Due day of the current step.
    pub due_on: Option<NaiveDate>,
    /// Late, and who is told, under today's rules.
    pub overdue: Option<Overdue>,
    /// The events the actor's role may record now.
    pub allowed_events: Vec<EventKind>,
    /// Every event so far.
    pub events: Vec<StoredEvent>,
    /// Opened.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// Case `id` for `actor` (`NotFound` outside the scope, `Forbidden` for a
/// role that reads no cases), late or not under the rule set in force.
pub async fn case(
    store: &Store,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
    policies: &Policies,
) -> Result<CaseDetail, AppError> {
    let stored = cases::get_case(&store.pool, actor, id).await?;
    let events = cases::events(&store.pool, actor, id).await?;
    let policy = policies.policy_for(&stored.case.village, china_date(now));
    Ok(CaseDetail {
        id: stored.id,
        household_id: stored.household_id,
        version: stored.version,
        overdue: policy.and_then(|p| dixian_domain::overdue(&stored.case, &p, now)),
        allowed_events: stored.case.allowed_events(actor.scope.role),
        case: stored.case,
        due_on: stored.due_on,
        events,
        created_at: stored.created_at,
        updated_at: stored.updated_at,
    })
}

/// The case page: the case, its household's head, and the department
/// warnings attached to or verified into it.
#[derive(Debug, Clone)]
pub struct CasePage {
    /// The case.
    pub detail: CaseDetail,
    /// The head's name (empty when the household cannot be read).
    pub head: String,
    /// Warnings of this case.
    pub warnings: Vec<WarningRow>,
    /// The risk-elimination check, criterion by criterion, while the
    /// household is monitored or its elimination is under way (`None`
    /// otherwise, or when no rule set is in force).
    pub elimination: Option<EliminationCheck>,
    /// What every step recorded, for the next reviewers.
    pub dossier: Dossier,
    /// The files attached to the case, oldest first.
    pub attachments: Vec<AttachmentInfo>,
    /// The actor records the step the case waits for, and so may attach.
    pub may_attach: bool,
    /// 信息比对 the actor may record now: the department rows listed for
    /// it, or why they cannot be listed (`None` at any other step).
    pub comparison: Option<Result<crate::comparison::ComparisonList, String>>,
    /// The rows each recorded comparison reviewed, by the event's `seq`.
    pub compared: Vec<(i64, Vec<crate::comparison::KindRows>)>,
}

/// The case as a dossier (案卷): the lead, what each step recorded (the
/// events' own data, in order), the classification as far as it is known
/// and the return the village works on.
#[derive(Debug, Clone)]
pub struct Dossier {
    /// The lead of the current run: channel, note, suspected risks.
    pub lead: Lead,
    /// Every event with its data, oldest first.
    pub steps: Vec<StoredEvent>,
    /// The category and risk types as far as known: the county's once
    /// approved, the deliberation's proposal from the deliberation on.
    pub classification: Classification,
    /// 退回补充 the case waits on now (it has not moved since).
    pub pending_return: Option<Return>,
}

/// 监测类别 and 风险类型 as shown: set by the county, or proposed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    /// The category (`None` until proposed).
    pub category: Option<Category>,
    /// The risk types (empty until proposed).
    pub risk_types: Vec<RiskType>,
    /// Whether these are the village's proposal (拟), not yet approved.
    pub proposed: bool,
}

impl Classification {
    /// What a case shows: the county's values once it has set them, else
    /// the deliberation's proposal (from the deliberation on).
    pub fn of(case: &Case) -> Classification {
        if case.category.is_some() || !case.risk_types.is_empty() {
            Classification {
                category: case.category,
                risk_types: case.risk_types.clone(),
                proposed: false,
            }
        } else {
            Classification {
                category: case.proposed_category,
                risk_types: case.proposed_risk_types.clone(),
                proposed: case.proposed_category.is_some() || !case.proposed_risk_types.is_empty(),
            }
        }
    }
}

/// [`case`] with what the case page shows around it.
pub async fn case_page(
    store: &Store,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
    policies: &Policies,
) -> Result<CasePage, AppError> {
    let detail = case(store, actor, id, now, policies).await?;
    let head = households::get(&store.pool, actor, detail.household_id)
        .await
        .ok()
        .and_then(|h| h.household.head().map(|m| m.name.clone()))
        .unwrap_or_default();
    let warnings = warnings::of_household(&store.pool, actor, detail.household_id)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|w| w.case_id == Some(detail.id))
        .collect();
    let stage = detail.case.stage;
    let elimination = if stage == CaseStage::Monitored || stage.is_elimination() {
        elimination_check(store, actor, id, now, policies, None)
            .await
            .ok()
    } else {
        None
    };
    let attachments = attachments::list(&store.pool, actor, id).await?;
    let dossier = Dossier {
        lead: detail.case.lead.clone(),
        steps: detail.events.clone(),
        classification: Classification::of(&detail.case),
        pending_return: detail
            .case
            .returned
            .clone()
            .filter(|r| r.pending(&detail.case)),
    };
    let may_attach = records_step(stage, actor.scope.role);
    let comparison = if detail.allowed_events.contains(&EventKind::DataComparison) {
        Some(
            crate::comparison::comparison_rows(store, actor, id, now, policies)
                .await
                .map_err(|e| e.to_string()),
        )
    } else {
        None
    };
    let mut compared = Vec::new();
    for e in &detail.events {
        if let CaseEvent::DataComparison { reviewed_rows, .. } = &e.event
            && !reviewed_rows.is_empty()
        {
            let rows =
                crate::comparison::reviewed_rows(store, actor, detail.household_id, reviewed_rows)
                    .await?;
            compared.push((e.seq, rows));
        }
    }
    Ok(CasePage {
        detail,
        head,
        warnings,
        elimination,
        dossier,
        attachments,
        may_attach,
        comparison,
        compared,
    })
}

/// Whether `actor` may attach a file to case `case_id` now: in scope
/// (else `NotFound`) and recording the step it waits for (else
/// `Forbidden`). Asked before an upload's body is read.
pub async fn may_attach(store: &Store, actor: &Actor, case_id: i64) -> Result<(), AppError> {
    let case = cases::get_case(&store.pool, actor, case_id).await?;
    if !records_step(case.case.stage, actor.scope.role) {
        return Err(StoreError::Forbidden.into());
    }
    Ok(())
}

/// Attaches `bytes` (uploaded as `file_name`) to case `case_id`. Only a
/// JPEG, PNG or PDF by its bytes ([`AttachmentKind::sniff`]); anything
/// else is refused naming the file (`invalid_field`, field `file`). The
/// size limit is the interface's (it stops reading past it).
pub async fn attach(
    store: &Store,
    actor: &Actor,
    case_id: i64,
    file_name: &str,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<AttachmentInfo, AppError> {
    may_attach(store, actor, case_id).await?;
    let name = clean_file_name(file_name);
    let Some(kind) = AttachmentKind::sniff(bytes) else {
        return Err(StoreError::Refused(Refusal::InvalidField {
            field: "file".into(),
            reason: format!(
                "{name}: only JPEG or PNG images and PDF files are taken, and this file's content \
                 is none of them (“{name}”不是JPEG、PNG图片或PDF文件)"
            ),
        })
        .into());
    };
    let file = NewAttachment {
        kind,
        file_name: &name,
        bytes,
    };
    Ok(attachments::add(&store.pool, actor, case_id, file, now).await?)
}

/// The attachments of case `case_id`.
pub async fn attachments(
    store: &Store,
    actor: &Actor,
    case_id: i64,
) -> Result<Vec<AttachmentInfo>, AppError> {
    Ok(attachments::list(&store.pool, actor, case_id).await?)
}

/// Attachment `id` with its bytes (out of scope: `NotFound`); audited.
pub async fn attachment(store: &Store, actor: &Actor, id: i64) -> Result<AttachmentFile, AppError> {
    Ok(attachments::get(&store.pool, actor, id).await?)
}

/// The name kept for an upload: its last path part, without control
/// characters, at most 120 characters; `附件` when nothing is left.
fn clean_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(120)
        .collect();
    let cleaned = cleaned.trim().to_string();
    if cleaned.is_empty() {
        "附件".into()
    } else {
        cleaned
    }
}

/// What waits on `actor`: cases at a step their level owes, oldest first,
/// and (for village cadres) unmatched declarations — the declarant's ID
/// number and phone masked, or in full with `reveal` (one audit row per
/// declaration shown, recorded first; `Forbidden` for a role that may not).
pub async fn inbox(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    policies: &Policies,
    reveal: Option<&Reveal>,
) -> Result<Inbox, AppError> {
    let mut inbox = cases::inbox(&store.pool, actor, now, policies).await?;
    if let Some(r) = reveal {
        let shown: Vec<(i64, &str)> = inbox
            .leads
            .iter()
            .filter(|l| l.declarant_id_number.is_some() || l.declarant_phone.is_some())
            .map(|l| (l.lead_id, l.village_code.as_str()))
            .collect();
        privacy::record_reveals(
            &store.pool,
            actor,
            Revealed::Lead,
            &shown,
            r.reason.as_deref(),
        )
        .await?;
    }
    let sight = Sight::of(actor.scope.role, reveal.is_some());
    inbox.leads = inbox
        .leads
        .into_iter()
        .map(|l| inbox_lead(l, sight))
        .collect();
    Ok(inbox)
}

/// The open department warnings of the actor's scope the inbox lists
/// (first `limit`), and how many there are in all; none for a role that
/// reads no warnings.
pub async fn open_warnings(store: &Store, actor: &Actor, limit: i64) -> (Vec<WarningRow>, i64) {
    let filter = WarningFilter {
        per_page: Some(limit),
        ..Default::default()
    };
    warnings::list(&store.pool, actor, &filter)
        .await
        .unwrap_or_default()
}

/// The overdue cases in the actor's scope per township, longest overdue
/// first, with the level each is escalated to — under the rule book in
/// force (the server and the CLI give the same list).
pub async fn overdue(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    policies: &Policies,
) -> Result<Vec<TownshipOverdue>, AppError> {
    Ok(cases::overdue(&store.pool, actor, now, policies).await?)
}

/// Leads, case events and registry changes of a household, oldest first.
pub async fn timeline(
    store: &Store,
    actor: &Actor,
    household_id: i64,
) -> Result<Vec<TimelineEntry>, AppError> {
    Ok(cases::timeline(&store.pool, actor, household_id).await?)
}

/// Whether case `id`'s household meets the risk-elimination criteria,
/// under the rule set in force for its village today (`NoRuleSet` when
/// none is); `big_expense_resolved` is the village's own finding.
pub async fn elimination_check(
    store: &Store,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
    policies: &Policies,
    big_expense_resolved: Option<bool>,
) -> Result<EliminationCheck, AppError> {
    let stored = cases::get_case(&store.pool, actor, id).await?;
    let today = china_date(now);
    let book = &policies.0;
    let set = book
        .select(&stored.case.village, today)
        .ok_or_else(|| Refusal::NoRuleSet {
            region: stored.case.village.to_string(),
            on: today,
        })
        .map_err(StoreError::Refused)?;
    let numbers = EliminationNumbers {
        monitoring_line_fen: set.monitoring_line_fen,
        big_expense_limit: set
            .medical
            .as_ref()
            .map(|m| m.self_paid_12_months_fen.div_euclid(100)),
    };
    Ok(cases::elimination_check(
        &store.pool,
        actor,
        id,
        now,
        &set.workflow,
        numbers,
        big_expense_resolved,
    )
    .await?)
}

/// The households of a village on notice now, as the store gives them.
pub async fn notice_round(
    store: &Store,
    actor: &Actor,
    village: &str,
    now: DateTime<Utc>,
) -> Result<cases::NoticeRound, AppError> {
    Ok(cases::notice_round(&store.pool, actor, village, now).await?)
}

/// Category shown while the county has not yet set one.
const PROPOSED: &str = "拟纳入监测";

/// One household on the notice, as printed: display text only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeLine {
    /// Head's name.
    pub head: String,
    /// 村民小组, empty when unknown.
    pub group: String,
    /// Category label (拟纳入监测 when not yet set).
    pub category: String,
    /// Risk type labels, joined with 、.
    pub risks: String,
    /// First day on the board.
    pub start: NaiveDate,
    /// Last day on the board.
    pub end: NaiveDate,
}

/// A village's notice (公示) as printed and as exported: head's name,
/// village group, category, risk types, the notice dates and where to
/// object — never ID numbers, phones, bank accounts or health details
/// (the store's `NoticeEntry` does not carry them).
#[derive(Debug, Clone)]
pub struct NoticeDocument {
    /// Village name.
    pub village: String,
    /// 12-digit village code.
    pub village_code: String,
    /// Township name.
    pub township: String,
    /// First to last day of the round (`—` when nobody is on notice).
    pub period: String,
    /// The day the list was made, as printed (`2026年03月01日`).
    pub today: String,
    /// The households, by village group.
    pub lines: Vec<NoticeLine>,
}

/// The notice of `village` for `actor` (out of scope: `NotFound`; a role
/// that reads no cases: `Forbidden`).
pub async fn notice(
    store: &Store,
    actor: &Actor,
    village: &str,
    now: DateTime<Utc>,
) -> Result<NoticeDocument, AppError> {
    let round = cases::notice_round(&store.pool, actor, village, now).await?;
    let township = township_name(store, &round.village_code).await?;
    let lines: Vec<NoticeLine> = round
        .entries
        .iter()
        .map(|e| NoticeLine {
            head: e.head_name.clone(),
            group: e.village_group.clone().unwrap_or_default(),
            category: e.category.map_or(PROPOSED, |c| c.label_zh()).to_string(),
            risks: e
                .risk_types
                .iter()
                .map(|r| r.label_zh())
                .collect::<Vec<_>>()
                .join("、"),
            start: e.start,
            end: e.end,
        })
        .collect();
    let start = lines.iter().map(|l| l.start).min();
    let end = lines.iter().map(|l| l.end).max();
    Ok(NoticeDocument {
        village: round.village_name,
        village_code: round.village_code,
        township,
        period: match (start, end) {
            (Some(a), Some(b)) => format!("{a} 至 {b}"),
            _ => "—".into(),
        },
        today: round.on.format("%Y年%m月%d日").to_string(),
        lines,
    })
}

async fn township_name(store: &Store, village: &str) -> Result<String, AppError> {
    let Some(code) = RegionCode::parse(village).ok().and_then(|c| c.parent()) else {
        return Ok(String::new());
    };
    let region = regions::get(&store.pool, &code).await?;
    Ok(region.map(|r| r.name).unwrap_or_default())
}

impl NoticeDocument {
    /// The heading.
    pub fn title(&self) -> String {
        format!("{}防止返贫致贫监测对象公示", self.village)
    }

    /// Where an objection goes: the village (its name is its committee's,
    /// 某某村民委员会) or the township's government (a 街道's 办事处).
    pub fn objections_to(&self) -> String {
        let office = if self.township.ends_with("街道") {
            "办事处"
        } else {
            "人民政府"
        };
        format!("{}或{}{office}", self.village, self.township)
    }

    /// Records that `actor` took the notice out as a `format` file: one
    /// audit row with the village and the row count (the notice carries no
    /// ID number or phone, so no reason is asked).
    pub async fn record_export(
        &self,
        store: &Store,
        actor: &Actor,
        format: &str,
    ) -> Result<(), AppError> {
        let village = RegionCode::parse(&self.village_code)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        privacy::record_export(
            &store.pool,
            actor,
            Exported::Notice,
            &village,
            self.lines.len() as u64,
            format,
            None,
        )
        .await?;
        Ok(())
    }
}
