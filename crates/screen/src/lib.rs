//! Screening (部门筛查预警) for dixian: department data feeds read into
//! typed rows with every bad row reported; the per-region, per-period
//! rule sets that say which rows raise a warning; and the screening pass
//! (`engine`) that joins rows to the registry and turns them into warnings.
//!
//! Library only: no database, no async. Messages shown to users are in
//! English and Chinese and never quote cell contents (they may be personal
//! data); they name the line and column instead.

#![warn(missing_docs)]

pub mod engine;
pub mod feed;
pub mod rules;

pub use feed::{
    FeedKind, FeedParse, FeedReader, FeedRow, FeedRowError, ValueKind, batch_hash, parse_feed,
    parse_feed_bytes, write_error_report,
};
pub use rules::{Condition, Location, Rule, RuleBook, RuleError, RuleRegion, RuleSet, Severity};
