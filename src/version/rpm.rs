//! RPM versions: `[epoch:]version[-release]`, ordered as rpm orders them (`rpmvercmp` in
//! rpm's rpmio, and epoch-version-release comparison as in `rpm.labelCompare`).
//!
//! A version is compared segment by segment: runs of digits (as numbers) and runs of ASCII
//! letters (byte-wise), other characters only separating them. A digit run is newer than a
//! letter run; `~` sorts before everything, even the end (`1.0~rc1 < 1.0`); `^` sorts
//! after the end but before anything else (`1.0 < 1.0^git1 < 1.0.1`). The epoch (missing =
//! 0) compares first, then the version, then the release; a missing release sorts before
//! any release.

use std::cmp::Ordering;

use super::{Scheme, VersionError};

/// rpm's ordering.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rpm;

const NAME: &str = "rpm";

/// An EVR split as rpm's `parseEVR` splits it: an epoch only when the string starts with
/// digits followed by `:`, and the release after the last `-`.
struct Evr<'a> {
    epoch: &'a [u8],
    version: &'a [u8],
    release: &'a [u8],
}

fn parse(evr: &str) -> Result<Evr<'_>, VersionError> {
    let s = evr.as_bytes();
    if s.is_empty() {
        return Err(VersionError::new(NAME, evr, "version string is empty"));
    }
    let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    let (epoch, rest): (&[u8], &[u8]) = if s.get(digits) == Some(&b':') {
        let e = &s[..digits];
        (if e.is_empty() { b"0" } else { e }, &s[digits + 1..])
    } else {
        (b"0", s)
    };
    let (version, release): (&[u8], &[u8]) = match rest.iter().rposition(|b| *b == b'-') {
        Some(h) => (&rest[..h], &rest[h + 1..]),
        None => (rest, b""),
    };
    Ok(Evr {
        epoch,
        version,
        release,
    })
}

/// rpm's `rpmvercmp`.
pub fn rpmvercmp(a: &[u8], b: &[u8]) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let sep = |c: u8| !c.is_ascii_alphanumeric() && c != b'~' && c != b'^';
    let (mut one, mut two) = (a, b);
    loop {
        while one.first().is_some_and(|c| sep(*c)) {
            one = &one[1..];
        }
        while two.first().is_some_and(|c| sep(*c)) {
            two = &two[1..];
        }
        if one.is_empty() && two.is_empty() {
            break;
        }
        // `~` sorts before everything else, the end included.
        if one.first() == Some(&b'~') || two.first() == Some(&b'~') {
            if one.first() != Some(&b'~') {
                return Ordering::Greater;
            }
            if two.first() != Some(&b'~') {
                return Ordering::Less;
            }
            one = &one[1..];
            two = &two[1..];
            continue;
        }
        // `^` sorts after the end but before anything else.
        if one.first() == Some(&b'^') || two.first() == Some(&b'^') {
            if one.is_empty() {
                return Ordering::Less;
            }
            if two.is_empty() {
                return Ordering::Greater;
            }
            if one.first() != Some(&b'^') {
                return Ordering::Greater;
            }
            if two.first() != Some(&b'^') {
                return Ordering::Less;
            }
            one = &one[1..];
            two = &two[1..];
            continue;
        }
        if one.is_empty() || two.is_empty() {
            break;
        }
        let numeric = one[0].is_ascii_digit();
        let run = |s: &[u8]| {
            s.iter()
                .take_while(|c| {
                    if numeric {
                        c.is_ascii_digit()
                    } else {
                        c.is_ascii_alphabetic()
                    }
                })
                .count()
        };
        let (n1, n2) = (run(one), run(two));
        // The other side's segment is of the other kind: a number is newer than letters.
        if n2 == 0 {
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let (mut seg1, mut seg2) = (&one[..n1], &two[..n2]);
        if numeric {
            while seg1.len() > 1 && seg1[0] == b'0' {
                seg1 = &seg1[1..];
            }
            while seg2.len() > 1 && seg2[0] == b'0' {
                seg2 = &seg2[1..];
            }
            // All zeros strip to one "0"; rpm strips them all, which compares the same.
            match seg1.len().cmp(&seg2.len()) {
                Ordering::Equal => {}
                longer => return longer,
            }
        }
        match seg1.cmp(seg2) {
            Ordering::Equal => {}
            other => return other,
        }
        one = &one[n1..];
        two = &two[n2..];
    }
    match (one.is_empty(), two.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

impl Scheme for Rpm {
    fn name(&self) -> &'static str {
        NAME
    }

    fn validate(&self, version: &str) -> Result<(), VersionError> {
        parse(version).map(drop)
    }

    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        let (a, b) = (parse(a)?, parse(b)?);
        Ok(rpmvercmp(a.epoch, b.epoch)
            .then_with(|| rpmvercmp(a.version, b.version))
            .then_with(|| rpmvercmp(a.release, b.release)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        Rpm.compare(a, b).unwrap()
    }

    #[test]
    fn the_rules_of_rpmvercmp() {
        assert_eq!(cmp("1.0~rc1-1", "1.0-1"), Ordering::Less);
        assert_eq!(cmp("1.0^git1-1", "1.0-1"), Ordering::Greater);
        assert_eq!(cmp("1.0^git1-1", "1.0.1-1"), Ordering::Less);
        assert_eq!(cmp("1.0_1", "1.0.1"), Ordering::Equal);
        assert_eq!(cmp("1.01", "1.1"), Ordering::Equal);
        assert_eq!(cmp("1.0a", "1.0.1"), Ordering::Less);
        assert_eq!(cmp("0:2.34-60.el9", "2.34-60.el9"), Ordering::Equal);
        assert_eq!(cmp("1:1.0-1", "2.0-1"), Ordering::Greater);
        assert_eq!(cmp("2.34-83.el9_3.7", "2.34-83.el9_3.12"), Ordering::Less);
        assert_eq!(cmp("1.0", "1.0-1"), Ordering::Less);
        assert!(Rpm.validate("").is_err());
    }
}
