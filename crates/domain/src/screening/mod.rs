//! The vocabulary of department screening (部门筛查预警) that crosses the
//! crate boundaries: the feed kinds, the conditions a rule tests, the
//! severities, a warning's status and the rule that raised it. The
//! screening engine (`dixian_screen`) raises warnings in these terms, the
//! store reads and writes them (one code per value, an unknown stored
//! code is an integrity error), and the pages show their labels.
//!
//! [`plan`] holds the decision "which hits of a run are new": a pure
//! function of what is known and what the run found.

pub mod plan;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

pub use plan::{
    Extension, Hit, KnownState, KnownWarning, LiveWarning, Plan, PlanCounts, Raise, Subject,
    WarningKey, WarningRef, plan,
};

/// A stored code that names no value of its type: the database holds
/// something this version never wrote.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} code in storage (存储的代码无法识别)")]
pub struct UnknownCode {
    /// What the code should have named (`severity`, `warning status`, …).
    pub what: &'static str,
}

/// Serde, `Display` and `TryFrom<String>` by the stable code: the code is
/// the one spelling stored and sent; reading accepts nothing else.
macro_rules! by_code {
    ($t:ty, $what:literal) => {
        impl $t {
            /// The value whose stable code is exactly `code`.
            pub fn from_code(code: &str) -> Option<$t> {
                <$t>::ALL.iter().copied().find(|v| v.code() == code)
            }
        }

        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.code())
            }
        }

        impl TryFrom<String> for $t {
            type Error = UnknownCode;
            fn try_from(s: String) -> Result<$t, UnknownCode> {
                <$t>::from_code(&s).ok_or(UnknownCode { what: $what })
            }
        }

        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }
    };
}

/// Which department file a batch is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FeedKind {
    /// 医保结算 (医保)
    Medical,
    /// 残疾人证 (残联)
    Disability,
    /// 社会救助 (民政)
    Assistance,
    /// 学籍状态 (教育)
    Education,
    /// 住房安全鉴定 (住建)
    Housing,
    /// 就业状态 (人社)
    Employment,
    /// 灾情损失 (应急管理)
    Disaster,
    /// 户籍变动 (公安/卫健)
    Vital,
    /// 资产信息 (市场监管/车管/不动产)
    Assets,
    /// 农村供水 (水利)
    Water,
}

impl FeedKind {
    /// Every kind, in the order of `feeds.md`.
    pub const ALL: [FeedKind; 10] = [
        FeedKind::Medical,
        FeedKind::Disability,
        FeedKind::Assistance,
        FeedKind::Education,
        FeedKind::Housing,
        FeedKind::Employment,
        FeedKind::Disaster,
        FeedKind::Vital,
        FeedKind::Assets,
        FeedKind::Water,
    ];

    /// Stable code (`--kind` on the command line, storage, rule files).
    pub fn code(self) -> &'static str {
        self.names().0
    }

    /// Chinese label.
    pub fn label_zh(self) -> &'static str {
        self.names().1
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        self.names().2
    }

    /// The department that delivers the file, in Chinese.
    pub fn department_zh(self) -> &'static str {
        self.names().3
    }

    fn names(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            FeedKind::Medical => ("medical", "医保结算", "Medical settlements", "医保"),
            FeedKind::Disability => ("disability", "残疾人证", "Disability certificates", "残联"),
            FeedKind::Assistance => ("assistance", "社会救助", "Social assistance", "民政"),
            FeedKind::Education => ("education", "学籍状态", "Student status", "教育"),
            FeedKind::Housing => ("housing", "住房安全鉴定", "Housing safety", "住建"),
            FeedKind::Employment => ("employment", "就业状态", "Employment", "人社"),
            FeedKind::Disaster => ("disaster", "灾情损失", "Disaster losses", "应急管理"),
            FeedKind::Vital => ("vital", "户籍变动", "Vital events", "公安/卫健"),
            FeedKind::Assets => ("assets", "资产信息", "Assets", "市场监管/车管/不动产"),
            FeedKind::Water => ("water", "农村供水", "Water supply", "水利"),
        }
    }

    /// Parses a code, a label or the department name (case and
    /// surrounding spaces ignored): what a user may type.
    pub fn parse(s: &str) -> Option<FeedKind> {
        let t = s.trim();
        FeedKind::ALL.into_iter().find(|k| {
            t.eq_ignore_ascii_case(k.code())
                || t == k.label_zh()
                || t.eq_ignore_ascii_case(k.label_en())
                || t == k.department_zh()
        })
    }
}

