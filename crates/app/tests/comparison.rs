//! 信息比对 on both backends: the department rows listed for a case are
//! those of the household's current members dated within the rule set's
//! `comparison_window_days` (another household's rows and older rows are
//! not), grouped by kind, the person masked, a diagnosis withheld from a
//! village cadre, the warnings each row raised named; the comparison is
//! recorded by a township or county user in scope (not outside it) with
//! a finding for each kind that has rows, and reads back.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::{TOWNSHIP, VILLAGE_A, VILLAGE_B, actor, household_id, id, setup_two_villages};
use dixian_app::AppError;
use dixian_app::cases;
use dixian_app::comparison::{ComparisonList, comparison_rows};
use dixian_app::rules::Policies;
use dixian_app::{FeedFile, OnRowErrors, import_feed, run_screening};
use dixian_domain::case::{Finding, KindFinding, china_date};
use dixian_domain::{CaseEvent, CaseStage, Channel, FeedKind, RiskType, Role};
use dixian_screen::RuleBook;
use dixian_store::cases::IncomingLead;
use dixian_store::testing::Backend;
use dixian_store::{Actor, Store, StoreError};
use std::sync::Arc;

fn policies() -> Policies {
    Policies(Arc::new(RuleBook::shipped()))
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap()
}

/// H1's head (village A) and H2's (village A too: a non-member of H1).
fn h1_person() -> String {
    id("1970-01-01", 11)
}
fn h2_person() -> String {
    id("1975-05-05", 13)
}

fn code(e: AppError) -> String {
    match e {
        AppError::Store(StoreError::NotFound) => "not_found".into(),
        AppError::Store(StoreError::Forbidden) => "forbidden".into(),
        AppError::Store(StoreError::Refused(r)) => r.code().into(),
        other => panic!("not a refusal: {other:?}"),
    }
}

/// Medical rows: H1's stay in the window (self-paid 10,000 元, above the
/// threshold: a warning), H1's visit of 2024 (outside the 365 days), H2's
/// stay in the window; an assistance grant of H1 in the window.
async fn load_rows(store: &Store, officer: &Actor) {
    let medical = format!(
        "身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付,诊断\n\
         {a},王一,2026-02-01,住院,30000.00,20000.00,10000.00,肺炎\n\
         {a},王一,2024-12-01,门诊,800,500,300,感冒\n\
         {b},李二,2026-02-05,住院,900,600,300,骨折\n",
        a = h1_person(),
        b = h2_person()
    );
    let assistance = format!(
        "身份证号,姓名,救助类型,状态,金额,日期\n{a},王一,临时救助,新增,2000,2026-02-10\n",
        a = h1_person()
    );
    for (kind, name, text) in [
        (FeedKind::Medical, "m.csv", medical),
        (FeedKind::Assistance, "a.csv", assistance),
    ] {
        let r = import_feed(
            store,
            officer,
            FeedFile {
                kind,
                name: name.into(),
                bytes: text.into_bytes(),
                idempotency_key: None,
            },
            OnRowErrors::Reject,
            now(),
        )
        .await
        .unwrap();
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert!(r.outcome.is_some(), "loaded");
    }
    run_screening(
        store,
        officer,
        &RuleBook::shipped(),
        china_date(now()),
        now(),
        1,
    )
    .await
    .unwrap();
}

/// A case of household `number` at the data comparison step.
async fn case_at_comparison(store: &Store, number: &str, p: &Policies) -> i64 {
    let cadre = actor(Role::VillageCadre, VILLAGE_A);
    let h = household_id(store, number).await;
    let lead = IncomingLead {
        channel: Channel::CadreSweep,
        household_id: Some(h),
        id_number: None,
        risk_types: vec![RiskType::Illness],
        note: "走访发现户主住院".into(),
    };
    let r = cases::open_lead(store, &cadre, &lead, now(), p)
        .await
        .unwrap();
    let case_id = r.case_id.expect("a case");
    let detail = cases::case(store, &cadre, case_id, now(), p).await.unwrap();
    let check = CaseEvent::HomeCheck {
        findings: "入户核查".into(),
        asset_check_consent_signed: true,
        visited_on: china_date(now()),
    };
    let after = cases::record_event(store, &cadre, case_id, detail.version, &check, now(), p)
        .await
        .unwrap();
    assert_eq!(after.case.stage, CaseStage::DataComparison);
    case_id
}

fn finding(feed: FeedKind, finding: Finding, note: &str) -> KindFinding {
    KindFinding {
        feed,
        finding,
        note: note.into(),
    }
}

fn rows_of(list: &ComparisonList, kind: FeedKind) -> Vec<&dixian_app::comparison::ComparisonRow> {
    list.kinds
        .iter()
        .filter(|k| k.kind == kind)
        .flat_map(|k| &k.rows)
        .collect()
}

