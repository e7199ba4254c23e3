//! The figures leaders read (docs/figures.md), kept as per-village,
//! per-month counters in `stats_village_month` (migration 0011).
//!
//! How they stay current: every write that can change a figure marks its
//! village in `stats_dirty` — by triggers on households, members, cases,
//! warnings and measures, in the writing transaction itself, so no write
//! path can forget it. Before figures are read, [`refresh`] recounts the
//! marked villages (one village is a few small indexed reads) and removes
//! their marks in the same transaction; a read of a province then sums
//! counters, never scans households. [`rebuild`] recounts every village
//! from scratch (`dixian stats rebuild`); a village's counters are always
//! exactly what [`count_village`] gives for its rows, so the incremental
//! path and the rebuild agree by construction, and the tests check it.
//!
//! `month` is `YYYY-MM` (China time) for what happened in a month, and
//! [`NOW`] (`''`) for the state as it stands. The figure names are the
//! constants of [`fig`].

use crate::StoreError;
use crate::db::{Arg, Pool, Tx, q, values_placeholders};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The `month` of the state as it stands.
pub const NOW: &str = "";

/// The figure names stored in `stats_village_month.figure`.
pub mod fig {
    /// Households in the registry (dim '').
    pub const HOUSEHOLDS: &str = "households";
    /// Persons in the registry (dim '').
    pub const PERSONS: &str = "persons";
    /// Monitored households by category.
    pub const MONITORED_HH: &str = "monitored_hh";
    /// Persons of monitored households by category.
    pub const MONITORED_PERSONS: &str = "monitored_persons";
    /// Monitored households by risk type (one household under each of its types).
    pub const MONITORED_RISK: &str = "monitored_risk";
    /// Households whose risk is eliminated, by category.
    pub const ELIMINATED_HH: &str = "eliminated_hh";
    /// Persons of those households, by category.
    pub const ELIMINATED_PERSONS: &str = "eliminated_persons";
    /// Monitored households without an ongoing measure (dim '').
    pub const NO_MEASURE: &str = "no_measure_hh";
    /// Members able to work of monitored households (dim '').
    pub const ABLE: &str = "able_members";
    /// … of them without an ongoing development measure (dim '').
    pub const ABLE_NO_DEV: &str = "able_no_dev";
    /// Monitored households whose guarantee `dim` holds (housing, water,
    /// education, medical).
    pub const COVERED: &str = "covered_hh";
    /// Open cases (a step owed) by `stage|due day`.
    pub const OPEN_DUE: &str = "open_due";
    /// Households newly identified (county approval of a first run), by month.
    pub const NEW: &str = "new";
    /// Risk eliminations approved, by month.
    pub const ELIMINATED: &str = "eliminated";
    /// 返贫 re-entries recorded, by month.
    pub const RE_ENTERED: &str = "re_entered";
    /// 风险消除回退 recorded, by month.
    pub const ROLLED_BACK: &str = "rolled_back";
    /// Identifications approved, by month and days from lead (dim: days).
    pub const IDENT_DAYS: &str = "ident_days";
    /// Warnings raised, by month and `feed|rule`.
    pub const WARN_RAISED: &str = "warn_raised";
    /// Warnings verified (a lead opened), by month of the decision and `feed|rule`.
    pub const WARN_VERIFIED: &str = "warn_verified";
    /// Warnings dismissed, by month of the decision and `feed|rule`.
    pub const WARN_DISMISSED: &str = "warn_dismissed";
    /// Warnings attached to a case already open, by month of the decision.
    pub const WARN_ATTACHED: &str = "warn_attached";
}

/// The guarantees of [`fig::COVERED`], in report order.
pub const GUARANTEES: [&str; 4] = ["housing", "water", "education", "medical"];

/// The measure kinds (codes) of the development class in force for a
/// village: from the rule book's catalogue, given by the caller (the
/// store knows no rule files).
pub type DevelopmentKinds<'a> = &'a (dyn Fn(&str) -> HashSet<String> + Sync);

