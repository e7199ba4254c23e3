//! The screening pass (筛查): feed rows joined to the registry by ID
//! number, the rule set in force chosen per row, each rule's condition
//! evaluated, warnings out. A pure function of its inputs — registry
//! index, rows, rule book, as-of date — with no I/O and no clock;
//! idempotency (batch hash + row key) belongs to the store that keeps the
//! warnings.
//!
//! **Which rule set.** Each warning names the set it was raised under:
//! the set `RuleBook::select` returns for the household's county (a county
//! set beats its province's, which beats the national baseline) and
//!
//! - for conditions on one row (a stay, a certificate, a drop-out, …): the
//!   row's own date;
//! - for windowed conditions (12-month self-paid total, near-line household
//!   with an expense, water outage days, income below the line): the as-of
//!   date, since the window ends there.
//!
//! **The window** is the `[window]` of the rule set in force on the as-of
//! date (`rules::Window`): by default the 365 days ending on the as-of
//! date, both ends included (a row dated `as_of − 364` is in, `as_of − 365`
//! is out); or rolling N days (1–366); or the calendar year of the as-of
//! date. Rows dated after the as-of date are counted and left alone.
//!
//! **One warning per subject**: per-row conditions give one warning per
//! (rule, person, rule set) with every qualifying row as evidence; the
//! 12-month rule one per (rule, person); household conditions (near line,
//! water, income below the line) one per (rule, household). Warnings come sorted by household,
//! person, set and rule, so equal inputs give equal outputs whatever the
//! number of threads.
//!
//! A valid ID number that matches no registered person is not an error:
//! its rows are counted and listed (`unknown_rows`), never warned.

mod events;
mod medical;
mod par;
mod registry;
mod select;
mod sort;
mod water;

pub use events::{EventColumns, EventRow};
pub use medical::MedicalColumns;
pub use registry::{
    HouseholdFlags, IndexError, IndexParts, NOT_REGISTERED, PersonFacts, PersonKey,
    RegistryColumns, RegistryIndex, id_of_key, person_key,
};
pub use select::{Day, date_of, day_of};
pub use water::WaterColumns;

use crate::rules::{Rule, RuleBook, RuleSet, Severity};
use chrono::NaiveDate;
use dixian_domain::{IdNumber, RiskType};
use std::fmt;

/// A person named by a warning: the [`person_key`] of the ID number.
/// `Debug` is masked (first 6 digits only), as for `IdNumber`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PersonId(pub PersonKey);

impl PersonId {
    /// The full ID number (personal data: show only where the role may).
    pub fn id_number(self, today: NaiveDate) -> Option<IdNumber> {
        id_of_key(self.0, today)
    }
}

impl fmt::Debug for PersonId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonId({:06}…)", self.0 / 100_000_000_000)
    }
}

/// A warning (预警线索): which rule of which set fired for whom, and the
/// feed rows that made it fire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Household, by its position in the registry columns.
    pub household: u32,
    /// The person, for conditions on a person; `None` for household
    /// conditions (near line, water).
    pub person: Option<PersonId>,
    /// The rule set, by its position in `RuleBook::sets` (region and
    /// version: [`Warning::rule_set`]).
    pub set: u32,
    /// The rule, by its position in the set's `rules`.
    pub rule: u16,
    /// Risk type the rule assigns.
    pub risk: RiskType,
    /// Severity the rule assigns.
    pub severity: Severity,
    /// Feed rows (positions in the batch), ascending.
    pub evidence: Vec<u32>,
}

impl Warning {
    /// The set the warning was raised under.
    pub fn rule_set<'b>(&self, book: &'b RuleBook) -> &'b RuleSet {
        &book.sets()[self.set as usize]
    }

    /// The rule that fired.
    pub fn rule_in<'b>(&self, book: &'b RuleBook) -> &'b Rule {
        &self.rule_set(book).rules[usize::from(self.rule)]
    }

    fn order(&self) -> (u32, Option<PersonId>, u32, u16) {
        (self.household, self.person, self.set, self.rule)
    }
}

