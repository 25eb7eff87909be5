//! Semantic Versioning 2.0 for upstream products (`1.2.3-rc.1+build`), through the
//! `semver` crate: precedence as the SemVer specification defines it, build metadata
//! ignored.

use std::cmp::Ordering;

use super::{Scheme, VersionError};

/// SemVer 2.0 precedence.
#[derive(Debug, Clone, Copy, Default)]
pub struct Semver;

const NAME: &str = "semver";

fn parse(v: &str) -> Result<semver::Version, VersionError> {
    semver::Version::parse(v).map_err(|e| VersionError::new(NAME, v, e.to_string()))
}

impl Scheme for Semver {
    fn name(&self) -> &'static str {
        NAME
    }

    fn validate(&self, version: &str) -> Result<(), VersionError> {
        parse(version).map(drop)
    }

    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        Ok(parse(a)?.cmp_precedence(&parse(b)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_ignores_build_metadata() {
        let c = |a, b| Semver.compare(a, b).unwrap();
        assert_eq!(c("1.0.0-rc.1", "1.0.0"), Ordering::Less);
        assert_eq!(c("1.0.0-alpha.1", "1.0.0-alpha.beta"), Ordering::Less);
        assert_eq!(c("1.0.0+build.1", "1.0.0+build.2"), Ordering::Equal);
        assert_eq!(c("1.10.0", "1.9.0"), Ordering::Greater);
        assert!(Semver.validate("1.0").is_err());
    }
}
