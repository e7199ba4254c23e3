//! The registry: regions, households and their members. The JSON API
//! (`api`), the region tree and household list (`pages`), the household
//! card (`card`), its printables (`print`: the card to print and the
//! 入户核查表), and the household and member forms (`form_pages`, with
//! the fields and their reading in `forms`).

pub mod api;
mod card;
mod form_pages;
mod forms;
mod pages;
mod print;

use crate::AppState;
use crate::i18n::Texts;
use crate::shared::layout::error_page;
use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;

/// The registry's page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(pages::router())
        .merge(card::router())
        .merge(form_pages::router())
        .merge(print::router())
}

/// "Not found": unknown, or outside the scope (which reads as absent).
fn not_found(t: &Texts) -> Response {
    error_page(t, StatusCode::NOT_FOUND, t.not_found)
}

/// A role that may not do this (403).
fn forbidden(t: &Texts) -> Response {
    error_page(t, StatusCode::FORBIDDEN, t.not_found)
}
