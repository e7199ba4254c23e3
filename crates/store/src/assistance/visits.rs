//! 跟踪回访 as data: income by source over a period, 两不愁三保障, and the
//! state and effect of each measure seen; a measure's status follows what
//! the visit saw.

use super::{household_read, household_write, invalid};
use crate::StoreError;
use crate::audit::{self, Change};
use crate::db::{Pool, q};
use crate::users::Actor;
use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::assistance::{
    BasicNeeds, FollowUpVisit, IncomeBySource, MeasureCheck, MeasureEffect, MeasureStatus,
};
use serde::Serialize;
use std::collections::HashMap;

/// Longest note, in characters.
const MAX_NOTE: usize = 2000;
/// Most measures one visit checks.
const MAX_CHECKS: usize = 200;

/// A visit as stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StoredVisit {
    /// Id.
    pub id: i64,
    /// The household.
    pub household_id: i64,
    /// The visit.
    pub visit: FollowUpVisit,
    /// Recorded.
    pub created_at: DateTime<Utc>,
}

fn check(v: &FollowUpVisit) -> Result<(), StoreError> {
    if v.period_to < v.period_from {
        return Err(invalid(
            "period_to",
            "the period ends before it starts (统计期结束早于开始)",
        ));
    }
    if v.period_to > v.visited_on {
        return Err(invalid(
            "period_to",
            "the income period ends after the visit (统计期晚于回访日期)",
        ));
    }
    let i = &v.income;
    for (field, value) in [
        ("income.wage_fen", i.wage_fen),
        ("income.business_fen", i.business_fen),
        ("income.property_fen", i.property_fen),
        ("income.transfer_fen", i.transfer_fen),
    ] {
        if value < 0 {
            return Err(invalid(
                field,
                "an income must not be negative (收入不能为负数)",
            ));
        }
    }
    if v.persons == 0 {
        return Err(invalid(
            "persons",
            "at least one person lives on the income (家庭人口至少为1)",
        ));
    }
    if v.note.chars().count() > MAX_NOTE {
        return Err(invalid(
            "note",
            format!("at most {MAX_NOTE} characters (备注过长)"),
        ));
    }
    if v.measures.len() > MAX_CHECKS {
        return Err(invalid(
            "measures",
            format!("at most {MAX_CHECKS} measures per visit (措施过多)"),
        ));
    }
    Ok(())
}

