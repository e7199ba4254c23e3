//! One measure against the household and the catalogue in force: what a
//! form, an API call or a department list row is checked with before it is
//! stored. Each problem names the field it is about.

use super::catalogue::{MeasureCatalogue, MeasureKind};
use super::eligible::EligibilityTest;
use super::record::Measure;
use crate::household::Household;
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// Why a measure may not be recorded. Each names its field
/// ([`MeasureProblem::field`]); the message is bilingual and holds no
/// personal data (a person is named by the masked ID number at most).
#[derive(
    Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error, utoipa::ToSchema,
)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum MeasureProblem {
    /// The amount is below zero.
    #[error("amount_fen: the amount is negative (金额不能为负)")]
    NegativeAmount,
    /// The last day is before the first.
    #[error("ends_on: {ends_on} is before starts_on {starts_on} (结束日期早于开始日期)")]
    EndsBeforeStart {
        /// First day.
        starts_on: NaiveDate,
        /// Last day.
        ends_on: NaiveDate,
    },
    /// The catalogue in force has no entry for the kind.
    #[error("kind: {} is not offered in this region and period (本地本期目录中没有该措施类型: {})", .kind.code(), .kind.label_zh())]
    KindNotOffered {
        /// The kind.
        kind: MeasureKind,
    },
    /// A household measure (危房改造, 饮水 …) names a person.
    #[error("person: {} goes to the household as a whole, not to one person (该措施到户，不应填写个人)", .kind.code())]
    HouseholdMeasureWithPerson {
        /// The kind.
        kind: MeasureKind,
    },
    /// A person measure names no person.
    #[error("person: {} goes to one person; name the member (该措施到人，请填写成员)", .kind.code())]
    PersonMissing {
        /// The kind.
        kind: MeasureKind,
    },
    /// The person is not a member of the household.
    #[error("person: {masked_id} is not a member of this household (该人员不是本户成员)")]
    PersonNotInHousehold {
        /// The ID number, masked.
        masked_id: String,
    },
    /// The person (or, for a household measure, every member) fails a test
    /// of the kind's eligibility.
    #[error("person: not eligible for {}: {} (不符合{}的条件: {})", .kind.code(), .test.label_en(), .kind.label_zh(), .test.label_zh())]
    Ineligible {
        /// The kind.
        kind: MeasureKind,
        /// The test that failed.
        test: EligibilityTest,
    },
    /// The amount is above the kind's limit.
    #[error("amount_fen: {amount_fen} 分 is above the limit of {limit_fen} 分 (金额超过上限)")]
    AmountAboveLimit {
        /// The amount.
        amount_fen: i64,
        /// The limit.
        limit_fen: i64,
    },
    /// The term is longer than the kind allows.
    #[error(
        "ends_on: the term runs past {latest}, longer than {max_months} months (期限超过{max_months}个月)"
    )]
    TermTooLong {
        /// The longest term in months.
        max_months: u32,
        /// The last day the term may reach.
        latest: NaiveDate,
    },
}

impl MeasureProblem {
    /// The field of [`Measure`] the problem is about.
    pub fn field(&self) -> &'static str {
        match self {
            MeasureProblem::NegativeAmount | MeasureProblem::AmountAboveLimit { .. } => {
                "amount_fen"
            }
            MeasureProblem::EndsBeforeStart { .. } | MeasureProblem::TermTooLong { .. } => {
                "ends_on"
            }
            MeasureProblem::KindNotOffered { .. } => "kind",
            MeasureProblem::HouseholdMeasureWithPerson { .. }
            | MeasureProblem::PersonMissing { .. }
            | MeasureProblem::PersonNotInHousehold { .. }
            | MeasureProblem::Ineligible { .. } => "person",
        }
    }
}

