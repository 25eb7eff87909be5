//! Resource limits that pam_limits sets at login, read as Linux-PAM 1.5's pam_limits reads
//! them, for the limits the catalogue judges (core dumps above all).
//!
//! `/etc/security/limits.conf`, then `/etc/security/limits.d/*.conf` in C collation order.
//! Everything from `#` on is a comment; a line is `domain type item value` (fewer fields is
//! an invalid line pam_limits skips; `domain -` alone exempts that domain from all limits).
//! `type` is `soft`, `hard` or `-` (both); items and types are compared exactly. A value of
//! `unlimited`, `infinity` or `-1` is no limit. A line sets a limit only when no line of a
//! more specific domain set it before: a user beats a group, a group beats `*`, and among
//! lines of the same kind the later wins. `%` domains limit logins only.

use serde::{Deserialize, Serialize};

use super::{Fact, Origin};
use crate::host_root::HostRoot;

/// The main file.
pub const LIMITS_CONF: &str = "/etc/security/limits.conf";
/// The drop-in directory (`*.conf`).
pub const LIMITS_D: &str = "/etc/security/limits.d";

/// One line of a limits file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub origin: Origin,
    pub domain: String,
    /// `soft`, `hard` or `-`.
    pub kind: String,
    pub item: String,
    pub value: String,
}

impl Entry {
    /// Whether the entry sets the hard limit.
    pub fn hard(&self) -> bool {
        self.kind == "hard" || self.kind == "-"
    }

    /// The value as a number: `None` for no limit.
    pub fn number(&self) -> Option<u64> {
        match self.value.as_str() {
            "unlimited" | "infinity" | "-1" => None,
            // A value pam_limits cannot read is skipped by it; Ward treats it as the
            // largest number so it never passes an upper bound.
            v => v
                .parse::<u64>()
                .ok()
                .map(|n| n.min(i64::MAX as u64))
                .or(Some(i64::MAX as u64)),
        }
    }

    /// How specific the domain is (lower wins): user 0, group 1, `*` 3.
    pub fn rank(&self) -> u8 {
        if self.domain == "*" {
            3
        } else if self.domain.starts_with('@') || self.domain.starts_with('%') {
            1
        } else {
            0
        }
    }
}

/// The limits configuration of a host.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Files read, in order.
    pub files: Vec<String>,
    pub entries: Vec<Entry>,
    /// Lines pam_limits skips, with the reason.
    pub invalid: Vec<(Origin, String)>,
}

impl Limits {
    /// The hard limit an ordinary user (matched by no user or group line) gets for
    /// `item`: the `*` line that pam_limits applies last, if any.
    pub fn everyone_hard(&self, item: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.item == item && e.hard() && e.domain == "*")
    }

    /// User and group lines that set a hard limit for `item`.
    pub fn specific_hard<'a>(&'a self, item: &'a str) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries
            .iter()
            .filter(move |e| e.item == item && e.hard() && e.rank() < 3)
    }
}

/// Collect the limits files under `root`.
pub fn collect(root: &HostRoot) -> Fact<Limits> {
    let mut out = Limits::default();
    let mut paths = vec![LIMITS_CONF.to_string()];
    match root.read_dir_matching(LIMITS_D, |n| {
        n.to_str()
            .is_some_and(|n| n.ends_with(".conf") && !n.starts_with('.'))
    }) {
        Ok(entries) => paths.extend(entries.iter().map(|e| e.display_path())),
        Err(e) if e.is_not_found() => {}
        Err(e) => return Fact::from_read_error(&e),
    }
    for path in paths {
        let text = match root.read_lossy(&path) {
            Ok(t) => t,
            Err(e) if e.is_not_found() => continue,
            Err(e) => return Fact::from_read_error(&e),
        };
        out.files.push(path.clone());
        for (i, raw) in text.lines().enumerate() {
            let origin = Origin::at(path.clone(), i + 1);
            let line = raw.split('#').next().unwrap_or("");
            let words: Vec<&str> = line.split_ascii_whitespace().collect();
            match words.as_slice() {
                [] => {}
                [domain, kind, item, value, ..] => out.entries.push(Entry {
                    origin,
                    domain: domain.to_string(),
                    kind: kind.to_string(),
                    item: item.to_string(),
                    value: value.to_string(),
                }),
                [domain, "-"] => out.invalid.push((
                    origin,
                    format!("`{domain} -` exempts {domain} from every limit"),
                )),
                _ => out
                    .invalid
                    .push((origin, "invalid line: pam_limits skips it".to_string())),
            }
        }
    }
    Fact::Collected { value: out }
}
