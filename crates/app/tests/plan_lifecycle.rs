//! The plan (一户一策) over the case's life, on both backends: the county's
//! approval of the elimination closes the household's open plan on the
//! approval day (audited `close`, the helper's workload and held households
//! no longer count it); a rollback of the elimination reopens the plan as
//! a new draft (audited `reopen`) and restarts the months monitored; the
//! proposal follows each member's labor capacity (兜底 for a household
//! nobody in which can work, a development measure for an able member);
//! the roster lists the households each helper holds, masked by role and
//! narrowed to the reader's scope.

mod common;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use common::{
    TOWNSHIP, VILLAGE_A, VILLAGE_B, actor, household, household_id, household_in, id, setup,
    setup_two_villages,
};
use dixian_app::AppError;
use dixian_app::rules::Policies;
use dixian_app::{assistance, cases, migration};
use dixian_domain::assistance::{
    AssistancePolicy, BasicNeeds, Department, FollowUpVisit, IncomeBySource, Measure,
    MeasureCatalogue, MeasureClass, MeasureKind, MeasureSource, MeasureStatus, PlanStatus,
    ResponsiblePerson,
};
use dixian_domain::case::{EliminationCriterion as C, china_date};
use dixian_domain::{CaseEvent, CaseStage, Channel, IdNumber, LaborCapacity, RiskType, Role};
use dixian_screen::RuleBook;
use dixian_store::cases::IncomingLead;
use dixian_store::db::q;
use dixian_store::testing::Backend;
use dixian_store::{Actor, Refusal, Store, StoreError, households};
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

/// The catalogue and assistance numbers of the shipped rule files in force
/// for the demo village.
fn shipped() -> (MeasureCatalogue, AssistancePolicy) {
    RuleBook::shipped()
        .catalogue_for(&VILLAGE_A.parse().unwrap(), china_date(now()))
        .map(|(c, a)| (c.clone(), a.clone()))
        .expect("a catalogue in force for 520526")
}

async fn count(store: &Store, sql: &str) -> i64 {
    let (n,): (i64,) = store.pool.one(q(sql)).await.unwrap();
    n
}

fn county() -> Actor {
    actor(Role::CountyAdmin, "520526")
}

fn cadre() -> Actor {
    actor(Role::VillageCadre, VILLAGE_A)
}

/// Brings H1 in as monitored since 2025-09-01 through the county's
/// migration list (a draft plan proposed); returns household and case ids.
async fn migrate_h1(store: &Store) -> (i64, i64) {
    let csv = "户编号,监测对象类别,风险类型,认定日期\nH1,sudden_hardship,illness,2025-09-01\n";
    let report = migration::migrate_list(store, &county(), csv.as_bytes().to_vec(), "存量", now())
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
    cases::case(store, &county(), case_id, now(), &policies())
        .await
        .unwrap()
        .version
}

/// A follow-up visit of H1: wage income over the period, every need met.
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

/// Takes monitored H1 through the whole elimination: a measure, seven
/// months of income above the line, the proposal, deliberation, notice,
/// the township's review and the county's approval at `now() + 9 days`.
/// Returns the instant of the approval and the case's version after it.
async fn eliminate(store: &Store, h1: i64, case_id: i64) -> (DateTime<Utc>, i64) {
    let p = policies();
    let township = actor(Role::TownshipReviewer, TOWNSHIP);
    let source = shipped();
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
    assistance::add_measure(store, &cadre(), &source, h1, &job, now())
        .await
        .unwrap();
    let good = visit(day(2025, 11, 1), day(2026, 5, 31), 500_000);
    assistance::record_visit(store, &cadre(), h1, &good, now())
        .await
        .unwrap();
    let at = |d: i64| now() + Duration::days(d);
    let steps = [
        (
            cadre(),
            0,
            CaseEvent::ProposeElimination {
                note: "收入稳定".into(),
            },
        ),
        (
            cadre(),
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
            cadre(),
            0,
            CaseEvent::NoticeStart {
                start: china_date(now()),
                end: china_date(at(6)),
            },
        ),
        (cadre(), 7, CaseEvent::NoticeEnd),
        (
            township,
            8,
            CaseEvent::TownshipReview {
                approve: true,
                note: "同意".into(),
            },
        ),
        (
            county(),
            9,
            CaseEvent::CountyApproval {
                approve: true,
                category: None,
                risk_types: vec![],
                note: "同意消除".into(),
                override_reason: None,
            },
        ),
    ];
    let mut v = version(store, case_id).await;
    for (who, d, e) in steps {
        let after = cases::record_event(store, &who, case_id, v, &e, at(d), &p)
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        v = after.version;
    }
    (at(9), v)
}

