//! The village notice (公示): the households of a village on notice now,
//! as a printable A4 page and as an Excel workbook with the same columns.
//! Both show head's name, village group, category, risk types, the notice
//! dates and where to object — never ID numbers, phones, bank accounts or
//! health details (the store's `NoticeEntry` does not carry them). Each
//! workbook taken out is logged in the audit trail (village, rows).

use crate::AppState;
use crate::auth::PageAuth;
use crate::error::ApiError;
use crate::i18n::Texts;
use crate::shared::lang::Lang;
use crate::shared::layout::error_page;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use dixian_store::db::Pool;
use dixian_store::{Actor, StoreError, cases};
use dixian_tabular::{NoticeLine, NoticeSheet, TabularError, notice_xlsx};

/// Routes of the notice.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/villages/{code}/notice", get(notice_page))
        .route("/villages/{code}/notice.xlsx", get(notice_workbook))
}

/// Category shown while the county has not yet set one.
const PROPOSED: &str = "拟纳入监测";

/// A village's notice as printed and as exported: display text only.
#[derive(Debug, Clone)]
pub struct NoticeDocument {
    /// Village name.
    pub village: String,
    /// 12-digit village code.
    pub village_code: String,
    /// Township name.
    pub township: String,
    /// First to last day of the round (`—` when nobody is on notice).
    pub period: String,
    /// The day the list was made, as printed (`2026年03月01日`).
    pub today: String,
    /// The households, by village group.
    pub lines: Vec<NoticeLine>,
}

impl NoticeDocument {
    /// The notice of `village` for `actor` (out of scope: `NotFound`).
    pub async fn load(
        pool: &Pool,
        actor: &Actor,
        village: &str,
        now: DateTime<Utc>,
    ) -> Result<NoticeDocument, StoreError> {
        let round = cases::notice_round(pool, actor, village, now).await?;
        let township = township_name(pool, &round.village_code).await?;
        let lines: Vec<NoticeLine> = round
            .entries
            .iter()
            .map(|e| NoticeLine {
                head: e.head_name.clone(),
                group: e.village_group.clone().unwrap_or_default(),
                category: e.category.map_or(PROPOSED, |c| c.label_zh()).to_string(),
                risks: e
                    .risk_types
                    .iter()
                    .map(|r| r.label_zh())
                    .collect::<Vec<_>>()
                    .join("、"),
                start: e.start,
                end: e.end,
            })
            .collect();
        let start = lines.iter().map(|l| l.start).min();
        let end = lines.iter().map(|l| l.end).max();
        Ok(NoticeDocument {
            village: round.village_name,
            village_code: round.village_code,
            township,
            period: match (start, end) {
                (Some(a), Some(b)) => format!("{a} 至 {b}"),
                _ => "—".into(),
            },
            today: round.on.format("%Y年%m月%d日").to_string(),
            lines,
        })
    }

    /// The heading.
    pub fn title(&self) -> String {
        format!("{}防止返贫致贫监测对象公示", self.village)
    }

    /// Where an objection goes: the village (its name is its committee's,
    /// 某某村民委员会) or the township's government (a 街道's 办事处).
    pub fn objections_to(&self) -> String {
        let office = if self.township.ends_with("街道") {
            "办事处"
        } else {
            "人民政府"
        };
        format!("{}或{}{office}", self.village, self.township)
    }

    /// Records that `actor` took the notice out as a `format` file: one
    /// audit row with the village and the row count (the notice carries no
    /// ID number or phone, so no reason is asked).
    pub async fn record_export(
        &self,
        pool: &Pool,
        actor: &Actor,
        format: &str,
    ) -> Result<(), StoreError> {
        let village = dixian_domain::RegionCode::parse(&self.village_code)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        dixian_store::privacy::record_export(
            pool,
            actor,
            dixian_store::privacy::Exported::Notice,
            &village,
            self.lines.len() as u64,
            format,
            None,
        )
        .await
    }

    /// The notice as an .xlsx workbook.
    pub fn xlsx(&self) -> Result<Vec<u8>, TabularError> {
        notice_xlsx(&NoticeSheet {
            title: &self.title(),
            subtitle: &format!("{} · 公示期：{}", self.township, self.period),
            objections_to: &self.objections_to(),
            lines: &self.lines,
            signed: &format!("{}  {}", self.village, self.today),
        })
    }
}

async fn township_name(pool: &Pool, village: &str) -> Result<String, StoreError> {
    let Some(code) = dixian_domain::RegionCode::parse(village)
        .ok()
        .and_then(|c| c.parent())
    else {
        return Ok(String::new());
    };
    let region = dixian_store::regions::get(pool, &code).await?;
    Ok(region.map(|r| r.name).unwrap_or_default())
}

#[derive(Template, WebTemplate)]
#[template(path = "notice.html")]
struct NoticePage {
    t: &'static Texts,
    doc: NoticeDocument,
}

async fn load(s: &AppState, auth: &PageAuth, code: &str) -> Result<NoticeDocument, ApiError> {
    Ok(NoticeDocument::load(&s.store.pool, &auth.actor(), code, s.clock.now()).await?)
}

/// A notice not shown: 403 for a role that reads no cases (as the API
/// says), otherwise "not found" — out of scope reads as absent.
fn refused(t: &Texts, e: ApiError) -> Response {
    match e {
        ApiError::Store(StoreError::Forbidden) => e.page(t),
        _ => error_page(t, StatusCode::NOT_FOUND, t.not_found),
    }
}

async fn notice_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(code): Path<String>,
) -> Response {
    match load(&s, &auth, &code).await {
        Ok(doc) => NoticePage { t, doc }.into_response(),
        Err(e) => refused(t, e),
    }
}

async fn notice_workbook(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(code): Path<String>,
) -> Response {
    let doc = match load(&s, &auth, &code).await {
        Ok(d) => d,
        Err(e) => return refused(t, e),
    };
    match doc.xlsx() {
        Ok(bytes) => {
            if let Err(e) = doc
                .record_export(&s.store.pool, &auth.actor(), "xlsx")
                .await
            {
                return ApiError::from(e).page(t);
            }
            tracing::info!(region = %doc.village_code, rows = doc.lines.len(), "notice workbook");
            let disposition = format!("attachment; filename=\"notice-{}.xlsx\"", doc.village_code);
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
