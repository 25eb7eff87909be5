//! The effective settings of one PAM module line: what the module reads from its own
//! configuration files, then from the line's arguments (which win), as each module does.
//!
//! - libpwquality (`pwquality_read_config`, 1.4.5): `pwquality.conf.d/*.conf` in byte order
//!   (a name qualifies when its first `.conf` ends it), then `pwquality.conf`. In each file
//!   everything from `#` on is a comment, `name value` or `name = value`, names compared
//!   without case. An unknown name or a bad integer stops the reading: the rest of that
//!   file, the later drop-ins and the main file are not read. `minlen` below 6 reads as 6,
//!   `minclass` above 4 as 4; `enforce_for_root` and `local_users_only` are set by their
//!   name whatever value follows. pam_pwquality then applies its arguments the same way.
//! - pam_faillock (Linux-PAM 1.5): `faillock.conf` (or the file of the last `conf=`
//!   argument) with the same line syntax, then the arguments; numbers as `sscanf("%u")`
//!   reads them, times above 604800 ignored, `never` is 0. A missing `conf=` file or an
//!   over-long line makes the module fail.
//! - pam_unix (Linux-PAM 1.5): `ENCRYPT_METHOD` from `/etc/login.defs` sets the default
//!   hash, then each argument is matched by prefix against pam_unix's option table (so
//!   `nullok_secure` is `nullok`); the last hash option wins; no hash at all is DES.
//! - Other modules: `name=value` arguments and bare flags (`yes`), the last one winning.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Pam, PamLine};
use crate::facts::Origin;
use crate::host_root::{HostRoot, ReadError};

/// The longest line libpwquality and pam_faillock read (without the newline).
const MAX_LINE: usize = 1023;

/// One `name value` line of a module configuration file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setting {
    pub key: String,
    pub value: String,
    pub origin: Origin,
}

/// A module configuration file as read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfFile {
    pub path: String,
    /// The settings read, in order.
    pub settings: Vec<Setting>,
    /// The file does not exist.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub absent: bool,
    /// Why reading stopped early or failed (file:line and reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Not read at all because an earlier file stopped the reading.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skipped: bool,
}

/// A file line split as libpwquality's and pam_faillock's `read_config_file` split it:
/// `None` for a blank or comment line, else (name, value).
fn split_setting(line: &[u8]) -> Option<(String, String)> {
    let line = match line.iter().position(|&b| b == b'#') {
        Some(h) => &line[..h],
        None => line,
    };
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let start = line.iter().position(|b| !is_space(b))?;
    let end = line.iter().rposition(|b| !is_space(b))? + 1;
    let line = &line[start..end];
    let mut i = 0;
    let mut eq = false;
    while i < line.len() {
        if is_space(&line[i]) || line[i] == b'=' {
            eq = line[i] == b'=';
            break;
        }
        i += 1;
    }
    let name = &line[..i];
    let mut j = (i + 1).min(line.len());
    while j < line.len() {
        if line[j] != b'=' || eq {
            if !is_space(&line[j]) {
                break;
            }
        } else {
            eq = true;
        }
        j += 1;
    }
    Some((
        String::from_utf8_lossy(name).into_owned(),
        String::from_utf8_lossy(&line[j..]).into_owned(),
    ))
}

