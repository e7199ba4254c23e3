//! 风险消除 check: whether a monitored household's risk may be closed,
//! criterion by criterion, with the reason each holds or fails.
//!
//! The criteria (numbers from [`WorkflowPolicy`]): income stably at or
//! above the monitoring line for the last `elimination_income_stable_months`
//! months (read from the follow-up visits' income periods); the big
//! expense resolved; 三保障 secure (no dropped-out pupil of compulsory age,
//! every member insured, housing grade A or B — and the latest visit not
//! finding otherwise); drinking water secure or basically secure (the same);
//! monitored for at least `elimination_min_monitored_months`; at least
//! `elimination_min_measures` measures of the assistance chain received;
//! and a household without labor capacity that lives on social protection
//! (兜底: 低保 or 特困 running) is never marked eliminated.
//!
//! [`EliminationFacts::gather`] reads the facts off the household, its
//! measures ([`Measure`]) and its follow-up visits ([`FollowUpVisit`]).

use super::china_date;
use crate::assistance::{BasicNeeds, FollowUpVisit, Measure, MeasureKind};
use crate::coded::coded_enum;
use crate::household::{
    DrinkingWater, Household, HousingGrade, InsuranceStatus, LaborCapacity, StudentStage,
    StudentStatus,
};
use crate::policy::WorkflowPolicy;
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Income of one period: a month, a quarter, any span of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IncomePeriod {
    /// First day of the period.
    pub from: NaiveDate,
    /// Last day of the period (inclusive).
    pub to: NaiveDate,
    /// 人均纯收入 over the period, annualised (分 per person per year), to
    /// compare with the monitoring line.
    pub per_person_annual_fen: i64,
}

impl IncomePeriod {
    /// The income period a follow-up visit records (`None` for a visit
    /// without persons or with its period reversed).
    pub fn of_visit(v: &FollowUpVisit) -> Option<IncomePeriod> {
        Some(IncomePeriod {
            from: v.period_from,
            to: v.period_to,
            per_person_annual_fen: v.per_person_annual_fen()?,
        })
    }
}

/// 三保障 of a household: schooling, basic medical care, safe housing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ThreeGuarantees {
    /// Pupils of compulsory-schooling age out of school (控辍保学).
    pub dropped_out_pupils: u32,
    /// Members without basic medical insurance.
    pub uninsured_members: u32,
    /// 住房安全等级.
    pub housing: HousingGrade,
}

impl ThreeGuarantees {
    /// Reads the three guarantees off a household record. A dropped-out
    /// student counts unless recorded at a stage after compulsory schooling.
    pub fn of(household: &Household) -> ThreeGuarantees {
        let beyond_compulsory = |s: Option<StudentStage>| {
            matches!(
                s,
                Some(
                    StudentStage::Preschool
                        | StudentStage::SeniorSecondary
                        | StudentStage::Vocational
                        | StudentStage::Tertiary
                )
            )
        };
        let members = &household.members;
        let dropped = members.iter().filter(|m| {
            m.student_status == Some(StudentStatus::DroppedOut)
                && !beyond_compulsory(m.student_stage)
        });
        let uninsured = members
            .iter()
            .filter(|m| m.insurance != InsuranceStatus::Insured);
        ThreeGuarantees {
            dropped_out_pupils: count(dropped),
            uninsured_members: count(uninsured),
            housing: household.housing,
        }
    }
}

fn count<T>(it: impl Iterator<Item = T>) -> u32 {
    u32::try_from(it.count()).unwrap_or(u32::MAX)
}

/// Whether any member of the household can work (full or weak labor).
pub fn has_labor_capacity(household: &Household) -> bool {
    household
        .members
        .iter()
        .any(|m| matches!(m.labor, LaborCapacity::Full | LaborCapacity::Weak))
}

