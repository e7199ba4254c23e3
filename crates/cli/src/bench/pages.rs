//! `dixian bench pages`: the county-wide pages through the real server —
//! `/warnings`, `/regions/{county}`, `/inbox` and `/api/v1/warnings` as a
//! county administrator reads them — over a synthetic county whose
//! warnings come from the product's own path (population registered,
//! the ten department feeds loaded as batches, one screening run).
//! Prints p50/p95/p99 and requests/s under each number of clients.

use super::flow::{fresh, load_feeds, population, register};
use super::stats::measure;
use super::trust::Server;
use crate::commands;
use anyhow::Context;
use chrono::Utc;
use dixian_app::run_screening;
use dixian_domain::{RegionCode, Role};
use dixian_screen::RuleBook;
use dixian_store::db::q;
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `dixian bench pages`.
#[derive(clap::Args)]
pub struct Args {
    /// Households of the synthetic county (3.6 persons each on average).
    #[arg(long, default_value_t = 300_000)]
    households: u64,
    /// Shocks planted per feed kind (default: one per 600 households, so
    /// that 300,000 households get about a million feed rows).
    #[arg(long)]
    shocks: Option<usize>,
    /// County whose villages hold them.
    #[arg(long, default_value = "520526")]
    county: String,
    /// Concurrent clients to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,20")]
    clients: Vec<usize>,
    /// Requests per client and measurement.
    #[arg(long, default_value_t = 50)]
    requests: usize,
    /// Keep the SQLite database in this file, and reuse it when it already
    /// holds households (seeding a 300,000-household county takes minutes;
    /// a second run measures the same data, e.g. before and after a change).
    #[arg(long)]
    db: Option<PathBuf>,
    /// A fresh PostgreSQL database (server of DIXIAN_TEST_PG) instead of SQLite.
    #[arg(long, conflicts_with = "db")]
    postgres: bool,
    /// Folder of the division files.
    #[arg(long, default_value = crate::demo::DEFAULT_DIVISIONS)]
    divisions: PathBuf,
}

/// Seeds the county (unless the database holds it already), starts the
/// server and measures the four pages.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let county = RegionCode::parse(&args.county)?;
    let dir = std::env::temp_dir().join(format!("dixian-bench-pages-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (store, what) = match &args.db {
        Some(db) => {
            let path = db.to_str().context("path is not UTF-8")?;
            let store = commands::open(&commands::Db::unkeyed(path)).await?;
            (store, format!("SQLite {}", db.display()))
        }
        None => fresh(&dir, args.postgres).await?,
    };
    println!(
        "machine: {} cores; database: {what}",
        crate::config::default_threads()
    );
    let (held,): (i64,) = store.pool.one(q("SELECT COUNT(*) FROM households")).await?;
    if held == 0 {
        seed(&store, &args, &county).await?;
    } else {
        println!("reusing the database: {held} households");
    }
    let (households, persons, rows, open, all): (i64, i64, i64, i64, i64) = store
        .pool
        .one(q(
            "SELECT (SELECT COUNT(*) FROM households), (SELECT COUNT(*) FROM members),
                    (SELECT COUNT(*) FROM feed_rows),
                    (SELECT COUNT(*) FROM warnings WHERE status = 'open'), (SELECT COUNT(*) FROM warnings)",
        ))
        .await?;
    println!(
        "data: {households} households, {persons} persons, {rows} feed rows, {all} warnings ({open} open)"
    );

    let server = Server::start(store.clone()).await?;
    let name = format!("bench-pages-{}", std::process::id());
    let token = server
        .user(&name, Role::CountyAdmin, county.as_str())
        .await?;
    let paths = [
        ("warnings", "/warnings".to_string()),
        ("region", format!("/regions/{county}")),
        ("inbox", "/inbox".to_string()),
        ("api", "/api/v1/warnings".to_string()),
    ];
    // One request each first: the first reader after the seeding recounts
    // the waiting villages (docs/figures.md); timed apart.
    for (what, path) in &paths {
        let mut c = server.client().await?;
        let t = Instant::now();
        let (status, _) = c
            .send(
                "GET",
                path,
                &[("Authorization", format!("Bearer {token}"))],
                b"",
            )
            .await?;
        println!(
            "first {what:8} {path}: {status} in {:.1} ms",
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
    for &clients in &args.clients {
        for (what, path) in &paths {
            measure(&server, what, path, &token, clients, args.requests).await?;
        }
    }
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// The county through the product's paths: divisions, households,
/// department feeds as batches, one screening run.
async fn seed(store: &dixian_store::Store, args: &Args, county: &RegionCode) -> anyhow::Result<()> {
    let t = Instant::now();
    commands::import_regions(store, &args.divisions, Some(county)).await?;
    let as_of = dixian_domain::case::china_date(Utc::now());
    let people = population(&args.divisions, county, args.households, as_of)?;
    register(store, county, &people).await?;
    let persons: usize = people.iter().map(|h| h.members.len()).sum();
    println!(
        "registered {} households, {persons} persons in {:.1} s",
        people.len(),
        t.elapsed().as_secs_f64()
    );
    let book = RuleBook::shipped();
    let shocks = args
        .shocks
        .unwrap_or((args.households / 600).max(1) as usize);
    let (rows, _, load_s) = load_feeds(store, &book, county, &people, shocks, as_of).await?;
    println!("loaded {rows} feed rows ({shocks} shocks per kind) in {load_s:.1} s");
    let t = Instant::now();
    let officer = crate::demo::feeds::officer(county);
    let threads = crate::config::default_threads();
    let run = run_screening(store, &officer, &book, as_of, Utc::now(), threads).await?;
    println!(
        "screening run: {} warnings raised in {:.1} s",
        run.run.warnings_raised,
        t.elapsed().as_secs_f64()
    );
    Ok(())
}
