//! File metadata and matching lines, for the paths and patterns a catalogue plans.
//!
//! A planned path may end in a glob (`/etc/ssh/ssh_host_*_key`); each match is collected
//! separately. Metadata is read without opening the file, so FIFOs and devices are safe to
//! stat. Matches are byte-exact: a file whose name is not UTF-8 is stat'ed and read under
//! its own name and shown with the invalid bytes as `\xNN`; the name filter runs before the
//! listing limit, and a directory with more matching names than the limit is an error.
//! Line matching reads the file through the [`HostRoot`] caps, like grep: bytes that are not
//! UTF-8 become U+FFFD instead of failing the file. Only matching lines are kept, cut to
//! [`MAX_LINE_CHARS`] characters: never the rest of the file.

use serde::{Deserialize, Serialize};

use super::{Fact, LineQuery};
use crate::host_root::{display_path, HostRoot, Meta};

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
    let names = NameMaps::load(root);
    patterns
        .iter()
        .map(|p| (p.clone(), collect_stat(root, &names, p)))
        .collect()
}

fn collect_stat(root: &HostRoot, names: &NameMaps, pattern: &str) -> Fact<FileSet> {
    // Byte-exact paths: a name that is not UTF-8 is stat'ed under its own name.
    let paths = match root.glob_paths(pattern) {
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
                        meta,
                    },
                },
                // A dangling symlink: the name exists, the file it names does not.
                Err(e) if e.is_not_found() => return None,
                Err(e) => Fact::from_read_error(&e),
            };
            Some(FileEntry {
                path: display_path(&path),
                stat,
            })
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
        let paths = root.glob_paths(&query.path).map_err(|e| e.to_string())?;
        let files = paths
            .into_iter()
            .map(|path| {
                // Lines are matched like grep: a byte that is not UTF-8 in one line does
                // not make the other lines unknown.
                let matches = match root.read_lossy(&path) {
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
                FileLines {
                    path: display_path(&path),
                    matches,
                }
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

/// uid/gid to name maps read from the host's own passwd and group files (not the scanner's).
struct NameMaps {
    users: Vec<(u32, String)>,
    groups: Vec<(u32, String)>,
}

impl NameMaps {
    fn load(root: &HostRoot) -> NameMaps {
        let parse = |path: &str| -> Vec<(u32, String)> {
            root.read_lossy(path)
                .map(|t| {
                    t.lines()
                        .filter_map(|l| {
                            let mut f = l.split(':');
                            let name = f.next()?;
                            let id = f.nth(1)?.parse().ok()?;
                            Some((id, name.to_string()))
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        NameMaps {
            users: parse("/etc/passwd"),
            groups: parse("/etc/group"),
        }
    }

    fn user(&self, uid: u32) -> Option<String> {
        self.users
            .iter()
            .find(|(id, _)| *id == uid)
            .map(|(_, n)| n.clone())
    }

    fn group(&self, gid: u32) -> Option<String> {
        self.groups
            .iter()
            .find(|(id, _)| *id == gid)
            .map(|(_, n)| n.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn non_utf8_names_are_stated_and_read_under_their_own_name() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("etc/sudoers.d");
        std::fs::create_dir_all(&d).unwrap();
        let p = d.join(std::ffi::OsStr::from_bytes(b"ops-\xe9quipe"));
        std::fs::write(&p, b"# \xe9quipe ops\n%ops ALL=(ALL) ALL\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o666)).unwrap();
        let root = HostRoot::new(dir.path()).unwrap();
        let stats = collect_stats(&root, &["/etc/sudoers.d/*".to_string()]);
        let Fact::Collected { value } = &stats["/etc/sudoers.d/*"] else {
            panic!("{stats:?}")
        };
        assert_eq!(value.entries.len(), 1, "{value:?}");
        assert_eq!(value.entries[0].path, "/etc/sudoers.d/ops-\\xe9quipe");
        let Fact::Collected { value: st } = &value.entries[0].stat else {
            panic!("{value:?}")
        };
        assert_eq!(st.meta.mode, 0o666);

        // Line matching: the Latin-1 comment does not make the file unreadable.
        let q = LineQuery {
            path: "/etc/sudoers.d/*".into(),
            pattern: "^%ops".into(),
        };
        let lines = collect_lines(&root, &q);
        let Fact::Collected { value: files } = &lines.result else {
            panic!("{lines:?}")
        };
        let Fact::Collected { value: m } = &files[0].matches else {
            panic!("{files:?}")
        };
        assert_eq!(m[0].line, 2);
    }
}
