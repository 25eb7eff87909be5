//! Installed packages from the RPM database, read natively (no `rpm` binary), in the
//! forms rpm has used: SQLite `rpmdb.sqlite` (rpm 4.16 and later: RHEL 9, Fedora) and
//! Berkeley DB `Packages` (up to 4.15: RHEL 7 and 8) and NDB `Packages.db` (SUSE), under
//! `/usr/lib/sysimage/rpm` and `/var/lib/rpm`.
//!
//! Each database value is a header blob ([`header`]); a package's name, epoch, version,
//! release, architecture, licence and source RPM come from its tags, as `rpm -qa --qf`
//! prints them. The source package name and version are taken from the source RPM's file
//! name (`name-version-release.src.rpm`); `gpg-pubkey` entries have none and stand for
//! themselves. A header that does not parse is a warning naming its record, and the rest
//! of the database is still read.

mod bdb;
pub(crate) mod header;
mod ndb;

use super::{Inventory, Package, PackageFormat, RpmFields};
use crate::facts::{Fact, Origin};
use crate::host_root::HostRoot;
use header::Header;

/// Where rpm keeps its database, newest layout first.
const DIRS: [&str; 2] = ["/usr/lib/sysimage/rpm", "/var/lib/rpm"];

/// The RPM database of the host, if it has one.
pub fn collect(root: &HostRoot) -> Option<Fact<Inventory>> {
    for dir in DIRS {
        let sqlite = format!("{dir}/rpmdb.sqlite");
        if root.exists(&sqlite) {
            return Some(read_sqlite(root, &sqlite));
        }
        let ndb = format!("{dir}/Packages.db");
        if root.exists(&ndb) {
            return Some(read_ndb(root, &ndb));
        }
        let bdb = format!("{dir}/Packages");
        if root.exists(&bdb) {
            return Some(read_bdb(root, &bdb));
        }
    }
    None
}

fn inventory(path: &str) -> Inventory {
    Inventory {
        format: PackageFormat::Rpm,
        database: path.to_string(),
        packages: Vec::new(),
        warnings: Vec::new(),
    }
}

/// Read `rpmdb.sqlite` (immutable and read-only, through a handle inside the root).
fn read_sqlite(root: &HostRoot, path: &str) -> Fact<Inventory> {
    let rows = match root.query_sqlite(path, |db| {
        let mut stmt = db.prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))?
            .collect::<Result<Vec<_>, _>>();
        rows
    }) {
        Ok(rows) => rows,
        Err(e) => return Fact::from_read_error(&e),
    };
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) => return Fact::error(format!("{path}: not a readable rpm database: {e}")),
    };
    let mut out = inventory(path);
    for (hnum, blob) in rows {
        add(&mut out, path, hnum, &blob);
    }
    Fact::Collected { value: out }
}

/// Read a Berkeley DB `Packages` file whole (it is subject to the read cap).
fn read_bdb(root: &HostRoot, path: &str) -> Fact<Inventory> {
    read_whole(root, path, |bytes| {
        let mut records = Vec::new();
        for (key, value) in bdb::pairs(bytes)? {
            // The key is the header number in the writer's byte order; record 0 is rpm's
            // counter, not a header.
            let number = match <[u8; 4]>::try_from(key.as_slice()) {
                Ok(k) if u32::from_le_bytes(k) == 0 => continue,
                Ok(k) => i64::from(u32::from_le_bytes(k).min(u32::from_be_bytes(k))),
                Err(_) => -1,
            };
            records.push((number, value));
        }
        Ok(records)
    })
}

/// Read an NDB `Packages.db` whole (it is subject to the read cap).
fn read_ndb(root: &HostRoot, path: &str) -> Fact<Inventory> {
    read_whole(root, path, |bytes| {
        Ok(ndb::blobs(bytes)?
            .into_iter()
            .map(|(index, blob)| (i64::from(index), blob.to_vec()))
            .collect())
    })
}

