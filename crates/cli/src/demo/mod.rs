//! `dixian demo`: a real county (520526 威宁彝族回族苗族自治县) with
//! synthetic households in an embedded SQLite file, one user per role.

pub mod alerts;
pub mod assistance;
pub mod cases;
pub mod feeds;
pub mod monitored;

use crate::commands::{self, county_townships};
use anyhow::Context;
use dixian_domain::{Household, RegionCode, RegionLevel, Role};
use dixian_store::{Actor, Store, households, users};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Where the division files sit relative to a checkout.
pub const DEFAULT_DIVISIONS: &str = "../shared/data/divisions";

/// The demo county.
const COUNTY: &str = "520526";
/// The demo password of every demo user (printed at start).
/// Meets the password rule (`users::check_password`: 12 characters or more).
const DEMO_PASSWORD: &str = "dixian-demo-1";

/// The demo's audit key file: next to its database (`dixian-demo.audit-key`).
pub fn default_key_file(db: &Path) -> PathBuf {
    db.with_extension("audit-key")
}

pub async fn run(
    db: &Path,
    key_file: Option<PathBuf>,
    bind: &str,
    households: u64,
    divisions: &Path,
) -> anyhow::Result<()> {
    let fresh = !db.exists();
    let default_key = key_file.is_none();
    let key_file = key_file.unwrap_or_else(|| default_key_file(db));
    if fresh && default_key && key_file.exists() {
        // The key of a demo database that was deleted: it cannot chain a new one.
        std::fs::remove_file(&key_file)
            .with_context(|| format!("cannot remove the old {}", key_file.display()))?;
    }
    let config = commands::Db {
        url: db
            .to_str()
            .context("database path is not UTF-8")?
            .to_string(),
        audit_key_file: Some(key_file.clone()),
        data_key_file: None,
    };
    let (store, key_created) = commands::open_creating_key(&config).await?;
    if fresh {
        if let Err(e) = seed(&store, households, divisions).await {
            store.close().await;
            let _ = std::fs::remove_file(db);
            if key_created {
                let _ = std::fs::remove_file(&key_file);
            }
            return Err(e.context("demo database could not be created; removed it"));
        }
    } else {
        println!(
            "using existing {} (delete it and {} to start afresh; one made before the \
             password rule keeps the password dixian-demo)",
            db.display(),
            key_file.display()
        );
    }
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let addr = listener.local_addr()?;
    print_logins(&store).await?;
    println!(
        "\ndixian demo serving at http://{addr}/  (API docs: http://{addr}/api/v1/docs)  Ctrl-C to stop"
    );
    let rules = dixian_app::rule_book(&store, chrono::Utc::now()).await?;
    dixian_web::serve_with(dixian_web::AppState::new(store).with_rules(rules), listener).await?;
    Ok(())
}

