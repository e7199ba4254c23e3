//! Hostile files: cell references beyond Excel's grid, decompression
//! bombs, lying zip headers, gigantic CSV lines. Each is refused with a
//! bilingual message that says where, and nothing takes the process down
//! or holds memory in proportion to what the file claims.

mod support;

use dixian_tabular::{Record, TableReader, TabularError};
use support::{SHEET, text_cell, xlsx_rows};

/// Every row of a table, or the first error (opening included).
fn read_all(bytes: Vec<u8>) -> Result<Vec<Record>, TabularError> {
    TableReader::from_bytes(bytes)?.collect()
}

fn refused(bytes: Vec<u8>) -> String {
    match read_all(bytes) {
        Ok(rows) => panic!("accepted, {} rows", rows.len()),
        Err(e) => e.to_string(),
    }
}

// --- XLSX: cell positions ------------------------------------------------

#[test]
fn the_last_column_and_row_are_read() {
    let rows = format!(
        r#"<row r="2">{}</row><row r="1048576">{}</row>"#,
        text_cell("XFD2", "x"),
        text_cell("B1048576", "y")
    );
    let rows = read_all(xlsx_rows(&rows)).expect("within Excel's grid");
    assert_eq!(rows[0].cells.len(), 16_384);
    assert_eq!(rows[0].cells[16_383], "x");
    assert_eq!(rows[1].line, 1_048_576);
    assert_eq!(rows[1].cells, ["", "y"]);
}

#[test]
fn a_cell_beyond_the_last_column_is_refused_with_its_reference() {
    let e = refused(xlsx_rows(&format!(
        r#"<row r="2">{}</row>"#,
        text_cell("XFE2", "x")
    )));
    assert!(e.contains("XFE2") && e.contains("XFD"), "{e}");
    assert!(e.contains("超出"), "bilingual: {e}");
}

#[test]
fn a_cell_far_beyond_excel_is_refused_without_allocating() {
    // FXSHRXW is column 2^31-1; ZZZZZZZZ overflows calamine's u32 (it wraps
    // in release builds and panics in debug ones). Either used to make the
    // row a vector of billions of strings.
    for r in ["FXSHRXW2", "ZZZZZZZZ2", "zzzzzzzzzzzzzzzzzzzz2"] {
        let e = refused(xlsx_rows(&format!(
            r#"<row r="2">{}</row>"#,
            text_cell(r, "x")
        )));
        assert!(e.contains("XFD"), "{r}: {e}");
    }
}

#[test]
fn a_row_beyond_the_last_is_refused() {
    for (row, cell) in [("1048577", "A1048577"), ("99999999999", "A99999999999")] {
        let e = refused(xlsx_rows(&format!(
            r#"<row r="{row}">{}</row>"#,
            text_cell(cell, "x")
        )));
        assert!(e.contains("1048576"), "{cell}: {e}");
        assert!(
            !e.contains("99999999999"),
            "long digit runs are not quoted: {e}"
        );
    }
}

#[test]
fn cells_without_references_cannot_run_past_the_last_column() {
    // Without `r`, calamine counts columns itself: 16,385 cells in a row
    // reach one column past XFD.
    let cells = r#"<c t="inlineStr"><is><t>x</t></is></c>"#.repeat(16_385);
    let e = refused(xlsx_rows(&format!(r#"<row r="2">{cells}</row>"#)));
    assert!(e.contains("XFD"), "{e}");
}

#[test]
fn a_shared_string_count_that_lies_is_refused() {
    // calamine reserves room for `uniqueCount` strings up front: a billion
    // of them is 24 GB of address space, a hundred billion fails to allocate.
    for count in ["100000000000", "1000000000"] {
        let sst = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="{count}"><si><t>a</t></si></sst>"#
        );
        let sheet = support::sheet_xml(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#);
        let e = refused(support::xlsx(&[
            (support::SHARED_STRINGS, sst.as_bytes()),
            (SHEET, sheet.as_bytes()),
        ]));
        assert!(
            e.contains("sharedStrings.xml") && e.contains("共享字符串"),
            "{e}"
        );
    }
}

// --- XLSX: decompression bombs ---------------------------------------------

#[test]
fn a_sheet_of_whitespace_is_refused() {
    let bomb = support::whitespace_bomb(20);
    assert!(bomb.len() < 64 * 1024, "the bomb is small: {}", bomb.len());
    let e = refused(bomb);
    assert!(e.contains(SHEET) && e.contains("1 MiB"), "{e}");
    assert!(e.contains("过长"), "bilingual: {e}");
}

#[test]
fn a_part_past_the_inflate_ratio_is_refused() {
    let bomb = support::element_bomb(20);
    assert!(bomb.len() < 200 * 1024, "the bomb is small: {}", bomb.len());
    let e = refused(bomb);
    assert!(e.contains(SHEET) && e.contains("100 times"), "{e}");
    assert!(e.contains("压缩炸弹"), "bilingual: {e}");
}

#[test]
fn a_zip_header_that_understates_the_size_does_not_help() {
    let mut bomb = support::whitespace_bomb(20);
    support::declare_size(&mut bomb, SHEET, 1_000);
    let e = refused(bomb);
    assert!(e.contains(SHEET), "{e}");
}

// --- CSV: lines without end ------------------------------------------------

/// A header line and a data line, then `tail`.
fn csv_with(tail: &[u8]) -> Vec<u8> {
    let mut bytes = b"a,b\n1,2\n".to_vec();
    bytes.extend_from_slice(tail);
    bytes
}

fn csv_error(bytes: Vec<u8>) -> (usize, String) {
    let table = TableReader::from_bytes(bytes).expect("has a header");
    let rows: Vec<_> = table.collect();
    assert!(rows[0].is_ok(), "line 2 is fine");
    assert_eq!(rows.len(), 2, "reading ends at the gigantic line");
    match &rows[1] {
        Err(TabularError::Malformed { line, reason }) => (*line, reason.clone()),
        other => panic!("expected a line error, got {other:?}"),
    }
}

#[test]
fn a_gigantic_line_is_refused_at_its_line() {
    let (line, reason) = csv_error(csv_with(&vec![b'x'; 3 * 1024 * 1024]));
    assert_eq!(line, 3);
    assert!(
        reason.contains("1 MiB") && reason.contains("过长"),
        "{reason}"
    );
}

#[test]
fn a_gigantic_quoted_field_is_refused_at_its_line() {
    let mut tail = b"3,\"".to_vec();
    tail.extend_from_slice(&b"name\n".repeat(700_000));
    tail.extend_from_slice(b"\"\n4,5\n");
    let (line, reason) = csv_error(csv_with(&tail));
    assert_eq!(line, 3);
    assert!(reason.contains("1 MiB"), "{reason}");
}

#[test]
fn a_gigantic_gb18030_line_is_refused_at_its_line() {
    let text = format!("姓名,金额\r\n张三,1\r\n{}", "王".repeat(1_500_000));
    let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
    let (line, reason) = csv_error(bytes.into_owned());
    assert_eq!(line, 3);
    assert!(reason.contains("1 MiB"), "{reason}");
}

#[test]
fn a_gigantic_header_line_is_refused_at_line_one() {
    match TableReader::from_bytes(vec![b'h'; 3 * 1024 * 1024]) {
        Err(TabularError::Malformed { line: 1, reason }) => {
            assert!(reason.contains("1 MiB"), "{reason}")
        }
        Err(e) => panic!("expected a line error, got {e}"),
        Ok(_) => panic!("accepted"),
    }
}
