//! Feeds of per-person events (残联, 民政, 教育, 住建, 人社, 应急管理,
//! 公安/卫健, 资产): each condition reads one row, the set in force on the
//! row's date, and what the registry says of the person.
//!
//! - `disability_new_or_worse`: no registered grade, or a grade more severe
//!   (a lower number) than the registered one;
//! - `assistance_granted` / `assistance_stopped`: the row's status;
//! - `dropped_out`: status 辍学;
//! - `housing_grade_in`: the grade is one of `[housing] grades`;
//! - `unemployed_or_returned`: status 失业 or 返乡;
//! - `disaster_loss_above_threshold_or_collapse`: loss above `[disaster]
//!   loss_threshold`, or house damage listed in `[disaster] house_damage`;
//! - `death_of_laborer`: a death of a member registered with labor capacity
//!   (有劳动力 or 弱劳动力);
//! - `asset_contradiction`: an asset in the name of a member of a household
//!   that is or was supported (monitored or formerly registered poor) —
//!   elsewhere an asset contradicts nothing;
//! - `income_below_line` (a household condition over the window of the set
//!   in force on the as-of date): the household has 人社 rows in the
//!   window, and its yearly income — the registry's, plus 12 × the change
//!   of each worker's monthly income from the first to the last of the
//!   worker's rows in the window (by date, then file order) — is below
//!   `monitoring_line × members`, compared exactly in 分. One row of a
//!   worker changes nothing: the registry already holds the income of the
//!   year it was verified; a worker whose wage fell from 3,000 to 0 a month
//!   takes 36,000 元 off the household's year. Evidence: every 人社 row of
//!   the household in the window.

use super::Warning;
use super::registry::{PersonKey, RegistryIndex};
use super::select::{Day, NO_SET, Selector, day_of};
use super::{ColumnsError, ScreenStats, Screener, Screening, check_rows, par, warning};
use crate::feed::{
    AssistanceStatus, FeedKind, FeedRow, HouseDamage, JobStatus, PersonalAssetKind, VitalEvent,
};
use crate::rules::{Condition, RuleBook, RuleSet};
use dixian_domain::{HousingGrade, StudentStatus};
use std::ops::Range;

/// What an event row says, beyond person and date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventRow {
    /// 残联: the certificate's grade (1 most severe … 4).
    Disability {
        /// 残疾等级.
        grade: u8,
    },
    /// 民政: granted or stopped.
    Assistance {
        /// 状态.
        status: AssistanceStatus,
    },
    /// 教育: the student's status.
    Education {
        /// 状态.
        status: StudentStatus,
    },
    /// 住建: the house's safety grade.
    Housing {
        /// 鉴定等级.
        grade: HousingGrade,
    },
    /// 人社: the worker's status and monthly income.
    Employment {
        /// 就业状态.
        status: JobStatus,
        /// 月收入, in 分.
        monthly_income_fen: i64,
    },
    /// 应急管理: loss and house damage.
    Disaster {
        /// 损失金额, in 分.
        loss_fen: i64,
        /// 房屋损毁.
        damage: HouseDamage,
    },
    /// 公安/卫健: the event.
    Vital {
        /// 事件.
        event: VitalEvent,
    },
    /// 资产: what was found.
    Assets {
        /// 资产类型.
        kind: PersonalAssetKind,
    },
}

impl EventRow {
    /// The feed the row belongs to.
    pub fn kind(&self) -> FeedKind {
        match self {
            EventRow::Disability { .. } => FeedKind::Disability,
            EventRow::Assistance { .. } => FeedKind::Assistance,
            EventRow::Education { .. } => FeedKind::Education,
            EventRow::Housing { .. } => FeedKind::Housing,
            EventRow::Employment { .. } => FeedKind::Employment,
            EventRow::Disaster { .. } => FeedKind::Disaster,
            EventRow::Vital { .. } => FeedKind::Vital,
            EventRow::Assets { .. } => FeedKind::Assets,
        }
    }

