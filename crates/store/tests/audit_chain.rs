//! The audit chain against an attacker who can write the database but does
//! not hold the key, on both backends: deleting the newest records, gaps,
//! edits, swaps and recomputing the chain (without the key, with a wrong
//! one, or stripped of keys) are all found; records written before the
//! chain was keyed still verify; anchored heads catch a rollback; and
//! 1,000 random tamperings are each detected.

use chrono::Duration;
use dixian_store::audit::{
    self, AuditKey, AuditRecord, ChainReport, Change, Problem, RECORD_COLUMNS, anchor,
};
use dixian_store::db::{Tx, q};
use dixian_store::testing::{Backend, fresh_store};
use dixian_store::{Store, StoreError};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// A fresh store, unkeyed.
async fn store(backend: Backend, dir: &Path) -> Option<Store> {
    fresh_store(backend, dir)
        .await
        .expect("fresh database (PostgreSQL must run in CI)")
}

/// Keys `store` the way `dixian migrate` does: a key file next to it.
async fn keyed(store: Store, dir: &Path) -> (Store, Arc<AuditKey>) {
    let (key, created) = audit::open_or_create_key(&store.pool, &dir.join("audit-key"))
        .await
        .unwrap();
    assert!(created);
    (store.with_audit_key(Some(key.clone())), key)
}

fn change(i: usize) -> Change {
    Change {
        user_id: (!i.is_multiple_of(3)).then_some(i as i64 % 7 + 1),
        action: ["create", "update", "import"][i % 3],
        entity: "household",
        entity_id: format!("H{i}"),
        region: (!i.is_multiple_of(5)).then(|| format!("5205260010{:02}", i % 40)),
        before: i.is_multiple_of(2).then(|| format!("{{\"income\":{i}}}")),
        after: Some(format!("{{\"income\":{},\"name\":\"某{i}\"}}", i + 1)),
    }
}

/// Writes `n` records in transactions of 1–7 records.
async fn write(store: &Store, n: usize, rng: &mut StdRng) {
    let mut i = 0;
    while i < n {
        let k = rng.random_range(1..=7).min(n - i);
        let mut tx = store.pool.begin().await.unwrap();
        let changes: Vec<Change> = (i..i + k).map(change).collect();
        audit::record(&mut tx, &changes).await.unwrap();
        tx.commit().await.unwrap();
        i += k;
    }
}

async fn all_records(tx: &mut Tx) -> Vec<AuditRecord> {
    tx.all(q(format!(
        "SELECT {RECORD_COLUMNS} FROM audit_log ORDER BY seq"
    )))
    .await
    .unwrap()
}

async fn check(store: &Store) -> ChainReport {
    audit::verify(&store.pool, &[]).await.unwrap()
}

async fn last_seq(store: &Store) -> i64 {
    let (n,): (i64,) = store
        .pool
        .one(q("SELECT COALESCE(MAX(seq), 0) FROM audit_log"))
        .await
        .unwrap();
    n
}

