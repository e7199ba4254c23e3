//! 信息比对: the department rows already stored for a case's household,
//! listed for the one who compares, and the check of what they record.
//!
//! The rows are those of the household's **current** members (a person
//! who has left is not listed, whatever household the row was matched to
//! when it was loaded), dated within the rule set's
//! `workflow.comparison_window_days` up to today (China time), grouped
//! by feed kind in the order of `feeds.md`. Each row shows its person
//! masked as lists always are (the ID number as `520526********1234`, the
//! name as the role sees names), its key money and fact fields, and the
//! warnings it is evidence of; a diagnosis is withheld from a role that
//! does not see health data. Scope and role are checked by the store
//! (the case's levels, 村 乡 县; out of scope is "not found").

use crate::AppError;
use crate::rules::Policies;
use crate::views::name_for;
use chrono::{DateTime, Days, NaiveDate, Utc};
use dixian_domain::case::{KindFinding, check_comparison, china_date};
use dixian_domain::{CaseEvent, CaseStage, FeedKind, IdNumber};
use dixian_screen::FeedRow;
use dixian_screen::feed::FieldValue;
use dixian_store::cases::{self, PolicySource};
use dixian_store::comparison::{self, PersonRow, Wanted};
use dixian_store::{Actor, Refusal, Store, StoreError, households};
use serde::Serialize;
use std::collections::HashMap;

/// One field of a row as shown (the person's ID number and name are
/// shown apart, masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ComparisonField {
    /// The field's key in the typed row (`self_paid_fen`, `status` …).
    pub key: String,
    /// Chinese label (money fields say 元).
    pub label_zh: String,
    /// English label.
    pub label_en: String,
    /// The value in Chinese (money in 元, two decimals); empty when withheld.
    pub value_zh: String,
    /// The value in English; empty when withheld.
    pub value_en: String,
    /// Withheld from this reader (a diagnosis, for a role without health data).
    pub withheld: bool,
}

/// A stored department row of a member, as one reader is shown it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ComparisonRow {
    /// `feed_rows.id`: send it in `reviewed_rows`.
    pub id: i64,
    /// Feed kind code.
    #[schema(value_type = String, example = "medical")]
    pub kind: FeedKind,
    /// The day the row is about.
    pub date: NaiveDate,
    /// The person's ID number, masked.
    pub person: String,
    /// The member's name as the role sees names.
    pub name: String,
    /// The row's other fields, in file order.
    pub fields: Vec<ComparisonField>,
    /// The warnings this row is evidence of (ids).
    pub warnings: Vec<i64>,
}

/// The rows of one feed kind.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KindRows {
    /// Feed kind code.
    #[schema(value_type = String, example = "medical")]
    pub kind: FeedKind,
    /// Chinese label (医保结算 …).
    pub label_zh: String,
    /// English label.
    pub label_en: String,
    /// The department, in Chinese.
    pub department_zh: String,
    /// Its rows, by date.
    pub rows: Vec<ComparisonRow>,
}

/// What the comparison step lists for a case.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ComparisonList {
    /// The case.
    pub case_id: i64,
    /// `workflow.comparison_window_days` of the rule set in force.
    pub window_days: u32,
    /// First day listed.
    pub from: NaiveDate,
    /// Last day listed (today, China time).
    pub to: NaiveDate,
    /// The kinds that have rows, in the order of the feeds; each needs a finding.
    pub kinds: Vec<KindRows>,
}

impl ComparisonList {
    /// Every listed row id with its kind.
    pub fn listed(&self) -> Vec<(i64, FeedKind)> {
        self.kinds
            .iter()
            .flat_map(|k| k.rows.iter().map(|r| (r.id, r.kind)))
            .collect()
    }

    /// Rows listed in all.
    pub fn len(&self) -> usize {
        self.kinds.iter().map(|k| k.rows.len()).sum()
    }

    /// Whether no row is listed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The rows listed for the data comparison of case `case_id` today.
pub async fn comparison_rows(
    store: &Store,
    actor: &Actor,
    case_id: i64,
    now: DateTime<Utc>,
    policies: &Policies,
) -> Result<ComparisonList, AppError> {
    let stored = cases::get_case(&store.pool, actor, case_id).await?;
    let today = china_date(now);
    let window = policies
        .policy_for(&stored.case.village, today)
        .and_then(|p| p.comparison_window_days)
        .ok_or_else(|| {
            StoreError::from(Refusal::NoComparisonWindow {
                region: stored.case.village.to_string(),
                on: today,
            })
        })?;
    let from = today
        .checked_sub_days(Days::new(u64::from(window)))
        .unwrap_or(NaiveDate::MIN);
    let members = members_of(store, actor, stored.household_id).await?;
    let rows: Vec<PersonRow<FeedRow>> = comparison::person_rows(
        &store.pool,
        actor,
        stored.household_id,
        Wanted::Between(from, today),
    )
    .await?;
    let rows = rows
        .into_iter()
        .filter_map(|r| shown(actor, &members, r, true))
        .collect();
    Ok(ComparisonList {
        case_id,
        window_days: window,
        from,
        to: today,
        kinds: grouped(rows),
    })
}

/// The rows a recorded comparison reviewed, as `actor` is shown them
/// today (for the dossier): those still stored near the household, of
/// whoever was a member then.
pub async fn reviewed_rows(
    store: &Store,
    actor: &Actor,
    household_id: i64,
    ids: &[i64],
) -> Result<Vec<KindRows>, AppError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let members = members_of(store, actor, household_id).await?;
    let rows: Vec<PersonRow<FeedRow>> =
        comparison::person_rows(&store.pool, actor, household_id, Wanted::Ids(ids)).await?;
    Ok(grouped(
        rows.into_iter()
            .filter_map(|r| shown(actor, &members, r, false))
            .collect(),
    ))
}

