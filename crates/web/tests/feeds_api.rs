//! Department feed upload through the API, on both backends: a data
//! officer's upload lands as a batch, a retry with the same
//! Idempotency-Key is answered without a second batch, a village cadre is
//! refused; another county uploading the same file (and key) gets its own
//! batch, its own person matched, and never hears of the first.

mod common;

use common::{Backend, household_json, id};
use dixian_domain::Role;
use serde_json::Value;

fn medical(person: &str) -> Vec<u8> {
    format!("身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付\n{person},张三,2026-05-01,住院,40000,25000,15000\n").into_bytes()
}

async fn upload(app: &common::App, token: &str, bytes: Vec<u8>, key: &str) -> reqwest::Response {
    app.upload_feed(token, "medical", bytes, Some(key)).await
}

async fn upload_is_idempotent(backend: Backend) {
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
            &household_json("F-1", "520526001001", std::slice::from_ref(&person)),
        )
        .await;
    assert_eq!(r.status(), 201);

    let r = upload(&app, &officer, medical(&person), "k-1").await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["outcome"]["outcome"], "loaded");
    assert_eq!(v["outcome"]["matched"], 1);
    let again: Value = upload(&app, &officer, medical(&person), "k-1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["outcome"]["outcome"], "already_loaded");
    assert_eq!(app.count("feed_batches").await, 1);
    assert_eq!(
        upload(&app, &cadre, medical(&person), "k-2").await.status(),
        403
    );
    let doc = app.openapi().await;
    assert!(doc["paths"].get("/api/v1/feeds/{kind}").is_some());
}

fn id_in(county: &str, birth: &str, seq: u16) -> String {
    let d = chrono::NaiveDate::parse_from_str(birth, "%Y-%m-%d").unwrap();
    dixian_domain::IdNumber::from_parts(county, d, seq)
        .unwrap()
        .as_str()
        .to_string()
}

async fn same_file_in_another_county(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    let county_b = dixian_domain::RegionCode::parse("520527").unwrap();
    dixian_store::regions::import(
        &app.store.pool,
        &common::divisions(),
        Some(&county_b),
        |_, _, _| {},
    )
    .await
    .unwrap();
    let village_b = dixian_store::regions::villages_in(&app.store.pool, &county_b)
        .await
        .unwrap()[0]
        .code
        .clone();
    let admin_a = app.user("admin_a", Role::CountyAdmin, "520526").await;
    let officer_a = app.user("officer_a", Role::DataOfficer, "520526").await;
    let admin_b = app.user("admin_b", Role::CountyAdmin, "520527").await;
    let officer_b = app.user("officer_b", Role::DataOfficer, "520527").await;
    let (person_a, person_b) = (id("1970-03-01", 11), id_in("520527", "1981-04-04", 23));
    for (token, number, village, person) in [
        (&admin_a, "A-1", "520526001001", &person_a),
        (&admin_b, "B-1", village_b.as_str(), &person_b),
    ] {
        let body = household_json(number, village, std::slice::from_ref(person));
        assert_eq!(
            app.post(token, "/api/v1/households", &body).await.status(),
            201
        );
    }
    // one province-wide file with both persons, uploaded under one key
    let file = format!(
        "身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付\n\
         {person_a},张三,2026-05-01,住院,40000,25000,15000\n\
         {person_b},李四,2026-05-02,住院,30000,20000,10000\n"
    )
    .into_bytes();
    let a: Value = upload(&app, &officer_a, file.clone(), "province-2026-05")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(a["outcome"]["outcome"], "loaded", "{a}");
    assert_eq!(
        (
            a["outcome"]["matched"].as_u64(),
            a["outcome"]["unknown"].as_u64()
        ),
        (Some(1), Some(1))
    );
    let r = upload(&app, &officer_b, file.clone(), "province-2026-05").await;
    assert_eq!(
        r.status(),
        200,
        "the other county's key is not this county's"
    );
    let b: Value = r.json().await.unwrap();
    assert_eq!(
        b["outcome"]["outcome"], "loaded",
        "county B's own batch: {b}"
    );
    assert_eq!(
        (
            b["outcome"]["matched"].as_u64(),
            b["outcome"]["unknown"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_ne!(b["outcome"]["batch_id"], a["outcome"]["batch_id"]);
    // again: each county is told of its own batch
    for (token, first) in [(&officer_a, &a), (&officer_b, &b)] {
        let again: Value = upload(&app, token, file.clone(), "province-2026-05")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(again["outcome"]["outcome"], "already_loaded");
        assert_eq!(again["outcome"]["batch_id"], first["outcome"]["batch_id"]);
    }
    // each county lists its own batch only
    for (token, first) in [(&officer_a, &a), (&officer_b, &b)] {
        let list: Value = app.get(token, "/api/v1/feeds").await.json().await.unwrap();
        let ids: Vec<&Value> = list.as_array().unwrap().iter().map(|b| &b["id"]).collect();
        assert_eq!(ids, vec![&first["outcome"]["batch_id"]]);
    }
}

on_both_backends!(upload_is_idempotent, same_file_in_another_county);
