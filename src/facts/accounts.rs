//! Local accounts and groups from passwd, shadow and group, without secrets.
//!
//! Account controls (no empty passwords, only root has UID 0, system accounts cannot log
//! in, strong password hashing, password ageing) and the owner and group names of file
//! checks all need the three account databases. This is the one parser of them in Ward, and
//! it reads them exactly as the C library's `files` NSS backend does (glibc's
//! `nss/fgetpwent_r.c`, `fgetgrent_r.c`, `sgetspent_r.c`, `nss_files/files-parse.c` and
//! `nss_readline.c`), so an entry that `getpwnam(3)`, `getpwuid(3)` or `getspnam(3)` would
//! return is never missed and a line glibc ignores is never taken for an account:
//!
//! * Lines end at `\n` only (a `\r` stays in the last field) or at a NUL byte. Leading
//!   `isspace` characters are dropped; blank lines and `#` comments are skipped.
//! * Text fields run to the next `:`; a missing trailing text field reads as empty, and the
//!   last field (passwd shell, group member list) takes the rest of the line, colons included.
//! * Numeric fields (UID, GID, shadow ageing) are read with `strtoul(3)` as glibc's
//!   `INT_FIELD` does: leading white space and a `+` or `-` sign are accepted (`+0` is 0,
//!   `-1` wraps), a value beyond 32 bits saturates at 4294967295, and the number must be
//!   followed by `:` or the end of the line. A passwd or group UID/GID field that is empty
//!   or not a number, or has anything after the digits, makes glibc reject the whole line.
//!   Shadow ageing fields may be empty (unset); glibc stores them as `int`, so 4294967295
//!   (and any negative value, which wraps to it) is -1, "unset", too.
//! * shadow lines need at least 5 fields (`name:pw:last:min:max`, the old form), or 8 or 9;
//!   a 9th (flag) field must be a number; more fields make glibc reject the line.
//! * NIS compat lines (a name starting with `+` or `-`) are never returned by the `files`
//!   lookups; they are skipped with a warning, since the accounts they import live in NIS.
//! * When an account appears twice in shadow, the first entry wins, as with `getspnam`.
//!
//! A line glibc rejects is not silently dropped: it is kept in [`Accounts::malformed`] with
//! its `path:line` and the reason, and every account check that reads that file becomes an
//! `error` (or stays a `fail` with positive evidence): whatever the line was meant to be —
//! a second root, say — Ward cannot vouch for it, and other readers (musl, shadow's tools,
//! `awk` scripts) may well see an account there. Accepted but unusual forms (a signed or
//! padded UID, missing trailing fields) are kept with a warning. No warning or malformed
//! note ever quotes the line (a shadow line holds a hash, and a mangled passwd line may too).
//!
//! `/etc/passwd` or `/etc/group` unreadable makes the whole fact an error: the accounts are
//! unknown. `/etc/shadow` unreadable only makes [`Accounts::shadow`] an error (keeping the
//! permission-denied flag, so an unprivileged scan reports that root is needed) while users
//! and groups are still collected. The files are read lossily: a Latin-1 GECOS field must
//! not make the whole account list unknown.
//!
//! No password hash ever leaves this module: a password field is reduced to a
//! [`PasswordState`] with at most the hash scheme, named from the crypt(5) prefixes
//! libxcrypt knows (`$y$`, `$gy$`, `$7$`, `$2a$`/`$2b$`/`$2y$`, `$6$`, `$5$`, `$sha1$`,
//! `$md5`, `$1$`, `$3$`, `_` BSDi extended DES, 13-character DES and bigcrypt, 13 + 11·n
//! characters). Only a value no crypt method can produce is [`PasswordState::NoPassword`]:
//! one starting with `*`, one shorter than the shortest hash (13 characters: `x`, `NP`, `LK`),
//! or one with a character no hash contains. Any other value Ward does not recognise is a
//! possibly usable hash of [`HashAlgorithm::Unknown`], never "no password". A leading `!`
//! locks: the `!`s are stripped and what remains is classified as above
//! ([`PasswordState::Locked`] keeps the scheme, since `usermod -U` would restore it).

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use super::{Fact, Origin};
use crate::host_root::{HostRoot, ReadError};
pub use crate::vocab::HashAlgorithm;

pub const PASSWD: &str = "/etc/passwd";
pub const GROUP: &str = "/etc/group";
pub const SHADOW: &str = "/etc/shadow";

/// Accounts and groups of a host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Accounts {
    /// Entries of `/etc/passwd`, in file order.
    pub users: Vec<User>,
    /// Entries of `/etc/group`, in file order.
    pub groups: Vec<Group>,
    /// `/etc/shadow`, keyed by account name in file order (the first entry of a name, as
    /// `getspnam(3)` returns it); an error when unreadable (e.g. not root).
    pub shadow: Fact<ShadowMap>,
    /// Lines kept or skipped in a way worth showing (NIS compat lines, unusual but accepted
    /// forms, second shadow entries), with their origin.
    pub warnings: Vec<LineNote>,
    /// Lines the C library rejects: checks reading their file cannot pass.
    #[serde(default)]
    pub malformed: Vec<LineNote>,
    /// NIS compat entries (`+`, `+name`, `-name`, `+@netgroup`) of passwd, group and shadow.
    #[serde(default)]
    pub nis_compat: Vec<Origin>,
}

