//! The registry's use cases (户/人): a region with its counts, the
//! household list, one household (the API's record and the page's card),
//! create and update, members added, changed and removed, the household
//! file in (import) and out (export), and the audited reveal. Each checks
//! the actor's role and scope — by the store's scope-filtered reads and
//! writes, which decide it once — and answers with a view
//! ([`crate::views`]) masked for that actor; web and CLI call one function
//! per use case.

use crate::views::{HouseholdLine, HouseholdView, contact, mask_id, mask_phone};
use crate::{AppError, without_values};
use chrono::NaiveDate;
use dixian_domain::{Household, Member, RegionCode};
use dixian_store::cases::{self, StoredCase, TimelineEntry};
use dixian_store::households::{self, HouseholdFilter};
use dixian_store::privacy::{self, Revealed};
use dixian_store::regions::{self, Region};
use dixian_store::registry_file::{self, ImportReport};
use dixian_store::{Actor, Store, StoreError, StoredHousehold};
use serde_json::Value;
use std::path::Path;

/// A request to show a record's personal data in full: allowed only to a
/// role that [`Role::sees_personal_data`](dixian_domain::Role::sees_personal_data),
/// recorded (who, which record, the reason) before anything is shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reveal {
    /// Why (optional; kept in the audit row, cleaned and cut).
    pub reason: Option<String>,
}

impl Reveal {
    /// A reveal with `reason`.
    pub fn because(reason: Option<&str>) -> Reveal {
        Reveal {
            reason: reason.map(str::to_string),
        }
    }
}

