//! Every page list as a workbook (导出Excel): which rows (the page's own
//! filter, read through the same scope-filtered store reads), which
//! columns, and what is masked — decided here, once, for the web and the
//! command line. Interfaces only hand the bytes over.
//!
//! - Rows are those of the page with the same query: the household list,
//!   the warnings, the inbox (待办), the overdue list, a region's figures
//!   per child region, a what-if's counts, a file's row report.
//! - ID numbers and phones are masked exactly as the page shows them (a
//!   list is never revealed); names as the page shows them for the role
//!   (`views::name_for` on the overdue list). No list carries a diagnosis.
//! - A list longer than [`ExportLimits::max_rows`] (`[exports] max_rows`)
//!   is refused before anything is built ([`Refusal::TooManyRows`]):
//!   narrow the filter. A row report is cut at the cap with a last line
//!   saying how many problems were left out.
//! - Each list with personal data taken out (households, warnings, inbox,
//!   overdue) is one audit row (`action = export`, the list, the region,
//!   the row count; never values).

use crate::views::{HouseholdLine, mask_id, name_for};
use crate::{AppError, WhatIf};
use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::{Category, RegionCode, RegionLevel, RiskType};
use dixian_screen::FeedKind;
use dixian_store::households::{self, HouseholdFilter};
use dixian_store::privacy::{self, Exported};
use dixian_store::registry_file::RowProblem;
use dixian_store::warnings::{self, WarningFilter};
use dixian_store::{Actor, Refusal, Store, StoreError};
use dixian_tabular::{TableSheet, table_xlsx};

/// Rows an export may hold unless configured otherwise.
pub const DEFAULT_MAX_ROWS: u64 = 20_000;

/// Rows read from the store at a time while a list is gathered.
const CHUNK: i64 = 200;

/// The operational bound of every export (`[exports]` of the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportLimits {
    /// The most rows one workbook holds; a longer list is refused.
    pub max_rows: u64,
}

impl Default for ExportLimits {
    fn default() -> ExportLimits {
        ExportLimits {
            max_rows: DEFAULT_MAX_ROWS,
        }
    }
}

impl ExportLimits {
    /// `TooManyRows` when `rows` exceed the cap.
    pub fn check(&self, rows: u64) -> Result<(), AppError> {
        if rows > self.max_rows {
            return Err(StoreError::Refused(Refusal::TooManyRows {
                rows,
                max: self.max_rows,
            })
            .into());
        }
        Ok(())
    }
}

macro_rules! bilingual_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident => $zh:literal, $en:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($(#[$vm])* $v),+ }
        impl $name {
            /// Chinese label.
            pub fn label_zh(self) -> &'static str { match self { $($name::$v => $zh),+ } }
            /// English label.
            pub fn label_en(self) -> &'static str { match self { $($name::$v => $en),+ } }
        }
    };
}

bilingual_enum!(
    /// Which list a workbook holds: its title and file name.
    ListKind {
        /// 农户名单
        Households => "农户名单", "Households";
        /// 预警列表
        Warnings => "预警列表", "Warnings";
        /// 待办
        Inbox => "待办事项", "Inbox";
        /// 超期督办
        Overdue => "超期督办", "Overdue cases";
        /// 区域统计
        RegionFigures => "区域统计", "Region figures";
        /// 规则试算
        WhatIf => "规则试算结果", "What-if results";
        /// 导入错误报告
        ImportErrors => "导入错误报告", "Import error report";
    }
);

impl ListKind {
    /// The audit row's entity of an export of this list.
    pub fn audit_entity(self) -> &'static str {
        match self {
            ListKind::Households => "households_list",
            ListKind::Warnings => "warnings_list",
            ListKind::Inbox => "inbox_list",
            ListKind::Overdue => "overdue_list",
            ListKind::RegionFigures => "figures",
            ListKind::WhatIf => "whatif",
            ListKind::ImportErrors => "row_report",
        }
    }

    /// The file name's stem and the audit row's entity.
    pub fn code(self) -> &'static str {
        match self {
            ListKind::Households => "households",
            ListKind::Warnings => "warnings",
            ListKind::Inbox => "inbox",
            ListKind::Overdue => "overdue",
            ListKind::RegionFigures => "figures",
            ListKind::WhatIf => "whatif",
            ListKind::ImportErrors => "errors",
        }
    }
}

