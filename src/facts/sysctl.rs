//! Kernel parameters (sysctl): as configured on disk and, on the live host, as running.
//!
//! Hardening baselines set kernel parameters (`net.ipv4.ip_forward = 0`,
//! `kernel.randomize_va_space = 2`) in configuration files that are applied at boot. A check
//! needs both halves: the *configured* value says what the host will come back with after a
//! reboot, the *running* value what it does now. An image or fixture has only the first.
//!
//! The configured values follow `systemd-sysctl` (sysctl.d(5)), which applies them at boot on
//! Debian and every other systemd distribution:
//!
//! * `*.conf` files are read from `/etc/sysctl.d`, `/run/sysctl.d`, `/usr/local/lib/sysctl.d`,
//!   `/usr/lib/sysctl.d` and `/lib/sysctl.d`, in that priority order. A file name found in a
//!   higher-priority directory masks the same name in the lower ones; a symlink to
//!   `/dev/null` (or a dangling symlink, or an empty file) masks and contributes nothing.
//!   Hidden files and directories are ignored. A directory that resolves to one already read
//!   (merged-usr: `/lib -> usr/lib`) is read once.
//! * The surviving files are applied sorted by file name across all directories, whatever
//!   directory they came from. When two names resolve to the same file it is applied once,
//!   at the later position (applying it twice gives the same result).
//! * `/etc/sysctl.conf` is applied last, as `sysctl --system` does, unless one of those files
//!   already resolves to it: Debian ships `/etc/sysctl.d/99-sysctl.conf -> ../sysctl.conf`,
//!   and then it is applied at that position only, exactly as `systemd-sysctl` does.
//! * Lines are `key = value`; `#` and `;` start comment lines; a leading `-` on the key only
//!   tells systemd to ignore a failure to write it and is stripped. Keys are normalised to
//!   dots: `net/ipv4/ip_forward` is `net.ipv4.ip_forward` (when the first separator is a
//!   slash, dots and slashes swap, so `net/ipv4/conf/eth0.100/rp_filter` becomes
//!   `net.ipv4.conf.eth0/100.rp_filter`, as in sysctl.d(5)). Values keep their text with runs
//!   of whitespace collapsed to one space, so `32768<TAB>60999` compares equal to the
//!   kernel's `32768 60999`. A later assignment of the same key wins, and its origin is the
//!   file and line of that later assignment.
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
//! Lines that are not assignments (or have an empty or blank key) are skipped with a
//! `path:line` warning. A file that cannot be read (permission denied, not a regular file,
//! over the read cap, invalid UTF-8) means the configured values are unknown: any of its
//! lines could be the one that wins. The whole collector then fails with that read error, so
//! sysctl checks report an error instead of judging a partial picture; the same holds for a
//! configuration directory that cannot be listed or whose listing was cut short.
//!
//! Runtime values are read only when the root is the live host: for every key the catalogue
//! asked for and every explicitly configured key, `/proc/sys/<key with dots as slashes>` is
//! read through the [`HostRoot`], trimmed, and its whitespace runs collapsed to one space
//! (multi-field values such as `net.ipv4.ip_local_port_range` are tab-separated). A key that
//! cannot be read gets a `runtime_error` instead ("not present in this kernel" when the file
//! does not exist). Keys whose path would leave `/proc/sys` (`..` components) are never read.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Fact, Origin};
use crate::host_root::{has_glob_meta, FileKind, HostRoot, ReadError, MAX_DIR_ENTRIES};

/// sysctl.d directories in priority order (highest first).
pub const SYSCTL_DIRS: [&str; 5] = [
    "/etc/sysctl.d",
    "/run/sysctl.d",
    "/usr/local/lib/sysctl.d",
    "/usr/lib/sysctl.d",
    "/lib/sysctl.d",
];

/// The traditional configuration file, applied after the sysctl.d files.
pub const SYSCTL_CONF: &str = "/etc/sysctl.conf";

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
    /// Host path to read (the directory entry, possibly a symlink).
    read_path: String,
    /// Host path of the file the entry resolves to; used as the origin.
    shown: String,
    /// The resolved real path, for de-duplication.
    real: PathBuf,
}

/// One assignment: `Some(value)`, or `None` for a `-key` exclusion.
#[derive(Debug, Clone)]
struct Assign {
    value: Option<String>,
    origin: Origin,
}

