//! A department's or bank's measure list (a small-loan ledger, a
//! public-welfare-job roster, 雨露计划 payments) stored as one batch of
//! the loading actor's region (county): all rows or none, the same bytes
//! twice a no-op, persons matched by the keyed hash of their ID number,
//! unknown persons counted (a coverage gap, not an error). Reading the
//! file and checking its rows against the catalogue is the application
//! layer's work; this module takes rows already checked.

use super::measures::{check_shape, insert_measure};
use crate::StoreError;
use crate::audit::{self, Change};
use crate::db::{Pool, Tx, q};
use crate::users::Actor;
use chrono::{DateTime, Utc};
use dixian_domain::IdNumber;
use dixian_domain::assistance::{Department, Measure, MeasureKind, MeasureSource};
use serde::Serialize;
use std::collections::HashMap;

/// One checked row of a list: its line, the ID number the row names and
/// the measure.
#[derive(Debug, Clone)]
pub struct NewListMeasure {
    /// Line in the file.
    pub line: usize,
    /// The row's ID number: the household is the one this person is
    /// registered in.
    pub row_person: IdNumber,
    /// The measure: `person` is `row_person` for a measure of a person,
    /// `None` for a measure of the household (危房改造, 饮水 …: the row
    /// names the applicant).
    pub measure: Measure,
}

/// Which file a batch is.
#[derive(Debug, Clone, Copy)]
pub struct ListFile<'a> {
    /// File name as delivered.
    pub file_name: &'a str,
    /// SHA-256 of its bytes.
    pub sha256: &'a str,
    /// The department the whole list comes from, when given.
    pub department: Option<Department>,
    /// The kind of the whole list, when given.
    pub kind: Option<MeasureKind>,
}

/// Counts of a stored list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ListBatchSummary {
    /// The batch.
    pub batch_id: i64,
    /// Rows of the file.
    pub rows: u64,
    /// Rows matched to a registered person: measures stored.
    pub matched: u64,
    /// Rows whose person is registered nowhere in the region (not
    /// stored; a coverage gap, not an error).
    pub unknown: u64,
    /// Lines of the unknown rows (the ID numbers are not repeated).
    pub unknown_lines: Vec<usize>,
}

/// What loading a list did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ListBatchOutcome {
    /// Stored.
    Loaded(ListBatchSummary),
    /// These bytes were loaded before; nothing was written.
    AlreadyLoaded {
        /// The earlier batch.
        batch_id: i64,
        /// When it was loaded.
        imported_at: DateTime<Utc>,
    },
}

fn by_hash(actor: &Actor, sha256: &str) -> crate::db::Q {
    q("SELECT id, imported_at FROM measure_batches WHERE region_code = $1 AND sha256 = $2")
        .bind(actor.scope.region.as_str())
        .bind(sha256)
}

/// The list batch of the actor's region with these bytes, if loaded
/// before (another region's is not found).
pub async fn find_list_batch(
    pool: &Pool,
    actor: &Actor,
    sha256: &str,
) -> Result<Option<(i64, DateTime<Utc>)>, StoreError> {
    pool.opt(by_hash(actor, sha256)).await
}

/// The household id and village of each registered person among `ids`
/// inside the actor's region, keyed by ID number.
pub async fn match_persons(
    pool: &Pool,
    actor: &Actor,
    ids: &[&str],
) -> Result<HashMap<String, (i64, String)>, StoreError> {
    if !actor.scope.role.reads_households() && !actor.scope.role.loads_feeds() {
        return Err(StoreError::Forbidden);
    }
    let mut tx = pool.begin_snapshot().await?;
    let out = match_in(&mut tx, actor, ids).await?;
    tx.rollback().await?;
    Ok(out)
}

