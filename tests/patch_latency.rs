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

/// (package, installed, candidate, security, available since) of each update.
fn rows(p: &apt_lists::Pending) -> Vec<(&str, &str, &str, bool, Option<&str>)> {
    p.updates
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
        .collect()
}

/// The pending-updates collector as `ward scan` runs it (apt or dnf by the inventory).
fn pending(root: &HostRoot) -> Fact<apt_lists::Pending> {
    use ward::facts::Collector;
    ward::facts::registry::PendingUpdatesCollector.collect(root, &Default::default())
}

#[test]
fn newer_versions_security_and_dates() {
    let t = host();
    let root = HostRoot::new(t.path()).unwrap();
    let Fact::Collected { value: p } = pending(&root) else {
        panic!("pending")
    };
    let got = rows(&p);
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

/// apt's lists are never read for an rpm inventory (rpm hosts are read from dnf's cache).
#[test]
fn apt_lists_refuse_an_rpm_inventory() {
    let t = host();
    let root = HostRoot::new(t.path()).unwrap();
    let inv = packages::Inventory {
        format: packages::PackageFormat::Rpm,
        ..Default::default()
    };
    match apt_lists::collect(&root, &inv) {
        Fact::Error { reason, .. } => {
            assert!(
                reason.contains("only compared with a dpkg inventory"),
                "{reason}"
            )
        }
        Fact::Collected { .. } => panic!("an rpm host must not be read through apt lists"),
    }
}

/// An AlmaLinux 9.3 root (the real rpm database) with dnf's cached metadata of two
/// repositories: BaseOS (gzip primary and updateinfo) and AppStream (xz, not read).
fn dnf_host(with_updateinfo: bool) -> tempfile::TempDir {
    use std::io::Write;
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/data");
    std::fs::create_dir_all(r.join("var/lib/rpm")).unwrap();
    std::fs::copy(
        data.join("almalinux-9.3-micro-aarch64/rpmdb.sqlite"),
        r.join("var/lib/rpm/rpmdb.sqlite"),
    )
    .unwrap();
    std::fs::create_dir_all(r.join("etc")).unwrap();
    std::fs::copy(
        data.join("almalinux-9.3-micro-aarch64/os-release"),
        r.join("etc/os-release"),
    )
    .unwrap();
    let gz = |text: &str| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(text.as_bytes()).unwrap();
        e.finish().unwrap()
    };
    let base = "/var/cache/dnf/baseos-0123456789abcdef/repodata";
    let updateinfo = if with_updateinfo {
        r#"<data type="updateinfo"><location href="repodata/22-updateinfo.xml.gz"/><timestamp>1714480000</timestamp></data>"#
    } else {
        ""
    };
    write(
        r,
        &format!("{base}/repomd.xml"),
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo"><revision>1714470000</revision>
<data type="primary"><location href="repodata/11-primary.xml.gz"/><timestamp>1714470000</timestamp></data>
{updateinfo}</repomd>"#
        ),
    );
    let primary = r#"<?xml version="1.0" encoding="UTF-8"?>
<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="5">
<package type="rpm"><name>bash</name><arch>aarch64</arch><version epoch="0" ver="5.1.8" rel="9.el9"/><time file="1714000000" build="1713900000"/><summary>The GNU Bourne Again shell &amp; more</summary></package>
<package type="rpm"><name>glibc</name><arch>x86_64</arch><version epoch="0" ver="2.34" rel="100.el9"/><time file="1714000000" build="1"/></package>
<package type="rpm"><name>glibc</name><arch>aarch64</arch><version epoch="0" ver="2.34" rel="83.el9_3.7"/><time file="1700000000" build="1"/></package>
<package type="rpm"><name>tzdata</name><arch>noarch</arch><version epoch="0" ver="2024a" rel="1.el9"/><time file="1712000000" build="1"/></package>
<package type="rpm"><name>pcre2</name><arch>aarch64</arch><version epoch="0" ver="10.40" rel="2.el9"/><time file="1690000000" build="1"/></package>
</metadata>"#;
    let p = r.join(format!(
        "{}/11-primary.xml.gz",
        base.trim_start_matches('/')
    ));
    std::fs::write(p, gz(primary)).unwrap();
    let info = r#"<?xml version="1.0" encoding="UTF-8"?>