/// Physical lines as `fgets` with a 1024-byte buffer returns them: `Err(line)` for a line
/// longer than that (both readers then give up on the file).
fn conf_lines(bytes: &[u8]) -> Result<Vec<&[u8]>, usize> {
    let mut out = Vec::new();
    let mut rest = bytes;
    let mut n = 0;
    while !rest.is_empty() {
        n += 1;
        let (line, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        let had_newline = line.len() < rest.len();
        // fgets stops at 1023 bytes: a longer line (or one of exactly that length) does
        // not end in a newline before the end of the file, which both readers refuse.
        if line.len() >= MAX_LINE {
            return Err(n);
        }
        // A C string ends at NUL; a NUL inside a line that goes on hides its newline,
        // which both readers also refuse.
        let line = match line.iter().position(|&b| b == 0) {
            Some(0) => &line[..0],
            Some(z) if had_newline => {
                let _ = z;
                return Err(n);
            }
            Some(z) => &line[..z],
            None => line,
        };
        out.push(line);
        rest = next;
    }
    Ok(out)
}

/// libpwquality's settings: name and kind.
#[derive(Clone, Copy, PartialEq)]
enum PwqKind {
    Int,
    Str,
    Set,
}

const PWQ_SETTINGS: [(&str, PwqKind); 20] = [
    ("difok", PwqKind::Int),
    ("minlen", PwqKind::Int),
    ("dcredit", PwqKind::Int),
    ("ucredit", PwqKind::Int),
    ("lcredit", PwqKind::Int),
    ("ocredit", PwqKind::Int),
    ("minclass", PwqKind::Int),
    ("maxrepeat", PwqKind::Int),
    ("maxclassrepeat", PwqKind::Int),
    ("maxsequence", PwqKind::Int),
    ("gecoscheck", PwqKind::Int),
    ("dictcheck", PwqKind::Int),
    ("usercheck", PwqKind::Int),
    ("usersubstr", PwqKind::Int),
    ("enforcing", PwqKind::Int),
    ("badwords", PwqKind::Str),
    ("dictpath", PwqKind::Str),
    ("retry", PwqKind::Int),
    ("enforce_for_root", PwqKind::Set),
    ("local_users_only", PwqKind::Set),
];

/// libpwquality's defaults (Debian and RHEL build it with cracklib: dictcheck 1).
const PWQ_DEFAULTS: [(&str, &str); 18] = [
    ("difok", "1"),
    ("minlen", "8"),
    ("dcredit", "0"),
    ("ucredit", "0"),
    ("lcredit", "0"),
    ("ocredit", "0"),
    ("minclass", "0"),
    ("maxrepeat", "0"),
    ("maxclassrepeat", "0"),
    ("maxsequence", "0"),
    ("gecoscheck", "0"),
    ("dictcheck", "1"),
    ("usercheck", "1"),
    ("usersubstr", "0"),
    ("enforcing", "1"),
    ("retry", "1"),
    ("enforce_for_root", "no"),
    ("local_users_only", "no"),
];

/// `strtol(value, &end, 10)` over the whole string, as libpwquality requires.
fn pwq_int(value: &str) -> Option<i64> {
    let t = value.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    let n = if neg { -n } else { n };
    (n < i64::from(i32::MAX) && n > i64::from(i32::MIN)).then_some(n)
}

/// Apply one pwquality setting as `set_name_value` does; `Err` names the problem.
fn pwq_set(
    values: &mut BTreeMap<String, (String, String)>,
    name: &str,
    value: &str,
    origin: &str,
) -> Result<(), String> {
    let lower = name.to_ascii_lowercase();
    let Some((_, kind)) = PWQ_SETTINGS.iter().find(|(n, _)| *n == lower) else {
        return Err(format!("unknown setting {name:?}"));
    };
    let v = match kind {
        PwqKind::Int => {
            let n = pwq_int(value).ok_or_else(|| format!("{name}: {value:?} is not an integer"))?;
            let n = match lower.as_str() {
                "minlen" => n.max(6),
                "minclass" => n.min(4),
                _ => n,
            };
            n.to_string()
        }
        PwqKind::Str => value.to_string(),
        PwqKind::Set => "yes".to_string(),
    };
    values.insert(lower, (v, origin.to_string()));
    Ok(())
}

/// Read libpwquality's configuration: drop-ins then the main file, stopping at the first
/// error as libpwquality does.
pub fn read_pwquality(root: &HostRoot, main: &str) -> Vec<ConfFile> {
    let dir = format!("{main}.d");
    let mut paths: Vec<String> = Vec::new();
    if let Ok(entries) = root.read_dir_matching(&dir, |n| {
        let b = n.as_encoded_bytes();
        // scandir's filter: the first ".conf" in the name must end it.
        b.windows(5)
            .position(|w| w == b".conf")
            .is_some_and(|i| i + 5 == b.len())
    }) {
        // scandir with strcmp: byte order, which read_dir_matching already gives.
        for e in entries {
            paths.push(e.display_path());
        }
    }
    paths.push(main.to_string());
    let mut out = Vec::new();
    let mut stopped = false;
    for path in paths {
        if stopped {
            out.push(ConfFile {
                path,
                skipped: true,
                ..ConfFile::default()
            });
            continue;
        }
        let mut file = ConfFile {
            path: path.clone(),
            ..ConfFile::default()
        };
        match root.read(&path) {
            Ok(bytes) => match conf_lines(&bytes) {
                Ok(lines) => {
                    let mut scratch = BTreeMap::new();
                    for (i, line) in lines.iter().enumerate() {
                        let Some((name, value)) = split_setting(line) else {
                            continue;
                        };
                        if let Err(e) = pwq_set(&mut scratch, &name, &value, "") {
                            file.error = Some(format!(
                                "{path}:{}: {e}; libpwquality stops reading here",
                                i + 1
                            ));
                            stopped = true;
                            break;
                        }
                        file.settings.push(Setting {
                            key: name,
                            value,
                            origin: Origin::at(path.clone(), i + 1),
                        });
                    }
                }
                Err(n) => {
                    file.error = Some(format!(
                        "{path}:{n}: longer than {MAX_LINE} bytes; libpwquality stops reading here"
                    ));
                    stopped = true;
                }
            },
            Err(e) if e.is_not_found() => file.absent = true,
            // A directory named *.conf: fopen succeeds and fgets fails, nothing is read.
            Err(ReadError::NotRegular { .. }) => file.absent = true,
            Err(e) => {
                // libpwquality ignores a drop-in it cannot open; for the main file the
                // reading fails. Either way Ward cannot know the settings.
                file.error = Some(format!("{e}"));
            }
        }
        out.push(file);
    }
    out
}

/// Read a pam_faillock configuration file.
pub fn read_faillock(root: &HostRoot, path: &str, is_default: bool) -> ConfFile {
    let mut file = ConfFile {
        path: path.to_string(),
        ..ConfFile::default()
    };
    match root.read(path) {
        Ok(bytes) => match conf_lines(&bytes) {
            Ok(lines) => {
                for (i, line) in lines.iter().enumerate() {
                    if let Some((key, value)) = split_setting(line) {
                        file.settings.push(Setting {
                            key,
                            value,
                            origin: Origin::at(path.to_string(), i + 1),
                        });
                    }
                }
            }
            Err(n) => {
                file.error = Some(format!(
                "{path}:{n}: longer than {MAX_LINE} bytes; pam_faillock refuses the file and fails"
            ))
            }
        },
        Err(e) if e.is_not_found() && is_default => file.absent = true,
        Err(e) if e.is_not_found() => {
            file.absent = true;
            file.error = Some(format!(
                "{path} (named by conf=) does not exist; pam_faillock fails"
            ));
        }
        Err(e) => file.error = Some(e.to_string()),
    }
    file
}

/// `pam_modutil_search_key`: the first line whose first word (split at blank or `=`)
/// equals `key` without case; its value after blanks and `=`.
pub fn search_key(root: &HostRoot, path: &str, key: &str) -> Result<Option<Setting>, ReadError> {
    let bytes = root.read(path)?;
    Ok(search_key_in(&bytes, path, key))
}

/// [`search_key`] on a file's bytes.
pub fn search_key_in(bytes: &[u8], path: &str, key: &str) -> Option<Setting> {
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = match raw.iter().position(|&b| b == b'#') {
            Some(h) => &raw[..h],
            None => raw,
        };
        let line = String::from_utf8_lossy(line);
        let line = line.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
        if line.is_empty() {
            continue;
        }
        let (word, rest) = match line.find([' ', '\t', '=']) {
            Some(p) => (&line[..p], &line[p + 1..]),
            None => (line, ""),
        };
        if word.eq_ignore_ascii_case(key) {
            let value = rest
                .trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b' || c == '=');
            return Some(Setting {
                key: key.to_string(),
                value: value.to_string(),
                origin: Origin::at(path.to_string(), i + 1),
            });
        }
    }
    None
}