/// Shadow entries by account name, in file order. Serialised as a map, like any other.
pub type ShadowMap = indexmap::IndexMap<CompactString, ShadowEntry, foldhash::fast::RandomState>;

/// A note about one line of an account database; never quotes the line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineNote {
    pub origin: Origin,
    pub message: String,
}

impl std::fmt::Display for LineNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.origin, self.message)
    }
}

impl Accounts {
    /// Malformed lines of one file.
    pub fn malformed_in<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a LineNote> {
        self.malformed.iter().filter(move |n| n.origin.path == path)
    }

    /// Warnings about one file.
    pub fn warnings_in<'a>(&'a self, path: &'a str) -> impl Iterator<Item = &'a LineNote> {
        self.warnings.iter().filter(move |n| n.origin.path == path)
    }
}

/// One `/etc/passwd` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub name: CompactString,
    pub uid: u32,
    pub gid: u32,
    pub home: CompactString,
    /// The shell field as written; empty means `/bin/sh` (passwd(5)).
    pub shell: CompactString,
    /// What the passwd password field holds (normally `x`: see shadow).
    pub passwd_field: PasswordState,
    pub origin: Origin,
}

/// One `/etc/group` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub name: CompactString,
    pub gid: u32,
    pub members: Vec<CompactString>,
    pub origin: Origin,
}

/// One `/etc/shadow` entry, with the hash reduced to its algorithm. The ageing values are
/// what glibc keeps after its `(long int) (int)` conversion, so they fit an `i32`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShadowEntry {
    pub password: PasswordState,
    /// Days since 1970-01-01 of the last change; `Some(0)` forces a change at next login.
    pub last_change: Option<i32>,
    pub min_days: Option<i32>,
    pub max_days: Option<i32>,
    pub warn_days: Option<i32>,
    pub inactive_days: Option<i32>,
    pub expire_day: Option<i32>,
    pub origin: Origin,
}

/// What a password field holds, never the hash itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PasswordState {
    /// `x` in passwd: the password is in the shadow file.
    Shadowed,
    /// Empty: login without a password.
    Empty,
    /// A value no crypt method produces (`*…`, `!`, `x` in shadow, `NP`, `LK`): password
    /// login impossible.
    NoPassword,
    /// `!` followed by a hash: locked, but the hash remains.
    Locked { algorithm: HashAlgorithm },
    /// A usable (or possibly usable, when the scheme is `unknown`) hash.
    Hash { algorithm: HashAlgorithm },
}

/// Collect accounts and groups.
pub fn collect(root: &HostRoot) -> Fact<Accounts> {
    // /etc/shadow is read and parsed on a second thread while passwd and group are parsed
    // here: on a host with a million accounts that halves the wait on two cores. Each side
    // keeps its own notes, joined in file order (passwd, group, shadow).
    let shadow_side = || {
        let mut notes = Notes::default();
        let shadow = match root.read_lossy(SHADOW) {
            Ok(text) => Fact::Collected {
                value: parse_shadow(&text, SHADOW, &mut notes),
            },
            Err(e) => Fact::from_read_error(&e),
        };
        (shadow, notes)
    };
    let passwd_side = || -> Result<(Vec<User>, Vec<Group>, Notes), ReadError> {
        let passwd = root.read_lossy(PASSWD)?;
        let group = root.read_lossy(GROUP)?;
        let mut notes = Notes::default();
        let users = parse_passwd(&passwd, PASSWD, &mut notes);
        let groups = parse_group(&group, GROUP, &mut notes);
        Ok((users, groups, notes))
    };
    let (passwd, (shadow, shadow_notes)) = std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("ward-shadow".into())
            .spawn_scoped(scope, shadow_side);
        let passwd = passwd_side();
        let shadow = match spawned {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            // No thread to be had (a process limit): do it here.
            Err(_) => shadow_side(),
        };
        (passwd, shadow)
    });
    let (users, groups, mut notes) = match passwd {
        Ok(v) => v,
        Err(e) => return Fact::from_read_error(&e),
    };
    notes.warnings.extend(shadow_notes.warnings);
    notes.malformed.extend(shadow_notes.malformed);
    notes.nis_compat.extend(shadow_notes.nis_compat);
    Fact::Collected {
        value: Accounts {
            users,
            groups,
            shadow,
            warnings: notes.warnings,
            malformed: notes.malformed,
            nis_compat: notes.nis_compat,
        },
    }
}

#[derive(Default)]
struct Notes {
    warnings: Vec<LineNote>,
    malformed: Vec<LineNote>,
    nis_compat: Vec<Origin>,
}