<updates>
<update from="packager@almalinux.org" status="final" type="security" version="1">
  <id>ALSA-2024:1111</id><title>Moderate: bash security update</title>
  <issued date="2024-03-01 00:00:00"/><severity>Moderate</severity>
  <pkglist><collection short="almalinux-9-for-aarch64-baseos-rpms">
    <package name="bash" version="5.1.8" release="9.el9" epoch="0" arch="aarch64"><filename>bash-5.1.8-9.el9.aarch64.rpm</filename></package>
  </collection></pkglist>
</update>
<update type="security"><id>ALSA-2023:9999</id><issued date="2023-06-01 00:00:00"/>
  <pkglist><collection><package name="pcre2" version="10.40" release="2.el9" epoch="0" arch="aarch64"/></collection></pkglist>
</update>
<update type="enhancement"><id>ALEA-2024:2222</id><issued date="2024-04-01 00:00:00"/>
  <pkglist><collection><package name="tzdata" version="2024a" release="1.el9" epoch="0" arch="noarch"/></collection></pkglist>
</update>
</updates>"#;
    if with_updateinfo {
        let p = r.join(format!(
            "{}/22-updateinfo.xml.gz",
            base.trim_start_matches('/')
        ));
        std::fs::write(p, gz(info)).unwrap();
    }
    let app = "/var/cache/dnf/appstream-fedcba9876543210/repodata";
    write(
        r,
        &format!("{app}/repomd.xml"),
        r#"<repomd><data type="primary"><location href="repodata/33-primary.xml.xz"/><timestamp>1714490000</timestamp></data></repomd>"#,
    );
    write(r, &format!("{app}/33-primary.xml.xz"), "not read");
    t
}

#[test]
fn dnf_metadata_gives_newer_versions_security_and_dates() {
    let t = dnf_host(true);
    let root = HostRoot::new(t.path()).unwrap();
    let Fact::Collected { value: p } = pending(&root) else {
        panic!("pending: {:?}", pending(&root))
    };
    assert_eq!(p.manager, "dnf");
    assert!(p.security_known);
    let got = rows(&p);
    assert_eq!(
        got,
        [
            // Security (ALSA-2024:1111), available since the advisory was issued.
            (
                "bash",
                "0:5.1.8-6.el9_1",
                "0:5.1.8-9.el9",
                true,
                Some("2024-03-01T00:00:00Z")
            ),
            // Newer but not a security fix (an enhancement advisory): since the file time.
            (
                "tzdata",
                "0:2023c-1.el9",
                "0:2024a-1.el9",
                false,
                Some("2024-04-01T19:33:20Z")
            ),
        ]
    );
    // The newest repomd timestamp (AppStream's, though its xz primary is not read).
    assert_eq!(p.refreshed_at.as_deref(), Some("2024-04-30T15:13:20Z"));
    assert!(
        p.warnings
            .iter()
            .any(|w| w.contains("33-primary.xml.xz") && w.contains("xz")),
        "{:?}",
        p.warnings
    );
}

#[test]
fn dnf_without_updateinfo_leaves_security_unknown_and_without_cache_is_an_error() {
    let t = dnf_host(false);
    let root = HostRoot::new(t.path()).unwrap();
    let Fact::Collected { value: p } = pending(&root) else {
        panic!("pending")
    };
    assert!(!p.security_known);
    assert!(p.updates.iter().all(|u| !u.security));
    std::fs::remove_dir_all(t.path().join("var/cache/dnf")).unwrap();
    let Fact::Error { reason, .. } = pending(&root) else {
        panic!("no cache must be an error")
    };
    assert!(reason.contains("/var/cache/dnf"), "{reason}");
}

