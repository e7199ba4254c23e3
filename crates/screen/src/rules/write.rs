//! A rule set written back as a rule file: the same format `RuleSet::parse`
//! reads (rules/README.md), so that a set edited as a form is adopted as
//! the same kind of text as the shipped files. `parse(to_toml(set))`
//! gives the set again (tested on every shipped file).

use super::set::{Rule, RuleSet};
use super::window::Window;
use dixian_domain::WorkflowPolicy;
use dixian_domain::alerts::AlertPolicy;
use dixian_domain::assistance::MeasureRule;
use std::fmt::Write;

impl RuleSet {
    /// The set as rule-file text: every value the set holds, in the order
    /// of the shipped files, money in 元.
    pub fn to_toml(&self) -> String {
        let mut out = String::new();
        line(&mut out, "name", &quoted(&self.name));
        line(&mut out, "version", &self.version.to_string());
        line(&mut out, "region", &quoted(&self.region.to_string()));
        line(&mut out, "valid_from", &self.valid_from.to_string());
        if let Some(to) = self.valid_to {
            line(&mut out, "valid_to", &to.to_string());
        }
        line(&mut out, "monitoring_line", &yuan(self.monitoring_line_fen));
        if let Some(f) = self.near_line_factor {
            line(&mut out, "near_line_factor", &f.to_string());
        }
        if let Some(m) = &self.medical {
            out.push_str("\n[medical]\n");
            line(
                &mut out,
                "self_paid_per_stay",
                &yuan(m.self_paid_per_stay_fen),
            );
            line(
                &mut out,
                "self_paid_12_months",
                &yuan(m.self_paid_12_months_fen),
            );
        }
        if let Some(d) = &self.disaster {
            out.push_str("\n[disaster]\n");
            line(&mut out, "loss_threshold", &yuan(d.loss_fen));
            let damage: Vec<&str> = d.house_damage.iter().map(|h| h.code()).collect();
            line(&mut out, "house_damage", &list(&damage));
        }
        if let Some(h) = &self.housing {
            out.push_str("\n[housing]\n");
            let grades: Vec<&str> = h.grades.iter().map(|g| g.code()).collect();
            line(&mut out, "grades", &list(&grades));
        }
        if let Some(w) = &self.water {
            out.push_str("\n[water]\n");
            line(
                &mut out,
                "outage_days_limit",
                &w.outage_days_limit.to_string(),
            );
        }
        out.push_str("\n[workflow]\n");
        for (key, value) in workflow_values(&self.workflow) {
            line(&mut out, key, &value.to_string());
        }
        if let Some(days) = self.workflow.comparison_window_days {
            line(&mut out, "comparison_window_days", &days.to_string());
        }
        if let Some(a) = &self.assistance {
            out.push_str("\n[assistance]\n");
            line(
                &mut out,
                "first_measure_days",
                &a.first_measure_days.to_string(),
            );
            line(
                &mut out,
                "effect_review_months",
                &a.effect_review_months.to_string(),
            );
            line(
                &mut out,
                "visit_interval_days",
                &a.visit_interval_days.to_string(),
            );
        }
        if self.window != Window::DEFAULT {
            out.push_str("\n[window]\n");
            line(&mut out, "kind", &quoted(self.window.kind_code()));
            if let Window::Rolling { days } = self.window {
                line(&mut out, "days", &days.to_string());
            }
        }
        for m in &self.measures.rules {
            measure(&mut out, m);
        }
        for r in &self.rules {
            rule(&mut out, r);
        }
        if let Some(a) = &self.alerts {
            alerts(&mut out, a);
        }
        if let Some(e) = &self.evaluation {
            out.push_str("\n[evaluation]\n");
            for i in &e.indicators {
                out.push_str("\n[[evaluation.indicators]]\n");
                line(&mut out, "indicator", &quoted(i.indicator.code()));
                line(&mut out, "weight", &float(i.weight));
                line(&mut out, "full", &float(i.full));
                line(&mut out, "zero", &float(i.zero));
            }
        }
        out
    }
}

