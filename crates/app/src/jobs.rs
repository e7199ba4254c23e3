//! Long work as background jobs (issue 14, part 4): a feed import, a
//! screening run or a what-if started from the web is recorded as a job
//! (`dixian_store::jobs`), runs on a tokio task (its CPU work on a
//! blocking thread, as the synchronous path does), reports its phase and
//! rows done through [`Progress`] and stops between chunks when cancelled
//! — the import's transaction then rolls back, so a cancelled or failed
//! job leaves nothing half-written.
//!
//! Decided here, once: who may start, see and cancel a job (the roles
//! that load feeds, [`crate::may_load_feeds`], the same typed check as
//! the synchronous path; a job of a region outside the actor's scope is
//! not found), and the one writing job per region (the store's unique
//! index refuses a second: [`dixian_store::Refusal::JobRunning`]).
//!
//! Progress is kept in memory while a job runs (a long import holds
//! SQLite's write lock, so a row update could not land before its
//! commit) and written to the table at most every
//! [`PROGRESS_FLUSH`]; readers in this process see the live figures.
//! A server that starts marks jobs a previous process left active as
//! interrupted ([`Jobs::interrupt_leftovers`]).

use crate::AppError;
use crate::feed_import::{FeedFile, FeedImportReport, OnRowErrors, import_feed_with};
use crate::rules::WhatIf;
use crate::screen_run::{ScreenRunReport, run_screening_with};
use chrono::{DateTime, NaiveDate, Utc};
use dixian_screen::{RuleBook, RuleSet};
use dixian_store::jobs::{self as stored, Ending};
pub use dixian_store::jobs::{
    Job, JobKind, JobStatus, NoProgress, Phase, Progress, check as check_cancel,
};
use dixian_store::{Actor, Refusal, Store, StoreError};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often a running job's progress is written to the table (at most).
pub const PROGRESS_FLUSH: Duration = Duration::from_millis(300);

/// Row problems (and lines of unregistered persons) a feed job's summary
/// keeps; the rest are counted.
pub const SUMMARY_PROBLEMS: usize = 1_000;

/// Jobs listed at most.
pub const LIST_LIMIT: i64 = 50;

/// A running job's figures in memory, and its stop flag.
#[derive(Debug)]
pub struct Live {
    cancel: AtomicBool,
    state: Mutex<(Phase, u64, u64)>,
}

impl Live {
    fn new() -> Live {
        Live {
            cancel: AtomicBool::new(false),
            state: Mutex::new((Phase::Queued, 0, 0)),
        }
    }

    /// Asks the work to stop at its next check.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::SeqCst);
    }

    /// Phase, done, total now.
    pub fn state(&self) -> (Phase, u64, u64) {
        *self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Progress for Live {
    fn tick(&self, done: u64, total: u64, phase: Phase) {
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = (phase, done, total);
    }
    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::SeqCst)
    }
}

/// The work a job does, with what it needs (an upload's bytes are held
/// here, in memory, bounded by the server's upload cap).
pub enum Work {
    /// A department file as one batch.
    FeedImport {
        /// The file.
        file: FeedFile,
        /// What to do with bad rows.
        on_errors: OnRowErrors,
    },
    /// The screening pass of the region on `as_of`.
    ScreeningRun {
        /// The rules in force.
        book: RuleBook,
        /// Windows end on this day.
        as_of: NaiveDate,
        /// Worker threads of the pass.
        threads: usize,
    },
    /// A draft replayed over a period; nothing stored.
    WhatIf {
        /// The rules in force.
        book: RuleBook,
        /// The draft.
        draft: Box<RuleSet>,
        /// First day.
        from: NaiveDate,
        /// Last day.
        to: NaiveDate,
        /// Worker threads.
        threads: usize,
    },
}

