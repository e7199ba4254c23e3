//! `dixian cases migrate`: the county's list of households it monitored
//! before dixian, straight into the monitored stage.

use crate::commands::{Db, open};
use anyhow::{Context, bail};
use dixian_app::migration::migrate_list;
use dixian_domain::RegionCode;
use dixian_store::Actor;
use std::path::Path;

/// `dixian cases migrate FILE --region COUNTY`.
pub async fn migrate(db: &Db, file: &Path, region: &str, note: &str) -> anyhow::Result<()> {
    let store = open(db).await?;
    let actor = Actor::operator(RegionCode::parse(region)?);
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let r = migrate_list(&store, &actor, bytes, note, chrono::Utc::now()).await?;
    for e in r.errors.iter().take(50) {
        let column = e
            .column
            .as_deref()
            .map(|c| format!(" [{c}]"))
            .unwrap_or_default();
        eprintln!("{}:{}{column}: {}", file.display(), e.line, e.reason);
    }
    if !r.errors.is_empty() {
        bail!(
            "{} problem(s); nothing was imported (有{}处问题，未导入任何数据)",
            r.errors.len(),
            r.errors.len()
        );
    }
    println!(
        "{} monitored households brought in (已导入{}户存量监测对象)",
        r.migrated, r.migrated
    );
    Ok(())
}
