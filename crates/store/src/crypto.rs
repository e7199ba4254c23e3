//! Personal data encrypted at rest: the data key, kept in a file outside
//! the database like the audit key, seals members' ID numbers and phones,
//! the ID number and payload (diagnoses) of feed rows, the person a warning
//! names and an unmatched lead's declarant ID number and phone
//! (AES-256-GCM, a random 96-bit nonce per value, the column's name as
//! associated data), and makes the keyed hashes (HMAC-SHA256) that every
//! equality, uniqueness, join and suffix search uses instead of the clear
//! value.
//!
//! Hash columns are always filled; ciphertext only when a key is
//! configured. A store without a key hashes with a public, fixed key (the
//! clear value sits next to it anyway) and keeps ID numbers and phones in
//! clear: the embedded SQLite demo. The database records which key it is
//! encrypted with (`data_key.key_id`): a store opened with another key, or
//! without one, is refused before anything is read or written.
//!
//! The file is small text (`name = value` lines, `#` comments):
//!
//! ```text
//! id = 5f0c2a3e9d1b7c44
//! secret = <64 hex digits>
//! ```
//!
//! Two keys are derived from the secret (HMAC-SHA256 of a label): one
//! for AES-GCM, one for the lookup hashes, so a hash never helps with the
//! cipher and the other way round.

use crate::StoreError;
use crate::audit::{self, Change};
use crate::db::{Pool, Tx, q};
use crate::key_file;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::{Arc, LazyLock};

type HmacSha256 = Hmac<Sha256>;

/// What marks a sealed value: `v1:` then hex of nonce ‖ ciphertext ‖ tag.
/// No ID number or phone starts with it.
const SEALED: &str = "v1:";

/// The suffix lengths of the ID number that the household search takes
/// (each has its hash column `id_tail<n>`).
pub const TAIL_LENGTHS: [usize; 3] = [4, 5, 6];

/// The data key (or, for a store without one, the public hashing key).
#[derive(Clone)]
pub struct DataKey {
    id: String,
    secret: [u8; 32],
    cipher: Option<Aes256Gcm>,
    mac: [u8; 32],
}

impl std::fmt::Debug for DataKey {
    // The secret never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataKey")
            .field("id", &self.id)
            .field("encrypts", &self.cipher.is_some())
            .finish_non_exhaustive()
    }
}

fn derive(secret: &[u8; 32], label: &[u8]) -> [u8; 32] {
    let mut m = <HmacSha256 as Mac>::new_from_slice(secret).expect("HMAC takes any key");
    m.update(label);
    m.finalize().into_bytes().into()
}

/// The kind of key file, for messages.
const KIND: &str = "data key";

/// The hashing key of a store without a data key: public, so its hashes
/// protect nothing (its columns are in clear beside them anyway).
static UNKEYED: LazyLock<DataKey> = LazyLock::new(|| {
    let mut k = DataKey::from_secret([0; 32]);
    k.cipher = None;
    k.id = String::new();
    k
});

