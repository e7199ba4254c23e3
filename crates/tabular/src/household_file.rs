//! The household registry file (户籍底册) of `docs/registry-format.md`,
//! read and written: one row per person, the household's columns repeated
//! on each of its rows, the rows of a household contiguous, the head first.
//!
//! Reading validates every cell and collects every error of the file, so
//! that the caller can refuse the whole file before writing anything.
//! Memory stays bounded by one household, plus one small key per household
//! and per person seen (to catch a household split apart or a person listed
//! in two households).

mod reader;
mod values;
mod writer;

pub use reader::HouseholdReader;
pub use writer::{
    CsvHouseholdWriter, HeaderLanguage, XlsxHouseholdWriter, csv_safe, header_row, household_rows,
};

use crate::read::ColumnSpec;
use dixian_domain::Household;
use std::fmt;

const NUMBER: &str = "household_number";
const VILLAGE: &str = "village_code";
const GROUP: &str = "village_group";
const ADDRESS: &str = "address";
const CATEGORY: &str = "category";
const POOR: &str = "formerly_registered_poor";
const HOUSING: &str = "housing_grade";
const WATER: &str = "drinking_water";
const FARMLAND: &str = "farmland_mu";
const FOREST: &str = "forest_mu";
const WAGE: &str = "wage_income";
const PRODUCTION: &str = "production_income";
const PROPERTY: &str = "property_income";
const TRANSFER: &str = "transfer_income";
const MEDICAL: &str = "medical_expense";
const SCHOOLING: &str = "schooling_expense";
const ID: &str = "id_number";
const NAME: &str = "name";
const RELATION: &str = "relation";
const LABOR: &str = "labor_capacity";
const DISABILITY_KIND: &str = "disability_kind";
const DISABILITY_GRADE: &str = "disability_grade";
const ILLNESS: &str = "illness";
const STAGE: &str = "student_stage";
const STATUS: &str = "student_status";
const INSURANCE: &str = "medical_insurance";
const EMPLOYMENT: &str = "employment_status";
const PHONE: &str = "phone";

/// A column whose English header is its key.
const fn col(key: &'static str, zh: &'static str, required: bool) -> ColumnSpec {
    ColumnSpec {
        key,
        zh,
        en: key,
        required,
        aliases: &[],
    }
}

/// The registry file's columns; this order is also the export order.
pub const HOUSEHOLD_COLUMNS: &[ColumnSpec] = &[
    col(NUMBER, "户编号", true),
    col(VILLAGE, "村代码", true),
    col(GROUP, "村民小组", false),
    col(ADDRESS, "地址", true),
    col(CATEGORY, "监测类别", false),
    col(POOR, "原建档立卡", true),
    col(HOUSING, "住房安全等级", true),
    col(WATER, "饮水安全", true),
    col(FARMLAND, "耕地面积", false),
    col(FOREST, "林地面积", false),
    col(WAGE, "工资性收入", false),
    col(PRODUCTION, "生产经营性收入", false),
    col(PROPERTY, "财产性收入", false),
    col(TRANSFER, "转移性收入", false),
    col(MEDICAL, "医疗支出", false),
    col(SCHOOLING, "教育支出", false),
    col(ID, "身份证号", true),
    col(NAME, "姓名", true),
    col(RELATION, "与户主关系", true),
    col(LABOR, "劳动能力", true),
    col(DISABILITY_KIND, "残疾类别", false),
    col(DISABILITY_GRADE, "残疾等级", false),
    col(ILLNESS, "健康状况", true),
    col(STAGE, "在校学段", false),
    col(STATUS, "在校状态", false),
    col(INSURANCE, "医保参保", true),
    col(EMPLOYMENT, "就业状态", true),
    col(PHONE, "联系电话", false),
];

/// A problem with one cell or row of the file, located for the user.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    /// 1-based line of the file; the header is line 1.
    pub line: usize,
    /// 1-based column, when one cell is at fault.
    pub column: Option<usize>,
    /// That column's header as written in the file.
    pub header: Option<String>,
    /// Bilingual reason, without the cell's contents.
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        if let Some(c) = self.column {
            write!(f, ", column {c}")?;
        }
        if let Some(h) = &self.header {
            write!(f, " ({h})")?;
        }
        write!(f, ": {}", self.reason)
    }
}

impl std::error::Error for RowError {}

/// A valid household read from the file, with the lines it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedHousehold {
    /// The household, head first.
    pub household: Household,
    /// Line of the household's first row.
    pub first_line: usize,
    /// Line of each member's row, in `household.members` order.
    pub member_lines: Vec<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn keys_are_unique() {
        assert_eq!(HOUSEHOLD_COLUMNS.len(), 28);
        let keys: HashSet<&str> = HOUSEHOLD_COLUMNS.iter().map(|c| c.key).collect();
        assert_eq!(keys.len(), HOUSEHOLD_COLUMNS.len());
    }

    #[test]
    fn row_error_display() {
        let e = RowError {
            line: 12,
            column: Some(17),
            header: Some("身份证号".into()),
            reason: "bad".into(),
        };
        assert_eq!(e.to_string(), "line 12, column 17 (身份证号): bad");
        let e = RowError {
            line: 3,
            column: None,
            header: None,
            reason: "bad".into(),
        };
        assert_eq!(e.to_string(), "line 3: bad");
    }
}
