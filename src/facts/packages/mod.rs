//! The installed-software inventory: one [`Inventory`] of [`Package`] records, whatever
//! the package manager.
//!
//! Package checks ("is telnetd installed?") and vulnerability matching read packages by
//! name, source package and version without caring which database they came from. Each
//! package manager has a reader in its own module that fills the same records from the
//! database files, never by running the manager, so images and exported containers can be
//! scanned: dpkg today; rpm and apk fill the same model.

pub mod dpkg;

use serde::{Deserialize, Serialize};

use super::{Fact, Origin};
use crate::host_root::HostRoot;

/// A package database format, and so a version-ordering scheme.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum PackageFormat {
    /// Debian's dpkg (`/var/lib/dpkg/status`).
    #[default]
    Dpkg,
    /// The RPM database.
    Rpm,
    /// Alpine's apk (`/lib/apk/db/installed`).
    Apk,
}

impl PackageFormat {
    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            PackageFormat::Dpkg => "dpkg",
            PackageFormat::Rpm => "rpm",
            PackageFormat::Apk => "apk",
        }
    }
}

/// The installed-package inventory of a host.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Inventory {
    /// The package manager whose database was read.
    pub format: PackageFormat,
    /// Host path of the database read.
    pub database: String,
    /// Installed packages, in database order.
    pub packages: Vec<Package>,
    /// Malformed records, with their origin.
    pub warnings: Vec<String>,
}

impl Inventory {
    /// The installed packages of this name (several for multi-arch or multi-version).
    pub fn named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Package> + 'a {
        self.packages.iter().filter(move |p| p.name == name)
    }
}

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// Binary package name.
    pub name: String,
    /// Version as the database writes it (with epoch and release where the format has them).
    pub version: String,
    pub architecture: String,
    /// Source package name (the binary's own name when the database gives none); the key
    /// distribution advisories use.
    pub source_name: String,
    /// Source package version (the binary's own version when the database gives none).
    pub source_version: String,
    /// The database format, which decides how versions compare.
    pub format: PackageFormat,
    /// The manager's own state of the package (dpkg's status abbreviation, e.g. `ii`).
    pub status: String,
    /// Where the record starts.
    pub origin: Origin,
}

/// Read the host's package database. With no known database the fact is an error, so
/// package checks say "cannot tell" instead of passing on an empty inventory.
pub fn collect(root: &HostRoot) -> Fact<Inventory> {
    dpkg::collect(root)
}