impl DataKey {
    /// A key from its secret.
    pub fn from_secret(secret: [u8; 32]) -> DataKey {
        let mut h = Sha256::new();
        h.update(b"dixian data key id\x1f");
        h.update(secret);
        let id = hex::encode(&h.finalize()[..8]);
        let enc = derive(&secret, b"dixian data key: AES-256-GCM");
        DataKey {
            id,
            secret,
            cipher: Some(Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&enc))),
            mac: derive(&secret, b"dixian data key: lookup HMAC-SHA256"),
        }
    }

    /// A new random key.
    pub fn generate() -> DataKey {
        DataKey::from_secret(rand::random())
    }

    /// The key's public id (recorded in the database it encrypts).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The public hashing key of a store without a data key.
    pub(crate) fn unkeyed() -> &'static DataKey {
        &UNKEYED
    }

    /// Whether values are sealed (a real key) or kept in clear.
    pub fn encrypts(&self) -> bool {
        self.cipher.is_some()
    }

    fn hash(&self, label: &str, value: &str) -> String {
        let mut m = <HmacSha256 as Mac>::new_from_slice(&self.mac).expect("HMAC takes any key");
        m.update(label.as_bytes());
        m.update(&[0x1f]);
        m.update(value.as_bytes());
        hex::encode(m.finalize().into_bytes())
    }

    /// [`DataKey::id_hash`] and [`DataKey::tail_hashes`] of one ID number
    /// at once, the same values: the keyed HMAC state is set up once and
    /// cloned for each of the four hashes (the bulk import's hot loop).
    pub fn person_hashes(&self, id_number: &str) -> (String, [String; 3]) {
        let keyed = <HmacSha256 as Mac>::new_from_slice(&self.mac).expect("HMAC takes any key");
        let hash = |label: &str, value: &str| {
            let mut m = keyed.clone();
            m.update(label.as_bytes());
            m.update(&[0x1f]);
            m.update(value.as_bytes());
            hex::encode(m.finalize().into_bytes())
        };
        let tail = |n: usize| {
            let t = &id_number[id_number.len().saturating_sub(n)..];
            hash(&format!("tail{}", t.len()), t)
        };
        (
            hash("id", id_number),
            [
                tail(TAIL_LENGTHS[0]),
                tail(TAIL_LENGTHS[1]),
                tail(TAIL_LENGTHS[2]),
            ],
        )
    }

    /// The lookup hash of a full ID number (`members.id_hash`).
    pub fn id_hash(&self, id_number: &str) -> String {
        self.hash("id", id_number)
    }

    /// The lookup hash of the last `tail.len()` characters of an ID
    /// number (`members.id_tail<n>`).
    pub fn tail_hash(&self, tail: &str) -> String {
        self.hash(&format!("tail{}", tail.len()), tail)
    }

    /// The hashes of the suffixes of `id_number` in [`TAIL_LENGTHS`] order.
    pub fn tail_hashes(&self, id_number: &str) -> Vec<String> {
        TAIL_LENGTHS
            .iter()
            .map(|&n| self.tail_hash(&id_number[id_number.len().saturating_sub(n)..]))
            .collect()
    }

    /// The identity of a feed row's content within its region
    /// (`feed_rows.row_key`): SHA-256 of kind and payload without a key (as
    /// before encryption), HMAC-SHA256 with one — a plain digest of a
    /// sealed payload would let anyone holding the database test guesses.
    pub fn row_key(&self, kind: &str, payload: &str) -> String {
        if self.encrypts() {
            return self.hash("row", &format!("{kind}\x1f{payload}"));
        }
        let mut h = Sha256::new();
        h.update(kind.as_bytes());
        h.update([0x1f]);
        h.update(payload.as_bytes());
        hex::encode(h.finalize())
    }

    /// The stored form of `value` in `column`: sealed with a fresh nonce,
    /// or the value itself without a key.
    pub fn seal(&self, column: &str, value: &str) -> String {
        let Some(c) = &self.cipher else {
            return value.to_string();
        };
        let nonce: [u8; 12] = rand::random();
        let ct = c
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: value.as_bytes(),
                    aad: column.as_bytes(),
                },
            )
            .expect("AES-GCM encrypts any short value");
        let mut out = String::with_capacity(SEALED.len() + 2 * (12 + ct.len()));
        out.push_str(SEALED);
        out.push_str(&hex::encode(nonce));
        out.push_str(&hex::encode(ct));
        out
    }

    /// The stored form of a file's `bytes` in `column` (as text): sealed
    /// like [`DataKey::seal`], or hex in clear without a key.
    pub fn seal_bytes(&self, column: &str, bytes: &[u8]) -> String {
        let Some(c) = &self.cipher else {
            return hex::encode(bytes);
        };
        let nonce: [u8; 12] = rand::random();
        let ct = c
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: bytes,
                    aad: column.as_bytes(),
                },
            )
            .expect("AES-GCM encrypts a bounded upload");
        let mut out = String::with_capacity(SEALED.len() + 2 * (12 + ct.len()));
        out.push_str(SEALED);
        out.push_str(&hex::encode(nonce));
        out.push_str(&hex::encode(ct));
        out
    }

    /// The bytes of a stored file ([`DataKey::seal_bytes`]); the same
    /// integrity errors as [`DataKey::open`].
    pub fn open_bytes(&self, column: &str, stored: &str) -> Result<Vec<u8>, StoreError> {
        let sealed = stored.strip_prefix(SEALED);
        let fail = |what: &str| {
            StoreError::Integrity(format!("{column}: {what} (数据加密状态与密钥不符)"))
        };
        match (&self.cipher, sealed) {
            (None, None) => hex::decode(stored).map_err(|_| fail("damaged value")),
            (None, Some(_)) => Err(fail(
                "the value is encrypted but no data key is configured (--data-key-file)",
            )),
            (Some(_), None) => Err(fail(
                "the value is stored in clear although a data key is configured",
            )),
            (Some(c), Some(hex_text)) => {
                let bytes = hex::decode(hex_text).map_err(|_| fail("damaged ciphertext"))?;
                if bytes.len() < 12 + 16 {
                    return Err(fail("damaged ciphertext"));
                }
                let (nonce, ct) = bytes.split_at(12);
                c.decrypt(
                    Nonce::from_slice(nonce),
                    Payload {
                        msg: ct,
                        aad: column.as_bytes(),
                    },
                )
                .map_err(|_| fail("the ciphertext does not open with this data key (wrong key or altered value)"))
            }
        }
    }

    /// [`DataKey::seal`] of an optional value.
    pub fn seal_opt(&self, column: &str, value: Option<&str>) -> Option<String> {
        value.map(|v| self.seal(column, v))
    }

    /// The clear value of a stored one. A sealed value without a key, a
    /// clear one with a key, or one that fails authentication is an
    /// integrity error (the message names the column, never the value).
    pub fn open(&self, column: &str, stored: &str) -> Result<String, StoreError> {
        let sealed = stored.strip_prefix(SEALED);
        let fail = |what: &str| {
            StoreError::Integrity(format!("{column}: {what} (数据加密状态与密钥不符)"))
        };
        match (&self.cipher, sealed) {
            (None, None) => Ok(stored.to_string()),
            (None, Some(_)) => Err(fail(
                "the value is encrypted but no data key is configured (--data-key-file)",
            )),
            (Some(_), None) => Err(fail(
                "the value is stored in clear although a data key is configured",
            )),
            (Some(c), Some(hex_text)) => {
                let bytes = hex::decode(hex_text).map_err(|_| fail("damaged ciphertext"))?;
                if bytes.len() < 12 + 16 {
                    return Err(fail("damaged ciphertext"));
                }
                let (nonce, ct) = bytes.split_at(12);
                let plain = c
                    .decrypt(
                        Nonce::from_slice(nonce),
                        Payload {
                            msg: ct,
                            aad: column.as_bytes(),
                        },
                    )
                    .map_err(|_| fail("the ciphertext does not open with this data key (wrong key or altered value)"))?;
                String::from_utf8(plain).map_err(|_| fail("damaged ciphertext"))
            }
        }
    }

    /// [`DataKey::open`] of an optional value.
    pub fn open_opt(
        &self,
        column: &str,
        stored: Option<String>,
    ) -> Result<Option<String>, StoreError> {
        stored.map(|s| self.open(column, &s)).transpose()
    }

    /// Reads a key file; refuses one that others can read.
    pub fn load(path: &Path) -> Result<DataKey, StoreError> {
        let file = key_file::read(path, KIND)?;
        if !file.other.is_empty() {
            return Err(key_file::bad(path, KIND, "unknown setting"));
        }
        let key = DataKey::from_secret(file.secret);
        if file.id.is_some_and(|id| id != key.id) {
            return Err(key_file::bad(
                path,
                KIND,
                "the id does not match the secret (file damaged?)",
            ));
        }
        Ok(key)
    }

    /// Writes the key to a new file readable by its owner only (0600);
    /// never overwrites.
    pub fn save(&self, path: &Path) -> Result<(), StoreError> {
        key_file::write_new(
            path,
            &format!(
                "# dixian data key (个人信息加密密钥): encrypts ID numbers and phones at rest.\n\
                 # Keep it secret and OUTSIDE the database; back it up apart from the\n\
                 # database backups. Without it the encrypted data cannot be read.\n\
                 id = {}\nsecret = {}\n",
                self.id,
                hex::encode(self.secret)
            ),
        )
    }
}

