//! `dixian bench screening`: the screening pass on a synthetic province
//! (five provinces' rule sets, 30 M persons, 10 M 医保 rows), timed against
//! DuckDB running the same rules as SQL, in one run.
//!
//! Each side reads its own stored form from a warm page cache in a fresh
//! process, so that peak memory is the pass's own: dixian its column
//! files (registry, batch) and the rule files, DuckDB its database file
//! (built once from CSV, not timed). Both write their warnings for
//! comparison after the clock stops. Then the whole flow — the
//! department's CSV files parsed by the real feed reader, screened, the
//! warnings written — is timed in a third process.

mod province;
mod stored;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use dixian_screen::engine::{MedicalColumns, RegistryIndex, Screener, Screening, date_of, day_of};
use dixian_screen::feed::{FeedReader, FeedRow, VisitType};
use dixian_screen::{FeedKind, RuleBook};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Arguments of `dixian bench screening`.
#[derive(clap::Args)]
pub struct Args {
    /// Registered persons to generate.
    #[arg(long, default_value_t = 30_000_000)]
    persons: u64,
    /// 医保 rows to generate (two years, 5 % unregistered IDs).
    #[arg(long, default_value_t = 10_000_000)]
    feed_rows: u64,
    /// Working folder (default: a temporary one, removed after).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Threads for each side (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Timed runs per side; the best is compared.
    #[arg(long, default_value_t = 2)]
    runs: u32,
    /// Folder of the division files.
    #[arg(long, default_value = crate::demo::DEFAULT_DIVISIONS)]
    divisions: PathBuf,
    /// Skip the DuckDB peer.
    #[arg(long)]
    no_peer: bool,
    /// Skip the whole flow (CSV import → screen → warnings stored).
    #[arg(long)]
    no_flow: bool,
    /// Internal: run one timed phase in this process (`pass` or `flow`).
    #[arg(long, hide = true)]
    phase: Option<String>,
}

/// Figures of one timed run, as a child prints them (`key=value` pairs).
type Figures = BTreeMap<String, f64>;

