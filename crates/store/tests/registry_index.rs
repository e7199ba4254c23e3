//! The registry index the store keeps per village (migration 0021,
//! `store::registry_index`), on both backends:
//! - after a random sequence of single creates, edits (income, flags,
//!   members added, changed, removed), moves between villages, bulk
//!   imports, category changes by the workflow and deletions, the index
//!   loaded from the kept parts equals the registry rebuilt from scratch
//!   from the text columns (`screening::registry`) — a property test,
//!   comparing after random steps, so parts are refreshed incrementally;
//! - a part that is altered, swapped or sealed with another key is rebuilt,
//!   not trusted; the stored part holds no clear ID number, not even its
//!   17-digit key as little-endian bytes.

use chrono::{NaiveDate, Utc};
use dixian_domain::{Household, IdNumber, RegionCode};
use dixian_store::db::q;
use dixian_store::registry_index;
use dixian_store::screening;
use dixian_store::testing::{Backend, empty_store, fresh_store, test_data_key};
use dixian_store::{Actor, Store, households};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::path::PathBuf;

const COUNTY: &str = "520526";
const VILLAGES: [&str; 3] = ["520526001001", "520526001002", "520526001003"];
const LABOR: [&str; 4] = ["full", "weak", "none", "lost"];

fn county() -> RegionCode {
    RegionCode::parse(COUNTY).unwrap()
}

fn today() -> NaiveDate {
    dixian_domain::case::china_date(Utc::now())
}

/// The `n`-th person's ID number: distinct birth days.
fn person(n: u32) -> String {
    let birth = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + chrono::Days::new(u64::from(n));
    IdNumber::from_parts(COUNTY, birth, 11)
        .unwrap()
        .as_str()
        .to_string()
}

/// A member as generated: labor (index into LABOR), disability grade.
#[derive(Debug, Clone)]
struct M {
    labor: usize,
    grade: Option<u8>,
}

fn member_strategy() -> impl Strategy<Value = M> {
    (0..4usize, prop::option::of(1..=4u8)).prop_map(|(labor, grade)| M { labor, grade })
}

#[derive(Debug, Clone)]
struct H {
    village: usize,
    income: i64,
    formerly_poor: bool,
    members: Vec<M>,
}

fn household_strategy() -> impl Strategy<Value = H> {
    (
        0..VILLAGES.len(),
        0..60_000i64,
        any::<bool>(),
        prop::collection::vec(member_strategy(), 1..4),
    )
        .prop_map(|(village, income, formerly_poor, members)| H {
            village,
            income,
            formerly_poor,
            members,
        })
}

/// One step. `pick` chooses among the households written so far.
#[derive(Debug, Clone)]
enum Op {
    Create(H),
    Bulk(Vec<H>),
    /// New income and flags, members replaced by `members` (same persons
    /// kept for the first ones, new persons for the rest).
    Edit {
        pick: usize,
        income: i64,
        formerly_poor: bool,
        members: Vec<M>,
    },
    Move {
        pick: usize,
        village: usize,
    },
    /// The workflow sets or clears the monitoring category.
    Category {
        pick: usize,
        set: bool,
    },
    Delete {
        pick: usize,
    },
    /// Compare the kept index with the one rebuilt from scratch now.
    Check,
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => household_strategy().prop_map(Op::Create),
        1 => prop::collection::vec(household_strategy(), 1..6).prop_map(Op::Bulk),
        3 => (any::<usize>(), 0..60_000i64, any::<bool>(), prop::collection::vec(member_strategy(), 1..4))
            .prop_map(|(pick, income, formerly_poor, members)| Op::Edit { pick, income, formerly_poor, members }),
        2 => (any::<usize>(), 0..VILLAGES.len()).prop_map(|(pick, village)| Op::Move { pick, village }),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(pick, set)| Op::Category { pick, set }),
        1 => any::<usize>().prop_map(|pick| Op::Delete { pick }),
        2 => Just(Op::Check),
    ]
}

/// What the test keeps of a written household: its id, version, number
/// and the persons it holds.
struct Written {
    id: i64,
    version: i64,
    number: String,
    village: usize,
    persons: Vec<String>,
}

