//! The screening pass on small hand-made data: rule selection at the edges
//! of validity periods, county override, the 365-day window, the near-line
//! rule, unknown IDs, determinism, the other feeds; and a property test
//! against a naive reference built on `RuleBook::select`.

mod common;

use chrono::NaiveDate;
use common::date;
use dixian_domain::{HousingGrade, IdNumber, LaborCapacity, RegionCode};
use dixian_screen::engine::{
    EventColumns, EventRow, FeedColumns, MedicalColumns, PersonFacts, PersonId, PersonKey,
    RegistryColumns, RegistryIndex, Screener, Screening, WaterColumns, day_of, person_key,
};
use dixian_screen::feed::{VisitType, VitalEvent, WaterEvent};
use dixian_screen::{Condition, RuleBook, RuleRegion, RuleSet};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

const WORKFLOW: &str = "[workflow]
notice_min_days = 5
identification_limit_days = 15
home_check_days = 2
data_comparison_days = 2
deliberation_days = 2
township_review_days = 2
county_approval_days = 2
elimination_min_monitored_months = 6
elimination_income_stable_months = 6
elimination_min_measures = 1
";

const MEDICAL_RULES: &str = r#"
[[rule]]
id = "stay"
feed = "medical"
condition = "self_paid_per_stay_above_threshold"
risk = "因病"
severity = "high"

[[rule]]
id = "year"
feed = "medical"
condition = "self_paid_12m_above_threshold"
risk = "因病"
severity = "high"

[[rule]]
id = "near"
feed = "medical"
condition = "income_below_line_times_factor_with_expense"
risk = "因病"
severity = "medium"
"#;

const OTHER_RULES: &str = r#"
[[rule]]
id = "disability"
feed = "disability"
condition = "disability_new_or_worse"
risk = "因残"
severity = "medium"

[[rule]]
id = "housing"
feed = "housing"
condition = "housing_grade_in"
risk = "住房安全"
severity = "high"

[[rule]]
id = "death"
feed = "vital"
condition = "death_of_laborer"
risk = "缺劳动力"
severity = "high"

[[rule]]
id = "water"
feed = "water"
condition = "water_outage_days_above_limit"
risk = "饮水安全"
severity = "medium"

[[rule]]
id = "granted"
feed = "assistance"
condition = "assistance_granted"
risk = "其他"
severity = "medium"

[[rule]]
id = "dropped"
feed = "education"
condition = "dropped_out"
risk = "因学"
severity = "high"

[[rule]]
id = "job"
feed = "employment"
condition = "unemployed_or_returned"
risk = "因务工就业不稳"
severity = "medium"

[[rule]]
id = "disaster"
feed = "disaster"
condition = "disaster_loss_above_threshold_or_collapse"
risk = "因灾"
severity = "high"

[[rule]]
id = "asset"
feed = "assets"
condition = "asset_contradiction"
risk = "其他"
severity = "low"
"#;

/// A rule file: region, period, line, factor, per-stay and 12-month thresholds (元).
fn set_text(
    region: &str,
    from: &str,
    to: Option<&str>,
    line: u32,
    factor: &str,
    stay: u32,
    year: u32,
) -> String {
    let to = to.map_or(String::new(), |t| format!("valid_to = {t}\n"));
    format!(
        "name = \"test {region} {from}\"\nversion = 1\nregion = \"{region}\"\nvalid_from = {from}\n{to}monitoring_line = {line}\nnear_line_factor = {factor}\n\n[medical]\nself_paid_per_stay = {stay}\nself_paid_12_months = {year}\n\n[housing]\ngrades = [\"C\", \"D\"]\n\n[water]\noutage_days_limit = 36\n\n[disaster]\nloss_threshold = 10000\nhouse_damage = [\"倒塌\"]\n\n{WORKFLOW}{MEDICAL_RULES}{OTHER_RULES}"
    )
}

