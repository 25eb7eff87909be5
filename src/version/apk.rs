//! Alpine versions, ordered as apk-tools 2.14 orders them (`apk version -t`).
//!
//! A version is `digit{.digit}...{letter}{_suffix{number}}...{-rN}`: numbers compare as
//! numbers (a component with leading zeros sorts by its zeros first: `1.01 < 1.1`), a
//! letter after the numbers, suffixes `_alpha < _beta < _pre < _rc < (none) < _cvs < _svn <
//! _git < _hg < _p`, then the package revision `-rN`. The tokeniser below reproduces
//! apk-tools' state machine token for token, including what it does with strings it
//! calls invalid, because that is what apk answers for them.

use std::cmp::Ordering;

use super::{Scheme, VersionError};

/// apk-tools' ordering.
#[derive(Debug, Clone, Copy, Default)]
pub struct Apk;

const NAME: &str = "apk";

/// Token kinds, in apk's order (a later kind may not follow an earlier one, with three
/// exceptions in [`next_token`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Token {
    Invalid,
    DigitOrZero,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    RevisionNo,
    End,
}

const PRE_SUFFIXES: [&[u8]; 4] = [b"alpha", b"beta", b"pre", b"rc"];
const POST_SUFFIXES: [&[u8]; 5] = [b"cvs", b"svn", b"git", b"hg", b"p"];

/// Decide the kind of the next token from its first character, consuming separators.
fn next_token(kind: &mut Token, s: &mut &[u8]) {
    let mut n = Token::Invalid;
    match s.first() {
        None | Some(0) => n = Token::End,
        Some(c) if matches!(*kind, Token::Digit | Token::DigitOrZero) && c.is_ascii_lowercase() => {
            n = Token::Letter;
        }
        Some(c) if *kind == Token::Letter && c.is_ascii_digit() => n = Token::Digit,
        Some(c) if *kind == Token::Suffix && c.is_ascii_digit() => n = Token::SuffixNo,
        Some(c) => {
            match c {
                b'.' => n = Token::DigitOrZero,
                b'_' => n = Token::Suffix,
                b'-' if s.get(1) == Some(&b'r') => {
                    n = Token::RevisionNo;
                    *s = &s[1..];
                }
                _ => {}
            }
            *s = &s[1..];
        }
    }
    if n < *kind {
        let allowed = (n == Token::DigitOrZero && *kind == Token::Digit)
            || (n == Token::Suffix && *kind == Token::SuffixNo)
            || (n == Token::Digit && *kind == Token::Letter);
        if !allowed {
            n = Token::Invalid;
        }
    }
    *kind = n;
}

/// Read one token of `kind`, return its value and move `kind` to the next token's kind.
fn get_token(kind: &mut Token, s: &mut &[u8]) -> i64 {
    if s.is_empty() {
        *kind = Token::End;
        return 0;
    }
    let mut i = 0usize;
    let mut next = Token::Invalid;
    let mut v: i64 = 0;
    match *kind {
        Token::DigitOrZero if s[0] == b'0' => {
            // Leading zeros: the value is minus the number of zeros after the first.
            while i + 1 < s.len() && s[i + 1] == b'0' {
                i += 1;
            }
            next = Token::Digit;
            v = -(i as i64);
        }
        Token::DigitOrZero | Token::Digit | Token::SuffixNo | Token::RevisionNo => {
            while i < s.len() && s[i].is_ascii_digit() {
                v = v.wrapping_mul(10).wrapping_add(i64::from(s[i] - b'0'));
                i += 1;
            }
            if i >= 18 {
                *kind = Token::Invalid;
                return -1;
            }
        }
        Token::Letter => {
            v = i64::from(s[0]);
            i = 1;
        }
        Token::Suffix => {
            if let Some((k, p)) = PRE_SUFFIXES
                .iter()
                .enumerate()
                .find(|(_, p)| s.starts_with(p))
            {
                v = k as i64 - PRE_SUFFIXES.len() as i64;
                i = p.len();
            } else if let Some((k, p)) = POST_SUFFIXES
                .iter()
                .enumerate()
                .find(|(_, p)| s.starts_with(p))
            {
                v = k as i64;
                i = p.len();
            } else {
                *kind = Token::Invalid;
                return -1;
            }
        }
        Token::Invalid | Token::End => {
            *kind = Token::Invalid;
            return -1;
        }
    }
    *s = &s[i..];
    if s.is_empty() {
        *kind = Token::End;
    } else if next != Token::Invalid {
        *kind = next;
    } else {
        next_token(kind, s);
    }
    v
}

