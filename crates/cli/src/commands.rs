//! The commands other than the demo: each opens the store, calls the
//! library crates and reports what it did.

use crate::progress;
use anyhow::{Context, bail};
use dixian_domain::{RegionCode, RegionLevel, Role};
use dixian_store::{Actor, Store, audit, households, regions, registry_file, users};
use dixian_tabular::household_file::{CsvHouseholdWriter, HeaderLanguage, XlsxHouseholdWriter};
use std::path::Path;
use std::time::Instant;

/// Opens the store and applies pending migrations.
pub async fn open(db: &str) -> anyhow::Result<Store> {
    let store = Store::open(db)
        .await
        .with_context(|| "cannot open the database".to_string())?;
    store.migrate().await?;
    Ok(store)
}

pub async fn migrate(db: &str) -> anyhow::Result<()> {
    let store = Store::open(db).await?;
    let n = store.migrate().await?;
    println!("{n} migration(s) applied");
    Ok(())
}

pub async fn serve(
    db: &str,
    bind: &str,
    security: dixian_web::WebSecurity,
    config: &crate::config::Config,
) -> anyhow::Result<()> {
    let store = open(db).await?;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    println!("dixian serving at http://{}", listener.local_addr()?);
    let rules = dixian_jobs::rule_book(&store, chrono::Utc::now()).await?;
    let (max_upload, concurrent_uploads) = config.upload_limits();
    let state = dixian_web::AppState::new(store)
        .with_rules(rules)
        .with_security(security)
        .with_uploads(max_upload, concurrent_uploads)
        .with_login_limits(config.login_limits());
    dixian_web::serve_with(state, listener).await?;
    Ok(())
}

/// Imports the division table with a progress bar; returns rows written.
pub async fn import_regions(
    store: &Store,
    dir: &Path,
    only: Option<&RegionCode>,
) -> anyhow::Result<u64> {
    let pb = progress::counter("regions");
    let mut base = 0;
    let mut last_level = RegionLevel::Province;
    let counts = regions::import(&store.pool, dir, only, |level, done, _total| {
        if level != last_level {
            base = pb.position();
            last_level = level;
        }
        pb.set_position(base + done);
    })
    .await?;
    pb.finish_and_clear();
    Ok(counts.total())
}

pub async fn regions_import(db: &str, dir: &Path, only: Option<&str>) -> anyhow::Result<()> {
    let store = open(db).await?;
    let only = only.map(RegionCode::parse).transpose()?;
    let t = Instant::now();
    let n = import_regions(&store, dir, only.as_ref()).await?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{n} regions imported in {secs:.2} s ({:.0} rows/s)",
        n as f64 / secs
    );
    Ok(())
}

pub async fn households_import(
    db: &str,
    file: &Path,
    region: Option<&str>,
    dry_run: bool,
) -> anyhow::Result<()> {
    let store = open(db).await?;
    let t = Instant::now();
    let pb = progress::counter("households");
    let report = registry_file::import_file(&store, file, region, !dry_run, || pb.inc(1)).await?;
    pb.finish_and_clear();
    for (col, name) in &report.unknown_columns {
        eprintln!("note: column {col} ({name}) is not used (未使用的列)");
    }
    let secs = t.elapsed().as_secs_f64();
    if !report.errors.is_empty() {
        for e in report.errors.iter().take(200) {
            eprintln!("{}: {e}", file.display());
        }
        if report.errors.len() > 200 {
            eprintln!("… and {} more", report.errors.len() - 200);
        }
        bail!(
            "{} problem(s) found; nothing was written (发现{}处错误，未写入任何数据)",
            report.errors.len(),
            report.errors.len()
        );
    }
    let (h, p) = report.written;
    if dry_run {
        println!("file is valid (文件校验通过); nothing written (--dry-run)");
    } else {
        println!(
            "{h} households, {p} persons imported in {secs:.2} s ({:.0} persons/s)",
            p as f64 / secs
        );
    }
    Ok(())
}

pub async fn households_export(
    db: &str,
    region: &str,
    format: &str,
    out: &Path,
    english: bool,
) -> anyhow::Result<()> {
    let store = open(db).await?;
    let region = RegionCode::parse(region)?;
    let actor = Actor::operator(region.clone());
    let lang = if english {
        HeaderLanguage::English
    } else {
        HeaderLanguage::Chinese
    };
    let pb = progress::counter("households");
    let n = match format {
        "csv" => {
            let f = std::fs::File::create(out)
                .with_context(|| format!("cannot create {}", out.display()))?;
            let mut w = CsvHouseholdWriter::new(std::io::BufWriter::new(f), lang)?;
            let n = households::for_each_in(&store.pool, &actor, &region, |h| {
                pb.inc(1);
                w.write(&h.household)
                    .map_err(|e| dixian_store::StoreError::Invalid(e.to_string()))
            })
            .await?;
            w.finish()?;
            n
        }
        "xlsx" => {
            let mut w = XlsxHouseholdWriter::new(lang)?;
            let n = households::for_each_in(&store.pool, &actor, &region, |h| {
                pb.inc(1);
                w.write(&h.household)
                    .map_err(|e| dixian_store::StoreError::Invalid(e.to_string()))
            })
            .await?;
            w.save(out)?;
            n
        }
        other => bail!("unknown format {other}: use csv or xlsx"),
    };
    pb.finish_and_clear();
    println!("{n} households written to {}", out.display());
    Ok(())
}