/// National baseline; Yunnan (53) in two periods; county 530102 for March 2025.
fn book() -> RuleBook {
    let files = [
        set_text("national", "2021-01-01", None, 6000, "1.5", 6000, 50000),
        set_text(
            "53",
            "2024-01-01",
            Some("2024-12-31"),
            8050,
            "1.5",
            6000,
            50000,
        ),
        set_text("53", "2025-01-01", None, 8700, "1.25", 8000, 40000),
        set_text(
            "530102",
            "2025-03-01",
            Some("2025-03-31"),
            9000,
            "1.5",
            1000,
            30000,
        ),
    ];
    let sets = files
        .iter()
        .enumerate()
        .map(|(i, t)| RuleSet::parse(t, &format!("f{i}.toml")).expect("test set parses"))
        .collect();
    RuleBook::new(sets).expect("consistent book")
}

/// Villages: two Yunnan counties (one with an override) and one Guizhou village.
const VILLAGES: [&str; 3] = ["530102001001", "530103001001", "520526101201"];

fn key(seq: u16) -> PersonKey {
    let id = IdNumber::from_parts("530102", date(1960, 1, 1), seq).expect("valid parts");
    person_key(&id)
}

/// A registry: households as (village, income 元, member sequences).
fn registry(households: &[(u32, i64, &[u16])]) -> RegistryColumns {
    let mut cols = RegistryColumns {
        villages: VILLAGES
            .iter()
            .map(|v| RegionCode::parse(v).expect("village"))
            .collect(),
        ..RegistryColumns::default()
    };
    for (h, (village, income, members)) in households.iter().enumerate() {
        cols.household_village.push(*village);
        cols.household_income_fen.push(income * 100);
        for &m in *members {
            cols.person_key.push(key(m));
            cols.person_household.push(h as u32);
        }
    }
    cols
}

type Row = (u16, NaiveDate, VisitType, i64);

fn medical(rows: &[Row]) -> MedicalColumns {
    let mut m = MedicalColumns::default();
    for &(seq, d, v, yuan) in rows {
        m.push(key(seq), day_of(d), v, yuan * 100);
    }
    m
}

fn screen(
    cols: RegistryColumns,
    rows: &MedicalColumns,
    as_of: NaiveDate,
    threads: usize,
) -> Screening {
    let book = book();
    let index = RegistryIndex::build(cols, threads).expect("valid registry");
    Screener {
        index: &index,
        book: &book,
        as_of,
        threads,
    }
    .medical(rows)
}

/// (rule id, set region and start, person seq or household, evidence) of each warning.
/// A warning as (rule id, set region@start, household, person, evidence).
type Summary = (String, String, u32, Option<PersonKey>, Vec<u32>);

fn summary(s: &Screening) -> Vec<Summary> {
    let book = book();
    s.warnings
        .iter()
        .map(|w| {
            let set = w.rule_set(&book);
            (
                w.rule_in(&book).id.clone(),
                format!("{}@{}", set.region, set.valid_from),
                w.household,
                w.person.map(|p| p.0),
                w.evidence.clone(),
            )
        })
        .collect()
}

const IN: VisitType = VisitType::Inpatient;
const OUT: VisitType = VisitType::Outpatient;
const RICH: i64 = 1_000_000;

#[test]
fn per_stay_takes_the_set_of_the_row_date_at_period_edges() {
    let cols = registry(&[(1, RICH, &[1]), (1, RICH, &[2])]);
    let rows = medical(&[
        (1, date(2024, 12, 31), IN, 7000), // last day of 2024 set: 7000 > 6000
        (2, date(2025, 1, 1), IN, 7000),   // first day of 2025 set: 7000 ≤ 8000
        (2, date(2025, 1, 2), IN, 8001),   // above 8000
        (2, date(2025, 1, 3), OUT, 9000),  // not a stay
    ]);
    let s = screen(cols, &rows, date(2025, 12, 31), 2);
    assert_eq!(
        summary(&s),
        vec![
            (
                "stay".into(),
                "53@2024-01-01".into(),
                0,
                Some(key(1)),
                vec![0]
            ),
            (
                "stay".into(),
                "53@2025-01-01".into(),
                1,
                Some(key(2)),
                vec![2]
            ),
        ]
    );
    assert_eq!(s.stats.matched, 4);
}

