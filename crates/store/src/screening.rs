//! What a screening pass reads and writes: the registry of a region in
//! columns, the feed rows a run must look at, and the run with its
//! warnings, stored idempotently.
//!
//! **What is new** is decided by a pure function,
//! [`dixian_domain::screening::plan`], from what is known (the region's
//! warnings with their evidence, its open cases) and the run's hits;
//! [`record_run`] reads the known state, calls it and writes the plan.
//! Its rule: a warning is about one condition (e.g. the per-stay
//! medical rule) and one subject: a person for person rules, a household
//! for household and village rules — whatever rule set or version raised
//! it, and wherever the person is registered now (a new year's set or a
//! move does not make old rows new). A hit whose evidence rows are all
//! evidence of an earlier warning with that key — open, attached,
//! verified or dismissed — is known: nothing is written (a re-run adds
//! nothing; a dismissed warning is not raised again for the same
//! evidence). A hit with new evidence extends the subject's live warning
//! (open, or attached to a case that is still open), or raises a new one.
//! A new warning for a household with a case that is not closed (rejected
//! or eliminated) attaches to that case at once; once the case is closed,
//! new evidence raises an open warning again (a new shock after
//! elimination must be seen: 返贫).
//!
//! Runs of a region are serialised (the audit chain's row is locked
//! first), so two runs at once cannot both take the same hit as new.
//!
//! The pass itself (`dixian_screen::engine`) is pure; `dixian_app` joins
//! the two.

use crate::audit::{self, Change};
use crate::db::{Tx, q, values_placeholders};
use crate::users::Actor;
use crate::{Pool, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::screening::{
    Hit, KnownState, LiveWarning, Plan, Subject, WarningKey, WarningRef, WarningStatus, plan,
};
use dixian_domain::{
    Condition, FeedKind, IdNumber, LaborCapacity, RegionCode, RiskType, RuleRef, Severity,
};
use serde::Serialize;
use std::collections::HashMap;

/// A region's registry as the screening pass needs it, households in
/// order of their ids. A run reads it from the index the store keeps
/// ([`crate::registry_index::load`]); [`registry`] builds it from scratch
/// from the text columns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegistrySnapshot {
    /// Household ids.
    pub household_id: Vec<i64>,
    /// Village of each household.
    pub village: Vec<RegionCode>,
    /// Yearly income of each household, in 元 (all four sources).
    pub income_yuan: Vec<i64>,
    /// Once registered poor (原建档立卡).
    pub formerly_poor: Vec<bool>,
    /// Has a monitoring category now.
    pub monitored: Vec<bool>,
    /// Per person: the ID number's 17 digits as a number
    /// ([`crate::registry_index::person_key`]).
    pub person_key: Vec<u64>,
    /// Per person: position of the household in these columns.
    pub person_household: Vec<u32>,
    /// Per person: labor capacity.
    pub person_labor: Vec<LaborCapacity>,
    /// Per person: disability grade, if any.
    pub person_disability_grade: Vec<Option<i64>>,
}

#[derive(sqlx::FromRow)]
struct HouseholdCols {
    id: i64,
    village_code: String,
    income: i64,
    formerly_poor: bool,
    category: Option<String>,
}

#[derive(sqlx::FromRow)]
struct MemberCols {
    household_id: i64,
    id_number: String,
    labor: String,
    disability_grade: Option<i64>,
}

