//! [`apply`]: the case state machine. Permissions come from `rules.rs`;
//! each event's own checks and effects are one short function below.

use super::{
    AssistanceDecision, AssistanceProposal, Case, CaseError, CaseEvent, CaseStage,
    EliminationOverride, Lead, Notice, Objection, Rejection, Return, TextField, Transition,
    china_date, rules,
};
use crate::assistance::Assistance;
use crate::household::Category;
use crate::policy::WorkflowPolicy;
use crate::risk::{Channel, RiskType};
use crate::role::{Role, Scope};
use chrono::{DateTime, Days, NaiveDate, Utc};

/// Applies `event`, recorded by `actor` at `now`, to `case` under the
/// province's `policy`. Returns the new state, or why the event is refused
/// (the case is then unchanged). Pure: no clock, no I/O.
pub fn apply(
    case: &Case,
    event: &CaseEvent,
    actor: &Scope,
    now: DateTime<Utc>,
    policy: &WorkflowPolicy,
) -> Result<Transition, CaseError> {
    rules::authorize(&case.village, case.stage, event.kind(), actor)?;
    // Every text and list of an event is stored and shown: bound them all
    // at once by the stored size, whatever the transport let through.
    let bytes = serde_json::to_vec(event).map_or(usize::MAX, |v| v.len());
    if bytes > MAX_EVENT_BYTES {
        return Err(CaseError::EventTooLarge {
            bytes,
            max_bytes: MAX_EVENT_BYTES,
        });
    }
    let at = At {
        role: actor.role,
        now,
        today: china_date(now),
        policy,
    };
    let mut next = case.clone();
    record(&mut next, event, &at)?;
    Ok(Transition {
        from: case.stage,
        to: next.stage,
        case: next,
    })
}

/// The largest event stored (its JSON): room for pages of findings and a
/// few thousand reviewed rows, not for a body-sized text.
pub const MAX_EVENT_BYTES: usize = 64 * 1024;

/// Who acts, when, under which numbers.
struct At<'a> {
    role: Role,
    now: DateTime<Utc>,
    today: NaiveDate,
    policy: &'a WorkflowPolicy,
}

fn record(case: &mut Case, event: &CaseEvent, at: &At) -> Result<(), CaseError> {
    use CaseEvent as E;
    match event {
        E::HomeCheck {
            findings,
            asset_check_consent_signed,
            visited_on,
        } => home_check(case, at, findings, *asset_check_consent_signed, *visited_on),
        E::DataComparison {
            results, findings, ..
        } => {
            super::comparison::check_own(results, findings)?;
            case.advance(at.now);
            Ok(())
        }
        E::Deliberation {
            held_on,
            attendees,
            approve,
            note,
            proposed_category,
            proposed_risk_types,
        } => {
            if case.stage.is_elimination()
                && (proposed_category.is_some() || !proposed_risk_types.is_empty())
            {
                return Err(CaseError::EliminationTakesNoCategory);
            }
            deliberation(case, at, *held_on, *attendees, *approve, note)?;
            if *approve && !case.stage.is_elimination() {
                case.proposed_category = *proposed_category;
                case.proposed_risk_types = RiskType::normalize(proposed_risk_types.clone());
            }
            Ok(())
        }
        E::NoticeStart { start, end } => notice_start(case, at, *start, *end),
        E::NoticeObjection { text, upheld } => objection(case, at, text, *upheld),
        E::NoticeEnd => notice_end(case, at),
        E::TownshipReview { approve, note } => decide(case, at, *approve, note),
        E::CountyApproval {
            approve,
            category,
            risk_types,
            note,
            override_reason,
        } => {
            county_approval(case, at, *approve, *category, risk_types, note)?;
            elimination_override(case, at, *approve, override_reason.as_deref())
        }
        E::ReturnForMore { reason } => {
            required(TextField::Reason, reason)?;
            return_for_more(case, at, reason);
            Ok(())
        }
        E::Reject { reason } => {
            required(TextField::Reason, reason)?;
            end_run(case, at, reason);
            Ok(())
        }
        E::FollowUp {
            visited_on,
            visitor,
            changes,
            risk_added,
            risk_removed,
        } => {
            required(TextField::Visitor, visitor)?;
            required(TextField::Changes, changes)?;
            follow_up(case, at, *visited_on, risk_added, risk_removed)
        }
        E::ProposeElimination { .. } => {
            case.reset_run();
            case.advance(at.now);
            Ok(())
        }
        E::ReEntry {
            channel,
            risk_types,
            note,
        } => {
            re_entry(case, at, *channel, risk_types, note);
            Ok(())
        }
        E::EliminationRollback { reason } => rollback(case, at, reason),
        // `rules::allowed_roles` gives no stage for it: authorize refused.
        E::Migrated { .. } => Err(CaseError::WrongStage {
            event: super::EventKind::Migrated,
            stage: case.stage,
            allowed: Vec::new(),
        }),
        E::ProposeAssistance { assistance } => propose_assistance(case, at, *assistance),
        E::AssistanceOutcome {
            assistance,
            granted,
            note,
        } => assistance_outcome(case, at, *assistance, *granted, note),
    }
}

