//! 乡村振兴重点帮扶县: the lists of key assistance counties (national and
//! each province's own) as data (migration 0019). A list is identified by
//! its level and year; loading a list again makes the file the list: its
//! counties are on it (added on the day of the load, or kept), the
//! counties of that list missing from the file leave it (their removed day
//! is set, the row stays — the list is adjusted, not rewritten). Checking
//! the file (codes against the division table, levels, years) belongs to
//! the application layer (`dixian_app::key_counties`).

use crate::audit::{self, Change};
use crate::db::q;
use crate::{Pool, StoreError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Which list: the national one (国家乡村振兴重点帮扶县) or a province's
/// own (省级乡村振兴重点帮扶县).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum KeyLevel {
    /// 国家乡村振兴重点帮扶县.
    National,
    /// 省级乡村振兴重点帮扶县.
    Provincial,
}

impl KeyLevel {
    /// Both lists.
    pub const ALL: [KeyLevel; 2] = [KeyLevel::National, KeyLevel::Provincial];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            KeyLevel::National => "national",
            KeyLevel::Provincial => "provincial",
        }
    }

    /// The code, the Chinese name or its short forms.
    pub fn parse(s: &str) -> Option<KeyLevel> {
        match s.trim() {
            "national" | "国家" | "国家级" | "国家乡村振兴重点帮扶县" => {
                Some(KeyLevel::National)
            }
            "provincial" | "省" | "省级" | "省级乡村振兴重点帮扶县" => {
                Some(KeyLevel::Provincial)
            }
            _ => None,
        }
    }

    /// 中文.
    pub fn label_zh(self) -> &'static str {
        match self {
            KeyLevel::National => "国家乡村振兴重点帮扶县",
            KeyLevel::Provincial => "省级乡村振兴重点帮扶县",
        }
    }

    /// English.
    pub fn label_en(self) -> &'static str {
        match self {
            KeyLevel::National => "national key assistance county",
            KeyLevel::Provincial => "provincial key assistance county",
        }
    }
}

/// One county on one list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct KeyCounty {
    /// 6-digit county code.
    pub county_code: String,
    /// The county's name (from the division table).
    pub name: String,
    /// Which list.
    pub level: KeyLevel,
    /// The list's year.
    pub list_year: i64,
    /// The file (or shipped list) it came from.
    pub source: String,
    /// On the list since.
    pub added_on: NaiveDate,
    /// Off the list since (`None`: on it).
    pub removed_on: Option<NaiveDate>,
}

#[derive(sqlx::FromRow)]
struct Row {
    county_code: String,
    name: Option<String>,
    level: String,
    list_year: i64,
    source: String,
    added_on: NaiveDate,
    removed_on: Option<NaiveDate>,
}

/// A county of a list being loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKeyCounty {
    /// 6-digit county code (checked by the caller).
    pub county_code: String,
    /// Which list.
    pub level: KeyLevel,
    /// The list's year.
    pub list_year: i64,
}

/// What loading lists did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Loaded {
    /// Counties put on a list (new, or back on it).
    pub added: u64,
    /// Counties already on their list.
    pub kept: u64,
    /// Counties of the loaded lists missing from the file: taken off.
    pub removed: u64,
}

/// Every county of every list (those taken off included), by code.
pub async fn all(pool: &Pool) -> Result<Vec<KeyCounty>, StoreError> {
    let rows: Vec<Row> = pool
        .all(q(
            "SELECT k.county_code, r.name, k.level, k.list_year, k.source, k.added_on, k.removed_on
               FROM key_counties k LEFT JOIN regions r ON r.code = k.county_code
              ORDER BY k.county_code, k.level, k.list_year",
        ))
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(KeyCounty {
                level: KeyLevel::parse(&r.level)?,
                name: r.name.unwrap_or_default(),
                county_code: r.county_code,
                list_year: r.list_year,
                source: r.source,
                added_on: r.added_on,
                removed_on: r.removed_on,
            })
        })
        .collect())
}

/// The counties on a list now, one entry per county (the national list
/// before a province's when a county is on both), by code.
pub async fn current(pool: &Pool) -> Result<BTreeMap<String, KeyCounty>, StoreError> {
    let mut out: BTreeMap<String, KeyCounty> = BTreeMap::new();
    for k in all(pool).await? {
        if k.removed_on.is_some() {
            continue;
        }
        match out.get(&k.county_code) {
            Some(have) if (have.level, -have.list_year) <= (k.level, -k.list_year) => {}
            _ => {
                out.insert(k.county_code.clone(), k);
            }
        }
    }
    Ok(out)
}

/// Loads lists, all or nothing, in one write transaction: for each
/// (level, year) the file holds, the file's counties are the list.
/// `user_id` is recorded in the audit trail (`None`: the command line).
pub async fn load(
    pool: &Pool,
    user_id: Option<i64>,
    counties: &[NewKeyCounty],
    source: &str,
    today: NaiveDate,
) -> Result<Loaded, StoreError> {
    let mut lists: BTreeMap<(KeyLevel, i64), BTreeSet<&str>> = BTreeMap::new();
    for c in counties {
        lists
            .entry((c.level, c.list_year))
            .or_default()
            .insert(c.county_code.as_str());
    }
    let mut tx = pool.begin_write().await?;
    let mut done = Loaded::default();
    for ((level, year), codes) in &lists {
        let have: Vec<(String, Option<NaiveDate>)> = tx
            .all(
                q("SELECT county_code, removed_on FROM key_counties WHERE level = $1 AND list_year = $2")
                    .bind(level.code())
                    .bind(*year),
            )
            .await?;
        let have: BTreeMap<String, Option<NaiveDate>> = have.into_iter().collect();
        for code in codes {
            match have.get(*code) {
                Some(None) => done.kept += 1,
                Some(Some(_)) => {
                    tx.execute(
                        q(
                            "UPDATE key_counties SET removed_on = NULL, added_on = $1, source = $2
                            WHERE county_code = $3 AND level = $4 AND list_year = $5",
                        )
                        .bind(today)
                        .bind(source)
                        .bind(*code)
                        .bind(level.code())
                        .bind(*year),
                    )
                    .await?;
                    done.added += 1;
                }
                None => {
                    tx.execute(
                        q("INSERT INTO key_counties (county_code, level, list_year, source, added_on)
                           VALUES ($1, $2, $3, $4, $5)")
                        .bind(*code)
                        .bind(level.code())
                        .bind(*year)
                        .bind(source)
                        .bind(today),
                    )
                    .await?;
                    done.added += 1;
                }
            }
        }
        for (code, removed) in &have {
            if removed.is_none() && !codes.contains(code.as_str()) {
                tx.execute(
                    q("UPDATE key_counties SET removed_on = $1
                        WHERE county_code = $2 AND level = $3 AND list_year = $4")
                    .bind(today)
                    .bind(code.as_str())
                    .bind(level.code())
                    .bind(*year),
                )
                .await?;
                done.removed += 1;
            }
        }
        let after = serde_json::json!({"level": level.code(), "year": year, "source": source,
            "counties": codes.len()});
        audit::record(
            &mut tx,
            &[Change {
                user_id,
                action: "import",
                entity: "key_county_list",
                entity_id: format!("{}-{year}", level.code()),
                region: None,
                before: Some(
                    serde_json::json!({"counties": have.values().filter(|r| r.is_none()).count()})
                        .to_string(),
                ),
                after: Some(after.to_string()),
            }],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(done)
}
