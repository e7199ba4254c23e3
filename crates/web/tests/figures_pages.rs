//! The figures over HTTP, on both backends: the JSON answer
//! (`/api/v1/figures/{code}`) counts what was registered and follows each
//! write at once; a bad month is refused naming its field; a township
//! reads its township only; the province viewer drills from the province
//! dashboard down to a village and the households behind its number; the
//! page and the workbook sent upward carry the same numbers.

mod common;

use calamine::{Reader, Xlsx};
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
}

async fn categorise(app: &App, number: &str) {
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

/// The first link of `html` (in an SVG bar: `class="bar-link"`) whose
/// address starts with `prefix`, entities decoded.
fn bar_link(html: &str, prefix: &str) -> String {
    let html = html.replace("&#38;", "&").replace("&amp;", "&");
    let marker = format!("<a href=\"{prefix}");
    let at = html
        .match_indices(&marker)
        .map(|(i, _)| i)
        .find(|i| html[*i..].split('>').next().unwrap().contains("bar-link"))
        .unwrap_or_else(|| panic!("a bar linking to {prefix}… in {html}"));
    let start = at + "<a href=\"".len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_string()
}

async fn figures_follow_writes_and_scope(backend: common::Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    let admin = app.user("admin", Role::CountyAdmin, "520526").await;
    registered(&app, &admin, "A-1", VILLAGE_A, 11).await;
    registered(&app, &admin, "A-2", VILLAGE_A, 13).await;
    registered(&app, &admin, "B-1", VILLAGE_B, 15).await;

    let (s, text) = body(&app, &admin, "/api/v1/figures/520526").await;
    assert_eq!(s, 200, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["total"]["households"], 3);
    assert_eq!(v["total"]["monitored_households"], 0);

    // A write is seen by the next read (its village was marked).
    categorise(&app, "A-1").await;
    categorise(&app, "B-1").await;
    let v: Value = app
        .get(&admin, "/api/v1/figures/520526")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["total"]["monitored_households"], 2);
    assert_eq!(v["total"]["without_measure"], 2);
    let kids = v["children"].as_array().unwrap();
    let of = |code: &str| {
        kids.iter()
            .find(|c| c["region"]["code"] == code)
            .map(|c| c["figures"]["monitored_households"].clone())
    };
    assert_eq!(of("520526001"), Some(Value::from(1)));
    assert_eq!(of("520526102"), Some(Value::from(1)));

    // A bad month names its field.
    let (s, text) = body(&app, &admin, "/api/v1/figures/520526?from=2026-13").await;
    assert_eq!(s, 422);
    assert!(text.contains("from"), "{text}");
    let (s, page) = body(&app, &admin, "/figures/520526?from=2026-13&to=2026-05").await;
    assert_eq!(s, 422);
    assert!(
        page.contains("value=\"2026-13\""),
        "the typed month is kept"
    );
    assert!(page.contains("data-field=\"period\""));

    // A township reads its own township only.
    let town = app.user("town", Role::TownshipReviewer, "520526001").await;
    let v: Value = app
        .get(&town, "/api/v1/figures/520526")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["total"]["monitored_households"], 1);
    assert_eq!(v["children"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.get(&town, "/api/v1/figures/520526102").await.status(),
        404
    );
    assert_eq!(app.get(&town, "/dashboard/520526102").await.status(), 404);

    // The page and the workbook sent upward.
    let (s, page) = body(&app, &admin, "/figures/520526").await;
    assert_eq!(s, 200);
    assert!(page.contains("id=\"monitored-total\""));
    let r = app.get(&admin, "/figures/520526/report.xlsx").await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows[1][2], "监测户数");
    let total = rows.iter().find(|r| r[1] == "合计").expect("the total row");
    assert_eq!(total[2], "2");

    // The province viewer drills down: province → city → county →
    // township → village → the households behind the number.
    let viewer = app.user("province", Role::Viewer, "52").await;
    let (s, mut html) = body(&app, &viewer, "/dashboard/52").await;
    assert_eq!(s, 200);
    assert!(html.contains("<svg id=\"bars\""), "a bar chart");
    assert!(html.contains("<svg id=\"trend\""), "a trend chart");
    for level in ["5205", "520526", "520526001"] {
        let path = bar_link(&html, &format!("/dashboard/{level}?"));
        let (s, page) = body(&app, &viewer, &path).await;
        assert_eq!(s, 200, "{path}");
        html = page;
    }
    // … to the village's dashboard and the households behind its number:
    // de-identified (the head's name masked, no card to open), as many as
    // the number says (1 of: A-1 is monitored).
    let path = bar_link(&html, &format!("/dashboard/{VILLAGE_A}?"));
    let (s, village) = body(&app, &viewer, &path).await;
    assert_eq!(s, 200, "{path}");
    let behind = format!("/figures/{VILLAGE_A}/households?figure=monitored");
    assert!(
        village.contains(&format!("href=\"{behind}\" id=\"tile-monitored\"")),
        "the monitored number links to the households behind it: {village}"
    );
    let (s, list) = body(&app, &viewer, &behind).await;
    assert_eq!(s, 200);
    assert!(list.contains("<b id=\"behind-total\">1</b>"), "{list}");
    assert!(list.contains("A-1") && !list.contains("A-2"), "{list}");
    assert!(
        list.contains("status status-yellow"),
        "三色码: monitored is yellow"
    );
    assert!(
        !list.contains("href=\"/households/"),
        "a viewer opens no card"
    );
    assert!(
        !list.contains("张三") && list.contains("张*"),
        "the head's name is masked: {list}"
    );
    let v: Value = app
        .get(&viewer, &format!("/api/v1/figures/{VILLAGE_A}/households"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["number"], "A-1");
    assert_eq!(v["items"][0]["card"], Value::Null);
    // Each category's number on the figures page links to its list.
    let (_, page) = body(&app, &viewer, "/figures/520526").await;
    assert!(
        page.contains("/figures/520526/households?figure=monitored&amp;category=marginal_at_risk")
            || page.contains(
                "/figures/520526/households?figure=monitored&#38;category=marginal_at_risk"
            ),
        "{page}"
    );
    // A bad figure is refused on the API naming its field.
    let r = app
        .get(&viewer, "/api/v1/figures/52/households?figure=poor")
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("figure"));
    // The tile map of the township's villages: village A holds A-1
    // (monitored) and A-2 → 1 × 1000 / 2 = 500‰, the top class; villages
    // without households are grey ("—"), none in between.
    let (_, dash) = body(&app, &viewer, "/dashboard/520526001").await;
    assert!(dash.contains("<svg id=\"tiles\""), "a tile map");
    assert_eq!(dash.matches("class=\"tile tile-4\"").count(), 1, "{dash}");
    assert!(dash.contains(">500‰</text>"), "{dash}");
    for class in ["tile-0", "tile-1", "tile-2", "tile-3"] {
        assert!(
            !dash.contains(&format!("class=\"tile {class}\"")),
            "{class}"
        );
    }
    // The 500‰ tile is the link to village A's dashboard.
    let parts: Vec<&str> = dash.split("\" class=\"tile-link\">").collect();
    let at = parts
        .iter()
        .position(|p| p.contains(">500‰</text>"))
        .expect("the 500‰ tile");
    let href = parts[at - 1].rsplit("<a href=\"").next().unwrap();
    assert!(
        href.starts_with(&format!("/dashboard/{VILLAGE_A}?")),
        "{href}"
    );
    assert!(dash.contains("id=\"tile-legend\""), "a legend");
    // Alerts in the figures: counted for every reader; the link to the
    // alert list, narrowed to the region, only for who reads alerts.
    app.store
        .pool
        .execute(q(
            "INSERT INTO alerts (region_code, region_padded, level, risk_type, window_from, window_to, households,
                 baseline_mean, baseline_sigma, baseline_windows, threshold, severity, severity_rank, status,
                 rule_set_name, raised_at, updated_at)
             VALUES ('520526001', '520526001000', 4, 'disaster', '2026-01-01', '2026-01-14', 6, 0.5, 1.0, 8, 5.0,
                 'high', 3, 'open', 'test', '2026-01-14T04:00:00+00:00', '2026-01-14T04:00:00+00:00')",
        ))
        .await
        .unwrap();
    let (_, page) = body(&app, &viewer, "/figures/520526").await;
    assert!(page.contains("<b id=\"alerts-open\">1</b>"), "{page}");
    assert!(
        !page.contains("id=\"alerts-link\""),
        "a viewer reads no alert list"
    );
    let (_, page) = body(&app, &admin, "/figures/520526").await;
    assert!(page.contains("<b id=\"alerts-open\">1</b>"), "{page}");
    assert!(
        page.contains("href=\"/alerts?region=520526&amp;status=all\" id=\"alerts-link\"")
            || page.contains("href=\"/alerts?region=520526&#38;status=all\" id=\"alerts-link\""),
        "{page}"
    );
    let (s, list) = body(&app, &admin, "/alerts?region=520526001&status=all").await;
    assert_eq!(s, 200);
    assert!(
        list.contains("id=\"alert-list\""),
        "the township's alert: {list}"
    );
    let (s, list) = body(&app, &admin, "/alerts?region=520526102&status=all").await;
    assert_eq!(s, 200);
    assert!(
        list.contains("id=\"no-alerts\""),
        "none in another township: {list}"
    );
    // The county admin's list opens the card, and leads to the full list.
    let (s, list) = body(&app, &admin, &behind).await;
    assert_eq!(s, 200);
    assert!(list.contains("href=\"/households/"), "{list}");
    assert!(list.contains("id=\"full-list\""), "{list}");
}

on_both_backends!(figures_follow_writes_and_scope);