async fn elimination_closes_the_plan_and_a_rollback_reopens_it(backend: Backend) {
    let Some((store, _, _dir)) = setup(backend).await else {
        return;
    };
    let p = policies();
    let source = shipped();
    let (h1, case_id) = migrate_h1(&store).await;
    // The cadre confirms the proposed plan; the county's helper holds it.
    let draft = assistance::get_plan(&store, &cadre(), h1)
        .await
        .unwrap()
        .expect("the migration proposed a plan");
    let v = assistance::confirm_plan(&store, &cadre(), &source, h1, draft.version, now())
        .await
        .unwrap();
    let helper = ResponsiblePerson {
        name: "王帮扶".into(),
        unit: "县人社局".into(),
        phone: "13900002222".into(),
    };
    let helper_id = assistance::create_helper(&store, &county(), &helper, now())
        .await
        .unwrap();
    assistance::assign_helper(&store, &cadre(), h1, v, Some(helper_id), now())
        .await
        .unwrap();
    let roster = assistance::helpers(&store, &county()).await.unwrap();
    assert_eq!((roster[0].households, roster[0].held.len()), (1, 1));
    let open = assistance::get_plan(&store, &cadre(), h1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((open.plan.status, open.ends_on), (PlanStatus::Active, None));
    // A year on, its review is due: the plan is on the list to follow.
    let year_on = now() + Duration::days(365);
    let due = assistance::plans_to_follow(&store, &cadre(), year_on)
        .await
        .unwrap();
    assert_eq!(
        due.iter()
            .map(|p| (p.household_id, p.review_due))
            .collect::<Vec<_>>(),
        vec![(h1, true)]
    );

    // The county approves the elimination: the plan ends that day.
    let (approved_at, _) = eliminate(&store, h1, case_id).await;
    let closed = assistance::get_plan(&store, &cadre(), h1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(closed.id, open.id);
    assert_eq!(closed.plan.status, PlanStatus::Closed);
    assert_eq!(closed.ends_on, Some(china_date(approved_at)));
    assert_eq!(closed.version, open.version + 1);
    assert_eq!(closed.plan.helper, Some(helper_id));
    let (before, after): (Option<String>, Option<String>) = store
        .pool
        .one(
            q("SELECT before, after FROM audit_log WHERE entity = 'plan' AND action = 'close' AND entity_id = $1")
                .bind(open.id.to_string()),
        )
        .await
        .unwrap();
    assert!(before.unwrap().contains("\"active\""));
    let after = after.unwrap();
    assert!(after.contains("\"closed\""), "{after}");
    assert!(
        after.contains(&china_date(approved_at).to_string()),
        "{after}"
    );
    // A closed plan is no one's workload, not on the list to follow, and
    // is not adjusted.
    let due = assistance::plans_to_follow(&store, &cadre(), year_on)
        .await
        .unwrap();
    assert!(due.is_empty(), "{due:?}");
    let roster = assistance::helpers(&store, &county()).await.unwrap();
    assert_eq!((roster[0].households, roster[0].held.len()), (0, 0));
    let r = assistance::adjust_plan(
        &store,
        &cadre(),
        &source,
        h1,
        closed.version,
        assistance::PlanChange::Remove { index: 0 },
        approved_at,
    )
    .await;
    assert!(
        matches!(&r, Err(AppError::Store(StoreError::Refused(Refusal::InvalidField { field, .. }))) if field == "plan"),
        "{r:?}"
    );
    // Nothing to propose for an eliminated household.
    let r = assistance::draft_plan(&store, &cadre(), &source, h1, approved_at).await;
    assert!(
        matches!(
            r,
            Err(AppError::Store(StoreError::Refused(Refusal::NoCase)))
        ),
        "{r:?}"
    );

    // The county rolls the elimination back: the plan opens again as a
    // new draft from that day, its helper kept.
    let rolled_at = approved_at + Duration::days(11);
    let v = version(&store, case_id).await;
    let rollback = CaseEvent::EliminationRollback {
        reason: "回访发现收入下降".into(),
    };
    let after = cases::record_event(&store, &county(), case_id, v, &rollback, rolled_at, &p)
        .await
        .unwrap();
    assert_eq!(after.case.stage, CaseStage::Monitored);
    let reopened = assistance::get_plan(&store, &cadre(), h1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reopened.id, open.id, "one plan per case: reopened");
    assert_eq!(reopened.plan.status, PlanStatus::Draft);
    assert_eq!(reopened.ends_on, None);
    assert_eq!(reopened.plan.starts_on, china_date(rolled_at));
    assert!(reopened.plan.review_on > reopened.plan.starts_on);
    assert_eq!(reopened.plan.helper, Some(helper_id));
    assert!(
        !reopened.plan.measures.is_empty(),
        "the measures are proposed anew"
    );
    assert_eq!(count(&store, "SELECT COUNT(*) FROM plans").await, 1);
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'plan' AND action = 'reopen'"
        )
        .await,
        1
    );
    let roster = assistance::helpers(&store, &county()).await.unwrap();
    assert_eq!((roster[0].households, roster[0].held.len()), (1, 1));
    let due = assistance::plans_to_follow(&store, &cadre(), year_on)
        .await
        .unwrap();
    assert_eq!(
        due.iter().map(|p| p.plan_id).collect::<Vec<_>>(),
        vec![open.id]
    );
    // The cadre confirms it like any draft.
    assistance::confirm_plan(&store, &cadre(), &source, h1, reopened.version, rolled_at)
        .await
        .unwrap();
}

