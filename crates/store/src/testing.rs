//! Fresh databases for tests and benchmarks: SQLite in a folder, or a new
//! PostgreSQL database on the server named by `DIXIAN_TEST_PG` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). Databases left by
//! earlier runs whose process is gone are dropped on the way.

use crate::{Store, StoreError};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Which backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);
const PREFIX: &str = "dixian_test_";

/// The PostgreSQL server for tests.
pub fn pg_server() -> String {
    std::env::var("DIXIAN_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Whether tests must not skip (CI).
pub fn in_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// Opens a fresh, migrated database of `backend` (SQLite inside `dir`).
/// On PostgreSQL the store always has a data key ([`test_data_key`]): ID
/// numbers and phones are encrypted at rest there, as in production, so
/// every test on PostgreSQL runs the encrypted paths; SQLite keeps them in
/// clear (the embedded demo). `Ok(None)` when PostgreSQL is unreachable
/// outside CI (callers skip).
pub async fn fresh_store(backend: Backend, dir: &Path) -> Result<Option<Store>, StoreError> {
    let Some(store) = empty_store(backend, dir).await? else {
        return Ok(None);
    };
    store.migrate().await?;
    let key = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(test_data_key()),
    };
    Ok(Some(store.with_data_key(key).await?))
}

/// The data key of the test stores on PostgreSQL: one per process, so a
/// test that opens the same database a second time can give it again.
pub fn test_data_key() -> std::sync::Arc<crate::crypto::DataKey> {
    static KEY: std::sync::LazyLock<std::sync::Arc<crate::crypto::DataKey>> =
        std::sync::LazyLock::new(|| std::sync::Arc::new(crate::crypto::DataKey::generate()));
    KEY.clone()
}

/// Opens a fresh database of `backend` with no migration applied (for
/// tests of an upgrade: [`Store::migrate_up_to`]). `Ok(None)` as for
/// [`fresh_store`].
pub async fn empty_store(backend: Backend, dir: &Path) -> Result<Option<Store>, StoreError> {
    let url = match backend {
        Backend::Sqlite => dir.join("test.db").display().to_string(),
        Backend::Postgres => {
            let n = COUNTER.fetch_add(1, Ordering::SeqCst);
            if n == 0 {
                let _ = drop_stale(&pg_server()).await;
            }
            let name = format!("{PREFIX}{}_{n}", std::process::id());
            match crate::create_postgres_database(&pg_server(), &name).await {
                Ok(u) => u,
                Err(e) if !in_ci() => {
                    eprintln!("PostgreSQL not reachable, skipping outside CI: {e}");
                    return Ok(None);
                }
                Err(e) => return Err(e),
            }
        }
    };
    Ok(Some(Store::open(&url).await?))
}

/// Drops test databases whose creating process no longer runs.
async fn drop_stale(server: &str) -> Result<(), StoreError> {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(server)
        .await?;
    let p = crate::db::Pool::new(crate::db::Conn::Postgres(pool.clone()));
    let names: Vec<(String,)> = p
        .all(crate::db::q(
            "SELECT datname FROM pg_database WHERE datname LIKE 'dixian\\_test\\_%'",
        ))
        .await?;
    for (name,) in names {
        let pid = name
            .trim_start_matches(PREFIX)
            .split('_')
            .next()
            .unwrap_or("");
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = p
                .execute(crate::db::q(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .await;
        }
    }
    pool.close().await;
    Ok(())
}
