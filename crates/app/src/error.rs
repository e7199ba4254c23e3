//! The one error of the use cases: what the store refused or failed, and
//! what only this layer can find wrong (rule files, an unindexable
//! registry). Interfaces map it in one place each (`web::error`).

use dixian_screen::RuleError;
use dixian_screen::engine::IndexError;
use dixian_store::StoreError;

/// Why a use case did not complete; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The store refused (scope, role, a rule) or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Problems in rule files, each with file, line and column.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    RuleFiles(Vec<RuleError>),
    /// The registry cannot be indexed for screening (e.g. one person in
    /// two households).
    #[error("the registry cannot be screened (登记数据无法筛查): {0}")]
    Registry(#[from] IndexError),
    /// CPU work stopped before its end (a panic or a shutdown); nothing
    /// was written.
    #[error("the work stopped before its end: {0}")]
    Stopped(String),
}

/// Drops what serde quotes of the input (`invalid type: string "…"`,
/// `unknown variant `…``), keeping what was expected and where: a message
/// about a record never echoes its personal data.
pub fn without_values(msg: &str) -> String {
    let mut out = msg.to_string();
    for marker in [
        "invalid type: ",
        "invalid value: ",
        "unknown variant ",
        "unknown field ",
    ] {
        let mut from = 0;
        while let Some(start) = out[from..].find(marker).map(|i| from + i + marker.len()) {
            let end = out[start..]
                .find(", expected")
                .map_or(out.len(), |i| start + i);
            out.replace_range(start..end, "…");
            from = start + '…'.len_utf8();
        }
    }
    out
}
