//! Users, their roles and region scopes, passwords (argon2) and sessions
//! (cookie for pages, bearer token for the API; only a hash of the token
//! is stored).

use crate::StoreError;
use crate::audit::{self, Change};
use crate::db::{Pool, q};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{Duration, Utc};
use dixian_domain::{RegionCode, Role, Scope};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// A user as stored (without the password hash).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct User {
    /// Id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Region of responsibility.
    #[schema(value_type = String)]
    pub region: RegionCode,
}

/// Who is acting: every repository call that reads or writes personal
/// records takes one, and filters by its scope.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The user's id; `None` for the operator at the command line.
    pub user_id: Option<i64>,
    /// Role and region.
    pub scope: Scope,
}

impl Actor {
    /// The operator at the command line: full rights inside `region`.
    pub fn operator(region: RegionCode) -> Actor {
        Actor {
            user_id: None,
            scope: Scope {
                role: Role::CountyAdmin,
                region,
            },
        }
    }

    /// The actor for a stored user.
    pub fn of(user: &User) -> Actor {
        Actor {
            user_id: Some(user.id),
            scope: Scope {
                role: user.role,
                region: user.region.clone(),
            },
        }
    }
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    region_code: String,
    password_hash: String,
    active: bool,
}

impl UserRow {
    fn into_user(self) -> Result<User, StoreError> {
        let role = Role::parse(&self.role)
            .ok_or_else(|| StoreError::Invalid(format!("unknown role {}", self.role)))?;
        let region =
            RegionCode::parse(&self.region_code).map_err(|e| StoreError::Invalid(e.to_string()))?;
        Ok(User {
            id: self.id,
            username: self.username,
            display_name: self.display_name,
            role,
            region,
        })
    }
}

const USER_COLS: &str = "id, username, display_name, role, region_code, password_hash, active";

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String, StoreError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| StoreError::Invalid(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Invalid(e.to_string()))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash no password matches, verified for unknown and inactive users
/// so that a login takes the same time whether the user exists or not.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut raw = [0u8; 32];
        rand::rng().fill_bytes(&mut raw);
        hash_password(&hex::encode(raw)).unwrap_or_default()
    })
}

/// Verifies on a blocking thread: argon2 takes tens of milliseconds of
/// CPU, which must not stall the async workers serving other users.
async fn verify_off_thread(password: &str, hash: String) -> bool {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false)
}

/// A short, stable, non-reversible tag of a username for logs and the
/// audit of failed logins (the name itself is not written).
pub fn username_tag(username: &str) -> String {
    let digest = Sha256::digest(username.trim().to_lowercase().as_bytes());
    hex::encode(&digest[..6])
}

