//! Rules as a form (规则表单): the set in force for a county shown as
//! labelled numbers, a county draft that starts as its copy and is edited
//! field by field, turned into the rule-set type and then into rule-file
//! text by one function ([`draft_from_form`]), checked with the checks of
//! adoption (the file's own, the national floors, the book's agreement),
//! and the what-if result pivoted by township and risk type ([`pivot`]).
//!
//! Every number a field shows or takes comes from a rule set; none is a
//! constant here. The labels of sections, fields and units are the web's
//! (its i18n tables, by [`FieldSpec::key`]).

use crate::AppError;
use crate::rules::{book, parse_files, with_replaced};
use chrono::{DateTime, NaiveDate, Utc};
use dixian_domain::{RegionCode, RegionLevel, RiskType};
use dixian_screen::rules::{NATIONAL_FLOORS, RuleError, workflow_values};
use dixian_screen::{Rule, RuleBook, RuleRegion, RuleSet};
use dixian_store::rule_sets::Adopted;
use dixian_store::{Actor, Store, StoreError};
use std::collections::{BTreeMap, BTreeSet};

/// A group of fields, in the order the page shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// 监测收入线 and the near-line factor.
    Line,
    /// `[medical]`.
    Medical,
    /// `[disaster]`.
    Disaster,
    /// `[water]`.
    Water,
    /// `[workflow]`: time limits and elimination criteria.
    Workflow,
    /// `[assistance]`.
    Assistance,
}

impl Section {
    /// Every section, in page order.
    pub const ALL: [Section; 6] = [
        Section::Line,
        Section::Medical,
        Section::Disaster,
        Section::Water,
        Section::Workflow,
        Section::Assistance,
    ];
}

/// The unit a field is given in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// 元/人/年.
    YuanPerPersonYear,
    /// 元.
    Yuan,
    /// A multiple (the near-line factor: 1.5 = 150 %).
    Times,
    /// 天.
    Days,
    /// 月.
    Months,
    /// 项 (measures).
    Measures,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Money,
    Factor,
    Count,
}

/// One numeric field of a rule set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// The form field's name: the file's key, `section.key` inside a table.
    pub key: &'static str,
    /// Its group.
    pub section: Section,
    /// Its unit.
    pub unit: Unit,
    kind: Kind,
}

const fn spec(key: &'static str, section: Section, unit: Unit, kind: Kind) -> FieldSpec {
    FieldSpec {
        key,
        section,
        unit,
        kind,
    }
}

/// Every numeric field of a rule set the form edits, in page order. The
/// measure catalogue, the house-damage levels and the housing grades are
/// kept as the set in force has them (the TOML text edits them).
pub const FIELDS: [FieldSpec; 20] = {
    use Kind::*;
    use Section as S;
    use Unit as U;
    [
        spec("monitoring_line", S::Line, U::YuanPerPersonYear, Money),
        spec("near_line_factor", S::Line, U::Times, Factor),
        spec("medical.self_paid_per_stay", S::Medical, U::Yuan, Money),
        spec("medical.self_paid_12_months", S::Medical, U::Yuan, Money),
        spec("disaster.loss_threshold", S::Disaster, U::Yuan, Money),
        spec("water.outage_days_limit", S::Water, U::Days, Count),
        spec("workflow.notice_min_days", S::Workflow, U::Days, Count),
        spec(
            "workflow.identification_limit_days",
            S::Workflow,
            U::Days,
            Count,
        ),
        spec("workflow.home_check_days", S::Workflow, U::Days, Count),
        spec("workflow.data_comparison_days", S::Workflow, U::Days, Count),
        spec("workflow.deliberation_days", S::Workflow, U::Days, Count),
        spec("workflow.township_review_days", S::Workflow, U::Days, Count),
        spec("workflow.county_approval_days", S::Workflow, U::Days, Count),
        spec(
            "workflow.elimination_min_monitored_months",
            S::Workflow,
            U::Months,
            Count,
        ),
        spec(
            "workflow.elimination_income_stable_months",
            S::Workflow,
            U::Months,
            Count,
        ),
        spec(
            "workflow.elimination_min_measures",
            S::Workflow,
            U::Measures,
            Count,
        ),
        // Optional in a set (one stored before it existed has none):
        // shown only where the set has it.
        spec(
            "workflow.comparison_window_days",
            S::Workflow,
            U::Days,
            Count,
        ),
        spec(
            "assistance.first_measure_days",
            S::Assistance,
            U::Days,
            Count,
        ),
        spec(
            "assistance.effect_review_months",
            S::Assistance,
            U::Months,
            Count,
        ),
        spec(
            "assistance.visit_interval_days",
            S::Assistance,
            U::Days,
            Count,
        ),
    ]
};

