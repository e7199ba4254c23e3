//! The access matrix, on SQLite and PostgreSQL: every route of the JSON
//! API and of the pages × every role, from inside and outside its scope.
//!
//! The world: county 520526 with township 520526001 (villages …001001 and
//! …001002) and township 520526102 (village …102001); in each village two
//! households with members, a case on notice and one at the township's
//! review (both overdue by the end of the set-up), a department warning
//! (a medical feed and a screening run), an unmatched and a dismissed
//! self-declaration. Users: the cadre of each village, the reviewer of
//! each township, the county admin, its data officer, viewers of the
//! county and of the province 52; and, outside, the admin and the data
//! officer of the neighbouring county 520527 and a viewer of Yunnan (53).
//!
//! [`routes`] is the table: per route, the object it acts on, the roles
//! that may reach such an object, the roles that may do the action, and
//! the answer inside the scope. Every request's expected class follows
//! from it ([`expect`]): no token (or a bad one) → unauthorized (401; the
//! login page for pages); a role that may not reach the object →
//! forbidden (403); an object outside the caller's scope → absent (404,
//! status and body exactly those of a made-up object); a role that may
//! reach but not act → forbidden; else the answer inside. A refused write
//! must change nothing (row counts, versions, audit rows), and an attempt
//! from outside is sent with the object's current version, so that a
//! missing scope check would have written. The routes are read from the
//! routers' source: a route without a line in the table fails the test.
//!
//! Then the leak checks: lists, searches, region figures, work lists,
//! notices (page and .xlsx), feed batches, what-if replays and error
//! messages of an out-of-scope user neither show nor count the other
//! scope's records. Throughout, no answer to anyone carries a household
//! number, a name or an ID number from outside the caller's scope.

mod common;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use common::{App, Backend, PASSWORD, id};
use dixian_domain::Role::{self, CountyAdmin, DataOfficer, TownshipReviewer, Viewer, VillageCadre};
use dixian_store::db::q;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

const COUNTY: &str = "520526";
const TOWN_A: &str = "520526001";
const TOWN_B: &str = "520526102";
const A1: &str = "520526001001";
const A2: &str = "520526001002";
const B1: &str = "520526102001";
const VILLAGES: [&str; 3] = [A1, A2, B1];
const OTHER_COUNTY: &str = "520527";
const OTHER_PROVINCE: &str = "53";
/// An id no record has.
const MADE_UP_ID: &str = "987654321";
/// The file name of the county's medical feed (and of the other county's).
const COUNTY_FEED: &str = "mx-medical.csv";
const OTHER_FEED: &str = "other-county.csv";

// ---------------------------------------------------------------- the table

/// Every role.
const ALL: &[Role] = &[
    VillageCadre,
    TownshipReviewer,
    CountyAdmin,
    DataOfficer,
    Viewer,
];
/// Roles that read individual households (`Role::reads_households`).
const READ_HH: &[Role] = &[VillageCadre, TownshipReviewer, CountyAdmin, DataOfficer];
/// Roles that create and edit households (`Role::edits_registry`).
const EDIT: &[Role] = &[VillageCadre, TownshipReviewer, CountyAdmin];
/// The case workflow's levels (`LEAD_ROLES`): cases, leads, warnings.
const WORK: &[Role] = &[VillageCadre, TownshipReviewer, CountyAdmin];
/// Roles that exchange data with other systems (`Role::exchanges_data`).
const EXCHANGE: &[Role] = &[DataOfficer];
/// Roles that load feeds, run screening and replay drafts (`Role::loads_feeds`).
const FEEDS: &[Role] = &[CountyAdmin, DataOfficer];
/// Roles that may reveal full ID numbers and phones (`Role::sees_personal_data`).
const REVEAL: &[Role] = &[VillageCadre, TownshipReviewer, CountyAdmin];
/// Adopts the county's own rule set; keeps the roster of helpers
/// (`Role::manages_helpers`).
const ADMIN: &[Role] = &[CountyAdmin];
/// Edits a household's assistance: plan, measures, visits
/// (`Role::edits_assistance`).
const CADRE: &[Role] = &[VillageCadre];
/// Names a plan's helper: the village cadre or the county.
const ASSIGN: &[Role] = &[VillageCadre, CountyAdmin];
/// Told of 规模性风险预警 and resolve them: the township and the county
/// (`dixian_store::alerts::may_resolve`).
const RESOLVE: &[Role] = &[TownshipReviewer, CountyAdmin];

/// Who may: anyone (no login), or the roles listed.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Public,
    Roles(&'static [Role]),
}

impl Who {
    fn lets(self, role: Role) -> bool {
        match self {
            Who::Public => true,
            Who::Roles(r) => r.contains(&role),
        }
    }
}

/// The expected answer.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Class {
    /// 2xx; for a page also a redirect (to anywhere but the login page).
    Ok,
    /// Access granted; the request itself refused with this status (a
    /// stale version, a handled lead …), the answer naming why (the hint).
    /// Nothing may change.
    Passed(u16, &'static str),
    /// 403.
    Forbidden,
    /// Answered exactly as for a made-up object: this status (404 unless
    /// the table says otherwise) and the same body.
    Absent(u16),
    /// 401 for the API; the login page (303 to /login) for pages.
    Unauthorized,
}

/// What a route acts on; its targets are made by [`World::targets`].
#[derive(Clone, Copy, Debug, PartialEq)]
enum Obj {
    /// Nothing of a region (lists, uploads, the caller's own data).
    None,
    /// A region code (province, counties, townships, villages).
    Region,
    /// A village code (the notice; the village of a new household).
    Village,
    /// A household (its first one in each village).
    Household,
    /// The caller's own household moved to a village.
    MoveTo,
    /// The case on notice of each village.
    Case,
    /// The department warning of each village.
    Warning,
    /// The 规模性风险预警 of each village (planted by the store).
    Alert,
    /// The dismissed declaration of each village; its unmatched one from
    /// outside only (inside it would really be matched).
    Lead,
    /// A registered person, by ID number.
    Person,
    /// The measure recorded for each village's household (assistance).
    Measure,
    /// The file attached to the case on notice of each village.
    Attachment,
    /// The county a rule file is for.
    RuleCounty,
    /// A declaration's reference number (public).
    Reference,
    /// A background job of the county (and one of the other county).
    Job,
}

/// What a request carries.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Body {
    Nothing,
    LoginJson,
    DeclarationJson,
    HouseholdJson,
    HouseholdPut,
    HouseholdMove,
    MemberJson,
    LeadJson,
    LeadByPerson,
    MatchJson,
    DismissLeadJson,
    EventJson,
    VerifyJson,
    DismissWarningJson,
    RunJson,
    RuleJson,
    WhatIfJson,
    FeedUpload,
    /// A plan with a stale version (assistance).
    PlanPut,
    /// A measure with a negative amount.
    MeasureJson,
    /// A visit of nobody (no person lives on the income).
    VisitJson,
    /// A helper without a name.
    HelperJson,
    /// A plan's helper, with a stale version.
    HelperAssign,
    /// A plan confirmed at a stale version.
    PlanConfirm,
    /// A measure stopped, with a stale version.
    StopJson,
    /// A measure list of bad rows.
    ListUpload,
    /// A case attachment that is no JPEG, PNG or PDF (API and page).
    AttachUpload,
    /// A reviewer's decision at a stale version (page).
    DecisionForm,
    LoginForm,
    DeclareForm,
    HouseholdForm,
    HouseholdEditForm,
    HouseholdMoveForm,
    MemberForm,
    MemberEditForm,
    LeadForm,
    EventForm,
    VerifyForm,
    DismissWarningForm,
    RuleForm,
    WhatIfForm,
    FeedPage,
    /// The reason of a reveal (全号查看).
    RevealForm,
    /// A follow-up visit of nobody, on the plan tab.
    VisitForm,
    /// A measure with a negative amount, on the plan tab.
    MeasureForm,
    /// A plan confirmed at a stale version, on the plan tab.
    PlanForm,
    /// A helper without a name, on the roster page.
    HelperForm,
    /// An alert resolved without saying what was done (API).
    ResolveJson,
    /// The same on the alert page.
    ResolveForm,
    /// An exchange package of a version this server does not read.
    ExchangeJson,
}

/// One line of the table.
#[derive(Clone, Debug)]
struct Route {
    method: &'static str,
    path: &'static str,
    obj: Obj,
    /// Roles that may reach such an object at all.
    reach: Who,
    /// Roles that may do the action on it.
    act: Who,
    /// The answer inside the scope.
    inside: Class,
    /// The answer for an object outside the scope.
    outside: Class,
    body: Body,
}

impl Route {
    fn outside(mut self, c: Class) -> Route {
        self.outside = c;
        self
    }

    fn is_page(&self) -> bool {
        !self.path.starts_with("/api/")
    }

    /// The route's pattern as the router declares it (no query).
    fn pattern(&self) -> &'static str {
        self.path.split('?').next().unwrap_or(self.path)
    }
}

fn route(
    method: &'static str,
    path: &'static str,
    obj: Obj,
    reach: &'static [Role],
    act: &'static [Role],
    inside: Class,
    body: Body,
) -> Route {
    Route {
        method,
        path,
        obj,
        reach: Who::Roles(reach),
        act: Who::Roles(act),
        inside,
        outside: Class::Absent(404),
        body,
    }
}

fn public(method: &'static str, path: &'static str, obj: Obj, body: Body) -> Route {
    Route {
        method,
        path,
        obj,
        reach: Who::Public,
        act: Who::Public,
        inside: Class::Ok,
        outside: Class::Ok,
        body,
    }
}

