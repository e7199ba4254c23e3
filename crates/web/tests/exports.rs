//! Every list as a workbook and the household printables, on SQLite and
//! PostgreSQL. Each workbook is downloaded and read back with calamine:
//! its headers are Chinese (English after `/lang/en`), its rows are those
//! of the JSON API's list with the same filter (the oracle), no cell holds
//! a fixture's full ID number or phone, the warnings carry no diagnosis;
//! a list over the configured cap is refused (422) while a narrower
//! filter downloads; another county gets nothing of this one. The print
//! pages show the household's number, the form's headings and masked ID
//! numbers, without the navigation.

mod common;

use calamine::{Reader, Xlsx};
use chrono::{DateTime, Duration, Utc};
use common::{App, Backend, household_json, id};
use dixian_domain::case::china_date;
use dixian_domain::{Channel, RegionCode, RiskType, Role};
use dixian_store::cases::{self, IncomingLead};
use dixian_store::{Actor, users};
use serde_json::{Value, json};

const VILLAGE_A: &str = "520526001001";
const VILLAGE_B: &str = "520526102001";
const TOWNSHIP_A: &str = "520526001";
/// The phone of every member made by `household_json`.
const MEMBER_PHONE: &str = "13800001234";
/// The diagnosis of the ill member in the county's medical feed.
const DIAGNOSIS: &str = "肺结核";
/// The export cap of the fixture's server: the county's 4 households are
/// one too many, village A's 3 are not.
const CAP: u64 = 3;

struct Fixture {
    app: App,
    county: String,
    cadre_a: String,
    officer: String,
    viewer: String,
    /// The cadre of village B: another scope.
    other: String,
    ids: Vec<String>,
    /// Household ids: A-0001 … A-0003, B-0001.
    households: Vec<i64>,
    /// The case of A-0001, opened 30 days ago (overdue).
    oldest: i64,
}

fn policies() -> impl cases::PolicySource {
    let book = dixian_web::shipped_rules();
    move |v: &RegionCode, on: chrono::NaiveDate| book.select(v, on).map(|s| s.workflow.clone())
}

async fn actor(app: &App, username: &str) -> Actor {
    let all = users::list(&app.store.pool).await.unwrap();
    Actor::of(all.iter().find(|u| u.username == username).unwrap())
}