    /// Person, day and event of a parsed row; `None` for medical and water
    /// rows, which have their own columns.
    pub fn of(row: &FeedRow) -> Option<(PersonKey, Day, EventRow)> {
        let (e, day) = match row {
            FeedRow::Disability(r) => (
                EventRow::Disability {
                    grade: r.disability_grade,
                },
                r.issued_on,
            ),
            FeedRow::Assistance(r) => (EventRow::Assistance { status: r.status }, r.date),
            FeedRow::Education(r) => (EventRow::Education { status: r.status }, r.date),
            FeedRow::Housing(r) => (
                EventRow::Housing {
                    grade: r.safety_grade,
                },
                r.assessed_on,
            ),
            FeedRow::Employment(r) => (
                EventRow::Employment {
                    status: r.status,
                    monthly_income_fen: r.monthly_income_fen,
                },
                r.date,
            ),
            FeedRow::Disaster(r) => (
                EventRow::Disaster {
                    loss_fen: r.loss_fen,
                    damage: r.house_damage,
                },
                r.date,
            ),
            FeedRow::Vital(r) => (EventRow::Vital { event: r.event }, r.date),
            FeedRow::Assets(r) => (EventRow::Assets { kind: r.asset_kind }, r.date),
            FeedRow::Medical(_) | FeedRow::Water(_) => return None,
        };
        let id = row.id_number()?;
        Some((super::person_key(id), day_of(day), e))
    }

    /// Whether `condition` of `set` fires for this row of the person in
    /// `slot` (whose registered facts and household flags some conditions read).
    fn fires(&self, condition: Condition, set: &RuleSet, index: &RegistryIndex, slot: u32) -> bool {
        use Condition as C;
        match (*self, condition) {
            (EventRow::Disability { grade }, C::DisabilityNewOrWorse) => index
                .facts(slot)
                .disability_grade()
                .is_none_or(|registered| grade < registered),
            (EventRow::Assistance { status }, C::AssistanceGranted) => {
                status == AssistanceStatus::Granted
            }
            (EventRow::Assistance { status }, C::AssistanceStopped) => {
                status == AssistanceStatus::Stopped
            }
            (EventRow::Education { status }, C::DroppedOut) => status == StudentStatus::DroppedOut,
            (EventRow::Housing { grade }, C::HousingGradeIn) => set
                .housing
                .as_ref()
                .is_some_and(|h| h.grades.contains(&grade)),
            (EventRow::Employment { status, .. }, C::UnemployedOrReturned) => {
                matches!(status, JobStatus::Unemployed | JobStatus::Returned)
            }
            (EventRow::Disaster { loss_fen, damage }, C::DisasterLossAboveThresholdOrCollapse) => {
                set.disaster
                    .as_ref()
                    .is_some_and(|d| loss_fen > d.loss_fen || d.house_damage.contains(&damage))
            }
            (EventRow::Vital { event }, C::DeathOfLaborer) => {
                event == VitalEvent::Death && index.facts(slot).is_laborer()
            }
            (EventRow::Assets { .. }, C::AssetContradiction) => {
                index.flags(index.household_of(slot)).is_supported()
            }
            _ => false,
        }
    }
}

/// Rows of one per-person event feed, in columns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventColumns {
    person: Vec<PersonKey>,
    day: Vec<Day>,
    event: Vec<EventRow>,
}

impl EventColumns {
    /// Columns of equal length.
    pub fn new(
        person: Vec<PersonKey>,
        day: Vec<Day>,
        event: Vec<EventRow>,
    ) -> Result<EventColumns, ColumnsError> {
        if day.len() != person.len() || event.len() != person.len() {
            return Err(ColumnsError::Length);
        }
        check_rows(person.len())?;
        Ok(EventColumns { person, day, event })
    }

    /// Appends a parsed row; false (nothing appended) for medical and water rows.
    pub fn push_row(&mut self, row: &FeedRow) -> bool {
        match EventRow::of(row) {
            Some((p, d, e)) => {
                self.push(p, d, e);
                true
            }
            None => false,
        }
    }

    /// Appends one row.
    pub fn push(&mut self, person: PersonKey, day: Day, event: EventRow) {
        self.person.push(person);
        self.day.push(day);
        self.event.push(event);
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.person.len()
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.person.is_empty()
    }
}

/// A hit before grouping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Hit {
    slot: u32,
    set: u32,
    rule: u16,
    row: u32,
}

/// A 人社 row in the window of a household whose set has an income rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct IncomeRow {
    household: u32,
    slot: u32,
    day: Day,
    row: u32,
    monthly_fen: i64,
}

/// Per set, the rules that read each event kind: `(kind, rule, condition)`.
fn compile(book: &RuleBook) -> Vec<Vec<(FeedKind, u16, Condition)>> {
    book.sets()
        .iter()
        .map(|s| {
            s.rules
                .iter()
                .enumerate()
                .map(|(i, r)| (r.feed, i as u16, r.condition))
                .collect()
        })
        .collect()
}

