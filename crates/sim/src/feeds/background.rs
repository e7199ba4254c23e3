//! The background: ordinary rows that stay clear of every threshold, so
//! that every warning of a feed is a planted one.
//!
//! Rates and amounts (how many people see a doctor, what an outpatient visit
//! costs) are the simulation's own realism, not policy: wherever a rule
//! could fire, the bound is a share of the caller's threshold.

use super::kinds::{
    age, any_day, asset, disability_row, disaster_row, education_row, fen, hazard, is_laborer,
    is_worker, medical_row, money, person_line, pick_slice, quiet_damages, share, supported,
    villages, water_row,
};
use super::{Ctx, FeedKind, Line, Shock};
use crate::random::{SimRng, between, chance, log_normal, pick};
use chrono::NaiveDate;
use dixian_domain::{
    EmploymentStatus, Household, HousingGrade, Illness, Member, RegionCode, StudentStage,
    StudentStatus,
};
use rand::Rng;
use std::collections::HashSet;

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
        if skip.contains(&i) || h.members.is_empty() {
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

/// The hazard and day of the village being walked, if it was struck.
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

/// 住建 re-assessments: a third of the houses, graded with grades that do not fire.
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

/// A small loss of a struck village's household, with damage that does not fire.
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
