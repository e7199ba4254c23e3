//! The command line and the server read the same workflow numbers: after a
//! county adopts a new version of its rule set through the running server
//! (`dixian serve`), `dixian cases overdue` lists exactly what
//! `/api/v1/cases/overdue` lists.
//!
//! The oracle is the calendar, not the code: a case opened `d` days ago
//! whose home check has a limit of `l` days is `d - l` days over when
//! `d > l`, and on no list otherwise.

use chrono::{Duration, NaiveDate, Utc};
use dixian_domain::{Channel, IdNumber, RegionCode, RiskType, Role};
use dixian_store::cases::{self, IncomingLead};
use dixian_store::{Actor, Store, users};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

const COUNTY: &str = "520526";
const VILLAGE: &str = "520526001001";
const PASSWORD: &str = "test-password-1";

fn divisions() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/divisions")
}

fn dixian(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dixian"));
    c.arg("--database").arg(db).env_remove("DATABASE_URL");
    c
}

/// The server as a child process; killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn household(number: &str, id: &str) -> Value {
    json!({
        "number": number, "village": VILLAGE, "village_group": "1组", "address": "测试地址",
        "category": null, "formerly_registered_poor": false, "housing": "B", "water": "secure",
        "farmland_mu": 3.5, "forest_mu": 0.0,
        "income": {"wage": 20000, "production": 5000, "property": 0, "transfer": 1200},
        "medical_expense": 800, "schooling_expense": 0,
        "members": [{
            "id_number": id, "name": "张三", "relation": "head", "labor": "full",
            "disability_kind": null, "disability_grade": null, "illness": "healthy",
            "student_stage": null, "student_status": null, "insurance": "insured",
            "employment": "farming", "phone": "13800001234"
        }]
    })
}

/// The county's own set (a copy of Guizhou's 2025 set) with the home
/// check allowed `days` days: a county admin adopts sets of the county.
fn county_set_with_home_check(days: u32) -> String {
    let shipped = include_str!("../../../rules/guizhou-2025.toml");
    assert!(
        shipped.contains("home_check_days = 2 ") && shipped.contains("region = \"52\"\n"),
        "the shipped set changed: adjust this test"
    );
    shipped
        .replace("region = \"52\"\n", &format!("region = \"{COUNTY}\"\n"))
        .replace(
            "home_check_days = 2 ",
            &format!("home_check_days = {days} "),
        )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_and_server_list_the_same_overdue_cases_after_an_adoption() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("dixian.db");
    let store = Store::open(db.to_str().unwrap()).await.unwrap();
    store.migrate().await.unwrap();
    let county = RegionCode::parse(COUNTY).unwrap();
    dixian_store::regions::import(&store.pool, &divisions(), Some(&county), |_, _, _| {})
        .await
        .unwrap();
    users::create(
        &store.pool,
        "admin",
        "admin",
        PASSWORD,
        Role::CountyAdmin,
        &county,
    )
    .await
    .unwrap();

    // the product's own server, on a free port
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let _server = Server(
        dixian(&db)
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..100 {
        if let Ok(r) = client.get(format!("{url}/api/v1/ready")).send().await
            && r.status() == 200
        {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(up, "the server did not come up");
    let login: Value = client
        .post(format!("{url}/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_string();

    // two households; a case opened 12 days ago and one opened 4 days ago
    let operator = Actor::operator(county.clone());
    let policy = dixian_app::rules::Policies(std::sync::Arc::new(dixian_web::shipped_rules()));
    let birth = NaiveDate::from_ymd_opt(1965, 1, 2).unwrap();
    let mut case_of_age = Vec::new();
    for (seq, days_ago) in [(21u16, 12i64), (22, 4)] {
        let id = IdNumber::from_parts(COUNTY, birth, seq).unwrap();
        let r = client
            .post(format!("{url}/api/v1/households"))
            .bearer_auth(&token)
            .json(&household(&format!("5205260010010{seq:03}"), id.as_str()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        let receipt = cases::open_lead(
            &store.pool,
            &operator,
            &IncomingLead {
                channel: Channel::CadreSweep,
                household_id: None,
                id_number: Some(id.as_str().to_string()),
                risk_types: vec![RiskType::Illness],
                note: "走访发现：住院".into(),
            },
            Utc::now() - Duration::days(days_ago),
            &policy,
        )
        .await
        .unwrap();
        case_of_age.push((receipt.case_id.expect("the lead opened a case"), days_ago));
    }

    let overdue_by = |home_check_days: i64| -> Vec<(i64, i64)> {
        let mut v: Vec<(i64, i64)> = case_of_age
            .iter()
            .filter(|(_, d)| *d > home_check_days)
            .map(|(c, d)| (*c, d - home_check_days))
            .collect();
        v.sort();
        v
    };
    let listed = |v: &Value| -> Vec<(i64, i64)> {
        let mut out: Vec<(i64, i64)> = v
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|t| t["cases"].as_array().unwrap().iter())
            .map(|c| {
                (
                    c["case_id"].as_i64().unwrap(),
                    c["overdue"]["days_over"].as_i64().unwrap(),
                )
            })
            .collect();
        out.sort();
        out
    };
    let server_list = || async {
        client
            .get(format!("{url}/api/v1/cases/overdue"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };
    let cli_list = || {
        let out = dixian(&db)
            .args(["cases", "overdue", "--region", COUNTY, "--json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };

    // the shipped numbers: two days for the home check — both are late
    let before = server_list().await;
    assert_eq!(listed(&before), overdue_by(2), "server, shipped: {before}");
    assert_eq!(listed(&before).len(), 2);
    assert_eq!(cli_list(), before, "CLI, shipped");

    // the county adopts seven days through the server
    let r = client
        .post(format!("{url}/api/v1/rules"))
        .bearer_auth(&token)
        .json(&json!({"file_name": "520526-2025.toml", "source": county_set_with_home_check(7)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());

    let after = server_list().await;
    assert_eq!(listed(&after), overdue_by(7), "server, adopted: {after}");
    assert_eq!(listed(&after).len(), 1, "only the older case is late");
    assert_eq!(cli_list(), after, "the CLI uses the adopted version too");
}
