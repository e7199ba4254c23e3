//! The permission table, written out here independently of `rules.rs`, and
//! checked against `apply` for every (stage, event kind, role): exactly the
//! listed combinations succeed, every other one is refused for its stage or
//! its role.

use super::*;
use CaseStage as S;
use EventKind as E;

const V: &[Role] = &[Role::VillageCadre];
const T: &[Role] = &[Role::TownshipReviewer];
const C: &[Role] = &[Role::CountyAdmin];
const TC: &[Role] = &[Role::TownshipReviewer, Role::CountyAdmin];
const VTC: &[Role] = &[
    Role::VillageCadre,
    Role::TownshipReviewer,
    Role::CountyAdmin,
];

/// Every allowed (stage, event, roles); anything not listed is forbidden.
pub(super) fn allowed() -> Vec<(CaseStage, EventKind, &'static [Role])> {
    let mut t = vec![
        // identification, village steps
        (S::HomeCheck, E::HomeCheck, V),
        (S::DataComparison, E::DataComparison, VTC),
        (S::VillageDeliberation, E::Deliberation, V),
        (S::NoticePending, E::NoticeStart, V),
        (S::Notice, E::NoticeObjection, V),
        (S::Notice, E::NoticeEnd, V),
        // identification, review and approval
        (S::TownshipReview, E::TownshipReview, T),
        (S::CountyApproval, E::CountyApproval, C),
        // elimination run
        (S::Monitored, E::ProposeElimination, V),
        (S::EliminationDeliberation, E::Deliberation, V),
        (S::EliminationNoticePending, E::NoticeStart, V),
        (S::EliminationNotice, E::NoticeObjection, V),
        (S::EliminationNotice, E::NoticeEnd, V),
        (S::EliminationTownshipReview, E::TownshipReview, T),
        (S::EliminationCountyApproval, E::CountyApproval, C),
        // 退回补充: the reviewer who decides at the step, and nobody else
        (S::TownshipReview, E::ReturnForMore, T),
        (S::CountyApproval, E::ReturnForMore, C),
        (S::EliminationTownshipReview, E::ReturnForMore, T),
        (S::EliminationCountyApproval, E::ReturnForMore, C),
        // after elimination
        (S::Eliminated, E::ReEntry, VTC),
        (S::Eliminated, E::EliminationRollback, C),
        // rejection: village before its deliberation, township up to its
        // review, county up to approval
        (S::HomeCheck, E::Reject, VTC),
        (S::DataComparison, E::Reject, VTC),
        (S::VillageDeliberation, E::Reject, VTC),
        (S::NoticePending, E::Reject, TC),
        (S::Notice, E::Reject, TC),
        (S::TownshipReview, E::Reject, TC),
        (S::CountyApproval, E::Reject, C),
        (S::EliminationDeliberation, E::Reject, VTC),
        (S::EliminationNoticePending, E::Reject, TC),
        (S::EliminationNotice, E::Reject, TC),
        (S::EliminationTownshipReview, E::Reject, TC),
        (S::EliminationCountyApproval, E::Reject, C),
        // follow-up visits while monitored, eliminating, or still watched
        (S::Monitored, E::FollowUp, V),
        (S::EliminationDeliberation, E::FollowUp, V),
        (S::EliminationNoticePending, E::FollowUp, V),
        (S::EliminationNotice, E::FollowUp, V),
        (S::EliminationTownshipReview, E::FollowUp, V),
        (S::EliminationCountyApproval, E::FollowUp, V),
        (S::Eliminated, E::FollowUp, V),
        // joint 低保/特困 proposal, reusing the home check
        (S::DataComparison, E::ProposeAssistance, V),
        (S::VillageDeliberation, E::ProposeAssistance, V),
        (S::NoticePending, E::ProposeAssistance, V),
        (S::Notice, E::ProposeAssistance, V),
        (S::TownshipReview, E::ProposeAssistance, V),
        (S::CountyApproval, E::ProposeAssistance, V),
        (S::Monitored, E::ProposeAssistance, V),
    ];
    // 民政's decision is recorded whenever it arrives.
    t.extend(S::ALL.iter().map(|s| (*s, E::AssistanceOutcome, TC)));
    t
}