fn required(field: TextField, text: &str) -> Result<(), CaseError> {
    if text.trim().is_empty() {
        return Err(CaseError::Empty(field));
    }
    Ok(())
}

fn not_future(date: NaiveDate, at: &At) -> Result<(), CaseError> {
    if date > at.today {
        return Err(CaseError::FutureDate {
            date,
            today: at.today,
        });
    }
    Ok(())
}

/// Ends the current run without approval. A first identification is
/// closed; a re-entry run returns to `Eliminated` (the household is still
/// watched); an elimination run returns to `Monitored`.
fn end_run(case: &mut Case, at: &At, reason: &str) {
    case.rejection = Some(Rejection {
        stage: case.stage,
        role: at.role,
        reason: reason.trim().to_string(),
        at: at.now,
    });
    let to = if case.stage.is_elimination() {
        CaseStage::Monitored
    } else if case.re_entry {
        CaseStage::Eliminated
    } else {
        CaseStage::Rejected
    };
    case.re_entry = false;
    case.enter(to, at.now);
}

/// 退回补充: a review of an identification sends the case back to the
/// home check (the village adds or redoes material, deliberates and posts
/// again; its proposal goes, as after an upheld objection, and the
/// identification clock keeps running from the lead); a review of an
/// elimination sends it back to its deliberation. The reason is kept
/// for the village's inbox and the case page.
fn return_for_more(case: &mut Case, at: &At, reason: &str) {
    let to = if case.stage.is_elimination() {
        CaseStage::EliminationDeliberation
    } else {
        case.proposed_category = None;
        case.proposed_risk_types = Vec::new();
        CaseStage::HomeCheck
    };
    case.returned = Some(Return {
        from: case.stage,
        to,
        role: at.role,
        reason: reason.trim().to_string(),
        at: at.now,
    });
    case.enter(to, at.now);
}

fn home_check(
    case: &mut Case,
    at: &At,
    findings: &str,
    consent_signed: bool,
    visited_on: NaiveDate,
) -> Result<(), CaseError> {
    required(TextField::Findings, findings)?;
    if !consent_signed {
        return Err(CaseError::ConsentNotSigned);
    }
    not_future(visited_on, at)?;
    let lead = china_date(case.lead.opened_at);
    if visited_on < lead {
        return Err(CaseError::BeforeLead {
            date: visited_on,
            lead,
        });
    }
    case.advance(at.now);
    Ok(())
}

fn deliberation(
    case: &mut Case,
    at: &At,
    held_on: NaiveDate,
    attendees: u32,
    approve: bool,
    note: &str,
) -> Result<(), CaseError> {
    not_future(held_on, at)?;
    if attendees == 0 {
        return Err(CaseError::NoAttendance);
    }
    if !approve {
        required(TextField::Note, note)?;
        end_run(case, at, note);
        return Ok(());
    }
    case.deliberated_on = Some(held_on);
    case.advance(at.now);
    Ok(())
}