/// The keys pam_pwhistory (Linux-PAM 1.5.3 and later) looks up in `pwhistory.conf`, each
/// with `pam_modutil_search_key` (the first line naming it wins).
pub const PWHISTORY_KEYS: [&str; 5] = ["debug", "enforce_for_root", "remember", "retry", "file"];

/// Read a `pwhistory.conf` as pam_pwhistory reads it: each key it knows looked up on its
/// own (first occurrence). A missing file leaves the defaults, as the module does.
pub fn read_pwhistory(root: &HostRoot, path: &str) -> ConfFile {
    let mut file = ConfFile {
        path: path.to_string(),
        ..ConfFile::default()
    };
    match root.read(path) {
        Ok(bytes) => {
            for key in PWHISTORY_KEYS {
                if let Some(s) = search_key_in(&bytes, path, key) {
                    file.settings.push(s);
                }
            }
        }
        Err(e) if e.is_not_found() => file.absent = true,
        // fopen fails: the module keeps its defaults, but Ward cannot tell what the file
        // would have set.
        Err(e) => file.error = Some(e.to_string()),
    }
    file
}

/// C `sscanf(s, "%u", &unsigned)` stored into an `int`, as pam_pwhistory reads numbers
/// from its configuration file: blanks, an optional sign, digits (none: `None`); the value
/// wraps like `strtoul` then is cut to 32 bits.
fn sscanf_u_as_int(s: &str) -> Option<i64> {
    let t = s.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
    let (neg, rest) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() {
        return None;
    }
    let n: u64 = digits.parse().unwrap_or(u64::MAX);
    let n = if neg { n.wrapping_neg() } else { n };
    Some(i64::from(n as u32 as i32))
}

