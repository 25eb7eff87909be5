//! The facts bundle: everything Ward learned about one host, as serialisable evidence.
//!
//! Collection and evaluation are separate steps. `ward collect` runs the collectors against a
//! [`HostRoot`] and writes a [`Facts`] bundle as JSON; `ward evaluate` later checks that bundle
//! against a catalogue, anywhere. So a fact must carry everything evaluation and reports need
//! (values, and the file and line each came from) and nothing that must not leave the host:
//! no password hashes, no key material, no file bodies beyond a matched line.
//!
//! Each collector's result is a [`Fact`]: either its value or the reason it could not be
//! collected. A failed collector never stops the others; the checks that needed it become
//! `error` findings with that reason.

pub mod accounts;
pub mod dpkg;
pub mod files;
pub mod keyvalue;
pub mod os_release;
pub mod sshd;
pub mod sysctl;
pub mod systemd;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::host_root::{HostRoot, ReadError};

/// Version of the facts bundle format; bumped on incompatible changes.
pub const FACTS_SCHEMA_VERSION: u32 = 1;

/// A collector's result: its value, or why it could not be collected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Fact<T> {
    /// Collected; `value` holds what was found (which may say "absent").
    Collected { value: T },
    /// Not collected. `reason` names the file and the problem.
    Error {
        reason: String,
        /// Reading was refused by the operating system; root would likely succeed.
        #[serde(default)]
        permission_denied: bool,
    },
}

impl<T> Fact<T> {
    /// The collected value, if any.
    pub fn value(&self) -> Option<&T> {
        match self {
            Fact::Collected { value } => Some(value),
            Fact::Error { .. } => None,
        }
    }

    /// A failed fact from a read error.
    pub fn from_read_error(err: &ReadError) -> Fact<T> {
        Fact::Error {
            reason: err.to_string(),
            permission_denied: err.is_permission_denied(),
        }
    }

    /// A failed fact with a reason.
    pub fn error(reason: impl Into<String>) -> Fact<T> {
        Fact::Error {
            reason: reason.into(),
            permission_denied: false,
        }
    }

    /// `Ok(value)` or `Err((reason, permission_denied))`.
    pub fn as_result(&self) -> Result<&T, (&str, bool)> {
        match self {
            Fact::Collected { value } => Ok(value),
            Fact::Error {
                reason,
                permission_denied,
            } => Err((reason, *permission_denied)),
        }
    }
}

impl<T> From<Result<T, ReadError>> for Fact<T> {
    fn from(r: Result<T, ReadError>) -> Fact<T> {
        match r {
            Ok(value) => Fact::Collected { value },
            Err(e) => Fact::from_read_error(&e),
        }
    }
}

impl<T: Default> Default for Fact<T> {
    fn default() -> Self {
        Fact::Collected {
            value: T::default(),
        }
    }
}

/// Where a value came from: a host file and line.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Origin {
    /// Host path, e.g. `/etc/ssh/sshd_config`.
    pub path: String,
    /// 1-based line number, when the value sits on one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

impl Origin {
    /// An origin at `path:line`.
    pub fn at(path: impl Into<String>, line: usize) -> Origin {
        Origin {
            path: path.into(),
            line: Some(line),
        }
    }

    /// An origin naming a whole file.
    pub fn file(path: impl Into<String>) -> Origin {
        Origin {
            path: path.into(),
            line: None,
        }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}", self.path, l),
            None => f.write_str(&self.path),
        }
    }
}

/// Facts about the scan itself and the host's identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostInfo {
    /// Host name from `/etc/hostname` (or the kernel's, on the live host).
    pub hostname: Option<String>,
    /// The directory scanned (`/` for the live host).
    pub root: String,
    /// Whether the live, running host was scanned (runtime state was read).
    pub live: bool,
    /// User id the collector ran as.
    pub collector_uid: u32,
}

/// What the catalogue asked to be collected beyond the fixed collectors: files to stat, lines
/// to match, keys to read from key/value files. Built by `Catalogue::plan`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Host paths (globs allowed in the last component) whose metadata is collected.
    pub files: Vec<String>,
    /// (path glob, regex) pairs whose matching lines are collected.
    pub lines: Vec<LineQuery>,
    /// Key/value files and the keys wanted from each.
    pub configs: Vec<ConfigQuery>,
    /// sysctl keys whose runtime value is wanted (live host only).
    pub sysctl_keys: Vec<String>,
}

/// A request for the lines of a file that match a regular expression.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LineQuery {
    pub path: String,
    pub pattern: String,
}

/// A request for some keys of a key/value configuration file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ConfigQuery {
    pub path: String,
    pub format: keyvalue::Format,
    pub keys: Vec<String>,
}

/// The whole facts bundle of one host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    pub schema_version: u32,
    /// Name and version of the Ward that collected these facts.
    pub tool: crate::ToolInfo,
    /// When collection started (RFC 3339, UTC).
    pub collected_at: String,
    pub host: HostInfo,
    pub os_release: Fact<os_release::OsRelease>,
    pub packages: Fact<dpkg::Packages>,
    pub accounts: Fact<accounts::Accounts>,
    pub login_defs: Fact<keyvalue::KeyValues>,
    pub sshd: Fact<sshd::SshdConfig>,
    pub sysctl: Fact<sysctl::Sysctl>,
    pub systemd: Fact<systemd::Units>,
    /// Planned file metadata, keyed by the planned path (or glob).
    pub files: BTreeMap<String, Fact<files::FileSet>>,
    /// Planned line matches.
    pub lines: Vec<files::LinesFact>,
    /// Planned key/value reads.
    pub configs: Vec<keyvalue::ConfigFact>,
}

/// Run every collector against `root`, collecting what `plan` asks for as well.
pub fn collect(root: &HostRoot, plan: &Plan) -> Facts {
    let collected_at = jiff::Timestamp::now().to_string();
    let login_defs: Fact<keyvalue::KeyValues> =
        keyvalue::read_all(root, "/etc/login.defs", keyvalue::Format::Spaces).into();
    let accounts = accounts::collect(root);
    let files = files::collect_stats_with(root, &plan.files, &accounts);
    Facts {
        schema_version: FACTS_SCHEMA_VERSION,
        tool: crate::ToolInfo::current(),
        collected_at,
        host: HostInfo {
            hostname: hostname(root),
            root: root.base().display().to_string(),
            live: root.is_live(),
            collector_uid: current_uid(),
        },
        os_release: os_release::collect(root),
        packages: dpkg::collect(root),
        accounts,
        login_defs,
        sshd: sshd::collect(root),
        sysctl: sysctl::collect(root, &plan.sysctl_keys),
        systemd: systemd::collect(root),
        files,
        lines: plan
            .lines
            .iter()
            .map(|q| files::collect_lines(root, q))
            .collect(),
        configs: plan
            .configs
            .iter()
            .map(|q| keyvalue::collect(root, q))
            .collect(),
    }
}

fn hostname(root: &HostRoot) -> Option<String> {
    let from_file = root
        .read_text("/etc/hostname")
        .ok()
        .and_then(|s| s.lines().next().map(|l| l.trim().to_string()))
        .filter(|s| !s.is_empty());
    if from_file.is_some() || !root.is_live() {
        return from_file;
    }
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The real user id of this process, read from `/proc/self/status` (no unsafe code needed).
pub fn current_uid() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        })
        .and_then(|u| u.parse().ok())
        .unwrap_or(u32::MAX)
}
