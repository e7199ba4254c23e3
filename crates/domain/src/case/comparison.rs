//! 信息比对: what the data comparison step records. The departments' rows
//! already stored for the household's members are listed for the one who
//! compares (the app reads them, within the rule set's
//! `comparison_window_days`); the step records which rows were reviewed
//! (their ids) and, per feed kind, the finding (一致 / 不一致 / 无记录)
//! with an optional note. An event stored before the findings existed
//! carries only its free-text `results` and still reads back.

use super::{CaseError, TextField};
use crate::coded::coded_enum;
use crate::screening::FeedKind;
use serde::{Deserialize, Serialize};

coded_enum! {
    /// What the comparison found for one feed kind.
    Finding {
        /// 一致: the department data agree with what the household declared.
        Consistent => ("consistent", "一致", "Consistent"),
        /// 不一致: the department data contradict it (the note says how).
        Inconsistent => ("inconsistent", "不一致", "Inconsistent"),
        /// 无记录: the department holds no record for the members.
        NoRecord => ("no_record", "无记录", "No record"),
    }
}

/// The finding for one feed kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KindFinding {
    /// The feed kind (`medical`, `assistance`, `disability`, …).
    #[schema(value_type = String, example = "medical")]
    pub feed: FeedKind,
    /// 一致 / 不一致 / 无记录.
    pub finding: Finding,
    /// Remarks (optional).
    #[serde(default)]
    pub note: String,
}

/// Checks a comparison's own data: it says something (a finding, or at
/// least the free-text results), and names each feed kind once.
pub(crate) fn check_own(results: &str, findings: &[KindFinding]) -> Result<(), CaseError> {
    if findings.is_empty() && results.trim().is_empty() {
        return Err(CaseError::Empty(TextField::Results));
    }
    for (i, f) in findings.iter().enumerate() {
        if findings[..i].iter().any(|g| g.feed == f.feed) {
            return Err(CaseError::ComparisonKindTwice(f.feed));
        }
    }
    Ok(())
}

/// Checks a comparison against the rows listed for it: every reviewed row
/// is one of `listed` (ids with their kinds), and each kind that has rows
/// has a finding.
pub fn check_against(
    reviewed: &[i64],
    findings: &[KindFinding],
    listed: &[(i64, FeedKind)],
) -> Result<(), CaseError> {
    let listed_ids: std::collections::HashSet<i64> = listed.iter().map(|(id, _)| *id).collect();
    let mut seen = std::collections::HashSet::with_capacity(reviewed.len().min(listed.len()));
    for &row in reviewed {
        if !listed_ids.contains(&row) {
            return Err(CaseError::ComparisonRowNotListed { row });
        }
        if !seen.insert(row) {
            return Err(CaseError::ComparisonRowTwice { row });
        }
    }
    for kind in FeedKind::ALL {
        let has_rows = listed.iter().any(|(_, k)| *k == kind);
        if has_rows && !findings.iter().any(|f| f.feed == kind) {
            return Err(CaseError::ComparisonFindingMissing(kind));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(feed: FeedKind, finding: Finding) -> KindFinding {
        KindFinding {
            feed,
            finding,
            note: String::new(),
        }
    }

    #[test]
    fn a_comparison_must_say_something() {
        assert_eq!(
            check_own(" ", &[]),
            Err(CaseError::Empty(TextField::Results))
        );
        assert_eq!(check_own("无异常", &[]), Ok(()));
        assert_eq!(
            check_own("", &[f(FeedKind::Medical, Finding::Consistent)]),
            Ok(())
        );
    }

    #[test]
    fn a_kind_is_named_once() {
        let two = [
            f(FeedKind::Medical, Finding::Consistent),
            f(FeedKind::Medical, Finding::Inconsistent),
        ];
        assert_eq!(
            check_own("", &two),
            Err(CaseError::ComparisonKindTwice(FeedKind::Medical))
        );
    }

    #[test]
    fn each_kind_with_rows_has_a_finding_and_rows_are_listed_ones() {
        let listed = [(7, FeedKind::Medical), (9, FeedKind::Assistance)];
        let medical = [f(FeedKind::Medical, Finding::Consistent)];
        assert_eq!(
            check_against(&[7], &medical, &listed),
            Err(CaseError::ComparisonFindingMissing(FeedKind::Assistance))
        );
        let both = [
            f(FeedKind::Medical, Finding::Consistent),
            f(FeedKind::Assistance, Finding::Inconsistent),
        ];
        assert_eq!(check_against(&[7, 9], &both, &listed), Ok(()));
        assert_eq!(
            check_against(&[7, 8], &both, &listed),
            Err(CaseError::ComparisonRowNotListed { row: 8 })
        );
        assert_eq!(
            check_against(&[7, 9, 7], &both, &listed),
            Err(CaseError::ComparisonRowTwice { row: 7 })
        );
        // A kind without rows may still be recorded (无记录).
        let more = [
            f(FeedKind::Medical, Finding::Consistent),
            f(FeedKind::Assistance, Finding::Consistent),
            f(FeedKind::Disability, Finding::NoRecord),
        ];
        assert_eq!(check_against(&[], &more, &listed), Ok(()));
    }

    #[test]
    fn an_old_event_with_results_only_reads_back() {
        let old: super::super::CaseEvent =
            serde_json::from_str(r#"{"kind":"data_comparison","results":"医保报销记录相符"}"#)
                .unwrap();
        match old {
            super::super::CaseEvent::DataComparison {
                results,
                reviewed_rows,
                findings,
            } => {
                assert_eq!(results, "医保报销记录相符");
                assert!(reviewed_rows.is_empty() && findings.is_empty());
            }
            other => panic!("read as {other:?}"),
        }
        let new: super::super::CaseEvent = serde_json::from_str(
            r#"{"kind":"data_comparison","reviewed_rows":[3],"findings":[{"feed":"medical","finding":"inconsistent","note":"自付偏高"}]}"#,
        )
        .unwrap();
        let back = serde_json::to_value(&new).unwrap();
        assert_eq!(back["findings"][0]["feed"], "medical");
        assert_eq!(back["findings"][0]["finding"], "inconsistent");
        assert_eq!(back["reviewed_rows"][0], 3);
    }
}
