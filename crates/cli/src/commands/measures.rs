//! Assistance measures (帮扶措施): `measures import`, a department's or
//! bank's list loaded as one batch.

use crate::commands::{Db, open};
use anyhow::{Context, bail};
use dixian_app::assistance::{MeasureListFile, import_measure_list};
use dixian_domain::RegionCode;
use dixian_domain::assistance::{
    AssistancePolicy, Department, MeasureCatalogue, MeasureKind, MeasureRule,
};
use dixian_screen::write_error_report;
use dixian_store::Actor;
use dixian_store::assistance::ListBatchOutcome;
use serde::Deserialize;
use std::path::Path;

/// The catalogue file of `--catalogue`: `[assistance]` and `[[measures]]`
/// in the shape of `AssistancePolicy` and `MeasureRule`. Used until the
/// rule sets in force carry the catalogue of their region.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    assistance: AssistancePolicy,
    #[serde(default)]
    measures: Vec<MeasureRule>,
}

fn catalogue(path: &Path) -> anyhow::Result<(MeasureCatalogue, AssistancePolicy)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let f: CatalogueFile = toml::from_str(&text)
        .with_context(|| format!("{}: not a measure catalogue", path.display()))?;
    Ok((MeasureCatalogue { rules: f.measures }, f.assistance))
}

/// What `measures import` is told besides the file.
pub struct ImportArgs<'a> {
    /// A measure catalogue file to check with instead of the rule book in
    /// force (for a list of a kind the county's rules do not offer yet).
    pub catalogue: Option<&'a Path>,
    /// The kind of every row, when the file has no kind column.
    pub kind: Option<&'a str>,
    /// The department of every row, when the file has no department column.
    pub department: Option<&'a str>,
    /// The county the list is for.
    pub region: &'a str,
    /// Where to write the bad rows (CSV for Excel).
    pub report: Option<&'a Path>,
}

