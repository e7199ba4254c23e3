//! The audit trail: every change to a household, member, user or case is
//! recorded in the same transaction as the change — who, when, what,
//! before and after — and each record's hash is chained to the previous
//! one; the `audit_chain` row holds the head (seq, hash).
//!
//! Hashes are HMAC-SHA256 with the pool's [`AuditKey`] (a file outside
//! the database), or plain SHA-256 when no key is configured and for the
//! rows written before the chain was keyed: each row names the key it was
//! hashed with (`key_id`, NULL for plain), so old rows verify unchanged.
//! Once a chain is keyed, writers without that key are refused.
//! [`verify`] walks the chain against the head; [`anchor`] keeps heads
//! outside the database to catch a rollback.

pub mod anchor;
mod key;
mod verify;

pub use key::{AuditKey, open_or_create_key};
pub use verify::{ChainReport, Problem, verify, verify_chain, verify_in};

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
    key_id: Option<String>,
}

/// The chained hash over a record's fields, in column order: HMAC-SHA256
/// with `key`, which tells an absent value from an empty one; or, without
/// a key, the original plain SHA-256 (parts joined by 0x1f, absent as
/// empty), which the records written before keying carry.
fn digest(
    key: Option<&AuditKey>,
    prev: &str,
    seq: i64,
    at: &DateTime<Utc>,
    fields: [Option<&str>; 7],
) -> String {
    let (seq, at) = (seq.to_string(), at.to_rfc3339());
    let parts = [Some(prev), Some(seq.as_str()), Some(at.as_str())]
        .into_iter()
        .chain(fields);
    match key {
        Some(k) => k.mac(&parts.map(|p| p.map(str::as_bytes)).collect::<Vec<_>>()),
        None => {
            let mut h = Sha256::new();
            for part in parts {
                h.update(part.unwrap_or("").as_bytes());
                h.update([0x1f]);
            }
            hex::encode(h.finalize())
        }
    }
}

/// Whether a writer holding `key` may append at `first` to the chain
/// whose head is `head`: a keyed chain takes rows of its own key only,
/// and a key starts chaining exactly where its file says it does.
fn may_append(head: &Head, key: Option<&AuditKey>, first: i64) -> Result<(), StoreError> {
    match (&head.key_id, key) {
        (None, None) => Ok(()),
        (Some(k), None) => Err(StoreError::Integrity(format!(
            "the audit chain is keyed (key {k}); configure its key file (--audit-key-file or \
             DIXIAN_AUDIT_KEY_FILE) to write (审计链已加密钥，请配置密钥文件)"
        ))),
        (Some(k), Some(key)) if k != key.id() => Err(StoreError::Integrity(format!(
            "the audit chain is keyed with key {k}, not with the configured key {} \
             (审计链密钥与配置的密钥不符)",
            key.id()
        ))),
        (Some(_), Some(_)) => Ok(()),
        (None, Some(key)) if key.keyed_from() != first => Err(StoreError::Integrity(format!(
            "the audit key {} starts the chain at record {}, but the chain is at {first}: \
             it was made for another database (密钥不属于此数据库)",
            key.id(),
            key.keyed_from()
        ))),
        (None, Some(_)) => Ok(()),
    }
}

impl Change {
    fn fields<'a>(&'a self, user: Option<&'a str>) -> [Option<&'a str>; 7] {
        [
            user,
            Some(self.action),
            Some(self.entity),
            Some(&self.entity_id),
            self.region.as_deref(),
            self.before.as_deref(),
            self.after.as_deref(),
        ]
    }
}

impl AuditRecord {
    /// The hash this record should carry: its content chained to its
    /// `prev_hash`, with `key` (HMAC-SHA256) or without (plain SHA-256).
    pub fn expected_hash(&self, key: Option<&AuditKey>) -> String {
        let user = self.user_id.map(|u| u.to_string());
        digest(
            key,
            &self.prev_hash,
            self.seq,
            &self.at,
            self.fields(user.as_deref()),
        )
    }

    fn fields<'a>(&'a self, user: Option<&'a str>) -> [Option<&'a str>; 7] {
        [
            user,
            Some(&self.action),
            Some(&self.entity),
            Some(&self.entity_id),
            self.region_code.as_deref(),
            self.before.as_deref(),
            self.after.as_deref(),
        ]
    }
}

/// Records `changes` in order inside `tx`, hashed with the transaction's
/// audit key. The single-row `audit_chain` update serialises concurrent
/// writers on both backends.
pub async fn record(tx: &mut Tx, changes: &[Change]) -> Result<(), StoreError> {
    if changes.is_empty() {
        return Ok(());
    }
    let key = tx.audit_key.clone();
    let key = key.as_deref();
    let n = changes.len() as i64;
    let head: Head = tx
        .one(
            q("UPDATE audit_chain SET seq = seq + $1 WHERE id = 1 RETURNING seq, last_hash, key_id")
                .bind(n),
        )
        .await?;
    let first = head.seq - n + 1;
    may_append(&head, key, first)?;
    let key_id = key.map(|k| k.id().to_string());
    // Both backends keep microseconds; hash what will be read back.
    let at = Utc::now().trunc_subsecs(6);
    let mut prev = head.last_hash;
    for chunk in changes.chunks(400).enumerate() {
        let (ci, rows) = chunk;
        let mut sql = String::from(
            "INSERT INTO audit_log (seq, at, user_id, action, entity, entity_id, region_code, before, after, prev_hash, hash, key_id) VALUES ",
        );
        sql.push_str(&crate::db::values_placeholders(rows.len(), 12));
        let mut query = q(sql);
        for (i, c) in rows.iter().enumerate() {
            let seq = first + (ci * 400 + i) as i64;
            let user = c.user_id.map(|u| u.to_string());
            let hash = digest(key, &prev, seq, &at, c.fields(user.as_deref()));
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
                .bind(hash.as_str())
                .bind(key_id.clone());
            prev = hash;
        }
        tx.execute(query).await?;
    }
    let head_mac = key.map(|k| k.head_mac(head.seq, &prev));
    tx.execute(
        q("UPDATE audit_chain SET last_hash = $1, key_id = $2, head_mac = $3 WHERE id = 1")
            .bind(prev)
            .bind(key_id)
            .bind(head_mac),
    )
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
    /// Id of the key the hash was made with; `None`: plain SHA-256.
    pub key_id: Option<String>,
}

/// The columns of [`AuditRecord`], for SELECTs.
pub const RECORD_COLUMNS: &str = "seq, at, user_id, action, entity, entity_id, region_code, before, after, prev_hash, hash, key_id";

/// The audit records of one entity, oldest first.
pub async fn history(
    pool: &Pool,
    entity: &str,
    entity_id: &str,
) -> Result<Vec<AuditRecord>, StoreError> {
    pool.all(
        q(format!(
            "SELECT {RECORD_COLUMNS} FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY seq"
        ))
        .bind(entity)
        .bind(entity_id),
    )
    .await
}
