//! The closed vocabulary of rule files: the conditions a rule can test,
//! the feed each one reads, the thresholds it needs, and the severities a
//! rule can assign (risk types are the domain's `RiskType`). The types
//! live in `dixian_domain::screening`, where the store and the pages read
//! them too.

pub use dixian_domain::screening::{Condition, Needs, Severity};
