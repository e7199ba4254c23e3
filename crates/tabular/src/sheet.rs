//! Excel workbooks: the first sheet, row by row, cells rendered as text.
//!
//! XLSX is streamed: a worker thread owns the workbook (calamine's cell
//! reader borrows it) and sends finished rows over a bounded channel, so a
//! sheet of a million rows never sits in memory. Everything calamine and
//! the zip crate do runs on that thread, so a panic inside them ends the
//! worker, not the process, and becomes an error. Before calamine reads,
//! [`zip_guard`](crate::zip_guard) checks every part of the zip. Legacy XLS
//! (at most 65,536 rows) is loaded whole.

use crate::error::TabularError;
use crate::limits::{Limits, size};
use crate::read::Record;
use crate::xml_scan::{MAX_COLUMNS, MAX_ROWS, beyond_grid, column_letters};
use crate::zip_guard::{self, Gate, GateState};
use calamine::{Data, DataRef, ExcelDateTime, Reader, Xls, Xlsx, XlsxError};
use std::io::{Read, Seek, SeekFrom};
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::{self, JoinHandle};

/// Rows buffered between the worker and the reader; with rows of up to
/// [`Limits::max_row_bytes`], this bounds the memory they take.
const ROW_QUEUE: usize = 32;

/// Rows of the first sheet of a workbook.
pub(crate) enum SheetRows {
    /// XLSX rows arriving from the worker thread.
    Stream {
        rows: Receiver<Result<Record, TabularError>>,
        worker: Option<JoinHandle<()>>,
    },
    /// XLS rows, loaded at once.
    Loaded(std::vec::IntoIter<Record>),
}

/// Starts streaming the first sheet of an XLSX workbook; a workbook that
/// cannot be opened is the first item's error.
pub(crate) fn open_xlsx<RS: Read + Seek + Send + 'static>(
    source: RS,
    limits: &Limits,
) -> Result<SheetRows, TabularError> {
    let (tx, rows) = mpsc::sync_channel(ROW_QUEUE);
    let limits = limits.clone();
    let worker = thread::Builder::new()
        .name("xlsx-rows".to_string())
        .spawn(move || {
            if let Err(e) = read_xlsx(source, &limits, &tx) {
                let _ = tx.send(Err(e));
            }
        })
        .map_err(|e| TabularError::io(Path::new(""), e))?;
    Ok(SheetRows::Stream {
        rows,
        worker: Some(worker),
    })
}

/// The worker: checks the workbook, opens it, streams its first sheet.
fn read_xlsx<RS: Read + Seek>(
    mut source: RS,
    limits: &Limits,
    tx: &SyncSender<Result<Record, TabularError>>,
) -> Result<(), TabularError> {
    let parts = zip_guard::inspect(&mut source, limits)?;
    source
        .seek(SeekFrom::Start(0))
        .map_err(|e| TabularError::io(Path::new(""), e))?;
    let gate = Gate::new(source, parts, limits);
    let state = gate.state();
    let mut book = Xlsx::new(gate).map_err(|e| state.explain(e))?;
    state.streaming();
    let name = book.sheet_names().into_iter().next().ok_or_else(no_sheet)?;
    let mut cells = book
        .worksheet_cells_reader(&name)
        .map_err(|e| state.explain(e))?;
    stream_sheet(|| cells.next_cell(), limits, &state, tx)
}

/// Loads the first sheet of a legacy XLS workbook. Calamine runs on this
/// thread here, so a panic inside it is caught.
pub(crate) fn open_xls<RS: Read + Seek>(source: RS) -> Result<SheetRows, TabularError> {
    panic::catch_unwind(AssertUnwindSafe(|| load_xls(source)))
        .unwrap_or_else(|_| Err(worker_failed()))
}

fn load_xls<RS: Read + Seek>(source: RS) -> Result<SheetRows, TabularError> {
    let mut book = Xls::new(source)?;
    let range = book.worksheet_range_at(0).ok_or_else(no_sheet)??;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let records: Vec<Record> = range
        .rows()
        .enumerate()
        .map(|(i, cells)| {
            let mut out = vec![String::new(); col0 as usize];
            out.extend(cells.iter().map(render_data));
            Record {
                line: row0 as usize + i + 1,
                cells: out,
            }
        })
        .collect();
    Ok(SheetRows::Loaded(records.into_iter()))
}

fn no_sheet() -> TabularError {
    TabularError::Xlsx("the workbook has no sheet (工作簿中没有工作表)".to_string())
}

