//! Software risk end to end: `ward scan` of a Debian 11 root with an old OpenSSL, a
//! KEV-listed polkit and a curl carrying Debian's backported fixes, judged with real Debian
//! advisories (imported into a data directory) and Ward's embedded KEV and end-of-life
//! snapshot.

use std::path::{Path, PathBuf};
use std::process::Command;

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/data")
        .join(rel)
}

fn write(root: &Path, path: &str, text: &str) {
    let p = root.join(path.trim_start_matches('/'));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn stanza(name: &str, source: Option<&str>, version: &str) -> String {
    let src = source.map(|s| format!("Source: {s}\n")).unwrap_or_default();
    format!(
        "Package: {name}\nStatus: install ok installed\nArchitecture: amd64\n{src}Version: {version}\nDescription: x\n\n"
    )
}

/// A Debian 11 root: OpenSSL 1.1.1n-0+deb11u3 (DSA-5343-1 fixed it in deb11u4), policykit-1
/// 0.105-31 (DSA-5059-1, CVE-2021-4034 "PwnKit", on CISA's KEV list), and curl
/// 7.74.0-1.3+deb11u7: upstream 7.74.0 is old, but deb11u7 is the fixed version of the
/// newest curl advisory, so nothing may be reported for it.
fn debian11_root() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    write(
        r,
        "/etc/os-release",
        "PRETTY_NAME=\"Debian GNU/Linux 11 (bullseye)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"11\"\nVERSION_CODENAME=bullseye\nID=debian\n",
    );
    let status = [
        stanza("apt", None, "2.2.4"),
        stanza("openssl", None, "1.1.1n-0+deb11u3"),
        stanza("libssl1.1", Some("openssl"), "1.1.1n-0+deb11u3"),
        stanza("policykit-1", None, "0.105-31"),
        stanza("libpolkit-gobject-1-0", Some("policykit-1"), "0.105-31"),
        stanza("curl", None, "7.74.0-1.3+deb11u7"),
        stanza("libcurl4", Some("curl"), "7.74.0-1.3+deb11u7"),
    ]
    .concat();
    write(r, "/var/lib/dpkg/status", &status);
    t
}

fn ward() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ward"))
}

/// `ward feeds import SRC --data-dir DIR`, which must succeed.
fn import(src: &Path, data_dir: &Path) {
    let out = ward()
        .args(["feeds", "import"])
        .arg(src)
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `ward scan` of `root` with the feeds of `data_dir`: the exit code, report.json, and the
/// directory holding the reports.
fn scan(
    root: &Path,
    data_dir: &Path,
    args: &[&str],
) -> (Option<i32>, serde_json::Value, tempfile::TempDir) {
    let reports = tempfile::tempdir().unwrap();
    let out = ward()
        .args(["scan", "-q", "--root"])
        .arg(root)
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--output")
        .arg(reports.path())
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let json = std::fs::read(reports.path().join("report.json"))
        .unwrap_or_else(|e| panic!("no report.json ({e}): {stderr}"));
    let report = serde_json::from_slice(&json).unwrap();
    (out.status.code(), report, reports)
}

/// The finding of a check in a report.
fn finding<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == id)
        .unwrap_or_else(|| panic!("no finding {id}"))
}

