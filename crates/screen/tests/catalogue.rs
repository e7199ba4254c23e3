//! The measure catalogue and `[assistance]` in rule files: the shipped
//! national catalogue, every error located at its value, the national
//! ceilings of the small loan, and the book's fallback county → province
//! → national for `catalogue_for`.

mod common;

use common::{date, position_of, shipped};
use dixian_domain::RegionCode;
use dixian_domain::assistance::{Department, MeasureClass, MeasureKind, MeasureUnit, propose};
use dixian_domain::{LaborCapacity, StudentStage};
use dixian_screen::rules::{RuleBook, RuleError, RuleSet};

/// A province file without a catalogue: the national one's header and
/// workflow, region 53, from 2025.
fn province() -> String {
    let national = shipped("national-2021.toml");
    let cut = national
        .find("[assistance]")
        .expect("national has [assistance]");
    let rules = national.find("\n[[rule]]\n").expect("national has rules");
    format!("{}{}", &national[..cut], &national[rules..])
        .replace("region = \"national\"", "region = \"53\"")
        .replace("valid_from = 2021-01-01", "valid_from = 2025-01-01")
}

const LOAN: &str = r#"
[[measures]]
kind = "小额信贷"
class = "development"
unit = "yuan"
department = "bank"
labor = ["full", "weak"]
max_amount = 50000
max_term_months = 36
"#;

const ASSISTANCE: &str = "
[assistance]
first_measure_days = 15
effect_review_months = 3
visit_interval_days = 20
";

/// `province()` with `extra` (tables) before its first `[[rule]]`.
fn with(extra: &str) -> String {
    let p = province();
    let at = p.find("\n[[rule]]\n").expect("rules");
    format!("{}{extra}\n{}", &p[..at], &p[at..])
}

/// Where `marked` (a snippet with `|` at the expected spot) points in `text`
/// (the snippet on one line).
fn marked(text: &str, marked: &str) -> (usize, usize) {
    let (before, after) = marked.split_once('|').expect("marker");
    let (line, col) = position_of(text, &format!("{before}{after}"));
    (line, col + before.chars().count())
}

fn expect_error(text: &str, at: &str, fragment: &str) {
    let errors = RuleSet::parse(text, "p.toml").expect_err("must be rejected");
    let (line, column) = marked(text, at);
    assert!(
        errors
            .iter()
            .any(|e| e.line == line && e.column == column && e.message.contains(fragment)),
        "expected {line}:{column} {fragment:?}; got {errors:#?}"
    );
}

fn book(files: &[(&str, String)]) -> Result<RuleBook, Vec<RuleError>> {
    let sets = files
        .iter()
        .map(|(name, text)| RuleSet::parse(text, name))
        .collect::<Result<Vec<_>, _>>()?;
    RuleBook::new(sets)
}

