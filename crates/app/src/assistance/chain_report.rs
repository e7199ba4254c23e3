//! The chain report (一户(人)一条救助链) of a village, township or county:
//! for every household in scope with a measure on record or a monitored
//! case, the domain's [`chain_findings`] over its chain, one row per
//! person-measure with the findings that concern it, and one row per
//! finding about no measure at all (the household without any measure in
//! time, a member able to work without a development measure).
//!
//! The report is paged by household (at most [`MAX_PER_PAGE`] a page), so
//! a county's report never sits in memory whole; the total says how many
//! households it covers. ID numbers are masked (first 6, last 4).

use super::{CatalogueSource, in_force};
use crate::AppError;
use crate::views::mask_id;
use chrono::NaiveDate;
use dixian_domain::RegionCode;
use dixian_domain::assistance::{
    ChainRule, Department, Measure, MeasureKind, MeasureSource, MeasureStatus, chain_findings,
};
use dixian_store::chain_report::report_households;
use dixian_store::{Actor, Store, StoreError, assistance as store_assistance, households, regions};
use serde::Serialize;

/// Households on a page of the report, at most.
pub const MAX_PER_PAGE: i64 = 500;
/// Households on a page when the caller does not say.
pub const DEFAULT_PER_PAGE: i64 = 50;

/// What to report on.
#[derive(Debug, Clone)]
pub struct ChainReportQuery {
    /// The region (village, township, county …); a region above the scope
    /// reports on the scope.
    pub region: String,
    /// Only the rows with a finding of this rule; `None`: every row.
    pub rule: Option<ChainRule>,
    /// Only rows with a finding at all.
    pub findings_only: bool,
    /// Page of households, from 1.
    pub page: i64,
    /// Households per page (≤ [`MAX_PER_PAGE`]).
    pub per_page: i64,
}

/// One finding as the report shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportFinding {
    /// The rule (its code; 中文 and English labels are the rule's).
    pub rule: ChainRule,
    /// The evidence: the kinds, departments, sources and dates it rests on.
    pub why: String,
    /// The ids of the measures it rests on (empty for a missing measure).
    pub measures: Vec<i64>,
}

/// The measure of a row.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportMeasure {
    /// Its id.
    pub id: i64,
    /// Kind.
    pub kind: MeasureKind,
    /// Department or bank.
    pub department: Department,
    /// Amount in 分.
    pub amount_fen: Option<i64>,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: Option<NaiveDate>,
    /// Status.
    pub status: MeasureStatus,
    /// Where the record came from.
    pub source: MeasureSource,
    /// The document or payment it rests on.
    pub evidence: String,
}

/// One row: a person-measure, or a finding about a missing measure.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChainReportRow {
    /// The household's id.
    pub household_id: i64,
    /// Its village.
    pub village_code: String,
    /// Its number.
    pub household_number: String,
    /// The person's name (`None` for the household).
    pub person_name: Option<String>,
    /// The person's ID number, masked (`None` for the household).
    pub person_id: Option<String>,
    /// The measure (`None` for a missing one).
    pub measure: Option<ReportMeasure>,
    /// The findings that concern the row.
    pub findings: Vec<ReportFinding>,
}

/// Findings of one rule, on the page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RuleCount {
    /// The rule.
    pub rule: ChainRule,
    /// Findings of it among the page's households.
    pub findings: u64,
}

/// A page of the chain report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChainReport {
    /// The region reported on (narrowed to the scope).
    pub region: String,
    /// The day the checks were made for.
    pub today: NaiveDate,
    /// Households of the region with a measure or a monitored case.
    pub households_total: i64,
    /// Page, from 1.
    pub page: i64,
    /// Households per page.
    pub per_page: i64,
    /// Households of this page checked.
    pub households_checked: u64,
    /// Households of this page whose region has no catalogue in force
    /// (not checked).
    pub households_without_catalogue: u64,
    /// Findings per rule on this page.
    pub counts: Vec<RuleCount>,
    /// The rows (filtered by rule when asked).
    pub rows: Vec<ChainReportRow>,
}

impl ChainReport {
    /// Pages of households in all.
    pub fn pages(&self) -> i64 {
        ((self.households_total + self.per_page - 1) / self.per_page).max(1)
    }
}

