//! Rule files: the shipped ones, every validation error located at the
//! right line and column, the book's checks and `select` at the edges.

mod common;

use common::{date, position_of, rules_dir, shipped};
use dixian_domain::RegionCode;
use dixian_screen::FeedKind;
use dixian_screen::rules::{Condition, RuleBook, RuleError, RuleRegion, RuleSet, Severity};

const BASE: &str = r#"name = "测试 Test"
version = 1
region = "53"
valid_from = 2025-01-01
valid_to = 2025-12-31
monitoring_line = 8700
near_line_factor = 1.5

[medical]
self_paid_per_stay = 6000
self_paid_12_months = 50000

[housing]
grades = ["C", "D"]

[workflow]
notice_min_days = 5
identification_limit_days = 15
home_check_days = 2
data_comparison_days = 2
deliberation_days = 2
township_review_days = 2
county_approval_days = 2
elimination_min_monitored_months = 6
elimination_income_stable_months = 6
elimination_min_measures = 1

[[rule]]
id = "medical-stay"
feed = "medical"
condition = "self_paid_per_stay_above_threshold"
risk = "因病"
severity = "high"

[[rule]]
id = "housing"
feed = "housing"
condition = "housing_grade_in"
risk = "住房安全"
severity = "medium"
"#;

/// `BASE` with `old` replaced by `new` (which must be there).
fn edit(old: &str, new: &str) -> String {
    assert!(BASE.contains(old), "BASE has {old}");
    BASE.replacen(old, new, 1)
}

/// Where `marked` (a snippet with `|` at the expected spot) points in `text`.
fn marked_position(text: &str, marked: &str) -> (usize, usize) {
    let (before, after) = marked.split_once('|').expect("marker present");
    let (line, col) = position_of(text, &format!("{before}{after}"));
    let before_lines: Vec<&str> = before.split('\n').collect();
    match before_lines.len() {
        1 => (line, col + before.chars().count()),
        n => (line + n - 1, before_lines[n - 1].chars().count() + 1),
    }
}

/// Parses `text` and expects, among its errors, one at `marked` whose
/// message contains `fragment`.
fn expect_error(text: &str, marked: &str, fragment: &str) -> Vec<RuleError> {
    let errors = RuleSet::parse(text, "test.toml").expect_err("must be rejected");
    let (line, column) = marked_position(text, marked);
    let hit = errors.iter().any(|e| {
        e.file == "test.toml"
            && e.line == line
            && e.column == column
            && e.message.contains(fragment)
    });
    assert!(
        hit,
        "expected {line}:{column} {fragment:?}; got {errors:#?}"
    );
    errors
}

#[test]
fn the_base_file_is_valid() {
    let set = RuleSet::parse(BASE, "base.toml").expect("valid");
    assert_eq!(
        set.region,
        RuleRegion::Code(RegionCode::parse("53").expect("code"))
    );
    assert_eq!(
        (set.monitoring_line_fen, set.near_line_factor),
        (870_000, Some(1.5))
    );
    assert_eq!(
        set.medical.as_ref().map(|m| m.self_paid_per_stay_fen),
        Some(600_000)
    );
    assert_eq!(set.rules.len(), 2);
    assert_eq!(
        set.rules[0].condition,
        Condition::SelfPaidPerStayAboveThreshold
    );
    assert_eq!(set.rules[0].severity, Severity::High);
    assert_eq!(set.rules[1].feed, FeedKind::Housing);
    assert_eq!(set.rules_for(FeedKind::Medical).count(), 1);
    assert_eq!(set.workflow.notice_min_days, 5);
}

