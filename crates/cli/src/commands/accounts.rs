//! User accounts: create, list, deactivate, activate, reset a password.

use crate::commands::{Db, open};
use anyhow::Context;
use dixian_domain::{RegionCode, Role};
use dixian_store::users;

pub async fn create_user(
    db: &Db,
    username: &str,
    name: &str,
    role: &str,
    region: &str,
    password: &str,
) -> anyhow::Result<()> {
    let store = open(db).await?;
    let role = Role::parse(role).with_context(|| {
        let all: Vec<_> = Role::ALL.iter().map(|r| r.code()).collect();
        format!("unknown role {role}; one of: {}", all.join(", "))
    })?;
    let region = RegionCode::parse(region)?;
    let u = users::create(&store.pool, username, name, password, role, &region).await?;
    println!(
        "user {} created (id {}, {} of {})",
        u.username,
        u.id,
        role.code(),
        u.region
    );
    Ok(())
}

/// `admin list-users`: every account, active or not.
pub async fn list_users(db: &Db) -> anyhow::Result<()> {
    let store = open(db).await?;
    let accounts = users::accounts(&store.pool).await?;
    println!(
        "{:<20} {:<18} {:<12} {:<8} last login (最近登录, UTC)",
        "username", "role", "region", "active"
    );
    for a in &accounts {
        let last = a.last_login_at.map_or_else(
            || "—".to_string(),
            |t| t.format("%Y-%m-%d %H:%M").to_string(),
        );
        println!(
            "{:<20} {:<18} {:<12} {:<8} {last}",
            a.user.username,
            a.user.role.code(),
            a.user.region.as_str(),
            if a.active { "yes" } else { "no" },
        );
    }
    let inactive = accounts.iter().filter(|a| !a.active).count();
    println!(
        "{} accounts, {inactive} deactivated ({}个账户，{inactive}个已停用)",
        accounts.len(),
        accounts.len()
    );
    Ok(())
}

/// `admin deactivate-user` / `activate-user`.
pub async fn set_user_active(db: &Db, username: &str, active: bool) -> anyhow::Result<()> {
    let store = open(db).await?;
    let c = users::set_active(&store.pool, username, active).await?;
    match (c.changed, active) {
        (false, true) => println!("user {} is active already (账户已启用)", c.user.username),
        (false, false) => println!(
            "user {} is deactivated already (账户已停用)",
            c.user.username
        ),
        (true, true) => println!(
            "user {} activated; they log in again (账户已启用)",
            c.user.username
        ),
        (true, false) => println!(
            "user {} deactivated, {} session(s) ended (账户已停用，已结束{}个会话)",
            c.user.username, c.sessions_closed, c.sessions_closed
        ),
    }
    Ok(())
}

/// `admin reset-password`.
pub async fn reset_password(db: &Db, username: &str, password: &str) -> anyhow::Result<()> {
    let store = open(db).await?;
    let c = users::reset_password(&store.pool, username, password).await?;
    println!(
        "password of {} reset, {} session(s) ended (密码已重置，已结束{}个会话)",
        c.user.username, c.sessions_closed, c.sessions_closed
    );
    Ok(())
}
