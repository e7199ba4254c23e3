//! dixian's HTTP face: the JSON API under `/api/v1` (OpenAPI at
//! `/api/v1/openapi.json`, interactive page at `/api/v1/docs`) and the
//! server-rendered pages (Chinese first, English switch) that work on a
//! county office's old PC and a village cadre's phone.
//!
//! The modules follow the areas of the work (ARCHITECTURE.md has the map):
//! `registry` (regions, households, their forms), `cases` (the case
//! workflow, overdue list, village notice), `screening` (department feeds,
//! warnings, rule sets), `assistance` (plans, measures, visits, helpers); `shared` holds what they all use (layout,
//! language and cookies, extractors, links, masking). An area uses
//! `shared` and the crate's core (`state`, `auth`, `error`, `i18n`,
//! `login`), never another area; only this file and `api.rs` put the
//! areas together. `layering.rs` checks it.

pub mod alerts;
pub mod api;
mod api_ops;
mod assets;
pub mod assistance;
pub mod auth;
pub mod cases;
pub mod error;
pub mod exchange;
pub mod figures;
pub mod i18n;
pub mod jobs;
#[cfg(test)]
mod layering;
pub mod login;
pub mod rate_limit;
pub mod registry;
pub mod screening;
pub mod security;
mod session;
pub mod shared;
mod state;

use axum::Router;
use chrono::Utc;
use dixian_store::Store;
pub use security::{Origin, WebSecurity};
pub use state::{
    AppState, Clock, DEFAULT_ATTACHMENT_MAX, DEFAULT_CONCURRENT_UPLOADS,
    DEFAULT_DECLARATIONS_PER_HOUR, DEFAULT_MAX_UPLOAD, RuleHandle, shipped_rules,
};
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// The whole application with the shipped rules and the system clock.
pub fn app(store: Store) -> Router {
    app_with(AppState::new(store))
}

/// The whole application: API, docs and pages, behind the browser-side
/// protections of [`security`] (page writes from the app's own origin
/// only; security headers and cookie flags on every answer); errors of
/// pages answered as pages ([`error::html_errors`]), of the API as JSON.
pub fn app_with(state: AppState) -> Router {
    use axum::middleware::{from_fn, from_fn_with_state};
    Router::new()
        .merge(api::router())
        .merge(session::router())
        .merge(registry::router())
        .merge(cases::router(state.attachment_max))
        .merge(screening::router(state.max_upload))
        .merge(assistance::api::router(state.max_upload))
        .merge(assistance::router())
        .merge(figures::router())
        .merge(alerts::router())
        .merge(jobs::router())
        .merge(exchange::router(state.max_upload))
        .merge(assets::router())
        .layer(from_fn(error::html_errors))
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
    // jobs a previous process left queued or running died with it
    match state.jobs.interrupt_leftovers(chrono::Utc::now()).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(jobs = n, "jobs of the previous process marked interrupted"),
        Err(e) => tracing::error!(error = %e, "jobs left running not marked interrupted"),
    }
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
