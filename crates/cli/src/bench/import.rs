//! `dixian bench import`: a synthetic registry file through the product's import.

use super::screening::peak_kib;
use crate::commands::{Db, import_regions, open, write_population};
use anyhow::{Context, bail};
use std::path::Path;
use std::time::Instant;

/// Starts a new peak-RSS measurement (Linux: writing 5 to clear_refs
/// resets VmHWM to the current RSS); false where that is not possible.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Peak RSS since the last [`reset_peak`], MiB.
fn peak_mib() -> f64 {
    peak_kib() / 1024.0
}

pub async fn bench_import(
    persons: u64,
    county: &str,
    divisions: &Path,
    dir: Option<&Path>,
    postgres: bool,
) -> anyhow::Result<()> {
    let tmp;
    let dir = match dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            d.to_path_buf()
        }
        None => {
            tmp = std::env::temp_dir().join(format!("dixian-bench-{}", std::process::id()));
            std::fs::create_dir_all(&tmp)?;
            tmp
        }
    };
    let db = dir.join("bench.db");
    let _ = std::fs::remove_file(&db);
    let (store, what) = if postgres {
        let backend = dixian_store::testing::Backend::Postgres;
        let store = dixian_store::testing::fresh_store(backend, &dir)
            .await?
            .context("PostgreSQL is not reachable")?;
        (
            store,
            format!(
                "PostgreSQL (fresh database on {})",
                dixian_store::testing::pg_server()
            ),
        )
    } else {
        (
            open(&Db::unkeyed(db.to_str().context("path is not UTF-8")?)).await?,
            format!("SQLite {}", db.display()),
        )
    };
    println!(
        "machine: {} cores; database: {what}",
        crate::config::default_threads()
    );

    reset_peak();
    let t = Instant::now();
    let n = import_regions(&store, divisions, None).await?;
    let s = t.elapsed().as_secs_f64();
    println!(
        "regions import:    {n:>9} rows    in {s:>7.2} s = {:>9.0} rows/s, peak RSS {:.0} MiB",
        n as f64 / s,
        peak_mib()
    );
    let file = dir.join("households.csv");
    reset_peak();
    let t = Instant::now();
    let (h, p) = write_population(
        county,
        (persons as f64 / 3.7).round() as u64,
        7,
        &file,
        divisions,
    )?;
    let s = t.elapsed().as_secs_f64();
    println!(
        "sim population:    {p:>9} persons in {s:>7.2} s = {:>9.0} persons/s ({h} households), peak RSS {:.0} MiB",
        p as f64 / s,
        peak_mib()
    );
    // The call `dixian households import` makes (app::registry::import_file).
    reset_peak();
    let t = Instant::now();
    let report =
        dixian_app::registry::import_file(&store, &file, Some(county), true, || {}).await?;
    let s = t.elapsed().as_secs_f64();
    if !report.errors.is_empty() {
        bail!("bench file did not import: {}", report.errors[0]);
    }
    let (h, p) = report.written;
    println!(
        "households import: {p:>9} persons in {s:>7.2} s = {:>9.0} persons/s ({h} households, one audit record), peak RSS {:.0} MiB",
        p as f64 / s,
        peak_mib()
    );
    for (phase, d) in &report.timings {
        println!("  {phase:<34} {:>7.2} s", d.as_secs_f64());
    }
    store.close().await;
    if dir.starts_with(std::env::temp_dir()) {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}
