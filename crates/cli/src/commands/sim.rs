//! `dixian sim feeds`: synthetic department files (部门数据) about the same
//! synthetic county `sim population` writes, with planted shocks and noise,
//! each file next to a manifest of what was planted on which line.
//!
//! The thresholds the shocks cross come from the rule set in force for the
//! county on the as-of date (the shipped rules, or `--rules DIR`).

use crate::progress;
use anyhow::{Context, bail};
use chrono::NaiveDate;
use dixian_domain::{Household, RegionCode, RegionLevel};
use dixian_screen::{RuleBook, RuleSet};
use dixian_sim::feeds::{
    self, Encoding, FeedKind, FeedSpec, Headers, Manifest, NoiseKind, SimFeed, Thresholds,
};
use dixian_store::regions;
use dixian_tabular::household_file::{CsvHouseholdWriter, HeaderLanguage};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Villages of a neighbouring county named by the water feed's coverage-gap lines.
const GAP_VILLAGES: usize = 3;

/// Arguments of `dixian sim feeds`.
#[derive(clap::Args)]
pub struct FeedsArgs {
    /// Feed kind: medical, disability, assistance, education, housing,
    /// employment, disaster, vital, assets, water — or `all` (one file each).
    #[arg(long)]
    kind: String,
    /// 6-digit county code (as for `sim population`).
    #[arg(long, default_value = "520526")]
    county: String,
    /// Households of the population (as for `sim population`).
    #[arg(long, default_value_t = 30_000)]
    households: u64,
    /// Seed of the population (as for `sim population`) and of the feeds.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Last day the files cover, YYYY-MM-DD; rows fall in the 365 days
    /// ending there (default: today).
    #[arg(long)]
    as_of: Option<NaiveDate>,
    /// The day `sim population` ran (its ages and ID numbers hold on that
    /// day), so that the IDs match the imported registry (default: today).
    #[arg(long)]
    population_as_of: Option<NaiveDate>,
    /// Output folder: <kind>.csv and <kind>.manifest.json are written there.
    #[arg(long)]
    out: PathBuf,
    /// File format: CSV, or an XLSX workbook (text cells; --encoding is then ignored).
    #[arg(long, value_enum, default_value = "csv")]
    format: FormatArg,
    /// Text encoding of the CSV files.
    #[arg(long, value_enum, default_value = "utf8")]
    encoding: EncodingArg,
    /// English headers (id_number, …) instead of Chinese (身份证号, …).
    #[arg(long)]
    english: bool,
    /// Shocks to plant per file (fewer when too few households qualify).
    #[arg(long, default_value_t = 20)]
    shocks: usize,
    /// Share of noise lines (bad check digits, unknown persons, duplicates,
    /// bad dates, negative money), 0–1.
    #[arg(long, default_value_t = 0.01)]
    noise_rate: f64,
    /// Folder of rule files (default: the shipped rules).
    #[arg(long)]
    rules: Option<PathBuf>,
    /// Folder of the division files.
    #[arg(long, default_value = crate::demo::DEFAULT_DIVISIONS)]
    divisions: PathBuf,
}

/// `--format`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FormatArg {
    /// Comma-separated text.
    Csv,
    /// An Excel workbook, one sheet.
    Xlsx,
}

/// `--encoding`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum EncodingArg {
    /// UTF-8 without BOM.
    Utf8,
    /// UTF-8 with BOM (Excel's "CSV UTF-8").
    Utf8Bom,
    /// GB18030 (Excel's plain CSV on Chinese Windows).
    Gb18030,
}

/// Runs `dixian sim feeds`.
pub fn feeds(args: FeedsArgs) -> anyhow::Result<()> {
    let kinds = kinds(&args.kind)?;
    let county = RegionCode::parse(&args.county)?;
    if county.level() != RegionLevel::County {
        bail!("--county needs a 6-digit county code (应为6位县级代码)");
    }
    let today = chrono::Local::now().date_naive();
    let as_of = args.as_of.unwrap_or(today);
    let book = match &args.rules {
        Some(dir) => RuleBook::load_dir(dir).map_err(|e| {
            let first = e.first().map(ToString::to_string).unwrap_or_default();
            anyhow::anyhow!("rule files in {}: {first}", dir.display())
        })?,
        None => dixian_web::shipped_rules(),
    };
    let set = book.select(&county, as_of).with_context(|| {
        format!("no rule set is in force for {county} on {as_of} (该县该日无适用规则集)")
    })?;
    let thresholds = thresholds(set)?;
    let households = population(&args, &county, args.population_as_of.unwrap_or(today))?;
    let persons: usize = households.iter().map(|h| h.members.len()).sum();
    println!(
        "{county}: {} households, {persons} persons (seed {}); rule set {} v{}; as of {as_of}",
        households.len(),
        args.seed,
        set.name,
        set.version
    );
    let gap = if kinds.contains(&FeedKind::Water) {
        neighbour_villages(&args.divisions, &county)?
    } else {
        Vec::new()
    };
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    println!(
        "{:<11} {:>7} {:>6} {:>7} {:>7} {:>5} {:>8} {:>9}  file",
        "kind", "rows", "shocks", "bad-id", "unknown", "dup", "bad-date", "neg-money"
    );
    for kind in kinds {
        let spec = FeedSpec {
            kind,
            as_of,
            seed: args.seed,
            shocks: args.shocks,
            noise_rate: args.noise_rate,
            encoding: encoding(args.encoding),
            headers: if args.english {
                Headers::English
            } else {
                Headers::Chinese
            },
            unregistered_villages: gap.clone(),
        };
        let feed = feeds::feed(&households, &spec, &thresholds)?;
        let file = write(&args.out, kind, args.format, &feed)?;
        summary(&feed.manifest, &file);
    }
    Ok(())
}

