//! Department data feeds (部门数据, `feeds.md`): a file of one kind read
//! into typed rows, every bad row reported with its line and column, and
//! the batch identified by the hash of its bytes.
//!
//! Reading never stops at a bad row: the caller gets all good rows and all
//! errors, and decides by its import policy whether to reject the batch or
//! load the good rows and keep the report.

mod fields;
pub mod forms;
mod kind;
mod report;
mod rows;
mod values;

pub use fields::{ALL_FIELDS, Field, FieldValue, yuan};
pub use kind::{FeedKind, columns};
pub use report::{FeedRowError, ValueKind, write_error_report};
pub use rows::{
    AssetRow, AssistanceRow, DisabilityRow, DisasterRow, EducationRow, EmploymentRow, FeedRow,
    HousingRow, MedicalRow, VitalRow, WaterRow,
};
pub use values::{
    AssistanceKind, AssistanceStatus, Choice, HouseDamage, JobStatus, PersonalAssetKind, VisitType,
    VitalEvent, WaterEvent,
};

use chrono::NaiveDate;
use dixian_tabular::{HeaderMap, TableReader, TabularError};
use sha2::{Digest, Sha256};

/// The hash that identifies a batch: SHA-256 of the file's bytes, in hex.
/// Loading the same bytes twice finds the same hash.
pub fn batch_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Everything read from one feed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedParse {
    /// The kind the file was read as.
    pub kind: FeedKind,
    /// Each valid row with its line in the file.
    pub rows: Vec<(usize, FeedRow)>,
    /// The problems, in file order: the first [`MAX_KEPT_ERRORS`] of
    /// them (a file of nothing but bad rows must not fill memory).
    pub errors: Vec<FeedRowError>,
    /// How many problems the file had in all (at least `errors.len()`).
    pub errors_total: usize,
    /// Columns the kind does not know (1-based column, header): a warning.
    pub unknown_columns: Vec<(usize, String)>,
}

/// Problems kept per file; the rest are counted only. Enough to fix a
/// file by (the same mistake usually repeats), small enough that a
/// hostile file of bad rows stays a few megabytes.
pub const MAX_KEPT_ERRORS: usize = 10_000;

impl FeedParse {
    /// Whether the file had no problem at all.
    pub fn is_clean(&self) -> bool {
        self.errors_total == 0
    }

    /// Keeps `e` while fewer than [`MAX_KEPT_ERRORS`] are kept; counts it always.
    fn note(&mut self, e: FeedRowError) {
        self.errors_total += 1;
        if self.errors.len() < MAX_KEPT_ERRORS {
            self.errors.push(e);
        }
    }
}

/// Reads a whole feed file; header problems and bad rows alike end up in
/// `errors`, with their line.
pub fn parse_feed(kind: FeedKind, table: TableReader, today: NaiveDate) -> FeedParse {
    let mut parse = FeedParse {
        kind,
        rows: Vec::new(),
        errors: Vec::new(),
        errors_total: 0,
        unknown_columns: Vec::new(),
    };
    let reader = match FeedReader::new(kind, table, today) {
        Ok(reader) => reader,
        Err(e) => {
            parse.note(e);
            return parse;
        }
    };
    parse.unknown_columns = reader.unknown_columns().to_vec();
    for item in reader {
        match item {
            Ok(row) => parse.rows.push(row),
            Err(errors) => errors.into_iter().for_each(|e| parse.note(e)),
        }
    }
    parse
}

/// Reads a feed held in memory (an upload); a file that cannot be opened
/// at all (empty, damaged workbook) is one error on line 1.
pub fn parse_feed_bytes(kind: FeedKind, bytes: Vec<u8>, today: NaiveDate) -> FeedParse {
    match TableReader::from_bytes(bytes) {
        Ok(table) => parse_feed(kind, table, today),
        Err(e) => FeedParse {
            kind,
            rows: Vec::new(),
            errors: vec![file_error(1, &e)],
            errors_total: 1,
            unknown_columns: Vec::new(),
        },
    }
}

/// A problem with the file as a whole, placed at `line`.
fn file_error(line: usize, e: &TabularError) -> FeedRowError {
    let value_kind = match e {
        TabularError::Header(_) => ValueKind::Header,
        TabularError::Malformed { .. } => ValueKind::Row,
        _ => ValueKind::File,
    };
    FeedRowError {
        line,
        column: None,
        header: None,
        value_kind,
        reason: e.to_string(),
    }
}

/// Streams the rows of a feed file: each item is a valid row with its
/// line, or the errors of one row.
pub struct FeedReader {
    kind: FeedKind,
    table: TableReader,
    map: HeaderMap,
    today: NaiveDate,
    last_line: usize,
    done: bool,
}

impl FeedReader {
    /// Resolves the header row against the columns of `kind`; `today`
    /// bounds every date and the birth date in ID numbers.
    pub fn new(kind: FeedKind, table: TableReader, today: NaiveDate) -> Result<Self, FeedRowError> {
        let line = table.header_line();
        let map =
            HeaderMap::resolve(table.headers(), columns(kind)).map_err(|e| file_error(line, &e))?;
        Ok(FeedReader {
            kind,
            table,
            map,
            today,
            last_line: line,
            done: false,
        })
    }

    /// Columns the kind does not know (1-based column, header).
    pub fn unknown_columns(&self) -> &[(usize, String)] {
        &self.map.unknown
    }

    /// Where each column sits in this file.
    pub fn header_map(&self) -> &HeaderMap {
        &self.map
    }
}

impl Iterator for FeedReader {
    type Item = Result<(usize, FeedRow), Vec<FeedRowError>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let rec = match self.table.next()? {
            Ok(rec) => rec,
            Err(e) => {
                // A malformed line is one bad row; anything else (I/O, a
                // damaged workbook) ends the file after being reported.
                let line = match &e {
                    TabularError::Malformed { line, .. } => *line,
                    _ => {
                        self.done = true;
                        self.last_line + 1
                    }
                };
                self.last_line = self.last_line.max(line);
                return Some(Err(vec![file_error(line, &e)]));
            }
        };
        self.last_line = rec.line;
        let mut cx = rows::RowCx::new(&self.map, &rec, self.today);
        let row = rows::build(self.kind, &mut cx);
        match row {
            Some(row) if cx.errors.is_empty() => Some(Ok((rec.line, row))),
            _ => Some(Err(cx.errors)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_hash_is_sha256_hex() {
        assert_eq!(
            batch_hash(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(batch_hash(b"abc"), batch_hash(b"abc"));
        assert_ne!(batch_hash(b"abc"), batch_hash(b"abd"));
    }
}
