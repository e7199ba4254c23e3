//! Background jobs (migration 0020): long work started from the web — a
//! feed import, a screening run, a what-if replay — as one row each, with
//! its phase, rows done of the total, and how it ended. The work itself
//! reports through [`Progress`], which the store's long writers
//! ([`crate::feeds::load_batch_with`]) call between chunks: a cancelled
//! job stops there and its transaction rolls back, leaving nothing.
//!
//! One writing job at a time per region is kept by the database (the
//! unique partial index `jobs_one_writer`): two clicks at once cannot
//! start two imports of one county. No personal data is kept here: the
//! result is a summary of counts and ids, the error a message without
//! values.

use crate::db::{Pool, q};
use crate::{Actor, Refusal, StoreError};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// How long work tells how far it got, and asks whether to stop. The
/// feed import, the screening run and the what-if call it between
/// chunks; the web keeps it in memory (flushed to the table at a bounded
/// rate), the command line draws a progress bar with it.
pub trait Progress: Send + Sync {
    /// `done` of `total` units (rows, or steps) of `phase`.
    fn tick(&self, done: u64, total: u64, phase: Phase);
    /// Whether the work should stop now (nothing it wrote is kept).
    fn cancelled(&self) -> bool;
}

/// Reports nowhere and never stops: what the synchronous callers pass.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn tick(&self, _: u64, _: u64, _: Phase) {}
    fn cancelled(&self) -> bool {
        false
    }
}

/// Stops `work` with [`Refusal::JobCancelled`] when `p` says so: the
/// check between chunks.
pub fn check(p: &dyn Progress) -> Result<(), StoreError> {
    if p.cancelled() {
        Err(Refusal::JobCancelled.into())
    } else {
        Ok(())
    }
}

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = ($code:literal, $zh:literal, $en:literal)),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }
        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            /// The stable code kept in the table.
            pub fn code(self) -> &'static str {
                match self { $($name::$v => $code),+ }
            }
            /// The value of a stored code.
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($code => Some($name::$v),)+ _ => None }
            }
            /// 中文 label.
            pub fn label_zh(self) -> &'static str {
                match self { $($name::$v => $zh),+ }
            }
            /// English label.
            pub fn label_en(self) -> &'static str {
                match self { $($name::$v => $en),+ }
            }
        }
    };
}

code_enum!(
    /// What a job does.
    JobKind {
        /// A department file loaded as one batch.
        FeedImport = ("feed_import", "部门数据导入", "Feed import"),
        /// The screening pass over the stored rows.
        ScreeningRun = ("screening_run", "筛查运行", "Screening run"),
        /// A draft rule set replayed; nothing stored.
        WhatIf = ("what_if", "规则试算", "What-if replay"),
        /// A household registry file (reserved: the command line imports it).
        RegistryImport = ("registry_import", "农户信息导入", "Registry import"),
    }
);

impl JobKind {
    /// Whether it writes the region's data, and so conflicts with every
    /// other writing job of the region (the index `jobs_one_writer`).
    pub fn writes(self) -> bool {
        !matches!(self, JobKind::WhatIf)
    }
}

code_enum!(
    /// Where a job is.
    JobStatus {
        /// Waiting to start.
        Queued = ("queued", "排队中", "Queued"),
        /// Working.
        Running = ("running", "运行中", "Running"),
        /// Done.
        Succeeded = ("succeeded", "已完成", "Succeeded"),
        /// Stopped by an error; nothing was written.
        Failed = ("failed", "失败", "Failed"),
        /// Stopped on request; nothing was written.
        Cancelled = ("cancelled", "已取消", "Cancelled"),
        /// Left running by a server that stopped; nothing was written.
        Interrupted = ("interrupted", "已中断", "Interrupted"),
    }
);

impl JobStatus {
    /// Still queued or running.
    pub fn is_active(self) -> bool {
        matches!(self, JobStatus::Queued | JobStatus::Running)
    }
}

code_enum!(
    /// The step a job is at.
    Phase {
        /// Not started.
        Queued = ("queued", "等待开始", "Waiting to start"),
        /// Reading and checking the file's rows.
        Parsing = ("parsing", "校验文件", "Checking the file"),
        /// Writing rows in the transaction.
        Storing = ("storing", "写入数据", "Storing rows"),
        /// Reading the stored rows and the registry.
        Loading = ("loading", "读取数据", "Reading data"),
        /// The screening pass.
        Screening = ("screening", "筛查比对", "Screening"),
        /// Storing what is new.
        Recording = ("recording", "保存结果", "Saving results"),
        /// The 规模性返贫 detector after a run.
        Alerts = ("alerts", "规模性预警", "Early alerts"),
        /// Replaying a draft month by month.
        Replaying = ("replaying", "逐月试算", "Replaying"),
        /// Ended.
        Finished = ("finished", "已结束", "Ended"),
    }
);

