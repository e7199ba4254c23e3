//! A rule file as TOML gives it: every value with its span, types checked
//! and unknown keys refused by serde, meaning checked later (`set.rs`) so
//! that all semantic errors of a file are reported together.

use dixian_domain::WorkflowPolicy;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use std::collections::BTreeMap;
use std::fmt;
use toml::Spanned;

/// The whole file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRuleSet {
    pub name: Spanned<String>,
    pub version: Spanned<i64>,
    pub region: Spanned<String>,
    pub valid_from: Spanned<toml::Value>,
    pub valid_to: Option<Spanned<toml::Value>>,
    pub monitoring_line: Spanned<Yuan>,
    pub near_line_factor: Option<Spanned<Number>>,
    pub medical: Option<Spanned<RawMedical>>,
    pub disaster: Option<Spanned<RawDisaster>>,
    pub housing: Option<Spanned<RawHousing>>,
    pub water: Option<Spanned<RawWater>>,
    pub workflow: Spanned<WorkflowPolicy>,
    pub assistance: Option<Spanned<RawAssistance>>,
    pub alerts: Option<Spanned<RawAlerts>>,
    pub window: Option<Spanned<RawWindow>>,
    pub evaluation: Option<Spanned<RawEvaluation>>,
    #[serde(default)]
    pub measures: Vec<Spanned<RawMeasure>>,
    #[serde(default)]
    pub rule: Vec<Spanned<RawRule>>,
}

/// `[assistance]`: the numbers of `AssistancePolicy`, each with its span.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAssistance {
    pub first_measure_days: Spanned<i64>,
    pub effect_review_months: Spanned<i64>,
    pub visit_interval_days: Spanned<i64>,
}

/// `[alerts]`: the numbers of the 规模性返贫 detector (`AlertPolicy`),
/// each with its span.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAlerts {
    pub window_days: Spanned<i64>,
    pub baseline_windows: Spanned<i64>,
    pub same_season_last_year: Spanned<bool>,
    pub k: Spanned<Number>,
    pub min_village: Spanned<i64>,
    pub min_township: Spanned<i64>,
    pub min_county: Spanned<i64>,
    pub medium_ratio: Spanned<Number>,
    pub high_ratio: Spanned<Number>,
}

/// One `[[measures]]` entry: a kind of the catalogue. Codes are read as
/// text and parsed by the domain's `parse` (code, 中文 label or alias).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMeasure {
    pub kind: Spanned<String>,
    pub class: Spanned<String>,
    #[serde(default)]
    pub household: bool,
    pub unit: Spanned<String>,
    pub department: Spanned<String>,
    #[serde(default)]
    pub labor: Vec<Spanned<String>>,
    pub min_age: Option<Spanned<i64>>,
    pub max_age: Option<Spanned<i64>>,
    #[serde(default)]
    pub student_stages: Vec<Spanned<String>>,
    #[serde(default)]
    pub disability: bool,
    #[serde(default)]
    pub risks: Vec<Spanned<String>>,
    #[serde(default)]
    pub categories: Vec<Spanned<String>>,
    pub max_amount: Option<Spanned<Yuan>>,
    pub max_term_months: Option<Spanned<i64>>,
    /// % a year (`3.1` = 3.10 %), for a kind resting on a loan (贴息).
    pub max_yearly_rate_percent: Option<Spanned<Number>>,
    #[serde(default)]
    pub excludes: Vec<Spanned<String>>,
}

/// `[evaluation]`: the indicators of the performance evaluation.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEvaluation {
    pub indicators: Vec<Spanned<RawIndicator>>,
}

/// One `[[evaluation.indicators]]` entry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIndicator {
    pub indicator: Spanned<String>,
    pub weight: Spanned<Number>,
    pub full: Spanned<Number>,
    pub zero: Spanned<Number>,
}

/// `[window]`: the period the windowed conditions read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWindow {
    pub kind: Spanned<String>,
    pub days: Option<Spanned<i64>>,
}

/// `[medical]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMedical {
    pub self_paid_per_stay: Spanned<Yuan>,
    pub self_paid_12_months: Spanned<Yuan>,
}

/// `[disaster]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDisaster {
    pub loss_threshold: Spanned<Yuan>,
    #[serde(default)]
    pub house_damage: Vec<Spanned<String>>,
}

/// `[housing]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHousing {
    pub grades: Spanned<Vec<Spanned<String>>>,
}

/// `[water]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWater {
    pub outage_days_limit: Spanned<i64>,
}

/// One `[[rule]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    pub id: Spanned<String>,
    pub feed: Spanned<String>,
    pub condition: Spanned<String>,
    pub risk: Spanned<String>,
    pub severity: Spanned<String>,
    pub description: Option<String>,
    /// The description in English (`description` is Chinese).
    #[serde(default)]
    pub description_en: Option<String>,
}

/// The `[workflow]` values again, by key, only for their spans: the
/// domain's `WorkflowPolicy` keeps none.
#[derive(Deserialize)]
pub(super) struct WorkflowSpans {
    pub workflow: BTreeMap<String, Spanned<toml::Value>>,
}

/// An amount in 元 (integer or with up to two decimals), held in 分.
pub(super) struct Yuan(pub Result<i64, &'static str>);

/// A plain number (integer or float).
pub(super) struct Number(pub f64);

const MONEY_DECIMALS: &str = "money has more than two decimals (金额最多两位小数)";
const MONEY_TOO_LARGE: &str = "amount of money is too large (金额过大)";
/// Largest amount in 元 accepted: keeps 分 far from overflow.
const MAX_YUAN: i64 = 1_000_000_000_000;

impl<'de> Deserialize<'de> for Yuan {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(YuanVisitor)
    }
}

struct YuanVisitor;

impl Visitor<'_> for YuanVisitor {
    type Value = Yuan;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an amount in 元, a number such as 8700 or 8050.50 (金额)")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Yuan, E> {
        if v.abs() > MAX_YUAN {
            return Ok(Yuan(Err(MONEY_TOO_LARGE)));
        }
        Ok(Yuan(Ok(v * 100)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Yuan, E> {
        match i64::try_from(v) {
            Ok(v) => self.visit_i64(v),
            Err(_) => Ok(Yuan(Err(MONEY_TOO_LARGE))),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Yuan, E> {
        if !v.is_finite() || v.abs() > MAX_YUAN as f64 {
            return Ok(Yuan(Err(MONEY_TOO_LARGE)));
        }
        let fen = (v * 100.0).round();
        if (v * 100.0 - fen).abs() > 1e-6 {
            return Ok(Yuan(Err(MONEY_DECIMALS)));
        }
        Ok(Yuan(Ok(fen as i64)))
    }
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NumberVisitor)
    }
}

struct NumberVisitor;

impl Visitor<'_> for NumberVisitor {
    type Value = Number;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a number such as 1.5 (数值)")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Number, E> {
        Ok(Number(v as f64))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Number, E> {
        Ok(Number(v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
        Ok(Number(v))
    }
}
