//! 二看粮 and money: land, housing, water, income by source, rigid expenses,
//! and which households are (or once were) poor or monitored.
//!
//! The figures are calibration of a synthetic world (roughly rural Guizhou
//! in the mid-2020s), not policy: monitoring lines live in rule sets.

use crate::person::Profile;
use crate::random::{SimRng, between, chance, log_normal, pick, yuan};
use dixian_domain::{
    Category, DrinkingWater, EmploymentStatus, HousingGrade, Illness, Income, InsuranceStatus,
    LaborCapacity, StudentStage, StudentStatus,
};

/// Where a household lives, as far as money is concerned.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place {
    /// 0 (better off) – 1 (poorest townships of the county).
    pub poverty: f64,
    /// A 街道 community rather than a rural township.
    pub urban: bool,
    /// Multiplier on local earnings of the village (0.6–1.4).
    pub earnings: f64,
}

/// Whether the household was registered poor (建档立卡) in the campaign:
/// about one in five, more in poor townships and among old or large families.
pub(crate) fn formerly_poor(
    rng: &mut SimRng,
    place: Place,
    ages: impl Iterator<Item = u32>,
) -> bool {
    let (mut n, mut old) = (0, 0);
    for a in ages {
        n += 1;
        old += u32::from(a >= 60);
    }
    let shape = if old == n || n >= 6 { 1.35 } else { 1.0 };
    chance(rng, (0.05 + 0.27 * place.poverty) * shape)
}

/// 住房安全等级: mostly A/B; C/D more common in poor townships and rarer
/// among former poor households, whose houses were rebuilt (危房改造).
pub(crate) fn housing(rng: &mut SimRng, place: Place, formerly_poor: bool) -> HousingGrade {
    let unsafe_factor = if formerly_poor { 0.5 } else { 1.0 };
    let p = place.poverty;
    let w = |x: f64| (x * 10.0).round() as u32;
    pick(
        rng,
        &[
            (HousingGrade::A, w(55.0 - 15.0 * p)),
            (HousingGrade::B, w(38.0)),
            (HousingGrade::C, w((4.0 + 7.0 * p) * unsafe_factor)),
            (HousingGrade::D, w((0.3 + 0.6 * p) * unsafe_factor)),
        ],
    )
}

/// 饮水安全: mostly secure after the drinking-water works.
pub(crate) fn water(rng: &mut SimRng, place: Place) -> DrinkingWater {
    let p = place.poverty;
    let w = |x: f64| (x * 10.0).round() as u32;
    pick(
        rng,
        &[
            (DrinkingWater::Secure, w(91.0 - 8.0 * p)),
            (DrinkingWater::Basic, w(8.0 + 6.0 * p)),
            (DrinkingWater::Insecure, w(1.0 + 2.0 * p)),
        ],
    )
}

/// 耕地 and 林地 in 亩 (one decimal).
pub(crate) fn land(rng: &mut SimRng, place: Place, persons: usize) -> (f64, f64) {
    let tenth = |x: f64| (x * 10.0).round() / 10.0;
    let n = persons as f64;
    let farmland = if !place.urban {
        log_normal(rng, 1.5, 0.5) * n * (0.8 + 0.4 * place.poverty)
    } else if chance(rng, 0.3) {
        log_normal(rng, 0.8, 0.6) * n
    } else {
        0.0
    };
    let p_forest = if place.urban { 0.1 } else { 0.55 };
    let forest = if chance(rng, p_forest) {
        log_normal(rng, 4.0, 0.9)
    } else {
        0.0
    };
    (tenth(farmland), tenth(forest))
}

/// Household income by source, before 低保.
pub(crate) fn income(
    rng: &mut SimRng,
    place: Place,
    poor: bool,
    members: &[Profile],
    land: (f64, f64),
) -> Income {
    let wage = members.iter().map(|m| wage(rng, place, m)).sum();
    Income {
        wage: yuan(wage),
        production: yuan(production(rng, place, members, land.0)),
        property: yuan(property(rng, place, poor)),
        transfer: yuan(transfer(rng, poor, members, land)),
    }
}

