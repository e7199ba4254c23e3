//! Writing the registry file: rows in [`HOUSEHOLD_COLUMNS`] order as CSV
//! or as an Excel workbook.

use super::*;
use crate::error::TabularError;
use dixian_domain::{Category, DisabilityKind, Member, StudentStage, StudentStatus};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use std::io::{self, Seek, Write};
use std::path::Path;

const TOO_MANY_ROWS: &str = "more persons than an Excel sheet holds (1,048,575); export CSV instead (超过Excel行数上限，请导出CSV)";
/// Rows of an Excel sheet, the header included.
const XLSX_MAX_ROWS: u32 = 1_048_576;
/// The UTF-8 byte-order mark, so that Excel opens the CSV as UTF-8.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Language of the header row written on export.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HeaderLanguage {
    /// 中文表头 (the default).
    #[default]
    Chinese,
    /// English headers.
    English,
}

/// The header row in `language`, in [`HOUSEHOLD_COLUMNS`] order.
pub fn header_row(language: HeaderLanguage) -> Vec<&'static str> {
    let pick = |c: &ColumnSpec| {
        if language == HeaderLanguage::Chinese {
            c.zh
        } else {
            c.en
        }
    };
    HOUSEHOLD_COLUMNS.iter().map(pick).collect()
}

/// A cell to write, typed so that Excel gets numbers as numbers.
enum Out {
    Text(String),
    Int(i64),
    Decimal(f64),
}

impl Out {
    fn text(self) -> String {
        match self {
            Out::Text(s) => s,
            Out::Int(i) => i.to_string(),
            Out::Decimal(v) => v.to_string(),
        }
    }

    /// Text, or a blank cell for `None`.
    fn opt(v: Option<&str>) -> Out {
        Out::Text(v.unwrap_or_default().to_string())
    }
}

/// One member's row, in [`HOUSEHOLD_COLUMNS`] order.
fn member_cells(h: &Household, m: &Member) -> Vec<Out> {
    let text = |s: &str| Out::Text(s.to_string());
    vec![
        text(&h.number),
        Out::Text(h.village.padded12()),
        Out::opt(h.village_group.as_deref()),
        text(&h.address),
        Out::opt(h.category.map(Category::label_zh)),
        text(if h.formerly_registered_poor {
            "是"
        } else {
            "否"
        }),
        text(h.housing.label_zh()),
        text(h.water.label_zh()),
        Out::Decimal(h.farmland_mu),
        Out::Decimal(h.forest_mu),
        Out::Int(h.income.wage),
        Out::Int(h.income.production),
        Out::Int(h.income.property),
        Out::Int(h.income.transfer),
        Out::Int(h.medical_expense),
        Out::Int(h.schooling_expense),
        text(m.id_number.as_str()),
        text(&m.name),
        text(m.relation.label_zh()),
        text(m.labor.label_zh()),
        Out::opt(m.disability_kind.map(DisabilityKind::label_zh)),
        m.disability_grade
            .map_or(Out::opt(None), |g| Out::Int(i64::from(g))),
        text(m.illness.label_zh()),
        Out::opt(m.student_stage.map(StudentStage::label_zh)),
        Out::opt(m.student_status.map(StudentStatus::label_zh)),
        text(m.insurance.label_zh()),
        text(m.employment.label_zh()),
        Out::opt(m.phone.as_deref()),
    ]
}

/// One row per member, in [`HOUSEHOLD_COLUMNS`] order, coded values as
/// their Chinese labels, so that the rows read back as the same household.
pub fn household_rows(h: &Household) -> Vec<Vec<String>> {
    h.members
        .iter()
        .map(|m| member_cells(h, m).into_iter().map(Out::text).collect())
        .collect()
}

/// Writes registry CSV: UTF-8 with a BOM (so Excel detects the encoding),
/// CRLF line ends. Excel shows 18-digit IDs of a CSV in scientific notation
/// and loses digits if the file is saved back: give Excel users the XLSX.
pub struct CsvHouseholdWriter<W: Write> {
    csv: csv::Writer<W>,
}

impl<W: Write> CsvHouseholdWriter<W> {
    /// Writes the BOM and the header row.
    pub fn new(mut writer: W, language: HeaderLanguage) -> Result<Self, TabularError> {
        writer.write_all(UTF8_BOM).map_err(stream_error)?;
        let mut csv = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(writer);
        csv.write_record(header_row(language)).map_err(csv_error)?;
        Ok(CsvHouseholdWriter { csv })
    }

    /// Writes one row per member, every cell [`csv_safe`].
    pub fn write(&mut self, h: &Household) -> Result<(), TabularError> {
        for row in household_rows(h) {
            let row = row.iter().map(|c| csv_safe(c).into_owned());
            self.csv.write_record(row).map_err(csv_error)?;
        }
        Ok(())
    }

    /// Flushes and hands back the underlying writer.
    pub fn finish(self) -> Result<W, TabularError> {
        self.csv
            .into_inner()
            .map_err(|e| stream_error(e.into_error()))
    }
}

