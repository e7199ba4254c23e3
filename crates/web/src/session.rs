//! The pages of a session: the start page, login, logout and the
//! language switch. The login decision itself is `login.rs`'s.

use crate::AppState;
use crate::auth::PageAuth;
use crate::i18n::Texts;
use crate::shared::cookies::{self, SESSION_COOKIE};
use crate::shared::extract::ClientIp;
use crate::shared::lang::Lang;
use crate::shared::layout::UserBar;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dixian_store::users::{self, SessionKind};
use serde::Deserialize;

/// Routes of the session pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/lang/{lang}", get(set_lang))
}

async fn home(auth: PageAuth) -> Redirect {
    Redirect::to(&format!("/regions/{}", auth.0.region))
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    t: &'static Texts,
    user: Option<UserBar>,
    failed: bool,
}

async fn login_page(Lang(t): Lang) -> LoginPage {
    LoginPage {
        t,
        user: None,
        failed: false,
    }
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

async fn login_submit(
    State(s): State<AppState>,
    Lang(t): Lang,
    ClientIp(ip): ClientIp,
    Form(f): Form<LoginForm>,
) -> Response {
    let user = match crate::login::login(&s, ip, &f.username, &f.password).await {
        Ok(u) => u,
        Err(crate::login::LoginError::Wrong) => {
            return (
                StatusCode::UNAUTHORIZED,
                LoginPage {
                    t,
                    user: None,
                    failed: true,
                },
            )
                .into_response();
        }
        Err(e) => return crate::login::refused(&s, e).page(t),
    };
    let ttl = chrono::Duration::hours(12);
    match users::open_session(&s.store.pool, &user, SessionKind::Cookie, ttl).await {
        Ok(token) => {
            tracing::info!(user_id = user.id, "page login");
            let cookie = cookies::session(&token, ttl.num_seconds());
            (
                [(SET_COOKIE, cookie)],
                Redirect::to(&format!("/regions/{}", user.region)),
            )
                .into_response()
        }
        Err(e) => crate::error::ApiError::from(e).into_response(),
    }
}

async fn logout(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let token = cookies::cookie(&headers, SESSION_COOKIE);
    if let Some(t) = token {
        let _ = users::close_session(&s.store.pool, &t).await;
    }
    (
        [(SET_COOKIE, cookies::session_cleared())],
        Redirect::to("/login"),
    )
        .into_response()
}

/// Switches the language and goes back to the page the switch was on:
/// only a local path of the app's own origin, never another host.
async fn set_lang(
    State(s): State<AppState>,
    Path(lang): Path<String>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    let code = match lang.as_str() {
        "en" => "en",
        _ => "zh",
    };
    let back = s.security.back_to(&headers, &uri);
    ([(SET_COOKIE, cookies::lang(code))], Redirect::to(&back)).into_response()
}