/// Runs the benchmark (or, with `--phase`, one timed phase of it).
pub fn run(a: Args) -> anyhow::Result<()> {
    let threads = a
        .threads
        .unwrap_or_else(crate::config::default_threads)
        .max(1);
    match a.phase.as_deref() {
        Some("pass") => return phase_pass(&dir_of(&a)?, threads, false),
        Some("cold") => return phase_pass(&dir_of(&a)?, threads, true),
        Some("flow") => return phase_flow(&dir_of(&a)?, threads),
        Some(p) => bail!("unknown phase {p}"),
        None => {}
    }
    let temp = a.dir.is_none();
    let dir = match &a.dir {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("dixian-bench-screening-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let result = orchestrate(&a, &dir, threads);
    if temp {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

fn dir_of(a: &Args) -> anyhow::Result<PathBuf> {
    a.dir.clone().context("--phase needs --dir")
}

fn orchestrate(a: &Args, dir: &Path, threads: usize) -> anyhow::Result<()> {
    println!(
        "machine: {} ({} cores), {threads} threads per side",
        cpu_model(),
        cores()
    );
    let t = Instant::now();
    let p = province::generate(&a.divisions, a.persons, a.feed_rows, 20251231)?;
    println!(
        "generated: {} persons, {} households, {} villages, {} 医保 rows, {} rule sets, as of {} in {:.1} s",
        p.registry.person_key.len(),
        p.members.len(),
        p.registry.villages.len(),
        p.medical.len(),
        p.book.sets().len(),
        p.as_of,
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    stored::write_registry(&dir.join("registry.bin"), &p.registry)?;
    stored::write_medical(&dir.join("medical.bin"), &p.medical)?;
    let index = RegistryIndex::build(p.registry.clone(), threads)?;
    stored::write_index(&dir.join("index.bin"), &index.into_parts())?;
    let rules = dir.join("rules");
    let _ = std::fs::remove_dir_all(&rules);
    std::fs::create_dir_all(&rules)?;
    for (name, text) in &p.rule_files {
        std::fs::write(rules.join(name), text)?;
    }
    std::fs::write(dir.join("as_of"), p.as_of.to_string())?;
    println!(
        "dixian stored form written (registry columns, registry index, batch columns, rule files) in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let peer = if a.no_peer {
        None
    } else {
        prepare_peer(dir, &p)?
    };
    if !a.no_flow {
        let t = Instant::now();
        write_department_files(dir, &p.medical)?;
        println!(
            "department files written (医保 CSV, one per year) in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    let as_of = p.as_of;
    drop(p);

    println!();
    println!(
        "dixian screening pass (fresh process; reads rules/, index.bin and medical.bin side by side, checks the index, screens):"
    );
    let mut best_dixian: Option<Figures> = None;
    for run in 1..=a.runs.max(1) {
        let f = child(dir, threads, "pass")?;
        print_pass(run, &f);
        if best_dixian
            .as_ref()
            .is_none_or(|b| f["total_s"] < b["total_s"])
        {
            best_dixian = Some(f);
        }
    }
    let dixian = best_dixian.context("no dixian run")?;
    println!("  cold variant (reads registry.bin and builds the index, then reads the batch):");
    print_pass(1, &child(dir, threads, "cold")?);

    let mut best_peer: Option<Figures> = None;
    if let Some(py) = &peer {
        println!();
        println!(
            "DuckDB peer (fresh python3 process; opens peer.duckdb; the same three rules as one SQL statement):"
        );
        for run in 1..=a.runs.max(1) {
            let (f, version) = run_peer(py, dir, as_of, threads)?;
            println!(
                "  run {run}: {:.2} s, {:.0} rows/s, peak RSS {:.0} MiB, {} warnings (DuckDB {})",
                f["seconds"],
                f["rows"] / f["seconds"],
                f["peak_kib"] / 1024.0,
                f["warnings"],
                version
            );
            if best_peer
                .as_ref()
                .is_none_or(|b| f["seconds"] < b["seconds"])
            {
                best_peer = Some(f);
            }
        }
        println!();
        compare(
            "dixian vs DuckDB",
            &dir.join("dixian-warnings.txt"),
            &dir.join("peer-warnings.csv"),
        )?;
    }

    if !a.no_flow {
        println!();
        println!(
            "whole flow (fresh process): import the 医保 CSV files with the feed reader → screen → warnings stored:"
        );
        let f = child(dir, threads, "flow")?;
        println!(
            "  import {:.2} s ({:.0} rows/s, {} rows, {} bad) + screen {:.2} s + store warnings {:.2} s = {:.2} s, peak RSS {:.0} MiB",
            f["import_s"],
            f["rows"] / f["import_s"],
            f["rows"],
            f["bad_rows"],
            f["screen_s"],
            f["store_s"],
            f["total_s"],
            f["peak_kib"] / 1024.0
        );
        compare(
            "flow vs pass",
            &dir.join("dixian-warnings.txt"),
            &dir.join("flow-warnings.txt"),
        )?;
    }

    println!();
    println!("summary (best runs):");
    println!(
        "  dixian: {:.2} s, {:.0} rows/s, peak RSS {:.0} MiB",
        dixian["total_s"],
        dixian["rows"] / dixian["total_s"],
        dixian["peak_kib"] / 1024.0
    );
    if let Some(peer) = best_peer {
        println!(
            "  DuckDB: {:.2} s, {:.0} rows/s, peak RSS {:.0} MiB",
            peer["seconds"],
            peer["rows"] / peer["seconds"],
            peer["peak_kib"] / 1024.0
        );
        println!(
            "  ratio DuckDB / dixian: time {:.2}×, memory {:.2}×",
            peer["seconds"] / dixian["total_s"],
            peer["peak_kib"] / dixian["peak_kib"]
        );
    }
    Ok(())
}

fn print_pass(run: u32, f: &Figures) {
    println!(
        "  run {run}: {:.2} s = registry {:.2} + index {:.2} + screen {:.2} (batch read {:.2}); {:.0} rows/s; peak RSS {:.0} MiB; {} warnings, {} rows matched, {} unknown IDs",
        f["total_s"],
        f["read_registry_s"],
        f["index_s"],
        f["screen_s"],
        f["read_batch_s"],
        f["rows"] / f["total_s"],
        f["peak_kib"] / 1024.0,
        f["warnings"],
        f["matched"],
        f["unknown"]
    );
}

/// Runs this binary again on one phase and reads its figures.
fn child(dir: &Path, threads: usize, phase: &str) -> anyhow::Result<Figures> {
    let exe = std::env::current_exe().context("cannot find this program")?;
    let out = Command::new(exe)
        .args(["bench", "screening", "--phase", phase, "--threads"])
        .arg(threads.to_string())
        .arg("--dir")
        .arg(dir)
        .output()
        .context("cannot start the timed process")?;
    if !out.status.success() {
        bail!(
            "the {phase} process failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("FIGURES "))
        .context("the timed process printed no figures")?;
    Ok(line
        .split_whitespace()
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((k.to_string(), v.parse().ok()?))
        })
        .collect())
}

fn print_figures(pairs: &[(&str, f64)]) {
    let text: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    println!("FIGURES {}", text.join(" "));
}

/// Reads the stored form, builds the index, screens (timed); writes the
/// comparison lines (not timed).
fn phase_pass(dir: &Path, threads: usize, cold: bool) -> anyhow::Result<()> {
    let start = Instant::now();
    let as_of = read_as_of(dir)?;
    let book = load_book(dir)?;
    let (index, t_registry, t_index, batch, t_batch) = if cold {
        let registry = stored::read_registry(&dir.join("registry.bin"))?;
        let t_registry = start.elapsed().as_secs_f64();
        let t = Instant::now();
        let index = RegistryIndex::build(registry, threads)?;
        let t_index = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let batch = stored::read_medical(&dir.join("medical.bin"))?;
        (index, t_registry, t_index, batch, t.elapsed().as_secs_f64())
    } else {
        // The index and the batch are read side by side, one thread each.
        let (index, batch) = std::thread::scope(|s| {
            let batch = s.spawn(|| {
                let t = Instant::now();
                stored::read_medical(&dir.join("medical.bin")).map(|b| (b, t.elapsed()))
            });
            let index = stored::read_index(&dir.join("index.bin"))
                .map(|p| (p, start.elapsed()))
                .and_then(|(p, read)| {
                    let t = Instant::now();
                    let index = RegistryIndex::from_parts(p, threads)?;
                    Ok((index, read, t.elapsed()))
                });
            let batch = batch
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("reading thread panicked")));
            (index, batch)
        });
        let (index, read, check) = index?;
        let (batch, read_batch) = batch?;
        (
            index,
            read.as_secs_f64(),
            check.as_secs_f64(),
            batch,
            read_batch.as_secs_f64(),
        )
    };
    let t = Instant::now();
    let screening = screener(&index, &book, as_of, threads).medical(&batch);
    let t_screen = t.elapsed().as_secs_f64();
    let total = start.elapsed().as_secs_f64();
    let peak = peak_kib();
    let lines = stored::warning_lines(&book, &screening.warnings);
    stored::write_lines(&dir.join("dixian-warnings.txt"), &lines)?;
    print_figures(&[
        ("total_s", total),
        ("read_registry_s", t_registry),
        ("index_s", t_index),
        ("read_batch_s", t_batch),
        ("screen_s", t_screen),
        ("peak_kib", peak),
        ("rows", batch.len() as f64),
        ("matched", screening.stats.matched as f64),
        ("unknown", screening.stats.unknown as f64),
        ("warnings", screening.warnings.len() as f64),
    ]);
    Ok(())
}

fn screener<'a>(
    index: &'a RegistryIndex,
    book: &'a RuleBook,
    as_of: NaiveDate,
    threads: usize,
) -> Screener<'a> {
    Screener {
        index,
        book,
        as_of,
        threads,
    }
}

fn read_as_of(dir: &Path) -> anyhow::Result<NaiveDate> {
    let text = std::fs::read_to_string(dir.join("as_of"))?;
    Ok(text.trim().parse()?)
}

fn load_book(dir: &Path) -> anyhow::Result<RuleBook> {
    RuleBook::load_dir(&dir.join("rules")).map_err(|e| anyhow::anyhow!("rule files: {}", e[0]))
}

/// Peak resident memory of this process (VmHWM), in KiB.
pub(super) fn peak_kib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("VmHWM:"))?.to_string();
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(f64::NAN)
}

fn cores() -> usize {
    crate::config::default_threads()
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("model name"))?;
            Some(line.split_once(':')?.1.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string())
}

