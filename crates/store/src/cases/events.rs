//! Events applied to a case: the domain decides, the store writes the new
//! snapshot, the event row and the audit row in one transaction, and a
//! stale version changes nothing.

use super::{
    CASE_COLS, CaseRow, PolicySource, StoredCase, check_reads_cases, get_case, policy_at,
    retry_on_race, to_json,
};
use crate::StoreError;
use crate::audit::{self, Change};
use crate::db::{Pool, Tx, q};
use crate::users::Actor;
use chrono::{DateTime, Utc};
use dixian_domain::case::{Transition, deadline};
use dixian_domain::{Case, CaseEvent, CaseStage, RegionCode, Role, Scope, WorkflowPolicy, apply};
use serde::Serialize;
use serde_json::json;

/// Who acts, as recorded with an event: a user, or a resident's
/// declaration received on the village's behalf.
#[derive(Debug, Clone)]
pub(crate) struct Acting {
    /// The user; `None` for a resident or the operator.
    pub user_id: Option<i64>,
    /// Role code stored with the event; `public` for a resident.
    pub role: &'static str,
    /// The scope the domain checks.
    pub scope: Scope,
}

impl Acting {
    pub(crate) fn of(actor: &Actor) -> Acting {
        Acting {
            user_id: actor.user_id,
            role: actor.scope.role.code(),
            scope: actor.scope.clone(),
        }
    }

    /// A resident's declaration: the village receives it, so the domain
    /// sees the village's own scope.
    pub(crate) fn public(village: &RegionCode) -> Acting {
        Acting {
            user_id: None,
            role: "public",
            scope: Scope {
                role: Role::VillageCadre,
                region: village.clone(),
            },
        }
    }
}

/// One recorded event of a case.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StoredEvent {
    /// Position in the case's log, from 1.
    pub seq: i64,
    /// The event as recorded.
    pub event: CaseEvent,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (user id); `None` for a resident's declaration.
    pub user_id: Option<i64>,
    /// The user's display name.
    pub user_name: Option<String>,
    /// Role code, or `public`.
    pub role: String,
    /// Stage before.
    pub from_stage: CaseStage,
    /// Stage after.
    pub to_stage: CaseStage,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    seq: i64,
    event: String,
    at: DateTime<Utc>,
    actor_user_id: Option<i64>,
    user_name: Option<String>,
    actor_role: String,
    from_stage: String,
    to_stage: String,
}

fn stage(code: &str) -> Result<CaseStage, StoreError> {
    CaseStage::parse(code)
        .ok_or_else(|| StoreError::Invalid(format!("stored stage has unknown code {code}")))
}

impl EventRow {
    fn into_event(self, case_id: i64) -> Result<StoredEvent, StoreError> {
        let event = serde_json::from_str(&self.event).map_err(|e| {
            StoreError::Invalid(format!(
                "stored event {} of case {case_id} cannot be read (column {}) (案件事件无法读取)",
                self.seq,
                e.column()
            ))
        })?;
        Ok(StoredEvent {
            seq: self.seq,
            event,
            at: self.at,
            user_id: self.actor_user_id,
            user_name: self.user_name,
            role: self.actor_role,
            from_stage: stage(&self.from_stage)?,
            to_stage: stage(&self.to_stage)?,
        })
    }
}

/// The events of a case in the actor's scope, in order.
pub async fn events(
    pool: &Pool,
    actor: &Actor,
    case_id: i64,
) -> Result<Vec<StoredEvent>, StoreError> {
    get_case(pool, actor, case_id).await?;
    let rows: Vec<EventRow> = pool
        .all(
            q("SELECT e.seq, e.event, e.at, e.actor_user_id, u.display_name AS user_name, e.actor_role, e.from_stage, e.to_stage
               FROM case_events e LEFT JOIN users u ON u.id = e.actor_user_id
               WHERE e.case_id = $1 ORDER BY e.seq")
            .bind(case_id),
        )
        .await?;
    rows.into_iter().map(|r| r.into_event(case_id)).collect()
}

/// Applies `event` by `actor` to case `case_id` if `expected_version` is
/// current, under the policy in force for the case's village today.
/// Returns the case as stored after the event. A refusal of the workflow
/// is [`StoreError::Refused`] with the domain's [`CaseError`](dixian_domain::CaseError); nothing is written.
pub async fn apply_event(
    pool: &Pool,
    actor: &Actor,
    case_id: i64,
    expected_version: i64,
    event: &CaseEvent,
    now: DateTime<Utc>,
    policies: &dyn PolicySource,
) -> Result<StoredCase, StoreError> {
    apply_event_then(
        pool,
        actor,
        case_id,
        expected_version,
        event,
        now,
        policies,
        &|_, _| None,
    )
    .await
}

/// What happens to a case's assistance plan when an event moves the case
/// from one stage to another: decided by the caller (the application
/// knows the catalogue that drafts a plan), written by the store in the
/// event's own transaction — a case is never monitored without its draft
/// plan, nor eliminated with its plan still open, because a second
/// transaction failed.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanFollowUp {
    /// Propose this draft (or reopen a closed plan as it):
    /// [`crate::assistance::propose_plan`].
    Propose(dixian_domain::assistance::AssistancePlan),
    /// Close the open plan on this day: [`crate::assistance::close_plan`].
    Close(chrono::NaiveDate),
}

