//! Generated populations: valid records, unique IDs, determinism and
//! plausible distributions.

use chrono::NaiveDate;
use dixian_domain::{
    Category, EmploymentStatus, Household, HousingGrade, InsuranceStatus, LaborCapacity,
    RegionCode, Relation, StudentStage,
};
use dixian_sim::{PopulationSpec, PopulationStats, SpecError, Township, Village, generate};
use std::collections::{HashMap, HashSet};
use std::convert::Infallible;

/// Real townships of 威宁县 (520526); villages are made up.
const TOWNSHIPS: &[(&str, &str)] = &[
    ("520526001", "海边街道"),
    ("520526002", "五里岗街道"),
    ("520526100", "草海镇"),
    ("520526101", "么站镇"),
    ("520526102", "金钟镇"),
    ("520526105", "黑石头镇"),
    ("520526109", "迤那镇"),
    ("520526121", "麻乍镇"),
    ("520526122", "兔街镇"),
    ("520526126", "斗古镇"),
    ("520526201", "新发布依族乡"),
    ("520526210", "石门乡"),
];

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()
}

fn township(code: &str, name: &str, villages: u32) -> Township {
    let villages = (1..=villages)
        .map(|i| {
            let kind = if i == 1 {
                "社区居民委员会"
            } else {
                "村民委员会"
            };
            Village {
                code: RegionCode::parse(&format!("{code}{:03}", 200 + i)).unwrap(),
                name: format!("新{i}{kind}"),
            }
        })
        .collect();
    Township {
        code: RegionCode::parse(code).unwrap(),
        name: name.to_string(),
        villages,
    }
}

fn weining(households: u64, seed: u64) -> PopulationSpec {
    let townships = TOWNSHIPS.iter().map(|(c, n)| township(c, n, 15)).collect();
    PopulationSpec {
        townships,
        households,
        seed,
        as_of: as_of(),
    }
}

fn collect(spec: &PopulationSpec) -> (Vec<Household>, PopulationStats) {
    let mut out = Vec::new();
    let stats = generate(spec, |h| {
        out.push(h);
        Ok::<_, Infallible>(())
    })
    .unwrap();
    (out, stats)
}

fn age(m: &dixian_domain::Member) -> i64 {
    i64::from(m.id_number.age_on(as_of()))
}

#[test]
fn every_household_is_valid_and_well_formed() {
    let spec = weining(20_000, 1);
    let (all, stats) = collect(&spec);
    assert_eq!(all.len(), 20_000);
    assert_eq!(stats.households, 20_000);
    assert_eq!(
        stats.persons,
        all.iter().map(|h| h.members.len() as u64).sum::<u64>()
    );
    for h in &all {
        h.validate().unwrap_or_else(|e| panic!("{}: {e}", h.number));
        assert_eq!(h.members[0].relation, Relation::Head);
        assert!(
            h.number.starts_with(h.village.as_str()) && h.number.len() == 16,
            "{}",
            h.number
        );
        assert!(h.address.contains("组") && h.village_group.is_some());
        check_relations(h);
        h.members.iter().for_each(check_member);
    }
}

fn check_relations(h: &Household) {
    let head = &h.members[0];
    for m in &h.members[1..] {
        let gap = age(head) - age(m);
        match m.relation {
            Relation::Spouse => assert_ne!(m.id_number.sex(), head.id_number.sex(), "{}", h.number),
            Relation::Child => assert!((18..=40).contains(&gap), "{} child gap {gap}", h.number),
            Relation::Parent => assert!(gap <= -18, "{} parent gap {gap}", h.number),
            Relation::Grandchild => assert!(gap >= 36, "{} grandchild gap {gap}", h.number),
            _ => {}
        }
    }
}

fn check_member(m: &dixian_domain::Member) {
    let a = age(m);
    assert_eq!(m.id_number.region6(), "520526");
    assert!((2..=4).contains(&m.name.chars().count()), "{}", m.name);
    assert_eq!(m.disability_kind.is_some(), m.disability_grade.is_some());
    assert_eq!(m.student_stage.is_some(), m.student_status.is_some());
    if a < 16 {
        assert_eq!(m.labor, LaborCapacity::None);
        assert_eq!(m.employment, EmploymentStatus::NotApplicable);
    }
    if a < 15 {
        assert!(m.phone.is_none());
    }
    let stage_ages = match m.student_stage {
        Some(StudentStage::Preschool) => 3..=5,
        Some(StudentStage::Primary) => 6..=11,
        Some(StudentStage::JuniorSecondary) => 12..=15,
        Some(StudentStage::SeniorSecondary | StudentStage::Vocational) => 15..=18,
        Some(StudentStage::Tertiary) => 19..=22,
        None => 0..=200,
    };
    assert!(stage_ages.contains(&a), "{:?} at {a}", m.student_stage);
    if let Some(p) = &m.phone {
        assert!(p.len() == 11 && p.starts_with('1') && p.bytes().all(|b| b.is_ascii_digit()));
    }
}

