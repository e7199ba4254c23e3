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
use dixian_domain::screening::EvidencePayload;
use dixian_domain::{Channel, Condition, FeedKind, RiskType, Severity, WarningStatus};
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
    /// `open` (default), `attached`, `verified`, `dismissed` or `all`
    /// (the default when `run` is given).
    pub status: Option<String>,
    /// Only the warnings a screening run raised (its id).
    pub run: Option<i64>,
    /// Page, from 1 (shown; with `after` the rows come from the cursor).
    pub page: Option<i64>,
    /// Keyset cursor: the rows after this one in the list's order (the
    /// `next` of the previous page, [`cursor`]). Reads the page from the
    /// index however deep it is, where `page` alone skips rows.
    pub after: Option<String>,
    /// Rows per page (≤ 200).
    pub per_page: Option<i64>,
}

impl WarningFilter {
    /// Rows per page: `per_page` within 1 ..= 200, 50 by default.
    pub fn rows_per_page(&self) -> i64 {
        self.per_page.unwrap_or(50).clamp(1, 200)
    }
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
    /// Feed kind (its code).
    #[sqlx(try_from = "crate::codes::Stored<FeedKind>")]
    #[schema(value_type = String)]
    pub feed_kind: FeedKind,
    /// Condition (its code).
    #[sqlx(try_from = "crate::codes::Stored<Condition>")]
    #[schema(value_type = String)]
    pub rule_condition: Condition,
    /// Risk type.
    #[sqlx(try_from = "crate::codes::Stored<RiskType>")]
    pub risk_type: RiskType,
    /// Severity: `low`, `medium` or `high`.
    #[sqlx(try_from = "crate::codes::Stored<Severity>")]
    #[schema(value_type = String)]
    pub severity: Severity,
    /// Earliest evidence date.
    pub first_date: NaiveDate,
    /// Latest evidence date.
    pub last_date: NaiveDate,
    /// When raised.
    pub raised_at: DateTime<Utc>,
    /// `open`, `attached`, `verified` or `dismissed`.
    #[sqlx(try_from = "crate::codes::Stored<WarningStatus>")]
    #[schema(value_type = String)]
    pub status: WarningStatus,
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

/// A feed row a warning rests on, its payload decoded into the typed
/// row `P` (the screening crate's `FeedRow`).
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceRow<P> {
    /// `feed_rows.id`.
    pub id: i64,
    /// Batch.
    pub batch_id: i64,
    /// File the batch came in.
    pub file_name: String,
    /// Line in that file.
    pub line: i64,
    /// Feed kind.
    pub kind: FeedKind,
    /// The day the row is about.
    pub event_date: NaiveDate,
    /// The typed row. Health fields ([`HEALTH_FIELDS`]) are left out for
    /// a reader whose role does not see health data.
    pub payload: P,
    /// The fields left out of `payload` for this reader.
    pub withheld: Vec<String>,
}

/// Fields of department rows that are health data (a diagnosis): only
/// roles that [`Role::sees_health_data`](dixian_domain::Role::sees_health_data)
/// read them, whatever the channel (page, API, CLI). The typed row
/// withholds them ([`EvidencePayload::withhold_health`]); a test holds the
/// two lists together.
pub const HEALTH_FIELDS: &[&str] = &["diagnosis"];

#[derive(sqlx::FromRow)]
struct StoredEvidence {
    id: i64,
    batch_id: i64,
    file_name: String,
    line: i64,
    #[sqlx(try_from = "crate::codes::Stored<FeedKind>")]
    kind: FeedKind,
    event_date: NaiveDate,
    payload: String,
}

/// A warning with its evidence.
#[derive(Debug, Clone, Serialize)]
pub struct WarningDetail<P> {
    /// The warning.
    pub warning: WarningRow,
    /// Its evidence, by date.
    pub evidence: Vec<EvidenceRow<P>>,
}

/// The columns of a list row, from its warning `w` and household `h`.
pub(crate) const ROW_COLS: &str = "SELECT w.id, w.household_id, h.number AS household_number, h.head_name, h.village_code,
    w.person_id_number, w.rule_id, w.rule_set_region, w.rule_set_name, w.rule_set_version, w.feed_kind, w.rule_condition,
    w.risk_type, w.severity, w.first_date, w.last_date, w.raised_at, w.status, w.case_id, w.lead_id,
    w.resolution, (SELECT COUNT(*) FROM warning_evidence e WHERE e.warning_id = w.id) AS evidence_rows,
    w.version";

/// A warning joined to its household.
pub(crate) const ROW_FROM: &str = "FROM warnings w JOIN households h ON h.id = w.household_id";

fn bad_filter(what: &str) -> StoreError {
    StoreError::Invalid(format!("unknown {what} in the filter (筛选条件无效)"))
}

/// The keyset cursor of a row: the rows after it in the lists' order
/// (most severe, newest, highest id first). Carries no personal data.
pub fn cursor(w: &WarningRow) -> String {
    format!("{}.{}.{}", w.severity.rank(), w.last_date, w.id)
}

fn parse_cursor(c: &str) -> Result<(i64, NaiveDate, i64), StoreError> {
    let bad = || bad_filter("cursor (after)");
    let mut it = c.splitn(3, '.');
    let rank = it.next().and_then(|x| x.parse().ok()).ok_or_else(bad)?;
    let date = it
        .next()
        .and_then(|x| NaiveDate::parse_from_str(x, "%Y-%m-%d").ok())
        .ok_or_else(bad)?;
    let id = it.next().and_then(|x| x.parse().ok()).ok_or_else(bad)?;
    Ok((rank, date, id))
}

/// A page is read in the lists' order from the index
/// (`warnings_status_order`) and joined to its households, stopping at the
/// page's end, when the scope holds at least this share (1/n) of the
/// matching warnings; below it, from the scope's households.
const ORDERED_SCAN_SHARE: i64 = 20;

/// The warnings of the actor's scope (or the part a filter asks for),
/// most severe and newest first; with the total count.
///
/// Bounded for a whole county: the total (without `run`) sums the
/// counters of `warning_counts` (migration 0015, kept by triggers); the
/// page is read in order from an index and stops after `per_page` rows
/// (≤ 200) when the scope holds much of the matching warnings, and from
/// the scope's households when it holds few (a village, a township).
/// `after` (a [`cursor`]) reads the next page by keyset; `page` alone
/// skips rows (at most 100,000 pages).
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
    // The filter's conditions on the warning, and the same on the counters.
    let mut cond = String::new();
    let mut counted = String::new();
    let status = match f
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or(if f.run.is_some() { "all" } else { "open" })
    {
        "all" => None,
        s => Some(WarningStatus::parse(s).ok_or_else(|| bad_filter("status"))?),
    };
    if let Some(status) = status {
        args.push(status.code().into());
        cond.push_str(&format!(" AND w.status = ${}", args.len()));
        counted.push_str(&format!(" AND c.status = ${}", args.len()));
    }
    if let Some(r) = f.risk.as_deref().filter(|s| !s.is_empty()) {
        let risk = RiskType::parse(r).ok_or_else(|| bad_filter("risk type"))?;
        args.push(risk.code().into());
        cond.push_str(&format!(" AND w.risk_type = ${}", args.len()));
        counted.push_str(&format!(" AND c.risk_type = ${}", args.len()));
    }
    if let Some(s) = f.severity.as_deref().filter(|s| !s.is_empty()) {
        let severity = Severity::parse(s).ok_or_else(|| bad_filter("severity"))?;
        args.push(severity.code().into());
        cond.push_str(&format!(" AND w.severity = ${}", args.len()));
        counted.push_str(&format!(" AND c.severity = ${}", args.len()));
    }
    let bind = |sql: String, args: &[Arg]| args.iter().cloned().fold(q(sql), |qq, a| qq.bind(a));
    let (total, ordered) = if let Some(run) = f.run {
        // One run's warnings: counted directly (index on run_id).
        args.push(run.into());
        cond.push_str(&format!(" AND w.run_id = ${}", args.len()));
        let (total,): (i64,) = pool
            .one(bind(
                format!(
                    "SELECT COUNT(*) FROM warnings w JOIN households h ON h.id = w.household_id
                     WHERE h.village_code BETWEEN $1 AND $2{cond}"
                ),
                &args,
            ))
            .await?;
        (total, false)
    } else {
        let (total, all): (i64, i64) = pool
            .one(bind(
                format!(
                    "SELECT CAST(COALESCE(SUM(CASE WHEN c.village_code BETWEEN $1 AND $2 THEN c.n ELSE 0 END), 0) AS BIGINT),
                            CAST(COALESCE(SUM(c.n), 0) AS BIGINT)
                       FROM warning_counts c WHERE 1 = 1{counted}"
                ),
                &args,
            ))
            .await?;
        (total, total > 0 && total * ORDERED_SCAN_SHARE >= all)
    };
    if let Some(after) = f.after.as_deref().filter(|s| !s.is_empty()) {
        let (rank, date, id) = parse_cursor(after)?;
        args.push(rank.into());
        args.push(date.into());
        args.push(id.into());
        let n = args.len();
        cond.push_str(&format!(
            " AND (w.severity_rank < ${} OR (w.severity_rank = ${} AND (w.last_date < ${} OR (w.last_date = ${} AND w.id < ${n}))))",
            n - 2,
            n - 2,
            n - 1,
            n - 1
        ));
    }
    let per_page = f.rows_per_page();
    let offset = if f.after.as_deref().is_some_and(|s| !s.is_empty()) {
        0
    } else {
        (f.page.unwrap_or(1).clamp(1, 100_000) - 1) * per_page
    };
    // SQLite plans without statistics: CROSS JOIN makes it read the
    // warnings (in index order) first; PostgreSQL chooses by its own.
    let from = if ordered && !pool.is_postgres() {
        "FROM warnings w CROSS JOIN households h ON h.id = w.household_id"
    } else {
        ROW_FROM
    };
    let sql = format!(
        "{ROW_COLS} {from} WHERE h.village_code BETWEEN $1 AND $2{cond}
         ORDER BY w.severity_rank DESC, w.last_date DESC, w.id DESC LIMIT {per_page} OFFSET {offset}"
    );
    let rows = pool.all(bind(sql, &args)).await?;
    Ok((opened(pool.data(), rows)?, total))
}

