//! Mount points and their options: `/etc/fstab`, systemd `.mount` units and (live)
//! `/proc/self/mounts`.
//!
//! Baselines want `/tmp`, `/var/tmp`, `/home`, `/var`, `/var/log` and `/var/log/audit` on
//! their own file systems, and `nodev`, `nosuid`, `noexec` where users can write. What the
//! host mounts at boot is worked out from the files the boot reads:
//!
//! * `/etc/fstab` is read as util-linux's libmount reads it (`tab_parse.c`): lines end at
//!   `\n` (one `\r` before it is dropped); a line whose first non-blank character is `#`,
//!   or that is blank, is skipped; fields are separated by spaces and tabs; `\ooo` octal
//!   escapes are decoded in every field (`\040` space, `\011` tab, `\012` newline, `\134`
//!   backslash); source, target and type are required, options, freq and passno optional
//!   (missing options are `None`, which mount(8) reads as `defaults`); freq and passno are
//!   read like `strtol` and must end at a blank or the end of the line; anything after
//!   passno is ignored. A line libmount rejects is recorded in `ignored` with file:line, as
//!   `findmnt` reports it. A line holding a NUL byte is rejected unless it is the last line
//!   and has no newline (then it ends at the NUL). Targets are kept as written; they are
//!   compared as libmount's `streq_paths` compares them (repeated and trailing slashes do
//!   not count): [`normalise`].
//! * systemd `.mount` units from the `systemd` collector's unit list (fragment, masking,
//!   enabling links and vendor `.wants` links), their `[Mount]` section read with the one
//!   unit-file parser ([`super::systemd::unit_settings`]), and `NAME.mount.d/*.conf`
//!   drop-ins in every unit directory (a name in a higher directory hides it lower down;
//!   applied in name order; they apply to fstab's generated units too).
//! * On the live host, `/proc/self/mounts` (octal escapes; the last mount on a target
//!   shadows the earlier ones).
//!
//! [`Mounts::resolve`] then says what is mounted on a path, and where that was decided.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::systemd::{self, UnitState, Units};
use super::{Fact, Origin};
use crate::host_root::{FileKind, HostRoot, ReadError};

/// The file system table.
pub const FSTAB: &str = "/etc/fstab";
/// The running mount table (live host only).
pub const PROC_MOUNTS: &str = "/proc/self/mounts";
/// OpenRC's device file system script, which mounts `/dev/shm` when fstab does not.
pub const OPENRC_DEVFS: &str = "/etc/init.d/devfs";

/// Unit directories whose fragments take precedence over the units systemd-fstab-generator
/// writes to `/run/systemd/generator` (the search path above the generator directory).
const ABOVE_GENERATOR: [&str; 5] = [
    "/etc/systemd/system.control/",
    "/run/systemd/system.control/",
    "/run/systemd/transient/",
    "/etc/systemd/system/",
    "/run/systemd/system/",
];

/// The API file system systemd (and OpenRC) mount themselves before reading any unit.
pub const DEV_SHM: &str = "/dev/shm";

/// One fstab entry libmount accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FstabEntry {
    pub origin: Origin,
    pub source: String,
    /// The target as written (escapes decoded).
    pub target: String,
    pub fstype: String,
    /// The options field; `None` when the line has none (mount(8) reads `defaults`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<String>,
    pub freq: i32,
    pub passno: i32,
}

/// A line the reader (libmount, systemd) does not apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ignored {
    pub origin: Origin,
    pub reason: String,
}

/// A `[Mount]` definition: a unit file or one drop-in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MountSection {
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub what: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#where: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fstype: Option<String>,
    /// `Options=` as last assigned (`Some("")` after an empty assignment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<String>,
}

/// A `.mount` unit in the unit search path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MountUnit {
    /// The fragment in effect (the masking entry when masked).
    pub fragment: String,
    pub masked: bool,
    /// The unit file's `[Mount]` section (absent when masked or unreadable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<MountSection>,
    /// Links that pull it in at boot: enabling links under `/etc` and `/run`, and vendor
    /// `.wants`/`.requires` links.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wanted_by: Vec<String>,
    /// Why the unit file could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One line of `/proc/self/mounts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveMount {
    pub line: usize,
    pub source: String,
    pub target: String,
    pub fstype: String,
    pub options: String,
}

