//! The figures leaders read (docs/figures.md) against a fixture small
//! enough to count by hand, on both backends: every number below was
//! counted from the fixture's description, not from the code. Then the
//! counters kept incrementally (dirty marks, recounted on read) equal a
//! rebuild from scratch, before and after a later change.
//!
//! The fixture (county 520526, township 520526001; villages A and B; one
//! person per household, able to work and insured; today 2026-05-01,
//! period 2026-01 … 2026-05):
//!
//! | hh | village | category | history (China dates) | stage now |
//! | -- | -- | -- | -- | -- |
//! | H1 | A | unstable | lead 01-05, approved 01-25 (20 d), eliminated 03-01, rolled back 03-20; a development measure | monitored (illness) |
//! | H2 | A | marginal | lead 02-01, approved 02-11 (10 d); housing D, water insecure; no measure | monitored (illness, disability) |
//! | H3 | B | sudden | lead 01-01, approved 01-10 (9 d), eliminated 03-05 | eliminated |
//! | H4 | B | — | lead 04-01, at township review, due 04-10 | overdue |
//! | H5 | B | unstable | lead 2025-12-01, approved 2025-12-20 (outside), eliminated 02-15, re-entry 04-02, due 06-01 | home check (monitored; business failure) |
//!
//! Warnings: A medical/R1 raised 02-03 verified 02-05; A medical/R1
//! raised 02-10 dismissed 03-01; B water/R2 raised 03-03, open.

mod common;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use common::{TOWNSHIP, VILLAGE_A, VILLAGE_B, actor, household_in, id, setup};
use dixian_app::figures::{self, FigureReport, Period};
use dixian_domain::Role;
use dixian_screen::RuleBook;
use dixian_store::db::q;
use dixian_store::testing::Backend;
use dixian_store::{Actor, Store, households, stats};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 1).unwrap()
}

/// Noon, China time, of `y-m-d`.
fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 4, 0, 0).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn household_id(store: &Store, number: &str) -> i64 {
    let (id,): (i64,) = store
        .pool
        .one(q("SELECT id FROM households WHERE number = $1").bind(number))
        .await
        .unwrap();
    id
}

async fn categorise(store: &Store, number: &str, category: &str) {
    store
        .pool
        .execute(
            q("UPDATE households SET category = $1 WHERE number = $2")
                .bind(category)
                .bind(number),
        )
        .await
        .unwrap();
}

/// A case of `number` with its events (kind, from, to, at), stage now,
/// risk types and due day.
async fn case(
    store: &Store,
    number: &str,
    opened: DateTime<Utc>,
    stage: &str,
    risks: &[&str],
    due: Option<NaiveDate>,
    events: &[(&str, &str, &str, DateTime<Utc>)],
) {
    let hh = household_id(store, number).await;
    let (village,): (String,) = store
        .pool
        .one(q("SELECT village_code FROM households WHERE id = $1").bind(hh))
        .await
        .unwrap();
    let snapshot = serde_json::json!({ "risk_types": risks }).to_string();
    let (case_id,): (i64,) = store
        .pool
        .one(
            q("INSERT INTO cases (household_id, village_code, stage, snapshot, opened_at, stage_entered_at, due_on,
                   version, created_at, updated_at)
               VALUES ($1, $2, $3, $4, $5, $5, $6, 1, $5, $5) RETURNING id")
            .bind(hh)
            .bind(village.as_str())
            .bind(stage)
            .bind(snapshot)
            .bind(opened)
            .bind(due),
        )
        .await
        .unwrap();
    for (seq, (kind, from, to, when)) in events.iter().enumerate() {
        store
            .pool
            .execute(
                q("INSERT INTO case_events (case_id, seq, kind, event, actor_role, actor_region, policy, at,
                       from_stage, to_stage)
                   VALUES ($1, $2, $3, '{}', 'county_admin', '520526', '{}', $4, $5, $6)")
                .bind(case_id)
                .bind(seq as i64 + 1)
                .bind(*kind)
                .bind(*when)
                .bind(*from)
                .bind(*to),
            )
            .await
            .unwrap();
    }
}

