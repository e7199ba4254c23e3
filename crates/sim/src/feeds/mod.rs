//! Synthetic department feeds (部门数据, `feeds.md`) for a synthetic
//! population: ordinary background rows that raise no warning, shocks
//! planted in known households that do, and the noise real files carry
//! (bad check digits, persons outside the registry, duplicate rows, bad
//! dates, negative money), with a [`Manifest`] of what was planted where.
//!
//! The generator knows no policy number: the caller passes the
//! [`Thresholds`] of the rule set in force, and planted values sit just
//! above them while background values stay well below. Output is CSV in
//! UTF-8 (with or without BOM) or GB18030, Chinese or English headers. The
//! same households, spec and thresholds always give the same bytes.

mod background;
mod kinds;
mod noise;
mod shocks;
mod write;

use crate::random::SimRng;
use chrono::{Days, NaiveDate};
use dixian_domain::{Household, HousingGrade, RegionCode};
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

/// Which department file to generate: the ten kinds of `feeds.md`, as the
/// screening crate names them.
pub use dixian_screen::FeedKind;
/// 房屋损毁程度 as 应急管理 reports it.
pub use dixian_screen::feed::HouseDamage;

/// The numbers of the rule set in force that decide what fires; the
/// caller reads them from the rule set (`dixian_screen::RuleSet`), so that
/// the generator never carries a policy number of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// 监测收入线, per person per year, in 分.
    pub monitoring_line_fen: i64,
    /// Near-line factor in thousandths (1.5 → 1500); `None` when the set has
    /// no near-line rule.
    pub near_line_factor_milli: Option<i64>,
    /// `[medical] self_paid_per_stay`, in 分.
    pub self_paid_per_stay_fen: i64,
    /// `[medical] self_paid_12_months`, in 分.
    pub self_paid_12_months_fen: i64,
    /// `[disaster] loss_threshold`, in 分.
    pub disaster_loss_fen: i64,
    /// `[disaster] house_damage`: levels that fire whatever the loss.
    pub disaster_damage: Vec<HouseDamage>,
    /// `[housing] grades`: safety grades that fire.
    pub housing_grades: Vec<HousingGrade>,
    /// `[water] outage_days_limit`.
    pub outage_days_limit: u32,
}

impl Thresholds {
    /// The numbers of `set` (the rule set in force for the county and
    /// day): what the planted shocks cross and the background stays below.
    pub fn of(set: &dixian_screen::RuleSet) -> Result<Thresholds, FeedSpecError> {
        use dixian_screen::Condition;
        let medical = set
            .medical
            .as_ref()
            .ok_or(FeedSpecError::MissingTable("medical"))?;
        let disaster = set
            .disaster
            .as_ref()
            .ok_or(FeedSpecError::MissingTable("disaster"))?;
        let water = set
            .water
            .as_ref()
            .ok_or(FeedSpecError::MissingTable("water"))?;
        let near_rule = set
            .rules
            .iter()
            .any(|r| r.condition == Condition::IncomeBelowLineTimesFactorWithExpense);
        Ok(Thresholds {
            monitoring_line_fen: set.monitoring_line_fen,
            // Thousandths, rounded as the screening pass rounds them.
            near_line_factor_milli: set
                .near_line_factor
                .filter(|_| near_rule)
                .map(|f| (f * 1000.0).round() as i64),
            self_paid_per_stay_fen: medical.self_paid_per_stay_fen,
            self_paid_12_months_fen: medical.self_paid_12_months_fen,
            disaster_loss_fen: disaster.loss_fen,
            disaster_damage: disaster.house_damage.clone(),
            housing_grades: set
                .housing
                .as_ref()
                .map_or(Vec::new(), |h| h.grades.clone()),
            outage_days_limit: water.outage_days_limit,
        })
    }

