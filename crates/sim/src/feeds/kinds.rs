//! The rows of each feed kind: columns, ordinary background rows that stay
//! clear of every threshold, and the planted shocks that cross one.
//!
//! Background rates and amounts (how many people see a doctor, what an
//! outpatient visit costs) are the simulation's own realism, not policy:
//! wherever a rule could fire, the bound comes from [`Thresholds`].

use super::condition as c;
use super::{Ctx, FeedKind, HouseDamage, Line, Origin, Shock};
use crate::random::{SimRng, between, chance, log_normal, pick};
use chrono::NaiveDate;
use dixian_domain::{
    DisabilityKind, EmploymentStatus, Household, HousingGrade, Illness, LaborCapacity, Member,
    RegionCode, StudentStage, StudentStatus,
};
use rand::Rng;
use rand::seq::SliceRandom;
use std::collections::HashSet;

/// Column headers per kind, (中文, English), in `feeds.md` order.
pub(super) fn columns(kind: FeedKind) -> &'static [(&'static str, &'static str)] {
    const ID: (&str, &str) = ("身份证号", "id_number");
    const NAME: (&str, &str) = ("姓名", "name");
    const DATE: (&str, &str) = ("日期", "date");
    match kind {
        FeedKind::Medical => &[
            ID,
            NAME,
            ("结算日期", "settled_on"),
            ("就诊类型", "visit_type"),
            ("总费用", "total_cost"),
            ("医保支付", "insurance_paid"),
            ("个人自付", "self_paid"),
            ("诊断", "diagnosis"),
        ],
        FeedKind::Disability => &[
            ID,
            NAME,
            ("残疾类别", "disability_kind"),
            ("残疾等级", "disability_grade"),
            ("发证日期", "issued_on"),
        ],
        FeedKind::Assistance => &[
            ID,
            NAME,
            ("救助类型", "assistance_kind"),
            ("状态", "status"),
            ("金额", "amount"),
            DATE,
        ],
        FeedKind::Education => &[
            ID,
            NAME,
            ("学段", "stage"),
            ("学校", "school"),
            ("状态", "status"),
            DATE,
        ],
        FeedKind::Housing => &[
            ID,
            ("鉴定等级", "safety_grade"),
            ("鉴定日期", "assessed_on"),
        ],
        FeedKind::Employment => &[
            ID,
            NAME,
            ("就业状态", "status"),
            ("月收入", "monthly_income"),
            DATE,
        ],
        FeedKind::Disaster => &[
            ID,
            ("灾种", "hazard"),
            ("损失金额", "loss_amount"),
            ("房屋损毁", "house_damage"),
            DATE,
        ],
        FeedKind::Vital => &[ID, ("事件", "event"), DATE],
        FeedKind::Assets => &[ID, ("资产类型", "asset_kind"), ("价值", "value"), DATE],
        FeedKind::Water => &[
            ("村代码", "village_code"),
            ("事件", "event"),
            ("开始", "start_on"),
            ("结束", "end_on"),
        ],
    }
}

/// The column holding the row's (first) date.
pub(super) fn date_column(kind: FeedKind) -> usize {
    match kind {
        FeedKind::Medical => 2,
        FeedKind::Disability => 4,
        FeedKind::Assistance | FeedKind::Education => 5,
        FeedKind::Housing => 2,
        FeedKind::Employment | FeedKind::Disaster => 4,
        FeedKind::Vital => 2,
        FeedKind::Assets => 3,
        FeedKind::Water => 2,
    }
}

/// The column holding money, for kinds that have one.
pub(super) fn money_column(kind: FeedKind) -> Option<usize> {
    match kind {
        FeedKind::Medical => Some(6),
        FeedKind::Assistance => Some(4),
        FeedKind::Employment => Some(3),
        FeedKind::Disaster | FeedKind::Assets => Some(2),
        _ => None,
    }
}

