//! Why a warning was raised, in words an officer reads: the rule's
//! description (中文 and English, from the rule file), the threshold of
//! the rule set that raised it, the evidence's value measured the way the
//! condition measures it (the 12-month self-paid total is the sum of the
//! rows; one stay is the largest; a disaster's loss and a water outage's
//! days are summed) and by how much it is over. Built once here, from the
//! rule set and the evidence rows; pages only show it.

use super::set::{Rule, RuleSet};
use crate::feed::yuan;
use crate::feed::{FeedRow, VisitType};
use dixian_domain::screening::Condition;

/// What a measured value is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Money, in 分 (shown in 元).
    Fen,
    /// Days.
    Days,
}

/// How the value stands to the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// The value is above the threshold (a total, a stay, a loss, days).
    Above,
    /// `income_below_line`: the value is the 人社 rows' change of yearly
    /// income (12 × each worker's change of monthly income, first to last
    /// row), the threshold the monitoring line per person per year; the
    /// household's income per person (registry income plus the change)
    /// was below the line on the as-of date.
    IncomeChange,
}

/// The evidence measured against the rule's threshold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measured {
    /// How value and threshold compare.
    pub comparison: Comparison,
    /// What the numbers count.
    pub unit: Unit,
    /// The threshold of the rule set in force (分 or days).
    pub threshold: i64,
    /// The evidence's value (summed, or the largest row for a per-stay rule).
    pub value: i64,
    /// How many rows the value rests on.
    pub rows: usize,
}

impl Measured {
    /// How much the value is above the threshold (0 when it is not).
    pub fn excess(&self) -> i64 {
        (self.value - self.threshold).max(0)
    }

    /// `n` in the value's unit: 元 (from 分) or days.
    pub fn unit_amount(&self, n: i64, english: bool) -> String {
        match (self.unit, english) {
            (Unit::Fen, _) => format!("{} 元", yuan(n)),
            (Unit::Days, false) => format!("{n} 天"),
            (Unit::Days, true) => format!("{n} days"),
        }
    }

    /// 阈值 … 元，合计 … 元，超出 … 元 (or in English); for income, the
    /// 人社 change against the line.
    pub fn sentence(&self, english: bool) -> String {
        if self.comparison == Comparison::IncomeChange {
            let (t, v) = (
                self.unit_amount(self.threshold, english),
                self.unit_amount(self.value, english),
            );
            let n = self.rows;
            return if english {
                format!(
                    "the {n} employment (人社) rows change the household's yearly income by {v}; with it, the registry income per person is below the monitoring line of {t} per person per year"
                )
            } else {
                format!(
                    "人社{n}行月收入变化折合每年 {v}，计入后家庭登记人均年收入低于监测线 {t}/人/年"
                )
            };
        }
        let (t, v, x) = (
            self.unit_amount(self.threshold, english),
            self.unit_amount(self.value, english),
            self.unit_amount(self.excess(), english),
        );
        if english {
            format!("{v} against a threshold of {t}: {x} over")
        } else {
            format!("合计 {v}，阈值 {t}，超出 {x}")
        }
    }
}

/// A warning's explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The rule's description in Chinese (the condition's name when the
    /// rule file gives none).
    pub description_zh: String,
    /// The rule's description in English.
    pub description_en: String,
    /// The measured value against the threshold, for conditions that
    /// compare a number.
    pub measured: Option<Measured>,
}

/// The explanation of a warning of `rule` (of `set`, the version that
/// raised it) resting on `rows`.
pub fn explain(set: &RuleSet, rule: &Rule, rows: &[&FeedRow]) -> Explanation {
    let (zh, en) = describe(rule);
    Explanation {
        description_zh: zh,
        description_en: en,
        measured: measure(set, rule.condition, rows),
    }
}

/// The rule's description in both languages: the rule file's fields, or
/// the condition's own name.
pub fn describe(rule: &Rule) -> (String, String) {
    let zh = rule
        .description
        .clone()
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| rule.condition.label_zh().to_string());
    let en = rule
        .description_en
        .clone()
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| rule.condition.label_en().to_string());
    (zh, en)
}

