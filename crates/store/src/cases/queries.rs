//! Reading cases for work: the inbox of a role, overdue cases per
//! township, the village's notice (公示) round, a household's timeline and
//! the risk-elimination check.

use super::leads::{parse_channel, parse_risks};
use super::{PolicySource, check_reads_cases, get_case, parse_snapshot};
use crate::assistance;
use crate::db::{Pool, q};
use crate::households;
use crate::users::Actor;
use crate::{Refusal, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::assistance::{FollowUpVisit, Measure};
use dixian_domain::case::{
    EliminationFacts, EliminationReport, china_date, elimination_check as check,
};
use dixian_domain::{
    Case, CaseError, CaseStage, Category, Channel, EventKind, Overdue, RegionCode, RegionLevel,
    RiskType, WorkflowPolicy, overdue as overdue_of,
};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashMap;

/// Policies looked up once per village within one request.
struct PolicyCache<'a> {
    source: &'a dyn PolicySource,
    today: NaiveDate,
    seen: HashMap<String, Option<WorkflowPolicy>>,
}

impl<'a> PolicyCache<'a> {
    fn new(source: &'a dyn PolicySource, now: DateTime<Utc>) -> Self {
        PolicyCache {
            source,
            today: china_date(now),
            seen: HashMap::new(),
        }
    }

    fn get(&mut self, village: &RegionCode) -> Option<&WorkflowPolicy> {
        let (source, today) = (self.source, self.today);
        self.seen
            .entry(village.as_str().to_string())
            .or_insert_with(|| source.policy_for(village, today))
            .as_ref()
    }
}

/// A case waiting on the actor's level.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InboxCase {
    /// Case id.
    pub case_id: i64,
    /// Household id.
    pub household_id: i64,
    /// 户编号
    pub household_number: String,
    /// Head's name.
    pub head_name: String,
    /// Village code.
    pub village_code: String,
    /// Where the case stands.
    pub stage: CaseStage,
    /// Version, to send with an event.
    pub version: i64,
    /// Since when.
    pub stage_entered_at: DateTime<Utc>,
    /// Due day of the step.
    pub due_on: Option<NaiveDate>,
    /// Late, and who is told, under today's rules.
    pub overdue: Option<Overdue>,
    /// What the actor may record now.
    pub allowed_events: Vec<EventKind>,
    /// 退回补充: the reviewer's reason while the case waits on it (it was
    /// sent back and has not moved since).
    pub returned_reason: Option<String>,
}

/// A resident's declaration that matched no registered household: the
/// village checks it. Personal data: shown to working roles only.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InboxLead {
    /// Lead id.
    pub lead_id: i64,
    /// Reference number given to the declarant.
    pub reference: String,
    /// 途径
    pub channel: Channel,
    /// Village code declared.
    pub village_code: String,
    /// Risk types named.
    pub risk_types: Vec<RiskType>,
    /// What happened.
    pub note: String,
    /// Declarant's name.
    pub declarant_name: Option<String>,
    /// Declarant's ID number (kept until matched).
    pub declarant_id_number: Option<String>,
    /// Declarant's phone.
    pub declarant_phone: Option<String>,
    /// Received.
    pub created_at: DateTime<Utc>,
}

/// What waits on the actor.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Inbox {
    /// Cases at a step the actor's level owes, oldest first.
    pub cases: Vec<InboxCase>,
    /// Unmatched declarations (village cadres only), oldest first.
    pub leads: Vec<InboxLead>,
}

/// The most rows a work list returns at once.
const LIST_LIMIT: i64 = 500;

#[derive(sqlx::FromRow)]
struct InboxRow {
    id: i64,
    household_id: i64,
    number: String,
    head_name: String,
    village_code: String,
    snapshot: String,
    version: i64,
    due_on: Option<NaiveDate>,
}

