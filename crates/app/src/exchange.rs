//! The data exchange with the civil-affairs low-income population platform
//! (民政低收入人口动态监测信息平台) and other systems: format
//! `dixian-exchange/1` (docs/exchange.md). A package is one record type of
//! one region — households, warnings or measures — as JSON (this module's
//! [`Package`]) or CSV (one file per type). Who may exchange is decided
//! here ([`may_exchange`]: the county's data officer, `Role::exchanges_data`),
//! for the web and the command line alike.
//!
//! Receiving: households are registered (a partner's category is not
//! adopted: it comes from identification only), measures of 民政's kinds
//! (低保, 特困, 低保边缘, 临时救助) become rows of the 民政 feed and go on the
//! chain as the feed's grants and stops do, all or nothing, idempotent by
//! the package's hash; warnings are sent, not received (a warning is the
//! result of dixian's own screening).

use crate::AppError;
use crate::feed_import::chain_rows;
use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::assistance::{Department, MeasureKind, MeasureSource, MeasureStatus};
use dixian_domain::{FeedKind, Household, IdNumber, RegionCode, RiskType, Severity, WarningStatus};
use dixian_screen::feed::{AssistanceKind, AssistanceRow, AssistanceStatus};
use dixian_screen::{FeedRow, batch_hash};
use dixian_store::audit::Change;
use dixian_store::exchange::{self as store_exchange, PageRequest};
use dixian_store::feeds::{self, BatchFile, BatchOutcome, NewFeedRow};
use dixian_store::registry_file::RowProblem;
use dixian_store::{Actor, Store, StoreError};
use serde::{Deserialize, Serialize};

/// The format this version reads and writes.
pub const FORMAT: &str = "dixian-exchange/1";

/// Most records one received package may hold.
pub const MAX_RECORDS: usize = 50_000;

/// Most problems a report lists (the rest are counted).
pub const MAX_LISTED_PROBLEMS: usize = 1_000;

/// The record types of the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordType {
    /// 农户 (with members).
    Households,
    /// 预警 (raised by dixian's screening; sent, not received).
    Warnings,
    /// 帮扶措施 / 救助记录.
    Measures,
}

impl RecordType {
    /// Every type.
    pub const ALL: [RecordType; 3] = [
        RecordType::Households,
        RecordType::Warnings,
        RecordType::Measures,
    ];

    /// Stable code (the JSON `type`, the CSV file's name).
    pub fn code(self) -> &'static str {
        match self {
            RecordType::Households => "households",
            RecordType::Warnings => "warnings",
            RecordType::Measures => "measures",
        }
    }

    /// Parses a code.
    pub fn parse(s: &str) -> Result<RecordType, AppError> {
        RecordType::ALL
            .into_iter()
            .find(|t| t.code() == s.trim())
            .ok_or_else(|| {
                refused("unknown record type: households, warnings or measures (未知记录类型)")
            })
    }
}

