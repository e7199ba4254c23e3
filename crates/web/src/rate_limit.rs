//! A token bucket per client address for the endpoints open without
//! login: a burst of `capacity` requests, then one more every
//! `hour / capacity`. Kept in memory: a restart forgets it, which is fine
//! for slowing down abuse. The addresses are never logged.

use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::Mutex;

/// Buckets kept before full ones are dropped.
const MAX_BUCKETS: usize = 10_000;

/// Per-address limit of requests per hour.
pub struct RateLimiter {
    capacity: f64,
    per_second: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: DateTime<Utc>,
}

impl RateLimiter {
    /// At most `n` requests per address and hour (at least 1).
    pub fn per_hour(n: u32) -> RateLimiter {
        let capacity = f64::from(n.max(1));
        RateLimiter {
            capacity,
            per_second: capacity / 3600.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `addr` at `now`; `false` when there is none left.
    pub fn try_take(&self, addr: IpAddr, now: DateTime<Utc>) -> bool {
        // A panic while holding the lock leaves plain numbers behind, still usable.
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_BUCKETS {
            buckets.retain(|_, b| self.refilled(*b, now) < self.capacity);
        }
        let full = Bucket {
            tokens: self.capacity,
            at: now,
        };
        let bucket = buckets.entry(addr).or_insert(full);
        let tokens = self.refilled(*bucket, now);
        let allowed = tokens >= 1.0;
        *bucket = Bucket {
            tokens: if allowed { tokens - 1.0 } else { tokens },
            at: now.max(bucket.at),
        };
        allowed
    }

    fn refilled(&self, b: Bucket, now: DateTime<Utc>) -> f64 {
        let seconds = (now - b.at).num_milliseconds().max(0) as f64 / 1000.0;
        (b.tokens + seconds * self.per_second).min(self.capacity)
    }
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RateLimiter({} per hour)", self.capacity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn burst_then_refill_per_address() {
        let l = RateLimiter::per_hour(3);
        let t = Utc::now();
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert!((0..3).all(|_| l.try_take(a, t)));
        assert!(!l.try_take(a, t));
        assert!(l.try_take(b, t), "another address has its own bucket");
        assert!(!l.try_take(a, t + Duration::minutes(19)));
        assert!(
            l.try_take(a, t + Duration::minutes(21)),
            "one token per 20 minutes"
        );
        assert!(!l.try_take(a, t + Duration::minutes(22)));
    }
}
