//! Coded values in their common short forms (`feed::forms`): one file per
//! feed kind written the way its department's export writes it, read into
//! rows compared with hand-written values; every form of every table
//! parses to its value (property test); an unknown value is a row error
//! naming line, column and header but never the cell; and
//! docs/feed-values.md lists every form.

mod common;

use common::{cells, csv, date, id, today};
use dixian_domain::{DisabilityKind, HousingGrade, StudentStage, StudentStatus};
use dixian_screen::feed::forms::{self, DISABILITY_GRADE_FORMS, ShortForms};
use dixian_screen::feed::{
    AssistanceKind, AssistanceStatus, Choice, HouseDamage, JobStatus, PersonalAssetKind, VisitType,
    VitalEvent, WaterEvent,
};
use dixian_screen::{FeedKind, FeedParse, FeedRow, ValueKind, parse_feed_bytes};
use proptest::prelude::*;

fn parse(kind: FeedKind, header: &[&str], rows: &[Vec<String>]) -> FeedParse {
    parse_feed_bytes(kind, csv(header, rows), today())
}

/// The rows of a clean parse.
fn rows(p: &FeedParse) -> Vec<&FeedRow> {
    assert!(p.is_clean(), "{:?}", p.errors);
    p.rows.iter().map(|(_, r)| r).collect()
}

#[test]
fn disability_as_the_disabled_persons_federation_writes_it() {
    let header = ["身份证号", "姓名", "残疾类别", "残疾等级", "发证日期"];
    // Each of the seven categories without 残疾, as a digit, and grades in
    // four spellings; dates in four forms.
    let lines = [
        (
            "视力",
            "一级",
            "2024/3/5",
            DisabilityKind::Visual,
            1,
            date(2024, 3, 5),
        ),
        (
            "听力",
            "2级",
            "2024.03.05",
            DisabilityKind::Hearing,
            2,
            date(2024, 3, 5),
        ),
        (
            "言语",
            "叁级",
            "20240305",
            DisabilityKind::Speech,
            3,
            date(2024, 3, 5),
        ),
        (
            "肢体",
            "Ⅳ级",
            "2024年3月6日",
            DisabilityKind::Physical,
            4,
            date(2024, 3, 6),
        ),
        (
            "智力",
            "四",
            "2024-3-7",
            DisabilityKind::Intellectual,
            4,
            date(2024, 3, 7),
        ),
        (
            "精神",
            "3",
            "２０２４／３／８",
            DisabilityKind::Mental,
            3,
            date(2024, 3, 8),
        ),
        (
            "多重",
            "二级",
            "2024/03/09",
            DisabilityKind::Multiple,
            2,
            date(2024, 3, 9),
        ),
        (
            "4",
            "1",
            "2024-03-10",
            DisabilityKind::Physical,
            1,
            date(2024, 3, 10),
        ),
        (
            "肢体残疾",
            "1",
            "2024-03-10",
            DisabilityKind::Physical,
            1,
            date(2024, 3, 10),
        ),
        (
            " 语言 ",
            "1",
            "2024-03-10",
            DisabilityKind::Speech,
            1,
            date(2024, 3, 10),
        ),
    ];
    let input: Vec<Vec<String>> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| cells(&[&id(i as u16 + 1), "王五", l.0, l.1, l.2]))
        .collect();
    let p = parse(FeedKind::Disability, &header, &input);
    let got = rows(&p);
    assert_eq!(got.len(), lines.len());
    for (r, l) in got.iter().zip(&lines) {
        let FeedRow::Disability(d) = r else {
            panic!("disability row expected")
        };
        assert_eq!(
            (d.disability_kind, d.disability_grade, d.issued_on),
            (l.3, l.4, l.5),
            "{}",
            l.0
        );
    }
}

#[test]
fn medical_short_forms_and_money_in_wan_yuan() {
    let header = [
        "身份证号",
        "姓名",
        "结算日期",
        "就诊类型",
        "总费用",
        "医保支付",
        "个人自付",
    ];
    let input = vec![
        cells(&[
            &id(1),
            "张三",
            "2025/6/1",
            "住院治疗",
            "1.2万元",
            "\"5,000\"",
            "7000元",
        ]),
        cells(&[
            &id(2),
            "张三",
            "20250601",
            "门特",
            "￥１２００",
            "600",
            "599.5",
        ]),
        cells(&[
            &id(3),
            "张三",
            "2025.06.01",
            "普通门急诊",
            "0.0035万",
            "10",
            "25",
        ]),
    ];
    let p = parse(FeedKind::Medical, &header, &input);
    let got: Vec<(VisitType, i64, i64, i64)> = rows(&p)
        .iter()
        .map(|r| match r {
            FeedRow::Medical(m) => (
                m.visit_type,
                m.total_cost_fen,
                m.insurance_paid_fen,
                m.self_paid_fen,
            ),
            _ => panic!("medical row expected"),
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (VisitType::Inpatient, 1_200_000, 500_000, 700_000),
            (VisitType::Chronic, 120_000, 60_000, 59_950),
            (VisitType::Outpatient, 3_500, 1_000, 2_500),
        ]
    );
}

