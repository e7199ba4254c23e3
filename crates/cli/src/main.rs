//! The `dixian` binary: parses arguments and calls the library crates.

mod bench;
mod commands;
mod config;
mod demo;
mod progress;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// dixian (底线): 常态化防止返贫致贫监测帮扶 — rural household monitoring
/// and assistance.
#[derive(Parser)]
#[command(name = "dixian", version, about, long_about = None)]
struct Cli {
    /// Database: a SQLite file path, or a postgres:// URL.
    #[arg(long, global = true, env = "DATABASE_URL", default_value = "dixian.db")]
    database: String,
    /// Log lines as text (default) or JSON objects (for a log collector);
    /// overrides `[log] format` of the server's configuration file.
    #[arg(long, global = true, env = "DIXIAN_LOG_FORMAT", value_enum)]
    log_format: Option<config::LogFormat>,
    /// The audit chain's key file (HMAC-SHA256), kept outside the database;
    /// `migrate` creates it when missing (mode 0600). Without it the chain
    /// is unkeyed. The demo's default: next to its database.
    #[arg(
        long,
        global = true,
        env = "DIXIAN_AUDIT_KEY_FILE",
        value_name = "FILE"
    )]
    audit_key_file: Option<PathBuf>,
    /// The data key file (AES-256-GCM and HMAC-SHA256 of ID numbers and
    /// phones), kept outside the database; `migrate` creates it when
    /// missing (mode 0600) and encrypts the database's personal data with
    /// it. Without it ID numbers, phones and feed rows are stored in clear.
    #[arg(long, global = true, env = "DIXIAN_DATA_KEY_FILE", value_name = "FILE")]
    data_key_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create (if absent) a demo database for county 520526 with synthetic households, then serve it.
    Demo {
        /// SQLite file of the demo.
        #[arg(long, default_value = "dixian-demo.db")]
        db: PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: String,
        /// Households to generate when the database is created.
        #[arg(long, default_value_t = 30_000)]
        households: u64,
        /// Folder of the division files.
        #[arg(long, default_value = demo::DEFAULT_DIVISIONS)]
        divisions: PathBuf,
    },
    /// Serve the web pages and the API.
    Serve {
        /// Configuration file (TOML: [server], [uploads], [login], [log]; see
        /// docs/operations.md), checked whole at start. Flags and environment
        /// variables override it.
        #[arg(long, env = "DIXIAN_CONFIG")]
        config: Option<PathBuf>,
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long, env = "DIXIAN_BIND")]
        bind: Option<String>,
        /// The origin browsers use when a reverse proxy sits in front
        /// (e.g. https://dixian.example.gov.cn): page forms from it are
        /// accepted; an https origin makes cookies Secure.
        #[arg(long, env = "DIXIAN_PUBLIC_ORIGIN")]
        public_origin: Option<String>,
        /// Mark cookies Secure (sent over HTTPS only).
        #[arg(long, env = "DIXIAN_SECURE_COOKIES")]
        secure_cookies: bool,
    },
    /// Apply pending database migrations; create the audit key file when one is configured and missing.
    Migrate,
    /// Administrative divisions.
    #[command(subcommand)]
    Regions(RegionsCmd),
    /// The household registry.
    #[command(subcommand)]
    Households(HouseholdsCmd),
    /// Users and roles; the audit chain (verify, anchor).
    #[command(subcommand)]
    Admin(AdminCmd),
    /// Monitoring cases (监测案件): overdue lists, notices, inboxes.
    #[command(subcommand)]
    Cases(CasesCmd),
    /// Department data feeds (部门数据).
    #[command(subcommand)]
    Feeds(FeedsCmd),
    /// Data exchange with the civil-affairs platform and other systems (数据交换, dixian-exchange/1; docs/exchange.md).
    #[command(subcommand)]
    Exchange(ExchangeCmd),
    /// Assistance measures (帮扶措施): department and bank lists.
    #[command(subcommand)]
    Measures(MeasuresCmd),
    /// Rule sets (规则集): monitoring lines, thresholds, workflow limits.
    #[command(subcommand)]
    Rules(RulesCmd),
    /// The screening pass (部门筛查) over the stored department feeds.
    #[command(subcommand)]
    Screen(ScreenCmd),
    /// Warnings (预警) raised by screening.
    #[command(subcommand)]
    Warnings(WarningsCmd),
    /// The figures leaders read (统计): counters per village and month (docs/figures.md).
    #[command(subcommand)]
    Stats(StatsCmd),
    /// Early alerts of 规模性返贫: places hit by one shock above their usual level.
    #[command(subcommand)]
    Alerts(AlertsCmd),
    /// National roll-up (全国汇总, PostgreSQL): provinces' figures read through postgres_fdw, no personal data (docs/scale.md).
    #[command(subcommand)]
    National(NationalCmd),
    /// Key assistance counties (乡村振兴重点帮扶县): load a list, list them.
    #[command(subcommand, name = "key-counties")]
    KeyCounties(KeyCountiesCmd),
    /// Back up the database while it runs: one consistent snapshot into a portable gzip'd file (SQLite or PostgreSQL).
    ///
    /// The file holds a header (format, migration, time, tables, row
    /// counts), every table's rows and a SHA-256 over the content; it is
    /// written as FILE.partial and renamed when complete. It restores into
    /// either backend. The audit key file is not in it: back that up apart.
    Backup {
        /// Database to back up (default: --database / DATABASE_URL).
        #[arg(long)]
        db: Option<String>,
        /// The backup file to write (e.g. dixian-2026-01-31.backup.gz).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Restore a backup into a new, empty database (created and migrated), then check its audit chain.
    ///
    /// Refused, with nothing written, when the file's checksum or counts do
    /// not match, when it was made at another migration, or when the
    /// database already holds data. A PostgreSQL database must exist
    /// (createdb). Give the source's audit key file (--audit-key-file) to
    /// check the restored chain.
    Restore {
        /// Database to restore into (default: --database / DATABASE_URL).
        #[arg(long)]
        db: Option<String>,
        /// The backup file.
        #[arg(long = "in", value_name = "FILE")]
        input: PathBuf,
    },
    /// Synthetic data.
    #[command(subcommand)]
    Sim(SimCmd),
    /// Benchmarks that print figures.
    #[command(subcommand)]
    Bench(BenchCmd),
}

