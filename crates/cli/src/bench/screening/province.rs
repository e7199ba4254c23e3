//! The synthetic province of the screening benchmark, generated straight
//! into columns: households on the real villages of five provinces,
//! persons with valid ID numbers (GB 11643), two years of 医保 rows (5 %
//! naming valid but unregistered IDs), and per province three periods of
//! rule sets plus one county override, written as TOML and read back by
//! the real parser.

use anyhow::{Context, bail};
use chrono::{Datelike, Months, NaiveDate};
use dixian_domain::{RegionCode, RegionLevel};
use dixian_screen::engine::{Day, MedicalColumns, RegistryColumns, day_of};
use dixian_screen::feed::VisitType;
use dixian_screen::{RuleBook, RuleSet};
use std::path::Path;

/// The provinces: code, name, a monitoring line (元) to start from.
pub const PROVINCES: [(&str, &str, i64); 5] = [
    ("52", "贵州省 Guizhou", 6000),
    ("53", "云南省 Yunnan", 8050),
    ("35", "福建省 Fujian", 10560),
    ("45", "广西壮族自治区 Guangxi", 7000),
    ("62", "甘肃省 Gansu", 6500),
];

/// splitmix64: a small, fast, seedable stream (ten lines beat a dependency).
pub struct Rng(u64);

impl Rng {
    /// A stream from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Log-normal with the given median and σ.
    pub fn log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        let (u, v) = (self.unit().max(1e-12), self.unit());
        let z = (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos();
        median * (sigma * z).exp()
    }
}

/// Birth dates used for IDs: 1935-01-01 onwards, this many days.
const BIRTH_DAYS: u64 = 32_000;
/// Multiplier that scatters consecutive persons over birth days
/// (coprime with `BIRTH_DAYS`).
const SCATTER: u64 = 7_919;

/// Builds ID keys per county: the `j`-th person of a county gets a birth
/// day and a sequence number that no other `j` of that county gets.
pub struct IdMaker {
    ymd: Vec<u64>,
}

impl IdMaker {
    /// The birth-date table.
    pub fn new() -> IdMaker {
        let first = NaiveDate::from_ymd_opt(1935, 1, 1).expect("valid date");
        let ymd = (0..BIRTH_DAYS)
            .map(|d| {
                let date = first + chrono::Duration::days(d as i64);
                date.year() as u64 * 10_000 + u64::from(date.month()) * 100 + u64::from(date.day())
            })
            .collect();
        IdMaker { ymd }
    }

    /// The key (17 digits) of the `j`-th person of `county` (6 digits).
    pub fn key(&self, county: u64, j: u64) -> u64 {
        let day = (j % BIRTH_DAYS) * SCATTER % BIRTH_DAYS;
        let seq = j / BIRTH_DAYS + 1;
        county * 100_000_000_000 + self.ymd[day as usize] * 1000 + seq
    }

    /// Persons a county can hold (sequences 001–999 per day).
    pub fn capacity() -> u64 {
        BIRTH_DAYS * 999
    }
}

/// Everything generated.
pub struct Province {
    /// The registry.
    pub registry: RegistryColumns,
    /// Members per household (the peer reads it as a column).
    pub members: Vec<u16>,
    /// County code (6 digits as a number) per village.
    pub village_county: Vec<u32>,
    /// The 医保 batch.
    pub medical: MedicalColumns,
    /// The rule files: (file name, TOML text).
    pub rule_files: Vec<(String, String)>,
    /// The book read from them.
    pub book: RuleBook,
    /// The as-of date.
    pub as_of: NaiveDate,
}

