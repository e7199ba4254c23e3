//! Feed import on both backends: bad rows reject the batch (or are left
//! out on request), unknown persons are a counted coverage gap, duplicate
//! rows are stored once, and the same bytes twice is a no-op — per
//! county: a second county loading the same province-wide file gets its
//! own batch, its rows matched to its own people.

mod common;

use chrono::Utc;
use common::{id, setup};
use dixian_app::{FeedFile, OnRowErrors, import_feed};
use dixian_domain::{RegionCode, Role, Scope};
use dixian_screen::{FeedKind, FeedRow};
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

/// Rows of `table`.
async fn count(store: &Store, table: &str) -> i64 {
    let (n,): (i64,) = store
        .pool
        .one(q(format!("SELECT COUNT(*) FROM {table}")))
        .await
        .unwrap();
    n
}

async fn bad_rows_reject_the_batch(backend: Backend) {
    let Some((store, officer, _d)) = setup(backend).await else {
        return;
    };
    let audit_before = count(&store, "audit_log").await;
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
    assert_eq!(count(&store, "feed_batches").await, 0, "no batch row left");
    assert_eq!(
        count(&store, "audit_log").await,
        audit_before,
        "nothing audited"
    );
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
    if backend == Backend::Postgres {
        // keyed there (testing::fresh_store): no ID number, no diagnosis
        // in clear in the stored rows
        let raw: Vec<(Option<String>, String)> = store
            .pool
            .all(q("SELECT id_number, payload FROM feed_rows"))
            .await
            .unwrap();
        assert_eq!(raw.len(), 3, "the rows checked below are there");
        for (idn, payload) in &raw {
            for clear in [
                id("1970-01-01", 11),
                id("1990-09-09", 17),
                "肺炎".into(),
                "骨折".into(),
            ] {
                assert!(
                    !payload.contains(&clear) && !idn.as_deref().unwrap_or("").contains(&clear)
                );
            }
            assert!(payload.starts_with("v1:"));
        }
    }
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

/// A valid ID number of `county`.
fn id_in(county: &str, birth: &str, seq: u16) -> String {
    let d = chrono::NaiveDate::parse_from_str(birth, "%Y-%m-%d").unwrap();
    dixian_domain::IdNumber::from_parts(county, d, seq)
        .unwrap()
        .as_str()
        .to_string()
}

async fn batch_rows(store: &Store, batch: i64) -> Vec<(Option<String>, Option<i64>)> {
    let rows: Vec<(Option<String>, Option<i64>)> = store
        .pool
        .all(
            q("SELECT id_number, household_id FROM feed_rows WHERE batch_id = $1 ORDER BY line")
                .bind(batch),
        )
        .await
        .unwrap();
    // sealed on PostgreSQL (a keyed test store): opened with its key
    rows.into_iter()
        .map(|(id, h)| {
            let id = store
                .pool
                .data()
                .open_opt("feed_rows.id_number", id)
                .unwrap();
            (id, h)
        })
        .collect()
}

fn loaded(r: &dixian_app::FeedImportReport) -> dixian_store::feeds::BatchSummary {
    match &r.outcome {
        Some(BatchOutcome::Loaded(s)) => s.clone(),
        other => panic!("loaded: {other:?}"),
    }
}

/// County A (520526) and county B (520527) each load one province-wide
/// file: each gets its own batch, each batch's rows are matched to that
/// county's people only; the same bytes again are "already loaded" with
/// the county's own batch; an `Idempotency-Key` is the county's own; a
/// village-level row of B's village in A's batch is not evidence for B.
async fn same_file_in_two_counties(backend: Backend) {
    let Some((store, officer_a, _d)) = setup(backend).await else {
        return;
    };
    let divisions =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/divisions");
    let county_b = RegionCode::parse("520527").unwrap();
    dixian_store::regions::import(&store.pool, &divisions, Some(&county_b), |_, _, _| {})
        .await
        .unwrap();
    let village_b = dixian_store::regions::villages_in(&store.pool, &county_b)
        .await
        .unwrap()
        .first()
        .expect("county 520527 has villages")
        .code
        .clone();
    let person_a = id("1970-01-01", 11);
    let person_b = id_in("520527", "1982-02-02", 21);
    let mut hb = common::household("B1", &person_b);
    hb.village = RegionCode::parse(&village_b).unwrap();
    let op_b = Actor::operator(county_b.clone());
    let hb_id = dixian_store::households::create(&store.pool, &op_b, &hb)
        .await
        .unwrap();
    let officer_b = common::actor(Role::DataOfficer, "520527");

    // One province-wide 医保 file: a person of A, a person of B, one of neither.
    let province = format!(
        "身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付\n\
         {person_a},王一,2026-03-01,住院,30000,20000,10000\n\
         {person_b},李二,2026-03-02,住院,40000,20000,20000\n\
         {},赵三,2026-03-03,门诊,800,500,300\n",
        id_in("520528", "1990-09-09", 17)
    )
    .into_bytes();
    let a = import_feed(
        &store,
        &officer_a,
        file("province.csv", province.clone()),
        OnRowErrors::Reject,
        Utc::now(),
    )
    .await
    .unwrap();
    let sa = loaded(&a);
    assert_eq!((sa.rows, sa.matched, sa.unknown), (3, 1, 2));
    let b = import_feed(
        &store,
        &officer_b,
        file("province.csv", province.clone()),
        OnRowErrors::Reject,
        Utc::now(),
    )
    .await
    .unwrap();
    let sb = match &b.outcome {
        Some(BatchOutcome::Loaded(s)) => s.clone(),
        other => panic!("county B's load must be its own batch, not {other:?}"),
    };
    assert_ne!(sb.batch_id, sa.batch_id);
    assert_eq!(
        (sb.rows, sb.matched, sb.unknown, sb.duplicates),
        (3, 1, 2, 0)
    );
    let rows_b = batch_rows(&store, sb.batch_id).await;
    assert_eq!(
        rows_b[1],
        (Some(person_b.clone()), Some(hb_id)),
        "B's person matched to B's household"
    );
    assert!(
        rows_b[0].1.is_none() && rows_b[2].1.is_none(),
        "A's person is no match in B"
    );
    let rows_a = batch_rows(&store, sa.batch_id).await;
    assert!(
        rows_a[0].1.is_some() && rows_a[1].1.is_none(),
        "B's person is no match in A"
    );
    // the same bytes again: each county is told of its own batch
    for (actor, own) in [(&officer_a, sa.batch_id), (&officer_b, sb.batch_id)] {
        let again = import_feed(
            &store,
            actor,
            file("again.csv", province.clone()),
            OnRowErrors::Reject,
            Utc::now(),
        )
        .await
        .unwrap();
        assert!(
            matches!(again.outcome, Some(BatchOutcome::AlreadyLoaded { batch_id, .. }) if batch_id == own),
            "already loaded names the county's own batch: {:?}",
            again.outcome
        );
    }
    assert_eq!(feed_rows(&store).await, 6);

    // an Idempotency-Key is the county's own: B's key equal to A's is no
    // refusal (it would tell B that A used it)
    let mut ka = file("ka.csv", format!("身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付\n{person_a},王一,2026-04-01,门诊,10,5,5\n").into_bytes());
    ka.idempotency_key = Some("2026-04-medical".into());
    let mut kb = file("kb.csv", format!("身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付\n{person_b},李二,2026-04-02,门诊,10,5,5\n").into_bytes());
    kb.idempotency_key = Some("2026-04-medical".into());
    loaded(
        &import_feed(&store, &officer_a, ka, OnRowErrors::Reject, Utc::now())
            .await
            .unwrap(),
    );
    let kb = import_feed(&store, &officer_b, kb, OnRowErrors::Reject, Utc::now()).await;
    let kb = kb.expect("another county's key is not this county's");
    assert_eq!(loaded(&kb).matched, 1);

    // a water file naming a village of each county: B's village row in A's
    // batch is a gap of A, never evidence read by B's screening
    let village_a = "520526001001";
    let water = format!("村代码,事件,开始,结束\n{village_a},停水,2026-03-01,2026-03-20\n{village_b},停水,2026-03-01,2026-03-20\n").into_bytes();
    let water_file = |name: &str| FeedFile {
        kind: FeedKind::Water,
        name: name.into(),
        bytes: water.clone(),
        idempotency_key: None,
    };
    let wa = loaded(
        &import_feed(
            &store,
            &officer_a,
            water_file("w.csv"),
            OnRowErrors::Reject,
            Utc::now(),
        )
        .await
        .unwrap(),
    );
    assert_eq!((wa.matched, wa.unknown), (1, 1));
    let wb = loaded(
        &import_feed(
            &store,
            &officer_b,
            water_file("w.csv"),
            OnRowErrors::Reject,
            Utc::now(),
        )
        .await
        .unwrap(),
    );
    assert_eq!((wb.matched, wb.unknown), (1, 1));
    let from = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    for (actor, water_batch) in [(&officer_a, wa.batch_id), (&officer_b, wb.batch_id)] {
        let read = dixian_store::screening::rows_to_screen::<FeedRow>(&store.pool, actor, from)
            .await
            .unwrap();
        let water: Vec<i64> = read
            .iter()
            .filter(|r| r.kind == FeedKind::Water)
            .map(|r| r.batch_id)
            .collect();
        assert_eq!(
            water,
            vec![water_batch],
            "{} screens its own water row only",
            actor.scope.region
        );
        for r in &read {
            assert!(
                batch_of(&store, r.batch_id, actor).await,
                "{} reads a {} row of batch {}, loaded for another county",
                actor.scope.region,
                r.kind,
                r.batch_id
            );
        }
    }
}

/// Whether `batch` was loaded for `actor`'s region.
async fn batch_of(store: &Store, batch: i64, actor: &Actor) -> bool {
    let (region,): (String,) = store
        .pool
        .one(q("SELECT region_code FROM feed_batches WHERE id = $1").bind(batch))
        .await
        .unwrap();
    region == actor.scope.region.as_str()
}

macro_rules! on_both_backends {
    ($($name:ident),+) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

on_both_backends!(
    bad_rows_reject_the_batch,
    good_rows_load_once,
    same_file_in_two_counties
);