/// What the elimination check looks at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EliminationFacts {
    /// 监测收入线 of the province and year (分 per person per year).
    pub monitoring_line_fen: i64,
    /// Income history, any order; periods may overlap (the lowest counts).
    /// From the follow-up visits ([`IncomePeriod::of_visit`]).
    pub income: Vec<IncomePeriod>,
    /// Whether the big rigid expense (medical, schooling) is resolved.
    pub big_expense_resolved: bool,
    /// 三保障, from the household record.
    pub guarantees: ThreeGuarantees,
    /// 饮水安全, from the household record.
    pub water: DrinkingWater,
    /// 两不愁三保障 as the latest follow-up visit found them (`None`: no
    /// visit); an item found not secure fails its criterion whatever the
    /// record says.
    pub latest_needs: Option<BasicNeeds>,
    /// Day the household became monitored.
    pub monitored_since: NaiveDate,
    /// The assistance chain: every measure of the household and its members.
    pub measures: Vec<Measure>,
    /// Whether any member can work.
    pub has_labor_capacity: bool,
}

impl EliminationFacts {
    /// The facts of `household`: income from `visits`, the latest visit's
    /// needs, 三保障, water and labor from the record, `measures` as given.
    pub fn gather(
        household: &Household,
        measures: &[Measure],
        visits: &[FollowUpVisit],
        monitoring_line_fen: i64,
        monitored_since: NaiveDate,
        big_expense_resolved: bool,
    ) -> EliminationFacts {
        let latest = visits.iter().max_by_key(|v| (v.visited_on, v.period_to));
        EliminationFacts {
            monitoring_line_fen,
            income: visits.iter().filter_map(IncomePeriod::of_visit).collect(),
            big_expense_resolved,
            guarantees: ThreeGuarantees::of(household),
            water: household.water,
            latest_needs: latest.map(|v| v.needs),
            monitored_since,
            measures: measures.to_vec(),
            has_labor_capacity: has_labor_capacity(household),
        }
    }

    /// Measures received by `today` (started on or before it).
    fn received(&self, today: NaiveDate) -> impl Iterator<Item = &Measure> {
        self.measures.iter().filter(move |m| m.starts_on <= today)
    }

    /// The 兜底 measures (低保, 特困) running on `today`.
    fn protection_running(&self, today: NaiveDate) -> usize {
        self.measures
            .iter()
            .filter(|m| {
                matches!(m.kind, MeasureKind::Dibao | MeasureKind::Tekun) && m.runs_on(today)
            })
            .count()
    }
}

coded_enum! {
    /// A criterion of risk elimination.
    EliminationCriterion {
        /// 收入持续稳定
        IncomeStable => ("income_stable", "收入持续稳定达标", "Income stably above the line"),
        /// 大额支出已解决
        ExpenseResolved => ("expense_resolved", "刚性支出问题已解决", "Big expense resolved"),
        /// 义务教育有保障
        CompulsorySchooling => ("compulsory_schooling", "义务教育有保障", "Compulsory schooling secure"),
        /// 基本医疗有保障
        MedicalInsurance => ("medical_insurance", "基本医疗有保障", "Basic medical insurance secure"),
        /// 住房安全有保障
        SafeHousing => ("safe_housing", "住房安全有保障", "Safe housing"),
        /// 饮水安全有保障
        DrinkingWater => ("drinking_water", "饮水安全有保障", "Drinking water secure"),
        /// 监测时长达标
        MonitoredLongEnough => ("monitored_long_enough", "监测时长达标", "Monitored long enough"),
        /// 落实帮扶措施
        MeasuresReceived => ("measures_received", "已落实帮扶措施", "Measures received"),
        /// 非无劳动力兜底户
        NotDependentWithoutLabor => ("not_dependent_without_labor", "非无劳动力兜底户", "Not a no-labor household on social protection"),
    }
}

/// One criterion's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CriterionResult {
    /// Which criterion.
    pub criterion: EliminationCriterion,
    /// Whether it holds.
    pub holds: bool,
    /// Why, with the figures (English, then Chinese).
    pub why: String,
}

/// The outcome of [`elimination_check`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EliminationReport {
    /// Every criterion, in the order of [`EliminationCriterion::ALL`].
    pub criteria: Vec<CriterionResult>,
    /// Whether all hold: the household may be proposed for elimination.
    pub eligible: bool,
}

impl EliminationReport {
    /// The criteria that fail.
    pub fn failing(&self) -> impl Iterator<Item = EliminationCriterion> + '_ {
        self.criteria
            .iter()
            .filter(|c| !c.holds)
            .map(|c| c.criterion)
    }
}