/// The form field name of a rule's on/off box.
pub fn rule_key(id: &str) -> String {
    format!("rule:{id}")
}

/// What is wrong with a typed value (the page words it).
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// Nothing typed.
    Required,
    /// Not a number.
    NotANumber,
    /// A whole number is needed.
    NotWhole,
    /// Zero or below.
    NotPositive,
    /// Money with more than two decimals.
    MoneyDecimals,
    /// Larger than any policy number can be.
    TooLarge,
    /// The near-line factor outside 1 to 10.
    FactorRange,
    /// Below the national floor (the national set's number).
    BelowFloor(u32),
    /// Another check of the rule file, its message `English (中文)`.
    Other(String),
}

/// A problem at a field (`field` empty: the draft as a whole).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// A [`FieldSpec::key`], a [`rule_key`], or empty.
    pub field: String,
    /// What is wrong.
    pub problem: Problem,
}

/// A county draft: the set, its rule-file text, and what it replaces.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The draft as a rule set (region: the county).
    pub set: RuleSet,
    /// The same as rule-file text: what adoption stores.
    pub toml: String,
    /// The set in force it was drawn from ([`basis_of`]): adoption refuses
    /// the draft once that has changed.
    pub basis: String,
    /// The set in force it was drawn from.
    pub base: RuleSet,
    /// The rules the form offers: the draft's, then those of the
    /// province's and the national set not in it (off), by id.
    pub offered: Vec<Rule>,
}

/// The identity of a set in force: region, first day and version.
pub fn basis_of(set: &RuleSet) -> String {
    format!("{}@{}#{}", set.region, set.valid_from, set.version)
}

/// The county of a region (itself for a county), if it lies in one.
pub fn county_of(region: &RegionCode) -> Option<RegionCode> {
    region.ancestor(RegionLevel::County)
}

/// The set in force on `today` for `region` (a village finds its county's,
/// its province's or the national set).
pub fn in_force<'a>(
    book: &'a RuleBook,
    region: &RegionCode,
    today: NaiveDate,
) -> Option<&'a RuleSet> {
    book.select(region, today)
}

/// The form values of a set: every field of [`FIELDS`] whose table the
/// set has, as typed text (元 without trailing zeros).
pub fn form_values(set: &RuleSet) -> BTreeMap<&'static str, String> {
    let mut out = BTreeMap::new();
    let yuan = |fen: i64| {
        if fen % 100 == 0 {
            (fen / 100).to_string()
        } else {
            format!("{}.{:02}", fen / 100, (fen % 100).abs())
        }
    };
    out.insert("monitoring_line", yuan(set.monitoring_line_fen));
    if let Some(f) = set.near_line_factor {
        out.insert("near_line_factor", f.to_string());
    }
    if let Some(m) = &set.medical {
        out.insert("medical.self_paid_per_stay", yuan(m.self_paid_per_stay_fen));
        out.insert(
            "medical.self_paid_12_months",
            yuan(m.self_paid_12_months_fen),
        );
    }
    if let Some(d) = &set.disaster {
        out.insert("disaster.loss_threshold", yuan(d.loss_fen));
    }
    if let Some(w) = &set.water {
        out.insert("water.outage_days_limit", w.outage_days_limit.to_string());
    }
    for (key, v) in workflow_values(&set.workflow) {
        if let Some(spec) = FIELDS
            .iter()
            .find(|f| f.key.strip_prefix("workflow.") == Some(key))
        {
            out.insert(spec.key, v.to_string());
        }
    }
    if let Some(days) = set.workflow.comparison_window_days {
        out.insert("workflow.comparison_window_days", days.to_string());
    }
    if let Some(a) = &set.assistance {
        out.insert(
            "assistance.first_measure_days",
            a.first_measure_days.to_string(),
        );
        out.insert(
            "assistance.effect_review_months",
            a.effect_review_months.to_string(),
        );
        out.insert(
            "assistance.visit_interval_days",
            a.visit_interval_days.to_string(),
        );
    }
    out
}

