//! The case workflow's JSON API under `/api/v1`: leads (and a resident's
//! self-declaration without login), cases and their events, the work
//! lists (inbox, overdue), the village notice, a household's timeline and
//! the risk-elimination check. The workflow's numbers come from the rule
//! set in force for the case's region and day (`AppState::rules`), the
//! time from `AppState::clock`.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::shared::extract::{Body, ClientIp};
use crate::shared::view::RevealQuery;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use dixian_app::cases::{self, CaseDetail};
use dixian_app::comparison::{ComparisonField, ComparisonList, ComparisonRow, KindRows};
use dixian_app::registry::Reveal;
use dixian_domain::case::{EliminationFacts, EliminationReport, Finding, KindFinding};
use dixian_domain::{Case, CaseEvent, CaseStage, EventKind, Overdue};
use dixian_store::cases::{
    Declaration, EliminationCheck, Inbox, IncomingLead, LeadReceipt, NoticeRound, PublicStatusView,
    StoredEvent, TimelineEntry, TownshipOverdue,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

/// The OpenAPI document of the case workflow (merged into the API's).
#[derive(OpenApi)]
#[openapi(
    paths(create_lead, match_lead, dismiss_lead, declare, declaration_status, inbox, overdue,
        get_case, post_event, comparison_rows, elimination_check, timeline, notice),
    components(schemas(IncomingLead, Declaration, LeadReceipt, PublicStatusView, MatchLead, DismissLead,
        CaseView, StoredEvent, PostEvent, Case, CaseEvent, CaseStage, EventKind, Overdue, Inbox,
        TownshipOverdue, NoticeRound, TimelineEntry, EliminationCheck, EliminationFacts, EliminationReport,
        KindFinding, Finding, ComparisonList, KindRows, ComparisonRow, ComparisonField)),
    tags((name = "cases", description = "监测案件: leads, cases, events, work lists, notices"),
        (name = "public", description = "农户自主申报: no login, limited per client address"))
)]
pub struct CasesDoc;

/// Routes of the case workflow.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/leads", post(create_lead))
        .route("/api/v1/leads/{id}/match", post(match_lead))
        .route("/api/v1/leads/{id}/dismiss", post(dismiss_lead))
        .route("/api/v1/public/declarations", post(declare))
        .route(
            "/api/v1/public/declarations/{reference}",
            get(declaration_status),
        )
        .route("/api/v1/inbox", get(inbox))
        .route("/api/v1/cases/overdue", get(overdue))
        .route("/api/v1/cases/{id}", get(get_case))
        .route("/api/v1/cases/{id}/events", post(post_event))
        .route("/api/v1/cases/{id}/comparison-rows", get(comparison_rows))
        .route(
            "/api/v1/cases/{id}/elimination-check",
            get(elimination_check),
        )
        .route("/api/v1/households/{id}/timeline", get(timeline))
        .route("/api/v1/villages/{code}/notice", get(notice))
}

#[utoipa::path(post, path = "/api/v1/leads", tag = "cases", security(("bearer" = [])), request_body = IncomingLead,
    responses((status = 201, body = LeadReceipt, description = "opened, joined or re-entered the household's case"),
        (status = 403, description = "your role may not register leads"), (status = 404, description = "household unknown or outside your scope"),
        (status = 422, description = "a rule is broken; the message says which")))]
async fn create_lead(
    State(s): State<AppState>,
    auth: Auth,
    Body(lead): Body<IncomingLead>,
) -> ApiResult<(StatusCode, Json<LeadReceipt>)> {
    let now = s.clock.now();
    let r = cases::open_lead(&s.store, &auth.actor(), &lead, now, &s.policies()).await?;
    tracing::info!(lead_id = r.lead_id, case_id = ?r.case_id, status = r.status.code(), "lead registered");
    Ok((StatusCode::CREATED, Json(r)))
}

/// The household an unmatched lead is about, found by the village.
#[derive(Deserialize, ToSchema)]
pub struct MatchLead {
    /// Database id of the household.
    household_id: i64,
}

#[utoipa::path(post, path = "/api/v1/leads/{id}/match", tag = "cases", security(("bearer" = [])), request_body = MatchLead,
    params(("id" = i64, Path)),
    responses((status = 200, body = LeadReceipt), (status = 404), (status = 422, description = "already handled")))]
async fn match_lead(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Body(m): Body<MatchLead>,
) -> ApiResult<Json<LeadReceipt>> {
    let now = s.clock.now();
    let policies = s.policies();
    let r = cases::match_lead(&s.store, &auth.actor(), id, m.household_id, now, &policies).await?;
    tracing::info!(lead_id = id, case_id = ?r.case_id, status = r.status.code(), "lead matched");
    Ok(Json(r))
}