impl Notes {
    /// An NIS compat line: skipped with a warning, and recorded.
    fn nis(&mut self, path: &'static str, line: usize) {
        self.warn(path, line, NIS_WARNING);
        self.nis_compat.push(Origin::at(path, line));
    }

    fn warn(&mut self, path: &'static str, line: usize, message: impl Into<String>) {
        self.warnings.push(LineNote {
            origin: Origin::at(path, line),
            message: message.into(),
        });
    }

    fn reject(&mut self, path: &'static str, line: usize, message: impl Into<String>) {
        self.malformed.push(LineNote {
            origin: Origin::at(path, line),
            message: format!(
                "{}; the C library ignores this line, so Ward cannot tell what account it \
                 was meant to define",
                message.into()
            ),
        });
    }
}

/// C `isspace` in the C locale.
fn c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The lines of an account database worth parsing, with their 1-based numbers, as glibc's
/// `__nss_readline` yields them: split at `\n`, cut at a NUL byte, leading `isspace`
/// removed, blank lines and `#` comments dropped.
fn entry_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = text;
    let mut number = 0;
    std::iter::from_fn(move || loop {
        if rest.is_empty() {
            return None;
        }
        number += 1;
        let bytes = rest.as_bytes();
        // One pass finds the end of the line or a NUL before it (which ends the entry).
        let (line, next) = match memchr::memchr2(b'\n', b'\0', bytes) {
            None => (rest, ""),
            Some(i) if bytes[i] == b'\n' => (&rest[..i], &rest[i + 1..]),
            Some(i) => match memchr::memchr(b'\n', &bytes[i..]) {
                Some(j) => (&rest[..i], &rest[i + j + 1..]),
                None => (&rest[..i], ""),
            },
        };
        rest = next;
        let start = line.bytes().position(|b| !c_space(b)).unwrap_or(line.len());
        let line = &line[start..];
        if !line.is_empty() && !line.starts_with('#') {
            return Some((number, line));
        }
    })
}

/// Entries to reserve room for: the line count (an upper bound), so a million-entry table
/// is not grown by doubling, but never more than 2^20, so a file of blank lines cannot make
/// Ward reserve gigabytes for entries it does not have.
fn table_size(text: &str) -> usize {
    (memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1).min(1 << 20)
}

/// glibc's `strtou32`: `strtoul(3)` in base 10, saturated at `u32::MAX`. Returns the value,
/// the bytes consumed, and whether the text was other than plain digits (blanks, a sign, or
/// out of range); `None` when no digits were found (`strtoul` then consumes nothing).
fn strtou32(s: &str) -> Option<(u32, usize, bool)> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && c_space(b[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        neg = b[i] == b'-';
        i += 1;
    }
    let digits = i;
    let mut mag: u64 = 0;
    let mut overflow = false;
    while i < b.len() && b[i].is_ascii_digit() {
        match mag
            .checked_mul(10)
            .and_then(|m| m.checked_add(u64::from(b[i] - b'0')))
        {
            Some(m) => mag = m,
            None => overflow = true,
        }
        i += 1;
    }
    if i == digits {
        return None;
    }
    let val = if overflow {
        u64::MAX
    } else if neg {
        mag.wrapping_neg()
    } else {
        mag
    };
    let saturated = val > u64::from(u32::MAX);
    let v = u32::try_from(val).unwrap_or(u32::MAX);
    Some((v, i, digits != 0 || saturated))
}

/// A cursor over one line, with glibc's field macros.
struct Fields<'a> {
    rest: &'a str,
}

impl<'a> Fields<'a> {
    /// `STRING_FIELD`: up to the next `:` (consumed) or the end.
    fn string(&mut self) -> &'a str {
        // Fields are short: a plain scan beats a vectorised search here.
        match self.rest.bytes().position(|b| b == b':') {
            Some(i) => {
                let field = &self.rest[..i];
                self.rest = &self.rest[i + 1..];
                field
            }
            None => std::mem::take(&mut self.rest),
        }
    }

    fn at_end(&self) -> bool {
        self.rest.is_empty()
    }

    /// After a number ending at `end`: a `:` is consumed; anything else but the end of the
    /// line makes glibc reject the line.
    fn after_number(&mut self, end: usize, what: &str) -> Result<(), String> {
        let tail = &self.rest[end..];
        if let Some(t) = tail.strip_prefix(':') {
            self.rest = t;
            Ok(())
        } else if tail.is_empty() {
            self.rest = tail;
            Ok(())
        } else {
            Err(format!("{what} field has characters after the number"))
        }
    }

    /// `INT_FIELD`: a number is required. Returns the value and whether it was unusual.
    fn int(&mut self, what: &str) -> Result<(u32, bool), String> {
        let Some((v, end, odd)) = strtou32(self.rest) else {
            return Err(if self.rest.is_empty() || self.rest.starts_with(':') {
                format!("{what} field is missing or empty")
            } else {
                format!("{what} field is not a number")
            });
        };
        self.after_number(end, what)?;
        Ok((v, odd))
    }

    /// `INT_FIELD_MAYBE_NULL`: the field must exist; empty reads as `None`.
    fn maybe_int(&mut self, what: &str) -> Result<(Option<u32>, bool), String> {
        if self.rest.is_empty() {
            return Err(format!("too few fields (no {what} field)"));
        }
        match strtou32(self.rest) {
            Some((v, end, odd)) => {
                self.after_number(end, what)?;
                Ok((Some(v), odd))
            }
            None => {
                self.after_number(0, what)?;
                Ok((None, false))
            }
        }
    }
}

