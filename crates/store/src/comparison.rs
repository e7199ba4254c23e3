//! 信息比对: the department rows already stored for one household's
//! people, for the data comparison step of its case — the rows the
//! household was matched to when they were loaded, and the rows of its
//! village (a member who moved in within the village brings theirs); the
//! app keeps those of the current members. Each row says which warnings
//! it is evidence of. Read by the case workflow's levels (村, 乡, 县) in
//! their scope only; a diagnosis is withheld from a role that does not
//! see health data, as a warning's evidence withholds it.

use crate::cases::check_reads_cases;
use crate::db::q;
use crate::users::Actor;
use crate::warnings::HEALTH_FIELDS;
use crate::{Pool, StoreError};
use chrono::NaiveDate;
use dixian_domain::FeedKind;
use dixian_domain::screening::EvidencePayload;
use std::collections::BTreeMap;

/// Which rows to read.
#[derive(Debug, Clone, Copy)]
pub enum Wanted<'a> {
    /// Dated between the two days, both included.
    Between(NaiveDate, NaiveDate),
    /// These rows (a recorded comparison's reviewed rows).
    Ids(&'a [i64]),
}

/// A stored person row near a household, its payload decoded.
#[derive(Debug, Clone)]
pub struct PersonRow<P> {
    /// `feed_rows.id`.
    pub id: i64,
    /// Feed kind.
    pub kind: FeedKind,
    /// The day the row is about.
    pub event_date: NaiveDate,
    /// The typed row, health fields withheld for a reader who may not see them.
    pub payload: P,
    /// The fields withheld from `payload`.
    pub withheld: Vec<String>,
    /// The warnings this row is evidence of (ids, ascending).
    pub warnings: Vec<i64>,
}

#[derive(sqlx::FromRow)]
struct Stored {
    id: i64,
    #[sqlx(try_from = "crate::codes::Stored<FeedKind>")]
    kind: FeedKind,
    event_date: NaiveDate,
    payload: String,
}

/// The person rows (not the village-level water rows) matched to
/// household `household_id` or to its village, as `wanted`; the
/// household must lie in the actor's scope (else `NotFound`).
pub async fn person_rows<P: EvidencePayload>(
    pool: &Pool,
    actor: &Actor,
    household_id: i64,
    wanted: Wanted<'_>,
) -> Result<Vec<PersonRow<P>>, StoreError> {
    check_reads_cases(actor)?;
    let (lo, hi) = actor.scope.region.padded_range();
    let village: Option<(String,)> = pool
        .opt(
            q("SELECT village_code FROM households WHERE id = $1 AND village_code BETWEEN $2 AND $3")
                .bind(household_id)
                .bind(lo.as_str())
                .bind(hi.as_str()),
        )
        .await?;
    let (village,) = village.ok_or(StoreError::NotFound)?;
    const BASE: &str = "SELECT r.id, r.kind, r.event_date, r.payload FROM feed_rows r
        WHERE r.id_number IS NOT NULL AND r.kind <> 'water'
          AND (r.household_id = $1 OR r.village_code = $2)";
    let stored: Vec<Stored> = match wanted {
        Wanted::Between(from, to) => {
            pool.all(
                q(format!(
                    "{BASE} AND r.event_date BETWEEN $3 AND $4 ORDER BY r.event_date, r.id"
                ))
                .bind(household_id)
                .bind(village.as_str())
                .bind(from)
                .bind(to),
            )
            .await?
        }
        Wanted::Ids(ids) => {
            let mut out = Vec::new();
            for chunk in ids.chunks(400) {
                let ph: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 3)).collect();
                let sql = format!(
                    "{BASE} AND r.id IN ({}) ORDER BY r.event_date, r.id",
                    ph.join(",")
                );
                let query = chunk.iter().fold(
                    q(sql).bind(household_id).bind(village.as_str()),
                    |qq, id| qq.bind(*id),
                );
                out.extend(pool.all::<Stored>(query).await?);
            }
            out.sort_by_key(|r| (r.event_date, r.id));
            out
        }
    };
    let warnings = warnings_of(pool, &stored).await?;
    let health = actor.scope.role.sees_health_data();
    stored
        .into_iter()
        .map(|r| {
            let mut payload: P = crate::screening::decode_payload(pool.data(), r.id, &r.payload)?;
            let withheld = if health {
                Vec::new()
            } else {
                payload
                    .withhold_health()
                    .into_iter()
                    .filter(|f| HEALTH_FIELDS.contains(f))
                    .map(str::to_string)
                    .collect()
            };
            Ok(PersonRow {
                warnings: warnings.get(&r.id).cloned().unwrap_or_default(),
                id: r.id,
                kind: r.kind,
                event_date: r.event_date,
                payload,
                withheld,
            })
        })
        .collect()
}

/// The warnings each row is evidence of.
async fn warnings_of(pool: &Pool, rows: &[Stored]) -> Result<BTreeMap<i64, Vec<i64>>, StoreError> {
    let mut out: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for chunk in rows.chunks(400) {
        let ph: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 1)).collect();
        let sql = format!(
            "SELECT feed_row_id, warning_id FROM warning_evidence WHERE feed_row_id IN ({}) ORDER BY warning_id",
            ph.join(",")
        );
        let query = chunk.iter().fold(q(sql), |qq, r| qq.bind(r.id));
        let pairs: Vec<(i64, i64)> = pool.all(query).await?;
        for (row, warning) in pairs {
            out.entry(row).or_default().push(warning);
        }
    }
    Ok(out)
}
