//! Fixtures: small fake hosts, written in YAML, that every check is proven against.
//!
//! A fixture lists files (host path to contents), their modes and owners, symlinks and
//! directories, and may extend other fixtures (later entries win). `ward controls test`
//! materialises each fixture into a temporary directory, collects facts from it as a
//! [`HostRoot`](crate::host_root::HostRoot) and checks that each check passes on its `pass`
//! fixtures and fails on its `fail` fixtures. Keeping fixtures as YAML (like trivy's txtar
//! roots) lets them ship inside the binary, carry modes git cannot, and stay reviewable.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::test::parse_mode;

/// A fixture host.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    /// What this host is and what it is built to show.
    pub description: String,
    /// Fixtures whose contents come first (this one's entries win).
    #[serde(default)]
    pub extends: Vec<String>,
    /// Host path to file contents.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// Host path to text appended to the file as the extended fixtures left it (e.g. one
    /// more package stanza after the base dpkg status), or written when there is none.
    #[serde(default)]
    pub append: BTreeMap<String, String>,
    /// Host path to octal mode (default `0644` for files, `0755` for directories).
    #[serde(default)]
    pub modes: BTreeMap<String, String>,
    /// Host path to `uid:gid` (needs root to apply; without root such cases are skipped).
    #[serde(default)]
    pub owners: BTreeMap<String, String>,
    /// Host path to symlink target.
    #[serde(default)]
    pub symlinks: BTreeMap<String, String>,
    /// Empty directories to create.
    #[serde(default)]
    pub dirs: Vec<String>,
    /// Live-only collectors that read this fixture's own `/proc` files as the running
    /// host's (only those in [`SIMULATED_LIVE`], e.g. `sockets`), so checks of runtime
    /// state have pass and fail cases. Every other collector still sees an image.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub live: Vec<String>,
    /// The feed data the host's software is judged with, and the day (software checks).
    /// Without it a fixture is judged with no feed data at all: never Ward's embedded
    /// snapshot, so fixtures do not change when the snapshot does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feeds: Option<FixtureFeeds>,
}

/// The live-only collectors a fixture may simulate from its own `/proc` files: those that
/// only read files (never run a command or look outside the root).
pub const SIMULATED_LIVE: &[&str] = &["sockets"];

/// Feed data of a fixture, in the feeds' own formats.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureFeeds {
    /// The day the host is judged on (`YYYY-MM-DD`); also the date of these feeds.
    pub today: String,
    /// OSV records.
    #[serde(default)]
    pub osv: Vec<serde_json::Value>,
    /// KEV catalogue entries (`cveID`, `dueDate`, `knownRansomwareCampaignUse`, ...).
    #[serde(default)]
    pub kev: Vec<serde_json::Value>,
    /// endoflife.date product files (`product`, `releases`).
    #[serde(default)]
    pub eol: Vec<serde_json::Value>,
}

impl FixtureFeeds {
    /// The feed data as an index batch; `Err` says which record does not parse.
    pub fn batch(&self) -> Result<crate::feeds::index::Batch, String> {
        use crate::feeds::{eol, index, kev, osv};
        let mut b = index::Batch::default();
        let date = format!("{}T00:00:00Z", self.today);
        let record = |kind: &str, n: usize| index::FeedRecord {
            kind: kind.into(),
            source: "fixture".into(),
            date: date.clone(),
            updated_at: date.clone(),
            records: n as u64,
            sha256: String::new(),
        };
        for (i, r) in self.osv.iter().enumerate() {
            b.advisories
                .push(osv::parse(r.clone()).map_err(|e| format!("feeds.osv[{i}]: {e}"))?);
        }
        if !self.osv.is_empty() {
            b.feeds.push(record("osv", self.osv.len()));
        }
        if !self.kev.is_empty() {
            let c = kev::parse(serde_json::json!({
                "catalogVersion": self.today,
                "dateReleased": date,
                "vulnerabilities": self.kev,
            }))
            .map_err(|e| format!("feeds.kev: {e}"))?;
            b.kev = Some(c);
            b.feeds.push(record("kev", self.kev.len()));
        }
        for (i, p) in self.eol.iter().enumerate() {
            b.eol
                .push(eol::parse(p.clone()).map_err(|e| format!("feeds.eol[{i}]: {e}"))?);
        }
        if !self.eol.is_empty() {
            b.feeds.push(record("eol", self.eol.len()));
        }
        Ok(b)
    }

