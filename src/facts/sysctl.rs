//! Kernel parameters (sysctl): as configured on disk and, on the live host, as running.
//!
//! Hardening baselines set kernel parameters (`net.ipv4.ip_forward = 0`,
//! `kernel.randomize_va_space = 2`) in configuration files that are applied at boot. A check
//! needs both halves: the *configured* value says what the host will come back with after a
//! reboot, the *running* value what it does now. An image or fixture has only the first.
//!
//! The configured values follow `systemd-sysctl` (systemd-sysctl.service(8), sysctl.d(5)),
//! which applies them at boot on Debian and every other systemd distribution, and whose file
//! list `systemd-sysctl --cat-config` prints:
//!
//! * `*.conf` files are listed from `/etc/sysctl.d`, `/run/sysctl.d`,
//!   `/usr/local/lib/sysctl.d`, `/usr/lib/sysctl.d` and `/lib/sysctl.d`, in that priority
//!   order (systemd's `conf_files_list`). Hidden names are ignored. A file name found in a
//!   higher-priority directory masks the same name in the lower ones, whatever it is: a
//!   symlink to `/dev/null`, an empty file, a dangling symlink (systemd-sysctl ignores the
//!   missing file) or a directory all mask and contribute nothing. A directory that resolves
//!   to one already read (merged-usr: `/lib -> usr/lib`) is read once.
//! * The surviving files are applied sorted by file name (byte order) across all
//!   directories, whatever directory they came from. When two names resolve to the same file
//!   it is applied once, at the later position (applying it twice gives the same result).
//! * `/etc/sysctl.conf` is **not** read by systemd-sysctl. It takes effect only through a
//!   `sysctl.d` entry that links to it (Debian's procps ships
//!   `/etc/sysctl.d/99-sysctl.conf -> ../sysctl.conf`), at that entry's position. When no
//!   entry links to it, its assignments are listed as evidence marked "not applied" with a
//!   warning, but never win: the host boots without them.
//! * Files are read as bytes, as systemd-sysctl does: a Latin-1 comment does not make a file
//!   unreadable. Lines end at `\n`, `\r`, `\r\n` or NUL; each line is stripped of spaces,
//!   tabs, CR and LF at both ends; `#` and `;` at the start make a comment (nowhere else:
//!   `kernel.x = 1 # note` assigns the value `1 # note`). A line holding `=` assigns: a
//!   leading `-` on the key only tells systemd to ignore a failure to write it and is
//!   stripped; key and value are stripped again. Keys are normalised to dots:
//!   `net/ipv4/ip_forward` is `net.ipv4.ip_forward` (when the first separator is a slash,
//!   dots and slashes swap, so `net/ipv4/conf/eth0.100/rp_filter` becomes
//!   `net.ipv4.conf.eth0/100.rp_filter`). Values are kept as written (after stripping);
//!   bytes that are not UTF-8 are shown as `\xNN`. A later assignment of the same key wins
//!   (the same value again keeps the first line as the origin, as systemd keeps its entry).
//!   A line over 1 MiB makes systemd stop reading the file, so it is an error here.
//! * A `-key` line without `=` excludes the key from glob assignments and unsets any earlier
//!   explicit value (sysctl.d(5)); such a key has no configured value.
//! * Keys with glob characters (`net.ipv4.conf.*.rp_filter`) are kept literally as their own
//!   entry, so a check can ask about the pattern itself. They are also applied to the keys the
//!   catalogue asked for, with systemd's rule: a glob never overrides an explicit assignment
//!   of the same key, wherever that assignment sits in the file order ("Not setting ...
//!   (explicit setting exists)"), and among globs the last one assigned wins. Ward cannot
//!   enumerate the keys a glob covers on a host image, so it does not invent entries for
//!   keys nobody asked about.
//!
//! Every entry lists in `settings` each place that sets the key, in application order: the
//! winning one, those it overrides, those that yield to an explicit setting, and those in
//! files that are not applied (an unlinked `/etc/sysctl.conf`, a file masked or overridden
//! by a same-name file of higher priority). Checks show them all as evidence.
//!
//! Lines that are not assignments (or have an empty or blank key) are skipped with a
//! `path:line` warning. A file that is applied but cannot be read (permission denied, not a
//! regular file, over the read cap, a symlink loop) means the configured values are unknown:
//! any of its lines could be the one that wins. The whole collector then fails with that
//! read error, so sysctl checks report an error instead of judging a partial picture; the
//! same holds for a configuration directory that cannot be listed or holds more `*.conf`
//! entries than the listing limit. Files read only for evidence (not applied) give a
//! warning when unreadable.
//!
//! How the kernel reads a value is the probe's business ([`kernel_int`]): integer
//! parameters take the first integer of the value as `proc_dointvec` parses it.
//!
//! Runtime values are read only when the root is the live host: for every key the catalogue
//! asked for and every explicitly configured key, `/proc/sys/<key with dots as slashes>` is
//! read through the [`HostRoot`], trimmed, and its whitespace runs collapsed to one space
//! (multi-field values such as `net.ipv4.ip_local_port_range` are tab-separated). A key that
//! cannot be read gets a `runtime_error` instead ("not present in this kernel" when the file
//! does not exist). Keys whose path would leave `/proc/sys` (`..` components) are never read.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Fact, Origin};
use crate::host_root::{display_bytes, display_path, has_glob_meta, FileKind, HostRoot, ReadError};

/// sysctl.d directories in priority order (highest first).
pub const SYSCTL_DIRS: [&str; 5] = [
    "/etc/sysctl.d",
    "/run/sysctl.d",
    "/usr/local/lib/sysctl.d",
    "/usr/lib/sysctl.d",
    "/lib/sysctl.d",
];

/// The traditional configuration file. systemd-sysctl applies it only through a `sysctl.d`
/// entry that links to it.
pub const SYSCTL_CONF: &str = "/etc/sysctl.conf";

/// Longest line systemd-sysctl reads (`LONG_LINE_MAX`).
const LONG_LINE_MAX: usize = 1024 * 1024;

