//! systemd unit enablement, worked out from unit files and `.wants`/`.requires` links.
//!
//! (Helper fills in.)

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Fact;
use crate::host_root::HostRoot;

/// systemd units known on a host.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Units {
    /// Units keyed by full name (`ssh.service`, `telnet.socket`).
    pub units: BTreeMap<String, Unit>,
    /// Problems met (unreadable directories, broken links), with their path.
    pub warnings: Vec<String>,
}

/// One unit's enablement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub state: UnitState,
    /// Host path of the unit file in effect (after masking/override precedence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fragment: Option<String>,
    /// The `.wants`/`.requires` links (host paths) that enable it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enabled_by: Vec<String>,
}

/// Enablement state, with `systemctl is-enabled` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitState {
    Enabled,
    Disabled,
    Static,
    Masked,
    Indirect,
    Alias,
}

/// Collect unit enablement.
pub fn collect(root: &HostRoot) -> Fact<Units> {
    let _ = root;
    Fact::error("systemd collector not yet written")
}
