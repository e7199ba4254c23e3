//! Malformed input through the public readers: random bytes, valid files
//! truncated and mutated, bad encodings, bad zips, bad XML, odd cell
//! references. Each input goes through the generic table reader (feeds)
//! and the household registry reader; the outcome must be rows or a
//! `TabularError` / row error whose message is bilingual and quotes no
//! personal data, and nothing may panic, not even inside calamine on the
//! worker thread (a panic hook counts those).
//!
//! The default run is small; for a long run:
//! `PROPTEST_CASES=10000 cargo test -p dixian-tabular --test fuzz -- --nocapture`

mod support;

use chrono::NaiveDate;
use dixian_domain::{
    DrinkingWater, EmploymentStatus, Household, HousingGrade, IdNumber, Illness, Income,
    InsuranceStatus, LaborCapacity, Member, RegionCode, Relation,
};
use dixian_tabular::{
    CsvHouseholdWriter, HeaderLanguage, HouseholdReader, TableReader, XlsxHouseholdWriter,
    header_row, household_rows,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::io::{Cursor, Read};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;
use support::{SHARED_STRINGS, SHEET, sheet_xml};

/// Cases when `PROPTEST_CASES` is not set: enough to exercise every kind
/// of input in a few seconds.
const DEFAULT_CASES: u32 = 1_000;
/// The name and the ID number planted in the data: no message may quote them.
const MARKER_NAME: &str = "欧阳标记";

fn marker_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let birth = NaiveDate::from_ymd_opt(1990, 3, 7).expect("valid date");
        IdNumber::from_parts("520526", birth, 777)
            .expect("valid ID parts")
            .as_str()
            .to_string()
    })
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date")
}

// --- what the readers must never do ---------------------------------------

/// Panics anywhere in the process, the worker threads included.
static PANICS: AtomicUsize = AtomicUsize::new(0);
static PANIC_MESSAGES: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn count_panics() {
    static HOOK: OnceLock<()> = OnceLock::new();
    HOOK.get_or_init(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            if let Ok(mut m) = PANIC_MESSAGES.lock() {
                m.push(info.to_string());
            }
            default(info);
        }));
    });
}

fn check_message(m: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        !m.contains(marker_id()) && !m.contains(MARKER_NAME),
        "quotes personal data: {m}"
    );
    prop_assert!(
        m.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)),
        "not bilingual: {m}"
    );
    Ok(())
}

/// Rows read by each reader, and how their files ended.
#[derive(Default)]
struct Tally {
    inputs: AtomicUsize,
    opened: AtomicUsize,
    rows: AtomicUsize,
    errors: AtomicUsize,
}

static TALLY: Tally = Tally {
    inputs: AtomicUsize::new(0),
    opened: AtomicUsize::new(0),
    rows: AtomicUsize::new(0),
    errors: AtomicUsize::new(0),
};

/// Reads `bytes` with both readers; a panic caught on the way (in a
/// worker thread) fails the case too, so that proptest shrinks it.
fn exercise(bytes: &[u8]) -> Result<(), TestCaseError> {
    let before = PANICS.load(Ordering::SeqCst);
    read_both(bytes)?;
    prop_assert_eq!(
        PANICS.load(Ordering::SeqCst),
        before,
        "a panic was caught reading {}",
        describe(bytes)
    );
    Ok(())
}

/// An input as a person can read it: the text of each part of a zip, or
/// the bytes as text.
fn describe(bytes: &[u8]) -> String {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return format!("{:?}", String::from_utf8_lossy(bytes));
    };
    let mut out = String::new();
    for i in 0..zip.len() {
        let mut text = Vec::new();
        if let Ok(mut part) = zip.by_index(i) {
            let name = String::from_utf8_lossy(part.name_raw()).into_owned();
            let _ = (&mut part).take(4096).read_to_end(&mut text);
            out.push_str(&format!("\n{name}: {:?}", String::from_utf8_lossy(&text)));
        }
    }
    out
}

