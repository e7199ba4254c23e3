//! dixian's HTTP face: the JSON API under `/api/v1` (OpenAPI at
//! `/api/v1/openapi.json`, interactive page at `/api/v1/docs`) and the
//! server-rendered pages (Chinese first, English switch) that work on a
//! county office's old PC and a village cadre's phone.

pub mod api;
pub mod api_cases;
mod api_ops;
mod assets;
pub mod auth;
mod case_forms;
pub mod error;
pub mod feeds;
mod forms;
pub mod i18n;
pub mod login;
pub mod notice;
pub mod pages;
mod pages_cases;
mod pages_overdue;
mod pages_warnings;
pub mod rate_limit;
pub mod security;
mod view;
pub mod warnings;

use axum::Router;
use chrono::{DateTime, SubsecRound, Utc};
use dixian_screen::RuleBook;
use dixian_store::Store;
use rate_limit::RateLimiter;
pub use security::{Origin, WebSecurity};
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use tokio::net::TcpListener;

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
    pub logins: Arc<login::LoginThrottle>,
    /// Largest upload accepted, in bytes.
    pub max_upload: usize,
    /// Uploads processed at once (each holds its file in memory).
    pub uploads: Arc<tokio::sync::Semaphore>,
    /// Worker threads of a screening pass or a what-if replay.
    pub threads: usize,
}

/// Public self-declarations accepted per client address and hour unless
/// configured otherwise (an operational limit, not a policy number).
pub const DEFAULT_DECLARATIONS_PER_HOUR: u32 = 10;

impl AppState {
    /// The state for `store` with the rule sets shipped in the binary
    /// ([`shipped_rules`]), the system clock and the default limit.
    pub fn new(store: Store) -> AppState {
        AppState {
            security: WebSecurity::default(),
            store,
            rules: RuleHandle::new(shipped_rules()),
            clock: Clock::system(),
            declarations: Arc::new(RateLimiter::per_hour(DEFAULT_DECLARATIONS_PER_HOUR)),
            logins: Arc::new(login::LoginThrottle::new(login::LoginLimits::default())),
            max_upload: feeds::DEFAULT_MAX_UPLOAD,
            uploads: Arc::new(tokio::sync::Semaphore::new(
                feeds::DEFAULT_CONCURRENT_UPLOADS,
            )),
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
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

    /// Locks accounts and addresses after the failed logins `limits` allow.
    pub fn with_login_limits(mut self, limits: login::LoginLimits) -> AppState {
        self.logins = Arc::new(login::LoginThrottle::new(limits));
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

/// The whole application with the shipped rules and the system clock.
pub fn app(store: Store) -> Router {
    app_with(AppState::new(store))
}

/// The whole application: API, docs and pages, behind the browser-side
/// protections of [`security`] (page writes from the app's own origin
/// only; security headers and cookie flags on every answer).
pub fn app_with(state: AppState) -> Router {
    use axum::middleware::{from_fn, from_fn_with_state};
    Router::new()
        .merge(api::router())
        .merge(pages::router())
        .merge(pages_cases::router())
        .merge(pages_overdue::router())
        .merge(notice::router())
        .merge(feeds::router(state.max_upload))
        .merge(pages_warnings::router())
        .merge(assets::router())
        .layer(from_fn_with_state(
            state.clone(),
            security::same_origin_writes,
        ))
        .layer(from_fn_with_state(
            state.clone(),
            security::response_headers,
        ))
        .layer(from_fn(log_request))
        .with_state(state)
}

/// Logs each request by its route pattern (`/households/{id}`), never the
/// raw path or query, which may carry names or ID numbers.
async fn log_request(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "(unmatched)".to_string(), |p| p.as_str().to_string());
    let method = req.method().clone();
    let started = std::time::Instant::now();
    let res = next.run(req).await;
    tracing::info!(%method, route, status = res.status().as_u16(), ms = started.elapsed().as_millis() as u64, "request");
    res
}

/// Serves the app with the shipped rules on `listener` until Ctrl-C or
/// SIGTERM.
pub async fn serve(store: Store, listener: TcpListener) -> std::io::Result<()> {
    serve_with(AppState::new(store), listener).await
}

/// How often expired sessions are deleted while serving (logins delete
/// them too).
const SESSION_SWEEP: std::time::Duration = std::time::Duration::from_secs(3600);

/// Serves the app on `listener` until Ctrl-C or SIGTERM, then stops
/// taking connections and finishes the requests in flight. The peer
/// address reaches the handlers (the public endpoints are limited per
/// address).
pub async fn serve_with(state: AppState, listener: TcpListener) -> std::io::Result<()> {
    let addr: Option<SocketAddr> = listener.local_addr().ok();
    let shutdown = shutdown_signal()?;
    let sweep = tokio::spawn(sweep_sessions(state.store.clone()));
    tracing::info!(?addr, "serving");
    let app = app_with(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    sweep.abort();
    tracing::info!("stopped");
    served
}

/// Resolves on Ctrl-C or (Unix) SIGTERM, what service managers send to
/// stop a server. SIGTERM is listened for from the call on, so a signal
/// that comes while the server starts is not lost (nor kills it).
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down: finishing the requests in flight");
    })
}

/// Deletes expired sessions now and then, so that tokens nobody uses
/// again do not stay in the table.
async fn sweep_sessions(store: Store) {
    let mut every = tokio::time::interval(SESSION_SWEEP);
    loop {
        every.tick().await;
        match dixian_store::users::delete_expired_sessions(&store.pool, Utc::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "expired sessions deleted"),
            Err(e) => tracing::warn!(error = %e, "expired sessions not deleted"),
        }
    }
}
