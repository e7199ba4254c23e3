//! National figures through the roll-up (docs/scale.md): each province's
//! counters summed per county in its own database, read by the national
//! database as one `postgres_fdw` partition per province
//! (`dixian_store::rollup`), and summed here by the same function that
//! sums a region's figures ([`crate::figures::figures`]) — one definition
//! of each figure at every level. No personal data is read: the rows are
//! counts per county.
//!
//! Whoever runs the command on the national database reads it: that
//! database holds no household, so there is nothing to scope.

use crate::AppError;
use crate::figures::{AreaFigures, Figures, Period, figures};
use chrono::NaiveDate;
use dixian_domain::RegionCode;
use dixian_store::regions::{self, Region};
use dixian_store::{Store, rollup};
use serde::Serialize;

/// The nation's figures, or one province's with its counties.
#[derive(Debug, Clone, Serialize)]
pub struct NationalReport {
    /// The province read, or `None` for the nation.
    pub province: Option<String>,
    /// The provinces attached (two-digit codes).
    pub attached: Vec<String>,
    /// The period.
    pub period: Period,
    /// The day the stock figures are "now".
    pub today: NaiveDate,
    /// Sum over the areas.
    pub total: Figures,
    /// Per province (the nation) or per county (a province), as the
    /// national database's division table names them (the code where it
    /// has no name).
    pub areas: Vec<AreaFigures>,
}

/// The roll-up's figures for the period: per attached province, or per
/// county of `province`.
pub async fn report(
    store: &Store,
    province: Option<&RegionCode>,
    period: &Period,
    today: NaiveDate,
) -> Result<NationalReport, AppError> {
    let pool = &store.pool;
    let attached = rollup::provinces(pool).await?;
    let rows = rollup::read(pool, province, &period.from, &period.to).await?;
    let months = period.months();
    let mut codes: Vec<&str> = rows.iter().map(|r| r.area.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let mut areas = Vec::with_capacity(codes.len());
    for code in codes {
        let region = match RegionCode::parse(code) {
            Ok(c) => regions::get(pool, &c).await?,
            Err(_) => None,
        }
        .unwrap_or_else(|| Region {
            code: code.to_string(),
            level: if code.len() == 2 { 1 } else { 3 },
            name: code.to_string(),
            parent: None,
        });
        areas.push(AreaFigures {
            // The national database holds no key county list of its own.
            key_county: None,
            figures: figures(rows.iter().filter(|r| r.area == code), &months, today),
            region,
        });
    }
    Ok(NationalReport {
        province: province.map(|p| p.as_str()[..2].to_string()),
        attached,
        period: period.clone(),
        today,
        total: figures(rows.iter(), &months, today),
        areas,
    })
}
