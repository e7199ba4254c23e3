//! Helpers shared by the integration tests: valid ID numbers, CSV bytes,
//! the shipped rules folder.

#![allow(dead_code)]

use chrono::NaiveDate;
use dixian_domain::IdNumber;
use std::path::PathBuf;

/// The day the tests pretend it is.
pub fn today() -> NaiveDate {
    date(2026, 3, 15)
}

/// A date the test knows to be valid.
pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

/// A valid ID number of someone born in 1980 in county 530102.
pub fn id(sequence: u16) -> String {
    IdNumber::from_parts("530102", date(1980, 5, 1), sequence)
        .expect("valid parts")
        .as_str()
        .to_string()
}

/// `id(sequence)` with a wrong check character.
pub fn bad_check(sequence: u16) -> String {
    let good = id(sequence);
    let last = if good.ends_with('0') { '1' } else { '0' };
    format!("{}{last}", &good[..17])
}

/// CSV bytes (UTF-8, no BOM) of a header and rows.
pub fn csv(header: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut text = header.join(",");
    text.push('\n');
    for r in rows {
        text.push_str(&r.join(","));
        text.push('\n');
    }
    text.into_bytes()
}

/// Owned cells.
pub fn cells(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The workspace's `rules/` folder.
pub fn rules_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../rules")
}

/// The text of a shipped rule file.
pub fn shipped(name: &str) -> String {
    std::fs::read_to_string(rules_dir().join(name)).expect("shipped rule file is readable")
}

/// 1-based line and column (in characters) of the first `needle` in `text`.
pub fn position_of(text: &str, needle: &str) -> (usize, usize) {
    let at = text.find(needle).expect("needle is in the text");
    let before = &text[..at];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}