/// A notice counts both its first and its last day: 1–5 March is 5 days.
fn notice_start(
    case: &mut Case,
    at: &At,
    start: NaiveDate,
    end: NaiveDate,
) -> Result<(), CaseError> {
    if end < start {
        return Err(CaseError::NoticeEndsBeforeStart { start, end });
    }
    if let Some(deliberated_on) = case.deliberated_on
        && start < deliberated_on
    {
        return Err(CaseError::NoticeBeforeDeliberation {
            start,
            deliberated_on,
        });
    }
    let days = (end - start).num_days() + 1;
    let min = at.policy.notice_min_days;
    if days < i64::from(min) {
        let earliest_end = start
            .checked_add_days(Days::new(u64::from(min.saturating_sub(1))))
            .unwrap_or(NaiveDate::MAX);
        return Err(CaseError::NoticeTooShort {
            days,
            min,
            earliest_end,
        });
    }
    case.notice = Some(Notice {
        start,
        end,
        objections: Vec::new(),
    });
    case.advance(at.now);
    Ok(())
}

/// Records an objection. Upheld during an identification, it sends the
/// case back to the home check (the identification clock keeps running
/// from the lead); upheld during an elimination, it withdraws the proposal.
fn objection(case: &mut Case, at: &At, text: &str, upheld: bool) -> Result<(), CaseError> {
    required(TextField::ObjectionText, text)?;
    let Some(notice) = case.notice.as_mut() else {
        return Err(CaseError::NoNotice);
    };
    notice.objections.push(Objection {
        text: text.trim().to_string(),
        upheld,
        recorded_on: at.today,
    });
    if !upheld {
        return Ok(());
    }
    if case.stage.is_elimination() {
        end_run(case, at, text);
    } else {
        // The village checks and deliberates again: its proposal goes.
        case.proposed_category = None;
        case.proposed_risk_types = Vec::new();
        case.enter(CaseStage::HomeCheck, at.now);
    }
    Ok(())
}

fn notice_end(case: &mut Case, at: &At) -> Result<(), CaseError> {
    let Some(notice) = &case.notice else {
        return Err(CaseError::NoNotice);
    };
    if at.today < notice.end {
        return Err(CaseError::NoticeNotOver { end: notice.end });
    }
    case.advance(at.now);
    Ok(())
}

/// A review that approves moves on; one that does not ends the run.
fn decide(case: &mut Case, at: &At, approve: bool, note: &str) -> Result<(), CaseError> {
    if approve {
        case.advance(at.now);
    } else {
        required(TextField::Note, note)?;
        end_run(case, at, note);
    }
    Ok(())
}

fn county_approval(
    case: &mut Case,
    at: &At,
    approve: bool,
    category: Option<Category>,
    risk_types: &[RiskType],
    note: &str,
) -> Result<(), CaseError> {
    if !approve {
        return decide(case, at, approve, note);
    }
    if case.stage.is_elimination() {
        if category.is_some() || !risk_types.is_empty() {
            return Err(CaseError::EliminationTakesNoCategory);
        }
        case.eliminated_at = Some(at.now);
    } else {
        // The county confirms the village's proposal or changes it.
        let risk_types = if risk_types.is_empty() {
            case.proposed_risk_types.clone()
        } else {
            risk_types.to_vec()
        };
        let Some(category) = category
            .or(case.proposed_category)
            .filter(|_| !risk_types.is_empty())
        else {
            return Err(CaseError::ApprovalIncomplete);
        };
        case.category = Some(category);
        case.risk_types = RiskType::normalize(risk_types);
        case.monitored_since = Some(at.now);
        case.eliminated_at = None;
        case.re_entry = false;
    }
    case.advance(at.now);
    Ok(())
}

