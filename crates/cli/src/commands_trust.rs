//! Integrity commands: checking and anchoring the audit chain.

use crate::commands::{Db, open};
use anyhow::bail;
use dixian_store::audit::{self, ChainReport, anchor};
use std::path::Path;

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
