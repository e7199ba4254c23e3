//! A streaming check of one workbook part's XML, fed the bytes as they are
//! inflated, before calamine parses the part.
//!
//! quick-xml (under calamine) buffers each item whole: a run of text up to
//! the next `<`, a tag up to its `>`, a comment up to `-->`; calamine then
//! gathers a cell's or a shared string's text across items. So a sheet of
//! 400 MB of whitespace is 400 MB in memory. This scan splits the bytes the
//! way quick-xml does and bounds every item, cell and shared string by
//! [`Limits::max_xml_item_bytes`]. On the way it checks cell references
//! against Excel's grid (calamine's arithmetic on them wraps or panics),
//! the shared-string count a table declares (calamine reserves room for it
//! up front), and counts elements, for deciding how the part may be read.

use crate::limits::{Limits, size};

/// Excel's last column, XFD.
pub(crate) const MAX_COLUMNS: u64 = 16_384;
/// Excel's last row.
pub(crate) const MAX_ROWS: u64 = 1_048_576;

/// Elements a shared-string table holds (ECMA-376 `CT_Sst` and the rich
/// text under it).
const SST_VOCABULARY: &[&[u8]] = &[
    b"sst",
    b"si",
    b"t",
    b"r",
    b"rPr",
    b"rFont",
    b"charset",
    b"family",
    b"b",
    b"i",
    b"strike",
    b"outline",
    b"shadow",
    b"condense",
    b"extend",
    b"color",
    b"sz",
    b"u",
    b"vertAlign",
    b"scheme",
    b"rPh",
    b"phoneticPr",
    b"extLst",
    b"ext",
];

/// What a part holds, for deciding how it may be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PartShape {
    /// The root is `sst` and every element belongs to a shared-string table.
    pub(crate) shared_strings_only: bool,
    /// Start tags seen.
    pub(crate) elements: u64,
}

/// Where the scan is between two bytes.
#[derive(Debug, Clone, Copy)]
enum State {
    /// Character data, up to the next `<`.
    Text,
    /// Just after `<`.
    Open,
    /// Just after `<!`.
    Bang,
    /// In `<!-- … -->`, with the count of `-` just seen (at most 2).
    Comment(u8),
    /// In `<![CDATA[ … ]]>`, with the count of `]` just seen (at most 2).
    CData(u8),
    /// In `<? … ?>`, after a `?` or not.
    Instruction(bool),
    /// In a start or end tag, inside quotes or not.
    Tag(Option<u8>),
}

/// An element whose text calamine gathers across items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holder {
    Cell,
    SharedString,
}

/// The scan of one part.
pub(crate) struct XmlScan<'l> {
    limits: &'l Limits,
    /// Bytes fed so far.
    at: u64,
    state: State,
    /// Offset where the current item began.
    item_start: u64,
    /// The current tag's bytes after `<` (bounded by the item limit).
    tag: Vec<u8>,
    /// Offset of the current tag's `<`.
    tag_start: u64,
    /// The open cell or shared string, and its offset.
    holder: Option<(Holder, u64)>,
    /// The last cell reference seen (upper case), to say where a problem is.
    last_cell: String,
    strings: u64,
    shape: PartShape,
}

impl<'l> XmlScan<'l> {
    /// A scan at the start of a part.
    pub(crate) fn new(limits: &'l Limits) -> Self {
        XmlScan {
            limits,
            at: 0,
            state: State::Text,
            item_start: 0,
            tag: Vec::new(),
            tag_start: 0,
            holder: None,
            last_cell: String::new(),
            strings: 0,
            shape: PartShape::default(),
        }
    }

    /// What the part holds, as far as it was read.
    pub(crate) fn shape(&self) -> &PartShape {
        &self.shape
    }

    /// Takes the next bytes of the part; the error says what is wrong and
    /// where, without quoting the part's text.
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> Result<(), String> {
        let mut i = 0;
        while i < bytes.len() {
            i += self.step(&bytes[i..], self.at + i as u64)?;
        }
        self.at += bytes.len() as u64;
        self.check_lengths()
    }

