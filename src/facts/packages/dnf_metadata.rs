//! Updates waiting on a RHEL-family or Fedora host, from the repository metadata dnf keeps
//! in its cache (`/var/cache/dnf/<repo>-<hash>/repodata/`, dnf5's
//! `/var/cache/libdnf5/…`): each repository's `repomd.xml`, its `primary` package list and,
//! where the repository publishes one, its `updateinfo` advisories.
//!
//! An installed package has a pending update when `primary` lists the same name for its
//! architecture (or `noarch`) at a higher epoch:version-release in rpm's order; it is
//! available since the package file's time in `primary` (`<time file=…>`, when createrepo
//! saw it), or the advisory's `issued` date when updateinfo names it. Only updateinfo says
//! which updates are security fixes: a host whose repositories publish none leaves that
//! unknown (`security_known: false`), which the security-update check reports as `error`.
//! The newest `<timestamp>` in the `repomd.xml` files is when the metadata was generated,
//! so the cache was refreshed after it.
//!
//! `primary` and `updateinfo` are read plain or compressed with gzip (RHEL 8 and 9 and their
//! rebuilds), zstd (Fedora) or xz; bzip2 (yum's `.sqlite.bz2` when it left no decompressed
//! copy) is named in the warnings. yum's cache (`/var/cache/yum/<arch>/<releasever>/<repo>/`, RHEL and CentOS 7)
//! is read from the copies yum decompresses into `gen/` (`primary_db.sqlite`,
//! `updateinfo.xml`), or the files beside `repomd.xml` when gzip or plain. Reads are
//! bounded: each file by the host root's read cap, each decompressed stream by [`MAX_XML`].

use std::collections::HashMap;
use std::io::{BufRead, BufReader};

use quick_xml::events::{BytesStart, Event};

use super::apt_lists::{IndexFile, Pending, Update};
use super::{Bounded, Inventory, PackageFormat};
use crate::facts::Fact;
use crate::host_root::HostRoot;
use crate::version::{Rpm, Scheme};

/// dnf's caches, newest dnf first.
pub const CACHES: [&str; 2] = ["/var/cache/libdnf5", "/var/cache/dnf"];

/// Largest decompressed metadata file read (AppStream's primary is about 100 MB).
pub const MAX_XML: u64 = 1 << 30;

/// A package version offered by a repository.
struct Offer {
    name: String,
    arch: String,
    evr: String,
    /// RFC 3339.
    since: Option<String>,
}

/// An installed package's epoch:version-release (epoch 0 when none) and architecture.
fn installed(inventory: &Inventory) -> HashMap<&str, Vec<(String, &str)>> {
    let mut m: HashMap<&str, Vec<(String, &str)>> = HashMap::new();
    for p in &inventory.packages {
        let Some(r) = &p.rpm else { continue };
        let evr = format!("{}:{}-{}", r.epoch.unwrap_or(0), r.version, r.release);
        m.entry(p.name.as_str())
            .or_default()
            .push((evr, p.architecture.as_str()));
    }
    m
}

fn arch_fits(offered: &str, have: &str) -> bool {
    offered == have || offered == "noarch" || have == "noarch" || have.is_empty()
}

