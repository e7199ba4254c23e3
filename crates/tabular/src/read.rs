//! Reading any table file: CSV (UTF-8 with or without BOM, or GB18030) or
//! an Excel workbook (XLSX, or legacy XLS), told apart by their first bytes.
//!
//! Rows stream: a file of tens of millions of lines is never held in memory.
//! Rows whose cells are all blank (Excel's trailing `,,,,` lines) are skipped.
//!
//! Every file is taken as hostile: what reading it may cost is bounded by
//! [`Limits`] (the defaults, or the caller's), whatever the file claims.

use crate::decode::Utf8Reader;
use crate::error::TabularError;
use crate::limits::{Limits, size};
use crate::lines::LineTracker;
use crate::sheet::{self, SheetRows};
use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

pub use crate::header::{ColumnSpec, HeaderMap, clean_header};

/// First bytes of a ZIP archive, hence of an XLSX workbook.
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// First bytes of an OLE compound file, hence of a legacy XLS workbook.
const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Why a legacy workbook is not read ([`Limits::allow_xls`]).
const XLS_REFUSED: &str = "Excel 97-2003 (.xls) files are not accepted: save the file as .xlsx or CSV and load it again \
     (不接受Excel 97-2003 (.xls) 旧格式文件，请另存为 .xlsx 或 CSV 后重新导入)";
/// The UTF-8 byte-order mark Excel writes before "CSV UTF-8".
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
/// Size of the CSV parser's buffer.
const CSV_BUFFER: usize = 64 * 1024;

/// Reason: a quoted cell runs to the end of the file.
const UNTERMINATED_QUOTE: &str =
    "a quoted cell is never closed; check the \" marks on this line (引号未闭合)";
/// Reason: text that is neither UTF-8 nor GB18030.
const BAD_TEXT: &str = "text is not valid UTF-8; save the file as CSV UTF-8 (文字编码无法识别)";
/// Reason: any other CSV syntax problem.
const BAD_CSV: &str = "this line cannot be read as CSV (无法解析此行)";
/// Message: the file has no header row.
const EMPTY_FILE: &str = "the file is empty: no header row (文件为空，缺少表头)";

/// One data row: its line in the file and its cells, untrimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// 1-based line (CSV) or row (Excel) where the row starts; the header is line 1.
    pub line: usize,
    /// Cells in file column order.
    pub cells: Vec<String>,
}

impl Record {
    /// Whether every cell is blank.
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// Opens a table file, sniffing CSV, XLSX or XLS from its first bytes, and
/// reads its header row, within the default [`Limits`].
pub fn open(path: &Path) -> Result<TableReader, TabularError> {
    open_with_limits(path, &Limits::default())
}

/// [`open`] within the caller's limits.
pub fn open_with_limits(path: &Path, limits: &Limits) -> Result<TableReader, TabularError> {
    let file = File::open(path).map_err(|e| TabularError::io(path, e))?;
    TableReader::from_source(file, path, limits)
}

/// A table file: its header row, then its data rows as an iterator.
pub struct TableReader {
    headers: Vec<String>,
    header_line: usize,
    rows: Rows,
}

enum Rows {
    Csv(Box<CsvRows>),
    Sheet(SheetRows),
}

impl TableReader {
    /// Reads a table held in memory (an upload), sniffed as [`open`] does,
    /// within the default [`Limits`].
    pub fn from_bytes(bytes: Vec<u8>) -> Result<TableReader, TabularError> {
        TableReader::from_bytes_with_limits(bytes, &Limits::default())
    }

    /// [`TableReader::from_bytes`] within the caller's limits.
    pub fn from_bytes_with_limits(
        bytes: Vec<u8>,
        limits: &Limits,
    ) -> Result<TableReader, TabularError> {
        TableReader::from_source(Cursor::new(bytes), Path::new(""), limits)
    }

    fn from_source<R: Read + Seek + Send + 'static>(
        mut source: R,
        path: &Path,
        limits: &Limits,
    ) -> Result<Self, TabularError> {
        let io_err = |e| TabularError::io(path, e);
        let head = read_head(&mut source, OLE_MAGIC.len()).map_err(io_err)?;
        let rows = if head.starts_with(ZIP_MAGIC) || head.starts_with(OLE_MAGIC) {
            source.seek(SeekFrom::Start(0)).map_err(io_err)?;
            let sheet = if head.starts_with(ZIP_MAGIC) {
                sheet::open_xlsx(source, limits)?
            } else if limits.allow_xls {
                sheet::open_xls(source)?
            } else {
                return Err(TabularError::Xlsx(XLS_REFUSED.to_string()));
            };
            Rows::Sheet(sheet)
        } else {
            Rows::Csv(Box::new(CsvRows::new(source, head, path, limits)))
        };
        TableReader::with_header(rows)
    }

