//! Rule sets as the deployment keeps them: the book in force is read from
//! the store (the highest version of each set); a new deployment starts
//! from the shipped sets, stored as their version on first use. Adopting
//! a file checks it alone and with the rest of the book before a new
//! version is stored (audited); what-if replays stored feeds under a draft.

use crate::AppError;
use crate::screen_run::{Batches, registry_columns, window_start};
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use dixian_domain::RegionLevel;
use dixian_screen::engine::{RegistryIndex, Screener};
use dixian_screen::rules::SHIPPED;
use dixian_screen::{FeedRow, RuleBook, RuleSet};
use dixian_store::rule_sets::{self, Adopted, NewRuleSet};
use dixian_store::screening;
use dixian_store::{Actor, Store, StoreError};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

fn new_set<'a>(set: &'a RuleSet, text: &'a str) -> NewRuleSet<'a> {
    NewRuleSet {
        region: region_str(set),
        valid_from: set.valid_from,
        version: i64::from(set.version),
        name: &set.name,
        file_name: &set.file,
        source: text,
    }
}

fn region_str(set: &RuleSet) -> &str {
    match &set.region {
        dixian_screen::RuleRegion::National => dixian_screen::rules::NATIONAL,
        dixian_screen::RuleRegion::Code(c) => c.as_str(),
    }
}

/// The rule book in force: the stored sets. A shipped set whose region
/// and first day the store does not know yet (a new deployment, or a set
/// added to `rules/` by an upgrade) is stored first, as shipped, when the
/// book still agrees with it; one that would clash with the deployment's
/// own sets is left out.
pub async fn book(store: &Store, now: DateTime<Utc>) -> Result<RuleBook, AppError> {
    let stored = parse_stored(&rule_sets::current(&store.pool).await?)?;
    let known: HashSet<(String, NaiveDate)> = stored
        .iter()
        .map(|s| (s.region.to_string(), s.valid_from))
        .collect();
    let shipped = RuleBook::shipped();
    let missing: Vec<&RuleSet> = shipped
        .sets()
        .iter()
        .filter(|s| !known.contains(&(s.region.to_string(), s.valid_from)))
        .collect();
    // Each missing set is kept only if the book still agrees with it.
    let mut sets = stored;
    let mut kept = Vec::new();
    for set in missing {
        let mut with = sets.clone();
        with.push(set.clone());
        if RuleBook::new(with.clone()).is_ok() {
            sets = with;
            kept.push(set);
        }
    }
    let book = RuleBook::new(sets).map_err(AppError::RuleFiles)?;
    if kept.is_empty() {
        return Ok(book);
    }
    let missing = kept;
    let new: Vec<NewRuleSet> = missing
        .iter()
        .filter_map(|set| {
            let text = SHIPPED.iter().find(|(name, _)| *name == set.file)?.1;
            Some(new_set(set, text))
        })
        .collect();
    rule_sets::seed(&store.pool, &new, now).await?;
    Ok(book)
}

/// The workflow numbers of a rule book, as the store's source of them:
/// the one adapter the server and the command line both use, so both
/// apply the versions adopted in the store.
pub struct Policies(pub std::sync::Arc<RuleBook>);

impl dixian_store::cases::PolicySource for Policies {
    fn policy_for(
        &self,
        village: &dixian_domain::RegionCode,
        on: NaiveDate,
    ) -> Option<dixian_domain::WorkflowPolicy> {
        self.0.select(village, on).map(|s| s.workflow.clone())
    }
}

/// The measure catalogue and assistance numbers of a rule book (county →
/// province → national), for the assistance use cases: the same book, so
/// the catalogue adopted in the store is the one every path checks with.
impl crate::assistance::CatalogueSource for Policies {
    fn catalogue_for(
        &self,
        region: &dixian_domain::RegionCode,
        on: NaiveDate,
    ) -> Option<(
        dixian_domain::assistance::MeasureCatalogue,
        dixian_domain::assistance::AssistancePolicy,
    )> {
        self.0
            .catalogue_for(region, on)
            .map(|(c, p)| (c.clone(), p.clone()))
    }
}

fn parse_stored(stored: &[rule_sets::StoredRuleSet]) -> Result<Vec<RuleSet>, AppError> {
    stored
        .iter()
        .map(|s| RuleSet::parse(&s.source, &s.file_name))
        .collect::<Result<_, _>>()
        .map_err(AppError::RuleFiles)
}

/// `book`'s sets with `new` in place of the set with the same region and
/// first day (or added).
pub(crate) fn with_replaced(book: &RuleBook, new: &[RuleSet]) -> Vec<RuleSet> {
    let keys: HashSet<(String, NaiveDate)> = new
        .iter()
        .map(|s| (s.region.to_string(), s.valid_from))
        .collect();
    book.sets()
        .iter()
        .filter(|s| !keys.contains(&(s.region.to_string(), s.valid_from)))
        .cloned()
        .chain(new.iter().cloned())
        .collect()
}

