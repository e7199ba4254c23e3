//! Backup and restore in one portable file for both backends, taken while
//! the system runs.
//!
//! The file is gzip'd JSON lines:
//!
//! 1. a header: format and version, the migration the database was at, the
//!    source backend, the time, and every table with its columns and row
//!    count;
//! 2. per table, in foreign-key order (parents first): a line
//!    `{"table":…,"rows":…}` and then one JSON array per row (NULL, number,
//!    text, boolean; dates as `YYYY-MM-DD`, times as RFC 3339 in UTC);
//! 3. a trailer: `{"end":true,"rows":…,"sha256":…}`, the SHA-256 of every
//!    byte before it (header included), so a changed byte anywhere is found.
//!
//! The checksum sits at the end because the file is written as it is
//! read, never held whole. Tables and columns come from the database's
//! catalogue, so a table added by a later migration is backed up without
//! a change here. A backup reads one snapshot (PostgreSQL: REPEATABLE READ
//! READ ONLY; SQLite: one read transaction on the WAL), so writers carry on
//! meanwhile. A restore goes into a new, migrated, empty database at the
//! same migration, in one transaction that commits only when the checksum
//! and every count match; PostgreSQL's sequences are then moved past the
//! restored ids. Rows are copied verbatim, audit hashes included, so the
//! restored audit chain verifies with the same key.

use crate::StoreError;
use crate::db::{Arg, Pool, Q, Tx, TxConn, q, values_placeholders};
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{AssertSqlSafe, Column as _, Row as _, TypeInfo, ValueRef};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};

/// The format's name in the header.
pub const FORMAT: &str = "dixian-backup";
/// The format's version; a reader refuses a file of another one.
pub const FORMAT_VERSION: u32 = 1;

/// Tables the migrations themselves fill (the audit chain's head row):
/// a new database has these rows, and a restore replaces them.
const MIGRATION_SEEDED: &[&str] = &["audit_chain", "data_key"];

/// The first line of a backup.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`] of the writer.
    pub version: u32,
    /// The last migration the database had.
    pub migration: i64,
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// When the snapshot was taken (RFC 3339).
    pub created_at: String,
    /// The dixian version that wrote it.
    pub dixian: String,
    /// Every table, parents first.
    pub tables: Vec<TableInfo>,
}

/// One table in the header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableInfo {
    /// Table name.
    pub name: String,
    /// Column names, in the order of each row's values.
    pub columns: Vec<String>,
    /// Rows that follow.
    pub rows: u64,
}

#[derive(Serialize, Deserialize)]
struct TableStart {
    table: String,
    rows: u64,
}

#[derive(Serialize, Deserialize)]
struct Trailer {
    end: bool,
    rows: u64,
    sha256: String,
}

/// What a backup wrote or a restore read.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The header (tables and counts).
    pub header: Header,
    /// Rows in all tables.
    pub rows: u64,
    /// SHA-256 of the content (the trailer's).
    pub sha256: String,
}

/// How a column's values are written and bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Real,
    Text,
    Bool,
    Date,
    Time,
}

#[derive(Debug, Clone)]
struct Column {
    name: String,
    kind: Kind,
}

#[derive(Debug, Clone)]
struct Table {
    name: String,
    columns: Vec<Column>,
    key: Vec<String>,
}

fn invalid(msg: impl Into<String>) -> StoreError {
    StoreError::Integrity(msg.into())
}

fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn kind_sqlite(table: &str, column: &str, declared: &str) -> Result<Kind, StoreError> {
    let d = declared.to_ascii_uppercase();
    Ok(if d.contains("BOOL") {
        Kind::Bool
    } else if d.contains("INT") {
        Kind::Int
    } else if d.contains("REAL") || d.contains("DOUB") || d.contains("FLOA") {
        Kind::Real
    } else if d.contains("TEXT") || d.contains("CHAR") {
        Kind::Text
    } else {
        return Err(invalid(format!(
            "{table}.{column}: column type {declared} is not supported by backups"
        )));
    })
}

