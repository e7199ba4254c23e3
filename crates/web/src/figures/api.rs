//! The figures' JSON API: `/api/v1/figures/{code}?from=&to=`.

use super::households::BehindQuery;
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiResult;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use dixian_app::evaluation::{self, AreaScore, Evaluation, IndicatorScore};
use dixian_app::figure_households::{FigureHouseholdLine, FigureHouseholds};
use dixian_app::figures::{
    self, AreaFigures, Coded, Coverage, FigureReport, Figures, Identification, KeyCountyFigures,
    MonthFlows, Period, WarningLine,
};
use dixian_store::figure_households::FigureKind;
use dixian_store::key_counties::{KeyCounty, KeyLevel};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

/// The figures' part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(region_figures, households_behind, region_evaluation),
    components(schemas(Evaluation, AreaScore, IndicatorScore, KeyCountyFigures, KeyCounty, KeyLevel, FigureHouseholds, FigureHouseholdLine, FigureKind, FigureReport, AreaFigures, Figures, Coded, Coverage, Identification, MonthFlows, Period, WarningLine)),
    tags((name = "figures", description = "what leaders read: monitored households, changes by month, identification time, overdue cases, warnings, assistance and 三保障 coverage, per region and child region (definitions: docs/figures.md)"))
)]
pub struct FiguresDoc;

/// Routes of the figures' API.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/figures/{code}", get(region_figures))
        .route("/api/v1/figures/{code}/households", get(households_behind))
        .route("/api/v1/evaluation/{code}", get(region_evaluation))
}

/// The period asked for.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct PeriodQuery {
    /// First month, `YYYY-MM` (default: eleven months before `to`).
    pub from: Option<String>,
    /// Last month, `YYYY-MM` (default: this month, China time).
    pub to: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/figures/{code}", tag = "figures", security(("bearer" = [])),
    params(("code" = String, Path, description = "2/4/6/9/12-digit division code"), PeriodQuery),
    responses((status = 200, body = FigureReport),
        (status = 404, description = "unknown or outside your scope"),
        (status = 422, description = "a bad month: the field (from, to) is named")))]
async fn region_figures(
    State(s): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    Query(p): Query<PeriodQuery>,
) -> ApiResult<Json<FigureReport>> {
    let today = dixian_domain::case::china_date(s.clock.now());
    let period = Period::parse(p.from.as_deref(), p.to.as_deref(), today)?;
    let book = s.rules.get();
    let r = figures::report(&s.store, &auth.actor(), &book, &code, &period, today).await?;
    Ok(Json(r))
}

#[utoipa::path(get, path = "/api/v1/figures/{code}/households", tag = "figures", security(("bearer" = [])),
    params(("code" = String, Path, description = "2/4/6/9/12-digit division code"), BehindQuery),
    responses((status = 200, body = FigureHouseholds, description = "the de-identified households behind a figure; `total` is the figure's number in your scope"),
        (status = 404, description = "unknown or outside your scope"),
        (status = 422, description = "a bad value: the field (figure, category, risk) is named")))]
async fn households_behind(
    State(s): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    Query(q): Query<BehindQuery>,
) -> ApiResult<Json<FigureHouseholds>> {
    Ok(Json(
        super::households::load(&s, &auth.actor(), &code, &q).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/evaluation/{code}", tag = "figures", security(("bearer" = [])),
    params(("code" = String, Path, description = "2/4/6/9-digit division code: its children are scored"), PeriodQuery),
    responses((status = 200, body = Evaluation, description = "每个下级的总分及各项指标的实际值、满分值、权重和得分 (docs/figures.md, \"Evaluation\"); `rule_set` null: not configured"),
        (status = 404, description = "unknown or outside your scope"),
        (status = 422, description = "a bad month: the field (from, to) is named")))]
async fn region_evaluation(
    State(s): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    Query(p): Query<PeriodQuery>,
) -> ApiResult<Json<Evaluation>> {
    let today = dixian_domain::case::china_date(s.clock.now());
    let period = Period::parse(p.from.as_deref(), p.to.as_deref(), today)?;
    let book = s.rules.get();
    let e = evaluation::evaluate(&s.store, &auth.actor(), &book, &code, &period, today).await?;
    Ok(Json(e))
}