/// Assignments gathered from all files, before they are turned into entries.
#[derive(Debug, Default)]
struct Parsed {
    explicit: BTreeMap<String, Assign>,
    /// Glob assignments in systemd's application order.
    globs: Vec<(String, Assign)>,
}

fn collect_inner(root: &HostRoot, keys: &[String]) -> Result<Sysctl, ReadError> {
    let mut out = Sysctl::default();
    let mut parsed = Parsed::default();
    let files = config_files(root, &mut out.warnings)?;
    let applied: HashSet<PathBuf> = files.iter().map(|f| f.real.clone()).collect();
    for f in &files {
        let text = root.read_text(&f.read_path)?;
        parse_into(&text, &f.shown, &mut parsed, &mut out.warnings);
        out.files.push(f.shown.clone());
    }

    // /etc/sysctl.conf last, unless a sysctl.d entry already resolved to it.
    let conf_real = root.resolve(SYSCTL_CONF)?;
    if !applied.contains(&conf_real) && conf_real != null_path(root) {
        match root.read_text(SYSCTL_CONF) {
            Ok(text) => {
                parse_into(&text, SYSCTL_CONF, &mut parsed, &mut out.warnings);
                out.files.push(SYSCTL_CONF.to_string());
            }
            Err(ReadError::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
    }

    // Explicit assignments.
    for (key, a) in &parsed.explicit {
        if let Some(v) = &a.value {
            out.entries.entry(key.clone()).or_default().configured = Some(Configured {
                value: v.clone(),
                origin: a.origin.clone(),
            });
        }
    }

    // Glob assignments: kept literally, and compiled for matching requested keys.
    let mut patterns: Vec<(glob::Pattern, &Assign)> = Vec::new();
    for (key, a) in &parsed.globs {
        if let Some(v) = &a.value {
            out.entries.entry(key.clone()).or_default().configured = Some(Configured {
                value: v.clone(),
                origin: a.origin.clone(),
            });
        }
        match glob::Pattern::new(&swap_separators(key)) {
            Ok(p) => patterns.push((p, a)),
            Err(e) => out
                .warnings
                .push(format!("{}: invalid glob in key {key:?}: {e}", a.origin)),
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
    for key in &requested {
        if parsed.explicit.contains_key(key) {
            continue; // an explicit assignment (or exclusion) always beats a glob
        }
        let slashed = swap_separators(key);
        let hit = patterns
            .iter()
            .rev()
            .find(|(p, _)| p.matches_with(&slashed, opts));
        if let Some((_, a)) = hit {
            if let Some(v) = &a.value {
                out.entries.entry(key.clone()).or_default().configured = Some(Configured {
                    value: v.clone(),
                    origin: a.origin.clone(),
                });
            }
        }
    }

    if root.is_live() {
        out.runtime_read = true;
        let mut runtime_keys = requested;
        runtime_keys.extend(
            parsed
                .explicit
                .iter()
                .filter(|(_, a)| a.value.is_some())
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

/// The sysctl.d files to apply, in application order, after masking and de-duplication.
fn config_files(root: &HostRoot, warnings: &mut Vec<String>) -> Result<Vec<ConfFile>, ReadError> {
    let null = null_path(root);
    let mut seen_dirs: HashSet<PathBuf> = HashSet::new();
    // File name -> the file that wins for it (`None` when masked).
    let mut by_name: BTreeMap<String, Option<ConfFile>> = BTreeMap::new();
    for dir in SYSCTL_DIRS {
        let real_dir = root.resolve(dir)?;
        if !seen_dirs.insert(real_dir) {
            continue;
        }
        let entries = match root.read_dir(dir) {
            Ok(e) => e,
            Err(ReadError::NotFound { .. }) => continue,
            Err(e) => return Err(e),
        };
        if entries.len() >= MAX_DIR_ENTRIES {
            return Err(truncated(dir));
        }
        for e in entries {
            if e.name.starts_with('.') || !e.name.ends_with(".conf") {
                continue;
            }
            if by_name.contains_key(&e.name) || e.kind == FileKind::Directory {
                continue;
            }
            let real = root.resolve(&e.path)?;
            if real == null {
                by_name.insert(e.name, None);
                continue;
            }
            match root.metadata(&e.path) {
                Ok(m) if m.kind == FileKind::Directory => continue,
                Ok(_) => {}
                Err(ReadError::NotFound { .. }) => {
                    warnings.push(format!(
                        "{}: dangling symlink; masks {} in lower-priority directories",
                        e.path, e.name
                    ));
                    by_name.insert(e.name, None);
                    continue;
                }
                Err(err) => return Err(err),
            }
            let shown = host_path_of(root, &real).unwrap_or_else(|| e.path.clone());
            by_name.insert(
                e.name,
                Some(ConfFile {
                    read_path: e.path,
                    shown,
                    real,
                }),
            );
        }
    }
    // BTreeMap iteration is sorted by file name: the application order. A file reached
    // under two names is applied once, at its last position.
    let ordered: Vec<ConfFile> = by_name.into_values().flatten().collect();
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

/// Parse one configuration file into `parsed`; `path` names it in origins and warnings.
fn parse_into(text: &str, path: &str, parsed: &mut Parsed, warnings: &mut Vec<String>) {
    for (idx, raw) in text.lines().enumerate() {
        let n = idx + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let (key_part, value) = match line.split_once('=') {
            Some((k, v)) => (k, Some(collapse_ws(v))),
            None => (line, None),
        };
        let key_part = key_part.trim();
        let (key_part, dash) = match key_part.strip_prefix('-') {
            Some(rest) => (rest.trim_start(), true),
            None => (key_part, false),
        };
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
        let key = normalize_key(key_part);
        if key.is_empty() {
            warnings.push(format!("{path}:{n}: empty key; ignored"));
            continue;
        }
        let assign = Assign {
            value,
            origin: Origin::at(path, n),
        };
        if has_glob_meta(&key) {
            // systemd keeps an existing glob assignment (and its place in the order) when
            // the same pattern is assigned the same value again; otherwise it re-inserts it.
            if let Some(pos) = parsed.globs.iter().position(|(k, _)| *k == key) {
                let same = parsed
                    .globs
                    .get(pos)
                    .is_some_and(|(_, a)| a.value == assign.value);
                if same {
                    continue;
                }
                parsed.globs.remove(pos);
            }
            parsed.globs.push((key, assign));
        } else {
            parsed.explicit.insert(key, assign);
        }
    }
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
fn collapse_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where `/dev/null` of the host lives inside the root.
fn null_path(root: &HostRoot) -> PathBuf {
    root.base().join("dev/null")
}

/// The host path of a real path inside the root (`<root>/etc/sysctl.conf` -> `/etc/sysctl.conf`).
fn host_path_of(root: &HostRoot, real: &Path) -> Option<String> {
    let rel = real.strip_prefix(root.base()).ok()?;
    Some(format!("/{}", rel.to_string_lossy()))
}

fn truncated(dir: &str) -> ReadError {
    ReadError::Io {
        path: dir.to_string(),
        message: format!(
            "directory listing cut short at {MAX_DIR_ENTRIES} entries; configured values unknown"
        ),
    }
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
    fn sysctl_conf_last_and_not_doubled_through_99_sysctl_link() {
        let (dir, root) = setup(&[
            ("/etc/sysctl.conf", "kernel.x = conf\nkernel.y = conf\n"),
            ("/etc/sysctl.d/99-zzz.conf", "kernel.y = zzz\n"),
            ("/usr/lib/sysctl.d/10-a.conf", "kernel.x = vendor\n"),
        ]);
        // Without the Debian link: /etc/sysctl.conf is applied after everything.
        let s = collected(&root, &[]);
        assert_eq!(s.files.last().map(String::as_str), Some(SYSCTL_CONF));
        assert_eq!(value(&s, "kernel.y").unwrap().0, "conf");

        // With it: applied once, at 99-sysctl.conf's position, so 99-zzz.conf wins.
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
        assert_eq!(
            value(&s, "net.ipv4.ip_local_port_range").unwrap().0,
            "32768 60999"
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
        fs::write(
            dir.path().join("etc/sysctl.d/50.conf"),
            b"kernel.x = \xff\n",
        )
        .unwrap();
        match collect(&root, &[]) {
            Fact::Error { reason, .. } => assert!(reason.contains("50.conf"), "{reason}"),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn dangling_link_masks_and_warns() {
        let (dir, root) = setup(&[("/usr/lib/sysctl.d/50-x.conf", "kernel.x = 1\n")]);
        fs::create_dir_all(dir.path().join("etc/sysctl.d")).unwrap();
        symlink("/nowhere.conf", dir.path().join("etc/sysctl.d/50-x.conf")).unwrap();
        let s = collected(&root, &[]);
        assert!(s.entries.is_empty());
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
