//! Printables of a household (A4, no navigation): the household card to
//! print (`/households/{id}/print`: facts, members with masked ID numbers,
//! category, risk types, the case's stage) and the 入户核查表
//! (`/households/{id}/home-check-form`: the facts pre-filled, blank lines
//! for the findings, income by source, the 两不愁三保障 boxes, signatures
//! and date). What they carry is `dixian_app::exports::household_sheet`'s.

use super::{forbidden, not_found};
use crate::AppState;
use crate::auth::PageAuth;
use crate::i18n::Texts;
use crate::shared::lang::Lang;
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use dixian_app::AppError;
use dixian_app::exports::{HouseholdSheet, household_sheet};
use dixian_store::StoreError;

/// Routes of the printables.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/households/{id}/print", get(print_page))
        .route("/households/{id}/home-check-form", get(home_check_page))
}

/// A member as printed: no phone, no health.
struct PrintMember {
    name: String,
    relation: &'static str,
    id: String,
    sex: &'static str,
    age: u32,
    labor: &'static str,
}

/// The facts both sheets print.
struct Facts {
    id: i64,
    number: String,
    head: String,
    region: String,
    address: String,
    category: &'static str,
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
    risks: String,
    stage: &'static str,
    members: Vec<PrintMember>,
    today: String,
}

fn facts(t: &Texts, sheet: &HouseholdSheet, today: chrono::NaiveDate) -> Facts {
    let v = &sheet.card.view;
    let h = &v.household;
    let yes_no = |b: bool| if b { t.yes } else { t.no };
    Facts {
        id: v.id,
        number: h.number.clone(),
        head: v.head_name().to_string(),
        region: sheet
            .card
            .chain
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        address: format!(
            "{}{}",
            h.address,
            h.village_group
                .as_deref()
                .map(|g| format!(" {g}"))
                .unwrap_or_default()
        ),
        category: h.category.map_or("—", |c| t.label(c)),
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
        risks: if sheet.risks.is_empty() {
            "—".into()
        } else {
            sheet
                .risks
                .iter()
                .map(|r| t.label(*r))
                .collect::<Vec<_>>()
                .join("、")
        },
        stage: sheet.stage.map_or("—", |s| t.label(s)),
        members: h
            .members
            .iter()
            .map(|m| PrintMember {
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
            })
            .collect(),
        today: today.to_string(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "household_print.html")]
struct PrintPage {
    t: &'static Texts,
    f: Facts,
}

#[derive(Template, WebTemplate)]
#[template(path = "home_check_form.html")]
struct HomeCheckPage {
    t: &'static Texts,
    f: Facts,
    /// The 两不愁三保障 items to tick.
    checks: [&'static str; 6],
    /// Blank lines for the findings.
    blank_lines: std::ops::Range<u8>,
}

async fn sheet(
    s: &AppState,
    auth: &PageAuth,
    t: &'static Texts,
    id: i64,
) -> Result<Facts, Response> {
    let today = dixian_domain::case::china_date(s.clock.now());
    match household_sheet(&s.store, &auth.actor(), id, today).await {
        Ok(sheet) => Ok(facts(t, &sheet, today)),
        Err(AppError::Store(StoreError::Forbidden)) => Err(forbidden(t)),
        Err(AppError::Store(StoreError::NotFound)) => Err(not_found(t)),
        Err(e) => Err(crate::error::ApiError::from(e).page(t)),
    }
}

async fn print_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
) -> Response {
    match sheet(&s, &auth, t, id).await {
        Ok(f) => PrintPage { t, f }.into_response(),
        Err(r) => r,
    }
}

async fn home_check_page(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
) -> Response {
    match sheet(&s, &auth, t, id).await {
        Ok(f) => HomeCheckPage {
            t,
            f,
            checks: [
                t.check_food,
                t.check_clothing,
                t.check_schooling,
                t.check_medical,
                t.check_housing,
                t.check_water,
            ],
            blank_lines: 0..6,
        }
        .into_response(),
        Err(r) => r,
    }
}
