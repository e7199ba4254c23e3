//! Rule set versions (规则集版本): every version of every rule set ever
//! adopted, with its TOML text. An edit adds a version, never rewrites
//! one; the set in force for a (region, first day) is its highest version.
//! Parsing and checking the text belong to the screening crate; this
//! module keeps what was checked and who adopted it, in the audit trail.

use crate::audit::{self, Change};
use crate::db::{Tx, q};
use crate::users::Actor;
use crate::{Pool, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::{RegionCode, RegionLevel, Role};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// A checked rule set to adopt.
#[derive(Debug, Clone)]
pub struct NewRuleSet<'a> {
    /// `national`, a 2-digit province or a 6-digit county.
    pub region: &'a str,
    /// First day in force: with the region, the set's identity.
    pub valid_from: NaiveDate,
    /// The `version` the file states.
    pub version: i64,
    /// Name shown to officers.
    pub name: &'a str,
    /// The file it came from.
    pub file_name: &'a str,
    /// The TOML text.
    pub source: &'a str,
}

/// A stored version.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct StoredRuleSet {
    /// Row id.
    pub id: i64,
    /// `national`, a province or a county.
    pub region: String,
    /// First day in force.
    pub valid_from: NaiveDate,
    /// Version.
    pub version: i64,
    /// Name.
    pub name: String,
    /// File it came from.
    pub file_name: String,
    /// The TOML text.
    pub source: String,
    /// SHA-256 of the text.
    pub sha256: String,
    /// Who adopted it (`None`: shipped, or the operator at the command line).
    pub added_by: Option<i64>,
    /// When.
    pub added_at: DateTime<Utc>,
}

/// What adopting a set did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Adopted {
    /// A new version was stored.
    Added {
        /// Row id.
        id: i64,
        /// Its version.
        version: i64,
    },
    /// The same text is the version in force already; nothing was written.
    Unchanged {
        /// The version in force.
        version: i64,
    },
}

const COLS: &str =
    "id, region, valid_from, version, name, file_name, source, sha256, added_by, added_at";

/// The version in force of every set (highest version per region and
/// first day), by region and first day.
pub async fn current(pool: &Pool) -> Result<Vec<StoredRuleSet>, StoreError> {
    pool.all(q(format!(
        "SELECT {COLS} FROM rule_sets r WHERE version = (SELECT MAX(version) FROM rule_sets x
           WHERE x.region = r.region AND x.valid_from = r.valid_from)
         ORDER BY region, valid_from"
    )))
    .await
}

