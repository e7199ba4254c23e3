//! Monitoring cases through the HTTP API, on SQLite and PostgreSQL: a
//! resident's declaration followed through identification, monitoring,
//! elimination, re-entry and rollback with a clock the test moves; every
//! refusal (wrong step, wrong role, stale version, another region) changes
//! nothing; the public notice carries no personal detail; work lists;
//! rule sets by region; the public endpoint's rate limit.

mod common;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::{Backend, COUNTY, PASSWORD, household_json, id};
use dixian_domain::case::china_date;
use dixian_domain::{RegionCode, Role};
use dixian_store::{Store, users};
use dixian_web::{AppState, Clock};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

const VILLAGE_A: &str = "520526001001";
const VILLAGE_B: &str = "520526102001";
const TOWNSHIP_A: &str = "520526001";
const TOWNSHIP_B: &str = "520526102";
/// The phone of every member made by `household_json`.
const MEMBER_PHONE: &str = "13800001234";
const DECLARANT_PHONE: &str = "13912345678";

/// The app on a random port with a clock the test moves.
struct CaseApp {
    url: String,
    store: Store,
    client: reqwest::Client,
    now: Arc<Mutex<DateTime<Utc>>>,
    _dir: tempfile::TempDir,
}

async fn spawn(backend: Backend, state: impl FnOnce(AppState) -> AppState) -> Option<CaseApp> {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = common::fresh_store(backend, &dir).await?;
    let county = RegionCode::parse(COUNTY).unwrap();
    dixian_store::regions::import(
        &store.pool,
        &common::divisions(),
        Some(&county),
        |_, _, _| {},
    )
    .await
    .expect("regions");
    let now = Arc::new(Mutex::new(Utc::now()));
    let read = now.clone();
    let clock = Clock::new(move || *read.lock().unwrap());
    let state = state(AppState::new(store.clone()).with_clock(clock));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = dixian_web::app_with(state).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Some(CaseApp {
        url,
        store,
        client: reqwest::Client::new(),
        now,
        _dir: dir,
    })
}

impl CaseApp {
    async fn user(&self, name: &str, role: Role, region: &str) -> String {
        let region = RegionCode::parse(region).unwrap();
        users::create(&self.store.pool, name, name, PASSWORD, role, &region)
            .await
            .unwrap();
        let v: Value = self
            .client
            .post(format!("{}/api/v1/auth/login", self.url))
            .json(&json!({"username": name, "password": PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["token"].as_str().unwrap().to_string()
    }

    async fn get(&self, token: &str, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    async fn get_json(&self, token: &str, path: &str) -> Value {
        let r = self.get(token, path).await;
        assert_eq!(r.status(), 200, "GET {path}");
        r.json().await.unwrap()
    }

    async fn post(&self, token: &str, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.url))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    async fn public_post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.url))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    async fn public_get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .unwrap()
    }

    async fn household(&self, token: &str, number: &str, village: &str, ids: &[String]) -> i64 {
        let mut h = household_json(number, village, ids);
        if ids.len() > 1 {
            // a health detail that must never reach a notice
            h["members"][1]["illness"] = json!("serious");
        }
        let r = self.post(token, "/api/v1/households", &h).await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    }

    fn advance(&self, d: Duration) {
        *self.now.lock().unwrap() += d;
    }

    fn today(&self) -> NaiveDate {
        china_date(*self.now.lock().unwrap())
    }

    fn day(&self, offset: i64) -> String {
        (self.today() + Duration::days(offset)).to_string()
    }

    async fn event(&self, token: &str, case: i64, version: i64, event: Value) -> reqwest::Response {
        let body = json!({"version": version, "event": event});
        self.post(token, &format!("/api/v1/cases/{case}/events"), &body)
            .await
    }

    /// Posts an event that must succeed; returns the case after it.
    async fn step(&self, token: &str, case: i64, version: i64, event: Value) -> Value {
        let kind = event["kind"].clone();
        let r = self.event(token, case, version, event).await;
        let status = r.status();
        let body: Value = r.json().await.unwrap();
        assert_eq!(status, 200, "{kind}: {body}");
        assert_eq!(body["version"], version + 1, "{kind}");
        body
    }

