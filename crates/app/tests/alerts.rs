//! 规模性返贫预警 through the use cases, on both backends: a year of a
//! large village's ordinary illness leads raises nothing; a flood across
//! five neighbouring villages of 草海镇 (cadre sweep leads → cases) and a
//! factory closing in 龙场镇 (unemployment warnings) are found with their
//! households; a second run raises nothing twice, new evidence grows the
//! open alert; the township and county are told; the township resolves
//! it with a reason (audited) and the same evidence does not raise it
//! again.

mod common;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use common::{actor, date, household_in, id, setup};
use dixian_app::AppError;
use dixian_app::alerts::{self, run_alerts};
use dixian_app::cases;
use dixian_app::rules::Policies;
use dixian_domain::alerts::{AlertStatus, EventSource};
use dixian_domain::{Channel, RegionCode, RiskType, Role, Severity};
use dixian_screen::RuleBook;
use dixian_store::alerts::AlertFilter;
use dixian_store::cases::IncomingLead;
use dixian_store::db::q;
use dixian_store::testing::Backend;
use dixian_store::{Actor, Refusal, Store, StoreError, households};
use std::sync::Arc;

const COUNTY: &str = "520526";
/// 草海镇 and five of its villages.
const FLOOD_TOWN: &str = "520526100";
const FLOOD: [&str; 5] = [
    "520526100227",
    "520526100231",
    "520526100232",
    "520526100233",
    "520526100034",
];
/// 龙场镇 and four of its villages (two households each: no village
/// alone reaches three).
const FACTORY_TOWN: &str = "520526104";
const FACTORY: [&str; 4] = [
    "520526104001",
    "520526104002",
    "520526104003",
    "520526104004",
];
/// 么站社区, a large village with illness leads every fortnight.
const LARGE: &str = "520526101001";

fn as_of() -> NaiveDate {
    date(2026, 7, 20)
}

fn at(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(2, 0, 0).unwrap())
}

fn book() -> RuleBook {
    RuleBook::shipped()
}

fn policies() -> Policies {
    Policies(Arc::new(book()))
}

async fn add_households(store: &Store, village: &str, prefix: &str, n: u16, seq: u16) -> Vec<i64> {
    let op = Actor::operator(RegionCode::parse(COUNTY).unwrap());
    let mut out = Vec::new();
    for i in 0..n {
        let person = id(
            &format!("19{}-03-{:02}", 60 + seq % 30, 1 + i % 28),
            seq * 30 + i + 1,
        );
        let h = household_in(village, &format!("{prefix}{i}"), &person);
        out.push(households::create(&store.pool, &op, &h).await.unwrap());
    }
    out
}

async fn sweep(store: &Store, village: &str, household: i64, risk: RiskType, day: NaiveDate) {
    let cadre = actor(Role::VillageCadre, village);
    let lead = IncomingLead {
        channel: Channel::CadreSweep,
        household_id: Some(household),
        id_number: None,
        risk_types: vec![risk],
        note: "走访发现".into(),
    };
    cases::open_lead(store, &cadre, &lead, at(day), &policies())
        .await
        .unwrap();
}

/// Unemployment warnings of a screening run on `day` (as a run stores them).
async fn warnings(store: &Store, households: &[(i64, &str)], day: NaiveDate) {
    let (run,): (i64,) = store
        .pool
        .one(
            q(
                "INSERT INTO screening_runs (region_code, as_of, rows_screened, warnings_raised,
                   warnings_extended, warnings_known, warnings_attached, started_at, finished_at)
               VALUES ($1, $2, 0, 0, 0, 0, 0, $3, $3) RETURNING id",
            )
            .bind(COUNTY)
            .bind(day)
            .bind(at(day)),
        )
        .await
        .unwrap();
    for (h, village) in households {
        store
            .pool
            .execute(
                q("INSERT INTO warnings (run_id, household_id, village_code, rule_id, rule_set_region,
                       rule_set_from, rule_set_version, rule_set_name, feed_kind, rule_condition, risk_type,
                       severity, severity_rank, first_date, last_date, as_of, raised_at, status)
                   VALUES ($1, $2, $3, 'employment-lost', '52', $4, 1, 'Guizhou', 'employment',
                       'employment_lost', 'unstable_employment', 'medium', 2, $5, $5, $5, $6, 'open')")
                .bind(run)
                .bind(*h)
                .bind(*village)
                .bind(date(2025, 1, 1))
                .bind(day)
                .bind(at(day)),
            )
            .await
            .unwrap();
    }
}