fn kinds(arg: &str) -> anyhow::Result<Vec<FeedKind>> {
    if arg.trim().eq_ignore_ascii_case("all") {
        return Ok(FeedKind::ALL.to_vec());
    }
    match FeedKind::parse(arg) {
        Some(k) => Ok(vec![k]),
        None => {
            let codes: Vec<&str> = FeedKind::ALL.iter().map(|k| k.code()).collect();
            bail!(
                "unknown feed kind (未知的数据类型); expected all or one of: {}",
                codes.join(", ")
            )
        }
    }
}

fn encoding(e: EncodingArg) -> Encoding {
    match e {
        EncodingArg::Utf8 => Encoding::Utf8,
        EncodingArg::Utf8Bom => Encoding::Utf8Bom,
        EncodingArg::Gb18030 => Encoding::Gb18030,
    }
}

/// The numbers of `set` the generator plants against.
pub(crate) fn thresholds(set: &RuleSet) -> anyhow::Result<Thresholds> {
    Thresholds::of(set).with_context(|| format!("rule set {} ({})", set.name, set.file))
}

/// The households `sim population` writes for the same arguments.
fn population(
    args: &FeedsArgs,
    county: &RegionCode,
    as_of: NaiveDate,
) -> anyhow::Result<Vec<Household>> {
    let spec = dixian_sim::PopulationSpec {
        townships: county_townships(&args.divisions, county)?,
        households: args.households,
        seed: args.seed,
        as_of,
    };
    spec.validate()?;
    let mut out = Vec::with_capacity(args.households as usize);
    dixian_sim::generate(&spec, |h| {
        out.push(h);
        Ok::<_, std::convert::Infallible>(())
    })?;
    Ok(out)
}

/// A few real villages of another county of the province: no household of
/// the population lives there, so water rows naming them are a coverage gap.
fn neighbour_villages(divisions: &Path, county: &RegionCode) -> anyhow::Result<Vec<RegionCode>> {
    let Some(province) = county.ancestor(RegionLevel::Province) else {
        return Ok(Vec::new());
    };
    let counties = regions::read_level(divisions, RegionLevel::County, Some(&province))?;
    let Some((other, _, _)) = counties
        .iter()
        .find(|c| c.0.len() == 6 && c.0 != county.as_str())
    else {
        return Ok(Vec::new());
    };
    let other = RegionCode::parse(other)?;
    let villages = regions::read_level(divisions, RegionLevel::Village, Some(&other))?;
    villages
        .iter()
        .filter(|v| v.0.len() == 12)
        .take(GAP_VILLAGES)
        .map(|v| Ok(RegionCode::parse(&v.0)?))
        .collect()
}

/// Writes `<kind>.csv` (or `.xlsx`) and `<kind>.manifest.json`; returns
/// the data file's path.
fn write(out: &Path, kind: FeedKind, format: FormatArg, feed: &SimFeed) -> anyhow::Result<PathBuf> {
    let ext = if format == FormatArg::Xlsx {
        "xlsx"
    } else {
        "csv"
    };
    let file = out.join(format!("{}.{ext}", kind.code()));
    match format {
        FormatArg::Csv => std::fs::write(&file, &feed.bytes)
            .with_context(|| format!("cannot write {}", file.display()))?,
        FormatArg::Xlsx => write_xlsx(&file, kind, &feed.table)
            .with_context(|| format!("cannot write {}", file.display()))?,
    }
    let json = serde_json::to_vec_pretty(&feed.manifest)?;
    let m = out.join(format!("{}.manifest.json", kind.code()));
    std::fs::write(&m, json).with_context(|| format!("cannot write {}", m.display()))?;
    Ok(file)
}

/// A one-sheet workbook of text cells (IDs keep all 18 characters), bold
/// header; row `n` of the sheet is line `n` of the manifest.
fn write_xlsx(file: &Path, kind: FeedKind, table: &[Vec<String>]) -> anyhow::Result<()> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let text = rust_xlsxwriter::Format::new().set_num_format("@");
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name(kind.code())?;
    for (r, row) in table.iter().enumerate() {
        let r = u32::try_from(r).context("too many rows for a worksheet")?;
        let format = if r == 0 { &bold } else { &text };
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string_with_format(r, c as u16, cell, format)?;
        }
    }
    book.save(file)?;
    Ok(())
}

