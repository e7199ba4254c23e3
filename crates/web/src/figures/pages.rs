//! The figures page (`/figures/{code}`: every figure of docs/figures.md
//! for the region and each child, the period asked in a form), the
//! workbook sent upward (`/figures/{code}/report.xlsx`) and the dashboard
//! (`/dashboard/{code}`: bars by child region and monthly trend lines as
//! SVG drawn on the server, no script; a bar drills down to the child's
//! dashboard, a village's to the households behind its number).

use super::api::PeriodQuery;
use crate::AppState;
use crate::auth::PageAuth;
use crate::error::ApiError;
use crate::i18n::Texts;
use crate::shared::download::XLSX;
use crate::shared::lang::Lang;
use crate::shared::layout::{UserBar, error_page, user_bar};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use dixian_app::AppError;
use dixian_app::figure_households;
use dixian_app::figures::{self, FigureReport, Figures, Period};
use dixian_domain::{Category, RiskType};
use dixian_screen::FeedKind;
use dixian_store::StoreError;
use dixian_store::figure_households::{FigureKind, FigureSelector};
use dixian_store::key_counties::KeyLevel;
use dixian_store::regions::Region;

/// Routes of these pages.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/figures/{code}", get(figures_page))
        .route("/figures/{code}/report.xlsx", get(report_xlsx))
        .route("/dashboard/{code}", get(dashboard_page))
        .route("/figures/{code}/key-counties", get(key_counties_page))
}

/// One figure set as the pages show it (labels in the page's language).
struct FigView {
    monitored_households: i64,
    monitored_persons: i64,
    eliminated_households: i64,
    eliminated_persons: i64,
    new: i64,
    eliminated: i64,
    re_entered: i64,
    rolled_back: i64,
    approved: i64,
    median: String,
    p90: String,
    overdue_total: i64,
    without_measure: i64,
    able: i64,
    able_no_dev: i64,
    /// Label, households, persons, the list behind the households.
    categories: Vec<(String, i64, i64, String)>,
    /// Label, households, the list behind them.
    risks: Vec<(String, i64, String)>,
    /// The lists behind the stock numbers.
    monitored_href: String,
    eliminated_href: String,
    without_measure_href: String,
    /// 规模性返贫 alerts: open now, raised and resolved in the period.
    alerts: figures::AlertFigures,
    /// The alerts of the region (for a role that reads them).
    alerts_href: Option<String>,
    overdue: Vec<(String, i64)>,
    warnings: Vec<WarnView>,
    coverage: Vec<CovView>,
    months: Vec<figures::MonthFlows>,
}

struct WarnView {
    feed: String,
    rule: String,
    raised: i64,
    verified: i64,
    dismissed: i64,
    attached: i64,
}

struct CovView {
    label: &'static str,
    covered: i64,
    of: i64,
    rate: String,
}

fn days(v: Option<i64>) -> String {
    v.map_or_else(|| "—".into(), |d| d.to_string())
}

impl FigView {
    fn of(t: &Texts, code: &str, f: &Figures, reads_alerts: bool) -> FigView {
        let label = |c: &figures::Coded| t.pick_owned(&c.label_zh, &c.label_en);
        FigView {
            alerts: f.alerts.clone(),
            alerts_href: reads_alerts.then(|| format!("/alerts?region={code}&status=all")),
            monitored_href: households_href(code),
            eliminated_href: behind(code, FigureKind::Eliminated, None, None),
            without_measure_href: behind(code, FigureKind::WithoutMeasure, None, None),
            monitored_households: f.monitored_households,
            monitored_persons: f.monitored_persons,
            eliminated_households: f.eliminated_households,
            eliminated_persons: f.eliminated_persons,
            new: f.new,
            eliminated: f.eliminated,
            re_entered: f.re_entered,
            rolled_back: f.rolled_back,
            approved: f.identification.approved,
            median: days(f.identification.median_days),
            p90: days(f.identification.p90_days),
            overdue_total: f.overdue_total,
            without_measure: f.without_measure,
            able: f.able_members,
            able_no_dev: f.able_without_development,
            categories: f
                .by_category
                .iter()
                .map(|c| {
                    let href = behind(code, FigureKind::Monitored, Category::parse(&c.code), None);
                    (label(c), c.households, c.persons, href)
                })
                .collect(),
            risks: f
                .by_risk
                .iter()
                .map(|c| {
                    let href = behind(code, FigureKind::Monitored, None, RiskType::parse(&c.code));
                    (label(c), c.households, href)
                })
                .collect(),
            overdue: f.overdue.iter().map(|c| (label(c), c.households)).collect(),
            warnings: f
                .warnings
                .iter()
                .map(|w| WarnView {
                    feed: FeedKind::parse(&w.feed)
                        .map_or_else(|| w.feed.clone(), |k| t.label(k).to_string()),
                    rule: w.rule.clone(),
                    raised: w.raised,
                    verified: w.verified,
                    dismissed: w.dismissed,
                    attached: w.attached,
                })
                .collect(),
            coverage: f
                .coverage
                .iter()
                .map(|c| CovView {
                    label: match c.guarantee.as_str() {
                        "housing" => t.fig_cov_housing,
                        "water" => t.fig_cov_water,
                        "education" => t.fig_cov_education,
                        _ => t.fig_cov_medical,
                    },
                    covered: c.covered,
                    of: c.of,
                    rate: c
                        .permille()
                        .map_or_else(|| "—".into(), |p| format!("{}.{}%", p / 10, p % 10)),
                })
                .collect(),
            months: f.months.clone(),
        }
    }
}