/// [`apply_event`], then the plan's follow-up that `follow` gives for the
/// stages before and after the event, in the same transaction.
#[allow(clippy::too_many_arguments)]
pub async fn apply_event_then(
    pool: &Pool,
    actor: &Actor,
    case_id: i64,
    expected_version: i64,
    event: &CaseEvent,
    now: DateTime<Utc>,
    policies: &dyn PolicySource,
    follow: &(dyn Fn(CaseStage, CaseStage) -> Option<PlanFollowUp> + Sync),
) -> Result<StoredCase, StoreError> {
    check_reads_cases(actor)?;
    let (lo, hi) = actor.scope.region.padded_range();
    let (lo, hi) = (&lo, &hi);
    retry_on_race(|| async move {
        let mut tx = pool.begin().await?;
        let row: CaseRow = tx
            .opt(
                q(format!(
                    "SELECT {CASE_COLS} FROM cases c WHERE c.id = $1 AND c.village_code BETWEEN $2 AND $3"
                ))
                .bind(case_id)
                .bind(lo.as_str())
                .bind(hi.as_str()),
            )
            .await?
            .ok_or(StoreError::NotFound)?;
        let stored = row.into_stored()?;
        if stored.version != expected_version {
            return Err(StoreError::Conflict {
                current: stored.version,
            });
        }
        let acting = Acting::of(actor);
        let after = record_event(&mut tx, &acting, &stored, event, now, policies).await?;
        match follow(stored.case.stage, after.case.stage) {
            Some(PlanFollowUp::Propose(plan)) => {
                crate::assistance::plans::propose_plan_in(&mut tx, actor, case_id, &plan, now)
                    .await?;
            }
            Some(PlanFollowUp::Close(ends_on)) => {
                crate::assistance::plans::close_plan_in(&mut tx, actor, case_id, ends_on, now)
                    .await?;
            }
            None => {}
        }
        tx.commit().await?;
        Ok(after)
    })
    .await
}

/// Applies and writes one event inside `tx`: snapshot and indexed copies,
/// the event row (with role, region and policy, for replay), the
/// household's category on approval, and the audit rows.
pub(crate) async fn record_event(
    tx: &mut Tx,
    acting: &Acting,
    stored: &StoredCase,
    event: &CaseEvent,
    now: DateTime<Utc>,
    policies: &dyn PolicySource,
) -> Result<StoredCase, StoreError> {
    let policy = policy_at(policies, &stored.case.village, now)?;
    let t = apply(&stored.case, event, &acting.scope, now, &policy).map_err(StoreError::from)?;
    let snapshot = to_json(&t.case)?;
    let due = deadline(&t.case, &policy);
    let n = tx
        .execute(
            q(
                "UPDATE cases SET stage = $1, snapshot = $2, stage_entered_at = $3, due_on = $4,
               version = version + 1, updated_at = $5 WHERE id = $6 AND version = $7",
            )
            .bind(t.case.stage.code())
            .bind(snapshot.as_str())
            .bind(t.case.stage_entered_at)
            .bind(due)
            .bind(now)
            .bind(stored.id)
            .bind(stored.version),
        )
        .await?;
    if n == 0 {
        let (current,): (i64,) = tx
            .one(q("SELECT version FROM cases WHERE id = $1").bind(stored.id))
            .await?;
        return Err(StoreError::Conflict { current });
    }
    insert_event(tx, acting, stored.id, event, &policy, &t, now).await?;
    let mut changes = vec![Change {
        user_id: acting.user_id,
        action: event.kind().code(),
        entity: "case",
        entity_id: stored.id.to_string(),
        region: Some(stored.case.village.to_string()),
        before: audit::snapshot(&stored.case),
        after: Some(snapshot),
    }];
    changes.extend(sync_category(tx, acting, stored.household_id, &t, now).await?);
    audit::record(tx, &changes).await?;
    Ok(StoredCase {
        case: t.case,
        version: stored.version + 1,
        due_on: due,
        updated_at: now,
        ..stored.clone()
    })
}

