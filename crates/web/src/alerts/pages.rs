//! The alert pages: `/alerts` (open alerts of the scope, filtered by level,
//! risk type and status) and `/alerts/{id}` (the window, the households
//! with their records — names masked —, who was told, and the township's
//! or county's resolution with a written reason).

use crate::AppState;
use crate::auth::PageAuth;
use crate::error::ApiError;
use crate::i18n::{Texts, fill};
use crate::shared::lang::Lang;
use crate::shared::layout::{UserBar, user_bar};
use crate::shared::view::china_time;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use dixian_app::AppError;
use dixian_app::alerts::{self, AlertLine};
use dixian_domain::alerts::AlertStatus;
use dixian_domain::{RiskType, Severity};
use dixian_store::alerts::AlertFilter;
use serde::Deserialize;

/// Routes of the alert pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/alerts", get(list_page))
        .route("/alerts/{id}", get(alert_page))
        .route("/alerts/{id}/resolve", post(resolve))
}

fn severity_label(t: &'static Texts, s: Severity) -> &'static str {
    match s {
        Severity::High => t.sev_high,
        Severity::Medium => t.sev_medium,
        Severity::Low => t.sev_low,
    }
}

fn level_label(t: &'static Texts, code: &str) -> &'static str {
    match code {
        "village" => t.level_village,
        "township" => t.level_township,
        _ => t.level_county,
    }
}

/// An alert as a list line.
struct Line {
    id: i64,
    place: String,
    level: &'static str,
    risk: &'static str,
    severity: &'static str,
    severity_code: &'static str,
    window: String,
    households: i64,
    usual: String,
    threshold: String,
    status: &'static str,
}

fn line(t: &'static Texts, a: &AlertLine) -> Line {
    let r = &a.alert;
    Line {
        id: r.id,
        place: a
            .region_name
            .clone()
            .unwrap_or_else(|| r.region_code.clone()),
        level: level_label(t, a.level_code),
        risk: t.label(r.risk_type),
        severity: severity_label(t, r.severity),
        severity_code: r.severity.code(),
        window: format!("{} – {}", r.window_from, r.window_to),
        households: r.households,
        usual: format!("{:.1}", r.baseline_mean),
        threshold: format!("{:.1}", r.threshold),
        status: t.label(r.status),
    }
}

/// An option of a filter select.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

fn choices(current: Option<&str>, items: Vec<(String, String)>) -> Vec<Choice> {
    items
        .into_iter()
        .map(|(value, label)| Choice {
            selected: current == Some(value.as_str()),
            value,
            label,
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "alerts.html")]
struct ListPage {
    t: &'static Texts,
    user: Option<UserBar>,
    lines: Vec<Line>,
    /// The region the list is narrowed to (from the figures' links).
    region: Option<String>,
    levels: Vec<Choice>,
    risks: Vec<Choice>,
    statuses: Vec<Choice>,
}

async fn list_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Query(f): Query<AlertFilter>,
) -> Response {
    let rows = match alerts::list(&s.store, &auth.actor(), &f).await {
        Ok(r) => r,
        Err(e) => return ApiError::from(e).page(t),
    };
    let levels = ["village", "township", "county"]
        .iter()
        .map(|c| (c.to_string(), level_label(t, c).to_string()))
        .collect();
    let risks = RiskType::ALL
        .iter()
        .map(|r| (r.code().to_string(), t.label(*r).to_string()))
        .collect();
    let status = f
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or("open");
    let statuses = AlertStatus::ALL
        .iter()
        .map(|&c| (c.code().to_string(), t.label(c).to_string()))
        .chain([("all".to_string(), t.all.to_string())])
        .collect();
    ListPage {
        t,
        user: user_bar(&auth.0, t),
        lines: rows.iter().map(|a| line(t, a)).collect(),
        region: f.region.clone().filter(|r| !r.trim().is_empty()),
        levels: choices(f.level.as_deref(), levels),
        risks: choices(f.risk.as_deref(), risks),
        statuses: choices(Some(status), statuses),
    }
    .into_response()
}

/// One event of the evidence as shown.
struct EvidenceLine {
    household_id: i64,
    number: String,
    head: String,
    village: String,
    source: &'static str,
    link: String,
    day: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "alert.html")]
struct AlertPage {
    t: &'static Texts,
    user: Option<UserBar>,
    a: Line,
    sentence: String,
    villages: i64,
    /// "the first N of M" when the evidence is longer than shown.
    evidence_cut: String,
    evidence: Vec<EvidenceLine>,
    told: Vec<String>,
    raised: String,
    rule_set: String,
    resolution: String,
    resolved_at: String,
    version: i64,
    may_resolve: bool,
    /// What the user typed, kept when the form is refused.
    typed: String,
    errors: Vec<String>,
}

async fn render(
    s: &AppState,
    auth: &PageAuth,
    t: &'static Texts,
    id: i64,
    typed: String,
    errors: Vec<String>,
) -> Response {
    let v = match alerts::alert(&s.store, &auth.actor(), id).await {
        Ok(v) => v,
        Err(e) => return ApiError::from(e).page(t),
    };
    let r = &v.line.alert;
    let days = (r.window_to - r.window_from).num_days() + 1;
    let sentence = fill(
        t.alert_sentence,
        &[
            &r.households,
            &days,
            &format!("{:.1}", r.baseline_mean),
            &r.baseline_windows,
            &format!("{:.1}", r.threshold),
        ],
    );
    let evidence = v
        .evidence
        .iter()
        .map(|e| EvidenceLine {
            household_id: e.household_id,
            number: e.household_number.clone(),
            head: e.head_name.clone(),
            village: e
                .village_name
                .clone()
                .unwrap_or_else(|| e.village_code.clone()),
            source: t.label(e.source),
            link: match e.source {
                dixian_domain::alerts::EventSource::Warning => format!("/warnings/{}", e.source_id),
                dixian_domain::alerts::EventSource::Case => format!("/cases/{}", e.source_id),
                dixian_domain::alerts::EventSource::Lead => {
                    format!("/households/{}", e.household_id)
                }
            },
            day: e.on_date.to_string(),
        })
        .collect();
    let told = v
        .told
        .iter()
        .map(|x| {
            format!(
                "{} ({})",
                x.region_name
                    .clone()
                    .unwrap_or_else(|| x.region_code.clone()),
                china_time(x.told_at)
            )
        })
        .collect();
    let page = AlertPage {
        t,
        user: user_bar(&auth.0, t),
        sentence,
        villages: v.villages,
        evidence_cut: if v.evidence_total > v.evidence.len() as i64 {
            fill(
                t.alert_evidence_cut,
                &[&v.evidence.len(), &v.evidence_total],
            )
        } else {
            String::new()
        },
        evidence,
        told,
        raised: china_time(r.raised_at),
        rule_set: r.rule_set_name.clone(),
        resolution: r.resolution.clone().unwrap_or_default(),
        resolved_at: r.resolved_at.map(china_time).unwrap_or_default(),
        version: r.version,
        may_resolve: v.may_resolve,
        typed,
        a: line(t, &v.line),
        errors,
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (status, page).into_response()
}

async fn alert_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
) -> Response {
    render(&s, &auth, t, id, String::new(), Vec::new()).await
}

#[derive(Deserialize)]
struct ResolveForm {
    version: i64,
    #[serde(default)]
    text: String,
}

async fn resolve(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
    Form(f): Form<ResolveForm>,
) -> Response {
    let now = s.clock.now();
    match alerts::resolve(&s.store, &auth.actor(), id, f.version, &f.text, now).await {
        Ok(_) => {
            tracing::info!(alert_id = id, "alert resolved (page)");
            Redirect::to(&format!("/alerts/{id}")).into_response()
        }
        // Absent and forbidden answer as everywhere else.
        Err(e @ AppError::Store(dixian_store::StoreError::NotFound))
        | Err(e @ AppError::Store(dixian_store::StoreError::Forbidden)) => {
            ApiError::from(e).page(t)
        }
        Err(e) => render(&s, &auth, t, id, f.text, vec![t.reason(&e.to_string())]).await,
    }
}