fn expected(stage: CaseStage, kind: EventKind, role: Role) -> bool {
    allowed()
        .iter()
        .any(|(s, k, roles)| *s == stage && *k == kind && roles.contains(&role))
}

/// When the combinations are tried: after every sample's notice is over.
const NOW: u32 = 30;

/// A case at `stage` with a pending 低保 proposal (so that an outcome can
/// be recorded at any stage).
fn sample_case(stage: CaseStage) -> Case {
    let mut case = case_at(stage);
    case.assistance.push(AssistanceProposal {
        assistance: Assistance::Dibao,
        proposed_on: date(0),
        decision: None,
    });
    case
}

/// An event of `kind` whose data is valid for a case at `stage` on [`NOW`].
fn sample_event(kind: EventKind, stage: CaseStage) -> CaseEvent {
    match kind {
        E::HomeCheck => ev::home_check(NOW),
        E::DataComparison => ev::comparison(),
        E::Deliberation => ev::deliberation(NOW, true),
        E::NoticeStart => ev::notice(NOW, policy().notice_min_days),
        E::NoticeObjection => ev::objection(false),
        E::NoticeEnd => CaseEvent::NoticeEnd,
        E::TownshipReview => ev::township(true),
        E::CountyApproval => ev::county_for(stage),
        E::ReturnForMore => ev::return_for_more(),
        E::Reject => ev::reject(),
        E::FollowUp => ev::follow_up(NOW, &[], &[RiskType::Illness]),
        E::ProposeElimination => ev::propose_elimination(),
        E::ReEntry => ev::re_entry(),
        E::EliminationRollback => ev::rollback(),
        E::ProposeAssistance => ev::propose(Assistance::Tekun),
        E::AssistanceOutcome => ev::outcome(Assistance::Dibao, true),
        E::Migrated => CaseEvent::Migrated {
            identified_on: date(0),
            category: Category::SuddenHardship,
            risk_types: vec![RiskType::Illness],
            note: "县存量名单".into(),
        },
    }
}

#[test]
fn every_stage_event_and_role_is_allowed_exactly_as_the_table_says() {
    let mut allowed_count = 0;
    for stage in S::ALL {
        let case = sample_case(*stage);
        for kind in E::ALL {
            let event = sample_event(*kind, *stage);
            for role in Role::ALL {
                let got = apply(&case, &event, &actor(*role), day(NOW), &policy());
                let what = format!("{stage:?} / {kind:?} / {role:?}");
                if expected(*stage, *kind, *role) {
                    allowed_count += 1;
                    let t = got.unwrap_or_else(|e| panic!("{what} should pass: {e}"));
                    assert_eq!(t.from, *stage, "{what}");
                    assert_eq!(t.to, t.case.stage, "{what}");
                } else {
                    let err = got.expect_err(&what);
                    assert!(
                        matches!(
                            err,
                            CaseError::WrongStage { .. } | CaseError::WrongRole { .. }
                        ),
                        "{what}: refused for the wrong reason: {err}"
                    );
                }
            }
        }
    }
    let listed: usize = allowed().iter().map(|(_, _, r)| r.len()).sum();
    assert_eq!(allowed_count, listed);
}

#[test]
fn the_table_lists_each_stage_and_event_once() {
    let t = allowed();
    for (i, (s, k, _)) in t.iter().enumerate() {
        assert!(
            !t[i + 1..].iter().any(|(s2, k2, _)| s2 == s && k2 == k),
            "{s:?} / {k:?} listed twice"
        );
    }
}

