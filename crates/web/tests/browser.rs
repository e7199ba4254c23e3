//! A person at a browser: headless Chromium (Debian's package) driven over
//! WebDriver by chromedriver logs in and opens a household card.
//! Outside CI a test is skipped (visibly: see `dixian_store::testing::skip`)
//! when chromedriver is not installed or does not answer; in CI (`CI` set
//! to `true`, `1`, `yes` …) that fails the test: `.ci/run` installs it and
//! every test must run.

mod common;

use common::{Backend, household_json, id};
use dixian_domain::Role;
use dixian_store::testing::skip;
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Driver {
    child: Child,
    base: String,
    session: String,
    http: reqwest::Client,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

impl Driver {
    /// A WebDriver session on headless Chromium, or why there is none.
    /// Callers go through [`driver`], which makes every "none" a visible
    /// skip outside CI and a failure in CI.
    async fn start() -> Result<Driver, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port for chromedriver: {e}"))?
            .port();
        let mut child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("chromedriver not available: {e}"))?;
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        // Up to 10 s for /status to answer 200; each request is bounded, so
        // a chromedriver that accepts connections and never answers ends here.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let mut last: String;
        loop {
            match http
                .get(format!("{base}/status"))
                .timeout(Duration::from_secs(1))
                .send()
                .await
            {
                Ok(r) if r.status().is_success() => break,
                Ok(r) => last = format!("status {}", r.status()),
                Err(e) => last = e.to_string(),
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                return Err(format!(
                    "chromedriver started but did not answer /status within 10 s ({last})"
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().map_err(|e| format!("no profile dir: {e}"))?;
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--window-size=1280,900", format!("--user-data-dir={}", profile.keep().display())]
        }}}});
        let answer = async {
            http.post(format!("{base}/session"))
                .json(&caps)
                .timeout(Duration::from_secs(60))
                .send()
                .await?
                .json::<Value>()
                .await
        };
        let r = match answer.await {
            Ok(r) => r,
            Err(e) => {
                let _ = child.kill();
                return Err(format!("chromedriver did not open a session: {e}"));
            }
        };
        let session = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {r}"))
            .to_string();
        Ok(Driver {
            child,
            base,
            session,
            http,
        })
    }

    async fn cmd(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let r = self
            .http
            .request(method, url)
            .json(&body)
            .send()
            .await
            .unwrap();
        r.json().await.unwrap()
    }

    async fn goto(&self, url: &str) {
        self.cmd(reqwest::Method::POST, "/url", json!({"url": url}))
            .await;
    }

    async fn find(&self, css: &str) -> String {
        let v = self
            .cmd(
                reqwest::Method::POST,
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        let e = v["value"]
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(|x| x.as_str());
        e.unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string()
    }

    async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/value"),
            json!({"text": text}),
        )
        .await;
    }

    async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.cmd(
            reqwest::Method::POST,
            &format!("/element/{e}/click"),
            json!({}),
        )
        .await;
    }

    async fn text(&self, css: &str) -> String {
        let e = self.find(css).await;
        let v = self
            .cmd(
                reqwest::Method::GET,
                &format!("/element/{e}/text"),
                json!({}),
            )
            .await;
        v["value"].as_str().unwrap_or_default().to_string()
    }

    /// Waits (up to 5 s) until the element's text contains `needle`;
    /// returns the text last seen.
    async fn wait_text(&self, css: &str, needle: &str) -> String {
        let mut last = String::new();
        for _ in 0..50 {
            let v = self
                .cmd(
                    reqwest::Method::POST,
                    "/element",
                    json!({"using": "css selector", "value": css}),
                )
                .await;
            if let Some(e) = v["value"]
                .as_object()
                .and_then(|o| o.values().next())
                .and_then(|x| x.as_str())
            {
                let t = self
                    .cmd(
                        reqwest::Method::GET,
                        &format!("/element/{e}/text"),
                        json!({}),
                    )
                    .await;
                last = t["value"].as_str().unwrap_or_default().to_string();
                if last.contains(needle) {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        last
    }

    /// Waits (up to 5 s) until the current URL contains `needle`; returns it.
    async fn wait_url(&self, needle: &str) -> String {
        let mut url = String::new();
        for _ in 0..50 {
            let v = self.cmd(reqwest::Method::GET, "/url", json!({})).await;
            url = v["value"].as_str().unwrap_or_default().to_string();
            if url.contains(needle) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        url
    }

    /// Whether the element is shown.
    async fn displayed(&self, css: &str) -> bool {
        let e = self.find(css).await;
        let v = self
            .cmd(
                reqwest::Method::GET,
                &format!("/element/{e}/displayed"),
                json!({}),
            )
            .await;
        v["value"].as_bool().unwrap_or(false)
    }

    /// The computed value of a CSS property of the element.
    async fn css(&self, css: &str, property: &str) -> String {
        let e = self.find(css).await;
        let v = self
            .cmd(
                reqwest::Method::GET,
                &format!("/element/{e}/css/{property}"),
                json!({}),
            )
            .await;
        v["value"].as_str().unwrap_or_default().to_string()
    }

    /// Runs `script` (a function body) in the page; its return value.
    async fn exec(&self, script: &str) -> Value {
        self.cmd(
            reqwest::Method::POST,
            "/execute/sync",
            json!({"script": script, "args": []}),
        )
        .await["value"]
            .clone()
    }

    /// Resizes the window (a phone: 390 × 844).
    async fn window(&self, width: u32, height: u32) {
        self.cmd(
            reqwest::Method::POST,
            "/window/rect",
            json!({"width": width, "height": height}),
        )
        .await;
    }

    /// Whether the page is wider than the window (horizontal overflow).
    async fn overflows(&self) -> (bool, Value) {
        let v = self
            .exec("return [document.documentElement.scrollWidth, window.innerWidth];")
            .await;
        let (w, inner) = (
            v[0].as_i64().unwrap_or(i64::MAX),
            v[1].as_i64().unwrap_or(0),
        );
        (w > inner, v)
    }

    async fn screenshot(&self, path: &std::path::Path) {
        let v = self
            .cmd(reqwest::Method::GET, "/screenshot", json!({}))
            .await;
        if let Some(png) = v["value"].as_str().and_then(base64_decode) {
            let _ = std::fs::write(path, png);
        }
    }
}

/// The browser, or `None` after [`skip`]: a failure in CI (`CI` set to
/// anything truthy), a visible, counted skip elsewhere.
async fn driver() -> Option<Driver> {
    match Driver::start().await {
        Ok(d) => Some(d),
        Err(why) => {
            skip(&why);
            None
        }
    }
}

/// Standard base64 decoding (the screenshot), without another crate.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let bytes: Vec<u8> = s
        .bytes()
        .filter(|c| *c != b'=' && !c.is_ascii_whitespace())
        .collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let v: Vec<u8> = chunk.iter().map(|c| val(*c)).collect::<Option<_>>()?;
        let n = v
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, x)| acc | (u32::from(*x) << (18 - 6 * i)));
        out.extend_from_slice(&n.to_be_bytes()[1..v.len()]);
    }
    Some(out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cadre_logs_in_and_opens_a_household_card() {
    let Some(app) = common::spawn_app(Backend::Sqlite).await else {
        return;
    };
    let village = "520526001001";
    let admin = app.user("admin", Role::CountyAdmin, "520526").await;
    let _ = app.user("cadre", Role::VillageCadre, village).await;
    let body = household_json(
        "5205260010010001",
        village,
        &[id("1968-04-12", 13), id("1992-09-30", 24)],
    );
    let r = app.post(&admin, "/api/v1/households", &body).await;
    assert_eq!(r.status(), 201);
    let hid = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    let Some(d) = driver().await else {
        return;
    };
    d.goto(&format!("{}/login", app.url)).await;
    d.type_into("input[name=username]", "cadre").await;
    d.type_into("input[name=password]", common::PASSWORD).await;
    d.click("#login").await;
    // a village cadre lands on the household list of the village
    let url = d.wait_url("/households").await;
    assert!(url.contains("/households"), "after login: {url}");
    let table = d.wait_text("table.grid", "5205260010010001").await;
    assert!(
        table.contains("5205260010010001"),
        "list shows the household: {table}"
    );
    assert!(
        table.contains("********"),
        "IDs are masked in lists: {table}"
    );
    d.click("table.grid a").await;
    let url = d.wait_url(&format!("/households/{hid}")).await;
    assert!(url.ends_with(&format!("/households/{hid}")), "card: {url}");
    let title = d.wait_text("#household-card", "张三").await;
    assert!(title.contains("张三"), "card names the head: {title}");
    let members = d.text("#members").await;
    assert!(
        members.contains("张四") && members.contains("户主"),
        "members listed: {members}"
    );
    let head = id("1968-04-12", 13);
    assert!(
        !members.contains(&head) && !members.contains("13800001234"),
        "ID numbers and phones masked until revealed: {members}"
    );
    // "显示完整信息": the same card in full, the view audited once
    d.type_into("#reveal-form input[name=reason]", "入户核实")
        .await;
    d.click("#reveal").await;
    let note = d.wait_text("#revealed", "审计").await;
    assert!(note.contains("审计"), "says the view is recorded: {note}");
    let members = d.text("#members").await;
    assert!(
        members.contains(&head) && members.contains("13800001234"),
        "in full after the reveal: {members}"
    );
    let reveals = dixian_store::audit::history(&app.store.pool, "household", &hid.to_string())
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.action == "reveal")
        .count();
    assert_eq!(reveals, 1, "one reveal, one audit row");
    let shot = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/household-card.png");
    d.screenshot(&shot).await;
    // edit the household: a new address, saved with the version read
    d.click("#edit-household").await;
    d.wait_url("/edit").await;
    let addr = d.find("input[name=address]").await;
    d.cmd(
        reqwest::Method::POST,
        &format!("/element/{addr}/clear"),
        json!({}),
    )
    .await;
    d.type_into("input[name=address]", "海边街道大洼塘村5组")
        .await;
    d.click("#save").await;
    let facts = d.wait_text("dl.facts", "海边街道大洼塘村5组").await;
    assert!(
        facts.contains("海边街道大洼塘村5组"),
        "saved address shown: {facts}"
    );
    // add a member; a wrong check digit is refused with the field named
    d.click("#add-member").await;
    d.wait_url("/members/new").await;
    let mut bad = id("2015-06-01", 35);
    bad.replace_range(17..18, if bad.ends_with('1') { "2" } else { "1" });
    d.type_into("input[name=m_id_number]", &bad).await;
    d.type_into("input[name=m_name]", "张小六").await;
    d.click("#save").await;
    let errs = d.wait_text("#form-errors", "check digit").await;
    assert!(
        errs.contains("身份证号") && errs.contains("check digit"),
        "error names the field: {errs}"
    );
    let idn = d.find("input[name=m_id_number]").await;
    d.cmd(
        reqwest::Method::POST,
        &format!("/element/{idn}/clear"),
        json!({}),
    )
    .await;
    d.type_into("input[name=m_id_number]", &id("2015-06-01", 35))
        .await;
    d.click("#save").await;
    let members = d.wait_text("#members", "张小六").await;
    assert!(members.contains("张小六"), "new member listed: {members}");
    let shot = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/household-card.png");
    d.screenshot(&shot).await;
    // the English switch keeps the user on the card
    d.click("a[href='/lang/en']").await;
    assert!(d.wait_text("#members", "Head").await.contains("Head"));
}