/// Villages of the five provinces, from the division files.
fn villages(divisions: &Path) -> anyhow::Result<Vec<RegionCode>> {
    let mut out = Vec::new();
    for (code, _, _) in PROVINCES {
        let province = RegionCode::parse(code)?;
        let rows =
            dixian_store::regions::read_level(divisions, RegionLevel::Village, Some(&province))
                .with_context(|| {
                    format!(
                        "reading the villages of {code} from {}",
                        divisions.display()
                    )
                })?;
        for (code, _, _) in rows {
            let v = RegionCode::parse(&code)?;
            if v.level() == RegionLevel::Village {
                out.push(v);
            }
        }
    }
    if out.is_empty() {
        bail!(
            "no villages of the five provinces in {}",
            divisions.display()
        );
    }
    Ok(out)
}

/// Household sizes and their weights (mean ≈ 3.4 persons).
const SIZES: [(u16, u64); 7] = [(1, 12), (2, 22), (3, 22), (4, 20), (5, 13), (6, 7), (7, 4)];

/// Generates the province: `persons` persons, `rows` medical rows.
pub fn generate(divisions: &Path, persons: u64, rows: u64, seed: u64) -> anyhow::Result<Province> {
    let as_of = NaiveDate::from_ymd_opt(2025, 12, 31).expect("valid date");
    let villages = villages(divisions)?;
    let mut rng = Rng::new(seed);
    let ids = IdMaker::new();
    let village_county: Vec<u32> = villages
        .iter()
        .map(|v| v.as_str()[..6].parse::<u32>())
        .collect::<Result<_, _>>()?;
    let province_line = |county: u32| {
        let p = (county / 10_000).to_string();
        PROVINCES.iter().find(|x| x.0 == p).map_or(6000, |x| x.2)
    };

    // Households: sizes until the persons are placed, villages in blocks.
    let total_weight: u64 = SIZES.iter().map(|s| s.1).sum();
    let mut sizes = Vec::new();
    let mut placed = 0u64;
    while placed < persons {
        let mut r = rng.below(total_weight);
        let size = SIZES
            .iter()
            .find(|s| {
                let hit = r < s.1;
                r = r.saturating_sub(s.1);
                hit
            })
            .map_or(3, |s| s.0);
        let size = u64::from(size).min(persons - placed) as u16;
        sizes.push(size);
        placed += u64::from(size);
    }
    let n_h = sizes.len();
    let n_v = villages.len();
    let mut cols = RegistryColumns {
        villages,
        household_village: Vec::with_capacity(n_h),
        household_income_fen: Vec::with_capacity(n_h),
        person_key: Vec::with_capacity(persons as usize),
        person_household: Vec::with_capacity(persons as usize),
        ..RegistryColumns::default()
    };
    let mut county_count: std::collections::HashMap<u32, u64> = Default::default();
    for (h, &size) in sizes.iter().enumerate() {
        let v = (h as u64 * n_v as u64 / n_h as u64) as u32;
        let county = village_county[v as usize];
        cols.household_village.push(v);
        let per_person = rng.log_normal(2.6 * province_line(county) as f64, 0.55);
        let income_yuan = (per_person * f64::from(size)).round() as i64;
        cols.household_income_fen.push(income_yuan * 100);
        let next = county_count.entry(county).or_insert(0);
        for _ in 0..size {
            if *next >= IdMaker::capacity() {
                bail!("county {county} cannot hold more persons");
            }
            cols.person_key.push(ids.key(u64::from(county), *next));
            cols.person_household.push(h as u32);
            *next += 1;
        }
    }
    let counties: Vec<(u32, u64)> = {
        let mut c: Vec<_> = county_count.into_iter().collect();
        c.sort_unstable();
        c
    };

    let medical = medical_rows(&mut rng, &cols.person_key, &counties, &ids, rows, as_of)?;
    let override_counties: Vec<u32> = PROVINCES
        .iter()
        .filter_map(|(p, _, _)| {
            counties
                .iter()
                .map(|c| c.0)
                .find(|c| (c / 10_000).to_string() == *p && c % 100 != 0)
        })
        .collect();
    let rule_files = rule_files(&override_counties);
    let mut sets = Vec::new();
    for (name, text) in &rule_files {
        let set = RuleSet::parse(text, name)
            .map_err(|e| anyhow::anyhow!("generated rule file {name} does not parse: {}", e[0]))?;
        sets.push(set);
    }
    let book = RuleBook::new(sets)
        .map_err(|e| anyhow::anyhow!("generated rule book is inconsistent: {}", e[0]))?;
    Ok(Province {
        registry: cols,
        members: sizes,
        village_county,
        medical,
        rule_files,
        book,
        as_of,
    })
}