impl Work {
    /// The kind of job.
    pub fn kind(&self) -> JobKind {
        match self {
            Work::FeedImport { .. } => JobKind::FeedImport,
            Work::ScreeningRun { .. } => JobKind::ScreeningRun,
            Work::WhatIf { .. } => JobKind::WhatIf,
        }
    }
}

/// What a job's work returned.
#[derive(Debug)]
pub enum Outcome {
    /// A feed import's report (a rejected file too).
    Feed(FeedImportReport),
    /// A screening run.
    Screening(Box<ScreenRunReport>),
    /// A what-if: the draft's name and the counts.
    WhatIf(String, WhatIf),
}

/// A job started: as recorded, and its task (await it for the typed
/// outcome; dropping it leaves the job running).
pub struct Started {
    /// The job as recorded (queued).
    pub job: Job,
    /// The task.
    pub task: tokio::task::JoinHandle<Result<Outcome, AppError>>,
}

/// The jobs of this process: start, read (with live figures), cancel.
#[derive(Clone, Debug)]
pub struct Jobs {
    store: Store,
    live: Arc<Mutex<HashMap<i64, Arc<Live>>>>,
}

/// Whether `actor` may start, see and cancel jobs: the roles that load
/// feeds and run screening.
pub fn may_use_jobs(actor: &Actor) -> Result<(), StoreError> {
    crate::may_load_feeds(actor)
}

impl Jobs {
    /// The jobs of `store`.
    pub fn new(store: Store) -> Jobs {
        Jobs {
            store,
            live: Arc::default(),
        }
    }

    fn live_of(&self, id: i64) -> Option<Arc<Live>> {
        self.live
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
            .cloned()
    }

    /// Marks the jobs a previous process left queued or running as
    /// interrupted (their transactions died with it). Call once, before
    /// serving.
    pub async fn interrupt_leftovers(&self, now: DateTime<Utc>) -> Result<u64, AppError> {
        Ok(stored::interrupt_active(&self.store.pool, now).await?)
    }

    /// Starts `work` for `actor` as a job: the role check of the
    /// synchronous path, then the job recorded (refused while a writing
    /// job of the region is active), then its task spawned. `now` is the
    /// work's day (the server's clock); `hold` is kept until the work ends
    /// (an upload slot).
    pub async fn start(
        &self,
        actor: &Actor,
        work: Work,
        now: DateTime<Utc>,
        hold: impl Send + 'static,
    ) -> Result<Started, AppError> {
        may_use_jobs(actor)?;
        let job = stored::create(&self.store.pool, actor, work.kind(), now).await?;
        let live = Arc::new(Live::new());
        self.live
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(job.id, Arc::clone(&live));
        let jobs = self.clone();
        let actor = actor.clone();
        let id = job.id;
        let task = tokio::spawn(async move {
            let _hold = hold;
            let flusher = tokio::spawn(flush(jobs.store.clone(), id, Arc::clone(&live)));
            let r = match stored::mark_running(&jobs.store.pool, id, Utc::now()).await {
                Ok(()) => run(&jobs.store, &actor, work, now, &live).await,
                Err(e) => Err(e.into()),
            };
            flusher.abort();
            let end = ending(&r, &live);
            // the ending must land: retried while the database is busy
            for _ in 0..20 {
                match stored::finish(&jobs.store.pool, id, &end, Utc::now()).await {
                    Err(StoreError::Busy) => tokio::time::sleep(Duration::from_millis(250)).await,
                    Err(e) => {
                        tracing::error!(job = id, error = %e, "job ending not recorded");
                        break;
                    }
                    Ok(()) => break,
                }
            }
            jobs.live
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&id);
            tracing::info!(job = id, status = end.status.code(), "job ended");
            r
        });
        Ok(Started { job, task })
    }

    /// One job of `actor`'s scope, with the live figures while it runs.
    pub async fn get(&self, actor: &Actor, id: i64) -> Result<Job, AppError> {
        may_use_jobs(actor)?;
        let job = stored::get(&self.store.pool, actor, id).await?;
        Ok(self.overlay(job))
    }

    /// The newest jobs of `actor`'s scope, newest first.
    pub async fn list(&self, actor: &Actor) -> Result<Vec<Job>, AppError> {
        may_use_jobs(actor)?;
        let jobs = stored::list(&self.store.pool, actor, LIST_LIMIT).await?;
        Ok(jobs.into_iter().map(|j| self.overlay(j)).collect())
    }

    fn overlay(&self, mut job: Job) -> Job {
        if job.status.is_active()
            && let Some(live) = self.live_of(job.id)
        {
            let (phase, done, total) = live.state();
            job.phase = phase;
            job.done = done as i64;
            job.total = total as i64;
            job.cancel_requested |= live.cancelled();
        }
        job
    }

    /// Asks an active job of `actor`'s scope to stop: at its next check
    /// it stops and what it wrote is rolled back. A job that ended is
    /// refused ([`Refusal::JobEnded`]).
    pub async fn cancel(&self, actor: &Actor, id: i64) -> Result<Job, AppError> {
        may_use_jobs(actor)?;
        let job = stored::get(&self.store.pool, actor, id).await?;
        if !job.status.is_active() {
            return Err(StoreError::from(Refusal::JobEnded).into());
        }
        if let Some(live) = self.live_of(id) {
            live.cancel();
        }
        // the flag in the table too (read by the job's flusher, and what a
        // reader of another process sees); the live flag acts already
        match stored::request_cancel(&self.store.pool, actor, id).await {
            Ok(_) | Err(StoreError::Busy) | Err(StoreError::Refused(Refusal::JobEnded)) => {}
            Err(e) => return Err(e.into()),
        }
        self.get(actor, id).await
    }
}

