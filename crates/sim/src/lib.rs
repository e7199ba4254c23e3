//! dixian's synthetic rural population: realistic, deterministic households
//! on real division codes, for the demo, tests and benchmarks.
//!
//! [`generate`] streams one [`Household`] at a time (village by village, in
//! spec order) so that a county of a million people needs no more memory
//! than a village: the only state that grows is a bitset of used ID numbers
//! per county (≈ 4.8 MB). The same [`PopulationSpec`] always yields the same
//! households. No I/O here: callers load divisions and write files.
//!
//! [`feeds`] writes the department files (部门数据) about such a population,
//! with planted shocks and noise listed in a manifest.

pub mod assistance;
mod economy;
mod family;
pub mod feeds;
mod generator;
mod ids;
mod names;
mod person;
mod plan;
mod random;

use chrono::{Datelike, NaiveDate};
use dixian_domain::{Household, IdNumber, RegionCode, RegionLevel};
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

/// 村/社区: a village-level unit to populate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Village {
    /// 12-digit village code.
    pub code: RegionCode,
    /// Official name (e.g. "…村民委员会").
    pub name: String,
}

/// 乡/镇/街道 with its villages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Township {
    /// 9-digit township code.
    pub code: RegionCode,
    /// Official name; a name ending in 街道 is treated as urban.
    pub name: String,
    /// Its villages, in the order households are generated.
    pub villages: Vec<Village>,
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopulationSpec {
    /// Townships to populate, in output order.
    pub townships: Vec<Township>,
    /// Total number of households, spread over all villages.
    pub households: u64,
    /// Seed of the random stream: same spec and seed, same output.
    pub seed: u64,
    /// Date on which ages, schooling and incomes hold.
    pub as_of: NaiveDate,
}

/// Totals of a generated population.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PopulationStats {
    /// 户 generated.
    pub households: u64,
    /// 人 generated.
    pub persons: u64,
    /// Households flagged 原建档立卡脱贫户.
    pub formerly_poor: u64,
    /// Households with a monitoring category (监测对象).
    pub monitored: u64,
    /// Persons aged 60 or more.
    pub aged_60_plus: u64,
    /// Persons under 18.
    pub under_18: u64,
    /// Persons with a certified disability.
    pub disabled: u64,
    /// Persons with a chronic or serious illness.
    pub ill: u64,
    /// Persons enrolled in school (在读).
    pub students: u64,
}

/// Why a spec cannot be generated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// Households were asked for but there is no village to put them in.
    #[error("no village to place households in (没有可生成农户的村)")]
    NoVillages,
    /// A township code that is not 9 digits.
    #[error("{0} is not a township code (不是乡镇级代码)")]
    NotTownship(String),
    /// A village code that is not 12 digits or lies outside its township.
    #[error("{0} is not a village code of its township (不是该乡镇的村级代码)")]
    NotVillage(String),
    /// A county prefix that cannot start an ID number.
    #[error("county {0} cannot be an ID number region (县级代码不能作为身份证地址码)")]
    County(String),
    /// Date outside 2010–2200 (ages up to 104 must be born after 1900).
    #[error("as-of date {0} must lie between 2010 and 2200 (基准日期应在2010至2200年之间)")]
    AsOf(NaiveDate),
}

impl PopulationSpec {
    /// Checks codes, nesting and date; [`generate`] requires a valid spec.
    pub fn validate(&self) -> Result<(), SpecError> {
        if !(2010..=2200).contains(&self.as_of.year()) {
            return Err(SpecError::AsOf(self.as_of));
        }
        let villages = self
            .townships
            .iter()
            .map(|t| t.villages.len())
            .sum::<usize>();
        if self.households > 0 && villages == 0 {
            return Err(SpecError::NoVillages);
        }
        self.townships.iter().try_for_each(check_township)
    }

    /// The county of the first township: the region of ID numbers when all
    /// townships belong to one county.
    pub fn county(&self) -> Option<RegionCode> {
        self.townships.first()?.code.ancestor(RegionLevel::County)
    }
}

fn check_township(t: &Township) -> Result<(), SpecError> {
    if t.code.level() != RegionLevel::Township {
        return Err(SpecError::NotTownship(t.code.to_string()));
    }
    let county = t
        .code
        .ancestor(RegionLevel::County)
        .expect("township has a county");
    let birth = NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid date");
    if IdNumber::from_parts(county.as_str(), birth, 1).is_none() {
        return Err(SpecError::County(county.to_string()));
    }
    match t
        .villages
        .iter()
        .find(|v| v.code.level() != RegionLevel::Village || !t.code.contains(&v.code))
    {
        Some(v) => Err(SpecError::NotVillage(v.code.to_string())),
        None => Ok(()),
    }
}

/// Streams the households of `spec` to `sink` one at a time, village by
/// village in spec order, each household's members contiguous and the head
/// first; stops at the first sink error and returns it.
///
/// ID numbers take each village's own county as region and are unique
/// across the run; household numbers are `{village12}{seq:04}` (wider when a
/// village has 10,000 households or more).
///
/// # Panics
/// If `spec` is invalid: call [`PopulationSpec::validate`] first.
pub fn generate<E>(
    spec: &PopulationSpec,
    mut sink: impl FnMut(Household) -> Result<(), E>,
) -> Result<PopulationStats, E> {
    if let Err(e) = spec.validate() {
        panic!("invalid population spec, check it with PopulationSpec::validate first: {e}");
    }
    let mut rng = random::SimRng::seed_from_u64(spec.seed);
    let plan = plan::Plan::new(&mut rng, spec);
    let mut g = generator::Generator::new(rng, spec.as_of);
    let mut counts = plan.households.iter();
    for (t, traits) in spec.townships.iter().zip(&plan.townships) {
        for v in &t.villages {
            let n = *counts.next().expect("one count per village");
            if n == 0 {
                continue;
            }
            let place = plan::place(g.rng(), *traits, v);
            let ctx = generator::VillageContext::new(g.rng(), t, v, place, n);
            for seq in 1..=n {
                sink(g.household(&ctx, seq))?;
            }
        }
    }
    Ok(g.stats)
}
