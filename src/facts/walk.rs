//! One bounded walk of the host's tree for the permissions no single path reveals:
//! world-writable files and directories, files no account or group owns, and the set-user-ID
//! and set-group-ID programs; and the home directories of the accounts in passwd.
//!
//! The walk starts at `/`, never follows a symlink and never opens a file: it lists
//! directories and reads each entry's metadata through [`HostRoot::walk`]. `/proc`, `/sys`,
//! `/dev` and `/run` are never entered, and on the live host neither is any other mount
//! (pseudo file systems, tmpfs, network and removable file systems all sit on another device
//! than `/`). It is bounded by depth, entry count and wall time; reaching any bound is
//! recorded in [`Walk::limit_reached`] so that the checks report `error` naming it instead of
//! passing on a partial walk. Only metadata is recorded (path, kind, mode, owner ids), each
//! list capped at [`MAX_LISTED`] items with its true count beside it.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::accounts::Accounts;
use super::Fact;
use crate::host_root::{display_path, FileKind, HostRoot, Meta, WalkEvent, WalkOptions};

/// Directories never entered, wherever the scan runs.
pub const SKIPPED: [&str; 4] = ["/proc", "/sys", "/dev", "/run"];
/// Most items kept in each list (the count goes on).
pub const MAX_LISTED: usize = 1_000;

/// Bounds of the walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalkLimits {
    /// Deepest entry visited (`/etc/passwd` is depth 2).
    pub max_depth: usize,
    /// Most entries visited.
    pub max_entries: u64,
    /// Longest wall time, in milliseconds.
    pub max_millis: u64,
}

impl Default for WalkLimits {
    fn default() -> WalkLimits {
        WalkLimits {
            max_depth: 64,
            max_entries: 2_000_000,
            max_millis: 20_000,
        }
    }
}

/// One file or directory found by the walk (metadata only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Found {
    pub path: String,
    pub kind: FileKind,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

/// A capped list: the first [`MAX_LISTED`] items found, in walk (name) order, and how many
/// were found in all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capped {
    pub items: Vec<Found>,
    pub count: u64,
}

impl Capped {
    fn push(&mut self, rel: &Path, meta: &Meta) {
        self.count += 1;
        if self.items.len() < MAX_LISTED {
            self.items.push(Found {
                path: format!("/{}", display_path(rel)),
                kind: meta.kind,
                mode: meta.mode,
                uid: meta.uid,
                gid: meta.gid,
            });
        }
    }
}

/// What the walk found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Walk {
    pub limits: WalkLimits,
    /// Entries visited.
    pub entries: u64,
    /// The bound that stopped the walk, in words; `None` when it finished.
    pub limit_reached: Option<String>,
    /// Paths that could not be listed or examined, with the reason.
    pub unreadable: Vec<String>,
    pub unreadable_count: u64,
    /// Some of them were refused by the operating system (root would likely read them).
    pub permission_denied: bool,
    /// Mount points not entered because they are another device (live host).
    pub other_mounts: Vec<String>,
    /// World-writable regular files.
    pub world_writable_files: Capped,
    /// World-writable directories without the sticky bit.
    pub world_writable_dirs: Capped,
    /// World-writable directories with the sticky bit (`/tmp`).
    pub sticky_dirs: Capped,
    /// Entries whose UID has no passwd entry.
    pub unowned: Capped,
    /// Entries whose GID has no group entry.
    pub ungrouped: Capped,
    /// Regular files with the set-user-ID or set-group-ID bit.
    pub setid: Capped,
}

