//! Key/value configuration files: `/etc/login.defs`, `pwquality.conf`, `faillock.conf` and
//! the like.
//!
//! Two layouts are understood. [`Format::Spaces`] is `KEY VALUE` separated by whitespace
//! (login.defs); [`Format::Equals`] is `key = value` (pwquality.conf, faillock.conf,
//! journald.conf). In both, `#` starts a comment line, blank lines are skipped, keys keep
//! their case, and every occurrence is kept with its line so evaluation can report where a
//! value was set. Which occurrence is effective is the reader's rule: login.defs and
//! pwquality use the *last* occurrence, and that is what [`KeyValues::effective`] returns.
//!
//! `/etc/login.defs` is collected whole (it holds no secrets). Other files are collected
//! only for the keys a catalogue asks for, so a file that also holds a secret never puts it
//! in the facts bundle.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ConfigQuery, Fact, Origin};
use crate::host_root::{HostRoot, ReadError};
pub use crate::vocab::Format;

/// The values of a key/value file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyValues {
    /// Host path of the file.
    pub path: String,
    /// Whether the file exists. A missing file has no entries.
    pub present: bool,
    /// Every occurrence of every (wanted) key, in file order.
    pub entries: BTreeMap<String, Vec<Occurrence>>,
}

/// One `key value` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Occurrence {
    pub value: String,
    pub line: usize,
}

impl KeyValues {
    /// The effective (last) value of a key, with its origin.
    pub fn effective(&self, key: &str) -> Option<(&str, Origin)> {
        self.entries
            .get(key)
            .and_then(|v| v.last())
            .map(|o| (o.value.as_str(), Origin::at(self.path.clone(), o.line)))
    }
}

/// The result of one planned key/value read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigFact {
    pub query: ConfigQuery,
    pub result: Fact<KeyValues>,
}

/// `/etc/login.defs`, read as bytes and parsed by [`parse_login_defs`]; absent is
/// `present: false`.
pub fn read_login_defs(root: &HostRoot, path: &str) -> Result<KeyValues, ReadError> {
    match root.read(path) {
        Ok(bytes) => Ok(parse_login_defs(&bytes, path)),
        Err(e) if e.is_not_found() => Ok(KeyValues {
            path: path.to_string(),
            present: false,
            entries: BTreeMap::new(),
        }),
        Err(e) => Err(e),
    }
}

/// Collect the keys a catalogue asked for.
pub fn collect(root: &HostRoot, query: &ConfigQuery) -> ConfigFact {
    ConfigFact {
        query: query.clone(),
        result: read(root, &query.path, query.format, Some(&query.keys)).into(),
    }
}

fn read(
    root: &HostRoot,
    path: &str,
    format: Format,
    keys: Option<&[String]>,
) -> Result<KeyValues, ReadError> {
    let text = match root.read_lossy(path) {
        Ok(t) => t,
        Err(ReadError::NotFound { .. }) => {
            return Ok(KeyValues {
                path: path.to_string(),
                present: false,
                entries: BTreeMap::new(),
            })
        }
        Err(e) => return Err(e),
    };
    let mut kv = parse(&text, path, format);
    if let Some(keys) = keys {
        kv.entries.retain(|k, _| keys.iter().any(|w| w == k));
    }
    Ok(kv)
}

/// Parse key/value text.
pub fn parse(text: &str, path: &str, format: Format) -> KeyValues {
    if format == Format::Useradd {
        return parse_useradd(text.as_bytes(), path);
    }
    let mut entries: BTreeMap<String, Vec<Occurrence>> = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let pair = match format {
            Format::Useradd => unreachable!("read by parse_useradd"),
            Format::Spaces => line
                .split_once(|c: char| c.is_whitespace())
                .map(|(k, v)| (k, v.trim())),
            Format::Equals => line.split_once('=').map(|(k, v)| (k.trim(), v.trim())),
        };
        // A key alone on a line (pwquality's `enforce_for_root`) is a flag set to "".
        let (key, value) = pair.unwrap_or((line, ""));
        if key.is_empty() || key.contains(char::is_whitespace) {
            continue;
        }
        entries
            .entry(key.to_string())
            .or_default()
            .push(Occurrence {
                value: value.to_string(),
                line: i + 1,
            });
    }
    KeyValues {
        path: path.to_string(),
        present: true,
        entries,
    }
}

