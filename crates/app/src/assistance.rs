//! 帮扶 use cases: the plan of a household (一户一策), the measures it
//! receives (the chain), follow-up visits, the county's roster of helpers,
//! and a department's or bank's measure list imported as one batch.
//!
//! Who may do what is decided here, for every channel: the village cadre
//! edits the assistance of their own village (plan, measures, visits);
//! township and county read it; the county keeps the roster of helpers;
//! county admins and data officers import lists for their county
//! ([`may_load_feeds`]). Scope (out of scope reads as absent), audit and
//! versions are the store's.
//!
//! Whether a measure suits the catalogue in force is checked by one
//! function, [`validate_measure`], that every path calls (a cadre's
//! measure, a plan's kinds, each row of an imported list). The catalogue
//! and the assistance numbers are parameters: the caller takes them from
//! the rule set in force for the household's region and the day.

mod chain_report;
mod list_file;
mod proposal;
pub mod seed;

pub use chain_report::{
    ChainReport, ChainReportQuery, ChainReportRow, DEFAULT_PER_PAGE, MAX_PER_PAGE, ReportFinding,
    ReportMeasure, RuleCount, chain_report,
};
pub use list_file::{LIST_COLUMNS, MeasureListFile, MeasureListReport, import_measure_list};
pub use proposal::{
    HouseholdAssistance, PlanChange, REASON_MAX, adjust_plan, confirm_plan, draft_plan, effect_of,
    findings_of, household_assistance, household_risks, plan_effect, propose_plan,
};

use crate::{AppError, may_load_feeds};
use chrono::{DateTime, Months, NaiveDate, Utc};
use dixian_domain::assistance::{
    AssistancePlan, AssistancePolicy, EligibilityTest, FollowUpVisit, Measure, MeasureCatalogue,
    MeasureProblem, MeasureStatus, ResponsiblePerson,
};
use dixian_domain::{Household, RegionCode};
use dixian_store::assistance::{
    self as store_assistance, MeasureFilter, RegionMeasure, StoredHelper, StoredMeasure,
    StoredPlan, StoredVisit,
};
use dixian_store::{Actor, Refusal, Store, StoreError, households};

/// Where the measure catalogue and the assistance numbers in force come
/// from: the rule set of the region (county, else province, else national)
/// on the day. The server and the CLI pass the rule book in force; tests a
/// fixed pair.
pub trait CatalogueSource: Sync {
    /// The catalogue and numbers in force for `region` on `on`, if a rule
    /// set declares them.
    fn catalogue_for(
        &self,
        region: &RegionCode,
        on: NaiveDate,
    ) -> Option<(MeasureCatalogue, AssistancePolicy)>;
}

/// One catalogue and one set of numbers for every region and day.
impl CatalogueSource for (MeasureCatalogue, AssistancePolicy) {
    fn catalogue_for(
        &self,
        _: &RegionCode,
        _: NaiveDate,
    ) -> Option<(MeasureCatalogue, AssistancePolicy)> {
        Some(self.clone())
    }
}

/// The catalogue in force for `region` on `on`, or the refusal that none is.
fn in_force(
    source: &dyn CatalogueSource,
    region: &RegionCode,
    on: NaiveDate,
) -> Result<(MeasureCatalogue, AssistancePolicy), AppError> {
    source.catalogue_for(region, on).ok_or_else(|| {
        refused(Refusal::NoRuleSet {
            region: region.to_string(),
            on,
        })
    })
}

/// Reason: a person who is not a member of the household.
const NOT_A_MEMBER: &str = "this person is not a member of the household (此人不是该户成员)";

fn bad(field: &str, reason: impl Into<String>) -> Refusal {
    Refusal::InvalidField {
        field: field.to_string(),
        reason: reason.into(),
    }
}

/// 元 of an amount in 分, for messages (`50000`, `12.5`).
fn yuan(fen: i64) -> String {
    if fen % 100 == 0 {
        (fen / 100).to_string()
    } else {
        format!("{}.{:02}", fen / 100, (fen % 100).abs())
    }
}