/// A child region's line: its name, where it drills down to, its figures.
struct ChildView {
    name: String,
    /// The key county badge's title (the list's name), for a key county.
    key: Option<String>,
    figures_href: String,
    dashboard_href: String,
    households_href: String,
    f: FigView,
}

/// The list behind a stock figure of `code` (every role reads it, each
/// as `dixian_app::figure_households` shows it).
fn behind(
    code: &str,
    kind: FigureKind,
    category: Option<Category>,
    risk: Option<RiskType>,
) -> String {
    figure_households::href(
        code,
        &FigureSelector {
            kind,
            category,
            risk,
        },
    )
}

/// The badge's title of a key county (the list it is on), in the page's language.
pub(super) fn key_title(t: &Texts, level: Option<KeyLevel>) -> Option<String> {
    level.map(|l| t.pick(l.label_zh(), l.label_en()).to_string())
}

/// The key counties of a province or city summed: their names and figures.
struct KeyView {
    names: String,
    f: FigView,
}

fn key_view(t: &Texts, r: &FigureReport, reads_alerts: bool) -> Option<KeyView> {
    r.key_counties.as_ref().map(|k| KeyView {
        names: k
            .counties
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join("、"),
        f: FigView::of(t, &r.region.code, &k.figures, reads_alerts),
    })
}

/// Whether the reader may open the alert list (who reads cases); every
/// reader sees the alert counts.
fn reads_alerts(auth: &PageAuth) -> bool {
    dixian_domain::case::LEAD_ROLES.contains(&auth.0.role)
}

/// The monitored households behind a region's number.
fn households_href(code: &str) -> String {
    behind(code, FigureKind::Monitored, None, None)
}

pub(super) fn query(p: &Period) -> String {
    format!("from={}&to={}", p.from, p.to)
}

/// The period of the form, or the typed values back with the field's
/// error (the default period shown meanwhile).
pub(super) fn period_of(q: &PeriodQuery, today: chrono::NaiveDate) -> (Period, Option<String>) {
    match Period::parse(q.from.as_deref(), q.to.as_deref(), today) {
        Ok(p) => (p, None),
        Err(e) => (
            Period::parse(None, None, today).unwrap_or(Period {
                from: String::new(),
                to: String::new(),
            }),
            Some(e.to_string()),
        ),
    }
}

async fn load(
    s: &AppState,
    auth: &PageAuth,
    code: &str,
    period: &Period,
    today: chrono::NaiveDate,
) -> Result<FigureReport, AppError> {
    let book = s.rules.get();
    figures::report(&s.store, &auth.actor(), &book, code, period, today).await
}

pub(super) fn failed(t: &Texts, e: AppError) -> Response {
    match e {
        AppError::Store(StoreError::NotFound) | AppError::Store(StoreError::Invalid(_)) => {
            error_page(t, StatusCode::NOT_FOUND, t.not_found)
        }
        e => ApiError::from(e).page(t),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "figures.html")]
struct FiguresPage {
    t: &'static Texts,
    user: Option<UserBar>,
    code: String,
    name: String,
    chain: Vec<Region>,
    from: String,
    to: String,
    error: Option<String>,
    today: String,
    xlsx: String,
    dashboard: String,
    evaluation: String,
    /// The region's own key county badge title.
    key: Option<String>,
    keyed: Option<KeyView>,
    total: FigView,
    children: Vec<ChildView>,
}