// ---------------------------------------------------------------- flow

/// The 医保 batch as the department delivers it: one CSV file per year of
/// settlement, Chinese headers.
fn write_department_files(dir: &Path, m: &MedicalColumns) -> anyhow::Result<()> {
    let mut files = BTreeMap::new();
    for i in 0..m.len() {
        let date = date_of(m.day()[i]);
        let year = chrono::Datelike::year(&date);
        let w = match files.entry(year) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                let path = dir.join(format!("medical-{year}.csv"));
                let f = std::fs::File::create(&path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
                writeln!(
                    w,
                    "身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付,诊断"
                )?;
                e.insert(w)
            }
        };
        let key = m.person()[i];
        let digits = format!("{key:017}");
        let check = dixian_domain::id_number::check_char(digits.as_bytes()) as char;
        let paid = m.self_paid_fen()[i];
        let insurance = paid * 2;
        let visit = match m.visit()[i] {
            VisitType::Inpatient => "住院",
            VisitType::Outpatient => "门诊",
            VisitType::Chronic => "门诊慢特病",
        };
        writeln!(
            w,
            "{digits}{check},{},{date},{visit},{},{},{},",
            NAMES[(key % NAMES.len() as u64) as usize],
            yuan(paid + insurance),
            yuan(insurance),
            yuan(paid)
        )?;
    }
    for (_, mut w) in files {
        w.flush()?;
    }
    Ok(())
}

