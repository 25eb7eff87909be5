//! Kernel module configuration, read as kmod's `modprobe` reads it, and which modules the
//! installed kernels ship.
//!
//! Configuration: every `*.conf` file (not starting with `.`) of `/etc/modprobe.d`,
//! `/run/modprobe.d`, `/usr/local/lib/modprobe.d`, `/usr/lib/modprobe.d` and
//! `/lib/modprobe.d`; a file name seen in an earlier directory hides the same name in later
//! ones (an entry that is a directory, or cannot be examined, is skipped and hides nothing),
//! a configuration path that is itself a file is read as one file, and the files are read
//! in name order (libkmod's `conf_files_list`). Lines are read
//! as `freadline_wrapped` reads them: a backslash before a newline joins the next line, a
//! backslash before any other character is dropped and the character kept; a line whose
//! first character is `#` is a comment; words are split on spaces and tabs. In module
//! names `-` is `_` (outside `[...]`). `install NAME COMMAND` entries are kept in read order,
//! and modprobe runs the command of the *first* entry whose NAME (an `fnmatch` pattern)
//! matches, instead of loading the module; `blacklist NAME` only stops loading through an
//! alias (the kernel's automatic requests), never `modprobe NAME`. Lines modprobe ignores
//! (unknown commands, missing arguments) are recorded with the reason.
//!
//! Availability: the modules each installed kernel ships, from
//! `/lib/modules/<version>/modules.dep` (loadable) and `modules.builtin` (built in: no
//! configuration can stop them). On the live host the loaded modules come from
//! `/proc/modules`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Fact, Origin};
use crate::host_root::HostRoot;

/// The directories modprobe reads, in precedence order.
pub const DIRS: [&str; 5] = [
    "/etc/modprobe.d",
    "/run/modprobe.d",
    "/usr/local/lib/modprobe.d",
    "/usr/lib/modprobe.d",
    "/lib/modprobe.d",
];

/// Where kernels keep their modules.
pub const MODULES: &str = "/lib/modules";

/// One `install` or `blacklist` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directive {
    /// The module name or pattern, normalised (`-` as `_`).
    pub module: String,
    /// The command (`install` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    pub origin: Origin,
}

/// A line modprobe does not apply, or a file it does not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ignored {
    pub origin: Origin,
    pub reason: String,
}

/// The modules one installed kernel ships.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kernel {
    pub version: String,
    /// Loadable modules (names normalised), sorted.
    pub loadable: Vec<String>,
    /// Built-in modules (names normalised), sorted.
    pub builtin: Vec<String>,
    /// Why the lists could not be read, if they could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The module configuration of a host.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Modprobe {
    /// The configuration files read, in order.
    pub files: Vec<String>,
    pub installs: Vec<Directive>,
    pub blacklists: Vec<Directive>,
    pub ignored: Vec<Ignored>,
    pub kernels: Vec<Kernel>,
    /// Loaded modules (live host only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loaded: Option<Vec<String>>,
}

impl Modprobe {
    /// The `install` entry modprobe runs for a module (name normalised): the first whose
    /// pattern matches it, as kmod's `fnmatch` lookup does.
    pub fn install_for(&self, name: &str) -> Option<&Directive> {
        self.installs.iter().find(|d| {
            glob::Pattern::new(&d.module)
                .map(|p| p.matches(name))
                .unwrap_or(d.module == name)
        })
    }
}

/// `-` as `_` outside `[...]`, as kmod's `underscores`; `None` for a name kmod refuses
/// (a `]` without its `[`, an unclosed `[`).
pub fn normalise(name: &str) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    let mut in_class = false;
    for c in name.chars() {
        match c {
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            ']' => return None,
            '-' if !in_class => out.push('_'),
            _ => out.push(c),
        }
    }
    (!in_class).then_some(out)
}

/// Logical lines of a file as kmod reads them: (first physical line number, text).
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut line = String::new();
    let mut start = 1;
    let mut number = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => {
                out.push((start, std::mem::take(&mut line)));
                number += 1;
                start = number;
            }
            '\\' => match chars.next() {
                Some('\n') => number += 1,
                Some(next) => line.push(next),
                None => {}
            },
            _ => line.push(c),
        }
    }
    if !line.is_empty() {
        out.push((start, line));
    }
    out
}

