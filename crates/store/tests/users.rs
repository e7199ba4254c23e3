//! Account lifecycle on both backends (what `dixian admin deactivate-user`,
//! `activate-user`, `reset-password` and `list-users` call): deactivating
//! ends the user's sessions at once and stops logins; reactivating lets
//! the user log in again (not the old sessions); a reset password ends
//! the sessions, the old password stops working; weak passwords are
//! refused on create and reset; every change is audited without the
//! password; the last login is recorded.

use chrono::Duration;
use dixian_domain::{RegionCode, Role};
use dixian_store::audit;
use dixian_store::db::q;
use dixian_store::testing::{Backend, fresh_store};
use dixian_store::users::{self, SessionKind};
use dixian_store::{Store, StoreError};
use std::path::PathBuf;

const PASSWORD: &str = "password-123";
const NEW_PASSWORD: &str = "Neues-Passwort-7";

async fn setup(backend: Backend) -> Option<(Store, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(backend, dir.path())
        .await
        .expect("fresh database (PostgreSQL must run in CI)")?;
    let divisions =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/divisions");
    let county = RegionCode::parse("520526").unwrap();
    dixian_store::regions::import(&store.pool, &divisions, Some(&county), |_, _, _| {})
        .await
        .unwrap();
    Some((store, dir))
}

async fn sessions_of(store: &Store, user_id: i64) -> i64 {
    let (n,): (i64,) = store
        .pool
        .one(q("SELECT COUNT(*) FROM sessions WHERE user_id = $1").bind(user_id))
        .await
        .unwrap();
    n
}

/// (action, before, after) of the user's audit rows.
async fn user_audit(store: &Store, user_id: i64) -> Vec<(String, String, String)> {
    audit::history(&store.pool, "user", &user_id.to_string())
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                r.action,
                r.before.unwrap_or_default(),
                r.after.unwrap_or_default(),
            )
        })
        .collect()
}

