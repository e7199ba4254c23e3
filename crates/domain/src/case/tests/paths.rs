//! Paths through the workflow and the boundaries of each event's checks.

use super::*;
use Role::{CountyAdmin as County, TownshipReviewer as Township, VillageCadre as Cadre};

#[test]
fn identification_sets_category_risks_and_start_of_monitoring() {
    let case = case_at(CaseStage::Monitored);
    assert_eq!(case.category, Some(Category::SuddenHardship));
    assert_eq!(
        case.risk_types,
        vec![RiskType::Illness, RiskType::HousingSafety]
    );
    assert_eq!(case.monitored_since, Some(day(9)));
    assert_eq!(case.stage_entered_at, day(9));
    assert_eq!(case.deliberated_on, Some(date(1)));
}

#[test]
fn elimination_keeps_the_household_watched() {
    let case = case_at(CaseStage::Eliminated);
    assert_eq!(case.eliminated_at, Some(day(19)));
    assert_eq!(case.monitored_since, Some(day(9)));
    assert_eq!(case.category, Some(Category::SuddenHardship));
    let visited = step(&case, ev::follow_up(20, &[], &[]), Cadre, 20);
    assert_eq!(visited.stage, CaseStage::Eliminated);
    assert_eq!(visited.follow_ups, 1);
}

#[test]
fn nobody_skips_the_notice() {
    let case = case_at(CaseStage::NoticePending);
    let tries = [
        (Cadre, CaseEvent::NoticeEnd),
        (Township, ev::township(true)),
        (County, ev::county(true)),
    ];
    for (role, event) in tries {
        let err = try_step(&case, event, role, 30).unwrap_err();
        assert!(matches!(err, CaseError::WrongStage { .. }), "{err}");
    }
}

#[test]
fn notice_length_boundary_follows_the_policy() {
    let case = case_at(CaseStage::NoticePending);
    let min = policy().notice_min_days;
    let err = try_step(&case, ev::notice(2, min - 1), Cadre, 2).unwrap_err();
    assert_eq!(
        err,
        CaseError::NoticeTooShort {
            days: i64::from(min - 1),
            min,
            earliest_end: date(2 + min - 1),
        }
    );
    let posted = step(&case, ev::notice(2, min), Cadre, 2);
    assert_eq!(posted.stage, CaseStage::Notice);
    let notice = posted.notice.unwrap();
    assert_eq!((notice.start, notice.end), (date(2), date(2 + min - 1)));

    let mut longer = policy();
    longer.notice_min_days = min + 3;
    let err = apply(&case, &ev::notice(2, min), &actor(Cadre), day(2), &longer).unwrap_err();
    assert!(matches!(err, CaseError::NoticeTooShort { min: m, .. } if m == min + 3));
}

#[test]
fn notice_dates_must_make_sense() {
    let case = case_at(CaseStage::NoticePending);
    let backwards = CaseEvent::NoticeStart {
        start: date(20),
        end: date(10),
    };
    assert!(matches!(
        try_step(&case, backwards, Cadre, 2),
        Err(CaseError::NoticeEndsBeforeStart { .. })
    ));
    // deliberated on day 1
    assert!(matches!(
        try_step(&case, ev::notice(0, 9), Cadre, 2),
        Err(CaseError::NoticeBeforeDeliberation { .. })
    ));
}

#[test]
fn notice_ends_on_its_end_date_not_before() {
    let case = case_at(CaseStage::Notice);
    let end = case.notice.as_ref().unwrap().end;
    let before = end.pred_opt().unwrap();
    // 23:59 on the eve and 00:00 on the end date, China time.
    let eve = before.and_hms_opt(15, 59, 0).unwrap().and_utc();
    let midnight = before.and_hms_opt(16, 0, 0).unwrap().and_utc();
    let end_it = |now| apply(&case, &CaseEvent::NoticeEnd, &actor(Cadre), now, &policy());
    assert_eq!(end_it(eve).unwrap_err(), CaseError::NoticeNotOver { end });
    let t = end_it(midnight).unwrap();
    assert_eq!(
        (t.from, t.to),
        (CaseStage::Notice, CaseStage::TownshipReview)
    );
}

