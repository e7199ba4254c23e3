//! The data exchange with other systems (docs/exchange.md): the pages a
//! partner fetches — households, warnings, measures of a region changed
//! since a moment, a page at a time by keyset — and the registration of a
//! partner's new households in one transaction with the package's audit
//! row. Measures received go through the 民政 feed's path
//! (`feeds::load_batch`), which is all or nothing and idempotent on its own.

use crate::StoreError;
use crate::assistance::{MEASURE_COLS, MeasureRow, StoredMeasure};
use crate::audit::Change;
use crate::db::{Arg, Pool, q};
use crate::households::{Importer, StoredHousehold, effective_region, get};
use crate::registry_file::RowProblem;
use crate::users::Actor;
use crate::warnings::{ROW_COLS, ROW_FROM, WarningRow, opened};
use chrono::{DateTime, Utc};
use dixian_domain::{Household, RegionCode};
use std::collections::HashMap;

/// Most records one page holds.
pub const MAX_PAGE: i64 = 1_000;

/// Which page of a region's records: those changed at or after `since`,
/// after the key `after` (the last key of the previous page), at most
/// `limit` (clamped to 1..=[`MAX_PAGE`]).
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    /// Changed at or after.
    pub since: Option<DateTime<Utc>>,
    /// The last key of the previous page.
    pub after: Option<String>,
    /// Rows wanted.
    pub limit: Option<i64>,
}

impl PageRequest {
    /// The page size asked for, clamped to 1..=[`MAX_PAGE`] (200 when not given).
    pub fn limit(&self) -> i64 {
        self.limit.unwrap_or(200).clamp(1, MAX_PAGE)
    }
}

/// The region a partner asked for, as far as it lies inside its scope (a
/// region above the scope means the scope, as everywhere); a region apart
/// from it reads as absent (out of scope is not told apart from unknown).
pub fn region_in_scope(actor: &Actor, region: &RegionCode) -> Result<RegionCode, StoreError> {
    effective_region(actor, Some(region.as_str()))?.ok_or(StoreError::NotFound)
}

fn page_of(conds: &[String], order: &str, limit: i64) -> String {
    format!(
        " WHERE {} ORDER BY {order} LIMIT {limit}",
        conds.join(" AND ")
    )
}

/// The households of `region` changed since `page.since`, by number.
pub async fn households(
    pool: &Pool,
    actor: &Actor,
    region: &RegionCode,
    page: &PageRequest,
) -> Result<Vec<StoredHousehold>, StoreError> {
    let region = region_in_scope(actor, region)?;
    let (lo, hi) = region.padded_range();
    let mut args: Vec<Arg> = vec![lo.into(), hi.into()];
    let mut conds = vec!["village_code BETWEEN $1 AND $2".to_string()];
    if let Some(since) = page.since {
        args.push(since.into());
        conds.push(format!("updated_at >= ${}", args.len()));
    }
    if let Some(after) = page.after.as_deref() {
        args.push(after.to_string().into());
        conds.push(format!("number > ${}", args.len()));
    }
    let sql = format!(
        "SELECT id FROM households{}",
        page_of(&conds, "number", page.limit())
    );
    let ids: Vec<(i64,)> = pool
        .all(args.into_iter().fold(q(sql), |qq, a| qq.bind(a)))
        .await?;
    let mut out = Vec::with_capacity(ids.len());
    for (id,) in ids {
        out.push(get(pool, actor, id).await?);
    }
    Ok(out)
}

/// A measure as exchanged: the stored measure, its household and the
/// name of its person (the partner's records name people).
#[derive(Debug, Clone)]
pub struct ExchangedMeasure {
    /// The village.
    pub village_code: String,
    /// The household's number.
    pub household_number: String,
    /// The person's name, when the measure names a registered person.
    pub person_name: Option<String>,
    /// The measure.
    pub stored: StoredMeasure,
}

#[derive(sqlx::FromRow)]
struct MeasureLine {
    village_code: String,
    household_number: String,
    person_name: Option<String>,
    #[sqlx(flatten)]
    m: MeasureRow,
}

/// The measures of `region` changed since `page.since`, by id.
pub async fn measures(
    pool: &Pool,
    actor: &Actor,
    region: &RegionCode,
    page: &PageRequest,
) -> Result<Vec<ExchangedMeasure>, StoreError> {
    let region = region_in_scope(actor, region)?;
    let (lo, hi) = region.padded_range();
    let mut args: Vec<Arg> = vec![lo.into(), hi.into()];
    let mut conds = vec!["m.village_code BETWEEN $1 AND $2".to_string()];
    if let Some(since) = page.since {
        args.push(since.into());
        conds.push(format!("m.updated_at >= ${}", args.len()));
    }
    if let Some(after) = page.after.as_deref() {
        args.push(key_id(after)?.into());
        conds.push(format!("m.id > ${}", args.len()));
    }
    let sql = format!(
        "SELECT m.village_code, h.number AS household_number, p.name AS person_name, {MEASURE_COLS}
         FROM measures m JOIN households h ON h.id = m.household_id
         LEFT JOIN members p ON p.id_hash = m.person_hash{}",
        page_of(&conds, "m.id", page.limit())
    );
    let rows: Vec<MeasureLine> = pool
        .all(args.into_iter().fold(q(sql), |qq, a| qq.bind(a)))
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(ExchangedMeasure {
                village_code: r.village_code,
                household_number: r.household_number,
                person_name: r.person_name,
                stored: r.m.into_stored(pool.data())?,
            })
        })
        .collect()
}

