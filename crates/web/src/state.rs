//! What every handler shares: the state (store, rules in force, clock,
//! limits) and the small types it holds. Every area may use this module;
//! it uses no area.

use crate::rate_limit::RateLimiter;
use crate::security::WebSecurity;
use chrono::{DateTime, SubsecRound, Utc};
use dixian_domain::assistance::{AssistancePolicy, MeasureCatalogue};
use dixian_screen::RuleBook;
use dixian_store::Store;
use std::fmt;
use std::sync::{Arc, RwLock};

/// What every handler shares.
#[derive(Clone, Debug)]
pub struct AppState {
    /// How browsers reach the deployment: the CSRF check's public origin,
    /// `Secure` cookies.
    pub security: WebSecurity,
    /// The store.
    pub store: Store,
    /// Every rule set of the deployment; the case workflow takes its
    /// numbers from the set in force for the case's region and day.
    pub rules: RuleHandle,
    /// The time of day, for the case workflow (tests set it).
    pub clock: Clock,
    /// Limit of public self-declarations per client address.
    pub declarations: Arc<RateLimiter>,
    /// Failed logins per account and address ([`login`]).
    pub logins: Arc<crate::login::LoginThrottle>,
    /// Largest upload accepted, in bytes.
    pub max_upload: usize,
    /// Uploads processed at once (each holds its file in memory).
    pub uploads: Arc<tokio::sync::Semaphore>,
    /// Largest file attached to a case, in bytes (`[uploads]
    /// attachment_max_mib`).
    pub attachment_max: usize,
    /// Worker threads of a screening pass or a what-if replay.
    pub threads: usize,
    /// A measure catalogue and assistance numbers fixed for every region
    /// (tests); `None` — the server's case — takes them per region from
    /// the rule book in force (`[[measures]]`, `[assistance]`).
    pub assistance: Option<Arc<(MeasureCatalogue, AssistancePolicy)>>,
    /// The most rows a list's workbook holds (`[exports] max_rows`).
    pub exports: dixian_app::exports::ExportLimits,
    /// Background jobs of this process (imports, runs, what-ifs).
    pub jobs: dixian_app::jobs::Jobs,
}

/// Largest case attachment unless configured otherwise: 10 MiB (a phone's
/// photo or a scanned page; an operational limit).
pub const DEFAULT_ATTACHMENT_MAX: usize = 10 * 1024 * 1024;

/// Public self-declarations accepted per client address and hour unless
/// configured otherwise (an operational limit, not a policy number).
pub const DEFAULT_DECLARATIONS_PER_HOUR: u32 = 10;

impl AppState {
    /// The state for `store` with the rule sets shipped in the binary
    /// ([`shipped_rules`]), the system clock and the default limit.
    pub fn new(store: Store) -> AppState {
        AppState {
            security: WebSecurity::default(),
            jobs: dixian_app::jobs::Jobs::new(store.clone()),
            store,
            rules: RuleHandle::new(shipped_rules()),
            clock: Clock::system(),
            declarations: Arc::new(RateLimiter::per_hour(DEFAULT_DECLARATIONS_PER_HOUR)),
            logins: Arc::new(crate::login::LoginThrottle::new(
                crate::login::LoginLimits::default(),
            )),
            max_upload: DEFAULT_MAX_UPLOAD,
            uploads: Arc::new(tokio::sync::Semaphore::new(DEFAULT_CONCURRENT_UPLOADS)),
            attachment_max: DEFAULT_ATTACHMENT_MAX,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            assistance: None,
            exports: dixian_app::exports::ExportLimits::default(),
        }
    }

    /// Refuses list workbooks of more than `max_rows` rows.
    pub fn with_export_rows(mut self, max_rows: u64) -> AppState {
        self.exports = dixian_app::exports::ExportLimits {
            max_rows: max_rows.max(1),
        };
        self
    }

    /// Checks assistance against `catalogue` and `policy` in every region.
    pub fn with_assistance_rules(
        mut self,
        catalogue: MeasureCatalogue,
        policy: AssistancePolicy,
    ) -> AppState {
        self.assistance = Some(Arc::new((catalogue, policy)));
        self
    }

    /// Where the assistance use cases find the catalogue in force: the
    /// rule book in force (the store's adopted versions), unless a test
    /// fixed one with [`AppState::with_assistance_rules`].
    pub(crate) fn catalogues(&self) -> Catalogues {
        Catalogues {
            fixed: self.assistance.clone(),
            book: dixian_app::rules::Policies(self.rules.get()),
        }
    }

    /// Screens with `threads` worker threads.
    pub fn with_threads(mut self, threads: usize) -> AppState {
        self.threads = threads.max(1);
        self
    }

    /// Accepts uploads of at most `bytes`, `concurrent` of them at a time.
    pub fn with_uploads(mut self, bytes: usize, concurrent: usize) -> AppState {
        self.max_upload = bytes;
        self.uploads = Arc::new(tokio::sync::Semaphore::new(concurrent.max(1)));
        self
    }

