//! The plan's lifecycle over the API, on both backends: the proposal
//! (一户一策 from the risk types and each member's labor capacity) read
//! without being saved, saved as read (persons masked) and confirmed; a
//! stale or foreign confirmation refused; the effect review of the plan
//! (income before/after, development measures without effect flagged for
//! adjustment); the roster listing each helper's held households, names
//! masked by role, a township seeing only its own helpers — on the API
//! and the roster page; every new route in the OpenAPI document.

mod common;

use common::{App, Backend, id, spawn_app};
use dixian_domain::Role;
use serde_json::{Value, json};

const VILLAGE: &str = "520526001001";
const OTHER_VILLAGE: &str = "520526001002";

async fn body(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let v = r.json().await.unwrap_or(Value::Null);
    (status, v)
}

/// A browser-like session of `name` (cookies kept, redirects not followed).
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

async fn plan_lifecycle_over_the_api(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let cadre = app.user("cadre", Role::VillageCadre, VILLAGE).await;
    let other = app.user("other", Role::VillageCadre, OTHER_VILLAGE).await;
    let township = app
        .user("township", Role::TownshipReviewer, "520526001")
        .await;
    let far_township = app.user("far", Role::TownshipReviewer, "520526002").await;
    let county = app.user("county", Role::CountyAdmin, "520526").await;
    let officer = app.user("officer", Role::DataOfficer, "520526").await;
    let head = id("1970-01-01", 11);
    let hh = common::household_json("PA-1", VILLAGE, std::slice::from_ref(&head));
    let (s, v) = body(app.post(&cadre, "/api/v1/households", &hh).await).await;
    assert_eq!(s, 201, "{v}");
    let h = v["id"].as_i64().unwrap();

    // No case: nothing to propose.
    let proposal = format!("/api/v1/households/{h}/plan/proposal");
    let (s, v) = body(app.get(&cadre, &proposal).await).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (422, Some("no_case")),
        "{v}"
    );
    let lead = json!({"channel": "cadre_sweep", "household_id": h, "risk_types": ["unstable_employment"], "note": "返乡失业"});
    let (s, v) = body(app.post(&cadre, "/api/v1/leads", &lead).await).await;
    assert!(s == 200 || s == 201, "{s} {v}");

    // The proposal: a development measure for the head (able to work),
    // his ID number masked; nothing saved.
    let (s, v) = body(app.get(&cadre, &proposal).await).await;
    assert_eq!(s, 200, "{v}");
    let draft = v["plan"].clone();
    assert_eq!(draft["status"], "draft");
    assert!(!v.to_string().contains(&head), "{v}");
    let kinds: Vec<&str> = draft["measures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["person"].as_str().is_some_and(|p| p.contains('*')))
        .filter_map(|m| m["kind"].as_str())
        .collect();
    assert!(
        kinds
            .iter()
            .any(|k| ["small_loan", "public_welfare_job"].contains(k)),
        "{draft}"
    );
    let plan_path = format!("/api/v1/households/{h}/plan");
    let (s, v) = body(app.get(&cadre, &plan_path).await).await;
    assert_eq!((s, &v["plan"]), (200, &Value::Null), "not saved: {v}");
    // The township reads the proposal; a data officer reads no cases;
    // another village's cadre finds no household.
    let (s, _) = body(app.get(&township, &proposal).await).await;
    assert_eq!(s, 200);
    let (s, _) = body(app.get(&officer, &proposal).await).await;
    assert_eq!(s, 403);
    let (s, _) = body(app.get(&other, &proposal).await).await;
    assert_eq!(s, 404);

    // The cadre saves it as read, then confirms it.
    let (s, v) = body(app.put(&cadre, &plan_path, &json!({"plan": draft})).await).await;
    assert_eq!((s, &v["version"]), (200, &json!(1)), "{v}");
    let confirm = format!("{plan_path}/confirm");
    let (s, _) = body(app.post(&township, &confirm, &json!({"version": 1})).await).await;
    assert_eq!(s, 403);
    let (s, v) = body(app.post(&cadre, &confirm, &json!({"version": 7})).await).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("conflict")),
        "{v}"
    );
    let (s, v) = body(app.post(&cadre, &confirm, &json!({"version": 1})).await).await;
    assert_eq!((s, &v["version"]), (200, &json!(2)), "{v}");
    let (_, v) = body(app.get(&cadre, &plan_path).await).await;
    assert_eq!(v["plan"]["plan"]["status"], "active", "{v}");
    assert_eq!(v["plan"]["ends_on"], Value::Null, "{v}");

    // No measure yet: the plan is to follow; not in another village.
    let (s, v) = body(app.get(&cadre, "/api/v1/plans/to-follow").await).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v.as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!(
        (&v[0]["household_id"], &v[0]["measures"]),
        (&json!(h), &json!(0)),
        "{v}"
    );
    let (_, v) = body(app.get(&other, "/api/v1/plans/to-follow").await).await;
    assert_eq!(v, json!([]));
    // The same list as a page, the household linked.
    let cadre_page = session(&app, "cadre").await;
    let (s, html) = page(&cadre_page, &app, "/plans/to-follow").await;
    assert_eq!(s, 200);
    assert!(
        html.contains(&format!("href=\"/households/{h}/assistance\">PA-1</a>")),
        "{html}"
    );

    // The effect review: a loan of nine months ago, no income recorded
    // since, is flagged for adjustment.
    let loan = json!({"person": head, "kind": "small_loan", "department": "bank", "amount_fen": 3_000_000,
        "starts_on": "2026-03-01", "ends_on": "2028-02-29", "status": "ongoing", "source": "cadre",
        "evidence": "借据 001"});
    let (s, v) = body(
        app.post(&cadre, &format!("/api/v1/households/{h}/measures"), &loan)
            .await,
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let loan_id = v["id"].as_i64().unwrap();
    // With a measure and the review not due, nothing to follow.
    let (_, v) = body(app.get(&cadre, "/api/v1/plans/to-follow").await).await;
    assert_eq!(v, json!([]));
    let (_, html) = page(&cadre_page, &app, "/plans/to-follow").await;
    assert!(html.contains("id=\"none-to-follow\""), "{html}");
    let effect = format!("{plan_path}/effect");
    let (s, v) = body(app.get(&officer, &effect).await).await;
    assert_eq!(s, 200, "{v}");
    assert!(v["plan_id"].as_i64().is_some(), "{v}");
    let review = &v["review"];
    assert!(review["income"].is_object(), "{v}");
    let flagged: Vec<i64> = review["adjust"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["measure"].as_i64())
        .collect();
    assert_eq!(flagged, vec![loan_id], "{v}");
    let (s, _) = body(app.get(&other, &effect).await).await;
    assert_eq!(s, 404);

    // The roster: the county's helper holds the household.
    let helper = json!({"name": "李帮扶", "unit": "县农业农村局", "phone": "13900001111"});
    let (s, v) = body(app.post(&county, "/api/v1/helpers", &helper).await).await;
    assert_eq!(s, 201, "{v}");
    let helper_id = v["id"].as_i64().unwrap();
    let assign = json!({"version": 2, "helper": helper_id});
    let (s, v) = body(
        app.put(&county, &format!("{plan_path}/helper"), &assign)
            .await,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = body(app.get(&county, "/api/v1/helpers").await).await;
    assert_eq!(s, 200);
    assert_eq!(v[0]["households"], 1, "{v}");
    assert_eq!(v[0]["held"][0]["household_id"], h, "{v}");
    assert_eq!(v[0]["held"][0]["number"], "PA-1", "{v}");
    assert_eq!(v[0]["held"][0]["head_name"], "张三", "{v}");
    // A data officer sees the name masked.
    let (_, v) = body(app.get(&officer, "/api/v1/helpers").await).await;
    assert_eq!(v[0]["held"][0]["head_name"], "张*", "{v}");
    assert!(!v.to_string().contains("张三"), "{v}");
    // The township of the household sees its helper; another township none.
    let (_, v) = body(app.get(&township, "/api/v1/helpers").await).await;
    assert_eq!(v.as_array().map(Vec::len), Some(1), "{v}");
    let (s, v) = body(app.get(&far_township, "/api/v1/helpers").await).await;
    assert_eq!((s, v), (200, json!([])));

    // The roster page links the household, the name masked by role.
    let c = session(&app, "county").await;
    let (s, html) = page(&c, &app, "/helpers").await;
    assert_eq!(s, 200);
    assert!(
        html.contains(&format!("href=\"/households/{h}/assistance\"")),
        "{html}"
    );
    assert!(html.contains("PA-1 张三"), "{html}");
    let c = session(&app, "officer").await;
    let (_, html) = page(&c, &app, "/helpers").await;
    assert!(html.contains("PA-1 张*"), "{html}");
    assert!(!html.contains("张三"), "{html}");
}

async fn new_routes_are_documented(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let doc = app.openapi().await;
    for path in [
        "/api/v1/households/{id}/plan/proposal",
        "/api/v1/households/{id}/plan/confirm",
        "/api/v1/households/{id}/plan/effect",
        "/api/v1/plans/to-follow",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} is not in the OpenAPI document"
        );
    }
    for schema in [
        "ProposalAnswer",
        "EffectAnswer",
        "HeldHousehold",
        "PlanToFollow",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} is not in the OpenAPI document"
        );
    }
}

macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

on_both_backends!(plan_lifecycle_over_the_api, new_routes_are_documented);