#[test]
fn the_national_catalogue_offers_every_kind() {
    let set = RuleSet::parse(&shipped("national-2021.toml"), "national-2021.toml").expect("valid");
    let c = &set.measures;
    let kinds: Vec<MeasureKind> = c.rules.iter().map(|r| r.kind).collect();
    assert_eq!(kinds, MeasureKind::ALL, "all 20 kinds, in vocabulary order");
    let loan = c.get(MeasureKind::SmallLoan).expect("small loan");
    assert_eq!(
        (
            loan.max_amount_fen,
            loan.max_term_months,
            loan.department,
            loan.class
        ),
        (
            Some(5_000_000),
            Some(36),
            Department::Bank,
            MeasureClass::Development
        )
    );
    assert_eq!(
        loan.eligibility.labor,
        [LaborCapacity::Full, LaborCapacity::Weak]
    );
    let yulu = c.get(MeasureKind::Yulu).expect("雨露计划");
    assert_eq!(
        yulu.eligibility.student_stages,
        [StudentStage::Vocational, StudentStage::Tertiary]
    );
    assert!(
        c.get(MeasureKind::DisabilitySubsidy)
            .expect("两项补贴")
            .eligibility
            .disability
    );
    assert!(c.exclusive(MeasureKind::Dibao, MeasureKind::Tekun));
    assert!(c.exclusive(MeasureKind::Tekun, MeasureKind::Dibao));
    assert!(c.exclusive(MeasureKind::DibaoEdge, MeasureKind::Dibao));
    assert!(c.exclusive(MeasureKind::DibaoEdge, MeasureKind::Tekun));
    assert!(!c.exclusive(MeasureKind::Dibao, MeasureKind::MedicalRelief));
    let household: Vec<MeasureKind> = c
        .rules
        .iter()
        .filter(|r| r.household)
        .map(|r| r.kind)
        .collect();
    assert!(household.contains(&MeasureKind::HousingRenovation));
    assert!(household.contains(&MeasureKind::DrinkingWater));
    assert!(!household.contains(&MeasureKind::Dibao));
    for r in &c.rules {
        // 雨露计划 goes to students; 贴息 follows its loan's borrower
        if r.class == MeasureClass::Development
            && !r.household
            && r.kind != MeasureKind::Yulu
            && r.kind.requires().is_none()
        {
            assert_eq!(
                r.eligibility.labor,
                [LaborCapacity::Full, LaborCapacity::Weak],
                "{:?}",
                r.kind
            );
            assert!(r.eligibility.min_age.is_some() && r.eligibility.max_age.is_some());
        }
    }
    assert_eq!(
        c.get(MeasureKind::Dibao).map(|r| r.unit),
        Some(MeasureUnit::YuanPerMonth)
    );
    let a = set.assistance.expect("[assistance]");
    assert!(a.first_measure_days > 0 && a.effect_review_months > 0 && a.visit_interval_days > 0);
    // 贴息: development, 元, 乡村振兴 (农业农村), the yearly rate cap of the file
    let subsidy = c.get(MeasureKind::LoanInterestSubsidy).expect("贴息");
    assert_eq!(
        (
            subsidy.class,
            subsidy.unit,
            subsidy.department,
            subsidy.household,
            subsidy.max_yearly_rate_bp,
            subsidy.max_term_months
        ),
        (
            MeasureClass::Development,
            MeasureUnit::Yuan,
            Department::Agriculture,
            false,
            Some(385),
            Some(36)
        )
    );
    assert_eq!(
        MeasureKind::LoanInterestSubsidy.requires(),
        Some(MeasureKind::SmallLoan)
    );
}

const SUBSIDY: &str = r#"
[[measures]]
kind = "贴息"
class = "development"
unit = "yuan"
department = "乡村振兴"
max_yearly_rate_percent = 3.45
"#;

#[test]
fn an_interest_subsidy_entry_is_checked() {
    // parsed with an alias of the kind and of the department; written back
    let set = RuleSet::parse(&with(&format!("{LOAN}{SUBSIDY}")), "p.toml").expect("valid");
    let r = set
        .measures
        .get(MeasureKind::LoanInterestSubsidy)
        .expect("贴息");
    assert_eq!(
        (r.department, r.max_yearly_rate_bp),
        (Department::Agriculture, Some(345))
    );
    let again = RuleSet::parse(&set.to_toml(), "p.toml").expect("written back");
    assert_eq!(again.measures, set.measures);
    // the rate: above 0, at most 100, two decimals
    for bad in ["0", "-1", "100.5", "3.455"] {
        let text = with(&format!(
            "{LOAN}{}",
            SUBSIDY.replace("= 3.45", &format!("= {bad}"))
        ));
        expect_error(
            &text,
            &format!("max_yearly_rate_percent = |{bad}"),
            "percentage",
        );
    }
    // only for a kind resting on a loan
    let text = with(&LOAN.replace(
        "max_term_months = 36",
        "max_term_months = 36\nmax_yearly_rate_percent = 3.45",
    ));
    expect_error(&text, "max_yearly_rate_percent = |3.45", "only to a kind");
    // the loan it rests on must be offered too
    let text = with(SUBSIDY);
    expect_error(&text, "kind = |\"贴息\"", "rests on small_loan");
}

#[test]
fn a_province_catalogue_parses_codes_labels_and_aliases() {
    let set = RuleSet::parse(&with(&format!("{LOAN}{ASSISTANCE}")), "p.toml").expect("valid");
    assert_eq!(set.measures.rules.len(), 1);
    assert_eq!(set.measures.rules[0].kind, MeasureKind::SmallLoan);
    assert_eq!(set.assistance.map(|a| a.first_measure_days), Some(15));
    // an alias of the kind and of the department
    let alias = LOAN
        .replace("小额信贷", "脱贫人口小额信贷")
        .replace("\"bank\"", "\"农商行\"");
    let set = RuleSet::parse(&with(&alias), "p.toml").expect("aliases");
    assert_eq!(set.measures.rules[0].kind, MeasureKind::SmallLoan);
    assert_eq!(set.measures.rules[0].department, Department::Bank);
    assert!(set.assistance.is_none());
    assert!(
        RuleSet::parse(&province(), "p.toml")
            .expect("valid")
            .measures
            .rules
            .is_empty()
    );
}