const NAMES: [&str; 8] = [
    "张伟", "王芳", "李娜", "刘洋", "陈静", "杨勇", "黄丽", "赵军",
];

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// Import (feed reader, one thread per file) → screen → warnings written.
fn phase_flow(dir: &Path, threads: usize) -> anyhow::Result<()> {
    let start = Instant::now();
    let as_of = read_as_of(dir)?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("medical-") && n.ends_with(".csv"))
        })
        .collect();
    files.sort();
    let parts: Vec<anyhow::Result<(MedicalColumns, usize)>> = std::thread::scope(|s| {
        let handles: Vec<_> = files
            .iter()
            .map(|f| s.spawn(move || import_file(f, as_of)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("import thread panicked")))
            })
            .collect()
    });
    let mut batch = MedicalColumns::default();
    let mut bad = 0;
    for part in parts {
        let (cols, b) = part?;
        bad += b;
        for i in 0..cols.len() {
            batch.push(
                cols.person()[i],
                cols.day()[i],
                cols.visit()[i],
                cols.self_paid_fen()[i],
            );
        }
    }
    stored::write_medical(&dir.join("medical-flow.bin"), &batch)?;
    let t_import = start.elapsed().as_secs_f64();

    let t = Instant::now();
    let book = load_book(dir)?;
    let index = RegistryIndex::from_parts(stored::read_index(&dir.join("index.bin"))?, threads)?;
    let screening = screener(&index, &book, as_of, threads).medical(&batch);
    let t_screen = t.elapsed().as_secs_f64();

    let t = Instant::now();
    store_warnings(&dir.join("warnings.csv"), &book, &index, &screening)?;
    let t_store = t.elapsed().as_secs_f64();
    let total = start.elapsed().as_secs_f64();
    let peak = peak_kib();
    let lines = stored::warning_lines(&book, &screening.warnings);
    stored::write_lines(&dir.join("flow-warnings.txt"), &lines)?;
    print_figures(&[
        ("total_s", total),
        ("import_s", t_import),
        ("screen_s", t_screen),
        ("store_s", t_store),
        ("peak_kib", peak),
        ("rows", batch.len() as f64),
        ("bad_rows", bad as f64),
        ("warnings", screening.warnings.len() as f64),
    ]);
    Ok(())
}

/// One department file through the real feed reader.
fn import_file(path: &Path, today: NaiveDate) -> anyhow::Result<(MedicalColumns, usize)> {
    let table = dixian_tabular::open(path)?;
    let reader = FeedReader::new(FeedKind::Medical, table, today)
        .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.reason))?;
    let mut cols = MedicalColumns::default();
    let mut bad = 0;
    for item in reader {
        match item {
            Ok((_, FeedRow::Medical(row))) => cols.push_row(&row),
            Ok(_) | Err(_) => bad += 1,
        }
    }
    Ok((cols, bad))
}

/// The warnings as a store would keep them: one line per warning with
/// the rule set (region, version), rule, household, person key, risk,
/// severity and evidence rows.
fn store_warnings(
    path: &Path,
    book: &RuleBook,
    index: &RegistryIndex,
    s: &Screening,
) -> anyhow::Result<()> {
    let f =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    writeln!(
        w,
        "region,version,rule,household,village,person_key,risk,severity,evidence_rows"
    )?;
    for x in &s.warnings {
        let set = x.rule_set(book);
        let village = &index.villages()[index.village_of(x.household) as usize];
        let rows: Vec<String> = x.evidence.iter().map(u32::to_string).collect();
        writeln!(
            w,
            "{},{},{},{},{},{},{},{:?},{}",
            set.region,
            set.version,
            x.rule_in(book).id,
            x.household,
            village,
            x.person.map_or(String::new(), |p| p.0.to_string()),
            x.risk.code(),
            x.severity,
            rows.join(";")
        )?;
    }
    Ok(w.flush()?)
}

// ---------------------------------------------------------------- peer

