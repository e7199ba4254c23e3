//! The assistance tables in the store, on both backends: a stored code the
//! vocabulary does not know is an integrity error (never a default), the
//! store's own scope and role checks hold without the application layer,
//! and a database encrypted after the fact seals helpers' phones and the
//! persons of measures and plans (rehashed: the chain still finds them).

use chrono::{NaiveDate, TimeZone, Utc};
use dixian_domain::assistance::{
    AssistancePlan, Department, Measure, MeasureKind, MeasureSource, MeasureStatus, PlanStatus,
    PlannedMeasure, ResponsiblePerson,
};
use dixian_domain::{Channel, IdNumber, RegionCode, RiskType, Role, Scope, WorkflowPolicy};
use dixian_store::assistance::{self, MeasureFilter};
use dixian_store::cases::{self, IncomingLead};
use dixian_store::db::q;
use dixian_store::testing::{Backend, fresh_store};
use dixian_store::{Actor, Store, StoreError, households};
use std::path::PathBuf;

const VILLAGE_A: &str = "520526001001";
const VILLAGE_B: &str = "520526001002";

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 2, 0, 0).unwrap()
}

fn actor(role: Role, region: &str) -> Actor {
    Actor {
        user_id: None,
        scope: Scope {
            role,
            region: RegionCode::parse(region).unwrap(),
        },
    }
}

fn person(seq: u16) -> IdNumber {
    IdNumber::from_parts("520526", NaiveDate::from_ymd_opt(1970, 1, 1).unwrap(), seq).unwrap()
}

fn household(number: &str, village: &str, head: &IdNumber) -> dixian_domain::Household {
    serde_json::from_value(serde_json::json!({
        "number": number, "village": village, "village_group": null, "address": "某组",
        "category": null, "formerly_registered_poor": false, "housing": "B", "water": "secure",
        "farmland_mu": 2.0, "forest_mu": 0.0,
        "income": {"wage": 20000, "production": 0, "property": 0, "transfer": 0},
        "medical_expense": 0, "schooling_expense": 0,
        "members": [{
            "id_number": head.as_str(), "name": "测试", "relation": "head", "labor": "full",
            "disability_kind": null, "disability_grade": null, "illness": "healthy",
            "student_stage": null, "student_status": null, "insurance": "insured",
            "employment": "farming", "phone": null
        }]
    }))
    .unwrap()
}

fn measure(p: &IdNumber) -> Measure {
    Measure {
        person: Some(p.clone()),
        kind: MeasureKind::PublicWelfareJob,
        department: Department::HumanResources,
        amount_fen: Some(50_000),
        starts_on: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        ends_on: None,
        status: MeasureStatus::Ongoing,
        source: MeasureSource::Cadre,
        evidence: "协议".into(),
    }
}

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

/// County 520526 with H1 (village A, a case, a plan, a helper, a measure).
async fn world(store: &Store) -> (i64, i64, i64) {
    let divisions =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/divisions");
    let county = RegionCode::parse("520526").unwrap();
    dixian_store::regions::import(&store.pool, &divisions, Some(&county), |_, _, _| {})
        .await
        .unwrap();
    let op = Actor::operator(county);
    let h1 = households::create(&store.pool, &op, &household("H1", VILLAGE_A, &person(11)))
        .await
        .unwrap();
    households::create(&store.pool, &op, &household("H2", VILLAGE_B, &person(13)))
        .await
        .unwrap();
    let cadre = actor(Role::VillageCadre, VILLAGE_A);
    let lead = IncomingLead {
        channel: Channel::CadreSweep,
        household_id: Some(h1),
        id_number: None,
        risk_types: vec![RiskType::Illness],
        note: "住院".into(),
    };
    cases::open_lead(&store.pool, &cadre, &lead, now(), &policy())
        .await
        .unwrap();
    let helper = assistance::create_helper(
        &store.pool,
        &op,
        &ResponsiblePerson {
            name: "李".into(),
            unit: "县局".into(),
            phone: "13900001111".into(),
        },
        now(),
    )
    .await
    .unwrap();
    let plan = AssistancePlan {
        household: String::new(),
        status: PlanStatus::Draft,
        helper: Some(helper),
        starts_on: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
        review_on: NaiveDate::from_ymd_opt(2026, 7, 1).unwrap(),
        measures: vec![PlannedMeasure {
            person: Some(person(11)),
            kind: MeasureKind::PublicWelfareJob,
            reason: "就近就业".into(),
        }],
    };
    assistance::save_plan(&store.pool, &cadre, h1, None, &plan, now())
        .await
        .unwrap();
    let m = assistance::add_measure(&store.pool, &cadre, h1, &measure(&person(11)), now())
        .await
        .unwrap();
    (h1, helper, m)
}