/// Writes the live figures to the table every [`PROGRESS_FLUSH`] while
/// they change, and takes a stop asked for in the table.
async fn flush(store: Store, id: i64, live: Arc<Live>) {
    let mut last = None;
    loop {
        tokio::time::sleep(PROGRESS_FLUSH).await;
        let now = live.state();
        if last != Some(now) {
            let (phase, done, total) = now;
            if stored::record_progress(&store.pool, id, phase, done as i64, total as i64)
                .await
                .is_ok()
            {
                last = Some(now);
            }
        }
        if matches!(stored::cancel_requested(&store.pool, id).await, Ok(true)) {
            live.cancel();
        }
    }
}

async fn run(
    store: &Store,
    actor: &Actor,
    work: Work,
    now: DateTime<Utc>,
    live: &Arc<Live>,
) -> Result<Outcome, AppError> {
    check_cancel(live.as_ref())?;
    match work {
        Work::FeedImport { file, on_errors } => {
            let r = import_feed_with(store, actor, file, on_errors, now, live.as_ref()).await?;
            Ok(Outcome::Feed(r))
        }
        Work::ScreeningRun {
            book,
            as_of,
            threads,
        } => {
            let progress: Arc<dyn Progress> = live.clone();
            let r = run_screening_with(store, actor, &book, as_of, now, threads, progress).await?;
            Ok(Outcome::Screening(Box::new(r)))
        }
        Work::WhatIf {
            book,
            draft,
            from,
            to,
            threads,
        } => {
            live.tick(0, 2, Phase::Loading);
            let input =
                crate::rules::load_what_if(store, actor, &book, &draft, from, to, now).await?;
            check_cancel(live.as_ref())?;
            live.tick(1, 2, Phase::Replaying);
            let w = crate::blocking(move || input.compute(threads)).await?;
            live.tick(2, 2, Phase::Replaying);
            Ok(Outcome::WhatIf(draft.name.clone(), w))
        }
    }
}

