//! The server's configuration: a TOML file (`--config`, `DIXIAN_CONFIG`)
//! under the command line and the environment, checked whole at start —
//! an unknown key, a value out of range or a bad address stops the start
//! with the file, line and column, before anything listens.
//!
//! These are operational settings (ports, limits of the machine, login
//! throttling); policy numbers — lines, thresholds, time limits — live in
//! the rule sets, never here.
//!
//! ```toml
//! [server]
//! bind = "127.0.0.1:8080"
//! public_origin = "https://dixian.example.gov.cn"   # behind a TLS proxy
//! secure_cookies = true
//!
//! [uploads]
//! max_mib = 256          # largest department file accepted
//! concurrent = 2         # files parsed at once (each held in memory)
//! attachment_max_mib = 10  # largest file attached to a case (photo, scan, PDF)
//!
//! [exports]
//! max_rows = 20000       # most rows of a list downloaded as Excel (a longer list: narrow the filter)
//!
//! [login]
//! account_failures = 5   # failed logins of one account that lock it
//! address_failures = 20  # failed logins from one address that lock it (0: off, e.g. behind a proxy)
//! window_minutes = 15
//! lockout_minutes = 15
//!
//! [screening]
//! threads = 2            # worker threads of a screening pass (default: the machine's cores)
//!
//! [log]
//! format = "json"        # or "text"
//! ```

use anyhow::{Context, bail};
use serde::Deserialize;
use std::path::Path;

/// The whole file; every part optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Listening and origins.
    #[serde(default)]
    pub server: ServerConfig,
    /// Upload limits.
    #[serde(default)]
    pub uploads: UploadConfig,
    /// List downloads.
    #[serde(default)]
    pub exports: ExportConfig,
    /// Login throttling.
    #[serde(default)]
    pub login: LoginConfig,
    /// Screening passes.
    #[serde(default)]
    pub screening: ScreeningConfig,
    /// Logging.
    #[serde(default)]
    pub log: LogConfig,
}

/// `[screening]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreeningConfig {
    /// Worker threads of a pass.
    pub threads: Option<usize>,
}

/// The machine's cores: the default number of worker threads for every
/// command and for the server (asked here once).
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `[server]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    pub bind: Option<String>,
    /// The origin browsers use behind a reverse proxy.
    pub public_origin: Option<String>,
    /// Cookies only over HTTPS.
    pub secure_cookies: Option<bool>,
}

/// `[uploads]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadConfig {
    /// Largest upload, MiB.
    pub max_mib: Option<u64>,
    /// Uploads parsed at once.
    pub concurrent: Option<usize>,
    /// Largest case attachment, MiB (default 10).
    pub attachment_max_mib: Option<u64>,
}

/// `[exports]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportConfig {
    /// Most rows of one list workbook.
    pub max_rows: Option<u64>,
}

/// `[login]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginConfig {
    /// Failures of one account that lock it.
    pub account_failures: Option<u32>,
    /// Failures from one address that lock it (0: off).
    pub address_failures: Option<u32>,
    /// The window failures are counted in, minutes.
    pub window_minutes: Option<i64>,
    /// How long a lock lasts, minutes.
    pub lockout_minutes: Option<i64>,
}

/// `[log]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// `text` (default) or `json`.
    pub format: Option<LogFormat>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line (for a log collector).
    Json,
}

impl Config {
    /// Reads and checks `path`; errors name the file, line and column.
    pub fn load(path: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the configuration {}", path.display()))?;
        Config::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    /// Parses and checks the text of a configuration file.
    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|s| line_col(text, s.start));
            match at {
                Some((l, c)) => format!("line {l}, column {c}: {}", e.message()),
                None => e.message().to_string(),
            }
        })?;
        config.check().map_err(|e| e.to_string())?;
        Ok(config)
    }

    /// Ranges a running server can live with.
    fn check(&self) -> anyhow::Result<()> {
        if let Some(b) = &self.server.bind
            && b.parse::<std::net::SocketAddr>().is_err()
        {
            bail!("[server] bind = {b:?} is not an address such as 127.0.0.1:8080 (监听地址无效)");
        }
        if let Some(o) = &self.server.public_origin {
            dixian_web::WebSecurity::new(Some(o), false)
                .map_err(|e| anyhow::anyhow!("[server] public_origin: {e}"))?;
        }
        if let Some(m) = self.uploads.max_mib
            && !(1..=4096).contains(&m)
        {
            bail!("[uploads] max_mib = {m} is outside 1..=4096 (上传上限应在1至4096 MiB之间)");
        }
        if let Some(m) = self.uploads.attachment_max_mib
            && !(1..=256).contains(&m)
        {
            bail!(
                "[uploads] attachment_max_mib = {m} is outside 1..=256 (附件上限应在1至256 MiB之间)"
            );
        }
        if let Some(c) = self.uploads.concurrent
            && !(1..=64).contains(&c)
        {
            bail!("[uploads] concurrent = {c} is outside 1..=64");
        }
        if let Some(n) = self.exports.max_rows
            && !(1..=1_000_000).contains(&n)
        {
            bail!(
                "[exports] max_rows = {n} is outside 1..=1000000 (导出行数上限应在1至1000000之间)"
            );
        }
        if let Some(n) = self.login.account_failures
            && !(1..=100).contains(&n)
        {
            bail!(
                "[login] account_failures = {n} is outside 1..=100 (an account lock cannot be switched off)"
            );
        }
        if let Some(n) = self.login.address_failures
            && n > 10_000
        {
            bail!("[login] address_failures = {n} is above 10000");
        }
        if let Some(t) = self.screening.threads
            && !(1..=256).contains(&t)
        {
            bail!("[screening] threads = {t} is outside 1..=256");
        }
        for (name, v) in [
            ("window_minutes", self.login.window_minutes),
            ("lockout_minutes", self.login.lockout_minutes),
        ] {
            if let Some(m) = v
                && !(1..=1440).contains(&m)
            {
                bail!("[login] {name} = {m} is outside 1..=1440");
            }
        }
        Ok(())
    }

    /// The login limits: the file's values over the defaults.
    pub fn login_limits(&self) -> dixian_web::login::LoginLimits {
        let d = dixian_web::login::LoginLimits::default();
        let l = &self.login;
        dixian_web::login::LoginLimits {
            account_failures: l.account_failures.unwrap_or(d.account_failures),
            address_failures: l.address_failures.unwrap_or(d.address_failures),
            window: l.window_minutes.map_or(d.window, chrono::Duration::minutes),
            lockout: l
                .lockout_minutes
                .map_or(d.lockout, chrono::Duration::minutes),
        }
    }

    /// Worker threads of a screening pass: the file's value or the cores.
    pub fn threads(&self) -> usize {
        self.screening.threads.unwrap_or_else(default_threads)
    }

    /// The most rows of a list workbook: the file's value or the default.
    pub fn export_rows(&self) -> u64 {
        self.exports
            .max_rows
            .unwrap_or(dixian_app::exports::DEFAULT_MAX_ROWS)
    }

    /// The upload limits (bytes, concurrent): the file's values over the defaults.
    pub fn upload_limits(&self) -> (usize, usize) {
        (
            self.uploads
                .max_mib
                .map_or(dixian_web::DEFAULT_MAX_UPLOAD, |m| m as usize * 1024 * 1024),
            self.uploads
                .concurrent
                .unwrap_or(dixian_web::DEFAULT_CONCURRENT_UPLOADS),
        )
    }
}

