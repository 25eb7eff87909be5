//! TLS certificates and private key files: those TLS servers are configured to load
//! (nginx, Apache httpd, Postfix; see [`servers`]) and those in the usual places.
//!
//! An expired or soon-expiring certificate takes a clinical portal offline or trains its
//! users to click through warnings; a 1024-bit key or a SHA-1 signature no longer proves
//! the server is who it says; a private key any local account can read lets whoever reads
//! it impersonate the server. So Ward reads every certificate a server presents, and the
//! certificates kept in `/etc/ssl`, `/etc/pki/tls/certs` and `/etc/letsencrypt/live/*/`,
//! with `x509-parser` ([`x509`]), and stats (never reads) every private key file.
//!
//! Not collected: the CA trust store that `ca-certificates` manages (`/etc/ssl/certs`
//! hash links and symlinks into `/usr/share/ca-certificates` or
//! `/usr/local/share/ca-certificates`, `ca-certificates.crt`, `/etc/ssl/cert.pem` on
//! Alpine, RHEL's `/etc/pki/ca-trust` and `ca-bundle*.crt`): those are trust anchors
//! chosen by the distribution, not certificates this host presents.
//!
//! A file named by a server that is missing or unreadable is an error for that file (the
//! server would not start); one found in a directory that cannot be read is an error too.
//! A certificate file that also holds a `PRIVATE KEY` block is a private key file as
//! well, and its metadata is judged like a key's. Key material is never decoded or stored.

pub mod servers;
pub mod x509;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::accounts::Accounts;
use super::files::Stat;
use super::{Fact, Origin};
use crate::host_root::{display_path, FileKind, HostRoot, ReadError};
use servers::{Role, ServerConfig, Software};
use x509::{Certificate, Encoding};

/// Directories whose certificate files are read, with the names they must have.
pub const CERT_DIRS: [&str; 3] = ["/etc/ssl", "/etc/ssl/certs", "/etc/pki/tls/certs"];
/// Let's Encrypt (certbot) certificates: the live link of each lineage.
pub const LETSENCRYPT_CERTS: [&str; 3] = [
    "/etc/letsencrypt/live/*/cert.pem",
    "/etc/letsencrypt/live/*/chain.pem",
    "/etc/letsencrypt/live/*/fullchain.pem",
];
/// Directories whose every regular file is a private key.
pub const KEY_DIRS: [&str; 2] = ["/etc/ssl/private", "/etc/pki/tls/private"];
/// Let's Encrypt private keys: the live links and every archived key.
pub const LETSENCRYPT_KEYS: [&str; 2] = [
    "/etc/letsencrypt/live/*/privkey.pem",
    "/etc/letsencrypt/archive/*/privkey*.pem",
];
/// File name suffixes read as certificates in the certificate directories.
const CERT_SUFFIXES: [&str; 5] = [".pem", ".crt", ".cer", ".der", ".cert"];
/// Trust-store bundles that are not this host's own certificates.
const TRUST_BUNDLES: [&str; 6] = [
    "ca-certificates.crt",
    "ca-bundle.crt",
    "ca-bundle.trust.crt",
    "ca-bundle.pem",
    "cert.pem",
    "tls-ca-bundle.pem",
];
/// Symlink targets inside the trust store.
const TRUST_STORE: [&str; 3] = [
    "/usr/share/ca-certificates/",
    "/usr/local/share/ca-certificates/",
    "/etc/pki/ca-trust/",
];

/// A configuration line naming a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedBy {
    pub software: Software,
    pub role: Role,
    pub directive: String,
    pub origin: Origin,
}

impl std::fmt::Display for NamedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {} at {}",
            self.software.as_str(),
            self.directive,
            self.origin
        )
    }
}

/// What a certificate is for, as far as checks go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertRole {
    /// A server's own certificate: the first in a file a server loads as its certificate,
    /// or, in the usual directories, any certificate that is not a CA.
    Leaf,
    /// A certificate sent with a leaf (later in a server's file, or a chain file).
    Chain,
    /// A CA certificate found in a directory, not named by a server.
    Ca,
}

/// A certificate file and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertFile {
    pub path: String,
    /// Server configuration lines naming it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub named_by: Vec<NamedBy>,
    /// The directory (or pattern) it was found in, when no server names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found_in: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<Encoding>,
    pub certificates: Vec<Certificate>,
    /// Labels of private key blocks in the file (never decoded).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub private_key_blocks: Vec<String>,
    /// Its metadata, when it holds a private key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_stat: Option<Stat>,
    /// Blocks that could not be read, and other reasons the file is not what a server
    /// needs (a DER file named by nginx).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// Why the file could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub permission_denied: bool,
}

