//! Synthetic department feeds through the whole stored flow, on both
//! backends: a synthetic population registered, one `sim feeds` file per
//! kind loaded as a batch (bad rows reported and left out, unknown persons
//! counted as the coverage gap, duplicates stored once — as the manifest
//! says), then one screening run: every planted shock has its warning —
//! same household, condition, person and evidence lines — and nothing
//! else is warned; a second run adds nothing to the warnings table.

mod common;

use chrono::{NaiveDate, TimeZone, Utc};
use common::actor;
use dixian_app::{FeedFile, OnRowErrors, import_feed, run_screening};
use dixian_domain::{Household, RegionCode, Role};
use dixian_screen::RuleBook;
use dixian_sim::feeds::{self, Encoding, FeedSpec, Headers, NoiseKind, Thresholds};
use dixian_sim::{PopulationSpec, Township, Village, generate};
use dixian_store::db::q;
use dixian_store::feeds::BatchOutcome;
use dixian_store::testing::Backend;
use dixian_store::warnings::{self, WarningFilter};
use dixian_store::{Actor, households};
use std::collections::{BTreeMap, BTreeSet};

/// Real villages of 么站镇, 威宁县 (`shared/data/divisions`).
const VILLAGES: [(&str, &str); 2] = [
    ("520526101203", "联合村村民委员会"),
    ("520526101205", "水塘村村民委员会"),
];

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

fn population() -> Vec<Household> {
    let spec = PopulationSpec {
        townships: vec![Township {
            code: RegionCode::parse("520526101").unwrap(),
            name: "么站镇".into(),
            villages: VILLAGES
                .iter()
                .map(|(c, n)| Village {
                    code: RegionCode::parse(c).unwrap(),
                    name: n.to_string(),
                })
                .collect(),
        }],
        households: 240,
        seed: 11,
        as_of: as_of(),
    };
    let mut out = Vec::new();
    generate(&spec, |h| {
        out.push(h);
        Ok::<_, std::convert::Infallible>(())
    })
    .unwrap();
    out
}