/// The `[workflow]` numbers by key, in file order. Written out field by
/// field: a field added to `WorkflowPolicy` fails to compile here until
/// it is written too.
pub fn workflow_values(w: &WorkflowPolicy) -> [(&'static str, u32); 10] {
    let WorkflowPolicy {
        notice_min_days,
        identification_limit_days,
        home_check_days,
        data_comparison_days,
        deliberation_days,
        township_review_days,
        county_approval_days,
        elimination_min_monitored_months,
        elimination_income_stable_months,
        elimination_min_measures,
        // Not a step's limit nor a floor: written after these (optional).
        comparison_window_days: _,
    } = w.clone();
    [
        ("notice_min_days", notice_min_days),
        ("identification_limit_days", identification_limit_days),
        ("home_check_days", home_check_days),
        ("data_comparison_days", data_comparison_days),
        ("deliberation_days", deliberation_days),
        ("township_review_days", township_review_days),
        ("county_approval_days", county_approval_days),
        (
            "elimination_min_monitored_months",
            elimination_min_monitored_months,
        ),
        (
            "elimination_income_stable_months",
            elimination_income_stable_months,
        ),
        ("elimination_min_measures", elimination_min_measures),
    ]
}

fn measure(out: &mut String, m: &MeasureRule) {
    out.push_str("\n[[measures]]\n");
    line(out, "kind", &quoted(m.kind.code()));
    line(out, "class", &quoted(m.class.code()));
    line(out, "household", &m.household.to_string());
    line(out, "unit", &quoted(m.unit.code()));
    line(out, "department", &quoted(m.department.code()));
    let e = &m.eligibility;
    let codes = |v: Vec<&'static str>| list(&v);
    line(
        out,
        "labor",
        &codes(e.labor.iter().map(|x| x.code()).collect()),
    );
    if let Some(a) = e.min_age {
        line(out, "min_age", &a.to_string());
    }
    if let Some(a) = e.max_age {
        line(out, "max_age", &a.to_string());
    }
    let stages = e.student_stages.iter().map(|x| x.code()).collect();
    line(out, "student_stages", &codes(stages));
    line(out, "disability", &e.disability.to_string());
    line(
        out,
        "risks",
        &codes(e.risks.iter().map(|x| x.code()).collect()),
    );
    let categories = e.categories.iter().map(|x| x.code()).collect();
    line(out, "categories", &codes(categories));
    if let Some(fen) = m.max_amount_fen {
        line(out, "max_amount", &yuan(fen));
    }
    if let Some(n) = m.max_term_months {
        line(out, "max_term_months", &n.to_string());
    }
    if let Some(bp) = m.max_yearly_rate_bp {
        line(
            out,
            "max_yearly_rate_percent",
            &format!("{}.{:02}", bp / 100, bp % 100),
        );
    }
    line(
        out,
        "excludes",
        &codes(m.excludes.iter().map(|x| x.code()).collect()),
    );
}

fn rule(out: &mut String, r: &Rule) {
    out.push_str("\n[[rule]]\n");
    line(out, "id", &quoted(&r.id));
    line(out, "feed", &quoted(r.feed.code()));
    line(out, "condition", &quoted(r.condition.code()));
    line(out, "risk", &quoted(r.risk.code()));
    line(out, "severity", &quoted(r.severity.code()));
    if let Some(d) = &r.description {
        line(out, "description", &quoted(d));
    }
    if let Some(d) = &r.description_en {
        line(out, "description_en", &quoted(d));
    }
}

fn line(out: &mut String, key: &str, value: &str) {
    let _ = writeln!(out, "{key} = {value}");
}

/// 分 as a TOML number of 元: 870000 → `8700`, 805050 → `8050.50`.
fn yuan(fen: i64) -> String {
    if fen % 100 == 0 {
        (fen / 100).to_string()
    } else {
        let sign = if fen < 0 { "-" } else { "" };
        format!("{sign}{}.{:02}", (fen / 100).abs(), (fen % 100).abs())
    }
}

fn list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quoted(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// A TOML basic string.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::SHIPPED;

    /// Every value the set holds, with the file name it was read as.
    fn values(set: &RuleSet) -> String {
        format!("{set:?}")
            .split(", at: SetLocations")
            .next()
            .unwrap_or_default()
            .to_string()
    }

    #[test]
    fn every_shipped_set_is_written_back_as_itself() {
        assert!(!SHIPPED.is_empty());
        for (name, text) in SHIPPED {
            let set = RuleSet::parse(text, name).expect("shipped file parses");
            let written = set.to_toml();
            let again = RuleSet::parse(&written, name)
                .unwrap_or_else(|e| panic!("{name} written back does not parse: {e:?}\n{written}"));
            assert_eq!(values(&again), values(&set), "{name}:\n{written}");
            assert!(values(&set).contains("monitoring_line_fen"));
        }
    }

    #[test]
    fn odd_text_and_cents_survive() {
        let (name, text) = SHIPPED[0];
        let mut set = RuleSet::parse(text, name).unwrap();
        set.name = "名 \"引号\" \\ back\tslash".into();
        set.monitoring_line_fen = 805_050;
        set.rules[0].description_en = Some("line\nbreak".into());
        let again = RuleSet::parse(&set.to_toml(), name).unwrap();
        assert_eq!(again.name, set.name);
        assert_eq!(again.monitoring_line_fen, 805_050);
        assert_eq!(
            again.rules[0].description_en.as_deref(),
            Some("line\nbreak")
        );
    }
}

/// `[alerts]`, written last as in the shipped files.
fn alerts(out: &mut String, a: &AlertPolicy) {
    out.push_str("\n[alerts]\n");
    line(out, "window_days", &a.window_days.to_string());
    line(out, "baseline_windows", &a.baseline_windows.to_string());
    line(
        out,
        "same_season_last_year",
        &a.same_season_last_year.to_string(),
    );
    line(out, "k", &float(a.k));
    line(out, "min_village", &a.min_village.to_string());
    line(out, "min_township", &a.min_township.to_string());
    line(out, "min_county", &a.min_county.to_string());
    line(out, "medium_ratio", &float(a.medium_ratio));
    line(out, "high_ratio", &float(a.high_ratio));
}

/// A number as TOML reads it back as the same `f64`.
fn float(f: f64) -> String {
    format!("{f:?}")
}
