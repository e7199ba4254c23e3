//! 帮扶成效: whether a plan's measures work, read from the follow-up
//! visits. Income before and after the plan's start; each development
//! measure older than `effect_review_months` without an effect is flagged
//! for adjustment; where development falls short — income still below the
//! monitoring line after the review period — protection is suggested on
//! top (单一帮扶不足则叠加兜底保障).

use super::catalogue::{AssistancePolicy, MeasureCatalogue, MeasureClass};
use super::check::term_end;
use super::record::{FollowUpVisit, Measure, MeasureEffect, MeasureStatus};
use crate::coded::coded_enum;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Income per person per year before and after a day, from the visits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IncomeChange {
    /// The latest visit period ending before the day: income per person
    /// per year, in 分.
    pub before_fen: Option<i64>,
    /// The latest visit period starting on or after the day, in 分.
    pub after_fen: Option<i64>,
}

impl IncomeChange {
    /// After minus before, when both are known.
    pub fn change_fen(&self) -> Option<i64> {
        Some(self.after_fen?.saturating_sub(self.before_fen?))
    }
}

/// The latest visit (by the end of its period, then the visit day) among
/// those `keep` accepts.
fn latest(
    visits: &[FollowUpVisit],
    keep: impl Fn(&FollowUpVisit) -> bool,
) -> Option<&FollowUpVisit> {
    visits
        .iter()
        .filter(|v| v.period_from <= v.period_to && keep(v))
        .max_by_key(|v| (v.period_to, v.visited_on))
}

/// Income before and after `day` (a plan's start, a measure's start): the
/// latest period that ends before it and the latest that starts on or
/// after it. A period spanning the day is neither.
pub fn income_change(day: NaiveDate, visits: &[FollowUpVisit]) -> IncomeChange {
    let per = |v: Option<&FollowUpVisit>| v.and_then(FollowUpVisit::per_person_annual_fen);
    IncomeChange {
        before_fen: per(latest(visits, |v| v.period_to < day)),
        after_fen: per(latest(visits, |v| v.period_from >= day)),
    }
}

coded_enum! {
    /// Why a development measure is flagged for adjustment.
    AdjustReason {
        /// The latest visit judged it 需调整.
        CadreAsked => ("cadre_asked", "回访认定需调整", "The visit asks for adjustment"),
        /// The latest visit judged it 未见效.
        NoEffectJudged => ("no_effect_judged", "回访认定未见效", "The visit found no effect"),
        /// Income after its start is not above income before it.
        IncomeNotUp => ("income_not_up", "收入未增加", "Income did not rise"),
        /// No visit recorded income since it started.
        NoVisit => ("no_visit", "开始后无回访收入记录", "No visit since it started"),
    }
}

/// One development measure to adjust.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MeasureToAdjust {
    /// The measure's id (as given with it).
    pub measure: i64,
    /// Why.
    pub reason: AdjustReason,
    /// With the figures (English, then Chinese).
    pub why: String,
}

/// The suggestion to stack protection on a plan whose development falls
/// short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StackProtection {
    /// The latest income per person per year, in 分.
    pub income_fen: i64,
    /// The monitoring line, in 分.
    pub line_fen: i64,
    /// Why (English, then Chinese).
    pub why: String,
}

/// The effect review of one plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EffectReview {
    /// Income before and after the plan's start.
    pub income: IncomeChange,
    /// Development measures past their review without an effect.
    pub adjust: Vec<MeasureToAdjust>,
    /// Protection to stack on top, when development falls short.
    pub stack_protection: Option<StackProtection>,
}

