//! OpenRC services (Alpine): which init scripts start at boot, and on the live host which
//! have been started.
//!
//! OpenRC has no unit files: a service is an executable script in `/etc/init.d`, and it
//! starts at boot when its name is an entry of a runlevel directory under `/etc/runlevels`
//! (`rc-update add chronyd default` creates `/etc/runlevels/default/chronyd ->
//! /etc/init.d/chronyd`). The runlevels a booting system passes through are `sysinit`,
//! `boot` and `default`; an entry in any of them makes the service enabled. A runlevel may
//! stack another (`rc-update -s add`, an entry that resolves to a runlevel directory): its
//! entries count for the stacking level. An entry whose script does not exist (a dangling
//! link) starts nothing: it is left out with a warning, never counted as enabled.
//!
//! The collector fails when `/etc/runlevels` does not exist or no OpenRC program
//! (`/sbin/openrc`, `/sbin/openrc-run`, `/usr/sbin/openrc`) is installed: the host is then
//! not an OpenRC host and service probes use systemd instead. A runlevel directory that
//! exists but cannot be listed fails the collector (a missing entry would read as "not
//! enabled").
//!
//! On the live host the services OpenRC has started are the entries of its state directory's
//! `started/` folder (`/run/openrc/started`, `/lib/rc/init.d/started` on old releases).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::Fact;
use crate::host_root::{FileKind, HostRoot, ReadError};

/// Where the runlevel directories live.
pub const RUNLEVELS: &str = "/etc/runlevels";
/// Where the init scripts live.
pub const INIT_D: &str = "/etc/init.d";
/// The runlevels a normal boot passes through.
pub const BOOT_RUNLEVELS: [&str; 3] = ["sysinit", "boot", "default"];
/// OpenRC's programs; one must exist for the host to be an OpenRC host.
pub const PROGRAMS: [&str; 3] = ["/sbin/openrc", "/sbin/openrc-run", "/usr/sbin/openrc"];
/// Where a running OpenRC records started services, newest layout first.
pub const STARTED_DIRS: [&str; 2] = ["/run/openrc/started", "/lib/rc/init.d/started"];

/// OpenRC services of a host.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OpenRc {
    /// Names of the init scripts in `/etc/init.d`.
    pub scripts: BTreeSet<String>,
    /// Services started at boot, each with the runlevel entries (host paths) that start it.
    pub enabled: BTreeMap<String, Vec<String>>,
    /// Entries left out (dangling links, unreadable entries), with their path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Services started now, with the state entry that shows it (live host only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live: Option<Fact<BTreeMap<String, String>>>,
}

/// Collect OpenRC runlevel membership.
pub fn collect(root: &HostRoot) -> Fact<OpenRc> {
    if !PROGRAMS.iter().any(|p| root.exists(p)) {
        return Fact::error(format!(
            "OpenRC is not installed ({} not found); not an OpenRC host",
            PROGRAMS.join(", ")
        ));
    }
    match root.metadata(RUNLEVELS) {
        Ok(m) if m.kind == FileKind::Directory => {}
        Ok(_) => return Fact::error(format!("{RUNLEVELS}: not a directory")),
        Err(e) => return Fact::from_read_error(&e),
    }
    let mut out = OpenRc::default();
    match root.read_dir(INIT_D) {
        Ok(entries) => {
            out.scripts = entries
                .iter()
                .filter(|e| matches!(e.kind, FileKind::File | FileKind::Symlink))
                .filter_map(|e| e.name_str().map(str::to_string))
                .collect();
        }
        Err(ReadError::NotFound { .. }) => {}
        Err(e) => return Fact::from_read_error(&e),
    }
    for level in BOOT_RUNLEVELS {
        let mut visited = BTreeSet::new();
        if let Err(e) = read_level(root, level, &mut visited, &mut out) {
            return Fact::from_read_error(&e);
        }
    }
    for v in out.enabled.values_mut() {
        v.sort();
        v.dedup();
    }
    if root.is_live() {
        out.live = Some(started(root));
    }
    Fact::Collected { value: out }
}

