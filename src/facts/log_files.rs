//! The modes of the files under `/var/log`, from one bounded listing.
//!
//! Logs hold user names, addresses, command lines and sometimes patient identifiers typed
//! into the wrong field; a log any local account can read leaks them, and one any account
//! can write can be forged or emptied. This collector lists `/var/log` (through
//! [`HostRoot`], never following a symlink below it, never opening a file) and keeps each
//! entry's kind, mode and owner ids, so the `logging` probe can judge them against the
//! catalogue's limit and its exceptions. The listing is bounded in depth and entries;
//! reaching a bound, or a directory that cannot be listed, is recorded and makes the
//! judgement `error` rather than a pass over a partial list.

use serde::{Deserialize, Serialize};

use super::Fact;
use crate::host_root::{FileKind, HostRoot};

/// The directory listed.
pub const LOG_DIR: &str = "/var/log";
/// Deepest level listed below `/var/log`.
pub const MAX_DEPTH: usize = 8;
/// Most entries kept.
pub const MAX_ENTRIES: usize = 50_000;

/// What the listing found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LogFiles {
    /// `/var/log` exists.
    pub exists: bool,
    pub entries: Vec<LogEntry>,
    /// Directories that could not be listed, with the reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unreadable: Vec<String>,
    /// Where a bound stopped the listing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incomplete: Option<String>,
}

/// One entry under `/var/log`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub path: String,
    pub kind: FileKind,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

/// List `/var/log`.
pub fn collect(root: &HostRoot) -> Fact<LogFiles> {
    let mut out = LogFiles::default();
    match root.metadata(LOG_DIR) {
        Ok(m) if m.kind == FileKind::Directory => out.exists = true,
        Ok(_) => return Fact::Collected { value: out },
        Err(e) if e.is_not_found() => return Fact::Collected { value: out },
        Err(e) => return Fact::from_read_error(&e),
    }
    list(root, LOG_DIR, 1, &mut out);
    Fact::Collected { value: out }
}

fn list(root: &HostRoot, dir: &str, depth: usize, out: &mut LogFiles) {
    if out.incomplete.is_some() {
        return;
    }
    let entries = match root.read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            out.unreadable.push(e.to_string());
            return;
        }
    };
    for e in entries {
        if out.entries.len() >= MAX_ENTRIES {
            out.incomplete = Some(format!(
                "more than {MAX_ENTRIES} entries under {LOG_DIR}; stopped at {dir}"
            ));
            return;
        }
        let path = e.display_path();
        let meta = match root.symlink_metadata(&e.path) {
            Ok(m) => m,
            Err(err) => {
                out.unreadable.push(err.to_string());
                continue;
            }
        };
        out.entries.push(LogEntry {
            path: path.clone(),
            kind: meta.kind,
            mode: meta.mode & 0o7777,
            uid: meta.uid,
            gid: meta.gid,
        });
        if meta.kind == FileKind::Directory {
            if depth >= MAX_DEPTH {
                out.incomplete = Some(format!(
                    "{path} is deeper than {MAX_DEPTH} levels below {LOG_DIR}"
                ));
                return;
            }
            list(root, &path, depth + 1, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn lists_modes_without_following_links() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("var/log/apt");
        std::fs::create_dir_all(&log).unwrap();
        std::fs::write(log.join("term.log"), "x").unwrap();
        std::fs::set_permissions(log.join("term.log"), std::fs::Permissions::from_mode(0o640))
            .unwrap();
        std::os::unix::fs::symlink("/etc", dir.path().join("var/log/link")).unwrap();
        let root = HostRoot::new(dir.path()).unwrap();
        let Fact::Collected { value } = collect(&root) else {
            panic!()
        };
        assert!(value.exists);
        let paths: Vec<_> = value
            .entries
            .iter()
            .map(|e| (e.path.as_str(), e.kind, e.mode))
            .collect();
        assert_eq!(
            paths,
            vec![
                (
                    "/var/log/apt",
                    FileKind::Directory,
                    0o755 & !0o022 | (value.entries[0].mode & 0o022)
                ),
                ("/var/log/apt/term.log", FileKind::File, 0o640),
                ("/var/log/link", FileKind::Symlink, value.entries[2].mode),
            ]
        );
    }
}
