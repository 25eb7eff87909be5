//! Local accounts and groups from passwd, shadow and group, without secrets.
//!
//! Account controls (no empty passwords, only root has UID 0, system accounts cannot log
//! in, strong password hashing, password ageing) all need the three account databases.
//! This collector reads them the way the C library's `files` NSS backend does, so an entry
//! that `getpwnam(3)` or `getspnam(3)` would return is never missed:
//!
//! * `/etc/passwd` and `/etc/group` are read with [`HostRoot::read_lossy`]: a GECOS field in
//!   Latin-1 is realistic and must not make the whole account list unknown. `/etc/shadow` is
//!   read lossily too (names and hashes are ASCII in practice; a stray byte should cost one
//!   entry at most, not the whole shadow fact).
//! * Blank lines and `#` comments are skipped; leading white space is ignored, as glibc does.
//! * NIS compat lines (`+`, `+name`, `-name`, `+@netgroup`) are skipped with a warning: the
//!   accounts they import live in NIS and are not listed here.
//! * passwd lines need at least the name, password, UID and GID fields; a numeric UID and
//!   GID are required. Like glibc, missing trailing fields (GECOS, home, shell) read as
//!   empty and extra colons end up in the shell; both are kept with a warning, because
//!   skipping them could hide a real account (`toor::0:0` is a password-less root).
//! * group lines need the name, password and GID fields; members are the comma-separated
//!   fourth field with empty items dropped, so an empty field gives no members.
//! * shadow lines have 9 fields (name, password, last change, min, max, warn, inactive,
//!   expire, reserved). The forms glibc also accepts are read as it reads them: 8 fields
//!   (no reserved field), 5 fields (SVR4 short form) and 2 fields (old form), with the
//!   missing ageing fields unset. An empty numeric field, or `-1` (glibc's own "unset"
//!   value), is `None`; a non-numeric one makes glibc reject the line, so it is skipped with
//!   a warning. When an account appears twice, the first entry wins, as with `getspnam`.
//!
//! Every kept entry carries its `path:line` origin; every skipped or unusual line gives a
//! `path:line: reason` warning that never quotes the line (a shadow line holds a hash, and a
//! mangled passwd line may too).
//!
//! `/etc/passwd` or `/etc/group` unreadable makes the whole fact an error: the accounts are
//! unknown. `/etc/shadow` unreadable only makes [`Accounts::shadow`] an error (keeping the
//! permission-denied flag, so an unprivileged scan reports that root is needed) while users
//! and groups are still collected.
//!
//! No password hash ever leaves this module: a password field is reduced to a
//! [`PasswordState`] — empty, shadowed (`x` in passwd), no password, locked or a usable
//! hash — with at most the hash algorithm, taken from the crypt(5) prefix. Values glibc's
//! crypt cannot match (`*`, `!`, `!!`, `!*`, `*LK*`, Solaris-style `NP`/`LK`, `x` in shadow,
//! anything that is neither a `$id$` hash nor a 13-character DES hash) mean no password can
//! log in and become [`PasswordState::NoPassword`]. A value starting with `!` is locked: the
//! `!`s are stripped and, if a hash remains, it is [`PasswordState::Locked`] with that
//! algorithm (unlocking with `usermod -U` would restore it), otherwise `NoPassword`. A `$id$`
//! prefix Ward does not name (`$sha1$`, `$md5,…$`, `$3$`, `$2x$`) and BSDi extended DES
//! (`_` + 19 characters) are [`HashAlgorithm::Unknown`]: still a usable password, and never
//! on an allow-list of algorithms.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Fact, Origin};
use crate::host_root::HostRoot;

const PASSWD: &str = "/etc/passwd";
const GROUP: &str = "/etc/group";
const SHADOW: &str = "/etc/shadow";

/// Accounts and groups of a host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Accounts {
    /// Entries of `/etc/passwd`, in file order.
    pub users: Vec<User>,
    /// Entries of `/etc/group`, in file order.
    pub groups: Vec<Group>,
    /// `/etc/shadow`, keyed by account name; an error when unreadable (e.g. not root).
    pub shadow: Fact<BTreeMap<String, ShadowEntry>>,
    /// Malformed lines, with their origin.
    pub warnings: Vec<String>,
}