#[test]
fn a_county_set_overrides_its_province_for_its_period() {
    let cols = registry(&[(0, RICH, &[1]), (1, RICH, &[2])]);
    let rows = medical(&[
        (1, date(2025, 3, 1), IN, 1500),  // 530102, county set: 1500 > 1000
        (1, date(2025, 4, 1), IN, 1500),  // 530102 after the override: 8000
        (2, date(2025, 3, 15), IN, 1500), // 530103: province set
    ]);
    let s = screen(cols, &rows, date(2025, 12, 31), 1);
    assert_eq!(
        summary(&s),
        vec![(
            "stay".into(),
            "530102@2025-03-01".into(),
            0,
            Some(key(1)),
            vec![0]
        )]
    );
}

#[test]
fn the_window_holds_365_days_ending_on_the_as_of_date() {
    let as_of = date(2025, 12, 31);
    let day = |back: i64| as_of - chrono::Duration::days(back);
    let cols = registry(&[(1, RICH, &[1]), (1, RICH, &[2])]);
    let rows = medical(&[
        (1, day(364), OUT, 30000), // the 365th day: in
        (1, day(0), OUT, 10001),   // the as-of day: in; 40001 > 40000
        (1, day(365), OUT, 30000), // the 366th day: out
        (2, day(365), OUT, 45000), // out
        (2, day(0), OUT, 100),
        (2, day(-1), OUT, 90000), // after the as-of date: left alone
    ]);
    let s = screen(cols, &rows, as_of, 2);
    assert_eq!(
        summary(&s),
        vec![(
            "year".into(),
            "53@2025-01-01".into(),
            0,
            Some(key(1)),
            vec![0, 1]
        )]
    );
    assert_eq!(s.stats.after_as_of, 1);
    // A total of exactly the threshold does not warn ("above").
    let rows = medical(&[(1, day(10), OUT, 40000)]);
    let cols = registry(&[(1, RICH, &[1])]);
    assert!(screen(cols, &rows, as_of, 1).warnings.is_empty());
}

#[test]
fn near_line_households_with_an_expense_warn_once() {
    // 2025 set: line 8700 × 1.25 = 10875 元 per person.
    let cols = registry(&[
        (1, 21_749, &[1, 2]), // 10874.5 per person: below
        (1, 21_750, &[3, 4]), // 10875 per person: not below
        (1, 10_000, &[5]),    // below, but no expense in the window
    ]);
    let as_of = date(2025, 12, 31);
    let rows = medical(&[
        (1, date(2025, 6, 1), OUT, 10),
        (2, date(2025, 7, 1), OUT, 20),
        (3, date(2025, 6, 1), OUT, 10),
        (5, date(2024, 6, 1), OUT, 10), // outside the window
        (2, date(2025, 8, 1), OUT, 0),  // no cost to the patient
    ]);
    let s = screen(cols, &rows, as_of, 2);
    assert_eq!(
        summary(&s),
        vec![("near".into(), "53@2025-01-01".into(), 0, None, vec![0, 1])]
    );
}

#[test]
fn unknown_ids_are_counted_and_listed_never_warned() {
    let cols = registry(&[(1, 100, &[1])]);
    let rows = medical(&[
        (7, date(2025, 5, 1), IN, 99_999),
        (1, date(2025, 5, 1), OUT, 1),
        (8, date(2025, 5, 2), OUT, 5),
    ]);
    let s = screen(cols, &rows, date(2025, 12, 31), 2);
    assert_eq!(s.stats.unknown, 2);
    assert_eq!(s.unknown_rows, vec![0, 2]);
    assert_eq!(s.stats.matched, 1);
    assert!(
        s.warnings
            .iter()
            .all(|w| w.person != Some(PersonId(key(7))))
    );
    assert_eq!(
        s.warnings.len(),
        1,
        "only the near-line household of person 1"
    );
}