/// One summed counter: `area` is the child region (its significant digits).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StatRow {
    /// Child region code.
    pub area: String,
    /// `YYYY-MM`, or [`NOW`].
    pub month: String,
    /// Figure name ([`fig`]).
    pub figure: String,
    /// Breakdown.
    pub dim: String,
    /// Count.
    pub value: i64,
}

/// One village's counter.
pub type Counter = (String, String, String, i64);

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8")
}

/// The China-time day of `t`.
pub fn china_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&china()).date_naive()
}

/// The `YYYY-MM` (China time) of `t`.
pub fn month_of(t: DateTime<Utc>) -> String {
    china_day(t).format("%Y-%m").to_string()
}

#[derive(sqlx::FromRow)]
struct HouseholdFacts {
    id: i64,
    category: Option<String>,
    member_count: i64,
    housing: String,
    water: String,
}

#[derive(sqlx::FromRow)]
struct CaseFacts {
    id: i64,
    household_id: i64,
    stage: String,
    snapshot: String,
    opened_at: DateTime<Utc>,
    due_on: Option<NaiveDate>,
}

#[derive(sqlx::FromRow)]
struct MemberFacts {
    household_id: i64,
    labor: String,
    student_status: Option<String>,
    insurance: String,
    id_hash: Option<String>,
}

#[derive(sqlx::FromRow)]
struct MeasureFacts {
    household_id: i64,
    person_hash: Option<String>,
    kind: String,
}

