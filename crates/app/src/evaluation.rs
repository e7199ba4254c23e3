//! 绩效评价: the performance evaluation of a region's children (a
//! county's townships, a city's counties, a province's cities) computed
//! from the figures the system already keeps ([`figures::report`], the
//! same counters, scope and cache; a province scores its counties,
//! [`figures::counties_of`]), with the indicators, weights and
//! targets of the `[evaluation]` section of the rule set in force for the
//! evaluated region (county → province → national). Every score comes
//! with each indicator's value, target, points and weight, so it is
//! explained; docs/figures.md ("Evaluation") defines each indicator.
//!
//! Who: whoever reads the figures of the region (the same check, made by
//! [`figures::report`]). Without an `[evaluation]` section in force the
//! answer says "not configured" — no weight is ever a constant in code.

use crate::AppError;
use crate::figures::{self, Figures, Period};
use chrono::NaiveDate;
use dixian_domain::{RegionCode, RegionLevel};
use dixian_screen::RuleBook;
use dixian_screen::rules::{EvaluationPolicy, Indicator};
use dixian_store::key_counties::KeyLevel;
use dixian_store::regions::Region;
use dixian_store::{Actor, Store, StoreError};
use serde::Serialize;

/// One indicator of one area: its value, scale and points.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct IndicatorScore {
    /// Indicator code (docs/figures.md, "Evaluation").
    pub indicator: String,
    /// 中文.
    pub label_zh: String,
    /// English.
    pub label_en: String,
    /// `percent` or `days`.
    pub unit: String,
    /// The area's value (rounded to two decimals); `None`: not applicable
    /// (nothing to divide by, nothing approved) — left out of the score.
    pub value: Option<f64>,
    /// The value giving full marks (target).
    pub full: f64,
    /// The value giving no marks.
    pub zero: f64,
    /// Points at full marks.
    pub weight: f64,
    /// Points earned (`None` when not applicable).
    pub points: Option<f64>,
}

/// One area's score.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AreaScore {
    /// The area.
    pub region: Region,
    /// On a key county list now (counties only).
    pub key_county: Option<KeyLevel>,
    /// Score out of 100: points ÷ weights of the indicators that apply ×
    /// 100, two decimals; `None` when none applies.
    pub score: Option<f64>,
    /// Points earned.
    pub points: f64,
    /// Weights of the indicators that apply.
    pub weights: f64,
    /// Each indicator.
    pub indicators: Vec<IndicatorScore>,
}

/// The evaluation of a region's children (a province's counties).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Evaluation {
    /// The region whose children are scored.
    pub region: Region,
    /// Province down to the region.
    pub chain: Vec<Region>,
    /// The period the flow indicators read.
    pub period: Period,
    /// The day overdue is counted on.
    pub today: NaiveDate,
    /// The rule set whose `[evaluation]` is used (name and version);
    /// `None`: not configured, nothing scored.
    pub rule_set: Option<String>,
    /// The children in scope, best score first (not applicable last).
    pub children: Vec<AreaScore>,
    /// The region itself, on its own figures.
    pub total: Option<AreaScore>,
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// `part` per 100 of `whole`; `None` when `whole` is 0.
fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// The value of `indicator` in the figures `f` (docs/figures.md,
/// "Evaluation"), unrounded.
pub fn value(indicator: Indicator, f: &Figures) -> Option<f64> {
    let coverage = |g: &str| {
        f.coverage
            .iter()
            .find(|c| c.guarantee == g)
            .and_then(|c| share(c.covered, c.of))
    };
    match indicator {
        Indicator::IdentificationMedianDays => f.identification.median_days.map(|d| d as f64),
        Indicator::IdentificationP90Days => f.identification.p90_days.map(|d| d as f64),
        Indicator::OverdueRate => share(f.overdue_total, f.monitored_households),
        Indicator::WithoutMeasure => share(f.without_measure, f.monitored_households),
        Indicator::AbleWithoutDevelopment => share(f.able_without_development, f.able_members),
        Indicator::WarningsHandled => {
            let raised: i64 = f.warnings.iter().map(|w| w.raised).sum();
            let decided: i64 = f
                .warnings
                .iter()
                .map(|w| w.verified + w.dismissed + w.attached)
                .sum();
            share(decided, raised).map(|v| v.min(100.0))
        }
        Indicator::RolledBack => share(f.rolled_back, f.eliminated).map(|v| v.min(100.0)),
        Indicator::CoverageHousing => coverage("housing"),
        Indicator::CoverageWater => coverage("water"),
        Indicator::CoverageEducation => coverage("education"),
        Indicator::CoverageMedical => coverage("medical"),
    }
}

