//! The noise of real department files, inserted at random lines: a wrong
//! check character, a valid ID of nobody registered, the same row twice, a
//! date that does not exist, money written negative, and (water) a
//! township code where a village code belongs.

use super::kinds::{date_column, money_column, ordinary};
use super::{Ctx, FeedKind, Line, NoiseKind, Origin};
use crate::random::SimRng;
use chrono::{Datelike, Days, Months};
use dixian_domain::{IdNumber, Member, RegionLevel};
use rand::Rng;
use std::collections::HashSet;

/// The noise kinds a feed can carry.
fn kinds(cx: &Ctx<'_>) -> Vec<NoiseKind> {
    let kind = cx.spec.kind;
    let mut out = if kind == FeedKind::Water {
        vec![NoiseKind::BadVillageCode]
    } else {
        vec![NoiseKind::BadCheckDigit]
    };
    if kind != FeedKind::Water || !cx.spec.unregistered_villages.is_empty() {
        out.push(NoiseKind::UnknownPerson);
    }
    out.extend([NoiseKind::Duplicate, NoiseKind::BadDate]);
    if money_column(kind).is_some() {
        out.push(NoiseKind::NegativeMoney);
    }
    out
}

/// `lines` with noise lines inserted at random places; the ordinary lines
/// keep their order.
pub(super) fn add(cx: &Ctx<'_>, rng: &mut SimRng, lines: Vec<Line>) -> Vec<Line> {
    let kinds = kinds(cx);
    if lines.is_empty() || cx.spec.noise_rate <= 0.0 {
        return lines;
    }
    let wanted = (lines.len() as f64 * cx.spec.noise_rate).round() as usize;
    let n = wanted.max(kinds.len());
    // Duplicates copy background lines, or planted ones when a feed has no
    // background (every 民政 change is a warning); a copy only adds evidence.
    let mut sources: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].origin == Origin::Background)
        .collect();
    if sources.is_empty() {
        sources = (0..lines.len()).collect();
    }
    let registered: HashSet<&str> = cx
        .households
        .iter()
        .flat_map(|h| &h.members)
        .map(|m| m.id_number.as_str())
        .collect();
    let mut unknown: HashSet<String> = HashSet::new();
    let mut noise = Vec::with_capacity(n);
    for i in 0..n {
        let kind = kinds[i % kinds.len()];
        let line = match kind {
            NoiseKind::Duplicate => {
                let of = sources[rng.random_range(0..sources.len())];
                Line {
                    origin: Origin::Noise(kind, Some(of)),
                    ..lines[of].clone()
                }
            }
            _ => {
                let mut l = noisy(cx, rng, kind, &registered, &mut unknown);
                l.origin = Origin::Noise(kind, None);
                l
            }
        };
        noise.push(line);
    }
    let mut out = lines;
    for l in noise {
        let at = rng.random_range(0..=out.len());
        out.insert(at, l);
    }
    out
}

/// A line with one fault of `kind` (not a duplicate).
fn noisy(
    cx: &Ctx<'_>,
    rng: &mut SimRng,
    kind: NoiseKind,
    registered: &HashSet<&str>,
    unknown: &mut HashSet<String>,
) -> Line {
    let p = any_member(cx, rng);
    let mut l = if cx.spec.kind == FeedKind::Water {
        water_line(cx, rng)
    } else {
        ordinary(cx, rng, p)
    };
    match kind {
        NoiseKind::BadCheckDigit => l.cells[0] = wrong_check(p.id_number.as_str()),
        NoiseKind::UnknownPerson if cx.spec.kind == FeedKind::Water => {
            let v = &cx.spec.unregistered_villages;
            l.cells[0] = v[rng.random_range(0..v.len())].as_str().to_string();
        }
        NoiseKind::UnknownPerson => l.cells[0] = unregistered_id(cx, rng, p, registered, unknown),
        NoiseKind::BadDate => {
            // February 30th of the as-of year: well-formed, impossible.
            l.cells[date_column(cx.spec.kind)] = format!("{}-02-30", cx.spec.as_of.year());
        }
        NoiseKind::NegativeMoney => {
            if let Some(col) = money_column(cx.spec.kind) {
                l.cells[col] = format!("-{}", l.cells[col]);
            }
        }
        NoiseKind::BadVillageCode => {
            if let Some(t) = cx.households[0].village.ancestor(RegionLevel::Township) {
                l.cells[0] = t.as_str().to_string();
            }
        }
        NoiseKind::Duplicate => {}
    }
    l
}

fn any_member<'a>(cx: &Ctx<'a>, rng: &mut SimRng) -> &'a Member {
    loop {
        let h = &cx.households[rng.random_range(0..cx.households.len())];
        if !h.members.is_empty() {
            return &h.members[rng.random_range(0..h.members.len())];
        }
    }
}

/// An ordinary 水利 row of a registered village.
fn water_line(cx: &Ctx<'_>, rng: &mut SimRng) -> Line {
    let h = &cx.households[rng.random_range(0..cx.households.len())];
    let start = cx.day(rng.random_range(0..Ctx::WINDOW_DAYS - 1));
    let end = (start + Days::new(1)).min(cx.spec.as_of);
    let f = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    Line {
        cells: vec![
            h.village.as_str().to_string(),
            "停水".into(),
            f(start),
            f(end),
        ],
        date: start,
        origin: Origin::Background,
    }
}

/// The ID with its check character replaced by a wrong one.
fn wrong_check(id: &str) -> String {
    let (body, last) = id.split_at(17);
    let wrong = if last == "0" { '1' } else { '0' };
    format!("{body}{wrong}")
}

/// A valid ID of the same county as `p` that nobody registered has.
fn unregistered_id(
    cx: &Ctx<'_>,
    rng: &mut SimRng,
    p: &Member,
    registered: &HashSet<&str>,
    unknown: &mut HashSet<String>,
) -> String {
    let region = p.id_number.region6();
    loop {
        let years = rng.random_range(18..80u32);
        let born = cx.spec.as_of - Months::new(12 * years) - Days::new(rng.random_range(0..365));
        let seq = rng.random_range(1..=999u16);
        let Some(id) = IdNumber::from_parts(region, born, seq) else {
            continue;
        };
        let s = id.as_str().to_string();
        if !registered.contains(s.as_str()) && unknown.insert(s.clone()) {
            return s;
        }
    }
}
