//! The registry as the screening pass needs it: every registered person's
//! ID number as a 64-bit key, its household, and per household the region,
//! the member count and the yearly income. Columnar and compact: 30
//! million persons take about 380 MB (key 8 B + household 4 B per person,
//! plus a bucket directory of 1 B per person).
//!
//! Lookup is a static hash table: persons are laid out in buckets by the
//! top bits of a mixed key, so a lookup reads one directory entry and one
//! short run of keys (one or two cache lines), whatever the size.

use super::par;
use dixian_domain::{
    Household, IdNumber, LaborCapacity, RegionCode, RegionLevel, id_number::check_char,
};
use std::collections::HashMap;
use std::ops::Range;

/// A person's ID number as a number: its first 17 digits (the check
/// character follows from them). Below 10¹⁷, so it fits 57 bits.
pub type PersonKey = u64;

/// The key of a validated ID number.
pub fn person_key(id: &IdNumber) -> PersonKey {
    id.as_str().as_bytes()[..17]
        .iter()
        .fold(0u64, |k, d| k * 10 + u64::from(d - b'0'))
}

/// The ID number of a key, if the key is one (valid region, date, sequence).
pub fn id_of_key(key: PersonKey, today: chrono::NaiveDate) -> Option<IdNumber> {
    if key >= 100_000_000_000_000_000 {
        return None;
    }
    let mut s = format!("{key:017}").into_bytes();
    s.push(check_char(&s));
    let s = String::from_utf8(s).ok()?;
    IdNumber::parse_at(&s, today).ok()
}

/// What the registry says about a person that some conditions need
/// (labor capacity for `death_of_laborer`, the disability grade for
/// `disability_new_or_worse`), packed in one byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PersonFacts(u8);

impl PersonFacts {
    /// The facts of a registered member.
    pub fn new(labor: LaborCapacity, disability_grade: Option<u8>) -> PersonFacts {
        let labor = match labor {
            LaborCapacity::Full => 1,
            LaborCapacity::Weak => 2,
            LaborCapacity::None => 3,
            LaborCapacity::Lost => 4,
        };
        let grade = disability_grade
            .filter(|g| (1..=4).contains(g))
            .unwrap_or(0);
        PersonFacts(labor | (grade << 3))
    }

    /// The packed byte (for storage).
    pub fn to_bits(self) -> u8 {
        self.0
    }

    /// Facts from their packed byte.
    pub fn from_bits(bits: u8) -> PersonFacts {
        PersonFacts(bits)
    }

    /// Whether the person counts as a laborer (有劳动力 or 弱劳动力).
    pub fn is_laborer(self) -> bool {
        matches!(self.0 & 7, 1 | 2)
    }

    /// The registered disability grade (1 most severe … 4), if any.
    pub fn disability_grade(self) -> Option<u8> {
        let g = self.0 >> 3;
        (g != 0).then_some(g)
    }
}

/// Household flags some conditions read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HouseholdFlags(u8);

impl HouseholdFlags {
    /// Flags of a household: once registered poor (原建档立卡), or now a
    /// monitored object (监测对象).
    pub fn new(formerly_poor: bool, monitored: bool) -> HouseholdFlags {
        HouseholdFlags(u8::from(formerly_poor) | (u8::from(monitored) << 1))
    }

    /// The packed byte (for storage).
    pub fn to_bits(self) -> u8 {
        self.0
    }

    /// Flags from their packed byte.
    pub fn from_bits(bits: u8) -> HouseholdFlags {
        HouseholdFlags(bits)
    }

    /// Whether the household receives or received support, so that an
    /// asset found in a member's name contradicts its eligibility.
    pub fn is_supported(self) -> bool {
        self.0 != 0
    }
}

