//! Long work as background jobs through the web, on both backends: an
//! upload answers 202 with its job, which is polled (bounded) to its end
//! with done == total and the batch named; the page form answers 303 to
//! the job's page, which shows phase and progress; while an import of the
//! county runs, a run or another import is refused with 409 and a clear
//! message; another county's officer does not find the job and a
//! township's reviewer is refused; an ended job cannot be cancelled, an
//! active one is asked to stop; the endpoints are in the OpenAPI document.

mod common;

use common::{Backend, COUNTY, household_json, id};
use dixian_domain::{RegionCode, Role, Scope};
use dixian_store::Actor;
use dixian_store::jobs::{self as stored, JobKind};
use serde_json::{Value, json};

fn medical(person: &str, extra: usize) -> Vec<u8> {
    let mut csv = format!(
        "身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付\n{person},张三,2026-05-01,住院,40000,25000,15000\n"
    );
    for i in 0..extra {
        let d = chrono::NaiveDate::from_ymd_opt(1960, 1, 1).unwrap()
            + chrono::Days::new((i / 900) as u64);
        csv.push_str(&format!(
            "{},李四,2026-05-02,门诊,100,50,50\n",
            common::id(&d.format("%Y-%m-%d").to_string(), 100 + (i % 900) as u16)
        ));
    }
    csv.into_bytes()
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn officer_actor(county: &str) -> Actor {
    Actor {
        user_id: None,
        scope: Scope {
            role: Role::DataOfficer,
            region: RegionCode::parse(county).unwrap(),
        },
    }
}

async fn upload_runs_as_a_job(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    let admin = app.user("admin", Role::CountyAdmin, COUNTY).await;
    let officer = app.user("officer", Role::DataOfficer, COUNTY).await;
    let person = id("1970-03-01", 11);
    let r = app
        .post(
            &admin,
            "/api/v1/households",
            &household_json("F-1", "520526001001", std::slice::from_ref(&person)),
        )
        .await;
    assert_eq!(r.status(), 201);

    let r = app
        .upload_feed_async(&officer, "medical", medical(&person, 1500), None)
        .await;
    assert_eq!(r.status(), 202);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let job: Value = r.json().await.unwrap();
    let job_id = job["id"].as_i64().unwrap();
    assert_eq!(location, format!("/api/v1/jobs/{job_id}"));
    assert_eq!(job["kind"], "feed_import");
    assert!(
        matches!(job["status"].as_str(), Some("queued" | "running")),
        "{job}"
    );
    let ended = app.wait_job(&officer, job_id).await;
    assert_eq!(ended["status"], "succeeded", "{ended}");
    assert_eq!(ended["done"], 1501, "{ended}");
    assert_eq!(ended["total"], 1501, "{ended}");
    assert_eq!(ended["phase"], "finished");
    assert_eq!(ended["result"]["outcome"]["matched"], 1, "{ended}");
    let (batch,): (i64,) = app
        .store
        .pool
        .one(dixian_store::db::q("SELECT MAX(id) FROM feed_batches"))
        .await
        .unwrap();
    assert_eq!(ended["result"]["outcome"]["batch_id"], batch);
    assert!(
        !ended.to_string().contains(&person),
        "no ID number in a job"
    );

    // the region's jobs, newest first; a run started from the API as well
    let run = app
        .post(
            &officer,
            "/api/v1/screening/runs",
            &json!({"as_of": "2026-05-10"}),
        )
        .await;
    assert_eq!(run.status(), 202);
    let run: Value = run.json().await.unwrap();
    let run_id = run["id"].as_i64().unwrap();
    let run_ended = app.wait_job(&officer, run_id).await;
    assert_eq!(run_ended["status"], "succeeded", "{run_ended}");
    assert_eq!(run_ended["done"], run_ended["total"]);
    assert_eq!(run_ended["result"]["warnings_raised"], 1, "{run_ended}");
    let list: Value = app.get(&admin, "/api/v1/jobs").await.json().await.unwrap();
    let ids: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![run_id, job_id]);

    // the pages: the job with its progress bar, ended (no refresh), a link
    // to the run's new warnings; the list
    let page = app
        .get(&officer, &format!("/jobs/{run_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"job-progress\""), "{page}");
    assert!(page.contains("已完成"), "{page}");
    assert!(
        page.contains(&format!("/warnings?run={}", run_ended["result"]["id"])),
        "{page}"
    );
    assert!(
        !page.contains("http-equiv=\"refresh\""),
        "an ended job does not refresh"
    );
    assert!(!page.contains("<script"), "no JavaScript");
    let page = app.get(&officer, "/jobs").await.text().await.unwrap();
    assert!(page.contains(&format!("/jobs/{job_id}")), "{page}");

    // the form: 303 to the job's page
    let part = reqwest::multipart::Part::bytes(medical(&person, 3)).file_name("m2.csv");
    let form = reqwest::multipart::Form::new()
        .text("kind", "medical")
        .part("file", part);
    let r = no_redirects()
        .post(format!("{}/feeds", app.url))
        .bearer_auth(&officer)
        .header("Origin", &app.url)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/jobs/"), "{to}");
    let page_job: i64 = to["/jobs/".len()..].parse().unwrap();
    let ended = app.wait_job(&officer, page_job).await;
    assert_eq!(ended["status"], "succeeded", "{ended}");
    assert_eq!(app.count("feed_batches").await, 2);

    // an ended job is not cancelled
    let r = app
        .post(
            &officer,
            &format!("/api/v1/jobs/{job_id}/cancel"),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "job_ended", "{v}");

    let doc = app.openapi().await;
    for path in [
        "/api/v1/jobs",
        "/api/v1/jobs/{id}",
        "/api/v1/jobs/{id}/cancel",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} in the OpenAPI document"
        );
    }
    assert!(
        doc["paths"]["/api/v1/feeds/{kind}"]["post"]["responses"]
            .get("202")
            .is_some()
    );
}

