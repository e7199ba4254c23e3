//! 存量监测对象导入 as a use case: the county's list of households it
//! monitored before dixian (CSV UTF-8/GB18030 or XLSX, Chinese or English
//! headers) goes straight into the monitored stage with the original
//! identification days. Every bad line is reported with its line and
//! column; one bad line changes nothing.

use crate::AppError;
use crate::rules::Policies;
use chrono::{DateTime, Utc};
use dixian_domain::{Category, RiskType};
use dixian_store::cases::{self, MigrationOutcome, MonitoredEntry};
use dixian_store::{Actor, Store};
use dixian_tabular::{ColumnSpec, HeaderMap, TableReader, parse_date};

/// The columns of the list.
pub const MIGRATION_COLUMNS: &[ColumnSpec] = &[
    ColumnSpec {
        key: "number",
        aliases: &["户号", "家庭编号"],
        zh: "户编号",
        en: "household_number",
        required: true,
    },
    ColumnSpec {
        key: "category",
        aliases: &["监测类别", "类别", "对象类别"],
        zh: "监测对象类别",
        en: "category",
        required: true,
    },
    ColumnSpec {
        key: "risk_types",
        aliases: &["主要风险类型", "风险类别", "致贫返贫风险"],
        zh: "风险类型",
        en: "risk_types",
        required: true,
    },
    ColumnSpec {
        key: "identified_on",
        aliases: &["识别日期", "纳入日期", "纳入监测日期", "认定时间"],
        zh: "认定日期",
        en: "identified_on",
        required: true,
    },
];

/// One problem of the list: where, and why (no cell contents quoted).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LineError {
    /// 1-based line (the header is line 1); 0 for the file as a whole.
    pub line: usize,
    /// The column's header as written in the file, if one column.
    pub column: Option<String>,
    /// Why, in both languages.
    pub reason: String,
}

/// What the import did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MigrationReport {
    /// Households brought in (0 when any line was refused).
    pub migrated: usize,
    /// Draft plans proposed for them (一户一策; none without a catalogue in force).
    pub plans_proposed: usize,
    /// Every problem found; nothing was written when there is one.
    pub errors: Vec<LineError>,
}

/// Reads the list and brings it in as `actor` (a county admin), with the
/// workflow numbers of the rule book in force.
pub async fn migrate_list(
    store: &Store,
    actor: &Actor,
    bytes: Vec<u8>,
    note: &str,
    now: DateTime<Utc>,
) -> Result<MigrationReport, AppError> {
    let (entries, lines, errors) = crate::blocking(move || Ok(read_list(bytes))).await?;
    if !errors.is_empty() {
        return Ok(MigrationReport {
            migrated: 0,
            plans_proposed: 0,
            errors,
        });
    }
    let policies = Policies(std::sync::Arc::new(crate::rule_book(store, now).await?));
    let out = cases::migrate(&store.pool, actor, &entries, note, now, &policies).await?;
    Ok(match out {
        MigrationOutcome::Migrated(ids) => {
            // Each newly monitored household gets its draft plan.
            let mut plans_proposed = 0;
            for id in &ids {
                let case = cases::get_case(&store.pool, actor, *id).await?;
                let plan = crate::cases::propose_plan(store, actor, &case, now, &policies).await?;
                plans_proposed += usize::from(plan.is_some());
            }
            MigrationReport {
                migrated: ids.len(),
                plans_proposed,
                errors: Vec::new(),
            }
        }
        MigrationOutcome::Refused(issues) => MigrationReport {
            migrated: 0,
            plans_proposed: 0,
            errors: issues
                .into_iter()
                .map(|i| LineError {
                    line: lines.get(i.index).copied().unwrap_or(0),
                    column: None,
                    reason: i.reason,
                })
                .collect(),
        },
    })
}

type Read = (Vec<MonitoredEntry>, Vec<usize>, Vec<LineError>);

/// Parses the file: entries with their lines, or every line's problem.
fn read_list(bytes: Vec<u8>) -> Read {
    let whole = |reason: String| LineError {
        line: 0,
        column: None,
        reason,
    };
    let reader = match TableReader::from_bytes(bytes) {
        Ok(r) => r,
        Err(e) => return (Vec::new(), Vec::new(), vec![whole(e.to_string())]),
    };
    let map = match HeaderMap::resolve(reader.headers(), MIGRATION_COLUMNS) {
        Ok(m) => m,
        Err(e) => return (Vec::new(), Vec::new(), vec![whole(e.to_string())]),
    };
    let (mut entries, mut lines, mut errors) = (Vec::new(), Vec::new(), Vec::new());
    for rec in reader {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(whole(e.to_string()));
                continue;
            }
        };
        let line = rec.line;
        let mut bad = |key: &str, reason: &str| {
            errors.push(LineError {
                line,
                column: map.header_of(key).map(str::to_string),
                reason: reason.to_string(),
            })
        };
        let cell = |key: &str| map.get(&rec, key).map(str::trim).unwrap_or("");
        let number = cell("number");
        if number.is_empty() {
            bad("number", "the household number is empty (户编号为空)");
        }
        let category = Category::parse(cell("category"));
        if category.is_none() {
            bad(
                "category",
                "not a category: 脱贫不稳定户, 边缘易致贫户 or 突发严重困难户 (监测对象类别无效)",
            );
        }
        let risks: Option<Vec<RiskType>> = cell("risk_types")
            .split(['、', ';', '；', ',', '，', '|'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(RiskType::parse)
            .collect();
        let risks = risks.filter(|r| !r.is_empty());
        if risks.is_none() {
            bad(
                "risk_types",
                "give one or more risk types, separated by 、 (风险类型无效或为空)",
            );
        }
        let day = parse_date(cell("identified_on")).ok();
        if day.is_none() {
            bad(
                "identified_on",
                "not a date: write YYYY-MM-DD (认定日期格式应为 YYYY-MM-DD)",
            );
        }
        if let (Some(category), Some(risk_types), Some(identified_on)) = (category, risks, day)
            && !number.is_empty()
        {
            entries.push(MonitoredEntry {
                number: number.to_string(),
                category,
                risk_types,
                identified_on,
            });
            lines.push(line);
        }
    }
    (entries, lines, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_lines_are_named_with_their_column() {
        let csv = "户编号,监测对象类别,风险类型,认定日期\n\
                   A-1,边缘易致贫户,因病、因学,2024-03-15\n\
                   A-2,贫困户,因病,2024-03-15\n\
                   A-3,边缘易致贫户,,15.03.2024\n";
        let (entries, lines, errors) = read_list(csv.as_bytes().to_vec());
        assert_eq!(entries.len(), 1);
        assert_eq!(lines, vec![2]);
        assert_eq!(
            entries[0].risk_types,
            vec![RiskType::Illness, RiskType::Schooling]
        );
        let at: Vec<(usize, Option<&str>)> = errors
            .iter()
            .map(|e| (e.line, e.column.as_deref()))
            .collect();
        assert_eq!(
            at,
            vec![
                (3, Some("监测对象类别")),
                (4, Some("风险类型")),
                (4, Some("认定日期")),
            ]
        );
    }

    #[test]
    fn a_file_without_the_columns_is_one_error() {
        let (entries, _, errors) = read_list("户编号,姓名\nA-1,张三\n".as_bytes().to_vec());
        assert!(entries.is_empty());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 0);
    }
}
