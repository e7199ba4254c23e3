//! What leaders read: the figures of a region and its children over a
//! period, by month (docs/figures.md holds the one definition of each).
//! They are summed from the per-village counters `store::stats` keeps
//! (recounted for the villages a write marked, before each read), never
//! from a scan of the households. One answer ([`FigureReport`]) feeds the
//! API, the figures page, the dashboard and the workbook sent upward.
//!
//! Scope as everywhere: a region neither inside nor above the actor's
//! scope is absent; above it, only the branch down to the scope is
//! counted and listed.

use crate::AppError;
use chrono::{Datelike, NaiveDate};
use dixian_domain::assistance::MeasureClass;
use dixian_domain::{CaseStage, Category, RegionCode, RiskType};
use dixian_screen::RuleBook;
use dixian_store::key_counties::{self, KeyCounty, KeyLevel};
use dixian_store::regions::{self, Region};
use dixian_store::stats::{self, GUARANTEES, NOW, StatRow, fig};
use dixian_store::{Actor, Store, StoreError};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

/// A period of whole months, `from` to `to` (both `YYYY-MM`, included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Period {
    /// First month.
    pub from: String,
    /// Last month.
    pub to: String,
}

/// The longest period one answer covers, in months.
pub const MAX_MONTHS: usize = 120;

impl Period {
    /// The period of the query (`from`, `to` as `YYYY-MM`); by default
    /// the twelve months up to `today`'s. A bad value is refused naming
    /// its field.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        today: NaiveDate,
    ) -> Result<Period, AppError> {
        let month = |field: &str, v: &str| -> Result<NaiveDate, AppError> {
            NaiveDate::parse_from_str(&format!("{}-01", v.trim()), "%Y-%m-%d").map_err(|_| {
                StoreError::Invalid(format!(
                    "{field}: expected a month as YYYY-MM, e.g. 2026-01 ({field}：月份格式应为YYYY-MM)"
                ))
                .into()
            })
        };
        let to = match to.filter(|s| !s.trim().is_empty()) {
            Some(v) => month("to", v)?,
            None => today.with_day(1).unwrap_or(today),
        };
        let from = match from.filter(|s| !s.trim().is_empty()) {
            Some(v) => month("from", v)?,
            None => to.checked_sub_months(chrono::Months::new(11)).unwrap_or(to),
        };
        if from > to {
            return Err(StoreError::Invalid(
                "from: the first month is after the last (from：起始月份晚于截止月份)".into(),
            )
            .into());
        }
        let p = Period {
            from: from.format("%Y-%m").to_string(),
            to: to.format("%Y-%m").to_string(),
        };
        if p.months().len() > MAX_MONTHS {
            return Err(StoreError::Invalid(format!(
                "from: at most {MAX_MONTHS} months at once (from：一次最多{MAX_MONTHS}个月)"
            ))
            .into());
        }
        Ok(p)
    }

    /// Every month of the period, in order.
    pub fn months(&self) -> Vec<String> {
        let mut out = Vec::new();
        let (Ok(mut d), Ok(end)) = (
            NaiveDate::parse_from_str(&format!("{}-01", self.from), "%Y-%m-%d"),
            NaiveDate::parse_from_str(&format!("{}-01", self.to), "%Y-%m-%d"),
        ) else {
            return out;
        };
        while d <= end && out.len() <= MAX_MONTHS {
            out.push(d.format("%Y-%m").to_string());
            let Some(n) = d.checked_add_months(chrono::Months::new(1)) else {
                break;
            };
            d = n;
        }
        out
    }
}

/// A count under a code (a category, a risk type, a stage).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Coded {
    /// The code.
    pub code: String,
    /// 中文.
    pub label_zh: String,
    /// English.
    pub label_en: String,
    /// Households (or cases, for stages).
    pub households: i64,
    /// Persons (where counted; else 0).
    pub persons: i64,
}

/// What happened in one month.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MonthFlows {
    /// `YYYY-MM`.
    pub month: String,
    /// Newly identified households.
    pub new: i64,
    /// Risk eliminations approved.
    pub eliminated: i64,
    /// 返贫 re-entries.
    pub re_entered: i64,
    /// 风险消除回退.
    pub rolled_back: i64,
    /// Warnings raised.
    pub warnings_raised: i64,
}

