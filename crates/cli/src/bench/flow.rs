//! `dixian bench flow`: the whole screening flow of a county through the
//! store, timed step by step — the synthetic population registered, the
//! ten department feeds generated and loaded as batches, one screening run
//! storing its warnings, and a second run that must add nothing. Prints
//! figures; it is not a test.

use crate::commands::{self, county_townships};
use anyhow::Context;
use chrono::{NaiveDate, Utc};
use dixian_app::run_screening;
use dixian_domain::{Household, RegionCode};
use dixian_screen::RuleBook;
use dixian_sim::feeds::{self, Thresholds};
use dixian_store::{Actor, Store, households};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Arguments of `dixian bench flow`.
#[derive(clap::Args)]
pub struct Args {
    /// Households of the synthetic county.
    #[arg(long, default_value_t = 30_000)]
    households: u64,
    /// County whose villages hold them.
    #[arg(long, default_value = "520526")]
    county: String,
    /// Shocks planted per feed kind.
    #[arg(long, default_value_t = 50)]
    shocks: usize,
    /// Folder of the division files.
    #[arg(long, default_value = crate::demo::DEFAULT_DIVISIONS)]
    divisions: PathBuf,
    /// A fresh PostgreSQL database (server of DIXIAN_TEST_PG) instead of SQLite.
    #[arg(long)]
    postgres: bool,
}

fn line(step: &str, n: u64, unit: &str, secs: f64) {
    println!(
        "{step:<34} {n:>9} {unit:<9} {secs:>7.2} s  {:>9.0} {unit}/s",
        n as f64 / secs.max(1e-9)
    );
}

pub(super) async fn fresh(dir: &Path, postgres: bool) -> anyhow::Result<(Store, String)> {
    if postgres {
        let backend = dixian_store::testing::Backend::Postgres;
        let store = dixian_store::testing::fresh_store(backend, dir)
            .await?
            .context("PostgreSQL is not reachable")?;
        return Ok((store, "PostgreSQL (fresh database)".into()));
    }
    let db = dir.join("flow.db");
    let store = commands::open(&commands::Db::unkeyed(
        db.to_str().context("path is not UTF-8")?,
    ))
    .await?;
    Ok((store, format!("SQLite {}", db.display())))
}

pub(super) async fn register(
    store: &Store,
    county: &RegionCode,
    people: &[Household],
) -> anyhow::Result<()> {
    let mut imp =
        households::Importer::begin(&store.pool, &Actor::operator(county.clone())).await?;
    for h in people {
        // Registered as a county registers: without 监测类别 (set only
        // by identification or the county's migration).
        imp.add(Household {
            category: None,
            ..h.clone()
        })
        .await?;
    }
    let (issues, _) = imp.finish(true).await?;
    if let Some(i) = issues.first() {
        anyhow::bail!("synthetic data rejected: {} {}", i.field, i.reason);
    }
    Ok(())
}

/// The synthetic population of `county` (seed 7), in memory.
pub(super) fn population(
    divisions: &Path,
    county: &RegionCode,
    households: u64,
    as_of: NaiveDate,
) -> anyhow::Result<Vec<Household>> {
    let spec = dixian_sim::PopulationSpec {
        townships: county_townships(divisions, county)?,
        households,
        seed: 7,
        as_of,
    };
    spec.validate()?;
    let mut people = Vec::with_capacity(households as usize);
    dixian_sim::generate(&spec, |h| {
        people.push(h);
        Ok::<_, std::convert::Infallible>(())
    })?;
    Ok(people)
}

