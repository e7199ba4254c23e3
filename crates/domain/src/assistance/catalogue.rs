//! 帮扶措施目录: the kinds of measure a household or person may receive,
//! and the catalogue a rule set file declares for its region and period
//! (class, who is eligible, unit, limits, the department that gives it,
//! which kinds exclude each other for one person).
//!
//! The kinds are a closed vocabulary (codes in storage and the API); every
//! number about them — limits, ages, terms — comes from the rule file
//! (`[[measures]]`, read by the screening crate), never from code.

use crate::coded::coded_enum;
use crate::household::{Category, LaborCapacity, StudentStage};
use crate::risk::RiskType;
use serde::{Deserialize, Serialize};

coded_enum! {
    /// 帮扶措施类型: the kind of one measure.
    MeasureKind {
        /// 产业帮扶 (到户产业补助, 产业奖补)
        Industry => ("industry", "产业帮扶", "Industry support", "到户产业补助", "产业奖补", "产业扶持"),
        /// 转移就业 (务工就业, 劳务协作, 就业帮扶车间, 稳岗补贴)
        Employment => ("employment", "转移就业", "Employment", "务工就业", "就业帮扶", "劳务协作", "东西部劳务协作", "就业帮扶车间"),
        /// 公益性岗位 (生态护林员 included)
        PublicWelfareJob => ("public_welfare_job", "公益性岗位", "Public-welfare job", "公益岗位", "乡村公益性岗位", "生态护林员"),
        /// 以工代赈
        WorkRelief => ("work_relief", "以工代赈", "Work relief"),
        /// 技能培训
        SkillsTraining => ("skills_training", "技能培训", "Skills training", "职业技能培训", "就业技能培训"),
        /// 小额信贷 (脱贫人口小额信贷)
        SmallLoan => ("small_loan", "小额信贷", "Small loan", "脱贫人口小额信贷", "扶贫小额信贷"),
        /// 消费帮扶
        Consumption => ("consumption", "消费帮扶", "Consumption assistance"),
        /// 雨露计划
        Yulu => ("yulu", "雨露计划", "Yulu plan", "雨露计划补助"),
        /// 最低生活保障 (低保)
        Dibao => ("dibao", "低保", "Minimum living allowance", "最低生活保障", "农村低保"),
        /// 特困人员救助供养
        Tekun => ("tekun", "特困供养", "Extreme-poverty support", "特困", "特困人员救助供养"),
        /// 低保边缘家庭救助
        DibaoEdge => ("dibao_edge", "低保边缘", "Near-dibao support", "低保边缘家庭", "低保边缘救助"),
        /// 临时救助
        TemporaryRelief => ("temporary_relief", "临时救助", "Temporary assistance"),
        /// 医疗救助
        MedicalRelief => ("medical_relief", "医疗救助", "Medical assistance"),
        /// 残疾人两项补贴 (困难残疾人生活补贴, 重度残疾人护理补贴)
        DisabilitySubsidy => ("disability_subsidy", "残疾人两项补贴", "Disability subsidies", "两项补贴", "困难残疾人生活补贴", "重度残疾人护理补贴"),
        /// 教育资助 (学生资助)
        EducationAid => ("education_aid", "教育资助", "Education aid", "学生资助", "助学金"),
        /// 参保资助 (医保缴费资助)
        InsuranceSubsidy => ("insurance_subsidy", "参保资助", "Insurance premium subsidy", "医保参保资助", "参保缴费资助"),
        /// 农村危房改造
        HousingRenovation => ("housing_renovation", "危房改造", "Dilapidated-house renovation", "农村危房改造"),
        /// 饮水安全保障
        DrinkingWater => ("drinking_water", "饮水保障", "Drinking-water works", "饮水安全", "饮水工程"),
        /// 易地搬迁后续扶持
        RelocationSupport => ("relocation_support", "易地搬迁后续扶持", "Relocation follow-up support", "搬迁后续扶持"),
        /// 小额信贷贴息: part of a small loan's interest paid for the
        /// borrower; rests on a [`MeasureKind::SmallLoan`] of the same
        /// person covering its days ([`MeasureKind::requires`]).
        LoanInterestSubsidy => ("loan_interest_subsidy", "小额信贷贴息", "Small-loan interest subsidy", "贴息", "扶贫小额信贷贴息", "脱贫人口小额信贷贴息"),
    }
}

impl MeasureKind {
    /// The kind a measure of this kind rests on: the same person must hold
    /// a measure of it covering every day of this one (a 贴息 pays part of
    /// the interest of a small loan). Which kind rests on which is the
    /// vocabulary's (code); the limits are the rule file's. A kind that
    /// rests on another is never proposed on its own and does not make a
    /// person "able to work".
    pub fn requires(self) -> Option<MeasureKind> {
        match self {
            MeasureKind::LoanInterestSubsidy => Some(MeasureKind::SmallLoan),
            _ => None,
        }
    }
}

coded_enum! {
    /// 措施性质: what a measure is for.
    MeasureClass {
        /// 开发式帮扶: for those who can work.
        Development => ("development", "开发式帮扶", "Development", "开发式"),
        /// 兜底保障: social protection.
        Protection => ("protection", "兜底保障", "Protection", "兜底", "社会保障兜底"),
        /// 三保障和饮水 (教育, 医疗, 住房, 饮水) and 搬迁后续扶持.
        Guarantee => ("guarantee", "三保障和饮水", "Guarantees", "三保障"),
    }
}