/// Yearly wage of one member.
fn wage(rng: &mut SimRng, place: Place, m: &Profile) -> f64 {
    let weak = if m.traits.labor == LaborCapacity::Weak {
        0.6
    } else {
        1.0
    };
    let local = if place.urban { 1.2 } else { 1.0 } * place.earnings;
    weak * match m.traits.employment {
        EmploymentStatus::MigrantWork => log_normal(rng, 30_000.0, 0.45) * place.earnings.sqrt(),
        EmploymentStatus::LocalWork => log_normal(rng, 20_000.0, 0.45) * local,
        EmploymentStatus::PublicWelfareJob => f64::from(12 * between(rng, 500, 800)),
        _ => 0.0,
    }
}

/// Crops, livestock and small business.
fn production(rng: &mut SimRng, place: Place, members: &[Profile], farmland: f64) -> f64 {
    let farming: f64 = members
        .iter()
        .filter(|m| m.traits.employment == EmploymentStatus::Farming)
        .map(|m| {
            if m.traits.labor == LaborCapacity::Weak {
                3_000.0
            } else {
                6_000.0
            }
        })
        .map(|median| log_normal(rng, median, 0.6))
        .sum();
    let can_work = members
        .iter()
        .any(|m| matches!(m.traits.labor, LaborCapacity::Full | LaborCapacity::Weak));
    let (p_livestock, p_business) = if place.urban {
        (0.05, 0.15)
    } else {
        (0.4, 0.05)
    };
    let livestock = if can_work && chance(rng, p_livestock) {
        log_normal(rng, 5_000.0, 0.8)
    } else {
        0.0
    };
    let business = if can_work && chance(rng, p_business) {
        log_normal(rng, 20_000.0, 0.7)
    } else {
        0.0
    };
    let crops = farmland * log_normal(rng, 250.0, 0.4);
    (farming + livestock + business + crops) * place.earnings
}

/// Land rent, dividends; 资产收益 for former poor households.
fn property(rng: &mut SimRng, place: Place, poor: bool) -> f64 {
    if poor && chance(rng, 0.7) {
        log_normal(rng, 600.0, 0.5)
    } else if place.urban && chance(rng, 0.4) {
        log_normal(rng, 3_000.0, 1.0)
    } else if chance(rng, 0.25) {
        log_normal(rng, 800.0, 1.0)
    } else {
        0.0
    }
}

/// Pensions, disability subsidies, land and forest subsidies, student aid
/// and support from children living elsewhere.
fn transfer(
    rng: &mut SimRng,
    poor: bool,
    members: &[Profile],
    (farmland, forest): (f64, f64),
) -> f64 {
    let mut total = farmland * 95.0 + forest * 16.0;
    for m in members {
        if m.age >= 60 {
            total += 12.0 * log_normal(rng, 180.0, 0.15);
        }
        total += match m.traits.disability {
            Some((_, 1 | 2)) => 1_560.0,
            Some(_) if poor => 780.0,
            _ => 0.0,
        };
        if poor
            && m.traits
                .student
                .is_some_and(|(_, s)| s == StudentStatus::Enrolled)
        {
            total += f64::from(between(rng, 1_000, 2_500));
        }
    }
    if members.iter().all(|m| m.age >= 55) && chance(rng, 0.8) {
        total += log_normal(rng, 3_500.0, 0.7);
    }
    total
}

