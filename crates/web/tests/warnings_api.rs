//! Screening through the API, on both backends: a data officer's medical
//! upload and screening run raise a warning; the village cadre sees it in
//! the list (ID masked) and on its page (evidence; the full ID for the
//! role once revealed),
//! bad input is refused with nothing changed (empty reason, stale
//! version), verifying opens a case on the department-warning channel; a
//! county's own rule set adopted through the API is in force for the next
//! run at once, and a broken file is refused with its line and column.

mod common;

use common::{Backend, household_json, id};
use dixian_domain::Role;
use serde_json::{Value, json};

fn medical(person: &str, day: &str, self_paid: u32) -> Vec<u8> {
    format!(
        "身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付,诊断\n{person},张三,{day},住院,{},{},{self_paid},肺炎\n",
        self_paid * 3,
        self_paid * 2
    )
    .into_bytes()
}

async fn upload(app: &common::App, token: &str, bytes: Vec<u8>) {
    let r = app.upload_feed(token, "medical", bytes, None).await;
    assert_eq!(r.status(), 200);
}

async fn run(app: &common::App, token: &str, as_of: &str) -> Value {
    let r = app
        .post_job(token, "/api/v1/screening/runs", &json!({"as_of": as_of}))
        .await;
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

fn county_rules(version: u32, per_stay: u32) -> String {
    include_str!("../../../rules/guizhou-2025.toml")
        .replace("region = \"52\"", "region = \"520526\"")
        .replace("version = 1", &format!("version = {version}"))
        .replace(
            "self_paid_per_stay = 6000",
            &format!("self_paid_per_stay = {per_stay}"),
        )
}

async fn warnings_from_upload_to_case(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    let admin = app.user("admin", Role::CountyAdmin, "520526").await;
    let officer = app.user("officer", Role::DataOfficer, "520526").await;
    let cadre = app.user("cadre", Role::VillageCadre, "520526001001").await;
    let person = id("1970-03-01", 11);
    let r = app
        .post(
            &admin,
            "/api/v1/households",
            &household_json("W-1", "520526001001", std::slice::from_ref(&person)),
        )
        .await;
    assert_eq!(r.status(), 201);

    upload(&app, &officer, medical(&person, "2026-05-01", 15000)).await;
    let r = app
        .post_job(&cadre, "/api/v1/screening/runs", &json!({}))
        .await;
    assert_eq!(r.status(), 403, "a village cadre does not run screening");
    let first = run(&app, &officer, "2026-05-10").await;
    assert_eq!(first["warnings_raised"], 1, "{first}");
    let again = run(&app, &officer, "2026-05-10").await;
    assert_eq!(
        (
            again["warnings_raised"].clone(),
            again["warnings_known"].clone()
        ),
        (json!(0), json!(1))
    );

    let last: Value = app
        .get(&cadre, "/api/v1/screening/runs/last")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        last["id"], again["id"],
        "a village sees its county's last run: {last}"
    );
    assert_eq!(app.get(&officer, "/api/v1/warnings").await.status(), 403);
    let feeds_page = app.get(&officer, "/feeds").await.text().await.unwrap();
    assert!(
        feeds_page.contains("id=run-screening") && feeds_page.contains("上次筛查 #2"),
        "the officer runs screening from /feeds and sees the last run: {feeds_page}"
    );
    let list: Value = app
        .get(&cadre, "/api/v1/warnings?risk=因病")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1, "{list}");
    let w = &list["warnings"][0];
    let masked = w["person_id_number"].as_str().unwrap();
    assert!(
        !masked.contains(&person[6..14]),
        "list masks the ID: {masked}"
    );
    assert_eq!(
        (w["rule_id"].as_str(), w["status"].as_str()),
        (Some("medical-stay"), Some("open"))
    );
    let wid = w["id"].as_i64().unwrap();
    let version = w["version"].as_i64().unwrap();
    let other = app.user("other", Role::VillageCadre, "520526001002").await;
    assert_eq!(
        app.get(&other, &format!("/api/v1/warnings/{wid}"))
            .await
            .status(),
        404
    );
    let detail: Value = app
        .get(&cadre, &format!("/api/v1/warnings/{wid}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        !detail.to_string().contains(&person),
        "one warning is masked too until revealed: {detail}"
    );
    assert_eq!(detail["evidence"].as_array().unwrap().len(), 1);
    // The evidence row is the typed row as a JSON object (no JSON in a
    // string), its ID number masked; money in 分 as numbers.
    let payload = &detail["evidence"][0]["payload"];
    assert_eq!(payload["kind"], "medical", "{detail}");
    assert!(payload["self_paid_fen"].is_i64(), "{detail}");
    assert!(
        payload["id_number"].as_str().unwrap().contains("********"),
        "{detail}"
    );
    let doc = app.openapi().await;
    assert_eq!(
        doc["components"]["schemas"]["EvidenceRow"]["properties"]["payload"]["type"], "object",
        "the OpenAPI schema says so too"
    );
    let full: Value = app
        .get(&cadre, &format!("/api/v1/warnings/{wid}?reveal=true"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(full["warning"]["person_id_number"], person.as_str());
    let page = app.get(&cadre, "/warnings").await.text().await.unwrap();
    assert!(
        // the rule in words, never its id (issue 12)
        page.contains("单次住院自付超过阈值")
            && !page.contains("medical-stay")
            && !page.contains(&person),
        "list page masks: {page}"
    );

    let cadre_page = app
        .get(&cadre, &format!("/warnings/{wid}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(cadre_page.contains("15000.00"), "money in 元: {cadre_page}");
    assert!(
        !cadre_page.contains("肺炎"),
        "no diagnosis at village level"
    );
    let county_page = app
        .get(&admin, &format!("/warnings/{wid}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        county_page.contains("肺炎"),
        "the county sees the diagnosis"
    );
    let inbox = app.get(&cadre, "/inbox").await.text().await.unwrap();
    let title = &inbox[inbox.find("<title>").unwrap()..inbox.find("</title>").unwrap()];
    assert!(
        !title.contains("张三") && !title.contains("W-1"),
        "no personal data in the title: {title}"
    );
    assert_eq!(
        inbox.matches(&format!("/warnings/{wid}\"")).count(),
        1,
        "the cadre's inbox lists it once: {inbox}"
    );

    // bad input: a clear error, nothing changed
    let r = app
        .post(
            &cadre,
            &format!("/api/v1/warnings/{wid}/dismiss"),
            &json!({"version": version, "reason": " "}),
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post(
            &cadre,
            &format!("/api/v1/warnings/{wid}/verify"),
            &json!({"version": version + 5}),
        )
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(app.count("leads").await, 0);

    let v: Value = app
        .post(
            &cadre,
            &format!("/api/v1/warnings/{wid}/verify"),
            &json!({"version": version, "note": "入户核实：住院属实"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["warning"]["status"], "verified", "{v}");
    let case_id = v["lead"]["case_id"].as_i64().unwrap();
    let case: Value = app
        .get(&cadre, &format!("/api/v1/cases/{case_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        case["case"]["lead"]["channel"], "department_warning",
        "{case}"
    );
    let case_page = app
        .get(&cadre, &format!("/cases/{case_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        case_page.contains(&format!("/warnings/{wid}\"")),
        "the case page links its warning"
    );

    // what-if: the county's draft (per stay above 20,000) would have raised none
    let w: Value = app
        .post_job(
            &admin,
            "/api/v1/rules/whatif",
            &json!({"file_name": "draft.toml", "source": county_rules(1, 20000), "from": "2026-01-01", "to": "2026-06-30"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(w["totals"], json!([1, 0]), "{w}");
    assert_eq!(w["lines"][0]["township"], "520526001", "{w}");
    let r = app
        .post_job(
            &cadre,
            "/api/v1/rules/whatif",
            &json!({"file_name": "d.toml", "source": county_rules(1, 20000), "from": "2026-01-01", "to": "2026-06-30"}),
        )
        .await;
    assert_eq!(r.status(), 403, "a village cadre does not replay feeds");

    // the county's own set (per stay above 20,000) is in force at once
    let bad = app
        .post(&admin, "/api/v1/rules", &json!({"file_name": "wn.toml", "source": county_rules(1, 20000).replace("valid_from = 2025-01-01", "valid_from = 2025-13-01")}))
        .await;
    assert_eq!(bad.status(), 422);
    let msg: Value = bad.json().await.unwrap();
    let text = msg["error"]["message"].as_str().unwrap();
    assert!(text.starts_with("wn.toml:"), "located: {text}");
    let r = app
        .post(
            &cadre,
            "/api/v1/rules",
            &json!({"file_name": "wn.toml", "source": county_rules(1, 20000)}),
        )
        .await;
    assert_eq!(r.status(), 403, "only a county admin adopts");
    let r = app
        .post(
            &admin,
            "/api/v1/rules",
            &json!({"file_name": "wn.toml", "source": county_rules(1, 20000)}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let sets: Value = app.get(&cadre, "/api/v1/rules").await.json().await.unwrap();
    assert!(
        sets.as_array()
            .unwrap()
            .iter()
            .any(|s| s["region"] == "520526"),
        "{sets}"
    );
    let doc = app.openapi().await;
    for path in [
        "/api/v1/warnings",
        "/api/v1/warnings/{id}/verify",
        "/api/v1/screening/runs",
        "/api/v1/rules/whatif",
    ] {
        assert!(doc["paths"].get(path).is_some(), "OpenAPI documents {path}");
    }
    upload(&app, &officer, medical(&person, "2026-06-01", 16000)).await;
    let after = run(&app, &officer, "2026-06-05").await;
    assert_eq!(
        after["warnings_raised"], 0,
        "16,000 is below the county's 20,000: {after}"
    );
}

/// A medical file of several (person, day, self-paid) stays.
fn medical_rows(rows: &[(&str, &str, u32)]) -> Vec<u8> {
    let mut text = String::from("身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付,诊断\n");
    for (person, day, paid) in rows {
        text.push_str(&format!(
            "{person},某,{day},住院,{},{},{paid},肺炎\n",
            paid * 3,
            paid * 2
        ));
    }
    text.into_bytes()
}

/// Warnings of two villages of one township (海边街道): each village's
/// cadre lists only its own — API and page — and finds the other's
/// absent: read, verify and dismiss answer 404 and change nothing; the
/// township and the county list both.
async fn a_village_cadre_sees_only_its_own_warnings(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    const A: &str = "520526001001";
    const B: &str = "520526001002";
    let admin = app.user("admin", Role::CountyAdmin, "520526").await;
    let officer = app.user("officer", Role::DataOfficer, "520526").await;
    let cadre_a = app.user("cadre_a", Role::VillageCadre, A).await;
    let cadre_b = app.user("cadre_b", Role::VillageCadre, B).await;
    let town = app.user("town", Role::TownshipReviewer, "520526001").await;
    let (pa, pb) = (id("1971-02-03", 21), id("1972-03-04", 23));
    for (number, village, person) in [("VA-1", A, &pa), ("VB-1", B, &pb)] {
        let r = app
            .post(
                &admin,
                "/api/v1/households",
                &household_json(number, village, std::slice::from_ref(person)),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    upload(
        &app,
        &officer,
        medical_rows(&[(&pa, "2026-05-01", 15000), (&pb, "2026-05-02", 16000)]),
    )
    .await;
    assert_eq!(
        run(&app, &officer, "2026-05-10").await["warnings_raised"],
        2
    );

    let list = |token: String, query: &'static str| {
        let app = &app;
        async move {
            let v: Value = app
                .get(&token, &format!("/api/v1/warnings?status=all{query}"))
                .await
                .json()
                .await
                .unwrap();
            let numbers: Vec<String> = v["warnings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w["household_number"].as_str().unwrap().to_string())
                .collect();
            (v["total"].as_i64().unwrap(), numbers, v)
        }
    };
    let (total, numbers, v) = list(cadre_a.clone(), "").await;
    assert_eq!((total, numbers), (1, vec!["VA-1".to_string()]), "{v}");
    let (total, numbers, v) = list(cadre_b.clone(), "").await;
    assert_eq!((total, numbers), (1, vec!["VB-1".to_string()]), "{v}");
    let wb = v["warnings"][0]["id"].as_i64().unwrap();
    let version_b = v["warnings"][0]["version"].as_i64().unwrap();
    let (total, _, v) = list(cadre_a.clone(), "&region=520526001002").await;
    assert_eq!(total, 0, "A's cadre asking for village B gets nothing: {v}");
    for above in [&town, &admin] {
        let (total, mut numbers, v) = list(above.clone(), "").await;
        numbers.sort();
        assert_eq!(
            (total, numbers),
            (2, vec!["VA-1".into(), "VB-1".into()]),
            "{v}"
        );
    }
    let page = app
        .get(&cadre_a, "/warnings?status=all")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("VA-1") && !page.contains("VB-1"),
        "the list page keeps the scope: {page}"
    );

    // B's warning is absent for A's cadre, and refused writes change nothing
    let audit = app.count("audit_log").await;
    assert_eq!(
        app.get(&cadre_a, &format!("/api/v1/warnings/{wb}"))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get(&cadre_a, &format!("/warnings/{wb}")).await.status(),
        404
    );
    let r = app
        .post(
            &cadre_a,
            &format!("/api/v1/warnings/{wb}/verify"),
            &json!({"version": version_b, "note": "入户核实"}),
        )
        .await;
    assert_eq!(r.status(), 404);
    let r = app
        .post(
            &cadre_a,
            &format!("/api/v1/warnings/{wb}/dismiss"),
            &json!({"version": version_b, "reason": "已报销"}),
        )
        .await;
    assert_eq!(r.status(), 404);
    let after: Value = app
        .get(&cadre_b, &format!("/api/v1/warnings/{wb}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            after["warning"]["status"].as_str(),
            after["warning"]["version"].as_i64()
        ),
        (Some("open"), Some(version_b)),
        "{after}"
    );
    assert_eq!(app.count("leads").await, 0);
    assert_eq!(app.count("audit_log").await, audit, "nothing audited");
    // B's own cadre may: the refusals were about scope
    let r = app
        .post(
            &cadre_b,
            &format!("/api/v1/warnings/{wb}/dismiss"),
            &json!({"version": version_b, "reason": "已报销"}),
        )
        .await;
    assert_eq!(r.status(), 200);
}

on_both_backends!(
    warnings_from_upload_to_case,
    a_village_cadre_sees_only_its_own_warnings
);
