//! `feeds import`: a department's file becomes one batch of the loading
//! actor's region (county). The bytes are hashed first (the same bytes
//! twice in the region is a no-op that says so; another county's batch of
//! the same bytes is neither found nor named), every row
//! is parsed and checked against feeds.md, and then — if the policy allows
//! — the good rows are stored in one transaction, matched to registered
//! persons, with the unmatched ones counted as a coverage gap. The 民政
//! feed's grants and stops go on the persons' assistance chains in the
//! same transaction.

use chrono::{DateTime, Utc};
use dixian_domain::assistance::MeasureKind;
use dixian_screen::feed::{AssistanceKind, AssistanceStatus};
use dixian_screen::{FeedKind, FeedRow, FeedRowError, batch_hash, parse_feed_bytes};
use dixian_store::assistance::FeedMeasure;
use dixian_store::feeds::{self, BatchOutcome, NewFeedRow};
use dixian_store::jobs::{NoProgress, Phase, Progress, check};
use dixian_store::{Actor, Store, StoreError};

/// What to do when some rows are bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnRowErrors {
    /// Store nothing; report every bad row (the default).
    Reject,
    /// Store the good rows; keep the report of the bad ones.
    LoadGoodRows,
}

/// The outcome of a feed import.
#[derive(Debug)]
pub struct FeedImportReport {
    /// Stored, already loaded, or `None` when rejected for bad rows.
    pub outcome: Option<BatchOutcome>,
    /// The bad rows (the first `dixian_screen::feed::MAX_KEPT_ERRORS`):
    /// line, column, header, reason.
    pub errors: Vec<FeedRowError>,
    /// How many problems the file had in all.
    pub errors_total: usize,
    /// Columns of the file not used (1-based column, header).
    pub unknown_columns: Vec<(usize, String)>,
    /// Rows that parsed.
    pub parsed: usize,
}

/// One delivered file.
#[derive(Debug, Clone)]
pub struct FeedFile {
    /// Which feed.
    pub kind: FeedKind,
    /// The name it came with.
    pub name: String,
    /// Its bytes (CSV or XLSX).
    pub bytes: Vec<u8>,
    /// The client's `Idempotency-Key`, for uploads that may be retried.
    pub idempotency_key: Option<String>,
}

/// Whether `actor` may load department feeds: decided here for every
/// channel (the web checks it before it reads an upload's body).
pub fn may_load_feeds(actor: &Actor) -> Result<(), StoreError> {
    if actor.scope.role.loads_feeds() {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

/// Imports `file` as a batch for `actor`'s region. A retried upload with
/// the same `Idempotency-Key` and bytes answers like the first one did; the
/// same key with other bytes is refused. Bytes and keys are the region's
/// own: another county's use of them changes nothing here.
pub async fn import_feed(
    store: &Store,
    actor: &Actor,
    file: FeedFile,
    on_errors: OnRowErrors,
    now: DateTime<Utc>,
) -> Result<FeedImportReport, StoreError> {
    import_feed_with(store, actor, file, on_errors, now, &NoProgress).await
}

/// [`import_feed`] telling `progress` its phase (parsing, then rows
/// stored of the rows parsed) and stopping when it asks: a cancelled
/// import returns [`dixian_store::Refusal::JobCancelled`] and its
/// transaction rolls back — no batch, no rows, no chain entries.
pub async fn import_feed_with(
    store: &Store,
    actor: &Actor,
    file: FeedFile,
    on_errors: OnRowErrors,
    now: DateTime<Utc>,
    progress: &dyn Progress,
) -> Result<FeedImportReport, StoreError> {
    may_load_feeds(actor)?;
    let FeedFile {
        kind,
        name,
        bytes,
        idempotency_key,
    } = file;
    let file_name = name.as_str();
    let sha = batch_hash(&bytes);
    if let Some(key) = idempotency_key.as_deref()
        && let Some((_, other, _)) = feeds::find_by_key(&store.pool, actor, key).await?
        && other != sha
    {
        return Err(StoreError::Invalid(
            "this Idempotency-Key was used for another file (幂等键已用于其他文件)".into(),
        ));
    }
    if let Some((batch_id, imported_at)) = feeds::find_batch(&store.pool, actor, &sha).await? {
        let outcome = Some(BatchOutcome::AlreadyLoaded {
            batch_id,
            imported_at,
        });
        return Ok(FeedImportReport {
            outcome,
            errors: Vec::new(),
            errors_total: 0,
            unknown_columns: Vec::new(),
            parsed: 0,
        });
    }
    let today = dixian_domain::case::china_date(now);
    progress.tick(0, 1, Phase::Parsing);
    let parse = parse_feed_bytes(kind, bytes, today);
    progress.tick(1, 1, Phase::Parsing);
    check(progress)?;
    let mut report = FeedImportReport {
        outcome: None,
        parsed: parse.rows.len(),
        errors: parse.errors,
        errors_total: parse.errors_total,
        unknown_columns: parse.unknown_columns,
    };
    if (report.errors_total > 0 && on_errors == OnRowErrors::Reject) || parse.rows.is_empty() {
        return Ok(report);
    }
    let rows: Vec<NewFeedRow<&FeedRow>> = parse
        .rows
        .iter()
        .map(|(line, row)| NewFeedRow {
            line: *line,
            id_number: row.id_number().cloned(),
            village: match row {
                FeedRow::Water(w) => Some(w.village.clone()),
                _ => None,
            },
            event_date: row.date(),
            payload: row,
        })
        .collect();
    let batch = feeds::BatchFile {
        kind,
        file_name,
        sha256: &sha,
        idempotency_key: idempotency_key.as_deref(),
    };
    let attach = chain_rows(&parse.rows);
    report.outcome = Some(
        feeds::load_batch_with(&store.pool, actor, batch, &rows, &attach, now, progress).await?,
    );
    Ok(report)
}

/// The grants and stops of the 民政 feed (`assistance` rows) as they bear
/// on the persons' assistance chains; nothing for other feeds.
pub(crate) fn chain_rows(rows: &[(usize, FeedRow)]) -> Vec<FeedMeasure> {
    rows.iter()
        .filter_map(|(line, row)| match row {
            FeedRow::Assistance(a) => Some(FeedMeasure {
                line: *line,
                person: a.id_number.clone(),
                kind: match a.assistance_kind {
                    AssistanceKind::Dibao => MeasureKind::Dibao,
                    AssistanceKind::Tekun => MeasureKind::Tekun,
                    AssistanceKind::Temporary => MeasureKind::TemporaryRelief,
                    AssistanceKind::DibaoMarginal => MeasureKind::DibaoEdge,
                },
                amount_fen: a.amount_fen,
                on: a.date,
                stop: a.status == AssistanceStatus::Stopped,
            }),
            _ => None,
        })
        .collect()
}
