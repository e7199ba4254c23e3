//! 预警 to work: warning lists per village and township (filtered by risk
//! type, severity and status), one warning with its evidence rows, and
//! the two ends of a warning: verified (a lead on the department-warning
//! channel opens, joins or re-enters the household's case, in the same
//! transaction) or dismissed with a reason (never raised again for the
//! same evidence: `screening`).
//!
//! Warnings carry health details in their evidence, so they are read by
//! the case workflow's levels (村, 乡, 县) only; out of scope is "not
//! found".

use crate::audit::{self, Change};
use crate::cases::{LeadReceipt, PolicySource, check_reads_cases, retry_on_race};
use crate::db::{Arg, Tx, q};
use crate::households::effective_region;
use crate::users::Actor;
use crate::{Pool, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::{Channel, RiskType};
use serde::{Deserialize, Serialize};

/// Filters of a warning list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams, utoipa::ToSchema)]
pub struct WarningFilter {
    /// Region (township or village code) within the user's scope.
    pub region: Option<String>,
    /// Risk type code (e.g. `illness`).
    pub risk: Option<String>,
    /// `low`, `medium` or `high`.
    pub severity: Option<String>,
    /// `open` (default), `attached`, `verified`, `dismissed` or `all`.
    pub status: Option<String>,
    /// Page, from 1.
    pub page: Option<i64>,
    /// Rows per page (≤ 200).
    pub per_page: Option<i64>,
}

/// One warning in a list.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct WarningRow {
    /// Id.
    pub id: i64,
    /// Household id.
    pub household_id: i64,
    /// 户编号.
    pub household_number: String,
    /// Head of household (personal data: the page masks it as the role needs).
    pub head_name: String,
    /// Village code.
    pub village_code: String,
    /// Person the warning names (personal data), for person rules.
    pub person_id_number: Option<String>,
    /// Rule id.
    pub rule_id: String,
    /// Region of the rule set (`national`, a province or a county).
    pub rule_set_region: String,
    /// Rule set name.
    pub rule_set_name: String,
    /// Rule set version.
    pub rule_set_version: i64,
    /// Feed kind code.
    pub feed_kind: String,
    /// Condition code.
    pub rule_condition: String,
    /// Risk type code.
    pub risk_type: String,
    /// Severity code.
    pub severity: String,
    /// Earliest evidence date.
    pub first_date: NaiveDate,
    /// Latest evidence date.
    pub last_date: NaiveDate,
    /// When raised.
    pub raised_at: DateTime<Utc>,
    /// open, attached, verified, dismissed.
    pub status: String,
    /// The case it belongs to, once attached or verified.
    pub case_id: Option<i64>,
    /// The lead its verification opened.
    pub lead_id: Option<i64>,
    /// Why it was dismissed, or the verification note.
    pub resolution: Option<String>,
    /// Evidence rows.
    pub evidence_rows: i64,
    /// Version, for verify and dismiss.
    pub version: i64,
}

/// A feed row a warning rests on.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct EvidenceRow {
    /// `feed_rows.id`.
    pub id: i64,
    /// Batch.
    pub batch_id: i64,
    /// File the batch came in.
    pub file_name: String,
    /// Line in that file.
    pub line: i64,
    /// Feed kind.
    pub kind: String,
    /// The day the row is about.
    pub event_date: NaiveDate,
    /// The typed row as JSON. Health fields ([`HEALTH_FIELDS`]) are left
    /// out for a reader whose role does not see health data.
    pub payload: String,
    /// The fields left out of `payload` for this reader.
    #[sqlx(skip)]
    pub withheld: Vec<String>,
}

/// Fields of department rows that are health data (a diagnosis): only
/// roles that [`Role::sees_health_data`](dixian_domain::Role::sees_health_data)
/// read them, whatever the channel (page, API, CLI).
pub const HEALTH_FIELDS: &[&str] = &["diagnosis"];