/// True for an NIS compat entry (`+`, `+name`, `-name`, `+@netgroup`).
fn is_nis_compat(name: &str) -> bool {
    name.starts_with('+') || name.starts_with('-')
}

const NIS_WARNING: &str = "NIS compat entry (`+`/`-`) ignored: the C library's `files` lookups \
     skip it, and the accounts it brings in from NIS are not listed";

fn odd_number(what: &str, v: u32) -> String {
    format!(
        "{what} field is not plain decimal digits (blanks, a sign or out of range); the C \
         library reads it as {v}"
    )
}

fn parse_passwd(text: &str, path: &'static str, notes: &mut Notes) -> Vec<User> {
    let mut users = Vec::with_capacity(table_size(text));
    for (line_no, line) in entry_lines(text) {
        let mut f = Fields { rest: line };
        let name = f.string();
        if is_nis_compat(name) {
            notes.nis(path, line_no);
            continue;
        }
        let password = f.string();
        let (uid, uid_odd) = match f.int("UID") {
            Ok(v) => v,
            Err(e) => {
                notes.reject(path, line_no, e);
                continue;
            }
        };
        let (gid, gid_odd) = match f.int("GID") {
            Ok(v) => v,
            Err(e) => {
                notes.reject(path, line_no, e);
                continue;
            }
        };
        if uid_odd {
            notes.warn(path, line_no, odd_number("UID", uid));
        }
        if gid_odd {
            notes.warn(path, line_no, odd_number("GID", gid));
        }
        let colons = line.bytes().filter(|&b| b == b':').count();
        let short = f.at_end() || colons < 6;
        let _gecos = f.string();
        let home = f.string();
        let shell = f.rest;
        if name.is_empty() {
            notes.warn(
                path,
                line_no,
                "empty user name; the C library still returns this entry for its UID",
            );
        }
        if short {
            notes.warn(
                path,
                line_no,
                format!(
                    "only {} of 7 fields; the missing ones read as empty, as the C library \
                     does (an empty shell is /bin/sh)",
                    colons + 1
                ),
            );
        } else if shell.contains(':') {
            notes.warn(
                path,
                line_no,
                "more than 7 fields; the rest of the line reads as the shell, as the C \
                 library does",
            );
        }
        users.push(User {
            name: CompactString::from(name),
            uid,
            gid,
            home: CompactString::from(home),
            shell: CompactString::from(shell),
            passwd_field: password_state(password, true),
            origin: Origin::at(path, line_no),
        });
    }
    users
}

fn parse_group(text: &str, path: &'static str, notes: &mut Notes) -> Vec<Group> {
    let mut groups = Vec::with_capacity(table_size(text));
    for (line_no, line) in entry_lines(text) {
        let mut f = Fields { rest: line };
        let name = f.string();
        if is_nis_compat(name) {
            notes.nis(path, line_no);
            continue;
        }
        let _password = f.string();
        let (gid, odd) = match f.int("GID") {
            Ok(v) => v,
            Err(e) => {
                notes.reject(path, line_no, e);
                continue;
            }
        };
        if odd {
            notes.warn(path, line_no, odd_number("GID", gid));
        }
        if name.is_empty() {
            notes.warn(
                path,
                line_no,
                "empty group name; the C library still returns this entry for its GID",
            );
        }
        let members_field = f.rest;
        if members_field.contains(':') {
            notes.warn(
                path,
                line_no,
                "more than 4 fields; the rest of the line reads as the member list, as the C \
                 library does",
            );
        }
        // glibc's `parse_list`: items split at `,`, leading blanks skipped, empty ones dropped.
        let members = members_field
            .split(',')
            .map(|m| &m[m.bytes().position(|b| !c_space(b)).unwrap_or(m.len())..])
            .filter(|m| !m.is_empty())
            .map(CompactString::from)
            .collect();
        groups.push(Group {
            name: CompactString::from(name),
            gid,
            members,
            origin: Origin::at(path, line_no),
        });
    }
    groups
}

/// A shadow ageing value as glibc stores it: `(long int) (int)` of the number, -1 unset.
fn days(v: Option<u32>) -> Option<i32> {
    // The wrap to `int` is glibc's own conversion (`(long int) (int)`).
    let v = v? as i32;
    (v != -1).then_some(v)
}

