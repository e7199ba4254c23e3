//! Assistance use cases on both backends: a plan made and confirmed by
//! the village cadre (stale versions, backward status changes and other
//! villages refused), the roster and its workload, measures checked
//! against the catalogue with every bad input named and nothing changed,
//! follow-up visits, and a department's list imported all or nothing
//! (unknown persons counted, the same file twice a no-op, GB18030 read).

mod common;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use common::{
    TOWNSHIP, VILLAGE_A, VILLAGE_B, actor, assistance_policy, catalogue, date, household_id, id,
    person_b, setup_two_villages,
};
use dixian_app::AppError;
use dixian_app::assistance::{self, MeasureListFile};
use dixian_domain::assistance::{
    AssistancePlan, BasicNeeds, Department, FollowUpVisit, IncomeBySource, Measure, MeasureCheck,
    MeasureEffect, MeasureKind, MeasureSource, MeasureStatus, PlanStatus, PlannedMeasure,
    ResponsiblePerson,
};
use dixian_domain::{Channel, IdNumber, RiskType, Role, WorkflowPolicy};
use dixian_store::assistance::{ListBatchOutcome, MeasureFilter};
use dixian_store::cases::{self, IncomingLead};
use dixian_store::db::q;
use dixian_store::testing::Backend;
use dixian_store::{Refusal, Store, StoreError};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 2, 0, 0).unwrap()
}