/// The pieces C's `fgets` into a `size`-byte buffer returns, each with the physical line
/// it starts on.
fn fgets_lines(bytes: &[u8], size: usize) -> Vec<(usize, &[u8])> {
    let mut file = super::cstdio::Fgets::new(bytes);
    let mut out = Vec::new();
    loop {
        let start = file.line_no() + 1;
        let Some((piece, _)) = file.read(size) else {
            return out;
        };
        out.push((start, piece));
    }
}

/// `/etc/login.defs` as shadow 4.13's `def_load` reads it (Debian 12 builds it without
/// libeconf): 1024-byte `fgets` lines, trailing white space trimmed, the name after
/// leading blanks and tabs (`#` there: a comment), a line with one field ignored, the value
/// after blanks, tabs and double quotes, cut at the next double quote. Names keep their
/// case (`def_find` uses `strcmp`); the last occurrence wins.
pub fn parse_login_defs(bytes: &[u8], path: &str) -> KeyValues {
    let mut entries: BTreeMap<String, Vec<Occurrence>> = BTreeMap::new();
    for (line_no, piece) in fgets_lines(bytes, 1024) {
        let end = piece
            .iter()
            .rposition(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))
            .map_or(0, |p| p + 1);
        let line = &piece[..end];
        let start = line
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t'))
            .unwrap_or(line.len());
        let name_and_rest = &line[start..];
        if name_and_rest.is_empty() || name_and_rest[0] == b'#' {
            continue;
        }
        let Some(sep) = name_and_rest.iter().position(|b| matches!(b, b' ' | b'\t')) else {
            continue;
        };
        let name = &name_and_rest[..sep];
        let after = &name_and_rest[sep + 1..];
        let vstart = after
            .iter()
            .position(|b| !matches!(b, b' ' | b'\t' | b'"'))
            .unwrap_or(after.len());
        let value = &after[vstart..];
        let value = match value.iter().position(|&b| b == b'"') {
            Some(q) => &value[..q],
            None => value,
        };
        entries
            .entry(String::from_utf8_lossy(name).into_owned())
            .or_default()
            .push(Occurrence {
                value: String::from_utf8_lossy(value).into_owned(),
                line: line_no,
            });
    }
    KeyValues {
        path: path.to_string(),
        present: true,
        entries,
    }
}

/// `/etc/default/useradd` as shadow 4.13's useradd `get_defaults` reads it: 1024-byte
/// `fgets` lines, the last newline removed, lines without `=` ignored; a setting applies
/// when the line starts with its name and `=` exactly (no blanks before or around `=`), and
/// its value is everything after that `=` (a trailing blank or carriage return included).
/// The key recorded is the text before the first `=`; the last occurrence wins.
pub fn parse_useradd(bytes: &[u8], path: &str) -> KeyValues {
    let mut entries: BTreeMap<String, Vec<Occurrence>> = BTreeMap::new();
    for (line_no, piece) in fgets_lines(bytes, 1024) {
        let line = match piece.iter().rposition(|&b| b == b'\n') {
            Some(n) => &piece[..n],
            None => piece,
        };
        let Some(eq) = line.iter().position(|&b| b == b'=') else {
            continue;
        };
        entries
            .entry(String::from_utf8_lossy(&line[..eq]).into_owned())
            .or_default()
            .push(Occurrence {
                value: String::from_utf8_lossy(&line[eq + 1..]).into_owned(),
                line: line_no,
            });
    }
    KeyValues {
        path: path.to_string(),
        present: true,
        entries,
    }
}

