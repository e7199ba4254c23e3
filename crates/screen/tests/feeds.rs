//! Feed files of every kind, read as a department would send them: Chinese
//! or English headers, UTF-8 or GB18030, CSV or XLSX, good and bad rows.

mod common;

use common::{bad_check, cells, csv, date, id, today};
use dixian_domain::{DisabilityKind, HousingGrade, StudentStage, StudentStatus};
use dixian_screen::feed::{
    AssistanceKind, AssistanceStatus, HouseDamage, JobStatus, PersonalAssetKind, VisitType,
    VitalEvent, WaterEvent,
};
use dixian_screen::{
    FeedKind, FeedParse, FeedRow, ValueKind, batch_hash, parse_feed, parse_feed_bytes,
    write_error_report,
};
use dixian_tabular::TableReader;

/// Chinese headers, English headers and one good row of each kind.
fn sample(kind: FeedKind) -> (Vec<&'static str>, Vec<&'static str>, Vec<String>) {
    let person = id(11);
    let (zh, en, row): (Vec<&str>, Vec<&str>, Vec<&str>) = match kind {
        FeedKind::Medical => (
            vec![
                "身份证号",
                "姓名",
                "结算日期",
                "就诊类型",
                "总费用",
                "医保支付",
                "个人自付",
                "诊断",
            ],
            vec![
                "id_number",
                "name",
                "settled_on",
                "visit_type",
                "total_cost",
                "insurance_paid",
                "self_paid",
                "diagnosis",
            ],
            vec![
                &person,
                "张三",
                "2026-03-01",
                "住院",
                "\"12,000.50\"",
                "5000",
                "7000.5",
                "",
            ],
        ),
        FeedKind::Disability => (
            vec!["身份证号", "姓名", "残疾类别", "残疾等级", "发证日期"],
            vec![
                "id_number",
                "name",
                "disability_kind",
                "disability_grade",
                "issued_on",
            ],
            vec![&person, "张三", "肢体残疾", "二级", "2026/3/1"],
        ),
        FeedKind::Assistance => (
            vec!["身份证号", "姓名", "救助类型", "状态", "金额", "日期"],
            vec![
                "id_number",
                "name",
                "assistance_kind",
                "status",
                "amount",
                "date",
            ],
            vec![&person, "张三", "低保边缘", "新增", "650", "20260301"],
        ),
        FeedKind::Education => (
            vec!["身份证号", "姓名", "学段", "学校", "状态", "日期"],
            vec!["id_number", "name", "stage", "school", "status", "date"],
            vec![&person, "张三", "初中", "某某中学", "辍学", "2026-03-01"],
        ),
        FeedKind::Housing => (
            vec!["身份证号", "鉴定等级", "鉴定日期"],
            vec!["id_number", "safety_grade", "assessed_on"],
            vec![&person, "C", "2026-03-01"],
        ),
        FeedKind::Employment => (
            vec!["身份证号", "姓名", "就业状态", "月收入", "日期"],
            vec!["id_number", "name", "status", "monthly_income", "date"],
            vec![&person, "张三", "返乡", "0", "2026-03-01"],
        ),
        FeedKind::Disaster => (
            vec!["身份证号", "灾种", "损失金额", "房屋损毁", "日期"],
            vec!["id_number", "hazard", "loss_amount", "house_damage", "date"],
            vec![&person, "洪涝", "\"23,400\"", "倒塌", "2026-03-01"],
        ),
        FeedKind::Vital => (
            vec!["身份证号", "事件", "日期"],
            vec!["id_number", "event", "date"],
            vec![&person, "死亡", "2026-03-01"],
        ),
        FeedKind::Assets => (
            vec!["身份证号", "资产类型", "价值", "日期"],
            vec!["id_number", "asset_kind", "value", "date"],
            vec![&person, "车辆", "150000", "2026-03-01"],
        ),
        FeedKind::Water => (
            vec!["村代码", "事件", "开始", "结束"],
            vec!["village_code", "event", "start_on", "end_on"],
            vec!["530102101201", "停水", "2026-01-01", "2026-02-15"],
        ),
    };
    (zh, en, cells(&row))
}

fn parse(kind: FeedKind, bytes: Vec<u8>) -> FeedParse {
    parse_feed_bytes(kind, bytes, today())
}

