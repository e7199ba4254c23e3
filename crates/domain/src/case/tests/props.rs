//! Random event sequences: `apply` never panics, and a case never becomes
//! monitored without a notice, a township review and a county approval in
//! the same run.

use super::*;
use chrono::Duration;
use proptest::prelude::*;

/// One random move: which event, by whom, with what data, how much later.
#[derive(Debug, Clone)]
struct Move {
    /// Pick from the events allowed at the stage, steps back aside (else
    /// from all events, by any role, in or out of scope).
    steer: bool,
    pick: usize,
    role: usize,
    /// Data that passes the event's checks (mostly).
    good: bool,
    flag: bool,
    n: u8,
    hours_later: u16,
}

fn moves() -> impl Strategy<Value = Vec<Move>> {
    let one = (
        0u8..4,
        any::<usize>(),
        0usize..6,
        0u8..4,
        any::<bool>(),
        0u8..12,
        0u16..80,
    )
        .prop_map(|(steer, pick, role, good, flag, n, hours_later)| Move {
            steer: steer != 0,
            pick,
            role,
            good: good != 0,
            flag,
            n,
            hours_later,
        });
    prop::collection::vec(one, 0..160)
}

/// The event kind and actor of a move at the case's stage.
fn choose(case: &Case, m: &Move) -> (EventKind, Scope) {
    let options: Vec<(EventKind, Role)> = super::table::allowed()
        .into_iter()
        // Steps back (rejection, 退回补充) come from the unsteered moves.
        .filter(|(s, k, _)| {
            *s == case.stage && !matches!(k, EventKind::Reject | EventKind::ReturnForMore)
        })
        .flat_map(|(_, k, roles)| roles.iter().map(move |r| (k, *r)))
        .collect();
    if m.steer && !options.is_empty() {
        let (kind, role) = options[m.pick % options.len()];
        return (kind, actor(role));
    }
    let kind = EventKind::ALL[m.pick % EventKind::ALL.len()];
    let scope = match Role::ALL.get(m.role) {
        Some(role) => actor(*role),
        None => Scope {
            role: Role::VillageCadre,
            region: RegionCode::parse("520526101202").unwrap(),
        },
    };
    (kind, scope)
}

fn event(kind: EventKind, case: &Case, m: &Move, today: NaiveDate) -> CaseEvent {
    use EventKind as E;
    let text = if m.good { "有内容" } else { " " }.to_string();
    let yes = m.good || m.flag;
    let risk = RiskType::ALL[usize::from(m.n) % RiskType::ALL.len()];
    let assistance = Assistance::ALL[usize::from(m.n) % Assistance::ALL.len()];
    match kind {
        E::HomeCheck => CaseEvent::HomeCheck {
            findings: text,
            asset_check_consent_signed: yes,
            visited_on: today - Days::new(u64::from(m.n % 3)),
        },
        E::DataComparison => CaseEvent::DataComparison {
            results: text,
            reviewed_rows: Vec::new(),
            findings: Vec::new(),
        },
        E::Deliberation => CaseEvent::Deliberation {
            held_on: today,
            attendees: if m.good { 11 } else { u32::from(m.n % 2) },
            approve: yes,
            note: text,
            proposed_category: None,
            proposed_risk_types: vec![],
        },
        E::NoticeStart => CaseEvent::NoticeStart {
            start: today,
            end: today + Days::new(u64::from(m.n)),
        },
        E::NoticeObjection => CaseEvent::NoticeObjection {
            text,
            upheld: m.flag && m.n.is_multiple_of(2),
        },
        E::NoticeEnd => CaseEvent::NoticeEnd,
        E::TownshipReview => CaseEvent::TownshipReview {
            approve: yes,
            note: text,
        },
        E::CountyApproval if case.stage.is_elimination() && m.good => ev::county_elimination(yes),
        E::CountyApproval => CaseEvent::CountyApproval {
            approve: yes,
            category: m.good.then_some(Category::MarginalAtRisk),
            risk_types: if m.good { vec![risk] } else { vec![] },
            note: text,
            override_reason: None,
        },
        E::ReturnForMore => CaseEvent::ReturnForMore { reason: text },
        E::Reject => CaseEvent::Reject { reason: text },
        E::FollowUp => CaseEvent::FollowUp {
            visited_on: today,
            visitor: "回访人".into(),
            changes: text,
            risk_added: if m.flag { vec![risk] } else { vec![] },
            risk_removed: if m.good { vec![risk] } else { vec![] },
        },
        E::ProposeElimination => CaseEvent::ProposeElimination { note: text },
        E::ReEntry => CaseEvent::ReEntry {
            channel: Channel::ALL[usize::from(m.n) % Channel::ALL.len()],
            risk_types: vec![risk],
            note: text,
        },
        E::EliminationRollback => CaseEvent::EliminationRollback { reason: text },
        E::ProposeAssistance => CaseEvent::ProposeAssistance { assistance },
        E::AssistanceOutcome => CaseEvent::AssistanceOutcome {
            assistance,
            granted: m.flag,
            note: text,
        },
        E::Migrated => CaseEvent::Migrated {
            identified_on: today,
            category: Category::SuddenHardship,
            risk_types: vec![risk],
            note: text,
        },
    }
}

