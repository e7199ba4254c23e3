//! The case workflow's use cases called without HTTP, on both backends:
//! a cadre's lead opens a case and events move it under the rule book in
//! force; another village's case reads as absent and takes no event; a
//! role that opens no leads is refused; a resident's declaration waits in
//! its village's inbox with the declarant's ID number and phone masked
//! unless revealed (recorded first); overdue, notice and elimination check
//! answer inside the scope only.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::{VILLAGE_A, VILLAGE_B, actor, id, setup_two_villages};
use dixian_app::AppError;
use dixian_app::cases;
use dixian_app::registry::Reveal;
use dixian_app::rules::Policies;
use dixian_app::views::{mask_id, mask_phone};
use dixian_domain::case::china_date;
use dixian_domain::{CaseEvent, CaseStage, Channel, EventKind, RefusalKind, RiskType, Role};
use dixian_screen::RuleBook;
use dixian_store::cases::{Declaration, IncomingLead, LeadStatus};
use dixian_store::db::q;
use dixian_store::testing::Backend;
use dixian_store::{Store, StoreError};
use std::sync::Arc;

const PHONE: &str = "13712345678";

fn policies() -> Policies {
    Policies(Arc::new(RuleBook::shipped()))
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap()
}

/// How a use case refused, by kind (the web maps the same kinds).
fn refusal(e: AppError) -> &'static str {
    match e {
        AppError::Store(StoreError::NotFound) => "not_found",
        AppError::Store(StoreError::Forbidden) => "forbidden",
        AppError::Store(StoreError::Conflict { .. }) => "conflict",
        AppError::Store(StoreError::Invalid(_)) => "invalid",
        AppError::Store(StoreError::Refused(r)) => match r.kind() {
            RefusalKind::NotPermitted => "forbidden",
            RefusalKind::NotFound => "not_found",
            RefusalKind::Unprocessable => "invalid",
        },
        other => panic!("not a refusal: {other:?}"),
    }
}

async fn household_id(store: &Store, number: &str) -> i64 {
    let (id,): (i64,) = store
        .pool
        .one(q("SELECT id FROM households WHERE number = $1").bind(number))
        .await
        .unwrap();
    id
}

fn sweep(household: i64) -> IncomingLead {
    IncomingLead {
        channel: Channel::CadreSweep,
        household_id: Some(household),
        id_number: None,
        risk_types: vec![RiskType::Illness],
        note: "走访发现户主患病住院".into(),
    }
}

async fn a_lead_opens_a_case_and_events_move_it(backend: Backend) {
    let Some((store, officer, _d)) = setup_two_villages(backend).await else {
        return;
    };
    let p = policies();
    let cadre = actor(Role::VillageCadre, VILLAGE_A);
    let cadre_b = actor(Role::VillageCadre, VILLAGE_B);
    let h1 = household_id(&store, "H1").await;

    // Roles that open no leads are refused; another village's household
    // is absent.
    let e = cases::open_lead(&store, &officer, &sweep(h1), start(), &p)
        .await
        .unwrap_err();
    assert_eq!(refusal(e), "forbidden");
    let e = cases::open_lead(&store, &cadre_b, &sweep(h1), start(), &p)
        .await
        .unwrap_err();
    assert_eq!(refusal(e), "not_found");

    let r = cases::open_lead(&store, &cadre, &sweep(h1), start(), &p)
        .await
        .unwrap();
    assert_eq!(r.status, LeadStatus::Opened);
    let case_id = r.case_id.expect("a case");
    let detail = cases::case(&store, &cadre, case_id, start(), &p)
        .await
        .unwrap();
    assert_eq!(detail.case.stage, CaseStage::HomeCheck);
    assert!(detail.allowed_events.contains(&EventKind::HomeCheck));
    assert!(detail.overdue.is_none());

    // The home check moves it on; the same version twice is stale.
    let check = CaseEvent::HomeCheck {
        findings: "入户核查：自付医疗费用较高".into(),
        asset_check_consent_signed: true,
        visited_on: china_date(start()),
    };
    let at = start() + Duration::hours(3);
    let e = cases::record_event(&store, &cadre_b, case_id, detail.version, &check, at, &p)
        .await
        .unwrap_err();
    assert_eq!(refusal(e), "not_found");
    let after = cases::record_event(&store, &cadre, case_id, detail.version, &check, at, &p)
        .await
        .unwrap();
    assert_eq!(after.case.stage, CaseStage::DataComparison);
    let e = cases::record_event(&store, &cadre, case_id, detail.version, &check, at, &p)
        .await
        .unwrap_err();
    assert_eq!(refusal(e), "conflict");
    let detail = cases::case(&store, &cadre, case_id, at, &p).await.unwrap();
    assert_eq!(detail.events.len(), 1);
    assert_eq!(detail.events[0].event.kind(), EventKind::HomeCheck);

    // Reads: absent to another village, refused to a role without cases.
    let e = cases::case(&store, &cadre_b, case_id, at, &p)
        .await
        .unwrap_err();
    assert_eq!(refusal(e), "not_found");
    let viewer = actor(Role::Viewer, "520526");
    let e = cases::case(&store, &viewer, case_id, at, &p)
        .await
        .unwrap_err();
    assert_eq!(refusal(e), "forbidden");
    let page = cases::case_page(&store, &cadre, case_id, at, &p)
        .await
        .unwrap();
    assert_eq!(page.head, "测试");
    let timeline = cases::timeline(&store, &cadre, h1).await.unwrap();
    assert!(timeline.len() >= 2, "{timeline:?}");
    let e = cases::timeline(&store, &cadre_b, h1).await.unwrap_err();
    assert_eq!(refusal(e), "not_found");

    // Not monitored yet: no elimination check; none for another village.
    let e = cases::elimination_check(&store, &cadre, case_id, at, &p, None)
        .await
        .unwrap_err();
    assert_eq!(refusal(e), "invalid");
    let e = cases::elimination_check(&store, &cadre_b, case_id, at, &p, None)
        .await
        .unwrap_err();
    assert_eq!(refusal(e), "not_found");

    // Left at data comparison for two months: overdue, in scope only.
    let later = start() + Duration::days(60);
    let county = actor(Role::CountyAdmin, "520526");
    let late = cases::overdue(&store, &county, later, &p).await.unwrap();
    let ids: Vec<i64> = late
        .iter()
        .flat_map(|t| t.cases.iter().map(|c| c.case_id))
        .collect();
    assert_eq!(ids, [case_id]);
    assert!(
        cases::overdue(&store, &cadre_b, later, &p)
            .await
            .unwrap()
            .is_empty()
    );
    let inbox = cases::inbox(&store, &cadre, later, &p, None).await.unwrap();
    assert_eq!(inbox.cases.len(), 1);
    assert!(inbox.cases[0].overdue.is_some());

    // Nobody is on notice yet; another village's notice is absent.
    let notice = cases::notice(&store, &cadre, VILLAGE_A, at).await.unwrap();
    assert!(notice.lines.is_empty());
    assert_eq!(notice.village_code, VILLAGE_A);
    let e = cases::notice(&store, &cadre_b, VILLAGE_A, at)
        .await
        .unwrap_err();
    assert_eq!(refusal(e), "not_found");
}

