//! Checking the chain: every record in seq order without gaps, each one
//! linked to the one before and hashed as its key says, and the last one
//! equal to the head in `audit_chain` (so deleting the newest records is
//! found), the head sealed by the key, and every anchored head (kept
//! outside the database) still in the chain. Read in one snapshot, so a
//! writer committing meanwhile is not mistaken for tampering.

use super::anchor::Anchor;
use super::{AuditKey, AuditRecord, RECORD_COLUMNS};
use crate::StoreError;
use crate::db::{Pool, Tx, q};
use std::collections::BTreeMap;
use std::fmt;

/// The newest record of the chain, as the head row or an anchor has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    /// Its seq (0: no record yet).
    pub seq: i64,
    /// Its hash (empty: no record yet).
    pub hash: String,
}

#[derive(sqlx::FromRow)]
struct HeadRow {
    seq: i64,
    last_hash: String,
    key_id: Option<String>,
    head_mac: Option<String>,
}

/// The first thing found wrong with the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A record's hash does not match its content: edited in place, or
    /// rehashed by someone without the key.
    Edited {
        /// The record.
        seq: i64,
    },
    /// A record does not link to the one before it: records removed,
    /// inserted or swapped.
    BrokenLink {
        /// The record.
        seq: i64,
    },
    /// Records missing (`found` > `expected`) or one out of sequence.
    OutOfSequence {
        /// The seq that should come next.
        expected: i64,
        /// The seq that came.
        found: i64,
    },
    /// The chain ends before the head: the newest records were deleted.
    Truncated {
        /// The last record there is.
        last: i64,
        /// The head (or the first record the key says exists).
        head: i64,
    },
    /// Records beyond the head: written around the store.
    BeyondHead {
        /// The first record after the head.
        seq: i64,
    },
    /// The last record is not the head (hash or key differs).
    HeadMismatch {
        /// The head's seq.
        seq: i64,
    },
    /// The head's seal does not match: the head was rewritten without the
    /// key (e.g. wound back over deleted records).
    HeadForged {
        /// The head's seq.
        seq: i64,
    },
    /// A record hashed with another key than the configured one.
    OtherKey {
        /// The record.
        seq: i64,
        /// The key it names.
        key_id: String,
    },
    /// A record without a key where the key requires one: the chain's
    /// keys were stripped and the hashes recomputed.
    Unkeyed {
        /// The record.
        seq: i64,
    },
    /// An anchored head is no longer in the chain: rolled back, or the
    /// chain was rewritten since.
    Anchor {
        /// The anchored record.
        seq: i64,
        /// When it was anchored (as written in the anchor file).
        at: String,
        /// Whether the record is gone (true) or has another hash (false).
        missing: bool,
    },
    /// Keyed records, but no key configured: their hashes were not checked.
    KeyNeeded {
        /// The first keyed record.
        seq: i64,
        /// The chain's key id.
        key_id: String,
    },
}

