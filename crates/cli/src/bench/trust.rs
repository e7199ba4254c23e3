//! `dixian bench trust`: the reliability figures of docs/reliability.md,
//! measured through the product's own server and commands on a fresh
//! database of either backend:
//!
//! - **load**: N clients × M read-modify-write edits of the same
//!   households through the HTTP API — every answer 200 or 409, none 5xx,
//!   no accepted edit lost;
//! - **login**: a password-guessing run against one account — how many
//!   guesses were checked before the lock, what other users' requests
//!   cost meanwhile, known vs unknown user timing;
//! - **fuzz**: malformed requests (bodies, paths, queries, headers,
//!   uploads) — counted by status class; 0 × 5xx, the server alive, its
//!   peak memory;
//! - **crash**: `dixian households import` killed with SIGKILL at random
//!   points — each time all or nothing, audit chain intact.
//!
//! The HTTP client is a few lines over a TCP stream, so the benchmark
//! adds no dependency to the binary.

use anyhow::{Context, bail};
use dixian_domain::{RegionCode, Role};
use dixian_store::testing::Backend;
use dixian_store::{Actor, Store, users};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Options of `dixian bench trust`.
#[derive(clap::Args)]
pub struct Args {
    /// Use a fresh PostgreSQL database on the server of DIXIAN_TEST_PG
    /// (default postgres://postgres@127.0.0.1:5432/postgres) instead of SQLite.
    #[arg(long)]
    postgres: bool,
    /// Phases to run, comma-separated: load, login, fuzz, crash.
    #[arg(long, value_delimiter = ',', default_value = "load,login,fuzz,crash")]
    phases: Vec<String>,
    /// Concurrent clients of the load phase.
    #[arg(long, default_value_t = 50)]
    clients: usize,
    /// Edits per client in the load phase.
    #[arg(long, default_value_t = 200)]
    updates: usize,
    /// Households the load phase's clients share.
    #[arg(long, default_value_t = 10)]
    households: usize,
    /// Wrong passwords tried against one account in the login phase.
    #[arg(long, default_value_t = 400)]
    guesses: usize,
    /// Malformed requests of the fuzz phase.
    #[arg(long, default_value_t = 10_000)]
    fuzz_requests: usize,
    /// Imports killed in the crash phase.
    #[arg(long, default_value_t = 100)]
    crash_runs: usize,
    /// Households in the file the crash phase imports.
    #[arg(long, default_value_t = 3_000)]
    crash_households: u64,
    /// Folder of the division files.
    #[arg(long, default_value = crate::demo::DEFAULT_DIVISIONS)]
    divisions: PathBuf,
}

const COUNTY: &str = "520526";
const VILLAGE: &str = "520526001001";
const PASSWORD: &str = "bench-password-1";

/// Runs the phases asked for.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let backend = if args.postgres {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    let dir = std::env::temp_dir().join(format!("dixian-bench-trust-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    println!(
        "machine: {} cores; backend: {backend:?}",
        crate::config::default_threads()
    );
    let store = fresh(backend, &dir, &args.divisions).await?;
    let server = Server::start(store.clone()).await?;
    for phase in &args.phases {
        match phase.as_str() {
            "load" => load(&server, &args).await?,
            "login" => login(&server, &args).await?,
            "fuzz" => fuzz(&server, &args).await?,
            "crash" => crash(backend, &dir, &args).await?,
            other => bail!("unknown phase {other} (load, login, fuzz, crash)"),
        }
    }
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// A fresh, migrated database with the county's divisions.
async fn fresh(backend: Backend, dir: &Path, divisions: &Path) -> anyhow::Result<Store> {
    let store = dixian_store::testing::fresh_store(backend, dir)
        .await?
        .context("PostgreSQL is not reachable")?;
    let county = RegionCode::parse(COUNTY)?;
    dixian_store::regions::import(&store.pool, divisions, Some(&county), |_, _, _| {}).await?;
    Ok(store)
}

/// The product's server on a free local port.
pub(super) struct Server {
    pub(super) addr: String,
    pub(super) store: Store,
}