impl CertFile {
    /// The role of the certificate at `index`.
    pub fn role(&self, cert: &Certificate) -> CertRole {
        let as_cert = self.named_by.iter().any(|n| n.role == Role::Certificate);
        let as_chain = self.named_by.iter().any(|n| n.role == Role::Chain);
        if as_cert && cert.index == 0 {
            CertRole::Leaf
        } else if as_cert || as_chain {
            CertRole::Chain
        } else if cert.ca {
            CertRole::Ca
        } else {
            CertRole::Leaf
        }
    }

    /// Where the file comes from, for evidence.
    pub fn source(&self) -> String {
        match (self.named_by.first(), &self.found_in) {
            (Some(n), _) => {
                let more = self.named_by.len() - 1;
                if more > 0 {
                    format!("{n} (and {more} more)")
                } else {
                    n.to_string()
                }
            }
            (None, Some(d)) => format!("found in {d}"),
            (None, None) => String::new(),
        }
    }
}

/// A private key file: metadata only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyFile {
    pub path: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub named_by: Vec<NamedBy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found_in: Option<String>,
    pub stat: Fact<Stat>,
}

/// Everything collected.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tls {
    /// Each TLS server's configuration (files read, lines naming files, problems).
    pub servers: Vec<ServerConfig>,
    pub certificate_files: Vec<CertFile>,
    pub key_files: Vec<KeyFile>,
    /// Directories and patterns that could not be read, with the reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<DirProblem>,
}

/// A certificate or key location that could not be listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirProblem {
    pub path: String,
    pub reason: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub permission_denied: bool,
    /// It holds private keys (so the key checks are affected).
    pub keys: bool,
}

/// Collect, with owner names from the host's accounts.
pub fn collect(root: &HostRoot, accounts: &Fact<Accounts>) -> Fact<Tls> {
    let mut tls = Tls {
        servers: servers::collect(root),
        ..Tls::default()
    };
    // path -> (named_by, found_in)
    let mut certs: BTreeMap<String, (Vec<NamedBy>, Option<String>)> = BTreeMap::new();
    let mut keys: BTreeMap<String, (Vec<NamedBy>, Option<String>)> = BTreeMap::new();
    for s in &tls.servers {
        for n in &s.named {
            let by = NamedBy {
                software: n.software,
                role: n.role,
                directive: n.directive.clone(),
                origin: n.origin.clone(),
            };
            let map = if n.role == Role::Key {
                &mut keys
            } else {
                &mut certs
            };
            map.entry(n.path.clone()).or_default().0.push(by);
        }
    }
    for dir in CERT_DIRS {
        match root.read_dir_matching(dir, |name| {
            let n = name.to_string_lossy();
            CERT_SUFFIXES.iter().any(|s| n.ends_with(s)) && !TRUST_BUNDLES.contains(&n.as_ref())
        }) {
            Ok(entries) => {
                for e in entries {
                    let path = e.display_path();
                    if e.kind == FileKind::Symlink {
                        // Hash links and links into the trust store are trust anchors.
                        let target = root.read_link(&e.path).unwrap_or_default();
                        let resolved = if target.starts_with('/') {
                            target.clone()
                        } else {
                            format!("{dir}/{target}")
                        };
                        if TRUST_STORE.iter().any(|t| resolved.starts_with(t))
                            || is_hash_name(&e.display_name())
                        {
                            continue;
                        }
                    } else if e.kind != FileKind::File {
                        continue;
                    }
                    certs.entry(path).or_default().1.get_or_insert(dir.into());
                }
            }
            Err(ReadError::NotFound { .. }) => {}
            Err(e) => tls.problems.push(DirProblem {
                path: dir.into(),
                reason: e.to_string(),
                permission_denied: e.is_permission_denied(),
                keys: false,
            }),
        }
    }
    for (patterns, is_key) in [
        (&LETSENCRYPT_CERTS[..], false),
        (&LETSENCRYPT_KEYS[..], true),
    ] {
        for pat in patterns {
            match servers::glob_any(root, pat) {
                Ok(paths) => {
                    for p in paths {
                        let map = if is_key { &mut keys } else { &mut certs };
                        map.entry(p).or_default().1.get_or_insert((*pat).into());
                    }
                }
                Err(reason) => tls.problems.push(DirProblem {
                    path: (*pat).into(),
                    permission_denied: reason.contains("ermission denied"),
                    reason,
                    keys: is_key,
                }),
            }
        }
    }
    for dir in KEY_DIRS {
        match root.read_dir(dir) {
            Ok(entries) => {
                for e in entries {
                    if e.display_name().starts_with('.') {
                        continue;
                    }
                    let kind = root.metadata(&e.path).map(|m| m.kind);
                    if matches!(kind, Ok(FileKind::Directory)) {
                        continue;
                    }
                    keys.entry(e.display_path())
                        .or_default()
                        .1
                        .get_or_insert(dir.into());
                }
            }
            Err(ReadError::NotFound { .. }) => {}
            Err(e) => tls.problems.push(DirProblem {
                path: dir.into(),
                reason: e.to_string(),
                permission_denied: e.is_permission_denied(),
                keys: true,
            }),
        }
    }
    for (path, (named_by, found_in)) in certs {
        tls.certificate_files
            .push(read_cert_file(root, path, named_by, found_in));
    }
    for (path, (named_by, found_in)) in keys {
        let stat = match root.metadata(&path) {
            Ok(meta) if meta.kind == FileKind::File => Fact::Collected {
                value: Stat {
                    meta,
                    owner: None,
                    group: None,
                    names_error: None,
                },
            },
            Ok(meta) => Fact::error(format!("{path}: is a {}, not a key file", meta.kind)),
            Err(e) => Fact::from_read_error(&e),
        };
        tls.key_files.push(KeyFile {
            path,
            named_by,
            found_in,
            stat,
        });
    }
    name_owners(&mut tls, accounts);
    Fact::Collected { value: tls }
}

