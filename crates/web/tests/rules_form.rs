//! Rules as a form, on both backends: the county admin's /rules shows the
//! numbers in force as labelled fields (oracle: the shipped rule file's
//! text), an edited threshold runs a what-if whose pivot agrees with the
//! API's what-if JSON (recounted here), the button adopts exactly that
//! draft (read back through /api/v1/rules, audited), a stale draft is
//! refused with 409, bad values come back at their fields with every
//! typed value kept (422), and a role that may not gets 403.

mod common;

use common::{App, Backend, household_json, id};
use dixian_domain::Role;
use serde_json::{Value, json};
use std::collections::BTreeMap;

const GUIZHOU: &str = include_str!("../../../rules/guizhou-2025.toml");
const NATIONAL: &str = include_str!("../../../rules/national-2021.toml");

/// `key = value` of a rule file's text, the value as written.
fn in_file(text: &str, key: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{key} = ")))
        .and_then(|v| v.split_whitespace().next())
        .unwrap_or_else(|| panic!("{key} in the file"))
        .to_string()
}

fn medical(rows: &[(&str, &str, u32)]) -> Vec<u8> {
    let mut text = String::from("身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付,诊断\n");
    for (person, day, paid) in rows {
        text.push_str(&format!(
            "{person},张三,{day},住院,{},{},{paid},肺炎\n",
            paid * 3,
            paid * 2
        ));
    }
    text.into_bytes()
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

async fn get(c: &reqwest::Client, app: &App, path: &str) -> String {
    let r = c.get(format!("{}{path}", app.url)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

async fn post(
    c: &reqwest::Client,
    app: &App,
    path: &str,
    form: &[(String, String)],
) -> (u16, String) {
    let r = c
        .post(format!("{}{path}", app.url))
        .form(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn unescape(s: &str) -> String {
    s.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = start + tag[start..].find('"')?;
    Some(unescape(&tag[start..end]))
}

/// The fields a form of the page posts: (name, value), ticked boxes only.
fn form_of(html: &str, form_id: &str) -> Vec<(String, String)> {
    let start = html
        .find(&format!("id=\"{form_id}\""))
        .unwrap_or_else(|| panic!("form {form_id} on the page"));
    let body = &html[start..start + html[start..].find("</form>").unwrap()];
    let mut out = Vec::new();
    for piece in body.split("<input").skip(1) {
        let tag = &piece[..piece.find('>').unwrap()];
        let Some(name) = attr(tag, "name") else {
            continue;
        };
        if attr(tag, "type").as_deref() == Some("checkbox") && !tag.contains(" checked") {
            continue;
        }
        out.push((name, attr(tag, "value").unwrap_or_default()));
    }
    out
}

fn set(form: &mut [(String, String)], name: &str, value: &str) {
    let f = form
        .iter_mut()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("{name} in the form"));
    f.1 = value.to_string();
}

/// The text of the element with `id` (tags inside dropped).
fn cell(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("{id} on the page"));
    let rest = &html[at..];
    let inner = &rest[rest.find('>').unwrap() + 1..rest.find("</td>").unwrap()];
    inner
        .replace("<b>", "")
        .replace("</b>", "")
        .trim()
        .to_string()
}

async fn rules_form(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    let admin = app.user("admin", Role::CountyAdmin, "520526").await;
    let officer = app.user("officer", Role::DataOfficer, "520526").await;
    app.user("cadre", Role::VillageCadre, "520526001001").await;
    let (a, b) = (id("1970-03-01", 11), id("1971-04-02", 12));
    for (n, village, person) in [("R-1", "520526001001", &a), ("R-2", "520526102001", &b)] {
        let r = app
            .post(
                &admin,
                "/api/v1/households",
                &household_json(n, village, std::slice::from_ref(person)),
            )
            .await;
        assert_eq!(r.status(), 201);
    }
    let r = app
        .upload_feed(
            &officer,
            "medical",
            medical(&[
                (&a, "2026-03-01", 7000),
                (&a, "2026-04-01", 15000),
                (&b, "2026-05-01", 8000),
            ]),
            None,
        )
        .await;
    assert_eq!(r.status(), 200);

    // 1. the numbers in force, labelled, as the shipped file has them
    let c = session(&app, "admin").await;
    let page = get(&c, &app, "/rules").await;
    let form = form_of(&page, "rules-draft");
    let value = |form: &[(String, String)], k: &str| {
        form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    };
    for (field, key) in [
        ("monitoring_line", "monitoring_line"),
        ("medical.self_paid_per_stay", "self_paid_per_stay"),
        ("medical.self_paid_12_months", "self_paid_12_months"),
        ("disaster.loss_threshold", "loss_threshold"),
        ("water.outage_days_limit", "outage_days_limit"),
        ("workflow.notice_min_days", "notice_min_days"),
        (
            "workflow.identification_limit_days",
            "identification_limit_days",
        ),
        (
            "workflow.elimination_min_measures",
            "elimination_min_measures",
        ),
    ] {
        assert_eq!(value(&form, field), Some(in_file(GUIZHOU, key)), "{field}");
    }
    assert!(
        page.contains("单次住院个人自付超过") && page.contains("元/人/年"),
        "labels and units"
    );
    assert!(
        value(&form, "rule:medical-stay").is_some(),
        "the rule is on"
    );
    // each rule with its description from the file, in the page's language
    let block = GUIZHOU.split("id = \"laborer-death\"").nth(1).unwrap();
    let described = |key: &str| {
        block
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key} = \"")))
            .map(|v| v.trim_end_matches('"').to_string())
            .unwrap()
    };
    assert!(page.contains(&described("description")), "中文 description");
    let en = session(&app, "admin").await;
    en.get(format!("{}/lang/en", app.url)).send().await.unwrap();
    let page_en = get(&en, &app, "/rules").await;
    assert!(
        page_en.contains(&described("description_en"))
            && page_en.contains("Self-paid cost of one inpatient stay above"),
        "English labels and description"
    );
    let cadre = session(&app, "cadre").await;
    let seen = get(&cadre, &app, "/rules").await;
    assert!(
        !seen.contains("id=\"rules-draft\""),
        "read-only for a cadre"
    );
    assert!(
        seen.contains(&format!(
            "data-field=\"medical.self_paid_per_stay\">{}<",
            in_file(GUIZHOU, "self_paid_per_stay")
        )),
        "the cadre reads the number in force"
    );

    // 2. an edited threshold → the what-if pivot, against the API's JSON
    let mut edited = form.clone();
    set(&mut edited, "medical.self_paid_per_stay", "10000");
    set(&mut edited, "monitoring_line", "6500");
    set(&mut edited, "from", "2026-01-01");
    set(&mut edited, "to", "2026-06-30");
    let (status, result) = post(&c, &app, "/rules/whatif", &edited).await;
    assert_eq!(status, 200, "{result}");
    let draft_text = GUIZHOU
        .replace("region = \"52\"", "region = \"520526\"")
        .replace("self_paid_per_stay = 6000", "self_paid_per_stay = 10000")
        .replace("monitoring_line = 6000", "monitoring_line = 6500");
    let w: Value = app
        .post_job(
            &admin,
            "/api/v1/rules/whatif",
            &json!({"file_name": "d.toml", "source": draft_text, "from": "2026-01-01", "to": "2026-06-30"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        w["totals"],
        json!([2, 1]),
        "one stay of each person above 6,000; one above 10,000: {w}"
    );
    let mut by_town: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let lines = w["lines"].as_array().unwrap();
    assert!(!lines.is_empty());
    for l in lines {
        let (t, r) = (
            l["township"].as_str().unwrap(),
            l["risk_type"].as_str().unwrap(),
        );
        let (cur, dr) = (l["current"].as_i64().unwrap(), l["draft"].as_i64().unwrap());
        assert_eq!(
            cell(&result, &format!("wi-{t}-{r}-current")),
            cur.to_string()
        );
        assert_eq!(cell(&result, &format!("wi-{t}-{r}-draft")), dr.to_string());
        let diff = dr - cur;
        let shown = if diff > 0 {
            format!("+{diff}")
        } else {
            diff.to_string()
        };
        assert_eq!(cell(&result, &format!("wi-{t}-{r}-diff")), shown);
        let e = by_town.entry(t.to_string()).or_default();
        e.0 += cur;
        e.1 += dr;
    }
    for (t, (cur, dr)) in &by_town {
        assert_eq!(
            cell(&result, &format!("wi-{t}-all-current")),
            cur.to_string()
        );
        assert_eq!(cell(&result, &format!("wi-{t}-all-draft")), dr.to_string());
    }
    assert_eq!(cell(&result, "wi-total-all-current"), "2");
    assert_eq!(cell(&result, "wi-total-all-draft"), "1");
    assert_eq!(cell(&result, "wi-total-all-diff"), "-1");
    assert!(result.contains("差额（草案−现行）") && result.contains(">合计<"));
    assert!(
        !result.contains(">520526102<"),
        "townships by name, not code"
    );
    assert_eq!(
        value(&form_of(&result, "rules-draft"), "monitoring_line").as_deref(),
        Some("6500"),
        "typed values kept"
    );

    // 3. adopt exactly that draft
    let adopt = form_of(&result, "adopt-draft");
    assert!(result.contains("采用此草案为第 1 版"), "{result}");
    let stale = adopt.clone();
    let (status, after) = post(&c, &app, "/rules", &adopt).await;
    assert_eq!(status, 200, "{after}");
    let sets: Value = app.get(&admin, "/api/v1/rules").await.json().await.unwrap();
    let county = sets
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["region"] == "520526")
        .unwrap_or_else(|| panic!("the county's set in force: {sets}"));
    assert_eq!(
        (
            county["version"].clone(),
            county["monitoring_line_yuan"].clone()
        ),
        (json!(1), json!(6500.0))
    );
    let (n,): (i64,) = app
        .store
        .pool
        .one(dixian_store::db::q(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'rule_set' AND user_id IS NOT NULL",
        ))
        .await
        .unwrap();
    assert_eq!(n, 1, "the adoption is audited with its user");
    let now = get(&c, &app, "/rules").await;
    assert_eq!(
        value(&form_of(&now, "rules-draft"), "medical.self_paid_per_stay").as_deref(),
        Some("10000")
    );
    // the same draft again: the set in force changed meanwhile → 409
    let (status, page409) = post(&c, &app, "/rules", &stale).await;
    assert_eq!(status, 409, "{page409}");
    assert!(page409.contains("现行规则已被修改"));
    assert_eq!(
        app.count("rule_sets").await,
        sets.as_array().unwrap().len() as i64,
        "nothing more stored"
    );

    // 4. bad values: 422 at their fields, every typed value kept
    let floor: u32 = in_file(NATIONAL, "notice_min_days").parse().unwrap();
    let mut bad = form_of(&now, "rules-draft");
    set(&mut bad, "medical.self_paid_per_stay", "-5");
    set(&mut bad, "medical.self_paid_12_months", "abc");
    set(
        &mut bad,
        "workflow.notice_min_days",
        &(floor - 1).to_string(),
    );
    set(&mut bad, "disaster.loss_threshold", "12345");
    let (status, shown) = post(&c, &app, "/rules/whatif", &bad).await;
    assert_eq!(status, 422, "{shown}");
    for (field, text) in [
        ("medical.self_paid_per_stay", "必须大于0".to_string()),
        ("medical.self_paid_12_months", "请填写数字".to_string()),
        (
            "workflow.notice_min_days",
            format!("不得低于全国底线 {floor}"),
        ),
    ] {
        assert!(
            shown.contains(&format!(
                "data-field=\"{field}\" id=\"err-f-{}\">{text}<",
                field.replace('.', "-")
            )),
            "{field}: {shown}"
        );
    }
    let kept = form_of(&shown, "rules-draft");
    for (name, value) in &bad {
        assert_eq!(
            kept.iter().find(|(n, _)| n == name).map(|(_, v)| v),
            Some(value),
            "{name} kept"
        );
    }
    assert_eq!(kept.len(), bad.len());
    let (status, shown_en) = post(&en, &app, "/rules/whatif", &bad).await;
    assert_eq!(status, 422);
    assert!(
        shown_en.contains(&format!("May not be below the national floor {floor}")),
        "{shown_en}"
    );
    // a bad TOML draft keeps its text and dates, with a located Chinese error
    let broken = draft_text.replace("self_paid_per_stay = 10000", "self_paid_per_stay = 0");
    let expert = [
        ("file_name", "x.toml"),
        ("source", broken.as_str()),
        ("from", "2026-02-03"),
        ("to", "2026-04-05"),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()));
    let (status, shown) = post(&c, &app, "/rules/whatif", &expert).await;
    assert_eq!(status, 422);
    assert!(
        shown.contains("self_paid_per_stay = 0") && shown.contains("value=\"2026-02-03\""),
        "text and dates kept"
    );
    assert!(
        shown.contains("行第") && shown.contains("必须大于0"),
        "{shown}"
    );

    // 5. roles that may not: 403, nothing written
    let (status, _) = post(&cadre, &app, "/rules/whatif", &edited).await;
    assert_eq!(status, 403);
    let officer_page = session(&app, "officer").await;
    let (status, _) = post(&officer_page, &app, "/rules", &adopt).await;
    assert_eq!(status, 403);
    let (status, _) = post(&cadre, &app, "/rules", &adopt).await;
    assert_eq!(status, 403);
    assert_eq!(
        app.count("rule_sets").await,
        sets.as_array().unwrap().len() as i64
    );
}

on_both_backends!(rules_form);
