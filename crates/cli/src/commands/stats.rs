//! The figures' counters (`store::stats`): `stats rebuild` recounts every
//! village from scratch; `stats show` prints a region's figures.

use crate::commands::screening::{store_and_actor, today};
use crate::commands::{Db, open};
use chrono::Utc;

/// `dixian stats rebuild`: every village recounted from its rows.
pub async fn rebuild(db: &Db) -> anyhow::Result<()> {
    let store = open(db).await?;
    let book = dixian_app::rule_book(&store, Utc::now()).await?;
    let started = std::time::Instant::now();
    let n = dixian_app::figures::rebuild(&store, &book, today()).await?;
    println!(
        "{n} villages recounted in {:.2} s (已重算{n}个村的统计数)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `dixian stats show --region CODE [--from YYYY-MM] [--to YYYY-MM]`:
/// the columns of the report sent upward, a line per child region.
pub async fn show(
    db: &Db,
    region: &str,
    from: Option<String>,
    to: Option<String>,
) -> anyhow::Result<()> {
    let (store, actor) = store_and_actor(db, region).await?;
    let book = dixian_app::rule_book(&store, Utc::now()).await?;
    let period = dixian_app::figures::Period::parse(from.as_deref(), to.as_deref(), today())?;
    let r = dixian_app::figures::report(&store, &actor, &book, region, &period, today()).await?;
    println!("{}", dixian_app::figures::REPORT_COLUMNS.join("\t"));
    for c in &r.children {
        let row = dixian_app::figures::report_row(&c.region.code, &dixian_app::figures::marked_name(c), &c.figures);
        println!("{}", row.join("\t"));
    }
    let row = dixian_app::figures::report_row(&r.region.code, "合计", &r.total);
    println!("{}", row.join("\t"));
    Ok(())
}
