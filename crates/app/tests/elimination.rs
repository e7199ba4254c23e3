//! Risk elimination decides, on both backends: proposing it is refused
//! while a criterion of the check fails (each failing criterion named),
//! and accepted once measures and follow-up visits make them hold; the
//! county's approval is refused the same way unless it gives a written
//! override reason, which the case keeps and the audit row records. A
//! household that becomes monitored — by the county's approval or its
//! migration list — gets a draft plan proposed from the catalogue in force.

mod common;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use common::{VILLAGE_A, actor, household_id, id, setup};
use dixian_app::AppError;
use dixian_app::rules::Policies;
use dixian_app::{assistance, cases, migration};
use dixian_domain::assistance::{
    BasicNeeds, Department, FollowUpVisit, IncomeBySource, Measure, MeasureClass, MeasureKind,
    MeasureSource, MeasureStatus, PlanStatus,
};
use dixian_domain::case::{EliminationCriterion as C, TextField, china_date};
use dixian_domain::{CaseError, CaseEvent, CaseStage, Category, IdNumber, RiskType, Role};
use dixian_screen::RuleBook;
use dixian_store::cases::IncomingLead;
use dixian_store::db::q;
use dixian_store::testing::Backend;
use dixian_store::{Refusal, Store, StoreError};
use std::sync::Arc;

fn policies() -> Policies {
    Policies(Arc::new(RuleBook::shipped()))
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 2, 0, 0).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn head_h1() -> IdNumber {
    id("1970-01-01", 11).parse().unwrap()
}

/// The failing criteria of a refusal, or a panic naming what came instead.
fn failing(r: Result<impl std::fmt::Debug, AppError>) -> Vec<C> {
    match r {
        Err(AppError::Store(StoreError::Refused(e @ Refusal::EliminationCriteriaFail { .. }))) => {
            let Refusal::EliminationCriteriaFail { failing } = &e else {
                unreachable!()
            };
            // The message names each failing criterion in both languages.
            let msg = e.to_string();
            for c in failing {
                assert!(msg.contains(c.label_zh()), "{msg}");
                assert!(msg.contains(&c.label_en().to_lowercase()), "{msg}");
            }
            assert_eq!(e.code(), "elimination_criteria_fail");
            failing.clone()
        }
        other => panic!("expected the elimination refusal, got {other:?}"),
    }
}

fn visit(from: NaiveDate, to: NaiveDate, wage_fen: i64) -> FollowUpVisit {
    FollowUpVisit {
        visited_on: to,
        period_from: from,
        period_to: to,
        income: IncomeBySource {
            wage_fen,
            ..Default::default()
        },
        persons: 1,
        needs: BasicNeeds {
            food: true,
            clothing: true,
            schooling: true,
            medical: true,
            housing: true,
            water: true,
        },
        measures: Vec::new(),
        note: "务工稳定".into(),
    }
}

/// Brings H1 in as monitored since 2025-09-01 through the county's
/// migration list; returns the household and case ids.
async fn migrate_h1(store: &Store) -> (i64, i64) {
    let county = actor(Role::CountyAdmin, "520526");
    let csv = "户编号,监测对象类别,风险类型,认定日期\nH1,sudden_hardship,illness,2025-09-01\n";
    let report = migration::migrate_list(store, &county, csv.as_bytes().to_vec(), "存量", now())
        .await
        .unwrap();
    assert!(report.errors.is_empty(), "{report:?}");
    assert_eq!((report.migrated, report.plans_proposed), (1, 1));
    let h1 = household_id(store, "H1").await;
    let (case_id,): (i64,) = store
        .pool
        .one(q("SELECT id FROM cases WHERE household_id = $1").bind(h1))
        .await
        .unwrap();
    (h1, case_id)
}

async fn version(store: &Store, case_id: i64) -> i64 {
    let county = actor(Role::CountyAdmin, "520526");
    cases::case(store, &county, case_id, now(), &policies())
        .await
        .unwrap()
        .version
}