#[test]
fn every_kind_reads_with_chinese_and_with_english_headers() {
    for kind in FeedKind::ALL {
        let (zh, en, row) = sample(kind);
        let a = parse(kind, csv(&zh, std::slice::from_ref(&row)));
        let b = parse(kind, csv(&en, std::slice::from_ref(&row)));
        assert!(a.is_clean(), "{kind} zh: {:?}", a.errors);
        assert!(b.is_clean(), "{kind} en: {:?}", b.errors);
        assert_eq!(a.rows.len(), 1, "{kind}");
        assert_eq!(a.rows, b.rows, "{kind}");
        assert_eq!(a.rows[0].0, 2);
        assert_eq!(a.rows[0].1.kind(), kind);
        assert!(a.unknown_columns.is_empty());
    }
}

#[test]
fn every_kind_reads_typed_values() {
    let rows: Vec<FeedRow> = FeedKind::ALL
        .iter()
        .map(|&k| {
            let (zh, _, row) = sample(k);
            let mut p = parse(k, csv(&zh, &[row]));
            p.rows.pop().expect("one row").1
        })
        .collect();
    let FeedRow::Medical(m) = &rows[0] else {
        panic!("medical")
    };
    assert_eq!(
        (
            m.visit_type,
            m.total_cost_fen,
            m.insurance_paid_fen,
            m.self_paid_fen
        ),
        (VisitType::Inpatient, 1_200_050, 500_000, 700_050)
    );
    assert_eq!(
        (m.settled_on, m.diagnosis.as_deref(), m.name.as_str()),
        (date(2026, 3, 1), None, "张三")
    );
    assert_eq!(m.id_number.as_str(), id(11));
    let FeedRow::Disability(d) = &rows[1] else {
        panic!("disability")
    };
    assert_eq!(
        (d.disability_kind, d.disability_grade, d.issued_on),
        (DisabilityKind::Physical, 2, date(2026, 3, 1))
    );
    let FeedRow::Assistance(a) = &rows[2] else {
        panic!("assistance")
    };
    assert_eq!(
        (a.assistance_kind, a.status, a.amount_fen),
        (
            AssistanceKind::DibaoMarginal,
            AssistanceStatus::Granted,
            65_000
        )
    );
    let FeedRow::Education(e) = &rows[3] else {
        panic!("education")
    };
    assert_eq!(
        (e.stage, e.status, e.school.as_str()),
        (
            StudentStage::JuniorSecondary,
            StudentStatus::DroppedOut,
            "某某中学"
        )
    );
    let FeedRow::Housing(h) = &rows[4] else {
        panic!("housing")
    };
    assert_eq!(h.safety_grade, HousingGrade::C);
    let FeedRow::Employment(j) = &rows[5] else {
        panic!("employment")
    };
    assert_eq!((j.status, j.monthly_income_fen), (JobStatus::Returned, 0));
    let FeedRow::Disaster(x) = &rows[6] else {
        panic!("disaster")
    };
    assert_eq!(
        (x.house_damage, x.loss_fen, x.hazard.as_str()),
        (HouseDamage::Collapsed, 2_340_000, "洪涝")
    );
    let FeedRow::Vital(v) = &rows[7] else {
        panic!("vital")
    };
    assert_eq!(v.event, VitalEvent::Death);
    let FeedRow::Assets(s) = &rows[8] else {
        panic!("assets")
    };
    assert_eq!(
        (s.asset_kind, s.value_fen),
        (PersonalAssetKind::Vehicle, 15_000_000)
    );
    let FeedRow::Water(w) = &rows[9] else {
        panic!("water")
    };
    assert_eq!(
        (w.village.as_str(), w.event, w.days()),
        ("530102101201", WaterEvent::Outage, 46)
    );
    assert_eq!(rows[9].id_number(), None);
    assert_eq!(rows[9].date(), date(2026, 1, 1));
}

#[test]
fn english_enumerated_values_are_accepted() {
    let header = [
        "id_number",
        "name",
        "settled_on",
        "visit_type",
        "total_cost",
        "insurance_paid",
        "self_paid",
    ];
    let rows = [
        cells(&[
            &id(1),
            "Li Si",
            "2026-03-01",
            "Inpatient",
            "100",
            "50",
            "50",
        ]),
        cells(&[
            &id(2),
            "Li Wu",
            "2026-03-01",
            "outpatient",
            "100",
            "50",
            "50",
        ]),
        cells(&[&id(3), "Li Liu", "2026-03-01", "CHRONIC", "100", "50", "50"]),
    ];
    let p = parse(FeedKind::Medical, csv(&header, &rows));
    assert!(p.is_clean(), "{:?}", p.errors);
    let types: Vec<VisitType> = p
        .rows
        .iter()
        .map(|(_, r)| match r {
            FeedRow::Medical(m) => m.visit_type,
            _ => panic!("medical"),
        })
        .collect();
    assert_eq!(
        types,
        [
            VisitType::Inpatient,
            VisitType::Outpatient,
            VisitType::Chronic
        ]
    );
    let header = [
        "id_number",
        "name",
        "assistance_kind",
        "status",
        "amount",
        "date",
    ];
    let p = parse(
        FeedKind::Assistance,
        csv(
            &header,
            &[cells(&[
                &id(4),
                "Li",
                "dibao",
                "stopped",
                "0",
                "2026-03-01",
            ])],
        ),
    );
    assert!(
        matches!(&p.rows[0].1, FeedRow::Assistance(a) if a.status == AssistanceStatus::Stopped && a.assistance_kind == AssistanceKind::Dibao)
    );
}

