//! What protects the browser side of every route, applied as layers so
//! that no route can forget it: the same-origin check on page writes
//! (CSRF), the security headers on every answer (Content-Security-Policy,
//! no framing, no sniffing, no caching outside `/static/`) and the
//! `Secure` flag on cookies when the deployment is reached over HTTPS.
//! `docs/security.md` says which 等保 requirement each answers.

use crate::AppState;
use crate::shared::cookies::is_secure;
use crate::shared::lang::texts_of;
use crate::shared::layout::error_page;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, HOST, ORIGIN, REFERER, REFERRER_POLICY, SET_COOKIE,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::uri::{Authority, Scheme};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::Response;
use std::fmt;

/// The policy of every page and API answer: scripts and styles from the
/// app's own files only (no inline code), no plugins, no framing, forms
/// posting only to the app.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// Swagger UI (`/api/v1/docs`) sets inline styles from its scripts; its
/// scripts are still only its own files.
const CSP_DOCS: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// How browsers reach the deployment (one part of the server's typed
/// configuration; `dixian serve --public-origin`, `--secure-cookies`).
#[derive(Clone, Debug, Default)]
pub struct WebSecurity {
    /// The origin browsers see when a reverse proxy (TLS) sits in front:
    /// page writes from it are accepted besides the request's own
    /// `http://` + `Host`.
    pub public_origin: Option<Origin>,
    /// Cookies carry `Secure` (the browser sends them over HTTPS only).
    pub secure_cookies: bool,
}

impl WebSecurity {
    /// The settings for a deployment reached at `public_origin` (if
    /// given); cookies are `Secure` when asked or when that origin is
    /// HTTPS.
    pub fn new(
        public_origin: Option<&str>,
        secure_cookies: bool,
    ) -> Result<WebSecurity, BadOrigin> {
        let public_origin = public_origin
            .map(|o| Origin::parse(o).ok_or_else(|| BadOrigin(o.to_string())))
            .transpose()?;
        let https = public_origin.as_ref().is_some_and(|o| o.scheme == "https");
        Ok(WebSecurity {
            public_origin,
            secure_cookies: secure_cookies || https,
        })
    }
}

/// A configured public origin that is not `http(s)://host[:port]`.
#[derive(Debug, thiserror::Error)]
#[error("not an origin (scheme://host[:port]): {0}")]
pub struct BadOrigin(String);