async fn elimination_is_refused_until_the_criteria_hold(backend: Backend) {
    let Some((store, _, _dir)) = setup(backend).await else {
        return;
    };
    let p = policies();
    let (h1, case_id) = migrate_h1(&store).await;
    let cadre = actor(Role::VillageCadre, VILLAGE_A);
    let township = actor(Role::TownshipReviewer, "520526001");
    let county = actor(Role::CountyAdmin, "520526");

    // The migration proposed the plan: a draft with a development measure
    // for the head, who can work.
    let plan = assistance::get_plan(&store, &cadre, h1)
        .await
        .unwrap()
        .expect("a draft plan");
    assert_eq!(plan.plan.status, PlanStatus::Draft);
    let (cat, numbers) = RuleBook::shipped()
        .catalogue_for(&VILLAGE_A.parse().unwrap(), china_date(now()))
        .map(|(c, a)| (c.clone(), a.clone()))
        .unwrap();
    assert!(
        plan.plan
            .measures
            .iter()
            .any(|m| m.person == Some(head_h1())
                && cat.get(m.kind).map(|r| r.class) == Some(MeasureClass::Development)),
        "{:?}",
        plan.plan.measures
    );

    // No measure, no visit: proposing elimination names both gaps.
    let propose = CaseEvent::ProposeElimination {
        note: "收入稳定".into(),
    };
    let v = version(&store, case_id).await;
    let r = cases::record_event(&store, &cadre, case_id, v, &propose, now(), &p).await;
    assert_eq!(failing(r), vec![C::IncomeStable, C::MeasuresReceived]);
    assert_eq!(version(&store, case_id).await, v, "nothing written");
    // The case page shows the same criteria.
    let page = cases::case_page(&store, &cadre, case_id, now(), &p)
        .await
        .unwrap();
    let check = page.elimination.expect("monitored: the check is shown");
    assert_eq!(
        check.report.failing().collect::<Vec<_>>(),
        vec![C::IncomeStable, C::MeasuresReceived]
    );

    // A measure received: only income is missing.
    let source = (cat.clone(), numbers);
    let job = Measure {
        person: Some(head_h1()),
        kind: MeasureKind::Employment,
        department: Department::HumanResources,
        amount_fen: None,
        starts_on: day(2025, 10, 1),
        ends_on: None,
        status: MeasureStatus::Ongoing,
        source: MeasureSource::Cadre,
        evidence: "务工协议".into(),
    };
    assistance::add_measure(&store, &cadre, &source, h1, &job, now())
        .await
        .unwrap();
    let r = cases::record_event(&store, &cadre, case_id, v, &propose, now(), &p).await;
    assert_eq!(failing(r), vec![C::IncomeStable]);
    // Income below the line (6,000 元 a year in Guizhou 2025) does not count.
    let low = visit(day(2025, 9, 1), day(2025, 10, 31), 50_000);
    assistance::record_visit(&store, &cadre, h1, &low, now())
        .await
        .unwrap();
    let r = cases::record_event(&store, &cadre, case_id, v, &propose, now(), &p).await;
    assert_eq!(failing(r), vec![C::IncomeStable]);
    // Seven months above it: the proposal is accepted.
    let good = visit(day(2025, 11, 1), day(2026, 5, 31), 500_000);
    assistance::record_visit(&store, &cadre, h1, &good, now())
        .await
        .unwrap();
    let after = cases::record_event(&store, &cadre, case_id, v, &propose, now(), &p)
        .await
        .unwrap();
    assert_eq!(after.case.stage, CaseStage::EliminationDeliberation);

    // Deliberation, notice, review.
    let at = |d: i64| now() + Duration::days(d);
    let steps = [
        (
            &cadre,
            0,
            CaseEvent::Deliberation {
                held_on: china_date(now()),
                attendees: 11,
                approve: true,
                note: "同意".into(),
                proposed_category: None,
                proposed_risk_types: vec![],
            },
        ),
        (
            &cadre,
            0,
            CaseEvent::NoticeStart {
                start: china_date(now()),
                end: china_date(at(6)),
            },
        ),
        (&cadre, 7, CaseEvent::NoticeEnd),
        (
            &township,
            8,
            CaseEvent::TownshipReview {
                approve: true,
                note: "同意".into(),
            },
        ),
    ];
    let mut v = after.version;
    for (who, d, e) in steps {
        v = cases::record_event(&store, who, case_id, v, &e, at(d), &p)
            .await
            .unwrap_or_else(|e| panic!("{e:?}"))
            .version;
    }
    // Before the county decides, a visit finds the house unsafe.
    let mut unsafe_house = visit(day(2026, 6, 1), day(2026, 6, 8), 120_000);
    unsafe_house.needs.housing = false;
    assistance::record_visit(&store, &cadre, h1, &unsafe_house, at(8))
        .await
        .unwrap();
    let approve = |reason: Option<&str>| CaseEvent::CountyApproval {
        approve: true,
        category: None,
        risk_types: vec![],
        note: "同意消除".into(),
        override_reason: reason.map(str::to_string),
    };
    let r = cases::record_event(&store, &county, case_id, v, &approve(None), at(9), &p).await;
    assert_eq!(failing(r), vec![C::SafeHousing]);
    // A blank reason is no reason.
    let r = cases::record_event(&store, &county, case_id, v, &approve(Some("  ")), at(9), &p).await;
    assert!(
        matches!(
            &r,
            Err(AppError::Store(StoreError::Refused(Refusal::Case(
                CaseError::Empty(TextField::OverrideReason)
            ))))
        ),
        "{r:?}"
    );
    // The village may not override: only the county approves.
    let reason = "危房改造已竣工验收，回访记录系改造前情况";
    let r = cases::record_event(
        &store,
        &township,
        case_id,
        v,
        &approve(Some(reason)),
        at(9),
        &p,
    )
    .await;
    assert!(
        matches!(
            &r,
            Err(AppError::Store(StoreError::Refused(Refusal::Case(
                CaseError::WrongRole { .. }
            ))))
        ),
        "{r:?}"
    );
    let done = cases::record_event(
        &store,
        &county,
        case_id,
        v,
        &approve(Some(reason)),
        at(9),
        &p,
    )
    .await
    .unwrap();
    assert_eq!(done.case.stage, CaseStage::Eliminated);
    let o = done.case.elimination_override.as_ref().expect("kept");
    assert_eq!(o.reason, reason);

    // Audited: the approval's audit row and the case event carry the reason.
    let (after_json,): (Option<String>,) = store
        .pool
        .one(
            q(
                "SELECT after FROM audit_log WHERE entity = 'case' AND entity_id = $1
               AND action = 'county_approval' ORDER BY seq DESC LIMIT 1",
            )
            .bind(case_id.to_string()),
        )
        .await
        .unwrap();
    assert!(after_json.unwrap().contains(reason));
    let detail = cases::case(&store, &county, case_id, at(9), &p)
        .await
        .unwrap();
    let last = detail.events.last().unwrap();
    assert!(
        matches!(&last.event, CaseEvent::CountyApproval { override_reason: Some(r), .. } if r == reason),
        "{:?}",
        last.event
    );
}

