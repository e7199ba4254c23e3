//! The households behind a figure's number (drill-down below a village's
//! figures): one use case for every role, decided here once.
//!
//! - **Who.** Every role that reads figures reads this list for its
//!   scope, the province/city viewer included: domain.md gives them
//!   "statistics … no personal data beyond need", and the households
//!   behind a number, de-identified, are the statistics' own rows.
//! - **What.** A line is de-identified for every reader: 户编号, village,
//!   category, 三色码, the current case's risk types and stage, the
//!   number of members and the head's name masked (`张*`). Never an ID
//!   number, a phone, a bank account or a health detail — the row read
//!   from the store holds none of them.
//! - **Further.** A line opens the household's card (which applies its
//!   own masking) only for a role that [`Role::reads_households`]; for a
//!   viewer the line is the end of the drill-down.

use crate::AppError;
use crate::views::mask_name;
use dixian_domain::{CaseStage, Category, RegionCode, RiskType, Role, StatusColour};
use dixian_store::figure_households::{self, FigureHouseholdRow, FigureKind, FigureSelector};
use dixian_store::regions::{self, Region};
use dixian_store::{Actor, Store, StoreError};
use serde::Serialize;

/// Lines per page.
pub const PER_PAGE: i64 = 50;

/// One household behind a figure, de-identified.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FigureHouseholdLine {
    /// Database id, for the card link — `None` for a role that does not
    /// read households (the line is the end of its drill-down).
    pub card: Option<i64>,
    /// 户编号
    pub number: String,
    /// Village code.
    pub village_code: String,
    /// Village name.
    pub village_name: String,
    /// Head's name, masked (`张*`).
    pub head: String,
    /// Members.
    pub member_count: i64,
    /// Category code (监测对象类别).
    pub category: Option<String>,
    /// 三色码.
    pub status: StatusColour,
    /// Risk types of the current case (codes).
    pub risk_types: Vec<String>,
    /// Stage of the current case (code), if any.
    pub case_stage: Option<String>,
}

impl FigureHouseholdLine {
    /// The line of `row` as `role` is shown it.
    pub fn of(row: FigureHouseholdRow, role: Role) -> FigureHouseholdLine {
        let stage = row.case_stage.as_deref().and_then(CaseStage::parse);
        let risk_types = row
            .case_snapshot
            .as_deref()
            .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
            .and_then(|v| v.get("risk_types").cloned())
            .and_then(|v| serde_json::from_value::<Vec<String>>(v).ok())
            .unwrap_or_default()
            .into_iter()
            .filter(|r| RiskType::parse(r).is_some())
            .collect();
        FigureHouseholdLine {
            card: role.reads_households().then_some(row.id),
            status: StatusColour::of(row.open_warning, stage, row.category.is_some()),
            number: row.number,
            village_code: row.village_code,
            village_name: row.village_name,
            head: mask_name(&row.head_name),
            member_count: row.member_count,
            category: row.category,
            risk_types,
            case_stage: stage.map(|s| s.code().to_string()),
        }
    }
}

/// The households behind one figure of a region.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FigureHouseholds {
    /// The region asked.
    pub region: Region,
    /// Province down to the region.
    pub chain: Vec<Region>,
    /// The figure (`monitored`, `eliminated`, `without_measure`).
    pub figure: FigureKind,
    /// The category asked, if any.
    pub category: Option<String>,
    /// The risk type asked, if any.
    pub risk: Option<String>,
    /// Households in all (the figure's number in the reader's scope).
    pub total: i64,
    /// This page, from 1.
    pub page: i64,
    /// Lines per page.
    pub per_page: i64,
    /// The page's lines.
    pub items: Vec<FigureHouseholdLine>,
}

/// A query value, blank as absent.
fn given(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

/// The figure a query names: `figure` (default `monitored`), `category`,
/// `risk` (codes, Chinese or English labels). A bad value is refused
/// naming its field.
pub fn selector(
    figure: Option<&str>,
    category: Option<&str>,
    risk: Option<&str>,
) -> Result<FigureSelector, AppError> {
    let kind = match given(figure) {
        None => FigureKind::Monitored,
        Some(f) => FigureKind::parse(f).ok_or_else(|| {
            StoreError::Invalid(
                "figure: expected monitored, eliminated or without_measure (figure：应为monitored、eliminated或without_measure)".into(),
            )
        })?,
    };
    let category = given(category)
        .map(|c| {
            Category::parse(c).ok_or_else(|| {
                StoreError::Invalid("category: unknown category (category：未知监测类别)".into())
            })
        })
        .transpose()?;
    let risk = given(risk)
        .map(|r| {
            RiskType::parse(r).ok_or_else(|| {
                StoreError::Invalid("risk: unknown risk type (risk：未知风险类型)".into())
            })
        })
        .transpose()?;
    Ok(FigureSelector {
        kind,
        category,
        risk,
    })
}

/// Page `page` of the households behind `sel` in region `code`, as far
/// as `actor`'s scope reaches (a region beside it: `NotFound`).
pub async fn households(
    store: &Store,
    actor: &Actor,
    code: &str,
    sel: &FigureSelector,
    page: i64,
) -> Result<FigureHouseholds, AppError> {
    let pool = &store.pool;
    let parsed =
        RegionCode::parse(code).map_err(|e| StoreError::Invalid(format!("region: {e}")))?;
    let region = regions::get(pool, &parsed)
        .await?
        .ok_or(StoreError::NotFound)?;
    let page = page.clamp(1, 1_000_000);
    let (rows, total) = figure_households::list(pool, actor, code, sel, page, PER_PAGE).await?;
    let role = actor.scope.role;
    Ok(FigureHouseholds {
        chain: regions::chain(pool, &parsed).await?,
        region,
        figure: sel.kind,
        category: sel.category.map(|c| c.code().to_string()),
        risk: sel.risk.map(|r| r.code().to_string()),
        total,
        page,
        per_page: PER_PAGE,
        items: rows
            .into_iter()
            .map(|r| FigureHouseholdLine::of(r, role))
            .collect(),
    })
}

/// The address of the list behind `sel` in region `code` (the figures'
/// pages link every stock number to it).
pub fn href(code: &str, sel: &FigureSelector) -> String {
    let mut s = format!("/figures/{code}/households?figure={}", sel.kind.code());
    if let Some(c) = sel.category {
        s.push_str(&format!("&category={}", c.code()));
    }
    if let Some(r) = sel.risk {
        s.push_str(&format!("&risk={}", r.code()));
    }
    s
}