async fn insert_event(
    tx: &mut Tx,
    acting: &Acting,
    case_id: i64,
    event: &CaseEvent,
    policy: &WorkflowPolicy,
    t: &Transition,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (seq,): (i64,) = tx
        .one(
            q("SELECT CAST(COALESCE(MAX(seq), 0) + 1 AS BIGINT) FROM case_events WHERE case_id = $1")
                .bind(case_id),
        )
        .await?;
    tx.execute(
        q("INSERT INTO case_events (case_id, seq, kind, event, actor_user_id, actor_role, actor_region, policy, at, from_stage, to_stage)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
        .bind(case_id)
        .bind(seq)
        .bind(event.kind().code())
        .bind(to_json(event)?)
        .bind(acting.user_id)
        .bind(acting.role)
        .bind(acting.scope.region.as_str())
        .bind(to_json(policy)?)
        .bind(now)
        .bind(t.from.code())
        .bind(t.to.code()),
    )
    .await?;
    Ok(())
}

/// A county approval makes the household a monitored object of the
/// approved category (防止返贫致贫对象): the registry's `category` follows,
/// with its own version and audit row. Elimination keeps the category:
/// the household stays watched (先跟踪再脱钩).
async fn sync_category(
    tx: &mut Tx,
    acting: &Acting,
    household_id: i64,
    t: &Transition,
    now: DateTime<Utc>,
) -> Result<Option<Change>, StoreError> {
    let approved = t.from == CaseStage::CountyApproval && t.to == CaseStage::Monitored;
    let Some(category) = t.case.category.filter(|_| approved) else {
        return Ok(None);
    };
    let (old,): (Option<String>,) = tx
        .one(q("SELECT category FROM households WHERE id = $1").bind(household_id))
        .await?;
    if old.as_deref() == Some(category.code()) {
        return Ok(None);
    }
    tx.execute(
        q("UPDATE households SET category = $1, version = version + 1, updated_at = $2 WHERE id = $3")
            .bind(category.code())
            .bind(now)
            .bind(household_id),
    )
    .await?;
    Ok(Some(Change {
        user_id: acting.user_id,
        action: "case_approval",
        entity: "household",
        entity_id: household_id.to_string(),
        region: Some(t.case.village.to_string()),
        before: Some(json!({ "category": old }).to_string()),
        after: Some(json!({ "category": category.code() }).to_string()),
    }))
}

/// Inserts a newly opened case inside `tx`, with its audit row.
pub(crate) async fn insert_case(
    tx: &mut Tx,
    acting: &Acting,
    household_id: i64,
    case: &Case,
    policy: &WorkflowPolicy,
    now: DateTime<Utc>,
) -> Result<StoredCase, StoreError> {
    let snapshot = to_json(case)?;
    let due = deadline(case, policy);
    let (id,): (i64,) = tx
        .one(
            q("INSERT INTO cases (household_id, village_code, stage, snapshot, opened_at, stage_entered_at, due_on, version, created_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9) RETURNING id")
            .bind(household_id)
            .bind(case.village.as_str())
            .bind(case.stage.code())
            .bind(snapshot.as_str())
            .bind(case.lead.opened_at)
            .bind(case.stage_entered_at)
            .bind(due)
            .bind(now)
            .bind(now),
        )
        .await?;
    audit::record(
        tx,
        &[Change {
            user_id: acting.user_id,
            action: "open",
            entity: "case",
            entity_id: id.to_string(),
            region: Some(case.village.to_string()),
            before: None,
            after: Some(snapshot),
        }],
    )
    .await?;
    Ok(StoredCase {
        id,
        household_id,
        version: 1,
        case: case.clone(),
        due_on: due,
        created_at: now,
        updated_at: now,
    })
}