#[test]
fn assistance_education_housing_employment_forms() {
    let a = parse(
        FeedKind::Assistance,
        &["身份证号", "姓名", "救助类型", "状态", "金额", "日期"],
        &[
            cells(&[&id(1), "李四", "五保", "新纳入", "\"1,200\"", "2025-01-02"]),
            cells(&[&id(2), "李四", "农村低保", "退出", "0", "2025-01-02"]),
            cells(&[&id(3), "李四", "低边", "停保", "0", "2025-01-02"]),
            cells(&[&id(4), "李四", "临救", "批准", "0.05万元", "2025-01-02"]),
        ],
    );
    let got: Vec<_> = rows(&a)
        .iter()
        .map(|r| match r {
            FeedRow::Assistance(x) => (x.assistance_kind, x.status, x.amount_fen),
            _ => panic!(),
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (AssistanceKind::Tekun, AssistanceStatus::Granted, 120_000),
            (AssistanceKind::Dibao, AssistanceStatus::Stopped, 0),
            (AssistanceKind::DibaoMarginal, AssistanceStatus::Stopped, 0),
            (AssistanceKind::Temporary, AssistanceStatus::Granted, 50_000),
        ]
    );

    let e = parse(
        FeedKind::Education,
        &["身份证号", "姓名", "学段", "学校", "状态", "日期"],
        &[
            cells(&[&id(1), "李四", "中专", "某校", "失学", "2025-01-02"]),
            cells(&[&id(2), "李四", "幼儿园", "某园", "在籍", "2025-01-02"]),
            cells(&[&id(3), "李四", "普高", "某校", "休学中", "2025-01-02"]),
        ],
    );
    let got: Vec<_> = rows(&e)
        .iter()
        .map(|r| match r {
            FeedRow::Education(x) => (x.stage, x.status),
            _ => panic!(),
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (StudentStage::Vocational, StudentStatus::DroppedOut),
            (StudentStage::Preschool, StudentStatus::Enrolled),
            (StudentStage::SeniorSecondary, StudentStatus::Suspended),
        ]
    );

    let h = parse(
        FeedKind::Housing,
        &["身份证号", "鉴定等级", "鉴定日期"],
        &[
            cells(&[&id(1), "D级危房", "2025-01-02"]),
            cells(&[&id(2), "局部危房", "2025-01-02"]),
            cells(&[&id(3), "ｂ", "2025-01-02"]),
        ],
    );
    let got: Vec<_> = rows(&h)
        .iter()
        .map(|r| match r {
            FeedRow::Housing(x) => x.safety_grade,
            _ => panic!(),
        })
        .collect();
    assert_eq!(got, vec![HousingGrade::D, HousingGrade::C, HousingGrade::B]);

    let j = parse(
        FeedKind::Employment,
        &["身份证号", "姓名", "就业状态", "月收入", "日期"],
        &[
            cells(&[&id(1), "李四", "外出务工", "\"3,500元\"", "2025/1/2"]),
            cells(&[&id(2), "李四", "待业", "0", "2025/1/2"]),
            cells(&[&id(3), "李四", "回流", "0", "2025/1/2"]),
        ],
    );
    let got: Vec<_> = rows(&j)
        .iter()
        .map(|r| match r {
            FeedRow::Employment(x) => (x.status, x.monthly_income_fen),
            _ => panic!(),
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (JobStatus::Employed, 350_000),
            (JobStatus::Unemployed, 0),
            (JobStatus::Returned, 0),
        ]
    );
}

