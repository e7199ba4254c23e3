//! Enumerated cell values of the feeds (住院/inpatient, 新增/granted, …),
//! accepted in Chinese or English, and the small cell checks the feeds
//! need beyond `dixian_tabular`'s dates and money.

use super::forms;
use chrono::NaiveDate;
use dixian_domain::{
    DisabilityKind, HousingGrade, RegionCode, RegionLevel, StudentStage, StudentStatus,
};
use dixian_tabular::{parse_date, parse_money_fen};
use serde::{Deserialize, Serialize};

/// Longest free text (school, diagnosis, hazard) accepted.
const MAX_TEXT_CHARS: usize = 200;
/// Longest name accepted.
const MAX_NAME_CHARS: usize = 64;

const BAD_GRADE: &str = "disability grade must be 1-4 (残疾等级应为1-4)";
const BAD_NAME: &str = "a name has no digits and at most 64 characters (姓名格式错误)";
const TOO_LONG: &str = "text is longer than 200 characters (内容过长)";
const NOT_VILLAGE: &str = "must be a 12-digit village code (应为12位村级代码)";

/// A value chosen from a closed list, parsed from its code or a label.
pub trait Choice: Copy + 'static {
    /// The value named by `s`, if any (case and spaces ignored in English).
    fn parse_choice(s: &str) -> Option<Self>;
    /// The accepted spellings, for a message: `住院/inpatient, …`.
    fn accepted() -> String;
}

/// Declares a feed enum: stable code, Chinese label, English label; the
/// further spellings departments write are the enum's table in `forms.rs`.
macro_rules! choice_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident => ($code:literal, $zh:literal, $en:literal)),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $code)] $v),+ }

        impl $name {
            /// Every variant, in display order.
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            /// Stable code used in storage and rule files.
            pub fn code(self) -> &'static str { match self { $($name::$v => $code),+ } }
            /// Chinese label.
            pub fn label_zh(self) -> &'static str { match self { $($name::$v => $zh),+ } }
            /// English label.
            pub fn label_en(self) -> &'static str { match self { $($name::$v => $en),+ } }
            /// Parses a code, a label (English case, spaces and dashes
            /// ignored) or a short form of `forms.rs`.
            pub fn parse(s: &str) -> Option<Self> {
                let t = s.trim();
                $(
                    if t == $zh || english_eq(t, $code) || english_eq(t, $en) {
                        return Some($name::$v);
                    }
                )+
                forms::lookup(t)
            }
        }

        impl Choice for $name {
            fn parse_choice(s: &str) -> Option<Self> {
                $name::parse(s).or_else(|| $name::parse(&forms::half_width(s)))
            }
            fn accepted() -> String {
                let v: Vec<String> = $name::ALL.iter().map(|x| format!("{}/{}", x.label_zh(), x.code())).collect();
                v.join(", ")
            }
        }
    };
}

/// ASCII case-insensitive equality where space and `-` stand for `_`.
fn english_eq(a: &str, b: &str) -> bool {
    let norm = |c: u8| match c {
        b' ' | b'-' => b'_',
        c => c.to_ascii_lowercase(),
    };
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| norm(x) == norm(y))
}

choice_enum! {
    /// 就诊类型.
    VisitType {
        /// 住院
        Inpatient => ("inpatient", "住院", "Inpatient"),
        /// 门诊
        Outpatient => ("outpatient", "门诊", "Outpatient"),
        /// 门诊慢特病
        Chronic => ("chronic", "门诊慢特病", "Chronic"),
    }
}

choice_enum! {
    /// 救助类型 (民政).
    AssistanceKind {
        /// 低保
        Dibao => ("dibao", "低保", "Minimum living allowance"),
        /// 特困
        Tekun => ("tekun", "特困", "Extreme poverty support"),
        /// 临时救助
        Temporary => ("temporary", "临时救助", "Temporary assistance"),
        /// 低保边缘
        DibaoMarginal => ("dibao_marginal", "低保边缘", "Near dibao"),
    }
}