coded_enum! {
    /// 计量单位 of a measure's amount.
    MeasureUnit {
        /// 元, once
        Yuan => ("yuan", "元", "Yuan"),
        /// 元/月
        YuanPerMonth => ("yuan_per_month", "元/月", "Yuan per month"),
        /// 元/年
        YuanPerYear => ("yuan_per_year", "元/年", "Yuan per year"),
        /// 天 (training days, work days)
        Days => ("days", "天", "Days"),
        /// 次 (a service without an amount)
        Times => ("times", "次", "Times", "人次"),
    }
}

coded_enum! {
    /// 责任部门: the department (or bank) a measure comes from.
    Department {
        /// 民政
        CivilAffairs => ("civil_affairs", "民政", "Civil affairs", "民政局", "民政部门"),
        /// 人力资源和社会保障
        HumanResources => ("human_resources", "人社", "Human resources", "人社局", "人力资源和社会保障局"),
        /// 教育
        Education => ("education", "教育", "Education", "教育局", "教体局"),
        /// 医疗保障
        MedicalSecurity => ("medical_security", "医保", "Medical security", "医保局", "医疗保障局"),
        /// 住房和城乡建设
        Housing => ("housing", "住建", "Housing", "住建局", "住房和城乡建设局"),
        /// 水利
        WaterResources => ("water_resources", "水利", "Water resources", "水利局", "水务局"),
        /// 农业农村 (乡村振兴)
        Agriculture => ("agriculture", "农业农村", "Agriculture", "农业农村局", "乡村振兴局", "乡村振兴"),
        /// 残联
        DisabledPersons => ("disabled_persons", "残联", "Disabled persons' federation", "残疾人联合会"),
        /// 发展改革 (以工代赈)
        Development => ("development", "发改", "Development and reform", "发改局", "发展和改革局"),
        /// 林业和草原 (生态护林员)
        Forestry => ("forestry", "林草", "Forestry", "林业局", "林草局"),
        /// 银行 (小额信贷)
        Bank => ("bank", "银行", "Bank", "农商行", "农村商业银行", "信用社", "农村信用社"),
        /// 帮扶单位 and other sources (东西部协作, 定点帮扶, 社会力量)
        Other => ("other", "其他", "Other", "帮扶单位", "社会力量"),
    }
}

/// Who may receive a kind. Every list empty (and every bound `None`) means
/// "anyone"; a person must pass every test that is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Eligibility {
    /// Labor capacities that qualify (development measures: `full`, `weak`).
    #[serde(default)]
    pub labor: Vec<LaborCapacity>,
    /// Youngest age, in full years on the measure's first day.
    #[serde(default)]
    pub min_age: Option<u32>,
    /// Oldest age, in full years on the measure's first day.
    #[serde(default)]
    pub max_age: Option<u32>,
    /// The person must be a student at one of these stages (雨露计划:
    /// vocational and tertiary).
    #[serde(default)]
    pub student_stages: Vec<StudentStage>,
    /// The person must have a recorded disability.
    #[serde(default)]
    pub disability: bool,
    /// The household must have one of these risk types (empty: any).
    #[serde(default)]
    pub risks: Vec<RiskType>,
    /// The household must be of one of these categories (empty: any).
    #[serde(default)]
    pub categories: Vec<Category>,
}

/// One kind in a rule set's catalogue: how a region and period treats it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MeasureRule {
    /// The kind.
    pub kind: MeasureKind,
    /// Development, protection or guarantee.
    pub class: MeasureClass,
    /// Whether the measure goes to the household as a whole (危房改造,
    /// 饮水) rather than to one person.
    pub household: bool,
    /// Unit of its amount.
    pub unit: MeasureUnit,
    /// The department that gives it (and delivers its lists).
    pub department: Department,
    /// Who may receive it.
    pub eligibility: Eligibility,
    /// Highest amount of one measure, in 分 (小额信贷: 5,000,000 = 50,000 元).
    pub max_amount_fen: Option<i64>,
    /// Longest term of one measure, in months (小额信贷: 36).
    pub max_term_months: Option<u32>,
    /// Highest yearly rate, in basis points (万分之一; 310 = 3.10 % a
    /// year), of a kind that [`MeasureKind::requires`] a loan: its amount
    /// is at most the covering loan's amount × this rate × its days / 365.
    #[serde(default)]
    pub max_yearly_rate_bp: Option<u32>,
    /// Kinds one person may not receive over the same days (低保 / 特困).
    pub excludes: Vec<MeasureKind>,
}

/// Numbers the assistance checks read, per region and period (the rule
/// file's `[assistance]` table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssistancePolicy {
    /// Days after identification by which a monitored household must have
    /// a measure (the chain report flags it after that).
    pub first_measure_days: u32,
    /// Months after its start by which a development measure must show an
    /// effect (income up) before it is flagged for adjustment.
    pub effect_review_months: u32,
    /// Days between follow-up visits (回访) a plan asks for.
    pub visit_interval_days: u32,
}

/// The catalogue of one rule set: one entry per kind the region offers,
/// with its numbers for the set's period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MeasureCatalogue {
    /// Entries in file order; at most one per kind.
    pub rules: Vec<MeasureRule>,
}

impl MeasureCatalogue {
    /// The entry for a kind, if the region offers it.
    pub fn get(&self, kind: MeasureKind) -> Option<&MeasureRule> {
        self.rules.iter().find(|r| r.kind == kind)
    }

    /// Whether two kinds exclude each other for one person (either entry
    /// naming the other is enough).
    pub fn exclusive(&self, a: MeasureKind, b: MeasureKind) -> bool {
        self.get(a).is_some_and(|r| r.excludes.contains(&b))
            || self.get(b).is_some_and(|r| r.excludes.contains(&a))
    }
}