fn head_h1() -> IdNumber {
    id("1970-01-01", 11).parse().unwrap()
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

async fn count(store: &Store, sql: &str) -> i64 {
    let (n,): (i64,) = store.pool.one(q(sql)).await.unwrap();
    n
}

/// The field a refusal names, or a panic naming what came instead.
fn field_of(r: Result<impl std::fmt::Debug, AppError>) -> String {
    match r {
        Err(AppError::Store(StoreError::Refused(Refusal::InvalidField { field, reason }))) => {
            assert!(!reason.is_empty());
            field
        }
        other => panic!("expected a refusal naming a field, got {other:?}"),
    }
}

/// Opens a case for H1 (a cadre's sweep), so that a plan can be made.
async fn open_case(store: &Store, household: i64) -> i64 {
    let cadre = actor(Role::VillageCadre, VILLAGE_A);
    let lead = IncomingLead {
        channel: Channel::CadreSweep,
        household_id: Some(household),
        id_number: None,
        risk_types: vec![RiskType::Illness],
        note: "住院".into(),
    };
    let r = cases::open_lead(&store.pool, &cadre, &lead, now(), &policy())
        .await
        .unwrap();
    r.case_id.expect("a cadre's lead opens a case")
}

fn loan(person: Option<IdNumber>, yuan: i64, months: u32) -> Measure {
    let starts_on = date(2026, 3, 1);
    Measure {
        person,
        kind: MeasureKind::SmallLoan,
        department: Department::Bank,
        amount_fen: Some(yuan * 100),
        starts_on,
        ends_on: starts_on.checked_add_months(chrono::Months::new(months)),
        status: MeasureStatus::Ongoing,
        source: MeasureSource::Cadre,
        evidence: "借据 2026-001".into(),
    }
}

async fn plan_is_made_confirmed_and_guarded(backend: Backend) {
    let Some((store, _, _dir)) = setup_two_villages(backend).await else {
        return;
    };
    let h1 = household_id(&store, "H1").await;
    let h2 = household_id(&store, "H2").await;
    let cadre = actor(Role::VillageCadre, VILLAGE_A);
    let other = actor(Role::VillageCadre, VILLAGE_B);
    let township = actor(Role::TownshipReviewer, TOWNSHIP);
    let county = actor(Role::CountyAdmin, "520526");
    let rules = &(catalogue(), assistance_policy());
    let mut plan = AssistancePlan {
        household: String::new(),
        status: PlanStatus::Draft,
        helper: None,
        starts_on: date(2026, 6, 1),
        review_on: date(2026, 8, 1),
        measures: vec![PlannedMeasure {
            person: Some(head_h1()),
            kind: MeasureKind::PublicWelfareJob,
            reason: "有劳动能力，就近就业".into(),
        }],
    };
    // No case yet: no plan.
    let empty = AssistancePlan {
        measures: Vec::new(),
        ..plan.clone()
    };
    let e = assistance::save_plan(&store, &cadre, rules, h2, None, &empty, now()).await;
    assert!(
        matches!(
            e,
            Err(AppError::Store(StoreError::Refused(Refusal::NoCase)))
        ),
        "{e:?}"
    );
    let case_id = open_case(&store, h1).await;
    let (plan_id, v1) = assistance::save_plan(&store, &cadre, rules, h1, None, &plan, now())
        .await
        .unwrap();
    assert_eq!(v1, 1);
    let got = assistance::get_plan(&store, &township, h1)
        .await
        .unwrap()
        .expect("the township reads the plan");
    assert_eq!((got.id, got.case_id, got.version), (plan_id, case_id, 1));
    assert_eq!(got.plan.household, "H1");
    assert_eq!(got.plan.measures, plan.measures);
    // Another village: absent, for reads and writes alike.
    let e = assistance::get_plan(&store, &other, h1).await;
    assert!(
        matches!(e, Err(AppError::Store(StoreError::NotFound))),
        "{e:?}"
    );
    let e = assistance::save_plan(&store, &other, rules, h1, Some(1), &plan, now()).await;
    assert!(
        matches!(e, Err(AppError::Store(StoreError::NotFound))),
        "{e:?}"
    );
    // The township reads, it does not edit.
    let e = assistance::save_plan(&store, &township, rules, h1, Some(1), &plan, now()).await;
    assert!(
        matches!(e, Err(AppError::Store(StoreError::Forbidden))),
        "{e:?}"
    );
    // A second creation, or a stale version: 409 with the version now.
    let e = assistance::save_plan(&store, &cadre, rules, h1, None, &plan, now()).await;
    assert!(
        matches!(e, Err(AppError::Store(StoreError::Conflict { current: 1 }))),
        "{e:?}"
    );
    plan.status = PlanStatus::Active;
    let (_, v2) = assistance::save_plan(&store, &cadre, rules, h1, Some(1), &plan, now())
        .await
        .unwrap();
    assert_eq!(v2, 2);
    let e = assistance::save_plan(&store, &cadre, rules, h1, Some(1), &plan, now()).await;
    assert!(
        matches!(e, Err(AppError::Store(StoreError::Conflict { current: 2 }))),
        "{e:?}"
    );
    // Back to draft: refused.
    plan.status = PlanStatus::Draft;
    let e = assistance::save_plan(&store, &cadre, rules, h1, Some(2), &plan, now()).await;
    assert!(
        matches!(
            e,
            Err(AppError::Store(StoreError::Refused(
                Refusal::PlanStatusChange { .. }
            )))
        ),
        "{e:?}"
    );
    // A person of another household, a kind not offered, a review too
    // late: each names its field, and nothing changes.
    plan.status = PlanStatus::Active;
    let mut bad = plan.clone();
    bad.measures[0].person = Some(person_b().parse().unwrap());
    let r = assistance::save_plan(&store, &cadre, rules, h1, Some(2), &bad, now()).await;
    assert_eq!(field_of(r), "measures[0].person");
    let mut bad = plan.clone();
    bad.measures[0].kind = MeasureKind::WorkRelief;
    let r = assistance::save_plan(&store, &cadre, rules, h1, Some(2), &bad, now()).await;
    assert_eq!(field_of(r), "measures[0].kind");
    let mut bad = plan.clone();
    bad.review_on = date(2027, 6, 1);
    let r = assistance::save_plan(&store, &cadre, rules, h1, Some(2), &bad, now()).await;
    assert_eq!(field_of(r), "review_on");
    let got = assistance::get_plan(&store, &cadre, h1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((got.version, got.plan.status), (2, PlanStatus::Active));
    assert_eq!(got.plan.measures, plan.measures);
    // The roster: the county adds a helper, the cadre assigns them, the
    // workload counts the household.
    let helper = ResponsiblePerson {
        name: "李帮扶".into(),
        unit: "县农业农村局".into(),
        phone: "13900001111".into(),
    };
    let e = assistance::create_helper(&store, &cadre, &helper, now()).await;
    assert!(
        matches!(e, Err(AppError::Store(StoreError::Forbidden))),
        "{e:?}"
    );
    let helper_id = assistance::create_helper(&store, &county, &helper, now())
        .await
        .unwrap();
    let roster = assistance::helpers(&store, &cadre).await.unwrap();
    assert_eq!(roster.len(), 1);
    assert_eq!(
        (roster[0].helper.clone(), roster[0].households),
        (helper.clone(), 0)
    );
    let v3 = assistance::assign_helper(&store, &cadre, h1, 2, Some(helper_id), now())
        .await
        .unwrap();
    assert_eq!(v3, 3);
    let e = assistance::assign_helper(&store, &cadre, h1, 2, Some(helper_id), now()).await;
    assert!(
        matches!(e, Err(AppError::Store(StoreError::Conflict { current: 3 }))),
        "{e:?}"
    );
    let e = assistance::assign_helper(&store, &cadre, h1, 3, Some(helper_id + 100), now()).await;
    assert!(
        matches!(
            e,
            Err(AppError::Store(StoreError::Refused(Refusal::UnknownHelper)))
        ),
        "{e:?}"
    );
    let roster = assistance::helpers(&store, &township).await.unwrap();
    assert_eq!(roster[0].households, 1);
    // Audit rows, in the same transactions: create, update, assign.
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'plan'"
        )
        .await,
        3
    );
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'helper'"
        )
        .await,
        1
    );
    // The phone is sealed on PostgreSQL (the test store there is keyed).
    let (stored,): (String,) = store
        .pool
        .one(q("SELECT phone FROM helpers"))
        .await
        .unwrap();
    assert_eq!(stored == helper.phone, !store.pool.is_postgres());
}