#[test]
fn headers_ignore_case_spaces_and_order_and_unknown_columns_are_kept_aside() {
    let header = ["备注", " DATE ", "Event", " ID Number", "source"];
    let p = parse(
        FeedKind::Vital,
        csv(&header, &[cells(&["x", "2026-03-01", "迁出", &id(5), "y"])]),
    );
    assert!(p.is_clean(), "{:?}", p.errors);
    assert_eq!(
        p.unknown_columns,
        vec![(1, "备注".to_string()), (5, "source".to_string())]
    );
    assert!(matches!(&p.rows[0].1, FeedRow::Vital(v) if v.event == VitalEvent::MovedOut));
}

#[test]
fn gb18030_files_are_read() {
    let (zh, _, row) = sample(FeedKind::Education);
    let text = format!("{}\r\n{}\r\n", zh.join(","), row.join(","));
    let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
    assert!(std::str::from_utf8(&bytes).is_err(), "really GB18030");
    let p = parse(FeedKind::Education, bytes.into_owned());
    assert!(p.is_clean(), "{:?}", p.errors);
    assert!(
        matches!(&p.rows[0].1, FeedRow::Education(e) if e.school == "某某中学" && e.name == "张三")
    );
}

#[test]
fn utf8_bom_is_accepted() {
    let (zh, _, row) = sample(FeedKind::Housing);
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(csv(&zh, &[row]));
    assert!(parse(FeedKind::Housing, bytes).is_clean());
}

#[test]
fn every_date_form_and_excel_serials_in_csv() {
    let header = ["身份证号", "鉴定等级", "鉴定日期"];
    let forms = [
        "2026-03-01",
        "2026/3/1",
        "20260301",
        "46082",
        "2026-03-01 00:00:00",
    ];
    let rows: Vec<Vec<String>> = forms.iter().map(|f| cells(&[&id(6), "D", f])).collect();
    let p = parse(FeedKind::Housing, csv(&header, &rows));
    assert!(p.is_clean(), "{:?}", p.errors);
    assert!(p.rows.iter().all(|(_, r)| r.date() == date(2026, 3, 1)));
}

#[test]
fn xlsx_with_excel_date_cells_and_number_cells() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let header = [
        "身份证号",
        "姓名",
        "结算日期",
        "就诊类型",
        "总费用",
        "医保支付",
        "个人自付",
    ];
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("header cell");
    }
    let day = ExcelDateTime::from_ymd(2026, 3, 1).expect("valid date");
    let format = Format::new().set_num_format("yyyy/m/d");
    sheet.write_string(1, 0, id(7)).expect("id");
    sheet.write_string(1, 1, "王五").expect("name");
    sheet
        .write_datetime_with_format(1, 2, &day, &format)
        .expect("date");
    sheet.write_string(1, 3, "住院").expect("type");
    sheet.write_number(1, 4, 12000.5).expect("total");
    sheet.write_number(1, 5, 4000).expect("insurance");
    sheet.write_number(1, 6, 8000.5).expect("self");
    // A second row with a negative amount: reported at row 3, column 7.
    sheet.write_string(2, 0, id(8)).expect("id");
    sheet.write_string(2, 1, "赵六").expect("name");
    sheet
        .write_datetime_with_format(2, 2, &day, &format)
        .expect("date");
    sheet.write_string(2, 3, "门诊").expect("type");
    sheet.write_number(2, 4, 100).expect("total");
    sheet.write_number(2, 5, 0).expect("insurance");
    sheet.write_number(2, 6, -5).expect("self");
    let bytes = book.save_to_buffer().expect("workbook in memory");
    let p = parse(FeedKind::Medical, bytes);
    assert_eq!(p.rows.len(), 1, "{:?}", p.errors);
    let FeedRow::Medical(m) = &p.rows[0].1 else {
        panic!("medical")
    };
    assert_eq!(
        (m.settled_on, m.total_cost_fen, m.self_paid_fen),
        (date(2026, 3, 1), 1_200_050, 800_050)
    );
    assert_eq!(p.errors.len(), 1);
    let e = &p.errors[0];
    assert_eq!(
        (e.line, e.column, e.value_kind),
        (3, Some(7), ValueKind::Money)
    );
    assert!(e.reason.contains("negative"), "{}", e.reason);
}

