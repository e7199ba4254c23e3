//! The commands other than the demo: each opens the store, calls the
//! library crates and reports what it did.

use crate::progress;
use anyhow::{Context, bail};
use dixian_domain::{RegionCode, RegionLevel, Role};
use dixian_store::audit::{self, AuditKey};
use dixian_store::crypto::{self, DataKey};
use dixian_store::{Actor, Store, privacy, regions, registry_file, users};
use dixian_tabular::household_file::{CsvHouseholdWriter, HeaderLanguage, XlsxHouseholdWriter};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Where the data is: the database and the key its audit chain is keyed
/// with (a file outside the database).
#[derive(Debug, Clone)]
pub struct Db {
    /// A SQLite file path or a postgres:// URL.
    pub url: String,
    /// The audit key file (`--audit-key-file`, `DIXIAN_AUDIT_KEY_FILE`).
    pub audit_key_file: Option<PathBuf>,
    /// The data key file (`--data-key-file`, `DIXIAN_DATA_KEY_FILE`).
    pub data_key_file: Option<PathBuf>,
}

impl Db {
    /// A database without an audit key (benchmarks on fresh databases).
    pub fn unkeyed(url: &str) -> Db {
        Db {
            url: url.to_string(),
            audit_key_file: None,
            data_key_file: None,
        }
    }
}

/// Opens the store, applies pending migrations and loads the audit key
/// when one is configured (its file must exist: `dixian migrate` makes it).
pub async fn open(db: &Db) -> anyhow::Result<Store> {
    let store = Store::open(&db.url)
        .await
        .with_context(|| "cannot open the database".to_string())?;
    store.migrate().await?;
    let key = match &db.audit_key_file {
        Some(path) if !path.exists() => bail!(
            "audit key file {} does not exist; `dixian migrate` creates it (审计密钥文件不存在)",
            path.display()
        ),
        Some(path) => Some(Arc::new(AuditKey::load(path)?)),
        None => None,
    };
    let data_key = match &db.data_key_file {
        Some(path) if !path.exists() => bail!(
            "data key file {} does not exist; `dixian migrate` creates it (数据加密密钥文件不存在)",
            path.display()
        ),
        Some(path) => Some(Arc::new(DataKey::load(path)?)),
        None => None,
    };
    Ok(store.with_audit_key(key).with_data_key(data_key).await?)
}

/// Loads (or creates) the data key and encrypts what is still in clear;
/// prints what it did.
async fn keyed_data(store: Store, db: &Db) -> anyhow::Result<Store> {
    let Some(path) = &db.data_key_file else {
        return Ok(store.with_data_key(None).await?);
    };
    let (key, created) = crypto::open_or_create_data_key(&store.pool, path).await?;
    if created {
        println!(
            "data key {} created in {} (0600): keep it secret, outside the database, and back it up \
             apart from the database backups; without it the ID numbers, phones and feed rows cannot be read",
            key.id(),
            path.display()
        );
    }
    let n = crypto::check_or_encrypt(&store.pool, Some(&key)).await?;
    if n > 0 {
        println!(
            "{n} row(s) encrypted with data key {} (ID numbers, phones, feed rows; 已加密)",
            key.id()
        );
    }
    Ok(store.with_data_key(Some(key)).await?)
}

/// `dixian admin encrypt-data`: encrypts the personal data stored in
/// clear with the data key (created when missing).
pub async fn encrypt_data(db: &Db) -> anyhow::Result<()> {
    if db.data_key_file.is_none() {
        bail!(
            "no data key configured: give --data-key-file or DIXIAN_DATA_KEY_FILE (未配置数据加密密钥)"
        );
    }
    let (store, _) = open_creating_key(db).await?;
    let id = crypto::stored_key_id(&store.pool).await?;
    println!(
        "ID numbers and phones encrypted at rest with data key {} (个人信息已加密存储)",
        id.unwrap_or_default()
    );
    store.close().await;
    Ok(())
}

/// Opens the store and its audit key, creating the key file when missing
/// (`migrate` and `demo`); returns whether it was created.
pub async fn open_creating_key(db: &Db) -> anyhow::Result<(Store, bool)> {
    let store = Store::open(&db.url)
        .await
        .with_context(|| "cannot open the database".to_string())?;
    store.migrate().await?;
    let Some(path) = &db.audit_key_file else {
        return Ok((keyed_data(store, db).await?, false));
    };
    let (key, created) = audit::open_or_create_key(&store.pool, path).await?;
    if created {
        println!(
            "audit key {} created in {} (0600), chaining from record {}: keep it secret, \
             outside the database, and back it up apart from the database backups",
            key.id(),
            path.display(),
            key.keyed_from()
        );
    }
    let store = keyed_data(store.with_audit_key(Some(key)), db).await?;
    Ok((store, created))
}

