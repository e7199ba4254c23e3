//! The national roll-up through PostgreSQL's own machinery (issue 14,
//! part 5): two provinces in two PostgreSQL clusters — 贵州 (52) in the
//! test server, 云南 (53) in a second cluster this test starts with
//! `pg_createcluster` on a free port — attached to a national database
//! as `postgres_fdw` partitions of `national.stats`. The national
//! figures equal the hand-counted fixture of each province; a province's
//! read touches only its partition (EXPLAIN); a database of the wrong
//! province and an unreachable one are refused and leave nothing
//! attached; a detached province is gone from the figures.
//!
//! PostgreSQL only: it runs whenever `CI` is set (and fails there if the
//! server or `pg_createcluster` is missing); elsewhere it skips when
//! either is unavailable.

mod common;

use chrono::NaiveDate;
use dixian_app::figures::{self, Period};
use dixian_app::national;
use dixian_domain::{Category, IdNumber, RegionCode};
use dixian_screen::RuleBook;
use dixian_store::db::q;
use dixian_store::rollup::{self, Source};
use dixian_store::testing::{Backend, fresh_store, in_ci, skip};
use dixian_store::{Actor, Store, households};
use std::path::PathBuf;
use std::process::Command;

fn today() -> NaiveDate {
    common::date(2026, 3, 1)
}

fn divisions() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/divisions")
}

/// A second PostgreSQL cluster of this machine's version, trust auth on
/// 127.0.0.1, dropped when the test ends.
struct Cluster {
    version: String,
    name: String,
    port: u16,
}