/// `openssl rehash` names: eight hex digits, a dot, a number (`.r0` for CRLs).
fn is_hash_name(name: &str) -> bool {
    let Some((h, n)) = name.split_once('.') else {
        return false;
    };
    h.len() == 8
        && h.bytes().all(|b| b.is_ascii_hexdigit())
        && n.trim_start_matches('r')
            .bytes()
            .all(|b| b.is_ascii_digit())
}

fn read_cert_file(
    root: &HostRoot,
    path: String,
    named_by: Vec<NamedBy>,
    found_in: Option<String>,
) -> CertFile {
    let mut f = CertFile {
        path,
        found_in: if named_by.is_empty() { found_in } else { None },
        named_by,
        encoding: None,
        certificates: Vec::new(),
        private_key_blocks: Vec::new(),
        key_stat: None,
        problems: Vec::new(),
        error: None,
        permission_denied: false,
    };
    let bytes = match root.read(&f.path) {
        Ok(b) => b,
        Err(e) => {
            f.permission_denied = e.is_permission_denied();
            f.error = Some(e.to_string());
            return f;
        }
    };
    let parsed = x509::parse_file(&bytes);
    drop(bytes);
    f.encoding = parsed.encoding;
    f.certificates = parsed.certificates;
    f.private_key_blocks = parsed.private_key_blocks;
    f.problems = parsed.problems;
    if !f.named_by.is_empty() && f.encoding == Some(Encoding::Der) {
        f.problems
            .push("a DER file: the servers naming it read PEM only and refuse it".to_string());
    }
    if f.certificates.is_empty() && f.problems.is_empty() {
        f.problems.push("holds no certificate".into());
    }
    if !f.private_key_blocks.is_empty() {
        if let Ok(meta) = root.metadata(&f.path) {
            f.key_stat = Some(Stat {
                meta,
                owner: None,
                group: None,
                names_error: None,
            });
        }
    }
    f
}

/// Fill owner and group names from the host's own passwd and group (first entry wins).
fn name_owners(tls: &mut Tls, accounts: &Fact<Accounts>) {
    let stats = tls
        .key_files
        .iter_mut()
        .filter_map(|k| match &mut k.stat {
            Fact::Collected { value } => Some(value),
            Fact::Error { .. } => None,
        })
        .chain(
            tls.certificate_files
                .iter_mut()
                .filter_map(|c| c.key_stat.as_mut()),
        );
    match accounts {
        Fact::Collected { value } => {
            for s in stats {
                s.owner = value
                    .users
                    .iter()
                    .find(|u| u.uid == s.meta.uid)
                    .map(|u| u.name.to_string());
                s.group = value
                    .groups
                    .iter()
                    .find(|g| g.gid == s.meta.gid)
                    .map(|g| g.name.to_string());
            }
        }
        Fact::Error { reason, .. } => {
            for s in stats {
                s.names_error = Some(format!("owner and group names unknown: {reason}"));
            }
        }
    }
}

/// A host path for display.
pub fn shown(p: &std::path::Path) -> String {
    display_path(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_names() {
        assert!(is_hash_name("9d66eef0.0"));
        assert!(is_hash_name("9d66eef0.r1"));
        assert!(!is_hash_name("ssl-cert-snakeoil.pem"));
        assert!(!is_hash_name("9d66eef0.pem"));
    }
}