/// The current members' full ID numbers with their names.
async fn members_of(
    store: &Store,
    actor: &Actor,
    household_id: i64,
) -> Result<HashMap<String, String>, AppError> {
    let h = households::get(&store.pool, actor, household_id).await?;
    Ok(h.household
        .members
        .iter()
        .map(|m| (m.id_number.as_str().to_string(), m.name.clone()))
        .collect())
}

/// A row as `actor` is shown it; `None` for a person who is not a
/// current member when `members_only`.
fn shown(
    actor: &Actor,
    members: &HashMap<String, String>,
    r: PersonRow<FeedRow>,
    members_only: bool,
) -> Option<ComparisonRow> {
    let id: &IdNumber = r.payload.id_number()?;
    let member = members.get(id.as_str());
    if members_only && member.is_none() {
        return None;
    }
    let role = actor.scope.role;
    let mut name = member.cloned().unwrap_or_default();
    let mut fields = Vec::new();
    for (f, v) in r.payload.fields() {
        match v {
            FieldValue::IdNumber(_) => continue,
            FieldValue::Text(t) if f.key == "name" => {
                if name.is_empty() {
                    name = t.to_string();
                }
                continue;
            }
            _ => {}
        }
        let withheld = r.withheld.iter().any(|w| w == f.key);
        let (value_zh, value_en) = if withheld {
            (String::new(), String::new())
        } else {
            (v.text(false), v.text(true))
        };
        fields.push(ComparisonField {
            key: f.key.to_string(),
            label_zh: f.zh.to_string(),
            label_en: f.en.to_string(),
            value_zh,
            value_en,
            withheld,
        });
    }
    Some(ComparisonRow {
        id: r.id,
        kind: r.kind,
        date: r.event_date,
        person: id.masked(),
        name: name_for(role, &name),
        fields,
        warnings: r.warnings,
    })
}

fn grouped(rows: Vec<ComparisonRow>) -> Vec<KindRows> {
    FeedKind::ALL
        .iter()
        .filter_map(|&kind| {
            let of: Vec<ComparisonRow> = rows.iter().filter(|r| r.kind == kind).cloned().collect();
            (!of.is_empty()).then(|| KindRows {
                kind,
                label_zh: kind.label_zh().to_string(),
                label_en: kind.label_en().to_string(),
                department_zh: kind.department_zh().to_string(),
                rows: of,
            })
        })
        .collect()
}

/// Checks a data comparison about to be recorded on a case at the
/// comparison step against the rows listed for it now: each reviewed row
/// is a listed one, each kind with rows has a finding. Other events, and
/// a case at another step (the state machine refuses it), pass. Without
/// a window in the rule set in force nothing is listed, so no row may be
/// named, and the comparison is recorded as given.
pub(crate) async fn check_event(
    store: &Store,
    actor: &Actor,
    case_id: i64,
    stage: CaseStage,
    event: &CaseEvent,
    now: DateTime<Utc>,
    policies: &Policies,
) -> Result<(), AppError> {
    let CaseEvent::DataComparison {
        reviewed_rows,
        findings,
        ..
    } = event
    else {
        return Ok(());
    };
    if stage != CaseStage::DataComparison {
        return Ok(());
    }
    // A rule set stored before `comparison_window_days` existed lists no
    // rows: the comparison is then recorded without any (in words, or
    // with findings), never blocked.
    let listed = match comparison_rows(store, actor, case_id, now, policies).await {
        Ok(list) => list.listed(),
        Err(AppError::Store(StoreError::Refused(Refusal::NoComparisonWindow { .. }))) => Vec::new(),
        Err(e) => return Err(e),
    };
    check_comparison(reviewed_rows, findings, &listed).map_err(StoreError::from)?;
    Ok(())
}

/// The findings of a comparison by kind, for the form kept on error.
pub fn finding_for(findings: &[KindFinding], kind: FeedKind) -> Option<&KindFinding> {
    findings.iter().find(|f| f.feed == kind)
}