/// The county draft as it starts: a copy of the set in force for the
/// county on `today`, as the county's own set (its next version; from the
/// copied set's first day). `None` when no set is in force there.
pub fn start(book: &RuleBook, county: &RegionCode, today: NaiveDate) -> Option<Draft> {
    let base = book.select(county, today)?.clone();
    let mut set = base.clone();
    let region = RuleRegion::Code(county.clone());
    if set.region != region {
        set.name = format!("{} · {}", base.name, county.as_str());
        set.region = region.clone();
    }
    // The county's next version at that first day (1 for its first set).
    set.version = book
        .sets()
        .iter()
        .filter(|s| s.region == region && s.valid_from == set.valid_from)
        .map(|s| s.version + 1)
        .max()
        .unwrap_or(1);
    set.file = format!("county-{}.toml", county.as_str());
    let mut offered = set.rules.clone();
    let province = county.ancestor(RegionLevel::Province);
    let parents = [
        province.and_then(|p| book.select(&p, today)),
        book.sets()
            .iter()
            .find(|s| s.region == RuleRegion::National && s.in_force(today)),
    ];
    for parent in parents.into_iter().flatten() {
        for r in &parent.rules {
            if !offered.iter().any(|o| o.id == r.id) {
                offered.push(r.clone());
            }
        }
    }
    let toml = set.to_toml();
    Some(Draft {
        basis: basis_of(&base),
        base,
        set,
        toml,
        offered,
    })
}

