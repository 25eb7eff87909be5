//! Operating-system identity from `os-release`.
//!
//! Follows os-release(5): `/etc/os-release` wins, `/usr/lib/os-release` is the fallback;
//! lines are `KEY=value` with optional single or double quotes and backslash escapes inside
//! double quotes; comments and blank lines are ignored. Debian also records its point
//! release in `/etc/debian_version`, which is kept when present. A system with neither
//! os-release file is identified from `/etc/redhat-release` (RHEL, CentOS, Rocky, Alma,
//! Oracle, Fedora), `/etc/alpine-release` or `/etc/debian_version`, in that order.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Fact, Origin};
use crate::host_root::{HostRoot, ReadError};

/// The operating system of a host.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsRelease {
    /// `ID`, e.g. `debian`, `almalinux`.
    pub id: Option<String>,
    /// `ID_LIKE`, split on spaces.
    pub id_like: Vec<String>,
    /// `VERSION_ID`, e.g. `12`.
    pub version_id: Option<String>,
    /// `VERSION_CODENAME`, e.g. `bookworm`.
    pub version_codename: Option<String>,
    /// `PRETTY_NAME`, e.g. `Debian GNU/Linux 12 (bookworm)`.
    pub pretty_name: Option<String>,
    /// Contents of `/etc/debian_version` (first line), when present.
    pub debian_version: Option<String>,
    /// The file read.
    pub origin: Origin,
    /// Every key read, for reports and later checks.
    pub fields: BTreeMap<String, String>,
}

/// Collect `/etc/os-release` (or `/usr/lib/os-release`).
pub fn collect(root: &HostRoot) -> Fact<OsRelease> {
    let mut last_err = None;
    for path in ["/etc/os-release", "/usr/lib/os-release"] {
        match root.read_text(path) {
            Ok(text) => {
                let mut os = parse(&text, path);
                os.debian_version = root
                    .read_text("/etc/debian_version")
                    .ok()
                    .and_then(|t| t.lines().next().map(|l| l.trim().to_string()))
                    .filter(|s| !s.is_empty());
                return Fact::Collected { value: os };
            }
            Err(ReadError::NotFound { .. }) => continue,
            Err(e) => {
                last_err = Some(e);
                break;
            }
        }
    }
    if let Some(e) = last_err {
        return Fact::from_read_error(&e);
    }
    // Older or minimal systems without os-release: the distribution's own release file.
    for (path, read) in FALLBACKS {
        match root.read_lossy(path) {
            Ok(text) => {
                if let Some(os) = text
                    .lines()
                    .next()
                    .map(str::trim)
                    .and_then(|l| read(l, path))
                {
                    return Fact::Collected { value: os };
                }
            }
            Err(ReadError::NotFound { .. }) => {}
            Err(e) => return Fact::from_read_error(&e),
        }
    }
    Fact::error(
        "no /etc/os-release, /usr/lib/os-release, /etc/redhat-release, /etc/alpine-release or \
         /etc/debian_version: operating system unknown",
    )
}

type Fallback = fn(&str, &'static str) -> Option<OsRelease>;

/// Release files read when there is no os-release, in order.
const FALLBACKS: [(&str, Fallback); 3] = [
    ("/etc/redhat-release", from_redhat_release),
    ("/etc/alpine-release", from_alpine_release),
    ("/etc/debian_version", from_debian_version),
];

/// `AlmaLinux release 9.3 (Shamrock Pink)`, `CentOS Linux release 7.9.2009 (Core)`,
/// `Red Hat Enterprise Linux Server release 7.9 (Maipo)`.
fn from_redhat_release(line: &str, path: &'static str) -> Option<OsRelease> {
    let (name, rest) = line.split_once(" release ")?;
    let version = rest.split_whitespace().next()?.to_string();
    let id = [
        ("Red Hat Enterprise Linux", "rhel"),
        ("CentOS", "centos"),
        ("Rocky Linux", "rocky"),
        ("AlmaLinux", "almalinux"),
        ("Oracle Linux", "ol"),
        ("Fedora", "fedora"),
    ]
    .iter()
    .find(|(prefix, _)| name.starts_with(prefix))
    .map(|(_, id)| id.to_string())
    .unwrap_or_else(|| {
        name.split_whitespace()
            .next()
            .unwrap_or(name)
            .to_lowercase()
    });
    let id_like = if id == "fedora" || id == "rhel" {
        vec!["fedora".to_string()]
    } else {
        vec!["rhel".to_string(), "fedora".to_string()]
    };
    Some(OsRelease {
        id: Some(id),
        id_like,
        version_id: Some(version),
        pretty_name: Some(line.to_string()),
        origin: Origin::at(path, 1),
        ..OsRelease::default()
    })
}

/// `3.18.4`.
fn from_alpine_release(line: &str, path: &'static str) -> Option<OsRelease> {
    let version = line.split_whitespace().next()?;
    Some(OsRelease {
        id: Some("alpine".into()),
        version_id: Some(version.to_string()),
        pretty_name: Some(format!("Alpine Linux {version}")),
        origin: Origin::at(path, 1),
        ..OsRelease::default()
    })
}

/// `12.11` (a release: version 12) or `trixie/sid` (a development release: no version).
fn from_debian_version(line: &str, path: &'static str) -> Option<OsRelease> {
    if line.is_empty() {
        return None;
    }
    let version_id = line
        .starts_with(|c: char| c.is_ascii_digit())
        .then(|| line.split('.').next().unwrap_or(line).to_string());
    Some(OsRelease {
        id: Some("debian".into()),
        version_id,
        pretty_name: Some(format!("Debian GNU/Linux {line}")),
        debian_version: Some(line.to_string()),
        origin: Origin::at(path, 1),
        ..OsRelease::default()
    })
}

/// Parse os-release text.
pub fn parse(text: &str, path: &str) -> OsRelease {
    let mut fields = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, raw)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        fields.insert(key.to_string(), unquote(raw.trim()));
    }
    let get = |k: &str| fields.get(k).cloned().filter(|v: &String| !v.is_empty());
    OsRelease {
        id: get("ID"),
        id_like: get("ID_LIKE")
            .map(|s| s.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default(),
        version_id: get("VERSION_ID"),
        version_codename: get("VERSION_CODENAME"),
        pretty_name: get("PRETTY_NAME"),
        debian_version: None,
        origin: Origin::file(path.to_owned()),
        fields,
    }
}