/// The registry in columns, as a store or a file hands it over. Households
/// are numbered by their position; every person names one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegistryColumns {
    /// Distinct village (or any county-or-lower) codes.
    pub villages: Vec<RegionCode>,
    /// Per household: index into `villages`.
    pub household_village: Vec<u32>,
    /// Per household: yearly income of the whole household, in 分.
    pub household_income_fen: Vec<i64>,
    /// Per household: flags; empty when unknown (all clear).
    pub household_flags: Vec<HouseholdFlags>,
    /// Per person: [`person_key`] of the ID number.
    pub person_key: Vec<PersonKey>,
    /// Per person: index of the household.
    pub person_household: Vec<u32>,
    /// Per person: facts; empty when unknown.
    pub person_facts: Vec<PersonFacts>,
}

impl RegistryColumns {
    /// The columns of records read from the registry (households in order).
    pub fn from_households(households: &[Household]) -> RegistryColumns {
        let mut cols = RegistryColumns::default();
        let mut village_of: HashMap<&RegionCode, u32> = HashMap::new();
        for (h, hh) in households.iter().enumerate() {
            let next = cols.villages.len() as u32;
            let v = *village_of.entry(&hh.village).or_insert(next);
            if v == next {
                cols.villages.push(hh.village.clone());
            }
            cols.household_village.push(v);
            cols.household_income_fen
                .push(hh.income.total().saturating_mul(100));
            cols.household_flags.push(HouseholdFlags::new(
                hh.formerly_registered_poor,
                hh.category.is_some(),
            ));
            for m in &hh.members {
                cols.person_key.push(person_key(&m.id_number));
                cols.person_household.push(h as u32);
                cols.person_facts
                    .push(PersonFacts::new(m.labor, m.disability_grade));
            }
        }
        cols
    }
}

/// Why registry columns cannot be indexed. Persons and households are
/// named by position, never by ID number (personal data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    /// Two columns of one table differ in length.
    #[error(
        "registry column {column} has {found} entries, expected {expected} (登记数据列长度不一致)"
    )]
    Length {
        /// The column.
        column: &'static str,
        /// Its length.
        found: usize,
        /// The length of its table.
        expected: usize,
    },
    /// A person names a household that does not exist.
    #[error(
        "person #{person} names household #{household}, which does not exist (人员所属户不存在)"
    )]
    NoHousehold {
        /// Position of the person.
        person: usize,
        /// The household it names.
        household: u32,
    },
    /// A household names a village that does not exist.
    #[error(
        "household #{household} names village #{village}, which does not exist (户所属村不存在)"
    )]
    NoVillage {
        /// Position of the household.
        household: usize,
        /// The village it names.
        village: u32,
    },
    /// A village code above county level (rule sets are chosen by county).
    #[error(
        "region {0} is above county level; households belong to a county or lower (户所在地区应为县级及以下)"
    )]
    AboveCounty(String),
    /// A household with no member (its income per person is undefined).
    #[error("household #{0} has no member (户内无成员)")]
    Empty(usize),
    /// A household with more members than a household can have.
    #[error("household #{0} has more than 65535 members (户内成员过多)")]
    TooLarge(usize),
    /// One person registered twice (一人一户).
    #[error(
        "one person is registered twice, in households #{first} and #{second} (同一人重复登记)"
    )]
    Duplicate {
        /// Household of the first registration.
        first: u32,
        /// Household of the second.
        second: u32,
    },
    /// A stored index whose layout is broken (directory, bucket or order).
    #[error("the stored registry index is damaged; rebuild it from the registry (登记索引已损坏)")]
    Layout,
    /// More persons or households than 32-bit positions allow.
    #[error("more than 4 billion persons or households (数据量超出上限)")]
    TooMany,
}

