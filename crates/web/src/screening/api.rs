//! Screening on the web: the JSON API of warnings (list, one with its
//! evidence, verify → lead, dismiss with a reason), screening runs, and
//! the rule sets in force (list, adopt a new version: the server's book
//! is replaced at once). ID numbers are masked for every role, in lists
//! and in one warning (its evidence rows too); a role whose work needs
//! them asks for one warning in full (`?reveal=true`), which is audited.

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiResult;
use crate::shared::extract::Body;
use crate::shared::view::{RevealQuery, mask_id, redact};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::NaiveDate;
use dixian_app::jobs::{Started, Work};
use dixian_domain::case::china_date;
use dixian_screen::FeedRow;
use dixian_store::privacy::{self, Revealed};
use dixian_store::rule_sets::{self, Adopted};
use dixian_store::screening::{self, RunSummary};
use dixian_store::warnings::{self, Verified, WarningDetail, WarningFilter, WarningRow};
use dixian_store::{Actor, User};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

/// The OpenAPI part of screening.
#[derive(OpenApi)]
#[openapi(
    paths(list_api, get_api, verify_api, dismiss_api, run_api, last_run_api, rules_api, adopt_api, whatif_api),
    components(schemas(WarningList, WarningRow, doc::WarningDetail, doc::EvidenceRow, Verified, VerifyBody,
        DismissBody, RunBody, RunSummary, RuleSetView, AdoptBody, Adopted, WhatIfBody, WhatIfView, WhatIfLine)),
    tags((name = "screening", description = "部门筛查预警: screening runs, warnings, rule sets"))
)]
pub struct ScreeningDoc;

/// Routes of the API.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/warnings", get(list_api))
        .route("/api/v1/warnings/{id}", get(get_api))
        .route("/api/v1/warnings/{id}/verify", post(verify_api))
        .route("/api/v1/warnings/{id}/dismiss", post(dismiss_api))
        .route("/api/v1/screening/runs", post(run_api))
        .route("/api/v1/screening/runs/last", get(last_run_api))
        .route("/api/v1/rules", get(rules_api).post(adopt_api))
        .route("/api/v1/rules/whatif", post(whatif_api))
}

/// A page of warnings.
#[derive(Serialize, ToSchema)]
pub struct WarningList {
    /// Warnings matching the filter in your scope.
    pub total: i64,
    /// This page, most severe and newest first (ID numbers masked).
    pub warnings: Vec<WarningRow>,
    /// The cursor of the next page (pass it as `after`), when this page
    /// is full; keyset paging reads any page as fast as the first.
    pub next: Option<String>,
}

/// The shapes of one warning in the OpenAPI document (the store's types
/// are generic over the typed row).
mod doc {
    use chrono::NaiveDate;
    use dixian_store::warnings::WarningRow;
    use utoipa::ToSchema;

    /// A feed row a warning rests on.
    #[allow(dead_code)]
    #[derive(ToSchema)]
    pub struct EvidenceRow {
        /// `feed_rows.id`.
        pub id: i64,
        /// Batch.
        pub batch_id: i64,
        /// File the batch came in.
        pub file_name: String,
        /// Line in that file.
        pub line: i64,
        /// Feed kind code.
        pub kind: String,
        /// The day the row is about.
        pub event_date: NaiveDate,
        /// The typed row as a JSON object: `kind` and the fields of that
        /// feed (money in 分, `*_fen`), the ID number masked unless
        /// revealed. Health fields are left out for a role that does not
        /// see health data.
        #[schema(value_type = Object)]
        pub payload: (),
        /// The fields left out of `payload` for this reader.
        pub withheld: Vec<String>,
    }

    /// A warning with its evidence.
    #[allow(dead_code)]
    #[derive(ToSchema)]
    pub struct WarningDetail {
        /// The warning.
        pub warning: WarningRow,
        /// Its evidence, by date.
        pub evidence: Vec<EvidenceRow>,
    }
}

