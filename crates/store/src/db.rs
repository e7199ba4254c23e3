//! The small executor that lets every query be written once for both
//! backends: SQL is kept to the dialect SQLite and PostgreSQL share
//! (`$1` placeholders, `RETURNING`, `ON CONFLICT`), arguments are carried
//! as [`Arg`] and bound per backend in exactly one place.

use crate::StoreError;
use crate::audit::AuditKey;
use crate::crypto::DataKey;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::{PgPool, PgRow};
use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{AssertSqlSafe, FromRow, Postgres, Sqlite, Transaction};
use std::sync::Arc;

/// A connection pool of either backend, with the audit key its writers
/// chain audit rows with (none: the chain is unkeyed). The key rides on
/// the pool because every repository function takes a `&Pool` and every
/// audit row is written in a [`Tx`] begun from it: so the key reaches the
/// audit writer without a process-wide setting or a parameter on every
/// write.
#[derive(Clone, Debug)]
pub struct Pool {
    pub(crate) conn: Conn,
    pub(crate) audit_key: Option<Arc<AuditKey>>,
    /// The data key sealing ID numbers and phones (none: kept in clear).
    pub(crate) data_key: Option<Arc<DataKey>>,
    /// This pool's number in the process (clones share it): what a
    /// process-local cache of answers keys on besides the question.
    pub(crate) id: u64,
}

/// The next [`Pool::id`].
static POOLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// The connections of one backend.
#[derive(Clone, Debug)]
pub enum Conn {
    /// Embedded SQLite file (default).
    Sqlite(SqlitePool),
    /// PostgreSQL server (and compatible: openGauss, KingbaseES).
    Postgres(PgPool),
}

/// One query argument; see [`Q::bind`].
#[derive(Debug, Clone)]
pub enum Arg {
    /// BIGINT
    I64(Option<i64>),
    /// DOUBLE
    F64(Option<f64>),
    /// TEXT
    Text(Option<String>),
    /// BOOLEAN
    Bool(Option<bool>),
    /// DATE
    Date(Option<NaiveDate>),
    /// TIMESTAMPTZ
    Time(Option<DateTime<Utc>>),
}

macro_rules! arg_from {
    ($t:ty, $v:ident) => {
        impl From<$t> for Arg {
            fn from(x: $t) -> Arg {
                Arg::$v(Some(x.into()))
            }
        }
        impl From<Option<$t>> for Arg {
            fn from(x: Option<$t>) -> Arg {
                Arg::$v(x.map(Into::into))
            }
        }
    };
}
arg_from!(i64, I64);
arg_from!(i32, I64);
arg_from!(u8, I64);
arg_from!(f64, F64);
arg_from!(String, Text);
arg_from!(&str, Text);
arg_from!(bool, Bool);
arg_from!(NaiveDate, Date);
arg_from!(DateTime<Utc>, Time);

/// A query with its arguments, runnable on either backend.
#[derive(Debug, Clone)]
pub struct Q {
    sql: String,
    args: Vec<Arg>,
}

/// Start a query.
pub fn q(sql: impl Into<String>) -> Q {
    Q {
        sql: sql.into(),
        args: Vec::new(),
    }
}

impl Q {
    /// Appends SQL text (a fixed suffix such as ORDER BY … LIMIT …).
    pub fn append(mut self, sql: &str) -> Q {
        self.sql.push_str(sql);
        self
    }

    /// Appends the next positional argument (`$n`).
    pub fn bind(mut self, a: impl Into<Arg>) -> Q {
        self.args.push(a.into());
        self
    }

