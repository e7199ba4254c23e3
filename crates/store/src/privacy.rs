//! Personal data shown in full (a reveal) or taken out of the system (an
//! export), each written to the audit trail — who, when, which record or
//! region, why — and never the values themselves (PIPL: least necessary;
//! 等保 2.0 三级: 安全审计, 个人信息保护).
//!
//! Pages and API answers show ID numbers and phones masked to every role.
//! A role whose work needs them ([`Role::sees_personal_data`]) reveals
//! them for one record by an explicit action: the caller reads the record
//! through the store read that filters by scope (out of scope: `NotFound`),
//! then [`record_reveal`] decides whether the actor may reveal at all
//! (`Forbidden` otherwise) and writes one audit row (`action = reveal`)
//! before anything is shown. An export of the registry (full IDs, phones,
//! names) needs a [`Reason`] and is one audit row (`action = export`) with
//! the region, the row count and the reason ([`export_households`]); the
//! village notice (公示), which carries no ID or phone, is logged without
//! one ([`record_export`] with [`Exported::Notice`]).
//!
//! [`Role::sees_personal_data`]: dixian_domain::Role::sees_personal_data

use crate::StoreError;
use crate::audit::{self, Change};
use crate::db::Pool;
use crate::households::{self, StoredHousehold, effective_region};
use crate::users::Actor;
use dixian_domain::RegionCode;
use serde_json::json;

/// The longest reason kept, in characters; the rest is cut.
pub const REASON_MAX_CHARS: usize = 200;

/// What a reveal shows in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revealed {
    /// A household: its members' ID numbers and phones.
    Household,
    /// A warning: the person's ID number, also in its evidence rows.
    Warning,
    /// A resident's declaration not yet matched: the declarant's ID
    /// number and phone.
    Lead,
}

impl Revealed {
    /// The audit row's `entity`.
    pub fn entity(self) -> &'static str {
        match self {
            Revealed::Household => "household",
            Revealed::Warning => "warning",
            Revealed::Lead => "lead",
        }
    }

    /// The fields shown in full (named in the audit row, never their values).
    fn fields(self) -> &'static [&'static str] {
        match self {
            Revealed::Household | Revealed::Lead => &["id_number", "phone"],
            Revealed::Warning => &["id_number"],
        }
    }
}

/// Whether the actor's role may reveal full ID numbers and phones (by an
/// explicit, audited action): the one place the web and the CLI ask.
pub fn may_reveal(actor: &Actor) -> bool {
    actor.scope.role.sees_personal_data()
}

