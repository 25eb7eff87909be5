//! systemd unit enablement, worked out from unit files and `.wants`/`.requires` links.
//!
//! Baselines ask for services to be enabled (`auditd.service`) or not (`telnet.socket`,
//! `avahi-daemon.service`). `systemctl is-enabled` answers that on the running host, but
//! Ward also scans images and fixtures, and must not depend on a bus connection, so the
//! state is computed from the files `systemctl` itself looks at. The names of the states
//! are those of `systemctl is-enabled`.
//!
//! * Units are the entries with a unit suffix (`.service`, `.socket`, `.timer`, `.target`,
//!   `.path`, `.mount`, `.automount`, `.swap`, `.slice`, `.scope`) in the unit search path,
//!   in priority order: `/etc/systemd/system.control`, `/run/systemd/system.control`,
//!   `/run/systemd/transient`, `/etc/systemd/system`, `/run/systemd/system`,
//!   `/usr/local/lib/systemd/system`, `/usr/lib/systemd/system`, `/lib/systemd/system`.
//!   The first directory holding a name provides the unit's fragment, so an admin's copy in
//!   `/etc` overrides the vendor's in `/lib`. A directory that resolves to one already read
//!   (merged-usr: `/lib -> usr/lib`) is read once.
//! * `masked`: the fragment is a symlink to `/dev/null` or an empty file (systemd.unit(5)
//!   treats both as masked). Masking wins over any enabling link. An instance of a masked
//!   template is masked too.
//! * `alias`: the entry is a symlink to a unit file of another name
//!   (`/etc/systemd/system/sshd.service -> /lib/systemd/system/ssh.service`, created by
//!   `Alias=` on enable); the alias is recorded under its own name with the target as
//!   fragment. A symlink to a file of the same name (`systemctl link`), or from an instance
//!   name to its template, is not an alias: the unit's fragment is the target.
//! * `enabled`: a symlink (or file) named after the unit sits in a `*.wants/`,
//!   `*.requires/` or `*.upholds/` directory under `/etc/systemd/system` or
//!   `/run/systemd/system`; those links are listed in `enabled_by`. Links under `/run`
//!   (`systemctl enable --runtime`, `enabled-runtime` in systemctl's words) count as enabled:
//!   the unit starts on this boot. Links under the vendor directories
//!   (`/usr/lib/systemd/system/*.wants`) do **not** make a unit enabled, as for
//!   `systemctl is-enabled`, which reports such units by their `[Install]` section (usually
//!   `static`) although they are pulled in at boot. A link `getty@tty1.service` enables that
//!   instance, recorded as its own unit whose fragment is the template `getty@.service`; the
//!   template is then reported enabled too, by those instance links.
//! * Otherwise the fragment's `[Install]` section decides: `WantedBy=`, `RequiredBy=`,
//!   `UpheldBy=` or `Alias=` (after empty assignments reset the lists) make it `disabled`;
//!   only `Also=` makes it `indirect`; no `[Install]` section, or an empty one, `static`.
//!   Transient units have no `[Install]` section and come out `static`.
//!
//! The collector never claims `disabled` without having read the unit file: when the file
//! of a unit without enabling links cannot be read, the unit is left out and a warning names
//! it. Dangling symlinks and special files in the unit directories are left out with a
//! warning too (systemd would not load them either). A search-path directory or an
//! enablement directory that exists but cannot be listed, or holds more unit-named entries
//! than the listing limit (names are filtered before the limit counts them; names that are
//! not UTF-8 are never unit names), fails the whole collector: the enabling links it may hold are unknown, and a missing link
//! would turn an enabled service into a passing "not enabled" check. The work is bounded:
//! more than [`MAX_UNITS`] units or [`MAX_LINKS`] enablement links fail the collector
//! rather than report a truncated list.
//!
//! When none of the unit directories exists the host is not (recognisably) a systemd host,
//! and the collector fails so that service checks report an error instead of passing on an
//! empty unit list.
//!
//! On the live host (root `/`) the collector also records which `.service` units are
//! active, without a bus connection or `systemctl`, from what systemd 252 itself leaves in
//! the file system ([`live_state`]):
//!
//! * `/proc/1/comm` must be `systemd`; otherwise the manager is not running and active
//!   states are unknown (an error, never "inactive").
//! * `/run/systemd/units/invocation:NAME` is written by PID 1 when it first runs a process
//!   of the unit and unlinked (`unit_unlink_state_files`) when the unit becomes inactive or
//!   failed; it is the record that also covers a `RemainAfterExit=` service whose
//!   processes have exited.
//! * `/sys/fs/cgroup/system.slice/NAME` (or a sub-slice such as
//!   `system-getty.slice/getty@tty1.service`; cgroup v2, or the `unified` and `systemd`
//!   hierarchies of hybrid and v1 hosts) exists from start until systemd prunes it when
//!   the unit becomes inactive; on cgroup v2 its `cgroup.events` says whether processes
//!   are in it (`populated 1`).
//!
//! A unit is active when either record shows it; otherwise it is inactive. Units of other
//! types (sockets, timers) leave neither record, so their active state is not recorded.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Fact;
use crate::host_root::{display_path, DirEntry, FileKind, HostRoot, ReadError};