/// How the work's end is recorded: status, figures, summary, error.
fn ending(r: &Result<Outcome, AppError>, live: &Live) -> Ending {
    let (_, done, total) = live.state();
    match r {
        Ok(outcome) => {
            let (ok, result, error) = summary(outcome);
            let total = total.max(done) as i64;
            Ending {
                status: if ok {
                    JobStatus::Succeeded
                } else {
                    JobStatus::Failed
                },
                done: if ok { total } else { done as i64 },
                total,
                result: Some(result),
                error,
            }
        }
        Err(e) => Ending {
            status: if matches!(
                e,
                AppError::Store(StoreError::Refused(Refusal::JobCancelled))
            ) {
                JobStatus::Cancelled
            } else {
                JobStatus::Failed
            },
            done: done as i64,
            total: total as i64,
            result: None,
            error: Some(error_text(e)),
        },
    }
}

/// A failure as the job keeps it: what the interfaces tell the user, an
/// internal cause replaced by a plain sentence (and logged).
pub fn error_text(e: &AppError) -> String {
    match e {
        AppError::Store(
            StoreError::Db(_)
            | StoreError::Migrate(_)
            | StoreError::Io { .. }
            | StoreError::Integrity(_),
        )
        | AppError::Stopped(_) => {
            tracing::error!(error = %e, "job failed");
            "internal error, please try again later (系统错误，请稍后再试)".to_string()
        }
        other => other.to_string(),
    }
}

/// The summary kept with a job (no personal data: counts, ids, row
/// problems by line and column without the cell's value), whether the
/// work did what was asked, and why not.
pub fn summary(outcome: &Outcome) -> (bool, Value, Option<String>) {
    match outcome {
        Outcome::Feed(r) => {
            let errors: Vec<Value> = r
                .errors
                .iter()
                .take(SUMMARY_PROBLEMS)
                .map(|e| {
                    json!({"line": e.line, "column": e.column, "header": e.header, "reason": e.reason})
                })
                .collect();
            let unknown: Vec<&str> = r.unknown_columns.iter().map(|(_, h)| h.as_str()).collect();
            let mut outcome = json!(r.outcome);
            // the lines of unregistered persons: the first of them (a
            // province's file may have millions); the count stays whole
            if let Some(Value::Array(lines)) = outcome.get_mut("unknown_lines") {
                lines.truncate(SUMMARY_PROBLEMS);
            }
            let v = json!({
                "outcome": outcome,
                "parsed": r.parsed,
                "errors": errors,
                "errors_total": r.errors_total,
                "unknown_columns": unknown,
            });
            let error = match &r.outcome {
                Some(_) => None,
                None if r.errors_total > 0 => Some(format!(
                    "the file has {} problem(s); nothing was stored (文件有{}处问题，未入库)",
                    r.errors_total, r.errors_total
                )),
                None => {
                    Some("the file has no rows; nothing was stored (文件无数据行，未入库)".into())
                }
            };
            (r.outcome.is_some(), v, error)
        }
        Outcome::Screening(r) => {
            let mut v = serde_json::to_value(&r.run).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut v {
                m.insert("hits".into(), json!(r.hits));
                m.insert("alerts_error".into(), json!(r.alerts_error));
            }
            (true, v, None)
        }
        Outcome::WhatIf(name, w) => {
            let lines: Vec<Value> = w
                .counts
                .iter()
                .map(|((township, risk), (current, draft))| {
                    json!({"township": township, "risk_type": risk, "current": current, "draft": draft})
                })
                .collect();
            let v = json!({
                "draft": name,
                "rows": w.rows,
                "as_of_days": w.as_of_days.len(),
                "totals": w.totals(),
                "lines": lines,
            });
            (true, v, None)
        }
    }
}

/// The batch a feed job stored or found, from its summary.
pub fn batch_of(job: &Job) -> Option<i64> {
    job.result
        .as_ref()?
        .get("outcome")?
        .get("batch_id")?
        .as_i64()
}

/// The run a screening job stored, from its summary.
pub fn run_of(job: &Job) -> Option<i64> {
    job.result.as_ref()?.get("id")?.as_i64()
}