/// What an attacker without the key can do: rehash every record from
/// `from` on (plain SHA-256, or HMAC with a key of their own) and move the
/// head (with a seal made by that key, if any). `strip` also drops the
/// records' key ids, as if the chain had never been keyed.
async fn rehash(tx: &mut Tx, from: i64, key: Option<&AuditKey>, strip: bool) {
    let mut records = all_records(tx).await;
    let mut prev = records
        .iter()
        .rev()
        .find(|r| r.seq < from)
        .map(|r| r.hash.clone())
        .unwrap_or_default();
    let (mut hashes, mut links) = (Vec::new(), Vec::new());
    for r in records.iter_mut().filter(|r| r.seq >= from) {
        r.prev_hash.clone_from(&prev);
        if strip {
            r.key_id = None;
        } else if let Some(k) = key {
            r.key_id = Some(k.id().to_string());
        }
        r.hash = r.expected_hash(key);
        prev.clone_from(&r.hash);
        hashes.push((r.seq, r.hash.clone(), r.key_id.clone()));
        links.push(r.prev_hash.clone());
    }
    if hashes.is_empty() {
        return;
    }
    // One statement: CASE over the rewritten records.
    let (mut sql_hash, mut sql_prev, mut sql_key) = (
        String::from("CASE seq"),
        String::from("CASE seq"),
        String::from("CASE seq"),
    );
    let mut query_args = Vec::new();
    for (i, ((seq, hash, key_id), link)) in hashes.iter().zip(&links).enumerate() {
        let b = i * 4;
        sql_hash.push_str(&format!(" WHEN ${} THEN ${}", b + 1, b + 2));
        sql_prev.push_str(&format!(" WHEN ${} THEN ${}", b + 1, b + 3));
        sql_key.push_str(&format!(" WHEN ${} THEN ${}", b + 1, b + 4));
        query_args.push((*seq, hash.clone(), link.clone(), key_id.clone()));
    }
    let mut query = q(format!(
        "UPDATE audit_log SET hash = {sql_hash} END, prev_hash = {sql_prev} END, key_id = {sql_key} END WHERE seq >= ${}",
        query_args.len() * 4 + 1
    ));
    for (seq, hash, link, key_id) in query_args {
        query = query.bind(seq).bind(hash).bind(link).bind(key_id);
    }
    tx.execute(query.bind(from)).await.unwrap();
    let (seq, hash, key_id) = hashes.last().cloned().unwrap();
    let seal = key.filter(|_| !strip).map(|k| k.head_mac(seq, &hash));
    tx.execute(
        q("UPDATE audit_chain SET last_hash = $1, key_id = $2, head_mac = $3")
            .bind(hash)
            .bind(key_id)
            .bind(seal),
    )
    .await
    .unwrap();
}

async fn deleting_the_newest_records_is_detected(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(s) = store(backend, dir.path()).await else {
        return;
    };
    let (s, _) = keyed(s, dir.path()).await;
    write(&s, 40, &mut StdRng::seed_from_u64(1)).await;
    let r = check(&s).await;
    assert_eq!(r.problem, None);
    assert_eq!((r.records, r.keyed, r.head.seq), (41, 41, 41));
    assert!(r.key_checked);

    // The newest record.
    let mut tx = s.pool.begin().await.unwrap();
    tx.execute(q("DELETE FROM audit_log WHERE seq = 41"))
        .await
        .unwrap();
    let r = audit::verify_in(&mut tx, &[]).await.unwrap();
    assert_eq!(r.problem, Some(Problem::Truncated { last: 40, head: 41 }));
    tx.rollback().await.unwrap();

    // The newest five, and the head wound back to the new last record:
    // its seal cannot be made without the key.
    let mut tx = s.pool.begin().await.unwrap();
    tx.execute(q("DELETE FROM audit_log WHERE seq > 36"))
        .await
        .unwrap();
    let r = audit::verify_in(&mut tx, &[]).await.unwrap();
    assert_eq!(r.problem, Some(Problem::Truncated { last: 36, head: 41 }));
    tx.execute(q(
        "UPDATE audit_chain SET seq = 36, last_hash = (SELECT hash FROM audit_log WHERE seq = 36)",
    ))
    .await
    .unwrap();
    let r = audit::verify_in(&mut tx, &[]).await.unwrap();
    assert_eq!(r.problem, Some(Problem::HeadForged { seq: 36 }));
    tx.rollback().await.unwrap();

    // Everything.
    s.pool.execute(q("DELETE FROM audit_log")).await.unwrap();
    assert_eq!(
        check(&s).await.problem,
        Some(Problem::Truncated { last: 0, head: 41 })
    );
    assert_eq!(audit::verify_chain(&s.pool).await.unwrap(), Some(1));
}