/// Which init system mounts the API file systems.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Init {
    Systemd,
    Openrc,
    Unknown,
}

/// The mount configuration of a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mounts {
    /// Whether `/etc/fstab` exists (a missing one is an empty table, as for mount(8)).
    pub fstab_present: bool,
    pub fstab: Vec<FstabEntry>,
    pub ignored: Vec<Ignored>,
    pub init: Init,
    /// Why the systemd units could not be read (then nothing offline can be told).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub units_error: Option<String>,
    /// `.mount` units by name.
    pub units: BTreeMap<String, MountUnit>,
    /// `NAME.mount.d/*.conf` drop-ins by unit name, in the order systemd applies them.
    pub dropins: BTreeMap<String, Vec<MountSection>>,
    /// The running mount table (live host only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live: Option<Result<Vec<LiveMount>, String>>,
}

/// Who decided what is (or is not) mounted on a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DefinedBy {
    Fstab,
    Unit,
    /// systemd mounts `/dev/shm` itself (`mount-setup.c`).
    SystemdBuiltin,
    /// OpenRC's `devfs` script mounts `/dev/shm` itself.
    OpenrcBuiltin,
    /// The running mount table.
    Live,
}

/// What is mounted on a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mounted {
    pub by: DefinedBy,
    /// Where it is defined: `/etc/fstab:7`, a unit file, `/proc/self/mounts:12`, or the
    /// built-in's name.
    pub origin: Origin,
    pub source: String,
    pub fstype: String,
    /// The options in effect, as one string (`defaults` when none were given).
    pub options: String,
}

/// The answer for one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// The path, normalised.
    pub path: String,
    /// `None`: nothing is mounted on the path itself (it lives on its parent's file system).
    pub mounted: Option<Mounted>,
    /// What else was considered and why it does not count, disagreements between the
    /// configuration and the running table, overridden definitions.
    pub notes: Vec<String>,
}

/// A path as libmount's `streq_paths` compares it: repeated slashes as one, no trailing
/// slash (except for `/` itself).
pub fn normalise(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if c == '/' && out.ends_with('/') {
            continue;
        }
        out.push(c);
    }
    while out.len() > 1 && out.ends_with('/') {
        out.pop();
    }
    out
}

/// The mount unit name of a path, escaped as `systemd-escape --path --suffix=mount`.
pub fn unit_name(path: &str) -> String {
    let p = normalise(path);
    let rel = p.trim_start_matches('/');
    if rel.is_empty() {
        return "-.mount".into();
    }
    let mut out = String::new();
    for (i, b) in rel.bytes().enumerate() {
        match b {
            b'/' => out.push('-'),
            b'.' if i == 0 => out.push_str("\\x2e"),
            b if b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'.') => {
                out.push(b as char)
            }
            b => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push_str(".mount");
    out
}

/// The three options the checks ask about, after mount(8)'s rules: options apply left to
/// right, a later one overriding an earlier (`noexec,exec` is exec); `defaults` is
/// `rw,suid,dev,exec,auto,nouser,async`; `user` and `users` imply `noexec,nosuid,nodev`,
/// `owner` and `group` imply `nosuid,nodev`, each unless a later option says otherwise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    pub nodev: bool,
    pub nosuid: bool,
    pub noexec: bool,
}

impl Flags {
    /// The effective flags of an option string.
    pub fn of(options: &str) -> Flags {
        let mut f = Flags::default();
        for o in split_options(options) {
            match o {
                "defaults" => f = Flags::default(),
                "nodev" => f.nodev = true,
                "dev" => f.nodev = false,
                "nosuid" => f.nosuid = true,
                "suid" => f.nosuid = false,
                "noexec" => f.noexec = true,
                "exec" => f.noexec = false,
                "user" | "users" => {
                    f.nodev = true;
                    f.nosuid = true;
                    f.noexec = true;
                }
                "owner" | "group" => {
                    f.nodev = true;
                    f.nosuid = true;
                }
                _ => {}
            }
        }
        f
    }