/// `Forbidden` unless the actor may reveal (or export) personal data.
pub fn check_may_reveal(actor: &Actor) -> Result<(), StoreError> {
    if may_reveal(actor) {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

/// A reason as kept in the audit trail: trimmed, on one line, at most
/// [`REASON_MAX_CHARS`] characters, with runs of 11 or more digits (an ID
/// number or phone typed into it) replaced by `*`. `None` when empty.
pub fn clean_reason(reason: Option<&str>) -> Option<String> {
    let one_line: String = reason?
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut out = String::new();
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.chars().count() >= 11 {
            out.push('*');
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in one_line.trim().chars() {
        let id_check = (c == 'X' || c == 'x') && digits.len() == 17;
        if c.is_ascii_digit() || id_check {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    let kept: String = out.trim().chars().take(REASON_MAX_CHARS).collect();
    (!kept.is_empty()).then_some(kept)
}

fn region_of(region: &str) -> Result<RegionCode, StoreError> {
    RegionCode::parse(region).map_err(|e| StoreError::Invalid(format!("region: {e}")))
}

/// Records that `actor` is shown the personal data of the records `ids`
/// of kind `what`, each in its region (the village code), in full: one
/// audit row per record, in one transaction, naming the fields and the
/// reason, never the values. `Forbidden` when the role may not reveal,
/// `NotFound` when a record lies outside the actor's scope; nothing is
/// written then. Call it after the scope-filtered read and before the
/// answer, so that nothing is shown unrecorded.
pub async fn record_reveals(
    pool: &Pool,
    actor: &Actor,
    what: Revealed,
    ids: &[(i64, &str)],
    reason: Option<&str>,
) -> Result<(), StoreError> {
    check_may_reveal(actor)?;
    let reason = clean_reason(reason);
    let after = json!({ "fields": what.fields(), "reason": reason }).to_string();
    let mut changes = Vec::with_capacity(ids.len());
    for (id, region) in ids {
        let code = region_of(region)?;
        if !actor.scope.covers(&code) {
            return Err(StoreError::NotFound);
        }
        changes.push(Change {
            user_id: actor.user_id,
            action: "reveal",
            entity: what.entity(),
            entity_id: id.to_string(),
            region: Some(code.to_string()),
            before: None,
            after: Some(after.clone()),
        });
    }
    if changes.is_empty() {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    audit::record(&mut tx, &changes).await?;
    tx.commit().await?;
    Ok(())
}

/// [`record_reveals`] for one record.
pub async fn record_reveal(
    pool: &Pool,
    actor: &Actor,
    what: Revealed,
    id: i64,
    region: &str,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    record_reveals(pool, actor, what, &[(id, region)], reason).await
}

/// Why personal data is exported: required, not blank (see
/// [`clean_reason`] for what is kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason(String);

impl Reason {
    /// The reason given, or the refusal that asks for one
    /// (`reason_required`, 422 in the API).
    pub fn required(reason: Option<&str>) -> Result<Reason, StoreError> {
        clean_reason(reason)
            .map(Reason)
            .ok_or(StoreError::Refused(crate::Refusal::ReasonRequired))
    }

    /// The reason as kept.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What an export took out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exported {
    /// Households of a region with their members: full ID numbers,
    /// phones, names (the registry file). Needs a reason.
    Registry,
    /// The village notice (公示): names, groups, categories, dates; no ID
    /// number, no phone. Logged, no reason needed.
    Notice,
    /// A page's list as a workbook (`households_list`, `warnings_list`,
    /// `inbox`, `overdue` …): what the page shows, ID numbers and phones
    /// masked as there. Logged, no reason needed.
    List(&'static str),
}

impl Exported {
    /// The audit row's `entity` (its `entity_id` is the region).
    pub fn entity(self) -> &'static str {
        match self {
            Exported::Registry => "households",
            Exported::Notice => "notice",
            Exported::List(list) => list,
        }
    }
}

/// Records an export by `actor` of `rows` rows of `what` for `region`
/// (within the actor's scope, else `NotFound`) in `format`: one audit
/// row with the region, the row count and the reason. A registry export
/// without a reason is refused (`reason_required`), and so is one by a
/// role that may not see personal data (`Forbidden`).
pub async fn record_export(
    pool: &Pool,
    actor: &Actor,
    what: Exported,
    region: &RegionCode,
    rows: u64,
    format: &str,
    reason: Option<&Reason>,
) -> Result<(), StoreError> {
    if what == Exported::Registry {
        check_may_reveal(actor)?;
        if reason.is_none() {
            Reason::required(None)?;
        }
    }
    if !actor.scope.covers(region) {
        return Err(StoreError::NotFound);
    }
    let after = json!({
        "format": format,
        "rows": rows,
        "reason": reason.map(Reason::as_str),
    })
    .to_string();
    let change = Change {
        user_id: actor.user_id,
        action: "export",
        entity: what.entity(),
        entity_id: region.to_string(),
        region: Some(region.to_string()),
        before: None,
        after: Some(after),
    };
    let mut tx = pool.begin().await?;
    audit::record(&mut tx, &[change]).await?;
    tx.commit().await?;
    Ok(())
}

/// Streams every household of `region` within the actor's scope to `sink`
/// with its members in full — the registry export — and records the
/// export (rows handed to `sink`, reason, `format`). Refused before any
/// row is read without a reason, for a role that may not see personal
/// data, or for a region outside the scope. The export is recorded even
/// when `sink` fails part-way (with the rows it was given), and only then
/// is the failure returned.
pub async fn export_households(
    pool: &Pool,
    actor: &Actor,
    region: &RegionCode,
    format: &str,
    reason: Option<&str>,
    mut sink: impl FnMut(StoredHousehold) -> Result<(), StoreError>,
) -> Result<u64, StoreError> {
    check_may_reveal(actor)?;
    let reason = Reason::required(reason)?;
    let region = effective_region(actor, Some(region.as_str()))?.ok_or(StoreError::NotFound)?;
    let mut given = 0u64;
    let streamed = households::for_each_in(pool, actor, &region, |mut h| {
        given += 1;
        // The registry file carries no 监测类别: a category comes from the
        // workflow or the county's migration list, and an import refuses a
        // filled cell (docs/decisions.md, "category by workflow"); so the
        // export reads back into a fresh database.
        h.household.category = None;
        sink(h)
    })
    .await;
    record_export(
        pool,
        actor,
        Exported::Registry,
        &region,
        given,
        format,
        Some(&reason),
    )
    .await?;
    streamed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_trimmed_cut_and_keep_no_numbers() {
        assert_eq!(clean_reason(None), None);
        assert_eq!(clean_reason(Some("  \n ")), None);
        assert_eq!(
            clean_reason(Some(" 入户核实\n低保 ")).as_deref(),
            Some("入户核实 低保")
        );
        assert_eq!(
            clean_reason(Some("核对 52052619700301011X 与 13800001234")).as_deref(),
            Some("核对 * 与 *")
        );
        assert_eq!(clean_reason(Some("第2025号")).as_deref(), Some("第2025号"));
        let long = "字".repeat(500);
        assert_eq!(
            clean_reason(Some(&long)).unwrap().chars().count(),
            REASON_MAX_CHARS
        );
        assert!(Reason::required(Some(" ")).is_err());
    }
}
