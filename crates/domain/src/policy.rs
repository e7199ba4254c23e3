//! Policy numbers of the case workflow that a province sets (and may change
//! by year): notice length, time limits, elimination criteria. They are
//! never constants in code: a rule set file of the province and period
//! fills this struct in (see the screening crate), and the case workflow
//! reads it.

use serde::{Deserialize, Serialize};

/// Workflow numbers valid for one region and period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkflowPolicy {
    /// 公示 minimum length in days (national floor: 5).
    pub notice_min_days: u32,
    /// Lead → county approval, in days (commonly 15; some provinces count
    /// 20–25 working days — express those here as calendar days).
    pub identification_limit_days: u32,
    /// Days allowed for each step before it is overdue: home check, data
    /// comparison, village deliberation, township review, county approval.
    pub home_check_days: u32,
    /// See `home_check_days`.
    pub data_comparison_days: u32,
    /// See `home_check_days`.
    pub deliberation_days: u32,
    /// See `home_check_days`.
    pub township_review_days: u32,
    /// See `home_check_days`.
    pub county_approval_days: u32,
    /// Months a household must have been monitored before elimination.
    pub elimination_min_monitored_months: u32,
    /// Months income must have stayed above the line before elimination.
    pub elimination_income_stable_months: u32,
    /// Measures a household must have received before elimination.
    pub elimination_min_measures: u32,
    /// 信息比对: the department rows of the last this many days (to the
    /// day of the comparison) are listed for the household's members.
    /// Optional so that a rule set stored before the key existed still
    /// reads; without it the rows cannot be listed (the app says so).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison_window_days: Option<u32>,
}
