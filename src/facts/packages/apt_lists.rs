//! Updates waiting on a Debian or Ubuntu host, from the package indexes apt downloaded
//! (`/var/lib/apt/lists/*_Packages`) and the `Date:` of each index's Release file.
//!
//! For every installed package, a version in an index that is newer than the installed one
//! (in dpkg's order, for the package's architecture or `all`) is a pending update. The
//! Release file's `Date:` is when the archive published that index, so the newer version
//! has been available since that date at the latest: "days waiting" is a lower bound, which
//! is the safe side for a deadline such as Cyber Essentials' 14 days. An index whose suite
//! ends in `-security` or whose label names security marks its updates as security updates.
//!
//! A host without indexes (apt never updated, or the lists cleaned) gives `error`: whether
//! updates are waiting is unknown, never "none". Compressed indexes (`*_Packages.lz4`) are
//! read when gzip or lz4 (as apt keeps them with `Acquire::GzipIndexes`); others are named in
//! the warnings. Only dpkg inventories are handled here; rpm
//! hosts are read from dnf's metadata ([`super::dnf_metadata`]).

use std::collections::HashMap;
use std::os::unix::ffi::OsStrExt;

use serde::{Deserialize, Serialize};

use super::{Bounded, Inventory, PackageFormat};
use crate::facts::Fact;
use crate::host_root::HostRoot;
use crate::version::{Dpkg, Scheme};

/// Where apt keeps its indexes.
pub const LISTS: &str = "/var/lib/apt/lists";

/// One package index and its Release file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexFile {
    pub path: String,
    pub suite: Option<String>,
    /// The Release file's `Date:`, as RFC 3339; none when it has none or it does not parse.
    pub date: Option<String>,
    pub security: bool,
}

/// A newer version of an installed package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Update {
    pub package: String,
    pub installed: String,
    /// The newest version the indexes offer.
    pub candidate: String,
    /// Whether a security index offers a newer version.
    pub security: bool,
    /// The earliest Release date of the indexes offering a newer version: available since
    /// then at the latest.
    pub available_since: Option<String>,
}

/// The pending updates of a host.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// The package manager whose indexes were read: `apt` or `dnf`.
    #[serde(default = "apt")]
    pub manager: String,
    /// Whether the indexes say which updates are security fixes (apt: by suite; dnf: only
    /// when a repository publishes updateinfo).
    #[serde(default = "yes")]
    pub security_known: bool,
    pub indexes: Vec<IndexFile>,
    pub updates: Vec<Update>,
    pub warnings: Vec<String>,
    /// When the host last refreshed its indexes, at the earliest: the newest Release
    /// `Date:` of its indexes, or the modification time of apt's update stamp when that is
    /// newer. None when neither is known.
    #[serde(default)]
    pub refreshed_at: Option<String>,
    /// What `refreshed_at` was read from.
    #[serde(default)]
    pub refreshed_from: Option<String>,
}

fn apt() -> String {
    "apt".to_string()
}

fn yes() -> bool {
    true
}

/// Files apt's periodic job (and Ubuntu's update-notifier hook) touch after each successful
/// `apt update`.
const STAMPS: [&str; 2] = [
    "/var/lib/apt/periodic/update-success-stamp",
    "/var/lib/apt/periodic/update-stamp",
];