#[test]
fn a_debian_root_with_old_openssl_and_a_kev_package() {
    let data_dir = tempfile::tempdir().unwrap();
    import(&data("osv-debian11"), data_dir.path());
    let root = debian11_root();
    let (code, report, reports) = scan(
        root.path(),
        data_dir.path(),
        &["--framework", "dspt-caf-2024-25"],
    );
    assert_eq!(code, Some(1));
    let finding = |id: &str| finding(&report, id).clone();

    // PwnKit: advisory, CVE, fixed version and KEV due date, under CAF B4.d.
    let kev = finding("software.no-kev-vulnerabilities");
    assert_eq!(kev["outcome"], "fail", "{kev:#}");
    let items = kev["items"].as_array().unwrap();
    let pkgs: Vec<&str> = items
        .iter()
        .map(|i| i["fields"]["package"].as_str().unwrap())
        .collect();
    assert_eq!(pkgs, ["policykit-1", "libpolkit-gobject-1-0"], "{kev:#}");
    let f = &items[0]["fields"];
    assert_eq!(f["advisory"], "DSA-5059-1");
    assert_eq!(f["cves"], "CVE-2021-4034");
    assert_eq!(f["kev"], "CVE-2021-4034");
    assert_eq!(f["fixed"], "0.105-31+deb11u1");
    assert_eq!(f["kev_due"], "2022-07-18");
    assert!(kev["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["framework"] == "dspt-caf-2024-25" && r["id"] == "B4.d"));

    // The old OpenSSL: overdue, with the fixed version; curl's backported fixes count.
    let deadline = finding("software.patch-deadline");
    assert_eq!(deadline["outcome"], "fail");
    let rows: Vec<(String, String, String)> = deadline["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let f = &i["fields"];
            (
                f["package"].as_str().unwrap().to_string(),
                f["advisory"].as_str().unwrap().to_string(),
                f["fixed"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(rows.contains(&(
        "openssl".into(),
        "DSA-5343-1".into(),
        "1.1.1n-0+deb11u4".into()
    )));
    assert!(rows.contains(&(
        "libssl1.1".into(),
        "DSA-5343-1".into(),
        "1.1.1n-0+deb11u4".into()
    )));
    assert!(
        rows.iter().all(|(p, _, _)| p != "curl" && p != "libcurl4"),
        "backported curl reported: {rows:?}"
    );
    // OpenSSL 1.1.1n-0+deb11u3 already has DSA-5169-1's fix (deb11u3): not reported.
    assert!(rows.iter().all(|(_, a, _)| a != "DSA-5169-1"), "{rows:?}");

    // The software section says the same, with the feeds used and their dates.
    let sw = &report["software"];
    assert_eq!(sw["ecosystem"], "Debian:11");
    let vulnerable: Vec<&str> = sw["vulnerable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["package"].as_str().unwrap())
        .collect();
    assert!(!vulnerable.contains(&"curl"), "{vulnerable:?}");
    let kinds: Vec<(&str, bool)> = sw["feeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap(),
                f["embedded"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(kinds.contains(&("osv", false)), "{kinds:?}");
    assert!(kinds.contains(&("kev", true)), "{kinds:?}");
    // Debian 11's regular security support ended on 2024-08-14.
    assert_eq!(finding("software.os-supported")["outcome"], "fail");
    assert_eq!(sw["os_eol"]["eol"], "2024-08-14");

    // The Markdown and HTML reports carry the advisory, CVE, fixed version and due date.
    for name in ["report.md", "report.html"] {
        let text = std::fs::read_to_string(reports.path().join(name)).unwrap();
        for needle in [
            "DSA-5059-1",
            "CVE-2021-4034",
            "0.105-31+deb11u1",
            "2022-07-18",
            "DSA-5343-1",
            "1.1.1n-0+deb11u4",
        ] {
            assert!(text.contains(needle), "{name} lacks {needle}");
        }
    }
}

#[test]
fn without_advisories_the_vulnerability_checks_are_errors_and_the_snapshot_is_named() {
    let empty = tempfile::tempdir().unwrap();
    let root = debian11_root();
    let (code, report, _reports) = scan(root.path(), empty.path(), &["--format", "json"]);
    assert!(code.is_some());
    let outcome = |id: &str| {
        let f = finding(&report, id);
        (
            f["outcome"].clone(),
            f["reason"].as_str().unwrap_or("").to_string(),
        )
    };
    let (o, why) = outcome("software.no-kev-vulnerabilities");
    assert_eq!(o, "error");
    assert!(why.contains("no advisories for Debian:11"), "{why}");
    assert_eq!(outcome("software.patch-deadline").0, "error");
    // No lists on this root: waiting updates are unknown.
    assert_eq!(outcome("software.security-updates-applied").0, "error");
    // The embedded snapshot still answers end of life, and is named as such, with its date.
    assert_eq!(outcome("software.os-supported").0, "fail");
    let feeds = report["software"]["feeds"].as_array().unwrap();
    assert!(feeds.iter().all(|f| f["embedded"] == true), "{feeds:?}");
    assert!(feeds.iter().any(|f| f["kind"] == "kev"
        && f["date"].as_str().unwrap().starts_with("2025-08-25")
        && f["stale"] == true));
}

#[test]
fn a_corrupted_index_is_reported_and_not_trusted() {
    let data_dir = tempfile::tempdir().unwrap();
    import(&data("osv-debian11"), data_dir.path());
    let idx = data_dir.path().join("index.sqlite");
    let mut bytes = std::fs::read(&idx).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 0xff;
    std::fs::write(&idx, bytes).unwrap();
    let root = debian11_root();
    let (_, report, _reports) = scan(root.path(), data_dir.path(), &["--format", "json"]);
    let problems = report["software"]["feed_problems"].as_array().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p.as_str().unwrap().contains("corrupted")),
        "{problems:?}"
    );
    assert_eq!(
        finding(&report, "software.no-kev-vulnerabilities")["outcome"],
        "error"
    );
}

#[test]
fn export_and_import_carry_the_feeds_and_their_provenance() {
    let a = tempfile::tempdir().unwrap();
    for src in [data("osv-debian11"), data("kev-subset.json"), data("eol")] {
        import(&src, a.path());
    }
    let bundle = a.path().join("bundle.json");
    let out = ward()
        .args(["feeds", "export"])
        .arg(&bundle)
        .arg("--data-dir")
        .arg(a.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let b = tempfile::tempdir().unwrap();
    import(&bundle, b.path());
    let status = |dir: &Path| {
        let out = ward()
            .args(["feeds", "status", "--max-age", "3650"])
            .arg("--data-dir")
            .arg(dir)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    // Same feeds, sources, dates, counts and digests on both sides.
    assert_eq!(status(a.path()), status(b.path()));
    // And the same answers.
    let ia = ward::feeds::index::Index::open(a.path()).unwrap().unwrap();
    let ib = ward::feeds::index::Index::open(b.path()).unwrap().unwrap();
    assert_eq!(
        format!("{:?}", ia.all_advisories().unwrap()),
        format!("{:?}", ib.all_advisories().unwrap())
    );
    assert_eq!(ia.all_kev().unwrap(), ib.all_kev().unwrap());
    assert_eq!(ia.all_eol().unwrap(), ib.all_eol().unwrap());
}

#[test]
fn bad_feed_arguments_are_usage_errors() {
    let empty = tempfile::tempdir().unwrap();
    // Nothing to export.
    let out = ward()
        .args(["feeds", "export"])
        .arg(empty.path().join("b.json"))
        .arg("--data-dir")
        .arg(empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no feeds in"));
    // Not a date.
    let out = ward()
        .args(["scan", "--as-of", "2026-13-40", "--root"])
        .arg(empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a date"));
    // A bundle of another format is listed as not imported, nothing else lost.
    let bad = empty.path().join("future.json");
    std::fs::write(
        &bad,
        r#"{"ward_feeds_bundle": 99, "exported_at": "x", "feeds": []}"#,
    )
    .unwrap();
    let out = ward()
        .args(["feeds", "import"])
        .arg(&bad)
        .arg("--data-dir")
        .arg(empty.path().join("data"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("future.json") && text.contains("format 99"),
        "{text}"
    );
}

/// A scan never fails for want of a feed data directory (no HOME, as under some cron
/// set-ups): the embedded snapshot serves and the report says why. As root the data
/// directory is /var/lib/ward whatever HOME says, so the scan runs as `nobody` then.
#[test]
fn a_scan_without_a_data_directory_still_runs_and_says_why() {
    let root = debian11_root();
    let out_parent = tempfile::tempdir().unwrap();
    // Writable by whoever runs the scan and sticky, like /tmp; the root readable by all.
    std::fs::set_permissions(
        out_parent.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o1777),
    )
    .unwrap();
    std::fs::set_permissions(
        root.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let reports = out_parent.path().join("reports");
    let mut cmd = if ward::facts::current_uid() == 0 {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_ward"));
        c
    } else {
        ward()
    };
    let out = cmd
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .args(["scan", "-q", "--format", "json", "--root"])
        .arg(root.path())
        .arg("--output")
        .arg(&reports)
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c == 1 || c == 2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(reports.join("report.json")).unwrap()).unwrap();
    let problems = report["software"]["feed_problems"].as_array().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p.as_str().unwrap().contains("no feed data directory")),
        "{problems:?}"
    );
    // The snapshot still judged the release.
    assert_eq!(finding(&report, "software.os-supported")["outcome"], "fail");
}
