//! What the rules could not express before: the `[window]` of a rule file
//! (rolling N days or the calendar year) honoured by the pass; the
//! `income_below_line` condition (registry income with the 人社 monthly
//! income change, against the set's own line); two rules of one set with
//! the same condition and different severities kept apart. Hand-counted
//! fixtures on the shipped Yunnan 2025 file (line 8,700 元).

mod common;

use chrono::NaiveDate;
use common::{date, shipped};
use dixian_domain::{IdNumber, RegionCode};
use dixian_screen::engine::{
    EventColumns, EventRow, MedicalColumns, PersonKey, RegistryColumns, RegistryIndex, Screener,
    Screening, WaterColumns, day_of, person_key,
};
use dixian_screen::feed::{JobStatus, VisitType, WaterEvent};
use dixian_screen::rules::Window;
use dixian_screen::{Condition, RuleBook, RuleSet, Severity};

const VILLAGE: &str = "530102001001";

fn key(seq: u16) -> PersonKey {
    person_key(&IdNumber::from_parts("530102", date(1970, 1, 1), seq).unwrap())
}

/// Households in one Yunnan village: (income 元 a year, member sequences).
fn registry(households: &[(i64, &[u16])]) -> RegistryIndex {
    let mut cols = RegistryColumns {
        villages: vec![RegionCode::parse(VILLAGE).unwrap()],
        ..RegistryColumns::default()
    };
    for (h, (income, members)) in households.iter().enumerate() {
        cols.household_village.push(0);
        cols.household_income_fen.push(income * 100);
        for &m in *members {
            cols.person_key.push(key(m));
            cols.person_household.push(h as u32);
        }
    }
    RegistryIndex::build(cols, 1).unwrap()
}

/// The national baseline and Yunnan 2025 with `edit` applied to its text.
fn book(edit: impl Fn(String) -> String) -> RuleBook {
    let national = RuleSet::parse(&shipped("national-2021.toml"), "national-2021.toml").unwrap();
    let yunnan = RuleSet::parse(&edit(shipped("yunnan-2025.toml")), "yunnan-2025.toml")
        .unwrap_or_else(|e| panic!("{e:?}"));
    RuleBook::new(vec![national, yunnan]).unwrap()
}

fn calendar_year(text: String) -> String {
    text.replace("kind = \"rolling\"\ndays = 365", "kind = \"calendar_year\"")
}

fn screen_with<'a>(
    book: &'a RuleBook,
    index: &'a RegistryIndex,
    as_of: NaiveDate,
    threads: usize,
) -> Screener<'a> {
    Screener {
        index,
        book,
        as_of,
        threads,
    }
}

/// (rule id, household, evidence) of each warning.
fn summary(book: &RuleBook, s: &Screening) -> Vec<(String, u32, Vec<u32>)> {
    s.warnings
        .iter()
        .map(|w| (w.rule_in(book).id.clone(), w.household, w.evidence.clone()))
        .collect()
}

fn job(status: JobStatus, yuan: i64) -> EventRow {
    EventRow::Employment {
        status,
        monthly_income_fen: yuan * 100,
    }
}

const AS_OF: (i32, u32, u32) = (2025, 6, 30);

fn as_of() -> NaiveDate {
    date(AS_OF.0, AS_OF.1, AS_OF.2)
}

/// Only the income rule of the set fires on these rows (all 就业).
fn income_only(s: &Screening, book: &RuleBook) -> Vec<(String, u32, Vec<u32>)> {
    summary(book, s)
        .into_iter()
        .filter(|w| w.0 == "income-below-line")
        .collect()
}

