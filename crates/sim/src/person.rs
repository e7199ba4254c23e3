//! 人: health, disability, labor capacity, schooling, insurance, work and
//! phone of one member, drawn from age, sex and the household's situation.

use crate::random::{SimRng, between, chance, pick};
use dixian_domain::{
    DisabilityKind, EmploymentStatus, Illness, InsuranceStatus, LaborCapacity, StudentStage,
    StudentStatus,
};
use rand::Rng;
use rand::seq::IndexedRandom;

/// What the household contributes to a member's draw.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Setting {
    /// 原建档立卡脱贫户: more illness and disability, public-welfare jobs.
    pub formerly_poor: bool,
    /// A 街道 community: more local jobs, little farming.
    pub urban: bool,
}

/// A member's age with the traits drawn for it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Profile {
    /// Age in whole years on the run's date.
    pub age: u32,
    /// Drawn traits.
    pub traits: Traits,
}

/// Everything about a member except identity.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Traits {
    pub illness: Illness,
    pub disability: Option<(DisabilityKind, u8)>,
    pub labor: LaborCapacity,
    pub student: Option<(StudentStage, StudentStatus)>,
    pub insurance: InsuranceStatus,
    pub employment: EmploymentStatus,
    pub phone: Option<String>,
}

/// Draws a member's traits.
pub(crate) fn traits(rng: &mut SimRng, age: u32, s: Setting) -> Traits {
    let illness = illness(rng, age, s.formerly_poor);
    let disability = disability(rng, age, s.formerly_poor);
    let student = student(rng, age);
    let in_school = student.is_some_and(|(_, st)| st != StudentStatus::DroppedOut);
    let labor = if in_school {
        LaborCapacity::None
    } else {
        labor(rng, age, illness, disability)
    };
    let employment = if in_school {
        EmploymentStatus::NotApplicable
    } else {
        employment(rng, age, labor, s)
    };
    let insured = if s.formerly_poor || illness == Illness::Serious {
        0.996
    } else {
        0.98
    };
    let insurance = if chance(rng, insured) {
        InsuranceStatus::Insured
    } else {
        InsuranceStatus::Uninsured
    };
    let phone = phone(rng, age);
    Traits {
        illness,
        disability,
        labor,
        student,
        insurance,
        employment,
        phone,
    }
}

/// Chronic illness rises with age; serious illness is rare.
fn illness(rng: &mut SimRng, age: u32, poor: bool) -> Illness {
    let factor = if poor { 1.3 } else { 1.0 };
    let (chronic, serious) = match age {
        0..18 => (0.004, 0.002),
        18..35 => (0.015, 0.004),
        35..50 => (0.04, 0.008),
        50..60 => (0.08, 0.012),
        60..70 => (0.11, 0.016),
        _ => (0.14, 0.02),
    };
    let r: f64 = rng.random();
    if r < serious * factor {
        Illness::Serious
    } else if r < (serious + chronic) * factor {
        Illness::Chronic
    } else {
        Illness::Healthy
    }
}

/// Disability kinds by national survey shares (肢体 and 听力 most common).
const DISABILITY_KINDS: &[(DisabilityKind, u32)] = &[
    (DisabilityKind::Physical, 29),
    (DisabilityKind::Hearing, 24),
    (DisabilityKind::Visual, 14),
    (DisabilityKind::Multiple, 16),
    (DisabilityKind::Mental, 7),
    (DisabilityKind::Intellectual, 7),
    (DisabilityKind::Speech, 2),
];

/// Disability grade 1 (most severe) to 4.
const DISABILITY_GRADES: &[(u8, u32)] = &[(1, 10), (2, 20), (3, 30), (4, 40)];

/// A certified disability (kind and grade), rising with age.
fn disability(rng: &mut SimRng, age: u32, poor: bool) -> Option<(DisabilityKind, u8)> {
    let p = match age {
        0..18 => 0.012,
        18..45 => 0.03,
        45..60 => 0.06,
        60..75 => 0.09,
        _ => 0.14,
    };
    let factor = if poor { 1.6 } else { 1.0 };
    chance(rng, p * factor).then(|| (pick(rng, DISABILITY_KINDS), pick(rng, DISABILITY_GRADES)))
}

