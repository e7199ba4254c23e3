//! Test harness: the real app on a random port against a real, fresh
//! database — SQLite in a temp dir, or PostgreSQL on 127.0.0.1:5432.

#![allow(dead_code)]

use dixian_domain::{RegionCode, Role};
use dixian_store::{Store, users};
use std::path::PathBuf;

pub use dixian_store::testing::Backend;

/// A running app.
pub struct App {
    pub url: String,
    pub store: Store,
    pub client: reqwest::Client,
    pub _dir: tempfile::TempDir,
}

/// The demo county and two of its villages in different townships.
pub const COUNTY: &str = "520526";
pub const PASSWORD: &str = "test-password-1";

pub fn divisions() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/divisions")
}

/// A fresh store, or `None` when PostgreSQL is absent outside CI.
pub async fn fresh_store(backend: Backend, dir: &tempfile::TempDir) -> Option<Store> {
    dixian_store::testing::fresh_store(backend, dir.path())
        .await
        .expect("fresh database (PostgreSQL must run in CI)")
}

/// Starts the app with the demo county's regions loaded.
pub async fn spawn_app(backend: Backend) -> Option<App> {
    spawn_app_with(backend, |s| s).await
}

impl App {
    /// Creates a user and returns a bearer token for it.
    pub async fn user(&self, name: &str, role: Role, region: &str) -> String {
        let region = RegionCode::parse(region).unwrap();
        users::create(&self.store.pool, name, name, PASSWORD, role, &region)
            .await
            .unwrap();
        let r = self
            .client
            .post(format!("{}/api/v1/auth/login", self.url))
            .json(&serde_json::json!({"username": name, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: serde_json::Value = r.json().await.unwrap();
        v["token"].as_str().unwrap().to_string()
    }

    pub async fn get(&self, token: &str, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.url))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(
        &self,
        token: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.url))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn put(
        &self,
        token: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        self.client
            .put(format!("{}{path}", self.url))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Waits (bounded: 60 s) for the job of a 202 answer to end, and
    /// answers as the synchronous API did: the job's `result` with 200
    /// when it succeeded, with 422 when it failed with a result (a
    /// rejected file), else the error as `{"error": {"code", "message"}}`
    /// (422; 409 when cancelled). Any other answer is passed through.
    pub async fn job_result(&self, token: &str, r: reqwest::Response) -> reqwest::Response {
        if r.status() != 202 {
            return r;
        }
        let job: serde_json::Value = r.json().await.unwrap();
        let ended = self.wait_job(token, job["id"].as_i64().unwrap()).await;
        let (status, body) = match ended["status"].as_str() {
            Some("succeeded") => (200, ended["result"].clone()),
            Some("failed") if !ended["result"].is_null() => (422, ended["result"].clone()),
            Some("cancelled") => (
                409,
                serde_json::json!({"error": {"code": "job_cancelled", "message": ended["error"]}}),
            ),
            _ => (
                422,
                serde_json::json!({"error": {"code": "job_failed", "message": ended["error"]}}),
            ),
        };
        let res = axum::http::Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(body.to_string())
            .unwrap();
        reqwest::Response::from(res)
    }

    /// Polls `GET /api/v1/jobs/{id}` until the job ends (at most 60 s),
    /// and returns it.
    pub async fn wait_job(&self, token: &str, id: i64) -> serde_json::Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let r = self.get(token, &format!("/api/v1/jobs/{id}")).await;
            assert_eq!(r.status(), 200, "job {id} readable by its starter");
            let job: serde_json::Value = r.json().await.unwrap();
            let active = matches!(job["status"].as_str(), Some("queued" | "running"));
            if !active {
                return job;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "job {id} did not end in 60 s: {job}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// POSTs `body` to an endpoint that starts a job (screening runs,
    /// what-ifs) and answers when the job has ended ([`App::job_result`]).
    pub async fn post_job(
        &self,
        token: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> reqwest::Response {
        let r = self.post(token, path, body).await;
        self.job_result(token, r).await
    }

    /// Uploads a department file of `kind` (multipart field `file`), with
    /// an `Idempotency-Key` when given, and waits for its import job to
    /// end ([`App::job_result`]).
    pub async fn upload_feed(
        &self,
        token: &str,
        kind: &str,
        bytes: Vec<u8>,
        key: Option<&str>,
    ) -> reqwest::Response {
        let r = self.upload_feed_async(token, kind, bytes, key).await;
        self.job_result(token, r).await
    }

    /// Uploads a department file of `kind`: the API's answer as sent (202
    /// with the job when it started).
    pub async fn upload_feed_async(
        &self,
        token: &str,
        kind: &str,
        bytes: Vec<u8>,
        key: Option<&str>,
    ) -> reqwest::Response {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(format!("{kind}.csv"));
        let form = reqwest::multipart::Form::new().part("file", part);
        let mut req = self
            .client
            .post(format!("{}/api/v1/feeds/{kind}", self.url))
            .bearer_auth(token)
            .multipart(form);
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        req.send().await.unwrap()
    }

    /// The served OpenAPI document.
    pub async fn openapi(&self) -> serde_json::Value {
        self.client
            .get(format!("{}/api/v1/openapi.json", self.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Rows in a table, to show that a rejected write changed nothing.
    pub async fn count(&self, table: &str) -> i64 {
        let (n,): (i64,) = self
            .store
            .pool
            .one(dixian_store::db::q(format!("SELECT COUNT(*) FROM {table}")))
            .await
            .unwrap();
        n
    }
}

/// Runs each listed async test fn on both backends.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::common::Backend::Sqlite).await })+
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::common::Backend::Postgres).await })+
        }
    };
}

/// A valid ID number of the county, made from a birth date and sequence.
pub fn id(birth: &str, seq: u16) -> String {
    let d = chrono::NaiveDate::parse_from_str(birth, "%Y-%m-%d").unwrap();
    dixian_domain::IdNumber::from_parts(COUNTY, d, seq)
        .unwrap()
        .as_str()
        .to_string()
}

/// A household JSON body for the API.
pub fn household_json(number: &str, village: &str, ids: &[String]) -> serde_json::Value {
    let members: Vec<serde_json::Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            serde_json::json!({
                "id_number": id, "name": format!("张{}", ["三", "四", "五", "六"][i % 4]),
                "relation": if i == 0 { "head" } else { "child" }, "labor": "full",
                "disability_kind": null, "disability_grade": null, "illness": "healthy",
                "student_stage": null, "student_status": null, "insurance": "insured",
                "employment": "farming", "phone": "13800001234"
            })
        })
        .collect();
    serde_json::json!({
        "number": number, "village": village, "village_group": "1组", "address": "测试地址",
        "category": null, "formerly_registered_poor": false, "housing": "B", "water": "secure",
        "farmland_mu": 3.5, "forest_mu": 0.0,
        "income": {"wage": 20000, "production": 5000, "property": 0, "transfer": 1200},
        "medical_expense": 800, "schooling_expense": 0, "members": members
    })
}

