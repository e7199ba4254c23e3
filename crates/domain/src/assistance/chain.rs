//! 一户(人)一条救助链: the checks over every measure of a household, what
//! the chain report lists per village and township. Each finding names its
//! rule ([`ChainRule`]) and its evidence: the indexes of the measures in
//! the slice given, and the person.

use super::catalogue::{AssistancePolicy, MeasureCatalogue, MeasureClass, MeasureKind};
use super::check::{covering, last_day, term_end};
use super::propose::able_to_work;
use super::record::{Measure, MeasureStatus};
use crate::coded::coded_enum;
use crate::household::Household;
use crate::id_number::IdNumber;
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

coded_enum! {
    /// 救助链规则: a rule of the chain report.
    ChainRule {
        /// Two kinds that exclude each other run for one person on a same day.
        ExclusiveOverlap => ("exclusive_overlap", "互斥措施重叠", "Exclusive measures overlap"),
        /// One kind for one person (or the household) from two sources or
        /// departments over a same day: a double payment.
        DoublePayment => ("double_payment", "重复享受", "Same benefit from two sources"),
        /// A monitored household without any measure `first_measure_days`
        /// after identification.
        NoMeasureInTime => ("no_measure_in_time", "逾期未落实帮扶措施", "No measure in time"),
        /// A member able to work without a development measure.
        WorkerWithoutDevelopment => ("worker_without_development", "有劳动能力未落实开发式帮扶", "Able to work, no development measure"),
        /// A small loan past its term and not repaid.
        LoanPastTerm => ("loan_past_term", "小额信贷逾期", "Small loan past its term"),
        /// An interest subsidy (贴息) whose person holds no small loan
        /// covering its days.
        SubsidyWithoutLoan => ("subsidy_without_loan", "贴息无对应贷款", "Interest subsidy without a loan covering it"),
    }
}

/// One finding of the chain report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChainFinding {
    /// The rule.
    pub rule: ChainRule,
    /// The person it is about; `None` for the household.
    #[schema(value_type = Option<String>)]
    pub person: Option<IdNumber>,
    /// Indexes of the measures it rests on, in the slice checked
    /// (ascending; empty for a missing measure).
    pub measures: Vec<usize>,
    /// Why, with the kinds and dates (English, then Chinese; no personal data).
    pub why: String,
}

/// Every finding over `measures` of `household` on `today`.
/// `identified_on` is the day the household became monitored (`None`: not
/// monitored, the two "missing measure" rules do not apply). A member able
/// to work is given `first_measure_days` after identification to receive a
/// development measure, as the household is to receive a first measure.
/// A household measure (`person` = `None`) counts for every member.
pub fn chain_findings(
    household: &Household,
    measures: &[Measure],
    identified_on: Option<NaiveDate>,
    catalogue: &MeasureCatalogue,
    policy: &AssistancePolicy,
    today: NaiveDate,
) -> Vec<ChainFinding> {
    let mut out = Vec::new();
    pairs(measures, catalogue, &mut out);
    if let Some(since) = identified_on {
        let due = since
            .checked_add_days(Days::new(u64::from(policy.first_measure_days)))
            .unwrap_or(NaiveDate::MAX);
        if today > due {
            missing(household, measures, since, due, catalogue, today, &mut out);
        }
    }
    loans(measures, catalogue, today, &mut out);
    resting(measures, catalogue, &mut out);
    out
}