/// Compare the installed packages with the host's package indexes.
pub fn collect(root: &HostRoot, inventory: &Inventory) -> Fact<Pending> {
    if inventory.format != PackageFormat::Dpkg {
        return Fact::error(format!(
            "apt's package indexes are only compared with a dpkg inventory; this host's \
             packages are {}",
            inventory.format.as_str()
        ));
    }
    let entries = match root.read_dir_matching(LISTS, |n| {
        let b = n.as_bytes();
        b.ends_with(b"_Packages") || b.windows(10).any(|w| w == b"_Packages.")
    }) {
        Ok(e) => e,
        Err(e) if e.is_not_found() => {
            return Fact::error(format!(
                "{LISTS} does not exist: whether updates are waiting is unknown"
            ))
        }
        Err(e) => return Fact::from_read_error(&e),
    };
    let mut out = Pending {
        manager: apt(),
        security_known: true,
        ..Pending::default()
    };
    let installed: HashMap<&str, Vec<(&str, &str)>> =
        inventory.packages.iter().fold(HashMap::new(), |mut m, p| {
            m.entry(p.name.as_str())
                .or_default()
                .push((p.version.as_str(), p.architecture.as_str()));
            m
        });
    let mut best: HashMap<String, Update> = HashMap::new();
    for entry in entries {
        let Some(name) = entry.name_str().map(str::to_string) else {
            continue;
        };
        let path = entry.display_path();
        // apt keeps indexes compressed when Acquire::GzipIndexes is set (container images):
        // `.lz4` by default, `.gz` when CompressionTypes says so.
        let (stem, compression) = match name.rsplit_once("_Packages.") {
            Some((stem, ext)) => (format!("{stem}_Packages"), Some(ext.to_string())),
            None => (name.clone(), None),
        };
        let index = release_of(root, &stem, &path);
        let found = open_index(root, &entry.path, compression.as_deref()).and_then(|r| {
            stanzas(r, |p| installed.contains_key(p)).map_err(|e| match compression.as_deref() {
                Some(c) => format!("not a readable {c}-compressed index: {e}"),
                None => format!("not readable: {e}"),
            })
        });
        let found = match found {
            Ok(f) => f,
            Err(e) => {
                out.warnings.push(format!("{path}: {e}"));
                continue;
            }
        };
        for (package, version, arch) in &found {
            let (package, version, arch) = (package.as_str(), version.as_str(), arch.as_str());
            let Some(ours) = installed.get(package) else {
                continue;
            };
            for (have, have_arch) in ours {
                if !(arch == "all" || arch == *have_arch || have_arch.is_empty()) {
                    continue;
                }
                if Dpkg.compare(version, have) != Ok(std::cmp::Ordering::Greater) {
                    continue;
                }
                let u = best.entry(package.to_string()).or_insert_with(|| Update {
                    package: package.to_string(),
                    installed: have.to_string(),
                    candidate: version.to_string(),
                    security: false,
                    available_since: None,
                });
                if Dpkg.compare(version, &u.candidate) == Ok(std::cmp::Ordering::Greater) {
                    u.candidate = version.to_string();
                }
                u.security |= index.security;
                if let Some(d) = &index.date {
                    if u.available_since.as_ref().is_none_or(|s| d < s) {
                        u.available_since = Some(d.clone());
                    }
                }
            }
        }
        out.indexes.push(index);
    }
    if out.indexes.is_empty() {
        return Fact::error(format!(
            "no package indexes in {LISTS} (apt update never run, or the lists were removed): \
             whether updates are waiting is unknown"
        ));
    }
    let mut updates: Vec<Update> = best.into_values().collect();
    updates.sort_by(|a, b| a.package.cmp(&b.package));
    out.updates = updates;
    // A Release file's Date is when the archive published it, so lists holding it were
    // fetched after that; a stamp's mtime is when an update last succeeded.
    let mut newest: Option<(String, String)> = out
        .indexes
        .iter()
        .filter_map(|i| i.date.clone().map(|d| (d, i.path.clone())))
        .max();
    for stamp in STAMPS {
        if let Ok(meta) = root.metadata(stamp) {
            if let Ok(t) = jiff::Timestamp::from_second(meta.mtime) {
                let t = t.to_string();
                if newest.as_ref().is_none_or(|(d, _)| &t > d) {
                    newest = Some((t, stamp.to_string()));
                }
            }
        }
    }
    if let Some((at, from)) = newest {
        out.refreshed_at = Some(at);
        out.refreshed_from = Some(from);
    }
    Fact::Collected { value: out }
}

/// Largest decompressed index read (the biggest, Ubuntu's universe, is about 70 MB).
const MAX_INDEX: u64 = 512 << 20;

/// An index as a buffered stream: plain, or decompressed as it is read; never more than
/// [`MAX_INDEX`] bytes of index text.
fn open_index(
    root: &HostRoot,
    path: &std::path::Path,
    compression: Option<&str>,
) -> Result<Box<dyn std::io::BufRead>, String> {
    use std::io::BufReader;
    let file = root.open(path).map_err(|e| e.to_string())?;
    // A plain index can be larger than the read cap meant for configuration files
    // (Ubuntu's universe is tens of megabytes): it is bounded by MAX_INDEX instead.
    Ok(match compression {
        None => Box::new(BufReader::with_capacity(
            1 << 18,
            Bounded::new(file, MAX_INDEX),
        )),
        Some("gz") => Box::new(BufReader::with_capacity(
            1 << 18,
            Bounded::new(
                flate2::read::GzDecoder::new(BufReader::new(file)),
                MAX_INDEX,
            ),
        )),
        Some("lz4") => Box::new(BufReader::with_capacity(
            1 << 18,
            Bounded::new(
                lz4_flex::frame::FrameDecoder::new(BufReader::new(file)),
                MAX_INDEX,
            ),
        )),
        Some(other) => return Err(format!("compressed with {other}, which Ward does not read")),
    })
}

