//! Commands of the screening pass and its warnings: `screen run`,
//! `warnings list|show|verify|dismiss`.

use crate::commands::{Db, open};
use anyhow::Context;
use chrono::{NaiveDate, Utc};
use dixian_domain::RegionCode;
use dixian_screen::FeedRow;
use dixian_store::warnings::{self, WarningFilter};
use dixian_store::{Actor, Store};

pub(super) fn threads() -> usize {
    crate::config::default_threads()
}

pub(super) fn today() -> NaiveDate {
    dixian_domain::case::china_date(Utc::now())
}

pub(super) async fn store_and_actor(db: &Db, region: &str) -> anyhow::Result<(Store, Actor)> {
    let store = open(db).await?;
    let region = RegionCode::parse(region).with_context(|| format!("region {region}"))?;
    Ok((store, Actor::operator(region)))
}

/// `dixian screen run [--as-of DATE]`.
pub async fn screen_run(db: &Db, region: &str, as_of: Option<NaiveDate>) -> anyhow::Result<()> {
    let (store, actor) = store_and_actor(db, region).await?;
    let now = Utc::now();
    let as_of = as_of.unwrap_or_else(today);
    let book = dixian_app::rule_book(&store, now).await?;
    let started = std::time::Instant::now();
    // phases and rows through the progress hook the web's jobs use
    let bar = std::sync::Arc::new(crate::progress::Bar::new("screening (筛查)"));
    let progress: std::sync::Arc<dyn dixian_store::jobs::Progress> = bar.clone();
    let r = dixian_app::run_screening_with(&store, &actor, &book, as_of, now, threads(), progress)
        .await;
    bar.finish();
    let r = r?;
    if let Some(repeated) = r.run.repeats_run {
        println!(
            "run {} as of {}: nothing changed since run {repeated} (no new feed rows, the same registry and rule book): no rows read, {} hits all known, in {:.2} s (无新数据，未重新筛查)",
            r.run.id,
            r.run.as_of,
            r.run.warnings_known,
            started.elapsed().as_secs_f64()
        );
        if let Some(a) = &r.alerts {
            crate::commands::alerts::print_run(a);
        }
        if let Some(e) = &r.alerts_error {
            println!("alerts did not run (预警未运行): {e}; run `dixian alerts run` again");
        }
        return Ok(());
    }
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
    if let Some(a) = &r.alerts {
        crate::commands::alerts::print_run(a);
    }
    if let Some(e) = &r.alerts_error {
        println!("alerts did not run (预警未运行): {e}; run `dixian alerts run` again");
    }
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
