//! Which hits of a screening run are new (the decision `store::screening`
//! writes): a pure function of what is known — the earlier warnings of
//! the region with their evidence rows, and the open cases — and of the
//! run's hits.
//!
//! **What is new.** A warning is about one condition at one severity and
//! one subject (a [`WarningKey`]): a person for person rules, a household
//! for household and village rules, whatever rule set or version raised it
//! and wherever the person is registered now. Two rules of one set with the
//! same condition and different severities (say a medium and a high
//! 12-month rule) keep separate warnings; a set that changes a rule's
//! severity raises the rows again at the new severity. A hit whose evidence rows are all
//! evidence of an earlier warning with its key — open, attached, verified
//! or dismissed — is known: nothing is written. A hit with new evidence
//! extends the key's live warning (open, or attached to a case that is not
//! closed) with the new rows, or raises a new warning with all its rows;
//! a new warning for a household with a case that is not closed attaches
//! to that case at once. Hits are taken in order: a later hit of the same
//! key in the same run extends the warning an earlier one raised.

use super::{Condition, Severity};
use crate::IdNumber;
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

/// Whom a warning is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    /// A person (person rules), wherever registered.
    Person(IdNumber),
    /// A household (household and village rules), by its id.
    Household(i64),
}

impl Subject {
    /// The person when there is one, else the household.
    pub fn of(household_id: i64, person: Option<&IdNumber>) -> Subject {
        match person {
            Some(p) => Subject::Person(p.clone()),
            None => Subject::Household(household_id),
        }
    }
}

/// One condition at one severity on one subject: what makes two warnings
/// "the same".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WarningKey {
    /// Whom.
    pub subject: Subject,
    /// Which condition.
    pub condition: Condition,
    /// At which severity (the rule's).
    pub severity: Severity,
}

/// A hit of the pass, as far as the decision needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Its key.
    pub key: WarningKey,
    /// The household the subject is registered in now.
    pub household_id: i64,
    /// Evidence: feed row ids, ascending.
    pub evidence: Vec<i64>,
    /// Earliest evidence date.
    pub first_date: NaiveDate,
    /// Latest evidence date.
    pub last_date: NaiveDate,
}

/// A live warning (open, or attached to a case not closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveWarning {
    /// Its id.
    pub id: i64,
    /// Earliest evidence date.
    pub first_date: NaiveDate,
    /// Latest evidence date.
    pub last_date: NaiveDate,
}

/// What is known of one key: the evidence of all its warnings, and its
/// live warning if any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownWarning {
    /// Feed rows that are evidence of some warning of the key.
    pub evidence: HashSet<i64>,
    /// The newest live warning of the key.
    pub live: Option<LiveWarning>,
}

/// What is known before a run: the region's warnings by key, and the
/// household → case of every case not closed (rejected or eliminated).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownState {
    /// By key.
    pub warnings: HashMap<WarningKey, KnownWarning>,
    /// Household id → id of its case that is not closed.
    pub open_cases: HashMap<i64, i64>,
}

impl KnownState {
    /// Notes one evidence row of a stored warning; `live` when the warning
    /// is live. Rows come in warning id order: of two live warnings of a
    /// key, the newest is the one extended.
    pub fn note(&mut self, key: WarningKey, feed_row: i64, live: Option<LiveWarning>) {
        let k = self.warnings.entry(key).or_default();
        k.evidence.insert(feed_row);
        if live.is_some() {
            k.live = live;
        }
    }

    /// What the store's writes of `plan` (made for `hits`) amount to: the
    /// state the next run reads. Raised warnings get the ids
    /// `first_id, first_id + 1, …` in plan order.
    pub fn apply(&mut self, hits: &[Hit], plan: &Plan, first_id: i64) {
        let mut ids = Vec::with_capacity(plan.raise.len());
        for (n, r) in plan.raise.iter().enumerate() {
            let h = &hits[r.hit];
            let id = first_id + n as i64;
            ids.push(id);
            let k = self.warnings.entry(h.key.clone()).or_default();
            k.evidence.extend(r.evidence.iter().copied());
            // Attached to a case not closed, or open: live either way.
            k.live = Some(LiveWarning {
                id,
                first_date: h.first_date,
                last_date: h.last_date,
            });
        }
        for e in &plan.extend {
            let id = match e.warning {
                WarningRef::Stored(id) => id,
                WarningRef::Raised(n) => ids[n],
            };
            let k = self.warnings.entry(hits[e.hit].key.clone()).or_default();
            k.evidence.extend(e.evidence.iter().copied());
            k.live = Some(LiveWarning {
                id,
                first_date: e.first_date,
                last_date: e.last_date,
            });
        }
    }
}