/// Kernel parameters of a host.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sysctl {
    /// Configuration files read, in the order they were applied.
    pub files: Vec<String>,
    /// Parameters keyed by dotted name (`net.ipv4.ip_forward`).
    pub entries: BTreeMap<String, SysctlEntry>,
    /// Whether runtime values were read (live host only).
    pub runtime_read: bool,
    /// Malformed lines and unreadable files, with their origin.
    pub warnings: Vec<String>,
}

/// One kernel parameter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SysctlEntry {
    /// The value the configuration files set (the one that wins), with its origin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configured: Option<Configured>,
    /// Every place that sets the key, in application order, with what became of it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<Setting>,
    /// Value read from `/proc/sys` on the live host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    /// Why the runtime value could not be read, when it was tried and failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_error: Option<String>,
}

/// A configured sysctl value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Configured {
    pub value: String,
    pub origin: Origin,
}

/// One line that sets (or excludes) a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setting {
    /// The value as written; `None` for a `-key` exclusion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub origin: Origin,
    pub status: SettingStatus,
    /// Why it does not win, or the glob pattern that carries it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What became of one setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingStatus {
    /// This is the value written at boot.
    Wins,
    /// Applied, then replaced by a later setting (or yields to an explicit one).
    Overridden,
    /// A `-key` line: the key is left at the kernel's value and globs skip it.
    Excluded,
    /// In a file systemd-sysctl does not apply.
    NotApplied,
}

/// Collect sysctl configuration, and runtime values of `keys` (plus all configured keys)
/// when the root is live.
pub fn collect(root: &HostRoot, keys: &[String]) -> Fact<Sysctl> {
    match collect_inner(root, keys) {
        Ok(s) => Fact::Collected { value: s },
        Err(e) => Fact::from_read_error(&e),
    }
}

/// One configuration file to apply.
struct ConfFile {
    /// Host path to read (the directory entry, possibly a symlink), byte-exact.
    read_path: PathBuf,
    /// Host path of the file the entry resolves to, for display; used as the origin.
    shown: String,
    /// The resolved real path, for de-duplication.
    real: PathBuf,
}

/// A file read only for evidence, with the reason it is not applied.
struct NotApplied {
    read_path: PathBuf,
    shown: String,
    why: String,
}

/// One assignment line, in the order systemd meets it.
#[derive(Debug, Clone)]
struct Event {
    key: String,
    /// `Some(value)`, or `None` for a `-key` exclusion.
    value: Option<String>,
    origin: Origin,
}

/// Assignments gathered from all files, before they are turned into entries.
#[derive(Debug, Default)]
struct Parsed {
    /// Every assignment of applied files, in application order.
    events: Vec<Event>,
    /// Final explicit assignment per key.
    explicit: BTreeMap<String, Event>,
    /// Glob assignments in systemd's application order.
    globs: Vec<Event>,
    /// Assignments in files that are not applied, with the reason.
    not_applied: Vec<(Event, String)>,
}

