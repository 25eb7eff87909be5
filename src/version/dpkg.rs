//! Debian versions: `[epoch:]upstream[-revision]`, ordered as dpkg orders them
//! (deb-version(7); `parseversion` and `verrevcmp` in dpkg's lib/dpkg).
//!
//! The epoch compares as a number. Upstream version and revision compare piece by piece:
//! a run of non-digits, where `~` sorts before everything (even the end), letters before
//! other characters; then a run of digits, as a number. A missing revision equals `0`.

use std::cmp::Ordering;

use super::{Scheme, VersionError};

/// dpkg's ordering.
#[derive(Debug, Clone, Copy, Default)]
pub struct Dpkg;

const NAME: &str = "dpkg";

/// A version split as dpkg splits it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Parts<'a> {
    epoch: u32,
    upstream: &'a [u8],
    revision: &'a [u8],
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Split a version as dpkg's `parseversion` does, refusing what it refuses. (What it only
/// warns about, an upstream version not starting with a digit or an unusual character, is
/// accepted, as `dpkg --compare-versions` accepts it.)
fn parse(version: &str) -> Result<Parts<'_>, VersionError> {
    let err = |reason: &str| Err(VersionError::new(NAME, version, reason));
    let bytes = version.as_bytes();
    let start = bytes
        .iter()
        .position(|b| !is_blank(*b))
        .unwrap_or(bytes.len());
    let rest = &bytes[start..];
    let end = rest.iter().position(|b| is_blank(*b)).unwrap_or(rest.len());
    if rest[end..].iter().any(|b| !is_blank(*b)) {
        return err("version string has embedded spaces");
    }
    let s = &rest[..end];
    if s.is_empty() {
        return err("version string is empty");
    }
    let (epoch, version_part) = match s.iter().position(|b| *b == b':') {
        Some(colon) => {
            let epoch = match strtol_epoch(&s[..colon]) {
                Ok(e) => e,
                Err(reason) => return err(reason),
            };
            let after = &s[colon + 1..];
            if after.is_empty() {
                return err("nothing after colon in version number");
            }
            (epoch, after)
        }
        None => (0, s),
    };
    let (upstream, revision) = match version_part.iter().rposition(|b| *b == b'-') {
        Some(hyphen) => {
            let revision = &version_part[hyphen + 1..];
            if revision.is_empty() {
                return err("revision number is empty");
            }
            (&version_part[..hyphen], revision)
        }
        None => (version_part, &b""[..]),
    };
    if upstream.is_empty() {
        return err("upstream version is empty");
    }
    Ok(Parts {
        epoch,
        upstream,
        revision,
    })
}

/// The epoch as C's `strtol` reads it for dpkg: optional leading white space and sign, then
/// digits that must reach the colon, at most `INT_MAX`, not negative.
fn strtol_epoch(s: &[u8]) -> Result<u32, &'static str> {
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
        i += 1;
    }
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits = &s[i..];
    if digits.is_empty() || !digits[0].is_ascii_digit() {
        // strtol read nothing: the epoch is empty, or (if something was there) not a number.
        return Err(if s.is_empty() {
            "epoch in version is empty"
        } else {
            "epoch in version is not number"
        });
    }
    if !digits.iter().all(u8::is_ascii_digit) {
        return Err("epoch in version is not number");
    }
    let mut value: u64 = 0;
    for d in digits {
        value = value.saturating_mul(10).saturating_add(u64::from(d - b'0'));
    }
    if negative && value != 0 {
        return Err("epoch in version is negative");
    }
    u32::try_from(value)
        .ok()
        .filter(|v| *v <= i32::MAX as u32)
        .ok_or("epoch in version is too big")
}

/// dpkg's weight of a non-digit character: `~` first (before the end), then the end and
/// digits, then letters, then everything else.
fn order(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's `verrevcmp` (gnulib's `filevercmp` compares with the same function).
pub(crate) fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let mut first_diff = 0i32;
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let ac = order(a.get(i).copied());
            let bc = order(b.get(j).copied());
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while a.get(i) == Some(&b'0') {
            i += 1;
        }
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        while i < a.len() && a[i].is_ascii_digit() && j < b.len() && b[j].is_ascii_digit() {
            if first_diff == 0 {
                first_diff = i32::from(a[i]) - i32::from(b[j]);
            }
            i += 1;
            j += 1;
        }
        if i < a.len() && a[i].is_ascii_digit() {
            return Ordering::Greater;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            return Ordering::Less;
        }
        if first_diff != 0 {
            return first_diff.cmp(&0);
        }
    }
    Ordering::Equal
}

impl Scheme for Dpkg {
    fn name(&self) -> &'static str {
        NAME
    }

    fn validate(&self, version: &str) -> Result<(), VersionError> {
        parse(version).map(drop)
    }

    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        let (a, b) = (parse(a)?, parse(b)?);
        Ok(a.epoch
            .cmp(&b.epoch)
            .then_with(|| verrevcmp(a.upstream, b.upstream))
            .then_with(|| verrevcmp(a.revision, b.revision)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        Dpkg.compare(a, b).unwrap()
    }

    #[test]
    fn the_rules_of_deb_version() {
        assert_eq!(cmp("1.0~rc1", "1.0"), Ordering::Less);
        assert_eq!(cmp("1.0~~", "1.0~"), Ordering::Less);
        assert_eq!(cmp("1.0", "1.0-0"), Ordering::Equal);
        assert_eq!(cmp("0:1.0", "1.0"), Ordering::Equal);
        assert_eq!(cmp("1:0.1", "9.9"), Ordering::Greater);
        assert_eq!(cmp("1.01", "1.1"), Ordering::Equal);
        assert_eq!(cmp("1.0a", "1.0+"), Ordering::Less);
        assert_eq!(
            cmp("1.1.1n-0+deb11u5", "1.1.1n-0+deb11u4"),
            Ordering::Greater
        );
        assert_eq!(cmp("2.4.2-6", "2.4.2-6+lenny1"), Ordering::Less);
        // The last hyphen splits off the revision.
        assert_eq!(cmp("0.1-5-2+b1", "0.1-5-2"), Ordering::Greater);
        assert_eq!(cmp("+1:2.0", "1:2.0"), Ordering::Equal);
    }

    #[test]
    fn what_dpkg_refuses_is_an_error() {
        for bad in [
            "",
            "  ",
            "1.0 2",
            "a:1.0",
            ":1.0",
            "1:",
            "1.0-",
            "-1",
            "-1:1.0",
            "99999999999:1",
        ] {
            assert!(Dpkg.validate(bad).is_err(), "{bad:?}");
        }
        for good in ["1.0", " 1.0 ", "a1.0", "1.0-1", "0:0", "-0:1"] {
            assert!(Dpkg.validate(good).is_ok(), "{good:?}");
        }
        let e = Dpkg.compare("1.0", "1.0-").unwrap_err();
        assert!(e.to_string().contains("revision number is empty"), "{e}");
    }
}