#[test]
fn bad_rows_are_reported_with_line_and_column_and_reading_goes_on() {
    let header = ["身份证号", "姓名", "残疾类别", "残疾等级", "发证日期"];
    let rows = [
        cells(&[&id(20), "甲", "视力残疾", "1", "2026-01-05"]),
        cells(&[&bad_check(21), "乙", "视力残疾", "1", "2026-01-05"]),
        cells(&[&id(22), "丙", "心理残疾", "5", "2026-02-30"]),
        cells(&[&id(23), "", "听力残疾", "3", "2027-01-01"]),
        cells(&[&id(24), "丁", "言语残疾", "四级", "2026-01-05"]),
    ];
    let p = parse(FeedKind::Disability, csv(&header, &rows));
    let lines: Vec<usize> = p.rows.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [2, 6]);
    let found: Vec<(usize, Option<usize>, ValueKind)> = p
        .errors
        .iter()
        .map(|e| (e.line, e.column, e.value_kind))
        .collect();
    assert_eq!(
        found,
        [
            (3, Some(1), ValueKind::IdNumber),
            (4, Some(3), ValueKind::Choice),
            (4, Some(4), ValueKind::Grade),
            (4, Some(5), ValueKind::Date),
            (5, Some(2), ValueKind::Name),
            (5, Some(5), ValueKind::Date),
        ]
    );
    assert!(
        p.errors[0].reason.contains("校验码错误"),
        "{}",
        p.errors[0].reason
    );
    assert_eq!(p.errors[0].header.as_deref(), Some("身份证号"));
    assert!(p.errors[1].reason.contains("视力残疾/visual"));
    assert!(p.errors[4].reason.contains("必填"));
    assert!(p.errors[5].reason.contains("after today"));
}

#[test]
fn messages_never_carry_the_cell() {
    let header = ["id_number", "name", "status", "monthly_income", "date"];
    let secret_id = bad_check(31);
    let rows = [cells(&[
        &secret_id,
        "Zhang3",
        "fired",
        "\"-1,000\"",
        "someday",
    ])];
    let p = parse(FeedKind::Employment, csv(&header, &rows));
    assert_eq!(p.errors.len(), 5);
    let mut report = Vec::new();
    write_error_report(&p.errors, &mut report).expect("report in memory");
    let report = String::from_utf8(report).expect("utf-8");
    for secret in [secret_id.as_str(), "Zhang3", "fired", "1,000", "someday"] {
        assert!(!report.contains(secret), "report leaks {secret}");
        assert!(p.errors.iter().all(|e| !e.to_string().contains(secret)));
    }
}

#[test]
fn money_rules() {
    let header = ["身份证号", "资产类型", "价值", "日期"];
    let values = ["1,234.50", "1234.5", "¥12", "-1", "1.234", "12,34", "abc"];
    let rows: Vec<Vec<String>> = values
        .iter()
        .map(|v| cells(&[&id(40), "企业", &format!("\"{v}\""), "2026-03-01"]))
        .collect();
    let p = parse(FeedKind::Assets, csv(&header, &rows));
    let ok: Vec<i64> = p
        .rows
        .iter()
        .map(|(_, r)| match r {
            FeedRow::Assets(a) => a.value_fen,
            _ => panic!("assets"),
        })
        .collect();
    assert_eq!(ok, [123_450, 123_450, 1_200]);
    let bad: Vec<usize> = p.errors.iter().map(|e| e.line).collect();
    assert_eq!(bad, [5, 6, 7, 8]);
    assert!(
        p.errors
            .iter()
            .all(|e| e.column == Some(3) && e.value_kind == ValueKind::Money)
    );
    assert!(p.errors[0].reason.contains("negative"));
    assert!(p.errors[1].reason.contains("two decimals"));
}