    /// Whether the named option (`nodev`, `nosuid`, `noexec`) is in effect; `None` for
    /// another name.
    pub fn get(&self, option: &str) -> Option<bool> {
        match option {
            "nodev" => Some(self.nodev),
            "nosuid" => Some(self.nosuid),
            "noexec" => Some(self.noexec),
            _ => None,
        }
    }
}

/// Options split at commas outside double quotes (libmount allows `context="a,b"`).
pub fn split_options(options: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in options.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(&options[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&options[start..]);
    out.retain(|o| !o.is_empty());
    out
}

/// Decode libmount's `\ooo` escapes in one field; a decoded NUL ends the string, as in C.
fn unmangle(field: &[u8]) -> String {
    let is_octal = |b: u8| (b'0'..=b'7').contains(&b);
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        if field[i] == b'\\'
            && i + 3 < field.len()
            && is_octal(field[i + 1])
            && is_octal(field[i + 2])
            && is_octal(field[i + 3])
        {
            let v = 64 * u32::from(field[i + 1] & 7)
                + 8 * u32::from(field[i + 2] & 7)
                + u32::from(field[i + 3] & 7);
            out.push((v & 0xff) as u8);
            i += 4;
        } else {
            out.push(field[i]);
            i += 1;
        }
    }
    if let Some(nul) = out.iter().position(|b| *b == 0) {
        out.truncate(nul);
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn is_sep(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// The next field (up to a space or tab) and the rest after the separators that follow it;
/// `None` for an empty field.
fn next_field(s: &[u8]) -> (Option<String>, &[u8]) {
    let end = s.iter().position(|b| is_sep(*b)).unwrap_or(s.len());
    let field = (end > 0).then(|| unmangle(&s[..end]));
    let mut rest = &s[end..];
    while let Some((b, r)) = rest.split_first() {
        if !is_sep(*b) {
            break;
        }
        rest = r;
    }
    (field, rest)
}

/// libmount's `next_s32`: a number as `strtol` reads it (leading white space, a sign,
/// decimal digits, saturating at the bounds of a 64-bit long with an error), which must
/// be followed by a blank or the end of the line. Returns the value (cast to `int` as C
/// does), the rest, and whether libmount rejects the line.
fn next_number(s: &[u8]) -> (i32, &[u8], bool) {
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let digits = i;
    let mut value: i64 = 0;
    let mut overflow = false;
    while i < s.len() && s[i].is_ascii_digit() {
        let d = i64::from(s[i] - b'0');
        match value.checked_mul(10).and_then(|v| {
            if neg {
                v.checked_sub(d)
            } else {
                v.checked_add(d)
            }
        }) {
            Some(v) => value = v,
            None => {
                overflow = true;
                value = if neg { i64::MIN } else { i64::MAX };
            }
        }
        i += 1;
    }
    if i == digits {
        // No digits: strtol leaves `end` at the start; the line is rejected.
        return (0, s, true);
    }
    let rest = &s[i..];
    let ends_well = rest.first().is_none_or(|b| is_sep(*b));
    // libmount rejects the line when the number is bad and something follows it.
    let bad = (overflow || !ends_well) && !rest.is_empty();
    (value as i32, rest, bad)
}

/// Parse one fstab line (already cut at its end and without its `\r`); `Err` when
/// libmount rejects it.
fn parse_line(line: &[u8], origin: Origin) -> Result<FstabEntry, &'static str> {
    let (source, s) = next_field(line);
    let source = source.ok_or("no source")?;
    let (target, s) = next_field(s);
    let target = target.ok_or("no mount point")?;
    let (fstype, s) = next_field(s);
    let fstype = fstype.ok_or("no file system type")?;
    let (options, s) = next_field(s);
    let mut entry = FstabEntry {
        origin,
        source,
        target,
        fstype,
        options,
        freq: 0,
        passno: 0,
    };
    if entry.options.is_none() || s.is_empty() {
        return Ok(entry);
    }
    let (freq, s, bad) = next_number(s);
    if bad {
        return Err("the dump frequency is not a number");
    }
    entry.freq = freq;
    let s = skip_seps(s);
    if s.is_empty() {
        return Ok(entry);
    }
    let (passno, _, bad) = next_number(s);
    if bad {
        return Err("the fsck pass number is not a number");
    }
    entry.passno = passno;
    Ok(entry)
}

fn skip_seps(mut s: &[u8]) -> &[u8] {
    while let Some((b, r)) = s.split_first() {
        if !is_sep(*b) {
            break;
        }
        s = r;
    }
    s
}

/// Parse an fstab file as libmount does: the entries, and the lines it ignores.
pub fn parse_fstab(path: &str, bytes: &[u8]) -> (Vec<FstabEntry>, Vec<Ignored>) {
    let mut entries = Vec::new();
    let mut ignored = Vec::new();
    let mut rest = bytes;
    let mut n = 0usize;
    while !rest.is_empty() {
        n += 1;
        let (mut line, has_newline) = match rest.iter().position(|b| *b == b'\n') {
            Some(i) => {
                let l = &rest[..i];
                rest = &rest[i + 1..];
                (l, true)
            }
            None => {
                let l = rest;
                rest = &[];
                (l, false)
            }
        };
        let origin = Origin::at(path.to_string(), n);
        if let Some(nul) = line.iter().position(|b| *b == 0) {
            if has_newline {
                // libmount looks for the newline with strchr, which stops at the NUL.
                ignored.push(Ignored {
                    origin,
                    reason: "a NUL byte in the line: libmount rejects it".into(),
                });
                continue;
            }
            line = &line[..nul];
        }
        if let Some(l) = line.strip_suffix(b"\r") {
            line = l;
        }
        let body = skip_seps(line);
        if body.is_empty() || body[0] == b'#' {
            continue;
        }
        match parse_line(body, origin.clone()) {
            Ok(e) => entries.push(e),
            Err(why) => ignored.push(Ignored {
                origin,
                reason: format!("{why}: libmount (mount, findmnt, systemd) ignores the line"),
            }),
        }
    }
    (entries, ignored)
}

/// Parse the running mount table (`/proc/self/mounts`): space-separated fields with octal
/// escapes.
pub fn parse_proc_mounts(text: &str) -> Vec<LiveMount> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split(' ').collect();
        if f.len() < 4 {
            continue;
        }
        out.push(LiveMount {
            line: i + 1,
            source: unmangle(f[0].as_bytes()),
            target: unmangle(f[1].as_bytes()),
            fstype: unmangle(f[2].as_bytes()),
            options: unmangle(f[3].as_bytes()),
        });
    }
    out
}

