//! The case page as a dossier, decisions as explicit choices and case
//! attachments, on SQLite and PostgreSQL, through the real server: the
//! village cadre records the home check (with its success message and the
//! findings in the household's timeline) and attaches the signed consent's
//! photo; the township reviewer reads the lead's note, the findings, the
//! proposal and the attachment, downloads it (the bytes that went up),
//! cannot refuse without the confirmation (422, nothing written), and
//! returns the case for more material; the case is back at the home check
//! and the cadre's inbox and case page show the reason. A file that is no
//! JPEG/PNG/PDF by its bytes is refused naming the file; one over the
//! configured size is 413; the other township sees 404 as for a made-up id.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{App, Backend, household_json, id};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

const VILLAGE: &str = "520526001001";
const TOWNSHIP: &str = "520526001";
const OTHER_TOWNSHIP: &str = "520526102";
const LEAD_NOTE: &str = "村民小组长反映户主住院，家中无人务工";
const FINDINGS: &str = "住房C级；户主肺部手术后无劳动能力，年自付医疗费三万余元";
const RETURN_REASON: &str = "缺承诺授权书签字页照片，请补充后重新核查";
/// A PNG: its signature (RFC 2083) and some bytes.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR consent photo";
/// The attachment limit of the test server.
const LIMIT: usize = 256 * 1024;

struct World {
    app: App,
    now: Arc<Mutex<DateTime<Utc>>>,
    http: reqwest::Client,
}

impl World {
    fn advance(&self, d: Duration) {
        *self.now.lock().unwrap() += d;
    }

    /// A request as `token` that follows no redirect (pages answer 303).
    fn req(&self, method: reqwest::Method, token: &str, path: &str) -> reqwest::RequestBuilder {
        let r = self
            .http
            .request(method.clone(), format!("{}{path}", self.app.url))
            .bearer_auth(token);
        if method == reqwest::Method::GET {
            r
        } else {
            r.header("Origin", &self.app.url)
        }
    }

