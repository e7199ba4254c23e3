//! The exchange API (docs/exchange.md) on both backends: a partner (the
//! county's data officer) sends a 民政 package and gets `stored`, then
//! `unchanged` for the same bytes; reads it back page by page (JSON, and
//! CSV); a county admin is refused before the body is read; a body over
//! the server's limit is 413 and stores nothing; a CSV without its type is
//! a clear 400.

mod common;

use common::{Backend, household_json, id};
use dixian_domain::Role;
use serde_json::{Value, json};

const VILLAGE: &str = "520526001001";

fn package(person: &str) -> Value {
    json!({"format": "dixian-exchange/1", "type": "measures", "region": "520526",
        "generated_at": "2026-06-01T00:00:00Z", "since": null, "next": null,
        "records": [{"key": "mz-1", "village_code": VILLAGE, "household_number": "X-1",
            "person_id_number": person, "person_name": "王一", "kind": "dibao",
            "department": "civil_affairs", "amount_fen": 60000, "starts_on": "2026-01-01",
            "ends_on": null, "status": "ongoing", "source": "feed"}]})
}

async fn partner_round(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    let admin = app.user("admin", Role::CountyAdmin, "520526").await;
    let officer = app.user("officer", Role::DataOfficer, "520526").await;
    let (p1, p2) = (id("1970-03-01", 11), id("1971-04-02", 13));
    for (n, p) in [("X-1", &p1), ("X-2", &p2)] {
        let r = app
            .post(
                &admin,
                "/api/v1/households",
                &household_json(n, VILLAGE, std::slice::from_ref(p)),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    // a county admin may not exchange
    let r = app
        .post(&admin, "/api/v1/exchange/import", &package(&p1))
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        app.get(&admin, "/api/v1/exchange/520526/households")
            .await
            .status(),
        403
    );

    let r = app
        .post(&officer, "/api/v1/exchange/import", &package(&p1))
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (v["outcome"].as_str(), v["stored"].as_u64()),
        (Some("stored"), Some(1)),
        "{v}"
    );
    let sha = v["sha256"].as_str().unwrap().to_string();
    let again: Value = app
        .post(&officer, "/api/v1/exchange/import", &package(&p1))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["outcome"], "unchanged");
    assert_eq!(app.count("measures").await, 1);
    let (audits,): (i64,) = app
        .store
        .pool
        .one(
            dixian_store::db::q(
                "SELECT COUNT(*) FROM audit_log WHERE entity = 'feed_batch' AND after LIKE $1",
            )
            .bind(format!("%{sha}%")),
        )
        .await
        .unwrap();
    assert_eq!(audits, 1, "one audit row naming the package's hash");

    // read back: the measure, then households a page at a time
    let v: Value = app
        .get(&officer, "/api/v1/exchange/520526/measures")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["format"], "dixian-exchange/1");
    assert_eq!(v["records"].as_array().unwrap().len(), 1);
    assert_eq!(v["records"][0]["person_id_number"], p1.as_str());
    assert_eq!(v["records"][0]["amount_fen"], 60000);
    let first: Value = app
        .get(&officer, "/api/v1/exchange/520526/households?limit=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["records"][0]["number"], "X-1");
    assert_eq!(first["next"], "X-1");
    let second: Value = app
        .get(
            &officer,
            "/api/v1/exchange/520526/households?limit=1&after=X-1",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["records"][0]["number"], "X-2");
    let last: Value = app
        .get(
            &officer,
            "/api/v1/exchange/520526/households?limit=1&after=X-2",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(last["records"].as_array().unwrap().len(), 0);
    assert!(last["next"].is_null());
    let r = app
        .get(&officer, "/api/v1/exchange/520526/measures?as=csv")
        .await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = r.text().await.unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains(&p1));
    // another county's region reads as absent
    assert_eq!(
        app.get(&officer, "/api/v1/exchange/520527/measures")
            .await
            .status(),
        404
    );

    // a CSV body without its type
    let r = app
        .client
        .post(format!(
            "{}/api/v1/exchange/import?format=dixian-exchange/1",
            app.url
        ))
        .bearer_auth(&officer)
        .header("content-type", "text/csv")
        .body(text)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("type"));
    let doc = app.openapi().await;
    assert!(doc["paths"].get("/api/v1/exchange/import").is_some());
    assert!(
        doc["paths"]
            .get("/api/v1/exchange/{code}/measures")
            .is_some()
    );
}

async fn oversized_body(backend: Backend) {
    let Some(app) = common::spawn_app_with(backend, |s| s.with_uploads(2048, 2)).await else {
        return;
    };
    let officer = app.user("officer", Role::DataOfficer, "520526").await;
    let mut big = package(&id("1970-03-01", 11));
    let one = big["records"][0].clone();
    big["records"] = Value::Array(vec![one; 40]);
    assert!(serde_json::to_vec(&big).unwrap().len() > 2048);
    let r = app.post(&officer, "/api/v1/exchange/import", &big).await;
    assert_eq!(r.status(), 413);
    assert_eq!(app.count("feed_rows").await, 0);
    assert_eq!(app.count("feed_batches").await, 0);
}

macro_rules! both {
    ($($name:ident),*) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await })* }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await })* }
    };
}

both!(partner_round, oversized_body);
