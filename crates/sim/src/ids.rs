//! Birth dates and resident ID numbers (身份证号) that never repeat in a run.
//!
//! Each county keeps a bitset of used (birth date, sequence) pairs: about
//! 38,000 days × 999 sequences ≈ 4.8 MB per county, whatever the number of
//! households, so memory stays bounded while every number stays unique.

use crate::random::SimRng;
use chrono::{Days, Months, NaiveDate};
use dixian_domain::{IdNumber, Sex};
use rand::Rng;
use std::collections::HashMap;

/// Oldest age the generator produces.
pub(crate) const MAX_AGE: u32 = 104;

/// Maps ages to birth-day ranges; days are counted from the earliest birth
/// date a person of `MAX_AGE` can have.
pub(crate) struct Calendar {
    base: NaiveDate,
    /// `last_day[a]`: the latest birth day of a person aged `a` on `as_of`.
    last_day: Vec<u32>,
}

impl Calendar {
    /// The calendar of a run whose ages are taken on `as_of`.
    pub(crate) fn new(as_of: NaiveDate) -> Self {
        let years_ago = |a: u32| {
            as_of
                .checked_sub_months(Months::new(12 * a))
                .expect("as_of is checked to be after 2010")
        };
        let base = years_ago(MAX_AGE + 1);
        let last_day = (0..=MAX_AGE + 1)
            .map(|a| (years_ago(a) - base).num_days() as u32)
            .collect();
        Calendar { base, last_day }
    }

    /// A random birth day of someone aged `age` (capped at `MAX_AGE`).
    pub(crate) fn birth_day(&self, rng: &mut SimRng, age: u32) -> u32 {
        let a = age.min(MAX_AGE) as usize;
        let span = self.last_day[a] - self.last_day[a + 1];
        self.last_day[a] - rng.random_range(0..span)
    }

    /// The date of a day number.
    pub(crate) fn date(&self, day: u32) -> NaiveDate {
        self.base + Days::new(u64::from(day))
    }

    /// Number of day numbers in use (0 is never a birth day).
    fn days(&self) -> u32 {
        self.last_day[0] + 1
    }
}

/// Sequences per day: 001–999.
const SEQUENCES: usize = 999;

/// Hands out ID numbers, unique per county for the whole run.
pub(crate) struct IdAllocator {
    calendar: Calendar,
    used: HashMap<String, Vec<u64>>,
}

impl IdAllocator {
    /// An allocator for ages taken on `as_of`.
    pub(crate) fn new(as_of: NaiveDate) -> Self {
        IdAllocator {
            calendar: Calendar::new(as_of),
            used: HashMap::new(),
        }
    }

    /// The calendar used for birth days.
    pub(crate) fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// A fresh ID in `county6` for someone born on `day` (moved to a nearby
    /// day only when all of that day's sequences of the sex are taken).
    ///
    /// # Panics
    /// When the county's whole ID space (≈ 19 million per sex) is used up.
    pub(crate) fn allocate(
        &mut self,
        rng: &mut SimRng,
        county6: &str,
        day: u32,
        sex: Sex,
    ) -> IdNumber {
        let days = self.calendar.days();
        if !self.used.contains_key(county6) {
            let words = (days as usize * SEQUENCES).div_ceil(64);
            self.used.insert(county6.to_string(), vec![0; words]);
        }
        let bits = self.used.get_mut(county6).expect("inserted above");
        let (day, seq) = nearest_free(bits, rng, day, days, sex)
            .unwrap_or_else(|| panic!("ID space of county {county6} is exhausted"));
        IdNumber::from_parts(county6, self.calendar.date(day), seq)
            .expect("county code, past birth date and sequence are valid by construction")
    }
}

/// Searches `day`, then days further and further away, for a free sequence.
fn nearest_free(
    bits: &mut [u64],
    rng: &mut SimRng,
    day: u32,
    days: u32,
    sex: Sex,
) -> Option<(u32, u16)> {
    (0..days).find_map(|step| {
        let earlier = day.checked_sub(step).filter(|&d| d >= 1);
        let later = Some(day + step).filter(|&d| d < days && step > 0);
        [earlier, later]
            .into_iter()
            .flatten()
            .find_map(|d| free_sequence(bits, rng, d, sex).map(|s| (d, s)))
    })
}

/// Claims a free sequence of the right parity on `day`: a few random tries,
/// then a scan from a random start.
fn free_sequence(bits: &mut [u64], rng: &mut SimRng, day: u32, sex: Sex) -> Option<u16> {
    // Odd sequences are men's (001–999: 500), even ones women's (002–998: 499).
    let count: u16 = if sex == Sex::Male { 500 } else { 499 };
    let seq_of = |k: u16| {
        if sex == Sex::Male {
            2 * k + 1
        } else {
            2 * k + 2
        }
    };
    let start = rng.random_range(0..count);
    let tries = (0..4).map(|_| rng.random_range(0..count));
    let scan = (0..count).map(|i| (start + i) % count);
    tries
        .chain(scan)
        .map(seq_of)
        .find(|&seq| claim(bits, day, seq))
}

/// Marks (day, seq) used; false when it already was.
fn claim(bits: &mut [u64], day: u32, seq: u16) -> bool {
    let i = day as usize * SEQUENCES + usize::from(seq - 1);
    let (word, mask) = (i / 64, 1u64 << (i % 64));
    let free = bits[word] & mask == 0;
    bits[word] |= mask;
    free
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use std::collections::HashSet;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn birth_days_give_the_asked_age() {
        let mut rng = SimRng::seed_from_u64(3);
        for as_of in [date(2025, 12, 31), date(2024, 2, 29), date(2026, 3, 1)] {
            let cal = Calendar::new(as_of);
            for age in 0..=MAX_AGE {
                for _ in 0..20 {
                    let born = cal.date(cal.birth_day(&mut rng, age));
                    assert_eq!(as_of.years_since(born), Some(age), "{as_of} {born}");
                }
            }
        }
    }

    #[test]
    fn a_crowded_day_spills_over_with_parity_kept() {
        let mut rng = SimRng::seed_from_u64(4);
        let mut ids = IdAllocator::new(date(2025, 12, 31));
        let day = ids.calendar().birth_day(&mut rng, 40);
        let mut seen = HashSet::new();
        for i in 0..1200 {
            let sex = if i % 2 == 0 { Sex::Male } else { Sex::Female };
            let id = ids.allocate(&mut rng, "520526", day, sex);
            assert_eq!(id.sex(), sex);
            assert_eq!(id.region6(), "520526");
            assert!(seen.insert(id.as_str().to_string()), "repeated {id:?}");
        }
        // 500 males and 499 females fit on one day; the rest moved to neighbours.
        let on_day = seen
            .iter()
            .filter(|s| s[6..14] == ids.calendar().date(day).format("%Y%m%d").to_string())
            .count();
        assert_eq!(on_day, 999);
    }

    #[test]
    fn counties_have_separate_spaces() {
        let mut rng = SimRng::seed_from_u64(5);
        let mut ids = IdAllocator::new(date(2025, 12, 31));
        let a = ids.allocate(&mut rng, "520526", 9000, Sex::Female);
        let b = ids.allocate(&mut rng, "520527", 9000, Sex::Female);
        assert_eq!(a.region6(), "520526");
        assert_eq!(b.region6(), "520527");
    }
}
