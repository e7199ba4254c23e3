use super::*;
use proptest::prelude::*;

fn policy() -> AlertPolicy {
    AlertPolicy {
        window_days: 14,
        baseline_windows: 8,
        same_season_last_year: true,
        k: 3.0,
        min_village: 3,
        min_township: 5,
        min_county: 10,
        medium_ratio: 1.5,
        high_ratio: 2.5,
    }
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn ev(on: NaiveDate, village: &str, risk: RiskType, household: i64, id: i64) -> AlertEvent {
    AlertEvent {
        on,
        village: RegionCode::parse(village).unwrap(),
        risk,
        household,
        source: EventSource::Warning,
        source_id: id,
    }
}

/// Five neighbouring villages of 草海镇 (520526100).
const FLOOD: [&str; 5] = [
    "520526100227",
    "520526100231",
    "520526100232",
    "520526100233",
    "520526100034",
];

/// A large village (么站社区) with four illness households every fortnight
/// for a year, and a few disaster events scattered over the county.
fn background(as_of: NaiveDate) -> Vec<AlertEvent> {
    let mut out = Vec::new();
    let mut id = 0;
    for w in 0..26 {
        for i in 0..(3 + (w % 3)) {
            id += 1;
            let on = as_of - Duration::days(w * 14 + i * 3);
            out.push(ev(on, "520526101001", RiskType::Illness, 1000 + id, id));
        }
    }
    for w in (2..26).step_by(5) {
        id += 1;
        let on = as_of - Duration::days(w * 14 + 5);
        out.push(ev(on, "520526102001", RiskType::Disaster, 5000 + id, id));
    }
    out
}

#[test]
fn a_flood_over_five_villages_flags_the_township_with_its_households() {
    let as_of = day("2025-07-20");
    let mut events = background(as_of);
    let mut id = 90_000;
    for (v, village) in FLOOD.iter().enumerate() {
        for h in 0..2 {
            id += 1;
            events.push(ev(
                as_of - Duration::days(3 - v as i64 % 2),
                village,
                RiskType::Disaster,
                70_000 + (v as i64) * 10 + h,
                id,
            ));
        }
    }
    let found = detect(&events, as_of, &policy());
    let town: Vec<_> = found
        .iter()
        .filter(|d| d.region.as_str() == "520526100")
        .collect();
    assert_eq!(town.len(), 1, "{found:#?}");
    let t = town[0];
    assert_eq!(t.level, RegionLevel::Township);
    assert_eq!(t.risk, RiskType::Disaster);
    assert_eq!(t.households, 10);
    assert_eq!(t.evidence.len(), 10);
    assert_eq!(t.window_from, day("2025-07-07"));
    assert_eq!(t.severity, Severity::Medium);
    // No village reached three households; the county is flagged too (ten
    // households over five villages), not explained by one township alone?
    // It is: all ten lie in 草海镇, so the county says nothing more.
    assert!(found.iter().all(|d| d.level != RegionLevel::Village));
    assert!(found.iter().all(|d| d.level != RegionLevel::County));
    // The large village's illness level raises nothing.
    assert!(
        found.iter().all(|d| d.risk == RiskType::Disaster),
        "{found:#?}"
    );
}

#[test]
fn quiet_periods_and_a_large_village_raise_nothing() {
    let as_of = day("2025-07-20");
    let events = background(as_of);
    for d in 0..120 {
        let on = as_of - Duration::days(d);
        assert!(detect(&events, on, &policy()).is_empty(), "{on}");
    }
    assert!(detect(&[], as_of, &policy()).is_empty());
}

#[test]
fn a_usual_level_is_not_flagged_but_a_jump_above_it_is() {
    let as_of = day("2025-07-20");
    let mut events = background(as_of);
    // The large village's usual 3–5 becomes 16 this fortnight.
    for i in 0..12 {
        events.push(ev(
            as_of - Duration::days(i % 10),
            "520526101001",
            RiskType::Illness,
            60_000 + i,
            80_000 + i,
        ));
    }
    let found = detect(&events, as_of, &policy());
    let village = found
        .iter()
        .find(|d| d.level == RegionLevel::Village)
        .expect("the village is flagged");
    assert_eq!(village.region.as_str(), "520526101001");
    assert!(village.baseline_mean > 3.0 && village.baseline_mean < 5.0);
    assert!(village.threshold > 5.0);
    // Its township and county add nothing: every household is in it.
    assert_eq!(found.len(), 1, "{found:#?}");
}

#[test]
fn a_factory_closing_in_one_township_is_found() {
    let as_of = day("2025-03-10");
    let mut events = background(as_of);
    let villages = ["520526104001", "520526104200", "520526104201"];
    for i in 0..8i64 {
        events.push(ev(
            as_of - Duration::days(i % 6),
            villages[i as usize % 3],
            RiskType::UnstableEmployment,
            40_000 + i,
            40_000 + i,
        ));
    }
    let found = detect(&events, as_of, &policy());
    let t = found
        .iter()
        .find(|d| d.region.as_str() == "520526104")
        .expect("township flagged");
    assert_eq!(t.risk, RiskType::UnstableEmployment);
    assert_eq!(t.households, 8);
    assert!(found.iter().all(|d| d.risk == RiskType::UnstableEmployment));
}

#[test]
fn the_same_household_counts_once() {
    let as_of = day("2025-03-10");
    let events: Vec<_> = (0..10)
        .map(|i| ev(as_of, "520526104001", RiskType::Disaster, 7, i))
        .collect();
    assert!(detect(&events, as_of, &policy()).is_empty());
}

#[test]
fn last_years_season_joins_the_baseline() {
    let p = policy();
    let as_of = day("2025-07-20");
    let all = baseline_windows(&p, as_of, None);
    assert_eq!(all.len(), 11);
    assert_eq!(all[0], (day("2025-06-23"), day("2025-07-06")));
    assert_eq!(all[9], (day("2024-07-07"), day("2024-07-20")));
    // Windows before records begin are left out.
    assert_eq!(
        baseline_windows(&p, as_of, Some(day("2025-05-01"))).len(),
        5
    );
    // A flood every July is the season: the same count a year ago
    // keeps a modest one from flagging.
    let mut events = Vec::new();
    for (n, year_day) in [(0, "2024-07-15"), (1, "2024-07-01"), (2, "2024-07-29")] {
        for h in 0..6 {
            events.push(ev(
                day(year_day),
                "520526100227",
                RiskType::Disaster,
                n * 100 + h,
                n * 100 + h,
            ));
        }
    }
    for h in 0..6 {
        events.push(ev(
            as_of,
            "520526100227",
            RiskType::Disaster,
            900 + h,
            900 + h,
        ));
    }
    let found = detect(&events, as_of, &p);
    assert!(found.is_empty(), "{found:#?}");
    let no_season = AlertPolicy {
        same_season_last_year: false,
        ..p
    };
    assert!(!detect(&events, as_of, &no_season).is_empty());
}

#[test]
fn bad_numbers_are_named() {
    let p = AlertPolicy {
        window_days: 0,
        k: -1.0,
        high_ratio: 1.0,
        ..policy()
    };
    let keys: Vec<_> = p.problems().into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["window_days", "k", "high_ratio"]);
    assert!(policy().problems().is_empty());
}