#[test]
fn disaster_vital_assets_water_forms() {
    let d = parse(
        FeedKind::Disaster,
        &["身份证号", "灾种", "损失金额", "房屋损毁", "日期"],
        &[
            cells(&[&id(1), "洪涝", "1.5万元", "倒房", "2025-07-01"]),
            cells(&[&id(2), "洪涝", "800", "完好", "2025-07-01"]),
            cells(&[&id(3), "洪涝", "800", "轻微损坏", "2025-07-01"]),
            cells(&[&id(4), "洪涝", "800", "重度", "2025-07-01"]),
        ],
    );
    let got: Vec<_> = rows(&d)
        .iter()
        .map(|r| match r {
            FeedRow::Disaster(x) => (x.loss_fen, x.house_damage),
            _ => panic!(),
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (1_500_000, HouseDamage::Collapsed),
            (80_000, HouseDamage::Intact),
            (80_000, HouseDamage::Minor),
            (80_000, HouseDamage::Severe),
        ]
    );

    let v = parse(
        FeedKind::Vital,
        &["身份证号", "事件", "日期"],
        &[
            cells(&[&id(1), "身故", "2025-07-01"]),
            cells(&[&id(2), "户口迁出", "2025-07-01"]),
            cells(&[&id(3), "迁移入", "2025-07-01"]),
        ],
    );
    let got: Vec<_> = rows(&v)
        .iter()
        .map(|r| match r {
            FeedRow::Vital(x) => x.event,
            _ => panic!(),
        })
        .collect();
    assert_eq!(
        got,
        vec![VitalEvent::Death, VitalEvent::MovedOut, VitalEvent::MovedIn]
    );

    let a = parse(
        FeedKind::Assets,
        &["身份证号", "资产类型", "价值", "日期"],
        &[
            cells(&[&id(1), "小汽车", "8万", "2025-07-01"]),
            cells(&[&id(2), "工商注册", "0", "2025-07-01"]),
            cells(&[&id(3), "房产", "\"350,000.00\"", "2025-07-01"]),
            cells(&[&id(4), "公职人员", "0", "2025-07-01"]),
        ],
    );
    let got: Vec<_> = rows(&a)
        .iter()
        .map(|r| match r {
            FeedRow::Assets(x) => (x.asset_kind, x.value_fen),
            _ => panic!(),
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (PersonalAssetKind::Vehicle, 8_000_000),
            (PersonalAssetKind::Company, 0),
            (PersonalAssetKind::Property, 35_000_000),
            (PersonalAssetKind::PublicPayroll, 0),
        ]
    );

    let w = parse(
        FeedKind::Water,
        &["村代码", "事件", "开始", "结束"],
        &[
            cells(&["530102001001", "断水", "2025/7/1", "20250703"]),
            cells(&["530102001001", "水质超标", "2025.7.1", "2025-07-01"]),
        ],
    );
    let got: Vec<_> = rows(&w)
        .iter()
        .map(|r| match r {
            FeedRow::Water(x) => (x.event, x.start_on, x.end_on),
            _ => panic!(),
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (WaterEvent::Outage, date(2025, 7, 1), date(2025, 7, 3)),
            (WaterEvent::Quality, date(2025, 7, 1), date(2025, 7, 1)),
        ]
    );
}

#[test]
fn unknown_values_are_row_errors_without_the_cell() {
    let p = parse(
        FeedKind::Disability,
        &["身份证号", "姓名", "残疾类别", "残疾等级", "发证日期"],
        &[
            cells(&[&id(1), "王五", "肢体", "1", "2024-03-05"]),
            cells(&[&id(2), "王五", "机密类别X", "五级", "2024-03-05"]),
            cells(&[&id(3), "王五", "8", "1", "2024-03-05"]),
        ],
    );
    assert_eq!(p.rows.len(), 1);
    let errs: Vec<(usize, Option<usize>, Option<&str>, ValueKind)> = p
        .errors
        .iter()
        .map(|e| (e.line, e.column, e.header.as_deref(), e.value_kind))
        .collect();
    assert_eq!(
        errs,
        vec![
            (3, Some(3), Some("残疾类别"), ValueKind::Choice),
            (3, Some(4), Some("残疾等级"), ValueKind::Grade),
            (4, Some(3), Some("残疾类别"), ValueKind::Choice),
        ]
    );
    for e in &p.errors {
        let text = e.to_string();
        assert!(
            !text.contains("机密类别X") && !text.contains("五级"),
            "{text}"
        );
    }
    assert!(p.errors[0].reason.contains("肢体残疾/physical"));
    // Money: more than six decimals of 万元, and a bad amount.
    let m = parse(
        FeedKind::Assets,
        &["身份证号", "资产类型", "价值", "日期"],
        &[
            cells(&[&id(1), "车辆", "1.0000001万元", "2025-07-01"]),
            cells(&[&id(2), "车辆", "-1万", "2025-07-01"]),
            cells(&[&id(3), "车辆", "万元", "2025-07-01"]),
        ],
    );
    assert!(m.rows.is_empty());
    assert_eq!(
        m.errors
            .iter()
            .map(|e| (e.line, e.column))
            .collect::<Vec<_>>(),
        vec![(2, Some(3)), (3, Some(3)), (4, Some(3))]
    );
}

/// Every form of a table, as written and padded or in full width, parses
/// to its value; no form of one value is a label or code of another.
fn forms_hold<T: ShortForms + Choice + PartialEq + std::fmt::Debug>(
    pad: &str,
    full_width: bool,
) -> Result<(), TestCaseError> {
    prop_assert!(!T::FORMS.is_empty());
    for &(form, value) in T::FORMS {
        let mut text = if full_width {
            form.chars()
                .map(|c| {
                    if c.is_ascii_graphic() {
                        char::from_u32(c as u32 + 0xFEE0).unwrap()
                    } else {
                        c
                    }
                })
                .collect()
        } else {
            form.to_string()
        };
        text = format!("{pad}{text}{pad}");
        prop_assert_eq!(T::parse_choice(&text), Some(value), "{:?}", text);
        prop_assert_eq!(forms::lookup::<T>(&text), Some(value));
    }
    Ok(())
}

