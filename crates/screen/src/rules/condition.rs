//! The closed vocabulary of rule files: the conditions a rule can test,
//! the feed each one reads, the thresholds it needs, and the severities a
//! rule can assign (risk types are the domain's `RiskType`).

use crate::feed::FeedKind;
use serde::Serialize;

/// What a rule tests on a feed row (and, where named, the household).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// 医保: self-paid cost of one inpatient stay above `[medical] self_paid_per_stay`.
    SelfPaidPerStayAboveThreshold,
    /// 医保: self-paid cost over the last 12 months above `[medical] self_paid_12_months`.
    SelfPaid12mAboveThreshold,
    /// 医保: a self-paid expense in a household whose income per person is
    /// below `monitoring_line × near_line_factor` (近线户 with a rigid expense).
    IncomeBelowLineTimesFactorWithExpense,
    /// 残联: a new certificate, or a grade more severe than before.
    DisabilityNewOrWorse,
    /// 民政: 低保/特困/临时救助 newly granted (joint identification).
    AssistanceGranted,
    /// 民政: assistance stopped (to be checked).
    AssistanceStopped,
    /// 教育: a student dropped out (控辍保学).
    DroppedOut,
    /// 住建: a house rated one of `[housing] grades`.
    HousingGradeIn,
    /// 人社: unemployed, or returned from migrant work.
    UnemployedOrReturned,
    /// 应急管理: loss above `[disaster] loss_threshold`, or house damage
    /// listed in `[disaster] house_damage`.
    DisasterLossAboveThresholdOrCollapse,
    /// 公安/卫健: death of a member who had labor capacity.
    DeathOfLaborer,
    /// 市场监管/车管/不动产: an asset that contradicts eligibility.
    AssetContradiction,
    /// 水利: outage days above `[water] outage_days_limit`.
    WaterOutageDaysAboveLimit,
}

/// A threshold table a condition cannot do without.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Nothing beyond the row.
    Nothing,
    /// `[medical]`.
    Medical,
    /// `near_line_factor` (with `monitoring_line`).
    NearLine,
    /// `[disaster]`.
    Disaster,
    /// `[housing]`.
    Housing,
    /// `[water]`.
    Water,
}

impl Condition {
    /// Every condition.
    pub const ALL: [Condition; 13] = [
        Condition::SelfPaidPerStayAboveThreshold,
        Condition::SelfPaid12mAboveThreshold,
        Condition::IncomeBelowLineTimesFactorWithExpense,
        Condition::DisabilityNewOrWorse,
        Condition::AssistanceGranted,
        Condition::AssistanceStopped,
        Condition::DroppedOut,
        Condition::HousingGradeIn,
        Condition::UnemployedOrReturned,
        Condition::DisasterLossAboveThresholdOrCollapse,
        Condition::DeathOfLaborer,
        Condition::AssetContradiction,
        Condition::WaterOutageDaysAboveLimit,
    ];

    /// The name written in rule files.
    pub fn code(self) -> &'static str {
        self.facts().0
    }

    /// The one feed kind this condition reads.
    pub fn feed(self) -> FeedKind {
        self.facts().1
    }

    /// The thresholds the rule set must define for this condition.
    pub fn needs(self) -> Needs {
        self.facts().2
    }

    fn facts(self) -> (&'static str, FeedKind, Needs) {
        use Condition as C;
        use FeedKind as F;
        match self {
            C::SelfPaidPerStayAboveThreshold => (
                "self_paid_per_stay_above_threshold",
                F::Medical,
                Needs::Medical,
            ),
            C::SelfPaid12mAboveThreshold => {
                ("self_paid_12m_above_threshold", F::Medical, Needs::Medical)
            }
            C::IncomeBelowLineTimesFactorWithExpense => (
                "income_below_line_times_factor_with_expense",
                F::Medical,
                Needs::NearLine,
            ),
            C::DisabilityNewOrWorse => ("disability_new_or_worse", F::Disability, Needs::Nothing),
            C::AssistanceGranted => ("assistance_granted", F::Assistance, Needs::Nothing),
            C::AssistanceStopped => ("assistance_stopped", F::Assistance, Needs::Nothing),
            C::DroppedOut => ("dropped_out", F::Education, Needs::Nothing),
            C::HousingGradeIn => ("housing_grade_in", F::Housing, Needs::Housing),
            C::UnemployedOrReturned => ("unemployed_or_returned", F::Employment, Needs::Nothing),
            C::DisasterLossAboveThresholdOrCollapse => (
                "disaster_loss_above_threshold_or_collapse",
                F::Disaster,
                Needs::Disaster,
            ),
            C::DeathOfLaborer => ("death_of_laborer", F::Vital, Needs::Nothing),
            C::AssetContradiction => ("asset_contradiction", F::Assets, Needs::Nothing),
            C::WaterOutageDaysAboveLimit => {
                ("water_outage_days_above_limit", F::Water, Needs::Water)
            }
        }
    }

    /// The condition named `s` in a rule file.
    pub fn parse(s: &str) -> Option<Condition> {
        Condition::ALL.into_iter().find(|c| c.code() == s.trim())
    }
}

/// How urgent a warning of the rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// 低.
    Low,
    /// 中.
    Medium,
    /// 高.
    High,
}

impl Severity {
    /// Stable code: `low`, `medium`, `high`.
    pub fn code(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    /// 1 low, 2 medium, 3 high: for sorting.
    pub fn rank(self) -> i64 {
        match self {
            Severity::Low => 1,
            Severity::Medium => 2,
            Severity::High => 3,
        }
    }

    /// Parses `low`/`medium`/`high` or 低/中/高.
    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" | "低" => Some(Severity::Low),
            "medium" | "中" => Some(Severity::Medium),
            "high" | "高" => Some(Severity::High),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_condition_parses_back_and_every_feed_has_one() {
        for c in Condition::ALL {
            assert_eq!(Condition::parse(c.code()), Some(c));
        }
        for k in FeedKind::ALL {
            assert!(Condition::ALL.iter().any(|c| c.feed() == k), "{k}");
        }
        assert_eq!(Condition::parse("always"), None);
    }

    #[test]
    fn severities_in_both_languages() {
        assert_eq!(Severity::parse("高"), Some(Severity::High));
        assert_eq!(Severity::parse("HIGH"), Some(Severity::High));
        assert_eq!(Severity::parse("urgent"), None);
    }
}