#[test]
fn dnf_metadata_that_is_not_xml_is_a_warning_naming_the_file() {
    let t = dnf_host(true);
    let p = t
        .path()
        .join("var/cache/dnf/baseos-0123456789abcdef/repodata/11-primary.xml.gz");
    std::fs::write(&p, b"\x1f\x8b\x08\x00garbage").unwrap();
    let root = HostRoot::new(t.path()).unwrap();
    // Neither repository's package list can be read (AppStream's is xz): an error naming both.
    let Fact::Error { reason, .. } = pending(&root) else {
        panic!("unreadable metadata must be an error")
    };
    assert!(reason.contains("11-primary.xml.gz"), "{reason}");
    assert!(reason.contains("33-primary.xml.xz"), "{reason}");
}

/// Container images keep apt's indexes compressed (`Acquire::GzipIndexes`): lz4 by default,
/// gzip when configured. Both are read; other compressions are named in the warnings.
#[test]
fn compressed_apt_indexes_are_read() {
    use std::io::Write;
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    write(r, "/var/lib/dpkg/status", STATUS);
    let lists = r.join("var/lib/apt/lists");
    std::fs::create_dir_all(&lists).unwrap();
    write(
        r,
        "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm-updates_InRelease",
        "Origin: Debian\nSuite: stable-updates\nDate: Mon, 16 Nov 2026 08:00:00 UTC\n",
    );
    let mut lz = lz4_flex::frame::FrameEncoder::new(Vec::new());
    lz.write_all(b"Package: bash\nVersion: 5.2.15-2+b9\nArchitecture: amd64\n")
        .unwrap();
    std::fs::write(
        lists.join("deb.debian.org_debian_dists_bookworm-updates_main_binary-amd64_Packages.lz4"),
        lz.finish().unwrap(),
    )
    .unwrap();
    write(r, "/var/lib/apt/lists/security.debian.org_debian-security_dists_bookworm-security_InRelease",
        "Origin: Debian\nLabel: Debian-Security\nSuite: stable-security\nDate: Tue, 17 Nov 2026 18:00:00 UTC\n");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(b"Package: openssl\nVersion: 3.0.17-1~deb12u3\nArchitecture: amd64\n")
        .unwrap();
    std::fs::write(
        lists.join("security.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages.gz"),
        gz.finish().unwrap(),
    )
    .unwrap();
    std::fs::write(
        lists.join("deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.xz"),
        b"\xfd7zXZ\0",
    )
    .unwrap();
    let root = HostRoot::new(r).unwrap();
    let Fact::Collected { value: p } = pending(&root) else {
        panic!("pending")
    };
    let got: Vec<(&str, &str, bool, Option<&str>)> = p
        .updates
        .iter()
        .map(|u| {
            (
                u.package.as_str(),
                u.candidate.as_str(),
                u.security,
                u.available_since.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("bash", "5.2.15-2+b9", false, Some("2026-11-16T08:00:00Z")),
            (
                "openssl",
                "3.0.17-1~deb12u3",
                true,
                Some("2026-11-17T18:00:00Z")
            ),
        ]
    );
    assert!(
        p.warnings
            .iter()
            .any(|w| w.contains("Packages.xz") && w.contains("xz")),
        "{:?}",
        p.warnings
    );
}

/// Damaged repository metadata (bytes overwritten, files cut short) gives warnings or an
/// error naming the file, never a panic.
#[test]
fn damaged_dnf_metadata_never_panics() {
    let t = dnf_host(true);
    let dir = t
        .path()
        .join("var/cache/dnf/baseos-0123456789abcdef/repodata");
    let files = ["repomd.xml", "11-primary.xml.gz", "22-updateinfo.xml.gz"];
    let originals: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap())
        .collect();
    let root = HostRoot::new(t.path()).unwrap();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..300 {
        let which = round % files.len();
        let mut bytes = originals[which].clone();
        if next() % 3 == 0 {
            bytes.truncate((next() as usize) % bytes.len());
        } else {
            for _ in 0..1 + next() % 8 {
                let i = (next() as usize) % bytes.len();
                bytes[i] = next() as u8;
            }
        }
        std::fs::write(dir.join(files[which]), &bytes).unwrap();
        match pending(&root) {
            Fact::Collected { value } => {
                for w in &value.warnings {
                    assert!(w.contains("/var/cache/dnf/"), "{w}");
                }
            }
            Fact::Error { reason, .. } => assert!(reason.contains("/var/cache/dnf"), "{reason}"),
        }
        std::fs::write(dir.join(files[which]), &originals[which]).unwrap();
    }
}

