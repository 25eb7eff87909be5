//! Version ordering, one module per scheme, each as its package manager orders versions.
//!
//! Whether an installed package carries a fix is one comparison: installed < fixed. It must
//! be the comparison of the package manager itself, or a backported fix (`1.1.1n-0+deb11u5`)
//! is reported as missing and a real gap is missed. Each scheme here follows its manager's
//! source: dpkg's `verrevcmp` with epochs and revisions, rpm's `rpmvercmp` with `~` and `^`
//! and epoch-version-release, apk-tools 2.14's tokeniser, and SemVer 2.0 (the `semver`
//! crate) for upstream products. All are tested against pairs the managers themselves
//! ordered (`tests/versions.rs`).

mod apk;
mod dpkg;
pub(crate) use dpkg::verrevcmp;
mod rpm;
mod semver_scheme;

use std::cmp::Ordering;

pub use apk::Apk;
pub use dpkg::Dpkg;
pub use rpm::Rpm;
pub use semver_scheme::Semver;

use crate::facts::packages::PackageFormat;

/// A version string the scheme's manager would refuse, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{scheme} version {version:?}: {reason}")]
pub struct VersionError {
    pub scheme: &'static str,
    pub version: String,
    pub reason: String,
}

impl VersionError {
    pub(crate) fn new(scheme: &'static str, version: &str, reason: impl Into<String>) -> Self {
        VersionError {
            scheme,
            version: version.to_string(),
            reason: reason.into(),
        }
    }
}

/// A way of ordering versions.
pub trait Scheme: Send + Sync {
    /// The scheme's name (`dpkg`, `rpm`, `apk`, `semver`).
    fn name(&self) -> &'static str;

    /// Why `version` is not a version of this scheme, if it is not. What counts is what the
    /// manager refuses outright; a version it accepts with a warning is valid here.
    fn validate(&self, version: &str) -> Result<(), VersionError>;

    /// Order two versions as the manager does. An error when either is invalid: an
    /// unreadable version is never taken as older or newer.
    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError>;
}

/// The scheme that orders the versions of a package database.
pub fn for_format(format: PackageFormat) -> &'static dyn Scheme {
    match format {
        PackageFormat::Dpkg => &Dpkg,
        PackageFormat::Rpm => &Rpm,
        PackageFormat::Apk => &Apk,
    }
}

/// Every scheme, by name.
pub fn by_name(name: &str) -> Option<&'static dyn Scheme> {
    match name {
        "dpkg" => Some(&Dpkg),
        "rpm" => Some(&Rpm),
        "apk" => Some(&Apk),
        "semver" => Some(&Semver),
        _ => None,
    }
}