#[test]
fn semantic_errors_point_at_the_value() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "monitoring_line = 8700",
            "monitoring_line = -8700",
            "monitoring_line = |-8700",
            "greater than 0",
        ),
        (
            "monitoring_line = 8700",
            "monitoring_line = 0",
            "monitoring_line = |0",
            "greater than 0",
        ),
        (
            "monitoring_line = 8700",
            "monitoring_line = 8700.555",
            "monitoring_line = |8700.555",
            "two decimals",
        ),
        (
            "valid_to = 2025-12-31",
            "valid_to = 2024-12-31",
            "valid_to = |2024",
            "before valid_from",
        ),
        (
            "valid_to = 2025-12-31",
            "valid_to = \"soon\"",
            "valid_to = |\"soon\"",
            "date",
        ),
        (
            "valid_from = 2025-01-01",
            "valid_from = 2025-01-01T08:00:00",
            "valid_from = |2025",
            "date",
        ),
        (
            "region = \"53\"",
            "region = \"5301\"",
            "region = |\"5301\"",
            "6-digit",
        ),
        (
            "region = \"53\"",
            "region = \"530100\"",
            "region = |\"530100\"",
            "6-digit",
        ),
        (
            "region = \"53\"",
            "region = \"00\"",
            "region = |\"00\"",
            "6-digit",
        ),
        ("version = 1", "version = 0", "version = |0", "whole number"),
        (
            "name = \"测试 Test\"",
            "name = \"  \"",
            "name = |\"  \"",
            "empty",
        ),
        (
            "near_line_factor = 1.5",
            "near_line_factor = 0.5",
            "near_line_factor = |0.5",
            "near_line_factor",
        ),
        (
            "self_paid_per_stay = 6000",
            "self_paid_per_stay = 0",
            "self_paid_per_stay = |0",
            "greater than 0",
        ),
        (
            "grades = [\"C\", \"D\"]",
            "grades = [\"C\", \"E\"]",
            "grades = [\"C\", |\"E\"",
            "accepted",
        ),
        (
            "grades = [\"C\", \"D\"]",
            "grades = []",
            "grades = |[]",
            "at least one",
        ),
        (
            "notice_min_days = 5",
            "notice_min_days = 0",
            "notice_min_days = |0",
            "greater than 0",
        ),
        (
            "feed = \"medical\"",
            "feed = \"water\"",
            "condition = |\"self_paid_per_stay",
            "reads the medical feed",
        ),
        (
            "feed = \"medical\"",
            "feed = \"tax\"",
            "feed = |\"tax\"",
            "unknown feed kind",
        ),
        (
            "condition = \"housing_grade_in\"",
            "condition = \"housing_bad\"",
            "condition = |\"housing_bad\"",
            "unknown condition",
        ),
        (
            "risk = \"因病\"",
            "risk = \"因房\"",
            "risk = |\"因房\"",
            "risk type",
        ),
        (
            "severity = \"high\"",
            "severity = \"urgent\"",
            "severity = |\"urgent\"",
            "low, medium or high",
        ),
        (
            "id = \"housing\"",
            "id = \"medical-stay\"",
            "id = |\"medical-stay\"\nfeed = \"housing\"",
            "used twice",
        ),
        (
            "id = \"housing\"",
            "id = \"房屋\"",
            "id = |\"房屋\"",
            "rule id",
        ),
    ];
    for (old, new, marked, fragment) in cases {
        expect_error(&edit(old, new), marked, fragment);
    }
}

#[test]
fn a_condition_needs_its_thresholds() {
    let text = edit("[housing]\ngrades = [\"C\", \"D\"]\n", "");
    expect_error(&text, "condition = |\"housing_grade_in\"", "[housing]");
    let text = edit("near_line_factor = 1.5\n", "").replace(
        "self_paid_per_stay_above_threshold",
        "income_below_line_times_factor_with_expense",
    );
    expect_error(&text, "condition = |\"income_below", "near_line_factor");
}

