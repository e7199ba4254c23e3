//! What a reader is shown of a household: view models built from the
//! domain values by one function each ([`HouseholdView::of`],
//! [`HouseholdLine::of`]), applying the masking rules in one place, for
//! the API, the pages and the command line alike. Rows are never masked
//! by changing them.
//!
//! - ID numbers and phones are masked for every role, unless the record
//!   was revealed (the use case checked [`Role::sees_personal_data`] and
//!   wrote the audit row first, `store::privacy`); lists always mask; so
//!   do the inbox's declarations ([`inbox_lead`]).
//! - Health details of the registry (a member's illness and disability)
//!   are shown to the roles that record them or review them
//!   ([`Role::edits_registry`], [`Role::sees_health_data`]) and withheld
//!   from the rest (a data officer), named in `withheld` — as a warning's
//!   evidence withholds a diagnosis (`store::warnings`).

use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::{
    Category, DisabilityKind, DrinkingWater, EmploymentStatus, Household, HousingGrade, Illness,
    Income, InsuranceStatus, LaborCapacity, Member, Relation, Role, Sex, StudentStage,
    StudentStatus,
};
use dixian_store::cases::InboxLead;
use dixian_store::{Actor, HouseholdRow, StoredHousehold};
use serde::Serialize;

pub use dixian_domain::mask::{mask_id, mask_name, mask_phone};

/// What one reader may see of personal data: decided once per answer from
/// the role and whether the record was revealed (audited) for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sight {
    /// ID numbers and phones in full (after a recorded reveal).
    pub full: bool,
    /// Health details of the registry (illness, disability).
    pub health: bool,
}

impl Sight {
    /// What `role` sees, `revealed` or not. A reveal is only ever
    /// recorded for a role that [`Role::sees_personal_data`], but the
    /// check is repeated here so that no caller can show more.
    pub fn of(role: Role, revealed: bool) -> Sight {
        Sight {
            full: revealed && role.sees_personal_data(),
            health: role.edits_registry() || role.sees_health_data(),
        }
    }
}

/// The health fields of a member withheld from a role that does not see
/// them (named in [`HouseholdView::withheld`]).
pub const HEALTH_FIELDS: &[&str] = &["illness", "disability_kind", "disability_grade"];

/// A member's health details, as shown to a role that sees them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberHealth {
    /// 残疾类别
    pub disability_kind: Option<DisabilityKind>,
    /// 残疾等级 1–4
    pub disability_grade: Option<u8>,
    /// 健康状况
    pub illness: Illness,
}

/// A member as one reader is shown it (same fields as [`Member`]; ID
/// number and phone masked unless revealed, health present only for the
/// roles that see it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberView {
    /// 身份证号, masked unless revealed.
    pub id_number: String,
    /// 姓名
    pub name: String,
    /// 与户主关系
    pub relation: Relation,
    /// 劳动能力
    pub labor: LaborCapacity,
    /// Illness and disability; `None` when withheld.
    #[serde(flatten)]
    pub health: Option<MemberHealth>,
    /// 在校生学段
    pub student_stage: Option<StudentStage>,
    /// 在校状态
    pub student_status: Option<StudentStatus>,
    /// 医保参保状态
    pub insurance: InsuranceStatus,
    /// 就业状态
    pub employment: EmploymentStatus,
    /// 联系电话, masked unless revealed.
    pub phone: Option<String>,
    /// Sex (from the ID number; the card shows it, the API does not).
    #[serde(skip)]
    pub sex: Sex,
    /// Age on the day of the view (from the ID number; the card shows it).
    #[serde(skip)]
    pub age: u32,
}

/// A member's ID number and phone as shown: in full only when `full`
/// (after a recorded reveal), else masked — the card, the API and the
/// member form show the same.
pub fn contact(m: &Member, full: bool) -> (String, Option<String>) {
    if full {
        (m.id_number.as_str().to_string(), m.phone.clone())
    } else {
        (m.id_number.masked(), m.phone.as_deref().map(mask_phone))
    }
}

impl MemberView {
    /// `m` as `sight` allows, its age on `today`.
    pub fn of(m: &Member, sight: Sight, today: NaiveDate) -> MemberView {
        let (id_number, phone) = contact(m, sight.full);
        MemberView {
            id_number,
            name: m.name.clone(),
            relation: m.relation,
            labor: m.labor,
            health: sight.health.then_some(MemberHealth {
                disability_kind: m.disability_kind,
                disability_grade: m.disability_grade,
                illness: m.illness,
            }),
            student_stage: m.student_stage,
            student_status: m.student_status,
            insurance: m.insurance,
            employment: m.employment,
            phone,
            sex: m.id_number.sex(),
            age: m.id_number.age_on(today),
        }
    }
}

