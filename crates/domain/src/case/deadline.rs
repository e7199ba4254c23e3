//! 时限与督办: when a step of a case is due, whether it is late, and which
//! level is told.
//!
//! The rule (every number from [`WorkflowPolicy`]; days are calendar days
//! in China time):
//! - A step is due its limit after the case entered the stage: home check
//!   `home_check_days`, data comparison `data_comparison_days`, township
//!   review `township_review_days`, county approval `county_approval_days`,
//!   and `deliberation_days` for each of deliberating and posting the
//!   notice (评议公示 is one village step; the policy has no separate
//!   number for posting). Identification and elimination runs alike.
//! - A posted notice is due on its end date.
//! - During identification, every step is also due
//!   `identification_limit_days` after the lead; the earlier date wins. A
//!   re-entry starts a new lead; an upheld objection does not.
//! - Monitored, rejected and eliminated cases have no deadline.
//! - A case is overdue from the day after its deadline.
//! - Escalation (督办): while overdue by at most one step limit, the level
//!   that owes the step (village, township or county) is told; overdue by
//!   more than one step limit, the level above; by more than two, the one
//!   above that; never above the county. A limit of 0 counts as 1 day.

use super::{Case, CaseStage, china_date};
use crate::policy::WorkflowPolicy;
use crate::region::RegionLevel;
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// An overdue case: its deadline, by how much it is late, who is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Overdue {
    /// The day the step was due.
    pub deadline: NaiveDate,
    /// Days past the deadline (at least 1).
    pub days_over: u32,
    /// The level that must act on it (督办).
    pub escalate_to: RegionLevel,
}

/// Days the policy allows for the step a case at `stage` waits for.
pub fn step_limit_days(stage: CaseStage, policy: &WorkflowPolicy) -> Option<u32> {
    use CaseStage::*;
    Some(match stage {
        HomeCheck => policy.home_check_days,
        DataComparison => policy.data_comparison_days,
        VillageDeliberation
        | NoticePending
        | Notice
        | EliminationDeliberation
        | EliminationNoticePending
        | EliminationNotice => policy.deliberation_days,
        TownshipReview | EliminationTownshipReview => policy.township_review_days,
        CountyApproval | EliminationCountyApproval => policy.county_approval_days,
        Monitored | Rejected | Eliminated => return None,
    })
}

/// The last day on which the case's current step is on time.
pub fn deadline(case: &Case, policy: &WorkflowPolicy) -> Option<NaiveDate> {
    let step = step_deadline(case, policy)?;
    if !case.stage.is_identification() {
        return Some(step);
    }
    let lead = china_date(case.lead.opened_at);
    Some(step.min(add_days(lead, policy.identification_limit_days)))
}

fn step_deadline(case: &Case, policy: &WorkflowPolicy) -> Option<NaiveDate> {
    let posted = matches!(case.stage, CaseStage::Notice | CaseStage::EliminationNotice);
    if let (true, Some(notice)) = (posted, &case.notice) {
        return Some(notice.end);
    }
    let limit = step_limit_days(case.stage, policy)?;
    Some(add_days(china_date(case.stage_entered_at), limit))
}

/// Whether the case is overdue at `now`, and who is told.
pub fn overdue(case: &Case, policy: &WorkflowPolicy, now: DateTime<Utc>) -> Option<Overdue> {
    let deadline = deadline(case, policy)?;
    let late = (china_date(now) - deadline).num_days();
    if late <= 0 {
        return None;
    }
    let days_over = u32::try_from(late).unwrap_or(u32::MAX);
    Some(Overdue {
        deadline,
        days_over,
        escalate_to: escalation_level(case.stage, days_over, policy)?,
    })
}

/// The level told about a case at `stage` overdue by `days_over` days
/// (see the module's rule).
pub fn escalation_level(
    stage: CaseStage,
    days_over: u32,
    policy: &WorkflowPolicy,
) -> Option<RegionLevel> {
    let owner = stage.owner()?;
    let limit = step_limit_days(stage, policy)?.max(1);
    let levels_up = i64::from(days_over.saturating_sub(1) / limit);
    let level = (owner as i64 - levels_up).max(RegionLevel::County as i64);
    RegionLevel::from_i64(level)
}

