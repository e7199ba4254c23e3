//! 帮扶 on the web: the JSON API of a household's plan, measures received
//! (the chain), follow-up visits, the county's roster of helpers, a
//! region's measure list and department lists uploaded as batches
//! (`api`); the chain report of a region (`report`: page, XLSX; its JSON
//! is the API's); the household card's plan tab with its forms, the
//! printable 明白卡 and the roster page (`pages`). Every decision is the
//! application layer's (`dixian_app::assistance`); ID numbers and phones
//! are masked in every answer.

pub mod api;
mod pages;
pub mod report;

use crate::AppState;
use axum::Router;

/// The assistance pages.
pub fn router() -> Router<AppState> {
    Router::new().merge(report::router()).merge(pages::router())
}
