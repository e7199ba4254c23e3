//! The household registry (户/人): create, read, update and bulk import,
//! each filtered by the actor's region scope. One person belongs to one
//! household only, nationwide; a stale version never overwrites.

use crate::audit::{self, Change};
use crate::crypto::DataKey;
use crate::db::{Pool, Q, Tx, q, values_placeholders};
use crate::users::Actor;
use crate::{Refusal, StoreError};
use chrono::{DateTime, Utc};
use dixian_domain::{
    Category, DisabilityKind, DrinkingWater, EmploymentStatus, Household, HousingGrade, IdNumber,
    Illness, Income, InsuranceStatus, LaborCapacity, Member, RegionCode, Relation, Role,
    StudentStage, StudentStatus,
};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// A household as stored: the record plus its id, version and times.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StoredHousehold {
    /// Database id.
    pub id: i64,
    /// Optimistic-concurrency version; send it back with an update.
    pub version: i64,
    /// The record.
    pub household: Household,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// One line of a household list.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, utoipa::ToSchema)]
pub struct HouseholdRow {
    /// Database id.
    pub id: i64,
    /// 户编号
    pub number: String,
    /// Village code.
    pub village_code: String,
    /// Village name.
    pub village_name: String,
    /// Head's name.
    pub head_name: String,
    /// Head's ID number (mask before showing unless the role needs it).
    pub head_id_number: String,
    /// Number of members.
    pub member_count: i64,
    /// Category code, if monitored.
    pub category: Option<String>,
    /// 原建档立卡
    pub formerly_poor: bool,
    /// Income per person per year (元).
    pub income_per_person: i64,
    /// Housing grade.
    pub housing: String,
    /// Version.
    pub version: i64,
    /// Whether a warning of the household is open (三色码).
    pub open_warning: bool,
    /// Stage of its case that is not rejected, if any (三色码).
    pub case_stage: Option<String>,
}

/// Filters of the household list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams, utoipa::ToSchema)]
pub struct HouseholdFilter {
    /// Region code (any level) to list within; defaults to the user's scope.
    pub region: Option<String>,
    /// Category code; `any` for every monitored household.
    pub category: Option<String>,
    /// Name of the head or any member (prefix).
    pub name: Option<String>,
    /// Full ID number, or its last 4–6 characters.
    pub id_number: Option<String>,
    /// Only former registered poor households.
    pub formerly_poor: Option<bool>,
    /// Page, from 1.
    pub page: Option<i64>,
    /// Rows per page (≤ 200).
    pub per_page: Option<i64>,
}

/// The part of the scope a filter asks for, or `None` when the filter lies
/// outside the scope.
pub(crate) fn effective_region(
    actor: &Actor,
    filter_region: Option<&str>,
) -> Result<Option<RegionCode>, StoreError> {
    let scope = &actor.scope.region;
    let Some(r) = filter_region.filter(|s| !s.trim().is_empty()) else {
        return Ok(Some(scope.clone()));
    };
    let r = RegionCode::parse(r).map_err(|e| StoreError::Invalid(format!("region: {e}")))?;
    Ok(if scope.contains(&r) {
        Some(r)
    } else if r.contains(scope) {
        Some(scope.clone())
    } else {
        None
    })
}

/// SQL condition: the household `h` (its table alias) is monitored now —
/// it has a category and its risk has not been eliminated. An eliminated
/// household keeps its category (it is shown on its card and counted
/// apart), but is no longer among the monitored households anywhere:
/// region counts, lists and exports alike.
pub(crate) fn monitored_sql(h: &str) -> String {
    format!(
        "({h}.category IS NOT NULL AND NOT EXISTS (SELECT 1 FROM cases mc WHERE mc.household_id = {h}.id AND mc.stage = '{}'))",
        dixian_domain::CaseStage::Eliminated.code()
    )
}

/// Appends the list filter's WHERE clauses to `sql` and binds them.
fn filtered(
    mut sql: String,
    region: &RegionCode,
    f: &HouseholdFilter,
    key: &DataKey,
) -> Result<Q, StoreError> {
    let (lo, hi) = region.padded_range();
    let mut args: Vec<crate::db::Arg> = vec![lo.into(), hi.into()];
    sql.push_str(" WHERE h.village_code BETWEEN $1 AND $2");
    if let Some(c) = f.category.as_deref().filter(|c| !c.is_empty()) {
        if c == "any" {
            sql.push_str(&format!(" AND {}", monitored_sql("h")));
        } else {
            let cat = Category::parse(c)
                .ok_or_else(|| StoreError::Invalid(format!("unknown category {c}")))?;
            args.push(cat.code().into());
            sql.push_str(&format!(
                " AND h.category = ${} AND {}",
                args.len(),
                monitored_sql("h")
            ));
        }
    }
    if let Some(fp) = f.formerly_poor {
        args.push(fp.into());
        sql.push_str(&format!(" AND h.formerly_poor = ${}", args.len()));
    }
    if let Some(n) = f.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        args.push(format!("{}%", n.replace(['%', '_'], "")).into());
        let i = args.len();
        sql.push_str(&format!(
            " AND (h.head_name LIKE ${i} OR EXISTS (SELECT 1 FROM members m WHERE m.household_id = h.id AND m.name LIKE ${i}))"
        ));
    }
    if let Some(id) = f
        .id_number
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        let id = id.to_ascii_uppercase();
        // By keyed hash (the stored number may be ciphertext): the full
        // number, or exactly its last 4, 5 or 6 characters.
        let column = match id.len() {
            18 => "id_hash",
            4 => "id_tail4",
            5 => "id_tail5",
            6 => "id_tail6",
            _ => "",
        };
        if column.is_empty() || !id.chars().all(|c| c.is_ascii_digit() || c == 'X') {
            return Err(StoreError::Invalid("ID search needs the full number or its last 4-6 characters (请输入完整身份证号或后4-6位)".into()));
        }
        let hash = if id.len() == 18 {
            key.id_hash(&id)
        } else {
            key.tail_hash(&id)
        };
        args.push(hash.into());
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM members m WHERE m.household_id = h.id AND m.{column} = ${})",
            args.len()
        ));
    }
    Ok(args.into_iter().fold(q(sql), |qq, a| qq.bind(a)))
}