/// One `/etc/passwd` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: String,
    pub shell: String,
    /// What the passwd password field holds (normally `x`: see shadow).
    pub passwd_field: PasswordState,
    pub origin: Origin,
}

/// One `/etc/group` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub name: String,
    pub gid: u32,
    pub members: Vec<String>,
    pub origin: Origin,
}

/// One `/etc/shadow` entry, with the hash reduced to its algorithm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShadowEntry {
    pub password: PasswordState,
    /// Days since 1970-01-01 of the last change; `Some(0)` forces a change at next login.
    pub last_change: Option<i64>,
    pub min_days: Option<i64>,
    pub max_days: Option<i64>,
    pub warn_days: Option<i64>,
    pub inactive_days: Option<i64>,
    pub expire_day: Option<i64>,
    pub origin: Origin,
}

/// What a password field holds, never the hash itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PasswordState {
    /// `x`: the password is in the shadow file.
    Shadowed,
    /// Empty: login without a password.
    Empty,
    /// `*`, `!`, `!!` or similar with no hash: password login impossible.
    NoPassword,
    /// `!` followed by a hash: locked, but the hash remains.
    Locked { algorithm: HashAlgorithm },
    /// A usable hash.
    Hash { algorithm: HashAlgorithm },
}

/// Password hashing schemes, from the hash prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HashAlgorithm {
    Yescrypt,
    GostYescrypt,
    Scrypt,
    Bcrypt,
    Sha512,
    Sha256,
    Md5,
    /// Traditional 13-character DES crypt.
    Des,
    Unknown,
}

/// Collect accounts and groups.
pub fn collect(root: &HostRoot) -> Fact<Accounts> {
    let passwd = match root.read_lossy(PASSWD) {
        Ok(text) => text,
        Err(e) => return Fact::from_read_error(&e),
    };
    let group = match root.read_lossy(GROUP) {
        Ok(text) => text,
        Err(e) => return Fact::from_read_error(&e),
    };
    let mut warnings = Vec::new();
    let users = parse_passwd(&passwd, PASSWD, &mut warnings);
    let groups = parse_group(&group, GROUP, &mut warnings);
    let shadow = match root.read_lossy(SHADOW) {
        Ok(text) => Fact::Collected {
            value: parse_shadow(&text, SHADOW, &mut warnings),
        },
        Err(e) => Fact::from_read_error(&e),
    };
    Fact::Collected {
        value: Accounts {
            users,
            groups,
            shadow,
            warnings,
        },
    }
}

/// The lines of an account database worth parsing, with their 1-based numbers: leading
/// white space removed, blank lines and `#` comments dropped (as glibc's `files` backend).
fn entry_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter_map(|(i, line)| {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            None
        } else {
            Some((i + 1, line))
        }
    })
}

/// True for an NIS compat entry (`+`, `+name`, `-name`, `+@netgroup`).
fn is_nis_compat(name: &str) -> bool {
    name.starts_with('+') || name.starts_with('-')
}

const NIS_WARNING: &str =
    "NIS compat entry (`+`/`-`) skipped; accounts it brings in from NIS are not listed";

fn parse_passwd(text: &str, path: &str, warnings: &mut Vec<String>) -> Vec<User> {
    let mut users = Vec::new();
    for (line_no, line) in entry_lines(text) {
        let fields: Vec<&str> = line.splitn(7, ':').collect();
        let field = |i: usize| fields.get(i).copied().unwrap_or("");
        let name = field(0);
        if is_nis_compat(name) {
            warnings.push(format!("{path}:{line_no}: {NIS_WARNING}"));
            continue;
        }
        if fields.len() < 4 {
            warnings.push(format!(
                "{path}:{line_no}: {} of 7 colon-separated fields (name, password, UID and \
                 GID are needed); line skipped",
                fields.len()
            ));
            continue;
        }
        if name.is_empty() {
            warnings.push(format!("{path}:{line_no}: empty user name; line skipped"));
            continue;
        }
        let Some(uid) = parse_id(field(2)) else {
            warnings.push(format!(
                "{path}:{line_no}: UID is not a number; line skipped"
            ));
            continue;
        };
        let Some(gid) = parse_id(field(3)) else {
            warnings.push(format!(
                "{path}:{line_no}: GID is not a number; line skipped"
            ));
            continue;
        };
        let shell = field(6);
        if fields.len() < 7 {
            warnings.push(format!(
                "{path}:{line_no}: only {} of 7 fields; the missing ones read as empty, as the \
                 C library does",
                fields.len()
            ));
        } else if shell.contains(':') {
            warnings.push(format!(
                "{path}:{line_no}: more than 7 fields; the rest of the line reads as the shell, \
                 as the C library does"
            ));
        }
        users.push(User {
            name: name.to_string(),
            uid,
            gid,
            home: field(5).to_string(),
            shell: shell.to_string(),
            passwd_field: password_state(field(1), true),
            origin: Origin::at(path, line_no),
        });
    }
    users
}

