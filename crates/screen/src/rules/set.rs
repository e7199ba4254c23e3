//! One rule set (规则集): a region, a validity period, the policy numbers
//! and the rules, checked in full with every problem located in the file.

use super::RuleError;
use super::condition::{Condition, Needs, Severity};
use super::evaluation::{EvaluationPolicy, Indicator, IndicatorRule};
use super::location::Location;
use super::raw::{
    Number, RawAlerts, RawAssistance, RawDisaster, RawEvaluation, RawHousing, RawMeasure,
    RawMedical, RawRule, RawRuleSet, RawWater, RawWindow, WorkflowSpans, Yuan,
};
use super::window::Window;
use crate::feed::{FeedKind, HouseDamage};
use chrono::NaiveDate;
use dixian_domain::alerts::AlertPolicy;
use dixian_domain::assistance::{
    AssistancePolicy, Department, Eligibility, MeasureCatalogue, MeasureClass, MeasureKind,
    MeasureRule, MeasureUnit,
};
use dixian_domain::{
    Category, HousingGrade, LaborCapacity, RegionCode, RegionLevel, RiskType, StudentStage,
    WorkflowPolicy,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::ops::Range;
use toml::Spanned;

/// The `region` value of the national baseline.
pub const NATIONAL: &str = "national";

/// The region a rule set applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum RuleRegion {
    /// 全国基准: applies where no province or county set is in force, and
    /// sets the floors (`RuleBook`) no province may go below.
    National,
    /// A province (2 digits) or a county (6 digits).
    Code(RegionCode),
}

impl fmt::Display for RuleRegion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleRegion::National => f.write_str(NATIONAL),
            RuleRegion::Code(c) => f.write_str(c.as_str()),
        }
    }
}

/// `[medical]` thresholds, in 分.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MedicalThresholds {
    /// Self-paid cost of one inpatient stay above which a rule fires.
    pub self_paid_per_stay_fen: i64,
    /// Self-paid cost over 12 months above which a rule fires.
    pub self_paid_12_months_fen: i64,
}

/// `[disaster]` thresholds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DisasterThresholds {
    /// Loss, in 分, above which a rule fires.
    pub loss_fen: i64,
    /// House damage levels that fire whatever the loss.
    pub house_damage: Vec<HouseDamage>,
}

/// `[housing]`: safety grades that fire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HousingThresholds {
    /// Grades that fire (usually C and D, 危房).
    pub grades: Vec<HousingGrade>,
}

/// `[water]`: outage limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaterThresholds {
    /// Outage days above which a rule fires.
    pub outage_days_limit: u32,
}

/// One `[[rule]]`: when it fires and what warning it raises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Identifier, unique within the set (kept on every warning).
    pub id: String,
    /// The feed whose rows the rule reads.
    pub feed: FeedKind,
    /// What it tests.
    pub condition: Condition,
    /// Risk type (风险类型) its warnings carry.
    pub risk: RiskType,
    /// How urgent its warnings are.
    pub severity: Severity,
    /// What the rule finds, in Chinese, for officers (shown on warnings).
    pub description: Option<String>,
    /// The same in English.
    #[serde(default)]
    pub description_en: Option<String>,
}

/// A validated rule set for one region and validity period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleSet {
    /// The file it was read from, as given to [`RuleSet::parse`].
    pub file: String,
    /// Name shown to officers.
    pub name: String,
    /// Revision of this set (raised on every edit, for the audit).
    pub version: u32,
    /// Where it applies.
    pub region: RuleRegion,
    /// First day in force.
    pub valid_from: NaiveDate,
    /// Last day in force; `None` until replaced.
    pub valid_to: Option<NaiveDate>,
    /// 监测收入线, income per person per year, in 分.
    pub monitoring_line_fen: i64,
    /// Households below `monitoring_line × near_line_factor` are near the line.
    pub near_line_factor: Option<f64>,
    /// Medical thresholds.
    pub medical: Option<MedicalThresholds>,
    /// Disaster thresholds.
    pub disaster: Option<DisasterThresholds>,
    /// Housing grades.
    pub housing: Option<HousingThresholds>,
    /// Water limit.
    pub water: Option<WaterThresholds>,
    /// Workflow numbers for cases under this set.
    pub workflow: WorkflowPolicy,
    /// The rules, in file order.
    pub rules: Vec<Rule>,
    /// `[[measures]]`: the measure catalogue the set declares; empty when
    /// the file has none, and the book then finds it in the province's or
    /// the national set ([`RuleBook::catalogue_for`](super::RuleBook::catalogue_for)).
    pub measures: MeasureCatalogue,
    /// `[assistance]`: the numbers the assistance checks read; `None`
    /// when the file has none (inherited like `measures`).
    pub assistance: Option<AssistancePolicy>,
    /// `[alerts]`: the numbers of the 规模性返贫 early alert; `None` when
    /// the file has none (inherited like `assistance`).
    pub alerts: Option<AlertPolicy>,
    /// `[window]`: the days the windowed conditions read; [`Window::DEFAULT`]
    /// (rolling 365 days) when the file has no such table.
    pub window: Window,
    /// `[evaluation]`: the indicators of the performance evaluation; `None`
    /// when the file has none (inherited like `alerts`).
    pub evaluation: Option<EvaluationPolicy>,
    #[serde(skip)]
    pub(super) at: SetLocations,
}