impl Cluster {
    fn start() -> Result<Cluster, String> {
        let version = std::fs::read_dir("/usr/lib/postgresql")
            .map_err(|e| format!("no /usr/lib/postgresql: {e}"))?
            .filter_map(|d| d.ok()?.file_name().into_string().ok())
            .filter(|v| v.chars().all(|c| c.is_ascii_digit()))
            .max_by_key(|v| v.parse::<u32>().unwrap_or(0))
            .ok_or("no PostgreSQL version installed")?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let name = format!("dixian{}", std::process::id());
        let out = Command::new("pg_createcluster")
            .args([&version, &name, "-p", &port.to_string(), "--start"])
            .args(["--", "--auth=trust"])
            .output()
            .map_err(|e| format!("pg_createcluster: {e}"))?;
        let cluster = Cluster {
            version,
            name,
            port,
        };
        if !out.status.success() {
            return Err(format!(
                "pg_createcluster failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(cluster)
    }

    fn server(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("pg_dropcluster")
            .args(["--stop", &self.version, &self.name])
            .output();
    }
}

/// A province's database: its county's divisions, `households` one-person
/// households in `villages` (round robin), the first `monitored` of them
/// monitored (marginal at risk), figures counted.
async fn province(store: &Store, county: &str, villages: &[&str], households: u16, monitored: u16) {
    let code = RegionCode::parse(county).unwrap();
    dixian_store::regions::import(&store.pool, &divisions(), Some(&code), |_, _, _| {})
        .await
        .unwrap();
    let op = Actor::operator(code.clone());
    for i in 0..households {
        let village = villages[usize::from(i) % villages.len()];
        let person = IdNumber::from_parts(county, common::date(1970, 1, 1), 100 + i).unwrap();
        let h = common::household_in(village, &format!("{county}-{i}"), person.as_str());
        households::create(&store.pool, &op, &h).await.unwrap();
        if i < monitored {
            store
                .pool
                .execute(
                    q("UPDATE households SET category = $1 WHERE number = $2")
                        .bind(Category::MarginalAtRisk.code())
                        .bind(format!("{county}-{i}")),
                )
                .await
                .unwrap();
        }
    }
    figures::rebuild(store, &RuleBook::shipped(), today())
        .await
        .unwrap();
}

/// The database name of a store opened on `server` for the source URL.
async fn database_name(store: &Store) -> String {
    let (name,): (String,) = store
        .pool
        .one(q("SELECT current_database()::TEXT"))
        .await
        .unwrap();
    name
}

#[tokio::test]
async fn national_figures_roll_up_two_provinces_in_two_clusters() {
    let dir = tempfile::tempdir().unwrap();
    let Some(guizhou) = fresh_store(Backend::Postgres, dir.path()).await.unwrap() else {
        return;
    };
    let cluster = match Cluster::start() {
        Ok(c) => c,
        Err(e) => {
            assert!(!in_ci(), "CI must run the roll-up test: {e}");
            skip(&format!("second PostgreSQL cluster: {e}"));
            return;
        }
    };
    // 云南's database in the second cluster.
    let yunnan_url = dixian_store::create_postgres_database(&cluster.server(), "dixian_yunnan")
        .await
        .unwrap();
    let yunnan = Store::open(&yunnan_url).await.unwrap();
    yunnan.migrate().await.unwrap();
    let national = fresh_store(Backend::Postgres, dir.path())
        .await
        .unwrap()
        .unwrap();

    // 贵州: 5 households (2 monitored) over two villages of 威宁;
    // 云南: 3 households (1 monitored) in 贡山.
    province(
        &guizhou,
        "520526",
        &[common::VILLAGE_A, common::VILLAGE_B],
        5,
        2,
    )
    .await;
    province(&yunnan, "533324", &["533324101001", "533324101002"], 3, 1).await;

    let guizhou_source = Source::parse(&format!(
        "postgres://postgres@127.0.0.1:5432/{}",
        database_name(&guizhou).await
    ))
    .unwrap();
    let yunnan_source = Source::parse(&format!(
        "postgres://postgres@127.0.0.1:{}/dixian_yunnan",
        cluster.port
    ))
    .unwrap();
    let p52 = RegionCode::parse("52").unwrap();
    let p53 = RegionCode::parse("53").unwrap();

    // The wrong province's database is refused, nothing stays attached.
    let e = rollup::attach(&national.pool, &p53, &guizhou_source)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("province 52"), "{e}");
    assert!(rollup::provinces(&national.pool).await.unwrap().is_empty());
    // So is one nobody listens on.
    let mut nowhere = yunnan_source.clone();
    nowhere.port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = rollup::attach(&national.pool, &p53, &nowhere)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("cannot be read"), "{e}");
    assert!(rollup::provinces(&national.pool).await.unwrap().is_empty());

    rollup::attach(&national.pool, &p52, &guizhou_source)
        .await
        .unwrap();
    rollup::attach(&national.pool, &p53, &yunnan_source)
        .await
        .unwrap();
    assert_eq!(
        rollup::provinces(&national.pool).await.unwrap(),
        ["52", "53"]
    );

    let period = Period::parse(Some("2025-04"), Some("2026-03"), today()).unwrap();
    let r = national::report(&national, None, &period, today())
        .await
        .unwrap();
    let by_area: Vec<(&str, i64, i64, i64)> = r
        .areas
        .iter()
        .map(|a| {
            (
                a.region.code.as_str(),
                a.figures.households,
                a.figures.persons,
                a.figures.monitored_households,
            )
        })
        .collect();
    assert_eq!(by_area, [("52", 5, 5, 2), ("53", 3, 3, 1)]);
    assert_eq!((r.total.households, r.total.monitored_households), (8, 3));
    // Each province's own figures say the same.
    let own = figures::report(
        &yunnan,
        &Actor::operator(RegionCode::parse("533324").unwrap()),
        &RuleBook::shipped(),
        "533324",
        &period,
        today(),
    )
    .await
    .unwrap();
    assert_eq!(r.areas[1].figures.by_category, own.total.by_category);

    // One province, per county: its partition only.
    let one = national::report(&national, Some(&p53), &period, today())
        .await
        .unwrap();
    assert_eq!(one.areas.len(), 1);
    assert_eq!(one.areas[0].region.code, "533324");
    assert_eq!(one.total.households, 3);
    let plan: Vec<(String,)> = national
        .pool
        .all(q(
            "EXPLAIN SELECT county, SUM(value) FROM national.stats WHERE province = '53' GROUP BY county",
        ))
        .await
        .unwrap();
    let plan = plan
        .into_iter()
        .map(|(l,)| l)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(plan.contains("stats_53"), "{plan}");
    assert!(!plan.contains("stats_52"), "pruned: {plan}");

    // What crossed is counts per county: no village code, no person.
    let (villages,): (i64,) = national
        .pool
        .one(q(
            "SELECT COUNT(*) FROM national.stats WHERE length(county) <> 6",
        ))
        .await
        .unwrap();
    assert_eq!(villages, 0);

    // Detached: gone from the figures; attach and detach are audited.
    assert!(rollup::detach(&national.pool, &p53).await.unwrap());
    assert!(!rollup::detach(&national.pool, &p53).await.unwrap());
    let r = national::report(&national, None, &period, today())
        .await
        .unwrap();
    assert_eq!(r.areas.len(), 1);
    assert_eq!(r.total.households, 5);
    let (audited,): (i64,) = national
        .pool
        .one(q(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'national_source'",
        ))
        .await
        .unwrap();
    assert_eq!(audited, 3, "two attachments, one detachment");

    yunnan.pool.close().await;
    drop(cluster);
}

#[tokio::test]
async fn the_roll_up_is_refused_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(Backend::Sqlite, dir.path())
        .await
        .unwrap()
        .unwrap();
    let e = rollup::provinces(&store.pool)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("PostgreSQL"), "{e}");
    let source = Source::parse("postgres://u@h/d").unwrap();
    let e = rollup::attach(&store.pool, &RegionCode::parse("520526").unwrap(), &source)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("PostgreSQL"), "{e}");
}