async fn conflicting_job_is_409(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    let officer = app.user("officer", Role::DataOfficer, COUNTY).await;
    // an import of the county is running (as the store knows it)
    let running = stored::create(
        &app.store.pool,
        &officer_actor(COUNTY),
        JobKind::FeedImport,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    stored::mark_running(&app.store.pool, running.id, chrono::Utc::now())
        .await
        .unwrap();
    let jobs_before = app.count("jobs").await;

    let r = app
        .post(&officer, "/api/v1/screening/runs", &json!({}))
        .await;
    assert_eq!(r.status(), 409);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "job_running", "{v}");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains(&format!("#{}", running.id)) && msg.contains("正在运行"),
        "says which job runs: {msg}"
    );
    let r = app
        .upload_feed_async(&officer, "medical", medical(&id("1970-03-01", 11), 0), None)
        .await;
    assert_eq!(r.status(), 409);
    // the page's button: the same refusal as a page
    let r = no_redirects()
        .post(format!("{}/screening/run", app.url))
        .bearer_auth(&officer)
        .header("Origin", &app.url)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let html = r.text().await.unwrap();
    assert!(html.contains("正在运行"), "{html}");
    assert_eq!(app.count("jobs").await, jobs_before, "nothing started");
    assert_eq!(app.count("feed_batches").await, 0);

    // a what-if only reads: it runs meanwhile
    let source = include_str!("../../../rules/guizhou-2025.toml")
        .replace("region = \"52\"", "region = \"520526\"");
    let r = app
        .post(
            &officer,
            "/api/v1/rules/whatif",
            &json!({"file_name": "draft.toml", "source": source, "from": "2026-01-01", "to": "2026-03-31"}),
        )
        .await;
    let status = r.status();
    let what_if: Value = r.json().await.unwrap();
    assert_eq!(status, 202, "{what_if}");
    let ended = app
        .wait_job(&officer, what_if["id"].as_i64().unwrap())
        .await;
    assert_eq!(ended["status"], "succeeded", "{ended}");
    assert!(ended["result"]["totals"].is_array(), "{ended}");

    // the running job may be asked to stop
    let r = app
        .post(
            &officer,
            &format!("/api/v1/jobs/{}/cancel", running.id),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), 202);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["cancel_requested"], true, "{v}");
}

