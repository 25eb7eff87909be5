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

/// Read every key of a key/value file. A missing file is collected as `present: false`.
pub fn read_all(root: &HostRoot, path: &str, format: Format) -> Result<KeyValues, ReadError> {
    read(root, path, format, None)
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
    let mut entries: BTreeMap<String, Vec<Occurrence>> = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let pair = match format {
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

#[cfg(test)]
mod tests {
    use super::*;

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