/// The chain report of `q.region` on `today`.
pub async fn chain_report(
    store: &Store,
    actor: &Actor,
    source: &dyn CatalogueSource,
    q: &ChainReportQuery,
    today: NaiveDate,
) -> Result<ChainReport, AppError> {
    let pool = &store.pool;
    if !actor.scope.role.reads_households() {
        return Err(StoreError::Forbidden.into());
    }
    // An unreadable code reads as an unknown region.
    let code = RegionCode::parse(q.region.trim()).map_err(|_| StoreError::NotFound)?;
    let scope = &actor.scope.region;
    if !scope.contains(&code) && !code.contains(scope) {
        return Err(StoreError::NotFound.into());
    }
    regions::get(pool, &code)
        .await?
        .ok_or(StoreError::NotFound)?;
    let region = if scope.contains(&code) {
        code
    } else {
        scope.clone()
    };
    let per_page = q.per_page.clamp(1, MAX_PER_PAGE);
    let page = q.page.max(1);
    let (list, total) = report_households(pool, actor, &region, page, per_page).await?;
    let mut report = ChainReport {
        region: region.to_string(),
        today,
        households_total: total,
        page,
        per_page,
        households_checked: 0,
        households_without_catalogue: 0,
        counts: ChainRule::ALL
            .iter()
            .map(|&rule| RuleCount { rule, findings: 0 })
            .collect(),
        rows: Vec::new(),
    };
    for h in list {
        let stored = households::get(pool, actor, h.id).await?;
        let household = &stored.household;
        let Ok((catalogue, policy)) = in_force(source, &household.village, today) else {
            report.households_without_catalogue += 1;
            continue;
        };
        let chain = store_assistance::chain(pool, actor, h.id).await?;
        let measures: Vec<Measure> = chain.iter().map(|m| m.measure.clone()).collect();
        let findings = chain_findings(
            household,
            &measures,
            h.monitored_since,
            &catalogue,
            &policy,
            today,
        );
        report.households_checked += 1;
        for f in &findings {
            if let Some(c) = report.counts.iter_mut().find(|c| c.rule == f.rule) {
                c.findings += 1;
            }
        }
        let person = |id: Option<&dixian_domain::IdNumber>| match id {
            None => (None, None),
            Some(p) => (
                household
                    .members
                    .iter()
                    .find(|m| m.id_number == *p)
                    .map(|m| m.name.clone()),
                Some(mask_id(p.as_str())),
            ),
        };
        let shown = |f: &dixian_domain::assistance::ChainFinding| ReportFinding {
            rule: f.rule,
            why: f.why.clone(),
            measures: f
                .measures
                .iter()
                .filter_map(|&i| chain.get(i).map(|m| m.id))
                .collect(),
        };
        let mut rows = Vec::new();
        for (i, m) in chain.iter().enumerate() {
            let (person_name, person_id) = person(m.measure.person.as_ref());
            let x = &m.measure;
            rows.push(ChainReportRow {
                household_id: h.id,
                village_code: h.village_code.clone(),
                household_number: h.number.clone(),
                person_name,
                person_id,
                measure: Some(ReportMeasure {
                    id: m.id,
                    kind: x.kind,
                    department: x.department,
                    amount_fen: x.amount_fen,
                    starts_on: x.starts_on,
                    ends_on: x.ends_on,
                    status: x.status,
                    source: x.source,
                    evidence: x.evidence.clone(),
                }),
                findings: findings
                    .iter()
                    .filter(|f| f.measures.contains(&i))
                    .map(shown)
                    .collect(),
            });
        }
        for f in findings.iter().filter(|f| f.measures.is_empty()) {
            let (person_name, person_id) = person(f.person.as_ref());
            rows.push(ChainReportRow {
                household_id: h.id,
                village_code: h.village_code.clone(),
                household_number: h.number.clone(),
                person_name,
                person_id,
                measure: None,
                findings: vec![shown(f)],
            });
        }
        rows.retain(|r| {
            (!q.findings_only || !r.findings.is_empty())
                && q.rule
                    .is_none_or(|rule| r.findings.iter().any(|f| f.rule == rule))
        });
        report.rows.extend(rows);
    }
    Ok(report)
}