/// Whether `actor` may exchange data with other systems: decided here for
/// every channel (the web asks before it reads a body).
pub fn may_exchange(actor: &Actor) -> Result<(), StoreError> {
    if actor.scope.role.exchanges_data() {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

/// A measure as exchanged (one row per person-measure).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasureRecord {
    /// The sender's key of the record (its id there), for the partner's
    /// bookkeeping; a receiver matches by person, kind and day.
    pub key: String,
    /// 村代码 (12 digits).
    pub village_code: String,
    /// 户编号.
    pub household_number: String,
    /// 身份证号 of the person (empty for a household measure).
    pub person_id_number: Option<String>,
    /// 姓名 of the person.
    pub person_name: Option<String>,
    /// Measure kind (glossary code: `dibao`, `tekun`, …).
    #[schema(value_type = String)]
    pub kind: MeasureKind,
    /// Department (code).
    #[schema(value_type = String)]
    pub department: Department,
    /// Amount in 分 (per month for 低保).
    pub amount_fen: Option<i64>,
    /// Start day.
    pub starts_on: NaiveDate,
    /// End day (stopped or ended).
    pub ends_on: Option<NaiveDate>,
    /// `ongoing`, `stopped`, … (code).
    #[schema(value_type = String)]
    pub status: MeasureStatus,
    /// Where the sender had it from (code: `cadre`, `list`, `feed`).
    #[schema(value_type = String)]
    pub source: MeasureSource,
}

/// A warning as exchanged (sent only).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WarningRecord {
    /// The sender's key (warning id).
    pub key: String,
    /// 村代码.
    pub village_code: String,
    /// 户编号.
    pub household_number: String,
    /// 身份证号 of the person a person rule names.
    pub person_id_number: Option<String>,
    /// Risk type (code).
    #[schema(value_type = String)]
    pub risk_type: RiskType,
    /// The feed it came from (code).
    #[schema(value_type = String)]
    pub feed_kind: FeedKind,
    /// Rule id, and the rule set's region, name and version.
    pub rule: String,
    /// Severity (code).
    #[schema(value_type = String)]
    pub severity: Severity,
    /// Earliest and latest evidence day.
    pub first_date: NaiveDate,
    /// Latest evidence day.
    pub last_date: NaiveDate,
    /// Raised at.
    pub raised_at: DateTime<Utc>,
    /// Status (code: `open`, `attached`, `verified`, `dismissed`).
    #[schema(value_type = String)]
    pub status: WarningStatus,
}

/// One package of the format: one record type of one region.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Package {
    /// Always `dixian-exchange/1` for this version.
    pub format: String,
    /// Record type.
    #[serde(rename = "type")]
    pub record_type: RecordType,
    /// The region the records belong to (county or below).
    pub region: String,
    /// When the sender made it.
    pub generated_at: DateTime<Utc>,
    /// The records changed at or after this moment (export).
    pub since: Option<DateTime<Utc>>,
    /// The key to ask the next page with (`after`), `None` on the last.
    pub next: Option<String>,
    /// The records, each an object of the type's fields.
    #[schema(value_type = Vec<Object>)]
    pub records: Vec<serde_json::Value>,
}

fn json<T: Serialize>(v: &T) -> Result<serde_json::Value, AppError> {
    serde_json::to_value(v).map_err(|e| AppError::Stopped(e.to_string()))
}

/// The region a request names.
pub fn parse_region(region: &str) -> Result<RegionCode, AppError> {
    RegionCode::parse(region)
        .map_err(|e| StoreError::Invalid(format!("region: {e} (区划代码无效)")).into())
}

/// One page of `region`'s records of `record_type` for `actor`, audited as
/// an export of personal data (type, region, rows; never the records).
pub async fn export_page(
    store: &Store,
    actor: &Actor,
    record_type: RecordType,
    region: &RegionCode,
    page: &PageRequest,
    now: DateTime<Utc>,
) -> Result<Package, AppError> {
    may_exchange(actor)?;
    let region = &store_exchange::region_in_scope(actor, region)?;
    let limit = page.limit() as usize;
    let (records, last): (Vec<serde_json::Value>, Option<String>) = match record_type {
        RecordType::Households => {
            let rows = store_exchange::households(&store.pool, actor, region, page).await?;
            let last = rows.last().map(|h| h.household.number.clone());
            (
                rows.iter()
                    .map(|h| json(&h.household))
                    .collect::<Result<_, _>>()?,
                last,
            )
        }
        RecordType::Measures => {
            let rows = store_exchange::measures(&store.pool, actor, region, page).await?;
            let last = rows.last().map(|m| m.stored.id.to_string());
            let records = rows
                .into_iter()
                .map(|m| {
                    json(&MeasureRecord {
                        key: m.stored.id.to_string(),
                        village_code: m.village_code,
                        household_number: m.household_number,
                        person_id_number: m.stored.measure.person.map(|p| p.as_str().to_string()),
                        person_name: m.person_name,
                        kind: m.stored.measure.kind,
                        department: m.stored.measure.department,
                        amount_fen: m.stored.measure.amount_fen,
                        starts_on: m.stored.measure.starts_on,
                        ends_on: m.stored.measure.ends_on,
                        status: m.stored.measure.status,
                        source: m.stored.measure.source,
                    })
                })
                .collect::<Result<_, _>>()?;
            (records, last)
        }
        RecordType::Warnings => {
            let rows = store_exchange::warnings(&store.pool, actor, region, page).await?;
            let last = rows.last().map(|w| w.id.to_string());
            let records = rows
                .into_iter()
                .map(|w| json(&warning_record(w)))
                .collect::<Result<_, _>>()?;
            (records, last)
        }
    };
    let next = if records.len() >= limit { last } else { None };
    audit_export(store, actor, record_type, region, records.len()).await?;
    Ok(Package {
        format: FORMAT.into(),
        record_type,
        region: region.to_string(),
        generated_at: now,
        since: page.since,
        next,
        records,
    })
}

