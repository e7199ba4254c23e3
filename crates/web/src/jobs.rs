//! Background jobs on the web (issue 14, part 4): `/jobs` lists the
//! region's recent jobs, `/jobs/{id}` shows one — phase, a progress bar
//! in HTML/CSS, refreshed by `<meta http-equiv=refresh>` while it runs
//! (no JavaScript), the result's link, and a cancel button (a POST form,
//! same-origin checked like every page write). The API: `GET
//! /api/v1/jobs`, `GET /api/v1/jobs/{id}`, `POST /api/v1/jobs/{id}/cancel`.
//! Who may see and cancel is decided by `dixian_app::jobs`; a job of
//! another region is not found.

use crate::AppState;
use crate::auth::{Auth, PageAuth};
use crate::error::{ApiError, ApiResult};
use crate::i18n::{Texts, fill};
use crate::shared::lang::Lang;
use crate::shared::layout::{UserBar, user_bar};
use crate::shared::view::china_time;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use dixian_app::jobs::{self, Job, JobKind, JobStatus, Phase, Started};
use std::time::Duration;

/// The OpenAPI part of the jobs.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_api, get_api, cancel_api), components(schemas(Job, JobKind, JobStatus, Phase)),
    tags((name = "jobs", description = "后台任务: imports, screening runs and what-ifs as background jobs with progress")))]
pub struct JobsDoc;

/// Routes: API and pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/jobs", get(list_api))
        .route("/api/v1/jobs/{id}", get(get_api))
        .route("/api/v1/jobs/{id}/cancel", post(cancel_api))
        .route("/jobs", get(list_page))
        .route("/jobs/{id}", get(job_page))
        .route("/jobs/{id}/cancel", post(cancel_page))
}

/// How long a page that started a job waits for it before it redirects:
/// a small file's job has ended by then and the page shows its result at
/// once; a long one shows its progress.
pub const PAGE_WAIT: Duration = Duration::from_millis(1500);

/// The API's answer to a started job: 202 with the job and its address.
pub fn accepted(job: &Job) -> Response {
    let mut res = (StatusCode::ACCEPTED, Json(job)).into_response();
    if let Ok(v) = format!("/api/v1/jobs/{}", job.id).parse() {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// A page's answer to a started job: waits up to [`PAGE_WAIT`] for it,
/// then 303 to its page (the job goes on if it has not ended).
pub async fn redirect_to(started: Started) -> Response {
    let Started { job, mut task } = started;
    let _ = tokio::time::timeout(PAGE_WAIT, &mut task).await;
    Redirect::to(&format!("/jobs/{}", job.id)).into_response()
}

#[utoipa::path(get, path = "/api/v1/jobs", tag = "jobs", security(("bearer" = [])),
    responses((status = 200, body = Vec<Job>, description = "the newest jobs of your region, newest first"),
        (status = 403, description = "only county admins and data officers")))]
async fn list_api(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<Job>>> {
    Ok(Json(s.jobs.list(&auth.actor()).await?))
}

#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "jobs", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Job, description = "phase, rows done of the total, and when it ended its status, result or error"),
        (status = 403), (status = 404, description = "no such job in your region")))]
async fn get_api(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Job>> {
    Ok(Json(s.jobs.get(&auth.actor(), id).await?))
}

#[utoipa::path(post, path = "/api/v1/jobs/{id}/cancel", tag = "jobs", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 202, body = Job, description = "asked to stop: it stops at its next check and what it wrote is rolled back"),
        (status = 403), (status = 404),
        (status = 422, description = "the job has ended already (`job_ended`)")))]
async fn cancel_api(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let job = s.jobs.cancel(&auth.actor(), id).await?;
    Ok((StatusCode::ACCEPTED, Json(job)).into_response())
}

/// A job as the pages show it.
struct JobLine {
    id: i64,
    kind: &'static str,
    status: &'static str,
    status_code: &'static str,
    phase: &'static str,
    /// Done of total, in words.
    counts: String,
    /// 0–100.
    percent: i64,
    created: String,
    finished: String,
    active: bool,
}

fn line(t: &'static Texts, j: &Job) -> JobLine {
    let percent = if j.total > 0 {
        (j.done.clamp(0, j.total) * 100 / j.total).clamp(0, 100)
    } else if j.status == JobStatus::Succeeded {
        100
    } else {
        0
    };
    JobLine {
        id: j.id,
        kind: t.label(j.kind),
        status: t.label(j.status),
        status_code: j.status.code(),
        phase: t.label(j.phase),
        counts: fill(t.job_counts, &[&j.done, &j.total]),
        percent,
        created: china_time(j.created_at),
        finished: j.finished_at.map(china_time).unwrap_or_default(),
        active: j.status.is_active(),
    }
}