impl Server {
    pub(super) async fn start(store: Store) -> anyhow::Result<Server> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?.to_string();
        let state = dixian_web::AppState::new(store.clone());
        tokio::spawn(async move {
            if let Err(e) = dixian_web::serve_with(state, listener).await {
                eprintln!("server stopped: {e}");
            }
        });
        Ok(Server { addr, store })
    }

    pub(super) async fn client(&self) -> anyhow::Result<Http> {
        Http::connect(&self.addr).await
    }

    /// Creates a user and logs it in through the API; returns its token.
    pub(super) async fn user(
        &self,
        name: &str,
        role: Role,
        region: &str,
    ) -> anyhow::Result<String> {
        users::create(
            &self.store.pool,
            name,
            name,
            PASSWORD,
            role,
            &RegionCode::parse(region)?,
        )
        .await?;
        let mut c = self.client().await?;
        let (status, body) = c
            .json(
                "POST",
                "/api/v1/auth/login",
                None,
                &json!({"username": name, "password": PASSWORD}),
            )
            .await?;
        if status != 200 {
            bail!("login of {name} failed: {status}");
        }
        Ok(body["token"].as_str().unwrap_or_default().to_string())
    }
}

/// A keep-alive HTTP/1.1 connection.
pub(super) struct Http {
    addr: String,
    conn: Option<BufReader<TcpStream>>,
}

impl Http {
    async fn connect(addr: &str) -> anyhow::Result<Http> {
        Ok(Http {
            addr: addr.to_string(),
            conn: None,
        })
    }

    /// Sends a request; returns the status and the body. Reconnects when
    /// the server closed the connection.
    pub(super) async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: &[u8],
    ) -> anyhow::Result<(u16, Vec<u8>)> {
        for attempt in 0..2 {
            if self.conn.is_none() {
                self.conn = Some(BufReader::new(TcpStream::connect(&self.addr).await?));
            }
            match self.try_send(method, path, headers, body).await {
                Ok(r) => return Ok(r),
                Err(e) if attempt == 0 => {
                    self.conn = None;
                    let _ = e;
                }
                Err(e) => return Err(e),
            }
        }
        unreachable!("two attempts return")
    }

    async fn try_send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: &[u8],
    ) -> anyhow::Result<(u16, Vec<u8>)> {
        let conn = self.conn.as_mut().context("no connection")?;
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let stream = conn.get_mut();
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body).await?;
        let mut line = String::new();
        if conn.read_line(&mut line).await? == 0 {
            bail!("connection closed");
        }
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("bad status line {line:?}"))?;
        let (mut length, mut chunked, mut close) = (0usize, false, false);
        loop {
            let mut h = String::new();
            conn.read_line(&mut h).await?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            let lower = h.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            } else if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
                chunked = true;
            } else if lower.starts_with("connection:") && lower.contains("close") {
                close = true;
            }
        }
        let mut out = Vec::new();
        if chunked {
            loop {
                let mut size = String::new();
                conn.read_line(&mut size).await?;
                let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
                let mut chunk = vec![0u8; n + 2];
                conn.read_exact(&mut chunk).await?;
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&chunk[..n]);
            }
        } else {
            out.resize(length, 0);
            conn.read_exact(&mut out).await?;
        }
        if close {
            self.conn = None;
        }
        Ok((status, out))
    }

    /// A JSON request, with a bearer token when given.
    async fn json(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> anyhow::Result<(u16, Value)> {
        let mut headers = vec![("Content-Type", "application/json".to_string())];
        if let Some(t) = token {
            headers.push(("Authorization", format!("Bearer {t}")));
        }
        let bytes = if body.is_null() {
            Vec::new()
        } else {
            body.to_string().into_bytes()
        };
        let (status, out) = self.send(method, path, &headers, &bytes).await?;
        Ok((status, serde_json::from_slice(&out).unwrap_or(Value::Null)))
    }
}

