//! County-wide lists kept fast (issue 13, docs/benchmarks.md "County-wide
//! pages") give the same answers as counting every row: on both backends,
//! a hand-countable county of 25 warnings in four villages of two
//! townships — the list totals and per-township open counts (summed from
//! `warning_counts`) against the hand counts, after dismissals, a
//! verification and a household moving village; keyset paging returns
//! every row once, in the list's order, as offset paging does; the region
//! page's counts (from the figures' counters) equal the hand counts and
//! the old per-request count over households.

mod common;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use common::{VILLAGE_A, VILLAGE_B, actor, date, household_in, id, setup};
use dixian_app::{FeedFile, OnRowErrors, import_feed, registry, run_screening};
use dixian_domain::{RegionCode, Role};
use dixian_screen::{FeedKind, RuleBook};
use dixian_store::db::q;
use dixian_store::households;
use dixian_store::testing::Backend;
use dixian_store::warnings::{self, WarningFilter, WarningRow};
use dixian_store::{Actor, Store};

/// 五里岗社区 and 燎原社区, villages of the second township (520526002).
const VILLAGE_C: &str = "520526002001";
const VILLAGE_D: &str = "520526002002";
const TOWNSHIP_1: &str = "520526001";
const TOWNSHIP_2: &str = "520526002";
const COUNTY: &str = "520526";

fn at(d: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(4, 0, 0).unwrap())
}

/// Households added to [`setup`]'s H1 and H2 (village A), one person each:
/// (village, how many). With H1 and H2: A 12, B 8, C 4, D 1 = 25.
const ADDED: [(&str, usize); 4] = [
    (VILLAGE_A, 10),
    (VILLAGE_B, 8),
    (VILLAGE_C, 4),
    (VILLAGE_D, 1),
];

/// The 25 persons (H1, H2 and the added ones), each with one stay above
/// the per-stay threshold on one of nine days: 25 warnings.
async fn county(backend: Backend) -> Option<(Store, tempfile::TempDir, Vec<String>)> {
    let (store, officer, dir) = setup(backend).await?;
    let op = Actor::operator(RegionCode::parse(COUNTY).unwrap());
    let mut persons = vec![id("1970-01-01", 11), id("1975-05-05", 13)];
    let mut n = 0u16;
    for (village, count) in ADDED {
        for _ in 0..count {
            n += 1;
            let person = id("1980-03-03", 100 + n);
            households::create(
                &store.pool,
                &op,
                &household_in(village, &format!("K{n:02}"), &person),
            )
            .await
            .unwrap();
            persons.push(person);
        }
    }
    let rows: Vec<String> = persons
        .iter()
        .enumerate()
        .map(|(i, p)| format!("{p},某,2025-01-0{},住院,14000,0,7000,", 1 + i % 9))
        .collect();
    let text = format!(
        "身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付,诊断\n{}\n",
        rows.join("\n")
    );
    let file = FeedFile {
        kind: FeedKind::Medical,
        name: "medical.csv".into(),
        bytes: text.into_bytes(),
        idempotency_key: None,
    };
    let as_of = date(2025, 1, 10);
    let r = import_feed(&store, &officer, file, OnRowErrors::Reject, at(as_of))
        .await
        .unwrap();
    assert!(r.errors.is_empty(), "clean file");
    let book = dixian_app::rule_book(&store, Utc::now()).await.unwrap();
    let run = run_screening(&store, &officer, &book, as_of, at(as_of), 2)
        .await
        .unwrap();
    assert_eq!(run.run.warnings_raised, 25);
    Some((store, dir, persons))
}

fn filter(status: &str) -> WarningFilter {
    WarningFilter {
        status: Some(status.into()),
        ..WarningFilter::default()
    }
}

async fn total(store: &Store, reader: &Actor, status: &str) -> i64 {
    warnings::list(&store.pool, reader, &filter(status))
        .await
        .unwrap()
        .1
}

/// Every row of the list by keyset pages of `per_page`, and the same by
/// offset pages.
async fn paged(
    store: &Store,
    reader: &Actor,
    status: &str,
    per_page: i64,
) -> (Vec<WarningRow>, Vec<WarningRow>) {
    let mut by_key = Vec::new();
    let mut f = WarningFilter {
        per_page: Some(per_page),
        ..filter(status)
    };
    for _ in 0..100 {
        let (rows, _) = warnings::list(&store.pool, reader, &f).await.unwrap();
        assert!(rows.len() as i64 <= per_page);
        let Some(last) = rows.last() else { break };
        f.after = Some(warnings::cursor(last));
        by_key.extend(rows);
    }
    let mut by_offset = Vec::new();
    for page in 1..100 {
        let f = WarningFilter {
            per_page: Some(per_page),
            page: Some(page),
            ..filter(status)
        };
        let (rows, _) = warnings::list(&store.pool, reader, &f).await.unwrap();
        if rows.is_empty() {
            break;
        }
        by_offset.extend(rows);
    }
    (by_key, by_offset)
}

