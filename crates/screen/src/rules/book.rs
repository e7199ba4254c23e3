//! The rule book: every rule set a deployment knows, checked together
//! (no two sets of one region in force on the same day; no province or
//! county below the national floors) and searched by region and date.

use super::RuleError;
use super::location::Location;
use super::set::{RuleRegion, RuleSet};
use chrono::NaiveDate;
use dixian_domain::alerts::AlertPolicy;
use dixian_domain::assistance::{AssistancePolicy, MeasureCatalogue, MeasureKind};
use dixian_domain::{RegionCode, RegionLevel, WorkflowPolicy};
use std::path::Path;

/// Reads one number of a workflow policy.
pub type PolicyField = fn(&WorkflowPolicy) -> u32;

/// Workflow numbers the national baseline sets as floors: a province or
/// county may be stricter, never laxer (e.g. 公示 at least 5 days).
pub const NATIONAL_FLOORS: [(&str, PolicyField); 4] = [
    ("notice_min_days", |w| w.notice_min_days),
    ("elimination_min_monitored_months", |w| {
        w.elimination_min_monitored_months
    }),
    ("elimination_income_stable_months", |w| {
        w.elimination_income_stable_months
    }),
    ("elimination_min_measures", |w| w.elimination_min_measures),
];

/// Measure kinds whose `max_amount` and `max_term_months` in the national
/// baseline are ceilings: a province or county catalogue may lower them,
/// never raise them or leave them out (小额信贷: 5万元, 3年). The numbers
/// are the national file's; only which kinds are capped is named here.
pub const NATIONAL_CEILINGS: [MeasureKind; 1] = [MeasureKind::SmallLoan];

/// All rule sets of a deployment, consistent with each other.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleBook {
    sets: Vec<RuleSet>,
}

impl RuleBook {
    /// Checks the sets together: overlapping periods for one region, a
    /// province or county below a national floor, or no national baseline
    /// in force during its period are errors, located in the later file.
    pub fn new(mut sets: Vec<RuleSet>) -> Result<RuleBook, Vec<RuleError>> {
        sets.sort_by(|a, b| (&a.region, a.valid_from).cmp(&(&b.region, b.valid_from)));
        let mut errors = overlaps(&sets);
        errors.extend(sets.iter().flat_map(|s| floors(s, &sets)));
        if errors.is_empty() {
            Ok(RuleBook { sets })
        } else {
            Err(errors)
        }
    }

