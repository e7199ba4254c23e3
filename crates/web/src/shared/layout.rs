//! What every page's layout (`templates/base.html`) shows besides its
//! content: the user bar; and the plain page that says what went wrong.

use crate::i18n::Texts;
use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use dixian_store::users::User;

/// The logged-in user as the header shows it.
pub struct UserBar {
    /// The user's name.
    pub display_name: String,
    /// The role, in the page's language.
    pub role_label: &'static str,
    /// Whether the role works cases (the header links the overdue list).
    pub works_cases: bool,
    /// The user's region, when the role reads households (the header
    /// links its chain report and the roster of helpers).
    pub chain_region: Option<String>,
}

/// The header's user line in the page's language.
pub fn user_bar(u: &User, t: &Texts) -> Option<UserBar> {
    Some(UserBar {
        display_name: u.display_name.clone(),
        role_label: t.label(u.role),
        works_cases: dixian_domain::case::LEAD_ROLES.contains(&u.role),
        chain_region: u.role.reads_households().then(|| u.region.to_string()),
    })
}

/// A plain page saying what went wrong, with a way back.
#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    t: &'a Texts,
    message: &'a str,
}

/// [`ErrorPage`] with `status`.
pub fn error_page(t: &Texts, status: StatusCode, message: &str) -> Response {
    (status, ErrorPage { t, message }).into_response()
}