impl EvidenceRow {
    /// Leaves the health fields out of the payload for `actor` unless
    /// the role reads them.
    fn redact_for(&mut self, actor: &Actor) {
        if actor.scope.role.sees_health_data() {
            return;
        }
        let Ok(serde_json::Value::Object(mut map)) =
            serde_json::from_str::<serde_json::Value>(&self.payload)
        else {
            // Not an object: nothing of it is shown to this reader.
            self.payload = "{}".to_string();
            self.withheld.push("*".to_string());
            return;
        };
        for f in HEALTH_FIELDS {
            if map.remove(*f).is_some() {
                self.withheld.push((*f).to_string());
            }
        }
        self.payload = serde_json::Value::Object(map).to_string();
    }
}

/// A warning with its evidence.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WarningDetail {
    /// The warning.
    pub warning: WarningRow,
    /// Its evidence, by date.
    pub evidence: Vec<EvidenceRow>,
}

const ROW_SQL: &str = "SELECT w.id, w.household_id, h.number AS household_number, h.head_name, h.village_code,
    w.person_id_number, w.rule_id, w.rule_set_region, w.rule_set_name, w.rule_set_version, w.feed_kind, w.rule_condition,
    w.risk_type, w.severity, w.first_date, w.last_date, w.raised_at, w.status, w.case_id, w.lead_id,
    w.resolution, (SELECT COUNT(*) FROM warning_evidence e WHERE e.warning_id = w.id) AS evidence_rows,
    w.version
  FROM warnings w JOIN households h ON h.id = w.household_id";

const STATUSES: [&str; 4] = ["open", "attached", "verified", "dismissed"];
const SEVERITIES: [&str; 3] = ["low", "medium", "high"];

fn bad_filter(what: &str) -> StoreError {
    StoreError::Invalid(format!("unknown {what} in the filter (筛选条件无效)"))
}

/// The warnings of the actor's scope (or the part a filter asks for),
/// most severe and newest first; with the total count.
pub async fn list(
    pool: &Pool,
    actor: &Actor,
    f: &WarningFilter,
) -> Result<(Vec<WarningRow>, i64), StoreError> {
    check_reads_cases(actor)?;
    let Some(region) = effective_region(actor, f.region.as_deref())? else {
        return Ok((Vec::new(), 0));
    };
    let (lo, hi) = region.padded_range();
    let mut args: Vec<Arg> = vec![lo.into(), hi.into()];
    let mut cond = String::from(" WHERE h.village_code BETWEEN $1 AND $2");
    match f
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or("open")
    {
        "all" => {}
        s if STATUSES.contains(&s) => {
            args.push(s.into());
            cond.push_str(&format!(" AND w.status = ${}", args.len()));
        }
        _ => return Err(bad_filter("status")),
    }
    if let Some(r) = f.risk.as_deref().filter(|s| !s.is_empty()) {
        let risk = RiskType::parse(r).ok_or_else(|| bad_filter("risk type"))?;
        args.push(risk.code().into());
        cond.push_str(&format!(" AND w.risk_type = ${}", args.len()));
    }
    if let Some(s) = f.severity.as_deref().filter(|s| !s.is_empty()) {
        if !SEVERITIES.contains(&s) {
            return Err(bad_filter("severity"));
        }
        args.push(s.into());
        cond.push_str(&format!(" AND w.severity = ${}", args.len()));
    }
    let per_page = f.per_page.unwrap_or(50).clamp(1, 200);
    let offset = (f.page.unwrap_or(1).clamp(1, 100_000) - 1) * per_page;
    let count_sql =
        format!("SELECT COUNT(*) FROM warnings w JOIN households h ON h.id = w.household_id{cond}");
    let (total,): (i64,) = pool
        .one(args.iter().cloned().fold(q(count_sql), |qq, a| qq.bind(a)))
        .await?;
    let sql = format!(
        "{ROW_SQL}{cond} ORDER BY w.severity_rank DESC, w.last_date DESC, w.id DESC LIMIT {per_page} OFFSET {offset}"
    );
    let rows = pool
        .all(args.into_iter().fold(q(sql), |qq, a| qq.bind(a)))
        .await?;
    Ok((opened(pool.data(), rows)?, total))
}

