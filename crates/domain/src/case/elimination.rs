//! 风险消除 check: whether a monitored household's risk may be closed,
//! criterion by criterion, with the reason each holds or fails.
//!
//! The criteria (numbers from [`WorkflowPolicy`]): income stably at or
//! above the monitoring line for the last `elimination_income_stable_months`
//! months; the big expense resolved; 三保障 secure (no dropped-out pupil of
//! compulsory age, every member insured, housing grade A or B); drinking
//! water secure or basically secure; monitored for at least
//! `elimination_min_monitored_months`; at least `elimination_min_measures`
//! measures received; and a household without labor capacity that lives on
//! social protection (兜底) is never marked eliminated.

use super::china_date;
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
    /// 人均纯收入 over the period, annualised (元 per person per year), to
    /// compare with the monitoring line.
    pub per_person_annual: i64,
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
    /// 监测收入线 of the province and year (元 per person per year).
    pub monitoring_line: i64,
    /// Income history, any order; periods may overlap (the lowest counts).
    pub income: Vec<IncomePeriod>,
    /// Whether the big rigid expense (medical, schooling) is resolved.
    pub big_expense_resolved: bool,
    /// 三保障.
    pub guarantees: ThreeGuarantees,
    /// 饮水安全.
    pub water: DrinkingWater,
    /// Day the household became monitored.
    pub monitored_since: NaiveDate,
    /// Measures (帮扶措施) received.
    pub measures: u32,
    /// Whether any member can work.
    pub has_labor_capacity: bool,
    /// Whether the household lives on social protection (兜底: 低保, 特困).
    pub depends_on_social_protection: bool,
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
        measures(facts, policy),
        not_dependent_without_labor(facts),
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
    let months = stable_months(&facts.income, facts.monitoring_line, today);
    let need = policy.elimination_income_stable_months;
    let why = format!(
        "income per person at or above the line of {line} 元 in the last {months} consecutive recorded months, {need} required \
         (人均收入连续{months}个月不低于监测线{line}元，要求{need}个月)",
        line = facts.monitoring_line
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
            let v = lowest.entry(m).or_insert(p.per_person_annual);
            *v = (*v).min(p.per_person_annual);
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

fn schooling(facts: &EliminationFacts) -> CriterionResult {
    let n = facts.guarantees.dropped_out_pupils;
    let why = format!("{n} pupil(s) of compulsory age out of school (义务教育阶段辍学{n}人)");
    result(EliminationCriterion::CompulsorySchooling, n == 0, why)
}

fn insurance(facts: &EliminationFacts) -> CriterionResult {
    let n = facts.guarantees.uninsured_members;
    let why = format!("{n} member(s) without basic medical insurance (未参加基本医疗保险{n}人)");
    result(EliminationCriterion::MedicalInsurance, n == 0, why)
}

fn housing(facts: &EliminationFacts) -> CriterionResult {
    let grade = facts.guarantees.housing;
    let holds = matches!(grade, HousingGrade::A | HousingGrade::B);
    let why = format!(
        "housing is {}, A or B required (住房安全等级为{}，要求A级或B级)",
        grade.label_en(),
        grade.label_zh()
    );
    result(EliminationCriterion::SafeHousing, holds, why)
}

fn water(facts: &EliminationFacts) -> CriterionResult {
    let w = facts.water;
    let holds = matches!(w, DrinkingWater::Secure | DrinkingWater::Basic);
    let why = format!(
        "drinking water is {}, secure or basically secure required (饮水{}，要求安全或基本安全)",
        w.label_en().to_lowercase(),
        w.label_zh()
    );
    result(EliminationCriterion::DrinkingWater, holds, why)
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

fn measures(facts: &EliminationFacts, policy: &WorkflowPolicy) -> CriterionResult {
    let (n, need) = (facts.measures, policy.elimination_min_measures);
    let why =
        format!("{n} measure(s) received, {need} required (已落实帮扶措施{n}项，要求{need}项)");
    result(EliminationCriterion::MeasuresReceived, n >= need, why)
}

fn not_dependent_without_labor(facts: &EliminationFacts) -> CriterionResult {
    let blocked = !facts.has_labor_capacity && facts.depends_on_social_protection;
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
            per_person_annual: income,
        }
    }

    /// Facts under which every criterion holds with [`policy`] (4 stable
    /// months, 9 monitored months, 2 measures) on [`now`].
    fn good() -> EliminationFacts {
        EliminationFacts {
            monitoring_line: 8_700,
            income: (2..=6).map(|m| month(2025, m, 9_000)).collect(),
            big_expense_resolved: true,
            guarantees: ThreeGuarantees {
                dropped_out_pupils: 0,
                uninsured_members: 0,
                housing: HousingGrade::B,
            },
            water: DrinkingWater::Basic,
            monitored_since: ymd(2024, 9, 15),
            measures: 2,
            has_labor_capacity: true,
            depends_on_social_protection: false,
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
            (C::IncomeStable, |f| f.income[3].per_person_annual = 8_699),
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
            (C::MeasuresReceived, |f| f.measures = 1),
            (C::NotDependentWithoutLabor, |f| {
                f.has_labor_capacity = false;
                f.depends_on_social_protection = true;
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
        f.income = (3..3 + need).map(|m| month(2025, m, 8_700)).collect();
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
            per_person_annual: 5_000,
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
                per_person_annual: 9_500,
            },
            IncomePeriod {
                from: ymd(2025, 4, 1),
                to: ymd(2025, 6, 30),
                per_person_annual: 9_500,
            },
        ];
        assert!(failing(&f).is_empty());
        // only future months above the line
        f.income = (7..=12).map(|m| month(2025, m, 20_000)).collect();
        assert_eq!(failing(&f), vec![EliminationCriterion::IncomeStable]);
        // a period ending before it starts is ignored
        f.income = vec![IncomePeriod {
            from: ymd(2025, 6, 30),
            to: ymd(2024, 1, 1),
            per_person_annual: 20_000,
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
            f.depends_on_social_protection = depends;
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
        f.measures = 1;
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
                .map(|(from, to, v)| IncomePeriod { from, to, per_person_annual: v })
                .collect();
            f.monitoring_line = line;
            f.monitored_since = since;
            f.measures = measures;
            let mut p = policy();
            p.elimination_min_monitored_months = months;
            p.elimination_income_stable_months = months;
            let report = elimination_check(&f, &p, now());
            prop_assert_eq!(report.criteria.len(), EliminationCriterion::ALL.len());
        }
    }
}
