//! The assistance API under `/api/v1`: request → typed input → use case
//! (`dixian_app::assistance`) → typed output, masked.

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::shared::extract::Body;
use crate::shared::view::{mask_id, redact, to_json};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use dixian_app::assistance::{self, MeasureListFile};
use dixian_domain::assistance::{
    AssistancePlan, Department, EffectReview, FollowUpVisit, Measure, MeasureKind,
    ResponsiblePerson,
};
use dixian_store::assistance::{
    HeldHousehold, ListBatchOutcome, ListBatchSummary, MeasureFilter, PlanToFollow, RegionMeasure,
    StoredHelper, StoredMeasure, StoredPlan, StoredVisit,
};
use dixian_store::households;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// The OpenAPI part of assistance.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(get_plan, put_plan, plan_proposal, confirm_plan, plan_effect, plans_to_follow, assign_helper, add_measure, stop_measure, record_visit, get_chain, list_visits, list_measures,
        list_helpers, create_helper, upload_list, chain_report),
    components(schemas(PlanAnswer, PutPlan, ProposalAnswer, ConfirmPlan, EffectAnswer, EffectReview, AssignHelper, StopMeasure, Saved, Created, MeasureCreated, ChainAnswer, MeasurePage, ListUploadResult,
        ListRowProblem, StoredPlan, PlanToFollow, StoredMeasure, StoredVisit, StoredHelper, HeldHousehold, RegionMeasure,
        ListBatchOutcome, ListBatchSummary, AssistancePlan, Measure, FollowUpVisit, ResponsiblePerson,
        assistance::ChainReport, assistance::ChainReportRow, assistance::ReportFinding, assistance::ReportMeasure,
        assistance::RuleCount)),
    tags((name = "assistance", description = "帮扶: plans (一户一策), measures received (救助链), follow-up visits (跟踪回访), helpers (帮扶责任人), department lists")))]
pub struct AssistanceDoc;

/// Problems an upload's answer lists; the rest are counted.
const MAX_LISTED_ERRORS: usize = 1_000;

/// Routes. `max_upload` bounds a list upload's body.
pub fn router(max_upload: usize) -> Router<AppState> {
    Router::new()
        .route("/api/v1/households/{id}/plan", get(get_plan).put(put_plan))
        .route("/api/v1/households/{id}/plan/proposal", get(plan_proposal))
        .route("/api/v1/households/{id}/plan/confirm", post(confirm_plan))
        .route("/api/v1/households/{id}/plan/effect", get(plan_effect))
        .route("/api/v1/households/{id}/plan/helper", put(assign_helper))
        .route("/api/v1/plans/to-follow", get(plans_to_follow))
        .route("/api/v1/households/{id}/measures", post(add_measure))
        .route(
            "/api/v1/households/{id}/visits",
            get(list_visits).post(record_visit),
        )
        .route("/api/v1/households/{id}/chain", get(get_chain))
        .route("/api/v1/measures", get(list_measures))
        .route("/api/v1/measures/{id}/stop", post(stop_measure))
        .route("/api/v1/helpers", get(list_helpers).post(create_helper))
        .route("/api/v1/measure-lists", post(upload_list))
        .route("/api/v1/regions/{code}/chain-report", get(chain_report))
        .layer(DefaultBodyLimit::max(max_upload))
}

/// A value as masked JSON: ID numbers (the `person` of plans and measures
/// too) and phones.
fn masked<T: Serialize>(v: &T) -> ApiResult<Value> {
    let mut v = to_json(v)?;
    redact(&mut v);
    mask_persons(&mut v);
    Ok(v)
}

/// Masks every `person` field holding an ID number.
fn mask_persons(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, x) in map.iter_mut() {
                match (k.as_str(), &x) {
                    ("person", Value::String(s)) => *x = Value::String(mask_id(s)),
                    _ => mask_persons(x),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_persons),
        _ => {}
    }
}

/// The plan of a household, if one was made.
#[derive(Serialize, ToSchema)]
pub struct PlanAnswer {
    /// The plan of the household's latest case; `null` before one is made.
    plan: Option<StoredPlan>,
}

#[utoipa::path(get, path = "/api/v1/households/{id}/plan", tag = "assistance", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = PlanAnswer, description = "persons' ID numbers masked"),
        (status = 403, description = "your role reads no households"),
        (status = 404, description = "unknown or outside your scope")))]
