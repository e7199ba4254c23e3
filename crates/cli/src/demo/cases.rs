//! Demo cases: households of the demo village taken through the workflow
//! to every stage — some fresh, some overdue — so that each inbox has work
//! and each page has something to show. Events go through the same store
//! calls (and so the same state machine) as the API.

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use dixian_domain::case::{CaseEvent, china_date};
use dixian_domain::{Category, Channel, RiskType, Role, WorkflowPolicy};
use dixian_store::cases::{self, IncomingLead};
use dixian_store::{Actor, HouseholdFilter, Store, users};

/// Where a seeded case stops.
#[derive(Clone, Copy)]
enum Goal {
    HomeCheck,
    DataComparison,
    Deliberation,
    Notice,
    TownshipReview,
    CountyApproval,
    Monitored,
    Eliminated,
    Rejected,
}

/// The plan: which stage, and how many days ago the lead came in (old
/// leads that stopped early are overdue).
const PLAN: &[(Goal, i64)] = &[
    (Goal::HomeCheck, 1),
    (Goal::HomeCheck, 30),
    (Goal::DataComparison, 3),
    (Goal::Deliberation, 4),
    (Goal::Notice, 5),
    (Goal::TownshipReview, 12),
    (Goal::TownshipReview, 40),
    (Goal::CountyApproval, 14),
    (Goal::Monitored, 60),
    (Goal::Monitored, 220),
    (Goal::Eliminated, 300),
    (Goal::Rejected, 8),
];

struct Actors {
    village: Actor,
    township: Actor,
    county: Actor,
}

/// Seeds the demo cases in the cadre's village; returns the numbers of
/// their households.
pub async fn seed(store: &Store, policy: &WorkflowPolicy) -> anyhow::Result<Vec<String>> {
    let all = users::list(&store.pool).await?;
    let find = |role: Role| {
        all.iter()
            .find(|u| u.role == role)
            .map(Actor::of)
            .context("demo user missing")
    };
    let actors = Actors {
        village: find(Role::VillageCadre)?,
        township: find(Role::TownshipReviewer)?,
        county: find(Role::CountyAdmin)?,
    };
    let filter = HouseholdFilter {
        per_page: Some(PLAN.len() as i64),
        ..Default::default()
    };
    let (rows, _) = dixian_store::households::list(&store.pool, &actors.village, &filter).await?;
    let now = Utc::now();
    for ((goal, days_ago), row) in PLAN.iter().zip(&rows) {
        run(
            store,
            policy,
            &actors,
            row.id,
            *goal,
            now - Duration::days(*days_ago),
        )
        .await?;
    }
    Ok(rows
        .iter()
        .take(PLAN.len())
        .map(|r| r.number.clone())
        .collect())
}