/// The child regions' lines. Every child drills down to its own
/// dashboard — a village's too, whose numbers lead to the households
/// behind them ([`behind`]), for every role as far as its scope reaches.
fn children(t: &Texts, r: &FigureReport, p: &Period, reads_alerts: bool) -> Vec<ChildView> {
    r.children
        .iter()
        .map(|c| ChildView {
            name: c.region.name.clone(),
            key: key_title(t, c.key_county),
            figures_href: format!("/figures/{}?{}", c.region.code, query(p)),
            dashboard_href: format!("/dashboard/{}?{}", c.region.code, query(p)),
            households_href: households_href(&c.region.code),
            f: FigView::of(t, &c.region.code, &c.figures, reads_alerts),
        })
        .collect()
}

async fn figures_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(code): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let today = dixian_domain::case::china_date(s.clock.now());
    let (period, error) = period_of(&q, today);
    let r = match load(&s, &auth, &code, &period, today).await {
        Ok(r) => r,
        Err(e) => return failed(t, e),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = FiguresPage {
        t,
        user: user_bar(&auth.0, t),
        code: r.region.code.clone(),
        name: r.region.name.clone(),
        from: q.from.clone().unwrap_or_else(|| period.from.clone()),
        to: q.to.clone().unwrap_or_else(|| period.to.clone()),
        error: error.map(|e| t.of_pair(&e).to_string()),
        today: r.today.to_string(),
        xlsx: format!("/figures/{}/report.xlsx?{}", r.region.code, query(&period)),
        dashboard: format!("/dashboard/{}?{}", r.region.code, query(&period)),
        evaluation: format!("/evaluation/{}?{}", r.region.code, query(&period)),
        key: key_title(t, r.key_county),
        keyed: key_view(t, &r, reads_alerts(&auth)),
        total: FigView::of(t, &r.region.code, &r.total, reads_alerts(&auth)),
        children: children(t, &r, &period, reads_alerts(&auth)),
        chain: r.chain,
    };
    (status, page).into_response()
}

