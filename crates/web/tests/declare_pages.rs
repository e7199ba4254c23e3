//! The resident's self-declaration page and status page (no login), on
//! SQLite and PostgreSQL: the village is picked by name (township list,
//! its villages, or part of the name), a refused field keeps everything
//! typed and says what to correct next to the field, the status page
//! lists the steps with the days they were passed (oracle: the days the
//! test recorded them, written out by hand), and an unknown reference is
//! answered in neutral words, never about a scope.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::{App, Backend, household_json, id};
use dixian_domain::case::{CaseEvent, china_date};
use dixian_domain::{RegionCode, Role};
use dixian_store::{Actor, cases, regions, users};
use dixian_web::Clock;
use reqwest::header::ORIGIN;

const VILLAGE_A: &str = "520526001001";
const TOWNSHIP_A: &str = "520526001";
/// A village of another township.
const VILLAGE_B: &str = "520526102001";

/// The app's clock: 2025-03-10, noon in China.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 10, 4, 0, 0).unwrap()
}

async fn spawn(backend: Backend) -> Option<App> {
    common::spawn_app_with(backend, |s| s.with_clock(Clock::new(t0))).await
}

async fn name_of(app: &App, code: &str) -> String {
    regions::get(&app.store.pool, &RegionCode::parse(code).unwrap())
        .await
        .unwrap()
        .expect("region loaded")
        .name
}