fn collect_inner(root: &HostRoot, keys: &[String]) -> Result<Sysctl, ReadError> {
    let mut out = Sysctl::default();
    let mut parsed = Parsed::default();
    let mut skipped: Vec<NotApplied> = Vec::new();
    let files = config_files(root, &mut out.warnings, &mut skipped)?;
    for f in &files {
        let bytes = root.read(&f.read_path)?;
        let lines = parse_lines(&bytes, &f.shown, &mut out.warnings)?;
        for ev in lines {
            apply(&mut parsed, ev);
        }
        out.files.push(f.shown.clone());
    }

    // /etc/sysctl.conf counts only through a sysctl.d entry that resolves to it.
    let conf_real = root.resolve(SYSCTL_CONF)?;
    if !files.iter().any(|f| f.real == conf_real) && root.exists(SYSCTL_CONF) {
        let why = format!(
            "systemd-sysctl reads only sysctl.d, and no sysctl.d entry links to {SYSCTL_CONF}"
        );
        out.warnings
            .push(format!("{SYSCTL_CONF}: not applied at boot: {why}"));
        skipped.push(NotApplied {
            read_path: PathBuf::from(SYSCTL_CONF),
            shown: SYSCTL_CONF.to_string(),
            why,
        });
    }
    for s in &skipped {
        match root.read(&s.read_path) {
            // A lower-priority mask (a link to /dev/null, a dangling link) sets nothing.
            Err(ReadError::NotFound { .. }) => {}
            Ok(bytes) => {
                let mut ignored = Vec::new();
                match parse_lines(&bytes, &s.shown, &mut ignored) {
                    Ok(lines) => parsed
                        .not_applied
                        .extend(lines.into_iter().map(|ev| (ev, s.why.clone()))),
                    Err(e) => out.warnings.push(format!("{e} (file not applied)")),
                }
            }
            Err(e) => out.warnings.push(format!("{e} (file not applied)")),
        }
    }

    // Explicit assignments.
    for (key, ev) in &parsed.explicit {
        if let Some(v) = &ev.value {
            out.entries.entry(key.clone()).or_default().configured = Some(Configured {
                value: v.clone(),
                origin: ev.origin.clone(),
            });
        }
    }

    // Glob assignments: kept literally, and compiled for matching requested keys.
    let mut patterns: Vec<(glob::Pattern, &Event)> = Vec::new();
    for ev in &parsed.globs {
        if let Some(v) = &ev.value {
            out.entries.entry(ev.key.clone()).or_default().configured = Some(Configured {
                value: v.clone(),
                origin: ev.origin.clone(),
            });
        }
        match glob::Pattern::new(&swap_separators(&ev.key)) {
            Ok(p) => patterns.push((p, ev)),
            Err(e) => out.warnings.push(format!(
                "{}: invalid glob in key {:?}: {e}",
                ev.origin, ev.key
            )),
        }
    }

    let requested: BTreeSet<String> = keys
        .iter()
        .map(|k| normalize_key(k))
        .filter(|k| !k.is_empty() && !has_glob_meta(k))
        .collect();
    let opts = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: false,
    };
    let matches_key = |pattern: &str, key: &str| {
        glob::Pattern::new(&swap_separators(pattern))
            .is_ok_and(|p| p.matches_with(&swap_separators(key), opts))
    };
    for key in &requested {
        if parsed.explicit.contains_key(key) {
            continue; // an explicit assignment (or exclusion) always beats a glob
        }
        let slashed = swap_separators(key);
        let hit = patterns
            .iter()
            .rev()
            .find(|(p, _)| p.matches_with(&slashed, opts));
        if let Some((_, ev)) = hit {
            if let Some(v) = &ev.value {
                out.entries.entry(key.clone()).or_default().configured = Some(Configured {
                    value: v.clone(),
                    origin: ev.origin.clone(),
                });
            }
        }
    }

    // Every place each key is set.
    let mut keyed: BTreeSet<String> = parsed.explicit.keys().cloned().collect();
    keyed.extend(parsed.globs.iter().map(|e| e.key.clone()));
    keyed.extend(requested.iter().cloned());
    keyed.extend(
        parsed
            .not_applied
            .iter()
            .filter(|(e, _)| !has_glob_meta(&e.key))
            .map(|(e, _)| e.key.clone()),
    );
    for key in keyed {
        let literal = has_glob_meta(&key);
        let winner = out
            .entries
            .get(&key)
            .and_then(|e| e.configured.as_ref())
            .map(|c| c.origin.clone());
        let winner_value = out
            .entries
            .get(&key)
            .and_then(|e| e.configured.as_ref())
            .map(|c| c.value.clone());
        let explicit_final = parsed.explicit.get(&key);
        let mut settings = Vec::new();
        for ev in &parsed.events {
            let same = ev.key == key;
            let via_glob = !literal && has_glob_meta(&ev.key) && matches_key(&ev.key, &key);
            if !same && !via_glob {
                continue;
            }
            let (status, note) = if winner.as_ref() == Some(&ev.origin) && ev.value.is_some() {
                (SettingStatus::Wins, None)
            } else if ev.value.is_none() && explicit_final.is_some_and(|f| f.origin == ev.origin) {
                (SettingStatus::Excluded, None)
            } else if via_glob && explicit_final.is_some() {
                (
                    SettingStatus::Overridden,
                    Some("a glob never overrides an explicit setting of the key".to_string()),
                )
            } else if !via_glob && ev.value.is_some() && ev.value == winner_value {
                (
                    SettingStatus::Overridden,
                    Some("repeats the winning value; systemd keeps the first line".to_string()),
                )
            } else {
                (SettingStatus::Overridden, None)
            };
            let note = match (via_glob, note) {
                (true, Some(n)) => Some(format!("through glob {}; {n}", ev.key)),
                (true, None) => Some(format!("through glob {}", ev.key)),
                (false, n) => n,
            };
            settings.push(Setting {
                value: ev.value.clone(),
                origin: ev.origin.clone(),
                status,
                note,
            });
        }
        for (ev, why) in &parsed.not_applied {
            let via_glob = !literal && has_glob_meta(&ev.key) && matches_key(&ev.key, &key);
            if ev.key != key && !via_glob {
                continue;
            }
            settings.push(Setting {
                value: ev.value.clone(),
                origin: ev.origin.clone(),
                status: SettingStatus::NotApplied,
                note: Some(why.clone()),
            });
        }
        if !settings.is_empty() {
            out.entries.entry(key).or_default().settings = settings;
        }
    }

    if root.is_live() {
        out.runtime_read = true;
        let mut runtime_keys = requested;
        runtime_keys.extend(
            parsed
                .explicit
                .iter()
                .filter(|(_, e)| e.value.is_some())
                .map(|(k, _)| k.clone()),
        );
        for key in runtime_keys {
            let entry = out.entries.entry(key.clone()).or_default();
            match read_runtime(root, &key) {
                Ok(v) => entry.runtime = Some(v),
                Err(msg) => entry.runtime_error = Some(msg),
            }
        }
    }
    Ok(out)
}

/// Record one assignment the way systemd-sysctl's ordered hashmap does.
fn apply(parsed: &mut Parsed, ev: Event) {
    parsed.events.push(ev.clone());
    if has_glob_meta(&ev.key) {
        // systemd keeps an existing glob assignment (and its place in the order) when the
        // same pattern is assigned the same value again; otherwise it re-inserts it.
        if let Some(pos) = parsed.globs.iter().position(|g| g.key == ev.key) {
            if parsed.globs.get(pos).is_some_and(|g| g.value == ev.value) {
                return;
            }
            parsed.globs.remove(pos);
        }
        parsed.globs.push(ev);
    } else {
        match parsed.explicit.get(&ev.key) {
            // The same value again keeps the earlier assignment in place (systemd's
            // `streq_ptr(value, existing->value)`), so its origin stays the earlier line.
            Some(prev) if prev.value == ev.value => {}
            _ => {
                parsed.explicit.insert(ev.key.clone(), ev);
            }
        }
    }
}