/// Parses rule files (name, text).
pub fn parse_files(files: &[(String, String)]) -> Result<Vec<RuleSet>, AppError> {
    let mut sets = Vec::new();
    let mut errors = Vec::new();
    for (name, text) in files {
        match RuleSet::parse(text, name) {
            Ok(s) => sets.push(s),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(sets)
    } else {
        Err(AppError::RuleFiles(errors))
    }
}

/// Adopts rule files as new versions: each must parse, and the book with
/// them in place must agree (no overlaps, national floors kept); then each
/// is stored as a new version, audited. Returns the book now in force.
pub async fn adopt(
    store: &Store,
    actor: &Actor,
    files: &[(String, String)],
    now: DateTime<Utc>,
) -> Result<(Vec<Adopted>, RuleBook), AppError> {
    let sets = parse_files(files)?;
    // Who may adopt is checked before the book is read: reading it seeds
    // the shipped sets, and a refused request must write nothing.
    for s in &sets {
        rule_sets::check_may_adopt(actor, region_str(s))?;
    }
    let current = book(store, now).await?;
    RuleBook::new(with_replaced(&current, &sets)).map_err(AppError::RuleFiles)?;
    let new: Vec<NewRuleSet> = sets
        .iter()
        .zip(files)
        .map(|(s, (_, text))| new_set(s, text))
        .collect();
    let adopted = rule_sets::adopt(&store.pool, actor, &new, now).await?;
    // Read back: another adoption may have committed meanwhile.
    Ok((adopted, book(store, now).await?))
}

/// Warnings per township and risk type, under the rules in force and
/// under the draft.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WhatIf {
    /// Stored rows replayed.
    pub rows: usize,
    /// As-of days the windowed rules were evaluated on (each month's end).
    pub as_of_days: Vec<NaiveDate>,
    /// (township code, risk type code) → (current, draft).
    pub counts: BTreeMap<(String, String), (u64, u64)>,
}

impl WhatIf {
    /// Total warnings (current, draft).
    pub fn totals(&self) -> (u64, u64) {
        self.counts
            .values()
            .fold((0, 0), |(a, b), (c, d)| (a + c, b + d))
    }
}

/// The book with `draft` in force from `from` to `to` (both included) in
/// place of whatever its region had then; the region's other sets keep
/// the days outside.
fn draft_book(
    current: &RuleBook,
    draft: &RuleSet,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<RuleBook, AppError> {
    let mut sets = Vec::new();
    for s in current.sets() {
        let overlaps = s.valid_from <= to && s.valid_to.is_none_or(|t| t >= from);
        if s.region != draft.region || !overlaps {
            sets.push(s.clone());
            continue;
        }
        if s.valid_from < from {
            let mut before = s.clone();
            before.valid_to = from.checked_sub_days(Days::new(1));
            sets.push(before);
        }
        if s.valid_to.is_none_or(|t| t > to) {
            let mut after = s.clone();
            after.valid_from = to.checked_add_days(Days::new(1)).unwrap_or(to);
            sets.push(after);
        }
    }
    let mut d = draft.clone();
    d.valid_from = from;
    d.valid_to = Some(to);
    sets.push(d);
    RuleBook::new(sets).map_err(AppError::RuleFiles)
}

/// The last day of each month from `from` to `to`, and `to`.
fn month_ends(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        let next_month = if d.month() == 12 {
            NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)
        };
        let Some(next) = next_month else { break };
        let end = next.pred_opt().unwrap_or(next).min(to);
        out.push(end);
        d = next;
    }
    if out.last() != Some(&to) {
        out.push(to);
    }
    out
}

/// The longest period a what-if replays (an operational bound on the work
/// of one request, not a policy number): three years.
pub const WHAT_IF_MAX_DAYS: i64 = 3 * 366;

/// What a what-if read from the store; the replay itself
/// ([`WhatIfInput::compute`]) is CPU work without I/O.
pub struct WhatIfInput {
    current: RuleBook,
    drafted: RuleBook,
    from: NaiveDate,
    to: NaiveDate,
    rows: Vec<screening::ScreenRow<FeedRow>>,
    snap: screening::RegistrySnapshot,
}

/// Reads what a what-if of `draft` from `from` to `to` against `current`
/// (the book in force) needs: the stored rows of the period (and the
/// window before it) and the registry.
pub async fn load_what_if(
    store: &Store,
    actor: &Actor,
    current: &RuleBook,
    draft: &RuleSet,
    from: NaiveDate,
    to: NaiveDate,
    _now: DateTime<Utc>,
) -> Result<WhatIfInput, AppError> {
    crate::may_load_feeds(actor)?;
    if to < from {
        return Err(
            StoreError::Invalid("--to is before --from (结束日期早于开始日期)".into()).into(),
        );
    }
    if (to - from).num_days() > WHAT_IF_MAX_DAYS {
        return Err(StoreError::Invalid(format!(
            "a what-if replays at most {WHAT_IF_MAX_DAYS} days; choose a shorter period (试算期间过长)"
        ))
        .into());
    }
    let drafted = draft_book(current, draft, from, to)?;
    let rows =
        screening::rows_between(&store.pool, actor, window_start(from).min(from), to).await?;
    let snap = dixian_store::registry_index::load(&store.pool, &actor.scope.region)
        .await?
        .snapshot;
    Ok(WhatIfInput {
        current: current.clone(),
        drafted,
        from,
        to,
        rows,
        snap,
    })
}