/// A module line's effective settings: value and where it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effective {
    pub values: BTreeMap<String, (String, String)>,
    /// Why the module fails whatever happens (its configuration is broken).
    pub broken: Option<String>,
    /// Notes for the evidence (configuration read only in part, ignored arguments).
    pub notes: Vec<String>,
}

impl Effective {
    /// The value of a setting and its origin.
    pub fn get(&self, key: &str) -> Option<(&str, &str)> {
        self.values
            .get(&key.to_ascii_lowercase())
            .map(|(v, o)| (v.as_str(), o.as_str()))
    }
}

fn arg_origin(line: &PamLine) -> String {
    format!("argument on {}", line.origin)
}

/// The effective settings of `line` (a module line) on `pam`'s host.
pub fn effective(pam: &Pam, line: &PamLine) -> Effective {
    match line.module_name().as_deref() {
        Some("pam_pwquality") => pwquality(pam, line),
        Some("pam_faillock") => faillock(pam, line),
        Some("pam_unix") => unix(pam, line),
        Some("pam_pwhistory") => pwhistory(pam, line),
        Some("pam_google_authenticator") => {
            second_factor(line, &["nullok"], "pam_google_authenticator")
        }
        Some("pam_u2f") => second_factor(line, &["nouserok"], "pam_u2f"),
        Some("pam_oath") => second_factor(line, &["alwaysok", "no_usersfile_okay"], "pam_oath"),
        _ => generic(line),
    }
}