#[test]
fn upheld_objection_returns_to_home_check() {
    let case = case_at(CaseStage::Notice);
    let kept = step(&case, ev::objection(false), Cadre, 3);
    assert_eq!(kept.stage, CaseStage::Notice);
    assert_eq!(kept.notice.as_ref().unwrap().objections.len(), 1);

    let back = step(&kept, ev::objection(true), Cadre, 4);
    assert_eq!(back.stage, CaseStage::HomeCheck);
    assert_eq!(back.stage_entered_at, day(4));
    assert_eq!(back.lead.opened_at, day(0), "the lead clock keeps running");
    let objections = &back.notice.as_ref().unwrap().objections;
    assert_eq!(objections.len(), 2);
    assert!(objections[1].upheld);

    // the rerun needs a new check, deliberation and notice
    let mut rerun = back;
    for (role, event, at) in [
        (Cadre, ev::home_check(5), 5),
        (Cadre, ev::comparison(), 5),
        (Cadre, ev::deliberation(6, true), 6),
        (Cadre, ev::notice(6, 7), 6),
    ] {
        rerun = step(&rerun, event, role, at);
    }
    assert_eq!(rerun.stage, CaseStage::Notice);
    assert!(rerun.notice.unwrap().objections.is_empty());
}

#[test]
fn objection_text_is_required() {
    let case = case_at(CaseStage::Notice);
    let empty = CaseEvent::NoticeObjection {
        text: "  ".into(),
        upheld: true,
    };
    assert_eq!(
        try_step(&case, empty, Cadre, 3).unwrap_err(),
        CaseError::Empty(TextField::ObjectionText)
    );
}

#[test]
fn home_check_needs_consent_findings_and_a_real_date() {
    let case = case_at(CaseStage::HomeCheck);
    let check = |findings: &str, consent: bool, on: NaiveDate| CaseEvent::HomeCheck {
        findings: findings.into(),
        asset_check_consent_signed: consent,
        visited_on: on,
    };
    let err = |e| try_step(&case, e, Cadre, 2).unwrap_err();
    assert_eq!(
        err(check("住房安全", false, date(1))),
        CaseError::ConsentNotSigned
    );
    assert_eq!(
        err(check("", true, date(1))),
        CaseError::Empty(TextField::Findings)
    );
    assert!(matches!(
        err(check("住房安全", true, date(3))),
        CaseError::FutureDate { .. }
    ));
    let before_lead = date(0).pred_opt().unwrap();
    assert!(matches!(
        err(check("住房安全", true, before_lead)),
        CaseError::BeforeLead { .. }
    ));
    let done = step(&case, check("住房安全", true, date(2)), Cadre, 2);
    assert_eq!(done.stage, CaseStage::DataComparison);
}

#[test]
fn deliberation_needs_attendance_and_a_reason_to_reject() {
    let case = case_at(CaseStage::VillageDeliberation);
    let nobody = CaseEvent::Deliberation {
        held_on: date(1),
        attendees: 0,
        approve: true,
        note: String::new(),
        proposed_category: None,
        proposed_risk_types: vec![],
    };
    assert_eq!(
        try_step(&case, nobody, Cadre, 1).unwrap_err(),
        CaseError::NoAttendance
    );
    let silent_no = CaseEvent::Deliberation {
        held_on: date(1),
        attendees: 9,
        approve: false,
        note: String::new(),
        proposed_category: None,
        proposed_risk_types: vec![],
    };
    assert_eq!(
        try_step(&case, silent_no, Cadre, 1).unwrap_err(),
        CaseError::Empty(TextField::Note)
    );
    let rejected = step(&case, ev::deliberation(1, false), Cadre, 1);
    assert_eq!(rejected.stage, CaseStage::Rejected);
    let r = rejected.rejection.unwrap();
    assert_eq!((r.stage, r.role), (CaseStage::VillageDeliberation, Cadre));
}