/// Compare the installed rpm packages with dnf's (or yum's) cached repository metadata.
pub fn collect(root: &HostRoot, inventory: &Inventory) -> Fact<Pending> {
    if inventory.format != PackageFormat::Rpm {
        return Fact::error("dnf repository metadata is only compared with an rpm inventory");
    }
    let mut repos: Vec<Repo> = Vec::new();
    let mut searched: Vec<&str> = Vec::new();
    for cache in CACHES {
        searched.push(cache);
        let entries = match root.read_dir(cache) {
            Ok(e) => e,
            Err(e) if e.is_not_found() => continue,
            Err(e) => return Fact::from_read_error(&e),
        };
        for entry in entries {
            let Some(name) = entry.name_str() else {
                continue;
            };
            let repomd = format!("{cache}/{name}/repodata/repomd.xml");
            if root.exists(&repomd) {
                // `<repo>-<16 hex digits>`: the id is what comes before the hash.
                let id = name
                    .rsplit_once('-')
                    .filter(|(_, h)| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()))
                    .map(|(id, _)| id)
                    .unwrap_or(name);
                repos.push(Repo {
                    id: id.to_string(),
                    dir: format!("{cache}/{name}"),
                    repomd,
                    yum: false,
                });
            }
        }
    }
    // yum keeps `<arch>/<releasever>/<repo>/` with the files beside repomd.xml.
    searched.push(YUM_CACHE);
    let mut dirs = vec![(YUM_CACHE.to_string(), 0)];
    while let Some((dir, depth)) = dirs.pop() {
        let entries = match root.read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.is_not_found() || depth > 0 => continue,
            Err(e) => return Fact::from_read_error(&e),
        };
        for entry in entries {
            let Some(name) = entry.name_str() else {
                continue;
            };
            let path = format!("{dir}/{name}");
            if depth < 2 {
                dirs.push((path, depth + 1));
            } else if root.exists(format!("{path}/repomd.xml")) {
                repos.push(Repo {
                    id: name.to_string(),
                    repomd: format!("{path}/repomd.xml"),
                    dir: path,
                    yum: true,
                });
            }
        }
    }
    repos.sort_by(|a, b| a.repomd.cmp(&b.repomd));
    if repos.is_empty() {
        return Fact::error(format!(
            "no repository metadata in {} (dnf or yum never refreshed it, or a `clean all` \
             removed it): whether updates are waiting is unknown",
            searched.join(" or ")
        ));
    }
    let have = installed(inventory);
    let mut out = Pending {
        manager: "dnf".into(),
        security_known: false,
        ..Pending::default()
    };
    let mut best: HashMap<String, Update> = HashMap::new();
    let mut newest_meta: Option<(String, String)> = None;
    for repo in repos {
        let repomd_path = repo.repomd.clone();
        let repomd = match root.read_lossy(&repomd_path) {
            Ok(t) => t,
            Err(e) => {
                out.warnings.push(e.to_string());
                continue;
            }
        };
        let md = match parse_repomd(&repomd) {
            Ok(m) => m,
            Err(e) => {
                out.warnings.push(format!("{repomd_path}: {e}"));
                continue;
            }
        };
        if let Some(t) = &md.newest {
            if newest_meta.as_ref().is_none_or(|(n, _)| t > n) {
                newest_meta = Some((t.clone(), repomd_path.clone()));
            }
        }
        let mut index = IndexFile {
            path: repomd_path.clone(),
            suite: Some(repo.id.clone()),
            date: md.newest.clone(),
            security: false,
        };
        let Some(primary) = md.primary else {
            out.warnings
                .push(format!("{repomd_path}: names no primary package list"));
            continue;
        };
        let offers = match repo.primary(root, &primary, md.primary_checksum.as_ref(), &have) {
            Ok(o) => o,
            Err(e) => {
                out.warnings.push(e);
                continue;
            }
        };
        for o in &offers {
            merge(&mut best, &have, o, false);
        }
        if let Some(updateinfo) = md.updateinfo {
            let path = repo.file(root, &updateinfo, "updateinfo.xml");
            let checksum = md
                .updateinfo_checksum
                .as_ref()
                .filter(|_| !path.contains("/gen/"));
            match read_xml(root, &path, checksum, |r| parse_updateinfo(r, &have)) {
                Ok(security) => {
                    out.security_known = true;
                    index.security = true;
                    for o in &security {
                        merge(&mut best, &have, o, true);
                    }
                }
                Err(e) => out.warnings.push(e),
            }
        }
        out.indexes.push(index);
    }
    if out.indexes.is_empty() {
        return Fact::error(format!(
            "no readable repository metadata in {}: {}",
            searched.join(" or "),
            out.warnings.join("; ")
        ));
    }
    if let Some((at, from)) = newest_meta {
        out.refreshed_at = Some(at);
        out.refreshed_from = Some(from);
    }
    let mut updates: Vec<Update> = best.into_values().collect();
    updates.sort_by(|a, b| a.package.cmp(&b.package));
    out.updates = updates;
    Fact::Collected { value: out }
}

