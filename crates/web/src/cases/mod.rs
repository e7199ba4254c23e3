//! The case workflow: its JSON API (`api`), the inbox, case and
//! self-declaration pages (`pages`, event forms in `forms`), the overdue
//! list (`overdue`) and the village notice (`notice`).

pub mod api;
pub(crate) mod forms;
pub mod notice;
mod overdue;
mod pages;

use crate::AppState;
use axum::Router;

/// The case workflow's page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(pages::router())
        .merge(overdue::router())
        .merge(notice::router())
}
