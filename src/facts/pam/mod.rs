//! PAM configuration, read as Linux-PAM 1.5 (libpam's `pam_handlers.c`) reads it, with the
//! configuration files of the modules Ward judges (libpwquality, pam_faillock, pam_unix).
//!
//! Whether a password rule or a lockout applies is not a matter of a line being present in
//! `common-password`: it depends on which file libpam opens for a service, what it
//! includes, how each line's control decides what runs next, and which settings the module
//! itself reads. The collector keeps every service file and included file as libpam splits
//! them into lines and tokens ([`file`]); [`stack`] builds a service's stack and follows
//! its control flow; [`settings`] gives a module line its effective settings.
//!
//! Files: every entry of `/etc/pam.d` and `/usr/lib/pam.d` (a name in `/etc/pam.d` wins),
//! `/etc/pam.conf` only when neither directory exists (libpam's rule), and files that
//! `include`/`substack`/`@include` name by absolute path. Module files are looked up in the
//! usual module directories so a line naming a module that is not installed is known to
//! fail. Module settings: `/etc/security/pwquality.conf` and its `.d` drop-ins,
//! `/etc/security/faillock.conf` (and any file a `conf=` argument names), and
//! `ENCRYPT_METHOD` of `/etc/login.defs` (pam_unix's default hash).
//!
//! Nothing secret is kept: module arguments whose name suggests a secret (`passwd=`,
//! `password=`, `secret=`, `bindpw=`, `key=`, `token=`) are stored as `NAME=(withheld)`.

pub mod file;
pub mod settings;
pub mod stack;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Fact;
use crate::host_root::{FileKind, HostRoot};

pub use file::{PamFile, PamLine};
pub use settings::{ConfFile, Setting};

/// Where libpam looks for a service's file, in order.
pub const DIRS: [&str; 2] = ["/etc/pam.d", "/usr/lib/pam.d"];
/// The single-file configuration, read only when neither directory exists.
pub const PAM_CONF: &str = "/etc/pam.conf";
/// libpwquality's configuration file; its drop-ins are `<file>.d/*.conf`.
pub const PWQUALITY_CONF: &str = "/etc/security/pwquality.conf";
/// pam_faillock's default configuration file.
pub const FAILLOCK_CONF: &str = "/etc/security/faillock.conf";
/// pam_pwhistory's default configuration file (Linux-PAM 1.5.3 and later).
pub const PWHISTORY_CONF: &str = "/etc/security/pwhistory.conf";
/// Where pam_unix reads ENCRYPT_METHOD.
pub const LOGIN_DEFS: &str = "/etc/login.defs";

/// Directories libpam is built to load modules from on the families Ward knows
/// (Debian's multiarch directories are found by listing `/lib` and `/usr/lib`).
const MODULE_DIRS: [&str; 4] = [
    "/usr/lib64/security",
    "/lib64/security",
    "/usr/lib/security",
    "/lib/security",
];

/// How deep includes may nest before Ward stops following them (libpam allows 16 levels
/// of substacks and follows includes without a limit).
pub const MAX_INCLUDE_DEPTH: usize = 32;

/// The PAM configuration of a host.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pam {
    /// Which of [`DIRS`] exist as directories.
    pub dirs: Vec<String>,
    /// True when neither directory exists and libpam reads `/etc/pam.conf`.
    pub uses_pam_conf: bool,
    /// Every configuration file read, by host path. A file that could not be read has
    /// its error; a file that is absent is not listed.
    pub files: BTreeMap<String, PamFile>,
    /// The module directory found (the one holding `pam_unix.so` or `pam_permit.so`);
    /// `None` when none was found, and then module files are not judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module_dir: Option<String>,
    /// Modules named by the configuration (as written) and whether their file exists.
    pub modules: BTreeMap<String, bool>,
    /// libpwquality's configuration as read: drop-ins in name order, then the main file.
    pub pwquality: Vec<ConfFile>,
    /// pam_faillock configuration files by path (the default one and any `conf=`).
    pub faillock: BTreeMap<String, ConfFile>,
    /// Whether the installed pam_pwhistory reads `pwhistory.conf` (Linux-PAM 1.5.3 and later,
    /// and RHEL 9's backport): decided from the module file itself, which names the file
    /// only when it reads it. `None` when the module file was not found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pwhistory_reads_conf: Option<bool>,
    /// pam_pwhistory configuration files by path (the default one and any `conf=`), read
    /// only when the module reads one.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pwhistory: BTreeMap<String, ConfFile>,
    /// `ENCRYPT_METHOD` of `/etc/login.defs` as pam_unix reads it (first occurrence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypt_method: Option<Setting>,
    /// Why `/etc/login.defs` could not be read, if it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_defs_error: Option<String>,
}

impl Pam {
    /// The host path libpam opens for a service or include name, if any: an absolute name
    /// as it is, otherwise the first of [`DIRS`] holding the name.
    pub fn locate(&self, name: &str) -> Option<&str> {
        if name.starts_with('/') {
            return self.files.get_key_value(name).map(|(k, _)| k.as_str());
        }
        DIRS.iter().find_map(|d| {
            self.files
                .get_key_value(&format!("{d}/{name}"))
                .map(|(k, _)| k.as_str())
        })
    }

    /// Whether a module named on a line is installed: `Some(false)` only when the module
    /// directory is known and the file is not in it.
    pub fn module_installed(&self, module: &str) -> Option<bool> {
        self.modules
            .get(module)
            .copied()
            .filter(|_| self.module_dir.is_some())
    }
}

