//! dixian's persistence: one repository API over two backends.
//!
//! SQLite (embedded file, WAL, `synchronous=FULL`, foreign keys on) is the
//! default; PostgreSQL is chosen by a `postgres://` URL. Nothing above this
//! crate writes SQL. Every write records an audit row in the same
//! transaction ([`audit`]); records carry a version and a stale update fails
//! with [`StoreError::Conflict`].

pub mod alerts;
pub mod assistance;
pub mod audit;
pub mod backup;
mod bulk;
pub mod cases;
pub mod chain_report;
pub mod codes;
pub mod comparison;
pub mod crypto;
pub mod db;
pub mod exchange;
pub mod feeds;
pub mod figure_households;
pub mod households;
pub mod jobs;
pub mod key_counties;
mod key_file;
pub mod privacy;
mod refusal;
pub mod regions;
pub mod registry_file;
pub mod registry_index;
pub mod rollup;
pub mod rule_sets;
pub mod screening;
pub mod stats;
pub mod testing;
pub mod users;
pub mod warnings;

use db::Pool;
use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

pub use households::{HouseholdFilter, HouseholdRow, StoredHousehold};
pub use refusal::Refusal;
pub use users::{Actor, User};

/// What can go wrong in the store. Messages never carry personal data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Not found, or outside the actor's scope (the two are not told apart).
    #[error("not found (未找到)")]
    NotFound,
    /// The record changed since it was read.
    #[error(
        "the record was changed by someone else (version {current}); reload and try again (记录已被他人修改，请刷新后重试)"
    )]
    Conflict {
        /// The version now stored.
        current: i64,
    },
    /// The actor's role may not do this.
    #[error("your role may not do this (无此权限)")]
    Forbidden,
    /// A rule of the registry is broken; the message says which and where.
    #[error("{0}")]
    Invalid(String),
    /// A rule refused the action (typed: its code and kind decide the
    /// API's code and status); the message says what to do instead.
    #[error(transparent)]
    Refused(Refusal),
    /// The database is busy with other writers (SQLite's lock held past
    /// the busy timeout, a PostgreSQL deadlock, serialization failure or
    /// lock timeout, no free connection): nothing was written; the same
    /// request may simply be sent again. Never a 500.
    #[error(
        "the database is busy; nothing was saved, please try again (系统繁忙，未保存，请稍后重试)"
    )]
    Busy,
    /// A database error.
    #[error("database error: {0}")]
    Db(sqlx::Error),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The audit chain's key, a backup file or another integrity safeguard
    /// refused; the message says what to do.
    #[error("{0}")]
    Integrity(String),
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}

impl From<sqlx::Error> for StoreError {
    /// Contention is told apart from other database errors here, once,
    /// for every query of both backends.
    fn from(e: sqlx::Error) -> StoreError {
        if is_contention(&e) {
            StoreError::Busy
        } else if let Some(u) = unknown_code(&e) {
            StoreError::Integrity(format!(
                "{u}: the database holds a value this version never wrote (数据库中有无法识别的值)"
            ))
        } else if is_bad_value(&e) {
            // PostgreSQL's own text may quote the value (personal data):
            // a fixed message instead.
            StoreError::Invalid(
                "a value cannot be stored as given (e.g. it holds a NUL character or is out of range) (数据值无效，无法保存)"
                    .to_string(),
            )
        } else {
            StoreError::Db(e)
        }
    }
}

/// Whether `e` means "another writer holds what this one needs".
fn is_contention(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut => true,
        sqlx::Error::Database(d) => {
            if d.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes.
                d.code()
                    .and_then(|c| c.parse::<i32>().ok())
                    .is_some_and(|c| matches!(c & 0xff, 5 | 6))
            } else {
                // PostgreSQL: serialization_failure, deadlock_detected, lock_not_available.
                matches!(d.code().as_deref(), Some("40001" | "40P01" | "55P03"))
            }
        }
        _ => false,
    }
}

/// A stored code that names no value of its domain type (read through
/// [`codes::Stored`]): an integrity error, never a default.
fn unknown_code(e: &sqlx::Error) -> Option<&dixian_domain::UnknownCode> {
    match e {
        sqlx::Error::ColumnDecode { source, .. } => source.downcast_ref(),
        _ => None,
    }
}

/// Whether PostgreSQL refused a value itself (SQLSTATE class 22, data
/// exception: a NUL byte in text, a number out of range): bad input, not
/// a failure of the system.
fn is_bad_value(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            d.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_none()
                && d.code().is_some_and(|c| c.starts_with("22"))
        }
        _ => false,
    }
}