    /// Consumes a prefix of `bytes` (at least one byte), which start at
    /// offset `here` of the part, and returns its length.
    fn step(&mut self, bytes: &[u8], here: u64) -> Result<usize, String> {
        match self.state {
            State::Text => {
                let Some(n) = bytes.iter().position(|&b| b == b'<') else {
                    return Ok(bytes.len());
                };
                self.end_item(here + n as u64)?;
                self.state = State::Open;
                self.tag.clear();
                self.tag_start = here + n as u64;
                return Ok(n + 1);
            }
            State::Tag(quote) => return self.tag_bytes(bytes, here, quote),
            _ => {}
        }
        let b = bytes[0];
        self.state = match (self.state, b) {
            (State::Open, b'!') => State::Bang,
            (State::Open, b'?') => State::Instruction(false),
            (State::Bang, b'-') => State::Comment(0),
            (State::Bang, b'[') => State::CData(0),
            (State::Bang, b'D' | b'd') => {
                return Err(self.at_place(
                    "a document type declaration (DOCTYPE), which Excel never writes \
                     (不接受DOCTYPE声明)",
                ));
            }
            // A tag; quick-xml refuses anything else after `<!`.
            (State::Open | State::Bang, _) => return self.tag_bytes(bytes, here, None),
            (State::Comment(n), b'-') => State::Comment((n + 1).min(2)),
            (State::CData(n), b']') => State::CData((n + 1).min(2)),
            (State::Instruction(_), b'?') => State::Instruction(true),
            (State::Comment(2) | State::CData(2) | State::Instruction(true), b'>') => {
                self.end_item(here + 1)?;
                State::Text
            }
            (State::Comment(_), _) => State::Comment(0),
            (State::CData(_), _) => State::CData(0),
            (State::Instruction(_), _) => State::Instruction(false),
            (State::Text | State::Tag(_), _) => unreachable!("handled above"),
        };
        Ok(1)
    }

    /// Consumes tag bytes up to and including the closing `>`, if it is in
    /// `bytes`; quotes hide `>` as quick-xml's element parser does.
    fn tag_bytes(
        &mut self,
        bytes: &[u8],
        here: u64,
        mut quote: Option<u8>,
    ) -> Result<usize, String> {
        for (i, &b) in bytes.iter().enumerate() {
            match (quote, b) {
                (None, b'>') => {
                    self.tag.extend_from_slice(&bytes[..i]);
                    self.end_item(here + i as u64 + 1)?;
                    self.state = State::Text;
                    self.on_tag()?;
                    return Ok(i + 1);
                }
                (None, b'"' | b'\'') => quote = Some(b),
                (Some(q), b) if q == b => quote = None,
                _ => {}
            }
        }
        self.tag.extend_from_slice(bytes);
        self.state = State::Tag(quote);
        Ok(bytes.len())
    }

    /// An item ends before offset `end`; the next one starts there.
    fn end_item(&mut self, end: u64) -> Result<(), String> {
        if end - self.item_start > self.limits.max_xml_item_bytes {
            return Err(self.item_too_long());
        }
        self.item_start = end;
        Ok(())
    }

    /// The item and the holder open at the end of the bytes fed so far are
    /// within bounds.
    fn check_lengths(&self) -> Result<(), String> {
        let max = self.limits.max_xml_item_bytes;
        if self.at - self.item_start > max {
            return Err(self.item_too_long());
        }
        match self.holder {
            Some((holder, start)) if self.at - start > max => Err(self.holder_too_long(holder)),
            _ => Ok(()),
        }
    }

    /// A whole tag was read into `self.tag`.
    fn on_tag(&mut self) -> Result<(), String> {
        let tag = std::mem::take(&mut self.tag);
        let result = self.check_tag(&tag);
        self.tag = tag;
        result
    }