/// Add the entries of one runlevel (and the levels it stacks) to `out.enabled`.
fn read_level(
    root: &HostRoot,
    level: &str,
    visited: &mut BTreeSet<String>,
    out: &mut OpenRc,
) -> Result<(), ReadError> {
    if !visited.insert(level.to_string()) {
        return Ok(());
    }
    let dir = format!("{RUNLEVELS}/{level}");
    let entries = match root.read_dir(&dir) {
        Ok(e) => e,
        Err(ReadError::NotFound { .. }) => return Ok(()),
        Err(e) => return Err(e),
    };
    for e in entries {
        let Some(name) = e.name_str() else {
            out.warnings
                .push(format!("{}: name is not UTF-8; ignored", e.display_path()));
            continue;
        };
        match root.metadata(&e.path) {
            Ok(m) if m.kind == FileKind::Directory => {
                // A stacked runlevel: its services start with this one.
                read_level(root, name, visited, out)?;
            }
            Ok(_) => {
                if out.scripts.contains(name) {
                    out.enabled
                        .entry(name.to_string())
                        .or_default()
                        .push(e.display_path());
                } else {
                    out.warnings.push(format!(
                        "{}: no init script {INIT_D}/{name}; starts nothing, not counted",
                        e.display_path()
                    ));
                }
            }
            Err(ReadError::NotFound { .. }) => out.warnings.push(format!(
                "{}: dangling link; starts nothing, not counted",
                e.display_path()
            )),
            Err(err) => return Err(err),
        }
    }
    Ok(())
}

/// The services a running OpenRC has started.
pub fn started(root: &HostRoot) -> Fact<BTreeMap<String, String>> {
    for dir in STARTED_DIRS {
        match root.read_dir(dir) {
            Ok(entries) => {
                return Fact::Collected {
                    value: entries
                        .iter()
                        .filter_map(|e| e.name_str().map(|n| (n.to_string(), e.display_path())))
                        .collect(),
                }
            }
            Err(ReadError::NotFound { .. }) => continue,
            Err(e) => return Fact::from_read_error(&e),
        }
    }
    Fact::error(format!(
        "{}: not found; OpenRC is not running, started services unknown",
        STARTED_DIRS.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::symlink;

    fn host() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for p in [
            "sbin",
            "etc/init.d",
            "etc/runlevels/default",
            "etc/runlevels/boot",
        ] {
            fs::create_dir_all(d.path().join(p)).unwrap();
        }
        fs::write(d.path().join("sbin/openrc-run"), "x").unwrap();
        for s in ["chronyd", "crond", "sshd"] {
            fs::write(d.path().join("etc/init.d").join(s), "#!/sbin/openrc-run\n").unwrap();
        }
        d
    }

    #[test]
    fn runlevel_links_enable_services() {
        let d = host();
        let rl = d.path().join("etc/runlevels");
        symlink("/etc/init.d/chronyd", rl.join("default/chronyd")).unwrap();
        symlink("/etc/init.d/crond", rl.join("boot/crond")).unwrap();
        symlink("/etc/init.d/gone", rl.join("default/gone")).unwrap();
        let f = collect(&HostRoot::new(d.path()).unwrap());
        let v = f.value().unwrap();
        assert!(v.enabled.contains_key("chronyd"));
        assert!(v.enabled.contains_key("crond"));
        assert!(!v.enabled.contains_key("sshd"));
        assert!(!v.enabled.contains_key("gone"));
        assert!(v.warnings.iter().any(|w| w.contains("gone")), "{v:?}");
        assert!(v.live.is_none());
    }

    #[test]
    fn stacked_runlevels_count_and_loops_end() {
        let d = host();
        let rl = d.path().join("etc/runlevels");
        fs::create_dir_all(rl.join("extra")).unwrap();
        symlink("/etc/init.d/sshd", rl.join("extra/sshd")).unwrap();
        symlink("../extra", rl.join("default/extra")).unwrap();
        symlink("../default", rl.join("extra/default")).unwrap();
        let f = collect(&HostRoot::new(d.path()).unwrap());
        assert!(f.value().unwrap().enabled.contains_key("sshd"));
    }

    #[test]
    fn not_an_openrc_host_is_an_error() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join("etc/runlevels")).unwrap();
        assert!(collect(&HostRoot::new(d.path()).unwrap()).value().is_none());
        let d = host();
        fs::remove_dir_all(d.path().join("etc/runlevels")).unwrap();
        assert!(collect(&HostRoot::new(d.path()).unwrap()).value().is_none());
    }

    #[test]
    fn started_services_are_read_from_the_state_directory() {
        let d = host();
        fs::create_dir_all(d.path().join("run/openrc/started")).unwrap();
        symlink(
            "/etc/init.d/crond",
            d.path().join("run/openrc/started/crond"),
        )
        .unwrap();
        let s = started(&HostRoot::new(d.path()).unwrap());
        assert!(s.value().unwrap().contains_key("crond"));
        fs::remove_dir_all(d.path().join("run/openrc")).unwrap();
        assert!(started(&HostRoot::new(d.path()).unwrap()).value().is_none());
    }
}
