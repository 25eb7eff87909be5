//! systemd's own daemon configuration files (`coredump.conf`, `journald.conf`,
//! `logind.conf`, `timesyncd.conf`), read as systemd 252's `config_parse_config_file` reads
//! them, so a check judges the value the daemon uses rather than one line of one file.
//!
//! For `NAME`: the main file `/etc/systemd/NAME` first, then the drop-ins `*.conf` of
//! `/etc/systemd/NAME.d`, `/run/systemd/NAME.d`, `/usr/local/lib/systemd/NAME.d`,
//! `/usr/lib/systemd/NAME.d` and `/lib/systemd/NAME.d`: a drop-in name in an earlier
//! directory hides the same name later (a link to `/dev/null` or an empty file hides it
//! and sets nothing), and the drop-ins are applied in file-name order whatever their
//! directory. The later assignment of a key wins. Lines are read with the unit-file parser
//! ([`super::systemd::unit_settings`]): `[Section]` headers, `#`/`;` comments, backslash
//! continuation. These files hold no secrets; every assignment is kept with its origin.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Fact, Origin};
use crate::host_root::{FileKind, HostRoot};

/// The files collected, by name under `/etc/systemd`.
pub const FILES: [&str; 5] = crate::vocab::SYSTEMD_CONF_FILES;

/// Drop-in directories, in precedence order, as `format!("{dir}/{name}.d")`.
const DROPIN_BASES: [&str; 5] = [
    "/etc/systemd",
    "/run/systemd",
    "/usr/local/lib/systemd",
    "/usr/lib/systemd",
    "/lib/systemd",
];

/// One assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub section: String,
    pub key: String,
    pub value: String,
    pub origin: Origin,
}

/// One configuration file with its drop-ins.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfFile {
    /// Files applied, in order.
    pub read: Vec<String>,
    /// Drop-ins hidden by a same-named one earlier in the search path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hidden: Vec<String>,
    /// Every assignment, in the order applied.
    pub assignments: Vec<Assignment>,
}

impl ConfFile {
    /// The effective value of `section.key`: the last assignment (an empty value resets
    /// the key to its default, so it counts as unset).
    pub fn effective(&self, section: &str, key: &str) -> Option<&Assignment> {
        let last = self
            .assignments
            .iter()
            .rev()
            .find(|a| a.section == section && a.key == key)?;
        (!last.value.is_empty()).then_some(last)
    }
}

/// The daemon configuration files of a host, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemdConf {
    pub files: BTreeMap<String, ConfFile>,
}

/// Collect every file of [`FILES`].
pub fn collect(root: &HostRoot) -> Fact<SystemdConf> {
    let mut out = SystemdConf::default();
    for name in FILES {
        match collect_one(root, name) {
            Ok(f) => {
                out.files.insert(name.to_string(), f);
            }
            Err(e) => return Fact::from_read_error(&e),
        }
    }
    Fact::Collected { value: out }
}

fn collect_one(root: &HostRoot, name: &str) -> Result<ConfFile, crate::host_root::ReadError> {
    let mut out = ConfFile::default();
    let main = format!("/etc/systemd/{name}");
    read_into(root, &main, &mut out)?;
    // name -> path: the first directory holding a name wins.
    let mut chosen: BTreeMap<String, String> = BTreeMap::new();
    for base in DROPIN_BASES {
        let dir = format!("{base}/{name}.d");
        let entries = match root.read_dir_matching(&dir, |n| {
            n.to_str()
                .is_some_and(|n| n.ends_with(".conf") && !n.starts_with('.'))
        }) {
            Ok(e) => e,
            Err(e) if e.is_not_found() => continue,
            Err(e) => return Err(e),
        };
        for e in entries {
            let Some(n) = e.name_str() else { continue };
            let path = format!("{dir}/{n}");
            if chosen.contains_key(n) {
                out.hidden.push(path);
            } else {
                chosen.insert(n.to_string(), path);
            }
        }
    }
    for path in chosen.values() {
        // A link to /dev/null (or anything that is not a regular file) masks the name.
        if root.read_link(path).is_ok_and(|t| t == "/dev/null") {
            continue;
        }
        match root.metadata(path) {
            Ok(m) if m.kind == FileKind::File => read_into(root, path, &mut out)?,
            _ => continue,
        }
    }
    Ok(out)
}

fn read_into(
    root: &HostRoot,
    path: &str,
    out: &mut ConfFile,
) -> Result<(), crate::host_root::ReadError> {
    let text = match root.read_lossy(path) {
        Ok(t) => t,
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(e),
    };
    out.read.push(path.to_string());
    for s in super::systemd::unit_settings(&text) {
        out.assignments.push(Assignment {
            section: s.section,
            key: s.key,
            value: s.value,
            origin: Origin::at(path.to_string(), s.line),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drop_ins_override_in_name_order_and_hide_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let w = |p: &str, t: &str| {
            let p = dir.path().join(p.trim_start_matches('/'));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, t).unwrap();
        };
        w(
            "/etc/systemd/coredump.conf",
            "[Coredump]\nStorage=external\n",
        );
        w(
            "/usr/lib/systemd/coredump.conf.d/50-vendor.conf",
            "[Coredump]\nStorage=journal\nProcessSizeMax=2G\n",
        );
        w(
            "/etc/systemd/coredump.conf.d/10-local.conf",
            "[Coredump]\nStorage=none\n",
        );
        w(
            "/etc/systemd/coredump.conf.d/60-size.conf",
            "[Coredump]\nProcessSizeMax=0\n",
        );
        w(
            "/usr/lib/systemd/coredump.conf.d/60-size.conf",
            "[Coredump]\nProcessSizeMax=8G\n",
        );
        let root = HostRoot::new(dir.path()).unwrap();
        let f = collect_one(&root, "coredump.conf").unwrap();
        // 10-local, 50-vendor, 60-size (the /etc one): the vendor drop-in sorts after
        // the local one and wins for Storage.
        assert_eq!(f.effective("Coredump", "Storage").unwrap().value, "journal");
        assert_eq!(
            f.effective("Coredump", "ProcessSizeMax").unwrap().value,
            "0"
        );
        assert_eq!(f.hidden.len(), 1);
    }
}