fn record(
    number: &str,
    village: &str,
    income: i64,
    formerly_poor: bool,
    members: &[(String, &M)],
) -> Household {
    let members: Vec<_> = members
        .iter()
        .enumerate()
        .map(|(i, (idn, m))| {
            serde_json::json!({
                "id_number": idn, "name": format!("成员{i}"),
                "relation": if i == 0 { "head" } else { "child" }, "labor": LABOR[m.labor],
                "disability_kind": m.grade.map(|_| "physical"), "disability_grade": m.grade,
                "illness": "healthy", "student_stage": null, "student_status": null,
                "insurance": "insured", "employment": "farming", "phone": null
            })
        })
        .collect();
    serde_json::from_value(serde_json::json!({
        "number": number, "village": village, "village_group": null, "address": "某组",
        "category": null, "formerly_registered_poor": formerly_poor, "housing": "B", "water": "secure",
        "farmland_mu": 1.0, "forest_mu": 0.0,
        "income": {"wage": income, "production": 0, "property": 0, "transfer": 0},
        "medical_expense": 0, "schooling_expense": 0,
        "members": members
    }))
    .unwrap()
}

struct World {
    store: Store,
    actor: Actor,
    written: Vec<Written>,
    next_person: u32,
    next_number: u32,
    checks: usize,
}

impl World {
    fn new_person(&mut self) -> String {
        self.next_person += 1;
        person(self.next_person)
    }

    fn new_number(&mut self) -> String {
        self.next_number += 1;
        format!("P{:05}", self.next_number)
    }

    async fn id_of(&self, number: &str) -> (i64, i64) {
        self.store
            .pool
            .one(q("SELECT id, version FROM households WHERE number = $1").bind(number))
            .await
            .unwrap()
    }