/// 低保 for households with little income and no way to earn more; added
/// to transfer income.
pub(crate) fn social_assistance(
    rng: &mut SimRng,
    poor: bool,
    members: &[Profile],
    income: &mut Income,
) {
    let per_person = income.total() as f64 / members.len() as f64;
    let no_labor = !members
        .iter()
        .any(|m| m.traits.labor == LaborCapacity::Full);
    let serious = members.iter().any(|m| m.traits.illness == Illness::Serious);
    let eligible = per_person < 6_000.0 && (no_labor || serious || poor);
    if eligible && chance(rng, 0.85) {
        let monthly = f64::from(between(rng, 300, 500));
        income.transfer += yuan(12.0 * monthly * members.len() as f64);
    }
}

/// Rigid expenses (医疗, 教育) in 元 per year.
pub(crate) fn expenses(rng: &mut SimRng, poor: bool, members: &[Profile]) -> (i64, i64) {
    let mut medical = 0.0;
    let mut schooling = 0.0;
    for m in members {
        medical += member_medical(rng, m);
        if let Some((stage, StudentStatus::Enrolled)) = m.traits.student {
            schooling += school_cost(rng, stage);
        }
    }
    let relief = if poor { 0.6 } else { 1.0 };
    (yuan(medical), yuan(schooling * relief))
}

/// Self-paid medical cost of one member after insurance.
fn member_medical(rng: &mut SimRng, m: &Profile) -> f64 {
    let base = log_normal(rng, 150.0, 1.0);
    let illness = match m.traits.illness {
        Illness::Healthy => 0.0,
        Illness::Chronic => log_normal(rng, 2_500.0, 0.6),
        Illness::Serious => log_normal(rng, 20_000.0, 0.8),
    };
    let disability = if m.traits.disability.is_some() {
        log_normal(rng, 600.0, 0.8)
    } else {
        0.0
    };
    let uninsured = if m.traits.insurance == InsuranceStatus::Uninsured {
        1.8
    } else {
        1.0
    };
    (base + illness + disability) * uninsured
}

/// Yearly cost of a stage: food, board, fees (tuition is free in 义务教育).
fn school_cost(rng: &mut SimRng, stage: StudentStage) -> f64 {
    let median = match stage {
        StudentStage::Preschool => 1_800.0,
        StudentStage::Primary => 600.0,
        StudentStage::JuniorSecondary => 1_000.0,
        StudentStage::SeniorSecondary => 4_500.0,
        StudentStage::Vocational => 3_500.0,
        StudentStage::Tertiary => 13_000.0,
    };
    log_normal(rng, median, 0.4)
}

/// The facts that decide whether a household is monitored.
pub(crate) struct Risk {
    /// 原建档立卡脱贫户
    pub formerly_poor: bool,
    /// Income per person per year (元).
    pub per_person: i64,
    /// Self-paid medical cost (元/年).
    pub medical: i64,
    /// No member with full labor capacity.
    pub no_labor: bool,
    /// House rated D.
    pub collapsed_house: bool,
}

/// 监测对象类别, for about 4% of households: low income, big medical bills,
/// no labor or a collapsed house make it likely; former poor households
/// become 脱贫不稳定户.
pub(crate) fn category(rng: &mut SimRng, r: &Risk) -> Option<Category> {
    let very_low = f64::from(u8::from(r.per_person < 6_000));
    let low = f64::from(u8::from(r.per_person < 8_000));
    let big_medical = f64::from(u8::from(r.medical >= 15_000));
    let no_labor = f64::from(u8::from(r.no_labor));
    let house = f64::from(u8::from(r.collapsed_house));
    let p = if r.formerly_poor {
        0.04 + 0.25 * very_low + 0.12 * low + 0.3 * big_medical + 0.06 * no_labor + 0.3 * house
    } else {
        0.004 + 0.12 * very_low + 0.06 * low + 0.25 * big_medical + 0.2 * house
    };
    if !chance(rng, p) {
        return None;
    }
    Some(if r.formerly_poor {
        Category::UnstableFormerlyPoor
    } else if big_medical + house > 0.0 && chance(rng, 0.75) || chance(rng, 0.12) {
        Category::SuddenHardship
    } else {
        Category::MarginalAtRisk
    })
}