/// The unit search path of the system manager, in priority order (highest first).
pub const UNIT_DIRS: [&str; 8] = [
    "/etc/systemd/system.control",
    "/run/systemd/system.control",
    "/run/systemd/transient",
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];

/// Directories whose `.wants`/`.requires`/`.upholds` links make a unit enabled.
pub const ENABLEMENT_DIRS: [&str; 2] = ["/etc/systemd/system", "/run/systemd/system"];

/// The vendor unit directories: their `.wants`/`.requires`/`.upholds` links pull a unit in
/// statically (recorded as `vendor_links`, not as enabled).
pub const VENDOR_DIRS: [&str; 3] = [
    "/usr/local/lib/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];

/// Suffixes of unit names.
pub const UNIT_SUFFIXES: [&str; 10] = [
    ".service",
    ".socket",
    ".timer",
    ".target",
    ".path",
    ".mount",
    ".automount",
    ".swap",
    ".slice",
    ".scope",
];

/// Suffixes of the dependency directories whose links enable a unit.
const LINK_DIR_SUFFIXES: [&str; 3] = [".wants", ".requires", ".upholds"];

/// Most units recorded before the collector gives up.
pub const MAX_UNITS: usize = 5000;
/// Most enablement links examined before the collector gives up.
pub const MAX_LINKS: usize = 50_000;

/// systemd units known on a host.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Units {
    /// Units keyed by full name (`ssh.service`, `telnet.socket`).
    pub units: BTreeMap<String, Unit>,
    /// Problems met (unreadable directories, broken links), with their path.
    pub warnings: Vec<String>,
    /// Which services are running, read on the live host only (`None` elsewhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live: Option<Fact<Live>>,
}

/// The running manager's view of its services, read from `/run` and the cgroup tree.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Live {
    /// `.service` units found active, each with the path that shows it.
    pub active: BTreeMap<String, String>,
}

/// Where systemd records a unit's invocation while it is not inactive.
pub const INVOCATION_DIR: &str = "/run/systemd/units";
/// The system slice in the cgroup hierarchies systemd may manage: cgroup v2, then the
/// hybrid layout's unified tree, then the v1 `name=systemd` tree.
pub const SYSTEM_SLICES: [&str; 3] = [
    "/sys/fs/cgroup/system.slice",
    "/sys/fs/cgroup/unified/system.slice",
    "/sys/fs/cgroup/systemd/system.slice",
];

/// One unit's enablement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub state: UnitState,
    /// Host path of the unit file in effect (after masking/override precedence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fragment: Option<String>,
    /// The `.wants`/`.requires` links (host paths) that enable it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enabled_by: Vec<String>,
    /// Links to it in `.wants`/`.requires`/`.upholds` directories of the vendor unit
    /// directories ([`VENDOR_DIRS`]): the unit owning the directory pulls it in at boot
    /// although `systemctl is-enabled` calls it `static` (Fedora's
    /// `local-fs.target.wants/tmp.mount`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vendor_links: Vec<String>,
}

/// Enablement state, with `systemctl is-enabled` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitState {
    Enabled,
    Disabled,
    Static,
    Masked,
    Indirect,
    Alias,
}

/// Collect unit enablement and, on the live host, which services are active.
pub fn collect(root: &HostRoot) -> Fact<Units> {
    match collect_inner(root) {
        Ok(mut units) => {
            if root.is_live() {
                units.live = Some(live_state(root));
            }
            Fact::Collected { value: units }
        }
        Err(fact) => fact,
    }
}

