//! The stored forms each side reads. dixian's: little-endian columns in
//! one file per table (what a store would keep; read back with no parsing
//! beyond byte order). The peer's: CSV files DuckDB loads once into its
//! own database file, outside the timing.

use anyhow::{Context, bail};
use dixian_domain::RegionCode;
use dixian_screen::RuleBook;
use dixian_screen::engine::{
    HouseholdFlags, IndexParts, MedicalColumns, PersonFacts, RegistryColumns, Warning, date_of,
};
use dixian_screen::feed::VisitType;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::Path;

const REGISTRY_MAGIC: &[u8; 8] = b"DXREG001";
const MEDICAL_MAGIC: &[u8; 8] = b"DXMED001";
const INDEX_MAGIC: &[u8; 8] = b"DXIDX001";
/// Bytes decoded per read.
const CHUNK: usize = 8 << 20;

/// Writes little-endian values.
struct Out(BufWriter<File>);

impl Out {
    fn create(path: &Path) -> anyhow::Result<Out> {
        let f = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Out(BufWriter::with_capacity(CHUNK, f)))
    }

    fn bytes(&mut self, b: &[u8]) -> anyhow::Result<()> {
        Ok(self.0.write_all(b)?)
    }

    fn u64s(&mut self, v: impl IntoIterator<Item = u64>) -> anyhow::Result<()> {
        for x in v {
            self.0.write_all(&x.to_le_bytes())?;
        }
        Ok(())
    }

    fn u32s(&mut self, v: impl IntoIterator<Item = u32>) -> anyhow::Result<()> {
        for x in v {
            self.0.write_all(&x.to_le_bytes())?;
        }
        Ok(())
    }

    fn finish(mut self) -> anyhow::Result<()> {
        Ok(self.0.flush()?)
    }
}

/// Reads little-endian columns, a chunk at a time.
struct In {
    file: File,
    buf: Vec<u8>,
}

impl In {
    fn open(path: &Path, magic: &[u8; 8]) -> anyhow::Result<In> {
        let mut file =
            File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let mut m = [0u8; 8];
        file.read_exact(&mut m)?;
        if &m != magic {
            bail!(
                "{} is not a dixian bench file of this version",
                path.display()
            );
        }
        Ok(In {
            file,
            buf: vec![0; CHUNK],
        })
    }

    fn count(&mut self) -> anyhow::Result<usize> {
        let mut b = [0u8; 8];
        self.file.read_exact(&mut b)?;
        usize::try_from(u64::from_le_bytes(b)).context("count out of range")
    }

    /// `n` values of `W` bytes each, decoded by `f`.
    fn column<T, const W: usize>(
        &mut self,
        n: usize,
        f: fn([u8; W]) -> T,
    ) -> anyhow::Result<Vec<T>> {
        let mut out = Vec::with_capacity(n);
        let per = CHUNK / W;
        while out.len() < n {
            let take = per.min(n - out.len());
            let bytes = &mut self.buf[..take * W];
            self.file.read_exact(bytes)?;
            out.extend(bytes.chunks_exact(W).map(|c| {
                let mut a = [0u8; W];
                a.copy_from_slice(c);
                f(a)
            }));
        }
        Ok(out)
    }
}

/// Writes the registry columns.
pub fn write_registry(path: &Path, r: &RegistryColumns) -> anyhow::Result<()> {
    let mut o = Out::create(path)?;
    o.bytes(REGISTRY_MAGIC)?;
    let (v, h, p) = (
        r.villages.len(),
        r.household_village.len(),
        r.person_key.len(),
    );
    o.u64s([v as u64, h as u64, p as u64])?;
    let codes: Vec<u64> = r
        .villages
        .iter()
        .map(|c| c.padded12().parse::<u64>())
        .collect::<Result<_, _>>()?;
    o.u64s(codes)?;
    o.u32s(r.household_village.iter().copied())?;
    o.u64s(r.household_income_fen.iter().map(|&x| x as u64))?;
    o.u64s(r.person_key.iter().copied())?;
    o.u32s(r.person_household.iter().copied())?;
    o.finish()
}