async fn warning_ids_of(store: &Store, village: &str) -> Vec<(i64, i64)> {
    store
        .pool
        .all(
            q(
                "SELECT w.id, w.version FROM warnings w JOIN households h ON h.id = w.household_id
               WHERE h.village_code = $1 ORDER BY w.id",
            )
            .bind(village),
        )
        .await
        .unwrap()
}

async fn totals_and_counts_match_the_hand_count(backend: Backend) {
    let Some((store, _d, _)) = county(backend).await else {
        return;
    };
    let county_admin = actor(Role::CountyAdmin, COUNTY);
    let township_1 = actor(Role::TownshipReviewer, TOWNSHIP_1);
    let cadre_d = actor(Role::VillageCadre, VILLAGE_D);
    assert_eq!(total(&store, &county_admin, "open").await, 25);
    assert_eq!(total(&store, &county_admin, "all").await, 25);
    assert_eq!(total(&store, &township_1, "open").await, 20);
    assert_eq!(total(&store, &cadre_d, "open").await, 1);
    assert_eq!(
        warnings::open_counts(&store.pool, &county_admin)
            .await
            .unwrap(),
        vec![(TOWNSHIP_1.to_string(), 20), (TOWNSHIP_2.to_string(), 5)]
    );

    // Two of village B dismissed, one of village C verified.
    let cadre_b = actor(Role::VillageCadre, VILLAGE_B);
    for (wid, version) in warning_ids_of(&store, VILLAGE_B).await.into_iter().take(2) {
        warnings::dismiss(
            &store.pool,
            &cadre_b,
            wid,
            version,
            "已核实无风险",
            Utc::now(),
        )
        .await
        .unwrap();
    }
    let cadre_c = actor(Role::VillageCadre, VILLAGE_C);
    let book = RuleBook::shipped();
    let policy = book.sets()[0].workflow.clone();
    let (wid, version) = warning_ids_of(&store, VILLAGE_C).await[0];
    warnings::verify(&store.pool, &cadre_c, wid, version, "", Utc::now(), &policy)
        .await
        .unwrap();
    assert_eq!(total(&store, &county_admin, "open").await, 22);
    assert_eq!(total(&store, &county_admin, "dismissed").await, 2);
    assert_eq!(total(&store, &county_admin, "verified").await, 1);
    assert_eq!(total(&store, &county_admin, "all").await, 25);
    assert_eq!(total(&store, &township_1, "open").await, 18);
    assert_eq!(total(&store, &cadre_c, "open").await, 3);
    assert_eq!(
        warnings::open_counts(&store.pool, &county_admin)
            .await
            .unwrap(),
        vec![(TOWNSHIP_1.to_string(), 18), (TOWNSHIP_2.to_string(), 4)]
    );
    let risk = WarningFilter {
        risk: Some("illness".into()),
        ..filter("open")
    };
    assert_eq!(
        warnings::list(&store.pool, &county_admin, &risk)
            .await
            .unwrap()
            .1,
        22
    );
    let other = WarningFilter {
        risk: Some("disaster".into()),
        ..filter("open")
    };
    assert_eq!(
        warnings::list(&store.pool, &county_admin, &other)
            .await
            .unwrap()
            .1,
        0
    );

    // K21 (village C, open warning) moves to village D: its warning counts there.
    let op = Actor::operator(RegionCode::parse(COUNTY).unwrap());
    let hid = common::household_id(&store, "K21").await;
    let stored = households::get(&store.pool, &op, hid).await.unwrap();
    let mut moved = stored.household.clone();
    moved.village = RegionCode::parse(VILLAGE_D).unwrap();
    households::update(&store.pool, &op, hid, stored.version, &moved)
        .await
        .unwrap();
    assert_eq!(total(&store, &cadre_d, "open").await, 2);
    assert_eq!(total(&store, &cadre_c, "open").await, 2);
    assert_eq!(total(&store, &county_admin, "open").await, 22);
    // The list of D shows both, with the counts; C's only its own.
    let (rows, n) = warnings::list(&store.pool, &cadre_d, &filter("open"))
        .await
        .unwrap();
    assert_eq!((rows.len(), n), (2, 2));
    assert!(rows.iter().all(|w| w.village_code == VILLAGE_D));

    // The counters equal a count of the rows, village by village.
    let kept: Vec<(String, String, i64)> = store
        .pool
        .all(q(
            "SELECT village_code, status, CAST(SUM(n) AS BIGINT) FROM warning_counts
             GROUP BY village_code, status HAVING SUM(n) > 0 ORDER BY 1, 2",
        ))
        .await
        .unwrap();
    let counted: Vec<(String, String, i64)> = store
        .pool
        .all(q(
            "SELECT h.village_code, w.status, COUNT(*) FROM warnings w JOIN households h ON h.id = w.household_id
             GROUP BY h.village_code, w.status ORDER BY 1, 2",
        ))
        .await
        .unwrap();
    assert_eq!(kept, counted);
    assert_eq!(
        kept,
        vec![
            (VILLAGE_A.to_string(), "open".to_string(), 12),
            (VILLAGE_B.to_string(), "dismissed".to_string(), 2),
            (VILLAGE_B.to_string(), "open".to_string(), 6),
            (VILLAGE_C.to_string(), "open".to_string(), 2),
            (VILLAGE_C.to_string(), "verified".to_string(), 1),
            (VILLAGE_D.to_string(), "open".to_string(), 2),
        ]
    );
}

