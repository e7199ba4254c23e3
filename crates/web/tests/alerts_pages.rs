//! 规模性风险预警 on the web, on SQLite and PostgreSQL: a flood reported
//! by cadre sweeps in five villages of 草海镇 (two households each) is
//! found by the detector that runs after a screening run; the township's
//! inbox links it; the API and the page show its households (names
//! masked), window, usual level and who was told; a refused resolution
//! keeps what was typed and names the field; the township resolves it and
//! the page shows the resolution.

mod common;

use common::{App, Backend, household_json, id};
use dixian_domain::Role;
use serde_json::{Value, json};

const TOWN: &str = "520526100";
const FLOOD: [&str; 5] = [
    "520526100227",
    "520526100231",
    "520526100232",
    "520526100233",
    "520526100034",
];

async fn session(app: &App, name: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ORIGIN, app.url.parse().unwrap());
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap();
    let r = c
        .post(format!("{}/login", app.url))
        .form(&[("username", name), ("password", common::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "login of {name}");
    c
}

async fn page(c: &reqwest::Client, app: &App, path: &str) -> (u16, String) {
    let r = c.get(format!("{}{path}", app.url)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn a_flood_is_told_shown_and_resolved(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    let admin = app.user("county", Role::CountyAdmin, "520526").await;
    let officer = app.user("officer", Role::DataOfficer, "520526").await;
    let town = app.user("town", Role::TownshipReviewer, TOWN).await;
    let mut names = Vec::new();
    for (v, village) in FLOOD.iter().enumerate() {
        for k in 0..2u16 {
            let seq = 100 + (v as u16) * 10 + k;
            let mut h = household_json(&format!("FL-{v}-{k}"), village, &[id("1968-08-08", seq)]);
            let name = format!("洪水户{v}{k}");
            h["members"][0]["name"] = json!(name);
            names.push(name);
            let r = app.post(&admin, "/api/v1/households", &h).await;
            assert!(r.status().is_success(), "{}", r.text().await.unwrap());
            let hid = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
            let lead = json!({"channel": "cadre_sweep", "household_id": hid,
                "risk_types": ["disaster"], "note": "暴雨洪涝，房屋进水"});
            let r = app.post(&admin, "/api/v1/leads", &lead).await;
            assert!(r.status().is_success(), "{}", r.text().await.unwrap());
        }
    }
    // Nothing yet: the detector runs with the screening run.
    let list: Value = app.get(&town, "/api/v1/alerts").await.json().await.unwrap();
    assert_eq!(list["alerts"].as_array().unwrap().len(), 0);
    let r = app
        .post_job(&officer, "/api/v1/screening/runs", &json!({}))
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());

    let list: Value = app.get(&town, "/api/v1/alerts").await.json().await.unwrap();
    let alerts = list["alerts"].as_array().unwrap();
    assert_eq!(alerts.len(), 1, "{list}");
    let a = &alerts[0];
    assert_eq!(a["region_code"], TOWN);
    assert_eq!(a["level_code"], "township");
    assert_eq!(a["risk_type"], "disaster");
    assert_eq!(a["households"], 10);
    assert_eq!(a["status"], "open");
    let id = a["id"].as_i64().unwrap();
    let one: Value = app
        .get(&town, &format!("/api/v1/alerts/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["evidence"].as_array().unwrap().len(), 10);
    assert_eq!(one["villages"], 5);
    assert_eq!(one["may_resolve"], true);
    let told: Vec<&str> = one["told"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["region_code"].as_str().unwrap())
        .collect();
    assert_eq!(told, [TOWN, "520526"]);
    let body = one.to_string();
    for n in &names {
        assert!(!body.contains(n.as_str()), "a full name in the API answer");
    }
    // Filters: another risk type or level finds nothing; a bad one is named.
    let none: Value = app
        .get(&town, "/api/v1/alerts?risk=illness")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(none["alerts"].as_array().unwrap().len(), 0);
    let r = app.get(&town, "/api/v1/alerts?level=planet").await;
    assert_eq!(r.status(), 422);

    // The pages: the inbox links it, the list and the alert show it.
    let c = session(&app, "town").await;
    let (status, inbox) = page(&c, &app, "/inbox").await;
    assert_eq!(status, 200);
    assert!(
        inbox.contains("id=\"inbox-alerts\"") && inbox.contains(&format!("/alerts/{id}")),
        "{inbox}"
    );
    let (status, list) = page(&c, &app, "/alerts").await;
    assert_eq!(status, 200);
    assert!(list.contains("草海镇") && list.contains(&format!("/alerts/{id}")));
    let (status, html) = page(&c, &app, &format!("/alerts/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("FL-0-0") && html.contains("洪*") && !html.contains("洪水户00"));
    assert!(html.contains("id=\"alert-resolve\""));
    // Refused: too long; the text comes back, the field is named.
    let long = "处".repeat(2001);
    let r = c
        .post(format!("{}/alerts/{id}/resolve", app.url))
        .form(&[("version", "1"), ("text", long.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&long) && html.contains("处置情况不能超过"),
        "typed text kept, field named"
    );
    let r = c
        .post(format!("{}/alerts/{id}/resolve", app.url))
        .form(&[("version", "1"), ("text", "已启动应急救助，逐户核查")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, html) = page(&c, &app, &format!("/alerts/{id}")).await;
    assert!(html.contains("已启动应急救助，逐户核查") && !html.contains("id=\"alert-resolve\""));
    let one: Value = app
        .get(&admin, &format!("/api/v1/alerts/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["status"], "resolved");
    let (_, inbox) = page(&c, &app, "/inbox").await;
    assert!(!inbox.contains("id=\"inbox-alerts\""));
}

macro_rules! on_both_backends {
    ($($name:ident),+) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

on_both_backends!(a_flood_is_told_shown_and_resolved);
