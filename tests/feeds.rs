//! Feeds end to end: import real AlmaLinux OSV advisories and (a subset of) the CISA KEV
//! catalogue, read the real AlmaLinux 9.3 and 8.9 rpm databases, and match. The result
//! must be exactly `expected-findings-almalinux-osv.tsv`, which was computed with
//! librpm's `labelCompare` against the full AlmaLinux OSV database (every advisory that
//! can concern these hosts is in `tests/fixtures/data/osv-almalinux/`; see its README).

use std::path::{Path, PathBuf};

use ward::facts::os_release::{self, OsRelease};
use ward::facts::packages::{self, Inventory};
use ward::facts::Fact;
use ward::feeds::{import, index, matching};
use ward::host_root::HostRoot;

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/data")
        .join(rel)
}

/// A root with the rpm database and os-release of a fixture host.
fn host(dir: &str, db: &str, db_at: &str) -> (tempfile::TempDir, Inventory, OsRelease) {
    let t = tempfile::tempdir().unwrap();
    for (from, to) in [(db, db_at), ("os-release", "usr/lib/os-release")] {
        let dest = t.path().join(to);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(data(&format!("{dir}/{from}")), dest).unwrap();
    }
    let root = HostRoot::new(t.path()).unwrap();
    let Fact::Collected { value: inv } = packages::collect(&root) else {
        panic!("inventory")
    };
    let Fact::Collected { value: os } = os_release::collect(&root) else {
        panic!("os-release")
    };
    (t, inv, os)
}

fn imported() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let r = import::import(d.path(), &data("osv-almalinux")).unwrap();
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    assert_eq!(r.osv, 47);
    let r = import::import(d.path(), &data("kev-subset.json")).unwrap();
    assert_eq!(r.kev, 8);
    d
}

#[test]
fn almalinux_hosts_reproduce_the_librpm_findings() {
    let d = imported();
    let idx = index::Index::open(d.path()).unwrap().unwrap();
    for (dir, db, at) in [
        (
            "almalinux-9.3-micro-aarch64",
            "rpmdb.sqlite",
            "var/lib/rpm/rpmdb.sqlite",
        ),
        (
            "almalinux-8.9-micro-s390x",
            "Packages",
            "var/lib/rpm/Packages",
        ),
    ] {
        let (_t, inv, os) = host(dir, db, at);
        let ecos = matching::ecosystems(&os);
        let m = matching::match_inventory(&idx, &inv, &ecos).unwrap();
        assert!(m.uncertain.is_empty(), "{:?}", m.uncertain);
        let mut got: Vec<String> = m
            .vulnerable
            .iter()
            .map(|v| {
                let p = inv.packages.iter().find(|p| p.name == v.package).unwrap();
                let r = p.rpm.as_ref().unwrap();
                format!(
                    "{}\t{}:{}-{}\t{}\t{}\t{}\t{}",
                    v.package,
                    r.epoch.unwrap_or(0),
                    r.version,
                    r.release,
                    v.advisory,
                    v.fixed.clone().unwrap_or_default(),
                    v.published,
                    v.summary
                )
            })
            .collect();
        got.sort();
        let text =
            std::fs::read_to_string(data(&format!("{dir}/expected-findings-almalinux-osv.tsv")))
                .unwrap();
        let mut want: Vec<String> = text.lines().skip(1).map(str::to_string).collect();
        want.sort();
        assert_eq!(got, want, "{dir}");
        // The KEV hit: libgcc through CVE-2020-11023 (jQuery in the gcc documentation).
        let kev: Vec<(&str, &str)> = m
            .vulnerable
            .iter()
            .flat_map(|v| {
                v.kev
                    .iter()
                    .map(move |k| (v.package.as_str(), k.cve.as_str()))
            })
            .collect();
        assert!(
            kev.contains(&("libgcc", "CVE-2020-11023")),
            "{dir}: {kev:?}"
        );
    }
}