fn parse_shadow_line(f: &mut Fields<'_>) -> Result<([Option<i32>; 6], bool), String> {
    let mut odd = false;
    let mut num = |f: &mut Fields<'_>, what: &str| -> Result<Option<i32>, String> {
        let (v, o) = f.maybe_int(what)?;
        odd |= o;
        Ok(days(v))
    };
    let last = num(f, "last change")?;
    let min = num(f, "minimum age")?;
    let max = num(f, "maximum age")?;
    let start = f
        .rest
        .bytes()
        .position(|b| !c_space(b))
        .unwrap_or(f.rest.len());
    f.rest = &f.rest[start..];
    if f.at_end() {
        return Ok(([last, min, max, None, None, None], odd));
    }
    let warn = num(f, "warning period")?;
    let inactive = num(f, "inactivity period")?;
    let expire = num(f, "expiration date")?;
    if !f.at_end() {
        // The reserved flag field: a number that must end the line.
        match strtou32(f.rest) {
            Some((_, end, _)) if end == f.rest.len() => {}
            _ => {
                return Err(
                    "the reserved (9th) field is not a number, or there are more than 9 fields"
                        .to_string(),
                )
            }
        }
    }
    Ok(([last, min, max, warn, inactive, expire], odd))
}

fn parse_shadow(text: &str, path: &'static str, notes: &mut Notes) -> ShadowMap {
    let mut entries = ShadowMap::with_capacity_and_hasher(table_size(text), Default::default());
    for (line_no, line) in entry_lines(text) {
        // Never quote `line` (or any field but the name) in a note: it holds a hash.
        let mut f = Fields { rest: line };
        let name = f.string();
        if is_nis_compat(name) {
            notes.nis(path, line_no);
            continue;
        }
        let password = f.string();
        let (numbers, odd) = match parse_shadow_line(&mut f) {
            Ok(v) => v,
            Err(e) => {
                notes.reject(path, line_no, e);
                continue;
            }
        };
        if odd {
            notes.warn(
                path,
                line_no,
                "an ageing field is not plain decimal digits (blanks, a sign or out of range); \
                 read as the C library reads it",
            );
        }
        if let Some(first) = entries.get(name) {
            let first_line = first.origin.line.unwrap_or(0);
            notes.warn(
                path,
                line_no,
                format!(
                    "second entry for the account of line {first_line}; the first one is used, \
                     as the C library does"
                ),
            );
            continue;
        }
        let [last_change, min_days, max_days, warn_days, inactive_days, expire_day] = numbers;
        entries.insert(
            CompactString::from(name),
            ShadowEntry {
                password: password_state(password, false),
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

/// Reduce a password field to its state. `in_passwd` makes `x` mean "see shadow".
fn password_state(field: &str, in_passwd: bool) -> PasswordState {
    if field.is_empty() {
        return PasswordState::Empty;
    }
    if in_passwd && field == "x" {
        return PasswordState::Shadowed;
    }
    if let Some(rest) = field.strip_prefix('!') {
        let rest = rest.trim_start_matches('!');
        return match hash_algorithm(rest) {
            Some(algorithm) => PasswordState::Locked { algorithm },
            None => PasswordState::NoPassword,
        };
    }
    match hash_algorithm(field) {
        Some(algorithm) => PasswordState::Hash { algorithm },
        None => PasswordState::NoPassword,
    }
}

/// Characters of the crypt(5) base-64 alphabet.
fn crypt64(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '.' || c == '/'
}

/// The scheme of a value some crypt could verify, or `None` when no crypt method can
/// produce it (so no password matches it).
fn hash_algorithm(value: &str) -> Option<HashAlgorithm> {
    use HashAlgorithm::*;
    if let Some(rest) = value.strip_prefix('$') {
        let id = rest.split(['$', ',']).next().unwrap_or("");
        let known = match id {
            "y" => Some(Yescrypt),
            "gy" => Some(GostYescrypt),
            "7" => Some(Scrypt),
            "2a" | "2b" | "2y" => Some(Bcrypt),
            "6" => Some(Sha512),
            "5" => Some(Sha256),
            "sha1" => Some(Sha1),
            "md5" => Some(SunMd5),
            "1" => Some(Md5),
            "3" => Some(Nthash),
            _ => None,
        };
        // A known prefix is taken at its word whatever follows: never a false "no password".
        if known.is_some() && rest.len() > id.len() {
            return known;
        }
    }
    // Values no crypt method outputs: `*…` (libxcrypt's failure tokens), anything shorter
    // than the 13 characters of the shortest hash (DES), or with a character no hash holds.
    if value.starts_with('*')
        || value.len() < 13
        || !value
            .chars()
            .all(|c| crypt64(c) || matches!(c, '$' | ',' | '=' | '_'))
    {
        return None;
    }
    if value.starts_with('$') {
        return Some(Unknown);
    }
    if let Some(rest) = value.strip_prefix('_') {
        return Some(if rest.len() == 19 && rest.chars().all(crypt64) {
            BsdiDes
        } else {
            Unknown
        });
    }
    if value.chars().all(crypt64) {
        let n = value.len();
        if n == 13 {
            return Some(Des);
        }
        if (n - 13) % 11 == 0 {
            return Some(Bigcrypt);
        }
    }
    Some(Unknown)
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
        // glibc skips blanks before a member, not after it, and drops empty items.
        assert_eq!(acc.groups[2].members, ["alice ", "bob"]);
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
            ("_J9..CCCCXBrJUJV154M", false, h(BsdiDes)),
            ("_J9..CCCCXBrJUJV154", false, h(Unknown)),
            ("$sha1$40000$salt$hash", false, h(Sha1)),
            ("$md5,rounds=904$salt$hash", false, h(SunMd5)),
            ("$md5$salt$hash", false, h(SunMd5)),
            ("$3$$8846f7eaee8fb117ad06bdd830b7586c", false, h(Nthash)),
            ("$2x$10$saltsaltsaltsaltsalthash", false, h(Unknown)),
            ("$9$unknownschemesalt$hash", false, h(Unknown)),
            // bigcrypt: 13 + 11·n characters of the DES alphabet.
            ("abYH7TYgEKz2QoAyB.mxxiXg", false, h(Bigcrypt)),
            ("abYH7TYgEKz2QoAyB.mxxiXg", true, h(Bigcrypt)),
            ("abYH7TYgEKz2QoAyB.mxxiXgQoAyB.mxxiX", false, h(Bigcrypt)),
            // Not a known format, but nothing rules out a crypt that verifies it.
            (
                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b",
                true,
                h(Unknown),
            ),
            ("abJnggxhB/yWIx", false, h(Unknown)),
            ("*", true, NoPassword),
            ("!!", true, NoPassword),
            // Characters no crypt outputs: no password can match.
            ("not a hash at all, has spaces", false, NoPassword),
            ("!$6$salt$hash", false, l(Sha512)),
            ("!!$y$j9T$salt$hash", false, l(Yescrypt)),
            ("!abJnggxhB/yWI", false, l(Des)),
            ("!$2b$10$x", false, l(Bcrypt)),
            ("!$foo$bar", false, NoPassword),
            ("!$foo$barbazquxquux", false, l(Unknown)),
            ("!abYH7TYgEKz2QoAyB.mxxiXg", false, l(Bigcrypt)),
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
            :x:8:8::/:/bin/sh\n\
            nogid:x:9:\n\
            spaced:x:10 :10::/:/bin/sh\n";
        let group = b"root:x:0:\n+::::\nbad:x:notanumber:\nnomembers:x:9\nshort\n";
        let (_d, root) = host(&[
            ("/etc/passwd", passwd),
            ("/etc/group", group),
            ("/etc/shadow", b"+::::::::\nroot:*:1::::::\n"),
        ]);
        let acc = collected(&root);
        let names: Vec<&str> = acc.users.iter().map(|u| u.name.as_str()).collect();
        // glibc reads `-1` as 4294967295 and keeps `badgid`, and returns the nameless entry.
        assert_eq!(names, ["root", "badgid", "toor", "extra", ""]);
        assert_eq!(acc.users[1].gid, u32::MAX);
        // `toor::0:0` is what glibc returns: a password-less UID 0 account with no shell.
        let toor = &acc.users[2];
        assert_eq!(toor.uid, 0);
        assert_eq!(toor.passwd_field, PasswordState::Empty);
        assert_eq!((toor.home.as_str(), toor.shell.as_str()), ("", ""));
        assert_eq!(toor.origin, Origin::at("/etc/passwd", 9));
        assert_eq!(acc.users[3].shell, "/bin/sh:junk");
        let gnames: Vec<&str> = acc.groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(gnames, ["root", "nomembers"]);
        assert!(acc.groups[1].members.is_empty());

        let text = |notes: &[LineNote]| notes.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let w = text(&acc.warnings);
        let m = text(&acc.malformed);
        let has = |list: &[String], prefix: &str, needle: &str| {
            list.iter()
                .any(|x| x.starts_with(prefix) && x.contains(needle))
        };
        assert!(has(&w, "/etc/passwd:2: ", "NIS"), "{w:?}");
        assert!(has(&w, "/etc/passwd:3: ", "NIS"), "{w:?}");
        assert!(has(&w, "/etc/passwd:4: ", "NIS"), "{w:?}");
        assert!(
            has(&m, "/etc/passwd:5: ", "UID field has characters after"),
            "{m:?}"
        );
        assert!(has(&m, "/etc/passwd:6: ", "UID field is missing"), "{m:?}");
        assert!(
            has(&w, "/etc/passwd:7: ", "reads it as 4294967295"),
            "{w:?}"
        );
        assert!(has(&w, "/etc/passwd:9: ", "only 4 of 7"), "{w:?}");
        assert!(has(&w, "/etc/passwd:10: ", "more than 7"), "{w:?}");
        assert!(has(&w, "/etc/passwd:11: ", "empty user name"), "{w:?}");
        assert!(has(&m, "/etc/passwd:12: ", "GID field is missing"), "{m:?}");
        assert!(
            has(&m, "/etc/passwd:13: ", "UID field has characters after"),
            "{m:?}"
        );
        assert!(has(&w, "/etc/group:2: ", "NIS"), "{w:?}");
        assert!(
            has(&m, "/etc/group:3: ", "GID field is not a number"),
            "{m:?}"
        );
        assert!(has(&m, "/etc/group:5: ", "GID field is missing"), "{m:?}");
        assert!(has(&w, "/etc/shadow:1: ", "NIS"), "{w:?}");
        assert!(
            !w.iter().chain(&m).any(|x| x.contains(":8: ")),
            "comment line noted: {w:?} {m:?}"
        );
        assert_eq!(m.len(), 6, "{m:?}");
        assert_eq!(acc.malformed_in(PASSWD).count(), 4);
        assert_eq!(acc.shadow.value().unwrap().len(), 1);
    }

    #[test]
    fn line_ends_nul_bytes_and_repeated_shadow_entries() {
        // A NUL ends the entry (the rest of that line is never read); `\r` stays in the
        // last field; blank lines count for numbering; no final newline is fine.
        let passwd = b"root:x:0:0:root:/root:/bin/bash\n\
            \n\
            svc:x:5:5::/srv:/usr/sbin/nologin\0:x:0:0::/:/bin/sh\n\
            \0evil:x:0:0::/root:/bin/sh\n\
            dos:x:6:6::/home/dos:/bin/sh\r\n\
            last:x:7:7::/home/last:/bin/sh";
        let shadow = b"root:*:19000:0:99999:7:::\n\
            svc:!:19000::::::\n\
            root:$y$j9T$salt$hash:19000:0:99999:7:::\n";
        let (_d, root) = host(&[
            ("/etc/passwd", passwd),
            ("/etc/group", b"root:x:0:\n"),
            ("/etc/shadow", shadow),
        ]);
        let acc = collected(&root);
        let rows: Vec<(&str, u32, Option<usize>)> = acc
            .users
            .iter()
            .map(|u| (u.name.as_str(), u.uid, u.origin.line))
            .collect();
        assert_eq!(
            rows,
            [
                ("root", 0, Some(1)),
                ("svc", 5, Some(3)),
                ("dos", 6, Some(5)),
                ("last", 7, Some(6))
            ]
        );
        assert_eq!(acc.users[1].shell, "/usr/sbin/nologin");
        assert_eq!(acc.users[2].shell, "/bin/sh\r");
        assert!(acc.malformed.is_empty(), "{:?}", acc.malformed);
        // The first shadow entry of a name is the one `getspnam` returns.
        let sh = acc.shadow.value().unwrap();
        assert_eq!(sh.len(), 2);
        assert_eq!(sh["root"].password, PasswordState::NoPassword);
        assert_eq!(sh["root"].origin.line, Some(1));
        let w: Vec<String> = acc.warnings.iter().map(|n| n.to_string()).collect();
        assert_eq!(
            w,
            [
                "/etc/shadow:3: second entry for the account of line 1; the first one is used, \
              as the C library does"
            ]
        );
    }

    #[test]
    fn numeric_fields_as_glibc_strtoul_reads_them() {
        // Each line: the UID field, and the UID glibc gives (None: glibc rejects the line).
        let cases: &[(&str, Option<u32>)] = &[
            ("0", Some(0)),
            ("+0", Some(0)),
            ("-0", Some(0)),
            (" 0", Some(0)),
            ("\t+0", Some(0)),
            ("000", Some(0)),
            ("1000", Some(1000)),
            ("4294967295", Some(u32::MAX)),
            ("4294967296", Some(u32::MAX)),
            ("99999999999999999999999", Some(u32::MAX)),
            ("-1", Some(u32::MAX)),
            ("-4294967296", Some(u32::MAX)),
            // 2^64 - 1 negated wraps to 1, as strtoul does.
            ("-18446744073709551615", Some(1)),
            ("", None),
            (" ", None),
            ("+", None),
            ("- 1", None),
            ("0 ", None),
            ("0x10", None),
            ("1e3", None),
            ("0\r", None),
        ];
        for (field, want) in cases {
            let line = format!("u:x:{field}:0::/:/bin/sh\n");
            let mut notes = Notes::default();
            let users = parse_passwd(&line, PASSWD, &mut notes);
            let got = users.first().map(|u| u.uid);
            assert_eq!(got, *want, "UID field {field:?}");
            assert_eq!(
                notes.malformed.len(),
                usize::from(want.is_none()),
                "{field:?}"
            );
            let plain = !field.is_empty() && field.bytes().all(|b| b.is_ascii_digit());
            let odd_warned = notes
                .warnings
                .iter()
                .any(|n| n.message.contains("plain decimal"));
            assert_eq!(
                odd_warned,
                want.is_some()
                    && (!plain
                        || field
                            .parse::<u64>()
                            .map_or(true, |v| v > u64::from(u32::MAX))),
                "{field:?}: {:?}",
                notes.warnings
            );
        }
        // The issue's example: a password-less root account under another name.
        let mut notes = Notes::default();
        let users = parse_passwd("toor::+0:0::/root:/bin/bash\n", PASSWD, &mut notes);
        assert_eq!(users.len(), 1);
        assert_eq!((users[0].uid, users[0].gid), (0, 0));
        assert_eq!(users[0].passwd_field, PasswordState::Empty);
        // A CR before the newline stays in the shell, as with fgets.
        let users = parse_passwd(
            "a:x:1:1::/:/bin/sh\r\nb:x:2:2::/:/bin/sh",
            PASSWD,
            &mut notes,
        );
        assert_eq!(users[0].shell, "/bin/sh\r");
        assert_eq!(users[1].shell, "/bin/sh");
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
            g:$5$s$h:0:0:0:0:0:0:0:extra\n\
            h:*:1:2:3:\n\
            i:*:1:2:3:4\n\
            j:*:1:2:3:4:5:6:7\n\
            k:*: +5:0:4294967295:7:::\n\
            l:*:1:2:3:4:5:6:x\n";
        let (_d, root) = host(&[
            ("/etc/passwd", b"root:x:0:0::/root:/bin/sh\n"),
            ("/etc/group", b"root:x:0:\n"),
            ("/etc/shadow", shadow),
        ]);
        let acc = collected(&root);
        let s = acc.shadow.value().unwrap();
        let keys: Vec<&str> = s.keys().map(CompactString::as_str).collect();
        assert_eq!(keys, ["a", "d", "e", "h", "j", "k"]);
        assert_eq!(s["a"].origin, Origin::at("/etc/shadow", 1));
        assert_eq!(
            s["a"].password,
            PasswordState::Hash {
                algorithm: HashAlgorithm::Sha512
            }
        );
        assert_eq!(s["a"].last_change, None);
        assert_eq!(s["d"].max_days, Some(90));
        assert_eq!(s["d"].warn_days, None);
        assert_eq!(s["e"].warn_days, Some(7));
        assert_eq!((s["e"].inactive_days, s["e"].expire_day), (None, None));
        assert_eq!(s["h"].max_days, Some(3));
        assert_eq!(s["j"].expire_day, Some(6));
        assert_eq!((s["k"].last_change, s["k"].max_days), (Some(5), None));

        let m: Vec<String> = acc.malformed.iter().map(|n| n.to_string()).collect();
        let w: Vec<String> = acc.warnings.iter().map(|n| n.to_string()).collect();
        let at = |list: &[String], n: usize| {
            list.iter()
                .find(|x| x.starts_with(&format!("/etc/shadow:{n}: ")))
                .cloned()
                .unwrap_or_else(|| panic!("no note for line {n}: {list:?}"))
        };
        assert!(at(&m, 2).contains("last change field has characters"));
        assert!(at(&m, 3).contains("too few fields"));
        assert!(at(&m, 6).contains("too few fields"));
        assert!(at(&w, 7).contains("line 1"));
        assert!(at(&m, 8).contains("more than 9"));
        assert!(at(&m, 10).contains("too few fields"));
        assert!(at(&w, 12).contains("plain decimal"));
        assert!(at(&m, 13).contains("reserved"));
        assert_eq!(m.len(), 6, "{m:?}");
        for x in w.iter().chain(&m) {
            assert!(!x.contains("SECRET") && !x.contains('$'), "note leaks: {x}");
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
            "$sha1$40000$jtNX3nZ2$hBNaIXkt4wBI2o5rsi8KejSjNqIq",
            "$md5,rounds=904$Vq3sK8pL$qF7mW2xN9cB4vT6yH1jR0d",
            "$3$$8846f7eaee8fb117ad06bdd830b7586c",
            "abJnggxhB/yWI",
            // bigcrypt (DES family, 13 + 11 characters)
            "abYH7TYgEKz2QoAyB.mxxiXg",
            // not a known format: possibly usable, never shown
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08deadbeef",
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
        assert_eq!(acc.malformed.len(), 2, "{:?}", acc.malformed);
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
        for prefix in [
            "$y$", "$gy$", "$7$", "$2a$", "$2b$", "$2y$", "$6$", "$5$", "$1$", "$sha1$", "$md5",
            "$3$", "_J9",
        ] {
            assert!(!json.contains(prefix), "{prefix} in {json}");
        }
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
            let mut notes = Notes::default();
            let _ = parse_passwd(&text, PASSWD, &mut notes);
            let _ = parse_group(&text, GROUP, &mut notes);
            let shadow = parse_shadow(&text, SHADOW, &mut notes);
            for e in shadow.values() {
                let _ = serde_json::to_string(e).unwrap();
            }
            for w in notes.warnings.iter().chain(&notes.malformed) {
                // Notes never quote the content of a line.
                proptest::prop_assert!(!w.to_string().contains('$'));
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