async fn get_plan(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let plan = assistance::get_plan(&s.store, &auth.actor(), id).await?;
    Ok(Json(masked(&PlanAnswer { plan })?))
}

/// A plan to save: the version read (none to create it) and the plan.
#[derive(Deserialize, ToSchema)]
pub struct PutPlan {
    /// The version read; omit to create the plan of the household's case.
    version: Option<i64>,
    /// The plan; a person may be sent back masked as it was read.
    #[schema(value_type = AssistancePlan)]
    plan: Value,
}

/// Id and version of a saved record.
#[derive(Serialize, ToSchema)]
pub struct Saved {
    /// Id.
    id: i64,
    /// Version now.
    version: i64,
}

/// Puts back the ID number of each planned measure's person sent masked,
/// as the plan was read: the one member of the household it masks.
fn unmask_persons(plan: &mut Value, household: &dixian_domain::Household) {
    let Some(measures) = plan.get_mut("measures").and_then(Value::as_array_mut) else {
        return;
    };
    for m in measures {
        let Some(Value::String(sent)) = m.get("person") else {
            continue;
        };
        if !sent.contains('*') {
            continue;
        }
        let mut same = household
            .members
            .iter()
            .filter(|p| mask_id(p.id_number.as_str()) == *sent);
        if let (Some(p), None) = (same.next(), same.next()) {
            m["person"] = Value::String(p.id_number.as_str().to_string());
        }
    }
}

#[utoipa::path(put, path = "/api/v1/households/{id}/plan", tag = "assistance", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = PutPlan,
    responses((status = 200, body = Saved),
        (status = 403, description = "only the village cadre edits the plan"),
        (status = 404, description = "unknown or outside your scope"),
        (status = 409, description = "the plan changed since it was read (or there is none to change)"),
        (status = 422, description = "a rule is broken: the field is named (`invalid_field`), no case (`no_case`), a status change (`plan_status`), an unknown helper")))]
async fn put_plan(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Body(mut req): Body<PutPlan>,
) -> ApiResult<Json<Saved>> {
    let actor = auth.actor();
    // The read is the use case's first check too: out of scope is absent.
    let stored = households::get(&s.store.pool, &actor, id).await?;
    unmask_persons(&mut req.plan, &stored.household);
    let plan: AssistancePlan = serde_json::from_value(req.plan).map_err(|e| {
        ApiError::BadRequest(format!(
            "the plan is not what this endpoint takes (计划格式错误): {}",
            crate::shared::extract::without_values(&e.to_string())
        ))
    })?;
    let (plan_id, version) = assistance::save_plan(
        &s.store,
        &actor,
        &s.catalogues(),
        id,
        req.version,
        &plan,
        s.clock.now(),
    )
    .await?;
    tracing::info!(household_id = id, plan_id, version, "plan saved");
    Ok(Json(Saved {
        id: plan_id,
        version,
    }))
}

/// The plan dixian proposes for a household, not saved.
#[derive(Serialize, ToSchema)]
pub struct ProposalAnswer {
    /// The draft: measures from the case's risk types and each member's
    /// labor capacity and age, starting today, first review after the
    /// visit interval in force. Save it (adjusted) with `PUT …/plan`.
    plan: AssistancePlan,
}

#[utoipa::path(get, path = "/api/v1/households/{id}/plan/proposal", tag = "assistance", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = ProposalAnswer, description = "the proposal, not saved; persons' ID numbers masked (send them back as read)"),
        (status = 403, description = "your role reads no cases"),
        (status = 404, description = "unknown or outside your scope"),
        (status = 422, description = "no open case (`no_case`) or no measure catalogue in force (`no_rule_set`)")))]
async fn plan_proposal(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let plan =
        assistance::draft_plan(&s.store, &auth.actor(), &s.catalogues(), id, s.clock.now()).await?;
    Ok(Json(masked(&ProposalAnswer { plan })?))
}

/// A draft plan confirmed: the version read.
#[derive(Deserialize, ToSchema)]
pub struct ConfirmPlan {
    /// The plan's version read.
    version: i64,
}