fn kind_postgres(table: &str, column: &str, data_type: &str) -> Result<Kind, StoreError> {
    Ok(match data_type {
        "bigint" | "integer" | "smallint" => Kind::Int,
        "double precision" | "real" => Kind::Real,
        "text" | "character varying" | "character" => Kind::Text,
        "boolean" => Kind::Bool,
        "date" => Kind::Date,
        "timestamp with time zone" => Kind::Time,
        other => {
            return Err(invalid(format!(
                "{table}.{column}: column type {other} is not supported by backups"
            )));
        }
    })
}

/// The tables of the database, from its catalogue (migrations' own
/// bookkeeping left out), parents before children.
async fn catalogue(tx: &mut Tx) -> Result<Vec<Table>, StoreError> {
    let pg = !tx.is_sqlite();
    let names: Vec<(String,)> = tx
        .all(q(if pg {
            "SELECT table_name::TEXT FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
               AND table_name <> '_sqlx_migrations' ORDER BY 1"
        } else {
            "SELECT name FROM sqlite_master
             WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
               AND name <> '_sqlx_migrations' ORDER BY 1"
        }))
        .await?;
    let mut tables = BTreeMap::new();
    let mut parents = BTreeMap::new();
    for (name,) in names {
        let (table, ps) = if pg {
            describe_postgres(tx, &name).await?
        } else {
            describe_sqlite(tx, &name).await?
        };
        parents.insert(name.clone(), ps);
        tables.insert(name, table);
    }
    // Kahn's algorithm, ties by name: a stable order for a given schema.
    let mut order = Vec::new();
    let mut done = BTreeSet::new();
    while done.len() < tables.len() {
        let ready: Vec<String> = tables
            .keys()
            .filter(|t| !done.contains(*t))
            .filter(|t| {
                parents[*t]
                    .iter()
                    .all(|p| p == *t || done.contains(p) || !tables.contains_key(p))
            })
            .cloned()
            .collect();
        if ready.is_empty() {
            return Err(invalid(
                "the tables' foreign keys form a cycle; backups cannot order them",
            ));
        }
        for t in ready {
            done.insert(t.clone());
            order.push(tables[&t].clone());
        }
    }
    // The tables triggers fill load last, replacing what the restore's
    // own inserts made (the figures' dirty marks of migration 0011, the
    // warning counts of 0015): the restored database has exactly the
    // backed-up rows.
    order.sort_by_key(|t: &Table| TRIGGER_FILLED.contains(&t.name.as_str()));
    Ok(order)
}

/// The tables that triggers fill: the figures' dirty marks
/// (`store::stats`), the warning counts (`store::warnings`) and the
/// registry index's marks (`store::registry_index`).
const TRIGGER_FILLED: [&str; 3] = ["stats_dirty", "warning_counts", "registry_index_dirty"];