async fn household(
    app: &App,
    token: &str,
    number: &str,
    village: &str,
    head: &str,
    ids: &[String],
) -> i64 {
    let mut h = household_json(number, village, ids);
    h["members"][0]["name"] = Value::from(head);
    if ids.len() > 1 {
        h["members"][1]["illness"] = Value::from("serious");
    }
    let r = app.post(token, "/api/v1/households", &h).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn lead(app: &App, cadre: &Actor, household: i64, at: DateTime<Utc>) -> i64 {
    let lead = IncomingLead {
        channel: Channel::CadreSweep,
        household_id: Some(household),
        id_number: None,
        risk_types: vec![RiskType::Illness],
        note: "走访发现户主患病住院".into(),
    };
    cases::open_lead(&app.store.pool, cadre, &lead, at, &policies())
        .await
        .unwrap()
        .case_id
        .unwrap()
}

/// Village A: three households (the third with an ill member whose
/// hospital stay, diagnosis included, is in the county's medical feed and
/// raised a warning), a case opened 30 days ago (overdue) and one today;
/// village B: one household with a case 3 days old. Served with the cap
/// [`CAP`].
async fn fixture(backend: Backend) -> Option<Fixture> {
    let app = common::spawn_app_with(backend, |s| s.with_export_rows(CAP)).await?;
    let county = app.user("county", Role::CountyAdmin, common::COUNTY).await;
    let cadre_a = app.user("cadre_a", Role::VillageCadre, VILLAGE_A).await;
    let officer = app.user("officer", Role::DataOfficer, common::COUNTY).await;
    let viewer = app.user("viewer", Role::Viewer, common::COUNTY).await;
    let other = app.user("cadre_b", Role::VillageCadre, VILLAGE_B).await;
    let ids: Vec<String> = (1..=5).map(|i| id("1971-06-03", 60 + i)).collect();
    let households = vec![
        household(&app, &county, "A-0001", VILLAGE_A, "王大山", &ids[0..1]).await,
        household(&app, &county, "A-0002", VILLAGE_A, "周小满", &ids[1..2]).await,
        household(&app, &county, "A-0003", VILLAGE_A, "赵春花", &ids[2..4]).await,
        household(&app, &county, "B-0001", VILLAGE_B, "孙石头", &ids[4..5]).await,
    ];
    let (a, b) = (actor(&app, "cadre_a").await, actor(&app, "cadre_b").await);
    let now = Utc::now();
    let oldest = lead(&app, &a, households[0], now - Duration::days(30)).await;
    lead(&app, &a, households[1], now).await;
    lead(&app, &b, households[3], now - Duration::days(3)).await;
    let feed = format!(
        "身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付,诊断\n{},张四,{},住院,45000,30000,15000,{DIAGNOSIS}\n",
        ids[3],
        china_date(now - Duration::days(10))
    );
    let r = app
        .upload_feed(&officer, "medical", feed.into_bytes(), None)
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .post_job(&officer, "/api/v1/screening/runs", &json!({}))
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    Some(Fixture {
        app,
        county,
        cadre_a,
        officer,
        viewer,
        other,
        ids,
        households,
        oldest,
    })
}

/// A workbook's rows as text (title row, header row, data rows).
fn sheet_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut book = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx workbook");
    let range = book
        .worksheet_range_at(0)
        .expect("a sheet")
        .expect("a readable sheet");
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

impl Fixture {
    /// GETs `path` as `token`: status and the workbook's rows (none when
    /// the answer is not a workbook).
    async fn xlsx(&self, token: &str, path: &str) -> (u16, Vec<Vec<String>>, String) {
        let r = self.app.get(token, path).await;
        let status = r.status().as_u16();
        let is_xlsx = r
            .headers()
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap_or("").contains("spreadsheetml"));
        let bytes = r.bytes().await.unwrap();
        if is_xlsx {
            (status, sheet_rows(&bytes), String::new())
        } else {
            (
                status,
                Vec::new(),
                String::from_utf8_lossy(&bytes).into_owned(),
            )
        }
    }

    async fn json(&self, token: &str, path: &str) -> Value {
        let r = self.app.get(token, path).await;
        assert_eq!(r.status(), 200, "{path}");
        r.json().await.unwrap()
    }

    /// No cell holds a full ID number or phone of the fixture, nor the diagnosis.
    fn assert_nothing_private(&self, rows: &[Vec<String>]) {
        assert!(!rows.is_empty());
        for cell in rows.iter().flatten() {
            for secret in self
                .ids
                .iter()
                .map(String::as_str)
                .chain([MEMBER_PHONE, DIAGNOSIS])
            {
                assert!(
                    !cell.contains(secret),
                    "{secret} must not be in the file: {cell}"
                );
            }
        }
    }

    async fn language(&self, lang: &str) {
        let r = self
            .app
            .client
            .get(format!("{}/lang/{lang}", self.app.url))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success() || r.status().is_redirection());
    }

    async fn audit_exports(&self, entity: &str) -> i64 {
        let (n,): (i64,) = self
            .app
            .store
            .pool
            .one(dixian_store::db::q(format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND entity = '{entity}'"
            )))
            .await
            .unwrap();
        n
    }
}

/// Column `name` of the header row (row 1).
fn col(rows: &[Vec<String>], name: &str) -> usize {
    rows[1]
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}: {:?}", rows[1]))
}

fn mask(id: &str) -> String {
    format!("{}********{}", &id[..6], &id[14..])
}

