//! 救助链: the measures a household and its people received, one row per
//! person-measure, from a cadre, a department's list or the 民政 feed.

use super::{check_member, household_read, household_write, invalid, member_hashes, open_person};
use crate::audit::{self, Change};
use crate::db::{Arg, Pool, Q, Tx, q};
use crate::households::effective_region;
use crate::users::Actor;
use crate::{Refusal, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::IdNumber;
use dixian_domain::assistance::{Department, Measure, MeasureKind, MeasureSource, MeasureStatus};
use serde::{Deserialize, Serialize};

/// Longest evidence text, in characters.
pub(crate) const MAX_EVIDENCE: usize = 200;

/// A measure as stored: a link of the chain.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StoredMeasure {
    /// Id (what a visit's check names).
    pub id: i64,
    /// Version; send it back to stop the measure.
    pub version: i64,
    /// The household it was recorded for.
    pub household_id: i64,
    /// The measure (its person is personal data: mask before showing).
    pub measure: Measure,
    /// The imported list it came from, if any.
    pub batch_id: Option<i64>,
    /// Its line in that list (or in the feed file).
    pub line: Option<i64>,
    /// The 民政 feed row a grant rests on, if it came from the feed.
    pub feed_row_id: Option<i64>,
    /// Recorded.
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct MeasureRow {
    id: i64,
    version: i64,
    household_id: i64,
    person_id_number: Option<String>,
    #[sqlx(try_from = "crate::codes::Stored<MeasureKind>")]
    kind: MeasureKind,
    #[sqlx(try_from = "crate::codes::Stored<Department>")]
    department: Department,
    amount_fen: Option<i64>,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
    #[sqlx(try_from = "crate::codes::Stored<MeasureStatus>")]
    status: MeasureStatus,
    #[sqlx(try_from = "crate::codes::Stored<MeasureSource>")]
    source: MeasureSource,
    evidence: String,
    batch_id: Option<i64>,
    line: Option<i64>,
    feed_row_id: Option<i64>,
    created_at: DateTime<Utc>,
}

pub(crate) const MEASURE_COLS: &str = "m.id, m.version, m.household_id, m.person_id_number, m.kind, m.department, \
     m.amount_fen, m.starts_on, m.ends_on, m.status, m.source, m.evidence, m.batch_id, m.line, m.feed_row_id, \
     m.created_at";

impl MeasureRow {
    pub(crate) fn into_stored(
        self,
        key: &crate::crypto::DataKey,
    ) -> Result<StoredMeasure, StoreError> {
        Ok(StoredMeasure {
            id: self.id,
            version: self.version,
            household_id: self.household_id,
            measure: Measure {
                person: open_person(key, "measures.person_id_number", self.person_id_number)?,
                kind: self.kind,
                department: self.department,
                amount_fen: self.amount_fen,
                starts_on: self.starts_on,
                ends_on: self.ends_on,
                status: self.status,
                source: self.source,
                evidence: self.evidence,
            },
            batch_id: self.batch_id,
            line: self.line,
            feed_row_id: self.feed_row_id,
            created_at: self.created_at,
        })
    }
}

/// The checks the store makes of any measure (the catalogue's are the
/// application layer's).
pub(crate) fn check_shape(m: &Measure) -> Result<(), StoreError> {
    if m.amount_fen.is_some_and(|a| a < 0) {
        return Err(invalid(
            "amount_fen",
            "the amount must not be negative (金额不能为负数)",
        ));
    }
    if m.ends_on.is_some_and(|e| e < m.starts_on) {
        return Err(invalid(
            "ends_on",
            "the end date is before the start date (结束日期早于开始日期)",
        ));
    }
    if m.evidence.chars().count() > MAX_EVIDENCE {
        return Err(invalid(
            "evidence",
            format!("at most {MAX_EVIDENCE} characters (凭证过长)"),
        ));
    }
    Ok(())
}

/// The audit view of a measure: never the person.
pub(crate) fn audit_view(household_id: i64, m: &Measure) -> String {
    serde_json::json!({"household": household_id, "person": m.person.is_some(), "kind": m.kind.code(),
        "department": m.department.code(), "amount_fen": m.amount_fen, "starts_on": m.starts_on,
        "ends_on": m.ends_on, "status": m.status.code(), "source": m.source.code()})
    .to_string()
}

/// The SQL and arguments that insert one measure row.
pub(crate) fn insert_measure(
    tx: &Tx,
    household: (i64, &str),
    m: &Measure,
    batch: Option<(i64, i64)>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Q {
    let person = m.person.as_ref().map(IdNumber::as_str);
    let args: [Arg; 18] = [
        household.0.into(),
        household.1.into(),
        person.map(|p| tx.data().id_hash(p)).into(),
        tx.data()
            .seal_opt("measures.person_id_number", person)
            .into(),
        m.kind.code().into(),
        m.department.code().into(),
        m.amount_fen.into(),
        m.starts_on.into(),
        m.ends_on.into(),
        m.status.code().into(),
        m.source.code().into(),
        m.evidence.trim().into(),
        batch.map(|b| b.0).into(),
        batch.map(|b| b.1).into(),
        1i64.into(),
        actor.user_id.into(),
        now.into(),
        now.into(),
    ];
    args.into_iter().fold(
        q("INSERT INTO measures (household_id, village_code, person_hash, person_id_number, kind, department,
           amount_fen, starts_on, ends_on, status, source, evidence, batch_id, line, version, created_by,
           created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
           $17, $18) RETURNING id"),
        |qq, a| qq.bind(a),
    )
}

/// Records a measure a cadre entered for the household (its source is
/// `cadre`, whatever the input says); the person, if any, must be a
/// member. Returns the measure's id.
pub async fn add_measure(
    pool: &Pool,
    actor: &Actor,
    household_id: i64,
    measure: &Measure,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    if !actor.scope.role.edits_assistance() {
        return Err(StoreError::Forbidden);
    }
    let mut m = measure.clone();
    m.source = MeasureSource::Cadre;
    check_shape(&m)?;
    let mut tx = pool.begin().await?;
    let h = household_write(&mut tx, actor, household_id).await?;
    let members = member_hashes(&mut tx, household_id).await?;
    check_member(&tx, &members, m.person.as_ref(), "person".into())?;
    let query = insert_measure(&tx, (household_id, &h.village_code), &m, None, actor, now);
    let (id,): (i64,) = tx.one(query).await?;
    audit::record(
        &mut tx,
        &[Change {
            user_id: actor.user_id,
            action: "create",
            entity: "measure",
            entity_id: id.to_string(),
            region: Some(h.village_code),
            before: None,
            after: Some(audit_view(household_id, &m)),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Stops a measure on `ends_on` (停发, 退出) if `version` is current;
/// returns the new version.
pub async fn stop_measure(
    pool: &Pool,
    actor: &Actor,
    measure_id: i64,
    version: i64,
    ends_on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    if !actor.scope.role.reads_households() {
        return Err(StoreError::Forbidden);
    }
    let (lo, hi) = actor.scope.region.padded_range();
    let mut tx = pool.begin().await?;
    // Out of scope reads as absent, before the role is asked.
    let row: Option<MeasureRow> = tx
        .opt(
            q(format!(
                "SELECT {MEASURE_COLS} FROM measures m WHERE m.id = $1 AND m.village_code BETWEEN $2 AND $3"
            ))
            .bind(measure_id)
            .bind(lo)
            .bind(hi),
        )
        .await?;
    let before = row.ok_or(StoreError::NotFound)?.into_stored(tx.data())?;
    if !actor.scope.role.edits_assistance() {
        return Err(StoreError::Forbidden);
    }
    if before.version != version {
        return Err(StoreError::Conflict {
            current: before.version,
        });
    }
    if before.measure.status == MeasureStatus::Stopped {
        return Err(StoreError::Refused(Refusal::MeasureStopped));
    }
    if ends_on < before.measure.starts_on {
        return Err(invalid(
            "ends_on",
            "the end date is before the start date (结束日期早于开始日期)",
        ));
    }
    let n = tx
        .execute(
            q("UPDATE measures SET status = $1, ends_on = $2, updated_at = $3, version = version + 1
               WHERE id = $4 AND version = $5")
            .bind(MeasureStatus::Stopped.code())
            .bind(ends_on)
            .bind(now)
            .bind(measure_id)
            .bind(version),
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Conflict { current: version });
    }
    let mut after = before.measure.clone();
    after.status = MeasureStatus::Stopped;
    after.ends_on = Some(ends_on);
    let village: (String,) = tx
        .one(q("SELECT village_code FROM measures WHERE id = $1").bind(measure_id))
        .await?;
    audit::record(
        &mut tx,
        &[Change {
            user_id: actor.user_id,
            action: "stop",
            entity: "measure",
            entity_id: measure_id.to_string(),
            region: Some(village.0),
            before: Some(audit_view(before.household_id, &before.measure)),
            after: Some(audit_view(before.household_id, &after)),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(version + 1)
}

/// The chain of a household: every measure recorded for it, and every
/// measure of its members now (wherever they were recorded), by person and
/// first day. `NotFound` when the household is outside the scope.
pub async fn chain(
    pool: &Pool,
    actor: &Actor,
    household_id: i64,
) -> Result<Vec<StoredMeasure>, StoreError> {
    household_read(pool, actor, household_id).await?;
    let rows: Vec<MeasureRow> = pool
        .all(
            q(format!(
                "SELECT {MEASURE_COLS} FROM measures m WHERE m.household_id = $1
                 OR m.person_hash IN (SELECT id_hash FROM members WHERE household_id = $1)
                 ORDER BY m.person_hash, m.starts_on, m.id"
            ))
            .bind(household_id),
        )
        .await?;
    rows.into_iter()
        .map(|r| r.into_stored(pool.data()))
        .collect()
}

/// Filters of a region's measure list (the chain report's rows).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams, utoipa::ToSchema)]
pub struct MeasureFilter {
    /// Region code (any level) within the scope; defaults to the scope.
    pub region: Option<String>,
    /// Only this kind (its code).
    pub kind: Option<String>,
    /// Only measures running on or after this day.
    pub from: Option<NaiveDate>,
    /// Only measures starting on or before this day.
    pub to: Option<NaiveDate>,
    /// Page, from 1.
    pub page: Option<i64>,
    /// Rows per page (≤ 1000).
    pub per_page: Option<i64>,
}

/// One row of a region's measure list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegionMeasure {
    /// The village.
    pub village_code: String,
    /// The household's number.
    pub household_number: String,
    /// The measure.
    pub stored: StoredMeasure,
}

#[derive(sqlx::FromRow)]
struct RegionRow {
    village_code: String,
    household_number: String,
    #[sqlx(flatten)]
    m: MeasureRow,
}

/// The measures of a region inside the scope (one row per
/// person-measure), by village, household, person and day; with the
/// total.
pub async fn region_measures(
    pool: &Pool,
    actor: &Actor,
    f: &MeasureFilter,
) -> Result<(Vec<RegionMeasure>, i64), StoreError> {
    if !actor.scope.role.reads_households() {
        return Err(StoreError::Forbidden);
    }
    let Some(region) = effective_region(actor, f.region.as_deref())? else {
        return Ok((Vec::new(), 0));
    };
    let (lo, hi) = region.padded_range();
    let mut args: Vec<Arg> = vec![lo.into(), hi.into()];
    let mut wh = String::from(" WHERE m.village_code BETWEEN $1 AND $2");
    if let Some(k) = f.kind.as_deref().filter(|k| !k.is_empty()) {
        let kind = MeasureKind::parse(k)
            .ok_or_else(|| invalid("kind", "unknown measure kind (未知措施类型)"))?;
        args.push(kind.code().into());
        wh.push_str(&format!(" AND m.kind = ${}", args.len()));
    }
    if let Some(from) = f.from {
        args.push(from.into());
        wh.push_str(&format!(
            " AND (m.ends_on IS NULL OR m.ends_on >= ${})",
            args.len()
        ));
    }
    if let Some(to) = f.to {
        args.push(to.into());
        wh.push_str(&format!(" AND m.starts_on <= ${}", args.len()));
    }
    let bound = |sql: String| args.iter().cloned().fold(q(sql), |qq, a| qq.bind(a));
    let (total,): (i64,) = pool
        .one(bound(format!("SELECT COUNT(*) FROM measures m{wh}")))
        .await?;
    let per_page = f.per_page.unwrap_or(200).clamp(1, 1000);
    let page = f.page.unwrap_or(1).max(1);
    let rows: Vec<RegionRow> = pool
        .all(bound(format!(
            "SELECT m.village_code, h.number AS household_number, {MEASURE_COLS}
             FROM measures m JOIN households h ON h.id = m.household_id{wh}
             ORDER BY m.village_code, h.number, m.person_hash, m.starts_on, m.id LIMIT {per_page} OFFSET {}",
            (page - 1) * per_page
        )))
        .await?;
    let rows = rows
        .into_iter()
        .map(|r| {
            Ok(RegionMeasure {
                village_code: r.village_code,
                household_number: r.household_number,
                stored: r.m.into_stored(pool.data())?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok((rows, total))
}
