//! The data exchange at the command line (docs/exchange.md):
//! `exchange export` writes a region's households, warnings and measures
//! as `dixian-exchange/1` packages (one file per page, JSON or CSV);
//! `exchange import` receives packages, each all or nothing. The operator
//! acts as the region's data officer (`Role::exchanges_data`).

use crate::commands::{Db, open};
use anyhow::{Context, bail};
use dixian_app::exchange::{self, Body, FORMAT, RecordType};
use dixian_domain::{RegionCode, Role, Scope};
use dixian_store::Actor;
use dixian_store::exchange::PageRequest;
use std::path::{Path, PathBuf};

fn officer(region: &str) -> anyhow::Result<Actor> {
    Ok(Actor {
        user_id: None,
        scope: Scope {
            role: Role::DataOfficer,
            region: RegionCode::parse(region)?,
        },
    })
}

/// `dixian exchange export --region R [--since T] --out DIR`.
pub async fn export(
    db: &Db,
    region: &str,
    since: Option<&str>,
    out: &Path,
    csv: bool,
    types: &[String],
    page_size: i64,
) -> anyhow::Result<()> {
    let since = since
        .map(|s| {
            chrono::DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&chrono::Utc))
                .or_else(|_| {
                    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map(|d| {
                        d.and_hms_opt(0, 0, 0)
                            .expect("midnight")
                            .and_local_timezone(
                                chrono::FixedOffset::east_opt(8 * 3600).expect("+8"),
                            )
                            .single()
                            .expect("fixed offset")
                            .with_timezone(&chrono::Utc)
                    })
                })
                .with_context(|| {
                    format!("--since {s}: a day (2026-01-31, China time) or an RFC 3339 moment")
                })
        })
        .transpose()?;
    let types: Vec<RecordType> = if types.is_empty() {
        RecordType::ALL.to_vec()
    } else {
        types
            .iter()
            .map(|t| RecordType::parse(t).map_err(anyhow::Error::from))
            .collect::<anyhow::Result<_>>()?
    };
    let store = open(db).await?;
    let actor = officer(region)?;
    let region = RegionCode::parse(region)?;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    for t in types {
        let pb = crate::progress::counter(t.code());
        let (mut after, mut n, mut files) = (None, 0usize, 0usize);
        loop {
            let page = PageRequest {
                since,
                after: after.clone(),
                limit: Some(page_size),
            };
            let pkg = exchange::export_page(&store, &actor, t, &region, &page, chrono::Utc::now())
                .await?;
            if pkg.records.is_empty() && files > 0 {
                break;
            }
            files += 1;
            n += pkg.records.len();
            pb.inc(pkg.records.len() as u64);
            let ext = if csv { "csv" } else { "json" };
            let path = out.join(format!("{}-{:04}.{ext}", t.code(), files));
            let bytes = if csv {
                exchange::to_csv(&pkg)?
            } else {
                serde_json::to_vec_pretty(&pkg)?
            };
            std::fs::write(&path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            after = pkg.next.clone();
            if after.is_none() {
                break;
            }
        }
        pb.finish_and_clear();
        println!("{}: {n} record(s) in {files} file(s) ({FORMAT})", t.code());
    }
    println!(
        "written to {} — personal data: keep and send it as the data-sharing agreement says (含个人信息，按共享协议传输保管)",
        out.display()
    );
    Ok(())
}

/// `dixian exchange import FILE…`: each file one package.
pub async fn import(
    db: &Db,
    files: &[PathBuf],
    region: &str,
    record_type: Option<&str>,
    format: &str,
) -> anyhow::Result<()> {
    let store = open(db).await?;
    let actor = officer(region)?;
    let pb = crate::progress::bar(files.len() as u64, "packages");
    let mut rejected = 0;
    for file in files {
        let bytes =
            std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let body = if name.to_ascii_lowercase().ends_with(".csv") {
            let t = match record_type {
                Some(t) => t,
                None => name.split(['-', '.']).next().unwrap_or_default(),
            };
            Body::Csv(RecordType::parse(t).with_context(|| {
                format!(
                    "{}: name the record type with --type (households or measures)",
                    file.display()
                )
            })?)
        } else {
            Body::Json
        };
        let r = exchange::import(
            &store,
            &actor,
            body,
            Some(format),
            bytes,
            chrono::Utc::now(),
        )
        .await
        .with_context(|| file.display().to_string())?;
        pb.inc(1);
        pb.suspend(|| {
            for p in &r.problems {
                let field = p
                    .field
                    .as_deref()
                    .map(|f| format!(" ({f})"))
                    .unwrap_or_default();
                eprintln!(
                    "{}: record/line {}{field}: {}",
                    file.display(),
                    p.line,
                    p.reason
                );
            }
            if r.problems_total > r.problems.len() {
                eprintln!("… {} problems in all", r.problems_total);
            }
            println!(
                "{}: {} {} record(s): {} — {} stored, {} unchanged, {} unplaced (sha256 {})",
                file.display(),
                r.records,
                r.record_type.code(),
                r.outcome,
                r.stored,
                r.unchanged,
                r.unplaced.len(),
                &r.sha256[..12]
            );
        });
        if r.outcome == "rejected" {
            rejected += 1;
        }
    }
    pb.finish_and_clear();
    if rejected > 0 {
        bail!("{rejected} package(s) rejected; nothing of them was written (交换包被拒绝，未写入)");
    }
    Ok(())
}