/// The Release file of an index: `HOST_dists_SUITE_…_Packages` → `HOST_dists_SUITE_InRelease`
/// (or `_Release`).
fn release_of(root: &HostRoot, name: &str, path: &str) -> IndexFile {
    let mut index = IndexFile {
        path: path.to_string(),
        suite: None,
        date: None,
        security: false,
    };
    let Some((prefix, rest)) = name.split_once("_dists_") else {
        return index;
    };
    let suite = rest.split('_').next().unwrap_or("");
    index.suite = Some(suite.to_string());
    index.security = suite.ends_with("-security") || suite.ends_with("/updates");
    for release in ["InRelease", "Release"] {
        let p = format!("{LISTS}/{prefix}_dists_{suite}_{release}");
        if let Ok(text) = root.read_lossy(&p) {
            for line in text.lines() {
                if let Some(d) = line.strip_prefix("Date: ") {
                    index.date = rfc2822(d.trim());
                } else if let Some(l) = line.strip_prefix("Label: ") {
                    index.security |= l.to_ascii_lowercase().contains("security");
                } else if line.is_empty() && index.date.is_some() {
                    break;
                }
            }
            break;
        }
    }
    index
}

/// `Sat, 29 Nov 2026 10:09:48 UTC` → `2026-11-29T10:09:48Z`.
fn rfc2822(s: &str) -> Option<String> {
    let s = s
        .strip_suffix(" UTC")
        .map(|d| format!("{d} +0000"))
        .unwrap_or_else(|| s.to_string());
    jiff::fmt::rfc2822::parse(&s)
        .ok()
        .map(|z| z.timestamp().to_string())
}

/// `BufRead::read_until(b'\n')` with the `memchr` crate's vectorised search (std's is a
/// byte-at-a-time loop, most of the time spent on a 50 MB index).
fn read_line(reader: &mut impl std::io::BufRead, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut n = 0;
    loop {
        let avail = match reader.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(n);
        }
        match memchr::memchr(b'\n', avail) {
            Some(i) => {
                buf.extend_from_slice(&avail[..=i]);
                reader.consume(i + 1);
                return Ok(n + i + 1);
            }
            None => {
                let len = avail.len();
                buf.extend_from_slice(avail);
                reader.consume(len);
                n += len;
            }
        }
    }
}

/// Consume the rest of an unwanted stanza, from the start of a line: a vectorised search for
/// `\n\n` inside the reader's buffer instead of one search per line; the blank line that
/// ends the stanza is left unread. Once a buffer holds a `\r` (an index with CRLF lines,
/// which apt does not write) the rest is read line by line, the blank line (`\n` or
/// `\r\n`) consumed too: the stanza's fields are unset either way.
fn skip_stanza(
    reader: &mut impl std::io::BufRead,
    lf: &memchr::memmem::Finder<'_>,
    buf: &mut Vec<u8>,
) -> std::io::Result<()> {
    let mut at_line_start = true;
    loop {
        let avail = match reader.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(());
        }
        if at_line_start && avail[0] == b'\n' {
            return Ok(());
        }
        // Only the part up to the stanza's end is looked at for a `\r`.
        let found = lf.find(avail);
        let region = found.map_or(avail.len(), |i| i + 2);
        if memchr::memchr(b'\r', &avail[..region]).is_some() {
            if !at_line_start {
                buf.clear();
                read_line(reader, buf)?;
            }
            loop {
                buf.clear();
                if read_line(reader, buf)? == 0 {
                    return Ok(());
                }
                let l = buf.strip_suffix(b"\n").unwrap_or(buf);
                if l.strip_suffix(b"\r").unwrap_or(l).is_empty() {
                    return Ok(());
                }
            }
        }
        match found {
            Some(i) => {
                reader.consume(i + 1);
                return Ok(());
            }
            None => {
                let len = avail.len();
                at_line_start = avail[len - 1] == b'\n';
                reader.consume(len);
            }
        }
    }
}