/// yum's cache (RHEL and CentOS 7).
pub const YUM_CACHE: &str = "/var/cache/yum";

/// One cached repository.
struct Repo {
    id: String,
    /// The directory the metadata's `location` paths are relative to (dnf), or holding the
    /// files by name (yum).
    dir: String,
    repomd: String,
    yum: bool,
}

impl Repo {
    /// Where a file `repomd.xml` locates is: `DIR/repodata/NAME` for dnf; for yum
    /// `DIR/NAME`, or the copy yum decompressed into `DIR/gen/<generated>` when there is one.
    fn file(&self, root: &HostRoot, href: &str, generated: &str) -> String {
        if !self.yum {
            return format!("{}/{href}", self.dir);
        }
        let gen = format!("{}/gen/{generated}", self.dir);
        if root.exists(&gen) {
            return gen;
        }
        format!("{}/{}", self.dir, href.rsplit('/').next().unwrap_or(href))
    }

    /// The versions the repository offers of installed names: from `primary` XML, or from
    /// the SQLite copy of it yum keeps (`gen/primary_db.sqlite`).
    fn primary(
        &self,
        root: &HostRoot,
        href: &str,
        checksum: Option<&(String, String)>,
        have: &HashMap<&str, Vec<(String, &str)>>,
    ) -> Result<Vec<Offer>, String> {
        let path = self.file(root, href, "primary_db.sqlite");
        if path.ends_with(".sqlite") {
            return read_primary_db(root, &path, have);
        }
        // yum's decompressed copies in gen/ are not what the checksum describes.
        let checksum = checksum.filter(|_| !path.contains("/gen/"));
        read_xml(root, &path, checksum, |r| parse_primary(r, have))
    }
}

/// yum's SQLite `primary_db` (immutable and read-only, through a handle inside the root).
fn read_primary_db(
    root: &HostRoot,
    path: &str,
    have: &HashMap<&str, Vec<(String, &str)>>,
) -> Result<Vec<Offer>, String> {
    let rows = root
        .query_sqlite(path, |db| {
            let mut q =
                db.prepare("SELECT name, arch, epoch, version, release, time_file FROM packages")?;
            let rows = q
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, Option<i64>>(5)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>();
            rows
        })
        .map_err(|e| e.to_string())?;
    let rows = rows.map_err(|e| format!("{path}: not a readable yum primary database: {e}"))?;
    Ok(rows
        .into_iter()
        .filter(|(name, ..)| have.contains_key(name.as_str()))
        .map(|(name, arch, epoch, version, release, time)| Offer {
            evr: format!(
                "{}:{version}-{release}",
                epoch
                    .filter(|e| !e.is_empty())
                    .unwrap_or_else(|| "0".into())
            ),
            since: time.and_then(|t| timestamp(&t.to_string())),
            name,
            arch,
        })
        .collect())
}