choice_enum! {
    /// 救助状态.
    AssistanceStatus {
        /// 新增
        Granted => ("granted", "新增", "Granted"),
        /// 停发
        Stopped => ("stopped", "停发", "Stopped"),
    }
}

choice_enum! {
    /// 就业状态 as 人社 reports it.
    JobStatus {
        /// 就业
        Employed => ("employed", "就业", "Employed"),
        /// 失业
        Unemployed => ("unemployed", "失业", "Unemployed"),
        /// 返乡
        Returned => ("returned", "返乡", "Returned"),
    }
}

choice_enum! {
    /// 房屋损毁程度 (应急管理).
    HouseDamage {
        /// 无
        Intact => ("none", "无", "None"),
        /// 一般损坏
        Minor => ("minor", "一般", "Minor"),
        /// 严重损坏
        Severe => ("severe", "严重", "Severe"),
        /// 倒塌
        Collapsed => ("collapsed", "倒塌", "Collapsed"),
    }
}

choice_enum! {
    /// 户籍事件 (公安/卫健).
    VitalEvent {
        /// 死亡
        Death => ("death", "死亡", "Death"),
        /// 迁出
        MovedOut => ("moved_out", "迁出", "Moved out"),
        /// 迁入
        MovedIn => ("moved_in", "迁入", "Moved in"),
    }
}

choice_enum! {
    /// 资产类型 found by 市场监管/车管/不动产 (not the project assets of
    /// the glossary's `AssetKind`).
    PersonalAssetKind {
        /// 车辆
        Vehicle => ("vehicle", "车辆", "Vehicle"),
        /// 企业
        Company => ("company", "企业", "Company"),
        /// 商品房
        Property => ("property", "商品房", "Property"),
        /// 财政供养
        PublicPayroll => ("public_payroll", "财政供养", "Public payroll"),
    }
}

choice_enum! {
    /// 供水事件 (水利).
    WaterEvent {
        /// 停水
        Outage => ("outage", "停水", "Outage"),
        /// 水质不达标
        Quality => ("quality", "水质", "Quality"),
    }
}

/// Implements [`Choice`] for the domain's coded enums.
macro_rules! domain_choice {
    ($($t:ty),+) => {$(
        impl Choice for $t {
            fn parse_choice(s: &str) -> Option<Self> {
                <$t>::parse(s)
                    .or_else(|| <$t>::parse(&s.trim().replace([' ', '-'], "_")))
                    .or_else(|| <$t>::parse(&forms::half_width(s)))
                    .or_else(|| forms::lookup(s))
            }
            fn accepted() -> String {
                let v: Vec<String> = <$t>::ALL.iter().map(|x| format!("{}/{}", x.label_zh(), x.code())).collect();
                v.join(", ")
            }
        }
    )+};
}

domain_choice!(DisabilityKind, HousingGrade, StudentStage, StudentStatus);

/// A choice; the reason lists what is accepted, never the cell.
pub(crate) fn choice<T: Choice>(s: &str) -> Result<T, String> {
    T::parse_choice(s).ok_or_else(|| {
        format!(
            "unknown value (无法识别); accepted (可填): {}",
            T::accepted()
        )
    })
}

/// `1`-`4`, also written `3级`, `三级`, `叁级`, `Ⅲ级` (`forms.rs`).
pub(crate) fn disability_grade(s: &str) -> Result<u8, String> {
    forms::disability_grade(s).ok_or_else(|| BAD_GRADE.to_string())
}

/// A date as `dixian_tabular` reads it (`2024-03-05`, `2024/3/5`,
/// `2024.03.05`, `20240305`, `2024年3月5日`, an Excel serial), also with
/// full-width digits.
pub(crate) fn feed_date(s: &str) -> Result<NaiveDate, String> {
    parse_date(&forms::half_width(s))
}

