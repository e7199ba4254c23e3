//! 监测案件 persisted: cases (the domain [`Case`] as an authoritative JSON
//! snapshot, plus indexed copies of its stage and deadline), their event
//! log, and the leads (线索) that open them.
//!
//! Every function takes an [`Actor`] (or, for a resident's declaration,
//! none) and filters by its region like `households.rs`; a case outside
//! the scope is `NotFound`. Case data (free text of visits, objections,
//! leads) is read by the three working levels only (村, 乡, 县). What may
//! happen to a case is decided by the domain's [`apply`](dixian_domain::apply),
//! with the province's numbers from a [`PolicySource`] the caller holds
//! (the web layer's rule book): the store knows no policy numbers.
//!
//! - [`leads`]: a lead from a cadre or a resident opens a case, joins the
//!   household's open case, or re-enters an eliminated one.
//! - [`events`]: an event applied, the snapshot, event row and audit row
//!   written in one transaction, guarded by the version.
//! - [`queries`]: inbox, overdue list, the village notice, a household's
//!   timeline, the elimination check.

pub mod attachments;
pub mod events;
pub mod leads;
pub mod migrate;
pub mod queries;

pub use events::{PlanFollowUp, StoredEvent, apply_event, apply_event_then, events};
pub use leads::{
    Declaration, DeclarationProgress, IncomingLead, LeadReceipt, LeadStatus, PublicStatus,
    PublicStatusView, declaration_progress, declare, dismiss_lead, match_lead, open_lead,
    public_status,
};
pub use migrate::{MigrationIssue, MigrationOutcome, MonitoredEntry, migrate};
pub use queries::{
    EliminationCheck, EliminationNumbers, Inbox, InboxCase, InboxLead, NoticeEntry, NoticeKind,
    NoticeRound, OverdueCase, TimelineEntry, TimelineKind, TownshipOverdue, elimination_check,
    inbox, notice_round, overdue, timeline,
};

use crate::db::{Pool, Tx, q};
use crate::users::Actor;
use crate::{Refusal, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::case::{LEAD_ROLES, china_date};
use dixian_domain::{Case, RegionCode, WorkflowPolicy};
use serde::Serialize;

/// Where the workflow numbers come from: the caller's rule book, chosen
/// by the case's village and the day. A fixed [`WorkflowPolicy`] is a
/// source too (tests, single-province tools).
pub trait PolicySource: Sync {
    /// The policy in force for `village` on `on`, if a rule set covers it.
    fn policy_for(&self, village: &RegionCode, on: NaiveDate) -> Option<WorkflowPolicy>;
}

impl PolicySource for WorkflowPolicy {
    fn policy_for(&self, _: &RegionCode, _: NaiveDate) -> Option<WorkflowPolicy> {
        Some(self.clone())
    }
}

impl<F> PolicySource for F
where
    F: Fn(&RegionCode, NaiveDate) -> Option<WorkflowPolicy> + Sync,
{
    fn policy_for(&self, village: &RegionCode, on: NaiveDate) -> Option<WorkflowPolicy> {
        self(village, on)
    }
}

/// The policy in force for `village` today (China time), or why there is none.
pub(crate) fn policy_at(
    policies: &dyn PolicySource,
    village: &RegionCode,
    now: DateTime<Utc>,
) -> Result<WorkflowPolicy, StoreError> {
    let today = china_date(now);
    policies.policy_for(village, today).ok_or_else(|| {
        Refusal::NoRuleSet {
            region: village.to_string(),
            on: today,
        }
        .into()
    })
}

/// A case as stored: the snapshot with its id, household and version.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StoredCase {
    /// Database id.
    pub id: i64,
    /// Database id of the household.
    pub household_id: i64,
    /// Optimistic-concurrency version; send it back with an event.
    pub version: i64,
    /// The case (authoritative snapshot).
    pub case: Case,
    /// The day the current step is due (under the rules in force when the
    /// case was last written); `None` when nothing is owed.
    pub due_on: Option<NaiveDate>,
    /// Opened.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct CaseRow {
    pub id: i64,
    pub household_id: i64,
    pub snapshot: String,
    pub version: i64,
    pub due_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub(crate) const CASE_COLS: &str =
    "c.id, c.household_id, c.snapshot, c.version, c.due_on, c.created_at, c.updated_at";

/// Reads a stored snapshot. The parser's message is not passed on: it may
/// quote the text, which may hold personal data.
pub(crate) fn parse_snapshot(id: i64, json: &str) -> Result<Case, StoreError> {
    serde_json::from_str(json).map_err(|e| {
        StoreError::Invalid(format!(
            "stored case {id} cannot be read (line {}, column {}) (案件数据无法读取)",
            e.line(),
            e.column()
        ))
    })
}

pub(crate) fn to_json<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v)
        .map_err(|e| StoreError::Invalid(format!("cannot serialise a case record: {e}")))
}

