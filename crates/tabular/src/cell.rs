//! Parsers for single cells: dates, money, yes/no, areas.
//!
//! Each returns a bilingual reason on failure, suitable for a row report.
//! Reasons never repeat the cell's text: it may be personal data.

use chrono::{Datelike, Days, NaiveDate};
use std::ops::RangeInclusive;

/// Reason: the date is in none of the accepted forms.
const BAD_DATE: &str = "not a date; write 2026-03-01, 2026/3/1 or 20260301 (日期格式错误)";
/// Reason: money with a minus sign.
const NEGATIVE_MONEY: &str = "money must not be negative (金额不能为负)";
/// Reason: money in none of the accepted forms.
const BAD_MONEY: &str =
    "not an amount of money; write e.g. 1234, 1234.5 or 1,234.50 (金额格式错误)";
/// Reason: money with fractions of a fen.
const MONEY_DECIMALS: &str = "money has more than two decimals (金额最多两位小数)";
/// Reason: money beyond any plausible amount.
const MONEY_TOO_LARGE: &str = "amount of money is too large (金额过大)";
/// Reason: not a yes/no value.
const BAD_BOOL: &str = "not a yes/no value; write 是/否, true/false, 1/0 or Y/N (应填是或否)";
/// Reason: not a non-negative number.
const BAD_DECIMAL: &str = "not a number; write e.g. 12 or 3.5 (数值格式错误)";
/// Reason: a negative area or quantity.
const NEGATIVE_DECIMAL: &str = "value must not be negative (数值不能为负)";

/// Years a date in a registry or department file can fall in.
const YEARS: RangeInclusive<i32> = 1900..=2199;
/// Most integer digits of an amount in 元 (below 10^15 元, no overflow in 分).
const MAX_YUAN_DIGITS: usize = 15;

/// Parses a date: `2026-03-01`, `2026/3/1`, `2026.3.1`, `2026年3月1日`,
/// `20260301`, a 5-digit Excel serial day (`46082`), optionally followed by
/// a time of day, which is ignored.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let s = strip_time(s.trim());
    let date = if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        ymd(&s[..4], &s[4..6], &s[6..])
    } else if let Some(serial) = excel_serial(s) {
        excel_date(serial)
    } else {
        separated_date(s)
    };
    date.filter(|d| YEARS.contains(&d.year()))
        .ok_or_else(|| BAD_DATE.to_string())
}

/// A date from its year, month and day digits.
fn ymd(y: &str, m: &str, d: &str) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// Drops a trailing time of day (`2026-03-01 08:30:00`, `2026-03-01T08:30`).
fn strip_time(s: &str) -> &str {
    match s.split_once([' ', 'T']) {
        Some((date, time))
            if time
                .trim()
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b':' || b == b'.') =>
        {
            date
        }
        _ => s,
    }
}

/// A 5-digit Excel serial day, with an optional fraction (time of day).
/// Shorter numbers are refused on purpose: `2026` is a year, not 1905-07-18.
fn excel_serial(s: &str) -> Option<u64> {
    let (days, frac) = s.split_once('.').unwrap_or((s, "0"));
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if days.len() == 5 && digits(days) && digits(frac) {
        days.parse().ok()
    } else {
        None
    }
}

/// The date of an Excel serial day in the 1900 date system. Serials from 61
/// on count from 1899-12-30 (Excel's fictitious 1900-02-29 is behind them).
pub fn excel_date(serial: u64) -> Option<NaiveDate> {
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    if serial < 61 {
        return None;
    }
    epoch.checked_add_days(Days::new(serial))
}

/// `Y-M-D` with `-`, `/` or `.` between the parts, or `Y年M月D日`.
fn separated_date(s: &str) -> Option<NaiveDate> {
    let s = s.strip_suffix('日').unwrap_or(s);
    let mut parts = s.split(['-', '/', '.', '年', '月']);
    let y = number_part(parts.next()?, 4)?;
    let m = number_part(parts.next()?, 2)?;
    let d = number_part(parts.next()?, 2)?;
    if parts.next().is_some() {
        return None;
    }
    ymd(y, m, d)
}

/// `t` if it is 1 to `max` ASCII digits.
fn number_part(t: &str, max: usize) -> Option<&str> {
    (!t.is_empty() && t.len() <= max && t.bytes().all(|b| b.is_ascii_digit())).then_some(t)
}

