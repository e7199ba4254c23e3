//! The households behind a figure (统计数字背后的农户): the rows a stock
//! figure of `store::stats` counts, listed page by page with the facts a
//! de-identified line shows (户编号, village, category, 三色码 inputs, the
//! case's risk types and stage, the head's name for masking). The
//! conditions here are the ones `stats::count_village` counts by, in SQL:
//! the count of a list equals the figure's number (docs/figures.md).
//!
//! Scope as the figures': a region above the actor's scope lists the
//! branch down to the scope; a region beside it is absent.

use crate::StoreError;
use crate::db::{Arg, Pool, q};
use crate::households::{effective_region, monitored_sql};
use crate::users::Actor;
use dixian_domain::{Category, RiskType};
use serde::{Deserialize, Serialize};

/// Which figure's households (the stock figures of docs/figures.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FigureKind {
    /// 监测户: a category and no case at `eliminated` (optionally of one
    /// category, or under one risk type of the current case).
    Monitored,
    /// 已消除风险户: a category and a case at `eliminated` (optionally of
    /// one category).
    Eliminated,
    /// 无帮扶措施户: monitored, no measure `ongoing`.
    WithoutMeasure,
}

impl FigureKind {
    /// Every kind.
    pub const ALL: &'static [FigureKind] = &[
        FigureKind::Monitored,
        FigureKind::Eliminated,
        FigureKind::WithoutMeasure,
    ];

    /// Stable code (the `figure` parameter).
    pub fn code(self) -> &'static str {
        match self {
            FigureKind::Monitored => "monitored",
            FigureKind::Eliminated => "eliminated",
            FigureKind::WithoutMeasure => "without_measure",
        }
    }

    /// Parses a stable code.
    pub fn parse(s: &str) -> Option<FigureKind> {
        FigureKind::ALL
            .iter()
            .copied()
            .find(|k| k.code() == s.trim())
    }
}

/// The figure a list counts: the kind and, for the breakdowns, the
/// category or the risk type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FigureSelector {
    /// Which figure.
    pub kind: FigureKind,
    /// Only this category (monitored, eliminated).
    pub category: Option<Category>,
    /// Only this risk type of the current case (monitored).
    pub risk: Option<RiskType>,
}

/// One household behind a figure, as read (not yet masked: the app layer
/// builds the shown line from it, `dixian_app::figure_households`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FigureHouseholdRow {
    /// Database id.
    pub id: i64,
    /// 户编号
    pub number: String,
    /// Village code.
    pub village_code: String,
    /// Village name.
    pub village_name: String,
    /// Head's name (the app layer masks it).
    pub head_name: String,
    /// Members.
    pub member_count: i64,
    /// Category code.
    pub category: Option<String>,
    /// Whether a warning of the household is open (三色码).
    pub open_warning: bool,
    /// Stage of the current (latest not rejected) case.
    pub case_stage: Option<String>,
    /// The current case's snapshot (JSON; its `risk_types` are read).
    pub case_snapshot: Option<String>,
}

/// The current case of household `h`: its latest case not rejected (the
/// case `stats::count_village` takes the risk types of).
const CURRENT_CASE: &str =
    "(SELECT MAX(cc.id) FROM cases cc WHERE cc.household_id = h.id AND cc.stage <> 'rejected')";

/// The WHERE clause of `sel` over households `h` in `lo..=hi`, with its
/// arguments.
fn condition(
    pool: &Pool,
    sel: &FigureSelector,
    lo: String,
    hi: String,
) -> Result<(String, Vec<Arg>), StoreError> {
    let mut args: Vec<Arg> = vec![lo.into(), hi.into()];
    let mut sql = String::from(" WHERE h.village_code BETWEEN $1 AND $2");
    let eliminated = format!(
        "(h.category IS NOT NULL AND EXISTS (SELECT 1 FROM cases ec WHERE ec.household_id = h.id AND ec.stage = '{}'))",
        dixian_domain::CaseStage::Eliminated.code()
    );
    match sel.kind {
        FigureKind::Monitored => sql.push_str(&format!(" AND {}", monitored_sql("h"))),
        FigureKind::Eliminated => sql.push_str(&format!(" AND {eliminated}")),
        FigureKind::WithoutMeasure => sql.push_str(&format!(
            " AND {} AND NOT EXISTS (SELECT 1 FROM measures ms WHERE ms.household_id = h.id AND ms.status = 'ongoing')",
            monitored_sql("h")
        )),
    }
    if let Some(c) = sel.category {
        if sel.kind == FigureKind::WithoutMeasure {
            return Err(StoreError::Invalid(
                "category: the households without a measure are not broken down by category (category：无帮扶措施户不按类别细分)".into(),
            ));
        }
        args.push(c.code().into());
        sql.push_str(&format!(" AND h.category = ${}", args.len()));
    }
    if let Some(r) = sel.risk {
        if sel.kind != FigureKind::Monitored {
            return Err(StoreError::Invalid(
                "risk: only the monitored households are counted by risk type (risk：仅监测户按风险类型统计)".into(),
            ));
        }
        args.push(r.code().into());
        let i = args.len();
        let has = if pool.is_postgres() {
            format!("(rc.snapshot::jsonb -> 'risk_types') @> jsonb_build_array(${i}::text)")
        } else {
            format!(
                "EXISTS (SELECT 1 FROM json_each(rc.snapshot, '$.risk_types') j WHERE j.value = ${i})"
            )
        };
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM cases rc WHERE rc.id = {CURRENT_CASE} AND {has})"
        ));
    }
    Ok((sql, args))
}

/// The households behind `sel` in `region` (any level) as far as the
/// actor's scope reaches: one page (`per_page` ≤ 200, in village and
/// number order) and the total. Every role that reads figures reads
/// these rows; what of them is shown is decided by the app layer.
pub async fn list(
    pool: &Pool,
    actor: &Actor,
    region: &str,
    sel: &FigureSelector,
    page: i64,
    per_page: i64,
) -> Result<(Vec<FigureHouseholdRow>, i64), StoreError> {
    let Some(region) = effective_region(actor, Some(region))? else {
        return Err(StoreError::NotFound);
    };
    let per_page = per_page.clamp(1, 200);
    let page = page.clamp(1, 1_000_000);
    let (lo, hi) = region.padded_range();
    let (cond, args) = condition(pool, sel, lo, hi)?;
    let count = args.iter().cloned().fold(
        q(format!("SELECT COUNT(*) FROM households h{cond}")),
        |qq, a| qq.bind(a),
    );
    let (total,): (i64,) = pool.one(count).await?;
    let sql = format!(
        "SELECT h.id, h.number, h.village_code, r.name AS village_name, h.head_name, h.member_count, h.category,
                EXISTS (SELECT 1 FROM warnings w WHERE w.household_id = h.id AND w.status = 'open') AS open_warning,
                (SELECT c.stage FROM cases c WHERE c.id = {CURRENT_CASE}) AS case_stage,
                (SELECT c.snapshot FROM cases c WHERE c.id = {CURRENT_CASE}) AS case_snapshot
           FROM households h JOIN regions r ON r.code = h.village_code{cond}
          ORDER BY h.village_code, h.number LIMIT {per_page} OFFSET {}",
        (page - 1) * per_page
    );
    let rows = args.into_iter().fold(q(sql), |qq, a| qq.bind(a));
    Ok((pool.all(rows).await?, total))
}