fn read_both(bytes: &[u8]) -> Result<(), TestCaseError> {
    TALLY.inputs.fetch_add(1, Ordering::Relaxed);
    // The generic reader, as the feeds use it.
    match TableReader::from_bytes(bytes.to_vec()) {
        Ok(table) => {
            TALLY.opened.fetch_add(1, Ordering::Relaxed);
            for row in table {
                match row {
                    Ok(_) => TALLY.rows.fetch_add(1, Ordering::Relaxed),
                    Err(e) => {
                        check_message(&e.to_string())?;
                        TALLY.errors.fetch_add(1, Ordering::Relaxed)
                    }
                };
            }
        }
        Err(e) => check_message(&e.to_string())?,
    }
    // The registry reader.
    let table = match TableReader::from_bytes(bytes.to_vec()) {
        Ok(table) => table,
        Err(e) => return check_message(&e.to_string()),
    };
    let reader = match HouseholdReader::new(table, today()) {
        Ok(reader) => reader,
        Err(e) => return check_message(&e.to_string()),
    };
    for item in reader {
        if let Err(errors) = item {
            for e in errors {
                // `e.header` is the file's header text, not a message.
                check_message(&e.reason)?;
            }
        }
    }
    Ok(())
}

// --- valid files to start from ---------------------------------------------

struct Seeds {
    csv_zh: Vec<u8>,
    csv_en: Vec<u8>,
    csv_gb18030: Vec<u8>,
    xlsx: Vec<u8>,
    sheet: String,
    sst: String,
}

fn seeds() -> &'static Seeds {
    static SEEDS: OnceLock<Seeds> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let hs = households();
        let csv = |language| {
            let mut w = CsvHouseholdWriter::new(Vec::new(), language).expect("header");
            hs.iter().for_each(|h| w.write(h).expect("row"));
            w.finish().expect("flushed")
        };
        let csv_zh = csv(HeaderLanguage::Chinese);
        let text = String::from_utf8(csv_zh[3..].to_vec()).expect("UTF-8");
        let (gb, _, _) = encoding_rs::GB18030.encode(&text);
        let mut w = XlsxHouseholdWriter::new(HeaderLanguage::Chinese).expect("workbook");
        hs.iter().for_each(|h| w.write(h).expect("row"));
        let mut xlsx = Cursor::new(Vec::new());
        w.save_to_writer(&mut xlsx).expect("saved");
        // The same table as raw sheet XML: inline strings, and shared strings.
        let mut table = vec![
            header_row(HeaderLanguage::Chinese)
                .into_iter()
                .map(str::to_string)
                .collect::<Vec<_>>(),
        ];
        hs.iter().for_each(|h| table.extend(household_rows(h)));
        let mut strings = Vec::new();
        let rows: String = table
            .iter()
            .enumerate()
            .map(|(r, cells)| {
                let cells: String = cells
                    .iter()
                    .enumerate()
                    .map(|(c, text)| {
                        let at = format!("{}{}", column(c), r + 1);
                        if c % 2 == 0 {
                            strings.push(escape(text));
                            format!(r#"<c r="{at}" t="s"><v>{}</v></c>"#, strings.len() - 1)
                        } else {
                            support::text_cell(&at, &escape(text))
                        }
                    })
                    .collect();
                format!(r#"<row r="{}">{cells}</row>"#, r + 1)
            })
            .collect();
        let sst = format!(
            r#"<sst count="{n}" uniqueCount="{n}">{}</sst>"#,
            strings
                .iter()
                .map(|s| format!("<si><t>{s}</t></si>"))
                .collect::<String>(),
            n = strings.len()
        );
        Seeds {
            csv_zh,
            csv_en: csv(HeaderLanguage::English),
            csv_gb18030: gb.into_owned(),
            xlsx: xlsx.into_inner(),
            sheet: sheet_xml(&rows),
            sst,
        }
    })
}

fn households() -> Vec<Household> {
    let id = |y, seq| {
        let birth = NaiveDate::from_ymd_opt(y, 5, 17).expect("valid date");
        IdNumber::from_parts("520526", birth, seq).expect("valid ID parts")
    };
    let member = |id_number, name: &str, relation| Member {
        id_number,
        name: name.to_string(),
        relation,
        labor: LaborCapacity::Full,
        disability_kind: None,
        disability_grade: None,
        illness: Illness::Healthy,
        student_stage: None,
        student_status: None,
        insurance: InsuranceStatus::Insured,
        employment: EmploymentStatus::Farming,
        phone: Some("13800138000".to_string()),
    };
    let marker = IdNumber::parse_at(marker_id(), today()).expect("marker ID");
    let household = |number: &str, members| Household {
        number: number.to_string(),
        village: RegionCode::parse("520526101201").expect("village code"),
        village_group: Some("3组".to_string()),
        address: "某镇某村3组12号".to_string(),
        category: None,
        formerly_registered_poor: true,
        housing: HousingGrade::B,
        water: DrinkingWater::Basic,
        farmland_mu: 2.5,
        forest_mu: 0.0,
        income: Income {
            wage: 18_000,
            production: 4_300,
            property: 0,
            transfer: 2_150,
        },
        medical_expense: 6_800,
        schooling_expense: 0,
        members,
    };
    vec![
        household(
            "5205261012010001",
            vec![
                member(marker, MARKER_NAME, Relation::Head),
                member(id(1970, 42), "李秀英", Relation::Spouse),
            ],
        ),
        household(
            "5205261012010002",
            vec![member(id(1950, 88), "张桂兰", Relation::Head)],
        ),
    ]
}

