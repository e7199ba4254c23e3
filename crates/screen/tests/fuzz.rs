//! Whatever bytes arrive, parsing a feed or a rule file never panics, and
//! every rejection carries a line number inside the input.

mod common;

use common::{id, shipped, today};
use dixian_screen::feed::columns;
use dixian_screen::{FeedKind, RuleSet, parse_feed_bytes};
use proptest::prelude::*;

fn kind() -> impl Strategy<Value = FeedKind> {
    prop::sample::select(FeedKind::ALL.to_vec())
}

/// Lines in a text (a final line without newline counts).
fn line_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count() + 1
}

/// A cell that is often nearly right: real headers, IDs, dates, money,
/// labels, and noise.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(id(1)),
        "[0-9X]{17,19}",
        Just("2026-03-01".to_string()),
        "20[0-9]{2}[-/.]?[0-9]{1,2}[-/.]?[0-9]{1,2}",
        "-?[0-9,]{1,9}(\\.[0-9]{0,3})?",
        prop::sample::select(vec![
            "住院", "新增", "停发", "死亡", "车辆", "停水", "C", "三级", "辍学", "倒塌", "返乡"
        ])
        .prop_map(str::to_string),
        "\\PC{0,12}",
        "[\",\r\n]{1,3}",
    ]
}

/// A CSV of one kind's own header (in a random language) and random cells.
fn feed_file() -> impl Strategy<Value = (FeedKind, Vec<u8>)> {
    kind()
        .prop_flat_map(|k| {
            let width = columns(k).len();
            let rows =
                prop::collection::vec(prop::collection::vec(cell(), width..=width + 1), 0..8);
            (Just(k), any::<bool>(), rows)
        })
        .prop_map(|(k, zh, rows)| {
            let header: Vec<&str> = columns(k)
                .iter()
                .map(|c| if zh { c.zh } else { c.en })
                .collect();
            let mut text = header.join(",");
            for r in rows {
                text.push('\n');
                text.push_str(&r.join(","));
            }
            (k, text.into_bytes())
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic_a_feed(k in kind(), bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let lines = line_count(&bytes);
        let p = parse_feed_bytes(k, bytes, today());
        for e in &p.errors {
            prop_assert!(e.line >= 1 && e.line <= lines + 1, "{e}");
        }
        for (line, _) in &p.rows {
            prop_assert!(*line >= 2 && *line <= lines);
        }
    }

    #[test]
    fn near_valid_feeds_report_every_bad_row_by_line_and_column((k, bytes) in feed_file()) {
        let lines = line_count(&bytes);
        let width = columns(k).len();
        let p = parse_feed_bytes(k, bytes, today());
        for e in &p.errors {
            prop_assert!(e.line >= 2 && e.line <= lines + 1, "{e}");
            prop_assert!(e.column.is_none_or(|c| (1..=width).contains(&c)), "{e}");
        }
        for (line, _) in &p.rows {
            prop_assert!(p.errors.iter().all(|e| e.line != *line), "line {} is both good and bad", line);
        }
    }

    #[test]
    fn arbitrary_text_never_panics_a_rule_file(text in "\\PC{0,300}") {
        check_rule_text(&text)?;
    }

    #[test]
    fn arbitrary_toml_like_text_never_panics(text in "([a-z_]{1,12} = (\"[^\"\n]{0,6}\"|-?[0-9]{1,6}|[0-9]{4}-[0-9]{2}-[0-9]{2}|\\[\\]|true)\n|\\[[a-z_]{1,9}\\]\n|\\[\\[rule\\]\\]\n){0,20}") {
        check_rule_text(&text)?;
    }

    #[test]
    fn mutated_shipped_files_are_accepted_or_located(
        file in prop::sample::select(vec!["national-2021.toml", "yunnan-2025.toml", "guizhou-2025.toml"]),
        at in any::<prop::sample::Index>(),
        cut in 0usize..40,
        insert in "\\PC{0,8}",
    ) {
        let text = shipped(file);
        let mut start = at.index(text.len());
        while !text.is_char_boundary(start) { start -= 1; }
        let mut end = (start + cut).min(text.len());
        while !text.is_char_boundary(end) { end -= 1; }
        let mutated = format!("{}{}{}", &text[..start], insert, &text[end..]);
        check_rule_text(&mutated)?;
    }
}

/// Parses `text`; every error names the file and a line/column inside it.
fn check_rule_text(text: &str) -> Result<(), TestCaseError> {
    let lines = line_count(text.as_bytes());
    if let Err(errors) = RuleSet::parse(text, "fuzz.toml") {
        prop_assert!(!errors.is_empty());
        for e in &errors {
            prop_assert_eq!(e.file.as_str(), "fuzz.toml");
            prop_assert!(e.line >= 1 && e.line <= lines, "{} (of {} lines)", e, lines);
            prop_assert!(e.column >= 1, "{}", e);
        }
    }
    Ok(())
}
