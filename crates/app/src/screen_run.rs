//! `screen run`: the screening pass over the stored feed rows of a region.
//! The registry is read from the store into the engine's index, the rows
//! to look at are every row of a batch no run of the region has read yet
//! plus every row of the window ending on the as-of date (the 12-month and
//! household rules need them), the pure pass (`dixian_screen::engine`)
//! finds the hits,
//! and the store keeps what is new of them (`dixian_store::screening`):
//! a re-run adds nothing.
//!
//! The registry comes from the index the store keeps per village
//! (`dixian_store::registry_index`: marked villages rebuilt, the rest
//! loaded from their sealed parts). A run that finds nothing changed since
//! the region's last run — no feed row since, the same registry state,
//! rule book and as-of day — is recorded as a no-op without reading rows
//! ([`unchanged_run`]): the pass would find the same hits, all known.

use crate::AppError;
use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::RuleRef;
use dixian_screen::engine::{
    EventColumns, FeedColumns, HouseholdFlags, MedicalColumns, PersonFacts, RegistryColumns,
    RegistryIndex, ScreenStats, Screener, Warning, WaterColumns,
};
use dixian_screen::{FeedRow, RuleBook};
use dixian_store::jobs::{NoProgress, Phase, Progress, check};
use dixian_store::registry_index;
use dixian_store::screening::{
    self, NewRun, NewWarning, RegistrySnapshot, RunState, RunSummary, ScreenRow,
};
use dixian_store::{Actor, Store, StoreError};
use std::collections::HashMap;
use std::sync::Arc;

/// What a run did.
#[derive(Debug, Clone)]
pub struct ScreenRunReport {
    /// The stored run.
    pub run: RunSummary,
    /// The pass's counts, over all feed kinds.
    pub stats: ScreenStats,
    /// Hits of the pass, before the store kept what is new.
    pub hits: usize,
    /// The 规模性返贫 detector run after it (`run_screening` only).
    pub alerts: Option<crate::alerts::AlertRun>,
    /// Why the detector did not run, if it failed (the screening run is
    /// stored all the same; `dixian alerts run` runs it again).
    pub alerts_error: Option<String>,
}

/// Rows of one kind group, with where each came from.
#[derive(Default)]
pub(crate) struct Group {
    pub(crate) ids: Vec<i64>,
    pub(crate) dates: Vec<NaiveDate>,
}

impl Group {
    fn push(&mut self, id: i64, date: NaiveDate) {
        self.ids.push(id);
        self.dates.push(date);
    }
}

/// Stored rows in the engine's columns: medical, per-person events and
/// water, each with the feed row ids and dates by position.
#[derive(Default)]
pub(crate) struct Batches {
    medical: (MedicalColumns, Group),
    events: (EventColumns, Group),
    water: (WaterColumns, Group),
}

impl Batches {
    /// Columns of stored rows (decoded by the store).
    pub(crate) fn of(rows: &[ScreenRow<FeedRow>]) -> Result<Batches, StoreError> {
        let mut b = Batches::default();
        for r in rows {
            let row = &r.payload;
            let date = row.date();
            match row {
                FeedRow::Medical(m) => {
                    b.medical.0.push_row(m);
                    b.medical.1.push(r.id, date);
                }
                FeedRow::Water(w) => {
                    b.water.0.push_row(w);
                    b.water.1.push(r.id, date);
                }
                other => {
                    if b.events.0.push_row(other) {
                        b.events.1.push(r.id, date);
                    }
                }
            }
        }
        Ok(b)
    }

    /// Runs `screener` over every group; each hit with the group its
    /// evidence positions point into.
    pub(crate) fn screen(
        self,
        screener: &Screener<'_>,
    ) -> (Vec<(Warning, usize)>, [Group; 3], ScreenStats) {
        let mut out = Vec::new();
        let mut stats = ScreenStats::default();
        let cols = [
            FeedColumns::Medical(self.medical.0),
            FeedColumns::Events(self.events.0),
            FeedColumns::Water(self.water.0),
        ];
        let groups = [self.medical.1, self.events.1, self.water.1];
        for (g, cols) in cols.iter().enumerate() {
            if groups[g].ids.is_empty() {
                continue;
            }
            let s = screener.screen(cols);
            stats.add(&s.stats);
            out.extend(s.warnings.into_iter().map(|w| (w, g)));
        }
        (out, groups, stats)
    }
}

/// The engine's registry columns of a snapshot (typed by the store).
pub(crate) fn registry_columns(snap: &RegistrySnapshot) -> RegistryColumns {
    let mut cols = RegistryColumns::default();
    let mut village_of: HashMap<&str, u32> = HashMap::new();
    for (h, v) in snap.village.iter().enumerate() {
        let next = cols.villages.len() as u32;
        let idx = *village_of.entry(v.as_str()).or_insert(next);
        if idx == next {
            cols.villages.push(v.clone());
        }
        cols.household_village.push(idx);
        cols.household_income_fen
            .push(snap.income_yuan[h].saturating_mul(100));
        cols.household_flags.push(HouseholdFlags::new(
            snap.formerly_poor[h],
            snap.monitored[h],
        ));
    }
    for (p, &key) in snap.person_key.iter().enumerate() {
        cols.person_key.push(key);
        cols.person_household.push(snap.person_household[p]);
        let labor = snap.person_labor[p];
        let grade = snap.person_disability_grade[p].and_then(|g| u8::try_from(g).ok());
        cols.person_facts.push(PersonFacts::new(labor, grade));
    }
    cols
}

