//! The effective OpenSSH server configuration, as `sshd` itself would compute it.
//!
//! (Helper fills in parsing: Include with globs in order, first value wins, case-insensitive
//! keywords, Match blocks kept separate, OpenSSH defaults for unset keywords, and `sshd -T`
//! preferred on the live host with differences noted.)

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Fact, Origin};
use crate::host_root::HostRoot;

/// The effective sshd configuration of a host.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SshdConfig {
    /// Whether `/etc/ssh/sshd_config` exists. When false, `settings` is empty.
    pub present: bool,
    /// Files read, in the order sshd reads them (main file, then includes).
    pub files: Vec<String>,
    /// Effective global settings, keyed by lower-case keyword.
    pub settings: BTreeMap<String, Setting>,
    /// `Match` blocks, in file order, with their own settings (not merged into `settings`).
    pub match_blocks: Vec<MatchBlock>,
    /// Problems met while parsing (unknown lines, unreadable includes), with their origin.
    pub warnings: Vec<String>,
    /// Notes such as differences between `sshd -T` and the files.
    pub notes: Vec<String>,
}

/// One effective setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setting {
    /// The value, arguments joined by one space, as written (keyword case aside).
    pub value: String,
    /// Where the value came from.
    pub source: SettingSource,
    /// The file and line that set it, when a file did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

/// How a setting got its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingSource {
    /// A configuration file line.
    File,
    /// OpenSSH's compiled-in default (nothing set it).
    Default,
    /// The output of `sshd -T` on the live host.
    SshdT,
}

/// A `Match` block and the settings inside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchBlock {
    /// The criteria as written after `Match`.
    pub criteria: String,
    pub origin: Origin,
    pub settings: BTreeMap<String, Setting>,
}

/// Collect the effective sshd configuration.
pub fn collect(root: &HostRoot) -> Fact<SshdConfig> {
    let _ = root;
    Fact::error("sshd collector not yet written")
}
