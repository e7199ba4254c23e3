//! Rule-set selection at the pass's speed: for every county of the
//! registry and every day the feed touches, the set `RuleBook::select`
//! would return, computed once into a table (counties that share their
//! candidate sets share a timeline).

use crate::rules::{RuleBook, RuleRegion};
use chrono::NaiveDate;
use dixian_domain::{RegionCode, RegionLevel};
use std::collections::HashMap;

/// A date as days since 1970-01-01: what the feed columns hold.
pub type Day = i32;

/// The day number of a date.
pub fn day_of(date: NaiveDate) -> Day {
    (date - NaiveDate::default()).num_days() as Day
}

/// The date of a day number.
pub fn date_of(day: Day) -> NaiveDate {
    NaiveDate::default() + chrono::Duration::days(i64::from(day))
}

/// No rule set in force.
pub(crate) const NO_SET: u32 = u32::MAX;

/// Set index (into `RuleBook::sets`) per county and day.
pub(crate) struct Selector {
    first: Day,
    span: usize,
    timeline_of: Vec<usize>,
    sets: Vec<u32>,
}

impl Selector {
    /// The table for `counties` over the days `first..=last`.
    pub(crate) fn new(book: &RuleBook, counties: &[RegionCode], first: Day, last: Day) -> Self {
        let span = (i64::from(last) - i64::from(first) + 1).max(0) as usize;
        let mut timelines: HashMap<Vec<u32>, usize> = HashMap::new();
        let mut sets = Vec::new();
        let mut timeline_of = Vec::with_capacity(counties.len());
        for county in counties {
            let candidates = candidates(book, county);
            let next = timelines.len();
            let t = *timelines.entry(candidates.clone()).or_insert(next);
            if t == next {
                sets.extend((0..span).map(|d| {
                    let date = date_of(first + d as Day);
                    candidates
                        .iter()
                        .copied()
                        .find(|&s| book.sets()[s as usize].in_force(date))
                        .unwrap_or(NO_SET)
                }));
            }
            timeline_of.push(t * span);
        }
        Selector {
            first,
            span,
            timeline_of,
            sets,
        }
    }

    /// The set in force for `county` on `day` (`NO_SET` when none is, or
    /// the day lies outside the table).
    #[inline]
    pub(crate) fn at(&self, county: u32, day: Day) -> u32 {
        let d = i64::from(day) - i64::from(self.first);
        if d < 0 || d as usize >= self.span {
            return NO_SET;
        }
        self.sets[self.timeline_of[county as usize] + d as usize]
    }
}

/// The sets that can apply to `county`, in the order `select` tries them:
/// the county's, the province's, the national baseline's.
fn candidates(book: &RuleBook, county: &RegionCode) -> Vec<u32> {
    let province = county.ancestor(RegionLevel::Province);
    let levels = [
        Some(RuleRegion::Code(county.clone())),
        province.map(RuleRegion::Code),
        Some(RuleRegion::National),
    ];
    levels
        .into_iter()
        .flatten()
        .flat_map(|r| {
            book.sets()
                .iter()
                .enumerate()
                .filter(move |(_, s)| s.region == r)
                .map(|(i, _)| i as u32)
        })
        .collect()
}
