//! The household card: the household, its members (ID numbers and phones
//! masked unless revealed by the audited button), its cases and timeline.

use super::{forbidden, not_found};
use crate::AppState;
use crate::auth::PageAuth;
use crate::i18n::Texts;
use crate::shared::case_text;
use crate::shared::lang::Lang;
use crate::shared::layout::{UserBar, user_bar};
use crate::shared::view::{RevealForm, china_time};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use dixian_app::AppError;
use dixian_app::registry::{self, HouseholdCard, Reveal};
use dixian_app::views::MemberView;
use dixian_store::StoreError;
use dixian_store::regions::Region;
use dixian_store::users::User;

/// Routes of these pages.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/households/{id}", get(household_page))
        .route("/households/{id}/reveal", post(household_reveal))
}

#[derive(Template, WebTemplate)]
#[template(path = "household.html")]
struct HouseholdPage {
    t: &'static Texts,
    user: Option<UserBar>,
    chain: Vec<Region>,
    number: String,
    head: String,
    address: String,
    category: &'static str,
    /// 三色码: code (the CSS class) and label.
    status: &'static str,
    status_label: &'static str,
    formerly_poor: &'static str,
    housing: &'static str,
    water: &'static str,
    farmland: f64,
    wage: i64,
    production: i64,
    property: i64,
    transfer: i64,
    income_pp: i64,
    medical: i64,
    schooling: i64,
    version: i64,
    members: Vec<MemberLine>,
    id: i64,
    can_edit: bool,
    cases: Vec<(i64, &'static str)>,
    can_lead: bool,
    timeline: Vec<TimelineLine>,
    /// The role may show ID numbers and phones in full (the button).
    may_reveal: bool,
    /// They are shown in full now (the reveal was recorded).
    revealed: bool,
    /// Open department warnings: (id, what the rule finds, risk type, last evidence day).
    warnings: Vec<(i64, &'static str, &'static str, String)>,
}

/// One line of a household's timeline.
struct TimelineLine {
    when: String,
    what: String,
    who: String,
    /// What was recorded (a step's data in words), empty for none.
    detail: String,
}

fn timeline_line(t: &Texts, e: &dixian_store::cases::TimelineEntry) -> TimelineLine {
    use dixian_store::cases::TimelineKind;
    let what = match e.kind {
        TimelineKind::Lead => dixian_domain::Channel::parse(&e.what).map_or(e.what.clone(), |c| {
            format!("{}: {}", t.new_lead, t.label(c))
        }),
        TimelineKind::CaseEvent => dixian_domain::case::EventKind::parse(&e.what)
            .map_or(e.what.clone(), |k| t.label(k).to_string()),
        TimelineKind::Registry => match e.what.as_str() {
            "create" => t.tl_create,
            "update" => t.tl_update,
            "import" => t.tl_import,
            "case_approval" => t.tl_category,
            "case_migrated" => t.tl_migrated,
            _ => t.tl_registry,
        }
        .to_string(),
        TimelineKind::Warning => {
            let status = match e.what.as_str() {
                "verified" => t.st_verified,
                "dismissed" => t.st_dismissed,
                _ => t.st_open,
            };
            let risk = e.detail["risk_type"]
                .as_str()
                .and_then(dixian_domain::RiskType::parse)
                .map_or("", |r| t.label(r));
            format!("{} ({risk}): {status}", t.warnings)
        }
    };
    let detail = match e.kind {
        TimelineKind::CaseEvent => {
            serde_json::from_value::<dixian_domain::CaseEvent>(e.detail.clone())
                .map(|ev| case_text::summary(t, &ev))
                .unwrap_or_default()
        }
        TimelineKind::Lead => e.detail["note"].as_str().unwrap_or_default().to_string(),
        _ => String::new(),
    };
    TimelineLine {
        when: china_time(e.at),
        what,
        who: case_text::who(t, e.user_name.as_deref(), e.role.as_deref()),
        detail,
    }
}

struct MemberLine {
    name: String,
    relation: &'static str,
    id: String,
    sex: &'static str,
    age: u32,
    labor: &'static str,
    health: &'static str,
    disability: String,
    school: String,
    insurance: &'static str,
    employment: &'static str,
    phone: String,
}

/// A member as the card shows it: the view's values (ID number and phone
/// as the use case decided, health only when shown) labelled.
fn member_line(t: &Texts, m: &MemberView) -> MemberLine {
    let (health, disability) = match &m.health {
        Some(h) => (
            t.label(h.illness),
            match (h.disability_kind, h.disability_grade) {
                (Some(k), Some(g)) => format!("{} {g}", t.label(k)),
                (Some(k), None) => t.label(k).to_string(),
                _ => "—".into(),
            },
        ),
        None => (t.health_withheld, t.health_withheld.to_string()),
    };
    MemberLine {
        name: m.name.clone(),
        relation: t.label(m.relation),
        id: m.id_number.clone(),
        sex: if m.sex == dixian_domain::Sex::Male {
            t.sex_male
        } else {
            t.sex_female
        },
        age: m.age,
        labor: t.label(m.labor),
        health,
        disability,
        school: match (m.student_stage, m.student_status) {
            (Some(s), Some(st)) => format!("{} · {}", t.label(s), t.label(st)),
            (Some(s), None) => t.label(s).to_string(),
            _ => "—".into(),
        },
        insurance: t.label(m.insurance),
        employment: t.label(m.employment),
        phone: m.phone.clone().unwrap_or_else(|| "—".into()),
    }
}

fn household_page_of(t: &'static Texts, user: &User, card: HouseholdCard) -> HouseholdPage {
    let v = &card.view;
    let h = &v.household;
    let yes_no = |b: bool| if b { t.yes } else { t.no };
    HouseholdPage {
        t,
        user: user_bar(user, t),
        number: h.number.clone(),
        head: v.head_name().to_string(),
        address: format!(
            "{}{}",
            h.address,
            h.village_group
                .as_deref()
                .map(|g| format!(" {g}"))
                .unwrap_or_default()
        ),
        category: h.category.map(|c| t.label(c)).unwrap_or("—"),
        status: card.status.code(),
        status_label: t.label(card.status),
        formerly_poor: yes_no(h.formerly_registered_poor),
        housing: t.label(h.housing),
        water: t.label(h.water),
        farmland: h.farmland_mu,
        wage: h.income.wage,
        production: h.income.production,
        property: h.income.property,
        transfer: h.income.transfer,
        income_pp: h.income_per_person,
        medical: h.medical_expense,
        schooling: h.schooling_expense,
        version: v.version,
        members: h.members.iter().map(|m| member_line(t, m)).collect(),
        id: v.id,
        can_edit: card.may_edit,
        can_lead: card.cases.is_some(),
        cases: card
            .cases
            .iter()
            .flatten()
            .map(|c| (c.id, t.label(c.case.stage)))
            .collect(),
        timeline: card
            .timeline
            .iter()
            .rev()
            .map(|e| timeline_line(t, e))
            .collect(),
        may_reveal: card.may_reveal,
        revealed: v.revealed,
        warnings: card
            .open_warnings
            .iter()
            .map(|w| {
                (
                    w.id,
                    t.label(w.rule_condition),
                    t.label(w.risk_type),
                    w.last_date.to_string(),
                )
            })
            .collect(),
        chain: card.chain,
    }
}

async fn household_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
) -> Response {
    render_household(&s, &auth, t, id, None).await
}