pub async fn create_user(
    db: &str,
    username: &str,
    name: &str,
    role: &str,
    region: &str,
    password: &str,
) -> anyhow::Result<()> {
    let store = open(db).await?;
    let role = Role::parse(role).with_context(|| {
        let all: Vec<_> = Role::ALL.iter().map(|r| r.code()).collect();
        format!("unknown role {role}; one of: {}", all.join(", "))
    })?;
    let region = RegionCode::parse(region)?;
    let u = users::create(&store.pool, username, name, password, role, &region).await?;
    println!(
        "user {} created (id {}, {} of {})",
        u.username,
        u.id,
        role.code(),
        u.region
    );
    Ok(())
}

/// `admin list-users`: every account, active or not.
pub async fn list_users(db: &str) -> anyhow::Result<()> {
    let store = open(db).await?;
    let accounts = users::accounts(&store.pool).await?;
    println!(
        "{:<20} {:<18} {:<12} {:<8} last login (最近登录, UTC)",
        "username", "role", "region", "active"
    );
    for a in &accounts {
        let last = a.last_login_at.map_or_else(
            || "—".to_string(),
            |t| t.format("%Y-%m-%d %H:%M").to_string(),
        );
        println!(
            "{:<20} {:<18} {:<12} {:<8} {last}",
            a.user.username,
            a.user.role.code(),
            a.user.region.as_str(),
            if a.active { "yes" } else { "no" },
        );
    }
    let inactive = accounts.iter().filter(|a| !a.active).count();
    println!(
        "{} accounts, {inactive} deactivated ({}个账户，{inactive}个已停用)",
        accounts.len(),
        accounts.len()
    );
    Ok(())
}

/// `admin deactivate-user` / `activate-user`.
pub async fn set_user_active(db: &str, username: &str, active: bool) -> anyhow::Result<()> {
    let store = open(db).await?;
    let c = users::set_active(&store.pool, username, active).await?;
    match (c.changed, active) {
        (false, true) => println!("user {} is active already (账户已启用)", c.user.username),
        (false, false) => println!(
            "user {} is deactivated already (账户已停用)",
            c.user.username
        ),
        (true, true) => println!(
            "user {} activated; they log in again (账户已启用)",
            c.user.username
        ),
        (true, false) => println!(
            "user {} deactivated, {} session(s) ended (账户已停用，已结束{}个会话)",
            c.user.username, c.sessions_closed, c.sessions_closed
        ),
    }
    Ok(())
}

/// `admin reset-password`.
pub async fn reset_password(db: &str, username: &str, password: &str) -> anyhow::Result<()> {
    let store = open(db).await?;
    let c = users::reset_password(&store.pool, username, password).await?;
    println!(
        "password of {} reset, {} session(s) ended (密码已重置，已结束{}个会话)",
        c.user.username, c.sessions_closed, c.sessions_closed
    );
    Ok(())
}

pub async fn verify_audit(db: &str) -> anyhow::Result<()> {
    let store = open(db).await?;
    match audit::verify_chain(&store.pool).await? {
        None => println!("audit chain intact (审计链完整)"),
        Some(seq) => bail!(
            "audit record {seq} does not match its hash: edited in place (审计记录{seq}被篡改)"
        ),
    }
    Ok(())
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
    let pb = progress::bar(households, "households");
    let stats = dixian_sim::generate(&spec, |h| {
        pb.inc(1);
        w.write(&h)
    })?;
    w.finish()?;
    pb.finish_and_clear();
    Ok((stats.households, stats.persons))
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
        "{h} households, {p} persons written to {} in {secs:.2} s ({:.0} persons/s)",
        file.display(),
        p as f64 / secs
    );
    Ok(())
}

pub async fn bench_import(
    persons: u64,
    county: &str,
    divisions: &Path,
    dir: Option<&Path>,
    postgres: bool,
) -> anyhow::Result<()> {
    let tmp;
    let dir = match dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            d.to_path_buf()
        }
        None => {
            tmp = std::env::temp_dir().join(format!("dixian-bench-{}", std::process::id()));
            std::fs::create_dir_all(&tmp)?;
            tmp
        }
    };
    let db = dir.join("bench.db");
    let _ = std::fs::remove_file(&db);
    let (store, what) = if postgres {
        let backend = dixian_store::testing::Backend::Postgres;
        let store = dixian_store::testing::fresh_store(backend, &dir)
            .await?
            .context("PostgreSQL is not reachable")?;
        (
            store,
            format!(
                "PostgreSQL (fresh database on {})",
                dixian_store::testing::pg_server()
            ),
        )
    } else {
        (
            open(db.to_str().context("path is not UTF-8")?).await?,
            format!("SQLite {}", db.display()),
        )
    };
    println!(
        "machine: {} cores; database: {what}",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    let t = Instant::now();
    let n = import_regions(&store, divisions, None).await?;
    let s = t.elapsed().as_secs_f64();
    println!(
        "regions import:    {n:>9} rows    in {s:>7.2} s = {:>9.0} rows/s",
        n as f64 / s
    );
    let file = dir.join("households.csv");
    let t = Instant::now();
    let (h, p) = write_population(
        county,
        (persons as f64 / 3.7).round() as u64,
        7,
        &file,
        divisions,
    )?;
    let s = t.elapsed().as_secs_f64();
    println!(
        "sim population:    {p:>9} persons in {s:>7.2} s = {:>9.0} persons/s ({h} households)",
        p as f64 / s
    );
    let t = Instant::now();
    let report = registry_file::import_file(&store, &file, Some(county), true, || {}).await?;
    let s = t.elapsed().as_secs_f64();
    if !report.errors.is_empty() {
        bail!("bench file did not import: {}", report.errors[0]);
    }
    let (h, p) = report.written;
    println!(
        "households import: {p:>9} persons in {s:>7.2} s = {:>9.0} persons/s ({h} households, with audit rows)",
        p as f64 / s
    );
    store.close().await;
    if dir.starts_with(std::env::temp_dir()) {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}
