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
    /// County of the synthetic households.
    #[arg(long, default_value = "520526")]
    county: String,
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

    let file = dir.join("households.csv");
    let t = Instant::now();
    let (h, p) = write_population(&args.county, args.households, 7, &file, &args.divisions)?;
    let report =
        registry_file::import_file(&store, &file, Some(args.county.as_str()), true, || {}).await?;
    if !report.errors.is_empty() {
        bail!("bench file did not import: {}", report.errors[0]);
    }
    println!(
        "registry: {h} households, {p} persons imported in {:.1} s",
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
            let started = Instant::now();
            let mut tasks = Vec::new();
            for _ in 0..clients {
                let mut http = server.client().await?;
                let path = path.clone();
                let auth = format!("Bearer {token}");
                let n = args.requests;
                tasks.push(tokio::spawn(async move {
                    let mut times = Vec::with_capacity(n);
                    let mut bad = 0usize;
                    for _ in 0..n {
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
            println!(
                "{what:8} {path}: {clients:>3} clients × {} requests: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms; {:.0} requests/s; {bad} failed",
                args.requests,
                quantile(&all, 0.50),
                quantile(&all, 0.95),
                quantile(&all, 0.99),
                all.len() as f64 / secs
            );
        }
    }
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
