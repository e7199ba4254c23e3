//! Users, their roles and region scopes, passwords (argon2) and sessions
//! (cookie for pages, bearer token for the API; only a hash of the token
//! is stored); the account's life: the password rule, deactivation (which
//! ends the user's sessions at once), reactivation, password reset, and
//! the last login — all done by the operator at the command line, all
//! audited, never with the password.

use crate::StoreError;
use crate::audit::{self, Change};
use crate::db::{Pool, Tx, q};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Duration, Utc};
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

/// The shortest password accepted.
pub const PASSWORD_MIN_CHARS: usize = 8;
/// From this length on a password needs no mix of character classes.
pub const PASSWORD_LONG_CHARS: usize = 12;

/// The password rule for new and reset passwords (等保 2.0 身份鉴别:
/// 口令具有复杂度要求): at least 8 characters, and either three of the four
/// classes (lower-case, upper-case, digit, symbol — any other character,
/// Chinese included) or at least 12 characters. The message never repeats
/// the password.
pub fn check_password(password: &str) -> Result<(), StoreError> {
    let chars = password.chars().count();
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .into_iter()
    .filter(|&has| has)
    .count();
    if chars >= PASSWORD_MIN_CHARS && (classes >= 3 || chars >= PASSWORD_LONG_CHARS) {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "password too weak: at least {PASSWORD_MIN_CHARS} characters with three of lower-case letters, \
             upper-case letters, digits and symbols, or at least {PASSWORD_LONG_CHARS} characters \
             (密码强度不足：至少{PASSWORD_MIN_CHARS}位且含小写字母、大写字母、数字、符号中的三类，或至少{PASSWORD_LONG_CHARS}位)"
        )))
    }
}

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
    check_password(password)?;
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
    // No stored name holds a NUL (PostgreSQL text cannot): such a name is
    // unknown, checked as slowly as any other.
    let row: Option<UserRow> = if username.contains('\0') {
        None
    } else {
        pool.opt(q(format!("SELECT {USER_COLS} FROM users WHERE username = $1")).bind(username))
            .await?
    };
    let hash = match &row {
        Some(r) if r.active => r.password_hash.clone(),
        _ => dummy_hash().to_string(),
    };
    let ok = verify_off_thread(password, hash).await;
    match row {
        Some(r) if r.active && ok => {
            pool.execute(
                q("UPDATE users SET last_login_at = $1 WHERE id = $2")
                    .bind(Utc::now())
                    .bind(r.id),
            )
            .await?;
            Ok(Some(r.into_user()?))
        }
        _ => Ok(None),
    }
}

/// What happened at a login, for the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginEvent {
    /// The user logged in (its id).
    Succeeded(i64),
    /// Wrong username or password.
    Failed,
    /// Too many failures: the account or the address is locked for a while.
    Locked,
}

