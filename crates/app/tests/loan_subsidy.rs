//! 小额信贷贴息 on both backends: an interest subsidy rests on a small loan
//! of the same person covering its days, its amount within the loan's
//! amount × the catalogue's yearly rate × its days / 365. A cadre's
//! subsidy without such a loan is refused with the field named and nothing
//! stored; an imported list's subsidy rows are held against the stored
//! chain and the file's own loans; a loan stopped after its subsidy was
//! recorded leaves the subsidy uncovered, which the findings on the plan
//! tab and the chain report name (`subsidy_without_loan`).

mod common;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use common::{
    TOWNSHIP, VILLAGE_A, actor, assistance_policy, catalogue, date, household_id, id, person_b,
    setup_two_villages,
};
use dixian_app::AppError;
use dixian_app::assistance::{self, ChainReportQuery, MeasureListFile};
use dixian_domain::assistance::{
    ChainRule, Department, Measure, MeasureCatalogue, MeasureClass, MeasureKind, MeasureRule,
    MeasureSource, MeasureStatus, MeasureUnit,
};
use dixian_domain::{IdNumber, Role};
use dixian_store::assistance::ListBatchOutcome;
use dixian_store::db::q;
use dixian_store::testing::Backend;
use dixian_store::{Refusal, Store, StoreError};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 2, 0, 0).unwrap()
}

/// The tests' yearly rate cap: 3.45 % (a rule file's number).
const RATE_BP: u32 = 345;

/// The common catalogue with the 贴息 entry a rule file would give.
fn with_subsidy() -> MeasureCatalogue {
    let mut c = catalogue();
    c.rules.push(MeasureRule {
        kind: MeasureKind::LoanInterestSubsidy,
        class: MeasureClass::Development,
        household: false,
        unit: MeasureUnit::Yuan,
        department: Department::Agriculture,
        eligibility: Default::default(),
        max_amount_fen: None,
        max_term_months: Some(36),
        max_yearly_rate_bp: Some(RATE_BP),
        excludes: Vec::new(),
    });
    c
}

fn head_h1() -> IdNumber {
    id("1970-01-01", 11).parse().unwrap()
}

/// 30,000 元 from 2026-03-01 for 24 months.
fn loan() -> Measure {
    Measure {
        person: Some(head_h1()),
        kind: MeasureKind::SmallLoan,
        department: Department::Bank,
        amount_fen: Some(3_000_000),
        starts_on: date(2026, 3, 1),
        ends_on: Some(date(2028, 3, 1)),
        status: MeasureStatus::Ongoing,
        source: MeasureSource::Cadre,
        evidence: "借据 2026-001".into(),
    }
}

/// The loan's first year of interest, `fen` paid.
fn subsidy(from: NaiveDate, to: Option<NaiveDate>, fen: i64) -> Measure {
    Measure {
        kind: MeasureKind::LoanInterestSubsidy,
        department: Department::Agriculture,
        amount_fen: Some(fen),
        starts_on: from,
        ends_on: to,
        evidence: "贴息 2026-Q1".into(),
        ..loan()
    }
}

async fn count(store: &Store, sql: &str) -> i64 {
    let (n,): (i64,) = store.pool.one(q(sql)).await.unwrap();
    n
}

/// The field a refusal names (its reason not empty and free of the ID
/// number), or a panic naming what came instead.
fn field_of(r: Result<impl std::fmt::Debug, AppError>) -> String {
    match r {
        Err(AppError::Store(StoreError::Refused(Refusal::InvalidField { field, reason }))) => {
            assert!(!reason.is_empty());
            assert!(!reason.contains(head_h1().as_str()), "{reason}");
            field
        }
        other => panic!("expected a refusal naming a field, got {other:?}"),
    }
}