    /// Accepts case attachments of at most `bytes`.
    pub fn with_attachment_max(mut self, bytes: usize) -> AppState {
        self.attachment_max = bytes.max(1);
        self
    }

    /// Locks accounts and addresses after the failed logins `limits` allow.
    pub fn with_login_limits(mut self, limits: crate::login::LoginLimits) -> AppState {
        self.logins = Arc::new(crate::login::LoginThrottle::new(limits));
        self
    }

    /// Uses `rules` (e.g. `RuleBook::load_dir` of the deployment's folder).
    pub fn with_rules(mut self, rules: RuleBook) -> AppState {
        self.rules = RuleHandle::new(rules);
        self
    }

    /// The rules in force now, as the store's source of workflow numbers.
    pub(crate) fn policies(&self) -> dixian_app::rules::Policies {
        dixian_app::rules::Policies(self.rules.get())
    }

    /// Uses `clock` instead of the system clock.
    pub fn with_clock(mut self, clock: Clock) -> AppState {
        self.clock = clock;
        self
    }

    /// Accepts at most `per_hour` public declarations per client address.
    pub fn with_declarations_per_hour(mut self, per_hour: u32) -> AppState {
        self.declarations = Arc::new(RateLimiter::per_hour(per_hour));
        self
    }

    /// Uses `security` (public origin, `Secure` cookies).
    pub fn with_security(mut self, security: WebSecurity) -> AppState {
        self.security = security;
        self
    }
}

/// The measure catalogue in force, for the assistance use cases.
pub(crate) struct Catalogues {
    fixed: Option<Arc<(MeasureCatalogue, AssistancePolicy)>>,
    book: dixian_app::rules::Policies,
}

impl dixian_app::assistance::CatalogueSource for Catalogues {
    fn catalogue_for(
        &self,
        region: &dixian_domain::RegionCode,
        on: chrono::NaiveDate,
    ) -> Option<(MeasureCatalogue, AssistancePolicy)> {
        match &self.fixed {
            Some(fixed) => Some(fixed.as_ref().clone()),
            None => self.book.catalogue_for(region, on),
        }
    }
}

/// The rule book in force, shared by every handler and replaced whole
/// when a county adopts a new version of a set (requests in flight keep
/// the book they started with).
#[derive(Clone, Debug)]
pub struct RuleHandle(Arc<RwLock<Arc<RuleBook>>>);

impl RuleHandle {
    /// A handle on `book`.
    pub fn new(book: RuleBook) -> RuleHandle {
        RuleHandle(Arc::new(RwLock::new(Arc::new(book))))
    }

    /// The book in force now.
    pub fn get(&self) -> Arc<RuleBook> {
        let guard = self.0.read().unwrap_or_else(|e| e.into_inner());
        Arc::clone(&guard)
    }

    /// Puts `book` in force.
    pub fn set(&self, book: RuleBook) {
        let mut guard = self.0.write().unwrap_or_else(|e| e.into_inner());
        *guard = Arc::new(book);
    }
}

/// Where "now" comes from.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock(Arc::new(Utc::now))
    }

    /// A clock reading `now` (tests move it forward instead of sleeping).
    pub fn new(now: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(now))
    }

    /// The current time, to the microsecond: what both databases keep,
    /// so that a case's JSON snapshot and its columns agree.
    pub fn now(&self) -> DateTime<Utc> {
        (self.0)().trunc_subsecs(6)
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Clock({})", self.now())
    }
}

/// The rule sets of the repository's `rules/` folder, compiled in: the
/// default when no folder is configured.
pub fn shipped_rules() -> RuleBook {
    RuleBook::shipped()
}

/// Largest accepted upload unless configured otherwise (a county's
/// monthly medical file fits many times over); an operational limit.
pub const DEFAULT_MAX_UPLOAD: usize = 256 * 1024 * 1024;

/// Uploads read and checked at the same time unless configured otherwise:
/// each holds its file in memory while it is parsed, so this bounds the
/// memory uploads take (others wait their turn).
pub const DEFAULT_CONCURRENT_UPLOADS: usize = 2;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use dixian_domain::RegionCode;

    #[test]
    fn shipped_rules_are_every_file_of_the_rules_folder() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
        let on_disk = RuleBook::load_dir(&dir).expect("the rules folder loads");
        let shipped = shipped_rules();
        let names =
            |b: &RuleBook| -> Vec<String> { b.sets().iter().map(|s| s.name.clone()).collect() };
        assert_eq!(
            names(&shipped),
            names(&on_disk),
            "a rule file was added to rules/: list it in `SHIPPED` (crates/screen/src/rules/book.rs)"
        );
    }

    #[test]
    fn shipped_rules_load_and_cover_the_demo_county() {
        let book = shipped_rules();
        let village = RegionCode::parse("520526001001").unwrap();
        let day = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
        let set = book.select(&village, day).expect("a set for Guizhou 2025");
        assert_eq!(set.region.to_string(), "52");
        assert!(set.workflow.notice_min_days >= 5);
    }
}
