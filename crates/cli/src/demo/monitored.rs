//! The demo county's monitored households: the generator gives some of
//! its households a category, as a county's existing list would; they are
//! registered without it and then brought in through the county's
//! migration (存量监测对象导入, `cases::migrate`), each with a risk type
//! read off its facts and an identification day, so that the category
//! comes from the workflow as everywhere else.

use anyhow::Context;
use dixian_domain::{Household, RegionCode, WorkflowPolicy};
use dixian_store::cases::{self, MigrationOutcome, MonitoredEntry};
use dixian_store::{Actor, Store};
use std::collections::HashSet;

pub use dixian_sim::assistance::{identified_on, risks_of};

/// Migrates every generated household with a category, except those the
/// demo cases took; returns how many.
pub async fn seed(
    store: &Store,
    county: &RegionCode,
    all: &[Household],
    taken: &[String],
    policy: &WorkflowPolicy,
) -> anyhow::Result<usize> {
    let now = chrono::Utc::now();
    let today = dixian_domain::case::china_date(now);
    let taken: HashSet<&str> = taken.iter().map(String::as_str).collect();
    let list: Vec<MonitoredEntry> = all
        .iter()
        .filter(|h| !taken.contains(h.number.as_str()))
        .filter_map(|h| {
            Some(MonitoredEntry {
                number: h.number.clone(),
                category: h.category?,
                risk_types: risks_of(h),
                identified_on: identified_on(&h.number, today),
            })
        })
        .collect();
    let out = cases::migrate(
        &store.pool,
        &Actor::operator(county.clone()),
        &list,
        "县存量监测对象名单（演示）",
        now,
        policy,
    )
    .await?;
    match out {
        MigrationOutcome::Migrated(ids) => Ok(ids.len()),
        MigrationOutcome::Refused(issues) => {
            let first = issues.first().context("a refusal names its lines")?;
            anyhow::bail!(
                "demo monitored list refused at entry {}: {}",
                first.index,
                first.reason
            )
        }
    }
}