impl Problem {
    /// The record the problem is at.
    pub fn seq(&self) -> i64 {
        match self {
            Problem::Edited { seq }
            | Problem::BrokenLink { seq }
            | Problem::BeyondHead { seq }
            | Problem::HeadMismatch { seq }
            | Problem::HeadForged { seq }
            | Problem::OtherKey { seq, .. }
            | Problem::Unkeyed { seq }
            | Problem::Anchor { seq, .. }
            | Problem::KeyNeeded { seq, .. } => *seq,
            Problem::OutOfSequence { expected, .. } => *expected,
            Problem::Truncated { last, .. } => *last + 1,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Edited { seq } => write!(
                f,
                "audit record {seq} does not match its hash: edited in place or rehashed without the key (审计记录{seq}被篡改)"
            ),
            Problem::BrokenLink { seq } => write!(
                f,
                "audit record {seq} does not link to the record before it: records removed, inserted or reordered (审计记录{seq}链接断开)"
            ),
            Problem::OutOfSequence { expected, found } if found > expected => write!(
                f,
                "audit records {expected}–{} are missing: deleted (审计记录{expected}–{}缺失)",
                found - 1,
                found - 1
            ),
            Problem::OutOfSequence { expected, found } => write!(
                f,
                "audit record {found} is out of sequence where {expected} should be (审计记录序号异常)"
            ),
            Problem::Truncated { last, head } => write!(
                f,
                "the audit log ends at record {last} but the chain head is {head}: the newest records were deleted (最新审计记录被删除)"
            ),
            Problem::BeyondHead { seq } => write!(
                f,
                "audit record {seq} lies beyond the chain head: written around the system (审计记录{seq}在链头之后)"
            ),
            Problem::HeadMismatch { seq } => write!(
                f,
                "the chain head ({seq}) does not match the last audit record (链头与最后一条审计记录不符)"
            ),
            Problem::HeadForged { seq } => write!(
                f,
                "the chain head ({seq}) is not sealed by the key: it was rewritten (链头被改写)"
            ),
            Problem::OtherKey { seq, key_id } => write!(
                f,
                "audit record {seq} is hashed with key {key_id}, not the configured key (审计记录{seq}的密钥不符)"
            ),
            Problem::Unkeyed { seq } => write!(
                f,
                "audit record {seq} has no key where the chain is keyed: keys stripped and hashes recomputed (审计记录{seq}被去除密钥)"
            ),
            Problem::Anchor {
                seq,
                at,
                missing: true,
            } => write!(
                f,
                "the head anchored at {at} (record {seq}) is no longer in the chain: rolled back or truncated (锚定的链头已不存在)"
            ),
            Problem::Anchor { seq, at, .. } => write!(
                f,
                "record {seq}, anchored at {at}, has another hash now: the chain was rewritten (锚定的链头被改写)"
            ),
            Problem::KeyNeeded { seq, key_id } => write!(
                f,
                "records from {seq} on are keyed (key {key_id}) and no key is configured: give --audit-key-file or DIXIAN_AUDIT_KEY_FILE to check them (未配置审计密钥，无法校验)"
            ),
        }
    }
}

/// What a walk of the chain found.
#[derive(Debug, Clone)]
pub struct ChainReport {
    /// Records read.
    pub records: u64,
    /// Of which hashed with plain SHA-256: anyone who can write the
    /// database could recompute them.
    pub unkeyed: u64,
    /// Of which hashed with a key (HMAC-SHA256).
    pub keyed: u64,
    /// The head as `audit_chain` records it.
    pub head: ChainHead,
    /// The key the chain is keyed with (from the head), if any.
    pub chain_key: Option<String>,
    /// Whether a key was configured to check keyed hashes and the head's
    /// seal with.
    pub key_checked: bool,
    /// Anchored heads compared.
    pub anchors_checked: usize,
    /// The first problem; `None`: intact.
    pub problem: Option<Problem>,
}

/// Walks the chain of `pool` with its audit key, in one snapshot, and
/// compares it with the head and with `anchors`.
pub async fn verify(pool: &Pool, anchors: &[Anchor]) -> Result<ChainReport, StoreError> {
    let mut tx = pool.begin_snapshot().await?;
    let report = verify_in(&mut tx, anchors).await;
    tx.rollback().await?;
    report
}

/// The first record found wrong, or `None` when the chain is intact
/// ([`verify`] without anchors).
pub async fn verify_chain(pool: &Pool) -> Result<Option<i64>, StoreError> {
    Ok(verify(pool, &[]).await?.problem.map(|p| p.seq()))
}

/// [`verify`] inside an open transaction, with the transaction's key
/// (tests tamper and check inside a transaction they roll back).
pub async fn verify_in(tx: &mut Tx, anchors: &[Anchor]) -> Result<ChainReport, StoreError> {
    let key = tx.audit_key.clone();
    let head: HeadRow = tx
        .one(q(
            "SELECT seq, last_hash, key_id, head_mac FROM audit_chain WHERE id = 1",
        ))
        .await?;
    let mut walk = Walk {
        key: key.as_deref(),
        anchors: anchors.iter().map(|a| (a.seq, a)).collect(),
        expected: 1,
        prev: String::new(),
        last_key: None,
        first_unchecked: None,
        report: ChainReport {
            records: 0,
            unkeyed: 0,
            keyed: 0,
            head: ChainHead {
                seq: head.seq,
                hash: head.last_hash.clone(),
            },
            chain_key: head.key_id.clone(),
            key_checked: key.is_some(),
            anchors_checked: 0,
            problem: None,
        },
    };
    let mut after = i64::MIN;
    loop {
        let rows: Vec<AuditRecord> = tx
            .all(
                q(format!(
                    "SELECT {RECORD_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 5000"
                ))
                .bind(after),
            )
            .await?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        for r in &rows {
            if let Some(p) = walk.step(r) {
                walk.report.problem = Some(p);
                return Ok(walk.report);
            }
        }
    }
    walk.report.problem = walk.finish(&head);
    Ok(walk.report)
}