#[utoipa::path(post, path = "/api/v1/households/{id}/plan/confirm", tag = "assistance", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ConfirmPlan,
    responses((status = 200, body = Saved, description = "the plan is active"),
        (status = 403, description = "only the village cadre confirms the plan"),
        (status = 404, description = "unknown or outside your scope"),
        (status = 409, description = "the plan changed since it was read (or there is none)"),
        (status = 422, description = "a rule is broken: a closed plan (`plan_status`), a planned kind no longer fits (`invalid_field`, named)")))]
async fn confirm_plan(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Body(req): Body<ConfirmPlan>,
) -> ApiResult<Json<Saved>> {
    let actor = auth.actor();
    let version = assistance::confirm_plan(
        &s.store,
        &actor,
        &s.catalogues(),
        id,
        req.version,
        s.clock.now(),
    )
    .await?;
    let plan = assistance::get_plan(&s.store, &actor, id).await?;
    tracing::info!(household_id = id, version, "plan confirmed");
    Ok(Json(Saved {
        id: plan.map_or(0, |p| p.id),
        version,
    }))
}

/// 帮扶成效: the effect review of a household's plan.
#[derive(Serialize, ToSchema)]
pub struct EffectAnswer {
    /// The plan reviewed; `null` before one is made.
    plan_id: Option<i64>,
    /// The plan's first day.
    starts_on: Option<chrono::NaiveDate>,
    /// The day it ended (closed plans: reviewed as on that day).
    ends_on: Option<chrono::NaiveDate>,
    /// Income per person before and after the plan's start, development
    /// measures without effect past the review period set in the rule
    /// file (`effect_review_months`: to adjust), protection to stack;
    /// `null` without a plan or a catalogue in force.
    review: Option<EffectReview>,
}

#[utoipa::path(get, path = "/api/v1/households/{id}/plan/effect", tag = "assistance", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = EffectAnswer),
        (status = 403, description = "your role reads no households"),
        (status = 404, description = "unknown or outside your scope")))]
async fn plan_effect(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let found = assistance::plan_effect(
        &s.store,
        &auth.actor(),
        &s.catalogues(),
        &s.rules.get(),
        id,
        s.clock.now(),
    )
    .await?;
    let answer = match found {
        Some((plan, review)) => EffectAnswer {
            plan_id: Some(plan.id),
            starts_on: Some(plan.plan.starts_on),
            ends_on: plan.ends_on,
            review: Some(review),
        },
        None => EffectAnswer {
            plan_id: None,
            starts_on: None,
            ends_on: None,
            review: None,
        },
    };
    Ok(Json(masked(&answer)?))
}

#[utoipa::path(get, path = "/api/v1/plans/to-follow", tag = "assistance", security(("bearer" = [])),
    responses((status = 200, body = Vec<PlanToFollow>, description = "the open plans of your scope whose review is due today or whose household has no measure in the plan's time (`measures` 0), by review day; closed plans (risk eliminated) are left out; at most 1000"),
        (status = 403, description = "your role reads no households")))]
async fn plans_to_follow(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<PlanToFollow>>> {
    let rows = assistance::plans_to_follow(&s.store, &auth.actor(), s.clock.now()).await?;
    Ok(Json(rows))
}

/// The helper of a household's plan.
#[derive(Deserialize, ToSchema)]
pub struct AssignHelper {
    /// The plan's version read.
    version: i64,
    /// The helper (an id of the roster); `null` for nobody.
    helper: Option<i64>,
}

#[utoipa::path(put, path = "/api/v1/households/{id}/plan/helper", tag = "assistance", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = AssignHelper,
    responses((status = 200, body = Saved),
        (status = 403, description = "the village cadre or the county assigns helpers"),
        (status = 404, description = "unknown or outside your scope"),
        (status = 409, description = "the plan changed since it was read (or there is none)"),
        (status = 422, description = "the helper is not on the county's roster (`unknown_helper`)")))]
async fn assign_helper(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Body(req): Body<AssignHelper>,
) -> ApiResult<Json<Saved>> {
    let actor = auth.actor();
    let version =
        assistance::assign_helper(&s.store, &actor, id, req.version, req.helper, s.clock.now())
            .await?;
    let plan = assistance::get_plan(&s.store, &actor, id).await?;
    tracing::info!(household_id = id, version, "helper assigned");
    Ok(Json(Saved {
        id: plan.map_or(0, |p| p.id),
        version,
    }))
}

