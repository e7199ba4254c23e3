//! The two cookies of the pages, read and written with the `cookie`
//! crate: the session (`HttpOnly`, `SameSite=Lax`, 12 hours) and the
//! language (`SameSite=Lax`, a year). `Secure` is added to every cookie
//! by the response layer when the deployment is reached over HTTPS
//! ([`crate::security`]).

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use cookie::time::Duration;
use cookie::{Cookie, SameSite};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "dixian_session";
/// Name of the language cookie.
pub const LANG_COOKIE: &str = "lang";

/// The value of cookie `name` in the request, if any.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

/// `Set-Cookie` of a new session holding `token` for `seconds`.
pub fn session(token: &str, seconds: i64) -> String {
    Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(Duration::seconds(seconds))
        .build()
        .to_string()
}

/// `Set-Cookie` that ends the session in the browser.
pub fn session_cleared() -> String {
    session("", 0)
}

/// `Set-Cookie` of the language (`en` or `zh`) for a year.
pub fn lang(code: &str) -> String {
    Cookie::build((LANG_COOKIE, code))
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(Duration::days(365))
        .build()
        .to_string()
}

/// Whether a `Set-Cookie` value already carries `Secure`.
pub fn is_secure(set_cookie: &str) -> bool {
    Cookie::parse(set_cookie).is_ok_and(|c| c.secure() == Some(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_of_the_two_cookies() {
        let s = session("abc", 43200);
        for part in [
            "dixian_session=abc",
            "HttpOnly",
            "SameSite=Lax",
            "Path=/",
            "Max-Age=43200",
        ] {
            assert!(s.contains(part), "{s}");
        }
        assert!(!is_secure(&s));
        assert!(session_cleared().contains("Max-Age=0"));
        let l = lang("en");
        assert!(
            l.starts_with("lang=en") && l.contains("Max-Age=31536000"),
            "{l}"
        );
        assert!(!l.contains("HttpOnly"), "{l}");
        assert!(is_secure(&format!("{l}; Secure")));
    }

    #[test]
    fn reads_a_cookie_among_others() {
        let mut h = HeaderMap::new();
        h.append(COOKIE, "a=1; lang=en".parse().unwrap());
        h.append(COOKIE, "dixian_session=tok".parse().unwrap());
        assert_eq!(cookie(&h, LANG_COOKIE).as_deref(), Some("en"));
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("tok"));
        assert_eq!(cookie(&h, "b"), None);
    }
}
