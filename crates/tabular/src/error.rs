//! The crate's error type. Messages are bilingual (English, then Chinese in
//! parentheses) and never carry cell contents: they name the line and column.

use std::io;
use std::path::{Path, PathBuf};

/// Why a table file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum TabularError {
    /// The file could not be opened, read or written.
    #[error("{} (文件读写失败): {source}", describe_path(path))]
    Io {
        /// The file; empty for a stream or an in-memory buffer.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },
    /// The Excel workbook is damaged or not supported.
    #[error("cannot read or write the Excel workbook (Excel文件无法处理): {0}")]
    Xlsx(String),
    /// A line of a CSV file cannot be split into cells. Reading goes on
    /// after it, except after a line longer than
    /// [`Limits::max_row_bytes`](crate::Limits::max_row_bytes), which ends
    /// the file.
    #[error("line {line}: {reason}")]
    Malformed {
        /// 1-based line of the file (the header is line 1).
        line: usize,
        /// Bilingual reason, without the line's contents.
        reason: String,
    },
    /// The header row is missing, incomplete or ambiguous.
    #[error("{0}")]
    Header(String),
}

impl TabularError {
    /// An I/O error on `path` (empty for a stream).
    pub(crate) fn io(path: &Path, source: io::Error) -> Self {
        TabularError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

fn describe_path(path: &Path) -> String {
    if path.as_os_str().is_empty() {
        "cannot read or write the data stream".to_string()
    } else {
        format!("cannot read or write {}", path.display())
    }
}

impl From<calamine::XlsxError> for TabularError {
    fn from(e: calamine::XlsxError) -> Self {
        TabularError::Xlsx(xlsx_reason(&e))
    }
}

/// Calamine's message, unless it may quote the file's text (a cell's
/// value, an entity or a sheet name, which may be personal data): then what
/// went wrong, without it.
fn xlsx_reason(e: &calamine::XlsxError) -> String {
    use calamine::XlsxError as E;
    match e {
        E::Xml(_) | E::XmlAttr(_) | E::Encoding(_) => match io_cause(e) {
            // Inflating failed (a damaged zip): the zip crate's words.
            Some(io) => format!("I/O error: {io}"),
            None => "the XML of a part of the workbook is malformed (XML格式错误)".to_string(),
        },
        E::CellError(_) => "a cell holds an unknown error value (单元格错误值无法识别)".to_string(),
        E::CellTAttribute(_) | E::Unrecognized { .. } => {
            "a cell or sheet has a type that cannot be recognized (单元格或工作表类型无法识别)"
                .to_string()
        }
        E::WorksheetNotFound(_)
        | E::NotAWorksheet(_)
        | E::FileNotFound(_)
        | E::TableNotFound(_)
        | E::PivotTableNotFound(_) => {
            "the first sheet is missing or is not a worksheet (找不到工作表)".to_string()
        }
        other => other.to_string(),
    }
}

/// The I/O error at the root of `e`, if any.
fn io_cause<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a io::Error> {
    let mut cause = e.source();
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<io::Error>() {
            return Some(io);
        }
        cause = c.source();
    }
    None
}

impl From<calamine::XlsError> for TabularError {
    fn from(e: calamine::XlsError) -> Self {
        TabularError::Xlsx(e.to_string())
    }
}

impl From<rust_xlsxwriter::XlsxError> for TabularError {
    fn from(e: rust_xlsxwriter::XlsxError) -> Self {
        TabularError::Xlsx(e.to_string())
    }
}