#[test]
fn ids_and_numbers_are_unique_and_villages_contiguous() {
    let (all, _) = collect(&weining(20_000, 2));
    let mut ids = HashSet::new();
    for m in all.iter().flat_map(|h| &h.members) {
        assert!(
            ids.insert(m.id_number.as_str().to_string()),
            "repeated {:?}",
            m.id_number
        );
        let seq: u32 = m.id_number.as_str()[14..17].parse().unwrap();
        assert_eq!(seq % 2 == 1, m.id_number.sex() == dixian_domain::Sex::Male);
    }
    let numbers: Vec<&str> = all.iter().map(|h| h.number.as_str()).collect();
    assert!(
        numbers.windows(2).all(|w| w[0] < w[1]),
        "numbers are sorted, hence unique"
    );
    let mut seen = HashSet::new();
    for w in all.windows(2).filter(|w| w[0].village != w[1].village) {
        assert!(
            seen.insert(w[0].village.clone()),
            "village {} comes back",
            w[0].village
        );
    }
}

#[test]
fn same_seed_same_population_other_seed_other_population() {
    let (a, sa) = collect(&weining(2_000, 7));
    let (b, sb) = collect(&weining(2_000, 7));
    let (c, _) = collect(&weining(2_000, 8));
    assert_eq!(sa, sb);
    assert!(a == b, "same seed must give identical households");
    assert!(a != c);
}

#[test]
fn distributions_look_like_rural_guizhou() {
    let (all, s) = collect(&weining(30_000, 3));
    let share = |x: u64, of: u64| x as f64 / of as f64;
    let mean_size = share(s.persons, s.households);
    assert!(
        (3.4..=3.9).contains(&mean_size),
        "mean household size {mean_size}"
    );
    let poor = share(s.formerly_poor, s.households);
    assert!((0.15..=0.25).contains(&poor), "formerly poor {poor}");
    let monitored = share(s.monitored, s.households);
    assert!((0.025..=0.06).contains(&monitored), "monitored {monitored}");
    let elderly = share(s.aged_60_plus, s.persons);
    assert!((0.16..=0.30).contains(&elderly), "aged 60+ {elderly}");
    let young = share(s.under_18, s.persons);
    assert!((0.18..=0.32).contains(&young), "under 18 {young}");
    let disabled = share(s.disabled, s.persons);
    assert!((0.04..=0.07).contains(&disabled), "disabled {disabled}");
    let solo_elderly = all
        .iter()
        .filter(|h| h.members.len() == 1 && age(&h.members[0]) >= 60)
        .count();
    assert!(solo_elderly > 300, "solo elderly households {solo_elderly}");
    assert!(all.iter().any(|h| h.members.len() >= 8));
    let low = all.iter().filter(|h| h.income_per_person() < 8_000).count();
    assert!(
        (0.05..=0.35).contains(&share(low as u64, s.households)),
        "low income {low}"
    );
    let ab = all
        .iter()
        .filter(|h| matches!(h.housing, HousingGrade::A | HousingGrade::B))
        .count();
    assert!(share(ab as u64, s.households) >= 0.85, "housing A/B {ab}");
    let insured = all
        .iter()
        .flat_map(|h| &h.members)
        .filter(|m| m.insurance == InsuranceStatus::Insured)
        .count();
    assert!(share(insured as u64, s.persons) >= 0.97);
}

#[test]
fn categories_follow_poverty_history() {
    let (all, _) = collect(&weining(30_000, 4));
    let mut by: HashMap<Category, (u32, u32)> = HashMap::new();
    for h in &all {
        if let Some(c) = h.category {
            let e = by.entry(c).or_default();
            e.0 += 1;
            e.1 += u32::from(h.formerly_registered_poor);
        }
    }
    let unstable = by[&Category::UnstableFormerlyPoor];
    assert_eq!(
        unstable.0, unstable.1,
        "脱贫不稳定户 are all former poor households"
    );
    assert_eq!(by[&Category::MarginalAtRisk].1, 0);
    assert!(by[&Category::SuddenHardship].0 > 10);
    let monitored_low = all
        .iter()
        .filter(|h| h.category.is_some())
        .map(|h| h.income_per_person())
        .sum::<i64>()
        / by.values().map(|v| i64::from(v.0)).sum::<i64>();
    let everyone = all.iter().map(|h| h.income_per_person()).sum::<i64>() / all.len() as i64;
    assert!(
        monitored_low * 10 < everyone * 8,
        "monitored {monitored_low} vs all {everyone}"
    );
}