/// Reviews a plan started on `plan_start` on `today`: `measures` are the
/// household's, each with its id (the one visits' [`MeasureCheck`]s name);
/// `line_fen` the monitoring line in force.
///
/// A development measure not stopped (nor one resting on another, like a
/// 贴息: its loan is reviewed), started at least
/// `effect_review_months` ago, is flagged unless the latest visit that
/// judged it found it effective; a visit's judgement (需调整, 未见效)
/// flags it; without one, income is compared across its start (no rise,
/// or no income recorded since, flags it). Protection is suggested when a
/// development measure is past its review, the latest recorded income is
/// below the line, and no protection measure runs today.
///
/// [`MeasureCheck`]: super::record::MeasureCheck
pub fn effect_review(
    measures: &[(i64, Measure)],
    visits: &[FollowUpVisit],
    catalogue: &MeasureCatalogue,
    policy: &AssistancePolicy,
    line_fen: i64,
    plan_start: NaiveDate,
    today: NaiveDate,
) -> EffectReview {
    let class = |m: &Measure| catalogue.get(m.kind).map(|r| r.class);
    let reviewed: Vec<&(i64, Measure)> = measures
        .iter()
        .filter(|(_, m)| {
            class(m) == Some(MeasureClass::Development)
                && m.kind.requires().is_none()
                && m.status != MeasureStatus::Stopped
                && term_end(m.starts_on, policy.effect_review_months) <= today
        })
        .collect();
    let adjust = reviewed
        .iter()
        .filter_map(|(id, m)| to_adjust(*id, m, visits))
        .collect();
    let protected = measures
        .iter()
        .any(|(_, m)| class(m) == Some(MeasureClass::Protection) && m.runs_on(today));
    let last = latest(visits, |_| true).and_then(FollowUpVisit::per_person_annual_fen);
    let stack_protection = match last {
        Some(income) if !reviewed.is_empty() && !protected && income < line_fen => {
            Some(StackProtection {
                income_fen: income,
                line_fen,
                why: format!(
                    "{} development measure(s) past the {}-month review and income per person is {income} 分 a year, \
                     below the line of {line_fen} 分: stack social protection (开发式帮扶已满{}个月，人均收入仍低于监测线，建议叠加兜底保障)",
                    reviewed.len(),
                    policy.effect_review_months,
                    policy.effect_review_months
                ),
            })
        }
        _ => None,
    };
    EffectReview {
        income: income_change(plan_start, visits),
        adjust,
        stack_protection,
    }
}

