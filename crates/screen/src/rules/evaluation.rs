//! `[evaluation]`: the indicators of the performance evaluation
//! (绩效评价/考核) of townships and counties, each with its weight and the
//! values that give full and no marks. The indicators are read from the
//! figures the system already keeps (docs/figures.md, "Evaluation"); the
//! numbers are policy, so they live in the rule files, versioned per
//! region and year like the rest.

use serde::Serialize;

/// An indicator the evaluation can read from the figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// Median days from lead to identification (识别用时中位数), days.
    IdentificationMedianDays,
    /// 90th percentile of those days (识别用时P90), days.
    IdentificationP90Days,
    /// Open cases overdue today per 100 monitored households (超期案件率), %.
    OverdueRate,
    /// Monitored households without an ongoing measure (无帮扶措施户占比), %.
    WithoutMeasure,
    /// Members able to work without a development measure (未落实开发式帮扶占比), %.
    AbleWithoutDevelopment,
    /// Warnings decided (verified, dismissed or attached) per 100 raised in the period (预警处置率), %.
    WarningsHandled,
    /// Elimination rollbacks per 100 eliminations in the period (风险消除回退率), %.
    RolledBack,
    /// 住房安全保障率, %.
    CoverageHousing,
    /// 饮水安全保障率, %.
    CoverageWater,
    /// 义务教育保障率, %.
    CoverageEducation,
    /// 基本医疗保障率, %.
    CoverageMedical,
}

impl Indicator {
    /// Every indicator, in the order pages show them.
    pub const ALL: [Indicator; 11] = [
        Indicator::IdentificationMedianDays,
        Indicator::IdentificationP90Days,
        Indicator::OverdueRate,
        Indicator::WithoutMeasure,
        Indicator::AbleWithoutDevelopment,
        Indicator::WarningsHandled,
        Indicator::RolledBack,
        Indicator::CoverageHousing,
        Indicator::CoverageWater,
        Indicator::CoverageEducation,
        Indicator::CoverageMedical,
    ];

    /// The code of the rule file and the JSON.
    pub fn code(self) -> &'static str {
        match self {
            Indicator::IdentificationMedianDays => "identification_median_days",
            Indicator::IdentificationP90Days => "identification_p90_days",
            Indicator::OverdueRate => "overdue_rate",
            Indicator::WithoutMeasure => "without_measure",
            Indicator::AbleWithoutDevelopment => "able_without_development",
            Indicator::WarningsHandled => "warnings_handled",
            Indicator::RolledBack => "rolled_back",
            Indicator::CoverageHousing => "coverage_housing",
            Indicator::CoverageWater => "coverage_water",
            Indicator::CoverageEducation => "coverage_education",
            Indicator::CoverageMedical => "coverage_medical",
        }
    }

    /// The indicator of a code.
    pub fn parse(s: &str) -> Option<Indicator> {
        Indicator::ALL.into_iter().find(|i| i.code() == s.trim())
    }

    /// 中文.
    pub fn label_zh(self) -> &'static str {
        match self {
            Indicator::IdentificationMedianDays => "识别用时中位数",
            Indicator::IdentificationP90Days => "识别用时P90",
            Indicator::OverdueRate => "超期案件率",
            Indicator::WithoutMeasure => "无帮扶措施户占比",
            Indicator::AbleWithoutDevelopment => "有劳动能力未落实开发式帮扶占比",
            Indicator::WarningsHandled => "预警处置率",
            Indicator::RolledBack => "风险消除回退率",
            Indicator::CoverageHousing => "住房安全保障率",
            Indicator::CoverageWater => "饮水安全保障率",
            Indicator::CoverageEducation => "义务教育保障率",
            Indicator::CoverageMedical => "基本医疗保障率",
        }
    }

    /// English.
    pub fn label_en(self) -> &'static str {
        match self {
            Indicator::IdentificationMedianDays => "Identification days, median",
            Indicator::IdentificationP90Days => "Identification days, P90",
            Indicator::OverdueRate => "Overdue cases per 100 monitored",
            Indicator::WithoutMeasure => "Monitored households without a measure",
            Indicator::AbleWithoutDevelopment => "Able members without a development measure",
            Indicator::WarningsHandled => "Warnings decided",
            Indicator::RolledBack => "Eliminations rolled back",
            Indicator::CoverageHousing => "Housing safety coverage",
            Indicator::CoverageWater => "Drinking-water coverage",
            Indicator::CoverageEducation => "Compulsory education coverage",
            Indicator::CoverageMedical => "Basic medical insurance coverage",
        }
    }

    /// Whether the value is a share in % (else days).
    pub fn is_percent(self) -> bool {
        !matches!(
            self,
            Indicator::IdentificationMedianDays | Indicator::IdentificationP90Days
        )
    }
}

/// One indicator's weight and scale: `full` marks at `full` (or better),
/// none at `zero` (or worse), in a straight line between. `full` below
/// `zero` means lower is better (days, shares of what is missing).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct IndicatorRule {
    /// Which indicator.
    pub indicator: Indicator,
    /// Its points at full marks.
    pub weight: f64,
    /// The value giving full marks (the target).
    pub full: f64,
    /// The value giving no marks.
    pub zero: f64,
}

impl IndicatorRule {
    /// The points of `value`: `weight × (value − zero) / (full − zero)`,
    /// kept between 0 and `weight`, rounded to two decimals.
    pub fn points(&self, value: f64) -> f64 {
        let share = ((value - self.zero) / (self.full - self.zero)).clamp(0.0, 1.0);
        (self.weight * share * 100.0).round() / 100.0
    }
}

/// `[evaluation]`: the indicators, in file order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvaluationPolicy {
    /// The indicators, each once.
    pub indicators: Vec<IndicatorRule>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_follow_the_line_both_ways() {
        let up = IndicatorRule {
            indicator: Indicator::CoverageHousing,
            weight: 10.0,
            full: 100.0,
            zero: 80.0,
        };
        assert_eq!(up.points(100.0), 10.0);
        assert_eq!(up.points(90.0), 5.0);
        assert_eq!(up.points(50.0), 0.0);
        let down = IndicatorRule {
            indicator: Indicator::IdentificationMedianDays,
            weight: 20.0,
            full: 10.0,
            zero: 30.0,
        };
        assert_eq!(down.points(5.0), 20.0);
        assert_eq!(down.points(25.0), 5.0);
        assert_eq!(down.points(40.0), 0.0);
        for i in Indicator::ALL {
            assert_eq!(Indicator::parse(i.code()), Some(i));
        }
    }
}