/// Where the keys the book checks sit in the file.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct SetLocations {
    pub region: Location,
    pub valid_from: Location,
    pub workflow: BTreeMap<String, Location>,
    /// Per kind of the catalogue: its `kind`, `max_amount` and
    /// `max_term_months` values (the last two where given).
    pub measures: BTreeMap<MeasureKind, MeasureLocations>,
}

/// Where one `[[measures]]` entry's checked values sit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct MeasureLocations {
    pub kind: Location,
    pub max_amount: Option<Location>,
    pub max_term_months: Option<Location>,
}

impl RuleSet {
    /// Parses and checks a rule file; every error names `file_name`, a line
    /// and a column.
    pub fn parse(text: &str, file_name: &str) -> Result<RuleSet, Vec<RuleError>> {
        let raw: RawRuleSet = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map_or(Location::START, |s| Location::of_span(text, s));
            vec![RuleError::new(
                file_name,
                at,
                plain_words(e.message().trim()),
            )]
        })?;
        let workflow_spans = toml::from_str::<WorkflowSpans>(text)
            .map(|w| w.workflow)
            .unwrap_or_default();
        let mut check = Check {
            file: file_name,
            text,
            errors: Vec::new(),
        };
        let set = check.set(raw, &workflow_spans);
        match set {
            Some(set) if check.errors.is_empty() => Ok(set),
            _ => {
                check.errors.sort_by_key(|e| (e.line, e.column));
                Err(check.errors)
            }
        }
    }

    /// Whether the set is in force on `date` (both ends inclusive).
    pub fn in_force(&self, date: NaiveDate) -> bool {
        self.valid_from <= date && self.valid_to.is_none_or(|to| date <= to)
    }

    /// Whether the validity periods of two sets share a day.
    pub fn overlaps(&self, other: &RuleSet) -> bool {
        let ends_after = |a: &RuleSet, b: &RuleSet| a.valid_to.is_none_or(|to| to >= b.valid_from);
        ends_after(self, other) && ends_after(other, self)
    }

    /// The rules that read `kind`.
    pub fn rules_for(&self, kind: FeedKind) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(move |r| r.feed == kind)
    }
}

const NOT_POSITIVE: &str = "must be greater than 0 (必须大于0)";

/// A file being checked: errors pile up, nothing stops at the first.
struct Check<'a> {
    file: &'a str,
    text: &'a str,
    errors: Vec<RuleError>,
}