/// shadow's `getlong`: `strtol` with base 0 over the whole value (`010` is octal 8, `0x1f`
/// hex; nothing may follow the number, an empty value or overflow fails); `getdef_num`
/// also refuses values outside `int`.
pub fn shadow_number(value: &str) -> Option<i64> {
    let t = value.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (radix, digits) = if (t.starts_with("0x") || t.starts_with("0X"))
        && t.len() > 2
        && t.as_bytes()[2].is_ascii_hexdigit()
    {
        (16, &t[2..])
    } else if t.starts_with('0') && t.len() > 1 {
        (8, &t[1..])
    } else {
        (10, t)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let n = i64::from_str_radix(digits, radix).ok()?;
    let n = if neg { -n } else { n };
    (i64::from(i32::MIN)..=i64::from(i32::MAX))
        .contains(&n)
        .then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_defs_as_shadow_def_load_reads_it() {
        let text = b"PASS_MAX_DAYS 90\nPASS_MAX_DAYS\n  UMASK\t\"027\" # x\n#PASS_MIN_DAYS 1\npass_min_days 3\nPASS_WARN_AGE 7 # week\r\nLOG_OK_LOGINS\tno\x00yes\n";
        let kv = parse_login_defs(text, "/etc/login.defs");
        // A name alone is ignored, not an empty value.
        assert_eq!(kv.effective("PASS_MAX_DAYS").unwrap().0, "90");
        assert_eq!(kv.effective("UMASK").unwrap().0, "027");
        assert!(kv.effective("PASS_MIN_DAYS").is_none());
        assert_eq!(kv.effective("PASS_WARN_AGE").unwrap().0, "7 # week");
        assert_eq!(kv.effective("LOG_OK_LOGINS").unwrap().0, "no");
        // fgets' 1024-byte buffer: the rest of a long line is read as a line of its own.
        let long = format!("X_LONG {}PASS_MAX_DAYS 30\n", "a".repeat(1023 - 7));
        let kv = parse_login_defs(long.as_bytes(), "/etc/login.defs");
        assert_eq!(kv.effective("PASS_MAX_DAYS").unwrap().0, "30");
    }

    #[test]
    fn useradd_defaults_as_get_defaults_reads_them() {
        let kv = parse_useradd(
            b"INACTIVE=30\n# INACTIVE=1\nINACTIVE = 5\nSHELL=/bin/sh \r\n",
            "/f",
        );
        let occ: Vec<&str> = kv.entries["INACTIVE"]
            .iter()
            .map(|o| o.value.as_str())
            .collect();
        assert_eq!(occ, ["30"]);
        assert_eq!(kv.effective("INACTIVE ").unwrap().0, " 5");
        assert_eq!(kv.effective("SHELL").unwrap().0, "/bin/sh \r");
    }

    #[test]
    fn shadow_numbers_as_getlong_reads_them() {
        assert_eq!(shadow_number("90"), Some(90));
        assert_eq!(shadow_number("010"), Some(8));
        assert_eq!(shadow_number("0x1f"), Some(31));
        assert_eq!(shadow_number("-1"), Some(-1));
        assert_eq!(shadow_number("099"), None);
        assert_eq!(shadow_number("90 "), None);
        assert_eq!(shadow_number("90\r"), None);
        assert_eq!(shadow_number(""), None);
        assert_eq!(shadow_number("0"), Some(0));
        assert_eq!(shadow_number("3000000000"), None);
    }

    #[test]
    fn login_defs_layout_last_wins() {
        let kv = parse(
            "# comment\nPASS_MAX_DAYS\t99999\nUMASK 022\n\nPASS_MAX_DAYS 90\n",
            "/etc/login.defs",
            Format::Spaces,
        );
        let (v, o) = kv.effective("PASS_MAX_DAYS").unwrap();
        assert_eq!(v, "90");
        assert_eq!(o.to_string(), "/etc/login.defs:5");
        assert_eq!(kv.effective("UMASK").unwrap().0, "022");
    }

    #[test]
    fn equals_layout_with_flags() {
        let kv = parse(
            "minlen = 14\nenforce_for_root\n  dcredit=-1\n",
            "/etc/security/pwquality.conf",
            Format::Equals,
        );
        assert_eq!(kv.effective("minlen").unwrap().0, "14");
        assert_eq!(kv.effective("enforce_for_root").unwrap().0, "");
        assert_eq!(kv.effective("dcredit").unwrap().0, "-1");
    }
}
