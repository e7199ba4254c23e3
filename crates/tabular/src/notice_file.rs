//! The village notice (公示) as an Excel workbook: the columns of the
//! printed notice and nothing else — no ID numbers, phones, bank accounts
//! or health details ever reach this module's input type.

use crate::error::TabularError;
use chrono::NaiveDate;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

/// The header row of the notice sheet, in column order.
pub const NOTICE_COLUMNS: [&str; 8] = [
    "序号",
    "户主姓名",
    "村民小组",
    "拟认定类别",
    "风险类型",
    "公示开始日期",
    "公示结束日期",
    "异议受理",
];

/// Column widths, in characters, in [`NOTICE_COLUMNS`] order.
const WIDTHS: [f64; 8] = [6.0, 12.0, 10.0, 16.0, 22.0, 14.0, 14.0, 36.0];

/// One household on the notice, as the sheet shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeLine {
    /// Head's name.
    pub head: String,
    /// 村民小组, empty when unknown.
    pub group: String,
    /// Category label (拟纳入监测 when not yet set).
    pub category: String,
    /// Risk type labels, joined with 、.
    pub risks: String,
    /// First day on the board.
    pub start: NaiveDate,
    /// Last day on the board.
    pub end: NaiveDate,
}

/// A village's notice: the heading, the households and where to object.
#[derive(Debug, Clone)]
pub struct NoticeSheet<'a> {
    /// Heading (e.g. `某某村防止返贫致贫监测对象公示`).
    pub title: &'a str,
    /// Line under the heading (township and notice period).
    pub subtitle: &'a str,
    /// Where an objection goes (村民委员会 or the township government).
    pub objections_to: &'a str,
    /// The households, in the printed order.
    pub lines: &'a [NoticeLine],
    /// The closing line (village and date).
    pub signed: &'a str,
}

/// Writes `sheet` as an .xlsx workbook into memory.
pub fn notice_xlsx(sheet: &NoticeSheet<'_>) -> Result<Vec<u8>, TabularError> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    fill(ws, sheet)?;
    Ok(book.save_to_buffer()?)
}

/// Row of the column headings (0: title, 1: subtitle).
const HEADER_ROW: u32 = 2;

fn fill(ws: &mut Worksheet, sheet: &NoticeSheet<'_>) -> Result<(), XlsxError> {
    ws.set_name("公示")?;
    let last_col = (NOTICE_COLUMNS.len() - 1) as u16;
    let title = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    let centered = Format::new().set_align(FormatAlign::Center);
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center);
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("@")
        .set_text_wrap();
    ws.merge_range(0, 0, 0, last_col, sheet.title, &title)?;
    ws.merge_range(1, 0, 1, last_col, sheet.subtitle, &centered)?;
    for (col, (name, width)) in NOTICE_COLUMNS.iter().zip(WIDTHS).enumerate() {
        ws.set_column_width(col as u16, width)?;
        ws.write_string_with_format(HEADER_ROW, col as u16, *name, &head)?;
    }
    for (i, line) in sheet.lines.iter().enumerate() {
        let row = HEADER_ROW + 1 + i as u32;
        let number = (i + 1).to_string();
        let cells = [
            number.as_str(),
            &line.head,
            &line.group,
            &line.category,
            &line.risks,
            &line.start.to_string(),
            &line.end.to_string(),
            sheet.objections_to,
        ];
        for (col, text) in cells.iter().enumerate() {
            ws.write_string_with_format(row, col as u16, *text, &cell)?;
        }
    }
    let after = HEADER_ROW + 2 + sheet.lines.len() as u32;
    ws.write_string(after, 0, sheet.signed)?;
    ws.set_freeze_panes(HEADER_ROW + 1, 0)?;
    ws.set_paper_size(9); // A4
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Reader, Xlsx};
    use std::io::Cursor;

    #[test]
    fn the_sheet_reads_back_with_its_columns() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 3, d).expect("valid date");
        let lines = [NoticeLine {
            head: "王大山".into(),
            group: "2组".into(),
            category: "拟纳入监测".into(),
            risks: "因病、因灾".into(),
            start: day(1),
            end: day(6),
        }];
        let bytes = notice_xlsx(&NoticeSheet {
            title: "某村防止返贫致贫监测对象公示",
            subtitle: "某镇 · 公示期：2026-03-01 至 2026-03-06",
            objections_to: "某村村民委员会或某镇人民政府",
            lines: &lines,
            signed: "某村 2026年03月01日",
        })
        .expect("written");
        let mut book = Xlsx::new(Cursor::new(bytes)).expect("an xlsx");
        let range = book.worksheet_range("公示").expect("the sheet");
        let rows: Vec<Vec<String>> = range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(rows[HEADER_ROW as usize], NOTICE_COLUMNS);
        assert_eq!(
            rows[HEADER_ROW as usize + 1],
            [
                "1",
                "王大山",
                "2组",
                "拟纳入监测",
                "因病、因灾",
                "2026-03-01",
                "2026-03-06",
                "某村村民委员会或某镇人民政府"
            ]
        );
        assert_eq!(rows[0][0], "某村防止返贫致贫监测对象公示");
    }
}