fn parse_group(text: &str, path: &str, warnings: &mut Vec<String>) -> Vec<Group> {
    let mut groups = Vec::new();
    for (line_no, line) in entry_lines(text) {
        let fields: Vec<&str> = line.splitn(4, ':').collect();
        let field = |i: usize| fields.get(i).copied().unwrap_or("");
        let name = field(0);
        if is_nis_compat(name) {
            warnings.push(format!("{path}:{line_no}: {NIS_WARNING}"));
            continue;
        }
        if fields.len() < 3 {
            warnings.push(format!(
                "{path}:{line_no}: {} of 4 colon-separated fields (name, password and GID are \
                 needed); line skipped",
                fields.len()
            ));
            continue;
        }
        if name.is_empty() {
            warnings.push(format!("{path}:{line_no}: empty group name; line skipped"));
            continue;
        }
        let Some(gid) = parse_id(field(2)) else {
            warnings.push(format!(
                "{path}:{line_no}: GID is not a number; line skipped"
            ));
            continue;
        };
        let members_field = field(3);
        if fields.len() < 4 {
            warnings.push(format!(
                "{path}:{line_no}: only 3 of 4 fields; read as a group without members, as the \
                 C library does"
            ));
        } else if members_field.contains(':') {
            warnings.push(format!(
                "{path}:{line_no}: more than 4 fields; the rest of the line reads as the member \
                 list, as the C library does"
            ));
        }
        let members = members_field
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_string)
            .collect();
        groups.push(Group {
            name: name.to_string(),
            gid,
            members,
            origin: Origin::at(path, line_no),
        });
    }
    groups
}

/// Names of the shadow ageing fields, by field index, for warnings.
const SHADOW_NUMERIC: [&str; 6] = [
    "last change",
    "minimum age",
    "maximum age",
    "warning period",
    "inactivity period",
    "expiration date",
];

fn parse_shadow(
    text: &str,
    path: &str,
    warnings: &mut Vec<String>,
) -> BTreeMap<String, ShadowEntry> {
    let mut entries: BTreeMap<String, ShadowEntry> = BTreeMap::new();
    for (line_no, line) in entry_lines(text) {
        // Never quote `line` (or any field but the name) in a warning: it holds a hash.
        let fields: Vec<&str> = line.split(':').collect();
        let name = fields.first().copied().unwrap_or("");
        if is_nis_compat(name) {
            warnings.push(format!("{path}:{line_no}: {NIS_WARNING}"));
            continue;
        }
        match fields.len() {
            9 | 8 => {}
            2 | 5 => warnings.push(format!(
                "{path}:{line_no}: short entry ({} of 9 fields); the missing ageing fields read \
                 as unset, as the C library does",
                fields.len()
            )),
            n if n > 9 => warnings.push(format!(
                "{path}:{line_no}: {n} fields, more than 9; the extra ones are ignored"
            )),
            n => {
                warnings.push(format!(
                    "{path}:{line_no}: {n} of 9 colon-separated fields; line skipped"
                ));
                continue;
            }
        }
        if name.is_empty() {
            warnings.push(format!(
                "{path}:{line_no}: empty account name; line skipped"
            ));
            continue;
        }
        let mut numbers = [None; 6];
        let mut bad = None;
        for (i, slot) in numbers.iter_mut().enumerate() {
            match parse_days(fields.get(i + 2).copied().unwrap_or("")) {
                Ok(v) => *slot = v,
                Err(()) => {
                    bad = SHADOW_NUMERIC.get(i).copied();
                    break;
                }
            }
        }
        if let Some(what) = bad {
            warnings.push(format!(
                "{path}:{line_no}: {what} field is not a number; line skipped"
            ));
            continue;
        }
        if let Some(first) = entries.get(name) {
            let first_line = first.origin.line.unwrap_or(0);
            warnings.push(format!(
                "{path}:{line_no}: second entry for the account of line {first_line}; the first \
                 one is used, as the C library does"
            ));
            continue;
        }
        let [last_change, min_days, max_days, warn_days, inactive_days, expire_day] = numbers;
        entries.insert(
            name.to_string(),
            ShadowEntry {
                password: password_state(fields.get(1).copied().unwrap_or(""), false),
                last_change,
                min_days,
                max_days,
                warn_days,
                inactive_days,
                expire_day,
                origin: Origin::at(path, line_no),
            },
        );
    }
    entries
}

