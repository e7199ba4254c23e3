//! Assistance records written in bulk for a county that starts with its
//! roster, plans and measures already known (the demo, a county's
//! existing records): every record through the store's own calls (scope,
//! membership, versions, audit), as the county admin (the roster) and the
//! village cadres (plans, measures, visits) would.

use crate::AppError;
use chrono::{DateTime, Utc};
use dixian_domain::assistance::{AssistancePlan, FollowUpVisit, Measure, ResponsiblePerson};
use dixian_domain::{RegionCode, Role, Scope};
use dixian_store::assistance as store_assistance;
use dixian_store::db::q;
use dixian_store::{Actor, Store};
use std::collections::HashMap;

/// One household's assistance to write.
#[derive(Debug, Clone)]
pub struct SeedHousehold {
    /// 户编号 of a registered household with a case.
    pub number: String,
    /// Index of its helper in the roster given, if any.
    pub helper: Option<usize>,
    /// Its plan (its `helper` is replaced by the roster's id).
    pub plan: AssistancePlan,
    /// The measures received.
    pub measures: Vec<Measure>,
    /// Follow-up visits.
    pub visits: Vec<FollowUpVisit>,
}

/// What was written: helpers, plans, measures, visits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedCounts {
    /// Helpers added to the roster.
    pub helpers: usize,
    /// Plans saved.
    pub plans: usize,
    /// Measures recorded.
    pub measures: usize,
    /// Visits recorded.
    pub visits: usize,
}

/// Writes `helpers` to the roster of `county` and each household's plan
/// (with its helper), measures and visits.
pub async fn seed(
    store: &Store,
    county: &RegionCode,
    helpers: &[ResponsiblePerson],
    households: &[SeedHousehold],
    now: DateTime<Utc>,
) -> Result<SeedCounts, AppError> {
    let admin = Actor::operator(county.clone());
    let cadre = Actor {
        user_id: None,
        scope: Scope {
            role: Role::VillageCadre,
            region: county.clone(),
        },
    };
    let mut ids = Vec::with_capacity(helpers.len());
    for p in helpers {
        ids.push(store_assistance::create_helper(&store.pool, &admin, p, now).await?);
    }
    let (lo, hi) = county.padded_range();
    let rows: Vec<(i64, String)> = store
        .pool
        .all(
            q("SELECT id, number FROM households WHERE village_code BETWEEN $1 AND $2")
                .bind(lo)
                .bind(hi),
        )
        .await?;
    let by_number: HashMap<String, i64> = rows.into_iter().map(|(id, n)| (n, id)).collect();
    let mut counts = SeedCounts {
        helpers: ids.len(),
        plans: 0,
        measures: 0,
        visits: 0,
    };
    for h in households {
        let id = *by_number
            .get(&h.number)
            .ok_or(dixian_store::StoreError::NotFound)?;
        let plan = AssistancePlan {
            helper: h.helper.and_then(|i| ids.get(i).copied()),
            ..h.plan.clone()
        };
        store_assistance::save_plan(&store.pool, &cadre, id, None, &plan, now).await?;
        counts.plans += 1;
        for m in &h.measures {
            store_assistance::add_measure(&store.pool, &cadre, id, m, now).await?;
            counts.measures += 1;
        }
        for v in &h.visits {
            store_assistance::record_visit(&store.pool, &cadre, id, v, now).await?;
            counts.visits += 1;
        }
    }
    Ok(counts)
}
