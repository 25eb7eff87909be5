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
pub mod audit;
mod audit_syscalls;
pub mod clamav;
pub mod crypto_policy;
pub mod crypttab;
pub mod cstdio;
pub mod files;
pub mod firewall;
pub mod keyvalue;
pub mod limits;
pub mod log_files;
pub mod logrotate;
pub mod modprobe;
pub mod mounts;
pub mod mta;
pub mod openrc;
pub mod os_release;
pub mod packages;
pub mod pam;
pub mod registry;
pub mod rsyslog;
pub mod sockets;
pub mod sshd;
pub mod sudoers;
pub mod sysctl;
pub mod syslog_ng;
pub mod systemd;
pub mod systemd_conf;
pub mod timesync;
pub mod tls;
pub mod walk;

use std::any::Any;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use registry::{Collector, Registry};

use crate::host_root::{HostRoot, ReadError};

/// Version of the facts bundle format; bumped on incompatible changes.
pub const FACTS_SCHEMA_VERSION: u32 = 2;

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
    /// Host path, e.g. `/etc/ssh/sshd_config`. Borrowed when it is a constant: a
    /// million-entry passwd then needs no million copies of `/etc/passwd`.
    pub path: Cow<'static, str>,
    /// 1-based line number, when the value sits on one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

impl Origin {
    /// An origin at `path:line`.
    pub fn at(path: impl Into<Cow<'static, str>>, line: usize) -> Origin {
        Origin {
            path: path.into(),
            line: Some(line),
        }
    }

    /// An origin naming a whole file.
    pub fn file(path: impl Into<Cow<'static, str>>) -> Origin {
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
    /// A stable pseudonymous id derived from `/etc/machine-id`, when the host has one.
    #[serde(default)]
    pub host_id: Option<String>,
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
    /// Digest of the catalogue the plan was made from, stamped into the bundle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalogue_digest: Option<String>,
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

/// The whole facts bundle of one host: who collected it, when, from where, with which
/// collectors, and each collector's output keyed by the collector's name.
///
/// Outputs are reached through typed accessors ([`Facts::get`], [`Facts::fact`]), so adding
/// a collector never changes this type: register it in a [`Registry`] and read its output by
/// its type. A bundle read back from JSON keeps each output as JSON until it is first asked
/// for, then decodes it once.
pub struct Facts {
    pub schema_version: u32,
    /// Name and version of the Ward that collected these facts.
    pub tool: crate::ToolInfo,
    /// When collection started (RFC 3339, UTC).
    pub collected_at: String,
    pub host: HostInfo,
    /// The catalogue whose plan was collected.
    pub catalogue: Option<CatalogueStamp>,
    /// The collectors that were run (or skipped), in order.
    pub collectors: Vec<CollectorRun>,
    entries: BTreeMap<String, Entry>,
}

/// The catalogue a bundle was collected for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogueStamp {
    /// SHA-256 over the catalogue's files (as in the report).
    pub digest: String,
}

/// One collector of a run: what it reads and whether it ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectorRun {
    pub name: String,
    /// Host paths (globs) it reads; plan-driven collectors read what the plan names.
    pub paths: Vec<String>,
    /// It only reads the running system (`/proc`, commands), so it runs on the live host only.
    pub live_only: bool,
    /// Whether it ran; a live-only collector is skipped on an image.
    pub ran: bool,
}

/// Why a collector's output is not available.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FactError {
    /// The bundle has no output of this collector (collected by another Ward or catalogue).
    #[error("{name} was not collected: the facts bundle has no `{name}` section; collect again with this Ward and catalogue")]
    NotCollected { name: &'static str },
    /// The collector only runs on the live host and this is an image.
    #[error(
        "{name} is only collected on the live host (this scan read an image or a bundle of one)"
    )]
    LiveOnly { name: &'static str },
    /// The bundle's section does not decode as this Ward expects.
    #[error("{name} in the facts bundle is malformed: {reason}")]
    Malformed { name: &'static str, reason: String },
}

/// A type that is the output of one collector. `NAME` is the collector's name and its key
/// in a bundle.
pub trait FactKind: Serialize + DeserializeOwned + Send + Sync + std::fmt::Debug + 'static {
    const NAME: &'static str;
}