#[test]
fn medical_paid_amounts_cannot_exceed_the_total() {
    let (zh, _, _) = sample(FeedKind::Medical);
    let row = cells(&[
        &id(41),
        "张三",
        "2026-03-01",
        "住院",
        "1000",
        "600",
        "500",
        "肺炎",
    ]);
    let p = parse(FeedKind::Medical, csv(&zh, &[row]));
    assert!(p.rows.is_empty());
    assert_eq!((p.errors[0].line, p.errors[0].column), (2, Some(7)));
    assert!(p.errors[0].reason.contains("total cost"));
}

#[test]
fn water_end_before_start_and_non_village_codes() {
    let (zh, _, _) = sample(FeedKind::Water);
    let rows = [
        cells(&["530102101201", "水质", "2026-02-01", "2026-01-31"]),
        cells(&["530102", "停水", "2026-01-01", "2026-01-01"]),
        cells(&["530102101201", "停水", "2026-01-01", "2026-01-01"]),
    ];
    let p = parse(FeedKind::Water, csv(&zh, &rows));
    let found: Vec<(usize, Option<usize>, ValueKind)> = p
        .errors
        .iter()
        .map(|e| (e.line, e.column, e.value_kind))
        .collect();
    assert_eq!(
        found,
        [
            (2, Some(4), ValueKind::Date),
            (3, Some(1), ValueKind::VillageCode)
        ]
    );
    assert!(p.errors[0].reason.contains("before the start"));
    assert_eq!(p.rows.len(), 1);
    assert!(matches!(&p.rows[0].1, FeedRow::Water(w) if w.days() == 1));
}

#[test]
fn missing_columns_are_one_error_on_the_header_line() {
    let p = parse(
        FeedKind::Housing,
        csv(&["身份证号", "鉴定日期"], &[cells(&[&id(1), "2026-03-01"])]),
    );
    assert!(p.rows.is_empty());
    assert_eq!(p.errors.len(), 1);
    let e = &p.errors[0];
    assert_eq!(
        (e.line, e.column, e.value_kind),
        (1, None, ValueKind::Header)
    );
    assert!(e.reason.contains("鉴定等级 (safety_grade)"), "{}", e.reason);
}

#[test]
fn malformed_lines_and_empty_files() {
    let mut bytes = csv(
        &["身份证号", "事件", "日期"],
        &[cells(&[&id(1), "死亡", "2026-03-01"])],
    );
    bytes.extend(format!("{},迁入\n{},迁入,2026-03-02\n", id(2), id(3)).as_bytes());
    let p = parse(FeedKind::Vital, bytes);
    assert_eq!(p.rows.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [2, 4]);
    assert_eq!(
        (p.errors[0].line, p.errors[0].value_kind),
        (3, ValueKind::Row)
    );
    let p = parse(FeedKind::Vital, Vec::new());
    assert_eq!(
        (p.errors[0].line, p.errors[0].value_kind),
        (1, ValueKind::Header)
    );
}

#[test]
fn parse_feed_takes_an_open_table() {
    let (zh, _, row) = sample(FeedKind::Assets);
    let table = TableReader::from_bytes(csv(&zh, &[row])).expect("header");
    let p = parse_feed(FeedKind::Assets, table, today());
    assert!(p.is_clean());
    assert_eq!(p.kind, FeedKind::Assets);
}

#[test]
fn the_error_report_opens_in_excel() {
    let header = ["身份证号", "鉴定等级", "鉴定日期"];
    let p = parse(
        FeedKind::Housing,
        csv(&header, &[cells(&[&bad_check(1), "E", "2026-03-01"])]),
    );
    let mut out = Vec::new();
    write_error_report(&p.errors, &mut out).expect("report in memory");
    assert!(out.starts_with(b"\xEF\xBB\xBF"));
    let mut reader = csv::Reader::from_reader(&out[3..]);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0].iter().take(3).collect::<Vec<_>>(),
        ["2", "1", "身份证号"]
    );
    assert_eq!(
        rows[1].iter().take(3).collect::<Vec<_>>(),
        ["2", "2", "鉴定等级"]
    );
    assert!(rows[1][3].contains("C级/C"));
}

#[test]
fn batch_hash_identifies_the_bytes() {
    let (zh, _, row) = sample(FeedKind::Vital);
    let bytes = csv(&zh, &[row]);
    assert_eq!(batch_hash(&bytes), batch_hash(&bytes.clone()));
    assert_eq!(batch_hash(&bytes).len(), 64);
    let mut other = bytes.clone();
    other.push(b'\n');
    assert_ne!(batch_hash(&bytes), batch_hash(&other));
}