/// Scores one area's figures under `policy`.
pub fn score(
    region: Region,
    key_county: Option<KeyLevel>,
    f: &Figures,
    policy: &EvaluationPolicy,
) -> AreaScore {
    let mut points = 0.0;
    let mut weights = 0.0;
    let indicators = policy
        .indicators
        .iter()
        .map(|rule| {
            let v = value(rule.indicator, f);
            let p = v.map(|v| rule.points(v));
            if let Some(p) = p {
                points += p;
                weights += rule.weight;
            }
            IndicatorScore {
                indicator: rule.indicator.code().to_string(),
                label_zh: rule.indicator.label_zh().to_string(),
                label_en: rule.indicator.label_en().to_string(),
                unit: if rule.indicator.is_percent() {
                    "percent"
                } else {
                    "days"
                }
                .to_string(),
                value: v.map(round2),
                full: rule.full,
                zero: rule.zero,
                weight: rule.weight,
                points: p,
            }
        })
        .collect();
    AreaScore {
        region,
        key_county,
        score: (weights > 0.0).then(|| round2(points / weights * 100.0)),
        points: round2(points),
        weights,
        indicators,
    }
}

/// The evaluation of `code`'s children in `actor`'s scope over `period`.
pub async fn evaluate(
    store: &Store,
    actor: &Actor,
    book: &RuleBook,
    code: &str,
    period: &Period,
    today: NaiveDate,
) -> Result<Evaluation, AppError> {
    // A province evaluates its counties (as provinces assess them); a
    // city, county or township its children.
    let province = RegionCode::parse(code).is_ok_and(|c| c.level() == RegionLevel::Province);
    let (r, areas) = if province {
        figures::counties_of(store, actor, book, code, period, today).await?
    } else {
        let r = figures::report(store, actor, book, code, period, today).await?;
        let areas = r.children.clone();
        (r, areas)
    };
    let region_code = RegionCode::parse(&r.region.code)
        .map_err(|e| StoreError::Invalid(format!("region: {e}")))?;
    let Some((set, policy)) = book.evaluation_for(&region_code, today) else {
        return Ok(Evaluation {
            region: r.region,
            chain: r.chain,
            period: r.period,
            today: r.today,
            rule_set: None,
            children: Vec::new(),
            total: None,
        });
    };
    let mut children: Vec<AreaScore> = areas
        .iter()
        .map(|c| score(c.region.clone(), c.key_county, &c.figures, policy))
        .collect();
    children.sort_by(|a, b| {
        b.score
            .unwrap_or(-1.0)
            .total_cmp(&a.score.unwrap_or(-1.0))
            .then_with(|| a.region.code.cmp(&b.region.code))
    });
    let total = score(r.region.clone(), r.key_county, &r.total, policy);
    Ok(Evaluation {
        rule_set: Some(format!("{} (v{})", set.name, set.version)),
        region: r.region,
        chain: r.chain,
        period: r.period,
        today: r.today,
        children,
        total: Some(total),
    })
}

/// The scores as a workbook: a row per child and indicator columns
/// (value / points), the score last.
pub fn workbook(e: &Evaluation) -> Result<Vec<u8>, AppError> {
    let Some(total) = &e.total else {
        return Err(StoreError::Invalid(
            "evaluation: not configured in the rule sets in force (规则集中未配置考核指标)".into(),
        )
        .into());
    };
    let mut headers: Vec<String> = vec!["区划代码".into(), "区划名称".into()];
    for i in &total.indicators {
        headers.push(format!("{}(实际值)", i.label_zh));
        headers.push(format!("{}(得分/{})", i.label_zh, fmt(i.weight)));
    }
    headers.push("总分".into());
    let row = |a: &AreaScore, name: &str| {
        let mut row = vec![a.region.code.clone(), name.to_string()];
        for i in &a.indicators {
            row.push(i.value.map_or_else(|| "—".into(), fmt));
            row.push(i.points.map_or_else(|| "—".into(), fmt));
        }
        row.push(a.score.map_or_else(|| "—".into(), fmt));
        row
    };
    let mut rows: Vec<Vec<String>> = e
        .children
        .iter()
        .map(|c| {
            let name = match c.key_county {
                Some(_) => format!("{}（重点帮扶县）", c.region.name),
                None => c.region.name.clone(),
            };
            row(c, &name)
        })
        .collect();
    rows.push(row(total, "本级合计"));
    let title = format!(
        "{}绩效评价表（{}至{}，{}）",
        e.region.name,
        e.period.from,
        e.period.to,
        e.rule_set.as_deref().unwrap_or("")
    );
    let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    dixian_tabular::table_xlsx(&dixian_tabular::TableSheet {
        name: "绩效评价",
        title: &title,
        headers: &refs,
        rows: &rows,
    })
    .map_err(|e| AppError::Store(StoreError::Invalid(e.to_string())))
}

/// A number as people write it: no trailing zeros.
pub fn fmt(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}
