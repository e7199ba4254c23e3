//! Synthetic department feeds read by the real feed parser and screened by
//! the real screening pass with the shipped rule book: every planted shock
//! is found and nothing else is warned, every noise line is reported, the
//! coverage gap is exactly the unknown-person lines, encodings and header
//! languages read the same, and a seed always gives the same bytes.

use chrono::NaiveDate;
use dixian_domain::{Household, RegionCode};
use dixian_screen::engine::{
    EventColumns, FeedColumns, MedicalColumns, PersonId, RegistryColumns, RegistryIndex, Screener,
    Screening, WaterColumns, person_key,
};
use dixian_screen::feed::{FeedParse, FeedRow, ValueKind};
use dixian_screen::{Condition, RuleBook, RuleSet, parse_feed_bytes};
use dixian_sim::feeds::{
    self, Encoding, FeedKind, FeedSpec, FeedSpecError, Headers, Manifest, NoiseKind, Thresholds,
    condition,
};
use dixian_sim::{PopulationSpec, Township, Village, generate};
use proptest::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Real villages of 威宁县 (520526), from `../shared/data/divisions`.
const VILLAGES: [(&str, &str, &str, &str); 3] = [
    ("520526101", "么站镇", "520526101203", "联合村村民委员会"),
    ("520526101", "么站镇", "520526101205", "水塘村村民委员会"),
    ("520526102", "金钟镇", "520526102203", "联民村村民委员会"),
];
/// 抱都村 of 么站镇: real, but no household of the test population lives there.
const UNREGISTERED_VILLAGE: &str = "520526101206";
const COUNTY: &str = "520526";

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).expect("valid date")
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).expect("real division code")
}

fn population(households: u64) -> Vec<Household> {
    let mut townships: Vec<Township> = Vec::new();
    for (t, tname, v, vname) in VILLAGES {
        let village = Village {
            code: code(v),
            name: vname.to_string(),
        };
        match townships.iter_mut().find(|x| x.code.as_str() == t) {
            Some(x) => x.villages.push(village),
            None => townships.push(Township {
                code: code(t),
                name: tname.to_string(),
                villages: vec![village],
            }),
        }
    }
    let spec = PopulationSpec {
        townships,
        households,
        seed: 7,
        as_of: as_of(),
    };
    let mut out = Vec::new();
    generate(&spec, |h| {
        out.push(h);
        Ok::<_, Infallible>(())
    })
    .expect("infallible sink");
    out
}

fn shipped_book() -> RuleBook {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../rules");
    RuleBook::load_dir(&dir).expect("shipped rules are valid")
}

/// The numbers of the set in force, as the CLI reads them.
fn thresholds(set: &RuleSet) -> Thresholds {
    Thresholds::of(set).expect("the shipped set has every table")
}

fn set_in_force(book: &RuleBook) -> &RuleSet {
    book.select(&code(COUNTY), as_of())
        .expect("a set is in force for 520526")
}

fn spec(kind: FeedKind, encoding: Encoding, headers: Headers) -> FeedSpec {
    FeedSpec {
        kind,
        as_of: as_of(),
        seed: 11,
        shocks: if kind == FeedKind::Water { 1 } else { 12 },
        noise_rate: 0.02,
        encoding,
        headers,
        unregistered_villages: vec![code(UNREGISTERED_VILLAGE)],
    }
}