#[derive(sqlx::FromRow)]
struct LeadRow {
    id: i64,
    reference: String,
    channel: String,
    village_code: String,
    risk_types: String,
    note: String,
    declarant_name: Option<String>,
    declarant_id_number: Option<String>,
    declarant_phone: Option<String>,
    created_at: DateTime<Utc>,
}

fn in_list(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Cases in the actor's scope at a step the actor's level owes (home
/// checks to notices for a village cadre, reviews for a township
/// reviewer, approvals for a county admin), oldest first; and, for a
/// village cadre, the unmatched declarations of the village.
pub async fn inbox(
    pool: &Pool,
    actor: &Actor,
    now: DateTime<Utc>,
    policies: &dyn PolicySource,
) -> Result<Inbox, StoreError> {
    check_reads_cases(actor)?;
    let level = actor.scope.role.scope_level();
    let stages: Vec<&str> = CaseStage::ALL
        .iter()
        .filter(|s| s.owner() == Some(level))
        .map(|s| s.code())
        .collect();
    let (lo, hi) = actor.scope.region.padded_range();
    let sql = format!(
        "SELECT c.id, c.household_id, h.number, h.head_name, c.village_code, c.snapshot, c.version, c.due_on
         FROM cases c JOIN households h ON h.id = c.household_id
         WHERE c.village_code BETWEEN $1 AND $2 AND c.stage IN ({})
         ORDER BY c.stage_entered_at, c.id LIMIT {LIST_LIMIT}",
        in_list(3, stages.len())
    );
    let query = stages
        .iter()
        .fold(q(sql).bind(lo.as_str()).bind(hi.as_str()), |qq, s| {
            qq.bind(*s)
        });
    let rows: Vec<InboxRow> = pool.all(query).await?;
    let mut cache = PolicyCache::new(policies, now);
    let mut cases = Vec::with_capacity(rows.len());
    for r in rows {
        let case = parse_snapshot(r.id, &r.snapshot)?;
        let overdue = cache
            .get(&case.village)
            .and_then(|p| overdue_of(&case, p, now));
        cases.push(InboxCase {
            case_id: r.id,
            household_id: r.household_id,
            household_number: r.number,
            head_name: r.head_name,
            village_code: r.village_code,
            stage: case.stage,
            version: r.version,
            stage_entered_at: case.stage_entered_at,
            due_on: r.due_on,
            overdue,
            allowed_events: case.allowed_events(actor.scope.role),
            returned_reason: case
                .returned
                .as_ref()
                .filter(|r| r.pending(&case))
                .map(|r| r.reason.clone()),
        });
    }
    let leads = if level == RegionLevel::Village {
        unmatched_leads(pool, &lo, &hi).await?
    } else {
        Vec::new()
    };
    Ok(Inbox { cases, leads })
}

async fn unmatched_leads(pool: &Pool, lo: &str, hi: &str) -> Result<Vec<InboxLead>, StoreError> {
    let rows: Vec<LeadRow> = pool
        .all(
            q(format!(
                "SELECT id, reference, channel, village_code, risk_types, note, declarant_name, declarant_id_number,
                 declarant_phone, created_at FROM leads
                 WHERE village_code BETWEEN $1 AND $2 AND status = 'unmatched' ORDER BY created_at, id LIMIT {LIST_LIMIT}"
            ))
            .bind(lo)
            .bind(hi),
        )
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(InboxLead {
                lead_id: r.id,
                reference: r.reference,
                channel: parse_channel(&r.channel)?,
                village_code: r.village_code,
                risk_types: parse_risks(&r.risk_types)?,
                note: r.note,
                declarant_name: r.declarant_name,
                declarant_id_number: pool
                    .data()
                    .open_opt("leads.declarant_id_number", r.declarant_id_number)?,
                declarant_phone: pool
                    .data()
                    .open_opt("leads.declarant_phone", r.declarant_phone)?,
                created_at: r.created_at,
            })
        })
        .collect()
}