/// Checks one measure against the catalogue in force and, when the person's
/// household is known, against the household: the amount is not negative
/// and within the kind's limit, the end is not before the start and within
/// the kind's term, the region offers the kind, a personal kind names a
/// person, the person is a member of the household and passes the kind's
/// eligibility (labor capacity, age on the first day, disability, student
/// stage, the household's category). The refusal names the field
/// (`amount_fen`, `ends_on`, `kind`, `person`), never a value.
///
/// The one place these checks live: every path (a cadre's measure, an
/// imported list's rows, a plan's kinds) calls it.
pub fn validate_measure(
    catalogue: &MeasureCatalogue,
    household: Option<&Household>,
    m: &Measure,
) -> Result<(), Refusal> {
    // With the household at hand, the domain's one check decides (the
    // same one the plan proposal and the chain report rely on).
    if let Some(h) = household {
        return dixian_domain::assistance::check_measure(m, h, catalogue).map_err(problem_refusal);
    }
    // Without it (a list row not matched to a household yet): what the
    // measure and the catalogue alone can tell.
    if m.amount_fen.is_some_and(|a| a < 0) {
        return Err(bad(
            "amount_fen",
            "the amount must not be negative (金额不能为负数)",
        ));
    }
    if m.ends_on.is_some_and(|e| e < m.starts_on) {
        return Err(bad(
            "ends_on",
            "the end date is before the start date (结束日期早于开始日期)",
        ));
    }
    let Some(rule) = catalogue.get(m.kind) else {
        return Err(bad(
            "kind",
            format!(
                "{} is not in the measure catalogue in force for the region (本地区措施目录中没有{})",
                m.kind.label_en(),
                m.kind.label_zh()
            ),
        ));
    };
    if let (Some(max), Some(amount)) = (rule.max_amount_fen, m.amount_fen)
        && amount > max
    {
        let max = yuan(max);
        return Err(bad(
            "amount_fen",
            format!(
                "the amount is above the limit of {max} yuan for {} (超过{}上限{max}元)",
                m.kind.label_en(),
                m.kind.label_zh()
            ),
        ));
    }
    if let Some(months) = rule.max_term_months {
        let Some(end) = m.ends_on else {
            return Err(bad(
                "ends_on",
                format!(
                    "{} has a term of at most {months} months: give the end date (请填写到期日，期限不超过{months}个月)",
                    m.kind.label_en()
                ),
            ));
        };
        let last = m
            .starts_on
            .checked_add_months(Months::new(months))
            .unwrap_or(NaiveDate::MAX);
        if end > last {
            return Err(bad(
                "ends_on",
                format!(
                    "the term is longer than {months} months allowed for {} (期限超过{months}个月)",
                    m.kind.label_en()
                ),
            ));
        }
    }
    if !rule.household && m.person.is_none() {
        return Err(bad(
            "person",
            format!(
                "{} goes to one person: give the person's ID number (该措施须落实到人)",
                m.kind.label_en()
            ),
        ));
    }
    Ok(())
}

/// The refusal of a domain problem: its field, and its message without the
/// field's prefix.
fn problem_refusal(p: MeasureProblem) -> Refusal {
    let message = p.to_string();
    let prefix = format!("{}: ", p.field());
    let reason = message
        .strip_prefix(&prefix)
        .unwrap_or(&message)
        .to_string();
    Refusal::InvalidField {
        field: p.field().to_string(),
        reason,
    }
}

/// Checks a measure whose kind rests on another (贴息 on a small loan)
/// against the person's other measures (`chain`: the household's stored
/// chain, and an imported list's other rows): a loan of the same person
/// covers its days and its amount is within the file's yearly rate cap
/// (`dixian_domain::assistance::check_requirement`). Refused with the
/// field named (`person`, `starts_on`, `ends_on`, `amount_fen`); any other
/// kind passes.
pub fn validate_requirement(
    catalogue: &MeasureCatalogue,
    chain: &[Measure],
    m: &Measure,
) -> Result<(), Refusal> {
    dixian_domain::assistance::check_requirement(m, chain, catalogue).map_err(problem_refusal)
}

