//! Importing a household registry file (docs/registry-format.md) into the
//! store: the file is read and validated row by row by `dixian-tabular`,
//! each household checked against the database by [`Importer`], and
//! everything lands in one transaction — or nothing does.

use crate::households::Importer;
use crate::users::Actor;
use crate::{Store, StoreError};
use dixian_domain::{RegionCode, RegionLevel};
use dixian_tabular::household_file::HouseholdReader;
use std::path::Path;

/// Outcome of a household file import.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// Households and persons written (zero when anything was wrong).
    pub written: (u64, u64),
    /// Every problem, as `line L, column C (header): reason`, file order.
    pub errors: Vec<String>,
    /// Columns of the file that are not used (1-based column, header).
    pub unknown_columns: Vec<(usize, String)>,
    /// The same problems by place (line, column, field, reason), file
    /// order: the row report a county downloads.
    pub problems: Vec<RowProblem>,
    /// Where the time went, phase by phase (docs/benchmarks.md).
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

/// One problem of an imported file, by place; the reason never quotes
/// the cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// 1-based line of the file (the header is line 1).
    pub line: usize,
    /// 1-based column, when one cell is at fault.
    pub column: Option<usize>,
    /// The column's header as written, or the field the store checked.
    pub field: Option<String>,
    /// Why (bilingual).
    pub reason: String,
}

/// The households the reader thread hands over at a time.
const READ_BATCH: usize = 1024;

/// Validates the whole file and imports it in one transaction: all or
/// nothing. `region` (default: the county of the first household) is the
/// scope of the import; `commit = false` checks without writing.
/// `tick` is called once per household read, for progress display.
///
/// The file is read and parsed on a thread of its own while the store
/// checks, seals and writes the households before (the two overlap on a
/// two-core machine); its SHA-256, for the import's audit record, on
/// another.
pub async fn import_file(
    store: &Store,
    file: &Path,
    region: Option<&str>,
    commit: bool,
    mut tick: impl FnMut(),
) -> Result<ImportReport, StoreError> {
    let started = std::time::Instant::now();
    let today = chrono::Local::now().date_naive();
    let bad = |e: dixian_tabular::TabularError| StoreError::Invalid(e.to_string());
    let table = dixian_tabular::open(file).map_err(bad)?;
    let reader = HouseholdReader::new(table, today).map_err(bad)?;
    let mut report = ImportReport {
        unknown_columns: reader.unknown_columns().to_vec(),
        ..Default::default()
    };
    let hashing = {
        let path = file.to_path_buf();
        std::thread::spawn(move || file_sha256(&path))
    };
    // The reader thread ends when the file does, or when this side stops
    // listening (an error below drops the receiver).
    let (send, mut recv) = tokio::sync::mpsc::channel::<Vec<ReadItem>>(8);
    let reading = std::thread::spawn(move || {
        let t = std::time::Instant::now();
        let mut batch = Vec::with_capacity(READ_BATCH);
        for item in reader {
            batch.push(item);
            if batch.len() == READ_BATCH
                && send
                    .blocking_send(std::mem::replace(
                        &mut batch,
                        Vec::with_capacity(READ_BATCH),
                    ))
                    .is_err()
            {
                return t.elapsed();
            }
        }
        if !batch.is_empty() {
            let _ = send.blocking_send(batch);
        }
        t.elapsed()
    });
    let mut importer: Option<Importer> = None;
    // Per household index: the line of its first row and of each member.
    let mut lines: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut errors: Vec<(usize, String)> = Vec::new();
    let mut problems: Vec<RowProblem> = Vec::new();
    while let Some(batch) = recv.recv().await {
        for item in batch {
            tick();
            let parsed = match item {
                Ok(p) => p,
                Err(row_errors) => {
                    errors.extend(row_errors.iter().map(|e| (e.line, e.to_string())));
                    problems.extend(row_errors.iter().map(|e| RowProblem {
                        line: e.line,
                        column: e.column,
                        field: e.header.clone(),
                        reason: e.reason.clone(),
                    }));
                    if let Some(imp) = importer.as_mut() {
                        imp.reject();
                        lines.push((row_errors.first().map_or(0, |e| e.line), Vec::new()));
                    }
                    continue;
                }
            };
            let imp = match importer.as_mut() {
                Some(imp) => imp,
                None => {
                    let scope = match region {
                        Some(r) => RegionCode::parse(r)
                            .map_err(|e| StoreError::Invalid(format!("--region: {e}")))?,
                        None => parsed
                            .household
                            .village
                            .ancestor(RegionLevel::County)
                            .unwrap_or(parsed.household.village.clone()),
                    };
                    importer.insert(Importer::begin(&store.pool, &Actor::operator(scope)).await?)
                }
            };
            imp.add(parsed.household).await?;
            lines.push((parsed.first_line, parsed.member_lines));
        }
    }
    let read_time = reading
        .join()
        .map_err(|_| StoreError::Invalid(format!("{}: the file reader failed", file.display())))?;
    report
        .timings
        .push(("read+parse+validate (own thread)", read_time));
    let Some(mut imp) = importer else {
        if errors.is_empty() {
            return Err(StoreError::Invalid(format!(
                "{}: no household rows (文件中没有农户数据)",
                file.display()
            )));
        }
        report.errors = errors.into_iter().map(|(_, e)| e).collect();
        report.problems = problems;
        return Ok(report);
    };
    let sha256 = hashing
        .join()
        .map_err(|_| StoreError::Invalid(format!("{}: hashing failed", file.display())))??;
    let name = file
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    imp.source(&name, &sha256);
    let (issues, written, timings) = imp.finish_timed(commit && errors.is_empty()).await?;
    report.timings.extend([
        ("check against the database", timings.check),
        ("seal + hash personal data", timings.seal),
        ("insert rows", timings.insert),
        ("villages, audit, commit", timings.finish),
        ("total", started.elapsed()),
    ]);
    for i in issues {
        let (first, members) = &lines[i.household];
        let line = i
            .member
            .and_then(|m| members.get(m).copied())
            .unwrap_or(*first);
        errors.push((
            line,
            format!("line {line} ({}): {}", field_header(i.field), i.reason),
        ));
        problems.push(RowProblem {
            line,
            column: None,
            field: Some(field_header(i.field).to_string()).filter(|f| !f.is_empty()),
            reason: i.reason.to_string(),
        });
    }
    errors.sort_by_key(|(line, _)| *line);
    problems.sort_by_key(|p| p.line);
    report.errors = errors.into_iter().map(|(_, e)| e).collect();
    report.problems = problems;
    report.written = written;
    Ok(report)
}

/// One item of the household reader: a household, or its row errors.
type ReadItem = Result<
    dixian_tabular::household_file::ParsedHousehold,
    Vec<dixian_tabular::household_file::RowError>,
>;

/// The hex SHA-256 of a file's bytes (named by the import's audit record).
fn file_sha256(path: &Path) -> Result<String, StoreError> {
    use sha2::Digest;
    use std::io::Read;
    let io = |e| StoreError::Io {
        path: path.display().to_string(),
        source: e,
    };
    let mut f = std::fs::File::open(path).map_err(io)?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(io)?;
        if n == 0 {
            return Ok(hex::encode(h.finalize()));
        }
        h.update(&buf[..n]);
    }
}

/// The bilingual header of a field the store checks.
fn field_header(field: &str) -> &'static str {
    match field {
        "village_code" => "村代码/village_code",
        "household_number" => "户编号/household_number",
        "id_number" => "身份证号/id_number",
        _ => "",
    }
}