    /// The day, parsed.
    pub fn day(&self) -> Result<jiff::civil::Date, String> {
        self.today
            .parse()
            .map_err(|e| format!("feeds.today {:?} is not a date: {e}", self.today))
    }
}

/// Why a fixture could not be built.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("fixture {name}: {message}")]
    Invalid { name: String, message: String },
    #[error("fixture {name}: {path}: {source}")]
    Io {
        name: String,
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Applying an owner needs root; the case cannot be built by this user.
    #[error("fixture {name}: setting the owner of {path} needs root")]
    NeedsRoot { name: String, path: String },
}

impl Fixture {
    /// Check paths, modes and owners; push one message per problem.
    pub fn validate(&self, problems: &mut Vec<String>) {
        let all_paths = self
            .files
            .keys()
            .chain(self.append.keys())
            .chain(self.modes.keys())
            .chain(self.owners.keys())
            .chain(self.symlinks.keys())
            .chain(self.dirs.iter());
        for p in all_paths {
            if !p.starts_with('/') || p.split('/').any(|c| c == "..") || p == "/" {
                problems.push(format!(
                    "path {p:?} must be absolute, below /, without `..`"
                ));
            }
        }
        for (p, m) in &self.modes {
            if parse_mode(m).is_none() {
                problems.push(format!("mode {m:?} of {p} is not octal"));
            }
        }
        for (p, o) in &self.owners {
            if parse_owner(o).is_none() {
                problems.push(format!("owner {o:?} of {p} is not `uid:gid`"));
            }
        }
        for name in &self.live {
            if !SIMULATED_LIVE.contains(&name.as_str()) {
                problems.push(format!(
                    "live: {name:?} is not a collector a fixture can simulate ({})",
                    SIMULATED_LIVE.join(", ")
                ));
            }
        }
        if let Some(f) = &self.feeds {
            if let Err(e) = f.day().and_then(|_| f.batch()) {
                problems.push(e);
            }
        }
    }

    /// Merge this fixture over the fixtures it extends (depth-first, cycles refused).
    pub fn resolved(name: &str, all: &BTreeMap<String, Fixture>) -> Result<Fixture, FixtureError> {
        fn walk(
            name: &str,
            all: &BTreeMap<String, Fixture>,
            stack: &mut Vec<String>,
            out: &mut Fixture,
        ) -> Result<(), FixtureError> {
            if stack.iter().any(|s| s == name) {
                return Err(FixtureError::Invalid {
                    name: name.to_string(),
                    message: format!("`extends` cycle: {} -> {name}", stack.join(" -> ")),
                });
            }
            let f = all.get(name).ok_or_else(|| FixtureError::Invalid {
                name: name.to_string(),
                message: "no such fixture".into(),
            })?;
            stack.push(name.to_string());
            for parent in &f.extends {
                walk(parent, all, stack, out)?;
            }
            stack.pop();
            out.description = f.description.clone();
            out.files.extend(f.files.clone());
            for (p, text) in &f.append {
                let body = out.files.entry(p.clone()).or_default();
                if !body.is_empty() && !body.ends_with('\n') {
                    body.push('\n');
                }
                body.push_str(text);
            }
            out.modes.extend(f.modes.clone());
            out.owners.extend(f.owners.clone());
            out.symlinks.extend(f.symlinks.clone());
            out.dirs.extend(f.dirs.iter().cloned());
            for l in &f.live {
                if !out.live.contains(l) {
                    out.live.push(l.clone());
                }
            }
            if f.feeds.is_some() {
                out.feeds = f.feeds.clone();
            }
            Ok(())
        }
        let mut out = Fixture::default();
        walk(name, all, &mut Vec::new(), &mut out)?;
        Ok(out)
    }

