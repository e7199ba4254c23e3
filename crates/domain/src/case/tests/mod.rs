//! Tests of the case workflow, and the fixtures the other test modules of
//! `case` share: a non-default policy, actors of every role around one
//! village, a clock, events and a case at any stage.

mod corrections;
mod paths;
mod props;
mod table;

use super::*;
use crate::household::Category;
use crate::policy::WorkflowPolicy;
use chrono::{Days, NaiveDate, TimeZone};

/// The village of every test case.
pub(crate) const VILLAGE: &str = "520526101201";

/// A non-default policy: 7-day notice, unusual limits.
pub(crate) fn policy() -> WorkflowPolicy {
    WorkflowPolicy {
        notice_min_days: 7,
        identification_limit_days: 25,
        home_check_days: 3,
        data_comparison_days: 4,
        deliberation_days: 5,
        township_review_days: 6,
        county_approval_days: 8,
        elimination_min_monitored_months: 9,
        elimination_income_stable_months: 4,
        elimination_min_measures: 2,
        comparison_window_days: Some(365),
    }
}

/// A consistent scope of `role` that covers [`VILLAGE`].
pub(crate) fn actor(role: Role) -> Scope {
    let code = match role {
        Role::VillageCadre => VILLAGE,
        Role::TownshipReviewer => "520526101",
        Role::CountyAdmin | Role::DataOfficer => "520526",
        Role::Viewer => "52",
    };
    Scope {
        role,
        region: RegionCode::parse(code).unwrap(),
    }
}

/// 10:00 China time, `n` days after Monday 3 March 2025.
pub(crate) fn day(n: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 3, 2, 0, 0).unwrap() + Days::new(n.into())
}

/// The China date of [`day`].
pub(crate) fn date(n: u32) -> NaiveDate {
    china_date(day(n))
}

/// A case opened by a village cadre on day 0.
pub(crate) fn open_case() -> Case {
    let lead = NewLead {
        household: "5205261012010001".into(),
        village: RegionCode::parse(VILLAGE).unwrap(),
        channel: Channel::SelfDeclared,
        risk_types: vec![RiskType::Illness],
        note: "住院自付费用较高".into(),
    };
    Case::open(lead, &actor(Role::VillageCadre), day(0)).unwrap()
}

/// Applies `event` by `role` on day `at`.
pub(crate) fn try_step(
    case: &Case,
    event: CaseEvent,
    role: Role,
    at: u32,
) -> Result<Case, CaseError> {
    apply(case, &event, &actor(role), day(at), &policy()).map(|t| t.case)
}

/// Applies `event` by `role` on day `at`, which must succeed.
pub(crate) fn step(case: &Case, event: CaseEvent, role: Role, at: u32) -> Case {
    try_step(case, event, role, at).unwrap_or_else(|e| panic!("{e}"))
}

/// Events with valid data.
pub(crate) mod ev {
    use super::*;

    pub fn home_check(on: u32) -> CaseEvent {
        CaseEvent::HomeCheck {
            findings: "住房C级，一人患大病".into(),
            asset_check_consent_signed: true,
            visited_on: date(on),
        }
    }
    pub fn comparison() -> CaseEvent {
        CaseEvent::DataComparison {
            results: "医保自付费用超过阈值".into(),
            reviewed_rows: Vec::new(),
            findings: Vec::new(),
        }
    }
    pub fn deliberation(on: u32, approve: bool) -> CaseEvent {
        CaseEvent::Deliberation {
            held_on: date(on),
            attendees: 15,
            approve,
            note: "意见".into(),
            proposed_category: None,
            proposed_risk_types: vec![],
        }
    }
    /// A notice from day `start`, `days` days long (both ends counted).
    pub fn notice(start: u32, days: u32) -> CaseEvent {
        CaseEvent::NoticeStart {
            start: date(start),
            end: date(start + days - 1),
        }
    }
    pub fn objection(upheld: bool) -> CaseEvent {
        CaseEvent::NoticeObjection {
            text: "家有轿车".into(),
            upheld,
        }
    }
    pub fn township(approve: bool) -> CaseEvent {
        CaseEvent::TownshipReview {
            approve,
            note: "意见".into(),
        }
    }
    pub fn county(approve: bool) -> CaseEvent {
        CaseEvent::CountyApproval {
            approve,
            category: Some(Category::SuddenHardship),
            risk_types: vec![RiskType::Illness, RiskType::HousingSafety],
            note: "意见".into(),
            override_reason: None,
        }
    }
    pub fn county_elimination(approve: bool) -> CaseEvent {
        CaseEvent::CountyApproval {
            approve,
            category: None,
            risk_types: vec![],
            note: "意见".into(),
            override_reason: None,
        }
    }
    /// The county approval that suits the run of `stage`.
    pub fn county_for(stage: CaseStage) -> CaseEvent {
        if stage.is_elimination() {
            county_elimination(true)
        } else {
            county(true)
        }
    }
    pub fn return_for_more() -> CaseEvent {
        CaseEvent::ReturnForMore {
            reason: "缺承诺授权书照片".into(),
        }
    }
    pub fn reject() -> CaseEvent {
        CaseEvent::Reject {
            reason: "核查不属实".into(),
        }
    }
    pub fn follow_up(on: u32, added: &[RiskType], removed: &[RiskType]) -> CaseEvent {
        CaseEvent::FollowUp {
            visited_on: date(on),
            visitor: "帮扶责任人".into(),
            changes: "务工收入恢复".into(),
            risk_added: added.to_vec(),
            risk_removed: removed.to_vec(),
        }
    }
    pub fn propose_elimination() -> CaseEvent {
        CaseEvent::ProposeElimination {
            note: "收入稳定".into(),
        }
    }
    pub fn re_entry() -> CaseEvent {
        CaseEvent::ReEntry {
            channel: Channel::DepartmentWarning,
            risk_types: vec![RiskType::Disaster],
            note: "洪灾".into(),
        }
    }
    pub fn rollback() -> CaseEvent {
        CaseEvent::EliminationRollback {
            reason: "收入数据有误".into(),
        }
    }
    pub fn propose(assistance: Assistance) -> CaseEvent {
        CaseEvent::ProposeAssistance { assistance }
    }
    pub fn outcome(assistance: Assistance, granted: bool) -> CaseEvent {
        CaseEvent::AssistanceOutcome {
            assistance,
            granted,
            note: String::new(),
        }
    }
}

