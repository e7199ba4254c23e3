//! Demo cases: households of the demo village taken through the workflow
//! to every stage — some fresh, some overdue — so that each inbox has work
//! and each page has something to show. Events go through the same store
//! calls (and so the same state machine) as the API.

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use dixian_app::cases as app_cases;
use dixian_app::rules::Policies;
use dixian_domain::assistance::{
    BasicNeeds, FollowUpVisit, IncomeBySource, Measure, MeasureClass, MeasureSource, MeasureStatus,
};
use dixian_domain::case::{CaseEvent, ThreeGuarantees, china_date, has_labor_capacity};
use dixian_domain::{
    Category, Channel, DrinkingWater, Household, HousingGrade, RiskType, Role, WorkflowPolicy,
};
use dixian_screen::RuleBook;
use dixian_store::assistance as store_assistance;
use dixian_store::cases::{self, IncomingLead, PolicySource};
use dixian_store::{Actor, HouseholdFilter, Store, users};
use std::sync::Arc;

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
/// their households. Events go through the application layer
/// (`app::cases::record_event`), so the elimination is decided as on the
/// server: the household taken to `Eliminated` is one whose record meets
/// the criteria, and it receives a measure and a follow-up visit with its
/// income before the elimination is proposed.
pub async fn seed(store: &Store, rules: &RuleBook) -> anyhow::Result<Vec<String>> {
    let policies = Policies(Arc::new(rules.clone()));
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
        per_page: Some(200),
        ..Default::default()
    };
    let (rows, _) = dixian_store::households::list(&store.pool, &actors.village, &filter).await?;
    // The household to eliminate: the first whose record meets the criteria.
    let mut chosen = None;
    for r in &rows {
        let h = dixian_store::households::get(&store.pool, &actors.village, r.id)
            .await?
            .household;
        if meets_record_criteria(&h) {
            chosen = Some(r.id);
            break;
        }
    }
    let chosen = chosen.context("no demo household meets the elimination criteria")?;
    let mut others = rows.iter().map(|r| r.id).filter(|id| *id != chosen);
    let now = Utc::now();
    let mut ids = Vec::new();
    for (goal, days_ago) in PLAN {
        let id = match goal {
            Goal::Eliminated => chosen,
            _ => others.next().context("too few demo households")?,
        };
        ids.push(id);
        run(
            store,
            &policies,
            &actors,
            id,
            *goal,
            now - Duration::days(*days_ago),
        )
        .await?;
    }
    Ok(rows
        .iter()
        .filter(|r| ids.contains(&r.id))
        .map(|r| r.number.clone())
        .collect())
}

/// Whether the registry's facts meet the elimination criteria that the
/// record decides (三保障, water, labor, rigid expenses).
fn meets_record_criteria(h: &Household) -> bool {
    let g = ThreeGuarantees::of(h);
    g.dropped_out_pupils == 0
        && g.uninsured_members == 0
        && matches!(g.housing, HousingGrade::A | HousingGrade::B)
        && matches!(h.water, DrinkingWater::Secure | DrinkingWater::Basic)
        && has_labor_capacity(h)
        && h.medical_expense + h.schooling_expense <= 5_000
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
                    reviewed_rows: Vec::new(),
                    findings: Vec::new(),
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
                    override_reason: None,
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
                    override_reason: None,
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
    policies: &Policies,
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
    let receipt = app_cases::open_lead(store, &a.village, &lead, start, policies).await?;
    let case_id = receipt
        .case_id
        .context("a lead for a registered household opens a case")?;
    let mut version = cases::get_case(&store.pool, &a.county, case_id)
        .await?
        .version;
    let village = cases::get_case(&store.pool, &a.county, case_id)
        .await?
        .case
        .village;
    let policy = policies
        .policy_for(&village, china_date(start))
        .context("no rule set in force for the demo village")?;
    for (who, offset, event) in steps(goal, start, &policy) {
        let actor = match who {
            0 => &a.village,
            1 => &a.township,
            _ => &a.county,
        };
        let at = start + Duration::days(offset) + Duration::hours(2);
        if matches!(event, CaseEvent::ProposeElimination { .. }) {
            assist(store, policies, a, household, start, at).await?;
        }
        let after = app_cases::record_event(store, actor, case_id, version, &event, at, policies)
            .await
            .with_context(|| format!("demo case {case_id}: {}", event.kind().code()))?;
        version = after.version;
    }
    Ok(())
}

/// What makes the elimination hold: the first development measure of the
/// plan drafted at the county's approval, received from shortly after it,
/// and a follow-up visit with the household's income over the half year
/// before `at`.
async fn assist(
    store: &Store,
    policies: &Policies,
    a: &Actors,
    household: i64,
    start: DateTime<Utc>,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let h = dixian_store::households::get(&store.pool, &a.village, household)
        .await?
        .household;
    let (catalogue, _) = policies
        .0
        .catalogue_for(&h.village, china_date(at))
        .context("no measure catalogue in force for the demo village")?;
    let plan = store_assistance::get_plan(&store.pool, &a.village, household)
        .await?
        .context("the county's approval drafted a plan")?;
    let (person, rule) = plan
        .plan
        .measures
        .iter()
        .find_map(|p| {
            let rule = catalogue.get(p.kind)?;
            (rule.class == MeasureClass::Development && p.person.is_some())
                .then(|| (p.person.clone(), rule))
        })
        .context("the plan of a household able to work has a development measure")?;
    let measure = Measure {
        person,
        kind: rule.kind,
        department: rule.department,
        amount_fen: rule.max_amount_fen.map(|m| m.min(300_000)),
        starts_on: china_date(start + Duration::days(20)),
        ends_on: None,
        status: MeasureStatus::Ongoing,
        source: MeasureSource::Cadre,
        evidence: "到户产业补助发放表（演示）".into(),
    };
    store_assistance::add_measure(&store.pool, &a.village, household, &measure, at).await?;
    let today = china_date(at);
    let persons = u32::try_from(h.members.len()).unwrap_or(1).max(1);
    let visit = FollowUpVisit {
        visited_on: today,
        period_from: today - Duration::days(200),
        period_to: today,
        income: IncomeBySource {
            wage_fen: 1_000_000 * i64::from(persons),
            business_fen: 200_000,
            property_fen: 0,
            transfer_fen: 0,
        },
        persons,
        needs: BasicNeeds {
            food: true,
            clothing: true,
            schooling: true,
            medical: true,
            housing: true,
            water: true,
        },
        measures: Vec::new(),
        note: "务工和种养收入稳定（演示）".into(),
    };
    store_assistance::record_visit(&store.pool, &a.village, household, &visit, at).await?;
    Ok(())
}
