//! Department data screening: feeds uploaded as batches (`feeds`, API and
//! page), warnings, screening runs and rule sets (`api`), and their pages
//! (`pages`: the warning list and one warning, the run button, the rule
//! sets with adopt and what-if).

pub mod api;
pub mod feeds;
mod pages;

use crate::AppState;
use axum::Router;

/// The screening page routes and the feeds (API and page; `max_upload`
/// bounds an upload's body).
pub fn router(max_upload: usize) -> Router<AppState> {
    Router::new()
        .merge(feeds::router(max_upload))
        .merge(pages::router())
}
