//! The warning pages explain themselves, on SQLite and PostgreSQL: the
//! page of a 12-month medical warning shows the evidence's sum against the
//! threshold of the rule set that raised it (oracles: the fixture's rows
//! summed here by hand, the threshold read from the shipped rule file's
//! text), in the rule file's words and never with a rule id or condition
//! code on the Chinese page; verifying opens a case that carries the
//! warning's risk type; a screening run from the page lands on the list of
//! exactly its new warnings (`/warnings?run=N`, the same filter on the
//! API); the household card links its open warning.

mod common;

use common::{App, Backend, household_json, id};
use dixian_domain::Role;
use serde_json::{Value, json};

const VILLAGE: &str = "520526001001";
/// The self-paid amounts (元) of the first person's three outpatient
/// visits this year: outpatient, so only the 12-month rule can fire.
const VISITS: [i64; 3] = [23_000, 18_500, 9_600];
const RULES: &str = include_str!("../../../rules/guizhou-2025.toml");

/// `key = value` of the rule file (the first such line), as text.
fn rule_value(key: &str) -> String {
    RULES
        .lines()
        .find_map(|l| l.trim().strip_prefix(&format!("{key} = ")))
        .unwrap_or_else(|| panic!("{key} in the rule file"))
        .trim_matches('"')
        .to_string()
}

/// The `description`/`description_en` of the rule `rule_id` in the file.
fn rule_text(rule_id: &str, key: &str) -> String {
    let block = RULES
        .split("[[rule]]")
        .find(|b| b.contains(&format!("id = \"{rule_id}\"")))
        .expect("the rule in the file");
    block
        .lines()
        .find_map(|l| l.trim().strip_prefix(&format!("{key} = ")))
        .expect("its description")
        .trim_matches('"')
        .to_string()
}

fn medical(rows: &[(&str, &str, &str, i64)]) -> Vec<u8> {
    let mut s = String::from("身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付,诊断\n");
    for (person, day, visit, paid) in rows {
        s.push_str(&format!(
            "{person},张三,{day},{visit},{},{},{paid},肺炎\n",
            paid * 3,
            paid * 2
        ));
    }
    s.into_bytes()
}