/// 分 in 元 per 万元: 1 万元 is 1,000,000 分.
const FEN_PER_WAN: i64 = 1_000_000;

/// Money in 元 as `dixian_tabular` reads it (`1,234.50`, `¥1234.5`,
/// `1234.50元`), also with full-width digits, or in 万元 (`1.5万元`,
/// `1.5万`, up to six decimals: to the 分).
pub(crate) fn feed_money_fen(s: &str) -> Result<i64, String> {
    let t = forms::half_width(s);
    let Some(wan) = t.strip_suffix("万元").or_else(|| t.strip_suffix('万')) else {
        return parse_money_fen(&t);
    };
    let wan = wan.trim();
    let (int, frac) = wan.split_once('.').unwrap_or((wan, ""));
    if frac.len() > 6
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (wan.contains('.') && frac.is_empty())
    {
        return Err(BAD_WAN.to_string());
    }
    // The whole 万 as money (checks sign, digits and grouping), then 万.
    let whole = parse_money_fen(int)? / 100;
    let part: i64 = format!("{frac:0<6}")
        .parse()
        .map_err(|_| BAD_WAN.to_string())?;
    whole
        .checked_mul(FEN_PER_WAN)
        .and_then(|f| f.checked_add(part))
        .ok_or_else(|| BAD_WAN.to_string())
}

const BAD_WAN: &str =
    "an amount in 万元 has at most six decimals, e.g. 1.5万元 (万元金额最多六位小数)";

/// A person's name: no digits or control characters, at most 64 characters.
pub(crate) fn person_name(s: &str) -> Result<String, String> {
    let ok = s.chars().count() <= MAX_NAME_CHARS
        && !s.chars().any(|c| c.is_ascii_digit() || c.is_control());
    ok.then(|| s.to_string())
        .ok_or_else(|| BAD_NAME.to_string())
}

/// Free text of at most 200 characters.
pub(crate) fn free_text(s: &str) -> Result<String, String> {
    (s.chars().count() <= MAX_TEXT_CHARS)
        .then(|| s.to_string())
        .ok_or_else(|| TOO_LONG.to_string())
}

/// A 12-digit village code.
pub(crate) fn village_code(s: &str) -> Result<RegionCode, String> {
    let code = RegionCode::parse(s).map_err(|e| e.to_string())?;
    (code.level() == RegionLevel::Village)
        .then_some(code)
        .ok_or_else(|| NOT_VILLAGE.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_in_either_language() {
        assert_eq!(choice::<VisitType>("住院"), Ok(VisitType::Inpatient));
        assert_eq!(choice::<VisitType>(" INPATIENT "), Ok(VisitType::Inpatient));
        assert_eq!(
            choice::<AssistanceStatus>("新增"),
            Ok(AssistanceStatus::Granted)
        );
        assert_eq!(choice::<VitalEvent>("moved out"), Ok(VitalEvent::MovedOut));
        assert_eq!(
            choice::<StudentStatus>("dropped out"),
            Ok(StudentStatus::DroppedOut)
        );
        assert_eq!(choice::<HousingGrade>("D"), Ok(HousingGrade::D));
        assert_eq!(choice::<HouseDamage>("无"), Ok(HouseDamage::Intact));
        let e = choice::<VisitType>("急诊").expect_err("not a visit type");
        assert!(e.contains("住院/inpatient") && !e.contains("急诊"), "{e}");
    }

    #[test]
    fn grades_names_villages() {
        assert_eq!(disability_grade("三级"), Ok(3));
        assert_eq!(disability_grade("4"), Ok(4));
        assert!(disability_grade("0").is_err());
        assert!(disability_grade("5").is_err());
        assert!(person_name("张3").is_err());
        assert!(village_code("520526000000").is_err());
        assert!(village_code("520526101201").is_ok());
    }
}