/// The sysctl.d files to apply, in application order, after masking and de-duplication.
/// Files that lose to a same-name file of higher priority go to `skipped`.
fn config_files(
    root: &HostRoot,
    warnings: &mut Vec<String>,
    skipped: &mut Vec<NotApplied>,
) -> Result<Vec<ConfFile>, ReadError> {
    let null = null_path(root);
    let mut seen_dirs: HashSet<PathBuf> = HashSet::new();
    // File name -> the file that wins for it (`None` when masked), and who won.
    let mut by_name: BTreeMap<OsString, (Option<ConfFile>, String)> = BTreeMap::new();
    for dir in SYSCTL_DIRS {
        let real_dir = root.resolve(dir)?;
        if !seen_dirs.insert(real_dir) {
            continue;
        }
        // Filter the names before the listing limit counts them.
        let entries = match root.read_dir_matching(dir, |n| {
            let b = n.as_bytes();
            b.ends_with(b".conf") && !b.starts_with(b".")
        }) {
            Ok(e) => e,
            Err(ReadError::NotFound { .. }) => continue,
            Err(e) => return Err(e),
        };
        for e in entries {
            let shown_entry = e.display_path();
            if let Some((_, winner)) = by_name.get(&e.name) {
                if e.kind != FileKind::Directory {
                    skipped.push(NotApplied {
                        read_path: e.path.clone(),
                        shown: shown_entry.clone(),
                        why: format!("{winner} has the same name and wins"),
                    });
                }
                continue;
            }
            let real = root.resolve(&e.path)?;
            if real == null {
                by_name.insert(
                    e.name,
                    (None, format!("{shown_entry} (a link to /dev/null)")),
                );
                continue;
            }
            match root.metadata(&e.path) {
                Ok(m) if m.kind == FileKind::Directory => {
                    warnings.push(format!(
                        "{shown_entry}: is a directory; systemd-sysctl applies nothing from \
                         it, and it masks {} in lower-priority directories",
                        e.display_name()
                    ));
                    by_name.insert(e.name, (None, format!("{shown_entry} (a directory)")));
                    continue;
                }
                Ok(_) => {}
                Err(ReadError::NotFound { .. }) => {
                    warnings.push(format!(
                        "{shown_entry}: dangling symlink; masks {} in lower-priority \
                         directories",
                        e.display_name()
                    ));
                    by_name.insert(
                        e.name,
                        (None, format!("{shown_entry} (a dangling symlink)")),
                    );
                    continue;
                }
                Err(err) => return Err(err),
            }
            let shown = host_path_of(root, &real).unwrap_or_else(|| shown_entry.clone());
            by_name.insert(
                e.name,
                (
                    Some(ConfFile {
                        read_path: e.path,
                        shown,
                        real,
                    }),
                    shown_entry,
                ),
            );
        }
    }
    // BTreeMap iteration is sorted by file name bytes: the application order. A file
    // reached under two names is applied once, at its last position.
    let ordered: Vec<ConfFile> = by_name.into_values().filter_map(|(f, _)| f).collect();
    let mut seen_files: HashSet<PathBuf> = HashSet::new();
    let mut out: Vec<ConfFile> = Vec::new();
    for f in ordered.into_iter().rev() {
        if seen_files.insert(f.real.clone()) {
            out.push(f);
        }
    }
    out.reverse();
    Ok(out)
}

/// Split a file into lines as systemd's `read_line` does (`\n`, `\r`, `\r\n` and NUL end a
/// line). An over-long line is an error: systemd-sysctl stops reading the file there.
fn split_lines(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes.get(i) {
            Some(b'\n') | Some(b'\0') => {
                out.push(&bytes[start..i]);
                i += 1;
                start = i;
            }
            Some(b'\r') => {
                out.push(&bytes[start..i]);
                i += if bytes.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < bytes.len() {
        out.push(&bytes[start..]);
    }
    out
}

/// systemd's `strstrip`: spaces, tabs, CR and LF at both ends.
fn strstrip(b: &[u8]) -> &[u8] {
    let ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r');
    let start = b.iter().position(|c| !ws(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !ws(c)).map_or(start, |e| e + 1);
    b.get(start..end).unwrap_or_default()
}

/// Parse one configuration file into assignment events; `path` names it in origins and
/// warnings.
fn parse_lines(
    bytes: &[u8],
    path: &str,
    warnings: &mut Vec<String>,
) -> Result<Vec<Event>, ReadError> {
    let mut out = Vec::new();
    for (idx, raw) in split_lines(bytes).into_iter().enumerate() {
        let n = idx + 1;
        if raw.len() > LONG_LINE_MAX {
            return Err(ReadError::Io {
                path: path.to_string(),
                message: format!(
                    "line {n} is longer than {LONG_LINE_MAX} bytes; systemd-sysctl stops \
                     reading the file there"
                ),
            });
        }
        let line = strstrip(raw);
        if line.is_empty() || line.starts_with(b"#") || line.starts_with(b";") {
            continue;
        }
        let (key_part, value) = match line.iter().position(|c| *c == b'=') {
            Some(i) => (
                line.get(..i).unwrap_or_default(),
                Some(display_bytes(strstrip(
                    line.get(i + 1..).unwrap_or_default(),
                ))),
            ),
            None => (line, None),
        };
        let (key_part, dash) = match key_part.strip_prefix(b"-") {
            Some(rest) => (rest, true),
            None => (key_part, false),
        };
        let key_part = display_bytes(strstrip(key_part));
        if value.is_none() && !dash {
            warnings.push(format!(
                "{path}:{n}: not a 'key = value' assignment; ignored"
            ));
            continue;
        }
        if key_part.chars().any(char::is_whitespace) {
            warnings.push(format!(
                "{path}:{n}: key {key_part:?} contains whitespace; ignored"
            ));
            continue;
        }
        let key = normalize_key(&key_part);
        if key.is_empty() {
            warnings.push(format!("{path}:{n}: empty key; ignored"));
            continue;
        }
        out.push(Event {
            key,
            value,
            origin: Origin::at(path.to_owned(), n),
        });
    }
    Ok(out)
}

/// How the kernel reads an integer parameter written as `value` (`proc_dointvec` and its
/// relatives, kernel/sysctl.c): leading whitespace is skipped; an optional `-`, never a `+`;
/// digits in C notation (`0x1f` hex, `017` octal, else decimal); the number must end at the
/// end of the value or at a space, tab or newline, and whatever follows is not read for a
/// single-integer parameter. So `1 # c` sets 1, while `+1`, `1#c`, `one` and an empty value
/// are refused (`EINVAL`) and the parameter keeps its previous value. Values beyond the range
/// of a C `int` are refused too.
pub fn kernel_int(value: &str) -> Result<i64, String> {
    let b = value.as_bytes();
    let mut i = b
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c))
        .unwrap_or(b.len());
    if i == b.len() {
        return Err("the value is empty".into());
    }
    let neg = b.get(i) == Some(&b'-') && i + 1 < b.len();
    if neg {
        i += 1;
    }
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return Err(format!(
            "{value:?} does not start with a digit{}",
            if b.get(i) == Some(&b'+') {
                " (the kernel refuses a '+' sign)"
            } else {
                ""
            }
        ));
    }
    let start = i;
    let (radix, digits_from) = if b.get(i) == Some(&b'0') {
        if matches!(b.get(i + 1), Some(b'x') | Some(b'X'))
            && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
        {
            (16, i + 2)
        } else {
            (8, i)
        }
    } else {
        (10, i)
    };
    let mut end = digits_from;
    let mut n: u128 = 0;
    while let Some(d) = b.get(end).and_then(|c| (*c as char).to_digit(radix)) {
        n = n
            .saturating_mul(u128::from(radix))
            .saturating_add(u128::from(d));
        end += 1;
    }
    // The kernel reads at most 21 characters of a number (TMPBUFLEN - 1).
    if end - start + usize::from(neg) >= 21 {
        return Err(format!("{value:?} is too long a number"));
    }
    if let Some(c) = b.get(end) {
        if !matches!(c, b' ' | b'\t' | b'\n') {
            return Err(format!(
                "{value:?}: the number is followed by {:?}, not by whitespace",
                display_bytes(&[*c])
            ));
        }
    }
    let limit: u128 = if neg { 1 << 31 } else { (1 << 31) - 1 };
    if n > limit {
        return Err(format!("{value:?} is out of the range of a C int"));
    }
    let n = i64::try_from(n).map_err(|_| format!("{value:?} is out of range"))?;
    Ok(if neg { -n } else { n })
}