/// 风险消除 approved over a failing criterion: only an approval of an
/// elimination takes a reason, and it must say something. Called after
/// the approval itself has been checked and applied.
fn elimination_override(
    case: &mut Case,
    at: &At,
    approve: bool,
    reason: Option<&str>,
) -> Result<(), CaseError> {
    let Some(reason) = reason else {
        if approve && case.eliminated_at == Some(at.now) {
            case.elimination_override = None;
        }
        return Ok(());
    };
    // `county_approval` has moved the case on: an elimination approval
    // leaves it eliminated at this instant.
    if !(approve && case.stage == CaseStage::Eliminated && case.eliminated_at == Some(at.now)) {
        return Err(CaseError::OverrideOutsideElimination);
    }
    required(TextField::OverrideReason, reason)?;
    case.elimination_override = Some(EliminationOverride {
        reason: reason.trim().to_string(),
        at: at.now,
    });
    Ok(())
}

/// A visit may change the risk types; after elimination a new risk is a
/// re-entry instead.
fn follow_up(
    case: &mut Case,
    at: &At,
    visited_on: NaiveDate,
    risk_added: &[RiskType],
    risk_removed: &[RiskType],
) -> Result<(), CaseError> {
    not_future(visited_on, at)?;
    if let Some(r) = risk_added.iter().find(|r| risk_removed.contains(r)) {
        return Err(CaseError::RiskTypeConflict(*r));
    }
    if case.stage == CaseStage::Eliminated && !risk_added.is_empty() {
        return Err(CaseError::NewRiskAfterElimination);
    }
    case.risk_types.retain(|r| !risk_removed.contains(r));
    case.risk_types.extend_from_slice(risk_added);
    case.risk_types = RiskType::normalize(std::mem::take(&mut case.risk_types));
    case.follow_ups += 1;
    case.last_follow_up = case.last_follow_up.max(Some(visited_on));
    Ok(())
}

/// 返贫: a new lead reruns the identification from the home check; the
/// identification clock restarts from the new lead.
fn re_entry(case: &mut Case, at: &At, channel: Channel, risk_types: &[RiskType], note: &str) {
    case.lead = Lead {
        channel,
        opened_at: at.now,
        risk_types: RiskType::normalize(risk_types.to_vec()),
        note: note.to_string(),
    };
    case.re_entry = true;
    case.re_entries += 1;
    case.reset_run();
    case.enter(CaseStage::HomeCheck, at.now);
}

fn rollback(case: &mut Case, at: &At, reason: &str) -> Result<(), CaseError> {
    required(TextField::Reason, reason)?;
    case.eliminated_at = None;
    case.rollbacks += 1;
    // The months monitored count again from the rollback: the elimination
    // check asks for months of monitoring after it.
    case.monitored_since = Some(at.now);
    case.enter(CaseStage::Monitored, at.now);
    Ok(())
}

fn propose_assistance(case: &mut Case, at: &At, assistance: Assistance) -> Result<(), CaseError> {
    if !assistance.joint_identification() {
        return Err(CaseError::NotJointAssistance(assistance));
    }
    if pending(case, assistance).is_some() {
        return Err(CaseError::AssistancePending(assistance));
    }
    case.assistance.push(AssistanceProposal {
        assistance,
        proposed_on: at.today,
        decision: None,
    });
    Ok(())
}

fn assistance_outcome(
    case: &mut Case,
    at: &At,
    assistance: Assistance,
    granted: bool,
    note: &str,
) -> Result<(), CaseError> {
    let Some(proposal) = pending(case, assistance) else {
        return Err(CaseError::NoAssistanceProposal(assistance));
    };
    proposal.decision = Some(AssistanceDecision {
        granted,
        decided_on: at.today,
        note: note.to_string(),
    });
    Ok(())
}

fn pending(case: &mut Case, assistance: Assistance) -> Option<&mut AssistanceProposal> {
    case.assistance
        .iter_mut()
        .find(|p| p.assistance == assistance && p.decision.is_none())
}