#[test]
fn income_below_the_line_by_hand() {
    // Line 8,700 元; two members each: the bar is 17,400 元 a household.
    let index = registry(&[
        (20_000, &[1, 2]),   // h0: wage 3,000 → 0: 20,000 − 36,000 < 17,400 → warns
        (20_000, &[3, 4]),   // h1: one row: no change, 20,000 ≥ 17,400
        (15_000, &[5, 6]),   // h2: one row: 15,000 < 17,400 → warns (registry alone)
        (15_000, &[7, 8]),   // h3: 1,000 → 2,000: +12,000 → 27,000 ≥ 17,400
        (20_000, &[9, 10]),  // h4: the 3,000 row is before the window: one row left
        (17_400, &[11, 12]), // h5: exactly the bar: not below
        (17_399, &[13, 14]), // h6: one 元 below → warns
        (30_000, &[15, 16]), // h7: two workers 2,000 → 500 each: −36,000 → −6,000 → warns
    ]);
    let mut rows = EventColumns::default();
    let e = JobStatus::Employed;
    let push = |rows: &mut EventColumns, seq, d: NaiveDate, yuan| {
        rows.push(key(seq), day_of(d), job(e, yuan))
    };
    push(&mut rows, 1, date(2025, 5, 1), 0); // row 0, h0 last
    push(&mut rows, 1, date(2025, 2, 1), 3_000); // row 1, h0 first
    push(&mut rows, 3, date(2025, 3, 1), 1_000); // row 2, h1
    push(&mut rows, 5, date(2025, 3, 1), 4_000); // row 3, h2
    push(&mut rows, 7, date(2025, 1, 10), 1_000); // row 4, h3
    push(&mut rows, 8, date(2025, 4, 10), 0); // row 5, h3 (another worker, one row)
    push(&mut rows, 7, date(2025, 6, 10), 2_000); // row 6, h3
    push(&mut rows, 9, date(2024, 6, 30), 3_000); // row 7, h4: as_of − 365: out
    push(&mut rows, 9, date(2024, 7, 1), 0); // row 8, h4: as_of − 364: in
    push(&mut rows, 11, date(2025, 6, 1), 500); // row 9, h5
    push(&mut rows, 13, date(2025, 6, 1), 500); // row 10, h6
    push(&mut rows, 15, date(2025, 1, 1), 2_000); // row 11, h7
    push(&mut rows, 16, date(2025, 1, 1), 2_000); // row 12, h7
    push(&mut rows, 15, date(2025, 6, 1), 500); // row 13, h7
    push(&mut rows, 16, date(2025, 6, 1), 500); // row 14, h7
    push(&mut rows, 1, date(2025, 7, 1), 0); // row 15: after the as-of date, left alone
    let b = book(|t| t);
    let expected = vec![
        ("income-below-line".to_string(), 0, vec![0, 1]),
        ("income-below-line".to_string(), 2, vec![3]),
        ("income-below-line".to_string(), 6, vec![10]),
        ("income-below-line".to_string(), 7, vec![11, 12, 13, 14]),
    ];
    for threads in [1, 3] {
        let s = screen_with(&b, &index, as_of(), threads).events(&rows);
        assert_eq!(income_only(&s, &b), expected, "threads {threads}");
        assert_eq!(s.stats.after_as_of, 1);
        for w in &s.warnings {
            assert!(w.person.is_none(), "a household condition");
            assert_eq!(w.severity, Severity::Medium);
        }
    }
    // The line is the set's: at 13,600 元 (bar 27,200) every household is
    // below it, h3 (27,000) and h5 (17,400) included.
    let b = book(|t| t.replace("monitoring_line = 8700", "monitoring_line = 13600"));
    let s = screen_with(&b, &index, as_of(), 1).events(&rows);
    let households: Vec<u32> = income_only(&s, &b).iter().map(|w| w.1).collect();
    assert_eq!(households, vec![0, 1, 2, 3, 4, 5, 6, 7]);
}

#[test]
fn the_calendar_year_window_drops_last_years_rows() {
    // h0: 3,000 in 2024-12 then 0 in 2025-03 → rolling: −36,000 → warns;
    // calendar year 2025: one row → 20,000 ≥ 17,400 → no warning.
    let index = registry(&[(20_000, &[1, 2])]);
    let mut rows = EventColumns::default();
    rows.push(
        key(1),
        day_of(date(2024, 12, 1)),
        job(JobStatus::Employed, 3_000),
    );
    rows.push(
        key(1),
        day_of(date(2025, 3, 1)),
        job(JobStatus::Employed, 0),
    );
    let rolling = book(|t| t);
    let s = screen_with(&rolling, &index, as_of(), 1).events(&rows);
    assert_eq!(income_only(&s, &rolling).len(), 1);
    let year = book(calendar_year);
    assert_eq!(year.sets()[1].window, Window::CalendarYear);
    let s = screen_with(&year, &index, as_of(), 1).events(&rows);
    assert!(income_only(&s, &year).is_empty());
}

