//! ClamAV signature databases: which are installed and when each was built.
//!
//! Anti-malware with signatures weeks old misses what is spreading now, so the age of the
//! databases is the evidence that matters, not only the package. Each database file
//! (`daily.cvd`, `daily.cld`, `main.cvd`, `bytecode.cld`, …) starts with a 512-byte header
//! that `freshclam` keeps current: `ClamAV-VDB:` followed by colon-separated fields, the
//! build time as text, the version, the signature count, the functionality level, MD5,
//! digital signature, builder and (since ClamAV 0.9x) the build time in Unix seconds
//! (`cl_cvdparse` in libclamav's `cvd.c`). A `.cld` file is the unpacked, incrementally
//! patched form: freshclam writes the patched database's own first line as its header
//! (`buildcld`), so its build time is that of the newest update applied. Only the header
//! is read (the files are tens of megabytes), so the file's modification time, which a
//! copy or restore changes, is not needed; it is kept as evidence.
//!
//! The directory is `DatabaseDirectory` of freshclam's configuration
//! (`/etc/clamav/freshclam.conf` on Debian and Alpine, `/etc/freshclam.conf` on RHEL; the
//! last setting wins), else `/var/lib/clamav`. A missing directory is collected as no
//! databases; one that cannot be listed, or a database whose header cannot be read, is an
//! error naming it.

use std::io::Read;

use serde::{Deserialize, Serialize};

use super::Fact;
use crate::host_root::{HostRoot, ReadError};

/// freshclam's configuration files, Debian/Alpine first.
pub const FRESHCLAM_CONF: [&str; 2] = ["/etc/clamav/freshclam.conf", "/etc/freshclam.conf"];
/// The database directory when freshclam's configuration does not set one.
pub const DEFAULT_DIR: &str = "/var/lib/clamav";
/// Size of a database header.
pub const HEADER_SIZE: usize = 512;

/// The signature databases found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClamAv {
    /// The database directory read.
    pub directory: String,
    /// Where the directory came from (`freshclam.conf` line, or the default).
    pub directory_origin: String,
    /// Whether the directory exists.
    pub directory_exists: bool,
    pub databases: Vec<Database>,
    /// Files with a database suffix whose header is not a ClamAV header.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invalid: Vec<String>,
}

/// One database file and its header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Database {
    pub path: String,
    /// `daily`, `main`, `bytecode`, …
    pub name: String,
    pub version: u64,
    /// The build time as the header writes it (`14 Jul 2021 14-29 -0400`).
    pub built: String,
    /// The build time in Unix seconds, when the header carries it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub built_unix: Option<i64>,
    /// The file's modification time, Unix seconds.
    pub mtime: i64,
}

/// Collect the databases.
pub fn collect(root: &HostRoot) -> Fact<ClamAv> {
    let mut out = ClamAv {
        directory: DEFAULT_DIR.into(),
        directory_origin: "ClamAV's default".into(),
        ..ClamAv::default()
    };
    for conf in FRESHCLAM_CONF {
        let text = match root.read_lossy(conf) {
            Ok(t) => t,
            Err(ReadError::NotFound { .. }) => continue,
            Err(e) => return Fact::from_read_error(&e),
        };
        for (i, line) in text.lines().enumerate() {
            let mut w = line.split_whitespace();
            if w.next() == Some("DatabaseDirectory") {
                if let Some(dir) = w.next() {
                    out.directory = dir.trim_end_matches('/').to_string();
                    out.directory_origin = format!("{conf}:{}", i + 1);
                }
            }
        }
        break;
    }
    let entries = match root.read_dir_matching(&out.directory, |n| {
        n.to_str()
            .is_some_and(|n| n.ends_with(".cvd") || n.ends_with(".cld"))
    }) {
        Ok(e) => e,
        Err(ReadError::NotFound { .. }) => return Fact::Collected { value: out },
        Err(e) => return Fact::from_read_error(&e),
    };
    out.directory_exists = true;
    for e in entries {
        let path = e.display_path();
        let Some(file_name) = e.name_str() else {
            continue;
        };
        let name = file_name[..file_name.len() - 4].to_string();
        let (head, mtime) = match read_header(root, &path) {
            Ok(h) => h,
            Err(err) => return Fact::from_read_error(&err),
        };
        match parse_header(&head) {
            Some((built, version, built_unix)) => out.databases.push(Database {
                path,
                name,
                version,
                built,
                built_unix,
                mtime,
            }),
            None => out
                .invalid
                .push(format!("{path}: not a ClamAV database header")),
        }
    }
    Fact::Collected { value: out }
}