/// Reads the registry columns back.
pub fn read_registry(path: &Path) -> anyhow::Result<RegistryColumns> {
    let mut i = In::open(path, REGISTRY_MAGIC)?;
    let (v, h, p) = (i.count()?, i.count()?, i.count()?);
    let codes = i.column(v, u64::from_le_bytes)?;
    let villages = codes
        .iter()
        .map(|c| RegionCode::parse(&format!("{c:012}")))
        .collect::<Result<_, _>>()?;
    Ok(RegistryColumns {
        villages,
        household_village: i.column(h, u32::from_le_bytes)?,
        household_income_fen: i.column(h, i64::from_le_bytes)?,
        person_key: i.column(p, u64::from_le_bytes)?,
        person_household: i.column(p, u32::from_le_bytes)?,
        ..RegistryColumns::default()
    })
}

/// Writes the registry index in its stored form (what the store would
/// keep up to date at registry import).
pub fn write_index(path: &Path, p: &IndexParts) -> anyhow::Result<()> {
    let mut o = Out::create(path)?;
    o.bytes(INDEX_MAGIC)?;
    let counts = [
        u64::from(p.bucket_bits),
        p.villages.len() as u64,
        p.household_village.len() as u64,
        p.keys.len() as u64,
        p.facts.len() as u64,
        p.household_flags.len() as u64,
    ];
    o.u64s(counts)?;
    o.u32s(p.dir.iter().copied())?;
    o.u64s(p.keys.iter().copied())?;
    o.u32s(p.household.iter().copied())?;
    let facts: Vec<u8> = p.facts.iter().map(|f| f.to_bits()).collect();
    o.bytes(&facts)?;
    let codes: Vec<u64> = p
        .villages
        .iter()
        .map(|c| c.padded12().parse::<u64>())
        .collect::<Result<_, _>>()?;
    o.u64s(codes)?;
    o.u32s(p.household_village.iter().copied())?;
    o.u64s(p.household_income_fen.iter().map(|&x| x as u64))?;
    let members: Vec<u8> = p
        .household_members
        .iter()
        .flat_map(|m| m.to_le_bytes())
        .collect();
    o.bytes(&members)?;
    let flags: Vec<u8> = p.household_flags.iter().map(|f| f.to_bits()).collect();
    o.bytes(&flags)?;
    o.finish()
}

/// Reads the stored registry index (checked by `RegistryIndex::from_parts`).
pub fn read_index(path: &Path) -> anyhow::Result<IndexParts> {
    let mut i = In::open(path, INDEX_MAGIC)?;
    let bits = u32::try_from(i.count()?)?;
    if !(4..=31).contains(&bits) {
        bail!("{}: bucket bits out of range", path.display());
    }
    let (v, h, p, nf, nfl) = (i.count()?, i.count()?, i.count()?, i.count()?, i.count()?);
    let dir = i.column((1usize << bits) + 1, u32::from_le_bytes)?;
    let keys = i.column(p, u64::from_le_bytes)?;
    let household = i.column(p, u32::from_le_bytes)?;
    let facts = i.column(nf, |[b]: [u8; 1]| PersonFacts::from_bits(b))?;
    let codes = i.column(v, u64::from_le_bytes)?;
    let villages = codes
        .iter()
        .map(|c| RegionCode::parse(&format!("{c:012}")))
        .collect::<Result<_, _>>()?;
    Ok(IndexParts {
        bucket_bits: bits,
        dir,
        keys,
        household,
        facts,
        villages,
        household_village: i.column(h, u32::from_le_bytes)?,
        household_income_fen: i.column(h, i64::from_le_bytes)?,
        household_members: i.column(h, u16::from_le_bytes)?,
        household_flags: i.column(nfl, |[b]: [u8; 1]| HouseholdFlags::from_bits(b))?,
    })
}

fn visit_code(v: VisitType) -> u8 {
    match v {
        VisitType::Outpatient => 0,
        VisitType::Inpatient => 1,
        VisitType::Chronic => 2,
    }
}

/// Writes the 医保 columns.
pub fn write_medical(path: &Path, m: &MedicalColumns) -> anyhow::Result<()> {
    let mut o = Out::create(path)?;
    o.bytes(MEDICAL_MAGIC)?;
    o.u64s([m.len() as u64])?;
    o.u64s(m.person().iter().copied())?;
    o.u32s(m.day().iter().map(|&d| d as u32))?;
    let visits: Vec<u8> = m.visit().iter().map(|&v| visit_code(v)).collect();
    o.bytes(&visits)?;
    o.u64s(m.self_paid_fen().iter().map(|&x| x as u64))?;
    o.finish()
}

