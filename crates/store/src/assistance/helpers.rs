//! 帮扶责任人: the roster of a county, with each helper's workload (the
//! households whose plan, not closed, names them) and those of the
//! households the reader may see.

use super::{county_of, invalid};
use crate::audit::{self, Change};
use crate::db::{Pool, q};
use crate::users::Actor;
use crate::{Refusal, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::RegionLevel;
use dixian_domain::assistance::{PlanStatus, ResponsiblePerson};
use serde::Serialize;

/// Longest name, in characters.
const MAX_NAME: usize = 50;
/// Longest unit, in characters.
const MAX_UNIT: usize = 100;

/// A helper of the roster, with the households they hold.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StoredHelper {
    /// Id (what a plan names).
    pub id: i64,
    /// Version.
    pub version: i64,
    /// The county whose roster it is.
    pub county_code: String,
    /// Name, unit, phone (personal data: mask before showing).
    pub helper: ResponsiblePerson,
    /// Households whose plan (draft or active) names the helper: the
    /// workload, over the whole county.
    pub households: i64,
    /// Those households that lie in the reader's scope, by village and
    /// number (a closed plan is not held).
    pub held: Vec<HeldHousehold>,
}

/// A household a helper holds: its plan, not closed, names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct HeldHousehold {
    /// The household's id (link to it).
    pub household_id: i64,
    /// Its village.
    pub village_code: String,
    /// Its number.
    pub number: String,
    /// The head's name (personal data: the application masks it by role).
    pub head_name: String,
    /// The plan's status (draft or active).
    pub status: PlanStatus,
    /// The plan's next review.
    pub review_on: NaiveDate,
}

#[derive(sqlx::FromRow)]
struct HeldRow {
    helper_id: i64,
    household_id: i64,
    village_code: String,
    number: String,
    head_name: String,
    #[sqlx(try_from = "crate::codes::Stored<PlanStatus>")]
    status: PlanStatus,
    review_on: NaiveDate,
}

fn check(p: &ResponsiblePerson) -> Result<(), StoreError> {
    let name = p.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(invalid(
            "name",
            format!("give the helper's name, at most {MAX_NAME} characters (请填写姓名)"),
        ));
    }
    let unit = p.unit.trim();
    if unit.is_empty() || unit.chars().count() > MAX_UNIT {
        return Err(invalid(
            "unit",
            format!("give the helper's unit, at most {MAX_UNIT} characters (请填写工作单位)"),
        ));
    }
    let phone = p.phone.trim();
    if phone.is_empty()
        || phone.len() > 20
        || !phone.bytes().all(|b| b.is_ascii_digit() || b == b'-')
    {
        return Err(StoreError::Refused(Refusal::InvalidPhone));
    }
    Ok(())
}

/// Adds a helper to the roster of the actor's county; returns the id.
pub async fn create_helper(
    pool: &Pool,
    actor: &Actor,
    p: &ResponsiblePerson,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    if !actor.scope.role.manages_helpers() {
        return Err(StoreError::Forbidden);
    }
    if actor.scope.region.level() < RegionLevel::County {
        return Err(StoreError::Forbidden);
    }
    check(p)?;
    let county = county_of(actor);
    let mut tx = pool.begin().await?;
    let sealed = tx.data().seal("helpers.phone", p.phone.trim());
    let (id,): (i64,) = tx
        .one(
            q("INSERT INTO helpers (county_code, name, unit, phone, version, created_by, created_at)
               VALUES ($1, $2, $3, $4, 1, $5, $6) RETURNING id")
            .bind(county.as_str())
            .bind(p.name.trim())
            .bind(p.unit.trim())
            .bind(sealed)
            .bind(actor.user_id)
            .bind(now),
        )
        .await?;
    let after = serde_json::json!({"county": county.as_str(), "unit": p.unit.trim()});
    audit::record(
        &mut tx,
        &[Change {
            user_id: actor.user_id,
            action: "create",
            entity: "helper",
            entity_id: id.to_string(),
            region: Some(county.to_string()),
            before: None,
            after: Some(after.to_string()),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct HelperRow {
    id: i64,
    version: i64,
    county_code: String,
    name: String,
    unit: String,
    phone: String,
    households: i64,
}

/// The roster of the actor's county (of the counties inside a region above
/// a county), by name, each with their workload.
pub async fn list_helpers(pool: &Pool, actor: &Actor) -> Result<Vec<StoredHelper>, StoreError> {
    if !actor.scope.role.reads_households() {
        return Err(StoreError::Forbidden);
    }
    let county = county_of(actor);
    let (lo, hi) = county.padded_range();
    let rows: Vec<HelperRow> = pool
        .all(
            q("SELECT h.id, h.version, h.county_code, h.name, h.unit, h.phone,
               (SELECT COUNT(*) FROM plans p WHERE p.helper_id = h.id AND p.status <> $3) AS households
               FROM helpers h WHERE h.county_code BETWEEN $1 AND $2 ORDER BY h.name, h.id")
            .bind(&lo[..6])
            .bind(&hi[..6])
            .bind(PlanStatus::Closed.code()),
        )
        .await?;
    // The households held, inside the reader's scope only.
    let (slo, shi) = actor.scope.region.padded_range();
    let held: Vec<HeldRow> = pool
        .all(
            q("SELECT p.helper_id, h.id AS household_id, h.village_code, h.number, h.head_name, p.status, p.review_on
               FROM plans p JOIN households h ON h.id = p.household_id
               WHERE p.helper_id IS NOT NULL AND p.status <> $1 AND h.village_code BETWEEN $2 AND $3
               ORDER BY h.village_code, h.number, h.id")
            .bind(PlanStatus::Closed.code())
            .bind(slo)
            .bind(shi),
        )
        .await?;
    let mut by_helper: std::collections::HashMap<i64, Vec<HeldHousehold>> =
        std::collections::HashMap::new();
    for r in held {
        by_helper
            .entry(r.helper_id)
            .or_default()
            .push(HeldHousehold {
                household_id: r.household_id,
                village_code: r.village_code,
                number: r.number,
                head_name: r.head_name,
                status: r.status,
                review_on: r.review_on,
            });
    }
    rows.into_iter()
        .map(|r| {
            Ok(StoredHelper {
                held: by_helper.remove(&r.id).unwrap_or_default(),
                id: r.id,
                version: r.version,
                county_code: r.county_code,
                helper: ResponsiblePerson {
                    name: r.name,
                    unit: r.unit,
                    phone: pool.data().open("helpers.phone", &r.phone)?,
                },
                households: r.households,
            })
        })
        .collect()
}