fn unquote(raw: &str) -> String {
    let bytes = raw.as_bytes();
    if bytes.len() >= 2 && bytes[0] == b'"' && bytes[bytes.len() - 1] == b'"' {
        let inner = &raw[1..raw.len() - 1];
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            } else {
                out.push(c);
            }
        }
        out
    } else if bytes.len() >= 2 && bytes[0] == b'\'' && bytes[bytes.len() - 1] == b'\'' {
        raw[1..raw.len() - 1].to_string()
    } else {
        raw.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_real_samples() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/data/os-release"
        );
        let debian = std::fs::read_to_string(format!("{dir}/debian-12"))
            .expect("tests/fixtures/data/os-release is part of the repository");
        let os = parse(&debian, "/etc/os-release");
        assert_eq!(os.id.as_deref(), Some("debian"));
        assert_eq!(os.version_id.as_deref(), Some("12"));
        assert_eq!(os.version_codename.as_deref(), Some("bookworm"));
        let alma = std::fs::read_to_string(format!("{dir}/almalinux-9.3")).unwrap();
        let os = parse(&alma, "/etc/os-release");
        assert_eq!(os.id.as_deref(), Some("almalinux"));
        assert_eq!(os.id_like, vec!["rhel", "centos", "fedora"]);
        assert_eq!(os.version_id.as_deref(), Some("9.3"));
    }

    #[test]
    fn release_files_identify_hosts_without_os_release() {
        let os = from_redhat_release("CentOS Linux release 7.9.2009 (Core)", "/r").unwrap();
        assert_eq!(os.id.as_deref(), Some("centos"));
        assert_eq!(os.version_id.as_deref(), Some("7.9.2009"));
        assert_eq!(os.id_like, vec!["rhel", "fedora"]);
        let os = from_redhat_release("Red Hat Enterprise Linux Server release 7.9 (Maipo)", "/r")
            .unwrap();
        assert_eq!(os.id.as_deref(), Some("rhel"));
        assert!(from_redhat_release("garbage", "/r").is_none());
        let os = from_alpine_release("3.18.4", "/a").unwrap();
        assert_eq!(
            (os.id.as_deref(), os.version_id.as_deref()),
            (Some("alpine"), Some("3.18.4"))
        );
        let os = from_debian_version("12.11", "/d").unwrap();
        assert_eq!(os.version_id.as_deref(), Some("12"));
        assert_eq!(
            from_debian_version("trixie/sid", "/d").unwrap().version_id,
            None
        );

        // Through the collector: os-release wins, then the release files in order.
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc")).unwrap();
        std::fs::write(dir.path().join("etc/alpine-release"), "3.18.4\n").unwrap();
        let root = HostRoot::new(dir.path()).unwrap();
        match collect(&root) {
            Fact::Collected { value } => assert_eq!(value.id.as_deref(), Some("alpine")),
            Fact::Error { reason, .. } => panic!("{reason}"),
        }
        std::fs::write(dir.path().join("etc/os-release"), "ID=debian\n").unwrap();
        match collect(&root) {
            Fact::Collected { value } => assert_eq!(value.id.as_deref(), Some("debian")),
            Fact::Error { reason, .. } => panic!("{reason}"),
        }
    }

    #[test]
    fn quoting_and_junk() {
        let os = parse(
            "# c\nID='x y'\nPRETTY_NAME=\"A \\\"B\\\"\"\nnot a line\n=novalue\nVERSION_ID=3\n",
            "/p",
        );
        assert_eq!(os.id.as_deref(), Some("x y"));
        assert_eq!(os.pretty_name.as_deref(), Some("A \"B\""));
        assert_eq!(os.version_id.as_deref(), Some("3"));
    }
}
