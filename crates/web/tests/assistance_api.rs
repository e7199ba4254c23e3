//! The assistance API on both backends: the roster (phones masked), a
//! plan created, read masked, sent back masked and confirmed, a stale
//! version 409; measures checked against the catalogue (each bad input a
//! 422 naming the field, nothing written); the chain masked; visits; a
//! bank's list uploaded once (unknown persons counted), the same bytes a
//! no-op, a bad list rejected with line and column; other villages read
//! nothing; every route in the OpenAPI document.

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

/// A household of `village` with its head `head`; returns its id.
async fn household(app: &App, token: &str, number: &str, village: &str, head: &str) -> i64 {
    let h = common::household_json(number, village, &[head.to_string()]);
    let (status, v) = body(app.post(token, "/api/v1/households", &h).await).await;
    assert_eq!(status, 201, "{v}");
    v["id"].as_i64().unwrap()
}

fn loan(person: Option<&str>, amount_fen: Value, ends_on: &str) -> Value {
    json!({"person": person, "kind": "small_loan", "department": "bank", "amount_fen": amount_fen,
        "starts_on": "2026-03-01", "ends_on": ends_on, "status": "ongoing", "source": "cadre",
        "evidence": "借据 001"})
}

async fn assistance_over_the_api(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let cadre = app.user("cadre", Role::VillageCadre, VILLAGE).await;
    let other = app.user("other", Role::VillageCadre, OTHER_VILLAGE).await;
    let county = app.user("county", Role::CountyAdmin, "520526").await;
    let officer = app.user("officer", Role::DataOfficer, "520526").await;
    let head = id("1970-01-01", 11);
    let h = household(&app, &cadre, "AS-1", VILLAGE, &head).await;
    let stranger = id("1980-02-02", 17);
    household(&app, &other, "AS-2", OTHER_VILLAGE, &stranger).await;

    // The roster: the county adds, the cadre reads it masked.
    let helper = json!({"name": "李帮扶", "unit": "县农业农村局", "phone": "13900001111"});
    let (s, v) = body(app.post(&cadre, "/api/v1/helpers", &helper).await).await;
    assert_eq!(s, 403, "{v}");
    let (s, v) = body(app.post(&county, "/api/v1/helpers", &helper).await).await;
    assert_eq!(s, 201, "{v}");
    let helper_id = v["id"].as_i64().unwrap();
    let (s, v) = body(app.get(&cadre, "/api/v1/helpers").await).await;
    assert_eq!(s, 200);
    assert_eq!(v[0]["helper"]["phone"], "139****1111", "{v}");
    assert_eq!(v[0]["households"], 0);

    // A plan needs a case: the cadre's sweep opens one.
    let plan_path = format!("/api/v1/households/{h}/plan");
    let plan = json!({"household": "", "status": "draft", "helper": helper_id, "starts_on": "2026-06-01",
        "review_on": "2026-07-01", "measures": [{"person": head, "kind": "public_welfare_job", "reason": "就近就业"}]});
    let (s, v) = body(app.put(&cadre, &plan_path, &json!({"plan": plan})).await).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (422, Some("no_case")),
        "{v}"
    );
    let lead = json!({"channel": "cadre_sweep", "household_id": h, "risk_types": ["illness"], "note": "住院"});
    let (s, v) = body(app.post(&cadre, "/api/v1/leads", &lead).await).await;
    assert!(s == 200 || s == 201, "{s} {v}");
    let (s, v) = body(app.put(&cadre, &plan_path, &json!({"plan": plan})).await).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["version"], 1);
    // Read: the person masked; sent back as read, confirmed.
    let (s, v) = body(app.get(&cadre, &plan_path).await).await;
    assert_eq!(s, 200);
    let mut read = v["plan"]["plan"].clone();
    let masked = read["measures"][0]["person"].as_str().unwrap().to_string();
    assert!(masked.contains('*') && masked != head, "{masked}");
    assert!(!v.to_string().contains(&head));
    read["status"] = json!("active");
    let (s, v) = body(
        app.put(&cadre, &plan_path, &json!({"version": 1, "plan": read}))
            .await,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["version"], 2);
    let (s, v) = body(
        app.put(&cadre, &plan_path, &json!({"version": 1, "plan": read}))
            .await,
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("conflict")),
        "{v}"
    );
    let (s, v) = body(app.get(&cadre, "/api/v1/helpers").await).await;
    assert_eq!((s, &v[0]["households"]), (200, &json!(1)));
    // The county takes the helper off the plan; the workload follows.
    let helper_path = format!("{plan_path}/helper");
    let off = json!({"version": 2, "helper": null});
    let (s, v) = body(app.put(&county, &helper_path, &off).await).await;
    assert_eq!((s, &v["version"]), (200, &json!(3)), "{v}");
    let (s, v) = body(app.put(&county, &helper_path, &off).await).await;
    assert_eq!(s, 409, "{v}");
    let (s, v) = body(app.get(&cadre, "/api/v1/helpers").await).await;
    assert_eq!((s, &v[0]["households"]), (200, &json!(0)));
    // Another village: absent.
    let (s, _) = body(app.get(&other, &plan_path).await).await;
    assert_eq!(s, 404);

    // Measures: a good loan; each bad input names its field, nothing written.
    let measures = format!("/api/v1/households/{h}/measures");
    let (s, v) = body(
        app.post(
            &cadre,
            &measures,
            &loan(Some(&head), json!(3_000_000), "2028-02-29"),
        )
        .await,
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let before = app.count("measures").await;
    for (m, field) in [
        (loan(Some(&head), json!(-100), "2027-03-01"), "amount_fen"),
        (
            loan(Some(&head), json!(6_000_000), "2027-03-01"),
            "amount_fen",
        ),
        (loan(Some(&head), json!(100_000), "2030-03-01"), "ends_on"),
        (
            loan(Some(&stranger), json!(100_000), "2027-03-01"),
            "person",
        ),
    ] {
        let (s, v) = body(app.post(&cadre, &measures, &m).await).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (422, Some("invalid_field")),
            "{v}"
        );
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.starts_with(field), "{msg}");
        assert!(!msg.contains(&stranger) && !msg.contains(&head));
    }
    // Not a number at all: the body is refused as such (400).
    let (s, v) = body(
        app.post(
            &cadre,
            &measures,
            &loan(Some(&head), json!("三万"), "2027-03-01"),
        )
        .await,
    )
    .await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(app.count("measures").await, before);
    // The township reads; other roles may not write.
    let township = app.user("town", Role::TownshipReviewer, "520526001").await;
    let (s, _) = body(
        app.post(
            &township,
            &measures,
            &loan(Some(&head), json!(100), "2027-03-01"),
        )
        .await,
    )
    .await;
    assert_eq!(s, 403);
    let chain = format!("/api/v1/households/{h}/chain");
    let (s, v) = body(app.get(&township, &chain).await).await;
    assert_eq!(s, 200);
    let list = v["measures"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{v}");
    assert!(list[0]["measure"]["person"].as_str().unwrap().contains('*'));
    let measure_id = list[0]["id"].as_i64().unwrap();
    let (s, _) = body(app.get(&other, &chain).await).await;
    assert_eq!(s, 404);
    // Stopping: another village reads it as absent, a stale version is 409.
    let stop = format!("/api/v1/measures/{measure_id}/stop");
    let (s, _) = body(
        app.post(
            &other,
            &stop,
            &json!({"version": 1, "ends_on": "2026-05-01"}),
        )
        .await,
    )
    .await;
    assert_eq!(s, 404);
    let (s, v) = body(
        app.post(
            &cadre,
            &stop,
            &json!({"version": 5, "ends_on": "2026-05-01"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (409, Some("conflict")),
        "{v}"
    );

    // A visit with the loan's state.
    let visit = json!({"visited_on": "2026-05-30", "period_from": "2025-06-01", "period_to": "2026-05-30",
        "income": {"wage_fen": 1200000, "business_fen": 0, "property_fen": 0, "transfer_fen": 50000},
        "persons": 1, "needs": {"food": true, "clothing": true, "schooling": true, "medical": true,
        "housing": true, "water": true}, "measures": [{"measure": measure_id, "status": "ongoing",
        "effect": "effective"}], "note": ""});
    let visits = format!("/api/v1/households/{h}/visits");
    let (s, v) = body(app.post(&cadre, &visits, &visit).await).await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = body(app.get(&township, &visits).await).await;
    assert_eq!(s, 200);
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["visit"]["income"]["wage_fen"], 1200000);

    // A bank's ledger: the officer uploads; one person unknown.
    let unknown = id("1990-09-09", 19);
    let ledger = format!(
        "证件号码,借款人姓名,贷款金额,放款日期,到期日,借据号\n{head},某,20000,2026-04-01,2027-03-31,JD-1\n{unknown},某,10000,2026-04-01,2027-03-31,JD-2\n"
    );
    let upload = |token: String, bytes: Vec<u8>| {
        let part = reqwest::multipart::Part::bytes(bytes).file_name("ledger.csv");
        let form = reqwest::multipart::Form::new()
            .text("kind", "小额信贷")
            .text("department", "bank")
            .part("file", part);
        app.client
            .post(format!("{}/api/v1/measure-lists", app.url))
            .bearer_auth(token)
            .multipart(form)
            .send()
    };
    let (s, _) = body(
        upload(cadre.clone(), ledger.clone().into_bytes())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 403);
    let (s, v) = body(
        upload(officer.clone(), ledger.clone().into_bytes())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["outcome"]["outcome"], "loaded", "{v}");
    assert_eq!(
        (
            v["outcome"]["matched"].as_i64(),
            v["outcome"]["unknown"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(v["outcome"]["unknown_lines"], json!([3]));
    let (s, v) = body(upload(officer.clone(), ledger.into_bytes()).await.unwrap()).await;
    assert_eq!(
        (s, v["outcome"]["outcome"].as_str()),
        (200, Some("already_loaded")),
        "{v}"
    );
    // A bad list: rejected, line and column named, nothing stored.
    let before = (
        app.count("measures").await,
        app.count("measure_batches").await,
    );
    let bad = format!(
        "身份证号,姓名,金额,开始日期,结束日期\n{head},某,60000,2026-03-01,2027-03-01\n{head},某,abc,2026-03-01,2027-03-01\n"
    );
    let (s, v) = body(upload(officer.clone(), bad.into_bytes()).await.unwrap()).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors_total"], 2);
    assert_eq!(
        (&v["errors"][0]["line"], &v["errors"][0]["column"]),
        (&json!(2), &json!(3))
    );
    assert_eq!(
        (&v["errors"][1]["line"], &v["errors"][1]["column"]),
        (&json!(3), &json!(3))
    );
    assert_eq!(
        (
            app.count("measures").await,
            app.count("measure_batches").await
        ),
        before
    );
    // The region's list: the township sees both of its measures.
    let (s, v) = body(app.get(&township, "/api/v1/measures").await).await;
    assert_eq!(s, 200);
    assert_eq!(v["total"], 2, "{v}");
    assert!(!v.to_string().contains(&head));
}

/// A list upload is bounded: the role is refused before the body is read
/// (403, not 413, for a cadre announcing too much and sending none of it),
/// a file over the limit is 413 and nothing is stored.
async fn uploads_are_bounded(backend: Backend) {
    let Some(app) = common::spawn_app_with(backend, |s| s.with_uploads(64 * 1024, 1)).await else {
        return;
    };
    let cadre = app.user("cadre", Role::VillageCadre, VILLAGE).await;
    let officer = app.user("officer", Role::DataOfficer, "520526").await;
    assert_eq!(raw_upload(&app, &cadre, 256 * 1024, false).await, 403);
    assert_eq!(raw_upload(&app, &officer, 256 * 1024, true).await, 413);
    assert_eq!(app.count("measure_batches").await, 0);
}

/// Posts a multipart list of `len` bytes by hand (reqwest fails when the
/// server answers before the body is sent, which is the point): headers
/// first, the body only when `send_body`; returns the status.
async fn raw_upload(app: &App, token: &str, len: usize, send_body: bool) -> u16 {
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = app.url.trim_start_matches("http://").to_string();
    let stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let head = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"l.csv\"\r\n\r\n";
    let tail = "\r\n--XyZ--\r\n";
    let request = format!(
        "POST /api/v1/measure-lists HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: {}\r\n\r\n{head}",
        head.len() + len + tail.len()
    );
    wr.write_all(request.as_bytes()).await.unwrap();
    let writer = tokio::spawn(async move {
        if send_body {
            let chunk = vec![b'x'; 16 * 1024];
            let mut left = len;
            while left > 0 {
                let n = left.min(chunk.len());
                if wr.write_all(&chunk[..n]).await.is_err() {
                    return;
                }
                left -= n;
            }
            let _ = wr.write_all(tail.as_bytes()).await;
        }
        // Keep the write half open until the answer is read.
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let mut buf = vec![0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(20), rd.read(&mut buf))
        .await
        .expect("an answer")
        .unwrap();
    writer.abort();
    let line = String::from_utf8_lossy(&buf[..n]).to_string();
    line.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {line}"))
}

async fn every_route_is_documented(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let doc = app.openapi().await;
    for path in [
        "/api/v1/households/{id}/plan",
        "/api/v1/households/{id}/plan/helper",
        "/api/v1/households/{id}/measures",
        "/api/v1/households/{id}/visits",
        "/api/v1/households/{id}/chain",
        "/api/v1/measures",
        "/api/v1/measures/{id}/stop",
        "/api/v1/helpers",
        "/api/v1/measure-lists",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} is not in the OpenAPI document"
        );
    }
}

on_both_backends!(
    assistance_over_the_api,
    uploads_are_bounded,
    every_route_is_documented
);
