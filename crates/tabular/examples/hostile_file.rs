//! Makes a hostile table file, or reads one and says how it went; run the
//! reading under `/usr/bin/time -v` for its peak memory (docs/reliability.md).
//!
//! ```text
//! cargo run -p dixian-tabular --example hostile_file -- make whitespace-400m /tmp/ws.xlsx
//! /usr/bin/time -v target/debug/examples/hostile_file read /tmp/ws.xlsx
//! ```
//!
//! Kinds: `whitespace-400m` (a sheet of 400 MiB of spaces), `elements-400m`
//! (400 MiB of empty elements), `column-zzzzzzzz` (a cell at ZZZZZZZZ2),
//! `strings-4m` (as many shared strings as the default limits let through),
//! `csv-line-1g` (a CSV whose second line is 1 GiB without a line break);
//! `xls-dimensions` (a legacy XLS whose sheet claims 4 billion rows by
//! 65,535 columns: a known gap, calamine's XLS reader reserves room for
//! them and the process aborts; see docs/reliability.md); and, to weigh the
//! checks on a sound file, `registry-300k` (a registry workbook of 100,000
//! households, 300,000 people).

#[path = "../tests/support/mod.rs"]
mod support;

use chrono::NaiveDate;
use dixian_domain::{
    DrinkingWater, EmploymentStatus, Household, HousingGrade, IdNumber, Illness, Income,
    InsuranceStatus, LaborCapacity, Member, RegionCode, Relation,
};
use dixian_tabular::{HeaderLanguage, XlsxHouseholdWriter};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["make", kind, out] => make(kind, Path::new(out)),
        ["read", file] => read(Path::new(file)),
        _ => {
            eprintln!("usage: hostile_file make KIND OUT | hostile_file read FILE");
            std::process::exit(2);
        }
    }
}