    fn check_tag(&mut self, tag: &[u8]) -> Result<(), String> {
        if let Some(end) = tag.strip_prefix(b"/") {
            let name = local_name(end.trim_ascii());
            if let Some((holder, start)) = self.holder
                && name == holder_name(holder)
            {
                if self.item_start - start > self.limits.max_xml_item_bytes {
                    return Err(self.holder_too_long(holder));
                }
                self.holder = None;
            }
            return Ok(());
        }
        let self_closing = tag.ends_with(b"/");
        let body = if self_closing {
            &tag[..tag.len() - 1]
        } else {
            tag
        };
        let name_end = body
            .iter()
            .position(|b| b.is_ascii_whitespace())
            .unwrap_or(body.len());
        let (name, attrs) = body.split_at(name_end);
        let name = local_name(name);
        self.shape.elements += 1;
        if self.shape.elements == 1 {
            self.shape.shared_strings_only = name == b"sst";
        } else if self.shape.shared_strings_only && !SST_VOCABULARY.contains(&name) {
            self.shape.shared_strings_only = false;
        }
        let opens = |holder| (!self_closing).then_some((holder, self.tag_start));
        match name {
            b"c" => {
                for r in attributes(attrs)
                    .filter(|(k, _)| *k == b"r")
                    .map(|(_, v)| v)
                {
                    check_reference(r)?;
                    self.last_cell.clear();
                    self.last_cell.extend(
                        r.iter()
                            .take(16)
                            .map(|b| char::from(b.to_ascii_uppercase())),
                    );
                }
                if self.holder.is_none() {
                    self.holder = opens(Holder::Cell);
                }
            }
            b"row" => {
                for r in attributes(attrs)
                    .filter(|(k, _)| *k == b"r")
                    .map(|(_, v)| v)
                {
                    check_reference(r).map_err(|e| self.at_place(&e))?;
                }
            }
            b"dimension" => {
                for v in attributes(attrs)
                    .filter(|(k, _)| *k == b"ref")
                    .map(|(_, v)| v)
                {
                    v.split(|&b| b == b':').try_for_each(check_reference)?;
                    if reversed_dimension(v) {
                        return Err("the sheet's dimension ends before it starts \
                                    (工作表范围dimension无效)"
                            .to_string());
                    }
                }
            }
            b"sst" => {
                for v in attributes(attrs)
                    .filter(|(k, _)| *k == b"uniqueCount")
                    .map(|(_, v)| v)
                {
                    if count_above(v, self.limits.max_shared_strings) {
                        return Err(format!(
                            "declares more than {} shared strings (声明的共享字符串过多)",
                            self.limits.max_shared_strings
                        ));
                    }
                }
            }
            b"si" => {
                self.strings += 1;
                if self.strings > self.limits.max_shared_strings {
                    return Err(format!(
                        "holds more than {} shared strings (共享字符串过多)",
                        self.limits.max_shared_strings
                    ));
                }
                if self.holder.is_none() {
                    self.holder = opens(Holder::SharedString);
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// `what`, prefixed with the last cell or shared string reached.
    fn at_place(&self, what: &str) -> String {
        match (&self.last_cell, self.strings) {
            (cell, _) if !cell.is_empty() => format!("after cell {cell}: {what}"),
            (_, n) if n > 0 => format!("shared string {n}: {what}"),
            _ => what.to_string(),
        }
    }

    fn item_too_long(&self) -> String {
        let max = size(self.limits.max_xml_item_bytes);
        self.at_place(&format!(
            "an XML item (a tag, a run of text or a comment) is longer than {max} \
             (XML内容过长，超过{max})"
        ))
    }

    fn holder_too_long(&self, holder: Holder) -> String {
        let max = size(self.limits.max_xml_item_bytes);
        let what = match holder {
            Holder::Cell if !self.last_cell.is_empty() => format!("cell {}", self.last_cell),
            Holder::Cell => "a cell".to_string(),
            Holder::SharedString => format!("shared string {}", self.strings),
        };
        format!("{what} holds more than {max} of XML (单元格或共享字符串过长，超过{max})")
    }
}

fn holder_name(holder: Holder) -> &'static [u8] {
    match holder {
        Holder::Cell => b"c",
        Holder::SharedString => b"si",
    }
}

/// The name without its namespace prefix, as calamine matches elements.
fn local_name(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|&b| b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// The `name="value"` pairs of a tag, up to the first that does not parse.
fn attributes(mut s: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    std::iter::from_fn(move || {
        s = s.trim_ascii_start();
        let key_end = s
            .iter()
            .position(|&b| b == b'=' || b.is_ascii_whitespace())?;
        let (key, rest) = s.split_at(key_end);
        let rest = rest
            .trim_ascii_start()
            .strip_prefix(b"=")?
            .trim_ascii_start();
        let quote = *rest.first().filter(|&&q| q == b'"' || q == b'\'')?;
        let len = rest[1..].iter().position(|&b| b == quote)?;
        s = &rest[len + 2..];
        Some((key, &rest[1..1 + len]))
    })
}

/// Whether a count attribute, as calamine parses it, is above `max`.
fn count_above(value: &[u8], max: u64) -> bool {
    let v = value.trim_ascii();
    let v = v.strip_prefix(b"+").unwrap_or(v);
    if v.is_empty() || !v.iter().all(u8::is_ascii_digit) {
        return false; // calamine ignores what does not parse
    }
    let digits = trim_zeros(v);
    digits.len() > 19
        || digits
            .iter()
            .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'))
            > max
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let zeros = digits.iter().take_while(|&&b| b == b'0').count();
    &digits[zeros..]
}

/// Checks an A1 reference against Excel's grid. calamine reads its letters,
/// then its digits, into a `u32` before it looks at what follows (which
/// may make it refuse the reference), so both runs are checked whatever
/// follows them.
fn check_reference(r: &[u8]) -> Result<(), String> {
    let (col, row) = split_reference(r);
    let row = trim_zeros(row);
    let col_ok = col.len() <= 3 && column_number(col) <= MAX_COLUMNS;
    let row_ok = row.len() <= 7 && decimal(row) <= MAX_ROWS;
    if col_ok && row_ok {
        return Ok(());
    }
    let col = String::from_utf8_lossy(col).to_ascii_uppercase();
    Err(beyond_grid(&col, &String::from_utf8_lossy(row)))
}

/// The leading letters of a reference and the digits right after them.
fn split_reference(r: &[u8]) -> (&[u8], &[u8]) {
    let letters = r.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let digits = r[letters..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    (&r[..letters], &r[letters..letters + digits])
}

/// A dimension `A1:C9` whose end comes before its start, which calamine
/// subtracts (a panic in debug builds, a wrapped number in release ones).
fn reversed_dimension(range: &[u8]) -> bool {
    let corner = |r: &[u8]| {
        let (col, row) = split_reference(r);
        let whole = !col.is_empty() && !row.is_empty() && col.len() + row.len() == r.len();
        whole.then(|| (decimal(trim_zeros(row)), column_number(col)))
    };
    let mut parts = range.split(|&b| b == b':');
    match (
        parts.next().and_then(corner),
        parts.next().and_then(corner),
        parts.next(),
    ) {
        (Some((r0, c0)), Some((r1, c1)), None) => r1 < r0 || c1 < c0,
        _ => false,
    }
}

/// The value of decimal digits; only the first eight count (longer runs
/// are beyond the grid and refused before this matters).
fn decimal(digits: &[u8]) -> u64 {
    digits
        .iter()
        .take(8)
        .fold(0, |n, d| n * 10 + u64::from(d - b'0'))
}

/// 1-based column number of letters (`A` = 1, `XFD` = 16,384).
fn column_number(letters: &[u8]) -> u64 {
    letters.iter().fold(0, |n, b| {
        n * 26 + u64::from(b.to_ascii_uppercase() - b'A' + 1)
    })
}

/// Letters of a 0-based column (`0` = `A`).
pub(crate) fn column_letters(col: u64) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        n -= 1;
        out.push(b'A' + (n % 26) as u8);
        n /= 26;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII letters")
}

/// A cell beyond Excel's grid, named by column letters and row digits; a
/// long run of either is left out (it could be anything, an ID number too).
pub(crate) fn beyond_grid(col: &str, row: &str) -> String {
    let col = (!col.is_empty() && col.len() <= 10).then_some(col);
    let row = (!row.is_empty() && row.len() <= 7).then_some(row);
    let cell = match (col, row) {
        (Some(c), Some(r)) => format!("cell {c}{r}"),
        (Some(c), None) => format!("a cell in column {c}"),
        (None, Some(r)) => format!("a cell in row {r}"),
        (None, None) => "a cell".to_string(),
    };
    format!(
        "{cell} is beyond Excel's last column XFD or last row 1048576 \
         (单元格超出Excel的范围：最多XFD列、1048576行)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(limits: &Limits, xml: &str, chunk: usize) -> Result<PartShape, String> {
        let mut s = XmlScan::new(limits);
        for part in xml.as_bytes().chunks(chunk) {
            s.feed(part)?;
        }
        Ok(s.shape().clone())
    }

    fn small() -> Limits {
        Limits {
            max_xml_item_bytes: 64,
            max_shared_strings: 3,
            ..Limits::default()
        }
    }

    #[test]
    fn items_are_split_as_quick_xml_does() {
        let xml = r#"<?xml version="1.0"?><!-- a > b --><worksheet a=">>>"><![CDATA[ <x> ]]><c r="B2"/></worksheet>"#;
        for chunk in [1, 2, 7, 1000] {
            let shape = scan(&Limits::default(), xml, chunk).expect("fine");
            assert_eq!(shape.elements, 2, "chunk {chunk}");
            assert!(!shape.shared_strings_only);
        }
    }

    #[test]
    fn long_items_are_refused_whatever_their_kind() {
        let long = "x".repeat(100);
        for xml in [
            format!("<a>{long}</a>"),
            format!("<a b=\"{long}\"/>"),
            format!("<a><!--{long}--></a>"),
            format!("<a><![CDATA[{long}]]></a>"),
            format!("<?pi {long}?>"),
            format!("<a>{}</a>", " ".repeat(100)),
        ] {
            for chunk in [1, 10, 1000] {
                let e = scan(&small(), &xml, chunk).expect_err(&xml);
                assert!(e.contains("64 bytes"), "{e}");
            }
        }
    }

    #[test]
    fn a_cell_is_bounded_as_a_whole() {
        // Each item is short, the cell is long: calamine would gather it.
        let xml = format!(r#"<c r="C3"><v>{}</v></c>"#, "1<!---->".repeat(20));
        let e = scan(&small(), &xml, 1000).expect_err("a long cell");
        assert!(e.starts_with("cell C3 holds more than 64 bytes"), "{e}");
        let xml = format!(r#"<sst><si><t>{}</t></si></sst>"#, "ab&amp;".repeat(20));
        let e = scan(&small(), &xml, 5).expect_err("a long shared string");
        assert!(e.starts_with("shared string 1 holds"), "{e}");
        assert!(
            scan(
                &small(),
                r#"<c r="A1"><v>1</v></c><c r="A2"><v>2</v></c>"#,
                3
            )
            .is_ok()
        );
    }

    #[test]
    fn references_beyond_the_grid_are_refused() {
        let ok = Limits::default();
        for r in [
            "A1",
            "XFD1048576",
            "xfd1",
            "A0001",
            "",
            "A",
            "1:2",
            "R1C1",
            "B2x",
        ] {
            let xml = format!(r#"<c r="{r}"/>"#);
            assert!(scan(&ok, &xml, 1000).is_ok(), "{r}");
        }
        for (xml, says) in [
            (r#"<c r="XFE1"/>"#, "cell XFE1 is beyond"),
            (r#"<x:c s="1" r='ZZZZZZZZ2'/>"#, "cell ZZZZZZZZ2 is beyond"),
            (r#"<c r="A1048577"/>"#, "cell A1048577 is beyond"),
            (
                r#"<c r="B110101199003077777"/>"#,
                "a cell in column B is beyond",
            ),
            (r#"<row r="4294967296">"#, "a cell is beyond"),
            (r#"<dimension ref="A1:AAAA1"/>"#, "cell AAAA1 is beyond"),
            (r#"<c r="MXaaaaa"/>"#, "a cell in column MXAAAAA is beyond"),
            (r#"<c r="A99999999999$"/>"#, "a cell in column A is beyond"),
        ] {
            let e = scan(&ok, xml, 1000).expect_err(xml);
            assert!(e.starts_with(says), "{e}");
            assert!(e.contains("超出"), "{e}");
        }
    }

    #[test]
    fn shared_strings_are_counted_and_their_declared_count_checked() {
        let sst = |n: usize, declared: &str| {
            format!(
                r#"<sst uniqueCount="{declared}">{}</sst>"#,
                "<si><t>a</t></si>".repeat(n)
            )
        };
        let shape = scan(&small(), &sst(3, "3"), 4).expect("three strings");
        assert!(shape.shared_strings_only);
        assert!(
            scan(&small(), &sst(4, "3"), 4)
                .expect_err("four")
                .contains("more than 3")
        );
        for declared in ["4", "+0004", "99999999999999999999999"] {
            let e = scan(&small(), &sst(1, declared), 4).expect_err(declared);
            assert!(e.contains("declares more than 3"), "{e}");
        }
        assert!(
            scan(&small(), &sst(1, "x"), 4).is_ok(),
            "calamine ignores it"
        );
        let mixed = "<sst><si><t>a</t></si><cellXfs><xf/></cellXfs></sst>";
        assert!(!scan(&small(), mixed, 4).expect("scans").shared_strings_only);
    }

    #[test]
    fn a_reversed_dimension_is_refused() {
        assert!(scan(&Limits::default(), r#"<dimension ref="A1:C9"/>"#, 3).is_ok());
        for r in ["B2:A2", "A2:A1"] {
            let xml = format!(r#"<dimension ref="{r}"/>"#);
            let e = scan(&Limits::default(), &xml, 3).expect_err(r);
            assert!(e.contains("dimension ends before"), "{e}");
        }
    }

    #[test]
    fn a_doctype_is_refused() {
        let e =
            scan(&Limits::default(), "<!DOCTYPE x [<!ENTITY a 'b'>]><x/>", 3).expect_err("DOCTYPE");
        assert!(e.contains("DOCTYPE"), "{e}");
    }

    #[test]
    fn column_letters_round_trip() {
        for (col, letters) in [(0, "A"), (25, "Z"), (26, "AA"), (16_383, "XFD")] {
            assert_eq!(column_letters(col), letters);
            assert_eq!(column_number(letters.as_bytes()), col + 1);
        }
    }
}