/// Counts of open warnings per child region of the actor's scope
/// (township for a county, village for a township): for the list's
/// summary.
pub async fn open_counts(pool: &Pool, actor: &Actor) -> Result<Vec<(String, i64)>, StoreError> {
    check_reads_cases(actor)?;
    let region = &actor.scope.region;
    let Some(child) = region.level().child() else {
        return Ok(Vec::new());
    };
    let (lo, hi) = region.padded_range();
    let digits = child.digits();
    pool.all(
        q(format!(
            "SELECT SUBSTR(h.village_code, 1, {digits}) AS child, COUNT(*) FROM warnings w
             JOIN households h ON h.id = w.household_id
             WHERE h.village_code BETWEEN $1 AND $2 AND w.status = 'open'
             GROUP BY SUBSTR(h.village_code, 1, {digits}) ORDER BY child"
        ))
        .bind(lo)
        .bind(hi),
    )
    .await
}

/// The rows with the person's ID number in clear.
fn opened(
    key: &crate::crypto::DataKey,
    mut rows: Vec<WarningRow>,
) -> Result<Vec<WarningRow>, StoreError> {
    for r in &mut rows {
        r.person_id_number =
            key.open_opt("warnings.person_id_number", r.person_id_number.take())?;
    }
    Ok(rows)
}

async fn row_in(tx: &mut Tx, actor: &Actor, id: i64) -> Result<WarningRow, StoreError> {
    let (lo, hi) = actor.scope.region.padded_range();
    let row: WarningRow = tx
        .opt(
            q(format!(
                "{ROW_SQL} WHERE w.id = $1 AND h.village_code BETWEEN $2 AND $3"
            ))
            .bind(id)
            .bind(lo)
            .bind(hi),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut rows = opened(tx.data(), vec![row])?;
    Ok(rows.remove(0))
}

/// One warning in scope, with its evidence rows.
pub async fn get(pool: &Pool, actor: &Actor, id: i64) -> Result<WarningDetail, StoreError> {
    check_reads_cases(actor)?;
    let mut tx = pool.begin().await?;
    let warning = row_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    let mut evidence: Vec<EvidenceRow> = pool
        .all(
            q(
                "SELECT r.id, r.batch_id, b.file_name, r.line, r.kind, r.event_date, r.payload
               FROM warning_evidence e JOIN feed_rows r ON r.id = e.feed_row_id
               JOIN feed_batches b ON b.id = r.batch_id
               WHERE e.warning_id = $1 ORDER BY r.event_date, r.id",
            )
            .bind(id),
        )
        .await?;
    for row in &mut evidence {
        row.payload = pool.data().open("feed_rows.payload", &row.payload)?;
        row.redact_for(actor);
    }
    Ok(WarningDetail { warning, evidence })
}

/// The warnings of one household (for its timeline), newest first.
pub async fn of_household(
    pool: &Pool,
    actor: &Actor,
    household_id: i64,
) -> Result<Vec<WarningRow>, StoreError> {
    check_reads_cases(actor)?;
    let (lo, hi) = actor.scope.region.padded_range();
    pool.all(
        q(format!(
            "{ROW_SQL} WHERE w.household_id = $1 AND h.village_code BETWEEN $2 AND $3 ORDER BY w.id DESC"
        ))
        .bind(household_id)
        .bind(lo)
        .bind(hi),
    )
    .await
    .and_then(|rows| opened(pool.data(), rows))
}

fn not_open(w: &WarningRow) -> StoreError {
    StoreError::from(crate::Refusal::WarningNotOpen {
        status: w.status.clone(),
    })
}

fn check_version(w: &WarningRow, version: i64) -> Result<(), StoreError> {
    if w.version == version {
        Ok(())
    } else {
        Err(StoreError::Conflict { current: w.version })
    }
}

async fn resolve(
    tx: &mut Tx,
    actor: &Actor,
    w: &WarningRow,
    status: &'static str,
    resolution: &str,
    link: (Option<i64>, Option<i64>),
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (lead_id, case_id) = link;
    let n = tx
        .execute(
            q("UPDATE warnings SET status = $1, resolution = $2, resolved_by = $3, resolved_at = $4,
                 lead_id = $5, case_id = COALESCE($6, case_id), version = version + 1
               WHERE id = $7 AND version = $8")
            .bind(status)
            .bind(resolution)
            .bind(actor.user_id)
            .bind(now)
            .bind(lead_id)
            .bind(case_id)
            .bind(w.id)
            .bind(w.version),
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Conflict {
            current: w.version + 1,
        });
    }
    let after = serde_json::json!({"status": status, "lead_id": lead_id, "case_id": case_id});
    audit::record(
        tx,
        &[Change {
            user_id: actor.user_id,
            action: status,
            entity: "warning",
            entity_id: w.id.to_string(),
            region: Some(w.village_code.clone()),
            before: Some(serde_json::json!({"status": w.status}).to_string()),
            // The reason is free text about a household: it stays in the warning's row.
            after: Some(after.to_string()),
        }],
    )
    .await
}

/// Dismisses an open warning with a reason.
pub async fn dismiss(
    pool: &Pool,
    actor: &Actor,
    id: i64,
    version: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<WarningRow, StoreError> {
    check_reads_cases(actor)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(crate::Refusal::DismissalReasonEmpty.into());
    }
    let mut tx = pool.begin().await?;
    // The audit chain first, as a screening run takes it: the two never
    // wait on each other in opposite order.
    tx.execute(q("UPDATE audit_chain SET seq = seq WHERE id = 1"))
        .await?;
    let w = row_in(&mut tx, actor, id).await?;
    check_version(&w, version)?;
    if w.status != "open" {
        return Err(not_open(&w));
    }
    resolve(&mut tx, actor, &w, "dismissed", reason, (None, None), now).await?;
    let after = row_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(after)
}

/// What verifying a warning did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Verified {
    /// The warning, now verified.
    pub warning: WarningRow,
    /// The lead it opened, and the case that lead opened, joined or re-entered.
    pub lead: LeadReceipt,
}