async fn the_members_rows_in_the_window_are_listed(backend: Backend) {
    let Some((store, officer, _d)) = setup_two_villages(backend).await else {
        return;
    };
    let p = policies();
    load_rows(&store, &officer).await;
    let case_id = case_at_comparison(&store, "H1", &p).await;
    let cadre = actor(Role::VillageCadre, VILLAGE_A);

    let list = comparison_rows(&store, &cadre, case_id, now(), &p)
        .await
        .unwrap();
    assert_eq!(list.window_days, 365, "from the shipped rule file");
    assert_eq!(list.to, china_date(now()));
    let kinds: Vec<FeedKind> = list.kinds.iter().map(|k| k.kind).collect();
    assert_eq!(kinds, vec![FeedKind::Medical, FeedKind::Assistance]);
    // H1's stay only: not H2's row (a non-member), not the 2024 visit.
    let medical = rows_of(&list, FeedKind::Medical);
    assert_eq!(medical.len(), 1, "{medical:?}");
    let stay = medical[0];
    assert_eq!(stay.date.to_string(), "2026-02-01");
    assert_eq!(
        stay.person,
        format!("{}********{}", &h1_person()[..6], &h1_person()[14..])
    );
    assert!(
        !format!("{list:?}").contains(&h1_person()),
        "no full ID number"
    );
    assert!(!format!("{list:?}").contains(&h2_person()));
    let self_paid = stay
        .fields
        .iter()
        .find(|f| f.key == "self_paid_fen")
        .unwrap();
    assert_eq!(self_paid.value_zh, "10000.00");
    assert!(self_paid.label_zh.contains('元'));
    // A village cadre does not see the diagnosis.
    let diagnosis = stay.fields.iter().find(|f| f.key == "diagnosis").unwrap();
    assert!(diagnosis.withheld && diagnosis.value_zh.is_empty());
    assert!(!format!("{list:?}").contains("肺炎"));
    // The stay raised the self-paid warning.
    assert!(!stay.warnings.is_empty(), "the warning is named");
    let grant = rows_of(&list, FeedKind::Assistance);
    assert_eq!(grant.len(), 1);
    assert_eq!(
        grant[0]
            .fields
            .iter()
            .find(|f| f.key == "amount_fen")
            .unwrap()
            .value_zh,
        "2000.00"
    );

    // The county sees the diagnosis.
    let county = actor(Role::CountyAdmin, "520526");
    let list = comparison_rows(&store, &county, case_id, now(), &p)
        .await
        .unwrap();
    let diagnosis = rows_of(&list, FeedKind::Medical)[0]
        .fields
        .iter()
        .find(|f| f.key == "diagnosis")
        .unwrap()
        .clone();
    assert!(!diagnosis.withheld);
    assert_eq!(diagnosis.value_zh, "肺炎");

    // Outside the scope: absent; a role without cases: refused.
    let cadre_b = actor(Role::VillageCadre, VILLAGE_B);
    let e = comparison_rows(&store, &cadre_b, case_id, now(), &p)
        .await
        .unwrap_err();
    assert_eq!(code(e), "not_found");
    let e = comparison_rows(&store, &officer, case_id, now(), &p)
        .await
        .unwrap_err();
    assert_eq!(code(e), "forbidden");
}