/// School stage and status by age; 义务教育 is nearly universal.
fn student(rng: &mut SimRng, age: u32) -> Option<(StudentStage, StudentStatus)> {
    use StudentStage::*;
    let (stage, p_student, p_dropped) = match age {
        3..=5 => (Preschool, 0.88, 0.0),
        6..=11 => (Primary, 0.998, 0.002),
        12..=14 => (JuniorSecondary, 0.995, 0.008),
        15 if chance(rng, 0.3) => (JuniorSecondary, 0.99, 0.01),
        15..=17 => (upper_secondary(rng), 0.86, 0.03),
        18 => (upper_secondary(rng), 0.35, 0.03),
        19..=22 => (Tertiary, 0.26, 0.0),
        _ => return None,
    };
    if !chance(rng, p_student) {
        return None;
    }
    let status = match rng.random::<f64>() {
        r if r < p_dropped => StudentStatus::DroppedOut,
        r if r < p_dropped + 0.004 => StudentStatus::Suspended,
        _ => StudentStatus::Enrolled,
    };
    Some((stage, status))
}

/// 普通高中 or 中职, roughly half each in rural Guizhou.
fn upper_secondary(rng: &mut SimRng) -> StudentStage {
    if chance(rng, 0.55) {
        StudentStage::SeniorSecondary
    } else {
        StudentStage::Vocational
    }
}

/// Labor capacity: the lower of what age and health allow.
fn labor(
    rng: &mut SimRng,
    age: u32,
    illness: Illness,
    disability: Option<(DisabilityKind, u8)>,
) -> LaborCapacity {
    let by_age = match age {
        0..16 => LaborCapacity::None,
        16..60 => LaborCapacity::Full,
        60..65 => pick(
            rng,
            &[
                (LaborCapacity::Full, 55),
                (LaborCapacity::Weak, 40),
                (LaborCapacity::None, 5),
            ],
        ),
        65..75 => pick(
            rng,
            &[
                (LaborCapacity::Full, 10),
                (LaborCapacity::Weak, 60),
                (LaborCapacity::None, 30),
            ],
        ),
        _ => LaborCapacity::None,
    };
    let by_illness = match illness {
        Illness::Serious => pick(
            rng,
            &[
                (LaborCapacity::Lost, 40),
                (LaborCapacity::Weak, 50),
                (LaborCapacity::Full, 10),
            ],
        ),
        Illness::Chronic if chance(rng, 0.4) => LaborCapacity::Weak,
        _ => LaborCapacity::Full,
    };
    let by_disability = match disability.map(|(_, g)| g) {
        Some(1 | 2) if chance(rng, 0.9) => LaborCapacity::Lost,
        Some(3) if chance(rng, 0.6) => LaborCapacity::Weak,
        Some(4) if chance(rng, 0.3) => LaborCapacity::Weak,
        _ => LaborCapacity::Full,
    };
    [by_age, by_illness, by_disability]
        .into_iter()
        .max_by_key(|l| rank(*l))
        .expect("three items")
}

/// Order of labor capacities from best to worst; children's 无 is kept as
/// 无 even when health alone would say 丧失.
fn rank(l: LaborCapacity) -> u8 {
    match l {
        LaborCapacity::Full => 0,
        LaborCapacity::Weak => 1,
        LaborCapacity::Lost => 2,
        LaborCapacity::None => 3,
    }
}