impl Check<'_> {
    fn err(&mut self, span: Range<usize>, message: impl Into<String>) {
        let at = Location::of_span(self.text, span);
        self.errors.push(RuleError::new(self.file, at, message));
    }

    fn at(&self, span: Range<usize>) -> Location {
        Location::of_span(self.text, span)
    }

    fn set(
        &mut self,
        raw: RawRuleSet,
        wf: &BTreeMap<String, Spanned<toml::Value>>,
    ) -> Option<RuleSet> {
        let name = self.text_value(&raw.name);
        let version = self.positive_int(&raw.version);
        let region = self.region(&raw.region);
        let period = self.period(&raw);
        let line = self.money(&raw.monitoring_line);
        let factor = self.optional(raw.near_line_factor.as_ref(), Check::factor);
        let medical = self.optional(raw.medical.as_ref(), Check::medical);
        let disaster = self.optional(raw.disaster.as_ref(), Check::disaster);
        let housing = self.optional(raw.housing.as_ref(), Check::housing);
        let water = self.optional(raw.water.as_ref(), Check::water);
        let workflow = self.workflow(&raw.workflow, wf);
        let rules = self.rules(&raw);
        let measures = self.catalogue(&raw.measures);
        let assistance = self.optional(raw.assistance.as_ref(), Check::assistance);
        let alerts = self.optional(raw.alerts.as_ref(), Check::alerts);
        let window = self.optional(raw.window.as_ref(), Check::window);
        let evaluation = self.optional(raw.evaluation.as_ref(), Check::evaluation);
        let (valid_from, valid_to) = period?;
        Some(RuleSet {
            file: self.file.to_string(),
            name: name?,
            version: version?,
            region: region?,
            valid_from,
            valid_to,
            monitoring_line_fen: line?,
            near_line_factor: factor?,
            medical: medical?,
            disaster: disaster?,
            housing: housing?,
            water: water?,
            workflow: workflow?,
            rules: rules?,
            measures: measures?,
            assistance: assistance?,
            alerts: alerts?,
            window: window?.unwrap_or_default(),
            evaluation: evaluation?,
            at: self.locations(&raw, wf),
        })
    }

    /// An optional value checked by `check`: `Some(None)` when absent,
    /// `None` when present but bad.
    fn optional<R, T>(
        &mut self,
        value: Option<&Spanned<R>>,
        check: impl FnOnce(&mut Self, &Spanned<R>) -> Option<T>,
    ) -> Option<Option<T>> {
        match value {
            None => Some(None),
            Some(v) => check(self, v).map(Some),
        }
    }

    /// `valid_from` and `valid_to`, the end not before the start.
    fn period(&mut self, raw: &RawRuleSet) -> Option<(NaiveDate, Option<NaiveDate>)> {
        let from = self.date(&raw.valid_from);
        let to = self.optional(raw.valid_to.as_ref(), Check::date);
        if let (Some(f), Some(Some(t)), Some(v)) = (from, to, &raw.valid_to)
            && t < f
        {
            self.err(
                v.span(),
                "valid_to is before valid_from (失效日期早于生效日期)",
            );
        }
        Some((from?, to?))
    }

    fn locations(
        &self,
        raw: &RawRuleSet,
        wf: &BTreeMap<String, Spanned<toml::Value>>,
    ) -> SetLocations {
        SetLocations {
            region: self.at(raw.region.span()),
            valid_from: self.at(raw.valid_from.span()),
            workflow: wf
                .iter()
                .map(|(k, v)| (k.clone(), self.at(v.span())))
                .collect(),
            measures: raw
                .measures
                .iter()
                .filter_map(|m| {
                    let m = m.get_ref();
                    let kind = MeasureKind::parse(m.kind.get_ref())?;
                    let at = MeasureLocations {
                        kind: self.at(m.kind.span()),
                        max_amount: m.max_amount.as_ref().map(|v| self.at(v.span())),
                        max_term_months: m.max_term_months.as_ref().map(|v| self.at(v.span())),
                    };
                    Some((kind, at))
                })
                .collect(),
        }
    }

    /// `[assistance]`: every number above zero.
    fn assistance(&mut self, a: &Spanned<RawAssistance>) -> Option<AssistancePolicy> {
        let a = a.get_ref();
        let first = self.positive_int(&a.first_measure_days);
        let review = self.positive_int(&a.effect_review_months);
        let visits = self.positive_int(&a.visit_interval_days);
        Some(AssistancePolicy {
            first_measure_days: first?,
            effect_review_months: review?,
            visit_interval_days: visits?,
        })
    }

    /// `[alerts]`: whole numbers above zero, and the numbers of
    /// `AlertPolicy::problems` each at its own key.
    fn alerts(&mut self, a: &Spanned<RawAlerts>) -> Option<AlertPolicy> {
        let a = a.get_ref();
        let window_days = self.positive_int(&a.window_days);
        let baseline_windows = self.positive_int(&a.baseline_windows);
        let min_village = self.positive_int(&a.min_village);
        let min_township = self.positive_int(&a.min_township);
        let min_county = self.positive_int(&a.min_county);
        let policy = AlertPolicy {
            window_days: window_days?,
            baseline_windows: baseline_windows?,
            same_season_last_year: *a.same_season_last_year.get_ref(),
            k: a.k.get_ref().0,
            min_village: min_village?,
            min_township: min_township?,
            min_county: min_county?,
            medium_ratio: a.medium_ratio.get_ref().0,
            high_ratio: a.high_ratio.get_ref().0,
        };
        let problems = policy.problems();
        for (key, message) in &problems {
            let span = match *key {
                "window_days" => a.window_days.span(),
                "baseline_windows" => a.baseline_windows.span(),
                "k" => a.k.span(),
                "medium_ratio" => a.medium_ratio.span(),
                "high_ratio" => a.high_ratio.span(),
                "min_village" => a.min_village.span(),
                "min_township" => a.min_township.span(),
                _ => a.min_county.span(),
            };
            self.err(span, format!("alerts.{key} {message}"));
        }
        problems.is_empty().then_some(policy)
    }

    /// `[evaluation]`: at least one indicator, each known and once, a
    /// weight above zero, `full` and `zero` finite, apart, and (for a
    /// share) from 0 to 100.
    fn evaluation(&mut self, e: &Spanned<RawEvaluation>) -> Option<EvaluationPolicy> {
        let before = self.errors.len();
        if e.get_ref().indicators.is_empty() {
            self.err(
                e.span(),
                "evaluation needs at least one [[evaluation.indicators]] (考核指标至少一项)",
            );
        }
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for raw in &e.get_ref().indicators {
            let r = raw.get_ref();
            let Some(indicator) = Indicator::parse(r.indicator.get_ref()) else {
                let known: Vec<&str> = Indicator::ALL.iter().map(|i| i.code()).collect();
                self.err(
                    r.indicator.span(),
                    format!(
                        "evaluation: unknown indicator; known: {} (未知的考核指标)",
                        known.join(", ")
                    ),
                );
                continue;
            };
            if !seen.insert(indicator) {
                self.err(
                    r.indicator.span(),
                    "evaluation: this indicator is listed twice (考核指标重复)",
                );
            }
            let (weight, full, zero) =
                (r.weight.get_ref().0, r.full.get_ref().0, r.zero.get_ref().0);
            if !(weight.is_finite() && weight > 0.0) {
                self.err(
                    r.weight.span(),
                    "evaluation.weight must be greater than 0 (权重必须大于0)",
                );
            }
            let range = if indicator.is_percent() {
                0.0..=100.0
            } else {
                0.0..=3650.0
            };
            for (v, span) in [(full, r.full.span()), (zero, r.zero.span())] {
                if !(v.is_finite() && range.contains(&v)) {
                    self.err(
                        span,
                        if indicator.is_percent() {
                            "evaluation: a share is from 0 to 100 (%) (占比应在0到100之间)"
                        } else {
                            "evaluation: days are from 0 to 3650 (天数应在0到3650之间)"
                        },
                    );
                }
            }
            if full == zero {
                self.err(
                    r.zero.span(),
                    "evaluation: zero must differ from full (零分值不能等于满分值)",
                );
            }
            out.push(IndicatorRule {
                indicator,
                weight,
                full,
                zero,
            });
        }
        (self.errors.len() == before).then_some(EvaluationPolicy { indicators: out })
    }

    /// `[window]`: `kind = "rolling"` with `days` from 1 to 366, or
    /// `kind = "calendar_year"` without `days`.
    fn window(&mut self, w: &Spanned<RawWindow>) -> Option<Window> {
        let w = w.get_ref();
        let kind = w.kind.get_ref().trim();
        match (kind, &w.days) {
            ("rolling" | "滚动", Some(days)) => match u32::try_from(*days.get_ref()) {
                Ok(n) if (1..=Window::MAX_DAYS).contains(&n) => Some(Window::Rolling { days: n }),
                _ => {
                    self.err(
                        days.span(),
                        "window.days must be a whole number from 1 to 366 (窗口天数应为1到366的整数)",
                    );
                    None
                }
            },
            ("rolling" | "滚动", None) => {
                self.err(
                    w.kind.span(),
                    "a rolling window needs days, e.g. days = 365 (滚动窗口需要填写天数 days)",
                );
                None
            }
            ("calendar_year" | "自然年", None) => Some(Window::CalendarYear),
            ("calendar_year" | "自然年", Some(days)) => {
                self.err(
                    days.span(),
                    "a calendar-year window takes no days; remove the key (自然年窗口不填天数)",
                );
                None
            }
            _ => {
                self.err(
                    w.kind.span(),
                    "window.kind must be rolling (滚动) or calendar_year (自然年)",
                );
                None
            }
        }
    }

    /// `[[measures]]`: each entry checked, one entry per kind, and every
    /// kind an entry `excludes` offered by the catalogue too.
    fn catalogue(&mut self, raw: &[Spanned<RawMeasure>]) -> Option<MeasureCatalogue> {
        let before = self.errors.len();
        let mut offered = HashSet::new();
        for m in raw {
            let kind = &m.get_ref().kind;
            if let Some(k) = MeasureKind::parse(kind.get_ref())
                && !offered.insert(k)
            {
                let msg = format!(
                    "the kind {} is in the catalogue twice (措施类型重复: {})",
                    k.code(),
                    k.label_zh()
                );
                self.err(kind.span(), msg);
            }
        }
        let rules: Vec<Option<MeasureRule>> =
            raw.iter().map(|m| self.measure(m.get_ref())).collect();
        for v in raw.iter().flat_map(|m| &m.get_ref().excludes) {
            if let Some(k) = MeasureKind::parse(v.get_ref())
                && !offered.contains(&k)
            {
                let msg = format!(
                    "excludes {} which this catalogue does not offer; add its [[measures]] entry or remove it (互斥的措施类型不在目录中: {})",
                    k.code(),
                    k.label_zh()
                );
                self.err(v.span(), msg);
            }
        }
        for m in raw {
            let kind = &m.get_ref().kind;
            if let Some(required) = MeasureKind::parse(kind.get_ref()).and_then(|k| k.requires())
                && !offered.contains(&required)
            {
                let msg = format!(
                    "this kind rests on {} which this catalogue does not offer; add its [[measures]] entry (所依据的措施类型不在目录中: {})",
                    required.code(),
                    required.label_zh()
                );
                self.err(kind.span(), msg);
            }
        }
        let rules: Option<Vec<MeasureRule>> = rules.into_iter().collect();
        (self.errors.len() == before)
            .then_some(rules)
            .flatten()
            .map(|rules| MeasureCatalogue { rules })
    }

    fn measure(&mut self, m: &RawMeasure) -> Option<MeasureRule> {
        let kind = self.choice(&m.kind, MeasureKind::parse, &accepted!(MeasureKind));
        let class = self.choice(&m.class, MeasureClass::parse, &accepted!(MeasureClass));
        let unit = self.choice(&m.unit, MeasureUnit::parse, &accepted!(MeasureUnit));
        let department = self.choice(&m.department, Department::parse, &accepted!(Department));
        let labor = self.choices(&m.labor, LaborCapacity::parse, &accepted!(LaborCapacity));
        let stages = self.choices(
            &m.student_stages,
            StudentStage::parse,
            &accepted!(StudentStage),
        );
        let risks = self.choices(&m.risks, RiskType::parse, &accepted!(RiskType));
        let categories = self.choices(&m.categories, Category::parse, &accepted!(Category));
        let excludes = self.choices(&m.excludes, MeasureKind::parse, &accepted!(MeasureKind));
        let min_age = self.optional(m.min_age.as_ref(), Check::age);
        let max_age = self.optional(m.max_age.as_ref(), Check::age);
        if let (Some(Some(lo)), Some(Some(hi)), Some(v)) = (min_age, max_age, &m.max_age)
            && hi < lo
        {
            self.err(v.span(), "max_age is below min_age (最大年龄小于最小年龄)");
        }
        let max_amount = self.optional(m.max_amount.as_ref(), Check::money);
        let max_term = self.optional(m.max_term_months.as_ref(), Check::positive_int);
        let max_rate = self.optional(m.max_yearly_rate_percent.as_ref(), Check::rate_percent);
        if let (Some(k), Some(v)) = (kind, &m.max_yearly_rate_percent)
            && k.requires().is_none()
        {
            self.err(
                v.span(),
                format!(
                    "max_yearly_rate_percent applies only to a kind resting on a loan (loan_interest_subsidy), not to {} (年利率上限只适用于贴息类措施)",
                    k.code()
                ),
            );
            return None;
        }
        if let (Some(k), Some(v)) = (
            kind,
            m.excludes
                .iter()
                .find(|v| MeasureKind::parse(v.get_ref()) == kind),
        ) {
            self.err(
                v.span(),
                format!("{} excludes itself (措施类型不能与自身互斥)", k.code()),
            );
            return None;
        }
        Some(MeasureRule {
            kind: kind?,
            class: class?,
            household: m.household,
            unit: unit?,
            department: department?,
            eligibility: Eligibility {
                labor: labor?,
                min_age: min_age?,
                max_age: max_age?,
                student_stages: stages?,
                disability: m.disability,
                risks: risks?,
                categories: categories?,
            },
            max_amount_fen: max_amount?,
            max_term_months: max_term?,
            max_yearly_rate_bp: max_rate?,
            excludes: excludes?,
        })
    }

    /// An age in full years, 0 to 150.
    fn age(&mut self, v: &Spanned<i64>) -> Option<u32> {
        match u32::try_from(*v.get_ref()) {
            Ok(n) if n <= 150 => Some(n),
            _ => {
                self.err(
                    v.span(),
                    "an age must be a whole number from 0 to 150 (年龄应为0到150的整数)",
                );
                None
            }
        }
    }

    /// Every value of a list parsed; all bad ones reported.
    fn choices<T>(
        &mut self,
        values: &[Spanned<String>],
        parse: fn(&str) -> Option<T>,
        accepted: &str,
    ) -> Option<Vec<T>> {
        let parsed: Vec<Option<T>> = values
            .iter()
            .map(|v| self.choice(v, parse, accepted))
            .collect();
        parsed.into_iter().collect()
    }

    fn text_value(&mut self, v: &Spanned<String>) -> Option<String> {
        let t = v.get_ref().trim();
        if t.is_empty() {
            self.err(v.span(), "must not be empty (不能为空)");
            return None;
        }
        Some(t.to_string())
    }

    fn positive_int(&mut self, v: &Spanned<i64>) -> Option<u32> {
        match u32::try_from(*v.get_ref()) {
            Ok(n) if n > 0 => Some(n),
            _ => {
                self.err(
                    v.span(),
                    "must be a whole number from 1 to 4294967295 (应为正整数)",
                );
                None
            }
        }
    }

    fn region(&mut self, v: &Spanned<String>) -> Option<RuleRegion> {
        let s = v.get_ref().trim();
        if s.eq_ignore_ascii_case(NATIONAL) {
            return Some(RuleRegion::National);
        }
        // A 6-digit code ending in 00 is a city or province padded, not a county.
        let code = RegionCode::parse(s).ok().filter(|c| match c.level() {
            RegionLevel::Province => c.as_str() == s,
            RegionLevel::County => c.as_str() == s && !s.ends_with("00"),
            _ => false,
        });
        if code.is_none() {
            self.err(
                v.span(),
                "region must be \"national\", a 2-digit province or a 6-digit county code (适用地区应为national、2位省级或6位县级代码)",
            );
        }
        code.map(RuleRegion::Code)
    }

    fn date(&mut self, v: &Spanned<toml::Value>) -> Option<NaiveDate> {
        let date = match v.get_ref() {
            toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt
                .date
                .and_then(|d| NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into())),
            toml::Value::String(s) => dixian_tabular::parse_date(s).ok(),
            _ => None,
        };
        if date.is_none() {
            self.err(
                v.span(),
                "must be a date such as 2025-01-01 (应为日期，如 2025-01-01)",
            );
        }
        date
    }

    fn money(&mut self, v: &Spanned<Yuan>) -> Option<i64> {
        match v.get_ref().0 {
            Ok(fen) if fen > 0 => Some(fen),
            Ok(_) => {
                self.err(v.span(), NOT_POSITIVE);
                None
            }
            Err(reason) => {
                self.err(v.span(), reason);
                None
            }
        }
    }

    /// A yearly rate in %, above 0 and at most 100, up to two decimals;
    /// held in basis points (`3.1` → 310).
    fn rate_percent(&mut self, v: &Spanned<Number>) -> Option<u32> {
        let f = v.get_ref().0;
        let bp = (f * 100.0).round();
        if !f.is_finite() || f <= 0.0 || f > 100.0 || (f * 100.0 - bp).abs() > 1e-6 {
            self.err(
                v.span(),
                "max_yearly_rate_percent must be a percentage above 0 and at most 100 with up to two decimals, e.g. 3.45 (年利率上限应为0到100之间的百分数，最多两位小数)",
            );
            return None;
        }
        Some(bp as u32)
    }

    fn factor(&mut self, v: &Spanned<Number>) -> Option<f64> {
        let f = v.get_ref().0;
        if f.is_finite() && (1.0..=10.0).contains(&f) {
            Some(f)
        } else {
            self.err(
                v.span(),
                "near_line_factor must be from 1 to 10, e.g. 1.5 (近线系数应在1到10之间)",
            );
            None
        }
    }

    fn medical(&mut self, m: &Spanned<RawMedical>) -> Option<MedicalThresholds> {
        let m = m.get_ref();
        let stay = self.money(&m.self_paid_per_stay);
        let year = self.money(&m.self_paid_12_months);
        Some(MedicalThresholds {
            self_paid_per_stay_fen: stay?,
            self_paid_12_months_fen: year?,
        })
    }

    fn disaster(&mut self, d: &Spanned<RawDisaster>) -> Option<DisasterThresholds> {
        let d = d.get_ref();
        let loss = self.money(&d.loss_threshold);
        let damage: Vec<Option<HouseDamage>> = d
            .house_damage
            .iter()
            .map(|v| {
                self.choice(
                    v,
                    HouseDamage::parse,
                    "无/none, 一般/minor, 严重/severe, 倒塌/collapsed",
                )
            })
            .collect();
        Some(DisasterThresholds {
            loss_fen: loss?,
            house_damage: damage.into_iter().collect::<Option<_>>()?,
        })
    }

    fn housing(&mut self, h: &Spanned<RawHousing>) -> Option<HousingThresholds> {
        let h = h.get_ref();
        if h.grades.get_ref().is_empty() {
            self.err(
                h.grades.span(),
                "list at least one grade, e.g. [\"C\", \"D\"] (至少填写一个等级)",
            );
            return None;
        }
        let grades: Vec<Option<HousingGrade>> = h
            .grades
            .get_ref()
            .iter()
            .map(|v| self.choice(v, HousingGrade::parse, "A, B, C, D"))
            .collect();
        Some(HousingThresholds {
            grades: grades.into_iter().collect::<Option<_>>()?,
        })
    }

    fn water(&mut self, w: &Spanned<RawWater>) -> Option<WaterThresholds> {
        let w = w.get_ref();
        let limit = self.positive_int(&w.outage_days_limit);
        Some(WaterThresholds {
            outage_days_limit: limit?,
        })
    }

    fn choice<T>(
        &mut self,
        v: &Spanned<String>,
        parse: fn(&str) -> Option<T>,
        accepted: &str,
    ) -> Option<T> {
        let value = parse(v.get_ref());
        if value.is_none() {
            self.err(
                v.span(),
                format!("unknown value (无法识别); accepted (可填): {accepted}"),
            );
        }
        value
    }

    /// Every workflow number must be above zero; floors come from the
    /// national baseline, checked by the book.
    fn workflow(
        &mut self,
        policy: &Spanned<WorkflowPolicy>,
        spans: &BTreeMap<String, Spanned<toml::Value>>,
    ) -> Option<WorkflowPolicy> {
        let before = self.errors.len();
        for (key, v) in spans {
            if v.get_ref().as_integer().is_some_and(|n| n <= 0) {
                self.err(v.span(), format!("workflow.{key} {NOT_POSITIVE}"));
            }
        }
        (self.errors.len() == before).then(|| policy.get_ref().clone())
    }

    fn rules(&mut self, raw: &RawRuleSet) -> Option<Vec<Rule>> {
        let mut seen = HashSet::new();
        let rules: Vec<Option<Rule>> = raw
            .rule
            .iter()
            .map(|r| {
                let rule = self.rule(r.get_ref(), raw);
                let id = r.get_ref().id.get_ref().trim();
                if !seen.insert(id.to_string()) {
                    self.err(
                        r.get_ref().id.span(),
                        "this rule id is used twice (规则编号重复)",
                    );
                    return None;
                }
                rule
            })
            .collect();
        rules.into_iter().collect()
    }

    fn rule(&mut self, r: &RawRule, raw: &RawRuleSet) -> Option<Rule> {
        let id = self.rule_id(&r.id);
        let feed = self.parsed(&r.feed, FeedKind::parse, "unknown feed kind (未知的数据类型); expected medical, disability, assistance, education, housing, employment, disaster, vital, assets or water");
        let condition = self.parsed(&r.condition, Condition::parse, &condition_list());
        let risk = self.parsed(&r.risk, RiskType::parse, &risk_list());
        let severity = self.parsed(
            &r.severity,
            Severity::parse,
            "severity must be low, medium or high (低/中/高)",
        );
        if let (Some(f), Some(c)) = (feed, condition) {
            self.fits(f, c, r, raw)?;
        }
        Some(Rule {
            id: id?,
            feed: feed?,
            condition: condition?,
            risk: risk?,
            severity: severity?,
            description: r.description.clone(),
            description_en: r.description_en.clone(),
        })
    }

    fn rule_id(&mut self, v: &Spanned<String>) -> Option<String> {
        let id = v.get_ref().trim();
        let ok = !id.is_empty()
            && id.len() <= 64
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok {
            self.err(
                v.span(),
                "rule id must be 1-64 letters, digits, '-' or '_' (规则编号格式错误)",
            );
        }
        ok.then(|| id.to_string())
    }

    fn parsed<T>(
        &mut self,
        v: &Spanned<String>,
        parse: fn(&str) -> Option<T>,
        message: &str,
    ) -> Option<T> {
        let value = parse(v.get_ref());
        if value.is_none() {
            self.err(v.span(), message);
        }
        value
    }

    /// The condition reads the rule's feed and its thresholds are defined.
    fn fits(&mut self, feed: FeedKind, c: Condition, r: &RawRule, raw: &RawRuleSet) -> Option<()> {
        if c.feed() != feed {
            let msg = format!(
                "condition {} reads the {} feed, not {} (条件与数据类型不符)",
                c.code(),
                c.feed(),
                feed
            );
            self.err(r.condition.span(), msg);
            return None;
        }
        let missing = match c.needs() {
            Needs::Nothing => None,
            Needs::Medical => raw.medical.is_none().then_some("the [medical] table"),
            Needs::NearLine => raw.near_line_factor.is_none().then_some("near_line_factor"),
            Needs::Disaster => raw.disaster.is_none().then_some("the [disaster] table"),
            Needs::Housing => raw.housing.is_none().then_some("the [housing] table"),
            Needs::Water => raw.water.is_none().then_some("the [water] table"),
        };
        if let Some(what) = missing {
            let msg = format!(
                "condition {} needs {what} in this file (缺少该条件所需的阈值)",
                c.code()
            );
            self.err(r.condition.span(), msg);
            return None;
        }
        Some(())
    }
}