    /// Whether a household's income per person is below line × factor, as
    /// the screening pass compares it (exact integers).
    pub fn near_line(&self, h: &Household) -> bool {
        let Some(factor) = self.near_line_factor_milli else {
            return false;
        };
        let income = i128::from(h.income.total()) * 100 * 1000;
        let bar =
            i128::from(self.monitoring_line_fen) * i128::from(factor) * h.members.len() as i128;
        income < bar
    }
}

/// Text encoding of the CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// UTF-8 without BOM.
    Utf8,
    /// UTF-8 with BOM (what Excel writes as "CSV UTF-8").
    Utf8Bom,
    /// GB18030 (what Chinese Excel writes as plain "CSV").
    Gb18030,
}

/// Language of the header row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Headers {
    /// 身份证号, 姓名, …
    Chinese,
    /// id_number, name, …
    English,
}

/// What to generate for one feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedSpec {
    /// The kind of file.
    pub kind: FeedKind,
    /// The last day the file covers; rows fall in the 365 days ending here.
    pub as_of: NaiveDate,
    /// Seed of the feed's random stream (mixed with the kind).
    pub seed: u64,
    /// Shocks to plant (fewer when too few households qualify).
    pub shocks: usize,
    /// Share of noise lines, 0–1 of the ordinary and planted lines; with a
    /// rate above 0 every noise kind the feed allows appears at least once.
    pub noise_rate: f64,
    /// Text encoding.
    pub encoding: Encoding,
    /// Header language.
    pub headers: Headers,
    /// Real village codes outside the population, for the water feed's
    /// coverage gap (no water row names an unknown village without them).
    pub unregistered_villages: Vec<RegionCode>,
}

/// Why a feed cannot be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedSpecError {
    /// No household to write rows about.
    #[error("no household to generate a feed for (没有农户，无法生成部门数据)")]
    NoHouseholds,
    /// A noise rate outside 0–1.
    #[error("noise rate must lie between 0 and 1 (噪声比例应在0到1之间)")]
    NoiseRate,
    /// A threshold that is zero or negative.
    #[error("threshold {0} must be greater than 0 (阈值必须大于0)")]
    Threshold(&'static str),
    /// The rule set lacks a table the feeds need.
    #[error("the rule set has no [{0}] table (规则集缺少该表)")]
    MissingTable(&'static str),
}

/// A noise line's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoiseKind {
    /// A registered person's ID with a wrong check character: a row error.
    BadCheckDigit,
    /// A valid ID of nobody registered (or an unregistered village): a coverage gap.
    UnknownPerson,
    /// An exact copy of an ordinary line (`copy_of`).
    Duplicate,
    /// A date that does not exist (February 30th): a row error.
    BadDate,
    /// Money written negative: a row error.
    NegativeMoney,
    /// A 9-digit township code where a village code belongs (water): a row error.
    BadVillageCode,
}

impl NoiseKind {
    /// Whether the parser reports the line as a row error.
    pub fn is_row_error(self) -> bool {
        !matches!(self, NoiseKind::UnknownPerson | NoiseKind::Duplicate)
    }
}

/// A shock planted in the feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlantedShock {
    /// 户编号 of the household (for water: `None`, the village is hit).
    pub household: Option<String>,
    /// The member, by position in the household (0 = head); `None` for water.
    pub member: Option<usize>,
    /// 村代码 of a water shock: every household of the village is warned.
    pub village: Option<String>,
    /// Lines of the file (header = line 1) that make the shock.
    pub lines: Vec<usize>,
    /// Rule conditions (`rules/README.md` codes) expected to fire.
    pub conditions: Vec<String>,
    /// What was planted, in words.
    pub description: String,
}

/// A noise line of the feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoiseLine {
    /// Line of the file (header = line 1).
    pub line: usize,
    /// What is wrong with it.
    pub noise: NoiseKind,
    /// For a duplicate: the line it copies.
    pub copy_of: Option<usize>,
}