fn warning_record(w: dixian_store::warnings::WarningRow) -> WarningRecord {
    WarningRecord {
        key: w.id.to_string(),
        village_code: w.village_code,
        household_number: w.household_number,
        person_id_number: w.person_id_number,
        risk_type: w.risk_type,
        feed_kind: w.feed_kind,
        rule: format!(
            "{}@{}/{}/v{}",
            w.rule_id, w.rule_set_region, w.rule_set_name, w.rule_set_version
        ),
        severity: w.severity,
        first_date: w.first_date,
        last_date: w.last_date,
        raised_at: w.raised_at,
        status: w.status,
    }
}

async fn audit_export(
    store: &Store,
    actor: &Actor,
    record_type: RecordType,
    region: &RegionCode,
    rows: usize,
) -> Result<(), AppError> {
    let after = serde_json::json!({"format": FORMAT, "type": record_type.code(), "rows": rows});
    store_exchange::audit(
        &store.pool,
        Change {
            user_id: actor.user_id,
            action: "export",
            entity: "exchange_package",
            entity_id: format!("{}/{}", region, record_type.code()),
            region: Some(region.to_string()),
            before: None,
            after: Some(after.to_string()),
        },
    )
    .await?;
    Ok(())
}

/// A page as CSV (UTF-8 with a BOM, a header line): households in the
/// registry's layout (docs/registry-format.md, English headers so that the
/// file reads back as it was written), measures and warnings with their
/// record's field names as headers. Cells that a spreadsheet would run as
/// a formula are neutralised.
pub fn to_csv(pkg: &Package) -> Result<Vec<u8>, AppError> {
    let failed = |e: String| AppError::Stopped(format!("CSV: {e}"));
    if pkg.record_type == RecordType::Households {
        let mut w = dixian_tabular::CsvHouseholdWriter::new(
            Vec::new(),
            dixian_tabular::HeaderLanguage::English,
        )
        .map_err(|e| failed(e.to_string()))?;
        for r in &pkg.records {
            let h: Household =
                serde_json::from_value(r.clone()).map_err(|e| failed(e.to_string()))?;
            w.write(&h).map_err(|e| failed(e.to_string()))?;
        }
        return w.finish().map_err(|e| failed(e.to_string()));
    }
    let header: Vec<String> = match pkg.record_type {
        RecordType::Measures => MEASURE_COLUMNS.iter().map(|c| c.to_string()).collect(),
        _ => WARNING_COLUMNS.iter().map(|c| c.to_string()).collect(),
    };
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record(&header).map_err(|e| failed(e.to_string()))?;
    for r in &pkg.records {
        let cells: Vec<String> = header
            .iter()
            .map(|k| match &r[k.as_str()] {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => {
                    dixian_tabular::household_file::csv_safe(s).into_owned()
                }
                v => v.to_string(),
            })
            .collect();
        w.write_record(&cells).map_err(|e| failed(e.to_string()))?;
    }
    w.into_inner().map_err(|e| failed(e.to_string()))
}

/// The columns of `measures.csv`, in order (the fields of [`MeasureRecord`]).
pub const MEASURE_COLUMNS: [&str; 12] = [
    "key",
    "village_code",
    "household_number",
    "person_id_number",
    "person_name",
    "kind",
    "department",
    "amount_fen",
    "starts_on",
    "ends_on",
    "status",
    "source",
];