    /// Write this (resolved) fixture under `dir`. Owners are applied only when
    /// `apply_owners` is set (it needs root).
    pub fn materialise(
        &self,
        name: &str,
        dir: &Path,
        apply_owners: bool,
    ) -> Result<(), FixtureError> {
        use std::os::unix::fs::PermissionsExt;
        let io = |path: &str, source| FixtureError::Io {
            name: name.to_string(),
            path: path.to_string(),
            source,
        };
        let real = |p: &str| dir.join(p.trim_start_matches('/'));
        for d in &self.dirs {
            std::fs::create_dir_all(real(d)).map_err(|e| io(d, e))?;
        }
        for (p, text) in &self.files {
            let r = real(p);
            if let Some(parent) = r.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io(p, e))?;
            }
            std::fs::write(&r, text).map_err(|e| io(p, e))?;
        }
        for (p, target) in &self.symlinks {
            let r = real(p);
            if let Some(parent) = r.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io(p, e))?;
            }
            std::os::unix::fs::symlink(target, &r).map_err(|e| io(p, e))?;
        }
        for (p, o) in self.owners.iter().filter(|_| apply_owners) {
            let (uid, gid) = parse_owner(o).ok_or_else(|| FixtureError::Invalid {
                name: name.to_string(),
                message: format!("owner {o:?} of {p} is not `uid:gid`"),
            })?;
            match std::os::unix::fs::lchown(real(p), Some(uid), Some(gid)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                    return Err(FixtureError::NeedsRoot {
                        name: name.to_string(),
                        path: p.clone(),
                    })
                }
                Err(e) => return Err(io(p, e)),
            }
        }
        // Modes last: chown clears the set-user-ID and set-group-ID bits.
        for (p, m) in &self.modes {
            let mode = parse_mode(m).ok_or_else(|| FixtureError::Invalid {
                name: name.to_string(),
                message: format!("mode {m:?} of {p} is not octal"),
            })?;
            std::fs::set_permissions(real(p), std::fs::Permissions::from_mode(mode))
                .map_err(|e| io(p, e))?;
        }
        Ok(())
    }
}

/// Parse `uid:gid`.
pub fn parse_owner(s: &str) -> Option<(u32, u32)> {
    let (u, g) = s.split_once(':')?;
    Some((u.trim().parse().ok()?, g.trim().parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(yaml: &str) -> Fixture {
        serde_saphyr::from_str(yaml).expect("fixture YAML")
    }

    #[test]
    fn feed_data_that_does_not_parse_is_a_problem_naming_the_record() {
        let f = fixture(
            "description: x\nfeeds:\n  today: \"2026-05-01\"\n  osv:\n    - { id: A, modified: \"2026-01-01T00:00:00Z\", affected: [{ package: { ecosystem: \"Debian:12\", name: x }, ranges: [{ type: ECOSYSTEM, events: [{}] }] }] }\n",
        );
        let mut problems = Vec::new();
        f.validate(&mut problems);
        assert!(
            problems.iter().any(|p| p.starts_with("feeds.osv[0]")),
            "{problems:?}"
        );
        let f = fixture("description: x\nfeeds:\n  today: \"May 1st\"\n");
        let mut problems = Vec::new();
        f.validate(&mut problems);
        assert!(
            problems.iter().any(|p| p.contains("feeds.today")),
            "{problems:?}"
        );
        let f = fixture(
            "description: x\nfeeds:\n  today: \"2026-05-01\"\n  kev: [{ cveID: NOT-A-CVE }]\n",
        );
        let mut problems = Vec::new();
        f.validate(&mut problems);
        assert!(
            problems.iter().any(|p| p.starts_with("feeds.kev")),
            "{problems:?}"
        );
    }

    #[test]
    fn a_fixture_takes_the_feeds_of_the_last_fixture_that_gives_them() {
        let mut all = BTreeMap::new();
        all.insert(
            "base".to_string(),
            fixture("description: base\nfeeds: { today: \"2026-01-01\" }\n"),
        );
        all.insert(
            "leaf".to_string(),
            fixture("description: leaf\nextends: [base]\n"),
        );
        all.insert(
            "later".to_string(),
            fixture("description: later\nextends: [base]\nfeeds: { today: \"2026-12-01\" }\n"),
        );
        let today = |n: &str| Fixture::resolved(n, &all).unwrap().feeds.unwrap().today;
        assert_eq!(today("leaf"), "2026-01-01");
        assert_eq!(today("later"), "2026-12-01");
    }

    #[test]
    fn live_lists_name_only_simulable_collectors_and_merge_along_extends() {
        let f = fixture("description: x\nlive: [sockets, firewall]\n");
        let mut problems = Vec::new();
        f.validate(&mut problems);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("\"firewall\""), "{problems:?}");
        let mut all = BTreeMap::new();
        all.insert(
            "base".to_string(),
            fixture("description: base\nlive: [sockets]\n"),
        );
        all.insert(
            "leaf".to_string(),
            fixture("description: leaf\nextends: [base]\nlive: [sockets]\n"),
        );
        assert_eq!(
            Fixture::resolved("leaf", &all).unwrap().live,
            vec!["sockets"]
        );
    }
}