/// One line of counts per file; no personal data.
fn summary(m: &Manifest, file: &Path) {
    let bad_id = m.noise_count(NoiseKind::BadCheckDigit) + m.noise_count(NoiseKind::BadVillageCode);
    println!(
        "{:<11} {:>7} {:>6} {:>7} {:>7} {:>5} {:>8} {:>9}  {}",
        m.kind.code(),
        m.rows,
        m.shocks.len(),
        bad_id,
        m.noise_count(NoiseKind::UnknownPerson),
        m.noise_count(NoiseKind::Duplicate),
        m.noise_count(NoiseKind::BadDate),
        m.noise_count(NoiseKind::NegativeMoney),
        file.display()
    );
}

/// Townships and villages of a county, from the division files.
pub fn county_townships(
    divisions: &Path,
    county: &RegionCode,
) -> anyhow::Result<Vec<dixian_sim::Township>> {
    let streets = regions::read_level(divisions, RegionLevel::Township, Some(county))?;
    let villages = regions::read_level(divisions, RegionLevel::Village, Some(county))?;
    let mut out = Vec::new();
    for (code, name, _) in streets.into_iter().filter(|s| s.0.len() == 9) {
        let vs = villages
            .iter()
            .filter(|v| v.2.as_deref() == Some(code.as_str()))
            .map(|v| {
                Ok(dixian_sim::Village {
                    code: RegionCode::parse(&v.0)?,
                    name: v.1.clone(),
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        if !vs.is_empty() {
            out.push(dixian_sim::Township {
                code: RegionCode::parse(&code)?,
                name,
                villages: vs,
            });
        }
    }
    if out.is_empty() {
        bail!("county {county} has no villages in {}", divisions.display());
    }
    Ok(out)
}

/// Writes a synthetic population file; returns (households, persons).
pub fn write_population(
    county: &str,
    households: u64,
    seed: u64,
    file: &Path,
    divisions: &Path,
) -> anyhow::Result<(u64, u64)> {
    let county = RegionCode::parse(county)?;
    if county.level() != RegionLevel::County {
        bail!("--county needs a 6-digit county code");
    }
    let spec = dixian_sim::PopulationSpec {
        townships: county_townships(divisions, &county)?,
        households,
        seed,
        as_of: chrono::Local::now().date_naive(),
    };
    spec.validate()?;
    let f =
        std::fs::File::create(file).with_context(|| format!("cannot create {}", file.display()))?;
    let mut w = CsvHouseholdWriter::new(std::io::BufWriter::new(f), HeaderLanguage::Chinese)?;
    // The registry file carries no 监测类别 (only identification or the
    // county's migration sets it): the households the generator made
    // monitored go to a migration list beside it, for `dixian cases migrate`.
    let list = monitored_list_path(file);
    let mut monitored = std::io::BufWriter::new(
        std::fs::File::create(&list)
            .with_context(|| format!("cannot create {}", list.display()))?,
    );
    // Every cell is digits, a coded label or a date: nothing to quote.
    writeln!(monitored, "户编号,监测对象类别,风险类型,认定日期")?;
    let today = spec.as_of;
    let pb = progress::bar(households, "households");
    let stats = dixian_sim::generate(&spec, |mut h| {
        pb.inc(1);
        if let Some(category) = h.category.take() {
            let risks: Vec<&str> = dixian_sim::assistance::risks_of(&h)
                .iter()
                .map(|r| r.label_zh())
                .collect();
            let day = dixian_sim::assistance::identified_on(&h.number, today);
            writeln!(
                monitored,
                "{},{},{},{day}",
                h.number,
                category.label_zh(),
                risks.join("、")
            )
            .map_err(|source| dixian_tabular::TabularError::Io {
                path: list.clone(),
                source,
            })?;
        }
        w.write(&h)
    })?;
    w.finish()?;
    monitored.flush()?;
    pb.finish_and_clear();
    Ok((stats.households, stats.persons))
}

/// Where `write_population` puts the monitored list for the registry file
/// `file`: `monitored.csv` in the same folder.
pub fn monitored_list_path(file: &Path) -> PathBuf {
    file.with_file_name("monitored.csv")
}

pub fn sim_population(
    county: &str,
    households: u64,
    seed: u64,
    out: &Path,
    divisions: &Path,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(out)?;
    let file = out.join("households.csv");
    let t = Instant::now();
    let (h, p) = write_population(county, households, seed, &file, divisions)?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{h} households, {p} persons written to {} in {secs:.2} s ({:.0} persons/s); \
         the monitored households' list for `dixian cases migrate`: {}",
        file.display(),
        p as f64 / secs,
        monitored_list_path(&file).display()
    );
    Ok(())
}
