//! Who may record which event at which stage: the one table of the
//! workflow's permissions. [`allowed_roles`] is read by `apply`, by the
//! buttons a page shows and by the error messages.
//!
//! In words: village cadres keep the village steps (home check,
//! deliberation, notice and objections, follow-ups, elimination
//! proposals, 低保/特困 proposals); only a township reviewer reviews; only a
//! county admin approves and rolls an elimination back; the one who
//! decides at a review (乡镇审核, 县级审定, of an identification or an
//! elimination) may also return the case for more material (退回补充). A run may be
//! rejected before approval by the county at any step, by the township up
//! to its review, and by the village before its deliberation. A new lead
//! (also a re-entry) may come from any of the three working levels, and
//! so may the data comparison (信息比对), which reads department data the
//! township and county hold. Only the county migrates a household it
//! monitored before dixian ([`super::Case::migrate`]).

use super::{CaseError, CaseStage, EventKind};
use crate::region::RegionCode;
use crate::role::{Role, Scope};

const NONE: &[Role] = &[];
const VILLAGE: &[Role] = &[Role::VillageCadre];
const TOWNSHIP: &[Role] = &[Role::TownshipReviewer];
const COUNTY: &[Role] = &[Role::CountyAdmin];
const TOWNSHIP_COUNTY: &[Role] = &[Role::TownshipReviewer, Role::CountyAdmin];
const WORKING_LEVELS: &[Role] = &[
    Role::VillageCadre,
    Role::TownshipReviewer,
    Role::CountyAdmin,
];

/// Roles that may open a case from a lead, or record a re-entry.
pub const LEAD_ROLES: &[Role] = WORKING_LEVELS;

/// Roles that may record an event of `kind` at `stage`; empty where the
/// event does not belong to the stage at all.
pub fn allowed_roles(stage: CaseStage, kind: EventKind) -> &'static [Role] {
    use CaseStage as S;
    use EventKind as E;
    match (kind, stage) {
        (E::HomeCheck, S::HomeCheck) => VILLAGE,
        // 信息比对 reads department data the township and county hold too.
        (E::DataComparison, S::DataComparison) => WORKING_LEVELS,
        (E::Deliberation, S::VillageDeliberation | S::EliminationDeliberation) => VILLAGE,
        (E::NoticeStart, S::NoticePending | S::EliminationNoticePending) => VILLAGE,
        (E::NoticeObjection | E::NoticeEnd, S::Notice | S::EliminationNotice) => VILLAGE,
        (E::TownshipReview, S::TownshipReview | S::EliminationTownshipReview) => TOWNSHIP,
        (E::CountyApproval, S::CountyApproval | S::EliminationCountyApproval) => COUNTY,
        // 退回补充: only the role that decides at the review may send back.
        (E::ReturnForMore, S::TownshipReview | S::EliminationTownshipReview) => TOWNSHIP,
        (E::ReturnForMore, S::CountyApproval | S::EliminationCountyApproval) => COUNTY,
        (E::Reject, _) => reject_roles(stage),
        (E::FollowUp, s) if watched(s) => VILLAGE,
        (E::ProposeElimination, S::Monitored) => VILLAGE,
        (E::ReEntry, S::Eliminated) => LEAD_ROLES,
        (E::EliminationRollback, S::Eliminated) => COUNTY,
        (E::ProposeAssistance, s) if after_home_check(s) => VILLAGE,
        // 民政's decision arrives when it arrives; the case stage does not hold it up.
        (E::AssistanceOutcome, _) => TOWNSHIP_COUNTY,
        _ => NONE,
    }
}

/// Who may end a run without approval at `stage`.
fn reject_roles(stage: CaseStage) -> &'static [Role] {
    use CaseStage as S;
    match stage {
        S::HomeCheck | S::DataComparison | S::VillageDeliberation | S::EliminationDeliberation => {
            WORKING_LEVELS
        }
        S::NoticePending
        | S::Notice
        | S::TownshipReview
        | S::EliminationNoticePending
        | S::EliminationNotice
        | S::EliminationTownshipReview => TOWNSHIP_COUNTY,
        S::CountyApproval | S::EliminationCountyApproval => COUNTY,
        S::Monitored | S::Rejected | S::Eliminated => NONE,
    }
}

/// Stages at which the household is visited: monitored, in an
/// elimination run, or eliminated and still watched (先跟踪再脱钩).
fn watched(stage: CaseStage) -> bool {
    stage == CaseStage::Monitored || stage == CaseStage::Eliminated || stage.is_elimination()
}

/// Stages at which the joint 低保/特困 proposal can reuse a home check.
fn after_home_check(stage: CaseStage) -> bool {
    stage == CaseStage::Monitored || (stage.is_identification() && stage != CaseStage::HomeCheck)
}

/// The event that records the step a case at `stage` waits for (the
/// follow-up visit while it is watched); `None` for a closed case.
pub fn step_event(stage: CaseStage) -> Option<EventKind> {
    use CaseStage as S;
    use EventKind as E;
    Some(match stage {
        S::HomeCheck => E::HomeCheck,
        S::DataComparison => E::DataComparison,
        S::VillageDeliberation | S::EliminationDeliberation => E::Deliberation,
        S::NoticePending | S::EliminationNoticePending => E::NoticeStart,
        S::Notice | S::EliminationNotice => E::NoticeEnd,
        S::TownshipReview | S::EliminationTownshipReview => E::TownshipReview,
        S::CountyApproval | S::EliminationCountyApproval => E::CountyApproval,
        S::Monitored | S::Eliminated => E::FollowUp,
        S::Rejected => return None,
    })
}

/// Whether `role` records the step a case at `stage` waits for, and so
/// may add its material (案件附件: the signed consent's photo, minutes).
pub fn records_step(stage: CaseStage, role: Role) -> bool {
    step_event(stage).is_some_and(|k| allowed_roles(stage, k).contains(&role))
}

/// The events `role` may record at `stage`.
pub fn allowed_events(stage: CaseStage, role: Role) -> Vec<EventKind> {
    EventKind::ALL
        .iter()
        .copied()
        .filter(|k| allowed_roles(stage, *k).contains(&role))
        .collect()
}

/// Checks the actor's scope and role for an event on a case in `village`
/// at `stage`.
pub fn authorize(
    village: &RegionCode,
    stage: CaseStage,
    kind: EventKind,
    actor: &Scope,
) -> Result<(), CaseError> {
    check_scope(village, actor)?;
    let roles = allowed_roles(stage, kind);
    if roles.is_empty() {
        return Err(CaseError::WrongStage {
            event: kind,
            stage,
            allowed: allowed_events(stage, actor.role),
        });
    }
    if !roles.contains(&actor.role) {
        return Err(CaseError::WrongRole {
            event: kind,
            role: actor.role,
            allowed: roles.to_vec(),
        });
    }
    Ok(())
}

/// Checks that `actor` may open a case in `village`.
pub fn authorize_open(village: &RegionCode, actor: &Scope) -> Result<(), CaseError> {
    if village.level() != crate::RegionLevel::Village {
        return Err(CaseError::NotVillage);
    }
    check_scope(village, actor)?;
    if !LEAD_ROLES.contains(&actor.role) {
        return Err(CaseError::MayNotOpen { role: actor.role });
    }
    Ok(())
}

fn check_scope(village: &RegionCode, actor: &Scope) -> Result<(), CaseError> {
    if !actor.is_consistent() {
        return Err(CaseError::InconsistentScope { role: actor.role });
    }
    if !actor.covers(village) {
        return Err(CaseError::OutOfScope);
    }
    Ok(())
}
