//! Commands of the case workflow for the county office's operator:
//! overdue cases per township, a village's notice list (and workbook),
//! one user's inbox.

use crate::commands::{Db, open};
use anyhow::Context;
use dixian_app::cases;
use dixian_app::rules::Policies;
use dixian_domain::RegionCode;
use dixian_store::{Actor, Store, users};
use dixian_web::cases::notice::workbook;
use std::path::Path;

/// Workflow numbers from the rule book in force in the store: the
/// versions adopted there, as the server uses them.
async fn policies(store: &Store) -> anyhow::Result<Policies> {
    let book = dixian_app::rule_book(store, chrono::Utc::now())
        .await
        .context("reading the rule book in force")?;
    Ok(Policies(std::sync::Arc::new(book)))
}

async fn store_and_operator(db: &Db, region: &str) -> anyhow::Result<(Store, Actor)> {
    let store = open(db).await?;
    Ok((store, Actor::operator(RegionCode::parse(region)?)))
}

/// `dixian cases overdue --region CODE [--json]`.
pub async fn overdue(db: &Db, region: &str, json: bool) -> anyhow::Result<()> {
    let (store, actor) = store_and_operator(db, region).await?;
    let now = chrono::Utc::now();
    let list = cases::overdue(&store, &actor, now, &policies(&store).await?).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    if list.is_empty() {
        println!("no overdue case in {region} (无超期案件)");
    }
    for t in list {
        println!(
            "{} {} — {} overdue (超期)",
            t.township_code,
            t.township_name,
            t.cases.len()
        );
        for c in t.cases {
            println!(
                "  case {:>6}  household {}  {}  stage {}  due {}  {} day(s) over  → {}",
                c.case_id,
                c.household_number,
                c.village_name,
                c.stage.label_zh(),
                c.overdue.deadline,
                c.overdue.days_over,
                c.overdue.escalate_to.label_zh()
            );
        }
    }
    Ok(())
}

/// `dixian cases notice --village CODE [--xlsx FILE]`: the households on
/// notice now — the same fields the printed notice shows, nothing more.
pub async fn notice(db: &Db, village: &str, xlsx: Option<&Path>) -> anyhow::Result<()> {
    let (store, actor) = store_and_operator(db, village).await?;
    let doc = cases::notice(&store, &actor, village, chrono::Utc::now()).await?;
    println!("{} ({})", doc.title(), doc.today);
    for (i, l) in doc.lines.iter().enumerate() {
        println!(
            "{:>3}. {}  {}  {}  {}  {} 至 {}",
            i + 1,
            l.head,
            if l.group.is_empty() { "—" } else { &l.group },
            l.category,
            l.risks,
            l.start,
            l.end
        );
    }
    if doc.lines.is_empty() {
        println!("(本轮无公示对象 — nobody on notice)");
    }
    if let Some(path) = xlsx {
        let bytes = workbook(&doc)?;
        doc.record_export(&store, &actor, "xlsx").await?;
        std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        println!("written {} ({} row(s))", path.display(), doc.lines.len());
    }
    Ok(())
}

/// `dixian cases inbox --user NAME`: what waits on that user.
pub async fn inbox(db: &Db, username: &str) -> anyhow::Result<()> {
    let store = open(db).await?;
    let user = users::list(&store.pool)
        .await?
        .into_iter()
        .find(|u| u.username == username)
        .with_context(|| format!("no user {username}"))?;
    let inbox = cases::inbox(
        &store,
        &Actor::of(&user),
        chrono::Utc::now(),
        &policies(&store).await?,
        None,
    )
    .await?;
    println!(
        "{} ({}, {}): {} case(s), {} lead(s)",
        user.username,
        user.role.label_zh(),
        user.region,
        inbox.cases.len(),
        inbox.leads.len()
    );
    for c in inbox.cases {
        let late = c
            .overdue
            .map(|o| format!("  超期{}天", o.days_over))
            .unwrap_or_default();
        println!(
            "  case {:>6}  {}  {}  {}  due {}{late}",
            c.case_id,
            c.household_number,
            c.head_name,
            c.stage.label_zh(),
            c.due_on
                .map(|d| d.to_string())
                .unwrap_or_else(|| "—".into())
        );
    }
    for l in inbox.leads {
        println!(
            "  lead {}  {}  {}",
            l.reference,
            l.channel.label_zh(),
            l.village_code
        );
    }
    Ok(())
}
