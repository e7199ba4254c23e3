//! 信息比对 on the case page: the department rows listed for the
//! comparison (grouped by feed kind, with a finding to choose per kind
//! and a box per row, kept as typed after a refused submit), and the rows
//! a recorded comparison reviewed, under its step in the dossier. What a
//! row shows (the person masked, a diagnosis withheld) is decided by the
//! use case (`dixian_app::comparison`); this only puts it in the page's
//! language.

use super::forms::{finding_input, note_input};
use crate::i18n::{Texts, fill};
use dixian_app::comparison::{ComparisonList, KindRows};
use dixian_domain::case::Finding;

/// The comparison form's listing.
pub struct CmpView {
    /// The period compared, in words.
    pub period: String,
    /// Why the rows cannot be listed (then nothing else is shown).
    pub unavailable: Option<String>,
    /// The rows by feed kind.
    pub groups: Vec<CmpGroup>,
}

/// The rows of one feed kind.
pub struct CmpGroup {
    /// Feed kind code.
    pub code: &'static str,
    /// Its label and department.
    pub label: String,
    /// The column labels of its fields.
    pub header: Vec<String>,
    /// Its rows.
    pub rows: Vec<CmpLine>,
    /// The finding select's name, options and choice; the note's name and value.
    pub finding_name: String,
    /// (code, label); the first is "choose".
    pub options: Vec<(String, String)>,
    /// The chosen finding code.
    pub chosen: String,
    /// The note's input name.
    pub note_name: String,
    /// The note typed.
    pub note: String,
}

impl CmpGroup {
    /// Whether `code` is the chosen finding.
    pub fn is_chosen(&self, code: &str) -> bool {
        self.chosen == code
    }
}

/// One row as shown.
pub struct CmpLine {
    /// `feed_rows.id`.
    pub id: i64,
    /// The row's date.
    pub date: String,
    /// The person: name and masked ID number.
    pub person: String,
    /// The field values, in the header's order.
    pub cells: Vec<String>,
    /// The warnings it is evidence of.
    pub warnings: Vec<i64>,
    /// Ticked as reviewed.
    pub checked: bool,
}

/// The groups of `kinds` in the page's language; `posted` is a refused
/// submit's form (the boxes and findings as sent), else every box is
/// ticked and no finding chosen.
pub fn groups(t: &Texts, kinds: &[KindRows], posted: Option<&[(String, String)]>) -> Vec<CmpGroup> {
    let english = t.english();
    let value = |name: &str| {
        posted
            .and_then(|f| f.iter().find(|(k, _)| k == name))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut options = vec![(String::new(), t.cmp_choose.to_string())];
    options.extend(
        Finding::ALL
            .iter()
            .map(|f| (f.code().to_string(), t.label(*f).to_string())),
    );
    kinds
        .iter()
        .map(|k| {
            let header = k
                .rows
                .first()
                .map(|r| {
                    r.fields
                        .iter()
                        .map(|f| if english { &f.label_en } else { &f.label_zh }.clone())
                        .collect()
                })
                .unwrap_or_default();
            let rows = k
                .rows
                .iter()
                .map(|r| CmpLine {
                    id: r.id,
                    date: r.date.to_string(),
                    person: format!("{} {}", r.name, r.person).trim().to_string(),
                    cells: r
                        .fields
                        .iter()
                        .map(|f| {
                            if f.withheld {
                                t.hidden.to_string()
                            } else if english {
                                f.value_en.clone()
                            } else {
                                f.value_zh.clone()
                            }
                        })
                        .collect(),
                    warnings: r.warnings.clone(),
                    checked: posted.is_none_or(|form| {
                        form.iter()
                            .any(|(n, v)| n == "reviewed_rows" && v.trim() == r.id.to_string())
                    }),
                })
                .collect();
            CmpGroup {
                code: k.kind.code(),
                label: format!("{}（{}）", t.label(k.kind), k.department_zh),
                header,
                rows,
                finding_name: finding_input(k.kind),
                options: options.clone(),
                chosen: value(&finding_input(k.kind)),
                note_name: note_input(k.kind),
                note: value(&note_input(k.kind)),
            }
        })
        .collect()
}

/// The comparison form's listing from the use case's answer.
pub fn view(
    t: &Texts,
    list: &Result<ComparisonList, String>,
    posted: Option<&[(String, String)]>,
) -> CmpView {
    match list {
        Ok(l) => CmpView {
            period: fill(t.cmp_period, &[&l.from, &l.to, &l.window_days]),
            unavailable: None,
            groups: groups(t, &l.kinds, posted),
        },
        Err(e) => CmpView {
            period: String::new(),
            unavailable: Some(format!("{}{}", t.cmp_unavailable, t.reason(e))),
            groups: Vec::new(),
        },
    }
}