#[test]
fn rejection_ends_each_kind_of_run_in_its_place() {
    let first = step(&case_at(CaseStage::CountyApproval), ev::reject(), County, 9);
    assert_eq!(first.stage, CaseStage::Rejected);
    assert_eq!(first.rejection.as_ref().unwrap().reason, "核查不属实");

    let elimination = step(
        &case_at(CaseStage::EliminationTownshipReview),
        ev::township(false),
        Township,
        18,
    );
    assert_eq!(elimination.stage, CaseStage::Monitored);
    assert_eq!(elimination.eliminated_at, None);

    let reopened = step(&case_at(CaseStage::Eliminated), ev::re_entry(), Cadre, 20);
    let dismissed = step(&reopened, ev::reject(), Cadre, 21);
    assert_eq!(dismissed.stage, CaseStage::Eliminated);
    assert!(!dismissed.re_entry);
    assert_eq!(dismissed.eliminated_at, Some(day(19)));

    let no_reason = CaseEvent::Reject { reason: " ".into() };
    assert_eq!(
        try_step(&case_at(CaseStage::HomeCheck), no_reason, Cadre, 0).unwrap_err(),
        CaseError::Empty(TextField::Reason)
    );
}

/// 退回补充 at each of the four review stages: by the deciding role only,
/// with a reason, back to the village's step (identification: the home
/// check, the proposal gone; elimination: its deliberation), the reason
/// kept and pending until the case moves on.
#[test]
fn return_for_more_sends_each_review_back_to_the_village() {
    let cases = [
        (CaseStage::TownshipReview, Township, 8, CaseStage::HomeCheck),
        (CaseStage::CountyApproval, County, 9, CaseStage::HomeCheck),
        (
            CaseStage::EliminationTownshipReview,
            Township,
            18,
            CaseStage::EliminationDeliberation,
        ),
        (
            CaseStage::EliminationCountyApproval,
            County,
            19,
            CaseStage::EliminationDeliberation,
        ),
    ];
    for (stage, role, at, to) in cases {
        let mut case = case_at(stage);
        if !stage.is_elimination() {
            case.proposed_category = Some(Category::MarginalAtRisk);
            case.proposed_risk_types = vec![RiskType::Illness];
        }
        // the other working roles may not send it back
        for other in [Cadre, Township, County].into_iter().filter(|r| *r != role) {
            let err = try_step(&case, ev::return_for_more(), other, at).unwrap_err();
            assert!(
                matches!(err, CaseError::WrongRole { .. }),
                "{stage:?} by {other:?}: {err}"
            );
        }
        // a reason is required
        let empty = CaseEvent::ReturnForMore {
            reason: "  ".into(),
        };
        assert_eq!(
            try_step(&case, empty, role, at).unwrap_err(),
            CaseError::Empty(TextField::Reason),
            "{stage:?}"
        );
        let back = step(&case, ev::return_for_more(), role, at);
        assert_eq!(back.stage, to, "{stage:?}");
        assert_eq!(back.stage_entered_at, day(at));
        assert_eq!(
            back.lead.opened_at, case.lead.opened_at,
            "the lead clock runs on"
        );
        let r = back.returned.as_ref().expect("the return is kept");
        assert_eq!((r.from, r.to, r.role), (stage, to, role));
        assert_eq!(r.reason, "缺承诺授权书照片");
        assert!(r.pending(&back));
        if stage.is_elimination() {
            assert_eq!(back.category, case.category, "still monitored");
        } else {
            assert_eq!(back.proposed_category, None);
            assert!(back.proposed_risk_types.is_empty());
        }
        // the village redoes its step: the return is no longer pending
        let redone = if stage.is_elimination() {
            step(&back, ev::deliberation(at, true), Cadre, at)
        } else {
            step(&back, ev::home_check(at), Cadre, at)
        };
        assert!(!redone.returned.as_ref().unwrap().pending(&redone));
    }
}