/// Id of a created record.
#[derive(Serialize, ToSchema)]
pub struct Created {
    /// Id.
    id: i64,
}

#[utoipa::path(post, path = "/api/v1/households/{id}/measures", tag = "assistance", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = Measure,
    responses((status = 201, body = MeasureCreated, description = "recorded (source `cadre`); `findings`: the chain checks the new measure takes part in (a double payment, exclusive measures overlapping), for the cadre to correct"),
        (status = 403, description = "only the village cadre records measures"),
        (status = 404, description = "unknown or outside your scope"),
        (status = 422, description = "checked against the catalogue in force: the field is named (`invalid_field`: amount_fen, ends_on, kind, person)")))]
async fn add_measure(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Body(m): Body<Measure>,
) -> ApiResult<(StatusCode, Json<MeasureCreated>)> {
    let measure_id = assistance::add_measure(
        &s.store,
        &auth.actor(),
        &s.catalogues(),
        id,
        &m,
        s.clock.now(),
    )
    .await?;
    tracing::info!(
        household_id = id,
        measure_id,
        kind = m.kind.code(),
        "measure recorded"
    );
    // 救助链检查 on save: what the new measure takes part in.
    let a = assistance::household_assistance(&s.store, &auth.actor(), id).await?;
    let today = dixian_domain::case::china_date(s.clock.now());
    let findings = assistance::findings_of(&a, &s.catalogues(), today)
        .into_iter()
        .filter(|f| f.measures.contains(&measure_id))
        .collect();
    Ok((
        StatusCode::CREATED,
        Json(MeasureCreated {
            id: measure_id,
            findings,
        }),
    ))
}

/// A measure recorded, with the chain checks it takes part in.
#[derive(Serialize, ToSchema)]
pub struct MeasureCreated {
    /// Id.
    id: i64,
    /// The chain's findings on the new measure (empty when it fits).
    findings: Vec<assistance::ReportFinding>,
}

/// Stopping a measure (停发, 退出).
#[derive(Deserialize, ToSchema)]
pub struct StopMeasure {
    /// The measure's version read.
    version: i64,
    /// Its last day.
    ends_on: chrono::NaiveDate,
}

#[utoipa::path(post, path = "/api/v1/measures/{id}/stop", tag = "assistance", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = StopMeasure,
    responses((status = 200, body = Saved),
        (status = 403, description = "only the village cadre stops measures"),
        (status = 404, description = "unknown or outside your scope"),
        (status = 409, description = "the measure changed since it was read"),
        (status = 422, description = "stopped already (`measure_stopped`), or the end is before the start (`invalid_field`)")))]
async fn stop_measure(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Body(req): Body<StopMeasure>,
) -> ApiResult<Json<Saved>> {
    let version = assistance::stop_measure(
        &s.store,
        &auth.actor(),
        id,
        req.version,
        req.ends_on,
        s.clock.now(),
    )
    .await?;
    tracing::info!(measure_id = id, version, "measure stopped");
    Ok(Json(Saved { id, version }))
}

#[utoipa::path(post, path = "/api/v1/households/{id}/visits", tag = "assistance", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = FollowUpVisit,
    responses((status = 201, body = Created),
        (status = 403, description = "only the village cadre records visits"),
        (status = 404, description = "unknown or outside your scope"),
        (status = 422, description = "the field is named (`invalid_field`)")))]
async fn record_visit(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Body(v): Body<FollowUpVisit>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let visit_id = assistance::record_visit(&s.store, &auth.actor(), id, &v, s.clock.now()).await?;
    tracing::info!(household_id = id, visit_id, "visit recorded");
    Ok((StatusCode::CREATED, Json(Created { id: visit_id })))
}

#[utoipa::path(get, path = "/api/v1/households/{id}/visits", tag = "assistance", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<StoredVisit>, description = "newest first"),
        (status = 404, description = "unknown or outside your scope")))]
async fn list_visits(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<StoredVisit>>> {
    Ok(Json(assistance::visits(&s.store, &auth.actor(), id).await?))
}

/// A household's chain.
#[derive(Serialize, ToSchema)]
pub struct ChainAnswer {
    /// Every measure of the household and its members, by person and
    /// first day.
    measures: Vec<StoredMeasure>,
}

#[utoipa::path(get, path = "/api/v1/households/{id}/chain", tag = "assistance", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = ChainAnswer, description = "persons' ID numbers masked"),
        (status = 404, description = "unknown or outside your scope")))]
