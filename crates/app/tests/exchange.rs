//! The data exchange (docs/exchange.md) on both backends: a sample round
//! trip (households, measures and warnings exported from one store, the
//! households and 民政 measures received by a second store come out of it
//! again), idempotency (a package received twice changes nothing and says
//! so), scope (a partner of another county gets nothing and sends nothing
//! there; a county admin may not exchange), and hostile packages (a wrong
//! version, a broken record, a broken CSV line, too many records) refused
//! with where and why, nothing stored.

mod common;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use common::{VILLAGE_A, actor, date, id, person_b, setup_two_villages};
use dixian_app::exchange::{self, Body, FORMAT, ImportReport, Package, RecordType};
use dixian_app::{AppError, FeedFile, OnRowErrors, import_feed, run_screening};
use dixian_domain::{RegionCode, Role};
use dixian_screen::FeedKind;
use dixian_store::db::q;
use dixian_store::exchange::PageRequest;
use dixian_store::testing::{Backend, fresh_store};
use dixian_store::{Actor, Store, StoreError};
use std::path::PathBuf;

const COUNTY: &str = "520526";

fn at(d: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(4, 0, 0).unwrap())
}

fn county() -> RegionCode {
    RegionCode::parse(COUNTY).unwrap()
}

async fn count(store: &Store, table: &str) -> i64 {
    let (n,): (i64,) = store
        .pool
        .one(q(format!("SELECT COUNT(*) FROM {table}")))
        .await
        .unwrap();
    n
}

/// A store with county 520526's divisions and no household.
async fn empty(backend: Backend) -> Option<(Store, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(backend, dir.path())
        .await
        .expect("fresh database (PostgreSQL must run in CI)")?;
    let divisions =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/divisions");
    dixian_store::regions::import(&store.pool, &divisions, Some(&county()), |_, _, _| {})
        .await
        .unwrap();
    Some((store, dir))
}

/// Store A: H1, H2 (village A), H3 (village B); 民政 grants 低保 to H1's
/// head (600 元/month from 2026-01-01), 特困 to H2's head from 2026-02-01,
/// stopped 2026-05-01; and two hospital stays above the threshold (H1's and
/// H3's heads). The screening raises five warnings: the two stays, the two
/// grants (joint identification) and the stop.
async fn store_a(backend: Backend) -> Option<(Store, Actor, tempfile::TempDir)> {
    let (store, officer, dir) = setup_two_villages(backend).await?;
    let (a, b, c) = (id("1970-01-01", 11), id("1975-05-05", 13), person_b());
    let assistance = format!(
        "身份证号,姓名,救助类型,状态,金额,日期\n{a},王一,低保,新增,600,2026-01-01\n{b},李二,特困,新增,800,2026-02-01\n{b},李二,特困,停发,800,2026-05-01\n"
    );
    let medical = format!(
        "身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付,诊断\n{a},王一,2026-03-01,住院,16000,0,8000,\n{c},赵三,2026-03-02,住院,14000,0,7000,\n"
    );
    for (kind, bytes) in [
        (FeedKind::Assistance, assistance),
        (FeedKind::Medical, medical),
    ] {
        let file = FeedFile {
            kind,
            name: format!("{}.csv", kind.code()),
            bytes: bytes.into_bytes(),
            idempotency_key: None,
        };
        let r = import_feed(
            &store,
            &officer,
            file,
            OnRowErrors::Reject,
            at(date(2026, 6, 1)),
        )
        .await
        .unwrap();
        assert!(r.errors.is_empty() && r.outcome.is_some(), "{:?}", r.errors);
    }
    let book = dixian_app::rule_book(&store, at(date(2026, 6, 1)))
        .await
        .unwrap();
    let run = run_screening(
        &store,
        &officer,
        &book,
        date(2026, 6, 1),
        at(date(2026, 6, 1)),
        2,
    )
    .await
    .unwrap();
    assert_eq!(
        run.run.warnings_raised, 5,
        "two stays, two grants, one stop"
    );
    Some((store, officer, dir))
}