impl Config {
    /// The largest case attachment, bytes: the file's value or 10 MiB.
    pub fn attachment_max(&self) -> usize {
        self.uploads
            .attachment_max_mib
            .map_or(dixian_web::DEFAULT_ATTACHMENT_MAX, |m| {
                m as usize * 1024 * 1024
            })
    }
}

/// 1-based line and column of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_file_is_read() {
        let c = Config::parse(
            "[server]\nbind = \"0.0.0.0:9000\"\npublic_origin = \"https://d.example.gov.cn\"\n\
             [uploads]\nmax_mib = 64\nconcurrent = 3\n[login]\naccount_failures = 3\naddress_failures = 0\n\
             window_minutes = 10\nlockout_minutes = 30\n[log]\nformat = \"json\"\n",
        )
        .unwrap();
        assert_eq!(c.upload_limits(), (64 * 1024 * 1024, 3));
        let l = c.login_limits();
        assert_eq!((l.account_failures, l.address_failures), (3, 0));
        assert_eq!(l.lockout, chrono::Duration::minutes(30));
        assert_eq!(c.log.format, Some(LogFormat::Json));
        let empty = Config::parse("").unwrap();
        assert_eq!(
            empty.login_limits(),
            dixian_web::login::LoginLimits::default()
        );
    }

    #[test]
    fn the_export_cap_is_read_and_checked() {
        assert_eq!(Config::parse("").unwrap().export_rows(), 20_000);
        let c = Config::parse("[exports]\nmax_rows = 500\n").unwrap();
        assert_eq!(c.export_rows(), 500);
        let e = Config::parse("[exports]\nmax_rows = 0\n").unwrap_err();
        assert!(e.contains("max_rows"), "{e}");
        let e = Config::parse("[exports]\nmax_row = 5\n").unwrap_err();
        assert!(e.contains("max_row"), "{e}");
    }

    #[test]
    fn mistakes_are_refused_with_their_place() {
        let e = Config::parse("[server]\nbind = \"127.0.0.1:8080\"\nbnid = \"x\"\n").unwrap_err();
        assert!(e.contains("line 3, column 1") && e.contains("bnid"), "{e}");
        let e = Config::parse("[uploads]\nmax_mib = \"lots\"\n").unwrap_err();
        assert!(e.contains("line 2"), "{e}");
        let e = Config::parse("[uploads]\nmax_mib = 0\n").unwrap_err();
        assert!(e.contains("max_mib"), "{e}");
        let e = Config::parse("[login]\naccount_failures = 0\n").unwrap_err();
        assert!(e.contains("account_failures"), "{e}");
        let e = Config::parse("[server]\nbind = \"localhost\"\n").unwrap_err();
        assert!(e.contains("bind"), "{e}");
        let e = Config::parse("[server]\npublic_origin = \"ftp://x\"\n").unwrap_err();
        assert!(e.contains("public_origin"), "{e}");
        let e = Config::parse("[log]\nformat = \"xml\"\n").unwrap_err();
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn the_attachment_limit_defaults_to_ten_mib() {
        assert_eq!(
            Config::parse("").unwrap().attachment_max(),
            10 * 1024 * 1024
        );
        let c = Config::parse("[uploads]\nattachment_max_mib = 3\n").unwrap();
        assert_eq!(c.attachment_max(), 3 * 1024 * 1024);
        let e = Config::parse("[uploads]\nattachment_max_mib = 0\n").unwrap_err();
        assert!(e.contains("attachment_max_mib"), "{e}");
    }
}
