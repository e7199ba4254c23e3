//! 规模性返贫预警 use cases: `run_alerts` (after every screening run and
//! from `dixian alerts run`) reads the region's warnings and leads, asks
//! the pure detector (`dixian_domain::alerts::detect`) under the `[alerts]`
//! numbers of the rule set in force and stores what is new; the lists (by
//! scope, the inbox's share), one alert with its evidence (names masked)
//! and its resolution. docs/alerts.md says why the method.

use crate::AppError;
use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::alerts::{AlertStatus, EventSource, baseline_windows, detect};
use dixian_domain::{RegionLevel, Role};
use dixian_screen::RuleBook;
use dixian_store::alerts::{self, AlertFilter, AlertRow, RunOutcome};
use dixian_store::{Actor, Store, StoreError};
use serde::Serialize;

/// What one run of the detector did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertRun {
    /// The region looked at.
    pub region: String,
    /// The day asked (the window's last day).
    pub as_of: NaiveDate,
    /// The rule set whose `[alerts]` numbers were used; `None`: no set in
    /// force has them, nothing was looked at.
    pub rule_set: Option<String>,
    /// Events read (warnings, leads, cases; one per risk type).
    pub events: usize,
    /// Places and risk types above their usual level.
    pub flagged: usize,
    /// What was stored.
    pub outcome: RunOutcome,
}

/// Whether `actor` may run the detector: who runs screening, and the
/// county admin.
pub fn may_run(actor: &Actor) -> Result<(), StoreError> {
    if actor.scope.role.loads_feeds() || actor.scope.role == Role::CountyAdmin {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

/// Runs the detector over `actor`'s region on `as_of` and stores what is
/// new (no alert twice; an open alert grows).
pub async fn run_alerts(
    store: &Store,
    actor: &Actor,
    book: &RuleBook,
    as_of: NaiveDate,
    now: DateTime<Utc>,
) -> Result<AlertRun, AppError> {
    may_run(actor)?;
    let region = actor.scope.region.clone();
    let mut run = AlertRun {
        region: region.to_string(),
        as_of,
        rule_set: None,
        events: 0,
        flagged: 0,
        outcome: RunOutcome::default(),
    };
    let Some((set, policy)) = book.alerts_for(&region, as_of) else {
        return Ok(run);
    };
    let from = baseline_windows(policy, as_of, None)
        .into_iter()
        .map(|(from, _)| from)
        .min()
        .unwrap_or(as_of);
    let events = alerts::events(&store.pool, &region, from, as_of).await?;
    let policy = policy.clone();
    let (found, events) = crate::blocking(move || {
        let found = detect(&events, as_of, &policy);
        Ok((found, events.len()))
    })
    .await?;
    run.rule_set = Some(set.name.clone());
    run.events = events;
    run.flagged = found.len();
    run.outcome = alerts::record(&store.pool, &found, &set.name, now).await?;
    Ok(run)
}

/// An alert as a list shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertLine {
    /// The stored alert.
    #[serde(flatten)]
    pub alert: AlertRow,
    /// `village`, `township` or `county`.
    pub level_code: &'static str,
    /// The region's name (from the division table), if known.
    pub region_name: Option<String>,
}

fn level_code(level: i64) -> &'static str {
    match RegionLevel::from_i64(level) {
        Some(RegionLevel::Village) => "village",
        Some(RegionLevel::Township) => "township",
        _ => "county",
    }
}

async fn lines(store: &Store, rows: Vec<AlertRow>) -> Result<Vec<AlertLine>, AppError> {
    let names =
        crate::registry::region_names(store, rows.iter().map(|r| r.region_code.as_str())).await?;
    Ok(rows
        .into_iter()
        .map(|alert| AlertLine {
            level_code: level_code(alert.level),
            region_name: names.get(&alert.region_code).cloned(),
            alert,
        })
        .collect())
}