/// Parses and screens the file; returns the parse, the screening and the
/// file line of each screened row.
fn parse_and_screen(
    households: &[Household],
    book: &RuleBook,
    kind: FeedKind,
    bytes: Vec<u8>,
) -> (FeedParse, Screening, Vec<usize>) {
    let parse = parse_feed_bytes(kind, bytes, as_of());
    let index = RegistryIndex::build(RegistryColumns::from_households(households), 1)
        .expect("synthetic registry indexes");
    let lines: Vec<usize> = parse.rows.iter().map(|(l, _)| *l).collect();
    let columns = match kind {
        FeedKind::Medical => {
            let mut c = MedicalColumns::default();
            for (_, r) in &parse.rows {
                let FeedRow::Medical(m) = r else {
                    panic!("medical file gave another row")
                };
                c.push_row(m);
            }
            FeedColumns::Medical(c)
        }
        FeedKind::Water => {
            let mut c = WaterColumns::default();
            for (_, r) in &parse.rows {
                let FeedRow::Water(w) = r else {
                    panic!("water file gave another row")
                };
                c.push_row(w);
            }
            FeedColumns::Water(c)
        }
        _ => {
            let mut c = EventColumns::default();
            for (_, r) in &parse.rows {
                assert!(c.push_row(r), "an event row");
            }
            FeedColumns::Events(c)
        }
    };
    let screener = Screener {
        index: &index,
        book,
        as_of: as_of(),
        threads: 2,
    };
    let screening = screener.screen(&columns);
    (parse, screening, lines)
}

type Expected = BTreeSet<(u32, Option<PersonId>, String)>;

/// The warnings the manifest promises: per person, per household (near
/// line) or per household of a village (water).
fn expected(households: &[Household], m: &Manifest) -> Expected {
    let by_number: HashMap<&str, usize> = households
        .iter()
        .enumerate()
        .map(|(i, h)| (h.number.as_str(), i))
        .collect();
    let mut out = Expected::new();
    for s in &m.shocks {
        for cond in &s.conditions {
            assert!(Condition::parse(cond).is_some(), "unknown condition {cond}");
            if let Some(v) = &s.village {
                for (i, h) in households.iter().enumerate() {
                    if h.village.as_str() == v {
                        out.insert((i as u32, None, cond.clone()));
                    }
                }
                continue;
            }
            let h = by_number[s
                .household
                .as_deref()
                .expect("person shock has a household")];
            let member = &households[h].members[s.member.expect("person shock has a member")];
            let person = (cond.as_str() != condition::NEAR_LINE)
                .then(|| PersonId(person_key(&member.id_number)));
            out.insert((h as u32, person, cond.clone()));
        }
    }
    out
}

fn value_kind(n: NoiseKind) -> ValueKind {
    match n {
        NoiseKind::BadCheckDigit => ValueKind::IdNumber,
        NoiseKind::BadDate => ValueKind::Date,
        NoiseKind::NegativeMoney => ValueKind::Money,
        NoiseKind::BadVillageCode => ValueKind::VillageCode,
        other => panic!("{other:?} is not a row error"),
    }
}