#[test]
fn catalogue_errors_point_at_the_value() {
    let cases: [(&str, &str, &str, &str); 10] = [
        (
            "kind = \"小额信贷\"",
            "kind = \"贷款\"",
            "kind = |\"贷款\"",
            "accepted",
        ),
        (
            "class = \"development\"",
            "class = \"开发\"",
            "class = |\"开发\"",
            "accepted",
        ),
        (
            "unit = \"yuan\"",
            "unit = \"斤\"",
            "unit = |\"斤\"",
            "accepted",
        ),
        (
            "department = \"bank\"",
            "department = \"邮局\"",
            "department = |\"邮局\"",
            "accepted",
        ),
        (
            "labor = [\"full\", \"weak\"]",
            "labor = [\"full\", \"strong\"]",
            "labor = [\"full\", |\"strong\"",
            "accepted",
        ),
        (
            "max_amount = 50000",
            "max_amount = -5",
            "max_amount = |-5",
            "greater than 0",
        ),
        (
            "max_term_months = 36",
            "max_term_months = 0",
            "max_term_months = |0",
            "1 to",
        ),
        (
            "max_term_months = 36",
            "max_term_months = -36",
            "max_term_months = |-36",
            "1 to",
        ),
        (
            "labor = [\"full\", \"weak\"]",
            "labor = [\"full\"]\nmin_age = 60\nmax_age = 18",
            "max_age = |18",
            "below min_age",
        ),
        (
            "labor = [\"full\", \"weak\"]",
            "excludes = [\"特困\"]",
            "excludes = [|\"特困\"",
            "does not offer",
        ),
    ];
    for (old, new, at, fragment) in cases {
        assert!(LOAN.contains(old), "{old}");
        let text = with(&LOAN.replacen(old, new, 1));
        expect_error(&text, at, fragment);
    }
    // a kind twice: the second entry
    let text = with(&format!("{LOAN}{}", LOAN.replace("小额信贷", "small_loan")));
    expect_error(&text, "kind = |\"small_loan\"", "twice");
    // an excludes naming itself
    let text = with(&LOAN.replace(
        "max_term_months = 36",
        "max_term_months = 36\nexcludes = [\"小额信贷\"]",
    ));
    expect_error(&text, "excludes = [|\"小额信贷\"]", "itself");
    // an unknown key in an entry, and in [assistance]
    let text = with(&LOAN.replace("max_term_months = 36", "max_term = 36"));
    let errors = RuleSet::parse(&text, "p.toml").expect_err("unknown key");
    assert!(errors[0].message.contains("unknown key"), "{errors:?}");
    let text = with(&ASSISTANCE.replace("visit_interval_days = 20", "visit_interval_days = 0"));
    expect_error(&text, "visit_interval_days = |0", "1 to");
    // asymmetric excludes are fine
    let both = format!(
        "{LOAN}\n[[measures]]\nkind = \"低保\"\nclass = \"兜底\"\nunit = \"元/月\"\ndepartment = \"民政\"\nexcludes = [\"small_loan\"]\n"
    );
    assert!(RuleSet::parse(&with(&both), "p.toml").is_ok());
}