/// Warnings of one feed and rule over the period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WarningLine {
    /// Feed kind code.
    pub feed: String,
    /// Rule id.
    pub rule: String,
    /// Raised in the period.
    pub raised: i64,
    /// Verified (a lead opened) in the period.
    pub verified: i64,
    /// Dismissed in the period.
    pub dismissed: i64,
    /// Attached to a case already open in the period.
    pub attached: i64,
}

/// Lead → identification.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Identification {
    /// Identifications approved in the period.
    pub approved: i64,
    /// Median days from lead to approval (None: none approved).
    pub median_days: Option<i64>,
    /// 90th percentile of the days (nearest rank).
    pub p90_days: Option<i64>,
}

/// One of 三保障 and drinking water among monitored households.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Coverage {
    /// housing, water, education, medical.
    pub guarantee: String,
    /// Monitored households where it holds.
    pub covered: i64,
    /// Monitored households.
    pub of: i64,
}

impl Coverage {
    /// Per mille (None when there are no monitored households).
    pub fn permille(&self) -> Option<i64> {
        (self.of > 0).then(|| self.covered * 1000 / self.of)
    }
}

/// 规模性返贫 alerts of the places inside an area (docs/figures.md,
/// "Alerts"): counted from the alerts themselves, not the counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AlertFigures {
    /// Open now (stock).
    pub open: i64,
    /// Raised in the period.
    pub raised: i64,
    /// Resolved in the period.
    pub resolved: i64,
}

/// The figures of one area (a region, or the sum of a region's children
/// in scope) over a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Figures {
    /// Households in the registry.
    pub households: i64,
    /// Persons in the registry.
    pub persons: i64,
    /// Monitored households (eliminated ones apart).
    pub monitored_households: i64,
    /// Their persons.
    pub monitored_persons: i64,
    /// Monitored by category.
    pub by_category: Vec<Coded>,
    /// Monitored households by risk type (a household under each of its types).
    pub by_risk: Vec<Coded>,
    /// Households whose risk is eliminated.
    pub eliminated_households: i64,
    /// Their persons.
    pub eliminated_persons: i64,
    /// Newly identified in the period.
    pub new: i64,
    /// Eliminations approved in the period.
    pub eliminated: i64,
    /// Re-entries in the period.
    pub re_entered: i64,
    /// Elimination rollbacks in the period.
    pub rolled_back: i64,
    /// Month by month.
    pub months: Vec<MonthFlows>,
    /// Lead → identification days.
    pub identification: Identification,
    /// Open cases whose step is overdue today, by stage.
    pub overdue: Vec<Coded>,
    /// Overdue cases in all.
    pub overdue_total: i64,
    /// Warnings per feed and rule.
    pub warnings: Vec<WarningLine>,
    /// Monitored households without an ongoing measure.
    pub without_measure: i64,
    /// Members able to work of monitored households.
    pub able_members: i64,
    /// … without an ongoing development measure.
    pub able_without_development: i64,
    /// 三保障 and drinking water.
    pub coverage: Vec<Coverage>,
    /// 规模性返贫 alerts of places inside the area.
    pub alerts: AlertFigures,
}

/// A child region and its figures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AreaFigures {
    /// The child region.
    pub region: Region,
    /// On a key assistance county list now (乡村振兴重点帮扶县; counties
    /// only): the national list before a province's.
    pub key_county: Option<KeyLevel>,
    /// Its figures.
    pub figures: Figures,
}

/// The key assistance counties inside a region (in the reader's scope)
/// and their figures summed: the same definitions over those counties
/// only (docs/figures.md, "Key counties").
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KeyCountyFigures {
    /// The counties summed, by code.
    pub counties: Vec<KeyCounty>,
    /// Their figures summed.
    pub figures: Figures,
}

