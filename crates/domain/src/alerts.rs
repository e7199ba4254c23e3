//! 规模性返贫预警: the early alert that a place is being hit by one shock.
//!
//! A pure detector over dated events (warnings, leads, cases), each with
//! its village, risk type and household. For every village, township
//! (first 9 digits) and county (first 6) and every risk type it counts the
//! **households** hit within a sliding window ending on the day asked, and
//! compares the count with the same place's own baseline: the same window
//! length over the previous `baseline_windows` windows and, when asked,
//! the three windows around the same day a year earlier (the season). The
//! threshold is a control-chart limit with a Poisson floor on the spread:
//!
//! ```text
//! σ = max(sample standard deviation, √mean)
//! flag when households ≥ min_count(level) and households > mean + k·σ
//! ```
//!
//! Severity is how far the count is above its threshold
//! (`max(min_count, mean + k·σ)`): at least `medium_ratio` times it is
//! medium, at least `high_ratio` times it is high. A township or county
//! whose households in the window all lie in one flagged region below it is
//! not flagged again (the child's alert says it). Every number comes from
//! the rule file's `[alerts]` table ([`AlertPolicy`]); docs/alerts.md gives
//! the reasons for the method.

use crate::coded::coded_enum;
use crate::region::{RegionCode, RegionLevel};
use crate::risk::RiskType;
use crate::screening::{Severity, UnknownCode};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The numbers of the detector, per region and period (the rule file's
/// `[alerts]` table).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertPolicy {
    /// Length of the sliding window, days (ending on the day asked).
    pub window_days: u32,
    /// How many windows of the same length just before it form the baseline.
    pub baseline_windows: u32,
    /// Whether the three windows around the same day a year earlier join
    /// the baseline (the season).
    pub same_season_last_year: bool,
    /// The control limit: mean + k·σ.
    pub k: f64,
    /// The fewest households that flag a village.
    pub min_village: u32,
    /// The fewest households that flag a township.
    pub min_township: u32,
    /// The fewest households that flag a county.
    pub min_county: u32,
    /// Count ≥ this × threshold: medium severity.
    pub medium_ratio: f64,
    /// Count ≥ this × threshold: high severity.
    pub high_ratio: f64,
}

impl AlertPolicy {
    /// The fewest households that flag a region at `level` (`None`: the
    /// detector does not look at that level).
    pub fn min_count(&self, level: RegionLevel) -> Option<u32> {
        match level {
            RegionLevel::Village => Some(self.min_village),
            RegionLevel::Township => Some(self.min_township),
            RegionLevel::County => Some(self.min_county),
            _ => None,
        }
    }

    /// What is wrong with the numbers, by key (empty: usable).
    pub fn problems(&self) -> Vec<(&'static str, &'static str)> {
        let mut out = Vec::new();
        let positive = [
            ("window_days", self.window_days),
            ("baseline_windows", self.baseline_windows),
            ("min_village", self.min_village),
            ("min_township", self.min_township),
            ("min_county", self.min_county),
        ];
        for (key, v) in positive {
            if v == 0 {
                out.push((key, "must be greater than 0 (必须大于0)"));
            }
        }
        if self.window_days > 366 {
            out.push(("window_days", "at most 366 days (最多366天)"));
        }
        if self.baseline_windows > 60 {
            out.push(("baseline_windows", "at most 60 windows (最多60个窗口)"));
        }
        if !(self.k.is_finite() && self.k > 0.0) {
            out.push(("k", "must be greater than 0 (必须大于0)"));
        }
        if !(self.medium_ratio.is_finite() && self.medium_ratio >= 1.0) {
            out.push(("medium_ratio", "must be at least 1 (不得小于1)"));
        }
        if !(self.high_ratio.is_finite() && self.high_ratio >= self.medium_ratio) {
            out.push((
                "high_ratio",
                "must be at least medium_ratio (不得小于medium_ratio)",
            ));
        }
        out
    }

