//! The registry's use cases called without HTTP, on both backends: the
//! household view masks ID numbers and phones unless revealed (the reveal
//! recorded first, refused to roles that may not), withholds health from
//! roles that neither record nor review it; another village's household
//! reads as absent; a role that edits nothing is refused; the writes
//! (create, update as sent back masked, members added, changed, removed)
//! and the export (reason required, audited) work end to end.

mod common;

use common::{VILLAGE_A, VILLAGE_B, actor, household_in, id, setup_two_villages};
use dixian_app::AppError;
use dixian_app::registry::{self, Reveal};
use dixian_app::views::{HEALTH_FIELDS, mask_id, mask_phone};
use dixian_domain::{
    DisabilityKind, Illness, LaborCapacity, Member, RefusalKind, RegionCode, Relation, Role,
};
use dixian_screen::RuleBook;
use dixian_store::db::q;
use dixian_store::households::HouseholdFilter;
use dixian_store::testing::Backend;
use dixian_store::{Actor, Store, StoreError};

const PHONE: &str = "13912345678";

fn today() -> chrono::NaiveDate {
    common::date(2026, 3, 1)
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

async fn reveals(store: &Store) -> i64 {
    let (n,): (i64,) = store
        .pool
        .one(q(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'reveal' AND entity = 'household'",
        ))
        .await
        .unwrap();
    n
}

/// A member of a household who is chronically ill and disabled, with a
/// phone.
fn ill_member(person: &str) -> Member {
    Member {
        id_number: person.parse().unwrap(),
        name: "李四".into(),
        relation: Relation::Spouse,
        labor: LaborCapacity::Weak,
        disability_kind: Some(DisabilityKind::Physical),
        disability_grade: Some(2),
        illness: Illness::Chronic,
        student_stage: None,
        student_status: None,
        insurance: dixian_domain::InsuranceStatus::Insured,
        employment: dixian_domain::EmploymentStatus::Farming,
        phone: Some(PHONE.into()),
    }
}

/// H4 of village A: a head and [`ill_member`]; returns its id.
async fn household_with_ill_member(store: &Store) -> (i64, String) {
    let person = id("1972-07-07", 21);
    let mut h = household_in(VILLAGE_A, "H4", &id("1970-03-03", 19));
    h.members.push(ill_member(&person));
    let op = Actor::operator(RegionCode::parse("520526").unwrap());
    let hid = registry::create(store, &op, &h).await.unwrap();
    (hid, person)
}

async fn the_view_masks_unless_revealed(backend: Backend) {
    let Some((store, officer, _d)) = setup_two_villages(backend).await else {
        return;
    };
    let (hid, person) = household_with_ill_member(&store).await;
    let cadre = actor(Role::VillageCadre, VILLAGE_A);

    // Masked: ID number and phone, for the cadre too; health shown to
    // the role that records it.
    let before = reveals(&store).await;
    let v = registry::household(&store, &cadre, hid, None, today())
        .await
        .unwrap();
    assert!(!v.revealed);
    let m = &v.household.members[1];
    assert_eq!(m.id_number, mask_id(&person));
    assert_eq!(m.phone.as_deref(), Some(mask_phone(PHONE).as_str()));
    assert_eq!(m.health.as_ref().map(|h| h.illness), Some(Illness::Chronic));
    assert!(v.withheld.is_empty());
    let text = serde_json::to_string(&v).unwrap();
    assert!(!text.contains(&person) && !text.contains(PHONE), "{text}");
    assert!(text.contains("\"illness\":\"chronic\""), "{text}");
    assert!(!text.contains("withheld"), "{text}");
    assert_eq!(reveals(&store).await, before, "a masked read is no reveal");

    // Revealed: in full, after one audit row.
    let reveal = Reveal::because(Some("入户核实"));
    let v = registry::household(&store, &cadre, hid, Some(&reveal), today())
        .await
        .unwrap();
    assert!(v.revealed);
    assert_eq!(v.household.members[1].id_number, person);
    assert_eq!(v.household.members[1].phone.as_deref(), Some(PHONE));
    assert_eq!(reveals(&store).await, before + 1);

    // A data officer may read the household, masked and without health,
    // and may not reveal it (nothing recorded).
    let v = registry::household(&store, &officer, hid, None, today())
        .await
        .unwrap();
    let members = &v.household.members;
    assert!(!members.is_empty());
    assert!(members.iter().all(|m| m.health.is_none()), "{v:?}");
    assert_eq!(v.withheld, HEALTH_FIELDS);
    let text = serde_json::to_string(&v).unwrap();
    for field in HEALTH_FIELDS {
        assert!(!text.contains(&format!("\"{field}\":")), "{text}");
    }
    assert!(!text.contains(&person) && !text.contains(PHONE), "{text}");
    let e = registry::household(&store, &officer, hid, Some(&reveal), today())
        .await
        .unwrap_err();
    assert_eq!(refusal(e), "forbidden");
    assert_eq!(reveals(&store).await, before + 1);

    // The card shows the same view; lists always mask.
    let card = registry::card(&store, &cadre, hid, None, today())
        .await
        .unwrap();
    assert_eq!(card.view.household.members[1].id_number, mask_id(&person));
    assert!(card.may_reveal && card.may_edit && card.cases.is_some());
    let list = registry::households(&store, &cadre, &HouseholdFilter::default())
        .await
        .unwrap();
    assert!(!list.items.is_empty());
    assert!(
        list.items
            .iter()
            .all(|l| l.head_id_number.contains("********")),
        "{:?}",
        list.items
    );
}

async fn scope_and_role_are_checked(backend: Backend) {
    let Some((store, _officer, _d)) = setup_two_villages(backend).await else {
        return;
    };
    let (hid, _) = household_with_ill_member(&store).await;
    let cadre_b = actor(Role::VillageCadre, VILLAGE_B);
    let viewer = actor(Role::Viewer, "520526");
    let officer = actor(Role::DataOfficer, "520526");

    // Another village's household reads as absent, for reads and writes.
    let e = registry::household(&store, &cadre_b, hid, None, today())
        .await
        .unwrap_err();
    assert_eq!(refusal(e), "not_found");
    let e = registry::card(&store, &cadre_b, hid, Some(&Reveal::default()), today())
        .await
        .unwrap_err();
    assert_eq!(refusal(e), "not_found");
    let e = registry::add_member(&store, &cadre_b, hid, 1, ill_member(&id("1990-01-01", 23)))
        .await
        .unwrap_err();
    assert_eq!(refusal(e), "not_found");
    let e = registry::region(&store, &cadre_b, &RuleBook::shipped(), VILLAGE_A, today())
        .await
        .unwrap_err();
    assert_eq!(refusal(e), "not_found");
    let e = registry::for_edit(&store, &cadre_b, hid).await.unwrap_err();
    assert_eq!(refusal(e), "not_found");

    // Village B's list holds its own household and none of A's.
    let list = registry::households(&store, &cadre_b, &HouseholdFilter::default())
        .await
        .unwrap();
    assert!(!list.items.is_empty());
    assert!(
        list.items.iter().all(|l| l.village_code == VILLAGE_B),
        "{:?}",
        list.items
    );
    // Above the scope, a region lists only the branch to it.
    let township = registry::region(
        &store,
        &cadre_b,
        &RuleBook::shipped(),
        common::TOWNSHIP,
        today(),
    )
    .await
    .unwrap();
    assert_eq!(township.children.len(), 1, "{:?}", township.children);
    assert_eq!(township.children[0].region.code, VILLAGE_B);
    assert_eq!(township.children[0].households, 1);

    // Roles: a viewer reads no households; a data officer edits none.
    let e = registry::household(&store, &viewer, hid, None, today())
        .await
        .unwrap_err();
    assert_eq!(refusal(e), "forbidden");
    assert!(registry::may_edit(&officer).is_err());
    let e = registry::for_edit(&store, &officer, hid).await.unwrap_err();
    assert_eq!(refusal(e), "forbidden");
    let e = registry::create(
        &store,
        &officer,
        &household_in(VILLAGE_A, "H9", &id("1991-01-01", 25)),
    )
    .await
    .unwrap_err();
    assert_eq!(refusal(e), "forbidden");
}

async fn writes_round_trip(backend: Backend) {
    let Some((store, _officer, _d)) = setup_two_villages(backend).await else {
        return;
    };
    let cadre = actor(Role::VillageCadre, VILLAGE_A);
    let head = id("1980-08-08", 27);
    let h = household_in(VILLAGE_A, "H5", &head);
    // Issue 11, point 7: a new household carries no category (only the
    // workflow makes a household monitored); nothing is written.
    let monitored = dixian_domain::Household {
        category: Some(dixian_domain::Category::MarginalAtRisk),
        ..h.clone()
    };
    let e = registry::create(&store, &cadre, &monitored)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            AppError::Store(StoreError::Refused(
                dixian_store::Refusal::CategoryByWorkflow
            ))
        ),
        "{e}"
    );
    let hid = registry::create(&store, &cadre, &h).await.unwrap();

    // Members: added, changed, removed; each a new version.
    let spouse = id("1982-02-02", 28);
    let v = registry::add_member(&store, &cadre, hid, 1, ill_member(&spouse))
        .await
        .unwrap();
    assert_eq!(v, 2);
    let mut changed = ill_member(&spouse);
    changed.illness = Illness::Serious;
    let v = registry::update_member(&store, &cadre, hid, v, 1, changed)
        .await
        .unwrap();
    assert_eq!(v, 3);
    let e = registry::update_member(&store, &cadre, hid, v, 5, ill_member(&spouse))
        .await
        .unwrap_err();
    assert_eq!(refusal(e), "not_found");
    let e = registry::add_member(&store, &cadre, hid, 1, ill_member(&id("1999-09-09", 29)))
        .await
        .unwrap_err();
    assert_eq!(refusal(e), "conflict", "a stale version is refused");

    // Read masked, change the income, send it back: the stored ID number
    // and phone stay.
    let view = registry::household(&store, &cadre, hid, None, today())
        .await
        .unwrap();
    let mut sent = serde_json::to_value(&view).unwrap()["household"].clone();
    assert_eq!(sent["members"][1]["id_number"], mask_id(&spouse));
    sent["income"]["wage"] = 12345.into();
    let v = registry::update_as_sent(&store, &cadre, hid, v, sent)
        .await
        .unwrap();
    assert_eq!(v, 4);
    let (stored, _) = registry::for_edit(&store, &cadre, hid).await.unwrap();
    assert_eq!(stored.household.income.wage, 12345);
    assert_eq!(stored.household.members[1].id_number.as_str(), spouse);
    assert_eq!(stored.household.members[1].phone.as_deref(), Some(PHONE));
    assert_eq!(stored.household.members[1].illness, Illness::Serious);

    let v = registry::remove_member(&store, &cadre, hid, v, 1)
        .await
        .unwrap();
    assert_eq!(v, 5);
    let (stored, _) = registry::for_edit(&store, &cadre, hid).await.unwrap();
    assert_eq!(stored.household.members.len(), 1);
    // The head cannot go: a household keeps one.
    let e = registry::remove_member(&store, &cadre, hid, v, 0)
        .await
        .unwrap_err();
    assert_eq!(refusal(e), "invalid");

    // The audit trail of these writes holds no ID number or phone in
    // clear (it is not encrypted): only the masked forms and the keyed
    // hash the members table holds.
    let rows: Vec<(Option<String>, Option<String>)> = store
        .pool
        .all(
            q("SELECT before, after FROM audit_log WHERE entity = 'household' AND entity_id = $1")
                .bind(hid.to_string()),
        )
        .await
        .unwrap();
    assert_eq!(
        rows.len(),
        5,
        "create, member added, member changed, edit, member removed"
    );
    let trail: String = rows
        .iter()
        .flat_map(|(b, a)| [b.clone(), a.clone()])
        .flatten()
        .collect::<Vec<_>>()
        .join("\n");
    for clear in [
        head.as_str(),
        spouse.as_str(),
        PHONE,
        &head[..17],
        &spouse[..17],
    ] {
        assert!(!trail.contains(clear), "{clear} in the audit trail");
    }
    assert!(trail.contains(&mask_id(&spouse)) && trail.contains(&mask_phone(PHONE)));
    let (head_hash,): (String,) = store
        .pool
        .one(q("SELECT id_hash FROM members WHERE household_id = $1 AND position = 0").bind(hid))
        .await
        .unwrap();
    assert!(
        trail.contains(&head_hash),
        "the keyed hash names the person"
    );
}