/// The typed text of a money field in 分.
fn money(text: &str) -> Result<i64, Problem> {
    let (whole, cents) = match text.split_once('.') {
        Some((w, c)) => (w, c),
        None => (text, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let negative = whole.starts_with('-');
    let whole_digits = whole.trim_start_matches(['-', '+']);
    if whole_digits.is_empty() && cents.is_empty() || !digits(whole_digits) || !digits(cents) {
        return Err(Problem::NotANumber);
    }
    if negative {
        return Err(Problem::NotPositive);
    }
    if cents.len() > 2 {
        return Err(Problem::MoneyDecimals);
    }
    // 1,000,000,000,000 元 at most, as the rule files take (13 digits).
    if whole_digits.trim_start_matches('0').len() > 13 {
        return Err(Problem::TooLarge);
    }
    let yuan: i64 = if whole_digits.is_empty() {
        0
    } else {
        whole_digits.parse().map_err(|_| Problem::TooLarge)?
    };
    let cents: i64 = format!("{cents:0<2}").parse().unwrap_or(0);
    let fen = yuan * 100 + cents;
    if fen <= 0 {
        return Err(Problem::NotPositive);
    }
    Ok(fen)
}

fn count(text: &str) -> Result<u32, Problem> {
    match text.parse::<i64>() {
        Ok(n) if n <= 0 => Err(Problem::NotPositive),
        Ok(n) => u32::try_from(n).map_err(|_| Problem::TooLarge),
        Err(_) if text.parse::<f64>().is_ok_and(f64::is_finite) => {
            if text.starts_with('-') {
                Err(Problem::NotPositive)
            } else {
                Err(Problem::NotWhole)
            }
        }
        Err(_) if text.bytes().all(|b| b.is_ascii_digit()) && !text.is_empty() => {
            Err(Problem::TooLarge)
        }
        Err(_) => Err(Problem::NotANumber),
    }
}

fn factor(text: &str) -> Result<f64, Problem> {
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() && (1.0..=10.0).contains(&f) => Ok(f),
        Ok(f) if f.is_finite() => Err(Problem::FactorRange),
        _ => Err(Problem::NotANumber),
    }
}

/// Puts a checked value into the set.
fn put(set: &mut RuleSet, key: &str, fen: i64, n: u32, f: f64) {
    let w = &mut set.workflow;
    match key {
        "monitoring_line" => set.monitoring_line_fen = fen,
        "near_line_factor" => set.near_line_factor = Some(f),
        "medical.self_paid_per_stay" => {
            if let Some(m) = &mut set.medical {
                m.self_paid_per_stay_fen = fen;
            }
        }
        "medical.self_paid_12_months" => {
            if let Some(m) = &mut set.medical {
                m.self_paid_12_months_fen = fen;
            }
        }
        "disaster.loss_threshold" => {
            if let Some(d) = &mut set.disaster {
                d.loss_fen = fen;
            }
        }
        "water.outage_days_limit" => {
            if let Some(x) = &mut set.water {
                x.outage_days_limit = n;
            }
        }
        "workflow.notice_min_days" => w.notice_min_days = n,
        "workflow.identification_limit_days" => w.identification_limit_days = n,
        "workflow.home_check_days" => w.home_check_days = n,
        "workflow.data_comparison_days" => w.data_comparison_days = n,
        "workflow.deliberation_days" => w.deliberation_days = n,
        "workflow.township_review_days" => w.township_review_days = n,
        "workflow.county_approval_days" => w.county_approval_days = n,
        "workflow.elimination_min_monitored_months" => w.elimination_min_monitored_months = n,
        "workflow.elimination_income_stable_months" => w.elimination_income_stable_months = n,
        "workflow.elimination_min_measures" => w.elimination_min_measures = n,
        "workflow.comparison_window_days" => w.comparison_window_days = Some(n),
        "assistance.first_measure_days" => {
            if let Some(a) = &mut set.assistance {
                a.first_measure_days = n;
            }
        }
        "assistance.effect_review_months" => {
            if let Some(a) = &mut set.assistance {
                a.effect_review_months = n;
            }
        }
        "assistance.visit_interval_days" => {
            if let Some(a) = &mut set.assistance {
                a.visit_interval_days = n;
            }
        }
        _ => {}
    }
}

/// The form's field key at a line of text this module wrote: `[table]`
/// and `key = …` give `table.key`; a `[[rule]]`'s line gives its
/// [`rule_key`].
fn field_at(toml: &str, line: usize) -> String {
    let mut table = String::new();
    let mut rule_id = None;
    for (i, l) in toml.lines().enumerate() {
        let l = l.trim();
        if let Some(name) = l.strip_prefix("[[").and_then(|s| s.strip_suffix("]]")) {
            table = name.to_string();
            rule_id = None;
        } else if let Some(name) = l.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            table = name.to_string();
        } else if table == "rule"
            && let Some(id) = l.strip_prefix("id = ")
        {
            rule_id = Some(id.trim_matches('"').to_string());
        }
        if i + 1 == line {
            let key = l.split('=').next().unwrap_or("").trim();
            let full = if table.is_empty() {
                key.to_string()
            } else {
                format!("{table}.{key}")
            };
            if FIELDS.iter().any(|f| f.key == full) {
                return full;
            }
            if table == "rule" {
                // the rest of the block may name the id below this line
                let id = rule_id.clone().or_else(|| {
                    toml.lines()
                        .skip(i)
                        .take_while(|l| !l.starts_with("[["))
                        .find_map(|l| {
                            l.trim()
                                .strip_prefix("id = ")
                                .map(|s| s.trim_matches('"').to_string())
                        })
                });
                return id.map(|id| rule_key(&id)).unwrap_or_default();
            }
            return String::new();
        }
    }
    String::new()
}

fn located(errors: Vec<RuleError>, toml: &str) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| FieldError {
            field: field_at(toml, e.line),
            problem: Problem::Other(e.message),
        })
        .collect()
}

