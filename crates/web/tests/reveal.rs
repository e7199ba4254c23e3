//! Personal data on both backends (issue 9, PIPL least necessary, 等保 2.0
//! 安全审计): full ID numbers and phones are masked by default for every
//! role, on pages and in the API; a role whose work needs them reveals
//! them for one record by an explicit action, and each reveal is exactly
//! one audit row that names the record and the reason, never the values.
//! A role that may not reveal gets 403, another village's record 404, and
//! neither writes an audit row. Exports of the notice are logged; the
//! registry export (the CLI's `households export`; the web has none)
//! needs a reason and is logged with it.

mod common;

use common::{App, Backend, household_json, id};
use dixian_domain::{RegionCode, Role, Scope};
use dixian_store::audit::{self, AuditRecord};
use dixian_store::db::q;
use dixian_store::privacy;
use dixian_store::{Actor, StoreError};
use reqwest::StatusCode;
use serde_json::{Value, json};

const VILLAGE_A: &str = "520526001001";
const VILLAGE_B: &str = "520526001002";
const TOWNSHIP_A: &str = "520526001";
/// The phone of every member made by `household_json`.
const PHONE: &str = "13800001234";

struct Setup {
    app: App,
    admin: String,
    cadre: String,
    other_cadre: String,
    town: String,
    officer: String,
    viewer: String,
    /// The household of village A.
    a: i64,
    /// Its head's ID number.
    head: String,
}

async fn setup(backend: Backend) -> Option<Setup> {
    let app = common::spawn_app(backend).await?;
    let admin = app.user("admin", Role::CountyAdmin, "520526").await;
    let cadre = app.user("cadre", Role::VillageCadre, VILLAGE_A).await;
    let other_cadre = app.user("other", Role::VillageCadre, VILLAGE_B).await;
    let town = app.user("town", Role::TownshipReviewer, TOWNSHIP_A).await;
    let officer = app.user("officer", Role::DataOfficer, "520526").await;
    let viewer = app.user("viewer", Role::Viewer, "52").await;
    let head = id("1970-03-01", 11);
    let body = household_json("A-0001", VILLAGE_A, &[head.clone(), id("1995-05-05", 12)]);
    let r = app.post(&admin, "/api/v1/households", &body).await;
    assert_eq!(r.status(), 201);
    let a = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    Some(Setup {
        app,
        admin,
        cadre,
        other_cadre,
        town,
        officer,
        viewer,
        a,
        head,
    })
}

/// A page form posted from the app's own origin, as its pages do.
async fn page_post(app: &App, token: &str, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .post(format!("{}{path}", app.url))
        .bearer_auth(token)
        .header(reqwest::header::ORIGIN, &app.url)
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn count_action(app: &App, action: &str) -> i64 {
    let (n,): (i64,) = app
        .store
        .pool
        .one(q("SELECT COUNT(*) FROM audit_log WHERE action = $1").bind(action))
        .await
        .unwrap();
    n
}

async fn rows_of(app: &App, entity: &str, id: &str, action: &str) -> Vec<AuditRecord> {
    audit::history(&app.store.pool, entity, id)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action == action)
        .collect()
}

/// Nothing of `secrets` anywhere in an audit row.
fn carries_none(r: &AuditRecord, secrets: &[&str]) {
    let all = format!(
        "{} {} {:?} {:?} {:?}",
        r.entity, r.entity_id, r.region_code, r.before, r.after
    );
    for s in secrets {
        assert!(!all.contains(s), "the audit row carries a value: {all}");
    }
}