/// The households and members of `actor`'s region, built from scratch
/// from the text columns (every ID number opened); a household without
/// members (all moved out) is left out: no rule can be about it. ID
/// numbers are checked against `today` (China date). Runs read the kept
/// index instead ([`crate::registry_index::load`]), which must equal this.
pub async fn registry(
    pool: &Pool,
    actor: &Actor,
    today: NaiveDate,
) -> Result<RegistrySnapshot, StoreError> {
    let (lo, hi) = actor.scope.region.padded_range();
    let households: Vec<HouseholdCols> = pool
        .all(
            q("SELECT id, village_code,
                      CAST(income_wage + income_production + income_property + income_transfer AS BIGINT) AS income,
                      formerly_poor, category
               FROM households h WHERE village_code BETWEEN $1 AND $2
                 AND EXISTS (SELECT 1 FROM members m WHERE m.household_id = h.id)
               ORDER BY id")
            .bind(lo.as_str())
            .bind(hi.as_str()),
        )
        .await?;
    let members: Vec<MemberCols> = pool
        .all(
            q(
                "SELECT m.household_id, m.id_number, m.labor, m.disability_grade
               FROM members m JOIN households h ON h.id = m.household_id
               WHERE h.village_code BETWEEN $1 AND $2 ORDER BY m.household_id, m.position",
            )
            .bind(lo.as_str())
            .bind(hi.as_str()),
        )
        .await?;
    let mut snap = RegistrySnapshot::default();
    let mut position = HashMap::with_capacity(households.len());
    for (i, h) in households.into_iter().enumerate() {
        position.insert(h.id, i as u32);
        snap.household_id.push(h.id);
        snap.village
            .push(RegionCode::parse(&h.village_code).map_err(|_| {
                StoreError::Integrity(format!(
                    "household #{} has a stored village code that is not one (村代码无效)",
                    h.id
                ))
            })?);
        snap.income_yuan.push(h.income);
        snap.formerly_poor.push(h.formerly_poor);
        snap.monitored.push(h.category.is_some());
    }
    for m in members {
        let Some(&h) = position.get(&m.household_id) else {
            continue;
        };
        let id = pool.data().open("id_number", &m.id_number)?;
        snap.person_key
            .push(crate::registry_index::person_key(&stored_id(
                &id,
                "members.id_number",
                today,
            )?));
        snap.person_household.push(h);
        snap.person_labor
            .push(LaborCapacity::parse(&m.labor).ok_or_else(|| {
                StoreError::Integrity(format!(
                    "a member of household #{} has an unknown labor capacity code (劳动能力代码无法识别)",
                    m.household_id
                ))
            })?);
        snap.person_disability_grade.push(m.disability_grade);
    }
    Ok(snap)
}

/// An opened ID number as stored: it was checked when written, so one
/// that does not parse is damage, not input.
fn stored_id(id: &str, column: &str, today: NaiveDate) -> Result<IdNumber, StoreError> {
    IdNumber::parse_at(id, today).map_err(|_| {
        StoreError::Integrity(format!(
            "{column} holds an ID number that does not parse (存储的身份证号无效)"
        ))
    })
}

/// A stored feed row to screen, its payload decoded into the typed row
/// `P` by the codec that encoded it.
#[derive(Debug, Clone)]
pub struct ScreenRow<P> {
    /// `feed_rows.id`.
    pub id: i64,
    /// Its batch.
    pub batch_id: i64,
    /// Feed kind.
    pub kind: FeedKind,
    /// The typed row.
    pub payload: P,
}

#[derive(sqlx::FromRow)]
struct StoredRow {
    id: i64,
    batch_id: i64,
    #[sqlx(try_from = "crate::codes::Stored<FeedKind>")]
    kind: FeedKind,
    payload: String,
}

/// A sealed payload opened and decoded into `P`; one that does not read
/// back is an integrity error naming the row id (never its content).
pub(crate) fn decode_payload<P: serde::de::DeserializeOwned>(
    key: &crate::crypto::DataKey,
    id: i64,
    sealed: &str,
) -> Result<P, StoreError> {
    let text = key.open("feed_rows.payload", sealed)?;
    serde_json::from_str(&text).map_err(|e| {
        StoreError::Integrity(format!(
            "stored feed row {id} does not read back ({}); it was written by another version (数据行无法读取)",
            match e.classify() {
                serde_json::error::Category::Io => "io",
                serde_json::error::Category::Syntax => "syntax",
                serde_json::error::Category::Data => "data",
                serde_json::error::Category::Eof => "eof",
            }
        ))
    })
}

/// The rows of `actor`'s region a run must read: every row no run of the
/// region has read with an as-of day on or after the row's date (new since
/// the last run, whatever its id; or left alone by an earlier run dated
/// back), and every row dated from `from` on (the window of the 12-month
/// and household rules). Rows of persons not registered when
/// they were loaded are left to the coverage-gap list; the pass matches
/// the others afresh against today's registry.
pub async fn rows_to_screen<P: serde::de::DeserializeOwned>(
    pool: &Pool,
    actor: &Actor,
    from: NaiveDate,
) -> Result<Vec<ScreenRow<P>>, StoreError> {
    let (lo, hi) = actor.scope.region.padded_range();
    pool.all::<StoredRow>(
        q("SELECT r.id, r.batch_id, r.kind, r.payload FROM feed_rows r
           WHERE r.village_code BETWEEN $1 AND $2
             AND (r.event_date >= $4 OR NOT EXISTS (
                   SELECT 1 FROM screening_batches sb JOIN screening_runs sr ON sr.id = sb.run_id
                   WHERE sb.batch_id = r.batch_id AND sr.region_code = $3 AND sr.as_of >= r.event_date))
             AND (r.household_id IS NOT NULL OR r.kind = 'water')
           ORDER BY r.id")
        .bind(lo.as_str())
        .bind(hi.as_str())
        .bind(actor.scope.region.as_str())
        .bind(from),
    )
    .await
    .and_then(|rows| opened(pool, rows))
}

/// The rows with their payload opened and decoded.
fn opened<P: serde::de::DeserializeOwned>(
    pool: &Pool,
    rows: Vec<StoredRow>,
) -> Result<Vec<ScreenRow<P>>, StoreError> {
    rows.into_iter()
        .map(|r| {
            Ok(ScreenRow {
                payload: decode_payload(pool.data(), r.id, &r.payload)?,
                id: r.id,
                batch_id: r.batch_id,
                kind: r.kind,
            })
        })
        .collect()
}

/// The stored rows dated between `from` and `to` (both included) of
/// `actor`'s region: what a what-if replay reads.
pub async fn rows_between<P: serde::de::DeserializeOwned>(
    pool: &Pool,
    actor: &Actor,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<ScreenRow<P>>, StoreError> {
    let (lo, hi) = actor.scope.region.padded_range();
    pool.all::<StoredRow>(
        q("SELECT id, batch_id, kind, payload FROM feed_rows
           WHERE village_code BETWEEN $1 AND $2 AND event_date BETWEEN $3 AND $4
             AND (household_id IS NOT NULL OR kind = 'water')
           ORDER BY id")
        .bind(lo.as_str())
        .bind(hi.as_str())
        .bind(from)
        .bind(to),
    )
    .await
    .and_then(|rows| opened(pool, rows))
}

/// A run as stored.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct RunSummary {
    /// Run id.
    pub id: i64,
    /// Region screened.
    pub region_code: String,
    /// Windows ended on this day.
    pub as_of: NaiveDate,
    /// Rows read.
    pub rows_screened: i64,
    /// New warnings.
    pub warnings_raised: i64,
    /// Open warnings that got new evidence.
    pub warnings_extended: i64,
    /// Hits whose evidence was known already (nothing written).
    pub warnings_known: i64,
    /// New warnings attached to an open case at once.
    pub warnings_attached: i64,
    /// When it finished.
    pub finished_at: DateTime<Utc>,
    /// Set when nothing had changed since that run (no unseen row, the
    /// same registry, rule book and as-of day): the run read no rows and
    /// repeats that run's result, its hits all known.
    pub repeats_run: Option<i64>,
}

/// The last run that covered `region`: of the region itself or of a
/// region containing it (a township sees its county's run).
pub async fn last_run_covering(
    pool: &Pool,
    region: &str,
) -> Result<Option<RunSummary>, StoreError> {
    pool.opt(
        q(
            "SELECT id, region_code, as_of, rows_screened, warnings_raised, warnings_extended,
                  warnings_known, warnings_attached, finished_at, repeats_run
           FROM screening_runs WHERE $1 LIKE region_code || '%' ORDER BY id DESC LIMIT 1",
        )
        .bind(region),
    )
    .await
}

/// One hit of the pass, ready to store.
#[derive(Debug, Clone)]
pub struct NewWarning {
    /// Household id (where the subject is registered now).
    pub household_id: i64,
    /// Its village.
    pub village: RegionCode,
    /// The person, for person rules.
    pub person: Option<IdNumber>,
    /// The rule and its set.
    pub rule: RuleRef,
    /// Feed kind.
    pub feed_kind: FeedKind,
    /// Condition.
    pub condition: Condition,
    /// Risk type.
    pub risk_type: RiskType,
    /// Severity.
    pub severity: Severity,
    /// Earliest evidence date.
    pub first_date: NaiveDate,
    /// Latest evidence date.
    pub last_date: NaiveDate,
    /// Evidence: `feed_rows.id`, ascending.
    pub evidence: Vec<i64>,
}

impl NewWarning {
    /// The hit as the decision of what is new sees it.
    pub fn hit(&self) -> Hit {
        Hit {
            key: WarningKey {
                subject: Subject::of(self.household_id, self.person.as_ref()),
                condition: self.condition,
                severity: self.severity,
            },
            household_id: self.household_id,
            evidence: self.evidence.clone(),
            first_date: self.first_date,
            last_date: self.last_date,
        }
    }
}

/// The run to record.
#[derive(Debug, Clone)]
pub struct NewRun {
    /// Windows end on this day.
    pub as_of: NaiveDate,
    /// Rows read.
    pub rows_screened: i64,
    /// Batches read (recorded, so the next run skips them but for the window).
    pub batches: Vec<i64>,
    /// When the pass started.
    pub started_at: DateTime<Utc>,
    /// What the run saw (kept so that a run with nothing new is a no-op).
    pub seen: RunState,
    /// Hits the pass found, when a re-run on the same day would read the
    /// same rows (none it read was dated before the window: such a row is
    /// read once, by the first run on or after its date); `None` otherwise,
    /// and the next run cannot be a no-op.
    pub hits: Option<i64>,
}

/// What a run saw: the registry index's state of its region
/// ([`crate::registry_index::state`]), the rule book's digest
/// ([`digest`]), the highest feed row id when it began reading rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunState {
    /// The registry's state.
    pub registry: Option<String>,
    /// The rule book's digest.
    pub rules: Option<String>,
    /// The highest `feed_rows.id` (0: none).
    pub feed_rows: Option<i64>,
}

/// A hex SHA-256 digest of `text` (a rule book's stable form).
pub fn digest(text: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The highest feed row id (0 when there is none): rows are only ever
/// added, so an unchanged maximum means no row came since.
pub async fn feed_rows_seen(pool: &Pool) -> Result<i64, StoreError> {
    let (n,): (i64,) = pool
        .one(q(
            "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM feed_rows",
        ))
        .await?;
    Ok(n)
}

/// The last run of exactly `region` with what it saw.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LastRun {
    /// Run id.
    pub id: i64,
    /// As-of day.
    pub as_of: NaiveDate,
    /// Registry state.
    pub registry_state: Option<String>,
    /// Rule book digest.
    pub rules_state: Option<String>,
    /// Highest feed row id.
    pub feed_rows_seen: Option<i64>,
    /// Hits found.
    pub hits: Option<i64>,
    /// The run it repeated, if it was a no-op.
    pub repeats_run: Option<i64>,
}

impl LastRun {
    /// Whether a run on `as_of` that sees `now` would find what this run
    /// found (a run before migration 0021 kept nothing: never).
    pub fn unchanged(&self, as_of: NaiveDate, now: &RunState) -> bool {
        self.as_of == as_of
            && self.hits.is_some()
            && now.registry.is_some()
            && now.rules.is_some()
            && now.feed_rows.is_some()
            && self.registry_state == now.registry
            && self.rules_state == now.rules
            && self.feed_rows_seen == now.feed_rows
    }
}

#[derive(sqlx::FromRow)]
#[allow(dead_code)]
struct StoredCodes {
    #[sqlx(try_from = "crate::codes::Stored<Condition>")]
    rule_condition: Condition,
    #[sqlx(try_from = "crate::codes::Stored<Severity>")]
    severity: Severity,
    #[sqlx(try_from = "crate::codes::Stored<WarningStatus>")]
    status: WarningStatus,
}

/// The last run of exactly `region`.
pub async fn last_run(pool: &Pool, region: &RegionCode) -> Result<Option<LastRun>, StoreError> {
    pool.opt(
        q(
            "SELECT id, as_of, registry_state, rules_state, feed_rows_seen, hits, repeats_run
           FROM screening_runs WHERE region_code = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(region.as_str()),
    )
    .await
}

/// Records a run of `actor`'s region that found nothing had changed since
/// `last` (see [`LastRun::unchanged`]): no row read, `last`'s hits all
/// known, audited like any run. `None` when another run of the region
/// was recorded since `last` was read (the caller runs the pass).
pub async fn record_unchanged(
    pool: &Pool,
    actor: &Actor,
    last: &LastRun,
    started_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Option<RunSummary>, StoreError> {
    if !actor.scope.role.loads_feeds() {
        return Err(StoreError::Forbidden);
    }
    let mut tx = pool.begin().await?;
    tx.execute(q("UPDATE audit_chain SET seq = seq WHERE id = 1"))
        .await?;
    let (latest,): (Option<i64>,) = tx
        .one(
            q("SELECT MAX(id) FROM screening_runs WHERE region_code = $1")
                .bind(actor.scope.region.as_str()),
        )
        .await?;
    if latest != Some(last.id) {
        tx.rollback().await?;
        return Ok(None);
    }
    // The codes of the warnings a pass would read as known: one this
    // version never wrote is an integrity error here too.
    let (lo, hi) = actor.scope.region.padded_range();
    let _: Vec<StoredCodes> = tx
        .all(
            q(
                "SELECT DISTINCT rule_condition, severity, status FROM warnings
               WHERE village_code BETWEEN $1 AND $2",
            )
            .bind(lo.as_str())
            .bind(hi.as_str()),
        )
        .await?;
    let hits = last.hits.unwrap_or(0);
    let repeats = last.repeats_run.unwrap_or(last.id);
    let (run_id,): (i64,) = tx
        .one(
            q("INSERT INTO screening_runs (region_code, as_of, rows_screened, warnings_raised,
                 warnings_extended, warnings_known, warnings_attached, run_by, started_at, finished_at,
                 registry_state, rules_state, feed_rows_seen, hits, repeats_run)
               VALUES ($1, $2, 0, 0, 0, $3, 0, $4, $5, $6, $7, $8, $9, $3, $10) RETURNING id")
            .bind(actor.scope.region.as_str())
            .bind(last.as_of)
            .bind(hits)
            .bind(actor.user_id)
            .bind(started_at)
            .bind(now)
            .bind(last.registry_state.clone())
            .bind(last.rules_state.clone())
            .bind(last.feed_rows_seen)
            .bind(repeats),
        )
        .await?;
    let after = serde_json::json!({"as_of": last.as_of, "rows": 0, "raised": 0, "extended": 0,
        "known": hits, "attached": 0, "repeats_run": repeats});
    audit::record(
        &mut tx,
        &[Change {
            user_id: actor.user_id,
            action: "run",
            entity: "screening_run",
            entity_id: run_id.to_string(),
            region: Some(actor.scope.region.to_string()),
            before: None,
            after: Some(after.to_string()),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(Some(RunSummary {
        id: run_id,
        region_code: actor.scope.region.to_string(),
        as_of: last.as_of,
        rows_screened: 0,
        warnings_raised: 0,
        warnings_extended: 0,
        warnings_known: hits,
        warnings_attached: 0,
        finished_at: now,
        repeats_run: Some(repeats),
    }))
}

#[derive(sqlx::FromRow)]
struct KnownRow {
    id: i64,
    household_id: i64,
    #[sqlx(try_from = "crate::codes::Stored<Condition>")]
    rule_condition: Condition,
    #[sqlx(try_from = "crate::codes::Stored<Severity>")]
    severity: Severity,
    person_id_number: Option<String>,
    live: i64,
    first_date: NaiveDate,
    last_date: NaiveDate,
    feed_row_id: i64,
}

/// What the decision needs to know: the region's warnings with their
/// evidence (in id order), and the household of every case not closed.
async fn known_state(
    tx: &mut Tx,
    (lo, hi): (&str, &str),
    today: NaiveDate,
) -> Result<KnownState, StoreError> {
    let rows: Vec<KnownRow> = tx
        .all(
            q(
                "SELECT w.id, w.household_id, w.rule_condition, w.severity, w.person_id_number,
                      CAST(CASE WHEN w.status = 'open' OR (w.status = 'attached'
                           AND c.stage NOT IN ('rejected', 'eliminated')) THEN 1 ELSE 0 END AS BIGINT) AS live,
                      w.first_date, w.last_date, e.feed_row_id
               FROM warnings w JOIN warning_evidence e ON e.warning_id = w.id
               LEFT JOIN cases c ON c.id = w.case_id
               WHERE w.village_code BETWEEN $1 AND $2 ORDER BY w.id",
            )
            .bind(lo)
            .bind(hi),
        )
        .await?;
    let mut known = KnownState::default();
    for r in rows {
        let person = tx
            .data()
            .open_opt("warnings.person_id_number", r.person_id_number)?
            .map(|p| stored_id(&p, "warnings.person_id_number", today))
            .transpose()?;
        let key = WarningKey {
            subject: Subject::of(r.household_id, person.as_ref()),
            condition: r.rule_condition,
            severity: r.severity,
        };
        let live = (r.live == 1).then_some(LiveWarning {
            id: r.id,
            first_date: r.first_date,
            last_date: r.last_date,
        });
        known.note(key, r.feed_row_id, live);
    }
    let cases: Vec<(i64, i64)> = tx
        .all(
            q("SELECT household_id, id FROM cases
               WHERE village_code BETWEEN $1 AND $2 AND stage NOT IN ('rejected', 'eliminated')")
            .bind(lo)
            .bind(hi),
        )
        .await?;
    known.open_cases = cases.into_iter().collect();
    Ok(known)
}

async fn insert_evidence(tx: &mut Tx, warning_id: i64, rows: &[i64]) -> Result<(), StoreError> {
    for chunk in rows.chunks(400) {
        let sql = format!(
            "INSERT INTO warning_evidence (warning_id, feed_row_id) VALUES {}",
            values_placeholders(chunk.len(), 2)
        );
        let query = chunk
            .iter()
            .fold(q(sql), |qq, r| qq.bind(warning_id).bind(*r));
        tx.execute(query).await?;
    }
    Ok(())
}

async fn insert_warning(
    tx: &mut Tx,
    run_id: i64,
    w: &NewWarning,
    evidence: &[i64],
    as_of: NaiveDate,
    case_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let status = if case_id.is_some() {
        WarningStatus::Attached
    } else {
        WarningStatus::Open
    };
    let person = w.person.as_ref().map(IdNumber::as_str);
    let (id,): (i64,) = tx
        .one(
            q("INSERT INTO warnings (run_id, household_id, village_code, person_id_number, rule_id, rule_set_region,
                 rule_set_from, rule_set_version, rule_set_name, feed_kind, rule_condition, risk_type, severity,
                 severity_rank, first_date, last_date, as_of, raised_at, status, case_id)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
               RETURNING id")
            .bind(run_id)
            .bind(w.household_id)
            .bind(w.village.padded12())
            .bind(tx.data().seal_opt("warnings.person_id_number", person))
            .bind(w.rule.rule_id.as_str())
            .bind(w.rule.set_region.as_str())
            .bind(w.rule.set_from)
            .bind(w.rule.set_version)
            .bind(w.rule.set_name.as_str())
            .bind(w.feed_kind.code())
            .bind(w.condition.code())
            .bind(w.risk_type.code())
            .bind(w.severity.code())
            .bind(w.severity.rank())
            .bind(w.first_date)
            .bind(w.last_date)
            .bind(as_of)
            .bind(now)
            .bind(status.code())
            .bind(case_id),
        )
        .await?;
    insert_evidence(tx, id, evidence).await?;
    Ok(id)
}

/// Writes `plan` (made for `hits`): the new warnings first (their ids in
/// plan order), then each extension.
async fn write_plan(
    tx: &mut Tx,
    run: (i64, NaiveDate),
    hits: &[NewWarning],
    plan: &Plan,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (run_id, as_of) = run;
    let mut raised = Vec::with_capacity(plan.raise.len());
    for r in &plan.raise {
        let w = &hits[r.hit];
        raised.push(insert_warning(tx, run_id, w, &r.evidence, as_of, r.case_id, now).await?);
    }
    for e in &plan.extend {
        let w = &hits[e.hit];
        let id = match e.warning {
            WarningRef::Stored(id) => id,
            WarningRef::Raised(n) => raised[n],
        };
        insert_evidence(tx, id, &e.evidence).await?;
        // The person may have moved: the warning follows them to the
        // household they are registered in now.
        tx.execute(
            q("UPDATE warnings SET first_date = $1, last_date = $2, household_id = $3, village_code = $4,
                 version = version + 1 WHERE id = $5")
            .bind(e.first_date)
            .bind(e.last_date)
            .bind(w.household_id)
            .bind(w.village.padded12())
            .bind(id),
        )
        .await?;
    }
    Ok(())
}

/// Stores a run and its hits in one transaction (see the module docs for
/// what is new), audited as one `screening_run` record.
pub async fn record_run(
    pool: &Pool,
    actor: &Actor,
    run: &NewRun,
    hits: &[NewWarning],
    now: DateTime<Utc>,
) -> Result<RunSummary, StoreError> {
    if !actor.scope.role.loads_feeds() {
        return Err(StoreError::Forbidden);
    }
    let (lo, hi) = actor.scope.region.padded_range();
    let mut tx = pool.begin().await?;
    // Serialise runs: the chain row is locked until commit (SQLite's
    // BEGIN IMMEDIATE does the same), so the next run reads what this one wrote.
    tx.execute(q("UPDATE audit_chain SET seq = seq WHERE id = 1"))
        .await?;
    let (run_id,): (i64,) = tx
        .one(
            q("INSERT INTO screening_runs (region_code, as_of, rows_screened, warnings_raised,
                 warnings_extended, warnings_known, warnings_attached, run_by, started_at, finished_at,
                 registry_state, rules_state, feed_rows_seen, hits)
               VALUES ($1, $2, $3, 0, 0, 0, 0, $4, $5, $6, $7, $8, $9, $10) RETURNING id")
            .bind(actor.scope.region.as_str())
            .bind(run.as_of)
            .bind(run.rows_screened)
            .bind(actor.user_id)
            .bind(run.started_at)
            .bind(now)
            .bind(run.seen.registry.clone())
            .bind(run.seen.rules.clone())
            .bind(run.seen.feed_rows)
            .bind(run.hits),
        )
        .await?;
    for chunk in run.batches.chunks(400) {
        let sql = format!(
            "INSERT INTO screening_batches (run_id, batch_id) VALUES {}",
            values_placeholders(chunk.len(), 2)
        );
        let query = chunk.iter().fold(q(sql), |qq, b| qq.bind(run_id).bind(*b));
        tx.execute(query).await?;
    }
    let today = dixian_domain::case::china_date(now);
    let known = known_state(&mut tx, (&lo, &hi), today).await?;
    let found: Vec<Hit> = hits.iter().map(NewWarning::hit).collect();
    let plan = plan(&known, &found);
    write_plan(&mut tx, (run_id, run.as_of), hits, &plan, now).await?;
    let counts = plan.counts();
    tx.execute(
        q("UPDATE screening_runs SET warnings_raised = $1, warnings_extended = $2, warnings_known = $3,
             warnings_attached = $4 WHERE id = $5")
        .bind(counts.raised)
        .bind(counts.extended)
        .bind(counts.known)
        .bind(counts.attached)
        .bind(run_id),
    )
    .await?;
    let after = serde_json::json!({"as_of": run.as_of, "rows": run.rows_screened, "raised": counts.raised,
        "extended": counts.extended, "known": counts.known, "attached": counts.attached});
    audit::record(
        &mut tx,
        &[Change {
            user_id: actor.user_id,
            action: "run",
            entity: "screening_run",
            entity_id: run_id.to_string(),
            region: Some(actor.scope.region.to_string()),
            before: None,
            after: Some(after.to_string()),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(RunSummary {
        id: run_id,
        region_code: actor.scope.region.to_string(),
        as_of: run.as_of,
        rows_screened: run.rows_screened,
        warnings_raised: counts.raised,
        warnings_extended: counts.extended,
        warnings_known: counts.known,
        warnings_attached: counts.attached,
        finished_at: now,
        repeats_run: None,
    })
}