async fn another_countys_job_is_not_found(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    let county_b = RegionCode::parse("520527").unwrap();
    dixian_store::regions::import(
        &app.store.pool,
        &common::divisions(),
        Some(&county_b),
        |_, _, _| {},
    )
    .await
    .unwrap();
    let officer = app.user("officer", Role::DataOfficer, COUNTY).await;
    let outsider = app.user("officer_b", Role::DataOfficer, "520527").await;
    let reviewer = app
        .user("reviewer", Role::TownshipReviewer, "520527001")
        .await;
    let inside_reviewer = app
        .user("reviewer_a", Role::TownshipReviewer, "520526001")
        .await;
    let r = app
        .upload_feed_async(&officer, "medical", medical(&id("1970-03-01", 11), 0), None)
        .await;
    assert_eq!(r.status(), 202);
    let job: Value = r.json().await.unwrap();
    let job_id = job["id"].as_i64().unwrap();
    app.wait_job(&officer, job_id).await;

    let path = format!("/api/v1/jobs/{job_id}");
    let made_up = app.get(&outsider, "/api/v1/jobs/987654321").await;
    assert_eq!(made_up.status(), 404);
    let made_up = made_up.text().await.unwrap();
    let r = app.get(&outsider, &path).await;
    assert_eq!(r.status(), 404);
    assert_eq!(
        r.text().await.unwrap(),
        made_up,
        "told apart from absent by nothing"
    );
    let r = app
        .post(&outsider, &format!("{path}/cancel"), &json!({}))
        .await;
    assert_eq!(r.status(), 404);
    let list: Value = app
        .get(&outsider, "/api/v1/jobs")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list, json!([]), "another county's jobs are not listed");
    assert_eq!(
        app.get(&outsider, &format!("/jobs/{job_id}"))
            .await
            .status(),
        404
    );
    for token in [&reviewer, &inside_reviewer] {
        assert_eq!(app.get(token, &path).await.status(), 403);
        assert_eq!(app.get(token, "/api/v1/jobs").await.status(), 403);
        assert_eq!(
            app.get(token, &format!("/jobs/{job_id}")).await.status(),
            403
        );
    }
}

/// A server starting marks the jobs a previous process left running or
/// queued as interrupted; an ended job stays as it ended.
async fn a_restart_marks_running_jobs_interrupted(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(store) = common::fresh_store(backend, &dir).await else {
        return;
    };
    let now = chrono::Utc::now();
    let running = stored::create(
        &store.pool,
        &officer_actor(COUNTY),
        JobKind::FeedImport,
        now,
    )
    .await
    .unwrap();
    stored::mark_running(&store.pool, running.id, now)
        .await
        .unwrap();
    let what_if = stored::create(&store.pool, &officer_actor(COUNTY), JobKind::WhatIf, now)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(dixian_web::serve(store.clone(), listener));
    let url = format!("http://{addr}/api/v1/health");
    let mut up = false;
    for _ in 0..100 {
        if reqwest::get(&url).await.is_ok_and(|r| r.status() == 200) {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    server.abort();
    assert!(up, "server up");
    for id in [running.id, what_if.id] {
        let job = stored::get_any(&store.pool, id).await.unwrap();
        assert_eq!(job.status, stored::JobStatus::Interrupted, "{job:?}");
        assert!(job.finished_at.is_some());
    }
    // the county may start again
    stored::create(
        &store.pool,
        &officer_actor(COUNTY),
        JobKind::ScreeningRun,
        now,
    )
    .await
    .unwrap();
}

on_both_backends!(
    a_restart_marks_running_jobs_interrupted,
    upload_runs_as_a_job,
    conflicting_job_is_409,
    another_countys_job_is_not_found,
);