/// The steps that lead to `goal`, each with its actor and day offset.
fn steps(goal: Goal, start: DateTime<Utc>, policy: &WorkflowPolicy) -> Vec<(u8, i64, CaseEvent)> {
    let day = |d: i64| china_date(start + Duration::days(d));
    let notice = i64::from(policy.notice_min_days);
    let mut s: Vec<(u8, i64, CaseEvent)> = Vec::new();
    let identify = |s: &mut Vec<(u8, i64, CaseEvent)>, upto: u8| {
        let all: Vec<(u8, i64, CaseEvent)> = vec![
            (
                0,
                1,
                CaseEvent::HomeCheck {
                    findings: "已入户核查：户主患病住院，自付医疗费用较高，家庭收入下降。".into(),
                    asset_check_consent_signed: true,
                    visited_on: day(1),
                },
            ),
            (
                0,
                2,
                CaseEvent::DataComparison {
                    results: "民政、医保、不动产、车辆信息比对无异常。".into(),
                },
            ),
            (
                0,
                3,
                CaseEvent::Deliberation {
                    held_on: day(3),
                    attendees: 15,
                    approve: true,
                    note: "村民代表一致同意纳入监测。".into(),
                    proposed_category: None,
                    proposed_risk_types: vec![],
                },
            ),
            (
                0,
                3,
                CaseEvent::NoticeStart {
                    start: day(3),
                    end: day(3 + notice),
                },
            ),
            (0, 3 + notice, CaseEvent::NoticeEnd),
            (
                1,
                4 + notice,
                CaseEvent::TownshipReview {
                    approve: true,
                    note: "审核通过。".into(),
                },
            ),
            (
                2,
                5 + notice,
                CaseEvent::CountyApproval {
                    approve: true,
                    category: Some(Category::SuddenHardship),
                    risk_types: vec![RiskType::Illness],
                    note: "审定纳入。".into(),
                },
            ),
        ];
        s.extend(all.into_iter().take(upto as usize));
    };
    match goal {
        Goal::HomeCheck => {}
        Goal::DataComparison => identify(&mut s, 1),
        Goal::Deliberation => identify(&mut s, 2),
        Goal::Notice => identify(&mut s, 4),
        Goal::TownshipReview => identify(&mut s, 5),
        Goal::CountyApproval => identify(&mut s, 6),
        Goal::Monitored => {
            identify(&mut s, 7);
            s.push((
                0,
                30 + notice,
                CaseEvent::FollowUp {
                    visited_on: day(30 + notice),
                    visitor: "帮扶责任人".into(),
                    changes: "已落实医疗救助，户主出院务农。".into(),
                    risk_added: vec![],
                    risk_removed: vec![],
                },
            ));
        }
        Goal::Eliminated => {
            identify(&mut s, 7);
            let e = 200;
            s.push((
                0,
                e,
                CaseEvent::ProposeElimination {
                    note: "收入稳定超过监测线，风险已消除。".into(),
                },
            ));
            s.push((
                0,
                e + 1,
                CaseEvent::Deliberation {
                    held_on: day(e + 1),
                    attendees: 14,
                    approve: true,
                    note: "同意风险消除。".into(),
                    proposed_category: None,
                    proposed_risk_types: vec![],
                },
            ));
            s.push((
                0,
                e + 1,
                CaseEvent::NoticeStart {
                    start: day(e + 1),
                    end: day(e + 1 + notice),
                },
            ));
            s.push((0, e + 1 + notice, CaseEvent::NoticeEnd));
            s.push((
                1,
                e + 2 + notice,
                CaseEvent::TownshipReview {
                    approve: true,
                    note: "同意。".into(),
                },
            ));
            s.push((
                2,
                e + 3 + notice,
                CaseEvent::CountyApproval {
                    approve: true,
                    category: None,
                    risk_types: vec![],
                    note: "标注风险消除。".into(),
                },
            ));
        }
        Goal::Rejected => s.push((
            0,
            1,
            CaseEvent::Reject {
                reason: "核查后家庭收入稳定，无返贫致贫风险。".into(),
            },
        )),
    }
    s
}

async fn run(
    store: &Store,
    policy: &WorkflowPolicy,
    a: &Actors,
    household: i64,
    goal: Goal,
    start: DateTime<Utc>,
) -> anyhow::Result<()> {
    let lead = IncomingLead {
        channel: if matches!(goal, Goal::Rejected) {
            Channel::SelfDeclared
        } else {
            Channel::CadreSweep
        },
        household_id: Some(household),
        id_number: None,
        risk_types: vec![RiskType::Illness],
        note: "走访发现家庭成员患病，医疗支出大。".into(),
    };
    let receipt = cases::open_lead(&store.pool, &a.village, &lead, start, policy).await?;
    let case_id = receipt
        .case_id
        .context("a lead for a registered household opens a case")?;
    let mut version = cases::get_case(&store.pool, &a.county, case_id)
        .await?
        .version;
    for (who, offset, event) in steps(goal, start, policy) {
        let actor = match who {
            0 => &a.village,
            1 => &a.township,
            _ => &a.county,
        };
        let at = start + Duration::days(offset) + Duration::hours(2);
        let after = cases::apply_event(&store.pool, actor, case_id, version, &event, at, policy)
            .await
            .with_context(|| format!("demo case {case_id}: {}", event.kind().code()))?;
        version = after.version;
    }
    Ok(())
}