/// Everything a feed must satisfy; returns the manifest for further checks.
fn check_feed(households: &[Household], book: &RuleBook, spec: &FeedSpec) -> Manifest {
    let t = thresholds(set_in_force(book));
    let feed = feeds::feed(households, spec, &t).expect("feed generates");
    let m = feed.manifest.clone();
    let kind = spec.kind;
    let (parse, screening, lines) = parse_and_screen(households, book, kind, feed.bytes);
    assert!(
        parse.unknown_columns.is_empty(),
        "{kind:?}: unknown columns"
    );

    // Every row-error noise line is reported with the right column kind, and nothing else.
    let error_lines: BTreeSet<usize> = parse.errors.iter().map(|e| e.line).collect();
    let noise_error_lines: BTreeSet<usize> = m
        .noise
        .iter()
        .filter(|n| n.noise.is_row_error())
        .map(|n| n.line)
        .collect();
    assert_eq!(error_lines, noise_error_lines, "{kind:?}: error lines");
    for n in m.noise.iter().filter(|n| n.noise.is_row_error()) {
        assert!(
            parse
                .errors
                .iter()
                .any(|e| e.line == n.line && e.value_kind == value_kind(n.noise)),
            "{kind:?}: line {} should be a {:?} error",
            n.line,
            n.noise
        );
    }
    assert_eq!(
        parse.rows.len() + noise_error_lines.len(),
        m.rows,
        "{kind:?}: rows"
    );

    // Duplicates are rows equal to the row they copy.
    let row_at: HashMap<usize, &FeedRow> = parse.rows.iter().map(|(l, r)| (*l, r)).collect();
    for n in m.noise.iter().filter(|n| n.noise == NoiseKind::Duplicate) {
        let of = n.copy_of.expect("a duplicate names its original");
        assert_ne!(n.line, of);
        assert_eq!(
            row_at[&n.line], row_at[&of],
            "{kind:?}: duplicate line {}",
            n.line
        );
    }

    // The coverage gap is exactly the unknown-person lines.
    let unknown: BTreeSet<usize> = screening
        .unknown_rows
        .iter()
        .map(|&r| lines[r as usize])
        .collect();
    let planted_unknown: BTreeSet<usize> = m
        .noise
        .iter()
        .filter(|n| n.noise == NoiseKind::UnknownPerson)
        .map(|n| n.line)
        .collect();
    if spec.noise_rate > 0.0 && m.rows > 0 {
        assert!(
            !planted_unknown.is_empty(),
            "{kind:?}: a coverage gap is planted"
        );
    }
    assert_eq!(unknown, planted_unknown, "{kind:?}: coverage gap");
    assert_eq!(screening.stats.after_as_of, 0);
    assert_eq!(screening.stats.no_rule_set, 0);

    // Every planted shock is found, and nothing else is warned.
    let found: Expected = screening
        .warnings
        .iter()
        .map(|w| {
            let cond = w.rule_in(book).condition.code().to_string();
            (w.household, w.person, cond)
        })
        .collect();
    let want = expected(households, &m);
    assert!(
        spec.shocks == 0 || !want.is_empty(),
        "{kind:?}: shocks planted"
    );
    assert_eq!(
        found, want,
        "{kind:?}: warnings are exactly the planted shocks"
    );

    // Each shock's lines are evidence of its warning.
    let evidence: BTreeSet<usize> = screening
        .warnings
        .iter()
        .flat_map(|w| w.evidence.iter().map(|&r| lines[r as usize]))
        .collect();
    for s in &m.shocks {
        assert!(!s.lines.is_empty());
        for l in &s.lines {
            assert!(
                evidence.contains(l),
                "{kind:?}: line {l} of a shock is not evidence"
            );
        }
    }
    m
}

#[test]
fn every_kind_warns_exactly_the_planted_shocks_and_reports_the_noise() {
    let households = population(400);
    let book = shipped_book();
    for kind in FeedKind::ALL {
        let spec = spec(kind, Encoding::Utf8, Headers::Chinese);
        let m = check_feed(&households, &book, &spec);
        assert_eq!(m.shocks.len(), spec.shocks, "{kind:?}: all shocks planted");
        if kind != FeedKind::Assistance {
            assert!(m.background_rows > m.shocks.len(), "{kind:?}: background");
        }
        for n in [
            NoiseKind::UnknownPerson,
            NoiseKind::Duplicate,
            NoiseKind::BadDate,
        ] {
            assert!(m.noise_count(n) >= 1, "{kind:?}: {n:?}");
        }
        let id_noise = if kind == FeedKind::Water {
            NoiseKind::BadVillageCode
        } else {
            NoiseKind::BadCheckDigit
        };
        assert!(m.noise_count(id_noise) >= 1, "{kind:?}: {id_noise:?}");
    }
}

