//! The application layer: the use cases that the command line and the web
//! alike call, each with its role and scope check and one error type
//! ([`AppError`]): importing a department feed file as one batch (parse
//! and check every row, then store all or nothing), the screening run over
//! the stored rows, the rule book kept in the store (adoption of new
//! versions, what-if replays), the registry ([`registry`]: households and
//! members, import, export, reveal) and the case workflow ([`cases`]:
//! leads, events, work lists, notice). What a reader is shown of a
//! household is built by [`views`], masked for that reader in one place.

pub mod alerts;
pub mod assistance;
pub mod cases;
pub mod comparison;
pub mod declaration;
mod error;
pub mod evaluation;
pub mod exchange;
pub mod exports;
pub mod feed_import;
pub mod figure_households;
pub mod figures;
pub mod jobs;
pub mod key_counties;
pub mod migration;
pub mod national;
pub mod navigation;
pub mod registry;
pub mod rule_form;
pub mod rules;
pub mod screen_run;
pub mod views;

pub use error::{AppError, without_values};

/// Runs CPU work (a screening pass, a replay) on a blocking thread, so
/// that the async workers serving other requests go on.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::Stopped(e.to_string()))?
}
pub use feed_import::{
    FeedFile, FeedImportReport, OnRowErrors, import_feed, import_feed_with, may_load_feeds,
};
pub use rules::{WhatIf, adopt as adopt_rules, book as rule_book, what_if};
pub use screen_run::{
    RunInput, RunOutput, ScreenRunReport, load_run, run_screening, run_screening_with,
};
