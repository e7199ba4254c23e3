//! Defects an attack on the demo found (issue 9), one test each, on both
//! backends: concurrent writes never answer 5xx and lose no update; login
//! is throttled per account and address, takes as long for unknown users
//! and failures are audited without the name; out-of-scope households are
//! not named in errors; diagnoses do not reach village cadres through the
//! API; uploads are refused by role before they are read, over-size is
//! 413 and row reports are capped; a cadre's region figures count their
//! own village.

mod common;

use common::{App, Backend, household_json, id};
use dixian_domain::Role;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const VILLAGE_A: &str = "520526001001";
const TOWNSHIP_A: &str = "520526001";
const VILLAGE_B: &str = "520526102001";

async fn create(app: &App, token: &str, number: &str, village: &str, ids: &[String]) -> i64 {
    let r = app
        .post(
            token,
            "/api/v1/households",
            &household_json(number, village, ids),
        )
        .await;
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().unwrap()
}

/// One client's loop: read the household, write it back with one more
/// 元 of wage; returns (200s, 409s, other statuses).
async fn edit_loop(app: &App, token: &str, hid: i64, times: usize) -> (u32, u32, Vec<u16>) {
    let (mut ok, mut conflict, mut other) = (0, 0, Vec::new());
    for _ in 0..times {
        let cur: Value = app
            .get(token, &format!("/api/v1/households/{hid}"))
            .await
            .json()
            .await
            .unwrap();
        let mut h = cur["household"].clone();
        h["income"]["wage"] = json!(h["income"]["wage"].as_i64().unwrap() + 1);
        let r = app
            .put(
                token,
                &format!("/api/v1/households/{hid}"),
                &json!({"version": cur["version"], "household": h}),
            )
            .await;
        match r.status().as_u16() {
            200 => ok += 1,
            409 => conflict += 1,
            s => other.push(s),
        }
    }
    (ok, conflict, other)
}