async fn match_in(
    tx: &mut Tx,
    actor: &Actor,
    ids: &[&str],
) -> Result<HashMap<String, (i64, String)>, StoreError> {
    let (lo, hi) = actor.scope.region.padded_range();
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let by_hash: HashMap<String, &str> = chunk
            .iter()
            .map(|id| (tx.data().id_hash(id), *id))
            .collect();
        let ph: Vec<String> = (0..by_hash.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "SELECT m.id_hash, h.id, h.village_code FROM members m JOIN households h ON h.id = m.household_id
             WHERE h.village_code BETWEEN $1 AND $2 AND m.id_hash IN ({})",
            ph.join(",")
        );
        let query = by_hash
            .keys()
            .fold(q(sql).bind(lo.as_str()).bind(hi.as_str()), |qq, h| {
                qq.bind(h.as_str())
            });
        let rows: Vec<(String, i64, String)> = tx.all(query).await?;
        out.extend(rows.into_iter().filter_map(|(hash, h, v)| {
            by_hash
                .get(hash.as_str())
                .map(|id| (id.to_string(), (h, v)))
        }));
    }
    Ok(out)
}

/// Stores a checked list as one batch in one transaction: each row whose
/// person is registered in the region becomes a measure of their
/// household (source `list`, evidence the row's voucher, batch and line);
/// the others are counted as unknown. The same bytes loaded before in the
/// region change nothing and say so.
pub async fn load_measure_list(
    pool: &Pool,
    actor: &Actor,
    file: ListFile<'_>,
    rows: &[NewListMeasure],
    now: DateTime<Utc>,
) -> Result<ListBatchOutcome, StoreError> {
    if !actor.scope.role.loads_feeds() {
        return Err(StoreError::Forbidden);
    }
    for r in rows {
        check_shape(&r.measure).map_err(|e| match e {
            StoreError::Refused(crate::Refusal::InvalidField { field, reason }) => {
                super::invalid(format!("line {}: {field}", r.line), reason)
            }
            other => other,
        })?;
    }
    let mut tx = pool.begin().await?;
    // Checked in the writing transaction (SQLite holds the write lock; on
    // PostgreSQL the unique (region, sha256) index settles a race).
    if let Some((batch_id, imported_at)) = tx.opt(by_hash(actor, file.sha256)).await? {
        return Ok(ListBatchOutcome::AlreadyLoaded {
            batch_id,
            imported_at,
        });
    }
    let ids: Vec<&str> = rows.iter().map(|r| r.row_person.as_str()).collect();
    let people = match_in(&mut tx, actor, &ids).await?;
    let (batch_id,): (i64,) = tx
        .one(
            q("INSERT INTO measure_batches (region_code, sha256, file_name, department, kind, rows_total, rows_matched,
               rows_unknown, imported_by, imported_at) VALUES ($1, $2, $3, $4, $5, 0, 0, 0, $6, $7) RETURNING id")
            .bind(actor.scope.region.as_str())
            .bind(file.sha256)
            .bind(file.file_name)
            .bind(file.department.map(Department::code))
            .bind(file.kind.map(MeasureKind::code))
            .bind(actor.user_id)
            .bind(now),
        )
        .await?;
    let mut summary = ListBatchSummary {
        batch_id,
        rows: rows.len() as u64,
        matched: 0,
        unknown: 0,
        unknown_lines: Vec::new(),
    };
    for r in rows {
        let matched = people.get(r.row_person.as_str());
        let Some((household, village)) = matched else {
            summary.unknown += 1;
            summary.unknown_lines.push(r.line);
            continue;
        };
        let mut m = r.measure.clone();
        m.source = MeasureSource::List;
        let query = insert_measure(
            &tx,
            (*household, village),
            &m,
            Some((batch_id, r.line as i64)),
            actor,
            now,
        );
        tx.one::<(i64,)>(query).await?;
        summary.matched += 1;
    }
    tx.execute(
        q("UPDATE measure_batches SET rows_total = $1, rows_matched = $2, rows_unknown = $3 WHERE id = $4")
            .bind(summary.rows as i64)
            .bind(summary.matched as i64)
            .bind(summary.unknown as i64)
            .bind(batch_id),
    )
    .await?;
    let after = serde_json::json!({"file": file.file_name, "sha256": file.sha256,
        "department": file.department.map(Department::code), "kind": file.kind.map(MeasureKind::code),
        "rows": summary.rows, "matched": summary.matched, "unknown": summary.unknown});
    audit::record(
        &mut tx,
        &[Change {
            user_id: actor.user_id,
            action: "import",
            entity: "measure_batch",
            entity_id: batch_id.to_string(),
            region: Some(actor.scope.region.to_string()),
            before: None,
            after: Some(after.to_string()),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(ListBatchOutcome::Loaded(summary))
}