#[test]
fn return_for_more_is_refused_outside_the_reviews() {
    let reviews = [
        CaseStage::TownshipReview,
        CaseStage::CountyApproval,
        CaseStage::EliminationTownshipReview,
        CaseStage::EliminationCountyApproval,
    ];
    let others: Vec<_> = CaseStage::ALL
        .iter()
        .filter(|s| !reviews.contains(s))
        .collect();
    assert_eq!(others.len(), CaseStage::ALL.len() - 4);
    for stage in others {
        let case = case_at(*stage);
        for role in Role::ALL {
            let err = try_step(&case, ev::return_for_more(), *role, 30).unwrap_err();
            assert!(
                matches!(err, CaseError::WrongStage { .. }),
                "{stage:?} by {role:?}: {err}"
            );
        }
    }
}

#[test]
fn upheld_objection_to_an_elimination_keeps_the_household_monitored() {
    let case = step(
        &case_at(CaseStage::EliminationNotice),
        ev::objection(true),
        Cadre,
        12,
    );
    assert_eq!(case.stage, CaseStage::Monitored);
    assert_eq!(case.rejection.unwrap().stage, CaseStage::EliminationNotice);
}

#[test]
fn county_approval_data_depends_on_the_run() {
    let identification = case_at(CaseStage::CountyApproval);
    let bare = ev::county_elimination(true);
    assert_eq!(
        try_step(&identification, bare, County, 9).unwrap_err(),
        CaseError::ApprovalIncomplete
    );
    let no_risk = CaseEvent::CountyApproval {
        approve: true,
        category: Some(Category::MarginalAtRisk),
        risk_types: vec![],
        note: String::new(),
        override_reason: None,
    };
    assert_eq!(
        try_step(&identification, no_risk, County, 9).unwrap_err(),
        CaseError::ApprovalIncomplete
    );
    let elimination = case_at(CaseStage::EliminationCountyApproval);
    assert_eq!(
        try_step(&elimination, ev::county(true), County, 19).unwrap_err(),
        CaseError::EliminationTakesNoCategory
    );
    let silent_no = CaseEvent::CountyApproval {
        approve: false,
        category: None,
        risk_types: vec![],
        note: String::new(),
        override_reason: None,
    };
    assert_eq!(
        try_step(&elimination, silent_no, County, 19).unwrap_err(),
        CaseError::Empty(TextField::Note)
    );
}

#[test]
fn re_entry_reruns_identification_from_a_new_lead() {
    let eliminated = case_at(CaseStage::Eliminated);
    let mut case = step(&eliminated, ev::re_entry(), Township, 40);
    assert_eq!(case.stage, CaseStage::HomeCheck);
    assert!(case.re_entry);
    assert_eq!(case.re_entries, 1);
    assert_eq!(case.lead.opened_at, day(40));
    assert_eq!(case.lead.channel, Channel::DepartmentWarning);
    assert_eq!(case.notice, None);
    let rerun = [
        (Cadre, ev::home_check(40), 40),
        (Cadre, ev::comparison(), 40),
        (Cadre, ev::deliberation(41, true), 41),
        (Cadre, ev::notice(41, 7), 41),
        (Cadre, CaseEvent::NoticeEnd, 47),
        (Township, ev::township(true), 47),
    ];
    for (role, event, at) in rerun {
        case = step(&case, event, role, at);
    }
    let flood = CaseEvent::CountyApproval {
        approve: true,
        category: Some(Category::UnstableFormerlyPoor),
        risk_types: vec![RiskType::Disaster],
        note: String::new(),
        override_reason: None,
    };
    let case = step(&case, flood, County, 48);
    assert_eq!(case.stage, CaseStage::Monitored);
    assert_eq!(case.category, Some(Category::UnstableFormerlyPoor));
    assert_eq!(case.risk_types, vec![RiskType::Disaster]);
    assert_eq!(case.monitored_since, Some(day(48)));
    assert_eq!(case.eliminated_at, None);
    assert!(!case.re_entry);
}

