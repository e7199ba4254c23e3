//! Validators for the registry's own cells: household numbers, village
//! codes, names, coded attributes, grades, phones, money in whole 元.

use crate::cell::parse_money_fen;
use dixian_domain::{
    Category, DisabilityKind, DrinkingWater, EmploymentStatus, HousingGrade, Illness,
    InsuranceStatus, LaborCapacity, RegionCode, RegionLevel, Relation, StudentStage, StudentStatus,
};

const NOT_VILLAGE: &str = "must be a 12-digit village code (应为12位村级代码)";
const BAD_NUMBER: &str = "household number must be 1-36 letters, digits or '-' (户编号格式错误)";
const BAD_NAME: &str = "a name has no digits and at most 64 characters (姓名格式错误)";
const TOO_LONG: &str = "text is longer than 200 characters (内容过长)";
const BAD_GRADE: &str = "disability grade must be 1-4 (残疾等级应为1-4)";
const BAD_PHONE: &str = "phone must be an 11-digit mobile number (联系电话应为11位手机号)";
/// Longest free text (address, village group) accepted.
const MAX_TEXT_CHARS: usize = 200;
/// Longest name accepted.
const MAX_NAME_CHARS: usize = 64;

/// A coded attribute of the domain, parsed from its code or either label.
pub(super) trait Coded: Copy + 'static {
    fn from_text(s: &str) -> Option<Self>;
    fn all() -> &'static [Self];
    fn zh(self) -> &'static str;
}

macro_rules! impl_coded {
    ($($t:ty),+) => {$(
        impl Coded for $t {
            fn from_text(s: &str) -> Option<Self> { <$t>::parse(s) }
            fn all() -> &'static [Self] { <$t>::ALL }
            fn zh(self) -> &'static str { self.label_zh() }
        }
    )+};
}

impl_coded!(
    Category,
    HousingGrade,
    DrinkingWater,
    Relation,
    LaborCapacity,
    DisabilityKind,
    Illness,
    StudentStage,
    StudentStatus,
    InsuranceStatus,
    EmploymentStatus
);

/// A coded value; the reason lists the accepted Chinese labels.
pub(super) fn coded<T: Coded>(s: &str) -> Result<T, String> {
    T::from_text(s).ok_or_else(|| {
        let accepted: Vec<&str> = T::all().iter().map(|v| v.zh()).collect();
        format!(
            "unknown value (无法识别); accepted (可填): {}",
            accepted.join(" / ")
        )
    })
}

pub(super) fn household_number(s: &str) -> Result<String, String> {
    let ok = s.len() <= 36 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(s.to_string())
    } else {
        Err(BAD_NUMBER.to_string())
    }
}

pub(super) fn village_code(s: &str) -> Result<RegionCode, String> {
    let code = RegionCode::parse(s).map_err(|e| e.to_string())?;
    if code.level() == RegionLevel::Village {
        Ok(code)
    } else {
        Err(NOT_VILLAGE.to_string())
    }
}

pub(super) fn free_text(s: &str) -> Result<String, String> {
    if s.chars().count() <= MAX_TEXT_CHARS {
        Ok(s.to_string())
    } else {
        Err(TOO_LONG.to_string())
    }
}

pub(super) fn person_name(s: &str) -> Result<String, String> {
    let ok = s.chars().count() <= MAX_NAME_CHARS
        && !s.chars().any(|c| c.is_ascii_digit() || c.is_control());
    if ok {
        Ok(s.to_string())
    } else {
        Err(BAD_NAME.to_string())
    }
}

/// Money in 元, rounded half up to whole 元.
pub(super) fn money_yuan(s: &str) -> Result<i64, String> {
    parse_money_fen(s).map(|fen| (fen + 50) / 100)
}

/// `1`-`4`, also written `3级` or `三级`.
pub(super) fn disability_grade(s: &str) -> Result<u8, String> {
    match s.strip_suffix('级').unwrap_or(s).trim() {
        "1" | "一" => Ok(1),
        "2" | "二" => Ok(2),
        "3" | "三" => Ok(3),
        "4" | "四" => Ok(4),
        _ => Err(BAD_GRADE.to_string()),
    }
}

/// An 11-digit mobile number; spaces and dashes are dropped.
pub(super) fn mobile_phone(s: &str) -> Result<String, String> {
    let digits: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let ok =
        digits.len() == 11 && digits.starts_with('1') && digits.bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(digits)
    } else {
        Err(BAD_PHONE.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grade_and_phone_forms() {
        assert_eq!(disability_grade("三级"), Ok(3));
        assert_eq!(disability_grade("4"), Ok(4));
        assert!(disability_grade("5").is_err());
        assert_eq!(mobile_phone("138-0013 8000"), Ok("13800138000".to_string()));
        assert!(mobile_phone("0851-1234567").is_err());
        assert_eq!(money_yuan("12.50"), Ok(13));
        assert_eq!(money_yuan("12.49"), Ok(12));
    }

    #[test]
    fn coded_values_list_what_is_accepted() {
        assert_eq!(coded::<Relation>("户主"), Ok(Relation::Head));
        let e = coded::<HousingGrade>("E").expect_err("no grade E");
        assert!(e.contains("A级 / B级 / C级 / D级"), "{e}");
        assert!(village_code("520526000000").is_err());
        assert!(household_number("52-05x").is_ok());
        assert!(household_number("户1").is_err());
        assert!(person_name("张3").is_err());
    }
}
