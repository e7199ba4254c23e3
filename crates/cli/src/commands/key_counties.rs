//! 乡村振兴重点帮扶县: `key-counties import FILE` loads a list (CSV or
//! XLSX: code, level, year[, name]; checked whole, all or nothing);
//! `key-counties list` prints every county of every list.

use crate::commands::screening::today;
use crate::commands::{Db, open};
use std::path::Path;

/// `dixian key-counties import FILE`.
pub async fn import(db: &Db, file: &Path) -> anyhow::Result<()> {
    let store = open(db).await?;
    let meta = std::fs::metadata(file)
        .map_err(|e| anyhow::anyhow!("{}: {e} (无法读取文件)", file.display()))?;
    if meta.len() > 10 * 1024 * 1024 {
        anyhow::bail!("{}: larger than 10 MB (文件超过10 MB)", file.display());
    }
    let bytes = std::fs::read(file)
        .map_err(|e| anyhow::anyhow!("{}: {e} (无法读取文件)", file.display()))?;
    let source = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().to_string(),
    );
    let done =
        dixian_app::key_counties::import_bytes(&store, None, bytes, &source, today()).await?;
    println!(
        "{} added, {} kept, {} taken off (新列入{}个，保持{}个，移出{}个)",
        done.added, done.kept, done.removed, done.added, done.kept, done.removed
    );
    Ok(())
}

/// `dixian key-counties list`.
pub async fn list(db: &Db) -> anyhow::Result<()> {
    let store = open(db).await?;
    let all = dixian_app::key_counties::list(&store).await?;
    println!("区划代码\t名称\t级别\t年份\t列入日期\t移出日期\t来源");
    for k in &all {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            k.county_code,
            k.name,
            k.level.label_zh(),
            k.list_year,
            k.added_on,
            k.removed_on
                .map_or_else(|| "—".to_string(), |d| d.to_string()),
            k.source
        );
    }
    println!(
        "{} on a list now (当前在名单中{}个)",
        all.iter().filter(|k| k.removed_on.is_none()).count(),
        all.iter().filter(|k| k.removed_on.is_none()).count()
    );
    Ok(())
}
