//! Logging in, for pages and the API alike: one function decides, with a
//! throttle per account and per client address (等保 2.0 身份鉴别:
//! 登录失败处理 — limit failed attempts, lock for a while, audit them).
//!
//! The throttle is kept in memory (a restart forgets it; the audit trail
//! keeps every failure and lock). The account is keyed by a tag of the
//! username, so unknown and known usernames are throttled alike and the
//! name itself is never logged.

use crate::AppState;
use chrono::{DateTime, Duration, Utc};
use dixian_store::users::{self, LoginEvent};
use dixian_store::{StoreError, User};
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::net::IpAddr;
use std::sync::Mutex;

/// How many failed logins lock an account or an address, and for how
/// long. Operational security settings (not policy numbers), set per
/// deployment; `0` failures switches a limit off (e.g. behind a proxy
/// that hides client addresses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimits {
    /// Failures of one account within `window` that lock it.
    pub account_failures: u32,
    /// Failures from one address within `window` that lock the address.
    pub address_failures: u32,
    /// The window failures are counted in.
    pub window: Duration,
    /// How long a lock lasts.
    pub lockout: Duration,
}

impl Default for LoginLimits {
    /// 5 failures of an account or 20 from an address within 15 minutes
    /// lock it for 15 minutes (common practice for 等保 level 3).
    fn default() -> LoginLimits {
        LoginLimits {
            account_failures: 5,
            address_failures: 20,
            window: Duration::minutes(15),
            lockout: Duration::minutes(15),
        }
    }
}

/// Entries kept before stale ones are dropped (bounds memory under a
/// flood of random usernames or addresses).
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Account(String),
    Address(IpAddr),
}

#[derive(Debug, Default)]
struct Entry {
    failures: VecDeque<DateTime<Utc>>,
    locked_until: Option<DateTime<Utc>>,
}

/// Failed logins per account and per address.
pub struct LoginThrottle {
    pub(crate) limits: LoginLimits,
    entries: Mutex<HashMap<Key, Entry>>,
}

impl fmt::Debug for LoginThrottle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LoginThrottle({:?})", self.limits)
    }
}

impl LoginThrottle {
    /// A throttle with `limits`.
    pub fn new(limits: LoginLimits) -> LoginThrottle {
        LoginThrottle {
            limits,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn keys(&self, username: &str, ip: IpAddr) -> Vec<(Key, u32)> {
        let mut keys = Vec::with_capacity(2);
        if self.limits.account_failures > 0 {
            keys.push((
                Key::Account(users::username_tag(username)),
                self.limits.account_failures,
            ));
        }
        if self.limits.address_failures > 0 {
            keys.push((Key::Address(ip), self.limits.address_failures));
        }
        keys
    }

    /// `Err(until)` when the account or the address is locked at `now`.
    pub fn check(
        &self,
        username: &str,
        ip: IpAddr,
        now: DateTime<Utc>,
    ) -> Result<(), DateTime<Utc>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let until = self
            .keys(username, ip)
            .iter()
            .filter_map(|(k, _)| entries.get(k)?.locked_until)
            .filter(|until| *until > now)
            .max();
        until.map_or(Ok(()), Err)
    }

    /// Starts an attempt: refused while locked; otherwise the attempt is
    /// counted as a failure at once (so that guesses sent in parallel
    /// cannot pass the limit while their passwords are being checked) and
    /// `true` says it reached the limit and locked. [`Self::succeed`]
    /// takes the count back when the password was right.
    pub fn attempt(
        &self,
        username: &str,
        ip: IpAddr,
        now: DateTime<Utc>,
    ) -> Result<bool, DateTime<Utc>> {
        self.check(username, ip, now)?;
        Ok(self.fail(username, ip, now))
    }

    /// Counts a failure; `true` when it locked the account or address.
    pub fn fail(&self, username: &str, ip: IpAddr, now: DateTime<Utc>) -> bool {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            let window = self.limits.window;
            entries.retain(|_, e| {
                e.locked_until.is_some_and(|u| u > now)
                    || e.failures.back().is_some_and(|t| now - *t < window)
            });
        }
        let mut locked = false;
        for (key, limit) in self.keys(username, ip) {
            let e = entries.entry(key).or_default();
            while e
                .failures
                .front()
                .is_some_and(|t| now - *t >= self.limits.window)
            {
                e.failures.pop_front();
            }
            e.failures.push_back(now);
            if e.failures.len() >= limit as usize && e.locked_until.is_none_or(|u| u <= now) {
                e.locked_until = Some(now + self.limits.lockout);
                e.failures.clear();
                locked = true;
            }
        }
        locked
    }

