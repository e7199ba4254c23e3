//! 一户一策: the plan of a household for its identification run (case):
//! proposed as a draft, adjusted and confirmed by the village cadre
//! (active), closed when the risk is eliminated. One plan per case; the
//! plan read is the one of the household's latest case.

use super::{
    check_member, county_of, household_read, household_write, invalid, member_hashes, open_person,
};
use crate::audit::{self, Change};
use crate::db::{Pool, Tx, q};
use crate::users::Actor;
use crate::{Refusal, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::assistance::{AssistancePlan, MeasureKind, PlanStatus, PlannedMeasure};
use serde::Serialize;

/// Longest reason of a planned measure, in characters.
const MAX_REASON: usize = 500;
/// Most measures one plan lists.
const MAX_PLANNED: usize = 100;

/// A plan as stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StoredPlan {
    /// Id.
    pub id: i64,
    /// Version; send it back with a change.
    pub version: i64,
    /// The household.
    pub household_id: i64,
    /// The identification run (case) it belongs to.
    pub case_id: i64,
    /// The plan (its `household` is the household's number).
    pub plan: AssistancePlan,
    /// The day the plan ended (closed: the risk eliminated, China time);
    /// `None` while it is open.
    pub ends_on: Option<NaiveDate>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct PlanRow {
    id: i64,
    version: i64,
    case_id: i64,
    #[sqlx(try_from = "crate::codes::Stored<PlanStatus>")]
    status: PlanStatus,
    helper_id: Option<i64>,
    starts_on: NaiveDate,
    review_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct PlannedRow {
    person_id_number: Option<String>,
    #[sqlx(try_from = "crate::codes::Stored<MeasureKind>")]
    kind: MeasureKind,
    reason: String,
}

/// The plan of the household's latest case, if one was made; `NotFound`
/// when the household is outside the actor's scope.
pub async fn get_plan(
    pool: &Pool,
    actor: &Actor,
    household_id: i64,
) -> Result<Option<StoredPlan>, StoreError> {
    let h = household_read(pool, actor, household_id).await?;
    let row: Option<PlanRow> = pool
        .opt(
            q("SELECT id, version, case_id, status, helper_id, starts_on, review_on, ends_on, created_at, updated_at
               FROM plans WHERE household_id = $1 ORDER BY case_id DESC LIMIT 1")
            .bind(household_id),
        )
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let planned: Vec<PlannedRow> = pool
        .all(
            q("SELECT person_id_number, kind, reason FROM plan_measures WHERE plan_id = $1 ORDER BY position")
                .bind(row.id),
        )
        .await?;
    let measures = planned
        .into_iter()
        .map(|p| {
            Ok(PlannedMeasure {
                person: open_person(
                    pool.data(),
                    "plan_measures.person_id_number",
                    p.person_id_number,
                )?,
                kind: p.kind,
                reason: p.reason,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Some(StoredPlan {
        id: row.id,
        version: row.version,
        household_id,
        case_id: row.case_id,
        plan: AssistancePlan {
            household: h.number,
            status: row.status,
            helper: row.helper_id,
            starts_on: row.starts_on,
            review_on: row.review_on,
            measures,
        },
        ends_on: row.ends_on,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }))
}

/// Whether a plan may go from `from` to `to`: draft → active → closed
/// (a draft may close too, when its case is rejected); nothing leaves
/// closed, and an active plan is not a draft again.
fn may_change(from: PlanStatus, to: PlanStatus) -> bool {
    use PlanStatus::{Active, Closed, Draft};
    matches!(
        (from, to),
        (Draft, Draft | Active | Closed) | (Active, Active | Closed)
    )
}

async fn check_helper(
    tx: &mut Tx,
    actor: &Actor,
    village: &str,
    helper: Option<i64>,
) -> Result<(), StoreError> {
    let Some(helper) = helper else {
        return Ok(());
    };
    let county = dixian_domain::RegionCode::parse(village)
        .ok()
        .and_then(|v| v.ancestor(dixian_domain::RegionLevel::County))
        .unwrap_or_else(|| county_of(actor));
    let found: Option<(i64,)> = tx
        .opt(
            q("SELECT id FROM helpers WHERE id = $1 AND county_code = $2")
                .bind(helper)
                .bind(county.as_str()),
        )
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(StoreError::Refused(Refusal::UnknownHelper)),
    }
}

fn check_plan(plan: &AssistancePlan) -> Result<(), StoreError> {
    if plan.review_on < plan.starts_on {
        return Err(invalid(
            "review_on",
            "the review date is before the start (回访日期早于开始日期)",
        ));
    }
    if plan.measures.len() > MAX_PLANNED {
        return Err(invalid(
            "measures",
            format!("a plan lists at most {MAX_PLANNED} measures (措施过多)"),
        ));
    }
    for (i, m) in plan.measures.iter().enumerate() {
        if m.reason.chars().count() > MAX_REASON {
            return Err(invalid(
                format!("measures[{i}].reason"),
                format!("at most {MAX_REASON} characters (理由过长)"),
            ));
        }
    }
    Ok(())
}

/// What a plan looks like in the audit log: no person, only kinds.
fn audit_view(plan: &AssistancePlan) -> String {
    let kinds: Vec<&str> = plan.measures.iter().map(|m| m.kind.code()).collect();
    serde_json::json!({"status": plan.status.code(), "helper": plan.helper, "starts_on": plan.starts_on,
        "review_on": plan.review_on, "measures": kinds})
    .to_string()
}

/// Saves the plan of the household's current case: creates it (`version`
/// `None`; a draft or an active plan) or replaces it when `version` is
/// current (its planned measures replaced whole). The status may only move
/// forward (draft → active → closed); the helper must be on the roster of
/// the household's county; every person must be a member of the
/// household. `plan.household` is ignored: the household is `household_id`.
/// Returns the plan's id and new version.
pub async fn save_plan(
    pool: &Pool,
    actor: &Actor,
    household_id: i64,
    version: Option<i64>,
    plan: &AssistancePlan,
    now: DateTime<Utc>,
) -> Result<(i64, i64), StoreError> {
    if !actor.scope.role.edits_assistance() {
        return Err(StoreError::Forbidden);
    }
    check_plan(plan)?;
    let mut tx = pool.begin().await?;
    let h = household_write(&mut tx, actor, household_id).await?;
    let case: Option<(i64,)> = tx
        .opt(
            q("SELECT id FROM cases WHERE household_id = $1 AND stage <> 'rejected' ORDER BY id DESC LIMIT 1")
                .bind(household_id),
        )
        .await?;
    let Some((case_id,)) = case else {
        // A version names a plan, and there is none to change.
        return Err(match version {
            Some(_) => StoreError::Conflict { current: 0 },
            None => StoreError::Refused(Refusal::NoCase),
        });
    };
    let members = member_hashes(&mut tx, household_id).await?;
    for (i, m) in plan.measures.iter().enumerate() {
        check_member(
            &tx,
            &members,
            m.person.as_ref(),
            format!("measures[{i}].person"),
        )?;
    }
    check_helper(&mut tx, actor, &h.village_code, plan.helper).await?;
    let existing: Option<(i64, i64, String)> = tx
        .opt(q("SELECT id, version, status FROM plans WHERE case_id = $1").bind(case_id))
        .await?;
    let (plan_id, new_version, before) = match existing {
        None => {
            if version.is_some() {
                // The client believes in a plan that is not there.
                return Err(StoreError::Conflict { current: 0 });
            }
            if plan.status == PlanStatus::Closed {
                return Err(StoreError::Refused(Refusal::PlanStatusChange {
                    from: PlanStatus::Draft,
                    to: PlanStatus::Closed,
                }));
            }
            let (id,): (i64,) = tx
                .one(
                    q("INSERT INTO plans (household_id, case_id, village_code, status, helper_id, starts_on, review_on,
                       version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8) RETURNING id")
                    .bind(household_id)
                    .bind(case_id)
                    .bind(h.village_code.as_str())
                    .bind(plan.status.code())
                    .bind(plan.helper)
                    .bind(plan.starts_on)
                    .bind(plan.review_on)
                    .bind(now),
                )
                .await?;
            (id, 1, None)
        }
        Some((id, current, status)) => {
            let from =
                PlanStatus::try_from(status).map_err(|e| StoreError::Integrity(e.to_string()))?;
            if version != Some(current) {
                return Err(StoreError::Conflict { current });
            }
            if !may_change(from, plan.status) {
                return Err(StoreError::Refused(Refusal::PlanStatusChange {
                    from,
                    to: plan.status,
                }));
            }
            let before = get_plan_in(&mut tx, id).await?;
            let n = tx
                .execute(
                    q("UPDATE plans SET status = $1, helper_id = $2, starts_on = $3, review_on = $4, updated_at = $5,
                       ends_on = $8, version = version + 1 WHERE id = $6 AND version = $7")
                    .bind(plan.status.code())
                    .bind(plan.helper)
                    .bind(plan.starts_on)
                    .bind(plan.review_on)
                    .bind(now)
                    .bind(id)
                    .bind(current)
                    // A plan the cadre closes ends today.
                    .bind((plan.status == PlanStatus::Closed).then(|| dixian_domain::case::china_date(now))),
                )
                .await?;
            if n == 0 {
                return Err(StoreError::Conflict { current });
            }
            tx.execute(q("DELETE FROM plan_measures WHERE plan_id = $1").bind(id))
                .await?;
            (id, current + 1, Some(before))
        }
    };
    insert_planned(&mut tx, plan_id, plan).await?;
    audit::record(
        &mut tx,
        &[Change {
            user_id: actor.user_id,
            action: if before.is_some() { "update" } else { "create" },
            entity: "plan",
            entity_id: plan_id.to_string(),
            region: Some(h.village_code.clone()),
            before,
            after: Some(audit_view(plan)),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok((plan_id, new_version))
}

/// The audit view of a stored plan, read in the writing transaction.
async fn get_plan_in(tx: &mut Tx, id: i64) -> Result<String, StoreError> {
    #[allow(clippy::type_complexity)]
    let (status, helper, starts_on, review_on, ends_on): (
        String,
        Option<i64>,
        NaiveDate,
        NaiveDate,
        Option<NaiveDate>,
    ) = tx
        .one(
            q("SELECT status, helper_id, starts_on, review_on, ends_on FROM plans WHERE id = $1")
                .bind(id),
        )
        .await?;
    let kinds: Vec<(String,)> = tx
        .all(q("SELECT kind FROM plan_measures WHERE plan_id = $1 ORDER BY position").bind(id))
        .await?;
    let kinds: Vec<String> = kinds.into_iter().map(|(k,)| k).collect();
    Ok(
        serde_json::json!({"status": status, "helper": helper, "starts_on": starts_on,
        "review_on": review_on, "ends_on": ends_on, "measures": kinds})
        .to_string(),
    )
}

/// Names the helper of the household's current plan (`None`: nobody) if
/// `version` is current; returns the new version. The village cadre (as
/// part of the plan) or the county (which keeps the roster) may.
pub async fn assign_helper(
    pool: &Pool,
    actor: &Actor,
    household_id: i64,
    version: i64,
    helper: Option<i64>,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let role = actor.scope.role;
    if !role.edits_assistance() && !role.manages_helpers() {
        return Err(StoreError::Forbidden);
    }
    let mut tx = pool.begin().await?;
    let h = household_write(&mut tx, actor, household_id).await?;
    let plan: Option<(i64, i64, Option<i64>)> = tx
        .opt(
            q("SELECT id, version, helper_id FROM plans WHERE household_id = $1 ORDER BY case_id DESC LIMIT 1")
                .bind(household_id),
        )
        .await?;
    let Some((plan_id, current, before)) = plan else {
        // The version names a plan, and there is none.
        return Err(StoreError::Conflict { current: 0 });
    };
    if current != version {
        return Err(StoreError::Conflict { current });
    }
    check_helper(&mut tx, actor, &h.village_code, helper).await?;
    let n = tx
        .execute(
            q("UPDATE plans SET helper_id = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND version = $4")
                .bind(helper)
                .bind(now)
                .bind(plan_id)
                .bind(version),
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Conflict { current });
    }
    audit::record(
        &mut tx,
        &[Change {
            user_id: actor.user_id,
            action: "assign_helper",
            entity: "plan",
            entity_id: plan_id.to_string(),
            region: Some(h.village_code),
            before: Some(serde_json::json!({ "helper": before }).to_string()),
            after: Some(serde_json::json!({ "helper": helper }).to_string()),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(version + 1)
}

/// Writes the drafted plan (一户一策) of case `case_id` when the household
/// has just become monitored — a county approval, the county's migration,
/// a rollback of the elimination — unless the case has an open plan
/// already; a closed plan (the risk was eliminated) opens again as this
/// draft (audited `reopen`, the closed plan in `before`). The draft is the
/// application's proposal (`domain::assistance::propose`); the village
/// cadre confirms or adjusts it through [`save_plan`]. No role check of
/// its own: the caller writes it as the consequence of an event the
/// actor was allowed to record; scope and membership are checked as for
/// any plan. Returns the new plan's id, `None` when one was there.
pub async fn propose_plan(
    pool: &Pool,
    actor: &Actor,
    case_id: i64,
    plan: &AssistancePlan,
    now: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
    let mut tx = pool.begin().await?;
    let id = propose_plan_in(&mut tx, actor, case_id, plan, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// [`propose_plan`] inside `tx` (the case event's own transaction:
/// `cases::apply_event_then`); the caller commits.
pub(crate) async fn propose_plan_in(
    tx: &mut Tx,
    actor: &Actor,
    case_id: i64,
    plan: &AssistancePlan,
    now: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
    check_plan(plan)?;
    let (lo, hi) = actor.scope.region.padded_range();
    let case: Option<(i64, String)> = tx
        .opt(
            q("SELECT household_id, village_code FROM cases WHERE id = $1 AND village_code BETWEEN $2 AND $3")
                .bind(case_id)
                .bind(lo)
                .bind(hi),
        )
        .await?;
    let Some((household_id, village)) = case else {
        return Err(StoreError::NotFound);
    };
    let members = member_hashes(tx, household_id).await?;
    for (i, m) in plan.measures.iter().enumerate() {
        check_member(
            tx,
            &members,
            m.person.as_ref(),
            format!("measures[{i}].person"),
        )?;
    }
    let existing: Option<(i64, String)> = tx
        .opt(q("SELECT id, status FROM plans WHERE case_id = $1").bind(case_id))
        .await?;
    if let Some((plan_id, status)) = existing {
        if status != PlanStatus::Closed.code() {
            return Ok(None);
        }
        // The case is monitored again (a rollback of its elimination, a
        // re-entry approved): its closed plan opens as the new draft —
        // start, review and measures proposed anew, the helper kept.
        let before = get_plan_in(tx, plan_id).await?;
        tx.execute(
            q("UPDATE plans SET status = $1, starts_on = $2, review_on = $3, ends_on = NULL, updated_at = $4,
               version = version + 1 WHERE id = $5")
            .bind(PlanStatus::Draft.code())
            .bind(plan.starts_on)
            .bind(plan.review_on)
            .bind(now)
            .bind(plan_id),
        )
        .await?;
        tx.execute(q("DELETE FROM plan_measures WHERE plan_id = $1").bind(plan_id))
            .await?;
        insert_planned(tx, plan_id, plan).await?;
        let after = get_plan_in(tx, plan_id).await?;
        audit::record(
            tx,
            &[Change {
                user_id: actor.user_id,
                action: "reopen",
                entity: "plan",
                entity_id: plan_id.to_string(),
                region: Some(village),
                before: Some(before),
                after: Some(after),
            }],
        )
        .await?;
        return Ok(Some(plan_id));
    }
    let id: Option<(i64,)> = tx
        .opt(
            q("INSERT INTO plans (household_id, case_id, village_code, status, helper_id, starts_on, review_on,
               version, created_at, updated_at) VALUES ($1, $2, $3, $4, NULL, $5, $6, 1, $7, $7)
               ON CONFLICT (case_id) DO NOTHING RETURNING id")
            .bind(household_id)
            .bind(case_id)
            .bind(village.as_str())
            .bind(PlanStatus::Draft.code())
            .bind(plan.starts_on)
            .bind(plan.review_on)
            .bind(now),
        )
        .await?;
    let Some((plan_id,)) = id else {
        return Ok(None);
    };
    insert_planned(tx, plan_id, plan).await?;
    let draft = AssistancePlan {
        status: PlanStatus::Draft,
        helper: None,
        ..plan.clone()
    };
    audit::record(
        tx,
        &[Change {
            user_id: actor.user_id,
            action: "propose",
            entity: "plan",
            entity_id: plan_id.to_string(),
            region: Some(village),
            before: None,
            after: Some(audit_view(&draft)),
        }],
    )
    .await?;
    Ok(Some(plan_id))
}

/// Closes the open plan of case `case_id` (draft or active) on `ends_on`
/// — the day its risk was eliminated — audited `close`. The consequence
/// of an event the actor was allowed to record (the county's approval of
/// the elimination): no role check of its own, the case read in scope.
/// Returns the plan's id, `None` when the case has no open plan.
pub async fn close_plan(
    pool: &Pool,
    actor: &Actor,
    case_id: i64,
    ends_on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
    let mut tx = pool.begin().await?;
    let id = close_plan_in(&mut tx, actor, case_id, ends_on, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// [`close_plan`] inside `tx`; the caller commits.
pub(crate) async fn close_plan_in(
    tx: &mut Tx,
    actor: &Actor,
    case_id: i64,
    ends_on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
    let (lo, hi) = actor.scope.region.padded_range();
    let plan: Option<(i64, String)> = tx
        .opt(
            q(
                "SELECT p.id, p.village_code FROM plans p JOIN cases c ON c.id = p.case_id
               WHERE p.case_id = $1 AND c.village_code BETWEEN $2 AND $3 AND p.status <> $4",
            )
            .bind(case_id)
            .bind(lo)
            .bind(hi)
            .bind(PlanStatus::Closed.code()),
        )
        .await?;
    let Some((plan_id, village)) = plan else {
        return Ok(None);
    };
    let before = get_plan_in(tx, plan_id).await?;
    tx.execute(
        q("UPDATE plans SET status = $1, ends_on = $2, updated_at = $3, version = version + 1 WHERE id = $4")
            .bind(PlanStatus::Closed.code())
            .bind(ends_on)
            .bind(now)
            .bind(plan_id),
    )
    .await?;
    let after = get_plan_in(tx, plan_id).await?;
    audit::record(
        tx,
        &[Change {
            user_id: actor.user_id,
            action: "close",
            entity: "plan",
            entity_id: plan_id.to_string(),
            region: Some(village),
            before: Some(before),
            after: Some(after),
        }],
    )
    .await?;
    Ok(Some(plan_id))
}

/// An open plan (draft or active) that needs the cadre: its review is due,
/// or the household has no measure in the plan's time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct PlanToFollow {
    /// The plan.
    pub plan_id: i64,
    /// The household (link to its plan tab).
    pub household_id: i64,
    /// Its village.
    pub village_code: String,
    /// Its number.
    pub number: String,
    /// The plan's status.
    #[sqlx(try_from = "crate::codes::Stored<PlanStatus>")]
    pub status: PlanStatus,
    /// The helper named, if any.
    pub helper_id: Option<i64>,
    /// The next review.
    pub review_on: NaiveDate,
    /// The review is due (on or before the day asked).
    pub review_due: bool,
    /// Measures of the household in the plan's time (not stopped, not
    /// ended before the plan's start); 0: a household without a measure.
    pub measures: i64,
}

/// Most plans [`plans_to_follow`] answers.
const MAX_TO_FOLLOW: i64 = 1000;

/// The open plans of households in the actor's scope whose review is due
/// on `on` or whose household has no measure in the plan's time, by
/// review day, village and number (at most 1000). A closed plan (the risk
/// eliminated) is never listed.
pub async fn plans_to_follow(
    pool: &Pool,
    actor: &Actor,
    on: NaiveDate,
) -> Result<Vec<PlanToFollow>, StoreError> {
    if !actor.scope.role.reads_households() {
        return Err(StoreError::Forbidden);
    }
    let (lo, hi) = actor.scope.region.padded_range();
    let rows: Vec<PlanToFollow> = pool
        .all(
            q(format!(
                "SELECT plan_id, household_id, village_code, number, status, helper_id, review_on,
                   review_on <= $1 AS review_due, measures FROM (
                 SELECT p.id AS plan_id, h.id AS household_id, h.village_code, h.number, p.status,
                   p.helper_id, p.review_on,
                   (SELECT COUNT(*) FROM measures m WHERE m.household_id = h.id AND m.status <> $2
                      AND (m.ends_on IS NULL OR m.ends_on >= p.starts_on)) AS measures
                 FROM plans p JOIN households h ON h.id = p.household_id
                 WHERE p.status <> $3 AND h.village_code BETWEEN $4 AND $5) x
                 WHERE review_on <= $1 OR measures = 0
                 ORDER BY review_on, village_code, number, plan_id LIMIT {MAX_TO_FOLLOW}"
            ))
            .bind(on)
            .bind(dixian_domain::assistance::MeasureStatus::Stopped.code())
            .bind(PlanStatus::Closed.code())
            .bind(lo)
            .bind(hi),
        )
        .await?;
    Ok(rows)
}

/// Writes the planned measures of plan `plan_id`, in order.
async fn insert_planned(
    tx: &mut Tx,
    plan_id: i64,
    plan: &AssistancePlan,
) -> Result<(), StoreError> {
    for (i, m) in plan.measures.iter().enumerate() {
        let person = m.person.as_ref().map(|p| p.as_str());
        let hash = person.map(|p| tx.data().id_hash(p));
        let sealed = tx.data().seal_opt("plan_measures.person_id_number", person);
        tx.execute(
            q("INSERT INTO plan_measures (plan_id, position, person_hash, person_id_number, kind, reason)
               VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(plan_id)
            .bind(i as i64)
            .bind(hash)
            .bind(sealed)
            .bind(m.kind.code())
            .bind(m.reason.trim()),
        )
        .await?;
    }
    Ok(())
}
