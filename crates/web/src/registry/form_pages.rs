//! The household and member forms: new household (with its head), edit
//! household, add and edit a member. A failed submit shows the form again
//! with the values posted and every problem named by its field.

use super::forms::{Field, Posted, household_fields, member_fields};
use super::{forbidden, not_found};
use crate::AppState;
use crate::auth::PageAuth;
use crate::i18n::Texts;
use crate::shared::lang::Lang;
use crate::shared::layout::{UserBar, user_bar};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use dixian_app::AppError;
use dixian_app::registry;
use dixian_app::views::contact;
use dixian_domain::Member;
use dixian_store::regions::Region;
use dixian_store::{StoreError, StoredHousehold};
use serde::Deserialize;
use std::collections::HashMap;

/// Routes of these pages.
pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/households/new",
            get(new_household_form).post(new_household_submit),
        )
        .route(
            "/households/{id}/edit",
            get(edit_household_form).post(edit_household_submit),
        )
        .route(
            "/households/{id}/members/new",
            get(add_member_form).post(add_member_submit),
        )
        .route(
            "/households/{id}/members/{pos}/edit",
            get(edit_member_form).post(edit_member_submit),
        )
}

#[derive(Template, WebTemplate)]
#[template(path = "household_form.html")]
struct FormPage {
    t: &'static Texts,
    user: Option<UserBar>,
    chain: Vec<Region>,
    heading: &'static str,
    action: String,
    cancel: String,
    version: i64,
    fields: Vec<Field>,
    errors: Vec<String>,
}

/// Shows the posted values again after a failed submit.
fn refill(mut fields: Vec<Field>, form: &HashMap<String, String>) -> Vec<Field> {
    for f in &mut fields {
        if let Some(v) = form.get(f.name) {
            f.value = v.clone();
        }
    }
    fields
}

fn store_message(t: &Texts, e: &AppError) -> String {
    match e {
        AppError::Store(StoreError::Conflict { .. }) => t.stale.to_string(),
        AppError::Store(StoreError::Db(_) | StoreError::Migrate(_) | StoreError::Io { .. }) => {
            tracing::error!(error = %e, "form save failed");
            t.internal_error.to_string()
        }
        // `English (中文)` from the lower layers: the page's half only.
        other => t.reason(&other.to_string()),
    }
}

async fn village_options(s: &AppState, actor: &dixian_store::Actor) -> Vec<(String, String)> {
    registry::villages(&s.store, actor).await
}

#[derive(Deserialize)]
struct NewQuery {
    village: Option<String>,
}

async fn new_household_form(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Query(nq): Query<NewQuery>,
) -> Response {
    let actor = auth.actor();
    if registry::may_edit(&actor).is_err() {
        return forbidden(t);
    }
    let mut fields = household_fields(t, None, village_options(&s, &actor).await, false);
    fields.extend(member_fields(t, None));
    let mut preset = HashMap::from([("m_relation".to_string(), "head".to_string())]);
    if let Some(v) = nq.village {
        preset.insert("village".into(), v);
    }
    let fields = refill(fields, &preset);
    let chain = registry::chain(&s.store, &actor.scope.region).await;
    let page = FormPage {
        t,
        user: user_bar(&auth.0, t),
        chain,
        heading: t.new_household,
        action: "/households/new".into(),
        cancel: "/households".into(),
        version: 0,
        fields,
        errors: Vec::new(),
    };
    page.into_response()
}

