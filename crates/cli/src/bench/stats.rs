//! `dixian bench stats`: the figures' API through the real server over a
//! synthetic county — p50/p95/p99 of the county and province answers
//! under 1 and more concurrent clients, the full recount (`stats
//! rebuild`) and the first read after a write (one village recounted).

use super::trust::{Server, quantile};
use crate::commands::{import_regions, write_population};
use anyhow::{Context, bail};
use dixian_domain::Role;
use dixian_store::db::q;
use dixian_store::registry_file;
use dixian_store::testing::Backend;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Args {
    /// Use a fresh PostgreSQL database on the server of DIXIAN_TEST_PG
    /// (default postgres://postgres@127.0.0.1:5432/postgres) instead of SQLite.
    #[arg(long)]
    postgres: bool,
    /// Households of the synthetic county (3.7 persons each on average).
    #[arg(long, default_value_t = 300_000)]
    households: u64,
    /// Concurrent clients to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,20,50")]
    clients: Vec<usize>,
    /// Requests per client and measurement.
    #[arg(long, default_value_t = 50)]
    requests: usize,
    /// County of the synthetic households (the county read), and whose
    /// province is read.
    #[arg(long, default_value = "520526")]
    county: String,
    /// Counties of the province to populate, each with `--households`
    /// households, through the registry import (one file per county):
    /// 1 = only `--county`; 0 = every county of the province (a
    /// synthetic province: 88 counties × 31,000 households ≈ 10 M persons
    /// in 贵州).
    #[arg(long, default_value_t = 1)]
    counties: usize,
    /// Folder of the division files.
    #[arg(long, default_value = crate::demo::DEFAULT_DIVISIONS)]
    divisions: PathBuf,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let backend = if args.postgres {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    let dir = std::env::temp_dir().join(format!("dixian-bench-stats-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    println!(
        "machine: {} cores; backend: {backend:?}",
        crate::config::default_threads()
    );
    let store = dixian_store::testing::fresh_store(backend, &dir)
        .await?
        .context("PostgreSQL is not reachable")?;
    let province = &args.county[..2];
    let t = Instant::now();
    let regions = import_regions(
        &store,
        &args.divisions,
        Some(&dixian_domain::RegionCode::parse(province)?),
    )
    .await?;
    println!(
        "regions of province {province}: {regions} rows in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let counties = populated_counties(&store, &args).await?;
    let file = dir.join("households.csv");
    let t = Instant::now();
    let (mut h, mut p) = (0, 0);
    for (i, county) in counties.iter().enumerate() {
        let (ch, cp) = match write_population(
            county,
            args.households,
            7 + i as u64,
            &file,
            &args.divisions,
        ) {
            Ok(x) => x,
            // A county the division files give no villages: said, not hidden.
            Err(e) if i > 0 => {
                println!("  {county}: skipped ({e})");
                continue;
            }
            Err(e) => return Err(e),
        };
        let report =
            registry_file::import_file(&store, &file, Some(county.as_str()), true, || {}).await?;
        if !report.errors.is_empty() {
            bail!(
                "bench file of {county} did not import: {}",
                report.errors[0]
            );
        }
        (h, p) = (h + ch, p + cp);
        if counties.len() > 1 {
            println!(
                "  {county}: {ch} households, {cp} persons ({} of {} counties, {:.0} s so far)",
                i + 1,
                counties.len(),
                t.elapsed().as_secs_f64()
            );
        }
    }
    println!(
        "registry: {h} households, {p} persons in {} counties imported in {:.1} s",
        counties.len(),
        t.elapsed().as_secs_f64()
    );
    // One household in ten monitored, as a county's list would have it.
    let codes = [
        "unstable_formerly_poor",
        "marginal_at_risk",
        "sudden_hardship",
    ];
    for (i, c) in codes.iter().enumerate() {
        store
            .pool
            .execute(
                q(format!(
                    "UPDATE households SET category = $1 WHERE id % 30 = {}",
                    i * 10
                ))
                .bind(*c),
            )
            .await?;
    }

    let book = dixian_web::shipped_rules();
    let today = dixian_domain::case::china_date(chrono::Utc::now());
    let t = Instant::now();
    let villages = dixian_app::figures::rebuild(&store, &book, today).await?;
    println!(
        "stats rebuild: {villages} villages recounted in {:.2} s",
        t.elapsed().as_secs_f64()
    );

    let server = Server::start(store.clone()).await?;
    let county_token = server
        .user("bench-county", Role::CountyAdmin, &args.county)
        .await?;
    let province_token = server
        .user("bench-province", Role::Viewer, province)
        .await?;
    let county_path = format!("/api/v1/figures/{}", args.county);
    let province_path = format!("/api/v1/figures/{province}");

    // The first read after a write recounts the written village only.
    let (village,): (String,) = store
        .pool
        .one(q("SELECT village_code FROM households ORDER BY id LIMIT 1"))
        .await?;
    store
        .pool
        .execute(q("UPDATE households SET category = 'marginal_at_risk' WHERE id = (SELECT MIN(id) FROM households)"))
        .await?;
    let mut c = server.client().await?;
    let t = Instant::now();
    let (status, _) = c
        .send(
            "GET",
            &county_path,
            &[("Authorization", format!("Bearer {county_token}"))],
            b"",
        )
        .await?;
    println!(
        "first county read after a write in village {village}: {status} in {:.1} ms (that village recounted)",
        t.elapsed().as_secs_f64() * 1000.0
    );

    for (what, path, token) in [
        ("county", &county_path, &county_token),
        ("province", &province_path, &province_token),
    ] {
        for &clients in &args.clients {
            measure(&server, what, path, token, clients, args.requests).await?;
        }
    }
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// The counties to populate: `--county` first, then (with `--counties`
/// other than 1) the province's other counties in code order, from the
/// imported division table.
async fn populated_counties(
    store: &dixian_store::Store,
    args: &Args,
) -> anyhow::Result<Vec<String>> {
    let mut out = vec![args.county.clone()];
    if args.counties == 1 {
        return Ok(out);
    }
    let province = dixian_domain::RegionCode::parse(&args.county[..2])?;
    for city in dixian_store::regions::children(&store.pool, &province).await? {
        let city = dixian_domain::RegionCode::parse(&city.code)?;
        for county in dixian_store::regions::children(&store.pool, &city).await? {
            if county.code != args.county {
                out.push(county.code);
            }
        }
    }
    if args.counties > 0 {
        out.truncate(args.counties);
    }
    Ok(out)
}

/// `clients` concurrent keep-alive clients asking `path` with `token`,
/// `requests` times each: prints p50/p95/p99 and requests per second, and
/// returns the p99 in milliseconds.
pub(super) async fn measure(
    server: &Server,
    what: &str,
    path: &str,
    token: &str,
    clients: usize,
    requests: usize,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let mut http = server.client().await?;
        let path = path.to_string();
        let auth = format!("Bearer {token}");
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::with_capacity(requests);
            let mut bad = 0usize;
            for _ in 0..requests {
                let t = Instant::now();
                match http
                    .send("GET", &path, &[("Authorization", auth.clone())], b"")
                    .await
                {
                    Ok((200, _)) => times.push(t.elapsed()),
                    _ => bad += 1,
                }
            }
            (times, bad)
        }));
    }
    let mut all: Vec<Duration> = Vec::new();
    let mut bad = 0;
    for task in tasks {
        let (times, b) = task.await?;
        all.extend(times);
        bad += b;
    }
    all.sort();
    let secs = started.elapsed().as_secs_f64();
    let p99 = quantile(&all, 0.99);
    println!(
        "{what:8} {path}: {clients:>3} clients × {requests} requests: p50 {:.1} ms, p95 {:.1} ms, p99 {p99:.1} ms; {:.0} requests/s; {bad} failed",
        quantile(&all, 0.50),
        quantile(&all, 0.95),
        all.len() as f64 / secs
    );
    Ok(p99)
}