by_code!(FeedKind, "feed kind");

impl<'de> Deserialize<'de> for FeedKind {
    /// Lenient, as [`FeedKind::parse`]: a kind named in a request or a file.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        FeedKind::parse(&s).ok_or_else(|| {
            let codes: Vec<&str> = FeedKind::ALL.iter().map(|k| k.code()).collect();
            serde::de::Error::custom(format!(
                "unknown feed kind (未知的数据类型); expected one of: {}",
                codes.join(", ")
            ))
        })
    }
}

/// What a rule tests on a feed row (and, where named, the household).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
    /// 人社 with the registry: a household with 人社 rows in the window
    /// whose yearly income per person — the registry's income, changed by
    /// the change of its workers' monthly income the rows show — is below
    /// `monitoring_line`.
    IncomeBelowLine,
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
    pub const ALL: [Condition; 14] = [
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
        Condition::IncomeBelowLine,
    ];

    /// The name written in rule files (and stored).
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
            C::IncomeBelowLine => ("income_below_line", F::Employment, Needs::Nothing),
        }
    }

    /// What the condition finds, in Chinese (for pages, where a rule file
    /// gives no description).
    pub fn label_zh(self) -> &'static str {
        self.labels().0
    }

    /// What the condition finds, in English.
    pub fn label_en(self) -> &'static str {
        self.labels().1
    }

    fn labels(self) -> (&'static str, &'static str) {
        use Condition as C;
        match self {
            C::SelfPaidPerStayAboveThreshold => (
                "单次住院自付超过阈值",
                "One inpatient stay's self-paid cost above the threshold",
            ),
            C::SelfPaid12mAboveThreshold => (
                "12个月医疗自付累计超过阈值",
                "Self-paid medical costs over 12 months above the threshold",
            ),
            C::IncomeBelowLineTimesFactorWithExpense => (
                "近线户有医疗支出",
                "A household near the line with a medical expense",
            ),
            C::DisabilityNewOrWorse => (
                "新办残疾证或等级加重",
                "A new disability certificate or a more severe grade",
            ),
            C::AssistanceGranted => (
                "新纳入低保/特困/临时救助",
                "Newly granted social assistance",
            ),
            C::AssistanceStopped => ("低保/特困停发", "Social assistance stopped"),
            C::DroppedOut => ("学生辍学", "A student dropped out"),
            C::HousingGradeIn => ("住房鉴定为危房", "House rated unsafe"),
            C::UnemployedOrReturned => ("失业或返乡", "Unemployed or returned from migrant work"),
            C::DisasterLossAboveThresholdOrCollapse => (
                "灾害损失超过阈值或房屋损毁",
                "Disaster loss above the threshold or house destroyed",
            ),
            C::DeathOfLaborer => ("主要劳动力死亡", "Death of a member able to work"),
            C::AssetContradiction => (
                "发现与条件不符的资产",
                "An asset that contradicts eligibility",
            ),
            C::WaterOutageDaysAboveLimit => {
                ("停水天数超过上限", "Water outage days above the limit")
            }
            C::IncomeBelowLine => (
                "家庭人均收入低于监测线",
                "Household income per person below the monitoring line",
            ),
        }
    }

    /// The condition named `s` in a rule file (surrounding spaces ignored).
    pub fn parse(s: &str) -> Option<Condition> {
        Condition::from_code(s.trim())
    }
}

by_code!(Condition, "condition");

/// How urgent a warning of the rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// 低.
    Low,
    /// 中.
    Medium,
    /// 高.
    High,
}

impl Severity {
    /// Every severity, most severe first (the order of lists and filters).
    pub const ALL: [Severity; 3] = [Severity::High, Severity::Medium, Severity::Low];

