//! The installed-software inventory: one [`Inventory`] of [`Package`] records, whatever
//! the package manager.
//!
//! Package checks ("is telnetd installed?") and vulnerability matching read packages by
//! name, source package and version without caring which database they came from. Each
//! package manager has a reader in its own module that fills the same records from the
//! database files, never by running the manager, so images and exported containers can be
//! scanned: dpkg (`dpkg`), the RPM database in its SQLite and Berkeley DB forms (`rpm`),
//! and apk (`apk`).

pub mod apk;
pub mod apk_index;
pub mod apt_lists;
pub mod dnf_metadata;
pub mod dpkg;
pub mod rpm;

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
    /// The manager's own state of the package (dpkg's status abbreviation, e.g. `ii`;
    /// `installed` for rpm and apk, whose databases hold only installed packages).
    pub status: String,
    /// The licence the package declares (rpm `LICENSE`, apk `L:`), when it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// rpm's own fields, as `rpm -q --qf` prints them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpm: Option<RpmFields>,
    /// Where the record starts.
    pub origin: Origin,
}

/// The fields of an rpm header that make up its version and name its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RpmFields {
    /// `EPOCH`, when the header has one (rpm prints `(none)` otherwise; it compares as 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<u32>,
    pub version: String,
    pub release: String,
    /// `SOURCERPM`, e.g. `glibc-2.34-83.el9_3.7.src.rpm`; none for `gpg-pubkey`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_rpm: Option<String>,
}

/// Read the host's package database. With no known database the fact is an error, so
/// package checks say "cannot tell" instead of passing on an empty inventory.
pub fn collect(root: &HostRoot) -> Fact<Inventory> {
    // A host has one package manager; dpkg is looked for first, as before, then rpm, then
    // apk. (A Debian host with the `rpm` package installed has an empty rpm database
    // beside the real one.)
    dpkg::collect(root)
        .or_else(|| rpm::collect(root))
        .or_else(|| apk::collect(root))
        .unwrap_or_else(|| {
            Fact::error(
                "no package database found (looked for /var/lib/dpkg/status, the rpm database in \
         /usr/lib/sysimage/rpm and /var/lib/rpm, and /lib/apk/db/installed)",
            )
        })
}

/// A reader that fails, rather than ending early, when its source holds more than `cap`
/// bytes: a package index or repository list cut off at a limit would silently hide
/// packages (and with them pending updates).
pub(crate) struct Bounded<R> {
    inner: R,
    left: u64,
    cap: u64,
}

impl<R: std::io::Read> Bounded<R> {
    pub(crate) fn new(inner: R, cap: u64) -> Bounded<R> {
        Bounded {
            inner,
            left: cap,
            cap,
        }
    }
}

impl<R: std::io::Read> std::io::Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(std::io::Error::other(format!(
                    "more than {} MiB decompressed",
                    self.cap >> 20
                ))),
            };
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod bounded_tests {
    use std::io::Read;

    #[test]
    fn a_source_over_the_cap_is_an_error_not_a_short_read() {
        let mut out = Vec::new();
        assert!(super::Bounded::new(&b"12345"[..], 5)
            .read_to_end(&mut out)
            .is_ok());
        assert_eq!(out, b"12345");
        let mut out = Vec::new();
        let err = super::Bounded::new(&b"123456"[..], 5)
            .read_to_end(&mut out)
            .unwrap_err();
        assert!(err.to_string().contains("more than"), "{err}");
    }
}
