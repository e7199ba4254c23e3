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

/// Whether tests must not skip: `CI` is set to anything but an empty
/// value, `0`, `false`, `no` or `off` (`CI=true`, `CI=1`, `CI=yes` …).
pub fn in_ci() -> bool {
    ci_value_is_truthy(std::env::var("CI").ok().as_deref())
}

fn ci_value_is_truthy(v: Option<&str>) -> bool {
    match v.map(|s| s.trim().to_ascii_lowercase()) {
        None => false,
        Some(s) => !matches!(s.as_str(), "" | "0" | "false" | "no" | "off"),
    }
}

/// The file each skipped test appends one line to:
/// `$DIXIAN_SKIP_LOG`, else `<target dir>/tmp/skipped-tests.txt` (the
/// test binary runs from `<target dir>/<profile>/deps/`).
pub fn skip_log() -> std::path::PathBuf {
    if let Some(p) = std::env::var_os("DIXIAN_SKIP_LOG") {
        return p.into();
    }
    let target = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.parent()?.to_path_buf()))
        .unwrap_or_else(std::env::temp_dir);
    target.join("tmp").join("skipped-tests.txt")
}

/// The running test's name, as libtest names its thread (`module::test`).
fn current_test() -> String {
    let binary = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let binary = binary
        .rsplit_once('-')
        .map_or(binary.as_str(), |(b, _)| b)
        .to_string();
    match std::thread::current().name() {
        Some(name) if name != "main" => format!("{binary}::{name}"),
        _ => format!("{binary}::(unnamed test)"),
    }
}

/// A test cannot run here because `why` (PostgreSQL or chromedriver
/// missing or not answering). In CI ([`in_ci`]) that is a failure: this
/// panics with the test's name and `why`. Outside CI the skip is made
/// visible — printed to stdout (shown by `--nocapture` and for failures),
/// written straight to stderr (shown even for a passing test) — and
/// counted: one line in [`skip_log`].
pub fn skip(why: &str) {
    let test = current_test();
    if in_ci() {
        panic!("{test}: would be skipped, but CI is set and every test must run here: {why}");
    }
    let line = format!("SKIPPED {test}: {why}");
    println!("{line}");
    {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "{line}");
    }
    let log = skip_log();
    if let Some(dir) = log.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
    {
        use std::io::Write;
        let _ = writeln!(f, "{line}");
    }
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
                Err(e) => {
                    // panics in CI: a test that needs PostgreSQL must run there
                    skip(&format!("PostgreSQL not reachable ({e})"));
                    return Ok(None);
                }
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

#[cfg(test)]
mod tests {
    use super::ci_value_is_truthy;

    #[test]
    fn ci_counts_whatever_truthy_value_it_has() {
        for v in ["true", "1", "yes", "TRUE", "on", "github"] {
            assert!(ci_value_is_truthy(Some(v)), "{v}");
        }
        for v in [
            None,
            Some(""),
            Some("0"),
            Some("false"),
            Some("no"),
            Some("off"),
        ] {
            assert!(!ci_value_is_truthy(v), "{v:?}");
        }
    }
}