    fn sqlite(&self) -> sqlx::query::Query<'_, Sqlite, <Sqlite as sqlx::Database>::Arguments> {
        // SQLite looks numbered parameters up by name, which costs O(n) per
        // parameter; anonymous `?` in text order binds in O(1). So `$n` is
        // rewritten to `?` and the arguments are laid out in text order.
        let (sql, order) = positional(&self.sql);
        let mut qq = sqlx::query(AssertSqlSafe(sql));
        for a in order.iter().filter_map(|&i| self.args.get(i)) {
            qq = match a {
                Arg::I64(v) => qq.bind(*v),
                Arg::F64(v) => qq.bind(*v),
                Arg::Text(v) => qq.bind(v.clone()),
                Arg::Bool(v) => qq.bind(*v),
                Arg::Date(v) => qq.bind(*v),
                Arg::Time(v) => qq.bind(*v),
            };
        }
        qq
    }

    fn pg(&self) -> sqlx::query::Query<'_, Postgres, <Postgres as sqlx::Database>::Arguments> {
        let mut qq = sqlx::query(AssertSqlSafe(self.sql.clone()));
        for a in &self.args {
            qq = match a {
                Arg::I64(v) => qq.bind(*v),
                Arg::F64(v) => qq.bind(*v),
                Arg::Text(v) => qq.bind(v.clone()),
                Arg::Bool(v) => qq.bind(*v),
                Arg::Date(v) => qq.bind(*v),
                Arg::Time(v) => qq.bind(*v),
            };
        }
        qq
    }
}

/// A row type readable from both backends (what `#[derive(FromRow)]` gives).
pub trait Row: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}
impl<T> Row for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{}

/// An open transaction of either backend, carrying the pool's audit key.
pub struct Tx {
    pub(crate) conn: TxConn,
    pub(crate) audit_key: Option<Arc<AuditKey>>,
    pub(crate) data_key: Option<Arc<DataKey>>,
}

