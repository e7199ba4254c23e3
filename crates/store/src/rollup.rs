//! The national roll-up (docs/scale.md): a national database reads each
//! province's figures through PostgreSQL's own machinery — `postgres_fdw`
//! foreign tables, one per province, attached as the partitions of one
//! table `national.stats` partitioned by province. What crosses is the
//! province's view `stats_rollup` (migration 0022): the figures' counters
//! summed per county, month, figure and breakdown; no village, household
//! or person. A read of one province touches only that province's server
//! (partition pruning); a read of the nation asks every province once.
//!
//! PostgreSQL only. The objects live in the schema `national`, outside the
//! schema the migrations and backups cover: a province's own tables and
//! backups are unchanged, and the national database is an ordinary dixian
//! database (its own users, audit chain, regions) with the attachments
//! added.

use crate::StoreError;
use crate::audit::{self, Change};
use crate::db::{Pool, q};
use crate::stats::StatRow;
use dixian_domain::{RegionCode, RegionLevel};

/// Where a province's database is, as the national server connects to it.
#[derive(Clone, PartialEq, Eq)]
pub struct Source {
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Database name.
    pub dbname: String,
    /// User the national server logs in as (read access to `stats_rollup`
    /// is enough).
    pub user: String,
    /// Its password, if the province's server asks for one (kept in the
    /// user mapping, which only superusers read; never printed).
    pub password: Option<String>,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "postgres://{}@{}:{}/{}",
            self.user, self.host, self.port, self.dbname
        )
    }
}

/// Host, database and user names are kept to letters, digits and `._-`
/// (they are written into the server's options, not bound).
fn plain(field: &str, v: &str) -> Result<String, StoreError> {
    if v.is_empty()
        || v.len() > 63
        || !v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(StoreError::Invalid(format!(
            "source {field}: expected 1–63 letters, digits, '.', '_' or '-' (来源数据库的{field}格式不对)"
        )));
    }
    Ok(v.to_string())
}

impl Source {
    /// A `postgres://user[:password]@host[:port]/dbname` URL. The error
    /// says which part is wrong and never repeats the URL (it may hold a
    /// password).
    pub fn parse(url: &str) -> Result<Source, StoreError> {
        let rest = url
            .strip_prefix("postgres://")
            .or_else(|| url.strip_prefix("postgresql://"))
            .ok_or_else(|| {
                StoreError::Invalid(
                    "source: expected postgres://user@host:port/dbname (来源须为PostgreSQL地址)"
                        .into(),
                )
            })?;
        let (auth, place) = rest.rsplit_once('@').ok_or_else(|| {
            StoreError::Invalid("source: the user is missing (user@host) (缺少用户名)".into())
        })?;
        let (user, password) = match auth.split_once(':') {
            Some((u, p)) => (u, Some(p.to_string())),
            None => (auth, None),
        };
        let (hostport, dbname) = place.split_once('/').ok_or_else(|| {
            StoreError::Invalid(
                "source: the database name is missing (/dbname) (缺少数据库名)".into(),
            )
        })?;
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse::<u16>().map_err(|_| {
                    StoreError::Invalid("source port: expected a number (端口须为数字)".into())
                })?,
            ),
            None => (hostport, 5432),
        };
        let dbname = dbname.split('?').next().unwrap_or_default();
        Ok(Source {
            host: plain("host", host)?,
            port,
            dbname: plain("dbname", dbname)?,
            user: plain("user", user)?,
            password,
        })
    }
}

/// A string literal for DDL options: quotes doubled.
fn literal(v: &str) -> String {
    format!("'{}'", v.replace('\'', "''"))
}

fn province_of(code: &RegionCode) -> Result<String, StoreError> {
    if code.level() != RegionLevel::Province {
        return Err(StoreError::Invalid(format!(
            "province: {code} is not a province's code (须为省级区划代码)"
        )));
    }
    Ok(code.as_str()[..2].to_string())
}

fn postgres_only(pool: &Pool) -> Result<(), StoreError> {
    if !pool.is_postgres() {
        return Err(StoreError::Invalid(
            "the national roll-up needs PostgreSQL (postgres_fdw); this database is SQLite (全国汇总须使用PostgreSQL)"
                .into(),
        ));
    }
    Ok(())
}