#[derive(sqlx::FromRow)]
struct EventFacts {
    case_id: i64,
    kind: String,
    from_stage: String,
    to_stage: String,
    at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct WarningFacts {
    feed_kind: String,
    rule_id: String,
    status: String,
    raised_at: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
}

/// Stages of a case that owe no step.
const SETTLED: [&str; 3] = ["monitored", "rejected", "eliminated"];

/// The counters of one village, from its rows (the one definition of
/// every figure; docs/figures.md says it in words).
pub async fn count_village(
    tx: &mut Tx,
    village: &str,
    development: &HashSet<String>,
) -> Result<Vec<Counter>, StoreError> {
    let mut c: BTreeMap<(String, String, String), i64> = BTreeMap::new();
    let mut add = |month: &str, figure: &str, dim: &str, n: i64| {
        *c.entry((month.to_string(), figure.to_string(), dim.to_string()))
            .or_default() += n;
    };

    let households: Vec<HouseholdFacts> = tx
        .all(
            q("SELECT id, category, member_count, housing, water FROM households WHERE village_code = $1")
                .bind(village),
        )
        .await?;
    let cases: Vec<CaseFacts> = tx
        .all(
            q("SELECT id, household_id, stage, snapshot, opened_at, due_on FROM cases WHERE village_code = $1 ORDER BY id")
                .bind(village),
        )
        .await?;
    let members: Vec<MemberFacts> = tx
        .all(
            q(
                "SELECT m.household_id, m.labor, m.student_status, m.insurance, m.id_hash
                 FROM members m JOIN households h ON h.id = m.household_id
                WHERE h.village_code = $1",
            )
            .bind(village),
        )
        .await?;
    let measures: Vec<MeasureFacts> = tx
        .all(
            q("SELECT household_id, person_hash, kind FROM measures WHERE village_code = $1 AND status = 'ongoing'")
                .bind(village),
        )
        .await?;
    let events: Vec<EventFacts> = tx
        .all(
            q("SELECT e.case_id, e.kind, e.from_stage, e.to_stage, e.at
                 FROM case_events e JOIN cases c ON c.id = e.case_id
                WHERE c.village_code = $1 ORDER BY e.case_id, e.seq")
            .bind(village),
        )
        .await?;
    let warnings: Vec<WarningFacts> = tx
        .all(
            q("SELECT feed_kind, rule_id, status, raised_at, resolved_at FROM warnings WHERE village_code = $1")
                .bind(village),
        )
        .await?;

    // The state as it stands.
    let eliminated: HashSet<i64> = cases
        .iter()
        .filter(|k| k.stage == "eliminated")
        .map(|k| k.household_id)
        .collect();
    let mut risks: HashMap<i64, Vec<String>> = HashMap::new();
    for k in cases.iter().filter(|k| k.stage != "rejected") {
        let types = serde_json::from_str::<serde_json::Value>(&k.snapshot)
            .ok()
            .and_then(|v| v.get("risk_types").cloned())
            .and_then(|v| serde_json::from_value::<Vec<String>>(v).ok())
            .unwrap_or_default();
        risks.insert(k.household_id, types);
    }
    let mut by_household: HashMap<i64, Vec<&MemberFacts>> = HashMap::new();
    for m in &members {
        by_household.entry(m.household_id).or_default().push(m);
    }
    let mut measured: HashSet<i64> = HashSet::new();
    let mut developed_persons: HashSet<&str> = HashSet::new();
    let mut developed_households: HashSet<i64> = HashSet::new();
    for m in &measures {
        measured.insert(m.household_id);
        if development.contains(&m.kind) {
            match m.person_hash.as_deref() {
                Some(p) => {
                    developed_persons.insert(p);
                }
                None => {
                    developed_households.insert(m.household_id);
                }
            }
        }
    }
    for h in &households {
        add(NOW, fig::HOUSEHOLDS, "", 1);
        add(NOW, fig::PERSONS, "", h.member_count);
        let Some(category) = h.category.as_deref() else {
            continue;
        };
        if eliminated.contains(&h.id) {
            add(NOW, fig::ELIMINATED_HH, category, 1);
            add(NOW, fig::ELIMINATED_PERSONS, category, h.member_count);
            continue;
        }
        add(NOW, fig::MONITORED_HH, category, 1);
        add(NOW, fig::MONITORED_PERSONS, category, h.member_count);
        for r in risks.get(&h.id).into_iter().flatten() {
            add(NOW, fig::MONITORED_RISK, r, 1);
        }
        if !measured.contains(&h.id) {
            add(NOW, fig::NO_MEASURE, "", 1);
        }
        let ms = by_household.get(&h.id).map(Vec::as_slice).unwrap_or(&[]);
        for m in ms
            .iter()
            .filter(|m| matches!(m.labor.as_str(), "full" | "weak"))
        {
            add(NOW, fig::ABLE, "", 1);
            let developed = developed_households.contains(&h.id)
                || m.id_hash
                    .as_deref()
                    .is_some_and(|p| developed_persons.contains(p));
            if !developed {
                add(NOW, fig::ABLE_NO_DEV, "", 1);
            }
        }
        let ok = [
            matches!(h.housing.as_str(), "A" | "B"),
            matches!(h.water.as_str(), "secure" | "basic"),
            !ms.iter()
                .any(|m| m.student_status.as_deref() == Some("dropped_out")),
            ms.iter().all(|m| m.insurance == "insured"),
        ];
        for (g, ok) in GUARANTEES.iter().zip(ok) {
            if ok {
                add(NOW, fig::COVERED, g, 1);
            }
        }
    }
    for k in &cases {
        if SETTLED.contains(&k.stage.as_str()) {
            continue;
        }
        if let Some(due) = k.due_on {
            add(NOW, fig::OPEN_DUE, &format!("{}|{due}", k.stage), 1);
        }
    }

    // What happened, by month.
    let opened: HashMap<i64, DateTime<Utc>> = cases.iter().map(|k| (k.id, k.opened_at)).collect();
    let mut run: Option<(i64, DateTime<Utc>, bool)> = None;
    for e in &events {
        if run.is_none_or(|r| r.0 != e.case_id) {
            let start = opened.get(&e.case_id).copied().unwrap_or(e.at);
            run = Some((e.case_id, start, false));
        }
        let Some(r) = run.as_mut() else { continue };
        let month = month_of(e.at);
        match e.kind.as_str() {
            "re_entry" => {
                add(&month, fig::RE_ENTERED, "", 1);
                r.1 = e.at;
                r.2 = true;
            }
            "elimination_rollback" => add(&month, fig::ROLLED_BACK, "", 1),
            "county_approval" if e.to_stage == "monitored" && e.from_stage == "county_approval" => {
                if !r.2 {
                    add(&month, fig::NEW, "", 1);
                }
                let days = (china_day(e.at) - china_day(r.1)).num_days().max(0);
                add(&month, fig::IDENT_DAYS, &days.to_string(), 1);
                r.2 = false;
            }
            "county_approval" if e.to_stage == "eliminated" => {
                add(&month, fig::ELIMINATED, "", 1);
            }
            _ => {}
        }
        if e.to_stage == "rejected" || (r.2 && e.to_stage == "eliminated") {
            r.2 = false;
        }
    }
    for w in &warnings {
        let dim = format!("{}|{}", w.feed_kind, w.rule_id);
        add(&month_of(w.raised_at), fig::WARN_RAISED, &dim, 1);
        let figure = match w.status.as_str() {
            "verified" => fig::WARN_VERIFIED,
            "dismissed" => fig::WARN_DISMISSED,
            "attached" => fig::WARN_ATTACHED,
            _ => continue,
        };
        let at = w.resolved_at.unwrap_or(w.raised_at);
        add(&month_of(at), figure, &dim, 1);
    }
    Ok(c.into_iter()
        .filter(|(_, v)| *v != 0)
        .map(|((m, f, d), v)| (m, f, d, v))
        .collect())
}

/// Recounts `village` in `tx`: its counters replaced by [`count_village`].
async fn recount(
    tx: &mut Tx,
    village: &str,
    development: DevelopmentKinds<'_>,
) -> Result<(), StoreError> {
    let rows = count_village(tx, village, &development(village)).await?;
    tx.execute(q("DELETE FROM stats_village_month WHERE village_code = $1").bind(village))
        .await?;
    for chunk in rows.chunks(1000) {
        let mut args: Vec<Arg> = Vec::with_capacity(chunk.len() * 5);
        for (month, figure, dim, value) in chunk {
            args.push(village.into());
            args.push(month.clone().into());
            args.push(figure.clone().into());
            args.push(dim.clone().into());
            args.push((*value).into());
        }
        let mut qq = q(format!(
            "INSERT INTO stats_village_month (village_code, month, figure, dim, value) VALUES {}",
            values_placeholders(chunk.len(), 5)
        ));
        for a in args {
            qq = qq.bind(a);
        }
        tx.execute(qq).await?;
    }
    Ok(())
}

/// Villages recounted per transaction.
const VILLAGES_PER_TX: usize = 50;

/// Recounts the villages marked dirty (as they were when it started) and
/// removes their marks; returns how many it recounted. A village whose
/// mark another refresh took meanwhile is left to that refresh.
pub async fn refresh(pool: &Pool, development: DevelopmentKinds<'_>) -> Result<usize, StoreError> {
    let dirty: Vec<(String,)> = pool
        .all(q(
            "SELECT DISTINCT village_code FROM stats_dirty ORDER BY 1",
        ))
        .await?;
    let mut done = 0;
    for chunk in dirty.chunks(VILLAGES_PER_TX) {
        let mut tx = pool.begin().await?;
        let mut recounted = 0;
        for (village,) in chunk {
            let taken = tx
                .execute(
                    q("DELETE FROM stats_dirty WHERE village_code = $1").bind(village.as_str()),
                )
                .await?;
            if taken == 0 {
                continue;
            }
            recount(&mut tx, village, development).await?;
            recounted += 1;
        }
        done += recounted;
        if recounted > 0 {
            bump_generation(&mut tx).await?;
        }
        tx.commit().await?;
    }
    Ok(done)
}

/// The row that counts the refreshes (`village_code = ''`, never a
/// village): a reader's cache of summed figures is good while it is
/// unchanged and no village waits (see [`state`]).
const GENERATION: &str = "generation";

async fn bump_generation(tx: &mut Tx) -> Result<(), StoreError> {
    tx.execute(q(format!(
        "INSERT INTO stats_village_month (village_code, month, figure, dim, value)
         VALUES ('', '', '{GENERATION}', '', 1)
         ON CONFLICT (village_code, month, figure, dim) DO UPDATE SET value = stats_village_month.value + 1"
    )))
    .await?;
    Ok(())
}

/// The counters' generation (it changes with every refresh that recounted
/// a village, in the same transaction) and whether a village waits to be
/// recounted: one cheap read that says whether summed figures read before
/// are still current.
pub async fn state(pool: &Pool) -> Result<(i64, bool), StoreError> {
    let (generation, pending): (i64, i64) = pool
        .one(q(format!(
            "SELECT COALESCE((SELECT value FROM stats_village_month
                               WHERE village_code = '' AND month = '' AND figure = '{GENERATION}' AND dim = ''), 0),
                    (SELECT COUNT(*) FROM (SELECT 1 FROM stats_dirty LIMIT 1) d)"
        )))
        .await?;
    Ok((generation, pending > 0))
}