/// The transaction of one backend.
pub enum TxConn {
    /// SQLite transaction.
    Sqlite(Transaction<'static, Sqlite>),
    /// PostgreSQL transaction.
    Postgres(Transaction<'static, Postgres>),
}

impl Pool {
    /// A pool without an audit key.
    pub fn new(conn: Conn) -> Pool {
        Pool {
            conn,
            audit_key: None,
            data_key: None,
            id: POOLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// This pool's number in the process: two pools (two databases, or
    /// two openings of one) never share it; clones do.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The same pool, writing (and verifying) audit rows with `key`.
    pub fn with_audit_key(mut self, key: Option<Arc<AuditKey>>) -> Pool {
        self.audit_key = key;
        self
    }

    /// The audit key, if one is configured.
    pub fn audit_key(&self) -> Option<&AuditKey> {
        self.audit_key.as_deref()
    }

    /// The same pool, sealing ID numbers and phones with `key`. Only
    /// [`crate::Store::with_data_key`] calls this, after checking the key
    /// against the database.
    pub(crate) fn with_data_key(mut self, key: Option<Arc<DataKey>>) -> Pool {
        self.data_key = key;
        self
    }

    /// The key that seals and hashes personal data: the configured data
    /// key, or the public hashing key that keeps values in clear.
    pub fn data(&self) -> &DataKey {
        self.data_key.as_deref().unwrap_or(DataKey::unkeyed())
    }

    /// The connections.
    pub fn conn(&self) -> &Conn {
        &self.conn
    }

    fn tx(&self, conn: TxConn) -> Tx {
        Tx {
            conn,
            audit_key: self.audit_key.clone(),
            data_key: self.data_key.clone(),
        }
    }

    /// Begins a transaction. Every transaction of the store writes, so on
    /// SQLite it takes the write lock at once (`BEGIN IMMEDIATE`): a
    /// concurrent writer then waits for it (the busy timeout) instead of
    /// failing with "database is locked" when a read transaction tries to
    /// become a write transaction. Contention that outlasts the busy
    /// timeout is [`StoreError::Busy`], never a plain database error.
    /// Read-only snapshots use [`Pool::begin_snapshot`].
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(self.tx(match &self.conn {
            Conn::Sqlite(p) => TxConn::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Conn::Postgres(p) => TxConn::Postgres(p.begin().await?),
        }))
    }

    /// The same as [`Pool::begin`] (every store transaction writes); the
    /// name says so where a reader might wonder.
    pub async fn begin_write(&self) -> Result<Tx, StoreError> {
        self.begin().await
    }

    /// Begins a read-only transaction that sees one snapshot of the whole
    /// database: REPEATABLE READ on PostgreSQL; on SQLite (WAL) a deferred
    /// transaction, whose snapshot is taken at its first read.
    pub async fn begin_snapshot(&self) -> Result<Tx, StoreError> {
        Ok(self.tx(match &self.conn {
            Conn::Sqlite(p) => TxConn::Sqlite(p.begin().await?),
            Conn::Postgres(p) => TxConn::Postgres(
                p.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?,
            ),
        }))
    }

    /// Closes the connections (flushing SQLite's WAL).
    pub async fn close(&self) {
        match &self.conn {
            Conn::Sqlite(p) => p.close().await,
            Conn::Postgres(p) => p.close().await,
        }
    }

    /// Runs a statement outside a transaction; returns rows affected.
    pub async fn execute(&self, q: Q) -> Result<u64, StoreError> {
        Ok(match &self.conn {
            Conn::Sqlite(p) => q.sqlite().execute(p).await?.rows_affected(),
            Conn::Postgres(p) => q.pg().execute(p).await?.rows_affected(),
        })
    }

    /// All rows.
    pub async fn all<T: Row>(&self, q: Q) -> Result<Vec<T>, StoreError> {
        Ok(match &self.conn {
            Conn::Sqlite(p) => {
                let rows = q.sqlite().fetch_all(p).await?;
                rows.iter().map(T::from_row).collect::<Result<_, _>>()?
            }
            Conn::Postgres(p) => {
                let rows = q.pg().fetch_all(p).await?;
                rows.iter().map(T::from_row).collect::<Result<_, _>>()?
            }
        })
    }

    /// At most one row.
    pub async fn opt<T: Row>(&self, q: Q) -> Result<Option<T>, StoreError> {
        Ok(match &self.conn {
            Conn::Sqlite(p) => q
                .sqlite()
                .fetch_optional(p)
                .await?
                .map(|r| T::from_row(&r))
                .transpose()?,
            Conn::Postgres(p) => q
                .pg()
                .fetch_optional(p)
                .await?
                .map(|r| T::from_row(&r))
                .transpose()?,
        })
    }

    /// Exactly one row.
    pub async fn one<T: Row>(&self, q: Q) -> Result<T, StoreError> {
        self.opt(q).await?.ok_or(StoreError::NotFound)
    }

    /// Which backend this is, for the few places the dialects differ.
    pub fn is_postgres(&self) -> bool {
        matches!(self.conn, Conn::Postgres(_))
    }
}

impl Tx {
    /// The audit key of the pool this transaction was begun from.
    pub fn audit_key(&self) -> Option<&AuditKey> {
        self.audit_key.as_deref()
    }

    /// The data key of the pool this transaction was begun from (see
    /// [`Pool::data`]).
    pub fn data(&self) -> &DataKey {
        self.data_key.as_deref().unwrap_or(DataKey::unkeyed())
    }

    /// Whether this is a SQLite transaction.
    pub fn is_sqlite(&self) -> bool {
        matches!(self.conn, TxConn::Sqlite(_))
    }

    /// Runs a statement; returns rows affected.
    pub async fn execute(&mut self, q: Q) -> Result<u64, StoreError> {
        Ok(match &mut self.conn {
            TxConn::Sqlite(t) => q.sqlite().execute(&mut **t).await?.rows_affected(),
            TxConn::Postgres(t) => q.pg().execute(&mut **t).await?.rows_affected(),
        })
    }

    /// All rows.
    pub async fn all<T: Row>(&mut self, q: Q) -> Result<Vec<T>, StoreError> {
        Ok(match &mut self.conn {
            TxConn::Sqlite(t) => {
                let rows = q.sqlite().fetch_all(&mut **t).await?;
                rows.iter().map(T::from_row).collect::<Result<_, _>>()?
            }
            TxConn::Postgres(t) => {
                let rows = q.pg().fetch_all(&mut **t).await?;
                rows.iter().map(T::from_row).collect::<Result<_, _>>()?
            }
        })
    }

    /// At most one row.
    pub async fn opt<T: Row>(&mut self, q: Q) -> Result<Option<T>, StoreError> {
        Ok(match &mut self.conn {
            TxConn::Sqlite(t) => q
                .sqlite()
                .fetch_optional(&mut **t)
                .await?
                .map(|r| T::from_row(&r))
                .transpose()?,
            TxConn::Postgres(t) => q
                .pg()
                .fetch_optional(&mut **t)
                .await?
                .map(|r| T::from_row(&r))
                .transpose()?,
        })
    }

    /// Exactly one row.
    pub async fn one<T: Row>(&mut self, q: Q) -> Result<T, StoreError> {
        self.opt(q).await?.ok_or(StoreError::NotFound)
    }

    /// PostgreSQL only: streams CSV `data` into `COPY … FROM STDIN`, the
    /// fast bulk path; `Ok(None)` on SQLite, whose multi-row INSERT is
    /// already fast, so the caller takes that path instead.
    pub async fn copy_csv(
        &mut self,
        copy_sql: &str,
        data: &[u8],
    ) -> Result<Option<u64>, StoreError> {
        match &mut self.conn {
            TxConn::Sqlite(_) => Ok(None),
            TxConn::Postgres(t) => {
                let mut copy = t.copy_in_raw(copy_sql).await?;
                copy.send(data).await?;
                Ok(Some(copy.finish().await?))
            }
        }
    }

    /// Rolls back (what dropping the transaction does, but awaited).
    pub async fn rollback(self) -> Result<(), StoreError> {
        match self.conn {
            TxConn::Sqlite(t) => t.rollback().await?,
            TxConn::Postgres(t) => t.rollback().await?,
        }
        Ok(())
    }

    /// Commits.
    pub async fn commit(self) -> Result<(), StoreError> {
        match self.conn {
            TxConn::Sqlite(t) => t.commit().await?,
            TxConn::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// Rewrites `$n` placeholders (outside quotes) to `?` and returns, for each
/// `?` in text order, the 0-based index of its argument.
fn positional(sql: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(sql.len());
    let mut order = Vec::new();
    let mut chars = sql.char_indices().peekable();
    let mut quoted = false;
    while let Some((_, c)) = chars.next() {
        if c == '\'' {
            quoted = !quoted;
        }
        let digit_follows = chars.peek().is_some_and(|(_, d)| d.is_ascii_digit());
        if c != '$' || quoted || !digit_follows {
            out.push(c);
            continue;
        }
        let mut n = 0usize;
        while let Some((_, d)) = chars.peek().copied().filter(|(_, d)| d.is_ascii_digit()) {
            n = n * 10 + (d as usize - '0' as usize);
            chars.next();
        }
        out.push('?');
        order.push(n.saturating_sub(1));
    }
    (out, order)
}

/// Placeholders `($a, $a+1, …), (…)` for a multi-row INSERT of `rows` rows
/// of `cols` columns.
pub fn values_placeholders(rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            s.push(',');
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push(',');
            }
            s.push('$');
            s.push_str(&(r * cols + c + 1).to_string());
        }
        s.push(')');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::positional;

    #[test]
    fn dollar_placeholders_become_positional() {
        let (sql, order) =
            positional("SELECT * FROM t WHERE a = $2 AND (b LIKE $1 OR c LIKE $1) AND d = '$3'");
        assert_eq!(
            sql,
            "SELECT * FROM t WHERE a = ? AND (b LIKE ? OR c LIKE ?) AND d = '$3'"
        );
        assert_eq!(order, vec![1, 0, 0]);
        let (sql, order) = positional("VALUES ($1,$2),($3,$4) -- $10");
        assert_eq!(sql, "VALUES (?,?),(?,?) -- ?");
        assert_eq!(order, vec![0, 1, 2, 3, 9]);
    }
}