/// The table: method, route, object, the roles that may reach such an
/// object, the roles that may act on it, the answer inside the scope, the
/// body sent. Outside the scope the answer is 404, status and body as for
/// a made-up object, unless the line says otherwise (`.outside(…)`).
#[rustfmt::skip]
fn routes() -> Vec<Route> {
    use Body as B;
    use Class::{Absent, Ok, Passed};
    use Obj as O;
    // Access granted, the request refused for its content (nothing written):
    let conflict = Passed(409, "\"conflict\""); // a stale version
    let stale = Passed(422, "已被他人修改");       // a stale version, on a page
    let taken = Passed(422, "一人只能属于一户");   // the head is in another household (the page shows 中文)
    let handled = Passed(422, "lead_resolved");    // the lead was dismissed
    let unmonitored = Passed(422, "not_monitored"); // no elimination check yet
    let bad_rows = Passed(422, "errors_total");    // a file of bad rows
    let bad_feed = Passed(202, "errors_total");    // a feed of bad rows: its job ends failed, the problems in its result
    let bad_field = Passed(422, "invalid_field");  // a field breaks a rule (named)
    let bad_form = Passed(422, "field-error");     // a page form shown again, the field named
    let not_a_file = Passed(422, "not-a-picture.txt"); // an attachment's bytes are no JPEG/PNG/PDF (named)
    vec![
        // ---- JSON API: public
        public("GET",  "/api/v1/health",                         O::None,      B::Nothing),
        public("GET",  "/api/v1/ready",                          O::None,      B::Nothing),
        public("POST", "/api/v1/auth/login",                     O::None,      B::LoginJson),
        public("GET",  "/api/v1/openapi.json",                   O::None,      B::Nothing),
        public("GET",  "/api/v1/docs/",                          O::None,      B::Nothing),
        public("POST", "/api/v1/public/declarations",            O::None,      B::DeclarationJson),
        public("GET",  "/api/v1/public/declarations/{reference}", O::Reference, B::Nothing),
        // ---- JSON API: registry and regions
        route( "GET",  "/api/v1/me",                             O::None,      ALL,     ALL,     Ok,          B::Nothing),
        route( "GET",  "/api/v1/regions/{code}",                 O::Region,    ALL,     ALL,     Ok,          B::Nothing),
        route( "GET",  "/api/v1/figures/{code}",                 O::Region,    ALL,     ALL,     Ok,          B::Nothing),
        // the households behind a figure, de-identified: every role, the viewer included
        route( "GET",  "/api/v1/figures/{code}/households",      O::Region,    ALL,     ALL,     Ok,          B::Nothing),
        route( "GET",  "/api/v1/evaluation/{code}",              O::Region,    ALL,     ALL,     Ok,          B::Nothing),
        route( "GET",  "/api/v1/households",                     O::None,      READ_HH, READ_HH, Ok,          B::Nothing),
        route( "POST", "/api/v1/households",                     O::Village,   EDIT,    EDIT,    taken,       B::HouseholdJson),
        route( "GET",  "/api/v1/households/{id}",                O::Household, READ_HH, READ_HH, Ok,          B::Nothing),
        route( "PUT",  "/api/v1/households/{id}",                O::Household, READ_HH, EDIT,    conflict,    B::HouseholdPut),
        route( "PUT",  "/api/v1/households/{id}",                O::MoveTo,    READ_HH, EDIT,    conflict,    B::HouseholdMove),
        route( "POST", "/api/v1/households/{id}/members",        O::Household, READ_HH, EDIT,    conflict,    B::MemberJson),
        // ---- JSON API: cases
        route( "GET",  "/api/v1/households/{id}/timeline",       O::Household, WORK,    WORK,    Ok,          B::Nothing),
        route( "POST", "/api/v1/leads",                          O::Household, WORK,    WORK,    Ok,          B::LeadJson),
        // outside: as for a made-up number ("no one with this ID number is registered in your region")
        route( "POST", "/api/v1/leads",                          O::Person,    WORK,    WORK,    Ok,          B::LeadByPerson).outside(Absent(422)),
        route( "POST", "/api/v1/leads/{id}/match",               O::Lead,      WORK,    WORK,    handled,     B::MatchJson),
        route( "POST", "/api/v1/leads/{id}/dismiss",             O::Lead,      WORK,    WORK,    handled,     B::DismissLeadJson),
        route( "GET",  "/api/v1/inbox",                          O::None,      WORK,    WORK,    Ok,          B::Nothing),
        route( "GET",  "/api/v1/cases/overdue",                  O::None,      WORK,    WORK,    Ok,          B::Nothing),
        route( "GET",  "/api/v1/cases/{id}",                     O::Case,      WORK,    WORK,    Ok,          B::Nothing),
        route( "POST", "/api/v1/cases/{id}/events",              O::Case,      WORK,    WORK,    conflict,    B::EventJson),
        route( "GET",  "/api/v1/cases/{id}/elimination-check",   O::Case,      WORK,    WORK,    unmonitored, B::Nothing),
        // 信息比对: the members' department rows, for the working levels in scope
        route( "GET",  "/api/v1/cases/{id}/comparison-rows",     O::Case,      WORK,    WORK,    Ok,          B::Nothing),
        // 案件附件: read by the working levels; added by whoever records the
        // current step (the case is on notice: the village cadre)
        route( "GET",  "/api/v1/cases/{id}/attachments",         O::Case,      WORK,    WORK,    Ok,          B::Nothing),
        route( "POST", "/api/v1/cases/{id}/attachments",         O::Case,      WORK,    CADRE,   bad_field,   B::AttachUpload),
        route( "GET",  "/api/v1/attachments/{id}",               O::Attachment, WORK,   WORK,    Ok,          B::Nothing),
        route( "GET",  "/api/v1/villages/{code}/notice",         O::Village,   WORK,    WORK,    Ok,          B::Nothing),
        // ---- JSON API: feeds, screening, rules
        // ---- JSON API: data exchange (docs/exchange.md)
        route( "GET",  "/api/v1/exchange/{code}/households",     O::Region,    EXCHANGE, EXCHANGE, Ok,         B::Nothing),
        route( "GET",  "/api/v1/exchange/{code}/warnings",       O::Region,    EXCHANGE, EXCHANGE, Ok,         B::Nothing),
        route( "GET",  "/api/v1/exchange/{code}/measures",       O::Region,    EXCHANGE, EXCHANGE, Ok,         B::Nothing),
        route( "POST", "/api/v1/exchange/import",                O::None,      EXCHANGE, EXCHANGE, Passed(422, "dixian-exchange/1"), B::ExchangeJson),
        route( "POST", "/api/v1/feeds/{kind}",                   O::None,      FEEDS,   FEEDS,   bad_feed,    B::FeedUpload),
        route( "GET",  "/api/v1/feeds",                          O::None,      ALL,     ALL,     Ok,          B::Nothing),
        route( "GET",  "/api/v1/warnings",                       O::None,      WORK,    WORK,    Ok,          B::Nothing),
        route( "GET",  "/api/v1/warnings/{id}",                  O::Warning,   WORK,    WORK,    Ok,          B::Nothing),
        // ---- JSON API: 规模性风险预警
        route( "GET",  "/api/v1/alerts",                         O::None,      WORK,    WORK,    Ok,          B::Nothing),
        route( "GET",  "/api/v1/alerts/{id}",                    O::Alert,     WORK,    WORK,    Ok,          B::Nothing),
        route( "POST", "/api/v1/alerts/{id}/resolve",            O::Alert,     WORK,    RESOLVE, bad_field,   B::ResolveJson),
        // ---- JSON API: background jobs (the county's; the jobs of the set-up have ended)
        route( "GET",  "/api/v1/jobs",                           O::None,      FEEDS,   FEEDS,   Ok,          B::Nothing),
        route( "GET",  "/api/v1/jobs/{id}",                      O::Job,       FEEDS,   FEEDS,   Ok,          B::Nothing),
        route( "POST", "/api/v1/jobs/{id}/cancel",               O::Job,       FEEDS,   FEEDS,   Passed(422, "job_ended"), B::Nothing),
        route( "POST", "/api/v1/warnings/{id}/verify",           O::Warning,   WORK,    WORK,    conflict,    B::VerifyJson),
        route( "POST", "/api/v1/warnings/{id}/dismiss",          O::Warning,   WORK,    WORK,    conflict,    B::DismissWarningJson),
        route( "POST", "/api/v1/screening/runs",                 O::None,      FEEDS,   FEEDS,   Ok,          B::RunJson),
        route( "GET",  "/api/v1/screening/runs/last",            O::None,      ALL,     ALL,     Ok,          B::Nothing),
        route( "GET",  "/api/v1/rules",                          O::None,      ALL,     ALL,     Ok,          B::Nothing),
        // outside: rule sets are public (GET /api/v1/rules), another county's is refused, not hidden
        route( "POST", "/api/v1/rules",                          O::RuleCounty, ADMIN,  ADMIN,   Ok,          B::RuleJson).outside(Absent(403)),
        route( "POST", "/api/v1/rules/whatif",                   O::None,      FEEDS,   FEEDS,   Ok,          B::WhatIfJson),
        // ---- JSON API: assistance (帮扶)
        route( "GET",  "/api/v1/households/{id}/plan",           O::Household, READ_HH, READ_HH, Ok,          B::Nothing),
        route( "PUT",  "/api/v1/households/{id}/plan",           O::Household, READ_HH, CADRE,   conflict,    B::PlanPut),
        // the proposal is read, not saved, by the levels that read cases (the household's case is on notice)
        route( "GET",  "/api/v1/households/{id}/plan/proposal",  O::Household, READ_HH, WORK,    Ok,          B::Nothing),
        // the household has no plan: a confirmation's version is stale
        route( "POST", "/api/v1/households/{id}/plan/confirm",   O::Household, READ_HH, CADRE,   conflict,    B::PlanConfirm),
        route( "GET",  "/api/v1/households/{id}/plan/effect",    O::Household, READ_HH, READ_HH, Ok,          B::Nothing),
        route( "GET",  "/api/v1/plans/to-follow",                O::None,      READ_HH, READ_HH, Ok,          B::Nothing),
        route( "PUT",  "/api/v1/households/{id}/plan/helper",    O::Household, READ_HH, ASSIGN,  conflict,    B::HelperAssign),
        route( "POST", "/api/v1/households/{id}/measures",       O::Household, READ_HH, CADRE,   bad_field,   B::MeasureJson),
        route( "GET",  "/api/v1/households/{id}/visits",         O::Household, READ_HH, READ_HH, Ok,          B::Nothing),
        route( "POST", "/api/v1/households/{id}/visits",         O::Household, READ_HH, CADRE,   bad_field,   B::VisitJson),
        route( "GET",  "/api/v1/households/{id}/chain",          O::Household, READ_HH, READ_HH, Ok,          B::Nothing),
        route( "GET",  "/api/v1/measures",                       O::None,      READ_HH, READ_HH, Ok,          B::Nothing),
        route( "POST", "/api/v1/measures/{id}/stop",             O::Measure,   READ_HH, CADRE,   conflict,    B::StopJson),
        route( "GET",  "/api/v1/helpers",                        O::None,      READ_HH, READ_HH, Ok,          B::Nothing),
        route( "POST", "/api/v1/helpers",                        O::None,      ALL,     ADMIN,   bad_field,   B::HelperJson),
        route( "POST", "/api/v1/measure-lists",                  O::None,      FEEDS,   FEEDS,   bad_rows,    B::ListUpload),
        route( "GET",  "/api/v1/regions/{code}/chain-report",    O::Region,    READ_HH, READ_HH, Ok,          B::Nothing),
        // ---- pages: public
        public("GET",  "/login",                                 O::None,      B::Nothing),
        public("POST", "/login",                                 O::None,      B::LoginForm),
        public("POST", "/logout",                                O::None,      B::Nothing),
        public("GET",  "/lang/{lang}",                           O::None,      B::Nothing),
        public("GET",  "/static/app.css",                        O::None,      B::Nothing),
        public("GET",  "/static/{file}",                         O::None,      B::Nothing),
        public("GET",  "/declare",                               O::None,      B::Nothing),
        public("POST", "/declare",                               O::None,      B::DeclareForm),
        public("GET",  "/declare/status?reference={reference}",  O::Reference, B::Nothing),
        // ---- pages: registry and regions
        route( "GET",  "/",                                      O::None,      ALL,     ALL,     Ok,          B::Nothing),
        route( "GET",  "/regions/{code}",                        O::Region,    ALL,     ALL,     Ok,          B::Nothing),
        route( "GET",  "/regions/{code}/figures.xlsx",           O::Region,    ALL,     ALL,     Ok,          B::Nothing),
        // 统计与看板: every role reads the figures of its scope (and the branch above it)
        route( "GET",  "/figures/{code}",                        O::Region,    ALL,     ALL,     Ok,          B::Nothing),
        route( "GET",  "/figures/{code}/report.xlsx",            O::Region,    ALL,     ALL,     Ok,          B::Nothing),
        route( "GET",  "/figures/{code}/households",             O::Region,    ALL,     ALL,     Ok,          B::Nothing),
        route( "GET",  "/dashboard/{code}",                      O::Region,    ALL,     ALL,     Ok,          B::Nothing),
        route( "GET",  "/figures/{code}/key-counties",           O::Region,    ALL,     ALL,     Ok,          B::Nothing),
        // 绩效评价: who reads the figures of a region reads its evaluation
        route( "GET",  "/evaluation/{code}",                     O::Region,    ALL,     ALL,     Ok,          B::Nothing),
        route( "GET",  "/evaluation/{code}/scores.xlsx",         O::Region,    ALL,     ALL,     Ok,          B::Nothing),
        route( "GET",  "/households",                            O::None,      READ_HH, READ_HH, Ok,          B::Nothing),
        route( "GET",  "/households.xlsx",                       O::None,      READ_HH, READ_HH, Ok,          B::Nothing),
        route( "GET",  "/households/new",                        O::None,      EDIT,    EDIT,    Ok,          B::Nothing),
        route( "POST", "/households/new",                        O::Village,   EDIT,    EDIT,    taken,       B::HouseholdForm),
        route( "GET",  "/households/{id}",                       O::Household, READ_HH, READ_HH, Ok,          B::Nothing),
        // printables: the card to print and the 入户核查表 (IDs masked)
        route( "GET",  "/households/{id}/print",                 O::Household, READ_HH, READ_HH, Ok,          B::Nothing),
        route( "GET",  "/households/{id}/home-check-form",       O::Household, READ_HH, READ_HH, Ok,          B::Nothing),
        // full ID numbers and phones, audited: roles that see personal data (`privacy::may_reveal`)
        route( "POST", "/households/{id}/reveal",                O::Household, READ_HH, REVEAL,  Ok,          B::RevealForm),
        route( "GET",  "/households/{id}/edit",                  O::Household, EDIT,    EDIT,    Ok,          B::Nothing),
        route( "POST", "/households/{id}/edit",                  O::Household, EDIT,    EDIT,    stale,       B::HouseholdEditForm),
        route( "POST", "/households/{id}/edit",                  O::MoveTo,    EDIT,    EDIT,    stale,       B::HouseholdMoveForm),
        route( "GET",  "/households/{id}/members/new",           O::Household, EDIT,    EDIT,    Ok,          B::Nothing),
        route( "POST", "/households/{id}/members/new",           O::Household, EDIT,    EDIT,    stale,       B::MemberForm),
        route( "GET",  "/households/{id}/members/{pos}/edit",    O::Household, EDIT,    EDIT,    Ok,          B::Nothing),
        route( "POST", "/households/{id}/members/{pos}/edit",    O::Household, EDIT,    EDIT,    stale,       B::MemberEditForm),
        // ---- pages: cases
        route( "POST", "/households/{id}/lead",                  O::Household, WORK,    WORK,    Ok,          B::LeadForm),
        route( "GET",  "/inbox",                                 O::None,      WORK,    WORK,    Ok,          B::Nothing),
        route( "GET",  "/inbox.xlsx",                            O::None,      WORK,    WORK,    Ok,          B::Nothing),
        route( "GET",  "/cases/{id}",                            O::Case,      WORK,    WORK,    Ok,          B::Nothing),
        route( "POST", "/cases/{id}/events",                     O::Case,      WORK,    WORK,    stale,       B::EventForm),
        route( "POST", "/cases/{id}/decision",                   O::Case,      WORK,    WORK,    stale,       B::DecisionForm),
        route( "POST", "/cases/{id}/attachments",                O::Case,      WORK,    CADRE,   not_a_file,  B::AttachUpload),
        route( "GET",  "/attachments/{id}",                      O::Attachment, WORK,   WORK,    Ok,          B::Nothing),
        route( "GET",  "/overdue",                               O::None,      WORK,    WORK,    Ok,          B::Nothing),
        route( "GET",  "/overdue.xlsx",                          O::None,      WORK,    WORK,    Ok,          B::Nothing),
        route( "GET",  "/villages/{code}/notice",                O::Village,   WORK,    WORK,    Ok,          B::Nothing),
        route( "GET",  "/villages/{code}/notice.xlsx",           O::Village,   WORK,    WORK,    Ok,          B::Nothing),
        // ---- pages: feeds, screening, rules
        route( "GET",  "/feeds",                                 O::None,      FEEDS,   FEEDS,   Ok,          B::Nothing),
        route( "POST", "/feeds",                                 O::None,      FEEDS,   FEEDS,   Ok,          B::FeedPage),
        // a file checked, not loaded: its row report as a workbook
        route( "POST", "/feeds/errors.xlsx",                     O::None,      FEEDS,   FEEDS,   Ok,          B::FeedPage),
        route( "GET",  "/warnings",                              O::None,      WORK,    WORK,    Ok,          B::Nothing),
        route( "GET",  "/warnings.xlsx",                         O::None,      WORK,    WORK,    Ok,          B::Nothing),
        route( "GET",  "/warnings/{id}",                         O::Warning,   WORK,    WORK,    Ok,          B::Nothing),
        route( "POST", "/warnings/{id}/reveal",                  O::Warning,   WORK,    REVEAL,  Ok,          B::RevealForm),
        route( "POST", "/warnings/{id}/verify",                  O::Warning,   WORK,    WORK,    stale,       B::VerifyForm),
        route( "POST", "/warnings/{id}/dismiss",                 O::Warning,   WORK,    WORK,    stale,       B::DismissWarningForm),
        route( "POST", "/screening/run",                         O::None,      FEEDS,   FEEDS,   Ok,          B::Nothing),
        // ---- pages: 规模性风险预警
        route( "GET",  "/alerts",                                O::None,      WORK,    WORK,    Ok,          B::Nothing),
        route( "GET",  "/alerts/{id}",                           O::Alert,     WORK,    WORK,    Ok,          B::Nothing),
        route( "POST", "/alerts/{id}/resolve",                   O::Alert,     WORK,    RESOLVE, bad_form,    B::ResolveForm),
        // ---- pages: background jobs (cancelling an ended job shows it again)
        route( "GET",  "/jobs",                                  O::None,      FEEDS,   FEEDS,   Ok,          B::Nothing),
        route( "GET",  "/jobs/{id}",                             O::Job,       FEEDS,   FEEDS,   Ok,          B::Nothing),
        route( "POST", "/jobs/{id}/cancel",                      O::Job,       FEEDS,   FEEDS,   Ok,          B::Nothing),
        route( "GET",  "/rules",                                 O::None,      ALL,     ALL,     Ok,          B::Nothing),
        route( "POST", "/rules",                                 O::RuleCounty, ADMIN,  ADMIN,   Ok,          B::RuleForm).outside(Absent(403)),
        route( "POST", "/rules/whatif",                          O::None,      FEEDS,   FEEDS,   Ok,          B::WhatIfForm),
        route( "POST", "/rules/whatif.xlsx",                     O::None,      FEEDS,   FEEDS,   Ok,          B::WhatIfForm),
        // ---- pages: assistance
        route( "GET",  "/regions/{code}/chain-report",           O::Region,    READ_HH, READ_HH, Ok,          B::Nothing),
        route( "GET",  "/households/{id}/assistance",            O::Household, READ_HH, READ_HH, Ok,          B::Nothing),
        route( "POST", "/households/{id}/assistance/visit",      O::Household, READ_HH, CADRE,   bad_form,    B::VisitForm),
        route( "POST", "/households/{id}/assistance/measure",    O::Household, READ_HH, CADRE,   bad_form,    B::MeasureForm),
        route( "POST", "/households/{id}/assistance/plan",       O::Household, READ_HH, CADRE,   stale,       B::PlanForm),
        route( "GET",  "/households/{id}/card-print",            O::Household, READ_HH, READ_HH, Ok,          B::Nothing),
        route( "GET",  "/helpers",                               O::None,      READ_HH, READ_HH, Ok,          B::Nothing),
        route( "POST", "/helpers",                               O::None,      ALL,     ADMIN,   bad_form,    B::HelperForm),
        route( "GET",  "/plans/to-follow",                       O::None,      READ_HH, READ_HH, Ok,          B::Nothing),
    ]
}