fn make(kind: &str, out: &Path) {
    let bytes = match kind {
        "whitespace-400m" => support::whitespace_bomb(400),
        "elements-400m" => support::element_bomb(400),
        "column-zzzzzzzz" => support::xlsx_rows(&format!(
            r#"<row r="2">{}</row>"#,
            support::text_cell("ZZZZZZZZ2", "x")
        )),
        "strings-4m" => {
            // As many shared strings as the default limits let through.
            let mut sst = String::from(r#"<sst uniqueCount="4000000">"#);
            (0..4_000_000).for_each(|i| sst.push_str(&format!("<si><t>{i:08}</t></si>")));
            sst.push_str("</sst>");
            let sheet = support::sheet_xml(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#);
            support::xlsx(&[
                (support::SHARED_STRINGS, sst.as_bytes()),
                (support::SHEET, sheet.as_bytes()),
            ])
        }
        "registry-300k" => {
            // Not hostile: a registry of 300,000 people, to weigh the checks.
            let mut w = XlsxHouseholdWriter::new(HeaderLanguage::Chinese).expect("workbook");
            (0..100_000).for_each(|i| w.write(&household(i)).expect("rows"));
            w.save(out).expect("saved");
            return;
        }
        "xls-dimensions" => xls_claiming(u32::MAX, u16::MAX),
        "csv-line-1g" => {
            let mut f = std::fs::File::create(out).expect("created");
            f.write_all(b"a,b\n").expect("written");
            let block = vec![b'x'; 1024 * 1024];
            (0..1024).for_each(|_| f.write_all(&block).expect("written"));
            return;
        }
        _ => panic!("unknown kind {kind}"),
    };
    std::fs::write(out, &bytes).expect("written");
    println!("{}: {} bytes", out.display(), bytes.len());
}

fn read(file: &Path) {
    let start = Instant::now();
    let outcome = dixian_tabular::open(file).and_then(|table| {
        let mut rows = 0;
        for row in table {
            row?;
            rows += 1;
        }
        Ok(rows)
    });
    let secs = start.elapsed().as_secs_f64();
    match outcome {
        Ok(rows) => println!("read {rows} rows in {secs:.2} s"),
        Err(e) => println!("refused in {secs:.2} s: {e}"),
    }
}

/// Household `i` of a made-up village: a head, a spouse, a child.
fn household(i: u32) -> Household {
    let member = |k: u32, relation| {
        let birth = NaiveDate::from_ymd_opt(1950 + (k % 60) as i32, 1 + k % 12, 1 + k % 28)
            .expect("valid date");
        Member {
            id_number: IdNumber::from_parts("520526", birth, (k % 999) as u16 + 1)
                .expect("valid ID parts"),
            name: format!("村民{k}"),
            relation,
            labor: LaborCapacity::Full,
            disability_kind: None,
            disability_grade: None,
            illness: Illness::Healthy,
            student_stage: None,
            student_status: None,
            insurance: InsuranceStatus::Insured,
            employment: EmploymentStatus::Farming,
            phone: Some(format!("138{:08}", k)),
        }
    };
    Household {
        number: format!("52052610120{:05}", i),
        village: RegionCode::parse("520526101201").expect("village code"),
        village_group: Some(format!("{}组", i % 9 + 1)),
        address: format!("某镇某村{}组{}号", i % 9 + 1, i),
        category: None,
        formerly_registered_poor: i.is_multiple_of(3),
        housing: HousingGrade::B,
        water: DrinkingWater::Basic,
        farmland_mu: f64::from(i % 7) + 0.5,
        forest_mu: 0.0,
        income: Income {
            wage: 10_000 + i64::from(i % 9_000),
            production: 4_300,
            property: 0,
            transfer: 2_150,
        },
        medical_expense: i64::from(i % 5_000),
        schooling_expense: 0,
        members: vec![
            member(3 * i, Relation::Head),
            member(3 * i + 1, Relation::Spouse),
            member(3 * i + 2, Relation::Child),
        ],
    }
}

/// A legacy XLS (a compound file of one 4 KiB `Workbook` stream) whose
/// sheet's Dimensions record claims `rows` rows and `cols` columns.
fn xls_claiming(rows: u32, cols: u16) -> Vec<u8> {
    fn record(kind: u16, data: &[u8]) -> Vec<u8> {
        let len = u16::try_from(data.len()).expect("short record");
        [&kind.to_le_bytes()[..], &len.to_le_bytes(), data].concat()
    }
    let bof = |dt: u16| {
        let data = [0x0600u16, dt, 0x0DBB, 0x07CC]
            .map(u16::to_le_bytes)
            .concat();
        record(0x0809, &[data, vec![0, 0, 0, 0, 6, 0, 0, 0]].concat())
    };
    // Workbook globals: BOF, one BoundSheet8 pointing at the sheet, EOF.
    let globals_len = (4 + 16) + (4 + 10) + 4;
    let sheet_at = u32::try_from(globals_len).expect("small");
    let bound = [&sheet_at.to_le_bytes()[..], &[0, 0, 2, 0], b"S1"].concat();
    let dims = [
        &0u32.to_le_bytes()[..],
        &rows.to_le_bytes(),
        &[0, 0],
        &cols.to_le_bytes(),
        &[0, 0],
    ]
    .concat();
    let mut stream = [
        bof(0x0005),
        record(0x0085, &bound),
        record(0x000A, &[]),
        bof(0x0010),
        record(0x0200, &dims),
        record(0x000A, &[]),
    ]
    .concat();
    stream.resize(4096, 0);
    // Compound file: header, one FAT sector, one directory sector, the stream.
    let u32s = |v: &[u32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let (free, end) = (0xFFFF_FFFFu32, 0xFFFF_FFFEu32);
    let mut header = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    header.extend([0u8; 16]);
    header.extend([0x3Eu16, 3, 0xFFFE, 9, 6].map(u16::to_le_bytes).concat());
    header.extend([0u8; 6]);
    header.extend(u32s(&[0, 1, 1, 0, 0x1000, end, 0, end, 0, 0]));
    header.extend(u32s(&[free; 108]));
    let mut fat = vec![0xFFFF_FFFD, end, 3, 4, 5, 6, 7, 8, 9, end];
    fat.resize(128, free);
    let entry = |name: &str, kind: u8, start: u32, size: u64, child: u32| {
        let mut n: Vec<u8> = name
            .encode_utf16()
            .chain([0])
            .flat_map(u16::to_le_bytes)
            .collect();
        let len = if name.is_empty() { 0 } else { n.len() as u16 };
        n.resize(64, 0);
        [
            n,
            len.to_le_bytes().to_vec(),
            vec![kind, 1],
            u32s(&[free, free, child]),
            vec![0; 36],
            start.to_le_bytes().to_vec(),
            size.to_le_bytes().to_vec(),
        ]
        .concat()
    };
    [
        header,
        u32s(&fat),
        entry("Root Entry", 5, end, 0, 1),
        entry("Workbook", 2, 2, 4096, free),
        entry("", 0, 0, 0, free),
        entry("", 0, 0, 0, free),
        stream,
    ]
    .concat()
}