/// Read one `[Mount]` section (unit file or drop-in) onto `into`: the last assignment of a
/// key wins.
fn read_section(path: &str, text: &str, into: &mut MountSection) {
    into.path = path.to_string();
    for s in systemd::unit_settings(text) {
        if s.section != "Mount" {
            continue;
        }
        let v = (!s.value.is_empty()).then(|| s.value.clone());
        match s.key.as_str() {
            "What" => into.what = v,
            "Where" => into.r#where = v,
            "Type" => into.fstype = v,
            "Options" => into.options = Some(s.value.clone()),
            _ => {}
        }
    }
}

/// Collect with the systemd collector's unit list (or `None`: read it here).
pub fn collect(root: &HostRoot, units: Option<&Fact<Units>>) -> Fact<Mounts> {
    let (fstab_present, fstab, ignored) = match root.read(FSTAB) {
        Ok(bytes) => {
            let (e, i) = parse_fstab(FSTAB, &bytes);
            (true, e, i)
        }
        Err(e) if e.is_not_found() => (false, Vec::new(), Vec::new()),
        Err(e) => return Fact::from_read_error(&e),
    };
    let any_unit_dir = systemd::UNIT_DIRS.iter().any(|d| root.exists(d));
    let own;
    let units = match units {
        Some(u) => u,
        None => {
            own = systemd::collect(root);
            &own
        }
    };
    let mut out = Mounts {
        fstab_present,
        fstab,
        ignored,
        init: if any_unit_dir {
            Init::Systemd
        } else if root.exists(OPENRC_DEVFS) {
            Init::Openrc
        } else {
            Init::Unknown
        },
        units_error: None,
        units: BTreeMap::new(),
        dropins: BTreeMap::new(),
        live: None,
    };
    if any_unit_dir {
        match units {
            Fact::Collected { value } => {
                for (name, u) in value.units.iter().filter(|(n, _)| n.ends_with(".mount")) {
                    out.units.insert(name.clone(), mount_unit(root, u));
                }
                match dropins(root) {
                    Ok(d) => out.dropins = d,
                    Err(e) => out.units_error = Some(e.to_string()),
                }
            }
            Fact::Error { reason, .. } => out.units_error = Some(reason.clone()),
        }
    }
    if root.is_live() {
        out.live = Some(
            std::fs::read_to_string(PROC_MOUNTS)
                .map(|t| parse_proc_mounts(&t))
                .map_err(|e| format!("{PROC_MOUNTS}: {e}")),
        );
    }
    Fact::Collected { value: out }
}