#[test]
fn the_national_baseline_applies_where_no_province_set_is_in_force() {
    let cols = registry(&[(2, RICH, &[1]), (1, RICH, &[2])]);
    let rows = medical(&[
        (1, date(2025, 5, 1), IN, 6001), // Guizhou: national 6000
        (2, date(2023, 5, 1), IN, 6001), // Yunnan before its first set: national
    ]);
    let s = screen(cols, &rows, date(2025, 12, 31), 1);
    let sets: Vec<String> = summary(&s).into_iter().map(|w| w.1).collect();
    assert_eq!(sets, vec!["national@2021-01-01", "national@2021-01-01"]);
}

#[test]
fn equal_inputs_give_equal_outputs_whatever_the_threads() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let generated = sample().new_tree(&mut runner).expect("a sample").current();
    let (cols, keys) = generated.registry();
    let (rows, as_of) = (generated.medical(&keys), generated.as_of);
    let first = screen(cols.clone(), &rows, as_of, 1);
    for threads in [2, 3, 5] {
        assert_eq!(screen(cols.clone(), &rows, as_of, threads), first);
    }
    assert!(!first.warnings.is_empty());
}

#[test]
fn the_other_feeds_plug_in() {
    let mut cols = registry(&[(1, RICH, &[1, 2]), (1, RICH, &[3]), (0, RICH, &[4])]);
    cols.person_facts = vec![
        PersonFacts::new(LaborCapacity::Full, Some(3)),
        PersonFacts::new(LaborCapacity::Lost, None),
        PersonFacts::new(LaborCapacity::Full, None),
        PersonFacts::new(LaborCapacity::Full, None),
    ];
    let book = book();
    let index = RegistryIndex::build(cols, 2).expect("valid registry");
    let s = Screener {
        index: &index,
        book: &book,
        as_of: date(2025, 12, 31),
        threads: 2,
    };
    let d = day_of(date(2025, 5, 1));
    let events = EventColumns::new(
        vec![key(1), key(1), key(2), key(3), key(1), key(2), key(3)],
        vec![d; 7],
        vec![
            EventRow::Disability { grade: 3 }, // same grade: no
            EventRow::Disability { grade: 2 }, // worse: yes
            EventRow::Disability { grade: 4 }, // new: yes
            EventRow::Housing {
                grade: HousingGrade::C,
            }, // yes
            EventRow::Vital {
                event: VitalEvent::Death,
            }, // laborer: yes
            EventRow::Vital {
                event: VitalEvent::Death,
            }, // no labor capacity: no
            EventRow::Housing {
                grade: HousingGrade::B,
            }, // no
        ],
    )
    .expect("equal lengths");
    let got: Vec<(String, Vec<u32>)> = s
        .screen(&FeedColumns::Events(events))
        .warnings
        .iter()
        .map(|w| (w.rule_in(&book).id.clone(), w.evidence.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("disability".to_string(), vec![1]),
            ("death".to_string(), vec![4]),
            ("disability".to_string(), vec![2]),
            ("housing".to_string(), vec![3]),
        ]
    );

    // 20 + 20 outage days in the window, overlapping by 3: 37 > 36.
    let v = |s: &str| RegionCode::parse(s).expect("village");
    let water = WaterColumns::new(
        vec![
            v(VILLAGES[1]),
            v(VILLAGES[1]),
            v(VILLAGES[0]),
            v("530102001002"),
        ],
        vec![day_of(date(2025, 3, 1)), day_of(date(2025, 3, 18)), d, d],
        vec![
            day_of(date(2025, 3, 20)),
            day_of(date(2025, 4, 6)),
            d + 90,
            d + 90,
        ],
        vec![
            WaterEvent::Outage,
            WaterEvent::Outage,
            WaterEvent::Quality,
            WaterEvent::Outage,
        ],
    )
    .expect("equal lengths");
    let w = s.screen(&FeedColumns::Water(water));
    let households: Vec<(u32, Option<PersonId>, Vec<u32>)> = w
        .warnings
        .iter()
        .map(|x| (x.household, x.person, x.evidence.clone()))
        .collect();
    assert_eq!(
        households,
        vec![(0, None, vec![0, 1]), (1, None, vec![0, 1])]
    );
    assert_eq!(w.stats.unknown, 1);
}

