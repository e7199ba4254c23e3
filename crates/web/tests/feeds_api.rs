//! Department feed upload through the API, on both backends: a data
//! officer's upload lands as a batch, a retry with the same
//! Idempotency-Key is answered without a second batch, a village cadre is
//! refused.

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

on_both_backends!(upload_is_idempotent);