/// Collect the PAM configuration under `root`.
pub fn collect(root: &HostRoot) -> Fact<Pam> {
    let mut out = Pam::default();
    for dir in DIRS {
        match root.metadata(dir) {
            Ok(m) if m.kind == FileKind::Directory => {}
            Ok(_) => continue,
            Err(e) if e.is_not_found() => continue,
            Err(e) => return Fact::from_read_error(&e),
        }
        out.dirs.push(dir.to_string());
        let entries = match root.read_dir(dir) {
            Ok(e) => e,
            Err(e) => return Fact::from_read_error(&e),
        };
        for entry in entries {
            let Some(name) = entry.name_str() else {
                // libpam opens services by name; a name that is not UTF-8 is no service
                // Ward judges, and nothing includes it by a name Ward could write.
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            let path = format!("{dir}/{name}");
            read_into(root, &path, &mut out.files);
        }
    }
    if out.dirs.is_empty() {
        out.uses_pam_conf = true;
        read_into(root, PAM_CONF, &mut out.files);
    }
    // Absolute include targets, followed until no new file appears.
    let mut depth = 0;
    loop {
        let wanted: Vec<String> = out
            .files
            .values()
            .flat_map(|f| f.lines.iter())
            .filter_map(|l| l.include_target())
            .filter(|t| t.starts_with('/') && !out.files.contains_key(*t))
            .map(str::to_string)
            .collect();
        if wanted.is_empty() || depth >= MAX_INCLUDE_DEPTH {
            break;
        }
        for path in wanted {
            read_into(root, &path, &mut out.files);
            // A missing absolute include is recorded as absent so it is not tried again.
            out.files.entry(path).or_insert_with(PamFile::absent);
        }
        depth += 1;
    }
    out.module_dir = find_module_dir(root);
    let names: Vec<String> = out
        .files
        .values()
        .flat_map(|f| f.lines.iter())
        .filter_map(|l| l.module.clone())
        .collect();
    for name in names {
        if out.modules.contains_key(&name) {
            continue;
        }
        let installed = match &out.module_dir {
            Some(dir) if !name.starts_with('/') => root.exists(format!("{dir}/{name}")),
            _ => root.exists(&name),
        };
        out.modules.insert(name, installed);
    }
    out.pwquality = settings::read_pwquality(root, PWQUALITY_CONF);
    let mut faillock_paths = vec![FAILLOCK_CONF.to_string()];
    for line in out.files.values().flat_map(|f| f.lines.iter()) {
        if line.module_name().as_deref() == Some("pam_faillock") {
            for a in &line.args {
                if let Some(p) = a.strip_prefix("conf=") {
                    faillock_paths.push(p.to_string());
                }
            }
        }
    }
    for p in faillock_paths {
        let is_default = p == FAILLOCK_CONF;
        if let std::collections::btree_map::Entry::Vacant(slot) = out.faillock.entry(p) {
            let f = settings::read_faillock(root, slot.key(), is_default);
            slot.insert(f);
        }
    }
    out.pwhistory_reads_conf = out
        .module_dir
        .as_ref()
        .and_then(|dir| module_reads(root, &format!("{dir}/pam_pwhistory.so"), b"pwhistory.conf"));
    if out.pwhistory_reads_conf == Some(true) {
        let mut paths = vec![PWHISTORY_CONF.to_string()];
        for line in out.files.values().flat_map(|f| f.lines.iter()) {
            if line.module_name().as_deref() == Some("pam_pwhistory") {
                if let Some(p) = line
                    .args
                    .iter()
                    .filter_map(|a| a.strip_prefix("conf="))
                    .next_back()
                {
                    paths.push(p.to_string());
                }
            }
        }
        for p in paths {
            if let std::collections::btree_map::Entry::Vacant(slot) = out.pwhistory.entry(p) {
                let f = settings::read_pwhistory(root, slot.key());
                slot.insert(f);
            }
        }
    }
    match settings::search_key(root, LOGIN_DEFS, "ENCRYPT_METHOD") {
        Ok(v) => out.encrypt_method = v,
        Err(e) if e.is_not_found() => {}
        Err(e) => out.login_defs_error = Some(e.to_string()),
    }
    Fact::Collected { value: out }
}

/// Whether a module file holds `needle` (a configuration file name it opens): `None` when
/// the file cannot be read. Module files are tens of kilobytes.
fn module_reads(root: &HostRoot, path: &str, needle: &[u8]) -> Option<bool> {
    let bytes = root.read(path).ok()?;
    Some(memchr::memmem::find(&bytes, needle).is_some())
}

fn read_into(root: &HostRoot, path: &str, files: &mut BTreeMap<String, PamFile>) {
    match root.read(path) {
        Ok(bytes) => {
            files.insert(path.to_string(), file::parse(path, &bytes));
        }
        Err(e) if e.is_not_found() => {}
        Err(e) => {
            files.insert(path.to_string(), PamFile::unreadable(e.to_string()));
        }
    }
}

/// The directory libpam loads modules from: the first candidate holding `pam_unix.so` or
/// `pam_permit.so`, Debian's multiarch directories (`/lib/<triplet>/security`,
/// `/usr/lib/<triplet>/security`) included.
fn find_module_dir(root: &HostRoot) -> Option<String> {
    let mut candidates: Vec<String> = Vec::new();
    for base in ["/usr/lib", "/lib"] {
        if let Ok(entries) = root.read_dir_matching(base, |n| {
            n.to_str()
                .is_some_and(|n| n.contains("-linux-") || n.ends_with("-linux"))
        }) {
            for e in entries {
                if let Some(n) = e.name_str() {
                    candidates.push(format!("{base}/{n}/security"));
                }
            }
        }
    }
    candidates.extend(MODULE_DIRS.iter().map(|s| s.to_string()));
    candidates.into_iter().find(|d| {
        root.exists(format!("{d}/pam_unix.so")) || root.exists(format!("{d}/pam_permit.so"))
    })
}