/// Whether `actor` edits assistance (plans, measures, visits).
fn may_edit(actor: &Actor) -> Result<(), StoreError> {
    if actor.scope.role.edits_assistance() {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

/// The plan of the household's latest case, if one was made.
pub async fn get_plan(
    store: &Store,
    actor: &Actor,
    household_id: i64,
) -> Result<Option<StoredPlan>, AppError> {
    Ok(store_assistance::get_plan(&store.pool, actor, household_id).await?)
}

/// Saves the household's plan (creates it with `version` `None`): every
/// planned kind must be in the catalogue and fit its person; the first
/// review falls within the visit interval of the assistance numbers.
/// Returns the plan's id and new version.
pub async fn save_plan(
    store: &Store,
    actor: &Actor,
    source: &dyn CatalogueSource,
    household_id: i64,
    version: Option<i64>,
    plan: &AssistancePlan,
    now: DateTime<Utc>,
) -> Result<(i64, i64), AppError> {
    let h = households::get(&store.pool, actor, household_id).await?;
    may_edit(actor)?;
    let today = dixian_domain::case::china_date(now);
    let (catalogue, policy) = in_force(source, &h.household.village, today)?;
    // A planned kind must fit a risk type of the case when the catalogue
    // restricts it (a received measure is a fact and is not refused for
    // its risk type: docs/decisions.md, "risk types and measures").
    let risks = household_risks(store, actor, household_id).await?;
    let risks = (!risks.is_empty()).then_some(risks.as_slice());
    for (i, p) in plan.measures.iter().enumerate() {
        let field = |f: &str| format!("measures[{i}].{f}");
        let Some(rule) = catalogue.get(p.kind) else {
            return Err(refused(bad(
                &field("kind"),
                format!(
                    "{} is not in the measure catalogue in force for the region (本地区措施目录中没有{})",
                    p.kind.label_en(),
                    p.kind.label_zh()
                ),
            )));
        };
        let member = match &p.person {
            None => None,
            Some(id) => Some(
                h.household
                    .members
                    .iter()
                    .find(|m| m.id_number == *id)
                    .ok_or_else(|| refused(bad(&field("person"), NOT_A_MEMBER)))?,
            ),
        };
        if let Some(test) = rule.fails(&h.household, member, risks, plan.starts_on) {
            // A household test (risk type, category) is the kind's fault,
            // a person test the person's.
            let named = match test {
                EligibilityTest::Risk | EligibilityTest::Category => "kind",
                _ => "person",
            };
            return Err(refused(bad(
                &field(named),
                format!(
                    "not eligible for {}: {} (不符合{}的条件: {})",
                    p.kind.label_en(),
                    test.label_en(),
                    p.kind.label_zh(),
                    test.label_zh()
                ),
            )));
        }
    }
    let latest = plan
        .starts_on
        .checked_add_days(chrono::Days::new(u64::from(policy.visit_interval_days)))
        .unwrap_or(NaiveDate::MAX);
    if plan.review_on > latest {
        return Err(refused(bad(
            "review_on",
            format!(
                "the first review is due within {} days of the start (首次回访应在开始后{}天内)",
                policy.visit_interval_days, policy.visit_interval_days
            ),
        )));
    }
    Ok(store_assistance::save_plan(&store.pool, actor, household_id, version, plan, now).await?)
}

fn refused(r: Refusal) -> AppError {
    AppError::Store(StoreError::Refused(r))
}

/// Names the helper of the household's plan (the village cadre, or the
/// county that keeps the roster); returns the new version.
pub async fn assign_helper(
    store: &Store,
    actor: &Actor,
    household_id: i64,
    version: i64,
    helper: Option<i64>,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    households::get(&store.pool, actor, household_id).await?;
    let role = actor.scope.role;
    if !role.edits_assistance() && !role.manages_helpers() {
        return Err(StoreError::Forbidden.into());
    }
    Ok(
        store_assistance::assign_helper(&store.pool, actor, household_id, version, helper, now)
            .await?,
    )
}

/// Records a measure a cadre entered for the household, checked by
/// [`validate_measure`] against the catalogue and the household (and, for
/// a kind resting on another, by [`validate_requirement`] against the
/// household's chain); returns its id.
pub async fn add_measure(
    store: &Store,
    actor: &Actor,
    source: &dyn CatalogueSource,
    household_id: i64,
    measure: &Measure,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    let h = households::get(&store.pool, actor, household_id).await?;
    may_edit(actor)?;
    let today = dixian_domain::case::china_date(now);
    let (catalogue, _) = in_force(source, &h.household.village, today)?;
    validate_measure(&catalogue, Some(&h.household), measure).map_err(refused)?;
    if measure.kind.requires().is_some() {
        // The person's chain as stored now (a loan stopped after this read
        // is the chain report's to find: docs/decisions.md).
        let held: Vec<Measure> = store_assistance::chain(&store.pool, actor, household_id)
            .await?
            .into_iter()
            .map(|m| m.measure)
            .collect();
        validate_requirement(&catalogue, &held, measure).map_err(refused)?;
    }
    Ok(store_assistance::add_measure(&store.pool, actor, household_id, measure, now).await?)
}

/// Stops a measure on `ends_on`; returns its new version.
pub async fn stop_measure(
    store: &Store,
    actor: &Actor,
    measure_id: i64,
    version: i64,
    ends_on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    // The store reads the measure in scope before it asks the role.
    Ok(
        store_assistance::stop_measure(&store.pool, actor, measure_id, version, ends_on, now)
            .await?,
    )
}

/// Records a follow-up visit; returns its id.
pub async fn record_visit(
    store: &Store,
    actor: &Actor,
    household_id: i64,
    visit: &FollowUpVisit,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    households::get(&store.pool, actor, household_id).await?;
    may_edit(actor)?;
    if visit.visited_on > dixian_domain::case::china_date(now) {
        return Err(refused(bad(
            "visited_on",
            "the visit is after today (回访日期晚于今天)",
        )));
    }
    Ok(store_assistance::record_visit(&store.pool, actor, household_id, visit, now).await?)
}

/// The household's visits, newest first.
pub async fn visits(
    store: &Store,
    actor: &Actor,
    household_id: i64,
) -> Result<Vec<StoredVisit>, AppError> {
    Ok(store_assistance::list_visits(&store.pool, actor, household_id).await?)
}

/// The household's chain: every measure of it and its members, by person
/// and first day.
pub async fn chain(
    store: &Store,
    actor: &Actor,
    household_id: i64,
) -> Result<Vec<StoredMeasure>, AppError> {
    Ok(store_assistance::chain(&store.pool, actor, household_id).await?)
}

/// The measures of a region (one row per person-measure), for reports.
pub async fn region_measures(
    store: &Store,
    actor: &Actor,
    filter: &MeasureFilter,
) -> Result<(Vec<RegionMeasure>, i64), AppError> {
    Ok(store_assistance::region_measures(&store.pool, actor, filter).await?)
}

/// The open plans of the actor's scope that need the cadre on the day of
/// `now`: review due, or no measure in the plan's time. Closed plans (the
/// risk eliminated) are left out.
pub async fn plans_to_follow(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Vec<store_assistance::PlanToFollow>, AppError> {
    let today = dixian_domain::case::china_date(now);
    Ok(store_assistance::plans_to_follow(&store.pool, actor, today).await?)
}

/// The roster as the helpers page and API show it: each helper with
/// their workload (households whose open plan names them, county-wide)
/// and the households they hold inside the reader's scope, the head's
/// name masked unless the role's work needs it
/// ([`crate::views::name_for`]). A county (or above) sees every helper of
/// the roster; a township only its own — the helpers holding a household
/// inside it. A village cadre sees the county's roster (they choose the
/// helper of a plan from it), with only their village's households.
pub async fn helpers(store: &Store, actor: &Actor) -> Result<Vec<StoredHelper>, AppError> {
    let role = actor.scope.role;
    let own_only = actor.scope.region.level() == dixian_domain::RegionLevel::Township;
    Ok(store_assistance::list_helpers(&store.pool, actor)
        .await?
        .into_iter()
        .filter(|h| !own_only || !h.held.is_empty())
        .map(|mut h| {
            for held in &mut h.held {
                held.head_name = crate::views::name_for(role, &held.head_name);
            }
            h
        })
        .collect())
}

/// Adds a helper to the county's roster (county admins); returns the id.
pub async fn create_helper(
    store: &Store,
    actor: &Actor,
    helper: &ResponsiblePerson,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    if !actor.scope.role.manages_helpers() {
        return Err(StoreError::Forbidden.into());
    }
    Ok(store_assistance::create_helper(&store.pool, actor, helper, now).await?)
}

/// Whether `actor` may import a measure list: the same people who load
/// department feeds (checked by the web before it reads an upload).
pub fn may_import_lists(actor: &Actor) -> Result<(), StoreError> {
    may_load_feeds(actor)
}

/// The status a list row takes when the file does not say: ongoing, or
/// done when it ended before `today`.
pub(crate) fn default_status(ends_on: Option<NaiveDate>, today: NaiveDate) -> MeasureStatus {
    match ends_on {
        Some(end) if end < today => MeasureStatus::Done,
        _ => MeasureStatus::Ongoing,
    }
}
