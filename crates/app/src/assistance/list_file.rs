//! `measures import`: a department's or bank's list (a small-loan ledger,
//! a public-welfare-job roster, 雨露计划 payments; CSV in UTF-8 or GB18030,
//! or XLSX; Chinese headers with the aliases departments use; one row per
//! person-measure) becomes one batch of the loading actor's region
//! (county). All or nothing: every row is read and checked — cells, then
//! [`validate_measure`] against the catalogue and the person's household —
//! and every bad row is reported with its line and column; only a clean
//! file is stored. The same bytes twice are a no-op that says so; persons
//! not registered in the region are counted, not refused.

use super::{
    CatalogueSource, default_status, in_force, may_import_lists, validate_measure,
    validate_requirement,
};
use crate::AppError;
use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::assistance::{
    Department, Measure, MeasureCatalogue, MeasureKind, MeasureStatus,
};
use dixian_domain::{Household, IdNumber};
use dixian_screen::feed::MAX_KEPT_ERRORS;
use dixian_screen::{FeedRowError, ValueKind, batch_hash};
use dixian_store::assistance::{
    self as store_assistance, ListBatchOutcome, ListFile, NewListMeasure,
};
use dixian_store::{Actor, Refusal, Store, households};
use dixian_tabular::{
    ColumnSpec, HeaderMap, Record, TableReader, TabularError, parse_date, parse_money_fen,
};
use std::collections::HashMap;

const fn col(
    key: &'static str,
    zh: &'static str,
    required: bool,
    aliases: &'static [&'static str],
) -> ColumnSpec {
    ColumnSpec {
        key,
        zh,
        en: key,
        required,
        aliases,
    }
}

/// The columns of a measure list: ID number, name and first day are
/// required; the kind and department may be given for the whole file
/// instead; the rest are optional.
pub const LIST_COLUMNS: &[ColumnSpec] = &[
    col(
        "id_number",
        "身份证号",
        true,
        &["证件号码", "身份证号码", "公民身份号码", "身份证"],
    ),
    col(
        "name",
        "姓名",
        true,
        &["借款人", "借款人姓名", "人员姓名", "户主姓名"],
    ),
    col(
        "kind",
        "措施类型",
        false,
        &[
            "项目",
            "项目类型",
            "措施",
            "帮扶措施",
            "措施名称",
            "帮扶项目",
        ],
    ),
    col(
        "amount",
        "金额",
        false,
        &[
            "发放金额",
            "贷款金额",
            "补助金额",
            "金额(元)",
            "金额（元）",
            "金额/元",
        ],
    ),
    col(
        "starts_on",
        "开始日期",
        true,
        &["发放日期", "放款日期", "起始日期", "开始时间", "上岗日期"],
    ),
    col(
        "ends_on",
        "结束日期",
        false,
        &["到期日", "到期日期", "截止日期", "结束时间"],
    ),
    col(
        "department",
        "部门",
        false,
        &["发放部门", "责任部门", "发放单位", "发放机构"],
    ),
    col(
        "evidence",
        "凭证号",
        false,
        &["流水号", "合同号", "文号", "凭证", "借据号"],
    ),
    col("status", "状态", false, &["措施状态", "发放状态"]),
];

const REQUIRED: &str = "required, but empty (必填项为空)";

/// One delivered list.
#[derive(Debug, Clone)]
pub struct MeasureListFile {
    /// The name it came with.
    pub name: String,
    /// Its bytes (CSV or XLSX).
    pub bytes: Vec<u8>,
    /// The kind of every row, when the file has no kind column (or to
    /// fill its blank cells).
    pub kind: Option<MeasureKind>,
    /// The department of every row, likewise; otherwise the catalogue
    /// entry's department.
    pub department: Option<Department>,
}