    /// Reads every `*.toml` file of `dir` (in name order) and checks them
    /// as a book; all errors of all files are returned together.
    pub fn load_dir(dir: &Path) -> Result<RuleBook, Vec<RuleError>> {
        let dir_name = dir.display().to_string();
        let io_error = |e: std::io::Error| {
            let msg = format!("cannot read the rules folder (无法读取规则目录): {e}");
            vec![RuleError::new(&dir_name, Location::START, msg)]
        };
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(io_error)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        if paths.is_empty() {
            let msg = "no rule files (*.toml) in this folder (目录中没有规则文件)";
            return Err(vec![RuleError::new(&dir_name, Location::START, msg)]);
        }
        let (mut sets, mut errors) = (Vec::new(), Vec::new());
        for path in paths {
            match read_set(&path) {
                Ok(set) => sets.push(set),
                Err(e) => errors.extend(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        RuleBook::new(sets)
    }

    /// The rule sets shipped in the repository's `rules/` folder, compiled
    /// in: what a new deployment starts from.
    pub fn shipped() -> RuleBook {
        let sets: Vec<RuleSet> = SHIPPED
            .iter()
            .map(|(name, text)| RuleSet::parse(text, name))
            .collect::<Result<_, _>>()
            .expect("the shipped rule files parse (checked by the screening crate's tests)");
        RuleBook::new(sets)
            .expect("the shipped rule files agree (checked by the screening crate's tests)")
    }

    /// Every set, by region then start date.
    pub fn sets(&self) -> &[RuleSet] {
        &self.sets
    }

    /// The set in force on `date` for `region` (any level: a village finds
    /// its county's set): the county's beats the province's, which beats
    /// the national baseline.
    pub fn select(&self, region: &RegionCode, date: NaiveDate) -> Option<&RuleSet> {
        let county = region.ancestor(RegionLevel::County).map(RuleRegion::Code);
        let province = region.ancestor(RegionLevel::Province).map(RuleRegion::Code);
        [county, province, Some(RuleRegion::National)]
            .into_iter()
            .flatten()
            .find_map(|r| self.sets.iter().find(|s| s.region == r && s.in_force(date)))
    }

    /// The sets in force on `date` along `region`'s chain: the county's,
    /// the province's, the national baseline (each where there is one).
    fn chain<'a>(
        &'a self,
        region: &RegionCode,
        date: NaiveDate,
    ) -> impl Iterator<Item = &'a RuleSet> + Clone + 'a {
        let county = region.ancestor(RegionLevel::County).map(RuleRegion::Code);
        let province = region.ancestor(RegionLevel::Province).map(RuleRegion::Code);
        [county, province, Some(RuleRegion::National)]
            .into_iter()
            .flatten()
            .filter_map(move |r| self.sets.iter().find(|s| s.region == r && s.in_force(date)))
    }

    /// The measure catalogue and assistance numbers in force on `date` for
    /// `region`. Each is looked up like [`select`](Self::select) — county,
    /// then province, then national — but a set without `[[measures]]`
    /// (or without `[assistance]`) passes the question on to the next set
    /// of the chain: a county set that only changes screening thresholds
    /// keeps its province's catalogue. The two may come from different
    /// sets. `None` when no set of the chain declares one of them.
    pub fn catalogue_for(
        &self,
        region: &RegionCode,
        date: NaiveDate,
    ) -> Option<(&MeasureCatalogue, &AssistancePolicy)> {
        let chain = self.chain(region, date);
        let catalogue = chain
            .clone()
            .map(|s| &s.measures)
            .find(|c| !c.rules.is_empty())?;
        let policy = chain.filter_map(|s| s.assistance.as_ref()).next()?;
        Some((catalogue, policy))
    }
}

impl RuleBook {
    /// The numbers of the 规模性返贫 early alert in force on `date` for
    /// `region`, with the set that declares them, looked up county →
    /// province → national like
    /// [`select`](Self::select), a set without `[alerts]` passing the
    /// question on. `None` when no set of the chain declares them.
    pub fn alerts_for(
        &self,
        region: &RegionCode,
        date: NaiveDate,
    ) -> Option<(&RuleSet, &AlertPolicy)> {
        self.chain(region, date)
            .find_map(|s| s.alerts.as_ref().map(|a| (s, a)))
    }
}

impl RuleBook {
    /// The evaluation indicators in force on `date` for `region`, with the
    /// set that declares them, looked up county → province → national like
    /// [`alerts_for`](Self::alerts_for). `None`: no set of the chain has
    /// `[evaluation]` (the pages say "not configured").
    pub fn evaluation_for(
        &self,
        region: &RegionCode,
        date: NaiveDate,
    ) -> Option<(&RuleSet, &super::EvaluationPolicy)> {
        self.chain(region, date)
            .find_map(|s| s.evaluation.as_ref().map(|e| (s, e)))
    }
}

/// The shipped rule files: (name, text). A file added to `rules/` must be
/// added here too (a test compares the two).
pub const SHIPPED: [(&str, &str); 5] = [
    (
        "rules/national-2021.toml",
        include_str!("../../../../rules/national-2021.toml"),
    ),
    (
        "rules/fujian-2023.toml",
        include_str!("../../../../rules/fujian-2023.toml"),
    ),
    (
        "rules/guizhou-2025.toml",
        include_str!("../../../../rules/guizhou-2025.toml"),
    ),
    (
        "rules/yunnan-2023.toml",
        include_str!("../../../../rules/yunnan-2023.toml"),
    ),
    (
        "rules/yunnan-2025.toml",
        include_str!("../../../../rules/yunnan-2025.toml"),
    ),
];

/// Reads and parses one file, named by its path in messages.
fn read_set(path: &Path) -> Result<RuleSet, Vec<RuleError>> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        let msg = format!(
            "cannot read the file, or it is not UTF-8 text (无法读取文件或非UTF-8编码): {e}"
        );
        vec![RuleError::new(&name, Location::START, msg)]
    })?;
    RuleSet::parse(&text, &name)
}