/// Takes H2 from a cadre's lead through identification to the county's
/// approval; returns the household and case ids.
async fn identify_h2(store: &Store, p: &Policies) -> (i64, i64) {
    let cadre = actor(Role::VillageCadre, VILLAGE_A);
    let township = actor(Role::TownshipReviewer, "520526001");
    let county = actor(Role::CountyAdmin, "520526");
    let h2 = household_id(store, "H2").await;
    let lead = IncomingLead {
        channel: dixian_domain::Channel::CadreSweep,
        household_id: Some(h2),
        id_number: None,
        risk_types: vec![RiskType::UnstableEmployment],
        note: "返乡失业".into(),
    };
    let start = now();
    let r = cases::open_lead(store, &cadre, &lead, start, p)
        .await
        .unwrap();
    let case_id = r.case_id.unwrap();
    let d = |n: i64| china_date(start + Duration::days(n));
    let steps = [
        (
            &cadre,
            1,
            CaseEvent::HomeCheck {
                findings: "入户核查".into(),
                asset_check_consent_signed: true,
                visited_on: d(1),
            },
        ),
        (
            &cadre,
            2,
            CaseEvent::DataComparison {
                results: "比对无异常".into(),
                reviewed_rows: Vec::new(),
                findings: Vec::new(),
            },
        ),
        (
            &cadre,
            3,
            CaseEvent::Deliberation {
                held_on: d(3),
                attendees: 12,
                approve: true,
                note: "同意".into(),
                proposed_category: Some(Category::MarginalAtRisk),
                proposed_risk_types: vec![RiskType::UnstableEmployment],
            },
        ),
        (
            &cadre,
            3,
            CaseEvent::NoticeStart {
                start: d(3),
                end: d(9),
            },
        ),
        (&cadre, 10, CaseEvent::NoticeEnd),
        (
            &township,
            11,
            CaseEvent::TownshipReview {
                approve: true,
                note: "同意".into(),
            },
        ),
    ];
    let mut v = version(store, case_id).await;
    for (who, n, e) in steps {
        let at = start + Duration::days(n) + Duration::hours(1);
        v = cases::record_event(store, who, case_id, v, &e, at, p)
            .await
            .unwrap_or_else(|e| panic!("{e:?}"))
            .version;
    }
    // No plan before the household is monitored.
    assert!(
        assistance::get_plan(store, &cadre, h2)
            .await
            .unwrap()
            .is_none()
    );
    let approve = CaseEvent::CountyApproval {
        approve: true,
        category: None,
        risk_types: vec![],
        note: "审定纳入".into(),
        override_reason: None,
    };
    let at = start + Duration::days(12);
    let after = cases::record_event(store, &county, case_id, v, &approve, at, p)
        .await
        .unwrap();
    assert_eq!(after.case.stage, CaseStage::Monitored);
    (h2, case_id)
}