/// A UID or GID: decimal digits (surrounding blanks tolerated), within `u32`.
fn parse_id(field: &str) -> Option<u32> {
    let f = field.trim();
    if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    f.parse().ok()
}

/// A shadow ageing field: empty or `-1` is unset (glibc stores an empty field as -1).
fn parse_days(field: &str) -> Result<Option<i64>, ()> {
    let f = field.trim();
    if f.is_empty() {
        return Ok(None);
    }
    match f.parse::<i64>() {
        Ok(-1) => Ok(None),
        Ok(v) => Ok(Some(v)),
        Err(_) => Err(()),
    }
}

/// Reduce a password field to its state. `in_passwd` makes `x` mean "see shadow".
fn password_state(field: &str, in_passwd: bool) -> PasswordState {
    if field.is_empty() {
        return PasswordState::Empty;
    }
    if in_passwd && field == "x" {
        return PasswordState::Shadowed;
    }
    if field.starts_with('!') || field.starts_with('*') {
        return match hash_algorithm(field.trim_start_matches('!')) {
            Some(algorithm) => PasswordState::Locked { algorithm },
            None => PasswordState::NoPassword,
        };
    }
    match hash_algorithm(field) {
        Some(algorithm) => PasswordState::Hash { algorithm },
        None => PasswordState::NoPassword,
    }
}

