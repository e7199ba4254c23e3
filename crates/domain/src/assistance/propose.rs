//! 一户一策, 一人一策: the measures dixian proposes for a newly monitored
//! household, from its risk types, its housing and water and each member's
//! labor capacity, age, schooling, disability and insurance. The cadre
//! adjusts and confirms; this only drafts.
//!
//! What it keeps, whatever the catalogue (property-tested below):
//! - it never proposes a kind the catalogue lacks, nor one the person (or
//!   household) is not eligible for on the day;
//! - it never proposes two kinds that exclude each other to one person;
//! - every member able to work — eligible on the day for at least one
//!   person-level development kind of the catalogue — gets one;
//! - a household where no member is able to work gets 兜底 (低保 or 特困,
//!   as eligible) for each member the catalogue allows;
//! - each proposal says why.

use super::catalogue::{MeasureCatalogue, MeasureClass, MeasureKind, MeasureRule};
use super::record::PlannedMeasure;
use crate::household::{
    DrinkingWater, Household, HousingGrade, Illness, InsuranceStatus, LaborCapacity, Member,
};
use crate::risk::RiskType;
use chrono::NaiveDate;

/// Development kinds that answer a risk type, most fitting first; every
/// eligible one of them is proposed.
fn development_for(risk: RiskType) -> &'static [MeasureKind] {
    use MeasureKind as K;
    match risk {
        RiskType::UnstableEmployment => &[K::Employment, K::PublicWelfareJob],
        RiskType::BusinessFailure => &[K::Industry, K::SmallLoan],
        RiskType::LackOfLabor => &[K::PublicWelfareJob],
        RiskType::Disaster | RiskType::Accident => &[K::WorkRelief],
        RiskType::Illness | RiskType::Disability => &[K::PublicWelfareJob],
        _ => &[],
    }
}

/// The order in which a development kind is looked for when the risks name
/// none that fits the person: work first, then income from the land, then
/// training.
const DEVELOPMENT_FALLBACK: [MeasureKind; 5] = [
    MeasureKind::Employment,
    MeasureKind::Industry,
    MeasureKind::PublicWelfareJob,
    MeasureKind::WorkRelief,
    MeasureKind::SkillsTraining,
];

/// Whether `rule` is a person-level development kind `m` may receive on
/// its own (not one resting on another, like 贴息 on a small loan).
fn development_fits(
    rule: &MeasureRule,
    household: &Household,
    m: &Member,
    risks: Option<&[RiskType]>,
    on: NaiveDate,
) -> bool {
    rule.class == MeasureClass::Development
        && !rule.household
        && rule.kind.requires().is_none()
        && matches!(m.labor, LaborCapacity::Full | LaborCapacity::Weak)
        && rule.fails(household, Some(m), risks, on).is_none()
}

/// Whether `m` is able to work in the sense of the catalogue: full or weak
/// labor, and eligible on `on` for some person-level development kind
/// (the kinds' risk tests read `risks` when known).
pub fn able_to_work(
    household: &Household,
    m: &Member,
    risks: Option<&[RiskType]>,
    catalogue: &MeasureCatalogue,
    on: NaiveDate,
) -> bool {
    catalogue
        .rules
        .iter()
        .any(|r| development_fits(r, household, m, risks, on))
}

/// Drafts the plan of `household` with risk types `risks` from the
/// catalogue in force on `on`. Household measures come last.
pub fn propose(
    household: &Household,
    risks: &[RiskType],
    catalogue: &MeasureCatalogue,
    on: NaiveDate,
) -> Vec<PlannedMeasure> {
    let mut plan = Draft {
        household,
        risks,
        catalogue,
        on,
        out: Vec::new(),
    };
    let workers: Vec<&Member> = household
        .members
        .iter()
        .filter(|m| able_to_work(household, m, Some(risks), catalogue, on))
        .collect();
    for m in &household.members {
        if workers.iter().any(|w| w.id_number == m.id_number) {
            plan.development(m);
        }
        plan.person_needs(m);
    }
    if workers.is_empty() {
        plan.protection();
    }
    plan.household_needs();
    plan.out
}