#[test]
fn medical_shocks_cover_stay_year_and_near_line() {
    let households = population(400);
    let book = shipped_book();
    let m = check_feed(
        &households,
        &book,
        &spec(FeedKind::Medical, Encoding::Utf8, Headers::Chinese),
    );
    for c in [
        condition::SELF_PAID_PER_STAY,
        condition::SELF_PAID_12M,
        condition::NEAR_LINE,
    ] {
        assert!(
            m.shocks.iter().any(|s| s.conditions == [c]),
            "a shock of {c} alone"
        );
    }
    // The 12-month shock is built from several rows, none a stay above the threshold.
    let year = m
        .shocks
        .iter()
        .find(|s| s.conditions == [condition::SELF_PAID_12M])
        .expect("a 12-month shock");
    assert!(year.lines.len() > 1);
    // Near-line households have background rows too, settled in full (self-paid 0).
    let t = thresholds(set_in_force(&book));
    let f = feeds::feed(
        &households,
        &spec(FeedKind::Medical, Encoding::Utf8, Headers::Chinese),
        &t,
    )
    .expect("feed");
    let parse = parse_feed_bytes(FeedKind::Medical, f.bytes, as_of());
    let near: std::collections::HashSet<&str> = households
        .iter()
        .filter(|h| t.near_line(h))
        .flat_map(|h| h.members.iter().map(|m| m.id_number.as_str()))
        .collect();
    let covered = parse
        .rows
        .iter()
        .filter(|(_, r)| matches!(r, FeedRow::Medical(m) if m.self_paid_fen == 0 && near.contains(m.id_number.as_str())))
        .count();
    assert!(covered > 0, "near-line background rows");
}

#[test]
fn thresholds_come_from_the_rule_set_not_the_code() {
    // The shipped Guizhou set with other numbers: the generator follows.
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../rules");
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).expect("shipped rule file");
    let guizhou = read("guizhou-2025.toml")
        .replace("self_paid_per_stay = 6000", "self_paid_per_stay = 2500")
        .replace("self_paid_12_months = 50000", "self_paid_12_months = 20000")
        .replace("loss_threshold = 10000", "loss_threshold = 3000")
        .replace("outage_days_limit = 36", "outage_days_limit = 20")
        .replace(
            "house_damage = [\"严重\", \"倒塌\"]",
            "house_damage = [\"倒塌\"]",
        );
    let sets = vec![
        RuleSet::parse(&read("national-2021.toml"), "national-2021.toml").expect("valid"),
        RuleSet::parse(&guizhou, "guizhou-2025.toml").expect("valid edited set"),
    ];
    let book = RuleBook::new(sets).expect("consistent book");
    assert_eq!(
        set_in_force(&book)
            .medical
            .as_ref()
            .map(|m| m.self_paid_per_stay_fen),
        Some(250_000)
    );
    let households = population(300);
    for kind in [FeedKind::Medical, FeedKind::Disaster, FeedKind::Water] {
        check_feed(
            &households,
            &book,
            &spec(kind, Encoding::Utf8, Headers::Chinese),
        );
    }
}

#[test]
fn gb18030_bom_and_english_headers_read_the_same_rows() {
    let households = population(200);
    let t = thresholds(set_in_force(&shipped_book()));
    for kind in [FeedKind::Medical, FeedKind::Education, FeedKind::Water] {
        let parse = |encoding, headers| {
            let f = feeds::feed(&households, &spec(kind, encoding, headers), &t).expect("feed");
            (f.bytes.clone(), parse_feed_bytes(kind, f.bytes, as_of()))
        };
        let (utf8, base) = parse(Encoding::Utf8, Headers::Chinese);
        let (gb, gb_parse) = parse(Encoding::Gb18030, Headers::Chinese);
        let (bom, bom_parse) = parse(Encoding::Utf8Bom, Headers::Chinese);
        let (_, en_parse) = parse(Encoding::Utf8, Headers::English);
        assert!(std::str::from_utf8(&gb).is_err(), "GB18030 is not UTF-8");
        let (decoded, bad) = gb18030_decode(&gb);
        assert!(!bad, "GB18030 decodes without errors");
        assert_eq!(decoded.as_bytes(), utf8.as_slice());
        assert!(bom.starts_with(b"\xEF\xBB\xBF"));
        for other in [&gb_parse, &bom_parse, &en_parse] {
            assert_eq!(other.rows, base.rows, "{kind:?}");
            assert_eq!(other.errors.len(), base.errors.len(), "{kind:?}");
        }
    }
}