/// The index as a store keeps it, so that a pass can load it instead of
/// building it: [`RegistryIndex::into_parts`] gives it,
/// [`RegistryIndex::from_parts`] checks it and takes it back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IndexParts {
    /// Bits of the bucket number.
    pub bucket_bits: u32,
    /// Start of each bucket in `keys`, plus the end: `2^bucket_bits + 1` entries.
    pub dir: Vec<u32>,
    /// Person keys, by bucket, ascending within a bucket.
    pub keys: Vec<PersonKey>,
    /// Household of each person.
    pub household: Vec<u32>,
    /// Facts of each person; empty when unknown.
    pub facts: Vec<PersonFacts>,
    /// As in [`RegistryColumns`].
    pub villages: Vec<RegionCode>,
    /// As in [`RegistryColumns`].
    pub household_village: Vec<u32>,
    /// As in [`RegistryColumns`].
    pub household_income_fen: Vec<i64>,
    /// Members per household (each at least 1; they add up to the persons).
    pub household_members: Vec<u16>,
    /// As in [`RegistryColumns`].
    pub household_flags: Vec<HouseholdFlags>,
}

/// The registry indexed for the pass: person lookup by key, and per
/// household its county (for rule selection), village, member count,
/// income and flags.
#[derive(Debug, Clone)]
pub struct RegistryIndex {
    shift: u32,
    dir: Vec<u32>,
    keys: Vec<PersonKey>,
    household: Vec<u32>,
    facts: Vec<PersonFacts>,
    households: Vec<HouseholdInfo>,
    flags: Vec<HouseholdFlags>,
    villages: Vec<RegionCode>,
    village_county: Vec<u32>,
    counties: Vec<RegionCode>,
}

/// What the pass reads of a household, in one 16-byte record so that one
/// cache miss brings all of it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct HouseholdInfo {
    /// Yearly income, in 分.
    pub income_fen: i64,
    /// Village slot.
    pub village: u32,
    /// Member count.
    pub members: u16,
    /// County slot.
    pub county: u16,
}

/// Marks a key that is not registered in [`RegistryIndex::find_many`].
pub const NOT_REGISTERED: u32 = u32::MAX;

/// Keys looked up together: their misses overlap instead of queueing.
const LOOKUP_BLOCK: usize = 256;

/// A bijective mix of the 64 bits (murmur3's finaliser), so that the top
/// bits spread IDs that share region and birth date.
#[inline]
fn mix(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^ (k >> 33)
}