fn mount_unit(root: &HostRoot, u: &systemd::Unit) -> MountUnit {
    let fragment = u.fragment.clone().unwrap_or_default();
    let mut wanted_by = u.enabled_by.clone();
    wanted_by.extend(u.vendor_links.iter().cloned());
    let mut m = MountUnit {
        fragment: fragment.clone(),
        masked: u.state == UnitState::Masked,
        section: None,
        wanted_by,
        error: None,
    };
    if m.masked || fragment.is_empty() {
        return m;
    }
    match root.read_lossy(&fragment) {
        Ok(text) => {
            let mut s = MountSection::default();
            read_section(&fragment, &text, &mut s);
            m.section = Some(s);
        }
        Err(e) => m.error = Some(e.to_string()),
    }
    m
}

/// `NAME.mount.d/*.conf` in every unit directory: a file name in a higher directory hides
/// the same name lower down; applied in file-name order.
fn dropins(root: &HostRoot) -> Result<BTreeMap<String, Vec<MountSection>>, ReadError> {
    // unit -> file name -> host path (first directory wins)
    let mut found: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut seen = std::collections::HashSet::new();
    for dir in systemd::UNIT_DIRS {
        let real = root.resolve(dir)?;
        if !seen.insert(real) {
            continue;
        }
        let entries = match root.read_dir_matching(dir, |n| {
            n.to_str()
                .is_some_and(|n| n.ends_with(".mount.d") && n.len() > 8)
        }) {
            Ok(e) => e,
            Err(e) if e.is_not_found() => continue,
            Err(e) => return Err(e),
        };
        for d in entries {
            let Some(dname) = d.name_str() else { continue };
            let unit = dname.trim_end_matches(".d").to_string();
            let dpath = format!("{dir}/{dname}");
            if !matches!(root.metadata(&dpath), Ok(m) if m.kind == FileKind::Directory) {
                continue;
            }
            let confs = match root
                .read_dir_matching(&dpath, |n| n.to_str().is_some_and(|n| n.ends_with(".conf")))
            {
                Ok(e) => e,
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(e),
            };
            for c in confs {
                let Some(cname) = c.name_str() else { continue };
                found
                    .entry(unit.clone())
                    .or_default()
                    .entry(cname.to_string())
                    .or_insert_with(|| format!("{dpath}/{cname}"));
            }
        }
    }
    let mut out = BTreeMap::new();
    for (unit, files) in found {
        let mut v = Vec::new();
        for path in files.into_values() {
            // A drop-in masked by a link to /dev/null (or otherwise not a file) applies
            // nothing, and still hides the same name lower down.
            let text = match root.read_lossy(&path) {
                Ok(t) => t,
                Err(ReadError::NotRegular { .. }) => continue,
                Err(e) => return Err(e),
            };
            let mut s = MountSection::default();
            read_section(&path, &text, &mut s);
            v.push(s);
        }
        out.insert(unit, v);
    }
    Ok(out)
}

fn has_option(options: Option<&str>, name: &str) -> bool {
    options.is_some_and(|o| split_options(o).contains(&name))
}