/// Milliseconds at the given quantile of sorted durations.
pub(super) fn quantile(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// A small deterministic random stream (xorshift), so runs repeat.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A household of the bench village with one member.
fn household(number: &str, seq: u16) -> anyhow::Result<dixian_domain::Household> {
    let birth = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).context("date")?;
    let id = dixian_domain::IdNumber::from_parts(COUNTY, birth, seq).context("ID number")?;
    let v: Value = json!({
        "number": number, "village": VILLAGE, "village_group": "1组", "address": "测试",
        "category": null, "formerly_registered_poor": false, "housing": "B", "water": "secure",
        "farmland_mu": 1.0, "forest_mu": 0.0,
        "income": {"wage": 10000, "production": 0, "property": 0, "transfer": 0},
        "medical_expense": 0, "schooling_expense": 0,
        "members": [{"id_number": id.as_str(), "name": "张三", "relation": "head", "labor": "full",
            "disability_kind": null, "disability_grade": null, "illness": "healthy",
            "student_stage": null, "student_status": null, "insurance": "insured",
            "employment": "farming", "phone": null}]
    });
    Ok(serde_json::from_value(v)?)
}

async fn load(server: &Server, args: &Args) -> anyhow::Result<()> {
    let token = server.user("load_admin", Role::CountyAdmin, COUNTY).await?;
    let actor = Actor::operator(RegionCode::parse(COUNTY)?);
    let mut ids = Vec::new();
    for i in 0..args.households {
        let h = household(&format!("LOAD-{i:04}"), 500 + i as u16)?;
        ids.push(dixian_store::households::create(&server.store.pool, &actor, &h).await?);
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..args.clients {
        let mut http = server.client().await?;
        let token = token.clone();
        let hid = ids[c % ids.len()];
        let updates = args.updates;
        tasks.push(tokio::spawn(async move {
            let mut out = (0u64, 0u64, 0u64, Vec::new());
            for _ in 0..updates {
                let t = Instant::now();
                let Ok((s, cur)) = http
                    .json(
                        "GET",
                        &format!("/api/v1/households/{hid}"),
                        Some(&token),
                        &Value::Null,
                    )
                    .await
                else {
                    out.2 += 1;
                    continue;
                };
                if s != 200 {
                    out.2 += 1;
                    continue;
                }
                let mut h = cur["household"].clone();
                h["income"]["wage"] = json!(h["income"]["wage"].as_i64().unwrap_or(0) + 1);
                let body = json!({"version": cur["version"], "household": h});
                match http
                    .json(
                        "PUT",
                        &format!("/api/v1/households/{hid}"),
                        Some(&token),
                        &body,
                    )
                    .await
                {
                    Ok((200, _)) => out.0 += 1,
                    Ok((409, _)) => out.1 += 1,
                    _ => out.2 += 1,
                }
                out.3.push(t.elapsed());
            }
            (hid, out)
        }));
    }
    let mut accepted = std::collections::HashMap::<i64, u64>::new();
    let (mut ok, mut conflict, mut other, mut lat) = (0, 0, 0, Vec::new());
    for t in tasks {
        let (hid, (o, c, x, l)) = t.await?;
        *accepted.entry(hid).or_default() += o;
        ok += o;
        conflict += c;
        other += x;
        lat.extend(l);
    }
    let secs = started.elapsed().as_secs_f64();
    let mut lost = 0i64;
    for &hid in &ids {
        let (wage,): (i64,) = server
            .store
            .pool
            .one(dixian_store::db::q("SELECT income_wage FROM households WHERE id = $1").bind(hid))
            .await?;
        lost += 10_000 + accepted.get(&hid).copied().unwrap_or(0) as i64 - wage;
    }
    lat.sort();
    println!(
        "load:  {} clients × {} edits of {} households in {secs:.1} s: {ok} × 200, {conflict} × 409, {other} other (5xx or failed); lost updates {lost}; edit p50 {:.1} ms, p99 {:.1} ms",
        args.clients,
        args.updates,
        ids.len(),
        quantile(&lat, 0.5),
        quantile(&lat, 0.99)
    );
    Ok(())
}

async fn login(server: &Server, args: &Args) -> anyhow::Result<()> {
    server.user("victim", Role::VillageCadre, VILLAGE).await?;
    let bystander = server.user("bystander", Role::CountyAdmin, COUNTY).await?;
    let mut by = server.client().await?;
    let probe = async |by: &mut Http, n: usize| -> anyhow::Result<Vec<Duration>> {
        let mut v = Vec::new();
        for _ in 0..n {
            let t = Instant::now();
            by.json("GET", "/api/v1/me", Some(&bystander), &Value::Null)
                .await?;
            v.push(t.elapsed());
        }
        v.sort();
        Ok(v)
    };
    let before = probe(&mut by, 100).await?;
    // Known user with a wrong password vs an unknown user (time only:
    // these count as failures of a fresh address-less name each).
    let started = Instant::now();
    let mut guessers = Vec::new();
    let per = args.guesses.div_ceil(4);
    for g in 0..4 {
        let mut http = server.client().await?;
        guessers.push(tokio::spawn(async move {
            let (mut checked, mut refused, mut other) = (0u64, 0u64, 0u64);
            for i in 0..per {
                let body = json!({"username": "victim", "password": format!("guess-{g}-{i}")});
                match http.json("POST", "/api/v1/auth/login", None, &body).await {
                    Ok((401, _)) => checked += 1,
                    Ok((429, _)) => refused += 1,
                    _ => other += 1,
                }
            }
            (checked, refused, other)
        }));
    }
    let during = probe(&mut by, 100).await?;
    let (mut checked, mut refused, mut other) = (0, 0, 0);
    for g in guessers {
        let (c, r, o) = g.await?;
        checked += c;
        refused += r;
        other += o;
    }
    let secs = started.elapsed().as_secs_f64();
    let mut c = server.client().await?;
    let (right, _) = c
        .json(
            "POST",
            "/api/v1/auth/login",
            None,
            &json!({"username": "victim", "password": PASSWORD}),
        )
        .await?;
    println!(
        "login: {} wrong passwords for one account in {secs:.2} s: {checked} checked (401), {refused} refused unchecked (429), {other} other; the right password during the lock: {right}; another user's request p50/p99 {:.1}/{:.1} ms before, {:.1}/{:.1} ms during",
        per * 4,
        quantile(&before, 0.5),
        quantile(&before, 0.99),
        quantile(&during, 0.5),
        quantile(&during, 0.99)
    );
    Ok(())
}

/// Peak resident memory of this process (the server runs in it), MiB.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

async fn fuzz(server: &Server, args: &Args) -> anyhow::Result<()> {
    let token = server.user("fuzz_admin", Role::CountyAdmin, COUNTY).await?;
    let actor = Actor::operator(RegionCode::parse(COUNTY)?);
    let hid =
        dixian_store::households::create(&server.store.pool, &actor, &household("FUZZ-0001", 900)?)
            .await?;
    let paths: Vec<(&str, String)> = vec![
        ("POST", "/api/v1/auth/login".into()),
        ("GET", "/api/v1/households".into()),
        ("POST", "/api/v1/households".into()),
        ("GET", format!("/api/v1/households/{hid}")),
        ("PUT", format!("/api/v1/households/{hid}")),
        ("POST", format!("/api/v1/households/{hid}/members")),
        ("GET", "/api/v1/regions/520526".into()),
        ("POST", "/api/v1/leads".into()),
        ("POST", "/api/v1/public/declarations".into()),
        ("GET", "/api/v1/inbox".into()),
        ("POST", "/api/v1/cases/1/events".into()),
        ("GET", "/api/v1/warnings".into()),
        ("POST", "/api/v1/warnings/1/verify".into()),
        ("POST", "/api/v1/screening/runs".into()),
        ("POST", "/api/v1/rules".into()),
        ("POST", "/api/v1/feeds/medical".into()),
        ("POST", "/login".into()),
        ("GET", "/regions/520526".into()),
        ("GET", "/households".into()),
    ];
    let valid =
        serde_json::to_string(&json!({"version": 1, "household": household("FUZZ-0002", 901)?}))?;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let started = Instant::now();
    let mut classes = [0u64; 6];
    let mut http = server.client().await?;
    let mut failures = 0u64;
    for i in 0..args.fuzz_requests {
        let (method, base) = &paths[rng.below(paths.len())];
        let mut path = base.clone();
        match rng.below(6) {
            0 => path.push_str(&format!(
                "?page={}&per_page=-{}&region=%zz%ff{}",
                rng.next(),
                rng.next(),
                "9".repeat(rng.below(40))
            )),
            1 => path.push_str("/%2e%2e/%00"),
            2 => path = path.replace("520526", &"5".repeat(1 + rng.below(30))),
            3 => path.push_str(&format!(
                "?name={}&id_number=%27%20OR%201%3D1--",
                "%E5".repeat(rng.below(20))
            )),
            _ => {}
        }
        let shape = rng.below(8);
        let body: Vec<u8> = match shape {
            0 => (0..rng.below(2048)).map(|_| rng.next() as u8).collect(),
            1 => valid.as_bytes()[..rng.below(valid.len())].to_vec(),
            2 => {
                let mut b = valid.clone().into_bytes();
                for _ in 0..1 + rng.below(8) {
                    let at = rng.below(b.len());
                    b[at] = rng.next() as u8;
                }
                b
            }
            3 => format!("{}{}", "[".repeat(1 + rng.below(100_000)), "]".repeat(rng.below(3))).into_bytes(),
            4 => json!({"version": rng.next(), "household": {"number": "x".repeat(rng.below(100_000)), "members": [1, "a", null]}}).to_string().into_bytes(),
            5 => json!({"username": "\u{0000}", "password": "x".repeat(rng.below(200_000))}).to_string().into_bytes(),
            6 => b"--X\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.xlsx\"\r\n\r\nPK\x03\x04garbage\r\n--X--\r\n".to_vec(),
            _ => Vec::new(),
        };
        let mut headers: Vec<(&str, String)> = Vec::new();
        if i % 5 != 0 {
            headers.push(("Authorization", format!("Bearer {token}")));
        }
        headers.push((
            "Content-Type",
            match rng.below(4) {
                0 => "application/json".into(),
                1 => "multipart/form-data; boundary=X".into(),
                2 => "application/x-www-form-urlencoded".into(),
                _ => "text/plain; charset=gb18030".into(),
            },
        ));
        headers.push(("Origin", format!("http://{}", server.addr)));
        match http.send(method, &path, &headers, &body).await {
            Ok((status, answer)) => {
                classes[(status / 100) as usize % 6] += 1;
                if status >= 500 && classes[5] <= 5 {
                    println!(
                        "  5xx: {method} {path} (body shape {shape}, {} bytes, {}): {status} {}",
                        body.len(),
                        headers[headers.len() - 2].1,
                        String::from_utf8_lossy(&answer[..answer.len().min(200)])
                    );
                }
            }
            Err(_) => {
                failures += 1;
                http = server.client().await?;
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let (alive, _) = server
        .client()
        .await?
        .json("GET", "/api/v1/health", None, &Value::Null)
        .await?;
    println!(
        "fuzz:  {} malformed requests in {secs:.1} s: {} × 2xx, {} × 3xx, {} × 4xx, {} × 5xx, {failures} dropped connections; server alive after: {}; peak RSS of the process {:.0} MiB",
        args.fuzz_requests,
        classes[2],
        classes[3],
        classes[4],
        classes[5],
        alive == 200,
        peak_rss_mib()
    );
    Ok(())
}

async fn crash(backend: Backend, dir: &Path, args: &Args) -> anyhow::Result<()> {
    let file = dir.join("crash-households.csv");
    let (h, p) = crate::commands::write_population(
        COUNTY,
        args.crash_households,
        11,
        &file,
        &args.divisions,
    )?;
    let exe = std::env::current_exe()?;
    // A template database with the divisions; each run imports into a copy.
    let template = Template::new(backend, dir, &args.divisions).await?;
    // Test stores on PostgreSQL are encrypted (testing::fresh_store): the
    // child process gets the same data key as a file, as `serve` would.
    let key_file = dir.join("crash-data.key");
    let key_arg = match backend {
        Backend::Postgres => {
            dixian_store::testing::test_data_key().save(&key_file)?;
            Some(key_file.as_path())
        }
        Backend::Sqlite => None,
    };
    let full = {
        let url = template.copy(0).await?;
        let t = Instant::now();
        let status = import_command(&exe, &url, &file, key_arg).status()?;
        if !status.success() {
            bail!("the uninterrupted import failed");
        }
        let secs = t.elapsed();
        template.drop_copy(0, &url).await;
        secs
    };
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let (mut nothing, mut all, mut partial, mut audit_broken) = (0, 0, 0, 0);
    for k in 1..=args.crash_runs {
        let url = template.copy(k).await?;
        let delay = Duration::from_secs_f64(full.as_secs_f64() * (rng.below(1200) as f64 / 1000.0));
        let mut child = import_command(&exe, &url, &file, key_arg).spawn()?;
        tokio::time::sleep(delay).await;
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let store = Store::open(&url).await?;
        let (n,): (i64,) = store
            .pool
            .one(dixian_store::db::q("SELECT COUNT(*) FROM households"))
            .await?;
        let (m,): (i64,) = store
            .pool
            .one(dixian_store::db::q("SELECT COUNT(*) FROM members"))
            .await?;
        match (n as u64, m as u64) {
            (0, 0) => nothing += 1,
            (a, b) if a == h && b == p => all += 1,
            _ => partial += 1,
        }
        if dixian_store::audit::verify_chain(&store.pool)
            .await?
            .is_some()
        {
            audit_broken += 1;
        }
        store.close().await;
        template.drop_copy(k, &url).await;
    }
    println!(
        "crash: {} imports of {h} households ({p} persons; {:.2} s uninterrupted) killed with SIGKILL at random points: {nothing} left nothing, {all} complete, {partial} partial; audit chain broken {audit_broken}",
        args.crash_runs,
        full.as_secs_f64()
    );
    if partial > 0 || audit_broken > 0 {
        bail!("an import was not all-or-nothing or the audit broke");
    }
    Ok(())
}

fn import_command(
    exe: &Path,
    url: &str,
    file: &Path,
    data_key: Option<&Path>,
) -> std::process::Command {
    let mut c = std::process::Command::new(exe);
    if let Some(k) = data_key {
        c.arg("--data-key-file").arg(k);
    }
    c.arg("--database")
        .arg(url)
        .arg("households")
        .arg("import")
        .arg(file)
        .arg("--region")
        .arg(COUNTY)
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    c
}

/// A database with the divisions loaded, copied for each crash run.
struct Template {
    backend: Backend,
    url: String,
    dir: PathBuf,
    /// PostgreSQL: a connection to the server's maintenance database.
    admin: Option<dixian_store::db::Pool>,
}

impl Template {
    async fn new(backend: Backend, dir: &Path, divisions: &Path) -> anyhow::Result<Template> {
        let tdir = dir.join("template");
        std::fs::create_dir_all(&tdir)?;
        let store = fresh(backend, &tdir, divisions).await?;
        let url = match store.pool.conn() {
            dixian_store::db::Conn::Sqlite(_) => tdir.join("test.db").display().to_string(),
            dixian_store::db::Conn::Postgres(_) => {
                let db: (String,) = store
                    .pool
                    .one(dixian_store::db::q("SELECT current_database()"))
                    .await?;
                format!("{}/{}", server_base(), db.0)
            }
        };
        store.close().await;
        let admin = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(Store::open(&dixian_store::testing::pg_server()).await?.pool),
        };
        Ok(Template {
            backend,
            url,
            dir: dir.to_path_buf(),
            admin,
        })
    }

    async fn copy(&self, k: usize) -> anyhow::Result<String> {
        match self.backend {
            Backend::Sqlite => {
                let to = self.dir.join(format!("crash-{k}.db"));
                std::fs::copy(&self.url, &to)?;
                Ok(to.display().to_string())
            }
            Backend::Postgres => {
                let name = format!("dixian_test_{}_crash_{k}", std::process::id());
                let template = self.url.rsplit('/').next().unwrap_or_default().to_string();
                let admin = self.admin.as_ref().context("no admin connection")?;
                admin
                    .execute(dixian_store::db::q(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .await?;
                admin
                    .execute(dixian_store::db::q(format!(
                        "CREATE DATABASE {name} TEMPLATE {template}"
                    )))
                    .await?;
                Ok(format!("{}/{name}", server_base()))
            }
        }
    }

    async fn drop_copy(&self, k: usize, url: &str) {
        match self.backend {
            Backend::Sqlite => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{url}{suffix}"));
                }
            }
            Backend::Postgres => {
                let name = format!("dixian_test_{}_crash_{k}", std::process::id());
                if let Some(admin) = &self.admin {
                    let _ = admin
                        .execute(dixian_store::db::q(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .await;
                }
            }
        }
    }
}

fn server_base() -> String {
    let s = dixian_store::testing::pg_server();
    s.rsplit_once('/').map_or(s.clone(), |(b, _)| b.to_string())
}