async fn recomputing_without_the_key_is_detected(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(s) = store(backend, dir.path()).await else {
        return;
    };
    let (s, key) = keyed(s, dir.path()).await;
    write(&s, 30, &mut StdRng::seed_from_u64(2)).await;
    let forge = "UPDATE audit_log SET after = '{\"income\":999999}' WHERE seq = 12";
    let attacker = AuditKey::generate(1);
    // (the key the attacker rehashes with, strip key ids, pose as the real key, found)
    let cases: [(Option<&AuditKey>, bool, bool, Problem); 4] = [
        // Plain SHA-256 over everything, as anyone could before keying.
        (None, false, false, Problem::Edited { seq: 1 }),
        // …and the key ids stripped, as if never keyed.
        (None, true, false, Problem::Unkeyed { seq: 1 }),
        // A key of the attacker's own.
        (
            Some(&attacker),
            false,
            false,
            Problem::OtherKey {
                seq: 1,
                key_id: attacker.id().to_string(),
            },
        ),
        // Another secret, under the real key's id.
        (Some(&attacker), false, true, Problem::Edited { seq: 1 }),
    ];
    // An absent value made empty is an edit too (the keyed hash tells them apart).
    let (seq,): (i64,) = s
        .pool
        .one(q(
            "SELECT MIN(seq) FROM audit_log WHERE before IS NULL AND key_id IS NOT NULL",
        ))
        .await
        .unwrap();
    let mut tx = s.pool.begin().await.unwrap();
    tx.execute(q("UPDATE audit_log SET before = '' WHERE seq = $1").bind(seq))
        .await
        .unwrap();
    assert_eq!(
        audit::verify_in(&mut tx, &[]).await.unwrap().problem,
        Some(Problem::Edited { seq })
    );
    tx.rollback().await.unwrap();
    for (i, (wrong, strip, pose, want)) in cases.into_iter().enumerate() {
        let mut tx = s.pool.begin().await.unwrap();
        tx.execute(q(forge)).await.unwrap();
        rehash(&mut tx, 1, wrong, strip).await;
        if pose {
            tx.execute(q("UPDATE audit_log SET key_id = $1").bind(key.id()))
                .await
                .unwrap();
            tx.execute(q("UPDATE audit_chain SET key_id = $1").bind(key.id()))
                .await
                .unwrap();
        }
        let got = audit::verify_in(&mut tx, &[]).await.unwrap().problem;
        assert_eq!(got, Some(want), "case {i}");
        tx.rollback().await.unwrap();
    }
    assert_eq!(check(&s).await.problem, None);
}

async fn records_before_keying_still_verify(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(s) = store(backend, dir.path()).await else {
        return;
    };
    let mut rng = StdRng::seed_from_u64(3);
    write(&s, 20, &mut rng).await;
    let r = check(&s).await;
    assert_eq!((r.problem, r.unkeyed, r.chain_key), (None, 20, None));

    let (s, key) = keyed(s, dir.path()).await;
    assert_eq!(key.keyed_from(), 21);
    write(&s, 10, &mut rng).await;
    let r = check(&s).await;
    assert_eq!(r.problem, None);
    assert_eq!((r.unkeyed, r.keyed, r.key_checked), (20, 11, true));
    assert_eq!(r.chain_key.as_deref(), Some(key.id()));

    // The same database without the key: linkage checked, hashes not.
    let plain = s.clone().with_audit_key(None);
    let r = check(&plain).await;
    assert!(matches!(
        r.problem,
        Some(Problem::KeyNeeded { seq: 21, .. })
    ));
    // …and it may not write: a plain record would break the keyed chain.
    let mut tx = plain.pool.begin().await.unwrap();
    let err = audit::record(&mut tx, &[change(1)]).await.unwrap_err();
    assert!(matches!(err, StoreError::Integrity(_)), "{err}");
    tx.rollback().await.unwrap();
    // A second key for the same chain is refused too, and so is making a
    // new key when the file is lost.
    let other = s
        .clone()
        .with_audit_key(Some(Arc::new(AuditKey::generate(21))));
    let mut tx = other.pool.begin().await.unwrap();
    assert!(audit::record(&mut tx, &[change(1)]).await.is_err());
    tx.rollback().await.unwrap();
    let lost = audit::open_or_create_key(&s.pool, &dir.path().join("elsewhere")).await;
    assert!(matches!(lost, Err(StoreError::Integrity(_))));

    // An edit of an old record, even rehashed the old way up to the keyed
    // part, breaks at the first keyed record, which seals the old ones.
    let mut tx = s.pool.begin().await.unwrap();
    tx.execute(q("UPDATE audit_log SET action = 'delete' WHERE seq = 5"))
        .await
        .unwrap();
    assert_eq!(
        audit::verify_in(&mut tx, &[]).await.unwrap().problem,
        Some(Problem::Edited { seq: 5 })
    );
    let mut old = all_records(&mut tx).await;
    let mut prev = old[3].hash.clone();
    for r in old.iter_mut().take(20).skip(4) {
        r.prev_hash.clone_from(&prev);
        r.hash = r.expected_hash(None);
        prev.clone_from(&r.hash);
        tx.execute(
            q("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE seq = $3")
                .bind(r.prev_hash.clone())
                .bind(r.hash.clone())
                .bind(r.seq),
        )
        .await
        .unwrap();
    }
    assert_eq!(
        audit::verify_in(&mut tx, &[]).await.unwrap().problem,
        Some(Problem::BrokenLink { seq: 21 })
    );
    tx.rollback().await.unwrap();
}

