//! The forms that record case events on the pages: which inputs each
//! event kind needs, and turning a posted form into a `CaseEvent` (the
//! domain's `apply` then decides whether it is allowed).

use crate::i18n::{Texts, field_label};
use dixian_domain::case::{CaseEvent, EventKind, Finding};
use dixian_domain::{Category, FeedKind, RiskType};
use serde_json::{Map, Value};

/// The kind of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// One line of text.
    Text,
    /// One line of text that may be left empty (then absent).
    OptionalText,
    /// Several lines of text.
    LongText,
    /// A date (YYYY-MM-DD).
    Date,
    /// A checkbox.
    Bool,
    /// A whole number.
    Count,
    /// A monitoring category (or none).
    Category,
    /// Several risk types (checkboxes).
    RiskTypes,
    /// The channel of a new lead.
    Channel,
    /// A social-assistance kind.
    Assistance,
}

/// The inputs of an event kind: (JSON field, input).
pub fn inputs(kind: EventKind) -> &'static [(&'static str, Input)] {
    use Input::*;
    match kind {
        EventKind::HomeCheck => &[
            ("visited_on", Date),
            ("findings", LongText),
            ("asset_check_consent_signed", Bool),
        ],
        EventKind::DataComparison => &[("results", LongText)],
        EventKind::Deliberation => &[
            ("held_on", Date),
            ("attendees", Count),
            ("approve", Bool),
            ("note", Text),
            // 拟认定: identification only; left empty at an elimination.
            ("proposed_category", Category),
            ("proposed_risk_types", RiskTypes),
        ],
        EventKind::NoticeStart => &[("start", Date), ("end", Date)],
        EventKind::NoticeObjection => &[("text", LongText), ("upheld", Bool)],
        EventKind::NoticeEnd => &[],
        EventKind::ProposeElimination => &[("note", Text)],
        EventKind::TownshipReview => &[("approve", Bool), ("note", Text)],
        EventKind::CountyApproval => &[
            ("approve", Bool),
            ("category", Category),
            ("risk_types", RiskTypes),
            ("note", Text),
            // 风险消除 approved over a failing criterion: elimination only.
            ("override_reason", OptionalText),
        ],
        EventKind::ReturnForMore | EventKind::Reject | EventKind::EliminationRollback => {
            &[("reason", Text)]
        }
        EventKind::FollowUp => &[
            ("visited_on", Date),
            ("visitor", Text),
            ("changes", LongText),
            ("risk_added", RiskTypes),
            ("risk_removed", RiskTypes),
        ],
        EventKind::ReEntry => &[
            ("channel", Channel),
            ("risk_types", RiskTypes),
            ("note", Text),
        ],
        EventKind::ProposeAssistance => &[("assistance", Assistance)],
        EventKind::AssistanceOutcome => &[
            ("assistance", Assistance),
            ("granted", Bool),
            ("note", Text),
        ],
        // Never a form: only the county's list import records it.
        EventKind::Migrated => &[],
    }
}

