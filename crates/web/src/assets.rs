//! The page scripts and print styles under `/static/`, compiled into the
//! binary. Pages load code only from here (the Content-Security-Policy
//! allows no inline script or style).

use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// Name, type and content of each file.
const FILES: &[(&str, &str, &str)] = &[
    ("app.css", CSS, include_str!("../static/app.css")),
    ("feeds.js", JS, include_str!("../static/feeds.js")),
    ("notice.js", JS, include_str!("../static/notice.js")),
    ("declare.js", JS, include_str!("../static/declare.js")),
    ("notice.css", CSS, include_str!("../static/notice.css")),
    ("card.css", CSS, include_str!("../static/card.css")),
];

/// The route of the files.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new().route("/static/{file}", get(file))
}

async fn file(Path(name): Path<String>) -> Response {
    match FILES.iter().find(|(n, _, _)| *n == name) {
        Some((_, content_type, body)) => (
            [
                (CONTENT_TYPE, *content_type),
                (CACHE_CONTROL, "max-age=3600"),
            ],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