/// Creates a user. The region must exist and suit the role.
pub async fn create(
    pool: &Pool,
    username: &str,
    display_name: &str,
    password: &str,
    role: Role,
    region: &RegionCode,
) -> Result<User, StoreError> {
    let scope = Scope {
        role,
        region: region.clone(),
    };
    if !scope.is_consistent() {
        return Err(StoreError::Invalid(format!(
            "a {} must be scoped to a {} code, not {} ({}应设在{}级)",
            role.code(),
            role.scope_level().label_zh(),
            region,
            role.label_zh(),
            role.scope_level().label_zh()
        )));
    }
    if crate::regions::get(pool, region).await?.is_none() {
        return Err(StoreError::Invalid(format!(
            "region {region} is not in the division table (区划代码不存在)"
        )));
    }
    if password.chars().count() < 8 {
        return Err(StoreError::Invalid(
            "password must have at least 8 characters (密码至少8位)".into(),
        ));
    }
    let hash = hash_password(password)?;
    let mut tx = pool.begin().await?;
    let exists: Option<(i64,)> = tx
        .opt(q("SELECT id FROM users WHERE username = $1").bind(username))
        .await?;
    if exists.is_some() {
        return Err(StoreError::Invalid(format!(
            "user {username} exists already (用户名已存在)"
        )));
    }
    let (id,): (i64,) = tx
        .one(
            q("INSERT INTO users (username, display_name, password_hash, role, region_code, active, created_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
            .bind(username)
            .bind(display_name)
            .bind(hash)
            .bind(role.code())
            .bind(region.as_str())
            .bind(true)
            .bind(Utc::now()),
        )
        .await?;
    let user = User {
        id,
        username: username.into(),
        display_name: display_name.into(),
        role,
        region: region.clone(),
    };
    audit::record(
        &mut tx,
        &[Change {
            user_id: None,
            action: "create",
            entity: "user",
            entity_id: id.to_string(),
            region: Some(region.to_string()),
            before: None,
            after: audit::snapshot(&user),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// Checks a username and password; `None` when either is wrong or the
/// user is inactive (the two are not told apart, neither by the answer
/// nor by the time it takes: an unknown user is verified against a dummy
/// hash). Throttling is the caller's (the web's login).
pub async fn authenticate(
    pool: &Pool,
    username: &str,
    password: &str,
) -> Result<Option<User>, StoreError> {
    let row: Option<UserRow> = pool
        .opt(q(format!("SELECT {USER_COLS} FROM users WHERE username = $1")).bind(username))
        .await?;
    let hash = match &row {
        Some(r) if r.active => r.password_hash.clone(),
        _ => dummy_hash().to_string(),
    };
    let ok = verify_off_thread(password, hash).await;
    match row {
        Some(r) if r.active && ok => Ok(Some(r.into_user()?)),
        _ => Ok(None),
    }
}

/// What happened at a login, for the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginEvent {
    /// Wrong username or password.
    Failed,
    /// Too many failures: the account or the address is locked for a while.
    Locked,
}

/// Records a failed or refused login in the audit trail: the username
/// only as [`username_tag`], never the password; the client address as
/// given (a security event 等保 asks to be audited).
pub async fn record_login(
    pool: &Pool,
    event: LoginEvent,
    username: &str,
    client: &str,
) -> Result<(), StoreError> {
    let action = match event {
        LoginEvent::Failed => "login_failed",
        LoginEvent::Locked => "login_locked",
    };
    let mut tx = pool.begin().await?;
    audit::record(
        &mut tx,
        &[Change {
            user_id: None,
            action,
            entity: "login",
            entity_id: username_tag(username),
            region: None,
            before: None,
            after: Some(serde_json::json!({ "client": client }).to_string()),
        }],
    )
    .await?;
    tx.commit().await
}

/// All users, for the admin page.
pub async fn list(pool: &Pool) -> Result<Vec<User>, StoreError> {
    let rows: Vec<UserRow> = pool
        .all(q(format!("SELECT {USER_COLS} FROM users ORDER BY id")))
        .await?;
    rows.into_iter().map(UserRow::into_user).collect()
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Kind of session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// Browser cookie.
    Cookie,
    /// API bearer token.
    Token,
}

/// Deletes the sessions expired at `now`; returns how many. A session
/// past its time is refused anyway; deleting it keeps the table to the
/// live ones.
pub async fn delete_expired_sessions(
    pool: &Pool,
    now: chrono::DateTime<Utc>,
) -> Result<u64, StoreError> {
    pool.execute(q("DELETE FROM sessions WHERE expires_at <= $1").bind(now))
        .await
}

/// Opens a session for `user` valid for `ttl`; returns the secret token
/// (shown once, stored only as a hash). Expired sessions of anyone are
/// deleted on the way.
pub async fn open_session(
    pool: &Pool,
    user: &User,
    kind: SessionKind,
    ttl: Duration,
) -> Result<String, StoreError> {
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    let token = hex::encode(raw);
    let now = Utc::now();
    delete_expired_sessions(pool, now).await?;
    let kind = match kind {
        SessionKind::Cookie => "cookie",
        SessionKind::Token => "token",
    };
    pool.execute(
        q("INSERT INTO sessions (token_hash, user_id, kind, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash(&token))
            .bind(user.id)
            .bind(kind)
            .bind(now)
            .bind(now + ttl),
    )
    .await?;
    Ok(token)
}

/// The user of a live session.
pub async fn session_user(pool: &Pool, token: &str) -> Result<Option<User>, StoreError> {
    let row: Option<UserRow> = pool
        .opt(
            q(format!(
                "SELECT u.{} FROM sessions s JOIN users u ON u.id = s.user_id
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active",
                USER_COLS.replace(", ", ", u.")
            ))
            .bind(token_hash(token))
            .bind(Utc::now()),
        )
        .await?;
    row.map(UserRow::into_user).transpose()
}

/// Ends a session.
pub async fn close_session(pool: &Pool, token: &str) -> Result<(), StoreError> {
    pool.execute(q("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash(token)))
        .await?;
    Ok(())
}