fn to_adjust(id: i64, m: &Measure, visits: &[FollowUpVisit]) -> Option<MeasureToAdjust> {
    let judged = visits
        .iter()
        .filter_map(|v| {
            let check = v.measures.iter().find(|c| c.measure == id)?;
            Some((v.visited_on, check.effect))
        })
        .max_by_key(|(day, _)| *day);
    let (reason, why) = match judged {
        Some((_, MeasureEffect::Effective)) => return None,
        Some((day, MeasureEffect::Adjust)) => (
            AdjustReason::CadreAsked,
            format!("the visit of {day} asks to adjust it ({day}回访认定需调整)"),
        ),
        Some((day, MeasureEffect::NoEffect)) => (
            AdjustReason::NoEffectJudged,
            format!("the visit of {day} found no effect ({day}回访认定未见效)"),
        ),
        None => {
            let change = income_change(m.starts_on, visits);
            match (change.before_fen, change.after_fen) {
                (_, None) => (
                    AdjustReason::NoVisit,
                    format!(
                        "no income recorded since it started on {} (自{}开始后无收入记录)",
                        m.starts_on, m.starts_on
                    ),
                ),
                (Some(before), Some(after)) if after <= before => (
                    AdjustReason::IncomeNotUp,
                    format!(
                        "income per person {before} → {after} 分 a year since it started on {} (开始后人均收入未增加)",
                        m.starts_on
                    ),
                ),
                _ => return None,
            }
        }
    };
    Some(MeasureToAdjust {
        measure: id,
        reason,
        why: format!("{}: {why}", m.kind.code()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assistance::catalogue::MeasureKind;
    use crate::assistance::fixtures::*;
    use crate::assistance::record::{BasicNeeds, IncomeBySource, MeasureCheck};
    use crate::household::Relation;

    const SECURE: BasicNeeds = BasicNeeds {
        food: true,
        clothing: true,
        schooling: true,
        medical: true,
        housing: true,
        water: true,
    };

    /// A visit recording one person's income over a year-long period
    /// ending `to` at `per_year` 分 a year.
    fn visit(from: NaiveDate, to: NaiveDate, total_fen: i64) -> FollowUpVisit {
        FollowUpVisit {
            visited_on: to,
            period_from: from,
            period_to: to,
            income: IncomeBySource {
                wage_fen: total_fen,
                ..IncomeBySource::default()
            },
            persons: 1,
            needs: SECURE,
            measures: Vec::new(),
            note: String::new(),
        }
    }

    /// 73 days (a fifth of a year) from the first of month `m`, income
    /// `per_year` 分 a year (a multiple of 5: no rounding).
    fn quarter(y: i32, m: u32, per_year: i64) -> FollowUpVisit {
        let from = ymd(y, m, 1);
        let to = from + chrono::Days::new(72);
        visit(from, to, per_year / 5)
    }

    fn job() -> (i64, Measure) {
        let h = household(vec![member(Relation::Head, ymd(1980, 1, 1), 1)]);
        (
            7,
            measure(
                Some(&h.members[0]),
                MeasureKind::Employment,
                ymd(2024, 10, 1),
                None,
            ),
        )
    }

    const LINE: i64 = 870_000;

    fn review(measures: &[(i64, Measure)], visits: &[FollowUpVisit]) -> EffectReview {
        effect_review(
            measures,
            visits,
            &catalogue(),
            &policy(),
            LINE,
            ymd(2024, 10, 1),
            today(),
        )
    }

    #[test]
    fn income_before_and_after_the_start() {
        let visits = [
            quarter(2024, 4, 600_000),
            quarter(2024, 7, 650_000),
            quarter(2025, 1, 900_000),
        ];
        let c = income_change(ymd(2024, 10, 1), &visits);
        let per = |v: &FollowUpVisit| v.per_person_annual_fen();
        assert_eq!(c.before_fen, per(&visits[1]));
        assert_eq!(c.after_fen, per(&visits[2]));
        assert!(c.change_fen().unwrap() > 240_000);
        // a period spanning the day counts for neither side
        let c = income_change(ymd(2024, 8, 15), &visits);
        assert_eq!(c.before_fen, per(&visits[0]));
        assert_eq!(c.after_fen, per(&visits[2]));
        assert_eq!(income_change(ymd(2026, 1, 1), &[]).change_fen(), None);
    }

    #[test]
    fn development_without_effect_is_flagged_after_the_review() {
        let j = job();
        // income up after the start: no flag
        let up = [quarter(2024, 7, 600_000), quarter(2025, 1, 900_000)];
        assert_eq!(review(std::slice::from_ref(&j), &up).adjust, []);
        // income flat: flagged, with the figures
        let flat = [quarter(2024, 7, 600_000), quarter(2025, 1, 600_000)];
        let r = review(std::slice::from_ref(&j), &flat);
        assert_eq!(r.adjust.len(), 1);
        assert_eq!(
            (r.adjust[0].measure, r.adjust[0].reason),
            (7, AdjustReason::IncomeNotUp)
        );
        // no visit since it started
        let r = review(std::slice::from_ref(&j), &flat[..1]);
        assert_eq!(r.adjust[0].reason, AdjustReason::NoVisit);
        // not yet reviewed: started less than effect_review_months ago
        let mut young = j.clone();
        young.1.starts_on = ymd(2024, 12, 16);
        assert_eq!(review(&[young], &flat).adjust, []);
        young = j.clone();
        young.1.starts_on = ymd(2024, 12, 15);
        assert_eq!(
            review(&[young], &flat[..1]).adjust.len(),
            1,
            "six months exactly"
        );
        // a protection measure is not reviewed
        let mut dibao = j.clone();
        dibao.1.kind = MeasureKind::Dibao;
        assert_eq!(review(&[dibao], &flat).adjust, []);
        // nor a 贴息: its effect is its loan's, reviewed on the loan
        let mut loan = j.clone();
        loan.1.kind = MeasureKind::SmallLoan;
        assert_eq!(review(std::slice::from_ref(&loan), &flat).adjust.len(), 1);
        let mut subsidy = j.clone();
        subsidy.1.kind = MeasureKind::LoanInterestSubsidy;
        assert_eq!(review(&[subsidy], &flat).adjust, []);
    }

    #[test]
    fn the_latest_judgement_of_a_visit_decides() {
        let j = job();
        let judged = |effect| {
            let mut v = quarter(2025, 1, 600_000);
            v.measures.push(MeasureCheck {
                measure: 7,
                status: MeasureStatus::Ongoing,
                effect,
            });
            v
        };
        let base = quarter(2024, 7, 600_000);
        let r = review(
            std::slice::from_ref(&j),
            &[base.clone(), judged(MeasureEffect::Effective)],
        );
        assert_eq!(r.adjust, [], "the cadre found it effective");
        let r = review(
            std::slice::from_ref(&j),
            &[base.clone(), judged(MeasureEffect::Adjust)],
        );
        assert_eq!(r.adjust[0].reason, AdjustReason::CadreAsked);
        let mut later = judged(MeasureEffect::Effective);
        later.visited_on = ymd(2025, 5, 1);
        let r = review(&[j], &[base, judged(MeasureEffect::NoEffect), later]);
        assert_eq!(r.adjust, []);
    }

    #[test]
    fn protection_is_stacked_when_development_falls_short() {
        let j = job();
        let low = [quarter(2024, 7, 600_000), quarter(2025, 1, 700_000)];
        let r = review(std::slice::from_ref(&j), &low);
        let s = r.stack_protection.expect("below the line after the review");
        assert_eq!(
            (s.income_fen, s.line_fen),
            (low[1].per_person_annual_fen().unwrap(), LINE)
        );
        assert!(s.why.contains("叠加兜底"));
        // at the line: no
        let enough = [quarter(2024, 7, 600_000), quarter(2025, 1, LINE)];
        assert!(
            review(std::slice::from_ref(&j), &enough)
                .stack_protection
                .is_none()
        );
        // protection already runs: no
        let mut dibao = j.clone();
        dibao.1.kind = MeasureKind::Dibao;
        assert!(
            review(&[j.clone(), (8, dibao.1)], &low)
                .stack_protection
                .is_none()
        );
        // development not yet past its review: no
        let mut young = j;
        young.1.starts_on = ymd(2025, 3, 1);
        assert!(review(&[young], &low).stack_protection.is_none());
    }

    proptest::proptest! {
        /// Whatever the visits and measures: only development measures
        /// not stopped and past their review are flagged, each once; and
        /// protection is suggested only below the line.
        #[test]
        fn flags_only_what_is_due(
            raw in proptest::collection::vec(
                (proptest::sample::select(MeasureKind::ALL), 0u64..900, proptest::sample::select(MeasureStatus::ALL)),
                0..6,
            ),
            periods in proptest::collection::vec((0u64..900, 1u64..200, -100_000i64..2_000_000, 0u32..4), 0..6),
        ) {
            let h = household(vec![member(Relation::Head, ymd(1980, 1, 1), 1)]);
            let start = ymd(2023, 1, 1);
            let measures: Vec<(i64, Measure)> = raw
                .iter()
                .enumerate()
                .map(|(i, (kind, from, status))| {
                    let mut m = measure(Some(&h.members[0]), *kind, start + chrono::Days::new(*from), None);
                    m.status = *status;
                    (i as i64, m)
                })
                .collect();
            let visits: Vec<FollowUpVisit> = periods
                .iter()
                .map(|(from, len, total, persons)| {
                    let f = start + chrono::Days::new(*from);
                    let mut v = visit(f, f + chrono::Days::new(*len), *total);
                    v.persons = *persons;
                    v
                })
                .collect();
            let c = catalogue();
            let r = effect_review(&measures, &visits, &c, &policy(), LINE, start, today());
            let mut seen = std::collections::HashSet::new();
            for a in &r.adjust {
                proptest::prop_assert!(seen.insert(a.measure), "flagged twice");
                let m = &measures[a.measure as usize].1;
                proptest::prop_assert_eq!(c.get(m.kind).map(|r| r.class), Some(MeasureClass::Development));
                proptest::prop_assert!(m.status != MeasureStatus::Stopped);
                proptest::prop_assert!(m.starts_on.checked_add_months(chrono::Months::new(6)).unwrap() <= today());
            }
            if let Some(s) = r.stack_protection {
                proptest::prop_assert!(s.income_fen < s.line_fen);
            }
        }
    }
}
