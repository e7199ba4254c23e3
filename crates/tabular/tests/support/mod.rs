//! Hand-built XLSX workbooks for the hostile-file tests: a minimal
//! workbook around raw sheet XML, so a test can put in it what no
//! spreadsheet program would write (odd cell references, a sheet of
//! whitespace, a lying zip header).

#![allow(dead_code)] // each test file uses a part of it

use std::io::{self, Cursor, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// Name of the one worksheet's part.
pub const SHEET: &str = "xl/worksheets/sheet1.xml";
/// Name of the shared-string table's part.
pub const SHARED_STRINGS: &str = "xl/sharedStrings.xml";

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;

const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;

/// The parts every workbook here has, before the sheet.
fn skeleton() -> [(&'static str, &'static str); 4] {
    [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", ROOT_RELS),
        ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
    ]
}

/// A worksheet part holding `rows` (raw `<row>` elements) in its sheetData.
pub fn sheet_xml(rows: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>"#
    )
}

/// An inline-string cell at `r`.
pub fn text_cell(r: &str, text: &str) -> String {
    format!(r#"<c r="{r}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

/// A workbook whose first sheet holds `rows`; row 1 is a header `a`.
pub fn xlsx_rows(rows: &str) -> Vec<u8> {
    let header = format!(r#"<row r="1">{}</row>"#, text_cell("A1", "a"));
    xlsx(&[(SHEET, sheet_xml(&format!("{header}{rows}")).as_bytes())])
}

/// A workbook of the skeleton plus `parts` (name, bytes), deflated; a
/// part named as one of the skeleton's replaces it.
pub fn xlsx(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let replaced = |name: &str| parts.iter().any(|(n, _)| *n == name);
    for (name, text) in skeleton().into_iter().filter(|(n, _)| !replaced(n)) {
        zip.start_file(name, deflated()).expect("zip entry");
        zip.write_all(text.as_bytes()).expect("zip write");
    }
    for (name, bytes) in parts {
        zip.start_file(*name, deflated()).expect("zip entry");
        zip.write_all(bytes).expect("zip write");
    }
    zip.finish().expect("zip finished").into_inner()
}

/// A workbook whose sheet is `head`, then what `fill` writes, then `tail`,
/// deflated at the best level without holding the sheet in memory.
pub fn xlsx_streamed(
    head: &str,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    tail: &str,
) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, text) in skeleton() {
        zip.start_file(name, deflated()).expect("zip entry");
        zip.write_all(text.as_bytes()).expect("zip write");
    }
    let best = deflated().compression_level(Some(9));
    zip.start_file(SHEET, best).expect("zip entry");
    zip.write_all(head.as_bytes()).expect("zip write");
    fill(&mut zip).expect("zip fill");
    zip.write_all(tail.as_bytes()).expect("zip write");
    zip.finish().expect("zip finished").into_inner()
}

/// A sheet of one header row, then `mib` MiB of `filler` repeated between
/// the rows, deflated at the best level.
pub fn bomb(mib: usize, filler: &[u8]) -> Vec<u8> {
    let head = sheet_xml("");
    let (head, tail) = head.split_at(head.find("</sheetData>").expect("sheetData"));
    let head = format!(r#"{head}<row r="1">{}</row>"#, text_cell("A1", "a"));
    let block = filler.repeat(1024 * 1024 / filler.len());
    let blocks = mib * 1024 * 1024 / block.len();
    xlsx_streamed(
        &head,
        |w| (0..blocks).try_for_each(|_| w.write_all(&block)),
        tail,
    )
}

/// A sheet of `mib` MiB of spaces: a thousandth of that, deflated.
pub fn whitespace_bomb(mib: usize) -> Vec<u8> {
    bomb(mib, b" ")
}

/// A sheet of `mib` MiB of empty elements calamine skips: no item is long,
/// only the inflate ratio gives it away.
pub fn element_bomb(mib: usize) -> Vec<u8> {
    bomb(mib, b"<x/>")
}

fn deflated() -> SimpleFileOptions {
    SimpleFileOptions::default().compression_method(CompressionMethod::Deflated)
}

/// Overwrites the declared uncompressed size of the zip entry `name`, in
/// its local header and in the central directory, with `size`: a header
/// that lies.
pub fn declare_size(zip: &mut [u8], name: &str, size: u32) {
    let name = name.as_bytes();
    // Local file header: signature, then size at 22, name length at 26, name at 30.
    // Central directory header: size at 24, name length at 28, name at 46.
    for (sig, size_at, name_at) in [(b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)] {
        let mut i = 0;
        while let Some(p) = find(&zip[i..], sig).map(|p| p + i) {
            if zip[p + name_at..].starts_with(name) {
                zip[p + size_at..p + size_at + 4].copy_from_slice(&size.to_le_bytes());
            }
            i = p + 4;
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