/// Checks every criterion of risk elimination on `facts` at `now`.
pub fn elimination_check(
    facts: &EliminationFacts,
    policy: &WorkflowPolicy,
    now: DateTime<Utc>,
) -> EliminationReport {
    let today = china_date(now);
    let criteria = vec![
        income_stable(facts, policy, today),
        expense_resolved(facts),
        schooling(facts),
        insurance(facts),
        housing(facts),
        water(facts),
        monitored_long_enough(facts, policy, today),
        measures(facts, policy, today),
        not_dependent_without_labor(facts, today),
    ];
    let eligible = criteria.iter().all(|c| c.holds);
    EliminationReport { criteria, eligible }
}

fn result(criterion: EliminationCriterion, holds: bool, why: String) -> CriterionResult {
    CriterionResult {
        criterion,
        holds,
        why,
    }
}

fn income_stable(
    facts: &EliminationFacts,
    policy: &WorkflowPolicy,
    today: NaiveDate,
) -> CriterionResult {
    let months = stable_months(&facts.income, facts.monitoring_line_fen, today);
    let need = policy.elimination_income_stable_months;
    let why = format!(
        "income per person at or above the line of {line} 元 in the last {months} consecutive recorded months, {need} required \
         (人均收入连续{months}个月不低于监测线{line}元，要求{need}个月)",
        line = yuan(facts.monitoring_line_fen)
    );
    result(EliminationCriterion::IncomeStable, months >= need, why)
}

/// Consecutive months, back from the latest recorded month up to today's,
/// in which every record is at or above `line`. A month without a record
/// breaks the run: income not known is not stable.
fn stable_months(income: &[IncomePeriod], line: i64, today: NaiveDate) -> u32 {
    let now = month_index(today);
    let oldest = now - HISTORY_MONTHS;
    let mut lowest: BTreeMap<i32, i64> = BTreeMap::new();
    for p in income.iter().filter(|p| p.from <= p.to) {
        for m in month_index(p.from).max(oldest)..=month_index(p.to).min(now) {
            let v = lowest.entry(m).or_insert(p.per_person_annual_fen);
            *v = (*v).min(p.per_person_annual_fen);
        }
    }
    let mut run = 0;
    let mut expect = None;
    for (&m, &v) in lowest.iter().rev() {
        if v < line || expect.is_some_and(|e| e != m) {
            break;
        }
        run += 1;
        expect = Some(m - 1);
    }
    run
}

/// How far back the income history is read: a century, which only bounds
/// the work done on absurd dates.
const HISTORY_MONTHS: i32 = 1200;

fn month_index(d: NaiveDate) -> i32 {
    d.year() * 12 + d.month0() as i32
}

/// 分 as 元 for a reason: 870000 → "8700", 805050 → "8050.50".
fn yuan(fen: i64) -> String {
    if fen % 100 == 0 {
        (fen / 100).to_string()
    } else {
        format!("{}.{:02}", fen / 100, (fen % 100).abs())
    }
}

/// What the latest visit adds to a criterion read off the record: `None`
/// when it found the item secure (or there was no visit), else the words.
fn visit_found(needs: Option<BasicNeeds>, secure: fn(&BasicNeeds) -> bool) -> Option<&'static str> {
    needs
        .filter(|n| !secure(n))
        .map(|_| "; the latest visit found it not secure (最近一次回访认定未保障)")
}

fn expense_resolved(facts: &EliminationFacts) -> CriterionResult {
    let why = if facts.big_expense_resolved {
        "the big rigid expense is resolved (刚性支出问题已解决)"
    } else {
        "the big rigid expense is not resolved yet (刚性支出问题尚未解决)"
    };
    result(
        EliminationCriterion::ExpenseResolved,
        facts.big_expense_resolved,
        why.to_string(),
    )
}

/// A criterion read off the record (`holds`, `why`), failed too when the
/// latest visit found the item not secure.
fn with_visit(
    criterion: EliminationCriterion,
    holds: bool,
    why: String,
    facts: &EliminationFacts,
    secure: fn(&BasicNeeds) -> bool,
) -> CriterionResult {
    match visit_found(facts.latest_needs, secure) {
        Some(found) => result(criterion, false, format!("{why}{found}")),
        None => result(criterion, holds, why),
    }
}

