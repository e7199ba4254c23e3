//! The demo's assistance: deterministic, within the catalogue, and its
//! manifest is the oracle of the chain report — over the generated
//! measures, `chain_findings` finds exactly the planted problems (and the
//! gaps the manifest lists), and every kind of problem is planted.

use chrono::NaiveDate;
use dixian_domain::assistance::{ChainRule, chain_findings};
use dixian_domain::{Household, RegionCode};
use dixian_screen::RuleBook;
use dixian_sim::assistance::{ExpectedFinding, Monitored, assistance, identified_on, risks_of};
use dixian_sim::{PopulationSpec, Township, Village, generate};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
}

fn population(n: u64) -> Vec<Household> {
    let townships = ["520526100", "520526101", "520526102"]
        .iter()
        .map(|code| Township {
            code: RegionCode::parse(code).unwrap(),
            name: format!("{code}镇"),
            villages: (1..=6)
                .map(|i| Village {
                    code: RegionCode::parse(&format!("{code}{:03}", 200 + i)).unwrap(),
                    name: format!("新{i}村民委员会"),
                })
                .collect(),
        })
        .collect();
    let spec = PopulationSpec {
        townships,
        households: n,
        seed: 7,
        as_of: today(),
    };
    let mut out = Vec::new();
    generate(&spec, |h| {
        out.push(h);
        Ok::<(), ()>(())
    })
    .unwrap();
    out
}

#[test]
fn the_chain_report_finds_exactly_the_manifest() {
    let all = population(4000);
    let monitored: Vec<&Household> = all.iter().filter(|h| h.category.is_some()).collect();
    assert!(monitored.len() > 100, "{}", monitored.len());
    let risks: Vec<_> = monitored.iter().map(|h| risks_of(h)).collect();
    let input: Vec<Monitored<'_>> = monitored
        .iter()
        .zip(&risks)
        .map(|(h, r)| Monitored {
            household: h,
            risks: r,
            identified_on: identified_on(&h.number, today()),
        })
        .collect();
    let book = RuleBook::shipped();
    let village = &monitored[0].village;
    let (catalogue, policy) = book.catalogue_for(village, today()).unwrap();
    let name = |t: &RegionCode| format!("{t}镇");
    let demo = assistance(&input, catalogue, policy, today(), &name);
    assert_eq!(
        demo,
        assistance(&input, catalogue, policy, today(), &name),
        "deterministic"
    );
    assert_eq!(demo.households.len(), monitored.len());
    assert_eq!(demo.helpers.len(), 3 * 4);

    // The oracle: every finding of the report, and nothing else.
    let mut found: Vec<ExpectedFinding> = Vec::new();
    for (m, a) in input.iter().zip(&demo.households) {
        assert_eq!(m.household.number, a.number);
        for f in chain_findings(
            m.household,
            &a.measures,
            Some(m.identified_on),
            catalogue,
            policy,
            today(),
        ) {
            found.push(ExpectedFinding {
                household: a.number.clone(),
                rule: f.rule,
                person: f.person,
            });
        }
    }
    found.sort();
    assert_eq!(found, demo.manifest);
    // Every kind of problem is there; double payments twice.
    let count = |r: ChainRule| demo.manifest.iter().filter(|f| f.rule == r).count();
    assert_eq!(count(ChainRule::DoublePayment), 2, "{:?}", demo.manifest);
    assert_eq!(count(ChainRule::ExclusiveOverlap), 1, "{:?}", demo.manifest);
    assert_eq!(count(ChainRule::LoanPastTerm), 1, "{:?}", demo.manifest);
    assert_eq!(
        count(ChainRule::SubsidyWithoutLoan),
        1,
        "{:?}",
        demo.manifest
    );
    assert!(
        count(ChainRule::NoMeasureInTime) >= 1,
        "{:?}",
        demo.manifest
    );
    assert!(
        count(ChainRule::WorkerWithoutDevelopment) >= 1,
        "{:?}",
        demo.manifest
    );

    // Measures within the catalogue: amounts within limits, after identification.
    let mut n = 0;
    for (m, a) in input.iter().zip(&demo.households) {
        for x in &a.measures {
            n += 1;
            let rule = catalogue.get(x.kind).expect("a kind of the catalogue");
            if let (Some(max), Some(amount)) = (rule.max_amount_fen, x.amount_fen) {
                assert!(amount <= max && amount >= 0, "{x:?}");
            }
            assert!(
                x.starts_on > m.identified_on && x.starts_on <= today(),
                "{x:?}"
            );
        }
        assert!(a.helper < demo.helpers.len());
        let t = &demo.helpers[a.helper].township;
        assert!(m.household.village.as_str().starts_with(t.as_str()));
    }
    assert!(n > monitored.len(), "{n}");
    assert!(demo.households.iter().any(|a| !a.visits.is_empty()));
}