/// The id of the data key the database is encrypted with (`None`: not
/// encrypted).
pub async fn stored_key_id(pool: &Pool) -> Result<Option<String>, StoreError> {
    let (id,): (Option<String>,) = pool
        .one(q("SELECT key_id FROM data_key WHERE id = 1"))
        .await?;
    Ok(id)
}

/// The key at `path`, or a new one written there (0600) when the file is
/// missing and the database is not yet encrypted. Returns the key and
/// whether it was created. Refuses to make a new key for a database that
/// is encrypted already: its key file was lost.
pub async fn open_or_create_data_key(
    pool: &Pool,
    path: &Path,
) -> Result<(Arc<DataKey>, bool), StoreError> {
    if path.exists() {
        return Ok((Arc::new(DataKey::load(path)?), false));
    }
    if let Some(k) = stored_key_id(pool).await? {
        return Err(StoreError::Integrity(format!(
            "the database is encrypted with data key {k}, but its key file {} is missing: restore the file from its backup \
             (数据库已用密钥{k}加密，密钥文件缺失，请从备份恢复)",
            path.display()
        )));
    }
    let key = DataKey::generate();
    key.save(path)?;
    Ok((Arc::new(key), true))
}

#[derive(sqlx::FromRow)]
struct MemberSecrets {
    id: i64,
    id_number: String,
    phone: Option<String>,
}