/// Counts of one pass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScreenStats {
    /// Rows read.
    pub rows: usize,
    /// Rows whose person (or village) is registered.
    pub matched: usize,
    /// Rows with a valid ID of no registered person (a coverage gap).
    pub unknown: usize,
    /// Rows dated after the as-of date, left alone.
    pub after_as_of: usize,
    /// Matched rows for whose date and county no rule set is in force.
    pub no_rule_set: usize,
}

impl ScreenStats {
    /// Adds the counts of another pass (e.g. of another feed kind).
    pub fn add(&mut self, o: &ScreenStats) {
        self.rows += o.rows;
        self.matched += o.matched;
        self.unknown += o.unknown;
        self.after_as_of += o.after_as_of;
        self.no_rule_set += o.no_rule_set;
    }
}

/// The outcome of a pass.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Screening {
    /// Warnings, in the deterministic order described in the module docs.
    pub warnings: Vec<Warning>,
    /// Rows whose ID matches no registered person, ascending.
    pub unknown_rows: Vec<u32>,
    /// Counts.
    pub stats: ScreenStats,
}

/// Rows of one feed, in columns.
#[derive(Debug, Clone, PartialEq)]
pub enum FeedColumns {
    /// 医保.
    Medical(MedicalColumns),
    /// A feed of per-person events (every kind but medical and water).
    Events(EventColumns),
    /// 水利, per village.
    Water(WaterColumns),
}

/// Why rows cannot be screened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ColumnsError {
    /// Columns of one batch differ in length.
    #[error("feed columns differ in length (数据列长度不一致)")]
    Length,
    /// More rows than 32-bit row numbers allow.
    #[error("more than 4 billion rows in one batch (批次行数超出上限)")]
    TooMany,
}

/// One pass: a registry, a rule book, an as-of date and a thread budget.
#[derive(Clone, Copy)]
pub struct Screener<'a> {
    /// The registry.
    pub index: &'a RegistryIndex,
    /// Every rule set of the deployment.
    pub book: &'a RuleBook,
    /// Windows end on this day; later rows are left alone.
    pub as_of: NaiveDate,
    /// Threads to use (1 runs on the caller's thread only).
    pub threads: usize,
}

impl Screener<'_> {
    /// Screens one batch of any kind.
    pub fn screen(&self, feed: &FeedColumns) -> Screening {
        match feed {
            FeedColumns::Medical(m) => self.medical(m),
            FeedColumns::Events(e) => self.events(e),
            FeedColumns::Water(w) => self.water(w),
        }
    }

    /// The first day the selector needs for rows dated `days` and windows
    /// ending on the as-of date.
    fn first_day(&self, days: &[Day]) -> Day {
        let as_of = day_of(self.as_of);
        let parts = par::split(days.len(), self.threads);
        let min = par::map(&parts, |r| days[r.clone()].iter().copied().min())
            .into_iter()
            .flatten()
            .min();
        min.unwrap_or(as_of)
            .min(day_of(crate::rules::Window::widest_start(self.as_of)))
    }

    /// The first day of each rule set's window ending on the as-of date,
    /// by set position.
    fn window_starts(&self) -> Vec<Day> {
        self.book
            .sets()
            .iter()
            .map(|s| day_of(s.window.start(self.as_of)))
            .collect()
    }
}

/// Sorts warnings into their stable order.
fn finish(mut warnings: Vec<Warning>) -> Vec<Warning> {
    warnings.sort_unstable_by_key(Warning::order);
    warnings
}

/// The rule's warning for `household`/`person` under `set`.
fn warning(
    book: &RuleBook,
    set: u32,
    rule: u16,
    household: u32,
    person: Option<PersonKey>,
    evidence: Vec<u32>,
) -> Warning {
    let r = &book.sets()[set as usize].rules[usize::from(rule)];
    Warning {
        household,
        person: person.map(PersonId),
        set,
        rule,
        risk: r.risk,
        severity: r.severity,
        evidence,
    }
}

/// `rows` fits 32-bit row numbers.
fn check_rows(rows: usize) -> Result<(), ColumnsError> {
    if rows >= u32::MAX as usize {
        Err(ColumnsError::TooMany)
    } else {
        Ok(())
    }
}
