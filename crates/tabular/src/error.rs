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
    /// A line of a CSV file cannot be split into cells.
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
        TabularError::Xlsx(e.to_string())
    }
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