async fn new_household_submit(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let actor = auth.actor();
    if registry::may_edit(&actor).is_err() {
        return forbidden(t);
    }
    let mut posted = Posted::new(&form, t);
    let head = posted.member(t);
    let household = head.and_then(|m| posted.household(t, vec![m]));
    let mut errors = posted.errors;
    if let (Some(h), true) = (&household, errors.is_empty()) {
        match registry::create(&s.store, &actor, h).await {
            Ok(id) => return Redirect::to(&format!("/households/{id}")).into_response(),
            // A village outside the scope reads as absent (404), as by the API.
            Err(AppError::Store(StoreError::NotFound)) => return not_found(t),
            Err(e) => errors.push(store_message(t, &e)),
        }
    }
    let mut fields = household_fields(t, None, village_options(&s, &actor).await, false);
    fields.extend(member_fields(t, None));
    let page = FormPage {
        t,
        user: user_bar(&auth.0, t),
        chain: Vec::new(),
        heading: t.new_household,
        action: "/households/new".into(),
        cancel: "/households".into(),
        version: 0,
        fields: refill(fields, &form),
        errors,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// Loads a household the actor may edit, or the response to send instead.
async fn editable(
    s: &AppState,
    auth: &PageAuth,
    t: &'static Texts,
    id: i64,
) -> Result<(StoredHousehold, Vec<Region>), Response> {
    registry::for_edit(&s.store, &auth.actor(), id)
        .await
        .map_err(|e| match e {
            AppError::Store(StoreError::Forbidden) => forbidden(t),
            _ => not_found(t),
        })
}

async fn edit_household_form(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
) -> Response {
    let (stored, chain) = match editable(&s, &auth, t, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let fields = household_fields(
        t,
        Some(&stored.household),
        village_options(&s, &auth.actor()).await,
        true,
    );
    let page = FormPage {
        t,
        user: user_bar(&auth.0, t),
        chain,
        heading: t.edit_household,
        action: format!("/households/{id}/edit"),
        cancel: format!("/households/{id}"),
        version: stored.version,
        fields,
        errors: Vec::new(),
    };
    page.into_response()
}

async fn edit_household_submit(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let (stored, chain) = match editable(&s, &auth, t, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut posted = Posted::new(&form, t);
    let version = posted.version();
    // The category is the workflow's: the form neither shows nor sets it.
    let household = posted
        .household(t, stored.household.members.clone())
        .map(|h| dixian_domain::Household {
            category: stored.household.category,
            ..h
        });
    let mut errors = posted.errors;
    if let (Some(h), true) = (&household, errors.is_empty()) {
        match registry::update(&s.store, &auth.actor(), id, version, h).await {
            Ok(_) => return Redirect::to(&format!("/households/{id}")).into_response(),
            // Moved to a village outside the scope: 404, as by the API.
            Err(AppError::Store(StoreError::NotFound)) => return not_found(t),
            Err(e) => errors.push(store_message(t, &e)),
        }
    }
    let fields = refill(
        household_fields(
            t,
            Some(&stored.household),
            village_options(&s, &auth.actor()).await,
            true,
        ),
        &form,
    );
    let page = FormPage {
        t,
        user: user_bar(&auth.0, t),
        chain,
        heading: t.edit_household,
        action: format!("/households/{id}/edit"),
        cancel: format!("/households/{id}"),
        version,
        fields,
        errors,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// `None` = add a member; `Some(p)` = edit the member at position `p`.
async fn member_form(
    s: &AppState,
    auth: &PageAuth,
    t: &'static Texts,
    id: i64,
    pos: Option<usize>,
) -> Response {
    let (stored, chain) = match editable(s, auth, t, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let member = match pos {
        Some(p) => match stored.household.members.get(p) {
            Some(m) => Some(m),
            None => return not_found(t),
        },
        None => None,
    };
    let (heading, action) = member_target(t, id, pos);
    // A new member is not the head: preselect the commonest relation.
    let preset = HashMap::from([("m_relation".to_string(), "child".to_string())]);
    let fields = if let Some(m) = member {
        masked_member_fields(t, m)
    } else {
        refill(member_fields(t, None), &preset)
    };
    let page = FormPage {
        t,
        user: user_bar(&auth.0, t),
        chain,
        heading,
        action,
        cancel: format!("/households/{id}"),
        version: stored.version,
        fields,
        errors: Vec::new(),
    };
    page.into_response()
}

/// The form of a stored member with its ID number and phone masked: the
/// form shows what the card shows; a value sent back unchanged keeps the
/// stored one ([`unmasked_form`]), a new one replaces it.
fn masked_member_fields(t: &'static Texts, m: &Member) -> Vec<Field> {
    let (id_shown, phone_shown) = contact(m, false);
    let mut fields = member_fields(t, Some(m));
    for f in &mut fields {
        match (f.name, &phone_shown) {
            ("m_id_number", _) => {
                f.value = id_shown.clone();
                f.label = t.id_number_kept;
            }
            ("m_phone", Some(p)) if !f.value.is_empty() => {
                f.value = p.clone();
                f.label = t.phone_kept;
            }
            _ => {}
        }
    }
    fields
}

/// The posted member form with a masked ID number or phone sent back
/// unchanged replaced by the stored value ([`registry::kept_contact`]).
fn unmasked_form(form: &HashMap<String, String>, stored: &Member) -> HashMap<String, String> {
    let mut form = form.clone();
    let sent = |k: &str| form.get(k).cloned().unwrap_or_default();
    let (id, phone) = registry::kept_contact(&sent("m_id_number"), &sent("m_phone"), stored);
    if let Some(v) = form.get_mut("m_id_number") {
        *v = id;
    }
    if let Some(v) = form.get_mut("m_phone") {
        *v = phone;
    }
    form
}

fn member_target(t: &'static Texts, id: i64, pos: Option<usize>) -> (&'static str, String) {
    match pos {
        Some(p) => (t.edit_member, format!("/households/{id}/members/{p}/edit")),
        None => (t.add_member, format!("/households/{id}/members/new")),
    }
}

async fn member_submit(
    s: &AppState,
    auth: &PageAuth,
    t: &'static Texts,
    id: i64,
    pos: Option<usize>,
    form: &HashMap<String, String>,
) -> Response {
    let (stored, chain) = match editable(s, auth, t, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let unmasked = match pos.and_then(|p| stored.household.members.get(p)) {
        Some(m) => unmasked_form(form, m),
        None => form.clone(),
    };
    let mut posted = Posted::new(&unmasked, t);
    let version = posted.version();
    let member = posted.member(t);
    let mut errors = posted.errors;
    if let (Some(m), true) = (member, errors.is_empty()) {
        let actor = auth.actor();
        let saved = match pos {
            Some(p) if p < stored.household.members.len() => {
                registry::update_member(&s.store, &actor, id, version, p, m).await
            }
            Some(_) => return not_found(t),
            None => registry::add_member(&s.store, &actor, id, version, m).await,
        };
        match saved {
            Ok(_) => return Redirect::to(&format!("/households/{id}")).into_response(),
            Err(AppError::Store(StoreError::NotFound)) => return not_found(t),
            Err(e) => errors.push(store_message(t, &e)),
        }
    }
    let (heading, action) = member_target(t, id, pos);
    let blank = match pos.and_then(|p| stored.household.members.get(p)) {
        Some(m) => masked_member_fields(t, m),
        None => member_fields(t, None),
    };
    let fields = refill(blank, form);
    let page = FormPage {
        t,
        user: user_bar(&auth.0, t),
        chain,
        heading,
        action,
        cancel: format!("/households/{id}"),
        version,
        fields,
        errors,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

async fn add_member_form(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
) -> Response {
    member_form(&s, &auth, t, id, None).await
}

async fn add_member_submit(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path(id): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    member_submit(&s, &auth, t, id, None, &form).await
}

async fn edit_member_form(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path((id, pos)): Path<(i64, usize)>,
) -> Response {
    member_form(&s, &auth, t, id, Some(pos)).await
}

async fn edit_member_submit(
    State(s): State<AppState>,
    auth: PageAuth,
    Lang(t): Lang,
    Path((id, pos)): Path<(i64, usize)>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    member_submit(&s, &auth, t, id, Some(pos), &form).await
}