/// What a generated feed holds: the test artefact written next to it.
/// Names households by number and members by position, never by ID.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The kind of file.
    pub kind: FeedKind,
    /// Its as-of date.
    pub as_of: NaiveDate,
    /// Its seed.
    pub seed: u64,
    /// Its encoding.
    pub encoding: Encoding,
    /// Data lines (all lines but the header).
    pub rows: usize,
    /// Ordinary lines that are expected to raise no warning.
    pub background_rows: usize,
    /// The planted shocks.
    pub shocks: Vec<PlantedShock>,
    /// The noise lines, by line.
    pub noise: Vec<NoiseLine>,
}

impl Manifest {
    /// Noise lines of one kind.
    pub fn noise_count(&self, kind: NoiseKind) -> usize {
        self.noise.iter().filter(|n| n.noise == kind).count()
    }
}

/// A generated feed: the file's bytes and what is in it.
#[derive(Debug, Clone, PartialEq)]
pub struct SimFeed {
    /// The CSV file.
    pub bytes: Vec<u8>,
    /// The same table as cells, header row first, for writers of other
    /// formats (XLSX); line `n` of the manifest is `table[n - 1]`.
    pub table: Vec<Vec<String>>,
    /// What was planted where.
    pub manifest: Manifest,
}

/// Rule condition codes (as in `rules/README.md`) a planted shock expects.
pub mod condition {
    /// 单次住院自付超过阈值.
    pub const SELF_PAID_PER_STAY: &str = "self_paid_per_stay_above_threshold";
    /// 12个月自付累计超过阈值.
    pub const SELF_PAID_12M: &str = "self_paid_12m_above_threshold";
    /// 近线户有医疗支出.
    pub const NEAR_LINE: &str = "income_below_line_times_factor_with_expense";
    /// 新办或等级加重的残疾人证.
    pub const DISABILITY: &str = "disability_new_or_worse";
    /// 新纳入救助.
    pub const ASSISTANCE_GRANTED: &str = "assistance_granted";
    /// 停发救助.
    pub const ASSISTANCE_STOPPED: &str = "assistance_stopped";
    /// 辍学.
    pub const DROPPED_OUT: &str = "dropped_out";
    /// 危房等级.
    pub const HOUSING_GRADE: &str = "housing_grade_in";
    /// 失业或返乡.
    pub const UNEMPLOYED: &str = "unemployed_or_returned";
    /// 灾害损失超过阈值或房屋倒塌.
    pub const DISASTER: &str = "disaster_loss_above_threshold_or_collapse";
    /// 劳动力死亡.
    pub const DEATH_OF_LABORER: &str = "death_of_laborer";
    /// 资产与资格矛盾.
    pub const ASSET: &str = "asset_contradiction";
    /// 停水天数超过上限.
    pub const WATER_OUTAGE: &str = "water_outage_days_above_limit";
}

/// One line of the file before line numbers are known.
#[derive(Debug, Clone, PartialEq)]
struct Line {
    cells: Vec<String>,
    date: NaiveDate,
    origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Origin {
    Background,
    /// Index into the planted shocks.
    Shock(usize),
    /// A noise line; a duplicate names the position of its original among
    /// the ordered ordinary lines.
    Noise(NoiseKind, Option<usize>),
}

/// A shock before its lines are numbered.
#[derive(Debug, Clone)]
struct Shock {
    household: Option<usize>,
    member: Option<usize>,
    village: Option<RegionCode>,
    conditions: Vec<&'static str>,
    description: &'static str,
}

/// What every row builder reads.
struct Ctx<'a> {
    households: &'a [Household],
    t: &'a Thresholds,
    spec: &'a FeedSpec,
    /// First day of the 365-day window ending on the as-of date.
    window_start: NaiveDate,
}

impl Ctx<'_> {
    /// Days in the window (365).
    const WINDOW_DAYS: u64 = 365;

    /// The day `offset` days into the window (clamped to the as-of date).
    fn day(&self, offset: u64) -> NaiveDate {
        let d = self.window_start + Days::new(offset.min(Self::WINDOW_DAYS - 1));
        d.min(self.spec.as_of)
    }
}