/// Every role that reads households gets them masked, in the API and on
/// the card, without asking; the viewer reads none.
async fn masked_by_default_for_every_role(backend: Backend) {
    let Some(s) = setup(backend).await else {
        return;
    };
    let app = &s.app;
    for (who, token) in [
        ("cadre", &s.cadre),
        ("township", &s.town),
        ("county", &s.admin),
        ("officer", &s.officer),
    ] {
        let r = app.get(token, &format!("/api/v1/households/{}", s.a)).await;
        assert_eq!(r.status(), 200, "{who}");
        let v: Value = r.json().await.unwrap();
        let text = v.to_string();
        assert!(
            !text.contains(&s.head) && !text.contains(PHONE),
            "{who}: the API masks by default: {text}"
        );
        assert_eq!(
            v["household"]["members"][0]["id_number"],
            format!("520526********{}", &s.head[14..]),
            "{who}"
        );
        assert_eq!(v["household"]["members"][0]["phone"], "138****1234");
        let page = app
            .get(token, &format!("/households/{}", s.a))
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("A-0001"), "{who}: the card");
        assert!(
            !page.contains(&s.head) && !page.contains(PHONE),
            "{who}: the card masks by default"
        );
        let may = who != "officer";
        assert_eq!(
            page.contains("id=\"reveal\""),
            may,
            "{who}: the reveal button only for roles that may reveal"
        );
    }
    assert_eq!(
        app.get(&s.viewer, &format!("/api/v1/households/{}", s.a))
            .await
            .status(),
        403
    );
    // the member form of the card does not show them either
    let form = app
        .get(&s.cadre, &format!("/households/{}/members/0/edit", s.a))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        form.contains("m_id_number") && !form.contains(&s.head) && !form.contains(PHONE),
        "the member form masks"
    );
    assert_eq!(count_action(app, "reveal").await, 0, "nothing revealed");
}

