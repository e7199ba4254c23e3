//! What a screening pass reads and writes: the registry of a region in
//! columns, the feed rows a run must look at, and the run with its
//! warnings, stored idempotently.
//!
//! **What is new.** A warning is about one condition (e.g. the per-stay
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
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// A region's registry as the screening pass needs it, households in
/// order of their ids.
#[derive(Debug, Clone, Default)]
pub struct RegistrySnapshot {
    /// Household ids.
    pub household_id: Vec<i64>,
    /// Village of each household (12 digits).
    pub village: Vec<String>,
    /// Yearly income of each household, in 元 (all four sources).
    pub income_yuan: Vec<i64>,
    /// Once registered poor (原建档立卡).
    pub formerly_poor: Vec<bool>,
    /// Has a monitoring category now.
    pub monitored: Vec<bool>,
    /// Per person: ID number.
    pub person_id_number: Vec<String>,
    /// Per person: position of the household in these columns.
    pub person_household: Vec<u32>,
    /// Per person: labor capacity code.
    pub person_labor: Vec<String>,
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

/// The households and members of `actor`'s region; a household without
/// members (all moved out) is left out: no rule can be about it.
pub async fn registry(pool: &Pool, actor: &Actor) -> Result<RegistrySnapshot, StoreError> {
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
        snap.village.push(h.village_code);
        snap.income_yuan.push(h.income);
        snap.formerly_poor.push(h.formerly_poor);
        snap.monitored.push(h.category.is_some());
    }
    for m in members {
        let Some(&h) = position.get(&m.household_id) else {
            continue;
        };
        snap.person_id_number
            .push(pool.data().open("id_number", &m.id_number)?);
        snap.person_household.push(h);
        snap.person_labor.push(m.labor);
        snap.person_disability_grade.push(m.disability_grade);
    }
    Ok(snap)
}

/// A stored feed row to screen.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScreenRow {
    /// `feed_rows.id`.
    pub id: i64,
    /// Its batch.
    pub batch_id: i64,
    /// Feed kind code.
    pub kind: String,
    /// The typed row as JSON.
    pub payload: String,
}

