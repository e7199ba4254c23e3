//! The demo county's monitored households: the generator gives some of
//! its households a category, as a county's existing list would; they are
//! registered without it and then brought in through the county's
//! migration (存量监测对象导入, `cases::migrate`), each with a risk type
//! read off its facts and an identification day, so that the category
//! comes from the workflow as everywhere else.

use anyhow::Context;
use chrono::{Duration, NaiveDate};
use dixian_domain::{
    DrinkingWater, Household, HousingGrade, Illness, LaborCapacity, RegionCode, RiskType,
    WorkflowPolicy,
};
use dixian_store::cases::{self, MigrationOutcome, MonitoredEntry};
use dixian_store::{Actor, Store};
use std::collections::HashSet;

/// The risk types a household's facts show (at least one).
pub fn risks_of(h: &Household) -> Vec<RiskType> {
    let mut r = Vec::new();
    if h.members.iter().any(|m| m.illness != Illness::Healthy) {
        r.push(RiskType::Illness);
    }
    if h.members.iter().any(|m| m.disability_kind.is_some()) {
        r.push(RiskType::Disability);
    }
    if matches!(h.housing, HousingGrade::C | HousingGrade::D) {
        r.push(RiskType::HousingSafety);
    }
    if h.water != DrinkingWater::Secure {
        r.push(RiskType::DrinkingWater);
    }
    if !h
        .members
        .iter()
        .any(|m| matches!(m.labor, LaborCapacity::Full | LaborCapacity::Weak))
    {
        r.push(RiskType::LackOfLabor);
    }
    if r.is_empty() {
        r.push(RiskType::UnstableEmployment);
    }
    r
}

/// A day between 1 July 2021 and 30 days before `today`, fixed by the
/// household's number (the same demo, the same days).
fn identified_on(number: &str, today: NaiveDate) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(2021, 7, 1).expect("a valid day");
    let span = (today - Duration::days(30) - first).num_days().max(1);
    let hash = number.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    first + Duration::days((hash % span as u64) as i64)
}

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
        MigrationOutcome::Migrated(n) => Ok(n),
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