/// Whether `actor` may create and edit households and members: the pages
/// ask before they show a form; every write is checked again by the store.
pub fn may_edit(actor: &Actor) -> Result<(), StoreError> {
    if actor.scope.role.edits_registry() {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

/// Whether `actor` may reveal ID numbers and phones (the card's button).
pub fn may_reveal(actor: &Actor) -> bool {
    privacy::may_reveal(actor)
}

/// A child region and its counts.
#[derive(Debug, Clone)]
pub struct ChildCount {
    /// The child.
    pub region: Region,
    /// Households.
    pub households: i64,
    /// Persons.
    pub persons: i64,
    /// Monitored households.
    pub monitored: i64,
}

/// A region, its chain and its children with counts.
#[derive(Debug, Clone)]
pub struct RegionOverview {
    /// The region.
    pub region: Region,
    /// From the province down to this region.
    pub chain: Vec<Region>,
    /// Children with household counts, as far as the scope reaches.
    pub children: Vec<ChildCount>,
}

/// Region `code` with its chain and children, counted inside the actor's
/// scope. A region neither inside nor above the scope is `NotFound`;
/// above it, only the branch that leads to the scope is listed.
///
/// The counts come from the figures' per-village counters
/// ([`crate::figures::report`], the same answer the dashboard reads:
/// `households`, `persons`, `monitored_households` — the rule of
/// `households::monitored_sql`), so a county's page sums counters instead
/// of counting its households; `book` and `today` are what the counters
/// of waiting villages are recounted under.
pub async fn region(
    store: &Store,
    actor: &Actor,
    book: &dixian_screen::RuleBook,
    code: &str,
    today: NaiveDate,
) -> Result<RegionOverview, AppError> {
    RegionCode::parse(code).map_err(|e| StoreError::Invalid(e.to_string()))?;
    let period = crate::figures::Period::parse(None, None, today)?;
    let r = crate::figures::report(store, actor, book, code, &period, today).await?;
    let children = r
        .children
        .into_iter()
        .map(|c| ChildCount {
            households: c.figures.households,
            persons: c.figures.persons,
            monitored: c.figures.monitored_households,
            region: c.region,
        })
        .collect();
    Ok(RegionOverview {
        region: r.region,
        chain: r.chain,
        children,
    })
}

/// The chain of `region` (province down), empty when unknown: the
/// breadcrumbs of a page.
pub async fn chain(store: &Store, region: &RegionCode) -> Vec<Region> {
    regions::chain(&store.pool, region)
        .await
        .unwrap_or_default()
}

/// The villages of the actor's scope (code, name): where a household may
/// be registered.
pub async fn villages(store: &Store, actor: &Actor) -> Vec<(String, String)> {
    regions::villages_in(&store.pool, &actor.scope.region)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| (r.code, r.name))
        .collect()
}

/// The names of the villages (or any regions) `codes`, by code, for the
/// lists a person reads (inbox, timeline): a name, never the 12-digit
/// code. A code the table lacks is absent from the map (the caller shows
/// the code); a failed read gives an empty map, as the breadcrumbs do.
pub async fn village_names(
    store: &Store,
    codes: &[RegionCode],
) -> std::collections::HashMap<String, String> {
    regions::names(&store.pool, codes).await.unwrap_or_default()
}

/// The name of `code` from [`village_names`]' map, else the code.
pub fn name_of(names: &std::collections::HashMap<String, String>, code: &str) -> String {
    names.get(code).cloned().unwrap_or_else(|| code.to_string())
}

/// A page of the household list, masked.
#[derive(Debug, Clone)]
pub struct HouseholdList {
    /// Matching households in all.
    pub total: i64,
    /// Page number, from 1.
    pub page: i64,
    /// Rows per page.
    pub per_page: i64,
    /// The lines (the head's ID number masked).
    pub items: Vec<HouseholdLine>,
}

/// Households in the actor's scope matching `filter`, one page.
pub async fn households(
    store: &Store,
    actor: &Actor,
    filter: &HouseholdFilter,
) -> Result<HouseholdList, AppError> {
    let (rows, total) = households::list(&store.pool, actor, filter).await?;
    Ok(HouseholdList {
        total,
        page: filter.page.unwrap_or(1).max(1),
        per_page: filter.per_page.unwrap_or(50).clamp(1, 200),
        items: rows.into_iter().map(HouseholdLine::of).collect(),
    })
}

/// One household as `actor` is shown it: read through the scope filter
/// (`NotFound` outside it, `Forbidden` for a role that reads none); with
/// `reveal`, the reveal is recorded first (`Forbidden` for a role that may
/// not) and ID numbers and phones are shown in full.
pub async fn household(
    store: &Store,
    actor: &Actor,
    id: i64,
    reveal: Option<&Reveal>,
    today: NaiveDate,
) -> Result<HouseholdView, AppError> {
    let stored = households::get(&store.pool, actor, id).await?;
    if let Some(r) = reveal {
        privacy::record_reveal(
            &store.pool,
            actor,
            Revealed::Household,
            id,
            stored.household.village.as_str(),
            r.reason.as_deref(),
        )
        .await?;
    }
    Ok(HouseholdView::of(&stored, actor, reveal.is_some(), today))
}

/// The household card: the household as shown, its region chain, and —
/// for the roles that work cases — its cases and timeline.
#[derive(Debug, Clone)]
pub struct HouseholdCard {
    /// The household as shown.
    pub view: HouseholdView,
    /// Province down to the village.
    pub chain: Vec<Region>,
    /// Its cases; `None` for a role that reads no cases.
    pub cases: Option<Vec<StoredCase>>,
    /// Leads, case events, registry changes and warnings, oldest first
    /// (empty for a role that reads no cases).
    pub timeline: Vec<TimelineEntry>,
    /// The role may reveal ID numbers and phones.
    pub may_reveal: bool,
    /// The role may edit the household.
    pub may_edit: bool,
    /// Its department warnings still open (to verify or dismiss), newest
    /// first (empty for a role that reads no cases).
    pub open_warnings: Vec<dixian_store::warnings::WarningRow>,
    /// 三色码 of the household (from what this reader may see: a role
    /// that reads no cases sees the category's colour only).
    pub status: dixian_domain::StatusColour,
}

/// [`household`] with what the card shows around it.
pub async fn card(
    store: &Store,
    actor: &Actor,
    id: i64,
    reveal: Option<&Reveal>,
    today: NaiveDate,
) -> Result<HouseholdCard, AppError> {
    let view = household(store, actor, id, reveal, today).await?;
    let village = RegionCode::parse(&view.household.village)
        .map_err(|e| StoreError::Integrity(format!("stored village: {e}")))?;
    let chain = chain(store, &village).await;
    // Cases and the timeline: only roles that work cases read them.
    let cases = cases::cases_of_household(&store.pool, actor, id).await.ok();
    let timeline = cases::timeline(&store.pool, actor, id)
        .await
        .unwrap_or_default();
    let open_warnings = dixian_store::warnings::of_household(&store.pool, actor, id)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|w| w.status == dixian_domain::WarningStatus::Open)
        .collect();
    let stage = cases
        .iter()
        .flatten()
        .filter(|c| c.case.stage != dixian_domain::CaseStage::Rejected)
        .map(|c| c.case.stage)
        .next_back();
    let open: &Vec<dixian_store::warnings::WarningRow> = &open_warnings;
    let status =
        dixian_domain::StatusColour::of(!open.is_empty(), stage, view.household.category.is_some());
    Ok(HouseholdCard {
        status,
        view,
        chain,
        cases,
        timeline,
        may_reveal: may_reveal(actor),
        may_edit: actor.scope.role.edits_registry(),
        open_warnings,
    })
}

