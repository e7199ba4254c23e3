//! The chain report page (`/regions/{code}/chain-report`): one row per
//! person-measure with the findings of `chain_findings`, filtered by
//! rule, paged by household; `?format=xlsx` downloads the page's rows as a
//! workbook (names and ID numbers masked). The API answer is `api.rs`'s.

use crate::AppState;
use crate::auth::PageAuth;
use crate::error::ApiError;
use crate::i18n::{Texts, fill};
use crate::shared::lang::Lang;
use crate::shared::layout::{UserBar, error_page, user_bar};
use crate::shared::links::with_query;
use crate::shared::view::mask_name;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use dixian_app::AppError;
use dixian_app::assistance::{
    self, ChainReport, ChainReportQuery, ChainReportRow, DEFAULT_PER_PAGE,
};
use dixian_domain::assistance::ChainRule;
use dixian_store::StoreError;
use serde::Deserialize;

/// Routes of the report page.
pub(super) fn router() -> Router<AppState> {
    Router::new().route("/regions/{code}/chain-report", get(report_page))
}

/// The report's query: `rule` (a rule code), `findings` (`1`: rows with
/// findings only), `page`, `per_page`, `format` (`xlsx`).
#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// Only rows with a finding of this rule (`double_payment`,
    /// `exclusive_overlap`, `no_measure_in_time`,
    /// `worker_without_development`, `loan_past_term`,
    /// `subsidy_without_loan`).
    pub rule: Option<String>,
    /// `1`/`true`: only rows with a finding.
    pub findings: Option<String>,
    /// Page of households, from 1.
    pub page: Option<i64>,
    /// Households per page (≤ 500; 50 if not given).
    pub per_page: Option<i64>,
    /// `xlsx` (page only): the rows as a workbook.
    pub format: Option<String>,
}

impl ReportParams {
    /// The use case's query, or the refusal of an unknown rule.
    pub fn query(&self, region: &str) -> Result<ChainReportQuery, AppError> {
        let rule = match self
            .rule
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            None => None,
            Some(r) => Some(ChainRule::parse(r).ok_or_else(|| {
                AppError::Store(StoreError::Refused(dixian_store::Refusal::InvalidField {
                    field: "rule".into(),
                    reason: "unknown chain rule (未知核查规则)".into(),
                }))
            })?),
        };
        Ok(ChainReportQuery {
            region: region.to_string(),
            rule,
            findings_only: matches!(self.findings.as_deref(), Some("1" | "true" | "on")),
            page: self.page.unwrap_or(1),
            per_page: self.per_page.unwrap_or(DEFAULT_PER_PAGE),
        })
    }
}

/// 元 of an amount in 分: `1200`, `12.50`.
pub(super) fn yuan(fen: i64) -> String {
    if fen % 100 == 0 {
        (fen / 100).to_string()
    } else {
        format!("{}.{:02}", fen / 100, (fen % 100).abs())
    }
}

/// A row as the page and the workbook show it.
struct Line {
    household_id: i64,
    village: String,
    number: String,
    name: String,
    id: String,
    kind: String,
    department: String,
    amount: String,
    starts: String,
    ends: String,
    status: String,
    source: String,
    evidence: String,
    /// (rule code, rule label, evidence)
    findings: Vec<(&'static str, &'static str, String)>,
}