async fn rollback_restarts_the_months_monitored(backend: Backend) {
    let Some((store, _, _dir)) = setup(backend).await else {
        return;
    };
    let p = policies();
    let (h1, case_id) = migrate_h1(&store).await;
    let tab = assistance::household_assistance(&store, &cadre(), h1)
        .await
        .unwrap();
    assert_eq!(tab.monitored_since, Some(day(2025, 9, 1)));
    let (approved_at, v) = eliminate(&store, h1, case_id).await;
    // Eliminated: no longer monitored.
    let tab = assistance::household_assistance(&store, &cadre(), h1)
        .await
        .unwrap();
    assert_eq!(tab.monitored_since, None);
    let rolled_at = approved_at + Duration::days(30);
    let rollback = CaseEvent::EliminationRollback {
        reason: "回访发现收入下降".into(),
    };
    cases::record_event(&store, &county(), case_id, v, &rollback, rolled_at, &p)
        .await
        .unwrap();
    // The months monitored count from the rollback, on every path that
    // reads them: the plan tab, the chain report's households and the
    // elimination check.
    let tab = assistance::household_assistance(&store, &cadre(), h1)
        .await
        .unwrap();
    assert_eq!(tab.monitored_since, Some(china_date(rolled_at)));
    assert_eq!(
        dixian_store::chain_report::monitored_since(&store.pool, h1)
            .await
            .unwrap(),
        Some(china_date(rolled_at))
    );
    let page = cases::case_page(&store, &cadre(), case_id, rolled_at, &p)
        .await
        .unwrap();
    let check = page
        .elimination
        .expect("monitored again: the check is shown");
    assert!(
        check.report.failing().any(|c| c == C::MonitoredLongEnough),
        "{:?}",
        check.report
    );
}

