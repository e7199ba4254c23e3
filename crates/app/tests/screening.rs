//! The screening run on both backends: stored feed rows become warnings
//! under the rule set of the person's province and the row's date; a
//! re-run adds nothing; a dismissed warning is not raised again for the
//! same evidence, new evidence raises a new one; a verified warning opens
//! a case on the department-warning channel, and later warnings of that
//! household attach to it. Rule sets: a new version is audited and keeps
//! the old one; what-if counts the effect of a draft.

mod common;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use common::{TOWNSHIP, VILLAGE_A, VILLAGE_B, actor, date, id, person_b, setup};
use dixian_app::{FeedFile, OnRowErrors, import_feed, run_screening};
use dixian_domain::Role;
use dixian_screen::{FeedKind, FeedRow, RuleBook};
use dixian_store::db::q;
use dixian_store::rule_sets::{self, Adopted};
use dixian_store::testing::Backend;
use dixian_store::warnings::{self, WarningFilter, WarningRow};
use dixian_store::{Actor, Store, StoreError};

const HEADER: &str = "身份证号,姓名,结算日期,就诊类型,总费用,医保支付,个人自付,诊断";

fn at(d: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(4, 0, 0).unwrap())
}

/// A 医保 file of (person, date, visit, self-paid) rows.
fn medical(rows: &[(&str, &str, &str, u32)]) -> FeedFile {
    let body: Vec<String> = rows
        .iter()
        .map(|(p, d, v, paid)| format!("{p},某,{d},{v},{},0,{paid},", paid * 2))
        .collect();
    let text = format!("{HEADER}\n{}\n", body.join("\n"));
    FeedFile {
        kind: FeedKind::Medical,
        name: "medical.csv".into(),
        bytes: text.into_bytes(),
        idempotency_key: None,
    }
}

async fn load(store: &Store, officer: &Actor, f: FeedFile, now: DateTime<Utc>) {
    let r = import_feed(store, officer, f, OnRowErrors::Reject, now)
        .await
        .unwrap();
    assert!(r.errors.is_empty(), "clean file");
    assert!(r.outcome.is_some());
}

async fn run(
    store: &Store,
    officer: &Actor,
    book: &RuleBook,
    as_of: NaiveDate,
) -> (i64, i64, i64, i64) {
    let r = run_screening(store, officer, book, as_of, at(as_of), 2)
        .await
        .unwrap();
    let s = r.run;
    (
        s.warnings_raised,
        s.warnings_extended,
        s.warnings_known,
        s.warnings_attached,
    )
}

async fn all_warnings(store: &Store, cadre: &Actor) -> Vec<WarningRow> {
    let filter = WarningFilter {
        status: Some("all".into()),
        ..WarningFilter::default()
    };
    let (mut rows, total) = warnings::list(&store.pool, cadre, &filter).await.unwrap();
    assert_eq!(rows.len() as i64, total);
    rows.sort_by_key(|w| w.id);
    rows
}