/// A household to edit, as stored, with its chain: `Forbidden` for a role
/// that edits no households, `NotFound` outside the scope. The form shows
/// it masked (the web's form code); what comes back is unmasked against it.
pub async fn for_edit(
    store: &Store,
    actor: &Actor,
    id: i64,
) -> Result<(StoredHousehold, Vec<Region>), AppError> {
    may_edit(actor)?;
    let stored = households::get(&store.pool, actor, id).await?;
    let chain = chain(store, &stored.household.village).await;
    Ok((stored, chain))
}

/// Registers a new household with its members; returns its id. The store
/// checks the role, the scope (a village outside it is `NotFound`), the
/// registry's rules and that no member is registered elsewhere. A new
/// household has no category: only the case workflow (county approval,
/// or the county's migration of its monitored list, `cases migrate`)
/// makes a household monitored.
pub async fn create(store: &Store, actor: &Actor, h: &Household) -> Result<i64, AppError> {
    if h.category.is_some() {
        return Err(StoreError::Refused(dixian_store::Refusal::CategoryByWorkflow).into());
    }
    Ok(households::create(&store.pool, actor, h).await?)
}

/// Replaces household `id` if `version` is current; returns the new
/// version (`Conflict` when stale).
pub async fn update(
    store: &Store,
    actor: &Actor,
    id: i64,
    version: i64,
    h: &Household,
) -> Result<i64, AppError> {
    Ok(households::update(&store.pool, actor, id, version, h).await?)
}

/// [`update`] from a record as a client sent it back (JSON): a member's ID
/// number or phone sent masked, as a read without reveal gives it, keeps
/// the stored value ([`unmask_members`]); then it must be a valid
/// household (`Invalid` otherwise, quoting no value).
pub async fn update_as_sent(
    store: &Store,
    actor: &Actor,
    id: i64,
    version: i64,
    mut posted: Value,
) -> Result<i64, AppError> {
    let stored = households::get(&store.pool, actor, id).await?;
    unmask_members(&mut posted, &stored.household);
    let household: Household = serde_json::from_value(posted).map_err(|e| {
        StoreError::Invalid(format!("household: {}", without_values(&e.to_string())))
    })?;
    update(store, actor, id, version, &household).await
}

/// Adds `member` to household `id` at `version`; returns the new version.
pub async fn add_member(
    store: &Store,
    actor: &Actor,
    id: i64,
    version: i64,
    member: Member,
) -> Result<i64, AppError> {
    let mut h = households::get(&store.pool, actor, id).await?.household;
    h.members.push(member);
    update(store, actor, id, version, &h).await
}

/// Replaces the member at position `pos` (`NotFound` when there is none).
pub async fn update_member(
    store: &Store,
    actor: &Actor,
    id: i64,
    version: i64,
    pos: usize,
    member: Member,
) -> Result<i64, AppError> {
    let mut h = households::get(&store.pool, actor, id).await?.household;
    let slot = h.members.get_mut(pos).ok_or(StoreError::NotFound)?;
    *slot = member;
    update(store, actor, id, version, &h).await
}

/// Removes the member at position `pos` (`NotFound` when there is none;
/// the registry's rules still hold: a household keeps exactly one head).
pub async fn remove_member(
    store: &Store,
    actor: &Actor,
    id: i64,
    version: i64,
    pos: usize,
) -> Result<i64, AppError> {
    let mut h = households::get(&store.pool, actor, id).await?.household;
    if pos >= h.members.len() {
        return Err(StoreError::NotFound.into());
    }
    h.members.remove(pos);
    update(store, actor, id, version, &h).await
}

