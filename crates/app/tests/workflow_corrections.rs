//! Issue 11's corrections to the workflow, through the app's use cases on
//! both backends (their rules have pure tests in the domain; these read
//! and write the store):
//! - the village notice (公示) shows the category the deliberation
//!   proposes (拟认定) and nothing personal beyond a notice's columns; the
//!   county's approval confirms it when it leaves its own fields empty, or
//!   changes it;
//! - 低保边缘 is identified jointly with monitoring (proposed on the case,
//!   decided by the township, kept on the stored case; a grant is a link
//!   of the chain the elimination check reads), a kind that is not joint is
//!   refused with nothing written;
//! - the household edit (the API's record as sent) cannot set the category,
//!   and 原建档立卡 is corrected only by a county admin, the change in the
//!   edit's audit row.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::{VILLAGE_A, actor, household_id, id, setup};
use dixian_app::rules::Policies;
use dixian_app::{AppError, cases, registry};
use dixian_domain::case::{EliminationCriterion as C, china_date};
use dixian_domain::{Assistance, CaseError, CaseEvent, CaseStage, Category, RiskType, Role};
use dixian_screen::RuleBook;
use dixian_store::cases::IncomingLead;
use dixian_store::db::q;
use dixian_store::testing::Backend;
use dixian_store::{Refusal, Store, StoreError};
use std::sync::Arc;

const TOWNSHIP: &str = "520526001";

fn policies() -> Policies {
    Policies(Arc::new(RuleBook::shipped()))
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 2, 0, 0).unwrap()
}

fn at(days: i64) -> DateTime<Utc> {
    start() + Duration::days(days) + Duration::hours(1)
}

async fn version(store: &Store, case_id: i64) -> i64 {
    let (v,): (i64,) = store
        .pool
        .one(q("SELECT version FROM cases WHERE id = $1").bind(case_id))
        .await
        .unwrap();
    v
}

async fn count(store: &Store, table: &str) -> i64 {
    let (n,): (i64,) = store
        .pool
        .one(q(format!("SELECT COUNT(*) FROM {table}")))
        .await
        .unwrap();
    n
}

/// Records `event` by `who` on day `d`; returns the new version.
async fn step(
    store: &Store,
    p: &Policies,
    who: Role,
    case_id: i64,
    event: CaseEvent,
    d: i64,
) -> i64 {
    let region = match who {
        Role::VillageCadre => VILLAGE_A,
        Role::TownshipReviewer => TOWNSHIP,
        _ => "520526",
    };
    let v = version(store, case_id).await;
    cases::record_event(store, &actor(who, region), case_id, v, &event, at(d), p)
        .await
        .unwrap_or_else(|e| panic!("{event:?}: {e:?}"))
        .version
}

/// A cadre's lead for household `number` through home check and data
/// comparison (with a joint identification proposed and decided when
/// `joint` says so) and the deliberation proposing `proposed`, onto the
/// notice board. Returns the household and case ids.
async fn to_notice(
    store: &Store,
    p: &Policies,
    number: &str,
    proposed: Option<Category>,
    joint: Option<(Assistance, bool)>,
) -> (i64, i64) {
    let cadre = actor(Role::VillageCadre, VILLAGE_A);
    let hid = household_id(store, number).await;
    let lead = IncomingLead {
        channel: dixian_domain::Channel::CadreSweep,
        household_id: Some(hid),
        id_number: None,
        risk_types: vec![RiskType::Illness],
        note: "住院".into(),
    };
    let r = cases::open_lead(store, &cadre, &lead, start(), p)
        .await
        .unwrap();
    let case_id = r.case_id.expect("a cadre's lead opens a case");
    let d = |n: i64| china_date(at(n));
    use Role::{TownshipReviewer as Township, VillageCadre as Cadre};
    let home = CaseEvent::HomeCheck {
        findings: "入户核查".into(),
        asset_check_consent_signed: true,
        visited_on: d(1),
    };
    step(store, p, Cadre, case_id, home, 1).await;
    if let Some((assistance, granted)) = joint {
        step(
            store,
            p,
            Cadre,
            case_id,
            CaseEvent::ProposeAssistance { assistance },
            1,
        )
        .await;
        let outcome = CaseEvent::AssistanceOutcome {
            assistance,
            granted,
            note: "民政认定".into(),
        };
        step(store, p, Township, case_id, outcome, 2).await;
    }
    let compare = CaseEvent::DataComparison {
        results: "比对无异常".into(),
        reviewed_rows: Vec::new(),
        findings: Vec::new(),
    };
    step(store, p, Cadre, case_id, compare, 2).await;
    let deliberation = CaseEvent::Deliberation {
        held_on: d(3),
        attendees: 12,
        approve: true,
        note: "同意".into(),
        proposed_category: proposed,
        proposed_risk_types: vec![RiskType::UnstableEmployment],
    };
    step(store, p, Cadre, case_id, deliberation, 3).await;
    let notice = CaseEvent::NoticeStart {
        start: d(3),
        end: d(9),
    };
    step(store, p, Cadre, case_id, notice, 3).await;
    (hid, case_id)
}