async fn a_cadres_subsidy_rests_on_a_covering_loan(backend: Backend) {
    let Some((store, _, _dir)) = setup_two_villages(backend).await else {
        return;
    };
    let h1 = household_id(&store, "H1").await;
    let cadre = actor(Role::VillageCadre, VILLAGE_A);
    let cat = (with_subsidy(), assistance_policy());
    let (from, to) = (date(2026, 3, 1), date(2027, 2, 28));
    // 365 days of 30,000 元 at 3.45 %: 1,035 元
    let limit = 3_000_000 * i64::from(RATE_BP) / 10_000;
    assert_eq!(limit, 103_500);
    // Without any loan: refused on the person, nothing stored.
    let r = assistance::add_measure(
        &store,
        &cadre,
        &cat,
        h1,
        &subsidy(from, Some(to), limit),
        now(),
    )
    .await;
    assert_eq!(field_of(r), "person");
    assert_eq!(count(&store, "SELECT COUNT(*) FROM measures").await, 0);
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'measure'"
        )
        .await,
        0
    );
    // The loan, then each bad subsidy refused on its field.
    let loan_id = assistance::add_measure(&store, &cadre, &cat, h1, &loan(), now())
        .await
        .unwrap();
    let cases = [
        (subsidy(from, Some(to), limit + 1), "amount_fen"),
        (subsidy(date(2026, 2, 1), Some(to), 1_000), "starts_on"),
        (subsidy(from, Some(date(2028, 6, 1)), 1_000), "ends_on"),
        (subsidy(from, None, 1_000), "ends_on"),
    ];
    for (m, field) in cases {
        let r = assistance::add_measure(&store, &cadre, &cat, h1, &m, now()).await;
        assert_eq!(field_of(r), field, "{m:?}");
    }
    assert_eq!(count(&store, "SELECT COUNT(*) FROM measures").await, 1);
    // Within the loan and the cap: recorded, no finding.
    let sub_id = assistance::add_measure(
        &store,
        &cadre,
        &cat,
        h1,
        &subsidy(from, Some(to), limit),
        now(),
    )
    .await
    .unwrap();
    assert_eq!(count(&store, "SELECT COUNT(*) FROM measures").await, 2);
    let today = date(2026, 6, 1);
    let a = assistance::household_assistance(&store, &cadre, h1)
        .await
        .unwrap();
    let rules: Vec<ChainRule> = assistance::findings_of(&a, &cat, today)
        .iter()
        .map(|f| f.rule)
        .collect();
    assert!(!rules.contains(&ChainRule::SubsidyWithoutLoan), "{rules:?}");
    // The loan repaid early (stopped on 31 May): the subsidy's days are no
    // longer covered. The plan tab's findings name it, with both measures.
    let v = assistance::stop_measure(&store, &cadre, loan_id, 1, date(2026, 5, 31), now())
        .await
        .unwrap();
    assert_eq!(v, 2);
    let a = assistance::household_assistance(&store, &cadre, h1)
        .await
        .unwrap();
    let found: Vec<_> = assistance::findings_of(&a, &cat, today)
        .into_iter()
        .filter(|f| f.rule == ChainRule::SubsidyWithoutLoan)
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    let mut ids = found[0].measures.clone();
    ids.sort_unstable();
    let mut expected = vec![loan_id, sub_id];
    expected.sort_unstable();
    assert_eq!(ids, expected);
    assert!(found[0].why.contains("2026-05-31"), "{}", found[0].why);
    assert!(!found[0].why.contains(head_h1().as_str()));
    // The chain report of the township: counted, filtered by the rule.
    let township = actor(Role::TownshipReviewer, TOWNSHIP);
    let query = ChainReportQuery {
        region: TOWNSHIP.into(),
        rule: Some(ChainRule::SubsidyWithoutLoan),
        findings_only: true,
        page: 1,
        per_page: 50,
    };
    let report = assistance::chain_report(&store, &township, &cat, &query, today)
        .await
        .unwrap();
    let counted = report
        .counts
        .iter()
        .find(|c| c.rule == ChainRule::SubsidyWithoutLoan)
        .map(|c| c.findings);
    assert_eq!(counted, Some(1));
    assert!(!report.rows.is_empty());
    assert!(report.rows.iter().all(|r| r.household_number == "H1"));
    let flagged: Vec<i64> = report
        .rows
        .iter()
        .filter(|r| {
            r.findings
                .iter()
                .any(|f| f.rule == ChainRule::SubsidyWithoutLoan)
        })
        .filter_map(|r| r.measure.as_ref().map(|m| m.id))
        .collect();
    assert!(flagged.contains(&sub_id), "{flagged:?}");
}