/// The columns of `warnings.csv`, in order (the fields of [`WarningRecord`]).
pub const WARNING_COLUMNS: [&str; 12] = [
    "key",
    "village_code",
    "household_number",
    "person_id_number",
    "risk_type",
    "feed_kind",
    "rule",
    "severity",
    "first_date",
    "last_date",
    "raised_at",
    "status",
];

/// What receiving a package did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    /// The package's SHA-256 (its identity: the same bytes twice change
    /// nothing).
    pub sha256: String,
    /// Record type.
    #[serde(rename = "type")]
    pub record_type: RecordType,
    /// Records in the package.
    pub records: usize,
    /// `stored`, `unchanged` (everything was there already: nothing
    /// written) or `rejected` (see `problems`: nothing written).
    pub outcome: &'static str,
    /// Households registered / measures' feed rows stored.
    pub stored: u64,
    /// Records already there with the same content.
    pub unchanged: u64,
    /// Measures whose person is registered nowhere in the region: kept as
    /// the feed's coverage gap (their record numbers).
    pub unplaced: Vec<usize>,
    /// Problems by record (the first 1,000): nothing was written.
    pub problems: Vec<Problem>,
    /// Problems in all.
    pub problems_total: usize,
}

/// One problem of a received package: where and why, never the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// The record's number in the package (from 1); for CSV, the line of
    /// the file (the header is line 1).
    pub line: usize,
    /// The field (JSON) or column header (CSV), when one is at fault.
    pub field: Option<String>,
    /// Why (bilingual).
    pub reason: String,
}

impl From<RowProblem> for Problem {
    fn from(p: RowProblem) -> Problem {
        Problem {
            line: p.line,
            field: p.field,
            reason: p.reason,
        }
    }
}

/// How a received package's bytes are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// A JSON [`Package`].
    Json,
    /// CSV of one record type (`households` in the registry's layout,
    /// `measures` with [`MeasureRecord`]'s fields as headers), its format
    /// version named by the caller.
    Csv(RecordType),
}

fn refused(msg: impl Into<String>) -> AppError {
    StoreError::Invalid(msg.into()).into()
}

/// Receives one package for `actor`: checked whole, then stored in one
/// transaction with one audit row naming its hash and row count — or
/// nothing is stored and the report says where and why. `format` is the
/// version a CSV body is declared in (JSON carries its own).
pub async fn import(
    store: &Store,
    actor: &Actor,
    body: Body,
    format: Option<&str>,
    bytes: Vec<u8>,
    now: DateTime<Utc>,
) -> Result<ImportReport, AppError> {
    may_exchange(actor)?;
    let sha256 = batch_hash(&bytes);
    let (record_type, records) = match body {
        Body::Json => read_json(actor, &bytes)?,
        Body::Csv(t) => {
            check_format(format.unwrap_or(""))?;
            (t, read_csv(t, bytes)?)
        }
    };
    let mut report = ImportReport {
        sha256: sha256.clone(),
        record_type,
        records: records.count(),
        outcome: "rejected",
        stored: 0,
        unchanged: 0,
        unplaced: Vec::new(),
        problems: Vec::new(),
        problems_total: 0,
    };
    match records {
        Records::Households(rows) => receive_households(store, actor, rows, &mut report).await?,
        Records::Measures(rows) => receive_measures(store, actor, rows, &mut report, now).await?,
        Records::Problems(p) => set_problems(&mut report, p),
    }
    Ok(report)
}

fn set_problems(report: &mut ImportReport, mut problems: Vec<Problem>) {
    problems.sort_by_key(|p| p.line);
    report.problems_total = problems.len();
    problems.truncate(MAX_LISTED_PROBLEMS);
    report.problems = problems;
    report.outcome = "rejected";
}

/// The records of a package, or its problems.
enum Records {
    Households(Vec<(usize, Household)>),
    Measures(Vec<(usize, MeasureRecord)>),
    Problems(Vec<Problem>),
}

