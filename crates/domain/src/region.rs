//! 行政区划代码: statistical division codes, 2/4/6/9/12 digits, and their
//! levels. A code at each level is the prefix of its children's codes; the
//! canonical stored form is 12 digits, zero-padded.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Level of an administrative division.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    /// 省
    Province = 1,
    /// 市
    City = 2,
    /// 县/区
    County = 3,
    /// 乡/镇/街道
    Township = 4,
    /// 村/社区
    Village = 5,
}

impl RegionLevel {
    /// Number of significant digits of a code at this level.
    pub fn digits(self) -> usize {
        match self {
            RegionLevel::Province => 2,
            RegionLevel::City => 4,
            RegionLevel::County => 6,
            RegionLevel::Township => 9,
            RegionLevel::Village => 12,
        }
    }

    /// From the stored integer (1 = province … 5 = village).
    pub fn from_i64(v: i64) -> Option<Self> {
        Some(match v {
            1 => RegionLevel::Province,
            2 => RegionLevel::City,
            3 => RegionLevel::County,
            4 => RegionLevel::Township,
            5 => RegionLevel::Village,
            _ => return None,
        })
    }

    /// Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            RegionLevel::Province => "省",
            RegionLevel::City => "市",
            RegionLevel::County => "县",
            RegionLevel::Township => "乡镇",
            RegionLevel::Village => "村",
        }
    }

    /// The level one below, if any.
    pub fn child(self) -> Option<Self> {
        RegionLevel::from_i64(self as i64 + 1)
    }
}

/// A division code, kept as its significant digits (2, 4, 6, 9 or 12).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode(String);

/// Why a string is not a region code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionCodeError {
    /// Not 2, 4, 6, 9 or 12 digits (after trimming trailing zero groups).
    #[error("region code must have 2, 4, 6, 9 or 12 digits, found {0} (区划代码位数错误)")]
    Length(usize),
    /// A non-digit character.
    #[error("region code has a non-digit at position {0} (区划代码含非数字字符)")]
    NotDigit(usize),
    /// Province part is 00.
    #[error("region code province part must not be 00 (省级代码无效)")]
    Zero,
}

impl RegionCode {
    /// Parses 2/4/6/9/12 digits. A 12-digit code padded with zeros is
    /// reduced to its level (`520526000000` → county `520526`).
    pub fn parse(s: &str) -> Result<Self, RegionCodeError> {
        let s = s.trim();
        if let Some(p) = s.bytes().position(|c| !c.is_ascii_digit()) {
            return Err(RegionCodeError::NotDigit(p + 1));
        }
        let code = match s.len() {
            2 | 4 | 6 | 9 => s.to_string(),
            12 => Self::strip_padding(s),
            n => return Err(RegionCodeError::Length(n)),
        };
        if code.starts_with("00") {
            return Err(RegionCodeError::Zero);
        }
        Ok(RegionCode(code))
    }

    fn strip_padding(s: &str) -> String {
        for level in [
            RegionLevel::Province,
            RegionLevel::City,
            RegionLevel::County,
            RegionLevel::Township,
        ] {
            let n = level.digits();
            if s[n..].bytes().all(|c| c == b'0') {
                return s[..n].to_string();
            }
        }
        s.to_string()
    }

    /// The level, from the number of significant digits.
    pub fn level(&self) -> RegionLevel {
        match self.0.len() {
            2 => RegionLevel::Province,
            4 => RegionLevel::City,
            6 => RegionLevel::County,
            9 => RegionLevel::Township,
            _ => RegionLevel::Village,
        }
    }

    /// Significant digits (2/4/6/9/12).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 12-digit statistical form, zero-padded.
    pub fn padded12(&self) -> String {
        format!("{:0<12}", self.0)
    }

    /// The parent code, `None` for a province.
    pub fn parent(&self) -> Option<RegionCode> {
        let n = match self.level() {
            RegionLevel::Province => return None,
            RegionLevel::City => 2,
            RegionLevel::County => 4,
            RegionLevel::Township => 6,
            RegionLevel::Village => 9,
        };
        Some(RegionCode(self.0[..n].to_string()))
    }

