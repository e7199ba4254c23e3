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
    /// A kind that rests on another (贴息 on a small loan) without its
    /// last day: it cannot be held against the measure it rests on.
    #[error("ends_on: {} needs its last day, to be held against the {} it rests on (请填写{}的结束日期)", .kind.code(), .required.code(), .kind.label_zh())]
    EndMissing {
        /// The kind.
        kind: MeasureKind,
        /// The kind it rests on.
        required: MeasureKind,
    },
    /// The person holds no measure of the kind this one rests on.
    #[error("person: {} rests on a {} of the same person, and the person has none recorded (该人员没有{}记录，不能享受{})", .kind.code(), .required.code(), .required.label_zh(), .kind.label_zh())]
    WithoutRequired {
        /// The kind.
        kind: MeasureKind,
        /// The kind it rests on.
        required: MeasureKind,
    },
    /// The person's measures of the required kind do not reach back to the
    /// first day (none runs on it).
    #[error("starts_on: no {} of the person runs on {starts_on}, the first day of the {} ({}开始日{starts_on}不在该人员任何{}期限内)", .required.code(), .kind.code(), .kind.label_zh(), .required.label_zh())]
    StartNotCovered {
        /// The kind.
        kind: MeasureKind,
        /// The kind it rests on.
        required: MeasureKind,
        /// First day.
        starts_on: NaiveDate,
    },
    /// A measure of the required kind runs on the first day but ends
    /// before the last.
    #[error("ends_on: the {} of the person ends before {ends_on}, the last day of the {} ({}结束日{ends_on}超出该人员{}期限)", .required.code(), .kind.code(), .kind.label_zh(), .required.label_zh())]
    EndNotCovered {
        /// The kind.
        kind: MeasureKind,
        /// The kind it rests on.
        required: MeasureKind,
        /// Last day.
        ends_on: NaiveDate,
    },
    /// The covering measure records no amount: the rate cap cannot be
    /// applied.
    #[error("amount_fen: the {} it rests on records no amount, so the limit of the {} cannot be worked out (所依据的{}未记录金额，无法核定{}上限)", .required.code(), .kind.code(), .required.label_zh(), .kind.label_zh())]
    RequiredWithoutAmount {
        /// The kind.
        kind: MeasureKind,
        /// The kind it rests on.
        required: MeasureKind,
    },
    /// The amount is above the covering loan's amount × the yearly rate
    /// cap × the measure's days / 365.
    #[error(
        "amount_fen: {amount_fen} 分 is above the limit of {limit_fen} 分 = loan {loan_fen} 分 × {} a year × {days} days / 365 (贴息金额超过上限：贷款金额×年利率上限×天数/365)",
        percent(*.rate_bp)
    )]
    AboveRate {
        /// The amount.
        amount_fen: i64,
        /// The limit.
        limit_fen: i64,
        /// The covering loan's amount.
        loan_fen: i64,
        /// The yearly rate cap, in basis points.
        rate_bp: u32,
        /// Days of the measure, both ends counted.
        days: i64,
    },
}

/// A rate in basis points as a percentage (`310` → `3.10%`).
fn percent(bp: u32) -> String {
    format!("{}.{:02}%", bp / 100, bp % 100)
}