async fn measures_are_checked_and_stopped(backend: Backend) {
    let Some((store, _, _dir)) = setup_two_villages(backend).await else {
        return;
    };
    let h1 = household_id(&store, "H1").await;
    let cadre = actor(Role::VillageCadre, VILLAGE_A);
    let other = actor(Role::VillageCadre, VILLAGE_B);
    let township = actor(Role::TownshipReviewer, TOWNSHIP);
    let cat = (catalogue(), assistance_policy());
    let id = assistance::add_measure(
        &store,
        &cadre,
        &cat,
        h1,
        &loan(Some(head_h1()), 30_000, 24),
        now(),
    )
    .await
    .unwrap();
    // Bad input: each a refusal naming the field; nothing changed.
    let mut negative = loan(Some(head_h1()), 30_000, 24);
    negative.amount_fen = Some(-100);
    let cases: Vec<(Measure, &str)> = vec![
        (negative, "amount_fen"),
        (loan(Some(head_h1()), 60_000, 24), "amount_fen"),
        (loan(Some(head_h1()), 30_000, 48), "ends_on"),
        (
            loan(Some(person_b().parse().unwrap()), 30_000, 24),
            "person",
        ),
        (loan(None, 30_000, 24), "person"),
        (
            Measure {
                kind: MeasureKind::Yulu,
                department: Department::Education,
                ..loan(Some(head_h1()), 3_000, 6)
            },
            "person",
        ),
        (
            Measure {
                kind: MeasureKind::WorkRelief,
                ..loan(Some(head_h1()), 3_000, 6)
            },
            "kind",
        ),
        (
            Measure {
                ends_on: Some(date(2026, 1, 1)),
                ..loan(Some(head_h1()), 3_000, 6)
            },
            "ends_on",
        ),
    ];
    for (m, field) in cases {
        let r = assistance::add_measure(&store, &cadre, &cat, h1, &m, now()).await;
        assert_eq!(field_of(r), field, "{m:?}");
    }
    assert_eq!(count(&store, "SELECT COUNT(*) FROM measures").await, 1);
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'measure'"
        )
        .await,
        1
    );
    // Another village neither reads nor writes the chain.
    let e = assistance::chain(&store, &other, h1).await;
    assert!(
        matches!(e, Err(AppError::Store(StoreError::NotFound))),
        "{e:?}"
    );
    let e = assistance::add_measure(
        &store,
        &other,
        &cat,
        h1,
        &loan(Some(head_h1()), 1, 1),
        now(),
    )
    .await;
    assert!(
        matches!(e, Err(AppError::Store(StoreError::NotFound))),
        "{e:?}"
    );
    let e = assistance::stop_measure(&store, &other, id, 1, date(2026, 5, 1), now()).await;
    assert!(
        matches!(e, Err(AppError::Store(StoreError::NotFound))),
        "{e:?}"
    );
    // The township reads it: the cadre's record, the person in clear.
    let chain = assistance::chain(&store, &township, h1).await.unwrap();
    assert_eq!(chain.len(), 1);
    assert_eq!(chain[0].measure.person, Some(head_h1()));
    assert_eq!(chain[0].measure.source, MeasureSource::Cadre);
    // Stop: a stale version is 409; then stopped; then refused.
    let e = assistance::stop_measure(&store, &cadre, id, 7, date(2026, 5, 1), now()).await;
    assert!(
        matches!(e, Err(AppError::Store(StoreError::Conflict { current: 1 }))),
        "{e:?}"
    );
    let r = assistance::stop_measure(&store, &cadre, id, 1, date(2026, 2, 1), now()).await;
    assert_eq!(field_of(r), "ends_on");
    let v = assistance::stop_measure(&store, &cadre, id, 1, date(2026, 5, 1), now())
        .await
        .unwrap();
    assert_eq!(v, 2);
    let e = assistance::stop_measure(&store, &cadre, id, 2, date(2026, 5, 2), now()).await;
    assert!(
        matches!(
            e,
            Err(AppError::Store(StoreError::Refused(
                Refusal::MeasureStopped
            )))
        ),
        "{e:?}"
    );
    let chain = assistance::chain(&store, &cadre, h1).await.unwrap();
    assert_eq!(chain[0].measure.status, MeasureStatus::Stopped);
    assert_eq!(chain[0].measure.ends_on, Some(date(2026, 5, 1)));
    // The region's list: the township sees it, village B does not.
    let (rows, total) = assistance::region_measures(&store, &township, &MeasureFilter::default())
        .await
        .unwrap();
    assert_eq!((rows.len(), total), (1, 1));
    assert_eq!(rows[0].household_number, "H1");
    let (rows, total) = assistance::region_measures(&store, &other, &MeasureFilter::default())
        .await
        .unwrap();
    assert_eq!((rows.len(), total), (0, 0));
}