/// The ten department feeds of `sim feeds` over `people` (`shocks` per
/// kind), each loaded as a batch through the same path as `dixian feeds
/// import`; returns the rows loaded and the seconds spent generating and
/// loading.
pub(super) async fn load_feeds(
    store: &Store,
    book: &RuleBook,
    county: &RegionCode,
    people: &[Household],
    shocks: usize,
    as_of: NaiveDate,
) -> anyhow::Result<(u64, f64, f64)> {
    let set = book
        .select(county, as_of)
        .context("no rule set for the county")?;
    let th = Thresholds::of(set)?;
    let officer = crate::demo::feeds::officer(county);
    let (mut gen_s, mut load_s, mut rows) = (0.0, 0.0, 0u64);
    for (i, kind) in feeds::FeedKind::ALL.iter().enumerate() {
        let t = Instant::now();
        let spec = crate::demo::feeds::spec(*kind, as_of, shocks, 7 + i as u64);
        let f = feeds::feed(people, &spec, &th)?;
        gen_s += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let name = format!("{}.csv", kind.code());
        rows += crate::demo::feeds::load(store, &officer, *kind, name, f.bytes)
            .await?
            .0;
        load_s += t.elapsed().as_secs_f64();
    }
    Ok((rows, gen_s, load_s))
}

/// Runs the flow and prints each step.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let county = RegionCode::parse(&args.county)?;
    let dir = std::env::temp_dir().join(format!("dixian-flow-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (store, what) = fresh(&dir, args.postgres).await?;
    let threads = crate::config::default_threads();
    println!("machine: {threads} cores; database: {what}");
    commands::import_regions(&store, &args.divisions, Some(&county)).await?;
    let as_of: NaiveDate = dixian_domain::case::china_date(Utc::now());

    let t = Instant::now();
    let people = population(&args.divisions, &county, args.households, as_of)?;
    register(&store, &county, &people).await?;
    let persons: usize = people.iter().map(|h| h.members.len()).sum();
    line(
        "register households (persons)",
        persons as u64,
        "persons",
        t.elapsed().as_secs_f64(),
    );

    let book = RuleBook::shipped();
    let (rows, gen_s, load_s) =
        load_feeds(&store, &book, &county, &people, args.shocks, as_of).await?;
    let officer = crate::demo::feeds::officer(&county);
    line("generate 10 feeds (CSV)", rows, "rows", gen_s);
    line(
        "load 10 batches (parse, match, store)",
        rows,
        "rows",
        load_s,
    );

    let t = Instant::now();
    let first = run_screening(&store, &officer, &book, as_of, Utc::now(), threads).await?;
    line(
        "screening run → warnings stored",
        first.run.rows_screened as u64,
        "rows",
        t.elapsed().as_secs_f64(),
    );
    println!(
        "{:<34} {:>9} new warnings ({} hits)",
        "", first.run.warnings_raised, first.hits
    );
    let t = Instant::now();
    let again = run_screening(&store, &officer, &book, as_of, Utc::now(), threads).await?;
    line(
        "second run (must add nothing)",
        again.run.rows_screened as u64,
        "rows",
        t.elapsed().as_secs_f64(),
    );
    println!(
        "{:<34} {:>9} new warnings, {} known{}",
        "",
        again.run.warnings_raised,
        again.run.warnings_known,
        again
            .run
            .repeats_run
            .map(|r| format!(" (no-op: nothing new since run {r})"))
            .unwrap_or_default()
    );
    // One household edited: its village's part of the registry index is
    // rebuilt, the others are loaded; a full pass.
    store
        .pool
        .execute(dixian_store::db::q(
            "UPDATE households SET income_wage = income_wage + 1 WHERE id = (SELECT MIN(id) FROM households)",
        ))
        .await?;
    let t = Instant::now();
    let edited = run_screening(&store, &officer, &book, as_of, Utc::now(), threads).await?;
    line(
        "run after one household's edit",
        edited.run.rows_screened as u64,
        "rows",
        t.elapsed().as_secs_f64(),
    );
    let t = Instant::now();
    let last = run_screening(&store, &officer, &book, as_of, Utc::now(), threads).await?;
    line(
        "re-run after it",
        last.run.rows_screened as u64,
        "rows",
        t.elapsed().as_secs_f64(),
    );
    println!(
        "{:<34} {:>9} new warnings, {} known{}",
        "",
        last.run.warnings_raised,
        last.run.warnings_known,
        last.run
            .repeats_run
            .map(|r| format!(" (no-op: nothing new since run {r})"))
            .unwrap_or_default()
    );
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