/// The active `.service` units of the running manager, read from the root's `/proc`,
/// `/run` and `/sys` (see the module documentation). Only meaningful for the live host;
/// [`collect`] calls it there.
pub fn live_state(root: &HostRoot) -> Fact<Live> {
    let comm = match root.read_lossy("/proc/1/comm") {
        Ok(c) => c.trim().to_string(),
        Err(e) => {
            return Fact::error(format!(
                "{e}; which program is PID 1 is unknown, so active states are unknown"
            ))
        }
    };
    if comm != "systemd" {
        return Fact::error(format!(
            "/proc/1/comm: PID 1 is {comm:?}, not systemd; service active states unknown"
        ));
    }
    let mut live = Live::default();
    let is_record = |n: &str| n.starts_with("invocation:") && n.ends_with(".service");
    match root.read_dir_matching(INVOCATION_DIR, |n| n.to_str().is_some_and(is_record)) {
        Ok(entries) => {
            for e in entries {
                if let Some(unit) = e.name_str().and_then(|n| n.strip_prefix("invocation:")) {
                    live.active.insert(unit.to_string(), e.display_path());
                }
            }
        }
        Err(ReadError::NotFound { .. }) => {}
        Err(e) => return Fact::from_read_error(&e),
    }
    for slice in SYSTEM_SLICES {
        let entries = match root.read_dir_matching(slice, |n| {
            n.to_str()
                .is_some_and(|n| n.ends_with(".service") || n.ends_with(".slice"))
        }) {
            Ok(entries) => entries,
            Err(ReadError::NotFound { .. }) => continue,
            Err(e) => return Fact::from_read_error(&e),
        };
        for e in entries {
            if e.kind != FileKind::Directory {
                continue;
            }
            let Some(name) = e.name_str() else { continue };
            if name.ends_with(".service") {
                record_cgroup(root, &e, &mut live);
                continue;
            }
            // A sub-slice (`system-getty.slice`): its services, one level down.
            let sub = match root.read_dir_matching(&e.path, |n| {
                n.to_str().is_some_and(|n| n.ends_with(".service"))
            }) {
                Ok(sub) => sub,
                Err(ReadError::NotFound { .. }) => continue,
                Err(err) => return Fact::from_read_error(&err),
            };
            for s in sub.iter().filter(|s| s.kind == FileKind::Directory) {
                record_cgroup(root, s, &mut live);
            }
        }
    }
    Fact::Collected { value: live }
}

/// Record a service's cgroup directory as evidence that it is active, unless cgroup v2's
/// `cgroup.events` says it holds no process (a unit being torn down).
fn record_cgroup(root: &HostRoot, dir: &DirEntry, live: &mut Live) {
    let Some(name) = dir.name_str() else { return };
    let events = format!("{}/cgroup.events", dir.display_path());
    if let Ok(text) = root.read_lossy(&events) {
        if text.lines().any(|l| l.trim() == "populated 0") {
            return;
        }
    }
    live.active
        .entry(name.to_string())
        .or_insert_with(|| dir.display_path());
}

/// What the first directory holding a unit name says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FragmentKind {
    Regular,
    Masked,
    Alias,
}

#[derive(Debug, Clone)]
struct Fragment {
    kind: FragmentKind,
    /// Host path: the unit file, the alias target, or the masking entry.
    path: String,
}

fn collect_inner(root: &HostRoot) -> Result<Units, Fact<Units>> {
    let mut out = Units::default();
    let fragments = find_fragments(root, &mut out.warnings)?;
    let links = find_enabling_links(root, &ENABLEMENT_DIRS)?;
    let vendor = find_enabling_links(root, &VENDOR_DIRS)?;

    // Names of units whose file must be read to know their state.
    let mut to_read: Vec<(String, String)> = Vec::new();

    for (name, frag) in &fragments {
        let unit = match frag.kind {
            FragmentKind::Masked => Unit {
                state: UnitState::Masked,
                fragment: Some(frag.path.clone()),
                enabled_by: Vec::new(),
                vendor_links: Vec::new(),
            },
            FragmentKind::Alias => Unit {
                state: UnitState::Alias,
                fragment: Some(frag.path.clone()),
                enabled_by: Vec::new(),
                vendor_links: Vec::new(),
            },
            FragmentKind::Regular => {
                let mut by: Vec<String> = links.get(name).cloned().unwrap_or_default();
                if by.is_empty() && is_template(name) {
                    // A template is enabled when any of its instances is.
                    by = links
                        .iter()
                        .filter(|(n, _)| template_of(n).as_deref() == Some(name.as_str()))
                        .flat_map(|(_, l)| l.iter().cloned())
                        .collect();
                    by.sort();
                }
                if by.is_empty() {
                    to_read.push((name.clone(), frag.path.clone()));
                    continue;
                }
                Unit {
                    state: UnitState::Enabled,
                    fragment: Some(frag.path.clone()),
                    enabled_by: by,
                    vendor_links: Vec::new(),
                }
            }
        };
        out.units.insert(name.clone(), unit);
    }

    // Units named only by enabling links: instances of templates, or units linked in from
    // outside the search path.
    for (name, by) in &links {
        if fragments.contains_key(name) {
            continue;
        }
        let template = template_of(name).and_then(|t| fragments.get(&t));
        let unit = match template {
            Some(t) if t.kind == FragmentKind::Masked => Unit {
                state: UnitState::Masked,
                fragment: Some(t.path.clone()),
                enabled_by: Vec::new(),
                vendor_links: Vec::new(),
            },
            Some(t) => Unit {
                state: UnitState::Enabled,
                fragment: Some(t.path.clone()),
                enabled_by: by.clone(),
                vendor_links: Vec::new(),
            },
            None => match linked_target(root, by) {
                Some(target) => Unit {
                    state: UnitState::Enabled,
                    fragment: Some(target),
                    enabled_by: by.clone(),
                    vendor_links: Vec::new(),
                },
                None => {
                    out.warnings.push(format!(
                        "{}: enabling link for {name}, but no unit file for it was found; \
                         not recorded",
                        by.join(", ")
                    ));
                    continue;
                }
            },
        };
        out.units.insert(name.clone(), unit);
        if out.units.len() + to_read.len() > MAX_UNITS {
            return Err(too_many_units());
        }
    }

    for (name, path) in to_read {
        match root.read_lossy(&path) {
            Ok(text) => {
                out.units.insert(
                    name,
                    Unit {
                        state: install_state(&text),
                        fragment: Some(path),
                        enabled_by: Vec::new(),
                        vendor_links: Vec::new(),
                    },
                );
            }
            Err(e) => out.warnings.push(format!(
                "{name}: unit file unreadable ({e}); enablement unknown, unit left out"
            )),
        }
    }
    for (name, by) in vendor {
        if let Some(u) = out.units.get_mut(&name) {
            u.vendor_links = by;
        }
    }
    Ok(out)
}