/// A region's figures, its chain and its children's.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FigureReport {
    /// The region.
    pub region: Region,
    /// Province down to the region.
    pub chain: Vec<Region>,
    /// The period.
    pub period: Period,
    /// The day overdue is counted on (China time).
    pub today: NaiveDate,
    /// The region (in the actor's scope).
    pub total: Figures,
    /// Its children in scope.
    pub children: Vec<AreaFigures>,
    /// The region itself is a key assistance county (a county only).
    pub key_county: Option<KeyLevel>,
    /// For a province or city: its key assistance counties in scope and
    /// their figures (`None`: none, or the region is a county or below).
    pub key_counties: Option<KeyCountyFigures>,
}

/// The development kinds of the catalogue in force for each village.
fn development(book: &RuleBook, today: NaiveDate) -> impl Fn(&str) -> HashSet<String> + Sync + '_ {
    move |village: &str| {
        RegionCode::parse(village)
            .ok()
            .and_then(|v| book.catalogue_for(&v, today))
            .map(|(c, _)| {
                c.rules
                    .iter()
                    .filter(|r| r.class == MeasureClass::Development)
                    .map(|r| r.kind.code().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Recounts the villages writes marked since the last read.
pub async fn refresh(store: &Store, book: &RuleBook, today: NaiveDate) -> Result<usize, AppError> {
    let dev = development(book, today);
    Ok(stats::refresh(&store.pool, &dev).await?)
}

/// Recounts every village from scratch (`dixian stats rebuild`).
pub async fn rebuild(store: &Store, book: &RuleBook, today: NaiveDate) -> Result<usize, AppError> {
    let dev = development(book, today);
    Ok(stats::rebuild(&store.pool, &dev).await?)
}

/// What one answer depends on besides the counters: the database (the
/// pool), the region, the reader's scope, the period, the day overdue
/// is counted on and the key county lists in force.
type CacheKey = (u64, String, String, String, String, NaiveDate, String);

/// Answers already summed, each with the counters' generation it was
/// summed at ([`stats::state`]): good while that generation holds and no
/// village waits to be recounted. Bounded; emptied when full.
static CACHE: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<CacheKey, (i64, std::sync::Arc<FigureReport>)>>,
> = std::sync::LazyLock::new(Default::default);

/// Answers kept at most (a county's regions and a few periods).
const CACHE_ENTRIES: usize = 1024;

/// Periods longer than this many months are summed for each request and
/// not kept: a chosen long period would hold a child × month table per
/// answer, and a reader could fill the cache with them.
const CACHED_MONTHS: usize = 24;

/// One recount at a time in this process: concurrent readers who find
/// villages waiting wait for the one recount instead of each starting it.
static REFRESHING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The figures of `code` and its children in `actor`'s scope.
pub async fn report(
    store: &Store,
    actor: &Actor,
    book: &RuleBook,
    code: &str,
    period: &Period,
    today: NaiveDate,
) -> Result<FigureReport, AppError> {
    let pool = &store.pool;
    let code = RegionCode::parse(code).map_err(|e| StoreError::Invalid(format!("region: {e}")))?;
    let scope = &actor.scope.region;
    if !scope.contains(&code) && !code.contains(scope) {
        return Err(StoreError::NotFound.into());
    }
    let (mut generation, pending) = stats::state(pool).await?;
    if pending {
        let _one = REFRESHING.lock().await;
        let (now_generation, still) = stats::state(pool).await?;
        generation = now_generation;
        if still {
            refresh(store, book, today).await?;
            generation = stats::state(pool).await?.0;
        }
    }
    // The key county lists are read on each request (a few hundred rows
    // at most) and are part of the key: a list loaded is seen at once.
    let keys = key_counties::current(pool).await?;
    let keys_id: String = keys
        .values()
        .map(|k| format!("{}{}", k.county_code, k.level.code()))
        .collect();
    // The cache is the process's own; the generation is the database's,
    // so another server's or the command line's recount is seen too.
    let key: CacheKey = (
        pool.id(),
        code.to_string(),
        scope.to_string(),
        period.from.clone(),
        period.to.clone(),
        today,
        keys_id,
    );
    let hit = CACHE.lock().ok().and_then(|c| {
        c.get(&key)
            .filter(|(g, _)| *g == generation)
            .map(|(_, r)| std::sync::Arc::clone(r))
    });
    let mut r = match hit {
        Some(r) => (*r).clone(),
        None => {
            let r = summed(store, scope, code, period, today, &keys).await?;
            if period.months().len() <= CACHED_MONTHS {
                if let Ok(mut cache) = CACHE.lock() {
                    if cache.len() >= CACHE_ENTRIES {
                        cache.clear();
                    }
                    cache.insert(key, (generation, std::sync::Arc::new(r.clone())));
                }
            }
            r
        }
    };
    // Alerts change without the counters' generation: counted on each read
    // (few rows, by the scope index).
    with_alerts(store, scope, &mut r).await?;
    Ok(r)
}

/// Fills in the alerts of the report's region and children: open now,
/// raised and resolved in a month (China time) of the period. An alert
/// counts in every area its place lies inside — a township's alert in its
/// township, county, …, never in a village.
async fn with_alerts(
    store: &Store,
    scope: &RegionCode,
    r: &mut FigureReport,
) -> Result<(), AppError> {
    let code = RegionCode::parse(&r.region.code)
        .map_err(|e| StoreError::Invalid(format!("region: {e}")))?;
    let counted = if scope.contains(&code) { &code } else { scope };
    let since = NaiveDate::parse_from_str(&format!("{}-01", r.period.from), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc() - chrono::Duration::hours(8))
        .unwrap_or_default();
    let facts = dixian_store::alerts::facts_for_figures(&store.pool, counted, since).await?;
    let month = |t: chrono::DateTime<chrono::Utc>| {
        dixian_domain::case::china_date(t)
            .format("%Y-%m")
            .to_string()
    };
    let within = |m: &str| *m >= *r.period.from.as_str() && *m <= *r.period.to.as_str();
    let mut total = AlertFigures::default();
    let mut keyed = AlertFigures::default();
    let mut kids = vec![AlertFigures::default(); r.children.len()];
    for a in &facts {
        let one = AlertFigures {
            open: i64::from(a.status == "open"),
            raised: i64::from(within(&month(a.raised_at))),
            resolved: i64::from(a.resolved_at.is_some_and(|t| within(&month(t)))),
        };
        let add = |f: &mut AlertFigures| {
            f.open += one.open;
            f.raised += one.raised;
            f.resolved += one.resolved;
        };
        add(&mut total);
        if let Some(k) = &r.key_counties
            && k.counties
                .iter()
                .any(|c| a.region_code.starts_with(&c.county_code))
        {
            add(&mut keyed);
        }
        for (k, c) in kids.iter_mut().zip(&r.children) {
            if a.region_code.starts_with(&c.region.code) {
                add(k);
            }
        }
    }
    r.total.alerts = total;
    if let Some(k) = r.key_counties.as_mut() {
        k.figures.alerts = keyed;
    }
    for (c, k) in r.children.iter_mut().zip(kids) {
        c.figures.alerts = k;
    }
    Ok(())
}

/// The figures of `code` in `scope`, summed from the counters.
async fn summed(
    store: &Store,
    scope: &RegionCode,
    code: RegionCode,
    period: &Period,
    today: NaiveDate,
    keys: &BTreeMap<String, KeyCounty>,
) -> Result<FigureReport, AppError> {
    let pool = &store.pool;
    let region = regions::get(pool, &code)
        .await?
        .ok_or(StoreError::NotFound)?;
    let chain = regions::chain(pool, &code).await?;
    let counted = if scope.contains(&code) { &code } else { scope };
    let (lo, hi) = counted.padded_range();
    let child_digits = code
        .level()
        .child()
        .map_or(code.as_str().len(), |l| l.digits());
    let rows = stats::read(pool, &lo, &hi, child_digits, &period.from, &period.to).await?;
    let mut kids = regions::children(pool, &code).await?;
    if !scope.contains(&code) {
        kids.retain(|r| {
            r.code.len() <= scope.as_str().len() && scope.as_str().starts_with(&r.code)
        });
    }
    let months = period.months();
    let total = figures(rows.iter(), &months, today);
    let level_of = |c: &str| keys.get(c).map(|k| k.level);
    let children = kids
        .into_iter()
        .map(|r| AreaFigures {
            figures: figures(rows.iter().filter(|s| s.area == r.code), &months, today),
            key_county: level_of(&r.code),
            region: r,
        })
        .collect();
    // A province's or city's key counties in the reader's scope: the
    // counters summed per county (6 digits), those on a list kept.
    let county_digits = dixian_domain::RegionLevel::County.digits();
    let inside: Vec<KeyCounty> = keys
        .values()
        .filter(|k| k.county_code.starts_with(counted.as_str()))
        .cloned()
        .collect();
    let key_counties = if code.as_str().len() < county_digits
        && counted.as_str().len() <= county_digits
        && !inside.is_empty()
    {
        let per_county =
            stats::read(pool, &lo, &hi, county_digits, &period.from, &period.to).await?;
        let codes: HashSet<&str> = inside.iter().map(|k| k.county_code.as_str()).collect();
        Some(KeyCountyFigures {
            figures: figures(
                per_county
                    .iter()
                    .filter(|s| codes.contains(s.area.as_str())),
                &months,
                today,
            ),
            counties: inside,
        })
    } else {
        None
    };
    Ok(FigureReport {
        key_county: level_of(code.as_str()),
        region,
        chain,
        period: period.clone(),
        today,
        total,
        children,
        key_counties,
    })
}

/// The counties inside a province (in `actor`'s scope) and their
/// figures, for the evaluation of a province's counties: the counters read
/// once grouped by county (no scan of households), each county marked when
/// on a key county list. Checks scope and recounts like [`report`] (whose
/// answer comes back too, for the region, chain and total). Not cached:
/// the evaluation page is not a hot path.
pub async fn counties_of(
    store: &Store,
    actor: &Actor,
    book: &RuleBook,
    code: &str,
    period: &Period,
    today: NaiveDate,
) -> Result<(FigureReport, Vec<AreaFigures>), AppError> {
    let r = report(store, actor, book, code, period, today).await?;
    let pool = &store.pool;
    let code = RegionCode::parse(code).map_err(|e| StoreError::Invalid(format!("region: {e}")))?;
    let scope = &actor.scope.region;
    let counted = if scope.contains(&code) { &code } else { scope };
    let digits = dixian_domain::RegionLevel::County.digits();
    let (lo, hi) = counted.padded_range();
    let rows = stats::read(pool, &lo, &hi, digits, &period.from, &period.to).await?;
    let keys = key_counties::current(pool).await?;
    let mut counties = regions::at_level(pool, dixian_domain::RegionLevel::County).await?;
    counties.retain(|c| {
        c.code.starts_with(counted.as_str()) || counted.as_str().starts_with(c.code.as_str())
    });
    let months = period.months();
    let out = counties
        .into_iter()
        .map(|c| AreaFigures {
            figures: figures(rows.iter().filter(|s| s.area == c.code), &months, today),
            key_county: keys.get(&c.code).map(|k| k.level),
            region: c,
        })
        .collect();
    Ok((r, out))
}

fn coded(code: &str, households: i64, persons: i64) -> Coded {
    let (zh, en) = Category::parse(code)
        .map(|c| (c.label_zh(), c.label_en()))
        .or_else(|| RiskType::parse(code).map(|r| (r.label_zh(), r.label_en())))
        .or_else(|| CaseStage::parse(code).map(|s| (s.label_zh(), s.label_en())))
        .unwrap_or((code, code));
    Coded {
        code: code.to_string(),
        label_zh: zh.to_string(),
        label_en: en.to_string(),
        households,
        persons,
    }
}

/// The nearest-rank `p` percentile of a histogram (value → count).
fn percentile(h: &BTreeMap<i64, i64>, p: i64) -> Option<i64> {
    let n: i64 = h.values().sum();
    if n == 0 {
        return None;
    }
    let rank = (p * n + 99) / 100;
    let mut seen = 0;
    for (v, c) in h {
        seen += c;
        if seen >= rank.max(1) {
            return Some(*v);
        }
    }
    h.keys().last().copied()
}

/// The line of `dim` (`feed|rule`).
fn warn_line<'a>(
    warn: &'a mut BTreeMap<(String, String), WarningLine>,
    dim: &str,
) -> &'a mut WarningLine {
    let (feed, rule) = dim.split_once('|').unwrap_or((dim, ""));
    warn.entry((feed.to_string(), rule.to_string()))
        .or_insert_with(|| WarningLine {
            feed: feed.to_string(),
            rule: rule.to_string(),
            ..Default::default()
        })
}

/// Sums `rows` into the figures of one area.
pub fn figures<'a>(
    rows: impl Iterator<Item = &'a StatRow>,
    months: &[String],
    today: NaiveDate,
) -> Figures {
    let mut f = Figures::default();
    let mut cat: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut risk: BTreeMap<String, i64> = BTreeMap::new();
    let mut overdue: BTreeMap<String, i64> = BTreeMap::new();
    let mut warn: BTreeMap<(String, String), WarningLine> = BTreeMap::new();
    let mut days: BTreeMap<i64, i64> = BTreeMap::new();
    let mut covered: BTreeMap<String, i64> = BTreeMap::new();
    let mut by_month: BTreeMap<String, MonthFlows> = months
        .iter()
        .map(|m| {
            (
                m.clone(),
                MonthFlows {
                    month: m.clone(),
                    ..Default::default()
                },
            )
        })
        .collect();
    for r in rows {
        let v = r.value;
        if r.month == NOW {
            match r.figure.as_str() {
                fig::HOUSEHOLDS => f.households += v,
                fig::PERSONS => f.persons += v,
                fig::MONITORED_HH => {
                    f.monitored_households += v;
                    cat.entry(r.dim.clone()).or_default().0 += v;
                }
                fig::MONITORED_PERSONS => {
                    f.monitored_persons += v;
                    cat.entry(r.dim.clone()).or_default().1 += v;
                }
                fig::MONITORED_RISK => *risk.entry(r.dim.clone()).or_default() += v,
                fig::ELIMINATED_HH => f.eliminated_households += v,
                fig::ELIMINATED_PERSONS => f.eliminated_persons += v,
                fig::NO_MEASURE => f.without_measure += v,
                fig::ABLE => f.able_members += v,
                fig::ABLE_NO_DEV => f.able_without_development += v,
                fig::COVERED => *covered.entry(r.dim.clone()).or_default() += v,
                fig::OPEN_DUE => {
                    let Some((stage, due)) = r.dim.split_once('|') else {
                        continue;
                    };
                    if NaiveDate::parse_from_str(due, "%Y-%m-%d").is_ok_and(|d| d < today) {
                        *overdue.entry(stage.to_string()).or_default() += v;
                        f.overdue_total += v;
                    }
                }
                _ => {}
            }
            continue;
        }
        let m = by_month
            .entry(r.month.clone())
            .or_insert_with(|| MonthFlows {
                month: r.month.clone(),
                ..Default::default()
            });
        match r.figure.as_str() {
            fig::NEW => m.new += v,
            fig::ELIMINATED => m.eliminated += v,
            fig::RE_ENTERED => m.re_entered += v,
            fig::ROLLED_BACK => m.rolled_back += v,
            fig::IDENT_DAYS => {
                if let Ok(d) = r.dim.parse::<i64>() {
                    *days.entry(d).or_default() += v;
                }
            }
            fig::WARN_RAISED => {
                m.warnings_raised += v;
                warn_line(&mut warn, &r.dim).raised += v;
            }
            fig::WARN_VERIFIED => warn_line(&mut warn, &r.dim).verified += v,
            fig::WARN_DISMISSED => warn_line(&mut warn, &r.dim).dismissed += v,
            fig::WARN_ATTACHED => warn_line(&mut warn, &r.dim).attached += v,
            _ => {}
        }
    }
    f.months = by_month.into_values().collect();
    for m in &f.months {
        f.new += m.new;
        f.eliminated += m.eliminated;
        f.re_entered += m.re_entered;
        f.rolled_back += m.rolled_back;
    }
    f.by_category = cat.into_iter().map(|(c, (h, p))| coded(&c, h, p)).collect();
    f.by_risk = risk.into_iter().map(|(c, h)| coded(&c, h, 0)).collect();
    f.overdue = overdue.into_iter().map(|(c, h)| coded(&c, h, 0)).collect();
    f.warnings = warn.into_values().collect();
    f.identification = Identification {
        approved: days.values().sum(),
        median_days: percentile(&days, 50),
        p90_days: percentile(&days, 90),
    };
    f.coverage = GUARANTEES
        .iter()
        .map(|g| Coverage {
            guarantee: g.to_string(),
            covered: covered.get(*g).copied().unwrap_or(0),
            of: f.monitored_households,
        })
        .collect();
    f
}

/// The columns of the report sent upward (中文, as the form upward has them).
pub const REPORT_COLUMNS: [&str; 25] = [
    "区划代码",
    "区划名称",
    "监测户数",
    "监测人数",
    "风险消除户数",
    "风险消除人数",
    "新识别户数",
    "消除风险户数",
    "返贫户数",
    "风险消除回退户数",
    "识别用时中位数(天)",
    "识别用时P90(天)",
    "超期案件数",
    "预警产生数",
    "预警核实数",
    "预警排除数",
    "无帮扶措施户数",
    "有劳动能力未落实开发式帮扶人数",
    "住房安全保障率(%)",
    "饮水安全保障率(%)",
    "义务教育保障率(%)",
    "基本医疗保障率(%)",
    "规模性返贫预警未处置数",
    "规模性返贫预警本期发出数",
    "规模性返贫预警本期处置数",
];

fn percent(c: &Coverage) -> String {
    c.permille()
        .map_or_else(|| "—".into(), |p| format!("{}.{}", p / 10, p % 10))
}

/// One row of the report: a region's figures in [`REPORT_COLUMNS`] order.
pub fn report_row(code: &str, name: &str, f: &Figures) -> Vec<String> {
    let opt = |v: Option<i64>| v.map_or_else(|| "—".into(), |d| d.to_string());
    let w = |g: fn(&WarningLine) -> i64| f.warnings.iter().map(g).sum::<i64>().to_string();
    let mut row = vec![
        code.to_string(),
        name.to_string(),
        f.monitored_households.to_string(),
        f.monitored_persons.to_string(),
        f.eliminated_households.to_string(),
        f.eliminated_persons.to_string(),
        f.new.to_string(),
        f.eliminated.to_string(),
        f.re_entered.to_string(),
        f.rolled_back.to_string(),
        opt(f.identification.median_days),
        opt(f.identification.p90_days),
        f.overdue_total.to_string(),
        w(|l| l.raised),
        w(|l| l.verified),
        w(|l| l.dismissed),
        f.without_measure.to_string(),
        f.able_without_development.to_string(),
    ];
    row.extend(f.coverage.iter().map(percent));
    row.extend([
        f.alerts.open.to_string(),
        f.alerts.raised.to_string(),
        f.alerts.resolved.to_string(),
    ]);
    row
}

/// The name of the workbook's line of a province's or city's key
/// counties summed.
pub const KEY_COUNTIES_ROW: &str = "其中：重点帮扶县合计";

/// A child's name in the report, a key county marked
/// (`威宁…自治县（国家乡村振兴重点帮扶县）`).
pub fn marked_name(c: &AreaFigures) -> String {
    match c.key_county {
        Some(level) => format!("{}（{}）", c.region.name, level.label_zh()),
        None => c.region.name.clone(),
    }
}

/// The workbook sent upward: a title with the region and period, the
/// Chinese headers of [`REPORT_COLUMNS`], a row per child region in scope
/// and the 合计 row of the region.
pub fn workbook(r: &FigureReport) -> Result<Vec<u8>, AppError> {
    let mut rows: Vec<Vec<String>> = r
        .children
        .iter()
        .map(|c| report_row(&c.region.code, &marked_name(c), &c.figures))
        .collect();
    if let Some(k) = &r.key_counties {
        rows.push(report_row(&r.region.code, KEY_COUNTIES_ROW, &k.figures));
    }
    rows.push(report_row(&r.region.code, "合计", &r.total));
    let title = format!(
        "{}防止返贫监测帮扶统计表（{}至{}，超期截至{}）",
        r.region.name, r.period.from, r.period.to, r.today
    );
    dixian_tabular::table_xlsx(&dixian_tabular::TableSheet {
        name: "监测帮扶统计",
        title: &title,
        headers: &REPORT_COLUMNS,
        rows: &rows,
    })
    .map_err(|e| AppError::Store(StoreError::Invalid(e.to_string())))
}
