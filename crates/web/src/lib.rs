//! dixian's HTTP face: the JSON API under `/api/v1` (OpenAPI at
//! `/api/v1/openapi.json`, interactive page at `/api/v1/docs`) and the
//! server-rendered pages (Chinese first, English switch) that work on a
//! county office's old PC and a village cadre's phone.

pub mod api;
pub mod auth;
pub mod error;
mod forms;
pub mod i18n;
pub mod pages;
mod view;

use axum::Router;
use dixian_store::Store;
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// What every handler shares.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The store.
    pub store: Store,
}

/// The whole application: API, docs and pages.
pub fn app(store: Store) -> Router {
    let state = AppState { store };
    Router::new()
        .merge(api::router())
        .merge(pages::router())
        .with_state(state)
}

/// Serves the app on `listener` until Ctrl-C.
pub async fn serve(store: Store, listener: TcpListener) -> std::io::Result<()> {
    let addr: Option<SocketAddr> = listener.local_addr().ok();
    tracing::info!(?addr, "serving");
    axum::serve(listener, app(store))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