async fn session(app: &App, name: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::ORIGIN, app.url.parse().unwrap());
    let c = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap();
    let r = c
        .post(format!("{}/login", app.url))
        .form(&[("username", name), ("password", common::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "login of {name}");
    c
}

async fn page(c: &reqwest::Client, app: &App, path: &str) -> (u16, String) {
    let r = c.get(format!("{}{path}", app.url)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn post(c: &reqwest::Client, app: &App, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let r = c
        .post(format!("{}{path}", app.url))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get(reqwest::header::LOCATION)
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location)
}

struct World {
    app: App,
    admin: String,
    officer: String,
    cadre: String,
    first: String,
    first_household: i64,
    second: String,
}

async fn household(app: &App, admin: &str, number: &str, person: &str) -> i64 {
    let r = app
        .post(
            admin,
            "/api/v1/households",
            &household_json(number, VILLAGE, &[person.to_string()]),
        )
        .await;
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn world(backend: Backend) -> Option<World> {
    let app = common::spawn_app(backend).await?;
    let admin = app.user("admin", Role::CountyAdmin, common::COUNTY).await;
    let officer = app.user("officer", Role::DataOfficer, common::COUNTY).await;
    let cadre = app.user("cadre", Role::VillageCadre, VILLAGE).await;
    let first = id("1970-03-01", 11);
    let second = id("1975-06-01", 21);
    let first_household = household(&app, &admin, "P-1", &first).await;
    household(&app, &admin, "P-2", &second).await;
    Some(World {
        app,
        admin,
        officer,
        cadre,
        first,
        first_household,
        second,
    })
}

/// The first person's visits uploaded and screened (through the API).
async fn first_run(w: &World) -> i64 {
    let today = chrono::Utc::now().date_naive();
    let days: Vec<String> = (1..=3)
        .map(|i| (today - chrono::Duration::days(20 * i)).to_string())
        .collect();
    let rows: Vec<(&str, &str, &str, i64)> = VISITS
        .iter()
        .zip(&days)
        .map(|(paid, day)| (w.first.as_str(), day.as_str(), "门诊", *paid))
        .collect();
    let r = w
        .app
        .upload_feed(&w.officer, "medical", medical(&rows), None)
        .await;
    assert_eq!(r.status(), 200);
    let r = w
        .app
        .post_job(&w.officer, "/api/v1/screening/runs", &json!({}))
        .await;
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

/// The open warning of rule `rule` (the API keeps rule ids).
async fn warning_of(w: &World, rule: &str) -> (i64, i64) {
    let list: Value = w
        .app
        .get(&w.cadre, "/api/v1/warnings?status=all&per_page=200")
        .await
        .json()
        .await
        .unwrap();
    let found = list["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["rule_id"] == rule)
        .unwrap_or_else(|| panic!("a warning of {rule}: {list}"));
    (
        found["id"].as_i64().unwrap(),
        found["version"].as_i64().unwrap(),
    )
}

async fn warning_page_explains_itself_and_verify_sets_the_risk(backend: Backend) {
    let Some(w) = world(backend).await else {
        return;
    };
    first_run(&w).await;
    let (wid, version) = warning_of(&w, "medical-12m").await;
    let cadre = session(&w.app, "cadre").await;
    let (status, html) = page(&cadre, &w.app, &format!("/warnings/{wid}")).await;
    assert_eq!(status, 200);
    // The oracle: the rows summed here, the threshold from the file's text.
    let sum: i64 = VISITS.iter().sum();
    let threshold: i64 = rule_value("self_paid_12_months").parse().unwrap();
    assert!(sum > threshold, "the fixture is over the threshold");
    assert!(
        html.contains(&format!("id=\"warning-sum\">{sum}.00 元 (3 ")),
        "the sum of the rows: {html}"
    );
    assert!(html.contains(&format!("id=\"warning-threshold\">{threshold}.00 元<")));
    assert!(html.contains(&format!("超出 {}.00 元", sum - threshold)));
    assert!(html.contains(&rule_text("medical-12m", "description")));
    for code in [
        "medical-12m",
        "self_paid_12m_above_threshold",
        VILLAGE,
        "medical<",
    ] {
        // (the menu's links carry the user's region code; the page's content does not)
        let content = &html[html.find("id=\"warning-title\"").unwrap()..];
        assert!(!content.contains(code), "no {code} on the Chinese page");
    }
    let village = dixian_store::regions::get(
        &w.app.store.pool,
        &dixian_domain::RegionCode::parse(VILLAGE).unwrap(),
    )
    .await
    .unwrap()
    .unwrap()
    .name;
    assert!(html.contains(&format!("id=\"warning-village\">{village}<")));
    // In English, the English description and the same numbers.
    page(&cadre, &w.app, "/lang/en").await;
    let (_, en) = page(&cadre, &w.app, &format!("/warnings/{wid}")).await;
    assert!(en.contains(&rule_text("medical-12m", "description_en")));
    assert!(en.contains(&format!("{}.00 元 over", sum - threshold)));
    page(&cadre, &w.app, "/lang/zh").await;
    // The list names the village and the rule by words too.
    let (_, list) = page(&cadre, &w.app, "/warnings").await;
    assert!(list.contains(&format!("<td>{village}</td>")));
    assert!(!list.contains("medical-12m") && !list.contains(&format!(">{VILLAGE}<")));

    // Verify: the case carries the warning's risk type (因病).
    let (status, location) = post(
        &cadre,
        &w.app,
        &format!("/warnings/{wid}/verify"),
        &[("version", &version.to_string()), ("text", "")],
    )
    .await;
    assert_eq!(status, 303);
    let case: i64 = location
        .strip_prefix("/cases/")
        .expect("to the case")
        .parse()
        .unwrap();
    let view: Value = w
        .app
        .get(&w.cadre, &format!("/api/v1/cases/{case}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        view["case"]["lead"]["risk_types"],
        json!(["illness"]),
        "{view}"
    );
    let (_, case_page) = page(&cadre, &w.app, &location).await;
    assert!(
        case_page.contains("id=\"case-risks\">因病"),
        "the case page says 因病"
    );
    assert!(
        !case_page.contains("medical-12m"),
        "no rule id on the case page"
    );
}

async fn a_run_lands_on_its_new_warnings_and_the_card_links_them(backend: Backend) {
    let Some(w) = world(backend).await else {
        return;
    };
    let first = first_run(&w).await;
    let (wid, _) = warning_of(&w, "medical-12m").await;
    // The card links its open warning.
    let cadre = session(&w.app, "cadre").await;
    let (_, card) = page(
        &cadre,
        &w.app,
        &format!("/households/{}", w.first_household),
    )
    .await;
    let section = &card[card
        .find("id=\"household-warnings\"")
        .expect("open warnings")..];
    assert!(section.contains(&format!("href=\"/warnings/{wid}\"")));

    // The second person's stay, then a run from the page.
    let day = (chrono::Utc::now().date_naive() - chrono::Duration::days(10)).to_string();
    let r = w
        .app
        .upload_feed(
            &w.officer,
            "medical",
            medical(&[(w.second.as_str(), day.as_str(), "住院", 60_000)]),
            None,
        )
        .await;
    assert_eq!(r.status(), 200);
    let admin = session(&w.app, "admin").await;
    let (status, location) = post(&admin, &w.app, "/screening/run", &[]).await;
    assert_eq!(status, 303);
    // the run is a job: its page, and when it has ended a link to the
    // run's new warnings
    let job: i64 = location
        .strip_prefix("/jobs/")
        .unwrap_or_else(|| panic!("to the run's job: {location}"))
        .parse()
        .unwrap();
    let ended = w.app.wait_job(&w.admin, job).await;
    assert_eq!(ended["status"], "succeeded", "{ended}");
    let run = ended["result"]["id"].as_i64().unwrap();
    assert!(run > first);
    let (status, job_page) = page(&admin, &w.app, &location).await;
    assert_eq!(status, 200);
    let location = format!("/warnings?run={run}");
    assert!(
        job_page.contains(&format!("href=\"{location}\"")),
        "the job's page links to the run's warnings: {job_page}"
    );
    // Exactly that run's warnings, counted in the table itself.
    let ids: Vec<(i64,)> = w
        .app
        .store
        .pool
        .all(dixian_store::db::q("SELECT id FROM warnings WHERE run_id = $1 ORDER BY id").bind(run))
        .await
        .unwrap();
    assert!(!ids.is_empty(), "the second run raised warnings");
    let (status, html) = page(&admin, &w.app, &location).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("id=\"warning-total\">{}<", ids.len())));
    for (id,) in &ids {
        assert!(
            html.contains(&format!("href=\"/warnings/{id}\"")),
            "{id} listed"
        );
    }
    assert!(
        !html.contains(&format!("href=\"/warnings/{wid}\"")),
        "not the first run's warning"
    );
    let api: Value = w
        .app
        .get(&w.admin, &format!("/api/v1/warnings?run={run}"))
        .await
        .json()
        .await
        .unwrap();
    let listed: Vec<i64> = api["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_i64().unwrap())
        .collect();
    let mut listed = listed;
    listed.sort_unstable();
    assert_eq!(listed, ids.iter().map(|(i,)| *i).collect::<Vec<_>>());
}

on_both_backends!(
    warning_page_explains_itself_and_verify_sets_the_risk,
    a_run_lands_on_its_new_warnings_and_the_card_links_them,
);
