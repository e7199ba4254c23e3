//! 身份证号: the 18-digit resident identity number of GB 11643-1999.
//!
//! Layout: 6-digit region of first registration, 8-digit birth date
//! (YYYYMMDD), 3-digit sequence (odd = male, even = female) and an
//! ISO 7064 MOD 11-2 check character (`X` stands for 10).
//! Birth date and sex are derived from the number, never stored beside it.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Weights of ISO 7064 MOD 11-2 for the first 17 digits.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each value of the weighted sum modulo 11.
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

/// A validated 18-digit resident ID number (身份证号).
///
/// `Debug` is masked on purpose so that an ID never lands in a log by
/// accident; use [`IdNumber::as_str`] where the full number is needed.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdNumber([u8; 18]);

/// Why a string is not a valid ID number. Positions are 1-based character
/// positions within the number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    /// Wrong number of characters.
    #[error("ID number must have 18 characters, found {found} (身份证号应为18位)")]
    Length { found: usize },
    /// A character that is not a digit (or `X` in the last place).
    #[error("ID number has a non-digit at position {position} (第{position}位不是数字)")]
    NotDigit { position: usize },
    /// The region part is all zeros or starts with an unknown province digit.
    #[error("ID number region (positions 1-6) is not a valid region code (地址码无效)")]
    Region,
    /// Birth date part (positions 7-14) is not a real calendar date.
    #[error("ID number birth date (positions 7-14) is not a real date (出生日期无效)")]
    BirthDate,
    /// Birth date lies in the future or before 1900.
    #[error("ID number birth date (positions 7-14) is out of range (出生日期超出范围)")]
    BirthDateRange,
    /// Sequence 000 is never issued.
    #[error("ID number sequence (positions 15-17) must not be 000 (顺序码无效)")]
    Sequence,
    /// The check character does not match.
    #[error("ID number check digit (position 18) is wrong (校验码错误)")]
    CheckDigit,
}

/// Sex as encoded by the sequence number's parity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// 男
    Male,
    /// 女
    Female,
}

impl Sex {
    /// Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
}

/// The check character for the first 17 digits (ASCII).
pub fn check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

impl IdNumber {
    /// Parses and validates against all rules of GB 11643, with `today` as
    /// the upper bound for the birth date.
    pub fn parse_at(s: &str, today: NaiveDate) -> Result<Self, IdNumberError> {
        let s = s.trim();
        let count = s.chars().count();
        if count != 18 {
            return Err(IdNumberError::Length { found: count });
        }
        let b = s.as_bytes();
        // 18 chars; if any is multi-byte the byte length differs, find it.
        if b.len() != 18 {
            let pos = s.chars().position(|c| !c.is_ascii()).unwrap_or(0) + 1;
            return Err(IdNumberError::NotDigit { position: pos });
        }
        let mut out = [0u8; 18];
        for (i, &c) in b.iter().enumerate() {
            let ok = c.is_ascii_digit() || (i == 17 && (c == b'X' || c == b'x'));
            if !ok {
                return Err(IdNumberError::NotDigit { position: i + 1 });
            }
            out[i] = c.to_ascii_uppercase();
        }
        if out[0] == b'0' || out[0] == b'9' || &out[0..6] == b"000000" {
            return Err(IdNumberError::Region);
        }
        let birth = parse_birth(&out).ok_or(IdNumberError::BirthDate)?;
        if birth > today || birth.year() < 1900 {
            return Err(IdNumberError::BirthDateRange);
        }
        if &out[14..17] == b"000" {
            return Err(IdNumberError::Sequence);
        }
        if check_char(&out[..17]) != out[17] {
            return Err(IdNumberError::CheckDigit);
        }
        Ok(IdNumber(out))
    }

    /// Builds a number from its parts, computing the check character.
    /// Returns `None` when the parts are not valid.
    pub fn from_parts(region6: &str, birth: NaiveDate, sequence: u16) -> Option<Self> {
        if region6.len() != 6 || sequence == 0 || sequence > 999 {
            return None;
        }
        let mut s = format!("{region6}{}{sequence:03}", birth.format("%Y%m%d"));
        s.push(check_char(s.as_bytes()) as char);
        IdNumber::parse_at(&s, birth).ok()
    }

