//! The evaluation page (`/evaluation/{code}`: 绩效评价 of the region's
//! children, each score with its indicators' values, targets, weights and
//! points) and its workbook (`/evaluation/{code}/scores.xlsx`). The
//! numbers come from `dixian_app::evaluation`, once.

use super::api::PeriodQuery;
use super::pages::{failed, key_title, period_of, query};
use crate::AppState;
use crate::auth::PageAuth;
use crate::error::ApiError;
use crate::i18n::Texts;
use crate::shared::download::XLSX;
use crate::shared::lang::Lang;
use crate::shared::layout::{UserBar, user_bar};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use dixian_app::evaluation::{self, AreaScore, fmt};
use dixian_app::figures::Period;
use dixian_store::regions::Region;

/// Routes of these pages.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/evaluation/{code}", get(evaluation_page))
        .route("/evaluation/{code}/scores.xlsx", get(scores_xlsx))
}

/// One indicator's line as the page shows it.
struct IndicatorView {
    label: String,
    value: String,
    full: String,
    zero: String,
    weight: String,
    points: String,
}

/// One area's score with its indicators.
struct ScoreView {
    code: String,
    name: String,
    key: Option<String>,
    href: String,
    score: String,
    indicators: Vec<IndicatorView>,
}

fn view(t: &Texts, a: &AreaScore, p: &Period) -> ScoreView {
    ScoreView {
        code: a.region.code.clone(),
        name: a.region.name.clone(),
        key: key_title(t, a.key_county),
        href: format!("/evaluation/{}?{}", a.region.code, query(p)),
        score: a.score.map_or_else(|| t.eval_na.to_string(), fmt),
        indicators: a
            .indicators
            .iter()
            .map(|i| {
                let unit = if i.unit == "percent" { "%" } else { "" };
                IndicatorView {
                    label: t.pick_owned(&i.label_zh, &i.label_en),
                    value: i
                        .value
                        .map_or_else(|| t.eval_na.to_string(), |v| format!("{}{unit}", fmt(v))),
                    full: format!("{}{unit}", fmt(i.full)),
                    zero: format!("{}{unit}", fmt(i.zero)),
                    weight: fmt(i.weight),
                    points: i.points.map_or_else(|| "—".to_string(), fmt),
                }
            })
            .collect(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "evaluation.html")]
struct EvaluationPage {
    t: &'static Texts,
    user: Option<UserBar>,
    code: String,
    name: String,
    chain: Vec<Region>,
    from: String,
    to: String,
    error: Option<String>,
    figures: String,
    xlsx: String,
    rule_set: Option<String>,
    own: Option<ScoreView>,
    children: Vec<ScoreView>,
}

async fn evaluation_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(code): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let today = dixian_domain::case::china_date(s.clock.now());
    let (period, error) = period_of(&q, today);
    let book = s.rules.get();
    let e = match evaluation::evaluate(&s.store, &auth.actor(), &book, &code, &period, today).await
    {
        Ok(e) => e,
        Err(e) => return failed(t, e),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = EvaluationPage {
        t,
        user: user_bar(&auth.0, t),
        code: e.region.code.clone(),
        name: e.region.name.clone(),
        from: q.from.clone().unwrap_or_else(|| period.from.clone()),
        to: q.to.clone().unwrap_or_else(|| period.to.clone()),
        error: error.map(|e| t.of_pair(&e).to_string()),
        figures: format!("/figures/{}?{}", e.region.code, query(&period)),
        xlsx: format!(
            "/evaluation/{}/scores.xlsx?{}",
            e.region.code,
            query(&period)
        ),
        rule_set: e.rule_set.clone(),
        own: e.total.as_ref().map(|a| view(t, a, &period)),
        children: e.children.iter().map(|a| view(t, a, &period)).collect(),
        chain: e.chain,
    };
    (status, page).into_response()
}

async fn scores_xlsx(
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
    let book = s.rules.get();
    let e = match evaluation::evaluate(&s.store, &auth.actor(), &book, &code, &period, today).await
    {
        Ok(e) => e,
        Err(e) => return failed(t, e),
    };
    match evaluation::workbook(&e) {
        Ok(bytes) => (
            [
                (CONTENT_TYPE, XLSX.to_string()),
                (
                    CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"evaluation-{}-{}-{}.xlsx\"",
                        e.region.code, period.from, period.to
                    ),
                ),
                (CACHE_CONTROL, "private, no-store".to_string()),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => ApiError::from(e).page(t),
    }
}
