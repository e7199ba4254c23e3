//! Upgrades over data, on both backends: a database written by the schema
//! before migration 6 (feed batches, rows, a screening run that read a
//! batch, a warning resting on a row) keeps every row, id and reference
//! through 0006 (per-region feed keys; SQLite rebuilds two tables), and the new
//! keys hold: the same bytes load again in another county, not twice in
//! one.

use chrono::{NaiveDate, Utc};
use dixian_domain::RegionCode;
use dixian_store::db::q;
use dixian_store::testing::{Backend, empty_store};
use dixian_store::{Actor, Store, households};
use std::path::PathBuf;

const COUNTY: &str = "520526";
const VILLAGE: &str = "520526001001";
/// A village of the neighbouring county 520527, named by a water row of
/// county 520526's batch.
const VILLAGE_ELSEWHERE: &str = "520527100001";
const PHONE: &str = "13800001234";

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
}

async fn count(store: &Store, sql: &str) -> i64 {
    let (n,): (i64,) = store.pool.one(q(sql)).await.unwrap();
    n
}

/// Writes batch 1 (three rows: matched person, water row of a village of
/// another county, unknown person), a run that read it and a warning on
/// row 1, with the schema before migration 6.
async fn old_data(store: &Store, person: &str) -> i64 {
    let county = RegionCode::parse(COUNTY).unwrap();
    let divisions =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/divisions");
    dixian_store::regions::import(&store.pool, &divisions, Some(&county), |_, _, _| {})
        .await
        .unwrap();
    // Written as the schema before 0007 had it (no hash columns).
    let p = &store.pool;
    let (household,): (i64,) = p
        .one(
            q("INSERT INTO households (number, village_code, address, formerly_poor, housing, water, income_wage,
                   head_name, member_count, created_at, updated_at)
               VALUES ('M-1', $1, '某组', FALSE, 'B', 'secure', 20000, '测试', 1, $2, $2) RETURNING id")
            .bind(VILLAGE)
            .bind(Utc::now()),
        )
        .await
        .unwrap();
    p.execute(
        q("INSERT INTO members (household_id, position, id_number, name, relation, labor, illness, insurance,
               employment, phone) VALUES ($1, 0, $2, '测试', 'head', 'full', 'healthy', 'insured', 'farming', $3)")
        .bind(household)
        .bind(person)
        .bind(PHONE),
    )
    .await
    .unwrap();
    p.execute(
        q("INSERT INTO feed_batches (id, kind, sha256, idempotency_key, file_name, region_code, rows_total,
               rows_matched, rows_unknown, rows_duplicate, first_date, last_date, imported_by, imported_at)
           VALUES (1, 'medical', 'f00d', 'key-1', 'm.csv', $1, 3, 2, 1, 0, $2, $3, NULL, $4)")
        .bind(COUNTY)
        .bind(day(1))
        .bind(day(3))
        .bind(Utc::now()),
    )
    .await
    .unwrap();
    for (id, kind, idn, village, hh, key) in [
        (
            1,
            "medical",
            Some(person),
            Some(VILLAGE),
            Some(household),
            "k1",
        ),
        (2, "water", None, Some(VILLAGE_ELSEWHERE), None, "k2"),
        (3, "medical", Some("520528199009090017"), None, None, "k3"),
    ] {
        p.execute(
            q("INSERT INTO feed_rows (id, batch_id, line, kind, id_number, village_code, household_id,
                   event_date, payload, row_key) VALUES ($1, 1, $1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(id)
            .bind(kind)
            .bind(idn)
            .bind(village)
            .bind(hh)
            .bind(day(id as u32))
            .bind(format!("{{\"n\":{id}}}"))
            .bind(key),
        )
        .await
        .unwrap();
    }
    if p.is_postgres() {
        // ids given here, as the identity would have given them
        p.execute(q(
            "SELECT setval(pg_get_serial_sequence('feed_rows', 'id'), 3)",
        ))
        .await
        .unwrap();
    }
    p.execute(
        q("INSERT INTO screening_runs (id, region_code, as_of, rows_screened, warnings_raised, warnings_extended,
               warnings_known, warnings_attached, run_by, started_at, finished_at)
           VALUES (1, $1, $2, 3, 1, 0, 0, 0, NULL, $3, $3)")
        .bind(COUNTY)
        .bind(day(20))
        .bind(Utc::now()),
    )
    .await
    .unwrap();
    p.execute(q(
        "INSERT INTO screening_batches (run_id, batch_id) VALUES (1, 1)",
    ))
    .await
    .unwrap();
    p.execute(
        q("INSERT INTO warnings (id, run_id, household_id, village_code, person_id_number, rule_id,
               rule_set_region, rule_set_from, rule_set_version, rule_set_name, feed_kind, rule_condition,
               risk_type, severity, severity_rank, first_date, last_date, as_of, raised_at, status)
           VALUES (1, 1, $1, $2, $3, 'r1', '52', $4, 1, 'set', 'medical', 'self_paid', 'illness', 'high', 3,
                   $5, $5, $6, $7, 'open')")
        .bind(household)
        .bind(VILLAGE)
        .bind(person)
        .bind(day(1))
        .bind(day(1))
        .bind(day(20))
        .bind(Utc::now()),
    )
    .await
    .unwrap();
    p.execute(q(
        "INSERT INTO warning_evidence (warning_id, feed_row_id) VALUES (1, 1)",
    ))
    .await
    .unwrap();
    household
}

async fn upgrade_keeps_feed_data(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(store) = empty_store(backend, dir.path()).await.unwrap() else {
        return;
    };
    // the schema before 0006 (5: the keyed audit the code of today writes)
    assert_eq!(store.migrate_up_to(5).await.unwrap(), 5);
    let person = dixian_domain::IdNumber::from_parts(COUNTY, day(1), 11)
        .unwrap()
        .as_str()
        .to_string();
    let household = old_data(&store, &person).await;

    assert_eq!(
        store.migrate_up_to(7).await.unwrap(),
        2,
        "0006 and 0007 run"
    );
    assert_eq!(
        store.migrate().await.unwrap(),
        13,
        "0008 (assistance), 0009 (a measure's feed row), 0010 (case attachments), 0011 (figures), \
         0012 (alerts), 0013 (a plan's end), 0014 (feed rows by household), 0015 (warning \
         counts), 0018 (figures' marks per statement), 0019 (key counties), 0020 (jobs), \
         0021 (registry index) and 0022 (the national roll-up's view) run over them"
    );
    assert_eq!(store.migrate().await.unwrap(), 0, "and once");
    // 0011: the village already holding households waits to be counted
    assert_eq!(
        count(
            &store,
            &format!("SELECT COUNT(*) FROM stats_dirty WHERE village_code = '{VILLAGE}'")
        )
        .await,
        1
    );
    // 0021: the same village waits for its registry index
    assert_eq!(
        count(
            &store,
            &format!("SELECT COUNT(*) FROM registry_index_dirty WHERE village_code = '{VILLAGE}'")
        )
        .await,
        1
    );
    // every row, id and reference kept
    assert_eq!(count(&store, "SELECT COUNT(*) FROM feed_batches WHERE id = 1 AND sha256 = 'f00d' AND idempotency_key = 'key-1'").await, 1);
    let rows: Vec<(i64, Option<String>, Option<i64>, String)> = store
        .pool
        .all(q(
            "SELECT id, village_code, household_id, region_code FROM feed_rows ORDER BY id",
        ))
        .await
        .unwrap();
    assert_eq!(
        rows,
        vec![
            (1, Some(VILLAGE.into()), Some(household), COUNTY.into()),
            // a village of another county matched nothing: no village, so
            // that county's screening never reads this county's row
            (2, None, None, COUNTY.into()),
            (3, None, None, COUNTY.into()),
        ]
    );
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM screening_batches WHERE batch_id = 1"
        )
        .await,
        1
    );
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM warning_evidence e JOIN feed_rows r ON r.id = e.feed_row_id JOIN feed_batches b ON b.id = r.batch_id").await,
        1
    );
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM users WHERE last_login_at IS NOT NULL"
        )
        .await,
        0,
        "the column is there"
    );
    if backend == Backend::Sqlite {
        let bad: Vec<(String, i64, String, i64)> =
            store.pool.all(q("PRAGMA foreign_key_check")).await.unwrap();
        assert!(bad.is_empty(), "references intact: {bad:?}");
        let idx: Vec<(String,)> = store
            .pool
            .all(q("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('feed_rows', 'feed_batches') ORDER BY name"))
            .await
            .unwrap();
        let idx: Vec<String> = idx.into_iter().map(|(n,)| n).collect();
        assert_eq!(
            idx,
            [
                "feed_batches_region_key",
                "feed_batches_region_sha256",
                "feed_rows_batch",
                "feed_rows_household",
                "feed_rows_person",
                "feed_rows_region_key",
                "feed_rows_village"
            ]
        );
    }
    // the same bytes, key and row in another county: stored
    let insert_batch = |id: i64,
                        region: &'static str,
                        sha: &'static str,
                        key: Option<&'static str>| {
        q("INSERT INTO feed_batches (id, kind, sha256, idempotency_key, file_name, region_code, rows_total,
               rows_matched, rows_unknown, rows_duplicate, imported_at)
           VALUES ($1, 'medical', $2, $3, 'm.csv', $4, 0, 0, 0, 0, $5)")
        .bind(id)
        .bind(sha)
        .bind(key)
        .bind(region)
        .bind(Utc::now())
    };
    let insert_row = |batch: i64, region: &'static str| {
        q("INSERT INTO feed_rows (batch_id, line, kind, event_date, payload, row_key, region_code)
           VALUES ($1, 1, 'medical', $2, '{}', 'k1', $3)")
        .bind(batch)
        .bind(day(1))
        .bind(region)
    };
    let p = &store.pool;
    p.execute(insert_batch(2, "520527", "f00d", Some("key-1")))
        .await
        .unwrap();
    p.execute(insert_row(2, "520527")).await.unwrap();
    // … but not twice in one county: bytes, key, row
    assert!(
        p.execute(insert_batch(3, COUNTY, "f00d", None))
            .await
            .is_err()
    );
    assert!(
        p.execute(insert_batch(3, COUNTY, "beef", Some("key-1")))
            .await
            .is_err()
    );
    assert!(p.execute(insert_row(1, COUNTY)).await.is_err());
    // batches without a key do not collide
    p.execute(insert_batch(3, COUNTY, "beef", None))
        .await
        .unwrap();
    p.execute(insert_batch(4, COUNTY, "cafe", None))
        .await
        .unwrap();
    // new rows continue after the kept ids
    p.execute(insert_row(3, "520527x")).await.unwrap();
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM feed_rows WHERE id > 3").await,
        2
    );
    // 0007: the member written before it is found by hash, and a data
    // key given now encrypts it (all rows, one transaction, audited)
    let operator = Actor::operator(RegionCode::parse(COUNTY).unwrap());
    let by = |id: &str| households::HouseholdFilter {
        id_number: Some(id.into()),
        ..Default::default()
    };
    for id in [person.as_str(), &person[12..], &person[13..], &person[14..]] {
        let (found, n) = households::list(&store.pool, &operator, &by(id))
            .await
            .unwrap();
        assert_eq!(
            (n, found[0].id),
            (1, household),
            "found by {} characters",
            id.len()
        );
    }
    let key = std::sync::Arc::new(dixian_store::crypto::DataKey::generate());
    let store = store
        .clone()
        .with_data_key(Some(key.clone()))
        .await
        .unwrap();
    let (raw_id, raw_phone): (String, Option<String>) = store
        .pool
        .one(q("SELECT id_number, phone FROM members"))
        .await
        .unwrap();
    // Sealed (hex after the marker: a digit run such as the phone's tail
    // may occur in it by chance, so the marker is what is checked).
    let raw_phone = raw_phone.unwrap();
    assert!(raw_id.starts_with("v1:") && raw_phone.starts_with("v1:"));
    assert!(raw_id != person && raw_phone != PHONE);
    // … and the copies of personal data in feed rows and warnings
    let (feed_id, payload): (Option<String>, String) = store
        .pool
        .one(q("SELECT id_number, payload FROM feed_rows WHERE id = 1"))
        .await
        .unwrap();
    assert!(feed_id.unwrap().starts_with("v1:") && payload.starts_with("v1:"));
    let (warned,): (Option<String>,) = store
        .pool
        .one(q("SELECT person_id_number FROM warnings WHERE id = 1"))
        .await
        .unwrap();
    assert!(warned.unwrap().starts_with("v1:"));
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'encrypt' AND entity = 'data_key'"
        )
        .await,
        1
    );
    let got = households::get(&store.pool, &operator, household)
        .await
        .unwrap();
    assert_eq!(got.household.members[0].id_number.as_str(), person);
    assert_eq!(got.household.members[0].phone.as_deref(), Some(PHONE));
    for id in [person.as_str(), &person[12..], &person[14..]] {
        let (_, n) = households::list(&store.pool, &operator, &by(id))
            .await
            .unwrap();
        assert_eq!(n, 1, "found by {} characters once encrypted", id.len());
    }
}

macro_rules! on_both_backends {
    ($($name:ident),+) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

on_both_backends!(upgrade_keeps_feed_data);