/// A cell that a spreadsheet will not run as a formula (CSV injection,
/// OWASP): text starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return gets a leading `'`; numbers such as `-12.5` stay as they are.
/// XLSX is safe without this (cells are written as typed strings).
pub fn csv_safe(s: &str) -> std::borrow::Cow<'_, str> {
    let risky = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && s.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

fn stream_error(e: io::Error) -> TabularError {
    TabularError::io(Path::new(""), e)
}

fn csv_error(e: csv::Error) -> TabularError {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => stream_error(e),
        _ => stream_error(io::Error::other("CSV record could not be written")),
    }
}

/// Writes a registry workbook: bold header row, text columns formatted as
/// text (so IDs stay 18 digits), numbers as numbers. Rows go to a temporary
/// file as they are written (constant-memory mode).
pub struct XlsxHouseholdWriter {
    book: Workbook,
    text: Format,
    next_row: u32,
}

impl XlsxHouseholdWriter {
    /// Starts a workbook with the header row.
    pub fn new(language: HeaderLanguage) -> Result<Self, TabularError> {
        let mut book = Workbook::new();
        let text = Format::new().set_num_format("@");
        let sheet = book.add_worksheet_with_constant_memory()?;
        sheet.set_name(if language == HeaderLanguage::Chinese {
            "户籍底册"
        } else {
            "households"
        })?;
        for (col, spec) in HOUSEHOLD_COLUMNS.iter().enumerate() {
            let width = match spec.key {
                ID => 21,
                NUMBER | ADDRESS => 18,
                _ => 12,
            };
            sheet.set_column_width(col as u16, width)?;
        }
        sheet.write_row_with_format(0, 0, header_row(language), &Format::new().set_bold())?;
        sheet.set_freeze_panes(1, 0)?;
        Ok(XlsxHouseholdWriter {
            book,
            text,
            next_row: 1,
        })
    }

    /// Writes one row per member.
    pub fn write(&mut self, h: &Household) -> Result<(), TabularError> {
        let rows = u32::try_from(h.members.len()).unwrap_or(u32::MAX);
        if self.next_row.saturating_add(rows) > XLSX_MAX_ROWS {
            return Err(TabularError::Xlsx(TOO_MANY_ROWS.to_string()));
        }
        let sheet = self.book.worksheet_from_index(0)?;
        for m in &h.members {
            for (col, cell) in member_cells(h, m).into_iter().enumerate() {
                write_cell(sheet, self.next_row, col as u16, cell, &self.text)?;
            }
            self.next_row += 1;
        }
        Ok(())
    }

    /// Writes the workbook to `path`.
    pub fn save(mut self, path: &Path) -> Result<(), TabularError> {
        self.book.save(path).map_err(|e| match e {
            XlsxError::IoError(source) => TabularError::io(path, source),
            other => other.into(),
        })
    }

    /// Writes the workbook to a stream (e.g. an HTTP response body buffer).
    pub fn save_to_writer<W: Write + Seek + Send>(mut self, writer: W) -> Result<(), TabularError> {
        Ok(self.book.save_to_writer(writer)?)
    }
}

fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    cell: Out,
    text: &Format,
) -> Result<(), XlsxError> {
    match cell {
        Out::Text(s) if s.is_empty() => {}
        Out::Text(s) => {
            sheet.write_string_with_format(row, col, s, text)?;
        }
        Out::Int(i) => {
            sheet.write_number(row, col, i as f64)?;
        }
        Out::Decimal(v) => {
            sheet.write_number(row, col, v)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use dixian_domain::{
        DrinkingWater, EmploymentStatus, HousingGrade, IdNumber, Illness, Income, InsuranceStatus,
        LaborCapacity, RegionCode, Relation,
    };

    #[test]
    fn a_sheet_cannot_outgrow_excel() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date");
        let member = Member {
            id_number: IdNumber::parse_at("11010519491231002X", today).expect("valid"),
            name: "某某".to_string(),
            relation: Relation::Head,
            labor: LaborCapacity::Full,
            disability_kind: None,
            disability_grade: None,
            illness: Illness::Healthy,
            student_stage: None,
            student_status: None,
            insurance: InsuranceStatus::Insured,
            employment: EmploymentStatus::Farming,
            phone: None,
        };
        let h = Household {
            number: "1".to_string(),
            village: RegionCode::parse("520526101201").expect("village"),
            village_group: None,
            address: "某村".to_string(),
            category: None,
            formerly_registered_poor: false,
            housing: HousingGrade::A,
            water: DrinkingWater::Secure,
            farmland_mu: 0.0,
            forest_mu: 0.0,
            income: Income::default(),
            medical_expense: 0,
            schooling_expense: 0,
            members: vec![member.clone(), member],
        };
        let mut w = XlsxHouseholdWriter::new(HeaderLanguage::Chinese).expect("workbook");
        w.next_row = XLSX_MAX_ROWS - 2;
        w.write(&h).expect("the last two rows fit");
        let e = w.write(&h).expect_err("no room left");
        assert!(e.to_string().contains("1,048,575"), "{e}");
    }
}