fn column(c: usize) -> String {
    let mut n = c + 1;
    let mut out = Vec::new();
    while n > 0 {
        n -= 1;
        out.push(b'A' + (n % 26) as u8);
        n /= 26;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;")
}

// --- mutations -------------------------------------------------------------

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(f64),
    Set(f64, u8),
    Insert(f64, Vec<u8>),
    Remove(f64, usize),
    Repeat(f64, usize, usize),
}

fn nasty_bytes() -> impl Strategy<Value = Vec<u8>> {
    let nasty = prop_oneof![
        prop::sample::select(b"\",\r\n<>&'/=:;\x00\xff\x81\xfe\xc3\xe4\xef\xbb\xbf".to_vec()),
        any::<u8>(),
    ];
    prop::collection::vec(nasty, 1..24)
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (0.0..1.0f64).prop_map(Mutation::Truncate),
        (0.0..1.0f64, any::<u8>()).prop_map(|(at, b)| Mutation::Set(at, b)),
        (0.0..1.0f64, nasty_bytes()).prop_map(|(at, b)| Mutation::Insert(at, b)),
        (0.0..1.0f64, 1..64usize).prop_map(|(at, n)| Mutation::Remove(at, n)),
        (0.0..1.0f64, 1..64usize, 2..40usize).prop_map(|(at, n, k)| Mutation::Repeat(at, n, k)),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    let at = |f: f64, len: usize| ((f * len as f64) as usize).min(len);
    for m in mutations {
        let len = bytes.len();
        match m {
            Mutation::Truncate(f) => bytes.truncate(at(*f, len)),
            Mutation::Set(f, b) if len > 0 => {
                let i = at(*f, len - 1);
                bytes[i] = *b;
            }
            Mutation::Set(..) => {}
            Mutation::Insert(f, b) => {
                let i = at(*f, len);
                bytes.splice(i..i, b.iter().copied());
            }
            Mutation::Remove(f, n) => {
                let i = at(*f, len);
                bytes.drain(i..(i + n).min(len));
            }
            Mutation::Repeat(f, n, k) => {
                let i = at(*f, len);
                let piece = bytes[i..(i + n).min(len)].to_vec();
                for _ in 0..*k {
                    bytes.splice(i..i, piece.iter().copied());
                }
            }
        }
    }
    bytes
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    prop::collection::vec(mutation(), 1..6)
}

// --- inputs ----------------------------------------------------------------

fn random_bytes() -> impl Strategy<Value = Vec<u8>> {
    let magic = prop::sample::select(vec![
        &b""[..],
        b"PK\x03\x04",
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
        b"\xEF\xBB\xBF",
    ]);
    (magic, prop::collection::vec(any::<u8>(), 0..2048)).prop_map(|(m, rest)| [m, &rest].concat())
}

fn mutated_csv() -> impl Strategy<Value = Vec<u8>> {
    let seed = prop::sample::select(vec![0usize, 1, 2]);
    (seed, mutations()).prop_map(|(which, m)| {
        let s = seeds();
        let bytes = [&s.csv_zh, &s.csv_en, &s.csv_gb18030][which].clone();
        mutate(bytes, &m)
    })
}

/// A CSV cell: household-like values, odd ones, and the markers.
fn csv_cell() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "5205261012010001",
            "520526101201",
            "户主",
            "配偶",
            "是",
            "否",
            "A",
            "C",
            "基本安全",
            "2026-01-02",
            "2026/1/2",
            "45000",
            "1.5",
            "-3",
            "1e308",
            "NaN",
            "",
            " ",
            "\"\"",
            "\"a\"\"b\"",
            "\"x\ny\"",
            "\"open",
            "=cmd|'/c'!A1",
            "\u{feff}",
            "\u{0}",
        ])
        .prop_map(str::to_string),
        Just(MARKER_NAME.to_string()),
        Just(marker_id().to_string()),
        "[0-9X]{0,20}",
        "\\PC{0,12}",
    ]
}