/// The app with a clock the test moves (notice periods pass without sleeping).
async fn spawn_with_clock() -> Option<(
    common::App,
    std::sync::Arc<std::sync::Mutex<chrono::DateTime<chrono::Utc>>>,
)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = common::fresh_store(Backend::Sqlite, &dir).await?;
    let county = dixian_domain::RegionCode::parse(common::COUNTY).unwrap();
    dixian_store::regions::import(
        &store.pool,
        &common::divisions(),
        Some(&county),
        |_, _, _| {},
    )
    .await
    .expect("regions");
    let now = std::sync::Arc::new(std::sync::Mutex::new(chrono::Utc::now()));
    let read = now.clone();
    let state = dixian_web::AppState::new(store.clone())
        .with_clock(dixian_web::Clock::new(move || *read.lock().unwrap()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app =
        dixian_web::app_with(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    Some((
        common::App {
            url,
            store,
            client,
            _dir: dir,
        },
        now,
    ))
}

async fn record(app: &common::App, token: &str, case: i64, event: Value) {
    let v: Value = app
        .get(token, &format!("/api/v1/cases/{case}"))
        .await
        .json()
        .await
        .unwrap();
    let body = json!({"version": v["version"], "event": event});
    let r = app
        .post(token, &format!("/api/v1/cases/{case}/events"), &body)
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cadre_records_a_home_check_and_the_township_sees_the_case() {
    let Some((app, now)) = spawn_with_clock().await else {
        return;
    };
    let village = "520526001001";
    let admin = app.user("admin", Role::CountyAdmin, "520526").await;
    let cadre = app.user("cadre", Role::VillageCadre, village).await;
    let _ = app
        .user("township", Role::TownshipReviewer, "520526001")
        .await;
    let body = household_json("5205260010010007", village, &[id("1966-02-03", 17)]);
    let hid = app
        .post(&admin, "/api/v1/households", &body)
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();

    let Some(d) = driver().await else {
        return;
    };
    d.goto(&format!("{}/login", app.url)).await;
    d.type_into("input[name=username]", "cadre").await;
    d.type_into("input[name=password]", common::PASSWORD).await;
    d.click("#login").await;
    d.wait_url("/households").await;
    // a cadre's sweep finds the household in difficulty: a lead opens a case
    d.goto(&format!("{}/households/{hid}", app.url)).await;
    d.type_into("input[name=note]", "户主住院，自付费用高")
        .await;
    d.click("#new-lead").await;
    let url = d.wait_url("/cases/").await;
    let case: i64 = url
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("case page: {url}"));
    // the home check: findings and the signed asset-check consent
    d.type_into(
        "#event-home_check textarea[name=findings]",
        "已入户，住院自付约2万元，家庭收入骤降",
    )
    .await;
    d.click("#event-home_check input[name=asset_check_consent_signed]")
        .await;
    d.click("#event-home_check button").await;
    let stage = d.wait_text("#case-stage", "信息比对").await;
    assert!(
        stage.contains("信息比对"),
        "after the home check the case waits for data comparison: {stage}"
    );
    let history = d.wait_text("#case-events", "入户核查").await;
    assert!(
        history.contains("入户核查") && history.contains("cadre"),
        "event recorded with who: {history}"
    );

    // the village finishes its steps (API), the notice runs its days on the test clock
    let today = dixian_domain::case::china_date(*now.lock().unwrap());
    record(
        &app,
        &cadre,
        case,
        json!({"kind": "data_comparison", "results": "无异常资产"}),
    )
    .await;
    record(&app, &cadre, case, json!({"kind": "deliberation", "held_on": today, "attendees": 15, "approve": true, "note": "同意"})).await;
    let end = today + chrono::Duration::days(5);
    record(
        &app,
        &cadre,
        case,
        json!({"kind": "notice_start", "start": today, "end": end}),
    )
    .await;
    // the printable notice names the head, never the ID number or the phone
    d.goto(&format!("{}/villages/{village}/notice", app.url))
        .await;
    let notice = d.wait_text("#notice-table", "张三").await;
    assert!(notice.contains("张三"), "notice lists the head: {notice}");
    let page = d.cmd(reqwest::Method::GET, "/source", json!({})).await["value"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        !page.contains(&id("1966-02-03", 17)) && !page.contains("13800001234"),
        "no ID number or phone on the notice"
    );
    assert!(!page.contains("住院"), "no health details on the notice");
    // its style sheet and print script are files the CSP lets load
    assert_eq!(
        d.css("h1", "text-align").await,
        "center",
        "notice.css applied"
    );
    assert!(
        d.displayed("#notice-print").await,
        "notice.js shows the print button"
    );
    *now.lock().unwrap() += chrono::Duration::days(6);
    record(&app, &cadre, case, json!({"kind": "notice_end"})).await;

    // the township reviewer logs in and finds the case in the inbox
    d.goto(&format!("{}/inbox", app.url)).await;
    d.click("header form button").await;
    d.wait_url("/login").await;
    d.type_into("input[name=username]", "township").await;
    d.type_into("input[name=password]", common::PASSWORD).await;
    d.click("#login").await;
    d.wait_url("/regions").await;
    d.click("#nav-inbox").await;
    let inbox = d.wait_text("#inbox-cases", "5205260010010007").await;
    assert!(
        inbox.contains("5205260010010007") && inbox.contains("乡镇审核"),
        "township inbox: {inbox}"
    );
    let shot = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/township-inbox.png");
    d.screenshot(&shot).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cadre_verifies_a_department_warning_and_lands_on_the_case() {
    let Some(app) = common::spawn_app(Backend::Sqlite).await else {
        return;
    };
    let village = "520526001001";
    let admin = app.user("admin", Role::CountyAdmin, "520526").await;
    let officer = app.user("officer", Role::DataOfficer, "520526").await;
    let _ = app.user("cadre", Role::VillageCadre, village).await;
    let person = id("1958-07-21", 19);
    let body = household_json("5205260010010009", village, std::slice::from_ref(&person));
    assert_eq!(
        app.post(&admin, "/api/v1/households", &body).await.status(),
        201
    );
    // 医保 delivers a stay with a high self-paid cost; the county screens
    let csv = format!(
        "身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付,诊断\n{person},张三,2026-10-08,住院,52000,31000,21000,脑梗\n"
    );
    let r = app
        .upload_feed(&officer, "medical", csv.into_bytes(), None)
        .await;
    assert_eq!(r.status(), 200);
    let run = app
        .post_job(
            &officer,
            "/api/v1/screening/runs",
            &json!({"as_of": "2026-10-31"}),
        )
        .await;
    assert_eq!(run.status(), 200);

    let Some(d) = driver().await else {
        return;
    };
    d.goto(&format!("{}/login", app.url)).await;
    d.type_into("input[name=username]", "cadre").await;
    d.type_into("input[name=password]", common::PASSWORD).await;
    d.click("#login").await;
    d.wait_url("/households").await;
    d.click("#nav-warnings").await;
    let list = d.wait_text("#warning-list", "5205260010010009").await;
    assert!(
        list.contains("因病") && !list.contains(&person),
        "masked list: {list}"
    );
    d.click("#warning-list td a[href^='/warnings/']").await;
    let evidence = d.wait_text("#warning-evidence", "21000.00").await;
    assert!(
        !evidence.contains("脑梗"),
        "no diagnosis for the village: {evidence}"
    );
    d.type_into(
        "#warning-verify textarea[name=text]",
        "入户核实：住院属实，自付2.1万元",
    )
    .await;
    d.click("#warning-verify button").await;
    d.wait_url("/cases/").await;
    let stage = d.wait_text("#case-stage", "入户核查").await;
    assert!(
        stage.contains("入户核查"),
        "the verified warning opened a case: {stage}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn officer_uploads_a_feed_on_the_page_and_runs_screening() {
    let Some(app) = common::spawn_app(Backend::Sqlite).await else {
        return;
    };
    let village = "520526001001";
    let admin = app.user("admin", Role::CountyAdmin, "520526").await;
    let _ = app.user("officer", Role::DataOfficer, "520526").await;
    let person = id("1961-03-09", 21);
    let body = household_json("5205260010010011", village, std::slice::from_ref(&person));
    assert_eq!(
        app.post(&admin, "/api/v1/households", &body).await.status(),
        201
    );
    let file = app._dir.path().join("medical.csv");
    std::fs::write(
        &file,
        format!("身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付\n{person},张三,2026-09-01,住院,30000,18000,12000\n"),
    )
    .unwrap();

    let Some(d) = driver().await else {
        return;
    };
    d.goto(&format!("{}/login", app.url)).await;
    d.type_into("input[name=username]", "officer").await;
    d.type_into("input[name=password]", common::PASSWORD).await;
    d.click("#login").await;
    // every address contains "/": wait for the signed-in page instead
    d.wait_text(".who", "officer").await;
    d.goto(&format!("{}/feeds", app.url)).await;
    // the progress script (a file, allowed by the CSP) took over the form
    d.find("#upload-form[data-progress=on]").await;
    d.type_into("input[name=file]", file.to_str().unwrap())
        .await;
    d.click("#upload").await;
    // the import is a job: its page (refreshing itself while it runs)
    // says what it loaded
    let result = d.wait_text("#job-summary", "已导入").await;
    assert!(
        result.contains("已导入") && result.contains("匹配 1"),
        "loaded through the page: {result}"
    );
    d.goto(&format!("{}/feeds", app.url)).await;
    d.click("#run-screening").await;
    // the run is a job too: wait for its summary, not for the address
    d.wait_text("#job-summary", "新预警").await;
    let page = d.cmd(reqwest::Method::GET, "/source", json!({})).await["value"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        page.contains("新预警 1"),
        "the run raised the warning: {page}"
    );
    assert_eq!(app.count("warnings").await, 1);
}

/// Swagger UI renders under its Content-Security-Policy (its own scripts,
/// inline styles allowed on that route only).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_docs_render() {
    let Some(app) = common::spawn_app(Backend::Sqlite).await else {
        return;
    };
    let Some(d) = driver().await else {
        return;
    };
    d.goto(&format!("{}/api/v1/docs/", app.url)).await;
    let info = d.wait_text("#swagger-ui", "dixian API").await;
    assert!(
        info.contains("dixian API"),
        "Swagger UI shows the API: {info}"
    );
    let ops = d.wait_text("#swagger-ui", "/api/v1/ready").await;
    assert!(
        ops.contains("/api/v1/auth/logout"),
        "operations listed: {ops}"
    );
}

/// Issue 11's must-show: on a phone-sized window a village cadre records a
/// follow-up visit with income and a measure's state on the household
/// card's plan tab, which fits the screen; then the township reviewer
/// opens the chain report from the header and sees the planted double
/// payment (two 低保 records for one person from two departments).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cadre_records_a_visit_on_a_phone_and_the_township_sees_the_double_payment() {
    let Some(app) = common::spawn_app(Backend::Sqlite).await else {
        return;
    };
    let village = "520526001001";
    let _ = app.user("admin", Role::CountyAdmin, "520526").await;
    let cadre = app.user("cadre", Role::VillageCadre, village).await;
    let _ = app
        .user("township", Role::TownshipReviewer, "520526001")
        .await;
    let head = id("1968-04-04", 41);
    let body = household_json(
        "5205260010010041",
        village,
        &[head.clone(), id("1995-09-09", 19)],
    );
    let hid = app
        .post(&cadre, "/api/v1/households", &body)
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    // A public-welfare job the visit will see, and the planted double payment.
    let job = json!({"person": head, "kind": "public_welfare_job", "department": "human_resources",
        "amount_fen": 80000, "starts_on": "2026-01-01", "ends_on": null, "status": "ongoing",
        "source": "cadre", "evidence": "人社公益岗"});
    let r = app
        .post(&cadre, &format!("/api/v1/households/{hid}/measures"), &job)
        .await;
    assert_eq!(r.status(), 201);
    let job: i64 = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let all = dixian_store::users::list(&app.store.pool).await.unwrap();
    let actor = dixian_store::Actor::of(all.iter().find(|u| u.username == "cadre").unwrap());
    for (department, from, evidence) in [
        (
            dixian_domain::assistance::Department::CivilAffairs,
            "2026-01-01",
            "民政低保批次",
        ),
        (
            dixian_domain::assistance::Department::Other,
            "2026-02-01",
            "乡镇救助名单",
        ),
    ] {
        let m = dixian_domain::assistance::Measure {
            person: Some(head.parse::<dixian_domain::IdNumber>().unwrap()),
            kind: dixian_domain::assistance::MeasureKind::Dibao,
            department,
            amount_fen: Some(60_000),
            starts_on: chrono::NaiveDate::parse_from_str(from, "%Y-%m-%d").unwrap(),
            ends_on: None,
            status: dixian_domain::assistance::MeasureStatus::Ongoing,
            source: dixian_domain::assistance::MeasureSource::Cadre,
            evidence: evidence.into(),
        };
        dixian_store::assistance::add_measure(&app.store.pool, &actor, hid, &m, chrono::Utc::now())
            .await
            .unwrap();
    }

    let Some(d) = driver().await else {
        return;
    };
    d.window(390, 844).await;
    d.goto(&format!("{}/login", app.url)).await;
    d.type_into("input[name=username]", "cadre").await;
    d.type_into("input[name=password]", common::PASSWORD).await;
    d.click("#login").await;
    d.wait_url("/households").await;
    d.goto(&format!("{}/households/{hid}", app.url)).await;
    d.click("#assistance-tab").await;
    d.wait_url("/assistance").await;
    let width = d.exec("return window.innerWidth;").await;
    assert!(
        width.as_i64().is_some_and(|w| w <= 420),
        "a phone-sized window: {width}"
    );
    let (over, sizes) = d.overflows().await;
    assert!(!over, "the plan tab fits a 390 px phone: {sizes}");
    // The visit: income by source, the job done and effective.
    d.type_into("#visit-form input[name=wage]", "12000").await;
    d.type_into("#visit-form input[name=transfer]", "3600")
        .await;
    d.click(&format!(
        "#visit-form select[name=m{job}_status] option[value=done]"
    ))
    .await;
    d.click(&format!(
        "#visit-form select[name=m{job}_effect] option[value=effective]"
    ))
    .await;
    d.type_into("#visit-form input[name=note]", "务工收入稳定")
        .await;
    d.click("#save-visit").await;
    d.wait_url("saved=visit").await;
    let saved = d.wait_text("#saved", "回访已保存").await;
    assert!(saved.contains("回访已保存"), "success message: {saved}");
    let visits = d.wait_text("#visit-list", "15600").await;
    assert!(
        visits.contains("15600"),
        "the visit listed with its income: {visits}"
    );
    let (over, sizes) = d.overflows().await;
    assert!(!over, "still no horizontal overflow after saving: {sizes}");
    let shot = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/assistance-phone.png");
    d.screenshot(&shot).await;
    let v: Value = app
        .get(&cadre, &format!("/api/v1/households/{hid}/visits"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v[0]["visit"]["income"]["wage_fen"], 1_200_000, "{v}");
    assert_eq!(v[0]["visit"]["income"]["transfer_fen"], 360_000, "{v}");
    let seen = v[0]["visit"]["measures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["measure"] == job)
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (seen["status"].as_str(), seen["effect"].as_str()),
        (Some("done"), Some("effective")),
        "{v}"
    );

    // The township reviewer opens the chain report from the header.
    d.window(1280, 900).await;
    d.goto(&format!("{}/households", app.url)).await;
    d.click("header form button").await;
    d.wait_url("/login").await;
    d.type_into("input[name=username]", "township").await;
    d.type_into("input[name=password]", common::PASSWORD).await;
    d.click("#login").await;
    d.wait_url("/regions").await;
    d.click("#nav-chain-report").await;
    d.wait_url("/chain-report").await;
    let rows = d.wait_text("#chain-rows", "重复享受").await;
    assert!(
        rows.contains("重复享受") && rows.contains("低保") && rows.contains("5205260010010041"),
        "the double payment with its rule and household: {rows}"
    );
    assert!(!rows.contains(&head), "ID numbers masked: {rows}");
    let counts = d.text("#rule-counts").await;
    assert!(counts.contains("重复享受"), "{counts}");
}

/// Every list page fits a 390 px phone (no horizontal scroll): the rows
/// become cards with their column names, the header's links fold into a
/// menu that opens without JavaScript. The cadre's lists (households,
/// warnings, inbox, overdue) and the data officer's (households, feeds),
/// each with rows in it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_pages_fit_a_phone() {
    let Some(app) = common::spawn_app(Backend::Sqlite).await else {
        return;
    };
    let village = "520526001001";
    let _ = app.user("admin", Role::CountyAdmin, "520526").await;
    let cadre = app.user("cadre", Role::VillageCadre, village).await;
    let officer = app.user("officer", Role::DataOfficer, "520526").await;
    let mut heads = Vec::new();
    for i in 0..4u16 {
        let head = id("1962-07-15", 60 + i);
        let body = household_json(
            &format!("52052600100100{:02}", 50 + i),
            village,
            &[head.clone(), id("1990-01-20", 70 + i)],
        );
        let r = app.post(&cadre, "/api/v1/households", &body).await;
        assert_eq!(r.status(), 201);
        heads.push((
            r.json::<Value>().await.unwrap()["id"].as_i64().unwrap(),
            head,
        ));
    }
    // an overdue case (opened 40 days ago) for the inbox and the overdue list
    let all = dixian_store::users::list(&app.store.pool).await.unwrap();
    let actor = dixian_store::Actor::of(all.iter().find(|u| u.username == "cadre").unwrap());
    let book = dixian_web::shipped_rules();
    let policies = move |v: &dixian_domain::RegionCode, on: chrono::NaiveDate| {
        book.select(v, on).map(|s| s.workflow.clone())
    };
    let lead = dixian_store::cases::IncomingLead {
        channel: dixian_domain::Channel::CadreSweep,
        household_id: Some(heads[0].0),
        id_number: None,
        risk_types: vec![dixian_domain::RiskType::Illness],
        note: "走访发现户主患病住院，自付费用较高".into(),
    };
    dixian_store::cases::open_lead(
        &app.store.pool,
        &actor,
        &lead,
        chrono::Utc::now() - chrono::Duration::days(40),
        &policies,
    )
    .await
    .unwrap();
    // a department warning: a hospital stay of another head, screened
    let day = chrono::Utc::now().date_naive() - chrono::Duration::days(20);
    let feed = format!(
        "身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付\n{},张三,{day},住院,30000,18000,12000\n",
        heads[1].1
    );
    let r = app
        .upload_feed(&officer, "medical", feed.into_bytes(), None)
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .post_job(&officer, "/api/v1/screening/runs", &json!({}))
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    assert!(app.count("warnings").await >= 1, "a warning to list");
    // that head's case at the data comparison: the stay is listed to compare
    let r = app
        .post(
            &cadre,
            "/api/v1/leads",
            &json!({"channel": "cadre_sweep", "household_id": heads[1].0,
                "risk_types": ["illness"], "note": "走访发现住院"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let compared = r.json::<Value>().await.unwrap()["case_id"]
        .as_i64()
        .unwrap();
    record(
        &app,
        &cadre,
        compared,
        json!({"kind": "home_check", "findings": "入户核查", "asset_check_consent_signed": true,
            "visited_on": dixian_domain::case::china_date(chrono::Utc::now())}),
    )
    .await;

    let Some(d) = driver().await else {
        return;
    };
    d.window(390, 844).await;
    let width = d.exec("return window.innerWidth;").await;
    assert!(
        width.as_i64().is_some_and(|w| w <= 420),
        "a phone-sized window: {width}"
    );
    d.goto(&format!("{}/login", app.url)).await;
    d.type_into("input[name=username]", "cadre").await;
    d.type_into("input[name=password]", common::PASSWORD).await;
    d.click("#login").await;
    d.wait_url("/households").await;
    // the header's links are folded; the menu opens them (a label, no script)
    assert!(!d.displayed("#nav-inbox").await, "links folded on a phone");
    d.click("#menu-button").await;
    assert!(d.displayed("#nav-inbox").await, "the menu opens the links");
    let card = format!("/households/{}", heads[0].0);
    let case_page = format!("/cases/{compared}");
    for (path, rows) in [
        ("/households", "main table tbody tr"),
        ("/warnings", "main table tbody tr"),
        ("/inbox", "#inbox-cases tbody tr"),
        ("/overdue", "table.overdue tbody tr"),
        (card.as_str(), "#members tbody tr"),
        // the comparison form's department rows
        (case_page.as_str(), "#cmp-medical tbody tr"),
    ] {
        d.goto(&format!("{}{path}", app.url)).await;
        d.find(rows).await; // the list has rows
        let (over, sizes) = d.overflows().await;
        assert!(!over, "{path} fits a 390 px phone: {sizes}");
        // rows are cards: the cells stacked, the column names hidden
        assert_eq!(d.css(rows, "display").await, "flex", "{path}: a card");
        // for a look (README's is docs/screenshots/households-phone.png)
        if path == case_page {
            d.exec("document.querySelector('#comparison-rows').scrollIntoView(); return 0;")
                .await;
        }
        let name = path.trim_start_matches('/').replace('/', "-");
        let shot =
            std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-phone.png"));
        d.screenshot(&shot).await;
    }
    // the data officer's lists
    d.cmd(reqwest::Method::DELETE, "/cookie", json!({})).await;
    d.goto(&format!("{}/login", app.url)).await;
    d.type_into("input[name=username]", "officer").await;
    d.type_into("input[name=password]", common::PASSWORD).await;
    d.click("#login").await;
    d.wait_url("/regions").await;
    for (path, rows) in [
        ("/households", "main table tbody tr"),
        ("/feeds", "main table tbody tr"),
    ] {
        d.goto(&format!("{}{path}", app.url)).await;
        d.find(rows).await;
        let (over, sizes) = d.overflows().await;
        assert!(!over, "{path} fits a 390 px phone (officer): {sizes}");
        assert_eq!(d.css(rows, "display").await, "flex", "{path}: a card");
        let shot = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("officer{}-phone.png", path.replace('/', "-")));
        d.screenshot(&shot).await;
    }
    // on an old PC's screen the lists stay tables with the links in the bar
    d.window(1366, 800).await;
    d.goto(&format!("{}/households", app.url)).await;
    assert_eq!(d.css("main table tbody tr", "display").await, "table-row");
    assert!(d.displayed("#nav-feeds").await, "links in the bar");
}

/// A county admin edits a threshold in the rules form, runs the what-if,
/// reads the difference column and adopts the draft; the page then lists
/// the county's new version. The form and the pivot fit a phone's width.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn county_admin_edits_a_threshold_runs_the_whatif_and_adopts() {
    let Some(app) = common::spawn_app(Backend::Sqlite).await else {
        return;
    };
    let admin = app.user("admin", Role::CountyAdmin, "520526").await;
    let officer = app.user("officer", Role::DataOfficer, "520526").await;
    let (a, b) = (id("1970-03-01", 11), id("1971-04-02", 12));
    for (n, village, person) in [
        ("5205260010010011", "520526001001", &a),
        ("5205261020010011", "520526102001", &b),
    ] {
        let body = household_json(n, village, std::slice::from_ref(person));
        assert_eq!(
            app.post(&admin, "/api/v1/households", &body).await.status(),
            201
        );
    }
    // within the form's default period (the year before today)
    let today = chrono::Utc::now().date_naive();
    let day = |n: u64| (today - chrono::Days::new(n)).to_string();
    let csv = format!(
        "身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付\n{a},张三,{},住院,45000,30000,15000\n{b},李四,{},住院,24000,16000,8000\n",
        day(40),
        day(30)
    );
    let r = app
        .upload_feed(&officer, "medical", csv.into_bytes(), None)
        .await;
    assert_eq!(r.status(), 200);

    let Some(d) = driver().await else {
        return;
    };
    d.goto(&format!("{}/login", app.url)).await;
    d.type_into("input[name=username]", "admin").await;
    d.type_into("input[name=password]", common::PASSWORD).await;
    d.click("#login").await;
    d.wait_text(".who", "admin").await;
    d.window(390, 844).await;
    d.goto(&format!("{}/rules", app.url)).await;
    d.find("#rules-draft").await;
    let (over, sizes) = d.overflows().await;
    assert!(!over, "the rules form fits a phone: {sizes}");
    let field = d.find("#f-medical-self_paid_per_stay").await;
    d.cmd(
        reqwest::Method::POST,
        &format!("/element/{field}/clear"),
        json!({}),
    )
    .await;
    d.type_into("#f-medical-self_paid_per_stay", "10000").await;
    d.click("#draft-whatif").await;
    let result = d.wait_text("#whatif-result", "差额").await;
    assert!(result.contains("差额（草案−现行）"), "{result}");
    assert_eq!(d.text("#wi-total-all-diff").await, "-1", "{result}");
    assert_eq!(d.text("#wi-total-all-current").await, "2");
    let (over, sizes) = d.overflows().await;
    assert!(
        !over,
        "the pivot scrolls inside its box on a phone: {sizes}"
    );
    d.window(1280, 900).await;
    let button = d.text("#adopt-draft-button").await;
    assert!(button.contains("采用此草案为第 1 版"), "{button}");
    d.click("#adopt-draft-button").await;
    let msg = d.wait_text("#rules-message", "1").await;
    assert!(msg.contains("1"), "{msg}");
    let sets = d.wait_text("#rule-sets", "520526").await;
    assert!(
        sets.contains("520526"),
        "the county's new version listed: {sets}"
    );
    let v: Value = app.get(&admin, "/api/v1/rules").await.json().await.unwrap();
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .any(|s| s["region"] == "520526" && s["version"] == 1),
        "{v}"
    );
    let value = d
        .exec("return document.getElementById('f-medical-self_paid_per_stay').value")
        .await;
    assert_eq!(
        value,
        json!("10000"),
        "the form now starts from the adopted set"
    );
}

/// The case page as a dossier: the township reviewer reads the home
/// check's findings and sees the consent's photo listed before deciding,
/// then returns the case for more material (退回补充) with a reason; the
/// village cadre finds the reason in the inbox. The page at 1366 px, in
/// Chinese, goes to docs/screenshots/case-dossier.png.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn township_reads_the_dossier_and_returns_the_case_for_more() {
    const FINDINGS: &str = "住房C级；户主手术后无劳动能力，自付医疗费约3万元";
    const REASON: &str = "缺承诺授权书签字页，请补拍后重新核查";
    let Some((app, now)) = spawn_with_clock().await else {
        return;
    };
    let village = "520526001001";
    let cadre = app.user("cadre", Role::VillageCadre, village).await;
    let _ = app
        .user("township", Role::TownshipReviewer, "520526001")
        .await;
    let body = household_json("5205260010010009", village, &[id("1964-05-06", 19)]);
    let hid = app
        .post(&cadre, "/api/v1/households", &body)
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let lead = json!({"channel": "cadre_sweep", "household_id": hid, "risk_types": ["illness"],
        "note": "组长反映户主住院，家中无人务工"});
    let case = app
        .post(&cadre, "/api/v1/leads", &lead)
        .await
        .json::<Value>()
        .await
        .unwrap()["case_id"]
        .as_i64()
        .unwrap();
    // the consent's photo, then the village's steps (API)
    let png = b"\x89PNG\r\n\x1a\n consent photo".to_vec();
    let part = reqwest::multipart::Part::bytes(png).file_name("承诺授权书.png");
    let r = app
        .client
        .post(format!("{}/api/v1/cases/{case}/attachments", app.url))
        .bearer_auth(&cadre)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let today = dixian_domain::case::china_date(*now.lock().unwrap());
    record(
        &app,
        &cadre,
        case,
        json!({"kind": "home_check", "findings": FINDINGS,
        "asset_check_consent_signed": true, "visited_on": today}),
    )
    .await;
    record(
        &app,
        &cadre,
        case,
        json!({"kind": "data_comparison", "results": "医保自付超过阈值"}),
    )
    .await;
    record(
        &app,
        &cadre,
        case,
        json!({"kind": "deliberation", "held_on": today, "attendees": 13,
        "approve": true, "note": "同意纳入", "proposed_category": "sudden_hardship",
        "proposed_risk_types": ["illness"]}),
    )
    .await;
    let end = today + chrono::Duration::days(5);
    record(
        &app,
        &cadre,
        case,
        json!({"kind": "notice_start", "start": today, "end": end}),
    )
    .await;
    *now.lock().unwrap() += chrono::Duration::days(6);
    record(&app, &cadre, case, json!({"kind": "notice_end"})).await;

    let Some(d) = driver().await else {
        return;
    };
    d.window(1366, 2200).await;
    d.goto(&format!("{}/login", app.url)).await;
    d.type_into("input[name=username]", "township").await;
    d.type_into("input[name=password]", common::PASSWORD).await;
    d.click("#login").await;
    d.wait_url("/regions").await;
    d.goto(&format!("{}/cases/{case}", app.url)).await;
    let dossier = d.wait_text("#dossier", FINDINGS).await;
    assert!(dossier.contains(FINDINGS), "the findings: {dossier}");
    assert!(
        dossier.contains("组长反映户主住院"),
        "the lead's note: {dossier}"
    );
    let files = d.wait_text("#attachment-list", "承诺授权书.png").await;
    assert!(files.contains("承诺授权书.png"), "the attachment: {files}");
    let href = d
        .exec("return document.querySelector('#attachment-list a.attachment-link').getAttribute('href');")
        .await;
    assert!(
        href.as_str().unwrap_or("").starts_with("/attachments/"),
        "{href}"
    );
    let category = d.text("#case-category").await;
    assert!(
        category.contains("突发严重困难户"),
        "the proposal: {category}"
    );
    let shot = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/screenshots/case-dossier.png");
    let _ = std::fs::create_dir_all(shot.parent().unwrap());
    d.screenshot(&shot).await;
    // on a 390 px phone the page fits its width
    d.window(390, 844).await;
    d.goto(&format!("{}/cases/{case}", app.url)).await;
    d.wait_text("#dossier", FINDINGS).await;
    let (wide, sizes) = d.overflows().await;
    assert!(!wide, "the case page overflows a phone: {sizes}");
    d.window(1366, 900).await;

    // 退回补充 with the reason
    d.click("#decision-return").await;
    d.type_into("#decision-reason", REASON).await;
    d.click("#decision-form button").await;
    d.wait_url("done=return_for_more").await;
    let stage = d.wait_text("#case-stage", "入户核查").await;
    assert!(
        stage.contains("入户核查"),
        "back at the home check: {stage}"
    );
    let done = d.text("#done").await;
    assert!(done.contains("退回补充"), "{done}");

    // the cadre sees the reason in the inbox
    d.click("header form button").await;
    d.wait_url("/login").await;
    d.type_into("input[name=username]", "cadre").await;
    d.type_into("input[name=password]", common::PASSWORD).await;
    d.click("#login").await;
    d.wait_url("/households").await;
    d.goto(&format!("{}/inbox", app.url)).await;
    let inbox = d.wait_text("#inbox-cases", REASON).await;
    assert!(inbox.contains(REASON), "the reason in the inbox: {inbox}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resident_declares_on_a_phone_by_village_name_and_sees_the_steps() {
    let Some(app) = common::spawn_app(Backend::Sqlite).await else {
        return;
    };
    let township = "520526001";
    let village = "520526001001";
    let Some(d) = driver().await else {
        return;
    };
    d.window(390, 844).await;
    d.goto(&format!("{}/declare", app.url)).await;
    let width = d.exec("return window.innerWidth;").await;
    assert!(
        width.as_i64().is_some_and(|w| w <= 420),
        "a phone-sized window: {width}"
    );
    let (over, sizes) = d.overflows().await;
    assert!(!over, "the declaration fits a 390 px phone: {sizes}");
    // Township, then village, by name (no code typed).
    d.click(&format!("#declare-township option[value='{township}']"))
        .await;
    d.click(&format!("#declare-village option[value='{village}']"))
        .await;
    d.type_into("input[name=name]", "李四").await;
    d.type_into("input[name=id_number]", &id("1968-04-12", 13))
        .await;
    d.type_into("input[name=phone]", "13800001234").await;
    d.type_into("textarea[name=what_happened]", "户主住院，自付费用高")
        .await;
    d.click("#declare").await;
    let done = d.wait_text("#declare-reference", "已受理").await;
    assert!(done.contains("已受理"), "{done}");
    let (n,): (i64,) = app
        .store
        .pool
        .one(
            dixian_store::db::q("SELECT COUNT(*) FROM leads WHERE village_code = $1").bind(village),
        )
        .await
        .unwrap();
    assert_eq!(n, 1, "the declaration is the picked village's");
    d.click("#declare-status-link").await;
    d.wait_url("/declare/status").await;
    let steps = d.wait_text("#declare-steps", "已受理").await;
    // Received today (China date, written out here), the home check next.
    let today = dixian_domain::case::china_date(chrono::Utc::now());
    let day = format!(
        "{}年{}月{}日",
        chrono::Datelike::year(&today),
        chrono::Datelike::month(&today),
        chrono::Datelike::day(&today)
    );
    for word in [
        "已受理",
        "入户核实",
        "村级评议",
        "公示",
        "乡镇审核",
        "县级审批",
        "结果",
        &day,
    ] {
        assert!(steps.contains(word), "{word} in the steps: {steps}");
    }
    let current = d.text("#declare-steps .step-current").await;
    assert!(current.contains("入户核实"), "the current step: {current}");
    let (over, sizes) = d.overflows().await;
    assert!(!over, "the status page fits a 390 px phone: {sizes}");
}

/// The province viewer reads the province dashboard on a phone and drills
/// down by clicking the SVG bars: province → city → county → township →
/// village, then the village's monitored number to the households behind
/// it — de-identified (a viewer reads statistics, no personal data beyond
/// need), as many as the number says, each with its 三色码; the county
/// admin follows the same number and may open the card.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn province_viewer_drills_down_the_dashboard() {
    let Some(app) = common::spawn_app(Backend::Sqlite).await else {
        return;
    };
    let village = "520526001001";
    let admin = app.user("admin", Role::CountyAdmin, "520526").await;
    let _ = app.user("province", Role::Viewer, "52").await;
    for (i, number) in ["5205260010010301", "5205260010010302"].iter().enumerate() {
        let body = household_json(number, village, &[id("1966-03-03", 80 + i as u16)]);
        let r = app.post(&admin, "/api/v1/households", &body).await;
        assert_eq!(r.status(), 201);
    }
    app.store
        .pool
        .execute(dixian_store::db::q(
            "UPDATE households SET category = 'marginal_at_risk' WHERE number = '5205260010010301'",
        ))
        .await
        .unwrap();

    let Some(d) = driver().await else {
        return;
    };
    d.window(390, 844).await;
    d.goto(&format!("{}/login", app.url)).await;
    d.type_into("input[name=username]", "province").await;
    d.type_into("input[name=password]", common::PASSWORD).await;
    d.click("#login").await;
    // the goto must not race the login's own redirect
    d.wait_text(".who", "province").await;
    d.goto(&format!("{}/dashboard/52", app.url)).await;
    let tiles = d.wait_text("#key-figures", "1").await;
    assert!(
        tiles.contains('1'),
        "one monitored household in the province: {tiles}"
    );
    let (over, sizes) = d.overflows().await;
    assert!(!over, "the dashboard fits a phone: {sizes}");
    for (from, to) in [
        ("5205", "5205"),
        ("520526", "520526"),
        ("520526001", "520526001"),
    ] {
        d.click(&format!("a.bar-link[href^='/dashboard/{from}?'] rect"))
            .await;
        let url = d.wait_url(&format!("/dashboard/{to}?")).await;
        assert!(url.contains(&format!("/dashboard/{to}?")), "{url}");
    }
    d.click(&format!("a.bar-link[href^='/dashboard/{village}?'] rect"))
        .await;
    d.wait_url(&format!("/dashboard/{village}?")).await;
    let number = d.wait_text("#tile-monitored b", "1").await;
    let number: i64 = number.trim().parse().expect("the monitored number");
    d.click("#tile-monitored").await;
    d.wait_url(&format!("/figures/{village}/households")).await;
    let total = d.wait_text("#behind-total", &number.to_string()).await;
    assert_eq!(
        total.trim(),
        number.to_string(),
        "the list counts the number"
    );
    let table = d.wait_text("table#behind", "5205260010010301").await;
    assert!(
        !table.contains("5205260010010302"),
        "only the household behind the number: {table}"
    );
    let rows = d
        .exec("return document.querySelectorAll('table#behind tbody tr').length")
        .await;
    assert_eq!(rows, json!(number), "one line per household counted");
    assert!(table.contains("张*"), "the head's name masked: {table}");
    let colour = d.wait_text("table#behind .status", "黄").await;
    assert!(colour.contains('黄'), "monitored is yellow: {colour}");
    let cards = d
        .exec("return document.querySelectorAll('table#behind a[href^=\"/households/\"]').length")
        .await;
    assert_eq!(cards, json!(0), "a viewer opens no card");
    let (over, sizes) = d.overflows().await;
    assert!(!over, "the list fits a phone: {sizes}");
    d.goto(&format!("{}/dashboard/520526001", app.url)).await;
    d.wait_text("#key-figures", "1").await;
    let shot = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/screenshots/dashboard-phone.png");
    d.screenshot(&shot).await;

    // The county admin follows the number to the households behind it.
    d.cmd(reqwest::Method::DELETE, "/cookie", json!({})).await;
    d.goto(&format!("{}/login", app.url)).await;
    d.type_into("input[name=username]", "admin").await;
    d.type_into("input[name=password]", common::PASSWORD).await;
    d.click("#login").await;
    // the goto must not race the login's own redirect
    d.wait_text(".who", "admin").await;
    d.goto(&format!("{}/dashboard/{village}", app.url)).await;
    d.click("#tile-monitored").await;
    d.wait_url(&format!("/figures/{village}/households")).await;
    d.click("table#behind a[href^='/households/']").await;
    d.wait_url("/households/").await;
    let card = d.wait_text("body", "5205260010010301").await;
    assert!(card.contains("5205260010010301"), "the card: {card}");
    d.goto(&format!(
        "{}/households?region={village}&category=any",
        app.url
    ))
    .await;
    let table = d.wait_text("table.grid", "5205260010010301").await;
    assert!(!table.contains("5205260010010302"), "{table}");
    let colour = d.wait_text("table.grid .status", "黄").await;
    assert!(colour.contains('黄'), "monitored is yellow: {colour}");
}