/// A list row as shown: the person's ID number masked.
pub(crate) fn masked(mut w: WarningRow) -> WarningRow {
    w.person_id_number = w.person_id_number.as_deref().map(mask_id);
    w
}

#[utoipa::path(get, path = "/api/v1/warnings", tag = "screening", security(("bearer" = [])), params(WarningFilter),
    responses((status = 200, body = WarningList), (status = 403, description = "not a working role (村, 乡, 县)"),
        (status = 422, description = "an unknown filter value")))]
async fn list_api(
    State(s): State<AppState>,
    auth: Auth,
    Query(f): Query<WarningFilter>,
) -> ApiResult<Json<WarningList>> {
    let (rows, total) = warnings::list(&s.store.pool, &auth.actor(), &f).await?;
    let per_page = f.rows_per_page();
    let next = (rows.len() as i64 == per_page)
        .then(|| rows.last().map(warnings::cursor))
        .flatten();
    Ok(Json(WarningList {
        total,
        next,
        warnings: rows.into_iter().map(masked).collect(),
    }))
}

/// One warning as `user` sees it: only the case workflow's levels read
/// warnings. The person's ID number in the warning is masked; with
/// `reveal` = `Some(reason)` it is shown in full once the store has
/// recorded the reveal (403 for a role that may not). The evidence rows
/// are typed: whoever shows them masks their ID numbers unless revealed.
pub(crate) async fn detail(
    s: &AppState,
    user: &User,
    id: i64,
    reveal: Option<Option<&str>>,
) -> ApiResult<WarningDetail<FeedRow>> {
    let actor = Actor::of(user);
    let mut d = warnings::get::<FeedRow>(&s.store.pool, &actor, id).await?;
    match reveal {
        Some(reason) => {
            privacy::record_reveal(
                &s.store.pool,
                &actor,
                Revealed::Warning,
                id,
                &d.warning.village_code,
                reason,
            )
            .await?;
            tracing::info!(warning_id = id, "personal data revealed");
        }
        None => d.warning = masked(d.warning),
    }
    Ok(d)
}

#[utoipa::path(get, path = "/api/v1/warnings/{id}", tag = "screening", security(("bearer" = [])), params(("id" = i64, Path), RevealQuery),
    responses((status = 200, body = doc::WarningDetail, description = "ID numbers masked, or in full with `reveal=true` (one audit row per reveal)"),
        (status = 403, description = "not a working role (村, 乡, 县)"),
        (status = 404, description = "unknown or outside your scope")))]
async fn get_api(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(r): Query<RevealQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let reveal = r.reveal.then_some(r.reason.as_deref());
    let d = detail(&s, &auth.0, id, reveal).await?;
    // The typed rows as JSON objects; ID numbers masked on the way out,
    // as for households, unless revealed.
    let mut v = crate::shared::view::to_json(&d)?;
    if !r.reveal {
        redact(&mut v);
    }
    Ok(Json(v))
}

/// Verify a warning: it becomes a lead on the department-warning channel.
#[derive(Deserialize, ToSchema)]
pub struct VerifyBody {
    /// The warning's version as read; a stale one gets 409.
    pub version: i64,
    /// What the check found (default: the rule that fired).
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/warnings/{id}/verify", tag = "screening", security(("bearer" = [])), request_body = VerifyBody,
    params(("id" = i64, Path)),
    responses((status = 200, body = Verified, description = "verified; the lead opened, joined or re-entered the household's case"),
        (status = 404), (status = 409, description = "stale version"), (status = 422, description = "not open (`warning_not_open`)")))]
async fn verify_api(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Body(b): Body<VerifyBody>,
) -> ApiResult<Json<Verified>> {
    let now = s.clock.now();
    let v = warnings::verify(
        &s.store.pool,
        &auth.actor(),
        id,
        b.version,
        &b.note,
        now,
        &s.policies(),
    )
    .await?;
    tracing::info!(warning_id = id, lead_id = v.lead.lead_id, case_id = ?v.lead.case_id, "warning verified");
    Ok(Json(Verified {
        warning: masked(v.warning),
        lead: v.lead,
    }))
}