#[test]
fn event_conditions_read_the_row_and_the_registry() {
    use dixian_domain::StudentStatus;
    use dixian_screen::engine::HouseholdFlags;
    use dixian_screen::feed::{AssistanceStatus, HouseDamage, JobStatus, PersonalAssetKind};
    let mut cols = registry(&[(1, RICH, &[1]), (1, RICH, &[2])]);
    cols.household_flags = vec![HouseholdFlags::new(true, false), HouseholdFlags::default()];
    let book = book();
    let index = RegistryIndex::build(cols, 1).expect("valid registry");
    let s = Screener {
        index: &index,
        book: &book,
        as_of: date(2025, 12, 31),
        threads: 1,
    };
    let rows = [
        (
            1,
            EventRow::Assistance {
                status: AssistanceStatus::Granted,
            },
        ), // yes
        (
            1,
            EventRow::Assistance {
                status: AssistanceStatus::Stopped,
            },
        ), // no rule for it here
        (
            1,
            EventRow::Education {
                status: StudentStatus::DroppedOut,
            },
        ), // yes
        (
            1,
            EventRow::Education {
                status: StudentStatus::Enrolled,
            },
        ), // no
        (
            1,
            EventRow::Employment {
                status: JobStatus::Returned,
                monthly_income_fen: 0,
            },
        ), // yes
        (
            2,
            EventRow::Employment {
                status: JobStatus::Employed,
                monthly_income_fen: 300_000,
            },
        ), // no
        (
            2,
            EventRow::Disaster {
                loss_fen: 1_000_001,
                damage: HouseDamage::Intact,
            },
        ), // above 10000 元
        (
            2,
            EventRow::Disaster {
                loss_fen: 100,
                damage: HouseDamage::Collapsed,
            },
        ), // collapse
        (
            2,
            EventRow::Disaster {
                loss_fen: 1_000_000,
                damage: HouseDamage::Severe,
            },
        ), // neither
        (
            1,
            EventRow::Assets {
                kind: PersonalAssetKind::Vehicle,
            },
        ), // formerly poor: yes
        (
            2,
            EventRow::Assets {
                kind: PersonalAssetKind::Vehicle,
            },
        ), // never supported: no
    ];
    let d = day_of(date(2025, 5, 1));
    let events = EventColumns::new(
        rows.iter().map(|r| key(r.0)).collect(),
        vec![d; rows.len()],
        rows.iter().map(|r| r.1).collect(),
    )
    .expect("equal lengths");
    let got: Vec<(String, Vec<u32>)> = s
        .events(&events)
        .warnings
        .iter()
        .map(|w| (w.rule_in(&book).id.clone(), w.evidence.clone()))
        .collect();
    let want = [
        ("granted", vec![0]),
        ("dropped", vec![2]),
        ("job", vec![4]),
        ("asset", vec![9]),
        ("disaster", vec![6, 7]),
    ];
    let want: Vec<(String, Vec<u32>)> = want.into_iter().map(|(r, e)| (r.to_string(), e)).collect();
    assert_eq!(got, want);
}

// ------------------------------------------------------------ reference

/// Warnings as comparable tuples: (household, person, set, rule, evidence).
type Flat = BTreeSet<(u32, Option<PersonKey>, u32, u16, Vec<u32>)>;

fn flat(s: &Screening) -> Flat {
    s.warnings
        .iter()
        .map(|w| {
            (
                w.household,
                w.person.map(|p| p.0),
                w.set,
                w.rule,
                w.evidence.clone(),
            )
        })
        .collect()
}

