//! 行政区划: the division table (province → village) that every household,
//! user scope and statistic hangs on. Imported from the gzip'd CSV files of
//! the shared `data/divisions` folder.

use crate::StoreError;
use crate::db::{Pool, Tx, q, values_placeholders};
use dixian_domain::{RegionCode, RegionLevel};
use flate2::read::GzDecoder;
use serde::Serialize;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// One division.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct Region {
    /// Significant digits (2/4/6/9/12).
    pub code: String,
    /// 1 = province … 5 = village.
    pub level: i64,
    /// Name.
    pub name: String,
    /// Parent code.
    pub parent: Option<String>,
}

/// The division files, parents first, with the column holding each row's
/// parent code.
const FILES: &[(&str, RegionLevel, &str)] = &[
    ("provinces.csv.gz", RegionLevel::Province, ""),
    ("cities.csv.gz", RegionLevel::City, "provinceCode"),
    ("areas.csv.gz", RegionLevel::County, "cityCode"),
    ("streets.csv.gz", RegionLevel::Township, "areaCode"),
    ("villages.csv.gz", RegionLevel::Village, "streetCode"),
];

/// Counts of an import, per level.
#[derive(Debug, Default, Clone)]
pub struct ImportCounts {
    /// Rows written per level (index 0 = province).
    pub per_level: [u64; 5],
}

impl ImportCounts {
    /// Rows in all.
    pub fn total(&self) -> u64 {
        self.per_level.iter().sum()
    }
}

/// Reads the division file of `level` from `dir` into (code, name,
/// parent) rows, keeping only codes inside `only` (and its ancestors).
pub fn read_level(
    dir: &Path,
    level: RegionLevel,
    only: Option<&RegionCode>,
) -> Result<Vec<(String, String, Option<String>)>, StoreError> {
    let (file, _, parent_col) = FILES[level as usize - 1];
    read_file(&dir.join(file), parent_col, only)
}

/// Reads one gzip'd division file into (code, name, parent) rows, keeping
/// only codes inside `only` (and the ancestors of `only`).
fn read_file(
    path: &Path,
    parent_col: &str,
    only: Option<&RegionCode>,
) -> Result<Vec<(String, String, Option<String>)>, StoreError> {
    let io = |e: std::io::Error| StoreError::Io {
        path: path.display().to_string(),
        source: e,
    };
    let mut text = String::new();
    GzDecoder::new(File::open(path).map_err(io)?)
        .read_to_string(&mut text)
        .map_err(io)?;
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| StoreError::Invalid(format!("{}: {e}", path.display())))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (ci, ni) = (col("code"), col("name"));
    let pi = col(parent_col);
    let (Some(ci), Some(ni)) = (ci, ni) else {
        return Err(StoreError::Invalid(format!(
            "{}: needs columns code and name",
            path.display()
        )));
    };
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec
            .map_err(|e| StoreError::Invalid(format!("{} line {}: {e}", path.display(), i + 2)))?;
        let code = rec.get(ci).unwrap_or("").to_string();
        let keep =
            only.is_none_or(|o| code.starts_with(o.as_str()) || o.as_str().starts_with(&code));
        if keep {
            let parent = pi.and_then(|p| rec.get(p)).map(str::to_string);
            out.push((code, rec.get(ni).unwrap_or("").to_string(), parent));
        }
    }
    Ok(out)
}

const UPSERT: &str = "INSERT INTO regions (code, level, name, parent)";
const ON_CONFLICT: &str =
    "ON CONFLICT (code) DO UPDATE SET name = excluded.name, parent = excluded.parent";

