//! The households the chain report (一户(人)一条救助链) looks at: every
//! household of a region inside the scope that has a measure on record or
//! a monitored case (monitored, or on its way to elimination), a page at a
//! time, with the day its monitoring began. The checks themselves are the
//! domain's (`chain_findings`); the chain of each household is read by
//! `assistance::chain`.

use crate::StoreError;
use crate::cases::parse_snapshot;
use crate::db::{Pool, q};
use crate::users::Actor;
use chrono::NaiveDate;
use dixian_domain::case::china_date;
use dixian_domain::{CaseStage, RegionCode};

/// One household of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportHousehold {
    /// Database id.
    pub id: i64,
    /// The village.
    pub village_code: String,
    /// The household's number.
    pub number: String,
    /// The day (China time) the household became monitored, if its case
    /// is monitored now (or in an elimination run).
    pub monitored_since: Option<NaiveDate>,
}

/// The stages of a monitored case (not eliminated, not before approval).
fn monitored_stages() -> String {
    [
        CaseStage::Monitored,
        CaseStage::EliminationDeliberation,
        CaseStage::EliminationNoticePending,
        CaseStage::EliminationNotice,
        CaseStage::EliminationTownshipReview,
        CaseStage::EliminationCountyApproval,
    ]
    .iter()
    .map(|s| format!("'{}'", s.code()))
    .collect::<Vec<_>>()
    .join(", ")
}

/// A page (`per_page` households, page from 1) of the households of
/// `region` (already narrowed to the actor's scope) with a measure or a
/// monitored case, by village and number; with their total.
pub async fn report_households(
    pool: &Pool,
    actor: &Actor,
    region: &RegionCode,
    page: i64,
    per_page: i64,
) -> Result<(Vec<ReportHousehold>, i64), StoreError> {
    if !actor.scope.role.reads_households() {
        return Err(StoreError::Forbidden);
    }
    if !actor.scope.region.contains(region) {
        return Err(StoreError::NotFound);
    }
    let (lo, hi) = region.padded_range();
    let stages = monitored_stages();
    let wh = format!(
        " FROM households h WHERE h.village_code BETWEEN $1 AND $2 AND (
           EXISTS (SELECT 1 FROM measures m WHERE m.household_id = h.id)
           OR EXISTS (SELECT 1 FROM cases c WHERE c.household_id = h.id AND c.stage IN ({stages})))"
    );
    let (total,): (i64,) = pool
        .one(
            q(format!("SELECT COUNT(*){wh}"))
                .bind(lo.as_str())
                .bind(hi.as_str()),
        )
        .await?;
    let per_page = per_page.clamp(1, 1000);
    let page = page.max(1);
    let rows: Vec<(i64, String, String)> = pool
        .all(
            q(format!(
                "SELECT h.id, h.village_code, h.number{wh} ORDER BY h.village_code, h.number LIMIT {per_page} OFFSET {}",
                (page - 1) * per_page
            ))
            .bind(lo.as_str())
            .bind(hi.as_str()),
        )
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, village_code, number) in rows {
        let monitored_since = since(pool, id, &stages).await?;
        out.push(ReportHousehold {
            id,
            village_code,
            number,
            monitored_since,
        });
    }
    Ok((out, total))
}

/// The day (China time) household `household_id` became monitored, if its
/// case is monitored now (or in an elimination run). The caller has read
/// the household in its scope.
pub async fn monitored_since(
    pool: &Pool,
    household_id: i64,
) -> Result<Option<NaiveDate>, StoreError> {
    since(pool, household_id, &monitored_stages()).await
}

async fn since(
    pool: &Pool,
    household_id: i64,
    stages: &str,
) -> Result<Option<NaiveDate>, StoreError> {
    let case: Option<(i64, String)> = pool
        .opt(
            q(format!(
                "SELECT c.id, c.snapshot FROM cases c WHERE c.household_id = $1 AND c.stage IN ({stages})
                 ORDER BY c.id DESC LIMIT 1"
            ))
            .bind(household_id),
        )
        .await?;
    Ok(match case {
        Some((cid, snapshot)) => parse_snapshot(cid, &snapshot)?
            .monitored_since
            .map(china_date),
        None => None,
    })
}
