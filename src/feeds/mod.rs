//! Vulnerability and lifecycle feeds: OSV advisories, CISA's Known Exploited
//! Vulnerabilities catalogue and endoflife.date product data, kept in a data directory and
//! indexed for matching against a host's installed packages.
//!
//! Feeds enter through `ward feeds update` (downloads, [`update`]) or `ward feeds import`
//! (files, directories and zips, for sites without internet access, [`import`]) and are
//! stored only as the index ([`index`]): an SQLite file whose digest is checked before
//! every use; `ward feeds export` writes them as a bundle ([`bundle`]) another machine
//! imports. Matching ([`matching`]) compares installed versions with advisory ranges in the
//! package manager's own version order. A scan reads the index together with Ward's embedded
//! KEV and end-of-life snapshot ([`knowledge`]) and judges the host's software once
//! ([`assess`]), for the software checks and the report alike.

pub mod assess;
pub mod bundle;
pub mod eol;
pub mod import;
pub mod index;
pub mod kev;
pub mod knowledge;
pub mod matching;
pub mod osv;
pub mod update;

use std::path::{Path, PathBuf};

/// A feed problem, naming the file or feed concerned.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("{path}: {reason}")]
    Io { path: String, reason: String },
    #[error("{path}: {reason}")]
    Parse { path: String, reason: String },
    #[error("feed index {path}: {reason}")]
    Index { path: String, reason: String },
    #[error(
        "feed index {path} is corrupted or was changed ({reason}); remove it and its \
         index.sha256, then run `ward feeds update` or `ward feeds import` again"
    )]
    Corrupt { path: String, reason: String },
    #[error("no feed data directory: give --data-dir or set WARD_DATA_DIR (HOME is not set)")]
    NoDataDir,
}

/// The data directory: `--data-dir`, else `WARD_DATA_DIR`, else `/var/lib/ward` for root
/// and `$XDG_DATA_HOME/ward` (or `~/.local/share/ward`) for other users.
pub fn data_dir(flag: Option<&Path>) -> Result<PathBuf, FeedError> {
    if let Some(d) = flag {
        return Ok(d.to_path_buf());
    }
    if let Some(d) = std::env::var_os("WARD_DATA_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    if crate::facts::current_uid() == 0 {
        return Ok(PathBuf::from("/var/lib/ward"));
    }
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(x).join("ward"));
    }
    let home = std::env::var_os("HOME")
        .filter(|d| !d.is_empty())
        .ok_or(FeedError::NoDataDir)?;
    Ok(PathBuf::from(home).join(".local/share/ward"))
}

/// Whole days from `timestamp` (RFC 3339) to `now`; `None` when it does not parse.
pub fn age_days(timestamp: &str, now: jiff::Timestamp) -> Option<i64> {
    let t: jiff::Timestamp = timestamp.parse().ok()?;
    Some(((now.as_second() - t.as_second()) / 86_400).max(0))
}