/// What importing a list did.
#[derive(Debug)]
pub struct MeasureListReport {
    /// Stored or already loaded; `None` when the file was rejected.
    pub outcome: Option<ListBatchOutcome>,
    /// The bad rows (the first `MAX_KEPT_ERRORS`): line, column, header,
    /// reason.
    pub errors: Vec<FeedRowError>,
    /// How many problems the file had in all.
    pub errors_total: usize,
    /// Columns of the file not used (1-based column, header).
    pub unknown_columns: Vec<(usize, String)>,
    /// Rows that were read.
    pub parsed: usize,
}

impl MeasureListReport {
    fn note(&mut self, e: FeedRowError) {
        self.errors_total += 1;
        if self.errors.len() < MAX_KEPT_ERRORS {
            self.errors.push(e);
        }
    }
}

/// A row read from the file, before the catalogue's checks.
struct ReadRow {
    line: usize,
    /// The row's ID number (the person, or the household's applicant).
    person: IdNumber,
    measure: Measure,
}

/// The error of cell `key` of `rec`.
fn cell_error(
    map: &HeaderMap,
    line: usize,
    key: &str,
    kind: ValueKind,
    reason: impl Into<String>,
) -> FeedRowError {
    FeedRowError {
        line,
        column: map.column_of(key),
        header: Some(map.header_of(key).map(str::to_string).unwrap_or_else(|| {
            LIST_COLUMNS
                .iter()
                .find(|c| c.key == key)
                .map_or(key, |c| c.zh)
                .to_string()
        })),
        value_kind: kind,
        reason: reason.into(),
    }
}

fn file_error(line: usize, e: &TabularError) -> FeedRowError {
    let value_kind = match e {
        TabularError::Header(_) => ValueKind::Header,
        TabularError::Malformed { .. } => ValueKind::Row,
        _ => ValueKind::File,
    };
    FeedRowError {
        line,
        column: None,
        header: None,
        value_kind,
        reason: e.to_string(),
    }
}

/// Reads one record into a measure, or the errors of its cells.
fn read_row(
    map: &HeaderMap,
    rec: &Record,
    file: &MeasureListFile,
    catalogue: &MeasureCatalogue,
    today: NaiveDate,
) -> Result<ReadRow, Vec<FeedRowError>> {
    let line = rec.line;
    let mut errors = Vec::new();
    let mut err = |key: &str, kind: ValueKind, reason: String| {
        errors.push(cell_error(map, line, key, kind, reason))
    };
    let id = match map.get(rec, "id_number") {
        None => {
            err("id_number", ValueKind::IdNumber, REQUIRED.into());
            None
        }
        Some(s) => IdNumber::parse_at(s, today)
            .map_err(|e| err("id_number", ValueKind::IdNumber, format!("{e}")))
            .ok(),
    };
    if map.get(rec, "name").is_none() {
        err("name", ValueKind::Name, REQUIRED.into());
    }
    let kind = match map.get(rec, "kind") {
        Some(s) => MeasureKind::parse(s).or_else(|| {
            err(
                "kind",
                ValueKind::Choice,
                "not a known measure kind (措施类型无法识别)".into(),
            );
            None
        }),
        None => file.kind.or_else(|| {
            err(
                "kind",
                ValueKind::Choice,
                "give the measure kind in the row or for the whole file (请填写措施类型)".into(),
            );
            None
        }),
    };
    let amount_fen = match map.get(rec, "amount") {
        None => None,
        Some(s) => parse_money_fen(s)
            .map_err(|e| err("amount", ValueKind::Money, e))
            .ok(),
    };
    let date = |key: &str, err: &mut dyn FnMut(&str, ValueKind, String)| match map.get(rec, key) {
        None => None,
        Some(s) => parse_date(s).map_err(|e| err(key, ValueKind::Date, e)).ok(),
    };
    let starts_on = date("starts_on", &mut err);
    if map.get(rec, "starts_on").is_none() {
        err("starts_on", ValueKind::Date, REQUIRED.into());
    }
    let ends_on = date("ends_on", &mut err);
    let department = match map.get(rec, "department") {
        Some(s) => Department::parse(s).or_else(|| {
            err(
                "department",
                ValueKind::Choice,
                "not a known department (部门无法识别)".into(),
            );
            None
        }),
        None => file
            .department
            .or_else(|| kind.and_then(|k| catalogue.get(k)).map(|r| r.department))
            .or(Some(Department::Other)),
    };
    let status = match map.get(rec, "status") {
        Some(s) => MeasureStatus::parse(s).or_else(|| {
            err(
                "status",
                ValueKind::Choice,
                "not a known status (状态无法识别)".into(),
            );
            None
        }),
        None => Some(default_status(ends_on, today)),
    };
    let evidence: String = map
        .get(rec, "evidence")
        .unwrap_or("")
        .chars()
        .take(200)
        .collect();
    match (id, kind, starts_on, department, status) {
        (Some(id), Some(kind), Some(starts_on), Some(department), Some(status))
            if errors.is_empty() =>
        {
            Ok(ReadRow {
                line,
                person: id.clone(),
                measure: Measure {
                    person: Some(id),
                    kind,
                    department,
                    amount_fen,
                    starts_on,
                    ends_on,
                    status,
                    source: dixian_domain::assistance::MeasureSource::List,
                    evidence,
                },
            })
        }
        _ => Err(errors),
    }
}

