//! Who may receive a kind: the tests of an [`Eligibility`] applied to a
//! household and one of its members, naming the first test that fails.
//! The proposal ([`propose`](super::propose)) and the measure check
//! ([`check_measure`](super::check_measure)) both ask here, so they can
//! never disagree on who is eligible.

use super::catalogue::{Eligibility, MeasureRule};
use crate::coded::coded_enum;
use crate::household::{Household, Member, StudentStatus};
use crate::risk::RiskType;
use chrono::NaiveDate;

coded_enum! {
    /// 资格条件: one test of an [`Eligibility`], named by its key in the
    /// rule file.
    EligibilityTest {
        /// `labor`: the person's labor capacity is not listed.
        Labor => ("labor", "劳动能力不符", "Labor capacity not eligible"),
        /// `min_age`: younger than the youngest age.
        MinAge => ("min_age", "低于最低年龄", "Below the minimum age"),
        /// `max_age`: older than the oldest age.
        MaxAge => ("max_age", "超过最高年龄", "Above the maximum age"),
        /// `student_stages`: not a student at a listed stage.
        StudentStage => ("student_stages", "非适用学段在校生", "Not a student at an eligible stage"),
        /// `disability`: no recorded disability.
        Disability => ("disability", "无残疾记录", "No recorded disability"),
        /// `risks`: the household has none of the listed risk types.
        Risk => ("risks", "风险类型不符", "Household risk type not eligible"),
        /// `categories`: the household is of none of the listed categories.
        Category => ("categories", "监测对象类别不符", "Household category not eligible"),
    }
}

impl Eligibility {
    /// The first person test `member` fails on `on` (age in full years on
    /// that day), or `None` when every person test set passes.
    pub fn person_fails(&self, member: &Member, on: NaiveDate) -> Option<EligibilityTest> {
        let age = member.id_number.age_on(on);
        if !self.labor.is_empty() && !self.labor.contains(&member.labor) {
            return Some(EligibilityTest::Labor);
        }
        if self.min_age.is_some_and(|min| age < min) {
            return Some(EligibilityTest::MinAge);
        }
        if self.max_age.is_some_and(|max| age > max) {
            return Some(EligibilityTest::MaxAge);
        }
        if !self.student_stages.is_empty() {
            let at_stage = member
                .student_stage
                .is_some_and(|s| self.student_stages.contains(&s));
            let in_school = !matches!(
                member.student_status,
                Some(StudentStatus::DroppedOut | StudentStatus::Suspended)
            );
            if !(at_stage && in_school) {
                return Some(EligibilityTest::StudentStage);
            }
        }
        if self.disability && member.disability_kind.is_none() {
            return Some(EligibilityTest::Disability);
        }
        None
    }

    /// Whether any person test is set (a household measure then needs one
    /// member who passes them).
    pub fn has_person_tests(&self) -> bool {
        !self.labor.is_empty()
            || self.min_age.is_some()
            || self.max_age.is_some()
            || !self.student_stages.is_empty()
            || self.disability
    }

    /// The first household test that fails: the category, and the risk
    /// types when they are known (`None`: not checked, e.g. a measure
    /// recorded without its case at hand).
    pub fn household_fails(
        &self,
        household: &Household,
        risks: Option<&[RiskType]>,
    ) -> Option<EligibilityTest> {
        if !self.categories.is_empty()
            && !household
                .category
                .is_some_and(|c| self.categories.contains(&c))
        {
            return Some(EligibilityTest::Category);
        }
        if let Some(risks) = risks
            && !self.risks.is_empty()
            && !risks.iter().any(|r| self.risks.contains(r))
        {
            return Some(EligibilityTest::Risk);
        }
        None
    }
}