#[test]
fn type_errors_and_unknown_keys_point_at_the_key_or_value() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "monitoring_line = 8700",
            "monitoring_line = \"lots\"",
            "monitoring_line = |\"lots\"",
            "金额",
        ),
        (
            "notice_min_days = 5",
            "notice_min_days = -1",
            "notice_min_days = |-1",
            "whole number from 0",
        ),
        (
            "[medical]",
            "colour = 1\n\n[medical]",
            "|colour",
            "unknown key (未知的键)",
        ),
        (
            "severity = \"high\"",
            "severity = \"high\"\nriks = \"x\"",
            "|riks",
            "unknown key (未知的键)",
        ),
        (
            "notice_min_days = 5",
            "notice_min_days = 5\nnotice_max_days = 9",
            "|notice_max_days",
            "unknown key (未知的键)",
        ),
        (
            "self_paid_12_months = 50000",
            "self_paid_12_month = 50000",
            "|self_paid_12_month",
            "unknown key (未知的键)",
        ),
        (
            "version = 1",
            "version = \"1\"",
            "version = |\"1\"",
            "whole number (整数)",
        ),
    ];
    for (old, new, marked, fragment) in cases {
        let errors = expect_error(&edit(old, new), marked, fragment);
        assert_eq!(errors.len(), 1, "{errors:?}");
    }
}

#[test]
fn syntax_errors_name_the_line() {
    let text = edit("version = 1", "version = 1 1");
    let errors = RuleSet::parse(&text, "bad.toml").expect_err("syntax");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].line, 2, "{errors:?}");
    assert!(
        errors[0].to_string().starts_with("bad.toml:2:"),
        "{}",
        errors[0]
    );
    let text = edit("risk = \"因病\"", "risk = \"因病");
    let errors = RuleSet::parse(&text, "bad.toml").expect_err("unterminated string");
    assert_eq!(errors[0].line, position_of(&text, "risk = \"因病").0);
}

#[test]
fn a_missing_key_is_named() {
    let text = edit("monitoring_line = 8700\n", "");
    let errors = RuleSet::parse(&text, "t.toml").expect_err("missing");
    assert!(
        errors[0].message.contains("missing key (缺少必填项)"),
        "{errors:?}"
    );
    assert!(errors[0].message.contains("monitoring_line"), "{errors:?}");
    assert!(errors[0].line >= 1 && errors[0].column >= 1);
}

#[test]
fn all_semantic_errors_of_a_file_come_together_in_order() {
    let text = edit("version = 1", "version = 0")
        .replace("monitoring_line = 8700", "monitoring_line = 0")
        .replace("risk = \"住房安全\"", "risk = \"因房\"");
    let errors = RuleSet::parse(&text, "t.toml").expect_err("three problems");
    let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [2, 6, position_of(&text, "因房").0]);
}

fn book(files: &[(&str, String)]) -> Result<RuleBook, Vec<RuleError>> {
    let sets = files
        .iter()
        .map(|(name, text)| RuleSet::parse(text, name).unwrap_or_else(|e| panic!("{name}: {e:?}")))
        .collect();
    RuleBook::new(sets)
}

fn shipped_book() -> RuleBook {
    RuleBook::load_dir(&rules_dir()).unwrap_or_else(|e| panic!("shipped rules: {e:#?}"))
}

fn selected(book: &RuleBook, region: &str, y: i32, m: u32, d: u32) -> Option<String> {
    let code = RegionCode::parse(region).expect("region code");
    book.select(&code, date(y, m, d)).map(|s| {
        let name = s.file.rsplit('/').next().unwrap_or(&s.file);
        name.to_string()
    })
}