/// Starts the app with the demo county's regions loaded and the state
/// changed by `with` (limits, throttles).
pub async fn spawn_app_with(
    backend: Backend,
    with: impl FnOnce(dixian_web::AppState) -> dixian_web::AppState,
) -> Option<App> {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = fresh_store(backend, &dir).await?;
    let county = RegionCode::parse(COUNTY).unwrap();
    dixian_store::regions::import(&store.pool, &divisions(), Some(&county), |_, _, _| {})
        .await
        .expect("regions");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let state = dixian_web::AppState::new(store.clone())
        .with_assistance_rules(catalogue(), assistance_policy());
    let app = dixian_web::app_with(with(state));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    Some(App {
        url,
        store,
        client,
        _dir: dir,
    })
}

/// A measure catalogue for tests (the national figures a rule file would
/// give: a small loan up to 50,000 元 and 36 months, for those able to
/// work; a public-welfare job; 危房改造 for the household; 贴息 of a loan
/// at most 3.45 % a year).
pub fn catalogue() -> dixian_domain::assistance::MeasureCatalogue {
    use dixian_domain::LaborCapacity;
    use dixian_domain::assistance::{
        Department, Eligibility, MeasureCatalogue, MeasureClass, MeasureKind, MeasureRule,
        MeasureUnit,
    };
    let rule = |kind, class, department, household| MeasureRule {
        kind,
        class,
        household,
        unit: MeasureUnit::Yuan,
        department,
        eligibility: Eligibility::default(),
        max_amount_fen: None,
        max_term_months: None,
        max_yearly_rate_bp: None,
        excludes: Vec::new(),
    };
    let mut loan = rule(
        MeasureKind::SmallLoan,
        MeasureClass::Development,
        Department::Bank,
        false,
    );
    loan.max_amount_fen = Some(5_000_000);
    loan.max_term_months = Some(36);
    loan.eligibility.labor = vec![LaborCapacity::Full, LaborCapacity::Weak];
    let mut job = rule(
        MeasureKind::PublicWelfareJob,
        MeasureClass::Development,
        Department::HumanResources,
        false,
    );
    job.unit = MeasureUnit::YuanPerMonth;
    // 贴息 rests on a small loan: at most 3.45 % a year of it
    let mut subsidy = rule(
        MeasureKind::LoanInterestSubsidy,
        MeasureClass::Development,
        Department::Agriculture,
        false,
    );
    subsidy.max_term_months = Some(36);
    subsidy.max_yearly_rate_bp = Some(345);
    MeasureCatalogue {
        rules: vec![
            loan,
            job,
            rule(
                MeasureKind::HousingRenovation,
                MeasureClass::Guarantee,
                Department::Housing,
                true,
            ),
            subsidy,
        ],
    }
}

/// The assistance numbers for tests.
pub fn assistance_policy() -> dixian_domain::assistance::AssistancePolicy {
    dixian_domain::assistance::AssistancePolicy {
        first_measure_days: 30,
        effect_review_months: 6,
        visit_interval_days: 90,
    }
}