fn visit(checks: Vec<MeasureCheck>) -> FollowUpVisit {
    FollowUpVisit {
        visited_on: date(2026, 5, 30),
        period_from: date(2025, 6, 1),
        period_to: date(2026, 5, 31).pred_opt().unwrap(),
        income: IncomeBySource {
            wage_fen: 1_200_000,
            business_fen: 300_000,
            property_fen: 0,
            transfer_fen: 50_000,
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
        measures: checks,
        note: "务工稳定".into(),
    }
}

async fn visits_record_income_needs_and_measures(backend: Backend) {
    let Some((store, _, _dir)) = setup_two_villages(backend).await else {
        return;
    };
    let h1 = household_id(&store, "H1").await;
    let h3 = household_id(&store, "H3").await;
    let cadre = actor(Role::VillageCadre, VILLAGE_A);
    let cadre_b = actor(Role::VillageCadre, VILLAGE_B);
    let cat = (catalogue(), assistance_policy());
    let m1 = assistance::add_measure(
        &store,
        &cadre,
        &cat,
        h1,
        &loan(Some(head_h1()), 30_000, 24),
        now(),
    )
    .await
    .unwrap();
    let m3 = assistance::add_measure(
        &store,
        &cadre_b,
        &cat,
        h3,
        &loan(Some(person_b().parse().unwrap()), 10_000, 12),
        now(),
    )
    .await
    .unwrap();
    let check = |measure| MeasureCheck {
        measure,
        status: MeasureStatus::Done,
        effect: MeasureEffect::Effective,
    };
    // A measure of another household: named, nothing stored.
    let r = assistance::record_visit(&store, &cadre, h1, &visit(vec![check(m3)]), now()).await;
    assert_eq!(field_of(r), "measures[0].measure");
    let mut bad = visit(vec![]);
    bad.income.wage_fen = -1;
    let r = assistance::record_visit(&store, &cadre, h1, &bad, now()).await;
    assert_eq!(field_of(r), "income.wage_fen");
    let mut bad = visit(vec![]);
    bad.visited_on = date(2026, 12, 1);
    let r = assistance::record_visit(&store, &cadre, h1, &bad, now()).await;
    assert_eq!(field_of(r), "visited_on");
    assert_eq!(count(&store, "SELECT COUNT(*) FROM visits").await, 0);
    let e = assistance::record_visit(&store, &cadre_b, h1, &visit(vec![]), now()).await;
    assert!(
        matches!(e, Err(AppError::Store(StoreError::NotFound))),
        "{e:?}"
    );
    let v = visit(vec![check(m1)]);
    assistance::record_visit(&store, &cadre, h1, &v, now())
        .await
        .unwrap();
    let visits = assistance::visits(&store, &cadre, h1).await.unwrap();
    assert_eq!(visits.len(), 1);
    assert_eq!(visits[0].visit, v);
    // The measure takes the status the visit saw.
    let chain = assistance::chain(&store, &cadre, h1).await.unwrap();
    assert_eq!(
        (chain[0].measure.status, chain[0].version),
        (MeasureStatus::Done, 2)
    );
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'visit'"
        )
        .await,
        1
    );
}