/// A warning the plan extends: stored before, or raised by this plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WarningRef {
    /// A stored warning, by id.
    Stored(i64),
    /// The `n`th warning of [`Plan::raise`].
    Raised(usize),
}

/// A new warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raise {
    /// The hit (its position in the run's hits).
    pub hit: usize,
    /// The case it attaches to at once (the household's case not closed).
    pub case_id: Option<i64>,
    /// Its evidence: all rows of the hit.
    pub evidence: Vec<i64>,
}

/// New evidence for a live warning; the warning follows the subject to
/// the hit's household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// The hit.
    pub hit: usize,
    /// The warning extended.
    pub warning: WarningRef,
    /// The rows not yet evidence of the key, ascending as in the hit.
    pub evidence: Vec<i64>,
    /// The warning's earliest evidence date after.
    pub first_date: NaiveDate,
    /// The warning's latest evidence date after.
    pub last_date: NaiveDate,
}

/// What a run writes, hit by hit: every hit is in exactly one of the three lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// New warnings, in hit order.
    pub raise: Vec<Raise>,
    /// Extensions, in hit order (after the raises they may name).
    pub extend: Vec<Extension>,
    /// Hits whose evidence was all known: nothing written.
    pub known: Vec<usize>,
}

/// The run's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanCounts {
    /// New warnings.
    pub raised: i64,
    /// Live warnings that got new evidence.
    pub extended: i64,
    /// Hits whose evidence was all known.
    pub known: i64,
    /// New warnings attached to a case at once.
    pub attached: i64,
}

impl Plan {
    /// Its counts.
    pub fn counts(&self) -> PlanCounts {
        PlanCounts {
            raised: self.raise.len() as i64,
            extended: self.extend.len() as i64,
            known: self.known.len() as i64,
            attached: self.raise.iter().filter(|r| r.case_id.is_some()).count() as i64,
        }
    }

    /// Whether nothing is written.
    pub fn is_empty(&self) -> bool {
        self.raise.is_empty() && self.extend.is_empty()
    }
}

/// The key's state while a run is planned: rows added by this run, and
/// its live warning (stored or raised) with its dates.
struct Working {
    added: HashSet<i64>,
    live: Option<(WarningRef, NaiveDate, NaiveDate)>,
}