#[test]
fn select_at_the_boundaries_of_the_shipped_files() {
    let b = shipped_book();
    let village = "530102101201";
    assert_eq!(
        selected(&b, village, 2022, 12, 31).as_deref(),
        Some("national-2021.toml")
    );
    assert_eq!(
        selected(&b, village, 2023, 1, 1).as_deref(),
        Some("yunnan-2023.toml")
    );
    assert_eq!(
        selected(&b, village, 2024, 12, 31).as_deref(),
        Some("yunnan-2023.toml")
    );
    assert_eq!(
        selected(&b, village, 2025, 1, 1).as_deref(),
        Some("yunnan-2025.toml")
    );
    assert_eq!(
        selected(&b, "53", 2030, 6, 1).as_deref(),
        Some("yunnan-2025.toml")
    );
    assert_eq!(
        selected(&b, "350102", 2023, 1, 1).as_deref(),
        Some("fujian-2023.toml")
    );
    assert_eq!(
        selected(&b, "5201", 2025, 1, 1).as_deref(),
        Some("guizhou-2025.toml")
    );
    assert_eq!(
        selected(&b, "11", 2025, 1, 1).as_deref(),
        Some("national-2021.toml")
    );
    assert_eq!(
        selected(&b, "11", 2021, 1, 1).as_deref(),
        Some("national-2021.toml")
    );
    assert_eq!(selected(&b, "11", 2020, 12, 31), None);
    let line = |region, y, m, d| {
        b.select(&RegionCode::parse(region).expect("code"), date(y, m, d))
            .map(|s| s.monitoring_line_fen / 100)
    };
    assert_eq!(line("530102", 2024, 6, 1), Some(8_050));
    assert_eq!(line("530102", 2025, 6, 1), Some(8_700));
    assert_eq!(line("35", 2024, 6, 1), Some(10_560));
    assert_eq!(line("11", 2024, 6, 1), Some(6_000));
}

#[test]
fn a_county_set_beats_the_province_inside_its_period() {
    let county = edit("region = \"53\"", "region = \"530102\"")
        .replace("valid_from = 2025-01-01", "valid_from = 2025-03-01")
        .replace("valid_to = 2025-12-31", "valid_to = 2025-06-30");
    let b = book(&[
        ("national-2021.toml", shipped("national-2021.toml")),
        ("yunnan-2025.toml", shipped("yunnan-2025.toml")),
        ("county.toml", county),
    ])
    .expect("consistent");
    let village = "530102101201";
    assert_eq!(
        selected(&b, village, 2025, 2, 28).as_deref(),
        Some("yunnan-2025.toml")
    );
    assert_eq!(
        selected(&b, village, 2025, 3, 1).as_deref(),
        Some("county.toml")
    );
    assert_eq!(
        selected(&b, "530102", 2025, 6, 30).as_deref(),
        Some("county.toml")
    );
    assert_eq!(
        selected(&b, village, 2025, 7, 1).as_deref(),
        Some("yunnan-2025.toml")
    );
    assert_eq!(
        selected(&b, "530103", 2025, 4, 1).as_deref(),
        Some("yunnan-2025.toml")
    );
    assert_eq!(
        selected(&b, "53", 2025, 4, 1).as_deref(),
        Some("yunnan-2025.toml")
    );
}

#[test]
fn overlapping_periods_of_one_region_are_refused() {
    let open_2023 = shipped("yunnan-2023.toml").replace("valid_to = 2024-12-31\n", "");
    let y2025 = shipped("yunnan-2025.toml");
    let errors = book(&[
        ("national-2021.toml", shipped("national-2021.toml")),
        ("yunnan-2023.toml", open_2023),
        ("yunnan-2025.toml", y2025.clone()),
    ])
    .expect_err("overlap");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let (line, column) = marked_position(&y2025, "valid_from = |2025-01-01");
    assert_eq!(
        (errors[0].file.as_str(), errors[0].line, errors[0].column),
        ("yunnan-2025.toml", line, column)
    );
    assert!(
        errors[0].message.contains("yunnan-2023.toml"),
        "{}",
        errors[0]
    );
    // Touching periods are fine; sharing one day is not.
    let touching =
        shipped("yunnan-2023.toml").replace("valid_to = 2024-12-31", "valid_to = 2025-01-01");
    assert!(
        book(&[
            ("national-2021.toml", shipped("national-2021.toml")),
            ("yunnan-2023.toml", touching),
            ("yunnan-2025.toml", y2025),
        ])
        .is_err()
    );
}

