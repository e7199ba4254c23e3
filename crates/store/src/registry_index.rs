//! The screening's registry index kept at rest, per village (migration
//! 0021; docs/decisions.md, "Registry index at rest").
//!
//! A run used to read a region's households and members from their text
//! columns and open every sealed ID number on every run. The store now
//! keeps, per village, that village's part of the [`RegistrySnapshot`]
//! (household ids, income, flags; per person the ID number's 17-digit key,
//! labor capacity, disability grade) as one compact binary part
//! ([`encode`], [`decode`]), sealed with the data key (it holds
//! ID-number-equivalent keys: never in clear at rest when the store has a
//! key). Granularity: an edit costs one village's rebuild; a run loads a
//! county's few hundred parts cheaply.
//!
//! **How it stays current.** Every write that changes what a part holds
//! marks the village in `registry_index_dirty`: triggers on households
//! and members (inserts, updates of the columns a part holds, deletes; a
//! move marks the old and the new village) in the writing transaction, so
//! no write path can forget it. The bulk import drops the two SQLite
//! insert triggers for its load and rebuilds the villages it wrote before
//! it commits ([`rebuild_written`]); on PostgreSQL its statement triggers
//! mark them and the same rebuild takes the marks. A run rebuilds the
//! marked villages of its region ([`refresh`]), then [`load`]s the parts.
//! A part that does not open or decode (altered, another key, another
//! layout) is rebuilt from the text columns, never trusted.
//!
//! **Generations.** Each rebuild adds one to the village's `generation`;
//! a village left without households keeps its row (an empty part), so a
//! generation never goes back. [`state`] digests the generations of a
//! region's villages: equal digests mean the registry a run saw has not
//! changed.
//!
//! The layout (version [`FORMAT`], little-endian):
//!
//! ```text
//! "DXRI" version:u8 village_len:u8 village:[u8] households:u32 persons:u32
//! per household: id:i64 income_yuan:i64 flags:u8 (1 formerly poor, 2 monitored) persons:u32
//! per person (households in order): key:u64 labor:u8 (1 full … 4 lost)
//!                                   grade_present:u8 [grade:i64]
//! ```
//!
//! Every count is checked against the bytes left before anything is
//! allocated, and the part must end exactly where its counts say.

use crate::db::{Tx, q};
use crate::screening::RegistrySnapshot;
use crate::{Pool, StoreError};
use chrono::{NaiveDate, Utc};
use dixian_domain::{IdNumber, LaborCapacity, RegionCode};
use sha2::{Digest, Sha256};

/// The column a part is sealed for (AES-GCM associated data).
const COLUMN: &str = "registry_index.blob";
const MAGIC: &[u8; 4] = b"DXRI";
/// The layout's version byte.
pub const FORMAT: u8 = 1;
/// Villages rebuilt per transaction by [`refresh`].
const VILLAGES_PER_TX: usize = 64;
/// Bytes of a household entry and the least bytes of a person entry.
const HOUSEHOLD_BYTES: usize = 8 + 8 + 1 + 4;
const PERSON_MIN_BYTES: usize = 8 + 1 + 1;

/// One village's part of the snapshot, households in id order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VillagePart {
    /// Households with at least one member.
    pub households: Vec<HouseholdPart>,
}

/// A household of a part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdPart {
    /// `households.id`.
    pub id: i64,
    /// Yearly income, all four sources, in 元.
    pub income_yuan: i64,
    /// Once registered poor (原建档立卡).
    pub formerly_poor: bool,
    /// Has a monitoring category now.
    pub monitored: bool,
    /// Members in position order.
    pub persons: Vec<PersonPart>,
}

/// A person of a part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonPart {
    /// [`person_key`] of the ID number.
    pub key: u64,
    /// Labor capacity.
    pub labor: LaborCapacity,
    /// Disability grade, if any.
    pub disability_grade: Option<i64>,
}