/// Walk `root` within `limits`; owners are judged against `accounts` (the accounts
/// collector's parse). Without it, ownership is not judged and the walk is an error.
pub fn collect(root: &HostRoot, limits: WalkLimits, accounts: &Fact<Accounts>) -> Fact<Walk> {
    let accounts = match accounts {
        Fact::Collected { value } => value,
        Fact::Error { reason, .. } => {
            return Fact::error(format!(
                "the file system walk judges owners against the accounts, which were not \
                 collected: {reason}"
            ))
        }
    };
    let uids: HashSet<u32> = accounts.users.iter().map(|u| u.uid).collect();
    let gids: HashSet<u32> = accounts.groups.iter().map(|g| g.gid).collect();
    let mut out = Walk {
        limits,
        ..Walk::default()
    };
    let started = Instant::now();
    let deadline = Duration::from_millis(limits.max_millis);
    let opts = WalkOptions {
        max_depth: limits.max_depth,
        skip: &SKIPPED,
    };
    root.walk(&opts, |event| match event {
        WalkEvent::Entry { path, meta } => {
            out.entries += 1;
            if out.entries > limits.max_entries {
                out.entries -= 1;
                out.limit_reached = Some(format!(
                    "the entry limit ({}) was reached at /{}",
                    limits.max_entries,
                    display_path(path)
                ));
                return false;
            }
            if out.entries % 256 == 0 && started.elapsed() > deadline {
                out.limit_reached = Some(format!(
                    "the time limit ({} ms) was reached at /{}",
                    limits.max_millis,
                    display_path(path)
                ));
                return false;
            }
            let world_writable = meta.mode & 0o002 != 0;
            match meta.kind {
                FileKind::File => {
                    if world_writable {
                        out.world_writable_files.push(path, &meta);
                    }
                    if meta.mode & 0o6000 != 0 {
                        out.setid.push(path, &meta);
                    }
                }
                FileKind::Directory if world_writable => {
                    if meta.mode & 0o1000 != 0 {
                        out.sticky_dirs.push(path, &meta);
                    } else {
                        out.world_writable_dirs.push(path, &meta);
                    }
                }
                _ => {}
            }
            if !uids.contains(&meta.uid) {
                out.unowned.push(path, &meta);
            }
            if !gids.contains(&meta.gid) {
                out.ungrouped.push(path, &meta);
            }
            true
        }
        WalkEvent::Unreadable { error, .. } => {
            out.unreadable_count += 1;
            out.permission_denied |= error.is_permission_denied();
            if out.unreadable.len() < MAX_LISTED {
                out.unreadable.push(error.to_string());
            }
            true
        }
        WalkEvent::OtherDevice { path } => {
            if out.other_mounts.len() < MAX_LISTED {
                out.other_mounts.push(format!("/{}", display_path(path)));
            }
            true
        }
        WalkEvent::TooDeep { path } => {
            out.limit_reached = Some(format!(
                "the depth limit ({}) was reached at /{}",
                limits.max_depth,
                display_path(path)
            ));
            false
        }
    });
    Fact::Collected { value: out }
}

/// The home directory of one passwd entry, as found (metadata only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Home {
    pub user: String,
    pub uid: u32,
    pub gid: u32,
    pub shell: String,
    /// The home field of passwd.
    pub path: String,
    /// Nothing exists at the path.
    pub missing: bool,
    /// Its metadata (symlinks inside the root followed), or the read error.
    pub meta: Fact<Meta>,
}

/// Home directories of every passwd entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Homes {
    pub homes: Vec<Home>,
}