    async fn apply(&mut self, op: &Op) {
        match op {
            Op::Create(h) => {
                let number = self.new_number();
                let persons: Vec<String> = h.members.iter().map(|_| self.new_person()).collect();
                let ms: Vec<(String, &M)> = persons.iter().cloned().zip(&h.members).collect();
                let rec = record(&number, VILLAGES[h.village], h.income, h.formerly_poor, &ms);
                let id = households::create(&self.store.pool, &self.actor, &rec)
                    .await
                    .unwrap();
                self.written.push(Written {
                    id,
                    version: 1,
                    number,
                    village: h.village,
                    persons,
                });
            }
            Op::Bulk(hs) => {
                let mut imp = households::Importer::begin(&self.store.pool, &self.actor)
                    .await
                    .unwrap();
                let mut added = Vec::new();
                for h in hs {
                    let number = self.new_number();
                    let persons: Vec<String> =
                        h.members.iter().map(|_| self.new_person()).collect();
                    let ms: Vec<(String, &M)> = persons.iter().cloned().zip(&h.members).collect();
                    imp.add(record(
                        &number,
                        VILLAGES[h.village],
                        h.income,
                        h.formerly_poor,
                        &ms,
                    ))
                    .await
                    .unwrap();
                    added.push((number, h.village, persons));
                }
                let (issues, _) = imp.finish(true).await.unwrap();
                assert!(issues.is_empty(), "{issues:?}");
                for (number, village, persons) in added {
                    let (id, version) = self.id_of(&number).await;
                    self.written.push(Written {
                        id,
                        version,
                        number,
                        village,
                        persons,
                    });
                }
            }
            Op::Edit {
                pick,
                income,
                formerly_poor,
                members,
            } => {
                if self.written.is_empty() {
                    return;
                }
                let i = pick % self.written.len();
                let mut persons: Vec<String> = self.written[i]
                    .persons
                    .iter()
                    .take(members.len())
                    .cloned()
                    .collect();
                while persons.len() < members.len() {
                    let p = self.new_person();
                    persons.push(p);
                }
                let w = &self.written[i];
                let ms: Vec<(String, &M)> = persons.iter().cloned().zip(members).collect();
                let mut rec = record(&w.number, VILLAGES[w.village], *income, *formerly_poor, &ms);
                rec.category = current_category(&self.store, w.id).await;
                let version =
                    households::update(&self.store.pool, &self.actor, w.id, w.version, &rec)
                        .await
                        .unwrap();
                let w = &mut self.written[i];
                w.version = version;
                w.persons = persons;
            }
            Op::Move { pick, village } => {
                if self.written.is_empty() {
                    return;
                }
                let i = pick % self.written.len();
                let w = &self.written[i];
                let stored = households::get(&self.store.pool, &self.actor, w.id)
                    .await
                    .unwrap();
                let mut rec = stored.household.clone();
                rec.village = RegionCode::parse(VILLAGES[*village]).unwrap();
                let version =
                    households::update(&self.store.pool, &self.actor, w.id, w.version, &rec)
                        .await
                        .unwrap();
                let w = &mut self.written[i];
                w.version = version;
                w.village = *village;
            }
            Op::Category { pick, set } => {
                if self.written.is_empty() {
                    return;
                }
                let i = pick % self.written.len();
                let w = &self.written[i];
                let category = set.then_some("marginal_at_risk");
                self.store
                    .pool
                    .execute(
                        q("UPDATE households SET category = $1, version = version + 1 WHERE id = $2")
                            .bind(category)
                            .bind(w.id),
                    )
                    .await
                    .unwrap();
                let (_, version) = self.id_of(&w.number.clone()).await;
                self.written[i].version = version;
            }
            Op::Delete { pick } => {
                if self.written.is_empty() {
                    return;
                }
                let w = self.written.remove(pick % self.written.len());
                let mut tx = self.store.pool.begin().await.unwrap();
                tx.execute(q("DELETE FROM members WHERE household_id = $1").bind(w.id))
                    .await
                    .unwrap();
                tx.execute(q("DELETE FROM households WHERE id = $1").bind(w.id))
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
            Op::Check => self.check().await,
        }
    }

    /// The kept index equals the registry from scratch; its state is
    /// stable while nothing changes.
    async fn check(&mut self) {
        self.checks += 1;
        let kept = registry_index::load(&self.store.pool, &county())
            .await
            .unwrap();
        let scratch = screening::registry(&self.store.pool, &self.actor, today())
            .await
            .unwrap();
        assert_eq!(
            kept.snapshot, scratch,
            "kept index vs rebuilt from the text columns"
        );
        let persons: usize = self.written.iter().map(|w| w.persons.len()).sum();
        assert_eq!(
            kept.snapshot.person_key.len(),
            persons,
            "every person written"
        );
        let again = registry_index::load(&self.store.pool, &county())
            .await
            .unwrap();
        assert_eq!(again.rebuilt, 0, "nothing marked after a load");
        assert_eq!(again.state, kept.state, "state unchanged without writes");
        assert_eq!(
            registry_index::state(&self.store.pool, &county())
                .await
                .unwrap(),
            kept.state
        );
    }
}

async fn current_category(store: &Store, id: i64) -> Option<dixian_domain::Category> {
    let (c,): (Option<String>,) = store
        .pool
        .one(q("SELECT category FROM households WHERE id = $1").bind(id))
        .await
        .unwrap();
    c.map(|c| dixian_domain::Category::parse(&c).unwrap())
}

async fn divisions(store: &Store) {
    let divisions =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/divisions");
    dixian_store::regions::import(&store.pool, &divisions, Some(&county()), |_, _, _| {})
        .await
        .unwrap();
}

async fn scenario(backend: Backend, ops: Vec<Op>) -> Option<usize> {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(backend, dir.path())
        .await
        .expect("fresh database (PostgreSQL must run in CI)")?;
    divisions(&store).await;
    let mut world = World {
        store,
        actor: Actor::operator(county()),
        written: Vec::new(),
        next_person: 0,
        next_number: 0,
        checks: 0,
    };
    for op in &ops {
        world.apply(op).await;
    }
    world.check().await;
    world.store.close().await;
    Some(world.checks)
}

fn property(backend: Backend, cases: u32) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&prop::collection::vec(op_strategy(), 1..16), |ops| match rt
            .block_on(scenario(backend, ops))
        {
            Some(_) => Ok(()),
            None => Err(TestCaseError::reject("backend not reachable")),
        })
        .unwrap();
}