/// Dismiss a warning with a reason.
#[derive(Deserialize, ToSchema)]
pub struct DismissBody {
    /// The warning's version as read.
    pub version: i64,
    /// Why (e.g. the stay was reimbursed; income is stable).
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/warnings/{id}/dismiss", tag = "screening", security(("bearer" = [])), request_body = DismissBody,
    params(("id" = i64, Path)),
    responses((status = 200, body = WarningRow), (status = 404), (status = 409, description = "stale version"),
        (status = 422, description = "empty reason or not open")))]
async fn dismiss_api(
    State(s): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Body(b): Body<DismissBody>,
) -> ApiResult<Json<WarningRow>> {
    let now = s.clock.now();
    let w = warnings::dismiss(&s.store.pool, &auth.actor(), id, b.version, &b.reason, now).await?;
    tracing::info!(warning_id = id, "warning dismissed");
    Ok(Json(masked(w)))
}

/// A screening run to make.
#[derive(Deserialize, ToSchema, Default)]
pub struct RunBody {
    /// Windows end on this day (default: today, China time).
    #[serde(default)]
    pub as_of: Option<NaiveDate>,
}

/// Starts the screening run of `actor`'s region under the rules in force
/// as a job (refused while an import or run of the region is active).
pub(crate) async fn start_run(
    s: &AppState,
    actor: &Actor,
    as_of: Option<NaiveDate>,
) -> ApiResult<Started> {
    let now = s.clock.now();
    let as_of = as_of.unwrap_or_else(|| china_date(now));
    let work = Work::ScreeningRun {
        book: s.rules.get().as_ref().clone(),
        as_of,
        threads: s.threads,
    };
    let started = s.jobs.start(actor, work, now, ()).await?;
    tracing::info!(job = started.job.id, region = %actor.scope.region, "screening run started");
    Ok(started)
}

#[utoipa::path(post, path = "/api/v1/screening/runs", tag = "screening", security(("bearer" = [])), request_body = RunBody,
    responses((status = 202, body = dixian_app::jobs::Job, description = "the run goes on as a job (`Location`: /api/v1/jobs/{id}); its `result` when it ends is the RunSummary (rows read, warnings raised, extended, known, attached)"),
        (status = 403, description = "only county admins and data officers run screening"),
        (status = 409, description = "an import or screening run of your county is still running (`job_running`)")))]
async fn run_api(
    State(s): State<AppState>,
    auth: Auth,
    Body(b): Body<RunBody>,
) -> ApiResult<Response> {
    let started = start_run(&s, &auth.actor(), b.as_of).await?;
    Ok(crate::jobs::accepted(&started.job))
}

#[utoipa::path(get, path = "/api/v1/screening/runs/last", tag = "screening", security(("bearer" = [])),
    responses((status = 200, body = Option<RunSummary>, description = "the last run of your region, if any")))]