/// A RHEL/CentOS 7-style yum cache: `/var/cache/yum/<arch>/<releasever>/<repo>/` with the
/// SQLite primary and the updateinfo yum decompressed into `gen/`; a repository whose
/// metadata is only bzip2 is named in the warnings.
#[test]
fn yum_cache_is_read_from_its_decompressed_copies() {
    let t = dnf_host(false);
    let r = t.path();
    std::fs::remove_dir_all(r.join("var/cache/dnf")).unwrap();
    let base = "/var/cache/yum/aarch64/7/base";
    write(
        r,
        &format!("{base}/repomd.xml"),
        r#"<repomd><data type="primary_db"><location href="repodata/aa-primary.sqlite.bz2"/><timestamp>1714400000</timestamp></data>
<data type="primary"><location href="repodata/aa-primary.xml.gz"/><timestamp>1714400000</timestamp></data>
<data type="updateinfo"><location href="repodata/bb-updateinfo.xml.bz2"/><timestamp>1714410000</timestamp></data></repomd>"#,
    );
    std::fs::create_dir_all(r.join(&base[1..]).join("gen")).unwrap();
    let db = rusqlite::Connection::open(r.join(&base[1..]).join("gen/primary_db.sqlite")).unwrap();
    db.execute_batch(
        "CREATE TABLE packages (pkgKey INTEGER PRIMARY KEY, name TEXT, arch TEXT, epoch TEXT, \
         version TEXT, release TEXT, time_file INTEGER);
         INSERT INTO packages (name, arch, epoch, version, release, time_file) VALUES
           ('bash', 'aarch64', '0', '5.1.8', '9.el9', 1714000000),
           ('tzdata', 'noarch', '0', '2023c', '1.el9', 1690000000),
           ('zsh', 'aarch64', '0', '5.9', '1.el9', 1714000000);",
    )
    .unwrap();
    drop(db);
    write(
        r,
        &format!("{base}/gen/updateinfo.xml"),
        r#"<updates><update type="security"><id>RHSA-2024:0001</id><issued date="2024-02-01 00:00:00"/>
<pkglist><collection><package name="bash" version="5.1.8" release="9.el9" epoch="0" arch="aarch64"/></collection></pkglist></update></updates>"#,
    );
    write(
        r,
        "/var/cache/yum/aarch64/7/updates/repomd.xml",
        r#"<repomd><data type="primary"><location href="repodata/cc-primary.sqlite.bz2"/><timestamp>1714420000</timestamp></data></repomd>"#,
    );
    write(
        r,
        "/var/cache/yum/aarch64/7/updates/cc-primary.sqlite.bz2",
        "BZh9",
    );
    let root = HostRoot::new(r).unwrap();
    let Fact::Collected { value: p } = pending(&root) else {
        panic!("pending: {:?}", pending(&root))
    };
    assert!(p.security_known);
    assert_eq!(
        rows(&p),
        [(
            "bash",
            "0:5.1.8-6.el9_1",
            "0:5.1.8-9.el9",
            true,
            Some("2024-02-01T00:00:00Z")
        )]
    );
    assert_eq!(p.indexes.len(), 1);
    assert!(
        p.warnings
            .iter()
            .any(|w| w.contains("cc-primary.sqlite.bz2") && w.contains("bz2")),
        "{:?}",
        p.warnings
    );
}

