//! 帮扶 for the demo's monitored households: a roster of helpers
//! (帮扶责任人, a few per township), a confirmed plan per household drafted
//! by `domain::assistance::propose`, the measures received from it
//! (amounts within the catalogue's limits, dates after identification), a
//! follow-up visit with income for some — and a few planted problems of
//! the assistance chain, listed in a manifest: double payments, an
//! exclusive pair (低保 + 特困), a household without any measure, a worker
//! without a development measure, a small loan past its term.
//!
//! Pure and deterministic: the same households, catalogue and day give the
//! same output. The manifest is the oracle of the chain report: over the
//! generated measures, `chain_findings` finds exactly its entries.

use chrono::{Days, Months, NaiveDate};
use dixian_domain::assistance::{
    AssistancePolicy, BasicNeeds, ChainRule, Department, FollowUpVisit, IncomeBySource, Measure,
    MeasureCatalogue, MeasureClass, MeasureKind, MeasureSource, MeasureStatus, PlannedMeasure,
    able_to_work, propose, rate_limit,
};
use dixian_domain::{Household, IdNumber, RegionCode, RegionLevel, RiskType};
use serde::Serialize;

/// A monitored household as the demo brought it in.
#[derive(Debug, Clone, Copy)]
pub struct Monitored<'a> {
    /// The household.
    pub household: &'a Household,
    /// Its risk types.
    pub risks: &'a [RiskType],
    /// The day it was identified (监测对象认定日期).
    pub identified_on: NaiveDate,
}

/// A helper of the roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Helper {
    /// The township whose households they hold.
    pub township: RegionCode,
    /// Name.
    pub name: String,
    /// Unit (工作单位).
    pub unit: String,
    /// Phone (synthetic: 139 and eight digits).
    pub phone: String,
}

/// What one monitored household receives.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HouseholdAssistance {
    /// 户编号.
    pub number: String,
    /// Index of its helper in [`AssistanceDemo::helpers`].
    pub helper: usize,
    /// The plan's measures (confirmed as proposed).
    pub plan: Vec<PlannedMeasure>,
    /// The plan's first day (the identification day).
    pub starts_on: NaiveDate,
    /// Its first review.
    pub review_on: NaiveDate,
    /// The measures received (the chain), planted problems included.
    pub measures: Vec<Measure>,
    /// Follow-up visits.
    pub visits: Vec<FollowUpVisit>,
}

/// One problem of the chain the generator planted (or could not avoid):
/// what the chain report must find, and nothing else.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ExpectedFinding {
    /// 户编号.
    pub household: String,
    /// The rule.
    pub rule: ChainRule,
    /// The person (`None`: the household).
    pub person: Option<IdNumber>,
}

/// The demo's assistance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssistanceDemo {
    /// The roster.
    pub helpers: Vec<Helper>,
    /// One entry per monitored household given.
    pub households: Vec<HouseholdAssistance>,
    /// Every finding the chain report must give, sorted.
    pub manifest: Vec<ExpectedFinding>,
}

/// The risk types a household's facts show (at least one): what the
/// demo's county list says of its monitored households.
pub fn risks_of(h: &Household) -> Vec<RiskType> {
    use dixian_domain::{DrinkingWater, HousingGrade, Illness, LaborCapacity};
    let mut r = Vec::new();
    if h.members.iter().any(|m| m.illness != Illness::Healthy) {
        r.push(RiskType::Illness);
    }
    if h.members.iter().any(|m| m.disability_kind.is_some()) {
        r.push(RiskType::Disability);
    }
    if matches!(h.housing, HousingGrade::C | HousingGrade::D) {
        r.push(RiskType::HousingSafety);
    }
    if h.water != DrinkingWater::Secure {
        r.push(RiskType::DrinkingWater);
    }
    if !h
        .members
        .iter()
        .any(|m| matches!(m.labor, LaborCapacity::Full | LaborCapacity::Weak))
    {
        r.push(RiskType::LackOfLabor);
    }
    if r.is_empty() {
        r.push(RiskType::UnstableEmployment);
    }
    r
}