/// From the notice to the county's approval with `category` (`None`:
/// confirm the proposal).
async fn approve(store: &Store, p: &Policies, case_id: i64, category: Option<Category>) {
    step(
        store,
        p,
        Role::VillageCadre,
        case_id,
        CaseEvent::NoticeEnd,
        10,
    )
    .await;
    let review = CaseEvent::TownshipReview {
        approve: true,
        note: "同意".into(),
    };
    step(store, p, Role::TownshipReviewer, case_id, review, 11).await;
    let approval = CaseEvent::CountyApproval {
        approve: true,
        category,
        risk_types: vec![],
        note: "审定".into(),
        override_reason: None,
    };
    step(store, p, Role::CountyAdmin, case_id, approval, 12).await;
}

async fn the_notice_shows_the_proposed_category(backend: Backend) {
    let Some((store, _, _d)) = setup(backend).await else {
        return;
    };
    let p = policies();
    // H1: 边缘易致贫户 proposed; H2: 边缘易致贫户 proposed too.
    let (h1, c1) = to_notice(&store, &p, "H1", Some(Category::MarginalAtRisk), None).await;
    let (h2, c2) = to_notice(&store, &p, "H2", Some(Category::MarginalAtRisk), None).await;
    let cadre = actor(Role::VillageCadre, VILLAGE_A);
    let township = actor(Role::TownshipReviewer, TOWNSHIP);
    for who in [&cadre, &township] {
        let notice = cases::notice(&store, who, VILLAGE_A, at(4)).await.unwrap();
        assert_eq!(notice.lines.len(), 2, "{notice:?}");
        for line in &notice.lines {
            assert_eq!(line.category, Category::MarginalAtRisk.label_zh());
            assert_eq!(line.risks, RiskType::UnstableEmployment.label_zh());
            assert_eq!(line.head, "测试");
            assert_eq!(
                (line.start, line.end),
                (china_date(at(3)), china_date(at(9)))
            );
        }
    }
    // What the store gives the notice: the proposal, and no ID number,
    // phone, income or health.
    let round = cases::notice_round(&store, &cadre, VILLAGE_A, at(4))
        .await
        .unwrap();
    assert!(
        round
            .entries
            .iter()
            .all(|e| e.category == Some(Category::MarginalAtRisk))
    );
    let json = serde_json::to_string(&round).unwrap();
    for private in [
        id("1970-01-01", 11),
        id("1975-05-05", 13),
        "phone".to_string(),
        "id_number".to_string(),
        "income".to_string(),
        "illness".to_string(),
        "住院".to_string(),
    ] {
        assert!(!json.contains(&private), "{private} in {json}");
    }
    let printed = format!(
        "{:?}",
        cases::notice(&store, &cadre, VILLAGE_A, at(4))
            .await
            .unwrap()
    );
    assert!(!printed.contains(&id("1970-01-01", 11)), "{printed}");
    // Not yet on the household: the category comes with the approval.
    let county = actor(Role::CountyAdmin, "520526");
    let card = dixian_store::households::get(&store.pool, &county, h1)
        .await
        .unwrap();
    assert_eq!(card.household.category, None);
    // The county confirms H1's proposal and changes H2's.
    approve(&store, &p, c1, None).await;
    approve(&store, &p, c2, Some(Category::SuddenHardship)).await;
    for (hid, case_id, category) in [
        (h1, c1, Category::MarginalAtRisk),
        (h2, c2, Category::SuddenHardship),
    ] {
        let case = cases::case(&store, &county, case_id, at(12), &p)
            .await
            .unwrap();
        assert_eq!(case.case.stage, CaseStage::Monitored);
        assert_eq!(case.case.category, Some(category));
        let card = dixian_store::households::get(&store.pool, &county, hid)
            .await
            .unwrap();
        assert_eq!(card.household.category, Some(category));
    }
    // Off the board once approved.
    let notice = cases::notice(&store, &cadre, VILLAGE_A, at(13))
        .await
        .unwrap();
    assert!(notice.lines.is_empty(), "{notice:?}");
}

