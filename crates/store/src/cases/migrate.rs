//! 存量监测对象导入: a county that monitored households before dixian
//! brings its list in straight into the monitored stage, with the original
//! identification days — one case per household, opened by
//! [`dixian_domain::Case::migrate`], its `migrated` event and audit row,
//! and the household's category, all in one transaction: a list with one
//! bad line changes nothing.

use super::events::{Acting, insert_case};
use super::{PolicySource, policy_at};
use crate::audit::{self, Change};
use crate::db::q;
use crate::{Actor, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::{Case, CaseEvent, CaseStage, Category, Migration, RegionCode, RiskType};
use serde_json::json;

/// One household of the county's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitoredEntry {
    /// 户编号 of a registered household.
    pub number: String,
    /// 监测对象类别.
    pub category: Category,
    /// 风险类型 (at least one).
    pub risk_types: Vec<RiskType>,
    /// 原认定日期.
    pub identified_on: NaiveDate,
}

/// Why one entry of the list cannot be taken (its index in the list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationIssue {
    /// Index of the entry.
    pub index: usize,
    /// What is wrong, in both languages, without personal data.
    pub reason: String,
}

/// What a migration did: the number of cases opened, or the issues that
/// stopped it (then nothing was written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrationOutcome {
    /// Every entry was taken: the cases opened, in the list's order.
    Migrated(Vec<i64>),
    /// Nothing was written; every issue found.
    Refused(Vec<MigrationIssue>),
}

/// Brings the county's list of monitored households in (see the module).
/// Refuses an entry whose household is not registered in the actor's
/// region (out of scope reads as absent), that has a case already, or
/// that the domain refuses (role, future day, no risk type).
pub async fn migrate(
    pool: &crate::db::Pool,
    actor: &Actor,
    list: &[MonitoredEntry],
    note: &str,
    now: DateTime<Utc>,
    policies: &dyn PolicySource,
) -> Result<MigrationOutcome, StoreError> {
    let acting = Acting::of(actor);
    let (lo, hi) = actor.scope.region.padded_range();
    let mut tx = pool.begin().await?;
    let mut issues = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut migrated = Vec::new();
    for (index, entry) in list.iter().enumerate() {
        let mut issue = |reason: String| issues.push(MigrationIssue { index, reason });
        if !seen.insert(entry.number.trim().to_string()) {
            issue("the household is listed twice (户编号重复)".into());
            continue;
        }
        let found: Option<(i64, String)> = tx
            .opt(
                q("SELECT id, village_code FROM households WHERE number = $1 AND village_code BETWEEN $2 AND $3")
                    .bind(entry.number.trim())
                    .bind(lo.as_str())
                    .bind(hi.as_str()),
            )
            .await?;
        let Some((household_id, village)) = found else {
            issue(
                "no household with this number is registered in your region (辖区内未登记该户编号)"
                    .into(),
            );
            continue;
        };
        let open: Option<(i64,)> = tx
            .opt(
                q("SELECT id FROM cases WHERE household_id = $1 AND stage <> $2")
                    .bind(household_id)
                    .bind(CaseStage::Rejected.code()),
            )
            .await?;
        if open.is_some() {
            issue("the household has a case already (该户已有案件)".into());
            continue;
        }
        let village = RegionCode::parse(&village)
            .map_err(|e| StoreError::Integrity(format!("household village: {e}")))?;
        let migration = Migration {
            household: entry.number.trim().to_string(),
            village: village.clone(),
            category: entry.category,
            risk_types: entry.risk_types.clone(),
            identified_on: entry.identified_on,
            note: note.to_string(),
        };
        let case = match Case::migrate(migration, &acting.scope, now) {
            Ok(case) => case,
            Err(e) => {
                issue(e.to_string());
                continue;
            }
        };
        if !issues.is_empty() {
            continue; // checked only; nothing more is written
        }
        let policy = policy_at(policies, &village, now)?;
        let stored = insert_case(&mut tx, &acting, household_id, &case, &policy, now).await?;
        let event = CaseEvent::Migrated {
            identified_on: entry.identified_on,
            category: entry.category,
            risk_types: case.risk_types.clone(),
            note: note.to_string(),
        };
        tx.execute(
            q("INSERT INTO case_events (case_id, seq, kind, event, actor_user_id, actor_role, actor_region, policy, at, from_stage, to_stage)
               VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $9)")
            .bind(stored.id)
            .bind(event.kind().code())
            .bind(super::to_json(&event)?)
            .bind(acting.user_id)
            .bind(acting.role)
            .bind(acting.scope.region.as_str())
            .bind(super::to_json(&policy)?)
            .bind(now)
            .bind(CaseStage::Monitored.code()),
        )
        .await?;
        let (old,): (Option<String>,) = tx
            .one(q("SELECT category FROM households WHERE id = $1").bind(household_id))
            .await?;
        tx.execute(
            q("UPDATE households SET category = $1, version = version + 1, updated_at = $2 WHERE id = $3")
                .bind(entry.category.code())
                .bind(now)
                .bind(household_id),
        )
        .await?;
        audit::record(
            &mut tx,
            &[Change {
                user_id: acting.user_id,
                action: "case_migrated",
                entity: "household",
                entity_id: household_id.to_string(),
                region: Some(village.to_string()),
                before: Some(json!({ "category": old }).to_string()),
                after: Some(
                    json!({
                        "category": entry.category.code(),
                        "identified_on": entry.identified_on,
                        "case": stored.id,
                    })
                    .to_string(),
                ),
            }],
        )
        .await?;
        migrated.push(stored.id);
    }
    if !issues.is_empty() {
        tx.rollback().await?;
        return Ok(MigrationOutcome::Refused(issues));
    }
    tx.commit().await?;
    Ok(MigrationOutcome::Migrated(migrated))
}