/// `APKINDEX.*.tar.gz` as `apk update` leaves it: a gzip stream of the signature tarball
/// (without its end-of-archive blocks, as abuild writes it) followed by a gzip stream of the
/// index tarball.
fn apkindex(description: &str, index: &str, mtime: u64) -> Vec<u8> {
    use std::io::Write;
    let tarball = |files: &[(&str, &[u8])], end: bool| {
        let mut b = tar::Builder::new(Vec::new());
        for (name, body) in files {
            let mut h = tar::Header::new_ustar();
            h.set_size(body.len() as u64);
            h.set_mode(0o644);
            h.set_mtime(mtime);
            h.set_cksum();
            b.append_data(&mut h, name, *body).unwrap();
        }
        let mut bytes = b.into_inner().unwrap();
        if !end {
            bytes.truncate(bytes.len() - 1024);
        }
        bytes
    };
    let gz = |bytes: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    };
    let mut out = gz(&tarball(
        &[(
            ".SIGN.RSA.alpine-devel@lists.alpinelinux.org-6165ee59.rsa.pub",
            b"sig",
        )],
        false,
    ));
    out.extend(gz(&tarball(
        &[
            ("DESCRIPTION", description.as_bytes()),
            ("APKINDEX", index.as_bytes()),
        ],
        true,
    )));
    out
}

#[test]
fn apk_indexes_give_newer_versions_and_their_date() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/data/alpine-3.18");
    std::fs::create_dir_all(r.join("lib/apk/db")).unwrap();
    std::fs::copy(
        data.join("lib-apk-db-installed"),
        r.join("lib/apk/db/installed"),
    )
    .unwrap();
    let cache = r.join("var/cache/apk");
    std::fs::create_dir_all(&cache).unwrap();
    // main, generated 2025-11-20: a newer busybox; apk-tools as installed.
    std::fs::write(
        cache.join("APKINDEX.77a4c8d1.tar.gz"),
        apkindex(
            "v3.18.9-12-gabcdef0",
            "C:Q1x=\nP:busybox\nV:1.36.1-r7\nA:x86_64\nt:1763000000\n\nP:apk-tools\nV:2.14.0-r0\nA:x86_64\n\nP:busybox\nV:1.36.1-r7\nA:aarch64\n",
            1_763_626_400,
        ),
    )
    .unwrap();
    // community, generated 2025-11-25: nothing installed from it.
    std::fs::write(
        cache.join("APKINDEX.0f7c2e11.tar.gz"),
        apkindex(
            "v3.18.9-12-gabcdef0 community",
            "P:zsh\nV:5.9-r2\nA:x86_64\n",
            1_764_058_400,
        ),
    )
    .unwrap();
    std::fs::write(cache.join("APKINDEX.deadbeef.tar.gz"), b"\x1f\x8b garbage").unwrap();
    let root = HostRoot::new(r).unwrap();
    let Fact::Collected { value: p } = pending(&root) else {
        panic!("pending: {:?}", pending(&root))
    };
    assert_eq!(p.manager, "apk");
    assert!(!p.security_known);
    assert_eq!(
        rows(&p),
        [(
            "busybox",
            "1.36.0-r9",
            "1.36.1-r7",
            false,
            Some("2025-11-20T08:13:20Z")
        )]
    );
    assert_eq!(p.refreshed_at.as_deref(), Some("2025-11-25T08:13:20Z"));
    assert_eq!(p.indexes.len(), 2);
    assert!(
        p.warnings
            .iter()
            .any(|w| w.contains("APKINDEX.deadbeef.tar.gz")),
        "{:?}",
        p.warnings
    );
    std::fs::remove_dir_all(&cache).unwrap();
    let Fact::Error { reason, .. } = pending(&root) else {
        panic!("no indexes must be an error")
    };
    assert!(reason.contains("/var/cache/apk"), "{reason}");
}