/// Two years of settlements up to `as_of`: 12 % inpatient, 70 %
/// outpatient, 18 % chronic; self-paid costs log-normal (inpatient median
/// 2,500 元, so about one stay in five is above 6,000); 4 % cost nothing to
/// the patient; a third of rows continue the care of a recent patient.
fn medical_rows(
    rng: &mut Rng,
    person_key: &[u64],
    counties: &[(u32, u64)],
    ids: &IdMaker,
    rows: u64,
    as_of: NaiveDate,
) -> anyhow::Result<MedicalColumns> {
    let last: Day = day_of(as_of);
    let n = rows as usize;
    let (mut person, mut day, mut visit, mut paid) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let mut recent = [0u64; 64];
    for r in recent.iter_mut() {
        *r = person_key[rng.below(person_key.len() as u64) as usize];
    }
    for i in 0..n {
        let key = if rng.unit() < 0.05 {
            let (county, count) = counties[rng.below(counties.len() as u64) as usize];
            ids.key(u64::from(county), count + rng.below(1_000_000))
        } else if rng.unit() < 0.33 {
            recent[rng.below(64) as usize]
        } else {
            let k = person_key[rng.below(person_key.len() as u64) as usize];
            recent[i % 64] = k;
            k
        };
        let r = rng.unit();
        let (v, median, sigma) = if r < 0.12 {
            (VisitType::Inpatient, 2500.0, 1.0)
        } else if r < 0.82 {
            (VisitType::Outpatient, 60.0, 0.9)
        } else {
            (VisitType::Chronic, 400.0, 0.8)
        };
        let fen = if rng.unit() < 0.04 {
            0
        } else {
            (rng.log_normal(median, sigma) * 100.0).round() as i64
        };
        person.push(key);
        day.push(last - rng.below(730) as Day);
        visit.push(v);
        paid.push(fen);
    }
    Ok(MedicalColumns::new(person, day, visit, paid)?)
}

/// The first day of the month `months` after January 2023.
fn month_start(months: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, 1, 1)
        .and_then(|d| d.checked_add_months(Months::new(months)))
        .expect("a date in range")
}

/// One rule file's text.
struct SetText<'a> {
    name: &'a str,
    region: &'a str,
    from: NaiveDate,
    to: Option<NaiveDate>,
    line: i64,
    factor: &'a str,
    stay: i64,
    year: i64,
    near_rule: bool,
}

impl SetText<'_> {
    fn render(&self) -> String {
        let to = self
            .to
            .map_or(String::new(), |d| format!("valid_to = {d}\n"));
        let mut t = format!(
            "name = \"{}\"\nversion = 1\nregion = \"{}\"\nvalid_from = {}\n{to}monitoring_line = {}\nnear_line_factor = {}\n\n[medical]\nself_paid_per_stay = {}\nself_paid_12_months = {}\n\n{WORKFLOW}\n{RULES}",
            self.name, self.region, self.from, self.line, self.factor, self.stay, self.year
        );
        if self.near_rule {
            t.push_str(NEAR_RULE);
        }
        t
    }
}

const WORKFLOW: &str = "[workflow]
notice_min_days = 5
identification_limit_days = 15
home_check_days = 2
data_comparison_days = 2
deliberation_days = 2
township_review_days = 2
county_approval_days = 2
elimination_min_monitored_months = 6
elimination_income_stable_months = 6
elimination_min_measures = 1
";