/// Why an unmatched lead is closed without a case.
#[derive(Deserialize, ToSchema)]
pub struct DismissLead {
    /// The reason (e.g. not a resident of the village).
    reason: String,
}

#[utoipa::path(post, path = "/api/v1/leads/{id}/dismiss", tag = "cases", security(("bearer" = [])), request_body = DismissLead,
    params(("id" = i64, Path)),
    responses((status = 200, body = LeadReceipt), (status = 404), (status = 422, description = "already handled")))]
async fn dismiss_lead(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Body(d): Body<DismissLead>,
) -> ApiResult<Json<LeadReceipt>> {
    let now = s.clock.now();
    let r = cases::dismiss_lead(&s.store, &auth.actor(), id, &d.reason, now).await?;
    tracing::info!(lead_id = id, "lead dismissed");
    Ok(Json(r))
}

#[utoipa::path(post, path = "/api/v1/public/declarations", tag = "public", request_body = Declaration,
    responses((status = 201, body = PublicStatusView, description = "received; keep the reference number"),
        (status = 422, description = "a field is not valid; the message says which (never quoting it)"),
        (status = 429, description = "too many declarations from this address; try again later")))]
async fn declare(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    Body(d): Body<Declaration>,
) -> ApiResult<(StatusCode, Json<PublicStatusView>)> {
    let now = s.clock.now();
    if !s.declarations.try_take(ip, now) {
        return Err(ApiError::TooManyRequests);
    }
    let r = cases::declare(&s.store, &d, now, &s.policies()).await?;
    tracing::info!(lead_id = r.lead_id, case_id = ?r.case_id, status = r.status.code(), "self-declaration received");
    let view = cases::public_status(&s.store, &r.reference).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(get, path = "/api/v1/public/declarations/{reference}", tag = "public",
    params(("reference" = String, Path, description = "the reference number given on declaring")),
    responses((status = 200, body = PublicStatusView), (status = 404, description = "unknown reference")))]
async fn declaration_status(
    State(s): State<AppState>,
    Path(reference): Path<String>,
) -> ApiResult<Json<PublicStatusView>> {
    Ok(Json(cases::public_status(&s.store, &reference).await?))
}

#[utoipa::path(get, path = "/api/v1/inbox", tag = "cases", security(("bearer" = [])), params(RevealQuery),
    responses((status = 200, body = Inbox, description = "cases at a step your level owes, oldest first; unmatched declarations for village cadres, \
        the declarant's ID number and phone masked, or in full with `reveal=true` (one audit row per declaration shown)"),
        (status = 403, description = "not a working role")))]
async fn inbox(
    State(s): State<AppState>,
    auth: Auth,
    Query(r): Query<RevealQuery>,
) -> ApiResult<Json<Inbox>> {
    let reveal = r.reveal.then(|| Reveal::because(r.reason.as_deref()));
    let now = s.clock.now();
    let inbox = cases::inbox(&s.store, &auth.actor(), now, &s.policies(), reveal.as_ref()).await?;
    if reveal.is_some() {
        tracing::info!(leads = inbox.leads.len(), "personal data revealed (inbox)");
    }
    Ok(Json(inbox))
}

#[utoipa::path(get, path = "/api/v1/cases/overdue", tag = "cases", security(("bearer" = [])),
    responses((status = 200, body = Vec<TownshipOverdue>, description = "overdue cases in your scope per township, with the level each is escalated to")))]