/// An overdue case (督办).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OverdueCase {
    /// Case id.
    pub case_id: i64,
    /// Household id.
    pub household_id: i64,
    /// 户编号
    pub household_number: String,
    /// Head's name (working roles only: the list is not public).
    pub head_name: String,
    /// Village code.
    pub village_code: String,
    /// Village name.
    pub village_name: String,
    /// The step that is late.
    pub stage: CaseStage,
    /// Its deadline, how late, and who is told.
    pub overdue: Overdue,
}

/// The overdue cases of one township, most late first.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TownshipOverdue {
    /// 9-digit township code.
    pub township_code: String,
    /// Township name.
    pub township_name: String,
    /// Its overdue cases.
    pub cases: Vec<OverdueCase>,
}

#[derive(sqlx::FromRow)]
struct OverdueRow {
    id: i64,
    household_id: i64,
    number: String,
    head_name: String,
    village_code: String,
    village_name: Option<String>,
    township_name: Option<String>,
    snapshot: String,
}

/// Overdue cases in the actor's scope, per township, with the level each
/// is escalated to. `due_on` (written with each event) finds the
/// candidates; each is checked again under the rules in force today.
pub async fn overdue(
    pool: &Pool,
    actor: &Actor,
    now: DateTime<Utc>,
    policies: &dyn PolicySource,
) -> Result<Vec<TownshipOverdue>, StoreError> {
    check_reads_cases(actor)?;
    let (lo, hi) = actor.scope.region.padded_range();
    let rows: Vec<OverdueRow> = pool
        .all(
            q(format!(
                "SELECT c.id, c.household_id, h.number, h.head_name, c.village_code, v.name AS village_name, t.name AS township_name, c.snapshot
                 FROM cases c JOIN households h ON h.id = c.household_id
                 LEFT JOIN regions v ON v.code = c.village_code
                 LEFT JOIN regions t ON t.code = SUBSTR(c.village_code, 1, 9)
                 WHERE c.village_code BETWEEN $1 AND $2 AND c.due_on < $3
                 ORDER BY c.village_code, c.due_on, c.id LIMIT {LIST_LIMIT}"
            ))
            .bind(lo)
            .bind(hi)
            .bind(china_date(now)),
        )
        .await?;
    let mut cache = PolicyCache::new(policies, now);
    let mut townships: Vec<TownshipOverdue> = Vec::new();
    for r in rows {
        let case = parse_snapshot(r.id, &r.snapshot)?;
        let Some(late) = cache
            .get(&case.village)
            .and_then(|p| overdue_of(&case, p, now))
        else {
            continue;
        };
        let code = r
            .village_code
            .get(..9)
            .unwrap_or(&r.village_code)
            .to_string();
        if townships.last().is_none_or(|t| t.township_code != code) {
            townships.push(TownshipOverdue {
                township_code: code,
                township_name: r.township_name.unwrap_or_default(),
                cases: Vec::new(),
            });
        }
        if let Some(t) = townships.last_mut() {
            t.cases.push(OverdueCase {
                case_id: r.id,
                household_id: r.household_id,
                household_number: r.number,
                head_name: r.head_name,
                village_code: r.village_code,
                village_name: r.village_name.unwrap_or_default(),
                stage: case.stage,
                overdue: late,
            });
        }
    }
    for t in &mut townships {
        t.cases
            .sort_by_key(|c| std::cmp::Reverse(c.overdue.days_over));
    }
    Ok(townships)
}

/// Which run a notice belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// 识别认定公示: proposed for monitoring.
    Identification,
    /// 风险消除公示: proposed for risk elimination.
    Elimination,
}

/// One household on the village notice: exactly what a public notice may
/// show (name, group, category, risk types, dates) and nothing else — no
/// ID number, phone, bank account or health detail.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NoticeEntry {
    /// Which run.
    pub kind: NoticeKind,
    /// Head's name.
    pub head_name: String,
    /// 村民小组
    pub village_group: Option<String>,
    /// 监测对象类别 (for an identification, set at approval: often empty).
    pub category: Option<Category>,
    /// 风险类型 (suspected, for an identification).
    pub risk_types: Vec<RiskType>,
    /// First day on the board.
    pub start: NaiveDate,
    /// Last day on the board.
    pub end: NaiveDate,
}