/// The store: a pool of either backend.
#[derive(Clone, Debug)]
pub struct Store {
    /// The pool; public for crates that add their own repositories.
    pub pool: Pool,
}

const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../migrations/sqlite/0001_init.sql"),
    ),
    (
        2,
        "cases",
        include_str!("../migrations/sqlite/0002_cases.sql"),
    ),
    (
        3,
        "feeds",
        include_str!("../migrations/sqlite/0003_feeds.sql"),
    ),
    (
        4,
        "screening",
        include_str!("../migrations/sqlite/0004_screening.sql"),
    ),
    (
        5,
        "audit key",
        include_str!("../migrations/sqlite/0005_audit_key.sql"),
    ),
    (
        6,
        "accounts_feed_regions",
        include_str!("../migrations/sqlite/0006_accounts_feed_regions.sql"),
    ),
    (
        7,
        "data_key",
        include_str!("../migrations/sqlite/0007_data_key.sql"),
    ),
    (
        8,
        "assistance",
        include_str!("../migrations/sqlite/0008_assistance.sql"),
    ),
    (
        9,
        "measure_feed_row",
        include_str!("../migrations/sqlite/0009_measure_feed_row.sql"),
    ),
    (
        10,
        "case_attachments",
        include_str!("../migrations/sqlite/0010_case_attachments.sql"),
    ),
    (
        11,
        "stats",
        include_str!("../migrations/sqlite/0011_stats.sql"),
    ),
    (
        12,
        "alerts",
        include_str!("../migrations/sqlite/0012_alerts.sql"),
    ),
    (
        13,
        "plan_end",
        include_str!("../migrations/sqlite/0013_plan_end.sql"),
    ),
    (
        14,
        "feed_rows_household",
        include_str!("../migrations/sqlite/0014_feed_rows_household.sql"),
    ),
    (
        15,
        "warning_counts",
        include_str!("../migrations/sqlite/0015_warning_counts.sql"),
    ),
    (
        18,
        "bulk_stats_marks",
        include_str!("../migrations/sqlite/0018_bulk_stats_marks.sql"),
    ),
    (
        19,
        "key_counties",
        include_str!("../migrations/sqlite/0019_key_counties.sql"),
    ),
    (
        20,
        "jobs",
        include_str!("../migrations/sqlite/0020_jobs.sql"),
    ),
    (
        21,
        "registry_index",
        include_str!("../migrations/sqlite/0021_registry_index.sql"),
    ),
    (
        22,
        "stats_rollup",
        include_str!("../migrations/sqlite/0022_stats_rollup.sql"),
    ),
];
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "cases",
        include_str!("../migrations/postgres/0002_cases.sql"),
    ),
    (
        3,
        "feeds",
        include_str!("../migrations/postgres/0003_feeds.sql"),
    ),
    (
        4,
        "screening",
        include_str!("../migrations/postgres/0004_screening.sql"),
    ),
    (
        5,
        "audit key",
        include_str!("../migrations/postgres/0005_audit_key.sql"),
    ),
    (
        6,
        "accounts_feed_regions",
        include_str!("../migrations/postgres/0006_accounts_feed_regions.sql"),
    ),
    (
        7,
        "data_key",
        include_str!("../migrations/postgres/0007_data_key.sql"),
    ),
    (
        8,
        "assistance",
        include_str!("../migrations/postgres/0008_assistance.sql"),
    ),
    (
        9,
        "measure_feed_row",
        include_str!("../migrations/postgres/0009_measure_feed_row.sql"),
    ),
    (
        10,
        "case_attachments",
        include_str!("../migrations/postgres/0010_case_attachments.sql"),
    ),
    (
        11,
        "stats",
        include_str!("../migrations/postgres/0011_stats.sql"),
    ),
    (
        12,
        "alerts",
        include_str!("../migrations/postgres/0012_alerts.sql"),
    ),
    (
        13,
        "plan_end",
        include_str!("../migrations/postgres/0013_plan_end.sql"),
    ),
    (
        14,
        "feed_rows_household",
        include_str!("../migrations/postgres/0014_feed_rows_household.sql"),
    ),
    (
        15,
        "warning_counts",
        include_str!("../migrations/postgres/0015_warning_counts.sql"),
    ),
    (
        18,
        "bulk_stats_marks",
        include_str!("../migrations/postgres/0018_bulk_stats_marks.sql"),
    ),
    (
        19,
        "key_counties",
        include_str!("../migrations/postgres/0019_key_counties.sql"),
    ),
    (
        20,
        "jobs",
        include_str!("../migrations/postgres/0020_jobs.sql"),
    ),
    (
        21,
        "registry_index",
        include_str!("../migrations/postgres/0021_registry_index.sql"),
    ),
    (
        22,
        "stats_rollup",
        include_str!("../migrations/postgres/0022_stats_rollup.sql"),
    ),
];