fn add_days(date: NaiveDate, days: u32) -> NaiveDate {
    date.checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::tests::{case_at, policy};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, d).unwrap()
    }

    #[test]
    fn step_deadline_is_entry_plus_limit() {
        let p = policy();
        let case = case_at(CaseStage::HomeCheck);
        let entered = china_date(case.stage_entered_at);
        assert_eq!(
            deadline(&case, &p),
            Some(entered + Days::new(p.home_check_days.into()))
        );
    }

    #[test]
    fn identification_limit_wins_when_earlier() {
        let mut p = policy();
        p.identification_limit_days = 1;
        let case = case_at(CaseStage::HomeCheck);
        let lead = china_date(case.lead.opened_at);
        assert_eq!(deadline(&case, &p), Some(lead + Days::new(1)));
    }

    #[test]
    fn notice_is_due_on_its_end_date() {
        let p = policy();
        let case = case_at(CaseStage::Notice);
        let end = case.notice.as_ref().unwrap().end;
        assert_eq!(deadline(&case, &p), Some(end));
    }

    #[test]
    fn no_deadline_when_nothing_is_owed() {
        let p = policy();
        for stage in [
            CaseStage::Monitored,
            CaseStage::Rejected,
            CaseStage::Eliminated,
        ] {
            let case = case_at(stage);
            assert_eq!(deadline(&case, &p), None, "{stage:?}");
            assert_eq!(overdue(&case, &p, case.stage_entered_at), None);
        }
    }

    #[test]
    fn elimination_steps_ignore_the_lead_clock() {
        let mut p = policy();
        p.identification_limit_days = 0;
        let case = case_at(CaseStage::EliminationTownshipReview);
        let entered = china_date(case.stage_entered_at);
        assert_eq!(
            deadline(&case, &p),
            Some(entered + Days::new(p.township_review_days.into()))
        );
    }

    #[test]
    fn overdue_from_the_day_after_the_deadline() {
        let p = policy();
        let case = case_at(CaseStage::TownshipReview);
        let due = deadline(&case, &p).unwrap();
        let on = |d: NaiveDate| d.and_hms_opt(4, 0, 0).unwrap().and_utc();
        assert_eq!(overdue(&case, &p, on(due)), None);
        let late = overdue(&case, &p, on(due + Days::new(1))).unwrap();
        assert_eq!(late.days_over, 1);
        assert_eq!(late.deadline, due);
        assert_eq!(late.escalate_to, RegionLevel::Township);
    }

    #[test]
    fn dates_follow_china_time() {
        // 2025-03-05 17:00 UTC is already 6 March in China.
        let t = day(5).and_hms_opt(17, 0, 0).unwrap().and_utc();
        assert_eq!(china_date(t), day(6));
        let t = day(5).and_hms_opt(15, 59, 59).unwrap().and_utc();
        assert_eq!(china_date(t), day(5));
    }

    #[test]
    fn escalation_boundaries_for_a_village_step() {
        let p = policy();
        let l = p.home_check_days;
        let at = |d| escalation_level(CaseStage::HomeCheck, d, &p);
        assert_eq!(at(1), Some(RegionLevel::Village));
        assert_eq!(at(l), Some(RegionLevel::Village));
        assert_eq!(at(l + 1), Some(RegionLevel::Township));
        assert_eq!(at(2 * l), Some(RegionLevel::Township));
        assert_eq!(at(2 * l + 1), Some(RegionLevel::County));
        assert_eq!(at(100 * l), Some(RegionLevel::County));
    }

    #[test]
    fn escalation_boundaries_above_the_village() {
        let p = policy();
        let l = p.township_review_days;
        let township = |d| escalation_level(CaseStage::EliminationTownshipReview, d, &p);
        assert_eq!(township(l), Some(RegionLevel::Township));
        assert_eq!(township(l + 1), Some(RegionLevel::County));
        let county = |d| escalation_level(CaseStage::CountyApproval, d, &p);
        assert_eq!(county(1), Some(RegionLevel::County));
        assert_eq!(county(u32::MAX), Some(RegionLevel::County));
        assert_eq!(escalation_level(CaseStage::Monitored, 9, &p), None);
    }

    #[test]
    fn notice_escalates_by_the_deliberation_limit() {
        let p = policy();
        let l = p.deliberation_days;
        assert_eq!(
            escalation_level(CaseStage::Notice, l, &p),
            Some(RegionLevel::Village)
        );
        assert_eq!(
            escalation_level(CaseStage::Notice, l + 1, &p),
            Some(RegionLevel::Township)
        );
    }

    #[test]
    fn zero_limit_counts_as_one_day() {
        let mut p = policy();
        p.data_comparison_days = 0;
        let at = |d| escalation_level(CaseStage::DataComparison, d, &p);
        assert_eq!(at(1), Some(RegionLevel::Village));
        assert_eq!(at(2), Some(RegionLevel::Township));
        assert_eq!(at(3), Some(RegionLevel::County));
    }
}