/// Makes sure DuckDB's Python package is there (installing it if not),
/// writes the CSV files and builds the peer's database; `None` (with the
/// reason printed) when the peer cannot run.
fn prepare_peer(dir: &Path, p: &province::Province) -> anyhow::Result<Option<PathBuf>> {
    let script = dir.join("peer.py");
    std::fs::write(&script, include_str!("screening/peer.py"))?;
    let has = |py: &str| {
        Command::new(py)
            .args(["-c", "import duckdb"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !has("python3") {
        println!("DuckDB's Python package is missing: python3 -m pip install --quiet duckdb");
        let ok = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "duckdb"])
            .status()
            .is_ok_and(|s| s.success());
        if !ok || !has("python3") {
            println!(
                "peer skipped: DuckDB could not be installed for python3 (no python3, no pip, or no network)"
            );
            return Ok(None);
        }
    }
    let t = Instant::now();
    stored::write_peer_csv(
        dir,
        &p.registry,
        &p.members,
        &p.village_county,
        &p.medical,
        &p.book,
    )?;
    let db = dir.join("peer.duckdb");
    let _ = std::fs::remove_file(&db);
    let status = Command::new("python3")
        .arg(&script)
        .arg("load")
        .arg(&db)
        .arg(dir)
        .status()
        .context("cannot run python3")?;
    if !status.success() {
        bail!("DuckDB could not load the CSV files");
    }
    for t in ["households", "persons", "medical", "sets", "rules"] {
        let _ = std::fs::remove_file(dir.join(format!("{t}.csv")));
    }
    println!(
        "DuckDB stored form built (CSV → peer.duckdb, not timed) in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    Ok(Some(script))
}

fn run_peer(
    script: &Path,
    dir: &Path,
    as_of: NaiveDate,
    threads: usize,
) -> anyhow::Result<(Figures, String)> {
    let start = date_of(day_of(as_of) - 364);
    let out = Command::new("python3")
        .arg(script)
        .arg("run")
        .arg(dir.join("peer.duckdb"))
        .arg(as_of.to_string())
        .arg(start.to_string())
        .arg(threads.to_string())
        .arg(dir.join("peer-warnings.csv"))
        .output()
        .context("cannot run python3")?;
    if !out.status.success() {
        bail!(
            "the DuckDB run failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut f = Figures::new();
    let version = text
        .split("\"duckdb\": \"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or("?")
        .to_string();
    // {"seconds": 1.2, "peak_kib": 123, "warnings": 4, "duckdb": "1.2.0"}
    for part in text.trim().trim_matches(['{', '}']).split(',') {
        if let Some((k, v)) = part.split_once(':')
            && let Ok(v) = v.trim().parse::<f64>()
        {
            f.insert(k.trim().trim_matches('"').to_string(), v);
        }
    }
    let rows = std::fs::metadata(dir.join("medical.bin")).map(|m| m.len())?;
    // medical.bin: 16-byte header, then 21 bytes per row.
    f.insert("rows".to_string(), (rows.saturating_sub(16) / 21) as f64);
    for k in ["seconds", "peak_kib", "warnings"] {
        if !f.contains_key(k) {
            bail!("the DuckDB run printed no {k}");
        }
    }
    Ok((f, version))
}

/// Compares two warning files: counts per rule, and SHA-256 of the sorted lines.
fn compare(what: &str, a: &Path, b: &Path) -> anyhow::Result<()> {
    let read = |p: &Path| -> anyhow::Result<Vec<String>> {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?;
        let mut lines: Vec<String> = text
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        lines.sort_unstable();
        Ok(lines)
    };
    let (x, y) = (read(a)?, read(b)?);
    let per_rule = |lines: &[String]| {
        let mut m: BTreeMap<String, usize> = BTreeMap::new();
        for l in lines {
            *m.entry(l.split(',').next().unwrap_or("").to_string())
                .or_default() += 1;
        }
        m
    };
    let hash = |lines: &[String]| {
        let mut h = Sha256::new();
        for l in lines {
            h.update(l.as_bytes());
            h.update(b"\n");
        }
        hex_short(&h.finalize())
    };
    let (cx, cy) = (per_rule(&x), per_rule(&y));
    let (hx, hy) = (hash(&x), hash(&y));
    let counts: Vec<String> = cx.iter().map(|(k, v)| format!("{k} {v}")).collect();
    if hx == hy {
        println!(
            "{what}: SAME warnings ({} in all: {}; sha256 of sorted (rule, person, household, set, evidence count) {hx})",
            x.len(),
            counts.join(", ")
        );
    } else {
        let first = x
            .iter()
            .zip(&y)
            .position(|(p, q)| p != q)
            .unwrap_or(x.len().min(y.len()));
        println!(
            "{what}: DIFFERENT warnings: {:?} vs {:?}; {hx} vs {hy}; first difference at sorted line {first}",
            cx, cy
        );
    }
    Ok(())
}

fn hex_short(bytes: &[u8]) -> String {
    bytes.iter().take(8).map(|b| format!("{b:02x}")).collect()
}
