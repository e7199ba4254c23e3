//! The CSV file: header row in the chosen language, CRLF line ends as
//! Excel writes them, and the chosen encoding.

use super::{Encoding, FeedSpec, Headers, Line};

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The header row in the spec's language.
pub(super) fn header(spec: &FeedSpec) -> Vec<String> {
    super::kinds::columns(spec.kind)
        .iter()
        .map(|(zh, en)| match spec.headers {
            Headers::Chinese => zh.to_string(),
            Headers::English => en.to_string(),
        })
        .collect()
}

/// The bytes of the file.
pub(super) fn csv(spec: &FeedSpec, lines: &[Line]) -> Vec<u8> {
    let mut text = String::new();
    push_record(&mut text, header(spec).iter().map(String::as_str));
    for l in lines {
        push_record(&mut text, l.cells.iter().map(String::as_str));
    }
    match spec.encoding {
        Encoding::Utf8 => text.into_bytes(),
        Encoding::Utf8Bom => [BOM, text.as_bytes()].concat(),
        Encoding::Gb18030 => encoding_rs::GB18030.encode(&text).0.into_owned(),
    }
}

fn push_record<'a>(text: &mut String, cells: impl Iterator<Item = &'a str>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            text.push(',');
        }
        if cell.contains([',', '"', '\r', '\n']) {
            text.push('"');
            text.push_str(&cell.replace('"', "\"\""));
            text.push('"');
        } else {
            text.push_str(cell);
        }
    }
    text.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_with_commas_or_quotes_are_quoted() {
        let mut t = String::new();
        push_record(&mut t, ["a", "b,c", "say \"hi\""].into_iter());
        assert_eq!(t, "a,\"b,c\",\"say \"\"hi\"\"\"\r\n");
    }
}
