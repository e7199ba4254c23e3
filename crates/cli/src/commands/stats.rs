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

/// `dixian stats refresh`: the villages waiting to be recounted, recounted.
pub async fn refresh(db: &Db) -> anyhow::Result<()> {
    let store = open(db).await?;
    let book = dixian_app::rule_book(&store, Utc::now()).await?;
    let started = std::time::Instant::now();
    let n = dixian_app::figures::refresh(&store, &book, today()).await?;
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
        let row = dixian_app::figures::report_row(
            &c.region.code,
            &dixian_app::figures::marked_name(c),
            &c.figures,
        );
        println!("{}", row.join("\t"));
    }
    let row = dixian_app::figures::report_row(&r.region.code, "合计", &r.total);
    println!("{}", row.join("\t"));
    Ok(())
}

fn province(code: &str) -> anyhow::Result<dixian_domain::RegionCode> {
    Ok(dixian_domain::RegionCode::parse(code).map_err(|e| anyhow::anyhow!("--province: {e}"))?)
}

/// `dixian national attach --province 52 --source postgres://…`.
pub async fn national_attach(db: &Db, code: &str, source: &str) -> anyhow::Result<()> {
    let store = open(db).await?;
    let p = province(code)?;
    let source = dixian_store::rollup::Source::parse(source)?;
    dixian_store::rollup::attach(&store.pool, &p, &source).await?;
    println!("province {code} attached: {source:?} (已接入该省汇总数据)");
    Ok(())
}

/// `dixian national detach --province 52`.
pub async fn national_detach(db: &Db, code: &str) -> anyhow::Result<()> {
    let store = open(db).await?;
    if dixian_store::rollup::detach(&store.pool, &province(code)?).await? {
        println!("province {code} detached (已断开)");
    } else {
        println!("province {code} was not attached (未接入)");
    }
    Ok(())
}

/// `dixian national list`.
pub async fn national_list(db: &Db) -> anyhow::Result<()> {
    let store = open(db).await?;
    for p in dixian_store::rollup::provinces(&store.pool).await? {
        println!("{p}");
    }
    Ok(())
}

/// `dixian national show [--province 52]`: the report's columns, a line
/// per province (or county), then the total.
pub async fn national_show(
    db: &Db,
    code: Option<&str>,
    from: Option<String>,
    to: Option<String>,
) -> anyhow::Result<()> {
    let store = open(db).await?;
    let p = code.map(province).transpose()?;
    let period = dixian_app::figures::Period::parse(from.as_deref(), to.as_deref(), today())?;
    let r = dixian_app::national::report(&store, p.as_ref(), &period, today()).await?;
    println!("{}", dixian_app::figures::REPORT_COLUMNS.join("\t"));
    for a in &r.areas {
        let row = dixian_app::figures::report_row(&a.region.code, &a.region.name, &a.figures);
        println!("{}", row.join("\t"));
    }
    let row = dixian_app::figures::report_row(code.unwrap_or("全国"), "合计", &r.total);
    println!("{}", row.join("\t"));
    Ok(())
}
