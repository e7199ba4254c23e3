//! The demo's department data: one synthetic file per feed kind about the
//! whole county (shocks planted, a little noise, GB18030 for two of them as
//! departments' Excel writes), and a 医保 file with shocks in the cadre's
//! village; each loaded as a batch (good rows kept, bad rows reported) and
//! then screened once, so that `/warnings`, the cadre's inbox and `/feeds`
//! have work in them.

use anyhow::Context;
use chrono::{NaiveDate, Utc};
use dixian_app::{FeedFile, OnRowErrors, import_feed, run_screening};
use dixian_domain::{Household, RegionCode, Role, Scope};
use dixian_screen::RuleBook;
use dixian_sim::feeds::{self, Encoding, FeedSpec, Headers};
use dixian_store::feeds::BatchOutcome;
use dixian_store::{Actor, Store};

/// Shocks planted per feed kind in the county.
const SHOCKS_PER_KIND: usize = 6;
/// Shocks planted in the cadre's village (医保).
const VILLAGE_SHOCKS: usize = 3;
/// Share of noise lines.
const NOISE_RATE: f64 = 0.01;

/// The demo's spec of one feed: GB18030 for 医保 and 民政 (as their Excel
/// writes it), UTF-8 with BOM for the others, Chinese headers, 1 % noise.
pub(crate) fn spec(kind: feeds::FeedKind, as_of: NaiveDate, shocks: usize, seed: u64) -> FeedSpec {
    let encoding = match kind {
        feeds::FeedKind::Medical | feeds::FeedKind::Assistance => Encoding::Gb18030,
        _ => Encoding::Utf8Bom,
    };
    FeedSpec {
        kind,
        as_of,
        seed,
        shocks,
        noise_rate: NOISE_RATE,
        encoding,
        headers: Headers::Chinese,
        unregistered_villages: Vec::new(),
    }
}

/// Loads a file as a batch, keeping the good rows; (rows stored, bad rows).
pub(crate) async fn load(
    store: &Store,
    officer: &Actor,
    kind: feeds::FeedKind,
    name: String,
    bytes: Vec<u8>,
) -> anyhow::Result<(u64, usize)> {
    let file = FeedFile {
        kind,
        name,
        bytes,
        idempotency_key: None,
    };
    let r = import_feed(store, officer, file, OnRowErrors::LoadGoodRows, Utc::now()).await?;
    let rows = match r.outcome {
        Some(BatchOutcome::Loaded(s)) => s.rows,
        _ => 0,
    };
    Ok((rows, r.errors.len()))
}

/// The county's department data officer, as the command line acts.
pub(crate) fn officer(county: &RegionCode) -> Actor {
    Actor {
        user_id: None,
        scope: Scope {
            role: Role::DataOfficer,
            region: county.clone(),
        },
    }
}

/// Generates, loads and screens the demo's feeds; prints what it did.
pub async fn seed(
    store: &Store,
    county: &RegionCode,
    households: &[Household],
    cadre_village: &RegionCode,
    book: &RuleBook,
) -> anyhow::Result<()> {
    let today = dixian_domain::case::china_date(Utc::now());
    let set = book
        .select(county, today)
        .context("no rule set covers the demo county")?;
    let t = crate::commands::sim::thresholds(set)?;
    let officer = officer(county);
    let (mut rows, mut bad) = (0, 0);
    for (i, kind) in feeds::FeedKind::ALL.iter().enumerate() {
        let f = feeds::feed(
            households,
            &spec(*kind, today, SHOCKS_PER_KIND, 7 + i as u64),
            &t,
        )?;
        let (r, b) = load(
            store,
            &officer,
            *kind,
            format!("{}-{today}.csv", kind.code()),
            f.bytes,
        )
        .await?;
        rows += r;
        bad += b;
    }
    let village: Vec<Household> = households
        .iter()
        .filter(|h| &h.village == cadre_village)
        .cloned()
        .collect();
    if !village.is_empty() {
        let kind = feeds::FeedKind::Medical;
        let f = feeds::feed(&village, &spec(kind, today, VILLAGE_SHOCKS, 99), &t)?;
        let (r, b) = load(
            store,
            &officer,
            kind,
            format!("medical-village-{today}.csv"),
            f.bytes,
        )
        .await?;
        rows += r;
        bad += b;
    }
    let threads = crate::config::default_threads();
    let run = run_screening(store, &officer, book, today, Utc::now(), threads).await?;
    println!(
        "{rows} department feed rows loaded ({bad} bad rows reported and left out); screening: {} warnings ({} attached to open cases)",
        run.run.warnings_raised, run.run.warnings_attached
    );
    Ok(())
}