/// One job as stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Job {
    /// Id.
    pub id: i64,
    /// What it does.
    pub kind: JobKind,
    /// The region whose data it reads or writes (the starter's county).
    pub region_code: String,
    /// The user who started it.
    pub started_by: Option<i64>,
    /// Where it is.
    pub status: JobStatus,
    /// The step it is at.
    pub phase: Phase,
    /// Units done of `total` in this phase.
    pub done: i64,
    /// Units of this phase (0: not known yet).
    pub total: i64,
    /// When it was asked for.
    pub created_at: DateTime<Utc>,
    /// When it began.
    pub started_at: Option<DateTime<Utc>>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// What it did (counts and ids; no personal data).
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
    /// Why it failed (no personal data).
    pub error: Option<String>,
    /// Whether a stop was asked for.
    pub cancel_requested: bool,
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: i64,
    kind: String,
    region_code: String,
    started_by: Option<i64>,
    status: String,
    phase: String,
    done: i64,
    total: i64,
    created_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    result: Option<String>,
    error: Option<String>,
    cancel_requested: bool,
}

const COLUMNS: &str = "id, kind, region_code, started_by, status, phase, done, total, created_at, \
                       started_at, finished_at, result, error, cancel_requested";

fn unknown(what: &str, code: &str) -> StoreError {
    StoreError::Integrity(format!(
        "jobs.{what}: the database holds a value this version never wrote ({code}) (数据库中有无法识别的值)"
    ))
}

impl TryFrom<JobRow> for Job {
    type Error = StoreError;
    fn try_from(r: JobRow) -> Result<Job, StoreError> {
        Ok(Job {
            id: r.id,
            kind: JobKind::parse(&r.kind).ok_or_else(|| unknown("kind", &r.kind))?,
            region_code: r.region_code,
            started_by: r.started_by,
            status: JobStatus::parse(&r.status).ok_or_else(|| unknown("status", &r.status))?,
            phase: Phase::parse(&r.phase).ok_or_else(|| unknown("phase", &r.phase))?,
            done: r.done,
            total: r.total,
            created_at: r.created_at,
            started_at: r.started_at,
            finished_at: r.finished_at,
            result: r.result.and_then(|s| serde_json::from_str(&s).ok()),
            error: r.error,
            cancel_requested: r.cancel_requested,
        })
    }
}

/// The active writing job of `region`, if any.
async fn active_writer(pool: &Pool, region: &str) -> Result<Option<i64>, StoreError> {
    let r: Option<(i64,)> = pool
        .opt(
            q(
                "SELECT id FROM jobs WHERE region_code = $1 AND status IN ('queued', 'running') \
             AND kind <> 'what_if' ORDER BY id LIMIT 1",
            )
            .bind(region),
        )
        .await?;
    Ok(r.map(|r| r.0))
}

