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