/// A day between 1 July 2021 and 30 days before `today`, fixed by the
/// household's number (the same demo, the same days).
pub fn identified_on(number: &str, today: NaiveDate) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(2021, 7, 1).expect("a valid day");
    let last = today.checked_sub_days(Days::new(30)).unwrap_or(today);
    let span = (last - first).num_days().max(1);
    add_days(first, hash(number, 0) % span as u64)
}

/// Helpers per township.
const HELPERS_PER_TOWNSHIP: usize = 4;

const SURNAMES: [&str; 16] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "龙",
];
const GIVEN: [&str; 16] = [
    "建华", "丽萍", "国强", "海燕", "志军", "秀英", "明", "红梅", "德兵", "晓东", "春兰", "永福",
    "文杰", "玉芬", "光荣", "小勇",
];
const UNITS: [&str; 6] = [
    "{t}人民政府",
    "县农业农村局",
    "县人力资源和社会保障局",
    "县教育局",
    "县卫生健康局",
    "县乡村振兴服务中心",
];

/// FNV-1a of `s` and `salt`: the generator's only source of variety.
fn hash(s: &str, salt: u64) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325_u64 ^ salt, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn add_days(d: NaiveDate, n: u64) -> NaiveDate {
    d.checked_add_days(Days::new(n)).unwrap_or(d)
}

/// The roster: [`HELPERS_PER_TOWNSHIP`] helpers for each township of the
/// households, in the order townships first appear.
fn roster(
    households: &[Monitored<'_>],
    township_name: &dyn Fn(&RegionCode) -> String,
) -> Vec<Helper> {
    let mut towns: Vec<RegionCode> = Vec::new();
    for m in households {
        if let Some(t) = m.household.village.ancestor(RegionLevel::Township)
            && !towns.contains(&t)
        {
            towns.push(t);
        }
    }
    let mut out = Vec::new();
    for (ti, t) in towns.iter().enumerate() {
        for k in 0..HELPERS_PER_TOWNSHIP {
            let n = ti * HELPERS_PER_TOWNSHIP + k;
            let h = hash(t.as_str(), n as u64);
            let unit = UNITS[(h % UNITS.len() as u64) as usize].replace("{t}", &township_name(t));
            out.push(Helper {
                township: t.clone(),
                name: format!(
                    "{}{}",
                    SURNAMES[(h >> 8) as usize % SURNAMES.len()],
                    GIVEN[(h >> 16) as usize % GIVEN.len()]
                ),
                unit,
                phone: format!("139{:08}", (h >> 24) % 100_000_000),
            });
        }
    }
    out
}

/// A measure of `kind` for `person` from `starts_on`, with the catalogue's
/// department, an amount within its limit and an end within its term; a
/// term over by `today` is done.
fn received(
    catalogue: &MeasureCatalogue,
    kind: MeasureKind,
    person: Option<IdNumber>,
    starts_on: NaiveDate,
    today: NaiveDate,
    evidence: String,
) -> Option<Measure> {
    let rule = catalogue.get(kind)?;
    let amount = match rule.max_amount_fen {
        Some(max) => Some((max / 2).min(500_000)),
        None => Some(200_000),
    };
    let ends_on = rule.max_term_months.map(|n| {
        starts_on
            .checked_add_months(Months::new(n))
            .and_then(|d| d.pred_opt())
            .unwrap_or(starts_on)
    });
    let status = if ends_on.is_some_and(|e| e < today) {
        MeasureStatus::Done
    } else {
        MeasureStatus::Ongoing
    };
    Some(Measure {
        person,
        kind,
        department: rule.department,
        amount_fen: amount,
        starts_on,
        ends_on,
        status,
        source: MeasureSource::Cadre,
        evidence,
    })
}

/// Which problem a household is chosen to carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plant {
    DoublePayment,
    Exclusive,
    NoMeasure,
    WorkerWithout,
    LoanPastTerm,
    SubsidyWithoutLoan,
}

