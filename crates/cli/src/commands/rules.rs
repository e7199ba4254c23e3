//! Rule sets: check files, adopt them as new versions, list versions, replay a draft (what-if).

use super::screening::{store_and_actor, threads};
use crate::commands::{Db, open};
use anyhow::{Context, bail};
use chrono::{NaiveDate, Utc};
use dixian_screen::{RuleBook, RuleSet};
use dixian_store::rule_sets::{self, Adopted};
use std::path::PathBuf;

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

/// `dixian rules check FILE…`: every error with file, line and column;
/// with several files, also the checks across them (overlaps, floors).
pub fn rules_check(files: &[std::path::PathBuf]) -> anyhow::Result<()> {
    let mut sets = Vec::new();
    let mut errors = 0;
    for f in files {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
        match RuleSet::parse(&text, &f.display().to_string()) {
            Ok(s) => {
                println!(
                    "{}: ok — {} (valid from {}, {} rules)",
                    f.display(),
                    s.name,
                    s.valid_from,
                    s.rules.len()
                );
                sets.push(s);
            }
            Err(es) => {
                errors += es.len();
                es.iter().for_each(|e| eprintln!("{e}"));
            }
        }
    }
    if errors == 0
        && sets.len() > 1
        && let Err(es) = RuleBook::new(sets)
    {
        errors += es.len();
        es.iter().for_each(|e| eprintln!("{e}"));
    }
    if errors > 0 {
        bail!("{errors} error(s) in the rule file(s) (规则文件有误)");
    }
    Ok(())
}