bilingual_enum!(
    /// A column of an exported list; its header in both languages.
    Column {
        /// 村
        Village => "村", "Village";
        /// 户编号
        Number => "户编号", "Household no.";
        /// 户主
        Head => "户主", "Head";
        /// 户主身份证号 (masked)
        HeadId => "户主身份证号", "Head's ID number";
        /// 人口数
        Members => "人口数", "Members";
        /// 监测类别
        Category => "监测类别", "Category";
        /// 原建档立卡
        FormerlyPoor => "原建档立卡", "Formerly registered poor";
        /// 人均纯收入
        IncomePerPerson => "人均纯收入(元/年)", "Income per person (yuan/year)";
        /// 住房安全等级
        Housing => "住房等级", "Housing grade";
        /// 预警编号
        WarningId => "预警编号", "Warning no.";
        /// 当事人身份证号 (masked)
        PersonId => "当事人身份证号", "Person's ID number";
        /// 风险类型
        Risk => "风险类型", "Risk type";
        /// 严重程度
        Severity => "严重程度", "Severity";
        /// 规则
        Rule => "规则", "Rule";
        /// 数据日期
        Dates => "数据日期", "Dates";
        /// 证据行数
        EvidenceRows => "证据行数", "Evidence rows";
        /// 状态
        Status => "状态", "Status";
        /// 事项类型
        ItemKind => "事项", "Item";
        /// 编号 (case number or lead reference)
        Reference => "编号", "Reference";
        /// 环节 (stage or channel)
        Stage => "环节", "Stage";
        /// 起始时间
        Since => "起始时间", "Since";
        /// 办理期限
        Due => "办理期限", "Due";
        /// 是否超期
        IsOverdue => "是否超期", "Overdue";
        /// 说明
        Note => "说明", "Note";
        /// 乡镇
        Township => "乡镇", "Township";
        /// 超期天数
        DaysOver => "超期天数", "Days overdue";
        /// 督办层级
        EscalateTo => "督办层级", "Escalated to";
        /// 区划代码
        RegionCode => "区划代码", "Region code";
        /// 区划名称
        RegionName => "区划名称", "Region";
        /// 户数
        Households => "户数", "Households";
        /// 人数
        Persons => "人数", "Persons";
        /// 监测户数
        Monitored => "监测户数", "Monitored households";
        /// 现行规则预警数
        Current => "现行规则预警数", "Warnings (rules in force)";
        /// 草案预警数
        Draft => "草案预警数", "Warnings (draft)";
        /// 变化
        Change => "变化", "Change";
        /// 行号
        Line => "行号", "Line";
        /// 列号
        ColumnNo => "列号", "Column";
        /// 字段
        Field => "字段", "Field";
        /// 原因
        Reason => "原因", "Reason";
    }
);

/// A cell as the page shows it, in either language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// The same text in both languages (numbers, dates, names, masked IDs).
    Text(String),
    /// A label in Chinese and in English.
    Label(&'static str, &'static str),
    /// A bilingual text written `English (中文)` by a lower layer.
    Pair(String),
}

impl Cell {
    fn text(s: impl ToString) -> Cell {
        Cell::Text(s.to_string())
    }

    fn yes_no(b: bool) -> Cell {
        if b {
            Cell::Label("是", "yes")
        } else {
            Cell::Label("否", "no")
        }
    }

    fn dash() -> Cell {
        Cell::Text("—".into())
    }

    /// The cell in Chinese (`english == false`) or English.
    pub fn shown(&self, english: bool) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Label(zh, en) => if english { *en } else { *zh }.to_string(),
            Cell::Pair(s) => of_pair(s, english).to_string(),
        }
    }
}

