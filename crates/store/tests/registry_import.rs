//! `households import` semantics on both backends: a valid file lands
//! whole; a file with any bad row — wrong check digit, a person already in
//! another household, an unknown village, a malformed line — is reported
//! row by row with line and field, and the database is unchanged.

use chrono::NaiveDate;
use dixian_domain::{IdNumber, RegionCode};
use dixian_store::registry_file::{ImportReport, import_file};
use dixian_store::testing::{Backend, fresh_store};
use dixian_store::{Actor, Store, db::q, households};

use std::path::{Path, PathBuf};

const HEADER: &str = "户编号,村代码,村民小组,地址,监测类别,原建档立卡,住房安全等级,饮水安全,耕地面积,工资性收入,身份证号,姓名,与户主关系,劳动能力,健康状况,医保参保,就业状态";

fn id(birth: &str, seq: u16) -> String {
    let d = NaiveDate::parse_from_str(birth, "%Y-%m-%d").unwrap();
    IdNumber::from_parts("520526", d, seq)
        .unwrap()
        .as_str()
        .to_string()
}

fn row(number: &str, village: &str, id: &str, name: &str, relation: &str) -> String {
    format!(
        "{number},{village},2组,某某组,,是,B,安全,2.5,12000,{id},{name},{relation},有劳动力,健康,已参保,务农"
    )
}

/// A valid file of two households, three persons (lines 2–4).
fn good_rows() -> Vec<String> {
    vec![
        row("H1", "520526001001", &id("1970-01-01", 11), "王一", "户主"),
        row("H1", "520526001001", &id("1998-02-02", 12), "王二", "子女"),
        row("H2", "520526001002", &id("1960-03-03", 21), "李三", "户主"),
    ]
}

fn write(dir: &Path, name: &str, rows: &[String]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, format!("{HEADER}\n{}\n", rows.join("\n"))).unwrap();
    p
}

async fn counts(store: &Store) -> (i64, i64, i64) {
    let c = |t: &str| format!("SELECT COUNT(*) FROM {t}");
    let (h,): (i64,) = store.pool.one(q(c("households"))).await.unwrap();
    let (m,): (i64,) = store.pool.one(q(c("members"))).await.unwrap();
    let (a,): (i64,) = store.pool.one(q(c("audit_log"))).await.unwrap();
    (h, m, a)
}

async fn setup(backend: Backend) -> Option<(Store, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(backend, dir.path())
        .await
        .expect("fresh database (PostgreSQL must run in CI)")?;
    let divisions =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/divisions");
    let county = RegionCode::parse("520526").unwrap();
    dixian_store::regions::import(&store.pool, &divisions, Some(&county), |_, _, _| {})
        .await
        .unwrap();
    Some((store, dir))
}

async fn import(store: &Store, file: &Path) -> ImportReport {
    import_file(store, file, None, true, || {}).await.unwrap()
}

fn assert_reported(report: &ImportReport, line: usize, field: &str) {
    let hit = report
        .errors
        .iter()
        .any(|e| e.starts_with(&format!("line {line}")) && e.contains(field));
    assert!(
        hit,
        "expected an error on line {line} naming {field}, got {:#?}",
        report.errors
    );
}

async fn valid_file_lands_whole(backend: Backend) {
    let Some((store, dir)) = setup(backend).await else {
        return;
    };
    let report = import(&store, &write(dir.path(), "ok.csv", &good_rows())).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.written, (2, 3));
    // one audit record for the whole file (docs/registry-format.md, "Bulk load")
    assert_eq!(counts(&store).await, (2, 3, 1));
    // importing the same file again: every household number and person is taken
    let again = import(&store, &write(dir.path(), "ok.csv", &good_rows())).await;
    assert_eq!(again.written, (0, 0));
    assert_reported(&again, 2, "户编号");
    assert_reported(&again, 3, "身份证号");
    assert_eq!(counts(&store).await, (2, 3, 1));
}

