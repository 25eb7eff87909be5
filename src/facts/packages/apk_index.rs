//! Updates waiting on an Alpine host, from the repository indexes `apk update` keeps in
//! `/var/cache/apk/APKINDEX.<hash>.tar.gz`.
//!
//! Each file is a signature tarball followed by the index tarball, each gzip-compressed on
//! its own; decompressed in sequence they read as one tar stream holding `DESCRIPTION`
//! (the repository, e.g. `v3.18.4-…`) and `APKINDEX` (one record per package: `P:` name,
//! `V:` version, `A:` architecture, records separated by blank lines). An installed package
//! has a pending update when an index lists its name for its architecture (or `noarch`)
//! at a higher version in apk's order. The index's own time (its tar entry's mtime, when the
//! repository generated it) is when the newer version was available at the latest, and is
//! the lower bound of when the host refreshed its indexes.
//!
//! Alpine's indexes do not say which updates are security fixes (`security_known: false`),
//! so the security-update check is `error` on Alpine hosts; waiting updates and index age
//! are still reported. Reads are bounded: each file by the host root's read cap, the
//! decompressed stream by [`MAX_INDEX`].

use std::collections::HashMap;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;

use super::apt_lists::{IndexFile, Pending, Update};
use super::{Bounded, Inventory, PackageFormat};
use crate::facts::Fact;
use crate::host_root::HostRoot;
use crate::version::{Apk, Scheme};

/// Where `apk update` keeps the indexes.
pub const CACHE: &str = "/var/cache/apk";

/// Largest decompressed index stream read (the community repository's is about 10 MB).
pub const MAX_INDEX: u64 = 256 << 20;

/// One index: its repository description, generation time and (name, version, arch) rows.
struct Index {
    description: Option<String>,
    generated: Option<String>,
    packages: Vec<(String, String, String)>,
}

/// Read one `APKINDEX.*.tar.gz`.
fn read_index(bytes: &[u8]) -> Result<Index, String> {
    let stream = Bounded::new(flate2::read::MultiGzDecoder::new(bytes), MAX_INDEX);
    let mut archive = tar::Archive::new(stream);
    let mut out = Index {
        description: None,
        generated: None,
        packages: Vec::new(),
    };
    let mut found = false;
    for entry in archive
        .entries()
        .map_err(|e| format!("not a readable index: {e}"))?
    {
        let mut entry = entry.map_err(|e| format!("not a readable index: {e}"))?;
        let name = entry.path_bytes().into_owned();
        let mut text = String::new();
        match name.as_slice() {
            b"DESCRIPTION" => {
                entry
                    .read_to_string(&mut text)
                    .map_err(|e| format!("DESCRIPTION: {e}"))?;
                out.description = Some(text.trim().to_string());
            }
            b"APKINDEX" => {
                out.generated = entry
                    .header()
                    .mtime()
                    .ok()
                    .and_then(|t| jiff::Timestamp::from_second(t as i64).ok())
                    .map(|t| t.to_string());
                entry
                    .read_to_string(&mut text)
                    .map_err(|e| format!("APKINDEX: {e}"))?;
                out.packages = records(&text);
                found = true;
            }
            _ => {}
        }
    }
    if !found {
        return Err("holds no APKINDEX".to_string());
    }
    Ok(out)
}

/// (name, version, arch) of each APKINDEX record.
fn records(text: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let (mut p, mut v, mut a) = (None, None, None);
    for line in text.lines().chain(std::iter::once("")) {
        if line.is_empty() {
            if let (Some(p), Some(v)) = (p.take(), v.take()) {
                out.push((p, v, a.take().unwrap_or_default()));
            }
            (p, v, a) = (None, None, None);
        } else if let Some(x) = line.strip_prefix("P:") {
            p = Some(x.to_string());
        } else if let Some(x) = line.strip_prefix("V:") {
            v = Some(x.to_string());
        } else if let Some(x) = line.strip_prefix("A:") {
            a = Some(x.to_string());
        }
    }
    out
}

/// Compare the installed apk packages with the cached repository indexes.
pub fn collect(root: &HostRoot, inventory: &Inventory) -> Fact<Pending> {
    if inventory.format != PackageFormat::Apk {
        return Fact::error("apk indexes are only compared with an apk inventory");
    }
    let entries = match root.read_dir_matching(CACHE, |n| {
        let b = n.as_bytes();
        b.starts_with(b"APKINDEX.") && b.ends_with(b".tar.gz")
    }) {
        Ok(e) => e,
        Err(e) if e.is_not_found() => Vec::new(),
        Err(e) => return Fact::from_read_error(&e),
    };
    if entries.is_empty() {
        return Fact::error(format!(
            "no repository indexes in {CACHE} (apk update never run, or the cache was \
             cleaned): whether updates are waiting is unknown"
        ));
    }
    let mut have: HashMap<&str, Vec<(&str, &str)>> = HashMap::new();
    for p in &inventory.packages {
        have.entry(p.name.as_str())
            .or_default()
            .push((p.version.as_str(), p.architecture.as_str()));
    }
    let mut out = Pending {
        manager: "apk".into(),
        security_known: false,
        ..Pending::default()
    };
    let mut best: HashMap<String, Update> = HashMap::new();
    for entry in entries {
        let path = entry.display_path();
        let index = match root
            .read(&entry.path)
            .map_err(|e| e.to_string())
            .and_then(|b| read_index(&b).map_err(|e| format!("{path}: {e}")))
        {
            Ok(i) => i,
            Err(e) => {
                out.warnings.push(e);
                continue;
            }
        };
        for (name, version, arch) in &index.packages {
            for (installed, have_arch) in have.get(name.as_str()).into_iter().flatten() {
                let fits = arch == have_arch || arch == "noarch" || have_arch.is_empty();
                if !fits || Apk.compare(version, installed) != Ok(std::cmp::Ordering::Greater) {
                    continue;
                }
                let u = best.entry(name.clone()).or_insert_with(|| Update {
                    package: name.clone(),
                    installed: installed.to_string(),
                    candidate: version.clone(),
                    security: false,
                    available_since: None,
                });
                if Apk.compare(version, &u.candidate) == Ok(std::cmp::Ordering::Greater) {
                    u.candidate = version.clone();
                }
                if let Some(g) = &index.generated {
                    if u.available_since.as_ref().is_none_or(|a| g < a) {
                        u.available_since = Some(g.clone());
                    }
                }
            }
        }
        if let Some(g) = &index.generated {
            if out.refreshed_at.as_ref().is_none_or(|r| g > r) {
                out.refreshed_at = Some(g.clone());
                out.refreshed_from = Some(path.clone());
            }
        }
        out.indexes.push(IndexFile {
            path,
            suite: index.description,
            date: index.generated,
            security: false,
        });
    }
    if out.indexes.is_empty() {
        return Fact::error(format!(
            "no readable repository index in {CACHE}: {}",
            out.warnings.join("; ")
        ));
    }
    let mut updates: Vec<Update> = best.into_values().collect();
    updates.sort_by(|a, b| a.package.cmp(&b.package));
    out.updates = updates;
    Fact::Collected { value: out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_read_by_their_letters() {
        let r = records("C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\nt:1700000000\n\nP:busybox\nV:1.36.1-r5\nA:x86_64\n");
        assert_eq!(
            r,
            [
                ("musl".into(), "1.2.4-r2".into(), "x86_64".into()),
                ("busybox".into(), "1.36.1-r5".into(), "x86_64".into())
            ]
        );
    }
}