/// A web origin: scheme, host and port (the default port filled in), what
/// browsers compare to decide "same origin".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    /// The origin of an absolute `http`/`https` URL (an `Origin` header,
    /// a `Referer`); `None` for anything else, `null` included.
    pub fn parse(url: &str) -> Option<Origin> {
        let uri: Uri = url.trim().parse().ok()?;
        let scheme = uri.scheme()?;
        Origin::of(scheme, uri.authority()?)
    }

    fn of(scheme: &Scheme, authority: &Authority) -> Option<Origin> {
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return None,
        };
        if authority.host().is_empty() || authority.as_str().contains('@') {
            return None;
        }
        Some(Origin {
            scheme: scheme.as_str().to_string(),
            host: authority.host().to_ascii_lowercase(),
            port: authority.port_u16().unwrap_or(default_port),
        })
    }

    /// The origin the request was sent to: `http://` and its `Host`
    /// (the server itself speaks plain HTTP; behind TLS the public origin
    /// is configured).
    fn of_request(headers: &HeaderMap, uri: &Uri) -> Option<Origin> {
        let authority = match headers.get(HOST) {
            Some(h) => h.to_str().ok()?.parse::<Authority>().ok()?,
            None => uri.authority()?.clone(),
        };
        Origin::of(&Scheme::HTTP, &authority)
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

impl WebSecurity {
    /// Whether `origin` is the app's own: the request's or the
    /// configured public one.
    fn is_own(&self, origin: &Origin, headers: &HeaderMap, uri: &Uri) -> bool {
        self.public_origin.as_ref() == Some(origin)
            || Origin::of_request(headers, uri).as_ref() == Some(origin)
    }

    /// Whether a browser sent this request from one of the app's own
    /// pages: its `Origin`, or without one its `Referer`, is the app's.
    /// Neither (or `Origin: null`) is not.
    pub(crate) fn sent_from_own_page(&self, headers: &HeaderMap, uri: &Uri) -> bool {
        let sender = match headers.get(ORIGIN) {
            Some(o) => o.to_str().ok().and_then(Origin::parse),
            None => headers
                .get(REFERER)
                .and_then(|r| r.to_str().ok())
                .and_then(Origin::parse),
        };
        sender.is_some_and(|o| self.is_own(&o, headers, uri))
    }

    /// Where to send the user back to after a switch (e.g. of language):
    /// the path and query of the `Referer` when it is one of the app's own
    /// pages and a plain local path; `/` otherwise. Never another host:
    /// not `//host`, not `/\host`, no scheme.
    pub(crate) fn back_to(&self, headers: &HeaderMap, uri: &Uri) -> String {
        let local = headers
            .get(REFERER)
            .and_then(|r| r.to_str().ok())
            .and_then(|r| r.parse::<Uri>().ok())
            .filter(|r| {
                let origin = r
                    .scheme()
                    .zip(r.authority())
                    .and_then(|(s, a)| Origin::of(s, a));
                origin.is_some_and(|o| self.is_own(&o, headers, uri))
            })
            .and_then(|r| r.path_and_query().map(|p| p.as_str().to_string()))
            .filter(|p| is_local_path(p));
        local.unwrap_or_else(|| "/".to_string())
    }
}

/// A path that stays on this host: one leading `/`, not followed by `/`
/// or `\` (which browsers read as another host), no control characters.
fn is_local_path(p: &str) -> bool {
    let mut chars = p.chars();
    chars.next() == Some('/')
        && !matches!(chars.next(), Some('/' | '\\'))
        && !p.chars().any(|c| c.is_control())
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuses page writes (any method but GET/HEAD/OPTIONS outside `/api/`)
/// that do not come from the app's own pages. The API is left to its
/// bearer tokens, which a browser never adds by itself.
pub(crate) async fn same_origin_writes(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if is_safe(req.method())
        || req.uri().path().starts_with("/api/")
        || state.security.sent_from_own_page(req.headers(), req.uri())
    {
        return next.run(req).await;
    }
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("(unmatched)", MatchedPath::as_str);
    tracing::warn!(method = %req.method(), route, "cross-site page write refused");
    let t = texts_of(req.headers());
    error_page(t, StatusCode::FORBIDDEN, t.cross_site)
}

/// Adds the security headers to every answer, `no-store` to everything
/// but the static assets, and `Secure` to cookies when configured.
pub(crate) async fn response_headers(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    let docs = path.starts_with("/api/v1/docs");
    let asset = path.starts_with("/static/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let csp = if docs { CSP_DOCS } else { CSP };
    h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp));
    h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if !asset {
        h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if state.security.secure_cookies {
        mark_cookies_secure(h);
    }
    res
}

fn mark_cookies_secure(h: &mut HeaderMap) {
    let cookies: Vec<HeaderValue> = h
        .get_all(SET_COOKIE)
        .iter()
        .map(|c| match c.to_str() {
            Ok(s) if !is_secure(s) => {
                HeaderValue::from_str(&format!("{s}; Secure")).unwrap_or_else(|_| c.clone())
            }
            _ => c.clone(),
        })
        .collect();
    h.remove(SET_COOKIE);
    for c in cookies {
        h.append(SET_COOKIE, c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let o = |s| Origin::parse(s);
        assert_eq!(o("http://Example.org"), o("http://example.org:80/x?y"));
        assert_eq!(o("https://example.org"), o("https://example.org:443"));
        assert_ne!(o("http://example.org"), o("https://example.org"));
        assert_ne!(o("http://example.org:8080"), o("http://example.org:8081"));
        assert_eq!(o("null"), None);
        assert_eq!(o("ftp://example.org"), None);
        assert_eq!(o("//example.org/x"), None);
        assert_eq!(o("http://user@example.org"), None);
    }

    #[test]
    fn own_page_by_origin_then_referer() {
        let s = WebSecurity::default();
        let uri: Uri = "/households/1/lead".parse().unwrap();
        let own = |pairs: &[(&'static str, &str)]| s.sent_from_own_page(&headers(pairs), &uri);
        let host = ("host", "127.0.0.1:8080");
        assert!(own(&[host, ("origin", "http://127.0.0.1:8080")]));
        assert!(own(&[
            host,
            ("referer", "http://127.0.0.1:8080/households/1")
        ]));
        assert!(!own(&[host, ("origin", "http://127.0.0.1:8081")]));
        assert!(!own(&[host, ("origin", "null")]));
        assert!(!own(&[host]));
        assert!(!own(&[("origin", "http://127.0.0.1:8080")]), "no Host");
        assert!(!own(&[
            host,
            ("origin", "http://evil.example"),
            ("referer", "http://127.0.0.1:8080/")
        ]));
    }

    #[test]
    fn a_public_origin_is_accepted_besides_the_host() {
        let s = WebSecurity::new(Some("https://dixian.example.gov.cn"), false).unwrap();
        assert!(
            s.secure_cookies,
            "an https public origin means Secure cookies"
        );
        let uri: Uri = "/login".parse().unwrap();
        let h = headers(&[
            ("host", "10.0.0.5:8080"),
            ("origin", "https://dixian.example.gov.cn"),
        ]);
        assert!(s.sent_from_own_page(&h, &uri));
        let h = headers(&[
            ("host", "10.0.0.5:8080"),
            ("origin", "http://dixian.example.gov.cn"),
        ]);
        assert!(!s.sent_from_own_page(&h, &uri), "http is another origin");
        assert!(WebSecurity::new(Some("dixian.example.gov.cn"), false).is_err());
    }

    #[test]
    fn local_paths_only() {
        for ok in ["/", "/households?region=1", "/a//b", "/%5Cx"] {
            assert!(is_local_path(ok), "{ok}");
        }
        for bad in [
            "",
            "//evil.example",
            "/\\evil.example",
            "http://x/",
            "x",
            "/a\nb",
        ] {
            assert!(!is_local_path(bad), "{bad}");
        }
    }

    #[test]
    fn cookies_get_secure_once() {
        let mut h = headers(&[]);
        h.append(SET_COOKIE, "a=1; Path=/; HttpOnly".parse().unwrap());
        h.append(SET_COOKIE, "b=2; Secure".parse().unwrap());
        mark_cookies_secure(&mut h);
        let all: Vec<_> = h.get_all(SET_COOKIE).iter().collect();
        assert_eq!(all, ["a=1; Path=/; HttpOnly; Secure", "b=2; Secure"]);
    }
}