#[derive(Subcommand)]
enum RegionsCmd {
    /// Import the division table (provinces … villages) from a folder of .csv.gz files.
    Import {
        /// Folder with provinces.csv.gz … villages.csv.gz.
        dir: PathBuf,
        /// Import only this region (and its ancestors).
        #[arg(long)]
        only: Option<String>,
    },
}

#[derive(Subcommand)]
enum HouseholdsCmd {
    /// Import a household file (CSV or XLSX, Chinese or English headers); all or nothing.
    Import {
        /// The file.
        file: PathBuf,
        /// Region the import is for (default: the county of the first household).
        #[arg(long)]
        region: Option<String>,
        /// Check only; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// When the file has problems, also write them as a workbook
        /// (line, column, field, reason; at most 20000 rows).
        #[arg(long, value_name = "FILE.xlsx")]
        report: Option<PathBuf>,
    },
    /// Export the households of a region: full ID numbers, phones and
    /// names, so a reason is required and the export is audited.
    Export {
        /// Region code (any level).
        #[arg(long)]
        region: String,
        /// csv or xlsx.
        #[arg(long, default_value = "xlsx")]
        format: String,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
        /// English headers instead of Chinese.
        #[arg(long)]
        english: bool,
        /// Why the personal data leaves the system (required; kept in the
        /// audit trail with the region and the row count).
        #[arg(long)]
        reason: Option<String>,
    },
}

