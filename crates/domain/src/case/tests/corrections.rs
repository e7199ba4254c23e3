//! Issue 11, point 6 and 7: the village's proposed category, the county
//! confirming or changing it, a rollback restarting the months monitored,
//! the data comparison by any working level, and the migration of a
//! household monitored before dixian.

use super::*;

fn deliberation_proposing(category: Option<Category>, risks: &[RiskType]) -> CaseEvent {
    CaseEvent::Deliberation {
        held_on: date(2),
        attendees: 12,
        approve: true,
        note: "同意".into(),
        proposed_category: category,
        proposed_risk_types: risks.to_vec(),
    }
}

fn county_keeping_proposal() -> CaseEvent {
    CaseEvent::CountyApproval {
        approve: true,
        category: None,
        risk_types: vec![],
        note: "同意".into(),
        override_reason: None,
    }
}

fn deliberated(category: Option<Category>, risks: &[RiskType]) -> Case {
    let case = case_at(CaseStage::VillageDeliberation);
    step(
        &case,
        deliberation_proposing(category, risks),
        Role::VillageCadre,
        2,
    )
}

/// From notice to county approval, as the full path does it.
fn to_county(case: Case) -> Case {
    let case = step(&case, ev::notice(2, 7), Role::VillageCadre, 2);
    let case = step(&case, CaseEvent::NoticeEnd, Role::VillageCadre, 9);
    let case = step(&case, ev::township(true), Role::TownshipReviewer, 10);
    assert_eq!(case.stage, CaseStage::CountyApproval);
    case
}

#[test]
fn the_deliberation_proposes_and_the_county_confirms() {
    let case = deliberated(Some(Category::MarginalAtRisk), &[RiskType::Schooling]);
    assert_eq!(case.proposed_category, Some(Category::MarginalAtRisk));
    assert_eq!(case.proposed_risk_types, vec![RiskType::Schooling]);
    assert_eq!(case.category, None, "not approved yet");
    let case = step(
        &to_county(case),
        county_keeping_proposal(),
        Role::CountyAdmin,
        11,
    );
    assert_eq!(case.stage, CaseStage::Monitored);
    assert_eq!(case.category, Some(Category::MarginalAtRisk));
    assert_eq!(case.risk_types, vec![RiskType::Schooling]);
}

#[test]
fn the_county_may_change_the_proposal() {
    let case = deliberated(Some(Category::MarginalAtRisk), &[RiskType::Schooling]);
    let case = step(&to_county(case), ev::county(true), Role::CountyAdmin, 11);
    assert_eq!(case.category, Some(Category::SuddenHardship));
    assert_eq!(
        case.risk_types,
        vec![RiskType::Illness, RiskType::HousingSafety]
    );
}

#[test]
fn without_proposal_or_decision_the_approval_is_incomplete() {
    let case = to_county(deliberated(None, &[]));
    assert_eq!(
        try_step(&case, county_keeping_proposal(), Role::CountyAdmin, 11).unwrap_err(),
        CaseError::ApprovalIncomplete
    );
}

#[test]
fn an_upheld_objection_forgets_the_proposal() {
    let case = deliberated(Some(Category::MarginalAtRisk), &[RiskType::Schooling]);
    let case = step(&case, ev::notice(2, 7), Role::VillageCadre, 2);
    let case = step(&case, ev::objection(true), Role::VillageCadre, 3);
    assert_eq!(case.proposed_category, None);
    assert!(case.proposed_risk_types.is_empty());
}

#[test]
fn an_elimination_deliberation_proposes_no_category() {
    let case = case_at(CaseStage::EliminationDeliberation);
    let event = deliberation_proposing(Some(Category::MarginalAtRisk), &[]);
    assert_eq!(
        try_step(&case, event, Role::VillageCadre, 40).unwrap_err(),
        CaseError::EliminationTakesNoCategory
    );
}

#[test]
fn a_rollback_restarts_the_months_monitored() {
    let case = case_at(CaseStage::Eliminated);
    let first = case.monitored_since.expect("monitored before elimination");
    let at = 200;
    let case = step(&case, ev::rollback(), Role::CountyAdmin, at);
    assert_eq!(case.stage, CaseStage::Monitored);
    assert_eq!(case.monitored_since, Some(day(at)));
    assert!(day(at) > first);
}