/// Money in 元 with two decimals, as departments write it.
pub(super) fn money(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// A date in the style the kind's department uses (the parser takes all three).
fn date(kind: FeedKind, d: NaiveDate) -> String {
    match kind {
        FeedKind::Medical => d.format("%Y%m%d").to_string(),
        FeedKind::Education | FeedKind::Disaster => d.format("%Y/%-m/%-d").to_string(),
        _ => d.format("%Y-%m-%d").to_string(),
    }
}

/// Amount in 元 (a float draw) to 分.
fn fen(yuan: f64) -> i64 {
    (yuan.max(0.0) * 100.0).round() as i64
}

/// A share of a threshold, in 分 (rounded down).
fn share(fen: i64, num: i64, den: i64) -> i64 {
    (i128::from(fen) * i128::from(num) / i128::from(den)) as i64
}

/// Just above a threshold: 1–15 % more, at least 1 元.
fn just_above(rng: &mut SimRng, threshold: i64) -> i64 {
    let pct = i64::from(between(rng, 1, 15));
    threshold + share(threshold, pct, 100).max(100)
}

/// A random day of the window.
fn any_day(cx: &Ctx<'_>, rng: &mut SimRng) -> NaiveDate {
    cx.day(rng.random_range(0..Ctx::WINDOW_DAYS))
}

fn age(cx: &Ctx<'_>, m: &Member) -> u32 {
    m.id_number.age_on(cx.spec.as_of)
}

fn is_worker(m: &Member) -> bool {
    matches!(
        m.employment,
        EmploymentStatus::LocalWork
            | EmploymentStatus::MigrantWork
            | EmploymentStatus::PublicWelfareJob
    )
}

fn is_laborer(m: &Member) -> bool {
    matches!(m.labor, LaborCapacity::Full | LaborCapacity::Weak)
}

fn supported(h: &Household) -> bool {
    h.formerly_registered_poor || h.category.is_some()
}

/// A row of a person.
fn person_line(
    kind: FeedKind,
    m: &Member,
    with_name: bool,
    rest: Vec<String>,
    d: NaiveDate,
) -> Line {
    let mut cells = vec![m.id_number.as_str().to_string()];
    if with_name {
        cells.push(m.name.clone());
    }
    cells.extend(rest);
    let col = date_column(kind);
    cells.insert(col, date(kind, d));
    Line {
        cells,
        date: d,
        origin: Origin::Background,
    }
}

// ---------------------------------------------------------------- shocks

/// The planted shocks of the feed and their lines.
pub(super) fn plant(cx: &Ctx<'_>, rng: &mut SimRng) -> (Vec<Shock>, Vec<Line>) {
    let kind = cx.spec.kind;
    if kind == FeedKind::Water {
        return plant_water(cx, rng);
    }
    let variants = variants(cx);
    if variants == 0 || cx.spec.shocks == 0 {
        return (Vec::new(), Vec::new());
    }
    let mut persons: Vec<(usize, usize)> = cx
        .households
        .iter()
        .enumerate()
        .flat_map(|(h, hh)| (0..hh.members.len()).map(move |m| (h, m)))
        .collect();
    persons.shuffle(rng);
    let mut used: HashSet<usize> = HashSet::new();
    let (mut shocks, mut lines) = (Vec::new(), Vec::new());
    for i in 0..cx.spec.shocks {
        let variant = i % variants;
        let found = persons
            .iter()
            .copied()
            .find(|&(h, m)| !used.contains(&h) && eligible(cx, variant, &cx.households[h], m));
        let Some((h, m)) = found else { continue };
        used.insert(h);
        let (conditions, description, rows) = shock(cx, rng, variant, &cx.households[h], m);
        let k = shocks.len();
        lines.extend(rows.into_iter().map(|mut l| {
            l.origin = Origin::Shock(k);
            l
        }));
        shocks.push(Shock {
            household: Some(h),
            member: Some(m),
            village: None,
            conditions,
            description,
        });
    }
    (shocks, lines)
}

/// How many kinds of shock the feed rotates through.
fn variants(cx: &Ctx<'_>) -> usize {
    match cx.spec.kind {
        FeedKind::Medical => 2 + usize::from(cx.t.near_line_factor_milli.is_some()),
        FeedKind::Disability | FeedKind::Assistance => 2,
        FeedKind::Housing => usize::from(!cx.t.housing_grades.is_empty()),
        FeedKind::Disaster => 1 + usize::from(!cx.t.disaster_damage.is_empty()),
        _ => 1,
    }
}

fn eligible(cx: &Ctx<'_>, variant: usize, h: &Household, m: usize) -> bool {
    let p = &h.members[m];
    match (cx.spec.kind, variant) {
        (FeedKind::Medical, 0) => !cx.t.near_line(h),
        (FeedKind::Medical, 1) => !cx.t.near_line(h) && p.illness != Illness::Healthy,
        (FeedKind::Medical, _) => cx.t.near_line(h),
        (FeedKind::Disability, 0) => p.disability_grade.is_none(),
        (FeedKind::Disability, _) => p.disability_grade.is_some_and(|g| g >= 2),
        (FeedKind::Assistance, _) => m == 0,
        (FeedKind::Education, _) => {
            p.student_status == Some(StudentStatus::Enrolled)
                && !matches!(p.student_stage, Some(StudentStage::Preschool) | None)
        }
        (FeedKind::Housing | FeedKind::Disaster, _) => m == 0,
        (FeedKind::Employment, _) => is_worker(p),
        (FeedKind::Vital, _) => is_laborer(p),
        (FeedKind::Assets, _) => supported(h) && age(cx, p) >= 18,
        (FeedKind::Water, _) => false,
    }
}

type Planted = (Vec<&'static str>, &'static str, Vec<Line>);

fn shock(cx: &Ctx<'_>, rng: &mut SimRng, variant: usize, h: &Household, m: usize) -> Planted {
    let p = &h.members[m];
    let kind = cx.spec.kind;
    let t = cx.t;
    let d = any_day(cx, rng);
    match (kind, variant) {
        (FeedKind::Medical, 0) => {
            let own = just_above(rng, t.self_paid_per_stay_fen);
            let mut conditions = vec![c::SELF_PAID_PER_STAY];
            if own > t.self_paid_12_months_fen {
                conditions.push(c::SELF_PAID_12M);
            }
            let row = medical_row(p, d, "住院", own, 70, "恶性肿瘤");
            (
                conditions,
                "one inpatient stay above the per-stay threshold",
                vec![row],
            )
        }
        (FeedKind::Medical, 1) => {
            // Monthly dialysis (门诊慢特病, never a stay) adding up to just
            // above the 12-month threshold.
            let total = just_above(rng, t.self_paid_12_months_fen);
            let each = (total + 11) / 12;
            let rows = (0..12u64)
                .map(|k| {
                    let day = cx.day(10 + 29 * k);
                    medical_row(p, day, "门诊慢特病", each, 40, "慢性肾脏病（血液透析）")
                })
                .collect();
            let what = "monthly chronic-care costs adding up above the 12-month threshold";
            (vec![c::SELF_PAID_12M], what, rows)
        }
        (FeedKind::Medical, _) => {
            let own = fen(log_normal(rng, 80.0, 0.6)).max(100);
            let row = medical_row(p, d, "门诊", own, 50, "高血压");
            (
                vec![c::NEAR_LINE],
                "a medical cost of a near-line household",
                vec![row],
            )
        }
        (FeedKind::Disability, 0) => {
            let grade = between(rng, 1, 4) as u8;
            let k = *pick_slice(rng, DisabilityKind::ALL);
            let row = disability_row(kind, p, k, grade, d);
            (
                vec![c::DISABILITY],
                "a new disability certificate",
                vec![row],
            )
        }
        (FeedKind::Disability, _) => {
            let grade = p.disability_grade.unwrap_or(2).saturating_sub(1).max(1);
            let k = p.disability_kind.unwrap_or(DisabilityKind::Physical);
            let row = disability_row(kind, p, k, grade, d);
            (
                vec![c::DISABILITY],
                "a disability grade more severe than registered",
                vec![row],
            )
        }
        (FeedKind::Assistance, v) => {
            let (status, cond, what) = if v == 0 {
                (
                    "新增",
                    c::ASSISTANCE_GRANTED,
                    "social assistance newly granted",
                )
            } else {
                ("停发", c::ASSISTANCE_STOPPED, "social assistance stopped")
            };
            let (label, amount) = assistance_kind(rng);
            let rest = vec![label.to_string(), status.to_string(), money(amount)];
            (vec![cond], what, vec![person_line(kind, p, true, rest, d)])
        }
        (FeedKind::Education, _) => {
            let stage = p.student_stage.unwrap_or(StudentStage::Primary);
            let row = education_row(kind, p, stage, "辍学", d);
            (vec![c::DROPPED_OUT], "a pupil dropped out", vec![row])
        }
        (FeedKind::Housing, _) => {
            let grade = *pick_slice(rng, &t.housing_grades);
            let row = person_line(kind, p, false, vec![grade.code().to_string()], d);
            (vec![c::HOUSING_GRADE], "a house assessed unsafe", vec![row])
        }
        (FeedKind::Employment, _) => {
            let status = if p.employment == EmploymentStatus::MigrantWork {
                "返乡"
            } else {
                "失业"
            };
            let row = person_line(kind, p, true, vec![status.to_string(), money(0)], d);
            (
                vec![c::UNEMPLOYED],
                "a worker lost the job or came back",
                vec![row],
            )
        }
        (FeedKind::Disaster, 0) => {
            let loss = just_above(rng, t.disaster_loss_fen);
            let damage = quiet_damages(t)
                .first()
                .copied()
                .unwrap_or(HouseDamage::Collapsed);
            let row = disaster_row(kind, p, hazard(rng), loss, damage, d);
            (
                vec![c::DISASTER],
                "a disaster loss above the threshold",
                vec![row],
            )
        }
        (FeedKind::Disaster, _) => {
            let damage = if t.disaster_damage.contains(&HouseDamage::Collapsed) {
                HouseDamage::Collapsed
            } else {
                t.disaster_damage[0]
            };
            let loss = share(t.disaster_loss_fen, i64::from(between(rng, 30, 90)), 100);
            let row = disaster_row(kind, p, hazard(rng), loss, damage, d);
            (
                vec![c::DISASTER],
                "a house destroyed in a disaster",
                vec![row],
            )
        }
        (FeedKind::Vital, _) => {
            let row = person_line(kind, p, false, vec!["死亡".to_string()], d);
            (vec![c::DEATH_OF_LABORER], "death of a laborer", vec![row])
        }
        (FeedKind::Assets, _) => {
            let (label, value) = asset(rng, true);
            let row = person_line(kind, p, false, vec![label.to_string(), money(value)], d);
            (
                vec![c::ASSET],
                "an asset in a supported household",
                vec![row],
            )
        }
        (FeedKind::Water, _) => (Vec::new(), "", Vec::new()),
    }
}

/// Villages hit by outages adding up to just above the limit, in two or
/// three spells; every household of the village is expected to be warned.
fn plant_water(cx: &Ctx<'_>, rng: &mut SimRng) -> (Vec<Shock>, Vec<Line>) {
    let limit = u64::from(cx.t.outage_days_limit);
    let mut villages = villages(cx);
    villages.shuffle(rng);
    let (mut shocks, mut lines) = (Vec::new(), Vec::new());
    for v in villages.into_iter().take(cx.spec.shocks) {
        let total = limit + u64::from(between(rng, 1, 5));
        let spells = u64::from(between(rng, 2, 3));
        if total + 2 * spells >= Ctx::WINDOW_DAYS {
            break;
        }
        let k = shocks.len();
        let gap_budget = Ctx::WINDOW_DAYS - total - 1;
        let mut start = rng.random_range(0..=gap_budget / 4);
        for s in 0..spells {
            let len = if s + 1 == spells {
                total - (total / spells) * (spells - 1)
            } else {
                total / spells
            };
            let mut l = water_row(cx, &v, "停水", start, len);
            l.origin = Origin::Shock(k);
            lines.push(l);
            start += len + 1 + rng.random_range(0..=gap_budget / (4 * spells));
        }
        shocks.push(Shock {
            household: None,
            member: None,
            village: Some(v),
            conditions: vec![c::WATER_OUTAGE],
            description: "village outages adding up above the limit",
        });
    }
    (shocks, lines)
}

/// Distinct villages of the population, in household order.
fn villages(cx: &Ctx<'_>) -> Vec<RegionCode> {
    let mut seen = HashSet::new();
    cx.households
        .iter()
        .filter(|h| seen.insert(h.village.clone()))
        .map(|h| h.village.clone())
        .collect()
}

// ------------------------------------------------------------ background

/// Ordinary rows: households with a shock get none, so that every warning
/// of the feed is a planted one.
pub(super) fn background(cx: &Ctx<'_>, rng: &mut SimRng, shocks: &[Shock]) -> Vec<Line> {
    let kind = cx.spec.kind;
    let mut out = Vec::new();
    if kind == FeedKind::Water {
        let hit: HashSet<&RegionCode> = shocks.iter().filter_map(|s| s.village.as_ref()).collect();
        for v in villages(cx).iter().filter(|v| !hit.contains(v)) {
            water_background(cx, rng, v, &mut out);
        }
        return out;
    }
    let skip: HashSet<usize> = shocks.iter().filter_map(|s| s.household).collect();
    let mut struck: Option<(RegionCode, &'static str, NaiveDate)> = None;
    for (i, h) in cx.households.iter().enumerate() {
        if kind == FeedKind::Disaster && struck.as_ref().is_none_or(|s| s.0 != h.village) {
            // A hailstorm or a flood hits some villages on one day.
            let hit = chance(rng, 0.3);
            struck = Some((
                h.village.clone(),
                if hit { hazard(rng) } else { "" },
                any_day(cx, rng),
            ));
        }
        if skip.contains(&i) {
            continue;
        }
        match kind {
            FeedKind::Medical => medical_background(cx, rng, h, &mut out),
            FeedKind::Housing => housing_background(cx, rng, h, &mut out),
            FeedKind::Disaster => {
                if let Some((hz, d)) = village_hit(&struck)
                    && chance(rng, 0.25)
                {
                    disaster_background(cx, rng, h, hz, d, &mut out);
                }
            }
            _ => {
                for p in &h.members {
                    if let Some(l) = person_background(cx, rng, h, p) {
                        out.push(l);
                    }
                }
            }
        }
    }
    out
}

fn village_hit(
    s: &Option<(RegionCode, &'static str, NaiveDate)>,
) -> Option<(&'static str, NaiveDate)> {
    s.as_ref().filter(|s| !s.1.is_empty()).map(|s| (s.1, s.2))
}

/// Medical background: in households near the line (where any cost is a
/// warning) only the chronically or seriously ill have rows, chronic care
/// settled in full by insurance and medical assistance (self-paid 0, the
/// one-stop settlement); elsewhere a person's self-paid total stays below a
/// quarter of the 12-month threshold, and every stay below 60 % of the
/// per-stay one.
fn medical_background(cx: &Ctx<'_>, rng: &mut SimRng, h: &Household, out: &mut Vec<Line>) {
    if cx.t.near_line(h) {
        for p in h.members.iter().filter(|p| p.illness != Illness::Healthy) {
            if chance(rng, 0.5) {
                let total = fen(log_normal(rng, 200.0, 0.5)).max(100);
                let rest = vec![
                    "门诊慢特病".to_string(),
                    money(total),
                    money(total),
                    money(0),
                    "高血压".to_string(),
                ];
                out.push(person_line(
                    FeedKind::Medical,
                    p,
                    true,
                    rest,
                    any_day(cx, rng),
                ));
            }
        }
        return;
    }
    let budget = share(cx.t.self_paid_12_months_fen, 1, 4);
    let stay_cap = share(cx.t.self_paid_per_stay_fen, 3, 5);
    for p in &h.members {
        let visits = match p.illness {
            Illness::Healthy => u32::from(chance(rng, 0.35)),
            Illness::Chronic => between(rng, 1, 3),
            Illness::Serious => between(rng, 2, 4),
        };
        let mut spent = 0;
        for _ in 0..visits {
            let (visit, own, insured_pct, dx) = medical_visit(rng, p.illness, stay_cap);
            let own = own.min(budget - spent);
            if own <= 0 {
                break;
            }
            spent += own;
            out.push(medical_row(
                p,
                any_day(cx, rng),
                visit,
                own,
                insured_pct,
                dx,
            ));
        }
    }
}

/// One ordinary visit: type, self-paid 分, share paid by insurance, diagnosis.
fn medical_visit(
    rng: &mut SimRng,
    illness: Illness,
    stay_cap: i64,
) -> (&'static str, i64, u32, &'static str) {
    let stay = chance(
        rng,
        if illness == Illness::Serious {
            0.4
        } else {
            0.08
        },
    );
    if stay {
        let dx = pick(
            rng,
            &[("肺炎", 3), ("骨折", 2), ("脑梗死", 2), ("阑尾炎", 1)],
        );
        let own = fen(log_normal(rng, 1500.0, 0.6)).min(stay_cap);
        return ("住院", own, between(rng, 65, 85), dx);
    }
    if illness == Illness::Chronic && chance(rng, 0.6) {
        let dx = pick(
            rng,
            &[("高血压", 3), ("糖尿病", 2), ("慢性阻塞性肺疾病", 1)],
        );
        return (
            "门诊慢特病",
            fen(log_normal(rng, 150.0, 0.6)),
            between(rng, 50, 70),
            dx,
        );
    }
    let dx = pick(
        rng,
        &[
            ("上呼吸道感染", 4),
            ("胃炎", 2),
            ("腰椎间盘突出", 1),
            ("龋齿", 1),
        ],
    );
    (
        "门诊",
        fen(log_normal(rng, 60.0, 0.7)).max(100),
        between(rng, 30, 60),
        dx,
    )
}

/// A 医保 settlement: the total is what insurance paid plus `own`.
fn medical_row(
    p: &Member,
    d: NaiveDate,
    visit: &str,
    own: i64,
    insured_pct: u32,
    dx: &str,
) -> Line {
    let insured_pct = i64::from(insured_pct.min(95));
    let total = own * 100 / (100 - insured_pct);
    let insurance = total - own;
    let rest = vec![
        visit.to_string(),
        money(total),
        money(insurance),
        money(own),
        dx.to_string(),
    ];
    person_line(FeedKind::Medical, p, true, rest, d)
}

fn housing_background(cx: &Ctx<'_>, rng: &mut SimRng, h: &Household, out: &mut Vec<Line>) {
    let quiet: Vec<HousingGrade> = HousingGrade::ALL
        .iter()
        .copied()
        .filter(|g| !cx.t.housing_grades.contains(g))
        .collect();
    if quiet.is_empty() || !chance(rng, 0.3) {
        return;
    }
    let grade = if quiet.contains(&h.housing) && chance(rng, 0.7) {
        h.housing
    } else {
        *pick_slice(rng, &quiet)
    };
    let d = any_day(cx, rng);
    out.push(person_line(
        FeedKind::Housing,
        &h.members[0],
        false,
        vec![grade.code().to_string()],
        d,
    ));
}

/// Damage levels that do not fire.
fn quiet_damages(t: &super::Thresholds) -> Vec<HouseDamage> {
    HouseDamage::ALL
        .iter()
        .copied()
        .filter(|d| !t.disaster_damage.contains(d))
        .collect()
}

fn disaster_background(
    cx: &Ctx<'_>,
    rng: &mut SimRng,
    h: &Household,
    hz: &'static str,
    d: NaiveDate,
    out: &mut Vec<Line>,
) {
    let quiet = quiet_damages(cx.t);
    let Some(&first) = quiet.first() else { return };
    let damage = if quiet.len() > 1 && chance(rng, 0.3) {
        quiet[1]
    } else {
        first
    };
    let loss = share(cx.t.disaster_loss_fen, i64::from(between(rng, 2, 50)), 100);
    out.push(disaster_row(
        cx.spec.kind,
        &h.members[0],
        hz,
        loss,
        damage,
        d,
    ));
}

/// The ordinary row of one member of the per-person event feeds, if any.
fn person_background(cx: &Ctx<'_>, rng: &mut SimRng, h: &Household, p: &Member) -> Option<Line> {
    let kind = cx.spec.kind;
    let d = any_day(cx, rng);
    match kind {
        FeedKind::Disability => {
            // 换证: the same grade again.
            let (k, g) = (p.disability_kind?, p.disability_grade?);
            chance(rng, 0.25).then(|| disability_row(kind, p, k, g, d))
        }
        FeedKind::Education => {
            if p.student_status != Some(StudentStatus::Enrolled) || !chance(rng, 0.6) {
                return None;
            }
            let status = if chance(rng, 0.02) {
                "休学"
            } else {
                "在读"
            };
            let stage = p.student_stage.unwrap_or(StudentStage::Primary);
            Some(education_row(kind, p, stage, status, d))
        }
        FeedKind::Employment => {
            if !is_worker(p) || !chance(rng, 0.7) {
                return None;
            }
            let income = match p.employment {
                EmploymentStatus::MigrantWork => log_normal(rng, 4800.0, 0.25),
                EmploymentStatus::LocalWork => log_normal(rng, 3000.0, 0.25),
                _ => log_normal(rng, 700.0, 0.15),
            };
            let rest = vec!["就业".to_string(), money(fen(income.round()))];
            Some(person_line(kind, p, true, rest, d))
        }
        FeedKind::Vital => {
            let old = age(cx, p) >= 70 && !is_laborer(p);
            let event = if old && chance(rng, 0.03) {
                "死亡"
            } else if chance(rng, 0.005) {
                "迁出"
            } else if chance(rng, 0.002) {
                "迁入"
            } else {
                return None;
            };
            Some(person_line(kind, p, false, vec![event.to_string()], d))
        }
        FeedKind::Assets => {
            if supported(h) || age(cx, p) < 18 || !chance(rng, 0.04) {
                return None;
            }
            let (label, value) = asset(rng, false);
            Some(person_line(
                kind,
                p,
                false,
                vec![label.to_string(), money(value)],
                d,
            ))
        }
        // 民政 sends changes only, and every change is a warning: no background.
        _ => None,
    }
}

/// A village's ordinary supply year: up to three short outages adding up to
/// at most half the limit, and now and then a water-quality finding.
fn water_background(cx: &Ctx<'_>, rng: &mut SimRng, v: &RegionCode, out: &mut Vec<Line>) {
    let half = u64::from(cx.t.outage_days_limit / 2);
    let mut left = half;
    for _ in 0..between(rng, 0, 3) {
        if left == 0 {
            break;
        }
        let len = rng.random_range(1..=left.clamp(1, 4));
        left -= len;
        let start = rng.random_range(0..Ctx::WINDOW_DAYS - len);
        out.push(water_row(cx, v, "停水", start, len));
    }
    if chance(rng, 0.15) {
        let start = rng.random_range(0..Ctx::WINDOW_DAYS - 3);
        out.push(water_row(
            cx,
            v,
            "水质",
            start,
            u64::from(between(rng, 1, 3)),
        ));
    }
}

/// A 水利 row of `len` days starting `start` days into the window.
fn water_row(cx: &Ctx<'_>, v: &RegionCode, event: &str, start: u64, len: u64) -> Line {
    let (s, e) = (cx.day(start), cx.day(start + len.max(1) - 1));
    Line {
        cells: vec![
            v.as_str().to_string(),
            event.to_string(),
            date(FeedKind::Water, s),
            date(FeedKind::Water, e),
        ],
        date: s,
        origin: Origin::Background,
    }
}

// ------------------------------------------------------------ row makers

fn disability_row(kind: FeedKind, p: &Member, k: DisabilityKind, grade: u8, d: NaiveDate) -> Line {
    let rest = vec![k.label_zh().to_string(), format!("{grade}级")];
    person_line(kind, p, true, rest, d)
}

fn education_row(
    kind: FeedKind,
    p: &Member,
    stage: StudentStage,
    status: &str,
    d: NaiveDate,
) -> Line {
    let school = match stage {
        StudentStage::Preschool => "中心幼儿园",
        StudentStage::Primary => "中心小学",
        StudentStage::JuniorSecondary => "民族中学",
        StudentStage::SeniorSecondary => "第一中学",
        StudentStage::Vocational => "中等职业学校",
        StudentStage::Tertiary => "职业技术学院",
    };
    let rest = vec![
        stage.label_zh().to_string(),
        school.to_string(),
        status.to_string(),
    ];
    person_line(kind, p, true, rest, d)
}

fn disaster_row(
    kind: FeedKind,
    p: &Member,
    hz: &str,
    loss: i64,
    damage: HouseDamage,
    d: NaiveDate,
) -> Line {
    let rest = vec![hz.to_string(), money(loss), damage.label_zh().to_string()];
    person_line(kind, p, false, rest, d)
}

fn hazard(rng: &mut SimRng) -> &'static str {
    pick(
        rng,
        &[
            ("冰雹", 3),
            ("洪涝", 2),
            ("干旱", 2),
            ("风雹", 1),
            ("低温雨雪冰冻", 1),
            ("山体滑坡", 1),
        ],
    )
}

/// A 民政 assistance kind and a monthly (or one-off) amount, in 分.
fn assistance_kind(rng: &mut SimRng) -> (&'static str, i64) {
    let kind = pick(
        rng,
        &[("低保", 5), ("临时救助", 3), ("低保边缘", 2), ("特困", 1)],
    );
    let yuan = match kind {
        "临时救助" => log_normal(rng, 1500.0, 0.5),
        "特困" => log_normal(rng, 800.0, 0.1),
        _ => log_normal(rng, 450.0, 0.2),
    };
    (kind, fen(yuan.round()))
}

/// An asset found and its value in 分; public payroll only as a contradiction.
fn asset(rng: &mut SimRng, contradiction: bool) -> (&'static str, i64) {
    let payroll = if contradiction { 1 } else { 0 };
    let kind = pick(
        rng,
        &[
            ("车辆", 6),
            ("商品房", 3),
            ("企业", 2),
            ("财政供养", payroll),
        ],
    );
    let yuan = match kind {
        "车辆" => log_normal(rng, 80_000.0, 0.4),
        "商品房" => log_normal(rng, 350_000.0, 0.3),
        "企业" => log_normal(rng, 100_000.0, 0.8),
        _ => log_normal(rng, 60_000.0, 0.2),
    };
    (kind, fen(yuan.round()))
}

fn pick_slice<'a, T>(rng: &mut SimRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// An ordinary row of the kind for `p` (before noise is applied to it).
pub(super) fn ordinary(cx: &Ctx<'_>, rng: &mut SimRng, p: &Member) -> Line {
    let kind = cx.spec.kind;
    let d = any_day(cx, rng);
    let rest: Vec<String> = match kind {
        FeedKind::Medical => return medical_row(p, d, "门诊", 4_500, 40, "上呼吸道感染"),
        FeedKind::Disability => return disability_row(kind, p, DisabilityKind::Physical, 4, d),
        FeedKind::Assistance => vec!["低保".into(), "新增".into(), money(45_000)],
        FeedKind::Education => return education_row(kind, p, StudentStage::Primary, "在读", d),
        FeedKind::Housing => vec!["A".into()],
        FeedKind::Employment => vec!["就业".into(), money(300_000)],
        FeedKind::Disaster => vec!["冰雹".into(), money(50_000), "无".into()],
        FeedKind::Vital => vec!["迁出".into()],
        FeedKind::Assets => vec!["车辆".into(), money(6_000_000)],
        FeedKind::Water => Vec::new(),
    };
    let with_name = columns(kind).get(1).is_some_and(|c| c.1 == "name");
    person_line(kind, p, with_name, rest, d)
}