fn schooling(facts: &EliminationFacts) -> CriterionResult {
    let n = facts.guarantees.dropped_out_pupils;
    let why = format!("{n} pupil(s) of compulsory age out of school (义务教育阶段辍学{n}人)");
    let c = EliminationCriterion::CompulsorySchooling;
    with_visit(c, n == 0, why, facts, |n| n.schooling)
}

fn insurance(facts: &EliminationFacts) -> CriterionResult {
    let n = facts.guarantees.uninsured_members;
    let why = format!("{n} member(s) without basic medical insurance (未参加基本医疗保险{n}人)");
    let c = EliminationCriterion::MedicalInsurance;
    with_visit(c, n == 0, why, facts, |n| n.medical)
}

fn housing(facts: &EliminationFacts) -> CriterionResult {
    let grade = facts.guarantees.housing;
    let holds = matches!(grade, HousingGrade::A | HousingGrade::B);
    let why = format!(
        "housing is {}, A or B required (住房安全等级为{}，要求A级或B级)",
        grade.label_en(),
        grade.label_zh()
    );
    with_visit(EliminationCriterion::SafeHousing, holds, why, facts, |n| {
        n.housing
    })
}

fn water(facts: &EliminationFacts) -> CriterionResult {
    let w = facts.water;
    let holds = matches!(w, DrinkingWater::Secure | DrinkingWater::Basic);
    let why = format!(
        "drinking water is {}, secure or basically secure required (饮水{}，要求安全或基本安全)",
        w.label_en().to_lowercase(),
        w.label_zh()
    );
    with_visit(
        EliminationCriterion::DrinkingWater,
        holds,
        why,
        facts,
        |n| n.water,
    )
}

fn monitored_long_enough(
    facts: &EliminationFacts,
    policy: &WorkflowPolicy,
    today: NaiveDate,
) -> CriterionResult {
    let need = policy.elimination_min_monitored_months;
    let due = facts
        .monitored_since
        .checked_add_months(Months::new(need))
        .unwrap_or(NaiveDate::MAX);
    let why = format!(
        "monitored since {since}, {need} months required: from {due} \
         (自{since}起纳入监测，须满{need}个月，即{due}起)",
        since = facts.monitored_since
    );
    result(EliminationCriterion::MonitoredLongEnough, today >= due, why)
}

fn measures(
    facts: &EliminationFacts,
    policy: &WorkflowPolicy,
    today: NaiveDate,
) -> CriterionResult {
    let n = count(facts.received(today));
    let need = policy.elimination_min_measures;
    let why =
        format!("{n} measure(s) received, {need} required (已落实帮扶措施{n}项，要求{need}项)");
    result(EliminationCriterion::MeasuresReceived, n >= need, why)
}