/// Reads cells in file order (from `next_cell`) and sends each finished
/// row; a cell beyond Excel's grid or a row of too much text ends it.
fn stream_sheet<'a>(
    mut next_cell: impl FnMut() -> Result<Option<calamine::Cell<DataRef<'a>>>, XlsxError>,
    limits: &Limits,
    state: &GateState,
    tx: &SyncSender<Result<Record, TabularError>>,
) -> Result<(), TabularError> {
    let mut current: Option<Record> = None;
    let mut row_bytes = 0;
    while let Some(cell) = next_cell().map_err(|e| state.explain(e))? {
        let (row, col) = cell.get_position();
        if u64::from(col) >= MAX_COLUMNS || u64::from(row) >= MAX_ROWS {
            // calamine's positions wrap past u32: name the cell as it sees it.
            let row = (u64::from(row) + 1).to_string();
            return Err(TabularError::Xlsx(beyond_grid(
                &column_letters(col.into()),
                &row,
            )));
        }
        let line = row as usize + 1;
        if let Some(done) = current.take_if(|r| r.line != line) {
            row_bytes = 0;
            if tx.send(Ok(done)).is_err() {
                return Ok(()); // the reader was dropped
            }
        }
        let rec = current.get_or_insert_with(|| Record {
            line,
            cells: Vec::new(),
        });
        let text = render_ref(cell.get_value());
        row_bytes += text.len() as u64;
        if row_bytes > limits.max_row_bytes {
            let max = size(limits.max_row_bytes);
            return Err(TabularError::Xlsx(format!(
                "row {line} holds more than {max} of text (第{line}行内容超过{max})"
            )));
        }
        place(rec, col as usize, text);
    }
    if let Some(last) = current {
        let _ = tx.send(Ok(last));
    }
    Ok(())
}

/// Puts a cell's text at its column, padding skipped columns with blanks;
/// `col` is within Excel's grid (checked by the caller), so the padding is
/// at most 16,384 blanks.
fn place(rec: &mut Record, col: usize, text: String) {
    if text.is_empty() {
        return;
    }
    if rec.cells.len() <= col {
        rec.cells.resize(col + 1, String::new());
    }
    rec.cells[col] = text;
}

impl Iterator for SheetRows {
    type Item = Result<Record, TabularError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            SheetRows::Loaded(rows) => rows.next().map(Ok),
            SheetRows::Stream { rows, worker } => match rows.recv() {
                Ok(item) => Some(item),
                // The worker ended: normally, or by a panic inside the parser.
                Err(_) => worker.take()?.join().err().map(|_| Err(worker_failed())),
            },
        }
    }
}

fn worker_failed() -> TabularError {
    TabularError::Xlsx("the workbook could not be read to the end (Excel文件读取中断)".to_string())
}

/// A streamed cell as text.
fn render_ref(v: &DataRef<'_>) -> String {
    match v {
        DataRef::SharedString(s) => s.to_string(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => render_float(*f),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(dt) => render_datetime(dt),
        DataRef::Error(e) => e.to_string(),
        DataRef::Empty => String::new(),
    }
}

/// A loaded cell as text.
fn render_data(v: &Data) -> String {
    match v {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => render_float(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => render_datetime(dt),
        Data::Error(e) => e.to_string(),
        Data::Empty => String::new(),
    }
}

/// A number as Excel shows it: at most 15 significant digits, no `.0` on
/// whole numbers (so `1234.56` and a formula's `0.30000000000000004` read
/// back as `1234.56` and `0.3`).
pub(crate) fn render_float(f: f64) -> String {
    let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    format!("{rounded}")
}

/// A date cell as `YYYY-MM-DD`, with the time only when it is not midnight.
fn render_datetime(dt: &ExcelDateTime) -> String {
    if !dt.is_datetime() {
        return render_float(dt.as_f64());
    }
    let (y, m, d, h, mi, s, _) = dt.to_ymd_hms_milli();
    if (h, mi, s) == (0, 0, 0) {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_in_the_worker_is_an_error_and_ends_the_rows() {
        let (tx, rows) = mpsc::sync_channel::<Result<Record, TabularError>>(1);
        let worker = thread::spawn(move || {
            let _keep = tx;
            panic!("a parser bug");
        });
        let mut sheet = SheetRows::Stream {
            rows,
            worker: Some(worker),
        };
        assert!(matches!(sheet.next(), Some(Err(TabularError::Xlsx(m))) if m.contains("中断")));
        assert!(sheet.next().is_none());
    }

    #[test]
    fn floats_render_like_excel() {
        assert_eq!(render_float(1234.0), "1234");
        assert_eq!(render_float(1234.56), "1234.56");
        assert_eq!(render_float(0.1 + 0.2), "0.3");
        assert_eq!(render_float(520526101201.0), "520526101201");
        assert_eq!(render_float(-2.5), "-2.5");
    }
}