/// The warnings of `region` raised or resolved since `page.since`, by id.
pub async fn warnings(
    pool: &Pool,
    actor: &Actor,
    region: &RegionCode,
    page: &PageRequest,
) -> Result<Vec<WarningRow>, StoreError> {
    let region = region_in_scope(actor, region)?;
    let (lo, hi) = region.padded_range();
    let mut args: Vec<Arg> = vec![lo.into(), hi.into()];
    let mut conds = vec!["h.village_code BETWEEN $1 AND $2".to_string()];
    if let Some(since) = page.since {
        args.push(since.into());
        conds.push(format!(
            "COALESCE(w.resolved_at, w.raised_at) >= ${}",
            args.len()
        ));
    }
    if let Some(after) = page.after.as_deref() {
        args.push(key_id(after)?.into());
        conds.push(format!("w.id > ${}", args.len()));
    }
    let sql = format!(
        "{ROW_COLS} {ROW_FROM}{}",
        page_of(&conds, "w.id", page.limit())
    );
    let rows = pool
        .all(args.into_iter().fold(q(sql), |qq, a| qq.bind(a)))
        .await?;
    opened(pool.data(), rows)
}

/// A numeric page key.
fn key_id(after: &str) -> Result<i64, StoreError> {
    after.trim().parse().map_err(|_| {
        StoreError::Invalid("after: not a key of this record type (翻页键无效)".into())
    })
}

/// What registering a package's households did.
#[derive(Debug, Default)]
pub struct HouseholdsReceived {
    /// Households and persons registered (zero when anything was wrong).
    pub registered: (u64, u64),
    /// Households stored already with the same content: unchanged.
    pub unchanged: u64,
    /// The problems, by record (`line` = the record's number in the
    /// package, from 1); nothing was written when there is any.
    pub problems: Vec<RowProblem>,
}

/// Registers the package's households (`records`: record number, household
/// with its category cleared) for `actor`: a household stored already with
/// the same content is unchanged; one whose number or person is stored with
/// other content is a problem (changes go through the registry's own
/// forms); the rest are registered with the package's audit row
/// (`package`, written in the same transaction) — all or nothing.
pub async fn receive_households(
    pool: &Pool,
    actor: &Actor,
    records: Vec<(usize, Household)>,
    package: Change,
) -> Result<HouseholdsReceived, StoreError> {
    let mut out = HouseholdsReceived::default();
    let numbers: Vec<&str> = records.iter().map(|(_, h)| h.number.as_str()).collect();
    let stored = stored_by_number(pool, actor, &numbers).await?;
    let mut fresh = Vec::new();
    for (line, h) in records {
        match stored.get(&h.number) {
            Some(Some(s)) if *s == h => out.unchanged += 1,
            Some(_) => out.problems.push(RowProblem {
                line,
                column: None,
                field: Some("number".into()),
                reason: format!(
                    "household {} is registered already with other content: changes go through the registry (该户已登记且内容不同，请在登记模块修改)",
                    h.number
                ),
            }),
            None => fresh.push((line, h)),
        }
    }
    if !out.problems.is_empty() || fresh.is_empty() {
        // nothing new: nothing written, no audit row (the answer says so)
        return Ok(out);
    }
    let mut importer = Importer::begin(pool, actor).await?;
    let lines: Vec<usize> = fresh.iter().map(|(l, _)| *l).collect();
    for (_, h) in fresh {
        importer.add(h).await?;
    }
    importer.audit(&[package]).await?;
    let (issues, written) = importer.finish(true).await?;
    out.problems = issues
        .into_iter()
        .map(|i| RowProblem {
            line: lines.get(i.household).copied().unwrap_or(0),
            column: None,
            field: Some(i.field.to_string()).filter(|f| !f.is_empty()),
            reason: i.reason,
        })
        .collect();
    out.registered = written;
    Ok(out)
}

/// The stored households among `numbers`: `Some(record)` when inside the
/// actor's scope, `None` when registered outside it (not shown).
async fn stored_by_number(
    pool: &Pool,
    actor: &Actor,
    numbers: &[&str],
) -> Result<HashMap<String, Option<Household>>, StoreError> {
    let mut out = HashMap::new();
    let (lo, hi) = actor.scope.region.padded_range();
    for chunk in numbers.chunks(500) {
        let ph: Vec<String> = (3..chunk.len() + 3).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, number, CASE WHEN village_code BETWEEN $1 AND $2 THEN 1 ELSE 0 END FROM households WHERE number IN ({})",
            ph.join(",")
        );
        let rows: Vec<(i64, String, i32)> = pool
            .all(
                chunk
                    .iter()
                    .fold(q(sql).bind(lo.as_str()).bind(hi.as_str()), |qq, n| {
                        qq.bind(*n)
                    }),
            )
            .await?;
        for (id, number, inside) in rows {
            let h = if inside == 1 {
                let mut h = get(pool, actor, id).await?.household;
                h.category = None;
                Some(h)
            } else {
                None
            };
            out.insert(number, h);
        }
    }
    Ok(out)
}

/// Writes one audit row on its own (an export page: what was sent, never
/// the records).
pub async fn audit(pool: &Pool, change: Change) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    crate::audit::record(&mut tx, &[change]).await?;
    tx.commit().await
}
