//! Jobs that combine the store with the screening crate, used by the
//! command line and the web alike: importing a department feed file as
//! one batch (parse and check every row, then store all or nothing), the
//! screening run over the stored rows, and the rule book kept in the
//! store (adoption of new versions, what-if replays).

pub mod feed_import;
pub mod rules;
pub mod screen_run;

pub use feed_import::{FeedFile, FeedImportReport, OnRowErrors, import_feed, may_load_feeds};
pub use rules::{RulesError, WhatIf, adopt as adopt_rules, book as rule_book, what_if};
pub use screen_run::{
    RunInput, RunOutput, ScreenRunError, ScreenRunReport, load_run, run_screening,
};
