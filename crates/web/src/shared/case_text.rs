//! A case event's data in words, for whoever reads it next: the case
//! page's record of every step and the household card's timeline. Labels
//! come from the i18n tables (`event_fields`) and the coded values' own
//! labels; nothing here decides what may be shown (the use cases do).

use crate::i18n::{Texts, field_label};
use dixian_domain::case::CaseEvent;
use dixian_domain::{RiskType, Role};

/// One recorded value: its label and the value in words.
pub struct Fact {
    /// The field's label.
    pub label: &'static str,
    /// The value as shown.
    pub value: String,
    /// Free text the user wrote (shown with its line breaks).
    pub long: bool,
}

fn fact(t: &Texts, name: &str, value: String) -> Fact {
    Fact {
        label: field_label(t, name),
        value,
        long: false,
    }
}

fn text(t: &Texts, name: &str, value: &str) -> Fact {
    Fact {
        label: field_label(t, name),
        value: value.to_string(),
        long: true,
    }
}

fn yes_no(t: &Texts, b: bool) -> String {
    if b { t.yes } else { t.no }.to_string()
}

fn decided(t: &Texts, b: bool) -> String {
    if b { t.decided_yes } else { t.decided_no }.to_string()
}

/// Risk types in words, joined with 、 (`—` when none).
pub fn risks(t: &Texts, r: &[RiskType]) -> String {
    if r.is_empty() {
        return "—".into();
    }
    r.iter().map(|x| t.label(*x)).collect::<Vec<_>>().join("、")
}

/// What an event recorded, field by field, in the page's language.
pub fn facts(t: &Texts, e: &CaseEvent) -> Vec<Fact> {
    use CaseEvent as E;
    match e {
        E::HomeCheck {
            findings,
            asset_check_consent_signed,
            visited_on,
        } => vec![
            fact(t, "visited_on", visited_on.to_string()),
            text(t, "findings", findings),
            fact(
                t,
                "asset_check_consent_signed",
                yes_no(t, *asset_check_consent_signed),
            ),
        ],
        E::DataComparison {
            results,
            reviewed_rows,
            findings,
        } => {
            // Per feed kind, its finding (and note); then how many rows
            // were reviewed; the words, when given (an older event has
            // only these).
            let mut v: Vec<Fact> = findings
                .iter()
                .map(|f| Fact {
                    label: t.label(f.feed),
                    value: if f.note.trim().is_empty() {
                        t.label(f.finding).to_string()
                    } else {
                        format!("{}：{}", t.label(f.finding), f.note)
                    },
                    long: !f.note.trim().is_empty(),
                })
                .collect();
            if !reviewed_rows.is_empty() {
                v.push(fact(t, "reviewed_rows", reviewed_rows.len().to_string()));
            }
            if !results.trim().is_empty() || findings.is_empty() {
                v.push(text(t, "results", results));
            }
            v
        }
        E::Deliberation {
            held_on,
            attendees,
            approve,
            note,
            proposed_category,
            proposed_risk_types,
        } => {
            let mut v = vec![
                fact(t, "held_on", held_on.to_string()),
                fact(t, "attendees", attendees.to_string()),
                fact(t, "approve", decided(t, *approve)),
                text(t, "note", note),
            ];
            if let Some(c) = proposed_category {
                v.push(fact(t, "proposed_category", t.label(*c).to_string()));
            }
            if !proposed_risk_types.is_empty() {
                v.push(fact(
                    t,
                    "proposed_risk_types",
                    risks(t, proposed_risk_types),
                ));
            }
            v
        }
        E::NoticeStart { start, end } => vec![
            fact(t, "start", start.to_string()),
            fact(t, "end", end.to_string()),
        ],
        E::NoticeObjection { text: x, upheld } => {
            vec![text(t, "text", x), fact(t, "upheld", yes_no(t, *upheld))]
        }
        E::NoticeEnd => Vec::new(),
        E::TownshipReview { approve, note } => {
            vec![
                fact(t, "approve", decided(t, *approve)),
                text(t, "note", note),
            ]
        }
        E::CountyApproval {
            approve,
            category,
            risk_types,
            note,
            override_reason,
        } => {
            let mut v = vec![fact(t, "approve", decided(t, *approve))];
            if let Some(c) = category {
                v.push(fact(t, "category", t.label(*c).to_string()));
            }
            if !risk_types.is_empty() {
                v.push(fact(t, "risk_types", risks(t, risk_types)));
            }
            v.push(text(t, "note", note));
            if let Some(r) = override_reason {
                v.push(text(t, "override_reason", r));
            }
            v
        }
        E::ReturnForMore { reason } | E::Reject { reason } | E::EliminationRollback { reason } => {
            vec![text(t, "reason", reason)]
        }
        E::FollowUp {
            visited_on,
            visitor,
            changes,
            risk_added,
            risk_removed,
        } => vec![
            fact(t, "visited_on", visited_on.to_string()),
            fact(t, "visitor", visitor.clone()),
            text(t, "changes", changes),
            fact(t, "risk_added", risks(t, risk_added)),
            fact(t, "risk_removed", risks(t, risk_removed)),
        ],
        E::ProposeElimination { note } => vec![text(t, "note", note)],
        E::ReEntry {
            channel,
            risk_types,
            note,
        } => vec![
            fact(t, "channel", t.label(*channel).to_string()),
            fact(t, "risk_types", risks(t, risk_types)),
            text(t, "note", note),
        ],
        E::ProposeAssistance { assistance } => {
            vec![fact(t, "assistance", t.label(*assistance).to_string())]
        }
        E::AssistanceOutcome {
            assistance,
            granted,
            note,
        } => vec![
            fact(t, "assistance", t.label(*assistance).to_string()),
            fact(t, "granted", yes_no(t, *granted)),
            text(t, "note", note),
        ],
        E::Migrated {
            identified_on,
            category,
            risk_types,
            note,
        } => vec![
            fact(t, "visited_on", identified_on.to_string()),
            fact(t, "category", t.label(*category).to_string()),
            fact(t, "risk_types", risks(t, risk_types)),
            text(t, "note", note),
        ],
    }
}

/// An event's data on one line (`核查情况: …; …`), empty fields left out.
pub fn summary(t: &Texts, e: &CaseEvent) -> String {
    facts(t, e)
        .into_iter()
        .filter(|f| !f.value.trim().is_empty())
        .map(|f| format!("{}: {}", f.label, f.value.trim()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Who acted, in words: the user's name, else their role, a resident's
/// declaration or the command line — never a raw code.
pub fn who(t: &Texts, user_name: Option<&str>, role: Option<&str>) -> String {
    if let Some(n) = user_name {
        return n.to_string();
    }
    match role {
        Some("public") => t.by_resident.to_string(),
        Some(code) => {
            Role::parse(code).map_or_else(|| t.by_system.to_string(), |r| t.label(r).to_string())
        }
        None => t.by_system.to_string(),
    }
}