async fn the_warning_lifecycle(backend: Backend) {
    let Some((store, officer, _d)) = setup(backend).await else {
        return;
    };
    let book = dixian_app::rule_book(&store, Utc::now()).await.unwrap();
    let cadre = actor(Role::VillageCadre, "520526001001");
    let (a, b) = (id("1970-01-01", 11), id("1975-05-05", 13));
    // Stays above the per-stay threshold (6,000) either side of the day
    // Guizhou's 2025 set starts: A's the day before, B's on the day; and an
    // outpatient visit of B (no rule).
    let first = medical(&[
        (&a, "2024-12-31", "住院", 7000),
        (&b, "2025-01-01", "住院", 6500),
        (&b, "2025-01-05", "门诊", 300),
    ]);
    load(&store, &officer, first, at(date(2025, 1, 10))).await;
    assert_eq!(
        run(&store, &officer, &book, date(2025, 1, 10)).await,
        (2, 0, 0, 0)
    );
    let ws = all_warnings(&store, &cadre).await;
    assert_eq!(ws.len(), 2, "one per person: {ws:?}");
    let regions: Vec<(&str, NaiveDate)> = ws
        .iter()
        .map(|w| (w.rule_id.as_str(), w.first_date))
        .collect();
    assert_eq!(
        regions,
        vec![
            ("medical-stay", date(2024, 12, 31)),
            ("medical-stay", date(2025, 1, 1))
        ]
    );
    assert_eq!(
        ws[0].rule_set_region, "national",
        "2024-12-31: the 2021 baseline"
    );
    assert_eq!(ws[1].rule_set_region, "52", "2025-01-01: Guizhou 2025");
    assert_eq!(ws[0].person_id_number.as_deref(), Some(a.as_str()));
    assert_eq!(ws[1].person_id_number.as_deref(), Some(b.as_str()));
    assert!(
        ws.iter()
            .all(|w| w.status.code() == "open" && w.risk_type.code() == "illness")
    );

    // a re-run adds nothing
    assert_eq!(
        run(&store, &officer, &book, date(2025, 1, 10)).await,
        (0, 0, 2, 0)
    );
    assert_eq!(all_warnings(&store, &cadre).await.len(), 2);

    // dismissed: not raised again for the same evidence …
    let w = &ws[1];
    let empty = warnings::dismiss(&store.pool, &cadre, w.id, w.version, "  ", Utc::now()).await;
    assert!(matches!(
        empty,
        Err(StoreError::Refused(
            dixian_store::Refusal::DismissalReasonEmpty
        ))
    ));
    let stale = warnings::dismiss(
        &store.pool,
        &cadre,
        w.id,
        w.version + 1,
        "已核实",
        Utc::now(),
    )
    .await;
    assert!(matches!(stale, Err(StoreError::Conflict { .. })));
    let d = warnings::dismiss(
        &store.pool,
        &cadre,
        w.id,
        w.version,
        "住院已报销，家庭收入稳定",
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(d.status.code(), "dismissed");
    assert_eq!(
        run(&store, &officer, &book, date(2025, 1, 20)).await,
        (0, 0, 2, 0)
    );
    // … but a new stay is new evidence: a new warning
    load(
        &store,
        &officer,
        medical(&[(&b, "2025-02-03", "住院", 9000)]),
        at(date(2025, 2, 5)),
    )
    .await;
    assert_eq!(
        run(&store, &officer, &book, date(2025, 2, 5)).await,
        (1, 0, 1, 0)
    );
    let ws = all_warnings(&store, &cadre).await;
    let fresh = ws.last().unwrap();
    assert_eq!((fresh.status.code(), fresh.evidence_rows), ("open", 2));
    assert_eq!(fresh.last_date, date(2025, 2, 3));

    // verified: a lead on the department-warning channel opens a case
    let policy = book.sets()[0].workflow.clone();
    let v = warnings::verify(
        &store.pool,
        &cadre,
        fresh.id,
        fresh.version,
        "",
        Utc::now(),
        &policy,
    )
    .await
    .unwrap();
    assert_eq!(v.warning.status.code(), "verified");
    let case_id = v.lead.case_id.unwrap();
    assert_eq!(v.warning.case_id, Some(case_id));
    let (channel,): (String,) = store
        .pool
        .one(q("SELECT channel FROM leads WHERE id = $1").bind(v.lead.lead_id))
        .await
        .unwrap();
    assert_eq!(channel, "department_warning");
    let again = warnings::verify(
        &store.pool,
        &cadre,
        fresh.id,
        v.warning.version,
        "",
        Utc::now(),
        &policy,
    )
    .await;
    assert!(matches!(
        again,
        Err(StoreError::Refused(
            dixian_store::Refusal::WarningNotOpen { .. }
        ))
    ));

    // a later warning of that household attaches to its open case
    load(
        &store,
        &officer,
        medical(&[(&b, "2025-03-01", "住院", 8000)]),
        at(date(2025, 3, 2)),
    )
    .await;
    assert_eq!(
        run(&store, &officer, &book, date(2025, 3, 2)).await,
        (1, 0, 1, 1)
    );
    let last = all_warnings(&store, &cadre).await.pop().unwrap();
    assert_eq!(
        (last.status.code(), last.case_id),
        ("attached", Some(case_id))
    );

    // out of scope is not found; a data officer does not read warnings
    let other = actor(Role::VillageCadre, "520526001002");
    assert!(matches!(
        warnings::get::<FeedRow>(&store.pool, &other, last.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        warnings::get::<FeedRow>(&store.pool, &officer, last.id).await,
        Err(StoreError::Forbidden)
    ));
    // the household's timeline shows each warning raised and how it ended
    let tl = dixian_store::cases::timeline(&store.pool, &cadre, last.household_id)
        .await
        .unwrap();
    let seen: Vec<&str> = tl
        .iter()
        .filter(|e| e.kind == dixian_store::cases::TimelineKind::Warning)
        .map(|e| e.what.as_str())
        .collect();
    assert_eq!(
        seen.iter().filter(|w| **w == "raised").count(),
        3,
        "{seen:?}"
    );
    assert!(
        seen.contains(&"dismissed") && seen.contains(&"verified"),
        "{seen:?}"
    );
    let detail = warnings::get::<FeedRow>(&store.pool, &cadre, last.id)
        .await
        .unwrap();
    assert_eq!(detail.evidence.len(), 3, "every stay of B is evidence");
    assert!(detail.evidence.iter().all(|e| e.file_name == "medical.csv"));

    // once the case is closed, a new shock is an open warning again (返贫)
    store
        .pool
        .execute(q("UPDATE cases SET stage = 'eliminated' WHERE id = $1").bind(case_id))
        .await
        .unwrap();
    load(
        &store,
        &officer,
        medical(&[(&b, "2025-04-01", "住院", 7500)]),
        at(date(2025, 4, 2)),
    )
    .await;
    assert_eq!(
        run(&store, &officer, &book, date(2025, 4, 2)).await,
        (1, 0, 1, 0)
    );
    let reopened = all_warnings(&store, &cadre).await.pop().unwrap();
    assert_eq!((reopened.status.code(), reopened.case_id), ("open", None));
}

fn guizhou(version: u32, per_stay: u32) -> String {
    let text = include_str!("../../../rules/guizhou-2025.toml");
    text.replace("version = 1", &format!("version = {version}"))
        .replace(
            "self_paid_per_stay = 6000",
            &format!("self_paid_per_stay = {per_stay}"),
        )
}

async fn rule_versions_and_what_if(backend: Backend) {
    let Some((store, officer, _d)) = setup(backend).await else {
        return;
    };
    let county = actor(Role::CountyAdmin, "520526");
    let a = id("1970-01-01", 11);
    load(
        &store,
        &officer,
        medical(&[
            (&a, "2025-04-01", "住院", 7000),
            (&a, "2025-05-01", "住院", 30000),
        ]),
        at(date(2025, 6, 1)),
    )
    .await;
    let files = |v, t| vec![("guizhou-draft.toml".to_string(), guizhou(v, t))];
    // a logged-in county admin may not change a province's set
    let logged_in = Actor {
        user_id: Some(1),
        ..county.clone()
    };
    let denied = dixian_app::adopt_rules(&store, &logged_in, &files(2, 20000), Utc::now()).await;
    assert!(matches!(
        denied,
        Err(dixian_app::AppError::Store(StoreError::Forbidden))
    ));
    let op = Actor::operator(county.scope.region.clone());
    // same version as in force: refused, nothing stored
    let same = dixian_app::adopt_rules(&store, &op, &files(1, 20000), Utc::now()).await;
    assert!(
        matches!(
            &same,
            Err(dixian_app::AppError::Store(StoreError::Refused(
                dixian_store::Refusal::RuleSetVersion { .. }
            )))
        ),
        "{same:?}"
    );
    // what-if: the draft (per stay above 20,000) would have raised fewer
    let draft = dixian_app::rules::parse_files(&files(2, 20000))
        .unwrap()
        .remove(0);
    let w = dixian_app::what_if(
        &store,
        &officer,
        &draft,
        date(2025, 1, 1),
        date(2025, 6, 30),
        Utc::now(),
        2,
    )
    .await
    .unwrap();
    let township = "520526001".to_string();
    assert_eq!(
        w.counts.get(&(township.clone(), "illness".into())),
        Some(&(1, 1))
    );
    assert_eq!(
        w.totals(),
        (1, 1),
        "one warning per rule and person either way"
    );
    let strict = dixian_app::rules::parse_files(&files(2, 40000))
        .unwrap()
        .remove(0);
    let w = dixian_app::what_if(
        &store,
        &officer,
        &strict,
        date(2025, 1, 1),
        date(2025, 6, 30),
        Utc::now(),
        2,
    )
    .await
    .unwrap();
    assert_eq!(w.totals(), (1, 0));
    // a new version is adopted, audited, and the old one kept
    let (adopted, next) = dixian_app::adopt_rules(&store, &op, &files(2, 40000), Utc::now())
        .await
        .unwrap();
    assert!(matches!(adopted[0], Adopted::Added { version: 2, .. }));
    let history = rule_sets::history(&store.pool).await.unwrap();
    let gz: Vec<i64> = history
        .iter()
        .filter(|s| s.region == "52")
        .map(|s| s.version)
        .collect();
    assert_eq!(gz, vec![2, 1]);
    let (audited,): (i64,) = store
        .pool
        .one(q(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'rule_set' AND action = 'update'",
        ))
        .await
        .unwrap();
    assert_eq!(audited, 1);
    // the book in force now has version 2, read back from the store
    let book = dixian_app::rule_book(&store, Utc::now()).await.unwrap();
    assert_eq!(book, next);
    assert_eq!(
        run(&store, &officer, &book, date(2025, 6, 1)).await,
        (0, 0, 0, 0)
    );
    // the same text again is a no-op
    let (again, _) = dixian_app::adopt_rules(&store, &op, &files(2, 40000), Utc::now())
        .await
        .unwrap();
    assert_eq!(again, vec![Adopted::Unchanged { version: 2 }]);
}

async fn concurrent_runs_store_once(backend: Backend) {
    let Some((store, officer, _d)) = setup(backend).await else {
        return;
    };
    let book = dixian_app::rule_book(&store, Utc::now()).await.unwrap();
    // Several rounds, each with a stay of a newly registered person: two
    // runs on two worker threads, released together, race to store it.
    let op = Actor::operator(dixian_domain::RegionCode::parse("520526").unwrap());
    for round in 1..=4u16 {
        let person = id("1980-06-01", 100 + round);
        let h = common::household(&format!("C{round}"), &person);
        dixian_store::households::create(&store.pool, &op, &h)
            .await
            .unwrap();
        load(
            &store,
            &officer,
            medical(&[(&person, "2025-03-01", "住院", 9000)]),
            at(date(2025, 3, 2)),
        )
        .await;
        let gate = std::sync::Arc::new(tokio::sync::Barrier::new(2));
        let task = || {
            let (store, officer, book, gate) =
                (store.clone(), officer.clone(), book.clone(), gate.clone());
            tokio::spawn(async move {
                gate.wait().await;
                run(&store, &officer, &book, date(2025, 3, 2)).await
            })
        };
        let (tx, ty) = (task(), task());
        let (x, y) = (tx.await.unwrap(), ty.await.unwrap());
        assert_eq!(
            x.0 + y.0,
            1,
            "round {round}: two runs at once raise the warning once: {x:?} {y:?}"
        );
        let (stored,): (i64,) = store
            .pool
            .one(q("SELECT COUNT(*) FROM warnings"))
            .await
            .unwrap();
        assert_eq!(
            stored,
            i64::from(round),
            "one warning row per stay, whatever the runs counted"
        );
    }
    // a run may not end its windows after today
    let later = run_screening(
        &store,
        &officer,
        &book,
        date(2025, 3, 3),
        at(date(2025, 3, 2)),
        2,
    )
    .await;
    assert!(matches!(
        later,
        Err(dixian_app::AppError::Store(StoreError::Refused(
            dixian_store::Refusal::AsOfInFuture { .. }
        )))
    ));
}

async fn a_run_dated_back_leaves_later_rows_for_the_next(backend: Backend) {
    let Some((store, officer, _d)) = setup(backend).await else {
        return;
    };
    let book = dixian_app::rule_book(&store, Utc::now()).await.unwrap();
    let (a, b) = (id("1970-01-01", 11), id("1975-05-05", 13));
    load(
        &store,
        &officer,
        medical(&[
            (&a, "2025-03-01", "住院", 9000),
            (&b, "2025-05-01", "住院", 9000),
        ]),
        at(date(2025, 5, 2)),
    )
    .await;
    // dated back to April: B's May stay is after the as-of day, left alone
    assert_eq!(
        run(&store, &officer, &book, date(2025, 4, 1)).await,
        (1, 0, 0, 0)
    );
    // more than a year later, B's stay is outside the window, yet read: no
    // run had read it with an as-of day on or after its date
    assert_eq!(
        run(&store, &officer, &book, date(2026, 6, 10)).await,
        (1, 0, 0, 0)
    );
    let cadre = actor(Role::VillageCadre, "520526001001");
    let ws = all_warnings(&store, &cadre).await;
    assert_eq!(ws.len(), 2);
    assert_eq!(ws[1].person_id_number.as_deref(), Some(b.as_str()));
    // and then it has been read: a third run adds nothing and reads nothing old
    assert_eq!(
        run(&store, &officer, &book, date(2026, 6, 10)).await,
        (0, 0, 0, 0)
    );
    // a what-if period is bounded
    let draft = dixian_app::rules::parse_files(&[("d.toml".to_string(), guizhou(2, 20000))])
        .unwrap()
        .remove(0);
    let long = dixian_app::what_if(
        &store,
        &officer,
        &draft,
        date(2020, 1, 1),
        date(2025, 12, 31),
        Utc::now(),
        2,
    )
    .await;
    assert!(matches!(
        long,
        Err(dixian_app::AppError::Store(StoreError::Invalid(_)))
    ));
}

async fn a_warning_follows_a_person_who_moved(backend: Backend) {
    let Some((store, officer, _d)) = setup(backend).await else {
        return;
    };
    let book = dixian_app::rule_book(&store, Utc::now()).await.unwrap();
    let a = id("1970-01-01", 11);
    load(
        &store,
        &officer,
        medical(&[(&a, "2025-03-01", "住院", 9000)]),
        at(date(2025, 3, 2)),
    )
    .await;
    assert_eq!(
        run(&store, &officer, &book, date(2025, 3, 2)).await,
        (1, 0, 0, 0)
    );
    // A joins household H2 (分户/迁移); a new stay extends the open warning,
    // which now names the household A lives in
    let (h2,): (i64,) = store
        .pool
        .one(q("SELECT id FROM households WHERE number = 'H2'"))
        .await
        .unwrap();
    store
        .pool
        .execute(
            // by keyed hash: on PostgreSQL the stored number is ciphertext
            q("UPDATE members SET household_id = $1 WHERE id_hash = $2")
                .bind(h2)
                .bind(store.pool.data().id_hash(a.as_str())),
        )
        .await
        .unwrap();
    load(
        &store,
        &officer,
        medical(&[(&a, "2025-04-01", "住院", 8000)]),
        at(date(2025, 4, 2)),
    )
    .await;
    // extended: A's stay warning; raised: H2, two persons on 9,000 元 now,
    // is near the line with a medical expense
    assert_eq!(
        run(&store, &officer, &book, date(2025, 4, 2)).await,
        (1, 1, 0, 0)
    );
    let cadre = actor(Role::VillageCadre, "520526001001");
    let ws = all_warnings(&store, &cadre).await;
    let stay: Vec<_> = ws.iter().filter(|w| w.rule_id == "medical-stay").collect();
    assert_eq!(stay.len(), 1);
    assert_eq!((stay[0].household_id, stay[0].evidence_rows), (h2, 2));
    assert!(
        ws.iter()
            .any(|w| w.rule_id == "near-line-expense" && w.household_id == h2)
    );
}

/// What a refused write must leave as it was: every warning's (id,
/// status, version), and the leads, cases and audit rows.
async fn snapshot(store: &Store) -> (Vec<(i64, String, i64)>, i64, i64, i64) {
    let warnings: Vec<(i64, String, i64)> = store
        .pool
        .all(q("SELECT id, status, version FROM warnings ORDER BY id"))
        .await
        .unwrap();
    let count = |t: &str| format!("SELECT COUNT(*) FROM {t}");
    let (leads,): (i64,) = store.pool.one(q(count("leads"))).await.unwrap();
    let (cases,): (i64,) = store.pool.one(q(count("cases"))).await.unwrap();
    let (audit,): (i64,) = store.pool.one(q(count("audit_log"))).await.unwrap();
    (warnings, leads, cases, audit)
}

/// Warnings of two villages of one township: a village cadre lists, reads,
/// verifies and dismisses only its own village's (the other's is absent:
/// not found, nothing changed); the township and the county see both.
async fn a_village_sees_only_its_own_warnings(backend: Backend) {
    let Some((store, officer, _d)) = common::setup_two_villages(backend).await else {
        return;
    };
    let book = dixian_app::rule_book(&store, Utc::now()).await.unwrap();
    let (a, b) = (id("1970-01-01", 11), person_b());
    load(
        &store,
        &officer,
        medical(&[
            (&a, "2025-03-01", "住院", 9000),
            (&b, "2025-03-02", "住院", 9500),
        ]),
        at(date(2025, 3, 5)),
    )
    .await;
    assert_eq!(
        run(&store, &officer, &book, date(2025, 3, 5)).await,
        (2, 0, 0, 0)
    );
    let cadre_a = actor(Role::VillageCadre, VILLAGE_A);
    let cadre_b = actor(Role::VillageCadre, VILLAGE_B);
    let numbers = |ws: &[WarningRow]| -> Vec<String> {
        ws.iter().map(|w| w.household_number.clone()).collect()
    };
    let mine = all_warnings(&store, &cadre_a).await;
    assert_eq!(numbers(&mine), ["H1"], "village A's cadre");
    assert_eq!(mine[0].person_id_number.as_deref(), Some(a.as_str()));
    let theirs = all_warnings(&store, &cadre_b).await;
    assert_eq!(numbers(&theirs), ["H3"], "village B's cadre");
    for above in [
        actor(Role::TownshipReviewer, TOWNSHIP),
        actor(Role::CountyAdmin, "520526"),
    ] {
        let both = all_warnings(&store, &above).await;
        assert_eq!(numbers(&both), ["H1", "H3"], "{:?}", above.scope);
    }
    // asking for village B by filter gives A's cadre nothing, not B's rows
    let filter = WarningFilter {
        status: Some("all".into()),
        region: Some(VILLAGE_B.into()),
        ..WarningFilter::default()
    };
    let (rows, total) = warnings::list(&store.pool, &cadre_a, &filter)
        .await
        .unwrap();
    assert!(
        rows.is_empty() && total == 0,
        "{} rows of {total}",
        rows.len()
    );

    // B's warning is absent for A's cadre: read, verify, dismiss
    let wb = &theirs[0];
    let before = snapshot(&store).await;
    assert!(matches!(
        warnings::get::<FeedRow>(&store.pool, &cadre_a, wb.id).await,
        Err(StoreError::NotFound)
    ));
    let policy = book.sets()[0].workflow.clone();
    let verified = warnings::verify(
        &store.pool,
        &cadre_a,
        wb.id,
        wb.version,
        "",
        Utc::now(),
        &policy,
    )
    .await;
    assert!(
        matches!(verified, Err(StoreError::NotFound)),
        "{:?}",
        verified.map(|v| v.warning.id)
    );
    let dismissed = warnings::dismiss(
        &store.pool,
        &cadre_a,
        wb.id,
        wb.version,
        "已核实",
        Utc::now(),
    )
    .await;
    assert!(
        matches!(dismissed, Err(StoreError::NotFound)),
        "{:?}",
        dismissed.map(|w| w.id)
    );
    assert_eq!(snapshot(&store).await, before, "nothing changed");
    let of_b = warnings::of_household(&store.pool, &cadre_a, wb.household_id)
        .await
        .unwrap();
    assert!(of_b.is_empty(), "{} rows", of_b.len());
    // B's own cadre may: the refusals above were about scope
    let d = warnings::dismiss(
        &store.pool,
        &cadre_b,
        wb.id,
        wb.version,
        "已核实",
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(d.status.code(), "dismissed");
}

/// A stored code this version never wrote is an integrity error, never a
/// default ("dismissed" for any unknown status, as pages once showed it);
/// the typed row withholds exactly the store's health fields.
async fn unknown_stored_codes_are_refused(backend: Backend) {
    let Some((store, officer, _d)) = setup(backend).await else {
        return;
    };
    let book = dixian_app::rule_book(&store, Utc::now()).await.unwrap();
    let cadre = actor(Role::VillageCadre, "520526001001");
    let a = id("1970-01-01", 11);
    load(
        &store,
        &officer,
        medical(&[(&a, "2025-01-02", "住院", 7000)]),
        at(date(2025, 1, 10)),
    )
    .await;
    assert_eq!(
        run(&store, &officer, &book, date(2025, 1, 10)).await,
        (1, 0, 0, 0)
    );
    let w = all_warnings(&store, &cadre).await.pop().unwrap();
    let d = warnings::get::<FeedRow>(&store.pool, &cadre, w.id)
        .await
        .unwrap();
    assert_eq!(d.evidence[0].withheld, warnings::HEALTH_FIELDS);
    for (column, value) in [("status", "closed"), ("severity", "urgent")] {
        store
            .pool
            .execute(q(format!("UPDATE warnings SET {column} = $1")).bind(value))
            .await
            .unwrap();
        let filter = WarningFilter {
            status: Some("all".into()),
            ..WarningFilter::default()
        };
        let e = warnings::list(&store.pool, &cadre, &filter)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Integrity(_)), "{column}: {e:?}");
        assert!(
            matches!(
                warnings::get::<FeedRow>(&store.pool, &cadre, w.id).await,
                Err(StoreError::Integrity(_))
            ),
            "{column}"
        );
        store
            .pool
            .execute(
                q(format!("UPDATE warnings SET {column} = $1")).bind(if column == "status" {
                    "open"
                } else {
                    "high"
                }),
            )
            .await
            .unwrap();
    }
    // … and a run reading the known warnings refuses an unknown condition.
    store
        .pool
        .execute(q("UPDATE warnings SET rule_condition = 'always'"))
        .await
        .unwrap();
    let e = run_screening(
        &store,
        &officer,
        &book,
        date(2025, 1, 10),
        at(date(2025, 1, 10)),
        2,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(e, dixian_app::AppError::Store(StoreError::Integrity(_))),
        "{e:?}"
    );
}

/// Guizhou 2025 as version `version` with a second per-stay rule at medium
/// severity and the `income_below_line` rule (line 6,000 元).
fn guizhou_two_severities_and_income(version: u32) -> String {
    let extra = r#"[[rule]]
id = "medical-stay-medium"
feed = "medical"
condition = "self_paid_per_stay_above_threshold"
risk = "因病"
severity = "medium"

[[rule]]
id = "income-below-line"
feed = "employment"
condition = "income_below_line"
risk = "因务工就业不稳"
severity = "medium"

[alerts]"#;
    let text = guizhou(version, 6000);
    assert_eq!(text.matches("\n[alerts]").count(), 1);
    text.replace("\n[alerts]", &format!("\n{extra}"))
}

/// Two rules of one set with the same condition and different severities
/// are two stored warnings (the store's key of "the same warning" holds
/// the severity), a re-run adds nothing; the income condition reads the
/// stored 人社 rows and the registry income (H1: 9,000 元, one member,
/// wage 500 → 0 a month: 9,000 − 6,000 = 3,000 < 6,000; H2: one row, 9,000).
async fn two_severities_and_income_below_the_line(backend: Backend) {
    let Some((store, officer, _d)) = setup(backend).await else {
        return;
    };
    let op = Actor::operator(officer.scope.region.clone());
    let files = vec![(
        "guizhou-2025.toml".to_string(),
        guizhou_two_severities_and_income(2),
    )];
    dixian_app::adopt_rules(&store, &op, &files, Utc::now())
        .await
        .unwrap();
    let book = dixian_app::rule_book(&store, Utc::now()).await.unwrap();
    let cadre = actor(Role::VillageCadre, "520526001001");
    let (a, b) = (id("1970-01-01", 11), id("1975-05-05", 13));
    load(
        &store,
        &officer,
        medical(&[(&a, "2025-04-01", "住院", 7000)]),
        at(date(2025, 6, 1)),
    )
    .await;
    let jobs = format!(
        "身份证号,姓名,就业状态,月收入,日期\n{a},某,外出务工,500,2025/2/1\n{a},某,待业,0,2025.05.01\n{b},某,就业,500,20250301\n"
    );
    load(
        &store,
        &officer,
        FeedFile {
            kind: FeedKind::Employment,
            name: "jobs.csv".into(),
            bytes: jobs.into_bytes(),
            idempotency_key: None,
        },
        at(date(2025, 6, 1)),
    )
    .await;
    assert_eq!(
        run(&store, &officer, &book, date(2025, 6, 1)).await,
        (4, 0, 0, 0),
        "two stays, the income, and a's 待业 (job-loss)"
    );
    let ws = all_warnings(&store, &cadre).await;
    let mut got: Vec<(String, String, String)> = ws
        .iter()
        .map(|w| {
            (
                w.rule_id.clone(),
                w.severity.code().to_string(),
                w.household_number.clone(),
            )
        })
        .collect();
    got.sort();
    let want = |r: &str, s: &str, h: &str| (r.to_string(), s.to_string(), h.to_string());
    assert_eq!(
        got,
        vec![
            want("income-below-line", "medium", "H1"),
            want("job-loss", "medium", "H1"),
            want("medical-stay", "high", "H1"),
            want("medical-stay-medium", "medium", "H1"),
        ]
    );
    assert_eq!(
        run(&store, &officer, &book, date(2025, 6, 2)).await,
        (0, 0, 4, 0),
        "a re-run knows all four"
    );
}

/// A run with nothing new since the region's last run (no feed row added,
/// the same registry, rule book and as-of day) is recorded as a no-op that
/// reads no rows and repeats the last run's result (its hits all known);
/// a registry edit, a new row or another as-of day makes the next run a
/// full pass again.
async fn a_rerun_with_nothing_new_reads_nothing(backend: Backend) {
    let Some((store, officer, _d)) = setup(backend).await else {
        return;
    };
    let book = dixian_app::rule_book(&store, Utc::now()).await.unwrap();
    let a = id("1970-01-01", 11);
    load(
        &store,
        &officer,
        medical(&[(&a, "2025-03-01", "住院", 9000)]),
        at(date(2025, 3, 2)),
    )
    .await;
    let d = date(2025, 3, 2);
    let go = |as_of: NaiveDate| {
        let (store, officer, book) = (&store, &officer, &book);
        async move {
            run_screening(store, officer, book, as_of, at(as_of), 2)
                .await
                .unwrap()
                .run
        }
    };
    let first = go(d).await;
    assert_eq!(
        (
            first.warnings_raised,
            first.rows_screened,
            first.repeats_run
        ),
        (1, 1, None)
    );
    let again = go(d).await;
    assert_eq!(again.repeats_run, Some(first.id), "nothing new: a no-op");
    assert_eq!(
        (
            again.rows_screened,
            again.warnings_raised,
            again.warnings_extended,
            again.warnings_known
        ),
        (0, 0, 0, 1)
    );
    let third = go(d).await;
    assert_eq!(
        third.repeats_run,
        Some(first.id),
        "names the run with the result"
    );

    // a registry edit (the trigger marks the village): a full pass
    store
        .pool
        .execute(q("UPDATE members SET labor = labor"))
        .await
        .unwrap();
    let edited = go(d).await;
    assert_eq!(edited.repeats_run, None, "the registry changed");
    assert_eq!(
        (
            edited.rows_screened,
            edited.warnings_known,
            edited.warnings_raised
        ),
        (1, 1, 0)
    );
    assert_eq!(go(d).await.repeats_run, Some(edited.id));

    // another as-of day: a full pass
    let later = go(date(2025, 3, 3)).await;
    assert_eq!(later.repeats_run, None, "another as-of day");

    // a new row: a full pass that finds it
    load(
        &store,
        &officer,
        medical(&[(&a, "2025-03-03", "住院", 7000)]),
        at(date(2025, 3, 3)),
    )
    .await;
    let fresh = go(date(2025, 3, 3)).await;
    assert_eq!(fresh.repeats_run, None, "a new row");
    assert_eq!(fresh.warnings_extended, 1);

    // another rule book in force (a new version adopted): a full pass
    let op = Actor::operator(officer.scope.region.clone());
    let files = vec![("guizhou-draft.toml".to_string(), guizhou(2, 40000))];
    let (_, next) = dixian_app::adopt_rules(&store, &op, &files, Utc::now())
        .await
        .unwrap();
    let d3 = date(2025, 3, 3);
    let under_next = run_screening(&store, &officer, &next, d3, at(d3), 2)
        .await
        .unwrap()
        .run;
    assert_eq!(under_next.repeats_run, None, "another rule book");
    let again = run_screening(&store, &officer, &next, d3, at(d3), 2)
        .await
        .unwrap()
        .run;
    assert_eq!(again.repeats_run, Some(under_next.id));
    let (runs,): (i64,) = store
        .pool
        .one(q(
            "SELECT COUNT(*) FROM screening_runs WHERE repeats_run IS NOT NULL",
        ))
        .await
        .unwrap();
    assert_eq!(runs, 4, "four no-ops recorded");
    let (audited,): (i64,) = store
        .pool
        .one(q(
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'screening_run' AND action = 'run'",
        ))
        .await
        .unwrap();
    // first, two no-ops, edited, a no-op, later, fresh, under_next, a no-op
    assert_eq!(audited, 9, "every run audited, no-ops included");
}

macro_rules! on_both_backends {
    ($($name:ident),+) => {
        // multi-thread: the concurrent runs race on two workers for real
        mod sqlite { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

on_both_backends!(
    the_warning_lifecycle,
    rule_versions_and_what_if,
    concurrent_runs_store_once,
    a_run_dated_back_leaves_later_rows_for_the_next,
    a_warning_follows_a_person_who_moved,
    a_village_sees_only_its_own_warnings,
    unknown_stored_codes_are_refused,
    two_severities_and_income_below_the_line,
    a_rerun_with_nothing_new_reads_nothing
);
