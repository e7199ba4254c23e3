//! Secret key files kept outside the database (the audit chain's key, the
//! data key): `name = value` lines with `#` comments, written once with
//! mode 0600 and never overwritten, refused when others can read them.

use crate::StoreError;
use std::io::Write;
use std::path::Path;

/// What a key file holds.
pub(crate) struct KeyFile {
    /// The 32-byte secret.
    pub secret: [u8; 32],
    /// The id written beside it (checked by the caller against the secret).
    pub id: Option<String>,
    /// Other settings, `(name, value)`, for the caller to read or refuse.
    pub other: Vec<(String, String)>,
}

/// Reads a key file of `kind` ("audit key", "data key"). Refuses a file
/// others can read (as ssh does): a key everyone on the server can read
/// protects nothing.
pub(crate) fn read(path: &Path, kind: &str) -> Result<KeyFile, StoreError> {
    let text = std::fs::read_to_string(path).map_err(|source| StoreError::Io {
        path: path.display().to_string(),
        source,
    })?;
    check_private(path, kind)?;
    let (mut secret, mut id, mut other) = (None, None, Vec::new());
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            return Err(bad(path, kind, "a line is not `name = value`"));
        };
        let value = value.trim().to_string();
        match name.trim() {
            "secret" => secret = Some(value),
            "id" => id = Some(value),
            name => other.push((name.to_string(), value)),
        }
    }
    let secret = secret.ok_or_else(|| bad(path, kind, "no secret"))?;
    let secret: [u8; 32] = hex::decode(&secret)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| bad(path, kind, "the secret is not 64 hex digits"))?;
    Ok(KeyFile { secret, id, other })
}

/// Writes `text` to a new file readable by its owner only (0600). Never
/// overwrites: an existing key file is a key in use.
pub(crate) fn write_new(path: &Path, text: &str) -> Result<(), StoreError> {
    let io = |source| StoreError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path).map_err(io)?;
    f.write_all(text.as_bytes()).map_err(io)?;
    f.sync_all().map_err(io)
}

/// A key file that cannot be used, and why.
pub(crate) fn bad(path: &Path, kind: &str, what: &str) -> StoreError {
    StoreError::Integrity(format!(
        "{kind} file {}: {what} (密钥文件无效)",
        path.display()
    ))
}

#[cfg(unix)]
fn check_private(path: &Path, kind: &str) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|source| StoreError::Io {
            path: path.display().to_string(),
            source,
        })?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(StoreError::Integrity(format!(
            "{kind} file {} can be read by others (mode {:o}); run `chmod 600 {}` (密钥文件权限过宽)",
            path.display(),
            mode & 0o777,
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_: &Path, _: &str) -> Result<(), StoreError> {
    Ok(())
}
