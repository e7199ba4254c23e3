//! 户 and 人: the household registry's records and their coded attributes.
//!
//! Every coded attribute is an enum with a stable English code (stored and
//! used in the API), a Chinese label (shown first in the UI) and aliases
//! accepted on import.

use crate::coded::coded_enum;
use crate::id_number::IdNumber;
use crate::region::RegionCode;
use serde::{Deserialize, Serialize};

coded_enum! {
    /// 监测对象类别: category of a monitored household.
    Category {
        /// 脱贫不稳定户
        UnstableFormerlyPoor => ("unstable_formerly_poor", "脱贫不稳定户", "Unstable formerly poor"),
        /// 边缘易致贫户
        MarginalAtRisk => ("marginal_at_risk", "边缘易致贫户", "Marginal, at risk"),
        /// 突发严重困难户
        SuddenHardship => ("sudden_hardship", "突发严重困难户", "Sudden severe hardship", "突发严重困难"),
    }
}

coded_enum! {
    /// 住房安全等级 A–D (C and D are 危房).
    HousingGrade {
        /// A级
        A => ("A", "A级", "Grade A"),
        /// B级
        B => ("B", "B级", "Grade B"),
        /// C级 (危房)
        C => ("C", "C级", "Grade C"),
        /// D级 (危房)
        D => ("D", "D级", "Grade D"),
    }
}

coded_enum! {
    /// 饮水安全 status of the household.
    DrinkingWater {
        /// 安全
        Secure => ("secure", "安全", "Secure", "饮水安全"),
        /// 基本安全
        Basic => ("basic", "基本安全", "Basically secure"),
        /// 不安全
        Insecure => ("insecure", "不安全", "Insecure", "饮水不安全"),
    }
}

coded_enum! {
    /// 与户主关系.
    Relation {
        /// 户主
        Head => ("head", "户主", "Head"),
        /// 配偶
        Spouse => ("spouse", "配偶", "Spouse"),
        /// 子女
        Child => ("child", "子女", "Child", "之子", "之女", "儿子", "女儿"),
        /// 父母
        Parent => ("parent", "父母", "Parent", "之父", "之母", "父亲", "母亲"),
        /// 孙子女
        Grandchild => ("grandchild", "孙子女", "Grandchild", "之孙子", "之孙女"),
        /// 儿媳/女婿
        ChildInLaw => ("child_in_law", "儿媳女婿", "Child-in-law", "之儿媳", "之女婿", "儿媳", "女婿"),
        /// 兄弟姐妹
        Sibling => ("sibling", "兄弟姐妹", "Sibling"),
        /// 其他
        Other => ("other", "其他", "Other"),
    }
}

coded_enum! {
    /// 劳动能力.
    LaborCapacity {
        /// 有劳动力 (普通劳动力/技能劳动力)
        Full => ("full", "有劳动力", "Full", "普通劳动力", "技能劳动力"),
        /// 弱劳动力或半劳动力
        Weak => ("weak", "弱劳动力", "Weak", "弱劳动力或半劳动力", "半劳动力"),
        /// 无劳动力
        None => ("none", "无劳动力", "None"),
        /// 丧失劳动力
        Lost => ("lost", "丧失劳动力", "Lost"),
    }
}

coded_enum! {
    /// 残疾类别.
    DisabilityKind {
        /// 视力残疾
        Visual => ("visual", "视力残疾", "Visual"),
        /// 听力残疾
        Hearing => ("hearing", "听力残疾", "Hearing"),
        /// 言语残疾
        Speech => ("speech", "言语残疾", "Speech"),
        /// 肢体残疾
        Physical => ("physical", "肢体残疾", "Physical"),
        /// 智力残疾
        Intellectual => ("intellectual", "智力残疾", "Intellectual"),
        /// 精神残疾
        Mental => ("mental", "精神残疾", "Mental"),
        /// 多重残疾
        Multiple => ("multiple", "多重残疾", "Multiple"),
    }
}

coded_enum! {
    /// 健康状况.
    Illness {
        /// 健康
        Healthy => ("healthy", "健康", "Healthy"),
        /// 长期慢性病
        Chronic => ("chronic", "长期慢性病", "Chronic illness", "慢性病"),
        /// 大病
        Serious => ("serious", "患有大病", "Serious illness", "大病"),
    }
}

coded_enum! {
    /// 在校生学段.
    StudentStage {
        /// 学前教育
        Preschool => ("preschool", "学前教育", "Preschool"),
        /// 小学
        Primary => ("primary", "小学", "Primary"),
        /// 初中
        JuniorSecondary => ("junior_secondary", "初中", "Junior secondary"),
        /// 高中
        SeniorSecondary => ("senior_secondary", "高中", "Senior secondary", "普通高中"),
        /// 中职
        Vocational => ("vocational", "中职", "Secondary vocational", "中等职业教育"),
        /// 高职/大专
        Tertiary => ("tertiary", "大专及以上", "Tertiary", "本科", "大专", "高职"),
    }
}