fn subsidy_list(name: &str, csv: String) -> MeasureListFile {
    MeasureListFile {
        name: name.into(),
        bytes: csv.into_bytes(),
        kind: None,
        department: None,
    }
}

async fn a_listed_subsidy_is_held_against_the_chain_and_the_file(backend: Backend) {
    let Some((store, officer, _dir)) = setup_two_villages(backend).await else {
        return;
    };
    let cat = (with_subsidy(), assistance_policy());
    let b = person_b();
    // person B has no loan: the subsidy's line is refused at its ID
    // number, nothing stored
    let alone = format!(
        "身份证号,姓名,措施类型,金额,开始日期,结束日期\n{b},某,小额信贷贴息,500,2026-03-01,2026-12-31\n"
    );
    let r = assistance::import_measure_list(
        &store,
        &officer,
        &cat,
        subsidy_list("alone.csv", alone),
        now(),
    )
    .await
    .unwrap();
    assert!(r.outcome.is_none());
    assert_eq!(r.errors_total, 1, "{:?}", r.errors);
    assert_eq!((r.errors[0].line, r.errors[0].column), (2, Some(1)));
    assert!(
        r.errors[0].reason.contains("small_loan"),
        "{}",
        r.errors[0].reason
    );
    assert!(!r.errors[0].reason.contains(b.as_str()));
    assert_eq!(count(&store, "SELECT COUNT(*) FROM measures").await, 0);
    // above the cap over the file's own loan: refused at the amount
    let over = format!(
        "身份证号,姓名,措施类型,金额,开始日期,结束日期\n{b},某,小额信贷,20000,2026-03-01,2028-02-28\n{b},某,小额信贷贴息,700,2026-03-01,2027-02-28\n"
    );
    let r = assistance::import_measure_list(
        &store,
        &officer,
        &cat,
        subsidy_list("over.csv", over),
        now(),
    )
    .await
    .unwrap();
    assert_eq!(r.errors_total, 1, "{:?}", r.errors);
    assert_eq!((r.errors[0].line, r.errors[0].column), (3, Some(4)));
    assert_eq!(count(&store, "SELECT COUNT(*) FROM measures").await, 0);
    // within it (20,000 × 3.45 % = 690 元 a year): loaded together
    let both = format!(
        "身份证号,姓名,措施类型,金额,开始日期,结束日期\n{b},某,小额信贷,20000,2026-03-01,2028-02-28\n{b},某,小额信贷贴息,690,2026-03-01,2027-02-28\n"
    );
    let r = assistance::import_measure_list(
        &store,
        &officer,
        &cat,
        subsidy_list("both.csv", both),
        now(),
    )
    .await
    .unwrap();
    assert_eq!(r.errors_total, 0, "{:?}", r.errors);
    assert!(
        matches!(r.outcome, Some(ListBatchOutcome::Loaded(_))),
        "{:?}",
        r.outcome
    );
    assert_eq!(count(&store, "SELECT COUNT(*) FROM measures").await, 2);
    // a later list's subsidy rests on the stored loan
    let later = format!(
        "身份证号,姓名,措施类型,金额,开始日期,结束日期\n{b},某,贴息,690,2027-03-01,2028-02-28\n"
    );
    let r = assistance::import_measure_list(
        &store,
        &officer,
        &cat,
        subsidy_list("later.csv", later),
        now(),
    )
    .await
    .unwrap();
    assert_eq!(r.errors_total, 0, "{:?}", r.errors);
    assert_eq!(count(&store, "SELECT COUNT(*) FROM measures").await, 3);
}

macro_rules! on_both_backends {
    ($($name:ident),+) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

on_both_backends!(
    a_cadres_subsidy_rests_on_a_covering_loan,
    a_listed_subsidy_is_held_against_the_chain_and_the_file
);