impl Apk {
    /// Whether apk-tools accepts `version` (`apk version -c` prints the ones it does not).
    pub fn is_valid(version: &str) -> bool {
        let mut s = version.as_bytes();
        let mut kind = Token::Digit;
        while kind != Token::End && kind != Token::Invalid {
            get_token(&mut kind, &mut s);
        }
        kind == Token::End
    }

    /// apk-tools' answer for any two strings, valid or not (what `apk version -t` prints).
    pub fn compare_any(a: &str, b: &str) -> Ordering {
        let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
        let (mut at, mut bt) = (Token::Digit, Token::Digit);
        let (mut av, mut bv) = (0i64, 0i64);
        while at == bt && at != Token::End && at != Token::Invalid && av == bv {
            av = get_token(&mut at, &mut a);
            bv = get_token(&mut bt, &mut b);
        }
        match av.cmp(&bv) {
            Ordering::Equal => {}
            other => return other,
        }
        if at == bt {
            return Ordering::Equal;
        }
        // Equal so far: the longer version is newer, unless what follows is a pre-release
        // suffix.
        let mut tt = at;
        if at == Token::Suffix && get_token(&mut tt, &mut a) < 0 {
            return Ordering::Less;
        }
        let mut tt = bt;
        if bt == Token::Suffix && get_token(&mut tt, &mut b) < 0 {
            return Ordering::Greater;
        }
        bt.cmp(&at)
    }
}

impl Scheme for Apk {
    fn name(&self) -> &'static str {
        NAME
    }

    fn validate(&self, version: &str) -> Result<(), VersionError> {
        // apk-tools takes the empty string as a valid (lowest) version; no package has one.
        if version.is_empty() {
            return Err(VersionError::new(NAME, version, "version string is empty"));
        }
        if Apk::is_valid(version) {
            Ok(())
        } else {
            Err(VersionError::new(NAME, version, "not a valid apk version"))
        }
    }

    fn compare(&self, a: &str, b: &str) -> Result<Ordering, VersionError> {
        self.validate(a)?;
        self.validate(b)?;
        Ok(Apk::compare_any(a, b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        Apk.compare(a, b).unwrap()
    }

    #[test]
    fn the_rules_of_apk_versions() {
        assert_eq!(cmp("1.0_rc1-r0", "1.0-r0"), Ordering::Less);
        assert_eq!(cmp("1.0_p1-r0", "1.0-r0"), Ordering::Greater);
        assert_eq!(cmp("1.0_alpha", "1.0_beta"), Ordering::Less);
        assert_eq!(cmp("1.0-r01", "1.0-r1"), Ordering::Equal);
        assert_eq!(cmp("1.0", "1.0-r0"), Ordering::Less);
        assert_eq!(cmp("1.01", "1.1"), Ordering::Less);
        assert_eq!(cmp("1.0.0", "1.0"), Ordering::Greater);
        assert_eq!(cmp("3.1.0-r4", "3.1.4-r0"), Ordering::Less);
        assert_eq!(cmp("1.0a", "1.0"), Ordering::Greater);
    }

    #[test]
    fn invalid_versions_are_errors_but_apk_still_answers() {
        for bad in ["2.7.16-33", "1.11-20-r0", "1.0_foo", "1.0-"] {
            assert!(!Apk::is_valid(bad), "{bad:?}");
            assert!(Apk.compare(bad, "1.0").is_err(), "{bad:?}");
        }
        assert!(Apk.compare("", "1.0").is_err());
        assert_eq!(Apk::compare_any("9.22-r4", "1.11-20-r0"), Ordering::Greater);
    }
}