fn medical(rows: &[(u16, NaiveDate, i64)]) -> MedicalColumns {
    let mut m = MedicalColumns::default();
    for &(seq, d, yuan) in rows {
        m.push(key(seq), day_of(d), VisitType::Outpatient, yuan * 100);
    }
    m
}

#[test]
fn the_twelve_month_total_reads_the_sets_window() {
    // Threshold 50,000 元; outpatient rows (no per-stay rule).
    let index = registry(&[(1_000_000, &[1]), (1_000_000, &[2])]);
    let rows = medical(&[
        (1, date(2024, 12, 31), 30_000), // row 0: in rolling 365, not in 2025
        (1, date(2025, 3, 1), 30_000),   // row 1
        (2, date(2024, 7, 1), 30_000),   // row 2: as_of − 364: in rolling 365
        (2, date(2025, 1, 1), 20_001),   // row 3: first day of the year
        (2, date(2025, 6, 30), 1),       // row 4: the as-of date
    ]);
    let year_rule = |b: &RuleBook, s: &Screening| -> Vec<(String, u32, Vec<u32>)> {
        summary(b, s)
            .into_iter()
            .filter(|w| w.0 == "medical-12m")
            .collect()
    };
    let b = book(|t| t);
    let s = screen_with(&b, &index, as_of(), 2).medical(&rows);
    assert_eq!(
        year_rule(&b, &s),
        vec![
            ("medical-12m".into(), 0, vec![0, 1]),
            ("medical-12m".into(), 1, vec![2, 3, 4])
        ]
    );
    // Calendar year: p1 30,000 (no), p2 20,002 (no).
    let b = book(calendar_year);
    let s = screen_with(&b, &index, as_of(), 2).medical(&rows);
    assert!(year_rule(&b, &s).is_empty(), "{:?}", summary(&b, &s));
    // Rolling 181 days ending 2025-06-30 start on 2025-01-01: p1 has
    // 30,000 (row 1), p2 20,002 (rows 3, 4); at a threshold of 20,000 both.
    let b = book(|t| {
        t.replace("days = 365", "days = 181")
            .replace("self_paid_12_months = 50000", "self_paid_12_months = 20000")
    });
    assert_eq!(
        b.sets()[1].window.start(as_of()),
        date(2025, 1, 1),
        "181 days up to 30 June"
    );
    let s = screen_with(&b, &index, as_of(), 2).medical(&rows);
    assert_eq!(
        year_rule(&b, &s),
        vec![
            ("medical-12m".into(), 0, vec![1]),
            ("medical-12m".into(), 1, vec![3, 4])
        ]
    );
}

#[test]
fn water_outage_days_read_the_sets_window() {
    // Limit 36 days. 2024-12-02 … 2024-12-31 (30 days) + 2025-01-01 … 01-10 (10).
    let index = registry(&[(1_000_000, &[1])]);
    let w = WaterColumns::new(
        vec![RegionCode::parse(VILLAGE).unwrap(); 2],
        vec![day_of(date(2024, 12, 2)), day_of(date(2025, 1, 1))],
        vec![day_of(date(2024, 12, 31)), day_of(date(2025, 1, 10))],
        vec![WaterEvent::Outage, WaterEvent::Outage],
    )
    .unwrap();
    let b = book(|t| t);
    let s = screen_with(&b, &index, as_of(), 1).water(&w);
    assert_eq!(
        summary(&b, &s),
        vec![("water-outage".into(), 0, vec![0, 1])]
    );
    let b = book(calendar_year);
    let s = screen_with(&b, &index, as_of(), 1).water(&w);
    assert!(s.warnings.is_empty(), "10 days in 2025");
}