/// The fragment of every unit name in the search path: the first directory holding it wins.
fn find_fragments(
    root: &HostRoot,
    warnings: &mut Vec<String>,
) -> Result<BTreeMap<String, Fragment>, Fact<Units>> {
    let null = root.base().join("dev/null");
    let mut seen_dirs: HashSet<PathBuf> = HashSet::new();
    let mut any_dir = false;
    let mut fragments: BTreeMap<String, Fragment> = BTreeMap::new();
    for dir in UNIT_DIRS {
        let real_dir = root.resolve(dir).map_err(|e| Fact::from_read_error(&e))?;
        if !seen_dirs.insert(real_dir) {
            continue; // merged-usr: the same directory under another name
        }
        let Some(entries) = list_dir(root, dir, is_unit_name)? else {
            continue;
        };
        any_dir = true;
        for e in entries {
            let Some(name) = e.name_str() else { continue };
            if fragments.contains_key(name) {
                continue;
            }
            match classify(root, &null, &e) {
                Ok(Some(frag)) => {
                    fragments.insert(name.to_string(), frag);
                    if fragments.len() > MAX_UNITS {
                        return Err(too_many_units());
                    }
                }
                Ok(None) => {}
                Err(w) => warnings.push(w),
            }
        }
    }
    if !any_dir {
        return Err(Fact::error(
            "no systemd unit directories found (not a systemd host?)",
        ));
    }
    Ok(fragments)
}

/// What a unit-directory entry is. `Ok(None)` for entries that are not unit files at all
/// (directories); `Err` with a warning for entries systemd would not load.
fn classify(root: &HostRoot, null: &Path, e: &DirEntry) -> Result<Option<Fragment>, String> {
    let e_path = e.display_path();
    let e_name = e.display_name();
    match e.kind {
        FileKind::Directory => return Ok(None),
        FileKind::File | FileKind::Symlink => {}
        other => return Err(format!("{e_path}: is a {other}, not a unit file; ignored")),
    }
    let real = root.resolve(&e.path).map_err(|err| err.to_string())?;
    if real == null {
        return Ok(Some(Fragment {
            kind: FragmentKind::Masked,
            path: e_path,
        }));
    }
    let meta = match root.metadata(&e.path) {
        Ok(m) => m,
        Err(ReadError::NotFound { .. }) => {
            return Err(format!(
                "{e_path}: dangling symlink; unit {e_name} not loadable, left out"
            ))
        }
        Err(err) => return Err(format!("{err}; unit {e_name} left out")),
    };
    match meta.kind {
        FileKind::Directory => return Ok(None),
        FileKind::File => {}
        other => {
            return Err(format!(
                "{e_path}: resolves to a {other}, not a unit file; ignored"
            ))
        }
    }
    let path = if e.kind == FileKind::Symlink {
        host_path_of(root, &real).unwrap_or_else(|| e_path.clone())
    } else {
        e_path.clone()
    };
    if meta.size == 0 {
        return Ok(Some(Fragment {
            kind: FragmentKind::Masked,
            path,
        }));
    }
    if e.kind == FileKind::Symlink {
        let target_name = real
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let same_unit =
            target_name == e_name || template_of(&e_name).as_deref() == Some(target_name.as_str());
        if !same_unit {
            return Ok(Some(Fragment {
                kind: FragmentKind::Alias,
                path,
            }));
        }
    }
    Ok(Some(Fragment {
        kind: FragmentKind::Regular,
        path,
    }))
}