impl RegistryIndex {
    /// Checks and indexes the columns, using up to `threads` threads; the
    /// input is consumed so its memory is freed as the index fills.
    pub fn build(cols: RegistryColumns, threads: usize) -> Result<RegistryIndex, IndexError> {
        let RegistryColumns {
            villages,
            household_village,
            household_income_fen,
            household_flags,
            person_key,
            person_household,
            person_facts,
        } = cols;
        let (n_h, n_p) = (household_village.len(), person_key.len());
        if n_h >= u32::MAX as usize || n_p >= u32::MAX as usize {
            return Err(IndexError::TooMany);
        }
        check_len(
            "household_income_fen",
            household_income_fen.len(),
            n_h,
            false,
        )?;
        check_len("household_flags", household_flags.len(), n_h, true)?;
        check_len("person_household", person_household.len(), n_p, false)?;
        check_len("person_facts", person_facts.len(), n_p, true)?;
        let members = member_counts(&person_household, n_h)?;
        let Households {
            infos: households,
            village_county,
            counties,
        } = household_infos(&villages, household_village, household_income_fen, members)?;

        let bits = bucket_bits(n_p);
        let shift = 64 - bits;
        let buckets = 1usize << bits;
        let parts = par::split(buckets, threads.max(1));
        let counts: Vec<Vec<u32>> = par::map(&parts, |r| count_buckets(&person_key, shift, r));
        let mut dir = Vec::with_capacity(buckets + 1);
        let mut at = 0u32;
        for c in counts.iter().flatten() {
            dir.push(at);
            at += c;
        }
        dir.push(at);
        drop(counts);

        let mut keys = vec![0u64; n_p];
        let mut household = vec![0u32; n_p];
        let mut facts = vec![PersonFacts::default(); person_facts.len()];
        {
            let mut jobs = Vec::new();
            let (mut k_rest, mut h_rest, mut f_rest) =
                (&mut keys[..], &mut household[..], &mut facts[..]);
            for r in &parts {
                let len = (dir[r.end] - dir[r.start]) as usize;
                let (k, kr) = std::mem::take(&mut k_rest).split_at_mut(len);
                let (h, hr) = std::mem::take(&mut h_rest).split_at_mut(len);
                let flen = if f_rest.is_empty() { 0 } else { len };
                let (f, fr) = std::mem::take(&mut f_rest).split_at_mut(flen);
                (k_rest, h_rest, f_rest) = (kr, hr, fr);
                jobs.push((r.clone(), k, h, f));
            }
            let input = Scatter {
                keys: &person_key,
                household: &person_household,
                facts: &person_facts,
                dir: &dir,
                shift,
            };
            let results: Vec<Result<(), IndexError>> = std::thread::scope(|s| {
                let handles: Vec<_> = jobs
                    .into_iter()
                    .map(|(r, k, h, f)| s.spawn(|| input.fill(r, k, h, f)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("index worker does not panic"))
                    .collect()
            });
            results.into_iter().collect::<Result<Vec<()>, _>>()?;
        }
        drop(person_key);
        drop(person_household);
        Ok(RegistryIndex {
            shift,
            dir,
            keys,
            household,
            facts,
            households,
            flags: household_flags,
            villages,
            village_county,
            counties,
        })
    }

    /// The index in its stored form.
    pub fn into_parts(self) -> IndexParts {
        IndexParts {
            bucket_bits: 64 - self.shift,
            dir: self.dir,
            keys: self.keys,
            household: self.household,
            facts: self.facts,
            villages: self.villages,
            household_village: self.households.iter().map(|h| h.village).collect(),
            household_income_fen: self.households.iter().map(|h| h.income_fen).collect(),
            household_members: self.households.iter().map(|h| h.members).collect(),
            household_flags: self.flags,
        }
    }

    /// Checks a stored index (layout, every key in its bucket and in order,
    /// no person twice, households and villages in range) and takes it
    /// back, using up to `threads` threads.
    pub fn from_parts(parts: IndexParts, threads: usize) -> Result<RegistryIndex, IndexError> {
        let IndexParts {
            bucket_bits,
            dir,
            keys,
            household,
            facts,
            villages,
            household_village,
            household_income_fen,
            household_members,
            household_flags,
        } = parts;
        let (n_h, n_p) = (household_village.len(), keys.len());
        if n_h >= u32::MAX as usize || n_p >= u32::MAX as usize || !(4..=31).contains(&bucket_bits)
        {
            return Err(IndexError::TooMany);
        }
        let buckets = 1usize << bucket_bits;
        check_len("dir", dir.len(), buckets + 1, false)?;
        check_len("household", household.len(), n_p, false)?;
        check_len("facts", facts.len(), n_p, true)?;
        check_len(
            "household_income_fen",
            household_income_fen.len(),
            n_h,
            false,
        )?;
        check_len("household_members", household_members.len(), n_h, false)?;
        check_len("household_flags", household_flags.len(), n_h, true)?;
        if let Some(h) = household_members.iter().position(|&m| m == 0) {
            return Err(IndexError::Empty(h));
        }
        if household_members.iter().map(|&m| m as usize).sum::<usize>() != n_p {
            return Err(IndexError::Layout);
        }
        if dir[0] != 0 || dir[buckets] as usize != n_p || dir.windows(2).any(|w| w[0] > w[1]) {
            return Err(IndexError::Layout);
        }
        let shift = 64 - bucket_bits;
        let checks = par::map(&par::split(buckets, threads.max(1)), |r| {
            check_buckets(&dir, &keys, &household, shift, n_h, r.clone())
        });
        checks.into_iter().collect::<Result<Vec<()>, _>>()?;
        let Households {
            infos: households,
            village_county,
            counties,
        } = household_infos(
            &villages,
            household_village,
            household_income_fen,
            household_members,
        )?;
        Ok(RegistryIndex {
            shift,
            dir,
            keys,
            household,
            facts,
            households,
            flags: household_flags,
            villages,
            village_county,
            counties,
        })
    }

    /// The slot of a registered person, `None` when the key is not
    /// registered.
    #[inline]
    pub fn find(&self, key: PersonKey) -> Option<u32> {
        let b = (mix(key) >> self.shift) as usize;
        let (lo, hi) = (self.dir[b] as usize, self.dir[b + 1] as usize);
        self.keys[lo..hi]
            .iter()
            .position(|&k| k == key)
            .map(|i| (lo + i) as u32)
    }

    /// Number of registered persons.
    pub fn persons(&self) -> usize {
        self.keys.len()
    }

    /// Number of households.
    pub fn households(&self) -> usize {
        self.households.len()
    }

    /// Looks up many keys at once: `slots[i]` is the slot of `keys[i]`, or
    /// [`NOT_REGISTERED`]. Keys go in blocks, each step over a whole block
    /// before the next, so that the memory reads of a block overlap.
    pub fn find_many(&self, keys: &[PersonKey], slots: &mut Vec<u32>) {
        let mut bucket = [0usize; LOOKUP_BLOCK];
        let mut start = [(0u32, 0u32); LOOKUP_BLOCK];
        for block in keys.chunks(LOOKUP_BLOCK) {
            for (b, &k) in bucket.iter_mut().zip(block) {
                *b = (mix(k) >> self.shift) as usize;
            }
            for (s, &b) in start.iter_mut().zip(&bucket[..block.len()]) {
                *s = (self.dir[b], self.dir[b + 1]);
            }
            for (&k, &(lo, hi)) in block.iter().zip(&start) {
                let (lo, hi) = (lo as usize, hi as usize);
                let slot = self.keys[lo..hi]
                    .iter()
                    .position(|&x| x == k)
                    .map_or(NOT_REGISTERED, |i| (lo + i) as u32);
                slots.push(slot);
            }
        }
    }

    /// The key of the person in `slot`.
    #[inline]
    pub fn key(&self, slot: u32) -> PersonKey {
        self.keys[slot as usize]
    }

    /// The household of the person in `slot`.
    #[inline]
    pub fn household_of(&self, slot: u32) -> u32 {
        self.household[slot as usize]
    }

    /// The registry's facts about the person in `slot`.
    #[inline]
    pub fn facts(&self, slot: u32) -> PersonFacts {
        self.facts.get(slot as usize).copied().unwrap_or_default()
    }

    /// The flags of household `h`.
    #[inline]
    pub fn flags(&self, h: u32) -> HouseholdFlags {
        self.flags.get(h as usize).copied().unwrap_or_default()
    }

    /// What the pass reads of household `h`.
    #[inline]
    pub(super) fn info(&self, h: u32) -> HouseholdInfo {
        self.households[h as usize]
    }

    /// The county slot of household `h` (into [`RegistryIndex::counties`]).
    #[inline]
    pub fn county_of(&self, h: u32) -> u32 {
        u32::from(self.households[h as usize].county)
    }

    /// The distinct counties of the registry.
    pub fn counties(&self) -> &[RegionCode] {
        &self.counties
    }

    /// The village codes, as given.
    pub fn villages(&self) -> &[RegionCode] {
        &self.villages
    }

    /// The county slot of village `v`.
    pub fn county_of_village(&self, v: u32) -> u32 {
        self.village_county[v as usize]
    }

    /// Members of household `h`.
    pub fn members(&self, h: u32) -> u16 {
        self.households[h as usize].members
    }

    /// Yearly income of household `h`, in 分.
    pub fn income_fen(&self, h: u32) -> i64 {
        self.households[h as usize].income_fen
    }

    /// The village slot of household `h`.
    pub fn village_of(&self, h: u32) -> u32 {
        self.households[h as usize].village
    }

    /// Bytes held by the index (for the benchmark's memory statement).
    pub fn heap_bytes(&self) -> usize {
        self.dir.len() * 4
            + self.keys.len() * 8
            + self.household.len() * 4
            + self.facts.len()
            + self.households.len() * 16
            + self.flags.len()
            + self.village_county.len() * 4
    }
}

fn check_len(
    column: &'static str,
    found: usize,
    expected: usize,
    may_be_empty: bool,
) -> Result<(), IndexError> {
    if found == expected || (may_be_empty && found == 0) {
        Ok(())
    } else {
        Err(IndexError::Length {
            column,
            found,
            expected,
        })
    }
}

/// Per household what the pass reads; per village its county slot; the
/// distinct counties.
fn household_infos(
    villages: &[RegionCode],
    household_village: Vec<u32>,
    household_income_fen: Vec<i64>,
    members: Vec<u16>,
) -> Result<Households, IndexError> {
    if let Some(h) = household_village
        .iter()
        .position(|&v| v as usize >= villages.len())
    {
        let village = household_village[h];
        return Err(IndexError::NoVillage {
            household: h,
            village,
        });
    }
    let (village_county, counties) = counties_of(villages)?;
    let households = household_village
        .iter()
        .zip(&household_income_fen)
        .zip(&members)
        .map(|((&v, &income_fen), &members)| HouseholdInfo {
            income_fen,
            village: v,
            members,
            county: village_county[v as usize] as u16,
        })
        .collect();
    Ok(Households {
        infos: households,
        village_county,
        counties,
    })
}

/// The household side of an index.
struct Households {
    infos: Vec<HouseholdInfo>,
    village_county: Vec<u32>,
    counties: Vec<RegionCode>,
}

/// Every key of buckets `range` sits in its bucket, in ascending order
/// (so no person twice).
fn check_buckets(
    dir: &[u32],
    keys: &[u64],
    household: &[u32],
    shift: u32,
    households: usize,
    range: Range<usize>,
) -> Result<(), IndexError> {
    let slots = dir[range.start] as usize..dir[range.end] as usize;
    if let Some(i) = household[slots.clone()]
        .iter()
        .position(|&h| h as usize >= households)
    {
        return Err(IndexError::NoHousehold {
            person: slots.start + i,
            household: household[slots.start + i],
        });
    }
    for b in range {
        let run = &keys[dir[b] as usize..dir[b + 1] as usize];
        if run.iter().any(|&k| (mix(k) >> shift) as usize != b) {
            return Err(IndexError::Layout);
        }
        if let Some(i) = run.windows(2).position(|w| w[0] >= w[1]) {
            let at = dir[b] as usize + i;
            if run[i] == run[i + 1] {
                return Err(IndexError::Duplicate {
                    first: household[at].min(household[at + 1]),
                    second: household[at].max(household[at + 1]),
                });
            }
            return Err(IndexError::Layout);
        }
    }
    Ok(())
}

/// Bits of the bucket number: about four persons per bucket.
fn bucket_bits(persons: usize) -> u32 {
    let n = (persons / 4).max(16);
    (usize::BITS - n.leading_zeros()).clamp(4, 31)
}

/// Each village's county slot, and the distinct counties in first-seen order.
fn counties_of(villages: &[RegionCode]) -> Result<(Vec<u32>, Vec<RegionCode>), IndexError> {
    let mut slot: HashMap<RegionCode, u32> = HashMap::new();
    let mut counties = Vec::new();
    let mut of_village = Vec::with_capacity(villages.len());
    for v in villages {
        let county = v
            .ancestor(RegionLevel::County)
            .ok_or_else(|| IndexError::AboveCounty(v.to_string()))?;
        let next = counties.len() as u32;
        if next > u32::from(u16::MAX) {
            return Err(IndexError::TooMany);
        }
        let s = *slot.entry(county.clone()).or_insert(next);
        if s == next {
            counties.push(county);
        }
        of_village.push(s);
    }
    Ok((of_village, counties))
}

fn member_counts(person_household: &[u32], households: usize) -> Result<Vec<u16>, IndexError> {
    let mut members = vec![0u16; households];
    for (p, &h) in person_household.iter().enumerate() {
        let m = members.get_mut(h as usize).ok_or(IndexError::NoHousehold {
            person: p,
            household: h,
        })?;
        *m = m.checked_add(1).ok_or(IndexError::TooLarge(h as usize))?;
    }
    match members.iter().position(|&m| m == 0) {
        Some(h) => Err(IndexError::Empty(h)),
        None => Ok(members),
    }
}

/// Persons per bucket, for buckets in `range` (every key is read; only
/// those of the range are counted, so threads need no merging).
fn count_buckets(keys: &[u64], shift: u32, range: &Range<usize>) -> Vec<u32> {
    let mut counts = vec![0u32; range.len()];
    let (lo, hi) = (range.start as u64, range.end as u64);
    for &k in keys {
        let b = mix(k) >> shift;
        if b >= lo && b < hi {
            counts[(b - lo) as usize] += 1;
        }
    }
    counts
}

/// The input of the scatter step, shared by the threads.
#[derive(Clone, Copy)]
struct Scatter<'a> {
    keys: &'a [u64],
    household: &'a [u32],
    facts: &'a [PersonFacts],
    dir: &'a [u32],
    shift: u32,
}

