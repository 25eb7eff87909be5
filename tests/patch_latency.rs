//! Pending updates from apt's package indexes: which installed packages have a newer
//! version in `/var/lib/apt/lists`, whether a security index offers it, and since when it
//! has been available at the latest (the index's Release `Date:`).

use std::path::Path;

use ward::facts::packages::{self, apt_lists};
use ward::facts::Fact;
use ward::host_root::HostRoot;

fn write(root: &Path, path: &str, text: &str) {
    let p = root.join(path.trim_start_matches('/'));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const STATUS: &str = "Package: openssl\nStatus: install ok installed\nVersion: 3.0.11-1~deb12u1\nArchitecture: amd64\n\n\
Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b2\nArchitecture: amd64\n\n\
Package: tzdata\nStatus: install ok installed\nVersion: 2024a-0+deb12u1\nArchitecture: all\n\n\
Package: libfoo\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: arm64\n";

fn host() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    write(r, "/var/lib/dpkg/status", STATUS);
    let lists = "/var/lib/apt/lists";
    write(r, &format!("{lists}/deb.debian.org_debian_dists_bookworm_InRelease"),
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nOrigin: Debian\nLabel: Debian\nSuite: stable\nCodename: bookworm\nDate: Sun, 08 Nov 2026 09:27:41 UTC\n");
    write(r, &format!("{lists}/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages"),
        "Package: bash\nVersion: 5.2.15-2+b2\nArchitecture: amd64\n\n\
Package: openssl\nVersion: 3.0.9-1\nArchitecture: amd64\n\n\
Package: tzdata\nVersion: 2025b-0+deb12u1\nArchitecture: all\nDescription: time zones\n continuation: not a field\n\n\
Package: libfoo\nVersion: 9.9-1\nArchitecture: amd64\n");
    write(r, &format!("{lists}/security.debian.org_debian-security_dists_bookworm-security_InRelease"),
        "Origin: Debian\nLabel: Debian-Security\nSuite: stable-security\nDate: Tue, 17 Nov 2026 18:00:00 UTC\n");
    write(r, &format!("{lists}/security.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages"),
        "Package: openssl\nVersion: 3.0.17-1~deb12u3\nArchitecture: amd64\n");
    write(
        r,
        &format!("{lists}/ftp.example_debian_dists_bookworm_contrib_binary-amd64_Packages.lz4"),
        "x",
    );
    t
}

fn pending(root: &HostRoot) -> Fact<apt_lists::Pending> {
    let Fact::Collected { value: inv } = packages::collect(root) else {
        panic!("inventory")
    };
    apt_lists::collect(root, &inv)
}

#[test]
fn newer_versions_security_and_dates() {
    let t = host();
    let root = HostRoot::new(t.path()).unwrap();
    let Fact::Collected { value: p } = pending(&root) else {
        panic!("pending")
    };
    let got: Vec<(&str, &str, &str, bool, Option<&str>)> = p
        .updates
        .iter()
        .map(|u| {
            (
                u.package.as_str(),
                u.installed.as_str(),
                u.candidate.as_str(),
                u.security,
                u.available_since.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "openssl",
                "3.0.11-1~deb12u1",
                "3.0.17-1~deb12u3",
                true,
                Some("2026-11-17T18:00:00Z")
            ),
            (
                "tzdata",
                "2024a-0+deb12u1",
                "2025b-0+deb12u1",
                false,
                Some("2026-11-08T09:27:41Z")
            ),
        ]
    );
    // bash is current; libfoo's newer version is for another architecture.
    assert_eq!(p.indexes.len(), 2);
    assert!(p
        .indexes
        .iter()
        .any(|i| i.security && i.suite.as_deref() == Some("bookworm-security")));
    assert!(
        p.warnings
            .iter()
            .any(|w| w.contains("Packages.lz4") && w.contains("compressed")),
        "{:?}",
        p.warnings
    );
}

#[test]
fn no_indexes_is_unknown_not_none() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "/var/lib/dpkg/status", STATUS);
    let root = HostRoot::new(t.path()).unwrap();
    match pending(&root) {
        Fact::Error { reason, .. } => assert!(reason.contains("unknown"), "{reason}"),
        Fact::Collected { .. } => panic!("no lists must not mean no updates"),
    }
    write(t.path(), "/var/lib/apt/lists/lock", "");
    match pending(&root) {
        Fact::Error { reason, .. } => assert!(reason.contains("no package indexes"), "{reason}"),
        Fact::Collected { .. } => panic!("no lists must not mean no updates"),
    }
}

#[test]
fn rpm_hosts_say_their_metadata_is_not_read() {
    let t = host();
    let root = HostRoot::new(t.path()).unwrap();
    let inv = packages::Inventory {
        format: packages::PackageFormat::Rpm,
        ..Default::default()
    };
    match apt_lists::collect(&root, &inv) {
        Fact::Error { reason, .. } => assert!(reason.contains("dnf/yum"), "{reason}"),
        Fact::Collected { .. } => panic!("an rpm host must not be read through apt lists"),
    }
}
