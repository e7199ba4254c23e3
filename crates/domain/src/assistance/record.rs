//! What assistance records hold: the 帮扶责任人 roster, the plan of a
//! household (一户一策, 一人一策), the measures received (the assistance
//! chain, 一户(人)一条救助链) and follow-up visits (跟踪回访) as data.
//!
//! These are values, not rows: the store reads and writes them, the
//! application layer checks them against the catalogue in force, the web
//! builds its views from them.

use super::catalogue::{Department, MeasureKind};
use crate::coded::coded_enum;
use crate::id_number::IdNumber;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// 帮扶责任人: one helper of the roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ResponsiblePerson {
    /// 姓名
    pub name: String,
    /// 工作单位 (the unit the helper comes from: a county bureau, a
    /// designated unit, the village work team)
    pub unit: String,
    /// 联系电话 (personal data: masked like a member's phone)
    pub phone: String,
}

coded_enum! {
    /// 帮扶计划状态.
    PlanStatus {
        /// 拟定: proposed, not yet confirmed by the cadre.
        Draft => ("draft", "拟定", "Draft"),
        /// 实施中: confirmed, measures under way.
        Active => ("active", "实施中", "Active"),
        /// 已结束: the household's risk was eliminated (or the case rejected).
        Closed => ("closed", "已结束", "Closed"),
    }
}

/// One measure a plan foresees for the household (`person` = `None`) or
/// one member (一人一策).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlannedMeasure {
    /// The member it is for; `None` for the household as a whole.
    #[schema(value_type = Option<String>)]
    pub person: Option<IdNumber>,
    /// The kind.
    pub kind: MeasureKind,
    /// Why it is proposed (the rule that chose it, or the cadre's note).
    pub reason: String,
}

/// 一户一策: the assistance plan of one monitored household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AssistancePlan {
    /// 户编号.
    pub household: String,
    /// Status.
    pub status: PlanStatus,
    /// The helper responsible for the household (an id in the roster).
    pub helper: Option<i64>,
    /// First day of the plan.
    pub starts_on: NaiveDate,
    /// Next review (回访) due.
    pub review_on: NaiveDate,
    /// The measures foreseen.
    pub measures: Vec<PlannedMeasure>,
}

coded_enum! {
    /// 措施状态: where one received measure stands.
    MeasureStatus {
        /// 实施中 / 享受中
        Ongoing => ("ongoing", "实施中", "Ongoing", "享受中", "在保"),
        /// 已完成 (a one-off payment made, a training ended, a loan repaid)
        Done => ("done", "已完成", "Done", "已结清", "已发放"),
        /// 已停止 (停发, 退出)
        Stopped => ("stopped", "已停止", "Stopped", "停发", "退出", "终止"),
    }
}

coded_enum! {
    /// Where a received measure's record came from.
    MeasureSource {
        /// Entered by a cadre on the household's plan.
        Cadre => ("cadre", "干部录入", "Entered by a cadre", "录入"),
        /// A department's or bank's list imported as a batch.
        List => ("list", "部门名单", "Department list", "名单导入"),
        /// The 民政 department feed (`assistance` rows: 新增/停发).
        Feed => ("feed", "部门数据", "Department feed"),
    }
}

/// One measure received by a person (or the household): a link of the
/// assistance chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Measure {
    /// The person; `None` for a household measure.
    #[schema(value_type = Option<String>)]
    pub person: Option<IdNumber>,
    /// The kind.
    pub kind: MeasureKind,
    /// The department (or bank) that gives it.
    pub department: Department,
    /// Amount in 分, in the unit of the catalogue entry; `None` for a
    /// service without an amount.
    pub amount_fen: Option<i64>,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day (inclusive); `None` while open-ended.
    pub ends_on: Option<NaiveDate>,
    /// Status.
    pub status: MeasureStatus,
    /// Where the record came from.
    pub source: MeasureSource,
    /// The document or payment it rests on (文号, 流水号, batch and line).
    pub evidence: String,
}

impl Measure {
    /// Whether the measure runs on `day`.
    pub fn runs_on(&self, day: NaiveDate) -> bool {
        self.starts_on <= day && self.ends_on.is_none_or(|end| day <= end)
    }

    /// Whether two measures share at least one day.
    pub fn overlaps(&self, other: &Measure) -> bool {
        let end = |m: &Measure| m.ends_on.unwrap_or(NaiveDate::MAX);
        self.starts_on <= end(other) && other.starts_on <= end(self)
    }
}

/// 家庭收入 of a period, by source, in 分 (what a follow-up visit records).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IncomeBySource {
    /// 工资性收入
    pub wage_fen: i64,
    /// 生产经营性收入
    pub business_fen: i64,
    /// 财产性收入
    pub property_fen: i64,
    /// 转移性收入
    pub transfer_fen: i64,
}

impl IncomeBySource {
    /// The four sources together.
    pub fn total_fen(&self) -> i64 {
        self.wage_fen
            .saturating_add(self.business_fen)
            .saturating_add(self.property_fen)
            .saturating_add(self.transfer_fen)
    }
}

/// 两不愁三保障 as seen at a visit: each item secure or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BasicNeeds {
    /// 不愁吃
    pub food: bool,
    /// 不愁穿
    pub clothing: bool,
    /// 义务教育有保障
    pub schooling: bool,
    /// 基本医疗有保障
    pub medical: bool,
    /// 住房安全有保障
    pub housing: bool,
    /// 饮水安全有保障
    pub water: bool,
}

impl BasicNeeds {
    /// Whether every item is secure.
    pub fn all_secure(&self) -> bool {
        self.food && self.clothing && self.schooling && self.medical && self.housing && self.water
    }
}

coded_enum! {
    /// 措施成效 as judged at a visit.
    MeasureEffect {
        /// 见效: income or the need it answers improved.
        Effective => ("effective", "见效", "Effective", "有效"),
        /// 未见效 yet.
        NoEffect => ("no_effect", "未见效", "No effect yet", "无效"),
        /// 需调整: the cadre asks for another measure.
        Adjust => ("adjust", "需调整", "Needs adjustment", "调整"),
    }
}

/// The state of one measure seen at a visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MeasureCheck {
    /// The measure (its id in the store).
    pub measure: i64,
    /// Its status on the day.
    pub status: MeasureStatus,
    /// Its effect.
    pub effect: MeasureEffect,
}

/// 跟踪回访: one follow-up visit, as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FollowUpVisit {
    /// Day of the visit.
    pub visited_on: NaiveDate,
    /// First day of the income period the visit records.
    pub period_from: NaiveDate,
    /// Last day of that period (inclusive).
    pub period_to: NaiveDate,
    /// The household's income over the period, by source.
    pub income: IncomeBySource,
    /// Household size the income is divided by (persons living on it).
    pub persons: u32,
    /// 两不愁三保障 on the day.
    pub needs: BasicNeeds,
    /// The state of each measure seen.
    pub measures: Vec<MeasureCheck>,
    /// What the cadre noted (free text besides the fields, never instead).
    pub note: String,
}

impl FollowUpVisit {
    /// Income per person per year over the visit's period, in 分
    /// (annualised by days; `None` for an empty household or period).
    pub fn per_person_annual_fen(&self) -> Option<i64> {
        let days = (self.period_to - self.period_from).num_days() + 1;
        if days <= 0 || self.persons == 0 {
            return None;
        }
        let total = i128::from(self.income.total_fen());
        let per = total * 365 / i128::from(days) / i128::from(self.persons);
        i64::try_from(per).ok()
    }
}
