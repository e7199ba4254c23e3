//! The plan proposed (一户一策) and confirmed from the pages: dixian drafts
//! the measures from the household's risk types and each member's labor
//! capacity and age ([`propose`]), the cadre adjusts it ([`adjust_plan`],
//! one measure more or less, or the whole plan through the API) and
//! confirms it — all through [`save_plan`](super::save_plan), so the same
//! checks hold.

use super::{CatalogueSource, in_force, may_edit, save_plan};
use crate::AppError;
use chrono::{DateTime, Days, NaiveDate, Utc};
use dixian_domain::assistance::{
    AssistancePlan, EffectReview, PlanStatus, PlannedMeasure, effect_review, propose,
};
use dixian_domain::{CaseStage, RiskType};
use dixian_store::{
    Actor, Refusal, Store, StoreError, assistance as store_assistance, cases, households,
};

/// The plan dixian proposes for household `household_id` today, not
/// saved: the measures `propose` gives for the risk types of its case and
/// each member's labor capacity and age (a development measure for a
/// member able to work, protection (兜底) when nobody is), starting today,
/// first review after the visit interval in force. Readers of the
/// household may see it; only the village cadre saves a plan. Refused
/// (`NoCase`) while the household has no open case (none, rejected, or
/// its risk eliminated), `NoRuleSet` without a catalogue in force.
pub async fn draft_plan(
    store: &Store,
    actor: &Actor,
    source: &dyn CatalogueSource,
    household_id: i64,
    now: DateTime<Utc>,
) -> Result<AssistancePlan, AppError> {
    let h = households::get(&store.pool, actor, household_id).await?;
    let has_case = cases::cases_of_household(&store.pool, actor, household_id)
        .await?
        .iter()
        .any(|c| !matches!(c.case.stage, CaseStage::Rejected | CaseStage::Eliminated));
    if !has_case {
        return Err(StoreError::Refused(Refusal::NoCase).into());
    }
    let today = dixian_domain::case::china_date(now);
    let (catalogue, policy) = in_force(source, &h.household.village, today)?;
    let risks = household_risks(store, actor, household_id).await?;
    let measures = propose(&h.household, &risks, &catalogue, today);
    Ok(AssistancePlan {
        household: h.household.number.clone(),
        status: PlanStatus::Draft,
        helper: None,
        starts_on: today,
        review_on: review_day(today, policy.visit_interval_days),
        measures,
    })
}

/// Drafts ([`draft_plan`]) and saves the plan of a household that has
/// none. Returns (plan id, version).
pub async fn propose_plan(
    store: &Store,
    actor: &Actor,
    source: &dyn CatalogueSource,
    household_id: i64,
    now: DateTime<Utc>,
) -> Result<(i64, i64), AppError> {
    households::get(&store.pool, actor, household_id).await?;
    may_edit(actor)?;
    if store_assistance::get_plan(&store.pool, actor, household_id)
        .await?
        .is_some()
    {
        return Err(StoreError::Refused(Refusal::InvalidField {
            field: "plan".into(),
            reason: "the household has a plan already (该户已有帮扶计划)".into(),
        })
        .into());
    }
    let plan = draft_plan(store, actor, source, household_id, now).await?;
    save_plan(store, actor, source, household_id, None, &plan, now).await
}

fn review_day(from: NaiveDate, days: u32) -> NaiveDate {
    from.checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(from)
}

/// Confirms the household's draft plan (status → active) at `version`;
/// returns the new version.
pub async fn confirm_plan(
    store: &Store,
    actor: &Actor,
    source: &dyn CatalogueSource,
    household_id: i64,
    version: i64,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    households::get(&store.pool, actor, household_id).await?;
    may_edit(actor)?;
    // No plan: the version sent is stale (the page showed one that is gone).
    let stored = store_assistance::get_plan(&store.pool, actor, household_id)
        .await?
        .ok_or(StoreError::Conflict { current: 0 })?;
    let mut plan = stored.plan;
    plan.status = PlanStatus::Active;
    let (_, v) = save_plan(
        store,
        actor,
        source,
        household_id,
        Some(version),
        &plan,
        now,
    )
    .await?;
    Ok(v)
}