/// Reads every row of the file; `None` when it cannot be read at all (the
/// problem is in the report).
fn read_file(
    bytes: Vec<u8>,
    file: &MeasureListFile,
    catalogue: &MeasureCatalogue,
    today: NaiveDate,
    report: &mut MeasureListReport,
) -> Option<(HeaderMap, Vec<ReadRow>)> {
    let table = match TableReader::from_bytes(bytes) {
        Ok(t) => t,
        Err(e) => {
            report.note(file_error(1, &e));
            return None;
        }
    };
    let map = match HeaderMap::resolve(table.headers(), LIST_COLUMNS) {
        Ok(m) => m,
        Err(e) => {
            report.note(file_error(table.header_line(), &e));
            return None;
        }
    };
    report.unknown_columns = map.unknown.clone();
    let mut rows = Vec::new();
    let mut last = table.header_line();
    for rec in table {
        match rec {
            Ok(rec) => {
                last = rec.line;
                match read_row(&map, &rec, file, catalogue, today) {
                    Ok(r) => rows.push(r),
                    Err(errors) => errors.into_iter().for_each(|e| report.note(e)),
                }
            }
            Err(e) => {
                // A malformed line is one bad row; anything else ends the file.
                let line = match &e {
                    TabularError::Malformed { line, .. } => *line,
                    _ => {
                        report.note(file_error(last + 1, &e));
                        break;
                    }
                };
                last = last.max(line);
                report.note(file_error(line, &e));
            }
        }
    }
    Some((map, rows))
}

/// The column a field of [`validate_measure`] came from.
fn column_of_field(field: &str) -> (&'static str, ValueKind) {
    match field {
        "amount_fen" => ("amount", ValueKind::Money),
        "ends_on" => ("ends_on", ValueKind::Date),
        "starts_on" => ("starts_on", ValueKind::Date),
        "kind" => ("kind", ValueKind::Choice),
        _ => ("id_number", ValueKind::IdNumber),
    }
}