/// Records a queued job of `kind` for `actor`'s region. A writing job
/// while another writing job of the region is queued or running is
/// refused ([`Refusal::JobRunning`], naming that job): checked in the
/// write transaction (SQLite holds the write lock) and, for a race on
/// PostgreSQL, by the unique index `jobs_one_writer`. The caller decided
/// who may start it.
pub async fn create(
    pool: &Pool,
    actor: &Actor,
    kind: JobKind,
    now: DateTime<Utc>,
) -> Result<Job, StoreError> {
    let region = actor.scope.region.as_str();
    let mut tx = pool.begin_write().await?;
    if kind.writes() {
        let running: Option<(i64,)> = tx
            .opt(
                q("SELECT id FROM jobs WHERE region_code = $1 AND status IN ('queued', 'running') \
                   AND kind <> 'what_if' ORDER BY id LIMIT 1")
                .bind(region),
            )
            .await?;
        if let Some((job_id,)) = running {
            return Err(Refusal::JobRunning { job_id }.into());
        }
    }
    let inserted = tx
        .one::<(i64,)>(
            q("INSERT INTO jobs (kind, region_code, started_by, status, phase, done, total, created_at, cancel_requested)
               VALUES ($1, $2, $3, 'queued', 'queued', 0, 0, $4, FALSE) RETURNING id")
            .bind(kind.code())
            .bind(region)
            .bind(actor.user_id)
            .bind(now),
        )
        .await;
    let (id,) = match inserted {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => {
            drop(tx);
            let job_id = active_writer(pool, region).await?.unwrap_or(0);
            return Err(Refusal::JobRunning { job_id }.into());
        }
        Err(e) => return Err(e),
    };
    tx.commit().await?;
    get_any(pool, id).await
}

fn is_unique_violation(e: &StoreError) -> bool {
    matches!(e, StoreError::Db(sqlx::Error::Database(d)) if d.is_unique_violation())
}

/// One job by id, whoever asks (the runner's own reads).
pub async fn get_any(pool: &Pool, id: i64) -> Result<Job, StoreError> {
    let row: Option<JobRow> = pool
        .opt(q(format!("SELECT {COLUMNS} FROM jobs WHERE id = $1")).bind(id))
        .await?;
    row.ok_or(StoreError::NotFound)?.try_into()
}

/// One job of `actor`'s scope; another region's is not found (the two
/// are not told apart).
pub async fn get(pool: &Pool, actor: &Actor, id: i64) -> Result<Job, StoreError> {
    let job = get_any(pool, id).await?;
    let covered =
        dixian_domain::RegionCode::parse(&job.region_code).is_ok_and(|r| actor.scope.covers(&r));
    if covered {
        Ok(job)
    } else {
        Err(StoreError::NotFound)
    }
}

/// The newest `limit` jobs of `actor`'s scope, newest first.
pub async fn list(pool: &Pool, actor: &Actor, limit: i64) -> Result<Vec<Job>, StoreError> {
    let rows: Vec<JobRow> = pool
        .all(
            q(format!(
                "SELECT {COLUMNS} FROM jobs WHERE region_code LIKE $1 ORDER BY id DESC LIMIT $2"
            ))
            .bind(format!("{}%", actor.scope.region.as_str()))
            .bind(limit.clamp(1, 500)),
        )
        .await?;
    rows.into_iter().map(Job::try_from).collect()
}

/// The job began.
pub async fn mark_running(pool: &Pool, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
    pool.execute(
        q("UPDATE jobs SET status = 'running', started_at = $1 WHERE id = $2 AND status = 'queued'")
            .bind(now)
            .bind(id),
    )
    .await?;
    Ok(())
}

/// Where an active job is (phase, done of total).
pub async fn record_progress(
    pool: &Pool,
    id: i64,
    phase: Phase,
    done: i64,
    total: i64,
) -> Result<(), StoreError> {
    pool.execute(
        q("UPDATE jobs SET phase = $1, done = $2, total = $3 WHERE id = $4 AND status IN ('queued', 'running')")
            .bind(phase.code())
            .bind(done)
            .bind(total)
            .bind(id),
    )
    .await?;
    Ok(())
}

/// How a job ended.
#[derive(Debug, Clone)]
pub struct Ending {
    /// Succeeded, failed, cancelled (not an active status).
    pub status: JobStatus,
    /// Units done and the total at the end.
    pub done: i64,
    /// See `done`.
    pub total: i64,
    /// The summary (no personal data).
    pub result: Option<serde_json::Value>,
    /// Why it failed (no personal data).
    pub error: Option<String>,
}

/// Records how an active job ended (a job already ended stays as it is).
pub async fn finish(
    pool: &Pool,
    id: i64,
    end: &Ending,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    pool.execute(
        q("UPDATE jobs SET status = $1, phase = 'finished', done = $2, total = $3, result = $4, error = $5,
           finished_at = $6 WHERE id = $7 AND status IN ('queued', 'running')")
        .bind(end.status.code())
        .bind(end.done)
        .bind(end.total)
        .bind(end.result.as_ref().map(ToString::to_string))
        .bind(end.error.clone())
        .bind(now)
        .bind(id),
    )
    .await?;
    Ok(())
}

/// Asks an active job of `actor`'s scope to stop. A job that ended is
/// refused ([`Refusal::JobEnded`]).
pub async fn request_cancel(pool: &Pool, actor: &Actor, id: i64) -> Result<Job, StoreError> {
    let job = get(pool, actor, id).await?;
    if !job.status.is_active() {
        return Err(Refusal::JobEnded.into());
    }
    pool.execute(
        q("UPDATE jobs SET cancel_requested = TRUE WHERE id = $1 AND status IN ('queued', 'running')")
            .bind(id),
    )
    .await?;
    get_any(pool, id).await
}

/// Whether a stop was asked for in the table.
pub async fn cancel_requested(pool: &Pool, id: i64) -> Result<bool, StoreError> {
    let r: Option<(bool,)> = pool
        .opt(q("SELECT cancel_requested FROM jobs WHERE id = $1").bind(id))
        .await?;
    Ok(r.is_some_and(|r| r.0))
}

/// Marks every job still queued or running as interrupted: what a server
/// does as it starts (the process that ran them is gone, and their
/// transactions with it). The number marked.
pub async fn interrupt_active(pool: &Pool, now: DateTime<Utc>) -> Result<u64, StoreError> {
    pool.execute(
        q("UPDATE jobs SET status = 'interrupted', phase = 'finished', finished_at = $1,
           error = 'the server stopped while the job ran; its open transaction was not kept (服务重启，任务中断)'
           WHERE status IN ('queued', 'running')")
        .bind(now),
    )
    .await
}
