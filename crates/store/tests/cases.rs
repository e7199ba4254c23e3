//! Cases in the store, on both backends: leads open, join or wait for the
//! village; events are written once with their audit rows; stale versions,
//! wrong roles and other regions change nothing; concurrent leads for one
//! household make one case.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use dixian_domain::{CaseEvent, CaseStage, IdNumber, RegionCode, Role, WorkflowPolicy};
use dixian_store::cases::{self, Declaration, IncomingLead, LeadStatus, PublicStatus};
use dixian_store::testing::{Backend, fresh_store};
use dixian_store::{Actor, Store, StoreError, db::q, households, users};
use std::path::PathBuf;

const VILLAGE_A: &str = "520526001001";
const VILLAGE_B: &str = "520526102001";

fn policy() -> WorkflowPolicy {
    WorkflowPolicy {
        notice_min_days: 5,
        identification_limit_days: 15,
        home_check_days: 2,
        data_comparison_days: 2,
        deliberation_days: 2,
        township_review_days: 2,
        county_approval_days: 2,
        elimination_min_monitored_months: 6,
        elimination_income_stable_months: 6,
        elimination_min_measures: 1,
        comparison_window_days: Some(365),
    }
}

/// 10:00 in China on 3 March 2025, plus `days`.
fn day(days: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 3, 2, 0, 0).unwrap() + Duration::days(days)
}

fn id(birth: &str, seq: u16) -> String {
    let d = NaiveDate::parse_from_str(birth, "%Y-%m-%d").unwrap();
    IdNumber::from_parts("520526", d, seq)
        .unwrap()
        .as_str()
        .to_string()
}

fn household(number: &str, village: &str, head_id: &str, head: &str) -> dixian_domain::Household {
    serde_json::from_value(serde_json::json!({
        "number": number, "village": village, "village_group": "2组", "address": "某组",
        "category": null, "formerly_registered_poor": false, "housing": "B", "water": "secure",
        "farmland_mu": 2.0, "forest_mu": 0.0,
        "income": {"wage": 20000, "production": 3000, "property": 0, "transfer": 0},
        "medical_expense": 0, "schooling_expense": 0,
        "members": [{
            "id_number": head_id, "name": head, "relation": "head", "labor": "full",
            "disability_kind": null, "disability_grade": null, "illness": "healthy",
            "student_stage": null, "student_status": null, "insurance": "insured",
            "employment": "farming", "phone": null
        }]
    }))
    .unwrap()
}

struct Fixture {
    store: Store,
    _dir: tempfile::TempDir,
    cadre_a: Actor,
    cadre_b: Actor,
    township_a: Actor,
    a: i64,
    b: i64,
}

async fn setup(backend: Backend) -> Option<Fixture> {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(backend, dir.path())
        .await
        .expect("fresh database (PostgreSQL must run in CI)")?;
    let divisions =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/divisions");
    let county = RegionCode::parse("520526").unwrap();
    dixian_store::regions::import(&store.pool, &divisions, Some(&county), |_, _, _| {})
        .await
        .unwrap();
    let op = Actor::operator(county);
    let a = households::create(
        &store.pool,
        &op,
        &household("A-1", VILLAGE_A, &id("1970-01-01", 11), "王一"),
    )
    .await
    .unwrap();
    let b = households::create(
        &store.pool,
        &op,
        &household("B-1", VILLAGE_B, &id("1971-01-01", 21), "李二"),
    )
    .await
    .unwrap();
    let user = |name: &'static str, role: Role, region: &'static str| {
        let pool = store.pool.clone();
        async move {
            let region = RegionCode::parse(region).unwrap();
            let u = users::create(&pool, name, name, "password-123", role, &region)
                .await
                .unwrap();
            Actor::of(&u)
        }
    };
    let cadre_a = user("cadre_a", Role::VillageCadre, VILLAGE_A).await;
    let cadre_b = user("cadre_b", Role::VillageCadre, VILLAGE_B).await;
    let township_a = user("town_a", Role::TownshipReviewer, "520526001").await;
    Some(Fixture {
        store,
        _dir: dir,
        cadre_a,
        cadre_b,
        township_a,
        a,
        b,
    })
}

async fn count(store: &Store, table: &str) -> i64 {
    let (n,): (i64,) = store
        .pool
        .one(q(format!("SELECT COUNT(*) FROM {table}")))
        .await
        .unwrap();
    n
}