/// Counts of open warnings per child region of the actor's scope
/// (township for a county, village for a township): for the list's
/// summary. Summed from `warning_counts`, never from the warnings.
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
            "SELECT SUBSTR(village_code, 1, {digits}) AS child, CAST(SUM(n) AS BIGINT) FROM warning_counts
             WHERE village_code BETWEEN $1 AND $2 AND status = 'open'
             GROUP BY SUBSTR(village_code, 1, {digits}) HAVING SUM(n) > 0 ORDER BY child"
        ))
        .bind(lo)
        .bind(hi),
    )
    .await
}

/// The rows with the person's ID number in clear.
pub(crate) fn opened(
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
                "{ROW_COLS} {ROW_FROM} WHERE w.id = $1 AND h.village_code BETWEEN $2 AND $3"
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

/// One warning in scope, with its evidence rows decoded into the typed
/// row `P`, the health fields withheld for a role that does not see them.
pub async fn get<P: EvidencePayload>(
    pool: &Pool,
    actor: &Actor,
    id: i64,
) -> Result<WarningDetail<P>, StoreError> {
    check_reads_cases(actor)?;
    let mut tx = pool.begin().await?;
    let warning = row_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    let stored: Vec<StoredEvidence> = pool
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
    let health = actor.scope.role.sees_health_data();
    let evidence = stored
        .into_iter()
        .map(|r| {
            let mut payload: P = crate::screening::decode_payload(pool.data(), r.id, &r.payload)?;
            let withheld = if health {
                Vec::new()
            } else {
                payload
                    .withhold_health()
                    .into_iter()
                    .map(str::to_string)
                    .collect()
            };
            Ok(EvidenceRow {
                id: r.id,
                batch_id: r.batch_id,
                file_name: r.file_name,
                line: r.line,
                kind: r.kind,
                event_date: r.event_date,
                payload,
                withheld,
            })
        })
        .collect::<Result<_, StoreError>>()?;
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
            "{ROW_COLS} {ROW_FROM} WHERE w.household_id = $1 AND h.village_code BETWEEN $2 AND $3 ORDER BY w.id DESC"
        ))
        .bind(household_id)
        .bind(lo)
        .bind(hi),
    )
    .await
    .and_then(|rows| opened(pool.data(), rows))
}