/// The last day a term of `months` starting on `start` may reach: the same
/// day of the month `months` later (a 36-month loan from 15 March 2024 is
/// due on 15 March 2027).
pub fn term_end(start: NaiveDate, months: u32) -> NaiveDate {
    start
        .checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// Checks one measure: its own fields, then the kind against the
/// catalogue, the person against the household and the kind's eligibility
/// (on the measure's first day), then the limits. The first problem found
/// is returned. The household's risk types are not checked here (they are
/// the case's, and the proposal reads them); the category is.
pub fn check_measure(
    m: &Measure,
    household: &Household,
    catalogue: &MeasureCatalogue,
) -> Result<(), MeasureProblem> {
    if m.amount_fen.is_some_and(|a| a < 0) {
        return Err(MeasureProblem::NegativeAmount);
    }
    if let Some(end) = m.ends_on
        && end < m.starts_on
    {
        return Err(MeasureProblem::EndsBeforeStart {
            starts_on: m.starts_on,
            ends_on: end,
        });
    }
    let Some(rule) = catalogue.get(m.kind) else {
        return Err(MeasureProblem::KindNotOffered { kind: m.kind });
    };
    let member = match (&m.person, rule.household) {
        (Some(_), true) => {
            return Err(MeasureProblem::HouseholdMeasureWithPerson { kind: m.kind });
        }
        (None, false) => return Err(MeasureProblem::PersonMissing { kind: m.kind }),
        (None, true) => None,
        (Some(id), false) => Some(
            household
                .members
                .iter()
                .find(|x| &x.id_number == id)
                .ok_or_else(|| MeasureProblem::PersonNotInHousehold {
                    masked_id: id.masked(),
                })?,
        ),
    };
    if let Some(test) = rule.fails(household, member, None, m.starts_on) {
        return Err(MeasureProblem::Ineligible { kind: m.kind, test });
    }
    if let (Some(amount), Some(limit)) = (m.amount_fen, rule.max_amount_fen)
        && amount > limit
    {
        return Err(MeasureProblem::AmountAboveLimit {
            amount_fen: amount,
            limit_fen: limit,
        });
    }
    if let (Some(end), Some(max)) = (m.ends_on, rule.max_term_months) {
        let latest = term_end(m.starts_on, max);
        if end > latest {
            return Err(MeasureProblem::TermTooLong {
                max_months: max,
                latest,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IdNumber;
    use crate::assistance::eligible::EligibilityTest as T;
    use crate::assistance::fixtures::*;
    use crate::household::{DisabilityKind, LaborCapacity, Relation};
    use proptest::prelude::*;

    fn family() -> Household {
        let mut weak = member(Relation::Spouse, ymd(1982, 5, 1), 2);
        weak.labor = LaborCapacity::Lost;
        household(vec![member(Relation::Head, ymd(1980, 3, 1), 1), weak])
    }

    fn loan(h: &Household) -> Measure {
        let mut m = measure(
            Some(&h.members[0]),
            MeasureKind::SmallLoan,
            ymd(2024, 3, 15),
            Some(ymd(2027, 3, 15)),
        );
        m.amount_fen = Some(5_000_000);
        m
    }

    #[test]
    fn a_valid_measure_passes() {
        let h = family();
        assert_eq!(check_measure(&loan(&h), &h, &catalogue()), Ok(()));
        let house = measure(None, MeasureKind::HousingRenovation, ymd(2025, 1, 1), None);
        assert_eq!(check_measure(&house, &h, &catalogue()), Ok(()));
    }

    #[test]
    fn each_problem_names_its_field() {
        let h = family();
        let c = catalogue();
        type Spoil = fn(&mut Measure, &Household);
        let cases: Vec<(Spoil, MeasureProblem, &str)> = vec![
            (
                |m, _| m.amount_fen = Some(-1),
                MeasureProblem::NegativeAmount,
                "amount_fen",
            ),
            (
                |m, _| m.ends_on = Some(ymd(2024, 3, 14)),
                MeasureProblem::EndsBeforeStart {
                    starts_on: ymd(2024, 3, 15),
                    ends_on: ymd(2024, 3, 14),
                },
                "ends_on",
            ),
            (
                |m, _| m.amount_fen = Some(5_000_001),
                MeasureProblem::AmountAboveLimit {
                    amount_fen: 5_000_001,
                    limit_fen: 5_000_000,
                },
                "amount_fen",
            ),
            (
                |m, _| m.ends_on = Some(ymd(2027, 3, 16)),
                MeasureProblem::TermTooLong {
                    max_months: 36,
                    latest: ymd(2027, 3, 15),
                },
                "ends_on",
            ),
            (
                |m, h| m.person = Some(h.members[1].id_number.clone()),
                MeasureProblem::Ineligible {
                    kind: MeasureKind::SmallLoan,
                    test: T::Labor,
                },
                "person",
            ),
            (
                |m, _| m.starts_on = ymd(1997, 12, 31),
                MeasureProblem::Ineligible {
                    kind: MeasureKind::SmallLoan,
                    test: T::MinAge,
                },
                "person",
            ),
            (
                |m, _| m.person = None,
                MeasureProblem::PersonMissing {
                    kind: MeasureKind::SmallLoan,
                },
                "person",
            ),
            (
                |m, _| m.kind = MeasureKind::HousingRenovation,
                MeasureProblem::HouseholdMeasureWithPerson {
                    kind: MeasureKind::HousingRenovation,
                },
                "person",
            ),
            (
                |m, _| m.kind = MeasureKind::DisabilitySubsidy,
                MeasureProblem::Ineligible {
                    kind: MeasureKind::DisabilitySubsidy,
                    test: T::Disability,
                },
                "person",
            ),
        ];
        for (spoil, problem, field) in cases {
            let mut m = loan(&h);
            spoil(&mut m, &h);
            let got = check_measure(&m, &h, &c);
            assert_eq!(got, Err(problem.clone()));
            assert_eq!(problem.field(), field);
            assert!(problem.to_string().starts_with(field), "{problem}");
        }
        // a stranger, masked in the message
        let mut m = loan(&h);
        let stranger = IdNumber::from_parts("520526", ymd(1980, 3, 1), 9).unwrap();
        m.person = Some(stranger.clone());
        let err = check_measure(&m, &h, &c).unwrap_err();
        assert_eq!(
            err,
            MeasureProblem::PersonNotInHousehold {
                masked_id: stranger.masked()
            }
        );
        assert!(!err.to_string().contains(stranger.as_str()));
        // a kind the region does not offer
        let mut small = catalogue();
        small.rules.retain(|r| r.kind != MeasureKind::SmallLoan);
        assert_eq!(
            check_measure(&loan(&h), &h, &small),
            Err(MeasureProblem::KindNotOffered {
                kind: MeasureKind::SmallLoan
            })
        );
        // a disabled member may receive the subsidy
        let mut h2 = h.clone();
        h2.members[0].disability_kind = Some(DisabilityKind::Visual);
        let mut m = loan(&h2);
        m.kind = MeasureKind::DisabilitySubsidy;
        assert_eq!(check_measure(&m, &h2, &c), Ok(()));
    }

    #[test]
    fn a_problem_is_json_tagged_by_its_code() {
        let p = MeasureProblem::Ineligible {
            kind: MeasureKind::Yulu,
            test: T::StudentStage,
        };
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"problem": "ineligible", "kind": "yulu", "test": "student_stages"})
        );
        assert_eq!(serde_json::from_value::<MeasureProblem>(v).unwrap(), p);
    }

    #[test]
    fn the_category_is_checked() {
        let h = family();
        let mut c = catalogue();
        let rule = c
            .rules
            .iter_mut()
            .find(|r| r.kind == MeasureKind::SmallLoan)
            .unwrap();
        rule.eligibility.categories = vec![crate::Category::SuddenHardship];
        assert_eq!(
            check_measure(&loan(&h), &h, &c),
            Err(MeasureProblem::Ineligible {
                kind: MeasureKind::SmallLoan,
                test: T::Category
            })
        );
    }

    proptest! {
        /// Against the reference reading: a measure passes exactly when
        /// its fields, kind, person, eligibility and limits all hold.
        #[test]
        fn check_agrees_with_a_naive_reading(
            h in household_strategy(),
            who in 0usize..7,
            kind in prop::sample::select(MeasureKind::ALL),
            amount in prop::option::of(-10i64..6_000_000),
            start in 0u64..4000,
            length in prop::option::of(0i64..1500),
        ) {
            let c = catalogue();
            let starts_on = ymd(2015, 1, 1) + chrono::Days::new(start);
            let ends_on = length.map(|d| starts_on + chrono::Duration::days(d - 10));
            let person = h.members.get(who);
            let mut m = measure(person, kind, starts_on, ends_on);
            m.amount_fen = amount;
            let rule = c.get(kind).unwrap();
            let expected = amount.is_none_or(|a| a >= 0)
                && ends_on.is_none_or(|e| e >= starts_on)
                && rule.household == person.is_none()
                && naive_eligible(rule, &h, person, &[], starts_on)
                && rule.max_amount_fen.is_none_or(|l| amount.is_none_or(|a| a <= l))
                && rule.max_term_months.is_none_or(|n| ends_on.is_none_or(|e| e <= starts_on.checked_add_months(chrono::Months::new(n)).unwrap()));
            let got = check_measure(&m, &h, &c);
            prop_assert_eq!(got.is_ok(), expected, "{:?}", got);
        }
    }
}
