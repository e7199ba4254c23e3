//! What leaders read: a region's figures (docs/figures.md) as JSON
//! (`api`), as a page with the workbook sent upward, and as a dashboard of
//! server-rendered SVG charts that drills down to the households behind a
//! number (`pages`). The numbers come from `dixian_app::figures`, once.

pub mod api;
mod evaluation;
mod households;
mod pages;

use crate::AppState;
use axum::Router;

/// The figures' page routes.
pub fn router() -> Router<AppState> {
    pages::router()
        .merge(households::router())
        .merge(evaluation::router())
}
