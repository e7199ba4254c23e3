//! 水利: `water_outage_days_above_limit` per village. The outage days of a
//! village are the days of the window (the `[window]` of the set in force
//! on the as-of date for the village's county; rolling 365 days by default)
//! covered by at least one of its outage rows (overlapping rows are
//! not counted twice); above `[water] outage_days_limit` of the set in
//! force on the as-of date for the village's county, every household of
//! the village gets a warning (饮水安全), with the village's outage rows as
//! evidence. Quality rows do not count as outage days.

use super::select::{Day, NO_SET, Selector, day_of};
use super::{ColumnsError, Screener, Screening, check_rows, warning};
use crate::feed::{WaterEvent, WaterRow};
use crate::rules::Condition;
use dixian_domain::RegionCode;
use std::collections::{BTreeMap, HashMap};

/// 农村供水 rows in columns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WaterColumns {
    village: Vec<RegionCode>,
    start: Vec<Day>,
    end: Vec<Day>,
    event: Vec<WaterEvent>,
}

impl WaterColumns {
    /// Columns of equal length.
    pub fn new(
        village: Vec<RegionCode>,
        start: Vec<Day>,
        end: Vec<Day>,
        event: Vec<WaterEvent>,
    ) -> Result<WaterColumns, ColumnsError> {
        let n = village.len();
        if start.len() != n || end.len() != n || event.len() != n {
            return Err(ColumnsError::Length);
        }
        check_rows(n)?;
        Ok(WaterColumns {
            village,
            start,
            end,
            event,
        })
    }

    /// Appends a parsed row.
    pub fn push_row(&mut self, row: &WaterRow) {
        self.village.push(row.village.clone());
        self.start.push(day_of(row.start_on));
        self.end.push(day_of(row.end_on));
        self.event.push(row.event);
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.village.len()
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.village.is_empty()
    }
}

impl Screener<'_> {
    /// Screens a 水利 batch.
    pub fn water(&self, rows: &WaterColumns) -> Screening {
        let index = self.index;
        let as_of = day_of(self.as_of);
        let window_start = day_of(crate::rules::Window::widest_start(self.as_of));
        let starts = self.window_starts();
        let sel = Selector::new(self.book, index.counties(), as_of, as_of);
        let slot_of: HashMap<&RegionCode, u32> = index
            .villages()
            .iter()
            .enumerate()
            .map(|(i, v)| (v, i as u32))
            .collect();
        let mut out = Screening::default();
        // Outage intervals inside the window, per village slot.
        let mut outages: BTreeMap<u32, Vec<(Day, Day, u32)>> = BTreeMap::new();
        for i in 0..rows.len() {
            out.stats.rows += 1;
            if rows.start[i] > as_of {
                out.stats.after_as_of += 1;
                continue;
            }
            let Some(&v) = slot_of.get(&rows.village[i]) else {
                out.stats.unknown += 1;
                out.unknown_rows.push(i as u32);
                continue;
            };
            out.stats.matched += 1;
            let (s, e) = (rows.start[i].max(window_start), rows.end[i].min(as_of));
            if rows.event[i] == WaterEvent::Outage && s <= e {
                outages.entry(v).or_default().push((s, e, i as u32));
            }
        }
        // Firing villages: (rule, set, evidence) per village slot.
        let mut firing: HashMap<u32, Vec<(u32, u16, Vec<u32>)>> = HashMap::new();
        for (v, mut list) in outages {
            let set = sel.at(index.county_of_village(v), as_of);
            if set == NO_SET {
                out.stats.no_rule_set += list.len();
                continue;
            }
            let rule_set = &self.book.sets()[set as usize];
            let Some(limit) = rule_set
                .water
                .as_ref()
                .map(|w| i64::from(w.outage_days_limit))
            else {
                continue;
            };
            let set_start = starts[set as usize];
            list.retain_mut(|x| {
                x.0 = x.0.max(set_start);
                x.0 <= x.1
            });
            list.sort_unstable();
            if covered_days(&list) <= limit {
                continue;
            }
            let mut evidence: Vec<u32> = list.iter().map(|x| x.2).collect();
            evidence.sort_unstable();
            for (r, rule) in rule_set.rules.iter().enumerate() {
                if rule.condition == Condition::WaterOutageDaysAboveLimit {
                    firing
                        .entry(v)
                        .or_default()
                        .push((set, r as u16, evidence.clone()));
                }
            }
        }
        let mut warnings = Vec::new();
        if !firing.is_empty() {
            for h in 0..index.households() as u32 {
                let v = index.village_of(h);
                for (set, rule, evidence) in firing.get(&v).into_iter().flatten() {
                    let ev = evidence.clone();
                    warnings.push(warning(self.book, *set, *rule, h, None, ev));
                }
            }
        }
        out.warnings = super::finish(warnings);
        out
    }
}

/// Days covered by sorted closed intervals, overlaps counted once.
fn covered_days(list: &[(Day, Day, u32)]) -> i64 {
    let mut total = 0i64;
    let mut reach: Option<Day> = None;
    for &(s, e, _) in list {
        let from = reach.map_or(s, |r| s.max(r + 1));
        if e >= from {
            total += i64::from(e) - i64::from(from) + 1;
        }
        reach = Some(reach.map_or(e, |r| r.max(e)));
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_outages_count_once() {
        assert_eq!(covered_days(&[(1, 10, 0), (5, 12, 1), (20, 20, 2)]), 13);
        assert_eq!(covered_days(&[(1, 10, 0), (2, 3, 1)]), 10);
        assert_eq!(covered_days(&[]), 0);
    }
}