/// Sets of one region whose periods share a day; `sets` is sorted by
/// region and start, so each set is compared with the furthest-reaching
/// earlier set of its region.
fn overlaps(sets: &[RuleSet]) -> Vec<RuleError> {
    let mut errors = Vec::new();
    let mut reach: Option<&RuleSet> = None;
    for set in sets {
        let earlier = reach.filter(|r| r.region == set.region);
        if let Some(prev) = earlier.filter(|p| p.overlaps(set)) {
            let msg = format!(
                "validity overlaps {} (from {}) for the same region {}; end one set before the next starts (同一地区规则集有效期重叠)",
                prev.file, prev.valid_from, set.region
            );
            errors.push(RuleError::new(&set.file, set.at.valid_from, msg));
        }
        let further = earlier.is_some_and(|p| ends_later(p, set));
        if !further {
            reach = Some(set);
        }
    }
    errors
}

/// Whether `a` stays in force at least as long as `b`.
fn ends_later(a: &RuleSet, b: &RuleSet) -> bool {
    match (a.valid_to, b.valid_to) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(x), Some(y)) => x >= y,
    }
}

/// A province or county set against the national sets in force during
/// its period.
fn floors(set: &RuleSet, all: &[RuleSet]) -> Vec<RuleError> {
    if set.region == RuleRegion::National {
        return Vec::new();
    }
    let national: Vec<&RuleSet> = all
        .iter()
        .filter(|n| n.region == RuleRegion::National && n.overlaps(set))
        .collect();
    if national.is_empty() {
        let msg = "no national baseline (region = \"national\") is in force during this period; it sets the floors (缺少同期全国基准规则集)";
        return vec![RuleError::new(&set.file, set.at.region, msg)];
    }
    let mut errors = Vec::new();
    for n in national {
        for (key, get) in NATIONAL_FLOORS {
            let (here, floor) = (get(&set.workflow), get(&n.workflow));
            if here < floor {
                let at = set.at.workflow.get(key).copied().unwrap_or(Location::START);
                let msg = format!(
                    "workflow.{key} = {here} is below the national floor {floor} of {} (低于全国底线)",
                    n.file
                );
                errors.push(RuleError::new(&set.file, at, msg));
            }
        }
        errors.extend(ceilings(set, n));
    }
    errors
}

/// A province or county catalogue against the national one: the limits
/// of the [`NATIONAL_CEILINGS`] kinds may not be above the national ones
/// (nor missing where the nation sets one). A set without a catalogue
/// inherits the national one and has nothing to check.
fn ceilings(set: &RuleSet, national: &RuleSet) -> Vec<RuleError> {
    let mut errors = Vec::new();
    for kind in NATIONAL_CEILINGS {
        let (Some(here), Some(cap), Some(at)) = (
            set.measures.get(kind),
            national.measures.get(kind),
            set.at.measures.get(&kind),
        ) else {
            continue;
        };
        let limits = [
            (
                "max_amount",
                here.max_amount_fen,
                cap.max_amount_fen,
                at.max_amount,
                "元",
            ),
            (
                "max_term_months",
                here.max_term_months.map(i64::from),
                cap.max_term_months.map(i64::from),
                at.max_term_months,
                "months",
            ),
        ];
        for (key, value, ceiling, place, unit) in limits {
            let Some(ceiling) = ceiling else { continue };
            if value.is_some_and(|v| v <= ceiling) {
                continue;
            }
            let show = |v: i64| {
                if unit == "元" {
                    yuan(v)
                } else {
                    v.to_string()
                }
            };
            let given = value.map_or_else(|| "no limit".to_string(), show);
            let msg = format!(
                "{} {key} = {given} is above the national ceiling {} {unit} of {} (高于全国上限)",
                kind.code(),
                show(ceiling),
                national.file
            );
            errors.push(RuleError::new(&set.file, place.unwrap_or(at.kind), msg));
        }
    }
    errors
}

/// 分 as 元 for a message: 5000000 → "50000", 805050 → "8050.50".
fn yuan(fen: i64) -> String {
    if fen % 100 == 0 {
        (fen / 100).to_string()
    } else {
        format!("{}.{:02}", fen / 100, (fen % 100).abs())
    }
}
