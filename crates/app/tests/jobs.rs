//! Background jobs on both backends (issue 14, part 4): a feed-import job
//! and a screening-run job report their progress up to done == total and
//! succeed; a cancelled import leaves no batch, no row, no audit record
//! (counted before and after); a second writing job of one county is
//! refused while the first is active — also when two start at once —
//! while a what-if or another county's job is not; a job of another
//! county is not found, and roles that do not load feeds are refused;
//! jobs a stopped server left running are marked interrupted.

mod common;

use chrono::Utc;
use common::{actor, id, setup};
use dixian_app::jobs::{JobKind, JobStatus, Jobs, Outcome, Phase, Progress, Work};
use dixian_app::{AppError, FeedFile, OnRowErrors, import_feed_with};
use dixian_domain::Role;
use dixian_screen::FeedKind;
use dixian_store::feeds::BatchOutcome;
use dixian_store::testing::Backend;
use dixian_store::{Refusal, Store, StoreError, db::q};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

const COUNTY: &str = "520526";
const OTHER_COUNTY: &str = "520527";

/// A medical file of `n` rows: the two registered heads (one row each,
/// 30,000 元 self-paid) and `n - 2` persons not registered.
fn medical(n: u16) -> FeedFile {
    let mut csv = String::from("身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付,诊断\n");
    for i in 0..n {
        let person = match i {
            0 => id("1970-01-01", 11),
            1 => id("1975-05-05", 13),
            // distinct persons: 900 sequence numbers a birthday
            _ => {
                let born = chrono::NaiveDate::from_ymd_opt(1960, 1, 1).unwrap()
                    + chrono::Days::new(u64::from(i / 900));
                id(&born.format("%Y-%m-%d").to_string(), 100 + i % 900)
            }
        };
        csv.push_str(&format!(
            "{person},测试,2026-03-01,住院,60000.00,30000.00,30000.00,\n"
        ));
    }
    FeedFile {
        kind: FeedKind::Medical,
        name: "medical.csv".into(),
        bytes: csv.into_bytes(),
        idempotency_key: None,
    }
}

async fn count(store: &Store, table: &str) -> i64 {
    let (n,): (i64,) = store
        .pool
        .one(q(format!("SELECT COUNT(*) FROM {table}")))
        .await
        .unwrap();
    n
}

/// What a stored import leaves: batches, rows, audit records.
async fn written(store: &Store) -> (i64, i64, i64) {
    (
        count(store, "feed_batches").await,
        count(store, "feed_rows").await,
        count(store, "audit_log").await,
    )
}

fn refusal(e: &AppError) -> Option<&Refusal> {
    match e {
        AppError::Store(StoreError::Refused(r)) => Some(r),
        _ => None,
    }
}

/// Every tick, in order; asks to stop once `stop_after` rows are stored.
struct Recorder {
    ticks: Mutex<Vec<(u64, u64, Phase)>>,
    stop_after: Option<u64>,
    stop: AtomicBool,
}

impl Recorder {
    fn new(stop_after: Option<u64>) -> Recorder {
        Recorder {
            ticks: Mutex::new(Vec::new()),
            stop_after,
            stop: AtomicBool::new(false),
        }
    }
}