/// The next word of `s` from `*pos`, as C's `strtok_r` with the separators space and tab
/// finds it: leading separators skipped, `*pos` left just after the one separator ending it.
fn strtok<'a>(s: &'a str, pos: &mut usize) -> Option<&'a str> {
    let b = s.as_bytes();
    let sep = |c: u8| c == b' ' || c == b'\t';
    let mut i = *pos;
    while i < b.len() && sep(b[i]) {
        i += 1;
    }
    if i >= b.len() {
        *pos = b.len();
        return None;
    }
    let start = i;
    while i < b.len() && !sep(b[i]) {
        i += 1;
    }
    *pos = (i + 1).min(b.len());
    Some(&s[start..i])
}

/// Parse one configuration file into `out`.
fn parse_file(path: &str, text: &str, out: &mut Modprobe) {
    for (n, line) in logical_lines(text) {
        // kmod's strings end at a NUL byte.
        let line = line.split('\0').next().unwrap_or("");
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let origin = Origin::at(path.to_string(), n);
        let mut pos = 0;
        let Some(cmd) = strtok(line, &mut pos) else {
            continue;
        };
        let ignore = |out: &mut Modprobe, reason: String| {
            out.ignored.push(Ignored {
                origin: origin.clone(),
                reason,
            })
        };
        match cmd {
            "install" => {
                let name = strtok(line, &mut pos);
                // strtok_r(NULL, "\0"): the rest of the line after the one separator that
                // ended the name, leading blanks included.
                let command = name.and_then(|_| line.get(pos..)).filter(|r| !r.is_empty());
                match (name.and_then(normalise), command) {
                    (Some(module), Some(command)) => out.installs.push(Directive {
                        module,
                        command: Some(command.to_string()),
                        origin,
                    }),
                    _ => ignore(out, "`install` needs a module name and a command".into()),
                }
            }
            "blacklist" => match strtok(line, &mut pos).and_then(normalise) {
                Some(module) => out.blacklists.push(Directive {
                    module,
                    command: None,
                    origin,
                }),
                None => ignore(out, "`blacklist` needs a module name".into()),
            },
            "alias" | "options" | "remove" | "softdep" | "weakdep" => {}
            other => ignore(
                out,
                format!("unknown command {other:?}: modprobe ignores the line"),
            ),
        }
    }
}

/// Read the configuration and the installed kernels' module lists.
pub fn collect(root: &HostRoot) -> Fact<Modprobe> {
    use crate::host_root::FileKind;
    let mut out = Modprobe::default();
    // Name -> path: the first directory holding a name wins (libkmod's
    // `conf_files_insert_sorted` ignores later duplicates).
    let mut chosen: BTreeMap<String, String> = BTreeMap::new();
    for dir in DIRS {
        match root.metadata(dir) {
            Ok(m) if m.kind == FileKind::Directory => {}
            // A configuration path that is a file is read as one configuration file.
            Ok(m) if m.kind == FileKind::File => {
                let name = dir.rsplit('/').next().unwrap_or(dir).to_string();
                chosen.entry(name).or_insert_with(|| dir.to_string());
                continue;
            }
            Ok(_) => continue,
            Err(e) if e.is_not_found() => continue,
            Err(e) => return Fact::from_read_error(&e),
        }
        let entries = match root.read_dir(dir) {
            Ok(e) => e,
            Err(e) => return Fact::from_read_error(&e),
        };
        for entry in entries {
            let Some(name) = entry.name_str() else {
                continue;
            };
            if name.starts_with('.') || name.len() < 6 || !name.ends_with(".conf") {
                continue;
            }
            let path = format!("{dir}/{name}");
            // libkmod stats each entry (following links) before listing it: a directory or
            // an entry it cannot stat is skipped, and hides nothing.
            match root.metadata(&path) {
                Ok(m) if m.kind == FileKind::Directory => {
                    out.ignored.push(Ignored {
                        origin: Origin::file(path),
                        reason: "a directory: modprobe skips it".into(),
                    });
                    continue;
                }
                Ok(_) => {}
                Err(e) => {
                    out.ignored.push(Ignored {
                        origin: Origin::file(path),
                        reason: format!("cannot be examined ({e}): modprobe skips it"),
                    });
                    continue;
                }
            }
            match chosen.get(name) {
                Some(first) => out.ignored.push(Ignored {
                    origin: Origin::file(path),
                    reason: format!("hidden by {first}"),
                }),
                None => {
                    chosen.insert(name.to_string(), path);
                }
            }
        }
    }
    for path in chosen.into_values() {
        match root.read_lossy(&path) {
            Ok(text) => {
                parse_file(&path, &text, &mut out);
                out.files.push(path);
            }
            Err(e) => return Fact::from_read_error(&e),
        }
    }
    match kernels(root) {
        Ok(k) => out.kernels = k,
        Err(e) => return Fact::from_read_error(&e),
    }
    if root.is_live() {
        out.loaded = std::fs::read_to_string("/proc/modules").ok().map(|t| {
            let mut v: Vec<String> = t
                .lines()
                .filter_map(|l| l.split_whitespace().next())
                .filter_map(normalise)
                .collect();
            v.sort();
            v
        });
    }
    Fact::Collected { value: out }
}