/// Reads the 医保 columns back.
pub fn read_medical(path: &Path) -> anyhow::Result<MedicalColumns> {
    let mut i = In::open(path, MEDICAL_MAGIC)?;
    let n = i.count()?;
    let person = i.column(n, u64::from_le_bytes)?;
    let day = i.column(n, i32::from_le_bytes)?;
    let codes = i.column(n, |[b]: [u8; 1]| b)?;
    let visit = codes
        .iter()
        .map(|&c| match c {
            0 => Ok(VisitType::Outpatient),
            1 => Ok(VisitType::Inpatient),
            2 => Ok(VisitType::Chronic),
            _ => bail!("unknown visit code {c} in {}", path.display()),
        })
        .collect::<anyhow::Result<_>>()?;
    let paid = i.column(n, i64::from_le_bytes)?;
    Ok(MedicalColumns::new(person, day, visit, paid)?)
}

/// The CSV files the peer loads: households, persons, medical, sets, rules.
pub fn write_peer_csv(
    dir: &Path,
    r: &RegistryColumns,
    members: &[u16],
    village_county: &[u32],
    m: &MedicalColumns,
    book: &RuleBook,
) -> anyhow::Result<()> {
    let mut w = text_file(&dir.join("households.csv"))?;
    for h in 0..r.household_village.len() {
        let county = village_county[r.household_village[h] as usize];
        writeln!(
            w,
            "{h},{county},{},{}",
            r.household_income_fen[h], members[h]
        )?;
    }
    w.flush()?;
    let mut w = text_file(&dir.join("persons.csv"))?;
    for (k, h) in r.person_key.iter().zip(&r.person_household) {
        writeln!(w, "{k},{h}")?;
    }
    w.flush()?;
    let mut w = text_file(&dir.join("medical.csv"))?;
    for i in 0..m.len() {
        writeln!(
            w,
            "{i},{},{},{},{}",
            m.person()[i],
            date_of(m.day()[i]),
            visit_code(m.visit()[i]),
            m.self_paid_fen()[i]
        )?;
    }
    w.flush()?;
    let mut w = text_file(&dir.join("sets.csv"))?;
    let mut rules = text_file(&dir.join("rules.csv"))?;
    for (id, s) in book.sets().iter().enumerate() {
        let region = match &s.region {
            dixian_screen::RuleRegion::National => 0,
            dixian_screen::RuleRegion::Code(c) => c.as_str().parse::<u32>()?,
        };
        let to = s
            .valid_to
            .map_or("9999-12-31".to_string(), |d| d.to_string());
        let factor = s
            .near_line_factor
            .map_or(0, |f| (f * 1000.0).round() as i64);
        let (stay, year) = s.medical.as_ref().map_or((0, 0), |m| {
            (m.self_paid_per_stay_fen, m.self_paid_12_months_fen)
        });
        writeln!(
            w,
            "{id},{region},{},{to},{},{factor},{stay},{year}",
            s.valid_from, s.monitoring_line_fen
        )?;
        for (ri, rule) in s.rules.iter().enumerate() {
            writeln!(rules, "{id},{ri},{},{}", rule.id, rule.condition.code())?;
        }
    }
    w.flush()?;
    rules.flush()?;
    Ok(())
}

fn text_file(path: &Path) -> anyhow::Result<BufWriter<File>> {
    let f = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(BufWriter::with_capacity(1 << 20, f))
}

/// The comparison form of warnings, one line each:
/// `rule id,person key (or -1),household,set,evidence rows`.
pub fn warning_lines(book: &RuleBook, warnings: &[Warning]) -> Vec<String> {
    warnings
        .iter()
        .map(|w| {
            let person = w.person.map_or(-1, |p| p.0 as i64);
            format!(
                "{},{person},{},{},{}",
                w.rule_in(book).id,
                w.household,
                w.set,
                w.evidence.len()
            )
        })
        .collect()
}

/// Writes lines to a file.
pub fn write_lines(path: &Path, lines: &[String]) -> anyhow::Result<()> {
    let mut w = text_file(path)?;
    for l in lines {
        writeln!(w, "{l}")?;
    }
    Ok(w.flush()?)
}