#[test]
fn a_province_may_not_raise_the_national_loan_ceilings() {
    let national = shipped("national-2021.toml");
    for (old, new, at, fragment) in [
        (
            "max_amount = 50000",
            "max_amount = 50000.01",
            "max_amount = |50000.01",
            "50000.01 is above the national ceiling 50000",
        ),
        (
            "max_term_months = 36",
            "max_term_months = 48",
            "max_term_months = |48",
            "above the national ceiling 36",
        ),
        (
            "max_amount = 50000\n",
            "",
            "kind = |\"小额信贷\"",
            "no limit",
        ),
    ] {
        let text = with(&LOAN.replacen(old, new, 1));
        let errors = book(&[
            ("national-2021.toml", national.clone()),
            ("p.toml", text.clone()),
        ])
        .expect_err("above the ceiling");
        let (line, column) = marked(&text, at);
        assert!(
            errors.iter().any(|e| e.file == "p.toml"
                && e.line == line
                && e.column == column
                && e.message.contains(fragment)),
            "{at}: {errors:#?}"
        );
    }
    // lower is fine; so is a province without a catalogue
    let lower = with(&LOAN.replace("max_amount = 50000", "max_amount = 30000"));
    assert!(book(&[("national-2021.toml", national.clone()), ("p.toml", lower)]).is_ok());
    assert!(book(&[("national-2021.toml", national), ("p.toml", province())]).is_ok());
}

#[test]
fn the_catalogue_falls_back_county_province_national() {
    let national = shipped("national-2021.toml");
    let county = province()
        .replace("region = \"53\"", "region = \"530102\"")
        .replace("valid_from = 2025-01-01", "valid_from = 2025-03-01");
    let own = with(&format!("{LOAN}{ASSISTANCE}"));
    let village = RegionCode::parse("530102101201").expect("village");
    let day = date(2025, 6, 1);
    let kinds = |b: &RuleBook| {
        let (c, p) = b.catalogue_for(&village, day).expect("a catalogue");
        (c.rules.len(), p.first_measure_days)
    };
    // the county and the province without a catalogue: the national one
    let b = book(&[
        ("n", national.clone()),
        ("p", province()),
        ("c", county.clone()),
    ])
    .expect("ok");
    assert_eq!(kinds(&b), (20, 30));
    // the province with its own: the county keeps the province's
    let b = book(&[
        ("n", national.clone()),
        ("p", own.clone()),
        ("c", county.clone()),
    ])
    .expect("ok");
    assert_eq!(kinds(&b), (1, 15));
    // a catalogue from the province, [assistance] from the nation
    let b = book(&[("n", national.clone()), ("p", with(LOAN)), ("c", county)]).expect("ok");
    assert_eq!(kinds(&b), (1, 30));
    // before the sets start, or nothing anywhere
    assert!(b.catalogue_for(&village, date(2020, 12, 31)).is_none());
    let bare = province().replace("region = \"53\"", "region = \"national\"");
    let b = book(&[("n", bare)]).expect("ok");
    assert!(b.catalogue_for(&village, day).is_none());
}

#[test]
fn the_shipped_catalogue_drafts_a_plan() {
    use dixian_domain::household::*;
    use dixian_domain::{IdNumber, RiskType};
    let b = RuleBook::shipped();
    let village = RegionCode::parse("520526101201").expect("village");
    let day = date(2025, 6, 1);
    let (catalogue, _) = b.catalogue_for(&village, day).expect("national catalogue");
    let person = |birth, seq, labor| Member {
        id_number: IdNumber::from_parts("520526", birth, seq).expect("id"),
        name: "x".into(),
        relation: if seq == 1 {
            Relation::Head
        } else {
            Relation::Child
        },
        labor,
        disability_kind: None,
        disability_grade: None,
        illness: Illness::Healthy,
        student_stage: None,
        student_status: None,
        insurance: InsuranceStatus::Insured,
        employment: EmploymentStatus::Farming,
        phone: None,
    };
    let mut student = person(date(2006, 3, 1), 2, LaborCapacity::None);
    student.student_stage = Some(StudentStage::Vocational);
    student.student_status = Some(StudentStatus::Enrolled);
    let h = Household {
        number: "1".into(),
        village,
        village_group: None,
        address: String::new(),
        category: Some(Category::MarginalAtRisk),
        formerly_registered_poor: false,
        housing: HousingGrade::D,
        water: DrinkingWater::Secure,
        farmland_mu: 0.0,
        forest_mu: 0.0,
        income: Income::default(),
        medical_expense: 0,
        schooling_expense: 0,
        members: vec![person(date(1980, 1, 1), 1, LaborCapacity::Full), student],
    };
    let plan = propose(&h, &[RiskType::BusinessFailure], catalogue, day);
    let kinds: Vec<MeasureKind> = plan.iter().map(|p| p.kind).collect();
    assert_eq!(
        kinds,
        [
            MeasureKind::Industry,
            MeasureKind::SmallLoan,
            MeasureKind::Yulu,
            MeasureKind::EducationAid,
            MeasureKind::HousingRenovation
        ]
    );
}