/// Lists households in the actor's scope; returns the page and the total.
pub async fn list(
    pool: &Pool,
    actor: &Actor,
    f: &HouseholdFilter,
) -> Result<(Vec<HouseholdRow>, i64), StoreError> {
    if !actor.scope.role.reads_households() {
        return Err(StoreError::Forbidden);
    }
    let Some(region) = effective_region(actor, f.region.as_deref())? else {
        return Ok((Vec::new(), 0));
    };
    let per_page = f.per_page.unwrap_or(50).clamp(1, 200);
    let page = f.page.unwrap_or(1).max(1);
    let (total,): (i64,) = pool
        .one(filtered(
            "SELECT COUNT(*) FROM households h".into(),
            &region,
            f,
            pool.data(),
        )?)
        .await?;
    let sql = "SELECT h.id, h.number, h.village_code, r.name AS village_name, h.head_name,
               (SELECT m.id_number FROM members m WHERE m.household_id = h.id ORDER BY m.position LIMIT 1) AS head_id_number,
               h.member_count, h.category, h.formerly_poor,
               (h.income_wage + h.income_production + h.income_property + h.income_transfer) / h.member_count AS income_per_person,
               h.housing, h.version,
               EXISTS (SELECT 1 FROM warnings w WHERE w.household_id = h.id AND w.status = 'open') AS open_warning,
               (SELECT c.stage FROM cases c WHERE c.household_id = h.id AND c.stage <> 'rejected' ORDER BY c.id DESC LIMIT 1) AS case_stage
               FROM households h JOIN regions r ON r.code = h.village_code";
    let query = filtered(sql.into(), &region, f, pool.data())?;
    let query = query.append(&format!(
        " ORDER BY h.village_code, h.number LIMIT {per_page} OFFSET {}",
        (page - 1) * per_page
    ));
    let mut rows: Vec<HouseholdRow> = pool.all(query).await?;
    for r in &mut rows {
        r.head_id_number = pool.data().open("id_number", &r.head_id_number)?;
    }
    Ok((rows, total))
}

#[derive(sqlx::FromRow)]
struct HouseholdDbRow {
    id: i64,
    number: String,
    village_code: String,
    village_group: Option<String>,
    address: String,
    category: Option<String>,
    formerly_poor: bool,
    housing: String,
    water: String,
    farmland_mu: f64,
    forest_mu: f64,
    income_wage: i64,
    income_production: i64,
    income_property: i64,
    income_transfer: i64,
    medical_expense: i64,
    schooling_expense: i64,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct MemberDbRow {
    id_number: String,
    name: String,
    relation: String,
    labor: String,
    disability_kind: Option<String>,
    disability_grade: Option<i64>,
    illness: String,
    student_stage: Option<String>,
    student_status: Option<String>,
    insurance: String,
    employment: String,
    phone: Option<String>,
}

fn decode<T>(what: &str, v: &str, f: fn(&str) -> Option<T>) -> Result<T, StoreError> {
    f(v).ok_or_else(|| StoreError::Invalid(format!("stored {what} has unknown code {v}")))
}

impl MemberDbRow {
    /// The row with its ID number and phone in clear.
    fn opened(mut self, key: &DataKey) -> Result<MemberDbRow, StoreError> {
        self.id_number = key.open("id_number", &self.id_number)?;
        self.phone = key.open_opt("phone", self.phone.take())?;
        Ok(self)
    }