/// The half of `English (中文)` in the language asked; the whole text
/// when it is not of that form.
fn of_pair(text: &str, english: bool) -> &str {
    let Some(open) = text.rfind(" (") else {
        return text;
    };
    let Some(inner) = text[open + 2..].strip_suffix(')') else {
        return text;
    };
    if inner.is_empty() || open == 0 {
        return text;
    }
    if english { &text[..open] } else { inner }
}

/// A list ready to be written: what, where, the columns and the rows.
#[derive(Debug, Clone)]
pub struct ExportTable {
    /// Which list.
    pub kind: ListKind,
    /// The region it covers (the filter's, else the actor's scope).
    pub region: String,
    /// The columns.
    pub columns: Vec<Column>,
    /// The rows, a cell per column.
    pub rows: Vec<Vec<Cell>>,
    /// Extra words of the title (the day, the period).
    pub subtitle: String,
}

impl ExportTable {
    /// The workbook: title row, headers and cells in Chinese, or in
    /// English when `english`; every cell text.
    pub fn xlsx(&self, english: bool) -> Result<Vec<u8>, AppError> {
        let pick = |zh: &'static str, en: &'static str| if english { en } else { zh };
        let headers: Vec<&str> = self
            .columns
            .iter()
            .map(|c| pick(c.label_zh(), c.label_en()))
            .collect();
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| r.iter().map(|c| c.shown(english)).collect())
            .collect();
        let name = pick(self.kind.label_zh(), self.kind.label_en());
        let title = if self.subtitle.is_empty() {
            format!("{name} · {}", self.region)
        } else {
            format!("{name} · {} · {}", self.region, self.subtitle)
        };
        table_xlsx(&TableSheet {
            name,
            title: &title,
            headers: &headers,
            rows: &rows,
        })
        .map_err(|e| AppError::Store(StoreError::Invalid(e.to_string())))
    }

    /// `households-520526001001.xlsx`
    pub fn file_name(&self) -> String {
        format!("{}-{}.xlsx", self.kind.code(), self.region)
    }
}

/// The region a list covers, for its title and its audit row: the filter's
/// region when it lies in the scope, else the scope.
fn covered(actor: &Actor, filter: Option<&str>) -> RegionCode {
    filter
        .filter(|r| !r.trim().is_empty())
        .and_then(|r| RegionCode::parse(r.trim()).ok())
        .filter(|r| actor.scope.region.contains(r))
        .unwrap_or_else(|| actor.scope.region.clone())
}

async fn audit(
    store: &Store,
    actor: &Actor,
    kind: ListKind,
    region: &RegionCode,
    rows: usize,
) -> Result<(), AppError> {
    privacy::record_export(
        &store.pool,
        actor,
        Exported::List(kind.audit_entity()),
        region,
        rows as u64,
        "xlsx",
        None,
    )
    .await?;
    Ok(())
}

/// The household list (`/households` with the same `region`, `name`,
/// `category`, `id_number`, `formerly_poor`): every page of it, in the
/// page's order, the head's ID number masked. A filter outside the scope
/// gives no rows (as the page shows none).
pub async fn households(
    store: &Store,
    actor: &Actor,
    filter: &HouseholdFilter,
    limits: ExportLimits,
) -> Result<ExportTable, AppError> {
    let mut f = filter.clone();
    f.page = Some(1);
    f.per_page = Some(1);
    let (_, total) = households::list(&store.pool, actor, &f).await?;
    limits.check(total.max(0) as u64)?;
    let mut rows = Vec::new();
    let mut page = 1;
    f.per_page = Some(CHUNK);
    while (rows.len() as i64) < total {
        f.page = Some(page);
        let (chunk, _) = households::list(&store.pool, actor, &f).await?;
        if chunk.is_empty() {
            break;
        }
        for r in chunk {
            // A list is never revealed: the line masks the head's ID number.
            let l = HouseholdLine::of(r);
            rows.push(vec![
                Cell::text(&l.village_name),
                Cell::text(&l.number),
                Cell::text(&l.head_name),
                Cell::text(&l.head_id_number),
                Cell::text(l.member_count),
                l.category
                    .as_deref()
                    .and_then(Category::parse)
                    .map_or_else(Cell::dash, |c| Cell::Label(c.label_zh(), c.label_en())),
                Cell::yes_no(l.formerly_poor),
                Cell::text(l.income_per_person),
                Cell::text(&l.housing),
            ]);
        }
        page += 1;
    }
    rows.truncate(limits.max_rows as usize);
    let region = covered(actor, filter.region.as_deref());
    audit(store, actor, ListKind::Households, &region, rows.len()).await?;
    Ok(ExportTable {
        kind: ListKind::Households,
        region: region.to_string(),
        columns: vec![
            Column::Village,
            Column::Number,
            Column::Head,
            Column::HeadId,
            Column::Members,
            Column::Category,
            Column::FormerlyPoor,
            Column::IncomePerPerson,
            Column::Housing,
        ],
        rows,
        subtitle: String::new(),
    })
}

