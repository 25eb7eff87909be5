//! Kernel parameters (sysctl): as configured on disk and, on the live host, as running.
//!
//! (Helper fills in: systemd-sysctl precedence across /etc/sysctl.d, /run/sysctl.d,
//! /usr/local/lib/sysctl.d, /usr/lib/sysctl.d, /lib/sysctl.d and /etc/sysctl.conf; runtime
//! values from /proc/sys when live.)

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Fact, Origin};
use crate::host_root::HostRoot;

/// Kernel parameters of a host.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sysctl {
    /// Configuration files read, in the order they were applied.
    pub files: Vec<String>,
    /// Parameters keyed by dotted name (`net.ipv4.ip_forward`).
    pub entries: BTreeMap<String, SysctlEntry>,
    /// Whether runtime values were read (live host only).
    pub runtime_read: bool,
    /// Malformed lines and unreadable files, with their origin.
    pub warnings: Vec<String>,
}

/// One kernel parameter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SysctlEntry {
    /// The value the configuration files set (the one that wins), with its origin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configured: Option<Configured>,
    /// Value read from `/proc/sys` on the live host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    /// Why the runtime value could not be read, when it was tried and failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_error: Option<String>,
}

/// A configured sysctl value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Configured {
    pub value: String,
    pub origin: Origin,
}

/// Collect sysctl configuration, and runtime values of `keys` (plus all configured keys)
/// when the root is live.
pub fn collect(root: &HostRoot, keys: &[String]) -> Fact<Sysctl> {
    let _ = (root, keys);
    Fact::error("sysctl collector not yet written")
}
