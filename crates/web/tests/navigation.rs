//! Navigation by role and errors as pages, on SQLite and PostgreSQL.
//!
//! The header links exactly what each role may do (the expected lists are
//! written out by hand below, from the role table in docs/decisions.md,
//! not computed by the code under test), and every link it shows opens
//! for that role. A page the role may not use answers an HTML page (403,
//! 404) in the page's language with a link back, never the API's JSON;
//! `/api/` keeps its JSON. A refused case event shows the page language's
//! half of the refusal only, and the form keeps what the user typed.

mod common;

use chrono::{Duration, Utc};
use common::{Backend, household_json, id};
use dixian_domain::{Channel, RegionCode, RiskType, Role};
use dixian_store::Actor;
use dixian_store::cases::{self, IncomingLead};
use serde_json::Value;

const VILLAGE: &str = "520526001001";
const TOWNSHIP: &str = "520526001";
/// The name of [`VILLAGE`] in the division file (shared/data/divisions).
const VILLAGE_NAME: &str = "大洼塘社区居民委员会";

/// The header's links of each role, by element id, in order.
fn expected(role: Role) -> &'static [&'static str] {
    match role {
        Role::VillageCadre | Role::TownshipReviewer => &[
            "nav-dashboard",
            "nav-households",
            "nav-inbox",
            "nav-warnings",
            "nav-alerts",
            "nav-overdue",
            "nav-chain-report",
            "nav-helpers",
        ],
        Role::CountyAdmin => &[
            "nav-dashboard",
            "nav-households",
            "nav-inbox",
            "nav-warnings",
            "nav-alerts",
            "nav-overdue",
            "nav-chain-report",
            "nav-helpers",
            "nav-feeds",
            "nav-rules",
        ],
        Role::DataOfficer => &[
            "nav-dashboard",
            "nav-households",
            "nav-chain-report",
            "nav-helpers",
            "nav-feeds",
            "nav-rules",
        ],
        Role::Viewer => &["nav-dashboard"],
    }
}

/// Links every header has, logged in or not (language, API docs).
const ALWAYS: &[&str] = &["nav-lang", "nav-api-docs"];