/// The medical rules the slow, obvious way: `RuleBook::select` per row.
fn reference(
    cols: &RegistryColumns,
    rows: &MedicalColumns,
    book: &RuleBook,
    as_of: NaiveDate,
) -> Flat {
    let household: BTreeMap<PersonKey, u32> = cols
        .person_key
        .iter()
        .copied()
        .zip(cols.person_household.iter().copied())
        .collect();
    let region = |h: u32| &cols.villages[cols.household_village[h as usize] as usize];
    let set_index = |h: u32, d: NaiveDate| {
        book.select(region(h), d).map(|s| {
            book.sets()
                .iter()
                .position(|x| std::ptr::eq(x, s))
                .expect("a set of the book") as u32
        })
    };
    let members = |h: u32| cols.person_household.iter().filter(|&&x| x == h).count() as i128;
    let in_window = |d: NaiveDate| d <= as_of && (as_of - d).num_days() < 365;
    let mut stays: BTreeMap<(u32, PersonKey, u32, u16), Vec<u32>> = BTreeMap::new();
    let mut person_rows: BTreeMap<PersonKey, Vec<u32>> = BTreeMap::new();
    let mut household_rows: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for i in 0..rows.len() {
        let d = dixian_screen::engine::date_of(rows.day()[i]);
        let (k, paid) = (rows.person()[i], rows.self_paid_fen()[i]);
        let Some(&h) = household.get(&k) else {
            continue;
        };
        if d > as_of {
            continue;
        }
        if let Some(set) = set_index(h, d)
            && rows.visit()[i] == VisitType::Inpatient
        {
            let s = &book.sets()[set as usize];
            for (r, rule) in s.rules.iter().enumerate() {
                let over = s
                    .medical
                    .as_ref()
                    .is_some_and(|m| paid > m.self_paid_per_stay_fen);
                if rule.condition == Condition::SelfPaidPerStayAboveThreshold && over {
                    stays
                        .entry((h, k, set, r as u16))
                        .or_default()
                        .push(i as u32);
                }
            }
        }
        if in_window(d) && paid > 0 {
            person_rows.entry(k).or_default().push(i as u32);
            household_rows.entry(h).or_default().push(i as u32);
        }
    }
    let mut out: Flat = stays
        .into_iter()
        .map(|((h, k, s, r), e)| (h, Some(k), s, r, e))
        .collect();
    for (k, ev) in person_rows {
        let h = household[&k];
        let Some(set) = set_index(h, as_of) else {
            continue;
        };
        let s = &book.sets()[set as usize];
        let total: i64 = ev.iter().map(|&i| rows.self_paid_fen()[i as usize]).sum();
        for (r, rule) in s.rules.iter().enumerate() {
            let over = s
                .medical
                .as_ref()
                .is_some_and(|m| total > m.self_paid_12_months_fen);
            if rule.condition == Condition::SelfPaid12mAboveThreshold && over {
                out.insert((h, Some(k), set, r as u16, ev.clone()));
            }
        }
    }
    for (h, ev) in household_rows {
        let Some(set) = set_index(h, as_of) else {
            continue;
        };
        let s = &book.sets()[set as usize];
        let factor = (s.near_line_factor.unwrap_or(0.0) * 1000.0).round() as i128;
        let near = i128::from(cols.household_income_fen[h as usize]) * 1000
            < i128::from(s.monitoring_line_fen) * factor * members(h);
        for (r, rule) in s.rules.iter().enumerate() {
            if rule.condition == Condition::IncomeBelowLineTimesFactorWithExpense && near {
                out.insert((h, None, set, r as u16, ev.clone()));
            }
        }
    }
    out
}