fn measure(set: &RuleSet, condition: Condition, rows: &[&FeedRow]) -> Option<Measured> {
    use Condition as C;
    let medical = || {
        rows.iter().filter_map(|r| match r {
            FeedRow::Medical(m) => Some(m),
            _ => None,
        })
    };
    let of = |unit, threshold, value, rows| {
        Some(Measured {
            comparison: Comparison::Above,
            unit,
            threshold,
            value,
            rows,
        })
    };
    match condition {
        C::SelfPaid12mAboveThreshold => {
            let m = set.medical.as_ref()?;
            let sum = medical().map(|r| r.self_paid_fen).sum();
            of(Unit::Fen, m.self_paid_12_months_fen, sum, medical().count())
        }
        C::SelfPaidPerStayAboveThreshold => {
            let m = set.medical.as_ref()?;
            let stays = || medical().filter(|r| r.visit_type == VisitType::Inpatient);
            let largest = stays().map(|r| r.self_paid_fen).max()?;
            of(Unit::Fen, m.self_paid_per_stay_fen, largest, 1)
        }
        C::DisasterLossAboveThresholdOrCollapse => {
            let d = set.disaster.as_ref()?;
            let losses: Vec<i64> = rows
                .iter()
                .filter_map(|r| match r {
                    FeedRow::Disaster(d) => Some(d.loss_fen),
                    _ => None,
                })
                .collect();
            of(Unit::Fen, d.loss_fen, losses.iter().sum(), losses.len())
        }
        C::WaterOutageDaysAboveLimit => {
            let w = set.water.as_ref()?;
            let days: Vec<i64> = rows
                .iter()
                .filter_map(|r| match r {
                    FeedRow::Water(w) => Some(w.days()),
                    _ => None,
                })
                .collect();
            of(
                Unit::Days,
                i64::from(w.outage_days_limit),
                days.iter().sum(),
                days.len(),
            )
        }
        C::IncomeBelowLine => {
            let mut jobs: Vec<_> = rows
                .iter()
                .enumerate()
                .filter_map(|(i, r)| match r {
                    FeedRow::Employment(e) => Some((e.id_number.as_str(), e.date, i, e)),
                    _ => None,
                })
                .collect();
            jobs.sort_unstable_by_key(|j| (j.0, j.1, j.2));
            let change: i64 = jobs
                .chunk_by(|a, b| a.0 == b.0)
                .map(|w| {
                    let (first, last) = (w[0].3, w[w.len() - 1].3);
                    12 * (last.monthly_income_fen - first.monthly_income_fen)
                })
                .sum();
            Some(Measured {
                comparison: Comparison::IncomeChange,
                unit: Unit::Fen,
                threshold: set.monitoring_line_fen,
                value: change,
                rows: jobs.len(),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::MedicalRow;
    use crate::rules::RuleBook;
    use chrono::NaiveDate;
    use dixian_domain::IdNumber;

    fn yunnan() -> RuleSet {
        let book = RuleBook::shipped();
        let region = dixian_domain::RegionCode::parse("530102").unwrap();
        book.select(&region, NaiveDate::from_ymd_opt(2025, 6, 1).unwrap())
            .expect("Yunnan 2025")
            .clone()
    }

    fn stay(self_paid_fen: i64, visit_type: VisitType) -> FeedRow {
        FeedRow::Medical(MedicalRow {
            id_number: IdNumber::from_parts(
                "530102",
                NaiveDate::from_ymd_opt(1960, 1, 1).unwrap(),
                11,
            )
            .unwrap(),
            name: "张三".into(),
            settled_on: NaiveDate::from_ymd_opt(2025, 5, 1).unwrap(),
            visit_type,
            total_cost_fen: self_paid_fen * 2,
            insurance_paid_fen: self_paid_fen,
            self_paid_fen,
            diagnosis: None,
        })
    }

    #[test]
    fn the_twelve_month_total_is_the_sum_of_the_rows() {
        let set = yunnan();
        let rule = set
            .rules
            .iter()
            .find(|r| r.condition == Condition::SelfPaid12mAboveThreshold)
            .unwrap();
        // 30,000 + 18,500.50 + 4,000 元 = 52,500.50 元; Yunnan 2025: 50,000 元.
        let rows = [
            stay(3_000_000, VisitType::Inpatient),
            stay(1_850_050, VisitType::Outpatient),
            stay(400_000, VisitType::Inpatient),
        ];
        let e = explain(&set, rule, &rows.iter().collect::<Vec<_>>());
        let m = e.measured.unwrap();
        assert_eq!((m.value, m.threshold, m.rows), (5_250_050, 5_000_000, 3));
        assert_eq!(m.excess(), 250_050);
        assert_eq!(
            m.sentence(false),
            "合计 52500.50 元，阈值 50000.00 元，超出 2500.50 元"
        );
        assert!(m.sentence(true).contains("2500.50 元 over"));
        assert!(e.description_zh.contains("12个月"), "{}", e.description_zh);
        assert!(!e.description_en.is_empty());
    }

    #[test]
    fn one_stay_is_the_largest_inpatient_row() {
        let set = yunnan();
        let rule = set
            .rules
            .iter()
            .find(|r| r.condition == Condition::SelfPaidPerStayAboveThreshold)
            .unwrap();
        let rows = [
            stay(700_000, VisitType::Inpatient),
            stay(900_000, VisitType::Outpatient),
        ];
        let m = explain(&set, rule, &rows.iter().collect::<Vec<_>>())
            .measured
            .unwrap();
        // 7,000 元 against Yunnan's 6,000 元 per stay: 1,000 元 over.
        assert_eq!(
            (m.value, m.threshold, m.excess()),
            (700_000, 600_000, 100_000)
        );
    }

    #[test]
    fn a_rule_without_a_number_has_its_words_only() {
        let set = yunnan();
        let rule = set
            .rules
            .iter()
            .find(|r| r.condition == Condition::DisabilityNewOrWorse)
            .unwrap();
        let e = explain(&set, rule, &[]);
        assert_eq!(e.measured, None);
        assert!(!e.description_zh.is_empty() && !e.description_en.is_empty());
    }
}