/// Work of someone not in school.
fn employment(rng: &mut SimRng, age: u32, labor: LaborCapacity, s: Setting) -> EmploymentStatus {
    use EmploymentStatus::*;
    let welfare = if s.formerly_poor { 8 } else { 2 };
    match labor {
        LaborCapacity::None | LaborCapacity::Lost => NotApplicable,
        LaborCapacity::Weak => {
            let welfare = if s.formerly_poor { 25 } else { 4 };
            pick(
                rng,
                &[
                    (Farming, 60),
                    (PublicWelfareJob, welfare),
                    (LocalWork, 5),
                    (NotApplicable, 25),
                ],
            )
        }
        LaborCapacity::Full if s.urban => pick(
            rng,
            &[
                (LocalWork, 45),
                (MigrantWork, 35),
                (Farming, 6),
                (Unemployed, 6),
                (PublicWelfareJob, welfare),
            ],
        ),
        LaborCapacity::Full if age <= 50 => pick(
            rng,
            &[
                (MigrantWork, 52),
                (LocalWork, 16),
                (Farming, 26),
                (Unemployed, 3),
                (PublicWelfareJob, welfare),
            ],
        ),
        LaborCapacity::Full => pick(
            rng,
            &[
                (Farming, 62),
                (LocalWork, 14),
                (MigrantWork, 17),
                (Unemployed, 3),
                (PublicWelfareJob, welfare),
            ],
        ),
    }
}

/// Mobile prefixes of the three carriers in Guizhou.
const PHONE_PREFIXES: &[&str] = &[
    "139", "138", "135", "136", "137", "150", "151", "152", "157", "158", "159", "182", "183",
    "187", "188", "198", "130", "131", "132", "155", "156", "185", "186", "166", "133", "153",
    "180", "181", "189", "173", "177", "199",
];

/// An 11-digit mobile number for most adults, fewer of the very old.
fn phone(rng: &mut SimRng, age: u32) -> Option<String> {
    let p = match age {
        0..15 => 0.0,
        15..18 => 0.3,
        18..60 => 0.95,
        60..75 => 0.7,
        _ => 0.35,
    };
    if !chance(rng, p) {
        return None;
    }
    let prefix = PHONE_PREFIXES.choose(rng).expect("non-empty");
    Some(format!(
        "{prefix}{:04}{:04}",
        between(rng, 0, 9999),
        between(rng, 0, 9999)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    const PLAIN: Setting = Setting {
        formerly_poor: false,
        urban: false,
    };

    #[test]
    fn children_and_students_do_not_work() {
        let mut rng = SimRng::seed_from_u64(21);
        for _ in 0..5000 {
            let age = between(&mut rng, 0, 22);
            let t = traits(&mut rng, age, PLAIN);
            if age < 16 {
                assert_eq!(t.labor, LaborCapacity::None);
                assert_eq!(t.employment, EmploymentStatus::NotApplicable);
            }
            if t.student.is_some_and(|(_, s)| s == StudentStatus::Enrolled) {
                assert_eq!(t.employment, EmploymentStatus::NotApplicable);
            }
        }
    }

    #[test]
    fn compulsory_schooling_is_near_universal() {
        let mut rng = SimRng::seed_from_u64(24);
        let n = 10_000;
        let in_school = (0..n)
            .filter(|_| {
                let age = between(&mut rng, 6, 14);
                traits(&mut rng, age, PLAIN)
                    .student
                    .is_some_and(|(_, s)| s == StudentStatus::Enrolled)
            })
            .count();
        assert!(in_school * 100 >= n * 98, "{in_school}/{n}");
    }

    #[test]
    fn severe_disability_takes_labor() {
        let mut rng = SimRng::seed_from_u64(22);
        let mut lost = 0;
        let mut severe = 0;
        for _ in 0..200_000 {
            let t = traits(&mut rng, 40, PLAIN);
            if t.disability.is_some_and(|(_, g)| g <= 2) {
                severe += 1;
                lost += usize::from(t.labor == LaborCapacity::Lost);
            }
        }
        assert!(severe > 100 && lost * 10 >= severe * 8, "{lost}/{severe}");
    }

    #[test]
    fn phones_are_eleven_digit_mobiles() {
        let mut rng = SimRng::seed_from_u64(23);
        let phones: Vec<String> = (0..2000).filter_map(|_| phone(&mut rng, 40)).collect();
        assert!(phones.len() > 1800);
        assert!(
            phones.iter().all(|p| p.len() == 11
                && p.starts_with('1')
                && p.bytes().all(|b| b.is_ascii_digit()))
        );
    }
}
