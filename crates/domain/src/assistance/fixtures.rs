//! Test fixtures of the assistance module: a catalogue shaped like the
//! shipped national one (numbers are the tests' own), households and
//! members, and the proptest strategies that generate them.

use super::catalogue::{
    AssistancePolicy, Department, Eligibility, MeasureCatalogue, MeasureClass, MeasureKind,
    MeasureRule, MeasureUnit,
};
use super::record::{Measure, MeasureSource, MeasureStatus};
use crate::household::{
    Category, DisabilityKind, DrinkingWater, EmploymentStatus, Household, HousingGrade, Illness,
    Income, InsuranceStatus, LaborCapacity, Member, Relation, StudentStage, StudentStatus,
};
use crate::risk::RiskType;
use crate::{IdNumber, RegionCode};
use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;

pub(crate) fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid test date")
}

/// The day most tests look from.
pub(crate) fn today() -> NaiveDate {
    ymd(2025, 6, 15)
}

fn rule(kind: MeasureKind, class: MeasureClass, household: bool) -> MeasureRule {
    MeasureRule {
        kind,
        class,
        household,
        unit: MeasureUnit::Yuan,
        department: Department::Other,
        eligibility: Eligibility::default(),
        max_amount_fen: None,
        max_term_months: None,
        max_yearly_rate_bp: None,
        excludes: Vec::new(),
    }
}

/// Labor full or weak, 16 to 60.
fn working() -> Eligibility {
    Eligibility {
        labor: vec![LaborCapacity::Full, LaborCapacity::Weak],
        min_age: Some(16),
        max_age: Some(60),
        ..Eligibility::default()
    }
}

/// Every kind, like `rules/national-2021.toml`.
pub(crate) fn catalogue() -> MeasureCatalogue {
    use MeasureClass::*;
    use MeasureKind as K;
    let dev = |k| MeasureRule {
        eligibility: working(),
        ..rule(k, Development, false)
    };
    let mut loan = dev(K::SmallLoan);
    loan.department = Department::Bank;
    loan.eligibility.min_age = Some(18);
    loan.eligibility.max_age = Some(65);
    loan.max_amount_fen = Some(5_000_000);
    loan.max_term_months = Some(36);
    // 贴息 rests on the loan: no person tests of its own, a yearly rate cap
    let mut subsidy = rule(K::LoanInterestSubsidy, Development, false);
    subsidy.department = Department::Agriculture;
    subsidy.max_term_months = Some(36);
    subsidy.max_yearly_rate_bp = Some(435);
    let mut job = dev(K::PublicWelfareJob);
    job.eligibility.max_age = Some(65);
    let students = |k, class, stages: &[StudentStage]| MeasureRule {
        eligibility: Eligibility {
            student_stages: stages.to_vec(),
            ..Eligibility::default()
        },
        ..rule(k, class, false)
    };
    let excluding = |k, ex: &[MeasureKind]| MeasureRule {
        department: Department::CivilAffairs,
        excludes: ex.to_vec(),
        ..rule(k, Protection, false)
    };
    let mut tekun = excluding(K::Tekun, &[K::Dibao]);
    tekun.eligibility.labor = vec![LaborCapacity::None, LaborCapacity::Lost];
    let mut disability = rule(K::DisabilitySubsidy, Protection, false);
    disability.eligibility.disability = true;
    MeasureCatalogue {
        rules: vec![
            dev(K::Industry),
            dev(K::Employment),
            job,
            dev(K::WorkRelief),
            dev(K::SkillsTraining),
            loan,
            subsidy,
            rule(K::Consumption, Development, true),
            students(
                K::Yulu,
                Development,
                &[StudentStage::Vocational, StudentStage::Tertiary],
            ),
            excluding(K::Dibao, &[K::Tekun]),
            tekun,
            excluding(K::DibaoEdge, &[K::Dibao, K::Tekun]),
            rule(K::TemporaryRelief, Protection, true),
            rule(K::MedicalRelief, Protection, false),
            disability,
            students(K::EducationAid, Guarantee, StudentStage::ALL),
            rule(K::InsuranceSubsidy, Guarantee, false),
            rule(K::HousingRenovation, Guarantee, true),
            rule(K::DrinkingWater, Guarantee, true),
            rule(K::RelocationSupport, Guarantee, true),
        ],
    }
}

pub(crate) fn policy() -> AssistancePolicy {
    AssistancePolicy {
        first_measure_days: 30,
        effect_review_months: 6,
        visit_interval_days: 30,
    }
}

/// A healthy, insured adult with full labor, born on `birth`.
pub(crate) fn member(relation: Relation, birth: NaiveDate, seq: u16) -> Member {
    Member {
        id_number: IdNumber::from_parts("520526", birth, seq).expect("a valid test ID"),
        name: "成员".into(),
        relation,
        labor: LaborCapacity::Full,
        disability_kind: None,
        disability_grade: None,
        illness: Illness::Healthy,
        student_stage: None,
        student_status: None,
        insurance: InsuranceStatus::Insured,
        employment: EmploymentStatus::Farming,
        phone: None,
    }
}