mod shipped_catalogue {
    //! `propose` against the shipped national catalogue, cross-checked with
    //! `check_measure`: every drafted measure, recorded as proposed on the
    //! day, is one the measure check accepts.

    use super::*;
    use dixian_domain::assistance::{
        Measure, MeasureSource, MeasureStatus, able_to_work, check_measure,
    };
    use dixian_domain::household::*;
    use dixian_domain::{IdNumber, RiskType};
    use proptest::prelude::*;

    fn member(
        seq: u16,
        age_days: u64,
        labor: usize,
        stage: Option<usize>,
        disabled: bool,
    ) -> Member {
        let birth = date(2025, 6, 1) - chrono::Days::new(age_days);
        Member {
            id_number: IdNumber::from_parts("520526", birth, seq).expect("id"),
            name: "x".into(),
            relation: if seq == 1 {
                Relation::Head
            } else {
                Relation::Child
            },
            labor: LaborCapacity::ALL[labor % LaborCapacity::ALL.len()],
            disability_kind: disabled.then_some(DisabilityKind::Physical),
            disability_grade: disabled.then_some(2),
            illness: Illness::Chronic,
            student_stage: stage.map(|s| StudentStage::ALL[s % StudentStage::ALL.len()]),
            student_status: stage.map(|_| StudentStatus::Enrolled),
            insurance: if age_days.is_multiple_of(3) {
                InsuranceStatus::Uninsured
            } else {
                InsuranceStatus::Insured
            },
            employment: EmploymentStatus::Farming,
            phone: None,
        }
    }

    proptest! {
        #[test]
        fn drafts_pass_the_measure_check(
            people in prop::collection::vec(
                (0u64..85 * 365, 0usize..4, prop::option::of(0usize..6), any::<bool>()),
                1..6,
            ),
            grade in 0usize..4,
            risks in prop::sample::subsequence(RiskType::ALL, 0..=RiskType::ALL.len()),
        ) {
            let b = RuleBook::shipped();
            let village = RegionCode::parse("520526101201").expect("village");
            let day = date(2025, 6, 1);
            let (catalogue, _) = b.catalogue_for(&village, day).expect("national catalogue");
            let members: Vec<Member> = people
                .iter()
                .enumerate()
                .map(|(i, (age, labor, stage, dis))| member(i as u16 + 1, *age, *labor, *stage, *dis))
                .collect();
            let h = Household {
                number: "1".into(),
                village: village.clone(),
                village_group: None,
                address: String::new(),
                category: Some(Category::SuddenHardship),
                formerly_registered_poor: false,
                housing: HousingGrade::ALL[grade],
                water: DrinkingWater::Insecure,
                farmland_mu: 0.0,
                forest_mu: 0.0,
                income: Income::default(),
                medical_expense: 0,
                schooling_expense: 0,
                members,
            };
            let plan = propose(&h, &risks, catalogue, day);
            prop_assert!(!plan.is_empty(), "insecure water at least");
            for p in &plan {
                let m = Measure {
                    person: p.person.clone(),
                    kind: p.kind,
                    department: catalogue.get(p.kind).expect("offered").department,
                    amount_fen: None,
                    starts_on: day,
                    ends_on: None,
                    status: MeasureStatus::Ongoing,
                    source: MeasureSource::Cadre,
                    evidence: String::new(),
                };
                prop_assert_eq!(check_measure(&m, &h, catalogue), Ok(()), "{:?}", p);
            }
            for m in &h.members {
                let developed = plan.iter().any(|p| {
                    p.person.as_ref() == Some(&m.id_number)
                        && catalogue.get(p.kind).is_some_and(|r| r.class == MeasureClass::Development)
                });
                // the shipped file: public-welfare jobs for full or weak
                // labor aged 16 to 65, every other development kind inside that
                let works = matches!(m.labor, LaborCapacity::Full | LaborCapacity::Weak)
                    && (16..=65).contains(&m.id_number.age_on(day));
                // (a student of a 雨露计划 stage with labor is able at any age)
                if works {
                    prop_assert!(able_to_work(&h, m, Some(&risks), catalogue, day));
                    prop_assert!(developed, "a member able to work without development");
                }
            }
        }
    }
}