/// Attaches province `province`'s database as a partition of
/// `national.stats` (replacing an earlier attachment of that province),
/// then reads it once: a source that cannot be reached, or holds no
/// `stats_rollup`, is refused and nothing stays attached. Audited
/// (`attach`, `national_source`; host, port and database, no password).
pub async fn attach(pool: &Pool, province: &RegionCode, source: &Source) -> Result<(), StoreError> {
    postgres_only(pool)?;
    let p = province_of(province)?;
    let server = format!("dixian_p{p}");
    let mut tx = pool.begin().await?;
    for sql in [
        "CREATE EXTENSION IF NOT EXISTS postgres_fdw".to_string(),
        "CREATE SCHEMA IF NOT EXISTS national".to_string(),
        "CREATE TABLE IF NOT EXISTS national.stats (
             province TEXT NOT NULL, county TEXT NOT NULL, month TEXT NOT NULL,
             figure TEXT NOT NULL, dim TEXT NOT NULL, value BIGINT NOT NULL
         ) PARTITION BY LIST (province)"
            .to_string(),
        format!("DROP FOREIGN TABLE IF EXISTS national.stats_{p}"),
        format!("DROP SERVER IF EXISTS {server} CASCADE"),
        format!(
            "CREATE SERVER {server} FOREIGN DATA WRAPPER postgres_fdw
             OPTIONS (host {}, port {}, dbname {}, fetch_size '10000')",
            literal(&source.host),
            literal(&source.port.to_string()),
            literal(&source.dbname)
        ),
        match &source.password {
            Some(pw) => format!(
                "CREATE USER MAPPING FOR CURRENT_USER SERVER {server} OPTIONS (user {}, password {})",
                literal(&source.user),
                literal(pw)
            ),
            None => format!(
                "CREATE USER MAPPING FOR CURRENT_USER SERVER {server} OPTIONS (user {})",
                literal(&source.user)
            ),
        },
        format!(
            "CREATE FOREIGN TABLE national.stats_{p} PARTITION OF national.stats
             FOR VALUES IN ({}) SERVER {server}
             OPTIONS (schema_name 'public', table_name 'stats_rollup')",
            literal(&p)
        ),
    ] {
        tx.execute(q(sql)).await?;
    }
    // Reachable, and the province's rows only: a source that is another
    // province's database would count under the wrong name.
    let check: Result<Vec<(String,)>, StoreError> = tx
        .all(q(format!(
            "SELECT DISTINCT province FROM national.stats_{p}"
        )))
        .await;
    // The server's own words (they name no password and no person).
    let found = check.map_err(|e| {
        StoreError::Invalid(format!(
            "province {p}: its database at {source:?} cannot be read (not reachable, wrong \
             credentials, or not migrated to schema 22) (无法读取该省数据库): {e}"
        ))
    })?;
    if let Some((other,)) = found.iter().find(|(c,)| *c != p) {
        return Err(StoreError::Invalid(format!(
            "province {p}: the database at {source:?} holds figures of province {other} (该库不是本省数据库)"
        )));
    }
    let change = Change {
        user_id: None,
        action: "attach",
        entity: "national_source",
        entity_id: p.clone(),
        region: Some(province.to_string()),
        before: None,
        after: Some(
            serde_json::json!({"host": source.host, "port": source.port, "dbname": source.dbname,
                               "user": source.user})
            .to_string(),
        ),
    };
    audit::record(&mut tx, &[change]).await?;
    tx.commit().await?;
    Ok(())
}

/// Detaches a province (its foreign table, server and user mapping).
/// Audited. `false` when it was not attached.
pub async fn detach(pool: &Pool, province: &RegionCode) -> Result<bool, StoreError> {
    postgres_only(pool)?;
    let p = province_of(province)?;
    let attached = provinces(pool).await?.contains(&p);
    if !attached {
        return Ok(false);
    }
    let mut tx = pool.begin().await?;
    tx.execute(q(format!(
        "DROP FOREIGN TABLE IF EXISTS national.stats_{p}"
    )))
    .await?;
    tx.execute(q(format!("DROP SERVER IF EXISTS dixian_p{p} CASCADE")))
        .await?;
    let change = Change {
        user_id: None,
        action: "detach",
        entity: "national_source",
        entity_id: p,
        region: Some(province.to_string()),
        before: None,
        after: None,
    };
    audit::record(&mut tx, &[change]).await?;
    tx.commit().await?;
    Ok(true)
}

/// The provinces attached (two-digit codes, in order).
pub async fn provinces(pool: &Pool) -> Result<Vec<String>, StoreError> {
    postgres_only(pool)?;
    let rows: Vec<(String,)> = pool
        .all(q(
            "SELECT substr(c.relname, 7) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'national' AND c.relkind = 'f' AND c.relname LIKE 'stats\\_%'
              ORDER BY 1",
        ))
        .await?;
    Ok(rows.into_iter().map(|(p,)| p).collect())
}

/// The rolled-up counters per province (`area` = two-digit code) — or, with
/// `province`, per county of that one province, which reads its partition
/// only — for months `from` to `to` and the state as it stands.
pub async fn read(
    pool: &Pool,
    province: Option<&RegionCode>,
    from: &str,
    to: &str,
) -> Result<Vec<StatRow>, StoreError> {
    postgres_only(pool)?;
    if provinces(pool).await?.is_empty() {
        return Ok(Vec::new());
    }
    let (area, filter) = match province {
        Some(code) => (
            "county",
            format!("province = {} AND ", literal(&province_of(code)?)),
        ),
        None => ("province", String::new()),
    };
    pool.all(
        q(format!(
            "SELECT {area} AS area, month, figure, dim, CAST(SUM(value) AS BIGINT) AS value
               FROM national.stats
              WHERE {filter}(month = '' OR month BETWEEN $1 AND $2)
              GROUP BY {area}, month, figure, dim"
        ))
        .bind(from)
        .bind(to),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_url_is_read_part_by_part_and_never_echoed() {
        let s = Source::parse("postgres://dixian:s3cr'et@db.gz.example:5433/dixian_52").unwrap();
        assert_eq!(
            (s.host.as_str(), s.port, s.dbname.as_str(), s.user.as_str()),
            ("db.gz.example", 5433, "dixian_52", "dixian")
        );
        assert_eq!(s.password.as_deref(), Some("s3cr'et"));
        assert!(!format!("{s:?}").contains("s3cr"));
        assert_eq!(Source::parse("postgres://u@h/d").unwrap().port, 5432);
        for bad in [
            "mysql://u@h/d",
            "postgres://h/d",
            "postgres://u@h",
            "postgres://u@h:x/d",
            "postgres://u@h;drop/d",
            "postgres://u@h/d'b",
        ] {
            let e = Source::parse(bad).unwrap_err().to_string();
            assert!(!e.contains(bad), "{e}");
        }
        assert_eq!(literal("a'b"), "'a''b'");
    }
}
