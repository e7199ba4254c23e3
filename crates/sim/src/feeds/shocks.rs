//! The planted shocks: for each kind, the ways its rule can fire, taken in
//! turn, each in a household of its own chosen at random among those that
//! qualify, with values just above the caller's thresholds.

use super::condition as c;
use super::kinds::{
    age, any_day, asset, assistance_kind, disability_row, disaster_row, education_row, fen, hazard,
    is_laborer, is_worker, just_above, medical_row, money, person_line, pick_slice, quiet_damages,
    share, supported, villages, water_row,
};
use super::{Ctx, FeedKind, HouseDamage, Line, Origin, Shock};
use crate::random::{SimRng, between, log_normal};
use dixian_domain::{
    DisabilityKind, EmploymentStatus, Household, Illness, StudentStage, StudentStatus,
};
use rand::Rng;
use rand::seq::SliceRandom;
use std::collections::HashSet;

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

/// Whether member `m` of `h` can carry shock `variant` of the feed.
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

/// What a shock expects, says and writes.
type Planted = (Vec<&'static str>, &'static str, Vec<Line>);

/// The conditions, description and rows of shock `variant` for member `m` of `h`.
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
