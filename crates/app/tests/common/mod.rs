//! Fixtures shared by the application-layer tests: a fresh store of either backend with
//! county 520526's divisions and two registered households (H1, H2 of
//! [`VILLAGE_A`]); [`setup_two_villages`] adds H3 of [`VILLAGE_B`].

#![allow(dead_code)]

use chrono::NaiveDate;
use dixian_domain::{
    DrinkingWater, EmploymentStatus, Household, HousingGrade, IdNumber, Illness, Income,
    InsuranceStatus, LaborCapacity, Member, RegionCode, Relation, Role, Scope,
};
use dixian_store::testing::{Backend, fresh_store};
use dixian_store::{Actor, Store, households};
use std::path::PathBuf;

pub fn id(birth: &str, seq: u16) -> String {
    let d = NaiveDate::parse_from_str(birth, "%Y-%m-%d").unwrap();
    IdNumber::from_parts("520526", d, seq)
        .unwrap()
        .as_str()
        .to_string()
}

/// 大洼塘社区 and 海边社区, two villages of township 520526001 (海边街道).
pub const VILLAGE_A: &str = "520526001001";
pub const VILLAGE_B: &str = "520526001002";
pub const TOWNSHIP: &str = "520526001";

/// The person registered as the head of H3 (village B) by [`setup_two_villages`].
pub fn person_b() -> String {
    id("1980-02-02", 17)
}

pub fn household(number: &str, person: &str) -> Household {
    household_in(VILLAGE_A, number, person)
}

/// A one-person household of `village`.
pub fn household_in(village: &str, number: &str, person: &str) -> Household {
    Household {
        number: number.into(),
        village: RegionCode::parse(village).unwrap(),
        village_group: None,
        address: "测试".into(),
        category: None,
        formerly_registered_poor: true,
        housing: HousingGrade::B,
        water: DrinkingWater::Secure,
        farmland_mu: 1.0,
        forest_mu: 0.0,
        income: Income {
            wage: 9000,
            ..Default::default()
        },
        medical_expense: 0,
        schooling_expense: 0,
        members: vec![Member {
            id_number: person.parse().unwrap(),
            name: "测试".into(),
            relation: Relation::Head,
            labor: LaborCapacity::Full,
            disability_kind: None,
            disability_grade: None,
            illness: Illness::Healthy,
            student_stage: None,
            student_status: None,
            insurance: InsuranceStatus::Insured,
            employment: EmploymentStatus::Farming,
            phone: None,
        }],
    }
}

pub async fn setup(backend: Backend) -> Option<(Store, Actor, tempfile::TempDir)> {
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
    let op = Actor::operator(county.clone());
    households::create(&store.pool, &op, &household("H1", &id("1970-01-01", 11)))
        .await
        .unwrap();
    households::create(&store.pool, &op, &household("H2", &id("1975-05-05", 13)))
        .await
        .unwrap();
    let officer = Actor {
        user_id: None,
        scope: Scope {
            role: Role::DataOfficer,
            region: county,
        },
    };
    Some((store, officer, dir))
}

/// [`setup`] and a third household, H3 of [`VILLAGE_B`] (head [`person_b`]):
/// for tests of what one village may see of another's records.
pub async fn setup_two_villages(backend: Backend) -> Option<(Store, Actor, tempfile::TempDir)> {
    let (store, officer, dir) = setup(backend).await?;
    let op = Actor::operator(RegionCode::parse("520526").unwrap());
    households::create(
        &store.pool,
        &op,
        &household_in(VILLAGE_B, "H3", &person_b()),
    )
    .await
    .unwrap();
    Some((store, officer, dir))
}

/// An actor of `role` for `region`.
pub fn actor(role: Role, region: &str) -> Actor {
    Actor {
        user_id: None,
        scope: Scope {
            role,
            region: RegionCode::parse(region).unwrap(),
        },
    }
}

/// A date the test knows to be valid.
pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A measure catalogue for tests (the figures are the national ones a
/// rule file would give: a small loan up to 50,000 元 and 36 months).
pub fn catalogue() -> dixian_domain::assistance::MeasureCatalogue {
    use dixian_domain::StudentStage;
    use dixian_domain::assistance::{
        Department, Eligibility, MeasureCatalogue, MeasureClass, MeasureKind, MeasureRule,
        MeasureUnit,
    };
    let rule = |kind, class, department, household| MeasureRule {
        kind,
        class,
        household,
        unit: MeasureUnit::Yuan,
        department,
        eligibility: Eligibility::default(),
        max_amount_fen: None,
        max_term_months: None,
        max_yearly_rate_bp: None,
        excludes: Vec::new(),
    };
    let mut loan = rule(
        MeasureKind::SmallLoan,
        MeasureClass::Development,
        Department::Bank,
        false,
    );
    loan.max_amount_fen = Some(5_000_000);
    loan.max_term_months = Some(36);
    loan.eligibility.labor = vec![LaborCapacity::Full, LaborCapacity::Weak];
    let mut job = rule(
        MeasureKind::PublicWelfareJob,
        MeasureClass::Development,
        Department::HumanResources,
        false,
    );
    job.unit = MeasureUnit::YuanPerMonth;
    job.eligibility.labor = vec![LaborCapacity::Full, LaborCapacity::Weak];
    let mut yulu = rule(
        MeasureKind::Yulu,
        MeasureClass::Development,
        Department::Education,
        false,
    );
    yulu.eligibility.student_stages = vec![StudentStage::Vocational, StudentStage::Tertiary];
    let mut dibao = rule(
        MeasureKind::Dibao,
        MeasureClass::Protection,
        Department::CivilAffairs,
        false,
    );
    dibao.unit = MeasureUnit::YuanPerMonth;
    dibao.excludes = vec![MeasureKind::Tekun];
    MeasureCatalogue {
        rules: vec![
            loan,
            job,
            yulu,
            dibao,
            rule(
                MeasureKind::HousingRenovation,
                MeasureClass::Guarantee,
                Department::Housing,
                true,
            ),
        ],
    }
}

/// The assistance numbers for tests.
pub fn assistance_policy() -> dixian_domain::assistance::AssistancePolicy {
    dixian_domain::assistance::AssistancePolicy {
        first_measure_days: 30,
        effect_review_months: 6,
        visit_interval_days: 90,
    }
}

/// Household id of number `number`.
pub async fn household_id(store: &Store, number: &str) -> i64 {
    let (id,): (i64,) = store
        .pool
        .one(dixian_store::db::q("SELECT id FROM households WHERE number = $1").bind(number))
        .await
        .unwrap();
    id
}