async fn township_and_county_record_it_in_scope_only(backend: Backend) {
    let Some((store, officer, _d)) = setup_two_villages(backend).await else {
        return;
    };
    let p = policies();
    load_rows(&store, &officer).await;
    let c1 = case_at_comparison(&store, "H1", &p).await;
    let c2 = case_at_comparison(&store, "H2", &p).await;
    let township = actor(Role::TownshipReviewer, TOWNSHIP);
    let other_township = actor(Role::TownshipReviewer, "520526002");
    let county = actor(Role::CountyAdmin, "520526");
    let other_county = actor(Role::CountyAdmin, "520527");

    let list = comparison_rows(&store, &township, c1, now(), &p)
        .await
        .unwrap();
    let listed: Vec<i64> = list.listed().iter().map(|(id, _)| *id).collect();
    assert_eq!(listed.len(), 2);
    let h2_rows = comparison_rows(&store, &county, c2, now(), &p)
        .await
        .unwrap();
    let h2_row = h2_rows.listed()[0].0;
    let both = vec![
        finding(FeedKind::Medical, Finding::Consistent, ""),
        finding(
            FeedKind::Assistance,
            Finding::Inconsistent,
            "临时救助未申报",
        ),
    ];
    let event = |reviewed: Vec<i64>, findings: Vec<KindFinding>| CaseEvent::DataComparison {
        results: String::new(),
        reviewed_rows: reviewed,
        findings,
    };
    let version = cases::case(&store, &township, c1, now(), &p)
        .await
        .unwrap()
        .version;
    let at = now() + Duration::hours(1);

    // Outside the scope: absent, for a township and a county elsewhere.
    for outsider in [&other_township, &other_county] {
        let e = comparison_rows(&store, outsider, c1, now(), &p)
            .await
            .unwrap_err();
        assert_eq!(code(e), "not_found");
        let e = cases::record_event(
            &store,
            outsider,
            c1,
            version,
            &event(listed.clone(), both.clone()),
            at,
            &p,
        )
        .await
        .unwrap_err();
        assert_eq!(code(e), "not_found");
    }
    // A kind with rows needs a finding; a row must be a listed one; a
    // comparison says something.
    let e = cases::record_event(
        &store,
        &township,
        c1,
        version,
        &event(listed.clone(), both[..1].to_vec()),
        at,
        &p,
    )
    .await
    .unwrap_err();
    assert_eq!(code(e), "comparison_finding_missing");
    let mut foreign = listed.clone();
    foreign.push(h2_row);
    let e = cases::record_event(
        &store,
        &township,
        c1,
        version,
        &event(foreign, both.clone()),
        at,
        &p,
    )
    .await
    .unwrap_err();
    assert_eq!(code(e), "comparison_row_not_listed");
    let e = cases::record_event(
        &store,
        &township,
        c1,
        version,
        &event(vec![], vec![]),
        at,
        &p,
    )
    .await
    .unwrap_err();
    assert_eq!(code(e), "empty_field");

    // The township records it; it reads back structured.
    let after = cases::record_event(
        &store,
        &township,
        c1,
        version,
        &event(listed.clone(), both.clone()),
        at,
        &p,
    )
    .await
    .unwrap();
    assert_eq!(after.case.stage, CaseStage::VillageDeliberation);
    let detail = cases::case(&store, &township, c1, at, &p).await.unwrap();
    let recorded = detail
        .events
        .iter()
        .find(|e| matches!(e.event, CaseEvent::DataComparison { .. }))
        .expect("recorded");
    assert_eq!(recorded.event, event(listed.clone(), both.clone()));
    let page = cases::case_page(&store, &township, c1, at, &p)
        .await
        .unwrap();
    let (_, rows) = page
        .compared
        .iter()
        .find(|(seq, _)| *seq == recorded.seq)
        .expect("the reviewed rows are shown with the step");
    let shown: usize = rows.iter().map(|k| k.rows.len()).sum();
    assert_eq!(shown, 2);

    // The county records H2's, whose one row is medical.
    let version = cases::case(&store, &county, c2, now(), &p)
        .await
        .unwrap()
        .version;
    let after = cases::record_event(
        &store,
        &county,
        c2,
        version,
        &event(
            vec![h2_row],
            vec![finding(FeedKind::Medical, Finding::Consistent, "")],
        ),
        at,
        &p,
    )
    .await
    .unwrap();
    assert_eq!(after.case.stage, CaseStage::VillageDeliberation);
}

/// A rule set stored before `comparison_window_days` existed: no rows are
/// listed (the refusal says why), and the comparison is still recorded
/// in words, naming no row.
async fn without_a_window_nothing_is_listed_and_words_still_do(backend: Backend) {
    let Some((store, officer, _d)) = setup_two_villages(backend).await else {
        return;
    };
    let shipped = RuleBook::shipped();
    let sets = shipped
        .sets()
        .iter()
        .cloned()
        .map(|mut s| {
            s.workflow.comparison_window_days = None;
            s
        })
        .collect();
    let p = Policies(Arc::new(RuleBook::new(sets).unwrap()));
    load_rows(&store, &officer).await;
    let case_id = case_at_comparison(&store, "H1", &p).await;
    let cadre = actor(Role::VillageCadre, VILLAGE_A);
    let e = comparison_rows(&store, &cadre, case_id, now(), &p)
        .await
        .unwrap_err();
    assert_eq!(code(e), "no_comparison_window");
    let page = cases::case_page(&store, &cadre, case_id, now(), &p)
        .await
        .unwrap();
    assert!(matches!(page.comparison, Some(Err(_))), "the page says why");
    let version = page.detail.version;
    let named = CaseEvent::DataComparison {
        results: "比对无异常".into(),
        reviewed_rows: vec![1],
        findings: Vec::new(),
    };
    let e = cases::record_event(&store, &cadre, case_id, version, &named, now(), &p)
        .await
        .unwrap_err();
    assert_eq!(code(e), "comparison_row_not_listed");
    let words = CaseEvent::DataComparison {
        results: "比对无异常".into(),
        reviewed_rows: Vec::new(),
        findings: Vec::new(),
    };
    let after = cases::record_event(&store, &cadre, case_id, version, &words, now(), &p)
        .await
        .unwrap();
    assert_eq!(after.case.stage, CaseStage::VillageDeliberation);
}

macro_rules! on_both_backends {
    ($($name:ident),+) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

on_both_backends!(
    the_members_rows_in_the_window_are_listed,
    township_and_county_record_it_in_scope_only,
    without_a_window_nothing_is_listed_and_words_still_do
);