/// Parses an amount in 元 into 分: `1234`, `1234.5`, `1,234.50`, with an
/// optional `¥`/`￥` before or `元` after. Negative amounts are refused.
pub fn parse_money_fen(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let t = t.strip_prefix(['¥', '￥']).unwrap_or(t);
    let t = t.strip_suffix('元').unwrap_or(t).trim();
    if t.starts_with('-') || t.starts_with('−') {
        return Err(NEGATIVE_MONEY.to_string());
    }
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let int = ungroup(int).ok_or_else(|| BAD_MONEY.to_string())?;
    if !frac.bytes().all(|b| b.is_ascii_digit()) || (t.contains('.') && frac.is_empty()) {
        return Err(BAD_MONEY.to_string());
    }
    if frac.len() > 2 {
        return Err(MONEY_DECIMALS.to_string());
    }
    if int.len() > MAX_YUAN_DIGITS {
        return Err(MONEY_TOO_LARGE.to_string());
    }
    let yuan: i64 = int.parse().map_err(|_| BAD_MONEY.to_string())?;
    let fen: i64 = format!("{frac:0<2}")
        .parse()
        .map_err(|_| BAD_MONEY.to_string())?;
    Ok(yuan * 100 + fen)
}

/// The digits of an integer part, with thousands separators checked and
/// removed (`1,234,567`); `None` when it is not such a number. `12,34` is
/// refused: it may be a decimal comma.
fn ungroup(int: &str) -> Option<String> {
    let groups: Vec<&str> = int.split(',').collect();
    let digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    let first_ok = groups
        .first()
        .is_some_and(|g| digits(g) && (groups.len() == 1 || g.len() <= 3));
    let rest_ok = groups[1..].iter().all(|g| g.len() == 3 && digits(g));
    (first_ok && rest_ok).then(|| groups.concat())
}

/// Parses yes/no: 是/否, 有/无, true/false, 1/0, yes/no, Y/N (case ignored).
pub fn parse_bool(s: &str) -> Result<bool, String> {
    let t = s.trim().to_ascii_lowercase();
    match t.as_str() {
        "是" | "有" | "true" | "1" | "yes" | "y" => Ok(true),
        "否" | "无" | "false" | "0" | "no" | "n" => Ok(false),
        _ => Err(BAD_BOOL.to_string()),
    }
}

