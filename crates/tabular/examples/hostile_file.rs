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
//! `csv-line-1g` (a CSV whose second line is 1 GiB without a line break).

#[path = "../tests/support/mod.rs"]
mod support;

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