fn status_label(s: dixian_domain::WarningStatus) -> Cell {
    use dixian_domain::WarningStatus as S;
    match s {
        S::Open => Cell::Label("待核实", "open"),
        S::Attached => Cell::Label("已并入案件", "attached to case"),
        S::Verified => Cell::Label("已核实", "verified"),
        S::Dismissed => Cell::Label("已排除", "dismissed"),
    }
}

/// The warning list (`/warnings` with the same `region`, `risk`,
/// `severity`, `status`): every page, the person's ID number masked. A
/// list carries no evidence, so no diagnosis reaches it.
pub async fn warnings(
    store: &Store,
    actor: &Actor,
    filter: &WarningFilter,
    limits: ExportLimits,
) -> Result<ExportTable, AppError> {
    let mut f = filter.clone();
    f.page = Some(1);
    f.per_page = Some(1);
    let (_, total) = warnings::list(&store.pool, actor, &f).await?;
    limits.check(total.max(0) as u64)?;
    let mut rows = Vec::new();
    f.page = None;
    f.after = None;
    f.per_page = Some(CHUNK);
    while (rows.len() as i64) < total {
        // By keyset: each chunk starts after the last row of the one before.
        let (chunk, _) = warnings::list(&store.pool, actor, &f).await?;
        let Some(last) = chunk.last() else {
            break;
        };
        f.after = Some(warnings::cursor(last));
        for w in chunk {
            rows.push(vec![
                Cell::text(w.id),
                Cell::text(&w.village_code),
                Cell::text(&w.household_number),
                Cell::text(&w.head_name),
                Cell::text(
                    w.person_id_number
                        .as_deref()
                        .map(mask_id)
                        .unwrap_or_default(),
                ),
                Cell::Label(w.risk_type.label_zh(), w.risk_type.label_en()),
                Cell::Label(w.severity.label_zh(), w.severity.label_en()),
                Cell::text(format!(
                    "{} · {} v{}",
                    w.rule_id, w.rule_set_name, w.rule_set_version
                )),
                Cell::text(if w.first_date == w.last_date {
                    w.first_date.to_string()
                } else {
                    format!("{} – {}", w.first_date, w.last_date)
                }),
                Cell::text(w.evidence_rows),
                status_label(w.status),
            ]);
        }
    }
    rows.truncate(limits.max_rows as usize);
    let region = covered(actor, filter.region.as_deref());
    audit(store, actor, ListKind::Warnings, &region, rows.len()).await?;
    Ok(ExportTable {
        kind: ListKind::Warnings,
        region: region.to_string(),
        columns: vec![
            Column::WarningId,
            Column::Village,
            Column::Number,
            Column::Head,
            Column::PersonId,
            Column::Risk,
            Column::Severity,
            Column::Rule,
            Column::Dates,
            Column::EvidenceRows,
            Column::Status,
        ],
        rows,
        subtitle: String::new(),
    })
}