fn crafted_csv() -> impl Strategy<Value = Vec<u8>> {
    let header = prop_oneof![
        Just(header_row(HeaderLanguage::Chinese).join(",")),
        Just(header_row(HeaderLanguage::English).join(",")),
        prop::collection::vec(csv_cell(), 0..30).prop_map(|c| c.join(",")),
    ];
    let rows = prop::collection::vec(prop::collection::vec(csv_cell(), 0..32), 0..8);
    let ending = prop::sample::select(vec!["\n", "\r\n", "\r"]);
    let encoding = prop::sample::select(vec![0u8, 1, 2]);
    (header, rows, ending, encoding).prop_map(|(header, rows, eol, enc)| {
        let mut text = header;
        for row in rows {
            text.push_str(eol);
            text.push_str(&row.join(","));
        }
        match enc {
            0 => text.into_bytes(),
            1 => [&b"\xEF\xBB\xBF"[..], text.as_bytes()].concat(),
            _ => encoding_rs::GB18030.encode(&text).0.into_owned(),
        }
    })
}

fn mutated_zip() -> impl Strategy<Value = Vec<u8>> {
    mutations().prop_map(|m| mutate(seeds().xlsx.clone(), &m))
}

/// The raw-XML workbook with its sheet or shared strings mutated before
/// zipping: a sound zip of bad XML.
fn mutated_xml() -> impl Strategy<Value = Vec<u8>> {
    (any::<bool>(), mutations()).prop_map(|(sheet, m)| {
        let s = seeds();
        let (mut sheet_xml, mut sst) = (s.sheet.as_bytes().to_vec(), s.sst.as_bytes().to_vec());
        if sheet {
            sheet_xml = mutate(sheet_xml, &m);
        } else {
            sst = mutate(sst, &m);
        }
        support::xlsx(&[(SHARED_STRINGS, &sst), (SHEET, &sheet_xml)])
    })
}

/// A cell reference: valid, at the edges, or odd.
fn reference() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Z]{1,2}[1-9][0-9]{0,2}",
        prop::sample::select(vec![
            "XFD1048576",
            "XFE1",
            "A1048577",
            "ZZZZZZZZ2",
            "FXSHRXW2",
            "A0",
            "",
            "1",
            "A",
            "A4294967297",
            "a1",
            "B2:A1",
            "$A$1",
        ])
        .prop_map(str::to_string),
        "[A-Za-z]{0,12}[0-9]{0,14}",
        "[ -~]{0,8}",
    ]
}

/// Text for a value: plain, entities, odd characters, the markers.
fn xml_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9 .-]{0,12}",
        prop::sample::select(vec![
            "&amp;",
            "&#x10FFFF;",
            "&#0;",
            "&#xD800;",
            "&bogus;",
            "&",
            "<",
            "]]>",
            "1e308",
            "-1e308",
            "2958466",
            "-1",
            "NaN",
            "inf",
            "0.1",
            "45000",
        ])
        .prop_map(str::to_string),
        Just(MARKER_NAME.to_string()),
        Just(marker_id().to_string()),
        "\\PC{0,8}",
    ]
}