#[test]
fn rollback_returns_an_eliminated_household_to_monitoring() {
    let eliminated = case_at(CaseStage::Eliminated);
    let no_reason = CaseEvent::EliminationRollback {
        reason: String::new(),
    };
    assert_eq!(
        try_step(&eliminated, no_reason, County, 25).unwrap_err(),
        CaseError::Empty(TextField::Reason)
    );
    let case = step(&eliminated, ev::rollback(), County, 25);
    assert_eq!(case.stage, CaseStage::Monitored);
    assert_eq!(case.rollbacks, 1);
    assert_eq!(case.eliminated_at, None);
    // Issue 11, point 6: the months monitored count again from the rollback.
    assert_eq!(
        case.monitored_since,
        Some(day(25)),
        "monitoring restarts at the rollback"
    );
    // and it can be eliminated again, through the whole procedure
    let again = step(&case, ev::propose_elimination(), Cadre, 26);
    assert_eq!(again.stage, CaseStage::EliminationDeliberation);
    assert_eq!(again.notice, None);
}

#[test]
fn follow_up_changes_risk_types() {
    use RiskType::*;
    let case = case_at(CaseStage::Monitored);
    let case = step(
        &case,
        ev::follow_up(10, &[Schooling], &[Illness]),
        Cadre,
        10,
    );
    assert_eq!(case.risk_types, vec![Schooling, HousingSafety]);
    assert_eq!((case.follow_ups, case.last_follow_up), (1, Some(date(10))));
    // an older visit recorded late does not move the last visit back
    let case = step(&case, ev::follow_up(5, &[], &[]), Cadre, 11);
    assert_eq!((case.follow_ups, case.last_follow_up), (2, Some(date(10))));
    assert_eq!(
        try_step(&case, ev::follow_up(11, &[Other], &[Other]), Cadre, 11).unwrap_err(),
        CaseError::RiskTypeConflict(Other)
    );
    assert!(matches!(
        try_step(&case, ev::follow_up(12, &[], &[]), Cadre, 11),
        Err(CaseError::FutureDate { .. })
    ));
}

#[test]
fn a_new_risk_after_elimination_is_a_re_entry() {
    let case = case_at(CaseStage::Eliminated);
    assert_eq!(
        try_step(
            &case,
            ev::follow_up(20, &[RiskType::Accident], &[]),
            Cadre,
            20
        )
        .unwrap_err(),
        CaseError::NewRiskAfterElimination
    );
    let lighter = step(
        &case,
        ev::follow_up(20, &[], &[RiskType::Illness]),
        Cadre,
        20,
    );
    assert_eq!(lighter.risk_types, vec![RiskType::HousingSafety]);
}

#[test]
fn joint_identification_records_proposal_and_outcome() {
    let case = case_at(CaseStage::DataComparison);
    let case = step(&case, ev::propose(Assistance::Dibao), Cadre, 0);
    assert_eq!(case.stage, CaseStage::DataComparison);
    assert_eq!(
        try_step(&case, ev::propose(Assistance::Dibao), Cadre, 0).unwrap_err(),
        CaseError::AssistancePending(Assistance::Dibao)
    );
    assert_eq!(
        try_step(&case, ev::propose(Assistance::Temporary), Cadre, 0).unwrap_err(),
        CaseError::NotJointAssistance(Assistance::Temporary)
    );
    assert_eq!(
        try_step(&case, ev::outcome(Assistance::Tekun, true), Township, 1).unwrap_err(),
        CaseError::NoAssistanceProposal(Assistance::Tekun)
    );
    let case = step(&case, ev::outcome(Assistance::Dibao, true), Township, 1);
    let decision = case.assistance[0].decision.as_ref().unwrap();
    assert!(decision.granted);
    assert_eq!(decision.decided_on, date(1));
    // decided: may be proposed again later
    let case = step(&case, ev::propose(Assistance::Dibao), Cadre, 2);
    assert_eq!(case.assistance.len(), 2);
}

