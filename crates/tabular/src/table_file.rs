//! A plain list as an .xlsx workbook: a title row, one bold header row
//! and the rows, every cell text (codes and dates stay as shown, an ID
//! number never turns into a number). The lists of the pages (the chain
//! report …) download through it; the caller gives the headers in the
//! page's language and the cells as the page shows them.

use crate::error::TabularError;
use rust_xlsxwriter::{Format, FormatBorder, Workbook};

/// A list to write.
#[derive(Debug, Clone)]
pub struct TableSheet<'a> {
    /// The sheet's name (at most 31 characters; cut if longer).
    pub name: &'a str,
    /// The title on the first row.
    pub title: &'a str,
    /// Column headers.
    pub headers: &'a [&'a str],
    /// The rows, a cell per header.
    pub rows: &'a [Vec<String>],
}

/// Row of the headers (0: the title).
pub const TABLE_HEADER_ROW: u32 = 1;

/// The workbook's bytes.
pub fn table_xlsx(sheet: &TableSheet<'_>) -> Result<Vec<u8>, TabularError> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    let name: String = sheet.name.chars().take(31).collect();
    ws.set_name(&name)?;
    let bold = Format::new().set_bold();
    let head = Format::new().set_bold().set_border(FormatBorder::Thin);
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("@");
    ws.write_string_with_format(0, 0, sheet.title, &bold)?;
    for (col, h) in sheet.headers.iter().enumerate() {
        ws.set_column_width(col as u16, 16)?;
        ws.write_string_with_format(TABLE_HEADER_ROW, col as u16, *h, &head)?;
    }
    for (i, row) in sheet.rows.iter().enumerate() {
        let r = TABLE_HEADER_ROW + 1 + i as u32;
        for (col, text) in row.iter().enumerate() {
            ws.write_string_with_format(r, col as u16, text, &cell)?;
        }
    }
    Ok(book.save_to_buffer()?)
}
