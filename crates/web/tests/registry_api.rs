//! The registry through the HTTP API, on SQLite and PostgreSQL: scope,
//! versions, one-person-one-household, bad input, masking, audit.

mod common;

use common::{App, Backend, household_json, id};
use dixian_domain::Role;
use serde_json::{Value, json};

const VILLAGE_A: &str = "520526001001";
const VILLAGE_A2: &str = "520526001002";
const VILLAGE_B: &str = "520526102001";

/// An app with a county admin, a cadre of village A and one household in
/// each of villages A and B.
async fn setup(backend: Backend) -> Option<(App, String, String, i64, i64)> {
    let app = common::spawn_app(backend).await?;
    let admin = app.user("admin", Role::CountyAdmin, "520526").await;
    let cadre = app.user("cadre_a", Role::VillageCadre, VILLAGE_A).await;
    let a = app
        .post(
            &admin,
            "/api/v1/households",
            &household_json(
                "A-0001",
                VILLAGE_A,
                &[id("1970-03-01", 11), id("1995-05-05", 12)],
            ),
        )
        .await;
    assert_eq!(a.status(), 201, "{}", a.text().await.unwrap());
    let a: Value = a.json().await.unwrap();
    let b = app
        .post(
            &admin,
            "/api/v1/households",
            &household_json("B-0001", VILLAGE_B, &[id("1965-01-02", 21)]),
        )
        .await;
    assert_eq!(b.status(), 201);
    let b: Value = b.json().await.unwrap();
    Some((
        app,
        admin,
        cadre,
        a["id"].as_i64().unwrap(),
        b["id"].as_i64().unwrap(),
    ))
}