/// How many households carry each problem.
const PLANTS: [(Plant, usize); 6] = [
    (Plant::DoublePayment, 2),
    (Plant::Exclusive, 1),
    (Plant::NoMeasure, 1),
    (Plant::WorkerWithout, 1),
    (Plant::LoanPastTerm, 1),
    (Plant::SubsidyWithoutLoan, 1),
];

/// The assistance of `households` on `today` under `catalogue` and
/// `policy`; `township_name` names a township for the helpers' units.
pub fn assistance(
    households: &[Monitored<'_>],
    catalogue: &MeasureCatalogue,
    policy: &AssistancePolicy,
    today: NaiveDate,
    township_name: &dyn Fn(&RegionCode) -> String,
) -> AssistanceDemo {
    let helpers = roster(households, township_name);
    let mut out = Vec::with_capacity(households.len());
    let mut manifest = Vec::new();
    let mut wanted: Vec<(Plant, usize)> = PLANTS.to_vec();
    let first_due = u64::from(policy.first_measure_days);
    for (index, m) in households.iter().enumerate() {
        let h = m.household;
        let town = h.village.ancestor(RegionLevel::Township);
        let mine: Vec<usize> = helpers
            .iter()
            .enumerate()
            .filter(|(_, x)| Some(&x.township) == town.as_ref())
            .map(|(i, _)| i)
            .collect();
        let helper = mine
            .get(index % mine.len().max(1))
            .copied()
            .unwrap_or_default();
        let plan = propose(h, m.risks, catalogue, m.identified_on);
        let start = add_days(
            m.identified_on,
            3 + hash(&h.number, 1) % (first_due / 2).max(1),
        );
        let mut measures: Vec<Measure> = plan
            .iter()
            .filter_map(|p| {
                received(
                    catalogue,
                    p.kind,
                    p.person.clone(),
                    start,
                    today,
                    format!("{}-{}", h.number, p.kind.code()),
                )
            })
            .filter(|x| x.starts_on <= today)
            .collect();
        // A member able to work today without a development measure (one
        // who came of age since) gets one from the day they may.
        let workers: Vec<_> = h
            .members
            .iter()
            .filter(|w| able_to_work(h, w, None, catalogue, today))
            .collect();
        for w in &workers {
            if !has_development(&measures, catalogue, &w.id_number) {
                let kind = catalogue.rules.iter().find(|r| {
                    r.class == MeasureClass::Development
                        && !r.household
                        && r.kind.requires().is_none()
                        && r.fails(h, Some(w), None, today).is_none()
                });
                if let Some(x) = kind.and_then(|r| {
                    received(
                        catalogue,
                        r.kind,
                        Some(w.id_number.clone()),
                        today,
                        today,
                        format!("{}-{}", h.number, r.kind.code()),
                    )
                }) {
                    measures.push(x);
                }
            }
        }
        let due = add_days(m.identified_on, first_due);
        let old_enough = today > add_days(due, 400);
        // Plant a problem where it fits and is still wanted.
        let fits = |p: Plant| match p {
            Plant::DoublePayment => measures
                .iter()
                .any(|x| x.person.is_some() && x.ends_on.is_none_or(|e| e >= today)),
            Plant::Exclusive => {
                catalogue.exclusive(MeasureKind::Dibao, MeasureKind::Tekun)
                    && !measures.iter().any(|x| {
                        matches!(x.kind, MeasureKind::Dibao | MeasureKind::Tekun)
                            || catalogue.exclusive(x.kind, MeasureKind::Dibao)
                            || catalogue.exclusive(x.kind, MeasureKind::Tekun)
                    })
                    && catalogue
                        .get(MeasureKind::Dibao)
                        .is_some_and(|r| !r.household)
                    && catalogue
                        .get(MeasureKind::Tekun)
                        .is_some_and(|r| !r.household)
            }
            Plant::NoMeasure => today > due && workers.is_empty(),
            Plant::WorkerWithout => {
                today > due
                    && workers.len() >= 2
                    && !measures.iter().any(|x| {
                        x.person.is_none()
                            && catalogue
                                .get(x.kind)
                                .is_some_and(|r| r.class == MeasureClass::Development)
                    })
            }
            Plant::LoanPastTerm => {
                old_enough
                    && !workers.is_empty()
                    && !measures.iter().any(|x| x.kind == MeasureKind::SmallLoan)
                    && catalogue.get(MeasureKind::SmallLoan).is_some()
            }
            Plant::SubsidyWithoutLoan => {
                old_enough
                    && !workers.is_empty()
                    && !measures.iter().any(|x| {
                        matches!(
                            x.kind,
                            MeasureKind::SmallLoan | MeasureKind::LoanInterestSubsidy
                        )
                    })
                    && catalogue.get(MeasureKind::SmallLoan).is_some()
                    && catalogue.get(MeasureKind::LoanInterestSubsidy).is_some()
            }
        };
        let plant = wanted
            .iter()
            .position(|(p, n)| *n > 0 && index % 7 == 3 && fits(*p));
        let mut found = Vec::new();
        if let Some(i) = plant {
            wanted[i].1 -= 1;
            match wanted[i].0 {
                Plant::DoublePayment => {
                    let x = measures
                        .iter()
                        .find(|x| x.person.is_some() && x.ends_on.is_none_or(|e| e >= today))
                        .cloned()
                        .expect("fits");
                    found.push((ChainRule::DoublePayment, x.person.clone()));
                    // The same benefit again, from another department's list.
                    let other = if x.department == Department::CivilAffairs {
                        Department::HumanResources
                    } else {
                        Department::CivilAffairs
                    };
                    measures.push(Measure {
                        department: other,
                        source: MeasureSource::List,
                        starts_on: add_days(x.starts_on, 15).min(today),
                        evidence: format!("{}-dup", h.number),
                        ..x
                    });
                }
                Plant::Exclusive => {
                    let p = h.members.first().map(|p| p.id_number.clone());
                    for kind in [MeasureKind::Dibao, MeasureKind::Tekun] {
                        if let Some(x) =
                            received(catalogue, kind, p.clone(), start, today, h.number.clone())
                        {
                            measures.push(Measure {
                                department: Department::CivilAffairs,
                                ..x
                            });
                        }
                    }
                    found.push((ChainRule::ExclusiveOverlap, p));
                }
                Plant::NoMeasure => {
                    measures.clear();
                }
                Plant::WorkerWithout => {
                    let w = workers[0].id_number.clone();
                    measures.retain(|x| {
                        x.person.as_ref() != Some(&w)
                            || catalogue
                                .get(x.kind)
                                .is_none_or(|r| r.class != MeasureClass::Development)
                    });
                }
                Plant::LoanPastTerm => {
                    let w = workers[0];
                    let starts_on = add_days(due, 10);
                    let rule = catalogue.get(MeasureKind::SmallLoan).expect("fits");
                    measures.push(Measure {
                        person: Some(w.id_number.clone()),
                        kind: MeasureKind::SmallLoan,
                        department: rule.department,
                        amount_fen: Some(rule.max_amount_fen.unwrap_or(5_000_000).min(3_000_000)),
                        starts_on,
                        ends_on: starts_on
                            .checked_add_months(Months::new(12))
                            .and_then(|d| d.pred_opt()),
                        status: MeasureStatus::Ongoing,
                        source: MeasureSource::List,
                        evidence: format!("借据{}", h.number),
                    });
                    found.push((ChainRule::LoanPastTerm, Some(w.id_number.clone())));
                }
                Plant::SubsidyWithoutLoan => {
                    // A loan repaid after six months, and the year's
                    // interest subsidy recorded for it before: the
                    // subsidy's last six months rest on no loan.
                    let w = workers[0];
                    let starts_on = add_days(due, 10);
                    let months = |n: u32| {
                        starts_on
                            .checked_add_months(Months::new(n))
                            .and_then(|d| d.pred_opt())
                    };
                    let loan = catalogue.get(MeasureKind::SmallLoan).expect("fits");
                    let loan_fen = loan.max_amount_fen.unwrap_or(5_000_000).min(2_000_000);
                    measures.push(Measure {
                        person: Some(w.id_number.clone()),
                        kind: MeasureKind::SmallLoan,
                        department: loan.department,
                        amount_fen: Some(loan_fen),
                        starts_on,
                        ends_on: months(6),
                        status: MeasureStatus::Done,
                        source: MeasureSource::List,
                        evidence: format!("借据{}", h.number),
                    });
                    let subsidy = catalogue
                        .get(MeasureKind::LoanInterestSubsidy)
                        .expect("fits");
                    let ends_on = months(12);
                    let days = ends_on.map_or(1, |e| (e - starts_on).num_days() + 1);
                    measures.push(Measure {
                        person: Some(w.id_number.clone()),
                        kind: MeasureKind::LoanInterestSubsidy,
                        department: subsidy.department,
                        amount_fen: subsidy
                            .max_yearly_rate_bp
                            .map(|bp| rate_limit(loan_fen, bp, days)),
                        starts_on,
                        ends_on,
                        status: MeasureStatus::Done,
                        source: MeasureSource::List,
                        evidence: format!("贴息{}", h.number),
                    });
                    found.push((ChainRule::SubsidyWithoutLoan, Some(w.id_number.clone())));
                }
            }
        }
        // What the chain must show beyond the planted pairs: the missing
        // measures, as the definitions say.
        if today > due {
            let received_by_today: Vec<&Measure> =
                measures.iter().filter(|x| x.starts_on <= today).collect();
            if received_by_today.is_empty() {
                found.push((ChainRule::NoMeasureInTime, None));
            }
            for w in &workers {
                if !has_development(&measures, catalogue, &w.id_number) {
                    found.push((
                        ChainRule::WorkerWithoutDevelopment,
                        Some(w.id_number.clone()),
                    ));
                }
            }
        }
        manifest.extend(found.into_iter().map(|(rule, person)| ExpectedFinding {
            household: h.number.clone(),
            rule,
            person,
        }));
        let visits = visit(h, m.identified_on, today, policy)
            .into_iter()
            .collect();
        out.push(HouseholdAssistance {
            number: h.number.clone(),
            helper,
            plan,
            starts_on: m.identified_on,
            review_on: add_days(m.identified_on, u64::from(policy.visit_interval_days)),
            measures,
            visits,
        });
    }
    manifest.sort();
    AssistanceDemo {
        helpers,
        households: out,
        manifest,
    }
}

/// Whether `person` has a development measure received, not stopped (a
/// household measure counts for every member).
fn has_development(measures: &[Measure], catalogue: &MeasureCatalogue, person: &IdNumber) -> bool {
    measures.iter().any(|x| {
        x.status != MeasureStatus::Stopped
            && (x.person.is_none() || x.person.as_ref() == Some(person))
            && catalogue
                .get(x.kind)
                .is_some_and(|r| r.class == MeasureClass::Development)
    })
}

/// One follow-up visit, a quarter after identification (when that is
/// past), with the household's registry income for the quarter.
fn visit(
    h: &Household,
    identified_on: NaiveDate,
    today: NaiveDate,
    policy: &AssistancePolicy,
) -> Option<FollowUpVisit> {
    let visited_on = add_days(identified_on, u64::from(policy.visit_interval_days));
    if visited_on > today || !hash(&h.number, 2).is_multiple_of(3) {
        return None;
    }
    let persons = u32::try_from(h.members.len()).ok()?.max(1);
    let quarter = |yuan: i64| yuan.max(0) * 100 / 4;
    Some(FollowUpVisit {
        visited_on,
        period_from: add_days(identified_on, 1),
        period_to: visited_on,
        income: IncomeBySource {
            wage_fen: quarter(h.income.wage),
            business_fen: quarter(h.income.production),
            property_fen: quarter(h.income.property),
            transfer_fen: quarter(h.income.transfer),
        },
        persons,
        needs: BasicNeeds {
            food: true,
            clothing: true,
            schooling: true,
            medical: true,
            housing: !matches!(
                h.housing,
                dixian_domain::HousingGrade::C | dixian_domain::HousingGrade::D
            ),
            water: h.water != dixian_domain::DrinkingWater::Insecure,
        },
        measures: Vec::new(),
        note: "跟踪回访（演示）".into(),
    })
}
