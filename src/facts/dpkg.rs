//! Installed packages from dpkg's status database (`/var/lib/dpkg/status`).
//!
//! (Helper fills in.)

use serde::{Deserialize, Serialize};

use super::{Fact, Origin};
use crate::host_root::HostRoot;

/// The installed-package inventory of a host.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Packages {
    /// The package manager whose database was read (`dpkg`).
    pub manager: String,
    /// Host path of the database read.
    pub database: String,
    /// Installed packages (dpkg `Status: install ok installed` and other half-states that
    /// leave files on disk), in database order.
    pub packages: Vec<Package>,
    /// Malformed stanzas, with their origin.
    pub warnings: Vec<String>,
}

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    pub name: String,
    pub version: String,
    pub architecture: String,
    /// Source package name (the binary's own name when there is no `Source:` field).
    pub source_name: String,
    /// Source package version (the binary's own version when `Source:` gives none).
    pub source_version: String,
    /// dpkg's status abbreviation, e.g. `ii`, `hi`, `iU`.
    pub status: String,
    /// Where the stanza starts.
    pub origin: Origin,
}

/// Collect the installed packages.
pub fn collect(root: &HostRoot) -> Fact<Packages> {
    let _ = root;
    Fact::error("dpkg collector not yet written")
}