/// The version of the set that raised warning `warning_id` (its region,
/// first day and version as the warning keeps them), if stored.
pub async fn of_warning(pool: &Pool, warning_id: i64) -> Result<Option<StoredRuleSet>, StoreError> {
    pool.opt(
        q(format!(
            "SELECT {} FROM rule_sets r JOIN warnings w ON w.rule_set_region = r.region
               AND w.rule_set_from = r.valid_from AND w.rule_set_version = r.version
             WHERE w.id = $1",
            COLS.split(", ")
                .map(|c| format!("r.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .bind(warning_id),
    )
    .await
}

/// Every version of every set, newest first.
pub async fn history(pool: &Pool) -> Result<Vec<StoredRuleSet>, StoreError> {
    pool.all(q(format!(
        "SELECT {COLS} FROM rule_sets ORDER BY region, valid_from, version DESC"
    )))
    .await
}

fn sha(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Whether `actor` may adopt a set for `region`: the operator at the
/// command line may adopt any; a logged-in county admin only its own
/// county's sets (province and national sets come from above). Public so
/// that callers can refuse before any other work (see `app::rules::adopt`).
pub fn check_may_adopt(actor: &Actor, region: &str) -> Result<(), StoreError> {
    if actor.scope.role != Role::CountyAdmin {
        return Err(StoreError::Forbidden);
    }
    if actor.user_id.is_none() {
        return Ok(());
    }
    let own_county = RegionCode::parse(region)
        .ok()
        .filter(|c| c.level() == RegionLevel::County)
        .is_some_and(|c| actor.scope.region.contains(&c));
    if own_county {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

/// Adopts checked sets in one transaction, each as a new version of its
/// (region, first day): the file's version must be above the one in
/// force; the same text again is a no-op. Every new version is audited
/// with the version it replaces.
pub async fn adopt(
    pool: &Pool,
    actor: &Actor,
    sets: &[NewRuleSet<'_>],
    now: DateTime<Utc>,
) -> Result<Vec<Adopted>, StoreError> {
    for s in sets {
        check_may_adopt(actor, s.region)?;
    }
    let mut tx = pool.begin().await?;
    let out = insert_versions(&mut tx, actor.user_id, sets, now).await?;
    tx.commit().await?;
    Ok(out)
}

/// Stores shipped sets whose region and first day the store does not
/// know yet, as version of their file (audited with no user); sets it
/// knows are left alone, whatever their version.
pub async fn seed(
    pool: &Pool,
    sets: &[NewRuleSet<'_>],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await?;
    // Serialise with other writers: two first starts store the sets once.
    tx.execute(q("UPDATE audit_chain SET seq = seq WHERE id = 1"))
        .await?;
    let mut absent = Vec::new();
    for s in sets {
        let found: Option<(i64,)> = tx
            .opt(
                q("SELECT id FROM rule_sets WHERE region = $1 AND valid_from = $2 LIMIT 1")
                    .bind(s.region)
                    .bind(s.valid_from),
            )
            .await?;
        if found.is_none() {
            absent.push(s.clone());
        }
    }
    insert_versions(&mut tx, None, &absent, now).await?;
    tx.commit().await
}

async fn insert_versions(
    tx: &mut Tx,
    user_id: Option<i64>,
    sets: &[NewRuleSet<'_>],
    now: DateTime<Utc>,
) -> Result<Vec<Adopted>, StoreError> {
    let mut out = Vec::new();
    for s in sets {
        let hash = sha(s.source);
        let latest: Option<(i64, i64, String)> = tx
            .opt(
                q("SELECT id, version, sha256 FROM rule_sets WHERE region = $1 AND valid_from = $2
                   ORDER BY version DESC LIMIT 1")
                .bind(s.region)
                .bind(s.valid_from),
            )
            .await?;
        if let Some((_, version, old)) = &latest
            && *old == hash
        {
            out.push(Adopted::Unchanged { version: *version });
            continue;
        }
        if let Some((_, version, _)) = &latest
            && s.version <= *version
        {
            return Err(crate::Refusal::RuleSetVersion {
                file: s.file_name.to_string(),
                given: s.version,
                in_force: *version,
                region: s.region.to_string(),
                valid_from: s.valid_from,
            }
            .into());
        }
        let (id,): (i64,) = tx
            .one(
                q("INSERT INTO rule_sets (region, valid_from, version, name, file_name, source, sha256, added_by, added_at)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
                .bind(s.region)
                .bind(s.valid_from)
                .bind(s.version)
                .bind(s.name)
                .bind(s.file_name)
                .bind(s.source)
                .bind(hash.as_str())
                .bind(user_id)
                .bind(now),
            )
            .await?;
        let before = latest.map(|(id, version, sha256)| {
            serde_json::json!({"id": id, "version": version, "sha256": sha256}).to_string()
        });
        let after = serde_json::json!({"region": s.region, "valid_from": s.valid_from,
            "version": s.version, "name": s.name, "file": s.file_name, "sha256": hash});
        audit::record(
            tx,
            &[Change {
                user_id,
                action: if before.is_some() { "update" } else { "create" },
                entity: "rule_set",
                entity_id: id.to_string(),
                region: Some(s.region.to_string()),
                before,
                after: Some(after.to_string()),
            }],
        )
        .await?;
        out.push(Adopted::Added {
            id,
            version: s.version,
        });
    }
    Ok(out)
}