impl WhatIfInput {
    /// Replays the rows under both books and counts the warnings. No I/O.
    pub fn compute(self, threads: usize) -> Result<WhatIf, AppError> {
        let cols = registry_columns(&self.snap);
        let index = RegistryIndex::build(cols, threads).map_err(AppError::from)?;
        let mut out = WhatIf {
            rows: self.rows.len(),
            as_of_days: month_ends(self.from, self.to),
            ..WhatIf::default()
        };
        for (which, b) in [(0, &self.current), (1, &self.drafted)] {
            let mut seen = HashSet::new();
            for &as_of in &out.as_of_days {
                let screener = Screener {
                    index: &index,
                    book: b,
                    as_of,
                    threads,
                };
                let (hits, groups, _) = Batches::of(&self.rows)?.screen(&screener);
                for (w, g) in hits {
                    let in_period = w
                        .evidence
                        .iter()
                        .any(|&i| groups[g].dates[i as usize] >= self.from);
                    let rule = &w.rule_in(b).id;
                    if !in_period || !seen.insert((rule.clone(), w.household, w.person)) {
                        continue;
                    }
                    let village = &self.snap.village[w.household as usize];
                    let township = village
                        .ancestor(RegionLevel::Township)
                        .map_or_else(|| village.to_string(), |t| t.to_string());
                    let e = out
                        .counts
                        .entry((township, w.risk.code().to_string()))
                        .or_default();
                    if which == 0 {
                        e.0 += 1;
                    } else {
                        e.1 += 1;
                    }
                }
            }
        }
        Ok(out)
    }
}

/// Replays the stored feed rows of `actor`'s region dated from `from` to
/// `to` under the rules in force and under `draft` (treated as in force
/// over the whole period), and counts the warnings each would have raised
/// by township and risk type. A warning is one rule's hit on one subject;
/// windowed rules are evaluated at each month's end. Nothing is stored.
/// Reads the book in force from the store; a server that holds it calls
/// [`what_if_under`] with it instead.
pub async fn what_if(
    store: &Store,
    actor: &Actor,
    draft: &RuleSet,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
    threads: usize,
) -> Result<WhatIf, AppError> {
    let current = book(store, now).await?;
    what_if_under(store, actor, &current, draft, from, to, now, threads).await
}

/// [`what_if`] under `current`, the book the caller holds in force. The
/// replay is CPU work: it runs on a blocking thread, so a server's other
/// requests go on.
#[allow(clippy::too_many_arguments)]
pub async fn what_if_under(
    store: &Store,
    actor: &Actor,
    current: &RuleBook,
    draft: &RuleSet,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
    threads: usize,
) -> Result<WhatIf, AppError> {
    let input = load_what_if(store, actor, current, draft, from, to, now).await?;
    crate::blocking(move || input.compute(threads)).await
}

/// Why `warning` was raised, in the words and numbers of the rule set
/// version that raised it (the store keeps every version's text): the
/// rule's description, its threshold and the evidence measured against it
/// (`dixian_screen::rules::explain`). A version the store does not hold
/// (a server given its book directly) is taken from `book` when a set
/// there has the same region, name and version. `None` when that version
/// or its rule is not readable.
pub async fn explain_warning(
    store: &Store,
    book: &RuleBook,
    warning: &dixian_store::warnings::WarningRow,
    evidence: &[dixian_store::warnings::EvidenceRow<FeedRow>],
) -> Result<Option<dixian_screen::rules::explain::Explanation>, AppError> {
    let set = match rule_sets::of_warning(&store.pool, warning.id).await? {
        Some(stored) => RuleSet::parse(&stored.source, &stored.file_name).ok(),
        None => book
            .sets()
            .iter()
            .find(|s| {
                region_str(s) == warning.rule_set_region
                    && s.name == warning.rule_set_name
                    && i64::from(s.version) == warning.rule_set_version
            })
            .cloned(),
    };
    let Some(set) = set else {
        return Ok(None);
    };
    let Some(rule) = set.rules.iter().find(|r| r.id == warning.rule_id) else {
        return Ok(None);
    };
    let rows: Vec<&FeedRow> = evidence.iter().map(|e| &e.payload).collect();
    Ok(Some(dixian_screen::rules::explain::explain(
        &set, rule, &rows,
    )))
}