fn list_file(name: &str, bytes: Vec<u8>) -> MeasureListFile {
    MeasureListFile {
        name: name.into(),
        bytes,
        kind: Some(MeasureKind::SmallLoan),
        department: Some(Department::Bank),
    }
}

async fn lists_import_all_or_nothing(backend: Backend) {
    let Some((store, officer, _dir)) = setup_two_villages(backend).await else {
        return;
    };
    let cat = (catalogue(), assistance_policy());
    let unknown = id("1990-09-09", 19);
    // A bank's ledger with its own headers (aliases); the kind for the
    // whole file.
    let good = format!(
        "证件号码,借款人姓名,贷款金额,放款日期,到期日,借据号\n{},某,30000,2026-03-01,2028-02-28,JD-1\n{},某,20000,2026-04-01,2027-03-31,JD-2\n{},某,10000.50,2026-04-02,2027-04-01,JD-3\n",
        id("1970-01-01", 11),
        unknown,
        person_b(),
    );
    // Cadres do not import lists.
    let cadre = actor(Role::VillageCadre, VILLAGE_A);
    let e = assistance::import_measure_list(
        &store,
        &cadre,
        &cat,
        list_file("l.csv", good.clone().into_bytes()),
        now(),
    )
    .await;
    assert!(
        matches!(e, Err(AppError::Store(StoreError::Forbidden))),
        "{e:?}"
    );
    // Bad rows: negative, not a number, above the limit, past the term, a
    // bad date. Every one reported by line and column; nothing stored.
    let bad = format!(
        "身份证号,姓名,金额,开始日期,结束日期\n{p},某,-5,2026-03-01,2027-03-01\n{p},某,三万,2026-03-01,2027-03-01\n{p},某,60000,2026-03-01,2027-03-01\n{p},某,100,2026-03-01,2031-03-01\n{p},某,100,2026-13-01,2027-03-01\n{p},某,100,2026-03-01,2027-03-01\n",
        p = id("1970-01-01", 11)
    );
    let r = assistance::import_measure_list(
        &store,
        &officer,
        &cat,
        list_file("bad.csv", bad.into_bytes()),
        now(),
    )
    .await
    .unwrap();
    assert!(r.outcome.is_none());
    let at: Vec<(usize, Option<usize>)> = r.errors.iter().map(|e| (e.line, e.column)).collect();
    assert_eq!(
        at,
        vec![
            (2, Some(3)),
            (3, Some(3)),
            (4, Some(3)),
            (5, Some(5)),
            (6, Some(4))
        ],
        "{:?}",
        r.errors
    );
    assert_eq!(r.errors_total, 5);
    assert!(
        r.errors[2].reason.contains("50000"),
        "{}",
        r.errors[2].reason
    );
    assert_eq!(count(&store, "SELECT COUNT(*) FROM measures").await, 0);
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM measure_batches").await,
        0
    );
    // The good file: two persons matched, one unknown (counted, its line).
    let r = assistance::import_measure_list(
        &store,
        &officer,
        &cat,
        list_file("ledger.csv", good.clone().into_bytes()),
        now(),
    )
    .await
    .unwrap();
    assert_eq!(r.errors_total, 0, "{:?}", r.errors);
    let Some(ListBatchOutcome::Loaded(s)) = r.outcome else {
        panic!("loaded: {:?}", r.outcome);
    };
    assert_eq!(
        (s.rows, s.matched, s.unknown, s.unknown_lines.clone()),
        (3, 2, 1, vec![3])
    );
    assert_eq!(count(&store, "SELECT COUNT(*) FROM measures").await, 2);
    let h1 = household_id(&store, "H1").await;
    let chain = assistance::chain(&store, &actor(Role::VillageCadre, VILLAGE_A), h1)
        .await
        .unwrap();
    assert_eq!(chain.len(), 1);
    let m = &chain[0];
    assert_eq!((m.batch_id, m.line), (Some(s.batch_id), Some(2)));
    assert_eq!(m.measure.source, MeasureSource::List);
    assert_eq!(m.measure.amount_fen, Some(3_000_000));
    assert_eq!(m.measure.evidence, "JD-1");
    // The same bytes again: a no-op that says so.
    let again = assistance::import_measure_list(
        &store,
        &officer,
        &cat,
        list_file("ledger-copy.csv", good.into_bytes()),
        now(),
    )
    .await
    .unwrap();
    assert!(
        matches!(again.outcome, Some(ListBatchOutcome::AlreadyLoaded { batch_id, .. }) if batch_id == s.batch_id),
        "{:?}",
        again.outcome
    );
    assert_eq!(count(&store, "SELECT COUNT(*) FROM measures").await, 2);
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'measure_batch'"
        )
        .await,
        1
    );
    // GB18030, the kind in a column (by its Chinese name), a public-welfare
    // job roster of 人社.
    let roster = format!(
        "身份证号,姓名,项目,金额,上岗日期,发放部门\n{},张三,公益性岗位,500,2026-05-01,人社局\n",
        id("1975-05-05", 13)
    );
    let (bytes, _, failed) = encoding_rs::GB18030.encode(&roster);
    assert!(!failed);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the file is not UTF-8"
    );
    let file = MeasureListFile {
        name: "公益岗.csv".into(),
        bytes: bytes.into_owned(),
        kind: None,
        department: None,
    };
    let r = assistance::import_measure_list(&store, &officer, &cat, file, now())
        .await
        .unwrap();
    assert_eq!(r.errors_total, 0, "{:?}", r.errors);
    assert!(matches!(r.outcome, Some(ListBatchOutcome::Loaded(ref s)) if s.matched == 1));
    let h2 = household_id(&store, "H2").await;
    let chain = assistance::chain(&store, &officer, h2).await.unwrap();
    assert_eq!(chain.len(), 1);
    assert_eq!(
        (chain[0].measure.kind, chain[0].measure.department),
        (MeasureKind::PublicWelfareJob, Department::HumanResources)
    );
    let _: NaiveDate = chain[0].measure.starts_on;
    // 住建's 危房改造 list names the applicant; the measure is the
    // household's (no person on it), found through the applicant.
    let housing = format!(
        "身份证号,姓名,项目,金额,开始日期,部门\n{},张三,危房改造,35000,2026-06-01,住建局\n",
        id("1975-05-05", 13)
    );
    let file = MeasureListFile {
        name: "危改.csv".into(),
        bytes: housing.into_bytes(),
        kind: None,
        department: None,
    };
    let r = assistance::import_measure_list(&store, &officer, &cat, file, now())
        .await
        .unwrap();
    assert_eq!(r.errors_total, 0, "{:?}", r.errors);
    assert!(matches!(r.outcome, Some(ListBatchOutcome::Loaded(ref s)) if s.matched == 1));
    let chain = assistance::chain(&store, &officer, h2).await.unwrap();
    let house = chain
        .iter()
        .find(|m| m.measure.kind == MeasureKind::HousingRenovation)
        .expect("the household's 危房改造");
    assert_eq!(house.measure.person, None, "a household measure");
    assert_eq!(house.measure.amount_fen, Some(3_500_000));
}