#[test]
fn a_province_below_a_national_floor_is_refused_at_its_value() {
    let lax = shipped("yunnan-2025.toml").replace("notice_min_days = 5", "notice_min_days = 3");
    let errors = book(&[
        ("national-2021.toml", shipped("national-2021.toml")),
        ("yunnan-2025.toml", lax.clone()),
    ])
    .expect_err("below floor");
    let (line, column) = marked_position(&lax, "notice_min_days = |3");
    assert_eq!(
        (errors[0].line, errors[0].column),
        (line, column),
        "{errors:?}"
    );
    assert!(
        errors[0].message.contains("national floor 5"),
        "{}",
        errors[0]
    );
    let strict = shipped("yunnan-2025.toml").replace("notice_min_days = 5", "notice_min_days = 7");
    assert!(
        book(&[
            ("national-2021.toml", shipped("national-2021.toml")),
            ("yunnan-2025.toml", strict)
        ])
        .is_ok()
    );
}

#[test]
fn a_province_needs_a_national_baseline_in_force() {
    let errors =
        book(&[("yunnan-2025.toml", shipped("yunnan-2025.toml"))]).expect_err("no baseline");
    assert!(errors[0].message.contains("national baseline"));
    assert_eq!(
        errors[0].line,
        position_of(&shipped("yunnan-2025.toml"), "region = \"53\"").0
    );
}

#[test]
fn load_dir_reports_every_broken_file_by_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("a.toml"),
        BASE.replace("version = 1", "version = 0"),
    )
    .expect("write");
    std::fs::write(dir.path().join("b.toml"), "name = ").expect("write");
    std::fs::write(dir.path().join("notes.txt"), "not a rule file").expect("write");
    let errors = RuleBook::load_dir(dir.path()).expect_err("broken");
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].file.ends_with("a.toml") && errors[0].line == 2);
    assert!(errors[1].file.ends_with("b.toml") && errors[1].line == 1);
    let empty = tempfile::tempdir().expect("temp dir");
    assert!(RuleBook::load_dir(empty.path()).is_err());
}

#[test]
fn shipped_files_parse_and_say_what_they_are() {
    let b = shipped_book();
    let names: Vec<String> = b
        .sets()
        .iter()
        .map(|s| s.file.rsplit('/').next().unwrap_or("").to_string())
        .collect();
    for f in [
        "national-2021.toml",
        "yunnan-2023.toml",
        "yunnan-2025.toml",
        "fujian-2023.toml",
        "guizhou-2025.toml",
    ] {
        assert!(names.iter().any(|n| n == f), "{f} missing from {names:?}");
        let text = shipped(f);
        assert!(
            text.contains("监测收入线") && text.contains("Monitoring line"),
            "{f} is commented in both languages"
        );
    }
    assert!(shipped("guizhou-2025.toml").contains("EXAMPLE VALUE"));
    let national = b
        .sets()
        .iter()
        .find(|s| s.region == RuleRegion::National)
        .expect("baseline");
    assert_eq!(national.monitoring_line_fen, 600_000);
    assert_eq!(national.valid_from, date(2021, 1, 1));
    for c in Condition::ALL {
        assert!(
            national.rules.iter().any(|r| r.condition == c),
            "baseline lacks {c:?}"
        );
    }
    let medical = national.medical.as_ref().expect("medical thresholds");
    assert_eq!(
        (
            medical.self_paid_per_stay_fen,
            medical.self_paid_12_months_fen
        ),
        (600_000, 5_000_000)
    );
}

const ALERTS: &str = "
[alerts]
window_days = 14
baseline_windows = 8
same_season_last_year = true
k = 3.0
min_village = 3
min_township = 5
min_county = 10
medium_ratio = 1.5
high_ratio = 2.5
";