#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "jobs.html")]
struct JobsPage {
    t: &'static Texts,
    user: Option<UserBar>,
    lines: Vec<JobLine>,
    /// Refresh while one is active.
    refresh: bool,
}

async fn list_page(State(s): State<AppState>, auth: PageAuth, Lang(t): Lang) -> Response {
    match s.jobs.list(&auth.actor()).await {
        Ok(list) => JobsPage {
            t,
            user: user_bar(&auth.0, t),
            refresh: list.iter().any(|j| j.status.is_active()),
            lines: list.iter().map(|j| line(t, j)).collect(),
        }
        .into_response(),
        Err(e) => ApiError::from(e).page(t),
    }
}

/// A link the result offers.
struct ResultLink {
    href: String,
    label: String,
}

#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "job.html")]
struct JobPage {
    t: &'static Texts,
    user: Option<UserBar>,
    job: JobLine,
    /// What it did, in words.
    summary: Option<String>,
    /// Why it failed or stopped.
    error: Option<String>,
    /// Row problems of a rejected file (the first of them).
    problems: Vec<String>,
    link: Option<ResultLink>,
    cancel_asked: bool,
}

/// Row problems the page lists.
const PAGE_PROBLEMS: usize = 200;

fn summary_of(t: &'static Texts, j: &Job) -> (Option<String>, Option<ResultLink>, Vec<String>) {
    let Some(r) = &j.result else {
        return (None, None, Vec::new());
    };
    let n =
        |v: &serde_json::Value, k: &str| v.get(k).and_then(serde_json::Value::as_i64).unwrap_or(0);
    match j.kind {
        JobKind::FeedImport | JobKind::RegistryImport => {
            let outcome = r.get("outcome").filter(|o| !o.is_null());
            let summary = match outcome {
                Some(o) if o.get("outcome").and_then(|x| x.as_str()) == Some("already_loaded") => {
                    fill(t.feed_already_loaded, &[&n(o, "batch_id")])
                }
                Some(o) => fill(
                    t.feed_loaded,
                    &[
                        &n(o, "rows"),
                        &n(o, "matched"),
                        &n(o, "unknown"),
                        &n(o, "duplicates"),
                    ],
                ),
                None => fill(t.feed_rejected, &[&n(r, "errors_total")]),
            };
            let problems = r
                .get("errors")
                .and_then(|e| e.as_array())
                .map(|es| {
                    es.iter()
                        .take(PAGE_PROBLEMS)
                        .map(|e| {
                            let mut at = fill(t.feed_at_line, &[&n(e, "line")]);
                            if let Some(c) = e.get("column").and_then(serde_json::Value::as_i64) {
                                at = format!("{at}, {}", fill(t.feed_at_column, &[&c]));
                            }
                            let reason = e.get("reason").and_then(|x| x.as_str()).unwrap_or("");
                            format!("{at}: {}", t.reason(reason))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let link = outcome.map(|_| ResultLink {
                href: "/feeds".into(),
                label: t.job_to_batches.into(),
            });
            (Some(summary), link, problems)
        }
        JobKind::ScreeningRun => {
            let summary = fill(
                t.job_run_summary,
                &[
                    &n(r, "id"),
                    &n(r, "rows_screened"),
                    &n(r, "warnings_raised"),
                ],
            );
            let link = jobs::run_of(j).map(|id| ResultLink {
                href: format!("/warnings?run={id}"),
                label: t.job_to_warnings.into(),
            });
            (Some(summary), link, Vec::new())
        }
        JobKind::WhatIf => {
            let totals = r.get("totals").and_then(|x| x.as_array());
            let at = |i: usize| {
                totals
                    .and_then(|a| a.get(i))
                    .and_then(|x| x.as_i64())
                    .unwrap_or(0)
            };
            let summary = fill(t.job_whatif_summary, &[&n(r, "rows"), &at(0), &at(1)]);
            (Some(summary), None, Vec::new())
        }
    }
}

async fn job_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
) -> Response {
    let job = match s.jobs.get(&auth.actor(), id).await {
        Ok(j) => j,
        Err(e) => return ApiError::from(e).page(t),
    };
    let (summary, link, problems) = summary_of(t, &job);
    JobPage {
        t,
        user: user_bar(&auth.0, t),
        summary,
        error: job.error.as_deref().map(|e| t.reason(e)),
        problems,
        link,
        cancel_asked: job.cancel_requested,
        job: line(t, &job),
    }
    .into_response()
}

async fn cancel_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
) -> Response {
    match s.jobs.cancel(&auth.actor(), id).await {
        // a job that ended meanwhile: its page says how it ended
        Ok(_)
        | Err(dixian_app::AppError::Store(dixian_store::StoreError::Refused(
            dixian_store::Refusal::JobEnded,
        ))) => Redirect::to(&format!("/jobs/{id}")).into_response(),
        Err(e) => ApiError::from(e).page(t),
    }
}