/// Defect 2: 20 clients × 10 edits of one household, then 10 clients on
/// their own households: no 5xx, every conflict a 409, no lost update
/// (the wage grew by exactly the number of 200s).
async fn concurrent_writes_never_fail(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    let app = std::sync::Arc::new(app);
    let admin = app.user("admin", Role::CountyAdmin, "520526").await;
    let shared = create(&app, &admin, "C-0001", VILLAGE_A, &[id("1970-01-01", 1)]).await;
    let own: Vec<i64> = futures_join(
        (0..10u16)
            .map(|i| {
                let (app, admin) = (app.clone(), admin.clone());
                async move {
                    create(
                        &app,
                        &admin,
                        &format!("C-1{i:03}"),
                        VILLAGE_A,
                        &[id("1980-01-01", 100 + i)],
                    )
                    .await
                }
            })
            .collect(),
    )
    .await;
    let start: Value = app
        .get(&admin, &format!("/api/v1/households/{shared}"))
        .await
        .json()
        .await
        .unwrap();
    let wage0 = start["household"]["income"]["wage"].as_i64().unwrap();

    let results = futures_join(
        (0..20)
            .map(|_| {
                let (app, admin) = (app.clone(), admin.clone());
                async move { edit_loop(&app, &admin, shared, 10).await }
            })
            .collect(),
    )
    .await;
    let ok: u32 = results.iter().map(|r| r.0).sum();
    let conflicts: u32 = results.iter().map(|r| r.1).sum();
    let other: Vec<u16> = results.iter().flat_map(|r| r.2.clone()).collect();
    assert!(other.is_empty(), "statuses other than 200/409: {other:?}");
    assert_eq!(ok + conflicts, 200);
    assert!(ok > 0);
    let end: Value = app
        .get(&admin, &format!("/api/v1/households/{shared}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        end["household"]["income"]["wage"].as_i64().unwrap() - wage0,
        i64::from(ok),
        "every accepted edit is kept, none lost"
    );
    assert_eq!(end["version"].as_i64().unwrap(), 1 + i64::from(ok));

    let results = futures_join(
        own.iter()
            .map(|&hid| {
                let (app, admin) = (app.clone(), admin.clone());
                async move { edit_loop(&app, &admin, hid, 10).await }
            })
            .collect(),
    )
    .await;
    for (ok, conflicts, other) in results {
        assert_eq!(
            (ok, conflicts, other),
            (10, 0, vec![]),
            "own households never conflict"
        );
    }
}

/// Runs futures concurrently on the test's runtime.
async fn futures_join<T: Send + 'static>(
    futs: Vec<impl std::future::Future<Output = T> + Send + 'static>,
) -> Vec<T> {
    let handles: Vec<_> = futs.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

async fn login(app: &App, user: &str, password: &str) -> (u16, Value, Option<String>) {
    let r = app
        .client
        .post(format!("{}/api/v1/auth/login", app.url))
        .json(&json!({"username": user, "password": password}))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (status, r.json().await.unwrap_or(Value::Null), retry)
}

/// Defect 3: after 5 wrong passwords the account is locked (429 with
/// Retry-After, even for the right password), other accounts are not;
/// 20 failures from one address lock the address; an unknown user takes
/// as long as a known one; failures are audited with the name as a tag.
async fn login_is_throttled(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    app.user("cadre_a", Role::VillageCadre, VILLAGE_A).await;
    app.user("cadre_b", Role::VillageCadre, VILLAGE_B).await;

    // Timing: unknown user vs known user with a wrong password (medians).
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for i in 0..4 {
        let t = Instant::now();
        assert_eq!(login(&app, "cadre_b", &format!("wrong-{i}")).await.0, 401);
        known.push(t.elapsed());
        let t = Instant::now();
        assert_eq!(login(&app, &format!("nobody{i}"), "wrong").await.0, 401);
        unknown.push(t.elapsed());
    }
    known.sort();
    unknown.sort();
    let (k, u) = (known[2], unknown[2]);
    assert!(
        u * 3 >= k,
        "an unknown user is checked as slowly as a known one: {u:?} vs {k:?}"
    );

    for i in 0..4 {
        assert_eq!(login(&app, "cadre_a", &format!("bad-{i}")).await.0, 401);
    }
    let (status, body, retry) = login(&app, "cadre_a", "bad-5").await;
    assert_eq!(status, 429, "the fifth failure locks the account: {body}");
    assert_eq!(body["error"]["code"], "login_locked");
    assert!(retry.is_some_and(|s| s.parse::<u64>().unwrap() > 0));
    let (status, _, _) = login(&app, "cadre_a", common::PASSWORD).await;
    assert_eq!(status, 429, "the right password is refused while locked");

    // Failures are audited: the username never, its tag yes.
    let rows: Vec<(String, String)> = app
        .store
        .pool
        .all(dixian_store::db::q(
            "SELECT action, entity_id FROM audit_log WHERE entity = 'login' ORDER BY seq",
        ))
        .await
        .unwrap();
    let failed = rows.iter().filter(|r| r.0 == "login_failed").count();
    assert_eq!(failed, 4 + 4 + 5, "{rows:?}");
    assert_eq!(rows.iter().filter(|r| r.0 == "login_locked").count(), 1);
    assert!(rows.iter().all(|r| !r.1.contains("cadre")), "{rows:?}");
    assert_eq!(
        rows.iter().filter(|r| r.0 == "login").count(),
        2,
        "the two users' logins of the set-up are audited too: {rows:?}"
    );

    // The address: 13 failures so far; 7 more over other names lock it.
    for i in 0..6 {
        assert_eq!(login(&app, &format!("guess{i}"), "x").await.0, 401);
    }
    assert_eq!(
        login(&app, "guess6", "x").await.0,
        429,
        "the 20th failure locks the address"
    );
    let (status, _, _) = login(&app, "cadre_b", common::PASSWORD).await;
    assert_eq!(status, 429, "no account can be tried from a locked address");
}

/// Defect 4: a cadre adding a member who is registered outside the
/// cadre's village learns that the person is taken, not where.
async fn registration_elsewhere_is_not_named(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    let admin = app.user("admin", Role::CountyAdmin, "520526").await;
    let cadre = app.user("cadre_a", Role::VillageCadre, VILLAGE_A).await;
    let outsider = id("1960-06-06", 31);
    create(
        &app,
        &admin,
        "B-0001",
        VILLAGE_B,
        std::slice::from_ref(&outsider),
    )
    .await;
    let insider = id("1961-06-06", 32);
    create(
        &app,
        &admin,
        "A-0002",
        VILLAGE_A,
        std::slice::from_ref(&insider),
    )
    .await;
    let own = create(&app, &admin, "A-0001", VILLAGE_A, &[id("1970-01-01", 1)]).await;
    let before = app.count("members").await;

    let member = |who: &str| {
        let mut m = household_json("x", VILLAGE_A, &[who.to_string()])["members"][0].clone();
        m["relation"] = json!("other");
        json!({"version": 1, "member": m})
    };
    let r = app
        .post(
            &cadre,
            &format!("/api/v1/households/{own}/members"),
            &member(&outsider),
        )
        .await;
    assert_eq!(r.status(), 422);
    let msg = r.json::<Value>().await.unwrap()["error"]["message"].to_string();
    assert!(
        !msg.contains("B-0001"),
        "out-of-scope household named: {msg}"
    );
    assert!(msg.contains("outside your area"), "{msg}");
    assert!(!msg.contains(&outsider), "no ID in messages: {msg}");

    let r = app
        .post(
            &cadre,
            &format!("/api/v1/households/{own}/members"),
            &member(&insider),
        )
        .await;
    assert_eq!(r.status(), 422);
    let msg = r.json::<Value>().await.unwrap()["error"]["message"].to_string();
    assert!(
        msg.contains("A-0002"),
        "a household of the cadre's own village is named: {msg}"
    );
    assert_eq!(app.count("members").await, before, "nothing written");
}

/// Defect 5: the API gives a village cadre the warning's evidence without
/// the diagnosis; the township reviewer reads it.
async fn diagnosis_withheld_from_cadre_api(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    let admin = app.user("admin", Role::CountyAdmin, "520526").await;
    let officer = app.user("officer", Role::DataOfficer, "520526").await;
    let cadre = app.user("cadre", Role::VillageCadre, VILLAGE_A).await;
    let township = app
        .user("township", Role::TownshipReviewer, TOWNSHIP_A)
        .await;
    let person = id("1970-03-01", 11);
    create(
        &app,
        &admin,
        "W-1",
        VILLAGE_A,
        std::slice::from_ref(&person),
    )
    .await;
    let csv = format!(
        "身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付,诊断\n{person},张三,2026-05-01,住院,45000,30000,15000,慢性肾脏病（血液透析）\n"
    );
    let r = app
        .upload_feed(&officer, "medical", csv.into_bytes(), None)
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .post_job(
            &officer,
            "/api/v1/screening/runs",
            &json!({"as_of": "2026-05-10"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let list: Value = app
        .get(&cadre, "/api/v1/warnings")
        .await
        .json()
        .await
        .unwrap();
    let wid = list["warnings"][0]["id"].as_i64().expect("a warning");

    let text = app
        .get(&cadre, &format!("/api/v1/warnings/{wid}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !text.contains("肾脏"),
        "diagnosis reached a village cadre: {text}"
    );
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["evidence"][0]["withheld"], json!(["diagnosis"]));
    assert!(
        text.contains("self_paid_fen"),
        "the rest of the row is there"
    );

    let text = app
        .get(&township, &format!("/api/v1/warnings/{wid}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(text.contains("慢性肾脏病"), "the township reads it: {text}");
    let page = app
        .get(&cadre, &format!("/warnings/{wid}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("self_paid") || page.contains("自付"),
        "the page shows the evidence"
    );
    assert!(!page.contains("肾脏"), "nor on the page");
}

/// Defect 6: a role that may not load feeds is refused before its upload
/// is read (403 even when the body is over the limit); over the limit is
/// 413; a file of bad rows lists the first 1,000 and counts them all.
async fn uploads_bounded(backend: Backend) {
    let Some(app) = common::spawn_app_with(backend, |s| s.with_uploads(1024 * 1024, 1)).await
    else {
        return;
    };
    let officer = app.user("officer", Role::DataOfficer, "520526").await;
    let cadre = app.user("cadre", Role::VillageCadre, VILLAGE_A).await;
    // The cadre announces 2 MiB and sends none of it: the answer comes
    // without the body being read.
    let status = raw_upload(&app, &cadre, 2 * 1024 * 1024, false).await;
    assert_eq!(status, 403, "role checked before the body");
    let status = raw_upload(&app, &officer, 2 * 1024 * 1024, true).await;
    assert_eq!(status, 413, "over the limit");

    let mut csv = String::from("身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付,诊断\n");
    for i in 0..1500 {
        csv.push_str(&format!("not-an-id-{i},张三,2026-05-01,住院,100,50,50,\n"));
    }
    let r = app
        .upload_feed(&officer, "medical", csv.into_bytes(), None)
        .await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["errors_total"], 1500);
    assert_eq!(body["errors"].as_array().unwrap().len(), 1000);
    assert_eq!(app.count("feed_rows").await, 0);
}

/// Posts a multipart upload of `len` bytes by hand (reqwest fails when
/// the server answers before the body is sent, which is the point):
/// headers first, then the body only when `send_body`; returns the status.
async fn raw_upload(app: &App, token: &str, len: usize, send_body: bool) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = app.url.trim_start_matches("http://").to_string();
    let stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let head = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.csv\"\r\n\r\n";
    let tail = "\r\n--XyZ--\r\n";
    let request = format!(
        "POST /api/v1/feeds/medical HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: {}\r\n\r\n{head}",
        head.len() + len + tail.len()
    );
    wr.write_all(request.as_bytes()).await.unwrap();
    let writer = tokio::spawn(async move {
        if send_body {
            let chunk = vec![b'x'; 64 * 1024];
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
        .expect("an answer without the body")
        .unwrap();
    writer.abort();
    let line = String::from_utf8_lossy(&buf[..n]).to_string();
    line.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {line}"))
}

/// Found by `dixian bench trust --postgres`: a NUL in a login name or a
/// household's name was a 5xx on PostgreSQL (its text cannot hold NUL,
/// and the error code was taken for SQLite's "busy"); it is a plain
/// refusal now, on both backends.
async fn nul_characters_are_bad_input(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    let admin = app.user("admin", Role::CountyAdmin, "520526").await;
    let (status, _, _) = login(&app, "ad\u{0}min", "x").await;
    assert_eq!(status, 401);
    let mut h = household_json("N-1", VILLAGE_A, &[id("1970-01-01", 1)]);
    h["members"][0]["name"] = json!("张\u{0}三");
    h["address"] = json!("村\u{0}口");
    let r = app.post(&admin, "/api/v1/households", &h).await;
    assert!(
        r.status().is_client_error(),
        "refused as bad input, not a server error: {}",
        r.status()
    );
    assert_eq!(app.count("households").await, 0);
}

/// Defect 12 (part): a cadre reading their township sees their own
/// village's household count, and no other village's.
async fn cadre_region_counts(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    let admin = app.user("admin", Role::CountyAdmin, "520526").await;
    let cadre = app.user("cadre", Role::VillageCadre, VILLAGE_A).await;
    for i in 0..3u16 {
        create(
            &app,
            &admin,
            &format!("A-{i}"),
            VILLAGE_A,
            &[id("1970-01-01", 10 + i)],
        )
        .await;
    }
    create(
        &app,
        &admin,
        "A2-1",
        "520526001002",
        &[id("1971-01-01", 20)],
    )
    .await;
    let v: Value = app
        .get(&cadre, &format!("/api/v1/regions/{TOWNSHIP_A}"))
        .await
        .json()
        .await
        .unwrap();
    let children = v["children"].as_array().unwrap();
    let own = children
        .iter()
        .find(|c| c["region"]["code"] == VILLAGE_A)
        .expect("own village listed");
    assert_eq!(own["households"], 3, "{v}");
    assert!(
        children.iter().all(|c| c["region"]["code"] == VILLAGE_A),
        "only the branch to the scope: {v}"
    );
    // Seen from the county, the cadre's branch still counts the village.
    let v: Value = app
        .get(&cadre, "/api/v1/regions/520526")
        .await
        .json()
        .await
        .unwrap();
    let t = v["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["region"]["code"] == TOWNSHIP_A)
        .expect("own township listed");
    assert_eq!(
        t["households"], 3,
        "the other village's household is not counted: {v}"
    );
}

on_both_backends!(
    concurrent_writes_never_fail,
    login_is_throttled,
    registration_elsewhere_is_not_named,
    diagnosis_withheld_from_cadre_api,
    uploads_bounded,
    cadre_region_counts,
    nul_characters_are_bad_input,
);