fn not_dependent_without_labor(facts: &EliminationFacts, today: NaiveDate) -> CriterionResult {
    let blocked = !facts.has_labor_capacity && facts.protection_running(today) > 0;
    let why = if blocked {
        "no member can work and the household lives on social protection: it stays monitored \
         (无劳动能力且依靠兜底保障，不标注风险消除)"
    } else {
        "the household can work or does not depend on social protection \
         (有劳动能力或不依靠兜底保障)"
    };
    result(
        EliminationCriterion::NotDependentWithoutLabor,
        !blocked,
        why.to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assistance::{Department, MeasureSource, MeasureStatus};
    use crate::case::tests::policy;
    use crate::household::{EmploymentStatus, Illness, Income, Member, Relation};
    use crate::{IdNumber, RegionCode};
    use proptest::prelude::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// 15 June 2025, 10:00 China time.
    fn now() -> DateTime<Utc> {
        ymd(2025, 6, 15).and_hms_opt(2, 0, 0).unwrap().and_utc()
    }

    fn month(y: i32, m: u32, income: i64) -> IncomePeriod {
        let from = ymd(y, m, 1);
        let to = from
            .checked_add_months(Months::new(1))
            .unwrap()
            .pred_opt()
            .unwrap();
        IncomePeriod {
            from,
            to,
            per_person_annual_fen: income,
        }
    }

    fn received(kind: MeasureKind, from: NaiveDate) -> Measure {
        Measure {
            person: None,
            kind,
            department: Department::CivilAffairs,
            amount_fen: None,
            starts_on: from,
            ends_on: None,
            status: MeasureStatus::Ongoing,
            source: MeasureSource::Cadre,
            evidence: String::new(),
        }
    }

    /// Facts under which every criterion holds with [`policy`] (4 stable
    /// months, 9 monitored months, 2 measures) on [`now`].
    fn good() -> EliminationFacts {
        EliminationFacts {
            monitoring_line_fen: 870_000,
            income: (2..=6).map(|m| month(2025, m, 900_000)).collect(),
            big_expense_resolved: true,
            guarantees: ThreeGuarantees {
                dropped_out_pupils: 0,
                uninsured_members: 0,
                housing: HousingGrade::B,
            },
            water: DrinkingWater::Basic,
            latest_needs: None,
            monitored_since: ymd(2024, 9, 15),
            measures: vec![
                received(MeasureKind::Employment, ymd(2024, 10, 1)),
                received(MeasureKind::HousingRenovation, ymd(2025, 6, 15)),
            ],
            has_labor_capacity: true,
        }
    }

    fn failing(facts: &EliminationFacts) -> Vec<EliminationCriterion> {
        elimination_check(facts, &policy(), now())
            .failing()
            .collect()
    }

    #[test]
    fn all_criteria_hold_on_good_facts() {
        let report = elimination_check(&good(), &policy(), now());
        assert!(report.eligible);
        let listed: Vec<_> = report.criteria.iter().map(|c| c.criterion).collect();
        assert_eq!(listed, EliminationCriterion::ALL);
        assert!(report.criteria.iter().all(|c| !c.why.is_empty()));
    }

    #[test]
    fn each_criterion_fails_alone() {
        use EliminationCriterion as C;
        type Spoil = fn(&mut EliminationFacts);
        let cases: Vec<(C, Spoil)> = vec![
            (C::IncomeStable, |f| {
                f.income[3].per_person_annual_fen = 869_999
            }),
            (C::ExpenseResolved, |f| f.big_expense_resolved = false),
            (C::CompulsorySchooling, |f| {
                f.guarantees.dropped_out_pupils = 1
            }),
            (C::MedicalInsurance, |f| f.guarantees.uninsured_members = 1),
            (C::SafeHousing, |f| f.guarantees.housing = HousingGrade::C),
            (C::DrinkingWater, |f| f.water = DrinkingWater::Insecure),
            (C::MonitoredLongEnough, |f| {
                f.monitored_since = ymd(2024, 9, 16)
            }),
            (C::MeasuresReceived, |f| {
                f.measures[1].starts_on = ymd(2025, 6, 16);
            }),
            (C::NotDependentWithoutLabor, |f| {
                f.has_labor_capacity = false;
                f.measures
                    .push(received(MeasureKind::Tekun, ymd(2024, 12, 1)));
            }),
        ];
        for (criterion, spoil) in cases {
            let mut facts = good();
            spoil(&mut facts);
            assert_eq!(failing(&facts), vec![criterion]);
            assert!(!elimination_check(&facts, &policy(), now()).eligible);
        }
    }

    #[test]
    fn housing_d_fails_and_water_secure_holds() {
        let mut f = good();
        f.guarantees.housing = HousingGrade::D;
        f.water = DrinkingWater::Secure;
        assert_eq!(failing(&f), vec![EliminationCriterion::SafeHousing]);
    }

    #[test]
    fn stable_months_boundary() {
        let need = policy().elimination_income_stable_months;
        let mut f = good();
        // exactly `need` months at the line: holds
        f.income = (3..3 + need).map(|m| month(2025, m, 870_000)).collect();
        assert!(failing(&f).is_empty());
        f.income.remove(0);
        assert_eq!(failing(&f), vec![EliminationCriterion::IncomeStable]);
    }

    #[test]
    fn a_gap_or_a_low_period_breaks_the_run() {
        let mut f = good();
        f.income.remove(2); // April missing: May and June only
        assert_eq!(failing(&f), vec![EliminationCriterion::IncomeStable]);
        let mut f = good();
        // a quarter overlapping April and May at a low figure: the lowest counts
        f.income.push(IncomePeriod {
            from: ymd(2025, 4, 1),
            to: ymd(2025, 6, 30),
            per_person_annual_fen: 500_000,
        });
        assert_eq!(failing(&f), vec![EliminationCriterion::IncomeStable]);
    }

    #[test]
    fn quarters_count_month_by_month_and_the_future_does_not_count() {
        let mut f = good();
        f.income = vec![
            IncomePeriod {
                from: ymd(2025, 1, 1),
                to: ymd(2025, 3, 31),
                per_person_annual_fen: 950_000,
            },
            IncomePeriod {
                from: ymd(2025, 4, 1),
                to: ymd(2025, 6, 30),
                per_person_annual_fen: 950_000,
            },
        ];
        assert!(failing(&f).is_empty());
        // only future months above the line
        f.income = (7..=12).map(|m| month(2025, m, 2_000_000)).collect();
        assert_eq!(failing(&f), vec![EliminationCriterion::IncomeStable]);
        // a period ending before it starts is ignored
        f.income = vec![IncomePeriod {
            from: ymd(2025, 6, 30),
            to: ymd(2024, 1, 1),
            per_person_annual_fen: 2_000_000,
        }];
        assert_eq!(failing(&f), vec![EliminationCriterion::IncomeStable]);
    }

    #[test]
    fn monitored_months_boundary_with_another_policy() {
        let mut p = policy();
        p.elimination_min_monitored_months = 6;
        let mut f = good();
        f.monitored_since = ymd(2024, 12, 15);
        assert!(elimination_check(&f, &p, now()).eligible);
        f.monitored_since = ymd(2024, 12, 16);
        let report = elimination_check(&f, &p, now());
        let fails: Vec<_> = report.failing().collect();
        assert_eq!(fails, vec![EliminationCriterion::MonitoredLongEnough]);
    }

    #[test]
    fn no_labor_households_on_social_protection_stay_monitored() {
        let check = |labor, depends| {
            let mut f = good();
            f.has_labor_capacity = labor;
            if depends {
                f.measures
                    .push(received(MeasureKind::Dibao, ymd(2025, 1, 1)));
            }
            failing(&f)
        };
        assert_eq!(
            check(false, true),
            vec![EliminationCriterion::NotDependentWithoutLabor]
        );
        assert!(check(false, false).is_empty());
        assert!(check(true, true).is_empty());
    }

    #[test]
    fn why_gives_the_figures() {
        let mut f = good();
        f.measures.truncate(1);
        let report = elimination_check(&f, &policy(), now());
        let measures = &report.criteria[7];
        assert_eq!(measures.criterion, EliminationCriterion::MeasuresReceived);
        assert!(measures.why.contains("1 measure(s) received, 2 required"));
        assert!(measures.why.contains("已落实帮扶措施1项"));
        let income = &report.criteria[0];
        assert!(income.why.contains("last 5 consecutive"), "{}", income.why);
    }

    fn member(relation: Relation, seq: u16) -> Member {
        Member {
            id_number: IdNumber::from_parts("520526", ymd(1980, 1, 1), seq).unwrap(),
            name: "成员".into(),
            relation,
            labor: LaborCapacity::None,
            disability_kind: None,
            disability_grade: None,
            illness: Illness::Healthy,
            student_stage: None,
            student_status: None,
            insurance: InsuranceStatus::Insured,
            employment: EmploymentStatus::NotApplicable,
            phone: None,
        }
    }

    fn household(members: Vec<Member>) -> Household {
        Household {
            number: "1".into(),
            village: RegionCode::parse("520526101201").unwrap(),
            village_group: None,
            address: String::new(),
            category: None,
            formerly_registered_poor: false,
            housing: HousingGrade::C,
            water: DrinkingWater::Secure,
            farmland_mu: 0.0,
            forest_mu: 0.0,
            income: Income::default(),
            medical_expense: 0,
            schooling_expense: 0,
            members,
        }
    }

    #[test]
    fn guarantees_and_labor_are_read_off_the_household() {
        let mut pupil = member(Relation::Child, 2);
        pupil.student_stage = Some(StudentStage::JuniorSecondary);
        pupil.student_status = Some(StudentStatus::DroppedOut);
        let mut senior = member(Relation::Child, 3);
        senior.student_stage = Some(StudentStage::SeniorSecondary);
        senior.student_status = Some(StudentStatus::DroppedOut);
        senior.insurance = InsuranceStatus::Uninsured;
        let mut h = household(vec![member(Relation::Head, 1), pupil, senior]);
        let g = ThreeGuarantees::of(&h);
        assert_eq!(
            g.dropped_out_pupils, 1,
            "senior secondary is not compulsory"
        );
        assert_eq!(g.uninsured_members, 1);
        assert_eq!(g.housing, HousingGrade::C);
        assert!(!has_labor_capacity(&h));
        h.members[0].labor = LaborCapacity::Weak;
        assert!(has_labor_capacity(&h));
    }

    fn visit(from: NaiveDate, to: NaiveDate, total_fen: i64, persons: u32) -> FollowUpVisit {
        FollowUpVisit {
            visited_on: to,
            period_from: from,
            period_to: to,
            income: crate::assistance::IncomeBySource {
                wage_fen: total_fen,
                ..Default::default()
            },
            persons,
            needs: BasicNeeds {
                food: true,
                clothing: true,
                schooling: true,
                medical: true,
                housing: true,
                water: true,
            },
            measures: Vec::new(),
            note: String::new(),
        }
    }

    #[test]
    fn facts_are_gathered_from_visits_measures_and_the_record() {
        let mut head = member(Relation::Head, 1);
        head.labor = LaborCapacity::Full;
        let mut h = household(vec![head, member(Relation::Child, 2)]);
        h.housing = HousingGrade::B;
        // two visits of a half year each: 2 persons, 9,125 元 a half year
        // each = 9,125 元 a person a year (above a line of 8,700)
        let visits = [
            visit(ymd(2024, 7, 1), ymd(2024, 12, 31), 1_825_000 * 184 / 365, 2),
            visit(ymd(2025, 1, 1), ymd(2025, 6, 30), 1_825_000 * 181 / 365, 2),
        ];
        let measures = [
            received(MeasureKind::Employment, ymd(2024, 10, 1)),
            received(MeasureKind::SkillsTraining, ymd(2025, 3, 1)),
        ];
        let f = EliminationFacts::gather(&h, &measures, &visits, 870_000, ymd(2024, 9, 15), true);
        assert_eq!(f.income.len(), 2);
        assert_eq!(f.income[1].from, ymd(2025, 1, 1));
        assert!(
            f.income
                .iter()
                .all(|p| (912_000..=912_500).contains(&p.per_person_annual_fen)),
            "{:?}",
            f.income
        );
        assert_eq!(f.latest_needs, Some(visits[1].needs));
        assert!(f.has_labor_capacity);
        let report = elimination_check(&f, &policy(), now());
        assert!(report.eligible, "{report:?}");
        // income in the visits below the line: the income criterion fails
        let low = [visit(ymd(2025, 1, 1), ymd(2025, 6, 30), 700_000, 2)];
        let f = EliminationFacts::gather(&h, &measures, &low, 870_000, ymd(2024, 9, 15), true);
        assert_eq!(failing(&f), vec![EliminationCriterion::IncomeStable]);
        // no visit, no income known: fails
        let f = EliminationFacts::gather(&h, &measures, &[], 870_000, ymd(2024, 9, 15), true);
        assert_eq!(failing(&f), vec![EliminationCriterion::IncomeStable]);
        assert_eq!(f.latest_needs, None);
    }

    #[test]
    fn the_latest_visit_can_fail_what_the_record_says_is_secure() {
        use EliminationCriterion as C;
        type Spoil = fn(&mut BasicNeeds);
        let cases: [(Spoil, C); 4] = [
            (|n| n.schooling = false, C::CompulsorySchooling),
            (|n| n.medical = false, C::MedicalInsurance),
            (|n| n.housing = false, C::SafeHousing),
            (|n| n.water = false, C::DrinkingWater),
        ];
        for (spoil, criterion) in cases {
            let mut needs = visit(ymd(2025, 1, 1), ymd(2025, 1, 2), 0, 1).needs;
            let mut f = good();
            f.latest_needs = Some(needs);
            assert!(failing(&f).is_empty());
            spoil(&mut needs);
            f.latest_needs = Some(needs);
            assert_eq!(failing(&f), vec![criterion]);
            let report = elimination_check(&f, &policy(), now());
            let why = &report
                .criteria
                .iter()
                .find(|c| c.criterion == criterion)
                .unwrap()
                .why;
            assert!(why.contains("回访"), "{why}");
        }
        // an older visit finding a problem does not count over a newer one
        let h = household(vec![member(Relation::Head, 1)]);
        let mut old = visit(ymd(2025, 1, 1), ymd(2025, 3, 31), 0, 1);
        old.needs.water = false;
        let new = visit(ymd(2025, 4, 1), ymd(2025, 6, 1), 0, 1);
        let f = EliminationFacts::gather(&h, &[], &[new.clone(), old], 1, ymd(2024, 1, 1), true);
        assert_eq!(f.latest_needs, Some(new.needs));
    }

    #[test]
    fn only_measures_received_and_protection_running_count() {
        use EliminationCriterion as C;
        let mut f = good();
        f.has_labor_capacity = false;
        // 低保 that ended before today: not living on 兜底 now
        let mut ended = received(MeasureKind::Dibao, ymd(2024, 1, 1));
        ended.ends_on = Some(ymd(2025, 6, 14));
        f.measures.push(ended.clone());
        assert!(failing(&f).is_empty());
        ended.ends_on = Some(ymd(2025, 6, 15));
        f.measures.push(ended);
        assert_eq!(failing(&f), vec![C::NotDependentWithoutLabor]);
        // other protection (medical relief) is not 兜底
        let mut f = good();
        f.has_labor_capacity = false;
        f.measures
            .push(received(MeasureKind::MedicalRelief, ymd(2025, 1, 1)));
        assert!(failing(&f).is_empty());
        // a measure starting tomorrow is not received yet
        let mut f = good();
        f.measures = vec![
            received(MeasureKind::Industry, ymd(2025, 1, 1)),
            received(MeasureKind::Industry, ymd(2025, 6, 16)),
        ];
        assert_eq!(failing(&f), vec![C::MeasuresReceived]);
    }

    #[test]
    fn granted_assistance_is_a_link_of_the_chain() {
        use crate::assistance::Assistance;
        use crate::case::{AssistanceDecision, AssistanceProposal};
        let mut p = AssistanceProposal {
            assistance: Assistance::Tekun,
            proposed_on: ymd(2025, 1, 2),
            decision: None,
        };
        assert_eq!(p.granted_measure(), None);
        p.decision = Some(AssistanceDecision {
            granted: false,
            decided_on: ymd(2025, 1, 9),
            note: String::new(),
        });
        assert_eq!(p.granted_measure(), None, "refused");
        p.decision.as_mut().unwrap().granted = true;
        let m = p.granted_measure().expect("granted");
        assert_eq!(
            (m.kind, m.starts_on, m.person.clone()),
            (MeasureKind::Tekun, ymd(2025, 1, 9), None)
        );
        assert_eq!(m.department, Department::CivilAffairs);
        // a household without labor living on it stays monitored
        let mut f = good();
        f.has_labor_capacity = false;
        f.measures.push(m);
        assert_eq!(
            failing(&f),
            vec![EliminationCriterion::NotDependentWithoutLabor]
        );
    }

    fn date_any() -> impl Strategy<Value = NaiveDate> {
        (-300_000i32..300_000).prop_map(|d| {
            NaiveDate::from_num_days_from_ce_opt(d * 1000 % 3_000_000).unwrap_or(NaiveDate::MIN)
        })
    }

    proptest! {
        #[test]
        fn check_never_panics(
            periods in prop::collection::vec((date_any(), date_any(), any::<i64>()), 0..8),
            line in any::<i64>(),
            since in date_any(),
            measures in any::<u32>(),
            months in any::<u32>(),
        ) {
            let mut f = good();
            f.income = periods
                .into_iter()
                .map(|(from, to, v)| IncomePeriod { from, to, per_person_annual_fen: v })
                .collect();
            f.monitoring_line_fen = line;
            f.monitored_since = since;
            f.measures = (0..measures % 4).map(|_| received(MeasureKind::Industry, since)).collect();
            let mut p = policy();
            p.elimination_min_monitored_months = months;
            p.elimination_income_stable_months = months;
            let report = elimination_check(&f, &p, now());
            prop_assert_eq!(report.criteria.len(), EliminationCriterion::ALL.len());
        }
    }
}
