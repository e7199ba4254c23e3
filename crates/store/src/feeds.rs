//! Department feed batches (部门数据批次): a delivered file's rows, stored
//! with their batch, each matched to the registered person's household or
//! counted as a coverage gap. A batch belongs to the region of the actor
//! who loaded it (a county): loading the same bytes twice in that region
//! is a no-op that says so, and the same evidence row is kept once across
//! the region's batches. Another county loading the same province-wide
//! file gets its own batch, its own people matched, and never hears of
//! the first county's batch.
//!
//! Parsing belongs to the screening crate; this module takes rows already
//! parsed and checked.

use crate::audit::{self, Change};
use crate::db::{Tx, q, values_placeholders};
use crate::users::Actor;
use crate::{Pool, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::{FeedKind, IdNumber, RegionCode};
use serde::Serialize;
use std::collections::HashMap;

/// One parsed feed row to store: the columns queries use (person, village,
/// date) beside the typed row `P` (the screening crate's `FeedRow`), which
/// is sealed whole as its serialization — the codec
/// `screening::decode_payload` reads back.
#[derive(Debug, Clone)]
pub struct NewFeedRow<P> {
    /// Line in the file.
    pub line: usize,
    /// The person (`None` for village-level feeds such as water).
    pub id_number: Option<IdNumber>,
    /// The village, for village-level feeds.
    pub village: Option<RegionCode>,
    /// The day the row is about (settlement, certificate, event …).
    pub event_date: NaiveDate,
    /// The typed row (the evidence a warning shows).
    pub payload: P,
}

/// The stored text of a typed row: its JSON (sealed before it is written).
fn encode_payload<P: Serialize>(line: usize, row: &P) -> Result<String, StoreError> {
    serde_json::to_string(row).map_err(|e| StoreError::Invalid(format!("line {line}: {e}")))
}

/// What loading a batch did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum BatchOutcome {
    /// Stored.
    Loaded(BatchSummary),
    /// These bytes were loaded before; nothing was written.
    AlreadyLoaded {
        /// The earlier batch.
        batch_id: i64,
        /// When it was loaded.
        imported_at: DateTime<Utc>,
    },
}

/// Counts of a stored batch.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BatchSummary {
    /// The batch.
    pub batch_id: i64,
    /// Rows stored.
    pub rows: u64,
    /// Rows matched to a registered person (or an existing village).
    pub matched: u64,
    /// Rows with a valid ID that matches nobody registered in the region:
    /// a coverage gap, not an error.
    pub unknown: u64,
    /// Lines of the unknown rows (the gap list; IDs are not repeated here).
    pub unknown_lines: Vec<usize>,
    /// Rows already stored (same content, this or an earlier batch).
    pub duplicates: u64,
}

/// The batch of `actor`'s region with these bytes, if loaded before.
/// Another region's batch of the same bytes is not found: it is not this
/// region's, and the answer must not tell that it exists.
pub async fn find_batch(
    pool: &Pool,
    actor: &Actor,
    sha256: &str,
) -> Result<Option<(i64, DateTime<Utc>)>, StoreError> {
    pool.opt(batch_by_hash(actor, sha256)).await
}

fn batch_by_hash(actor: &Actor, sha256: &str) -> crate::db::Q {
    q("SELECT id, imported_at FROM feed_batches WHERE region_code = $1 AND sha256 = $2")
        .bind(actor.scope.region.as_str())
        .bind(sha256)
}

/// The batch `actor`'s region loaded under a client's `Idempotency-Key`:
/// (id, bytes' hash, when). Keys are the region's own.
pub async fn find_by_key(
    pool: &Pool,
    actor: &Actor,
    key: &str,
) -> Result<Option<(i64, String, DateTime<Utc>)>, StoreError> {
    pool.opt(
        q("SELECT id, sha256, imported_at FROM feed_batches WHERE region_code = $1 AND idempotency_key = $2")
            .bind(actor.scope.region.as_str())
            .bind(key),
    )
    .await
}

/// Household and village of each registered person among `ids`, within
/// the actor's region.
async fn match_people(
    tx: &mut Tx,
    actor: &Actor,
    ids: &[&str],
) -> Result<HashMap<String, (i64, String)>, StoreError> {
    let (lo, hi) = actor.scope.region.padded_range();
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        // Joined by keyed hash: the stored number may be ciphertext.
        let by_hash: HashMap<String, &str> = chunk
            .iter()
            .map(|id| (tx.data().id_hash(id), *id))
            .collect();
        // (a person may come twice in one chunk: one placeholder per hash)
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

/// Which delivered file a batch is.
#[derive(Debug, Clone, Copy)]
pub struct BatchFile<'a> {
    /// Feed kind.
    pub kind: FeedKind,
    /// File name as delivered.
    pub file_name: &'a str,
    /// SHA-256 of its bytes.
    pub sha256: &'a str,
    /// The client's `Idempotency-Key`, if any.
    pub idempotency_key: Option<&'a str>,
}