/// Imports `file` as a batch of `actor`'s region, checked against the
/// measure catalogue in force for the region on the day.
pub async fn import_measure_list(
    store: &Store,
    actor: &Actor,
    source: &dyn CatalogueSource,
    mut file: MeasureListFile,
    now: DateTime<Utc>,
) -> Result<MeasureListReport, AppError> {
    may_import_lists(actor)?;
    let today = dixian_domain::case::china_date(now);
    let (catalogue, _) = in_force(source, &actor.scope.region, today)?;
    let catalogue = &catalogue;
    let sha = batch_hash(&file.bytes);
    let mut report = MeasureListReport {
        outcome: None,
        errors: Vec::new(),
        errors_total: 0,
        unknown_columns: Vec::new(),
        parsed: 0,
    };
    if let Some((batch_id, imported_at)) =
        store_assistance::find_list_batch(&store.pool, actor, &sha).await?
    {
        report.outcome = Some(ListBatchOutcome::AlreadyLoaded {
            batch_id,
            imported_at,
        });
        return Ok(report);
    }
    // The bytes move to the reader: a file is held in memory once.
    let bytes = std::mem::take(&mut file.bytes);
    let Some((map, rows)) = read_file(bytes, &file, catalogue, today, &mut report) else {
        return Ok(report);
    };
    report.parsed = rows.len();
    // The catalogue's and the household's checks, for persons registered
    // in the region (others are counted at storage, not checked further).
    let ids: Vec<&str> = rows.iter().map(|r| r.person.as_str()).collect();
    let matched = store_assistance::match_persons(&store.pool, actor, &ids).await?;
    let mut homes: HashMap<i64, Household> = HashMap::new();
    for (household_id, _) in matched.values() {
        if !homes.contains_key(household_id) {
            let h = households::get(&store.pool, actor, *household_id).await?;
            homes.insert(*household_id, h.household);
        }
    }
    // A kind the catalogue gives the household (危房改造, 饮水 …) is the
    // household's: the row's person names it (docs/decisions.md).
    let mut rows = rows;
    for r in &mut rows {
        if catalogue.get(r.measure.kind).is_some_and(|k| k.household) {
            r.measure.person = None;
        }
    }
    // A kind resting on another (贴息 on a small loan) is held against the
    // stored chain of the person's household and the file's other rows.
    let mut chains: HashMap<i64, Vec<Measure>> = HashMap::new();
    for r in &rows {
        if r.measure.kind.requires().is_none() {
            continue;
        }
        if let Some((household_id, _)) = matched.get(r.person.as_str())
            && !chains.contains_key(household_id)
        {
            let stored = store_assistance::chain(&store.pool, actor, *household_id)
                .await?
                .into_iter()
                .map(|m| m.measure);
            chains.insert(*household_id, stored.collect());
        }
    }
    let file_held: Vec<&Measure> = rows
        .iter()
        .map(|o| &o.measure)
        .filter(|m| {
            MeasureKind::ALL
                .iter()
                .any(|k| k.requires() == Some(m.kind))
        })
        .collect();
    for r in &rows {
        let home_id = matched.get(r.person.as_str()).map(|(h, _)| *h);
        let home = home_id.and_then(|h| homes.get(&h));
        let checked = validate_measure(catalogue, home, &r.measure).and_then(|()| {
            match home_id.and_then(|h| chains.get(&h)) {
                Some(stored) => {
                    let mut held = stored.clone();
                    held.extend(
                        file_held
                            .iter()
                            .filter(|o| o.person == r.measure.person)
                            .map(|&o| o.clone()),
                    );
                    validate_requirement(catalogue, &held, &r.measure)
                }
                None => Ok(()),
            }
        });
        match checked {
            Ok(()) => {}
            Err(Refusal::InvalidField { field, reason }) => {
                let (key, kind) = column_of_field(&field);
                report.note(cell_error(&map, r.line, key, kind, reason));
            }
            Err(other) => report.note(FeedRowError {
                line: r.line,
                column: None,
                header: None,
                value_kind: ValueKind::Row,
                reason: other.to_string(),
            }),
        }
    }
    if report.errors_total > 0 || rows.is_empty() {
        // In file order: the cells' problems, then the catalogue's.
        report.errors.sort_by_key(|e| (e.line, e.column));
        return Ok(report);
    }
    let list = ListFile {
        file_name: &file.name,
        sha256: &sha,
        department: file.department,
        kind: file.kind,
    };
    let rows: Vec<NewListMeasure> = rows
        .into_iter()
        .map(|r| NewListMeasure {
            line: r.line,
            row_person: r.person,
            measure: r.measure,
        })
        .collect();
    report.outcome =
        Some(store_assistance::load_measure_list(&store.pool, actor, list, &rows, now).await?);
    Ok(report)
}