/// The household's own fields as shown (those of [`Household`], members
/// as [`MemberView`]s).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HouseholdFacts {
    /// 户编号
    pub number: String,
    /// 所在村 (12-digit village code)
    pub village: String,
    /// 村民小组
    pub village_group: Option<String>,
    /// 详细地址
    pub address: String,
    /// 监测对象类别
    pub category: Option<Category>,
    /// 原建档立卡脱贫户
    pub formerly_registered_poor: bool,
    /// 住房安全等级
    pub housing: HousingGrade,
    /// 饮水安全
    pub water: DrinkingWater,
    /// 耕地面积 (亩)
    pub farmland_mu: f64,
    /// 林地面积 (亩)
    pub forest_mu: f64,
    /// 家庭年收入 by source (元)
    pub income: Income,
    /// 刚性支出: 医疗 (元/年)
    pub medical_expense: i64,
    /// 刚性支出: 教育 (元/年)
    pub schooling_expense: i64,
    /// 家庭成员, the head first
    pub members: Vec<MemberView>,
    /// 人均纯收入 (元/年); the card shows it, the API does not.
    #[serde(skip)]
    pub income_per_person: i64,
}

/// A stored household as one reader is shown it, by the API
/// (`GET /api/v1/households/{id}`, the same JSON as the stored record
/// with the masks applied) and by the card.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HouseholdView {
    /// Database id.
    pub id: i64,
    /// Version; send it back with an update.
    pub version: i64,
    /// The record as shown.
    pub household: HouseholdFacts,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Whether ID numbers and phones are shown in full.
    #[serde(skip)]
    pub revealed: bool,
    /// The fields of every member left out for this reader.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub withheld: Vec<&'static str>,
}

impl HouseholdView {
    /// `stored` as `actor` is shown it: `revealed` only after the reveal
    /// was recorded (the use case does that); ages on `today`.
    pub fn of(
        stored: &StoredHousehold,
        actor: &Actor,
        revealed: bool,
        today: NaiveDate,
    ) -> HouseholdView {
        let sight = Sight::of(actor.scope.role, revealed);
        let h: &Household = &stored.household;
        HouseholdView {
            id: stored.id,
            version: stored.version,
            household: HouseholdFacts {
                number: h.number.clone(),
                village: h.village.to_string(),
                village_group: h.village_group.clone(),
                address: h.address.clone(),
                category: h.category,
                formerly_registered_poor: h.formerly_registered_poor,
                housing: h.housing,
                water: h.water,
                farmland_mu: h.farmland_mu,
                forest_mu: h.forest_mu,
                income: h.income,
                medical_expense: h.medical_expense,
                schooling_expense: h.schooling_expense,
                members: h
                    .members
                    .iter()
                    .map(|m| MemberView::of(m, sight, today))
                    .collect(),
                income_per_person: h.income_per_person(),
            },
            created_at: stored.created_at,
            updated_at: stored.updated_at,
            revealed: sight.full,
            withheld: if sight.health {
                Vec::new()
            } else {
                HEALTH_FIELDS.to_vec()
            },
        }
    }

    /// The head's name (empty without a head).
    pub fn head_name(&self) -> &str {
        self.household
            .members
            .iter()
            .find(|m| m.relation == Relation::Head)
            .map_or("", |m| m.name.as_str())
    }
}

/// One line of a household list as shown: the head's ID number always
/// masked (a list is never revealed).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HouseholdLine {
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
    /// Head's ID number, masked.
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
    /// 三色码.
    pub status: dixian_domain::StatusColour,
}

impl HouseholdLine {
    /// The list line of `row`, masked.
    pub fn of(row: HouseholdRow) -> HouseholdLine {
        let status = dixian_domain::StatusColour::of(
            row.open_warning,
            row.case_stage
                .as_deref()
                .and_then(dixian_domain::CaseStage::parse),
            row.category.is_some(),
        );
        HouseholdLine {
            status,
            head_id_number: mask_id(&row.head_id_number),
            id: row.id,
            number: row.number,
            village_code: row.village_code,
            village_name: row.village_name,
            head_name: row.head_name,
            member_count: row.member_count,
            category: row.category,
            formerly_poor: row.formerly_poor,
            income_per_person: row.income_per_person,
            housing: row.housing,
            version: row.version,
        }
    }
}

/// An unmatched declaration of the inbox as one reader is shown it: the
/// declarant's ID number and phone masked unless `sight` is full (after
/// the reveal was recorded).
pub fn inbox_lead(lead: InboxLead, sight: Sight) -> InboxLead {
    if sight.full {
        return lead;
    }
    InboxLead {
        declarant_id_number: lead.declarant_id_number.as_deref().map(mask_id),
        declarant_phone: lead.declarant_phone.as_deref().map(mask_phone),
        ..lead
    }
}

/// A person's name as a role is shown it in work lists: in full for a
/// role whose work needs personal data, else its first character.
pub fn name_for(role: Role, name: &str) -> String {
    if role.sees_personal_data() {
        name.to_string()
    } else {
        mask_name(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_only_the_ends() {
        assert_eq!(mask_id("11010519491231002X"), "110105********002X");
        assert_eq!(mask_id("123"), "******");
        assert_eq!(mask_phone("13812341234"), "138****1234");
        assert_eq!(mask_phone("12"), "****");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
    }

    #[test]
    fn sight_reveals_only_to_roles_that_need_it() {
        for role in Role::ALL.iter().copied() {
            let s = Sight::of(role, true);
            assert_eq!(s.full, role.sees_personal_data(), "{role:?}");
            assert!(!Sight::of(role, false).full, "{role:?}");
        }
        assert!(!Sight::of(Role::DataOfficer, false).health);
        assert!(Sight::of(Role::VillageCadre, false).health);
        assert!(Sight::of(Role::CountyAdmin, false).health);
    }
}