async fn bad_rows_are_named_and_nothing_is_written(backend: Backend) {
    let Some((store, dir)) = setup(backend).await else {
        return;
    };
    import(&store, &write(dir.path(), "base.csv", &good_rows())).await;
    let before = counts(&store).await;
    let mut reports = Vec::new();

    // 1. a wrong check digit (line 3, column 11 = 身份证号)
    let mut bad = id("1985-05-05", 31);
    let last = if bad.ends_with('1') { "2" } else { "1" };
    bad.replace_range(17..18, last);
    let rows = vec![
        row("H3", "520526001001", &id("1980-01-01", 41), "赵四", "户主"),
        row("H3", "520526001001", &bad, "赵五", "配偶"),
    ];
    let r = import(&store, &write(dir.path(), "checkdigit.csv", &rows)).await;
    assert!(
        r.errors
            .iter()
            .any(|e| e.starts_with("line 3, column 11 (身份证号)") && e.contains("check digit")),
        "{:#?}",
        r.errors
    );
    reports.push(r);

    // 2. a member already registered in household H1 (line 3)
    let rows = vec![
        row("H4", "520526001001", &id("1981-01-01", 51), "钱六", "户主"),
        row("H4", "520526001001", &id("1998-02-02", 12), "王二", "子女"),
    ];
    let r = import(&store, &write(dir.path(), "taken.csv", &rows)).await;
    assert_reported(&r, 3, "身份证号");
    assert!(
        r.errors.iter().any(|e| e.contains("household H1")),
        "names the household: {:#?}",
        r.errors
    );
    assert!(
        !r.errors.iter().any(|e| e.contains(&id("1998-02-02", 12))),
        "no ID in messages"
    );
    reports.push(r);

    // 3. a village code that does not exist (line 2)
    let rows = vec![row(
        "H5",
        "520526001999",
        &id("1982-01-01", 61),
        "孙七",
        "户主",
    )];
    let r = import(&store, &write(dir.path(), "village.csv", &rows)).await;
    assert_reported(&r, 2, "村代码");
    reports.push(r);

    // 4. a malformed line (line 3 has too few fields), after a good one
    let mut rows = vec![row(
        "H6",
        "520526001001",
        &id("1983-01-01", 71),
        "周八",
        "户主",
    )];
    rows.push("H7,520526001001,1组".into());
    let r = import(&store, &write(dir.path(), "malformed.csv", &rows)).await;
    assert!(
        r.errors.iter().any(|e| e.contains("line 3")),
        "{:#?}",
        r.errors
    );
    reports.push(r);

    assert!(reports.iter().all(|r| r.written == (0, 0)));
    assert_eq!(
        counts(&store).await,
        before,
        "nothing written by any bad file"
    );
}

