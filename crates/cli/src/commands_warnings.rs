//! Commands of the screening pass and the rule book: `screen run`,
//! `rules add|list|whatif`, `warnings list`.

use crate::commands::{Db, open};
use anyhow::Context;
use chrono::{NaiveDate, Utc};
use dixian_domain::RegionCode;
use dixian_screen::FeedRow;
use dixian_store::rule_sets::{self, Adopted};
use dixian_store::warnings::{self, WarningFilter};
use dixian_store::{Actor, Store};
use std::path::PathBuf;

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn today() -> NaiveDate {
    dixian_domain::case::china_date(Utc::now())
}

async fn store_and_actor(db: &Db, region: &str) -> anyhow::Result<(Store, Actor)> {
    let store = open(db).await?;
    let region = RegionCode::parse(region).with_context(|| format!("region {region}"))?;
    Ok((store, Actor::operator(region)))
}

/// `dixian screen run [--as-of DATE]`.
pub async fn screen_run(db: &Db, region: &str, as_of: Option<NaiveDate>) -> anyhow::Result<()> {
    let (store, actor) = store_and_actor(db, region).await?;
    let now = Utc::now();
    let as_of = as_of.unwrap_or_else(today);
    let spinner = crate::progress::counter("screening (筛查)");
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let book = dixian_app::rule_book(&store, now).await?;
    let started = std::time::Instant::now();
    let r = dixian_app::run_screening(&store, &actor, &book, as_of, now, threads()).await?;
    spinner.finish_and_clear();
    let s = r.stats;
    println!(
        "run {} as of {}: {} rows read ({} of registered persons or villages, {} dated after the as-of day, {} without a rule set) in {:.2} s",
        r.run.id,
        r.run.as_of,
        r.run.rows_screened,
        s.matched,
        s.after_as_of,
        s.no_rule_set,
        started.elapsed().as_secs_f64()
    );
    println!(
        "{} hits: {} new warnings ({} attached to open cases), {} open warnings with new evidence, {} already known (新预警{}条)",
        r.hits,
        r.run.warnings_raised,
        r.run.warnings_attached,
        r.run.warnings_extended,
        r.run.warnings_known,
        r.run.warnings_raised
    );
    Ok(())
}

/// `dixian rules add FILE…`: adopt new versions (checked, audited).
pub async fn rules_add(db: &Db, region: &str, files: &[PathBuf]) -> anyhow::Result<()> {
    let (store, actor) = store_and_actor(db, region).await?;
    let texts = read_files(files)?;
    let (adopted, _) = dixian_app::adopt_rules(&store, &actor, &texts, Utc::now()).await?;
    for ((name, _), a) in texts.iter().zip(adopted) {
        match a {
            Adopted::Added { version, .. } => {
                println!("{name}: version {version} adopted (已启用)")
            }
            Adopted::Unchanged { version } => {
                println!(
                    "{name}: same as version {version} in force; nothing done (与现行版本相同)"
                )
            }
        }
    }
    Ok(())
}

fn read_files(files: &[PathBuf]) -> anyhow::Result<Vec<(String, String)>> {
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f)
                .with_context(|| format!("cannot read {}", f.display()))?;
            Ok((f.display().to_string(), text))
        })
        .collect()
}

/// `dixian rules list [--history]`.
pub async fn rules_list(db: &Db, history: bool) -> anyhow::Result<()> {
    let store = open(db).await?;
    dixian_app::rule_book(&store, Utc::now()).await?;
    let sets = if history {
        rule_sets::history(&store.pool).await?
    } else {
        rule_sets::current(&store.pool).await?
    };
    println!("region     from        version  adopted                    name");
    for s in sets {
        println!(
            "{:<10} {}  {:>7}  {}  {}",
            s.region,
            s.valid_from,
            s.version,
            s.added_at.format("%Y-%m-%d %H:%M UTC"),
            s.name
        );
    }
    Ok(())
}