impl Records {
    fn count(&self) -> usize {
        match self {
            Records::Households(r) => r.len(),
            Records::Measures(r) => r.len(),
            Records::Problems(p) => p.len(),
        }
    }
}

fn check_format(format: &str) -> Result<(), AppError> {
    if format.trim() == FORMAT {
        Ok(())
    } else {
        Err(refused(format!(
            "unsupported exchange format version (不支持的交换格式版本): this server reads {FORMAT}"
        )))
    }
}

fn read_json(actor: &Actor, bytes: &[u8]) -> Result<(RecordType, Records), AppError> {
    let pkg: Package = serde_json::from_slice(bytes).map_err(|e| {
        refused(format!(
            "not a {FORMAT} package (交换包格式错误): {}",
            crate::without_values(&e.to_string())
        ))
    })?;
    check_format(&pkg.format)?;
    let region = parse_region(&pkg.region)?;
    if !actor.scope.covers(&region) {
        return Err(StoreError::NotFound.into());
    }
    if pkg.records.len() > MAX_RECORDS {
        return Err(refused(format!(
            "a package holds at most {MAX_RECORDS} records (每个交换包最多{MAX_RECORDS}条): send it in parts"
        )));
    }
    let mut problems = Vec::new();
    let records = match pkg.record_type {
        RecordType::Warnings => {
            return Err(refused(
                "warnings are sent, not received: a partner's finding comes as a measure or a department feed (预警不接收)",
            ));
        }
        RecordType::Households => {
            let mut rows = Vec::new();
            for (i, v) in pkg.records.into_iter().enumerate() {
                match serde_json::from_value::<Household>(v) {
                    Ok(h) => rows.push((i + 1, h)),
                    Err(e) => problems.push(value_problem(i + 1, &e)),
                }
            }
            Records::Households(rows)
        }
        RecordType::Measures => {
            let mut rows = Vec::new();
            for (i, v) in pkg.records.into_iter().enumerate() {
                match serde_json::from_value::<MeasureRecord>(v) {
                    Ok(m) => rows.push((i + 1, m)),
                    Err(e) => problems.push(value_problem(i + 1, &e)),
                }
            }
            Records::Measures(rows)
        }
    };
    if problems.is_empty() {
        Ok((pkg.record_type, records))
    } else {
        Ok((pkg.record_type, Records::Problems(problems)))
    }
}

fn value_problem(line: usize, e: &serde_json::Error) -> Problem {
    Problem {
        line,
        field: None,
        reason: format!(
            "record {line}: {} (记录格式错误)",
            crate::without_values(&e.to_string())
        ),
    }
}

fn read_csv(t: RecordType, bytes: Vec<u8>) -> Result<Records, AppError> {
    match t {
        RecordType::Warnings => Err(refused("warnings are sent, not received (预警不接收)")),
        RecordType::Households => {
            let bad = |e: dixian_tabular::TabularError| refused(e.to_string());
            let table = dixian_tabular::TableReader::from_bytes(bytes).map_err(bad)?;
            let today = chrono::Local::now().date_naive();
            let reader =
                dixian_tabular::household_file::HouseholdReader::new(table, today).map_err(bad)?;
            let (mut rows, mut problems) = (Vec::new(), Vec::new());
            for item in reader {
                match item {
                    Ok(p) => rows.push((p.first_line, p.household)),
                    Err(errs) => problems.extend(errs.into_iter().map(|e| Problem {
                        line: e.line,
                        field: e.header.clone(),
                        reason: e.reason,
                    })),
                }
                if rows.len() + problems.len() > MAX_RECORDS {
                    return Err(refused(format!(
                        "a package holds at most {MAX_RECORDS} records (每个交换包最多{MAX_RECORDS}条)"
                    )));
                }
            }
            Ok(if problems.is_empty() {
                Records::Households(rows)
            } else {
                Records::Problems(problems)
            })
        }
        RecordType::Measures => {
            let text = std::str::from_utf8(&bytes)
                .map_err(|_| refused("line 1: the file is not UTF-8 (文件不是UTF-8编码)"))?;
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
            let (mut rows, mut problems) = (Vec::new(), Vec::new());
            for (i, row) in reader.deserialize::<MeasureRecord>().enumerate() {
                if i >= MAX_RECORDS {
                    return Err(refused(format!(
                        "a package holds at most {MAX_RECORDS} records (每个交换包最多{MAX_RECORDS}条)"
                    )));
                }
                match row {
                    Ok(m) => rows.push((i + 2, m)),
                    Err(e) => {
                        let line = e.position().map_or(i + 2, |p| p.line() as usize);
                        problems.push(Problem {
                            line,
                            field: None,
                            reason: format!(
                                "line {line}: {} (行格式错误)",
                                crate::without_values(&csv_reason(&e))
                            ),
                        });
                    }
                }
            }
            Ok(if problems.is_empty() {
                Records::Measures(rows)
            } else {
                Records::Problems(problems)
            })
        }
    }
}

