//! Key assistance counties (乡村振兴重点帮扶县) and the evaluation
//! (绩效评价), on both backends, against a fixture counted by hand:
//!
//! | hh | county | category | housing | water |
//! | -- | -- | -- | -- | -- |
//! | H1 | 520526 威宁 (key, national 2021) | unstable | B | secure |
//! | H2 | 520526 威宁 | marginal | D (危房) | insecure |
//! | H3 | 520521 大方 (not key) | marginal | B | secure |
//!
//! No measure, no case: every monitored household is without a measure.
//!
//! The evaluation (rule set of the test, below): housing coverage weight
//! 30 (full at 100 %, none at 0 %), water coverage weight 10 (full at
//! 100 %, none at 50 %), without a measure weight 40 (full at 0 %, none at
//! 100 %), identification median weight 20 (full at 10 days, none at 30;
//! nothing approved, so it does not apply). By hand:
//!
//! - 威宁: housing 1/2 = 50 % → 30 × 50/100 = 15; water 1/2 = 50 % →
//!   10 × 0 = 0; without a measure 2/2 = 100 % → 0. Points 15 of the
//!   weights that apply 30 + 10 + 40 = 80 → score 15 / 80 × 100 = 18.75.
//! - 大方: housing 1/1 → 30; water 1/1 → 10; without 1/1 = 100 % → 0.
//!   Points 40 of 80 → score 50.

mod common;

use chrono::NaiveDate;
use common::{actor, household_in, id, setup};
use dixian_app::evaluation;
use dixian_app::figures::{self, Period};
use dixian_domain::{RegionCode, RegionLevel, Role};
use dixian_screen::{RuleBook, RuleSet};
use dixian_store::db::q;
use dixian_store::key_counties::KeyLevel;
use dixian_store::testing::Backend;
use dixian_store::{Actor, Store, households};
use std::path::PathBuf;

const KEY: &str = "520526";
const OTHER: &str = "520521";
const OTHER_VILLAGE: &str = "520521001001";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()
}

fn divisions() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/divisions")
}

fn period() -> Period {
    Period::parse(Some("2026-01"), Some("2026-05"), today()).unwrap()
}

const NATIONAL: &str = include_str!("../../../rules/national-2021.toml");
const GUIZHOU: &str = include_str!("../../../rules/guizhou-2025.toml");

/// The national file without its `[evaluation]`.
fn national_without_evaluation() -> String {
    let at = NATIONAL
        .find("\n[evaluation]\n")
        .expect("the shipped national [evaluation]");
    NATIONAL[..at].to_string()
}

/// The book of the test: the national set without `[evaluation]`, and
/// Guizhou's with the `evaluation` text appended (none: not configured).
fn book(evaluation: Option<&str>) -> RuleBook {
    let national = RuleSet::parse(&national_without_evaluation(), "national.toml").unwrap();
    let guizhou = format!("{GUIZHOU}\n{}", evaluation.unwrap_or(""));
    let guizhou = RuleSet::parse(&guizhou, "guizhou.toml").unwrap();
    RuleBook::new(vec![national, guizhou]).unwrap()
}

const EVALUATION: &str = r#"
[evaluation]

[[evaluation.indicators]]
indicator = "coverage_housing"
weight = 30
full = 100
zero = 0

[[evaluation.indicators]]
indicator = "coverage_water"
weight = 10
full = 100
zero = 50

[[evaluation.indicators]]
indicator = "without_measure"
weight = 40
full = 0
zero = 100

[[evaluation.indicators]]
indicator = "identification_median_days"
weight = 20
full = 10
zero = 30
"#;

