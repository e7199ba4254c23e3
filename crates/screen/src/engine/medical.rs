//! 医保: the three medical conditions.
//!
//! - `self_paid_per_stay_above_threshold`: an inpatient row whose self-paid
//!   cost is above `[medical] self_paid_per_stay` of the set in force on
//!   the row's date;
//! - `self_paid_12m_above_threshold`: a person's self-paid total over the
//!   window (the `[window]` of the set in force on the as-of date) above `[medical] self_paid_12_months` of the set in force on
//!   the as-of date;
//! - `income_below_line_times_factor_with_expense`: a household with a
//!   self-paid cost in the window whose income per person is below
//!   `monitoring_line × near_line_factor` of the set in force on the as-of
//!   date. Compared exactly in integers: `income × 1000 < line × factor‰ ×
//!   members`, the factor taken to three decimals.

use super::registry::{HouseholdInfo, NOT_REGISTERED, PersonKey};
use super::select::{Day, NO_SET, Selector, day_of};
use super::sort::{self, pack, payload};
use super::{ColumnsError, ScreenStats, Screener, Screening, Warning, check_rows, par, warning};
use crate::feed::{MedicalRow, VisitType};
use crate::rules::{Condition, RuleBook};
use std::ops::Range;

/// 医保 rows in columns (money in 分).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MedicalColumns {
    person: Vec<PersonKey>,
    day: Vec<Day>,
    visit: Vec<VisitType>,
    self_paid_fen: Vec<i64>,
}

impl MedicalColumns {
    /// Columns of equal length.
    pub fn new(
        person: Vec<PersonKey>,
        day: Vec<Day>,
        visit: Vec<VisitType>,
        self_paid_fen: Vec<i64>,
    ) -> Result<MedicalColumns, ColumnsError> {
        let n = person.len();
        if day.len() != n || visit.len() != n || self_paid_fen.len() != n {
            return Err(ColumnsError::Length);
        }
        check_rows(n)?;
        Ok(MedicalColumns {
            person,
            day,
            visit,
            self_paid_fen,
        })
    }

    /// Appends a parsed row.
    pub fn push_row(&mut self, row: &MedicalRow) {
        self.push(
            super::person_key(&row.id_number),
            day_of(row.settled_on),
            row.visit_type,
            row.self_paid_fen,
        );
    }

    /// Appends one row.
    pub fn push(&mut self, person: PersonKey, day: Day, visit: VisitType, self_paid_fen: i64) {
        self.person.push(person);
        self.day.push(day);
        self.visit.push(visit);
        self.self_paid_fen.push(self_paid_fen);
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.person.len()
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.person.is_empty()
    }

    /// Person keys.
    pub fn person(&self) -> &[PersonKey] {
        &self.person
    }

    /// Settlement days.
    pub fn day(&self) -> &[Day] {
        &self.day
    }

    /// Visit types.
    pub fn visit(&self) -> &[VisitType] {
        &self.visit
    }

    /// Self-paid costs, in 分.
    pub fn self_paid_fen(&self) -> &[i64] {
        &self.self_paid_fen
    }
}

/// The medical rules of one set, with their numbers.
#[derive(Debug, Default)]
struct SetRules {
    stay: Vec<(u16, i64)>,
    year: Vec<(u16, i64)>,
    near: Vec<Near>,
}

#[derive(Debug, Clone, Copy)]
struct Near {
    rule: u16,
    line_fen: i64,
    factor_milli: i64,
}

impl Near {
    fn holds(self, h: HouseholdInfo) -> bool {
        let income = i128::from(h.income_fen) * 1000;
        let bar = i128::from(self.line_fen) * i128::from(self.factor_milli) * i128::from(h.members);
        income < bar
    }
}

/// Rows per block of the row loop.
const BLOCK: usize = 256;

fn compile(book: &RuleBook) -> Vec<SetRules> {
    book.sets()
        .iter()
        .map(|set| {
            let mut out = SetRules::default();
            for (i, rule) in set.rules.iter().enumerate() {
                let i = i as u16;
                match (rule.condition, &set.medical, set.near_line_factor) {
                    (Condition::SelfPaidPerStayAboveThreshold, Some(m), _) => {
                        out.stay.push((i, m.self_paid_per_stay_fen));
                    }
                    (Condition::SelfPaid12mAboveThreshold, Some(m), _) => {
                        out.year.push((i, m.self_paid_12_months_fen));
                    }
                    (Condition::IncomeBelowLineTimesFactorWithExpense, _, Some(f)) => {
                        out.near.push(Near {
                            rule: i,
                            line_fen: set.monitoring_line_fen,
                            factor_milli: (f * 1000.0).round() as i64,
                        });
                    }
                    _ => {}
                }
            }
            out
        })
        .collect()
}

