//! The common short forms of the feeds' coded values, one table per field,
//! all here: what departments' exports write besides the code, the Chinese
//! label and the English label each coded value already accepts (残联
//! writes `肢体` for `肢体残疾`, or the category digit `4`; 民政 writes
//! `五保` for 特困; …). `docs/feed-values.md` lists every form; a test
//! keeps the two in step.
//!
//! A form is matched after [`normalize`]: surrounding and inner spaces
//! (also the full-width space) dropped, full-width letters and digits
//! read as ASCII, ASCII case ignored. A value no table and no label names
//! stays a row error naming the line, the column and the accepted values,
//! never the cell.

use super::values::{
    AssistanceKind, AssistanceStatus, HouseDamage, JobStatus, PersonalAssetKind, VisitType,
    VitalEvent, WaterEvent,
};
use dixian_domain::{DisabilityKind, HousingGrade, StudentStage, StudentStatus};

/// A coded type with a table of short forms.
pub trait ShortForms: Copy + 'static {
    /// `(form, value)`, forms written as departments write them.
    const FORMS: &'static [(&'static str, Self)];
}

/// The value `s` names by a short form of `T`, if any.
pub fn lookup<T: ShortForms>(s: &str) -> Option<T> {
    let n = normalize(s);
    T::FORMS
        .iter()
        .find(|(form, _)| normalize(form) == n)
        .map(|&(_, v)| v)
}

/// A cell as the tables compare it: spaces (ASCII, full-width, any
/// Unicode white space) dropped, full-width ASCII (`Ａ`, `１`) read as
/// ASCII, ASCII letters in lower case.
pub fn normalize(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Full-width digits and separators (`２０２４／３／５`, `１，２００`) read as
/// ASCII, surrounding spaces dropped: dates and money before
/// `dixian_tabular` parses them.
pub fn half_width(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .collect()
}

impl ShortForms for DisabilityKind {
    /// 残联: the category without 残疾, the digit of GB/T 26341 (the
    /// certificate number's category digit: 1 视力 … 7 多重), and 语言
    /// for 言语 as older exports write it.
    const FORMS: &'static [(&'static str, Self)] = &[
        ("视力", DisabilityKind::Visual),
        ("1", DisabilityKind::Visual),
        ("听力", DisabilityKind::Hearing),
        ("2", DisabilityKind::Hearing),
        ("言语", DisabilityKind::Speech),
        ("语言", DisabilityKind::Speech),
        ("语言残疾", DisabilityKind::Speech),
        ("3", DisabilityKind::Speech),
        ("肢体", DisabilityKind::Physical),
        ("4", DisabilityKind::Physical),
        ("智力", DisabilityKind::Intellectual),
        ("5", DisabilityKind::Intellectual),
        ("精神", DisabilityKind::Mental),
        ("6", DisabilityKind::Mental),
        ("多重", DisabilityKind::Multiple),
        ("7", DisabilityKind::Multiple),
    ];
}

/// 残疾等级: forms beyond `1`–`4`, `一`–`四` (each also with 级): the
/// financial numerals and Roman numerals.
pub const DISABILITY_GRADE_FORMS: &[(&str, u8)] = &[
    ("1", 1),
    ("一", 1),
    ("壹", 1),
    ("Ⅰ", 1),
    ("I", 1),
    ("2", 2),
    ("二", 2),
    ("贰", 2),
    ("Ⅱ", 2),
    ("II", 2),
    ("3", 3),
    ("三", 3),
    ("叁", 3),
    ("Ⅲ", 3),
    ("III", 3),
    ("4", 4),
    ("四", 4),
    ("肆", 4),
    ("Ⅳ", 4),
    ("IV", 4),
];

/// The grade `s` names: a form of [`DISABILITY_GRADE_FORMS`], with or
/// without 级 after it (`三级`, `3级`, `Ⅲ级`).
pub fn disability_grade(s: &str) -> Option<u8> {
    let n = normalize(s);
    let n = n.strip_suffix('级').unwrap_or(&n);
    DISABILITY_GRADE_FORMS
        .iter()
        .find(|(form, _)| normalize(form) == n)
        .map(|&(_, g)| g)
}

impl ShortForms for HousingGrade {
    /// 住建: the grade with 类 or with the word for it (C级危房 = 局部危房,
    /// D级危房 = 整栋危房).
    const FORMS: &'static [(&'static str, Self)] = &[
        ("A类", HousingGrade::A),
        ("B类", HousingGrade::B),
        ("C类", HousingGrade::C),
        ("C级危房", HousingGrade::C),
        ("局部危房", HousingGrade::C),
        ("D类", HousingGrade::D),
        ("D级危房", HousingGrade::D),
        ("整栋危房", HousingGrade::D),
    ];
}

impl ShortForms for StudentStage {
    /// 教育: the stage as school rolls write it.
    const FORMS: &'static [(&'static str, Self)] = &[
        ("学前", StudentStage::Preschool),
        ("幼儿园", StudentStage::Preschool),
        ("学前班", StudentStage::Preschool),
        ("小学阶段", StudentStage::Primary),
        ("初级中学", StudentStage::JuniorSecondary),
        ("初中阶段", StudentStage::JuniorSecondary),
        ("普高", StudentStage::SeniorSecondary),
        ("高级中学", StudentStage::SeniorSecondary),
        ("中专", StudentStage::Vocational),
        ("职高", StudentStage::Vocational),
        ("技校", StudentStage::Vocational),
        ("中等职业学校", StudentStage::Vocational),
        ("专科", StudentStage::Tertiary),
        ("大学", StudentStage::Tertiary),
        ("研究生", StudentStage::Tertiary),
    ];
}