    /// Posts an event that must be refused with `status` and `code`, and
    /// checks that nothing was written.
    async fn refused(
        &self,
        token: &str,
        case: i64,
        version: i64,
        event: Value,
        status: u16,
        code: &str,
    ) -> Value {
        let before = self.counts().await;
        let r = self.event(token, case, version, event).await;
        assert_eq!(r.status().as_u16(), status);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], code, "{body}");
        assert_eq!(
            self.counts().await,
            before,
            "a refused event writes nothing"
        );
        body
    }

    async fn count(&self, table: &str) -> i64 {
        let (n,): (i64,) = self
            .store
            .pool
            .one(dixian_store::db::q(format!("SELECT COUNT(*) FROM {table}")))
            .await
            .unwrap();
        n
    }

    /// Rows of every table a case write touches, and the case's snapshot.
    async fn counts(&self) -> (i64, i64, i64, i64, Vec<(i64, String)>) {
        let snapshots: Vec<(i64, String)> = self
            .store
            .pool
            .all(dixian_store::db::q(
                "SELECT version, snapshot FROM cases ORDER BY id",
            ))
            .await
            .unwrap();
        (
            self.count("cases").await,
            self.count("case_events").await,
            self.count("leads").await,
            self.count("audit_log").await,
            snapshots,
        )
    }
}

/// Users of the demo county: a county admin, cadres and township
/// reviewers of villages A and B.
struct Team {
    admin: String,
    cadre_a: String,
    town_a: String,
    cadre_b: String,
    town_b: String,
}

async fn team(app: &CaseApp) -> Team {
    Team {
        admin: app.user("admin", Role::CountyAdmin, COUNTY).await,
        cadre_a: app.user("cadre_a", Role::VillageCadre, VILLAGE_A).await,
        town_a: app.user("town_a", Role::TownshipReviewer, TOWNSHIP_A).await,
        cadre_b: app.user("cadre_b", Role::VillageCadre, VILLAGE_B).await,
        town_b: app.user("town_b", Role::TownshipReviewer, TOWNSHIP_B).await,
    }
}

fn declaration(name: &str, id_number: &str, village: &str) -> Value {
    json!({
        "name": name, "id_number": id_number, "village": village, "phone": DECLARANT_PHONE,
        "risk_types": ["illness"], "note": "丈夫住院治疗，自付费用高",
    })
}

/// Runs the village steps from the home check to a posted notice of
/// `days` days; returns the version after.
async fn village_steps(app: &CaseApp, t: &Team, case: i64, mut v: i64) -> i64 {
    let today = app.day(0);
    app.step(
        &t.cadre_a,
        case,
        v,
        json!({"kind": "home_check", "findings": "四看：房屋B级，家有病人",
        "asset_check_consent_signed": true, "visited_on": today}),
    )
    .await;
    v += 1;
    app.step(
        &t.cadre_a,
        case,
        v,
        json!({"kind": "data_comparison", "results": "医保报销记录相符"}),
    )
    .await;
    v += 1;
    v
}