/// `dixian measures import FILE`.
pub async fn measures_import(db: &Db, file: &Path, args: ImportArgs<'_>) -> anyhow::Result<()> {
    let kind = args
        .kind
        .map(|k| {
            MeasureKind::parse(k).with_context(|| {
                let all: Vec<_> = MeasureKind::ALL.iter().map(|k| k.code()).collect();
                format!("unknown measure kind {k}; one of: {}", all.join(", "))
            })
        })
        .transpose()?;
    let department = args
        .department
        .map(|d| {
            Department::parse(d).with_context(|| {
                let all: Vec<_> = Department::ALL.iter().map(|k| k.code()).collect();
                format!("unknown department {d}; one of: {}", all.join(", "))
            })
        })
        .transpose()?;
    let store = open(db).await?;
    let fixed = args.catalogue.map(catalogue).transpose()?;
    let book = dixian_app::rules::Policies(std::sync::Arc::new(
        dixian_app::rule_book(&store, chrono::Utc::now()).await?,
    ));
    let actor = Actor::operator(RegionCode::parse(args.region)?);
    eprintln!("reading {} (读取文件)", file.display());
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("list");
    let list = MeasureListFile {
        name: name.to_string(),
        bytes,
        kind,
        department,
    };
    eprintln!("checking every row against the catalogue and the registry (逐行校验)…");
    let r = match &fixed {
        Some(fixed) => import_measure_list(&store, &actor, fixed, list, chrono::Utc::now()).await?,
        None => import_measure_list(&store, &actor, &book, list, chrono::Utc::now()).await?,
    };
    for (col, header) in &r.unknown_columns {
        eprintln!("note: column {col} ({header}) is not used (未使用的列)");
    }
    for e in r.errors.iter().take(50) {
        eprintln!("{}: {e}", file.display());
    }
    if let (Some(path), false) = (args.report, r.errors.is_empty()) {
        let f = std::fs::File::create(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        write_error_report(&r.errors, f)?;
        eprintln!("row report (Excel): {}", path.display());
    }
    match r.outcome {
        Some(ListBatchOutcome::AlreadyLoaded {
            batch_id,
            imported_at,
        }) => println!(
            "this file was loaded before as list {batch_id} on {imported_at}; nothing done (该文件已导入)"
        ),
        Some(ListBatchOutcome::Loaded(s)) => {
            println!(
                "list {}: {} rows, {} measures stored, {} persons not registered in the region (lines {}) (未登记人员，仅计数)",
                s.batch_id,
                s.rows,
                s.matched,
                s.unknown,
                s.unknown_lines
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        None if r.errors_total == 0 => bail!("{}: no rows (文件中没有数据)", file.display()),
        None => bail!(
            "{} bad row(s); nothing was written (发现{}处错误，未写入)",
            r.errors_total,
            r.errors_total
        ),
    }
    Ok(())
}

/// What `measures report` is told.
pub struct ReportArgs<'a> {
    /// The region (village, township or county) inside `--region`'s county.
    pub region: &'a str,
    /// Only rows with a finding of this rule (code or 中文 name).
    pub rule: Option<&'a str>,
    /// Only rows with a finding.
    pub findings_only: bool,
    /// Print the report as JSON.
    pub json: bool,
    /// Write every row as a workbook here.
    pub xlsx: Option<&'a Path>,
}

/// `dixian measures report --region CODE`: 救助链检查 over every household
/// of the region with a measure or a monitored case, a page at a time
/// (the same report as the page and the API), as a table, JSON or a
/// workbook with Chinese headers. ID numbers are masked as in the report.
pub async fn measures_report(db: &Db, args: ReportArgs<'_>) -> anyhow::Result<()> {
    use dixian_app::assistance::{ChainReportQuery, MAX_PER_PAGE, chain_report};
    use dixian_domain::assistance::ChainRule;
    let rule = args
        .rule
        .map(|r| {
            ChainRule::parse(r).with_context(|| {
                let all: Vec<_> = ChainRule::ALL.iter().map(|k| k.code()).collect();
                format!("unknown rule {r}; one of: {}", all.join(", "))
            })
        })
        .transpose()?;
    let code = RegionCode::parse(args.region)?;
    let store = open(db).await?;
    let book = dixian_app::rules::Policies(std::sync::Arc::new(
        dixian_app::rule_book(&store, chrono::Utc::now()).await?,
    ));
    let actor = Actor::operator(code.clone());
    let today = dixian_domain::case::china_date(chrono::Utc::now());
    let mut q = ChainReportQuery {
        region: code.to_string(),
        rule,
        findings_only: args.findings_only || rule.is_some(),
        page: 1,
        per_page: MAX_PER_PAGE,
    };
    let first = chain_report(&store, &actor, &book, &q, today).await?;
    let pb = crate::progress::bar(first.households_total.max(0) as u64, "households");
    let mut pages = vec![first];
    pb.inc(pages[0].households_checked + pages[0].households_without_catalogue);
    while q.page < pages[0].pages() {
        q.page += 1;
        let p = chain_report(&store, &actor, &book, &q, today).await?;
        pb.inc(p.households_checked + p.households_without_catalogue);
        pages.push(p);
    }
    pb.finish_and_clear();
    let rows: Vec<_> = pages.iter().flat_map(|p| p.rows.iter()).collect();
    let mut counts: Vec<(ChainRule, u64)> = ChainRule::ALL.iter().map(|&r| (r, 0)).collect();
    for p in &pages {
        for c in &p.counts {
            if let Some(x) = counts.iter_mut().find(|(r, _)| *r == c.rule) {
                x.1 += c.findings;
            }
        }
    }
    let checked: u64 = pages.iter().map(|p| p.households_checked).sum();
    let without: u64 = pages.iter().map(|p| p.households_without_catalogue).sum();
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "region": code.as_str(), "today": today,
                "households_checked": checked, "households_without_catalogue": without,
                "counts": counts.iter().map(|(r, n)| serde_json::json!({"rule": r, "findings": n})).collect::<Vec<_>>(),
                "rows": rows,
            }))?
        );
    } else {
        println!(
            "救助链检查 chain report {} on {today}: {checked} households checked{}",
            code,
            if without > 0 {
                format!(", {without} without a catalogue in force (无适用措施目录)")
            } else {
                String::new()
            }
        );
        for (r, n) in &counts {
            println!("  {:<28} {:<16} {n}", r.code(), r.label_zh());
        }
        for row in rows.iter().filter(|r| !r.findings.is_empty()) {
            for f in &row.findings {
                println!(
                    "{} {} {} {} — {}",
                    row.village_code,
                    row.household_number,
                    row.person_id.as_deref().unwrap_or("全户"),
                    f.rule.label_zh(),
                    f.why
                );
            }
        }
    }
    if let Some(path) = args.xlsx {
        let headers = [
            "村代码",
            "户编号",
            "身份证号",
            "措施",
            "部门",
            "金额（元）",
            "开始日期",
            "结束日期",
            "状态",
            "问题",
        ];
        let cells: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                let m = r.measure.as_ref();
                vec![
                    r.village_code.clone(),
                    r.household_number.clone(),
                    r.person_id.clone().unwrap_or_else(|| "全户".into()),
                    m.map(|m| m.kind.label_zh().to_string()).unwrap_or_default(),
                    m.map(|m| m.department.label_zh().to_string())
                        .unwrap_or_default(),
                    m.and_then(|m| m.amount_fen)
                        .map(|f| format!("{}.{:02}", f / 100, f % 100))
                        .unwrap_or_default(),
                    m.map(|m| m.starts_on.to_string()).unwrap_or_default(),
                    m.and_then(|m| m.ends_on)
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                    m.map(|m| m.status.label_zh().to_string())
                        .unwrap_or_default(),
                    r.findings
                        .iter()
                        .map(|f| format!("{}：{}", f.rule.label_zh(), f.why))
                        .collect::<Vec<_>>()
                        .join("\n"),
                ]
            })
            .collect();
        let title = format!("救助链检查 {code} {today}");
        let sheet = dixian_tabular::TableSheet {
            name: "救助链检查",
            title: &title,
            headers: &headers,
            rows: &cells,
        };
        let bytes = dixian_tabular::table_xlsx(&sheet)?;
        std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("workbook: {} ({} rows)", path.display(), cells.len());
    }
    Ok(())
}