    /// The chain from the province down to this code (inclusive).
    pub fn chain(&self) -> Vec<RegionCode> {
        let mut v = vec![self.clone()];
        while let Some(p) = v.last().and_then(|c| c.parent()) {
            v.push(p);
        }
        v.reverse();
        v
    }

    /// The ancestor at `level`, if this code is at or below it.
    pub fn ancestor(&self, level: RegionLevel) -> Option<RegionCode> {
        (level <= self.level()).then(|| RegionCode(self.0[..level.digits()].to_string()))
    }

    /// Whether `other` is this region or lies inside it.
    pub fn contains(&self, other: &RegionCode) -> bool {
        other.0.starts_with(&self.0)
    }

    /// Inclusive range of 12-digit codes inside this region, for index
    /// range scans (`code BETWEEN lo AND hi`) on both backends.
    pub fn padded_range(&self) -> (String, String) {
        (format!("{:0<12}", self.0), format!("{:9<12}", self.0))
    }
}

impl FromStr for RegionCode {
    type Err = RegionCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RegionCode::parse(s)
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegionCode({})", self.0)
    }
}

impl Serialize for RegionCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for RegionCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RegionCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn levels_and_chain() {
        let v = RegionCode::parse("520526101201").unwrap();
        assert_eq!(v.level(), RegionLevel::Village);
        let chain: Vec<_> = v.chain().iter().map(|c| c.as_str().to_string()).collect();
        assert_eq!(chain, ["52", "5205", "520526", "520526101", "520526101201"]);
        assert_eq!(
            RegionCode::parse("520526000000").unwrap().level(),
            RegionLevel::County
        );
        assert_eq!(
            RegionCode::parse("520526").unwrap().padded12(),
            "520526000000"
        );
        assert!(RegionCode::parse("520526").unwrap().contains(&v));
        assert!(!RegionCode::parse("520527").unwrap().contains(&v));
        assert_eq!(
            RegionCode::parse("52052").unwrap_err(),
            RegionCodeError::Length(5)
        );
        assert_eq!(
            RegionCode::parse("52a526").unwrap_err(),
            RegionCodeError::NotDigit(3)
        );
        assert_eq!(
            RegionCode::parse("520526").unwrap().padded_range(),
            ("520526000000".to_string(), "520526999999".to_string())
        );
    }

    proptest! {
        #[test]
        /// Whatever parses is digits at one of the five levels and
        /// parses again to itself, from its own form and its padded one.
        #[test]
        fn accepted_codes_round_trip(s in "\\PC{0,14}|[0-9 ]{0,14}") {
            if let Ok(c) = RegionCode::parse(&s) {
                prop_assert!(c.as_str().bytes().all(|b| b.is_ascii_digit()));
                prop_assert_eq!(c.as_str().len(), c.level().digits());
                prop_assert!(s.trim().starts_with(c.as_str()));
                prop_assert_eq!(RegionCode::parse(c.as_str()), Ok(c.clone()));
                // A code whose last segment is zeros ("441900", 东莞 — a
                // real county) pads to the same 12 digits as the region
                // above it: the padded form names the code or that region.
                let padded = RegionCode::parse(&c.padded12()).unwrap();
                prop_assert!(
                    padded == c
                        || (c.as_str().starts_with(padded.as_str())
                            && c.as_str()[padded.as_str().len()..].bytes().all(|b| b == b'0')),
                    "{} padded reads back as {}", c, padded
                );
            }
        }

        #[test]
        fn padded_round_trip(p in 11u64..66, rest in 0u64..10_000_000_000) {
            let s = format!("{p:02}{rest:010}");
            let c = RegionCode::parse(&s).unwrap();
            prop_assert_eq!(c.padded12(), s);
            for a in c.chain() { prop_assert!(a.contains(&c)); }
        }
    }
}