async fn post_form(app: &App, form: &[(&str, &str)]) -> (u16, String) {
    let r = app
        .client
        .post(format!("{}/declare", app.url))
        .header(ORIGIN, &app.url)
        .form(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn get_text(app: &App, path: &str) -> (u16, String) {
    let r = app
        .client
        .get(format!("{}{path}", app.url))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The reference number on the page that accepted a declaration.
fn reference_in(html: &str) -> String {
    let at = html.find("id=\"declare-reference\"").expect("a reference");
    let rest = &html[at..];
    let start = rest.find("<b class=\"mono\">").unwrap() + "<b class=\"mono\">".len();
    let end = rest[start..].find("</b>").unwrap();
    rest[start..start + end].to_string()
}

async fn village_is_picked_by_name(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let township = name_of(&app, TOWNSHIP_A).await;
    let village = name_of(&app, VILLAGE_A).await;
    // The first page lists the townships by name, no code to type.
    let (status, html) = get_text(&app, "/declare").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!(
            "<option value=\"{TOWNSHIP_A}\">{township}</option>"
        )),
        "township by name"
    );
    assert!(!html.contains("村代码"), "no village code asked for");
    // Choosing the township shows its villages only, by name.
    let (status, html) = post_form(
        &app,
        &[("step", "find"), ("township", TOWNSHIP_A), ("name", "李四")],
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!("<option value=\"{VILLAGE_A}\">{village}</option>")),
        "the township's village by name"
    );
    assert!(
        !html.contains(&format!("value=\"{VILLAGE_B}\"")),
        "no village of another township"
    );
    assert!(html.contains("value=\"李四\""), "what was typed is kept");
    // Part of the name finds it too.
    let part: String = village.chars().take(village.chars().count() - 1).collect();
    let (_, html) = post_form(&app, &[("step", "find"), ("village_search", &part)]).await;
    assert!(
        html.contains(&format!("<option value=\"{VILLAGE_A}\">{village}</option>")),
        "found by part of its name ({part})"
    );
    // The declaration with the picked village is accepted.
    let idn = id("1968-04-12", 13);
    let leads = app.count("leads").await;
    let (status, html) = post_form(
        &app,
        &[
            ("township", TOWNSHIP_A),
            ("village_code", VILLAGE_A),
            ("name", "李四"),
            ("id_number", &idn),
            ("phone", "13800001234"),
            ("what_happened", "户主住院，自付费用高"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(!reference_in(&html).is_empty());
    assert_eq!(app.count("leads").await, leads + 1);
    let (n,): (i64,) = app
        .store
        .pool
        .one(
            dixian_store::db::q("SELECT COUNT(*) FROM leads WHERE village_code = $1")
                .bind(VILLAGE_A),
        )
        .await
        .unwrap();
    assert_eq!(n, 1, "the lead is the picked village's");
}

async fn a_bad_phone_keeps_what_was_typed(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let idn = id("1968-04-12", 13);
    let leads = app.count("leads").await;
    let (status, html) = post_form(
        &app,
        &[
            ("township", TOWNSHIP_A),
            ("village_code", VILLAGE_A),
            ("name", "王小明"),
            ("id_number", &idn),
            ("phone", "打电话给我"),
            ("what_happened", "房屋被洪水冲毁"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(app.count("leads").await, leads, "nothing stored");
    assert!(html.contains("value=\"王小明\""), "the name is kept");
    assert!(html.contains("房屋被洪水冲毁"), "what happened is kept");
    assert!(
        html.contains(&format!("<option value=\"{VILLAGE_A}\" selected>")),
        "the village stays selected"
    );
    assert!(
        html.contains("id=\"error-phone\">电话号码不对"),
        "the phone's own message, next to it"
    );
    assert!(!html.contains("id=\"error-name\""), "no other field marked");
    // Without a village: said next to the village list.
    let (status, html) = post_form(
        &app,
        &[
            ("name", "王小明"),
            ("id_number", &idn),
            ("phone", "13800001234"),
            ("what_happened", "房屋被洪水冲毁"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"error-village_code\">请选择您所在的村"));
    assert!(html.contains("value=\"13800001234\""), "the phone is kept");
}

async fn status_lists_the_steps_with_their_days(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let admin = app.user("admin", Role::CountyAdmin, common::COUNTY).await;
    app.user("cadre", Role::VillageCadre, VILLAGE_A).await;
    let idn = id("1970-03-01", 11);
    let r = app
        .post(
            &admin,
            "/api/v1/households",
            &household_json("A-0001", VILLAGE_A, std::slice::from_ref(&idn)),
        )
        .await;
    assert_eq!(r.status(), 201);
    // 张三 is the head `household_json` registers: the declaration is
    // matched and opens a case.
    let (status, html) = post_form(
        &app,
        &[
            ("village_code", VILLAGE_A),
            ("name", "张三"),
            ("id_number", &idn),
            ("phone", "13800001234"),
            ("what_happened", "户主住院，自付费用高"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    let reference = reference_in(&html);
    // The village's home check two days later, the data comparison three.
    let all = users::list(&app.store.pool).await.unwrap();
    let cadre = Actor::of(all.iter().find(|u| u.username == "cadre").unwrap());
    let book = dixian_web::shipped_rules();
    let policies =
        move |v: &RegionCode, on: chrono::NaiveDate| book.select(v, on).map(|s| s.workflow.clone());
    let inbox = cases::inbox(&app.store.pool, &cadre, t0(), &policies)
        .await
        .unwrap();
    let case = inbox.cases.first().expect("the declaration's case");
    let (home, comparison) = (t0() + Duration::days(2), t0() + Duration::days(3));
    let after = cases::apply_event(
        &app.store.pool,
        &cadre,
        case.case_id,
        1,
        &CaseEvent::HomeCheck {
            findings: "自付医疗费用较高".into(),
            asset_check_consent_signed: true,
            visited_on: china_date(home),
        },
        home,
        &policies,
    )
    .await
    .unwrap();
    cases::apply_event(
        &app.store.pool,
        &cadre,
        case.case_id,
        after.version,
        &CaseEvent::DataComparison {
            results: "比对无异常".into(),
            reviewed_rows: Vec::new(),
            findings: Vec::new(),
        },
        comparison,
        &policies,
    )
    .await
    .unwrap();
    let (status, html) = get_text(&app, &format!("/declare/status?reference={reference}")).await;
    assert_eq!(status, 200);
    let steps = &html[html.find("id=\"declare-steps\"").expect("the steps")..];
    let items: Vec<&str> = steps.split("<li").skip(1).collect();
    assert_eq!(items.len(), 7, "seven steps");
    let want = [
        ("已受理", "step-done", "2025年3月10日"),
        ("入户核实", "step-done", "2025年3月13日"),
        ("村级评议", "step-current", ""),
        ("公示", "step-ahead", ""),
        ("乡镇审核", "step-ahead", ""),
        ("县级审批", "step-ahead", ""),
        ("结果", "step-ahead", ""),
    ];
    for (item, (label, class, day)) in items.iter().zip(want) {
        assert!(item.contains(&format!("<b>{label}</b>")), "{label}: {item}");
        assert!(item.contains(class), "{label} is {class}: {item}");
        assert!(item.contains(day), "{label} on {day}: {item}");
    }
    assert!(
        items[2].contains("aria-current=\"step\""),
        "the current step is marked"
    );
    assert!(
        !html.contains("张三") && !html.contains(&idn),
        "no personal data"
    );
}

async fn an_unknown_reference_is_answered_neutrally(backend: Backend) {
    let Some(app) = spawn(backend).await else {
        return;
    };
    let (status, html) = get_text(&app, "/declare/status?reference=250310-AAAA-BBBB").await;
    assert_eq!(status, 404);
    assert!(html.contains("未找到该受理编号，请核对后重试"));
    for word in ["管辖", "范围", "scope"] {
        assert!(!html.contains(word), "no word of scope ({word})");
    }
    get_text(&app, "/lang/en").await;
    let (_, html) = get_text(&app, "/declare/status?reference=250310-AAAA-BBBB").await;
    assert!(
        html.contains("No declaration has this reference number"),
        "in English"
    );
    for word in ["scope", "your region", "管辖"] {
        assert!(!html.contains(word), "no word of scope ({word})");
    }
}

on_both_backends!(
    village_is_picked_by_name,
    a_bad_phone_keeps_what_was_typed,
    status_lists_the_steps_with_their_days,
    an_unknown_reference_is_answered_neutrally,
);