async fn households_workbook_is_the_filtered_list(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    for query in [
        format!("region={VILLAGE_A}"),
        format!("region={VILLAGE_A}&name=周"),
    ] {
        let (status, rows, _) = f
            .xlsx(&f.cadre_a, &format!("/households.xlsx?{query}"))
            .await;
        assert_eq!(status, 200, "{query}");
        let api = f
            .json(
                &f.cadre_a,
                &format!("/api/v1/households?{query}&per_page=200"),
            )
            .await;
        let expected: Vec<&str> = api["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["number"].as_str().unwrap())
            .collect();
        assert!(!expected.is_empty());
        let n = col(&rows, "户编号");
        let got: Vec<&str> = rows[2..].iter().map(|r| r[n].as_str()).collect();
        assert_eq!(got, expected, "{query}");
        for h in ["户主", "户主身份证号", "监测类别", "人均纯收入(元/年)"] {
            col(&rows, h);
        }
        f.assert_nothing_private(&rows);
    }
    // the head's ID number as the page shows it: masked
    let (_, rows, _) = f
        .xlsx(&f.cadre_a, &format!("/households.xlsx?region={VILLAGE_A}"))
        .await;
    let ids = col(&rows, "户主身份证号");
    assert_eq!(rows.len(), 2 + 3);
    assert_eq!(rows[2][ids], mask(&f.ids[0]));
    assert!(f.audit_exports("households_list").await >= 2);
    // English headers after the language switch
    f.language("en").await;
    let (_, rows, _) = f
        .xlsx(&f.cadre_a, &format!("/households.xlsx?region={VILLAGE_A}"))
        .await;
    col(&rows, "Household no.");
    col(&rows, "Head's ID number");
    f.language("zh").await;
    // the page links the download with its filter
    let page = f
        .app
        .get(
            &f.cadre_a,
            &format!("/households?region={VILLAGE_A}&name=%E5%91%A8"),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!(
            "/households.xlsx?region={VILLAGE_A}&#38;name=%E5%91%A8"
        )),
        "{page}"
    );
    // another county: nothing of this one
    let (status, rows, _) = f
        .xlsx(&f.other, &format!("/households.xlsx?region={VILLAGE_A}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(rows.len(), 2, "headers only: {rows:?}");
    // a role that reads no households
    let (status, _, _) = f.xlsx(&f.viewer, "/households.xlsx").await;
    assert_eq!(status, 403);
}

async fn the_cap_refuses_a_list_too_long(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    let before = f.audit_exports("households_list").await;
    let (status, rows, body) = f.xlsx(&f.county, "/households.xlsx").await;
    assert_eq!(status, 422, "4 households, cap {CAP}");
    assert!(rows.is_empty());
    assert!(body.contains("缩小筛选范围"), "{body}");
    assert_eq!(
        f.audit_exports("households_list").await,
        before,
        "nothing exported"
    );
    let (status, rows, _) = f
        .xlsx(&f.county, &format!("/households.xlsx?region={VILLAGE_A}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(rows.len() as u64, 2 + CAP);
}

async fn warnings_workbook_has_the_page_rows_and_no_diagnosis(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    for query in [
        "",
        "?status=all",
        "?risk=illness&status=open",
        "?severity=low&status=all",
    ] {
        let (status, rows, body) = f.xlsx(&f.cadre_a, &format!("/warnings.xlsx{query}")).await;
        assert_eq!(status, 200, "{query}: {body}");
        let sep = if query.is_empty() { "?" } else { "&" };
        let api = f
            .json(
                &f.cadre_a,
                &format!("/api/v1/warnings{query}{sep}per_page=200"),
            )
            .await;
        let expected: Vec<String> = api["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["id"].to_string())
            .collect();
        let n = col(&rows, "预警编号");
        let got: Vec<String> = rows[2..].iter().map(|r| r[n].clone()).collect();
        assert_eq!(got, expected, "{query}");
        if !expected.is_empty() {
            let person = col(&rows, "当事人身份证号");
            assert_eq!(rows[2][person], mask(&f.ids[3]));
        }
        for cell in rows.iter().flatten() {
            assert!(!cell.contains(DIAGNOSIS), "no diagnosis: {cell}");
            for secret in f.ids.iter().map(String::as_str).chain([MEMBER_PHONE]) {
                assert!(!cell.contains(secret));
            }
        }
    }
    let (_, rows, _) = f.xlsx(&f.cadre_a, "/warnings.xlsx").await;
    assert_eq!(rows.len(), 3, "the fixture's one open warning: {rows:?}");
    assert!(f.audit_exports("warnings_list").await >= 1);
    // another village: none of village A's
    let (status, rows, _) = f.xlsx(&f.other, "/warnings.xlsx?status=all").await;
    assert_eq!(status, 200);
    assert_eq!(rows.len(), 2, "headers only: {rows:?}");
}

async fn inbox_and_overdue_workbooks(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    // the inbox: the cases waiting on the village, as the API lists them
    let (status, rows, body) = f.xlsx(&f.cadre_a, "/inbox.xlsx").await;
    assert_eq!(status, 200, "{body}");
    let api = f.json(&f.cadre_a, "/api/v1/inbox").await;
    let expected: Vec<String> = api["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("#{}", c["case_id"]))
        .collect();
    assert!(!expected.is_empty());
    let r = col(&rows, "编号");
    let got: Vec<String> = rows[2..2 + expected.len()]
        .iter()
        .map(|x| x[r].clone())
        .collect();
    assert_eq!(got, expected);
    f.assert_nothing_private(&rows);
    // the overdue list: the case opened 30 days ago, with its days over
    let (status, rows, body) = f.xlsx(&f.county, "/overdue.xlsx").await;
    assert_eq!(status, 200, "{body}");
    let api = f.json(&f.county, "/api/v1/cases/overdue").await;
    let expected: Vec<(String, String)> = api
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["cases"].as_array().unwrap().iter())
        .map(|c| {
            (
                format!("#{}", c["case_id"]),
                c["overdue"]["days_over"].to_string(),
            )
        })
        .collect();
    let (r, d) = (col(&rows, "编号"), col(&rows, "超期天数"));
    let got: Vec<(String, String)> = rows[2..]
        .iter()
        .map(|x| (x[r].clone(), x[d].clone()))
        .collect();
    assert_eq!(got, expected);
    let oldest = format!("#{}", f.oldest);
    let line = rows[2..]
        .iter()
        .find(|x| x[r] == oldest)
        .expect("the case 30 days old is overdue");
    assert_eq!(line[col(&rows, "户编号")], "A-0001");
    assert!(line[d].parse::<u32>().unwrap() >= 20, "{line:?}");
    f.assert_nothing_private(&rows);
    assert!(f.audit_exports("overdue_list").await >= 1);
    // the village cadre's overdue list is the village's only
    let (_, rows, _) = f.xlsx(&f.cadre_a, "/overdue.xlsx").await;
    let n = col(&rows, "户编号");
    assert!(rows[2..].iter().all(|x| x[n].starts_with("A-")), "{rows:?}");
    for path in ["/inbox.xlsx", "/overdue.xlsx"] {
        let (status, _, _) = f.xlsx(&f.viewer, path).await;
        assert_eq!(status, 403, "{path}");
    }
    // another village sees its own only
    let (status, rows, _) = f.xlsx(&f.other, "/overdue.xlsx").await;
    assert_eq!(status, 200);
    let n = col(&rows, "户编号");
    assert!(rows.len() > 2, "B's case 3 days old is overdue: {rows:?}");
    assert!(rows[2..].iter().all(|x| x[n].starts_with("B-")), "{rows:?}");
}

async fn region_figures_workbook(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    let (status, rows, body) = f
        .xlsx(
            &f.viewer,
            &format!("/regions/{}/figures.xlsx", common::COUNTY),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let api = f
        .json(&f.viewer, &format!("/api/v1/regions/{}", common::COUNTY))
        .await;
    let children = api["children"].as_array().unwrap();
    assert_eq!(rows.len(), 2 + children.len() + 1, "children and the total");
    let (code, hh, persons) = (
        col(&rows, "区划代码"),
        col(&rows, "户数"),
        col(&rows, "人数"),
    );
    for (c, row) in children.iter().zip(&rows[2..]) {
        assert_eq!(row[code], c["region"]["code"].as_str().unwrap());
        assert_eq!(row[hh], c["households"].to_string());
        assert_eq!(row[persons], c["persons"].to_string());
    }
    let town_a = rows[2..]
        .iter()
        .find(|r| r[code] == TOWNSHIP_A)
        .expect("township A");
    assert_eq!(town_a[hh], "3", "the fixture's three households");
    assert_eq!(town_a[persons], "4");
    let total = rows.last().unwrap();
    assert_eq!(total[hh], "4");
    assert_eq!(total[1], "合计");
    let (status, _, _) = f
        .xlsx(&f.other, &format!("/regions/{TOWNSHIP_A}/figures.xlsx"))
        .await;
    assert_eq!(status, 404);
}

async fn whatif_and_feed_error_workbooks(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    let today = china_date(Utc::now());
    let source = include_str!("../../../rules/guizhou-2025.toml")
        .replace(
            "region = \"52\"",
            &format!("region = \"{}\"", common::COUNTY),
        )
        .replace("version = 1", "version = 2");
    let from = (today - chrono::Days::new(60)).to_string();
    let to = today.to_string();
    let form = [
        ("file_name", "draft.toml"),
        ("source", source.as_str()),
        ("from", from.as_str()),
        ("to", to.as_str()),
    ];
    let r = f
        .app
        .client
        .post(format!("{}/rules/whatif.xlsx", f.app.url))
        .bearer_auth(&f.officer)
        .header("Origin", &f.app.url)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let rows = sheet_rows(&r.bytes().await.unwrap());
    let api: Value = f
        .app
        .post_job(
            &f.officer,
            "/api/v1/rules/whatif",
            &json!({"file_name": "draft.toml", "source": source, "from": from, "to": to}),
        )
        .await
        .json()
        .await
        .unwrap();
    let lines = api["lines"].as_array().unwrap();
    assert!(!lines.is_empty(), "{api}");
    assert_eq!(rows.len(), 2 + lines.len() + 1, "{rows:?}");
    let (cur, draft) = (col(&rows, "现行规则预警数"), col(&rows, "草案预警数"));
    for (l, row) in lines.iter().zip(&rows[2..]) {
        assert_eq!(row[0], l["township"].as_str().unwrap());
        assert_eq!(row[cur], l["current"].to_string());
        assert_eq!(row[draft], l["draft"].to_string());
    }
    // a department file checked, not loaded: its every bad row
    let batches = f.app.count("feed_batches").await;
    let csv = format!(
        "身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付,诊断\n\
         not-an-id,张三,2026-01-01,住院,100,50,50,\n\
         {},李四,2026-13-45,住院,100,50,50,\n",
        f.ids[0]
    );
    let form = reqwest::multipart::Form::new()
        .text("kind", "medical")
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("bad.csv"),
        );
    let r = f
        .app
        .client
        .post(format!("{}/feeds/errors.xlsx", f.app.url))
        .bearer_auth(&f.officer)
        .header("Origin", &f.app.url)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let rows = sheet_rows(&r.bytes().await.unwrap());
    let (line, column, field) = (col(&rows, "行号"), col(&rows, "列号"), col(&rows, "字段"));
    let places: Vec<(String, String, String)> = rows[2..]
        .iter()
        .map(|r| (r[line].clone(), r[column].clone(), r[field].clone()))
        .collect();
    assert!(
        places.contains(&("2".into(), "1".into(), "身份证号".into())),
        "{places:?}"
    );
    assert!(
        places.contains(&("3".into(), "3".into(), "结算日期".into())),
        "{places:?}"
    );
    assert!(rows[2..].iter().all(|r| !r[col(&rows, "原因")].is_empty()));
    f.assert_nothing_private(&rows);
    assert_eq!(f.app.count("feed_batches").await, batches, "nothing loaded");
}

async fn print_pages_show_the_household_masked_without_navigation(backend: Backend) {
    let Some(f) = fixture(backend).await else {
        return;
    };
    let id = f.households[2];
    for (path, headings) in [
        (
            format!("/households/{id}/print"),
            vec!["农户基本信息卡", "家庭成员"],
        ),
        (
            format!("/households/{id}/home-check-form"),
            vec![
                "防止返贫监测入户核查表",
                "两不愁三保障",
                "家庭收支",
                "工资性",
                "不愁吃",
                "住房安全有保障",
                "核查发现及意见",
                "核查人（签字）",
                "户主（签字",
                "核查日期",
            ],
        ),
    ] {
        let r = f.app.get(&f.cadre_a, &path).await;
        assert_eq!(r.status(), 200, "{path}");
        let html = r.text().await.unwrap();
        assert!(html.contains("A-0003"), "{path}: {html}");
        for h in headings {
            assert!(html.contains(h), "{path}: {h} missing");
        }
        assert!(html.contains(&mask(&f.ids[2])), "{path}: the head masked");
        assert!(html.contains(&mask(&f.ids[3])), "{path}: the member masked");
        for secret in f.ids.iter().map(String::as_str).chain([MEMBER_PHONE]) {
            assert!(!html.contains(secret), "{path}: {secret}");
        }
        assert!(!html.contains("<nav"), "{path}: no navigation");
        assert!(!html.contains("id=\"user-bar\""), "{path}");
        // out of scope reads as absent
        let r = f.app.get(&f.other, &path).await;
        assert_eq!(r.status(), 404, "{path}");
        let r = f.app.get(&f.viewer, &path).await;
        assert_eq!(r.status(), 403, "{path}");
    }
    // the card links both
    let card = f
        .app
        .get(&f.cadre_a, &format!("/households/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(card.contains(&format!("/households/{id}/print")));
    assert!(card.contains(&format!("/households/{id}/home-check-form")));
    // the case's stage shows on the card to print
    let first = f.households[0];
    let html = f
        .app
        .get(&f.cadre_a, &format!("/households/{first}/print"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("入户核查"),
        "the stage of A-0001's case: {html}"
    );
    assert!(html.contains("因病"), "its risk type: {html}");
}

on_both_backends!(
    households_workbook_is_the_filtered_list,
    the_cap_refuses_a_list_too_long,
    warnings_workbook_has_the_page_rows_and_no_diagnosis,
    inbox_and_overdue_workbooks,
    region_figures_workbook,
    whatif_and_feed_error_workbooks,
    print_pages_show_the_household_masked_without_navigation,
);
