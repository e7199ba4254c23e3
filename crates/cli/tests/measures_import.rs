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
