//! The overdue page (超期督办): the overdue cases in the user's scope per
//! township — a village sees its own, a township its villages, the county
//! all — longest overdue first, with the level each is escalated to.

use crate::AppState;
use crate::auth::PageAuth;
use crate::error::ApiError;
use crate::i18n::Texts;
use crate::shared::download;
use crate::shared::lang::Lang;
use crate::shared::layout::{UserBar, user_bar};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use dixian_app::views::name_for;
use dixian_app::{cases, exports};
use dixian_domain::{RegionLevel, Role};
use dixian_store::cases::{OverdueCase, TownshipOverdue};

/// Routes of the overdue page.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/overdue", get(overdue_page))
        .route("/overdue.xlsx", get(overdue_xlsx))
}

/// The overdue list as a workbook, a row per case.
async fn overdue_xlsx(State(s): State<AppState>, auth: PageAuth, Lang(t): Lang) -> Response {
    let now = s.clock.now();
    match exports::overdue(&s.store, &auth.actor(), now, &s.policies(), s.exports).await {
        Ok(table) => download::xlsx(t, &table),
        Err(e) => download::refused(t, e),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "overdue.html")]
struct OverduePage {
    t: &'static Texts,
    user: Option<UserBar>,
    townships: Vec<TownshipBlock>,
    total: usize,
}

struct TownshipBlock {
    code: String,
    name: String,
    cases: Vec<OverdueLine>,
}

struct OverdueLine {
    id: i64,
    number: String,
    head: String,
    village: String,
    stage: &'static str,
    due: String,
    days: u32,
    level: &'static str,
}

async fn overdue_page(State(s): State<AppState>, auth: PageAuth, Lang(t): Lang) -> Response {
    let now = s.clock.now();
    let list = match cases::overdue(&s.store, &auth.actor(), now, &s.policies()).await {
        Ok(l) => l,
        Err(e) => return ApiError::from(e).page(t),
    };
    let role = auth.0.role;
    let townships: Vec<TownshipBlock> = list.into_iter().map(|x| block(t, role, x)).collect();
    OverduePage {
        t,
        user: user_bar(&auth.0, t),
        total: townships.iter().map(|b| b.cases.len()).sum(),
        townships,
    }
    .into_response()
}

fn block(t: &Texts, role: Role, township: TownshipOverdue) -> TownshipBlock {
    TownshipBlock {
        name: if township.township_name.is_empty() {
            township.township_code.clone()
        } else {
            township.township_name
        },
        code: township.township_code,
        cases: township
            .cases
            .into_iter()
            .map(|c| line(t, role, c))
            .collect(),
    }
}

fn line(t: &Texts, role: Role, c: OverdueCase) -> OverdueLine {
    OverdueLine {
        id: c.case_id,
        number: c.household_number,
        head: name_for(role, &c.head_name),
        village: c.village_name,
        stage: t.label(c.stage),
        due: c.overdue.deadline.to_string(),
        days: c.overdue.days_over,
        level: match c.overdue.escalate_to {
            RegionLevel::Village => t.level_village,
            RegionLevel::Township => t.level_township,
            _ => t.level_county,
        },
    }
}
