//! File metadata and matching lines, for the paths and patterns a catalogue plans.
//!
//! A planned path may end in a glob (`/etc/ssh/ssh_host_*_key`); each match is collected
//! separately. Metadata is read without opening the file, so FIFOs and devices are safe to
//! stat. Matches are byte-exact: a file whose name is not UTF-8 is stat'ed and read under
//! its own name and shown with the invalid bytes as `\xNN`; the name filter runs before the
//! listing limit, and a directory with more matching names than the limit is an error.
//! Owner and group names come from the scanned host's own passwd and group, through the one
//! accounts parser ([`super::accounts`]), resolved as `getpwuid(3)` and `getgrgid(3)` do (the
//! first entry with the ID); when those files cannot be read the names are unknown and
//! [`Stat::names_error`] says why, so an ownership check is an error, never a fail.
//! Line matching reads the file through the [`HostRoot`] caps, like grep: bytes that are not
//! UTF-8 become U+FFFD instead of failing the file. Only matching lines are kept, cut to
//! [`MAX_LINE_CHARS`] characters: never the rest of the file. Secret files
//! ([`is_secret_path`]) and lines that look like a password hash or private key
//! ([`looks_secret`]) are recorded as matched with their content withheld, whatever the
//! catalogue asks for.

use serde::{Deserialize, Serialize};

use foldhash::HashMap;

use super::accounts::{self, Accounts};
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
///
/// Owner and group names are resolved after every file is stat'ed, in one pass over the
/// accounts for just the ids the files have (the first entry with an id wins, as with
/// `getpwuid(3)`), so a million-account passwd costs one linear scan, not a full map.
pub fn collect_stats_with(
    root: &HostRoot,
    patterns: &[String],
    accounts: &Fact<Accounts>,
) -> std::collections::BTreeMap<String, Fact<FileSet>> {
    let mut sets: std::collections::BTreeMap<String, Fact<FileSet>> = patterns
        .iter()
        .map(|p| (p.clone(), collect_stat(root, p)))
        .collect();
    let mut uids: HashMap<u32, Option<String>> = HashMap::default();
    let mut gids: HashMap<u32, Option<String>> = HashMap::default();
    for_each_stat(&mut sets, |stat| {
        uids.insert(stat.meta.uid, None);
        gids.insert(stat.meta.gid, None);
    });
    let names_error = match accounts {
        Fact::Collected { value } => {
            for u in &value.users {
                if let Some(slot @ None) = uids.get_mut(&u.uid) {
                    *slot = Some(u.name.to_string());
                }
            }
            for g in &value.groups {
                if let Some(slot @ None) = gids.get_mut(&g.gid) {
                    *slot = Some(g.name.to_string());
                }
            }
            None
        }
        Fact::Error { reason, .. } => Some(format!("owner and group names unknown: {reason}")),
    };
    for_each_stat(&mut sets, |stat| {
        stat.owner = uids.get(&stat.meta.uid).cloned().flatten();
        stat.group = gids.get(&stat.meta.gid).cloned().flatten();
        stat.names_error.clone_from(&names_error);
    });
    sets
}

/// Visit every file that was stat'ed.
fn for_each_stat(
    sets: &mut std::collections::BTreeMap<String, Fact<FileSet>>,
    mut f: impl FnMut(&mut Stat),
) {
    for set in sets.values_mut() {
        if let Fact::Collected { value } = set {
            for entry in &mut value.entries {
                if let Fact::Collected { value } = &mut entry.stat {
                    f(value);
                }
            }
        }
    }
}