/// Fills the hash columns of members that have none (rows written before
/// migration 7), on a database that is not encrypted. Part of
/// [`crate::Store::migrate`].
pub(crate) async fn backfill_hashes(pool: &Pool) -> Result<u64, StoreError> {
    if stored_key_id(pool).await?.is_some() {
        return Ok(0);
    }
    let mut tx = pool.begin_write().await?;
    let rows: Vec<MemberSecrets> = tx
        .all(q(
            "SELECT id, id_number, phone FROM members WHERE id_hash IS NULL",
        ))
        .await?;
    let k = DataKey::unkeyed();
    for r in &rows {
        let t = k.tail_hashes(&r.id_number);
        tx.execute(
            q("UPDATE members SET id_hash = $1, id_tail4 = $2, id_tail5 = $3, id_tail6 = $4 WHERE id = $5")
                .bind(k.id_hash(&r.id_number))
                .bind(t[0].clone())
                .bind(t[1].clone())
                .bind(t[2].clone())
                .bind(r.id),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(rows.len() as u64)
}

/// Checks `key` against the key the database records, and encrypts a
/// database that is not encrypted yet when a key is given: every member's
/// ID number and phone sealed and rehashed with the key, feed rows' ID
/// number and payload sealed (their content key made keyed), warnings'
/// person and leads' declarant ID number and phone sealed — in one
/// transaction (all or nothing), recorded in the audit log when any row
/// was converted. Returns how many rows were converted.
///
/// Refused: a key other than the recorded one, or no key for an
/// encrypted database.
pub async fn check_or_encrypt(pool: &Pool, key: Option<&DataKey>) -> Result<u64, StoreError> {
    let stored = stored_key_id(pool).await?;
    match (stored, key) {
        (None, None) => Ok(0),
        (Some(s), Some(k)) if s == k.id() => Ok(0),
        (Some(s), Some(k)) => Err(StoreError::Integrity(format!(
            "wrong data key: the database is encrypted with data key {s}, the key file holds key {}; \
             configure the database's own key file (--data-key-file / DIXIAN_DATA_KEY_FILE) \
             (数据加密密钥不符：数据库使用密钥{s}，密钥文件为{})",
            k.id(),
            k.id()
        ))),
        (Some(s), None) => Err(StoreError::Integrity(format!(
            "the database is encrypted with data key {s}, but no data key is configured: \
             give its key file (--data-key-file / DIXIAN_DATA_KEY_FILE) (数据库已加密，未配置数据加密密钥)"
        ))),
        (None, Some(k)) => encrypt_all(pool, k).await,
    }
}

async fn encrypt_all(pool: &Pool, k: &DataKey) -> Result<u64, StoreError> {
    let mut tx = pool.begin_write().await?;
    // Locks the marker row: a second process converting at the same time
    // waits, then finds the database encrypted.
    let (stored,): (Option<String>,) = tx
        .one(q(
            "UPDATE data_key SET key_id = key_id WHERE id = 1 RETURNING key_id",
        ))
        .await?;
    if let Some(s) = stored {
        tx.rollback().await?;
        return if s == k.id() {
            Ok(0)
        } else {
            Err(StoreError::Integrity(format!(
                "wrong data key: the database is encrypted with data key {s} (数据加密密钥不符)"
            )))
        };
    }
    let rows: Vec<MemberSecrets> = tx
        .all(q("SELECT id, id_number, phone FROM members ORDER BY id"))
        .await?;
    for r in &rows {
        let plain = DataKey::unkeyed().open("id_number", &r.id_number)?;
        let phone = DataKey::unkeyed().open_opt("phone", r.phone.clone())?;
        let t = k.tail_hashes(&plain);
        tx.execute(
            q("UPDATE members SET id_number = $1, phone = $2, id_hash = $3, id_tail4 = $4, id_tail5 = $5, id_tail6 = $6
               WHERE id = $7")
            .bind(k.seal("id_number", &plain))
            .bind(k.seal_opt("phone", phone.as_deref()))
            .bind(k.id_hash(&plain))
            .bind(t[0].clone())
            .bind(t[1].clone())
            .bind(t[2].clone())
            .bind(r.id),
        )
        .await?;
    }
    let clear = DataKey::unkeyed();
    // Feed rows: the person's ID number and the payload (diagnoses) sealed,
    // the content key made keyed.
    let feed: Vec<(i64, String, Option<String>, String)> = tx
        .all(q(
            "SELECT id, kind, id_number, payload FROM feed_rows ORDER BY id",
        ))
        .await?;
    for (id, kind, idn, payload) in &feed {
        let idn = clear.open_opt("feed_rows.id_number", idn.clone())?;
        let payload = clear.open("feed_rows.payload", payload)?;
        tx.execute(
            q("UPDATE feed_rows SET id_number = $1, payload = $2, row_key = $3 WHERE id = $4")
                .bind(k.seal_opt("feed_rows.id_number", idn.as_deref()))
                .bind(k.seal("feed_rows.payload", &payload))
                .bind(k.row_key(kind, &payload))
                .bind(*id),
        )
        .await?;
    }
    let warnings: Vec<(i64, String)> = tx
        .all(q(
            "SELECT id, person_id_number FROM warnings WHERE person_id_number IS NOT NULL ORDER BY id",
        ))
        .await?;
    for (id, idn) in &warnings {
        let idn = clear.open("warnings.person_id_number", idn)?;
        tx.execute(
            q("UPDATE warnings SET person_id_number = $1 WHERE id = $2")
                .bind(k.seal("warnings.person_id_number", &idn))
                .bind(*id),
        )
        .await?;
    }
    let leads: Vec<(i64, Option<String>, Option<String>)> = tx
        .all(q(
            "SELECT id, declarant_id_number, declarant_phone FROM leads
             WHERE declarant_id_number IS NOT NULL OR declarant_phone IS NOT NULL ORDER BY id",
        ))
        .await?;
    for (id, idn, phone) in &leads {
        let idn = clear.open_opt("leads.declarant_id_number", idn.clone())?;
        let phone = clear.open_opt("leads.declarant_phone", phone.clone())?;
        tx.execute(
            q("UPDATE leads SET declarant_id_number = $1, declarant_phone = $2 WHERE id = $3")
                .bind(k.seal_opt("leads.declarant_id_number", idn.as_deref()))
                .bind(k.seal_opt("leads.declarant_phone", phone.as_deref()))
                .bind(*id),
        )
        .await?;
    }
    let assistance = encrypt_assistance(&mut tx, k).await?;
    tx.execute(q("UPDATE data_key SET key_id = $1 WHERE id = 1").bind(k.id()))
        .await?;
    let converted = rows.len() + feed.len() + warnings.len() + leads.len() + assistance;
    if converted > 0 {
        audit::record(
            &mut tx,
            &[Change {
                user_id: None,
                action: "encrypt",
                entity: "data_key",
                entity_id: k.id().to_string(),
                region: None,
                before: None,
                after: Some(format!(
                    "{{\"key_id\":\"{}\",\"members\":{},\"feed_rows\":{},\"warnings\":{},\"leads\":{},\"assistance\":{}}}",
                    k.id(),
                    rows.len(),
                    feed.len(),
                    warnings.len(),
                    leads.len(),
                    assistance
                )),
            }],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(converted as u64)
}

/// Assistance records: helpers' phones sealed; the person of each measure
/// and planned measure sealed and rehashed with the key. Returns the rows
/// converted.
async fn encrypt_assistance(tx: &mut Tx, k: &DataKey) -> Result<usize, StoreError> {
    let clear = DataKey::unkeyed();
    let helpers: Vec<(i64, String)> = tx
        .all(q("SELECT id, phone FROM helpers ORDER BY id"))
        .await?;
    for (id, phone) in &helpers {
        let phone = clear.open("helpers.phone", phone)?;
        tx.execute(
            q("UPDATE helpers SET phone = $1 WHERE id = $2")
                .bind(k.seal("helpers.phone", &phone))
                .bind(*id),
        )
        .await?;
    }
    let mut n = helpers.len();
    for table in ["measures", "plan_measures"] {
        let column = format!("{table}.person_id_number");
        let persons: Vec<(i64, String)> = tx
            .all(q(format!(
                "SELECT id, person_id_number FROM {table} WHERE person_id_number IS NOT NULL ORDER BY id"
            )))
            .await?;
        for (id, idn) in &persons {
            let idn = clear.open(&column, idn)?;
            tx.execute(
                q(format!(
                    "UPDATE {table} SET person_id_number = $1, person_hash = $2 WHERE id = $3"
                ))
                .bind(k.seal(&column, &idn))
                .bind(k.id_hash(&idn))
                .bind(*id),
            )
            .await?;
        }
        n += persons.len();
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_with_fresh_nonces_and_opens() {
        let k = DataKey::generate();
        let a = k.seal("id_number", "52052619800101001X");
        let b = k.seal("id_number", "52052619800101001X");
        assert_ne!(a, b);
        assert!(!a.contains("52052619800101001X"));
        assert_eq!(k.open("id_number", &a).unwrap(), "52052619800101001X");
        // Bound to its column and its key.
        assert!(k.open("phone", &a).is_err());
        assert!(DataKey::generate().open("id_number", &a).is_err());
        assert!(DataKey::unkeyed().open("id_number", &a).is_err());
        assert!(k.open("id_number", "52052619800101001X").is_err());
        // Hashes: stable per key, different across keys.
        assert_eq!(k.id_hash("1"), k.id_hash("1"));
        assert_ne!(k.id_hash("1"), DataKey::generate().id_hash("1"));
        assert_ne!(k.tail_hash("1234"), k.id_hash("1234"));
        assert_eq!(k.tail_hashes("52052619800101001X")[0], k.tail_hash("001X"));
        assert_eq!(
            k.tail_hashes("52052619800101001X")[2],
            k.tail_hash("01001X")
        );
    }

    #[test]
    fn files_seal_and_open_byte_for_byte() {
        let k = DataKey::generate();
        let bytes: Vec<u8> = (0..=255u8)
            .chain(b"\xFF\xD8\xFF photo".iter().copied())
            .collect();
        let sealed = k.seal_bytes("case_attachments.content", &bytes);
        assert_ne!(sealed, k.seal_bytes("case_attachments.content", &bytes));
        assert!(!sealed.contains(&hex::encode(&bytes[..16])));
        assert_eq!(
            k.open_bytes("case_attachments.content", &sealed).unwrap(),
            bytes
        );
        assert!(k.open_bytes("case_attachments.file_name", &sealed).is_err());
        assert!(
            DataKey::generate()
                .open_bytes("case_attachments.content", &sealed)
                .is_err()
        );
        assert!(
            DataKey::unkeyed()
                .open_bytes("case_attachments.content", &sealed)
                .is_err()
        );
        // Without a key: hex in clear, and a clear value under a key is refused.
        let clear = DataKey::unkeyed().seal_bytes("c", &bytes);
        assert_eq!(clear, hex::encode(&bytes));
        assert_eq!(DataKey::unkeyed().open_bytes("c", &clear).unwrap(), bytes);
        assert!(k.open_bytes("c", &clear).is_err());
    }

    #[test]
    fn key_file_round_trip_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.key");
        let k = DataKey::generate();
        k.save(&path).unwrap();
        assert_eq!(DataKey::load(&path).unwrap().id(), k.id());
        assert!(k.save(&path).is_err(), "never overwrites");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(DataKey::load(&path).is_err());
        }
    }
}