/// Imports a household file all or nothing for the operator of `region`
/// (default: the county of the first household); `commit = false` checks
/// without writing; `tick` once per household read.
pub async fn import_file(
    store: &Store,
    file: &Path,
    region: Option<&str>,
    commit: bool,
    tick: impl FnMut(),
) -> Result<ImportReport, AppError> {
    Ok(registry_file::import_file(store, file, region, commit, tick).await?)
}

/// Whether an export may go ahead with `reason`: refused without one
/// (`reason_required`) — asked before a file is created.
pub fn check_export_reason(reason: Option<&str>) -> Result<(), AppError> {
    privacy::Reason::required(reason)?;
    Ok(())
}

/// The registry of `region` with members in full, streamed to `sink` —
/// the export: refused without a reason, for a role that may not see
/// personal data or a region outside the scope; recorded (region, rows,
/// reason, `format`) in the audit trail even when `sink` fails part-way.
pub async fn export(
    store: &Store,
    actor: &Actor,
    region: &RegionCode,
    format: &str,
    reason: Option<&str>,
    mut sink: impl FnMut(&Household) -> Result<(), StoreError>,
) -> Result<u64, AppError> {
    Ok(
        privacy::export_households(&store.pool, actor, region, format, reason, |h| {
            sink(&h.household)
        })
        .await?,
    )
}

/// A member's ID number and phone as a form sent them back: a value equal
/// to what the form showed (masked, [`contact`]) keeps the stored one; any
/// other value is taken as sent (a mask is never a valid value).
pub fn kept_contact(sent_id: &str, sent_phone: &str, stored: &Member) -> (String, String) {
    let (id_shown, phone_shown) = contact(stored, false);
    let id = if sent_id.trim() == id_shown {
        stored.id_number.as_str().to_string()
    } else {
        sent_id.to_string()
    };
    let phone = match (phone_shown, stored.phone.as_deref()) {
        (Some(shown), Some(p)) if sent_phone.trim() == shown => p.to_string(),
        _ => sent_phone.to_string(),
    };
    (id, phone)
}

/// Puts the stored values back where a household sent for update carries
/// a member's ID number or phone as it was read, masked: so that a client
/// can read a household without revealing it, change its income and send
/// it back. A masked ID number is matched to the stored member at the same
/// position, else to the one stored member it masks (left as sent when
/// none or several match: the update is then refused as invalid); a
/// masked phone to the stored phone of the member so matched. A mask is
/// never a valid value, so nothing sent in full is ever replaced.
pub fn unmask_members(posted: &mut Value, stored: &Household) {
    let Some(members) = posted.get_mut("members").and_then(Value::as_array_mut) else {
        return;
    };
    for (i, m) in members.iter_mut().enumerate() {
        let Some(obj) = m.as_object_mut() else {
            continue;
        };
        let matched = match obj.get("id_number").and_then(Value::as_str) {
            Some(sent) if sent.contains('*') => {
                let masks = |x: &&Member| mask_id(x.id_number.as_str()) == sent;
                stored.members.get(i).filter(masks).or_else(|| {
                    let mut all = stored.members.iter().filter(masks);
                    match (all.next(), all.next()) {
                        (Some(one), None) => Some(one),
                        _ => None,
                    }
                })
            }
            Some(sent) => stored.members.iter().find(|x| x.id_number.as_str() == sent),
            None => None,
        };
        let Some(member) = matched else {
            continue;
        };
        let phone = match (
            obj.get("phone").and_then(Value::as_str),
            member.phone.as_deref(),
        ) {
            (Some(sent), Some(p)) if sent.contains('*') && mask_phone(p) == sent => Some(p),
            _ => None,
        };
        obj.insert("id_number".into(), member.id_number.as_str().into());
        if let Some(p) = phone {
            obj.insert("phone".into(), p.into());
        }
    }
}

/// The names of the villages (or any regions) `codes`, by code, from the
/// division table: the one lookup pages use to show a village by name
/// instead of its 12-digit code. A code without a stored name is absent.
pub async fn region_names<'a>(
    store: &Store,
    codes: impl IntoIterator<Item = &'a str>,
) -> Result<std::collections::HashMap<String, String>, AppError> {
    // One lookup with [`village_names`]: the store dedups and chunks.
    let codes: Vec<RegionCode> = codes
        .into_iter()
        .filter_map(|c| RegionCode::parse(c).ok())
        .collect();
    Ok(regions::names(&store.pool, &codes).await?)
}
