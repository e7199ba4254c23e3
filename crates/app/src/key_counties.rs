//! 乡村振兴重点帮扶县: loading and listing the lists of key assistance
//! counties (`dixian key-counties import FILE`, `… list`). A list file is
//! CSV (UTF-8 or GB18030) or XLSX with the columns code, level, year (and
//! optionally name, checked against the division table). The whole file
//! is checked first — every county code must be a county (6 digits) of the
//! division table, every level national/provincial (国家/省级), every year
//! a year — and every bad line is reported with its line number; only a
//! clean file is stored, in one transaction (`store::key_counties::load`:
//! for each level and year in the file, the file is the list).
//!
//! The repository ships part of the 2021 national list for Guizhou
//! ([`SHIPPED`], rules/key-counties/): the demo loads it; an office loads
//! the official list with the command.

use crate::AppError;
use chrono::NaiveDate;
use dixian_domain::{RegionCode, RegionLevel};
use dixian_store::key_counties::{self, KeyCounty, KeyLevel, Loaded, NewKeyCounty};
use dixian_store::{Store, StoreError, regions};
use dixian_tabular::{ColumnSpec, HeaderMap, TableReader};

/// The shipped list: (file name, CSV text).
pub const SHIPPED: (&str, &str) = (
    "rules/key-counties/guizhou-national-2021.csv",
    include_str!("../../../rules/key-counties/guizhou-national-2021.csv"),
);

/// Lines a list file may hold (the national list has 160 counties; every
/// province's own lists together stay far below this).
pub const MAX_LINES: usize = 5_000;

/// Errors reported at most (the rest are counted).
const MAX_ERRORS: usize = 50;

const fn col(
    key: &'static str,
    zh: &'static str,
    required: bool,
    aliases: &'static [&'static str],
) -> ColumnSpec {
    ColumnSpec {
        key,
        zh,
        en: key,
        required,
        aliases,
    }
}

/// The columns of a list file.
pub const COLUMNS: &[ColumnSpec] = &[
    col(
        "code",
        "区划代码",
        true,
        &["县代码", "县级代码", "代码", "行政区划代码", "county_code"],
    ),
    col(
        "name",
        "名称",
        false,
        &["县名", "县名称", "县（市、区）", "区划名称"],
    ),
    col("level", "级别", true, &["类别", "层级", "重点县级别"]),
    col(
        "year",
        "年份",
        true,
        &["名单年份", "批次", "年度", "list_year"],
    ),
];

/// Reads and checks a list file (already opened): every line's problem,
/// each with its line, or the counties.
pub async fn check(store: &Store, reader: TableReader) -> Result<Vec<NewKeyCounty>, AppError> {
    let map = HeaderMap::resolve(reader.headers(), COLUMNS)
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    let mut errors: Vec<String> = Vec::new();
    let mut more = 0usize;
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut lines = 0usize;
    let mut push = |errors: &mut Vec<String>, line: usize, msg: String| {
        if errors.len() < MAX_ERRORS {
            errors.push(format!("line {line} (第{line}行): {msg}"));
        } else {
            more += 1;
        }
    };
    for rec in reader {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => return Err(StoreError::Invalid(e.to_string()).into()),
        };
        lines += 1;
        if lines > MAX_LINES {
            return Err(StoreError::Invalid(format!(
                "the file has more than {MAX_LINES} lines (文件超过{MAX_LINES}行)"
            ))
            .into());
        }
        let line = rec.line;
        let code = map.get(&rec, "code").unwrap_or("");
        let county = match RegionCode::parse(code) {
            Ok(c) if c.level() == RegionLevel::County => match regions::get(&store.pool, &c).await?
            {
                Some(r) => Some((c, r)),
                None => {
                    push(
                        &mut errors,
                        line,
                        "code: not in the division table (区划代码不在区划表中)".into(),
                    );
                    None
                }
            },
            _ => {
                push(
                    &mut errors,
                    line,
                    "code: a 6-digit county code is required (区划代码应为6位县级代码)".into(),
                );
                None
            }
        };
        if let (Some((_, r)), Some(name)) = (&county, map.get(&rec, "name"))
            && name != r.name
        {
            push(
                &mut errors,
                line,
                format!(
                    "name: the division table names this code {} (名称与区划表不符)",
                    r.name
                ),
            );
        }
        let level = map.get(&rec, "level").and_then(KeyLevel::parse);
        if level.is_none() {
            push(
                &mut errors,
                line,
                "level: national or provincial (级别应为国家或省级)".into(),
            );
        }
        let year = map
            .get(&rec, "year")
            .and_then(|y| y.trim_end_matches('年').parse::<i64>().ok())
            .filter(|y| (2000..=2100).contains(y));
        if year.is_none() {
            push(
                &mut errors,
                line,
                "year: a year such as 2021 (年份应为如2021的年份)".into(),
            );
        }
        if let (Some((c, _)), Some(level), Some(year)) = (county, level, year) {
            if !seen.insert((c.to_string(), level, year)) {
                push(
                    &mut errors,
                    line,
                    "code: listed twice for this level and year (同一名单中重复)".into(),
                );
                continue;
            }
            out.push(NewKeyCounty {
                county_code: c.to_string(),
                level,
                list_year: year,
            });
        }
    }
    if more > 0 {
        errors.push(format!("… and {more} more (另有{more}处错误)"));
    }
    if !errors.is_empty() {
        return Err(StoreError::Invalid(format!(
            "nothing was stored (未导入任何数据):\n{}",
            errors.join("\n")
        ))
        .into());
    }
    if out.is_empty() {
        return Err(StoreError::Invalid("the file lists no county (文件中没有县)".into()).into());
    }
    Ok(out)
}

/// Checks the file's bytes and, when clean, stores its lists. `source`
/// names the file in the list; `user_id` goes to the audit trail.
pub async fn import_bytes(
    store: &Store,
    user_id: Option<i64>,
    bytes: Vec<u8>,
    source: &str,
    today: NaiveDate,
) -> Result<Loaded, AppError> {
    let reader = TableReader::from_bytes(bytes).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let counties = check(store, reader).await?;
    Ok(key_counties::load(&store.pool, user_id, &counties, source, today).await?)
}

/// Loads the shipped list ([`SHIPPED`]) for the counties the deployment's
/// division table holds (the demo holds one county of it, 520526); `None`
/// when it holds none of them. The file itself is checked whole by the
/// tests (every code and name against the division files).
pub async fn load_shipped(store: &Store, today: NaiveDate) -> Result<Option<Loaded>, AppError> {
    let mut kept = Vec::new();
    for (i, line) in SHIPPED.1.lines().enumerate() {
        let code = line.split(',').next().unwrap_or("");
        let held = match RegionCode::parse(code) {
            Ok(c) if i > 0 => regions::get(&store.pool, &c).await?.is_some(),
            _ => i == 0,
        };
        if held {
            kept.push(line);
        }
    }
    if kept.len() < 2 {
        return Ok(None);
    }
    let text = kept.join("\n");
    import_bytes(store, None, text.into_bytes(), SHIPPED.0, today)
        .await
        .map(Some)
}

/// Every county of every list, those taken off included.
pub async fn list(store: &Store) -> Result<Vec<KeyCounty>, AppError> {
    Ok(key_counties::all(&store.pool).await?)
}