impl Progress for Recorder {
    fn tick(&self, done: u64, total: u64, phase: Phase) {
        self.ticks.lock().unwrap().push((done, total, phase));
        if phase == Phase::Storing && self.stop_after.is_some_and(|n| done >= n) {
            self.stop.store(true, Ordering::SeqCst);
        }
    }
    fn cancelled(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

async fn progress_reaches_the_total(backend: Backend) {
    let Some((store, officer, _d)) = setup(backend).await else {
        return;
    };
    // the hook itself: storing ticks climb by chunk to the rows of the file
    let rec = Recorder::new(None);
    let r = import_feed_with(
        &store,
        &officer,
        medical(1000),
        OnRowErrors::Reject,
        Utc::now(),
        &rec,
    )
    .await
    .unwrap();
    let Some(BatchOutcome::Loaded(first)) = &r.outcome else {
        panic!("loaded: {r:?}")
    };
    assert_eq!(
        first.unknown_lines.len(),
        998,
        "every unregistered person's line"
    );
    let ticks = rec.ticks.lock().unwrap().clone();
    let storing: Vec<u64> = ticks
        .iter()
        .filter(|t| t.2 == Phase::Storing)
        .map(|t| t.0)
        .collect();
    assert_eq!(storing, vec![0, 400, 800, 1000], "{ticks:?}");
    assert!(ticks.iter().all(|t| t.2 != Phase::Storing || t.1 == 1000));

    // as a job: another file (the same bytes would be a no-op)
    let jobs = Jobs::new(store.clone());
    let mut file = medical(1201);
    file.name = "medical-2.csv".into();
    let started = jobs
        .start(
            &officer,
            Work::FeedImport {
                file,
                on_errors: OnRowErrors::Reject,
            },
            Utc::now(),
            (),
        )
        .await
        .unwrap();
    assert_eq!(started.job.status, JobStatus::Queued);
    assert_eq!(started.job.kind, JobKind::FeedImport);
    let job_id = started.job.id;
    let outcome = started.task.await.unwrap().unwrap();
    let Outcome::Feed(report) = outcome else {
        panic!("a feed outcome")
    };
    let Some(BatchOutcome::Loaded(summary)) = report.outcome else {
        panic!("loaded: {report:?}")
    };
    let job = jobs.get(&officer, job_id).await.unwrap();
    assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
    assert_eq!((job.done, job.total), (1201, 1201), "{job:?}");
    assert_eq!(job.phase, Phase::Finished);
    assert!(job.started_at.is_some() && job.finished_at.is_some());
    assert_eq!(
        dixian_app::jobs::batch_of(&job),
        Some(summary.batch_id),
        "the result names the batch stored"
    );
    let (rows_in_batch,): (i64,) = store
        .pool
        .one(q("SELECT COUNT(*) FROM feed_rows WHERE batch_id = $1").bind(summary.batch_id))
        .await
        .unwrap();
    // 1,201 lines; the two heads repeat rows of the first file (duplicates)
    assert_eq!(rows_in_batch + summary.duplicates as i64, 1201);
    // the summary keeps the first 1,000 lines of unregistered persons,
    // the count whole (none here: the first file had them)
    let kept = job.result.as_ref().unwrap()["outcome"]["unknown_lines"]
        .as_array()
        .map_or(0, Vec::len);
    assert!(kept <= dixian_app::jobs::SUMMARY_PROBLEMS, "{kept}");
    let text = job.result.as_ref().unwrap().to_string();
    assert!(
        !text.contains(&id("1970-01-01", 11)),
        "no ID number in a job's result: {text}"
    );

    // a screening run as a job: done == total == the rows it read
    let book = dixian_app::rule_book(&store, Utc::now()).await.unwrap();
    let run = jobs
        .start(
            &officer,
            Work::ScreeningRun {
                book,
                as_of: chrono::NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
                threads: 1,
            },
            Utc::now(),
            (),
        )
        .await
        .unwrap();
    let rid = run.job.id;
    let Outcome::Screening(r) = run.task.await.unwrap().unwrap() else {
        panic!("a screening outcome")
    };
    let job = jobs.get(&officer, rid).await.unwrap();
    assert_eq!(job.status, JobStatus::Succeeded, "{job:?}");
    assert_eq!(job.done, job.total);
    assert_eq!(job.total, r.run.rows_screened, "{job:?}");
    assert_eq!(dixian_app::jobs::run_of(&job), Some(r.run.id));
    let listed = jobs.list(&officer).await.unwrap();
    assert_eq!(
        listed.iter().map(|j| j.id).collect::<Vec<_>>(),
        vec![rid, job_id],
        "newest first"
    );
}

async fn cancelled_import_leaves_nothing(backend: Backend) {
    let Some((store, officer, _d)) = setup(backend).await else {
        return;
    };
    let before = written(&store).await;
    // stopped after the first chunk was written in the transaction
    let rec = Recorder::new(Some(400));
    let err = import_feed_with(
        &store,
        &officer,
        medical(2000),
        OnRowErrors::Reject,
        Utc::now(),
        &rec,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, StoreError::Refused(Refusal::JobCancelled)),
        "{err:?}"
    );
    assert!(
        rec.ticks
            .lock()
            .unwrap()
            .contains(&(400, 2000, Phase::Storing)),
        "a chunk was written before the stop"
    );
    assert_eq!(written(&store).await, before, "rolled back: nothing kept");

    // a job cancelled as it starts: cancelled, nothing kept
    let jobs = Jobs::new(store.clone());
    let started = jobs
        .start(
            &officer,
            Work::FeedImport {
                file: medical(5000),
                on_errors: OnRowErrors::Reject,
            },
            Utc::now(),
            (),
        )
        .await
        .unwrap();
    let asked = jobs.cancel(&officer, started.job.id).await.unwrap();
    assert!(asked.cancel_requested || asked.status == JobStatus::Cancelled);
    let r = started.task.await.unwrap();
    assert!(
        r.as_ref()
            .is_err_and(|e| refusal(e) == Some(&Refusal::JobCancelled)),
        "{r:?}"
    );
    let job = jobs.get(&officer, started.job.id).await.unwrap();
    assert_eq!(job.status, JobStatus::Cancelled, "{job:?}");
    assert!(job.error.is_some());
    assert_eq!(
        written(&store).await,
        before,
        "a cancelled job keeps nothing"
    );
    // an ended job is not cancelled again
    let again = jobs.cancel(&officer, job.id).await.unwrap_err();
    assert_eq!(refusal(&again), Some(&Refusal::JobEnded));
    // and the county may start again
    let next = jobs
        .start(
            &officer,
            Work::FeedImport {
                file: medical(10),
                on_errors: OnRowErrors::Reject,
            },
            Utc::now(),
            (),
        )
        .await
        .unwrap();
    assert!(next.task.await.unwrap().is_ok());
    assert_eq!(written(&store).await.0, before.0 + 1);
}

async fn one_writing_job_per_county(backend: Backend) {
    let Some((store, officer, _d)) = setup(backend).await else {
        return;
    };
    use dixian_store::jobs as stored;
    let now = Utc::now();
    let first = stored::create(&store.pool, &officer, JobKind::FeedImport, now)
        .await
        .unwrap();
    let second = stored::create(&store.pool, &officer, JobKind::ScreeningRun, now)
        .await
        .unwrap_err();
    assert!(
        matches!(second, StoreError::Refused(Refusal::JobRunning { job_id }) if job_id == first.id),
        "{second:?}"
    );
    assert!(second.to_string().contains(&format!("#{}", first.id)));
    // through the app: the same refusal, before anything runs
    let jobs = Jobs::new(store.clone());
    let refused = jobs
        .start(
            &officer,
            Work::FeedImport {
                file: medical(3),
                on_errors: OnRowErrors::Reject,
            },
            now,
            (),
        )
        .await
        .err()
        .unwrap();
    assert!(matches!(
        refusal(&refused),
        Some(Refusal::JobRunning { .. })
    ));
    // a what-if only reads; another county is another county
    stored::create(&store.pool, &officer, JobKind::WhatIf, now)
        .await
        .unwrap();
    let other = actor(Role::DataOfficer, OTHER_COUNTY);
    stored::create(&store.pool, &other, JobKind::FeedImport, now)
        .await
        .unwrap();
    assert_eq!(count(&store, "jobs").await, 3);

    // the first ends: two clicks at once start one job, not two
    stored::finish(
        &store.pool,
        first.id,
        &stored::Ending {
            status: JobStatus::Succeeded,
            done: 1,
            total: 1,
            result: None,
            error: None,
        },
        now,
    )
    .await
    .unwrap();
    let (a, b) = tokio::join!(
        stored::create(&store.pool, &officer, JobKind::FeedImport, now),
        stored::create(&store.pool, &officer, JobKind::ScreeningRun, now),
    );
    let oks = [a.is_ok(), b.is_ok()];
    assert_eq!(oks.iter().filter(|o| **o).count(), 1, "{a:?} {b:?}");
    let refused = if a.is_ok() { b } else { a };
    assert!(
        matches!(
            refused,
            Err(StoreError::Refused(Refusal::JobRunning { .. }))
        ),
        "{refused:?}"
    );
    let (active,): (i64,) = store
        .pool
        .one(
            q("SELECT COUNT(*) FROM jobs WHERE region_code = $1 AND status IN ('queued', 'running') AND kind <> 'what_if'")
                .bind(COUNTY),
        )
        .await
        .unwrap();
    assert_eq!(active, 1);
}

async fn another_countys_job_is_not_found(backend: Backend) {
    let Some((store, officer, _d)) = setup(backend).await else {
        return;
    };
    let jobs = Jobs::new(store.clone());
    let started = jobs
        .start(
            &officer,
            Work::FeedImport {
                file: medical(5),
                on_errors: OnRowErrors::Reject,
            },
            Utc::now(),
            (),
        )
        .await
        .unwrap();
    let id = started.job.id;
    started.task.await.unwrap().unwrap();
    assert!(jobs.get(&officer, id).await.is_ok());
    let admin = actor(Role::CountyAdmin, COUNTY);
    assert!(
        jobs.get(&admin, id).await.is_ok(),
        "the county's admin sees it"
    );

    let outside = actor(Role::DataOfficer, OTHER_COUNTY);
    for e in [
        jobs.get(&outside, id).await.unwrap_err(),
        jobs.cancel(&outside, id).await.unwrap_err(),
    ] {
        assert!(matches!(e, AppError::Store(StoreError::NotFound)), "{e:?}");
    }
    assert!(jobs.list(&outside).await.unwrap().is_empty());

    // a township's reviewer, inside the county or not, does not see jobs
    for township in ["520526001", "520527001"] {
        let reviewer = actor(Role::TownshipReviewer, township);
        let e = jobs.get(&reviewer, id).await.unwrap_err();
        assert!(matches!(e, AppError::Store(StoreError::Forbidden)), "{e:?}");
        assert!(jobs.list(&reviewer).await.is_err());
    }
    // nor may a village cadre start one
    let cadre = actor(Role::VillageCadre, "520526001001");
    let e = jobs
        .start(
            &cadre,
            Work::FeedImport {
                file: medical(5),
                on_errors: OnRowErrors::Reject,
            },
            Utc::now(),
            (),
        )
        .await
        .err()
        .unwrap();
    assert!(matches!(e, AppError::Store(StoreError::Forbidden)), "{e:?}");
    assert_eq!(count(&store, "jobs").await, 1);
}

async fn interrupted_on_restart(backend: Backend) {
    let Some((store, officer, _d)) = setup(backend).await else {
        return;
    };
    use dixian_store::jobs as stored;
    let now = Utc::now();
    let running = stored::create(&store.pool, &officer, JobKind::FeedImport, now)
        .await
        .unwrap();
    stored::mark_running(&store.pool, running.id, now)
        .await
        .unwrap();
    let queued = stored::create(&store.pool, &officer, JobKind::WhatIf, now)
        .await
        .unwrap();
    let done = stored::create(
        &store.pool,
        &actor(Role::DataOfficer, OTHER_COUNTY),
        JobKind::ScreeningRun,
        now,
    )
    .await
    .unwrap();
    let end = stored::Ending {
        status: JobStatus::Succeeded,
        done: 3,
        total: 3,
        result: None,
        error: None,
    };
    stored::finish(&store.pool, done.id, &end, now)
        .await
        .unwrap();

    // the server starts again: a new process, a new Jobs
    let jobs = Jobs::new(store.clone());
    assert_eq!(jobs.interrupt_leftovers(Utc::now()).await.unwrap(), 2);
    for id in [running.id, queued.id] {
        let j = stored::get_any(&store.pool, id).await.unwrap();
        assert_eq!(j.status, JobStatus::Interrupted, "{j:?}");
        assert!(j.finished_at.is_some() && j.error.is_some());
    }
    let j = stored::get_any(&store.pool, done.id).await.unwrap();
    assert_eq!(
        j.status,
        JobStatus::Succeeded,
        "an ended job stays as it ended"
    );
    // the county is free again
    let next = jobs
        .start(
            &officer,
            Work::FeedImport {
                file: medical(4),
                on_errors: OnRowErrors::Reject,
            },
            Utc::now(),
            (),
        )
        .await
        .unwrap();
    next.task.await.unwrap().unwrap();
    assert_eq!(jobs.interrupt_leftovers(Utc::now()).await.unwrap(), 0);
}

/// A job's summary is bounded whatever the file: the first 1,000 lines of
/// unregistered persons, their count whole.
#[test]
fn a_feed_summary_is_bounded() {
    use dixian_store::feeds::BatchSummary;
    let report = dixian_app::FeedImportReport {
        outcome: Some(BatchOutcome::Loaded(BatchSummary {
            batch_id: 7,
            rows: 50_000,
            matched: 0,
            unknown: 50_000,
            unknown_lines: (2..50_002).collect(),
            duplicates: 0,
        })),
        errors: Vec::new(),
        errors_total: 0,
        unknown_columns: Vec::new(),
        parsed: 50_000,
    };
    let (ok, v, error) = dixian_app::jobs::summary(&Outcome::Feed(report));
    assert!(ok && error.is_none());
    let lines = v["outcome"]["unknown_lines"].as_array().unwrap();
    assert_eq!(lines.len(), dixian_app::jobs::SUMMARY_PROBLEMS);
    assert_eq!(lines[0], 2);
    assert_eq!(v["outcome"]["unknown"], 50_000);
    assert_eq!(v["outcome"]["batch_id"], 7);
    assert!(
        v.to_string().len() < 16 * 1024,
        "{} bytes",
        v.to_string().len()
    );
}

macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

on_both_backends!(
    progress_reaches_the_total,
    cancelled_import_leaves_nothing,
    one_writing_job_per_county,
    another_countys_job_is_not_found,
    interrupted_on_restart,
);