/// Stores a parsed batch in one transaction: all rows or none. The
/// grants and stops of the 民政 feed among them (`attach`, empty for other
/// kinds) go on the persons' assistance chains in the same transaction
/// ([`crate::assistance::FeedMeasure`]).
pub async fn load_batch<P: Serialize>(
    pool: &Pool,
    actor: &Actor,
    file: BatchFile<'_>,
    rows: &[NewFeedRow<P>],
    attach: &[crate::assistance::FeedMeasure],
    now: DateTime<Utc>,
) -> Result<BatchOutcome, StoreError> {
    load_batch_with(
        pool,
        actor,
        file,
        rows,
        attach,
        now,
        &crate::jobs::NoProgress,
    )
    .await
}

/// [`load_batch`] reporting the rows stored to `progress` after each
/// chunk and stopping when it asks: a cancelled load returns
/// [`crate::Refusal::JobCancelled`] before the commit, and its
/// transaction rolls back (no batch, no rows, no audit row).
pub async fn load_batch_with<P: Serialize>(
    pool: &Pool,
    actor: &Actor,
    file: BatchFile<'_>,
    rows: &[NewFeedRow<P>],
    attach: &[crate::assistance::FeedMeasure],
    now: DateTime<Utc>,
    progress: &dyn crate::jobs::Progress,
) -> Result<BatchOutcome, StoreError> {
    use crate::jobs::{Phase, check};
    let BatchFile {
        kind,
        file_name,
        sha256,
        idempotency_key,
    } = file;
    if !actor.scope.role.loads_feeds() {
        return Err(StoreError::Forbidden);
    }
    let mut tx = pool.begin().await?;
    // Checked in the writing transaction (SQLite holds the write lock; on
    // PostgreSQL the unique (region, sha256) index settles a race).
    if let Some((batch_id, imported_at)) = tx.opt(batch_by_hash(actor, sha256)).await? {
        return Ok(BatchOutcome::AlreadyLoaded {
            batch_id,
            imported_at,
        });
    }
    let ids: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.id_number.as_ref().map(IdNumber::as_str))
        .collect();
    let people = match_people(&mut tx, actor, &ids).await?;
    let villages = crate::regions::villages_within(pool, &actor.scope.region).await?;
    let (lo, hi) = (
        rows.iter().map(|r| r.event_date).min(),
        rows.iter().map(|r| r.event_date).max(),
    );
    let (batch_id,): (i64,) = tx
        .one(
            q("INSERT INTO feed_batches (kind, sha256, file_name, region_code, rows_total, rows_matched, rows_unknown,
               rows_duplicate, first_date, last_date, imported_by, imported_at, idempotency_key)
               VALUES ($1, $2, $3, $4, 0, 0, 0, 0, $5, $6, $7, $8, $9) RETURNING id")
            .bind(kind.code())
            .bind(sha256)
            .bind(file_name)
            .bind(actor.scope.region.as_str())
            .bind(lo)
            .bind(hi)
            .bind(actor.user_id)
            .bind(now)
            .bind(idempotency_key),
        )
        .await?;
    let mut summary = BatchSummary {
        batch_id,
        rows: 0,
        matched: 0,
        unknown: 0,
        unknown_lines: Vec::new(),
        duplicates: 0,
    };
    let total = rows.len() as u64;
    progress.tick(0, total, Phase::Storing);
    for (n, chunk) in rows.chunks(400).enumerate() {
        check(progress)?;
        insert_rows(
            &mut tx,
            (batch_id, actor.scope.region.as_str()),
            kind,
            chunk,
            &people,
            &villages,
            &mut summary,
        )
        .await?;
        progress.tick(
            ((n * 400 + chunk.len()) as u64).min(total),
            total,
            Phase::Storing,
        );
    }
    crate::assistance::attach_feed(&mut tx, actor, batch_id, attach, &people, now).await?;
    tx.execute(
        q("UPDATE feed_batches SET rows_total = $1, rows_matched = $2, rows_unknown = $3, rows_duplicate = $4 WHERE id = $5")
            .bind(summary.rows as i64)
            .bind(summary.matched as i64)
            .bind(summary.unknown as i64)
            .bind(summary.duplicates as i64)
            .bind(batch_id),
    )
    .await?;
    let after = serde_json::json!({"kind": kind.code(), "file": file_name, "sha256": sha256, "rows": summary.rows,
        "matched": summary.matched, "unknown": summary.unknown, "duplicates": summary.duplicates});
    let change = Change {
        user_id: actor.user_id,
        action: "import",
        entity: "feed_batch",
        entity_id: batch_id.to_string(),
        region: Some(actor.scope.region.to_string()),
        before: None,
        after: Some(after.to_string()),
    };
    audit::record(&mut tx, &[change]).await?;
    // the last chance to stop: after this line the batch is kept
    check(progress)?;
    tx.commit().await?;
    Ok(BatchOutcome::Loaded(summary))
}