impl Mounts {
    /// What is mounted on `path`: on the live host the running table decides (a
    /// disagreement with the configuration is a note); otherwise the configuration as the
    /// boot would apply it. `Err` when it cannot be told.
    pub fn resolve(&self, path: &str) -> Result<Resolution, String> {
        match &self.live {
            None => self.configured(path),
            Some(Err(e)) => Err(e.clone()),
            Some(Ok(live)) => {
                let target = normalise(path);
                let mut r = Resolution {
                    path: target.clone(),
                    mounted: live
                        .iter()
                        .rev()
                        .find(|m| normalise(&m.target) == target)
                        .map(|m| Mounted {
                            by: DefinedBy::Live,
                            origin: Origin::at(PROC_MOUNTS, m.line),
                            source: m.source.clone(),
                            fstype: m.fstype.clone(),
                            options: m.options.clone(),
                        }),
                    notes: Vec::new(),
                };
                match self.configured(path) {
                    Ok(c) => {
                        let differs = match (&r.mounted, &c.mounted) {
                            (None, None) => false,
                            (Some(a), Some(b)) => Flags::of(&a.options) != Flags::of(&b.options),
                            _ => true,
                        };
                        if differs {
                            r.notes.push(format!(
                                "the running mount table disagrees with the configuration: \
                                 configured {}, running {} (the next boot applies the \
                                 configuration)",
                                describe(&c.mounted),
                                describe(&r.mounted)
                            ));
                        }
                    }
                    Err(e) => r
                        .notes
                        .push(format!("the configuration could not be read: {e}")),
                }
                Ok(r)
            }
        }
    }

    /// What the boot would mount on `path`, from fstab, units and the init system.
    pub fn configured(&self, path: &str) -> Result<Resolution, String> {
        let target = normalise(path);
        let mut notes = Vec::new();
        let systemd = self.init == Init::Systemd;
        if let (true, Some(e)) = (systemd, &self.units_error) {
            return Err(format!("systemd units unknown: {e}"));
        }
        let lines: Vec<&FstabEntry> = self
            .fstab
            .iter()
            .filter(|e| normalise(&e.target) == target)
            .collect();
        // systemd-fstab-generator writes the first entry's unit and refuses the later ones
        // ("Duplicate entry in /etc/fstab?"); `mount -a` mounts them all, the last on top.
        let line = if systemd { lines.first() } else { lines.last() }.copied();
        for other in lines.iter().filter(|l| Some(**l) != line) {
            notes.push(format!(
                "{}: another entry for {target}, not used ({})",
                other.origin,
                if systemd {
                    "systemd-fstab-generator keeps the first"
                } else {
                    "mount -a mounts the last on top"
                }
            ));
        }
        let from_line = |l: &FstabEntry| Mounted {
            by: DefinedBy::Fstab,
            origin: l.origin.clone(),
            source: l.source.clone(),
            fstype: l.fstype.clone(),
            options: l.options.clone().unwrap_or_else(|| "defaults".into()),
        };
        let done = |mounted: Option<Mounted>, notes: Vec<String>| {
            Ok(Resolution {
                path: target.clone(),
                mounted,
                notes,
            })
        };
        let name = unit_name(&target);
        if target == DEV_SHM {
            if self.units.contains_key(&name) {
                notes.push(format!(
                    "{name} is not used for options: the init system mounts {DEV_SHM} \
                     before any unit"
                ));
            }
            if let Some(l) = line {
                if systemd {
                    notes.push(
                        "systemd-remount-fs applies the fstab options to the API file \
                         system"
                            .into(),
                    );
                }
                return done(Some(from_line(l)), notes);
            }
            return match self.init {
                Init::Systemd => done(
                    Some(Mounted {
                        by: DefinedBy::SystemdBuiltin,
                        origin: Origin::file("systemd built-in mount (mount-setup.c)"),
                        source: "tmpfs".into(),
                        fstype: "tmpfs".into(),
                        options: "nosuid,nodev,strictatime,mode=1777".into(),
                    }),
                    notes,
                ),
                Init::Openrc => done(
                    Some(Mounted {
                        by: DefinedBy::OpenrcBuiltin,
                        origin: Origin::file(OPENRC_DEVFS),
                        source: "none".into(),
                        fstype: "tmpfs".into(),
                        options: "noexec,nosuid,nodev".into(),
                    }),
                    notes,
                ),
                Init::Unknown => Err(format!(
                    "no fstab entry for {DEV_SHM}, and neither systemd nor OpenRC is \
                     installed in this root: what mounts it is not known offline"
                )),
            };
        }
        if !systemd {
            return match line {
                Some(l) if has_option(l.options.as_deref(), "noauto") => {
                    notes.push(format!("{}: noauto, not mounted at boot", l.origin));
                    done(None, notes)
                }
                Some(l) => done(Some(from_line(l)), notes),
                None => done(None, notes),
            };
        }
        let unit = self.units.get(&name);
        if let Some(u) = unit {
            if u.masked {
                notes.push(format!(
                    "{name} is masked ({}): systemd mounts nothing on {target}{}",
                    u.fragment,
                    if line.is_some() {
                        ", the fstab entry notwithstanding"
                    } else {
                        ""
                    }
                ));
                return done(None, notes);
            }
            if let Some(e) = &u.error {
                return Err(format!("{}: {e}", u.fragment));
            }
        }
        let auto_line = line.filter(|l| !has_option(l.options.as_deref(), "noauto"));
        if let Some(l) = line.filter(|_| auto_line.is_none()) {
            notes.push(format!("{}: noauto, not mounted at boot", l.origin));
        }
        let unit_wanted = unit.is_some_and(|u| !u.wanted_by.is_empty());
        let high = unit.is_some_and(|u| ABOVE_GENERATOR.iter().any(|d| u.fragment.starts_with(d)));
        let mut mounted = match (unit, high, auto_line) {
            (Some(u), true, _) | (Some(u), false, None) => {
                if let Some(l) = line {
                    if high {
                        notes.push(format!(
                            "{}: overridden by {} (its directory comes before fstab's \
                             generated units)",
                            l.origin, u.fragment
                        ));
                    }
                }
                if unit_wanted || (high && auto_line.is_some()) {
                    let s = u.section.clone().unwrap_or_default();
                    if s.r#where.as_deref().map(normalise).as_deref() != Some(target.as_str()) {
                        notes.push(format!(
                            "{}: Where= does not name {target}: systemd refuses the unit",
                            u.fragment
                        ));
                        None
                    } else {
                        Some(Mounted {
                            by: DefinedBy::Unit,
                            origin: Origin::file(u.fragment.clone()),
                            source: s.what.unwrap_or_default(),
                            fstype: s.fstype.unwrap_or_else(|| "auto".into()),
                            options: s
                                .options
                                .filter(|o| !o.is_empty())
                                .unwrap_or_else(|| "defaults".into()),
                        })
                    }
                } else {
                    notes.push(format!(
                        "{} exists but nothing pulls it in at boot (not enabled)",
                        u.fragment
                    ));
                    None
                }
            }
            (_, _, Some(l)) => {
                if let Some(u) = unit {
                    notes.push(format!(
                        "{}: overridden by the fstab entry {}",
                        u.fragment, l.origin
                    ));
                }
                Some(from_line(l))
            }
            (None, _, None) => None,
        };
        if let (Some(m), Some(drops)) = (&mut mounted, self.dropins.get(&name)) {
            for d in drops {
                if let Some(o) = &d.options {
                    notes.push(format!(
                        "{}: Options={o} replaces the options of {}",
                        d.path, m.origin
                    ));
                    m.options = if o.is_empty() {
                        "defaults".into()
                    } else {
                        o.clone()
                    };
                    m.origin = Origin::file(d.path.clone());
                }
                if let Some(w) = &d.what {
                    m.source = w.clone();
                }
                if let Some(t) = &d.fstype {
                    m.fstype = t.clone();
                }
            }
        }
        done(mounted, notes)
    }
}