/// The households of a village currently on notice (公示), for printing.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NoticeRound {
    /// Village code.
    pub village_code: String,
    /// Village name.
    pub village_name: String,
    /// The day the list was made (China time).
    pub on: NaiveDate,
    /// The households, by village group.
    pub entries: Vec<NoticeEntry>,
}

#[derive(sqlx::FromRow)]
struct NoticeRow {
    id: i64,
    head_name: String,
    village_group: Option<String>,
    category: Option<String>,
    snapshot: String,
}

/// The notice round of `village` (in the actor's scope, else `NotFound`).
pub async fn notice_round(
    pool: &Pool,
    actor: &Actor,
    village: &str,
    now: DateTime<Utc>,
) -> Result<NoticeRound, StoreError> {
    check_reads_cases(actor)?;
    let village = RegionCode::parse(village).map_err(|e| StoreError::Invalid(e.to_string()))?;
    if village.level() != RegionLevel::Village {
        return Err(StoreError::from(CaseError::NotVillage));
    }
    if !actor.scope.covers(&village) {
        return Err(StoreError::NotFound);
    }
    let (village_name,): (String,) = pool
        .opt(q("SELECT name FROM regions WHERE code = $1").bind(village.as_str()))
        .await?
        .ok_or(StoreError::NotFound)?;
    let rows: Vec<NoticeRow> = pool
        .all(
            q(
                "SELECT c.id, h.head_name, h.village_group, h.category, c.snapshot
               FROM cases c JOIN households h ON h.id = c.household_id
               WHERE c.village_code = $1 AND c.stage IN ($2, $3)
               ORDER BY h.village_group, h.number",
            )
            .bind(village.as_str())
            .bind(CaseStage::Notice.code())
            .bind(CaseStage::EliminationNotice.code()),
        )
        .await?;
    let mut entries = Vec::with_capacity(rows.len());
    for r in rows {
        let case = parse_snapshot(r.id, &r.snapshot)?;
        if let Some(e) = notice_entry(&case, r) {
            entries.push(e);
        }
    }
    Ok(NoticeRound {
        village_code: village.to_string(),
        village_name,
        on: china_date(now),
        entries,
    })
}

fn notice_entry(case: &Case, r: NoticeRow) -> Option<NoticeEntry> {
    let notice = case.notice.as_ref()?;
    let kind = if case.stage.is_elimination() {
        NoticeKind::Elimination
    } else {
        NoticeKind::Identification
    };
    // An identification notice shows what the village proposes (拟认定);
    // an elimination notice what the county approved earlier.
    let risk_types = [
        &case.proposed_risk_types,
        &case.risk_types,
        &case.lead.risk_types,
    ]
    .into_iter()
    .find(|r| !r.is_empty())
    .cloned()
    .unwrap_or_default();
    Some(NoticeEntry {
        kind,
        head_name: r.head_name,
        village_group: r.village_group,
        category: case
            .proposed_category
            .or(case.category)
            .or_else(|| r.category.as_deref().and_then(Category::parse)),
        risk_types,
        start: notice.start,
        end: notice.end,
    })
}

/// What a timeline entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TimelineKind {
    /// A lead came in (`what` is its channel).
    Lead,
    /// A change of the registry record (`what` is the audit action).
    Registry,
    /// An event of a case (`what` is its kind).
    CaseEvent,
    /// A department warning raised or resolved (`what` is `raised`,
    /// `verified` or `dismissed`).
    Warning,
}

