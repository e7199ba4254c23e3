//! Builds one household after another on the run's single random stream.

use crate::economy::{self, Place, Risk};
use crate::family::{self, Draft};
use crate::ids::IdAllocator;
use crate::names::{self, Names};
use crate::person::{self, Profile, Setting};
use crate::random::{SimRng, between};
use crate::{PopulationStats, Township, Village};
use chrono::{Datelike, NaiveDate};
use dixian_domain::{
    Household, Illness, LaborCapacity, Member, RegionCode, RegionLevel, StudentStatus,
};

/// Everything fixed for the households of one village.
pub(crate) struct VillageContext {
    code: RegionCode,
    county6: String,
    address: String,
    groups: u32,
    place: Place,
    number_width: usize,
}

impl VillageContext {
    /// The context of `village` of `township`, which gets `households`.
    pub(crate) fn new(
        rng: &mut SimRng,
        township: &Township,
        village: &Village,
        place: Place,
        households: u64,
    ) -> Self {
        let county = village
            .code
            .ancestor(RegionLevel::County)
            .expect("spec is validated: village level");
        VillageContext {
            code: village.code.clone(),
            county6: county.as_str().to_string(),
            address: format!(
                "{}{}",
                township.name,
                crate::plan::short_name(&village.name)
            ),
            groups: between(rng, 3, 15),
            place,
            number_width: households.to_string().len().max(4),
        }
    }
}

/// The run's state: random stream, name tables, used IDs, scratch buffers
/// and running totals.
pub(crate) struct Generator {
    rng: SimRng,
    names: Names,
    ids: IdAllocator,
    drafts: Vec<Draft>,
    profiles: Vec<Profile>,
    /// Totals so far.
    pub stats: PopulationStats,
}

impl Generator {
    /// A generator continuing `rng`, with ages taken on `as_of`.
    pub(crate) fn new(rng: SimRng, as_of: NaiveDate) -> Self {
        Generator {
            rng,
            names: Names::new(),
            ids: IdAllocator::new(as_of),
            drafts: Vec::with_capacity(12),
            profiles: Vec::with_capacity(12),
            stats: PopulationStats::default(),
        }
    }

    /// The random stream, for per-village draws.
    pub(crate) fn rng(&mut self) -> &mut SimRng {
        &mut self.rng
    }

    /// Household number `seq` (1-based) of the village.
    pub(crate) fn household(&mut self, v: &VillageContext, seq: u64) -> Household {
        family::household(&mut self.rng, &self.names, &mut self.drafts);
        let poor =
            economy::formerly_poor(&mut self.rng, v.place, self.drafts.iter().map(|d| d.age));
        self.draw_profiles(Setting {
            formerly_poor: poor,
            urban: v.place.urban,
        });
        let mut h = self.economy(v, poor);
        h.number = format!("{}{seq:0width$}", v.code, width = v.number_width);
        let group = between(&mut self.rng, 1, v.groups);
        h.village_group = Some(format!("{group}组"));
        h.address = format!("{}{group}组{}号", v.address, between(&mut self.rng, 1, 160));
        h.members = self.members(&v.county6);
        self.count(&h);
        h
    }

    fn draw_profiles(&mut self, setting: Setting) {
        self.profiles.clear();
        for d in &self.drafts {
            let traits = person::traits(&mut self.rng, d.age, setting);
            self.profiles.push(Profile { age: d.age, traits });
        }
    }

    /// The household record without number, address and members.
    fn economy(&mut self, v: &VillageContext, poor: bool) -> Household {
        let rng = &mut self.rng;
        let people = &self.profiles;
        let land = economy::land(rng, v.place, people.len());
        let mut income = economy::income(rng, v.place, poor, people, land);
        economy::social_assistance(rng, poor, people, &mut income);
        let (medical, schooling) = economy::expenses(rng, poor, people);
        let housing = economy::housing(rng, v.place, poor);
        let risk = Risk {
            formerly_poor: poor,
            per_person: income.total() / people.len() as i64,
            medical,
            no_labor: !people.iter().any(|p| p.traits.labor == LaborCapacity::Full),
            collapsed_house: housing == dixian_domain::HousingGrade::D,
        };
        Household {
            number: String::new(),
            village: v.code.clone(),
            village_group: None,
            address: String::new(),
            category: economy::category(rng, &risk),
            formerly_registered_poor: poor,
            housing,
            water: economy::water(rng, v.place),
            farmland_mu: land.0,
            forest_mu: land.1,
            income,
            medical_expense: medical,
            schooling_expense: schooling,
            members: Vec::new(),
        }
    }

    /// Identities and names for the drafts, joined with their traits.
    fn members(&mut self, county6: &str) -> Vec<Member> {
        let mut out = Vec::with_capacity(self.drafts.len());
        for (d, p) in self.drafts.iter().zip(self.profiles.drain(..)) {
            let day = self.ids.calendar().birth_day(&mut self.rng, d.age);
            let id = self.ids.allocate(&mut self.rng, county6, day, d.sex);
            let year = id.birth_date().year();
            let name = names::full_name(&mut self.rng, d.surname, year, d.sex, d.generation);
            let t = p.traits;
            out.push(Member {
                id_number: id,
                name,
                relation: d.relation,
                labor: t.labor,
                disability_kind: t.disability.map(|(k, _)| k),
                disability_grade: t.disability.map(|(_, g)| g),
                illness: t.illness,
                student_stage: t.student.map(|(s, _)| s),
                student_status: t.student.map(|(_, s)| s),
                insurance: t.insurance,
                employment: t.employment,
                phone: t.phone,
            });
        }
        out
    }

    /// Adds a household to the running totals (ages from the drafts).
    fn count(&mut self, h: &Household) {
        let s = &mut self.stats;
        s.households += 1;
        s.persons += h.members.len() as u64;
        s.formerly_poor += u64::from(h.formerly_registered_poor);
        s.monitored += u64::from(h.category.is_some());
        for (d, m) in self.drafts.iter().zip(&h.members) {
            s.aged_60_plus += u64::from(d.age >= 60);
            s.under_18 += u64::from(d.age < 18);
            s.disabled += u64::from(m.disability_kind.is_some());
            s.ill += u64::from(m.illness != Illness::Healthy);
            s.students += u64::from(m.student_status == Some(StudentStatus::Enrolled));
        }
    }
}