async fn health_and_openapi(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    let h: Value = app
        .client
        .get(format!("{}/api/v1/health", app.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(h["status"], "ok");
    assert!(
        h["regions"].as_i64().unwrap() > 600,
        "county regions loaded: {h}"
    );
    let doc = app.openapi().await;
    for p in [
        "/api/v1/households",
        "/api/v1/households/{id}",
        "/api/v1/regions/{code}",
        "/api/v1/auth/login",
    ] {
        assert!(doc["paths"].get(p).is_some(), "openapi lacks {p}");
    }
    let r = app
        .client
        .get(format!("{}/api/v1/households", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

async fn cross_scope_is_denied(backend: Backend) {
    let Some((app, admin, cadre, a, b)) = setup(backend).await else {
        return;
    };
    // read: own village yes, other village 404 — by id, in lists, by region
    assert_eq!(
        app.get(&cadre, &format!("/api/v1/households/{a}"))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.get(&cadre, &format!("/api/v1/households/{b}"))
            .await
            .status(),
        404
    );
    let list: Value = app
        .get(&cadre, "/api/v1/households")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    let list: Value = app
        .get(&cadre, &format!("/api/v1/households?region={VILLAGE_B}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 0);
    assert_eq!(
        app.get(&cadre, &format!("/api/v1/regions/{VILLAGE_B}"))
            .await
            .status(),
        404
    );
    // write: update and create in village B are refused and change nothing
    let before = app.count("audit_log").await;
    let upd = json!({"version": 1, "household": household_json("B-0001", VILLAGE_B, &[id("1965-01-02", 21)])});
    assert_eq!(
        app.put(&cadre, &format!("/api/v1/households/{b}"), &upd)
            .await
            .status(),
        404
    );
    let new_b = household_json("B-0002", VILLAGE_B, &[id("1980-01-01", 31)]);
    assert_eq!(
        app.post(&cadre, "/api/v1/households", &new_b)
            .await
            .status(),
        404
    );
    // moving own household into another village is refused too
    let moved = json!({"version": 1, "household": household_json("A-0001", VILLAGE_A2, &[id("1970-03-01", 11)])});
    assert_eq!(
        app.put(&cadre, &format!("/api/v1/households/{a}"), &moved)
            .await
            .status(),
        404
    );
    assert_eq!(app.count("households").await, 2);
    assert_eq!(app.count("audit_log").await, before);
    // the county admin sees both
    let list: Value = app
        .get(&admin, "/api/v1/households")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 2);
}

async fn stale_version_conflicts(backend: Backend) {
    let Some((app, admin, cadre, a, _)) = setup(backend).await else {
        return;
    };
    let mut h = household_json(
        "A-0001",
        VILLAGE_A,
        &[id("1970-03-01", 11), id("1995-05-05", 12)],
    );
    h["address"] = json!("新地址");
    let r = app
        .put(
            &cadre,
            &format!("/api/v1/households/{a}"),
            &json!({"version": 1, "household": h}),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["version"], 2);
    // the admin still holds version 1
    h["address"] = json!("覆盖");
    let r = app
        .put(
            &admin,
            &format!("/api/v1/households/{a}"),
            &json!({"version": 1, "household": h}),
        )
        .await;
    assert_eq!(r.status(), 409);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "conflict");
    let now: Value = app
        .get(&admin, &format!("/api/v1/households/{a}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(now["household"]["address"], "新地址");
    assert_eq!(now["version"], 2);
}

async fn one_person_one_household(backend: Backend) {
    let Some((app, admin, _, _, b)) = setup(backend).await else {
        return;
    };
    let before = (app.count("households").await, app.count("members").await);
    // a new household whose second member is already in household A-0001
    let dup = household_json(
        "A-0009",
        VILLAGE_A2,
        &[id("1990-01-01", 41), id("1995-05-05", 12)],
    );
    let r = app.post(&admin, "/api/v1/households", &dup).await;
    assert_eq!(r.status(), 422);
    let msg = r.json::<Value>().await.unwrap()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        msg.contains("A-0001"),
        "names the household that has the person: {msg}"
    );
    assert!(msg.contains("member 2"), "names the member: {msg}");
    assert!(
        !msg.contains(&id("1995-05-05", 12)),
        "no full ID in messages: {msg}"
    );
    // adding that person to household B is refused the same way
    let r = app
        .post(
            &admin,
            &format!("/api/v1/households/{b}/members"),
            &json!({"version": 1, "member": dup["members"][1]}),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        (app.count("households").await, app.count("members").await),
        before
    );
}

async fn bad_input_is_refused(backend: Backend) {
    let Some((app, admin, _, _, _)) = setup(backend).await else {
        return;
    };
    let before = app.count("households").await;
    // a village code that does not exist
    let r = app
        .post(
            &admin,
            "/api/v1/households",
            &household_json("X-1", "520526001999", &[id("1980-01-01", 51)]),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("520526001999"));
    // a wrong check digit: rejected while reading the body
    let mut bad = id("1980-01-01", 52);
    let last = if bad.ends_with('0') { '1' } else { '0' };
    bad.replace_range(17..18, &last.to_string());
    let r = app
        .post(
            &admin,
            "/api/v1/households",
            &household_json("X-2", VILLAGE_A, &[bad]),
        )
        .await;
    assert!(r.status().is_client_error());
    assert!(r.text().await.unwrap().contains("check digit"));
    // no head
    let mut h = household_json("X-3", VILLAGE_A, &[id("1980-01-01", 53)]);
    h["members"][0]["relation"] = json!("child");
    let r = app.post(&admin, "/api/v1/households", &h).await;
    assert_eq!(r.status(), 422);
    assert_eq!(app.count("households").await, before);
}

async fn roles_and_masking(backend: Backend) {
    let Some((app, _, cadre, a, _)) = setup(backend).await else {
        return;
    };
    let officer = app.user("officer", Role::DataOfficer, "520526").await;
    let viewer = app.user("viewer", Role::Viewer, "52").await;
    // masked for the cadre too until revealed, then in full (audited)
    let masked: Value = app
        .get(&cadre, &format!("/api/v1/households/{a}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        masked["household"]["members"][0]["id_number"],
        format!("520526********{}", &id("1970-03-01", 11)[14..])
    );
    let full: Value = app
        .get(&cadre, &format!("/api/v1/households/{a}?reveal=true"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        full["household"]["members"][0]["id_number"],
        id("1970-03-01", 11)
    );
    let masked: Value = app
        .get(&officer, &format!("/api/v1/households/{a}"))
        .await
        .json()
        .await
        .unwrap();
    let m = masked["household"]["members"][0]["id_number"]
        .as_str()
        .unwrap();
    assert_eq!(m, format!("520526********{}", &id("1970-03-01", 11)[14..]));
    assert_eq!(masked["household"]["members"][0]["phone"], "138****1234");
    assert_eq!(
        app.get(&officer, &format!("/api/v1/households/{a}?reveal=true"))
            .await
            .status(),
        403,
        "the officer's work does not need them"
    );
    // lists always mask
    let list: Value = app
        .get(&cadre, "/api/v1/households")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        list["items"][0]["head_id_number"]
            .as_str()
            .unwrap()
            .contains("********")
    );
    // the viewer reads no households and the officer writes none
    assert_eq!(
        app.get(&viewer, &format!("/api/v1/households/{a}"))
            .await
            .status(),
        403
    );
    let r = app
        .post(
            &officer,
            "/api/v1/households",
            &household_json("O-1", VILLAGE_A, &[id("1981-01-01", 61)]),
        )
        .await;
    assert_eq!(r.status(), 403);
}

async fn search_and_audit(backend: Backend) {
    let Some((app, admin, _, a, _)) = setup(backend).await else {
        return;
    };
    let suffix = &id("1995-05-05", 12)[14..];
    let list: Value = app
        .get(&admin, &format!("/api/v1/households?id_number={suffix}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], a);
    let list: Value = app
        .get(&admin, "/api/v1/households?name=%E5%BC%A0")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 2);
    let hist = dixian_store::audit::history(&app.store.pool, "household", &a.to_string())
        .await
        .unwrap();
    assert_eq!(hist.len(), 1);
    assert_eq!(hist[0].action, "create");
    assert!(hist[0].user_id.is_some());
    assert_eq!(
        dixian_store::audit::verify_chain(&app.store.pool)
            .await
            .unwrap(),
        None
    );
    // an edit in place is detected
    app.store
        .pool
        .execute(dixian_store::db::q(
            "UPDATE audit_log SET after = '{}' WHERE seq = 3",
        ))
        .await
        .unwrap();
    assert_eq!(
        dixian_store::audit::verify_chain(&app.store.pool)
            .await
            .unwrap(),
        Some(3)
    );
}

/// The pages go through the same scope: a cadre logged in with a cookie
/// cannot open, edit or post to a household of another village.
async fn pages_deny_cross_scope(backend: Backend) {
    let Some((app, _, _, a, b)) = setup(backend).await else {
        return;
    };
    let login = app
        .client
        .post(format!("{}/login", app.url))
        .header(reqwest::header::ORIGIN, &app.url)
        .form(&[("username", "cadre_a"), ("password", common::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(
        login.status().is_success(),
        "login redirects to the village list"
    );
    let page = |p: String| app.client.get(format!("{}{p}", app.url)).send();
    assert_eq!(
        page(format!("/households/{a}")).await.unwrap().status(),
        200
    );
    assert_eq!(
        page(format!("/households/{b}")).await.unwrap().status(),
        404
    );
    assert_eq!(
        page(format!("/households/{b}/edit"))
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        page(format!("/households/{b}/members/0/edit"))
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        page(format!("/regions/{VILLAGE_B}"))
            .await
            .unwrap()
            .status(),
        404
    );
    let before = app.count("audit_log").await;
    let post = app
        .client
        .post(format!("{}/households/{b}/edit", app.url))
        .header(reqwest::header::ORIGIN, &app.url)
        .form(&[
            ("version", "1"),
            ("number", "B-0001"),
            ("village", VILLAGE_B),
            ("address", "x"),
            ("housing", "A"),
            ("water", "secure"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 404);
    assert_eq!(app.count("audit_log").await, before);
    // own household: the list page and the card mask IDs; the card's
    // "show in full" button shows them to a cadre
    let list = page(format!("/households?region={VILLAGE_A}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("A-0001") && !list.contains(&id("1970-03-01", 11)));
    let card = page(format!("/households/{a}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(card.contains("A-0001") && !card.contains(&id("1970-03-01", 11)));
    let reveal = |h: i64| {
        app.client
            .post(format!("{}/households/{h}/reveal", app.url))
            .header(reqwest::header::ORIGIN, &app.url)
            .form(&[("reason", "入户核实")])
            .send()
    };
    let card = reveal(a).await.unwrap().text().await.unwrap();
    assert!(card.contains(&id("1970-03-01", 11)));
    assert_eq!(reveal(b).await.unwrap().status(), 404);
}

/// Health details of the registry (illness, disability) reach the roles
/// that record or review them, not a data officer: absent from the API's
/// answer (named in `withheld`) and not shown on the card.
async fn health_is_withheld_from_the_data_officer(backend: Backend) {
    let Some((app, _, cadre, a, _)) = setup(backend).await else {
        return;
    };
    let officer = app.user("officer", Role::DataOfficer, "520526").await;
    let read = |token: String| {
        let app = &app;
        async move {
            app.get(&token, &format!("/api/v1/households/{a}"))
                .await
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let seen = read(cadre).await;
    let members = seen["household"]["members"].as_array().unwrap();
    assert!(!members.is_empty());
    assert!(members.iter().all(|m| m["illness"] == "healthy"), "{seen}");
    assert!(seen.get("withheld").is_none(), "{seen}");
    let withheld = read(officer).await;
    let members = withheld["household"]["members"].as_array().unwrap();
    assert!(!members.is_empty());
    for m in members {
        for field in ["illness", "disability_kind", "disability_grade"] {
            assert!(m.get(field).is_none(), "{field} reached the officer: {m}");
        }
    }
    assert_eq!(
        withheld["withheld"],
        json!(["illness", "disability_kind", "disability_grade"])
    );
    // The card: the officer sees that health is not shown, the cadre sees it.
    let card = |user: &'static str| {
        let app = &app;
        async move {
            let login = app
                .client
                .post(format!("{}/login", app.url))
                .header(reqwest::header::ORIGIN, &app.url)
                .form(&[("username", user), ("password", common::PASSWORD)])
                .send()
                .await
                .unwrap();
            assert!(login.status().is_success());
            let r = app
                .client
                .get(format!("{}/households/{a}", app.url))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.text().await.unwrap()
        }
    };
    let page = card("officer").await;
    assert!(page.contains("不显示（无权查看健康信息）"), "{page}");
    let page = card("cadre_a").await;
    assert!(!page.contains("不显示（无权查看健康信息）"), "{page}");
    assert!(page.contains("健康"), "{page}");
}

on_both_backends!(
    health_and_openapi,
    cross_scope_is_denied,
    stale_version_conflicts,
    one_person_one_household,
    bad_input_is_refused,
    roles_and_masking,
    search_and_audit,
    pages_deny_cross_scope,
    health_is_withheld_from_the_data_officer,
);