impl CaseRow {
    pub(crate) fn into_stored(self) -> Result<StoredCase, StoreError> {
        Ok(StoredCase {
            case: parse_snapshot(self.id, &self.snapshot)?,
            id: self.id,
            household_id: self.household_id,
            version: self.version,
            due_on: self.due_on,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// Checks that the actor works a level of the case workflow (村, 乡, 县):
/// case records carry free text about health and income, which other
/// roles do not need.
pub(crate) fn check_reads_cases(actor: &Actor) -> Result<(), StoreError> {
    if LEAD_ROLES.contains(&actor.scope.role) {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

/// One case by id, if it lies in the actor's scope (else `NotFound`).
pub async fn get_case(pool: &Pool, actor: &Actor, id: i64) -> Result<StoredCase, StoreError> {
    check_reads_cases(actor)?;
    let (lo, hi) = actor.scope.region.padded_range();
    let row: CaseRow = pool
        .opt(
            q(format!(
                "SELECT {CASE_COLS} FROM cases c WHERE c.id = $1 AND c.village_code BETWEEN $2 AND $3"
            ))
            .bind(id)
            .bind(lo)
            .bind(hi),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    row.into_stored()
}

/// The cases of a household, oldest first (a rejected run is a closed
/// case; at most one other is open).
pub async fn cases_of_household(
    pool: &Pool,
    actor: &Actor,
    household_id: i64,
) -> Result<Vec<StoredCase>, StoreError> {
    check_reads_cases(actor)?;
    let (lo, hi) = actor.scope.region.padded_range();
    let rows: Vec<CaseRow> = pool
        .all(
            q(format!(
                "SELECT {CASE_COLS} FROM cases c WHERE c.household_id = $1 AND c.village_code BETWEEN $2 AND $3 ORDER BY c.id"
            ))
            .bind(household_id)
            .bind(lo)
            .bind(hi),
        )
        .await?;
    rows.into_iter().map(CaseRow::into_stored).collect()
}

/// The household's case that is not closed by rejection, inside `tx`.
pub(crate) async fn open_case_of(
    tx: &mut Tx,
    household_id: i64,
) -> Result<Option<StoredCase>, StoreError> {
    let row: Option<CaseRow> = tx
        .opt(
            q(format!(
                "SELECT {CASE_COLS} FROM cases c WHERE c.household_id = $1 AND c.stage <> 'rejected'"
            ))
            .bind(household_id),
        )
        .await?;
    row.map(CaseRow::into_stored).transpose()
}

/// Whether a write lost a race with a concurrent writer and may simply
/// run again: a unique key taken first (two leads opening one case), or
/// the database busy past its timeout ([`StoreError::Busy`]).
pub(crate) fn lost_race(e: &StoreError) -> bool {
    match e {
        StoreError::Busy => true,
        StoreError::Db(sqlx::Error::Database(d)) => d.is_unique_violation(),
        _ => false,
    }
}

/// Runs `attempt` again (up to four more times) when it lost a race
/// ([`lost_race`]); the next run sees what the other writer committed.
pub(crate) async fn retry_on_race<T, F, Fut>(mut attempt: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, StoreError>>,
{
    let mut tries = 0;
    loop {
        match attempt().await {
            Err(e) if tries < 4 && lost_race(&e) => tries += 1,
            other => return other,
        }
    }
}