fn lead(household_id: i64) -> IncomingLead {
    IncomingLead {
        channel: dixian_domain::Channel::CadreSweep,
        household_id: Some(household_id),
        id_number: None,
        risk_types: vec![dixian_domain::RiskType::Illness],
        note: "住院".into(),
    }
}

fn declaration(name: &str, id_number: &str, village: &str) -> Declaration {
    Declaration {
        name: name.into(),
        id_number: id_number.into(),
        village: village.into(),
        phone: "13800001111".into(),
        risk_types: vec![],
        note: "家里有人生病住院".into(),
    }
}

async fn leads_open_join_and_wait(backend: Backend) {
    let Some(f) = setup(backend).await else {
        return;
    };
    let p = policy();
    let first = cases::open_lead(&f.store.pool, &f.cadre_a, &lead(f.a), day(0), &p)
        .await
        .unwrap();
    assert_eq!(first.status, LeadStatus::Opened);
    let case_id = first.case_id.unwrap();
    // a second lead, by the head's ID number, joins the open case
    let mut by_person = lead(f.a);
    by_person.household_id = None;
    by_person.id_number = Some(id("1970-01-01", 11));
    let again = cases::open_lead(&f.store.pool, &f.cadre_a, &by_person, day(1), &p)
        .await
        .unwrap();
    assert_eq!(
        (again.status, again.case_id),
        (LeadStatus::Joined, Some(case_id))
    );
    // a resident whose name, ID and village agree joins it too
    let d = declaration("王一", &id("1970-01-01", 11), VILLAGE_A);
    let mine = cases::declare(&f.store.pool, &d, day(1), &p).await.unwrap();
    assert_eq!(
        (mine.status, mine.case_id),
        (LeadStatus::Joined, Some(case_id))
    );
    assert_eq!(count(&f.store, "cases").await, 1);
    let status = cases::public_status(&f.store.pool, &mine.reference.to_lowercase())
        .await
        .unwrap();
    assert_eq!(status.status, PublicStatus::InReview);

    // a wrong name is not matched: the village checks it, with the ID kept
    let d = declaration("王五", &id("1971-01-01", 21), VILLAGE_B);
    let unmatched = cases::declare(&f.store.pool, &d, day(2), &p).await.unwrap();
    assert_eq!(
        (unmatched.status, unmatched.case_id),
        (LeadStatus::Unmatched, None)
    );
    let inbox = cases::inbox(&f.store.pool, &f.cadre_b, day(2), &p)
        .await
        .unwrap();
    assert_eq!(inbox.leads.len(), 1);
    assert!(inbox.cases.is_empty());
    assert_eq!(
        inbox.leads[0].declarant_id_number.as_deref(),
        Some(id("1971-01-01", 21).as_str())
    );
    // not in village A's inbox, and A's cadre cannot match it
    let a_inbox = cases::inbox(&f.store.pool, &f.cadre_a, day(2), &p)
        .await
        .unwrap();
    assert!(a_inbox.leads.is_empty());
    let err = cases::match_lead(
        &f.store.pool,
        &f.cadre_a,
        unmatched.lead_id,
        f.b,
        day(2),
        &p,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err}");
    // B's cadre matches it to household B: a new case; the ID is forgotten
    let matched = cases::match_lead(
        &f.store.pool,
        &f.cadre_b,
        unmatched.lead_id,
        f.b,
        day(3),
        &p,
    )
    .await
    .unwrap();
    assert_eq!(matched.status, LeadStatus::Opened);
    let (kept,): (Option<String>,) = f
        .store
        .pool
        .one(q("SELECT declarant_id_number FROM leads WHERE id = $1").bind(unmatched.lead_id))
        .await
        .unwrap();
    assert_eq!(kept, None);
    let err = cases::dismiss_lead(&f.store.pool, &f.cadre_b, unmatched.lead_id, "重复", day(3))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Refused(dixian_store::Refusal::LeadResolved)
        ),
        "{err}"
    );
    assert_eq!(count(&f.store, "cases").await, 2);
    assert_eq!(count(&f.store, "leads").await, 4);
    // bad input is refused without quoting it
    let d = declaration("王一", "52052619700101001X", VILLAGE_A);
    let err = cases::declare(&f.store.pool, &d, day(3), &p)
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        StoreError::Refused(dixian_store::Refusal::InvalidIdNumber { .. })
    ));
    assert!(!err.to_string().contains("52052619700101001X"));
    let d = declaration("王一", &id("1970-01-01", 11), "520526999999");
    let err = cases::declare(&f.store.pool, &d, day(3), &p)
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        StoreError::Refused(dixian_store::Refusal::UnknownVillage)
    ));
}