fn officer_of(region: &str) -> Actor {
    actor(Role::DataOfficer, region)
}

/// Every record of `t` in the county, page by page (2 a page: the keyset
/// must carry on).
async fn export_all(store: &Store, who: &Actor, t: RecordType) -> Vec<Package> {
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = PageRequest {
            since: None,
            after: after.clone(),
            limit: Some(2),
        };
        let p = exchange::export_page(store, who, t, &county(), &page, Utc::now())
            .await
            .unwrap();
        assert_eq!(p.format, FORMAT);
        after = p.next.clone();
        pages.push(p);
        if after.is_none() {
            return pages;
        }
        assert!(pages.len() < 10, "the keyset ends");
    }
}

/// One package of every record of `t` (the pages joined).
async fn package(store: &Store, who: &Actor, t: RecordType) -> Vec<u8> {
    let pages = export_all(store, who, t).await;
    let mut p = pages[0].clone();
    p.records = pages.into_iter().flat_map(|p| p.records).collect();
    p.next = None;
    serde_json::to_vec(&p).unwrap()
}

/// The measures as (person, kind, amount, start, end, status), sorted.
async fn measure_facts(
    store: &Store,
    who: &Actor,
) -> Vec<(String, String, Option<i64>, String, Option<String>, String)> {
    let pages = export_all(store, who, RecordType::Measures).await;
    let mut out: Vec<_> = pages
        .into_iter()
        .flat_map(|p| p.records)
        .map(|r| {
            let s = |k: &str| r[k].as_str().map(str::to_string);
            (
                s("person_id_number").unwrap(),
                s("kind").unwrap(),
                r["amount_fen"].as_i64(),
                s("starts_on").unwrap(),
                s("ends_on"),
                s("status").unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

async fn import_json(store: &Store, who: &Actor, bytes: &[u8]) -> Result<ImportReport, AppError> {
    exchange::import(store, who, Body::Json, None, bytes.to_vec(), Utc::now()).await
}

async fn round_trip(backend: Backend) {
    let Some((a, officer, _da)) = store_a(backend).await else {
        return;
    };
    let Some((b, _db)) = empty(backend).await else {
        return;
    };
    // warnings: the two raised, hand-counted, with their persons
    let warnings: Vec<serde_json::Value> = export_all(&a, &officer, RecordType::Warnings)
        .await
        .into_iter()
        .flat_map(|p| p.records)
        .collect();
    let mut got: Vec<(String, String)> = warnings
        .iter()
        .map(|w| {
            let rule = w["rule"].as_str().unwrap();
            (
                w["person_id_number"].as_str().unwrap().to_string(),
                rule[..rule.find('@').unwrap()].to_string(),
            )
        })
        .collect();
    got.sort();
    let (pa, pb, pc) = (id("1970-01-01", 11), id("1975-05-05", 13), person_b());
    let mut want = vec![
        (pa.clone(), "assistance-granted".to_string()),
        (pa, "medical-stay".to_string()),
        (pb.clone(), "assistance-granted".to_string()),
        (pb, "assistance-stopped".to_string()),
        (pc, "medical-stay".to_string()),
    ];
    want.sort();
    assert_eq!(got, want);
    assert!(warnings.iter().all(|w| w["status"] == "open"));

    let exports = |store: &Store| {
        let pool = store.pool.clone();
        async move {
            let (n,): (i64,) = pool
                .one(q("SELECT COUNT(*) FROM audit_log WHERE entity = 'exchange_package' AND action = 'export'"))
                .await
                .unwrap();
            n
        }
    };
    let audited = exports(&a).await;
    let households = package(&a, &officer, RecordType::Households).await;
    assert_eq!(
        exports(&a).await,
        audited + 2,
        "two pages of households, each audited"
    );
    let measures = package(&a, &officer, RecordType::Measures).await;
    let facts_a = measure_facts(&a, &officer).await;
    assert_eq!(
        facts_a,
        vec![
            (
                id("1970-01-01", 11),
                "dibao".into(),
                Some(60_000),
                "2026-01-01".into(),
                None,
                "ongoing".into()
            ),
            (
                id("1975-05-05", 13),
                "tekun".into(),
                Some(80_000),
                "2026-02-01".into(),
                Some("2026-05-01".into()),
                "stopped".into()
            ),
        ]
    );

    let r = import_json(&b, &officer, &households).await.unwrap();
    assert_eq!(
        (r.outcome, r.records, r.stored),
        ("stored", 3, 3),
        "{:?}",
        r.problems
    );
    let r = import_json(&b, &officer, &measures).await.unwrap();
    assert_eq!(
        (r.outcome, r.records, r.stored),
        ("stored", 2, 3),
        "{:?}",
        r.problems
    );
    assert!(r.unplaced.is_empty());

    // the same households and measures come out of B
    let hs = |p: Vec<Package>| {
        let mut v: Vec<serde_json::Value> = p.into_iter().flat_map(|p| p.records).collect();
        v.sort_by_key(|h| h["number"].as_str().unwrap().to_string());
        v
    };
    let from_a = hs(export_all(&a, &officer, RecordType::Households).await);
    let from_b = hs(export_all(&b, &officer, RecordType::Households).await);
    assert_eq!(from_a.len(), 3);
    assert_eq!(from_a, from_b);
    assert_eq!(measure_facts(&b, &officer).await, facts_a);
    // one audit row per package received
    let (n,): (i64,) = b
        .pool
        .one(q("SELECT COUNT(*) FROM audit_log WHERE entity IN ('exchange_package', 'feed_batch') AND action = 'import'"))
        .await
        .unwrap();
    assert_eq!(n, 2);

    // idempotency: both packages again change nothing and say so
    let before = (
        count(&b, "households").await,
        count(&b, "measures").await,
        count(&b, "feed_rows").await,
        count(&b, "audit_log").await,
    );
    let r = import_json(&b, &officer, &households).await.unwrap();
    assert_eq!((r.outcome, r.stored, r.unchanged), ("unchanged", 0, 3));
    let r = import_json(&b, &officer, &measures).await.unwrap();
    assert_eq!((r.outcome, r.stored), ("unchanged", 0));
    let after = (
        count(&b, "households").await,
        count(&b, "measures").await,
        count(&b, "feed_rows").await,
        count(&b, "audit_log").await,
    );
    assert_eq!(before, after);
    assert_eq!(after.0, 3);
    assert_eq!(after.1, 2);

    // `since`: nothing changed after now
    let later = PageRequest {
        since: Some(Utc::now() + chrono::Duration::minutes(1)),
        ..PageRequest::default()
    };
    for t in [
        RecordType::Households,
        RecordType::Measures,
        RecordType::Warnings,
    ] {
        let p = exchange::export_page(&a, &officer, t, &county(), &later, Utc::now())
            .await
            .unwrap();
        assert!(p.records.is_empty(), "{t:?}");
    }
}

/// The same round trip through CSV files, one per record type.
async fn csv_round_trip(backend: Backend) {
    let Some((a, officer, _da)) = store_a(backend).await else {
        return;
    };
    let Some((b, _db)) = empty(backend).await else {
        return;
    };
    let csv_of = |bytes: Vec<u8>| {
        let p: Package = serde_json::from_slice(&bytes).unwrap();
        exchange::to_csv(&p).unwrap()
    };
    let households = csv_of(package(&a, &officer, RecordType::Households).await);
    let measures = csv_of(package(&a, &officer, RecordType::Measures).await);
    let text = String::from_utf8(measures.clone()).unwrap();
    assert_eq!(text.lines().count(), 3, "a header and two measures: {text}");
    assert!(text.starts_with("\u{feff}key,village_code,household_number,person_id_number"));
    let warnings = csv_of(package(&a, &officer, RecordType::Warnings).await);
    assert_eq!(String::from_utf8(warnings).unwrap().lines().count(), 6);
    for (t, bytes, stored) in [
        (RecordType::Households, &households, 3),
        (RecordType::Measures, &measures, 3),
    ] {
        let r = exchange::import(
            &b,
            &officer,
            Body::Csv(t),
            Some(FORMAT),
            bytes.clone(),
            Utc::now(),
        )
        .await
        .unwrap();
        assert_eq!(
            (r.outcome, r.stored),
            ("stored", stored),
            "{t:?}: {:?}",
            r.problems
        );
        let r = exchange::import(
            &b,
            &officer,
            Body::Csv(t),
            Some(FORMAT),
            bytes.clone(),
            Utc::now(),
        )
        .await
        .unwrap();
        assert_eq!((r.outcome, r.stored), ("unchanged", 0), "{t:?} again");
    }
    assert_eq!(
        measure_facts(&b, &officer).await,
        measure_facts(&a, &officer).await
    );
    assert_eq!(count(&b, "households").await, 3);
    assert_eq!(count(&b, "members").await, 3);
}

async fn scope(backend: Backend) {
    let Some((a, officer, _da)) = store_a(backend).await else {
        return;
    };
    // a partner of 大方县 (520521) gets nothing of 520526
    let other = officer_of("520521");
    for t in [
        RecordType::Households,
        RecordType::Measures,
        RecordType::Warnings,
    ] {
        let e = exchange::export_page(
            &a,
            &other,
            t,
            &county(),
            &PageRequest::default(),
            Utc::now(),
        )
        .await
        .unwrap_err();
        assert!(matches!(e, AppError::Store(StoreError::NotFound)), "{e:?}");
    }
    // … and can send nothing there: a package of 520526 is not its own,
    let measures = package(&a, &officer, RecordType::Measures).await;
    let households = package(&a, &officer, RecordType::Households).await;
    let before = (count(&a, "households").await, count(&a, "feed_rows").await);
    for p in [&measures, &households] {
        let e = import_json(&a, &other, p).await.unwrap_err();
        assert!(matches!(e, AppError::Store(StoreError::NotFound)), "{e:?}");
    }
    // and records of 520526 in a package of its own county are refused
    let mut pkg: Package = serde_json::from_slice(&measures).unwrap();
    pkg.region = "520521".into();
    let r = import_json(&a, &other, &serde_json::to_vec(&pkg).unwrap())
        .await
        .unwrap();
    assert_eq!(r.outcome, "rejected");
    assert_eq!(r.problems.len(), 2);
    assert!(
        r.problems
            .iter()
            .all(|p| p.field.as_deref() == Some("village_code"))
    );
    assert_eq!(
        before,
        (count(&a, "households").await, count(&a, "feed_rows").await)
    );
    // a township's data is inside the county officer's scope; a county
    // admin and a cadre may not exchange at all
    for role in [Role::CountyAdmin, Role::VillageCadre] {
        let who = actor(
            role,
            if role == Role::VillageCadre {
                VILLAGE_A
            } else {
                COUNTY
            },
        );
        let e = exchange::export_page(
            &a,
            &who,
            RecordType::Households,
            &county(),
            &PageRequest::default(),
            Utc::now(),
        )
        .await
        .unwrap_err();
        assert!(matches!(e, AppError::Store(StoreError::Forbidden)), "{e:?}");
        let e = import_json(&a, &who, &measures).await.unwrap_err();
        assert!(matches!(e, AppError::Store(StoreError::Forbidden)), "{e:?}");
    }
}

async fn hostile(backend: Backend) {
    let Some((b, _db)) = empty(backend).await else {
        return;
    };
    let officer = officer_of(COUNTY);
    let a = id("1970-01-01", 11);
    let record = |kind: &str| {
        serde_json::json!({"key": "1", "village_code": VILLAGE_A, "household_number": "H1",
            "person_id_number": a, "person_name": "王一", "kind": kind, "department": "civil_affairs",
            "amount_fen": 60000, "starts_on": "2026-01-01", "ends_on": null, "status": "ongoing", "source": "feed"})
    };
    let pkg = |format: &str, records: Vec<serde_json::Value>| {
        serde_json::to_vec(&serde_json::json!({"format": format, "type": "measures", "region": COUNTY,
            "generated_at": "2026-06-01T00:00:00Z", "since": null, "next": null, "records": records}))
        .unwrap()
    };
    let nothing = || async {
        (
            count(&b, "feed_rows").await,
            count(&b, "feed_batches").await,
            count(&b, "measures").await,
            count(&b, "audit_log").await,
        )
    };
    let before = nothing().await;
    // a wrong version
    let e = import_json(
        &b,
        &officer,
        &pkg("dixian-exchange/2", vec![record("dibao")]),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("dixian-exchange/1"), "{e}");
    // not JSON at all
    let e = import_json(&b, &officer, b"{\"format\": \"dixian-exc")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("package"), "{e}");
    // a broken record (an unknown kind) and one that is not 民政's: the
    // report names both records, nothing stored
    let r = import_json(
        &b,
        &officer,
        &pkg(
            FORMAT,
            vec![record("dibao"), record("no-such-kind"), record("dibao")],
        ),
    )
    .await
    .unwrap();
    assert_eq!((r.outcome, r.problems.len()), ("rejected", 1));
    assert_eq!(r.problems[0].line, 2);
    assert!(
        !r.problems[0].reason.contains("no-such-kind"),
        "never the value"
    );
    let r = import_json(
        &b,
        &officer,
        &pkg(FORMAT, vec![record("dibao"), record("small_loan")]),
    )
    .await
    .unwrap();
    assert_eq!((r.outcome, r.problems[0].line), ("rejected", 2));
    assert_eq!(r.problems[0].field.as_deref(), Some("kind"));
    // too many records
    let many = vec![record("dibao"); exchange::MAX_RECORDS + 1];
    let e = import_json(&b, &officer, &pkg(FORMAT, many))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("at most"), "{e}");
    // CSV: a wrong version, then a broken third line
    let header = "key,village_code,household_number,person_id_number,person_name,kind,department,amount_fen,starts_on,ends_on,status,source";
    let good =
        format!("1,{VILLAGE_A},H1,{a},王一,dibao,civil_affairs,60000,2026-01-01,,ongoing,feed");
    let csv = format!(
        "{header}\n{good}\n2,{VILLAGE_A},H1,{a},王一,dibao,civil_affairs,lots,2026-01-01,,ongoing,feed\n"
    );
    let e = exchange::import(
        &b,
        &officer,
        Body::Csv(RecordType::Measures),
        Some("v0"),
        csv.clone().into_bytes(),
        Utc::now(),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains(FORMAT), "{e}");
    let r = exchange::import(
        &b,
        &officer,
        Body::Csv(RecordType::Measures),
        Some(FORMAT),
        csv.into_bytes(),
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(
        (r.outcome, r.problems.len(), r.problems[0].line),
        ("rejected", 1, 3)
    );
    // warnings are not received
    let e = exchange::import(
        &b,
        &officer,
        Body::Csv(RecordType::Warnings),
        Some(FORMAT),
        b"key\n1\n".to_vec(),
        Utc::now(),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("not received"), "{e}");
    assert_eq!(nothing().await, before, "nothing stored, nothing audited");
    // the good CSV line alone is received (the person is unregistered
    // here: kept as the feed's coverage gap, record line 2)
    let csv = format!("{header}\n{good}\n");
    let r = exchange::import(
        &b,
        &officer,
        Body::Csv(RecordType::Measures),
        Some(FORMAT),
        csv.into_bytes(),
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!((r.outcome, r.stored), ("stored", 1), "{:?}", r.problems);
    assert_eq!(r.unplaced, vec![2]);
    assert_eq!(count(&b, "measures").await, 0, "no household to put it on");
}

macro_rules! both {
    ($($name:ident),*) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { super::$name(dixian_store::testing::Backend::Sqlite).await })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { super::$name(dixian_store::testing::Backend::Postgres).await })*
        }
    };
}

both!(round_trip, csv_round_trip, scope, hostile);