/// The hashing scheme of a crypt(5) hash, or `None` when the value is not a hash.
fn hash_algorithm(value: &str) -> Option<HashAlgorithm> {
    let crypt_char = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '/';
    if let Some(rest) = value.strip_prefix('$') {
        let (id, _) = rest.split_once('$')?;
        return Some(match id {
            "" => return None,
            "y" => HashAlgorithm::Yescrypt,
            "gy" => HashAlgorithm::GostYescrypt,
            "7" => HashAlgorithm::Scrypt,
            "2a" | "2b" | "2y" => HashAlgorithm::Bcrypt,
            "6" => HashAlgorithm::Sha512,
            "5" => HashAlgorithm::Sha256,
            "1" => HashAlgorithm::Md5,
            _ => HashAlgorithm::Unknown,
        });
    }
    if value.len() == 13 && value.chars().all(crypt_char) {
        return Some(HashAlgorithm::Des);
    }
    // BSDi extended DES (`_` + 4 rounds + 4 salt + 11 hash), which libxcrypt can verify.
    if let Some(rest) = value.strip_prefix('_') {
        if rest.len() == 19 && rest.chars().all(crypt_char) {
            return Some(HashAlgorithm::Unknown);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(files: &[(&str, &[u8])]) -> (tempfile::TempDir, HostRoot) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc")).unwrap();
        for (path, body) in files {
            std::fs::write(dir.path().join(path.trim_start_matches('/')), body).unwrap();
        }
        let root = HostRoot::new(dir.path()).unwrap();
        (dir, root)
    }

    fn collected(root: &HostRoot) -> Accounts {
        match collect(root) {
            Fact::Collected { value } => value,
            Fact::Error { reason, .. } => panic!("accounts not collected: {reason}"),
        }
    }

    const PASSWD_OK: &[u8] = b"root:x:0:0:root:/root:/bin/bash\n\
        # a comment\n\
        \n\
        daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
        alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n";
    const GROUP_OK: &[u8] = b"root:x:0:\nsudo:x:27:alice,bob\nusers:x:100: alice , ,bob\n";

    #[test]
    fn parses_the_three_files() {
        let (_d, root) = host(&[
            ("/etc/passwd", PASSWD_OK),
            ("/etc/group", GROUP_OK),
            (
                "/etc/shadow",
                b"root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n\
                  alice:$y$j9T$abcdefghijklmnopqrstuv$0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefg:19500:1:90:14:30:20000:\n",
            ),
        ]);
        let acc = collected(&root);
        assert!(acc.warnings.is_empty(), "{:?}", acc.warnings);
        let names: Vec<&str> = acc.users.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["root", "daemon", "alice"]);
        let alice = &acc.users[2];
        assert_eq!((alice.uid, alice.gid), (1000, 1000));
        assert_eq!(alice.home, "/home/alice");
        assert_eq!(alice.shell, "/bin/bash");
        assert_eq!(alice.passwd_field, PasswordState::Shadowed);
        assert_eq!(alice.origin, Origin::at("/etc/passwd", 5));

        assert_eq!(acc.groups.len(), 3);
        assert!(acc.groups[0].members.is_empty());
        assert_eq!(acc.groups[1].members, ["alice", "bob"]);
        assert_eq!(acc.groups[2].members, ["alice", "bob"]);
        assert_eq!(acc.groups[1].gid, 27);
        assert_eq!(acc.groups[1].origin, Origin::at("/etc/group", 2));

        let shadow = acc.shadow.value().unwrap();
        assert_eq!(shadow["root"].password, PasswordState::NoPassword);
        assert_eq!(shadow["root"].max_days, Some(99999));
        assert_eq!(shadow["root"].inactive_days, None);
        assert_eq!(shadow["root"].expire_day, None);
        let a = &shadow["alice"];
        assert_eq!(
            a.password,
            PasswordState::Hash {
                algorithm: HashAlgorithm::Yescrypt
            }
        );
        assert_eq!(
            (a.last_change, a.min_days, a.max_days, a.warn_days),
            (Some(19500), Some(1), Some(90), Some(14))
        );
        assert_eq!((a.inactive_days, a.expire_day), (Some(30), Some(20000)));
        assert_eq!(a.origin, Origin::at("/etc/shadow", 3));
    }

    #[test]
    fn password_states() {
        use HashAlgorithm::*;
        use PasswordState::*;
        let h = |algorithm| Hash { algorithm };
        let l = |algorithm| Locked { algorithm };
        let cases: &[(&str, bool, PasswordState)] = &[
            ("", false, Empty),
            ("", true, Empty),
            ("x", true, Shadowed),
            ("x", false, NoPassword),
            ("*", false, NoPassword),
            ("!", false, NoPassword),
            ("!!", false, NoPassword),
            ("!*", false, NoPassword),
            ("*LK*", false, NoPassword),
            ("NP", false, NoPassword),
            ("LK", false, NoPassword),
            ("*$6$salt$hash", false, NoPassword),
            ("$", false, NoPassword),
            ("$$abc", false, NoPassword),
            ("$y$j9T$salt$hash", false, h(Yescrypt)),
            ("$gy$j9T$salt$hash", false, h(GostYescrypt)),
            ("$7$CU..../....salt$hash", false, h(Scrypt)),
            ("$2a$10$saltsaltsaltsaltsalthash", false, h(Bcrypt)),
            ("$2b$12$saltsaltsaltsaltsalthash", false, h(Bcrypt)),
            ("$2y$05$saltsaltsaltsaltsalthash", false, h(Bcrypt)),
            ("$6$salt$hash", false, h(Sha512)),
            ("$6$rounds=5000$salt$hash", false, h(Sha512)),
            ("$5$salt$hash", false, h(Sha256)),
            ("$1$salt$hash", false, h(Md5)),
            ("abJnggxhB/yWI", false, h(Des)),
            ("abJnggxhB/yWI", true, h(Des)),
            ("abJnggxhB/yW", false, NoPassword),
            ("_J9..CCCCXBrJUJV154M", false, h(Unknown)),
            ("$sha1$40000$salt$hash", false, h(Unknown)),
            ("$md5,rounds=904$salt$hash", false, h(Unknown)),
            ("$3$$8846f7eaee8fb117ad06bdd830b7586c", false, h(Unknown)),
            ("!$6$salt$hash", false, l(Sha512)),
            ("!!$y$j9T$salt$hash", false, l(Yescrypt)),
            ("!abJnggxhB/yWI", false, l(Des)),
            ("!$2b$10$x", false, l(Bcrypt)),
            ("!$foo$bar", false, l(Unknown)),
        ];
        for (field, in_passwd, want) in cases {
            assert_eq!(
                &password_state(field, *in_passwd),
                want,
                "field {field:?} (passwd: {in_passwd})"
            );
        }
    }

    #[test]
    fn nis_malformed_and_comment_lines() {
        let passwd = b"root:x:0:0:root:/root:/bin/bash\n\
            +\n\
            +@admins::::::\n\
            -mallory::::::\n\
            bad:x:12a:0::/:/bin/sh\n\
            short:x\n\
            badgid:x:5:-1::/:/bin/sh\n\
            \t  # indented comment\n\
            toor::0:0\n\
            extra:x:7:7::/home/e:/bin/sh:junk\n\
            :x:8:8::/:/bin/sh\n";
        let group = b"root:x:0:\n+::::\nbad:x:notanumber:\nnomembers:x:9\nshort\n";
        let (_d, root) = host(&[
            ("/etc/passwd", passwd),
            ("/etc/group", group),
            ("/etc/shadow", b"+::::::::\nroot:*:1::::::\n"),
        ]);
        let acc = collected(&root);
        let names: Vec<&str> = acc.users.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["root", "toor", "extra"]);
        // `toor::0:0` is what glibc returns: a password-less UID 0 account with no shell.
        let toor = &acc.users[1];
        assert_eq!(toor.uid, 0);
        assert_eq!(toor.passwd_field, PasswordState::Empty);
        assert_eq!((toor.home.as_str(), toor.shell.as_str()), ("", ""));
        assert_eq!(toor.origin, Origin::at("/etc/passwd", 9));
        assert_eq!(acc.users[2].shell, "/bin/sh:junk");
        let gnames: Vec<&str> = acc.groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(gnames, ["root", "nomembers"]);
        assert!(acc.groups[1].members.is_empty());

        let w = &acc.warnings;
        let has =
            |prefix: &str, text: &str| w.iter().any(|x| x.starts_with(prefix) && x.contains(text));
        assert!(has("/etc/passwd:2: ", "NIS"), "{w:?}");
        assert!(has("/etc/passwd:3: ", "NIS"), "{w:?}");
        assert!(has("/etc/passwd:4: ", "NIS"), "{w:?}");
        assert!(has("/etc/passwd:5: ", "UID is not a number"), "{w:?}");
        assert!(has("/etc/passwd:6: ", "2 of 7"), "{w:?}");
        assert!(has("/etc/passwd:7: ", "GID is not a number"), "{w:?}");
        assert!(has("/etc/passwd:9: ", "only 4 of 7"), "{w:?}");
        assert!(has("/etc/passwd:10: ", "more than 7"), "{w:?}");
        assert!(has("/etc/passwd:11: ", "empty user name"), "{w:?}");
        assert!(has("/etc/group:2: ", "NIS"), "{w:?}");
        assert!(has("/etc/group:3: ", "GID is not a number"), "{w:?}");
        assert!(has("/etc/group:4: ", "only 3 of 4"), "{w:?}");
        assert!(has("/etc/group:5: ", "1 of 4"), "{w:?}");
        assert!(has("/etc/shadow:1: ", "NIS"), "{w:?}");
        assert!(
            !w.iter().any(|x| x.contains(":8: ")),
            "comment line warned: {w:?}"
        );
        assert_eq!(w.len(), 14, "{w:?}");
        assert_eq!(acc.shadow.value().unwrap().len(), 1);
    }

    #[test]
    fn shadow_forms_and_bad_numbers() {
        let shadow = b"a:$6$saltA$hashA:::::::\n\
            b:$6$SECRETSALT$SECRETHASH:1x:0:99999:7:::\n\
            c:!$1$saltC$hashC\n\
            d:*:19000:0:90\n\
            e:*:19000:0:90:7:-1:-1\n\
            f:*:1:2\n\
            a:*:1:2:3:4:5:6:\n\
            g:$5$s$h:0:0:0:0:0:0:0:extra\n";
        let (_d, root) = host(&[
            ("/etc/passwd", b"root:x:0:0::/root:/bin/sh\n"),
            ("/etc/group", b"root:x:0:\n"),
            ("/etc/shadow", shadow),
        ]);
        let acc = collected(&root);
        let s = acc.shadow.value().unwrap();
        let keys: Vec<&str> = s.keys().map(String::as_str).collect();
        assert_eq!(keys, ["a", "c", "d", "e", "g"]);
        assert_eq!(s["a"].origin, Origin::at("/etc/shadow", 1));
        assert_eq!(
            s["a"].password,
            PasswordState::Hash {
                algorithm: HashAlgorithm::Sha512
            }
        );
        assert_eq!(s["a"].last_change, None);
        assert_eq!(
            s["c"].password,
            PasswordState::Locked {
                algorithm: HashAlgorithm::Md5
            }
        );
        assert_eq!((s["c"].last_change, s["c"].max_days), (None, None));
        assert_eq!(s["d"].max_days, Some(90));
        assert_eq!(s["d"].warn_days, None);
        assert_eq!(s["e"].warn_days, Some(7));
        assert_eq!((s["e"].inactive_days, s["e"].expire_day), (None, None));
        assert_eq!(s["g"].last_change, Some(0));

        let w = &acc.warnings;
        let at = |n: usize| {
            w.iter()
                .find(|x| x.starts_with(&format!("/etc/shadow:{n}: ")))
                .unwrap_or_else(|| panic!("no warning for line {n}: {w:?}"))
        };
        assert!(at(2).contains("last change field is not a number"));
        assert!(at(3).contains("short entry"));
        assert!(at(4).contains("short entry"));
        assert!(at(6).contains("4 of 9"));
        assert!(at(7).contains("line 1"));
        assert!(at(8).contains("more than 9"));
        for x in w {
            assert!(
                !x.contains("SECRET") && !x.contains('$'),
                "warning leaks: {x}"
            );
        }
    }

    #[test]
    fn no_hash_material_in_serialised_output() {
        let hashes = [
            "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7",
            "$gy$j9T$kXzWq8e3mC1sQ2rT4uV5w.$Zq1wE2rT3yU4iO5pA6sD7fG8hJ9kL0zX1cV2bN3mQ4",
            "$7$CU..../....2Qz7JfLWqTnV8pDmKxYs1/$nHj3kP9sT2vW4xZ6aB8cD0eF1gH3iJ5kL7mN9oP1qR3",
            "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
            "$6$rounds=656000$Vx7Q2mS9pL4kD1fZ$J8sK2mN4pQ6rT8vX0zB2dF4hJ6lN8pR0tV2xZ4bD6fH8jL0nP2rT4vX6zB8dF0hJ2lN4pR6tV8xZ0bD2fH4jL6n",
            "$5$Hq3Wz8Tn1Ry6Up0V$7aB9cD1eF3gH5iJ7kL9mN1oP3qR5sT7uV9wX1yZ3A5B",
            "$1$Qw3Er5Ty$uI7oP9aS1dF3gH5jK7lZ9.",
            "abJnggxhB/yWI",
            "_J9..CCCCXBrJUJV154M",
        ];
        let mut shadow = String::new();
        for (i, h) in hashes.iter().enumerate() {
            shadow.push_str(&format!("user{i}:{h}:19000:0:99999:7:::\n"));
            shadow.push_str(&format!("locked{i}:!!{h}:19000:0:99999:7:::\n"));
        }
        // Malformed lines holding hashes must not leak through warnings either.
        shadow.push_str(&format!("bad:{}:x:0:99999:7:::\n", hashes[0]));
        shadow.push_str(&format!("{}\n", hashes[4]));
        let passwd = format!(
            "root:x:0:0::/root:/bin/sh\nlegacy:{}:1001:1001::/home/l:/bin/sh\n",
            hashes[4]
        );
        let (_d, root) = host(&[
            ("/etc/passwd", passwd.as_bytes()),
            ("/etc/group", b"root:x:0:\n"),
            ("/etc/shadow", shadow.as_bytes()),
        ]);
        let acc = collected(&root);
        assert_eq!(acc.shadow.value().unwrap().len(), 2 * hashes.len());
        assert_eq!(acc.warnings.len(), 2, "{:?}", acc.warnings);
        let json = serde_json::to_string(&acc).unwrap();
        for h in hashes {
            // Everything after the `$id$` prefix (rounds, salt, hash) is secret material.
            let body = match h.strip_prefix('$').and_then(|r| r.split_once('$')) {
                Some((_, body)) => body,
                None => h,
            };
            let bytes = body.as_bytes();
            for window in bytes.windows(5) {
                let piece = std::str::from_utf8(window).unwrap();
                assert!(
                    !json.contains(piece),
                    "`{piece}` of a hash appears in {json}"
                );
            }
        }
        assert!(!json.contains("$6$") && !json.contains("$y$"), "{json}");
    }

    #[test]
    fn missing_or_unreadable_files() {
        // No shadow: users and groups collected, shadow is a not-found error.
        let (_d, root) = host(&[("/etc/passwd", PASSWD_OK), ("/etc/group", GROUP_OK)]);
        let acc = collected(&root);
        assert_eq!(acc.users.len(), 3);
        match &acc.shadow {
            Fact::Error {
                reason,
                permission_denied,
            } => {
                assert!(reason.contains("/etc/shadow"), "{reason}");
                assert!(!permission_denied);
            }
            other => panic!("expected an error, got {other:?}"),
        }

        // No passwd or no group: the whole fact is an error.
        let (_d, root) = host(&[("/etc/group", GROUP_OK), ("/etc/shadow", b"")]);
        assert!(
            matches!(collect(&root), Fact::Error { reason, .. } if reason.contains("/etc/passwd"))
        );
        let (_d, root) = host(&[("/etc/passwd", PASSWD_OK), ("/etc/shadow", b"")]);
        assert!(
            matches!(collect(&root), Fact::Error { reason, .. } if reason.contains("/etc/group"))
        );
    }

    #[test]
    fn unreadable_shadow_keeps_permission_denied() {
        use std::os::unix::fs::PermissionsExt;
        let (d, root) = host(&[
            ("/etc/passwd", PASSWD_OK),
            ("/etc/group", GROUP_OK),
            ("/etc/shadow", b"root:*:1::::::\n"),
        ]);
        let path = d.path().join("etc/shadow");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
        if std::fs::read(&path).is_ok() {
            // Running as root (or with CAP_DAC_OVERRIDE): mode 000 does not deny the read.
            return;
        }
        let acc = collected(&root);
        assert_eq!(acc.users.len(), 3);
        assert!(matches!(
            acc.shadow,
            Fact::Error {
                permission_denied: true,
                ..
            }
        ));
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_arbitrary_input(text in "(?s)[ \t\n#+!*$:,0-9a-zA-Z./_-]{0,300}") {
            let mut warnings = Vec::new();
            let _ = parse_passwd(&text, PASSWD, &mut warnings);
            let _ = parse_group(&text, GROUP, &mut warnings);
            let shadow = parse_shadow(&text, SHADOW, &mut warnings);
            for e in shadow.values() {
                let _ = serde_json::to_string(e).unwrap();
            }
            for w in &warnings {
                // Warnings never quote the content of a line.
                proptest::prop_assert!(!w.contains('$'));
            }
        }
    }

    #[test]
    fn invalid_utf8_in_gecos_is_tolerated() {
        let (_d, root) = host(&[
            (
                "/etc/passwd",
                b"root:x:0:0:root:/root:/bin/bash\njose:x:1000:1000:Jos\xe9 Mu\xf1oz:/home/jose:/bin/bash\n",
            ),
            ("/etc/group", b"root:x:0:\nstaff:x:50:jos\xe9\n"),
            ("/etc/shadow", b"root:*:1::::::\n"),
        ]);
        let acc = collected(&root);
        assert_eq!(acc.users.len(), 2);
        assert_eq!(acc.users[1].name, "jose");
        assert_eq!(acc.users[1].home, "/home/jose");
        assert_eq!(acc.groups[1].members, ["jos\u{fffd}"]);
    }
}