/// Unit name -> the links (host paths) in `.wants`/`.requires`/`.upholds` directories
/// under `dirs` (the enablement directories, or the vendor ones).
fn find_enabling_links(
    root: &HostRoot,
    dirs: &[&str],
) -> Result<BTreeMap<String, Vec<String>>, Fact<Units>> {
    let mut seen_dirs: HashSet<PathBuf> = HashSet::new();
    let mut links: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut count = 0usize;
    for &dir in dirs {
        let real_dir = root.resolve(dir).map_err(|e| Fact::from_read_error(&e))?;
        if !seen_dirs.insert(real_dir) {
            continue;
        }
        let is_link_dir = |n: &str| LINK_DIR_SUFFIXES.iter().any(|s| n.ends_with(s));
        let Some(entries) = list_dir(root, dir, is_link_dir)? else {
            continue;
        };
        for d in entries {
            if !matches!(root.metadata(&d.path), Ok(m) if m.kind == FileKind::Directory) {
                continue;
            }
            let Some(sub) = list_dir(root, &d.path, is_unit_name)? else {
                continue;
            };
            for l in sub {
                if !matches!(l.kind, FileKind::Symlink | FileKind::File) {
                    continue;
                }
                let Some(name) = l.name_str() else { continue };
                count += 1;
                if count > MAX_LINKS {
                    return Err(Fact::error(format!(
                        "more than {MAX_LINKS} unit enablement links; unit states not \
                         collected"
                    )));
                }
                links
                    .entry(name.to_string())
                    .or_default()
                    .push(display_path(&l.path));
            }
        }
    }
    for v in links.values_mut() {
        v.sort();
    }
    Ok(links)
}

/// List the entries of a directory whose (UTF-8) name `keep` accepts: `None` when the
/// directory does not exist, an error fact when it cannot be listed or holds more matching
/// entries than the listing limit. Names that are not UTF-8 are never unit names (systemd
/// refuses them too) and are left out before the limit counts.
fn list_dir(
    root: &HostRoot,
    dir: impl AsRef<Path>,
    keep: impl Fn(&str) -> bool,
) -> Result<Option<Vec<DirEntry>>, Fact<Units>> {
    match root.read_dir_matching(dir, |n| n.to_str().is_some_and(&keep)) {
        Ok(entries) => Ok(Some(entries)),
        Err(ReadError::NotFound { .. }) => Ok(None),
        Err(e) => Err(Fact::from_read_error(&e)),
    }
}

/// For a unit only reachable through enabling links: the host path of the regular file
/// the first working link resolves to.
fn linked_target(root: &HostRoot, links: &[String]) -> Option<String> {
    links.iter().find_map(|l| {
        let meta = root.metadata(l).ok()?;
        if meta.kind != FileKind::File || meta.size == 0 {
            return None;
        }
        let real = root.resolve(l).ok()?;
        host_path_of(root, &real)
    })
}

/// One `Key=Value` assignment of a unit file, with its section and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitSetting {
    pub section: String,
    pub key: String,
    /// The value with surrounding blanks removed; empty for an empty (resetting) assignment.
    pub value: String,
    /// 1-based line of the assignment's first physical line.
    pub line: usize,
}

/// The assignments of a unit file (or drop-in), in order, as systemd's configuration parser
/// reads them: blanks around lines, keys and values removed; lines starting with `#` or `;`
/// are comments (also inside a continued line, where they are skipped); a trailing
/// backslash continues the line on the next, replaced by a space; `[Section]` headers; a
/// line without `=` outside a header is ignored (systemd warns and ignores it too).
pub fn unit_settings(text: &str) -> Vec<UnitSetting> {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut logical = String::new();
    let mut start = 0usize;
    let mut continuing = false;
    for (i, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if continuing && (trimmed.starts_with('#') || trimmed.starts_with(';')) {
            continue;
        }
        if !continuing {
            start = i + 1;
        }
        // Continuation lines: a trailing backslash joins the next line.
        if let Some(head) = trimmed.strip_suffix('\\') {
            logical.push_str(head);
            logical.push(' ');
            continuing = true;
            continue;
        }
        logical.push_str(trimmed);
        continuing = false;
        let line = std::mem::take(&mut logical);
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = name.to_string();
            }
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        out.push(UnitSetting {
            section: section.clone(),
            key: key.trim().to_string(),
            value: value.trim().to_string(),
            line: start,
        });
    }
    out
}