/// A hit in the store's terms.
fn new_warning(
    w: &Warning,
    group: &Group,
    book: &RuleBook,
    snap: &RegistrySnapshot,
    today: NaiveDate,
) -> NewWarning {
    let set = w.rule_set(book);
    let rule = w.rule_in(book);
    let h = w.household as usize;
    let evidence: Vec<i64> = w.evidence.iter().map(|&i| group.ids[i as usize]).collect();
    let dates = w.evidence.iter().map(|&i| group.dates[i as usize]);
    let first = dates.clone().min().unwrap_or(today);
    let last = dates.max().unwrap_or(today);
    NewWarning {
        household_id: snap.household_id[h],
        village: snap.village[h].clone(),
        person: w.person.and_then(|p| p.id_number(today)),
        rule: RuleRef {
            rule_id: rule.id.clone(),
            set_region: set.region.to_string(),
            set_from: set.valid_from,
            set_version: i64::from(set.version),
            set_name: set.name.clone(),
        },
        feed_kind: rule.feed,
        condition: rule.condition,
        risk_type: w.risk,
        severity: w.severity,
        first_date: first,
        last_date: last,
        evidence,
    }
}

/// The first day of the widest window a rule set may choose ending on
/// `as_of` (`[window]` of the rule files: rolling up to 366 days or the
/// calendar year); the pass keeps each set to its own window.
pub(crate) fn window_start(as_of: NaiveDate) -> NaiveDate {
    dixian_screen::rules::Window::widest_start(as_of)
}

/// What a run read from the store: the rows to screen and the registry.
/// The pass itself ([`RunInput::compute`]) is CPU work without I/O, so a
/// server can run it off its async workers.
pub struct RunInput {
    as_of: NaiveDate,
    today: NaiveDate,
    started_at: DateTime<Utc>,
    rows: Vec<ScreenRow<FeedRow>>,
    snap: RegistrySnapshot,
    /// The registry's state and the highest feed row id when reading began.
    seen: RunState,
}

/// What the pass found, ready to store.
pub struct RunOutput {
    run: NewRun,
    hits: Vec<NewWarning>,
    stats: ScreenStats,
}

/// Reads what a run of `actor`'s region on `as_of` needs: every row of a
/// batch no run of the region has read, every row of the window, and the
/// registry. Refuses roles that do not run screening and an as-of day
/// after today.
pub async fn load_run(
    store: &Store,
    actor: &Actor,
    as_of: NaiveDate,
    now: DateTime<Utc>,
) -> Result<RunInput, AppError> {
    let today = may_run(actor, as_of, now)?;
    // Before the rows are read: a row added meanwhile is not "seen".
    let feed_rows = screening::feed_rows_seen(&store.pool).await?;
    let rows = screening::rows_to_screen(&store.pool, actor, window_start(as_of)).await?;
    let loaded = registry_index::load(&store.pool, &actor.scope.region).await?;
    Ok(RunInput {
        as_of,
        today,
        started_at: now,
        rows,
        snap: loaded.snapshot,
        seen: RunState {
            registry: Some(loaded.state),
            rules: None,
            feed_rows: Some(feed_rows),
        },
    })
}

/// The role check and the as-of day (not after today); today's date.
fn may_run(actor: &Actor, as_of: NaiveDate, now: DateTime<Utc>) -> Result<NaiveDate, AppError> {
    crate::may_load_feeds(actor)?;
    let today = dixian_domain::case::china_date(now);
    if as_of > today {
        return Err(StoreError::from(dixian_store::Refusal::AsOfInFuture { as_of, today }).into());
    }
    Ok(today)
}

/// The rule book's digest, as runs keep it: its stable printed form
/// (sets sorted, maps ordered) hashed.
fn rules_state(book: &RuleBook) -> String {
    screening::digest(&format!("{book:?}"))
}