async fn keyset_pages_return_every_row_once(backend: Backend) {
    let Some((store, _d, _)) = county(backend).await else {
        return;
    };
    let county_admin = actor(Role::CountyAdmin, COUNTY);
    let township_2 = actor(Role::TownshipReviewer, TOWNSHIP_2);
    let cadre_d = actor(Role::VillageCadre, VILLAGE_D);
    for (reader, want) in [(&county_admin, 25), (&township_2, 5), (&cadre_d, 1)] {
        for per_page in [1, 4, 7, 50] {
            let (by_key, by_offset) = paged(&store, reader, "open", per_page).await;
            assert_eq!(by_key.len(), want, "per page {per_page}");
            let mut ids: Vec<i64> = by_key.iter().map(|w| w.id).collect();
            let in_order: Vec<(i64, NaiveDate, i64)> = by_key
                .iter()
                .map(|w| (w.severity.rank(), w.last_date, w.id))
                .collect();
            let mut sorted = in_order.clone();
            sorted.sort_by(|a, b| b.cmp(a));
            assert_eq!(in_order, sorted, "most severe, newest, highest id first");
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), want, "no row twice");
            let offset_ids: Vec<i64> = by_offset.iter().map(|w| w.id).collect();
            let key_ids: Vec<i64> = by_key.iter().map(|w| w.id).collect();
            assert_eq!(key_ids, offset_ids, "the same order as offset pages");
        }
    }
    // Nine days, 25 rows: ties on the date are broken by id.
    let (rows, _) = paged(&store, &county_admin, "all", 50).await;
    assert_eq!(rows[0].last_date, date(2025, 1, 9));
    assert_eq!(rows.last().unwrap().last_date, date(2025, 1, 1));
    // A bad cursor is refused, naming it.
    let bad = WarningFilter {
        after: Some("3.not-a-date.1".into()),
        ..filter("open")
    };
    let e = warnings::list(&store.pool, &county_admin, &bad)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("cursor"), "{e}");
}

async fn region_counts_match_the_hand_count(backend: Backend) {
    let Some((store, _d, _)) = county(backend).await else {
        return;
    };
    // Three households of village A and one of C monitored.
    for number in ["H1", "K01", "K02", "K21"] {
        store
            .pool
            .execute(
                q("UPDATE households SET category = 'marginal_at_risk' WHERE number = $1")
                    .bind(number),
            )
            .await
            .unwrap();
    }
    let book = RuleBook::shipped();
    let today = date(2025, 1, 10);
    let county_admin = actor(Role::CountyAdmin, COUNTY);
    let v = registry::region(&store, &county_admin, &book, COUNTY, today)
        .await
        .unwrap();
    let mine: Vec<(String, i64, i64, i64)> = v
        .children
        .iter()
        .filter(|c| c.households > 0)
        .map(|c| (c.region.code.clone(), c.households, c.persons, c.monitored))
        .collect();
    assert_eq!(
        mine,
        vec![
            (TOWNSHIP_1.to_string(), 20, 20, 3),
            (TOWNSHIP_2.to_string(), 5, 5, 1)
        ]
    );
    // The old count over households gives the same.
    let code = RegionCode::parse(COUNTY).unwrap();
    let old = households::counts_by_child(&store.pool, &county_admin, &code)
        .await
        .unwrap();
    assert_eq!(old, mine);
    // A township reviewer reading the county sees only its branch.
    let township_2 = actor(Role::TownshipReviewer, TOWNSHIP_2);
    let v = registry::region(&store, &township_2, &book, COUNTY, today)
        .await
        .unwrap();
    let branch: Vec<(String, i64, i64)> = v
        .children
        .iter()
        .map(|c| (c.region.code.clone(), c.households, c.monitored))
        .collect();
    assert_eq!(branch, vec![(TOWNSHIP_2.to_string(), 5, 1)]);
    // A write is seen at the next read (the village recounted).
    store
        .pool
        .execute(q(
            "UPDATE households SET category = NULL WHERE number = 'K21'",
        ))
        .await
        .unwrap();
    let v = registry::region(&store, &township_2, &book, TOWNSHIP_2, today)
        .await
        .unwrap();
    let villages: Vec<(String, i64, i64)> = v
        .children
        .iter()
        .filter(|c| c.households > 0)
        .map(|c| (c.region.code.clone(), c.households, c.monitored))
        .collect();
    assert_eq!(
        villages,
        vec![(VILLAGE_C.to_string(), 4, 0), (VILLAGE_D.to_string(), 1, 0)]
    );
}

macro_rules! on_both_backends {
    ($($name:ident),+) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

on_both_backends!(
    totals_and_counts_match_the_hand_count,
    keyset_pages_return_every_row_once,
    region_counts_match_the_hand_count
);