/// Checks one successful transition against the invariants; `run` holds
/// the stages of the current identification run.
fn check(before: &Case, t: &Transition, run: &[CaseStage]) -> Result<(), TestCaseError> {
    use CaseStage::*;
    prop_assert_eq!(t.from, before.stage);
    prop_assert_eq!(t.to, t.case.stage);
    if t.from == Rejected {
        prop_assert_eq!(t.to, Rejected, "a rejected case stays closed");
    }
    if t.to == Monitored && t.from.is_identification() {
        prop_assert_eq!(t.from, CountyApproval);
        for s in [Notice, TownshipReview, CountyApproval] {
            prop_assert!(run.contains(&s), "monitored without {:?}: {:?}", s, run);
        }
    }
    if t.to == Eliminated && t.from != Eliminated {
        let from_approval = t.from == EliminationCountyApproval;
        prop_assert!(from_approval || (t.from.is_identification() && before.re_entry));
    }
    let c = &t.case;
    if matches!(c.stage, Monitored | Eliminated) || c.stage.is_elimination() {
        prop_assert!(c.category.is_some() && c.monitored_since.is_some());
    }
    let eliminated = c.stage == Eliminated || (c.re_entry && c.stage.is_identification());
    prop_assert_eq!(c.eliminated_at.is_some(), eliminated);
    Ok(())
}

/// Plays `moves` from a fresh case; returns the stages reached.
fn play(moves: &[Move]) -> Result<Vec<CaseStage>, TestCaseError> {
    let p = policy();
    let mut case = open_case();
    let mut now = day(0);
    let mut run = vec![CaseStage::HomeCheck];
    let mut reached = vec![CaseStage::HomeCheck];
    for m in moves {
        now += Duration::hours(i64::from(m.hours_later));
        let _ = overdue(&case, &p, now);
        let (kind, scope) = choose(&case, m);
        let e = event(kind, &case, m, china_date(now));
        let Ok(t) = apply(&case, &e, &scope, now, &p) else {
            continue;
        };
        check(&case, &t, &run)?;
        if t.to != t.from {
            if t.to == CaseStage::HomeCheck {
                run.clear();
            }
            run.push(t.to);
            reached.push(t.to);
        }
        case = t.case;
    }
    Ok(reached)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_sequences_keep_the_invariants(moves in moves()) {
        play(&moves)?;
    }
}

/// The property above has teeth only if random play gets far: count how
/// often it reaches monitoring, elimination and re-entry.
#[test]
fn random_play_reaches_every_part_of_the_workflow() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut counts = [0; 3];
    for _ in 0..300 {
        let moves = moves().new_tree(&mut runner).unwrap().current();
        let reached = play(&moves).unwrap();
        let monitored = reached.iter().position(|s| *s == CaseStage::Monitored);
        let eliminated = reached.iter().position(|s| *s == CaseStage::Eliminated);
        let reentered = eliminated.is_some_and(|e| reached[e..].contains(&CaseStage::HomeCheck));
        for (i, hit) in [monitored.is_some(), eliminated.is_some(), reentered]
            .iter()
            .enumerate()
        {
            counts[i] += usize::from(*hit);
        }
    }
    eprintln!("monitored, eliminated, re-entered: {counts:?} of 300");
    assert!(counts.iter().all(|c| *c >= 20), "{counts:?}");
}