/// The per-person event rules the slow, obvious way: per row on or
/// before the as-of day, the set `RuleBook::select` gives for the
/// household's village on the row's date; disability fires for a grade
/// more severe than the registered one (or none registered), education
/// for a drop-out; one warning per person, set and rule with all its rows.
fn event_reference(
    cols: &RegistryColumns,
    rows: &[(PersonKey, NaiveDate, EventRow)],
    book: &RuleBook,
    as_of: NaiveDate,
) -> Flat {
    use dixian_domain::StudentStatus;
    use dixian_screen::FeedKind;
    let mut out: BTreeMap<(u32, PersonKey, u32, u16), Vec<u32>> = BTreeMap::new();
    for (i, (k, d, event)) in rows.iter().enumerate() {
        let Some(p) = cols.person_key.iter().position(|x| x == k) else {
            continue;
        };
        if *d > as_of {
            continue;
        }
        let h = cols.person_household[p];
        let village = &cols.villages[cols.household_village[h as usize] as usize];
        let Some(set) = book.select(village, *d) else {
            continue;
        };
        let s = book
            .sets()
            .iter()
            .position(|x| std::ptr::eq(x, set))
            .expect("a set of the book") as u32;
        for (r, rule) in set.rules.iter().enumerate() {
            let fires = match (event, rule.feed, rule.condition) {
                (
                    EventRow::Disability { grade },
                    FeedKind::Disability,
                    Condition::DisabilityNewOrWorse,
                ) => cols.person_facts[p]
                    .disability_grade()
                    .is_none_or(|registered| *grade < registered),
                (EventRow::Education { status }, FeedKind::Education, Condition::DroppedOut) => {
                    *status == StudentStatus::DroppedOut
                }
                _ => false,
            };
            if fires {
                out.entry((h, *k, s, r as u16)).or_default().push(i as u32);
            }
        }
    }
    out.into_iter()
        .map(|((h, k, s, r), e)| (h, Some(k), s, r, e))
        .collect()
}

/// A generated household: village, income 元, members as (disability
/// grade, laborer).
type GenHousehold = (u32, i64, Vec<(Option<u8>, bool)>);

/// A registry and the batches screened against it, as generated: shrinks
/// towards fewer households, members, rows and smaller values.
#[derive(Debug, Clone)]
struct Sample {
    /// (village, income 元, members as (disability grade, labor)).
    households: Vec<GenHousehold>,
    as_of: NaiveDate,
    /// (who, day after 2023-10-01, visit, self-paid 元); `who` picks among
    /// the registered persons and two more who are not.
    medical: Vec<(prop::sample::Index, i64, VisitType, i64)>,
    /// (who, day after 2023-10-01, event).
    events: Vec<(prop::sample::Index, i64, EventRow)>,
}

impl Sample {
    /// The registry's columns and every person's key, registered first,
    /// then two unregistered.
    fn registry(&self) -> (RegistryColumns, Vec<PersonKey>) {
        let mut seq = 1u16;
        let households: Vec<(u32, i64, Vec<u16>)> = self
            .households
            .iter()
            .map(|(v, income, members)| {
                let m = members
                    .iter()
                    .map(|_| {
                        seq += 1;
                        seq
                    })
                    .collect();
                (*v, *income, m)
            })
            .collect();
        let refs: Vec<(u32, i64, &[u16])> = households
            .iter()
            .map(|(v, i, m)| (*v, *i, m.as_slice()))
            .collect();
        let mut cols = registry(&refs);
        cols.person_facts = self
            .households
            .iter()
            .flat_map(|(_, _, m)| m.iter())
            .map(|(grade, laborer)| {
                let labor = if *laborer {
                    LaborCapacity::Full
                } else {
                    LaborCapacity::Lost
                };
                PersonFacts::new(labor, *grade)
            })
            .collect();
        let mut keys = cols.person_key.clone();
        keys.extend([key(seq + 1), key(seq + 2)]);
        (cols, keys)
    }

    fn medical(&self, keys: &[PersonKey]) -> MedicalColumns {
        let mut m = MedicalColumns::default();
        for (who, day, visit, yuan) in &self.medical {
            let d = date(2023, 10, 1) + chrono::Duration::days(*day);
            m.push(*who.get(keys), day_of(d), *visit, yuan * 100);
        }
        m
    }