async fn deactivate_ends_sessions(backend: Backend) {
    let Some((store, _d)) = setup(backend).await else {
        return;
    };
    let p = &store.pool;
    let region = RegionCode::parse("520526001001").unwrap();
    let u = users::create(p, "cadre", "村干部", PASSWORD, Role::VillageCadre, &region)
        .await
        .unwrap();
    let other = users::create(p, "other", "别人", PASSWORD, Role::VillageCadre, &region)
        .await
        .unwrap();
    // a login is recorded
    let before = users::accounts(p).await.unwrap();
    assert!(before.iter().all(|a| a.active && a.last_login_at.is_none()));
    assert!(
        users::authenticate(p, "cadre", PASSWORD)
            .await
            .unwrap()
            .is_some()
    );
    let listed = users::accounts(p).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|a| (a.user.username.as_str(), a.last_login_at.is_some()))
            .collect::<Vec<_>>(),
        [("cadre", true), ("other", false)]
    );
    let token = users::open_session(p, &u, SessionKind::Token, Duration::hours(12))
        .await
        .unwrap();
    let cookie = users::open_session(p, &u, SessionKind::Cookie, Duration::hours(12))
        .await
        .unwrap();
    let others = users::open_session(p, &other, SessionKind::Token, Duration::hours(12))
        .await
        .unwrap();
    assert!(users::session_user(p, &token).await.unwrap().is_some());

    let change = users::set_active(p, "cadre", false).await.unwrap();
    assert!(change.changed);
    assert_eq!(change.sessions_closed, 2);
    assert_eq!(sessions_of(&store, u.id).await, 0, "the sessions are gone");
    for t in [&token, &cookie] {
        assert!(users::session_user(p, t).await.unwrap().is_none());
    }
    assert!(
        users::session_user(p, &others).await.unwrap().is_some(),
        "another user's session stays"
    );
    assert!(
        users::authenticate(p, "cadre", PASSWORD)
            .await
            .unwrap()
            .is_none(),
        "an inactive account does not log in"
    );
    let listed = users::accounts(p).await.unwrap();
    assert_eq!(
        listed.iter().map(|a| a.active).collect::<Vec<_>>(),
        [false, true]
    );
    // again: nothing to do, nothing written
    let again = users::set_active(p, "cadre", false).await.unwrap();
    assert!(!again.changed);

    let back = users::set_active(p, "cadre", true).await.unwrap();
    assert!(back.changed && back.sessions_closed == 0);
    assert!(
        users::session_user(p, &token).await.unwrap().is_none(),
        "the old sessions do not come back"
    );
    assert!(
        users::authenticate(p, "cadre", PASSWORD)
            .await
            .unwrap()
            .is_some()
    );

    let rows = user_audit(&store, u.id).await;
    assert_eq!(
        rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        ["create", "deactivate", "activate"]
    );
    assert_eq!(rows[1].1, r#"{"active":true}"#);
    assert_eq!(rows[1].2, r#"{"active":false,"sessions_closed":2}"#);
    assert_eq!(audit::verify_chain(p).await.unwrap(), None);

    // an unknown user is named in the error (the operator typed it)
    let e = users::set_active(p, "nobody", false).await.unwrap_err();
    assert!(
        matches!(&e, StoreError::Invalid(m) if m.contains("nobody")),
        "{e}"
    );
}

async fn reset_password_ends_sessions(backend: Backend) {
    let Some((store, _d)) = setup(backend).await else {
        return;
    };
    let p = &store.pool;
    let county = RegionCode::parse("520526").unwrap();
    let u = users::create(p, "officer", "专员", PASSWORD, Role::DataOfficer, &county)
        .await
        .unwrap();
    let token = users::open_session(p, &u, SessionKind::Token, Duration::hours(12))
        .await
        .unwrap();
    let audit_rows = user_audit(&store, u.id).await.len();

    // a weak password is refused and changes nothing
    for weak in ["short1A", "dixian-demo", "abcdefgh"] {
        let e = users::reset_password(p, "officer", weak).await.unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{weak}");
    }
    assert_eq!(user_audit(&store, u.id).await.len(), audit_rows);
    assert!(users::session_user(p, &token).await.unwrap().is_some());

    let change = users::reset_password(p, "officer", NEW_PASSWORD)
        .await
        .unwrap();
    assert_eq!(change.sessions_closed, 1);
    assert!(users::session_user(p, &token).await.unwrap().is_none());
    assert!(
        users::authenticate(p, "officer", PASSWORD)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        users::authenticate(p, "officer", NEW_PASSWORD)
            .await
            .unwrap()
            .is_some()
    );
    let rows = user_audit(&store, u.id).await;
    let last = rows.last().unwrap();
    assert_eq!(last.0, "reset_password");
    assert_eq!(last.2, r#"{"sessions_closed":1}"#);
    // the password and its hash are nowhere in the audit
    let (n,): (i64,) = p
        .one(
            q("SELECT COUNT(*) FROM audit_log WHERE after LIKE $1 OR after LIKE $2 OR before LIKE $2")
                .bind(format!("%{NEW_PASSWORD}%"))
                .bind("%argon2%"),
        )
        .await
        .unwrap();
    assert_eq!(n, 0);

    // an inactive account stays inactive after a reset
    users::set_active(p, "officer", false).await.unwrap();
    users::reset_password(p, "officer", "Drittes-Passwort-9")
        .await
        .unwrap();
    assert!(
        users::authenticate(p, "officer", "Drittes-Passwort-9")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(audit::verify_chain(p).await.unwrap(), None);
}

async fn create_checks_password_rule(backend: Backend) {
    let Some((store, _d)) = setup(backend).await else {
        return;
    };
    let p = &store.pool;
    let county = RegionCode::parse("520526").unwrap();
    for weak in ["dixian-demo", "abcdefgh", "Ab-1"] {
        let e = users::create(p, "u", "u", weak, Role::Viewer, &county)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::Invalid(m) if m.contains("three of")),
            "{weak}: {e}"
        );
    }
    assert!(users::accounts(p).await.unwrap().is_empty());
    for (name, good) in [
        ("a", "Abc-1234"),
        ("b", "abcdefghijkl"),
        ("c", "dixian-demo-1"),
    ] {
        users::create(p, name, name, good, Role::Viewer, &county)
            .await
            .unwrap();
    }
}

macro_rules! on_both_backends {
    ($($name:ident),+) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

on_both_backends!(
    deactivate_ends_sessions,
    reset_password_ends_sessions,
    create_checks_password_rule
);