/// A keyed store (SQLite included) with one household of two persons in
/// the first village; returns its persons.
async fn keyed_with_household(
    backend: Backend,
    dir: &std::path::Path,
) -> Option<(Store, Vec<String>)> {
    let store = empty_store(backend, dir).await.unwrap()?;
    store.migrate().await.unwrap();
    let store = store.with_data_key(Some(test_data_key())).await.unwrap();
    divisions(&store).await;
    let persons = vec![person(100), person(200)];
    let m = M {
        labor: 0,
        grade: Some(2),
    };
    let ms: Vec<(String, &M)> = persons.iter().map(|p| (p.clone(), &m)).collect();
    households::create(
        &store.pool,
        &Actor::operator(county()),
        &record("K1", VILLAGES[0], 9000, true, &ms),
    )
    .await
    .unwrap();
    Some((store, persons))
}

async fn stored_part(store: &Store, village: &str) -> (i64, String) {
    store
        .pool
        .one(q("SELECT generation, blob FROM registry_index WHERE village_code = $1").bind(village))
        .await
        .unwrap()
}

async fn untrusted_parts_are_rebuilt_and_none_is_clear(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some((store, persons)) = keyed_with_household(backend, dir.path()).await else {
        return;
    };
    let actor = Actor::operator(county());
    let scratch = screening::registry(&store.pool, &actor, today())
        .await
        .unwrap();
    let first = registry_index::load(&store.pool, &county()).await.unwrap();
    assert_eq!(first.snapshot, scratch);
    assert_eq!(first.rebuilt, 1, "the marked village was built");
    let (generation, blob) = stored_part(&store, VILLAGES[0]).await;
    assert_eq!(generation, 1);

    // no clear ID number at rest: neither the text nor the key's bytes,
    // in the stored text or in what it would decode to as hex
    let raw = hex::decode(blob.strip_prefix("v1:").expect("sealed with the data key")).unwrap();
    assert!(raw.len() > 12 + 16, "nonce, ciphertext and tag");
    for p in &persons {
        let id = IdNumber::parse_at(p, today()).unwrap();
        let key = registry_index::person_key(&id);
        assert!(
            !blob.contains(p.as_str()) && !blob.contains(&p[..17]),
            "ID number in clear"
        );
        for hay in [blob.as_bytes(), raw.as_slice()] {
            assert!(
                !hay.windows(8).any(|w| w == key.to_le_bytes()),
                "the ID number's key in clear"
            );
            assert!(
                !hay.windows(18).any(|w| w == p.as_bytes()),
                "ID number bytes in clear"
            );
        }
        // and the sealed part does open to the keys (the test can fail)
        assert!(first.snapshot.person_key.contains(&key));
    }

    // altered ciphertext: rebuilt, not trusted
    let mut altered: Vec<char> = blob.chars().collect();
    let last = altered.len() - 3;
    altered[last] = if altered[last] == '0' { '1' } else { '0' };
    let altered: String = altered.into_iter().collect();
    store
        .pool
        .execute(
            q("UPDATE registry_index SET blob = $1 WHERE village_code = $2")
                .bind(altered)
                .bind(VILLAGES[0]),
        )
        .await
        .unwrap();
    let loaded = registry_index::load(&store.pool, &county()).await.unwrap();
    assert_eq!(loaded.rebuilt, 1, "an altered part is rebuilt");
    assert_eq!(loaded.snapshot, scratch);
    assert_ne!(loaded.state, first.state, "a rebuild is a new generation");
    assert_eq!(stored_part(&store, VILLAGES[0]).await.0, 2);

    // a part sealed with another key, or in clear, or another village's:
    // each rebuilt
    let other = dixian_store::crypto::DataKey::generate();
    let part = registry_index::VillagePart {
        households: vec![registry_index::HouseholdPart {
            id: 1,
            income_yuan: 1,
            formerly_poor: false,
            monitored: false,
            persons: vec![],
        }],
    };
    let bytes = registry_index::encode(VILLAGES[0], &part);
    let (_, good) = stored_part(&store, VILLAGES[0]).await;
    let swapped = {
        // village 2's part, sealed with the right key, stored as village 1's
        let ms = [(
            person(300),
            &M {
                labor: 1,
                grade: None,
            },
        )];
        households::create(
            &store.pool,
            &actor,
            &record("K2", VILLAGES[1], 100, false, &ms),
        )
        .await
        .unwrap();
        registry_index::load(&store.pool, &county()).await.unwrap();
        stored_part(&store, VILLAGES[1]).await.1
    };
    let scratch = screening::registry(&store.pool, &actor, today())
        .await
        .unwrap();
    for bad in [
        other.seal_bytes("registry_index.blob", &bytes),
        hex::encode(&bytes),
        swapped,
        "v1:zz".to_string(),
    ] {
        store
            .pool
            .execute(
                q("UPDATE registry_index SET blob = $1 WHERE village_code = $2")
                    .bind(bad)
                    .bind(VILLAGES[0]),
            )
            .await
            .unwrap();
        let loaded = registry_index::load(&store.pool, &county()).await.unwrap();
        assert_eq!(loaded.rebuilt, 1);
        assert_eq!(loaded.snapshot, scratch);
    }
    assert_ne!(
        stored_part(&store, VILLAGES[0]).await.1,
        good,
        "sealed afresh"
    );
}