/// The alerts of the actor's scope (open by default), most severe first.
pub async fn list(
    store: &Store,
    actor: &Actor,
    filter: &AlertFilter,
) -> Result<Vec<AlertLine>, AppError> {
    let rows = alerts::list(&store.pool, actor, filter).await?;
    lines(store, rows).await
}

/// The open alerts told to the actor's own township or county (the inbox's
/// 规模性风险预警 section).
pub async fn inbox(store: &Store, actor: &Actor) -> Result<Vec<AlertLine>, AppError> {
    if !matches!(actor.scope.role, Role::TownshipReviewer | Role::CountyAdmin) {
        return Ok(Vec::new());
    }
    let rows = alerts::inbox(&store.pool, actor).await?;
    lines(store, rows).await
}

/// One event of an alert as shown: the head of household masked.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvidenceView {
    /// `warning`, `lead` or `case`.
    pub source: EventSource,
    /// The warning's, lead's or case's id.
    pub source_id: i64,
    /// Household id (its card).
    pub household_id: i64,
    /// 户编号.
    pub household_number: String,
    /// Head of household, masked (张**).
    pub head_name: String,
    /// Village code.
    pub village_code: String,
    /// Village name, if known.
    pub village_name: Option<String>,
    /// Day of the event.
    pub on_date: NaiveDate,
}

/// A region told of an alert.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Told {
    /// The township or county code.
    pub region_code: String,
    /// Its name.
    pub region_name: Option<String>,
    /// When.
    pub told_at: DateTime<Utc>,
}

/// One alert with its evidence, who was told and whether the reader may
/// resolve it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertView {
    /// The alert.
    #[serde(flatten)]
    pub line: AlertLine,
    /// Its events, by day: the first ones (see `evidence_total`).
    pub evidence: Vec<EvidenceView>,
    /// All its events in the reader's scope; more than `evidence` holds
    /// when the evidence is long.
    pub evidence_total: i64,
    /// Distinct villages of the evidence.
    pub villages: i64,
    /// Who was told.
    pub told: Vec<Told>,
    /// Whether the reader may resolve it (open, and the reader's role
    /// resolves alerts).
    pub may_resolve: bool,
}

/// One alert in scope, evidence masked.
pub async fn alert(store: &Store, actor: &Actor, id: i64) -> Result<AlertView, AppError> {
    let d = alerts::get(&store.pool, actor, id).await?;
    let codes: Vec<&str> = std::iter::once(d.alert.region_code.as_str())
        .chain(d.evidence.iter().map(|e| e.village_code.as_str()))
        .chain(d.told.iter().map(|(c, _)| c.as_str()))
        .collect();
    let names = crate::registry::region_names(store, codes).await?;
    let evidence = d
        .evidence
        .iter()
        .map(|e| EvidenceView {
            source: e.source,
            source_id: e.source_id,
            household_id: e.household_id,
            household_number: e.household_number.clone(),
            head_name: crate::views::mask_name(&e.head_name),
            village_code: e.village_code.clone(),
            village_name: names.get(&e.village_code).cloned(),
            on_date: e.on_date,
        })
        .collect();
    let told = d
        .told
        .iter()
        .map(|(c, at)| Told {
            region_code: c.clone(),
            region_name: names.get(c).cloned(),
            told_at: *at,
        })
        .collect();
    let may_resolve = d.alert.status == AlertStatus::Open && alerts::may_resolve(actor.scope.role);
    let line = AlertLine {
        level_code: level_code(d.alert.level),
        region_name: names.get(&d.alert.region_code).cloned(),
        alert: d.alert,
    };
    Ok(AlertView {
        line,
        evidence,
        evidence_total: d.evidence_total,
        villages: d.villages,
        told,
        may_resolve,
    })
}

/// Resolves an alert with what was done (audited).
pub async fn resolve(
    store: &Store,
    actor: &Actor,
    id: i64,
    version: i64,
    resolution: &str,
    now: DateTime<Utc>,
) -> Result<AlertRow, AppError> {
    Ok(alerts::resolve(&store.pool, actor, id, version, resolution, now).await?)
}