async fn fixture(backend: Backend) -> Option<(Store, tempfile::TempDir)> {
    let (store, _, dir) = setup(backend).await?;
    let other = RegionCode::parse(OTHER).unwrap();
    dixian_store::regions::import(&store.pool, &divisions(), Some(&other), |_, _, _| {})
        .await
        .unwrap();
    households::create(
        &store.pool,
        &Actor::operator(other),
        &household_in(OTHER_VILLAGE, "H3", &id("1980-03-03", 31)),
    )
    .await
    .unwrap();
    for (n, c) in [
        ("H1", "unstable_formerly_poor"),
        ("H2", "marginal_at_risk"),
        ("H3", "marginal_at_risk"),
    ] {
        store
            .pool
            .execute(
                q("UPDATE households SET category = $1 WHERE number = $2")
                    .bind(c)
                    .bind(n),
            )
            .await
            .unwrap();
    }
    store
        .pool
        .execute(q(
            "UPDATE households SET housing = 'D', water = 'insecure' WHERE number = 'H2'",
        ))
        .await
        .unwrap();
    let file = format!("code,level,year\n{KEY},国家,2021\n");
    let done = dixian_app::key_counties::import_bytes(
        &store,
        None,
        file.into_bytes(),
        "test.csv",
        today(),
    )
    .await
    .unwrap();
    assert_eq!((done.added, done.kept, done.removed), (1, 0, 0));
    Some((store, dir))
}

async fn key_county_aggregate_is_the_hand_sum(backend: Backend) {
    let Some((store, _dir)) = fixture(backend).await else {
        return;
    };
    let book = book(None);
    figures::rebuild(&store, &book, today()).await.unwrap();
    let viewer = actor(Role::Viewer, "52");

    // The province: the key aggregate holds 威宁 only (H1, H2).
    let r = figures::report(&store, &viewer, &book, "52", &period(), today())
        .await
        .unwrap();
    assert_eq!(r.total.monitored_households, 3, "all three");
    let k = r
        .key_counties
        .as_ref()
        .expect("the province's key counties");
    assert_eq!(
        k.counties
            .iter()
            .map(|c| c.county_code.as_str())
            .collect::<Vec<_>>(),
        vec![KEY]
    );
    assert_eq!(k.counties[0].level, KeyLevel::National);
    assert_eq!(k.figures.households, 2);
    assert_eq!(k.figures.monitored_households, 2);
    assert_eq!(k.figures.monitored_persons, 2);
    assert_eq!(k.figures.without_measure, 2);
    let housing = k
        .figures
        .coverage
        .iter()
        .find(|c| c.guarantee == "housing")
        .unwrap();
    assert_eq!((housing.covered, housing.of), (1, 2));
    let cats: Vec<(String, i64)> = k
        .figures
        .by_category
        .iter()
        .map(|c| (c.code.clone(), c.households))
        .collect();
    assert_eq!(
        cats,
        vec![
            ("marginal_at_risk".to_string(), 1),
            ("unstable_formerly_poor".to_string(), 1)
        ]
    );
    // … the same figures as the county's own report.
    let own = figures::report(&store, &viewer, &book, KEY, &period(), today())
        .await
        .unwrap();
    assert_eq!(own.key_county, Some(KeyLevel::National));
    assert!(own.key_counties.is_none(), "a county has no key aggregate");
    assert_eq!(k.figures, own.total);

    // The city: each child county marked, the key one only.
    let city = figures::report(&store, &viewer, &book, "5205", &period(), today())
        .await
        .unwrap();
    let marks: Vec<(&str, Option<KeyLevel>, i64)> = city
        .children
        .iter()
        .map(|c| {
            (
                c.region.code.as_str(),
                c.key_county,
                c.figures.monitored_households,
            )
        })
        .collect();
    assert_eq!(
        marks,
        vec![(OTHER, None, 1), (KEY, Some(KeyLevel::National), 2)]
    );
    assert_eq!(
        city.key_counties
            .as_ref()
            .unwrap()
            .figures
            .monitored_households,
        2
    );
    // The workbook has the key counties' line and the mark.
    let rows: Vec<Vec<String>> = city
        .children
        .iter()
        .map(|c| figures::report_row(&c.region.code, &figures::marked_name(c), &c.figures))
        .collect();
    assert_eq!(
        rows[1][1],
        "威宁彝族回族苗族自治县（国家乡村振兴重点帮扶县）"
    );

    // A reader of the other county sees no key county inside its scope.
    let other = actor(Role::Viewer, OTHER);
    let r = figures::report(&store, &other, &book, "52", &period(), today())
        .await
        .unwrap();
    assert_eq!(r.total.monitored_households, 1);
    assert!(r.key_counties.is_none());

    // Taken off the list: no aggregate, no mark (the list is part of the
    // cache key, so the next read sees it).
    let done = dixian_app::key_counties::import_bytes(
        &store,
        None,
        format!("code,level,year\n{OTHER},national,2021\n").into_bytes(),
        "second.csv",
        today(),
    )
    .await
    .unwrap();
    assert_eq!((done.added, done.kept, done.removed), (1, 0, 1));
    let city = figures::report(&store, &viewer, &book, "5205", &period(), today())
        .await
        .unwrap();
    assert_eq!(city.children[0].key_county, Some(KeyLevel::National));
    assert_eq!(city.children[1].key_county, None);
    assert_eq!(
        city.key_counties
            .as_ref()
            .unwrap()
            .figures
            .monitored_households,
        1
    );
    let all = dixian_app::key_counties::list(&store).await.unwrap();
    let key = all.iter().find(|k| k.county_code == KEY).unwrap();
    assert_eq!(key.removed_on, Some(today()), "kept, marked removed");
}