/// Issue 11, point 7: 低保边缘 is identified jointly with monitoring.
#[test]
fn dibao_edge_is_a_joint_identification_kind() {
    let case = case_at(CaseStage::DataComparison);
    let case = step(&case, ev::propose(Assistance::DibaoEdge), Cadre, 0);
    let case = step(
        &case,
        ev::outcome(Assistance::DibaoEdge, false),
        Township,
        1,
    );
    let decision = case.assistance[0].decision.as_ref().unwrap();
    assert!(!decision.granted);
    assert_eq!(
        Assistance::parse("低保边缘家庭"),
        Some(Assistance::DibaoEdge)
    );
}

#[test]
fn error_messages_are_bilingual_and_carry_no_personal_data() {
    let case = case_at(CaseStage::Notice);
    let errors = [
        try_step(&case, ev::home_check(3), Cadre, 3).unwrap_err(),
        try_step(&case, CaseEvent::NoticeEnd, Cadre, 3).unwrap_err(),
        try_step(&case, ev::township(true), Cadre, 3).unwrap_err(),
        CaseError::OutOfScope,
        CaseError::ConsentNotSigned,
        CaseError::Empty(TextField::Visitor),
        CaseError::NotJointAssistance(Assistance::Medical),
        CaseError::RiskTypeConflict(RiskType::Disaster),
        CaseError::NoticeTooShort {
            days: 4,
            min: 5,
            earliest_end: date(4),
        },
    ];
    for e in errors {
        let msg = e.to_string();
        assert!(msg.chars().any(|c| c.is_ascii_alphabetic()), "{msg}");
        assert!(
            msg.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{msg}"
        );
        assert!(!msg.contains("5205261012010001"), "{msg}");
        assert!(!msg.contains("住院"), "{msg}");
    }
}

#[test]
fn stages_and_event_kinds_parse_their_storage_codes() {
    use serde::Deserialize;
    use serde::de::value::{Error, StrDeserializer};
    for s in CaseStage::ALL {
        let de = StrDeserializer::<Error>::new(s.code());
        assert_eq!(CaseStage::deserialize(de).unwrap(), *s);
        assert_eq!(CaseStage::parse(s.label_zh()), Some(*s));
    }
    for k in EventKind::ALL {
        let de = StrDeserializer::<Error>::new(k.code());
        assert_eq!(EventKind::deserialize(de).unwrap(), *k);
    }
}

#[test]
fn events_are_tagged_by_their_kind_code() {
    use serde::Deserialize;
    use serde::de::value::{Error, MapDeserializer};
    let parse = |pairs: Vec<(&'static str, &'static str)>| {
        CaseEvent::deserialize(MapDeserializer::<_, Error>::new(pairs.into_iter()))
    };
    let cases = [
        (vec![("kind", "notice_end")], CaseEvent::NoticeEnd),
        (
            vec![("kind", "reject"), ("reason", "x")],
            CaseEvent::Reject { reason: "x".into() },
        ),
        (
            vec![("kind", "elimination_rollback"), ("reason", "x")],
            CaseEvent::EliminationRollback { reason: "x".into() },
        ),
        (
            vec![("kind", "propose_elimination"), ("note", "x")],
            CaseEvent::ProposeElimination { note: "x".into() },
        ),
        (
            vec![("kind", "data_comparison"), ("results", "x")],
            CaseEvent::DataComparison {
                results: "x".into(),
                reviewed_rows: Vec::new(),
                findings: Vec::new(),
            },
        ),
        (
            vec![("kind", "propose_assistance"), ("assistance", "tekun")],
            ev::propose(Assistance::Tekun),
        ),
    ];
    for (pairs, want) in cases {
        let got = parse(pairs).unwrap();
        assert_eq!(got.kind().code(), want.kind().code());
        assert_eq!(got, want);
    }
}