    fn events(&self, keys: &[PersonKey]) -> Vec<(PersonKey, NaiveDate, EventRow)> {
        self.events
            .iter()
            .map(|(who, day, e)| {
                (
                    *who.get(keys),
                    date(2023, 10, 1) + chrono::Duration::days(*day),
                    *e,
                )
            })
            .collect()
    }
}

fn sample() -> impl Strategy<Value = Sample> {
    use dixian_domain::StudentStatus;
    let member = (prop::option::of(1u8..=4), any::<bool>());
    let household = (0u32..3, 0i64..40_000, prop::collection::vec(member, 1..=4));
    let as_of = prop::sample::select(vec![
        date(2024, 12, 31),
        date(2025, 1, 1),
        date(2025, 3, 15),
        date(2025, 12, 31),
    ]);
    let paid = prop_oneof![Just(0i64), 0i64..500, 0i64..20_000, 0i64..60_000];
    let visit = prop::sample::select(vec![IN, OUT, VisitType::Chronic]);
    let medical = (any::<prop::sample::Index>(), 0i64..860, visit, paid);
    let event = prop_oneof![
        (1u8..=4).prop_map(|grade| EventRow::Disability { grade }),
        prop::sample::select(vec![
            StudentStatus::Enrolled,
            StudentStatus::DroppedOut,
            StudentStatus::Suspended,
        ])
        .prop_map(|status| EventRow::Education { status }),
    ];
    (
        prop::collection::vec(household, 1..40),
        as_of,
        prop::collection::vec(medical, 0..300),
        prop::collection::vec((any::<prop::sample::Index>(), 0i64..860, event), 0..200),
    )
        .prop_map(|(households, as_of, medical, events)| Sample {
            households,
            as_of,
            medical,
            events,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Medical and per-person event feeds (disability, education) on up
    /// to 40 households of 1–4 members, 300 medical and 200 event rows,
    /// some of unregistered persons: the engine's warnings are the
    /// reference's, on any number of threads.
    #[test]
    fn the_engine_agrees_with_the_naive_reference(sample in sample(), threads in 1usize..4) {
        let book = book();
        let (cols, keys) = sample.registry();
        let rows = sample.medical(&keys);
        let expected = reference(&cols, &rows, &book, sample.as_of);
        let events = sample.events(&keys);
        let expected_events = event_reference(&cols, &events, &book, sample.as_of);
        let index = RegistryIndex::build(cols.clone(), threads).expect("valid registry");
        let screener = Screener { index: &index, book: &book, as_of: sample.as_of, threads };
        prop_assert_eq!(flat(&screener.medical(&rows)), expected);
        let (who, (days, what)): (Vec<PersonKey>, (Vec<_>, Vec<EventRow>)) = events
            .iter()
            .map(|(k, d, e)| (*k, (day_of(*d), *e)))
            .unzip();
        let columns = EventColumns::new(who, days, what).expect("equal lengths");
        prop_assert_eq!(flat(&screener.events(&columns)), expected_events);
    }
}

#[test]
fn the_shipped_rule_files_screen_too() {
    let book = RuleBook::load_dir(&common::rules_dir()).expect("shipped rules load");
    let cols = registry(&[(1, 10_000, &[1, 2])]);
    let index = RegistryIndex::build(cols, 1).expect("valid registry");
    let rows = medical(&[(1, date(2025, 4, 1), IN, 6500)]);
    let s = Screener {
        index: &index,
        book: &book,
        as_of: date(2025, 12, 31),
        threads: 1,
    }
    .medical(&rows);
    let ids: Vec<&str> = s
        .warnings
        .iter()
        .map(|w| w.rule_in(&book).id.as_str())
        .collect();
    // Yunnan 2025: 5000 per person < 8700 × 1.5 with an expense (household
    // warnings sort first); 6500 > 6000 per stay.
    assert_eq!(ids, vec!["near-line-expense", "medical-stay"]);
    assert!(
        s.warnings.iter().all(|w| w.rule_set(&book).region
            == RuleRegion::Code(RegionCode::parse("53").expect("code")))
    );
}