/// The county's data officer (who runs screening).
fn officer() -> Actor {
    actor(Role::DataOfficer, COUNTY)
}

/// A year of the large village: 3–5 households a fortnight (of 40).
async fn background(store: &Store) {
    let large = add_households(store, LARGE, "L", 40, 1).await;
    let mut k = 0;
    for w in 0..26i64 {
        for i in 0..(3 + w % 3) {
            let day = as_of() - Duration::days(w * 14 + i * 3 + 1);
            sweep(store, LARGE, large[k % 40], RiskType::Illness, day).await;
            k += 1;
        }
    }
}

fn refusal_field(e: AppError) -> String {
    match e {
        AppError::Store(StoreError::Refused(Refusal::InvalidField { field, .. })) => field,
        other => panic!("not a field refusal: {other:?}"),
    }
}

async fn quiet_periods_raise_nothing_and_clusters_are_found(backend: Backend) {
    let Some((store, _officer, _d)) = setup(backend).await else {
        return;
    };
    background(&store).await;
    let book = book();
    // Quiet: every day of the last two months before the shocks.
    for back in (1..60).step_by(3) {
        let day = as_of() - Duration::days(back);
        let run = run_alerts(&store, &officer(), &book, day, at(day))
            .await
            .unwrap();
        assert!(run.rule_set.is_some(), "[alerts] in force");
        assert!(run.events > 0, "{day}: the large village's leads are read");
        assert_eq!(run.flagged, 0, "{day}: {run:?}");
    }
    // The flood: two households in each of five villages of 草海镇, within
    // three days; the factory: eight households of 龙场镇 in one week.
    let mut flooded = Vec::new();
    for (v, village) in FLOOD.iter().enumerate() {
        let hs = add_households(&store, village, &format!("F{v}-"), 2, 10 + v as u16).await;
        for h in &hs {
            sweep(
                &store,
                village,
                *h,
                RiskType::Disaster,
                as_of() - Duration::days(v as i64 % 3),
            )
            .await;
            flooded.push(*h);
        }
    }
    let mut laid_off = Vec::new();
    for (v, village) in FACTORY.iter().enumerate() {
        for h in add_households(&store, village, &format!("W{v}-"), 2, 20 + v as u16).await {
            laid_off.push((h, *village));
        }
    }
    warnings(&store, &laid_off, as_of() - Duration::days(4)).await;

    let run = run_alerts(&store, &officer(), &book, as_of(), at(as_of()))
        .await
        .unwrap();
    assert_eq!(run.outcome.raised.len(), 2, "{run:?}");
    let county = actor(Role::CountyAdmin, COUNTY);
    let open = alerts::list(&store, &county, &AlertFilter::default())
        .await
        .unwrap();
    assert_eq!(open.len(), 2, "{open:#?}");
    let flood = open
        .iter()
        .find(|a| a.alert.region_code == FLOOD_TOWN)
        .expect("草海镇");
    assert_eq!(flood.alert.risk_type, RiskType::Disaster);
    assert_eq!(flood.level_code, "township");
    assert_eq!(flood.alert.households, 10);
    assert_eq!(flood.alert.severity, Severity::Medium);
    assert_eq!(flood.alert.window_to, as_of());
    assert_eq!(flood.region_name.as_deref(), Some("草海镇"));
    let factory = open
        .iter()
        .find(|a| a.alert.region_code == FACTORY_TOWN)
        .expect("龙场镇");
    assert_eq!(factory.alert.risk_type, RiskType::UnstableEmployment);
    assert_eq!(factory.alert.households, 8);
    // The large village's ordinary level raised nothing.
    assert!(open.iter().all(|a| a.alert.risk_type != RiskType::Illness));

    // The evidence: the ten households, their cases, the window.
    let view = alerts::alert(&store, &county, flood.alert.id)
        .await
        .unwrap();
    let mut hs: Vec<i64> = view.evidence.iter().map(|e| e.household_id).collect();
    hs.sort_unstable();
    flooded.sort_unstable();
    assert_eq!(hs, flooded);
    assert_eq!(view.villages, 5);
    assert_eq!(view.evidence_total, 10, "every event counted, none cut");
    assert!(view.evidence.iter().all(|e| e.source == EventSource::Case));
    assert!(
        view.evidence.iter().all(|e| e.head_name == "测*"),
        "names masked"
    );
    let told: Vec<&str> = view.told.iter().map(|t| t.region_code.as_str()).collect();
    assert_eq!(told, [FLOOD_TOWN, COUNTY]);
    let fview = alerts::alert(&store, &county, factory.alert.id)
        .await
        .unwrap();
    assert!(
        fview
            .evidence
            .iter()
            .all(|e| e.source == EventSource::Warning)
    );
    assert_eq!(fview.evidence.len(), 8);
    assert_eq!(fview.evidence_total, 8);

    // Inboxes: the township is told of its own alert only, the county of both.
    let town = actor(Role::TownshipReviewer, FLOOD_TOWN);
    let inbox = alerts::inbox(&store, &town).await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].alert.id, flood.alert.id);
    assert_eq!(alerts::inbox(&store, &county).await.unwrap().len(), 2);
    let other_town = actor(Role::TownshipReviewer, FACTORY_TOWN);
    let e = alerts::alert(&store, &other_town, flood.alert.id)
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Store(StoreError::NotFound)), "{e:?}");

    // The same run again raises nothing twice.
    let again = run_alerts(&store, &officer(), &book, as_of(), at(as_of()))
        .await
        .unwrap();
    assert!(
        again.outcome.raised.is_empty() && again.outcome.grown.is_empty(),
        "{again:?}"
    );
    assert_eq!(again.outcome.unchanged, 2);
    // One more flooded household the next day grows the open alert.
    let next = as_of() + Duration::days(1);
    // (in a sixth village of 草海镇: no village reaches three)
    let sixth = "520526100056";
    let more = add_households(&store, sixth, "F9-", 1, 29).await;
    sweep(&store, sixth, more[0], RiskType::Disaster, next).await;
    let grown = run_alerts(&store, &officer(), &book, next, at(next))
        .await
        .unwrap();
    assert_eq!(grown.outcome.grown, [flood.alert.id], "{grown:?}");
    assert!(grown.outcome.raised.is_empty());
    let view = alerts::alert(&store, &county, flood.alert.id)
        .await
        .unwrap();
    assert_eq!(view.line.alert.households, 11);
    assert_eq!(view.line.alert.window_to, next);

    // Resolution: a reason is required; the village may not; audited.
    let version = view.line.alert.version;
    let cadre = actor(Role::VillageCadre, FLOOD[0]);
    let e = alerts::resolve(&store, &cadre, flood.alert.id, version, "x", at(next))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            AppError::Store(StoreError::Forbidden | StoreError::NotFound)
        ),
        "{e:?}"
    );
    let e = alerts::resolve(&store, &town, flood.alert.id, version, "  ", at(next))
        .await
        .unwrap_err();
    assert_eq!(refusal_field(e), "resolution");
    let done = alerts::resolve(
        &store,
        &town,
        flood.alert.id,
        version,
        "已启动应急救助，逐户核查",
        at(next),
    )
    .await
    .unwrap();
    assert_eq!(done.status, AlertStatus::Resolved);
    assert_eq!(done.resolution.as_deref(), Some("已启动应急救助，逐户核查"));
    let (audited,): (i64,) = store
        .pool
        .one(q(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'alert' AND action = 'resolve'",
        ))
        .await
        .unwrap();
    assert_eq!(audited, 1);
    assert_eq!(alerts::inbox(&store, &town).await.unwrap().len(), 0);
    // The same evidence does not raise it again.
    let after = run_alerts(&store, &officer(), &book, next, at(next))
        .await
        .unwrap();
    assert!(after.outcome.raised.is_empty(), "{after:?}");
    let resolved = AlertFilter {
        status: Some("resolved".into()),
        ..AlertFilter::default()
    };
    assert_eq!(
        alerts::list(&store, &county, &resolved)
            .await
            .unwrap()
            .len(),
        1
    );
    // A village cadre cannot run the detector.
    let e = run_alerts(&store, &cadre, &book, next, at(next))
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Store(StoreError::Forbidden)), "{e:?}");
}

macro_rules! on_both_backends {
    ($($name:ident),+) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

on_both_backends!(quiet_periods_raise_nothing_and_clusters_are_found);