/// A per-stay hit before grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct StayHit {
    slot: u32,
    set: u32,
    rule: u16,
    row: u32,
}

/// A row in the 12-month window: `(slot, row)` packed, and its cost.
#[derive(Debug, Clone, Copy, Default)]
struct WindowRow {
    slot_row: u64,
    paid: i64,
}

/// What one thread finds in its rows.
#[derive(Default)]
struct Chunk {
    stats: ScreenStats,
    unknown: Vec<u32>,
    stay: Vec<StayHit>,
    /// Window rows with a cost, one list per slot range.
    window: Vec<Vec<WindowRow>>,
    /// `(household, row)` of window rows with a cost in a near-line household.
    near: Vec<u64>,
}

/// Everything the row loop reads.
struct Pass<'a> {
    s: &'a Screener<'a>,
    rows: &'a MedicalColumns,
    sel: Selector,
    rules: Vec<SetRules>,
    /// Set in force on the as-of date, per county.
    at_as_of: Vec<u32>,
    as_of: Day,
    /// First day of each set's window ending on the as-of date.
    window_start: Vec<Day>,
    slot_parts: Vec<Range<usize>>,
}

impl Screener<'_> {
    /// Screens a 医保 batch.
    pub fn medical(&self, rows: &MedicalColumns) -> Screening {
        let as_of = day_of(self.as_of);
        let first = self.first_day(&rows.day);
        let sel = Selector::new(self.book, self.index.counties(), first, as_of);
        let at_as_of = (0..self.index.counties().len() as u32)
            .map(|c| sel.at(c, as_of))
            .collect();
        let threads = self.threads.max(1);
        let pass = Pass {
            s: self,
            rows,
            sel,
            rules: compile(self.book),
            at_as_of,
            as_of,
            window_start: self.window_starts(),
            slot_parts: par::split(self.index.persons(), threads),
        };
        let chunks = par::map(&par::split(rows.len(), threads), |r| pass.scan(r.clone()));
        pass.collect(chunks)
    }
}