async fn events_are_written_once(backend: Backend) {
    let Some(f) = setup(backend).await else {
        return;
    };
    let p = policy();
    let r = cases::open_lead(&f.store.pool, &f.cadre_a, &lead(f.a), day(0), &p)
        .await
        .unwrap();
    let case_id = r.case_id.unwrap();
    let check = CaseEvent::HomeCheck {
        findings: "四看".into(),
        asset_check_consent_signed: true,
        visited_on: day(1).date_naive(),
    };
    let after = cases::apply_event(&f.store.pool, &f.cadre_a, case_id, 1, &check, day(1), &p)
        .await
        .unwrap();
    assert_eq!(
        (after.version, after.case.stage),
        (2, CaseStage::DataComparison)
    );
    assert_eq!(after.due_on, Some(day(3).date_naive()));
    let events = cases::events(&f.store.pool, &f.cadre_a, case_id)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].user_name.as_deref(), Some("cadre_a"));
    let rows = (
        count(&f.store, "case_events").await,
        count(&f.store, "audit_log").await,
    );

    let compare = CaseEvent::DataComparison {
        results: "无异常".into(),
        reviewed_rows: Vec::new(),
        findings: Vec::new(),
    };
    // stale version
    let err = cases::apply_event(&f.store.pool, &f.cadre_a, case_id, 1, &compare, day(1), &p)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { current: 2 }), "{err}");
    // wrong role: a township reviewer does not propose 低保 (the village does)
    let err = cases::apply_event(
        &f.store.pool,
        &f.township_a,
        case_id,
        2,
        &CaseEvent::ProposeAssistance {
            assistance: dixian_domain::Assistance::Dibao,
        },
        day(1),
        &p,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Refused(dixian_store::Refusal::Case(
                dixian_domain::CaseError::WrongRole { .. }
            ))
        ),
        "{err}"
    );
    // wrong stage
    let err = cases::apply_event(
        &f.store.pool,
        &f.cadre_a,
        case_id,
        2,
        &CaseEvent::NoticeEnd,
        day(1),
        &p,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Refused(dixian_store::Refusal::Case(
                dixian_domain::CaseError::WrongStage { .. }
            ))
        ),
        "{err}"
    );
    // another village
    let err = cases::apply_event(&f.store.pool, &f.cadre_b, case_id, 2, &compare, day(1), &p)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err}");
    assert!(matches!(
        cases::get_case(&f.store.pool, &f.cadre_b, case_id).await,
        Err(StoreError::NotFound)
    ));
    // no rule set in force
    let none = |_: &RegionCode, _: NaiveDate| None;
    let err = cases::apply_event(
        &f.store.pool,
        &f.cadre_a,
        case_id,
        2,
        &compare,
        day(1),
        &none,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Refused(dixian_store::Refusal::NoRuleSet { .. })
        ),
        "{err}"
    );
    assert_eq!(
        (
            count(&f.store, "case_events").await,
            count(&f.store, "audit_log").await
        ),
        rows,
        "refused events write nothing"
    );
    let now = cases::get_case(&f.store.pool, &f.cadre_a, case_id)
        .await
        .unwrap();
    assert_eq!(
        (now.version, now.case.stage),
        (2, CaseStage::DataComparison)
    );
    assert_eq!(
        dixian_store::audit::verify_chain(&f.store.pool)
            .await
            .unwrap(),
        None
    );
}

async fn concurrent_leads_make_one_case(backend: Backend) {
    let Some(f) = setup(backend).await else {
        return;
    };
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let (pool, actor, hh) = (f.store.pool.clone(), f.cadre_a.clone(), f.a);
            tokio::spawn(async move {
                cases::open_lead(
                    &pool,
                    &actor,
                    &lead(hh),
                    day(0) + Duration::seconds(i),
                    &policy(),
                )
                .await
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap().unwrap().status);
    }
    statuses.sort_by_key(|s| s.code());
    assert_eq!(
        statuses,
        [
            LeadStatus::Joined,
            LeadStatus::Joined,
            LeadStatus::Joined,
            LeadStatus::Opened
        ]
    );
    assert_eq!(count(&f.store, "cases").await, 1);
    assert_eq!(count(&f.store, "leads").await, 4);
}

