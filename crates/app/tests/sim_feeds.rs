//! Synthetic department feeds through the whole stored flow, on both
//! backends: a synthetic population registered, one `sim feeds` file per
//! kind loaded as a batch (bad rows reported and left out, unknown persons
//! counted as the coverage gap, duplicates stored once — as the manifest
//! says), then one screening run: every planted shock has its warning and
//! nothing else is warned; a second run adds nothing.

mod common;

use chrono::{NaiveDate, TimeZone, Utc};
use common::actor;
use dixian_app::{FeedFile, OnRowErrors, import_feed, run_screening};
use dixian_domain::{Household, RegionCode, Role};
use dixian_screen::RuleBook;
use dixian_sim::feeds::{self, Encoding, FeedSpec, Headers, NoiseKind, Thresholds};
use dixian_sim::{PopulationSpec, Township, Village, generate};
use dixian_store::feeds::BatchOutcome;
use dixian_store::testing::Backend;
use dixian_store::warnings::{self, WarningFilter};
use dixian_store::{Actor, households};
use std::collections::BTreeSet;

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
    for h in people.clone() {
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

    // Expected: (household number, condition) of every planted shock; a
    // water shock warns every household of its village.
    let mut expected: BTreeSet<(String, String)> = BTreeSet::new();
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
        for s in &m.shocks {
            for c in &s.conditions {
                match (&s.household, &s.village) {
                    (Some(h), _) => {
                        expected.insert((h.clone(), c.clone()));
                    }
                    (None, Some(v)) => expected.extend(
                        people
                            .iter()
                            .filter(|h| h.village.as_str() == v)
                            .map(|h| (h.number.clone(), c.clone())),
                    ),
                    (None, None) => {}
                }
            }
        }
        let file = FeedFile {
            kind: *kind,
            name: format!("{}.csv", kind.code()),
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
    let total = rows.len() as i64;
    let found: BTreeSet<(String, String)> = rows
        .iter()
        .map(|w| {
            (
                w.household_number.clone(),
                w.rule_condition.code().to_string(),
            )
        })
        .collect();
    assert_eq!(found, expected, "exactly the planted shocks");
    assert_eq!(first.run.warnings_raised, total);
    let again = run_screening(&store, &officer, &book, as_of(), now, 2)
        .await
        .unwrap();
    assert_eq!(again.run.warnings_raised, 0, "a re-run adds nothing");
    assert_eq!(again.hits, first.hits);
    assert_eq!(again.run.warnings_known, again.hits as i64);
}

macro_rules! on_both_backends {
    ($($name:ident),+) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

on_both_backends!(planted_shocks_are_found);