impl MeasureRule {
    /// The first test failed by giving this kind to `person` (a person
    /// measure) or to the household (`person` = `None`: one member passing
    /// the person tests is enough). A person measure without a person, or a
    /// household measure with one, is the caller's concern
    /// ([`check_measure`](super::check_measure) reports it).
    pub fn fails(
        &self,
        household: &Household,
        person: Option<&Member>,
        risks: Option<&[RiskType]>,
        on: NaiveDate,
    ) -> Option<EligibilityTest> {
        let e = &self.eligibility;
        if let Some(test) = e.household_fails(household, risks) {
            return Some(test);
        }
        match person {
            Some(m) => e.person_fails(m, on),
            None if !e.has_person_tests() => None,
            None => {
                // a household measure: one member passing is enough; with
                // none, the first member's failure is named
                let fails: Vec<_> = household
                    .members
                    .iter()
                    .map(|m| e.person_fails(m, on))
                    .collect();
                if fails.iter().any(Option::is_none) {
                    None
                } else {
                    fails
                        .into_iter()
                        .flatten()
                        .next()
                        .or(Some(EligibilityTest::Labor))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assistance::fixtures::*;
    use crate::household::{LaborCapacity, Relation, StudentStage};

    #[test]
    fn each_test_is_named() {
        let mut m = member(Relation::Head, ymd(2000, 6, 16), 1);
        let on = today(); // 2025-06-15: 24 years old, 25 tomorrow
        let e = |f: fn(&mut Eligibility)| {
            let mut e = Eligibility::default();
            f(&mut e);
            e
        };
        assert_eq!(Eligibility::default().person_fails(&m, on), None);
        let cases: [(Eligibility, Option<EligibilityTest>); 6] = [
            (
                e(|e| e.labor = vec![LaborCapacity::Weak]),
                Some(EligibilityTest::Labor),
            ),
            (e(|e| e.min_age = Some(25)), Some(EligibilityTest::MinAge)),
            (e(|e| e.min_age = Some(24)), None),
            (e(|e| e.max_age = Some(23)), Some(EligibilityTest::MaxAge)),
            (
                e(|e| e.disability = true),
                Some(EligibilityTest::Disability),
            ),
            (
                e(|e| e.student_stages = vec![StudentStage::Tertiary]),
                Some(EligibilityTest::StudentStage),
            ),
        ];
        for (elig, expected) in cases {
            assert_eq!(elig.person_fails(&m, on), expected, "{elig:?}");
        }
        m.student_stage = Some(StudentStage::Tertiary);
        let college = e(|e| e.student_stages = vec![StudentStage::Tertiary]);
        assert_eq!(college.person_fails(&m, on), None);
        m.student_status = Some(StudentStatus::Suspended);
        assert_eq!(
            college.person_fails(&m, on),
            Some(EligibilityTest::StudentStage)
        );
    }

    #[test]
    fn household_tests_and_household_measures() {
        let mut old = member(Relation::Parent, ymd(1940, 1, 1), 2);
        old.labor = LaborCapacity::Lost;
        let h = household(vec![member(Relation::Head, ymd(1980, 1, 1), 1), old]);
        let mut rule = catalogue()
            .get(crate::assistance::MeasureKind::HousingRenovation)
            .unwrap()
            .clone();
        assert_eq!(rule.fails(&h, None, None, today()), None);
        // a household measure with a person test: one member passing is enough
        rule.eligibility.labor = vec![LaborCapacity::Lost];
        assert_eq!(rule.fails(&h, None, None, today()), None);
        rule.eligibility.labor = vec![LaborCapacity::Weak];
        assert_eq!(
            rule.fails(&h, None, None, today()),
            Some(EligibilityTest::Labor)
        );
        // risks: checked when known
        rule.eligibility.labor.clear();
        rule.eligibility.risks = vec![RiskType::HousingSafety];
        assert_eq!(rule.fails(&h, None, None, today()), None);
        assert_eq!(
            rule.fails(&h, None, Some(&[RiskType::Illness]), today()),
            Some(EligibilityTest::Risk)
        );
        assert_eq!(
            rule.fails(&h, None, Some(&[RiskType::HousingSafety]), today()),
            None
        );
        // categories: a household that is not monitored has none
        rule.eligibility.categories = vec![crate::Category::MarginalAtRisk];
        let mut unmonitored = h.clone();
        unmonitored.category = None;
        assert_eq!(rule.fails(&h, None, None, today()), None);
        assert_eq!(
            rule.fails(&unmonitored, None, None, today()),
            Some(EligibilityTest::Category)
        );
    }
}