/// serde's words in a parser message, said for an officer.
fn plain_words(message: &str) -> String {
    [
        ("expected i64", "expected a whole number (整数)"),
        ("expected u32", "expected a whole number from 0 (非负整数)"),
        ("missing field", "missing key (缺少必填项)"),
        ("unknown field", "unknown key (未知的键)"),
    ]
    .iter()
    .fold(message.to_string(), |m, (serde, plain)| {
        m.replace(serde, plain)
    })
}

/// "code/中文, …" of a coded vocabulary, for an error message.
macro_rules! accepted {
    ($t:ident) => {
        labels($t::ALL, |k| (k.code(), k.label_zh()))
    };
}
use accepted;

/// "code/中文, …" of the values of `all`.
fn labels<T: Copy>(all: &[T], names: fn(T) -> (&'static str, &'static str)) -> String {
    all.iter()
        .map(|t| {
            let (code, zh) = names(*t);
            format!("{code}/{zh}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn risk_list() -> String {
    let labels: Vec<String> = RiskType::ALL
        .iter()
        .map(|r| format!("{}/{}", r.label_zh(), r.code()))
        .collect();
    format!(
        "unknown risk type (未知的风险类型); expected one of: {}",
        labels.join(", ")
    )
}

fn condition_list() -> String {
    let codes: Vec<&str> = Condition::ALL.iter().map(|c| c.code()).collect();
    format!(
        "unknown condition (未知的条件); expected one of: {}",
        codes.join(", ")
    )
}