/// Parses a non-negative decimal such as an area in 亩 (`12`, `3.5`, `1,200.5`).
pub fn parse_decimal(s: &str) -> Result<f64, String> {
    let t = s.trim();
    if t.starts_with('-') || t.starts_with('−') {
        return Err(NEGATIVE_DECIMAL.to_string());
    }
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let int = ungroup(int).ok_or_else(|| BAD_DECIMAL.to_string())?;
    if !frac.bytes().all(|b| b.is_ascii_digit()) || (t.contains('.') && frac.is_empty()) {
        return Err(BAD_DECIMAL.to_string());
    }
    let v: f64 = format!("{int}.{frac}0")
        .parse()
        .map_err(|_| BAD_DECIMAL.to_string())?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(BAD_DECIMAL.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    #[test]
    fn dates_in_every_accepted_form() {
        for s in [
            "2026-03-01",
            "2026/3/1",
            "20260301",
            "2026-3-1",
            "46082",
            " 2026.03.01 ",
            "2026年3月1日",
        ] {
            assert_eq!(parse_date(s), Ok(d(2026, 3, 1)), "{s}");
        }
        assert_eq!(parse_date("2026-03-01 08:30:00"), Ok(d(2026, 3, 1)));
        assert_eq!(parse_date("2026-03-01T08:30"), Ok(d(2026, 3, 1)));
        assert_eq!(parse_date("46082.75"), Ok(d(2026, 3, 1)));
        assert_eq!(parse_date("45943"), Ok(d(2025, 10, 13)));
    }

    #[test]
    fn bad_dates_are_refused_without_echo() {
        for s in [
            "2026-02-30",
            "2026",
            "202603",
            "2026-03",
            "01/03/2026",
            "",
            "2026-03-01-01",
            "abc",
            "20261301",
        ] {
            let e = parse_date(s).expect_err(s);
            assert!(e.contains("日期格式错误"), "{s}: {e}");
        }
    }

    #[test]
    fn money_forms() {
        assert_eq!(parse_money_fen("1234"), Ok(123_400));
        assert_eq!(parse_money_fen("1234.5"), Ok(123_450));
        assert_eq!(parse_money_fen("1,234.50"), Ok(123_450));
        assert_eq!(parse_money_fen("1,234,567.05"), Ok(123_456_705));
        assert_eq!(parse_money_fen("¥12"), Ok(1200));
        assert_eq!(parse_money_fen("12元"), Ok(1200));
        assert_eq!(parse_money_fen("0.01"), Ok(1));
    }

    #[test]
    fn money_refusals_say_why() {
        assert!(
            parse_money_fen("-5")
                .expect_err("negative")
                .contains("negative")
        );
        assert!(
            parse_money_fen("1.234")
                .expect_err("decimals")
                .contains("two decimals")
        );
        assert!(parse_money_fen("1234,5").is_err());
        assert!(parse_money_fen("12,34.5").is_err());
        assert!(parse_money_fen(",123").is_err());
        assert!(parse_money_fen("1.").is_err());
        assert!(parse_money_fen(".5").is_err());
        assert!(parse_money_fen("1e5").is_err());
        assert!(parse_money_fen("").is_err());
        assert!(
            parse_money_fen("9999999999999999")
                .expect_err("large")
                .contains("too large")
        );
    }

    #[test]
    fn bools() {
        for s in ["是", "true", "TRUE", "1", "yes", "Y", "y"] {
            assert_eq!(parse_bool(s), Ok(true), "{s}");
        }
        for s in ["否", "false", "0", "No", "N"] {
            assert_eq!(parse_bool(s), Ok(false), "{s}");
        }
        assert!(parse_bool("maybe").is_err());
    }

    #[test]
    fn decimals() {
        assert_eq!(parse_decimal("12"), Ok(12.0));
        assert_eq!(parse_decimal("3.5"), Ok(3.5));
        assert_eq!(parse_decimal("1,200.25"), Ok(1200.25));
        assert!(
            parse_decimal("-1")
                .expect_err("negative")
                .contains("negative")
        );
        assert!(parse_decimal("NaN").is_err());
        assert!(parse_decimal("inf").is_err());
        assert!(parse_decimal("1e3").is_err());
    }

    proptest! {
        /// Whatever a parser accepts, written back in its plain form, is
        /// accepted again as the same value (parse → format → parse); and
        /// accepted money and decimals are never negative.
        #[test]
        fn accepted_cells_round_trip(s in "\\PC{0,24}|[-0-9.,/年月日 ]{0,14}") {
            if let Ok(d) = parse_date(&s) {
                prop_assert_eq!(parse_date(&d.format("%Y-%m-%d").to_string()), Ok(d));
            }
            if let Ok(fen) = parse_money_fen(&s) {
                prop_assert!(fen >= 0, "{}", fen);
                let plain = format!("{}.{:02}", fen / 100, fen % 100);
                prop_assert_eq!(parse_money_fen(&plain), Ok(fen));
            }
            if let Ok(b) = parse_bool(&s) {
                prop_assert_eq!(parse_bool(if b { "是" } else { "否" }), Ok(b));
            }
            if let Ok(x) = parse_decimal(&s) {
                prop_assert!(x.is_finite() && x >= 0.0, "{}", x);
                prop_assert_eq!(parse_decimal(&x.to_string()), Ok(x));
            }
        }

        #[test]
        fn money_round_trips(fen in 0i64..1_000_000_000_000) {
            let s = format!("{}.{:02}", fen / 100, fen % 100);
            prop_assert_eq!(parse_money_fen(&s), Ok(fen));
        }

        #[test]
        fn date_forms_agree(days in 0u64..60_000) {
            let date = d(1927, 6, 1) + Days::new(days);
            let dashed = date.format("%Y-%m-%d").to_string();
            prop_assert_eq!(parse_date(&dashed), Ok(date));
            prop_assert_eq!(parse_date(&date.format("%Y/%-m/%-d").to_string()), Ok(date));
            prop_assert_eq!(parse_date(&date.format("%Y%m%d").to_string()), Ok(date));
        }
    }
}
