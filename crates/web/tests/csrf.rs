//! Cross-site request forgery: a page on another origin (another port of
//! the same host is another origin) cannot make a logged-in user's browser
//! change anything. Page writes must come with the app's own `Origin` (or,
//! without one, `Referer`); the API takes writes only with a bearer token,
//! never with the session cookie the browser adds by itself.

mod common;

use common::{App, Backend, household_json, id};
use dixian_domain::Role;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, LOCATION, ORIGIN, REFERER};
use serde_json::Value;

const VILLAGE: &str = "520526001001";

/// A client with a cookie jar and no default `Origin`: each request says
/// what a browser would send.
fn bare_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The app with a county admin (token), a village cadre and one household.
async fn setup() -> Option<(App, i64)> {
    let app = common::spawn_app(Backend::Sqlite).await?;
    let admin = app.user("admin", Role::CountyAdmin, "520526").await;
    let _ = app.user("cadre", Role::VillageCadre, VILLAGE).await;
    let body = household_json("5205260010010001", VILLAGE, &[id("1968-04-12", 13)]);
    let r = app.post(&admin, "/api/v1/households", &body).await;
    assert_eq!(r.status(), 201);
    let hid = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    Some((app, hid))
}

/// Logs `cadre` in through the login form, as the app's own page does.
async fn login(app: &App, client: &reqwest::Client) {
    let r = client
        .post(format!("{}/login", app.url))
        .header(ORIGIN, &app.url)
        .form(&[("username", "cadre"), ("password", common::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "login redirects");
}

/// Another port of the same host: same site, another origin.
fn foreign_port(app: &App) -> String {
    let port: u16 = app.url.rsplit(':').next().unwrap().parse().unwrap();
    format!(
        "http://127.0.0.1:{}",
        if port == 65535 { 1 } else { port + 1 }
    )
}

fn lead_form() -> [(&'static str, &'static str); 2] {
    [("note", "走访发现户主患病"), ("risk_types", "illness")]
}

async fn assert_refused(r: reqwest::Response, what: &str) {
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "{what}");
    let body = r.text().await.unwrap();
    assert!(
        body.contains("跨站") && body.to_lowercase().contains("cross-site"),
        "{what}: the refusal says why in both languages: {body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_on_another_port_cannot_open_a_lead() {
    let Some((app, hid)) = setup().await else {
        return;
    };
    let client = bare_client();
    login(&app, &client).await;
    let url = format!("{}/households/{hid}/lead", app.url);
    let leads = app.count("leads").await;

    let r = client
        .post(&url)
        .header(ORIGIN, foreign_port(&app))
        .form(&lead_form())
        .send()
        .await
        .unwrap();
    assert_refused(r, "Origin of another port").await;
    let r = client
        .post(&url)
        .header(ORIGIN, "null")
        .form(&lead_form())
        .send()
        .await
        .unwrap();
    assert_refused(r, "opaque Origin (null)").await;
    let r = client.post(&url).form(&lead_form()).send().await.unwrap();
    assert_refused(r, "neither Origin nor Referer").await;
    let r = client
        .post(&url)
        .header(REFERER, format!("{}/households/{hid}", foreign_port(&app)))
        .form(&lead_form())
        .send()
        .await
        .unwrap();
    assert_refused(r, "Referer of another port").await;
    // a same-origin Referer does not excuse a foreign Origin
    let r = client
        .post(&url)
        .header(ORIGIN, "http://evil.example")
        .header(REFERER, format!("{}/households/{hid}", app.url))
        .form(&lead_form())
        .send()
        .await
        .unwrap();
    assert_refused(r, "foreign Origin with own Referer").await;
    assert_eq!(app.count("leads").await, leads, "nothing was written");

    // the app's own form: Origin, or (older browsers) only the Referer
    let r = client
        .post(&url)
        .header(REFERER, format!("{}/households/{hid}", app.url))
        .form(&lead_form())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "own Referer");
    assert_eq!(app.count("leads").await, leads + 1);
    let r = client
        .post(&url)
        .header(ORIGIN, &app.url)
        .form(&lead_form())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "own Origin");
    assert!(
        r.headers()[LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/cases/")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_logout_and_public_forms_are_checked_too() {
    let Some((app, _)) = setup().await else {
        return;
    };
    let client = bare_client();
    // login CSRF: logging the victim in as the attacker
    let r = client
        .post(format!("{}/login", app.url))
        .header(ORIGIN, foreign_port(&app))
        .form(&[("username", "cadre"), ("password", common::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("set-cookie").is_none(), "no session given");
    assert_refused(r, "login from another origin").await;
    // the public self-declaration
    let declarations = app.count("leads").await;
    let idn = id("1968-04-12", 13);
    let form = [
        ("name", "张三"),
        ("id_number", idn.as_str()),
        ("village_code", VILLAGE),
        ("phone", "13800001234"),
        ("what_happened", "户主住院，自付费用高"),
    ];
    let r = client
        .post(format!("{}/declare", app.url))
        .header(ORIGIN, "https://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_refused(r, "declaration from another origin").await;
    assert_eq!(app.count("leads").await, declarations);
    let r = client
        .post(format!("{}/declare", app.url))
        .header(ORIGIN, &app.url)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success(),
        "own declaration form: {}",
        r.status()
    );
    assert_eq!(app.count("leads").await, declarations + 1);
    // logout from another origin does not end the session
    login(&app, &client).await;
    let r = client
        .post(format!("{}/logout", app.url))
        .header(ORIGIN, foreign_port(&app))
        .send()
        .await
        .unwrap();
    assert_refused(r, "logout from another origin").await;
    let r = client
        .get(format!("{}/inbox", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "still logged in");
    // reading pages needs no Origin
    let r = client
        .get(format!("{}/login", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_takes_writes_only_with_a_bearer_token() {
    let Some((app, hid)) = setup().await else {
        return;
    };
    let client = bare_client();
    login(&app, &client).await;
    let leads = app.count("leads").await;
    let lead = serde_json::json!({"channel": "cadre_sweep", "household_id": hid,
        "risk_types": ["illness"], "note": "走访"});
    // the session cookie alone, even from the app's own origin, is not enough
    let r = client
        .post(format!("{}/api/v1/leads", app.url))
        .header(ORIGIN, &app.url)
        .json(&lead)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "cookie on an API write"
    );
    assert_eq!(app.count("leads").await, leads);
    // reads may use the cookie (a logged-in user browsing /api/v1/docs)
    let r = client
        .get(format!("{}/api/v1/me", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "cookie on an API read");

    // the scheme name is case-insensitive (RFC 7235)
    let token = {
        let r = client
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
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let r = reqwest::Client::new()
            .post(format!("{}/api/v1/leads", app.url))
            .header(AUTHORIZATION, format!("{scheme} {token}"))
            .json(&lead)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "scheme {scheme}");
    }
    let r = reqwest::Client::new()
        .get(format!("{}/api/v1/me", app.url))
        .header(AUTHORIZATION, format!("Basic {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "not a bearer token");
}

/// Behind a TLS proxy the browser's origin is the public one, not the
/// server's `Host`: it is accepted once configured, and only then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_public_origin_is_accepted() {
    let public = "https://dixian.example.gov.cn";
    for (configured, want) in [
        (false, StatusCode::FORBIDDEN),
        (true, StatusCode::SEE_OTHER),
    ] {
        let Some(app) = common::spawn_app_with(Backend::Sqlite, |s| {
            let origin = configured.then_some(public);
            s.with_security(dixian_web::WebSecurity::new(origin, false).unwrap())
        })
        .await
        else {
            return;
        };
        app.user("cadre", Role::VillageCadre, VILLAGE).await;
        let r = bare_client()
            .post(format!("{}/login", app.url))
            .header(ORIGIN, public)
            .form(&[("username", "cadre"), ("password", common::PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), want, "public origin configured: {configured}");
    }
}