async fn export_and_reimport_round_trips(backend: Backend) {
    let Some((store, dir)) = setup(backend).await else {
        return;
    };
    import(&store, &write(dir.path(), "ok.csv", &good_rows())).await;
    let county = RegionCode::parse("520526").unwrap();
    let actor = Actor::operator(county.clone());
    let mut w =
        dixian_tabular::household_file::XlsxHouseholdWriter::new(Default::default()).unwrap();
    let mut originals = Vec::new();
    households::for_each_in(&store.pool, &actor, &county, |h| {
        w.write(&h.household).unwrap();
        originals.push(h.household);
        Ok(())
    })
    .await
    .unwrap();
    let xlsx = dir.path().join("export.xlsx");
    w.save(&xlsx).unwrap();
    // a second, fresh database takes the export back unchanged
    let Some((store2, _d2)) = setup(backend).await else {
        return;
    };
    let r = import(&store2, &xlsx).await;
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let mut again = Vec::new();
    households::for_each_in(&store2.pool, &actor, &county, |h| {
        again.push(h.household);
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(originals.len(), 2, "the export holds the households");
    assert_eq!(
        originals.iter().map(|h| h.members.len()).sum::<usize>(),
        3,
        "and their members"
    );
    assert_eq!(originals, again);
}

/// Issue 11, point 7: 监测类别 comes only from the workflow or the county's
/// migration; a registry file that sets it is refused on that line and
/// column, and nothing is stored.
async fn a_category_in_the_file_is_refused(backend: Backend) {
    let Some((store, dir)) = setup(backend).await else {
        return;
    };
    let before = counts(&store).await;
    let mut rows = good_rows();
    // line 4: 李三's household says it is monitored
    rows[2] = rows[2].replacen(",某某组,,", ",某某组,边缘易致贫户,", 1);
    assert!(
        rows[2].contains("边缘易致贫户"),
        "the fixture sets a category"
    );
    let report = import(&store, &write(dir.path(), "category.csv", &rows)).await;
    assert_eq!(report.written, (0, 0));
    assert_reported(&report, 4, "监测类别");
    assert!(
        report
            .errors
            .iter()
            .all(|e| !e.starts_with("line 2") && !e.starts_with("line 3")),
        "only the line with a category is refused: {:#?}",
        report.errors
    );
    assert_eq!(counts(&store).await, before, "nothing stored");
}

/// `n` one-person households over two villages, none registered yet
/// (lines 2 ..= n + 1); persons born a day apart from 1940 on.
fn many_rows(n: usize) -> Vec<String> {
    let first = NaiveDate::from_ymd_opt(1940, 1, 1).unwrap();
    (0..n)
        .map(|i| {
            let birth = first + chrono::Days::new(i as u64);
            let person = IdNumber::from_parts("520526", birth, 31).unwrap();
            let village = ["520526001001", "520526001002"][i % 2];
            row(&format!("M{i:05}"), village, person.as_str(), "某", "户主")
        })
        .collect()
}

/// More than two of the importer's 500-household chunks, the problem in
/// the last one: nothing at all is stored — not the chunks checked and
/// written before it (one transaction, not one per chunk).
async fn a_problem_in_the_last_chunk_stores_nothing(backend: Backend) {
    let Some((store, dir)) = setup(backend).await else {
        return;
    };
    import(&store, &write(dir.path(), "base.csv", &good_rows())).await;
    let before = counts(&store).await;
    assert_eq!(before, (2, 3, 1));
    const N: usize = 1_100;
    // 1. the last household's person is registered already (in H1): found
    //    only when the last chunk is checked against the database
    let mut rows = many_rows(N);
    rows[N - 1] = row(
        "M-LAST",
        "520526001001",
        &id("1970-01-01", 11),
        "王一",
        "户主",
    );
    let r = import(&store, &write(dir.path(), "taken-last.csv", &rows)).await;
    assert_reported(&r, N + 1, "身份证号");
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    assert_eq!(r.written, (0, 0));
    assert_eq!(counts(&store).await, before, "no chunk stored");
    // 2. the last line has a wrong check digit: a file error after 1,099
    //    good households
    let mut rows = many_rows(N);
    let mut bad = id("1985-05-05", 31);
    bad.replace_range(17..18, if bad.ends_with('1') { "2" } else { "1" });
    rows[N - 1] = row("M-LAST", "520526001001", &bad, "某", "户主");
    let r = import(&store, &write(dir.path(), "digit-last.csv", &rows)).await;
    assert_reported(&r, N + 1, "身份证号");
    assert_eq!(r.written, (0, 0));
    assert_eq!(counts(&store).await, before, "no chunk stored");
    // the same file without the problem lands whole: the size is no problem
    let rows = many_rows(N);
    let r = import(&store, &write(dir.path(), "fine.csv", &rows)).await;
    assert!(
        r.errors.is_empty(),
        "{:?}",
        &r.errors[..r.errors.len().min(3)]
    );
    assert_eq!(r.written, (N as u64, N as u64));
    assert_eq!(counts(&store).await.0, 2 + N as i64);
}

/// The households of a registry file as the file reader gives them.
fn parsed(file: &Path) -> Vec<dixian_domain::Household> {
    let table = dixian_tabular::open(file).unwrap();
    let today = chrono::Local::now().date_naive();
    dixian_tabular::household_file::HouseholdReader::new(table, today)
        .unwrap()
        .map(|h| h.unwrap().household)
        .collect()
}

#[derive(Debug, PartialEq, sqlx::FromRow)]
struct HouseholdCols {
    number: String,
    village_code: String,
    village_group: Option<String>,
    address: String,
    category: Option<String>,
    formerly_poor: bool,
    housing: String,
    water: String,
    farmland_mu: f64,
    forest_mu: f64,
    income_wage: i64,
    income_production: i64,
    income_property: i64,
    income_transfer: i64,
    medical_expense: i64,
    schooling_expense: i64,
    head_name: String,
    member_count: i64,
    version: i64,
}

#[derive(Debug, PartialEq, sqlx::FromRow)]
struct MemberCols {
    number: String,
    position: i64,
    id_number: String,
    id_hash: String,
    id_tail4: String,
    id_tail5: String,
    id_tail6: String,
    name: String,
    relation: String,
    labor: String,
    disability_kind: Option<String>,
    disability_grade: Option<i64>,
    illness: String,
    student_stage: Option<String>,
    student_status: Option<String>,
    insurance: String,
    employment: String,
    phone: Option<String>,
}

/// Every stored column of households and members but ids and times, by
/// household number and position, ID numbers and phones opened.
async fn stored_rows(store: &Store) -> (Vec<HouseholdCols>, Vec<MemberCols>) {
    let hs: Vec<HouseholdCols> = store
        .pool
        .all(q("SELECT number, village_code, village_group, address, category, formerly_poor, housing, water, \
                farmland_mu, forest_mu, income_wage, income_production, income_property, income_transfer, \
                medical_expense, schooling_expense, head_name, member_count, version FROM households ORDER BY number"))
        .await
        .unwrap();
    let ms: Vec<MemberCols> = store
        .pool
        .all(q("SELECT h.number, m.position, m.id_number, m.id_hash, m.id_tail4, m.id_tail5, m.id_tail6, m.name, \
                m.relation, m.labor, m.disability_kind, m.disability_grade, m.illness, m.student_stage, \
                m.student_status, m.insurance, m.employment, m.phone
                FROM members m JOIN households h ON h.id = m.household_id ORDER BY h.number, m.position"))
        .await
        .unwrap();
    let key = store.pool.data();
    let ms = ms
        .into_iter()
        .map(|mut m| {
            m.id_number = key.open("id_number", &m.id_number).unwrap();
            m.phone = key.open_opt("phone", m.phone.take()).unwrap();
            m
        })
        .collect();
    (hs, ms)
}

/// The bulk path stores exactly what the one-household path stores
/// (`households::create`, the path of edits), and the import is one audit
/// record naming the file's SHA-256 and its counts, in an intact chain.
async fn bulk_import_equals_the_one_household_path(backend: Backend) {
    let Some((bulk, dir)) = setup(backend).await else {
        return;
    };
    let Some((single, _dir2)) = setup(backend).await else {
        return;
    };
    let mut rows = good_rows();
    rows.extend(many_rows(300));
    let file = write(dir.path(), "county.csv", &rows);
    let report = import(&bulk, &file).await;
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.written, (302, 303));
    let op = Actor::operator(RegionCode::parse("520526").unwrap());
    for h in parsed(&file) {
        households::create(&single.pool, &op, &h).await.unwrap();
    }
    let (bh, bm) = stored_rows(&bulk).await;
    let (sh, sm) = stored_rows(&single).await;
    assert_eq!((bh.len(), bm.len()), (302, 303), "hand count of the file");
    assert_eq!(bh, sh, "household rows");
    assert_eq!(bm, sm, "member rows");
    // H1's head and size, as written in the file
    let h1 = &bh[0];
    assert_eq!(
        (
            h1.number.as_str(),
            h1.village_code.as_str(),
            h1.head_name.as_str(),
            h1.member_count,
            h1.version
        ),
        ("H1", "520526001001", "王一", 2, 1)
    );
    assert_eq!((h1.income_wage, h1.farmland_mu), (12_000, 2.5));
    assert_eq!(bm[1].name, "王二");
    assert_eq!(bm[1].id_number, id("1998-02-02", 12));
    // the audit: one record for the file on the bulk side
    let records: Vec<(String, String, String, Option<String>)> = bulk
        .pool
        .all(q(
            "SELECT action, entity, entity_id, after FROM audit_log ORDER BY seq",
        ))
        .await
        .unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    let (action, entity, entity_id, after) = &records[0];
    use sha2::Digest;
    let sha = hex::encode(sha2::Sha256::digest(std::fs::read(&file).unwrap()));
    assert_eq!(
        (action.as_str(), entity.as_str()),
        ("import", "household_import")
    );
    assert_eq!(entity_id, &sha);
    let after: serde_json::Value = serde_json::from_str(after.as_deref().unwrap()).unwrap();
    assert_eq!(after["households"], 302);
    assert_eq!(after["persons"], 303);
    assert_eq!(after["file"], "county.csv");
    assert_eq!(after["villages"], 2);
    let report = dixian_store::audit::verify(&bulk.pool, &[]).await.unwrap();
    assert!(report.problem.is_none(), "{:?}", report.problem);
    assert_eq!(report.records, 1);
}

/// The SQLite insert triggers a bulk import drops in its transaction are
/// there again, whatever became of the import.
async fn insert_triggers_present(store: &Store) {
    if store.pool.is_postgres() {
        return;
    }
    let (n,): (i64,) = store
        .pool
        .one(q(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' \
                AND name IN ('stats_households_ins', 'stats_members_ins')",
        ))
        .await
        .unwrap();
    assert_eq!(n, 2, "the stats insert triggers are back");
}

/// A file of 10,000 households with one bad cell on line 9,001 — after two
/// full chunks were checked and written inside the transaction — stores
/// nothing and names the line and the column.
async fn one_bad_line_deep_inside_stores_nothing(backend: Backend) {
    let Some((store, dir)) = setup(backend).await else {
        return;
    };
    const N: usize = 10_000;
    let mut rows = many_rows(N);
    // column 9 = 耕地面积 (farmland), not a number
    let mut cells: Vec<String> = rows[8_999].split(',').map(str::to_string).collect();
    cells[8] = "两亩".into();
    rows[8_999] = cells.join(",");
    let r = import(&store, &write(dir.path(), "deep.csv", &rows)).await;
    assert_eq!(r.written, (0, 0));
    assert_eq!(r.problems.len(), 1, "{:?}", r.errors);
    assert_eq!((r.problems[0].line, r.problems[0].column), (9_001, Some(9)));
    assert!(
        r.errors[0].starts_with("line 9001, column 9"),
        "{}",
        r.errors[0]
    );
    assert_eq!(counts(&store).await, (0, 0, 0), "nothing stored");
    let (dirty,): (i64,) = store
        .pool
        .one(q("SELECT COUNT(*) FROM stats_dirty"))
        .await
        .unwrap();
    assert_eq!(dirty, 0, "no village marked");
    insert_triggers_present(&store).await;
    // the same file mended lands whole
    let r = import(&store, &write(dir.path(), "mended.csv", &many_rows(N))).await;
    assert!(
        r.errors.is_empty(),
        "{:?}",
        &r.errors[..r.errors.len().min(3)]
    );
    assert_eq!(r.written, (N as u64, N as u64));
    assert_eq!(counts(&store).await, (N as i64, N as i64, 1));
}

/// An import dropped half-way (the process killed, the task cancelled)
/// after a chunk was written in its transaction leaves nothing: no rows,
/// no marks, no audit, the triggers in place.
async fn a_dropped_import_leaves_nothing(backend: Backend) {
    let Some((store, dir)) = setup(backend).await else {
        return;
    };
    let file = write(dir.path(), "half.csv", &many_rows(5_000));
    let op = Actor::operator(RegionCode::parse("520526").unwrap());
    {
        let mut imp = households::Importer::begin(&store.pool, &op).await.unwrap();
        for h in parsed(&file) {
            imp.add(h).await.unwrap();
        }
        assert!(
            imp.timings().insert > std::time::Duration::ZERO,
            "a chunk went in"
        );
        // dropped here, never finished
    }
    assert_eq!(counts(&store).await, (0, 0, 0));
    let (dirty,): (i64,) = store
        .pool
        .one(q("SELECT COUNT(*) FROM stats_dirty"))
        .await
        .unwrap();
    assert_eq!(dirty, 0);
    insert_triggers_present(&store).await;
    let r = import(&store, &file).await;
    assert_eq!(r.written, (5_000, 5_000));
    assert_eq!(counts(&store).await, (5_000, 5_000, 1));
}

/// A bulk import marks each village it wrote once, and the counters
/// recounted from those marks equal a rebuild from scratch.
async fn counters_after_a_bulk_import_equal_a_rebuild(backend: Backend) {
    let Some((store, dir)) = setup(backend).await else {
        return;
    };
    let mut rows = good_rows();
    rows.extend(many_rows(3_000));
    import(&store, &write(dir.path(), "county.csv", &rows)).await;
    let marks: Vec<(String,)> = store
        .pool
        .all(q("SELECT village_code FROM stats_dirty ORDER BY 1"))
        .await
        .unwrap();
    let marks: Vec<&str> = marks.iter().map(|(v,)| v.as_str()).collect();
    assert_eq!(marks, ["520526001001", "520526001002"], "once per village");
    let none = |_: &str| std::collections::HashSet::new();
    use dixian_store::stats;
    assert_eq!(stats::refresh(&store.pool, &none).await.unwrap(), 2);
    let incremental = stats::all_counters(&store.pool).await.unwrap();
    assert!(!incremental.is_empty());
    assert_eq!(stats::rebuild(&store.pool, &none).await.unwrap(), 2);
    assert_eq!(stats::all_counters(&store.pool).await.unwrap(), incremental);
    // a later edit still marks row by row (the triggers are back)
    let op = Actor::operator(RegionCode::parse("520526").unwrap());
    let h = parsed(&write(
        dir.path(),
        "one.csv",
        &[row(
            "N1",
            "520526001001",
            &id("1990-09-09", 81),
            "新",
            "户主",
        )],
    ))
    .remove(0);
    households::create(&store.pool, &op, &h).await.unwrap();
    let marks: Vec<(String,)> = store
        .pool
        .all(q("SELECT village_code FROM stats_dirty"))
        .await
        .unwrap();
    assert_eq!(
        marks,
        [("520526001001".to_string(),)],
        "an edit marks its village"
    );
}

macro_rules! on_both_backends {
    ($($name:ident),+) => {
        mod sqlite { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Sqlite).await })+ }
        mod postgres { $(#[tokio::test] async fn $name() { super::$name(super::Backend::Postgres).await })+ }
    };
}

on_both_backends!(
    valid_file_lands_whole,
    bad_rows_are_named_and_nothing_is_written,
    export_and_reimport_round_trips,
    a_problem_in_the_last_chunk_stores_nothing,
    a_category_in_the_file_is_refused,
    bulk_import_equals_the_one_household_path,
    one_bad_line_deep_inside_stores_nothing,
    a_dropped_import_leaves_nothing,
    counters_after_a_bulk_import_equal_a_rebuild
);