async fn approval_proposes_a_draft_plan_once(backend: Backend) {
    let Some((store, _, _dir)) = setup(backend).await else {
        return;
    };
    let p = policies();
    let (h2, case_id) = identify_h2(&store, &p).await;
    let cadre = actor(Role::VillageCadre, VILLAGE_A);
    let plan = assistance::get_plan(&store, &cadre, h2)
        .await
        .unwrap()
        .expect("the approval proposed a plan");
    assert_eq!(plan.case_id, case_id);
    assert_eq!(plan.plan.status, PlanStatus::Draft);
    assert_eq!(plan.plan.helper, None);
    // Unstable employment, able to work: employment is proposed.
    assert!(
        plan.plan
            .measures
            .iter()
            .any(|m| m.kind == MeasureKind::Employment && m.person.is_some()),
        "{:?}",
        plan.plan.measures
    );
    // Audited as a proposal.
    let (n,): (i64,) = store
        .pool
        .one(q(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'plan' AND action = 'propose'",
        ))
        .await
        .unwrap();
    assert_eq!(n, 1);
    // Proposing again for the same case leaves the plan alone.
    let county = actor(Role::CountyAdmin, "520526");
    let stored = dixian_store::cases::get_case(&store.pool, &county, case_id)
        .await
        .unwrap();
    let again = cases::propose_plan(&store, &county, &stored, now(), &p)
        .await
        .unwrap();
    assert_eq!(again, None);
    let (plans,): (i64,) = store
        .pool
        .one(q("SELECT COUNT(*) FROM plans"))
        .await
        .unwrap();
    assert_eq!(plans, 1);
    // An override reason outside an elimination approval is refused.
    let v = version(&store, case_id).await;
    let odd = CaseEvent::CountyApproval {
        approve: true,
        category: None,
        risk_types: vec![],
        note: "x".into(),
        override_reason: Some("理由".into()),
    };
    let r = cases::record_event(&store, &county, case_id, v, &odd, now(), &p).await;
    assert!(
        matches!(r, Err(AppError::Store(StoreError::Refused(_)))),
        "{r:?}"
    );
}

macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

on_both_backends!(
    elimination_is_refused_until_the_criteria_hold,
    approval_proposes_a_draft_plan_once,
);
