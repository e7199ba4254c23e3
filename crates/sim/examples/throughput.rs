//! Generation rate on one core: `cargo run --release -p dixian-sim --example
//! throughput -- [HOUSEHOLDS] [SEED]`. Prints figures; asserts nothing.

use chrono::NaiveDate;
use dixian_domain::RegionCode;
use dixian_sim::{PopulationSpec, Township, Village, generate};
use std::convert::Infallible;
use std::time::Instant;

/// A county shaped like 威宁县: 41 townships (6 街道), 15 villages each.
fn county() -> Vec<Township> {
    (0..41)
        .map(|t| {
            let (code, name) = if t < 6 {
                (format!("520526{:03}", t + 1), format!("第{t}街道"))
            } else {
                (format!("520526{:03}", 94 + t), format!("第{t}镇"))
            };
            let villages = (1..=15)
                .map(|v| Village {
                    code: RegionCode::parse(&format!("{code}{:03}", 200 + v)).expect("12 digits"),
                    name: format!("第{v}村民委员会"),
                })
                .collect();
            Township {
                code: RegionCode::parse(&code).expect("9 digits"),
                name,
                villages,
            }
        })
        .collect()
}

/// Peak resident memory in MB, where the OS tells (Linux).
fn peak_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let households = args.next().and_then(|a| a.parse().ok()).unwrap_or(300_000);
    let seed = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let as_of = NaiveDate::from_ymd_opt(2025, 12, 31).expect("valid date");
    let spec = PopulationSpec {
        townships: county(),
        households,
        seed,
        as_of,
    };
    let start = Instant::now();
    let mut bytes = 0usize;
    let stats = generate(&spec, |h| {
        bytes += h.members.iter().map(|m| m.name.len()).sum::<usize>();
        Ok::<_, Infallible>(())
    })
    .unwrap_or_else(|e| match e {});
    let secs = start.elapsed().as_secs_f64();
    println!("households       {}", stats.households);
    println!("persons          {}", stats.persons);
    println!("seconds          {secs:.3}");
    println!("persons/second   {:.0}", stats.persons as f64 / secs);
    println!("households/sec   {:.0}", stats.households as f64 / secs);
    println!("name bytes       {bytes}");
    if let Some(mb) = peak_mb() {
        println!("peak memory MB   {mb:.1}");
    }
}