async fn a_reentry_reopens_the_plan(backend: Backend) {
    let Some((store, _, _dir)) = setup(backend).await else {
        return;
    };
    let p = policies();
    let township = actor(Role::TownshipReviewer, TOWNSHIP);
    let (h1, case_id) = migrate_h1(&store).await;
    let plan_id = assistance::get_plan(&store, &cadre(), h1)
        .await
        .unwrap()
        .unwrap()
        .id;
    let (approved_at, mut v) = eliminate(&store, h1, case_id).await;
    // 返贫: a new lead on the eliminated household reruns identification.
    let start = approved_at + Duration::days(40);
    let d = |n: i64| china_date(start + Duration::days(n));
    let steps = [
        (
            cadre(),
            0,
            CaseEvent::ReEntry {
                channel: Channel::CadreSweep,
                risk_types: vec![RiskType::UnstableEmployment],
                note: "再次失业".into(),
            },
        ),
        (
            cadre(),
            1,
            CaseEvent::HomeCheck {
                findings: "入户核查".into(),
                asset_check_consent_signed: true,
                visited_on: d(1),
            },
        ),
        (
            cadre(),
            2,
            CaseEvent::DataComparison {
                results: "比对无异常".into(),
                reviewed_rows: Vec::new(),
                findings: Vec::new(),
            },
        ),
        (
            cadre(),
            3,
            CaseEvent::Deliberation {
                held_on: d(3),
                attendees: 12,
                approve: true,
                note: "同意".into(),
                proposed_category: Some(dixian_domain::Category::SuddenHardship),
                proposed_risk_types: vec![RiskType::UnstableEmployment],
            },
        ),
        (
            cadre(),
            3,
            CaseEvent::NoticeStart {
                start: d(3),
                end: d(9),
            },
        ),
        (cadre(), 10, CaseEvent::NoticeEnd),
        (
            township,
            11,
            CaseEvent::TownshipReview {
                approve: true,
                note: "同意".into(),
            },
        ),
    ];
    for (who, n, e) in steps {
        let at = start + Duration::days(n) + Duration::hours(1);
        v = cases::record_event(&store, &who, case_id, v, &e, at, &p)
            .await
            .unwrap_or_else(|e| panic!("{e:?}"))
            .version;
    }
    // Still closed until the county approves the household back in.
    let plan = assistance::get_plan(&store, &cadre(), h1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(plan.plan.status, PlanStatus::Closed);
    let approved_again = start + Duration::days(12);
    let approve = CaseEvent::CountyApproval {
        approve: true,
        category: None,
        risk_types: vec![],
        note: "审定纳入".into(),
        override_reason: None,
    };
    let after = cases::record_event(&store, &county(), case_id, v, &approve, approved_again, &p)
        .await
        .unwrap();
    assert_eq!(after.case.stage, CaseStage::Monitored);
    let plan = assistance::get_plan(&store, &cadre(), h1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(plan.id, plan_id);
    assert_eq!(plan.plan.status, PlanStatus::Draft);
    assert_eq!(plan.ends_on, None);
    assert_eq!(plan.plan.starts_on, china_date(approved_again));
    // The new risk type drives the proposal: employment for the head.
    assert!(
        plan.plan
            .measures
            .iter()
            .any(|m| m.kind == MeasureKind::Employment && m.person == Some(head_h1())),
        "{:?}",
        plan.plan.measures
    );
}

/// Opens a case for `household` (a cadre's sweep, unstable employment).
async fn open_case(store: &Store, household: i64) {
    let lead = IncomingLead {
        channel: Channel::CadreSweep,
        household_id: Some(household),
        id_number: None,
        risk_types: vec![RiskType::UnstableEmployment],
        note: "收入骤减".into(),
    };
    let r = dixian_app::cases::open_lead(store, &cadre(), &lead, now(), &policies())
        .await
        .unwrap();
    assert!(r.case_id.is_some());
}

async fn proposal_follows_labor_capacity(backend: Backend) {
    let Some((store, _, _dir)) = setup(backend).await else {
        return;
    };
    let source = shipped();
    let (catalogue, _) = source.clone();
    let class = |k: MeasureKind| catalogue.get(k).map(|r| r.class);
    // H9: one person, 60, who has lost the capacity to work.
    let person: IdNumber = id("1966-03-03", 19).parse().unwrap();
    let mut h9 = household("H9", person.as_str());
    h9.members[0].labor = LaborCapacity::Lost;
    let op = Actor::operator(dixian_domain::RegionCode::parse("520526").unwrap());
    let h9 = households::create(&store.pool, &op, &h9).await.unwrap();
    let h1 = household_id(&store, "H1").await;
    // Without a case there is nothing to propose.
    let r = assistance::draft_plan(&store, &cadre(), &source, h9, now()).await;
    assert!(
        matches!(
            r,
            Err(AppError::Store(StoreError::Refused(Refusal::NoCase)))
        ),
        "{r:?}"
    );
    open_case(&store, h9).await;
    open_case(&store, h1).await;

    // Nobody able to work: social protection (兜底) for the person, no
    // development measure.
    let draft = assistance::draft_plan(&store, &cadre(), &source, h9, now())
        .await
        .unwrap();
    assert!(
        draft
            .measures
            .iter()
            .any(|m| m.person.as_ref() == Some(&person)
                && class(m.kind) == Some(MeasureClass::Protection)),
        "{:?}",
        draft.measures
    );
    assert!(
        draft
            .measures
            .iter()
            .all(|m| class(m.kind) != Some(MeasureClass::Development)),
        "{:?}",
        draft.measures
    );
    // The draft is not saved; proposing saves the same measures.
    assert!(
        assistance::get_plan(&store, &cadre(), h9)
            .await
            .unwrap()
            .is_none()
    );
    assistance::propose_plan(&store, &cadre(), &source, h9, now())
        .await
        .unwrap();
    let saved = assistance::get_plan(&store, &cadre(), h9)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(saved.plan.measures, draft.measures);
    assert_eq!(saved.plan.status, PlanStatus::Draft);
    // No measure received yet: the plan is on the list to follow, its
    // review not yet due.
    let follow = assistance::plans_to_follow(&store, &cadre(), now())
        .await
        .unwrap();
    assert_eq!(
        follow
            .iter()
            .map(|p| (p.household_id, p.measures, p.review_due))
            .collect::<Vec<_>>(),
        vec![(h9, 0, false)]
    );

    // H1's head (56, full labor): a development measure for him.
    let draft = assistance::draft_plan(&store, &cadre(), &source, h1, now())
        .await
        .unwrap();
    assert!(
        draft.measures.iter().any(
            |m| m.person == Some(head_h1()) && class(m.kind) == Some(MeasureClass::Development)
        ),
        "{:?}",
        draft.measures
    );
    assert!(
        draft
            .measures
            .iter()
            .all(|m| class(m.kind) != Some(MeasureClass::Protection)),
        "{:?}",
        draft.measures
    );
    // The township reads the proposal too, but does not save a plan; a
    // data officer, who reads no cases, gets neither.
    let township = actor(Role::TownshipReviewer, TOWNSHIP);
    let seen = assistance::draft_plan(&store, &township, &source, h1, now())
        .await
        .unwrap();
    assert_eq!(seen.measures, draft.measures);
    let r = assistance::propose_plan(&store, &township, &source, h1, now()).await;
    assert!(
        matches!(r, Err(AppError::Store(StoreError::Forbidden))),
        "{r:?}"
    );
    let officer = actor(Role::DataOfficer, "520526");
    let r = assistance::draft_plan(&store, &officer, &source, h1, now()).await;
    assert!(
        matches!(r, Err(AppError::Store(StoreError::Forbidden))),
        "{r:?}"
    );
}

async fn roster_lists_held_households_by_scope(backend: Backend) {
    let Some((store, _, _dir)) = setup_two_villages(backend).await else {
        return;
    };
    let source = shipped();
    let h1 = household_id(&store, "H1").await;
    // A household of another township (海边街道 is 001; 002 is another).
    let other_village = "520526002001";
    let op = Actor::operator(dixian_domain::RegionCode::parse("520526").unwrap());
    let far = household_in(other_village, "H7", &id("1981-04-04", 23));
    let h7 = households::create(&store.pool, &op, &far).await.unwrap();
    let far_cadre = actor(Role::VillageCadre, other_village);
    let lead = IncomingLead {
        channel: Channel::CadreSweep,
        household_id: Some(h7),
        id_number: None,
        risk_types: vec![RiskType::UnstableEmployment],
        note: "收入骤减".into(),
    };
    dixian_app::cases::open_lead(&store, &far_cadre, &lead, now(), &policies())
        .await
        .unwrap();
    open_case(&store, h1).await;
    let (_, v1) = assistance::propose_plan(&store, &cadre(), &source, h1, now())
        .await
        .unwrap();
    let (_, v7) = assistance::propose_plan(&store, &far_cadre, &source, h7, now())
        .await
        .unwrap();
    let person = |name: &str| ResponsiblePerson {
        name: name.into(),
        unit: "县乡村振兴局".into(),
        phone: "13900003333".into(),
    };
    let wang = assistance::create_helper(&store, &county(), &person("王帮扶"), now())
        .await
        .unwrap();
    let zhao = assistance::create_helper(&store, &county(), &person("赵帮扶"), now())
        .await
        .unwrap();
    assistance::assign_helper(&store, &county(), h1, v1, Some(wang), now())
        .await
        .unwrap();
    assistance::assign_helper(&store, &county(), h7, v7, Some(zhao), now())
        .await
        .unwrap();

    // The county sees both helpers, each with the household held.
    let all = assistance::helpers(&store, &county()).await.unwrap();
    let names: Vec<&str> = all.iter().map(|h| h.helper.name.as_str()).collect();
    assert_eq!(names, ["王帮扶", "赵帮扶"]);
    assert_eq!(all[0].households, 1);
    assert_eq!(all[0].held.len(), 1);
    assert_eq!(all[0].held[0].household_id, h1);
    assert_eq!(all[0].held[0].number, "H1");
    assert_eq!(all[0].held[0].status, PlanStatus::Draft);
    // The county's work needs the name in full.
    assert_eq!(all[0].held[0].head_name, "测试");
    assert_eq!(all[1].held[0].household_id, h7);

    // The township of H1 sees its own helper only.
    let township = actor(Role::TownshipReviewer, TOWNSHIP);
    let own = assistance::helpers(&store, &township).await.unwrap();
    assert_eq!(own.len(), 1, "{own:?}");
    assert_eq!(own[0].id, wang);
    assert_eq!(own[0].held[0].household_id, h1);

    // A data officer's view masks the head's name.
    let officer = actor(Role::DataOfficer, "520526");
    let masked = assistance::helpers(&store, &officer).await.unwrap();
    assert_eq!(masked[0].held[0].head_name, "测*");

    // A village cadre keeps the county's roster (to choose from) and sees
    // only the households of their village.
    let other_cadre = actor(Role::VillageCadre, VILLAGE_B);
    let roster = assistance::helpers(&store, &other_cadre).await.unwrap();
    assert_eq!(roster.len(), 2);
    assert!(roster.iter().all(|h| h.held.is_empty()), "{roster:?}");
    assert_eq!(roster[0].households, 1, "the workload is county-wide");
}

macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

on_both_backends!(
    elimination_closes_the_plan_and_a_rollback_reopens_it,
    rollback_restarts_the_months_monitored,
    a_reentry_reopens_the_plan,
    proposal_follows_labor_capacity,
    roster_lists_held_households_by_scope,
);