impl Pass<'_> {
    /// The row loop: lookup, per-stay rule, window rows. Rows go in
    /// blocks, each step (person lookup, household, rules) over the whole
    /// block before the next, so that the memory reads of a block overlap.
    fn scan(&self, range: Range<usize>) -> Chunk {
        let index = self.s.index;
        let rows = self.rows;
        let mut c = Chunk {
            window: vec![Vec::new(); self.slot_parts.len()],
            ..Chunk::default()
        };
        let part_len = self.slot_parts[0].len().max(1);
        let mut slots = Vec::with_capacity(BLOCK);
        let mut households = Vec::with_capacity(BLOCK);
        let mut infos: Vec<Option<HouseholdInfo>> = Vec::with_capacity(BLOCK);
        let mut start = range.start;
        while start < range.end {
            let end = (start + BLOCK).min(range.end);
            slots.clear();
            index.find_many(&rows.person[start..end], &mut slots);
            households.clear();
            households.extend(slots.iter().map(|&s| {
                if s == NOT_REGISTERED {
                    u32::MAX
                } else {
                    index.household_of(s)
                }
            }));
            infos.clear();
            infos.extend(
                households
                    .iter()
                    .map(|&h| (h != u32::MAX).then(|| index.info(h))),
            );
            for (k, i) in (start..end).enumerate() {
                c.stats.rows += 1;
                let day = rows.day[i];
                if day > self.as_of {
                    c.stats.after_as_of += 1;
                    continue;
                }
                let (slot, Some(info)) = (slots[k], infos[k]) else {
                    c.stats.unknown += 1;
                    c.unknown.push(i as u32);
                    continue;
                };
                c.stats.matched += 1;
                let h = households[k];
                let county = u32::from(info.county);
                let paid = rows.self_paid_fen[i];
                let set = self.sel.at(county, day);
                if set == NO_SET {
                    c.stats.no_rule_set += 1;
                } else if rows.visit[i] == VisitType::Inpatient {
                    for &(rule, threshold) in &self.rules[set as usize].stay {
                        if paid > threshold {
                            c.stay.push(StayHit {
                                slot,
                                set,
                                rule,
                                row: i as u32,
                            });
                        }
                    }
                }
                let at_as_of = self.at_as_of[county as usize];
                if at_as_of != NO_SET && day >= self.window_start[at_as_of as usize] && paid > 0 {
                    let rules = &self.rules[at_as_of as usize];
                    if !rules.year.is_empty() {
                        let part = (slot as usize / part_len).min(self.slot_parts.len() - 1);
                        c.window[part].push(WindowRow {
                            slot_row: pack(slot, i as u32),
                            paid,
                        });
                    }
                    if rules.near.iter().any(|n| n.holds(info)) {
                        c.near.push(pack(h, i as u32));
                    }
                }
            }
            start = end;
        }
        c
    }

    /// Groups the hits of all threads into warnings.
    fn collect(&self, chunks: Vec<Chunk>) -> Screening {
        let mut out = Screening::default();
        let mut stay = Vec::new();
        let mut near = Vec::new();
        let mut window: Vec<Vec<Vec<WindowRow>>> = vec![Vec::new(); self.slot_parts.len()];
        for c in chunks {
            out.stats.add(&c.stats);
            out.unknown_rows.extend(c.unknown);
            stay.extend(c.stay);
            near.extend(c.near);
            for (w, part) in window.iter_mut().zip(c.window) {
                w.push(part);
            }
        }
        let key_bits = sort::bits_for(self.s.index.persons());
        let mut warnings = par::map_owned(window, |chunks| {
            let sorted = sort::gather_sorted(chunks, key_bits, |w| w.slot_row >> 32);
            self.year_warnings(sorted)
        })
        .concat();
        let (near, stay) = if self.s.threads > 1 {
            std::thread::scope(|s| {
                let near = s.spawn(|| self.near_warnings(near));
                let stay = self.stay_warnings(stay);
                (near.join().expect("screening worker does not panic"), stay)
            })
        } else {
            (self.near_warnings(near), self.stay_warnings(stay))
        };
        warnings.extend(near);
        warnings.extend(stay);
        out.warnings = super::finish(warnings);
        out
    }

    /// 12-month totals per person (`part` sorted by slot). Only a total above the lowest 12-month
    /// threshold of the book is looked at further (household, set), so
    /// that most persons cost a sequential read only.
    fn year_warnings(&self, part: Vec<WindowRow>) -> Vec<Warning> {
        let index = self.s.index;
        let lowest = self
            .rules
            .iter()
            .flat_map(|r| r.year.iter().map(|y| y.1))
            .min()
            .unwrap_or(i64::MAX);
        let mut out = Vec::new();
        for group in part.chunk_by(|a, b| a.slot_row >> 32 == b.slot_row >> 32) {
            let total: i128 = group.iter().map(|w| i128::from(w.paid)).sum();
            if total <= i128::from(lowest) {
                continue;
            }
            let slot = (group[0].slot_row >> 32) as u32;
            let h = index.household_of(slot);
            let set = self.at_as_of[index.county_of(h) as usize];
            if set == NO_SET {
                continue;
            }
            for &(rule, threshold) in &self.rules[set as usize].year {
                if total > i128::from(threshold) {
                    let evidence = group.iter().map(|w| payload(w.slot_row)).collect();
                    let key = index.key(slot);
                    out.push(warning(self.s.book, set, rule, h, Some(key), evidence));
                }
            }
        }
        out
    }

    /// Near-line households with an expense.
    fn near_warnings(&self, mut near: Vec<u64>) -> Vec<Warning> {
        let index = self.s.index;
        sort::by_high_word(&mut near, sort::bits_for(index.households()));
        let mut out = Vec::new();
        for (h, group) in sort::groups(&near) {
            let set = self.at_as_of[index.county_of(h) as usize];
            for n in &self.rules[set as usize].near {
                if n.holds(index.info(h)) {
                    let mut evidence: Vec<u32> = group.iter().map(|&x| payload(x)).collect();
                    evidence.sort_unstable();
                    out.push(warning(self.s.book, set, n.rule, h, None, evidence));
                }
            }
        }
        out
    }

    /// One warning per (person, set, rule) of per-stay hits.
    fn stay_warnings(&self, mut stay: Vec<StayHit>) -> Vec<Warning> {
        let index = self.s.index;
        stay.sort_unstable();
        stay.chunk_by(|a, b| (a.slot, a.set, a.rule) == (b.slot, b.set, b.rule))
            .map(|g| {
                let first = g[0];
                let evidence = g.iter().map(|x| x.row).collect();
                let h = index.household_of(first.slot);
                let key = index.key(first.slot);
                warning(self.s.book, first.set, first.rule, h, Some(key), evidence)
            })
            .collect()
    }
}