/// The reason of a CSV error without the position (reported apart) and
/// never the value.
fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => {
            let field = err
                .field()
                .map(|f| format!("field {}: ", f + 1))
                .unwrap_or_default();
            format!("{field}{}", err.kind())
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("{len} columns where the header has {expected_len} (列数与表头不符)")
        }
        _ => "unreadable CSV (无法读取)".into(),
    }
}

async fn receive_households(
    store: &Store,
    actor: &Actor,
    rows: Vec<(usize, Household)>,
    report: &mut ImportReport,
) -> Result<(), AppError> {
    let mut problems = Vec::new();
    let rows: Vec<(usize, Household)> = rows
        .into_iter()
        .filter_map(|(line, mut h)| {
            // 监测类别 comes from identification only (docs/decisions.md).
            h.category = None;
            match h.validate() {
                Ok(()) => Some((line, h)),
                Err(e) => {
                    problems.push(Problem {
                        line,
                        field: None,
                        reason: e.to_string(),
                    });
                    None
                }
            }
        })
        .collect();
    if !problems.is_empty() {
        set_problems(report, problems);
        return Ok(());
    }
    let package = package_change(actor, report, "households");
    let got = store_exchange::receive_households(&store.pool, actor, rows, package).await?;
    if !got.problems.is_empty() {
        set_problems(
            report,
            got.problems.into_iter().map(Problem::from).collect(),
        );
        return Ok(());
    }
    report.unchanged = got.unchanged;
    report.stored = got.registered.0;
    report.outcome = if got.registered.0 == 0 {
        "unchanged"
    } else {
        "stored"
    };
    Ok(())
}

/// The package's audit row: type, hash, records (never their content).
fn package_change(actor: &Actor, report: &ImportReport, what: &str) -> Change {
    Change {
        user_id: actor.user_id,
        action: "import",
        entity: "exchange_package",
        entity_id: report.sha256.clone(),
        region: Some(actor.scope.region.to_string()),
        before: None,
        after: Some(
            serde_json::json!({"format": FORMAT, "type": what, "sha256": report.sha256, "rows": report.records})
                .to_string(),
        ),
    }
}

/// The 民政 kind of a measure kind, for the kinds 民政 grants.
fn civil_affairs_kind(kind: MeasureKind) -> Option<AssistanceKind> {
    match kind {
        MeasureKind::Dibao => Some(AssistanceKind::Dibao),
        MeasureKind::Tekun => Some(AssistanceKind::Tekun),
        MeasureKind::TemporaryRelief => Some(AssistanceKind::Temporary),
        MeasureKind::DibaoEdge => Some(AssistanceKind::DibaoMarginal),
        _ => None,
    }
}