fn xml_cell() -> impl Strategy<Value = String> {
    let kind = prop::sample::select(vec!["", "s", "n", "str", "inlineStr", "b", "e", "d", "x"]);
    let style = prop::option::of(0..6u8);
    let body = prop_oneof![
        xml_text().prop_map(|t| format!("<v>{t}</v>")),
        xml_text().prop_map(|t| format!("<is><t>{t}</t></is>")),
        xml_text().prop_map(|t| format!("<is><r><t>{t}</t></r><r><rPr/><t>x</t></r></is>")),
        xml_text().prop_map(|t| format!(r#"<f t="shared" si="0" ref="A1:B2">{t}</f><v>1</v>"#)),
        Just(String::new()),
        Just("<v>".to_string()),
    ];
    (prop::option::of(reference()), kind, style, body).prop_map(|(r, t, s, body)| {
        let mut attrs = String::new();
        if let Some(r) = r {
            attrs.push_str(&format!(r#" r="{r}""#));
        }
        if !t.is_empty() {
            attrs.push_str(&format!(r#" t="{t}""#));
        }
        if let Some(s) = s {
            attrs.push_str(&format!(r#" s="{s}""#));
        }
        format!("<c{attrs}>{body}</c>")
    })
}

fn xml_row() -> impl Strategy<Value = String> {
    let r = prop::option::of(prop_oneof![
        (1..40u32).prop_map(|n| n.to_string()),
        reference()
    ]);
    (r, prop::collection::vec(xml_cell(), 0..8)).prop_map(|(r, cells)| match r {
        Some(r) => format!(r#"<row r="{r}">{}</row>"#, cells.concat()),
        None => format!("<row>{}</row>", cells.concat()),
    })
}

/// Odd things between rows.
fn junk() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "<!-- note -->",
        "<?pi x?>",
        "<![CDATA[<row>]]>",
        "<!DOCTYPE x>",
        "<x:row xmlns:x=\"u\"/>",
        "</sheetData>",
        "<row",
        "   \n\t",
        "&amp;",
    ])
    .prop_map(str::to_string)
}

fn crafted_xlsx() -> impl Strategy<Value = Vec<u8>> {
    let header = prop::sample::select(vec![true, true, false]);
    let body = prop::collection::vec(prop_oneof![4 => xml_row(), 1 => junk()], 0..12);
    let dimension =
        prop::option::of(reference().prop_map(|r| format!(r#"<dimension ref="{r}"/>"#)));
    let sst = prop::option::of((
        prop::sample::select(vec!["3", "0", "99999999999", "x", "4000001"]),
        prop::collection::vec(xml_text(), 0..6),
    ));
    let styles = prop::option::of(prop::collection::vec(
        prop::sample::select(vec!["0", "14", "22", "45", "164", "999999999999"]),
        0..6,
    ));
    let target = prop::sample::select(vec![
        "worksheets/sheet1.xml",
        "/xl/worksheets/sheet1.xml",
        "WORKSHEETS/SHEET1.XML",
        "sharedStrings.xml",
        "styles.xml",
        "../../x.xml",
        "",
    ]);
    (header, body, dimension, sst, styles, target).prop_map(
        |(header, body, dimension, sst, styles, target)| {
            let mut rows = String::new();
            if header {
                let cells: String = header_row(HeaderLanguage::Chinese)
                    .iter()
                    .enumerate()
                    .map(|(c, h)| support::text_cell(&format!("{}1", column(c)), h))
                    .collect();
                rows.push_str(&format!(r#"<row r="1">{cells}</row>"#));
            }
            rows.push_str(&body.concat());
            let sheet = sheet_xml(&rows).replace(
                "<sheetData>",
                &format!("{}<sheetData>", dimension.unwrap_or_default()),
            );
            let mut parts: Vec<(&str, Vec<u8>)> = vec![(SHEET, sheet.into_bytes())];
            if let Some((count, strings)) = sst {
                let si: String = strings.iter().map(|t| format!("<si><t>{t}</t></si>")).collect();
                let sst = format!(r#"<sst uniqueCount="{count}">{si}</sst>"#);
                parts.push((SHARED_STRINGS, sst.into_bytes()));
            }
            if let Some(formats) = styles {
                let xfs: String = formats
                    .iter()
                    .map(|f| format!(r#"<xf numFmtId="{f}"/>"#))
                    .collect();
                let styles = format!(
                    r#"<styleSheet><numFmts><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts><cellXfs>{xfs}</cellXfs></styleSheet>"#
                );
                parts.push(("xl/styles.xml", styles.into_bytes()));
            }
            if target != "worksheets/sheet1.xml" {
                let rels = format!(
                    r#"<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="{target}"/></Relationships>"#
                );
                parts.push(("xl/_rels/workbook.xml.rels", rels.into_bytes()));
            }
            let parts: Vec<(&str, &[u8])> = parts.iter().map(|(n, b)| (*n, b.as_slice())).collect();
            support::xlsx(&parts)
        },
    )
}

fn any_input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => random_bytes(),
        3 => mutated_csv(),
        3 => crafted_csv(),
        2 => mutated_zip(),
        3 => mutated_xml(),
        4 => crafted_xlsx(),
    ]
}

#[test]
fn malformed_input_is_an_error_never_a_panic() {
    count_panics();
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let start = Instant::now();
    let result = runner.run(&any_input(), |bytes| exercise(&bytes));
    let panics = PANICS.load(Ordering::SeqCst);
    eprintln!(
        "fuzz: {cases} cases, {} inputs read twice, {} opened, {} rows, {} row errors, \
         {panics} panics, {:.1} s",
        TALLY.inputs.load(Ordering::Relaxed),
        TALLY.opened.load(Ordering::Relaxed),
        TALLY.rows.load(Ordering::Relaxed),
        TALLY.errors.load(Ordering::Relaxed),
        start.elapsed().as_secs_f64()
    );
    if let Err(e) = result {
        panic!("{e}");
    }
    let messages = PANIC_MESSAGES.lock().map(|m| m.clone()).unwrap_or_default();
    assert_eq!(panics, 0, "panics caught on the way: {messages:#?}");
}
