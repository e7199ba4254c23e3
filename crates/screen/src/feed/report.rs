//! Row errors of a feed and the report a user opens in Excel: one line per
//! problem, naming the line and column, never the cell's contents.

use dixian_tabular::csv_safe;
use serde::Serialize;
use std::fmt;
use std::io::{self, Write};

/// The UTF-8 byte-order mark, so that Excel reads the report as UTF-8.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
/// Header row of the report.
const REPORT_HEADER: [&str; 4] = ["行号 line", "列号 column", "表头 header", "原因 reason"];

/// What kind of value a cell should have held, for sorting and translating
/// the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// The file as a whole (empty, damaged workbook, unreadable).
    File,
    /// The header row itself (a missing or repeated column).
    Header,
    /// A line that is not a well-formed row (cell count, quotes, encoding).
    Row,
    /// 身份证号.
    IdNumber,
    /// 姓名.
    Name,
    /// A date.
    Date,
    /// Money in 元.
    Money,
    /// A value from a closed list.
    Choice,
    /// 残疾等级 1–4.
    Grade,
    /// Free text.
    Text,
    /// 12-digit 村代码.
    VillageCode,
}

/// A problem with one row (or one cell) of a feed file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedRowError {
    /// 1-based line of the file; the header is line 1.
    pub line: usize,
    /// 1-based column, when one cell is at fault.
    pub column: Option<usize>,
    /// That column's header as written in the file.
    pub header: Option<String>,
    /// What the cell should have held.
    pub value_kind: ValueKind,
    /// Bilingual reason, without the cell's contents.
    pub reason: String,
}

impl fmt::Display for FeedRowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(c) = self.column {
            write!(f, ", column {c}")?;
        }
        if let Some(h) = &self.header {
            write!(f, " ({h})")?;
        }
        write!(f, ": {}", self.reason)
    }
}

impl std::error::Error for FeedRowError {}

/// Writes the row-error report as CSV with a UTF-8 BOM (line, column,
/// header, reason), which Excel opens with the Chinese intact.
pub fn write_error_report<W: Write>(errors: &[FeedRowError], mut out: W) -> io::Result<()> {
    out.write_all(UTF8_BOM)?;
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(REPORT_HEADER)?;
    for e in errors {
        let column = e.column.map(|c| c.to_string()).unwrap_or_default();
        let header = e.header.as_deref().map(csv_safe).unwrap_or_default();
        csv.write_record([
            e.line.to_string().as_str(),
            &column,
            &header,
            &csv_safe(&e.reason),
        ])?;
    }
    csv.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_has_bom_header_and_rows() {
        let errors = [
            FeedRowError {
                line: 3,
                column: Some(1),
                header: Some("身份证号".into()),
                value_kind: ValueKind::IdNumber,
                reason: "ID number check digit (position 18) is wrong (校验码错误)".into(),
            },
            FeedRowError {
                line: 5,
                column: None,
                header: Some("=cmd".into()),
                value_kind: ValueKind::Row,
                reason: "bad, \"quoted\"".into(),
            },
        ];
        let mut buf = Vec::new();
        write_error_report(&errors, &mut buf).expect("writes to memory");
        assert!(buf.starts_with(UTF8_BOM));
        let text = String::from_utf8(buf[3..].to_vec()).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "行号 line,列号 column,表头 header,原因 reason");
        assert_eq!(
            lines[1],
            "3,1,身份证号,ID number check digit (position 18) is wrong (校验码错误)"
        );
        assert_eq!(lines[2], "5,,'=cmd,\"bad, \"\"quoted\"\"\"");
        assert_eq!(
            errors[0].to_string(),
            "line 3, column 1 (身份证号): ID number check digit (position 18) is wrong (校验码错误)"
        );
    }
}