/// PostgreSQL's bulk path: COPY into a temporary table, then one upsert.
/// Returns false on SQLite (the caller inserts in chunks).
async fn copy_level(
    tx: &mut Tx,
    rows: &[(String, String, Option<String>)],
    level: RegionLevel,
) -> Result<bool, StoreError> {
    if tx.is_sqlite() {
        return Ok(false);
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    for (code, name, parent) in rows {
        let level = (level as i64).to_string();
        w.write_record([
            code.as_str(),
            level.as_str(),
            name.as_str(),
            parent.as_deref().unwrap_or(""),
        ])
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    }
    let data = w
        .into_inner()
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    tx.execute(q("CREATE TEMP TABLE regions_in (code TEXT, level BIGINT, name TEXT, parent TEXT) ON COMMIT DROP")).await?;
    tx.copy_csv("COPY regions_in FROM STDIN WITH (FORMAT csv)", &data)
        .await?;
    tx.execute(q(format!(
        "{UPSERT} SELECT code, level, name, NULLIF(parent, '') FROM regions_in {ON_CONFLICT}"
    )))
    .await?;
    Ok(true)
}

/// Imports the division table from `dir`, parents first, in one
/// transaction per level; re-importing updates names. `only` limits the
/// import to one region (and its ancestors). `progress` gets the rows
/// written so far.
pub async fn import(
    pool: &Pool,
    dir: &Path,
    only: Option<&RegionCode>,
    mut progress: impl FnMut(RegionLevel, u64, u64),
) -> Result<ImportCounts, StoreError> {
    let mut counts = ImportCounts::default();
    // Codes of the levels loaded so far: every row's parent must be among them.
    let mut known = std::collections::HashSet::new();
    for (file, level, parent_col) in FILES {
        let rows = read_file(&dir.join(file), parent_col, only)?;
        for r in &rows {
            RegionCode::parse(&r.0)
                .map_err(|e| StoreError::Invalid(format!("{file}: code {}: {e}", r.0)))?;
            let parent = r.2.as_deref().filter(|_| *level != RegionLevel::Province);
            if let Some(p) = parent.filter(|p| !known.contains(*p)) {
                let msg = format!(
                    "{file}: code {}: parent {p} is not in the table (上级区划不存在)",
                    r.0
                );
                return Err(StoreError::Invalid(msg));
            }
        }
        known.extend(rows.iter().map(|r| r.0.clone()));
        let total = rows.len() as u64;
        let mut tx = pool.begin().await?;
        if !copy_level(&mut tx, &rows, *level).await? {
            let mut done = 0u64;
            for chunk in rows.chunks(2000) {
                let sql = format!(
                    "{UPSERT} VALUES {} {ON_CONFLICT}",
                    values_placeholders(chunk.len(), 4)
                );
                let mut query = q(sql);
                for (code, name, parent) in chunk {
                    query = query
                        .bind(code.as_str())
                        .bind(*level as i64)
                        .bind(name.as_str())
                        .bind(parent.clone());
                }
                tx.execute(query).await?;
                done += chunk.len() as u64;
                progress(*level, done, total);
            }
        }
        progress(*level, total, total);
        tx.commit().await?;
        counts.per_level[*level as usize - 1] = total;
    }
    Ok(counts)
}

/// One region by code.
pub async fn get(pool: &Pool, code: &RegionCode) -> Result<Option<Region>, StoreError> {
    pool.opt(q("SELECT code, level, name, parent FROM regions WHERE code = $1").bind(code.as_str()))
        .await
}

/// Children of a region, by code.
pub async fn children(pool: &Pool, code: &RegionCode) -> Result<Vec<Region>, StoreError> {
    pool.all(
        q("SELECT code, level, name, parent FROM regions WHERE parent = $1 ORDER BY code")
            .bind(code.as_str()),
    )
    .await
}

/// Every stored region of `level`, by code (e.g. the counties a
/// deployment loaded).
pub async fn at_level(pool: &Pool, level: RegionLevel) -> Result<Vec<Region>, StoreError> {
    pool.all(
        q("SELECT code, level, name, parent FROM regions WHERE level = $1 ORDER BY code")
            .bind(level as i64),
    )
    .await
}

/// The chain from the province down to `code`, as stored (names).
pub async fn chain(pool: &Pool, code: &RegionCode) -> Result<Vec<Region>, StoreError> {
    let mut out = Vec::new();
    for c in code.chain() {
        if let Some(r) = get(pool, &c).await? {
            out.push(r);
        }
    }
    Ok(out)
}

/// Number of regions stored per level.
pub async fn count(pool: &Pool) -> Result<i64, StoreError> {
    let (n,): (i64,) = pool.one(q("SELECT COUNT(*) FROM regions")).await?;
    Ok(n)
}

/// Village codes inside `within`, for checking imports in one query.
pub async fn villages_within(
    pool: &Pool,
    within: &RegionCode,
) -> Result<std::collections::HashSet<String>, StoreError> {
    let (lo, hi) = within.padded_range();
    let rows: Vec<(String,)> = pool
        .all(
            q("SELECT code FROM regions WHERE level = 5 AND code BETWEEN $1 AND $2")
                .bind(lo)
                .bind(hi),
        )
        .await?;
    Ok(rows.into_iter().map(|(c,)| c).collect())
}

/// Villages inside `within` with their names, in code order (for pickers).
pub async fn villages_in(pool: &Pool, within: &RegionCode) -> Result<Vec<Region>, StoreError> {
    let (lo, hi) = within.padded_range();
    pool.all(
        q("SELECT code, level, name, parent FROM regions WHERE level = 5 AND code BETWEEN $1 AND $2 ORDER BY code")
            .bind(lo)
            .bind(hi),
    )
    .await
}

/// Most codes one query of [`names`] binds (the lists that ask are
/// bounded; larger sets are asked in chunks).
const NAMES_CHUNK: usize = 500;

/// The names of `codes` (those stored), for showing a region by name
/// where a person reads it.
pub async fn names(
    pool: &Pool,
    codes: &[RegionCode],
) -> Result<std::collections::HashMap<String, String>, StoreError> {
    let mut wanted: Vec<&str> = codes.iter().map(RegionCode::as_str).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut out = std::collections::HashMap::with_capacity(wanted.len());
    for chunk in wanted.chunks(NAMES_CHUNK) {
        let marks = (1..=chunk.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut query = q(format!(
            "SELECT code, name FROM regions WHERE code IN ({marks})"
        ));
        for c in chunk {
            query = query.bind(*c);
        }
        let rows: Vec<(String, String)> = pool.all(query).await?;
        out.extend(rows);
    }
    Ok(out)
}