/// A run with nothing new: when the region's last run was on the same
/// as-of day, under the same rule book, with no feed row added since and
/// the same registry state (its marked villages rebuilt first), the run is
/// recorded as a no-op repeating it (no row read) and returned; otherwise
/// `None` and the pass runs.
pub async fn unchanged_run(
    store: &Store,
    actor: &Actor,
    book: &RuleBook,
    as_of: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Option<RunSummary>, AppError> {
    may_run(actor, as_of, now)?;
    let Some(last) = screening::last_run(&store.pool, &actor.scope.region).await? else {
        return Ok(None);
    };
    let rules = rules_state(book);
    if last.as_of != as_of || last.rules_state.as_deref() != Some(rules.as_str()) {
        return Ok(None);
    }
    let feed_rows = screening::feed_rows_seen(&store.pool).await?;
    if last.feed_rows_seen != Some(feed_rows) {
        return Ok(None);
    }
    let registry = registry_index::state(&store.pool, &actor.scope.region).await?;
    let seen = RunState {
        registry: Some(registry),
        rules: Some(rules),
        feed_rows: Some(feed_rows),
    };
    if !last.unchanged(as_of, &seen) {
        return Ok(None);
    }
    Ok(screening::record_unchanged(&store.pool, actor, &last, now, now).await?)
}

impl RunInput {
    /// The pass: the registry index built, the rows screened under `book`,
    /// the hits in the store's terms. No I/O.
    pub fn compute(self, book: &RuleBook, threads: usize) -> Result<RunOutput, AppError> {
        let RunInput {
            as_of,
            today,
            started_at,
            rows,
            snap,
            mut seen,
        } = self;
        seen.rules = Some(rules_state(book));
        let index = RegistryIndex::build(registry_columns(&snap), threads)?;
        let screener = Screener {
            index: &index,
            book,
            as_of,
            threads,
        };
        let (found, groups, stats) = Batches::of(&rows)?.screen(&screener);
        let hits = found
            .iter()
            .map(|(w, g)| new_warning(w, &groups[*g], book, &snap, today))
            .collect();
        // A re-run on the same day reads the same rows only if none was
        // dated before the window (those are read once).
        let from = window_start(as_of);
        let stable = rows.iter().all(|r| r.payload.date() >= from);
        let mut batches: Vec<i64> = rows.iter().map(|r| r.batch_id).collect();
        batches.sort_unstable();
        batches.dedup();
        let run = NewRun {
            as_of,
            rows_screened: rows.len() as i64,
            batches,
            started_at,
            seen,
            hits: stable.then_some(found.len() as i64),
        };
        Ok(RunOutput { run, hits, stats })
    }
}

impl RunOutput {
    /// Stores the run and what is new of its hits.
    pub async fn record(
        self,
        store: &Store,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<ScreenRunReport, AppError> {
        let stored = screening::record_run(&store.pool, actor, &self.run, &self.hits, now).await?;
        Ok(ScreenRunReport {
            run: stored,
            stats: self.stats,
            hits: self.hits.len(),
            alerts: None,
            alerts_error: None,
        })
    }
}

/// Screens the stored feed rows of `actor`'s region on `as_of` under
/// `book` and stores what is new: [`load_run`], [`RunInput::compute`],
/// [`RunOutput::record`] on the caller's task; then the 规模性返贫
/// detector over the region ([`crate::alerts::run_alerts`]).
pub async fn run_screening(
    store: &Store,
    actor: &Actor,
    book: &RuleBook,
    as_of: NaiveDate,
    now: DateTime<Utc>,
    threads: usize,
) -> Result<ScreenRunReport, AppError> {
    run_screening_with(
        store,
        actor,
        book,
        as_of,
        now,
        threads,
        Arc::new(NoProgress),
    )
    .await
}

/// [`run_screening`] telling `progress` its phase (loading, screening the
/// rows read, recording, alerts) and stopping when it asks — checked
/// before the pass and before the run is stored, so a cancelled run
/// stores nothing ([`dixian_store::Refusal::JobCancelled`]). Once the run
/// is stored it is kept; the detector after it runs to its end.
pub async fn run_screening_with(
    store: &Store,
    actor: &Actor,
    book: &RuleBook,
    as_of: NaiveDate,
    now: DateTime<Utc>,
    threads: usize,
    progress: Arc<dyn Progress>,
) -> Result<ScreenRunReport, AppError> {
    progress.tick(0, 1, Phase::Loading);
    let mut rows = 0;
    let mut report = match unchanged_run(store, actor, book, as_of, now).await? {
        Some(run) => ScreenRunReport {
            hits: usize::try_from(run.warnings_known).unwrap_or(0),
            run,
            stats: ScreenStats::default(),
            alerts: None,
            alerts_error: None,
        },
        None => {
            let input = load_run(store, actor, as_of, now).await?;
            rows = input.rows.len() as u64;
            check(progress.as_ref())?;
            progress.tick(0, rows, Phase::Screening);
            let owned = book.clone();
            let output = crate::blocking(move || input.compute(&owned, threads)).await?;
            progress.tick(rows, rows, Phase::Screening);
            check(progress.as_ref())?;
            progress.tick(rows, rows, Phase::Recording);
            output.record(store, actor, now).await?
        }
    };
    progress.tick(rows, rows, Phase::Alerts);
    match crate::alerts::run_alerts(store, actor, book, as_of, now).await {
        Ok(run) => report.alerts = Some(run),
        Err(e) => report.alerts_error = Some(e.to_string()),
    }
    Ok(report)
}