async fn anchors_catch_a_rollback(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(s) = store(backend, dir.path()).await else {
        return;
    };
    let (s, key) = keyed(s, dir.path()).await;
    let mut rng = StdRng::seed_from_u64(4);
    write(&s, 10, &mut rng).await;
    let file = dir.path().join("anchors");
    let first = anchor::append(&file, &check(&s).await.head).unwrap();
    write(&s, 10, &mut rng).await;
    anchor::append(&file, &check(&s).await.head).unwrap();
    let anchors = anchor::read(&file).unwrap();
    assert_eq!(anchors.len(), 2);
    let r = audit::verify(&s.pool, &anchors).await.unwrap();
    assert_eq!((r.problem, r.anchors_checked), (None, 2));

    // Someone with an old copy of the head row (a backup) puts it back
    // over the deleted newer records: the chain alone looks intact…
    let (seal,): (Option<String>,) = s
        .pool
        .one(q("SELECT head_mac FROM audit_chain"))
        .await
        .unwrap();
    let mut tx = s.pool.begin().await.unwrap();
    tx.execute(q("DELETE FROM audit_log WHERE seq > $1").bind(first.seq))
        .await
        .unwrap();
    tx.execute(
        q("UPDATE audit_chain SET seq = $1, last_hash = $2, head_mac = $3")
            .bind(first.seq)
            .bind(first.hash.clone())
            .bind(key.head_mac(first.seq, &first.hash)),
    )
    .await
    .unwrap();
    assert_ne!(seal, Some(key.head_mac(first.seq, &first.hash)));
    assert_eq!(audit::verify_in(&mut tx, &[]).await.unwrap().problem, None);
    // …but the later anchor is gone.
    let got = audit::verify_in(&mut tx, &anchors).await.unwrap().problem;
    assert!(
        matches!(got, Some(Problem::Anchor { seq, missing: true, .. }) if seq == anchors[1].seq),
        "{got:?}"
    );
    tx.rollback().await.unwrap();

    // An insider with the key rewrites a record and rehashes everything:
    // the anchored hash no longer matches.
    let mut tx = s.pool.begin().await.unwrap();
    tx.execute(q("UPDATE audit_log SET after = '{}' WHERE seq = 3"))
        .await
        .unwrap();
    rehash(&mut tx, 1, Some(&key), false).await;
    assert_eq!(audit::verify_in(&mut tx, &[]).await.unwrap().problem, None);
    let got = audit::verify_in(&mut tx, &anchors).await.unwrap().problem;
    assert!(
        matches!(got, Some(Problem::Anchor { missing: false, .. })),
        "{got:?}"
    );
    tx.rollback().await.unwrap();
}