/// The bytes decoded as GB18030, and whether anything was malformed.
fn gb18030_decode(bytes: &[u8]) -> (String, bool) {
    let (text, _, bad) = encoding_rs::GB18030.decode(bytes);
    (text.into_owned(), bad)
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let households = population(200);
    let t = thresholds(set_in_force(&shipped_book()));
    for kind in FeedKind::ALL {
        let s = spec(kind, Encoding::Gb18030, Headers::Chinese);
        let a = feeds::feed(&households, &s, &t).expect("feed");
        let b = feeds::feed(&households, &s, &t).expect("feed");
        assert_eq!(a, b, "{kind:?}");
        assert_eq!(
            a.table.len(),
            a.manifest.rows + 1,
            "{kind:?}: header and rows"
        );
        let other = FeedSpec { seed: 12, ..s };
        let c = feeds::feed(&households, &other, &t).expect("feed");
        assert_ne!(a.bytes, c.bytes, "{kind:?}");
    }
}

#[test]
fn manifest_names_households_and_positions_never_id_numbers() {
    let households = population(200);
    let t = thresholds(set_in_force(&shipped_book()));
    let f = feeds::feed(
        &households,
        &spec(FeedKind::Vital, Encoding::Utf8, Headers::Chinese),
        &t,
    )
    .expect("feed");
    let json = serde_json::to_string(&f.manifest).expect("manifest serialises");
    let back: Manifest = serde_json::from_str(&json).expect("manifest reads back");
    assert_eq!(back, f.manifest);
    for m in households.iter().flat_map(|h| &h.members) {
        assert!(
            !json.contains(m.id_number.as_str()),
            "an ID number in the manifest"
        );
    }
}

#[test]
fn a_household_without_members_gets_no_row() {
    let mut households = population(60);
    households[0].members.clear();
    let t = thresholds(set_in_force(&shipped_book()));
    for kind in FeedKind::ALL {
        let f = feeds::feed(
            &households,
            &spec(kind, Encoding::Utf8, Headers::Chinese),
            &t,
        )
        .expect("feed");
        assert!(
            f.manifest
                .shocks
                .iter()
                .all(|s| s.household.as_deref() != Some(households[0].number.as_str()))
        );
    }
}

#[test]
fn bad_specs_are_refused() {
    let households = population(50);
    let mut t = thresholds(set_in_force(&shipped_book()));
    let s = spec(FeedKind::Medical, Encoding::Utf8, Headers::Chinese);
    assert_eq!(feeds::feed(&[], &s, &t), Err(FeedSpecError::NoHouseholds));
    let noisy = FeedSpec {
        noise_rate: 1.5,
        ..s.clone()
    };
    assert_eq!(
        feeds::feed(&households, &noisy, &t),
        Err(FeedSpecError::NoiseRate)
    );
    t.self_paid_per_stay_fen = 0;
    assert_eq!(
        feeds::feed(&households, &s, &t),
        Err(FeedSpecError::Threshold("self_paid_per_stay"))
    );
}

fn shared_population() -> &'static [Household] {
    static POPULATION: OnceLock<Vec<Household>> = OnceLock::new();
    POPULATION.get_or_init(|| population(250))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Any seed, shock count, noise rate, encoding and header language:
    /// still exactly the planted warnings and every noise line reported.
    #[test]
    fn any_seed_warns_exactly_the_planted_shocks(
        seed in any::<u64>(),
        shocks in 0usize..40,
        noise_rate in 0.0f64..0.1,
        gb in any::<bool>(),
        english in any::<bool>(),
    ) {
        let book = shipped_book();
        for kind in FeedKind::ALL {
            let spec = FeedSpec {
                seed,
                shocks,
                noise_rate,
                // GB18030 with English headers too: a water file whose only
                // Chinese is 停水 is also valid UTF-8, and the reader must
                // still take it as GB18030.
                ..spec(
                    kind,
                    if gb { Encoding::Gb18030 } else { Encoding::Utf8Bom },
                    if english { Headers::English } else { Headers::Chinese },
                )
            };
            let m = check_feed(shared_population(), &book, &spec);
            prop_assert!(m.shocks.len() <= shocks);
        }
    }
}