fn not_open(w: &WarningRow) -> StoreError {
    StoreError::from(crate::Refusal::WarningNotOpen { status: w.status })
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
    status: WarningStatus,
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
            .bind(status.code())
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
    let after =
        serde_json::json!({"status": status.code(), "lead_id": lead_id, "case_id": case_id});
    audit::record(
        tx,
        &[Change {
            user_id: actor.user_id,
            action: status.code(),
            entity: "warning",
            entity_id: w.id.to_string(),
            region: Some(w.village_code.clone()),
            before: Some(serde_json::json!({"status": w.status.code()}).to_string()),
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
    if w.status != WarningStatus::Open {
        return Err(not_open(&w));
    }
    resolve(
        &mut tx,
        actor,
        &w,
        WarningStatus::Dismissed,
        reason,
        (None, None),
        now,
    )
    .await?;
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
        if w.status != WarningStatus::Open {
            return Err(not_open(&w));
        }
        let risk = w.risk_type;
        let note = match note.trim() {
            "" => format!(
                "部门预警 #{}：{}（{}）/ department warning #{}: {}",
                w.id,
                w.risk_type.label_zh(),
                w.rule_set_name,
                w.id,
                w.risk_type.label_en()
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
        resolve(
            &mut tx,
            actor,
            &w,
            WarningStatus::Verified,
            &note,
            link,
            now,
        )
        .await?;
        let warning = row_in(&mut tx, actor, id).await?;
        tx.commit().await?;
        Ok(Verified { warning, lead })
    })
    .await
}
