//! Key counties and the evaluation over HTTP, on both backends, with the
//! shipped rules (the national `[evaluation]`) and the shipped key county
//! list (of which the test's division table holds 520526 威宁).
//!
//! Fixture: A-1 (township 520526001) and B-1 (township 520526102), both
//! monitored, one person able to work and insured, housing B, water
//! secure, no measure, no case, no warning. Each township by hand, with
//! the shipped weights (rules/national-2021.toml): overdue 0 % → 15 of 15;
//! without a measure 100 % → 0 of 20; able without development 100 % →
//! 0 of 10; the four coverages 100 % → 4 × 5 = 20 of 20; identification,
//! warnings and rollbacks have nothing to divide by and do not apply.
//! Score = (15 + 20) / (15 + 20 + 10 + 20) × 100 = 53.846… → 53.85.

mod common;

use common::{App, household_json, id};
use dixian_domain::Role;
use dixian_store::db::q;
use serde_json::Value;

const VILLAGE_A: &str = "520526001001";
const VILLAGE_B: &str = "520526102001";

async fn registered(app: &App, token: &str, number: &str, village: &str, seq: u16) {
    let r = app
        .post(
            token,
            "/api/v1/households",
            &household_json(number, village, &[id("1970-01-01", seq)]),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    app.store
        .pool
        .execute(
            q("UPDATE households SET category = 'marginal_at_risk' WHERE number = $1").bind(number),
        )
        .await
        .unwrap();
}

async fn body(app: &App, token: &str, path: &str) -> (u16, String) {
    let r = app.get(token, path).await;
    let status = r.status().as_u16();
    (status, r.text().await.unwrap())
}

async fn key_counties_and_evaluation(backend: common::Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    let admin = app.user("admin", Role::CountyAdmin, "520526").await;
    registered(&app, &admin, "A-1", VILLAGE_A, 11).await;
    registered(&app, &admin, "B-1", VILLAGE_B, 13).await;
    let today = chrono::Utc::now().date_naive();
    let loaded = dixian_app::key_counties::load_shipped(&app.store, today)
        .await
        .unwrap()
        .expect("520526 of the shipped list");
    assert_eq!(loaded.added, 1);

    // The province viewer: the key aggregate, the badge on the city's
    // child rows and tile map.
    let viewer = app.user("province", Role::Viewer, "52").await;
    let v: Value = app
        .get(&viewer, "/api/v1/figures/52")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["key_counties"]["figures"]["monitored_households"], 2);
    assert_eq!(v["key_counties"]["counties"][0]["county_code"], "520526");
    let v: Value = app
        .get(&viewer, "/api/v1/figures/5205")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["children"][0]["key_county"], "national");
    let (s, page) = body(&app, &viewer, "/figures/52").await;
    assert_eq!(s, 200);
    assert!(page.contains("id=\"key-monitored\">2<"), "{page}");
    assert!(page.contains("id=\"to-evaluation\""));
    let (s, page) = body(&app, &viewer, "/dashboard/5205").await;
    assert_eq!(s, 200);
    assert!(page.contains("class=\"tile-badge\">重点帮扶县<"), "{page}");
    assert!(
        page.contains("class=\"badge-key\""),
        "the child row's badge"
    );
    let (_, page) = body(&app, &viewer, "/dashboard/520526").await;
    assert!(page.contains("id=\"key-badge\""), "the county's own badge");
    // The key counties county by county: 威宁 with its two households.
    let (s, page) = body(&app, &viewer, "/figures/52/key-counties").await;
    assert_eq!(s, 200);
    assert!(page.contains("威宁彝族回族苗族自治县"), "{page}");
    assert!(
        page.contains(
            "id=\"kc-520526-monitored\"><a href=\"/figures/520526/households?figure=monitored\">2<"
        ),
        "{page}"
    );
    let r = app.get(&viewer, "/figures/5205/report.xlsx").await;
    assert_eq!(r.status(), 200);

    // The evaluation of the county's townships, each score explained.
    let (s, page) = body(&app, &admin, "/evaluation/520526").await;
    assert_eq!(s, 200, "{page}");
    assert!(page.contains("id=\"total-520526001\">53.85<"), "{page}");
    assert!(page.contains("id=\"total-520526102\">53.85<"), "{page}");
    assert!(page.contains("无帮扶措施户占比"), "each indicator listed");
    let v: Value = app
        .get(&admin, "/api/v1/evaluation/520526")
        .await
        .json()
        .await
        .unwrap();
    // Every township of the county is listed; the two with households
    // first (best first, then by code), the others have nothing that
    // applies and no score.
    let kids = v["children"].as_array().unwrap();
    assert!(kids.len() > 2);
    assert_eq!(kids[0]["region"]["code"], "520526001");
    assert_eq!(kids[0]["score"], 53.85);
    assert_eq!(kids[1]["region"]["code"], "520526102");
    assert_eq!(kids[1]["score"], 53.85);
    assert!(kids[2..].iter().all(|k| k["score"].is_null()));
    let without = v["children"][0]["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["indicator"] == "without_measure")
        .unwrap();
    assert_eq!(without["value"], 100.0);
    assert_eq!(without["points"], 0.0);
    assert_eq!(without["weight"], 20.0);
    let r = app.get(&admin, "/evaluation/520526/scores.xlsx").await;
    assert_eq!(r.status(), 200);
    // In English too (the `lang` cookie).
    let page = app
        .client
        .get(format!("{}/evaluation/520526", app.url))
        .bearer_auth(&admin)
        .header("cookie", "lang=en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Monitored households without a measure"),
        "{page}"
    );

    // A role outside the scope is refused; a township reads its own.
    let town = app.user("town", Role::TownshipReviewer, "520526001").await;
    assert_eq!(app.get(&town, "/evaluation/520526102").await.status(), 404);
    assert_eq!(
        app.get(&town, "/api/v1/evaluation/520526102")
            .await
            .status(),
        404
    );
    let v: Value = app
        .get(&town, "/api/v1/evaluation/520526")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["children"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn key_counties_and_evaluation_sqlite() {
    key_counties_and_evaluation(common::Backend::Sqlite).await;
}

#[tokio::test]
async fn key_counties_and_evaluation_postgres() {
    key_counties_and_evaluation(common::Backend::Postgres).await;
}