/// The module name of a `modules.dep` / `modules.builtin` path (`kernel/fs/cramfs/cramfs.ko.xz`
/// → `cramfs`).
fn module_of(path: &str) -> Option<String> {
    let file = path.rsplit('/').next()?;
    let stem = file.split(".ko").next()?;
    normalise(stem).filter(|s| !s.is_empty())
}

fn kernels(root: &HostRoot) -> Result<Vec<Kernel>, crate::host_root::ReadError> {
    let entries = match root.read_dir(MODULES) {
        Ok(e) => e,
        Err(e) if e.is_not_found() => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for entry in entries {
        let Some(version) = entry.name_str() else {
            continue;
        };
        let dir = format!("{MODULES}/{version}");
        let dep = format!("{dir}/modules.dep");
        if !root.exists(&dep) {
            continue;
        }
        let mut k = Kernel {
            version: version.to_string(),
            loadable: Vec::new(),
            builtin: Vec::new(),
            error: None,
        };
        match root.read_lossy(&dep) {
            Ok(text) => {
                k.loadable = text
                    .lines()
                    .filter_map(|l| l.split(':').next())
                    .filter_map(module_of)
                    .collect();
            }
            Err(e) => k.error = Some(e.to_string()),
        }
        match root.read_lossy(format!("{dir}/modules.builtin")) {
            Ok(text) => k.builtin = text.lines().filter_map(module_of).collect(),
            Err(e) if e.is_not_found() => {}
            Err(e) => k.error = Some(e.to_string()),
        }
        k.loadable.sort();
        k.loadable.dedup();
        k.builtin.sort();
        k.builtin.dedup();
        out.push(k);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Modprobe {
        let mut m = Modprobe::default();
        parse_file("/etc/modprobe.d/t.conf", text, &mut m);
        m
    }

    #[test]
    fn lines_are_read_as_kmod_reads_them() {
        let m = parse(
            "# comment\n  # not a comment for kmod\ninstall usb-storage /bin/false\n\
             install cramfs \\\n  /bin/true\nblacklist hfs\\plus\ninstall\ninstall udf\n\
             bogus x\ninstall freevxfs\t/bin/false\0 but not this\n",
        );
        let installs: Vec<(&str, &str, usize)> = m
            .installs
            .iter()
            .map(|d| {
                (
                    d.module.as_str(),
                    d.command.as_deref().unwrap(),
                    d.origin.line.unwrap(),
                )
            })
            .collect();
        assert_eq!(
            installs,
            [
                ("usb_storage", "/bin/false", 3),
                // The joined line keeps the continuation's leading blanks.
                ("cramfs", "  /bin/true", 4),
                ("freevxfs", "/bin/false", 10)
            ]
        );
        // A backslash before another character is dropped.
        assert_eq!(m.blacklists[0].module, "hfsplus");
        let reasons: Vec<(usize, &str)> = m
            .ignored
            .iter()
            .map(|i| (i.origin.line.unwrap(), i.reason.as_str()))
            .collect();
        assert_eq!(reasons.len(), 4, "{reasons:?}");
        assert!(reasons[0].1.contains("\"#\""), "{reasons:?}");
        assert_eq!(reasons[1].0, 7);
        assert_eq!(reasons[2].0, 8);
        assert!(reasons[3].1.contains("bogus"));
    }

    #[test]
    fn names_are_normalised_outside_brackets() {
        assert_eq!(normalise("usb-storage").as_deref(), Some("usb_storage"));
        assert_eq!(normalise("a-[x-z]-b").as_deref(), Some("a_[x-z]_b"));
        assert_eq!(normalise("a]"), None);
        assert_eq!(normalise("a[b"), None);
        assert_eq!(
            module_of("kernel/fs/cramfs/cramfs.ko.xz").as_deref(),
            Some("cramfs")
        );
        assert_eq!(
            module_of("kernel/drivers/usb/storage/usb-storage.ko").as_deref(),
            Some("usb_storage")
        );
    }
}