/// Whether any village waits to be recounted.
pub async fn pending(pool: &Pool) -> Result<bool, StoreError> {
    let row: Option<(String,)> = pool
        .opt(q("SELECT village_code FROM stats_dirty LIMIT 1"))
        .await?;
    Ok(row.is_some())
}

/// Recounts every village from scratch: all counters dropped, every
/// village holding households, cases, warnings or measures marked and
/// recounted. Returns the villages counted.
pub async fn rebuild(pool: &Pool, development: DevelopmentKinds<'_>) -> Result<usize, StoreError> {
    let mut tx = pool.begin().await?;
    tx.execute(q(
        "DELETE FROM stats_village_month WHERE village_code <> ''",
    ))
    .await?;
    tx.execute(q("DELETE FROM stats_dirty")).await?;
    bump_generation(&mut tx).await?;
    tx.execute(q(
        "INSERT INTO stats_dirty (village_code)
                  SELECT village_code FROM households UNION SELECT village_code FROM cases
                  UNION SELECT village_code FROM warnings UNION SELECT village_code FROM measures",
    ))
    .await?;
    tx.commit().await?;
    refresh(pool, development).await
}

/// Every stored counter, ordered: what a test compares between the
/// incremental path and a rebuild.
pub async fn all_counters(pool: &Pool) -> Result<Vec<(String, Counter)>, StoreError> {
    let rows: Vec<(String, String, String, String, i64)> = pool
        .all(q(
            "SELECT village_code, month, figure, dim, value FROM stats_village_month WHERE village_code <> '' ORDER BY 1, 2, 3, 4",
        ))
        .await?;
    Ok(rows
        .into_iter()
        .map(|(v, m, f, d, n)| (v, (m, f, d, n)))
        .collect())
}

/// The counters of the villages between `lo` and `hi` (12-digit codes),
/// summed per child region (`child_digits` significant digits), month,
/// figure and breakdown; months from `from` to `to` (`YYYY-MM`, both
/// included) and the state as it stands.
pub async fn read(
    pool: &Pool,
    lo: &str,
    hi: &str,
    child_digits: usize,
    from: &str,
    to: &str,
) -> Result<Vec<StatRow>, StoreError> {
    let digits = child_digits.clamp(1, 12);
    pool.all(
        q(format!(
            "SELECT substr(village_code, 1, {digits}) AS area, month, figure, dim, CAST(SUM(value) AS BIGINT) AS value
               FROM stats_village_month
              WHERE village_code BETWEEN $1 AND $2 AND (month = '' OR month BETWEEN $3 AND $4)
              GROUP BY substr(village_code, 1, {digits}), month, figure, dim"
        ))
        .bind(lo)
        .bind(hi)
        .bind(from)
        .bind(to),
    )
    .await
}