/// Issue 11, point 7: an eliminated household keeps its category but is no
/// longer counted or listed among the monitored households. Oracle: the
/// fixture's own setup (one household monitored in each village, then A's
/// case moved to `eliminated`).
async fn eliminated_households_are_not_monitored(backend: Backend) {
    let Some(f) = setup(backend).await else {
        return;
    };
    let p = policy();
    let r = cases::open_lead(&f.store.pool, &f.cadre_a, &lead(f.a), day(0), &p)
        .await
        .unwrap();
    let case_id = r.case_id.unwrap();
    for id in [f.a, f.b] {
        f.store
            .pool
            .execute(
                q("UPDATE households SET category = 'marginal_at_risk' WHERE id = $1").bind(id),
            )
            .await
            .unwrap();
    }
    let county = Actor::operator(RegionCode::parse("520526").unwrap());
    let monitored = |rows: Vec<(String, i64, i64, i64)>| rows.iter().map(|r| r.3).sum::<i64>();
    let listed = |filter: households::HouseholdFilter| {
        let (pool, county) = (f.store.pool.clone(), county.clone());
        async move { households::list(&pool, &county, &filter).await.unwrap().1 }
    };
    let any = || households::HouseholdFilter {
        category: Some("any".into()),
        ..Default::default()
    };
    let code = RegionCode::parse("520526").unwrap();
    let before = households::counts_by_child(&f.store.pool, &county, &code)
        .await
        .unwrap();
    assert_eq!(monitored(before), 2, "both households monitored before");
    assert_eq!(listed(any()).await, 2);

    f.store
        .pool
        .execute(
            q("UPDATE cases SET stage = $1 WHERE id = $2")
                .bind(CaseStage::Eliminated.code())
                .bind(case_id),
        )
        .await
        .unwrap();
    let after = households::counts_by_child(&f.store.pool, &county, &code)
        .await
        .unwrap();
    assert_eq!(
        monitored(after.clone()),
        1,
        "the eliminated household left the count: {after:?}"
    );
    let households: i64 = after.iter().map(|r| r.1).sum();
    assert_eq!(households, 2, "it is still a registered household");
    assert_eq!(listed(any()).await, 1);
    let marginal = households::HouseholdFilter {
        category: Some("marginal_at_risk".into()),
        ..Default::default()
    };
    assert_eq!(listed(marginal).await, 1);
    let card = households::get(&f.store.pool, &county, f.a).await.unwrap();
    assert!(
        card.household.category.is_some(),
        "the category stays on the card"
    );
}

/// Issue 11, point 7: a household edit never sets the category (only the
/// workflow does), and 原建档立卡 changes only by the county admin, audited.
async fn household_edits_keep_category_and_formerly_poor(backend: Backend) {
    let Some(f) = setup(backend).await else {
        return;
    };
    let stored = households::get(&f.store.pool, &f.cadre_a, f.a)
        .await
        .unwrap();
    let mut edit = stored.household.clone();
    edit.category = Some(dixian_domain::Category::SuddenHardship);
    let err = households::update(&f.store.pool, &f.cadre_a, f.a, stored.version, &edit)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Refused(dixian_store::Refusal::CategoryByWorkflow)
        ),
        "{err}"
    );
    let mut edit = stored.household.clone();
    edit.formerly_registered_poor = !edit.formerly_registered_poor;
    let err = households::update(&f.store.pool, &f.cadre_a, f.a, stored.version, &edit)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Refused(dixian_store::Refusal::FormerlyPoorByCounty)
        ),
        "{err}"
    );
    let unchanged = households::get(&f.store.pool, &f.cadre_a, f.a)
        .await
        .unwrap();
    assert_eq!(unchanged.version, stored.version, "nothing written");
    assert_eq!(unchanged.household, stored.household);

    // An edit that leaves both alone goes through for the cadre.
    let mut edit = stored.household.clone();
    edit.address = "新地址 1 号".into();
    let v = households::update(&f.store.pool, &f.cadre_a, f.a, stored.version, &edit)
        .await
        .unwrap();
    // The county admin corrects 原建档立卡, and it is audited.
    let audits = count(&f.store, "audit_log").await;
    let county = Actor::operator(RegionCode::parse("520526").unwrap());
    edit.formerly_registered_poor = !edit.formerly_registered_poor;
    households::update(&f.store.pool, &county, f.a, v, &edit)
        .await
        .unwrap();
    let after = households::get(&f.store.pool, &f.cadre_a, f.a)
        .await
        .unwrap();
    assert_eq!(
        after.household.formerly_registered_poor,
        !stored.household.formerly_registered_poor
    );
    assert_eq!(count(&f.store, "audit_log").await, audits + 1);
}

