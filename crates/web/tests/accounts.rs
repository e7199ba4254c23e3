//! Account lifecycle through the running app, on both backends: a
//! deactivated user's bearer token and page cookie stop working at once
//! (the next request is 401 / the login page), the login is refused;
//! reactivated, the user logs in again but the old token stays dead; a
//! reset password ends the sessions and only the new password logs in.
//! The operator's side is `dixian admin deactivate-user | activate-user |
//! reset-password`, which call these store functions.

mod common;

use common::{App, Backend, PASSWORD};
use dixian_domain::Role;
use dixian_store::users;

async fn login(app: &App, name: &str, password: &str) -> u16 {
    app.client
        .post(format!("{}/api/v1/auth/login", app.url))
        .json(&serde_json::json!({"username": name, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// A page session of `name` (the cookie's `name=value`).
async fn page_cookie(app: &App, name: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client
        .post(format!("{}/login", app.url))
        .header(reqwest::header::ORIGIN, &app.url)
        .form(&[("username", name), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("dixian_session="))
        .and_then(|c| c.split(';').next().map(str::to_string))
        .unwrap_or_else(|| panic!("no session cookie: {}", r.status()))
}

/// (status, Location) of the inbox page with `cookie`.
async fn page_with(app: &App, cookie: &str) -> (u16, Option<String>) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client
        .get(format!("{}/inbox", app.url))
        .header(reqwest::header::COOKIE, cookie)
        .send()
        .await
        .unwrap();
    let location = r
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (r.status().as_u16(), location)
}

async fn deactivated_token_stops_at_once(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    let token = app.user("cadre", Role::VillageCadre, "520526001001").await;
    let other = app.user("other", Role::VillageCadre, "520526001001").await;
    let cookie = page_cookie(&app, "cadre").await;
    assert_eq!(app.get(&token, "/api/v1/me").await.status(), 200);
    assert_eq!(app.get(&token, "/api/v1/households").await.status(), 200);
    assert_eq!(page_with(&app, &cookie).await.0, 200);

    let c = users::set_active(&app.store.pool, "cadre", false)
        .await
        .unwrap();
    assert_eq!(c.sessions_closed, 2, "the API login and the page login");
    // the very next request with the token in hand is refused
    assert_eq!(app.get(&token, "/api/v1/me").await.status(), 401);
    assert_eq!(app.get(&token, "/api/v1/households").await.status(), 401);
    assert_eq!(page_with(&app, &cookie).await, (303, Some("/login".into())));
    assert_eq!(login(&app, "cadre", PASSWORD).await, 401);
    assert_eq!(
        app.get(&other, "/api/v1/me").await.status(),
        200,
        "another user is not touched"
    );

    users::set_active(&app.store.pool, "cadre", true)
        .await
        .unwrap();
    assert_eq!(
        app.get(&token, "/api/v1/me").await.status(),
        401,
        "the old token stays dead"
    );
    assert_eq!(login(&app, "cadre", PASSWORD).await, 200);
}

async fn reset_password_ends_sessions(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    let token = app.user("officer", Role::DataOfficer, "520526").await;
    assert_eq!(app.get(&token, "/api/v1/me").await.status(), 200);
    users::reset_password(&app.store.pool, "officer", "Neues-Passwort-7")
        .await
        .unwrap();
    assert_eq!(app.get(&token, "/api/v1/me").await.status(), 401);
    assert_eq!(login(&app, "officer", PASSWORD).await, 401);
    assert_eq!(login(&app, "officer", "Neues-Passwort-7").await, 200);
}

on_both_backends!(
    deactivated_token_stops_at_once,
    reset_password_ends_sessions
);