async fn evaluation_scores_are_the_hand_count(backend: Backend) {
    let Some((store, _dir)) = fixture(backend).await else {
        return;
    };
    let book = book(Some(EVALUATION));
    figures::rebuild(&store, &book, today()).await.unwrap();
    let viewer = actor(Role::Viewer, "52");
    let e = evaluation::evaluate(&store, &viewer, &book, "5205", &period(), today())
        .await
        .unwrap();
    assert!(e.rule_set.as_deref().unwrap().contains("贵州"));
    let scores: Vec<(&str, Option<f64>, f64, f64)> = e
        .children
        .iter()
        .map(|c| (c.region.code.as_str(), c.score, c.points, c.weights))
        .collect();
    assert_eq!(
        scores,
        vec![
            (OTHER, Some(50.0), 40.0, 80.0),
            (KEY, Some(18.75), 15.0, 80.0)
        ],
        "best first"
    );
    let key = &e.children[1];
    assert_eq!(key.key_county, Some(KeyLevel::National));
    let lines: Vec<(&str, Option<f64>, Option<f64>, f64, f64)> = key
        .indicators
        .iter()
        .map(|i| (i.indicator.as_str(), i.value, i.points, i.full, i.weight))
        .collect();
    assert_eq!(
        lines,
        vec![
            ("coverage_housing", Some(50.0), Some(15.0), 100.0, 30.0),
            ("coverage_water", Some(50.0), Some(0.0), 100.0, 10.0),
            ("without_measure", Some(100.0), Some(0.0), 0.0, 40.0),
            ("identification_median_days", None, None, 10.0, 20.0),
        ]
    );
    // The city itself: housing 2/3, water 2/3, without 3/3.
    let own = e.total.as_ref().unwrap();
    assert_eq!(own.indicators[0].value, Some(66.67));
    assert_eq!(own.indicators[0].points, Some(20.0));
    // water: 66.67 % between 50 (0) and 100 (10) → 3.33
    assert_eq!(own.indicators[1].points, Some(3.33));
    assert_eq!(own.score, Some(29.16));
    // The province scores its counties (not its cities): the same two
    // scores, the city's figures read per county.
    let e = evaluation::evaluate(&store, &viewer, &book, "52", &period(), today())
        .await
        .unwrap();
    let scored: Vec<(&str, Option<f64>)> = e
        .children
        .iter()
        .filter(|c| c.score.is_some())
        .map(|c| (c.region.code.as_str(), c.score))
        .collect();
    assert_eq!(scored, vec![(OTHER, Some(50.0)), (KEY, Some(18.75))]);
    assert!(e.children.iter().all(|c| c.region.code.len() == 6));
    assert_eq!(
        e.children
            .iter()
            .find(|c| c.region.code == KEY)
            .unwrap()
            .key_county,
        Some(KeyLevel::National)
    );
    // A reader of one county evaluating the province: that county only.
    let one = evaluation::evaluate(
        &store,
        &actor(Role::Viewer, KEY),
        &book,
        "52",
        &period(),
        today(),
    )
    .await
    .unwrap();
    assert_eq!(
        one.children
            .iter()
            .map(|c| c.region.code.as_str())
            .collect::<Vec<_>>(),
        vec![KEY]
    );
    // The workbook: a row per child, the region last.
    let bytes = evaluation::workbook(&e).unwrap();
    assert!(bytes.starts_with(b"PK"));

    // Outside the reader's scope: absent, as for the figures.
    let other = actor(Role::Viewer, OTHER);
    assert!(
        evaluation::evaluate(&store, &other, &book, KEY, &period(), today())
            .await
            .is_err()
    );
    // Without an [evaluation] in force: not configured, nothing scored.
    let bare = book_without();
    let e = evaluation::evaluate(&store, &viewer, &bare, "5205", &period(), today())
        .await
        .unwrap();
    assert_eq!(e.rule_set, None);
    assert!(e.children.is_empty() && e.total.is_none());
    assert!(evaluation::workbook(&e).is_err());
}