/// Stat the files of one pattern; names are filled in by [`collect_stats_with`].
fn collect_stat(root: &HostRoot, pattern: &str) -> Fact<FileSet> {
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
                        owner: None,
                        group: None,
                        names_error: None,
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
        let re = crate::patterns::regex(&query.pattern)
            .map_err(|e| format!("invalid pattern {:?}: {e}", query.pattern))?;
        let paths = root.glob_paths(&query.path).map_err(|e| e.to_string())?;
        let files = paths
            .into_iter()
            .map(|path| {
                let shown = crate::host_root::display_path(&path);
                let secret = is_secret_path(&shown)
                    || root
                        .resolve(&path)
                        .ok()
                        .and_then(|real| {
                            real.strip_prefix(root.base())
                                .ok()
                                .map(|rel| format!("/{}", rel.display()))
                        })
                        .is_some_and(|real| is_secret_path(&real));
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
                                text: if secret {
                                    WITHHELD_SECRET_FILE.to_string()
                                } else if looks_secret(l) {
                                    WITHHELD_SECRET_LINE.to_string()
                                } else {
                                    excerpt(l)
                                },
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

/// Stored instead of a matched line of a secret file.
pub const WITHHELD_SECRET_FILE: &str = "(matched; content withheld: secret file)";
/// Stored instead of a matched line that holds a password hash or private key.
pub const WITHHELD_SECRET_LINE: &str =
    "(matched; content withheld: looks like a password hash or private key)";

/// Host paths whose lines never leave the host, whatever a catalogue asks: password and
/// group shadow files (and their `-` backups), old passwords, Kerberos keytabs, SSH host and
/// user private keys, TLS private keys. A `lines` check on them still evaluates (the match
/// is recorded with [`WITHHELD_SECRET_FILE`] as its text).
pub fn is_secret_path(path: &str) -> bool {
    const EXACT: [&str; 6] = [
        "/etc/shadow",
        "/etc/shadow-",
        "/etc/gshadow",
        "/etc/gshadow-",
        "/etc/security/opasswd",
        "/etc/krb5.keytab",
    ];
    const PRIVATE_DIRS: [&str; 3] = ["/etc/ssl/private/", "/etc/pki/tls/private/", "/root/.ssh/"];
    let name = path.rsplit('/').next().unwrap_or(path);
    let in_ssh_dir = path.contains("/.ssh/");
    EXACT.contains(&path)
        || PRIVATE_DIRS.iter().any(|d| path.starts_with(d))
        || (path.starts_with("/etc/ssh/ssh_host_") && name.ends_with("_key"))
        || name.ends_with(".key")
        || name.ends_with(".keytab")
        || (in_ssh_dir && name.starts_with("id_") && !name.ends_with(".pub"))
}

/// Whether a line holds what looks like a password hash (`crypt(3)` formats) or a private
/// key block: such a line is never stored, whichever file it is in.
pub fn looks_secret(line: &str) -> bool {
    static CRYPT: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = CRYPT.get_or_init(|| {
        regex::Regex::new(
            r"\$(?:1|2[abxy]?|5|6|7|y|gy|sha1|md5|argon2(?:id|i|d)?|scrypt|pbkdf2(?:-sha\d+)?)\$[./A-Za-z0-9$=,+-]{8,}",
        )
        .expect("static regex")
    });
    line.contains("PRIVATE KEY") || re.is_match(line)
}

/// Cut a line to at most [`MAX_LINE_CHARS`] characters.
pub fn excerpt(line: &str) -> String {
    let line = line.trim_end();
    match line.char_indices().nth(MAX_LINE_CHARS) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_paths() {
        for p in [
            "/etc/shadow",
            "/etc/gshadow-",
            "/etc/security/opasswd",
            "/etc/ssh/ssh_host_ed25519_key",
            "/etc/ssl/private/site.pem",
            "/etc/pki/tls/private/x",
            "/root/.ssh/authorized_keys",
            "/home/bob/.ssh/id_ed25519",
            "/srv/app/server.key",
            "/etc/krb5.keytab",
        ] {
            assert!(is_secret_path(p), "{p}");
        }
        for p in [
            "/etc/passwd",
            "/etc/ssh/ssh_host_ed25519_key.pub",
            "/etc/ssh/sshd_config",
            "/home/bob/.ssh/id_ed25519.pub",
            "/home/bob/.ssh/authorized_keys",
            "/etc/ssl/certs/ca.pem",
        ] {
            assert!(!is_secret_path(p), "{p}");
        }
    }

    #[test]
    fn secret_lines() {
        assert!(looks_secret(
            "root:$6$abcdefgh$0123456789abcdef:19000::::::"
        ));
        assert!(looks_secret("x = $y$j9T$abcdefghij$klmnopqrstuv"));
        assert!(looks_secret("$2b$12$abcdefghijklmnopqrstuv"));
        assert!(looks_secret("-----BEGIN OPENSSH PRIVATE KEY-----"));
        assert!(!looks_secret("PermitRootLogin no"));
        assert!(!looks_secret("price is $6 or $5"));
        assert!(!looks_secret("-----BEGIN CERTIFICATE-----"));
    }

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

    #[test]
    fn owner_names_come_from_the_first_entry_with_the_id() {
        let dir = tempfile::tempdir().unwrap();
        let etc = dir.path().join("etc");
        std::fs::create_dir_all(&etc).unwrap();
        std::fs::write(
            etc.join("passwd"),
            "root:x:0:0::/root:/bin/sh\nfirst:x:1234:1234::/:/bin/sh\nsecond:x:1234:1234::/:/bin/sh\n",
        )
        .unwrap();
        std::fs::write(etc.join("group"), "root:x:0:\ngrp:x:1234:\nlater:x:1234:\n").unwrap();
        for f in ["data", "orphan"] {
            std::fs::write(etc.join(f), "x").unwrap();
        }
        let owners = [
            ("/etc/data".to_string(), (1234, 1234)),
            ("/etc/orphan".to_string(), (4321, 4321)),
        ];
        let root = HostRoot::new(dir.path())
            .unwrap()
            .with_owners(owners.into_iter().collect());
        let stats = collect_stats(&root, &["/etc/data".to_string(), "/etc/orphan".to_string()]);
        let stat = |pattern: &str| {
            let Fact::Collected { value } = &stats[pattern] else {
                panic!("{stats:?}")
            };
            let Fact::Collected { value: st } = &value.entries[0].stat else {
                panic!("{value:?}")
            };
            st.clone()
        };
        let data = stat("/etc/data");
        assert_eq!(data.owner.as_deref(), Some("first"));
        assert_eq!(data.group.as_deref(), Some("grp"));
        assert_eq!(data.names_error, None);
        // An id no entry has: no name, and no error either (the databases were read).
        let orphan = stat("/etc/orphan");
        assert_eq!((orphan.owner, orphan.group), (None, None));
        assert_eq!(orphan.names_error, None);
    }
}
