//! The households behind a figure's number (`/figures/{code}/households`
//! and `/api/v1/figures/{code}/households`): the de-identified list every
//! role reads for its scope (`dixian_app::figure_households` decides what
//! a line shows). The count on the page is the figure's number.

use super::pages::failed;
use crate::AppState;
use crate::auth::PageAuth;
use crate::i18n::Texts;
use crate::shared::lang::Lang;
use crate::shared::layout::{UserBar, user_bar};
use crate::shared::links::with_query;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use dixian_app::figure_households::{self, FigureHouseholds};
use dixian_domain::{CaseStage, Category, RiskType};
use dixian_store::figure_households::FigureKind;
use dixian_store::regions::Region;
use serde::Deserialize;
use utoipa::IntoParams;

/// Route of the page (the API's is in `api`).
pub(super) fn router() -> Router<AppState> {
    Router::new().route("/figures/{code}/households", get(page))
}

/// Which figure's households, and the page.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct BehindQuery {
    /// `monitored` (default), `eliminated` or `without_measure`.
    pub figure: Option<String>,
    /// A category code (monitored, eliminated).
    pub category: Option<String>,
    /// A risk type code (monitored).
    pub risk: Option<String>,
    /// Page, from 1.
    pub page: Option<i64>,
}

pub(super) async fn load(
    s: &AppState,
    actor: &dixian_store::Actor,
    code: &str,
    q: &BehindQuery,
) -> Result<FigureHouseholds, dixian_app::AppError> {
    let sel = figure_households::selector(
        q.figure.as_deref(),
        q.category.as_deref(),
        q.risk.as_deref(),
    )?;
    figure_households::households(&s.store, actor, code, &sel, q.page.unwrap_or(1)).await
}

struct Line {
    card: Option<String>,
    number: String,
    village: String,
    head: String,
    members: i64,
    category: &'static str,
    status: &'static str,
    status_label: &'static str,
    risks: String,
    stage: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "figure_households.html")]
struct BehindPage {
    t: &'static Texts,
    user: Option<UserBar>,
    code: String,
    name: String,
    chain: Vec<Region>,
    figure: String,
    total: i64,
    rows: Vec<Line>,
    page: i64,
    pages: i64,
    prev: Option<String>,
    next: Option<String>,
    /// The full household list, for a role that reads households.
    full_list: Option<String>,
}

/// The figure's name in the page's language, with its breakdown.
fn figure_label(t: &Texts, r: &FigureHouseholds) -> String {
    let mut s = match r.figure {
        FigureKind::Monitored => t.fig_monitored,
        FigureKind::Eliminated => t.fig_eliminated_apart,
        FigureKind::WithoutMeasure => t.fig_without_measure,
    }
    .to_string();
    if let Some(c) = r.category.as_deref().and_then(Category::parse) {
        s.push_str(&format!(" · {}", t.label(c)));
    }
    if let Some(k) = r.risk.as_deref().and_then(RiskType::parse) {
        s.push_str(&format!(" · {}", t.label(k)));
    }
    s
}

async fn page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(code): Path<String>,
    Query(q): Query<BehindQuery>,
) -> Response {
    let actor = auth.actor();
    let r = match load(&s, &actor, &code, &q).await {
        Ok(r) => r,
        Err(e) => return failed(t, e),
    };
    let pages = ((r.total + r.per_page - 1) / r.per_page).max(1);
    let href = |p: i64| {
        let p = p.to_string();
        with_query(
            &format!("/figures/{}/households", r.region.code),
            [
                ("figure", Some(r.figure.code())),
                ("category", r.category.as_deref()),
                ("risk", r.risk.as_deref()),
                ("page", Some(p.as_str())),
            ],
        )
    };
    let rows = r
        .items
        .iter()
        .map(|l| Line {
            card: l.card.map(|id| format!("/households/{id}")),
            number: l.number.clone(),
            village: l.village_name.clone(),
            head: l.head.clone(),
            members: l.member_count,
            category: l
                .category
                .as_deref()
                .and_then(Category::parse)
                .map_or("—", |c| t.label(c)),
            status: l.status.code(),
            status_label: t.label(l.status),
            risks: l
                .risk_types
                .iter()
                .filter_map(|k| RiskType::parse(k))
                .map(|k| t.label(k))
                .collect::<Vec<_>>()
                .join("、"),
            stage: l
                .case_stage
                .as_deref()
                .and_then(CaseStage::parse)
                .map_or("—", |c| t.label(c)),
        })
        .collect();
    let full_list =
        (auth.0.role.reads_households() && r.figure == FigureKind::Monitored && r.risk.is_none())
            .then(|| {
                with_query(
                    "/households",
                    [
                        ("region", Some(r.region.code.as_str())),
                        ("category", Some(r.category.as_deref().unwrap_or("any"))),
                    ],
                )
            });
    BehindPage {
        t,
        user: user_bar(&auth.0, t),
        code: r.region.code.clone(),
        name: r.region.name.clone(),
        figure: figure_label(t, &r),
        total: r.total,
        rows,
        page: r.page,
        pages,
        prev: (r.page > 1).then(|| href(r.page - 1)),
        next: (r.page < pages).then(|| href(r.page + 1)),
        full_list,
        chain: r.chain,
    }
    .into_response()
}