#[test]
fn a_bad_file_is_listed_and_the_rest_imported() {
    let src = tempfile::tempdir().unwrap();
    let good = std::fs::read(data("osv-almalinux/almalinux9/ALSA-2024:3339.json")).unwrap();
    std::fs::write(src.path().join("good.json"), good).unwrap();
    std::fs::write(
        src.path().join("broken.json"),
        b"{\"id\": \"X\", \"affected\": [",
    )
    .unwrap();
    std::fs::write(src.path().join("other.json"), b"{\"hello\": 1}").unwrap();
    let d = tempfile::tempdir().unwrap();
    let r = import::import(d.path(), src.path()).unwrap();
    assert_eq!(r.osv, 1);
    let rejected: Vec<String> = r
        .rejected
        .iter()
        .map(|(p, why)| format!("{}: {why}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    assert_eq!(rejected.len(), 2, "{rejected:?}");
    assert!(
        rejected[0].starts_with("broken.json: not valid JSON"),
        "{rejected:?}"
    );
    assert!(
        rejected[1].starts_with("other.json: neither"),
        "{rejected:?}"
    );
    let idx = index::Index::open(d.path()).unwrap().unwrap();
    assert!(idx.advisory("ALSA-2024:3339").unwrap().is_some());
}

#[test]
fn a_corrupted_index_is_detected_not_trusted() {
    let d = imported();
    let (path, _) = index::paths(d.path());
    let mut bytes = std::fs::read(&path).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    let err = index::Index::open(d.path())
        .err()
        .expect("a corrupted index must not open");
    assert!(err.to_string().contains("corrupted"), "{err}");
    // Truncated.
    std::fs::write(&path, &bytes[..n / 3]).unwrap();
    assert!(index::Index::open(d.path()).is_err());
    // And an import onto it refuses to build on it.
    assert!(import::import(d.path(), &data("kev-subset.json")).is_err());
}

/// End of life on 2026-12-03 from the real endoflife.date data: Debian 12's security
/// support ended on 2026-07-11 and OpenSSL 3.0's on 2026-09-07; Python 3.11 and AlmaLinux 9
/// are supported; Alpine 3.18 ended on 2025-05-09.
#[test]
fn end_of_life_of_the_os_and_mapped_software() {
    let d = tempfile::tempdir().unwrap();
    let r = import::import(d.path(), &data("eol")).unwrap();
    assert_eq!(r.eol, 7, "{:?}", r.rejected);
    let idx = index::Index::open(d.path()).unwrap().unwrap();
    let map = ward::feeds::eol::builtin_map().unwrap();
    let today = "2026-12-03";

    // The real Debian 12 host: os-release and dpkg database.
    let t = tempfile::tempdir().unwrap();
    for (from, to) in [
        ("os-release/debian-12", "etc/os-release"),
        ("debian12-dpkg-status", "var/lib/dpkg/status"),
    ] {
        let dest = t.path().join(to);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(data(from), dest).unwrap();
    }
    let root = HostRoot::new(t.path()).unwrap();
    let Fact::Collected { value: inv } = packages::collect(&root) else {
        panic!()
    };
    let Fact::Collected { value: os } = os_release::collect(&root) else {
        panic!()
    };
    let eol = matching::end_of_life(&idx, &os, Some(&inv), &map, today).unwrap();
    let row = |subject: &str| {
        eol.iter().find(|e| e.subject == subject).map(|e| {
            (
                e.product.as_str(),
                e.cycle.as_str(),
                e.eol.as_str(),
                e.ended,
            )
        })
    };
    assert_eq!(
        row("operating system"),
        Some(("debian", "12", "2026-07-11", true))
    );
    assert_eq!(row("openssl"), Some(("openssl", "3.0", "2026-09-07", true)));
    assert_eq!(row("libssl3"), Some(("openssl", "3.0", "2026-09-07", true)));
    assert_eq!(
        row("python3.11"),
        Some(("python", "3.11", "2027-10-31", false))
    );
    // Before the date, supported.
    let earlier = matching::end_of_life(&idx, &os, None, &map, "2026-07-10").unwrap();
    assert!(!earlier[0].ended);

    let os_of = |id: &str, v: &str| OsRelease {
        id: Some(id.into()),
        version_id: Some(v.into()),
        ..OsRelease::default()
    };
    let alma = matching::end_of_life(&idx, &os_of("almalinux", "9.3"), None, &map, today).unwrap();
    assert_eq!((alma[0].cycle.as_str(), alma[0].ended), ("9", false));
    let alpine =
        matching::end_of_life(&idx, &os_of("alpine", "3.18.4"), None, &map, today).unwrap();
    assert_eq!(
        (
            alpine[0].cycle.as_str(),
            alpine[0].eol.as_str(),
            alpine[0].ended
        ),
        ("3.18", "2025-05-09", true)
    );
}

/// Each OSV source keeps its own row (date, records, digest); a new KEV catalogue replaces
/// the old one whatever its source.
#[test]
fn feed_status_has_a_row_per_osv_source_and_one_kev() {
    let d = tempfile::tempdir().unwrap();
    import::import(d.path(), &data("osv-almalinux/almalinux8")).unwrap();
    import::import(d.path(), &data("osv-almalinux/almalinux9")).unwrap();
    import::import(d.path(), &data("kev-subset.json")).unwrap();
    let copy = d.path().join("kev-copy.json");
    std::fs::copy(data("kev-subset.json"), &copy).unwrap();
    import::import(d.path(), &copy).unwrap();
    let feeds = index::Index::open(d.path())
        .unwrap()
        .unwrap()
        .feeds()
        .unwrap();
    let rows: Vec<(String, bool, u64)> = feeds
        .iter()
        .map(|f| {
            (
                f.kind.clone(),
                f.source.ends_with("kev-copy.json"),
                f.records,
            )
        })
        .collect();
    assert_eq!(rows.iter().filter(|r| r.0 == "kev").count(), 1, "{rows:?}");
    assert!(rows.iter().any(|r| r.0 == "kev" && r.1), "{rows:?}");
    let osv: Vec<u64> = feeds
        .iter()
        .filter(|f| f.kind == "osv")
        .map(|f| f.records)
        .collect();
    assert_eq!(osv.len(), 2, "{rows:?}");
    assert_eq!(osv.iter().sum::<u64>(), 47);
}

/// A RHEL 9 host: Red Hat publishes one OSV ecosystem per product stream, so every
/// `Red Hat:enterprise_linux:9::…` stream is consulted, packages are also looked up by
/// their source RPM (`libgcc` from `gcc-….src.rpm`), and other majors' streams are not.
#[test]
fn red_hat_streams_are_all_consulted_and_source_rpms_count() {
    let (_t, inv, _) = host(
        "almalinux-9.3-micro-aarch64",
        "rpmdb.sqlite",
        "var/lib/rpm/rpmdb.sqlite",
    );
    let os = OsRelease {
        id: Some("rhel".into()),
        version_id: Some("9.3".into()),
        ..OsRelease::default()
    };
    let records = tempfile::tempdir().unwrap();
    let record = |id: &str, eco: &str, name: &str, fixed: &str| {
        let v = serde_json::json!({
            "id": id, "summary": "Important: fixture update", "published": "2024-01-10T00:00:00Z",
            "modified": "2024-01-10T00:00:00Z", "upstream": ["CVE-2020-11023"],
            "affected": [{ "package": { "ecosystem": eco, "name": name },
                "ranges": [{ "type": "ECOSYSTEM", "events": [{ "introduced": "0" }, { "fixed": fixed }] }] }]
        });
        std::fs::write(records.path().join(format!("{id}.json")), v.to_string()).unwrap();
    };
    record(
        "RHSA-FIXTURE:1",
        "Red Hat:enterprise_linux:9::baseos",
        "gcc",
        "0:11.4.1-3.el9",
    );
    record(
        "RHSA-FIXTURE:2",
        "Red Hat:enterprise_linux:9::appstream",
        "pcre2",
        "10.40-5.el9",
    );
    record(
        "RHSA-FIXTURE:3",
        "Red Hat:enterprise_linux:8::baseos",
        "bash",
        "5.1.8-99.el8",
    );
    record(
        "RHSA-FIXTURE:4",
        "Red Hat:rhel_eus:9.2::baseos",
        "tzdata",
        "2099a-1.el9",
    );
    let d = tempfile::tempdir().unwrap();
    import::import(d.path(), records.path()).unwrap();
    import::import(d.path(), &data("kev-subset.json")).unwrap();
    let k = ward::feeds::knowledge::Knowledge::open(d.path());
    let ecos = k.expand_ecosystems(&matching::ecosystems(&os)).unwrap();
    assert_eq!(
        ecos,
        [
            "Red Hat:enterprise_linux:9::appstream",
            "Red Hat:enterprise_linux:9::baseos"
        ]
    );
    let m = matching::match_inventory(&k, &inv, &ecos).unwrap();
    let mut got: Vec<(String, String, Option<String>, usize)> = m
        .vulnerable
        .iter()
        .map(|v| {
            (
                v.package.clone(),
                v.advisory.clone(),
                v.fixed.clone(),
                v.kev.len(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            (
                "libgcc".into(),
                "RHSA-FIXTURE:1".into(),
                Some("0:11.4.1-3.el9".into()),
                1
            ),
            (
                "pcre2".into(),
                "RHSA-FIXTURE:2".into(),
                Some("10.40-5.el9".into()),
                1
            ),
            (
                "pcre2-syntax".into(),
                "RHSA-FIXTURE:2".into(),
                Some("10.40-5.el9".into()),
                1
            ),
        ]
    );
}

/// Scans skip hashing an index unchanged since Ward last verified it; a change made in
/// place with its modification time put back is still caught (the change time, part of
/// the recorded identity, differs), and `open_checked` always hashes.
#[test]
fn an_index_changed_in_place_with_its_mtime_restored_is_still_detected() {
    let d = imported();
    let (path, _) = index::paths(d.path());
    assert!(index::Index::open(d.path()).unwrap().is_some());
    let before = std::fs::metadata(&path).unwrap();
    let n = before.len();
    {
        use std::io::{Read, Seek, Write};
        let mut f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        let mut byte = [0u8];
        f.seek(std::io::SeekFrom::Start(n / 2)).unwrap();
        f.read_exact(&mut byte).unwrap();
        byte[0] ^= 0xff;
        f.seek(std::io::SeekFrom::Start(n / 2)).unwrap();
        f.write_all(&byte).unwrap();
    }
    filetime::set_file_mtime(
        &path,
        filetime::FileTime::from_last_modification_time(&before),
    )
    .unwrap();
    let after = std::fs::metadata(&path).unwrap();
    assert_eq!(
        (after.len(), after.modified().unwrap()),
        (n, before.modified().unwrap())
    );
    assert!(index::Index::open(d.path()).is_err());
    assert!(index::Index::open_checked(d.path()).is_err());
}