impl MeasureProblem {
    /// The field of [`Measure`] the problem is about.
    pub fn field(&self) -> &'static str {
        match self {
            MeasureProblem::NegativeAmount
            | MeasureProblem::AmountAboveLimit { .. }
            | MeasureProblem::RequiredWithoutAmount { .. }
            | MeasureProblem::AboveRate { .. } => "amount_fen",
            MeasureProblem::EndsBeforeStart { .. }
            | MeasureProblem::TermTooLong { .. }
            | MeasureProblem::EndMissing { .. }
            | MeasureProblem::EndNotCovered { .. } => "ends_on",
            MeasureProblem::StartNotCovered { .. } => "starts_on",
            MeasureProblem::KindNotOffered { .. } => "kind",
            MeasureProblem::HouseholdMeasureWithPerson { .. }
            | MeasureProblem::PersonMissing { .. }
            | MeasureProblem::PersonNotInHousehold { .. }
            | MeasureProblem::Ineligible { .. }
            | MeasureProblem::WithoutRequired { .. } => "person",
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

/// The last day `m` may run: its `ends_on`, else its first day plus the
/// catalogue's longest term of its kind, else open-ended.
pub fn last_day(m: &Measure, catalogue: &MeasureCatalogue) -> NaiveDate {
    m.ends_on.unwrap_or_else(|| {
        catalogue
            .get(m.kind)
            .and_then(|r| r.max_term_months)
            .map_or(NaiveDate::MAX, |n| term_end(m.starts_on, n))
    })
}

/// Indexes of the measures of `chain` that `m` rests on
/// ([`MeasureKind::requires`]): of the required kind, for the same
/// person, running from `m`'s first day to its last (its `ends_on`, else
/// its first day). Empty when `m`'s kind rests on nothing.
pub fn covering(m: &Measure, chain: &[Measure], catalogue: &MeasureCatalogue) -> Vec<usize> {
    let Some(required) = m.kind.requires() else {
        return Vec::new();
    };
    let end = m.ends_on.unwrap_or(m.starts_on);
    chain
        .iter()
        .enumerate()
        .filter(|(_, x)| {
            x.kind == required
                && x.person == m.person
                && x.starts_on <= m.starts_on
                && last_day(x, catalogue) >= end
        })
        .map(|(i, _)| i)
        .collect()
}

/// Checks a measure whose kind rests on another (a 贴息 on a small loan)
/// against the rest of the person's chain (`chain`, without `m`): it has a
/// last day, a measure of the required kind of the same person covers
/// every day of it, and its amount is within the covering loan's amount ×
/// the kind's `max_yearly_rate_bp` × its days / 365 (the largest such
/// limit among covering loans; rounded down to the 分). Any other kind
/// passes. Called after [`check_measure`].
pub fn check_requirement(
    m: &Measure,
    chain: &[Measure],
    catalogue: &MeasureCatalogue,
) -> Result<(), MeasureProblem> {
    let Some(required) = m.kind.requires() else {
        return Ok(());
    };
    let kind = m.kind;
    let Some(end) = m.ends_on else {
        return Err(MeasureProblem::EndMissing { kind, required });
    };
    let held: Vec<&Measure> = chain
        .iter()
        .filter(|x| x.kind == required && x.person == m.person)
        .collect();
    if held.is_empty() {
        return Err(MeasureProblem::WithoutRequired { kind, required });
    }
    let cover = covering(m, chain, catalogue);
    if cover.is_empty() {
        let starts = held
            .iter()
            .any(|x| x.starts_on <= m.starts_on && last_day(x, catalogue) >= m.starts_on);
        return Err(if starts {
            MeasureProblem::EndNotCovered {
                kind,
                required,
                ends_on: end,
            }
        } else {
            MeasureProblem::StartNotCovered {
                kind,
                required,
                starts_on: m.starts_on,
            }
        });
    }
    let (Some(amount), Some(rate_bp)) = (
        m.amount_fen,
        catalogue.get(kind).and_then(|r| r.max_yearly_rate_bp),
    ) else {
        return Ok(());
    };
    let days = (end - m.starts_on).num_days() + 1;
    let Some((loan_fen, limit_fen)) = cover
        .iter()
        .filter_map(|&i| chain[i].amount_fen)
        .map(|loan| (loan, rate_limit(loan, rate_bp, days)))
        .max_by_key(|&(_, limit)| limit)
    else {
        return Err(MeasureProblem::RequiredWithoutAmount { kind, required });
    };
    if amount > limit_fen {
        return Err(MeasureProblem::AboveRate {
            amount_fen: amount,
            limit_fen,
            loan_fen,
            rate_bp,
            days,
        });
    }
    Ok(())
}

/// `loan_fen` × `rate_bp` / 10,000 × `days` / 365, rounded down to the 分.
pub fn rate_limit(loan_fen: i64, rate_bp: u32, days: i64) -> i64 {
    let v = i128::from(loan_fen.max(0)) * i128::from(rate_bp) * i128::from(days.max(0))
        / (10_000 * 365);
    i64::try_from(v).unwrap_or(i64::MAX)
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

    /// A 贴息 for the head over the loan's first year, 1,000 元.
    fn subsidy(h: &Household) -> Measure {
        let mut m = measure(
            Some(&h.members[0]),
            MeasureKind::LoanInterestSubsidy,
            ymd(2024, 3, 15),
            Some(ymd(2025, 3, 14)),
        );
        m.department = crate::assistance::Department::Agriculture;
        m.amount_fen = Some(100_000);
        m
    }

    #[test]
    fn a_subsidy_rests_on_a_loan_covering_it() {
        let h = family();
        let c = catalogue();
        let s = subsidy(&h);
        assert_eq!(check_measure(&s, &h, &c), Ok(()));
        assert_eq!(check_requirement(&s, &[loan(&h)], &c), Ok(()));
        assert_eq!(covering(&s, &[loan(&h)], &c), vec![0]);
        let (kind, required) = (MeasureKind::LoanInterestSubsidy, MeasureKind::SmallLoan);
        // nothing to rest on: the person is named
        let none = check_requirement(&s, &[], &c).unwrap_err();
        assert_eq!(none, MeasureProblem::WithoutRequired { kind, required });
        assert_eq!(none.field(), "person");
        assert!(none.to_string().starts_with("person: "), "{none}");
        // another person's loan does not count
        let mut theirs = loan(&h);
        theirs.person = Some(h.members[1].id_number.clone());
        assert_eq!(check_requirement(&s, &[theirs], &c), Err(none));
        // a loan starting later: the first day is named
        let mut late = loan(&h);
        late.starts_on = ymd(2024, 4, 1);
        let e = check_requirement(&s, &[late], &c).unwrap_err();
        assert_eq!(e.field(), "starts_on");
        assert!(e.to_string().starts_with("starts_on: "), "{e}");
        // a loan repaid early: the last day is named
        let mut short = loan(&h);
        short.ends_on = Some(ymd(2024, 12, 31));
        let e = check_requirement(&s, &[short.clone()], &c).unwrap_err();
        assert_eq!(
            e,
            MeasureProblem::EndNotCovered {
                kind,
                required,
                ends_on: ymd(2025, 3, 14)
            }
        );
        assert_eq!(e.field(), "ends_on");
        // an open loan reaches its kind's longest term (36 months)
        let mut open = loan(&h);
        open.ends_on = None;
        assert_eq!(check_requirement(&s, &[open.clone()], &c), Ok(()));
        let mut beyond = s.clone();
        beyond.starts_on = ymd(2027, 3, 1);
        beyond.ends_on = Some(ymd(2027, 3, 16));
        assert_eq!(
            check_requirement(&beyond, &[open], &c).unwrap_err().field(),
            "ends_on"
        );
        // without a last day it cannot be held against the loan
        let mut endless = s.clone();
        endless.ends_on = None;
        assert_eq!(
            check_requirement(&endless, &[loan(&h)], &c),
            Err(MeasureProblem::EndMissing { kind, required })
        );
        // a kind that rests on nothing passes whatever the chain
        assert_eq!(check_requirement(&loan(&h), &[], &c), Ok(()));
    }

    #[test]
    fn a_subsidy_is_capped_by_the_loan_and_the_yearly_rate() {
        let h = family();
        let c = catalogue();
        let rate = c
            .get(MeasureKind::LoanInterestSubsidy)
            .and_then(|r| r.max_yearly_rate_bp)
            .unwrap();
        // 365 days of a 50,000 元 loan at the file's rate
        let limit = rate_limit(5_000_000, rate, 365);
        assert_eq!(limit, 5_000_000 * i64::from(rate) / 10_000);
        let mut s = subsidy(&h);
        s.amount_fen = Some(limit);
        assert_eq!(check_requirement(&s, &[loan(&h)], &c), Ok(()));
        s.amount_fen = Some(limit + 1);
        let e = check_requirement(&s, &[loan(&h)], &c).unwrap_err();
        assert_eq!(
            e,
            MeasureProblem::AboveRate {
                amount_fen: limit + 1,
                limit_fen: limit,
                loan_fen: 5_000_000,
                rate_bp: rate,
                days: 365
            }
        );
        assert_eq!(e.field(), "amount_fen");
        assert!(e.to_string().contains('%'), "{e}");
        // a smaller loan, a shorter period: a smaller limit
        let mut small = loan(&h);
        small.amount_fen = Some(1_000_000);
        s.ends_on = Some(ymd(2024, 9, 14));
        let days = (ymd(2024, 9, 14) - ymd(2024, 3, 15)).num_days() + 1;
        s.amount_fen = Some(rate_limit(1_000_000, rate, days) + 1);
        assert_eq!(
            check_requirement(&s, &[small.clone()], &c)
                .unwrap_err()
                .field(),
            "amount_fen"
        );
        // a loan without amount: the limit cannot be worked out
        small.amount_fen = None;
        assert_eq!(
            check_requirement(&s, &[small], &c),
            Err(MeasureProblem::RequiredWithoutAmount {
                kind: MeasureKind::LoanInterestSubsidy,
                required: MeasureKind::SmallLoan
            })
        );
    }

    proptest! {
        /// A subsidy passes exactly when a loan of the same person covers
        /// its days and its amount is within that loan's rate limit.
        #[test]
        fn the_requirement_agrees_with_a_naive_reading(
            loan_start in 0u64..1000,
            loan_len in prop::option::of(0i64..1200),
            loan_amount in prop::option::of(0i64..5_000_000),
            sub_start in 0u64..1500,
            sub_len in 0i64..500,
            amount in prop::option::of(0i64..300_000),
        ) {
            let h = family();
            let c = catalogue();
            let base = ymd(2022, 1, 1);
            let mut l = loan(&h);
            l.starts_on = base + chrono::Days::new(loan_start);
            l.ends_on = loan_len.map(|d| l.starts_on + chrono::Duration::days(d));
            l.amount_fen = loan_amount;
            let mut s = subsidy(&h);
            s.starts_on = base + chrono::Days::new(sub_start);
            s.ends_on = Some(s.starts_on + chrono::Duration::days(sub_len));
            s.amount_fen = amount;
            let loan_end = l.ends_on.unwrap_or_else(|| term_end(l.starts_on, 36));
            let covered = l.starts_on <= s.starts_on && s.ends_on.unwrap() <= loan_end;
            let rate = c.get(MeasureKind::LoanInterestSubsidy).unwrap().max_yearly_rate_bp.unwrap();
            let within = amount.is_none_or(|a| loan_amount.is_some_and(|la| {
                a as f64 <= (la as f64 * f64::from(rate) / 10_000.0 * (sub_len + 1) as f64 / 365.0).floor()
            }));
            let got = check_requirement(&s, std::slice::from_ref(&l), &c);
            prop_assert_eq!(got.is_ok(), covered && within, "{:?}", got);
        }
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