fn describe(m: &Option<Mounted>) -> String {
    match m {
        None => "not separately mounted".into(),
        Some(m) => format!(
            "{} {} ({}) from {}",
            m.fstype, m.source, m.options, m.origin
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &[u8]) -> (Vec<FstabEntry>, Vec<Ignored>) {
        parse_fstab(FSTAB, text)
    }

    #[test]
    fn fstab_lines_as_libmount_reads_them() {
        let (e, i) = parse(
            b"# c\n\n   \n  # indented\n/dev/sda1 /tmp/ ext4\n\
              /dev/a\\040b /home\\040x ext4 rw,noexec,exec 1 2 extra\n\
              tmpfs /dev/shm tmpfs defaults\r\nbad\nbad2 /x\n/dev/c /y ext4 defaults x\n\
              /dev/e / ext4 defaults +1 -2\n/dev/f /w\\134q ext4 \\011opt 0 0\n\
              /dev/g /v ext4 d 1x\n/dev/h /h ext4 d 99999999999999999999\n\
              /dev/i /i ext4 d 0 99999999999999999999 z\n/dev/j /j\0x ext4 d\n/dev/k /k ext4 d\0z",
        );
        type Row<'a> = (&'a str, &'a str, &'a str, Option<&'a str>, i32, i32, usize);
        let rows: Vec<Row> = e
            .iter()
            .map(|e| {
                (
                    e.source.as_str(),
                    e.target.as_str(),
                    e.fstype.as_str(),
                    e.options.as_deref(),
                    e.freq,
                    e.passno,
                    e.origin.line.unwrap(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("/dev/sda1", "/tmp/", "ext4", None, 0, 0, 5),
                (
                    "/dev/a b",
                    "/home x",
                    "ext4",
                    Some("rw,noexec,exec"),
                    1,
                    2,
                    6
                ),
                ("tmpfs", "/dev/shm", "tmpfs", Some("defaults"), 0, 0, 7),
                ("/dev/e", "/", "ext4", Some("defaults"), 1, -2, 11),
                ("/dev/f", "/w\\q", "ext4", Some("\topt"), 0, 0, 12),
                ("/dev/h", "/h", "ext4", Some("d"), -1, 0, 14),
                ("/dev/k", "/k", "ext4", Some("d"), 0, 0, 17),
            ]
        );
        let bad: Vec<usize> = i.iter().map(|i| i.origin.line.unwrap()).collect();
        assert_eq!(bad, [8, 9, 10, 13, 15, 16]);
    }

    #[test]
    fn paths_and_unit_names() {
        assert_eq!(normalise("//var//tmp//"), "/var/tmp");
        assert_eq!(normalise("/"), "/");
        assert_eq!(normalise("///"), "/");
        assert_eq!(unit_name("/tmp"), "tmp.mount");
        assert_eq!(unit_name("/var/log/audit/"), "var-log-audit.mount");
        assert_eq!(unit_name("/var/tmp"), "var-tmp.mount");
        assert_eq!(unit_name("/dev/shm"), "dev-shm.mount");
        assert_eq!(unit_name("/"), "-.mount");
        assert_eq!(unit_name("/srv/my-data"), "srv-my\\x2ddata.mount");
        assert_eq!(unit_name("/.hidden"), "\\x2ehidden.mount");
    }

    #[test]
    fn options_follow_mount8() {
        let f = Flags::of("noexec,exec");
        assert!(!f.noexec);
        let f = Flags::of("exec,noexec");
        assert!(f.noexec);
        assert_eq!(Flags::of("defaults"), Flags::default());
        assert_eq!(
            Flags::of("nodev,nosuid,noexec,defaults"),
            Flags::default(),
            "defaults after them resets them"
        );
        let u = Flags::of("user");
        assert!(u.nodev && u.nosuid && u.noexec);
        let u = Flags::of("users,exec,dev");
        assert!(!u.nodev && u.nosuid && !u.noexec);
        let o = Flags::of("owner");
        assert!(o.nodev && o.nosuid && !o.noexec);
        assert_eq!(
            split_options("context=\"a,b\",noexec"),
            ["context=\"a,b\"", "noexec"]
        );
    }

    #[test]
    fn proc_mounts_escapes_and_shadowing() {
        let live = parse_proc_mounts(
            "tmpfs /tmp tmpfs rw,nosuid 0 0\n/dev/sdb1 /tmp ext4 rw,nodev,noexec 0 0\n\
             /dev/x /my\\040dir ext4 rw 0 0\n",
        );
        assert_eq!(live[2].target, "/my dir");
        let m = Mounts {
            fstab_present: true,
            fstab: Vec::new(),
            ignored: Vec::new(),
            init: Init::Systemd,
            units_error: None,
            units: BTreeMap::new(),
            dropins: BTreeMap::new(),
            live: Some(Ok(live)),
        };
        let r = m.resolve("/tmp/").unwrap();
        let mounted = r.mounted.unwrap();
        assert_eq!(mounted.source, "/dev/sdb1");
        assert_eq!(mounted.origin, Origin::at(PROC_MOUNTS, 2));
        // Configured: nothing; running: a mount. A note says so.
        assert!(r.notes[0].contains("disagrees"), "{:?}", r.notes);
    }
}