    /// A successful login (the attempt started at `at`) clears the
    /// account's failures and lock and takes back the address's count of
    /// this attempt — and the address's lock, when this attempt set it.
    pub fn succeed(&self, username: &str, ip: IpAddr, at: DateTime<Utc>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.remove(&Key::Account(users::username_tag(username)));
        if let Some(e) = entries.get_mut(&Key::Address(ip)) {
            if e.locked_until == Some(at + self.limits.lockout) {
                e.locked_until = None;
            } else {
                e.failures.pop_back();
            }
        }
    }
}

/// Why a login was refused.
#[derive(Debug)]
pub enum LoginError {
    /// Wrong username or password (never told apart).
    Wrong,
    /// Too many failures: locked until then.
    Locked(DateTime<Utc>),
    /// The store failed.
    Store(StoreError),
}

impl LoginError {
    /// Whole minutes (at least one) until a lock ends, from `now`.
    pub fn minutes_left(until: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
        ((until - now).num_seconds() + 59).div_euclid(60).max(1)
    }
}

/// Checks a login from `ip`: refused unchecked while the account or the
/// address is locked; every attempt counts until its password proves
/// right; a failure is logged (username as a tag, never the password) and
/// audited; a lock is audited when it starts.
pub(crate) async fn login(
    s: &AppState,
    ip: IpAddr,
    username: &str,
    password: &str,
) -> Result<User, LoginError> {
    let now = s.clock.now();
    let locked = match s.logins.attempt(username, ip, now) {
        Ok(locked) => locked,
        Err(until) => {
            tracing::warn!(user = %users::username_tag(username), %ip, "login refused: locked");
            return Err(LoginError::Locked(until));
        }
    };
    match users::authenticate(&s.store.pool, username, password).await {
        Ok(Some(user)) => {
            s.logins.succeed(username, ip, now);
            let event = LoginEvent::Succeeded(user.id);
            if let Err(e) =
                users::record_login(&s.store.pool, event, username, &ip.to_string()).await
            {
                tracing::error!(error = %e, "login not audited");
            }
            Ok(user)
        }
        Ok(_) => {
            let tag = users::username_tag(username);
            tracing::warn!(user = %tag, %ip, locked, "login failed");
            let client = ip.to_string();
            let audit = async {
                users::record_login(&s.store.pool, LoginEvent::Failed, username, &client).await?;
                if locked {
                    users::record_login(&s.store.pool, LoginEvent::Locked, username, &client)
                        .await?;
                }
                Ok::<_, StoreError>(())
            };
            if let Err(e) = audit.await {
                tracing::error!(error = %e, "failed login not audited");
            }
            if locked {
                Err(LoginError::Locked(now + s.logins.limits.lockout))
            } else {
                Err(LoginError::Wrong)
            }
        }
        Err(e) => Err(LoginError::Store(e)),
    }
}

/// A refused login as the API answers it.
pub(crate) fn refused(s: &AppState, e: LoginError) -> crate::error::ApiError {
    use crate::error::ApiError;
    match e {
        LoginError::Wrong => ApiError::Unauthorized,
        LoginError::Locked(until) => ApiError::LoginLocked {
            minutes: LoginError::minutes_left(until, s.clock.now()),
        },
        LoginError::Store(e) => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_account_and_address_then_unlocks() {
        let t = LoginThrottle::new(LoginLimits {
            account_failures: 3,
            address_failures: 5,
            window: Duration::minutes(10),
            lockout: Duration::minutes(10),
        });
        let now = Utc::now();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(!t.fail("cadre", a, now));
        assert!(!t.fail("cadre", b, now));
        assert!(t.check("cadre", a, now).is_ok());
        assert!(
            t.fail("cadre", a, now),
            "third failure of the account locks it"
        );
        assert!(t.check("cadre", b, now).is_err(), "from any address");
        assert!(
            t.check("Cadre ", b, now).is_err(),
            "however the name is typed"
        );
        assert!(t.check("other", b, now).is_ok(), "other accounts are free");
        assert!(
            t.check("cadre", b, now + Duration::minutes(11)).is_ok(),
            "lock ends"
        );
        // The address: five failures over different accounts lock it.
        for (i, name) in ["u1", "u2", "u3"].iter().enumerate() {
            assert!(!t.fail(name, b, now), "failure {i}");
        }
        assert!(t.fail("u4", b, now), "the fifth failure from b locks b");
        assert!(t.check("u9", b, now).is_err(), "address b locked after 5");
        assert!(t.check("u9", a, now).is_ok());
        // Old failures leave the window.
        let t2 = LoginThrottle::new(LoginLimits::default());
        for m in 0..10 {
            assert!(!t2.fail("x", a, now + Duration::minutes(m * 4)));
        }
    }
}