coded_enum! {
    /// 在校状态.
    StudentStatus {
        /// 在读
        Enrolled => ("enrolled", "在读", "Enrolled", "在校"),
        /// 辍学
        DroppedOut => ("dropped_out", "辍学", "Dropped out"),
        /// 休学
        Suspended => ("suspended", "休学", "Suspended"),
    }
}

coded_enum! {
    /// 基本医疗保险参保状态.
    InsuranceStatus {
        /// 已参保 (城乡居民基本医疗保险)
        Insured => ("insured", "已参保", "Insured", "参加城乡居民基本医疗保险", "是"),
        /// 未参保
        Uninsured => ("uninsured", "未参保", "Uninsured", "否"),
    }
}

coded_enum! {
    /// 就业状态.
    EmploymentStatus {
        /// 务农
        Farming => ("farming", "务农", "Farming"),
        /// 县内务工
        LocalWork => ("local_work", "县内务工", "Working in county"),
        /// 县外务工
        MigrantWork => ("migrant_work", "县外务工", "Migrant work", "省外务工", "省内县外务工"),
        /// 公益岗位
        PublicWelfareJob => ("public_welfare_job", "公益岗位", "Public-welfare job"),
        /// 失业
        Unemployed => ("unemployed", "失业", "Unemployed"),
        /// 不适用 (学生、老人、儿童)
        NotApplicable => ("not_applicable", "不适用", "Not applicable"),
    }
}

/// 人: a person of a household.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Member {
    /// 身份证号 (personal data: masked on screen unless the role needs it)
    #[schema(value_type = String)]
    pub id_number: IdNumber,
    /// 姓名
    pub name: String,
    /// 与户主关系
    pub relation: Relation,
    /// 劳动能力
    pub labor: LaborCapacity,
    /// 残疾类别
    pub disability_kind: Option<DisabilityKind>,
    /// 残疾等级 1–4
    pub disability_grade: Option<u8>,
    /// 健康状况
    pub illness: Illness,
    /// 在校生学段
    pub student_stage: Option<StudentStage>,
    /// 在校状态
    pub student_status: Option<StudentStatus>,
    /// 医保参保状态
    pub insurance: InsuranceStatus,
    /// 就业状态
    pub employment: EmploymentStatus,
    /// 联系电话 (personal data)
    pub phone: Option<String>,
}

/// 家庭年收入, by source, in 元 per year.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Income {
    /// 工资性收入
    pub wage: i64,
    /// 生产经营性收入
    pub production: i64,
    /// 财产性收入
    pub property: i64,
    /// 转移性收入
    pub transfer: i64,
}

impl Income {
    /// Total of all sources.
    pub fn total(&self) -> i64 {
        self.wage + self.production + self.property + self.transfer
    }
}

/// 户: a household of the registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Household {
    /// 户编号 — stable household number, unique nationwide
    pub number: String,
    /// 所在村 (12-digit village code)
    #[schema(value_type = String)]
    pub village: RegionCode,
    /// 村民小组
    pub village_group: Option<String>,
    /// 详细地址
    pub address: String,
    /// 监测对象类别 (None = not a monitored household)
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
    pub members: Vec<Member>,
}