fn book_without() -> RuleBook {
    book(None)
}

async fn a_bad_file_stores_nothing(backend: Backend) {
    let Some((store, _dir)) = fixture(backend).await else {
        return;
    };
    let before: (i64,) = store
        .pool
        .one(q("SELECT COUNT(*) FROM key_counties"))
        .await
        .unwrap();
    let file = format!(
        "区划代码,名称,级别,年份\n{OTHER},大方县,国家,2021\n520599,某县,国家,2021\n{OTHER},大方县,市级,2021\n{KEY},纳雍县,national,2021\n"
    );
    let err =
        dixian_app::key_counties::import_bytes(&store, None, file.into_bytes(), "bad.csv", today())
            .await
            .unwrap_err()
            .to_string();
    assert!(err.contains("line 3") && err.contains("code"), "{err}");
    assert!(err.contains("line 4") && err.contains("level"), "{err}");
    assert!(err.contains("line 5") && err.contains("name"), "{err}");
    assert!(!err.contains("line 2"), "{err}");
    let after: (i64,) = store
        .pool
        .one(q("SELECT COUNT(*) FROM key_counties"))
        .await
        .unwrap();
    assert_eq!(before, after, "all or nothing");
    let all = dixian_app::key_counties::list(&store).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].county_code, KEY);
}

macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

both_backends!(
    key_county_aggregate_is_the_hand_sum,
    evaluation_scores_are_the_hand_count,
    a_bad_file_stores_nothing,
);

/// The shipped list: every code a county of the division files with the
/// name the file gives, in Guizhou (52), on the 2021 national list.
#[test]
fn shipped_list_matches_the_division_files() {
    let counties =
        dixian_store::regions::read_level(&divisions(), RegionLevel::County, None).unwrap();
    let (_, text) = dixian_app::key_counties::SHIPPED;
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("code,name,level,year"));
    let mut n = 0;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), 4, "{line}");
        let (code, name) = (cells[0], cells[1]);
        let found = counties
            .iter()
            .find(|(c, _, _)| c == code)
            .unwrap_or_else(|| panic!("{code} is in the division file"));
        assert_eq!(found.1, name, "{code}'s name");
        assert!(code.starts_with("52"), "{code} is in Guizhou");
        assert_eq!(&cells[2..], ["national", "2021"], "{line}");
        n += 1;
    }
    assert!(n >= 1 && text.contains("520526,威宁彝族回族苗族自治县"));
}