/// Fedora publishes zstd metadata and some repositories xz: both are read.
#[test]
fn zstd_and_xz_metadata_are_read() {
    let t = dnf_host(true);
    let app = t
        .path()
        .join("var/cache/dnf/appstream-fedcba9876543210/repodata");
    let primary = r#"<metadata><package type="rpm"><name>pcre2</name><arch>aarch64</arch><version epoch="0" ver="10.40" rel="6.el9"/><time file="1713000000" build="1"/></package></metadata>"#;
    let mut xz = Vec::new();
    lzma_rs::xz_compress(&mut primary.as_bytes(), &mut xz).unwrap();
    std::fs::write(app.join("33-primary.xml.xz"), xz).unwrap();
    let info = r#"<updates><update type="security"><id>ALSA-2024:3333</id><issued date="2024-04-10 00:00:00"/><pkglist><collection><package name="pcre2" version="10.40" release="6.el9" epoch="0" arch="aarch64"/></collection></pkglist></update></updates>"#;
    let zst = ruzstd::encoding::compress_to_vec(
        info.as_bytes(),
        ruzstd::encoding::CompressionLevel::Fastest,
    );
    std::fs::write(app.join("44-updateinfo.xml.zst"), zst).unwrap();
    std::fs::write(
        app.join("repomd.xml"),
        r#"<repomd><data type="primary"><location href="repodata/33-primary.xml.xz"/><timestamp>1714490000</timestamp></data>
<data type="updateinfo"><location href="repodata/44-updateinfo.xml.zst"/><timestamp>1714490000</timestamp></data></repomd>"#,
    )
    .unwrap();
    let root = HostRoot::new(t.path()).unwrap();
    let Fact::Collected { value: p } = pending(&root) else {
        panic!("pending: {:?}", pending(&root))
    };
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    let pcre2 = rows(&p).into_iter().find(|r| r.0 == "pcre2").unwrap();
    assert_eq!(
        pcre2,
        (
            "pcre2",
            "0:10.40-2.el9",
            "0:10.40-6.el9",
            true,
            Some("2024-04-10T00:00:00Z")
        )
    );
}

/// As dnf does, metadata whose checksum differs from the one repomd.xml gives is not used
/// (a damaged or partial download), and a package list cut short is an error, not a
/// shorter list that would hide updates.
#[test]
fn dnf_metadata_is_checked_against_repomd_and_never_read_cut_short() {
    use sha2::Digest;
    let t = dnf_host(true);
    let base = t
        .path()
        .join("var/cache/dnf/baseos-0123456789abcdef/repodata");
    let primary = std::fs::read(base.join("11-primary.xml.gz")).unwrap();
    let info = std::fs::read(base.join("22-updateinfo.xml.gz")).unwrap();
    let repomd = |primary_sum: &str, info_sum: &str| {
        format!(
            r#"<repomd><data type="primary"><checksum type="sha256">{primary_sum}</checksum><location href="repodata/11-primary.xml.gz"/><timestamp>1714470000</timestamp></data>
<data type="updateinfo"><checksum type="sha256">{info_sum}</checksum><open-checksum type="sha256">0000</open-checksum><location href="repodata/22-updateinfo.xml.gz"/><timestamp>1714480000</timestamp></data></repomd>"#
        )
    };
    let good_p = hex::encode(sha2::Sha256::digest(&primary));
    let good_i = hex::encode(sha2::Sha256::digest(&info));
    let root = HostRoot::new(t.path()).unwrap();
    // Matching checksums: read as before.
    std::fs::write(base.join("repomd.xml"), repomd(&good_p, &good_i)).unwrap();
    let Fact::Collected { value: p } = pending(&root) else {
        panic!("pending")
    };
    assert!(p.updates.iter().any(|u| u.package == "bash" && u.security));
    // A primary that is not what repomd.xml describes: not used, and said.
    std::fs::write(base.join("repomd.xml"), repomd(&"ab".repeat(32), &good_i)).unwrap();
    let fact = pending(&root);
    let text = format!("{fact:?}");
    assert!(
        text.contains("11-primary.xml.gz") && text.contains("damaged or partly downloaded"),
        "{text}"
    );
    // A plain primary cut inside a package: an error naming it, not fewer packages.
    std::fs::write(base.join("repomd.xml"),
        r#"<repomd><data type="primary"><location href="repodata/55-primary.xml"/><timestamp>1714470000</timestamp></data></repomd>"#).unwrap();
    std::fs::write(
        base.join("55-primary.xml"),
        r#"<metadata><package type="rpm"><name>bash</name><arch>aarch64</arch><version epoch="0" ver="5.1.8" rel="9.el9"/></package><package type="rpm"><name>tzdata</name>"#,
    )
    .unwrap();
    let text = format!("{:?}", pending(&root));
    assert!(
        text.contains("55-primary.xml") && text.contains("cut short"),
        "{text}"
    );
}