/// (Package, Version, Architecture) of each stanza of a Packages file whose package
/// `wanted` accepts, its fields read as dpkg reads its own (case-insensitive names,
/// continuation lines skipped; lines end at `\n`, a `\r` before it dropped as `str::lines`
/// does; bytes that are not UTF-8 read lossily). The index is streamed line by line, and a
/// stanza whose `Package` is not wanted is passed over without reading its fields: an index
/// of the whole archive is 50 MB of stanzas for packages the host does not have.
fn stanzas(
    mut reader: impl std::io::BufRead,
    wanted: impl Fn(&str) -> bool,
) -> std::io::Result<Vec<(String, String, String)>> {
    let mut out = Vec::new();
    let (mut p, mut v, mut a): (Option<String>, Option<String>, Option<String>) =
        (None, None, None);
    let lf = memchr::memmem::Finder::new(b"\n\n");
    let mut buf = Vec::with_capacity(256);
    loop {
        buf.clear();
        let n = read_line(&mut reader, &mut buf)?;
        let mut line: &[u8] = &buf;
        if let Some(l) = line.strip_suffix(b"\n") {
            line = l;
        }
        if let Some(l) = line.strip_suffix(b"\r") {
            line = l;
        }
        if line.is_empty() {
            if let (Some(p), Some(v)) = (p.take(), v.take()) {
                out.push((p, v, a.take().unwrap_or_default()));
            }
            (p, v, a) = (None, None, None);
            if n == 0 {
                break;
            }
            continue;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            // A continuation line, never a field.
            continue;
        }
        let line = String::from_utf8_lossy(line);
        if let Some((name, value)) = super::dpkg::field(&line) {
            let is = |f: &str| name.eq_ignore_ascii_case(f);
            if is("Package") {
                if wanted(value) {
                    p = Some(value.to_string());
                } else {
                    (p, v, a) = (None, None, None);
                    // `buf` held the Package line, so the reader is at a line start
                    // (or at the end of an index without a final newline).
                    if buf.ends_with(b"\n") {
                        skip_stanza(&mut reader, &lf, &mut buf)?;
                    }
                }
            } else if is("Version") {
                v = Some(value.to_string());
            } else if is("Architecture") {
                a = Some(value.to_string());
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stanzas_skip_unwanted_packages_to_their_blank_line() {
        let index: &[u8] = b"Package: other\nVersion: 9\nDescription: x\n\n\
            package: openssl\nArchitecture: amd64\nVersion: 3.0.17-1\n Package: fake\n\n\
            Package: other2\r\nVersion: 1\r\n\r\n\
            Version: 2.0\nPackage: bash\nArchitecture: all\n\n\n\
            Package: other3\nPackage: sudo\n\n\
            Package: zlib1g\nVersion: 1:1.2\nArchitecture: amd64";
        let wanted = ["openssl", "bash", "sudo", "zlib1g"];
        let got = stanzas(index, |p| wanted.contains(&p)).unwrap();
        let got: Vec<(&str, &str, &str)> = got
            .iter()
            .map(|(p, v, a)| (p.as_str(), v.as_str(), a.as_str()))
            .collect();
        // An unwanted stanza is passed over whole (its later `Package: sudo` line too); a
        // CRLF blank line ends a stanza; the last stanza needs no final newline.
        let expected = [
            ("openssl", "3.0.17-1", "amd64"),
            ("bash", "2.0", "all"),
            ("zlib1g", "1:1.2", "amd64"),
        ];
        assert_eq!(got, expected);
        // The same through buffers of every small size (blank lines split between reads),
        // and with every line ending in CRLF.
        let crlf: Vec<u8> = index
            .split(|&b| b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
            .collect::<Vec<_>>()
            .join(&b"\r\n"[..]);
        for text in [index, &crlf[..]] {
            for cap in 1..40 {
                let reader = std::io::BufReader::with_capacity(cap, text);
                let got = stanzas(reader, |p| wanted.contains(&p)).unwrap();
                let got: Vec<(&str, &str, &str)> = got
                    .iter()
                    .map(|(p, v, a)| (p.as_str(), v.as_str(), a.as_str()))
                    .collect();
                assert_eq!(got, expected, "buffer of {cap} bytes");
            }
        }
    }
}