async fn planted_shocks_are_found(backend: Backend) {
    let Some((store, officer, _d)) = common::setup(backend).await else {
        return;
    };
    let county = Actor::operator(RegionCode::parse("520526").unwrap());
    let people = population();
    let mut imp = households::Importer::begin(&store.pool, &county)
        .await
        .unwrap();
    for mut h in people.clone() {
        h.category = None; // a registry import carries no category
        imp.add(h).await.unwrap();
    }
    let (issues, _) = imp.finish(true).await.unwrap();
    assert!(issues.is_empty(), "the synthetic households register");
    let book = RuleBook::shipped();
    let set = book
        .select(&RegionCode::parse("520526").unwrap(), as_of())
        .unwrap();
    let t = Thresholds::of(set).unwrap();
    let now = Utc.from_utc_datetime(&as_of().and_hms_opt(2, 0, 0).unwrap());

    // Expected, per (household number, condition, person's ID): the
    // (file, line)s of its evidence. A water shock warns every household
    // of its village; household conditions (near line, water) name no
    // person (`dixian_screen::Warning::person`), the others the member
    // the shock was planted on.
    type Key = (String, String, Option<String>);
    let mut expected: BTreeMap<Key, BTreeSet<(String, i64)>> = BTreeMap::new();
    let household_condition =
        |c: &str| c == feeds::condition::NEAR_LINE || c == feeds::condition::WATER_OUTAGE;
    for (i, kind) in feeds::FeedKind::ALL.iter().enumerate() {
        let spec = FeedSpec {
            kind: *kind,
            as_of: as_of(),
            seed: 40 + i as u64,
            shocks: 3,
            noise_rate: 0.02,
            encoding: if i % 2 == 0 {
                Encoding::Gb18030
            } else {
                Encoding::Utf8Bom
            },
            headers: Headers::Chinese,
            unregistered_villages: Vec::new(),
        };
        let f = feeds::feed(&people, &spec, &t).unwrap();
        let m = &f.manifest;
        let name = format!("{}.csv", kind.code());
        // A row and its duplicates are stored once, at the first of their
        // lines: the evidence names that line.
        let mut stored_at: BTreeMap<usize, usize> = BTreeMap::new();
        for n in m.noise.iter().filter(|n| n.noise == NoiseKind::Duplicate) {
            let of = n.copy_of.expect("a duplicate names its original");
            let first = stored_at.entry(of).or_insert(of);
            *first = (*first).min(n.line);
        }
        for s in &m.shocks {
            let lines: BTreeSet<(String, i64)> = s
                .lines
                .iter()
                .map(|l| (name.clone(), *stored_at.get(l).unwrap_or(l) as i64))
                .collect();
            let hit: Vec<&Household> = match (&s.household, &s.village) {
                (Some(h), _) => people.iter().filter(|p| &p.number == h).collect(),
                (None, Some(v)) => people.iter().filter(|h| h.village.as_str() == v).collect(),
                // With no unregistered villages in the spec, every shock
                // lands on a registered household or village; a shock on
                // nobody would be a sim change this test must be told of.
                (None, None) => panic!("{name}: a shock on no household: {}", s.description),
            };
            assert!(
                !hit.is_empty(),
                "{name}: shock on an unknown household: {s:?}"
            );
            for c in &s.conditions {
                for h in &hit {
                    let person = match s.member {
                        Some(i) if !household_condition(c) => {
                            Some(h.members[i].id_number.as_str().to_string())
                        }
                        _ => None,
                    };
                    expected
                        .entry((h.number.clone(), c.clone(), person))
                        .or_default()
                        .extend(lines.iter().cloned());
                }
            }
        }
        let file = FeedFile {
            kind: *kind,
            name,
            bytes: f.bytes.clone(),
            idempotency_key: None,
        };
        let r = import_feed(&store, &officer, file, OnRowErrors::LoadGoodRows, now)
            .await
            .unwrap();
        let bad: BTreeSet<usize> = r.errors.iter().map(|e| e.line).collect();
        let noise_bad: BTreeSet<usize> = m
            .noise
            .iter()
            .filter(|n| n.noise.is_row_error())
            .map(|n| n.line)
            .collect();
        assert_eq!(
            bad,
            noise_bad,
            "{}: the bad rows are the noise rows",
            kind.code()
        );
        let Some(BatchOutcome::Loaded(s)) = r.outcome else {
            panic!("{}: loaded", kind.code())
        };
        assert_eq!(
            s.unknown as usize,
            m.noise_count(NoiseKind::UnknownPerson),
            "{}: coverage gap",
            kind.code()
        );
        assert_eq!(
            s.duplicates as usize,
            m.noise_count(NoiseKind::Duplicate),
            "{}: duplicates",
            kind.code()
        );
    }

    let first = run_screening(&store, &officer, &book, as_of(), now, 2)
        .await
        .unwrap();
    let cadre = actor(Role::CountyAdmin, "520526");
    let mut rows = Vec::new();
    for page in 1.. {
        let filter = WarningFilter {
            status: Some("all".into()),
            page: Some(page),
            per_page: Some(200),
            ..WarningFilter::default()
        };
        let (batch, total) = warnings::list(&store.pool, &cadre, &filter).await.unwrap();
        let done = batch.is_empty();
        rows.extend(batch);
        if done {
            assert_eq!(total as usize, rows.len(), "every page read");
            break;
        }
    }
    assert!(
        expected.len() >= 2 * feeds::FeedKind::ALL.len(),
        "shocks were planted in every feed: {}",
        expected.len()
    );
    let evidence: Vec<(i64, String, i64)> = store
        .pool
        .all(q(
            "SELECT e.warning_id, b.file_name, r.line FROM warning_evidence e
             JOIN feed_rows r ON r.id = e.feed_row_id JOIN feed_batches b ON b.id = r.batch_id",
        ))
        .await
        .unwrap();
    let mut lines_of: BTreeMap<i64, BTreeSet<(String, i64)>> = BTreeMap::new();
    for (w, file, line) in evidence {
        lines_of.entry(w).or_default().insert((file, line));
    }
    let mut found: BTreeMap<Key, BTreeSet<(String, i64)>> = BTreeMap::new();
    for w in &rows {
        let key = (
            w.household_number.clone(),
            w.rule_condition.code().to_string(),
            w.person_id_number.clone(),
        );
        let lines = lines_of.get(&w.id).cloned().unwrap_or_default();
        assert!(!lines.is_empty(), "warning {} rests on no row", w.id);
        assert!(
            found.insert(key, lines).is_none(),
            "one warning per household, condition and person: {} {}",
            w.household_number,
            w.rule_condition.code()
        );
    }
    let keys = |m: &BTreeMap<Key, BTreeSet<(String, i64)>>| -> BTreeSet<(String, String, bool)> {
        m.keys()
            .map(|(h, c, p)| (h.clone(), c.clone(), p.is_some()))
            .collect()
    };
    // compared without the ID numbers first, so that a failure names no one
    assert_eq!(keys(&found), keys(&expected), "exactly the planted shocks");
    // then in full; a difference is told by household, condition and lines
    let differences: Vec<String> = expected
        .iter()
        .filter(|(k, lines)| found.get(*k) != Some(*lines))
        .map(|((h, c, p), lines)| {
            let near = found
                .iter()
                .filter(|((fh, fc, _), _)| fh == h && fc == c)
                .map(|((_, _, fp), fl)| format!("same person: {}, lines {fl:?}", fp == p))
                .collect::<Vec<_>>();
            format!("{h} {c}: planted lines {lines:?}; warned: {near:?}")
        })
        .collect();
    assert!(
        differences.is_empty(),
        "each warning names the planted person and rests on the planted lines: {differences:#?}"
    );
    assert_eq!(first.run.warnings_raised, rows.len() as i64);

    // a re-run: judged by the warnings table itself, not the run's counters
    let table = || async {
        let ws: Vec<(i64, String, i64, NaiveDate)> = store
            .pool
            .all(q(
                "SELECT id, status, version, last_date FROM warnings ORDER BY id",
            ))
            .await
            .unwrap();
        let (ev,): (i64,) = store
            .pool
            .one(q("SELECT COUNT(*) FROM warning_evidence"))
            .await
            .unwrap();
        (ws, ev)
    };
    let before = table().await;
    assert_eq!(before.0.len(), rows.len());
    let again = run_screening(&store, &officer, &book, as_of(), now, 2)
        .await
        .unwrap();
    assert_eq!(table().await, before, "a re-run adds and changes nothing");
    assert_eq!(again.run.warnings_raised, 0);
    assert_eq!(again.hits, first.hits);
}

macro_rules! on_both_backends {
    ($($name:ident),+) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

on_both_backends!(planted_shocks_are_found);
