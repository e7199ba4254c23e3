//! Personal data encrypted at rest, on both backends with a data key (the
//! test stores on PostgreSQL always have one; on SQLite the key is given
//! here): the raw `members` table holds no ID number or phone in clear, the
//! registry still finds people by full ID and by its last 4–6 characters,
//! one person stays in one household (uniqueness by keyed hash), and a
//! store opened with another key, or with none, is refused.

use chrono::NaiveDate;
use dixian_domain::{IdNumber, RegionCode};
use dixian_store::crypto::DataKey;
use dixian_store::testing::{Backend, fresh_store, test_data_key};
use dixian_store::{Actor, HouseholdFilter, Store, StoreError, db::q, households};
use std::path::PathBuf;
use std::sync::Arc;

/// A `members` row as stored: id_number, phone, id_hash, id_tail4/5/6, name.
type RawMember = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

const VILLAGE: &str = "520526001001";
const PHONES: [&str; 2] = ["13800001234", "13912345678"];

fn id(seq: u16) -> String {
    let d = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
    IdNumber::from_parts("520526", d, seq)
        .unwrap()
        .as_str()
        .to_string()
}

fn household(number: &str, ids: &[String]) -> dixian_domain::Household {
    let members: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, idn)| {
            serde_json::json!({
                "id_number": idn, "name": format!("成员{i}"),
                "relation": if i == 0 { "head" } else { "child" }, "labor": "full",
                "disability_kind": null, "disability_grade": null, "illness": "healthy",
                "student_stage": null, "student_status": null, "insurance": "insured",
                "employment": "farming", "phone": PHONES.get(i)
            })
        })
        .collect();
    serde_json::from_value(serde_json::json!({
        "number": number, "village": VILLAGE, "village_group": null, "address": "某组",
        "category": null, "formerly_registered_poor": false, "housing": "B", "water": "secure",
        "farmland_mu": 1.0, "forest_mu": 0.0,
        "income": {"wage": 20000, "production": 0, "property": 0, "transfer": 0},
        "medical_expense": 0, "schooling_expense": 0,
        "members": members
    }))
    .unwrap()
}

/// A keyed store of `backend` with the division table of the county.
async fn keyed(backend: Backend, dir: &std::path::Path) -> Option<(Store, Arc<DataKey>)> {
    let store = fresh_store(backend, dir)
        .await
        .expect("fresh database (PostgreSQL must run in CI)")?;
    let key = test_data_key();
    // PostgreSQL test stores are keyed already; SQLite's get the key here.
    let store = store.with_data_key(Some(key.clone())).await.unwrap();
    let divisions =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/divisions");
    let county = RegionCode::parse("520526").unwrap();
    dixian_store::regions::import(&store.pool, &divisions, Some(&county), |_, _, _| {})
        .await
        .unwrap();
    Some((store, key))
}

async fn encrypted_at_rest(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some((store, key)) = keyed(backend, dir.path()).await else {
        return;
    };
    let county = Actor::operator(RegionCode::parse("520526").unwrap());
    let ids = [id(11), id(12)];
    let hid = households::create(&store.pool, &county, &household("E-1", &ids))
        .await
        .unwrap();

    // The raw table: no ID number, no tail of one, no phone in clear, in
    // any column.
    let rows: Vec<RawMember> = store
        .pool
        .all(q("SELECT id_number, phone, id_hash, id_tail4, id_tail5, id_tail6, name FROM members ORDER BY position"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    for r in &rows {
        let cols = [
            Some(r.0.clone()),
            r.1.clone(),
            r.2.clone(),
            r.3.clone(),
            r.4.clone(),
            r.5.clone(),
        ];
        for c in cols.iter().flatten() {
            for secret in ids.iter().map(String::as_str).chain(PHONES) {
                assert_ne!(c, secret);
                assert!(
                    !c.contains(&secret[secret.len() - 8..]),
                    "{c} holds a tail of a secret"
                );
            }
        }
        assert!(r.0.starts_with("v1:"), "ID number sealed");
    }
    assert!(
        rows[0].1.as_deref().unwrap().starts_with("v1:"),
        "phone sealed"
    );
    // Two sealings of one value differ (random nonce).
    assert_ne!(
        key.seal("id_number", &ids[0]),
        key.seal("id_number", &ids[0])
    );

    // Read back in clear through the store.
    let got = households::get(&store.pool, &county, hid).await.unwrap();
    let members = &got.household.members;
    assert_eq!(members[0].id_number.as_str(), ids[0]);
    assert_eq!(members[1].id_number.as_str(), ids[1]);
    assert_eq!(members[0].phone.as_deref(), Some(PHONES[0]));
    assert_eq!(members[1].phone.as_deref(), Some(PHONES[1]));

    // Lookups by full ID and by its last 4, 5, 6 characters.
    let by = |s: &str| HouseholdFilter {
        id_number: Some(s.to_string()),
        ..Default::default()
    };
    for s in [&ids[1][..], &ids[1][14..], &ids[1][13..], &ids[1][12..]] {
        let (found, n) = households::list(&store.pool, &county, &by(s))
            .await
            .unwrap();
        assert_eq!(n, 1, "by {} characters", s.len());
        assert_eq!(found[0].id, hid);
        assert_eq!(
            found[0].head_id_number, ids[0],
            "head's ID opened for the list"
        );
    }
    let (_, n) = households::list(&store.pool, &county, &by(&id(99)))
        .await
        .unwrap();
    assert_eq!(n, 0);
    // Other suffix lengths are refused, not searched in clear.
    assert!(matches!(
        households::list(&store.pool, &county, &by(&ids[1][10..])).await,
        Err(StoreError::Invalid(_))
    ));

    // One person, one household: refused by hash although the stored
    // ciphertexts differ.
    let e = households::create(&store.pool, &county, &household("E-2", &[id(12)]))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("already registered"), "{e}");

    // Another key, or none, is refused before anything is read.
    let e = store
        .clone()
        .with_data_key(Some(Arc::new(DataKey::generate())))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("wrong data key"), "{e}");
    let e = store.clone().with_data_key(None).await.unwrap_err();
    assert!(e.to_string().contains("no data key is configured"), "{e}");
    // The same key again is accepted.
    store.clone().with_data_key(Some(key)).await.unwrap();
}

/// Without a key (the SQLite demo) values stay in clear, and the hash
/// columns are filled all the same.
async fn unkeyed_keeps_clear(backend: Backend) {
    if backend == Backend::Postgres {
        return; // test stores on PostgreSQL are always keyed
    }
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(backend, dir.path()).await.unwrap().unwrap();
    let divisions =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/divisions");
    let county = RegionCode::parse("520526").unwrap();
    dixian_store::regions::import(&store.pool, &divisions, Some(&county), |_, _, _| {})
        .await
        .unwrap();
    let actor = Actor::operator(county);
    households::create(&store.pool, &actor, &household("U-1", &[id(11)]))
        .await
        .unwrap();
    let (raw, hash): (String, Option<String>) = store
        .pool
        .one(q("SELECT id_number, id_hash FROM members"))
        .await
        .unwrap();
    assert_eq!(raw, id(11));
    assert!(hash.is_some());
}

macro_rules! on_both_backends {
    ($($name:ident),+) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

on_both_backends!(encrypted_at_rest, unkeyed_keeps_clear);