#[test]
fn townships_differ_in_income_and_poverty() {
    let (all, _) = collect(&weining(24_000, 5));
    let mut by: HashMap<&str, (i64, i64, i64)> = HashMap::new();
    for h in &all {
        let e = by.entry(&h.village.as_str()[..9]).or_default();
        e.0 += h.income.total();
        e.1 += h.members.len() as i64;
        e.2 += i64::from(h.formerly_registered_poor);
    }
    let per_person: Vec<i64> = by.values().map(|(inc, n, _)| inc / n).collect();
    let (lo, hi) = (
        per_person.iter().min().unwrap(),
        per_person.iter().max().unwrap(),
    );
    assert!(hi * 10 > lo * 13, "township income per person {lo}..{hi}");
    let mean = per_person.iter().sum::<i64>() / per_person.len() as i64;
    assert!(
        (9_000..=20_000).contains(&mean),
        "mean income per person {mean}"
    );
    let poor: Vec<f64> = by.values().map(|(_, _, p)| *p as f64 / 2_000.0).collect();
    let spread =
        poor.iter().cloned().fold(0.0, f64::max) - poor.iter().cloned().fold(1.0, f64::min);
    assert!(spread > 0.08, "formerly poor share spread {spread}");
}

#[test]
fn villages_differ_in_size_and_totals_add_up() {
    let (all, _) = collect(&weining(18_000, 6));
    let mut sizes: HashMap<&RegionCode, u64> = HashMap::new();
    for h in &all {
        *sizes.entry(&h.village).or_default() += 1;
    }
    assert_eq!(sizes.values().sum::<u64>(), 18_000);
    let (lo, hi) = (sizes.values().min().unwrap(), sizes.values().max().unwrap());
    assert!(hi > &(lo * 2), "village sizes {lo}..{hi}");
}

#[test]
fn wide_numbers_when_a_village_is_huge() {
    let spec = PopulationSpec {
        townships: vec![township("520526101", "么站镇", 1)],
        households: 10_500,
        seed: 9,
        as_of: as_of(),
    };
    let (all, _) = collect(&spec);
    assert!(all.iter().all(|h| h.number.len() == 17));
    assert!(all.windows(2).all(|w| w[0].number < w[1].number));
    assert_eq!(all.last().unwrap().number, "52052610120110500");
}

#[test]
fn several_counties_use_each_villages_county() {
    let spec = PopulationSpec {
        townships: vec![
            township("520526101", "么站镇", 3),
            township("520502001", "某街道", 3),
        ],
        households: 600,
        seed: 10,
        as_of: as_of(),
    };
    assert_eq!(spec.county().unwrap().as_str(), "520526");
    let (all, _) = collect(&spec);
    for h in &all {
        let county = &h.village.as_str()[..6];
        assert!(h.members.iter().all(|m| m.id_number.region6() == county));
    }
    assert!(all.iter().any(|h| h.village.as_str().starts_with("520502")));
}

#[test]
fn sink_errors_stop_the_stream() {
    let mut seen = 0;
    let r = generate(&weining(1_000, 11), |_| {
        seen += 1;
        if seen == 5 { Err("disk full") } else { Ok(()) }
    });
    assert_eq!(r, Err("disk full"));
    assert_eq!(seen, 5);
}

#[test]
fn invalid_specs_are_named() {
    let mut spec = weining(10, 1);
    spec.as_of = NaiveDate::from_ymd_opt(1999, 1, 1).unwrap();
    assert!(matches!(spec.validate(), Err(SpecError::AsOf(_))));
    let mut spec = weining(10, 1);
    spec.townships[0].villages[0].code = RegionCode::parse("520526").unwrap();
    assert_eq!(spec.validate(), Err(SpecError::NotVillage("520526".into())));
    let mut spec = weining(10, 1);
    spec.townships[1].villages[0].code = RegionCode::parse("520526101201").unwrap();
    assert!(matches!(spec.validate(), Err(SpecError::NotVillage(_))));
    let spec = PopulationSpec {
        townships: vec![],
        households: 10,
        seed: 1,
        as_of: as_of(),
    };
    assert_eq!(spec.validate(), Err(SpecError::NoVillages));
    let spec = PopulationSpec {
        townships: vec![],
        households: 0,
        seed: 1,
        as_of: as_of(),
    };
    assert_eq!(collect(&spec).1, PopulationStats::default());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(12))]
        #[test]
        fn any_seed_and_size_gives_valid_households(seed in any::<u64>(), households in 0u64..400) {
            let (all, stats) = collect(&weining(households, seed));
            prop_assert_eq!(all.len() as u64, households);
            prop_assert_eq!(stats.households, households);
            for h in &all {
                prop_assert!(h.validate().is_ok());
            }
        }
    }
}