async fn export_needs_a_reason_and_is_audited(backend: Backend) {
    let Some((store, _officer, _d)) = setup_two_villages(backend).await else {
        return;
    };
    let county = RegionCode::parse("520526").unwrap();
    let op = Actor::operator(county.clone());
    let exports = |store: Store| async move {
        let (n,): (i64,) = store
            .pool
            .one(q(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'export' AND entity = 'households'",
            ))
            .await
            .unwrap();
        n
    };
    let mut seen = Vec::new();
    let e = registry::export(&store, &op, &county, "csv", None, |h| {
        seen.push(h.number.clone());
        Ok(())
    })
    .await
    .unwrap_err();
    assert_eq!(refusal(e), "invalid");
    assert!(seen.is_empty());
    assert_eq!(exports(store.clone()).await, 0);

    let n = registry::export(&store, &op, &county, "csv", Some("年度核查"), |h| {
        seen.push(h.number.clone());
        Ok(())
    })
    .await
    .unwrap();
    seen.sort();
    assert_eq!(seen, ["H1", "H2", "H3"]);
    assert_eq!(n, 3);
    assert_eq!(exports(store.clone()).await, 1);

    // A role that may not see personal data exports nothing.
    let officer = actor(Role::DataOfficer, "520526");
    let e = registry::export(&store, &officer, &county, "csv", Some("x"), |_| Ok(()))
        .await
        .unwrap_err();
    assert_eq!(refusal(e), "forbidden");
}

macro_rules! on_both_backends {
    ($($name:ident),+) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

on_both_backends!(
    the_view_masks_unless_revealed,
    scope_and_role_are_checked,
    writes_round_trip,
    export_needs_a_reason_and_is_audited
);