/// A typed output stored without its type.
trait AnyFact: Any + Send + Sync + std::fmt::Debug {
    fn to_json(&self) -> Result<serde_json::Value, String>;
    fn as_any(&self) -> &dyn Any;
}

impl<T: FactKind> AnyFact for Fact<T> {
    fn to_json(&self) -> Result<serde_json::Value, String> {
        serde_json::to_value(self).map_err(|e| e.to_string())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// One collector's output: typed, JSON, or both (each made from the other on first use).
#[derive(Debug, Default)]
struct Entry {
    json: OnceLock<serde_json::Value>,
    typed: OnceLock<Result<Box<dyn AnyFact>, String>>,
}

impl Entry {
    fn from_typed<T: FactKind>(fact: Fact<T>) -> Entry {
        let e = Entry::default();
        let _ = e.typed.set(Ok(Box::new(fact)));
        e
    }

    fn from_json(value: serde_json::Value) -> Entry {
        let e = Entry::default();
        let _ = e.json.set(value);
        e
    }

    fn json(&self) -> serde_json::Value {
        self.json_ref().clone()
    }

    /// The JSON form, made once and borrowed (a bundle or digest serialises it in place).
    fn json_ref(&self) -> &serde_json::Value {
        self.json.get_or_init(|| match self.typed.get() {
                Some(Ok(t)) => t.to_json().unwrap_or_else(|e| {
                    serde_json::json!({ "status": "error", "reason": format!("not serialisable: {e}") })
                }),
                Some(Err(e)) => serde_json::json!({ "status": "error", "reason": e }),
            None => serde_json::Value::Null,
        })
    }
}

impl Facts {
    /// An empty bundle for `host`, stamped with this Ward and the current time.
    pub fn new(host: HostInfo) -> Facts {
        Facts {
            schema_version: FACTS_SCHEMA_VERSION,
            tool: crate::ToolInfo::current(),
            collected_at: jiff::Timestamp::now().to_string(),
            host,
            catalogue: None,
            collectors: Vec::new(),
            entries: BTreeMap::new(),
        }
    }

    /// Store a collector's output (replacing any earlier one of the same collector).
    pub fn insert<T: FactKind>(&mut self, fact: Fact<T>) {
        self.entries
            .insert(T::NAME.to_string(), Entry::from_typed(fact));
    }

    /// A collector's result: its output or the reason it has none.
    pub fn fact<T: FactKind>(&self) -> Result<&Fact<T>, FactError> {
        let Some(entry) = self.entries.get(T::NAME) else {
            let live_only = self
                .collectors
                .iter()
                .any(|c| c.name == T::NAME && c.live_only && !c.ran);
            return Err(if live_only {
                FactError::LiveOnly { name: T::NAME }
            } else {
                FactError::NotCollected { name: T::NAME }
            });
        };
        let typed = entry.typed.get_or_init(|| {
            let json = entry.json.get().cloned().unwrap_or(serde_json::Value::Null);
            Fact::<T>::deserialize(json)
                .map(|f| Box::new(f) as Box<dyn AnyFact>)
                .map_err(|e| e.to_string())
        });
        match typed {
            Ok(b) => b
                .as_any()
                .downcast_ref::<Fact<T>>()
                .ok_or_else(|| FactError::Malformed {
                    name: T::NAME,
                    reason: "stored under another type".into(),
                }),
            Err(reason) => Err(FactError::Malformed {
                name: T::NAME,
                reason: reason.clone(),
            }),
        }
    }

    /// A collector's output when it was collected.
    pub fn get<T: FactKind>(&self) -> Option<&T> {
        self.fact::<T>().ok().and_then(Fact::value)
    }

    /// Names of the collector outputs in this bundle.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// Remove a collector's output (tests of incomplete bundles use this).
    pub fn remove(&mut self, name: &str) -> bool {
        self.entries.remove(name).is_some()
    }
}

impl std::fmt::Debug for Facts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Facts")
            .field("host", &self.host)
            .field("collected_at", &self.collected_at)
            .field("entries", &self.entries.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Clone for Facts {
    fn clone(&self) -> Facts {
        Facts {
            schema_version: self.schema_version,
            tool: self.tool.clone(),
            collected_at: self.collected_at.clone(),
            host: self.host.clone(),
            catalogue: self.catalogue.clone(),
            collectors: self.collectors.clone(),
            entries: self
                .entries
                .iter()
                .map(|(k, e)| (k.clone(), Entry::from_json(e.json())))
                .collect(),
        }
    }
}

impl PartialEq for Facts {
    fn eq(&self, other: &Facts) -> bool {
        serde_json::to_value(self).ok() == serde_json::to_value(other).ok()
    }
}

/// The bundle as written to JSON.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    schema_version: u32,
    tool: crate::ToolInfo,
    collected_at: String,
    host: HostInfo,
    #[serde(default)]
    catalogue: Option<CatalogueStamp>,
    collectors: Vec<CollectorRun>,
    facts: BTreeMap<String, serde_json::Value>,
}

/// [`Wire`] borrowed from a [`Facts`], for writing without copying every fact.
#[derive(Serialize)]
struct WireRef<'a> {
    schema_version: u32,
    tool: &'a crate::ToolInfo,
    collected_at: &'a str,
    host: &'a HostInfo,
    catalogue: &'a Option<CatalogueStamp>,
    collectors: &'a [CollectorRun],
    facts: BTreeMap<&'a str, &'a serde_json::Value>,
}

impl Serialize for Facts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        WireRef {
            schema_version: self.schema_version,
            tool: &self.tool,
            collected_at: &self.collected_at,
            host: &self.host,
            catalogue: &self.catalogue,
            collectors: &self.collectors,
            facts: self
                .entries
                .iter()
                .map(|(k, e)| (k.as_str(), e.json_ref()))
                .collect(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Facts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Facts, D::Error> {
        let w = Wire::deserialize(d)?;
        Ok(Facts {
            schema_version: w.schema_version,
            tool: w.tool,
            collected_at: w.collected_at,
            host: w.host,
            catalogue: w.catalogue,
            collectors: w.collectors,
            entries: w
                .facts
                .into_iter()
                .map(|(k, v)| (k, Entry::from_json(v)))
                .collect(),
        })
    }
}

/// Run every built-in collector against `root`, collecting what `plan` asks for as well.
pub fn collect(root: &HostRoot, plan: &Plan) -> Facts {
    Registry::builtin().collect(root, plan)
}

/// The facts about the scan itself: host name, root, liveness, collector's uid.
pub fn host_info(root: &HostRoot) -> HostInfo {
    HostInfo {
        hostname: hostname(root),
        host_id: host_id(root),
        root: root.base().display().to_string(),
        live: root.is_live(),
        collector_uid: current_uid(),
    }
}

/// A stable, non-reversible id of the host: SHA-256 of `/etc/machine-id` (machine-id(5)
/// asks that the id itself not be exposed), cut to 16 hex digits.
fn host_id(root: &HostRoot) -> Option<String> {
    use sha2::{Digest, Sha256};
    let id = root.read_text("/etc/machine-id").ok()?;
    let id = id.trim();
    if id.len() != 32 || !id.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let digest = Sha256::digest(format!("ward-host-id:{id}").as_bytes());
    Some(hex::encode(&digest[..8]))
}

pub(crate) fn hostname(root: &HostRoot) -> Option<String> {
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