fn line(t: &Texts, r: &ChainReportRow) -> Line {
    let m = r.measure.as_ref();
    let dash = || "—".to_string();
    Line {
        household_id: r.household_id,
        village: r.village_code.clone(),
        number: r.household_number.clone(),
        name: r
            .person_name
            .clone()
            .unwrap_or_else(|| t.whole_household.to_string()),
        id: r.person_id.clone().unwrap_or_else(dash),
        kind: m.map_or_else(dash, |m| t.label(m.kind).to_string()),
        department: m.map_or_else(dash, |m| t.label(m.department).to_string()),
        amount: m.and_then(|m| m.amount_fen).map_or_else(dash, yuan),
        starts: m.map_or_else(dash, |m| m.starts_on.to_string()),
        ends: m
            .and_then(|m| m.ends_on)
            .map_or_else(dash, |d| d.to_string()),
        status: m.map_or_else(dash, |m| t.label(m.status).to_string()),
        source: m.map_or_else(dash, |m| t.label(m.source).to_string()),
        evidence: m.map_or_else(dash, |m| m.evidence.clone()),
        findings: r
            .findings
            .iter()
            .map(|f| {
                let ids: Vec<String> = f.measures.iter().map(|i| format!("#{i}")).collect();
                let text = t.of_pair(&f.why);
                let why = if ids.is_empty() {
                    text.to_string()
                } else {
                    format!("{} · {text}", ids.join(" "))
                };
                (f.rule.code(), t.label(f.rule), why)
            })
            .collect(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "chain_report.html")]
struct ReportPage {
    t: &'static Texts,
    user: Option<UserBar>,
    region: String,
    region_name: String,
    summary: String,
    without_catalogue: Option<String>,
    rules: Vec<(&'static str, &'static str, u64)>,
    rule: String,
    findings_only: bool,
    lines: Vec<Line>,
    xlsx: String,
    prev: Option<String>,
    next: Option<String>,
}

fn link(region: &str, p: &ReportParams, page: i64, format: Option<&str>) -> String {
    let mut q: Vec<(&str, String)> = Vec::new();
    if let Some(r) = p.rule.as_deref().filter(|r| !r.is_empty()) {
        q.push(("rule", r.to_string()));
    }
    if let Some(f) = p.findings.as_deref().filter(|f| !f.is_empty()) {
        q.push(("findings", f.to_string()));
    }
    if page > 1 {
        q.push(("page", page.to_string()));
    }
    if let Some(n) = p.per_page {
        q.push(("per_page", n.to_string()));
    }
    if let Some(f) = format {
        q.push(("format", f.to_string()));
    }
    with_query(
        &format!("/regions/{region}/chain-report"),
        q.iter().map(|(k, v)| (*k, Some(v.as_str()))),
    )
}

fn refused(t: &Texts, e: AppError) -> Response {
    match e {
        AppError::Store(StoreError::NotFound) => error_page(t, StatusCode::NOT_FOUND, t.not_found),
        e => ApiError::from(e).page(t),
    }
}

async fn report_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(code): Path<String>,
    Query(p): Query<ReportParams>,
) -> Response {
    let actor = auth.actor();
    let today = dixian_domain::case::china_date(s.clock.now());
    let report = match p.query(&code) {
        Ok(q) => assistance::chain_report(&s.store, &actor, &s.catalogues(), &q, today).await,
        Err(e) => Err(e),
    };
    let report = match report {
        Ok(r) => r,
        Err(e) => return refused(t, e),
    };
    let lines: Vec<Line> = report.rows.iter().map(|r| line(t, r)).collect();
    if p.format.as_deref() == Some("xlsx") {
        return workbook(t, &report, &lines);
    }
    let region_name = dixian_app::registry::chain(
        &s.store,
        &dixian_domain::RegionCode::parse(&report.region).unwrap_or(actor.scope.region.clone()),
    )
    .await
    .last()
    .map(|r| r.name.clone())
    .unwrap_or_else(|| report.region.clone());
    let pages = report.pages();
    page_of(t, &auth, &p, report, lines, region_name, pages).into_response()
}

fn page_of(
    t: &'static Texts,
    auth: &PageAuth,
    p: &ReportParams,
    report: ChainReport,
    lines: Vec<Line>,
    region_name: String,
    pages: i64,
) -> ReportPage {
    let region = report.region.clone();
    ReportPage {
        t,
        user: user_bar(&auth.0, t),
        summary: fill(
            t.report_summary,
            &[
                &report.households_total,
                &report.page,
                &pages,
                &report.per_page,
                &report.households_checked,
                &lines.len(),
            ],
        ),
        without_catalogue: (report.households_without_catalogue > 0)
            .then(|| fill(t.no_catalogue_note, &[&report.households_without_catalogue])),
        rules: report
            .counts
            .iter()
            .map(|c| (c.rule.code(), t.label(c.rule), c.findings))
            .collect(),
        rule: p.rule.clone().unwrap_or_default(),
        findings_only: matches!(p.findings.as_deref(), Some("1" | "true" | "on")),
        xlsx: link(&region, p, report.page, Some("xlsx")),
        prev: (report.page > 1).then(|| link(&region, p, report.page - 1, None)),
        next: (report.page < pages).then(|| link(&region, p, report.page + 1, None)),
        lines,
        region,
        region_name,
    }
}

/// The page's rows as a workbook: names masked like ID numbers, so no
/// personal data leaves in full.
fn workbook(t: &Texts, report: &ChainReport, lines: &[Line]) -> Response {
    let headers = [
        t.village,
        t.number,
        t.name,
        t.id_number,
        t.measure,
        t.department,
        t.amount_yuan,
        t.starts_on,
        t.ends_on,
        t.status,
        t.source,
        t.evidence_doc,
        t.findings,
    ];
    let rows: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            vec![
                l.village.clone(),
                l.number.clone(),
                if l.id == "—" {
                    l.name.clone()
                } else {
                    mask_name(&l.name)
                },
                l.id.clone(),
                l.kind.clone(),
                l.department.clone(),
                l.amount.clone(),
                l.starts.clone(),
                l.ends.clone(),
                l.status.clone(),
                l.source.clone(),
                l.evidence.clone(),
                l.findings
                    .iter()
                    .map(|(_, label, why)| format!("{label}: {why}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ]
        })
        .collect();
    let title = format!(
        "{} · {} · {} · {}/{}",
        t.chain_report_title,
        report.region,
        report.today,
        report.page,
        report.pages()
    );
    let sheet = dixian_tabular::TableSheet {
        name: t.chain_report,
        title: &title,
        headers: &headers,
        rows: &rows,
    };
    match dixian_tabular::table_xlsx(&sheet) {
        Ok(bytes) => {
            tracing::info!(region = %report.region, rows = rows.len(), "chain report workbook");
            let disposition = format!(
                "attachment; filename=\"chain-report-{}-{}.xlsx\"",
                report.region, report.page
            );
            (
                [
                    (
                        CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            .to_string(),
                    ),
                    (CONTENT_DISPOSITION, disposition),
                    (CACHE_CONTROL, "private, no-store".to_string()),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => ApiError::from(e).page(t),
    }
}