/// Measures of 民政's kinds become rows of the 民政 feed (a grant, and a
/// stop when the record ended), loaded as one batch whose identity is the
/// package's hash: the feed's path puts them on the chain, matches persons
/// in the region, counts the unplaced, and writes one audit row.
async fn receive_measures(
    store: &Store,
    actor: &Actor,
    rows: Vec<(usize, MeasureRecord)>,
    report: &mut ImportReport,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut problems = Vec::new();
    let mut feed: Vec<(usize, FeedRow)> = Vec::new();
    let mut record_of_line = Vec::new();
    for (line, m) in rows {
        let problem = |field: &str, reason: String| Problem {
            line,
            field: Some(field.to_string()),
            reason,
        };
        let Some(kind) = civil_affairs_kind(m.kind) else {
            problems.push(problem(
                "kind",
                "only 民政's assistance (dibao, tekun, dibao_edge, temporary_relief) is received; other measures are recorded by the county (只接收民政救助记录)".into(),
            ));
            continue;
        };
        match RegionCode::parse(&m.village_code) {
            Ok(v) if actor.scope.covers(&v) => {}
            Ok(_) => {
                problems.push(problem(
                    "village_code",
                    "outside your region (不在您的管辖范围)".into(),
                ));
                continue;
            }
            Err(e) => {
                problems.push(problem("village_code", format!("{e} (村代码无效)")));
                continue;
            }
        }
        let Some(id_number) = m
            .person_id_number
            .as_deref()
            .and_then(|s| s.trim().parse::<IdNumber>().ok())
        else {
            problems.push(problem(
                "person_id_number",
                "a valid ID number of the person is required (身份证号缺失或无效)".into(),
            ));
            continue;
        };
        let name = m.person_name.clone().unwrap_or_default();
        if name.trim().is_empty() {
            problems.push(problem(
                "person_name",
                "the name is required (姓名必填)".into(),
            ));
            continue;
        }
        let amount_fen = m.amount_fen.unwrap_or(0);
        if amount_fen < 0 || m.ends_on.is_some_and(|e| e < m.starts_on) {
            problems.push(problem(
                "amount_fen",
                "negative amount or an end before the start (金额为负或结束早于开始)".into(),
            ));
            continue;
        }
        let row = |status, date| {
            FeedRow::Assistance(AssistanceRow {
                id_number: id_number.clone(),
                name: name.clone(),
                assistance_kind: kind,
                status,
                amount_fen,
                date,
            })
        };
        record_of_line.push(line);
        feed.push((feed.len() + 1, row(AssistanceStatus::Granted, m.starts_on)));
        if let (Some(end), MeasureStatus::Stopped) = (m.ends_on, m.status) {
            record_of_line.push(line);
            feed.push((feed.len() + 1, row(AssistanceStatus::Stopped, end)));
        }
    }
    if !problems.is_empty() {
        set_problems(report, problems);
        return Ok(());
    }
    if feed.is_empty() {
        set_problems(
            report,
            vec![Problem {
                line: 1,
                field: None,
                reason: "the package holds no record (交换包中没有记录)".into(),
            }],
        );
        return Ok(());
    }
    let new_rows: Vec<NewFeedRow<&FeedRow>> = feed
        .iter()
        .map(|(line, row)| NewFeedRow {
            line: *line,
            id_number: row.id_number().cloned(),
            village: None,
            event_date: row.date(),
            payload: row,
        })
        .collect();
    let file_name = format!("{FORMAT} measures");
    let batch = BatchFile {
        kind: dixian_screen::FeedKind::Assistance,
        file_name: &file_name,
        sha256: &report.sha256,
        idempotency_key: None,
    };
    let attach = chain_rows(&feed);
    match feeds::load_batch(&store.pool, actor, batch, &new_rows, &attach, now).await? {
        BatchOutcome::AlreadyLoaded { .. } => {
            report.outcome = "unchanged";
            report.unchanged = report.records as u64;
        }
        BatchOutcome::Loaded(s) => {
            report.stored = s.rows;
            report.unchanged = s.duplicates;
            let mut unplaced: Vec<usize> = s
                .unknown_lines
                .iter()
                .filter_map(|l| record_of_line.get(l - 1).copied())
                .collect();
            unplaced.dedup();
            report.unplaced = unplaced;
            report.outcome = if s.rows == 0 { "unchanged" } else { "stored" };
        }
    }
    Ok(())
}
