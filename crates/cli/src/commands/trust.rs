//! Integrity commands: checking and anchoring the audit chain, backup and
//! restore.

use crate::commands::{Db, open};
use crate::progress;
use anyhow::{Context, bail};
use dixian_store::Store;
use dixian_store::audit::{self, ChainReport, anchor};
use dixian_store::backup;
use std::path::Path;
use std::time::Instant;

/// Prints what the walk found: records, keying, head, anchors.
fn print_report(r: &ChainReport) {
    println!(
        "audit records: {} ({} keyed, {} unkeyed)",
        r.records, r.keyed, r.unkeyed
    );
    match (&r.chain_key, r.key_checked) {
        (Some(k), true) => {
            println!("chain keyed with key {k} (HMAC-SHA256), checked with the configured key")
        }
        (Some(k), false) => {
            println!("chain keyed with key {k} (HMAC-SHA256), NOT checked: no key configured")
        }
        (None, _) => println!(
            "chain is UNKEYED (plain SHA-256): anyone who can write the database could recompute it; \
             configure a key with --audit-key-file / DIXIAN_AUDIT_KEY_FILE and run `dixian migrate` \
             (审计链未加密钥)"
        ),
    }
    if r.chain_key.is_some() && r.unkeyed > 0 {
        println!(
            "  records 1–{} were written before the chain was keyed (plain SHA-256, sealed by the first keyed record)",
            r.unkeyed
        );
    }
    let hash = if r.head.hash.is_empty() {
        "-"
    } else {
        &r.head.hash
    };
    println!("head: seq {} hash {hash}", r.head.seq);
    if r.anchors_checked > 0 {
        println!("anchored heads found in the chain: {}", r.anchors_checked);
    }
}

/// `dixian admin verify-audit [--anchor FILE]`.
pub async fn verify_audit(db: &Db, anchor_file: Option<&Path>) -> anyhow::Result<()> {
    let store = open(db).await?;
    let anchors = match anchor_file {
        Some(f) => anchor::read(f)?,
        None => Vec::new(),
    };
    let report = audit::verify(&store.pool, &anchors).await?;
    print_report(&report);
    match report.problem {
        None => println!("audit chain intact (审计链完整)"),
        Some(p) => bail!("{p}"),
    }
    Ok(())
}

/// `dixian admin audit-anchor --file FILE`: checks the chain (and the
/// heads already in the file), then appends the head to the file.
pub async fn audit_anchor(db: &Db, file: &Path) -> anyhow::Result<()> {
    let store = open(db).await?;
    let anchors = if file.exists() {
        anchor::read(file)?
    } else {
        Vec::new()
    };
    let report = audit::verify(&store.pool, &anchors).await?;
    if let Some(p) = report.problem {
        // Anchoring a broken (or unchecked) chain would vouch for it.
        bail!("{p}; the head was not anchored (未锚定)");
    }
    let a = anchor::append(file, &report.head)?;
    println!(
        "anchored {} {} {} in {}",
        a.at,
        a.seq,
        if a.hash.is_empty() { "-" } else { &a.hash },
        file.display()
    );
    Ok(())
}

/// `dixian backup --db URL --out FILE`: one snapshot of the running
/// database into a portable file (written as FILE.partial, then renamed).
pub async fn backup(url: &str, out: &Path) -> anyhow::Result<()> {
    let store = Store::open(url).await.context("cannot open the database")?;
    let mut partial = out.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    let file = std::fs::File::create(&partial)
        .with_context(|| format!("cannot create {}", partial.display()))?;
    let t = Instant::now();
    let pb = progress::bar(0, "backup");
    let summary = backup::backup(&store.pool, std::io::BufWriter::new(file), |done, total| {
        pb.set_length(total);
        pb.set_position(done);
    })
    .await;
    pb.finish_and_clear();
    store.close().await;
    let summary = match summary {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e.into());
        }
    };
    std::fs::rename(&partial, out)
        .with_context(|| format!("cannot rename {} to {}", partial.display(), out.display()))?;
    let size = std::fs::metadata(out)?.len();
    let h = &summary.header;
    println!(
        "backup of {} tables, {} rows (migration {}, {}) written to {} in {:.1} s: {:.1} MB",
        h.tables.len(),
        summary.rows,
        h.migration,
        h.backend,
        out.display(),
        t.elapsed().as_secs_f64(),
        size as f64 / 1e6
    );
    println!("content SHA-256: {}", summary.sha256);
    Ok(())
}

/// `dixian restore --db URL --in FILE`: into a new database (migrated
/// here), in one transaction; then the audit chain is checked.
pub async fn restore(db: &Db, input: &Path) -> anyhow::Result<()> {
    let file =
        std::fs::File::open(input).with_context(|| format!("cannot open {}", input.display()))?;
    let header = backup::read_header(&file)?;
    println!(
        "backup of {} ({}, migration {}, {} tables, {} rows)",
        header.created_at,
        header.backend,
        header.migration,
        header.tables.len(),
        header.tables.iter().map(|t| t.rows).sum::<u64>()
    );
    let store = Store::open(&db.url)
        .await
        .context("cannot open the database to restore into")?;
    store.migrate().await?;
    let t = Instant::now();
    let pb = progress::bar(0, "restore");
    let file =
        std::fs::File::open(input).with_context(|| format!("cannot open {}", input.display()))?;
    let summary = backup::restore(&store.pool, file, |done, total| {
        pb.set_length(total);
        pb.set_position(done);
    })
    .await;
    pb.finish_and_clear();
    let summary = summary?;
    println!(
        "restored {} rows into {} tables in {:.1} s (content SHA-256 {} checked)",
        summary.rows,
        summary.header.tables.len(),
        t.elapsed().as_secs_f64(),
        summary.sha256
    );
    store.close().await;
    // The chain as restored, with the key the source was keyed with.
    let store = open(db).await?;
    let report = audit::verify(&store.pool, &[]).await?;
    print_report(&report);
    match report.problem {
        None => println!("audit chain of the restored database intact (审计链完整)"),
        Some(p) => bail!("restored, but the audit chain does not verify: {p}"),
    }
    Ok(())
}
