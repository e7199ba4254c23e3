//! Table files for dixian: reading CSV (UTF-8 or GB18030) and Excel
//! workbooks with bilingual headers, parsing cells, and the household
//! registry file (户籍底册) in both directions.
//!
//! Library only: no async, no database. Messages shown to users are in
//! English and Chinese and never quote cell contents (they may be personal
//! data); they name the line and column instead.
//!
//! Every file is taken as hostile: reading one is bounded in memory and
//! work by [`Limits`], and a damaged or crafted file is an error, never a
//! panic or an abort (`tests/hostile.rs`, `tests/fuzz.rs`).

#![warn(missing_docs)]

pub mod cell;
mod decode;
pub mod error;
mod header;
pub mod household_file;
mod limits;
mod lines;
pub mod notice_file;
pub mod read;
mod sheet;
pub mod table_file;
mod xml_scan;
mod zip_guard;

pub use cell::{excel_date, parse_bool, parse_date, parse_decimal, parse_money_fen};
pub use error::TabularError;
pub use household_file::{
    CsvHouseholdWriter, HOUSEHOLD_COLUMNS, HeaderLanguage, HouseholdReader, ParsedHousehold,
    RowError, XlsxHouseholdWriter, csv_safe, header_row, household_rows,
};
pub use limits::Limits;
pub use notice_file::{NOTICE_COLUMNS, NoticeLine, NoticeSheet, notice_xlsx};
pub use read::{ColumnSpec, HeaderMap, Record, TableReader, open, open_with_limits};
pub use table_file::{TABLE_HEADER_ROW, TableSheet, table_xlsx};