#[test]
fn two_rules_of_one_condition_at_two_severities_are_two_warnings() {
    let two = |t: String| {
        t.replace(
            "[[rule]]\nid = \"medical-12m\"",
            "[[rule]]\nid = \"medical-12m-medium\"\nfeed = \"medical\"\ncondition = \"self_paid_12m_above_threshold\"\nrisk = \"因病\"\nseverity = \"medium\"\n\n[[rule]]\nid = \"medical-12m\"",
        )
    };
    let b = book(two);
    let index = registry(&[(1_000_000, &[1])]);
    let rows = medical(&[(1, date(2025, 3, 1), 60_000)]);
    let s = screen_with(&b, &index, as_of(), 1).medical(&rows);
    let got: Vec<(String, Severity, Condition)> = s
        .warnings
        .iter()
        .map(|w| {
            let r = w.rule_in(&b);
            (r.id.clone(), w.severity, r.condition)
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "medical-12m-medium".into(),
                Severity::Medium,
                Condition::SelfPaid12mAboveThreshold
            ),
            (
                "medical-12m".into(),
                Severity::High,
                Condition::SelfPaid12mAboveThreshold
            ),
        ]
    );
}

#[test]
fn window_tables_are_checked_where_they_are_written() {
    let base = shipped("yunnan-2025.toml");
    let cases = [
        (
            "kind = \"rolling\"\ndays = 365",
            "kind = \"weekly\"\ndays = 365",
            "window.kind",
        ),
        (
            "kind = \"rolling\"\ndays = 365",
            "kind = \"rolling\"\ndays = 0",
            "1 to 366",
        ),
        (
            "kind = \"rolling\"\ndays = 365",
            "kind = \"rolling\"\ndays = 367",
            "1 to 366",
        ),
        (
            "kind = \"rolling\"\ndays = 365",
            "kind = \"rolling\"",
            "needs days",
        ),
        (
            "kind = \"rolling\"\ndays = 365",
            "kind = \"calendar_year\"\ndays = 365",
            "takes no days",
        ),
        (
            "kind = \"rolling\"\ndays = 365",
            "kind = \"rolling\"\ndays = 365\nmonths = 12",
            "unknown key",
        ),
    ];
    let line = base
        .lines()
        .position(|l| l == "kind = \"rolling\"")
        .expect("the shipped file has the window")
        + 1;
    for (from, to, says) in cases {
        let text = base.replace(from, to);
        let errors = RuleSet::parse(&text, "y.toml").expect_err(to);
        assert_eq!(errors.len(), 1, "{to}: {errors:?}");
        let e = &errors[0];
        assert!(e.message.contains(says), "{to}: {}", e.message);
        assert!(
            e.line == line || e.line == line + 1 || e.line == line + 2,
            "{to}: {e}"
        );
        assert_eq!(e.file, "y.toml");
    }
    // Chinese kinds, and the default when the table is left out.
    let zh = RuleSet::parse(
        &base.replace("kind = \"rolling\"\ndays = 365", "kind = \"自然年\""),
        "y",
    )
    .unwrap();
    assert_eq!(zh.window, Window::CalendarYear);
    let start = base.find("[window]").unwrap();
    let end = base[start..].find("days = 365\n").unwrap() + start + "days = 365\n".len();
    let without = format!("{}{}", &base[..start], &base[end..]);
    let set = RuleSet::parse(&without, "y").unwrap();
    assert_eq!(set.window, Window::Rolling { days: 365 });
    // Written back and read again: the same window.
    for w in ["kind = \"calendar_year\"", "kind = \"rolling\"\ndays = 90"] {
        let set = RuleSet::parse(&base.replace("kind = \"rolling\"\ndays = 365", w), "y").unwrap();
        let again = RuleSet::parse(&set.to_toml(), "y").unwrap();
        assert_eq!(again.window, set.window);
        assert_ne!(again.window, Window::DEFAULT);
    }
}

#[test]
fn the_income_condition_reads_the_employment_feed_only() {
    let bad = shipped("yunnan-2025.toml").replace(
        "feed = \"employment\"\ncondition = \"income_below_line\"",
        "feed = \"medical\"\ncondition = \"income_below_line\"",
    );
    let errors = RuleSet::parse(&bad, "y.toml").expect_err("wrong feed");
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("reads the employment feed")),
        "{errors:?}"
    );
    assert_eq!(Condition::IncomeBelowLine.feed().code(), "employment");
}
