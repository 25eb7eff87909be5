//! Fixture hosts: small fake roots built in a temporary directory, the one way Ward's
//! self-test (`ward controls test`), its integration tests and its benchmarks make a host.
//!
//! A host comes from a catalogue fixture (YAML: files, modes, owners, symlinks, `extends`)
//! or from a directory tree with `<tree>.modes` and `<tree>.owners` manifests beside it
//! (git keeps neither owners nor most modes). Owners are applied for real when running as
//! root; otherwise they are recorded and served by the [`HostRoot`] this host opens, so a
//! check that looks at ownership runs for any user and sees the same owners.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::catalogue::fixtures::{parse_owner, Fixture, FixtureError};
use crate::catalogue::test::parse_mode;
use crate::catalogue::Catalogue;
use crate::host_root::{HostRoot, ReadError};

/// A built fixture host; the directory is removed when this is dropped.
#[derive(Debug)]
pub struct FixtureHost {
    dir: tempfile::TempDir,
    /// Host path to (uid, gid) that could not be applied for real.
    owners: BTreeMap<String, (u32, u32)>,
    /// Live-only collectors simulated from the fixture's own `/proc` files.
    live: Vec<String>,
}

impl FixtureHost {
    /// Build a catalogue fixture (with what it extends).
    pub fn from_fixture(catalogue: &Catalogue, name: &str) -> Result<FixtureHost, FixtureError> {
        let fixture = Fixture::resolved(name, &catalogue.fixtures)?;
        let dir = tempdir(name)?;
        let is_root = crate::facts::current_uid() == 0;
        fixture.materialise(name, dir.path(), is_root)?;
        let mut owners = BTreeMap::new();
        if !is_root {
            // As on a real image, whatever the fixture does not give an owner is root's.
            for entry in walkdir::WalkDir::new(dir.path()).min_depth(1) {
                let entry = entry.map_err(|e| FixtureError::Invalid {
                    name: name.to_string(),
                    message: e.to_string(),
                })?;
                let rel = entry
                    .path()
                    .strip_prefix(dir.path())
                    .unwrap_or(entry.path());
                owners.insert(format!("/{}", rel.to_string_lossy()), (0, 0));
            }
            for (p, o) in &fixture.owners {
                let ids = parse_owner(o).ok_or_else(|| FixtureError::Invalid {
                    name: name.to_string(),
                    message: format!("owner {o:?} of {p} is not `uid:gid`"),
                })?;
                owners.insert(p.clone(), ids);
            }
        }
        Ok(FixtureHost {
            dir,
            owners,
            live: fixture.live.clone(),
        })
    }

    /// Copy a directory tree into a fresh host, then apply `<tree>.modes` (lines of
    /// `MODE PATH`; files default to 0644, directories to 0755) and `<tree>.owners` (lines
    /// of `UID:GID PATH`; everything else is owned by 0:0).
    pub fn from_tree(src: &Path) -> Result<FixtureHost, FixtureError> {
        let name = src
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let err = |path: &Path, e: std::io::Error| FixtureError::Io {
            name: name.clone(),
            path: path.display().to_string(),
            source: e,
        };
        let dir = tempdir(&name)?;
        let mut all = Vec::new();
        for entry in walkdir::WalkDir::new(src).min_depth(1).sort_by_file_name() {
            let entry = entry.map_err(|e| FixtureError::Invalid {
                name: name.clone(),
                message: e.to_string(),
            })?;
            let rel = entry.path().strip_prefix(src).unwrap_or(entry.path());
            let to = dir.path().join(rel);
            let ft = entry.file_type();
            if ft.is_dir() {
                fs::create_dir_all(&to).map_err(|e| err(&to, e))?;
                fs::set_permissions(&to, fs::Permissions::from_mode(0o755))
                    .map_err(|e| err(&to, e))?;
            } else if ft.is_symlink() {
                let target = fs::read_link(entry.path()).map_err(|e| err(entry.path(), e))?;
                std::os::unix::fs::symlink(target, &to).map_err(|e| err(&to, e))?;
            } else {
                fs::copy(entry.path(), &to).map_err(|e| err(&to, e))?;
                fs::set_permissions(&to, fs::Permissions::from_mode(0o644))
                    .map_err(|e| err(&to, e))?;
            }
            all.push(format!("/{}", rel.to_string_lossy()));
        }
        let manifest = |ext: &str| -> Result<Vec<(String, String)>, FixtureError> {
            let path = sibling(src, ext);
            let text = match fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
                Err(e) => return Err(err(&path, e)),
            };
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(|l| {
                    l.split_once(char::is_whitespace)
                        .map(|(a, b)| (a.to_string(), b.trim().to_string()))
                        .ok_or_else(|| FixtureError::Invalid {
                            name: name.clone(),
                            message: format!("{}: malformed line {l:?}", path.display()),
                        })
                })
                .collect()
        };
        let modes = manifest("modes")?;
        let apply_modes = |dir: &Path| -> Result<(), FixtureError> {
            for (mode, p) in &modes {
                let m = parse_mode(mode).ok_or_else(|| FixtureError::Invalid {
                    name: name.clone(),
                    message: format!("mode {mode:?} of {p} is not octal"),
                })?;
                let real = dir.join(p.trim_start_matches('/'));
                fs::set_permissions(&real, fs::Permissions::from_mode(m))
                    .map_err(|e| err(&real, e))?;
            }
            Ok(())
        };
        apply_modes(dir.path())?;
        // Every path is root's unless the manifest says otherwise, as on a real image.
        let mut owners: BTreeMap<String, (u32, u32)> =
            all.into_iter().map(|p| (p, (0, 0))).collect();
        for (o, p) in manifest("owners")? {
            let ids = parse_owner(&o).ok_or_else(|| FixtureError::Invalid {
                name: name.clone(),
                message: format!("owner {o:?} of {p} is not `uid:gid`"),
            })?;
            owners.insert(p, ids);
        }
        let mut host = FixtureHost {
            dir,
            owners: BTreeMap::new(),
            live: Vec::new(),
        };
        if crate::facts::current_uid() == 0 {
            for (p, (uid, gid)) in &owners {
                let real = host.dir.path().join(p.trim_start_matches('/'));
                std::os::unix::fs::lchown(&real, Some(*uid), Some(*gid))
                    .map_err(|e| err(&real, e))?;
            }
            // Again: chown clears the set-user-ID and set-group-ID bits.
            apply_modes(host.dir.path())?;
        } else {
            host.owners = owners;
        }
        Ok(host)
    }

    /// The directory holding the host.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A [`HostRoot`] over this host, serving the recorded owners when they could not be
    /// applied for real.
    pub fn root(&self) -> Result<HostRoot, ReadError> {
        Ok(HostRoot::new(self.dir.path())?
            .with_owners(self.owners.clone())
            .with_simulated_live(self.live.clone()))
    }

    /// Owners served by [`FixtureHost::root`] instead of the file system's (empty as root).
    pub fn recorded_owners(&self) -> &BTreeMap<String, (u32, u32)> {
        &self.owners
    }
}

fn tempdir(name: &str) -> Result<tempfile::TempDir, FixtureError> {
    tempfile::Builder::new()
        .prefix("ward-fixture-")
        .tempdir()
        .map_err(|source| FixtureError::Io {
            name: name.to_string(),
            path: std::env::temp_dir().display().to_string(),
            source,
        })
}

fn sibling(src: &Path, ext: &str) -> PathBuf {
    let mut s = src.as_os_str().to_os_string();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}