/// "显示完整信息 Show in full": the same card with ID numbers and phones
/// in full, after the store has recorded the reveal (403 for a role that
/// may not, 404 outside the scope).
async fn household_reveal(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
    Form(f): Form<RevealForm>,
) -> Response {
    render_household(&s, &auth, t, id, Some(&f.reason)).await
}

/// The card, masked (`reveal` = `None`) or in full with the reason given.
async fn render_household(
    s: &AppState,
    auth: &PageAuth,
    t: &'static Texts,
    id: i64,
    reveal: Option<&str>,
) -> Response {
    let reveal = reveal.map(|r| Reveal::because(Some(r)));
    let today = chrono::Local::now().date_naive();
    match registry::card(&s.store, &auth.actor(), id, reveal.as_ref(), today).await {
        Ok(card) => {
            if card.view.revealed {
                tracing::info!(household_id = id, "personal data revealed (page)");
            }
            household_page_of(t, &auth.0, card).into_response()
        }
        // A role that reads (or reveals) no households is told so (403),
        // as by the API; out of scope reads as absent.
        Err(AppError::Store(StoreError::Forbidden)) => forbidden(t),
        Err(AppError::Store(StoreError::NotFound)) => not_found(t),
        Err(e) => crate::error::ApiError::from(e).page(t),
    }
}
