//! 规模性返贫预警 at the command line: `alerts run [--as-of]` (also run
//! after every screening run) and `alerts list`.

use crate::commands::Db;
use crate::commands::screening::{store_and_actor, today};
use chrono::{NaiveDate, Utc};
use dixian_store::alerts::AlertFilter;

/// `dixian alerts run [--as-of DATE]`.
pub async fn run(db: &Db, region: &str, as_of: Option<NaiveDate>) -> anyhow::Result<()> {
    let (store, actor) = store_and_actor(db, region).await?;
    let now = Utc::now();
    let as_of = as_of.unwrap_or_else(today);
    let book = dixian_app::rule_book(&store, now).await?;
    let r = dixian_app::alerts::run_alerts(&store, &actor, &book, as_of, now).await?;
    print_run(&r);
    Ok(())
}

/// One line on what a detector run did (also after `screen run`).
pub fn print_run(r: &dixian_app::alerts::AlertRun) {
    match &r.rule_set {
        None => println!(
            "alerts: no rule set in force for {} on {} has [alerts]; nothing looked at (无预警参数)",
            r.region, r.as_of
        ),
        Some(set) => println!(
            "alerts as of {} ({set}): {} events read, {} places above their usual level: {} new alerts, {} grown, {} already known (新增规模性风险预警{}条)",
            r.as_of,
            r.events,
            r.flagged,
            r.outcome.raised.len(),
            r.outcome.grown.len(),
            r.outcome.unchanged,
            r.outcome.raised.len()
        ),
    }
}

/// `dixian alerts list`.
pub async fn list(db: &Db, region: &str, filter: AlertFilter) -> anyhow::Result<()> {
    let (store, actor) = store_and_actor(db, region).await?;
    let rows = dixian_app::alerts::list(&store, &actor, &filter).await?;
    println!("{} alert(s)", rows.len());
    println!(
        "id     region        level     risk type            window                   households  usual  threshold  severity  status"
    );
    for a in rows {
        let r = &a.alert;
        println!(
            "{:<6} {:<13} {:<9} {:<20} {} → {}  {:>10}  {:>5.1}  {:>9.1}  {:<8}  {}",
            r.id,
            r.region_code,
            a.level_code,
            r.risk_type.code(),
            r.window_from,
            r.window_to,
            r.households,
            r.baseline_mean,
            r.threshold,
            r.severity,
            r.status.code()
        );
    }
    Ok(())
}