pub async fn migrate(db: &Db) -> anyhow::Result<()> {
    let store = Store::open(&db.url).await?;
    let n = store.migrate().await?;
    println!("{n} migration(s) applied");
    store.close().await;
    if db.audit_key_file.is_none() {
        println!(
            "no audit key configured (--audit-key-file / DIXIAN_AUDIT_KEY_FILE): the audit chain stays unkeyed"
        );
    }
    if db.data_key_file.is_none() {
        println!(
            "no data key configured (--data-key-file / DIXIAN_DATA_KEY_FILE): ID numbers and phones stay in clear"
        );
    }
    if db.audit_key_file.is_none() && db.data_key_file.is_none() {
        return Ok(());
    }
    let (store, _) = open_creating_key(db).await?;
    store.close().await;
    Ok(())
}

pub async fn serve(
    db: &Db,
    bind: &str,
    security: dixian_web::WebSecurity,
    config: &crate::config::Config,
) -> anyhow::Result<()> {
    let store = open(db).await?;
    if db.audit_key_file.is_none() {
        tracing::warn!(
            "no audit key configured (--audit-key-file / DIXIAN_AUDIT_KEY_FILE): audit records are chained with plain SHA-256"
        );
    }
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    println!("dixian serving at http://{}", listener.local_addr()?);
    let rules = dixian_app::rule_book(&store, chrono::Utc::now()).await?;
    let (max_upload, concurrent_uploads) = config.upload_limits();
    let state = dixian_web::AppState::new(store)
        .with_rules(rules)
        .with_security(security)
        .with_uploads(max_upload, concurrent_uploads)
        .with_login_limits(config.login_limits())
        .with_threads(config.threads());
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

pub async fn regions_import(db: &Db, dir: &Path, only: Option<&str>) -> anyhow::Result<()> {
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
    db: &Db,
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

/// `dixian households export`: the registry of a region with members in
/// full. Refused without `--reason`; the export (region, rows, reason) is
/// one audit row. A file left half-written by a failure is removed.
pub async fn households_export(
    db: &Db,
    region: &str,
    format: &str,
    out: &Path,
    english: bool,
    reason: Option<&str>,
) -> anyhow::Result<()> {
    // Refused before the database is opened or a file created.
    privacy::Reason::required(reason)?;
    if !matches!(format, "csv" | "xlsx") {
        bail!("unknown format {format}: use csv or xlsx");
    }
    let store = open(db).await?;
    let region = RegionCode::parse(region)?;
    let actor = Actor::operator(region.clone());
    let lang = if english {
        HeaderLanguage::English
    } else {
        HeaderLanguage::Chinese
    };
    let pb = progress::counter("households");
    let written = match format {
        "csv" => {
            let f = std::fs::File::create(out)
                .with_context(|| format!("cannot create {}", out.display()))?;
            let mut w = CsvHouseholdWriter::new(std::io::BufWriter::new(f), lang)?;
            let n = privacy::export_households(&store.pool, &actor, &region, format, reason, |h| {
                pb.inc(1);
                w.write(&h.household)
                    .map_err(|e| dixian_store::StoreError::Invalid(e.to_string()))
            })
            .await;
            n.map_err(anyhow::Error::from)
                .and_then(|n| w.finish().map(|_| n).map_err(anyhow::Error::from))
        }
        _ => {
            let mut w = XlsxHouseholdWriter::new(lang)?;
            let n = privacy::export_households(&store.pool, &actor, &region, format, reason, |h| {
                pb.inc(1);
                w.write(&h.household)
                    .map_err(|e| dixian_store::StoreError::Invalid(e.to_string()))
            })
            .await;
            n.map_err(anyhow::Error::from)
                .and_then(|n| w.save(out).map(|_| n).map_err(anyhow::Error::from))
        }
    };
    pb.finish_and_clear();
    let n = match written {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_file(out);
            return Err(e);
        }
    };
    println!(
        "{n} households written to {} (export recorded in the audit log)",
        out.display()
    );
    Ok(())
}

pub async fn create_user(
    db: &Db,
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
pub async fn list_users(db: &Db) -> anyhow::Result<()> {
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
pub async fn set_user_active(db: &Db, username: &str, active: bool) -> anyhow::Result<()> {
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
pub async fn reset_password(db: &Db, username: &str, password: &str) -> anyhow::Result<()> {
    let store = open(db).await?;
    let c = users::reset_password(&store.pool, username, password).await?;
    println!(
        "password of {} reset, {} session(s) ended (密码已重置，已结束{}个会话)",
        c.user.username, c.sessions_closed, c.sessions_closed
    );
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
            open(&Db::unkeyed(db.to_str().context("path is not UTF-8")?)).await?,
            format!("SQLite {}", db.display()),
        )
    };
    println!(
        "machine: {} cores; database: {what}",
        crate::config::default_threads()
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