/// The happy path from a lead to elimination: (role, event, day).
pub(crate) fn full_path() -> Vec<(Role, CaseEvent, u32)> {
    use Role::*;
    vec![
        (VillageCadre, ev::home_check(0), 0),
        (VillageCadre, ev::comparison(), 0),
        (VillageCadre, ev::deliberation(1, true), 1),
        (VillageCadre, ev::notice(1, 7), 1),
        (VillageCadre, CaseEvent::NoticeEnd, 7),
        (TownshipReviewer, ev::township(true), 8),
        (CountyAdmin, ev::county(true), 9),
        (VillageCadre, ev::propose_elimination(), 10),
        (VillageCadre, ev::deliberation(10, true), 10),
        (VillageCadre, ev::notice(11, 7), 11),
        (VillageCadre, CaseEvent::NoticeEnd, 17),
        (TownshipReviewer, ev::township(true), 18),
        (CountyAdmin, ev::county_elimination(true), 19),
    ]
}

/// A case at `stage`, reached through `apply` along [`full_path`] (a
/// rejected one: rejected at the home check).
pub(crate) fn case_at(stage: CaseStage) -> Case {
    let mut case = open_case();
    if stage == CaseStage::Rejected {
        return step(&case, ev::reject(), Role::VillageCadre, 0);
    }
    for (role, event, at) in full_path() {
        if case.stage == stage {
            break;
        }
        case = step(&case, event, role, at);
    }
    assert_eq!(case.stage, stage, "the full path passes every stage");
    case
}

#[test]
fn open_sets_up_a_home_check() {
    let case = open_case();
    assert_eq!(case.stage, CaseStage::HomeCheck);
    assert_eq!(case.lead.opened_at, day(0));
    assert_eq!(case.stage_entered_at, day(0));
    assert_eq!(case.lead.risk_types, vec![RiskType::Illness]);
    assert!(case.category.is_none() && !case.re_entry);
}

#[test]
fn open_checks_place_role_and_household() {
    let lead = |village: &str, household: &str| NewLead {
        household: household.into(),
        village: RegionCode::parse(village).unwrap(),
        channel: Channel::CadreSweep,
        risk_types: vec![],
        note: String::new(),
    };
    let cadre = actor(Role::VillageCadre);
    let open = |l, a: &Scope| Case::open(l, a, day(0)).unwrap_err();
    assert_eq!(open(lead("520526101", "1"), &cadre), CaseError::NotVillage);
    assert_eq!(
        open(lead("520526101202", "1"), &cadre),
        CaseError::OutOfScope
    );
    assert_eq!(
        open(lead(VILLAGE, "1"), &actor(Role::DataOfficer)),
        CaseError::MayNotOpen {
            role: Role::DataOfficer
        }
    );
    assert_eq!(
        open(lead(VILLAGE, " "), &cadre),
        CaseError::Empty(TextField::Household)
    );
    for role in LEAD_ROLES {
        assert!(Case::open(lead(VILLAGE, "1"), &actor(*role), day(0)).is_ok());
    }
}