async fn bulk_import_leaves_the_index_current(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(store) = fresh_store(backend, dir.path()).await.unwrap() else {
        return;
    };
    divisions(&store).await;
    let actor = Actor::operator(county());
    let mut imp = households::Importer::begin(&store.pool, &actor)
        .await
        .unwrap();
    let m = M {
        labor: 1,
        grade: None,
    };
    for i in 0..5u32 {
        let ms = [(person(i + 1), &m)];
        imp.add(record(
            &format!("B{i}"),
            VILLAGES[(i % 2) as usize],
            100,
            false,
            &ms,
        ))
        .await
        .unwrap();
    }
    imp.finish(true).await.unwrap();
    let (marks,): (i64,) = store
        .pool
        .one(q("SELECT COUNT(*) FROM registry_index_dirty"))
        .await
        .unwrap();
    assert_eq!(
        marks, 0,
        "the import rebuilt what it wrote and took the marks"
    );
    let loaded = registry_index::load(&store.pool, &county()).await.unwrap();
    assert_eq!(loaded.rebuilt, 0);
    assert_eq!(loaded.villages, 2);
    assert_eq!(
        loaded.snapshot,
        screening::registry(&store.pool, &actor, today())
            .await
            .unwrap()
    );
    // a dropped import leaves neither parts nor marks
    let mut imp = households::Importer::begin(&store.pool, &actor)
        .await
        .unwrap();
    let ms = [(person(50), &m)];
    imp.add(record("B9", VILLAGES[2], 100, false, &ms))
        .await
        .unwrap();
    imp.finish(false).await.unwrap();
    let (parts,): (i64,) = store
        .pool
        .one(q("SELECT COUNT(*) FROM registry_index WHERE village_code = $1").bind(VILLAGES[2]))
        .await
        .unwrap();
    assert_eq!(parts, 0);
    assert_eq!(
        registry_index::state(&store.pool, &county()).await.unwrap(),
        loaded.state
    );
}

mod sqlite {
    #[test]
    fn kept_index_equals_rebuilt_from_scratch() {
        super::property(super::Backend::Sqlite, 16);
    }
    #[tokio::test]
    async fn untrusted_parts_are_rebuilt_and_none_is_clear() {
        super::untrusted_parts_are_rebuilt_and_none_is_clear(super::Backend::Sqlite).await
    }
    #[tokio::test]
    async fn bulk_import_leaves_the_index_current() {
        super::bulk_import_leaves_the_index_current(super::Backend::Sqlite).await
    }
}

mod postgres {
    #[test]
    fn kept_index_equals_rebuilt_from_scratch() {
        super::property(super::Backend::Postgres, 8);
    }
    #[tokio::test]
    async fn untrusted_parts_are_rebuilt_and_none_is_clear() {
        super::untrusted_parts_are_rebuilt_and_none_is_clear(super::Backend::Postgres).await
    }
    #[tokio::test]
    async fn bulk_import_leaves_the_index_current() {
        super::bulk_import_leaves_the_index_current(super::Backend::Postgres).await
    }
}