/// Measures resting on another kind (贴息 on a small loan) that no
/// measure of the same person covers: the evidence is the measure and the
/// person's measures of the required kind (none covering it).
fn resting(measures: &[Measure], catalogue: &MeasureCatalogue, out: &mut Vec<ChainFinding>) {
    for (i, m) in measures.iter().enumerate() {
        let Some(required) = m.kind.requires() else {
            continue;
        };
        if !covering(m, measures, catalogue).is_empty() {
            continue;
        }
        let held: Vec<usize> = measures
            .iter()
            .enumerate()
            .filter(|(_, x)| x.kind == required && x.person == m.person)
            .map(|(j, _)| j)
            .collect();
        let end = m.ends_on.unwrap_or(m.starts_on);
        let seen = if held.is_empty() {
            format!(
                "the person has no {} (该人员没有{})",
                required.code(),
                required.label_zh()
            )
        } else {
            let spans: Vec<String> = held
                .iter()
                .map(|&j| {
                    format!(
                        "#{j} {} to {}",
                        measures[j].starts_on,
                        last_day(&measures[j], catalogue)
                    )
                })
                .collect();
            format!(
                "the person's {}: {} (该人员的{}均不覆盖该期间)",
                required.code(),
                spans.join(", "),
                required.label_zh()
            )
        };
        let mut evidence = vec![i];
        evidence.extend(held);
        evidence.sort_unstable();
        out.push(ChainFinding {
            rule: ChainRule::SubsidyWithoutLoan,
            person: m.person.clone(),
            measures: evidence,
            why: format!(
                "{} #{i} from {} to {end} is not covered by a {} of the same person; {seen} ({}{}至{end}无对应{})",
                m.kind.code(),
                m.starts_on,
                required.code(),
                m.kind.label_zh(),
                m.starts_on,
                required.label_zh()
            ),
        });
    }
}

/// Whether two measures reach one person: the same person, or one of them
/// for the whole household.
fn same_receiver(a: &Measure, b: &Measure) -> bool {
    a.person.is_none() || b.person.is_none() || a.person == b.person
}

/// The person of a pair: the one named, if any.
fn receiver(a: &Measure, b: &Measure) -> Option<IdNumber> {
    a.person.clone().or_else(|| b.person.clone())
}

fn pairs(measures: &[Measure], catalogue: &MeasureCatalogue, out: &mut Vec<ChainFinding>) {
    for (i, a) in measures.iter().enumerate() {
        for (j, b) in measures.iter().enumerate().skip(i + 1) {
            if !same_receiver(a, b) || !a.overlaps(b) {
                continue;
            }
            if a.kind != b.kind && catalogue.exclusive(a.kind, b.kind) {
                out.push(ChainFinding {
                    rule: ChainRule::ExclusiveOverlap,
                    person: receiver(a, b),
                    measures: vec![i, j],
                    why: format!(
                        "{} (#{i}, from {}) and {} (#{j}, from {}) exclude each other and run on a same day ({}与{}互斥，时间重叠)",
                        a.kind.code(),
                        a.starts_on,
                        b.kind.code(),
                        b.starts_on,
                        a.kind.label_zh(),
                        b.kind.label_zh()
                    ),
                });
            }
            let other_source = a.source != b.source || a.department != b.department;
            if a.kind == b.kind && a.person == b.person && other_source {
                out.push(ChainFinding {
                    rule: ChainRule::DoublePayment,
                    person: a.person.clone(),
                    measures: vec![i, j],
                    why: format!(
                        "{} twice over a same day: #{i} from {} ({}) and #{j} from {} ({}) ({}重复享受：{}/{} 与 {}/{})",
                        a.kind.code(),
                        a.department.code(),
                        a.source.code(),
                        b.department.code(),
                        b.source.code(),
                        a.kind.label_zh(),
                        a.department.label_zh(),
                        a.source.label_zh(),
                        b.department.label_zh(),
                        b.source.label_zh()
                    ),
                });
            }
        }
    }
}

fn missing(
    household: &Household,
    measures: &[Measure],
    since: NaiveDate,
    due: NaiveDate,
    catalogue: &MeasureCatalogue,
    today: NaiveDate,
    out: &mut Vec<ChainFinding>,
) {
    let received: Vec<&Measure> = measures.iter().filter(|m| m.starts_on <= today).collect();
    if received.is_empty() {
        out.push(ChainFinding {
            rule: ChainRule::NoMeasureInTime,
            person: None,
            measures: Vec::new(),
            why: format!(
                "monitored since {since}, no measure by {due} nor since (自{since}起监测，至{due}仍无帮扶措施)"
            ),
        });
    }
    for m in &household.members {
        if !able_to_work(household, m, None, catalogue, today) {
            continue;
        }
        let developed = received.iter().any(|x| {
            x.status != MeasureStatus::Stopped
                && (x.person.is_none() || x.person.as_ref() == Some(&m.id_number))
                && catalogue
                    .get(x.kind)
                    .is_some_and(|r| r.class == MeasureClass::Development)
        });
        if !developed {
            out.push(ChainFinding {
                rule: ChainRule::WorkerWithoutDevelopment,
                person: Some(m.id_number.clone()),
                measures: Vec::new(),
                why: format!(
                    "a member able to work ({}) has no development measure, due by {due} (identified on {since}) \
                     (有劳动能力成员未落实开发式帮扶，应于{due}前落实)",
                    m.labor.label_en().to_lowercase()
                ),
            });
        }
    }
}