async fn overdue(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<TownshipOverdue>>> {
    let now = s.clock.now();
    let policies = s.policies();
    Ok(Json(
        cases::overdue(&s.store, &auth.actor(), now, &policies).await?,
    ))
}

/// A case with what the caller may do next and its event log.
#[derive(Serialize, ToSchema)]
pub struct CaseView {
    /// Case id.
    pub id: i64,
    /// Household id.
    pub household_id: i64,
    /// Version: send it with the next event.
    pub version: i64,
    /// The case.
    pub case: Case,
    /// Due day of the current step.
    pub due_on: Option<NaiveDate>,
    /// Late, and who is told, under today's rules.
    pub overdue: Option<Overdue>,
    /// The events the caller's role may record now.
    pub allowed_events: Vec<EventKind>,
    /// Every event so far.
    pub events: Vec<StoredEvent>,
    /// Opened.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<CaseDetail> for CaseView {
    fn from(d: CaseDetail) -> CaseView {
        CaseView {
            id: d.id,
            household_id: d.household_id,
            version: d.version,
            case: d.case,
            due_on: d.due_on,
            overdue: d.overdue,
            allowed_events: d.allowed_events,
            events: d.events,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

/// The case as the API shows it.
async fn case_view(s: &AppState, auth: &Auth, id: i64) -> ApiResult<CaseView> {
    let detail = cases::case(&s.store, &auth.actor(), id, s.clock.now(), &s.policies()).await?;
    Ok(detail.into())
}

#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = CaseView), (status = 404, description = "unknown or outside your scope")))]
async fn get_case(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<CaseView>> {
    Ok(Json(case_view(&s, &auth, id).await?))
}

/// An event for a case: the version read, and the event.
#[derive(Deserialize, ToSchema)]
pub struct PostEvent {
    /// The case version that was read; a stale one gets 409.
    version: i64,
    /// The event, tagged by `kind` (e.g. `{"kind": "notice_end"}`).
    event: CaseEvent,
}

#[utoipa::path(post, path = "/api/v1/cases/{id}/events", tag = "cases", security(("bearer" = [])), request_body = PostEvent,
    params(("id" = i64, Path)),
    responses((status = 200, body = CaseView, description = "the case after the event"),
        (status = 403, description = "the step belongs to another role (`wrong_role`)"),
        (status = 404, description = "unknown or outside your scope"), (status = 409, description = "stale version"),
        (status = 422, description = "the workflow refuses it; `code` says why (e.g. `wrong_stage`, `notice_too_short`, `notice_not_over`; \
            for a `data_comparison`: `comparison_finding_missing` when a feed kind with rows has no finding, `comparison_row_not_listed` \
            when `reviewed_rows` names a row not listed by `GET /api/v1/cases/{id}/comparison-rows`, `comparison_row_twice` when it names a row twice)")))]
async fn post_event(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Body(p): Body<PostEvent>,
) -> ApiResult<Json<CaseView>> {
    let now = s.clock.now();
    let policies = s.policies();
    let after = cases::record_event(
        &s.store,
        &auth.actor(),
        id,
        p.version,
        &p.event,
        now,
        &policies,
    )
    .await?;
    tracing::info!(case_id = id, kind = p.event.kind().code(), stage = after.case.stage.code(),
        region = %after.case.village, version = after.version, "case event");
    Ok(Json(case_view(&s, &auth, id).await?))
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/comparison-rows", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = ComparisonList, description = "信息比对: the department rows stored for the household's current members, \
            dated within the rule set's `comparison_window_days` up to today, grouped by feed kind; each person masked, a diagnosis \
            withheld from a role without health data, and the warnings each row is evidence of. A `data_comparison` event names \
            the rows it reviewed (`reviewed_rows`) and gives a finding for each kind listed"),
        (status = 403, description = "not a working role"),
        (status = 404, description = "unknown or outside your scope"),
        (status = 422, description = "the rule set in force sets no `comparison_window_days` (`no_comparison_window`)")))]
async fn comparison_rows(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<ComparisonList>> {
    let now = s.clock.now();
    let list =
        dixian_app::comparison::comparison_rows(&s.store, &auth.actor(), id, now, &s.policies())
            .await?;
    Ok(Json(list))
}

/// The village's own finding on the big expense, overriding the registry's.
#[derive(Deserialize, IntoParams)]
pub struct CheckParams {
    /// Whether the big rigid expense is resolved (default: the registry's
    /// yearly medical and schooling expense against the rule set's limit).
    big_expense_resolved: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/cases/{id}/elimination-check", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path), CheckParams),
    responses((status = 200, body = EliminationCheck), (status = 404), (status = 422, description = "the household is not monitored")))]
async fn elimination_check(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(p): Query<CheckParams>,
) -> ApiResult<Json<EliminationCheck>> {
    let now = s.clock.now();
    let check = cases::elimination_check(
        &s.store,
        &auth.actor(),
        id,
        now,
        &s.policies(),
        p.big_expense_resolved,
    )
    .await?;
    Ok(Json(check))
}

#[utoipa::path(get, path = "/api/v1/households/{id}/timeline", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<TimelineEntry>, description = "leads, case events and registry changes, oldest first, with who and when"),
        (status = 404, description = "unknown or outside your scope")))]
async fn timeline(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<TimelineEntry>>> {
    Ok(Json(cases::timeline(&s.store, &auth.actor(), id).await?))
}

#[utoipa::path(get, path = "/api/v1/villages/{code}/notice", tag = "cases", security(("bearer" = [])),
    params(("code" = String, Path, description = "12-digit village code")),
    responses((status = 200, body = NoticeRound, description = "households on notice: name, group, category, risk types, dates — nothing else personal"),
        (status = 404, description = "unknown or outside your scope")))]
async fn notice(
    State(s): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
) -> ApiResult<Json<NoticeRound>> {
    let now = s.clock.now();
    Ok(Json(
        cases::notice_round(&s.store, &auth.actor(), &code, now).await?,
    ))
}