    /// Stable code: `low`, `medium`, `high`.
    pub fn code(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    /// Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Severity::Low => "低",
            Severity::Medium => "中",
            Severity::High => "高",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
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

by_code!(Severity, "severity");

/// Where a warning stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WarningStatus {
    /// 待核实: raised, nobody has looked yet.
    Open,
    /// 已并案: raised for a household with a case in progress, attached to it.
    Attached,
    /// 已核实: checked and turned into a lead.
    Verified,
    /// 已排除: checked and dismissed with a reason.
    Dismissed,
}

impl WarningStatus {
    /// Every status, in the order of the filter.
    pub const ALL: [WarningStatus; 4] = [
        WarningStatus::Open,
        WarningStatus::Attached,
        WarningStatus::Verified,
        WarningStatus::Dismissed,
    ];

    /// Stable code: `open`, `attached`, `verified`, `dismissed`.
    pub fn code(self) -> &'static str {
        match self {
            WarningStatus::Open => "open",
            WarningStatus::Attached => "attached",
            WarningStatus::Verified => "verified",
            WarningStatus::Dismissed => "dismissed",
        }
    }

    /// Parses a code (case and surrounding spaces ignored).
    pub fn parse(s: &str) -> Option<WarningStatus> {
        let t = s.trim();
        WarningStatus::ALL
            .into_iter()
            .find(|v| t.eq_ignore_ascii_case(v.code()))
    }
}

by_code!(WarningStatus, "warning status");

impl TryFrom<String> for crate::RiskType {
    type Error = UnknownCode;
    /// A stored risk type: its code exactly.
    fn try_from(s: String) -> Result<crate::RiskType, UnknownCode> {
        crate::RiskType::ALL
            .iter()
            .copied()
            .find(|r| r.code() == s)
            .ok_or(UnknownCode { what: "risk type" })
    }
}

/// Which rule of which rule set version raised a warning.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RuleRef {
    /// Rule id within its set.
    pub rule_id: String,
    /// Region of the set (`national`, a province or a county code).
    pub set_region: String,
    /// First day of the set.
    pub set_from: NaiveDate,
    /// Version of the set.
    pub set_version: i64,
    /// Name of the set.
    pub set_name: String,
}

/// A stored department row as evidence of a warning: decoded by the
/// codec that encoded it (serde of the typed row) and read by a role that
/// may not see health data with those fields withheld. Implemented by
/// the screening crate's typed row; the store decodes through it without
/// knowing the type.
pub trait EvidencePayload: serde::de::DeserializeOwned {
    /// Removes the health data (a diagnosis) from the row; the names of
    /// the fields removed.
    fn withhold_health(&mut self) -> Vec<&'static str>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_labels_and_departments_parse_back() {
        for k in FeedKind::ALL {
            assert_eq!(FeedKind::parse(k.code()), Some(k));
            assert_eq!(FeedKind::from_code(k.code()), Some(k));
            assert_eq!(FeedKind::parse(k.label_zh()), Some(k));
            assert_eq!(FeedKind::parse(&k.label_en().to_uppercase()), Some(k));
            assert_eq!(FeedKind::parse(k.department_zh()), Some(k));
        }
        assert_eq!(FeedKind::parse("tax"), None);
        assert_eq!(
            FeedKind::from_code("医保"),
            None,
            "storage reads codes only"
        );
    }

    #[test]
    fn every_condition_parses_back_and_every_feed_has_one() {
        for c in Condition::ALL {
            assert_eq!(Condition::parse(c.code()), Some(c));
            assert_eq!(
                serde_json::to_string(&c).unwrap(),
                format!("\"{}\"", c.code())
            );
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

    #[test]
    fn unknown_stored_codes_are_errors() {
        assert_eq!(
            WarningStatus::try_from("closed".to_string()),
            Err(UnknownCode {
                what: "warning status"
            })
        );
        assert_eq!(
            WarningStatus::try_from("dismissed".to_string()),
            Ok(WarningStatus::Dismissed)
        );
        assert!(Severity::try_from("高".to_string()).is_err());
        assert!(Condition::try_from("dropped_out".to_string()).is_ok());
    }
}