async fn last_run_api(
    State(s): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Option<RunSummary>>> {
    let r = screening::last_run_covering(&s.store.pool, auth.0.region.as_str()).await?;
    Ok(Json(r))
}

/// A rule set version in force.
#[derive(Serialize, ToSchema)]
pub struct RuleSetView {
    /// `national`, a province or a county.
    pub region: String,
    /// First day in force.
    pub valid_from: NaiveDate,
    /// Last day in force, if set.
    pub valid_to: Option<NaiveDate>,
    /// Version.
    pub version: i64,
    /// Name.
    pub name: String,
    /// 监测收入线, 元 per person per year.
    pub monitoring_line_yuan: f64,
    /// Rules.
    pub rules: usize,
    /// When adopted.
    pub added_at: chrono::DateTime<chrono::Utc>,
}

/// The rule sets in force with their versions.
pub(crate) async fn rule_views(s: &AppState) -> ApiResult<Vec<RuleSetView>> {
    let stored = rule_sets::current(&s.store.pool).await?;
    let book = s.rules.get();
    Ok(stored
        .into_iter()
        .filter_map(|st| {
            let set = book
                .sets()
                .iter()
                .find(|b| b.region.to_string() == st.region && b.valid_from == st.valid_from)?;
            Some(RuleSetView {
                region: st.region,
                valid_from: st.valid_from,
                valid_to: set.valid_to,
                version: st.version,
                name: st.name,
                monitoring_line_yuan: set.monitoring_line_fen as f64 / 100.0,
                rules: set.rules.len(),
                added_at: st.added_at,
            })
        })
        .collect())
}

#[utoipa::path(get, path = "/api/v1/rules", tag = "screening", security(("bearer" = [])),
    responses((status = 200, body = Vec<RuleSetView>, description = "every rule set in force, by region and first day")))]
async fn rules_api(State(s): State<AppState>, _auth: Auth) -> ApiResult<Json<Vec<RuleSetView>>> {
    Ok(Json(rule_views(&s).await?))
}

/// A rule file to adopt.
#[derive(Deserialize, ToSchema)]
pub struct AdoptBody {
    /// Its name (shown in errors as file:line:column).
    pub file_name: String,
    /// The TOML text (format: rules/README.md).
    pub source: String,
}

/// Adopts a file for `actor` and puts the new book in force.
pub(crate) async fn adopt(s: &AppState, actor: &Actor, b: AdoptBody) -> ApiResult<Vec<Adopted>> {
    let files = vec![(b.file_name, b.source)];
    let (adopted, book) = dixian_app::adopt_rules(&s.store, actor, &files, s.clock.now()).await?;
    s.rules.set(book);
    tracing::info!(region = %actor.scope.region, "rule set adopted");
    Ok(adopted)
}

/// Adopts a draft evaluated by a what-if (its text as evaluated) for
/// `actor`, when the set in force it was drawn from (`basis`) is still in
/// force (else 409), and puts the new book in force.
pub(crate) async fn adopt_draft(
    s: &AppState,
    actor: &Actor,
    b: AdoptBody,
    basis: &str,
) -> ApiResult<Vec<Adopted>> {
    let (adopted, book) = dixian_app::rule_form::adopt_draft(
        &s.store,
        actor,
        &b.file_name,
        &b.source,
        basis,
        s.clock.now(),
    )
    .await?;
    s.rules.set(book);
    tracing::info!(region = %actor.scope.region, "rule set draft adopted");
    Ok(adopted)
}

#[utoipa::path(post, path = "/api/v1/rules", tag = "screening", security(("bearer" = [])), request_body = AdoptBody,
    responses((status = 200, body = Vec<Adopted>, description = "a new version in force at once, or unchanged"),
        (status = 403, description = "only a county admin, for the county's own set"),
        (status = 422, description = "errors with file:line:column (`rule_file`), or a version not above the one in force")))]
async fn adopt_api(
    State(s): State<AppState>,
    auth: Auth,
    Body(b): Body<AdoptBody>,
) -> ApiResult<Json<Vec<Adopted>>> {
    Ok(Json(adopt(&s, &auth.actor(), b).await?))
}

/// A draft rule set to replay the stored feeds under.
#[derive(Deserialize, ToSchema)]
pub struct WhatIfBody {
    /// Its name (shown in errors as file:line:column).
    pub file_name: String,
    /// The TOML text (format: rules/README.md).
    pub source: String,
    /// First day of the period replayed.
    pub from: NaiveDate,
    /// Last day of the period replayed.
    pub to: NaiveDate,
}