/// The state a unit file's `[Install]` section gives it, when no link enables it.
fn install_state(text: &str) -> UnitState {
    let mut rules = [false; 4]; // WantedBy, RequiredBy, UpheldBy, Alias
    let mut also = false;
    for s in unit_settings(text) {
        if s.section != "Install" {
            continue;
        }
        // An empty assignment resets the list; anything else adds to it.
        let set = !s.value.is_empty();
        match s.key.as_str() {
            "WantedBy" => rules[0] = set,
            "RequiredBy" => rules[1] = set,
            "UpheldBy" => rules[2] = set,
            "Alias" => rules[3] = set,
            "Also" => also = set,
            _ => {}
        }
    }
    if rules.iter().any(|r| *r) {
        UnitState::Disabled
    } else if also {
        UnitState::Indirect
    } else {
        UnitState::Static
    }
}

/// Whether a directory entry name is a unit name (`ssh.service`, `getty@.service`).
fn is_unit_name(name: &str) -> bool {
    UNIT_SUFFIXES.iter().any(|s| {
        name.strip_suffix(s)
            .is_some_and(|stem| !stem.is_empty() && !stem.starts_with('.'))
    })
}

/// Whether a unit name is a template (`getty@.service`).
fn is_template(name: &str) -> bool {
    name.find('@')
        .is_some_and(|at| name.get(at + 1..).is_some_and(|rest| rest.starts_with('.')))
}

/// The template of an instance name: `getty@tty1.service` -> `getty@.service`.
fn template_of(name: &str) -> Option<String> {
    let at = name.find('@')?;
    let dot = name.rfind('.')?;
    let prefix = name.get(..at)?;
    let instance = name.get(at + 1..dot)?;
    let suffix = name.get(dot..)?;
    if prefix.is_empty() || instance.is_empty() {
        return None;
    }
    Some(format!("{prefix}@{suffix}"))
}

/// The host path of a real path inside the root.
fn host_path_of(root: &HostRoot, real: &Path) -> Option<String> {
    let rel = real.strip_prefix(root.base()).ok()?;
    Some(format!("/{}", rel.to_string_lossy()))
}