    /// The full 18 characters. Handle with care: personal data.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("only ASCII is ever stored")
    }

    /// First 6 + last 4, the rest as `*` (default display on screen).
    pub fn masked(&self) -> String {
        crate::mask::mask_id(self.as_str())
    }

    /// The 6-digit region of first registration.
    pub fn region6(&self) -> &str {
        &self.as_str()[..6]
    }

    /// Birth date, from positions 7-14.
    pub fn birth_date(&self) -> NaiveDate {
        parse_birth(&self.0).expect("validated at construction")
    }

    /// Sex, from the parity of the sequence number.
    pub fn sex(&self) -> Sex {
        if (self.0[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// Age in whole years on `on`.
    pub fn age_on(&self, on: NaiveDate) -> u32 {
        on.years_since(self.birth_date()).unwrap_or(0)
    }
}

fn parse_birth(b: &[u8; 18]) -> Option<NaiveDate> {
    let s = std::str::from_utf8(&b[6..14]).ok()?;
    let y: i32 = s[..4].parse().ok()?;
    let m: u32 = s[4..6].parse().ok()?;
    let d: u32 = s[6..8].parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

impl FromStr for IdNumber {
    type Err = IdNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IdNumber::parse_at(s, chrono::Local::now().date_naive())
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

impl Serialize for IdNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for IdNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    #[test]
    fn known_good_vector() {
        let id = IdNumber::parse_at("11010519491231002X", today()).unwrap();
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.region6(), "110105");
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(id.age_on(today()), 76);
        // lower-case x is accepted and normalised
        let lower = IdNumber::parse_at("11010519491231002x", today()).unwrap();
        assert_eq!(lower.as_str(), "11010519491231002X");
    }

    #[test]
    fn each_rule_is_named() {
        let t = today();
        assert_eq!(
            IdNumber::parse_at("1101051949123100", t),
            Err(IdNumberError::Length { found: 16 })
        );
        assert_eq!(
            IdNumber::parse_at("1101051949123100AX", t),
            Err(IdNumberError::NotDigit { position: 17 })
        );
        assert_eq!(
            IdNumber::parse_at("110105194913310021", t),
            Err(IdNumberError::BirthDate)
        );
        assert_eq!(
            IdNumber::parse_at("110105194902300021", t),
            Err(IdNumberError::BirthDate)
        );
        assert_eq!(
            IdNumber::parse_at("110105203001010021", t),
            Err(IdNumberError::BirthDateRange)
        );
        assert_eq!(
            IdNumber::parse_at("110105194912310021", t),
            Err(IdNumberError::CheckDigit)
        );
        assert_eq!(
            IdNumber::parse_at("000000194912310021", t),
            Err(IdNumberError::Region)
        );
        assert_eq!(
            IdNumber::parse_at("110105194912310001", t),
            Err(IdNumberError::Sequence)
        );
        assert!(matches!(
            IdNumber::parse_at("１１0105194912310021", t),
            Err(IdNumberError::NotDigit { position: 1 })
        ));
    }

    #[test]
    fn debug_is_masked() {
        let id = IdNumber::parse_at("11010519491231002X", today()).unwrap();
        assert_eq!(format!("{id:?}"), "IdNumber(110105********002X)");
    }

    proptest! {
        #[test]
        fn from_parts_round_trips(days in 0i64..40_000, seq in 1u16..=999, region in 110000u32..660000) {
            let birth = NaiveDate::from_ymd_opt(1910, 1, 1).unwrap() + chrono::Duration::days(days);
            prop_assume!(birth <= today());
            let id = IdNumber::from_parts(&region.to_string(), birth, seq).unwrap();
            prop_assert_eq!(id.birth_date(), birth);
            prop_assert_eq!(id.sex() == Sex::Male, seq % 2 == 1);
            prop_assert_eq!(IdNumber::parse_at(id.as_str(), today()).unwrap(), id);
        }

        #[test]
        fn any_single_digit_change_breaks_the_check(days in 0i64..30_000, seq in 1u16..=999, pos in 0usize..17, delta in 1u8..10) {
            let birth = NaiveDate::from_ymd_opt(1930, 1, 1).unwrap() + chrono::Duration::days(days);
            let id = IdNumber::from_parts("520526", birth, seq).unwrap();
            let mut b = id.as_str().as_bytes().to_vec();
            b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            let s = String::from_utf8(b).unwrap();
            // MOD 11-2 detects every single-digit substitution; other rules may fire first.
            prop_assert!(IdNumber::parse_at(&s, today()).is_err());
        }

        /// Whatever parses is 18 characters that rebuild from their own
        /// parts (region, birth date, sequence) to the same number, and
        /// parse again to it.
        #[test]
        fn accepted_numbers_rebuild_from_their_parts(s in "\\PC{0,24}|[1-6][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9])[0-9]{3}[0-9Xx]") {
            if let Ok(id) = IdNumber::parse_at(&s, today()) {
                prop_assert_eq!(id.as_str(), s.trim().to_ascii_uppercase());
                let seq: u16 = id.as_str()[14..17].parse().unwrap();
                let again = IdNumber::from_parts(id.region6(), id.birth_date(), seq);
                prop_assert_eq!(again.as_ref(), Some(&id));
                prop_assert_eq!(IdNumber::parse_at(id.as_str(), today()), Ok(id));
            }
        }
    }
}