#[test]
fn allowed_events_agree_with_the_table() {
    for stage in S::ALL {
        let case = sample_case(*stage);
        for role in Role::ALL {
            let want: Vec<_> = E::ALL
                .iter()
                .copied()
                .filter(|k| expected(*stage, *k, *role))
                .collect();
            assert_eq!(case.allowed_events(*role), want, "{stage:?} / {role:?}");
        }
    }
}

#[test]
fn viewers_and_data_officers_change_nothing() {
    for stage in S::ALL {
        for role in [Role::Viewer, Role::DataOfficer] {
            assert!(sample_case(*stage).allowed_events(role).is_empty());
        }
    }
}

#[test]
fn out_of_scope_is_refused_before_anything_else() {
    let case = sample_case(S::HomeCheck);
    let other_village = Scope {
        role: Role::VillageCadre,
        region: RegionCode::parse("520526101202").unwrap(),
    };
    let other_county = Scope {
        role: Role::CountyAdmin,
        region: RegionCode::parse("520527").unwrap(),
    };
    for actor in [other_village, other_county] {
        let got = apply(&case, &ev::home_check(NOW), &actor, day(NOW), &policy());
        assert_eq!(got.unwrap_err(), CaseError::OutOfScope);
    }
}

#[test]
fn a_scope_above_the_role_level_is_refused() {
    let case = sample_case(S::HomeCheck);
    let cadre_of_a_county = Scope {
        role: Role::VillageCadre,
        region: RegionCode::parse("520526").unwrap(),
    };
    let got = apply(
        &case,
        &ev::home_check(NOW),
        &cadre_of_a_county,
        day(NOW),
        &policy(),
    );
    assert_eq!(
        got.unwrap_err(),
        CaseError::InconsistentScope {
            role: Role::VillageCadre
        }
    );
}

#[test]
fn refusals_say_where_the_case_is_and_what_is_allowed() {
    let case = sample_case(S::TownshipReview);
    let err = apply(
        &case,
        &ev::county(true),
        &actor(Role::CountyAdmin),
        day(NOW),
        &policy(),
    )
    .unwrap_err();
    let msg = err.to_string();
    assert_eq!(err.code(), "wrong_stage");
    for part in [
        "County approval",
        "Township review",
        "乡镇审核",
        "县级审定",
        "Rejection",
    ] {
        assert!(msg.contains(part), "{part} missing from: {msg}");
    }
    let err = apply(
        &case,
        &ev::township(true),
        &actor(Role::VillageCadre),
        day(NOW),
        &policy(),
    )
    .unwrap_err();
    let msg = err.to_string();
    assert_eq!(err.code(), "wrong_role");
    for part in ["township reviewer", "village cadre", "乡镇审核员", "村干部"] {
        assert!(msg.contains(part), "{part} missing from: {msg}");
    }
}

/// Who may add material (an attachment) to a case: the role that records
/// the step it waits for — written out here, not read from `rules.rs`.
#[test]
fn the_step_owner_records_the_step_and_nobody_else() {
    let owner: &[(CaseStage, &[Role])] = &[
        (S::HomeCheck, V),
        (S::DataComparison, VTC),
        (S::VillageDeliberation, V),
        (S::NoticePending, V),
        (S::Notice, V),
        (S::TownshipReview, T),
        (S::CountyApproval, C),
        (S::Monitored, V),
        (S::Rejected, &[]),
        (S::EliminationDeliberation, V),
        (S::EliminationNoticePending, V),
        (S::EliminationNotice, V),
        (S::EliminationTownshipReview, T),
        (S::EliminationCountyApproval, C),
        (S::Eliminated, V),
    ];
    assert_eq!(owner.len(), S::ALL.len());
    for (stage, roles) in owner {
        for role in Role::ALL {
            assert_eq!(
                records_step(*stage, *role),
                roles.contains(role),
                "{stage:?} / {role:?}"
            );
        }
    }
}