async fn seed(store: &Store, households: u64, divisions: &Path) -> anyhow::Result<()> {
    let county = RegionCode::parse(COUNTY)?;
    let t = Instant::now();
    let n = commands::import_regions(store, divisions, Some(&county)).await?;
    println!(
        "{n} regions of county {COUNTY} loaded ({:.1} s)",
        t.elapsed().as_secs_f64()
    );
    if let Some(k) =
        dixian_app::key_counties::load_shipped(store, chrono::Local::now().date_naive()).await?
    {
        println!(
            "key assistance counties of the shipped list loaded: {} (重点帮扶县名单已加载)",
            k.added + k.kept
        );
    }
    let townships = county_townships(divisions, &county)?;
    let spec = dixian_sim::PopulationSpec {
        townships,
        households,
        seed: 7,
        as_of: chrono::Local::now().date_naive(),
    };
    spec.validate()?;
    let t = Instant::now();
    let mut imp =
        households::Importer::begin(&store.pool, &Actor::operator(county.clone())).await?;
    let pb = crate::progress::bar(households, "households");
    // The generator is synchronous and streams; a bounded channel hands its
    // households to the async import without holding them all.
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let generator = tokio::task::spawn_blocking(move || {
        dixian_sim::generate(&spec, |h| tx.blocking_send(h).map_err(|_| ()))
    });
    // Kept for the department feeds written about them (30,000 households: a few MB).
    let mut all = Vec::with_capacity(households as usize);
    while let Some(h) = rx.recv().await {
        all.push(h.clone());
        // Registered without its category: the county's migration below
        // brings the monitored ones in through the workflow.
        imp.add(Household {
            category: None,
            ..h
        })
        .await?;
        pb.inc(1);
    }
    generator
        .await?
        .map_err(|_| anyhow::anyhow!("generator stopped early"))?;
    let (issues, (h, p)) = imp.finish(true).await?;
    pb.finish_and_clear();
    if let Some(i) = issues.first() {
        anyhow::bail!("synthetic data rejected: {} {}", i.field, i.reason);
    }
    println!(
        "{h} households, {p} persons generated ({:.1} s)",
        t.elapsed().as_secs_f64()
    );
    let cadre_village = create_users(store, &county).await?;
    let rules = dixian_app::rule_book(store, chrono::Utc::now()).await?;
    let today = dixian_domain::case::china_date(chrono::Utc::now());
    let set = rules
        .select(&county, today)
        .context("no shipped rule set covers the demo county")?;
    let taken = crate::demo::cases::seed(store, &rules).await?;
    println!(
        "{} demo cases in every stage of the workflow (some overdue) in the village of user cadre",
        taken.len()
    );
    let t = Instant::now();
    let n = crate::demo::monitored::seed(store, &county, &all, &taken, &set.workflow).await?;
    println!(
        "{n} monitored households brought in by the county's migration ({:.1} s)",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let towns: std::collections::HashMap<String, String> =
        dixian_store::regions::children(&store.pool, &county)
            .await?
            .into_iter()
            .map(|r| (r.code, r.name))
            .collect();
    let seeded =
        crate::demo::assistance::seed(store, &county, &all, &taken, &rules, &towns).await?;
    let c = seeded.counts;
    println!(
        "assistance: {} helpers, {} plans, {} measures, {} visits; \
         planted for the chain report: {} findings ({:.1} s)",
        c.helpers,
        c.plans,
        c.measures,
        c.visits,
        seeded.demo.manifest.len(),
        t.elapsed().as_secs_f64()
    );
    crate::demo::feeds::seed(store, &county, &all, &cadre_village, &rules).await?;
    crate::demo::alerts::seed(store, &county, &cadre_village, &rules).await?;
    Ok(())
}

/// One user per role, scoped to the first township and village.
/// Creates the demo users; returns the cadre's village.
async fn create_users(store: &Store, county: &RegionCode) -> anyhow::Result<RegionCode> {
    let towns = dixian_store::regions::children(&store.pool, county).await?;
    let town = towns.first().context("county has no township")?;
    let town = RegionCode::parse(&town.code)?;
    let villages = dixian_store::regions::children(&store.pool, &town).await?;
    let village = RegionCode::parse(&villages.first().context("township has no village")?.code)?;
    let province = county
        .ancestor(RegionLevel::Province)
        .context("county has a province")?;
    let plan: [(&str, &str, Role, &RegionCode); 5] = [
        ("cadre", "村干部(演示)", Role::VillageCadre, &village),
        (
            "township",
            "乡镇审核员(演示)",
            Role::TownshipReviewer,
            &town,
        ),
        ("county", "县级管理员(演示)", Role::CountyAdmin, county),
        ("officer", "部门数据专员(演示)", Role::DataOfficer, county),
        ("viewer", "省级查看(演示)", Role::Viewer, &province),
    ];
    for (name, display, role, region) in plan {
        users::create(&store.pool, name, display, DEMO_PASSWORD, role, region).await?;
    }
    Ok(village)
}

async fn print_logins(store: &Store) -> anyhow::Result<()> {
    println!("\nlogins (用户名 / 密码 {DEMO_PASSWORD}):");
    for u in users::list(&store.pool).await? {
        let region = dixian_store::regions::get(&store.pool, &u.region)
            .await?
            .map(|r| r.name)
            .unwrap_or_default();
        println!(
            "  {:<10} {:<18} {} {}",
            u.username,
            u.role.code(),
            u.region,
            region
        );
    }
    Ok(())
}