fn read_header(root: &HostRoot, path: &str) -> Result<(Vec<u8>, i64), ReadError> {
    let meta = root.metadata(path)?;
    let file = root.open(path)?;
    let mut head = Vec::with_capacity(HEADER_SIZE);
    file.take(HEADER_SIZE as u64)
        .read_to_end(&mut head)
        .map_err(|e| ReadError::Io {
            path: path.to_string(),
            message: e.to_string(),
        })?;
    Ok((head, meta.mtime))
}

/// The build time text, version and build time in seconds of a database header, as
/// `cl_cvdparse` reads them (fields split on `:`; numbers read like `atoi`).
pub fn parse_header(head: &[u8]) -> Option<(String, u64, Option<i64>)> {
    let text = String::from_utf8_lossy(head);
    let line = text.split('\n').next()?.trim_end();
    if !line.starts_with("ClamAV-VDB:") {
        return None;
    }
    let fields: Vec<&str> = line.split(':').filter(|f| !f.is_empty()).collect();
    let built = fields.get(1)?.trim().to_string();
    let version = atoi(fields.get(2)?)?;
    let built_unix = fields
        .get(8)
        .and_then(|f| atoi(f))
        .and_then(|n| i64::try_from(n).ok())
        .filter(|n| *n > 0);
    Some((built, version, built_unix))
}

fn atoi(s: &str) -> Option<u64> {
    let digits: String = s
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    const DAILY: &str = "ClamAV-VDB:30 Apr 2026 07-24 +0000:27623:2071234:90:\
                         0123456789abcdef0123456789abcdef:sig:raynman:1777533840";

    fn padded(h: &str) -> Vec<u8> {
        let mut v = h.as_bytes().to_vec();
        v.resize(HEADER_SIZE, b' ');
        v.extend_from_slice(b"\x1f\x8b binary body");
        v
    }

    #[test]
    fn headers_parse_as_libclamav_reads_them() {
        let (built, version, unix) = parse_header(&padded(DAILY)).unwrap();
        assert_eq!(built, "30 Apr 2026 07-24 +0000");
        assert_eq!(version, 27623);
        assert_eq!(unix, Some(1777533840));
        let old = "ClamAV-VDB:09 Mar 2008 12-00 +0100:6000:100:20:md5:sig:builder";
        assert_eq!(parse_header(old.as_bytes()).unwrap().2, None);
        assert!(parse_header(b"PK\x03\x04").is_none());
        assert!(parse_header(b"ClamAV-VDB:").is_none());
    }

    #[test]
    fn databases_in_the_configured_directory() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join("etc/clamav")).unwrap();
        fs::write(
            d.path().join("etc/clamav/freshclam.conf"),
            "DatabaseOwner clamav\nDatabaseDirectory /srv/clamav/\n",
        )
        .unwrap();
        fs::create_dir_all(d.path().join("srv/clamav")).unwrap();
        fs::write(d.path().join("srv/clamav/daily.cld"), padded(DAILY)).unwrap();
        fs::write(d.path().join("srv/clamav/junk.cvd"), b"nonsense").unwrap();
        let f = collect(&HostRoot::new(d.path()).unwrap());
        let v = f.value().unwrap();
        assert_eq!(v.directory, "/srv/clamav");
        assert_eq!(v.databases.len(), 1);
        assert_eq!(v.databases[0].name, "daily");
        assert_eq!(v.invalid.len(), 1);
    }

    #[test]
    fn no_directory_is_no_databases() {
        let d = tempfile::tempdir().unwrap();
        let v = collect(&HostRoot::new(d.path()).unwrap());
        let v = v.value().unwrap();
        assert!(!v.directory_exists);
        assert!(v.databases.is_empty());
    }
}