fn pwquality(pam: &Pam, line: &PamLine) -> Effective {
    let mut e = Effective::default();
    for (k, v) in PWQ_DEFAULTS {
        e.values.insert(
            k.to_string(),
            (v.to_string(), "libpwquality's default".into()),
        );
    }
    for f in &pam.pwquality {
        if f.skipped {
            e.notes.push(format!(
                "{} is not read: libpwquality stopped at an earlier error",
                f.path
            ));
            continue;
        }
        for s in &f.settings {
            let _ = pwq_set(&mut e.values, &s.key, &s.value, &s.origin.to_string());
        }
        if let Some(err) = &f.error {
            e.notes.push(err.clone());
        }
    }
    let origin = arg_origin(line);
    for a in &line.args {
        let ignored = a == "debug"
            || a.starts_with("type=")
            || a.starts_with("difignore=")
            || a.starts_with("reject_username")
            || a.starts_with("authtok_type")
            || a.starts_with("use_authtok")
            || a.starts_with("use_first_pass")
            || a.starts_with("try_first_pass");
        if ignored {
            continue;
        }
        let (name, value) = a.split_once('=').unwrap_or((a.as_str(), ""));
        if name.len() > 79 {
            e.notes.push(format!(
                "{origin}: {a:?} is not an option pam_pwquality knows; ignored"
            ));
            continue;
        }
        if let Err(err) = pwq_set(&mut e.values, name, value, &origin) {
            e.notes.push(format!(
                "{origin}: {err}; pam_pwquality ignores the argument"
            ));
        }
    }
    e
}

/// C `strtol(s, NULL, 10)`: blanks, an optional sign, the digits that follow (0 when
/// there are none), saturating.
fn strtol_prefix(s: &str) -> i64 {
    let t = s.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let (neg, rest) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let n: i64 = if digits.is_empty() {
        0
    } else {
        digits.parse().unwrap_or(i64::MAX)
    };
    if neg {
        -n
    } else {
        n
    }
}

/// C `sscanf(value, "%u")` (or `%hu` when `short`): blanks, an optional sign, digits.
fn scan_unsigned(value: &str, short: bool) -> Option<u64> {
    let t = value.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let (neg, rest) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    // strtoul saturates at ULONG_MAX, then negation wraps.
    let n: u64 = digits.parse().unwrap_or(u64::MAX);
    let n = if neg { n.wrapping_neg() } else { n };
    Some(if short { n & 0xffff } else { n & 0xffff_ffff })
}

const MAX_TIME_INTERVAL: u64 = 604_800;

fn faillock_set(e: &mut Effective, name: &str, value: &str, origin: &str) {
    let mut put = |k: &str, v: String| {
        e.values.insert(k.to_string(), (v, origin.to_string()));
    };
    match name {
        "deny" => match scan_unsigned(value, true) {
            Some(n) => put("deny", n.to_string()),
            None => e
                .notes
                .push(format!("{origin}: deny {value:?} is not a number; ignored")),
        },
        "fail_interval" | "unlock_time" | "root_unlock_time" => {
            if name != "fail_interval" && value == "never" {
                put(name, "0".into());
                return;
            }
            match scan_unsigned(value, false) {
                Some(n) if n <= MAX_TIME_INTERVAL => put(name, n.to_string()),
                _ => e.notes.push(format!(
                    "{origin}: {name} {value:?} is not a number up to {MAX_TIME_INTERVAL}; ignored"
                )),
            }
        }
        "dir" | "admin_group" => put(name, value.to_string()),
        "even_deny_root" | "audit" | "silent" | "no_log_info" | "local_users_only" | "nodelay" => {
            put(name, "yes".into())
        }
        _ => e.notes.push(format!(
            "{origin}: unknown option {name:?}; pam_faillock ignores it"
        )),
    }
}