/// A rule of the household registry that a record breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HouseholdError {
    /// No member.
    #[error("household has no member (家庭成员为空)")]
    NoMembers,
    /// Not exactly one member with relation head.
    #[error("household must have exactly one head, found {0} (户主应有且仅有一人)")]
    Heads(usize),
    /// Region code is not a village.
    #[error("household region {0} is not a village code (所在地应为村级代码)")]
    NotVillage(String),
    /// Same ID twice in one household.
    #[error("member {0} appears twice in the household (成员重复)")]
    DuplicateMember(String),
    /// Disability grade outside 1–4.
    #[error("disability grade must be 1-4 (残疾等级应为1-4)")]
    DisabilityGrade,
    /// Negative money.
    #[error("{0} must not be negative (金额不能为负)")]
    Negative(&'static str),
    /// A text field holds a control character (NUL, a line break …):
    /// never typed by a person, and stored differently by the backends.
    #[error("{0} contains a control character (含有不可见的控制字符)")]
    ControlCharacter(&'static str),
}

impl Household {
    /// The head (户主), if the record has exactly one.
    pub fn head(&self) -> Option<&Member> {
        self.members.iter().find(|m| m.relation == Relation::Head)
    }

    /// Income per person per year (元), the figure compared with the
    /// monitoring line.
    pub fn income_per_person(&self) -> i64 {
        self.income.total() / (self.members.len().max(1) as i64)
    }

    /// Checks the rules that a single record can check by itself; rules
    /// across records (one person, one household) are the store's.
    pub fn validate(&self) -> Result<(), HouseholdError> {
        if self.members.is_empty() {
            return Err(HouseholdError::NoMembers);
        }
        let heads = self
            .members
            .iter()
            .filter(|m| m.relation == Relation::Head)
            .count();
        if heads != 1 {
            return Err(HouseholdError::Heads(heads));
        }
        if self.village.level() != crate::RegionLevel::Village {
            return Err(HouseholdError::NotVillage(self.village.to_string()));
        }
        let mut seen = std::collections::HashSet::new();
        for m in &self.members {
            if !seen.insert(m.id_number.as_str()) {
                return Err(HouseholdError::DuplicateMember(m.id_number.masked()));
            }
            if m.disability_grade.is_some_and(|g| !(1..=4).contains(&g)) {
                return Err(HouseholdError::DisabilityGrade);
            }
        }
        let mut texts: Vec<(&'static str, &str)> = vec![
            ("the household number", &self.number),
            ("the address", self.address.as_str()),
        ];
        if let Some(g) = &self.village_group {
            texts.push(("the village group", g));
        }
        for m in &self.members {
            texts.push(("a member's name", &m.name));
            if let Some(p) = &m.phone {
                texts.push(("a member's phone", p));
            }
        }
        if let Some((what, _)) = texts.iter().find(|(_, t)| t.chars().any(char::is_control)) {
            return Err(HouseholdError::ControlCharacter(what));
        }
        let money = [
            ("wage income", self.income.wage),
            ("production income", self.income.production),
            ("property income", self.income.property),
            ("transfer income", self.income.transfer),
            ("medical expense", self.medical_expense),
            ("schooling expense", self.schooling_expense),
        ];
        if let Some((what, _)) = money.iter().find(|(_, v)| *v < 0) {
            return Err(HouseholdError::Negative(what));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coded_enums_parse_every_form() {
        assert_eq!(
            LaborCapacity::parse("丧失劳动力"),
            Some(LaborCapacity::Lost)
        );
        assert_eq!(LaborCapacity::parse(" weak "), Some(LaborCapacity::Weak));
        assert_eq!(LaborCapacity::parse("半劳动力"), Some(LaborCapacity::Weak));
        assert_eq!(
            Category::parse("突发严重困难户"),
            Some(Category::SuddenHardship)
        );
        assert_eq!(
            Category::parse("marginal_at_risk"),
            Some(Category::MarginalAtRisk)
        );
        assert_eq!(HousingGrade::parse("c"), Some(HousingGrade::C));
        assert_eq!(Relation::parse("牛"), None);
        for c in Category::ALL {
            assert_eq!(Category::parse(c.code()), Some(*c));
            assert_eq!(Category::parse(c.label_zh()), Some(*c));
        }
    }
}

coded_enum! {
    /// 三色码: a household's status at a glance, as local platforms show
    /// it — 红 an open warning or a case in identification, 黄 monitored,
    /// 绿 no risk or its risk eliminated.
    StatusColour {
        /// 红
        Red => ("red", "红", "Red"),
        /// 黄
        Yellow => ("yellow", "黄", "Yellow"),
        /// 绿
        Green => ("green", "绿", "Green"),
    }
}

impl StatusColour {
    /// The colour of a household with an open warning (or not), the stage
    /// of its case that is not rejected (if any) and a category (monitored
    /// unless the case is at `eliminated`).
    pub fn of(
        open_warning: bool,
        case_stage: Option<crate::case::CaseStage>,
        has_category: bool,
    ) -> StatusColour {
        use crate::case::CaseStage;
        if open_warning || case_stage.is_some_and(|s| s.is_identification()) {
            StatusColour::Red
        } else if has_category && case_stage != Some(CaseStage::Eliminated) {
            StatusColour::Yellow
        } else {
            StatusColour::Green
        }
    }
}

#[cfg(test)]
mod colour_tests {
    use super::StatusColour;
    use crate::case::CaseStage;

    #[test]
    fn the_three_colours() {
        assert_eq!(StatusColour::of(true, None, false), StatusColour::Red);
        assert_eq!(
            StatusColour::of(false, Some(CaseStage::HomeCheck), true),
            StatusColour::Red
        );
        assert_eq!(
            StatusColour::of(false, Some(CaseStage::Monitored), true),
            StatusColour::Yellow
        );
        assert_eq!(
            StatusColour::of(false, Some(CaseStage::EliminationNotice), true),
            StatusColour::Yellow,
            "monitored while its elimination runs"
        );
        assert_eq!(
            StatusColour::of(false, Some(CaseStage::Eliminated), true),
            StatusColour::Green
        );
        assert_eq!(StatusColour::of(false, None, false), StatusColour::Green);
        assert_eq!(
            StatusColour::of(true, Some(CaseStage::Eliminated), true),
            StatusColour::Red
        );
    }
}