async fn the_key_file_is_private(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(s) = store(backend, dir.path()).await else {
        return;
    };
    let (_, key) = keyed(s, dir.path()).await;
    let path = dir.path().join("audit-key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let loaded = AuditKey::load(&path).unwrap();
        assert_eq!((loaded.id(), loaded.keyed_from()), (key.id(), 1));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            AuditKey::load(&path),
            Err(StoreError::Integrity(_))
        ));
    }
    assert!(!format!("{key:?}").contains("secret"));
}

/// One way to tamper with the stored chain.
#[derive(Debug, Clone, Copy)]
enum Tamper {
    EditField,
    DeleteRecord,
    TruncateTail,
    SwapRecords,
    RehashWrongKey,
    RehashWithoutKey,
}

const TAMPERS: [Tamper; 6] = [
    Tamper::EditField,
    Tamper::DeleteRecord,
    Tamper::TruncateTail,
    Tamper::SwapRecords,
    Tamper::RehashWrongKey,
    Tamper::RehashWithoutKey,
];

const FIELDS: [&str; 11] = [
    "at",
    "user_id",
    "action",
    "entity",
    "entity_id",
    "region_code",
    "before",
    "after",
    "prev_hash",
    "hash",
    "key_id",
];

async fn edit_field(tx: &mut Tx, r: &AuditRecord, rng: &mut StdRng) {
    let field = FIELDS[rng.random_range(0..FIELDS.len())];
    let sql = format!("UPDATE audit_log SET {field} = $1 WHERE seq = $2");
    // Lengthen, shorten, empty or remove a text; NULL becomes "" or "1".
    let how = rng.random_range(0..4);
    let text = |v: Option<&str>, nullable: bool| -> Option<String> {
        match (how, v) {
            (1, Some(v)) if !v.is_empty() => {
                let mut v = v.to_string();
                v.pop();
                Some(v)
            }
            (2, Some(v)) if !v.is_empty() => Some(String::new()),
            (3, Some(_)) if nullable => None,
            (_, Some(v)) => Some(format!("{v}x")),
            (_, None) => Some(if how % 2 == 0 { "" } else { "1" }.into()),
        }
    };
    let query = match field {
        "at" => q(sql).bind(r.at + Duration::microseconds(rng.random_range(1..2_000_000))),
        "user_id" => q(sql).bind(r.user_id.map_or(1, |u| u + 1)),
        "action" => q(sql).bind(text(Some(&r.action), false)),
        "entity" => q(sql).bind(text(Some(&r.entity), false)),
        "entity_id" => q(sql).bind(text(Some(&r.entity_id), false)),
        "region_code" => q(sql).bind(text(r.region_code.as_deref(), true)),
        "before" => q(sql).bind(text(r.before.as_deref(), true)),
        "after" => q(sql).bind(text(r.after.as_deref(), true)),
        "prev_hash" => q(sql).bind(text(Some(&r.prev_hash), false)),
        "hash" => q(sql).bind(text(Some(&r.hash), false)),
        _ => q(sql).bind(text(r.key_id.as_deref(), true)),
    };
    tx.execute(query.bind(r.seq)).await.unwrap();
}