/// One line of a household's history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// What kind of entry.
    pub kind: TimelineKind,
    /// Channel code, audit action or event kind code.
    pub what: String,
    /// The case, for leads and events.
    pub case_id: Option<i64>,
    /// The lead, for leads.
    pub lead_id: Option<i64>,
    /// Stage before an event.
    pub from_stage: Option<CaseStage>,
    /// Stage after an event.
    pub to_stage: Option<CaseStage>,
    /// Who (user id).
    pub user_id: Option<i64>,
    /// Who (display name).
    pub user_name: Option<String>,
    /// Role code of who acted; `public` for a resident's declaration.
    pub role: Option<String>,
    /// The lead (status, risk types, note), the event as recorded, or the
    /// registry fields that changed.
    #[schema(value_type = Object)]
    pub detail: Value,
}

#[derive(sqlx::FromRow)]
struct TimelineLeadRow {
    id: i64,
    reference: String,
    channel: String,
    risk_types: String,
    note: String,
    status: String,
    case_id: Option<i64>,
    created_at: DateTime<Utc>,
    created_by: Option<i64>,
    user_name: Option<String>,
    user_role: Option<String>,
}

#[derive(sqlx::FromRow)]
struct TimelineEventRow {
    case_id: i64,
    kind: String,
    event: String,
    at: DateTime<Utc>,
    actor_user_id: Option<i64>,
    user_name: Option<String>,
    actor_role: String,
    from_stage: String,
    to_stage: String,
}

#[derive(sqlx::FromRow)]
struct TimelineAuditRow {
    at: DateTime<Utc>,
    user_id: Option<i64>,
    user_name: Option<String>,
    user_role: Option<String>,
    action: String,
    before: Option<String>,
    after: Option<String>,
}

/// The history of a household in the actor's scope, oldest first: its
/// leads, the events of its cases and the changes of its registry record,
/// each with who and when.
pub async fn timeline(
    pool: &Pool,
    actor: &Actor,
    household_id: i64,
) -> Result<Vec<TimelineEntry>, StoreError> {
    check_reads_cases(actor)?;
    let (lo, hi) = actor.scope.region.padded_range();
    let found: Option<(i64,)> = pool
        .opt(
            q("SELECT id FROM households WHERE id = $1 AND village_code BETWEEN $2 AND $3")
                .bind(household_id)
                .bind(lo)
                .bind(hi),
        )
        .await?;
    found.ok_or(StoreError::NotFound)?;
    let mut entries = lead_entries(pool, household_id).await?;
    entries.extend(event_entries(pool, household_id).await?);
    entries.extend(registry_entries(pool, household_id).await?);
    entries.extend(warning_entries(pool, household_id).await?);
    entries.sort_by_key(|e| (e.at, e.kind));
    Ok(entries)
}