async fn report_xlsx(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(code): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let today = dixian_domain::case::china_date(s.clock.now());
    let period = match Period::parse(q.from.as_deref(), q.to.as_deref(), today) {
        Ok(p) => p,
        Err(e) => return ApiError::from(e).page(t),
    };
    let r = match load(&s, &auth, &code, &period, today).await {
        Ok(r) => r,
        Err(e) => return failed(t, e),
    };
    match figures::workbook(&r) {
        Ok(bytes) => {
            tracing::info!(region = %r.region.code, rows = r.children.len() + 1, "figures report workbook");
            (
                [
                    (CONTENT_TYPE, XLSX.to_string()),
                    (
                        CONTENT_DISPOSITION,
                        format!(
                            "attachment; filename=\"figures-{}-{}-{}.xlsx\"",
                            r.region.code, period.from, period.to
                        ),
                    ),
                    (CACHE_CONTROL, "private, no-store".to_string()),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => ApiError::from(e).page(t),
    }
}

/// One bar of the child-region chart (SVG user units).
struct Bar {
    href: String,
    label: String,
    value: i64,
    /// Top of the row.
    y: i64,
    /// Bar length.
    w: i64,
}

/// Width of the charts' drawing (SVG units; scaled to the screen).
const CHART_W: i64 = 360;
/// Longest bar.
const BAR_MAX: i64 = 300;
/// Height of a bar row (label above the bar).
const ROW_H: i64 = 34;
/// The trend chart's plot box.
const TREND_H: i64 = 160;
const TREND_LEFT: i64 = 30;
const TREND_RIGHT: i64 = 350;
const TREND_TOP: i64 = 10;
const TREND_BOTTOM: i64 = 130;

/// One series of the trend chart: its points and its dots.
struct Series {
    points: String,
    dots: Vec<(i64, i64, i64)>,
}

fn series(values: &[i64], max: i64) -> Series {
    let n = values.len().max(1) as i64;
    let step = if n > 1 {
        (TREND_RIGHT - TREND_LEFT) / (n - 1)
    } else {
        0
    };
    let dots: Vec<(i64, i64, i64)> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let x = TREND_LEFT + i as i64 * step;
            let y = TREND_BOTTOM - v * (TREND_BOTTOM - TREND_TOP) / max.max(1);
            (x, y, *v)
        })
        .collect();
    Series {
        points: dots
            .iter()
            .map(|(x, y, _)| format!("{x},{y}"))
            .collect::<Vec<_>>()
            .join(" "),
        dots,
    }
}

/// One tile of the tile map of child regions (SVG user units).
struct Tile {
    href: String,
    name: String,
    /// Monitored households per 1,000 households, `—` without households.
    rate: String,
    /// Colour class 0–4 of [`TILE_SCALE`]; `none` without households.
    class: String,
    x: i64,
    y: i64,
    /// A key county (marked on the tile).
    key: bool,
}

/// The tile map's colour scale: monitored households per 1,000
/// households, the lower bound of classes 1–4 (class 0 is none at all).
/// A display scale (docs/figures.md, "Tile map"), not a policy number.
const TILE_SCALE: [i64; 4] = [1, 20, 50, 100];
/// Tile size and gap, columns at most (a phone shows four across).
const TILE_W: i64 = 86;
const TILE_H: i64 = 50;
const TILE_GAP: i64 = 4;
const TILE_COLS: i64 = 4;

/// The tiles of the child regions in reading order, with the map's height.
fn tiles(r: &FigureReport, kids: &[ChildView]) -> (Vec<Tile>, i64) {
    let tiles: Vec<Tile> = r
        .children
        .iter()
        .zip(kids)
        .enumerate()
        .map(|(i, (c, k))| {
            let f = &c.figures;
            let per_mille =
                (f.households > 0).then(|| f.monitored_households * 1000 / f.households);
            let i = i as i64;
            Tile {
                href: k.dashboard_href.clone(),
                name: c.region.name.chars().take(6).collect(),
                rate: per_mille.map_or_else(|| "—".into(), |p| format!("{p}‰")),
                class: per_mille.map_or_else(
                    || "none".into(),
                    |p| TILE_SCALE.iter().filter(|b| p >= **b).count().to_string(),
                ),
                key: c.key_county.is_some(),
                x: (i % TILE_COLS) * (TILE_W + TILE_GAP),
                y: (i / TILE_COLS) * (TILE_H + TILE_GAP),
            }
        })
        .collect();
    let rows = ((tiles.len() as i64 + TILE_COLS - 1) / TILE_COLS).max(1);
    (tiles, rows * (TILE_H + TILE_GAP))
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    t: &'static Texts,
    user: Option<UserBar>,
    code: String,
    name: String,
    chain: Vec<Region>,
    from: String,
    to: String,
    error: Option<String>,
    today: String,
    figures: String,
    households: String,
    evaluation: String,
    key: Option<String>,
    keyed: Option<KeyView>,
    total: FigView,
    bars: Vec<Bar>,
    bars_h: i64,
    chart_w: i64,
    trend_h: i64,
    trend_new: Series,
    trend_eliminated: Series,
    trend_max: i64,
    /// Month labels under the axis: (x, text).
    month_labels: Vec<(i64, String)>,
    axis_y: i64,
    axis_left: i64,
    axis_right: i64,
    axis_top: i64,
    /// Child regions in a table too (the chart's numbers, for print and
    /// screen readers).
    children: Vec<ChildView>,
    /// The tile map of child regions, coloured by monitored per 1,000.
    tiles: Vec<Tile>,
    tiles_h: i64,
    tiles_w: i64,
    tile_w: i64,
    tile_h: i64,
    /// The legend: class and its range.
    tile_legend: Vec<(String, String)>,
}

async fn dashboard_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(code): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let today = dixian_domain::case::china_date(s.clock.now());
    let (period, error) = period_of(&q, today);
    let r = match load(&s, &auth, &code, &period, today).await {
        Ok(r) => r,
        Err(e) => return failed(t, e),
    };
    let kids = children(t, &r, &period, reads_alerts(&auth));
    let (tile_list, tiles_h) = tiles(&r, &kids);
    let mut tile_legend = vec![("0".to_string(), "0‰".to_string())];
    for (i, lo) in TILE_SCALE.iter().enumerate() {
        let range = match TILE_SCALE.get(i + 1) {
            Some(hi) => format!("{lo}–{}‰", hi - 1),
            None => format!("≥{lo}‰"),
        };
        tile_legend.push(((i + 1).to_string(), range));
    }
    let max = r
        .children
        .iter()
        .map(|c| c.figures.monitored_households)
        .max()
        .unwrap_or(0)
        .max(1);
    let bars: Vec<Bar> = r
        .children
        .iter()
        .zip(&kids)
        .enumerate()
        .map(|(i, (c, k))| Bar {
            href: k.dashboard_href.clone(),
            label: c.region.name.clone(),
            value: c.figures.monitored_households,
            y: i as i64 * ROW_H,
            w: (c.figures.monitored_households * BAR_MAX / max).max(1),
        })
        .collect();
    let new: Vec<i64> = r.total.months.iter().map(|m| m.new).collect();
    let elim: Vec<i64> = r.total.months.iter().map(|m| m.eliminated).collect();
    let trend_max = new.iter().chain(&elim).copied().max().unwrap_or(0).max(1);
    let n = r.total.months.len().max(1);
    let every = n.div_ceil(6);
    let trend_new = series(&new, trend_max);
    let month_labels = trend_new
        .dots
        .iter()
        .zip(&r.total.months)
        .enumerate()
        .filter(|(i, _)| i % every == 0 || *i + 1 == n)
        .map(|(_, ((x, _, _), m))| (*x, m.month.clone()))
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = DashboardPage {
        t,
        user: user_bar(&auth.0, t),
        code: r.region.code.clone(),
        name: r.region.name.clone(),
        from: q.from.clone().unwrap_or_else(|| period.from.clone()),
        to: q.to.clone().unwrap_or_else(|| period.to.clone()),
        error: error.map(|e| t.of_pair(&e).to_string()),
        today: r.today.to_string(),
        figures: format!("/figures/{}?{}", r.region.code, query(&period)),
        households: households_href(&r.region.code),
        evaluation: format!("/evaluation/{}?{}", r.region.code, query(&period)),
        key: key_title(t, r.key_county),
        keyed: key_view(t, &r, reads_alerts(&auth)),
        total: FigView::of(t, &r.region.code, &r.total, reads_alerts(&auth)),
        bars_h: (bars.len() as i64 * ROW_H).max(ROW_H),
        bars,
        chart_w: CHART_W,
        trend_h: TREND_H,
        trend_eliminated: series(&elim, trend_max),
        trend_new,
        trend_max,
        month_labels,
        axis_y: TREND_BOTTOM,
        axis_left: TREND_LEFT,
        axis_right: TREND_RIGHT,
        axis_top: TREND_TOP,
        children: kids,
        tiles: tile_list,
        tiles_h,
        tiles_w: TILE_COLS * (TILE_W + TILE_GAP),
        tile_w: TILE_W,
        tile_h: TILE_H,
        tile_legend,
        chain: r.chain,
    };
    (status, page).into_response()
}