/// Verifies an open warning: a lead on the department-warning channel,
/// with the warning's risk type, opens (or joins, or re-enters) the
/// household's case — the same transaction marks the warning verified.
pub async fn verify(
    pool: &Pool,
    actor: &Actor,
    id: i64,
    version: i64,
    note: &str,
    now: DateTime<Utc>,
    policies: &dyn PolicySource,
) -> Result<Verified, StoreError> {
    check_reads_cases(actor)?;
    retry_on_race(|| async move {
        let mut tx = pool.begin().await?;
        let w = row_in(&mut tx, actor, id).await?;
        check_version(&w, version)?;
        if w.status != "open" {
            return Err(not_open(&w));
        }
        let risk = RiskType::parse(&w.risk_type).ok_or_else(|| {
            StoreError::Invalid(format!("stored risk type has unknown code {}", w.risk_type))
        })?;
        let note = match note.trim() {
            "" => format!(
                "部门预警 #{} {}（{}）/ department warning #{} of {} (rule {})",
                w.id, w.rule_set_name, w.rule_id, w.id, w.rule_set_name, w.rule_id
            ),
            n => n.to_string(),
        };
        let lead = crate::cases::leads::lead_for_household_in(
            &mut tx,
            actor,
            w.household_id,
            (Channel::DepartmentWarning, vec![risk], &note),
            now,
            policies,
        )
        .await?;
        let link = (Some(lead.lead_id), lead.case_id);
        resolve(&mut tx, actor, &w, "verified", &note, link, now).await?;
        let warning = row_in(&mut tx, actor, id).await?;
        tx.commit().await?;
        Ok(Verified { warning, lead })
    })
    .await
}
