//! Header rows: which file column holds which field. Files name a column in
//! Chinese or English, in any order; case, spaces and a stray BOM are
//! ignored, unknown columns are kept aside for a warning.

use crate::error::TabularError;
use crate::read::Record;

/// One column a file format knows: its key in code and its two header names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSpec {
    /// Stable key used in code to look the column up.
    pub key: &'static str,
    /// Chinese header.
    pub zh: &'static str,
    /// English header (matched ignoring ASCII case; space and `_` are alike).
    pub en: &'static str,
    /// Whether the file must have this column.
    pub required: bool,
    /// Other headers departments write for it (证件号码 for 身份证号),
    /// matched exactly after trimming, like `zh`.
    pub aliases: &'static [&'static str],
}

impl ColumnSpec {
    /// Whether a header cell names this column.
    pub fn matches(&self, header: &str) -> bool {
        let h = clean_header(header);
        h == self.zh || english_eq(h, self.en) || self.aliases.contains(&h)
    }

    /// `中文 (english)`, as used in messages.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.zh, self.en)
    }
}

/// A header cell without surrounding spaces or a byte-order mark.
pub fn clean_header(header: &str) -> &str {
    header.trim().trim_start_matches('\u{feff}').trim()
}

/// ASCII case-insensitive equality where a space stands for `_`.
fn english_eq(header: &str, en: &str) -> bool {
    let norm = |b: u8| {
        if b == b' ' {
            b'_'
        } else {
            b.to_ascii_lowercase()
        }
    };
    header.len() == en.len()
        && header
            .bytes()
            .zip(en.bytes())
            .all(|(a, b)| norm(a) == norm(b))
}

/// Where each known column sits in a file, resolved from its header row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMap {
    /// Key and 0-based index of each column present, in spec order.
    columns: Vec<(&'static str, usize)>,
    /// The header cells as in the file, cleaned.
    headers: Vec<String>,
    /// Columns no spec names: 1-based column and header text.
    pub unknown: Vec<(usize, String)>,
}

impl HeaderMap {
    /// Matches a header row against `specs`; fails naming every missing
    /// required column and every column named twice.
    pub fn resolve(headers: &[String], specs: &[ColumnSpec]) -> Result<HeaderMap, TabularError> {
        let mut found: Vec<Option<usize>> = vec![None; specs.len()];
        let mut problems = Vec::new();
        let mut unknown = Vec::new();
        for (i, header) in headers.iter().enumerate() {
            let text = clean_header(header);
            if text.is_empty() {
                continue;
            }
            match specs.iter().position(|s| s.matches(text)) {
                Some(k) => match found[k] {
                    Some(first) => problems.push(duplicate(&specs[k], first + 1, i + 1)),
                    None => found[k] = Some(i),
                },
                None => unknown.push((i + 1, text.to_string())),
            }
        }
        let missing: Vec<String> = specs
            .iter()
            .zip(&found)
            .filter(|(s, f)| s.required && f.is_none())
            .map(|(s, _)| s.describe())
            .collect();
        if !missing.is_empty() {
            problems.insert(0, missing_message(&missing));
        }
        if !problems.is_empty() {
            return Err(TabularError::Header(problems.join("; ")));
        }
        let columns = specs
            .iter()
            .zip(found)
            .filter_map(|(s, f)| Some((s.key, f?)))
            .collect();
        let headers = headers
            .iter()
            .map(|h| clean_header(h).to_string())
            .collect();
        Ok(HeaderMap {
            columns,
            headers,
            unknown,
        })
    }

    /// The trimmed cell of column `key` in `rec`; `None` when the column is
    /// absent or the cell is blank.
    pub fn get<'a>(&self, rec: &'a Record, key: &str) -> Option<&'a str> {
        let cell = rec.cells.get(self.index_of(key)?)?.trim();
        (!cell.is_empty()).then_some(cell)
    }

    /// 1-based column of `key` in the file, for messages.
    pub fn column_of(&self, key: &str) -> Option<usize> {
        self.index_of(key).map(|i| i + 1)
    }

    /// The header text of `key` as written in the file.
    pub fn header_of(&self, key: &str) -> Option<&str> {
        self.headers.get(self.index_of(key)?).map(String::as_str)
    }

    /// Whether the file has column `key`.
    pub fn has(&self, key: &str) -> bool {
        self.index_of(key).is_some()
    }

    fn index_of(&self, key: &str) -> Option<usize> {
        self.columns
            .iter()
            .find(|(k, _)| *k == key)
            .map(|&(_, i)| i)
    }
}

fn missing_message(missing: &[String]) -> String {
    format!(
        "missing required columns (缺少必填列): {}; is the first row the header? (第一行应为表头)",
        missing.join(", ")
    )
}

fn duplicate(spec: &ColumnSpec, first: usize, again: usize) -> String {
    format!(
        "column {} appears twice, at columns {first} and {again} (列重复)",
        spec.describe()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[ColumnSpec] = &[
        ColumnSpec {
            key: "id_number",
            zh: "身份证号",
            en: "id_number",
            required: true,
            aliases: &["证件号码"],
        },
        ColumnSpec {
            key: "name",
            zh: "姓名",
            en: "name",
            required: true,
            aliases: &[],
        },
        ColumnSpec {
            key: "phone",
            zh: "联系电话",
            en: "phone",
            required: false,
            aliases: &[],
        },
    ];

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn matches_either_language_in_any_order() {
        let map = HeaderMap::resolve(&strings(&["\u{feff} Name ", "备注", "身份证号"]), SPECS)
            .expect("resolves");
        assert_eq!(map.column_of("name"), Some(1));
        assert_eq!(map.column_of("id_number"), Some(3));
        assert_eq!(map.column_of("phone"), None);
        assert_eq!(map.header_of("name"), Some("Name"));
        assert_eq!(map.unknown, vec![(2, "备注".to_string())]);
        let rec = Record {
            line: 2,
            cells: strings(&[" 张三 ", "x", "  "]),
        };
        assert_eq!(map.get(&rec, "name"), Some("张三"));
        assert_eq!(map.get(&rec, "id_number"), None);
        assert_eq!(map.get(&rec, "phone"), None);
    }

    #[test]
    fn an_alias_names_the_column() {
        let map = HeaderMap::resolve(&strings(&["姓名", " 证件号码 "]), SPECS).expect("resolves");
        assert_eq!(map.column_of("id_number"), Some(2));
        assert_eq!(map.header_of("id_number"), Some("证件号码"));
    }

    #[test]
    fn english_space_stands_for_underscore() {
        let map = HeaderMap::resolve(&strings(&["ID Number", "NAME"]), SPECS).expect("resolves");
        assert_eq!(map.column_of("id_number"), Some(1));
    }

    #[test]
    fn every_missing_column_is_named() {
        let e = HeaderMap::resolve(&strings(&["phone"]), SPECS)
            .expect_err("missing")
            .to_string();
        assert!(
            e.contains("身份证号 (id_number)") && e.contains("姓名 (name)"),
            "{e}"
        );
    }

    #[test]
    fn a_column_named_twice_is_an_error() {
        let e = HeaderMap::resolve(&strings(&["name", "身份证号", "姓名"]), SPECS)
            .expect_err("dup")
            .to_string();
        assert!(e.contains("columns 1 and 3"), "{e}");
    }
}