/// The form turned into a county draft: every typed value of [`FIELDS`]
/// checked and put into a copy of the set in force (rules kept where
/// their box is ticked), written as rule-file text, and checked as
/// adoption checks it — the file's own checks, the national floors (the
/// national sets' numbers), the book with the draft in place. Every
/// problem is returned, each at its field where it has one.
pub fn draft_from_form(
    book: &RuleBook,
    county: &RegionCode,
    today: NaiveDate,
    values: &BTreeMap<String, String>,
) -> Result<Draft, Vec<FieldError>> {
    let Some(mut draft) = start(book, county, today) else {
        return Err(vec![FieldError {
            field: String::new(),
            problem: Problem::Other(
                "no rule set is in force for this county (本县没有生效的规则集)".into(),
            ),
        }]);
    };
    let present = form_values(&draft.set);
    let mut errors = Vec::new();
    let mut set = draft.set.clone();
    for f in FIELDS.iter().filter(|f| present.contains_key(f.key)) {
        let text = values.get(f.key).map_or("", |v| v.trim());
        let checked = if text.is_empty() {
            Err(Problem::Required)
        } else {
            match f.kind {
                Kind::Money => money(text).map(|fen| (fen, 0, 0.0)),
                Kind::Count => count(text).map(|n| (0, n, 0.0)),
                Kind::Factor => factor(text).map(|x| (0, 0, x)),
            }
        };
        match checked {
            Ok((fen, n, x)) => put(&mut set, f.key, fen, n, x),
            Err(problem) => errors.push(FieldError {
                field: f.key.to_string(),
                problem,
            }),
        }
    }
    set.rules = draft
        .offered
        .iter()
        .filter(|r| values.contains_key(&rule_key(&r.id)))
        .cloned()
        .collect();
    // The national floors: the numbers of the national sets the draft's
    // period meets.
    for n in book
        .sets()
        .iter()
        .filter(|n| n.region == RuleRegion::National && n.overlaps(&set))
    {
        for (key, get) in NATIONAL_FLOORS {
            let field = format!("workflow.{key}");
            let (here, floor) = (get(&set.workflow), get(&n.workflow));
            if here < floor && !errors.iter().any(|e: &FieldError| e.field == field) {
                errors.push(FieldError {
                    field,
                    problem: Problem::BelowFloor(floor),
                });
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let toml = set.to_toml();
    let parsed = RuleSet::parse(&toml, &set.file).map_err(|e| located(e, &toml))?;
    RuleBook::new(with_replaced(book, std::slice::from_ref(&parsed)))
        .map_err(|e| located(e, &toml))?;
    draft.set = parsed;
    draft.toml = toml;
    Ok(draft)
}

/// Adopts a draft's text (from the form's what-if, or an expert's TOML)
/// when the set in force it was drawn from (`basis`, [`basis_of`]) is
/// still the one in force for the draft's county on `today`; otherwise
/// `StoreError::Conflict` with the version now in force (409), nothing
/// written. The rest is [`crate::rules::adopt`].
pub async fn adopt_draft(
    store: &Store,
    actor: &Actor,
    file_name: &str,
    text: &str,
    basis: &str,
    now: DateTime<Utc>,
) -> Result<(Vec<Adopted>, RuleBook), AppError> {
    let files = vec![(file_name.to_string(), text.to_string())];
    let set = parse_files(&files)?.remove(0);
    let region = match &set.region {
        RuleRegion::Code(c) => c.clone(),
        RuleRegion::National => return Err(StoreError::Forbidden.into()),
    };
    dixian_store::rule_sets::check_may_adopt(actor, region.as_str())?;
    let today = dixian_domain::case::china_date(now);
    let current = book(store, now).await?;
    let now_in_force = current.select(&region, today);
    if now_in_force.map(basis_of).as_deref() != Some(basis) {
        return Err(StoreError::Conflict {
            current: now_in_force.map_or(0, |s| i64::from(s.version)),
        }
        .into());
    }
    crate::rules::adopt(store, actor, &files, now).await
}

/// Warnings of one township in force and under the draft.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cell {
    /// Under the sets in force.
    pub current: u64,
    /// Under the draft.
    pub draft: u64,
}

impl Cell {
    /// Draft minus in force.
    pub fn difference(&self) -> i64 {
        self.draft as i64 - self.current as i64
    }

    fn add(&mut self, o: Cell) {
        self.current += o.current;
        self.draft += o.draft;
    }
}

/// One township's line of the pivot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PivotRow {
    /// Township code.
    pub township: String,
    /// Its name (the code where the regions table has none).
    pub name: String,
    /// Per risk type of [`Pivot::risks`], in that order.
    pub cells: Vec<Cell>,
    /// All risk types.
    pub total: Cell,
}

/// The what-if by township (rows) and risk type (columns), with totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pivot {
    /// The risk types that have a warning either way, in the domain's order.
    pub risks: Vec<RiskType>,
    /// Townships by code.
    pub rows: Vec<PivotRow>,
    /// The column sums (`township` empty).
    pub total: PivotRow,
}

