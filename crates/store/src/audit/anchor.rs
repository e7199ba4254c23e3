//! Anchors: chain heads written down outside the database, one line each
//! (`time seq hash`), appended to a file that lives elsewhere (another
//! host, write-once storage, a printout). Someone who can rewrite the
//! database — even with the key, or by restoring an older copy — cannot
//! change what was anchored: [`super::verify`] checks that every anchored
//! head is still in the chain, which catches a rollback, a truncation with
//! the head wound back, and a recomputed chain.

use super::verify::ChainHead;
use crate::StoreError;
use std::io::Write;
use std::path::Path;

/// One anchored head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// When it was anchored (RFC 3339, as written).
    pub at: String,
    /// The record's seq.
    pub seq: i64,
    /// The record's hash.
    pub hash: String,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Appends `head` to the anchor file at `path` (created when missing) and
/// syncs it; returns the line's anchor.
pub fn append(path: &Path, head: &ChainHead) -> Result<Anchor, StoreError> {
    let anchor = Anchor {
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        seq: head.seq,
        hash: if head.hash.is_empty() {
            "-".into()
        } else {
            head.hash.clone()
        },
    };
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(io(path))?;
    writeln!(f, "{} {} {}", anchor.at, anchor.seq, anchor.hash).map_err(io(path))?;
    f.sync_all().map_err(io(path))?;
    Ok(Anchor {
        hash: head.hash.clone(),
        ..anchor
    })
}

/// Reads an anchor file; a malformed line is an error naming it.
pub fn read(path: &Path) -> Result<Vec<Anchor>, StoreError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split_whitespace();
        let (Some(at), Some(seq), Some(hash), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad_line(path, i + 1));
        };
        let seq: i64 = seq.parse().map_err(|_| bad_line(path, i + 1))?;
        let hash = if hash == "-" { "" } else { hash };
        if seq < 0 || (seq == 0) != hash.is_empty() {
            return Err(bad_line(path, i + 1));
        }
        out.push(Anchor {
            at: at.to_string(),
            seq,
            hash: hash.to_string(),
        });
    }
    Ok(out)
}

fn bad_line(path: &Path, line: usize) -> StoreError {
    StoreError::Integrity(format!(
        "{}:{line}: not `time seq hash` (锚定文件格式错误)",
        path.display()
    ))
}