/// Read the running value of a dotted key from `/proc/sys`.
fn read_runtime(root: &HostRoot, key: &str) -> Result<String, String> {
    let rel = swap_separators(key);
    if rel
        .split('/')
        .any(|c| c.is_empty() || c == "." || c == "..")
        || rel.contains('\0')
    {
        return Err(format!("{key:?} is not a valid sysctl name; not read"));
    }
    let path = format!("/proc/sys/{rel}");
    match root.read_lossy(&path) {
        Ok(text) => Ok(collapse_ws(&text)),
        Err(ReadError::NotFound { .. }) => Err(format!(
            "not present in this kernel ({path} does not exist)"
        )),
        Err(e) => Err(e.to_string()),
    }
}

/// Normalise a sysctl key to the dotted form, following sysctl.d(5): when the first
/// separator is a slash, slashes become dots and dots become slashes.
pub fn normalize_key(raw: &str) -> String {
    let s = raw.trim();
    let slash_form = s
        .find(['.', '/'])
        .and_then(|i| s.get(i..))
        .is_some_and(|rest| rest.starts_with('/'));
    let dotted = if slash_form {
        swap_separators(s)
    } else {
        s.to_string()
    };
    dotted.trim_start_matches('.').to_string()
}

/// Swap `.` and `/`: dotted key <-> path below `/proc/sys`.
fn swap_separators(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '.' => '/',
            '/' => '.',
            c => c,
        })
        .collect()
}

/// Trim and collapse every run of whitespace to one space.
pub fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where `/dev/null` of the host lives inside the root.
fn null_path(root: &HostRoot) -> PathBuf {
    root.base().join("dev/null")
}