#[test]
fn alerts_are_read_checked_and_written_back() {
    let text = format!("{BASE}{ALERTS}");
    let set = RuleSet::parse(&text, "t.toml").expect("valid");
    let a = set.alerts.clone().expect("[alerts] read");
    assert_eq!(
        (a.window_days, a.baseline_windows, a.min_township),
        (14, 8, 5)
    );
    assert!(a.same_season_last_year);
    assert_eq!(RuleSet::parse(&set.to_toml(), "t.toml").unwrap(), set);
    assert!(RuleSet::parse(BASE, "t.toml").unwrap().alerts.is_none());

    let bad = text.replace("window_days = 14", "window_days = 0");
    let errors = expect_error(&bad, "window_days = |0", "正整数");
    assert_eq!(errors.len(), 1);
    let bad = text.replace("high_ratio = 2.5", "high_ratio = 1.2");
    expect_error(&bad, "high_ratio = |1.2", "alerts.high_ratio");
    let bad = text.replace("k = 3.0", "k = -1");
    expect_error(&bad, "k = |-1", "alerts.k");
    let bad = text.replace("min_county = 10\n", "");
    let errors = RuleSet::parse(&bad, "t.toml").unwrap_err();
    assert!(errors[0].message.contains("min_county"), "{errors:?}");
}

#[test]
fn every_shipped_set_has_alerts_and_the_book_finds_them() {
    let book = shipped_book();
    for s in book.sets() {
        assert!(s.alerts.is_some(), "{} has [alerts]", s.file);
    }
    let village = RegionCode::parse("520526100227").unwrap();
    let (set, a) = book
        .alerts_for(&village, date(2025, 7, 1))
        .expect("Guizhou's numbers");
    assert_eq!(set.region.to_string(), "52");
    assert_eq!(a.window_days, 14);
}

const EVALUATION: &str = "
[evaluation]

[[evaluation.indicators]]
indicator = \"without_measure\"
weight = 20
full = 0
zero = 20

[[evaluation.indicators]]
indicator = \"coverage_housing\"
weight = 5.5
full = 100
zero = 90
";

#[test]
fn evaluation_is_read_checked_and_written_back() {
    use dixian_screen::rules::Indicator;
    let text = format!("{BASE}{EVALUATION}");
    let set = RuleSet::parse(&text, "t.toml").expect("valid");
    let e = set.evaluation.clone().expect("[evaluation] read");
    let read: Vec<(Indicator, f64, f64, f64)> = e
        .indicators
        .iter()
        .map(|i| (i.indicator, i.weight, i.full, i.zero))
        .collect();
    assert_eq!(
        read,
        vec![
            (Indicator::WithoutMeasure, 20.0, 0.0, 20.0),
            (Indicator::CoverageHousing, 5.5, 100.0, 90.0)
        ]
    );
    // 5 % without a measure: a quarter of the way from full (0) to none (20).
    assert_eq!(e.indicators[0].points(5.0), 15.0);
    assert_eq!(RuleSet::parse(&set.to_toml(), "t.toml").unwrap(), set);
    assert!(RuleSet::parse(BASE, "t.toml").unwrap().evaluation.is_none());

    let bad = text.replace("\"coverage_housing\"", "\"happiness\"");
    expect_error(&bad, "indicator = |\"happiness\"", "unknown indicator");
    let bad = text.replacen(
        "indicator = \"coverage_housing\"",
        "indicator = \"without_measure\"",
        1,
    );
    let errors = RuleSet::parse(&bad, "t.toml").unwrap_err();
    assert!(
        errors.iter().any(|e| e.message.contains("twice")),
        "{errors:?}"
    );
    let bad = text.replace("weight = 5.5", "weight = 0");
    expect_error(&bad, "weight = |0", "evaluation.weight");
    let bad = text.replace("zero = 90", "zero = 100");
    expect_error(&bad, "zero = |100", "zero must differ");
    let bad = text.replace("zero = 90", "zero = 190");
    expect_error(&bad, "zero = |190", "0 to 100");
}

#[test]
fn the_national_set_has_evaluation_and_the_book_finds_it() {
    let book = shipped_book();
    let village = RegionCode::parse("520526100227").unwrap();
    let (set, e) = book
        .evaluation_for(&village, date(2025, 7, 1))
        .expect("inherited from the national set");
    assert_eq!(set.region.to_string(), "national");
    let weights: f64 = e.indicators.iter().map(|i| i.weight).sum();
    assert_eq!(weights, 100.0, "the shipped weights add up to 100");
}