#[test]
fn severity_bands() {
    let p = policy();
    assert_eq!(p.severity(5, 5.0), Severity::Low);
    assert_eq!(p.severity(8, 5.0), Severity::Medium);
    assert_eq!(p.severity(13, 5.0), Severity::High);
}

proptest! {
    /// Every alert is at or above its level's minimum and above its
    /// limit, its evidence lies in its window and region, and it counts
    /// exactly the distinct households of its evidence.
    #[test]
    fn alerts_are_consistent(
        raw in prop::collection::vec((0i64..200, 0usize..6, 0usize..3, 0i64..40), 0..200),
        extra in 0usize..30,
    ) {
        let villages = ["520526100227", "520526100231", "520526101001", "520526101203", "520526104001", "520526104200"];
        let risks = [RiskType::Disaster, RiskType::Illness, RiskType::UnstableEmployment];
        let as_of = day("2025-07-20");
        let mut events: Vec<AlertEvent> = raw.iter().enumerate().map(|(i, (d, v, r, h))| {
            ev(as_of - Duration::days(*d), villages[*v], risks[*r], *h + (*v as i64) * 1000, i as i64)
        }).collect();
        for i in 0..extra {
            events.push(ev(as_of, villages[i % 2], RiskType::Disaster, 50_000 + i as i64, 10_000 + i as i64));
        }
        let p = policy();
        for d in detect(&events, as_of, &p) {
            let hh: BTreeSet<i64> = d.evidence.iter().map(|e| e.household).collect();
            prop_assert_eq!(hh.len() as u32, d.households);
            prop_assert!(d.households >= p.min_count(d.level).unwrap());
            prop_assert!(f64::from(d.households) > d.baseline_mean + p.k * d.baseline_sigma);
            prop_assert!(d.baseline_sigma >= d.baseline_mean.sqrt() - 1e-9);
            for e in &d.evidence {
                prop_assert!(d.window_from <= e.on && e.on <= d.window_to);
                prop_assert!(d.region.contains(&e.village));
                prop_assert_eq!(e.risk, d.risk);
            }
        }
    }

    /// Adding events of another risk type never changes the alerts of a
    /// risk type.
    #[test]
    fn risk_types_are_independent(n in 0usize..40) {
        let as_of = day("2025-07-20");
        let base: Vec<_> = (0..12).map(|i| ev(as_of, FLOOD[i % 5], RiskType::Disaster, i as i64, i as i64)).collect();
        let mut more = base.clone();
        for i in 0..n {
            more.push(ev(as_of - Duration::days(i as i64 * 7), "520526101001", RiskType::Illness, 900 + i as i64, 900 + i as i64));
        }
        let only = |v: Vec<Detected>| v.into_iter().filter(|d| d.risk == RiskType::Disaster).collect::<Vec<_>>();
        let a = only(detect(&base, as_of, &policy()));
        let b = only(detect(&more, as_of, &policy()));
        // Illness events may move the first day of records, which only
        // adds baseline windows of zero: the disaster alerts stay.
        prop_assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            prop_assert_eq!(&x.region, &y.region);
            prop_assert_eq!(x.households, y.households);
        }
    }
}