#[test]
fn township_and_county_may_compare_data() {
    for role in [
        Role::TownshipReviewer,
        Role::CountyAdmin,
        Role::VillageCadre,
    ] {
        let case = case_at(CaseStage::DataComparison);
        let case = step(&case, ev::comparison(), role, 1);
        assert_eq!(case.stage, CaseStage::VillageDeliberation, "{role:?}");
    }
}

fn migration(on: NaiveDate, risks: &[RiskType]) -> Migration {
    Migration {
        household: "5205261012010001".into(),
        village: RegionCode::parse(VILLAGE).unwrap(),
        category: Category::UnstableFormerlyPoor,
        risk_types: risks.to_vec(),
        identified_on: on,
        note: "县存量监测对象名单".into(),
    }
}

#[test]
fn the_county_migrates_a_monitored_household() {
    let on = NaiveDate::from_ymd_opt(2023, 6, 1).unwrap();
    let case = Case::migrate(
        migration(on, &[RiskType::Illness]),
        &actor(Role::CountyAdmin),
        day(0),
    )
    .unwrap();
    assert_eq!(case.stage, CaseStage::Monitored);
    assert_eq!(case.category, Some(Category::UnstableFormerlyPoor));
    assert_eq!(case.risk_types, vec![RiskType::Illness]);
    let since = case.monitored_since.unwrap();
    assert_eq!(china_date(since), on);
    // 2023-06-01 00:00 in China is 2023-05-31 16:00 UTC.
    assert_eq!(since.to_rfc3339(), "2023-05-31T16:00:00+00:00");
    // From there the workflow goes on as for any monitored household.
    let case = step(&case, ev::propose_elimination(), Role::VillageCadre, 1);
    assert_eq!(case.stage, CaseStage::EliminationDeliberation);
}

#[test]
fn only_the_county_migrates_and_never_into_an_existing_case() {
    let on = NaiveDate::from_ymd_opt(2023, 6, 1).unwrap();
    for role in [Role::VillageCadre, Role::TownshipReviewer] {
        let err = Case::migrate(migration(on, &[RiskType::Illness]), &actor(role), day(0));
        assert!(
            matches!(err, Err(CaseError::WrongRole { .. })),
            "{role:?}: {err:?}"
        );
    }
    let err = Case::migrate(
        migration(date(5), &[RiskType::Illness]),
        &actor(Role::CountyAdmin),
        day(0),
    );
    assert!(matches!(err, Err(CaseError::FutureDate { .. })), "{err:?}");
    let err = Case::migrate(migration(on, &[]), &actor(Role::CountyAdmin), day(0));
    assert_eq!(err.unwrap_err(), CaseError::ApprovalIncomplete);
    let outside = Scope {
        role: Role::CountyAdmin,
        region: RegionCode::parse("520527").unwrap(),
    };
    let err = Case::migrate(migration(on, &[RiskType::Illness]), &outside, day(0));
    assert_eq!(err.unwrap_err(), CaseError::OutOfScope);
    // As an event on an existing case it is refused at every stage.
    let event = CaseEvent::Migrated {
        identified_on: on,
        category: Category::UnstableFormerlyPoor,
        risk_types: vec![RiskType::Illness],
        note: String::new(),
    };
    let case = case_at(CaseStage::Monitored);
    let err = try_step(&case, event, Role::CountyAdmin, 1).unwrap_err();
    assert!(matches!(err, CaseError::WrongStage { .. }), "{err:?}");
}

#[test]
fn an_event_larger_than_a_record_is_refused_and_a_long_one_kept() {
    let case = case_at(CaseStage::DataComparison);
    let event = |len: usize| CaseEvent::DataComparison {
        results: "比".repeat(len),
        reviewed_rows: vec![],
        findings: vec![],
    };
    // 3 bytes a character: 20,000 characters fit, 30,000 do not
    let kept = step(&case, event(20_000), Role::TownshipReviewer, 1);
    assert_eq!(kept.stage, CaseStage::VillageDeliberation);
    match try_step(&case, event(30_000), Role::TownshipReviewer, 1) {
        Err(CaseError::EventTooLarge { bytes, max_bytes }) => {
            assert!(
                bytes > 90_000 && max_bytes == 64 * 1024,
                "{bytes} {max_bytes}"
            );
        }
        other => panic!("{other:?}"),
    }
}
