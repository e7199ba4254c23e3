//! 规模性返贫预警 kept: the events the detector reads (warnings and leads
//! of a region), the alerts a run raises or grows (never the same alert
//! twice), who was told (the township and the county), the lists by
//! scope, and the resolution with its reason (audited). The detector
//! itself is `dixian_domain::alerts::detect`; docs/alerts.md.

use crate::audit::{self, Change};
use crate::cases::check_reads_cases;
use crate::db::{Arg, Tx, q};
use crate::users::Actor;
use crate::{Pool, Refusal, StoreError};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use dixian_domain::alerts::{AlertEvent, AlertStatus, Detected, EventSource};
use dixian_domain::case::china_date;
use dixian_domain::{RegionCode, RegionLevel, RiskType, Role, Severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The longest resolution text kept, in characters.
pub const RESOLUTION_MAX_CHARS: usize = 2000;

#[derive(sqlx::FromRow)]
struct WarningEvent {
    id: i64,
    household_id: i64,
    village_code: String,
    risk_type: String,
    last_date: NaiveDate,
}

#[derive(sqlx::FromRow)]
struct LeadEvent {
    id: i64,
    household_id: i64,
    village_code: String,
    risk_types: String,
    case_id: Option<i64>,
    created_at: DateTime<Utc>,
}

/// The events of `region` from `from` to `to` (China days): warnings not
/// dismissed (on the day of their latest evidence) and matched leads not
/// dismissed (on the day they came in; a lead with a case is the case),
/// one event per risk type.
pub async fn events(
    pool: &Pool,
    region: &RegionCode,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<AlertEvent>, StoreError> {
    let (lo, hi) = region.padded_range();
    let warnings: Vec<WarningEvent> = pool
        .all(
            q(
                "SELECT id, household_id, village_code, risk_type, last_date FROM warnings
               WHERE village_code BETWEEN $1 AND $2 AND last_date BETWEEN $3 AND $4
                 AND status <> 'dismissed'",
            )
            .bind(lo.as_str())
            .bind(hi.as_str())
            .bind(from)
            .bind(to),
        )
        .await?;
    let start = from.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() - Duration::days(1);
    let end = to.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() + Duration::days(2);
    let leads: Vec<LeadEvent> = pool
        .all(
            q(
                "SELECT id, household_id, village_code, risk_types, case_id, created_at FROM leads
               WHERE village_code BETWEEN $1 AND $2 AND created_at >= $3 AND created_at < $4
                 AND household_id IS NOT NULL AND status <> 'dismissed'",
            )
            .bind(lo.as_str())
            .bind(hi.as_str())
            .bind(start)
            .bind(end),
        )
        .await?;
    let mut out = Vec::new();
    for w in warnings {
        let (Ok(village), Some(risk)) = (
            RegionCode::parse(&w.village_code),
            RiskType::parse(&w.risk_type),
        ) else {
            continue;
        };
        out.push(AlertEvent {
            on: w.last_date,
            village,
            risk,
            household: w.household_id,
            source: EventSource::Warning,
            source_id: w.id,
        });
    }
    for l in leads {
        let on = china_date(l.created_at);
        let Ok(village) = RegionCode::parse(&l.village_code) else {
            continue;
        };
        if on < from || on > to {
            continue;
        }
        let (source, source_id) = match l.case_id {
            Some(c) => (EventSource::Case, c),
            None => (EventSource::Lead, l.id),
        };
        for risk in l.risk_types.split(',').filter_map(RiskType::parse) {
            out.push(AlertEvent {
                on,
                village: village.clone(),
                risk,
                household: l.household_id,
                source,
                source_id,
            });
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// What one run of the detector did to the stored alerts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RunOutcome {
    /// Alerts opened.
    pub raised: Vec<i64>,
    /// Open alerts that took new evidence.
    pub grown: Vec<i64>,
    /// Places flagged again with nothing new (open or resolved before).
    pub unchanged: u32,
}

/// Who is told of an alert of `region`: its township (for a village or
/// township alert) and its county.
pub fn recipients(region: &RegionCode) -> Vec<RegionCode> {
    [RegionLevel::Township, RegionLevel::County]
        .into_iter()
        .filter_map(|l| region.ancestor(l))
        .collect()
}

type EvidenceKey = (String, i64);

fn key(e: &AlertEvent) -> EvidenceKey {
    (e.source.code().to_string(), e.source_id)
}

/// Stores what the detector found, in one transaction: an open alert of
/// the same region and risk type takes the new evidence (its window
/// reaches the new day, its severity never falls); without one, an alert
/// is opened unless a resolved one already holds every event of the
/// window. New alerts are told to their township and county, and
/// audited.
pub async fn record(
    pool: &Pool,
    found: &[Detected],
    rule_set_name: &str,
    now: DateTime<Utc>,
) -> Result<RunOutcome, StoreError> {
    let mut tx = pool.begin().await?;
    // The audit chain first: runs (and resolutions) take turns.
    tx.execute(q("UPDATE audit_chain SET seq = seq WHERE id = 1"))
        .await?;
    let mut out = RunOutcome::default();
    for d in found {
        let region = d.region.as_str();
        let risk = d.risk.code();
        let open: Option<(i64, i64, NaiveDate)> = tx
            .opt(
                q("SELECT id, severity_rank, window_from FROM alerts
                   WHERE region_code = $1 AND risk_type = $2 AND status = 'open'")
                .bind(region)
                .bind(risk),
            )
            .await?;
        if let Some((id, rank, window_from)) = open {
            let added = add_evidence(&mut tx, id, &d.evidence, now).await?;
            if added == 0 {
                out.unchanged += 1;
                continue;
            }
            let (households,): (i64,) = tx
                .one(
                    q("SELECT COUNT(DISTINCT household_id) FROM alert_evidence WHERE alert_id = $1")
                        .bind(id),
                )
                .await?;
            let severity = if d.severity.rank() >= rank {
                d.severity
            } else {
                Severity::ALL
                    .into_iter()
                    .find(|s| s.rank() == rank)
                    .unwrap_or(d.severity)
            };
            tx.execute(
                q("UPDATE alerts SET window_from = $1, window_to = $2, households = $3,
                       baseline_mean = $4, baseline_sigma = $5, baseline_windows = $6, threshold = $7,
                       severity = $8, severity_rank = $9, updated_at = $10, version = version + 1
                   WHERE id = $11")
                .bind(window_from.min(d.window_from))
                .bind(d.window_to)
                .bind(households)
                .bind(d.baseline_mean)
                .bind(d.baseline_sigma)
                .bind(i64::from(d.baseline_windows))
                .bind(d.threshold)
                .bind(severity.code())
                .bind(severity.rank())
                .bind(now)
                .bind(id),
            )
            .await?;
            out.grown.push(id);
            continue;
        }
        let known: Vec<(String, i64)> = tx
            .all(
                q("SELECT e.source, e.source_id FROM alert_evidence e JOIN alerts a ON a.id = e.alert_id
                   WHERE a.region_code = $1 AND a.risk_type = $2")
                .bind(region)
                .bind(risk),
            )
            .await?;
        let known: BTreeSet<EvidenceKey> = known.into_iter().collect();
        if !known.is_empty() && d.evidence.iter().all(|e| known.contains(&key(e))) {
            out.unchanged += 1;
            continue;
        }
        let (id,): (i64,) = tx
            .one(
                q("INSERT INTO alerts (region_code, region_padded, level, risk_type, window_from, window_to,
                       households, baseline_mean, baseline_sigma, baseline_windows, threshold, severity,
                       severity_rank, status, rule_set_name, raised_at, updated_at)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'open', $14, $15, $15)
                   RETURNING id")
                .bind(region)
                .bind(d.region.padded12())
                .bind(d.level as i64)
                .bind(risk)
                .bind(d.window_from)
                .bind(d.window_to)
                .bind(i64::from(d.households))
                .bind(d.baseline_mean)
                .bind(d.baseline_sigma)
                .bind(i64::from(d.baseline_windows))
                .bind(d.threshold)
                .bind(d.severity.code())
                .bind(d.severity.rank())
                .bind(rule_set_name)
                .bind(now),
            )
            .await?;
        add_evidence(&mut tx, id, &d.evidence, now).await?;
        for r in recipients(&d.region) {
            tx.execute(
                q("INSERT INTO alert_recipients (alert_id, region_code, told_at) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(r.as_str())
                    .bind(now),
            )
            .await?;
        }
        let after = serde_json::json!({"region": region, "risk_type": risk,
            "window_from": d.window_from, "window_to": d.window_to, "households": d.households,
            "threshold": d.threshold, "severity": d.severity.code()});
        audit::record(
            &mut tx,
            &[Change {
                user_id: None,
                action: "create",
                entity: "alert",
                entity_id: id.to_string(),
                region: Some(region.to_string()),
                before: None,
                after: Some(after.to_string()),
            }],
        )
        .await?;
        out.raised.push(id);
    }
    tx.commit().await?;
    Ok(out)
}

/// Adds the events an alert does not hold yet; how many were new.
async fn add_evidence(
    tx: &mut Tx,
    alert_id: i64,
    evidence: &[AlertEvent],
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let mut added = 0;
    for e in evidence {
        added += tx
            .execute(
                q("INSERT INTO alert_evidence (alert_id, source, source_id, household_id, village_code,
                       on_date, added_at)
                   VALUES ($1, $2, $3, $4, $5, $6, $7)
                   ON CONFLICT (alert_id, source, source_id) DO NOTHING")
                .bind(alert_id)
                .bind(e.source.code())
                .bind(e.source_id)
                .bind(e.household)
                .bind(e.village.padded12())
                .bind(e.on)
                .bind(now),
            )
            .await?;
    }
    Ok(added)
}

/// Filters of the alert list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams, utoipa::ToSchema)]
pub struct AlertFilter {
    /// Only alerts of places inside this region (any level; the figures
    /// link here); defaults to the user's scope.
    pub region: Option<String>,
    /// `village`, `township` or `county`.
    pub level: Option<String>,
    /// Risk type code (e.g. `disaster`).
    pub risk: Option<String>,
    /// `open` (default), `resolved` or `all`.
    pub status: Option<String>,
}

/// One alert.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct AlertRow {
    /// Id.
    pub id: i64,
    /// The village, township or county flagged.
    pub region_code: String,
    /// 3 county, 4 township, 5 village.
    pub level: i64,
    /// Risk type.
    #[sqlx(try_from = "crate::codes::Stored<RiskType>")]
    pub risk_type: RiskType,
    /// First day of the window.
    pub window_from: NaiveDate,
    /// Last day of the window.
    pub window_to: NaiveDate,
    /// Households hit within the window (all its evidence).
    pub households: i64,
    /// Usual households per window (the baseline's mean).
    pub baseline_mean: f64,
    /// The baseline's σ (at least √mean).
    pub baseline_sigma: f64,
    /// Baseline windows counted.
    pub baseline_windows: i64,
    /// max(minimum, mean + k·σ).
    pub threshold: f64,
    /// `low`, `medium` or `high`.
    #[sqlx(try_from = "crate::codes::Stored<Severity>")]
    #[schema(value_type = String)]
    pub severity: Severity,
    /// `open` or `resolved`.
    #[sqlx(try_from = "crate::codes::Stored<AlertStatus>")]
    pub status: AlertStatus,
    /// The rule set whose `[alerts]` numbers were used.
    pub rule_set_name: String,
    /// When raised.
    pub raised_at: DateTime<Utc>,
    /// Last grown.
    pub updated_at: DateTime<Utc>,
    /// Who resolved it.
    pub resolved_by: Option<i64>,
    /// When.
    pub resolved_at: Option<DateTime<Utc>>,
    /// What was done (the resolution).
    pub resolution: Option<String>,
    /// Version, for resolve.
    pub version: i64,
}

const COLS: &str = "a.id, a.region_code, a.level, a.risk_type, a.window_from, a.window_to, a.households,
    a.baseline_mean, a.baseline_sigma, a.baseline_windows, a.threshold, a.severity, a.status,
    a.rule_set_name, a.raised_at, a.updated_at, a.resolved_by, a.resolved_at, a.resolution, a.version";

fn bad_filter(what: &str) -> StoreError {
    StoreError::Invalid(format!("unknown {what} in the filter (筛选条件无效)"))
}

/// The alerts of the actor's scope (regions inside it), most severe and
/// newest first.
pub async fn list(
    pool: &Pool,
    actor: &Actor,
    f: &AlertFilter,
) -> Result<Vec<AlertRow>, StoreError> {
    check_reads_cases(actor)?;
    let Some(region) = crate::households::effective_region(actor, f.region.as_deref())? else {
        return Ok(Vec::new());
    };
    let (lo, hi) = region.padded_range();
    let mut args: Vec<Arg> = vec![lo.into(), hi.into()];
    let mut cond = String::from(" WHERE a.region_padded BETWEEN $1 AND $2");
    match f
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or("open")
    {
        "all" => {}
        s => {
            let status = AlertStatus::parse(s).ok_or_else(|| bad_filter("status"))?;
            args.push(status.code().into());
            cond.push_str(&format!(" AND a.status = ${}", args.len()));
        }
    }
    if let Some(l) = f.level.as_deref().filter(|s| !s.is_empty()) {
        let level = match l {
            "village" => RegionLevel::Village,
            "township" => RegionLevel::Township,
            "county" => RegionLevel::County,
            _ => return Err(bad_filter("level")),
        };
        args.push((level as i64).into());
        cond.push_str(&format!(" AND a.level = ${}", args.len()));
    }
    if let Some(r) = f.risk.as_deref().filter(|s| !s.is_empty()) {
        let risk = RiskType::parse(r).ok_or_else(|| bad_filter("risk type"))?;
        args.push(risk.code().into());
        cond.push_str(&format!(" AND a.risk_type = ${}", args.len()));
    }
    let sql = format!(
        "SELECT {COLS} FROM alerts a{cond} ORDER BY a.severity_rank DESC, a.window_to DESC, a.id DESC LIMIT 500"
    );
    pool.all(args.into_iter().fold(q(sql), |qq, a| qq.bind(a)))
        .await
}

/// The open alerts told to the actor's own region (a township's or a
/// county's inbox), most severe first.
pub async fn inbox(pool: &Pool, actor: &Actor) -> Result<Vec<AlertRow>, StoreError> {
    check_reads_cases(actor)?;
    pool.all(
        q(format!(
            "SELECT {COLS} FROM alerts a JOIN alert_recipients r ON r.alert_id = a.id
             WHERE r.region_code = $1 AND a.status = 'open'
             ORDER BY a.severity_rank DESC, a.window_to DESC, a.id DESC LIMIT 100"
        ))
        .bind(actor.scope.region.as_str()),
    )
    .await
}

/// One event of an alert, with its household.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct EvidenceLine {
    /// `warning`, `lead` or `case`.
    #[sqlx(try_from = "crate::codes::Stored<EventSource>")]
    pub source: EventSource,
    /// The warning's, lead's or case's id.
    pub source_id: i64,
    /// Household id.
    pub household_id: i64,
    /// 户编号.
    pub household_number: String,
    /// Head of household (personal data: masked by the use case).
    pub head_name: String,
    /// Village (12 digits).
    pub village_code: String,
    /// The day of the event.
    pub on_date: NaiveDate,
}

/// An alert with its evidence and who was told.
#[derive(Debug, Clone, Serialize)]
pub struct AlertDetail {
    /// The alert.
    pub alert: AlertRow,
    /// Its events, by day: the first [`EVIDENCE_SHOWN`] of them.
    pub evidence: Vec<EvidenceLine>,
    /// All its events in the reader's scope (may exceed `evidence.len()`).
    pub evidence_total: i64,
    /// Distinct villages of all those events.
    pub villages: i64,
    /// The regions told (township, county), with when.
    pub told: Vec<(String, DateTime<Utc>)>,
}

async fn row_in(tx: &mut Tx, actor: &Actor, id: i64) -> Result<AlertRow, StoreError> {
    let (lo, hi) = actor.scope.region.padded_range();
    tx.opt(
        q(format!(
            "SELECT {COLS} FROM alerts a WHERE a.id = $1 AND a.region_padded BETWEEN $2 AND $3"
        ))
        .bind(id)
        .bind(lo)
        .bind(hi),
    )
    .await?
    .ok_or(StoreError::NotFound)
}

/// The most events of one alert's evidence read at once: a flood over a
/// township may count thousands of households; the page and the API show
/// the first ones and say how many there are in all.
pub const EVIDENCE_SHOWN: i64 = 1000;

/// One alert in scope with its evidence (the households still inside the
/// actor's scope) and recipients.
pub async fn get(pool: &Pool, actor: &Actor, id: i64) -> Result<AlertDetail, StoreError> {
    check_reads_cases(actor)?;
    let mut tx = pool.begin_snapshot().await?;
    let alert = row_in(&mut tx, actor, id).await?;
    // a household that has moved out of the reader's scope since is not shown
    let (lo, hi) = actor.scope.region.padded_range();
    let evidence: Vec<EvidenceLine> = tx
        .all(
            q("SELECT e.source, e.source_id, e.household_id, h.number AS household_number, h.head_name,
                   e.village_code, e.on_date
               FROM alert_evidence e JOIN households h ON h.id = e.household_id
               WHERE e.alert_id = $1 AND h.village_code BETWEEN $2 AND $3
               ORDER BY e.on_date, e.village_code, e.household_id, e.source, e.source_id
               LIMIT $4")
            .bind(id)
            .bind(lo.as_str())
            .bind(hi.as_str())
            .bind(EVIDENCE_SHOWN),
        )
        .await?;
    let (evidence_total, villages): (i64, i64) = tx
        .one(
            q("SELECT COUNT(*), COUNT(DISTINCT e.village_code)
               FROM alert_evidence e JOIN households h ON h.id = e.household_id
               WHERE e.alert_id = $1 AND h.village_code BETWEEN $2 AND $3")
            .bind(id)
            .bind(lo.as_str())
            .bind(hi.as_str()),
        )
        .await?;
    let told: Vec<(String, DateTime<Utc>)> = tx
        .all(
            q("SELECT region_code, told_at FROM alert_recipients WHERE alert_id = $1 ORDER BY region_code DESC")
                .bind(id),
        )
        .await?;
    tx.commit().await?;
    Ok(AlertDetail {
        alert,
        evidence,
        evidence_total,
        villages,
        told,
    })
}

/// Whether the role may resolve alerts: the township and the county, who
/// are told of them.
pub fn may_resolve(role: Role) -> bool {
    matches!(role, Role::TownshipReviewer | Role::CountyAdmin)
}

/// Resolves an open alert in scope with what was done (required),
/// audited with the reason.
pub async fn resolve(
    pool: &Pool,
    actor: &Actor,
    id: i64,
    version: i64,
    resolution: &str,
    now: DateTime<Utc>,
) -> Result<AlertRow, StoreError> {
    check_reads_cases(actor)?;
    let mut tx = pool.begin().await?;
    tx.execute(q("UPDATE audit_chain SET seq = seq WHERE id = 1"))
        .await?;
    // Out of scope is absent before anything else is said of it.
    let a = row_in(&mut tx, actor, id).await?;
    if !may_resolve(actor.scope.role) {
        return Err(StoreError::Forbidden);
    }
    let resolution = resolution.trim();
    if resolution.is_empty() {
        return Err(Refusal::InvalidField {
            field: "resolution".into(),
            reason: "say what was done about the alert; it must not be empty (请填写处置情况)"
                .into(),
        }
        .into());
    }
    if resolution.chars().count() > RESOLUTION_MAX_CHARS {
        return Err(Refusal::InvalidField {
            field: "resolution".into(),
            reason: format!(
                "at most {RESOLUTION_MAX_CHARS} characters (处置情况不能超过{RESOLUTION_MAX_CHARS}字)"
            ),
        }
        .into());
    }
    if a.version != version {
        return Err(StoreError::Conflict { current: a.version });
    }
    if a.status != AlertStatus::Open {
        return Err(Refusal::InvalidField {
            field: "status".into(),
            reason: "the alert is resolved already (该预警已处置)".into(),
        }
        .into());
    }
    tx.execute(
        q("UPDATE alerts SET status = 'resolved', resolution = $1, resolved_by = $2, resolved_at = $3,
               version = version + 1, updated_at = $3 WHERE id = $4")
        .bind(resolution)
        .bind(actor.user_id)
        .bind(now)
        .bind(id),
    )
    .await?;
    audit::record(
        &mut tx,
        &[Change {
            user_id: actor.user_id,
            action: "resolve",
            entity: "alert",
            entity_id: id.to_string(),
            region: Some(a.region_code.clone()),
            before: Some(serde_json::json!({"status": "open"}).to_string()),
            after: Some(
                serde_json::json!({"status": "resolved", "resolution": resolution}).to_string(),
            ),
        }],
    )
    .await?;
    let after = row_in(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(after)
}

/// What the figures count of an alert: its place, status and times.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AlertFacts {
    /// The village, township or county flagged.
    pub region_code: String,
    /// `open` or `resolved`.
    pub status: String,
    /// When raised.
    pub raised_at: DateTime<Utc>,
    /// When resolved.
    pub resolved_at: Option<DateTime<Utc>>,
}

/// Alerts the figures read at most per answer: alerts are few (one open
/// per place and risk type); beyond this the answer is refused rather
/// than cut short.
pub const FIGURE_ALERTS_MAX: usize = 50_000;

/// The alerts of places inside `region` that are open now or were
/// raised or resolved on or after `since` (statistics: no role check —
/// the figures' use case decides who reads the counts; no evidence, no
/// household is read).
pub async fn facts_for_figures(
    pool: &Pool,
    region: &RegionCode,
    since: DateTime<Utc>,
) -> Result<Vec<AlertFacts>, StoreError> {
    let (lo, hi) = region.padded_range();
    let rows: Vec<AlertFacts> = pool
        .all(
            q(format!(
                "SELECT region_code, status, raised_at, resolved_at FROM alerts
                  WHERE region_padded BETWEEN $1 AND $2
                    AND (status = 'open' OR raised_at >= $3 OR resolved_at >= $3)
                  LIMIT {}",
                FIGURE_ALERTS_MAX + 1
            ))
            .bind(lo)
            .bind(hi)
            .bind(since),
        )
        .await?;
    if rows.len() > FIGURE_ALERTS_MAX {
        return Err(StoreError::Invalid(format!(
            "region: more than {FIGURE_ALERTS_MAX} alerts to count; ask for a smaller region (预警过多，请选择较小的区划)"
        )));
    }
    Ok(rows)
}
