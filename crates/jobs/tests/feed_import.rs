//! Feed import on both backends: bad rows reject the batch (or are left
//! out on request), unknown persons are a counted coverage gap, duplicate
//! rows are stored once, and the same bytes twice is a no-op.

mod common;

use chrono::Utc;
use common::{id, setup};
use dixian_domain::{RegionCode, Role, Scope};
use dixian_jobs::{FeedFile, OnRowErrors, import_feed};
use dixian_screen::FeedKind;
use dixian_store::feeds::BatchOutcome;
use dixian_store::testing::Backend;
use dixian_store::{Actor, Store, db::q};

/// Lines 2–3 registered, 4 valid but unknown, 5 a bad check digit, 6 a
/// duplicate of line 2.
fn medical_file() -> Vec<u8> {
    let mut bad = id("1980-08-08", 15);
    bad.replace_range(17..18, if bad.ends_with('1') { "2" } else { "1" });
    let rows = [
        format!(
            "{},王一,2026-03-01,住院,30000.00,20000.00,10000.00,肺炎",
            id("1970-01-01", 11)
        ),
        format!("{},李二,2026/3/5,门诊,800,500,300,", id("1975-05-05", 13)),
        format!(
            "{},赵三,20260310,住院,\"12,000.50\",6000,6000.50,骨折",
            id("1990-09-09", 17)
        ),
        format!("{bad},钱四,2026-03-11,住院,1000,500,500,"),
        format!(
            "{},王一,2026-03-01,住院,30000.00,20000.00,10000.00,肺炎",
            id("1970-01-01", 11)
        ),
    ];
    format!(
        "身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付,诊断\n{}\n",
        rows.join("\n")
    )
    .into_bytes()
}

fn file(name: &str, bytes: Vec<u8>) -> FeedFile {
    FeedFile {
        kind: FeedKind::Medical,
        name: name.into(),
        bytes,
        idempotency_key: None,
    }
}

async fn feed_rows(store: &Store) -> i64 {
    let (n,): (i64,) = store
        .pool
        .one(q("SELECT COUNT(*) FROM feed_rows"))
        .await
        .unwrap();
    n
}

async fn bad_rows_reject_the_batch(backend: Backend) {
    let Some((store, officer, _d)) = setup(backend).await else {
        return;
    };
    let r = import_feed(
        &store,
        &officer,
        file("m.csv", medical_file()),
        OnRowErrors::Reject,
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(r.outcome.is_none(), "nothing stored");
    assert_eq!(r.errors.len(), 1);
    assert_eq!((r.errors[0].line, r.errors[0].column), (5, Some(1)));
    assert_eq!(feed_rows(&store).await, 0);
}

async fn good_rows_load_once(backend: Backend) {
    let Some((store, officer, _d)) = setup(backend).await else {
        return;
    };
    let r = import_feed(
        &store,
        &officer,
        file("m.csv", medical_file()),
        OnRowErrors::LoadGoodRows,
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(r.errors.len(), 1, "the bad row is still reported");
    let Some(BatchOutcome::Loaded(s)) = r.outcome else {
        panic!("loaded: {:?}", r.outcome)
    };
    assert_eq!((s.rows, s.matched, s.unknown, s.duplicates), (3, 2, 1, 1));
    assert_eq!(s.unknown_lines, vec![4]);
    assert_eq!(feed_rows(&store).await, 3);
    let (matched,): (i64,) = store
        .pool
        .one(q(
            "SELECT COUNT(*) FROM feed_rows WHERE household_id IS NOT NULL",
        ))
        .await
        .unwrap();
    assert_eq!(matched, 2);
    // the same bytes again: a no-op that says so
    let again = import_feed(
        &store,
        &officer,
        file("m-copy.csv", medical_file()),
        OnRowErrors::LoadGoodRows,
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(
        matches!(again.outcome, Some(BatchOutcome::AlreadyLoaded { batch_id, .. }) if batch_id == s.batch_id)
    );
    assert_eq!(feed_rows(&store).await, 3);
    // a village cadre may not load department data
    let cadre = Actor {
        user_id: None,
        scope: Scope {
            role: Role::VillageCadre,
            region: RegionCode::parse("520526001001").unwrap(),
        },
    };
    let mut other = medical_file();
    other.extend_from_slice(b"\n");
    let denied = import_feed(
        &store,
        &cadre,
        file("m.csv", other),
        OnRowErrors::LoadGoodRows,
        Utc::now(),
    )
    .await;
    assert!(matches!(denied, Err(dixian_store::StoreError::Forbidden)));
    // an upload retried with its Idempotency-Key answers the same; the key
    // reused for other bytes is refused
    let mut keyed = file("k.csv", format!("身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付\n{},王一,2026-04-01,门诊,10,5,5\n", id("1970-01-01", 11)).into_bytes());
    keyed.idempotency_key = Some("upload-1".into());
    let first = import_feed(
        &store,
        &officer,
        keyed.clone(),
        OnRowErrors::Reject,
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(matches!(first.outcome, Some(BatchOutcome::Loaded(_))));
    let retry = import_feed(
        &store,
        &officer,
        keyed.clone(),
        OnRowErrors::Reject,
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(matches!(
        retry.outcome,
        Some(BatchOutcome::AlreadyLoaded { .. })
    ));
    keyed.bytes.extend_from_slice(b"\n");
    let reused = import_feed(&store, &officer, keyed, OnRowErrors::Reject, Utc::now()).await;
    assert!(matches!(reused, Err(dixian_store::StoreError::Invalid(_))));
}

macro_rules! on_both_backends {
    ($($name:ident),+) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

on_both_backends!(bad_rows_reject_the_batch, good_rows_load_once);