async fn get_chain(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    let measures = assistance::chain(&s.store, &auth.actor(), id).await?;
    Ok(Json(masked(&ChainAnswer { measures })?))
}

/// A page of a region's measures.
#[derive(Serialize, ToSchema)]
pub struct MeasurePage {
    /// Rows matching, in all.
    total: i64,
    /// This page's rows (one per person-measure).
    rows: Vec<RegionMeasure>,
}

#[utoipa::path(get, path = "/api/v1/measures", tag = "assistance", security(("bearer" = [])),
    params(MeasureFilter),
    responses((status = 200, body = MeasurePage, description = "the region's measures within your scope, persons masked")))]
async fn list_measures(
    State(s): State<AppState>,
    auth: Auth,
    Query(f): Query<MeasureFilter>,
) -> ApiResult<Json<Value>> {
    let (rows, total) = assistance::region_measures(&s.store, &auth.actor(), &f).await?;
    Ok(Json(masked(&MeasurePage { total, rows })?))
}

#[utoipa::path(get, path = "/api/v1/helpers", tag = "assistance", security(("bearer" = [])),
    responses((status = 200, body = Vec<StoredHelper>, description = "the roster with each helper's workload (county-wide) and the households they hold in your scope (`held`, the head's name masked unless your role's work needs it); phones masked. A county sees every helper of its roster, a township only those holding a household in it")))]
async fn list_helpers(State(s): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    let helpers = assistance::helpers(&s.store, &auth.actor()).await?;
    Ok(Json(masked(&helpers)?))
}

#[utoipa::path(post, path = "/api/v1/helpers", tag = "assistance", security(("bearer" = [])),
    request_body = ResponsiblePerson,
    responses((status = 201, body = Created), (status = 403, description = "only the county admin keeps the roster"),
        (status = 422, description = "the field is named")))]
async fn create_helper(
    State(s): State<AppState>,
    auth: Auth,
    Body(p): Body<ResponsiblePerson>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let id = assistance::create_helper(&s.store, &auth.actor(), &p, s.clock.now()).await?;
    tracing::info!(helper_id = id, "helper added");
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// One bad row of a list (never the cell's value).
#[derive(Serialize, ToSchema)]
pub struct ListRowProblem {
    /// Line in the file.
    line: usize,
    /// Column (1-based), when one cell is at fault.
    column: Option<usize>,
    /// Header of that column.
    header: Option<String>,
    /// Why.
    reason: String,
}

/// What a list upload did.
#[derive(Serialize, ToSchema)]
pub struct ListUploadResult {
    /// Stored or already loaded; absent when the list was rejected.
    outcome: Option<ListBatchOutcome>,
    /// Rows read.
    parsed: usize,
    /// The bad rows: the first 1,000 of `errors_total`.
    errors: Vec<ListRowProblem>,
    /// How many problems the file had in all.
    errors_total: usize,
    /// Columns not used.
    unknown_columns: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/measure-lists", tag = "assistance", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "field `file`: CSV (UTF-8/GB18030) or XLSX, one row per person-measure; optional fields `kind` and `department` (codes or Chinese names) for the whole list"),
    responses((status = 200, body = ListUploadResult),
        (status = 403, description = "only county admins and data officers import lists (checked before the file is read)"),
        (status = 413, description = "the file is larger than the server accepts"),
        (status = 422, description = "rejected, nothing stored: see `errors` (line and column of every bad row)")))]