    fn with_header(mut rows: Rows) -> Result<Self, TabularError> {
        match next_filled(&mut rows) {
            None => Err(TabularError::Header(EMPTY_FILE.to_string())),
            Some(Err(e)) => Err(e),
            Some(Ok(header)) => Ok(TableReader {
                headers: header.cells,
                header_line: header.line,
                rows,
            }),
        }
    }

    /// The header row's cells, as in the file.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Line of the header row (1 unless blank rows precede it).
    pub fn header_line(&self) -> usize {
        self.header_line
    }
}

impl Iterator for TableReader {
    type Item = Result<Record, TabularError>;

    fn next(&mut self) -> Option<Self::Item> {
        next_filled(&mut self.rows)
    }
}

/// The next row that is not blank, or an error.
fn next_filled(rows: &mut Rows) -> Option<Result<Record, TabularError>> {
    loop {
        let item = match rows {
            Rows::Csv(csv) => csv.next(),
            Rows::Sheet(sheet) => sheet.next(),
        }?;
        if !matches!(&item, Ok(rec) if rec.is_blank()) {
            return Some(item);
        }
    }
}

/// Up to `n` first bytes of `source`, fewer only at end of file.
fn read_head(source: &mut impl Read, n: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    source.take(n as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// Rows of a CSV file.
struct CsvRows {
    reader: csv::Reader<LineTracker<Utf8Reader<Box<dyn Read + Send>>>>,
    record: csv::StringRecord,
    /// A row read ahead to learn whether the previous one was the last.
    pending: Option<Result<Record, TabularError>>,
    path: PathBuf,
    max_row_bytes: u64,
    done: bool,
}

impl CsvRows {
    /// `head` holds the bytes already taken from `source`.
    fn new(
        source: impl Read + Send + 'static,
        head: Vec<u8>,
        path: &Path,
        limits: &Limits,
    ) -> CsvRows {
        let (prefix, utf8) = match head.strip_prefix(UTF8_BOM) {
            Some(rest) => (rest.to_vec(), true),
            None => (head, false),
        };
        let boxed: Box<dyn Read + Send> = Box::new(source);
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(false)
            .buffer_capacity(CSV_BUFFER)
            .from_reader(LineTracker::new(
                Utf8Reader::new(boxed, prefix, utf8),
                // Room for the record's own line break.
                limits.max_row_bytes.saturating_add(2),
            ));
        CsvRows {
            reader,
            record: csv::StringRecord::new(),
            pending: None,
            path: path.to_path_buf(),
            max_row_bytes: limits.max_row_bytes,
            done: false,
        }
    }

    fn read_one(&mut self) -> Option<Result<Record, TabularError>> {
        if self.done {
            return None;
        }
        let read = self.reader.read_record(&mut self.record);
        if let Some(start) = self.reader.get_ref().overrun() {
            // The tracker stopped the record; nothing after it can be read.
            self.done = true;
            return Some(Err(self.too_long(start)));
        }
        let end = self.reader.position().byte();
        self.reader.get_mut().record_ended(end);
        match read {
            Ok(false) => {
                self.done = true;
                None
            }
            Ok(true) => {
                let start = self.record.position().map_or(0, |p| p.byte());
                let line = self.reader.get_mut().line_at(start);
                Some(Ok(Record {
                    line,
                    cells: self.record.iter().map(str::to_owned).collect(),
                }))
            }
            Err(e) => Some(Err(self.csv_error(e))),
        }
    }

    fn csv_error(&mut self, e: csv::Error) -> TabularError {
        let start = e
            .position()
            .map_or_else(|| self.reader.position().byte(), |p| p.byte());
        let line = self.reader.get_mut().line_at(start);
        let reason = match e.into_kind() {
            csv::ErrorKind::Io(source) => {
                self.done = true;
                return TabularError::io(&self.path, source);
            }
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => {
                format!(
                    "this line has {len} cells but the header has {expected_len} (列数与表头不一致)"
                )
            }
            csv::ErrorKind::Utf8 { .. } => BAD_TEXT.to_string(),
            _ => BAD_CSV.to_string(),
        };
        TabularError::Malformed { line, reason }
    }

    /// The record that started at `start` ran past the limit.
    fn too_long(&mut self, start: u64) -> TabularError {
        let max = size(self.max_row_bytes);
        TabularError::Malformed {
            line: self.reader.get_mut().line_at(start),
            reason: format!(
                "this line is longer than {max}, with the lines a quoted cell spans; \
                 check for a quote (\") that is never closed (此行过长，超过{max}；请检查引号是否未闭合)"
            ),
        }
    }
}

impl Iterator for CsvRows {
    type Item = Result<Record, TabularError>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = self.pending.take().or_else(|| self.read_one())?;
        // A quote left open swallows the rest of the file into one cell,
        // which then ends with the file's last line break.
        if let Ok(rec) = &item
            && rec.cells.iter().any(|c| c.ends_with(['\n', '\r']))
        {
            self.pending = self.read_one();
            if self.pending.is_none() {
                return Some(Err(TabularError::Malformed {
                    line: rec.line,
                    reason: UNTERMINATED_QUOTE.to_string(),
                }));
            }
        }
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(bytes: &[u8]) -> (Vec<String>, Vec<Result<Record, TabularError>>) {
        let table = TableReader::from_bytes(bytes.to_vec()).expect("has a header");
        (table.headers().to_vec(), table.collect())
    }

    fn cells(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn bom_is_stripped_and_lines_are_counted() {
        let (h, r) = rows("\u{feff}a,b\n1,2\n\n\"x\ny\",3\n,\n4,5\n".as_bytes());
        assert_eq!(h, cells(&["a", "b"]));
        let ok: Vec<Record> = r.into_iter().map(|x| x.expect("row")).collect();
        assert_eq!(
            ok[0],
            Record {
                line: 2,
                cells: cells(&["1", "2"])
            }
        );
        assert_eq!(
            ok[1],
            Record {
                line: 4,
                cells: cells(&["x\ny", "3"])
            }
        );
        assert_eq!(
            ok[2],
            Record {
                line: 7,
                cells: cells(&["4", "5"])
            }
        );
        assert_eq!(ok.len(), 3);
    }

    #[test]
    fn crlf_lines_are_counted() {
        let (_, r) = rows(b"a,b\r\n1,2\r\n\r\n\"x\r\ny\",3\r\n4,5,6\r\n7,8");
        let lines: Vec<usize> = r
            .iter()
            .map(|x| match x {
                Ok(rec) => rec.line,
                Err(TabularError::Malformed { line, .. }) => *line,
                Err(e) => panic!("unexpected {e}"),
            })
            .collect();
        assert_eq!(lines, [2, 4, 6, 7]);
    }

    #[test]
    fn wrong_field_count_names_the_line_and_reading_goes_on() {
        let (_, r) = rows(b"a,b\n1,2\n1,2,3\n4,5\n");
        assert!(
            matches!(&r[1], Err(TabularError::Malformed { line: 3, reason }) if reason.contains("3 cells"))
        );
        assert_eq!(r[2].as_ref().expect("row after the bad one").line, 4);
    }

    #[test]
    fn unterminated_quote_is_reported() {
        let (_, r) = rows(b"a,b\n1,2\n3,\"oops\n4,5\n");
        assert!(
            matches!(&r[1], Err(TabularError::Malformed { line: 3, reason }) if reason.contains("引号"))
        );
    }

    #[test]
    fn gb18030_is_decoded() {
        let (bytes, _, _) = encoding_rs::GB18030.encode("姓名,金额\r\n张三,12\r\n");
        let (h, r) = rows(&bytes);
        assert_eq!(h, cells(&["姓名", "金额"]));
        assert_eq!(r[0].as_ref().expect("row").cells, cells(&["张三", "12"]));
    }

    #[test]
    fn empty_file_has_no_header() {
        assert!(matches!(
            TableReader::from_bytes(Vec::new()),
            Err(TabularError::Header(_))
        ));
        assert!(matches!(
            TableReader::from_bytes(b"\xEF\xBB\xBF\n,,\n".to_vec()),
            Err(TabularError::Header(_))
        ));
    }

    #[test]
    fn a_damaged_workbook_is_an_error_not_a_panic() {
        let mut bytes = ZIP_MAGIC.to_vec();
        bytes.extend_from_slice(&[0u8; 64]);
        assert!(matches!(
            TableReader::from_bytes(bytes),
            Err(TabularError::Xlsx(_))
        ));
        let mut bytes = OLE_MAGIC.to_vec();
        bytes.extend_from_slice(&[0u8; 64]);
        assert!(matches!(
            TableReader::from_bytes(bytes.clone()),
            Err(TabularError::Xlsx(_))
        ));
        let allowed = Limits {
            allow_xls: true,
            ..Limits::default()
        };
        assert!(matches!(
            TableReader::from_bytes_with_limits(bytes, &allowed),
            Err(TabularError::Xlsx(_))
        ));
    }

    #[test]
    fn legacy_xls_is_refused_by_default() {
        let mut bytes = OLE_MAGIC.to_vec();
        bytes.extend_from_slice(&[0u8; 504]);
        let e = TableReader::from_bytes(bytes).err().expect("refused");
        let msg = e.to_string();
        assert!(msg.contains(".xlsx") && msg.contains("旧格式"), "{msg}");
    }

    #[test]
    fn missing_file_names_the_path() {
        let e = open(Path::new("/nonexistent/registry.csv"))
            .err()
            .expect("no such file");
        assert!(matches!(e, TabularError::Io { .. }));
        assert!(e.to_string().contains("/nonexistent/registry.csv"), "{e}");
    }
}