fn faillock(pam: &Pam, line: &PamLine) -> Effective {
    let mut e = Effective::default();
    for (k, v) in [
        ("deny", "3"),
        ("fail_interval", "900"),
        ("unlock_time", "600"),
        ("even_deny_root", "no"),
        ("audit", "no"),
        ("silent", "no"),
        ("local_users_only", "no"),
        ("mode", "preauth"),
    ] {
        e.values.insert(
            k.to_string(),
            (v.to_string(), "pam_faillock's default".into()),
        );
    }
    let conf_index = line.args.iter().rposition(|a| a.starts_with("conf="));
    let conf = conf_index
        .and_then(|i| line.args[i].strip_prefix("conf="))
        .unwrap_or(super::FAILLOCK_CONF);
    match pam.faillock.get(conf) {
        Some(f) => {
            if let Some(err) = &f.error {
                e.broken = Some(err.clone());
            }
            for s in &f.settings {
                let origin = s.origin.to_string();
                faillock_set(&mut e, &s.key, &s.value, &origin);
            }
        }
        None => e.broken = Some(format!("{conf} was not collected")),
    }
    let origin = arg_origin(line);
    for (i, a) in line.args.iter().enumerate() {
        if Some(i) == conf_index {
            continue;
        }
        match a.as_str() {
            "preauth" | "authfail" | "authsucc" => {
                e.values.insert("mode".into(), (a.clone(), origin.clone()));
            }
            _ => {
                // The argument is cut at FAILLOCK_CONF_MAX_LINELEN and split at '='.
                let (name, value) = a.split_once('=').unwrap_or((a.as_str(), ""));
                faillock_set(&mut e, name, value, &origin);
            }
        }
    }
    if !e.values.contains_key("root_unlock_time") {
        let (v, o) = e.values["unlock_time"].clone();
        e.values.insert(
            "root_unlock_time".into(),
            (
                v,
                format!("unlock_time ({o}), as pam_faillock does when root_unlock_time is unset"),
            ),
        );
    }
    e
}

/// pam_unix's option table (Linux-PAM 1.5.2 `unix_args`), in order: (token, hash name).
const UNIX_OPTIONS: [(&str, Option<&str>); 27] = [
    ("audit", None),
    ("use_first_pass", None),
    ("try_first_pass", None),
    ("authtok_type=", None),
    ("use_authtok", None),
    ("shadow", None),
    ("md5", Some("md5")),
    ("nullok", None),
    ("debug", None),
    ("nodelay", None),
    ("nis", None),
    ("bigcrypt", Some("bigcrypt")),
    ("likeauth", None),
    ("remember=", None),
    ("noreap", None),
    ("broken_shadow", None),
    ("sha256", Some("sha256")),
    ("sha512", Some("sha512")),
    ("rounds=", None),
    ("blowfish", Some("blowfish")),
    ("minlen=", None),
    ("quiet", None),
    ("no_pass_expiry", None),
    ("des", Some("des")),
    ("gost_yescrypt", Some("gost_yescrypt")),
    ("yescrypt", Some("yescrypt")),
    ("nullresetok", None),
];

fn unix(pam: &Pam, line: &PamLine) -> Effective {
    let mut e = Effective::default();
    e.values.insert(
        "hash".into(),
        (
            "des".into(),
            "pam_unix's default (no ENCRYPT_METHOD, no hash option)".into(),
        ),
    );
    e.values
        .insert("nullok".into(), ("no".into(), "pam_unix's default".into()));
    e.values
        .insert("remember".into(), ("0".into(), "pam_unix's default".into()));
    if let Some(err) = &pam.login_defs_error {
        e.notes.push(format!(
            "/etc/login.defs cannot be read ({err}): pam_unix's default hash is unknown"
        ));
        e.values.remove("hash");
    }
    if let Some(m) = &pam.encrypt_method {
        let hash = UNIX_OPTIONS
            .iter()
            .filter_map(|(t, h)| h.map(|h| (t, h)))
            .find(|(t, _)| m.value.len() >= t.len() && m.value[..t.len()].eq_ignore_ascii_case(t));
        match hash {
            Some((_, h)) => {
                e.values.insert(
                    "hash".into(),
                    (h.to_string(), format!("ENCRYPT_METHOD at {}", m.origin)),
                );
            }
            None => e.notes.push(format!(
                "{}: ENCRYPT_METHOD {:?} is not a method pam_unix knows; ignored",
                m.origin, m.value
            )),
        }
    }
    let origin = arg_origin(line);
    for a in &line.args {
        let Some((token, hash)) = UNIX_OPTIONS.iter().find(|(t, _)| a.starts_with(t)) else {
            e.notes
                .push(format!("{origin}: {a:?} is not a pam_unix option; ignored"));
            continue;
        };
        let rest = &a[token.len()..];
        if let Some(h) = hash {
            e.values
                .insert("hash".into(), (h.to_string(), origin.clone()));
        } else if *token == "nullok" {
            e.values
                .insert("nullok".into(), ("yes".into(), origin.clone()));
        } else if *token == "remember=" {
            let n = strtol_prefix(rest).clamp(-1, 400);
            e.values
                .insert("remember".into(), (n.to_string(), origin.clone()));
        } else if let Some(name) = token.strip_suffix('=') {
            e.values
                .insert(name.to_string(), (rest.to_string(), origin.clone()));
        } else {
            e.values
                .insert(token.to_string(), ("yes".into(), origin.clone()));
        }
    }
    e
}

