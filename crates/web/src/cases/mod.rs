//! The case workflow: its JSON API (`api`), the inbox, case and
//! self-declaration pages (`pages`, event forms in `forms`), the overdue
//! list (`overdue`), the village notice (`notice`) and a case's files
//! (`attachments`: upload, list, download; page and API).

pub mod api;
pub mod attachments;
mod comparison;
pub(crate) mod forms;
pub mod notice;
mod overdue;
mod pages;

use crate::AppState;
use axum::Router;

/// The case workflow's page routes, and the attachments' (page and API;
/// `attachment_max` bounds a file, bytes).
pub fn router(attachment_max: usize) -> Router<AppState> {
    Router::new()
        .merge(pages::router())
        .merge(attachments::router(attachment_max))
        .merge(overdue::router())
        .merge(notice::router())
}
