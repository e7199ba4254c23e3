//! Web hardening: the language switch redirects only inside the app,
//! every answer carries the security headers (a Content-Security-Policy
//! without inline scripts, no framing, no sniffing, no caching of personal
//! data), the pages hold no inline script, cookies are `Secure` when the
//! deployment says so, the API can end a token's session, expired sessions
//! are deleted, and readiness tells whether the database answers.

mod common;

use common::{App, Backend};
use dixian_domain::{RegionCode, Role};
use dixian_store::users;
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, LOCATION, REFERER, SET_COOKIE};
use serde_json::Value;

/// A client that shows redirects instead of following them.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn lang_target(app: &App, referer: Option<&str>) -> String {
    let mut req = no_redirects().get(format!("{}/lang/en", app.url));
    if let Some(r) = referer {
        req = req.header(REFERER, r);
    }
    let r = req.send().await.unwrap();
    assert!(r.status().is_redirection(), "{referer:?}: {}", r.status());
    r.headers()[LOCATION].to_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_language_switch_redirects_only_inside_the_app() {
    let Some(app) = common::spawn_app(Backend::Sqlite).await else {
        return;
    };
    let own = &app.url;
    let cases = [
        (None, "/"),
        (
            Some(format!("{own}/households?region=520526001001&page=2")),
            "/households?region=520526001001&page=2",
        ),
        (Some(format!("{own}/")), "/"),
        (Some(format!("{own}//evil.example/x")), "/"),
        (Some(format!("{own}/\\evil.example/x")), "/"),
        (Some(format!("{own}/%5Cevil.example")), "/%5Cevil.example"),
        (Some("http://evil.example/households".to_string()), "/"),
        (Some("https://evil.example//evil.example/".to_string()), "/"),
        (Some("http://evil.example/\\evil.example".to_string()), "/"),
        (Some("//evil.example/x".to_string()), "/"),
        (Some("/\\evil.example".to_string()), "/"),
        (Some("javascript:alert(1)".to_string()), "/"),
        (Some("not a url".to_string()), "/"),
    ];
    for (referer, want) in cases {
        let got = lang_target(&app, referer.as_deref()).await;
        assert_eq!(got, want, "Referer {referer:?}");
    }
    // another port of the same host is another origin
    let port: u16 = own.rsplit(':').next().unwrap().parse().unwrap();
    let other = format!(
        "http://127.0.0.1:{}/households",
        port.wrapping_add(1).max(1)
    );
    assert_eq!(lang_target(&app, Some(&other)).await, "/");
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .unwrap_or_else(|| panic!("{} has no {name}", r.url()))
        .to_str()
        .unwrap()
}