async fn warning(
    store: &Store,
    number: &str,
    feed: &str,
    rule: &str,
    raised: DateTime<Utc>,
    status: &str,
    resolved: Option<DateTime<Utc>>,
) {
    let hh = household_id(store, number).await;
    let (village,): (String,) = store
        .pool
        .one(q("SELECT village_code FROM households WHERE id = $1").bind(hh))
        .await
        .unwrap();
    let (run,): (i64,) = store
        .pool
        .one(
            q("INSERT INTO screening_runs (region_code, as_of, rows_screened, warnings_raised, warnings_extended,
                   warnings_known, warnings_attached, started_at, finished_at)
               VALUES ('520526', $1, 1, 1, 0, 0, 0, $2, $2) RETURNING id")
            .bind(raised.date_naive())
            .bind(raised),
        )
        .await
        .unwrap();
    store
        .pool
        .execute(
            q("INSERT INTO warnings (run_id, household_id, village_code, rule_id, rule_set_region, rule_set_from,
                   rule_set_version, rule_set_name, feed_kind, rule_condition, risk_type, severity, severity_rank,
                   first_date, last_date, as_of, raised_at, status, resolved_at)
               VALUES ($1, $2, $3, $4, 'national', $5, 1, 'test', $6, 'medical_burden', 'illness', 'high', 3,
                   $5, $5, $5, $7, $8, $9)")
            .bind(run)
            .bind(hh)
            .bind(village.as_str())
            .bind(rule)
            .bind(raised.date_naive())
            .bind(feed)
            .bind(raised)
            .bind(status)
            .bind(resolved),
        )
        .await
        .unwrap();
}