/// Generates the feed `spec` asks for about `households` (the registry's
/// households, in registry order), with shocks planted against `t`.
pub fn feed(
    households: &[Household],
    spec: &FeedSpec,
    t: &Thresholds,
) -> Result<SimFeed, FeedSpecError> {
    check(households, spec, t)?;
    let window_start = spec.as_of - Days::new(Ctx::WINDOW_DAYS - 1);
    let cx = Ctx {
        households,
        t,
        spec,
        window_start,
    };
    let kind_no = FeedKind::ALL
        .iter()
        .position(|k| *k == spec.kind)
        .unwrap_or(0) as u64;
    let mut rng =
        SimRng::seed_from_u64(spec.seed ^ (kind_no + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let (shocks, mut lines) = shocks::plant(&cx, &mut rng);
    let background = background::background(&cx, &mut rng, &shocks);
    let background_rows = background.len();
    lines.extend(background);
    // Department exports come sorted by date; ties keep generation order.
    lines.sort_by_key(|l| l.date);
    let lines = noise::add(&cx, &mut rng, lines);
    let bytes = write::csv(spec, &lines);
    let manifest = manifest(&cx, &shocks, &lines, background_rows);
    let mut table = vec![write::header(spec)];
    table.extend(lines.into_iter().map(|l| l.cells));
    Ok(SimFeed {
        bytes,
        table,
        manifest,
    })
}

fn check(households: &[Household], spec: &FeedSpec, t: &Thresholds) -> Result<(), FeedSpecError> {
    if households.iter().all(|h| h.members.is_empty()) {
        return Err(FeedSpecError::NoHouseholds);
    }
    if !(0.0..=1.0).contains(&spec.noise_rate) {
        return Err(FeedSpecError::NoiseRate);
    }
    let positive = [
        ("monitoring_line", t.monitoring_line_fen),
        ("self_paid_per_stay", t.self_paid_per_stay_fen),
        ("self_paid_12_months", t.self_paid_12_months_fen),
        ("loss_threshold", t.disaster_loss_fen),
        ("outage_days_limit", i64::from(t.outage_days_limit)),
    ];
    match positive.iter().find(|(_, v)| *v <= 0) {
        Some((name, _)) => Err(FeedSpecError::Threshold(name)),
        None => Ok(()),
    }
}

/// Numbers the lines (header = 1) and lists shocks and noise by line.
fn manifest(cx: &Ctx<'_>, shocks: &[Shock], lines: &[Line], background_rows: usize) -> Manifest {
    let mut planted: Vec<PlantedShock> = shocks
        .iter()
        .map(|s| PlantedShock {
            household: s.household.map(|h| cx.households[h].number.clone()),
            member: s.member,
            village: s.village.as_ref().map(|v| v.as_str().to_string()),
            lines: Vec::new(),
            conditions: s.conditions.iter().map(|c| c.to_string()).collect(),
            description: s.description.to_string(),
        })
        .collect();
    // Position among ordinary lines → file line, for duplicates.
    let ordinary_lines: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !matches!(l.origin, Origin::Noise(..)))
        .map(|(i, _)| i + 2)
        .collect();
    let mut noise = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let line = i + 2;
        match l.origin {
            Origin::Background => {}
            Origin::Shock(k) => planted[k].lines.push(line),
            Origin::Noise(kind, of) => noise.push(NoiseLine {
                line,
                noise: kind,
                copy_of: of.map(|o| ordinary_lines[o]),
            }),
        }
    }
    Manifest {
        kind: cx.spec.kind,
        as_of: cx.spec.as_of,
        seed: cx.spec.seed,
        encoding: cx.spec.encoding,
        rows: lines.len(),
        background_rows,
        shocks: planted,
        noise,
    }
}