/// One adjustment of a plan by the cadre (一户一策 is proposed, then
/// adjusted and confirmed): add a planned measure with the cadre's reason,
/// or drop one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanChange {
    /// A measure more, for a member (or the household), with why.
    Add {
        /// The member; `None` for the household as a whole.
        person: Option<dixian_domain::IdNumber>,
        /// The kind.
        kind: dixian_domain::assistance::MeasureKind,
        /// The cadre's reason (required, at most [`REASON_MAX`] characters).
        reason: String,
    },
    /// Drop the planned measure at this position (0-based, as listed).
    Remove {
        /// Its position in the plan.
        index: usize,
    },
}

/// The longest reason a cadre may give for a planned measure.
pub const REASON_MAX: usize = 200;

/// Adjusts the household's plan (draft or active) at `version`: the
/// changed plan goes through [`save_plan`], so an added kind is checked
/// against the catalogue in force and the person's eligibility like every
/// planned kind. Returns the new version.
pub async fn adjust_plan(
    store: &Store,
    actor: &Actor,
    source: &dyn CatalogueSource,
    household_id: i64,
    version: i64,
    change: PlanChange,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    households::get(&store.pool, actor, household_id).await?;
    may_edit(actor)?;
    let stored = store_assistance::get_plan(&store.pool, actor, household_id)
        .await?
        .ok_or(StoreError::Conflict { current: 0 })?;
    if stored.plan.status == PlanStatus::Closed {
        return Err(StoreError::Refused(Refusal::InvalidField {
            field: "plan".into(),
            reason: "a closed plan is not changed (帮扶计划已结束，不能调整)".into(),
        })
        .into());
    }
    let mut plan = stored.plan;
    match change {
        PlanChange::Add {
            person,
            kind,
            reason,
        } => {
            let reason = reason.trim().to_string();
            if reason.is_empty() || reason.chars().count() > REASON_MAX {
                return Err(StoreError::Refused(Refusal::InvalidField {
                    field: "reason".into(),
                    reason: format!(
                        "give the reason for the measure, at most {REASON_MAX} characters (请填写安排理由，不超过{REASON_MAX}字)"
                    ),
                })
                .into());
            }
            plan.measures.push(PlannedMeasure {
                person,
                kind,
                reason,
            });
        }
        PlanChange::Remove { index } => {
            if index >= plan.measures.len() {
                // The page listed a line that is no longer there.
                return Err(StoreError::Conflict {
                    current: stored.version,
                }
                .into());
            }
            plan.measures.remove(index);
        }
    }
    let (_, v) = save_plan(
        store,
        actor,
        source,
        household_id,
        Some(version),
        &plan,
        now,
    )
    .await?;
    Ok(v)
}

/// What the plan tab of a household card shows: the household (members
/// for names and the forms), its plan, chain, visits, the plan's helper
/// and whether the reader edits.
#[derive(Debug, Clone)]
pub struct HouseholdAssistance {
    /// The household.
    pub household: dixian_store::StoredHousehold,
    /// Its plan, if one was made.
    pub plan: Option<store_assistance::StoredPlan>,
    /// The plan's helper (from the county's roster).
    pub helper: Option<store_assistance::StoredHelper>,
    /// The county's roster (for the helper choice).
    pub roster: Vec<store_assistance::StoredHelper>,
    /// The chain: every measure, by person and first day.
    pub chain: Vec<store_assistance::StoredMeasure>,
    /// Follow-up visits, newest first.
    pub visits: Vec<store_assistance::StoredVisit>,
    /// The reader records plans, measures and visits (the village cadre).
    pub may_edit: bool,
    /// The household is monitored or in a case (a plan can be made).
    pub has_case: bool,
    /// The day it became monitored, while its case is monitored (the
    /// chain's "missing measure" rules count from it).
    pub monitored_since: Option<NaiveDate>,
}

/// The plan tab of household `household_id`, read in the actor's scope.
pub async fn household_assistance(
    store: &Store,
    actor: &Actor,
    household_id: i64,
) -> Result<HouseholdAssistance, AppError> {
    let pool = &store.pool;
    let household = households::get(pool, actor, household_id).await?;
    let plan = store_assistance::get_plan(pool, actor, household_id).await?;
    let roster = store_assistance::list_helpers(pool, actor).await?;
    let helper = plan
        .as_ref()
        .and_then(|p| p.plan.helper)
        .and_then(|id| roster.iter().find(|h| h.id == id).cloned());
    let chain = store_assistance::chain(pool, actor, household_id).await?;
    let visits = store_assistance::list_visits(pool, actor, household_id).await?;
    let monitored_since = dixian_store::chain_report::monitored_since(pool, household_id).await?;
    let has_case = match cases::cases_of_household(pool, actor, household_id).await {
        Ok(cs) => cs.iter().any(|c| c.case.stage != CaseStage::Rejected),
        Err(StoreError::Forbidden) => false,
        Err(e) => return Err(e.into()),
    };
    Ok(HouseholdAssistance {
        household,
        plan,
        helper,
        roster,
        chain,
        visits,
        may_edit: actor.scope.role.edits_assistance(),
        has_case,
        monitored_since,
    })
}

