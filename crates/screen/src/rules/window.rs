//! The window (统计窗口) of the windowed conditions: the period of rows a
//! 12-month self-paid total, a near-line household's expense, a village's
//! outage days and a household's 人社 income are read over. A rule set's
//! `[window]` table chooses it; a set without the table (every set stored
//! before the table existed) reads the rolling 365 days, [`Window::DEFAULT`].

use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;

/// Which days a windowed condition reads, ending on the as-of date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Window {
    /// 滚动: the `days` days ending on the as-of date, both ends included
    /// (365: a row dated `as_of − 364` is in, `as_of − 365` is out).
    Rolling {
        /// 1 to [`Window::MAX_DAYS`].
        days: u32,
    },
    /// 自然年: from 1 January of the as-of date's year to the as-of date.
    CalendarYear,
}

impl Window {
    /// The window of a set whose file has no `[window]` table: the rolling
    /// 365 days (what every set read before the table existed; written in
    /// rules/README.md).
    pub const DEFAULT: Window = Window::Rolling { days: 365 };

    /// The longest rolling window a file may ask for: a leap year. Every
    /// window starts on or after [`Window::widest_start`].
    pub const MAX_DAYS: u32 = 366;

    /// The first day of the window ending on `as_of`.
    pub fn start(self, as_of: NaiveDate) -> NaiveDate {
        match self {
            Window::Rolling { days } => as_of
                .checked_sub_days(Days::new(u64::from(days.max(1)) - 1))
                .unwrap_or(as_of),
            Window::CalendarYear => as_of.with_ordinal(1).unwrap_or(as_of),
        }
    }

    /// The earliest first day any window ending on `as_of` can have
    /// (rolling [`Window::MAX_DAYS`], or 1 January of a leap year on 31
    /// December): the rows a run must read to evaluate every rule set.
    pub fn widest_start(as_of: NaiveDate) -> NaiveDate {
        as_of
            .checked_sub_days(Days::new(u64::from(Window::MAX_DAYS) - 1))
            .unwrap_or(as_of)
    }

    /// The code written in rule files: `rolling` or `calendar_year`.
    pub fn kind_code(self) -> &'static str {
        match self {
            Window::Rolling { .. } => "rolling",
            Window::CalendarYear => "calendar_year",
        }
    }

    /// The window in words, in Chinese or (when `english`) in English.
    pub fn describe(self, english: bool) -> String {
        match (self, english) {
            (Window::Rolling { days }, false) => format!("截至筛查日的最近{days}天（滚动）"),
            (Window::Rolling { days }, true) => {
                format!("the {days} days up to the screening date (rolling)")
            }
            (Window::CalendarYear, false) => "筛查日所在自然年（1月1日起）".to_string(),
            (Window::CalendarYear, true) => {
                "the calendar year of the screening date (from 1 January)".to_string()
            }
        }
    }
}

impl Default for Window {
    fn default() -> Window {
        Window::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn starts_by_hand() {
        // 365 days ending 2025-06-30: 2024-07-01 (2024-07-01 … 2025-06-30).
        assert_eq!(
            Window::Rolling { days: 365 }.start(d(2025, 6, 30)),
            d(2024, 7, 1)
        );
        assert_eq!(
            Window::Rolling { days: 1 }.start(d(2025, 6, 30)),
            d(2025, 6, 30)
        );
        assert_eq!(Window::CalendarYear.start(d(2025, 6, 30)), d(2025, 1, 1));
        assert_eq!(Window::CalendarYear.start(d(2025, 1, 1)), d(2025, 1, 1));
        // Leap year, 31 December: 366 days, the widest.
        assert_eq!(Window::CalendarYear.start(d(2024, 12, 31)), d(2024, 1, 1));
        assert_eq!(Window::widest_start(d(2024, 12, 31)), d(2024, 1, 1));
        assert_eq!(Window::widest_start(d(2025, 6, 30)), d(2024, 6, 30));
        assert_eq!(Window::default(), Window::Rolling { days: 365 });
    }

    #[test]
    fn every_window_starts_no_earlier_than_the_widest() {
        let mut day = d(2023, 1, 1);
        while day <= d(2025, 12, 31) {
            let w = Window::widest_start(day);
            for win in [
                Window::CalendarYear,
                Window::Rolling { days: 1 },
                Window::Rolling { days: 365 },
                Window::Rolling {
                    days: Window::MAX_DAYS,
                },
            ] {
                assert!(win.start(day) >= w, "{win:?} {day}");
                assert!(win.start(day) <= day);
            }
            day = day.succ_opt().unwrap();
        }
    }
}
