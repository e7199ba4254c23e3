//! `dixian measures import` through the real binary on a fresh SQLite
//! database: a bank's ledger loads once (persons not registered counted),
//! the same file again does nothing, a bad ledger names line and column
//! and writes nothing.

use std::path::Path;
use std::process::Command;

const CATALOGUE: &str = r#"
[assistance]
first_measure_days = 30
effect_review_months = 6
visit_interval_days = 90

[[measures]]
kind = "small_loan"
class = "development"
household = false
unit = "yuan"
department = "bank"
eligibility = { labor = ["full", "weak"] }
max_amount_fen = 5000000
max_term_months = 36
excludes = []
"#;

fn dixian(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dixian"));
    c.arg("--database")
        .arg(db)
        .env_remove("DATABASE_URL")
        .env_remove("DIXIAN_AUDIT_KEY_FILE")
        .env_remove("DIXIAN_DATA_KEY_FILE");
    c
}

fn run(db: &Path, args: &[&str]) -> (bool, String, String) {
    let out = dixian(db).args(args).output().expect("runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_ledger_loads_once_and_a_bad_one_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let cat = dir.path().join("catalogue.toml");
    std::fs::write(&cat, CATALOGUE).unwrap();
    let ledger = dir.path().join("ledger.csv");
    std::fs::write(
        &ledger,
        "证件号码,借款人姓名,贷款金额,放款日期,到期日,借据号\n\
         520526197001010118,某,20000,2026-04-01,2027-03-31,JD-1\n",
    )
    .unwrap();
    let (ok, _, err) = run(&db, &["measures", "import", "--help"]);
    assert!(ok, "{err}");
    let args = |file: &Path| {
        vec![
            "measures".to_string(),
            "import".into(),
            file.display().to_string(),
            "--catalogue".into(),
            cat.display().to_string(),
            "--kind".into(),
            "小额信贷".into(),
        ]
    };
    let a = args(&ledger);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    let (ok, out, err) = run(&db, &a);
    assert!(ok, "{out}\n{err}");
    assert!(
        out.contains("1 rows, 0 measures stored, 1 persons not registered"),
        "{out}"
    );
    assert!(err.contains("逐行校验"), "progress is told: {err}");
    let (ok, out, err) = run(&db, &a);
    assert!(ok, "{err}");
    assert!(out.contains("loaded before"), "{out}");
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "身份证号,姓名,金额,开始日期,结束日期\n520526197001010118,某,-5,2026-03-01,2027-03-01\n",
    )
    .unwrap();
    let b = args(&bad);
    let b: Vec<&str> = b.iter().map(String::as_str).collect();
    let (ok, out, err) = run(&db, &b);
    assert!(!ok, "{out}");
    assert!(err.contains("line 2, column 3"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
}

/// `dixian measures report` through the binary: a household registered
/// from a registry file, 低保 for its head from the 民政 list and, over the
/// same months, from a second list: the report names the double payment
/// (JSON and workbook), and only on that person.
#[test]
fn the_chain_report_finds_a_double_payment() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let divisions = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/divisions");
    let d = divisions.display().to_string();
    let (ok, out, err) = run(&db, &["regions", "import", &d, "--only", "520526"]);
    assert!(ok, "{out}\n{err}");
    // One household of two: the head (1970-01-01) and a child.
    let head = "520526197001010118";
    let registry = dir.path().join("households.csv");
    std::fs::write(
        &registry,
        format!(
            "户编号,村代码,地址,原建档立卡,住房安全等级,饮水安全,身份证号,姓名,与户主关系,劳动能力,健康状况,医保参保,就业状态\n\
             5205260010010001,520526001001,一组,否,A,安全,{head},张某,户主,无劳动力,长期慢性病,已参保,不适用\n"
        ),
    )
    .unwrap();
    let r = registry.display().to_string();
    let (ok, out, err) = run(&db, &["households", "import", &r, "--region", "520526"]);
    assert!(ok, "{out}\n{err}");
    let list = |name: &str, dept: &str, from: &str| {
        let p = dir.path().join(name);
        std::fs::write(
            &p,
            format!("身份证号,姓名,项目,金额,开始日期,部门,凭证号\n{head},张某,低保,500,{from},{dept},{name}\n"),
        )
        .unwrap();
        p.display().to_string()
    };
    for (name, dept, from) in [
        ("minzheng.csv", "民政", "2026-01-01"),
        ("other.csv", "其他", "2026-03-01"),
    ] {
        let f = list(name, dept, from);
        let (ok, out, err) = run(&db, &["measures", "import", &f, "--region", "520526"]);
        assert!(ok, "{name}: {out}\n{err}");
        assert!(out.contains("1 measures stored"), "{out}");
    }
    let (ok, out, err) = run(&db, &["measures", "report", "--help"]);
    assert!(ok && out.contains("double_payment"), "{err}");
    assert!(out.contains("subsidy_without_loan"), "{out}");
    let xlsx = dir.path().join("report.xlsx");
    let x = xlsx.display().to_string();
    let (ok, out, err) = run(
        &db,
        &[
            "measures",
            "report",
            "--region",
            "520526001",
            "--json",
            "--xlsx",
            &x,
        ],
    );
    assert!(ok, "{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["households_checked"], 1, "{v}");
    let count = |rule: &str| {
        v["counts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["rule"] == rule)
            .map(|c| c["findings"].as_u64().unwrap())
            .unwrap()
    };
    assert_eq!(count("double_payment"), 1, "{v}");
    assert_eq!(count("exclusive_overlap"), 0, "{v}");
    assert_eq!(count("loan_past_term"), 0, "{v}");
    // every rule is counted, the 贴息 one too
    assert_eq!(count("subsidy_without_loan"), 0, "{v}");
    assert!(!out.contains(head), "the ID number is masked");
    let bytes = std::fs::read(&xlsx).unwrap();
    assert!(bytes.starts_with(b"PK"), "a workbook");
    // The plain table names the rule in Chinese.
    let (ok, out, _) = run(
        &db,
        &[
            "measures",
            "report",
            "--region",
            "520526",
            "--findings-only",
        ],
    );
    assert!(ok);
    assert!(out.contains("重复享受"), "{out}");
}

/// `dixian measures report` names an interest subsidy (贴息) its loan no
/// longer covers: a loan without end date and a subsidy in its second
/// year load under the national catalogue (a 36-month term covers it);
/// once the county adopts its own catalogue with a 12-month loan term,
/// the report (JSON and table) finds `subsidy_without_loan`.
#[test]
fn the_chain_report_finds_a_subsidy_no_loan_covers() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let divisions = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/divisions");
    let d = divisions.display().to_string();
    let (ok, out, err) = run(&db, &["regions", "import", &d, "--only", "520526"]);
    assert!(ok, "{out}\n{err}");
    let born = chrono::NaiveDate::from_ymd_opt(1980, 6, 1).unwrap();
    let worker = dixian_domain::IdNumber::from_parts("520526", born, 21)
        .unwrap()
        .as_str()
        .to_string();
    let registry = dir.path().join("households.csv");
    std::fs::write(
        &registry,
        format!(
            "户编号,村代码,地址,原建档立卡,住房安全等级,饮水安全,身份证号,姓名,与户主关系,劳动能力,健康状况,医保参保,就业状态\n\
             5205260010010002,520526001001,二组,否,A,安全,{worker},李某,户主,有劳动力,健康,已参保,务农\n"
        ),
    )
    .unwrap();
    let r = registry.display().to_string();
    let (ok, out, err) = run(&db, &["households", "import", &r, "--region", "520526"]);
    assert!(ok, "{out}\n{err}");
    let list = dir.path().join("loan.csv");
    std::fs::write(
        &list,
        format!(
            "身份证号,姓名,项目,金额,开始日期,结束日期,部门,凭证号\n\
             {worker},李某,小额信贷,20000,2026-01-01,,银行,JD-1\n\
             {worker},李某,小额信贷贴息,300,2027-01-10,2027-06-30,农业农村,TX-1\n"
        ),
    )
    .unwrap();
    let l = list.display().to_string();
    let (ok, out, err) = run(&db, &["measures", "import", &l, "--region", "520526"]);
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("2 measures stored"), "{out}");
    let report = |db: &Path| {
        let (ok, out, err) = run(
            db,
            &["measures", "report", "--region", "520526001", "--json"],
        );
        assert!(ok, "{out}\n{err}");
        let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
        v["counts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["rule"] == "subsidy_without_loan")
            .map(|c| c["findings"].as_u64().unwrap())
            .unwrap()
    };
    assert_eq!(report(&db), 0, "covered by the 36-month term");
    // The county's own catalogue: the loan's term 12 months.
    let national = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/national-2021.toml"),
    )
    .unwrap();
    let ceiling = "max_term_months = 36         # 全国上限 national ceiling";
    assert!(national.contains(ceiling));
    let county = national
        .replace("region = \"national\"", "region = \"520526\"")
        .replace("valid_from = 2021-01-01", "valid_from = 2026-01-01")
        .replace(ceiling, "max_term_months = 12");
    let file = dir.path().join("county.toml");
    std::fs::write(&file, county).unwrap();
    let f = file.display().to_string();
    let (ok, out, err) = run(&db, &["rules", "add", &f]);
    assert!(ok, "{out}\n{err}");
    assert_eq!(report(&db), 1, "the loan's term no longer covers it");
    let (ok, out, _) = run(
        &db,
        &[
            "measures",
            "report",
            "--region",
            "520526",
            "--rule",
            "subsidy_without_loan",
        ],
    );
    assert!(ok);
    assert!(out.contains("贴息无对应贷款"), "{out}");
    assert!(!out.contains(&worker), "the ID number is masked");
}