    fn into_member(self) -> Result<Member, StoreError> {
        let id_number = self
            .id_number
            .parse::<IdNumber>()
            .map_err(|e| StoreError::Invalid(format!("stored ID number invalid: {e}")))?;
        Ok(Member {
            id_number,
            name: self.name,
            relation: decode("relation", &self.relation, Relation::parse)?,
            labor: decode("labor", &self.labor, LaborCapacity::parse)?,
            disability_kind: self
                .disability_kind
                .as_deref()
                .map(|v| decode("disability", v, DisabilityKind::parse))
                .transpose()?,
            disability_grade: self.disability_grade.map(|g| g as u8),
            illness: decode("illness", &self.illness, Illness::parse)?,
            student_stage: self
                .student_stage
                .as_deref()
                .map(|v| decode("stage", v, StudentStage::parse))
                .transpose()?,
            student_status: self
                .student_status
                .as_deref()
                .map(|v| decode("status", v, StudentStatus::parse))
                .transpose()?,
            insurance: decode("insurance", &self.insurance, InsuranceStatus::parse)?,
            employment: decode("employment", &self.employment, EmploymentStatus::parse)?,
            phone: self.phone,
        })
    }
}

const HOUSEHOLD_COLS: &str = "id, number, village_code, village_group, address, category, formerly_poor, housing, water, \
     farmland_mu, forest_mu, income_wage, income_production, income_property, income_transfer, medical_expense, \
     schooling_expense, version, created_at, updated_at";

/// One household by id, if it lies in the actor's scope (else `NotFound`).
pub async fn get(pool: &Pool, actor: &Actor, id: i64) -> Result<StoredHousehold, StoreError> {
    if !actor.scope.role.reads_households() {
        return Err(StoreError::Forbidden);
    }
    let (lo, hi) = actor.scope.region.padded_range();
    let row: HouseholdDbRow = pool
        .opt(
            q(format!("SELECT {HOUSEHOLD_COLS} FROM households WHERE id = $1 AND village_code BETWEEN $2 AND $3"))
                .bind(id)
                .bind(lo)
                .bind(hi),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let members: Vec<MemberDbRow> = pool
        .all(
            q("SELECT id_number, name, relation, labor, disability_kind, disability_grade, illness, student_stage,
               student_status, insurance, employment, phone FROM members WHERE household_id = $1 ORDER BY position")
            .bind(id),
        )
        .await?;
    let members = members
        .into_iter()
        .map(|m| m.opened(pool.data())?.into_member())
        .collect::<Result<Vec<_>, _>>()?;
    let household = Household {
        number: row.number,
        village: RegionCode::parse(&row.village_code)
            .map_err(|e| StoreError::Invalid(e.to_string()))?,
        village_group: row.village_group,
        address: row.address,
        category: row
            .category
            .as_deref()
            .map(|c| decode("category", c, Category::parse))
            .transpose()?,
        formerly_registered_poor: row.formerly_poor,
        housing: decode("housing", &row.housing, HousingGrade::parse)?,
        water: decode("water", &row.water, DrinkingWater::parse)?,
        farmland_mu: row.farmland_mu,
        forest_mu: row.forest_mu,
        income: Income {
            wage: row.income_wage,
            production: row.income_production,
            property: row.income_property,
            transfer: row.income_transfer,
        },
        medical_expense: row.medical_expense,
        schooling_expense: row.schooling_expense,
        members,
    };
    Ok(StoredHousehold {
        id: row.id,
        version: row.version,
        household,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Checks that the actor may write a household in `village`.
fn check_write(actor: &Actor, village: &RegionCode) -> Result<(), StoreError> {
    if !actor.scope.role.edits_registry() {
        return Err(StoreError::Forbidden);
    }
    if !actor.scope.covers(village) {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// The household that already holds a person: its number and village.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Holder {
    id_hash: String,
    number: String,
    village_code: String,
}

impl Holder {
    /// How an error names this household to `actor`: by number when the
    /// actor may see it, otherwise only as "elsewhere" — out of scope reads
    /// as absent, so no one learns where a person outside their area is
    /// registered (one person, one household still holds: the write fails).
    fn named_for(&self, actor: &Actor) -> (String, String) {
        let visible = RegionCode::parse(&self.village_code).is_ok_and(|v| actor.scope.covers(&v));
        if visible {
            (
                format!("household {}", self.number),
                format!("户{}", self.number),
            )
        } else {
            (
                "another household outside your area (ask the county office)".to_string(),
                "您辖区以外的其他户（请联系县级办公室）".to_string(),
            )
        }
    }
}

/// The households that already hold any of `ids`, except
/// `except_household`; keyed by ID number.
async fn holders(
    tx: &mut Tx,
    ids: &[&str],
    except_household: Option<i64>,
) -> Result<HashMap<String, Holder>, StoreError> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let by_hash: HashMap<String, &str> = chunk
            .iter()
            .map(|id| (tx.data().id_hash(id), *id))
            .collect();
        // (a person may come twice in one chunk: one placeholder per hash)
        let ph: Vec<String> = (0..by_hash.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT m.id_hash, h.number, h.village_code FROM members m JOIN households h ON h.id = m.household_id
             WHERE m.household_id <> $1 AND m.id_hash IN ({})",
            ph.join(",")
        );
        let query = by_hash
            .keys()
            .fold(q(sql).bind(except_household.unwrap_or(-1)), |qq, h| {
                qq.bind(h.as_str())
            });
        let rows: Vec<Holder> = tx.all(query).await?;
        out.extend(rows.into_iter().filter_map(|h| {
            by_hash
                .get(h.id_hash.as_str())
                .map(|id| (id.to_string(), h))
        }));
    }
    Ok(out)
}

/// Rejects members already registered in another household, naming it
/// only when it lies in the actor's scope ([`Holder::named_for`]).
async fn check_members_free(
    tx: &mut Tx,
    actor: &Actor,
    h: &Household,
    except: Option<i64>,
) -> Result<(), StoreError> {
    let ids: Vec<&str> = h.members.iter().map(|m| m.id_number.as_str()).collect();
    let taken = holders(tx, &ids, except).await?;
    if let Some((pos, m)) = h
        .members
        .iter()
        .enumerate()
        .find(|(_, m)| taken.contains_key(m.id_number.as_str()))
    {
        let (en, zh) = taken[m.id_number.as_str()].named_for(actor);
        return Err(StoreError::Invalid(format!(
            "member {} ({}) is already registered in {en}; one person belongs to one household only (该成员已在{zh}登记，一人只能属于一户)",
            pos + 1,
            m.id_number.masked()
        )));
    }
    Ok(())
}

async fn check_village(tx: &mut Tx, village: &RegionCode) -> Result<(), StoreError> {
    let found: Option<(i64,)> = tx
        .opt(q("SELECT level FROM regions WHERE code = $1").bind(village.as_str()))
        .await?;
    match found {
        Some((5,)) => Ok(()),
        _ => Err(StoreError::Invalid(format!(
            "village code {village} is not a village of the division table (村代码不存在)"
        ))),
    }
}

fn household_args(h: &Household, now: DateTime<Utc>) -> Vec<crate::db::Arg> {
    let head = h.head().map(|m| m.name.clone()).unwrap_or_default();
    vec![
        h.number.clone().into(),
        h.village.as_str().into(),
        h.village_group.clone().into(),
        h.address.clone().into(),
        h.category.map(|c| c.code()).into(),
        h.formerly_registered_poor.into(),
        h.housing.code().into(),
        h.water.code().into(),
        h.farmland_mu.into(),
        h.forest_mu.into(),
        h.income.wage.into(),
        h.income.production.into(),
        h.income.property.into(),
        h.income.transfer.into(),
        h.medical_expense.into(),
        h.schooling_expense.into(),
        head.into(),
        (h.members.len() as i64).into(),
        now.into(),
        now.into(),
    ]
}

const INSERT_HOUSEHOLD: &str = "INSERT INTO households (number, village_code, village_group, address, category, \
     formerly_poor, housing, water, farmland_mu, forest_mu, income_wage, income_production, income_property, \
     income_transfer, medical_expense, schooling_expense, head_name, member_count, created_at, updated_at) VALUES ";

fn member_args(key: &DataKey, household_id: i64, pos: usize, m: &Member) -> Vec<crate::db::Arg> {
    let id = m.id_number.as_str();
    let tails = key.tail_hashes(id);
    vec![
        household_id.into(),
        (pos as i64).into(),
        key.seal("id_number", id).into(),
        key.id_hash(id).into(),
        tails[0].clone().into(),
        tails[1].clone().into(),
        tails[2].clone().into(),
        m.name.clone().into(),
        m.relation.code().into(),
        m.labor.code().into(),
        m.disability_kind.map(|d| d.code()).into(),
        m.disability_grade.map(i64::from).into(),
        m.illness.code().into(),
        m.student_stage.map(|s| s.code()).into(),
        m.student_status.map(|s| s.code()).into(),
        m.insurance.code().into(),
        m.employment.code().into(),
        key.seal_opt("phone", m.phone.as_deref()).into(),
    ]
}

const MEMBER_COLS: usize = 18;
const INSERT_MEMBER: &str = "INSERT INTO members (household_id, position, id_number, id_hash, id_tail4, id_tail5, id_tail6, name, relation, labor, \
     disability_kind, disability_grade, illness, student_stage, student_status, insurance, employment, phone) VALUES ";

/// Inserts the members of many households, in chunks.
async fn insert_members(tx: &mut Tx, rows: &[(i64, &Household)]) -> Result<(), StoreError> {
    let key = tx.data_key.clone();
    let key = key.as_deref().unwrap_or(crate::crypto::DataKey::unkeyed());
    let all: Vec<Vec<crate::db::Arg>> = rows
        .iter()
        .flat_map(|(id, h)| {
            h.members
                .iter()
                .enumerate()
                .map(move |(p, m)| member_args(key, *id, p, m))
        })
        .collect();
    for chunk in all.chunks(1000) {
        let sql = format!(
            "{INSERT_MEMBER}{}",
            values_placeholders(chunk.len(), MEMBER_COLS)
        );
        let query = chunk
            .iter()
            .flatten()
            .cloned()
            .fold(q(sql), |qq, a| qq.bind(a));
        tx.execute(query).await?;
    }
    Ok(())
}

fn change(
    key: &DataKey,
    actor: &Actor,
    action: &'static str,
    id: i64,
    h: &Household,
    before: Option<&Household>,
) -> Change {
    Change {
        user_id: actor.user_id,
        action,
        entity: "household",
        entity_id: id.to_string(),
        region: Some(h.village.to_string()),
        before: before.and_then(|b| audit_view(key, b)),
        after: audit_view(key, h),
    }
}

/// A household as the audit trail keeps it: every field, but each
/// member's ID number only masked and as its keyed hash (`id_hash`, the
/// value `members.id_hash` holds, so a reader with the data key can tell
/// which person a record is about) and the phone masked. The audit log is
/// not encrypted (docs/security.md): the clear values stay in the sealed
/// columns only.
fn audit_view(key: &DataKey, h: &Household) -> Option<String> {
    let mut v = serde_json::to_value(h).ok()?;
    if let Some(members) = v.get_mut("members").and_then(|m| m.as_array_mut()) {
        for (shown, m) in members.iter_mut().zip(&h.members) {
            shown["id_number"] = m.id_number.masked().into();
            shown["id_hash"] = key.id_hash(m.id_number.as_str()).into();
            if let Some(phone) = &m.phone {
                shown["phone"] = dixian_domain::mask::mask_phone(phone).into();
            }
        }
    }
    Some(v.to_string())
}

fn invalid(e: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(e.to_string())
}

/// Creates a household with its members; returns its id.
pub async fn create(pool: &Pool, actor: &Actor, h: &Household) -> Result<i64, StoreError> {
    h.validate().map_err(invalid)?;
    check_write(actor, &h.village)?;
    let mut tx = pool.begin().await?;
    check_village(&mut tx, &h.village).await?;
    let dup: Option<(i64,)> = tx
        .opt(q("SELECT id FROM households WHERE number = $1").bind(h.number.as_str()))
        .await?;
    if dup.is_some() {
        return Err(StoreError::Invalid(format!(
            "household number {} exists already (户编号已存在)",
            h.number
        )));
    }
    check_members_free(&mut tx, actor, h, None).await?;
    let sql = format!(
        "{INSERT_HOUSEHOLD}{} RETURNING id",
        values_placeholders(1, 20)
    );
    let (id,): (i64,) = tx
        .one(
            household_args(h, Utc::now())
                .into_iter()
                .fold(q(sql), |qq, a| qq.bind(a)),
        )
        .await?;
    insert_members(&mut tx, &[(id, h)]).await?;
    let created = change(tx.data(), actor, "create", id, h, None);
    audit::record(&mut tx, &[created]).await?;
    tx.commit().await?;
    Ok(id)
}

/// Replaces a household's record and members if `version` is current;
/// returns the new version.
pub async fn update(
    pool: &Pool,
    actor: &Actor,
    id: i64,
    version: i64,
    h: &Household,
) -> Result<i64, StoreError> {
    h.validate().map_err(invalid)?;
    let before = get(pool, actor, id).await?;
    check_write(actor, &before.household.village)?;
    check_write(actor, &h.village)?;
    if h.number != before.household.number {
        return Err(StoreError::Invalid(
            "the household number cannot change (户编号不可修改)".into(),
        ));
    }
    if h.category != before.household.category {
        return Err(Refusal::CategoryByWorkflow.into());
    }
    if h.formerly_registered_poor != before.household.formerly_registered_poor
        && actor.scope.role != Role::CountyAdmin
    {
        return Err(Refusal::FormerlyPoorByCounty.into());
    }
    let mut tx = pool.begin().await?;
    check_village(&mut tx, &h.village).await?;
    check_members_free(&mut tx, actor, h, Some(id)).await?;
    let args = household_args(h, Utc::now());
    // number (0) and created_at (18) stay; the rest is set.
    let sql = "UPDATE households SET village_code = $1, village_group = $2, address = $3, category = $4, formerly_poor = $5,
               housing = $6, water = $7, farmland_mu = $8, forest_mu = $9, income_wage = $10, income_production = $11,
               income_property = $12, income_transfer = $13, medical_expense = $14, schooling_expense = $15,
               head_name = $16, member_count = $17, updated_at = $18, version = version + 1
               WHERE id = $19 AND version = $20";
    let query = args
        .into_iter()
        .enumerate()
        .filter(|(i, _)| *i != 0 && *i != 18)
        .fold(q(sql), |qq, (_, a)| qq.bind(a));
    let n = tx.execute(query.bind(id).bind(version)).await?;
    if n == 0 {
        let (current,): (i64,) = tx
            .one(q("SELECT version FROM households WHERE id = $1").bind(id))
            .await?;
        return Err(StoreError::Conflict { current });
    }
    tx.execute(q("DELETE FROM members WHERE household_id = $1").bind(id))
        .await?;
    insert_members(&mut tx, &[(id, h)]).await?;
    let updated = change(tx.data(), actor, "update", id, h, Some(&before.household));
    audit::record(&mut tx, &[updated]).await?;
    tx.commit().await?;
    Ok(version + 1)
}

/// A problem of one household found by the store during an import: the
/// index of the household in the import and of the member (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportIssue {
    /// Index of the household among those passed to [`Importer::add`].
    pub household: usize,
    /// Member position, for member problems.
    pub member: Option<usize>,
    /// Which field: `village_code`, `household_number` or `id_number`.
    pub field: &'static str,
    /// Why.
    pub reason: String,
}

/// The households the importer checks and writes at a time: what it holds
/// in memory besides the file reader's buffer.
const IMPORT_CHUNK: usize = 4096;

/// The SQLite triggers that mark a village's figures dirty row by row on
/// insert (migration 0011): a bulk import drops them inside its
/// transaction, marks each village it wrote once, and puts them back
/// before it commits (SQLite's DDL is transactional: a rolled-back or
/// killed import leaves them as they were). PostgreSQL marks once per
/// statement (migration 0018). The registry index's insert triggers
/// (0021) are dropped the same way; the import rebuilds the parts of the
/// villages it wrote before it commits.
/// SQLite's page cache (KiB) for the connection of a bulk import: the
/// unique indexes take keys in random order, and a cache smaller than
/// them sends every insert to the disk. Set back to the store's default
/// ([`DEFAULT_CACHE_KIB`], as `Store::open` sets it) at the end.
const IMPORT_CACHE_KIB: u64 = 262_144;
pub(crate) const DEFAULT_CACHE_KIB: u64 = 65_536;

/// The persons whose registry index parts an import keeps in memory
/// (about 30 bytes each): beyond, the parts are rebuilt from the tables at
/// the end. A bound on memory, not a policy number.
const IMPORT_PARTS_MAX_PERSONS: usize = 4_000_000;

const SQLITE_INSERT_TRIGGERS: [&str; 4] = [
    "stats_households_ins",
    "stats_members_ins",
    "registry_index_households_ins",
    "registry_index_members_ins",
];

/// Where the time of a bulk import went (wall time of each phase of the
/// writing side; reading the file runs beside it on its own thread).
#[derive(Debug, Clone, Default)]
pub struct ImportTimings {
    /// Checking households against the database (numbers and persons held).
    pub check: std::time::Duration,
    /// Sealing ID numbers and phones, computing the lookup hashes.
    pub seal: std::time::Duration,
    /// Inserting rows (SQLite prepared statements, PostgreSQL binary COPY).
    pub insert: std::time::Duration,
    /// Marking villages, the audit record, restoring triggers, commit.
    pub finish: std::time::Duration,
}

/// A bulk import in one transaction: households are checked against the
/// database and written in chunks as they come (docs/registry-format.md,
/// "Bulk load"); [`Importer::finish`] commits only if no issue was found,
/// so a bad file changes nothing. The import is one audit record naming
/// the file (its SHA-256), the counts and the ids written.
pub struct Importer {
    tx: Tx,
    actor: Actor,
    villages: HashSet<String>,
    seen_numbers: HashSet<String>,
    seen_ids: HashMap<String, usize>,
    pending: Vec<(usize, Household)>,
    count: usize,
    issues: Vec<ImportIssue>,
    written: (u64, u64),
    /// The registry held no household when the import began (under the
    /// write lock on SQLite): nothing in the database to check against;
    /// the file's own duplicates are found in memory, and PostgreSQL's
    /// unique indexes still refuse a concurrent writer's at commit.
    empty: bool,
    /// SQLite: the next household id (the write lock is held).
    next_id: i64,
    ids: Option<(i64, i64)>,
    written_villages: std::collections::BTreeSet<String>,
    /// SQLite: the insert triggers dropped for the load, to put back.
    triggers: Vec<String>,
    /// The registry index's parts of the households written, per village,
    /// from memory (`None` once more than [`IMPORT_PARTS_MAX_PERSONS`]
    /// persons: the parts are then rebuilt from the tables at the end).
    parts: Option<HashMap<String, Vec<crate::registry_index::HouseholdPart>>>,
    parts_persons: usize,
    /// First load into an empty registry: the secondary indexes of
    /// households and members dropped for the load, to build again (sorted,
    /// in one pass each) before the commit.
    indexes: Vec<String>,
    prepared: bool,
    source: Option<(String, String)>,
    timings: ImportTimings,
}

impl Importer {
    /// Starts an import by `actor` (checked against its scope).
    pub async fn begin(pool: &Pool, actor: &Actor) -> Result<Importer, StoreError> {
        // The exchange registers a partner's new households
        // (docs/exchange.md): the data officer's one registry write.
        if !(actor.scope.role.edits_registry() || actor.scope.role.exchanges_data()) {
            return Err(StoreError::Forbidden);
        }
        let villages = crate::regions::villages_within(pool, &actor.scope.region).await?;
        let mut tx = pool.begin().await?;
        let (any,): (bool,) = tx
            .one(q("SELECT EXISTS (SELECT 1 FROM households)"))
            .await?;
        let (max_id,): (i64,) = tx
            .one(q(
                "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM households",
            ))
            .await?;
        Ok(Importer {
            tx,
            actor: actor.clone(),
            villages,
            seen_numbers: HashSet::new(),
            seen_ids: HashMap::new(),
            pending: Vec::new(),
            count: 0,
            issues: Vec::new(),
            written: (0, 0),
            empty: !any,
            next_id: max_id + 1,
            ids: None,
            written_villages: Default::default(),
            triggers: Vec::new(),
            parts: Some(HashMap::new()),
            parts_persons: 0,
            indexes: Vec::new(),
            prepared: false,
            source: None,
            timings: ImportTimings::default(),
        })
    }

    /// Names the file this import reads, for its audit record: its name
    /// (no path) and the hex SHA-256 of its bytes.
    pub fn source(&mut self, name: &str, sha256: &str) {
        self.source = Some((name.to_string(), sha256.to_string()));
    }

    /// Where the time went so far.
    pub fn timings(&self) -> &ImportTimings {
        &self.timings
    }

    /// Adds one household (already valid on its own); returns its index.
    pub async fn add(&mut self, h: Household) -> Result<usize, StoreError> {
        let idx = self.count;
        self.count += 1;
        self.check_in_file(idx, &h);
        self.pending.push((idx, h));
        if self.pending.len() >= IMPORT_CHUNK {
            self.flush().await?;
        }
        Ok(idx)
    }

    /// Records that a household failed file validation: nothing will be
    /// committed, but later households are still checked.
    pub fn reject(&mut self) {
        self.count += 1;
        self.issues.push(ImportIssue {
            household: usize::MAX,
            member: None,
            field: "",
            reason: String::new(),
        });
    }

    fn issue(
        &mut self,
        household: usize,
        member: Option<usize>,
        field: &'static str,
        reason: String,
    ) {
        self.issues.push(ImportIssue {
            household,
            member,
            field,
            reason,
        });
    }

    fn check_in_file(&mut self, idx: usize, h: &Household) {
        if h.category.is_some() {
            // 监测类别 comes only from the workflow (county approval) or the
            // county's migration of its monitored list, never from a
            // registry file (docs/decisions.md, "category by workflow").
            self.issue(
                idx,
                None,
                "category",
                "the category is set by identification or by the county's migration of its \
                 monitored list (`dixian cases migrate`), not by a registry file: leave it empty \
                 (监测类别只能经认定程序或存量监测对象导入设置，登记文件中请留空)"
                    .to_string(),
            );
        }
        if !self.villages.contains(h.village.as_str()) {
            let reason = if self.actor.scope.covers(&h.village) {
                format!(
                    "village code {} is not in the division table (村代码不存在)",
                    h.village
                )
            } else {
                format!(
                    "village code {} is outside your region (不在您的管辖范围)",
                    h.village
                )
            };
            self.issue(idx, None, "village_code", reason);
        }
        if !self.seen_numbers.insert(h.number.clone()) {
            self.issue(
                idx,
                None,
                "household_number",
                format!(
                    "household number {} appears twice in the file (户编号重复)",
                    h.number
                ),
            );
        }
        for (p, m) in h.members.iter().enumerate() {
            if let Some(first) = self.seen_ids.insert(m.id_number.as_str().to_string(), idx) {
                let reason = format!(
                    "this person appears already in household #{} of the file (同一人重复出现)",
                    first + 1
                );
                self.issue(idx, Some(p), "id_number", reason);
            }
        }
    }

    async fn flush(&mut self) -> Result<(), StoreError> {
        let pending = std::mem::take(&mut self.pending);
        if pending.is_empty() {
            return Ok(());
        }
        let t = std::time::Instant::now();
        if !self.empty {
            self.check_in_database(&pending).await?;
        }
        self.timings.check += t.elapsed();
        if self.issues.is_empty() {
            self.write(&pending).await?;
        }
        Ok(())
    }

    /// Household numbers and persons of `pending` that the database holds
    /// already.
    async fn check_in_database(
        &mut self,
        pending: &[(usize, Household)],
    ) -> Result<(), StoreError> {
        let numbers: Vec<&str> = pending.iter().map(|(_, h)| h.number.as_str()).collect();
        let mut existing = HashSet::new();
        for part in numbers.chunks(500) {
            existing.extend(existing_numbers(&mut self.tx, part).await?);
        }
        let ids: Vec<&str> = pending
            .iter()
            .flat_map(|(_, h)| h.members.iter().map(|m| m.id_number.as_str()))
            .collect();
        let taken = holders(&mut self.tx, &ids, None).await?;
        for (idx, h) in pending {
            if existing.contains(&h.number) {
                self.issue(
                    *idx,
                    None,
                    "household_number",
                    format!(
                        "household number {} exists already (户编号已存在)",
                        h.number
                    ),
                );
            }
            for (p, m) in h.members.iter().enumerate() {
                if let Some(other) = taken.get(m.id_number.as_str()) {
                    let (en, zh) = other.named_for(&self.actor);
                    let reason = format!(
                        "already registered in {en}; one person belongs to one household only (该人已在{zh}登记)"
                    );
                    self.issue(*idx, Some(p), "id_number", reason);
                }
            }
        }
        Ok(())
    }

    /// Ids for `n` new households: SQLite counts on from the largest (the
    /// write lock is held); PostgreSQL takes them from the identity's
    /// sequence, as a plain INSERT would.
    async fn reserve_ids(&mut self, n: usize) -> Result<Vec<i64>, StoreError> {
        if self.tx.is_sqlite() {
            let first = self.next_id;
            self.next_id += n as i64;
            return Ok((first..self.next_id).collect());
        }
        let rows: Vec<(i64,)> = self
            .tx
            .all(
                q("SELECT nextval(pg_get_serial_sequence('households', 'id')) FROM generate_series(1, $1)")
                    .bind(n as i64),
            )
            .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Before the first write: drops the row-by-row insert triggers
    /// (SQLite) and, into an empty registry, the secondary indexes (both
    /// backends); on SQLite a larger page cache for this connection while
    /// the import runs ([`IMPORT_CACHE`]).
    async fn prepare_load(&mut self) -> Result<(), StoreError> {
        if self.prepared {
            return Ok(());
        }
        self.prepared = true;
        if self.empty {
            let found: Vec<(String, String)> = if self.tx.is_sqlite() {
                self.tx
                    .all(q("SELECT name, sql FROM sqlite_master WHERE type = 'index' \
                            AND tbl_name IN ('households', 'members') AND sql IS NOT NULL ORDER BY name"))
                    .await?
            } else {
                self.tx
                    .all(q("SELECT indexname::text, indexdef FROM pg_indexes WHERE schemaname = current_schema() \
                            AND tablename IN ('households', 'members') \
                            AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY indexname"))
                    .await?
            };
            for (name, sql) in found {
                self.tx.execute(q(format!("DROP INDEX {name}"))).await?;
                self.indexes.push(sql);
            }
        }
        if !self.tx.is_sqlite() {
            return Ok(());
        }
        self.tx
            .execute(q(format!("PRAGMA cache_size = -{IMPORT_CACHE_KIB}")))
            .await?;
        for name in SQLITE_INSERT_TRIGGERS {
            let found: Option<(String,)> = self
                .tx
                .opt(
                    q("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = $1")
                        .bind(name),
                )
                .await?;
            if let Some((sql,)) = found {
                self.tx.execute(q(format!("DROP TRIGGER {name}"))).await?;
                self.triggers.push(sql);
            }
        }
        Ok(())
    }

    async fn write(&mut self, pending: &[(usize, Household)]) -> Result<(), StoreError> {
        let now = Utc::now();
        self.prepare_load().await?;
        let ids = self.reserve_ids(pending.len()).await?;
        let with_ids: Vec<(i64, &Household)> = ids
            .iter()
            .copied()
            .zip(pending.iter().map(|(_, h)| h))
            .collect();
        let t = std::time::Instant::now();
        let members = crate::bulk::member_rows(self.tx.data(), &with_ids);
        self.timings.seal += t.elapsed();
        let t = std::time::Instant::now();
        crate::bulk::write(&mut self.tx, &with_ids, &members, now).await?;
        self.timings.insert += t.elapsed();
        for (_, h) in pending {
            if !self.written_villages.contains(h.village.as_str()) {
                self.written_villages.insert(h.village.to_string());
            }
        }
        self.parts_persons += members.len();
        if self.parts_persons > IMPORT_PARTS_MAX_PERSONS {
            self.parts = None;
        }
        if let Some(parts) = &mut self.parts {
            for (id, h) in &with_ids {
                parts
                    .entry(h.village.to_string())
                    .or_default()
                    .push(crate::registry_index::household_part(*id, h));
            }
        }
        if let (Some(&lo), Some(&hi)) = (ids.iter().min(), ids.iter().max()) {
            self.ids = Some(match self.ids {
                Some((a, b)) => (a.min(lo), b.max(hi)),
                None => (lo, hi),
            });
        }
        self.written.0 += pending.len() as u64;
        self.written.1 += members.len() as u64;
        Ok(())
    }

    /// The import's one audit record: who, the file (name and SHA-256),
    /// how many households and persons, the range of household ids.
    fn audit_change(&self) -> Change {
        let (name, sha256) = self.source.clone().unwrap_or_default();
        let after = serde_json::json!({
            "file": name,
            "sha256": sha256,
            "households": self.written.0,
            "persons": self.written.1,
            "household_ids": self.ids.map(|(a, b)| [a, b]),
            "villages": self.written_villages.len(),
        });
        Change {
            user_id: self.actor.user_id,
            action: "import",
            entity: "household_import",
            entity_id: sha256,
            region: Some(self.actor.scope.region.to_string()),
            before: None,
            after: Some(after.to_string()),
        }
    }

    /// Adds audit rows to the import's transaction (the exchange's one
    /// record per package): committed with the households or not at all.
    pub async fn audit(&mut self, changes: &[Change]) -> Result<(), StoreError> {
        audit::record(&mut self.tx, changes).await
    }

    /// Ends the import: commits when no issue was found and `commit` is
    /// true; returns the issues (empty on success) and (households,
    /// persons) written.
    pub async fn finish(self, commit: bool) -> Result<(Vec<ImportIssue>, (u64, u64)), StoreError> {
        let (issues, written, _) = self.finish_timed(commit).await?;
        Ok((issues, written))
    }

    /// [`Importer::finish`], also telling where the time went.
    pub async fn finish_timed(
        mut self,
        commit: bool,
    ) -> Result<(Vec<ImportIssue>, (u64, u64), ImportTimings), StoreError> {
        self.flush().await?;
        let t = std::time::Instant::now();
        let issues: Vec<ImportIssue> = std::mem::take(&mut self.issues)
            .into_iter()
            .filter(|i| i.household != usize::MAX)
            .collect();
        let failed = self.count > 0 && (self.written.0 as usize) < self.count;
        if !(commit && issues.is_empty() && !failed) {
            // Rolls everything back, triggers and indexes too.
            if self.tx.is_sqlite() && self.prepared {
                self.tx
                    .execute(q(format!("PRAGMA cache_size = -{DEFAULT_CACHE_KIB}")))
                    .await?;
            }
            self.tx.rollback().await?;
            return Ok((issues, (0, 0), self.timings));
        }
        for sql in std::mem::take(&mut self.indexes)
            .into_iter()
            .chain(std::mem::take(&mut self.triggers))
        {
            self.tx.execute(q(sql)).await?;
        }
        if self.tx.is_sqlite() && self.prepared {
            self.tx
                .execute(q(format!("PRAGMA cache_size = -{DEFAULT_CACHE_KIB}")))
                .await?;
        }
        if self.tx.is_sqlite() {
            // Each village written, once (PostgreSQL's statement trigger
            // did the same as the rows went in).
            for v in &self.written_villages {
                self.tx
                    .execute(
                        q("INSERT INTO stats_dirty (village_code) SELECT $1
                           WHERE NOT EXISTS (SELECT 1 FROM stats_dirty WHERE village_code = $1)")
                        .bind(v.as_str()),
                    )
                    .await?;
            }
        }
        // The registry index of every village written, current at commit
        // (the marks PostgreSQL's statement triggers made are taken).
        let written: Vec<String> = self.written_villages.iter().cloned().collect();
        let parts = self.parts.take();
        crate::registry_index::rebuild_written(&mut self.tx, &written, parts).await?;
        if self.written.0 > 0 {
            let change = self.audit_change();
            audit::record(&mut self.tx, &[change]).await?;
        }
        self.tx.commit().await?;
        self.timings.finish += t.elapsed();
        Ok((issues, self.written, self.timings))
    }
}

async fn existing_numbers(tx: &mut Tx, numbers: &[&str]) -> Result<HashSet<String>, StoreError> {
    let ph: Vec<String> = (1..=numbers.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT number FROM households WHERE number IN ({})",
        ph.join(",")
    );
    let rows: Vec<(String,)> = tx
        .all(numbers.iter().fold(q(sql), |qq, n| qq.bind(*n)))
        .await?;
    Ok(rows.into_iter().map(|(n,)| n).collect())
}

/// Streams every household in `region` (within the actor's scope) to
/// `sink`, in village and number order, a page at a time.
pub async fn for_each_in(
    pool: &Pool,
    actor: &Actor,
    region: &RegionCode,
    mut sink: impl FnMut(StoredHousehold) -> Result<(), StoreError>,
) -> Result<u64, StoreError> {
    let Some(region) = effective_region(actor, Some(region.as_str()))? else {
        return Ok(0);
    };
    let (lo, hi) = region.padded_range();
    let mut last = String::new();
    let mut n = 0;
    loop {
        let ids: Vec<(i64, String)> = pool
            .all(
                q("SELECT id, village_code || '/' || number FROM households
                   WHERE village_code BETWEEN $1 AND $2 AND village_code || '/' || number > $3
                   ORDER BY village_code || '/' || number LIMIT 500")
                .bind(lo.as_str())
                .bind(hi.as_str())
                .bind(last.as_str()),
            )
            .await?;
        let Some((_, key)) = ids.last() else {
            return Ok(n);
        };
        last = key.clone();
        for (id, _) in &ids {
            sink(get(pool, actor, *id).await?)?;
            n += 1;
        }
    }
}

/// Counts of households and persons per child region of `parent`, within
/// the actor's scope: (child code, households, persons, monitored).
pub async fn counts_by_child(
    pool: &Pool,
    actor: &Actor,
    parent: &RegionCode,
) -> Result<Vec<(String, i64, i64, i64)>, StoreError> {
    // Grouped by the children of `parent`, counted only inside the scope:
    // a village cadre reading their township sees their own village's
    // figures (and no other village's).
    let Some(child) = parent.level().child() else {
        return Ok(Vec::new());
    };
    let Some(region) = effective_region(actor, Some(parent.as_str()))? else {
        return Ok(Vec::new());
    };
    let (lo, hi) = region.padded_range();
    let n = child.digits();
    pool.all(
        q(format!(
            "SELECT SUBSTR(h.village_code, 1, {n}) AS code, COUNT(*) AS households, CAST(SUM(h.member_count) AS BIGINT) AS persons,
             CAST(SUM(CASE WHEN {} THEN 1 ELSE 0 END) AS BIGINT) AS monitored
             FROM households h WHERE h.village_code BETWEEN $1 AND $2 GROUP BY SUBSTR(h.village_code, 1, {n}) ORDER BY 1",
            monitored_sql("h")
        ))
        .bind(lo)
        .bind(hi),
    )
    .await
}