/// `dixian rules whatif FILE --from D --to D`.
pub async fn rules_whatif(
    db: &Db,
    region: &str,
    file: &std::path::Path,
    from: NaiveDate,
    to: NaiveDate,
) -> anyhow::Result<()> {
    let (store, actor) = store_and_actor(db, region).await?;
    let texts = read_files(&[file.to_path_buf()])?;
    let draft = dixian_app::rules::parse_files(&texts)?.remove(0);
    let spinner = crate::progress::counter("replaying (回放)");
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let w = dixian_app::what_if(&store, &actor, &draft, from, to, Utc::now(), threads()).await?;
    spinner.finish_and_clear();
    println!(
        "{} stored rows from {from} to {to}, windowed rules evaluated at {} month ends; draft: {} (as if in force over the period)",
        w.rows,
        w.as_of_days.len(),
        draft.name
    );
    let names: std::collections::HashMap<String, String> =
        dixian_store::regions::children(&store.pool, &actor.scope.region)
            .await?
            .into_iter()
            .map(|r| (r.code, r.name))
            .collect();
    println!("current  draft  change  township / risk type (乡镇 / 风险类型)");
    for ((township, risk), (cur, new)) in &w.counts {
        let label = dixian_domain::RiskType::parse(risk)
            .map_or(risk.clone(), |r| format!("{} {}", r.label_zh(), r.code()));
        let name = names.get(township).map_or("", String::as_str);
        println!(
            "{cur:>7} {new:>6} {:>+7}  {township} {name} / {label}",
            *new as i64 - *cur as i64
        );
    }
    let (cur, new) = w.totals();
    println!(
        "{cur:>7} {new:>6} {:>+7}  total 合计",
        new as i64 - cur as i64
    );
    Ok(())
}

/// `dixian warnings list`.
pub async fn warnings_list(db: &Db, region: &str, filter: WarningFilter) -> anyhow::Result<()> {
    let (store, actor) = store_and_actor(db, region).await?;
    let (rows, total) = warnings::list(&store.pool, &actor, &filter).await?;
    println!("{total} warning(s); showing {}", rows.len());
    println!(
        "id       household        village       risk type        severity  rule                 last date   status"
    );
    for w in rows {
        println!(
            "{:<8} {:<16} {:<13} {:<16} {:<9} {:<20} {}  {}",
            w.id,
            w.household_number,
            w.village_code,
            w.risk_type.code(),
            w.severity,
            w.rule_id,
            w.last_date,
            w.status
        );
    }
    Ok(())
}

/// `dixian warnings show ID`: the warning and its evidence (the operator
/// acts for the county and sees what the county sees).
pub async fn warning_show(db: &Db, region: &str, id: i64) -> anyhow::Result<()> {
    let (store, actor) = store_and_actor(db, region).await?;
    let d = warnings::get::<FeedRow>(&store.pool, &actor, id).await?;
    let w = &d.warning;
    println!(
        "warning {} · {} · {} · {} ({} v{}) · household {} · village {} · {} – {} · {}",
        w.id,
        w.risk_type.code(),
        w.severity,
        w.rule_id,
        w.rule_set_name,
        w.rule_set_version,
        w.household_number,
        w.village_code,
        w.first_date,
        w.last_date,
        w.status
    );
    for e in &d.evidence {
        println!(
            "  {} {}:{} {}",
            e.event_date,
            e.file_name,
            e.line,
            serde_json::to_string(&e.payload)?
        );
    }
    Ok(())
}

/// How a warning ends.
pub enum End<'a> {
    /// Verified, with the check's note.
    Verify(&'a str),
    /// Dismissed, with the reason.
    Dismiss(&'a str),
}

/// `dixian warnings verify|dismiss ID`, at the warning's current version.
pub async fn warning_end(db: &Db, region: &str, id: i64, end: End<'_>) -> anyhow::Result<()> {
    let (store, actor) = store_and_actor(db, region).await?;
    let version = warnings::get::<FeedRow>(&store.pool, &actor, id)
        .await?
        .warning
        .version;
    let now = Utc::now();
    match end {
        End::Verify(note) => {
            let book = dixian_app::rule_book(&store, now).await?;
            let policies = |village: &RegionCode, on: NaiveDate| {
                book.select(village, on).map(|s| s.workflow.clone())
            };
            let v =
                warnings::verify(&store.pool, &actor, id, version, note, now, &policies).await?;
            println!(
                "warning {id} verified: lead {} ({}), case {} (已核实，转为线索)",
                v.lead.reference,
                v.lead.status.code(),
                v.lead.case_id.map_or("—".to_string(), |c| c.to_string())
            );
        }
        End::Dismiss(reason) => {
            warnings::dismiss(&store.pool, &actor, id, version, reason, now).await?;
            println!("warning {id} dismissed (已排除)");
        }
    }
    Ok(())
}