/// Warnings of one township and risk type, in force and under the draft.
#[derive(Serialize, ToSchema)]
pub struct WhatIfLine {
    /// Township code.
    pub township: String,
    /// Risk type code.
    pub risk_type: String,
    /// Warnings under the rule sets in force.
    pub current: u64,
    /// Warnings under the draft.
    pub draft: u64,
}

/// What a draft would have raised.
#[derive(Serialize, ToSchema)]
pub struct WhatIfView {
    /// The draft's name.
    pub draft: String,
    /// Stored rows replayed.
    pub rows: usize,
    /// Month ends the windowed rules were evaluated on.
    pub as_of_days: usize,
    /// Per township and risk type.
    pub lines: Vec<WhatIfLine>,
    /// Totals (in force, draft).
    pub totals: (u64, u64),
}

/// The replay of a what-if body: the draft's name and the counts.
pub(crate) async fn replay_body(
    s: &AppState,
    actor: &Actor,
    b: WhatIfBody,
) -> ApiResult<(String, dixian_app::WhatIf)> {
    // who may replay is decided before the draft is even read
    dixian_app::may_load_feeds(actor)?;
    let files = vec![(b.file_name, b.source)];
    let draft = dixian_app::rules::parse_files(&files)?.remove(0);
    let w = replay(s, actor, &draft, b.from, b.to).await?;
    Ok((draft.name.clone(), w))
}

/// Replays the stored feeds of `actor`'s region under a parsed draft
/// against the book the server holds in force; nothing is stored.
pub(crate) async fn replay(
    s: &AppState,
    actor: &Actor,
    draft: &dixian_screen::RuleSet,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<dixian_app::WhatIf> {
    let w = dixian_app::rules::what_if_under(
        &s.store,
        actor,
        &s.rules.get(),
        draft,
        from,
        to,
        s.clock.now(),
        s.threads,
    )
    .await?;
    tracing::info!(region = %actor.scope.region, rows = w.rows, "what-if replay");
    Ok(w)
}

/// The API's shape of a what-if.
pub(crate) fn view_of(draft: &str, w: dixian_app::WhatIf) -> WhatIfView {
    WhatIfView {
        draft: draft.to_string(),
        rows: w.rows,
        as_of_days: w.as_of_days.len(),
        totals: w.totals(),
        lines: w
            .counts
            .into_iter()
            .map(|((township, risk_type), (current, draft))| WhatIfLine {
                township,
                risk_type,
                current,
                draft,
            })
            .collect(),
    }
}

#[utoipa::path(post, path = "/api/v1/rules/whatif", tag = "screening", security(("bearer" = [])), request_body = WhatIfBody,
    responses((status = 202, body = dixian_app::jobs::Job, description = "the replay goes on as a job (`Location`: /api/v1/jobs/{id}); its `result` when it ends is a WhatIfView: warnings the draft would have raised over the period, by township and risk type, against the sets in force; nothing stored"),
        (status = 403, description = "only county admins and data officers"),
        (status = 422, description = "errors in the draft with file:line:column (`rule_file`)")))]
async fn whatif_api(
    State(s): State<AppState>,
    auth: Auth,
    Body(b): Body<WhatIfBody>,
) -> ApiResult<Response> {
    let actor = auth.actor();
    // who may replay is decided before the draft is even read
    dixian_app::may_load_feeds(&actor)?;
    let files = vec![(b.file_name, b.source)];
    let draft = dixian_app::rules::parse_files(&files)?.remove(0);
    if b.to < b.from {
        return Err(dixian_store::StoreError::Invalid(
            "--to is before --from (结束日期早于开始日期)".into(),
        )
        .into());
    }
    let work = Work::WhatIf {
        book: s.rules.get().as_ref().clone(),
        draft: Box::new(draft),
        from: b.from,
        to: b.to,
        threads: s.threads,
    };
    let started = s.jobs.start(&actor, work, s.clock.now(), ()).await?;
    Ok(crate::jobs::accepted(&started.job))
}