fn loans(
    measures: &[Measure],
    catalogue: &MeasureCatalogue,
    today: NaiveDate,
    out: &mut Vec<ChainFinding>,
) {
    let max = catalogue
        .get(MeasureKind::SmallLoan)
        .and_then(|r| r.max_term_months);
    for (i, m) in measures.iter().enumerate() {
        if m.kind != MeasureKind::SmallLoan || m.status == MeasureStatus::Done {
            continue;
        }
        let Some(due) = m.ends_on.or_else(|| max.map(|n| term_end(m.starts_on, n))) else {
            continue;
        };
        if due < today {
            out.push(ChainFinding {
                rule: ChainRule::LoanPastTerm,
                person: m.person.clone(),
                measures: vec![i],
                why: format!(
                    "small loan #{i} from {} was due on {due} and is {} (小额信贷{due}到期，状态{})",
                    m.starts_on,
                    m.status.label_en().to_lowercase(),
                    m.status.label_zh()
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assistance::catalogue::Department;
    use crate::assistance::fixtures::*;
    use crate::assistance::record::MeasureSource;
    use crate::household::{LaborCapacity, Relation};
    use proptest::prelude::*;

    /// A worker (the head) and a member who cannot work.
    fn family() -> Household {
        let mut old = member(Relation::Parent, ymd(1945, 1, 1), 2);
        old.labor = LaborCapacity::Lost;
        household(vec![member(Relation::Head, ymd(1980, 3, 1), 1), old])
    }

    fn findings(h: &Household, ms: &[Measure], since: Option<NaiveDate>) -> Vec<ChainFinding> {
        chain_findings(h, ms, since, &catalogue(), &policy(), today())
    }

    fn rules(f: &[ChainFinding]) -> Vec<ChainRule> {
        f.iter().map(|f| f.rule).collect()
    }

    /// The head has a job since January: a chain without findings.
    fn job(h: &Household) -> Measure {
        measure(
            Some(&h.members[0]),
            MeasureKind::Employment,
            ymd(2025, 1, 10),
            None,
        )
    }

    #[test]
    fn a_sound_chain_has_no_finding() {
        let h = family();
        let dibao = measure(
            Some(&h.members[1]),
            MeasureKind::Dibao,
            ymd(2024, 1, 1),
            None,
        );
        assert_eq!(findings(&h, &[job(&h), dibao], Some(ymd(2025, 1, 2))), []);
    }

    #[test]
    fn exclusive_measures_overlapping_for_one_person() {
        let h = family();
        let old = &h.members[1];
        let dibao = measure(
            Some(old),
            MeasureKind::Dibao,
            ymd(2024, 1, 1),
            Some(ymd(2025, 3, 31)),
        );
        let tekun = measure(Some(old), MeasureKind::Tekun, ymd(2025, 3, 31), None);
        let f = findings(&h, &[job(&h), dibao.clone(), tekun.clone()], None);
        assert_eq!(rules(&f), [ChainRule::ExclusiveOverlap]);
        assert_eq!(f[0].measures, [1, 2]);
        assert_eq!(f[0].person.as_ref(), Some(&old.id_number));
        assert!(
            f[0].why.contains("dibao") && f[0].why.contains("特困"),
            "{}",
            f[0].why
        );
        // one day apart: a change of kind, not an overlap
        let mut later = tekun.clone();
        later.starts_on = ymd(2025, 4, 1);
        assert_eq!(findings(&h, &[dibao.clone(), later], None), []);
        // two persons: no overlap for one person
        let head_tekun = Measure {
            person: Some(h.members[0].id_number.clone()),
            ..tekun
        };
        assert_eq!(findings(&h, &[dibao, head_tekun], None), []);
    }

    #[test]
    fn one_benefit_from_two_sources() {
        let h = family();
        let old = &h.members[1];
        let a = measure(Some(old), MeasureKind::Dibao, ymd(2024, 1, 1), None);
        let mut b = a.clone();
        b.source = MeasureSource::Feed;
        b.starts_on = ymd(2025, 5, 1);
        let f = findings(&h, &[a.clone(), b.clone()], None);
        assert_eq!(rules(&f), [ChainRule::DoublePayment]);
        assert_eq!(f[0].measures, [0, 1]);
        // another department, same source: also double
        let mut c = a.clone();
        c.department = Department::Other;
        assert_eq!(
            rules(&findings(&h, &[a.clone(), c], None)),
            [ChainRule::DoublePayment]
        );
        // the same source and department renewing without overlap: fine
        let mut first = a.clone();
        first.ends_on = Some(ymd(2025, 4, 30));
        assert_eq!(findings(&h, &[first, b.clone()], None), []);
        // the same kind for two persons: fine
        let head = Measure {
            person: Some(h.members[0].id_number.clone()),
            ..b
        };
        assert_eq!(findings(&h, &[a, head], None), []);
    }

    #[test]
    fn no_measure_after_the_first_measure_days() {
        let h = family();
        let p = policy();
        let due = today() - Days::new(u64::from(p.first_measure_days));
        // identified exactly `first_measure_days` ago: not late yet
        assert_eq!(findings(&h, &[], Some(due)), []);
        let f = findings(&h, &[], Some(due.pred_opt().unwrap()));
        assert_eq!(
            rules(&f),
            [
                ChainRule::NoMeasureInTime,
                ChainRule::WorkerWithoutDevelopment
            ]
        );
        assert_eq!(f[1].person.as_ref(), Some(&h.members[0].id_number));
        // not monitored: nothing is missing
        assert_eq!(findings(&h, &[], None), []);
        // a measure starting in the future is not received yet
        let later = measure(
            None,
            MeasureKind::HousingRenovation,
            today().succ_opt().unwrap(),
            None,
        );
        let f = findings(&h, &[later], Some(ymd(2025, 1, 1)));
        assert!(rules(&f).contains(&ChainRule::NoMeasureInTime));
    }

    #[test]
    fn a_worker_without_development() {
        let h = family();
        let since = Some(ymd(2025, 1, 1));
        let dibao = measure(
            Some(&h.members[1]),
            MeasureKind::Dibao,
            ymd(2025, 1, 5),
            None,
        );
        let f = findings(&h, std::slice::from_ref(&dibao), since);
        assert_eq!(rules(&f), [ChainRule::WorkerWithoutDevelopment]);
        // a stopped development measure does not count; a done one does
        let mut stopped = job(&h);
        stopped.status = MeasureStatus::Stopped;
        let f = findings(&h, &[dibao.clone(), stopped.clone()], since);
        assert_eq!(rules(&f), [ChainRule::WorkerWithoutDevelopment]);
        stopped.status = MeasureStatus::Done;
        assert_eq!(findings(&h, &[dibao.clone(), stopped], since), []);
        // a protection measure for the worker is not development
        let worker_relief = measure(
            Some(&h.members[0]),
            MeasureKind::MedicalRelief,
            ymd(2025, 1, 5),
            None,
        );
        let f = findings(&h, &[dibao, worker_relief], since);
        assert_eq!(rules(&f), [ChainRule::WorkerWithoutDevelopment]);
    }

    #[test]
    fn a_small_loan_past_its_term() {
        let h = family();
        let mut loan = measure(
            Some(&h.members[0]),
            MeasureKind::SmallLoan,
            ymd(2022, 6, 14),
            None,
        );
        // 36 months from 2022-06-14: due 2025-06-14, before today (15 June)
        let f = findings(&h, &[loan.clone()], None);
        assert_eq!(rules(&f), [ChainRule::LoanPastTerm]);
        assert_eq!(f[0].measures, [0]);
        assert!(f[0].why.contains("2025-06-14"), "{}", f[0].why);
        loan.starts_on = ymd(2022, 6, 15);
        assert_eq!(findings(&h, &[loan.clone()], None), [], "due today");
        // its own end date decides when given
        loan.ends_on = Some(ymd(2025, 6, 1));
        assert_eq!(
            rules(&findings(&h, &[loan.clone()], None)),
            [ChainRule::LoanPastTerm]
        );
        // repaid
        loan.status = MeasureStatus::Done;
        assert_eq!(findings(&h, &[loan], None), []);
    }

    #[test]
    fn a_subsidy_without_a_loan_covering_it() {
        let h = family();
        let head = Some(&h.members[0]);
        let loan = |from, to| measure(head, MeasureKind::SmallLoan, from, Some(to));
        let subsidy = measure(
            head,
            MeasureKind::LoanInterestSubsidy,
            ymd(2024, 7, 1),
            Some(ymd(2025, 6, 30)),
        );
        let job = job(&h);
        // covered: no finding
        let ok = [
            loan(ymd(2024, 6, 1), ymd(2027, 5, 31)),
            subsidy.clone(),
            job.clone(),
        ];
        assert_eq!(findings(&h, &ok, None), []);
        // no loan at all: the subsidy is the evidence
        let f = findings(&h, &[job.clone(), subsidy.clone()], None);
        assert_eq!(rules(&f), [ChainRule::SubsidyWithoutLoan]);
        assert_eq!(f[0].measures, [1]);
        assert_eq!(f[0].person.as_ref(), Some(&h.members[0].id_number));
        assert!(f[0].why.contains("2024-07-01"), "{}", f[0].why);
        assert!(f[0].why.contains("贴息"), "{}", f[0].why);
        // a loan repaid before the subsidy's end: the loan is evidence too
        let mut repaid = loan(ymd(2024, 6, 1), ymd(2025, 3, 31));
        repaid.status = MeasureStatus::Done;
        let f = findings(&h, &[subsidy.clone(), job.clone(), repaid], None);
        assert_eq!(rules(&f), [ChainRule::SubsidyWithoutLoan]);
        assert_eq!(f[0].measures, [0, 2]);
        assert!(f[0].why.contains("2025-03-31"), "{}", f[0].why);
        // another member's loan does not cover the head's subsidy
        let mut theirs = loan(ymd(2024, 6, 1), ymd(2027, 5, 31));
        theirs.person = Some(h.members[1].id_number.clone());
        let f = findings(&h, &[subsidy, job, theirs], None);
        assert_eq!(rules(&f), [ChainRule::SubsidyWithoutLoan]);
        assert_eq!(f[0].measures, [0]);
    }

    proptest! {
        /// Every pair finding is recounted naively, and every index given
        /// as evidence points at a measure of the slice.
        #[test]
        fn pair_findings_recount(
            raw in prop::collection::vec((0usize..3, prop::sample::select(vec![
                MeasureKind::Dibao, MeasureKind::Tekun, MeasureKind::DibaoEdge, MeasureKind::Employment,
            ]), 0u64..60, prop::option::of(0u64..60), any::<bool>()), 0..8),
        ) {
            let h = family();
            let ms: Vec<Measure> = raw.iter().map(|(who, kind, from, len, feed)| {
                let start = ymd(2025, 1, 1) + Days::new(*from);
                let mut m = measure(h.members.get(*who), *kind, start, len.map(|l| start + Days::new(l)));
                if *feed { m.source = MeasureSource::Feed; }
                m
            }).collect();
            let c = catalogue();
            let f = chain_findings(&h, &ms, None, &c, &policy(), today());
            let mut exclusive = 0;
            let mut double = 0;
            for i in 0..ms.len() {
                for j in i + 1..ms.len() {
                    let (a, b) = (&ms[i], &ms[j]);
                    let same = a.person.is_none() || b.person.is_none() || a.person == b.person;
                    let end = |m: &Measure| m.ends_on.unwrap_or(NaiveDate::MAX);
                    let overlap = a.starts_on <= end(b) && b.starts_on <= end(a);
                    let excl = [(MeasureKind::Dibao, MeasureKind::Tekun), (MeasureKind::DibaoEdge, MeasureKind::Dibao), (MeasureKind::DibaoEdge, MeasureKind::Tekun)]
                        .iter().any(|&(x, y)| (a.kind, b.kind) == (x, y) || (a.kind, b.kind) == (y, x));
                    if same && overlap && excl { exclusive += 1; }
                    if a.person == b.person && overlap && a.kind == b.kind && a.source != b.source { double += 1; }
                }
            }
            let count = |r| f.iter().filter(|x| x.rule == r).count();
            prop_assert_eq!(count(ChainRule::ExclusiveOverlap), exclusive);
            prop_assert_eq!(count(ChainRule::DoublePayment), double);
            prop_assert!(f.iter().all(|x| x.measures.iter().all(|&i| i < ms.len())));
        }
    }
}
