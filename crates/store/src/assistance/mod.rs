//! 帮扶: the county's roster of helpers (帮扶责任人), one plan per household
//! and identification run (一户一策), the measures received (the assistance
//! chain, 救助链), department lists imported as batches, and follow-up
//! visits (跟踪回访) as data.
//!
//! Every function takes an [`Actor`]: reads and writes are filtered by its
//! region (out of scope reads as absent), every write records its audit
//! row in the same transaction, and records with a version refuse a stale
//! one ([`StoreError::Conflict`]). A person is referenced by the keyed hash
//! of their ID number (`person_hash`, the members' `id_hash`) beside the
//! number sealed with the data key: members are rewritten when their
//! household is edited, and a person's chain outlives a move. Whether a
//! measure suits the catalogue in force is the application layer's
//! question (`app::assistance`); the store keeps the rules it can check
//! alone (scope, role, membership, versions, status changes).

mod feed;
mod helpers;
mod lists;
mod measures;
pub(crate) mod plans;
mod visits;

pub use feed::FeedMeasure;
pub(crate) use feed::attach as attach_feed;
pub use helpers::{HeldHousehold, StoredHelper, create_helper, list_helpers};
pub use lists::{
    ListBatchOutcome, ListBatchSummary, ListFile, NewListMeasure, find_list_batch,
    load_measure_list, match_persons,
};
pub(crate) use measures::{MEASURE_COLS, MeasureRow};
pub use measures::{
    MeasureFilter, RegionMeasure, StoredMeasure, add_measure, chain, region_measures, stop_measure,
};
pub use plans::{
    PlanToFollow, StoredPlan, assign_helper, close_plan, get_plan, plans_to_follow, propose_plan,
    save_plan,
};
pub use visits::{StoredVisit, list_visits, record_visit};

use crate::db::{Pool, Tx, q};
use crate::users::Actor;
use crate::{Refusal, StoreError};
use dixian_domain::{IdNumber, RegionCode, RegionLevel};
use std::collections::HashSet;

/// A household the actor may see: its village and number.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct HouseholdRef {
    pub(crate) village_code: String,
    pub(crate) number: String,
}

const HOUSEHOLD_IN_SCOPE: &str =
    "SELECT village_code, number FROM households WHERE id = $1 AND village_code BETWEEN $2 AND $3";

/// The household `id` if it lies in the actor's scope, else `NotFound`.
pub(crate) async fn household_read(
    pool: &Pool,
    actor: &Actor,
    id: i64,
) -> Result<HouseholdRef, StoreError> {
    if !actor.scope.role.reads_households() {
        return Err(StoreError::Forbidden);
    }
    let (lo, hi) = actor.scope.region.padded_range();
    pool.opt(q(HOUSEHOLD_IN_SCOPE).bind(id).bind(lo).bind(hi))
        .await?
        .ok_or(StoreError::NotFound)
}

/// [`household_read`] inside a writing transaction.
pub(crate) async fn household_write(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
) -> Result<HouseholdRef, StoreError> {
    let (lo, hi) = actor.scope.region.padded_range();
    tx.opt(q(HOUSEHOLD_IN_SCOPE).bind(id).bind(lo).bind(hi))
        .await?
        .ok_or(StoreError::NotFound)
}

/// The keyed hashes of the household's members now.
pub(crate) async fn member_hashes(
    tx: &mut Tx,
    household_id: i64,
) -> Result<HashSet<String>, StoreError> {
    let rows: Vec<(Option<String>,)> = tx
        .all(q("SELECT id_hash FROM members WHERE household_id = $1").bind(household_id))
        .await?;
    Ok(rows.into_iter().filter_map(|(h,)| h).collect())
}

/// Checks that `person` (if any) belongs to the household whose members'
/// hashes are `members`; `field` names it in the refusal.
pub(crate) fn check_member(
    tx: &Tx,
    members: &HashSet<String>,
    person: Option<&IdNumber>,
    field: String,
) -> Result<(), StoreError> {
    match person {
        Some(p) if !members.contains(&tx.data().id_hash(p.as_str())) => {
            Err(invalid(field, NOT_A_MEMBER))
        }
        _ => Ok(()),
    }
}

/// Reason: a person who is not a member of the household.
pub(crate) const NOT_A_MEMBER: &str =
    "this person is not a member of the household (此人不是该户成员)";

/// A refusal naming `field`.
pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> StoreError {
    StoreError::Refused(Refusal::InvalidField {
        field: field.into(),
        reason: reason.into(),
    })
}

/// The county of the actor's region (the roster's), or the region itself
/// when it lies above a county.
pub(crate) fn county_of(actor: &Actor) -> RegionCode {
    actor
        .scope
        .region
        .ancestor(RegionLevel::County)
        .unwrap_or_else(|| actor.scope.region.clone())
}

/// Opens a sealed person column into an ID number.
pub(crate) fn open_person(
    pool_key: &crate::crypto::DataKey,
    column: &str,
    stored: Option<String>,
) -> Result<Option<IdNumber>, StoreError> {
    pool_key
        .open_opt(column, stored)?
        .map(|s| {
            s.parse::<IdNumber>().map_err(|_| {
                StoreError::Integrity(format!(
                    "{column}: a stored ID number is not valid (存储的身份证号无效)"
                ))
            })
        })
        .transpose()
}
