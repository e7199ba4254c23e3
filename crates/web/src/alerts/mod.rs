//! 规模性返贫预警 on the web: the JSON API (`api`: list, one alert with its
//! evidence, resolve) and the pages (`pages`: `/alerts`, `/alerts/{id}`
//! with the resolution form). Every answer comes from `dixian_app::alerts`
//! (names masked there).

pub mod api;
mod pages;

use crate::AppState;
use axum::Router;

/// The alert pages.
pub fn router() -> Router<AppState> {
    pages::router()
}