    async fn page(&self, token: &str, path: &str) -> (u16, String) {
        let r = self
            .req(reqwest::Method::GET, token, path)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    async fn form(&self, token: &str, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
        let r = self
            .req(reqwest::Method::POST, token, path)
            .form(form)
            .send()
            .await
            .unwrap();
        let loc = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        (r.status().as_u16(), loc, r.text().await.unwrap())
    }

    async fn upload(&self, token: &str, path: &str, name: &str, bytes: Vec<u8>) -> (u16, String) {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_string());
        let r = self
            .req(reqwest::Method::POST, token, path)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    async fn case(&self, token: &str, id: i64) -> Value {
        let r = self.app.get(token, &format!("/api/v1/cases/{id}")).await;
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    async fn event(&self, token: &str, id: i64, event: Value) {
        let version = self.case(token, id).await["version"].clone();
        let r = self
            .app
            .post(
                token,
                &format!("/api/v1/cases/{id}/events"),
                &json!({"version": version, "event": event}),
            )
            .await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn day(now: DateTime<Utc>) -> String {
    dixian_domain::case::china_date(now).to_string()
}

async fn dossier(backend: Backend) {
    let now = Arc::new(Mutex::new(Utc::now() - Duration::days(20)));
    let read = now.clone();
    let clock = dixian_web::Clock::new(move || *read.lock().unwrap());
    let Some(app) =
        common::spawn_app_with(backend, |s| s.with_clock(clock).with_attachment_max(LIMIT)).await
    else {
        return;
    };
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let w = World { app, now, http };
    let cadre = w
        .app
        .user("cadre", dixian_domain::Role::VillageCadre, VILLAGE)
        .await;
    let town = w
        .app
        .user("town", dixian_domain::Role::TownshipReviewer, TOWNSHIP)
        .await;
    let other = w
        .app
        .user(
            "other",
            dixian_domain::Role::TownshipReviewer,
            OTHER_TOWNSHIP,
        )
        .await;

    let h = household_json("DX-1", VILLAGE, &[id("1968-03-03", 21)]);
    let r = w.app.post(&cadre, "/api/v1/households", &h).await;
    assert_eq!(r.status(), 201);
    let household = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = w
        .app
        .post(
            &cadre,
            "/api/v1/leads",
            &json!({"channel": "cadre_sweep", "household_id": household,
            "risk_types": ["illness"], "note": LEAD_NOTE}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let case = r.json::<Value>().await.unwrap()["case_id"]
        .as_i64()
        .unwrap();

    // The cadre attaches the consent's photo and records the home check on the page.
    let (s, body) = w
        .upload(
            &cadre,
            &format!("/api/v1/cases/{case}/attachments"),
            "承诺授权书.png",
            PNG.to_vec(),
        )
        .await;
    assert_eq!(s, 201, "{body}");
    let attachment = serde_json::from_str::<Value>(&body).unwrap()["id"]
        .as_i64()
        .unwrap();
    let version = w.case(&cadre, case).await["version"].to_string();
    let today = day(*w.now.lock().unwrap());
    let (s, loc, _) = w
        .form(
            &cadre,
            &format!("/cases/{case}/events"),
            &[
                ("kind", "home_check"),
                ("version", &version),
                ("visited_on", &today),
                ("findings", FINDINGS),
                ("asset_check_consent_signed", "on"),
            ],
        )
        .await;
    assert_eq!(
        (s, loc.as_str()),
        (303, format!("/cases/{case}?done=home_check#done").as_str())
    );
    let (s, page) = w
        .page(&cadre, &format!("/cases/{case}?done=home_check"))
        .await;
    assert_eq!(s, 200);
    assert!(page.contains("已登记：入户核查"), "the success message");
    // The household's 变更记录 carries the findings, in words.
    let (_, card) = w.page(&cadre, &format!("/households/{household}")).await;
    assert!(card.contains(FINDINGS), "the findings in the timeline");
    assert!(!card.contains("(create)") && card.contains("建档（新增农户）"));

    // The village's steps to the township's review.
    w.event(
        &cadre,
        case,
        json!({"kind": "data_comparison", "results": "医保自付超过阈值"}),
    )
    .await;
    w.event(
        &cadre,
        case,
        json!({"kind": "deliberation", "held_on": today, "attendees": 12,
        "approve": true, "note": "同意", "proposed_category": "sudden_hardship",
        "proposed_risk_types": ["illness"]}),
    )
    .await;
    let end = day(*w.now.lock().unwrap() + Duration::days(6));
    w.event(
        &cadre,
        case,
        json!({"kind": "notice_start", "start": today, "end": end}),
    )
    .await;
    w.advance(Duration::days(7));
    w.event(&cadre, case, json!({"kind": "notice_end"})).await;
    assert_eq!(
        w.case(&town, case).await["case"]["stage"],
        "township_review"
    );

    // The reviewer reads the dossier: lead note, findings, proposal, attachment.
    let (s, page) = w.page(&town, &format!("/cases/{case}")).await;
    assert_eq!(s, 200);
    for (what, text) in [
        ("the lead's note", LEAD_NOTE),
        ("the findings", FINDINGS),
        ("the comparison", "医保自付超过阈值"),
        ("the proposed category", "突发严重困难户（拟认定）"),
        ("the attachment", "承诺授权书.png"),
        ("its link", &format!("/attachments/{attachment}")),
        ("the return choice", "value=\"return\""),
        ("the confirmation", "我确认不予纳入，此决定将结束本案"),
    ] {
        assert!(page.contains(text), "{what}: {text}");
    }
    // … and downloads the attachment: the bytes that went up, as a download.
    let r = w
        .req(
            reqwest::Method::GET,
            &town,
            &format!("/attachments/{attachment}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);

    // The other township: as for a made-up id.
    for path in [
        format!("/cases/{case}"),
        format!("/attachments/{attachment}"),
        format!("/api/v1/attachments/{attachment}"),
        format!("/api/v1/cases/{case}/attachments"),
    ] {
        assert_eq!(w.page(&other, &path).await.0, 404, "{path}");
    }

    // A refusal without the confirmation: 422 naming the box, nothing written.
    let before = w.case(&town, case).await;
    let v = before["version"].to_string();
    let (s, _, body) = w
        .form(
            &town,
            &format!("/cases/{case}/decision"),
            &[
                ("kind", "township_review"),
                ("version", &v),
                ("decision", "refuse"),
                ("reason", "不符合条件"),
            ],
        )
        .await;
    assert_eq!(s, 422);
    assert!(body.contains("confirm_refusal"), "the field is named");
    let after = w.case(&town, case).await;
    assert_eq!(
        (&after["version"], &after["case"]["stage"]),
        (&before["version"], &before["case"]["stage"])
    );
    // A return without its reason: 422.
    let (s, _, _) = w
        .form(
            &town,
            &format!("/cases/{case}/decision"),
            &[
                ("kind", "township_review"),
                ("version", &v),
                ("decision", "return"),
                ("reason", " "),
            ],
        )
        .await;
    assert_eq!(s, 422);
    // 退回补充 with the reason.
    let (s, loc, _) = w
        .form(
            &town,
            &format!("/cases/{case}/decision"),
            &[
                ("kind", "township_review"),
                ("version", &v),
                ("decision", "return"),
                ("reason", RETURN_REASON),
            ],
        )
        .await;
    assert_eq!(
        (s, loc.as_str()),
        (
            303,
            format!("/cases/{case}?done=return_for_more#done").as_str()
        )
    );
    let back = w.case(&cadre, case).await;
    assert_eq!(back["case"]["stage"], "home_check");
    assert_eq!(back["case"]["returned"]["reason"], RETURN_REASON);

    // The cadre's inbox and case page show the reason.
    let (_, inbox) = w.page(&cadre, "/inbox").await;
    assert!(inbox.contains(RETURN_REASON), "the inbox row");
    let (_, page) = w.page(&cadre, &format!("/cases/{case}")).await;
    assert!(page.contains("id=\"returned\"") && page.contains(RETURN_REASON));

    // The stored file is sealed with the data key (its name too).
    let (content, name): (String, String) = w
        .app
        .store
        .pool
        .one(
            dixian_store::db::q("SELECT content, file_name FROM case_attachments WHERE id = $1")
                .bind(attachment),
        )
        .await
        .unwrap();
    if w.app.store.pool.data().encrypts() {
        assert!(
            content.starts_with("v1:") && name.starts_with("v1:"),
            "sealed"
        );
        assert!(!name.contains("承诺授权书"));
        assert!(
            !content.contains(&hex_of(PNG)),
            "the bytes are not kept in clear"
        );
    } else {
        // a store without a data key keeps personal data in clear (as ID
        // numbers); PostgreSQL test stores are always keyed
        assert_eq!(content, hex_of(PNG));
    }

    // Attachments that are refused write nothing.
    let n = w.app.count("case_attachments").await;
    let (s, body) = w
        .upload(
            &cadre,
            &format!("/api/v1/cases/{case}/attachments"),
            "评议记录.pdf",
            b"<html>not a pdf".to_vec(),
        )
        .await;
    assert_eq!(s, 422, "{body}");
    assert!(
        body.contains("评议记录.pdf") && body.contains("invalid_field"),
        "{body}"
    );
    let (s, page) = w
        .upload(
            &cadre,
            &format!("/cases/{case}/attachments"),
            "照片.jpg",
            b"GIF89a".to_vec(),
        )
        .await;
    assert_eq!(s, 422);
    assert!(page.contains("照片.jpg"));
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(LIMIT + 1, b' ');
    let (s, _) = w
        .upload(
            &cadre,
            &format!("/api/v1/cases/{case}/attachments"),
            "big.pdf",
            big,
        )
        .await;
    assert_eq!(s, 413);
    // The reviewer does not record the home check: may not attach now.
    let (s, _) = w
        .upload(
            &town,
            &format!("/api/v1/cases/{case}/attachments"),
            "x.png",
            PNG.to_vec(),
        )
        .await;
    assert_eq!(s, 403);
    assert_eq!(w.app.count("case_attachments").await, n);
    // Exactly at the limit is taken.
    let mut full = b"%PDF-1.7\n".to_vec();
    full.resize(LIMIT, b' ');
    let (s, _) = w
        .upload(
            &cadre,
            &format!("/api/v1/cases/{case}/attachments"),
            "minutes.pdf",
            full,
        )
        .await;
    assert_eq!(s, 201);
    assert_eq!(w.app.count("case_attachments").await, n + 1);
}

/// A refusal with its confirmation ends the identification (不予纳入).
async fn confirmed_refusal_ends_the_case(backend: Backend) {
    let now = Arc::new(Mutex::new(Utc::now() - Duration::days(20)));
    let read = now.clone();
    let clock = dixian_web::Clock::new(move || *read.lock().unwrap());
    let Some(app) = common::spawn_app_with(backend, |s| s.with_clock(clock)).await else {
        return;
    };
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let w = World { app, now, http };
    let cadre = w
        .app
        .user("cadre", dixian_domain::Role::VillageCadre, VILLAGE)
        .await;
    let town = w
        .app
        .user("town", dixian_domain::Role::TownshipReviewer, TOWNSHIP)
        .await;
    let h = household_json("DX-2", VILLAGE, &[id("1969-04-04", 31)]);
    let r = w.app.post(&cadre, "/api/v1/households", &h).await;
    let household = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = w
        .app
        .post(
            &cadre,
            "/api/v1/leads",
            &json!({"channel": "cadre_sweep", "household_id": household,
            "risk_types": [], "note": LEAD_NOTE}),
        )
        .await;
    let case = r.json::<Value>().await.unwrap()["case_id"]
        .as_i64()
        .unwrap();
    let today = day(*w.now.lock().unwrap());
    w.event(
        &cadre,
        case,
        json!({"kind": "home_check", "findings": FINDINGS,
        "asset_check_consent_signed": true, "visited_on": today}),
    )
    .await;
    w.event(
        &cadre,
        case,
        json!({"kind": "data_comparison", "results": "无"}),
    )
    .await;
    w.event(
        &cadre,
        case,
        json!({"kind": "deliberation", "held_on": today, "attendees": 9,
        "approve": true, "note": "同意"}),
    )
    .await;
    let end = day(*w.now.lock().unwrap() + Duration::days(6));
    w.event(
        &cadre,
        case,
        json!({"kind": "notice_start", "start": today, "end": end}),
    )
    .await;
    w.advance(Duration::days(7));
    w.event(&cadre, case, json!({"kind": "notice_end"})).await;
    let v = w.case(&town, case).await["version"].to_string();
    let (s, loc, _) = w
        .form(
            &town,
            &format!("/cases/{case}/decision"),
            &[
                ("kind", "township_review"),
                ("version", &v),
                ("decision", "refuse"),
                ("reason", "家有经营性车辆"),
                ("confirm_refusal", "on"),
            ],
        )
        .await;
    assert_eq!(
        (s, loc.as_str()),
        (
            303,
            format!("/cases/{case}?done=township_review#done").as_str()
        )
    );
    assert_eq!(w.case(&town, case).await["case"]["stage"], "rejected");
}

/// 信息比对 on the page: the members' stored department rows are listed by
/// kind (money in 元, the person masked, the diagnosis hidden from the
/// village cadre and shown to the township), not another household's nor
/// rows older than the rule set's window; the API lists the same; a
/// township reviewer records the comparison on the page (a missing
/// finding is refused, the ticks and the note kept), and the dossier
/// shows the finding with the rows reviewed.
async fn comparison_lists_the_members_rows(backend: Backend) {
    let now = Arc::new(Mutex::new(Utc::now() - Duration::days(20)));
    let read = now.clone();
    let clock = dixian_web::Clock::new(move || *read.lock().unwrap());
    let Some(app) = common::spawn_app_with(backend, |s| s.with_clock(clock)).await else {
        return;
    };
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let w = World { app, now, http };
    use dixian_domain::Role;
    let cadre = w.app.user("cadre", Role::VillageCadre, VILLAGE).await;
    let town = w.app.user("town", Role::TownshipReviewer, TOWNSHIP).await;
    let other = w
        .app
        .user("other", Role::TownshipReviewer, OTHER_TOWNSHIP)
        .await;
    let admin = w.app.user("admin", Role::CountyAdmin, "520526").await;
    let (head, child, neighbour) = (
        id("1968-03-03", 21),
        id("1992-04-04", 23),
        id("1980-05-05", 25),
    );
    let h = household_json("DX-2", VILLAGE, &[head.clone(), child.clone()]);
    let r = w.app.post(&cadre, "/api/v1/households", &h).await;
    assert_eq!(r.status(), 201);
    let household = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let h = household_json("DX-3", VILLAGE, std::slice::from_ref(&neighbour));
    assert_eq!(
        w.app.post(&cadre, "/api/v1/households", &h).await.status(),
        201
    );

    let today = *w.now.lock().unwrap();
    let (recent, old) = (
        day(today - Duration::days(10)),
        day(today - Duration::days(400)),
    );
    let medical = format!(
        "身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付,诊断\n\
         {head},张三,{recent},住院,30000.00,20000.00,10000.00,肺结核\n\
         {head},张三,{old},门诊,800,500,300,感冒\n\
         {neighbour},张三,{recent},住院,1000,600,321.00,骨折\n"
    );
    let r = w
        .app
        .upload_feed(&admin, "medical", medical.into_bytes(), None)
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());

    let r = w
        .app
        .post(
            &cadre,
            "/api/v1/leads",
            &json!({"channel": "cadre_sweep", "household_id": household,
            "risk_types": ["illness"], "note": LEAD_NOTE}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let case = r.json::<Value>().await.unwrap()["case_id"]
        .as_i64()
        .unwrap();
    w.event(
        &cadre,
        case,
        json!({"kind": "home_check", "findings": FINDINGS,
            "asset_check_consent_signed": true, "visited_on": day(today)}),
    )
    .await;

    // The cadre's page lists the head's recent stay only, masked, no diagnosis.
    let (s, page) = w.page(&cadre, &format!("/cases/{case}")).await;
    assert_eq!(s, 200);
    assert!(
        page.contains("比对的部门数据") && page.contains("id=\"cmp-medical\""),
        "listed"
    );
    assert!(
        page.contains("医保结算（医保）"),
        "grouped by kind, in Chinese"
    );
    assert!(
        page.contains("10000.00") && page.contains("个人自付（元）"),
        "money in 元"
    );
    let masked = format!("{}********{}", &head[..6], &head[14..]);
    assert!(page.contains(&masked), "the person, masked");
    for full in [&head, &child, &neighbour] {
        assert!(
            !page.contains(full.as_str()),
            "no full ID number on the page"
        );
    }
    assert!(!page.contains("肺结核"), "no diagnosis for a village cadre");
    assert!(!page.contains("321.00"), "not another household's row");
    assert!(!page.contains(&old), "not a row older than the window");
    assert_eq!(page.matches("name=\"reviewed_rows\"").count(), 1);

    // The API lists the same; another township sees nothing.
    let r = w
        .app
        .get(&cadre, &format!("/api/v1/cases/{case}/comparison-rows"))
        .await;
    assert_eq!(r.status(), 200);
    let list: Value = r.json().await.unwrap();
    assert_eq!(list["window_days"], 365);
    let rows = list["kinds"][0]["rows"].as_array().unwrap().clone();
    assert_eq!(
        (list["kinds"][0]["kind"].as_str(), rows.len()),
        (Some("medical"), 1)
    );
    assert!(!list.to_string().contains(&head));
    let row = rows[0]["id"].as_i64().unwrap().to_string();
    let r = w
        .app
        .get(&other, &format!("/api/v1/cases/{case}/comparison-rows"))
        .await;
    assert_eq!(r.status(), 404);

    // The township sees the diagnosis, and records the comparison.
    let (_, page) = w.page(&town, &format!("/cases/{case}")).await;
    assert!(page.contains("肺结核"), "the township sees the diagnosis");
    let version = w.case(&town, case).await["version"].to_string();
    let (s, _, page) = w
        .form(
            &town,
            &format!("/cases/{case}/events"),
            &[
                ("kind", "data_comparison"),
                ("version", &version),
                ("reviewed_rows", &row),
                ("finding_medical", ""),
                ("note_medical", "住院自付偏高"),
                ("results", ""),
            ],
        )
        .await;
    assert_eq!(s, 422, "a kind with rows needs a finding");
    assert!(
        page.contains("比对结论") && page.contains("医保结算"),
        "the error names it"
    );
    assert!(page.contains("value=\"住院自付偏高\""), "the note is kept");
    assert!(
        page.contains(&format!("value=\"{row}\" aria-label")),
        "the row is there"
    );
    let (s, loc, _) = w
        .form(
            &town,
            &format!("/cases/{case}/events"),
            &[
                ("kind", "data_comparison"),
                ("version", &version),
                ("reviewed_rows", &row),
                ("finding_medical", "inconsistent"),
                ("note_medical", "住院自付偏高"),
                ("results", ""),
            ],
        )
        .await;
    assert_eq!(
        (s, loc.as_str()),
        (
            303,
            format!("/cases/{case}?done=data_comparison#done").as_str()
        )
    );
    assert_eq!(
        w.case(&town, case).await["case"]["stage"],
        "village_deliberation"
    );

    // The dossier shows the finding and the rows reviewed, to the cadre
    // too (still masked, still without the diagnosis).
    let (_, page) = w.page(&cadre, &format!("/cases/{case}")).await;
    assert!(page.contains("不一致：住院自付偏高"), "the finding");
    assert!(
        page.contains(&format!("id=\"compared-row-{row}\"")),
        "the row reviewed"
    );
    assert!(page.contains(&masked) && !page.contains(&head) && !page.contains("肺结核"));
}

on_both_backends!(
    dossier,
    confirmed_refusal_ends_the_case,
    comparison_lists_the_members_rows
);
