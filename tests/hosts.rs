//! Whole-host scans of the fixture hosts in `tests/fixtures/hosts/`:
//! - `weak` is built to fail exactly the checks listed in `weak.fails`, each with evidence
//!   naming the file (and line, where a line holds the value);
//! - `hardened` passes every one of them, for root and for any other user alike;
//! - a scan leaves the scanned root byte-for-byte unchanged.
//!
//! Hosts are built by [`FixtureHost::from_tree`], the same builder `ward controls test`
//! uses: the tree is copied, given the modes of `<host>.modes` and the owners of
//! `<host>.owners` (root's by default), served by the host root when the tests cannot chown.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256};
use ward::catalogue::Catalogue;
use ward::fixture_host::FixtureHost;
use ward::report::Report;

fn hosts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hosts")
}

fn materialise(name: &str) -> FixtureHost {
    FixtureHost::from_tree(&hosts_dir().join(name)).unwrap()
}

/// The day the fixture hosts are judged on: Debian 12 and its packages' feed data (the
/// fixture hosts' own in `feeds/`, real endoflife.date data) as they stood then.
const AS_OF: &str = "2026-05-01";

/// The feed sources of the fixture hosts, for `ward feeds import`.
fn feed_sources() -> [PathBuf; 2] {
    [
        hosts_dir().join("feeds"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/data/eol"),
    ]
}

/// The fixture hosts' feed data, held in memory.
fn knowledge() -> ward::feeds::knowledge::Knowledge {
    let mut batch = ward::feeds::index::Batch::default();
    for src in feed_sources() {
        let (b, report) = ward::feeds::import::read(&src).unwrap();
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        batch.advisories.extend(b.advisories);
        batch.kev = batch.kev.or(b.kev);
        batch.eol.extend(b.eol);
        batch.feeds.extend(b.feeds);
    }
    let index = ward::feeds::index::Index::in_memory(&batch, "fixture hosts").unwrap();
    ward::feeds::knowledge::Knowledge::new(Some(index), false)
}

/// Scan a fixture host with the built-in catalogue, every check; the report as JSON.
fn scan(host: &FixtureHost) -> Value {
    let cat = Catalogue::builtin().unwrap();
    let selection = cat.select(None, &[]).unwrap();
    let root = host.root().unwrap();
    let facts = ward::facts::collect(&root, &cat.plan(cat.checks.values()));
    let software = ward::feeds::assess::assess(
        &facts,
        &knowledge(),
        &ward::feeds::eol::builtin_map().unwrap(),
        AS_OF.parse().unwrap(),
        30,
    );
    let findings = ward::eval::evaluate_with(
        &cat,
        &selection,
        ward::eval::Inputs::with_software(&facts, &software),
    );
    let mut built = Report::build(&cat, &selection, &facts, findings);
    built.software = Some(software.clone());
    let built = serde_json::to_value(built).unwrap();
    // What `ward scan` uses (the facts digest on a second thread) is the same report.
    let mut evaluated = serde_json::to_value(Report::evaluate_with(
        &cat,
        &selection,
        &facts,
        Some(software),
    ))
    .unwrap();
    evaluated["generated_at"] = built["generated_at"].clone();
    assert_eq!(evaluated, built);
    built
}

/// The CLI's exit code and report for a scan of a directory.
fn scan_cli(root: &Path) -> Option<i32> {
    let out = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    for src in feed_sources() {
        let import = Command::new(env!("CARGO_BIN_EXE_ward"))
            .args(["feeds", "import"])
            .arg(src)
            .arg("--data-dir")
            .arg(data.path())
            .output()
            .unwrap();
        assert!(import.status.success());
    }
    let output = Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(["scan", "--color", "never", "--as-of", AS_OF, "--root"])
        .arg(root)
        .arg("--data-dir")
        .arg(data.path())
        .arg("--output")
        .arg(out.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.path().join("report.json").exists(), "{stderr}");
    output.status.code()
}

fn outcomes(report: &Value) -> BTreeMap<String, String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check"].as_str().unwrap().to_string(),
                f["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn listed(file: &str) -> BTreeSet<String> {
    fs::read_to_string(hosts_dir().join(file))
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[test]
fn weak_host_fails_exactly_what_it_is_built_to_fail() {
    let host = materialise("weak");
    let report = scan(&host);
    let expected = listed("weak.fails");
    let got = outcomes(&report);
    let failed: BTreeSet<String> = got
        .iter()
        .filter(|(_, o)| o.as_str() == "fail")
        .map(|(c, _)| c.clone())
        .collect();
    assert_eq!(
        failed,
        expected,
        "unexpected: {:?}; missing: {:?}",
        failed.difference(&expected).collect::<Vec<_>>(),
        expected.difference(&failed).collect::<Vec<_>>()
    );
    let errors: Vec<_> = got.iter().filter(|(_, o)| o.as_str() == "error").collect();
    assert!(errors.is_empty(), "errors on the weak host: {errors:?}");
    // Every failure carries evidence naming a host file; content-based ones carry the line.
    for f in report["findings"].as_array().unwrap() {
        if f["outcome"] != "fail" {
            continue;
        }
        let ev = f["evidence"].as_array().unwrap();
        assert!(!ev.is_empty(), "{} has no evidence", f["check"]);
        assert!(
            ev.iter()
                .any(|e| e["source"].as_str().unwrap_or("").starts_with('/')),
            "{} evidence names no file: {ev:?}",
            f["check"]
        );
        let id = f["check"].as_str().unwrap();
        // A missing access list or core limit has no line to point at (the evidence names
        // the file where it would go).
        let line_based =
            id.starts_with("ssh.") && !id.ends_with("-permissions") && id != "ssh.access-lists"
                || id.starts_with("kernel.") && id != "kernel.core-dump-limit"
                || id.starts_with("network.")
                || id.starts_with("packages.")
                || id == "accounts.uid-zero"
                || id == "accounts.login-defs-hashing";
        // A value that is OpenSSH's default has no line either: the evidence says so and
        // names the file where a setting would go.
        let from_default = ev.iter().any(|e| e["kind"] == "default");
        if line_based && !from_default {
            assert!(
                ev.iter().any(|e| e["line"].as_u64().is_some()),
                "{id} evidence has no line: {ev:?}"
            );
        }
    }
}

#[test]
fn hardened_host_passes_every_check_the_weak_host_fails() {
    let host = materialise("hardened");
    let report = scan(&host);
    let got = outcomes(&report);
    let not_passing: Vec<_> = got
        .iter()
        .filter(|(c, o)| listed("weak.fails").contains(*c) && o.as_str() != "pass")
        .collect();
    assert!(not_passing.is_empty(), "{not_passing:?}");
    let bad: Vec<_> = got
        .iter()
        .filter(|(_, o)| o.as_str() == "fail" || o.as_str() == "error")
        .collect();
    assert!(bad.is_empty(), "{bad:?}");
    // The CLI agrees when it can see the owners the tree records (as root it chowned them).
    if ward::facts::current_uid() == 0 {
        assert_eq!(scan_cli(host.path()), Some(0));
    }
}

/// Path -> (kind, mode, size, mtime, sha256 of contents or link target).
fn fingerprint(root: &Path) -> BTreeMap<PathBuf, (String, u32, u64, i64, String)> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root) {
        let entry = entry.unwrap();
        let meta = fs::symlink_metadata(entry.path()).unwrap();
        let ft = meta.file_type();
        let (kind, digest) = if ft.is_symlink() {
            let t = fs::read_link(entry.path()).unwrap();
            (
                "link",
                hex::encode(Sha256::digest(t.as_os_str().as_encoded_bytes())),
            )
        } else if ft.is_file() {
            (
                "file",
                hex::encode(Sha256::digest(fs::read(entry.path()).unwrap())),
            )
        } else if ft.is_dir() {
            ("dir", String::new())
        } else {
            ("special", String::new())
        };
        out.insert(
            entry.path().to_path_buf(),
            (
                kind.to_string(),
                meta.mode(),
                meta.size(),
                meta.mtime(),
                digest,
            ),
        );
    }
    out
}

#[test]
fn scanning_leaves_the_root_unchanged() {
    let host = materialise("weak");
    let root = host.path();
    // Add the awkward kinds too: a FIFO, a dangling link, a loop.
    let status = Command::new("mkfifo")
        .arg(root.join("etc/initctl"))
        .status()
        .unwrap();
    assert!(status.success());
    std::os::unix::fs::symlink("/nowhere", root.join("etc/dangling")).unwrap();
    std::os::unix::fs::symlink("/etc/loop", root.join("etc/loop")).unwrap();
    let before = fingerprint(root);
    assert_eq!(scan_cli(root), Some(1));
    let after = fingerprint(root);
    assert_eq!(before, after);
}