/// 救助链检查 of the household on `today`: the chain rules (exclusive
/// measures overlapping, one benefit from two sources, a measure missing
/// after identification, a member able to work without a development
/// measure, a loan past its term) over its stored chain, under the
/// catalogue in force for its village; none without a catalogue. The same
/// rules the chain report applies, shown on the plan tab and answered when
/// a measure is saved.
pub fn findings_of(
    a: &HouseholdAssistance,
    source: &dyn CatalogueSource,
    today: NaiveDate,
) -> Vec<super::ReportFinding> {
    let household = &a.household.household;
    let Some((catalogue, policy)) = source.catalogue_for(&household.village, today) else {
        return Vec::new();
    };
    let measures: Vec<dixian_domain::assistance::Measure> =
        a.chain.iter().map(|m| m.measure.clone()).collect();
    dixian_domain::assistance::chain_findings(
        household,
        &measures,
        a.monitored_since,
        &catalogue,
        &policy,
        today,
    )
    .into_iter()
    .map(|f| super::ReportFinding {
        rule: f.rule,
        why: f.why,
        measures: f
            .measures
            .iter()
            .filter_map(|&i| a.chain.get(i).map(|m| m.id))
            .collect(),
    })
    .collect()
}

/// 帮扶成效: the effect review of the household's plan under the rule set
/// in force on `today` — income per person before and after, development
/// measures without effect past the review period (to adjust), and
/// protection to stack when income stays below the line. `None` without a
/// plan or without a catalogue in force for the village.
pub fn effect_of(
    a: &HouseholdAssistance,
    source: &dyn CatalogueSource,
    book: &dixian_screen::RuleBook,
    today: NaiveDate,
) -> Option<EffectReview> {
    let plan = a.plan.as_ref()?;
    let village = &a.household.household.village;
    let (catalogue, policy) = source.catalogue_for(village, today)?;
    let line_fen = book.select(village, today)?.monitoring_line_fen;
    let measures: Vec<(i64, dixian_domain::assistance::Measure)> =
        a.chain.iter().map(|m| (m.id, m.measure.clone())).collect();
    let visits: Vec<dixian_domain::assistance::FollowUpVisit> =
        a.visits.iter().map(|v| v.visit.clone()).collect();
    Some(effect_review(
        &measures,
        &visits,
        &catalogue,
        &policy,
        line_fen,
        plan.plan.starts_on,
        today,
    ))
}

/// The effect review ([`effect_of`]) of household `household_id`'s plan on
/// the day of `now` (a closed plan: on the day it ended), with the plan;
/// `None` without a plan or without a catalogue in force. Read by every
/// role that reads the household.
pub async fn plan_effect(
    store: &Store,
    actor: &Actor,
    source: &dyn CatalogueSource,
    book: &dixian_screen::RuleBook,
    household_id: i64,
    now: DateTime<Utc>,
) -> Result<Option<(store_assistance::StoredPlan, EffectReview)>, AppError> {
    let a = household_assistance(store, actor, household_id).await?;
    let today = dixian_domain::case::china_date(now);
    let Some(plan) = a.plan.clone() else {
        return Ok(None);
    };
    let on = plan.ends_on.map_or(today, |end| end.min(today));
    Ok(effect_of(&a, source, book, on).map(|r| (plan, r)))
}

/// The risk types of the household's case (approved, else proposed, else
/// those of the lead); empty without a case.
pub async fn household_risks(
    store: &Store,
    actor: &Actor,
    household_id: i64,
) -> Result<Vec<RiskType>, AppError> {
    Ok(cases::cases_of_household(&store.pool, actor, household_id)
        .await?
        .into_iter()
        .rev()
        .find(|c| c.case.stage != CaseStage::Rejected)
        .map(|c| {
            if !c.case.risk_types.is_empty() {
                c.case.risk_types
            } else if !c.case.proposed_risk_types.is_empty() {
                c.case.proposed_risk_types
            } else {
                c.case.lead.risk_types
            }
        })
        .unwrap_or_default())
}