    /// Severity of `count` against `threshold`.
    pub fn severity(&self, count: u32, threshold: f64) -> Severity {
        let ratio = f64::from(count) / threshold.max(1.0);
        if ratio >= self.high_ratio {
            Severity::High
        } else if ratio >= self.medium_ratio {
            Severity::Medium
        } else {
            Severity::Low
        }
    }
}

coded_enum! {
    /// Where an event of the detector comes from.
    EventSource {
        /// 部门筛查预警
        Warning => ("warning", "预警", "Warning"),
        /// 线索 (not yet a case)
        Lead => ("lead", "线索", "Lead"),
        /// 监测案件 (a lead that opened or joined a case)
        Case => ("case", "案件", "Case"),
    }
}

coded_enum! {
    /// Where an alert stands.
    AlertStatus {
        /// 待处置
        Open => ("open", "待处置", "Open"),
        /// 已处置
        Resolved => ("resolved", "已处置", "Resolved"),
    }
}

macro_rules! stored_code {
    ($t:ty, $what:literal) => {
        impl TryFrom<String> for $t {
            type Error = UnknownCode;
            fn try_from(s: String) -> Result<$t, UnknownCode> {
                <$t>::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code() == s)
                    .ok_or(UnknownCode { what: $what })
            }
        }
    };
}
stored_code!(EventSource, "alert event source");
stored_code!(AlertStatus, "alert status");

/// One dated event the detector counts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct AlertEvent {
    /// The day it happened (a warning's latest evidence, a lead's day).
    pub on: NaiveDate,
    /// 12-digit village.
    pub village: RegionCode,
    /// Its risk type.
    pub risk: RiskType,
    /// The household it is about.
    pub household: i64,
    /// What kind of record it is.
    pub source: EventSource,
    /// The record's id.
    pub source_id: i64,
}

/// A place and risk type above its usual level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detected {
    /// The village, township or county.
    pub region: RegionCode,
    /// Its level.
    pub level: RegionLevel,
    /// The risk type.
    pub risk: RiskType,
    /// First day of the window.
    pub window_from: NaiveDate,
    /// Last day of the window (the day asked).
    pub window_to: NaiveDate,
    /// Households hit within the window.
    pub households: u32,
    /// Mean households per window of the baseline.
    pub baseline_mean: f64,
    /// σ used (sample standard deviation, at least √mean).
    pub baseline_sigma: f64,
    /// Baseline windows counted.
    pub baseline_windows: u32,
    /// max(min_count, mean + k·σ).
    pub threshold: f64,
    /// How far above.
    pub severity: Severity,
    /// The events of the window, by day.
    pub evidence: Vec<AlertEvent>,
}

/// The window of `len` days ending on `end`.
fn window(end: NaiveDate, len: u32) -> (NaiveDate, NaiveDate) {
    (end - Duration::days(i64::from(len) - 1), end)
}

/// The baseline windows for a window ending on `as_of`: the previous
/// `baseline_windows` windows, then (with the season) the three around
/// the same day a year earlier; windows that end before `data_from` (no
/// record kept yet) are left out.
pub fn baseline_windows(
    policy: &AlertPolicy,
    as_of: NaiveDate,
    data_from: Option<NaiveDate>,
) -> Vec<(NaiveDate, NaiveDate)> {
    let len = i64::from(policy.window_days);
    let mut ends: Vec<NaiveDate> = (1..=i64::from(policy.baseline_windows))
        .map(|i| as_of - Duration::days(i * len))
        .collect();
    if policy.same_season_last_year {
        let year_ago = as_of - Duration::days(365);
        let first = as_of - Duration::days(i64::from(policy.baseline_windows) * len);
        for d in [-1, 0, 1] {
            let end = year_ago + Duration::days(d * len);
            if end < first - Duration::days(len - 1) {
                ends.push(end);
            }
        }
    }
    ends.into_iter()
        .filter(|end| data_from.is_none_or(|from| *end >= from))
        .map(|end| window(end, policy.window_days))
        .collect()
}

