//! Generic table reading from Excel workbooks: cell rendering, dates, line
//! numbers, and the cell parsers on what comes out.

use dixian_tabular::{TableReader, open, parse_date, parse_money_fen};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

fn workbook() -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    sheet
        .write_row(0, 0, ["日期", "金额", "备注", "时间"])
        .expect("header");
    let day = ExcelDateTime::from_ymd(2026, 3, 1).expect("date");
    sheet
        .write_datetime_with_format(1, 0, &day, &date)
        .expect("date cell");
    sheet.write_number(1, 1, 1234.5).expect("float");
    sheet.write_string(1, 2, " 说明 ").expect("text");
    let at = ExcelDateTime::from_ymd(2026, 3, 1)
        .expect("date")
        .and_hms(8, 30, 0)
        .expect("time");
    sheet
        .write_datetime_with_format(1, 3, &at, &Format::new().set_num_format("yyyy-mm-dd hh:mm"))
        .expect("time");
    // Row 3 (index 2) left empty; row 4 has a gap in column B.
    sheet.write_number(3, 0, 46082).expect("serial");
    sheet.write_number(3, 2, 1200).expect("whole number");
    sheet.write_boolean(3, 3, true).expect("bool");
    book.save_to_buffer().expect("saved")
}

#[test]
fn xlsx_cells_become_text_with_their_rows() {
    let table = TableReader::from_bytes(workbook()).expect("opens");
    assert_eq!(table.headers(), ["日期", "金额", "备注", "时间"]);
    assert_eq!(table.header_line(), 1);
    let rows: Vec<_> = table.map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].line, 2);
    assert_eq!(
        rows[0].cells,
        ["2026-03-01", "1234.5", " 说明 ", "2026-03-01 08:30:00"]
    );
    assert_eq!(rows[1].line, 4);
    assert_eq!(rows[1].cells, ["46082", "", "1200", "true"]);
    assert_eq!(parse_date(&rows[0].cells[0]), parse_date(&rows[1].cells[0]));
    assert_eq!(parse_date(&rows[0].cells[3]), parse_date("2026-03-01"));
    assert_eq!(parse_money_fen(&rows[0].cells[1]), Ok(123_450));
}

#[test]
fn xlsx_on_disk_is_sniffed_whatever_its_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("upload.csv");
    std::fs::write(&path, workbook()).expect("written");
    let table = open(&path).expect("opens as a workbook");
    assert_eq!(table.count(), 2);
}

#[test]
fn dropping_a_reader_midway_does_not_hang() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for row in 0..5_000u32 {
        sheet.write_number(row, 0, f64::from(row)).expect("cell");
    }
    let mut table = TableReader::from_bytes(book.save_to_buffer().expect("saved")).expect("opens");
    assert_eq!(table.next().expect("row").expect("ok").cells, ["1"]);
    drop(table);
}
