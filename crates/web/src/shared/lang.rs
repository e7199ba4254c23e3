//! The page's language: the `lang` cookie picks the [`Texts`] table
//! (Chinese by default).

use crate::i18n::Texts;
use crate::shared::cookies::{LANG_COOKIE, cookie};
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;

/// The language of the page, from the `lang` cookie (Chinese by default).
pub struct Lang(pub &'static Texts);

/// The table of the request's language.
pub fn texts_of(headers: &HeaderMap) -> &'static Texts {
    crate::i18n::texts(cookie(headers, LANG_COOKIE).as_deref().unwrap_or("zh"))
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang(texts_of(&parts.headers)))
    }
}
