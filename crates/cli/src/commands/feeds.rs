//! Department feeds: `feeds import`.

use crate::commands::{Db, open};
use anyhow::{Context, bail};
use dixian_app::{FeedFile, OnRowErrors, import_feed_with};
use dixian_domain::RegionCode;
use dixian_screen::{FeedKind, write_error_report};
use dixian_store::Actor;
use dixian_store::feeds::BatchOutcome;
use std::path::Path;

/// `dixian feeds import --kind K FILE`.
pub async fn feeds_import(
    db: &Db,
    kind: &str,
    file: &Path,
    region: &str,
    load_good_rows: bool,
    report: Option<&Path>,
) -> anyhow::Result<()> {
    let kind = FeedKind::parse(kind).with_context(|| {
        let all: Vec<_> = FeedKind::ALL.iter().map(|k| k.code()).collect();
        format!("unknown feed kind {kind}; one of: {}", all.join(", "))
    })?;
    let store = open(db).await?;
    let actor = Actor::operator(RegionCode::parse(region)?);
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("feed");
    let policy = if load_good_rows {
        OnRowErrors::LoadGoodRows
    } else {
        OnRowErrors::Reject
    };
    let feed = FeedFile {
        kind,
        name: name.to_string(),
        bytes,
        idempotency_key: None,
    };
    // the bar is the store's progress hook, the one the web's jobs use
    let bar = crate::progress::Bar::new("feed (导入)");
    let r = import_feed_with(&store, &actor, feed, policy, chrono::Utc::now(), &bar).await;
    bar.finish();
    let r = r?;
    for (col, header) in &r.unknown_columns {
        eprintln!("note: column {col} ({header}) is not used (未使用的列)");
    }
    for e in r.errors.iter().take(50) {
        eprintln!("{}: {e}", file.display());
    }
    if let (Some(path), false) = (report, r.errors.is_empty()) {
        let f = std::fs::File::create(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        write_error_report(&r.errors, f)?;
        eprintln!("row report (Excel): {}", path.display());
        if r.errors_total > r.errors.len() {
            eprintln!(
                "the report lists the first {} of {} problems (报告列出前{}处)",
                r.errors.len(),
                r.errors_total,
                r.errors.len()
            );
        }
    }
    match r.outcome {
        Some(BatchOutcome::AlreadyLoaded {
            batch_id,
            imported_at,
        }) => {
            println!(
                "this file was loaded before as batch {batch_id} on {imported_at}; nothing done (该文件已导入)"
            );
        }
        Some(BatchOutcome::Loaded(s)) => {
            println!(
                "batch {}: {} rows stored ({} matched, {} unknown persons = coverage gap, {} duplicates skipped, {} bad rows left out)",
                s.batch_id, s.rows, s.matched, s.unknown, s.duplicates, r.errors_total
            );
            println!("next: dixian screen run — screen the new rows (筛查新数据)");
        }
        None if r.errors_total == 0 => bail!("{}: no rows (文件中没有数据)", file.display()),
        None => bail!(
            "{} bad row(s); nothing was written (use --load-good-rows to keep the good ones) (发现{}处错误，未写入)",
            r.errors_total,
            r.errors_total
        ),
    }
    Ok(())
}