/// The fixture of the module's table.
async fn fixture(store: &Store) {
    let op = Actor::operator(dixian_domain::RegionCode::parse("520526").unwrap());
    for (v, n, p) in [
        (VILLAGE_B, "H3", id("1981-03-03", 21)),
        (VILLAGE_B, "H4", id("1982-04-04", 23)),
        (VILLAGE_B, "H5", id("1983-05-05", 25)),
    ] {
        households::create(&store.pool, &op, &household_in(v, n, &p))
            .await
            .unwrap();
    }
    categorise(store, "H1", "unstable_formerly_poor").await;
    categorise(store, "H2", "marginal_at_risk").await;
    categorise(store, "H3", "sudden_hardship").await;
    categorise(store, "H5", "unstable_formerly_poor").await;
    store
        .pool
        .execute(q(
            "UPDATE households SET housing = 'D', water = 'insecure' WHERE number = 'H2'",
        ))
        .await
        .unwrap();

    let approve = ("county_approval", "county_approval", "monitored");
    let eliminate = (
        "county_approval",
        "elimination_county_approval",
        "eliminated",
    );
    let step = |e: (&'static str, &'static str, &'static str), t| (e.0, e.1, e.2, t);
    case(
        store,
        "H1",
        at(2026, 1, 5),
        "monitored",
        &["illness"],
        None,
        &[
            (
                "home_check",
                "home_check",
                "data_comparison",
                at(2026, 1, 8),
            ),
            step(approve, at(2026, 1, 25)),
            (
                "propose_elimination",
                "monitored",
                "elimination_deliberation",
                at(2026, 2, 20),
            ),
            step(eliminate, at(2026, 3, 1)),
            (
                "elimination_rollback",
                "eliminated",
                "monitored",
                at(2026, 3, 20),
            ),
        ],
    )
    .await;
    case(
        store,
        "H2",
        at(2026, 2, 1),
        "monitored",
        &["illness", "disability"],
        None,
        &[step(approve, at(2026, 2, 11))],
    )
    .await;
    case(
        store,
        "H3",
        at(2026, 1, 1),
        "eliminated",
        &["disaster"],
        None,
        &[
            step(approve, at(2026, 1, 10)),
            step(eliminate, at(2026, 3, 5)),
        ],
    )
    .await;
    case(
        store,
        "H4",
        at(2026, 4, 1),
        "township_review",
        &[],
        Some(day(2026, 4, 10)),
        &[("notice_end", "notice", "township_review", at(2026, 4, 3))],
    )
    .await;
    case(
        store,
        "H5",
        at(2025, 12, 1),
        "home_check",
        &["business_failure"],
        Some(day(2026, 6, 1)),
        &[
            step(approve, at(2025, 12, 20)),
            step(eliminate, at(2026, 2, 15)),
            ("re_entry", "eliminated", "home_check", at(2026, 4, 2)),
        ],
    )
    .await;

    let h1 = household_id(store, "H1").await;
    let (hash,): (String,) = store
        .pool
        .one(q("SELECT id_hash FROM members WHERE household_id = $1").bind(h1))
        .await
        .unwrap();
    store
        .pool
        .execute(
            q("INSERT INTO measures (household_id, village_code, person_hash, kind, department, starts_on, status,
                   source, evidence, created_at, updated_at)
               VALUES ($1, $2, $3, 'industry', 'agriculture', $4, 'ongoing', 'cadre', 'test', $5, $5)")
            .bind(h1)
            .bind(VILLAGE_A)
            .bind(hash)
            .bind(day(2026, 2, 1))
            .bind(at(2026, 2, 1)),
        )
        .await
        .unwrap();

    warning(
        store,
        "H1",
        "medical",
        "R1",
        at(2026, 2, 3),
        "verified",
        Some(at(2026, 2, 5)),
    )
    .await;
    warning(
        store,
        "H2",
        "medical",
        "R1",
        at(2026, 2, 10),
        "dismissed",
        Some(at(2026, 3, 1)),
    )
    .await;
    warning(store, "H3", "water", "R2", at(2026, 3, 3), "open", None).await;
}

fn period() -> Period {
    Period::parse(Some("2026-01"), Some("2026-05"), today()).unwrap()
}

async fn county_report(store: &Store, book: &RuleBook) -> FigureReport {
    let county = actor(Role::CountyAdmin, "520526");
    figures::report(store, &county, book, "520526", &period(), today())
        .await
        .unwrap()
}

fn count(list: &[figures::Coded], code: &str) -> (i64, i64) {
    list.iter()
        .find(|c| c.code == code)
        .map_or((0, 0), |c| (c.households, c.persons))
}

async fn each_figure_is_the_hand_count(backend: Backend) {
    let Some((store, _officer, _dir)) = setup(backend).await else {
        return;
    };
    fixture(&store).await;
    let book = RuleBook::shipped();
    let r = county_report(&store, &book).await;
    let f = &r.total;
    assert_eq!((f.households, f.persons), (5, 5));
    assert_eq!(
        (f.monitored_households, f.monitored_persons),
        (3, 3),
        "H1, H2, H5"
    );
    assert_eq!(count(&f.by_category, "unstable_formerly_poor"), (2, 2));
    assert_eq!(count(&f.by_category, "marginal_at_risk"), (1, 1));
    assert_eq!(
        count(&f.by_category, "sudden_hardship"),
        (0, 0),
        "H3 is eliminated"
    );
    assert_eq!(count(&f.by_risk, "illness").0, 2);
    assert_eq!(count(&f.by_risk, "disability").0, 1);
    assert_eq!(count(&f.by_risk, "business_failure").0, 1);
    assert_eq!(count(&f.by_risk, "disaster").0, 0, "eliminated apart");
    assert_eq!((f.eliminated_households, f.eliminated_persons), (1, 1));
    assert_eq!(
        f.new, 3,
        "H1, H3 in January, H2 in February; H5 was December"
    );
    assert_eq!(f.eliminated, 3, "H5 in February, H1 and H3 in March");
    assert_eq!((f.re_entered, f.rolled_back), (1, 1));
    let month = |m: &str| f.months.iter().find(|x| x.month == m).unwrap().clone();
    assert_eq!(f.months.len(), 5);
    assert_eq!((month("2026-01").new, month("2026-02").new), (2, 1));
    assert_eq!(
        (month("2026-02").eliminated, month("2026-03").eliminated),
        (1, 2)
    );
    assert_eq!(month("2026-03").rolled_back, 1);
    assert_eq!(month("2026-04").re_entered, 1);
    assert_eq!(
        (
            month("2026-02").warnings_raised,
            month("2026-03").warnings_raised
        ),
        (2, 1)
    );
    assert_eq!(f.identification.approved, 3);
    assert_eq!(f.identification.median_days, Some(10), "9, 10, 20 days");
    assert_eq!(f.identification.p90_days, Some(20));
    assert_eq!(f.overdue_total, 1, "H4's township review, due 04-10");
    assert_eq!(count(&f.overdue, "township_review").0, 1);
    let w = |feed: &str| f.warnings.iter().find(|l| l.feed == feed).unwrap().clone();
    assert_eq!(f.warnings.len(), 2);
    assert_eq!(
        (
            w("medical").raised,
            w("medical").verified,
            w("medical").dismissed
        ),
        (2, 1, 1)
    );
    assert_eq!(
        (
            w("water").rule.as_str(),
            w("water").raised,
            w("water").verified
        ),
        ("R2", 1, 0)
    );
    assert_eq!(f.without_measure, 2, "H2 and H5");
    assert_eq!((f.able_members, f.able_without_development), (3, 2));
    let cov: Vec<(String, i64, i64)> = f
        .coverage
        .iter()
        .map(|c| (c.guarantee.clone(), c.covered, c.of))
        .collect();
    assert_eq!(
        cov,
        vec![
            ("housing".into(), 2, 3),
            ("water".into(), 2, 3),
            ("education".into(), 3, 3),
            ("medical".into(), 3, 3),
        ]
    );

    // Children: the county's one township holds all; the township's two villages.
    assert_eq!(
        r.children
            .iter()
            .map(|c| c.figures.monitored_households)
            .sum::<i64>(),
        3
    );
    let town = actor(Role::TownshipReviewer, TOWNSHIP);
    let t = figures::report(&store, &town, &book, TOWNSHIP, &period(), today())
        .await
        .unwrap();
    let kid = |code: &str| {
        t.children
            .iter()
            .find(|c| c.region.code == code)
            .unwrap()
            .figures
            .clone()
    };
    assert_eq!(kid(VILLAGE_A).monitored_households, 2);
    assert_eq!(
        (
            kid(VILLAGE_B).monitored_households,
            kid(VILLAGE_B).eliminated_households
        ),
        (1, 1)
    );
    assert_eq!(kid(VILLAGE_B).overdue_total, 1);

    // A village cadre reading the county counts its own village only.
    let cadre = actor(Role::VillageCadre, VILLAGE_A);
    let c = figures::report(&store, &cadre, &book, "520526", &period(), today())
        .await
        .unwrap();
    assert_eq!((c.total.monitored_households, c.total.households), (2, 2));
    assert_eq!(c.children.len(), 1, "only the branch down to the village");
    // Another township's region reads as absent.
    let other = figures::report(&store, &town, &book, "520526002", &period(), today()).await;
    assert!(other.is_err(), "out of scope is absent");

    // The workbook sent upward holds a row per child and the total.
    let bytes = figures::workbook(&t).unwrap();
    assert!(bytes.starts_with(b"PK"));
}

async fn incremental_equals_rebuild(backend: Backend) {
    let Some((store, _officer, _dir)) = setup(backend).await else {
        return;
    };
    let book = RuleBook::shipped();
    fixture(&store).await;
    // Incremental: counted on read, village by village, as marks came.
    let before = county_report(&store, &book).await;
    assert!(!stats::pending(&store.pool).await.unwrap());
    let incremental = stats::all_counters(&store.pool).await.unwrap();
    assert!(!incremental.is_empty());
    let n = figures::rebuild(&store, &book, today()).await.unwrap();
    assert_eq!(n, 2, "two villages hold data");
    assert_eq!(stats::all_counters(&store.pool).await.unwrap(), incremental);

    // A later write (the open warning dismissed in May, H2 gets a measure)
    // is seen on the next read without a rebuild, and equals a rebuild.
    store
        .pool
        .execute(
            q("UPDATE warnings SET status = 'dismissed', resolved_at = $1 WHERE rule_id = 'R2'")
                .bind(at(2026, 5, 1)),
        )
        .await
        .unwrap();
    let h2 = household_id(&store, "H2").await;
    store
        .pool
        .execute(
            q("INSERT INTO measures (household_id, village_code, kind, department, starts_on, status,
                   source, evidence, created_at, updated_at)
               VALUES ($1, $2, 'dibao', 'civil_affairs', $3, 'ongoing', 'cadre', 'test', $4, $4)")
            .bind(h2)
            .bind(VILLAGE_A)
            .bind(day(2026, 4, 1))
            .bind(at(2026, 4, 1)),
        )
        .await
        .unwrap();
    assert!(
        stats::pending(&store.pool).await.unwrap(),
        "the writes marked their villages"
    );
    let after = county_report(&store, &book).await;
    assert_eq!(
        after.total.without_measure,
        before.total.without_measure - 1
    );
    assert_eq!(
        after.total.able_without_development, before.total.able_without_development,
        "低保 is no development measure"
    );
    let water = after
        .total
        .warnings
        .iter()
        .find(|l| l.feed == "water")
        .unwrap();
    assert_eq!(water.dismissed, 1);
    let incremental = stats::all_counters(&store.pool).await.unwrap();
    figures::rebuild(&store, &book, today()).await.unwrap();
    assert_eq!(stats::all_counters(&store.pool).await.unwrap(), incremental);
    let again = county_report(&store, &book).await;
    assert_eq!(again.total, after.total);
}

async fn a_bad_period_names_its_field(_backend: Backend) {
    let e = Period::parse(Some("2026-13"), None, today()).unwrap_err();
    assert!(e.to_string().contains("from"), "{e}");
    let e = Period::parse(Some("2026-05"), Some("2026-01"), today()).unwrap_err();
    assert!(e.to_string().contains("from"), "{e}");
    let e = Period::parse(None, Some("May"), today()).unwrap_err();
    assert!(e.to_string().contains("to"), "{e}");
    let p = Period::parse(None, None, today()).unwrap();
    assert_eq!((p.from.as_str(), p.to.as_str()), ("2025-06", "2026-05"));
    assert_eq!(p.months().len(), 12);
}

/// The households behind each stock figure, de-identified, counted by
/// hand from the fixture's table: monitored H1, H2 (A) and H5 (B);
/// unstable H1, H5; marginal H2; illness H1, H2; disability H2; business
/// failure H5; disaster none (H3's risk is eliminated); eliminated H3;
/// without a measure H2, H5 (H1 has one). 三色码: H1, H2 yellow; H5 red
/// (home check); H3 red (an open warning). Each list's count equals the
/// figure's number, for the county admin and the province viewer alike.
async fn households_behind_each_figure(backend: Backend) {
    use dixian_app::figure_households::{self as fh, selector};
    let Some((store, _officer, _dir)) = setup(backend).await else {
        return;
    };
    fixture(&store).await;
    let book = RuleBook::shipped();
    let r = county_report(&store, &book).await;
    let county = actor(Role::CountyAdmin, "520526");
    let viewer = actor(Role::Viewer, "52");
    let numbers = |l: &fh::FigureHouseholds| {
        l.items
            .iter()
            .map(|i| i.number.as_str())
            .collect::<Vec<_>>()
            .join(",")
    };
    let cases: [(&str, Option<&str>, Option<&str>, &str); 10] = [
        ("monitored", None, None, "H1,H2,H5"),
        ("monitored", Some("unstable_formerly_poor"), None, "H1,H5"),
        ("monitored", Some("marginal_at_risk"), None, "H2"),
        ("monitored", Some("sudden_hardship"), None, ""),
        ("monitored", None, Some("illness"), "H1,H2"),
        ("monitored", None, Some("disability"), "H2"),
        ("monitored", None, Some("business_failure"), "H5"),
        ("monitored", None, Some("disaster"), ""),
        ("eliminated", None, None, "H3"),
        ("without_measure", None, None, "H2,H5"),
    ];
    for (figure, category, risk, want) in cases {
        let sel = selector(Some(figure), category, risk).unwrap();
        for who in [&county, &viewer] {
            let at = if who.scope.role == Role::Viewer {
                "52"
            } else {
                "520526"
            };
            let l = fh::households(&store, who, at, &sel, 1).await.unwrap();
            assert_eq!(
                numbers(&l),
                want,
                "{figure} {category:?} {risk:?} as {:?}",
                who.scope.role
            );
            assert_eq!(l.total as usize, l.items.len());
        }
    }
    // The same numbers as the figures.
    let total = |f: &str, c: Option<&str>, k: Option<&str>| {
        let sel = selector(Some(f), c, k).unwrap();
        let store = &store;
        let viewer = &viewer;
        async move {
            fh::households(store, viewer, "520526", &sel, 1)
                .await
                .unwrap()
                .total
        }
    };
    assert_eq!(
        total("monitored", None, None).await,
        r.total.monitored_households
    );
    assert_eq!(
        total("eliminated", None, None).await,
        r.total.eliminated_households
    );
    assert_eq!(
        total("without_measure", None, None).await,
        r.total.without_measure
    );
    for c in &r.total.by_risk {
        assert_eq!(
            total("monitored", None, Some(&c.code)).await,
            c.households,
            "{}",
            c.code
        );
    }
    for c in &r.total.by_category {
        assert_eq!(
            total("monitored", Some(&c.code), None).await,
            c.households,
            "{}",
            c.code
        );
    }

    // What a line shows: the viewer no card, the head masked, the colour,
    // the risk types and stage of the current case.
    let sel = selector(None, None, None).unwrap();
    let l = fh::households(&store, &viewer, "520526001002", &sel, 1)
        .await
        .unwrap();
    assert_eq!(l.total, 1);
    let h5 = &l.items[0];
    assert_eq!(h5.card, None);
    assert_eq!(h5.head, "测*");
    assert_eq!(h5.status, dixian_domain::StatusColour::Red);
    assert_eq!(h5.risk_types, vec!["business_failure".to_string()]);
    assert_eq!(h5.case_stage.as_deref(), Some("home_check"));
    let json = serde_json::to_string(&l).unwrap();
    for absent in ["id_number", "phone", "bank", "illness_", "测试"] {
        assert!(!json.contains(absent), "{absent} in {json}");
    }
    let a = fh::households(&store, &county, "520526001001", &sel, 1)
        .await
        .unwrap();
    assert!(a.items.iter().all(|i| i.card.is_some()));
    assert!(
        a.items
            .iter()
            .all(|i| i.status == dixian_domain::StatusColour::Yellow)
    );
    let e = fh::households(
        &store,
        &county,
        "520526",
        &selector(Some("eliminated"), None, None).unwrap(),
        1,
    )
    .await
    .unwrap();
    assert_eq!(e.items[0].status, dixian_domain::StatusColour::Red);

    // Scope: a township reads its branch of the county; beside it, absent.
    let other = actor(Role::TownshipReviewer, "520526002");
    let l = fh::households(&store, &other, "520526", &sel, 1)
        .await
        .unwrap();
    assert_eq!(l.total, 0);
    let e = fh::households(&store, &other, "520526001", &sel, 1)
        .await
        .unwrap_err();
    assert!(e.to_string().to_lowercase().contains("not found"), "{e}");
    // Bad values name their field.
    for (f, c, k, field) in [
        (Some("poor"), None, None, "figure"),
        (None, Some("rich"), None, "category"),
        (None, None, Some("bad_luck"), "risk"),
    ] {
        let e = selector(f, c, k).unwrap_err();
        assert!(e.to_string().contains(field), "{e}");
    }
    let e = fh::households(
        &store,
        &county,
        "520526",
        &selector(Some("eliminated"), None, Some("illness")).unwrap(),
        1,
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("risk"), "{e}");
    // Paging: one line a page would need a smaller page; page 2 of 50 is empty.
    let l = fh::households(&store, &county, "520526", &sel, 2)
        .await
        .unwrap();
    assert_eq!((l.total, l.items.len()), (3, 0));
}

/// An alert row: place, status, raised, resolved.
async fn alert_row(
    store: &Store,
    place: &str,
    status: &str,
    raised: DateTime<Utc>,
    resolved: Option<DateTime<Utc>>,
) {
    let level = match place.len() {
        6 => 3i64,
        9 => 4,
        _ => 5,
    };
    let padded = format!("{place:0<12}");
    store
        .pool
        .execute(
            q("INSERT INTO alerts (region_code, region_padded, level, risk_type, window_from, window_to, households,
                   baseline_mean, baseline_sigma, baseline_windows, threshold, severity, severity_rank, status,
                   rule_set_name, raised_at, updated_at, resolved_at)
               VALUES ($1, $2, $3, 'disaster', $4, $4, 6, 0.5, 1.0, 8, 5.0, 'high', 3, $5, 'test', $6, $6, $7)")
            .bind(place)
            .bind(padded)
            .bind(level)
            .bind(raised.date_naive())
            .bind(status)
            .bind(raised)
            .bind(resolved),
        )
        .await
        .unwrap();
}

/// 规模性返贫 alerts in the figures, counted by hand (period 2026-01 …
/// 2026-05, China months):
///
/// | alert | place | raised | resolved | counts in the period |
/// | -- | -- | -- | -- | -- |
/// | X1 | village A | 02-10 | open | open, raised |
/// | X2 | township 520526001 | 2025-12-20 | 01-05 | resolved |
/// | X3 | county 520526 | 03-01 | 04-01 | raised, resolved |
/// | X4 | village B | 2025-12-31 17:00 UTC = 01-01 01:00 China | open | open, raised |
/// | X5 | county 520502 (beside) | 02-01 | open | nothing here |
/// | X6 | village A | 2025-11-10 | 2025-11-15 | nothing |
///
/// County: open 2 (X1, X4), raised 3 (X1, X3, X4), resolved 2 (X2, X3);
/// its township 520526001: open 2, raised 2, resolved 1 (X3 is the
/// county's own); township's villages A and B: 1, 1, 0 each.
async fn alerts_in_the_figures(backend: Backend) {
    let Some((store, _officer, _dir)) = setup(backend).await else {
        return;
    };
    fixture(&store).await;
    alert_row(&store, VILLAGE_A, "open", at(2026, 2, 10), None).await;
    alert_row(
        &store,
        TOWNSHIP,
        "resolved",
        at(2025, 12, 20),
        Some(at(2026, 1, 5)),
    )
    .await;
    alert_row(
        &store,
        "520526",
        "resolved",
        at(2026, 3, 1),
        Some(at(2026, 4, 1)),
    )
    .await;
    let x4 = Utc.with_ymd_and_hms(2025, 12, 31, 17, 0, 0).unwrap();
    alert_row(&store, VILLAGE_B, "open", x4, None).await;
    alert_row(&store, "520502", "open", at(2026, 2, 1), None).await;
    alert_row(
        &store,
        VILLAGE_A,
        "resolved",
        at(2025, 11, 10),
        Some(at(2025, 11, 15)),
    )
    .await;
    let book = RuleBook::shipped();
    let a = |open, raised, resolved| figures::AlertFigures {
        open,
        raised,
        resolved,
    };
    let r = county_report(&store, &book).await;
    assert_eq!(r.total.alerts, a(2, 3, 2));
    let town = r
        .children
        .iter()
        .find(|c| c.region.code == TOWNSHIP)
        .expect("the township");
    assert_eq!(town.figures.alerts, a(2, 2, 1));
    let others: i64 = r
        .children
        .iter()
        .filter(|c| c.region.code != TOWNSHIP)
        .map(|c| c.figures.alerts.open + c.figures.alerts.raised + c.figures.alerts.resolved)
        .sum();
    assert_eq!(others, 0);
    let county = actor(Role::CountyAdmin, "520526");
    let t = figures::report(&store, &county, &book, TOWNSHIP, &period(), today())
        .await
        .unwrap();
    assert_eq!(t.total.alerts, a(2, 2, 1));
    for c in &t.children {
        let want = if c.region.code == VILLAGE_A || c.region.code == VILLAGE_B {
            a(1, 1, 0)
        } else {
            a(0, 0, 0)
        };
        assert_eq!(c.figures.alerts, want, "{}", c.region.code);
    }
    // A period of February only: X1 raised; none resolved; open stays 2.
    let feb = Period::parse(Some("2026-02"), Some("2026-02"), today()).unwrap();
    let f = figures::report(&store, &county, &book, "520526", &feb, today())
        .await
        .unwrap();
    assert_eq!(f.total.alerts, a(2, 1, 0));
    // A township beside reads none of them; the province viewer the county's.
    let beside = actor(Role::TownshipReviewer, "520526002");
    let b = figures::report(&store, &beside, &book, "520526", &period(), today())
        .await
        .unwrap();
    assert_eq!(b.total.alerts, a(0, 0, 0));
    let viewer = actor(Role::Viewer, "5205");
    let v = figures::report(&store, &viewer, &book, "5205", &period(), today())
        .await
        .unwrap();
    assert_eq!(
        v.total.alerts,
        a(3, 4, 2),
        "the city: the county's and 520502's"
    );
    // The workbook row carries them, last three columns.
    let row = figures::report_row("520526", "合计", &r.total);
    assert_eq!(row.len(), figures::REPORT_COLUMNS.len());
    assert_eq!(&row[row.len() - 3..], ["2", "3", "2"]);
    // A resolution is seen by the next read (alerts are not cached).
    store
        .pool
        .execute(
            q("UPDATE alerts SET status = 'resolved', resolved_at = $1 WHERE region_code = $2")
                .bind(at(2026, 4, 20))
                .bind(VILLAGE_B),
        )
        .await
        .unwrap();
    let r = county_report(&store, &book).await;
    assert_eq!(r.total.alerts, a(1, 3, 3));
}

macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

both_backends!(
    each_figure_is_the_hand_count,
    incremental_equals_rebuild,
    a_bad_period_names_its_field,
    households_behind_each_figure,
    alerts_in_the_figures,
);