/// Record an offered version that is newer than an installed one of a fitting architecture:
/// the newest candidate, the earliest date a newer version was available, and whether a
/// security advisory offers it.
fn merge(
    best: &mut HashMap<String, Update>,
    have: &HashMap<&str, Vec<(String, &str)>>,
    o: &Offer,
    security: bool,
) {
    for (evr, arch) in have.get(o.name.as_str()).into_iter().flatten() {
        if !arch_fits(&o.arch, arch) || Rpm.compare(&o.evr, evr) != Ok(std::cmp::Ordering::Greater)
        {
            continue;
        }
        let u = best.entry(o.name.clone()).or_insert_with(|| Update {
            package: o.name.clone(),
            installed: evr.clone(),
            candidate: o.evr.clone(),
            security: false,
            available_since: None,
        });
        u.security |= security;
        if Rpm.compare(&o.evr, &u.candidate) == Ok(std::cmp::Ordering::Greater) {
            u.candidate = o.evr.clone();
        }
        if let Some(s) = &o.since {
            if u.available_since.as_ref().is_none_or(|a| s < a) {
                u.available_since = Some(s.clone());
            }
        }
    }
}

/// `EPOCH:VERSION-RELEASE` from metadata attributes (epoch 0 when absent or empty).
fn evr_of(e: &BytesStart, version: &[u8], release: &[u8]) -> String {
    format!(
        "{}:{}-{}",
        attr(e, b"epoch")
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "0".into()),
        attr(e, version).unwrap_or_default(),
        attr(e, release).unwrap_or_default()
    )
}

/// What `repomd.xml` says: where `primary` and `updateinfo` are, and the newest timestamp.
#[derive(Debug, Default, PartialEq)]
struct Repomd {
    primary: Option<String>,
    updateinfo: Option<String>,
    /// The `<checksum>` of each file as located: (type, hex digest).
    primary_checksum: Option<(String, String)>,
    updateinfo_checksum: Option<(String, String)>,
    newest: Option<String>,
}