async fn dibao_edge_is_identified_jointly(backend: Backend) {
    let Some((store, _, _d)) = setup(backend).await else {
        return;
    };
    let p = policies();
    let cadre = actor(Role::VillageCadre, VILLAGE_A);
    // H1: 低保边缘 proposed and granted; H2: proposed and refused.
    let (h1, c1) = to_notice(
        &store,
        &p,
        "H1",
        Some(Category::MarginalAtRisk),
        Some((Assistance::DibaoEdge, true)),
    )
    .await;
    let (_, c2) = to_notice(
        &store,
        &p,
        "H2",
        Some(Category::MarginalAtRisk),
        Some((Assistance::DibaoEdge, false)),
    )
    .await;
    let county = actor(Role::CountyAdmin, "520526");
    let stored = cases::case(&store, &county, c1, at(4), &p).await.unwrap();
    assert_eq!(stored.case.assistance.len(), 1);
    let proposal = &stored.case.assistance[0];
    assert_eq!(proposal.assistance, Assistance::DibaoEdge);
    assert!(proposal.decision.as_ref().is_some_and(|d| d.granted));
    let granted = proposal.granted_measure().expect("granted: a link");
    assert_eq!(
        granted.kind,
        dixian_domain::assistance::MeasureKind::DibaoEdge
    );
    // 临时救助 is not identified jointly: refused, the case unchanged.
    let v = version(&store, c1).await;
    let (cases_before, events_before) = (
        count(&store, "cases").await,
        count(&store, "case_events").await,
    );
    let e = cases::record_event(
        &store,
        &cadre,
        c1,
        v,
        &CaseEvent::ProposeAssistance {
            assistance: Assistance::Temporary,
        },
        at(4),
        &p,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            e,
            AppError::Store(StoreError::Refused(Refusal::Case(
                CaseError::NotJointAssistance(Assistance::Temporary)
            )))
        ),
        "{e:?}"
    );
    assert_eq!(version(&store, c1).await, v);
    assert_eq!(
        (
            count(&store, "cases").await,
            count(&store, "case_events").await
        ),
        (cases_before, events_before)
    );
    // Both monitored: the grant counts as a measure received for H1 (the
    // chain holds none yet); H2's refusal does not.
    approve(&store, &p, c1, None).await;
    approve(&store, &p, c2, None).await;
    let failing =
        |check: dixian_store::cases::EliminationCheck| check.report.failing().collect::<Vec<_>>();
    let one = cases::elimination_check(&store, &county, c1, at(13), &p, None)
        .await
        .unwrap();
    assert!(!failing(one).contains(&C::MeasuresReceived));
    let two = cases::elimination_check(&store, &county, c2, at(13), &p, None)
        .await
        .unwrap();
    assert!(failing(two).contains(&C::MeasuresReceived));
    // The stored case reads back the same through another role.
    let township = actor(Role::TownshipReviewer, TOWNSHIP);
    let again = cases::case(&store, &township, c1, at(13), &p)
        .await
        .unwrap();
    assert_eq!(again.case.assistance, stored.case.assistance);
    assert!(h1 > 0);
}