/// The rows of `actor`'s region a run must read: every row no run of the
/// region has read with an as-of day on or after the row's date (new since
/// the last run, whatever its id; or left alone by an earlier run dated
/// back), and every row dated from `from` on (the window of the 12-month
/// and household rules). Rows of persons not registered when
/// they were loaded are left to the coverage-gap list; the pass matches
/// the others afresh against today's registry.
pub async fn rows_to_screen(
    pool: &Pool,
    actor: &Actor,
    from: NaiveDate,
) -> Result<Vec<ScreenRow>, StoreError> {
    let (lo, hi) = actor.scope.region.padded_range();
    pool.all(
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

/// The rows with their payload in clear.
fn opened(pool: &Pool, mut rows: Vec<ScreenRow>) -> Result<Vec<ScreenRow>, StoreError> {
    for r in &mut rows {
        r.payload = pool.data().open("feed_rows.payload", &r.payload)?;
    }
    Ok(rows)
}

/// The stored rows dated between `from` and `to` (both included) of
/// `actor`'s region: what a what-if replay reads.
pub async fn rows_between(
    pool: &Pool,
    actor: &Actor,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<ScreenRow>, StoreError> {
    let (lo, hi) = actor.scope.region.padded_range();
    pool.all(
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
                  warnings_known, warnings_attached, finished_at
           FROM screening_runs WHERE $1 LIKE region_code || '%' ORDER BY id DESC LIMIT 1",
        )
        .bind(region),
    )
    .await
}

/// One hit of the pass, ready to store.
#[derive(Debug, Clone)]
pub struct NewWarning {
    /// Household id.
    pub household_id: i64,
    /// Its village.
    pub village_code: String,
    /// The person, for person rules.
    pub person_id_number: Option<String>,
    /// Rule id within its set.
    pub rule_id: String,
    /// Region of the set.
    pub rule_set_region: String,
    /// First day of the set.
    pub rule_set_from: NaiveDate,
    /// Version of the set.
    pub rule_set_version: i64,
    /// Name of the set.
    pub rule_set_name: String,
    /// Feed kind code.
    pub feed_kind: String,
    /// Condition code.
    pub condition: String,
    /// Risk type code.
    pub risk_type: String,
    /// Severity code.
    pub severity: String,
    /// 3 high, 2 medium, 1 low.
    pub severity_rank: i64,
    /// Earliest evidence date.
    pub first_date: NaiveDate,
    /// Latest evidence date.
    pub last_date: NaiveDate,
    /// Evidence: `feed_rows.id`, ascending.
    pub evidence: Vec<i64>,
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
}

/// (person, or household for household rules; condition): one condition
/// on one subject.
type SubjectKey = (Subject, String);

/// Whom a warning is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Subject {
    Person(String),
    Household(i64),
}

fn subject(household_id: i64, person: Option<&str>) -> Subject {
    match person {
        Some(p) => Subject::Person(p.to_string()),
        None => Subject::Household(household_id),
    }
}

/// Earlier warnings of one subject and rule.
struct Known {
    evidence: HashSet<i64>,
    /// The live warning: id, first and last evidence date.
    open: Option<(i64, NaiveDate, NaiveDate)>,
}

#[derive(sqlx::FromRow)]
struct KnownRow {
    id: i64,
    household_id: i64,
    rule_condition: String,
    person_id_number: Option<String>,
    live: i64,
    first_date: NaiveDate,
    last_date: NaiveDate,
    feed_row_id: i64,
}

async fn known_warnings(
    tx: &mut Tx,
    lo: &str,
    hi: &str,
) -> Result<HashMap<SubjectKey, Known>, StoreError> {
    let rows: Vec<KnownRow> = tx
        .all(
            q(
                "SELECT w.id, w.household_id, w.rule_condition, w.person_id_number,
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
    // In id order: when two warnings of a key are live, the newest is extended.
    let mut out: HashMap<SubjectKey, Known> = HashMap::new();
    for mut r in rows {
        r.person_id_number = tx
            .data()
            .open_opt("warnings.person_id_number", r.person_id_number.take())?;
        let key = (
            subject(r.household_id, r.person_id_number.as_deref()),
            r.rule_condition,
        );
        let k = out.entry(key).or_insert_with(|| Known {
            evidence: HashSet::new(),
            open: None,
        });
        k.evidence.insert(r.feed_row_id);
        if r.live == 1 {
            k.open = Some((r.id, r.first_date, r.last_date));
        }
    }
    Ok(out)
}

async fn open_cases(tx: &mut Tx, lo: &str, hi: &str) -> Result<HashMap<i64, i64>, StoreError> {
    let rows: Vec<(i64, i64)> = tx
        .all(
            q("SELECT household_id, id FROM cases
               WHERE village_code BETWEEN $1 AND $2 AND stage NOT IN ('rejected', 'eliminated')")
            .bind(lo)
            .bind(hi),
        )
        .await?;
    Ok(rows.into_iter().collect())
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
    as_of: NaiveDate,
    case_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let status = if case_id.is_some() {
        "attached"
    } else {
        "open"
    };
    let (id,): (i64,) = tx
        .one(
            q("INSERT INTO warnings (run_id, household_id, village_code, person_id_number, rule_id, rule_set_region,
                 rule_set_from, rule_set_version, rule_set_name, feed_kind, rule_condition, risk_type, severity,
                 severity_rank, first_date, last_date, as_of, raised_at, status, case_id)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
               RETURNING id")
            .bind(run_id)
            .bind(w.household_id)
            .bind(w.village_code.as_str())
            .bind(
                tx.data()
                    .seal_opt("warnings.person_id_number", w.person_id_number.as_deref()),
            )
            .bind(w.rule_id.as_str())
            .bind(w.rule_set_region.as_str())
            .bind(w.rule_set_from)
            .bind(w.rule_set_version)
            .bind(w.rule_set_name.as_str())
            .bind(w.feed_kind.as_str())
            .bind(w.condition.as_str())
            .bind(w.risk_type.as_str())
            .bind(w.severity.as_str())
            .bind(w.severity_rank)
            .bind(w.first_date)
            .bind(w.last_date)
            .bind(as_of)
            .bind(now)
            .bind(status)
            .bind(case_id),
        )
        .await?;
    insert_evidence(tx, id, &w.evidence).await?;
    Ok(id)
}

/// Counts of what a run wrote.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    raised: i64,
    extended: i64,
    known: i64,
    attached: i64,
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
                 warnings_extended, warnings_known, warnings_attached, run_by, started_at, finished_at)
               VALUES ($1, $2, $3, 0, 0, 0, 0, $4, $5, $6) RETURNING id")
            .bind(actor.scope.region.as_str())
            .bind(run.as_of)
            .bind(run.rows_screened)
            .bind(actor.user_id)
            .bind(run.started_at)
            .bind(now),
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
    let mut known = known_warnings(&mut tx, &lo, &hi).await?;
    let cases = open_cases(&mut tx, &lo, &hi).await?;
    let mut counts = Counts::default();
    for w in hits {
        let key = (
            subject(w.household_id, w.person_id_number.as_deref()),
            w.condition.clone(),
        );
        let entry = known.entry(key).or_insert_with(|| Known {
            evidence: HashSet::new(),
            open: None,
        });
        let fresh: Vec<i64> = w
            .evidence
            .iter()
            .copied()
            .filter(|r| !entry.evidence.contains(r))
            .collect();
        if fresh.is_empty() {
            counts.known += 1;
            continue;
        }
        entry.evidence.extend(fresh.iter().copied());
        match entry.open {
            Some((id, first, last)) => {
                insert_evidence(&mut tx, id, &fresh).await?;
                let (first, last) = (first.min(w.first_date), last.max(w.last_date));
                // The person may have moved: the warning follows them to the
                // household they are registered in now.
                tx.execute(
                    q("UPDATE warnings SET first_date = $1, last_date = $2, household_id = $3, village_code = $4,
                         version = version + 1 WHERE id = $5")
                    .bind(first)
                    .bind(last)
                    .bind(w.household_id)
                    .bind(w.village_code.as_str())
                    .bind(id),
                )
                .await?;
                entry.open = Some((id, first, last));
                counts.extended += 1;
            }
            None => {
                let case = cases.get(&w.household_id).copied();
                let id = insert_warning(&mut tx, run_id, w, run.as_of, case, now).await?;
                entry.open = Some((id, w.first_date, w.last_date));
                counts.raised += 1;
                counts.attached += i64::from(case.is_some());
            }
        }
    }
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
    })
}