async fn describe_sqlite(tx: &mut Tx, name: &str) -> Result<(Table, Vec<String>), StoreError> {
    let cols: Vec<(String, String, i64)> = tx
        .all(q("SELECT name, type, pk FROM pragma_table_info($1) ORDER BY cid").bind(name))
        .await?;
    let mut key: Vec<(i64, String)> = cols
        .iter()
        .filter(|c| c.2 > 0)
        .map(|c| (c.2, c.0.clone()))
        .collect();
    key.sort();
    let columns = cols
        .iter()
        .map(|(c, t, _)| {
            Ok(Column {
                name: c.clone(),
                kind: kind_sqlite(name, c, t)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    let parents: Vec<(String,)> = tx
        .all(q("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list($1)").bind(name))
        .await?;
    let table = Table {
        name: name.to_string(),
        columns,
        key: key.into_iter().map(|k| k.1).collect(),
    };
    Ok((table, parents.into_iter().map(|p| p.0).collect()))
}

async fn describe_postgres(tx: &mut Tx, name: &str) -> Result<(Table, Vec<String>), StoreError> {
    let cols: Vec<(String, String)> = tx
        .all(
            q(
                "SELECT column_name::TEXT, data_type::TEXT FROM information_schema.columns
               WHERE table_schema = current_schema() AND table_name::TEXT = $1
               ORDER BY ordinal_position",
            )
            .bind(name),
        )
        .await?;
    let key: Vec<(String,)> = tx
        .all(
            q("SELECT k.column_name::TEXT
               FROM information_schema.table_constraints c
               JOIN information_schema.key_column_usage k
                 ON k.constraint_schema = c.constraint_schema AND k.constraint_name = c.constraint_name
               WHERE c.table_schema = current_schema() AND c.table_name::TEXT = $1
                 AND c.constraint_type = 'PRIMARY KEY'
               ORDER BY k.ordinal_position")
            .bind(name),
        )
        .await?;
    let parents: Vec<(String,)> = tx
        .all(
            q("SELECT DISTINCT u.table_name::TEXT
               FROM information_schema.table_constraints c
               JOIN information_schema.constraint_column_usage u
                 ON u.constraint_schema = c.constraint_schema AND u.constraint_name = c.constraint_name
               WHERE c.table_schema = current_schema() AND c.table_name::TEXT = $1
                 AND c.constraint_type = 'FOREIGN KEY'")
            .bind(name),
        )
        .await?;
    let columns = cols
        .iter()
        .map(|(c, t)| {
            Ok(Column {
                name: c.clone(),
                kind: kind_postgres(name, c, t)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    let table = Table {
        name: name.to_string(),
        columns,
        key: key.into_iter().map(|k| k.0).collect(),
    };
    Ok((table, parents.into_iter().map(|p| p.0).collect()))
}

/// The names of the tables a backup holds, from the catalogue (for
/// checks that no table is left out).
pub async fn table_names(pool: &Pool) -> Result<Vec<String>, StoreError> {
    let mut tx = pool.begin_snapshot().await?;
    let tables = catalogue(&mut tx).await?;
    tx.rollback().await?;
    Ok(tables.into_iter().map(|t| t.name).collect())
}

async fn migration(tx: &mut Tx) -> Result<i64, StoreError> {
    let (v,): (Option<i64>,) = tx
        .one(q("SELECT MAX(version) FROM _sqlx_migrations WHERE success"))
        .await?;
    Ok(v.unwrap_or(0))
}

/// A writer that hashes what passes through it.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> Hashing<W> {
    fn line<T: Serialize>(&mut self, v: &T) -> Result<(), StoreError> {
        let mut buf = serde_json::to_vec(v).map_err(|e| invalid(e.to_string()))?;
        buf.push(b'\n');
        self.hash.update(&buf);
        self.inner.write_all(&buf).map_err(write_error)
    }
}

fn write_error(e: std::io::Error) -> StoreError {
    StoreError::Io {
        path: "backup".into(),
        source: e,
    }
}

/// Writes a backup of `pool` to `out` (gzip'd), reading one snapshot;
/// `progress(rows done, rows in all)` after each batch of rows.
pub async fn backup<W: Write>(
    pool: &Pool,
    out: W,
    mut progress: impl FnMut(u64, u64),
) -> Result<Summary, StoreError> {
    let mut tx = pool.begin_snapshot().await?;
    let migration = migration(&mut tx).await?;
    let tables = catalogue(&mut tx).await?;
    let mut infos = Vec::with_capacity(tables.len());
    for t in &tables {
        let (n,): (i64,) = tx
            .one(q(format!("SELECT COUNT(*) FROM {}", ident(&t.name))))
            .await?;
        infos.push(TableInfo {
            name: t.name.clone(),
            columns: t.columns.iter().map(|c| c.name.clone()).collect(),
            rows: n as u64,
        });
    }
    let header = Header {
        format: FORMAT.into(),
        version: FORMAT_VERSION,
        migration,
        backend: if tx.is_sqlite() { "sqlite" } else { "postgres" }.into(),
        created_at: Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true),
        dixian: env!("CARGO_PKG_VERSION").into(),
        tables: infos,
    };
    let total: u64 = header.tables.iter().map(|t| t.rows).sum();
    let mut w = Hashing {
        inner: GzEncoder::new(out, Compression::default()),
        hash: Sha256::new(),
    };
    w.line(&header)?;
    let mut done = 0u64;
    for (t, info) in tables.iter().zip(&header.tables) {
        w.line(&TableStart {
            table: t.name.clone(),
            rows: info.rows,
        })?;
        let n = dump_table(&mut tx, t, &mut w, &mut |n| progress(done + n, total)).await?;
        if n != info.rows {
            return Err(invalid(format!(
                "table {} changed during the backup ({} rows counted, {n} read): the snapshot did not hold",
                t.name, info.rows
            )));
        }
        done += n;
    }
    tx.rollback().await?;
    let sha256 = hex::encode(w.hash.clone().finalize());
    let trailer = Trailer {
        end: true,
        rows: total,
        sha256: sha256.clone(),
    };
    let mut line = serde_json::to_vec(&trailer).map_err(|e| invalid(e.to_string()))?;
    line.push(b'\n');
    w.inner.write_all(&line).map_err(write_error)?;
    w.inner
        .finish()
        .and_then(|mut o| o.flush())
        .map_err(write_error)?;
    progress(total, total);
    Ok(Summary {
        header,
        rows: total,
        sha256,
    })
}

/// Streams one table's rows, in key order, as JSON lines; returns how many.
async fn dump_table<W: Write>(
    tx: &mut Tx,
    t: &Table,
    w: &mut Hashing<W>,
    progress: &mut impl FnMut(u64),
) -> Result<u64, StoreError> {
    let cols: Vec<String> = t.columns.iter().map(|c| ident(&c.name)).collect();
    let order = if t.key.is_empty() {
        cols.clone()
    } else {
        t.key.iter().map(|k| ident(k)).collect()
    };
    let sql = format!(
        "SELECT {} FROM {} ORDER BY {}",
        cols.join(", "),
        ident(&t.name),
        order.join(", ")
    );
    let mut n = 0u64;
    let mut row_values = Vec::with_capacity(t.columns.len());
    match &mut tx.conn {
        TxConn::Sqlite(c) => {
            let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(&mut **c);
            while let Some(row) = rows.try_next().await? {
                row_values.clear();
                for (i, col) in t.columns.iter().enumerate() {
                    row_values.push(sqlite_value(&row, i, col, &t.name)?);
                }
                w.line(&row_values)?;
                n += 1;
                if n.is_multiple_of(1000) {
                    progress(n);
                }
            }
        }
        TxConn::Postgres(c) => {
            let mut rows = sqlx::query(AssertSqlSafe(sql)).fetch(&mut **c);
            while let Some(row) = rows.try_next().await? {
                row_values.clear();
                for (i, col) in t.columns.iter().enumerate() {
                    row_values.push(pg_value(&row, i, col, &t.name)?);
                }
                w.line(&row_values)?;
                n += 1;
                if n.is_multiple_of(1000) {
                    progress(n);
                }
            }
        }
    }
    progress(n);
    Ok(n)
}

fn number(f: f64, table: &str, col: &Column) -> Result<Value, StoreError> {
    serde_json::Number::from_f64(f)
        .map(Value::Number)
        .ok_or_else(|| {
            invalid(format!(
                "{table}.{}: a value is not a finite number",
                col.name
            ))
        })
}

fn sqlite_value(
    row: &sqlx::sqlite::SqliteRow,
    i: usize,
    col: &Column,
    table: &str,
) -> Result<Value, StoreError> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    // SQLite keeps any value in any column: the stored class decides.
    let class = raw.type_info().name().to_string();
    Ok(match class.as_str() {
        "INTEGER" if col.kind == Kind::Bool => Value::Bool(row.try_get::<i64, _>(i)? != 0),
        "INTEGER" => Value::from(row.try_get::<i64, _>(i)?),
        "REAL" => number(row.try_get::<f64, _>(i)?, table, col)?,
        "TEXT" => Value::String(row.try_get::<String, _>(i)?),
        other => {
            return Err(invalid(format!(
                "{table}.{}: a {other} value is not supported by backups",
                col.name
            )));
        }
    })
}

/// Times as SQLite keeps them (sqlx's encoding): restoring a PostgreSQL
/// backup into SQLite gives the text the application would have written.
fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

fn pg_value(
    row: &sqlx::postgres::PgRow,
    i: usize,
    col: &Column,
    table: &str,
) -> Result<Value, StoreError> {
    let ty = row.columns()[i].type_info().name().to_string();
    Ok(match ty.as_str() {
        "INT8" => row.try_get::<Option<i64>, _>(i)?.map(Value::from),
        "INT4" => row.try_get::<Option<i32>, _>(i)?.map(Value::from),
        "INT2" => row.try_get::<Option<i16>, _>(i)?.map(Value::from),
        "FLOAT8" => match row.try_get::<Option<f64>, _>(i)? {
            Some(f) => Some(number(f, table, col)?),
            None => None,
        },
        "FLOAT4" => match row.try_get::<Option<f32>, _>(i)? {
            Some(f) => Some(number(f64::from(f), table, col)?),
            None => None,
        },
        "TEXT" | "VARCHAR" | "BPCHAR" => row.try_get::<Option<String>, _>(i)?.map(Value::String),
        "BOOL" => row.try_get::<Option<bool>, _>(i)?.map(Value::Bool),
        "DATE" => row
            .try_get::<Option<NaiveDate>, _>(i)?
            .map(|d| Value::String(d.format("%F").to_string())),
        "TIMESTAMPTZ" => row
            .try_get::<Option<DateTime<Utc>>, _>(i)?
            .map(|t| Value::String(time_text(t))),
        other => {
            return Err(invalid(format!(
                "{table}.{}: column type {other} is not supported by backups",
                col.name
            )));
        }
    }
    .unwrap_or(Value::Null))
}

/// A reader of the file's lines that hashes them.
struct Lines<R> {
    inner: R,
    hash: Sha256,
    buf: Vec<u8>,
    line: u64,
}

impl<R: BufRead> Lines<R> {
    /// The next line, hashed unless it is the trailer.
    fn next(&mut self, hashed: bool) -> Result<&[u8], StoreError> {
        self.buf.clear();
        let n = self.inner.read_until(b'\n', &mut self.buf).map_err(|e| {
            invalid(format!(
                "the backup cannot be read (damaged or not gzip): {e}"
            ))
        })?;
        if n == 0 {
            return Err(invalid(
                "the backup ends early: the file is truncated (备份文件不完整)",
            ));
        }
        self.line += 1;
        if hashed {
            self.hash.update(&self.buf);
        }
        Ok(&self.buf)
    }

    fn parse<T: serde::de::DeserializeOwned>(&mut self, hashed: bool) -> Result<T, StoreError> {
        let line = self.line + 1;
        let bytes = self.next(hashed)?;
        serde_json::from_slice(bytes).map_err(|e| {
            invalid(format!(
                "backup line {line} is damaged ({e}); the file cannot be restored (备份文件已损坏)"
            ))
        })
    }
}

/// Reads a backup's header without restoring (e.g. to show it).
pub fn read_header<R: Read>(input: R) -> Result<Header, StoreError> {
    let mut lines = Lines {
        inner: BufReader::new(GzDecoder::new(input)),
        hash: Sha256::new(),
        buf: Vec::new(),
        line: 0,
    };
    let header: Header = lines.parse(true)?;
    check_format(&header)?;
    Ok(header)
}

fn check_format(h: &Header) -> Result<(), StoreError> {
    if h.format != FORMAT {
        return Err(invalid("not a dixian backup file (不是备份文件)"));
    }
    if h.version != FORMAT_VERSION {
        return Err(invalid(format!(
            "backup format version {} is not {FORMAT_VERSION}, the one this dixian reads",
            h.version
        )));
    }
    Ok(())
}

/// Restores the backup read from `input` into the empty, migrated
/// database `pool`, in one transaction; `progress(rows done, rows in all)`.
/// Nothing is written unless the whole file checks out.
pub async fn restore<R: Read>(
    pool: &Pool,
    input: R,
    mut progress: impl FnMut(u64, u64),
) -> Result<Summary, StoreError> {
    let mut lines = Lines {
        inner: BufReader::with_capacity(1 << 16, GzDecoder::new(input)),
        hash: Sha256::new(),
        buf: Vec::new(),
        line: 0,
    };
    let header: Header = lines.parse(true)?;
    check_format(&header)?;
    let mut tx = pool.begin_write().await?;
    match restore_in(&mut tx, &header, &mut lines, &mut progress).await {
        Ok(summary) => {
            tx.commit().await?;
            Ok(summary)
        }
        Err(e) => {
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

async fn restore_in<R: BufRead>(
    tx: &mut Tx,
    header: &Header,
    lines: &mut Lines<R>,
    progress: &mut impl FnMut(u64, u64),
) -> Result<Summary, StoreError> {
    let have = migration(tx).await?;
    if have != header.migration {
        return Err(invalid(format!(
            "the backup was made at migration {} and this database is at migration {have}: \
             restore it with the dixian version that made it (备份的数据库版本{}与当前版本{have}不符)",
            header.migration, header.migration
        )));
    }
    let tables: BTreeMap<String, Table> = catalogue(tx)
        .await?
        .into_iter()
        .map(|t| (t.name.clone(), t))
        .collect();
    check_schema(header, &tables)?;
    make_room(tx, &tables).await?;
    let total: u64 = header.tables.iter().map(|t| t.rows).sum();
    let mut done = 0u64;
    for info in &header.tables {
        let start: TableStart = lines.parse(true)?;
        if start.table != info.name || start.rows != info.rows {
            return Err(invalid(format!(
                "backup line {}: expected table {} ({} rows), found {} ({} rows): the file is damaged",
                lines.line, info.name, info.rows, start.table, start.rows
            )));
        }
        load_table(tx, &tables[&info.name], info, lines, &mut |n| {
            progress(done + n, total)
        })
        .await?;
        done += info.rows;
    }
    let sha256 = hex::encode(lines.hash.clone().finalize());
    let trailer: Trailer = lines.parse(false)?;
    if !trailer.end || trailer.sha256 != sha256 || trailer.rows != total {
        return Err(invalid(
            "the backup's checksum does not match its content: the file was changed or damaged; nothing was restored \
             (备份文件校验和不符，未恢复任何数据)",
        ));
    }
    let mut rest = Vec::new();
    if lines.inner.read_to_end(&mut rest).is_ok_and(|n| n > 0) {
        return Err(invalid("data after the backup's end: the file was changed"));
    }
    if !tx.is_sqlite() {
        reset_sequences(tx, &tables).await?;
    }
    Ok(Summary {
        header: header.clone(),
        rows: total,
        sha256,
    })
}

fn check_schema(header: &Header, tables: &BTreeMap<String, Table>) -> Result<(), StoreError> {
    let in_file: BTreeSet<&str> = header.tables.iter().map(|t| t.name.as_str()).collect();
    let here: BTreeSet<&str> = tables.keys().map(String::as_str).collect();
    if in_file != here {
        let missing: Vec<_> = here.difference(&in_file).collect();
        let extra: Vec<_> = in_file.difference(&here).collect();
        return Err(invalid(format!(
            "the backup's tables differ from this database's (not in the backup: {missing:?}; not in the database: {extra:?})"
        )));
    }
    for info in &header.tables {
        let a: BTreeSet<&str> = info.columns.iter().map(String::as_str).collect();
        let b: BTreeSet<&str> = tables[&info.name]
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        if a != b || a.len() != info.columns.len() {
            return Err(invalid(format!(
                "table {}: the backup's columns differ from this database's",
                info.name
            )));
        }
    }
    Ok(())
}

/// Refuses a database that holds data; clears the rows the migrations put in.
async fn make_room(tx: &mut Tx, tables: &BTreeMap<String, Table>) -> Result<(), StoreError> {
    for name in tables.keys() {
        let (n,): (i64,) = tx
            .one(q(format!("SELECT COUNT(*) FROM {}", ident(name))))
            .await?;
        if n > 0 && !MIGRATION_SEEDED.contains(&name.as_str()) {
            return Err(invalid(format!(
                "the database is not empty (table {name} has {n} rows): restore only into a new database \
                 (只能恢复到新的空数据库)"
            )));
        }
    }
    for name in MIGRATION_SEEDED {
        tx.execute(q(format!("DELETE FROM {}", ident(name))))
            .await?;
    }
    Ok(())
}

/// Rows per INSERT: SQLite allows 32,766 parameters, PostgreSQL 65,535.
fn batch_rows(columns: usize) -> usize {
    (30_000 / columns.max(1)).clamp(1, 1000)
}

async fn load_table<R: BufRead>(
    tx: &mut Tx,
    table: &Table,
    info: &TableInfo,
    lines: &mut Lines<R>,
    progress: &mut impl FnMut(u64),
) -> Result<(), StoreError> {
    let kinds: Vec<Kind> = info
        .columns
        .iter()
        .map(|c| {
            table
                .columns
                .iter()
                .find(|t| &t.name == c)
                .map(|t| t.kind)
                .expect("columns checked against the catalogue")
        })
        .collect();
    let insert = format!(
        "INSERT INTO {} ({}) VALUES ",
        ident(&info.name),
        info.columns
            .iter()
            .map(|c| ident(c))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if TRIGGER_FILLED.contains(&info.name.as_str()) {
        tx.execute(q(format!("DELETE FROM {}", ident(&info.name))))
            .await?;
    }
    let per_batch = batch_rows(kinds.len());
    let mut batch: Vec<Vec<Arg>> = Vec::with_capacity(per_batch);
    let mut done = 0u64;
    for _ in 0..info.rows {
        let line = lines.line + 1;
        let row: Vec<Value> = lines.parse(true)?;
        if row.len() != kinds.len() {
            return Err(invalid(format!(
                "backup line {line}: {} values for {} columns of {}",
                row.len(),
                kinds.len(),
                info.name
            )));
        }
        let args = row
            .into_iter()
            .zip(&kinds)
            .zip(&info.columns)
            .map(|((v, k), c)| {
                arg(v, *k)
                    .map_err(|e| invalid(format!("backup line {line}: {}.{c}: {e}", info.name)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        batch.push(args);
        if batch.len() == per_batch {
            flush(tx, &insert, &mut batch).await?;
            done += per_batch as u64;
            progress(done);
        }
    }
    flush(tx, &insert, &mut batch).await?;
    progress(info.rows);
    Ok(())
}

async fn flush(tx: &mut Tx, insert: &str, batch: &mut Vec<Vec<Arg>>) -> Result<(), StoreError> {
    let Some(cols) = batch.first().map(Vec::len) else {
        return Ok(());
    };
    let mut query: Q = q(format!(
        "{insert}{}",
        values_placeholders(batch.len(), cols)
    ));
    for row in batch.drain(..) {
        for a in row {
            query = query.bind(a);
        }
    }
    tx.execute(query).await?;
    Ok(())
}

/// A value of the file as an argument for a column of `kind`.
fn arg(v: Value, kind: Kind) -> Result<Arg, String> {
    let wrong = |v: &Value| format!("{v} is not a valid {kind:?} value");
    Ok(match (kind, v) {
        (Kind::Int, Value::Null) => Arg::I64(None),
        (Kind::Real, Value::Null) => Arg::F64(None),
        (Kind::Text, Value::Null) => Arg::Text(None),
        (Kind::Bool, Value::Null) => Arg::Bool(None),
        (Kind::Date, Value::Null) => Arg::Date(None),
        (Kind::Time, Value::Null) => Arg::Time(None),
        (Kind::Int, Value::Number(n)) if n.is_i64() => Arg::I64(n.as_i64()),
        (Kind::Int, Value::Bool(b)) => Arg::I64(Some(i64::from(b))),
        (Kind::Real, Value::Number(n)) => Arg::F64(n.as_f64()),
        (Kind::Text, Value::String(s)) => Arg::Text(Some(s)),
        (Kind::Bool, Value::Bool(b)) => Arg::Bool(Some(b)),
        (Kind::Bool, Value::Number(n)) if n.is_i64() => Arg::Bool(Some(n.as_i64() != Some(0))),
        (Kind::Date, Value::String(s)) => Arg::Date(Some(
            NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| wrong(&Value::String(s)))?,
        )),
        (Kind::Time, Value::String(s)) => Arg::Time(Some(
            parse_time(&s).ok_or_else(|| wrong(&Value::String(s)))?,
        )),
        (_, v) => return Err(wrong(&v)),
    })
}

/// RFC 3339, or SQLite's `YYYY-MM-DD HH:MM:SS[.f][±zz:zz]` (UTC when bare).
fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%:z"))
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

/// Moves each identity/serial sequence past the largest restored id.
async fn reset_sequences(tx: &mut Tx, tables: &BTreeMap<String, Table>) -> Result<(), StoreError> {
    for t in tables.values() {
        for c in t.columns.iter().filter(|c| c.kind == Kind::Int) {
            let (seq,): (Option<String>,) = tx
                .one(
                    q("SELECT pg_get_serial_sequence($1, $2)")
                        .bind(ident(&t.name))
                        .bind(c.name.as_str()),
                )
                .await?;
            let Some(seq) = seq else { continue };
            tx.execute(
                q(format!(
                    "SELECT setval($1::regclass, COALESCE((SELECT MAX({}) FROM {}), 0) + 1, false)",
                    ident(&c.name),
                    ident(&t.name)
                ))
                .bind(seq),
            )
            .await?;
        }
    }
    Ok(())
}
