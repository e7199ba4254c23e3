//! The demo's 规模性返贫预警: a flood planted over the villages of the
//! cadre's township — two households of each of five villages reported by
//! the village cadres' sweep (因灾) within three days — and the detector
//! run, so that `/alerts` and the township's and county's inboxes show it.

use chrono::{Duration, Utc};
use dixian_app::rules::Policies;
use dixian_domain::{Channel, RegionCode, RegionLevel, RiskType, Role, Scope};
use dixian_screen::RuleBook;
use dixian_store::cases::IncomingLead;
use dixian_store::db::q;
use dixian_store::{Actor, Store};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Plants the flood in the township of `village` and runs the detector
/// over `county`.
pub async fn seed(
    store: &Store,
    county: &RegionCode,
    village: &RegionCode,
    book: &RuleBook,
) -> anyhow::Result<()> {
    let Some(township) = village.ancestor(RegionLevel::Township) else {
        return Ok(());
    };
    let (lo, hi) = township.padded_range();
    let rows: Vec<(i64, String)> = store
        .pool
        .all(
            q("SELECT h.id, h.village_code FROM households h
               WHERE h.village_code BETWEEN $1 AND $2
                 AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.household_id = h.id)
               ORDER BY h.village_code, h.id")
            .bind(lo)
            .bind(hi),
        )
        .await?;
    let mut by_village: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for (id, v) in rows {
        by_village.entry(v).or_default().push(id);
    }
    let villages: Vec<(&String, &Vec<i64>)> = by_village
        .iter()
        .filter(|(_, hs)| hs.len() >= 3)
        .take(5)
        .collect();
    // Two a village over five villages; three where the township has fewer.
    let per_village = if villages.len() >= 3 { 2 } else { 3 };
    let policies = Policies(Arc::new(book.clone()));
    let now = Utc::now();
    let mut planted = 0;
    for (i, (code, households)) in villages.iter().enumerate() {
        let cadre = Actor {
            user_id: None,
            scope: Scope {
                role: Role::VillageCadre,
                region: RegionCode::parse(code)?,
            },
        };
        for h in households.iter().take(per_village) {
            let lead = IncomingLead {
                channel: Channel::CadreSweep,
                household_id: Some(*h),
                id_number: None,
                risk_types: vec![RiskType::Disaster],
                note: "暴雨洪涝，房屋进水、庄稼被淹（演示）".into(),
            };
            let at = now - Duration::days((i % 3) as i64);
            dixian_app::cases::open_lead(store, &cadre, &lead, at, &policies).await?;
            planted += 1;
        }
    }
    let today = dixian_domain::case::china_date(now);
    let run =
        dixian_app::alerts::run_alerts(store, &Actor::operator(county.clone()), book, today, now)
            .await?;
    println!(
        "规模性返贫预警: a flood planted ({planted} households in {} villages of township {township}); {} alert(s) raised — see /alerts",
        villages.len(),
        run.outcome.raised.len()
    );
    Ok(())
}
