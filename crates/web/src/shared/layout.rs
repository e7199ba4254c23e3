//! What every page's layout (`templates/base.html`) shows besides its
//! content: the user bar with the links the role may follow
//! (`dixian_app::navigation` decides which); and the page that says what
//! went wrong.

use crate::i18n::Texts;
use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use dixian_app::navigation::{NavLink, nav_for};
use dixian_store::Actor;
use dixian_store::users::User;

/// The logged-in user as the header shows it.
pub struct UserBar {
    /// The user's name.
    pub display_name: String,
    /// The role, in the page's language.
    pub role_label: &'static str,
    /// The links of the header, only those the role may follow.
    pub links: Vec<NavItem>,
}

/// One link of the header.
pub struct NavItem {
    /// The element id (`nav-inbox`), for tests and styles.
    pub id: &'static str,
    /// Where it goes.
    pub href: String,
    /// Its text in the page's language.
    pub label: &'static str,
}

fn item(t: &Texts, link: NavLink) -> NavItem {
    let (id, href, label) = match link {
        NavLink::Dashboard(region) => (
            "nav-dashboard",
            format!("/dashboard/{region}"),
            t.nav_dashboard,
        ),
        NavLink::Households => ("nav-households", "/households".to_string(), t.households),
        NavLink::Inbox => ("nav-inbox", "/inbox".to_string(), t.inbox),
        NavLink::Warnings => ("nav-warnings", "/warnings".to_string(), t.warnings),
        NavLink::Alerts => ("nav-alerts", "/alerts".to_string(), t.alerts_nav),
        NavLink::Overdue => ("nav-overdue", "/overdue".to_string(), t.overdue_title),
        NavLink::ChainReport(region) => (
            "nav-chain-report",
            format!("/regions/{region}/chain-report"),
            t.chain_report,
        ),
        NavLink::Helpers => ("nav-helpers", "/helpers".to_string(), t.helpers_nav),
        NavLink::Feeds => ("nav-feeds", "/feeds".to_string(), t.feeds),
        NavLink::Rules => ("nav-rules", "/rules".to_string(), t.rules_in_force),
    };
    NavItem { id, href, label }
}

/// The header's user line in the page's language.
pub fn user_bar(u: &User, t: &Texts) -> Option<UserBar> {
    Some(UserBar {
        display_name: u.display_name.clone(),
        role_label: t.label(u.role),
        links: nav_for(&Actor::of(u))
            .into_iter()
            .map(|l| item(t, l))
            .collect(),
    })
}

/// A page saying what went wrong, in the page's language, with a way
/// back (to the start page).
#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    t: &'a Texts,
    message: &'a str,
    status: u16,
}

/// [`ErrorPage`] with `status`. A message the lower layers give as
/// `English (中文)` pairs shows the page language's half only.
pub fn error_page(t: &Texts, status: StatusCode, message: &str) -> Response {
    let message = t.reason(message);
    (
        status,
        ErrorPage {
            t,
            message: &message,
            status: status.as_u16(),
        },
    )
        .into_response()
}