async fn apply(tx: &mut Tx, t: Tamper, n: i64, key: &AuditKey, rng: &mut StdRng) {
    let pick = |rng: &mut StdRng| {
        // The newest record one time in five: the case the head catches.
        if rng.random_bool(0.2) {
            n
        } else {
            rng.random_range(1..=n)
        }
    };
    match t {
        Tamper::EditField => {
            let seq = pick(rng);
            let r: AuditRecord = tx
                .one(
                    q(format!(
                        "SELECT {RECORD_COLUMNS} FROM audit_log WHERE seq = $1"
                    ))
                    .bind(seq),
                )
                .await
                .unwrap();
            edit_field(tx, &r, rng).await;
        }
        Tamper::DeleteRecord => {
            let seq = pick(rng);
            tx.execute(q("DELETE FROM audit_log WHERE seq = $1").bind(seq))
                .await
                .unwrap();
        }
        Tamper::TruncateTail => {
            let keep = rng.random_range(0..n);
            tx.execute(q("DELETE FROM audit_log WHERE seq > $1").bind(keep))
                .await
                .unwrap();
        }
        Tamper::SwapRecords => {
            let a = pick(rng);
            let b = loop {
                let b = rng.random_range(1..=n);
                if b != a {
                    break b;
                }
            };
            for (from, to) in [(a, -1), (b, a), (-1, b)] {
                tx.execute(
                    q("UPDATE audit_log SET seq = $1 WHERE seq = $2")
                        .bind(to)
                        .bind(from),
                )
                .await
                .unwrap();
            }
        }
        Tamper::RehashWrongKey | Tamper::RehashWithoutKey => {
            let seq = pick(rng);
            tx.execute(
                q("UPDATE audit_log SET after = $1 WHERE seq = $2")
                    .bind(format!("{{\"forged\":{}}}", rng.random::<u32>()))
                    .bind(seq),
            )
            .await
            .unwrap();
            if matches!(t, Tamper::RehashWrongKey) {
                let wrong = AuditKey::generate(key.keyed_from());
                rehash(tx, seq, Some(&wrong), false).await;
                if rng.random_bool(0.5) {
                    // the real key id on records hashed with another secret
                    tx.execute(q("UPDATE audit_log SET key_id = $1").bind(key.id()))
                        .await
                        .unwrap();
                }
            } else {
                let strip = rng.random_bool(0.5);
                rehash(tx, seq, None, strip).await;
            }
        }
    }
}

async fn random_tampering_is_always_detected(backend: Backend) {
    const RECORDS: usize = 300;
    const TRIALS: usize = 1_000;
    let dir = tempfile::tempdir().unwrap();
    let Some(s) = store(backend, dir.path()).await else {
        return;
    };
    let (s, key) = keyed(s, dir.path()).await;
    let mut rng = StdRng::seed_from_u64(20_260_101);
    write(&s, RECORDS - 1, &mut rng).await;
    let n = last_seq(&s).await;
    assert_eq!(n, RECORDS as i64);
    assert_eq!(check(&s).await.problem, None);

    let t = Instant::now();
    let mut tried = [0usize; TAMPERS.len()];
    let mut found = [0usize; TAMPERS.len()];
    let mut missed = Vec::new();
    for trial in 0..TRIALS {
        let k = rng.random_range(0..TAMPERS.len());
        // Each tampering in a transaction that is rolled back afterwards.
        let mut tx = s.pool.begin_write().await.unwrap();
        apply(&mut tx, TAMPERS[k], n, &key, &mut rng).await;
        let report = audit::verify_in(&mut tx, &[]).await.unwrap();
        tx.rollback().await.unwrap();
        tried[k] += 1;
        match report.problem {
            Some(_) => found[k] += 1,
            None => missed.push((trial, TAMPERS[k])),
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{backend:?}: {} tamperings of a {RECORDS}-record keyed chain, {} detected, in {secs:.1} s",
        tried.iter().sum::<usize>(),
        found.iter().sum::<usize>()
    );
    for (i, t) in TAMPERS.iter().enumerate() {
        println!("  {t:?}: {}/{}", found[i], tried[i]);
    }
    assert!(missed.is_empty(), "not detected: {missed:?}");
    assert_eq!(found.iter().sum::<usize>(), TRIALS);
    // Every tampering was undone.
    assert_eq!(check(&s).await.problem, None);
    assert_eq!(last_seq(&s).await, n);
}

macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

on_both_backends!(
    deleting_the_newest_records_is_detected,
    recomputing_without_the_key_is_detected,
    records_before_keying_still_verify,
    anchors_catch_a_rollback,
    the_key_file_is_private,
    random_tampering_is_always_detected,
);