impl Scatter<'_> {
    /// Places the persons of buckets `range` into the output slices (which
    /// start at the range's first bucket), then sorts each bucket and finds
    /// duplicates.
    fn fill(
        &self,
        range: Range<usize>,
        keys: &mut [u64],
        household: &mut [u32],
        facts: &mut [PersonFacts],
    ) -> Result<(), IndexError> {
        let base = self.dir[range.start];
        let mut next: Vec<u32> = self.dir[range.clone()].iter().map(|d| d - base).collect();
        let (lo, hi) = (range.start as u64, range.end as u64);
        for (p, &k) in self.keys.iter().enumerate() {
            let b = mix(k) >> self.shift;
            if b >= lo && b < hi {
                let at = &mut next[(b - lo) as usize];
                let i = *at as usize;
                *at += 1;
                keys[i] = k;
                household[i] = self.household[p];
                if !facts.is_empty() {
                    facts[i] = self.facts[p];
                }
            }
        }
        for b in range {
            let (s, e) = (
                (self.dir[b] - base) as usize,
                (self.dir[b + 1] - base) as usize,
            );
            sort_bucket(&mut keys[s..e], &mut household[s..e], facts, s)?;
        }
        Ok(())
    }
}

/// Insertion sort of one bucket by key (buckets hold a handful of
/// persons); equal neighbours are the same person twice.
fn sort_bucket(
    keys: &mut [u64],
    household: &mut [u32],
    facts: &mut [PersonFacts],
    offset: usize,
) -> Result<(), IndexError> {
    for i in 1..keys.len() {
        let mut j = i;
        while j > 0 && keys[j - 1] > keys[j] {
            keys.swap(j - 1, j);
            household.swap(j - 1, j);
            if !facts.is_empty() {
                facts.swap(offset + j - 1, offset + j);
            }
            j -= 1;
        }
    }
    match keys.windows(2).position(|w| w[0] == w[1]) {
        Some(i) => Err(IndexError::Duplicate {
            first: household[i].min(household[i + 1]),
            second: household[i].max(household[i + 1]),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn keys_round_trip_to_id_numbers() {
        let id = IdNumber::from_parts("520526", date(1970, 2, 3), 17).expect("valid");
        let key = person_key(&id);
        assert_eq!(key, 52052619700203017);
        assert_eq!(id_of_key(key, date(2026, 1, 1)), Some(id));
        assert_eq!(id_of_key(u64::MAX, date(2026, 1, 1)), None);
    }

    #[test]
    fn facts_pack_and_unpack() {
        let f = PersonFacts::new(LaborCapacity::Weak, Some(3));
        assert!(f.is_laborer());
        assert_eq!(f.disability_grade(), Some(3));
        let g = PersonFacts::new(LaborCapacity::Lost, None);
        assert!(!g.is_laborer());
        assert_eq!(g.disability_grade(), None);
    }

    fn columns(keys: &[u64], households: &[u32]) -> RegistryColumns {
        let n_h = households.iter().max().map_or(0, |m| *m as usize + 1);
        RegistryColumns {
            villages: vec![RegionCode::parse("520526101201").expect("village")],
            household_village: vec![0; n_h],
            household_income_fen: vec![1_000_000; n_h],
            person_key: keys.to_vec(),
            person_household: households.to_vec(),
            ..RegistryColumns::default()
        }
    }

    #[test]
    fn finds_every_person_and_no_one_else() {
        let keys: Vec<u64> = (0..5000u64).map(|i| 52052619800101000 + i * 7).collect();
        let hh: Vec<u32> = (0..5000u32).map(|i| i / 3).collect();
        for threads in [1, 2, 3] {
            let index = RegistryIndex::build(columns(&keys, &hh), threads).expect("valid");
            for (i, &k) in keys.iter().enumerate() {
                let slot = index.find(k).expect("registered");
                assert_eq!(index.key(slot), k);
                assert_eq!(index.household_of(slot), hh[i]);
            }
            assert_eq!(index.find(52052619800101001), None);
            assert_eq!(index.members(0), 3);
            assert_eq!(index.households(), 1667);
        }
    }

    #[test]
    fn a_stored_index_comes_back_checked() {
        let keys: Vec<u64> = (0..3000u64).map(|i| 52052619800101000 + i * 13).collect();
        let hh: Vec<u32> = (0..3000u32).map(|i| i / 2).collect();
        let index = RegistryIndex::build(columns(&keys, &hh), 2).expect("valid");
        let parts = index.clone().into_parts();
        let back = RegistryIndex::from_parts(parts.clone(), 2).expect("intact");
        for &k in &keys {
            assert_eq!(
                back.find(k).map(|s| back.household_of(s)),
                index.find(k).map(|s| index.household_of(s))
            );
        }
        let mut swapped = parts.clone();
        let b = swapped
            .dir
            .windows(2)
            .position(|w| w[1] - w[0] >= 2)
            .expect("a bucket of two");
        swapped
            .keys
            .swap(swapped.dir[b] as usize, swapped.dir[b] as usize + 1);
        assert_eq!(
            RegistryIndex::from_parts(swapped, 1).err(),
            Some(IndexError::Layout)
        );
        let mut twice = parts.clone();
        let at = twice.dir[b] as usize;
        twice.keys[at + 1] = twice.keys[at];
        assert!(matches!(
            RegistryIndex::from_parts(twice, 1),
            Err(IndexError::Duplicate { .. })
        ));
        let mut outside = parts.clone();
        outside.household[0] = 99_999;
        assert!(matches!(
            RegistryIndex::from_parts(outside, 2),
            Err(IndexError::NoHousehold { .. })
        ));
        let mut short = parts;
        short.dir.pop();
        assert!(matches!(
            RegistryIndex::from_parts(short, 2),
            Err(IndexError::Length { .. })
        ));
    }

    #[test]
    fn rejects_bad_columns() {
        let dup = RegistryIndex::build(columns(&[5, 6, 5], &[0, 1, 2]), 2);
        assert_eq!(
            dup.err(),
            Some(IndexError::Duplicate {
                first: 0,
                second: 2
            })
        );
        let gap = columns(&[5, 6], &[0, 2]);
        assert_eq!(
            RegistryIndex::build(gap, 1).err(),
            Some(IndexError::Empty(1))
        );
        let mut county = columns(&[5], &[0]);
        county.villages = vec![RegionCode::parse("5205").expect("city")];
        assert!(matches!(
            RegistryIndex::build(county, 1),
            Err(IndexError::AboveCounty(_))
        ));
    }
}
