//! File metadata and matching lines, for the paths and patterns a catalogue plans.
//!
//! A planned path may end in a glob (`/etc/ssh/ssh_host_*_key`); each match is collected
//! separately. Metadata is read without opening the file, so FIFOs and devices are safe to
//! stat. Owner and group names come from the scanned host's own passwd and group, through
//! the one accounts parser ([`super::accounts`]), resolved as `getpwuid(3)` and `getgrgid(3)`
//! do (the first entry with the ID); when those files cannot be read the names are unknown
//! and [`Stat::names_error`] says why, so an ownership check is an error, never a fail. Line matching reads the file as UTF-8 text through the [`HostRoot`] caps and keeps
//! only matching lines, cut to [`MAX_LINE_CHARS`] characters: never the rest of the file.

use serde::{Deserialize, Serialize};

use std::collections::HashMap;

use super::accounts::{self, Accounts};
use super::{Fact, LineQuery};
use crate::host_root::{HostRoot, Meta};

/// Longest excerpt of a matched line kept as evidence.
pub const MAX_LINE_CHARS: usize = 200;

/// The files a planned path matched (none when it does not exist).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileSet {
    pub entries: Vec<FileEntry>,
}

/// Metadata of one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileEntry {
    pub path: String,
    pub stat: Fact<Stat>,
}

/// Metadata plus owner and group names resolved from the host's own passwd and group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stat {
    #[serde(flatten)]
    pub meta: Meta,
    pub owner: Option<String>,
    pub group: Option<String>,
    /// Why owner and group names could not be resolved (passwd or group unreadable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub names_error: Option<String>,
}

/// Lines of the files matching a planned path that match a planned pattern.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinesFact {
    pub query: LineQuery,
    pub result: Fact<Vec<FileLines>>,
}

/// The matching lines of one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileLines {
    pub path: String,
    pub matches: Fact<Vec<LineMatch>>,
}

/// One matching line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineMatch {
    pub line: usize,
    pub text: String,
}

/// Stat every file each planned path matches, keyed by the planned path.
pub fn collect_stats(
    root: &HostRoot,
    patterns: &[String],
) -> std::collections::BTreeMap<String, Fact<FileSet>> {
    collect_stats_with(root, patterns, &accounts::collect(root))
}

/// [`collect_stats`] with the host's accounts already collected.
pub fn collect_stats_with(
    root: &HostRoot,
    patterns: &[String],
    accounts: &Fact<Accounts>,
) -> std::collections::BTreeMap<String, Fact<FileSet>> {
    let names = NameMaps::new(accounts);
    patterns
        .iter()
        .map(|p| (p.clone(), collect_stat(root, &names, p)))
        .collect()
}

fn collect_stat(root: &HostRoot, names: &NameMaps<'_>, pattern: &str) -> Fact<FileSet> {
    let paths = match root.glob(pattern) {
        Ok(p) => p,
        Err(e) => return Fact::from_read_error(&e),
    };
    let entries = paths
        .into_iter()
        .filter_map(|path| {
            let stat = match root.metadata(&path) {
                Ok(meta) => Fact::Collected {
                    value: Stat {
                        owner: names.user(meta.uid),
                        group: names.group(meta.gid),
                        names_error: names.error.clone(),
                        meta,
                    },
                },
                // A dangling symlink: the name exists, the file it names does not.
                Err(e) if e.is_not_found() => return None,
                Err(e) => Fact::from_read_error(&e),
            };
            Some(FileEntry { path, stat })
        })
        .collect();
    Fact::Collected {
        value: FileSet { entries },
    }
}

/// Collect the lines matching a planned pattern. The pattern was validated when the
/// catalogue loaded; an invalid one here (a hand-edited plan) is an error fact.
pub fn collect_lines(root: &HostRoot, query: &LineQuery) -> LinesFact {
    let result = (|| {
        let re = regex::Regex::new(&query.pattern)
            .map_err(|e| format!("invalid pattern {:?}: {e}", query.pattern))?;
        let paths = root.glob(&query.path).map_err(|e| e.to_string())?;
        let files = paths
            .into_iter()
            .map(|path| {
                let matches = match root.read_text(&path) {
                    Ok(text) => Fact::Collected {
                        value: text
                            .lines()
                            .enumerate()
                            .filter(|(_, l)| re.is_match(l))
                            .map(|(i, l)| LineMatch {
                                line: i + 1,
                                text: excerpt(l),
                            })
                            .collect(),
                    },
                    Err(e) => Fact::from_read_error(&e),
                };
                FileLines { path, matches }
            })
            .collect();
        Ok::<_, String>(files)
    })();
    LinesFact {
        query: query.clone(),
        result: match result {
            Ok(value) => Fact::Collected { value },
            Err(reason) => Fact::error(reason),
        },
    }
}

/// Cut a line to at most [`MAX_LINE_CHARS`] characters.
pub fn excerpt(line: &str) -> String {
    let line = line.trim_end();
    match line.char_indices().nth(MAX_LINE_CHARS) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_string(),
    }
}

/// uid/gid to name maps from the host's own passwd and group (not the scanner's).
struct NameMaps<'a> {
    users: HashMap<u32, &'a str>,
    groups: HashMap<u32, &'a str>,
    error: Option<String>,
}

impl<'a> NameMaps<'a> {
    fn new(accounts: &'a Fact<Accounts>) -> NameMaps<'a> {
        match accounts {
            Fact::Collected { value } => NameMaps {
                users: value.user_names(),
                groups: value.group_names(),
                error: None,
            },
            Fact::Error { reason, .. } => NameMaps {
                users: HashMap::new(),
                groups: HashMap::new(),
                error: Some(format!("owner and group names unknown: {reason}")),
            },
        }
    }

    fn user(&self, uid: u32) -> Option<String> {
        self.users.get(&uid).map(|n| n.to_string())
    }

    fn group(&self, gid: u32) -> Option<String> {
        self.groups.get(&gid).map(|n| n.to_string())
    }
}