/// Mean and σ (sample standard deviation, at least √mean) of counts.
pub fn baseline(counts: &[u32]) -> (f64, f64) {
    if counts.is_empty() {
        return (0.0, 0.0);
    }
    let n = counts.len() as f64;
    let mean = counts.iter().map(|&c| f64::from(c)).sum::<f64>() / n;
    let var = if counts.len() > 1 {
        counts
            .iter()
            .map(|&c| (f64::from(c) - mean).powi(2))
            .sum::<f64>()
            / (n - 1.0)
    } else {
        0.0
    };
    (mean, var.sqrt().max(mean.sqrt()))
}

type Key = (RegionCode, RiskType);

/// Distinct households per (region at `level`, risk) among `events` on
/// days within `[from, to]`.
fn households_by_key(
    events: &[AlertEvent],
    level: RegionLevel,
    (from, to): (NaiveDate, NaiveDate),
) -> BTreeMap<Key, BTreeSet<i64>> {
    let mut out: BTreeMap<Key, BTreeSet<i64>> = BTreeMap::new();
    for e in events.iter().filter(|e| from <= e.on && e.on <= to) {
        if let Some(region) = e.village.ancestor(level) {
            out.entry((region, e.risk)).or_default().insert(e.household);
        }
    }
    out
}

/// The places and risk types above their usual level on `as_of`: villages
/// first, then townships, then counties. `events` may hold anything (the
/// detector reads only the window and the baseline windows); the earliest
/// event's day is taken as the day records begin.
pub fn detect(events: &[AlertEvent], as_of: NaiveDate, policy: &AlertPolicy) -> Vec<Detected> {
    if !policy.problems().is_empty() {
        return Vec::new();
    }
    let data_from = events.iter().map(|e| e.on).min();
    let current = window(as_of, policy.window_days);
    let past = baseline_windows(policy, as_of, data_from);
    let mut out: Vec<Detected> = Vec::new();
    for level in [
        RegionLevel::Village,
        RegionLevel::Township,
        RegionLevel::County,
    ] {
        let Some(min) = policy.min_count(level) else {
            continue;
        };
        let now = households_by_key(events, level, current);
        let before: Vec<BTreeMap<Key, BTreeSet<i64>>> = past
            .iter()
            .map(|w| households_by_key(events, level, *w))
            .collect();
        let mut flagged_here = Vec::new();
        for (key, households) in &now {
            let count = households.len() as u32;
            if count < min {
                continue;
            }
            let counts: Vec<u32> = before
                .iter()
                .map(|b| b.get(key).map_or(0, |h| h.len() as u32))
                .collect();
            let (mean, sigma) = baseline(&counts);
            let limit = mean + policy.k * sigma;
            if f64::from(count) <= limit {
                continue;
            }
            if explained_by_one_child(&out, level, key, households) {
                continue;
            }
            let threshold = limit.max(f64::from(min));
            let (region, risk) = key.clone();
            let mut evidence: Vec<AlertEvent> = events
                .iter()
                .filter(|e| {
                    e.risk == risk
                        && current.0 <= e.on
                        && e.on <= current.1
                        && region.contains(&e.village)
                })
                .cloned()
                .collect();
            evidence.sort();
            evidence.dedup();
            flagged_here.push(Detected {
                region,
                level,
                risk,
                window_from: current.0,
                window_to: current.1,
                households: count,
                baseline_mean: mean,
                baseline_sigma: sigma,
                baseline_windows: counts.len() as u32,
                threshold,
                severity: policy.severity(count, threshold),
                evidence,
            });
        }
        out.extend(flagged_here);
    }
    out
}

/// Whether every household of a township's (county's) window lies in one
/// region below it already flagged for the same risk.
fn explained_by_one_child(
    flagged: &[Detected],
    level: RegionLevel,
    (region, risk): &Key,
    households: &BTreeSet<i64>,
) -> bool {
    flagged.iter().any(|d| {
        d.level > level
            && d.risk == *risk
            && region.contains(&d.region)
            && households
                .iter()
                .all(|h| d.evidence.iter().any(|e| e.household == *h))
    })
}

#[cfg(test)]
mod tests;