/// Issue 11, point 7: the county brings its monitored list in straight
/// into the monitored stage with the original days; one bad line changes
/// nothing; a village cadre may not; a household with a case is refused.
async fn county_migrates_its_monitored_list(backend: Backend) {
    let Some(f) = setup(backend).await else {
        return;
    };
    let p = policy();
    let county = Actor::operator(RegionCode::parse("520526").unwrap());
    let on = NaiveDate::from_ymd_opt(2024, 3, 15).unwrap();
    let entry = |number: &str| cases::MonitoredEntry {
        number: number.into(),
        category: dixian_domain::Category::UnstableFormerlyPoor,
        risk_types: vec![dixian_domain::RiskType::Illness],
        identified_on: on,
    };
    let before = (
        count(&f.store, "cases").await,
        count(&f.store, "audit_log").await,
    );
    // One unknown number: nothing written, the line named.
    let out = cases::migrate(
        &f.store.pool,
        &county,
        &[entry("A-1"), entry("Z-9")],
        "县名单",
        day(0),
        &p,
    )
    .await
    .unwrap();
    let cases::MigrationOutcome::Refused(issues) = out else {
        panic!("an unknown household must refuse the list: {out:?}");
    };
    assert_eq!(issues.iter().map(|i| i.index).collect::<Vec<_>>(), vec![1]);
    assert_eq!(
        (
            count(&f.store, "cases").await,
            count(&f.store, "audit_log").await
        ),
        before
    );
    // A village cadre may not.
    let out = cases::migrate(
        &f.store.pool,
        &f.cadre_a,
        &[entry("A-1")],
        "县名单",
        day(0),
        &p,
    )
    .await
    .unwrap();
    assert!(
        matches!(out, cases::MigrationOutcome::Refused(_)),
        "{out:?}"
    );
    // The county's whole list goes in.
    let out = cases::migrate(
        &f.store.pool,
        &county,
        &[entry("A-1"), entry("B-1")],
        "县名单",
        day(0),
        &p,
    )
    .await
    .unwrap();
    assert!(
        matches!(&out, cases::MigrationOutcome::Migrated(ids) if ids.len() == 2),
        "{out:?}"
    );
    let a = households::get(&f.store.pool, &county, f.a).await.unwrap();
    assert_eq!(
        a.household.category,
        Some(dixian_domain::Category::UnstableFormerlyPoor)
    );
    let (stage, snapshot): (String, String) = f
        .store
        .pool
        .one(q("SELECT stage, snapshot FROM cases WHERE household_id = $1").bind(f.a))
        .await
        .unwrap();
    assert_eq!(stage, CaseStage::Monitored.code());
    let case: dixian_domain::Case = serde_json::from_str(&snapshot).unwrap();
    assert_eq!(
        case.monitored_since.map(dixian_domain::case::china_date),
        Some(on)
    );
    let events = cases::events(&f.store.pool, &county, {
        let (id,): (i64,) = f
            .store
            .pool
            .one(q("SELECT id FROM cases WHERE household_id = $1").bind(f.a))
            .await
            .unwrap();
        id
    })
    .await
    .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].event.kind(),
        dixian_domain::case::EventKind::Migrated
    );
    // Two cases, two households changed: four audit rows.
    assert_eq!(count(&f.store, "audit_log").await, before.1 + 4);
    // Again: each has a case now.
    let out = cases::migrate(
        &f.store.pool,
        &county,
        &[entry("A-1")],
        "县名单",
        day(1),
        &p,
    )
    .await
    .unwrap();
    assert!(
        matches!(out, cases::MigrationOutcome::Refused(ref i) if i.len() == 1),
        "{out:?}"
    );
    // The registry export carries no category (an import refuses one),
    // while the households keep theirs.
    let mut exported = Vec::new();
    let n = dixian_store::privacy::export_households(
        &f.store.pool,
        &county,
        &RegionCode::parse("520526").unwrap(),
        "csv",
        Some("迁移核对"),
        |h| {
            exported.push((h.household.number.clone(), h.household.category));
            Ok(())
        },
    )
    .await
    .unwrap();
    assert!(
        n >= 2 && exported.iter().all(|(_, c)| c.is_none()),
        "{exported:?}"
    );
    let a1 = exported
        .iter()
        .find(|(num, _)| num == "A-1")
        .expect("A-1 exported");
    assert_eq!(a1.1, None);
}

macro_rules! on_both_backends {
    ($($name:ident),+) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

on_both_backends!(
    leads_open_join_and_wait,
    events_are_written_once,
    concurrent_leads_make_one_case,
    eliminated_households_are_not_monitored,
    household_edits_keep_category_and_formerly_poor,
    county_migrates_its_monitored_list
);