/// One key county's line of the key county list.
struct KeyCountyLine {
    code: String,
    name: String,
    list: String,
    figures_href: String,
    f: FigView,
}

#[derive(Template, WebTemplate)]
#[template(path = "key_counties.html")]
struct KeyCountiesPage {
    t: &'static Texts,
    user: Option<UserBar>,
    code: String,
    name: String,
    from: String,
    to: String,
    error: Option<String>,
    figures: String,
    lines: Vec<KeyCountyLine>,
}

/// `/figures/{code}/key-counties`: every key assistance county inside the
/// region (in the reader's scope) with its own figures, read from the
/// counters grouped by county.
async fn key_counties_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(code): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let today = dixian_domain::case::china_date(s.clock.now());
    let (period, error) = period_of(&q, today);
    let book = s.rules.get();
    let (r, counties) =
        match figures::counties_of(&s.store, &auth.actor(), &book, &code, &period, today).await {
            Ok(x) => x,
            Err(e) => return failed(t, e),
        };
    let lines = counties
        .iter()
        .filter_map(|c| {
            let level = c.key_county?;
            Some(KeyCountyLine {
                code: c.region.code.clone(),
                name: c.region.name.clone(),
                list: t.pick(level.label_zh(), level.label_en()).to_string(),
                figures_href: format!("/figures/{}?{}", c.region.code, query(&period)),
                f: FigView::of(t, &c.region.code, &c.figures, reads_alerts(&auth)),
            })
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = KeyCountiesPage {
        t,
        user: user_bar(&auth.0, t),
        code: r.region.code.clone(),
        name: r.region.name.clone(),
        from: q.from.clone().unwrap_or_else(|| period.from.clone()),
        to: q.to.clone().unwrap_or_else(|| period.to.clone()),
        error: error.map(|e| t.of_pair(&e).to_string()),
        figures: format!("/figures/{}?{}", r.region.code, query(&period)),
        lines,
    };
    (status, page).into_response()
}
