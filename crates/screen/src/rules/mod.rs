//! Rule sets (规则集): declarative TOML files, one per region (national
//! baseline, province or county) and validity period, holding the policy
//! numbers (monitoring line, thresholds, workflow time limits) and the
//! screening rules. A [`RuleBook`] holds them all and picks the one in
//! force for a region and date. The format is described in
//! `rules/README.md` at the workspace root.
//!
//! Every rejection names the file, a line and a column: syntax and type
//! errors from the TOML parser's span, semantic errors from the span of
//! the offending value.

mod book;
mod condition;
mod evaluation;
pub mod explain;
mod location;
mod raw;
mod set;
mod window;
mod write;

pub use book::{NATIONAL_CEILINGS, NATIONAL_FLOORS, PolicyField, RuleBook, SHIPPED};
pub use condition::{Condition, Needs, Severity};
pub use evaluation::{EvaluationPolicy, Indicator, IndicatorRule};
pub use location::Location;
pub use set::{
    DisasterThresholds, HousingThresholds, MedicalThresholds, NATIONAL, Rule, RuleRegion, RuleSet,
    WaterThresholds,
};
pub use window::Window;
pub use write::workflow_values;

use serde::Serialize;

/// A problem in a rule file, located for the officer who edits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct RuleError {
    /// The file, as named to the parser.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Bilingual message.
    pub message: String,
}

impl RuleError {
    /// A problem at `at` in `file`.
    pub fn new(file: &str, at: Location, message: impl Into<String>) -> RuleError {
        RuleError {
            file: file.to_string(),
            line: at.line,
            column: at.column,
            message: message.into(),
        }
    }
}
