//! The audit trail: every change to a household, member, user or (later)
//! case is recorded in the same transaction as the change — who, when,
//! what, before and after — and each record's hash is chained to the
//! previous one, so an edit in place is detectable by [`verify_chain`].

use crate::StoreError;
use crate::db::{Pool, Tx, q};
use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// One change to record.
#[derive(Debug, Clone)]
pub struct Change {
    /// Acting user, `None` for the system (imports run by an operator on
    /// the command line, migrations).
    pub user_id: Option<i64>,
    /// What was done: `create`, `update`, `import`, `login`, …
    pub action: &'static str,
    /// Kind of record: `household`, `user`, …
    pub entity: &'static str,
    /// The record's id.
    pub entity_id: String,
    /// The region the record belongs to (for scoped audit reads).
    pub region: Option<String>,
    /// The record before the change.
    pub before: Option<String>,
    /// The record after the change.
    pub after: Option<String>,
}

/// JSON of a record for the `before`/`after` columns.
pub fn snapshot<T: Serialize>(v: &T) -> Option<String> {
    serde_json::to_string(v).ok()
}

#[derive(sqlx::FromRow)]
struct Head {
    seq: i64,
    last_hash: String,
}

/// The chained hash over a record's fields, in column order.
fn digest(prev: &str, seq: i64, at: &DateTime<Utc>, fields: [&str; 7]) -> String {
    let mut h = Sha256::new();
    for part in [prev, &seq.to_string(), &at.to_rfc3339()]
        .into_iter()
        .chain(fields)
    {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    hex::encode(h.finalize())
}

impl Change {
    fn fields<'a>(&'a self, user: &'a str) -> [&'a str; 7] {
        let (b, a) = (self.before.as_deref(), self.after.as_deref());
        [
            user,
            self.action,
            self.entity,
            &self.entity_id,
            self.region.as_deref().unwrap_or(""),
            b.unwrap_or(""),
            a.unwrap_or(""),
        ]
    }
}

impl AuditRecord {
    fn fields<'a>(&'a self, user: &'a str) -> [&'a str; 7] {
        let (b, a) = (self.before.as_deref(), self.after.as_deref());
        [
            user,
            &self.action,
            &self.entity,
            &self.entity_id,
            self.region_code.as_deref().unwrap_or(""),
            b.unwrap_or(""),
            a.unwrap_or(""),
        ]
    }
}

fn user_str(u: Option<i64>) -> String {
    u.map(|u| u.to_string()).unwrap_or_default()
}

/// Records `changes` in order inside `tx`. The single-row `audit_chain`
/// update serialises concurrent writers on both backends.
pub async fn record(tx: &mut Tx, changes: &[Change]) -> Result<(), StoreError> {
    if changes.is_empty() {
        return Ok(());
    }
    let n = changes.len() as i64;
    let head: Head = tx
        .one(
            q("UPDATE audit_chain SET seq = seq + $1 WHERE id = 1 RETURNING seq, last_hash")
                .bind(n),
        )
        .await?;
    // Both backends keep microseconds; hash what will be read back.
    let at = Utc::now().trunc_subsecs(6);
    let mut prev = head.last_hash;
    let first = head.seq - n + 1;
    for chunk in changes.chunks(400).enumerate() {
        let (ci, rows) = chunk;
        let mut sql = String::from(
            "INSERT INTO audit_log (seq, at, user_id, action, entity, entity_id, region_code, before, after, prev_hash, hash) VALUES ",
        );
        sql.push_str(&crate::db::values_placeholders(rows.len(), 11));
        let mut query = q(sql);
        for (i, c) in rows.iter().enumerate() {
            let seq = first + (ci * 400 + i) as i64;
            let hash = digest(&prev, seq, &at, c.fields(&user_str(c.user_id)));
            query = query
                .bind(seq)
                .bind(at)
                .bind(c.user_id)
                .bind(c.action)
                .bind(c.entity)
                .bind(c.entity_id.as_str())
                .bind(c.region.clone())
                .bind(c.before.clone())
                .bind(c.after.clone())
                .bind(prev.as_str())
                .bind(hash.as_str());
            prev = hash;
        }
        tx.execute(query).await?;
    }
    tx.execute(q("UPDATE audit_chain SET last_hash = $1 WHERE id = 1").bind(prev))
        .await?;
    Ok(())
}

/// One stored audit record.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct AuditRecord {
    /// Position in the chain.
    pub seq: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (user id).
    pub user_id: Option<i64>,
    /// What was done.
    pub action: String,
    /// Kind of record.
    pub entity: String,
    /// Record id.
    pub entity_id: String,
    /// Region of the record.
    pub region_code: Option<String>,
    /// Before (JSON).
    pub before: Option<String>,
    /// After (JSON).
    pub after: Option<String>,
    /// Hash of the previous record.
    pub prev_hash: String,
    /// This record's hash.
    pub hash: String,
}

/// The audit records of one entity, oldest first.
pub async fn history(
    pool: &Pool,
    entity: &str,
    entity_id: &str,
) -> Result<Vec<AuditRecord>, StoreError> {
    pool.all(
        q("SELECT seq, at, user_id, action, entity, entity_id, region_code, before, after, prev_hash, hash
           FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY seq")
        .bind(entity)
        .bind(entity_id),
    )
    .await
}

/// Walks the whole chain; returns the seq of the first record whose hash
/// does not match its content, or `None` when the chain is intact.
pub async fn verify_chain(pool: &Pool) -> Result<Option<i64>, StoreError> {
    let mut after = 0i64;
    let mut prev = String::new();
    loop {
        let rows: Vec<AuditRecord> = pool
            .all(
                q("SELECT seq, at, user_id, action, entity, entity_id, region_code, before, after, prev_hash, hash
                   FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 5000")
                .bind(after),
            )
            .await?;
        if rows.is_empty() {
            return Ok(None);
        }
        for r in &rows {
            if r.prev_hash != prev
                || digest(&prev, r.seq, &r.at, r.fields(&user_str(r.user_id))) != r.hash
            {
                return Ok(Some(r.seq));
            }
            prev = r.hash.clone();
            after = r.seq;
        }
    }
}