/// Records a follow-up visit of the household; every measure checked must
/// be one of the household's, and a measure whose status the visit saw
/// changed takes it (its version moves on). Returns the visit's id.
pub async fn record_visit(
    pool: &Pool,
    actor: &Actor,
    household_id: i64,
    v: &FollowUpVisit,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    if !actor.scope.role.edits_assistance() {
        return Err(StoreError::Forbidden);
    }
    check(v)?;
    let mut tx = pool.begin().await?;
    let h = household_write(&mut tx, actor, household_id).await?;
    let mut current: HashMap<i64, MeasureStatus> = HashMap::new();
    for (i, c) in v.measures.iter().enumerate() {
        let row: Option<(String,)> = tx
            .opt(
                q(
                    "SELECT status FROM measures WHERE id = $1 AND (household_id = $2
                   OR person_hash IN (SELECT id_hash FROM members WHERE household_id = $2))",
                )
                .bind(c.measure)
                .bind(household_id),
            )
            .await?;
        let Some((status,)) = row else {
            return Err(invalid(
                format!("measures[{i}].measure"),
                "not a measure of this household (不是该户的措施)",
            ));
        };
        let status =
            MeasureStatus::try_from(status).map_err(|e| StoreError::Integrity(e.to_string()))?;
        if current.insert(c.measure, status).is_some() {
            return Err(invalid(
                format!("measures[{i}].measure"),
                "the measure is checked twice (同一措施重复)",
            ));
        }
    }
    let n = &v.needs;
    let i = &v.income;
    let (id,): (i64,) = tx
        .one(
            q("INSERT INTO visits (household_id, village_code, visited_on, period_from, period_to, income_wage_fen,
               income_business_fen, income_property_fen, income_transfer_fen, persons, food, clothing, schooling,
               medical, housing, water, note, created_by, created_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id")
            .bind(household_id)
            .bind(h.village_code.as_str())
            .bind(v.visited_on)
            .bind(v.period_from)
            .bind(v.period_to)
            .bind(i.wage_fen)
            .bind(i.business_fen)
            .bind(i.property_fen)
            .bind(i.transfer_fen)
            .bind(i64::from(v.persons))
            .bind(n.food)
            .bind(n.clothing)
            .bind(n.schooling)
            .bind(n.medical)
            .bind(n.housing)
            .bind(n.water)
            .bind(v.note.trim())
            .bind(actor.user_id)
            .bind(now),
        )
        .await?;
    for c in &v.measures {
        tx.execute(
            q("INSERT INTO visit_measures (visit_id, measure_id, status, effect) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(c.measure)
                .bind(c.status.code())
                .bind(c.effect.code()),
        )
        .await?;
        if current.get(&c.measure) != Some(&c.status) {
            tx.execute(
                q("UPDATE measures SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3")
                    .bind(c.status.code())
                    .bind(now)
                    .bind(c.measure),
            )
            .await?;
        }
    }
    let checks: Vec<_> = v
        .measures
        .iter()
        .map(|c| serde_json::json!({"measure": c.measure, "status": c.status.code(), "effect": c.effect.code()}))
        .collect();
    let after = serde_json::json!({"household": household_id, "visited_on": v.visited_on,
        "period": [v.period_from, v.period_to], "income_total_fen": i.total_fen(), "persons": v.persons,
        "all_secure": n.all_secure(), "measures": checks});
    audit::record(
        &mut tx,
        &[Change {
            user_id: actor.user_id,
            action: "create",
            entity: "visit",
            entity_id: id.to_string(),
            region: Some(h.village_code),
            before: None,
            after: Some(after.to_string()),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct VisitRow {
    id: i64,
    visited_on: NaiveDate,
    period_from: NaiveDate,
    period_to: NaiveDate,
    income_wage_fen: i64,
    income_business_fen: i64,
    income_property_fen: i64,
    income_transfer_fen: i64,
    persons: i64,
    food: bool,
    clothing: bool,
    schooling: bool,
    medical: bool,
    housing: bool,
    water: bool,
    note: String,
    created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct CheckRow {
    visit_id: i64,
    measure_id: i64,
    #[sqlx(try_from = "crate::codes::Stored<MeasureStatus>")]
    status: MeasureStatus,
    #[sqlx(try_from = "crate::codes::Stored<MeasureEffect>")]
    effect: MeasureEffect,
}

/// The household's visits, newest first. `NotFound` when it lies outside
/// the scope.
pub async fn list_visits(
    pool: &Pool,
    actor: &Actor,
    household_id: i64,
) -> Result<Vec<StoredVisit>, StoreError> {
    household_read(pool, actor, household_id).await?;
    let rows: Vec<VisitRow> = pool
        .all(
            q("SELECT id, visited_on, period_from, period_to, income_wage_fen, income_business_fen,
               income_property_fen, income_transfer_fen, persons, food, clothing, schooling, medical, housing,
               water, note, created_at FROM visits WHERE household_id = $1 ORDER BY visited_on DESC, id DESC")
            .bind(household_id),
        )
        .await?;
    let checks: Vec<CheckRow> = pool
        .all(
            q(
                "SELECT c.visit_id, c.measure_id, c.status, c.effect FROM visit_measures c
               JOIN visits v ON v.id = c.visit_id WHERE v.household_id = $1 ORDER BY c.id",
            )
            .bind(household_id),
        )
        .await?;
    let mut by_visit: HashMap<i64, Vec<MeasureCheck>> = HashMap::new();
    for c in checks {
        by_visit.entry(c.visit_id).or_default().push(MeasureCheck {
            measure: c.measure_id,
            status: c.status,
            effect: c.effect,
        });
    }
    rows.into_iter()
        .map(|r| {
            Ok(StoredVisit {
                id: r.id,
                household_id,
                visit: FollowUpVisit {
                    visited_on: r.visited_on,
                    period_from: r.period_from,
                    period_to: r.period_to,
                    income: IncomeBySource {
                        wage_fen: r.income_wage_fen,
                        business_fen: r.income_business_fen,
                        property_fen: r.income_property_fen,
                        transfer_fen: r.income_transfer_fen,
                    },
                    persons: u32::try_from(r.persons)
                        .map_err(|_| StoreError::Integrity("visits.persons out of range".into()))?,
                    needs: BasicNeeds {
                        food: r.food,
                        clothing: r.clothing,
                        schooling: r.schooling,
                        medical: r.medical,
                        housing: r.housing,
                        water: r.water,
                    },
                    measures: by_visit.remove(&r.id).unwrap_or_default(),
                    note: r.note,
                },
                created_at: r.created_at,
            })
        })
        .collect()
}