async fn household_edits_leave_category_and_formerly_poor_to_their_owners(backend: Backend) {
    let Some((store, _, _d)) = setup(backend).await else {
        return;
    };
    let h1 = household_id(&store, "H1").await;
    let cadre = actor(Role::VillageCadre, VILLAGE_A);
    let township = actor(Role::TownshipReviewer, TOWNSHIP);
    let officer = actor(Role::DataOfficer, "520526");
    let county = actor(Role::CountyAdmin, "520526");
    let audits = || count(&store, "audit_log");
    // The record as the API sends it back, with the category set.
    let (stored, _) = registry::for_edit(&store, &cadre, h1).await.unwrap();
    let sent = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = serde_json::to_value(&stored.household).unwrap();
        f(&mut v);
        v
    };
    let before = audits().await;
    let categorised = sent(&|v| v["category"] = "sudden_hardship".into());
    for who in [&cadre, &county] {
        let e = registry::update_as_sent(&store, who, h1, stored.version, categorised.clone())
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                AppError::Store(StoreError::Refused(Refusal::CategoryByWorkflow))
            ),
            "{e:?}"
        );
    }
    // 原建档立卡 flipped: refused to all but the county admin.
    let flipped = sent(&|v| {
        v["formerly_registered_poor"] = (!stored.household.formerly_registered_poor).into()
    });
    for who in [&cadre, &township, &officer] {
        let e = registry::update_as_sent(&store, who, h1, stored.version, flipped.clone()).await;
        match e {
            Err(AppError::Store(StoreError::Refused(Refusal::FormerlyPoorByCounty)))
            | Err(AppError::Store(StoreError::Forbidden)) => {}
            other => panic!("{other:?}"),
        }
    }
    let unchanged = dixian_store::households::get(&store.pool, &county, h1)
        .await
        .unwrap();
    assert_eq!(unchanged.version, stored.version, "nothing written");
    assert_eq!(unchanged.household, stored.household);
    assert_eq!(audits().await, before);
    // The county admin corrects it; the edit's audit row shows the change.
    let v = registry::update_as_sent(&store, &county, h1, stored.version, flipped)
        .await
        .unwrap();
    assert_eq!(v, stored.version + 1);
    let after = dixian_store::households::get(&store.pool, &county, h1)
        .await
        .unwrap();
    assert_eq!(
        after.household.formerly_registered_poor,
        !stored.household.formerly_registered_poor
    );
    assert_eq!(after.household.category, None, "the category stays unset");
    assert_eq!(audits().await, before + 1);
    let (b, a): (Option<String>, Option<String>) = store
        .pool
        .one(
            q("SELECT before, after FROM audit_log WHERE entity = 'household' AND action = 'update'
               AND entity_id = $1 ORDER BY seq DESC LIMIT 1")
            .bind(h1.to_string()),
        )
        .await
        .unwrap();
    let field = |s: Option<String>| {
        let v: serde_json::Value = serde_json::from_str(&s.expect("a snapshot")).unwrap();
        v["formerly_registered_poor"].as_bool()
    };
    assert_eq!(field(b), Some(stored.household.formerly_registered_poor));
    assert_eq!(field(a), Some(!stored.household.formerly_registered_poor));
}

macro_rules! on_both_backends {
    ($($name:ident),+) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

on_both_backends!(
    the_notice_shows_the_proposed_category,
    dibao_edge_is_identified_jointly,
    household_edits_leave_category_and_formerly_poor_to_their_owners
);