struct Walk<'a> {
    key: Option<&'a AuditKey>,
    anchors: BTreeMap<i64, &'a Anchor>,
    expected: i64,
    prev: String,
    last_key: Option<String>,
    first_unchecked: Option<i64>,
    report: ChainReport,
}

impl Walk<'_> {
    fn step(&mut self, r: &AuditRecord) -> Option<Problem> {
        if r.seq != self.expected {
            return Some(Problem::OutOfSequence {
                expected: self.expected,
                found: r.seq,
            });
        }
        if r.prev_hash != self.prev {
            return Some(Problem::BrokenLink { seq: r.seq });
        }
        let check = |key| r.expected_hash(key) == r.hash;
        match (&r.key_id, self.key) {
            (None, Some(k)) if r.seq >= k.keyed_from() => {
                return Some(Problem::Unkeyed { seq: r.seq });
            }
            // No writer appends a plain record to a keyed chain.
            (None, _) if self.last_key.is_some() => return Some(Problem::Unkeyed { seq: r.seq }),
            (None, _) if !check(None) => return Some(Problem::Edited { seq: r.seq }),
            (None, _) => self.report.unkeyed += 1,
            (Some(id), Some(k)) if id != k.id() => {
                return Some(Problem::OtherKey {
                    seq: r.seq,
                    key_id: id.clone(),
                });
            }
            (Some(_), Some(k)) if !check(Some(k)) => return Some(Problem::Edited { seq: r.seq }),
            (Some(_), Some(_)) => self.report.keyed += 1,
            (Some(_), None) => {
                self.report.keyed += 1;
                self.first_unchecked.get_or_insert(r.seq);
            }
        }
        if let Some(a) = self.anchors.get(&r.seq) {
            if a.hash != r.hash {
                return Some(anchor_problem(a, false));
            }
            self.report.anchors_checked += 1;
        }
        self.report.records += 1;
        self.expected += 1;
        self.prev.clone_from(&r.hash);
        self.last_key.clone_from(&r.key_id);
        None
    }

    fn finish(&mut self, head: &HeadRow) -> Option<Problem> {
        let last = self.expected - 1;
        if last < head.seq {
            return Some(Problem::Truncated {
                last,
                head: head.seq,
            });
        }
        if last > head.seq {
            return Some(Problem::BeyondHead { seq: head.seq + 1 });
        }
        if self.prev != head.last_hash || self.last_key != head.key_id {
            return Some(Problem::HeadMismatch { seq: head.seq });
        }
        if let Some((_, a)) = self.anchors.range(last + 1..).next() {
            return Some(anchor_problem(a, true));
        }
        // An anchor of the empty chain (seq 0) holds trivially.
        self.report.anchors_checked += self.anchors.range(..1).count();
        match self.key {
            Some(k) => {
                if head.seq < k.keyed_from() {
                    return Some(Problem::Truncated {
                        last,
                        head: k.keyed_from(),
                    });
                }
                let seal = k.head_mac(head.seq, &head.last_hash);
                if head.head_mac.as_deref() != Some(seal.as_str()) {
                    return Some(Problem::HeadForged { seq: head.seq });
                }
                None
            }
            None => self.first_unchecked.map(|seq| Problem::KeyNeeded {
                seq,
                key_id: head.key_id.clone().unwrap_or_default(),
            }),
        }
    }
}

fn anchor_problem(a: &Anchor, missing: bool) -> Problem {
    Problem::Anchor {
        seq: a.seq,
        at: a.at.clone(),
        missing,
    }
}