impl Screener<'_> {
    /// Screens a batch of per-person events (any kind but medical and water).
    pub fn events(&self, rows: &EventColumns) -> Screening {
        let as_of = day_of(self.as_of);
        let sel = Selector::new(
            self.book,
            self.index.counties(),
            self.first_day(&rows.day),
            as_of,
        );
        let rules = compile(self.book);
        let starts = self.window_starts();
        // Per set: whether it has an income rule (read at the as-of date).
        let income_sets: Vec<bool> = rules
            .iter()
            .map(|r| r.iter().any(|x| x.2 == Condition::IncomeBelowLine))
            .collect();
        let scan = |range: &Range<usize>| {
            let (mut stats, mut unknown, mut hits, mut income) =
                (ScreenStats::default(), Vec::new(), Vec::new(), Vec::new());
            for i in range.clone() {
                stats.rows += 1;
                if rows.day[i] > as_of {
                    stats.after_as_of += 1;
                    continue;
                }
                let Some(slot) = self.index.find(rows.person[i]) else {
                    stats.unknown += 1;
                    unknown.push(i as u32);
                    continue;
                };
                stats.matched += 1;
                let household = self.index.household_of(slot);
                let county = self.index.county_of(household);
                if let EventRow::Employment {
                    monthly_income_fen, ..
                } = rows.event[i]
                {
                    let at_as_of = sel.at(county, as_of);
                    if at_as_of != NO_SET
                        && income_sets[at_as_of as usize]
                        && rows.day[i] >= starts[at_as_of as usize]
                    {
                        income.push(IncomeRow {
                            household,
                            slot,
                            day: rows.day[i],
                            row: i as u32,
                            monthly_fen: monthly_income_fen,
                        });
                    }
                }
                let set = sel.at(county, rows.day[i]);
                if set == NO_SET {
                    stats.no_rule_set += 1;
                    continue;
                }
                let event = rows.event[i];
                let rule_set = &self.book.sets()[set as usize];
                for &(kind, rule, condition) in &rules[set as usize] {
                    if kind == event.kind() && event.fires(condition, rule_set, self.index, slot) {
                        hits.push(Hit {
                            slot,
                            set,
                            rule,
                            row: i as u32,
                        });
                    }
                }
            }
            (stats, unknown, hits, income)
        };
        let mut out = Screening::default();
        let mut hits = Vec::new();
        let mut income = Vec::new();
        for (stats, unknown, h, inc) in par::map(&par::split(rows.len(), self.threads), scan) {
            out.stats.add(&stats);
            out.unknown_rows.extend(unknown);
            hits.extend(h);
            income.extend(inc);
        }
        hits.sort_unstable();
        let warnings = hits
            .chunk_by(|a, b| (a.slot, a.set, a.rule) == (b.slot, b.set, b.rule))
            .map(|g| {
                let first = g[0];
                let h = self.index.household_of(first.slot);
                let evidence = g.iter().map(|x| x.row).collect();
                let key = self.index.key(first.slot);
                warning(self.book, first.set, first.rule, h, Some(key), evidence)
            })
            .collect::<Vec<_>>();
        let mut warnings = warnings;
        warnings.extend(self.income_warnings(income, &sel));
        out.warnings = super::finish(warnings);
        out
    }

    /// `income_below_line`: per household with 人社 rows in its set's
    /// window, the registry's yearly income changed by 12 × each worker's
    /// change of monthly income (first to last row), against the line
    /// times the members (module docs).
    fn income_warnings(&self, mut rows: Vec<IncomeRow>, sel: &Selector) -> Vec<Warning> {
        let as_of = day_of(self.as_of);
        rows.sort_unstable_by_key(|r| (r.household, r.slot, r.day, r.row));
        let mut out = Vec::new();
        for group in rows.chunk_by(|a, b| a.household == b.household) {
            let h = group[0].household;
            let set = sel.at(self.index.county_of(h), as_of);
            if set == NO_SET {
                continue;
            }
            let rule_set = &self.book.sets()[set as usize];
            let change: i128 = group
                .chunk_by(|a, b| a.slot == b.slot)
                .map(|worker| {
                    let (first, last) = (worker[0], worker[worker.len() - 1]);
                    12 * (i128::from(last.monthly_fen) - i128::from(first.monthly_fen))
                })
                .sum();
            let yearly = i128::from(self.index.income_fen(h)) + change;
            let bar = i128::from(rule_set.monitoring_line_fen) * i128::from(self.index.members(h));
            if yearly >= bar {
                continue;
            }
            let mut evidence: Vec<u32> = group.iter().map(|r| r.row).collect();
            evidence.sort_unstable();
            for (r, rule) in rule_set.rules.iter().enumerate() {
                if rule.condition == Condition::IncomeBelowLine {
                    out.push(warning(self.book, set, r as u16, h, None, evidence.clone()));
                }
            }
        }
        out
    }
}