impl ShortForms for StudentStatus {
    /// 教育: 在籍 for enrolled, 失学 and 流失 for dropped out.
    const FORMS: &'static [(&'static str, Self)] = &[
        ("在籍", StudentStatus::Enrolled),
        ("在读学生", StudentStatus::Enrolled),
        ("失学", StudentStatus::DroppedOut),
        ("流失", StudentStatus::DroppedOut),
        ("辍学学生", StudentStatus::DroppedOut),
        ("休学中", StudentStatus::Suspended),
    ];
}

impl ShortForms for VisitType {
    /// 医保: the settlement's visit type.
    const FORMS: &'static [(&'static str, Self)] = &[
        ("住院治疗", VisitType::Inpatient),
        ("入院", VisitType::Inpatient),
        ("普通门诊", VisitType::Outpatient),
        ("门急诊", VisitType::Outpatient),
        ("普通门急诊", VisitType::Outpatient),
        ("慢特病", VisitType::Chronic),
        ("门诊慢性病", VisitType::Chronic),
        ("门诊特殊病", VisitType::Chronic),
        ("门诊特殊慢性病", VisitType::Chronic),
        ("门特", VisitType::Chronic),
        ("门慢", VisitType::Chronic),
        ("特殊门诊", VisitType::Chronic),
    ];
}

impl ShortForms for AssistanceKind {
    /// 民政: 五保 is the old name of 特困供养.
    const FORMS: &'static [(&'static str, Self)] = &[
        ("最低生活保障", AssistanceKind::Dibao),
        ("农村低保", AssistanceKind::Dibao),
        ("城乡低保", AssistanceKind::Dibao),
        ("城市低保", AssistanceKind::Dibao),
        ("特困供养", AssistanceKind::Tekun),
        ("特困人员", AssistanceKind::Tekun),
        ("农村特困", AssistanceKind::Tekun),
        ("五保", AssistanceKind::Tekun),
        ("五保户", AssistanceKind::Tekun),
        ("临救", AssistanceKind::Temporary),
        ("低保边缘家庭", AssistanceKind::DibaoMarginal),
        ("低边", AssistanceKind::DibaoMarginal),
    ];
}

impl ShortForms for AssistanceStatus {
    /// 民政: granted or stopped in the words of the rolls.
    const FORMS: &'static [(&'static str, Self)] = &[
        ("新纳入", AssistanceStatus::Granted),
        ("纳入", AssistanceStatus::Granted),
        ("新办", AssistanceStatus::Granted),
        ("批准", AssistanceStatus::Granted),
        ("停保", AssistanceStatus::Stopped),
        ("退出", AssistanceStatus::Stopped),
        ("取消", AssistanceStatus::Stopped),
        ("终止", AssistanceStatus::Stopped),
    ];
}

impl ShortForms for JobStatus {
    /// 人社: the worker's status.
    const FORMS: &'static [(&'static str, Self)] = &[
        ("在岗", JobStatus::Employed),
        ("已就业", JobStatus::Employed),
        ("务工", JobStatus::Employed),
        ("外出务工", JobStatus::Employed),
        ("待业", JobStatus::Unemployed),
        ("登记失业", JobStatus::Unemployed),
        ("返乡回流", JobStatus::Returned),
        ("回流", JobStatus::Returned),
        ("返乡人员", JobStatus::Returned),
    ];
}

impl ShortForms for HouseDamage {
    /// 应急管理: the damage level.
    const FORMS: &'static [(&'static str, Self)] = &[
        ("未损毁", HouseDamage::Intact),
        ("无损坏", HouseDamage::Intact),
        ("完好", HouseDamage::Intact),
        ("一般损坏", HouseDamage::Minor),
        ("轻微", HouseDamage::Minor),
        ("轻微损坏", HouseDamage::Minor),
        ("轻度", HouseDamage::Minor),
        ("严重损坏", HouseDamage::Severe),
        ("重度", HouseDamage::Severe),
        ("倒房", HouseDamage::Collapsed),
        ("全部倒塌", HouseDamage::Collapsed),
        ("倒损", HouseDamage::Collapsed),
        ("collapse", HouseDamage::Collapsed),
    ];
}

impl ShortForms for VitalEvent {
    /// 公安/卫健: the event.
    const FORMS: &'static [(&'static str, Self)] = &[
        ("身故", VitalEvent::Death),
        ("死亡注销", VitalEvent::Death),
        ("户口迁出", VitalEvent::MovedOut),
        ("迁移出", VitalEvent::MovedOut),
        ("户口迁入", VitalEvent::MovedIn),
        ("迁移入", VitalEvent::MovedIn),
    ];
}

impl ShortForms for PersonalAssetKind {
    /// 市场监管/车管/不动产: what was found.
    const FORMS: &'static [(&'static str, Self)] = &[
        ("机动车", PersonalAssetKind::Vehicle),
        ("汽车", PersonalAssetKind::Vehicle),
        ("小汽车", PersonalAssetKind::Vehicle),
        ("工商注册", PersonalAssetKind::Company),
        ("公司", PersonalAssetKind::Company),
        ("企业法人", PersonalAssetKind::Company),
        ("房产", PersonalAssetKind::Property),
        ("城镇商品房", PersonalAssetKind::Property),
        ("财政供养人员", PersonalAssetKind::PublicPayroll),
        ("公职人员", PersonalAssetKind::PublicPayroll),
    ];
}

impl ShortForms for WaterEvent {
    /// 水利: outage or water quality.
    const FORMS: &'static [(&'static str, Self)] = &[
        ("断水", WaterEvent::Outage),
        ("供水中断", WaterEvent::Outage),
        ("停供", WaterEvent::Outage),
        ("水质不达标", WaterEvent::Quality),
        ("水质超标", WaterEvent::Quality),
        ("水质异常", WaterEvent::Quality),
    ];
}
