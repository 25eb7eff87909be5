//! Whole-host scans of the fixture hosts in `tests/fixtures/hosts/`:
//! - `weak` is built to fail exactly the checks listed in `weak.fails`, each with evidence
//!   naming the file (and line, where a line holds the value);
//! - `hardened` passes every one of them;
//! - a scan leaves the scanned root byte-for-byte unchanged.
//!
//! Git stores neither owners nor most modes, so each host is copied into a temporary
//! directory and given the modes listed in `<host>.modes` (files default to 0644).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256};

fn hosts_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hosts")
}

fn is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .is_some_and(|l| l.split_whitespace().nth(1) == Some("0"))
}

/// Copy a host tree (files, directories, symlinks) and apply its modes manifest.
fn materialise(name: &str) -> tempfile::TempDir {
    let src = hosts_dir().join(name);
    let dst = tempfile::tempdir().unwrap();
    for entry in walkdir::WalkDir::new(&src).min_depth(1) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(&src).unwrap();
        let to = dst.path().join(rel);
        let ft = entry.file_type();
        if ft.is_dir() {
            fs::create_dir_all(&to).unwrap();
            fs::set_permissions(&to, fs::Permissions::from_mode(0o755)).unwrap();
        } else if ft.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(entry.path()).unwrap(), &to).unwrap();
        } else {
            fs::copy(entry.path(), &to).unwrap();
            fs::set_permissions(&to, fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
    let manifest = hosts_dir().join(format!("{name}.modes"));
    if let Ok(text) = fs::read_to_string(&manifest) {
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (mode, path) = line.split_once(char::is_whitespace).unwrap();
            let mode = u32::from_str_radix(mode, 8).unwrap();
            let p = dst.path().join(path.trim().trim_start_matches('/'));
            fs::set_permissions(&p, fs::Permissions::from_mode(mode))
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        }
    }
    dst
}

fn scan(root: &Path) -> (Option<i32>, Value) {
    let out = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(["scan", "--color", "never", "--root"])
        .arg(root)
        .arg("--output")
        .arg(out.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let json = fs::read_to_string(out.path().join("report.json"))
        .unwrap_or_else(|e| panic!("{e}\n{stderr}"));
    (output.status.code(), serde_json::from_str(&json).unwrap())
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

/// Checks that look at file ownership fail on a tree owned by a non-root user.
fn ownership_checks(report: &Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["reason"].as_str().unwrap_or("").contains("owner is"))
        .map(|f| f["check"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn weak_host_fails_exactly_what_it_is_built_to_fail() {
    let root = materialise("weak");
    let (code, report) = scan(root.path());
    assert_eq!(code, Some(1));
    let expected = listed("weak.fails");
    let got = outcomes(&report);
    let failed: BTreeSet<String> = got
        .iter()
        .filter(|(_, o)| o.as_str() == "fail")
        .map(|(c, _)| c.clone())
        .collect();
    let mut expected_now = expected.clone();
    if !is_root() {
        expected_now.extend(ownership_checks(&report));
    }
    assert_eq!(
        failed,
        expected_now,
        "unexpected: {:?}; missing: {:?}",
        failed.difference(&expected_now).collect::<Vec<_>>(),
        expected_now.difference(&failed).collect::<Vec<_>>()
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
        let line_based = id.starts_with("ssh.") && !id.ends_with("-permissions")
            || id.starts_with("kernel.")
            || id.starts_with("network.")
            || id.starts_with("packages.")
            || id == "accounts.uid-zero"
            || id == "accounts.login-defs-hashing";
        if line_based {
            assert!(
                ev.iter().any(|e| e["line"].as_u64().is_some()),
                "{id} evidence has no line: {ev:?}"
            );
        }
    }
}

#[test]
fn hardened_host_passes_every_check_the_weak_host_fails() {
    let root = materialise("hardened");
    let (code, report) = scan(root.path());
    let got = outcomes(&report);
    let not_passing: Vec<_> = got
        .iter()
        .filter(|(c, o)| listed("weak.fails").contains(*c) && o.as_str() != "pass")
        .collect();
    if is_root() {
        assert!(not_passing.is_empty(), "{not_passing:?}");
        assert_eq!(code, Some(0), "{got:?}");
    } else {
        let own = ownership_checks(&report);
        assert!(
            not_passing.iter().all(|(c, _)| own.contains(*c)),
            "{not_passing:?}"
        );
    }
    let bad: Vec<_> = got
        .iter()
        .filter(|(_, o)| o.as_str() == "fail" || o.as_str() == "error")
        .collect();
    if is_root() {
        assert!(bad.is_empty(), "{bad:?}");
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
    let root = materialise("weak");
    // Add the awkward kinds too: a FIFO, a dangling link, a loop.
    let status = Command::new("mkfifo")
        .arg(root.path().join("etc/initctl"))
        .status()
        .unwrap();
    assert!(status.success());
    std::os::unix::fs::symlink("/nowhere", root.path().join("etc/dangling")).unwrap();
    std::os::unix::fs::symlink("/etc/loop", root.path().join("etc/loop")).unwrap();
    let before = fingerprint(root.path());
    let (code, _) = scan(root.path());
    assert_eq!(code, Some(1));
    let after = fingerprint(root.path());
    assert_eq!(before, after);
}