proptest! {
    #[test]
    fn every_form_of_every_table_parses_to_its_value(
        pad in prop::sample::select(vec!["", " ", "\u{3000}", "  "]),
        full_width in any::<bool>(),
    ) {
        forms_hold::<DisabilityKind>(pad, full_width)?;
        forms_hold::<HousingGrade>(pad, full_width)?;
        forms_hold::<StudentStage>(pad, full_width)?;
        forms_hold::<StudentStatus>(pad, full_width)?;
        forms_hold::<VisitType>(pad, full_width)?;
        forms_hold::<AssistanceKind>(pad, full_width)?;
        forms_hold::<AssistanceStatus>(pad, full_width)?;
        forms_hold::<JobStatus>(pad, full_width)?;
        forms_hold::<HouseDamage>(pad, full_width)?;
        forms_hold::<VitalEvent>(pad, full_width)?;
        forms_hold::<PersonalAssetKind>(pad, full_width)?;
        forms_hold::<WaterEvent>(pad, full_width)?;
        for &(form, grade) in DISABILITY_GRADE_FORMS {
            let text = format!("{pad}{form}级{pad}");
            prop_assert_eq!(forms::disability_grade(&text), Some(grade));
        }
    }

    #[test]
    fn other_text_is_never_a_coded_value(s in "[a-z一-龥]{3,8}") {
        // Random words are not values, unless they are a label or a form.
        let named = |t: &str| {
            forms::normalize(t) == forms::normalize(&s)
        };
        let known = DisabilityKind::ALL.iter().any(|k| named(k.label_zh()) || named(k.code()) || named(k.label_en()))
            || DisabilityKind::FORMS.iter().any(|(f, _)| named(f));
        prop_assert_eq!(DisabilityKind::parse_choice(&s).is_some(), known);
        let known = VisitType::ALL.iter().any(|k| named(k.label_zh()) || named(k.code()) || named(k.label_en()))
            || VisitType::FORMS.iter().any(|(f, _)| named(f));
        prop_assert_eq!(VisitType::parse_choice(&s).is_some(), known);
    }
}

/// Each table's forms are unique once normalized (one value per form).
#[test]
fn no_form_names_two_values() {
    fn unique<T: ShortForms>(name: &str) {
        let mut seen = std::collections::HashSet::new();
        for (f, _) in T::FORMS {
            assert!(seen.insert(forms::normalize(f)), "{name}: {f} twice");
        }
    }
    unique::<DisabilityKind>("disability_kind");
    unique::<HousingGrade>("safety_grade");
    unique::<StudentStage>("stage");
    unique::<StudentStatus>("status");
    unique::<VisitType>("visit_type");
    unique::<AssistanceKind>("assistance_kind");
    unique::<AssistanceStatus>("status");
    unique::<JobStatus>("status");
    unique::<HouseDamage>("house_damage");
    unique::<VitalEvent>("event");
    unique::<PersonalAssetKind>("asset_kind");
    unique::<WaterEvent>("event");
}

/// docs/feed-values.md lists every form of every table, in backticks.
#[test]
fn the_doc_lists_every_form() {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/feed-values.md"),
    )
    .expect("docs/feed-values.md is readable");
    let mut all: Vec<&str> = Vec::new();
    all.extend(DisabilityKind::FORMS.iter().map(|f| f.0));
    all.extend(HousingGrade::FORMS.iter().map(|f| f.0));
    all.extend(StudentStage::FORMS.iter().map(|f| f.0));
    all.extend(StudentStatus::FORMS.iter().map(|f| f.0));
    all.extend(VisitType::FORMS.iter().map(|f| f.0));
    all.extend(AssistanceKind::FORMS.iter().map(|f| f.0));
    all.extend(AssistanceStatus::FORMS.iter().map(|f| f.0));
    all.extend(JobStatus::FORMS.iter().map(|f| f.0));
    all.extend(HouseDamage::FORMS.iter().map(|f| f.0));
    all.extend(VitalEvent::FORMS.iter().map(|f| f.0));
    all.extend(PersonalAssetKind::FORMS.iter().map(|f| f.0));
    all.extend(WaterEvent::FORMS.iter().map(|f| f.0));
    all.extend(DISABILITY_GRADE_FORMS.iter().map(|f| f.0));
    let missing: Vec<&str> = all
        .into_iter()
        .filter(|f| !doc.contains(&format!("`{f}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "not in docs/feed-values.md: {missing:?}"
    );
}