/// Examine the home directory of each passwd entry with an absolute home.
pub fn collect_homes(root: &HostRoot, accounts: &Fact<Accounts>) -> Fact<Homes> {
    let accounts = match accounts {
        Fact::Collected { value } => value,
        Fact::Error { reason, .. } => {
            return Fact::error(format!(
                "home directories come from the accounts, which were not collected: {reason}"
            ))
        }
    };
    let homes = accounts
        .users
        .iter()
        .map(|u| {
            let mut missing = false;
            let meta = if u.home.starts_with('/') {
                match root.metadata(u.home.as_str()) {
                    Ok(m) => Fact::Collected { value: m },
                    Err(e) => {
                        missing = e.is_not_found();
                        Fact::from_read_error(&e)
                    }
                }
            } else {
                Fact::error(format!("home {:?} is not an absolute path", u.home))
            };
            Home {
                user: u.name.to_string(),
                uid: u.uid,
                gid: u.gid,
                shell: u.shell.to_string(),
                path: u.home.to_string(),
                missing,
                meta,
            }
        })
        .collect();
    Fact::Collected {
        value: Homes { homes },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    fn accounts(root: &HostRoot) -> Fact<Accounts> {
        super::super::accounts::collect(root)
    }

    fn host() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        fs::create_dir_all(p.join("etc")).unwrap();
        fs::write(p.join("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n").unwrap();
        fs::write(p.join("etc/group"), "root:x:0:\n").unwrap();
        d
    }

    fn walk(dir: &Path, limits: WalkLimits) -> Walk {
        let uid = crate::facts::current_uid();
        let root = HostRoot::new(dir).unwrap();
        // Serve every path as root's, whoever runs the test.
        let mut owners = std::collections::BTreeMap::new();
        for e in walkdir::WalkDir::new(dir).min_depth(1) {
            let e = e.unwrap();
            let rel = e.path().strip_prefix(dir).unwrap();
            owners.insert(format!("/{}", rel.display()), (0, 0));
        }
        let root = if uid == 0 {
            root
        } else {
            root.with_owners(owners)
        };
        match collect(&root, limits, &accounts(&root)) {
            Fact::Collected { value } => value,
            Fact::Error { reason, .. } => panic!("{reason}"),
        }
    }

    #[test]
    fn finds_world_writable_setid_and_skips_proc_and_symlinks() {
        let d = host();
        let p = d.path();
        fs::create_dir_all(p.join("srv/open")).unwrap();
        fs::write(p.join("srv/data"), "x").unwrap();
        fs::set_permissions(p.join("srv/data"), fs::Permissions::from_mode(0o666)).unwrap();
        fs::set_permissions(p.join("srv/open"), fs::Permissions::from_mode(0o777)).unwrap();
        fs::write(p.join("srv/helper"), "x").unwrap();
        fs::set_permissions(p.join("srv/helper"), fs::Permissions::from_mode(0o4755)).unwrap();
        // Ignored: inside /proc, and behind a symlink out of the root.
        fs::create_dir_all(p.join("proc/1")).unwrap();
        fs::write(p.join("proc/1/x"), "x").unwrap();
        fs::set_permissions(p.join("proc/1/x"), fs::Permissions::from_mode(0o666)).unwrap();
        std::os::unix::fs::symlink("/", p.join("srv/escape")).unwrap();
        let w = walk(p, WalkLimits::default());
        assert_eq!(w.limit_reached, None);
        let paths = |c: &Capped| c.items.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
        assert_eq!(paths(&w.world_writable_files), ["/srv/data"]);
        assert_eq!(paths(&w.world_writable_dirs), ["/srv/open"]);
        assert_eq!(paths(&w.setid), ["/srv/helper"]);
        assert_eq!(w.unowned.count, 0);
        // etc, etc/group, etc/passwd, srv, srv/data, srv/escape, srv/helper, srv/open.
        assert_eq!(w.entries, 8);
    }

    #[test]
    fn limits_are_recorded() {
        let d = host();
        let p = d.path();
        fs::create_dir_all(p.join("a/b/c/d")).unwrap();
        let w = walk(
            p,
            WalkLimits {
                max_depth: 3,
                ..WalkLimits::default()
            },
        );
        assert!(
            w.limit_reached
                .as_deref()
                .unwrap()
                .contains("depth limit (3)"),
            "{:?}",
            w.limit_reached
        );
        let w = walk(
            p,
            WalkLimits {
                max_entries: 2,
                ..WalkLimits::default()
            },
        );
        assert!(w.limit_reached.unwrap().contains("entry limit (2)"));
        assert_eq!(w.entries, 2);
    }
}