/// A monitored household, safe housing and water, of `members`.
pub(crate) fn household(members: Vec<Member>) -> Household {
    Household {
        number: "H-1".into(),
        village: RegionCode::parse("520526101201").expect("a village code"),
        village_group: None,
        address: String::new(),
        category: Some(Category::MarginalAtRisk),
        formerly_registered_poor: false,
        housing: HousingGrade::B,
        water: DrinkingWater::Secure,
        farmland_mu: 0.0,
        forest_mu: 0.0,
        income: Income::default(),
        medical_expense: 0,
        schooling_expense: 0,
        members,
    }
}

/// A measure for `person` (or the household) from `from` to `to`.
pub(crate) fn measure(
    person: Option<&Member>,
    kind: MeasureKind,
    from: NaiveDate,
    to: Option<NaiveDate>,
) -> Measure {
    Measure {
        person: person.map(|m| m.id_number.clone()),
        kind,
        department: Department::CivilAffairs,
        amount_fen: Some(50_000),
        starts_on: from,
        ends_on: to,
        status: MeasureStatus::Ongoing,
        source: MeasureSource::Cadre,
        evidence: "test".into(),
    }
}

fn member_strategy(seq: u16) -> impl Strategy<Value = Member> {
    (
        0i64..90 * 365,
        prop::sample::select(LaborCapacity::ALL),
        prop::option::of(prop::sample::select(StudentStage::ALL)),
        prop::sample::select(StudentStatus::ALL),
        prop::option::of(prop::sample::select(DisabilityKind::ALL)),
        prop::sample::select(Illness::ALL),
        any::<bool>(),
    )
        .prop_map(
            move |(age_days, labor, stage, status, disability, illness, insured)| {
                let birth = today() - chrono::Days::new(age_days as u64);
                let mut m = member(Relation::Child, birth, seq);
                m.labor = labor;
                m.student_stage = stage;
                m.student_status = stage.map(|_| status);
                m.disability_kind = disability;
                m.disability_grade = disability.map(|_| 2);
                m.illness = illness;
                m.insurance = if insured {
                    InsuranceStatus::Insured
                } else {
                    InsuranceStatus::Uninsured
                };
                m
            },
        )
}

/// Households of 1 to 6 generated members (the first the head), any
/// housing and water.
pub(crate) fn household_strategy() -> impl Strategy<Value = Household> {
    (
        prop::collection::vec(any::<u8>(), 1..=6),
        prop::sample::select(HousingGrade::ALL),
        prop::sample::select(DrinkingWater::ALL),
        prop::option::of(prop::sample::select(Category::ALL)),
    )
        .prop_flat_map(|(seeds, housing, water, category)| {
            let members: Vec<_> = (0..seeds.len())
                .map(|i| member_strategy(u16::try_from(i + 1).expect("few members")))
                .collect();
            (members, Just((housing, water, category)))
        })
        .prop_map(|(mut members, (housing, water, category))| {
            members[0].relation = Relation::Head;
            let mut h = household(members);
            h.housing = housing;
            h.water = water;
            h.category = category;
            h
        })
}

/// Any subset of the risk types.
pub(crate) fn risks_strategy() -> impl Strategy<Value = Vec<RiskType>> {
    prop::sample::subsequence(RiskType::ALL, 0..=RiskType::ALL.len())
}

/// The fixture catalogue, or a random part of it (a region that offers
/// less), with `excludes` kept only where the kind is still offered.
pub(crate) fn catalogue_strategy() -> impl Strategy<Value = MeasureCatalogue> {
    let all = catalogue().rules;
    let n = all.len();
    prop_oneof![
        Just(catalogue()),
        prop::sample::subsequence(all, 0..=n).prop_map(|rules| {
            let kinds: Vec<_> = rules.iter().map(|r| r.kind).collect();
            let rules = rules
                .into_iter()
                .map(|mut r| {
                    r.excludes.retain(|k| kinds.contains(k));
                    r
                })
                .collect();
            MeasureCatalogue { rules }
        }),
    ]
}

/// A reference reading of an eligibility, written apart from
/// `eligible.rs` (the oracle of the property tests): every test spelled
/// out on the raw fields.
pub(crate) fn naive_eligible(
    rule: &MeasureRule,
    household: &Household,
    person: Option<&Member>,
    risks: &[RiskType],
    on: NaiveDate,
) -> bool {
    let e = &rule.eligibility;
    let category_ok =
        e.categories.is_empty() || e.categories.iter().any(|c| household.category == Some(*c));
    let risk_ok = e.risks.is_empty() || risks.iter().any(|r| e.risks.contains(r));
    let person_ok = |m: &Member| {
        let birth = m.id_number.birth_date();
        let mut age = on.year() - birth.year();
        if (on.month(), on.day()) < (birth.month(), birth.day()) {
            age -= 1;
        }
        let age = age.max(0) as u32;
        (e.labor.is_empty() || e.labor.contains(&m.labor))
            && e.min_age.is_none_or(|a| age >= a)
            && e.max_age.is_none_or(|a| age <= a)
            && (e.student_stages.is_empty()
                || (m
                    .student_stage
                    .is_some_and(|s| e.student_stages.contains(&s))
                    && m.student_status != Some(StudentStatus::DroppedOut)
                    && m.student_status != Some(StudentStatus::Suspended)))
            && (!e.disability || m.disability_kind.is_some())
    };
    category_ok
        && risk_ok
        && match person {
            Some(m) => person_ok(m),
            None => household.members.iter().any(person_ok),
        }
}