fn migrator(set: &[(i64, &'static str, &'static str)]) -> Migrator {
    Migrator::with_migrations(
        set.iter()
            .map(|(v, d, sql)| {
                Migration::new(
                    *v,
                    (*d).into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

impl Store {
    /// Opens `url`: `postgres://…` for PostgreSQL, otherwise a SQLite file
    /// path (or `sqlite:` URL), created when missing.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let pool = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let p = PgPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await?;
            Pool::new(db::Conn::Postgres(p))
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            let opts = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // 64 MiB page cache: large import transactions otherwise spill to the WAL early.
                .pragma("cache_size", format!("-{}", households::DEFAULT_CACHE_KIB));
            let p = SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(opts)
                .await?;
            Pool::new(db::Conn::Sqlite(p))
        };
        Ok(Store { pool })
    }

    /// The same store, chaining its audit records with `key`
    /// ([`audit::AuditKey`]): every transaction begun from its pool carries
    /// the key to [`audit::record`].
    pub fn with_audit_key(mut self, key: Option<std::sync::Arc<audit::AuditKey>>) -> Store {
        self.pool = self.pool.with_audit_key(key);
        self
    }

    /// Applies pending migrations of the backend; returns how many ran.
    pub async fn migrate(&self) -> Result<usize, StoreError> {
        self.migrate_up_to(i64::MAX).await
    }

    /// Applies the pending migrations numbered up to `last`; returns how
    /// many ran. For tests of an upgrade over data written by an older
    /// schema; everything else calls [`Store::migrate`].
    pub async fn migrate_up_to(&self, last: i64) -> Result<usize, StoreError> {
        let upto = |set: &[(i64, &'static str, &'static str)]| {
            let kept: Vec<_> = set.iter().copied().filter(|m| m.0 <= last).collect();
            migrator(&kept)
        };
        let (m, applied_before) = match self.pool.conn() {
            db::Conn::Sqlite(p) => {
                let m = upto(SQLITE_MIGRATIONS);
                let before = applied(&self.pool).await;
                m.run(p).await?;
                (m, before)
            }
            db::Conn::Postgres(p) => {
                let m = upto(POSTGRES_MIGRATIONS);
                let before = applied(&self.pool).await;
                m.run(p).await?;
                (m, before)
            }
        };
        if last >= 7 {
            crypto::backfill_hashes(&self.pool).await?;
        }
        Ok(m.iter().count().saturating_sub(applied_before))
    }

    /// The same store, with ID numbers and phones encrypted by `key`
    /// ([`crypto::DataKey`]; `None`: kept in clear). Checks the key
    /// against the one the database records and refuses another (or none
    /// for an encrypted database); encrypts a database that is not yet
    /// encrypted, all rows in one audited transaction
    /// ([`crypto::check_or_encrypt`]). Call after [`Store::migrate`] and
    /// [`Store::with_audit_key`].
    pub async fn with_data_key(
        mut self,
        key: Option<std::sync::Arc<crypto::DataKey>>,
    ) -> Result<Store, StoreError> {
        crypto::check_or_encrypt(&self.pool, key.as_deref()).await?;
        self.pool = self.pool.with_data_key(key);
        Ok(self)
    }

    /// Closes the pool, flushing SQLite's WAL.
    pub async fn close(&self) {
        self.pool.close().await
    }
}

async fn applied(pool: &Pool) -> usize {
    let n: Result<(i64,), _> = pool
        .one(db::q("SELECT COUNT(*) FROM _sqlx_migrations WHERE success"))
        .await;
    n.map(|(n,)| n as usize).unwrap_or(0)
}

/// Creates a new, empty PostgreSQL database next to `server_url` (a URL
/// of any database on the server) named `name`, and returns its URL.
/// Used by tests and benchmarks that need a fresh database per run.
pub async fn create_postgres_database(server_url: &str, name: &str) -> Result<String, StoreError> {
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(StoreError::Invalid(format!("bad database name {name}")));
    }
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(server_url)
        .await?;
    let p = Pool::new(db::Conn::Postgres(pool.clone()));
    p.execute(db::q(format!("DROP DATABASE IF EXISTS {name}")))
        .await?;
    p.execute(db::q(format!("CREATE DATABASE {name}"))).await?;
    pool.close().await;
    let base = server_url.rsplit_once('/').map_or(server_url, |(b, _)| b);
    Ok(format!("{base}/{name}"))
}