/// Records a login, failed, refused or successful, in the audit trail: the username
/// only as [`username_tag`], never the password; the client address as
/// given (a security event 等保 asks to be audited).
pub async fn record_login(
    pool: &Pool,
    event: LoginEvent,
    username: &str,
    client: &str,
) -> Result<(), StoreError> {
    let (action, user_id) = match event {
        LoginEvent::Succeeded(id) => ("login", Some(id)),
        LoginEvent::Failed => ("login_failed", None),
        LoginEvent::Locked => ("login_locked", None),
    };
    let mut tx = pool.begin().await?;
    audit::record(
        &mut tx,
        &[Change {
            user_id,
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

/// An account as the operator manages it.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    /// The user.
    #[serde(flatten)]
    pub user: User,
    /// Whether the account may log in and its sessions count.
    pub active: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// The last successful login (`None`: none recorded).
    pub last_login_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct AccountRow {
    #[sqlx(flatten)]
    user: UserRow,
    created_at: DateTime<Utc>,
    last_login_at: Option<DateTime<Utc>>,
}

/// Every account, active or not, in username order (`dixian admin
/// list-users`).
pub async fn accounts(pool: &Pool) -> Result<Vec<Account>, StoreError> {
    let rows: Vec<AccountRow> = pool
        .all(q(format!(
            "SELECT {USER_COLS}, created_at, last_login_at FROM users ORDER BY username"
        )))
        .await?;
    rows.into_iter()
        .map(|r| {
            let active = r.user.active;
            Ok(Account {
                user: r.user.into_user()?,
                active,
                created_at: r.created_at,
                last_login_at: r.last_login_at,
            })
        })
        .collect()
}

/// What a change of an account did.
#[derive(Debug, Clone)]
pub struct AccountChange {
    /// The user changed.
    pub user: User,
    /// `false` when the account was already as asked (nothing written).
    pub changed: bool,
    /// Sessions of the user ended by the change.
    pub sessions_closed: u64,
}

/// The row of `username`, or an error naming the username (the operator
/// typed it).
async fn account_row(tx: &mut Tx, username: &str) -> Result<UserRow, StoreError> {
    tx.opt(q(format!("SELECT {USER_COLS} FROM users WHERE username = $1")).bind(username))
        .await?
        .ok_or_else(|| StoreError::Invalid(format!("no user {username} (用户不存在)")))
}

/// Deactivates (`active = false`) or reactivates an account, audited as
/// `deactivate` / `activate` by the operator. Deactivating ends every
/// session of the user in the same transaction: a token or cookie in use
/// is refused from the next request on (an inactive user's sessions were
/// refused already; now they are also gone). Reactivating opens no
/// session: the user logs in again. Asking for the state the account is
/// in writes nothing.
pub async fn set_active(
    pool: &Pool,
    username: &str,
    active: bool,
) -> Result<AccountChange, StoreError> {
    let mut tx = pool.begin().await?;
    let row = account_row(&mut tx, username).await?;
    let was = row.active;
    let user = row.into_user()?;
    if was == active {
        return Ok(AccountChange {
            user,
            changed: false,
            sessions_closed: 0,
        });
    }
    tx.execute(
        q("UPDATE users SET active = $1 WHERE id = $2")
            .bind(active)
            .bind(user.id),
    )
    .await?;
    let sessions_closed = if active {
        0
    } else {
        tx.execute(q("DELETE FROM sessions WHERE user_id = $1").bind(user.id))
            .await?
    };
    audit::record(
        &mut tx,
        &[Change {
            user_id: None,
            action: if active { "activate" } else { "deactivate" },
            entity: "user",
            entity_id: user.id.to_string(),
            region: Some(user.region.to_string()),
            before: Some(serde_json::json!({ "active": was }).to_string()),
            after: Some(
                serde_json::json!({ "active": active, "sessions_closed": sessions_closed })
                    .to_string(),
            ),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(AccountChange {
        user,
        changed: true,
        sessions_closed,
    })
}

/// Sets a new password (checked by [`check_password`]) and ends every
/// session of the user: whoever held the old password and a session is
/// out. Audited as `reset_password` with the number of sessions ended;
/// neither the password nor its hash goes to the audit. An inactive
/// account stays inactive.
pub async fn reset_password(
    pool: &Pool,
    username: &str,
    password: &str,
) -> Result<AccountChange, StoreError> {
    check_password(password)?;
    let hash = hash_password(password)?;
    let mut tx = pool.begin().await?;
    let user = account_row(&mut tx, username).await?.into_user()?;
    tx.execute(
        q("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user.id),
    )
    .await?;
    let sessions_closed = tx
        .execute(q("DELETE FROM sessions WHERE user_id = $1").bind(user.id))
        .await?;
    audit::record(
        &mut tx,
        &[Change {
            user_id: None,
            action: "reset_password",
            entity: "user",
            entity_id: user.id.to_string(),
            region: Some(user.region.to_string()),
            before: None,
            after: Some(serde_json::json!({ "sessions_closed": sessions_closed }).to_string()),
        }],
    )
    .await?;
    tx.commit().await?;
    Ok(AccountChange {
        user,
        changed: true,
        sessions_closed,
    })
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

#[cfg(test)]
mod tests {
    use super::check_password;

    #[test]
    fn password_rule() {
        for ok in [
            "Abc-1234",         // 8, four classes
            "abc12345-",        // three classes
            "abcdefghijkl",     // 12, one class
            "ABCDEFGH1234",     // 12, two classes
            "test-password-1",  // the web tests'
            "bench-password-1", // the benchmark's
            "password-123",     // the store tests'
            "dixian-demo-1",    // the demo's
            "密码八个字符a1",   // Chinese counts as symbols
        ] {
            assert!(check_password(ok).is_ok(), "{ok}");
        }
        for weak in [
            "",
            "Ab1-",        // short
            "Abc-123",     // 7
            "abcdefgh",    // 8, one class
            "abcd-efgh",   // two classes, under 12
            "dixian-demo", // the old demo password: 11, two classes
        ] {
            let e = check_password(weak).unwrap_err().to_string();
            assert!(e.contains("at least 8") && e.contains("密码"), "{e}");
            assert!(
                weak.is_empty() || !e.contains(weak),
                "the message never repeats it"
            );
        }
    }
}