#[derive(Subcommand)]
enum AdminCmd {
    /// Create a user.
    CreateUser {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// village_cadre, township_reviewer, county_admin, data_officer or viewer.
        #[arg(long)]
        role: String,
        /// Region code of the user's responsibility.
        #[arg(long)]
        region: String,
        /// Password (at least 8 characters with three of lower-case,
        /// upper-case, digits and symbols, or at least 12 characters); read
        /// from DIXIAN_PASSWORD when absent.
        #[arg(long, env = "DIXIAN_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// List every account: username, role, region, active, last login.
    ListUsers,
    /// Deactivate an account (停用): it can no longer log in, and its
    /// sessions end at once.
    DeactivateUser {
        /// Login name.
        #[arg(long)]
        username: String,
    },
    /// Reactivate a deactivated account (启用); the user logs in again.
    ActivateUser {
        /// Login name.
        #[arg(long)]
        username: String,
    },
    /// Set a new password for an account (重置密码); its sessions end.
    ResetPassword {
        /// Login name.
        #[arg(long)]
        username: String,
        /// The new password (the rule of create-user); read from
        /// DIXIAN_PASSWORD when absent.
        #[arg(long, env = "DIXIAN_PASSWORD", hide_env_values = true)]
        password: String,
    },
    /// Encrypt the ID numbers, phones and feed rows stored in clear with the data key
    /// (`--data-key-file`, created when missing), all in one audited
    /// transaction; `migrate` with a data key does the same.
    EncryptData,
    /// Check the audit chain: edits, deletions (also of the newest records), gaps, reordering, keys; prints the head.
    VerifyAudit {
        /// Also check that every head anchored in this file (`audit-anchor`) is still in the chain.
        #[arg(long, value_name = "FILE")]
        anchor: Option<PathBuf>,
    },
    /// Check the audit chain, then append its head (time seq hash) to an anchor file kept outside the database.
    ///
    /// Run it daily (cron) and keep the file on another host or write-once
    /// storage; `verify-audit --anchor FILE` then catches a rollback or a
    /// rewritten chain even by someone holding the key.
    AuditAnchor {
        /// The anchor file (appended to; created when missing).
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum CasesCmd {
    /// Overdue cases per township, with the level each is escalated to.
    Overdue {
        /// Region (county, township or village code).
        #[arg(long, default_value = "520526")]
        region: String,
        /// Print the list as JSON (the API's `/api/v1/cases/overdue` shape).
        #[arg(long)]
        json: bool,
    },
    /// The households of a village on notice (公示) now.
    Notice {
        /// 12-digit village code.
        #[arg(long)]
        village: String,
        /// Also write the notice as an Excel workbook (the printed columns).
        #[arg(long, value_name = "FILE")]
        xlsx: Option<std::path::PathBuf>,
    },
    /// What waits on a user (their inbox).
    Inbox {
        /// Username.
        #[arg(long)]
        user: String,
    },
    /// Bring the county's list of households it monitored before dixian
    /// (存量监测对象) straight into the monitored stage: CSV (UTF-8 or
    /// GB18030) or XLSX with columns 户编号, 监测对象类别, 风险类型 (several
    /// separated by 、), 认定日期. One bad line imports nothing.
    Migrate {
        /// The list file.
        file: PathBuf,
        /// The county (6-digit code) the list belongs to.
        #[arg(long, default_value = "520526")]
        region: String,
        /// Where the list comes from (kept with each case's first event).
        #[arg(long, default_value = "县存量监测对象名单")]
        note: String,
    },
}

#[derive(Subcommand)]
enum ExchangeCmd {
    /// Write a region's households, warnings and measures as dixian-exchange/1 packages, one file per page (TYPE-0001.json …).
    ///
    /// The files hold full ID numbers (the partner matches on them): keep
    /// and send them as the data-sharing agreement says. Each page written
    /// is audited (type, region, rows).
    Export {
        /// Region (your county or a part of it).
        #[arg(long)]
        region: String,
        /// Only records changed at or after: a day (China time) or an RFC 3339 moment.
        #[arg(long)]
        since: Option<String>,
        /// Folder to write into (created).
        #[arg(long)]
        out: PathBuf,
        /// Write CSV (UTF-8 with header, one file per type and page) instead of JSON.
        #[arg(long)]
        csv: bool,
        /// Only these types (households, warnings, measures; default all).
        #[arg(long = "type", value_delimiter = ',')]
        types: Vec<String>,
        /// Records per file (1–1000).
        #[arg(long, default_value_t = 1000)]
        page_size: i64,
    },
    /// Receive packages (JSON, or CSV of households or measures): each all or nothing, the same package twice changes nothing.
    ///
    /// Households are registered (a partner's category is not adopted);
    /// 民政's measures (低保, 特困, 低保边缘, 临时救助) become rows of the 民政
    /// feed and go on the persons' chains. Problems are listed by record
    /// (JSON) or line (CSV), field and reason; a rejected package writes
    /// nothing.
    Import {
        /// The package files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Region the partner sends for (the county's code).
        #[arg(long, default_value = "520526")]
        region: String,
        /// Record type of CSV files (default: from the file name, e.g. measures-0001.csv).
        #[arg(long = "type")]
        record_type: Option<String>,
        /// Format version of CSV files.
        #[arg(long, default_value = "dixian-exchange/1")]
        format: String,
    },
}

#[derive(Subcommand)]
enum FeedsCmd {
    /// Import a department's file (CSV UTF-8/GB18030 or XLSX, Chinese or English headers) as one batch.
    Import {
        /// medical, disability, assistance, education, housing, employment, disaster, vital, assets or water.
        #[arg(long)]
        kind: String,
        /// The file.
        file: PathBuf,
        /// Region the data is for (the county office's code).
        #[arg(long, default_value = "520526")]
        region: String,
        /// Keep the good rows when some are bad (default: reject the batch).
        #[arg(long)]
        load_good_rows: bool,
        /// Write the bad rows to this CSV (opens in Excel).
        #[arg(long)]
        report: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum MeasuresCmd {
    /// Import a department's or bank's measure list (CSV UTF-8/GB18030 or XLSX, one row per person-measure) as one batch: all rows or none.
    ///
    /// Headers in Chinese with the usual aliases: 身份证号/证件号码, 姓名,
    /// 措施类型/项目, 金额, 开始日期/发放日期, 结束日期/到期日, 部门,
    /// 凭证号/流水号, 状态. Every row is checked against the catalogue
    /// (limits, terms, eligibility) and the person's household; every bad
    /// row is reported with its line and column, and nothing is written.
    /// Persons not registered in the region are counted, not refused. The
    /// same file twice is a no-op.
    Import {
        /// The list.
        file: PathBuf,
        /// Check with this measure catalogue (TOML: `[assistance]` and
        /// `[[measures]]`) instead of the rule sets in force in the store
        /// (the default: the county's adopted catalogue).
        #[arg(long)]
        catalogue: Option<PathBuf>,
        /// The kind of every row, when the file has no 措施类型 column (e.g. small_loan, 小额信贷).
        #[arg(long)]
        kind: Option<String>,
        /// The department of every row, when the file has no 部门 column (e.g. bank, 人社).
        #[arg(long)]
        department: Option<String>,
        /// Region the list is for (the county office's code).
        #[arg(long, default_value = "520526")]
        region: String,
        /// Write the bad rows to this CSV (opens in Excel).
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// 救助链检查: the chain report of a region (every household with a measure or a monitored case).
    ///
    /// The checks of the report page and API: exclusive measures
    /// overlapping, one benefit from two sources (double payment), no
    /// measure in time after identification, a member able to work without
    /// a development measure, a small loan past its term; each finding with
    /// its rule and evidence. ID numbers masked.
    Report {
        /// The region: a county, township or village code.
        #[arg(long, default_value = "520526")]
        region: String,
        /// Only rows with a finding of this rule (double_payment, exclusive_overlap, no_measure_in_time, worker_without_development, loan_past_term, subsidy_without_loan, or its 中文 name).
        #[arg(long)]
        rule: Option<String>,
        /// Only rows with a finding.
        #[arg(long)]
        findings_only: bool,
        /// Print JSON instead of the table.
        #[arg(long)]
        json: bool,
        /// Write every row to this workbook (Chinese headers).
        #[arg(long)]
        xlsx: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum RulesCmd {
    /// Validate rule files; every error names file, line and column.
    Check {
        /// One or more .toml rule files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Adopt rule files as new versions (checked with the whole book, audited; history kept).
    Add {
        /// One or more .toml rule files; each `version` must be above the one in force.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Region the change is recorded for in the audit trail.
        #[arg(long, default_value = "520526")]
        region: String,
    },
    /// The rule sets in force (or every version with --history).
    List {
        /// Every version ever adopted.
        #[arg(long)]
        history: bool,
    },
    /// Replay stored feeds under a draft rule set: warnings by township and risk type, against the rules in force.
    Whatif {
        /// The draft .toml rule file (treated as in force over the period).
        file: PathBuf,
        /// First day of the period (YYYY-MM-DD).
        #[arg(long)]
        from: chrono::NaiveDate,
        /// Last day of the period (YYYY-MM-DD).
        #[arg(long)]
        to: chrono::NaiveDate,
        /// Region whose feeds are replayed.
        #[arg(long, default_value = "520526")]
        region: String,
    },
}

#[derive(Subcommand)]
enum ScreenCmd {
    /// Screen the feed rows stored since the last run (and the 12-month window) and store new warnings.
    Run {
        /// Windows end on this day (default: today, China time).
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
        /// Region to screen (a county code).
        #[arg(long, default_value = "520526")]
        region: String,
    },
}

#[derive(Subcommand)]
enum StatsCmd {
    /// Recount every village's counters from scratch (after a restore, a rule change, or to check).
    Rebuild,
    /// Recount the villages whose rows changed since they were counted (what a figures read does first; run it from cron so the national roll-up reads current counters).
    Refresh,
    /// Print a region's figures, a line per child region (the columns of the report sent upward).
    Show {
        /// Region (province … village code).
        #[arg(long, default_value = "520526")]
        region: String,
        /// First month (YYYY-MM; default: eleven months before --to).
        #[arg(long)]
        from: Option<String>,
        /// Last month (YYYY-MM; default: this month).
        #[arg(long)]
        to: Option<String>,
    },
}

#[derive(Subcommand)]
enum NationalCmd {
    /// Attach a province's database as a partition of the national figures (replaces an earlier attachment).
    Attach {
        /// Province code (e.g. 52).
        #[arg(long)]
        province: String,
        /// The province's database: postgres://user[:password]@host[:port]/dbname.
        #[arg(long, env = "DIXIAN_NATIONAL_SOURCE", hide_env_values = true)]
        source: String,
    },
    /// Detach a province.
    Detach {
        /// Province code.
        #[arg(long)]
        province: String,
    },
    /// List the provinces attached.
    List,
    /// Print the national figures, a line per province (or, with --province, per county).
    Show {
        /// One province, by county.
        #[arg(long)]
        province: Option<String>,
        /// First month (YYYY-MM; default: eleven months before --to).
        #[arg(long)]
        from: Option<String>,
        /// Last month (YYYY-MM; default: this month).
        #[arg(long)]
        to: Option<String>,
    },
}

#[derive(Subcommand)]
enum KeyCountiesCmd {
    /// Load a list file (CSV or XLSX; columns code, level, year, optional name): checked whole, stored all or nothing; for each level and year in the file, the file is the list.
    Import {
        /// The file.
        file: std::path::PathBuf,
    },
    /// Print every county of every list (those taken off included).
    List,
}

#[derive(Subcommand)]
enum AlertsCmd {
    /// Run the detector over the region's warnings, leads and cases and store new alerts (also run after `screen run`).
    Run {
        /// The window ends on this day (default: today, China time).
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
        /// Region to look at (a county code).
        #[arg(long, default_value = "520526")]
        region: String,
    },
    /// List alerts, most severe first.
    List {
        /// Region (county, township or village code).
        #[arg(long, default_value = "520526")]
        region: String,
        /// village, township or county.
        #[arg(long)]
        level: Option<String>,
        /// Risk type code or label (e.g. disaster, 因灾).
        #[arg(long)]
        risk: Option<String>,
        /// open (default), resolved or all.
        #[arg(long)]
        status: Option<String>,
    },
}

#[derive(Subcommand)]
enum WarningsCmd {
    /// List warnings, most severe and newest first.
    List {
        /// Region (county, township or village code).
        #[arg(long, default_value = "520526")]
        region: String,
        /// Risk type code or label (e.g. illness, 因病).
        #[arg(long)]
        risk: Option<String>,
        /// low, medium or high.
        #[arg(long)]
        severity: Option<String>,
        /// open (default), attached, verified, dismissed or all.
        #[arg(long)]
        status: Option<String>,
        /// Rows to show (≤ 200).
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Show one warning with its evidence rows.
    Show {
        /// Warning id.
        id: i64,
        /// Region of the county office acting.
        #[arg(long, default_value = "520526")]
        region: String,
    },
    /// Verify a warning: a lead on the department-warning channel opens (or joins) the household's case.
    Verify {
        /// Warning id.
        id: i64,
        /// What the check found (default: the rule that fired).
        #[arg(long, default_value = "")]
        note: String,
        /// Region of the county office acting.
        #[arg(long, default_value = "520526")]
        region: String,
    },
    /// Dismiss a warning with a reason (not raised again for the same evidence).
    Dismiss {
        /// Warning id.
        id: i64,
        /// Why.
        #[arg(long)]
        reason: String,
        /// Region of the county office acting.
        #[arg(long, default_value = "520526")]
        region: String,
    },
}

#[derive(Subcommand)]
enum SimCmd {
    /// Write a synthetic population of a county as a household file.
    Population {
        /// 6-digit county code.
        #[arg(long)]
        county: String,
        /// Number of households.
        #[arg(long, default_value_t = 30_000)]
        households: u64,
        /// Random seed (same seed, same file).
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Output folder (households.csv is written there).
        #[arg(long)]
        out: PathBuf,
        /// Folder of the division files.
        #[arg(long, default_value = demo::DEFAULT_DIVISIONS)]
        divisions: PathBuf,
    },
    /// Write synthetic department feeds (部门数据) for that population, with planted shocks, noise and a manifest.
    Feeds(commands::sim::FeedsArgs),
}

#[derive(Subcommand)]
enum BenchCmd {
    /// Import the full division table and a synthetic household file into a fresh database; print rows/second.
    Import {
        /// Persons to generate (approximately).
        #[arg(long, default_value_t = 1_000_000)]
        persons: u64,
        /// County whose villages hold the households.
        #[arg(long, default_value = "520526")]
        county: String,
        /// Folder of the division files.
        #[arg(long, default_value = demo::DEFAULT_DIVISIONS)]
        divisions: PathBuf,
        /// Working folder (default: a temporary one).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Use a fresh PostgreSQL database on the server of DIXIAN_TEST_PG
        /// (default postgres://postgres@127.0.0.1:5432/postgres) instead of SQLite.
        #[arg(long)]
        postgres: bool,
    },
    /// Screen a synthetic province (30 M persons, 10 M 医保 rows) and compare with DuckDB running the same rules as SQL.
    Screening(bench::screening::Args),
    /// A county's whole screening flow through the store: register, load ten feeds, screen, re-run.
    Flow(bench::flow::Args),
    /// Reliability figures through the server and commands: concurrent edits, login guessing, malformed requests, imports killed mid-way.
    Trust(bench::trust::Args),
    /// The figures' API through the server over a synthetic county: p50/p95/p99 of the county and province answers under 1, 20 and 50 clients; the full recount.
    Stats(bench::stats::Args),
    /// The county-wide pages (/warnings, /regions/{county}, /inbox, /api/v1/warnings) through the server over a screened synthetic county: p50/p95/p99 under 1 and 20 clients.
    Pages(bench::pages::Args),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // The server's file is read before logging starts: its `[log] format`
    // applies, and a broken file stops the start here, with its place.
    // Read once; `serve` takes it from here.
    let file = match &cli.command {
        Command::Serve {
            config: Some(path), ..
        } => match config::Config::load(path) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: {e:#}");
                return std::process::ExitCode::FAILURE;
            }
        },
        _ => config::Config::default(),
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn".into());
    match cli
        .log_format
        .or(file.log.format)
        .unwrap_or(config::LogFormat::Text)
    {
        config::LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init(),
        config::LogFormat::Text => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init(),
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli, file)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Runs the command; `file` is the server's configuration file, read by
/// `main` (empty for other commands).
async fn run(cli: Cli, file: config::Config) -> anyhow::Result<()> {
    use commands::*;
    let db = &Db {
        url: cli.database,
        audit_key_file: cli.audit_key_file,
        data_key_file: cli.data_key_file,
    };
    match cli.command {
        Command::Demo {
            db: file,
            bind,
            households,
            divisions,
        } => {
            demo::run(
                &file,
                db.audit_key_file.clone(),
                &bind,
                households,
                &divisions,
            )
            .await
        }
        Command::Serve {
            config: _,
            bind,
            public_origin,
            secure_cookies,
        } => {
            let bind = bind
                .or(file.server.bind.clone())
                .unwrap_or_else(|| "127.0.0.1:8080".to_string());
            let origin = public_origin.or(file.server.public_origin.clone());
            let secure = secure_cookies || file.server.secure_cookies.unwrap_or(false);
            let security = dixian_web::WebSecurity::new(origin.as_deref(), secure)?;
            serve(db, &bind, security, &file).await
        }
        Command::Migrate => migrate(db).await,
        Command::Regions(RegionsCmd::Import { dir, only }) => {
            registry::regions_import(db, &dir, only.as_deref()).await
        }
        Command::Households(HouseholdsCmd::Import {
            file,
            region,
            dry_run,
            report,
        }) => {
            registry::households_import(db, &file, region.as_deref(), dry_run, report.as_deref())
                .await
        }
        Command::Households(HouseholdsCmd::Export {
            region,
            format,
            out,
            english,
            reason,
        }) => {
            registry::households_export(db, &region, &format, &out, english, reason.as_deref())
                .await
        }
        Command::Admin(AdminCmd::CreateUser {
            username,
            name,
            role,
            region,
            password,
        }) => accounts::create_user(db, &username, &name, &role, &region, &password).await,
        Command::Admin(AdminCmd::ListUsers) => accounts::list_users(db).await,
        Command::Admin(AdminCmd::DeactivateUser { username }) => {
            accounts::set_user_active(db, &username, false).await
        }
        Command::Admin(AdminCmd::ActivateUser { username }) => {
            accounts::set_user_active(db, &username, true).await
        }
        Command::Admin(AdminCmd::ResetPassword { username, password }) => {
            accounts::reset_password(db, &username, &password).await
        }
        Command::Admin(AdminCmd::EncryptData) => encrypt_data(db).await,
        Command::Admin(AdminCmd::VerifyAudit { anchor }) => {
            commands::trust::verify_audit(db, anchor.as_deref()).await
        }
        Command::Admin(AdminCmd::AuditAnchor { file }) => {
            commands::trust::audit_anchor(db, &file).await
        }
        Command::Cases(CasesCmd::Overdue { region, json }) => {
            commands::cases::overdue(db, &region, json).await
        }
        Command::Cases(CasesCmd::Notice { village, xlsx }) => {
            commands::cases::notice(db, &village, xlsx.as_deref()).await
        }
        Command::Cases(CasesCmd::Inbox { user }) => commands::cases::inbox(db, &user).await,
        Command::Cases(CasesCmd::Migrate { file, region, note }) => {
            commands::migrate::migrate(db, &file, &region, &note).await
        }
        Command::Exchange(ExchangeCmd::Export {
            region,
            since,
            out,
            csv,
            types,
            page_size,
        }) => {
            commands::exchange::export(db, &region, since.as_deref(), &out, csv, &types, page_size)
                .await
        }
        Command::Exchange(ExchangeCmd::Import {
            files,
            region,
            record_type,
            format,
        }) => {
            commands::exchange::import(db, &files, &region, record_type.as_deref(), &format).await
        }
        Command::Feeds(FeedsCmd::Import {
            kind,
            file,
            region,
            load_good_rows,
            report,
        }) => {
            commands::feeds::feeds_import(
                db,
                &kind,
                &file,
                &region,
                load_good_rows,
                report.as_deref(),
            )
            .await
        }
        Command::Measures(MeasuresCmd::Import {
            file,
            catalogue,
            kind,
            department,
            region,
            report,
        }) => {
            let args = commands::measures::ImportArgs {
                catalogue: catalogue.as_deref(),
                kind: kind.as_deref(),
                department: department.as_deref(),
                region: &region,
                report: report.as_deref(),
            };
            commands::measures::measures_import(db, &file, args).await
        }
        Command::Measures(MeasuresCmd::Report {
            region,
            rule,
            findings_only,
            json,
            xlsx,
        }) => {
            let args = commands::measures::ReportArgs {
                region: &region,
                rule: rule.as_deref(),
                findings_only,
                json,
                xlsx: xlsx.as_deref(),
            };
            commands::measures::measures_report(db, args).await
        }
        Command::Rules(RulesCmd::Check { files }) => commands::rules::rules_check(&files),
        Command::Rules(RulesCmd::Add { files, region }) => {
            commands::rules::rules_add(db, &region, &files).await
        }
        Command::Rules(RulesCmd::List { history }) => {
            commands::rules::rules_list(db, history).await
        }
        Command::Rules(RulesCmd::Whatif {
            file,
            from,
            to,
            region,
        }) => commands::rules::rules_whatif(db, &region, &file, from, to).await,
        Command::KeyCounties(KeyCountiesCmd::Import { file }) => {
            commands::key_counties::import(db, &file).await
        }
        Command::KeyCounties(KeyCountiesCmd::List) => commands::key_counties::list(db).await,
        Command::Stats(StatsCmd::Rebuild) => commands::stats::rebuild(db).await,
        Command::Stats(StatsCmd::Refresh) => commands::stats::refresh(db).await,
        Command::National(NationalCmd::Attach { province, source }) => {
            commands::stats::national_attach(db, &province, &source).await
        }
        Command::National(NationalCmd::Detach { province }) => {
            commands::stats::national_detach(db, &province).await
        }
        Command::National(NationalCmd::List) => commands::stats::national_list(db).await,
        Command::National(NationalCmd::Show { province, from, to }) => {
            commands::stats::national_show(db, province.as_deref(), from, to).await
        }
        Command::Stats(StatsCmd::Show { region, from, to }) => {
            commands::stats::show(db, &region, from, to).await
        }
        Command::Screen(ScreenCmd::Run { as_of, region }) => {
            commands::screening::screen_run(db, &region, as_of).await
        }
        Command::Alerts(AlertsCmd::Run { as_of, region }) => {
            commands::alerts::run(db, &region, as_of).await
        }
        Command::Alerts(AlertsCmd::List {
            region,
            level,
            risk,
            status,
        }) => {
            let filter = dixian_store::alerts::AlertFilter {
                region: None,
                level,
                risk,
                status,
            };
            commands::alerts::list(db, &region, filter).await
        }
        Command::Warnings(WarningsCmd::List {
            region,
            risk,
            severity,
            status,
            limit,
        }) => {
            let filter = dixian_store::warnings::WarningFilter {
                region: Some(region.clone()),
                risk,
                severity,
                status,
                page: None,
                per_page: Some(limit),
                run: None,
                after: None,
            };
            commands::screening::warnings_list(db, &region, filter).await
        }
        Command::Warnings(WarningsCmd::Show { id, region }) => {
            commands::screening::warning_show(db, &region, id).await
        }
        Command::Warnings(WarningsCmd::Verify { id, note, region }) => {
            commands::screening::warning_end(
                db,
                &region,
                id,
                commands::screening::End::Verify(&note),
            )
            .await
        }
        Command::Warnings(WarningsCmd::Dismiss { id, reason, region }) => {
            commands::screening::warning_end(
                db,
                &region,
                id,
                commands::screening::End::Dismiss(&reason),
            )
            .await
        }
        Command::Backup { db: url, out } => {
            commands::trust::backup(url.as_deref().unwrap_or(&db.url), &out).await
        }
        Command::Restore { db: url, input } => {
            let target = Db {
                url: url.unwrap_or_else(|| db.url.clone()),
                audit_key_file: db.audit_key_file.clone(),
                data_key_file: db.data_key_file.clone(),
            };
            commands::trust::restore(&target, &input).await
        }
        Command::Sim(SimCmd::Population {
            county,
            households,
            seed,
            out,
            divisions,
        }) => sim_population(&county, households, seed, &out, &divisions),
        Command::Sim(SimCmd::Feeds(args)) => commands::sim::feeds(args),
        Command::Bench(BenchCmd::Import {
            persons,
            county,
            divisions,
            dir,
            postgres,
        }) => {
            bench::import::bench_import(persons, &county, &divisions, dir.as_deref(), postgres)
                .await
        }
        Command::Bench(BenchCmd::Screening(args)) => bench::screening::run(args),
        Command::Bench(BenchCmd::Flow(args)) => bench::flow::run(args).await,
        Command::Bench(BenchCmd::Trust(args)) => bench::trust::run(args).await,
        Command::Bench(BenchCmd::Stats(args)) => bench::stats::run(args).await,
        Command::Bench(BenchCmd::Pages(args)) => bench::pages::run(args).await,
    }
}