/// The 雨露计划 payments of the education bureau as a workbook: date cells,
/// number cells, the kind in a column, the departments' own headers.
fn yulu_workbook(rows: &[(&str, f64)]) -> Vec<u8> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    sheet
        .write_row(
            0,
            0,
            [
                "公民身份号码",
                "姓名",
                "帮扶项目",
                "补助金额",
                "发放日期",
                "文号",
            ],
        )
        .unwrap();
    let day = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 3, 1).unwrap();
    for (i, (person, amount)) in rows.iter().enumerate() {
        let r = (i + 1) as u32;
        sheet.write_string(r, 0, *person).unwrap();
        sheet.write_string(r, 1, "学生").unwrap();
        sheet.write_string(r, 2, "雨露计划").unwrap();
        sheet.write_number(r, 3, *amount).unwrap();
        sheet.write_datetime_with_format(r, 4, &day, &date).unwrap();
        sheet.write_string(r, 5, "教资〔2026〕3号").unwrap();
    }
    book.save_to_buffer().unwrap()
}

async fn workbooks_import_like_csv(backend: Backend) {
    let Some((store, officer, _dir)) = setup_two_villages(backend).await else {
        return;
    };
    let cat = (catalogue(), assistance_policy());
    // H1's head is no student: 雨露计划 is not for him (line 2, the person's
    // column); the unknown student on line 3 is counted, not checked.
    let file = |bytes| MeasureListFile {
        name: "雨露计划.xlsx".into(),
        bytes,
        kind: None,
        department: None,
    };
    let bad = yulu_workbook(&[
        (&id("1970-01-01", 11), 3000.0),
        (&id("2006-01-01", 21), 3000.0),
    ]);
    let r = assistance::import_measure_list(&store, &officer, &cat, file(bad), now())
        .await
        .unwrap();
    assert!(r.outcome.is_none());
    let at: Vec<(usize, Option<usize>)> = r.errors.iter().map(|e| (e.line, e.column)).collect();
    assert_eq!(at, vec![(2, Some(1))], "{:?}", r.errors);
    assert!(
        r.errors[0].reason.contains("student at an eligible stage"),
        "{}",
        r.errors[0].reason
    );
    assert_eq!(count(&store, "SELECT COUNT(*) FROM measures").await, 0);
    let good = yulu_workbook(&[(&id("2006-01-01", 21), 3000.0)]);
    let r = assistance::import_measure_list(&store, &officer, &cat, file(good), now())
        .await
        .unwrap();
    assert_eq!(r.errors_total, 0, "{:?}", r.errors);
    assert!(
        matches!(r.outcome, Some(ListBatchOutcome::Loaded(ref s)) if s.unknown == 1 && s.matched == 0),
        "{:?}",
        r.outcome
    );
}