fn too_many_units() -> Fact<Units> {
    Fact::error(format!(
        "more than {MAX_UNITS} systemd units; unit states not collected"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::symlink;

    const WANTED: &str = "[Unit]\nDescription=x\n\n[Service]\nExecStart=/bin/true\n\n\
                          [Install]\nWantedBy=multi-user.target\n";
    const STATIC: &str = "[Unit]\nDescription=x\n\n[Service]\nExecStart=/bin/true\n";

    struct Host {
        dir: tempfile::TempDir,
    }

    impl Host {
        fn new() -> Host {
            Host {
                dir: tempfile::tempdir().unwrap(),
            }
        }
        fn file(&self, path: &str, body: &str) -> &Host {
            let p = self.dir.path().join(path.trim_start_matches('/'));
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, body).unwrap();
            self
        }
        fn link(&self, path: &str, target: &str) -> &Host {
            let p = self.dir.path().join(path.trim_start_matches('/'));
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            symlink(target, p).unwrap();
            self
        }
        fn units(&self) -> Units {
            let root = HostRoot::new(self.dir.path()).unwrap();
            match collect(&root) {
                Fact::Collected { value } => value,
                Fact::Error { reason, .. } => panic!("collector failed: {reason}"),
            }
        }
    }

    fn state(u: &Units, name: &str) -> Option<UnitState> {
        u.units.get(name).map(|u| u.state)
    }

    #[test]
    fn enabled_through_a_wants_link() {
        let h = Host::new();
        h.file("/lib/systemd/system/ssh.service", WANTED).link(
            "/etc/systemd/system/multi-user.target.wants/ssh.service",
            "/lib/systemd/system/ssh.service",
        );
        let u = h.units();
        let ssh = u.units.get("ssh.service").unwrap();
        assert_eq!(ssh.state, UnitState::Enabled);
        assert_eq!(
            ssh.fragment.as_deref(),
            Some("/lib/systemd/system/ssh.service")
        );
        assert_eq!(
            ssh.enabled_by,
            vec!["/etc/systemd/system/multi-user.target.wants/ssh.service"]
        );
    }

    #[test]
    fn disabled_static_and_indirect_from_install_section() {
        let h = Host::new();
        h.file("/lib/systemd/system/telnet.socket", WANTED)
            .file("/lib/systemd/system/journald.service", STATIC)
            .file(
                "/lib/systemd/system/empty-install.service",
                "[Service]\nExecStart=/x\n[Install]\n",
            )
            .file(
                "/lib/systemd/system/reset.service",
                "[Install]\nWantedBy=a.target\nWantedBy=\n",
            )
            .file(
                "/lib/systemd/system/cont.service",
                "[Install]\nWantedBy=\\\n  multi-user.target\n",
            )
            .file(
                "/lib/systemd/system/also.service",
                "[Install]\nAlso=other.socket\n",
            )
            .file(
                "/lib/systemd/system/notinstall.service",
                "[Service]\nWantedBy=foo.target\n",
            )
            // Vendor wants links do not enable.
            .link(
                "/lib/systemd/system/sockets.target.wants/journald.service",
                "../journald.service",
            );
        let u = h.units();
        assert_eq!(state(&u, "telnet.socket"), Some(UnitState::Disabled));
        assert_eq!(state(&u, "journald.service"), Some(UnitState::Static));
        assert_eq!(state(&u, "empty-install.service"), Some(UnitState::Static));
        assert_eq!(state(&u, "reset.service"), Some(UnitState::Static));
        assert_eq!(state(&u, "cont.service"), Some(UnitState::Disabled));
        assert_eq!(state(&u, "also.service"), Some(UnitState::Indirect));
        assert_eq!(state(&u, "notinstall.service"), Some(UnitState::Static));
        assert!(u.warnings.is_empty(), "{:?}", u.warnings);
    }

    #[test]
    fn masked_by_dev_null_or_empty_file() {
        let h = Host::new();
        h.file("/lib/systemd/system/telnet.socket", WANTED)
            .link("/etc/systemd/system/telnet.socket", "/dev/null")
            .link(
                "/etc/systemd/system/sockets.target.wants/telnet.socket",
                "/lib/systemd/system/telnet.socket",
            )
            .file("/lib/systemd/system/rsh.socket", WANTED)
            .file("/etc/systemd/system/rsh.socket", "");
        let u = h.units();
        let t = u.units.get("telnet.socket").unwrap();
        assert_eq!(t.state, UnitState::Masked);
        assert_eq!(
            t.fragment.as_deref(),
            Some("/etc/systemd/system/telnet.socket")
        );
        assert_eq!(state(&u, "rsh.socket"), Some(UnitState::Masked));
    }

    #[test]
    fn alias_records_the_target() {
        let h = Host::new();
        h.file("/lib/systemd/system/ssh.service", WANTED)
            .link(
                "/etc/systemd/system/sshd.service",
                "/lib/systemd/system/ssh.service",
            )
            // `systemctl link`-style same-name link is not an alias.
            .file("/opt/app/app.service", WANTED)
            .link("/etc/systemd/system/app.service", "/opt/app/app.service");
        let u = h.units();
        let a = u.units.get("sshd.service").unwrap();
        assert_eq!(a.state, UnitState::Alias);
        assert_eq!(
            a.fragment.as_deref(),
            Some("/lib/systemd/system/ssh.service")
        );
        assert_eq!(state(&u, "ssh.service"), Some(UnitState::Disabled));
        let app = u.units.get("app.service").unwrap();
        assert_eq!(app.state, UnitState::Disabled);
        assert_eq!(app.fragment.as_deref(), Some("/opt/app/app.service"));
    }

    #[test]
    fn template_instance_enabled_by_link() {
        let h = Host::new();
        h.file(
            "/lib/systemd/system/getty@.service",
            "[Install]\nWantedBy=getty.target\n",
        )
        .link(
            "/etc/systemd/system/getty.target.wants/getty@tty1.service",
            "/lib/systemd/system/getty@.service",
        );
        let u = h.units();
        let i = u.units.get("getty@tty1.service").unwrap();
        assert_eq!(i.state, UnitState::Enabled);
        assert_eq!(
            i.fragment.as_deref(),
            Some("/lib/systemd/system/getty@.service")
        );
        assert_eq!(
            i.enabled_by,
            vec!["/etc/systemd/system/getty.target.wants/getty@tty1.service"]
        );
        assert_eq!(state(&u, "getty@.service"), Some(UnitState::Enabled));
        assert_eq!(state(&u, "getty@tty2.service"), None);
    }

    #[test]
    fn etc_overrides_lib_and_merged_usr_is_read_once() {
        let h = Host::new();
        h.file("/usr/lib/systemd/system/foo.service", WANTED)
            .file("/etc/systemd/system/foo.service", STATIC)
            .file("/usr/lib/systemd/system/bar.service", WANTED)
            .link("/lib", "usr/lib");
        let u = h.units();
        let foo = u.units.get("foo.service").unwrap();
        assert_eq!(foo.state, UnitState::Static);
        assert_eq!(
            foo.fragment.as_deref(),
            Some("/etc/systemd/system/foo.service")
        );
        assert_eq!(
            u.units.get("bar.service").unwrap().fragment.as_deref(),
            Some("/usr/lib/systemd/system/bar.service")
        );
    }

    #[test]
    fn runtime_links_enable_and_dangling_entries_warn() {
        let h = Host::new();
        h.file("/lib/systemd/system/a.service", WANTED)
            .link(
                "/run/systemd/system/multi-user.target.wants/a.service",
                "/lib/systemd/system/a.service",
            )
            .link("/etc/systemd/system/gone.service", "/nowhere/gone.service")
            .link(
                "/etc/systemd/system/multi-user.target.wants/ghost.service",
                "/nowhere/ghost.service",
            );
        let u = h.units();
        assert_eq!(state(&u, "a.service"), Some(UnitState::Enabled));
        assert_eq!(state(&u, "gone.service"), None);
        assert_eq!(state(&u, "ghost.service"), None);
        assert_eq!(u.warnings.len(), 2, "{:?}", u.warnings);
    }

    #[test]
    fn unreadable_unit_file_is_left_out_unless_enabled() {
        let h = Host::new();
        h.file("/lib/systemd/system/big.service", WANTED)
            .file("/lib/systemd/system/on.service", WANTED)
            .link(
                "/etc/systemd/system/multi-user.target.wants/on.service",
                "/lib/systemd/system/on.service",
            );
        let root = HostRoot::new(h.dir.path()).unwrap().with_read_cap(8);
        let u = match collect(&root) {
            Fact::Collected { value } => value,
            Fact::Error { reason, .. } => panic!("{reason}"),
        };
        assert_eq!(state(&u, "big.service"), None);
        assert_eq!(state(&u, "on.service"), Some(UnitState::Enabled));
        assert_eq!(u.warnings.len(), 1);
        assert!(u.warnings[0].contains("big.service"));
    }

    #[test]
    fn many_non_unit_entries_do_not_hide_enabling_links() {
        let h = Host::new();
        h.file("/lib/systemd/system/auditd.service", WANTED).link(
            "/etc/systemd/system/multi-user.target.wants/auditd.service",
            "/lib/systemd/system/auditd.service",
        );
        // 10,000 entries that are neither units nor link directories (drop-in leftovers,
        // backups): the listing limit counts only the names that matter.
        let d = h.dir.path().join("etc/systemd/system");
        for i in 0..crate::host_root::MAX_DIR_ENTRIES {
            fs::write(d.join(format!("a{i:05}.bak")), "").unwrap();
        }
        let u = h.units();
        assert_eq!(state(&u, "auditd.service"), Some(UnitState::Enabled));
    }

    #[test]
    fn too_many_units_in_a_directory_is_an_error() {
        let h = Host::new();
        h.file("/lib/systemd/system/a.service", WANTED);
        let d = h
            .dir
            .path()
            .join("etc/systemd/system/multi-user.target.wants");
        fs::create_dir_all(&d).unwrap();
        for i in 0..=crate::host_root::MAX_DIR_ENTRIES {
            fs::write(d.join(format!("u{i:05}.service")), WANTED).unwrap();
        }
        let root = HostRoot::new(h.dir.path()).unwrap();
        match collect(&root) {
            Fact::Error { reason, .. } => {
                assert!(reason.contains("multi-user.target.wants"), "{reason}")
            }
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn no_unit_directories_is_an_error() {
        let h = Host::new();
        h.file("/etc/hostname", "x\n");
        let root = HostRoot::new(h.dir.path()).unwrap();
        match collect(&root) {
            Fact::Error { reason, .. } => assert!(reason.contains("no systemd unit directories")),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn names() {
        assert!(is_unit_name("ssh.service"));
        assert!(is_unit_name("getty@.service"));
        assert!(!is_unit_name("multi-user.target.wants"));
        assert!(!is_unit_name(".service"));
        assert!(!is_unit_name("ssh.service.d"));
        assert_eq!(
            template_of("getty@tty1.service").as_deref(),
            Some("getty@.service")
        );
        assert_eq!(template_of("getty@.service"), None);
        assert_eq!(template_of("ssh.service"), None);
        assert!(is_template("getty@.service"));
        assert!(!is_template("getty@tty1.service"));
    }
}