/// Whether an object in `region` lies in the scope `scope`. A region
/// itself is readable from inside and from below (its chain), as the
/// region figures are.
fn in_scope(obj: Obj, scope: &str, region: &str) -> bool {
    match obj {
        Obj::Region => region.starts_with(scope) || scope.starts_with(region),
        _ => region.starts_with(scope),
    }
}

/// The expected class of `route` on `target` for `caller`.
fn expect(route: &Route, caller: Option<&User>, target: &Target) -> Class {
    let Some(u) = caller else {
        return if route.reach == Who::Public {
            route.inside
        } else {
            Class::Unauthorized
        };
    };
    if !route.reach.lets(u.role) {
        return Class::Forbidden;
    }
    if let Some(region) = &target.region
        && !in_scope(route.obj, u.region, region)
    {
        return route.outside;
    }
    if !route.act.lets(u.role) {
        return Class::Forbidden;
    }
    route.inside
}

/// The (method, pattern) pairs the routers declare, read from their
/// source (`.route("…", get(…).post(…))`) in `src/` and its folders.
fn declared_routes() -> BTreeSet<(String, String)> {
    let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    let mut files = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("crates/web/src") {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut out = BTreeSet::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut rest = text.as_str();
        while let Some(i) = rest.find(".route(") {
            rest = &rest[i + ".route(".len()..];
            let q1 = rest.find('"').unwrap();
            let q2 = q1 + 1 + rest[q1 + 1..].find('"').unwrap();
            let pattern = rest[q1 + 1..q2].to_string();
            let mut depth = 1;
            let mut end = rest.len();
            for (j, c) in rest.char_indices().skip(q2 + 1) {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = j;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let handlers = rest[q2 + 1..end].trim_start_matches([',', ' ', '\n']);
            for m in ["get", "post", "put", "delete", "patch"] {
                if handlers.starts_with(&format!("{m}(")) || handlers.contains(&format!(".{m}(")) {
                    out.insert((m.to_uppercase(), pattern.clone()));
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------- the world

struct User {
    name: &'static str,
    role: Role,
    region: &'static str,
    token: String,
}

const USERS: &[(&str, Role, &str)] = &[
    ("cadre_a1", VillageCadre, A1),
    ("cadre_a2", VillageCadre, A2),
    ("cadre_b1", VillageCadre, B1),
    ("reviewer_a", TownshipReviewer, TOWN_A),
    ("reviewer_b", TownshipReviewer, TOWN_B),
    ("admin", CountyAdmin, COUNTY),
    ("officer", DataOfficer, COUNTY),
    ("viewer_county", Viewer, COUNTY),
    ("viewer_province", Viewer, "52"),
    ("admin_other", CountyAdmin, OTHER_COUNTY),
    ("officer_other", DataOfficer, OTHER_COUNTY),
    ("viewer_other", Viewer, OTHER_PROVINCE),
];

/// What the set-up made in one village.
struct Village {
    code: &'static str,
    /// The household the matrix aims at (its case is on notice).
    h1: i64,
    h1_number: String,
    /// (ID number, name) of h1's members, head first.
    h1_members: Vec<(String, String)>,
    /// The second household (its case waits for the township's review).
    h2: i64,
    case: i64,
    warning: i64,
    /// A village-level 规模性风险预警 resting on the warning.
    alert: i64,
    /// A measure recorded for h1 (housing renovation).
    measure: i64,
    /// A file attached to the case on notice (by the village cadre).
    attachment: i64,
    lead_open: i64,
    lead_done: i64,
    /// Household numbers, names and ID numbers that must not reach
    /// anyone outside the village's scope.
    markers: Vec<String>,
}

/// Something a route acts on.
#[derive(Clone, Debug)]
struct Target {
    /// Where it lies (`None`: nothing of a region).
    region: Option<String>,
    /// What fills the path's placeholder (id, code, reference) or the body.
    key: String,
    /// The village whose records the body is built from.
    village: Option<&'static str>,
    /// Sent only by callers outside its scope.
    cross_only: bool,
}

impl Target {
    fn plain() -> Target {
        Target {
            region: None,
            key: String::new(),
            village: None,
            cross_only: false,
        }
    }

    fn at(region: &str, key: impl ToString, village: Option<&'static str>) -> Target {
        Target {
            region: Some(region.to_string()),
            key: key.to_string(),
            village,
            cross_only: false,
        }
    }
}

/// A code of the same level and parent that is not in the division table.
fn sibling(code: &str) -> String {
    match code.len() {
        12 => format!("{}999", &code[..9]),
        9 => format!("{}999", &code[..6]),
        6 => format!("{}99", &code[..4]),
        4 => format!("{}99", &code[..2]),
        _ => "99".into(),
    }
}

/// An answer.
struct Answer {
    status: u16,
    location: Option<String>,
    body: String,
}

enum Payload {
    None,
    Json(Value),
    Form(Vec<(String, String)>),
    Upload {
        kind_field: bool,
    },
    /// A case attachment whose bytes are none of the types taken.
    Attachment,
}

/// The counts behind the summary line.
#[derive(Default)]
struct Tally {
    requests: usize,
    cross: usize,
    denied: usize,
    /// Answers that carried something from outside the caller's scope.
    leaks: usize,
    /// Answers to roles that may read diagnoses which carried one (the
    /// diagnosis is in the world, so its absence elsewhere means something).
    diagnoses_shown: usize,
    /// Answers to roles that may not read diagnoses, checked for one.
    diagnoses_checked: usize,
    /// Answers checked for full ID numbers (none outside a reveal).
    ids_checked: usize,
    /// Matrix requests per expected class.
    classes: BTreeMap<&'static str, usize>,
    failures: Vec<String>,
}

/// Row counts, version sums and audit rows: a refused write leaves them.
type Fingerprint = [i64; 16];
type FingerprintRow = (
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
);

const FINGERPRINT: &str = "SELECT
    (SELECT COUNT(*) FROM households), (SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM households),
    (SELECT COUNT(*) FROM members),
    (SELECT COUNT(*) FROM cases), (SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM cases),
    (SELECT COUNT(*) FROM case_events),
    (SELECT COUNT(*) FROM leads), (SELECT COUNT(*) FROM leads WHERE status = 'unmatched'),
    (SELECT COUNT(*) FROM warnings), (SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM warnings),
    (SELECT COUNT(*) FROM feed_batches), (SELECT COUNT(*) FROM feed_rows),
    (SELECT COUNT(*) FROM rule_sets), (SELECT COUNT(*) FROM screening_runs),
    (SELECT COUNT(*) FROM audit_log),
    (SELECT CAST((SELECT COUNT(*) FROM measures) + (SELECT COALESCE(SUM(version), 0) FROM measures)
        + (SELECT COUNT(*) FROM plans) + (SELECT COALESCE(SUM(version), 0) FROM plans)
        + (SELECT COUNT(*) FROM visits) + (SELECT COUNT(*) FROM helpers)
        + (SELECT COUNT(*) FROM measure_batches) + (SELECT COUNT(*) FROM case_attachments)
        + (SELECT COUNT(*) FROM alerts) + (SELECT COALESCE(SUM(version), 0) FROM alerts) AS BIGINT))";

struct World {
    app: App,
    /// No cookies, no redirects followed: each answer as sent.
    http: reqwest::Client,
    now: Arc<Mutex<DateTime<Utc>>>,
    users: Vec<User>,
    villages: BTreeMap<&'static str, Village>,
    reference: String,
    /// (county, job id): a job of each county.
    jobs: Vec<(&'static str, i64)>,
    serial: std::sync::atomic::AtomicU32,
}

fn json_of(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or(Value::Null)
}

/// A household of the API with these members (head first).
fn household_body(number: &str, village: &str, members: &[(String, String)]) -> Value {
    let ids: Vec<String> = members.iter().map(|m| m.0.clone()).collect();
    let mut h = common::household_json(number, village, &ids);
    for (i, (_, name)) in members.iter().enumerate() {
        h["members"][i]["name"] = json!(name);
    }
    h
}

/// The Guizhou rule set as a county's own set, in version `version`.
fn county_rules(county: &str, version: u32) -> String {
    include_str!("../../../rules/guizhou-2025.toml")
        .replace("region = \"52\"", &format!("region = \"{county}\""))
        .replace("version = 1", &format!("version = {version}"))
}

/// The diagnosis of every medical row of the world: health data that
/// only `Role::sees_health_data` roles may receive.
const DIAGNOSIS: &str = "肺炎";

fn medical_row(person: &str, day: NaiveDate, self_paid: u32) -> String {
    format!(
        "{person},张三,{day},住院,{},{},{self_paid},{DIAGNOSIS}\n",
        self_paid * 3,
        self_paid * 2
    )
}

const MEDICAL_HEADER: &str = "身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付,诊断\n";

fn pairs(items: &[(&str, String)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

impl World {
    fn today(&self) -> NaiveDate {
        dixian_domain::case::china_date(*self.now.lock().unwrap())
    }

    fn day(&self, offset: i64) -> String {
        (self.today() + Duration::days(offset)).to_string()
    }

    fn advance(&self, d: Duration) {
        *self.now.lock().unwrap() += d;
    }

    fn user(&self, name: &str) -> &User {
        self.users.iter().find(|u| u.name == name).unwrap()
    }

    fn next(&self) -> u32 {
        self.serial
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    async fn fingerprint(&self) -> Fingerprint {
        let r: FingerprintRow = self.app.store.pool.one(q(FINGERPRINT)).await.unwrap();
        [
            r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9, r.10, r.11, r.12, r.13, r.14, r.15,
        ]
    }

    async fn version(&self, table: &str, id: &str) -> i64 {
        let Ok(id) = id.parse::<i64>() else { return 1 };
        let v: Option<(i64,)> = self
            .app
            .store
            .pool
            .opt(q(format!("SELECT version FROM {table} WHERE id = $1")).bind(id))
            .await
            .unwrap();
        v.map_or(1, |v| v.0)
    }

    /// Markers of the villages outside `scope` (all of them for no scope).
    fn foreign_markers(&self, scope: Option<&str>) -> Vec<&str> {
        self.villages
            .values()
            .filter(|v| scope.is_none_or(|s| !v.code.starts_with(s)))
            .flat_map(|v| v.markers.iter().map(String::as_str))
            .collect()
    }

    /// Sends a request as `caller` (`None`: no token; `Some("")`: a bad one).
    async fn send(
        &self,
        token: Option<&str>,
        method: &str,
        path: &str,
        payload: &Payload,
    ) -> Answer {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.app.url));
        match token {
            Some("") => req = req.bearer_auth("not-a-session-token"),
            Some(t) => req = req.bearer_auth(t),
            None => {}
        }
        if method != Method::GET {
            // Page posts carry their origin (the CSRF check of the pages).
            req = req.header("Origin", &self.app.url);
        }
        req = match payload {
            Payload::None => req,
            Payload::Json(v) => req.json(v),
            Payload::Form(f) => req.form(f),
            Payload::Upload { kind_field } => {
                let csv = format!("{MEDICAL_HEADER}not-an-id,张三,2026-01-01,住院,100,50,50,\n");
                let part = reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("bad.csv");
                let mut form = reqwest::multipart::Form::new();
                if *kind_field {
                    form = form.text("kind", "medical");
                }
                req.multipart(form.part("file", part))
            }
            Payload::Attachment => {
                let part = reqwest::multipart::Part::bytes(b"not a picture".to_vec())
                    .file_name("not-a-picture.txt");
                req.multipart(reqwest::multipart::Form::new().part("file", part))
            }
        };
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = r.bytes().await.unwrap();
        let mut body = String::from_utf8_lossy(&bytes).into_owned();
        // Long work runs as a job (202 from the API, 303 to /jobs/{id}
        // from a page): wait for it to end, so that the next request of
        // the county does not meet it running; the API's answer becomes
        // the ended job (its `result`).
        let job = match (status, location.as_deref()) {
            (202, _) => serde_json::from_str::<Value>(&body)
                .ok()
                .and_then(|v| v["id"].as_i64()),
            (303, Some(l)) if l.starts_with("/jobs/") => l["/jobs/".len()..].parse().ok(),
            _ => None,
        };
        if let (Some(id), Some(t)) = (job, token.filter(|t| !t.is_empty())) {
            let ended = self.wait_job(t, id).await;
            if status == 202 {
                body = ended.to_string();
            }
        }
        Answer {
            status,
            location,
            body,
        }
    }

    /// Polls the job `id` until it ends (at most 60 s).
    async fn wait_job(&self, token: &str, id: i64) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let r = self
                .http
                .get(format!("{}/api/v1/jobs/{id}", self.app.url))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "job {id} readable by its starter");
            let job: Value = r.json().await.unwrap();
            if !matches!(job["status"].as_str(), Some("queued" | "running")) {
                return job;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "job {id} did not end: {job}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Sends and checks that the answer carries nothing from outside the
    /// caller's scope.
    async fn ask(
        &self,
        tally: &mut Tally,
        caller: Caller<'_>,
        method: &str,
        path: &str,
        payload: &Payload,
    ) -> Answer {
        let a = self.send(caller.token(), method, path, payload).await;
        tally.requests += 1;
        // What the caller sent may come back (a form refilled, a search
        // box): that tells them nothing.
        let sent = match payload {
            Payload::Json(v) => format!("{path} {v}"),
            Payload::Form(f) => format!("{path} {f:?}"),
            _ => path.to_string(),
        };
        for m in self.foreign_markers(caller.scope()) {
            if a.body.contains(m) && !sent.contains(m) {
                tally.leaks += 1;
                tally.failures.push(format!(
                    "LEAK {} {method} {path}: the answer carries {m} from outside the scope",
                    caller.label()
                ));
            }
        }
        self.check_personal_data(tally, caller, method, path, &sent, &a);
        a
    }

    /// Every API route and page, every role: a diagnosis reaches only the
    /// roles that may read health data; a full ID number only the answer
    /// to a reveal (全号查看) — lists, cards and forms show masked ones.
    fn check_personal_data(
        &self,
        tally: &mut Tally,
        caller: Caller<'_>,
        method: &str,
        path: &str,
        sent: &str,
        a: &Answer,
    ) {
        let carries_diagnosis = a.body.contains(DIAGNOSIS) && !sent.contains(DIAGNOSIS);
        match caller.user() {
            Some(u) if u.role.sees_health_data() => {
                tally.diagnoses_shown += usize::from(carries_diagnosis);
            }
            _ => {
                tally.diagnoses_checked += 1;
                if carries_diagnosis {
                    tally.failures.push(format!(
                        "HEALTH {} {method} {path}: a diagnosis reached a role that may not read it",
                        caller.label()
                    ));
                }
            }
        }
        // A reveal shows one record in full; the data exchange
        // (docs/exchange.md) sends full ID numbers to the partner system's
        // data-officer account by design, every page audited. Who reaches
        // either is checked by the table above.
        if path.contains("reveal") || path.starts_with("/api/v1/exchange/") {
            return;
        }
        tally.ids_checked += 1;
        let full_ids = self
            .villages
            .values()
            .flat_map(|v| v.h1_members.iter().map(|(id, _)| id.as_str()));
        for id in full_ids {
            if a.body.contains(id) && !sent.contains(id) {
                tally.failures.push(format!(
                    "FULL ID {} {method} {path}: a full ID number outside a reveal",
                    caller.label()
                ));
            }
        }
    }

    /// The household the caller works on (the first of its scope).
    fn home(&self, caller: Option<&User>) -> Option<&Village> {
        let u = caller?;
        self.villages
            .values()
            .find(|v| v.code.starts_with(u.region))
    }

    fn targets(&self, obj: Obj) -> Vec<Target> {
        let vs = || self.villages.values();
        match obj {
            Obj::None => vec![Target::plain()],
            Obj::Region => ["52", COUNTY, OTHER_COUNTY, TOWN_A, TOWN_B, A1, A2, B1]
                .iter()
                .map(|c| Target::at(c, c, None))
                .collect(),
            Obj::Village | Obj::MoveTo => vs()
                .map(|v| Target::at(v.code, v.code, Some(v.code)))
                .collect(),
            Obj::Household => vs()
                .map(|v| Target::at(v.code, v.h1, Some(v.code)))
                .collect(),
            Obj::Case => vs()
                .map(|v| Target::at(v.code, v.case, Some(v.code)))
                .collect(),
            Obj::Warning => vs()
                .map(|v| Target::at(v.code, v.warning, Some(v.code)))
                .collect(),
            Obj::Alert => vs()
                .map(|v| Target::at(v.code, v.alert, Some(v.code)))
                .collect(),
            Obj::Measure => vs()
                .map(|v| Target::at(v.code, v.measure, Some(v.code)))
                .collect(),
            Obj::Attachment => vs()
                .map(|v| Target::at(v.code, v.attachment, Some(v.code)))
                .collect(),
            Obj::Person => vs()
                .map(|v| Target::at(v.code, &v.h1_members[0].0, Some(v.code)))
                .collect(),
            Obj::Lead => vs()
                .flat_map(|v| {
                    let done = Target::at(v.code, v.lead_done, Some(v.code));
                    let open = Target {
                        cross_only: true,
                        ..Target::at(v.code, v.lead_open, Some(v.code))
                    };
                    [done, open]
                })
                .collect(),
            Obj::RuleCounty => [COUNTY, OTHER_COUNTY]
                .iter()
                .map(|c| Target::at(c, c, None))
                .collect(),
            Obj::Reference => vec![Target {
                key: self.reference.clone(),
                ..Target::plain()
            }],
            Obj::Job => self
                .jobs
                .iter()
                .map(|(county, id)| Target::at(county, id, None))
                .collect(),
        }
    }

    /// The made-up counterpart of `t`: same place, no such record.
    fn made_up(&self, obj: Obj, t: &Target) -> Target {
        let key = match obj {
            Obj::Region | Obj::Village | Obj::MoveTo | Obj::RuleCounty => sibling(&t.key),
            Obj::Person => id("1991-06-06", 950),
            _ => MADE_UP_ID.to_string(),
        };
        Target { key, ..t.clone() }
    }

    fn path(&self, route: &Route, caller: Option<&User>, t: &Target) -> String {
        let key = match route.obj {
            Obj::MoveTo => self
                .home(caller)
                .unwrap_or(&self.villages[A1])
                .h1
                .to_string(),
            _ => t.key.clone(),
        };
        route
            .path
            .replace("{id}", &key)
            .replace("{code}", &key)
            .replace("{reference}", &key)
            .replace("{kind}", "medical")
            .replace("{pos}", "0")
            .replace("{lang}", "en")
            .replace("{file}", "feeds.js")
    }

    /// The body of `route` on `t`. Where access is expected the version is
    /// stale (nothing may be written); where it is refused the version is
    /// current, so that a missing check would have written.
    async fn payload(
        &self,
        route: &Route,
        caller: Option<&User>,
        t: &Target,
        class: Class,
    ) -> Payload {
        let stale = matches!(class, Class::Passed(..));
        let village = t.village.map(|v| &self.villages[v]);
        let home = self.home(caller).unwrap_or(&self.villages[A1]);
        let version = |table: &'static str, id: String| async move {
            if stale {
                999
            } else {
                self.version(table, &id).await
            }
        };
        let n = self.next();
        let rules = |county: &str| county_rules(county, 1);
        let member = |id_number: String, name: &str, relation: &str| {
            vec![
                ("m_id_number", id_number),
                ("m_name", name.to_string()),
                ("m_relation", relation.to_string()),
                ("m_labor", "full".into()),
                ("m_illness", "healthy".into()),
                ("m_insurance", "insured".into()),
                ("m_employment", "farming".into()),
            ]
        };
        let household_fields = |number: &str, village: &str| {
            vec![
                ("number", number.to_string()),
                ("village", village.to_string()),
                ("address", "测试地址".to_string()),
                ("housing", "B".to_string()),
                ("water", "secure".to_string()),
                ("wage", "20000".to_string()),
            ]
        };
        match route.body {
            Body::Nothing => Payload::None,
            Body::LoginJson => Payload::Json(json!({"username": "admin", "password": PASSWORD})),
            Body::LoginForm => Payload::Form(pairs(&[
                ("username", "admin".into()),
                ("password", PASSWORD.into()),
            ])),
            Body::DeclarationJson => Payload::Json(json!({
                "name": "公众测试", "id_number": id("1993-08-08", 970), "village": A1,
                "phone": "13912345678", "risk_types": ["illness"], "note": "家人住院"})),
            Body::DeclareForm => Payload::Form(pairs(&[
                ("name", "公众测试".into()),
                ("id_number", id("1993-08-08", 970)),
                ("village_code", A1.into()),
                ("phone", "13912345678".into()),
                ("what_happened", "家人住院".into()),
            ])),
            Body::HouseholdJson => {
                // a new household whose head is the village's registered head: refused for that
                let v = village.unwrap();
                let head = vec![(v.h1_members[0].0.clone(), "新户主".to_string())];
                Payload::Json(household_body(&format!("MX-NEW-{n}"), &t.key, &head))
            }
            Body::HouseholdForm => {
                let v = village.unwrap();
                let mut f = household_fields(&format!("MX-NEW-{n}"), &t.key);
                f.extend(member(v.h1_members[0].0.clone(), "新户主", "head"));
                Payload::Form(pairs(&f))
            }
            Body::HouseholdPut => {
                let v = village.unwrap();
                let mut h = household_body(&v.h1_number, v.code, &v.h1_members);
                h["income"]["wage"] = json!(1);
                Payload::Json(
                    json!({"version": version("households", t.key.clone()).await, "household": h}),
                )
            }
            Body::HouseholdMove => {
                let h = household_body(&home.h1_number, &t.key, &home.h1_members);
                Payload::Json(
                    json!({"version": version("households", home.h1.to_string()).await, "household": h}),
                )
            }
            Body::HouseholdEditForm => {
                let v = village.unwrap();
                let mut f = household_fields(&v.h1_number, v.code);
                f.push((
                    "version",
                    version("households", t.key.clone()).await.to_string(),
                ));
                Payload::Form(pairs(&f))
            }
            Body::HouseholdMoveForm => {
                let mut f = household_fields(&home.h1_number, &t.key);
                f.push((
                    "version",
                    version("households", home.h1.to_string()).await.to_string(),
                ));
                Payload::Form(pairs(&f))
            }
            Body::MemberJson => {
                let mut m =
                    common::household_json("x", A1, &[id("1992-07-07", 960)])["members"][0].clone();
                m["relation"] = json!("other");
                m["name"] = json!("新成员");
                Payload::Json(
                    json!({"version": version("households", t.key.clone()).await, "member": m}),
                )
            }
            Body::MemberForm => {
                let mut f = member(id("1992-07-07", 960), "新成员", "child");
                f.push((
                    "version",
                    version("households", t.key.clone()).await.to_string(),
                ));
                Payload::Form(pairs(&f))
            }
            Body::MemberEditForm => {
                let v = village.unwrap();
                let mut f = member(v.h1_members[0].0.clone(), "改名", "head");
                f.push((
                    "version",
                    version("households", t.key.clone()).await.to_string(),
                ));
                Payload::Form(pairs(&f))
            }
            Body::LeadJson => Payload::Json(json!({"channel": "cadre_sweep",
                "household_id": t.key.parse::<i64>().unwrap(), "risk_types": ["illness"], "note": "走访发现"})),
            Body::LeadByPerson => Payload::Json(json!({"channel": "cadre_sweep",
                "id_number": t.key, "risk_types": ["illness"], "note": "走访发现"})),
            Body::LeadForm => Payload::Form(pairs(&[
                ("note", "走访发现".into()),
                ("risk_types", "illness".into()),
            ])),
            Body::MatchJson => {
                // the lead's village household when the caller sees it, else the caller's own
                let v = village.unwrap();
                let h = if caller.is_some_and(|u| v.code.starts_with(u.region)) {
                    v.h1
                } else {
                    home.h1
                };
                Payload::Json(json!({"household_id": h}))
            }
            Body::DismissLeadJson => Payload::Json(json!({"reason": "非本村村民"})),
            Body::EventJson => {
                Payload::Json(json!({"version": version("cases", t.key.clone()).await,
                "event": {"kind": "notice_end"}}))
            }
            Body::EventForm => Payload::Form(pairs(&[
                ("kind", "notice_end".into()),
                ("version", version("cases", t.key.clone()).await.to_string()),
            ])),
            Body::DecisionForm => Payload::Form(pairs(&[
                ("kind", "township_review".into()),
                ("decision", "approve".into()),
                ("reason", "材料齐全".into()),
                ("version", version("cases", t.key.clone()).await.to_string()),
            ])),
            Body::AttachUpload => Payload::Attachment,
            Body::VerifyJson => Payload::Json(
                json!({"version": version("warnings", t.key.clone()).await, "note": "入户核实"}),
            ),
            Body::DismissWarningJson => Payload::Json(
                json!({"version": version("warnings", t.key.clone()).await, "reason": "已报销"}),
            ),
            Body::ResolveJson => Payload::Json(
                json!({"version": version("alerts", t.key.clone()).await, "resolution": "  "}),
            ),
            Body::ResolveForm => Payload::Form(pairs(&[
                (
                    "version",
                    version("alerts", t.key.clone()).await.to_string(),
                ),
                ("text", " ".into()),
            ])),
            Body::VerifyForm => Payload::Form(pairs(&[
                (
                    "version",
                    version("warnings", t.key.clone()).await.to_string(),
                ),
                ("text", "入户核实".into()),
            ])),
            Body::DismissWarningForm => Payload::Form(pairs(&[
                (
                    "version",
                    version("warnings", t.key.clone()).await.to_string(),
                ),
                ("text", "已报销".into()),
            ])),
            Body::RunJson => Payload::Json(json!({})),
            Body::ExchangeJson => Payload::Json(
                json!({"format": "dixian-exchange/0", "type": "measures", "region": COUNTY,
                "generated_at": "2026-01-01T00:00:00Z", "since": null, "next": null, "records": []}),
            ),
            Body::RuleJson => {
                Payload::Json(json!({"file_name": "county.toml", "source": rules(&t.key)}))
            }
            Body::RuleForm => Payload::Form(pairs(&[
                ("file_name", "county.toml".into()),
                ("source", rules(&t.key)),
            ])),
            Body::WhatIfJson => Payload::Json(
                json!({"file_name": "draft.toml", "source": county_rules(COUNTY, 2),
                "from": self.day(-90), "to": self.day(0)}),
            ),
            Body::WhatIfForm => Payload::Form(pairs(&[
                ("file_name", "draft.toml".into()),
                ("source", county_rules(COUNTY, 2)),
                ("from", self.day(-90)),
                ("to", self.day(0)),
            ])),
            Body::FeedUpload | Body::ListUpload => Payload::Upload { kind_field: false },
            Body::PlanPut => Payload::Json(
                json!({"version": 99, "plan": {"household": "", "status": "draft",
                "helper": null, "starts_on": self.day(0), "review_on": self.day(0), "measures": []}}),
            ),
            Body::MeasureJson => {
                Payload::Json(json!({"person": null, "kind": "housing_renovation",
                "department": "housing", "amount_fen": -1, "starts_on": self.day(-10), "ends_on": null,
                "status": "ongoing", "source": "cadre", "evidence": ""}))
            }
            Body::VisitJson => Payload::Json(
                json!({"visited_on": self.day(-1), "period_from": self.day(-90),
                "period_to": self.day(-1), "income": {"wage_fen": 0, "business_fen": 0, "property_fen": 0,
                "transfer_fen": 0}, "persons": 0, "needs": {"food": true, "clothing": true, "schooling": true,
                "medical": true, "housing": true, "water": true}, "measures": [], "note": ""}),
            ),
            Body::HelperJson => {
                Payload::Json(json!({"name": "", "unit": "县农业农村局", "phone": "13900000000"}))
            }
            Body::HelperAssign => Payload::Json(json!({"version": 99, "helper": null})),
            Body::PlanConfirm => Payload::Json(json!({"version": 99})),
            Body::StopJson => Payload::Json(json!({"version": 99, "ends_on": self.day(0)})),
            Body::FeedPage => Payload::Upload { kind_field: true },
            Body::RevealForm => Payload::Form(pairs(&[("reason", "入户核实".into())])),
            Body::VisitForm => Payload::Form(pairs(&[
                ("visited_on", self.day(-1)),
                ("period_from", self.day(-90)),
                ("period_to", self.day(-1)),
                ("wage", "0".into()),
                ("persons", "0".into()),
            ])),
            Body::MeasureForm => Payload::Form(pairs(&[
                ("person", "0".into()),
                ("kind", "housing_renovation".into()),
                ("department", "housing".into()),
                ("amount", "-1".into()),
                ("starts_on", self.day(-10)),
                ("status", "ongoing".into()),
            ])),
            Body::PlanForm => Payload::Form(pairs(&[
                ("action", "confirm".into()),
                ("version", "99".into()),
            ])),
            Body::HelperForm => Payload::Form(pairs(&[
                ("name", "".into()),
                ("unit", "县农业农村局".into()),
                ("phone", "13900000000".into()),
            ])),
        }
    }
}

/// Who sends a request.
#[derive(Clone, Copy)]
enum Caller<'a> {
    Anonymous,
    BadToken,
    User(&'a User),
}

impl<'a> Caller<'a> {
    fn token(self) -> Option<&'a str> {
        match self {
            Caller::Anonymous => None,
            Caller::BadToken => Some(""),
            Caller::User(u) => Some(&u.token),
        }
    }

    fn user(self) -> Option<&'a User> {
        match self {
            Caller::User(u) => Some(u),
            _ => None,
        }
    }

    fn scope(self) -> Option<&'a str> {
        self.user().map(|u| u.region)
    }

    fn label(self) -> String {
        match self {
            Caller::Anonymous => "(no token)".into(),
            Caller::BadToken => "(bad token)".into(),
            Caller::User(u) => format!("{} [{} {}]", u.name, u.role.code(), u.region),
        }
    }
}

fn matches(class: Class, route: &Route, a: &Answer) -> bool {
    let to_login = a.location.as_deref() == Some("/login");
    match class {
        Class::Ok => {
            (200..300).contains(&a.status)
                || (route.is_page()
                    && (300..400).contains(&a.status)
                    && (route.reach == Who::Public || !to_login))
        }
        Class::Passed(s, hint) => a.status == s && a.body.contains(hint),
        Class::Forbidden => a.status == 403,
        Class::Absent(s) => a.status == s,
        Class::Unauthorized => {
            if route.is_page() {
                a.status == 303 && to_login
            } else {
                a.status == 401
            }
        }
    }
}

fn short(body: &str) -> String {
    body.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(200)
        .collect()
}

// ---------------------------------------------------------------- set-up

async fn post_ok(app: &App, token: &str, path: &str, body: &Value) -> Value {
    // long work answers when its job ends (App::job_result)
    let r = app.post_job(token, path, body).await;
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert!(status.is_success(), "{path}: {status} {v}");
    v
}

async fn setup(backend: Backend) -> Option<World> {
    // The clock starts 40 days back: notices run their days, cases fall overdue.
    let now = Arc::new(Mutex::new(Utc::now() - Duration::days(40)));
    let read = now.clone();
    let clock = dixian_web::Clock::new(move || *read.lock().unwrap());
    let app = common::spawn_app_with(backend, |s| {
        s.with_clock(clock).with_declarations_per_hour(100_000)
    })
    .await?;
    let pool = &app.store.pool;
    for code in ["52", "5205", COUNTY, TOWN_A, TOWN_B, A1, A2, B1] {
        assert!(
            dixian_store::regions::get(pool, &code.parse().unwrap())
                .await
                .unwrap()
                .is_some(),
            "{code} in the division table"
        );
    }
    // A neighbouring county and another province, for users outside.
    pool.execute(q(
        "INSERT INTO regions (code, level, name, parent) VALUES ('520527', 3, '赫章县', '5205'), ('53', 1, '云南省', NULL)",
    ))
    .await
    .unwrap();
    for code in ["52", COUNTY, OTHER_COUNTY, TOWN_A, TOWN_B, A1, A2, B1] {
        let made_up = sibling(code);
        assert!(
            dixian_store::regions::get(pool, &made_up.parse().unwrap())
                .await
                .unwrap()
                .is_none(),
            "{made_up} is made up"
        );
    }
    let mut users = Vec::new();
    for &(name, role, region) in USERS {
        let token = app.user(name, role, region).await;
        users.push(User {
            name,
            role,
            region,
            token,
        });
    }
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut w = World {
        app,
        http,
        now,
        users,
        villages: BTreeMap::new(),
        reference: String::new(),
        jobs: Vec::new(),
        serial: std::sync::atomic::AtomicU32::new(0),
    };
    let admin = w.user("admin").token.clone();
    let officer = w.user("officer").token.clone();

    // Households: two per village, distinct names and numbers.
    for (i, code) in VILLAGES.iter().enumerate() {
        let tag = ["A1", "A2", "B1"][i];
        let surname = ["赵", "钱", "孙"][i];
        let base = 100 * (i as u16 + 1);
        let h1_members = vec![
            (id("1970-01-01", base + 1), format!("{surname}甲一")),
            (id("1972-02-02", base + 2), format!("{surname}甲二")),
        ];
        let h2_members = vec![(id("1965-03-03", base + 3), format!("{surname}乙一"))];
        let h1_number = format!("MX-{tag}-1");
        let h2_number = format!("MX-{tag}-2");
        let h1 = post_ok(
            &w.app,
            &admin,
            "/api/v1/households",
            &household_body(&h1_number, code, &h1_members),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        let h2 = post_ok(
            &w.app,
            &admin,
            "/api/v1/households",
            &household_body(&h2_number, code, &h2_members),
        )
        .await["id"]
            .as_i64()
            .unwrap();
        let declarants = [
            (id("1980-04-04", base + 11), format!("{surname}申一")),
            (id("1981-05-05", base + 12), format!("{surname}申二")),
        ];
        let mut markers = vec![h1_number.clone(), h2_number];
        for (idn, name) in h1_members.iter().chain(&h2_members).chain(&declarants) {
            markers.push(idn.clone());
            markers.push(name.clone());
        }
        w.villages.insert(
            *code,
            Village {
                code,
                h1,
                h1_number,
                h1_members,
                h2,
                case: 0,
                warning: 0,
                alert: 0,
                measure: 0,
                attachment: 0,
                lead_open: 0,
                lead_done: 0,
                markers,
            },
        );
    }

    // A department warning in each village: a medical feed and a run.
    let settled = w.today() - Duration::days(10);
    let mut csv = MEDICAL_HEADER.to_string();
    for v in w.villages.values() {
        csv.push_str(&medical_row(&v.h1_members[0].0, settled, 15000));
    }
    let part = reqwest::multipart::Part::bytes(csv.into_bytes()).file_name(COUNTY_FEED);
    let r = w
        .app
        .client
        .post(format!("{}/api/v1/feeds/medical", w.app.url))
        .bearer_auth(&officer)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    let r = w.app.job_result(&officer, r).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let run = post_ok(
        &w.app,
        &officer,
        "/api/v1/screening/runs",
        &json!({"as_of": w.day(0)}),
    )
    .await;
    assert_eq!(run["warnings_raised"], 3, "{run}");
    let warnings: Vec<(i64, String)> = w
        .app
        .store
        .pool
        .all(q("SELECT w.id, h.village_code FROM warnings w JOIN households h ON h.id = w.household_id"))
        .await
        .unwrap();
    for (wid, village) in warnings {
        w.villages.get_mut(village.as_str()).unwrap().warning = wid;
    }
    // A village-level alert in each village, resting on its warning.
    for v in w.villages.values_mut() {
        let village = dixian_domain::RegionCode::parse(v.code).unwrap();
        let found = dixian_domain::alerts::Detected {
            region: village.clone(),
            level: dixian_domain::RegionLevel::Village,
            risk: dixian_domain::RiskType::Illness,
            window_from: settled,
            window_to: settled,
            households: 1,
            baseline_mean: 0.0,
            baseline_sigma: 0.0,
            baseline_windows: 8,
            threshold: 3.0,
            severity: dixian_domain::Severity::Low,
            evidence: vec![dixian_domain::alerts::AlertEvent {
                on: settled,
                village,
                risk: dixian_domain::RiskType::Illness,
                household: v.h1,
                source: dixian_domain::alerts::EventSource::Warning,
                source_id: v.warning,
            }],
        };
        let out = dixian_store::alerts::record(&w.app.store.pool, &[found], "matrix", Utc::now())
            .await
            .unwrap();
        v.alert = out.raised[0];
    }

    // Cases: one taken through its notice to the township's review, then
    // one put on notice; a cadre of the village does the village's steps.
    let codes: Vec<&'static str> = VILLAGES.to_vec();
    let cadres = ["cadre_a1", "cadre_a2", "cadre_b1"];
    let mut at_review = Vec::new();
    for (code, cadre) in codes.iter().zip(cadres) {
        let token = w.user(cadre).token.clone();
        let h2 = w.villages[code].h2;
        at_review.push(open_to_notice(&w, &token, h2).await);
    }
    w.advance(Duration::days(5));
    for (cadre, case) in cadres.iter().zip(&at_review) {
        let token = w.user(cadre).token.clone();
        post_ok(
            &w.app,
            &token,
            &format!("/api/v1/cases/{case}/events"),
            &json!({"version": 5, "event": {"kind": "notice_end"}}),
        )
        .await;
    }
    for (code, cadre) in codes.iter().zip(cadres) {
        let token = w.user(cadre).token.clone();
        let h1 = w.villages[code].h1;
        let case = open_to_notice(&w, &token, h1).await;
        w.villages.get_mut(code).unwrap().case = case;
    }

    // Attachments: a photo of the signed consent on each case on notice,
    // uploaded by the village's cadre.
    for (code, cadre) in codes.iter().zip(cadres) {
        let token = w.user(cadre).token.clone();
        let case = w.villages[code].case;
        let png = b"\x89PNG\r\n\x1a\n consent photo".to_vec();
        let part = reqwest::multipart::Part::bytes(png).file_name("承诺授权书.png");
        let r = w
            .http
            .post(format!("{}/api/v1/cases/{case}/attachments", w.app.url))
            .bearer_auth(&token)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201, "attachment of {code}");
        let v: Value = r.json().await.unwrap();
        w.villages.get_mut(code).unwrap().attachment = v["id"].as_i64().unwrap();
    }

    // Assistance: a measure recorded by each village's cadre for h1.
    for (code, cadre) in codes.iter().zip(cadres) {
        let token = w.user(cadre).token.clone();
        let h1 = w.villages[code].h1;
        let m = json!({"person": null, "kind": "housing_renovation", "department": "housing",
            "amount_fen": 1_000_000, "starts_on": w.day(-20), "ends_on": null, "status": "ongoing",
            "source": "cadre", "evidence": "危改批复"});
        let id = post_ok(
            &w.app,
            &token,
            &format!("/api/v1/households/{h1}/measures"),
            &m,
        )
        .await["id"]
            .as_i64()
            .unwrap();
        w.villages.get_mut(code).unwrap().measure = id;
    }

    // Declarations: one left for the village, one dismissed by it.
    for (i, (code, cadre)) in codes.iter().zip(cadres).enumerate() {
        let token = w.user(cadre).token.clone();
        let surname = ["赵", "钱", "孙"][i];
        let base = 100 * (i as u16 + 1);
        let mut ids = Vec::new();
        for (k, (idn, name)) in [
            (id("1980-04-04", base + 11), format!("{surname}申一")),
            (id("1981-05-05", base + 12), format!("{surname}申二")),
        ]
        .into_iter()
        .enumerate()
        {
            let r = w
                .app
                .client
                .post(format!("{}/api/v1/public/declarations", w.app.url))
                .json(&json!({"name": name, "id_number": idn, "village": code,
                    "phone": "13912345678", "risk_types": ["illness"], "note": "家里有人住院"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
            let receipt: Value = r.json().await.unwrap();
            assert_eq!(receipt["status"], "received", "{receipt}");
            let reference = receipt["reference"].as_str().unwrap().to_string();
            let (lead,): (i64,) = w
                .app
                .store
                .pool
                .one(q("SELECT id FROM leads WHERE reference = $1").bind(reference.as_str()))
                .await
                .unwrap();
            if k == 0 && i == 0 {
                w.reference = reference;
            }
            ids.push(lead);
        }
        post_ok(
            &w.app,
            &token,
            &format!("/api/v1/leads/{}/dismiss", ids[1]),
            &json!({"reason": "重复申报"}),
        )
        .await;
        let v = w.villages.get_mut(code).unwrap();
        v.lead_open = ids[0];
        v.lead_done = ids[1];
    }

    // The neighbouring county loads a file naming a person of 520526: it
    // matches nobody there (the person is not theirs to know).
    let other = w.user("officer_other").token.clone();
    let person = w.villages[A1].h1_members[0].0.clone();
    let csv = format!(
        "{MEDICAL_HEADER}{}",
        medical_row(&person, settled - Duration::days(3), 9000)
    );
    let part = reqwest::multipart::Part::bytes(csv.into_bytes()).file_name(OTHER_FEED);
    let r = w
        .app
        .client
        .post(format!("{}/api/v1/feeds/medical", w.app.url))
        .bearer_auth(&other)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    let r = w.app.job_result(&other, r).await;
    assert_eq!(r.status(), 200);
    let loaded: Value = r.json().await.unwrap();
    // a job of each county, ended, for the jobs' lines of the table
    for county in [COUNTY, OTHER_COUNTY] {
        let (id,): (i64,) = w
            .app
            .store
            .pool
            .one(q("SELECT MIN(id) FROM jobs WHERE region_code = $1").bind(county))
            .await
            .unwrap();
        w.jobs.push((county, id));
    }
    assert_eq!(
        (
            loaded["outcome"]["matched"].as_i64(),
            loaded["outcome"]["unknown"].as_i64()
        ),
        (Some(0), Some(1)),
        "another county's upload does not find 520526's people: {loaded}"
    );

    // A month on: every case is overdue.
    w.advance(Duration::days(30));
    Some(w)
}

/// Opens a case for `household` by a lead of the village's cadre and
/// takes it to a notice of five days; returns the case.
async fn open_to_notice(w: &World, cadre: &str, household: i64) -> i64 {
    let r = post_ok(
        &w.app,
        cadre,
        "/api/v1/leads",
        &json!({"channel": "cadre_sweep", "household_id": household, "risk_types": ["illness"], "note": "走访发现"}),
    )
    .await;
    let case = r["case_id"].as_i64().unwrap();
    let steps = [
        json!({"kind": "home_check", "findings": "四看：家有病人", "asset_check_consent_signed": true, "visited_on": w.day(0)}),
        json!({"kind": "data_comparison", "results": "医保报销记录相符", "findings": [{"feed": "medical", "finding": "consistent"}]}),
        json!({"kind": "deliberation", "held_on": w.day(0), "attendees": 12, "approve": true, "note": "同意纳入"}),
        json!({"kind": "notice_start", "start": w.day(0), "end": w.day(4)}),
    ];
    for (v, event) in steps.into_iter().enumerate() {
        post_ok(
            &w.app,
            cadre,
            &format!("/api/v1/cases/{case}/events"),
            &json!({"version": v + 1, "event": event}),
        )
        .await;
    }
    case
}

// ---------------------------------------------------------------- the matrix

async fn run_matrix(w: &World, tally: &mut Tally) {
    let table = routes();
    // Every declared route has a line.
    let declared = declared_routes();
    println!(
        "  {} routes declared by the routers, {} lines in the table",
        declared.len(),
        table.len()
    );
    let covered: BTreeSet<(String, String)> = table
        .iter()
        .map(|r| (r.method.to_string(), r.pattern().to_string()))
        .collect();
    // Routes with no object and no scope, tested on their own: the API
    // logout revokes the caller's own token (hardening.rs), and running
    // it here would end the callers' sessions before the leak checks.
    let exempt: BTreeSet<(String, String)> =
        [("POST".to_string(), "/api/v1/auth/logout".to_string())].into();
    let missing: Vec<_> = declared
        .difference(&covered)
        .filter(|r| !exempt.contains(*r))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without a line in the access matrix: {missing:?}"
    );
    assert!(
        declared.len() >= 60,
        "the routers' source was read: {declared:?}"
    );

    let mut callers = vec![Caller::Anonymous, Caller::BadToken];
    callers.extend(w.users.iter().map(Caller::User));
    for route in &table {
        for (ti, t) in w.targets(route.obj).iter().enumerate() {
            for &caller in &callers {
                let user = caller.user();
                if user.is_none() && ti > 0 {
                    continue; // without a login one target tells it all
                }
                let inside = match (user, &t.region) {
                    (Some(u), Some(r)) => in_scope(route.obj, u.region, r),
                    _ => true,
                };
                if t.cross_only && (user.is_none() || inside) {
                    continue;
                }
                let class = expect(route, user, t);
                let cross = user.is_some() && !inside;
                let ok = probe(w, tally, route, caller, t, class).await;
                if cross {
                    tally.cross += 1;
                    if ok {
                        tally.denied += 1;
                    }
                }
            }
        }
    }
}

/// One request of the matrix, checked; whether it went as expected.
async fn probe(
    w: &World,
    tally: &mut Tally,
    route: &Route,
    caller: Caller<'_>,
    t: &Target,
    class: Class,
) -> bool {
    let user = caller.user();
    let path = w.path(route, user, t);
    let payload = w.payload(route, user, t, class).await;
    let refused_write = route.method != "GET" && class != Class::Ok;
    let before = if refused_write {
        Some(w.fingerprint().await)
    } else {
        None
    };
    let failures = tally.failures.len();
    let a = w.ask(tally, caller, route.method, &path, &payload).await;
    let name = match class {
        Class::Ok => "allowed",
        Class::Passed(..) => "allowed (refused for content)",
        Class::Forbidden => "forbidden",
        Class::Absent(_) => "absent",
        Class::Unauthorized => "unauthorized",
    };
    *tally.classes.entry(name).or_default() += 1;
    let what = format!(
        "{} {} {path} [{:?}]",
        caller.label(),
        route.method,
        route.obj
    );
    if !matches(class, route, &a) {
        tally.failures.push(format!(
            "{what}: expected {class:?}, got {} {} {}",
            a.status,
            a.location.as_deref().unwrap_or(""),
            short(&a.body)
        ));
    }
    if let Some(before) = before {
        let after = w.fingerprint().await;
        if after != before {
            tally.failures.push(format!(
                "{what}: a refused write changed {before:?} → {after:?}"
            ));
        }
    }
    if let Class::Absent(_) = class
        && route.obj != Obj::None
    {
        // The same request for a made-up object: the same answer.
        let m = w.made_up(route.obj, t);
        let path = w.path(route, user, &m);
        let payload = w.payload(route, user, &m, class).await;
        let b = w.ask(tally, caller, route.method, &path, &payload).await;
        let same = if route.is_page() {
            a.body == b.body
        } else {
            json_of(&a.body) == json_of(&b.body)
        };
        if a.status != b.status || !same {
            tally.failures.push(format!(
                "{what}: out of scope answers {} {} but a made-up object {} {}",
                a.status,
                short(&a.body),
                b.status,
                short(&b.body)
            ));
        }
    }
    tally.failures.len() == failures
}

// ---------------------------------------------------------------- leak checks

/// Households and (all) warnings per village, as stored.
async fn per_village(w: &World, sql: &str) -> BTreeMap<String, i64> {
    let rows: Vec<(String, i64)> = w.app.store.pool.all(q(sql)).await.unwrap();
    rows.into_iter().collect()
}

fn covered_sum(counts: &BTreeMap<String, i64>, scope: &str, under: &str) -> i64 {
    counts
        .iter()
        .filter(|(v, _)| v.starts_with(scope) && v.starts_with(under))
        .map(|(_, n)| n)
        .sum()
}

async fn leak_checks(w: &World, tally: &mut Tally) {
    let households = per_village(
        w,
        "SELECT village_code, COUNT(*) FROM households GROUP BY village_code",
    )
    .await;
    let warnings = per_village(
        w,
        "SELECT h.village_code, COUNT(*) FROM warnings w JOIN households h ON h.id = w.household_id GROUP BY h.village_code",
    )
    .await;
    for u in &w.users {
        let caller = Caller::User(u);
        let foreign: Vec<&Village> = w
            .villages
            .values()
            .filter(|v| !v.code.starts_with(u.region))
            .collect();
        let mine: Vec<&Village> = w
            .villages
            .values()
            .filter(|v| v.code.starts_with(u.region))
            .collect();
        let outside = !foreign.is_empty();
        let reads = READ_HH.contains(&u.role);
        let works = WORK.contains(&u.role);
        // A check holds if its answers were right and carried nothing
        // from outside the scope (the marker check of `ask`).
        let seen = std::cell::Cell::new(tally.leaks);
        let check = |tally: &mut Tally, ok: bool, what: String| {
            let ok = ok && tally.leaks == seen.get();
            seen.set(tally.leaks);
            if outside {
                tally.cross += 1;
                if ok {
                    tally.denied += 1;
                }
            }
            if !ok {
                tally
                    .failures
                    .push(format!("LEAK {}: {what}", caller.label()));
            }
        };
        let in_mine = |code: &str| code.starts_with(u.region);

        // The household list, and its searches for the other scope's people.
        let a = w
            .ask(
                tally,
                caller,
                "GET",
                "/api/v1/households?per_page=200",
                &Payload::None,
            )
            .await;
        let v = json_of(&a.body);
        let ok = if reads {
            let items = v["items"].as_array().cloned().unwrap_or_default();
            let expected = covered_sum(&households, u.region, "");
            a.status == 200
                && v["total"].as_i64() == Some(expected)
                // the check below is vacuous on an empty page
                && (expected == 0 || !items.is_empty())
                && items
                    .iter()
                    .all(|h| in_mine(h["village_code"].as_str().unwrap_or("")))
        } else {
            a.status == 403
        };
        check(
            tally,
            ok,
            format!("household list: {} {}", a.status, short(&a.body)),
        );
        for f in &foreign {
            let head = &f.h1_members[0];
            for query in [
                format!("region={}", f.code),
                format!("id_number={}", head.0),
                format!("id_number={}", &head.0[12..]),
                format!("name={}", head.1),
                format!("region={}&name={}", f.code, head.1),
            ] {
                let path = format!("/api/v1/households?{query}");
                let a = w.ask(tally, caller, "GET", &path, &Payload::None).await;
                let ok = if reads {
                    a.status == 200 && json_of(&a.body)["total"] == 0
                } else {
                    a.status == 403
                };
                check(
                    tally,
                    ok,
                    format!("{path}: {} {}", a.status, short(&a.body)),
                );
                let page = format!("/households?{query}");
                let a = w.ask(tally, caller, "GET", &page, &Payload::None).await;
                check(
                    tally,
                    a.status == if reads { 200 } else { 403 },
                    format!("{page}: {}", a.status),
                );
            }
            let path = format!("/api/v1/warnings?region={}&status=all", f.code);
            let a = w.ask(tally, caller, "GET", &path, &Payload::None).await;
            let ok = if works {
                a.status == 200 && json_of(&a.body)["total"] == 0
            } else {
                a.status == 403
            };
            check(
                tally,
                ok,
                format!("{path}: {} {}", a.status, short(&a.body)),
            );
        }

        // Work lists: warnings, inbox, overdue (each non-empty where the scope has some).
        let a = w
            .ask(
                tally,
                caller,
                "GET",
                "/api/v1/warnings?status=all&per_page=200",
                &Payload::None,
            )
            .await;
        let v = json_of(&a.body);
        let ok = if works {
            let rows = v["warnings"].as_array().cloned().unwrap_or_default();
            let expected = covered_sum(&warnings, u.region, "");
            a.status == 200
                && v["total"].as_i64() == Some(expected)
                // every row of the scope on the one page (per_page=200)
                && rows.len() as i64 == expected
                && rows
                    .iter()
                    .all(|r| in_mine(r["village_code"].as_str().unwrap_or("")))
        } else {
            a.status == 403
        };
        check(
            tally,
            ok,
            format!("warning list: {} {}", a.status, short(&a.body)),
        );
        let a = w
            .ask(tally, caller, "GET", "/api/v1/inbox", &Payload::None)
            .await;
        let v = json_of(&a.body);
        let ok = if works {
            let cases = v["cases"].as_array().cloned().unwrap_or_default();
            let leads = v["leads"].as_array().cloned().unwrap_or_default();
            let expected_some =
                matches!(u.role, VillageCadre | TownshipReviewer) && !mine.is_empty();
            a.status == 200
                && cases
                    .iter()
                    .all(|c| in_mine(c["village_code"].as_str().unwrap_or("")))
                && leads
                    .iter()
                    .all(|l| in_mine(l["village_code"].as_str().unwrap_or("")))
                && (!expected_some || !cases.is_empty())
        } else {
            a.status == 403
        };
        check(tally, ok, format!("inbox: {} {}", a.status, short(&a.body)));
        let a = w
            .ask(
                tally,
                caller,
                "GET",
                "/api/v1/cases/overdue",
                &Payload::None,
            )
            .await;
        let v = json_of(&a.body);
        let ok = if works {
            let towns = v.as_array().cloned().unwrap_or_default();
            let cases: Vec<Value> = towns
                .iter()
                .flat_map(|t| t["cases"].as_array().cloned().unwrap_or_default())
                .collect();
            a.status == 200
                && cases
                    .iter()
                    .all(|c| in_mine(c["village_code"].as_str().unwrap_or("")))
                && cases.len() == 2 * mine.len()
        } else {
            a.status == 403
        };
        check(
            tally,
            ok,
            format!("overdue: {} {}", a.status, short(&a.body)),
        );

        // Region figures: only the scope counted, only the branch to it listed.
        for code in ["52", COUNTY, OTHER_COUNTY, TOWN_A, TOWN_B, A1, A2, B1] {
            if !in_scope(Obj::Region, u.region, code) {
                continue;
            }
            let a = w
                .ask(
                    tally,
                    caller,
                    "GET",
                    &format!("/api/v1/regions/{code}"),
                    &Payload::None,
                )
                .await;
            let v = json_of(&a.body);
            let children = v["children"].as_array().cloned().unwrap_or_default();
            let counted: i64 = children
                .iter()
                .map(|c| c["households"].as_i64().unwrap_or(0))
                .sum();
            let branch_only = children.iter().all(|c| {
                let c = c["region"]["code"].as_str().unwrap_or("");
                in_scope(Obj::Region, u.region, c)
            });
            let want = if code.len() == 12 {
                0
            } else {
                covered_sum(&households, u.region, code)
            };
            check(
                tally,
                a.status == 200 && counted == want && branch_only,
                format!(
                    "region {code}: counted {counted}, want {want}: {}",
                    short(&a.body)
                ),
            );
        }

        // Pages (the marker check reads them all), with the scope's own records shown.
        let own_region = format!("/regions/{}", u.region);
        for page in [
            "/households",
            "/warnings?status=all",
            "/inbox",
            "/overdue",
            "/feeds",
            "/rules",
            own_region.as_str(),
        ] {
            let a = w.ask(tally, caller, "GET", page, &Payload::None).await;
            let shows_own = match page {
                "/households" if reads => mine.iter().all(|v| a.body.contains(&v.h1_number)),
                "/warnings?status=all" | "/overdue" if works => {
                    mine.iter().all(|v| a.body.contains(&v.h1_number))
                }
                _ => true,
            };
            check(
                tally,
                a.status < 500 && shows_own,
                format!("page {page}: {}", a.status),
            );
        }

        // Notices of the scope's villages: their own households only.
        for v in &mine {
            if !works {
                continue;
            }
            let a = w
                .ask(
                    tally,
                    caller,
                    "GET",
                    &format!("/api/v1/villages/{}/notice", v.code),
                    &Payload::None,
                )
                .await;
            let heads: Vec<String> = json_of(&a.body)["entries"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|e| e["head_name"].as_str().unwrap_or("").to_string())
                .collect();
            check(
                tally,
                heads == vec![v.h1_members[0].1.clone()],
                format!("notice of {}: {heads:?}", v.code),
            );
            let r = w
                .http
                .get(format!("{}/villages/{}/notice.xlsx", w.app.url, v.code))
                .bearer_auth(&u.token)
                .send()
                .await
                .unwrap();
            tally.requests += 1;
            let status = r.status().as_u16();
            let bytes = r.bytes().await.unwrap().to_vec();
            let text = if status == 200 {
                sheet_text(bytes)
            } else {
                String::new()
            };
            let foreign_in_sheet: Vec<&str> = w
                .foreign_markers(Some(u.region))
                .into_iter()
                .filter(|m| text.contains(m))
                .collect();
            check(
                tally,
                status == 200 && text.contains(&v.h1_members[0].1) && foreign_in_sheet.is_empty(),
                format!("notice.xlsx of {}: {status} {foreign_in_sheet:?}", v.code),
            );
        }

        // Feed batches and the last run: the county's own.
        let a = w
            .ask(tally, caller, "GET", "/api/v1/feeds", &Payload::None)
            .await;
        let files: Vec<String> = json_of(&a.body)
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|b| b["file_name"].as_str().unwrap_or("").to_string())
            .collect();
        // batches are the county's: seen from the county or above only
        let sees = |county: &str| county.starts_with(u.region);
        let ok = a.status == 200
            && files.contains(&COUNTY_FEED.to_string()) == sees(COUNTY)
            && files.contains(&OTHER_FEED.to_string()) == sees(OTHER_COUNTY);
        check(tally, ok, format!("feed batches: {files:?}"));
        let a = w
            .ask(
                tally,
                caller,
                "GET",
                "/api/v1/screening/runs/last",
                &Payload::None,
            )
            .await;
        let v = json_of(&a.body);
        let ok = a.status == 200
            && (v.is_null()
                || u.region
                    .starts_with(v["region_code"].as_str().unwrap_or("-")));
        check(tally, ok, format!("last run: {}", short(&a.body)));

        // A what-if replays the caller's own rows only.
        if FEEDS.contains(&u.role) {
            let body = json!({"file_name": "draft.toml", "source": county_rules(COUNTY, 2), "from": w.day(-90), "to": w.day(0)});
            let a = w
                .ask(
                    tally,
                    caller,
                    "POST",
                    "/api/v1/rules/whatif",
                    &Payload::Json(body),
                )
                .await;
            let job = json_of(&a.body);
            let rows = job["result"]["rows"].as_i64();
            let want = if u.region == COUNTY {
                rows.is_some_and(|n| n >= 3)
            } else {
                rows == Some(0)
            };
            check(
                tally,
                a.status == 202 && job["status"] == "succeeded" && want,
                format!("what-if rows {rows:?}"),
            );
        }

        // Errors do not say where a person outside the scope is registered.
        if let (true, Some(home)) = (EDIT.contains(&u.role), mine.first()) {
            for f in &foreign {
                let head = f.h1_members[0].clone();
                let before = w.fingerprint().await;
                let body = household_body(
                    &format!("MX-NEW-{}", w.next()),
                    home.code,
                    std::slice::from_ref(&head),
                );
                let a = w
                    .ask(
                        tally,
                        caller,
                        "POST",
                        "/api/v1/households",
                        &Payload::Json(body),
                    )
                    .await;
                let msg = json_of(&a.body)["error"]["message"]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                let ok = a.status == 422
                    && msg.contains("outside your area")
                    && !msg.contains(&f.h1_number);
                check(
                    tally,
                    ok,
                    format!(
                        "new household with a person of {}: {} {msg}",
                        f.code, a.status
                    ),
                );
                let mut m =
                    common::household_json("x", home.code, std::slice::from_ref(&head.0))["members"][0].clone();
                m["relation"] = json!("other");
                let version = w.version("households", &home.h1.to_string()).await;
                let body = json!({"version": version, "member": m});
                let path = format!("/api/v1/households/{}/members", home.h1);
                let a = w
                    .ask(tally, caller, "POST", &path, &Payload::Json(body))
                    .await;
                let msg = json_of(&a.body)["error"]["message"]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                let ok = a.status == 422
                    && msg.contains("outside your area")
                    && !msg.contains(&f.h1_number);
                check(
                    tally,
                    ok,
                    format!("member from {}: {} {msg}", f.code, a.status),
                );
                check(
                    tally,
                    w.fingerprint().await == before,
                    "the refused writes changed nothing".into(),
                );
            }
        }
    }
}

/// The cells of the notice sheet, as one text.
fn sheet_text(bytes: Vec<u8>) -> String {
    use calamine::{Reader, Xlsx};
    let mut book = Xlsx::new(std::io::Cursor::new(bytes)).expect("an xlsx workbook");
    let range = book.worksheet_range("公示").expect("the notice sheet");
    range
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect::<Vec<_>>()
        .join("|")
}

// ---------------------------------------------------------------- the test

async fn access_matrix(backend: Backend) {
    let started = std::time::Instant::now();
    let Some(w) = setup(backend).await else {
        return;
    };
    // The role sets of the table are role.rs's.
    let by = |f: fn(Role) -> bool| -> Vec<Role> { ALL.iter().copied().filter(|r| f(*r)).collect() };
    assert_eq!(by(Role::reads_households), READ_HH);
    assert_eq!(by(Role::edits_registry), EDIT);
    assert_eq!(by(Role::loads_feeds), FEEDS);
    assert_eq!(by(Role::sees_personal_data), REVEAL);
    assert_eq!(dixian_domain::case::LEAD_ROLES, WORK);
    let set_up = started.elapsed();

    let mut tally = Tally::default();
    run_matrix(&w, &mut tally).await;
    leak_checks(&w, &mut tally).await;

    let pct = if tally.cross == 0 {
        0.0
    } else {
        100.0 * tally.denied as f64 / tally.cross as f64
    };
    println!(
        "access matrix: {} requests, {} cross-scope attempts, {} denied ({:.0} %)",
        tally.requests, tally.cross, tally.denied, pct
    );
    println!("  expected classes: {:?}", tally.classes);
    println!(
        "  ({backend:?}: {} table lines × {} callers; set-up {:.1} s, matrix and leak checks {:.1} s)",
        routes().len(),
        w.users.len() + 2,
        set_up.as_secs_f64(),
        (started.elapsed() - set_up).as_secs_f64()
    );
    assert!(
        tally.failures.is_empty(),
        "{} of the access matrix's checks failed:\n{}",
        tally.failures.len(),
        tally.failures.join("\n")
    );
    assert!(tally.cross > 0);
    assert_eq!(
        tally.denied, tally.cross,
        "every cross-scope attempt denied"
    );
    println!(
        "  personal data: {} answers to roles without health data checked for a diagnosis \
         ({} answers to the others showed one), {} answers checked for full ID numbers",
        tally.diagnoses_checked, tally.diagnoses_shown, tally.ids_checked
    );
    assert!(
        tally.diagnoses_shown > 0 && tally.diagnoses_checked > 0 && tally.ids_checked > 0,
        "the personal-data checks saw nothing"
    );
}

on_both_backends!(access_matrix);