/// The `(id, href)` of the header's links of a page.
fn nav_links(page: &str) -> Vec<(String, String)> {
    let start = page.find(r#"<nav class="menu""#).expect("the header's nav");
    let nav = &page[start..start + page[start..].find("</nav>").expect("nav ends")];
    let mut out = Vec::new();
    let mut rest = nav;
    while let Some(at) = rest.find("<a href=\"") {
        rest = &rest[at + 9..];
        let href = rest[..rest.find('"').unwrap()].to_string();
        let id = rest
            .find("id=\"")
            .filter(|i| *i < rest.find('>').unwrap())
            .map(|i| {
                let s = &rest[i + 4..];
                s[..s.find('"').unwrap()].to_string()
            })
            .unwrap_or_default();
        out.push((id, href));
    }
    out
}

fn content_type(r: &reqwest::Response) -> String {
    r.headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// An error answer is a page: HTML, a way back, no JSON.
async fn assert_html_error(r: reqwest::Response, status: u16, what: &str) -> String {
    assert_eq!(r.status().as_u16(), status, "{what}");
    let ct = content_type(&r);
    let body = r.text().await.unwrap();
    assert!(
        ct.starts_with("text/html"),
        "{what}: content-type {ct}: {body}"
    );
    assert!(body.contains(r#"href="/""#), "{what}: a link back: {body}");
    assert!(!body.contains(r#"{"error""#), "{what}: no JSON: {body}");
    body
}

/// The text of the element with `id` (tags dropped).
fn text_of(page: &str, id: &str) -> String {
    let at = page
        .find(&format!(r#"id="{id}""#))
        .unwrap_or_else(|| panic!("#{id} in {page}"));
    let open_end = at + page[at..].find('>').unwrap() + 1;
    let rest = &page[open_end..];
    let end = rest.find("</div>").or_else(|| rest.find("</p>")).unwrap();
    let mut out = String::new();
    let mut in_tag = false;
    for c in rest[..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.trim().to_string()
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

fn has_ascii_letter(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_alphabetic())
}

async fn nav_is_by_role(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    let users = [
        ("cadre", Role::VillageCadre, VILLAGE),
        ("town", Role::TownshipReviewer, TOWNSHIP),
        ("county", Role::CountyAdmin, common::COUNTY),
        ("officer", Role::DataOfficer, common::COUNTY),
        ("viewer", Role::Viewer, "52"),
    ];
    for (name, role, region) in users {
        let token = app.user(name, role, region).await;
        let r = app.get(&token, "/").await;
        assert_eq!(r.status(), 200, "{name}: the start page");
        let page = r.text().await.unwrap();
        let links = nav_links(&page);
        let ids: Vec<&str> = links
            .iter()
            .map(|(id, _)| id.as_str())
            .filter(|id| !ALWAYS.contains(id))
            .collect();
        assert_eq!(ids, expected(role), "{name}: the header's links");
        for always in ALWAYS {
            assert!(
                links.iter().any(|(id, _)| id == always),
                "{name}: {always} is always there"
            );
        }
        // every link shown opens for the role
        for (id, href) in links
            .iter()
            .filter(|(id, _)| !ALWAYS.contains(&id.as_str()))
        {
            let r = app.get(&token, href).await;
            assert_eq!(r.status(), 200, "{name}: {id} → {href}");
            assert!(content_type(&r).starts_with("text/html"), "{name}: {href}");
        }
        // the rule sets' scope by name, never a code
        if role == Role::CountyAdmin {
            // the shipped sets stored, as the server does at its start
            dixian_app::rule_book(&app.store, Utc::now()).await.unwrap();
            let rules = app.get(&token, "/rules").await.text().await.unwrap();
            assert!(rules.contains(">全国</td>"), "{rules}");
            assert!(rules.contains(">贵州省</td>"), "{rules}");
            assert!(!rules.contains(">national<"), "{rules}");
        }
        // a chain report link names the user's own region
        if let Some((_, href)) = links.iter().find(|(id, _)| id == "nav-chain-report") {
            assert_eq!(href, &format!("/regions/{region}/chain-report"));
        }
    }
}

async fn forbidden_and_absent_pages_are_html(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    let cadre = app.user("cadre", Role::VillageCadre, VILLAGE).await;
    let viewer = app.user("viewer", Role::Viewer, "52").await;

    // the cadre opens /feeds: an HTML 403 in Chinese
    let body = assert_html_error(app.get(&cadre, "/feeds").await, 403, "GET /feeds").await;
    let msg = text_of(&body, "error-message");
    assert!(has_cjk(&msg) && !has_ascii_letter(&msg), "中文 only: {msg}");
    assert!(!body.contains("upload-form"), "no upload form: {body}");

    // … and posts a file there (from the page's origin): the same
    let part = reqwest::multipart::Part::bytes(b"a,b\n1,2\n".to_vec()).file_name("x.csv");
    let form = reqwest::multipart::Form::new()
        .text("kind", "medical")
        .part("file", part);
    let r = app
        .client
        .post(format!("{}/feeds", app.url))
        .bearer_auth(&cadre)
        .header(reqwest::header::ORIGIN, &app.url)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_html_error(r, 403, "POST /feeds").await;
    assert_eq!(app.count("feed_batches").await, 0, "nothing loaded");

    // the run-screening button's route answers a page too
    let r = app
        .client
        .post(format!("{}/screening/run", app.url))
        .bearer_auth(&cadre)
        .header(reqwest::header::ORIGIN, &app.url)
        .send()
        .await
        .unwrap();
    assert_html_error(r, 403, "POST /screening/run").await;

    // a viewer's inbox: 403 as a page
    assert_html_error(app.get(&viewer, "/inbox").await, 403, "viewer /inbox").await;

    // not found: a made-up path, a made-up household
    let body = assert_html_error(app.get(&cadre, "/no-such-page").await, 404, "made-up path").await;
    assert!(has_cjk(&text_of(&body, "error-message")), "{body}");
    assert_html_error(
        app.get(&cadre, "/households/987654321").await,
        404,
        "made-up id",
    )
    .await;

    // the API keeps its JSON
    let r = app.get(&cadre, "/api/v1/households/987654321").await;
    assert_eq!(r.status(), 404);
    assert!(content_type(&r).starts_with("application/json"));
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "not_found", "{v}");
    let r = app
        .upload_feed(&cadre, "medical", b"a\n1\n".to_vec(), None)
        .await;
    assert_eq!(r.status(), 403);
    assert!(content_type(&r).starts_with("application/json"));
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "forbidden", "{v}");

    // the same 403 page in English: English only
    app.client
        .get(format!("{}/lang/en", app.url))
        .send()
        .await
        .unwrap();
    let body = assert_html_error(app.get(&cadre, "/feeds").await, 403, "GET /feeds (en)").await;
    let msg = text_of(&body, "error-message");
    assert!(
        has_ascii_letter(&msg) && !has_cjk(&msg),
        "English only: {msg}"
    );
    assert!(body.contains(r#"<html lang="en">"#), "{body}");
}

fn policies() -> impl cases::PolicySource {
    let book = dixian_web::shipped_rules();
    move |v: &RegionCode, on: chrono::NaiveDate| book.select(v, on).map(|s| s.workflow.clone())
}

/// What the user typed into the home check form, and a refusal.
async fn refused_event_in_the_page_language(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    let cadre = app.user("cadre", Role::VillageCadre, VILLAGE).await;
    let body = household_json("5205260010010007", VILLAGE, &[id("1970-05-06", 31)]);
    let r = app.post(&cadre, "/api/v1/households", &body).await;
    assert_eq!(r.status(), 201);
    let household = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let all = dixian_store::users::list(&app.store.pool).await.unwrap();
    let actor = Actor::of(all.iter().find(|u| u.username == "cadre").unwrap());
    let lead = IncomingLead {
        channel: Channel::CadreSweep,
        household_id: Some(household),
        id_number: None,
        risk_types: vec![RiskType::Illness],
        note: "走访发现".into(),
    };
    let case = cases::open_lead(
        &app.store.pool,
        &actor,
        &lead,
        Utc::now() - Duration::days(1),
        &policies(),
    )
    .await
    .unwrap()
    .case_id
    .unwrap();
    // Words where a person reads: the inbox names the village (the
    // division file's name), the timeline says what happened and who.
    let inbox = app.get(&cadre, "/inbox").await.text().await.unwrap();
    assert!(inbox.contains(VILLAGE_NAME), "the village by name: {inbox}");
    assert!(
        !inbox.contains(&format!(">{VILLAGE}<")),
        "no village code: {inbox}"
    );
    let card = app
        .get(&cadre, &format!("/households/{household}"))
        .await
        .text()
        .await
        .unwrap();
    let timeline = &card[card.find(r#"id="timeline""#).expect("a timeline")..];
    assert!(timeline.contains("建档（新增农户）"), "{timeline}");
    assert!(!timeline.contains("(create)"), "no raw code: {timeline}");
    let post = |form: Vec<(&'static str, String)>| {
        let app = &app;
        let cadre = cadre.clone();
        async move {
            app.client
                .post(format!("{}/cases/{case}/events", app.url))
                .bearer_auth(&cadre)
                .header(reqwest::header::ORIGIN, &app.url)
                .form(&form)
                .send()
                .await
                .unwrap()
        }
    };
    let version = || async {
        let v: Value = app
            .get(&cadre, &format!("/api/v1/cases/{case}"))
            .await
            .json()
            .await
            .unwrap();
        v["version"].as_i64().unwrap().to_string()
    };
    // A date that is not today's default, findings left empty: the
    // domain refuses (`English (中文)`); the page shows 中文 only and keeps
    // the date typed.
    let typed_day = "2026-03-17";
    let empty_findings = vec![
        ("kind", "home_check".to_string()),
        ("version", version().await),
        ("visited_on", typed_day.to_string()),
        ("findings", "   ".to_string()),
        ("asset_check_consent_signed", "on".to_string()),
    ];
    let r = post(empty_findings.clone()).await;
    assert_eq!(r.status(), 422);
    assert!(content_type(&r).starts_with("text/html"));
    let page = r.text().await.unwrap();
    let msg = text_of(&page, "form-errors");
    assert!(!msg.is_empty(), "{page}");
    assert!(
        has_cjk(&msg) && !has_ascii_letter(&msg),
        "中文 only: {msg:?}"
    );
    assert!(
        page.contains(&format!(r#"name="visited_on" value="{typed_day}""#)),
        "the typed date kept: {page}"
    );
    assert!(
        page.contains(r#"name="asset_check_consent_signed" value="on" checked"#),
        "the ticked box kept"
    );

    // A bad date, findings typed: the form names the field in 中文 and
    // keeps the findings.
    let findings = "邻居反映户主住院两周";
    let r = post(vec![
        ("kind", "home_check".to_string()),
        ("version", version().await),
        ("visited_on", "17.03.2026".to_string()),
        ("findings", findings.to_string()),
    ])
    .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    let msg = text_of(&page, "form-errors");
    assert!(
        has_cjk(&msg) && !has_ascii_letter(&msg),
        "中文 only: {msg:?}"
    );
    assert!(
        page.contains(&format!(">{findings}</textarea>")),
        "the typed findings kept: {page}"
    );

    // The member form: a person registered in another household is
    // refused by the store (`English (中文)`); the page shows 中文 only
    // and keeps the name typed.
    let other_head = id("1980-02-03", 55);
    let body = household_json(
        "5205260010010008",
        VILLAGE,
        std::slice::from_ref(&other_head),
    );
    assert_eq!(
        app.post(&cadre, "/api/v1/households", &body).await.status(),
        201
    );
    let v: Value = app
        .get(&cadre, &format!("/api/v1/households/{household}"))
        .await
        .json()
        .await
        .unwrap();
    let typed_name = "王小明";
    let member_form: Vec<(&str, String)> = vec![
        ("version", v["version"].to_string()),
        ("m_id_number", other_head.clone()),
        ("m_name", typed_name.into()),
        ("m_relation", "child".into()),
        ("m_labor", "full".into()),
        ("m_illness", "healthy".into()),
        ("m_insurance", "insured".into()),
        ("m_employment", "farming".into()),
        ("m_phone", "13800001234".into()),
    ];
    let r = app
        .client
        .post(format!("{}/households/{household}/members/new", app.url))
        .bearer_auth(&cadre)
        .header(reqwest::header::ORIGIN, &app.url)
        .form(&member_form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    let msg = text_of(&page, "form-errors");
    assert!(
        msg.contains("一人只能属于一户") && !has_ascii_letter(&msg),
        "中文 only: {msg:?}"
    );
    assert!(
        page.contains(&format!(r#"value="{typed_name}""#)),
        "the typed name kept: {page}"
    );

    // The same refusal on the English page: English only.
    app.client
        .get(format!("{}/lang/en", app.url))
        .send()
        .await
        .unwrap();
    let mut form = empty_findings;
    form[1].1 = version().await;
    let r = post(form).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    let msg = text_of(&page, "form-errors");
    assert!(
        has_ascii_letter(&msg) && !has_cjk(&msg),
        "English only: {msg:?}"
    );
    // nothing was recorded
    let v: Value = app
        .get(&cadre, &format!("/api/v1/cases/{case}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["case"]["stage"], "home_check", "{v}");
}

on_both_backends!(
    nav_is_by_role,
    forbidden_and_absent_pages_are_html,
    refused_event_in_the_page_language
);