/// Read a database file whole and add the package of every (record number, header blob)
/// that `records` finds in it.
fn read_whole(
    root: &HostRoot,
    path: &str,
    records: impl Fn(&[u8]) -> Result<Vec<(i64, Vec<u8>)>, String>,
) -> Fact<Inventory> {
    let bytes = match root.read(path) {
        Ok(b) => b,
        Err(e) => return Fact::from_read_error(&e),
    };
    let found = match records(&bytes) {
        Ok(r) => r,
        Err(e) => return Fact::error(format!("{path}: {e}")),
    };
    let mut out = inventory(path);
    for (number, blob) in found {
        add(&mut out, path, number, &blob);
    }
    Fact::Collected { value: out }
}

/// Add the package of one header blob, or a warning naming the record.
fn add(out: &mut Inventory, path: &str, record: i64, blob: &[u8]) {
    match package(path, blob) {
        Ok(p) => out.packages.push(p),
        Err(e) => out
            .warnings
            .push(format!("{path}: record {record}: {e}; skipped")),
    }
}

fn package(path: &str, blob: &[u8]) -> Result<Package, String> {
    let h = Header::parse(blob)?;
    let name = h.string(header::NAME)?.ok_or("header has no NAME")?;
    let version = h.string(header::VERSION)?.ok_or("header has no VERSION")?;
    let release = h.string(header::RELEASE)?.ok_or("header has no RELEASE")?;
    let epoch = h.int32(header::EPOCH)?;
    let arch = h.string(header::ARCH)?.unwrap_or_default();
    let source_rpm = h.string(header::SOURCERPM)?;
    let license = h.string(header::LICENSE)?;
    let evr = match epoch {
        Some(e) => format!("{e}:{version}-{release}"),
        None => format!("{version}-{release}"),
    };
    let (source_name, source_version) = source_rpm
        .as_deref()
        .and_then(split_source_rpm)
        .unwrap_or_else(|| (name.clone(), format!("{version}-{release}")));
    Ok(Package {
        name,
        version: evr,
        architecture: arch,
        source_name,
        source_version,
        format: PackageFormat::Rpm,
        status: "installed".into(),
        license,
        rpm: Some(RpmFields {
            epoch,
            version,
            release,
            source_rpm,
        }),
        origin: Origin {
            path: path.to_string().into(),
            line: None,
        },
    })
}

/// `glibc-2.34-83.el9_3.7.src.rpm` → (`glibc`, `2.34-83.el9_3.7`).
fn split_source_rpm(file: &str) -> Option<(String, String)> {
    let stem = file
        .strip_suffix(".src.rpm")
        .or_else(|| file.strip_suffix(".nosrc.rpm"))?;
    let (name_version, release) = stem.rsplit_once('-')?;
    let (name, version) = name_version.rsplit_once('-')?;
    if name.is_empty() || version.is_empty() || release.is_empty() {
        return None;
    }
    Some((name.to_string(), format!("{version}-{release}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_rpm_names_split_on_the_last_two_hyphens() {
        assert_eq!(
            split_source_rpm("glibc-2.34-83.el9_3.7.src.rpm"),
            Some(("glibc".into(), "2.34-83.el9_3.7".into()))
        );
        assert_eq!(
            split_source_rpm("python3.11-3.11.5-1.el9_3.src.rpm"),
            Some(("python3.11".into(), "3.11.5-1.el9_3".into()))
        );
        assert_eq!(split_source_rpm("nonsense"), None);
        assert_eq!(split_source_rpm("-1-2.src.rpm"), None);
    }

    #[test]
    fn corrupt_berkeley_db_files_are_errors_not_panics() {
        assert!(bdb::pairs(b"").is_err());
        assert!(bdb::pairs(&[0u8; 4096]).is_err());
        let mut meta = vec![0u8; 4096];
        meta[12..16].copy_from_slice(&0x0006_1561u32.to_le_bytes());
        meta[20..24].copy_from_slice(&4096u32.to_le_bytes());
        meta[32..36].copy_from_slice(&9u32.to_le_bytes());
        let e = bdb::pairs(&meta).unwrap_err();
        assert!(e.contains("truncated"), "{e}");
    }
}
