//! `dixian households import --report FILE.xlsx` through the real binary:
//! a file with bad rows writes nothing and leaves a workbook listing every
//! problem by line, column, field and reason (read back with calamine);
//! no cell quotes a value of the file (the ID numbers typed in it).

use calamine::{Reader, Xlsx};
use std::path::Path;
use std::process::Command;

fn run(db: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dixian"))
        .arg("--database")
        .arg(db)
        .env_remove("DATABASE_URL")
        .env_remove("DIXIAN_AUDIT_KEY_FILE")
        .env_remove("DIXIAN_DATA_KEY_FILE")
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const HEADER: &str = "户编号,村代码,地址,原建档立卡,住房安全等级,饮水安全,身份证号,姓名,与户主关系,劳动能力,健康状况,医保参保,就业状态\n";

#[test]
fn a_failed_import_writes_its_row_report() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("d.db");
    let file = dir.path().join("households.csv");
    // line 2: an ID number whose check digit is wrong (column 7);
    // line 3: a housing grade that does not exist (column 5).
    let bad_id = "520526197001010119";
    let good_id = "520526197001010118";
    std::fs::write(
        &file,
        format!(
            "{HEADER}\
             H-1,520526001001,某地,否,B,安全,{bad_id},张三,户主,有劳动力,健康,已参保,务农\n\
             H-2,520526001001,某地,否,Z,安全,{good_id},李四,户主,有劳动力,健康,已参保,务农\n"
        ),
    )
    .unwrap();
    let report = dir.path().join("report.xlsx");
    let (ok, out, err) = run(
        &db,
        &[
            "households",
            "import",
            &file.display().to_string(),
            "--report",
            &report.display().to_string(),
        ],
    );
    assert!(!ok, "{out}\n{err}");
    assert!(err.contains("nothing was written"), "{err}");
    let mut book = Xlsx::new(std::io::BufReader::new(
        std::fs::File::open(&report).unwrap(),
    ))
    .expect("the report is a workbook");
    let rows: Vec<Vec<String>> = book
        .worksheet_range_at(0)
        .unwrap()
        .unwrap()
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows[1], ["行号", "列号", "字段", "原因"], "{rows:?}");
    let places: Vec<(&str, &str, &str)> = rows[2..]
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str(), r[2].as_str()))
        .collect();
    assert!(places.contains(&("2", "7", "身份证号")), "{places:?}");
    assert!(places.contains(&("3", "5", "住房安全等级")), "{places:?}");
    assert_eq!(places.len(), 2, "one problem per bad row: {rows:?}");
    for cell in rows.iter().flatten() {
        assert!(!cell.contains(bad_id) && !cell.contains(good_id), "{cell}");
    }
    assert!(
        rows[2..].iter().all(|r| !r[3].is_empty()),
        "every problem says why"
    );
    // a good file leaves no report
    let good = dir.path().join("good.csv");
    std::fs::write(&good, HEADER).unwrap();
    let again = dir.path().join("again.xlsx");
    let _ = run(
        &db,
        &[
            "households",
            "import",
            &good.display().to_string(),
            "--report",
            &again.display().to_string(),
        ],
    );
    assert!(!again.exists(), "no problems by row, no report");
}
