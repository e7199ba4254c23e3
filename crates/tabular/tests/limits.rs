//! The operational limits: their defaults, and that a caller's own limits
//! are the ones applied, for CSV and XLSX alike.

mod support;

use dixian_tabular::{Limits, Record, TableReader, TabularError, open_with_limits};
use support::{SHARED_STRINGS, SHEET, sheet_xml, text_cell, xlsx, xlsx_rows};

const MIB: u64 = 1024 * 1024;

fn read(bytes: Vec<u8>, limits: &Limits) -> Result<Vec<Record>, TabularError> {
    TableReader::from_bytes_with_limits(bytes, limits)?.collect()
}

fn refused(bytes: Vec<u8>, limits: &Limits) -> String {
    match read(bytes, limits) {
        Ok(rows) => panic!("accepted, {} rows", rows.len()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_defaults_are_documented_ones() {
    let d = Limits::default();
    assert_eq!(d.max_row_bytes, MIB);
    assert_eq!(d.max_part_bytes, 4096 * MIB);
    assert_eq!(d.max_workbook_bytes, 8192 * MIB);
    assert_eq!(d.max_inflate_ratio, 100);
    assert_eq!(d.ratio_grace_bytes, MIB);
    assert_eq!(d.max_xml_item_bytes, MIB);
    assert_eq!(d.max_shared_strings_bytes, 256 * MIB);
    assert_eq!(d.max_shared_strings, 4_000_000);
    assert_eq!(d.max_metadata_bytes, 16 * MIB);
    assert_eq!(d.max_metadata_elements, 400_000);
}

#[test]
fn a_csv_line_limit_is_the_callers() {
    let line = "x".repeat(300);
    let csv = format!("a\n{line}\nshort\n").into_bytes();
    let rows = read(csv.clone(), &Limits::default()).expect("300 bytes is fine");
    assert_eq!(rows.len(), 2);
    let tight = Limits {
        max_row_bytes: 100,
        ..Limits::default()
    };
    let e = refused(csv, &tight);
    assert!(e.starts_with("line 2:") && e.contains("100 bytes"), "{e}");
}

#[test]
fn a_csv_line_limit_applies_on_disk_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("feed.csv");
    std::fs::write(&path, format!("a\n{}\n", "y".repeat(5_000))).expect("written");
    let tight = Limits {
        max_row_bytes: 1_000,
        ..Limits::default()
    };
    let e: Result<Vec<Record>, _> = open_with_limits(&path, &tight)
        .expect("the header fits")
        .collect();
    assert!(
        matches!(e, Err(TabularError::Malformed { line: 2, .. })),
        "{e:?}"
    );
}

#[test]
fn an_xlsx_row_limit_is_the_callers() {
    let rows = format!(
        r#"<row r="2">{}{}</row>"#,
        text_cell("A2", &"x".repeat(80)),
        text_cell("B2", &"y".repeat(80))
    );
    let tight = Limits {
        max_row_bytes: 100,
        ..Limits::default()
    };
    assert!(read(xlsx_rows(&rows), &Limits::default()).is_ok());
    let e = refused(xlsx_rows(&rows), &tight);
    assert!(e.contains("row 2 holds more than 100 bytes"), "{e}");
}

#[test]
fn the_inflate_ratio_is_the_callers() {
    let bomb = support::element_bomb(4);
    let e = refused(bomb.clone(), &Limits::default());
    assert!(e.contains("100 times"), "{e}");
    let lenient = Limits {
        max_inflate_ratio: 100_000,
        ..Limits::default()
    };
    assert!(read(bomb.clone(), &lenient).is_ok());
    let graceful = Limits {
        ratio_grace_bytes: 8 * MIB,
        ..Limits::default()
    };
    assert!(read(bomb, &graceful).is_ok(), "within the grace size");
}

#[test]
fn part_and_workbook_sizes_are_the_callers() {
    let bomb = support::element_bomb(4);
    let lenient = Limits {
        max_inflate_ratio: 100_000,
        ..Limits::default()
    };
    let e = refused(
        bomb.clone(),
        &Limits {
            max_part_bytes: 2 * MIB,
            ..lenient.clone()
        },
    );
    assert!(e.contains(SHEET) && e.contains("more than 2 MiB"), "{e}");
    let e = refused(
        bomb,
        &Limits {
            max_workbook_bytes: 3 * MIB,
            ..lenient
        },
    );
    assert!(
        e.contains("the workbook inflates to more than 3 MiB"),
        "{e}"
    );
}

#[test]
fn an_xml_item_limit_is_the_callers() {
    let rows = format!(r#"<row r="2">{}</row>"#, text_cell("C2", &"z".repeat(500)));
    let tight = Limits {
        max_xml_item_bytes: 200,
        ..Limits::default()
    };
    let e = refused(xlsx_rows(&rows), &tight);
    assert!(
        e.contains("after cell C2") && e.contains("200 bytes"),
        "{e}"
    );
}

/// A workbook whose cell A2 is shared string `n - 1` of `n` strings.
fn with_strings(n: usize) -> Vec<u8> {
    let sst = format!(
        r#"<sst count="{n}" uniqueCount="{n}">{}</sst>"#,
        (0..n)
            .map(|i| format!("<si><t>s{i}</t></si>"))
            .collect::<String>()
    );
    let sheet = sheet_xml(&format!(
        r#"<row r="1">{}</row><row r="2"><c r="A2" t="s"><v>{}</v></c></row>"#,
        text_cell("A1", "a"),
        n - 1
    ));
    xlsx(&[(SHARED_STRINGS, sst.as_bytes()), (SHEET, sheet.as_bytes())])
}

#[test]
fn shared_string_limits_are_the_callers() {
    let rows = read(with_strings(50), &Limits::default()).expect("fine");
    assert_eq!(rows[0].cells, ["s49"]);
    let e = refused(
        with_strings(50),
        &Limits {
            max_shared_strings: 10,
            ..Limits::default()
        },
    );
    assert!(
        e.contains("sharedStrings.xml") && e.contains("10 shared strings"),
        "{e}"
    );
    let e = refused(
        with_strings(50),
        &Limits {
            max_shared_strings_bytes: 300,
            ..Limits::default()
        },
    );
    assert!(
        e.contains("shared strings inflate to more than 300 bytes"),
        "{e}"
    );
}

#[test]
fn parts_read_whole_are_bounded_and_the_streamed_sheet_is_not() {
    let styles = format!(
        r#"<styleSheet><cellXfs>{}</cellXfs></styleSheet>"#,
        r#"<xf numFmtId="0"/>"#.repeat(50)
    );
    let sheet = sheet_xml(&format!(
        r#"<row r="1">{}</row><row r="2">{}</row>"#,
        text_cell("A1", "a"),
        text_cell("A2", &"b".repeat(3_000))
    ));
    let book = xlsx(&[
        ("xl/styles.xml", styles.as_bytes()),
        (SHEET, sheet.as_bytes()),
    ]);
    let e = refused(
        book.clone(),
        &Limits {
            max_metadata_elements: 20,
            ..Limits::default()
        },
    );
    assert!(e.contains("xl/styles.xml has more than 20 elements"), "{e}");
    let small = Limits {
        max_metadata_bytes: 600,
        ..Limits::default()
    };
    let e = refused(book, &small);
    assert!(
        e.contains("xl/styles.xml inflates to more than 600 bytes"),
        "{e}"
    );
    // The sheet (3 KB) is more than 600 bytes too, but it is streamed.
    let book = xlsx(&[(SHEET, sheet.as_bytes())]);
    assert_eq!(read(book, &small).expect("streamed").len(), 1);
}

#[test]
fn a_part_nobody_reads_may_fail_its_checks() {
    // A megabyte of zeros deflates a thousandfold, but calamine never
    // inflates a picture: the gate only stops what is read.
    let zeros = vec![0u8; 8 * MIB as usize];
    let sheet = sheet_xml(&format!(r#"<row r="1">{}</row>"#, text_cell("A1", "a")));
    let book = xlsx(&[("xl/media/image1.png", &zeros), (SHEET, sheet.as_bytes())]);
    let table = TableReader::from_bytes(book).expect("opens");
    assert_eq!(table.headers(), ["a"]);
}