/// A cadre reveals in the API and on the card; each reveal is one audit
/// row with the reason and without the values; the timeline stays the
/// household's history of changes.
async fn reveal_shows_and_is_audited(backend: Backend) {
    let Some(s) = setup(backend).await else {
        return;
    };
    let app = &s.app;
    let a = s.a.to_string();
    let r = app
        .get(
            &s.cadre,
            &format!(
                "/api/v1/households/{a}?reveal=true&reason=%E5%85%A5%E6%88%B7%E6%A0%B8%E5%AE%9E"
            ),
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["household"]["members"][0]["id_number"], s.head.as_str());
    assert_eq!(v["household"]["members"][0]["phone"], PHONE);
    let rows = rows_of(app, "household", &a, "reveal").await;
    assert_eq!(rows.len(), 1, "one reveal, one audit row");
    let row = &rows[0];
    assert!(row.user_id.is_some(), "who revealed");
    assert_eq!(row.region_code.as_deref(), Some(VILLAGE_A));
    assert!(
        row.after
            .as_deref()
            .unwrap_or_default()
            .contains("入户核实"),
        "the reason is kept: {:?}",
        row.after
    );
    carries_none(row, &[&s.head, PHONE, "13800001234"]);

    // the card: a form button from the app's own page
    let page = page_post(
        app,
        &s.town,
        &format!("/households/{a}/reveal"),
        &[("reason", "复核")],
    )
    .await;
    assert_eq!(page.status(), 200);
    let text = page.text().await.unwrap();
    assert!(
        text.contains(&s.head) && text.contains(PHONE),
        "the card in full after the reveal"
    );
    assert!(!text.contains("id=\"reveal\""), "no second button");
    let rows = rows_of(app, "household", &a, "reveal").await;
    assert_eq!(rows.len(), 2);
    assert!(
        rows[1]
            .after
            .as_deref()
            .unwrap_or_default()
            .contains("复核")
    );
    // without a reason, still one row
    let page = page_post(app, &s.admin, &format!("/households/{a}/reveal"), &[]).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains(&s.head));
    let rows = rows_of(app, "household", &a, "reveal").await;
    assert_eq!(rows.len(), 3);
    for r in &rows {
        carries_none(r, &[&s.head, PHONE]);
    }
    // another site cannot make a browser reveal (same-origin page writes)
    let forged = app
        .client
        .post(format!("{}/households/{a}/reveal", app.url))
        .bearer_auth(&s.cadre)
        .header(reqwest::header::ORIGIN, "http://evil.example")
        .form(&[("reason", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(count_action(app, "reveal").await, 3);
    // the plain card is masked again
    let page = app
        .get(&s.cadre, &format!("/households/{a}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains(&s.head));
    // the timeline lists changes, not views
    let tl: Value = app
        .get(&s.cadre, &format!("/api/v1/households/{a}/timeline"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        !tl.as_array().unwrap().is_empty(),
        "the timeline has the household's changes: {tl}"
    );
    assert!(
        tl.as_array().unwrap().iter().all(|e| e["what"] != "reveal"),
        "{tl}"
    );
    assert_eq!(audit::verify_chain(&app.store.pool).await.unwrap(), None);
}

/// Roles whose work does not need the values get 403, another village's
/// cadre 404; none of them writes an audit row.
async fn reveal_refused(backend: Backend) {
    let Some(s) = setup(backend).await else {
        return;
    };
    let app = &s.app;
    let a = s.a;
    let api = format!("/api/v1/households/{a}?reveal=true");
    let card = format!("/households/{a}/reveal");
    assert_eq!(app.get(&s.officer, &api).await.status(), 403);
    assert_eq!(app.get(&s.viewer, &api).await.status(), 403);
    assert_eq!(page_post(app, &s.officer, &card, &[]).await.status(), 403);
    assert_eq!(page_post(app, &s.viewer, &card, &[]).await.status(), 403);
    assert_eq!(app.get(&s.other_cadre, &api).await.status(), 404);
    let r = page_post(app, &s.other_cadre, &card, &[]).await;
    assert_eq!(r.status(), 404);
    assert!(!r.text().await.unwrap().contains(&s.head));
    assert_eq!(
        app.get(&s.cadre, "/api/v1/households/999999?reveal=true")
            .await
            .status(),
        404
    );
    assert_eq!(count_action(app, "reveal").await, 0);
}

/// The member form shows masked values; saving it unchanged keeps the
/// stored ID number and phone, a new one replaces them. The API's update
/// does the same with a household read masked.
async fn masked_values_sent_back_are_kept(backend: Backend) {
    let Some(s) = setup(backend).await else {
        return;
    };
    let app = &s.app;
    let a = s.a;
    let masked_id = format!("520526********{}", &s.head[14..]);
    let form = |version: &str, idn: &str, phone: &str, name: &str| {
        vec![
            ("version".to_string(), version.to_string()),
            ("m_id_number".into(), idn.to_string()),
            ("m_name".into(), name.to_string()),
            ("m_relation".into(), "head".into()),
            ("m_labor".into(), "full".into()),
            ("m_illness".into(), "healthy".into()),
            ("m_insurance".into(), "insured".into()),
            ("m_employment".into(), "farming".into()),
            ("m_phone".into(), phone.to_string()),
        ]
    };
    let post = |f: Vec<(String, String)>| {
        app.client
            .post(format!("{}/households/{a}/members/0/edit", app.url))
            .bearer_auth(&s.cadre)
            .header(reqwest::header::ORIGIN, &app.url)
            .form(&f)
            .send()
    };
    let r = post(form("1", &masked_id, "138****1234", "张三丰"))
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let v: Value = app
        .get(
            &s.admin,
            &format!("/api/v1/households/{a}?reveal=true&reason=test"),
        )
        .await
        .json()
        .await
        .unwrap();
    let m = &v["household"]["members"][0];
    assert_eq!(m["name"], "张三丰", "{v}");
    assert_eq!(m["id_number"], s.head.as_str(), "the ID kept");
    assert_eq!(m["phone"], PHONE, "the phone kept");
    let r = post(form("2", &s.head, "13900009999", "张三丰"))
        .await
        .unwrap();
    assert!(r.status().is_success());
    let v: Value = app
        .get(
            &s.admin,
            &format!("/api/v1/households/{a}?reveal=true&reason=test"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["household"]["members"][0]["phone"], "13900009999");

    // the API the same way: read masked, change the income, send it back
    let cur: Value = app
        .get(&s.cadre, &format!("/api/v1/households/{a}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(!cur.to_string().contains(&s.head));
    let mut h = cur["household"].clone();
    h["income"]["wage"] = json!(12345);
    let path = format!("/api/v1/households/{a}");
    let r = app
        .put(
            &s.cadre,
            &path,
            &json!({"version": cur["version"], "household": h.clone()}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = app
        .get(
            &s.admin,
            &format!("/api/v1/households/{a}?reveal=true&reason=test"),
        )
        .await
        .json()
        .await
        .unwrap();
    let members = &v["household"]["members"];
    assert_eq!(v["household"]["income"]["wage"], 12345);
    assert_eq!(members[0]["id_number"], s.head.as_str(), "{v}");
    assert_eq!(members[1]["id_number"], id("1995-05-05", 12).as_str());
    assert_eq!(members[0]["phone"], "13900009999");
    assert_eq!(members[1]["phone"], PHONE);
    // a mask that stands for no member is refused, and not quoted back
    h["members"][0]["id_number"] = json!("110105********0000");
    let r = app
        .put(
            &s.cadre,
            &path,
            &json!({"version": v["version"], "household": h}),
        )
        .await;
    assert_eq!(r.status(), 422);
    let text = r.text().await.unwrap();
    assert!(!text.contains("110105"), "{text}");
}

fn medical(person: &str, day: &str, self_paid: u32) -> Vec<u8> {
    format!(
        "身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付,诊断\n{person},张三,{day},住院,{},{},{self_paid},肺炎\n",
        self_paid * 3,
        self_paid * 2
    )
    .into_bytes()
}

/// A warning names a person: masked by default in its API and page (the
/// evidence rows too), revealed by the cadre with one audit row.
async fn warning_reveal(backend: Backend) {
    let Some(s) = setup(backend).await else {
        return;
    };
    let app = &s.app;
    let r = app
        .upload_feed(
            &s.officer,
            "medical",
            medical(&s.head, "2026-05-01", 15000),
            None,
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .post_job(
            &s.officer,
            "/api/v1/screening/runs",
            &json!({"as_of": "2026-05-10"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let list: Value = app
        .get(&s.cadre, "/api/v1/warnings")
        .await
        .json()
        .await
        .unwrap();
    let wid = list["warnings"][0]["id"].as_i64().expect("a warning");
    for token in [&s.cadre, &s.town, &s.admin] {
        let d: Value = app
            .get(token, &format!("/api/v1/warnings/{wid}"))
            .await
            .json()
            .await
            .unwrap();
        assert!(
            !d.to_string().contains(&s.head),
            "masked by default, evidence included: {d}"
        );
        assert_eq!(d["evidence"].as_array().unwrap().len(), 1);
        let page = app
            .get(token, &format!("/warnings/{wid}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(!page.contains(&s.head), "the warning page masks");
        assert!(page.contains("id=\"reveal\""), "with the reveal button");
    }
    let d: Value = app
        .get(&s.cadre, &format!("/api/v1/warnings/{wid}?reveal=true"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["warning"]["person_id_number"], s.head.as_str());
    assert!(d["evidence"][0]["payload"].is_object(), "{d}");
    assert_eq!(
        d["evidence"][0]["payload"]["id_number"],
        s.head.as_str(),
        "{d}"
    );
    let page = page_post(
        app,
        &s.cadre,
        &format!("/warnings/{wid}/reveal"),
        &[("reason", "入户")],
    )
    .await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains(&s.head));
    let rows = rows_of(app, "warning", &wid.to_string(), "reveal").await;
    assert_eq!(rows.len(), 2, "two reveals, two rows");
    for r in &rows {
        assert_eq!(r.region_code.as_deref(), Some(VILLAGE_A));
        carries_none(r, &[&s.head]);
    }
    // not for the officer (no warnings at all) nor another village
    assert_eq!(
        app.get(&s.officer, &format!("/api/v1/warnings/{wid}?reveal=true"))
            .await
            .status(),
        403
    );
    assert_eq!(
        app.get(
            &s.other_cadre,
            &format!("/api/v1/warnings/{wid}?reveal=true")
        )
        .await
        .status(),
        404
    );
    assert_eq!(
        page_post(app, &s.other_cadre, &format!("/warnings/{wid}/reveal"), &[])
            .await
            .status(),
        404
    );
    assert_eq!(count_action(app, "reveal").await, 2);
}

/// The village notice (no IDs, no phones) is exported without a reason,
/// and the export is logged with the village and the row count.
async fn notice_export_is_logged(backend: Backend) {
    let Some(s) = setup(backend).await else {
        return;
    };
    let app = &s.app;
    let r = app
        .get(&s.cadre, &format!("/villages/{VILLAGE_A}/notice.xlsx"))
        .await;
    assert_eq!(r.status(), 200);
    let rows = rows_of(app, "notice", VILLAGE_A, "export").await;
    assert_eq!(rows.len(), 1, "the workbook's export logged");
    assert_eq!(rows[0].region_code.as_deref(), Some(VILLAGE_A));
    assert!(
        rows[0]
            .after
            .as_deref()
            .unwrap_or_default()
            .contains("\"rows\":0"),
        "{:?}",
        rows[0].after
    );
    // another village's notice: 404, nothing logged
    assert_eq!(
        app.get(
            &s.other_cadre,
            &format!("/villages/{VILLAGE_A}/notice.xlsx")
        )
        .await
        .status(),
        404
    );
    assert_eq!(count_action(app, "export").await, 1);
}

fn actor(role: Role, region: &str) -> Actor {
    Actor {
        user_id: None,
        scope: Scope {
            role,
            region: RegionCode::parse(region).unwrap(),
        },
    }
}

/// The registry export (what `dixian households export` runs): refused
/// without a reason and for roles that may not see personal data, before
/// a row is read; with a reason, one audit row with the region, the row
/// count and the reason, never an ID number.
async fn registry_export_needs_reason(backend: Backend) {
    let Some(s) = setup(backend).await else {
        return;
    };
    let app = &s.app;
    let pool = &app.store.pool;
    let county = RegionCode::parse("520526").unwrap();
    let operator = Actor::operator(county.clone());
    let mut seen = 0;
    for blank in [None, Some(""), Some("  \n ")] {
        let e = privacy::export_households(pool, &operator, &county, "csv", blank, |_| {
            seen += 1;
            Ok(())
        })
        .await
        .unwrap_err();
        assert!(
            matches!(
                e,
                StoreError::Refused(dixian_store::Refusal::ReasonRequired)
            ),
            "{e}"
        );
        assert!(e.to_string().contains("导出个人信息须填写事由"), "{e}");
    }
    assert_eq!(seen, 0, "no row read without a reason");
    for (who, role, region) in [
        ("officer", Role::DataOfficer, "520526"),
        ("viewer", Role::Viewer, "52"),
    ] {
        let e = privacy::export_households(
            pool,
            &actor(role, region),
            &county,
            "csv",
            Some("统计"),
            |_| {
                seen += 1;
                Ok(())
            },
        )
        .await
        .unwrap_err();
        assert!(matches!(e, StoreError::Forbidden), "{who}: {e}");
    }
    let e = privacy::export_households(
        pool,
        &actor(Role::VillageCadre, VILLAGE_B),
        &RegionCode::parse(VILLAGE_A).unwrap(),
        "csv",
        Some("核对"),
        |_| Ok(()),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, StoreError::NotFound), "another village: {e}");
    assert_eq!(seen, 0);
    assert_eq!(count_action(app, "export").await, 0, "refusals log nothing");

    let mut ids = Vec::new();
    let n = privacy::export_households(
        pool,
        &operator,
        &county,
        "xlsx",
        Some("县局核对低保名单 52052619700301011X"),
        |h| {
            ids.extend(
                h.household
                    .members
                    .iter()
                    .map(|m| m.id_number.as_str().to_string()),
            );
            Ok(())
        },
    )
    .await
    .unwrap();
    assert_eq!(n, 1);
    assert!(
        ids.contains(&s.head),
        "the export carries the registry in full"
    );
    let rows = rows_of(app, "households", "520526", "export").await;
    assert_eq!(rows.len(), 1);
    let after = rows[0].after.as_deref().unwrap();
    assert!(
        after.contains("\"rows\":1")
            && after.contains("县局核对低保名单")
            && after.contains("xlsx"),
        "{after}"
    );
    assert_eq!(rows[0].region_code.as_deref(), Some("520526"));
    carries_none(&rows[0], &[&s.head, "52052619700301011X", PHONE]);
    // a village cadre's export is the village's, and is logged as such
    let n = privacy::export_households(
        pool,
        &actor(Role::VillageCadre, VILLAGE_A),
        &county,
        "csv",
        Some("入户走访名单"),
        |_| Ok(()),
    )
    .await
    .unwrap();
    assert_eq!(n, 1);
    assert_eq!(
        rows_of(app, "households", VILLAGE_A, "export").await.len(),
        1
    );
    // a sink that fails part-way: the rows it was given are logged
    let e = privacy::export_households(pool, &operator, &county, "csv", Some("备份"), |_| {
        Err(StoreError::Invalid("disk full".into()))
    })
    .await
    .unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)));
    assert_eq!(count_action(app, "export").await, 3);
    assert_eq!(audit::verify_chain(pool).await.unwrap(), None);
}

on_both_backends!(
    masked_by_default_for_every_role,
    reveal_shows_and_is_audited,
    reveal_refused,
    masked_values_sent_back_are_kept,
    warning_reveal,
    notice_export_is_logged,
    registry_export_needs_reason,
);
