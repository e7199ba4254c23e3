//! The audit key: the HMAC-SHA256 key that chains the audit rows, kept in
//! a file outside the database, so that someone who can write the database
//! but not read that file cannot recompute the chain after an edit.
//!
//! The file is small text (`name = value` lines, `#` comments):
//!
//! ```text
//! id = 5f0c2a3e9d1b7c44
//! keyed_from = 1
//! secret = <64 hex digits>
//! ```
//!
//! `keyed_from` is the seq of the first row written with the key (the row
//! that records its introduction). Rows below it were written before the
//! chain was keyed and keep their plain SHA-256 hashes; from it on every
//! row must carry the key. Keeping that number with the key, not only in
//! the database, is what makes "strip the keys and recompute everything as
//! plain SHA-256" detectable. A key file written by hand without
//! `keyed_from` demands that the whole chain be keyed.

use super::{Change, record};
use crate::StoreError;
use crate::db::{Pool, q};
use crate::key_file;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;

type HmacSha256 = Hmac<Sha256>;

/// An audit key: secret, id and the seq it chains from.
#[derive(Clone)]
pub struct AuditKey {
    secret: [u8; 32],
    id: String,
    keyed_from: i64,
}

impl std::fmt::Debug for AuditKey {
    // The secret never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditKey")
            .field("id", &self.id)
            .field("keyed_from", &self.keyed_from)
            .finish_non_exhaustive()
    }
}

fn key_id(secret: &[u8; 32]) -> String {
    let mut h = Sha256::new();
    h.update(b"dixian audit key id\x1f");
    h.update(secret);
    hex::encode(&h.finalize()[..8])
}

/// The kind of key file, for messages.
const KIND: &str = "audit key";

impl AuditKey {
    /// A key from its secret, whose first keyed row is `keyed_from`.
    pub fn from_secret(secret: [u8; 32], keyed_from: i64) -> AuditKey {
        AuditKey {
            id: key_id(&secret),
            secret,
            keyed_from,
        }
    }

    /// A new random key.
    pub fn generate(keyed_from: i64) -> AuditKey {
        AuditKey::from_secret(rand::random(), keyed_from)
    }

    /// The key's public id (stored with each row it hashed).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The seq of the first row hashed with this key.
    pub fn keyed_from(&self) -> i64 {
        self.keyed_from
    }

    /// HMAC-SHA256 over `parts`, each marked present or absent and
    /// prefixed by its length, so that no two lists of parts give the same
    /// input.
    pub(crate) fn mac(&self, parts: &[Option<&[u8]>]) -> String {
        let mut m = <HmacSha256 as Mac>::new_from_slice(&self.secret)
            .expect("HMAC takes a key of any length");
        for p in parts {
            match p {
                None => m.update(&[0]),
                Some(p) => {
                    m.update(&[1]);
                    m.update(&(p.len() as u64).to_le_bytes());
                    m.update(p);
                }
            }
        }
        hex::encode(m.finalize().into_bytes())
    }

    /// The MAC that seals the chain head `(seq, hash)`.
    pub fn head_mac(&self, seq: i64, hash: &str) -> String {
        self.mac(&[
            Some(b"dixian audit head"),
            Some(seq.to_string().as_bytes()),
            Some(hash.as_bytes()),
        ])
    }

    /// Reads a key file. Refuses a file others can read (like ssh does):
    /// a key everyone on the server can read protects nothing.
    pub fn load(path: &Path) -> Result<AuditKey, StoreError> {
        let file = key_file::read(path, KIND)?;
        let mut keyed_from = 1i64;
        for (name, value) in &file.other {
            match name.as_str() {
                "keyed_from" => {
                    keyed_from = value
                        .parse()
                        .map_err(|_| key_file::bad(path, KIND, "keyed_from is not a number"))?
                }
                _ => return Err(key_file::bad(path, KIND, "unknown setting")),
            }
        }
        let key = AuditKey::from_secret(file.secret, keyed_from);
        if file.id.is_some_and(|id| id != key.id) {
            return Err(key_file::bad(
                path,
                KIND,
                "the id does not match the secret (file damaged?)",
            ));
        }
        Ok(key)
    }

    /// Writes the key to a new file readable by its owner only (0600).
    /// Never overwrites: an existing key file is a key in use.
    pub fn save(&self, path: &Path) -> Result<(), StoreError> {
        key_file::write_new(
            path,
            &format!(
                "# dixian audit key (审计链密钥): HMAC-SHA256 key of the audit chain.\n\
                 # Keep it secret and OUTSIDE the database; back it up apart from the\n\
                 # database backups. Without it the chain can no longer be fully checked.\n\
                 id = {}\nkeyed_from = {}\nsecret = {}\n",
                self.id,
                self.keyed_from,
                hex::encode(self.secret)
            ),
        )
    }
}

/// The key at `path`, or, when there is no file there, a new key: its
/// introduction is recorded as the first keyed audit row and the file is
/// written (0600) before that row commits. Returns the key and whether it
/// was created. Refuses to make a new key for a chain that is already
/// keyed: its key file was lost, and a new key could not verify it.
pub async fn open_or_create_key(
    pool: &Pool,
    path: &Path,
) -> Result<(Arc<AuditKey>, bool), StoreError> {
    if path.exists() {
        return Ok((Arc::new(AuditKey::load(path)?), false));
    }
    let mut tx = pool.begin_write().await?;
    // Locks the head (both backends) so no row slips in before the key's.
    let (seq, key_id): (i64, Option<String>) = tx
        .one(q(
            "UPDATE audit_chain SET seq = seq WHERE id = 1 RETURNING seq, key_id",
        ))
        .await?;
    if let Some(k) = key_id {
        tx.rollback().await?;
        return Err(StoreError::Integrity(format!(
            "the audit chain is keyed with key {k}, but its key file {} is missing: restore the file from its backup \
             (审计链已使用密钥{k}，密钥文件缺失，请从备份恢复)",
            path.display()
        )));
    }
    let key = Arc::new(AuditKey::generate(seq + 1));
    tx.audit_key = Some(key.clone());
    let change = Change {
        user_id: None,
        action: "key",
        entity: "audit_chain",
        entity_id: key.id().to_string(),
        region: None,
        before: None,
        after: Some(format!(
            "{{\"key_id\":\"{}\",\"keyed_from\":{}}}",
            key.id(),
            key.keyed_from()
        )),
    };
    record(&mut tx, &[change]).await?;
    key.save(path)?;
    if let Err(e) = tx.commit().await {
        let _ = std::fs::remove_file(path);
        return Err(e);
    }
    Ok((key, true))
}