/// Builds the event from posted `(name, value)` pairs (checkbox groups
/// repeat their name). The message of an error names the field.
pub fn event_from_form(
    t: &Texts,
    kind: EventKind,
    form: &[(String, String)],
) -> Result<CaseEvent, String> {
    let mut obj = Map::new();
    obj.insert("kind".into(), Value::String(kind.code().into()));
    for (name, input) in inputs(kind) {
        let values: Vec<&str> = form
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .collect();
        let first = values.first().copied().unwrap_or("");
        // A problem names the field by its label in the page's language.
        let label = field_label(t, name);
        let v = match input {
            Input::Date => match chrono::NaiveDate::parse_from_str(first, "%Y-%m-%d") {
                Ok(d) => Value::String(d.to_string()),
                Err(_) => return Err(format!("{label}: {}", t.date_expected)),
            },
            Input::Bool => Value::Bool(matches!(first, "true" | "on" | "1")),
            Input::Count => match first.parse::<u32>() {
                Ok(n) => Value::from(n),
                Err(_) => return Err(format!("{label}: {}", t.whole_number)),
            },
            Input::Category => match first {
                "" => Value::Null,
                c => Value::String(
                    Category::parse(c)
                        .ok_or_else(|| format!("{label}: {}", t.unknown_value))?
                        .code()
                        .into(),
                ),
            },
            Input::RiskTypes => {
                let codes: Result<Vec<Value>, String> = values
                    .iter()
                    .filter(|v| !v.is_empty())
                    .map(|v| {
                        RiskType::parse(v)
                            .map(|r| Value::String(r.code().into()))
                            .ok_or_else(|| format!("{label}: {}", t.unknown_value))
                    })
                    .collect();
                Value::Array(codes?)
            }
            Input::OptionalText if first.is_empty() => Value::Null,
            _ => Value::String(first.to_string()),
        };
        obj.insert((*name).into(), v);
    }
    if kind == EventKind::DataComparison {
        comparison_from_form(t, form, &mut obj)?;
    }
    // Every input was checked above; serde's own (English) text would
    // not suit a Chinese page.
    serde_json::from_value(Value::Object(obj)).map_err(|_| t.form_invalid.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn every_kind_builds_from_a_filled_form() {
        // The migration is never a form (the county's list import records it).
        for kind in EventKind::ALL.iter().filter(|k| **k != EventKind::Migrated) {
            let mut form = Vec::new();
            for (name, input) in inputs(*kind) {
                let v = match input {
                    Input::Date => "2026-11-20",
                    Input::Bool => "on",
                    Input::Count => "12",
                    Input::Category => "sudden_hardship",
                    Input::RiskTypes => "illness",
                    Input::Channel => "cadre_sweep",
                    Input::Assistance => "dibao",
                    Input::Text | Input::LongText | Input::OptionalText => "说明",
                };
                form.push((name.to_string(), v.to_string()));
            }
            let e = event_from_form(&crate::i18n::ZH, *kind, &form)
                .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
            assert_eq!(e.kind(), *kind);
        }
    }

    #[test]
    fn every_input_has_a_label_in_both_languages() {
        for kind in EventKind::ALL {
            for (name, _) in inputs(*kind) {
                for t in [&crate::i18n::ZH, &crate::i18n::EN] {
                    assert!(!crate::i18n::field_label(t, name).is_empty(), "{name}");
                }
            }
        }
    }

    #[test]
    fn a_comparison_form_gives_rows_and_findings() {
        let e = event_from_form(
            &crate::i18n::ZH,
            EventKind::DataComparison,
            &pairs(&[
                ("results", ""),
                ("reviewed_rows", "4"),
                ("reviewed_rows", "9"),
                ("finding_medical", "inconsistent"),
                ("note_medical", "自付偏高"),
                ("finding_assistance", ""),
            ]),
        )
        .unwrap();
        match e {
            CaseEvent::DataComparison {
                reviewed_rows,
                findings,
                ..
            } => {
                assert_eq!(reviewed_rows, vec![4, 9]);
                assert_eq!(findings.len(), 1);
                assert_eq!(findings[0].feed, FeedKind::Medical);
                assert_eq!(findings[0].finding, Finding::Inconsistent);
                assert_eq!(findings[0].note, "自付偏高");
            }
            other => panic!("{other:?}"),
        }
        let bad = event_from_form(
            &crate::i18n::ZH,
            EventKind::DataComparison,
            &pairs(&[("reviewed_rows", "x")]),
        );
        assert!(bad.unwrap_err().starts_with("已比对的部门数据"));
    }

    #[test]
    fn bad_values_name_the_field() {
        let e = event_from_form(
            &crate::i18n::ZH,
            EventKind::Deliberation,
            &pairs(&[("held_on", "2026-11-20"), ("attendees", "many")]),
        );
        assert_eq!(e.unwrap_err(), "参会人数: 应为整数");
        let e = event_from_form(
            &crate::i18n::ZH,
            EventKind::HomeCheck,
            &pairs(&[("visited_on", "20.11.2026"), ("findings", "x")]),
        );
        assert_eq!(e.unwrap_err(), "日期: 应为日期（年-月-日）");
        let ok = event_from_form(
            &crate::i18n::ZH,
            EventKind::CountyApproval,
            &pairs(&[
                ("approve", "on"),
                ("risk_types", "illness"),
                ("risk_types", "disability"),
            ]),
        );
        match ok.unwrap() {
            CaseEvent::CountyApproval {
                risk_types,
                approve,
                category,
                ..
            } => {
                assert!(approve);
                assert_eq!(risk_types, vec![RiskType::Illness, RiskType::Disability]);
                assert_eq!(category, None);
            }
            other => panic!("{other:?}"),
        }
    }
}

/// The name of the finding select of a feed kind on the comparison form.
pub fn finding_input(kind: FeedKind) -> String {
    format!("finding_{}", kind.code())
}

/// The name of the note of a feed kind on the comparison form.
pub fn note_input(kind: FeedKind) -> String {
    format!("note_{}", kind.code())
}

/// The comparison's structured part from its form: the ticked rows
/// (`reviewed_rows`, repeated) and, per feed kind, `finding_<kind>` and
/// `note_<kind>` (a kind left at "choose" has no finding).
fn comparison_from_form(
    t: &Texts,
    form: &[(String, String)],
    obj: &mut Map<String, Value>,
) -> Result<(), String> {
    let rows: Result<Vec<Value>, String> = form
        .iter()
        .filter(|(k, v)| k == "reviewed_rows" && !v.trim().is_empty())
        .map(|(_, v)| {
            v.trim()
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| format!("{}: {}", t.cmp_rows_of_step, t.cmp_bad_row))
        })
        .collect();
    let get = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    };
    let mut findings = Vec::new();
    for kind in FeedKind::ALL {
        let chosen = get(&finding_input(kind));
        if chosen.is_empty() {
            continue;
        }
        let finding = Finding::parse(chosen)
            .ok_or_else(|| format!("{} ({}): {}", t.cmp_finding, t.label(kind), t.unknown_value))?;
        let mut f = Map::new();
        f.insert("feed".into(), Value::String(kind.code().into()));
        f.insert("finding".into(), Value::String(finding.code().into()));
        f.insert("note".into(), Value::String(get(&note_input(kind)).into()));
        findings.push(Value::Object(f));
    }
    obj.insert("reviewed_rows".into(), Value::Array(rows?));
    obj.insert("findings".into(), Value::Array(findings));
    Ok(())
}