fn attr(e: &BytesStart, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

fn timestamp(secs: &str) -> Option<String> {
    let n: i64 = secs.trim().parse().ok()?;
    jiff::Timestamp::from_second(n).ok().map(|t| t.to_string())
}

fn parse_repomd(text: &str) -> Result<Repomd, String> {
    let mut r = quick_xml::Reader::from_str(text);
    let mut out = Repomd::default();
    let mut kind: Option<String> = None;
    let mut in_timestamp = false;
    let mut checksum_type: Option<String> = None;
    let mut newest: Option<i64> = None;
    loop {
        match r.read_event().map_err(|e| format!("not valid XML: {e}"))? {
            Event::Start(e) if e.local_name().as_ref() == b"checksum" => {
                checksum_type = attr(&e, b"type").or_else(|| Some(String::new()));
            }
            Event::End(e) if e.local_name().as_ref() == b"checksum" => checksum_type = None,
            Event::Text(t) if checksum_type.is_some() => {
                let sum = (
                    checksum_type.clone().unwrap_or_default(),
                    t.unescape().unwrap_or_default().trim().to_ascii_lowercase(),
                );
                match kind.as_deref() {
                    Some("primary") => out.primary_checksum = Some(sum),
                    Some("updateinfo") => out.updateinfo_checksum = Some(sum),
                    _ => {}
                }
            }
            Event::Start(e) if e.local_name().as_ref() == b"data" => kind = attr(&e, b"type"),
            Event::End(e) if e.local_name().as_ref() == b"data" => kind = None,
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"location" => {
                let href = attr(&e, b"href");
                match kind.as_deref() {
                    Some("primary") => out.primary = href,
                    Some("updateinfo") => out.updateinfo = href,
                    _ => {}
                }
            }
            Event::Start(e) if e.local_name().as_ref() == b"timestamp" => in_timestamp = true,
            Event::End(e) if e.local_name().as_ref() == b"timestamp" => in_timestamp = false,
            Event::Text(t) if in_timestamp && kind.is_some() => {
                if let Ok(n) = t.unescape().unwrap_or_default().trim().parse::<i64>() {
                    newest = Some(newest.map_or(n, |m| m.max(n)));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out.newest = newest.and_then(|n| timestamp(&n.to_string()));
    Ok(out)
}

/// Open a metadata file (plain or compressed), check it against the checksum `repomd.xml`
/// gives for it (as dnf does: a damaged or partial download is not used), and parse it with
/// `parse`; `Err` names the file.
fn read_xml<T>(
    root: &HostRoot,
    path: &str,
    checksum: Option<&(String, String)>,
    parse: impl FnOnce(&mut dyn BufRead) -> Result<T, String>,
) -> Result<T, String> {
    if path.ends_with(".bz2") {
        return Err(format!(
            "{path}: compressed with bzip2, which Ward does not read"
        ));
    }
    if path.split('/').any(|c| c == "..") {
        return Err(format!("{path}: refers outside its repository"));
    }
    let bytes = root.read(path).map_err(|e| e.to_string())?;
    if let Some((kind, expected)) = checksum {
        use sha2::Digest;
        let actual = match kind.as_str() {
            "sha256" => Some(hex::encode(sha2::Sha256::digest(&bytes))),
            "sha512" => Some(hex::encode(sha2::Sha512::digest(&bytes))),
            // Other digests (sha1, md5 on very old repositories) are not checked.
            _ => None,
        };
        if let Some(actual) = actual.filter(|a| a != expected) {
            return Err(format!(
                "{path}: {kind} is {actual}, repomd.xml says {expected} (damaged or partly \
                 downloaded): not used"
            ));
        }
    }
    let result = if path.ends_with(".gz") {
        let decoder = Bounded::new(flate2::read::GzDecoder::new(bytes.as_slice()), MAX_XML);
        parse(&mut BufReader::new(decoder))
    } else if path.ends_with(".zst") {
        match ruzstd::decoding::StreamingDecoder::new(bytes.as_slice()) {
            Ok(decoder) => parse(&mut BufReader::new(Bounded::new(decoder, MAX_XML))),
            Err(e) => Err(format!("not a readable zstd stream: {e}")),
        }
    } else if path.ends_with(".xz") {
        // lzma-rs decodes xz whole, into a buffer that refuses to grow past the cap.
        let mut out = Capped(Vec::new());
        match lzma_rs::xz_decompress(&mut bytes.as_slice(), &mut out) {
            Ok(()) => parse(&mut out.0.as_slice()),
            Err(e) => Err(format!("not a readable xz stream: {e}")),
        }
    } else {
        parse(&mut bytes.as_slice())
    };
    result.map_err(|e| format!("{path}: {e}"))
}

/// A buffer that refuses to hold more than [`MAX_XML`] bytes.
struct Capped(Vec<u8>);

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() as u64 + buf.len() as u64 > MAX_XML {
            return Err(std::io::Error::other(format!(
                "more than {} MiB decompressed",
                MAX_XML >> 20
            )));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Stream a document's events to `f` until its end: invalid XML is an error naming the
/// byte, and so is a document that ends inside an element.
fn for_each_event(
    input: &mut dyn BufRead,
    mut f: impl FnMut(Event) -> Result<(), String>,
) -> Result<(), String> {
    let mut r = quick_xml::Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut depth = 0usize;
    loop {
        let ev = r
            .read_event_into(&mut buf)
            .map_err(|e| format!("not valid XML at byte {}: {e}", r.buffer_position()))?;
        depth = track_depth(&ev, depth)?;
        if matches!(ev, Event::Eof) {
            return Ok(());
        }
        f(ev)?;
        buf.clear();
    }
}

/// Element nesting after an event; a document that ends inside an element (a file cut
/// short) is an error, never a shorter list.
fn track_depth(ev: &Event, depth: usize) -> Result<usize, String> {
    match ev {
        Event::Start(_) => Ok(depth + 1),
        Event::End(_) => Ok(depth.saturating_sub(1)),
        Event::Eof if depth > 0 => Err("ends inside an element: the file is cut short".into()),
        _ => Ok(depth),
    }
}

/// The versions `primary` offers of installed package names.
fn parse_primary(
    input: &mut dyn BufRead,
    have: &HashMap<&str, Vec<(String, &str)>>,
) -> Result<Vec<Offer>, String> {
    let mut out = Vec::new();
    let mut field: Option<&'static str> = None;
    let (mut name, mut arch, mut evr, mut since) = (String::new(), String::new(), None, None);
    for_each_event(input, |ev| {
        match ev {
            Event::Start(e) if e.local_name().as_ref() == b"package" => {
                (name, arch, evr, since) = (String::new(), String::new(), None, None);
            }
            Event::Start(e) => {
                field = match e.local_name().as_ref() {
                    b"name" => Some("name"),
                    b"arch" => Some("arch"),
                    _ => None,
                };
            }
            Event::Empty(e) if e.local_name().as_ref() == b"version" => {
                evr = Some(evr_of(&e, b"ver", b"rel"));
            }
            Event::Empty(e) if e.local_name().as_ref() == b"time" => {
                since = attr(&e, b"file").and_then(|f| timestamp(&f));
            }
            Event::Text(t) => {
                let text = t.unescape().map_err(|e| e.to_string())?;
                match field {
                    Some("name") => name.push_str(text.trim()),
                    Some("arch") => arch.push_str(text.trim()),
                    _ => {}
                }
            }
            Event::End(e) => {
                field = None;
                if e.local_name().as_ref() == b"package" && have.contains_key(name.as_str()) {
                    if let Some(evr) = evr.take() {
                        out.push(Offer {
                            name: std::mem::take(&mut name),
                            arch: std::mem::take(&mut arch),
                            evr,
                            since: since.take(),
                        });
                    }
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(out)
}

/// The packages of `updateinfo`'s security advisories whose names are installed, at the
/// advisory's version, available since its `issued` date.
fn parse_updateinfo(
    input: &mut dyn BufRead,
    have: &HashMap<&str, Vec<(String, &str)>>,
) -> Result<Vec<Offer>, String> {
    let mut out = Vec::new();
    let mut security = false;
    let mut issued: Option<String> = None;
    for_each_event(input, |ev| {
        match ev {
            Event::Start(e) if e.local_name().as_ref() == b"update" => {
                security = attr(&e, b"type").as_deref() == Some("security");
                issued = None;
            }
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"issued" => {
                // `2024-01-10 00:00:00` (or seconds since the epoch, as some tools write).
                issued = attr(&e, b"date").and_then(|d| {
                    timestamp(&d).or_else(|| {
                        d.get(..10)
                            .and_then(|day| day.parse::<jiff::civil::Date>().ok())
                            .map(|day| format!("{day}T00:00:00Z"))
                    })
                });
            }
            Event::Start(e) | Event::Empty(e)
                if security && e.local_name().as_ref() == b"package" =>
            {
                if let Some(name) = attr(&e, b"name").filter(|n| have.contains_key(n.as_str())) {
                    out.push(Offer {
                        evr: evr_of(&e, b"version", b"release"),
                        arch: attr(&e, b"arch").unwrap_or_default(),
                        name,
                        since: issued.clone(),
                    });
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    // Versions not above the installed one are dropped by `merge`.
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repomd_locations_and_newest_timestamp() {
        let md = parse_repomd(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
  <revision>1714000000</revision>
  <data type="primary">
    <location href="repodata/abc-primary.xml.gz"/>
    <timestamp>1714470000</timestamp>
  </data>
  <data type="updateinfo">
    <location href="repodata/def-updateinfo.xml.gz"/>
    <timestamp>1714480000</timestamp>
  </data>
</repomd>"#,
        )
        .unwrap();
        assert_eq!(md.primary.as_deref(), Some("repodata/abc-primary.xml.gz"));
        assert_eq!(
            md.updateinfo.as_deref(),
            Some("repodata/def-updateinfo.xml.gz")
        );
        assert_eq!(md.newest.as_deref(), Some("2024-04-30T12:26:40Z"));
        assert!(parse_repomd("<repomd><data></repomd>").is_err());
    }
}