struct Draft<'a> {
    household: &'a Household,
    risks: &'a [RiskType],
    catalogue: &'a MeasureCatalogue,
    on: NaiveDate,
    out: Vec<PlannedMeasure>,
}

impl Draft<'_> {
    /// Adds `kind` for `person` (or the household) when the catalogue
    /// offers it at that level, the person is eligible, it is not there
    /// yet and excludes nothing already proposed for the person. Returns
    /// whether it was added.
    fn add(&mut self, person: Option<&Member>, kind: MeasureKind, reason: String) -> bool {
        let Some(rule) = self.catalogue.get(kind) else {
            return false;
        };
        if rule.household != person.is_none()
            || rule
                .fails(self.household, person, Some(self.risks), self.on)
                .is_some()
        {
            return false;
        }
        let id = person.map(|m| &m.id_number);
        let clash = self.out.iter().any(|p| {
            (p.person.as_ref() == id || p.person.is_none() || id.is_none())
                && (p.kind == kind || self.catalogue.exclusive(p.kind, kind))
        });
        if clash {
            return false;
        }
        self.out.push(PlannedMeasure {
            person: id.cloned(),
            kind,
            reason,
        });
        true
    }

    /// At least one development measure for a member able to work: those
    /// fitting the household's risks, else the first of the fallback
    /// order, else any the catalogue offers.
    fn development(&mut self, m: &Member) {
        let mut added = false;
        for &risk in self.risks {
            for &kind in development_for(risk) {
                let reason = format!(
                    "able to work ({}), household risk {} (有劳动能力，风险类型{})",
                    m.labor.label_en().to_lowercase(),
                    risk.label_en().to_lowercase(),
                    risk.label_zh()
                );
                added |= self.add(Some(m), kind, reason);
            }
        }
        let fallback = DEVELOPMENT_FALLBACK
            .iter()
            .copied()
            .chain(self.catalogue.rules.iter().map(|r| r.kind));
        for kind in fallback {
            if added {
                break;
            }
            let fits = self
                .catalogue
                .get(kind)
                .is_some_and(|r| development_fits(r, self.household, m, Some(self.risks), self.on));
            if fits {
                let reason = format!(
                    "able to work ({}): at least one development measure (有劳动能力，至少一项开发式帮扶)",
                    m.labor.label_en().to_lowercase()
                );
                added = self.add(Some(m), kind, reason);
            }
        }
    }

    /// Schooling, disability, insurance and illness of one member.
    fn person_needs(&mut self, m: &Member) {
        if let Some(stage) = m.student_stage {
            for kind in [MeasureKind::Yulu, MeasureKind::EducationAid] {
                let reason = format!(
                    "student ({}) (在校生：{})",
                    stage.label_en().to_lowercase(),
                    stage.label_zh()
                );
                self.add(Some(m), kind, reason);
            }
        }
        if let Some(d) = m.disability_kind {
            let reason = format!(
                "{} disability recorded (残疾：{})",
                d.label_en().to_lowercase(),
                d.label_zh()
            );
            self.add(Some(m), MeasureKind::DisabilitySubsidy, reason);
        }
        if m.insurance == InsuranceStatus::Uninsured {
            let reason = "no basic medical insurance (未参加基本医疗保险)".to_string();
            self.add(Some(m), MeasureKind::InsuranceSubsidy, reason);
        }
        if self.risks.contains(&RiskType::Illness) && m.illness != Illness::Healthy {
            let reason = format!(
                "{} and the household is at risk through illness (患病：{}，因病风险)",
                m.illness.label_en().to_lowercase(),
                m.illness.label_zh()
            );
            self.add(Some(m), MeasureKind::MedicalRelief, reason);
        }
    }

    /// 兜底 for a household where no one is able to work: 特困 first for a
    /// person living alone, 低保 first otherwise; the other when the first
    /// is not offered or not eligible.
    fn protection(&mut self) {
        let alone = self.household.members.len() == 1;
        let order = if alone {
            [MeasureKind::Tekun, MeasureKind::Dibao]
        } else {
            [MeasureKind::Dibao, MeasureKind::Tekun]
        };
        for m in &self.household.members {
            for kind in order {
                let reason = "no member of the household is able to work: social protection (无劳动能力户，兜底保障)".to_string();
                if self.add(Some(m), kind, reason) {
                    break;
                }
            }
        }
    }

    /// Housing, water and shocks of the household as a whole.
    fn household_needs(&mut self) {
        let h = self.household;
        if matches!(h.housing, HousingGrade::C | HousingGrade::D)
            || self.risks.contains(&RiskType::HousingSafety)
        {
            let reason = format!(
                "housing {} (住房安全等级{})",
                h.housing.label_en(),
                h.housing.label_zh()
            );
            self.add(None, MeasureKind::HousingRenovation, reason);
        }
        if h.water == DrinkingWater::Insecure || self.risks.contains(&RiskType::DrinkingWater) {
            let reason = format!(
                "drinking water {} (饮水{})",
                h.water.label_en().to_lowercase(),
                h.water.label_zh()
            );
            self.add(None, MeasureKind::DrinkingWater, reason);
        }
        for risk in [RiskType::Disaster, RiskType::Accident] {
            if self.risks.contains(&risk) {
                let reason = format!(
                    "a sudden shock: {} (突发困难：{})",
                    risk.label_en().to_lowercase(),
                    risk.label_zh()
                );
                self.add(None, MeasureKind::TemporaryRelief, reason);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assistance::fixtures::*;
    use crate::household::{DisabilityKind, Relation, StudentStage, StudentStatus};
    use proptest::prelude::*;

    fn kinds_of(plan: &[PlannedMeasure], m: &Member) -> Vec<MeasureKind> {
        plan.iter()
            .filter(|p| p.person.as_ref() == Some(&m.id_number))
            .map(|p| p.kind)
            .collect()
    }

    fn adult(seq: u16, labor: LaborCapacity) -> Member {
        let mut m = member(
            if seq == 1 {
                Relation::Head
            } else {
                Relation::Spouse
            },
            ymd(1980, 3, 1),
            seq,
        );
        m.labor = labor;
        m
    }

    #[test]
    fn development_follows_the_risk() {
        use MeasureKind as K;
        let h = household(vec![adult(1, LaborCapacity::Full)]);
        let c = catalogue();
        let cases: [(&[RiskType], &[K]); 4] = [
            (
                &[RiskType::UnstableEmployment],
                &[K::Employment, K::PublicWelfareJob],
            ),
            (&[RiskType::BusinessFailure], &[K::Industry, K::SmallLoan]),
            (&[RiskType::Other], &[K::Employment]),
            (&[], &[K::Employment]),
        ];
        for (risks, expected) in cases {
            let plan = propose(&h, risks, &c, today());
            assert_eq!(kinds_of(&plan, &h.members[0]), expected, "{risks:?}");
            assert!(plan.iter().all(|p| !p.reason.is_empty()));
        }
        let plan = propose(&h, &[RiskType::BusinessFailure], &c, today());
        assert!(plan[0].reason.contains("因产业失败"), "{}", plan[0].reason);
    }

    #[test]
    fn age_and_the_catalogue_bound_development() {
        use MeasureKind as K;
        // 62, weak labor: only public-welfare jobs (to 65) and loans (to 65)
        let mut old = adult(1, LaborCapacity::Weak);
        old.id_number = IdNumber::from_parts("520526", ymd(1963, 1, 1), 1).unwrap();
        let h = household(vec![old]);
        let plan = propose(&h, &[], &catalogue(), today());
        assert_eq!(kinds_of(&plan, &h.members[0]), [K::PublicWelfareJob]);
        // a region without employment measures falls back to industry
        let mut c = catalogue();
        c.rules.retain(|r| r.kind != K::Employment);
        let h = household(vec![adult(1, LaborCapacity::Full)]);
        let plan = propose(&h, &[RiskType::UnstableEmployment], &c, today());
        assert_eq!(kinds_of(&plan, &h.members[0]), [K::PublicWelfareJob]);
        let plan = propose(&h, &[], &c, today());
        assert_eq!(kinds_of(&plan, &h.members[0]), [K::Industry]);
    }

    #[test]
    fn a_subsidy_is_never_proposed_on_its_own() {
        use MeasureKind as K;
        // 70, weak labor: only the 贴息 has no ages of its own, and it
        // rests on a loan, so the member is not able to work
        let mut old = adult(1, LaborCapacity::Weak);
        old.id_number = IdNumber::from_parts("520526", ymd(1955, 1, 1), 1).unwrap();
        let h = household(vec![old]);
        let c = catalogue();
        assert!(c.get(K::LoanInterestSubsidy).is_some());
        assert!(!able_to_work(&h, &h.members[0], None, &c, today()));
        let plan = propose(&h, &[RiskType::BusinessFailure], &c, today());
        assert!(
            plan.iter().all(|p| p.kind != K::LoanInterestSubsidy),
            "{plan:?}"
        );
        // a catalogue whose only development kind is the 贴息
        let mut c = catalogue();
        c.rules
            .retain(|r| r.class != MeasureClass::Development || r.kind == K::LoanInterestSubsidy);
        let h = household(vec![adult(1, LaborCapacity::Full)]);
        assert!(!able_to_work(&h, &h.members[0], None, &c, today()));
        let plan = propose(&h, &[], &c, today());
        assert!(
            plan.iter().all(|p| p.kind != K::LoanInterestSubsidy),
            "{plan:?}"
        );
    }

    use crate::IdNumber;

    #[test]
    fn without_labor_the_household_gets_protection() {
        use MeasureKind as K;
        let c = catalogue();
        let alone = household(vec![adult(1, LaborCapacity::Lost)]);
        let plan = propose(&alone, &[RiskType::LackOfLabor], &c, today());
        assert_eq!(kinds_of(&plan, &alone.members[0]), [K::Tekun]);
        let two = household(vec![
            adult(1, LaborCapacity::None),
            adult(2, LaborCapacity::Lost),
        ]);
        let plan = propose(&two, &[], &c, today());
        assert_eq!(kinds_of(&plan, &two.members[0]), [K::Dibao]);
        assert_eq!(kinds_of(&plan, &two.members[1]), [K::Dibao]);
        // one member able to work: development, no 兜底
        let mixed = household(vec![
            adult(1, LaborCapacity::Full),
            adult(2, LaborCapacity::Lost),
        ]);
        let plan = propose(&mixed, &[], &c, today());
        assert!(plan.iter().all(|p| !matches!(p.kind, K::Dibao | K::Tekun)));
        // 低保 not offered: 特困 where eligible
        let mut no_dibao = catalogue();
        no_dibao.rules.retain(|r| r.kind != K::Dibao);
        for r in &mut no_dibao.rules {
            r.excludes.retain(|k| *k != K::Dibao);
        }
        let plan = propose(&two, &[], &no_dibao, today());
        assert_eq!(kinds_of(&plan, &two.members[0]), [K::Tekun]);
    }

    #[test]
    fn needs_of_persons_and_of_the_household() {
        use MeasureKind as K;
        let mut pupil = member(Relation::Child, ymd(2014, 9, 1), 2);
        pupil.labor = LaborCapacity::None;
        pupil.student_stage = Some(StudentStage::Primary);
        pupil.student_status = Some(StudentStatus::Enrolled);
        pupil.insurance = InsuranceStatus::Uninsured;
        let mut college = member(Relation::Child, ymd(2005, 9, 1), 3);
        college.labor = LaborCapacity::None;
        college.student_stage = Some(StudentStage::Tertiary);
        college.student_status = Some(StudentStatus::Enrolled);
        let mut dropped = college.clone();
        dropped.id_number = IdNumber::from_parts("520526", ymd(2006, 9, 1), 4).unwrap();
        dropped.student_status = Some(StudentStatus::DroppedOut);
        let mut head = adult(1, LaborCapacity::Weak);
        head.disability_kind = Some(DisabilityKind::Physical);
        head.illness = Illness::Serious;
        let mut h = household(vec![head, pupil, college, dropped]);
        h.housing = HousingGrade::C;
        h.water = DrinkingWater::Insecure;
        let plan = propose(
            &h,
            &[RiskType::Illness, RiskType::Disaster],
            &catalogue(),
            today(),
        );
        assert_eq!(
            kinds_of(&plan, &h.members[0]),
            [
                K::PublicWelfareJob,
                K::WorkRelief,
                K::DisabilitySubsidy,
                K::MedicalRelief
            ]
        );
        assert_eq!(
            kinds_of(&plan, &h.members[1]),
            [K::EducationAid, K::InsuranceSubsidy]
        );
        assert_eq!(kinds_of(&plan, &h.members[2]), [K::Yulu, K::EducationAid]);
        assert_eq!(kinds_of(&plan, &h.members[3]), []);
        let household_kinds: Vec<_> = plan
            .iter()
            .filter(|p| p.person.is_none())
            .map(|p| p.kind)
            .collect();
        assert_eq!(
            household_kinds,
            [K::HousingRenovation, K::DrinkingWater, K::TemporaryRelief]
        );
        // safe housing and water, no shock: nothing for the household
        h.housing = HousingGrade::A;
        h.water = DrinkingWater::Basic;
        let plan = propose(&h, &[], &catalogue(), today());
        assert!(plan.iter().all(|p| p.person.is_some()));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn proposals_keep_their_invariants(
            h in household_strategy(),
            risks in risks_strategy(),
            c in catalogue_strategy(),
        ) {
            let on = today();
            let plan = propose(&h, &risks, &c, on);
            for p in &plan {
                let rule = c.get(p.kind);
                prop_assert!(rule.is_some(), "{:?} not offered", p.kind);
                let rule = rule.unwrap();
                prop_assert_eq!(rule.household, p.person.is_none());
                let person = p.person.as_ref().map(|id| h.members.iter().find(|m| &m.id_number == id));
                prop_assert!(person.is_none_or(|m| m.is_some()), "a person outside the household");
                let person = person.flatten();
                prop_assert!(naive_eligible(rule, &h, person, &risks, on), "{:?} ineligible", p.kind);
                prop_assert!(!p.reason.trim().is_empty());
            }
            for (i, a) in plan.iter().enumerate() {
                for b in &plan[i + 1..] {
                    let same = a.person.is_none() || b.person.is_none() || a.person == b.person;
                    prop_assert!(!(same && a.kind == b.kind), "{:?} twice", a.kind);
                    prop_assert!(!(same && c.exclusive(a.kind, b.kind)), "{:?} with {:?}", a.kind, b.kind);
                }
            }
            // the oracle of "able to work": full or weak labor and eligible
            // for a person-level development kind that rests on no other
            let able = |m: &Member| {
                matches!(m.labor, LaborCapacity::Full | LaborCapacity::Weak)
                    && c.rules.iter().any(|r| r.class == MeasureClass::Development
                        && !r.household
                        && r.kind != MeasureKind::LoanInterestSubsidy
                        && naive_eligible(r, &h, Some(m), &risks, on))
            };
            let developed = |m: &Member| plan.iter().any(|p| {
                p.person.as_ref() == Some(&m.id_number)
                    && c.get(p.kind).is_some_and(|r| r.class == MeasureClass::Development)
            });
            for m in &h.members {
                if able(m) {
                    prop_assert!(developed(m), "a member able to work without development");
                }
            }
            if !h.members.iter().any(able) {
                for m in &h.members {
                    let protectable = [MeasureKind::Dibao, MeasureKind::Tekun].iter().any(|k| {
                        c.get(*k).is_some_and(|r| naive_eligible(r, &h, Some(m), &risks, on))
                    });
                    let protected = kinds_of(&plan, m)
                        .iter()
                        .any(|k| matches!(k, MeasureKind::Dibao | MeasureKind::Tekun));
                    prop_assert_eq!(protectable, protected);
                }
            }
        }
    }
}
