//! Who is asking: a bearer token (API) or the session cookie (pages).
//! Both resolve to a stored session; the user's role and region scope then
//! filter everything the handler reads or writes.
//!
//! The API takes the cookie for reads only (GET, HEAD): a browser adds the
//! cookie to any request by itself, so a write must prove it was meant by
//! sending `Authorization: Bearer`, which no other site can make a browser
//! send. Page writes are guarded by the same-origin check instead
//! ([`crate::security`]).

use crate::AppState;
use crate::error::ApiError;
use crate::shared::cookies::{SESSION_COOKIE, cookie};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Redirect, Response};
use dixian_store::{Actor, User, users};

/// The token of `Authorization: Bearer <token>`; the scheme name is
/// case-insensitive (RFC 7235: `bearer`, `BEARER`).
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Where a session token may come from.
#[derive(Clone, Copy, PartialEq)]
enum Source {
    /// The bearer header only.
    Bearer,
    /// The bearer header, else the session cookie.
    BearerOrCookie,
}

fn token(parts: &Parts, source: Source) -> Option<String> {
    bearer(&parts.headers)
        .map(str::to_string)
        .or_else(|| match source {
            Source::BearerOrCookie => cookie(&parts.headers, SESSION_COOKIE),
            Source::Bearer => None,
        })
}

async fn resolve(
    parts: &Parts,
    state: &AppState,
    source: Source,
) -> Result<Option<User>, ApiError> {
    match token(parts, source) {
        Some(t) => Ok(users::session_user(&state.store.pool, t.trim()).await?),
        None => Ok(None),
    }
}

/// The logged-in user of an API call; 401 otherwise. Writes need the
/// bearer token; reads may use the session cookie.
pub struct Auth(pub User);

impl Auth {
    /// The actor for repository calls.
    pub fn actor(&self) -> Actor {
        Actor::of(&self.0)
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let source = if matches!(parts.method, Method::GET | Method::HEAD) {
            Source::BearerOrCookie
        } else {
            Source::Bearer
        };
        resolve(parts, state, source)
            .await?
            .map(Auth)
            .ok_or(ApiError::Unauthorized)
    }
}

/// The logged-in user of a page; redirects to the login page otherwise.
pub struct PageAuth(pub User);

impl PageAuth {
    /// The actor for repository calls.
    pub fn actor(&self) -> Actor {
        Actor::of(&self.0)
    }
}

/// Rejection of [`PageAuth`].
pub struct ToLogin;

impl IntoResponse for ToLogin {
    fn into_response(self) -> Response {
        Redirect::to("/login").into_response()
    }
}

impl FromRequestParts<AppState> for PageAuth {
    type Rejection = ToLogin;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ToLogin> {
        match resolve(parts, state, Source::BearerOrCookie).await {
            Ok(Some(u)) => Ok(PageAuth(u)),
            _ => Err(ToLogin),
        }
    }
}
