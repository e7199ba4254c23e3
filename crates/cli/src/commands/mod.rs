//! The commands other than the demo and the benchmarks, one module per
//! area; each opens the store, calls the application layer (or the store
//! for plain reads) and reports what it did. This module holds what they
//! share: where the data is ([`Db`]), opening it, migrations, `serve`.

use anyhow::{Context, bail};
use dixian_store::Store;
use dixian_store::audit::{self, AuditKey};
use dixian_store::crypto::{self, DataKey};
use std::path::PathBuf;
use std::sync::Arc;

/// Where the data is: the database and the key its audit chain is keyed
/// with (a file outside the database).
#[derive(Debug, Clone)]
pub struct Db {
    /// A SQLite file path or a postgres:// URL.
    pub url: String,
    /// The audit key file (`--audit-key-file`, `DIXIAN_AUDIT_KEY_FILE`).
    pub audit_key_file: Option<PathBuf>,
    /// The data key file (`--data-key-file`, `DIXIAN_DATA_KEY_FILE`).
    pub data_key_file: Option<PathBuf>,
}

impl Db {
    /// A database without an audit key (benchmarks on fresh databases).
    pub fn unkeyed(url: &str) -> Db {
        Db {
            url: url.to_string(),
            audit_key_file: None,
            data_key_file: None,
        }
    }
}

/// Opens the store, applies pending migrations and loads the audit key
/// when one is configured (its file must exist: `dixian migrate` makes it).
pub async fn open(db: &Db) -> anyhow::Result<Store> {
    let store = Store::open(&db.url)
        .await
        .with_context(|| "cannot open the database".to_string())?;
    store.migrate().await?;
    let key = match &db.audit_key_file {
        Some(path) if !path.exists() => bail!(
            "audit key file {} does not exist; `dixian migrate` creates it (审计密钥文件不存在)",
            path.display()
        ),
        Some(path) => Some(Arc::new(AuditKey::load(path)?)),
        None => None,
    };
    let data_key = match &db.data_key_file {
        Some(path) if !path.exists() => bail!(
            "data key file {} does not exist; `dixian migrate` creates it (数据加密密钥文件不存在)",
            path.display()
        ),
        Some(path) => Some(Arc::new(DataKey::load(path)?)),
        None => None,
    };
    Ok(store.with_audit_key(key).with_data_key(data_key).await?)
}

/// Loads (or creates) the data key and encrypts what is still in clear;
/// prints what it did.
async fn keyed_data(store: Store, db: &Db) -> anyhow::Result<Store> {
    let Some(path) = &db.data_key_file else {
        return Ok(store.with_data_key(None).await?);
    };
    let (key, created) = crypto::open_or_create_data_key(&store.pool, path).await?;
    if created {
        println!(
            "data key {} created in {} (0600): keep it secret, outside the database, and back it up \
             apart from the database backups; without it the ID numbers, phones and feed rows cannot be read",
            key.id(),
            path.display()
        );
    }
    let n = crypto::check_or_encrypt(&store.pool, Some(&key)).await?;
    if n > 0 {
        println!(
            "{n} row(s) encrypted with data key {} (ID numbers, phones, feed rows; 已加密)",
            key.id()
        );
    }
    Ok(store.with_data_key(Some(key)).await?)
}

/// `dixian admin encrypt-data`: encrypts the personal data stored in
/// clear with the data key (created when missing).
pub async fn encrypt_data(db: &Db) -> anyhow::Result<()> {
    if db.data_key_file.is_none() {
        bail!(
            "no data key configured: give --data-key-file or DIXIAN_DATA_KEY_FILE (未配置数据加密密钥)"
        );
    }
    let (store, _) = open_creating_key(db).await?;
    let id = crypto::stored_key_id(&store.pool).await?;
    println!(
        "ID numbers and phones encrypted at rest with data key {} (个人信息已加密存储)",
        id.unwrap_or_default()
    );
    store.close().await;
    Ok(())
}

/// Opens the store and its audit key, creating the key file when missing
/// (`migrate` and `demo`); returns whether it was created.
pub async fn open_creating_key(db: &Db) -> anyhow::Result<(Store, bool)> {
    let store = Store::open(&db.url)
        .await
        .with_context(|| "cannot open the database".to_string())?;
    store.migrate().await?;
    let Some(path) = &db.audit_key_file else {
        return Ok((keyed_data(store, db).await?, false));
    };
    let (key, created) = audit::open_or_create_key(&store.pool, path).await?;
    if created {
        println!(
            "audit key {} created in {} (0600), chaining from record {}: keep it secret, \
             outside the database, and back it up apart from the database backups",
            key.id(),
            path.display(),
            key.keyed_from()
        );
    }
    let store = keyed_data(store.with_audit_key(Some(key)), db).await?;
    Ok((store, created))
}

pub async fn migrate(db: &Db) -> anyhow::Result<()> {
    let store = Store::open(&db.url).await?;
    let n = store.migrate().await?;
    println!("{n} migration(s) applied");
    store.close().await;
    if db.audit_key_file.is_none() {
        println!(
            "no audit key configured (--audit-key-file / DIXIAN_AUDIT_KEY_FILE): the audit chain stays unkeyed"
        );
    }
    if db.data_key_file.is_none() {
        println!(
            "no data key configured (--data-key-file / DIXIAN_DATA_KEY_FILE): ID numbers and phones stay in clear"
        );
    }
    if db.audit_key_file.is_none() && db.data_key_file.is_none() {
        return Ok(());
    }
    let (store, _) = open_creating_key(db).await?;
    store.close().await;
    Ok(())
}

pub async fn serve(
    db: &Db,
    bind: &str,
    security: dixian_web::WebSecurity,
    config: &crate::config::Config,
) -> anyhow::Result<()> {
    let store = open(db).await?;
    if db.audit_key_file.is_none() {
        tracing::warn!(
            "no audit key configured (--audit-key-file / DIXIAN_AUDIT_KEY_FILE): audit records are chained with plain SHA-256"
        );
    }
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    println!("dixian serving at http://{}", listener.local_addr()?);
    let rules = dixian_app::rule_book(&store, chrono::Utc::now()).await?;
    let (max_upload, concurrent_uploads) = config.upload_limits();
    let state = dixian_web::AppState::new(store)
        .with_rules(rules)
        .with_security(security)
        .with_uploads(max_upload, concurrent_uploads)
        .with_attachment_max(config.attachment_max())
        .with_login_limits(config.login_limits())
        .with_export_rows(config.export_rows())
        .with_threads(config.threads());
    dixian_web::serve_with(state, listener).await?;
    Ok(())
}

pub mod accounts;
pub mod alerts;
pub mod cases;
pub mod exchange;
pub mod feeds;
pub mod key_counties;
pub mod measures;
pub mod migrate;
pub mod registry;
pub mod rules;
pub mod screening;
pub mod sim;
pub mod stats;
pub mod trust;

pub use registry::import_regions;
pub use sim::{county_townships, sim_population, write_population};