async fn reveals(store: &Store) -> i64 {
    let (n,): (i64,) = store
        .pool
        .one(q(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'reveal' AND entity = 'lead'",
        ))
        .await
        .unwrap();
    n
}

async fn a_declaration_waits_masked_in_its_village(backend: Backend) {
    let Some((store, officer, _d)) = setup_two_villages(backend).await else {
        return;
    };
    let p = policies();
    let person = id("1988-08-18", 31);
    let d = Declaration {
        name: "王五".into(),
        id_number: person.clone(),
        village: VILLAGE_A.into(),
        phone: PHONE.into(),
        risk_types: vec![RiskType::Illness],
        note: "家人住院".into(),
    };
    let r = cases::declare(&store, &d, start(), &p).await.unwrap();
    assert_eq!(r.status, LeadStatus::Unmatched);
    let status = cases::public_status(&store, &r.reference).await.unwrap();
    assert_eq!(status.reference, r.reference);

    // The village's inbox holds it, masked; a masked read is no reveal.
    let cadre = actor(Role::VillageCadre, VILLAGE_A);
    let inbox = cases::inbox(&store, &cadre, start(), &p, None)
        .await
        .unwrap();
    assert_eq!(inbox.leads.len(), 1);
    let lead = &inbox.leads[0];
    assert_eq!(lead.reference, r.reference);
    assert_eq!(
        lead.declarant_id_number.as_deref(),
        Some(mask_id(&person).as_str())
    );
    assert_eq!(
        lead.declarant_phone.as_deref(),
        Some(mask_phone(PHONE).as_str())
    );
    let text = serde_json::to_string(&inbox).unwrap();
    assert!(!text.contains(&person) && !text.contains(PHONE), "{text}");
    assert_eq!(reveals(&store).await, 0);

    // Revealed: in full, one audit row per declaration shown.
    let reveal = Reveal::because(Some("回访"));
    let inbox = cases::inbox(&store, &cadre, start(), &p, Some(&reveal))
        .await
        .unwrap();
    assert_eq!(
        inbox.leads[0].declarant_id_number.as_deref(),
        Some(person.as_str())
    );
    assert_eq!(inbox.leads[0].declarant_phone.as_deref(), Some(PHONE));
    assert_eq!(reveals(&store).await, 1);

    // Another village does not see it; a data officer has no inbox.
    let cadre_b = actor(Role::VillageCadre, VILLAGE_B);
    let other = cases::inbox(&store, &cadre_b, start(), &p, None)
        .await
        .unwrap();
    assert!(other.leads.is_empty(), "{other:?}");
    let e = cases::inbox(&store, &officer, start(), &p, None)
        .await
        .unwrap_err();
    assert_eq!(refusal(e), "forbidden");

    // Matched to a household of the village, it opens a case there;
    // another village may not match it.
    let h2 = household_id(&store, "H2").await;
    let h3 = household_id(&store, "H3").await;
    let e = cases::match_lead(&store, &cadre_b, r.lead_id, h3, start(), &p)
        .await
        .unwrap_err();
    assert_ne!(refusal(e), "conflict");
    let matched = cases::match_lead(&store, &cadre, r.lead_id, h2, start(), &p)
        .await
        .unwrap();
    assert!(matched.case_id.is_some(), "{matched:?}");
    let e = cases::dismiss_lead(&store, &cadre, r.lead_id, "重复", start())
        .await
        .unwrap_err();
    assert_eq!(refusal(e), "invalid", "already handled");
}

macro_rules! on_both_backends {
    ($($name:ident),+) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

on_both_backends!(
    a_lead_opens_a_case_and_events_move_it,
    a_declaration_waits_masked_in_its_village
);