const RULES: &str = r#"
[[rule]]
id = "medical-stay"
feed = "medical"
condition = "self_paid_per_stay_above_threshold"
risk = "因病"
severity = "high"

[[rule]]
id = "medical-12m"
feed = "medical"
condition = "self_paid_12m_above_threshold"
risk = "因病"
severity = "high"
"#;

const NEAR_RULE: &str = r#"
[[rule]]
id = "near-line-expense"
feed = "medical"
condition = "income_below_line_times_factor_with_expense"
risk = "因病"
severity = "medium"
"#;

/// The national baseline, three periods per province (boundaries shifted
/// a month per province; lines, thresholds and one factor differ per
/// period), and per province one county with its own set for the first
/// half of 2025 (a lower per-stay threshold, no near-line rule).
pub fn rule_files(override_counties: &[u32]) -> Vec<(String, String)> {
    let mut files = vec![(
        "national-2021.toml".to_string(),
        SetText {
            name: "全国基准 National",
            region: "national",
            from: NaiveDate::from_ymd_opt(2021, 1, 1).expect("valid date"),
            to: None,
            line: 6000,
            factor: "1.5",
            stay: 6000,
            year: 50000,
            near_rule: true,
        }
        .render(),
    )];
    for (i, (code, name, base)) in PROVINCES.iter().enumerate() {
        let i32_ = i as u32;
        let starts = [
            month_start(0),
            month_start(16 + i32_),
            month_start(26 + i32_),
        ];
        for k in 0..3 {
            let to = starts.get(k + 1).map(|d| *d - chrono::Duration::days(1));
            let line = (base * (100 + 4 * k as i64) / 100 + 5) / 10 * 10;
            let factor = if i == 4 && k == 2 { "1.4" } else { "1.5" };
            let text = SetText {
                name,
                region: code,
                from: starts[k],
                to,
                line,
                factor,
                stay: 5000 + 1000 * ((i + k) % 3) as i64,
                year: 40000 + 5000 * ((i + 2 * k) % 4) as i64,
                near_rule: true,
            };
            files.push((format!("{code}-p{}.toml", k + 1), text.render()));
        }
    }
    for &county in override_counties {
        let region = county.to_string();
        let text = SetText {
            name: "县级规则 County override",
            region: &region,
            from: NaiveDate::from_ymd_opt(2025, 1, 1).expect("valid date"),
            to: NaiveDate::from_ymd_opt(2025, 6, 30),
            line: 9000,
            factor: "1.5",
            stay: 3000,
            year: 30000,
            near_rule: false,
        };
        files.push((format!("{county}-2025h1.toml"), text.render()));
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use dixian_domain::IdNumber;

    #[test]
    fn keys_are_the_ids_from_parts_would_make() {
        let ids = IdMaker::new();
        let first = NaiveDate::from_ymd_opt(1935, 1, 1).expect("valid date");
        let today = NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid date");
        for j in [0, 1, 2, 31_999, 32_000, 1_000_000, IdMaker::capacity() - 1] {
            let key = ids.key(520526, j);
            let day = (j % BIRTH_DAYS) * SCATTER % BIRTH_DAYS;
            let birth = first + chrono::Duration::days(day as i64);
            let id = IdNumber::from_parts("520526", birth, (j / BIRTH_DAYS + 1) as u16)
                .expect("valid parts");
            assert_eq!(dixian_screen::engine::person_key(&id), key);
            assert_eq!(dixian_screen::engine::id_of_key(key, today), Some(id));
        }
    }

    #[test]
    fn generated_rule_files_make_a_book() {
        let files = rule_files(&[520526, 530102]);
        let sets: Vec<RuleSet> = files
            .iter()
            .map(|(n, t)| RuleSet::parse(t, n).expect("generated file parses"))
            .collect();
        let book = RuleBook::new(sets).expect("consistent book");
        assert_eq!(book.sets().len(), 1 + 15 + 2);
    }
}