fn pwhistory(pam: &Pam, line: &PamLine) -> Effective {
    let mut e = Effective::default();
    e.values.insert(
        "remember".into(),
        ("10".into(), "pam_pwhistory's default".into()),
    );
    e.values.insert(
        "enforce_for_root".into(),
        ("no".into(), "pam_pwhistory's default".into()),
    );
    // Linux-PAM 1.5.3 (and RHEL 9's backport) read pwhistory.conf, or the file the last
    // `conf=` argument names, before the arguments.
    if pam.pwhistory_reads_conf == Some(true) {
        let path = line
            .args
            .iter()
            .filter_map(|a| a.strip_prefix("conf="))
            .next_back()
            .unwrap_or(super::PWHISTORY_CONF);
        match pam.pwhistory.get(path) {
            Some(f) => {
                if let Some(err) = &f.error {
                    e.notes.push(format!(
                        "{path} cannot be read ({err}); pam_pwhistory keeps its defaults for \
                         what it would set"
                    ));
                }
                for s in &f.settings {
                    let origin = s.origin.to_string();
                    match s.key.as_str() {
                        "enforce_for_root" => {
                            e.values
                                .insert("enforce_for_root".into(), ("yes".into(), origin));
                        }
                        "remember" | "retry" => match sscanf_u_as_int(&s.value) {
                            Some(n) => {
                                e.values.insert(s.key.clone(), (n.to_string(), origin));
                            }
                            None => e.notes.push(format!(
                                "{origin}: {} {:?} is not a number; pam_pwhistory ignores it",
                                s.key, s.value
                            )),
                        },
                        _ => {
                            e.values.insert(s.key.clone(), (s.value.clone(), origin));
                        }
                    }
                }
            }
            None => e.notes.push(format!("{path} was not read")),
        }
    } else if pam.pwhistory_reads_conf.is_none() {
        e.notes.push(
            "the pam_pwhistory module file was not found, so whether it reads pwhistory.conf \
             is unknown; only its arguments are judged"
                .into(),
        );
    }
    let origin = arg_origin(line);
    for a in &line.args {
        if a.len() >= 9 && a[..9].eq_ignore_ascii_case("remember=") {
            let n = strtol_prefix(&a[9..]).clamp(0, 400);
            e.values
                .insert("remember".into(), (n.to_string(), origin.clone()));
        } else if a.eq_ignore_ascii_case("enforce_for_root") {
            e.values
                .insert("enforce_for_root".into(), ("yes".into(), origin.clone()));
        } else {
            let (k, v) = a.split_once('=').unwrap_or((a.as_str(), "yes"));
            e.values
                .insert(k.to_ascii_lowercase(), (v.to_string(), origin.clone()));
        }
    }
    e
}