/// Pivots the what-if counts ((township, risk type code) → (in force,
/// draft)) with the townships' names. Pure.
pub fn pivot(
    counts: &BTreeMap<(String, String), (u64, u64)>,
    names: &BTreeMap<String, String>,
) -> Pivot {
    let codes: BTreeSet<&str> = counts.keys().map(|(_, r)| r.as_str()).collect();
    let risks: Vec<RiskType> = RiskType::ALL
        .iter()
        .copied()
        .filter(|r| codes.contains(r.code()))
        .collect();
    let blank = |township: &str| PivotRow {
        township: township.to_string(),
        name: names
            .get(township)
            .cloned()
            .unwrap_or_else(|| township.to_string()),
        cells: vec![Cell::default(); risks.len()],
        total: Cell::default(),
    };
    let mut rows: BTreeMap<&str, PivotRow> = BTreeMap::new();
    let mut total = PivotRow {
        name: String::new(),
        ..blank("")
    };
    for ((township, risk), &(current, draft)) in counts {
        let cell = Cell { current, draft };
        let row = rows.entry(township).or_insert_with(|| blank(township));
        if let Some(i) = risks.iter().position(|r| r.code() == risk) {
            row.cells[i].add(cell);
            total.cells[i].add(cell);
        }
        row.total.add(cell);
        total.total.add(cell);
    }
    Pivot {
        risks,
        rows: rows.into_values().collect(),
        total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book() -> RuleBook {
        RuleBook::shipped()
    }

    fn county() -> RegionCode {
        RegionCode::parse("520526").unwrap()
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
    }

    fn typed(set: &RuleSet, offered: &[Rule]) -> BTreeMap<String, String> {
        let mut v: BTreeMap<String, String> = form_values(set)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        for r in offered
            .iter()
            .filter(|r| set.rules.iter().any(|s| s.id == r.id))
        {
            v.insert(rule_key(&r.id), "on".into());
        }
        v
    }

    fn values(set: &RuleSet) -> String {
        format!("{set:?}")
            .split(", at: SetLocations")
            .next()
            .unwrap()
            .to_string()
    }

    #[test]
    fn the_set_in_force_through_the_form_is_itself() {
        let b = book();
        let d = start(&b, &county(), day()).unwrap();
        assert_eq!(d.base.region.to_string(), "52", "Guizhou's set is in force");
        let back = draft_from_form(&b, &county(), day(), &typed(&d.set, &d.offered)).unwrap();
        let again = RuleSet::parse(&back.toml, &d.set.file).unwrap();
        assert_eq!(values(&again), values(&d.set));
        // the draft is the base but for region, name, version and file
        let mut base = d.base.clone();
        base.region = again.region.clone();
        base.name = again.name.clone();
        base.version = again.version;
        base.file = again.file.clone();
        assert_eq!(values(&base), values(&again));
        assert_eq!(
            (again.region.to_string(), again.version),
            ("520526".into(), 1)
        );
    }

    #[test]
    fn an_edited_value_and_a_rule_off_reach_the_text() {
        let b = book();
        let d = start(&b, &county(), day()).unwrap();
        let mut v = typed(&d.set, &d.offered);
        v.insert("medical.self_paid_per_stay".into(), "12345.5".into());
        v.remove(&rule_key("water-outage"));
        let back = draft_from_form(&b, &county(), day(), &v).unwrap();
        assert_eq!(
            back.set.medical.as_ref().unwrap().self_paid_per_stay_fen,
            1_234_550
        );
        assert!(
            back.toml.contains("self_paid_per_stay = 12345.50"),
            "{}",
            back.toml
        );
        assert!(!back.set.rules.iter().any(|r| r.id == "water-outage"));
        assert_eq!(back.set.rules.len(), d.set.rules.len() - 1);
    }

    #[test]
    fn the_comparison_window_is_edited_and_written_back() {
        let b = book();
        let d = start(&b, &county(), day()).unwrap();
        let mut v = typed(&d.set, &d.offered);
        assert_eq!(
            v.get("workflow.comparison_window_days").map(String::as_str),
            Some("365"),
            "the shipped files set it"
        );
        v.insert("workflow.comparison_window_days".into(), "180".into());
        let back = draft_from_form(&b, &county(), day(), &v).unwrap();
        assert_eq!(back.set.workflow.comparison_window_days, Some(180));
        assert!(
            back.toml.contains("comparison_window_days = 180"),
            "{}",
            back.toml
        );
        v.insert("workflow.comparison_window_days".into(), "0".into());
        let errors = draft_from_form(&b, &county(), day(), &v).unwrap_err();
        assert_eq!(errors[0].field, "workflow.comparison_window_days");
    }

    #[test]
    fn bad_values_are_named_at_their_fields_all_at_once() {
        let b = book();
        let d = start(&b, &county(), day()).unwrap();
        let national_floor = b
            .sets()
            .iter()
            .find(|s| s.region == RuleRegion::National)
            .unwrap()
            .workflow
            .notice_min_days;
        let mut v = typed(&d.set, &d.offered);
        v.insert("monitoring_line".into(), "-5".into());
        v.insert("medical.self_paid_12_months".into(), "abc".into());
        v.insert(
            "workflow.notice_min_days".into(),
            (national_floor - 1).to_string(),
        );
        v.insert("workflow.home_check_days".into(), "2.5".into());
        v.insert("disaster.loss_threshold".into(), "10.125".into());
        v.insert("near_line_factor".into(), "11".into());
        v.insert("water.outage_days_limit".into(), " ".into());
        let errors = draft_from_form(&b, &county(), day(), &v).unwrap_err();
        let at = |k: &str| {
            errors
                .iter()
                .find(|e| e.field == k)
                .map(|e| e.problem.clone())
        };
        assert_eq!(at("monitoring_line"), Some(Problem::NotPositive));
        assert_eq!(at("medical.self_paid_12_months"), Some(Problem::NotANumber));
        assert_eq!(
            at("workflow.notice_min_days"),
            Some(Problem::BelowFloor(national_floor))
        );
        assert_eq!(at("workflow.home_check_days"), Some(Problem::NotWhole));
        assert_eq!(at("disaster.loss_threshold"), Some(Problem::MoneyDecimals));
        assert_eq!(at("near_line_factor"), Some(Problem::FactorRange));
        assert_eq!(at("water.outage_days_limit"), Some(Problem::Required));
        assert_eq!(errors.len(), 7, "{errors:?}");
    }

    #[test]
    fn a_rule_without_its_table_is_named_at_the_rule() {
        let b = book();
        let mut d = start(&b, &county(), day()).unwrap();
        d.set.water = None;
        let toml = d.set.to_toml();
        let errs = RuleSet::parse(&toml, "x.toml").unwrap_err();
        let fields: Vec<String> = located(errs, &toml).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, vec![rule_key("water-outage")]);
    }

    #[test]
    fn pivot_by_hand() {
        let counts: BTreeMap<(String, String), (u64, u64)> = [
            (("520526002", "illness"), (3, 1)),
            (("520526001", "illness"), (2, 2)),
            (("520526001", "drinking_water"), (0, 4)),
            (("520526002", "schooling"), (1, 0)),
        ]
        .into_iter()
        .map(|((t, r), c)| ((t.to_string(), r.to_string()), c))
        .collect();
        let names = BTreeMap::from([("520526001".to_string(), "甲镇".to_string())]);
        let p = pivot(&counts, &names);
        // RiskType::ALL order: illness before schooling before drinking water
        assert_eq!(
            p.risks,
            vec![
                RiskType::Illness,
                RiskType::Schooling,
                RiskType::DrinkingWater
            ]
        );
        let c = |current, draft| Cell { current, draft };
        assert_eq!(p.rows.len(), 2);
        assert_eq!(
            (p.rows[0].township.as_str(), p.rows[0].name.as_str()),
            ("520526001", "甲镇")
        );
        assert_eq!(p.rows[0].cells, vec![c(2, 2), c(0, 0), c(0, 4)]);
        assert_eq!(p.rows[0].total, c(2, 6));
        assert_eq!(p.rows[1].name, "520526002", "no name: the code");
        assert_eq!(p.rows[1].cells, vec![c(3, 1), c(1, 0), c(0, 0)]);
        assert_eq!(p.rows[1].total, c(4, 1));
        assert_eq!(p.total.cells, vec![c(5, 3), c(1, 0), c(0, 4)]);
        assert_eq!(p.total.total, c(6, 7));
        assert_eq!(p.total.total.difference(), 1);
        assert_eq!(p.rows[1].total.difference(), -3);
    }
}