/// The 民政 feed's 新增 puts a grant on the person's chain with its feed
/// row as evidence, its 停发 stops it; the same row in a later batch (a
/// duplicate) attaches nothing; unknown persons attach nothing.
async fn civil_affairs_feed_attaches_to_the_chain(backend: Backend) {
    use dixian_app::{FeedFile, OnRowErrors, import_feed};
    let Some((store, officer, _dir)) = setup_two_villages(backend).await else {
        return;
    };
    let head = id("1970-01-01", 11);
    let feed = |name: &str, rows: &str| FeedFile {
        kind: dixian_screen::FeedKind::Assistance,
        name: name.into(),
        bytes: format!("身份证号,姓名,救助类型,状态,金额,日期\n{rows}").into_bytes(),
        idempotency_key: None,
    };
    let granted = format!(
        "{head},某,低保,新增,450,2026-03-01\n{},某,临时救助,新增,1000,2026-03-02\n",
        id("1990-09-09", 19)
    );
    let r = import_feed(
        &store,
        &officer,
        feed("mz-03.csv", &granted),
        OnRowErrors::Reject,
        now(),
    )
    .await
    .unwrap();
    assert!(r.outcome.is_some(), "{:?}", r.errors);
    let h1 = household_id(&store, "H1").await;
    let cadre = actor(Role::VillageCadre, VILLAGE_A);
    let chain = assistance::chain(&store, &cadre, h1).await.unwrap();
    assert_eq!(chain.len(), 1, "{chain:?}");
    let m = &chain[0];
    assert_eq!(
        (m.measure.kind, m.measure.source, m.measure.department),
        (
            MeasureKind::Dibao,
            MeasureSource::Feed,
            Department::CivilAffairs
        )
    );
    assert_eq!((m.measure.amount_fen, m.line), (Some(45_000), Some(2)));
    let (row_line,): (i64,) = store
        .pool
        .one(q("SELECT line FROM feed_rows WHERE id = $1").bind(m.feed_row_id.expect("evidence")))
        .await
        .unwrap();
    assert_eq!(row_line, 2);
    // The same grant again in another file: a duplicate row, no second grant.
    let again = format!("{head},某,低保,新增,450,2026-03-01\n");
    import_feed(
        &store,
        &officer,
        feed("mz-03b.csv", &again),
        OnRowErrors::Reject,
        now(),
    )
    .await
    .unwrap();
    assert_eq!(
        assistance::chain(&store, &cadre, h1).await.unwrap().len(),
        1
    );
    // 停发: the grant ends on the day.
    let stop = format!("{head},某,低保,停发,0,2026-05-01\n");
    import_feed(
        &store,
        &officer,
        feed("mz-05.csv", &stop),
        OnRowErrors::Reject,
        now(),
    )
    .await
    .unwrap();
    let chain = assistance::chain(&store, &cadre, h1).await.unwrap();
    assert_eq!(chain.len(), 1);
    assert_eq!(
        (chain[0].measure.status, chain[0].measure.ends_on),
        (MeasureStatus::Stopped, Some(date(2026, 5, 1)))
    );
    assert_eq!(count(&store, "SELECT COUNT(*) FROM measures").await, 1);
}

macro_rules! on_both_backends {
    ($($name:ident),+) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

on_both_backends!(
    plan_is_made_confirmed_and_guarded,
    measures_are_checked_and_stopped,
    visits_record_income_needs_and_measures,
    lists_import_all_or_nothing,
    workbooks_import_like_csv,
    civil_affairs_feed_attaches_to_the_chain
);