/// Second-factor modules: the options that let an account through without a second
/// factor are off unless the line sets them (`nullok` for pam_google_authenticator: an
/// account without a secret file is ignored; `nouserok` for pam_u2f: an account without a
/// registered key succeeds; `alwaysok` and `no_usersfile_okay` for pam_oath: success
/// whatever happens, or when the users file is missing), so a probe can ask for them off.
fn second_factor(line: &PamLine, options: &[&str], module: &str) -> Effective {
    let mut e = generic(line);
    for option in options {
        e.values
            .entry(option.to_string())
            .or_insert_with(|| ("no".into(), format!("{module}'s default")));
    }
    e
}

fn generic(line: &PamLine) -> Effective {
    let mut e = Effective::default();
    let origin = arg_origin(line);
    for a in &line.args {
        let (k, v) = a.split_once('=').unwrap_or((a.as_str(), "yes"));
        e.values
            .insert(k.to_ascii_lowercase(), (v.to_string(), origin.clone()));
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setting_lines_split_like_read_config_file() {
        assert_eq!(
            split_setting(b"minlen = 14 # x"),
            Some(("minlen".into(), "14".into()))
        );
        assert_eq!(
            split_setting(b"  minlen=14"),
            Some(("minlen".into(), "14".into()))
        );
        assert_eq!(
            split_setting(b"minlen 14"),
            Some(("minlen".into(), "14".into()))
        );
        assert_eq!(
            split_setting(b"minlen =  = 14"),
            Some(("minlen".into(), "= 14".into()))
        );
        assert_eq!(
            split_setting(b"enforce_for_root"),
            Some(("enforce_for_root".into(), "".into()))
        );
        assert_eq!(split_setting(b"   # minlen = 3"), None);
        assert_eq!(split_setting(b""), None);
    }

    #[test]
    fn pwhistory_numbers_as_sscanf_reads_them() {
        assert_eq!(sscanf_u_as_int(" 24\r"), Some(24));
        assert_eq!(sscanf_u_as_int("+5x"), Some(5));
        assert_eq!(sscanf_u_as_int("-1"), Some(-1));
        assert_eq!(sscanf_u_as_int("4294967301"), Some(5));
        assert_eq!(sscanf_u_as_int("x5"), None);
        assert_eq!(sscanf_u_as_int(""), None);
    }

    #[test]
    fn search_key_takes_the_first_line_naming_the_key() {
        let text = b"# remember 1\n\tREMEMBER= =7 # c\nremember 9\nremembered 2\n";
        let s = search_key_in(text, "/f", "remember").unwrap();
        assert_eq!(
            (s.value.as_str(), s.origin.to_string()),
            ("7 ", "/f:2".to_string())
        );
        assert!(search_key_in(b"enforce_for_root\n", "/f", "enforce_for_root").is_some());
        assert!(search_key_in(b"rememberx 3\n", "/f", "remember").is_none());
    }

    #[test]
    fn pwquality_values_as_libpwquality_stores_them() {
        let mut v = BTreeMap::new();
        pwq_set(&mut v, "MINLEN", "4", "").unwrap();
        assert_eq!(v["minlen"].0, "6");
        pwq_set(&mut v, "minclass", "9", "").unwrap();
        assert_eq!(v["minclass"].0, "4");
        pwq_set(&mut v, "enforce_for_root", "0", "").unwrap();
        assert_eq!(v["enforce_for_root"].0, "yes");
        assert!(pwq_set(&mut v, "minlen", "0x10", "").is_err());
        assert!(pwq_set(&mut v, "minlen", "14 ", "").is_err());
        assert!(pwq_set(&mut v, "min_len", "14", "").is_err());
        pwq_set(&mut v, "dcredit", "-1", "").unwrap();
        assert_eq!(v["dcredit"].0, "-1");
    }

    #[test]
    fn sscanf_unsigned() {
        assert_eq!(scan_unsigned(" 5abc", true), Some(5));
        assert_eq!(scan_unsigned("-1", true), Some(65535));
        assert_eq!(scan_unsigned("70000", true), Some(70000 & 0xffff));
        assert_eq!(scan_unsigned("x", false), None);
    }
}