async fn lead_entries(pool: &Pool, household_id: i64) -> Result<Vec<TimelineEntry>, StoreError> {
    let rows: Vec<TimelineLeadRow> = pool
        .all(
            q("SELECT l.id, l.reference, l.channel, l.risk_types, l.note, l.status, l.case_id, l.created_at,
               l.created_by, u.display_name AS user_name, u.role AS user_role
               FROM leads l LEFT JOIN users u ON u.id = l.created_by
               WHERE l.household_id = $1 ORDER BY l.id")
            .bind(household_id),
        )
        .await?;
    rows.into_iter()
        .map(|r| {
            let role = match (&r.user_role, r.created_by) {
                (Some(role), _) => Some(role.clone()),
                (None, None) if r.channel == Channel::SelfDeclared.code() => Some("public".into()),
                _ => None,
            };
            Ok(TimelineEntry {
                at: r.created_at,
                kind: TimelineKind::Lead,
                case_id: r.case_id,
                lead_id: Some(r.id),
                from_stage: None,
                to_stage: None,
                user_id: r.created_by,
                user_name: r.user_name,
                role,
                detail: json!({
                    "reference": r.reference, "status": r.status,
                    "risk_types": parse_risks(&r.risk_types)?, "note": r.note,
                }),
                what: r.channel,
            })
        })
        .collect()
}

async fn event_entries(pool: &Pool, household_id: i64) -> Result<Vec<TimelineEntry>, StoreError> {
    let rows: Vec<TimelineEventRow> = pool
        .all(
            q("SELECT e.case_id, e.kind, e.event, e.at, e.actor_user_id, u.display_name AS user_name, e.actor_role,
               e.from_stage, e.to_stage
               FROM case_events e JOIN cases c ON c.id = e.case_id LEFT JOIN users u ON u.id = e.actor_user_id
               WHERE c.household_id = $1 ORDER BY e.case_id, e.seq")
            .bind(household_id),
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| TimelineEntry {
            at: r.at,
            kind: TimelineKind::CaseEvent,
            what: r.kind,
            case_id: Some(r.case_id),
            lead_id: None,
            from_stage: CaseStage::parse(&r.from_stage),
            to_stage: CaseStage::parse(&r.to_stage),
            user_id: r.actor_user_id,
            user_name: r.user_name,
            role: Some(r.actor_role),
            detail: serde_json::from_str(&r.event).unwrap_or(Value::Null),
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct TimelineWarningRow {
    id: i64,
    rule_id: String,
    risk_type: String,
    severity: String,
    status: String,
    case_id: Option<i64>,
    lead_id: Option<i64>,
    raised_at: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
    resolved_by: Option<i64>,
    user_name: Option<String>,
    user_role: Option<String>,
}

/// A warning's raising (by the screening run) and its end, if any.
async fn warning_entries(pool: &Pool, household_id: i64) -> Result<Vec<TimelineEntry>, StoreError> {
    let rows: Vec<TimelineWarningRow> = pool
        .all(
            q("SELECT w.id, w.rule_id, w.risk_type, w.severity, w.status, w.case_id, w.lead_id, w.raised_at,
               w.resolved_at, w.resolved_by, u.display_name AS user_name, u.role AS user_role
               FROM warnings w LEFT JOIN users u ON u.id = w.resolved_by
               WHERE w.household_id = $1 ORDER BY w.id")
            .bind(household_id),
        )
        .await?;
    let mut out = Vec::new();
    for r in rows {
        let detail = json!({"warning_id": r.id, "rule_id": r.rule_id, "risk_type": r.risk_type,
            "severity": r.severity, "status": r.status});
        out.push(TimelineEntry {
            at: r.raised_at,
            kind: TimelineKind::Warning,
            what: "raised".into(),
            case_id: r.case_id.filter(|_| r.status == "attached"),
            lead_id: None,
            from_stage: None,
            to_stage: None,
            user_id: None,
            user_name: None,
            role: None,
            detail: detail.clone(),
        });
        if let Some(at) = r.resolved_at {
            out.push(TimelineEntry {
                at,
                kind: TimelineKind::Warning,
                what: r.status.clone(),
                case_id: r.case_id,
                lead_id: r.lead_id,
                from_stage: None,
                to_stage: None,
                user_id: r.resolved_by,
                user_name: r.user_name,
                role: r.user_role,
                detail,
            });
        }
    }
    Ok(out)
}

/// The changes of the household's registry record (reveals of its
/// personal data are audit rows too, but no change: `privacy`).
async fn registry_entries(
    pool: &Pool,
    household_id: i64,
) -> Result<Vec<TimelineEntry>, StoreError> {
    let rows: Vec<TimelineAuditRow> = pool
        .all(
            q("SELECT a.at, a.user_id, u.display_name AS user_name, u.role AS user_role, a.action, a.before, a.after
               FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
               WHERE a.entity = 'household' AND a.entity_id = $1 AND a.action <> 'reveal' ORDER BY a.seq")
            .bind(household_id.to_string()),
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| TimelineEntry {
            at: r.at,
            kind: TimelineKind::Registry,
            detail: json!({ "changed": changed_fields(r.before.as_deref(), r.after.as_deref()) }),
            what: r.action,
            case_id: None,
            lead_id: None,
            from_stage: None,
            to_stage: None,
            user_id: r.user_id,
            user_name: r.user_name,
            role: r.user_role,
        })
        .collect())
}

/// The top-level fields whose values differ between two JSON records
/// (names only: the values may be personal data).
fn changed_fields(before: Option<&str>, after: Option<&str>) -> Vec<String> {
    let parse = |s: Option<&str>| -> serde_json::Map<String, Value> {
        s.and_then(|s| serde_json::from_str::<Value>(s).ok())
            .and_then(|v| match v {
                Value::Object(m) => Some(m),
                _ => None,
            })
            .unwrap_or_default()
    };
    let (b, a) = (parse(before), parse(after));
    if b.is_empty() {
        return Vec::new();
    }
    let mut keys: Vec<String> = a
        .iter()
        .filter(|(k, v)| b.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .chain(b.keys().filter(|k| !a.contains_key(*k)).cloned())
        .collect();
    keys.sort();
    keys
}

/// Numbers of the rule set, besides the workflow, that the elimination
/// check reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EliminationNumbers {
    /// 监测收入线 (分 per person per year).
    pub monitoring_line_fen: i64,
    /// Yearly rigid expense (元) above which it is not resolved; `None`
    /// when the rule set has no medical threshold.
    pub big_expense_limit: Option<i64>,
}

/// The facts read off the case and the registry, and the check on them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EliminationCheck {
    /// What was looked at.
    pub facts: EliminationFacts,
    /// Criterion by criterion.
    pub report: EliminationReport,
}

/// The risk-elimination check of a monitored case: the facts come from
/// the household's stored assistance chain (every measure recorded for it
/// or its members, `assistance::chain`) and its follow-up visits (income
/// periods, the latest visit's 两不愁三保障), the registry (三保障, water,
/// labor), the case (monitored since; a 低保/特困 granted on it whose kind
/// the chain does not hold yet is a link too) and the rule set
/// (`numbers`, `policy`); `big_expense_resolved` is the village's finding
/// when given, else the registry's yearly rigid expenses against the limit.
pub async fn elimination_check(
    pool: &Pool,
    actor: &Actor,
    case_id: i64,
    now: DateTime<Utc>,
    policy: &WorkflowPolicy,
    numbers: EliminationNumbers,
    big_expense_resolved: Option<bool>,
) -> Result<EliminationCheck, StoreError> {
    let stored = get_case(pool, actor, case_id).await?;
    let case = &stored.case;
    let Some(since) = case.monitored_since else {
        return Err(Refusal::NotMonitored.into());
    };
    let household = households::get(pool, actor, stored.household_id)
        .await?
        .household;
    let mut measures: Vec<Measure> = assistance::chain(pool, actor, stored.household_id)
        .await?
        .into_iter()
        .map(|m| m.measure)
        .collect();
    let granted: Vec<Measure> = case
        .assistance
        .iter()
        .filter_map(|p| p.granted_measure())
        .filter(|g| !measures.iter().any(|m| m.kind == g.kind))
        .collect();
    measures.extend(granted);
    let visits: Vec<FollowUpVisit> = assistance::list_visits(pool, actor, stored.household_id)
        .await?
        .into_iter()
        .map(|v| v.visit)
        .collect();
    let rigid = household.medical_expense + household.schooling_expense;
    let resolved = big_expense_resolved
        .unwrap_or_else(|| numbers.big_expense_limit.is_none_or(|limit| rigid <= limit));
    let facts = EliminationFacts::gather(
        &household,
        &measures,
        &visits,
        numbers.monitoring_line_fen,
        china_date(since),
        resolved,
    );
    let report = check(&facts, policy, now);
    Ok(EliminationCheck { facts, report })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn changed_fields_name_keys_only() {
        let b = r#"{"category":null,"address":"x"}"#;
        let a = r#"{"category":"sudden_hardship","address":"x"}"#;
        assert_eq!(changed_fields(Some(b), Some(a)), vec!["category"]);
        assert!(changed_fields(None, Some(a)).is_empty());
    }
}