/// A time as the pages show it: China time, to the minute.
fn china_time(t: DateTime<Utc>) -> String {
    (t + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The inbox (待办) as the page shows it: the cases waiting on the actor's
/// level, then the unmatched declarations (declarants never in the file:
/// the page lists their reference, channel, village and note only).
pub async fn inbox(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    policies: &crate::rules::Policies,
    limits: ExportLimits,
) -> Result<ExportTable, AppError> {
    let inbox = crate::cases::inbox(store, actor, now, policies, None).await?;
    limits.check((inbox.cases.len() + inbox.leads.len()) as u64)?;
    let mut rows = Vec::new();
    for c in &inbox.cases {
        rows.push(vec![
            Cell::Label("案件", "case"),
            Cell::text(format!("#{}", c.case_id)),
            Cell::text(&c.household_number),
            Cell::text(&c.head_name),
            Cell::text(&c.village_code),
            Cell::Label(c.stage.label_zh(), c.stage.label_en()),
            Cell::text(china_time(c.stage_entered_at)),
            c.due_on.map_or_else(Cell::dash, Cell::text),
            Cell::yes_no(c.overdue.is_some()),
            Cell::text(""),
        ]);
    }
    for l in &inbox.leads {
        rows.push(vec![
            Cell::Label("线索", "lead"),
            Cell::text(&l.reference),
            Cell::dash(),
            Cell::dash(),
            Cell::text(&l.village_code),
            Cell::Label(l.channel.label_zh(), l.channel.label_en()),
            Cell::text(china_time(l.created_at)),
            Cell::dash(),
            Cell::yes_no(false),
            Cell::text(&l.note),
        ]);
    }
    let region = actor.scope.region.clone();
    audit(store, actor, ListKind::Inbox, &region, rows.len()).await?;
    Ok(ExportTable {
        kind: ListKind::Inbox,
        region: region.to_string(),
        columns: vec![
            Column::ItemKind,
            Column::Reference,
            Column::Number,
            Column::Head,
            Column::Village,
            Column::Stage,
            Column::Since,
            Column::Due,
            Column::IsOverdue,
            Column::Note,
        ],
        rows,
        subtitle: dixian_domain::case::china_date(now).to_string(),
    })
}

fn level_label(l: RegionLevel) -> Cell {
    match l {
        RegionLevel::Village => Cell::Label("村级", "village"),
        RegionLevel::Township => Cell::Label("乡镇级", "township"),
        _ => Cell::Label("县级", "county"),
    }
}

/// The overdue list (超期督办) as the page shows it: per township, longest
/// overdue first; the head's name as the role sees it on the page.
pub async fn overdue(
    store: &Store,
    actor: &Actor,
    now: DateTime<Utc>,
    policies: &crate::rules::Policies,
    limits: ExportLimits,
) -> Result<ExportTable, AppError> {
    let list = crate::cases::overdue(store, actor, now, policies).await?;
    limits.check(list.iter().map(|t| t.cases.len() as u64).sum())?;
    let role = actor.scope.role;
    let mut rows = Vec::new();
    for t in &list {
        let township = if t.township_name.is_empty() {
            t.township_code.clone()
        } else {
            t.township_name.clone()
        };
        for c in &t.cases {
            rows.push(vec![
                Cell::text(&township),
                Cell::text(&c.village_name),
                Cell::text(format!("#{}", c.case_id)),
                Cell::text(&c.household_number),
                Cell::text(name_for(role, &c.head_name)),
                Cell::Label(c.stage.label_zh(), c.stage.label_en()),
                Cell::text(c.overdue.deadline),
                Cell::text(c.overdue.days_over),
                level_label(c.overdue.escalate_to),
            ]);
        }
    }
    let region = actor.scope.region.clone();
    audit(store, actor, ListKind::Overdue, &region, rows.len()).await?;
    Ok(ExportTable {
        kind: ListKind::Overdue,
        region: region.to_string(),
        columns: vec![
            Column::Township,
            Column::Village,
            Column::Reference,
            Column::Number,
            Column::Head,
            Column::Stage,
            Column::Due,
            Column::DaysOver,
            Column::EscalateTo,
        ],
        rows,
        subtitle: dixian_domain::case::china_date(now).to_string(),
    })
}

/// A region's figures as its page shows them: per child region
/// households, persons and monitored households (counted inside the
/// actor's scope), then the total. Counts only: not audited; bounded by
/// the division table (a region's children), so the row cap does not
/// apply.
pub async fn region_figures(
    store: &Store,
    actor: &Actor,
    book: &dixian_screen::RuleBook,
    code: &str,
    today: chrono::NaiveDate,
) -> Result<ExportTable, AppError> {
    let v = crate::registry::region(store, actor, book, code, today).await?;
    let mut rows: Vec<Vec<Cell>> = v
        .children
        .iter()
        .map(|c| {
            vec![
                Cell::text(&c.region.code),
                Cell::text(&c.region.name),
                Cell::text(c.households),
                Cell::text(c.persons),
                Cell::text(c.monitored),
            ]
        })
        .collect();
    let sum = |f: fn(&crate::registry::ChildCount) -> i64| v.children.iter().map(f).sum::<i64>();
    rows.push(vec![
        Cell::text(&v.region.code),
        Cell::Label("合计", "Total"),
        Cell::text(sum(|c| c.households)),
        Cell::text(sum(|c| c.persons)),
        Cell::text(sum(|c| c.monitored)),
    ]);
    Ok(ExportTable {
        kind: ListKind::RegionFigures,
        region: v.region.code.clone(),
        columns: vec![
            Column::RegionCode,
            Column::RegionName,
            Column::Households,
            Column::Persons,
            Column::Monitored,
        ],
        rows,
        subtitle: v.region.name.clone(),
    })
}

/// A what-if's counts per township and risk type (current, draft,
/// change), then the totals: counts only, not audited; bounded by the
/// county's townships times the risk types, so the row cap does not
/// apply.
pub fn what_if(
    result: &WhatIf,
    region: &RegionCode,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<ExportTable, AppError> {
    let mut rows: Vec<Vec<Cell>> = result
        .counts
        .iter()
        .map(|((town, risk), (cur, draft))| {
            vec![
                Cell::text(town),
                RiskType::parse(risk).map_or_else(
                    || Cell::text(risk),
                    |r| Cell::Label(r.label_zh(), r.label_en()),
                ),
                Cell::text(cur),
                Cell::text(draft),
                Cell::text(*draft as i64 - *cur as i64),
            ]
        })
        .collect();
    let (cur, draft) = result.totals();
    rows.push(vec![
        Cell::Label("合计", "Total"),
        Cell::text(""),
        Cell::text(cur),
        Cell::text(draft),
        Cell::text(draft as i64 - cur as i64),
    ]);
    Ok(ExportTable {
        kind: ListKind::WhatIf,
        region: region.to_string(),
        columns: vec![
            Column::Township,
            Column::Risk,
            Column::Current,
            Column::Draft,
            Column::Change,
        ],
        rows,
        subtitle: format!("{from} – {to}"),
    })
}

/// A file's row report: every problem by line, column, field and reason
/// (never the cell's content), cut at the cap with a last line naming
/// how many were left out — the report is bounded whatever the file.
pub fn row_report(
    problems: &[RowProblem],
    total: usize,
    region: &str,
    file: &str,
    limits: ExportLimits,
) -> ExportTable {
    let kept = problems.len().min(limits.max_rows as usize);
    let mut rows: Vec<Vec<Cell>> = problems[..kept]
        .iter()
        .map(|p| {
            vec![
                Cell::text(p.line),
                p.column.map_or_else(|| Cell::text(""), Cell::text),
                Cell::text(p.field.clone().unwrap_or_default()),
                Cell::Pair(p.reason.clone()),
            ]
        })
        .collect();
    let left_out = total.saturating_sub(kept);
    if left_out > 0 {
        rows.push(vec![
            Cell::text("…"),
            Cell::text(""),
            Cell::text(""),
            Cell::Pair(format!(
                "{left_out} more problems not listed; correct these and check the file again \
                 (另有{left_out}处问题未列出，请先改正以上问题后重新检查)"
            )),
        ]);
    }
    ExportTable {
        kind: ListKind::ImportErrors,
        region: region.to_string(),
        columns: vec![
            Column::Line,
            Column::ColumnNo,
            Column::Field,
            Column::Reason,
        ],
        rows,
        subtitle: file.to_string(),
    }
}

/// A department file checked without storing anything: its row report
/// (the first `MAX_KEPT_ERRORS` problems of the parse; `errors_total`
/// counts them all). Only roles that load feeds may.
pub async fn feed_errors(
    actor: &Actor,
    kind: FeedKind,
    file: &str,
    bytes: Vec<u8>,
    now: DateTime<Utc>,
    limits: ExportLimits,
) -> Result<ExportTable, AppError> {
    crate::may_load_feeds(actor)?;
    let today = dixian_domain::case::china_date(now);
    let parse =
        crate::blocking(move || Ok(dixian_screen::feed::parse_feed_bytes(kind, bytes, today)))
            .await?;
    let problems: Vec<RowProblem> = parse
        .errors
        .iter()
        .map(|e| RowProblem {
            line: e.line,
            column: e.column,
            field: e.header.clone(),
            reason: e.reason.clone(),
        })
        .collect();
    Ok(row_report(
        &problems,
        parse.errors_total,
        actor.scope.region.as_str(),
        file,
        limits,
    ))
}

/// What a printed household sheet (the card to print, the 入户核查表)
/// carries: the card as the reader is shown it, never revealed (ID
/// numbers and phones masked on paper for every role), the risk types of
/// its current case and that case's stage (none for a role that reads no
/// cases). The sheets print no health details and no phones.
#[derive(Debug, Clone)]
pub struct HouseholdSheet {
    /// The card, masked.
    pub card: crate::registry::HouseholdCard,
    /// Risk types of the household's current case.
    pub risks: Vec<RiskType>,
    /// The stage of its latest case, if the reader reads cases.
    pub stage: Option<dixian_domain::case::CaseStage>,
}

/// The household `id` for a printed sheet: read through the scope filter
/// (`NotFound` outside it, `Forbidden` for a role that reads none).
pub async fn household_sheet(
    store: &Store,
    actor: &Actor,
    id: i64,
    today: NaiveDate,
) -> Result<HouseholdSheet, AppError> {
    let card = crate::registry::card(store, actor, id, None, today).await?;
    let risks = crate::assistance::household_risks(store, actor, id)
        .await
        .unwrap_or_default();
    let stage = card
        .cases
        .as_ref()
        .and_then(|c| c.last())
        .map(|c| c.case.stage);
    Ok(HouseholdSheet { card, risks, stage })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_split_by_language() {
        let c = Cell::Pair("bad date (日期无效)".into());
        assert_eq!(c.shown(false), "日期无效");
        assert_eq!(c.shown(true), "bad date");
        assert_eq!(Cell::Pair("plain".into()).shown(false), "plain");
    }

    #[test]
    fn the_cap_refuses_above_and_keeps_at() {
        let l = ExportLimits { max_rows: 3 };
        assert!(l.check(3).is_ok());
        assert!(matches!(
            l.check(4),
            Err(AppError::Store(StoreError::Refused(Refusal::TooManyRows {
                rows: 4,
                max: 3
            })))
        ));
    }

    #[test]
    fn a_row_report_is_cut_at_the_cap_and_says_so() {
        let problems: Vec<RowProblem> = (2..12)
            .map(|line| RowProblem {
                line,
                column: Some(3),
                field: Some("身份证号".into()),
                reason: "check digit wrong (校验码错误)".into(),
            })
            .collect();
        let t = row_report(
            &problems,
            25,
            "520526",
            "f.csv",
            ExportLimits { max_rows: 4 },
        );
        assert_eq!(t.rows.len(), 5);
        assert_eq!(t.rows[0][0].shown(false), "2");
        assert!(t.rows[4][3].shown(false).contains("21"));
    }
}