async fn unknown_codes_are_integrity_errors(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(store) = fresh_store(backend, dir.path()).await.unwrap() else {
        return;
    };
    let (h1, _, _) = world(&store).await;
    let cadre = actor(Role::VillageCadre, VILLAGE_A);
    assert_eq!(
        assistance::chain(&store.pool, &cadre, h1)
            .await
            .unwrap()
            .len(),
        1
    );
    store
        .pool
        .execute(q("UPDATE measures SET kind = 'lottery'"))
        .await
        .unwrap();
    let e = assistance::chain(&store.pool, &cadre, h1).await;
    assert!(matches!(e, Err(StoreError::Integrity(_))), "{e:?}");
    store
        .pool
        .execute(q("UPDATE plans SET status = 'Active'"))
        .await
        .unwrap();
    let e = assistance::get_plan(&store.pool, &cadre, h1).await;
    assert!(matches!(e, Err(StoreError::Integrity(_))), "{e:?}");
}

async fn the_store_checks_scope_and_role_itself(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(store) = fresh_store(backend, dir.path()).await.unwrap() else {
        return;
    };
    let (h1, _, m) = world(&store).await;
    let other = actor(Role::VillageCadre, VILLAGE_B);
    let township = actor(Role::TownshipReviewer, "520526001");
    let day = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
    for e in [
        assistance::stop_measure(&store.pool, &other, m, 1, day, now())
            .await
            .err(),
        assistance::add_measure(&store.pool, &other, h1, &measure(&person(11)), now())
            .await
            .err(),
        assistance::list_visits(&store.pool, &other, h1).await.err(),
        assistance::chain(&store.pool, &other, h1).await.err(),
        assistance::get_plan(&store.pool, &other, h1).await.err(),
    ] {
        assert!(matches!(e, Some(StoreError::NotFound)), "{e:?}");
    }
    let e = assistance::add_measure(&store.pool, &township, h1, &measure(&person(11)), now()).await;
    assert!(matches!(e, Err(StoreError::Forbidden)), "{e:?}");
    let e = assistance::stop_measure(&store.pool, &township, m, 1, day, now()).await;
    assert!(matches!(e, Err(StoreError::Forbidden)), "{e:?}");
    // A person of another household, named by the store itself.
    let cadre = actor(Role::VillageCadre, VILLAGE_A);
    let e = assistance::add_measure(&store.pool, &cadre, h1, &measure(&person(13)), now()).await;
    assert!(
        matches!(&e, Err(StoreError::Refused(dixian_store::Refusal::InvalidField { field, .. })) if field == "person"),
        "{e:?}"
    );
    // A region filter outside the scope lists nothing.
    let f = MeasureFilter {
        region: Some(VILLAGE_A.into()),
        ..MeasureFilter::default()
    };
    let (rows, total) = assistance::region_measures(&store.pool, &other, &f)
        .await
        .unwrap();
    assert_eq!((rows.len(), total), (0, 0));
    let (rows, total) = assistance::region_measures(&store.pool, &township, &f)
        .await
        .unwrap();
    assert_eq!((rows.len(), total), (1, 1));
}

/// A clear SQLite database encrypted after the fact: the assistance rows'
/// personal data is sealed and rehashed, and still read back.
#[tokio::test]
async fn encrypting_seals_assistance_rows() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(Backend::Sqlite, dir.path())
        .await
        .unwrap()
        .expect("SQLite");
    let (h1, _, _) = world(&store).await;
    let key = std::sync::Arc::new(dixian_store::crypto::DataKey::generate());
    let store = store.with_data_key(Some(key)).await.unwrap();
    let (phone,): (String,) = store
        .pool
        .one(q("SELECT phone FROM helpers"))
        .await
        .unwrap();
    let (m,): (String,) = store
        .pool
        .one(q("SELECT person_id_number FROM measures"))
        .await
        .unwrap();
    let (p,): (String,) = store
        .pool
        .one(q("SELECT person_id_number FROM plan_measures"))
        .await
        .unwrap();
    assert!(phone.starts_with("v1:") && m.starts_with("v1:") && p.starts_with("v1:"));
    let (hashes,): (i64,) = store
        .pool
        .one(q(
            "SELECT COUNT(*) FROM measures m JOIN members x ON x.id_hash = m.person_hash",
        ))
        .await
        .unwrap();
    assert_eq!(hashes, 1, "the person's hash is the member's, keyed");
    let cadre = actor(Role::VillageCadre, VILLAGE_A);
    let chain = assistance::chain(&store.pool, &cadre, h1).await.unwrap();
    assert_eq!(chain[0].measure.person, Some(person(11)));
    let plan = assistance::get_plan(&store.pool, &cadre, h1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(plan.plan.measures[0].person, Some(person(11)));
    let roster = assistance::list_helpers(&store.pool, &cadre).await.unwrap();
    assert_eq!(roster[0].helper.phone, "13900001111");
}

macro_rules! on_both_backends {
    ($($name:ident),+) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

on_both_backends!(
    unknown_codes_are_integrity_errors,
    the_store_checks_scope_and_role_itself
);