/// An ID number as a number: its first 17 digits (the check character
/// follows from them); the same value as the engine's
/// `dixian_screen::engine::person_key`.
pub fn person_key(id: &IdNumber) -> u64 {
    id.as_str().as_bytes()[..17]
        .iter()
        .fold(0u64, |k, d| k * 10 + u64::from(d - b'0'))
}

fn labor_code(l: LaborCapacity) -> u8 {
    match l {
        LaborCapacity::Full => 1,
        LaborCapacity::Weak => 2,
        LaborCapacity::None => 3,
        LaborCapacity::Lost => 4,
    }
}

fn labor_of(code: u8) -> Option<LaborCapacity> {
    Some(match code {
        1 => LaborCapacity::Full,
        2 => LaborCapacity::Weak,
        3 => LaborCapacity::None,
        4 => LaborCapacity::Lost,
        _ => return None,
    })
}

/// The part's bytes (before sealing).
pub fn encode(village: &str, part: &VillagePart) -> Vec<u8> {
    let persons: usize = part.households.iter().map(|h| h.persons.len()).sum();
    let mut out = Vec::with_capacity(
        14 + village.len() + part.households.len() * HOUSEHOLD_BYTES + persons * 18,
    );
    out.extend_from_slice(MAGIC);
    out.push(FORMAT);
    out.push(u8::try_from(village.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(&village.as_bytes()[..village.len().min(255)]);
    out.extend_from_slice(&(part.households.len() as u32).to_le_bytes());
    out.extend_from_slice(&(persons as u32).to_le_bytes());
    for h in &part.households {
        out.extend_from_slice(&h.id.to_le_bytes());
        out.extend_from_slice(&h.income_yuan.to_le_bytes());
        out.push(u8::from(h.formerly_poor) | (u8::from(h.monitored) << 1));
        out.extend_from_slice(&(h.persons.len() as u32).to_le_bytes());
    }
    for p in part.households.iter().flat_map(|h| &h.persons) {
        out.extend_from_slice(&p.key.to_le_bytes());
        out.push(labor_code(p.labor));
        match p.disability_grade {
            Some(g) => {
                out.push(1);
                out.extend_from_slice(&g.to_le_bytes());
            }
            None => out.push(0),
        }
    }
    out
}

/// Why a part's bytes are not one (never names content).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("registry index part: {0}")]
pub struct Corrupt(pub &'static str);

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Corrupt> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or(Corrupt("truncated"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn left(&self) -> usize {
        self.buf.len() - self.pos
    }
    fn u8(&mut self) -> Result<u8, Corrupt> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, Corrupt> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    fn u64(&mut self) -> Result<u64, Corrupt> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    fn i64(&mut self) -> Result<i64, Corrupt> {
        Ok(i64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
}

/// The part of `village` from its bytes: the magic, the version, the
/// village it names and every length are checked; anything else is
/// [`Corrupt`], never a panic.
pub fn decode(village: &str, bytes: &[u8]) -> Result<VillagePart, Corrupt> {
    let mut r = Reader { buf: bytes, pos: 0 };
    if r.take(4)? != MAGIC {
        return Err(Corrupt("not a registry index part"));
    }
    if r.u8()? != FORMAT {
        return Err(Corrupt("another layout version"));
    }
    let n = usize::from(r.u8()?);
    if r.take(n)? != village.as_bytes() {
        return Err(Corrupt("the part of another village"));
    }
    let households = r.u32()? as usize;
    let persons = r.u32()? as usize;
    if households
        .checked_mul(HOUSEHOLD_BYTES)
        .and_then(|h| persons.checked_mul(PERSON_MIN_BYTES).map(|p| (h, p)))
        .and_then(|(h, p)| h.checked_add(p))
        .is_none_or(|need| need > r.left())
    {
        return Err(Corrupt("counts larger than the part"));
    }
    let mut part = VillagePart {
        households: Vec::with_capacity(households),
    };
    let mut counts = Vec::with_capacity(households);
    let mut total = 0usize;
    let mut last_id = i64::MIN;
    for _ in 0..households {
        let id = r.i64()?;
        if id <= last_id {
            return Err(Corrupt("households out of order"));
        }
        last_id = id;
        let income_yuan = r.i64()?;
        let flags = r.u8()?;
        if flags > 3 {
            return Err(Corrupt("unknown household flags"));
        }
        let n = r.u32()? as usize;
        if n == 0 {
            return Err(Corrupt("a household without members"));
        }
        total = total.checked_add(n).ok_or(Corrupt("person count"))?;
        counts.push(n);
        part.households.push(HouseholdPart {
            id,
            income_yuan,
            formerly_poor: flags & 1 != 0,
            monitored: flags & 2 != 0,
            persons: Vec::new(),
        });
    }
    if total != persons {
        return Err(Corrupt("person counts disagree"));
    }
    for (h, n) in part.households.iter_mut().zip(counts) {
        h.persons.reserve_exact(n);
        for _ in 0..n {
            let key = r.u64()?;
            if key >= 100_000_000_000_000_000 {
                return Err(Corrupt("a key that is no ID number"));
            }
            let labor = labor_of(r.u8()?).ok_or(Corrupt("unknown labor capacity"))?;
            let disability_grade = match r.u8()? {
                0 => None,
                1 => Some(r.i64()?),
                _ => return Err(Corrupt("bad grade marker")),
            };
            h.persons.push(PersonPart {
                key,
                labor,
                disability_grade,
            });
        }
    }
    if r.left() != 0 {
        return Err(Corrupt("trailing bytes"));
    }
    Ok(part)
}

#[derive(sqlx::FromRow)]
struct HouseholdRow {
    id: i64,
    income: i64,
    formerly_poor: bool,
    category: Option<String>,
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    household_id: i64,
    id_number: String,
    labor: String,
    disability_grade: Option<i64>,
}

/// One village's part from the text columns (households with members, in
/// id order; members in position order), ID numbers opened and checked.
async fn build(tx: &mut Tx, village: &str, today: NaiveDate) -> Result<VillagePart, StoreError> {
    let households: Vec<HouseholdRow> = tx
        .all(
            q("SELECT id,
                      CAST(income_wage + income_production + income_property + income_transfer AS BIGINT) AS income,
                      formerly_poor, category
               FROM households h WHERE village_code = $1
                 AND EXISTS (SELECT 1 FROM members m WHERE m.household_id = h.id)
               ORDER BY id")
            .bind(village),
        )
        .await?;
    let members: Vec<MemberRow> = tx
        .all(
            q(
                "SELECT m.household_id, m.id_number, m.labor, m.disability_grade
               FROM members m JOIN households h ON h.id = m.household_id
               WHERE h.village_code = $1 ORDER BY m.household_id, m.position",
            )
            .bind(village),
        )
        .await?;
    let mut part = VillagePart {
        households: households
            .into_iter()
            .map(|h| HouseholdPart {
                id: h.id,
                income_yuan: h.income,
                formerly_poor: h.formerly_poor,
                monitored: h.category.is_some(),
                persons: Vec::new(),
            })
            .collect(),
    };
    let mut at = 0usize;
    for m in members {
        while at < part.households.len() && part.households[at].id < m.household_id {
            at += 1;
        }
        let Some(h) = part
            .households
            .get_mut(at)
            .filter(|h| h.id == m.household_id)
        else {
            continue;
        };
        let opened = tx.data().open("id_number", &m.id_number)?;
        let id = IdNumber::parse_at(&opened, today).map_err(|_| {
            StoreError::Integrity(
                "members.id_number holds an ID number that does not parse (存储的身份证号无效)"
                    .into(),
            )
        })?;
        let labor = LaborCapacity::parse(&m.labor).ok_or_else(|| {
            StoreError::Integrity(format!(
                "a member of household #{} has an unknown labor capacity code (劳动能力代码无法识别)",
                m.household_id
            ))
        })?;
        h.persons.push(PersonPart {
            key: person_key(&id),
            labor,
            disability_grade: m.disability_grade,
        });
    }
    Ok(part)
}

/// Rebuilds `village`'s part from the text columns in `tx` and stores it
/// sealed, one generation on; returns the generation and the part.
async fn rebuild(tx: &mut Tx, village: &str) -> Result<(i64, VillagePart), StoreError> {
    let today = dixian_domain::case::china_date(Utc::now());
    let part = build(tx, village, today).await?;
    let generation = store_part(tx, village, &part).await?;
    Ok((generation, part))
}

/// Stores `part` as `village`'s, sealed, one generation on.
async fn store_part(tx: &mut Tx, village: &str, part: &VillagePart) -> Result<i64, StoreError> {
    let sealed = tx.data().seal_bytes(COLUMN, &encode(village, part));
    let persons: usize = part.households.iter().map(|h| h.persons.len()).sum();
    let (generation,): (i64,) = tx
        .one(
            q("INSERT INTO registry_index (village_code, generation, households, persons, blob, built_at)
               VALUES ($1, 1, $2, $3, $4, $5)
               ON CONFLICT (village_code) DO UPDATE SET generation = registry_index.generation + 1,
                   households = excluded.households, persons = excluded.persons,
                   blob = excluded.blob, built_at = excluded.built_at
               RETURNING generation")
            .bind(village)
            .bind(part.households.len() as i64)
            .bind(persons as i64)
            .bind(sealed)
            .bind(Utc::now()),
        )
        .await?;
    Ok(generation)
}

/// The part of a household as the bulk import wrote it (`id` assigned),
/// from the record in memory: no ID number to open again.
pub(crate) fn household_part(id: i64, h: &dixian_domain::Household) -> HouseholdPart {
    HouseholdPart {
        id,
        income_yuan: h.income.total(),
        formerly_poor: h.formerly_registered_poor,
        monitored: h.category.is_some(),
        persons: h
            .members
            .iter()
            .map(|m| PersonPart {
                key: person_key(&m.id_number),
                labor: m.labor,
                disability_grade: m.disability_grade.map(i64::from),
            })
            .collect(),
    }
}

/// Brings, in the bulk import's transaction, the parts of the villages it
/// wrote up to date (and takes their marks): the import commits with the
/// index current. `built` holds the parts of what the import wrote, from
/// memory (`None` when it held too many to keep); a village whose
/// households are all the import's takes that part as it is, any other is
/// rebuilt from the text columns.
pub(crate) async fn rebuild_written(
    tx: &mut Tx,
    villages: &[String],
    mut built: Option<std::collections::HashMap<String, Vec<HouseholdPart>>>,
) -> Result<(), StoreError> {
    for v in villages {
        tx.execute(q("DELETE FROM registry_index_dirty WHERE village_code = $1").bind(v.as_str()))
            .await?;
        let mine = built.as_mut().and_then(|b| b.remove(v));
        if let Some(mut households) = mine {
            let (held,): (i64,) = tx
                .one(q("SELECT COUNT(*) FROM households WHERE village_code = $1").bind(v.as_str()))
                .await?;
            if held == households.len() as i64 {
                households.sort_unstable_by_key(|h| h.id);
                store_part(tx, v, &VillagePart { households }).await?;
                continue;
            }
        }
        rebuild(tx, v).await?;
    }
    Ok(())
}

/// Rebuilds the marked villages within `region`, a few dozen per
/// transaction; a mark is taken in the transaction that rebuilds its
/// village (a write marking it again meanwhile leaves a new mark for the
/// next refresh). Returns how many villages were rebuilt.
pub async fn refresh(pool: &Pool, region: &RegionCode) -> Result<usize, StoreError> {
    let (lo, hi) = region.padded_range();
    let dirty: Vec<(String,)> = pool
        .all(
            q("SELECT DISTINCT village_code FROM registry_index_dirty
               WHERE village_code BETWEEN $1 AND $2 ORDER BY 1")
            .bind(lo.as_str())
            .bind(hi.as_str()),
        )
        .await?;
    let mut done = 0;
    for chunk in dirty.chunks(VILLAGES_PER_TX) {
        let mut tx = pool.begin().await?;
        for (village,) in chunk {
            let taken = tx
                .execute(
                    q("DELETE FROM registry_index_dirty WHERE village_code = $1")
                        .bind(village.as_str()),
                )
                .await?;
            if taken == 0 {
                continue;
            }
            rebuild(&mut tx, village).await?;
            done += 1;
        }
        tx.commit().await?;
    }
    Ok(done)
}

/// The digest of villages' generations (in village order).
fn digest<'a>(generations: impl Iterator<Item = (&'a str, i64)>) -> String {
    let mut h = Sha256::new();
    h.update(b"dixian registry index state\x1f");
    for (v, g) in generations {
        h.update(v.as_bytes());
        h.update(b":");
        h.update(g.to_le_bytes());
        h.update(b"\x1f");
    }
    hex::encode(h.finalize())
}

/// The registry's state within `region` after its marked villages are
/// rebuilt: a digest of the generations of its villages. Reads no part.
pub async fn state(pool: &Pool, region: &RegionCode) -> Result<String, StoreError> {
    refresh(pool, region).await?;
    let (lo, hi) = region.padded_range();
    let mut rows: Vec<(String, i64)> = pool
        .all(
            q("SELECT village_code, generation FROM registry_index WHERE village_code BETWEEN $1 AND $2")
                .bind(lo.as_str())
                .bind(hi.as_str()),
        )
        .await?;
    rows.sort_unstable();
    Ok(digest(rows.iter().map(|(v, g)| (v.as_str(), *g))))
}

/// The registry of a region as the index keeps it.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The snapshot, households in id order (as [`crate::screening::registry`]).
    pub snapshot: RegistrySnapshot,
    /// [`state`] of what was loaded.
    pub state: String,
    /// Villages rebuilt before loading (marked, or a part not trusted).
    pub rebuilt: usize,
    /// Parts read.
    pub villages: usize,
}

/// The registry of `region` from the kept parts: marked villages rebuilt
/// first; a part that does not open with the data key or does not decode
/// is rebuilt from the text columns (and logged by village code only).
pub async fn load(pool: &Pool, region: &RegionCode) -> Result<Loaded, StoreError> {
    let mut rebuilt = refresh(pool, region).await?;
    let (lo, hi) = region.padded_range();
    let rows: Vec<(String, i64, String)> = pool
        .all(
            q("SELECT village_code, generation, blob FROM registry_index
               WHERE village_code BETWEEN $1 AND $2")
            .bind(lo.as_str())
            .bind(hi.as_str()),
        )
        .await?;
    let villages = rows.len();
    let mut parts: Vec<(String, i64, VillagePart)> = Vec::with_capacity(rows.len());
    let mut bad = Vec::new();
    for (village, generation, blob) in rows {
        let part = pool
            .data()
            .open_bytes(COLUMN, &blob)
            .map_err(|e| e.to_string())
            .and_then(|bytes| decode(&village, &bytes).map_err(|e| e.to_string()));
        match part {
            Ok(p) => parts.push((village, generation, p)),
            Err(why) => {
                tracing::warn!(village = %village, reason = %why, "registry index part not trusted; rebuilt");
                bad.push(village);
            }
        }
    }
    if !bad.is_empty() {
        let mut tx = pool.begin().await?;
        for village in bad {
            let (generation, part) = rebuild(&mut tx, &village).await?;
            parts.push((village, generation, part));
            rebuilt += 1;
        }
        tx.commit().await?;
    }
    parts.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let state = digest(parts.iter().map(|(v, g, _)| (v.as_str(), *g)));
    let snapshot = assemble(&parts)?;
    Ok(Loaded {
        snapshot,
        state,
        rebuilt,
        villages,
    })
}

/// The parts as one snapshot, households in id order.
fn assemble(parts: &[(String, i64, VillagePart)]) -> Result<RegistrySnapshot, StoreError> {
    let mut order: Vec<(i64, usize, &HouseholdPart)> = Vec::new();
    let mut codes = Vec::with_capacity(parts.len());
    for (i, (village, _, part)) in parts.iter().enumerate() {
        codes.push(RegionCode::parse(village).map_err(|_| {
            StoreError::Integrity(
                "registry_index holds a village code that is not one (村代码无效)".into(),
            )
        })?);
        order.extend(part.households.iter().map(|h| (h.id, i, h)));
    }
    order.sort_unstable_by_key(|o| o.0);
    let persons: usize = order.iter().map(|o| o.2.persons.len()).sum();
    let mut snap = RegistrySnapshot::default();
    snap.household_id.reserve_exact(order.len());
    snap.person_key.reserve_exact(persons);
    snap.person_household.reserve_exact(persons);
    snap.person_labor.reserve_exact(persons);
    snap.person_disability_grade.reserve_exact(persons);
    for (pos, (id, v, h)) in order.into_iter().enumerate() {
        snap.household_id.push(id);
        snap.village.push(codes[v].clone());
        snap.income_yuan.push(h.income_yuan);
        snap.formerly_poor.push(h.formerly_poor);
        snap.monitored.push(h.monitored);
        for p in &h.persons {
            snap.person_key.push(p.key);
            snap.person_household.push(pos as u32);
            snap.person_labor.push(p.labor);
            snap.person_disability_grade.push(p.disability_grade);
        }
    }
    Ok(snap)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part() -> VillagePart {
        VillagePart {
            households: vec![
                HouseholdPart {
                    id: 3,
                    income_yuan: 12_000,
                    formerly_poor: true,
                    monitored: false,
                    persons: vec![
                        PersonPart {
                            key: 52_052_619_700_101_001,
                            labor: LaborCapacity::Full,
                            disability_grade: None,
                        },
                        PersonPart {
                            key: 52_052_619_980_202_002,
                            labor: LaborCapacity::Lost,
                            disability_grade: Some(2),
                        },
                    ],
                },
                HouseholdPart {
                    id: 9,
                    income_yuan: -5,
                    formerly_poor: false,
                    monitored: true,
                    persons: vec![PersonPart {
                        key: 1,
                        labor: LaborCapacity::Weak,
                        disability_grade: Some(-1),
                    }],
                },
            ],
        }
    }

    #[test]
    fn parts_read_back() {
        let bytes = encode("520526001001", &part());
        assert_eq!(decode("520526001001", &bytes), Ok(part()));
        let empty = encode("520526001002", &VillagePart::default());
        assert_eq!(decode("520526001002", &empty), Ok(VillagePart::default()));
    }

    #[test]
    fn every_truncation_and_flip_is_an_error_not_a_panic() {
        let bytes = encode("520526001001", &part());
        for n in 0..bytes.len() {
            assert!(decode("520526001001", &bytes[..n]).is_err(), "cut at {n}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(
            decode("520526001001", &longer),
            Err(Corrupt("trailing bytes"))
        );
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut b = bytes.clone();
                b[i] ^= 1 << bit;
                // any answer but a panic; the header fields must be caught
                let r = decode("520526001001", &b);
                if i < 4 + 1 + 1 + 12 {
                    assert!(r.is_err(), "header byte {i} bit {bit}");
                }
            }
        }
        assert_eq!(
            decode("520526001002", &bytes),
            Err(Corrupt("the part of another village"))
        );
        let mut huge = bytes.clone();
        huge[18..22].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            decode("520526001001", &huge),
            Err(Corrupt("counts larger than the part"))
        );
    }
}