/// Stores a chunk of rows of batch `(id, region)`: a row whose content the
/// region stored before (this or an earlier batch of the region) is
/// counted as a duplicate, not stored again.
async fn insert_rows<P: Serialize>(
    tx: &mut Tx,
    (batch_id, region): (i64, &str),
    kind: FeedKind,
    chunk: &[NewFeedRow<P>],
    people: &HashMap<String, (i64, String)>,
    villages: &std::collections::HashSet<String>,
    summary: &mut BatchSummary,
) -> Result<(), StoreError> {
    let payloads: Vec<String> = chunk
        .iter()
        .map(|r| encode_payload(r.line, &r.payload))
        .collect::<Result<_, _>>()?;
    let keys: Vec<String> = payloads
        .iter()
        .map(|p| tx.data().row_key(kind.code(), p))
        .collect();
    let ph: Vec<String> = (2..=keys.len() + 1).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT row_key FROM feed_rows WHERE region_code = $1 AND row_key IN ({})",
        ph.join(",")
    );
    let existing: Vec<(String,)> = tx
        .all(
            keys.iter()
                .fold(q(sql).bind(region), |qq, k| qq.bind(k.as_str())),
        )
        .await?;
    let mut seen: std::collections::HashSet<String> = existing.into_iter().map(|(k,)| k).collect();
    let mut values = Vec::new();
    for ((r, key), payload) in chunk.iter().zip(keys).zip(&payloads) {
        if !seen.insert(key.clone()) {
            summary.duplicates += 1;
            continue;
        }
        let matched = match (&r.id_number, &r.village) {
            (Some(id), _) => people
                .get(id.as_str())
                .map(|(h, v)| (Some(*h), Some(v.clone()))),
            (None, Some(v)) => {
                let v = v.padded12();
                villages.contains(&v).then_some((None, Some(v)))
            }
            (None, None) => None,
        };
        match &matched {
            Some(_) => summary.matched += 1,
            None => {
                summary.unknown += 1;
                summary.unknown_lines.push(r.line);
            }
        }
        // An unmatched row has no village: a village-level row naming a
        // village outside the region is the region's gap, not evidence
        // that another region's screening would read.
        let (household, village) = matched.unwrap_or((None, None));
        values.push((r, payload, key, household, village));
    }
    summary.rows += values.len() as u64;
    if values.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO feed_rows (batch_id, line, kind, id_number, village_code, household_id, event_date, payload, row_key, region_code) VALUES {}",
        values_placeholders(values.len(), 10)
    );
    let mut query = q(sql);
    let data = tx.data();
    for (r, payload, key, household, village) in values {
        query = query
            .bind(batch_id)
            .bind(r.line as i64)
            .bind(kind.code())
            .bind(data.seal_opt(
                "feed_rows.id_number",
                r.id_number.as_ref().map(IdNumber::as_str),
            ))
            .bind(village)
            .bind(household)
            .bind(r.event_date)
            .bind(data.seal("feed_rows.payload", payload))
            .bind(key)
            .bind(region);
    }
    tx.execute(query).await?;
    Ok(())
}

/// A stored batch, for lists.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct Batch {
    /// Id.
    pub id: i64,
    /// Feed kind code.
    pub kind: String,
    /// File name as delivered.
    pub file_name: String,
    /// Rows stored.
    pub rows_total: i64,
    /// Rows matched.
    pub rows_matched: i64,
    /// Coverage gaps.
    pub rows_unknown: i64,
    /// Duplicates skipped.
    pub rows_duplicate: i64,
    /// When.
    pub imported_at: DateTime<Utc>,
}

/// Batches loaded for regions inside the actor's scope, newest first.
pub async fn batches(pool: &Pool, actor: &Actor) -> Result<Vec<Batch>, StoreError> {
    let (lo, hi) = actor.scope.region.padded_range();
    pool.all(
        q("SELECT id, kind, file_name, rows_total, rows_matched, rows_unknown, rows_duplicate, imported_at
           FROM feed_batches WHERE region_code BETWEEN $1 AND $2 OR region_code = $3 ORDER BY id DESC LIMIT 200")
        .bind(lo)
        .bind(hi)
        .bind(actor.scope.region.as_str()),
    )
    .await
}