async fn identification_to_elimination_and_back(backend: Backend) {
    let Some(app) = spawn(backend, |s| s).await else {
        return;
    };
    let t = team(&app).await;
    let ids = [id("1970-03-01", 11), id("1995-05-05", 12)];
    let a = app.household(&t.admin, "A-0001", VILLAGE_A, &ids).await;

    // 1. a resident declares, without login; the household is matched
    let r = app
        .public_post(
            "/api/v1/public/declarations",
            &declaration("张三", &ids[0], VILLAGE_A),
        )
        .await;
    assert_eq!(r.status(), 201);
    let receipt: Value = r.json().await.unwrap();
    assert_eq!(receipt["status"], "in_review", "{receipt}");
    let reference = receipt["reference"].as_str().unwrap().to_string();
    let text = app
        .public_get(&format!("/api/v1/public/declarations/{reference}"))
        .await
        .text()
        .await
        .unwrap();
    for secret in [ids[0].as_str(), DECLARANT_PHONE, "张三", "住院"] {
        assert!(
            !text.contains(secret),
            "public status shows no personal data: {text}"
        );
    }

    // 2. it waits in the village cadre's inbox
    let inbox = app.get_json(&t.cadre_a, "/api/v1/inbox").await;
    assert_eq!(inbox["cases"].as_array().unwrap().len(), 1, "{inbox}");
    let item = &inbox["cases"][0];
    assert_eq!(item["stage"], "home_check");
    assert!(
        item["allowed_events"]
            .as_array()
            .unwrap()
            .contains(&json!("home_check"))
    );
    let case = item["case_id"].as_i64().unwrap();
    let view = app
        .get_json(&t.cadre_a, &format!("/api/v1/cases/{case}"))
        .await;
    assert_eq!(
        (
            view["version"].as_i64(),
            view["case"]["lead"]["channel"].as_str()
        ),
        (Some(1), Some("self_declared"))
    );
    assert!(
        app.get_json(&t.town_a, "/api/v1/inbox").await["cases"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // 3. a step that is not the case's is refused
    let body = app
        .refused(
            &t.cadre_a,
            case,
            1,
            json!({"kind": "notice_end"}),
            422,
            "wrong_stage",
        )
        .await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("入户核查"),
        "{body}"
    );

    // 4. home check, data comparison, deliberation
    let mut v = village_steps(&app, &t, case, 1).await;
    app.step(
        &t.cadre_a,
        case,
        v,
        json!({"kind": "deliberation", "held_on": app.day(0), "attendees": 12,
        "approve": true, "note": "同意纳入"}),
    )
    .await;
    v += 1;

    // 5. a notice shorter than the province's minimum (5 days) is refused
    let short = json!({"kind": "notice_start", "start": app.day(0), "end": app.day(3)});
    let body = app
        .refused(&t.cadre_a, case, v, short, 422, "notice_too_short")
        .await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at least 5"),
        "{body}"
    );
    let c = app
        .step(
            &t.cadre_a,
            case,
            v,
            json!({"kind": "notice_start", "start": app.day(0), "end": app.day(4)}),
        )
        .await;
    v += 1;
    assert_eq!(c["case"]["stage"], "notice");

    // 6. the printable notice: name, group, category, risk types, dates — nothing else
    let r = app
        .get(&t.cadre_a, &format!("/api/v1/villages/{VILLAGE_A}/notice"))
        .await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    let notice: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(notice["entries"].as_array().unwrap().len(), 1, "{notice}");
    let entry = &notice["entries"][0];
    assert_eq!(
        (entry["head_name"].as_str(), entry["kind"].as_str()),
        (Some("张三"), Some("identification"))
    );
    assert_eq!(entry["risk_types"], json!(["illness"]));
    assert_eq!(entry["end"], app.day(4));
    for secret in [
        &ids[0],
        &ids[1],
        MEMBER_PHONE,
        DECLARANT_PHONE,
        "serious",
        "住院",
        "四看",
        "id_number",
        "phone",
    ] {
        assert!(
            !text.contains(secret),
            "the notice must not show {secret}: {text}"
        );
    }

    // 7. the notice cannot end before its end date; the clock moves, no sleep
    app.advance(Duration::days(3));
    app.refused(
        &t.cadre_a,
        case,
        v,
        json!({"kind": "notice_end"}),
        422,
        "notice_not_over",
    )
    .await;
    app.advance(Duration::days(1));
    app.step(&t.cadre_a, case, v, json!({"kind": "notice_end"}))
        .await;
    v += 1;

    // 8. township review: in the township reviewer's inbox, not the cadre's step
    let town_inbox = app.get_json(&t.town_a, "/api/v1/inbox").await;
    let ids_in: Vec<i64> = town_inbox["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["case_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids_in, [case], "{town_inbox}");
    assert_eq!(town_inbox["cases"][0]["stage"], "township_review");
    assert!(
        app.get_json(&t.town_b, "/api/v1/inbox").await["cases"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    app.refused(
        &t.cadre_a,
        case,
        v,
        json!({"kind": "township_review", "approve": true, "note": ""}),
        403,
        "wrong_role",
    )
    .await;
    app.step(
        &t.town_a,
        case,
        v,
        json!({"kind": "township_review", "approve": true, "note": "同意"}),
    )
    .await;
    v += 1;

    // 9. county approval: not by a village cadre, not with a stale version
    let approval = json!({"kind": "county_approval", "approve": true, "category": "sudden_hardship",
        "risk_types": ["illness"], "note": "审定纳入"});
    let body = app
        .refused(&t.cadre_a, case, v, approval.clone(), 403, "wrong_role")
        .await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("county admin"),
        "{body}"
    );
    let body = app
        .refused(&t.admin, case, v - 1, approval.clone(), 409, "conflict")
        .await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("version {v}")),
        "{body}"
    );

    // 10. another village's cadre and township see nothing of it
    let before = app.counts().await;
    for (token, path) in [
        (&t.cadre_b, format!("/api/v1/cases/{case}")),
        (&t.town_b, format!("/api/v1/cases/{case}")),
        (&t.cadre_b, format!("/api/v1/households/{a}/timeline")),
        (&t.cadre_b, format!("/api/v1/villages/{VILLAGE_A}/notice")),
        (&t.town_b, format!("/api/v1/cases/{case}/elimination-check")),
    ] {
        let r = app.get(token, &path).await;
        assert_eq!(r.status(), 404, "{path}");
        assert_eq!(
            r.json::<Value>().await.unwrap()["error"]["code"],
            "not_found"
        );
    }
    let r = app
        .event(
            &t.town_b,
            case,
            v,
            json!({"kind": "reject", "reason": "越权"}),
        )
        .await;
    assert_eq!(r.status(), 404);
    let r = app
        .post(
            &t.cadre_b,
            "/api/v1/leads",
            &json!({"channel": "cadre_sweep", "household_id": a, "note": "越权"}),
        )
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(
        app.counts().await,
        before,
        "cross-scope calls write nothing"
    );

    // 11. approved: monitored, and the registry says so
    let c = app.step(&t.admin, case, v, approval).await;
    v += 1;
    assert_eq!(
        (c["case"]["stage"].as_str(), c["case"]["category"].as_str()),
        (Some("monitored"), Some("sudden_hardship"))
    );
    let h = app
        .get_json(&t.admin, &format!("/api/v1/households/{a}"))
        .await;
    assert_eq!(h["household"]["category"], "sudden_hardship");

    // 12. follow-ups and the joint 低保 identification
    app.advance(Duration::days(30));
    let c = app
        .step(
            &t.cadre_a,
            case,
            v,
            json!({"kind": "follow_up", "visited_on": app.day(0), "visitor": "帮扶责任人",
        "changes": "已出院，务工收入恢复", "risk_added": [], "risk_removed": []}),
        )
        .await;
    v += 1;
    assert_eq!(
        (
            c["case"]["stage"].as_str(),
            c["case"]["follow_ups"].as_i64()
        ),
        (Some("monitored"), Some(1))
    );
    let c = app
        .step(
            &t.cadre_a,
            case,
            v,
            json!({"kind": "follow_up", "visited_on": app.day(0), "visitor": "帮扶责任人",
                "changes": "在县内务工，收入不稳", "risk_added": ["unstable_employment"], "risk_removed": []}),
        )
        .await;
    v += 1;
    assert_eq!(
        c["case"]["risk_types"],
        json!(["illness", "unstable_employment"])
    );
    app.step(
        &t.cadre_a,
        case,
        v,
        json!({"kind": "propose_assistance", "assistance": "dibao"}),
    )
    .await;
    v += 1;
    app.step(&t.town_a, case, v, json!({"kind": "assistance_outcome", "assistance": "dibao", "granted": true, "note": "批准"})).await;
    v += 1;

    // 13. the elimination check after seven months: refused while no
    // measure is recorded and no visit shows the income
    app.advance(Duration::days(200));
    let r = app
        .event(
            &t.cadre_a,
            case,
            v,
            json!({"kind": "propose_elimination", "note": "收入稳定"}),
        )
        .await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "elimination_criteria_fail", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    // (the 低保 granted on the case counts as a measure received)
    assert!(
        message.contains("收入持续稳定达标") && !message.contains("已落实帮扶措施"),
        "{message}"
    );
    // a job and a follow-up visit with the income of the last 200 days
    let r = app
        .post(
            &t.cadre_a,
            &format!("/api/v1/households/{a}/measures"),
            &json!({"person": ids[0], "kind": "employment", "department": "human_resources",
                "amount_fen": null, "starts_on": app.day(-150), "ends_on": null, "status": "ongoing",
                "source": "cadre", "evidence": "劳务协议"}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let r = app
        .post(
            &t.cadre_a,
            &format!("/api/v1/households/{a}/visits"),
            &json!({"visited_on": app.day(0), "period_from": app.day(-200), "period_to": app.day(0),
                "income": {"wage_fen": 2_000_000, "business_fen": 0, "property_fen": 0, "transfer_fen": 0},
                "persons": 2, "needs": {"food": true, "clothing": true, "schooling": true, "medical": true,
                "housing": true, "water": true}, "measures": [], "note": "务工稳定"}),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let check = app
        .get_json(
            &t.cadre_a,
            &format!("/api/v1/cases/{case}/elimination-check"),
        )
        .await;
    assert_eq!(check["report"]["criteria"].as_array().unwrap().len(), 9);
    assert_eq!(check["report"]["eligible"], true, "{check}");
    assert_eq!(
        check["facts"]["monitoring_line_fen"], 600_000,
        "Guizhou 2025 rule set"
    );
    let check = app
        .get_json(
            &t.cadre_a,
            &format!("/api/v1/cases/{case}/elimination-check?big_expense_resolved=false"),
        )
        .await;
    assert_eq!(check["report"]["eligible"], false);

    // 14. risk elimination: proposal, deliberation, notice, review, approval
    app.step(
        &t.cadre_a,
        case,
        v,
        json!({"kind": "propose_elimination", "note": "收入稳定"}),
    )
    .await;
    v += 1;
    app.step(
        &t.cadre_a,
        case,
        v,
        json!({"kind": "deliberation", "held_on": app.day(0), "attendees": 9,
        "approve": true, "note": "同意消除"}),
    )
    .await;
    v += 1;
    app.step(
        &t.cadre_a,
        case,
        v,
        json!({"kind": "notice_start", "start": app.day(0), "end": app.day(6)}),
    )
    .await;
    v += 1;
    let notice = app
        .get_json(&t.cadre_a, &format!("/api/v1/villages/{VILLAGE_A}/notice"))
        .await;
    assert_eq!(notice["entries"][0]["kind"], "elimination");
    assert_eq!(notice["entries"][0]["category"], "sudden_hardship");
    app.advance(Duration::days(6));
    app.step(&t.cadre_a, case, v, json!({"kind": "notice_end"}))
        .await;
    v += 1;
    app.step(
        &t.town_a,
        case,
        v,
        json!({"kind": "township_review", "approve": true, "note": "同意"}),
    )
    .await;
    v += 1;
    let c = app
        .step(
            &t.admin,
            case,
            v,
            json!({"kind": "county_approval", "approve": true, "category": null,
        "risk_types": [], "note": "同意消除"}),
        )
        .await;
    v += 1;
    assert_eq!(c["case"]["stage"], "eliminated");
    let public: Value = app
        .public_get(&format!(
            "/api/v1/public/declarations/{}",
            reference.to_lowercase()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["status"], "risk_eliminated");

    // 15. a new shock: a lead re-enters the same case (返贫)
    app.advance(Duration::days(40));
    let r = app
        .post(
            &t.cadre_a,
            "/api/v1/leads",
            &json!({"channel": "cadre_sweep", "household_id": a,
        "risk_types": ["disaster"], "note": "房屋受灾"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let lead: Value = r.json().await.unwrap();
    assert_eq!(
        (lead["status"].as_str(), lead["case_id"].as_i64()),
        (Some("re_entered"), Some(case))
    );
    v += 1;
    let c = app
        .get_json(&t.cadre_a, &format!("/api/v1/cases/{case}"))
        .await;
    assert_eq!(
        (
            c["case"]["stage"].as_str(),
            c["case"]["re_entries"].as_i64(),
            c["version"].as_i64()
        ),
        (Some("home_check"), Some(1), Some(v))
    );
    assert_eq!(app.count("cases").await, 1);

    // 16. the village finds no new risk; the county rolls the elimination back
    app.step(
        &t.cadre_a,
        case,
        v,
        json!({"kind": "reject", "reason": "核实无新风险"}),
    )
    .await;
    v += 1;
    app.refused(
        &t.cadre_a,
        case,
        v,
        json!({"kind": "elimination_rollback", "reason": "复核"}),
        403,
        "wrong_role",
    )
    .await;
    let c = app
        .step(
            &t.admin,
            case,
            v,
            json!({"kind": "elimination_rollback", "reason": "复核发现收入不稳"}),
        )
        .await;
    assert_eq!(
        (c["case"]["stage"].as_str(), c["case"]["rollbacks"].as_i64()),
        (Some("monitored"), Some(1))
    );

    // 17. the household's timeline: leads, every event, registry changes; who and when
    let tl = app
        .get_json(&t.town_a, &format!("/api/v1/households/{a}/timeline"))
        .await;
    let entries = tl.as_array().unwrap();
    let of = |kind: &str| entries.iter().filter(|e| e["kind"] == kind).count();
    assert_eq!(of("lead"), 2);
    assert_eq!(of("case_event"), c["events"].as_array().unwrap().len());
    assert_eq!(of("case_event"), 20);
    assert!(
        of("registry") >= 2,
        "create and the approval's category: {tl}"
    );
    let ats: Vec<DateTime<Utc>> = entries
        .iter()
        .map(|e| e["at"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(ats.windows(2).all(|w| w[0] <= w[1]), "oldest first");
    let declared = entries
        .iter()
        .find(|e| e["kind"] == "lead" && e["what"] == "self_declared")
        .unwrap();
    assert_eq!(declared["role"], "public");
    let approval = entries
        .iter()
        .find(|e| e["what"] == "county_approval")
        .unwrap();
    assert_eq!(approval["user_name"], "admin");
    assert_eq!(approval["to_stage"], "monitored");
    assert!(
        !tl.to_string().contains(DECLARANT_PHONE),
        "the declarant's phone stays in the lead"
    );
    assert_eq!(
        dixian_store::audit::verify_chain(&app.store.pool)
            .await
            .unwrap(),
        None
    );
}

async fn unmatched_declarations_wait_for_the_village(backend: Backend) {
    let Some(app) = spawn(backend, |s| s).await else {
        return;
    };
    let t = team(&app).await;
    let ids = [id("1970-03-01", 11)];
    let a = app.household(&t.admin, "A-0001", VILLAGE_A, &ids).await;
    // an invalid ID number: refused, and not quoted back
    let mut bad = ids[0].clone();
    bad.replace_range(17..18, if bad.ends_with('1') { "2" } else { "1" });
    let r = app
        .public_post(
            "/api/v1/public/declarations",
            &declaration("张三", &bad, VILLAGE_A),
        )
        .await;
    assert_eq!(r.status(), 422);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("invalid_id_number") && !text.contains(&bad),
        "{text}"
    );
    // a malformed body is refused without quoting its values
    let r = app
        .public_post(
            "/api/v1/public/declarations",
            &json!({"name": "张三", "id_number": 520526, "village": VILLAGE_A,
        "phone": DECLARANT_PHONE, "note": "x"}),
        )
        .await;
    assert_eq!(r.status(), 400);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("bad_request") && !text.contains("520526,") && !text.contains("`520526`"),
        "{text}"
    );
    assert_eq!(app.count("leads").await, 0);

    // the name does not agree with the registry: kept for the village
    let r = app
        .public_post(
            "/api/v1/public/declarations",
            &declaration("张四", &ids[0], VILLAGE_A),
        )
        .await;
    assert_eq!(r.status(), 201);
    let receipt: Value = r.json().await.unwrap();
    assert_eq!(receipt["status"], "received");
    assert_eq!(app.count("cases").await, 0);
    let inbox = app.get_json(&t.cadre_a, "/api/v1/inbox").await;
    assert!(
        !inbox.to_string().contains(DECLARANT_PHONE) && !inbox.to_string().contains(&ids[0]),
        "the declarant's phone and ID number are masked: {inbox}"
    );
    let inbox = app
        .get_json(
            &t.cadre_a,
            "/api/v1/inbox?reveal=true&reason=%E5%9B%9E%E8%AE%BF",
        )
        .await;
    let lead = &inbox["leads"][0];
    assert_eq!(
        (
            lead["declarant_name"].as_str(),
            lead["declarant_phone"].as_str()
        ),
        (Some("张四"), Some(DECLARANT_PHONE))
    );
    let lead_id = lead["lead_id"].as_i64().unwrap();
    let revealed = dixian_store::audit::history(&app.store.pool, "lead", &lead_id.to_string())
        .await
        .unwrap();
    assert_eq!(
        revealed.iter().filter(|r| r.action == "reveal").count(),
        1,
        "the reveal is audited"
    );
    assert!(
        app.get_json(&t.cadre_b, "/api/v1/inbox").await["leads"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        app.get_json(&t.town_a, "/api/v1/inbox").await["leads"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // the village finds the household: a case opens
    let r = app
        .post(
            &t.cadre_a,
            &format!("/api/v1/leads/{lead_id}/match"),
            &json!({"household_id": a}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "opened");
    let status: Value = app
        .public_get(&format!(
            "/api/v1/public/declarations/{}",
            receipt["reference"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(status["status"], "in_review");
    let r = app
        .post(
            &t.cadre_a,
            &format!("/api/v1/leads/{lead_id}/dismiss"),
            &json!({"reason": "重复"}),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        app.public_get("/api/v1/public/declarations/000000-0000-0000")
            .await
            .status(),
        404
    );
    // roles outside the working levels neither register leads nor read cases
    let viewer = app.user("viewer", Role::Viewer, COUNTY).await;
    let r = app
        .post(
            &viewer,
            "/api/v1/leads",
            &json!({"channel": "cadre_sweep", "household_id": a, "note": "x"}),
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.get(&viewer, "/api/v1/inbox").await.status(), 403);
}

async fn overdue_cases_escalate(backend: Backend) {
    let Some(app) = spawn(backend, |s| s).await else {
        return;
    };
    let t = team(&app).await;
    let b = app
        .household(&t.admin, "B-0001", VILLAGE_B, &[id("1965-01-02", 21)])
        .await;
    let r = app
        .post(
            &t.cadre_b,
            "/api/v1/leads",
            &json!({"channel": "department_warning", "household_id": b,
        "risk_types": ["disaster"], "note": "应急管理局：房屋倒塌"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let case = r.json::<Value>().await.unwrap()["case_id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        app.get_json(&t.admin, "/api/v1/cases/overdue").await,
        json!([])
    );
    // Guizhou 2025: two days for the home check; late from the third
    app.advance(Duration::days(2));
    assert_eq!(
        app.get_json(&t.admin, "/api/v1/cases/overdue").await,
        json!([])
    );
    app.advance(Duration::days(1));
    let list = app.get_json(&t.town_b, "/api/v1/cases/overdue").await;
    assert_eq!(list[0]["township_code"], TOWNSHIP_B, "{list}");
    let late = &list[0]["cases"][0];
    assert_eq!(
        (late["case_id"].as_i64(), late["stage"].as_str()),
        (Some(case), Some("home_check"))
    );
    assert_eq!(
        (
            late["overdue"]["days_over"].as_i64(),
            late["overdue"]["escalate_to"].as_str()
        ),
        (Some(1), Some("village"))
    );
    let inbox = app.get_json(&t.cadre_b, "/api/v1/inbox").await;
    assert_eq!(inbox["cases"][0]["overdue"]["days_over"], 1);
    // more than one step limit late: the township is told
    app.advance(Duration::days(2));
    let list = app.get_json(&t.admin, "/api/v1/cases/overdue").await;
    assert_eq!(
        list[0]["cases"][0]["overdue"]["escalate_to"], "township",
        "{list}"
    );
    assert_eq!(
        app.get_json(&t.town_a, "/api/v1/cases/overdue").await,
        json!([]),
        "other township"
    );
    // done late, the step is off the list
    app.step(
        &t.cadre_b,
        case,
        1,
        json!({"kind": "home_check", "findings": "房屋倒塌，借住亲戚家",
        "asset_check_consent_signed": true, "visited_on": app.day(0)}),
    )
    .await;
    assert_eq!(
        app.get_json(&t.admin, "/api/v1/cases/overdue").await,
        json!([])
    );
}

async fn rules_come_from_the_region(backend: Backend) {
    // a county rule set for 520526 asking 7 days of notice
    let dir = tempfile::tempdir().unwrap();
    let national = include_str!("../../../rules/national-2021.toml");
    std::fs::write(dir.path().join("national.toml"), national).unwrap();
    let county = national
        .replace("region = \"national\"", "region = \"520526\"")
        .replace("notice_min_days = 5", "notice_min_days = 7");
    assert_ne!(county, national);
    std::fs::write(dir.path().join("county.toml"), county).unwrap();
    let book = dixian_screen::RuleBook::load_dir(dir.path()).unwrap();
    let Some(app) = spawn(backend, |s| s.with_rules(book)).await else {
        return;
    };
    let t = team(&app).await;
    let a = app
        .household(&t.admin, "A-0001", VILLAGE_A, &[id("1970-03-01", 11)])
        .await;
    let r = app
        .post(
            &t.cadre_a,
            "/api/v1/leads",
            &json!({"channel": "cadre_sweep", "household_id": a, "note": "走访发现"}),
        )
        .await;
    let case = r.json::<Value>().await.unwrap()["case_id"]
        .as_i64()
        .unwrap();
    let mut v = village_steps(&app, &t, case, 1).await;
    app.step(&t.cadre_a, case, v, json!({"kind": "deliberation", "held_on": app.day(0), "attendees": 7, "approve": true, "note": ""})).await;
    v += 1;
    let five = json!({"kind": "notice_start", "start": app.day(0), "end": app.day(4)});
    let body = app
        .refused(&t.cadre_a, case, v, five, 422, "notice_too_short")
        .await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at least 7"),
        "{body}"
    );
    app.step(
        &t.cadre_a,
        case,
        v,
        json!({"kind": "notice_start", "start": app.day(0), "end": app.day(6)}),
    )
    .await;
    let events: Value = app
        .get_json(&t.cadre_a, &format!("/api/v1/cases/{case}"))
        .await;
    assert_eq!(events["events"].as_array().unwrap().len(), 4);
}

async fn declarations_are_rate_limited(backend: Backend) {
    let Some(app) = spawn(backend, |s| s.with_declarations_per_hour(2)).await else {
        return;
    };
    let ids = [
        id("1980-01-01", 31),
        id("1981-01-01", 41),
        id("1982-01-01", 51),
        id("1983-01-01", 61),
    ];
    let path = "/api/v1/public/declarations";
    let body = |i: usize| declaration("路人", &ids[i], VILLAGE_A);
    assert_eq!(app.public_post(path, &body(0)).await.status(), 201);
    assert_eq!(app.public_post(path, &body(1)).await.status(), 201);
    let r = app.public_post(path, &body(2)).await;
    assert_eq!(r.status(), 429);
    assert_eq!(
        r.json::<Value>().await.unwrap()["error"]["code"],
        "too_many_requests"
    );
    assert_eq!(app.count("leads").await, 2);
    app.advance(Duration::minutes(31));
    let r = app.public_post(path, &body(3)).await;
    assert_eq!(r.status(), 201, "a token back after half an hour");
}

async fn openapi_lists_the_case_api(backend: Backend) {
    let Some(app) = spawn(backend, |s| s).await else {
        return;
    };
    let doc: Value = app
        .public_get("/api/v1/openapi.json")
        .await
        .json()
        .await
        .unwrap();
    for p in [
        "/api/v1/leads",
        "/api/v1/public/declarations",
        "/api/v1/public/declarations/{reference}",
        "/api/v1/cases/{id}",
        "/api/v1/cases/{id}/events",
        "/api/v1/inbox",
        "/api/v1/cases/overdue",
        "/api/v1/households/{id}/timeline",
        "/api/v1/villages/{code}/notice",
        "/api/v1/cases/{id}/elimination-check",
        "/api/v1/households",
    ] {
        assert!(doc["paths"].get(p).is_some(), "openapi lacks {p}");
    }
    assert!(doc["components"]["schemas"].get("CaseEvent").is_some());
}

on_both_backends!(
    identification_to_elimination_and_back,
    unmatched_declarations_wait_for_the_village,
    overdue_cases_escalate,
    rules_come_from_the_region,
    declarations_are_rate_limited,
    openapi_lists_the_case_api,
);