/// The directives of a Content-Security-Policy, by name.
fn csp(r: &reqwest::Response) -> std::collections::HashMap<String, String> {
    header(r, "content-security-policy")
        .split(';')
        .filter_map(|d| {
            let d = d.trim();
            let (k, v) = d.split_once(' ').unwrap_or((d, ""));
            (!k.is_empty()).then(|| (k.to_string(), v.trim().to_string()))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_carries_the_security_headers() {
    let Some(app) = common::spawn_app(Backend::Sqlite).await else {
        return;
    };
    let token = app.user("admin", Role::CountyAdmin, "520526").await;
    let client = no_redirects();
    let paths = [
        "/login",
        "/declare",
        "/api/v1/health",
        "/api/v1/me",
        "/api/v1/openapi.json",
        "/no/such/page",
        "/regions/520526",
        "/feeds",
        "/static/app.css",
    ];
    for path in paths {
        let r = client
            .get(format!("{}{path}", app.url))
            .header("cookie", "lang=zh")
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let policy = csp(&r);
        assert_eq!(policy["default-src"], "'self'", "{path}");
        assert_eq!(policy["script-src"], "'self'", "{path}: no inline script");
        assert_eq!(policy["style-src"], "'self'", "{path}: no inline style");
        assert_eq!(policy["img-src"], "'self' data:", "{path}");
        assert_eq!(policy["frame-ancestors"], "'none'", "{path}");
        assert_eq!(policy["form-action"], "'self'", "{path}");
        assert_eq!(policy["base-uri"], "'none'", "{path}");
        assert_eq!(header(&r, "x-frame-options"), "DENY", "{path}");
        assert_eq!(header(&r, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header(&r, "referrer-policy"), "same-origin", "{path}");
        let cache = header(&r, CACHE_CONTROL.as_str());
        if path.starts_with("/static/") {
            assert!(cache.contains("max-age"), "{path}: assets may be cached");
        } else {
            assert_eq!(cache, "no-store", "{path}: never cached");
        }
    }
    // Swagger UI: its own scripts only, its styles need inline attributes
    let r = client
        .get(format!("{}/api/v1/docs/", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let policy = csp(&r);
    assert_eq!(policy["script-src"], "'self'");
    assert_eq!(policy["frame-ancestors"], "'none'");
    assert_eq!(header(&r, "x-frame-options"), "DENY");
}

/// Inline `<script>`, inline handlers (`onclick=`), `javascript:` URLs,
/// `<style>` blocks and `style=` attributes in some HTML.
fn inline_code(html: &str) -> Vec<String> {
    let lower = html.to_lowercase();
    let mut found = Vec::new();
    for (i, _) in lower.match_indices("<script") {
        let tag = &lower[i..lower[i..].find('>').map_or(lower.len(), |j| i + j)];
        if !tag.contains(" src=") {
            found.push(format!("inline <script> at byte {i}"));
        }
    }
    for needle in ["<style", " style=", "javascript:"] {
        if lower.contains(needle) {
            found.push(needle.trim().to_string());
        }
    }
    let bytes = lower.as_bytes();
    for (i, _) in lower.match_indices(" on") {
        let name: String = lower[i + 3..]
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        let after = i + 3 + name.len();
        if !name.is_empty() && bytes.get(after) == Some(&b'=') {
            found.push(format!("handler on{name}="));
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_hold_no_inline_script_or_style() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let html = std::fs::read_to_string(&path).unwrap();
        let found = inline_code(&html);
        assert!(found.is_empty(), "{}: {found:?}", path.display());
    }
    let Some(app) = common::spawn_app(Backend::Sqlite).await else {
        return;
    };
    let token = app.user("admin", Role::CountyAdmin, "520526").await;
    for path in [
        "/feeds",
        "/login",
        "/declare",
        "/villages/520526001001/notice",
    ] {
        let r = app.get(&token, path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let html = r.text().await.unwrap();
        let found = inline_code(&html);
        assert!(found.is_empty(), "{path}: {found:?}");
        // every script and stylesheet referenced is served
        for (i, _) in html.match_indices("src=\"/static/") {
            let file = &html[i + 5..];
            let file = &file[..file.find('"').unwrap()];
            let r = app.get(&token, file).await;
            assert_eq!(r.status(), StatusCode::OK, "{file} of {path}");
            assert_eq!(
                header(&r, "content-type"),
                "text/javascript; charset=utf-8",
                "{file}"
            );
        }
    }
    // the feeds page loads its upload script from a file
    let html = app.get(&token, "/feeds").await.text().await.unwrap();
    assert!(html.contains("src=\"/static/feeds.js\""), "{html}");
    let html = app
        .get(&token, "/villages/520526001001/notice")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("src=\"/static/notice.js\""), "{html}");
    assert!(html.contains("href=\"/static/notice.css\""), "{html}");
}

/// A page login of `name`; returns the `Set-Cookie` of the session.
async fn page_login(app: &App, name: &str) -> String {
    let r = no_redirects()
        .post(format!("{}/login", app.url))
        .header(reqwest::header::ORIGIN, &app.url)
        .form(&[("username", name), ("password", common::PASSWORD)])
        .send()
        .await
        .unwrap();
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("dixian_session="))
        .unwrap_or_else(|| panic!("no session cookie: {}", r.status()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_are_http_only_same_site_and_not_secure_unless_configured() {
    let Some(app) = common::spawn_app(Backend::Sqlite).await else {
        return;
    };
    app.user("cadre", Role::VillageCadre, "520526001001").await;
    let cookie = page_login(&app, "cadre").await;
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP by default: {cookie}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_are_secure_when_configured() {
    for security in [
        dixian_web::WebSecurity::new(None, true).unwrap(),
        dixian_web::WebSecurity::new(Some("https://dixian.example.gov.cn"), false).unwrap(),
    ] {
        let Some(app) =
            common::spawn_app_with(Backend::Sqlite, |s| s.with_security(security)).await
        else {
            return;
        };
        app.user("cadre", Role::VillageCadre, "520526001001").await;
        let cookie = page_login(&app, "cadre").await;
        assert!(cookie.ends_with("; Secure"), "{cookie}");
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        let r = no_redirects()
            .get(format!("{}/lang/en", app.url))
            .send()
            .await
            .unwrap();
        let lang = header(&r, SET_COOKIE.as_str());
        assert!(
            lang.starts_with("lang=en") && lang.ends_with("; Secure"),
            "{lang}"
        );
    }
}

async fn api_logout_revokes_the_token(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    let token = app.user("cadre", Role::VillageCadre, "520526001001").await;
    let other = {
        let r = reqwest::Client::new()
            .post(format!("{}/api/v1/auth/login", app.url))
            .json(&serde_json::json!({"username": "cadre", "password": common::PASSWORD}))
            .send()
            .await
            .unwrap();
        r.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(app.get(&token, "/api/v1/me").await.status(), StatusCode::OK);
    let logout = |t: Option<String>| {
        let mut req = reqwest::Client::new().post(format!("{}/api/v1/auth/logout", app.url));
        if let Some(t) = t {
            req = req.bearer_auth(t);
        }
        req.send()
    };
    let r = logout(None).await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "no token, nothing to end"
    );
    let r = logout(Some(token.clone())).await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&token, "/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED,
        "the token is revoked"
    );
    let r = logout(Some(token.clone())).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "revoked once");
    assert_eq!(
        app.get(&other, "/api/v1/me").await.status(),
        StatusCode::OK,
        "the user's other sessions stay"
    );
    let doc = app.openapi().await;
    assert!(
        doc["paths"]["/api/v1/auth/logout"]["post"].is_object(),
        "documented"
    );
}

async fn expired_sessions_are_deleted(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    app.user("cadre", Role::VillageCadre, "520526001001").await;
    let region = RegionCode::parse("520526001001").unwrap();
    users::create(
        &app.store.pool,
        "old",
        "old",
        common::PASSWORD,
        Role::VillageCadre,
        &region,
    )
    .await
    .unwrap();
    let old = users::authenticate(&app.store.pool, "old", common::PASSWORD)
        .await
        .unwrap()
        .unwrap();
    users::open_session(
        &app.store.pool,
        &old,
        users::SessionKind::Cookie,
        chrono::Duration::hours(-1),
    )
    .await
    .unwrap();
    let of_old = format!("sessions WHERE user_id = {}", old.id);
    assert_eq!(app.count("sessions").await, 2, "one live, one expired");
    assert_eq!(app.count(&of_old).await, 1);
    // the next login sweeps the expired one away
    page_login(&app, "cadre").await;
    assert_eq!(app.count(&of_old).await, 0, "expired session deleted");
    assert_eq!(app.count("sessions").await, 2, "the two live ones stay");
    // and so does the sweep the server runs now and then
    users::open_session(
        &app.store.pool,
        &old,
        users::SessionKind::Token,
        chrono::Duration::seconds(-1),
    )
    .await
    .unwrap();
    let n = users::delete_expired_sessions(&app.store.pool, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(app.count("sessions").await, 2);
}

async fn readiness_checks_the_database(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    let r = reqwest::get(format!("{}/api/v1/ready", app.url))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "ready");
    let doc = app.openapi().await;
    assert!(
        doc["paths"]["/api/v1/ready"]["get"].is_object(),
        "documented"
    );
    app.store.pool.close().await;
    let r = reqwest::get(format!("{}/api/v1/ready", app.url))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "not_ready", "{v}");
}

on_both_backends!(
    api_logout_revokes_the_token,
    expired_sessions_are_deleted,
    readiness_checks_the_database
);