async fn upload_list(State(s): State<AppState>, auth: Auth, mp: Multipart) -> ApiResult<Response> {
    let actor = auth.actor();
    assistance::may_import_lists(&actor)?;
    let _turn = std::sync::Arc::clone(&s.uploads)
        .acquire_owned()
        .await
        .map_err(|_| ApiError::Store(dixian_store::StoreError::Busy))?;
    let upload = read_upload(mp, s.max_upload).await?;
    let r =
        assistance::import_measure_list(&s.store, &actor, &s.catalogues(), upload, s.clock.now())
            .await?;
    tracing::info!(
        parsed = r.parsed,
        bad = r.errors_total,
        "measure list upload"
    );
    let status = if r.outcome.is_some() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let body = ListUploadResult {
        outcome: r.outcome,
        parsed: r.parsed,
        errors_total: r.errors_total,
        errors: r
            .errors
            .into_iter()
            .take(MAX_LISTED_ERRORS)
            .map(|e| ListRowProblem {
                line: e.line,
                column: e.column,
                header: e.header,
                reason: e.reason,
            })
            .collect(),
        unknown_columns: r.unknown_columns.into_iter().map(|(_, h)| h).collect(),
    };
    Ok((status, Json(body)).into_response())
}

fn too_large(limit: usize) -> ApiError {
    ApiError::TooLarge {
        limit_mib: (limit / (1024 * 1024)) as u64,
    }
}

fn multipart_error(e: &axum::extract::multipart::MultipartError, limit: usize) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(limit)
    } else {
        ApiError::BadRequest(format!(
            "the upload could not be read (上传内容无法读取): {}",
            e.body_text()
        ))
    }
}

/// The upload's fields: the file (read chunk by chunk, refused with 413
/// as soon as it passes `limit` bytes) and the optional kind and
/// department of the whole list (bounded small fields).
async fn read_upload(mut mp: Multipart, limit: usize) -> ApiResult<MeasureListFile> {
    /// Longest accepted text field or file name.
    const MAX_FIELD: usize = 256;
    let (mut file, mut kind, mut department) = (None, None, None);
    while let Some(mut field) = mp
        .next_field()
        .await
        .map_err(|e| multipart_error(&e, limit))?
    {
        let name = field.name().map(str::to_string);
        let file_name: String = field
            .file_name()
            .unwrap_or("list")
            .chars()
            .take(MAX_FIELD)
            .collect();
        let is_file = name.as_deref() == Some("file");
        let mut bytes = Vec::new();
        while let Some(chunk) = field
            .chunk()
            .await
            .map_err(|e| multipart_error(&e, limit))?
        {
            if bytes.len() + chunk.len() > if is_file { limit } else { MAX_FIELD } {
                return Err(if is_file {
                    too_large(limit)
                } else {
                    ApiError::BadRequest("a form field is too long (字段过长)".into())
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        let text = || String::from_utf8_lossy(&bytes).trim().to_string();
        match name.as_deref() {
            Some("file") => file = Some((file_name, bytes)),
            Some("kind") if !text().is_empty() => {
                kind = Some(MeasureKind::parse(&text()).ok_or_else(|| {
                    ApiError::BadRequest("kind: not a known measure kind (措施类型无法识别)".into())
                })?)
            }
            Some("department") if !text().is_empty() => {
                department = Some(Department::parse(&text()).ok_or_else(|| {
                    ApiError::BadRequest("department: not a known department (部门无法识别)".into())
                })?)
            }
            _ => {}
        }
    }
    let (name, bytes) =
        file.ok_or_else(|| ApiError::BadRequest("no file in the upload (缺少文件)".into()))?;
    Ok(MeasureListFile {
        name,
        bytes,
        kind,
        department,
    })
}

#[utoipa::path(get, path = "/api/v1/regions/{code}/chain-report", tag = "assistance", security(("bearer" = [])),
    params(("code" = String, Path, description = "region code (village, township, county …); above your scope: your scope"),
        super::report::ReportParams),
    responses((status = 200, body = assistance::ChainReport,
            description = "一户(人)一条救助链: a page of households (≤ 500) with a measure or a monitored case, one row per person-measure with its findings (rule and evidence), and one row per missing measure; ID numbers masked"),
        (status = 403, description = "your role reads no households"),
        (status = 404, description = "unknown region, or outside your scope"),
        (status = 422, description = "unknown `rule` (`invalid_field`)")))]
async fn chain_report(
    State(s): State<AppState>,
    auth: Auth,
    Path(code): Path<String>,
    Query(p): Query<super::report::ReportParams>,
) -> ApiResult<Json<assistance::ChainReport>> {
    let q = p.query(&code)?;
    let today = dixian_domain::case::china_date(s.clock.now());
    let report =
        assistance::chain_report(&s.store, &auth.actor(), &s.catalogues(), &q, today).await?;
    Ok(Json(report))
}
