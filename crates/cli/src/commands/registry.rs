//! The registry's commands: the division table, household files in and out.

use crate::commands::{Db, open};
use crate::progress;
use anyhow::{Context, bail};
use dixian_app::registry;
use dixian_domain::{RegionCode, RegionLevel};
use dixian_store::{Actor, Store, regions};
use dixian_tabular::household_file::{CsvHouseholdWriter, HeaderLanguage, XlsxHouseholdWriter};
use std::path::Path;
use std::time::Instant;

/// Imports the division table with a progress bar; returns rows written.
pub async fn import_regions(
    store: &Store,
    dir: &Path,
    only: Option<&RegionCode>,
) -> anyhow::Result<u64> {
    let pb = progress::counter("regions");
    let mut base = 0;
    let mut last_level = RegionLevel::Province;
    let counts = regions::import(&store.pool, dir, only, |level, done, _total| {
        if level != last_level {
            base = pb.position();
            last_level = level;
        }
        pb.set_position(base + done);
    })
    .await?;
    pb.finish_and_clear();
    Ok(counts.total())
}

pub async fn regions_import(db: &Db, dir: &Path, only: Option<&str>) -> anyhow::Result<()> {
    let store = open(db).await?;
    let only = only.map(RegionCode::parse).transpose()?;
    let t = Instant::now();
    let n = import_regions(&store, dir, only.as_ref()).await?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{n} regions imported in {secs:.2} s ({:.0} rows/s)",
        n as f64 / secs
    );
    Ok(())
}

pub async fn households_import(
    db: &Db,
    file: &Path,
    region: Option<&str>,
    dry_run: bool,
    report_to: Option<&Path>,
) -> anyhow::Result<()> {
    let store = open(db).await?;
    let t = Instant::now();
    let pb = progress::counter("households");
    let report = registry::import_file(&store, file, region, !dry_run, || pb.inc(1)).await?;
    pb.finish_and_clear();
    for (col, name) in &report.unknown_columns {
        eprintln!("note: column {col} ({name}) is not used (未使用的列)");
    }
    let secs = t.elapsed().as_secs_f64();
    if !report.errors.is_empty() {
        for e in report.errors.iter().take(200) {
            eprintln!("{}: {e}", file.display());
        }
        if report.errors.len() > 200 {
            eprintln!("… and {} more", report.errors.len() - 200);
        }
        if let Some(out) = report_to {
            let name = file
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let table = dixian_app::exports::row_report(
                &report.problems,
                report.problems.len(),
                region.unwrap_or(""),
                &name,
                dixian_app::exports::ExportLimits::default(),
            );
            std::fs::write(out, table.xlsx(false)?)
                .with_context(|| format!("cannot write {}", out.display()))?;
            eprintln!("row report written to {} (错误报告已写入)", out.display());
        }
        bail!(
            "{} problem(s) found; nothing was written (发现{}处错误，未写入任何数据)",
            report.errors.len(),
            report.errors.len()
        );
    }
    let (h, p) = report.written;
    if dry_run {
        println!("file is valid (文件校验通过); nothing written (--dry-run)");
    } else {
        println!(
            "{h} households, {p} persons imported in {secs:.2} s ({:.0} persons/s)",
            p as f64 / secs
        );
    }
    Ok(())
}

/// `dixian households export`: the registry of a region with members in
/// full. Refused without `--reason`; the export (region, rows, reason) is
/// one audit row. A file left half-written by a failure is removed.
pub async fn households_export(
    db: &Db,
    region: &str,
    format: &str,
    out: &Path,
    english: bool,
    reason: Option<&str>,
) -> anyhow::Result<()> {
    // Refused before the database is opened or a file created.
    registry::check_export_reason(reason)?;
    if !matches!(format, "csv" | "xlsx") {
        bail!("unknown format {format}: use csv or xlsx");
    }
    let store = open(db).await?;
    let region = RegionCode::parse(region)?;
    let actor = Actor::operator(region.clone());
    let lang = if english {
        HeaderLanguage::English
    } else {
        HeaderLanguage::Chinese
    };
    let pb = progress::counter("households");
    let written = match format {
        "csv" => {
            let f = std::fs::File::create(out)
                .with_context(|| format!("cannot create {}", out.display()))?;
            let mut w = CsvHouseholdWriter::new(std::io::BufWriter::new(f), lang)?;
            let n = registry::export(&store, &actor, &region, format, reason, |h| {
                pb.inc(1);
                w.write(h)
                    .map_err(|e| dixian_store::StoreError::Invalid(e.to_string()))
            })
            .await;
            n.map_err(anyhow::Error::from)
                .and_then(|n| w.finish().map(|_| n).map_err(anyhow::Error::from))
        }
        _ => {
            let mut w = XlsxHouseholdWriter::new(lang)?;
            let n = registry::export(&store, &actor, &region, format, reason, |h| {
                pb.inc(1);
                w.write(h)
                    .map_err(|e| dixian_store::StoreError::Invalid(e.to_string()))
            })
            .await;
            n.map_err(anyhow::Error::from)
                .and_then(|n| w.save(out).map(|_| n).map_err(anyhow::Error::from))
        }
    };
    pb.finish_and_clear();
    let n = match written {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_file(out);
            return Err(e);
        }
    };
    println!(
        "{n} households written to {} (export recorded in the audit log)",
        out.display()
    );
    Ok(())
}