/// Decides, hit by hit in order, what is new (module docs).
pub fn plan(known: &KnownState, hits: &[Hit]) -> Plan {
    let mut out = Plan::default();
    let mut work: HashMap<&WarningKey, Working> = HashMap::new();
    for (i, h) in hits.iter().enumerate() {
        let before = known.warnings.get(&h.key);
        let w = work.entry(&h.key).or_insert_with(|| Working {
            added: HashSet::new(),
            live: before
                .and_then(|b| b.live)
                .map(|l| (WarningRef::Stored(l.id), l.first_date, l.last_date)),
        });
        let mut fresh: Vec<i64> = Vec::new();
        for &r in &h.evidence {
            let old = before.is_some_and(|b| b.evidence.contains(&r));
            if !old && w.added.insert(r) {
                fresh.push(r);
            }
        }
        if fresh.is_empty() {
            out.known.push(i);
            continue;
        }
        match w.live {
            Some((warning, first, last)) => {
                let (first, last) = (first.min(h.first_date), last.max(h.last_date));
                out.extend.push(Extension {
                    hit: i,
                    warning,
                    evidence: fresh,
                    first_date: first,
                    last_date: last,
                });
                w.live = Some((warning, first, last));
            }
            None => {
                out.raise.push(Raise {
                    hit: i,
                    case_id: known.open_cases.get(&h.household_id).copied(),
                    evidence: h.evidence.clone(),
                });
                let n = out.raise.len() - 1;
                w.live = Some((WarningRef::Raised(n), h.first_date, h.last_date));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn day(n: i64) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Days::new(n as u64)
    }

    fn person(n: u16) -> IdNumber {
        IdNumber::from_parts("520526", day(0) - chrono::Days::new(20_000), n + 1).unwrap()
    }

    /// Subjects 0-2 are persons (person p lives in household 10 + p),
    /// 3-5 households 1-3; two conditions.
    fn key(subject: u8, cond: bool) -> (WarningKey, i64) {
        let (subject, household) = if subject < 3 {
            (
                Subject::Person(person(u16::from(subject))),
                10 + i64::from(subject),
            )
        } else {
            (
                Subject::Household(i64::from(subject) - 2),
                i64::from(subject) - 2,
            )
        };
        let condition = if cond {
            Condition::SelfPaidPerStayAboveThreshold
        } else {
            Condition::DroppedOut
        };
        (
            WarningKey {
                subject,
                condition,
                severity: Severity::High,
            },
            household,
        )
    }

    /// A hit: a row's date is its id in days.
    fn hit((subject, cond, rows): (u8, bool, BTreeSet<i64>)) -> Hit {
        let (key, household_id) = key(subject, cond);
        let evidence: Vec<i64> = rows.into_iter().collect();
        Hit {
            key,
            household_id,
            first_date: day(evidence[0]),
            last_date: day(*evidence.last().unwrap()),
            evidence,
        }
    }

    fn hits() -> impl Strategy<Value = Vec<Hit>> {
        prop::collection::vec(
            (
                0u8..6,
                any::<bool>(),
                prop::collection::btree_set(1i64..25, 1..5),
            )
                .prop_map(hit),
            0..12,
        )
    }

    /// Earlier warnings (live or not) and open cases.
    fn known() -> impl Strategy<Value = KnownState> {
        let warning = (
            0u8..6,
            any::<bool>(),
            prop::collection::btree_set(1i64..25, 1..4),
            any::<bool>(),
        );
        (
            prop::collection::vec(warning, 0..6),
            prop::collection::btree_set(prop_oneof![1i64..4, 10i64..13], 0..3),
        )
            .prop_map(|(warnings, cases)| {
                let mut s = KnownState::default();
                for (id, (subject, cond, rows, live)) in warnings.into_iter().enumerate() {
                    let (key, _) = key(subject, cond);
                    let (first, last) = (*rows.first().unwrap(), *rows.last().unwrap());
                    let live = live.then_some(LiveWarning {
                        id: 1000 + id as i64,
                        first_date: day(first),
                        last_date: day(last),
                    });
                    for r in rows {
                        s.note(key.clone(), r, live);
                    }
                }
                s.open_cases = cases.into_iter().map(|h| (h, 500 + h)).collect();
                s
            })
    }

    /// What the state says per key, whatever the order of the writes:
    /// the evidence, whether a warning is live.
    fn summary(s: &KnownState) -> Vec<(String, BTreeSet<i64>, bool)> {
        let mut v: Vec<_> = s
            .warnings
            .iter()
            .map(|(k, w)| {
                (
                    format!("{k:?}"),
                    w.evidence.iter().copied().collect(),
                    w.live.is_some(),
                )
            })
            .collect();
        v.sort();
        v
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn every_hit_is_accounted_for_once(k in known(), h in hits()) {
            let p = plan(&k, &h);
            let mut seen: Vec<usize> = p.raise.iter().map(|r| r.hit)
                .chain(p.extend.iter().map(|e| e.hit))
                .chain(p.known.iter().copied())
                .collect();
            seen.sort_unstable();
            prop_assert_eq!(seen, (0..h.len()).collect::<Vec<_>>());
            let c = p.counts();
            prop_assert_eq!((c.raised + c.extended + c.known) as usize, h.len());
        }

        #[test]
        fn a_hit_of_known_rows_is_never_new(k in known(), h in hits()) {
            let p = plan(&k, &h);
            for (i, hit) in h.iter().enumerate() {
                let old = k.warnings.get(&hit.key);
                let all_known = old.is_some_and(|w| hit.evidence.iter().all(|r| w.evidence.contains(r)));
                if all_known {
                    prop_assert!(p.known.contains(&i), "hit {} of known rows was written", i);
                }
                // Raised only where the key had no live warning.
                if old.is_some_and(|w| w.live.is_some()) {
                    prop_assert!(p.raise.iter().all(|r| r.hit != i), "hit {} raised beside a live warning", i);
                }
            }
            // At most one new warning per key.
            let keys: HashSet<&WarningKey> = p.raise.iter().map(|r| &h[r.hit].key).collect();
            prop_assert_eq!(keys.len(), p.raise.len());
            // Extensions add only rows no warning of the key had.
            for e in &p.extend {
                let hit = &h[e.hit];
                let old = k.warnings.get(&hit.key);
                prop_assert!(e.evidence.iter().all(|r| !old.is_some_and(|w| w.evidence.contains(r))));
            }
        }

        #[test]
        fn a_rerun_writes_nothing(k in known(), h in hits()) {
            let p = plan(&k, &h);
            let mut after = k.clone();
            after.apply(&h, &p, 10_000);
            let again = plan(&after, &h);
            prop_assert!(again.is_empty(), "{:?}", again);
            prop_assert_eq!(again.known.len(), h.len());
        }

        #[test]
        fn new_warnings_attach_to_open_cases(k in known(), h in hits()) {
            let p = plan(&k, &h);
            for r in &p.raise {
                prop_assert_eq!(r.case_id, k.open_cases.get(&h[r.hit].household_id).copied());
                prop_assert_eq!(&r.evidence, &h[r.hit].evidence);
            }
        }

        #[test]
        fn the_outcome_does_not_depend_on_hit_order(
            k in known(),
            (h, shuffled) in hits().prop_flat_map(|h| (Just(h.clone()), Just(h).prop_shuffle())),
        ) {
            let (p, q) = (plan(&k, &h), plan(&k, &shuffled));
            prop_assert_eq!(p.counts().raised, q.counts().raised);
            prop_assert_eq!(p.counts().attached, q.counts().attached);
            let (mut a, mut b) = (k.clone(), k.clone());
            a.apply(&h, &p, 10_000);
            b.apply(&shuffled, &q, 10_000);
            prop_assert_eq!(summary(&a), summary(&b));
        }
    }

    #[test]
    fn a_second_hit_of_a_key_extends_the_warning_the_first_raised() {
        let a = hit((0, true, [1, 2].into()));
        let b = hit((0, true, [2, 3].into()));
        let mut k = KnownState::default();
        k.open_cases.insert(10, 7);
        let p = plan(&k, &[a, b]);
        assert_eq!(p.raise.len(), 1);
        assert_eq!(p.raise[0].case_id, Some(7));
        assert_eq!(p.extend.len(), 1);
        assert_eq!(p.extend[0].warning, WarningRef::Raised(0));
        assert_eq!(p.extend[0].evidence, vec![3]);
        assert_eq!(
            (p.extend[0].first_date, p.extend[0].last_date),
            (day(1), day(3))
        );
    }

    #[test]
    fn a_dismissed_warning_is_not_raised_again_but_new_rows_raise_a_new_one() {
        let mut k = KnownState::default();
        let (key, _) = key(4, false);
        k.note(key, 5, None);
        let p = plan(&k, &[hit((4, false, [5].into()))]);
        assert_eq!(p.known, vec![0]);
        let p = plan(&k, &[hit((4, false, [5, 6].into()))]);
        assert_eq!(p.raise.len(), 1);
        assert_eq!(p.raise[0].evidence, vec![5, 6], "all the hit's rows");
    }

    #[test]
    fn the_same_condition_at_two_severities_keeps_two_warnings() {
        // One person, one 12-month condition, two rules of one set: medium
        // and high, both hitting rows 1 and 2.
        let medium = {
            let mut h = hit((0, true, [1, 2].into()));
            h.key.severity = Severity::Medium;
            h
        };
        let high = hit((0, true, [1, 2].into()));
        assert_eq!(high.key.severity, Severity::High);
        let p = plan(&KnownState::default(), &[medium.clone(), high.clone()]);
        assert_eq!(p.raise.len(), 2, "one warning per severity: {p:?}");
        assert!(p.extend.is_empty() && p.known.is_empty());
        // The next run knows both: nothing new.
        let mut k = KnownState::default();
        k.apply(&[medium.clone(), high.clone()], &p, 1);
        let again = plan(&k, &[medium, high]);
        assert_eq!(again.known, vec![0, 1]);
        assert!(again.is_empty());
    }
}