/// The host path of a real path inside the root (`<root>/etc/sysctl.conf` -> `/etc/sysctl.conf`).
fn host_path_of(root: &HostRoot, real: &Path) -> Option<String> {
    let rel = real.strip_prefix(root.base()).ok()?;
    Some(display_path(Path::new("/").join(rel)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::symlink;

    fn setup(files: &[(&str, &str)]) -> (tempfile::TempDir, HostRoot) {
        let dir = tempfile::tempdir().unwrap();
        for (path, body) in files {
            let p = dir.path().join(path.trim_start_matches('/'));
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, body).unwrap();
        }
        let root = HostRoot::new(dir.path()).unwrap();
        (dir, root)
    }

    fn value(s: &Sysctl, key: &str) -> Option<(String, String)> {
        s.entries
            .get(key)
            .and_then(|e| e.configured.as_ref())
            .map(|c| (c.value.clone(), c.origin.to_string()))
    }

    fn collected(root: &HostRoot, keys: &[&str]) -> Sysctl {
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        match collect(root, &keys) {
            Fact::Collected { value } => value,
            Fact::Error { reason, .. } => panic!("collector failed: {reason}"),
        }
    }

    #[test]
    fn precedence_masking_and_name_order() {
        let (dir, root) = setup(&[
            (
                "/usr/lib/sysctl.d/50-default.conf",
                "net.ipv4.ip_forward = 1\nkernel.a = 1\n",
            ),
            ("/usr/lib/sysctl.d/60-masked.conf", "kernel.b = vendor\n"),
            ("/usr/lib/sysctl.d/70-over.conf", "kernel.c = vendor\n"),
            ("/etc/sysctl.d/70-over.conf", "kernel.c = admin\n"),
            ("/run/sysctl.d/10-early.conf", "kernel.a = early\n"),
            ("/etc/sysctl.d/README", "kernel.a = not a conf file\n"),
            ("/etc/sysctl.d/90-late.conf", "net.ipv4.ip_forward=0\n"),
        ]);
        symlink("/dev/null", dir.path().join("etc/sysctl.d/60-masked.conf")).unwrap();
        let s = collected(&root, &[]);
        // 50-default (in /usr/lib) sorts after 10-early (in /run): name order, not directory.
        assert_eq!(
            value(&s, "kernel.a"),
            Some(("1".into(), "/usr/lib/sysctl.d/50-default.conf:2".into()))
        );
        assert_eq!(value(&s, "kernel.b"), None);
        assert_eq!(
            value(&s, "kernel.c"),
            Some(("admin".into(), "/etc/sysctl.d/70-over.conf:1".into()))
        );
        assert_eq!(
            value(&s, "net.ipv4.ip_forward"),
            Some(("0".into(), "/etc/sysctl.d/90-late.conf:1".into()))
        );
        assert_eq!(
            s.files,
            vec![
                "/run/sysctl.d/10-early.conf",
                "/usr/lib/sysctl.d/50-default.conf",
                "/etc/sysctl.d/70-over.conf",
                "/etc/sysctl.d/90-late.conf",
            ]
        );
        assert!(!s.runtime_read);
    }

    #[test]
    fn merged_usr_lib_is_read_once() {
        let (dir, root) = setup(&[("/usr/lib/sysctl.d/50-x.conf", "kernel.x = 1\n")]);
        symlink("usr/lib", dir.path().join("lib")).unwrap();
        let s = collected(&root, &[]);
        assert_eq!(s.files, vec!["/usr/lib/sysctl.d/50-x.conf"]);
    }

    #[test]
    fn sysctl_conf_only_through_a_sysctl_d_link() {
        let (dir, root) = setup(&[
            ("/etc/sysctl.conf", "kernel.x = conf\nkernel.y = conf\n"),
            ("/etc/sysctl.d/99-zzz.conf", "kernel.y = zzz\n"),
            ("/usr/lib/sysctl.d/10-a.conf", "kernel.x = vendor\n"),
        ]);
        // Without a link systemd-sysctl never reads /etc/sysctl.conf: the host boots with
        // the vendor value, and the unlinked file is evidence marked "not applied".
        let s = collected(&root, &[]);
        assert_eq!(
            s.files,
            vec!["/usr/lib/sysctl.d/10-a.conf", "/etc/sysctl.d/99-zzz.conf"]
        );
        assert_eq!(
            value(&s, "kernel.x"),
            Some(("vendor".into(), "/usr/lib/sysctl.d/10-a.conf:1".into()))
        );
        let x = &s.entries["kernel.x"].settings;
        assert_eq!(x.len(), 2, "{x:?}");
        assert_eq!(x[0].status, SettingStatus::Wins);
        assert_eq!(x[1].status, SettingStatus::NotApplied);
        assert_eq!(x[1].origin.to_string(), "/etc/sysctl.conf:1");
        assert!(s
            .warnings
            .iter()
            .any(|w| w.contains("no sysctl.d entry links")));

        // A link replaced by a regular file: still not applied.
        fs::write(
            dir.path().join("etc/sysctl.d/99-sysctl.conf"),
            "kernel.z = 1\n",
        )
        .unwrap();
        let s = collected(&root, &[]);
        assert_eq!(value(&s, "kernel.x").unwrap().0, "vendor");
        fs::remove_file(dir.path().join("etc/sysctl.d/99-sysctl.conf")).unwrap();

        // With the link: applied once, at 99-sysctl.conf's position, so 99-zzz.conf wins.
        symlink(
            "../sysctl.conf",
            dir.path().join("etc/sysctl.d/99-sysctl.conf"),
        )
        .unwrap();
        let s = collected(&root, &[]);
        assert_eq!(
            s.files,
            vec![
                "/usr/lib/sysctl.d/10-a.conf",
                "/etc/sysctl.conf",
                "/etc/sysctl.d/99-zzz.conf",
            ]
        );
        assert_eq!(
            value(&s, "kernel.x"),
            Some(("conf".into(), "/etc/sysctl.conf:1".into()))
        );
        assert_eq!(value(&s, "kernel.y").unwrap().0, "zzz");
        let y = &s.entries["kernel.y"].settings;
        assert_eq!(
            y.iter()
                .map(|st| (st.origin.to_string(), st.status))
                .collect::<Vec<_>>(),
            vec![
                ("/etc/sysctl.conf:2".to_string(), SettingStatus::Overridden),
                (
                    "/etc/sysctl.d/99-zzz.conf:1".to_string(),
                    SettingStatus::Wins
                ),
            ]
        );
    }

    #[test]
    fn overridden_and_masked_files_are_evidence_only() {
        let (dir, root) = setup(&[
            ("/usr/lib/sysctl.d/50-a.conf", "kernel.a = vendor\n"),
            ("/etc/sysctl.d/50-a.conf", "kernel.a = admin\n"),
            ("/usr/lib/sysctl.d/60-b.conf", "kernel.b = vendor\n"),
        ]);
        symlink("/dev/null", dir.path().join("etc/sysctl.d/60-b.conf")).unwrap();
        let s = collected(&root, &[]);
        assert_eq!(value(&s, "kernel.a").unwrap().0, "admin");
        assert_eq!(value(&s, "kernel.b"), None);
        let b = &s.entries["kernel.b"].settings;
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].status, SettingStatus::NotApplied);
        assert!(b[0].note.as_deref().unwrap().contains("/dev/null"), "{b:?}");
        let a = &s.entries["kernel.a"].settings;
        assert_eq!(a[0].status, SettingStatus::Wins);
        assert_eq!(a[1].status, SettingStatus::NotApplied);
    }

    #[test]
    fn latin1_comment_and_file_name_are_read_as_bytes() {
        let (dir, root) = setup(&[("/usr/lib/sysctl.d/99-caf.conf", "kernel.c = vendor\n")]);
        fs::create_dir_all(dir.path().join("etc/sysctl.d")).unwrap();
        // A Latin-1 file name and a Latin-1 comment: systemd reads both as bytes.
        let name = std::ffi::OsStr::from_bytes(b"99-caf\xe9.conf");
        fs::write(
            dir.path().join("etc/sysctl.d").join(name),
            b"# r\xe9glage local\nkernel.c = admin\nkernel.d = caf\xe9\n",
        )
        .unwrap();
        let s = collected(&root, &[]);
        assert_eq!(
            value(&s, "kernel.c"),
            Some(("admin".into(), "/etc/sysctl.d/99-caf\\xe9.conf:2".into()))
        );
        assert_eq!(value(&s, "kernel.d").unwrap().0, "caf\\xe9");
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }

    #[test]
    fn listing_limit_counts_conf_files_only() {
        let (dir, root) = setup(&[("/etc/sysctl.d/99-zz.conf", "kernel.z = 1\n")]);
        let d = dir.path().join("etc/sysctl.d");
        for i in 0..crate::host_root::MAX_DIR_ENTRIES {
            fs::write(d.join(format!("{i:05}.bak")), "").unwrap();
        }
        let s = collected(&root, &[]);
        assert_eq!(value(&s, "kernel.z").unwrap().0, "1");
        for i in 0..crate::host_root::MAX_DIR_ENTRIES {
            fs::write(d.join(format!("{i:05}.conf")), "").unwrap();
        }
        match collect(&root, &[]) {
            Fact::Error { reason, .. } => {
                assert!(
                    reason.contains("/etc/sysctl.d") && reason.contains("10000"),
                    "{reason}"
                )
            }
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn line_ends_comments_and_values_as_systemd_reads_them() {
        let (_d, root) = setup(&[(
            "/etc/sysctl.d/50.conf",
            "kernel.a = 1 # not a comment\r\nkernel.b=2\rkernel.c = 3\0kernel.d = \x0b4\n",
        )]);
        let s = collected(&root, &[]);
        assert_eq!(
            value(&s, "kernel.a"),
            Some(("1 # not a comment".into(), "/etc/sysctl.d/50.conf:1".into()))
        );
        assert_eq!(
            value(&s, "kernel.b"),
            Some(("2".into(), "/etc/sysctl.d/50.conf:2".into()))
        );
        assert_eq!(
            value(&s, "kernel.c"),
            Some(("3".into(), "/etc/sysctl.d/50.conf:3".into()))
        );
        // Vertical tab is not stripped by systemd.
        assert_eq!(value(&s, "kernel.d").unwrap().0, "\u{b}4");
    }

    /// Differential test: the files applied, in order, are those `systemd-analyze cat-config
    /// sysctl.d` lists (systemd's own conf_files_list), less the `/dev/null` masks Ward does
    /// not apply. Runs where systemd is installed (Debian 12 CI); skipped elsewhere.
    #[test]
    fn file_order_matches_systemd_analyze() {
        let (dir, root) = setup(&[
            ("/etc/sysctl.d/50-a.conf", "kernel.a = etc\n"),
            ("/usr/lib/sysctl.d/50-a.conf", "kernel.a = usr\n"),
            ("/lib/sysctl.d/20-c.conf", "kernel.c = lib\n"),
            ("/run/sysctl.d/30-e.conf", ""),
            ("/usr/lib/sysctl.d/30-e.conf", "kernel.e = 1\n"),
            ("/usr/local/lib/sysctl.d/40-u.conf", "kernel.u = 1\n"),
            ("/usr/lib/sysctl.d/60-m.conf", "kernel.m = 1\n"),
            ("/usr/lib/sysctl.d/10-Z.conf", "kernel.z = 1\n"),
            ("/etc/sysctl.d/.hidden.conf", "kernel.h = 1\n"),
            ("/etc/sysctl.d/README", "kernel.r = 1\n"),
            ("/etc/sysctl.conf", "kernel.x = 1\n"),
        ]);
        fs::write(
            dir.path()
                .join("etc/sysctl.d")
                .join(std::ffi::OsStr::from_bytes(b"99-caf\xe9.conf")),
            "kernel.l = 1\n",
        )
        .unwrap();
        symlink("/dev/null", dir.path().join("etc/sysctl.d/60-m.conf")).unwrap();
        let out = match std::process::Command::new("systemd-analyze")
            .args(["cat-config", "--no-pager", "--root"])
            .arg(dir.path())
            .arg("sysctl.d")
            .output()
        {
            Ok(o) if o.status.success() => o.stdout,
            other => {
                // Debian 12 CI has systemd installed: there the comparison must run.
                assert!(
                    std::env::var_os("CI").is_none(),
                    "systemd-analyze is needed for this differential test on CI: {other:?}"
                );
                return;
            }
        };
        let prefix = format!("# {}", dir.path().display());
        let systemd: Vec<String> = split_lines(&out)
            .into_iter()
            .filter_map(|l| l.strip_prefix(prefix.as_bytes()))
            .map(display_bytes)
            .filter(|p| p != "/etc/sysctl.d/60-m.conf") // the /dev/null mask
            .collect();
        let s = collected(&root, &[]);
        assert_eq!(s.files, systemd);
        assert_eq!(s.files.len(), 6, "{:?}", s.files);
    }

    #[test]
    fn kernel_integer_parsing() {
        assert_eq!(kernel_int("1"), Ok(1));
        assert_eq!(kernel_int("  2"), Ok(2));
        assert_eq!(kernel_int("1 # c"), Ok(1));
        assert_eq!(kernel_int("1\t2"), Ok(1));
        assert_eq!(kernel_int("-1"), Ok(-1));
        assert_eq!(kernel_int("0x1f"), Ok(31));
        assert_eq!(kernel_int("010"), Ok(8));
        assert_eq!(kernel_int("0"), Ok(0));
        assert!(kernel_int("+1").unwrap_err().contains("'+'"));
        assert!(kernel_int("1#c").is_err());
        assert!(kernel_int("08").is_err());
        assert!(kernel_int("0x").is_err());
        assert!(kernel_int("").is_err());
        assert!(kernel_int("-").is_err());
        assert!(kernel_int("one").is_err());
        assert!(kernel_int("2147483648").is_err());
        assert_eq!(kernel_int("-2147483648"), Ok(-2_147_483_648));
        assert!(kernel_int("99999999999999999999999").is_err());
    }

    #[test]
    fn slash_keys_dash_prefix_and_whitespace() {
        let (_d, root) = setup(&[(
            "/etc/sysctl.d/50.conf",
            "# comment\n; also comment\n\n\
             net/ipv4/ip_forward = 0\n\
             -kernel.yama.ptrace_scope=2\n\
             - fs.suid_dumpable  =   0\n\
             net.ipv4.ip_local_port_range = 32768 \t  60999\n\
             net/ipv4/conf/eth0.100/rp_filter = 1\n",
        )]);
        let s = collected(&root, &[]);
        assert_eq!(value(&s, "net.ipv4.ip_forward").unwrap().0, "0");
        assert_eq!(value(&s, "kernel.yama.ptrace_scope").unwrap().0, "2");
        assert_eq!(value(&s, "fs.suid_dumpable").unwrap().0, "0");
        // Kept as written: systemd-sysctl writes inner whitespace as it is.
        assert_eq!(
            value(&s, "net.ipv4.ip_local_port_range").unwrap().0,
            "32768 \t  60999"
        );
        assert!(value(&s, "net.ipv4.conf.eth0/100.rp_filter").is_some());
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }

    #[test]
    fn malformed_lines_warn_with_location() {
        let (_d, root) = setup(&[(
            "/etc/sysctl.d/50.conf",
            "kernel.ok = 1\nthis is not an assignment\n = 3\nkernel bad key = 1\n",
        )]);
        let s = collected(&root, &[]);
        assert_eq!(value(&s, "kernel.ok").unwrap().0, "1");
        assert_eq!(s.entries.len(), 1);
        assert_eq!(s.warnings.len(), 3, "{:?}", s.warnings);
        assert!(s.warnings[0].starts_with("/etc/sysctl.d/50.conf:2:"));
        assert!(s.warnings[1].starts_with("/etc/sysctl.d/50.conf:3:"));
        assert!(s.warnings[2].starts_with("/etc/sysctl.d/50.conf:4:"));
    }

    #[test]
    fn globs_are_literal_and_yield_to_explicit_keys() {
        let (_d, root) = setup(&[
            (
                "/usr/lib/sysctl.d/50-default.conf",
                "net.ipv4.conf.*.rp_filter = 2\nnet.ipv4.conf.all.rp_filter = 1\n",
            ),
            (
                "/etc/sysctl.d/99-x.conf",
                "net.ipv4.conf.*.rp_filter = 0\n-net.ipv4.conf.lo.rp_filter\n",
            ),
        ]);
        let s = collected(
            &root,
            &[
                "net.ipv4.conf.default.rp_filter",
                "net.ipv4.conf.all.rp_filter",
                "net.ipv4.conf.lo.rp_filter",
                "net.ipv4.conf.eth0.x.rp_filter",
            ],
        );
        assert_eq!(
            value(&s, "net.ipv4.conf.*.rp_filter"),
            Some(("0".into(), "/etc/sysctl.d/99-x.conf:1".into()))
        );
        assert_eq!(
            value(&s, "net.ipv4.conf.default.rp_filter"),
            Some(("0".into(), "/etc/sysctl.d/99-x.conf:1".into()))
        );
        // The explicit assignment wins although the glob comes later.
        assert_eq!(value(&s, "net.ipv4.conf.all.rp_filter").unwrap().0, "1");
        // Excluded with `-key`.
        assert_eq!(value(&s, "net.ipv4.conf.lo.rp_filter"), None);
        // `*` does not cross a separator.
        assert_eq!(value(&s, "net.ipv4.conf.eth0.x.rp_filter"), None);
    }

    #[test]
    fn unreadable_file_fails_the_collector() {
        let (_d, root) = setup(&[("/etc/sysctl.d/50.conf", "kernel.x = 1\n")]);
        let root = root.with_read_cap(4);
        assert!(matches!(collect(&root, &[]), Fact::Error { .. }));

        let (dir, root) = setup(&[]);
        fs::create_dir_all(dir.path().join("etc/sysctl.d")).unwrap();
        symlink(
            "/etc/sysctl.d/b.conf",
            dir.path().join("etc/sysctl.d/a.conf"),
        )
        .unwrap();
        symlink(
            "/etc/sysctl.d/a.conf",
            dir.path().join("etc/sysctl.d/b.conf"),
        )
        .unwrap();
        match collect(&root, &[]) {
            Fact::Error { reason, .. } => assert!(reason.contains("a.conf"), "{reason}"),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn dangling_link_masks_and_warns() {
        let (dir, root) = setup(&[("/usr/lib/sysctl.d/50-x.conf", "kernel.x = 1\n")]);
        fs::create_dir_all(dir.path().join("etc/sysctl.d")).unwrap();
        symlink("/nowhere.conf", dir.path().join("etc/sysctl.d/50-x.conf")).unwrap();
        let s = collected(&root, &[]);
        assert!(s.entries.values().all(|e| e.configured.is_none()));
        assert_eq!(
            s.entries["kernel.x"].settings[0].status,
            SettingStatus::NotApplied
        );
        assert_eq!(s.warnings.len(), 1);
    }

    #[test]
    fn runtime_not_read_on_an_image() {
        let (_d, root) = setup(&[
            ("/etc/sysctl.conf", "kernel.x = 1\n"),
            ("/proc/sys/kernel/x", "1\n"),
        ]);
        let s = collected(&root, &["kernel.x", "kernel/y"]);
        assert!(!s.runtime_read);
        let e = s.entries.get("kernel.x").unwrap();
        assert_eq!(e.runtime, None);
        assert_eq!(e.runtime_error, None);
        assert!(!s.entries.contains_key("kernel.y"));
    }

    #[test]
    fn runtime_read_on_the_live_host() {
        let root = HostRoot::live();
        let s = match collect(
            &root,
            &["kernel.ostype".into(), "kernel.no_such_key_ward".into()],
        ) {
            Fact::Collected { value } => value,
            // A test machine whose sysctl files are unreadable: nothing more to check.
            Fact::Error { .. } => return,
        };
        assert!(s.runtime_read);
        let ostype = s.entries.get("kernel.ostype").unwrap();
        assert_eq!(ostype.runtime.as_deref(), Some("Linux"));
        let missing = s.entries.get("kernel.no_such_key_ward").unwrap();
        assert!(missing.runtime.is_none());
        assert!(missing
            .runtime_error
            .as_deref()
            .unwrap()
            .contains("not present"));
        assert!(read_runtime(&root, "kernel....etc.shadow").is_err());
        assert!(read_runtime(&root, "..").is_err());
    }

    #[test]
    fn normalisation() {
        assert_eq!(normalize_key("net/ipv4/ip_forward"), "net.ipv4.ip_forward");
        assert_eq!(normalize_key("/net/ipv4/ip_forward"), "net.ipv4.ip_forward");
        assert_eq!(normalize_key("net.ipv4.ip_forward"), "net.ipv4.ip_forward");
        assert_eq!(
            normalize_key("net/ipv4/conf/eth0.100/rp_filter"),
            "net.ipv4.conf.eth0/100.rp_filter"
        );
        assert_eq!(collapse_ws("  a\t\tb \n c\n"), "a b c");
    }
}
