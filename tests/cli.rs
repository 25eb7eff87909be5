//! The command line as a user meets it: help, exit codes, catalogue errors with locations,
//! collect-then-evaluate, and the refusal to write inside a scanned root.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn ward() -> Command {
    Command::cargo_bin("ward").unwrap()
}

fn weak_host() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hosts/weak")
}

#[test]
fn help_shows_examples() {
    ward()
        .args(["scan", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Examples:"))
        .stdout(predicate::str::contains("--fail-on"));
    ward()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("controls"));
}

#[test]
fn usage_errors_exit_2() {
    ward().args(["scan", "--bogus"]).assert().code(2);
    ward()
        .args(["scan", "--format", "pdf"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown format"));
    ward()
        .args(["scan", "--profile", "no-such-profile", "--root"])
        .arg(weak_host())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown profile"));
    ward()
        .args(["scan", "--no-builtin"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--catalogue"));
}

#[test]
fn catalogue_errors_name_file_line_and_column_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("checks")).unwrap();
    fs::write(
        dir.path().join("checks/mine.yaml"),
        "- id: mine.check\n  title: A custom check\n  severity: high\n  test:\n    sshd: { key: PermitRootLogin, equal: \"no\" }\n  rationale: r\n  remediation: { steps: s }\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("checks/other.yaml"),
        "- id: other.check\n  title: Another\n  severity: severe\n  test: { package: { name: x, installed: false } }\n  rationale: r\n  remediation: { steps: s }\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    let assert = ward()
        .args(["scan", "--catalogue"])
        .arg(dir.path())
        .arg("--root")
        .arg(weak_host())
        .arg("--output")
        .arg(out.path())
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    // Both files' problems are reported in one run, each located.
    assert!(stderr.contains("mine.yaml:5:"), "{stderr}");
    assert!(stderr.contains("equal"), "{stderr}");
    assert!(stderr.contains("other.yaml:3:"), "{stderr}");
    assert!(!out.path().join("report.json").exists());

    ward()
        .args(["controls", "lint"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("mine.yaml:5:"));
}

#[test]
fn builtin_catalogue_lints_clean() {
    ward()
        .args(["controls", "lint"])
        .assert()
        .success()
        .stdout(predicate::str::contains(": 0 problem(s)"));
}

#[test]
fn controls_show_and_list() {
    ward()
        .args(["controls", "show", "ssh.root-login"])
        .assert()
        .success()
        .stdout(predicate::str::contains("PermitRootLogin"))
        .stdout(predicate::str::contains("Remediation:"))
        .stdout(predicate::str::contains("dspt-caf-2024-25"));
    ward()
        .args(["controls", "show", "no.such-check"])
        .assert()
        .code(2);
    let out = ward()
        .args(["controls", "list", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let rows: Value = serde_json::from_slice(&out).unwrap();
    assert!(rows.as_array().unwrap().len() >= 30);
}

#[test]
fn collect_then_evaluate_matches_scan() {
    let tmp = tempfile::tempdir().unwrap();
    let facts = tmp.path().join("facts.json");
    ward()
        .args(["collect", "--root"])
        .arg(weak_host())
        .arg("--output")
        .arg(&facts)
        .assert()
        .success();
    let bundle = fs::read_to_string(&facts).unwrap();
    // No password hash from the weak host's shadow ever reaches the bundle.
    // Every crypt(5) prefix, and the DES and bigcrypt bodies of the weak host's shadow.
    for secret in [
        "$y$",
        "$gy$",
        "$7$",
        "$2a$",
        "$2b$",
        "$2y$",
        "$6$",
        "$5$",
        "$1$",
        "$sha1$",
        "$md5",
        "$3$",
        "abJnggxhB/yWI",
        "abYH7TYgEKz2QoAyB.mxxiXg",
        "fixturesaltfixture",
        "LegacyHashKeptInPasswd",
    ] {
        assert!(
            !bundle.contains(secret),
            "{secret}: a hash leaked into the facts bundle"
        );
    }

    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    ward()
        .arg("evaluate")
        .arg(&facts)
        .arg("--output")
        .arg(&a)
        .assert()
        .code(1);
    ward()
        .args(["scan", "--root"])
        .arg(weak_host())
        .arg("--output")
        .arg(&b)
        .assert()
        .code(1);
    let load = |d: &Path| -> Vec<(String, String)> {
        let v: Value =
            serde_json::from_str(&fs::read_to_string(d.join("report.json")).unwrap()).unwrap();
        v["findings"]
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
    };
    assert_eq!(load(&a), load(&b));
}

#[test]
fn evaluate_rejects_a_file_that_is_not_a_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("x.json");
    fs::write(&f, "{\"hello\": 1}").unwrap();
    ward()
        .arg("evaluate")
        .arg(&f)
        .arg("--output")
        .arg(tmp.path().join("out"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a Ward facts bundle"));
}

#[test]
fn fail_on_threshold_and_formats() {
    let tmp = tempfile::tempdir().unwrap();
    // The weak host fails critical checks, so even --fail-on critical exits 1.
    ward()
        .args([
            "scan",
            "--fail-on",
            "critical",
            "--format",
            "json",
            "--root",
        ])
        .arg(weak_host())
        .arg("--output")
        .arg(tmp.path())
        .assert()
        .code(1);
    assert!(tmp.path().join("report.json").exists());
    assert!(!tmp.path().join("report.html").exists());
    assert!(!tmp.path().join("report.md").exists());
}

#[test]
fn refuses_to_write_inside_the_scanned_root() {
    let root = tempfile::tempdir().unwrap();
    fs::create_dir_all(root.path().join("etc")).unwrap();
    ward()
        .args(["scan", "--root"])
        .arg(root.path())
        .arg("--output")
        .arg(root.path().join("reports"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("inside the scanned root"));
    assert!(!root.path().join("reports").exists());
}

#[test]
fn templates_dir_overrides_the_builtin_templates() {
    let tpl = tempfile::tempdir().unwrap();
    fs::write(
        tpl.path().join("report.md.tera"),
        "# Custom {{ summary.total }} checks on {{ host.hostname }}\n",
    )
    .unwrap();
    let out = tempfile::tempdir().unwrap();
    ward()
        .args(["scan", "--format", "md,html", "--templates"])
        .arg(tpl.path())
        .arg("--root")
        .arg(weak_host())
        .arg("--output")
        .arg(out.path())
        .assert()
        .code(1);
    let md = fs::read_to_string(out.path().join("report.md")).unwrap();
    assert!(md.starts_with("# Custom "), "{md}");
    assert!(md.contains("weak-host"), "{md}");
    // The HTML template was not overridden: the built-in one is used.
    let html = fs::read_to_string(out.path().join("report.html")).unwrap();
    assert!(html.contains("<!DOCTYPE html>") || html.contains("<!doctype html>"));

    // A broken template is a run error naming it.
    fs::write(tpl.path().join("report.md.tera"), "{% if %}").unwrap();
    ward()
        .args(["scan", "--templates"])
        .arg(tpl.path())
        .arg("--root")
        .arg(weak_host())
        .arg("--output")
        .arg(out.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("template"));
}

#[test]
fn redact_replaces_host_name_and_root_everywhere() {
    let out = tempfile::tempdir().unwrap();
    let assert = ward()
        .args(["scan", "--redact", "--color", "never", "--root"])
        .arg(weak_host())
        .arg("--output")
        .arg(out.path())
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    let root = weak_host().canonicalize().unwrap().display().to_string();
    for name in ["report.json", "report.html", "report.md"] {
        let text = fs::read_to_string(out.path().join(name)).unwrap();
        assert!(!text.contains("weak-host"), "{name} names the host");
        assert!(!text.contains(&root), "{name} names the root");
    }
    assert!(!stdout.contains("weak-host"), "{stdout}");
    let v: Value =
        serde_json::from_str(&fs::read_to_string(out.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(v["redacted"], true);
    let alias = v["host"]["hostname"].as_str().unwrap();
    assert!(alias.starts_with("host-") && alias.len() == 17, "{alias}");
}

#[test]
fn custom_catalogue_example_adds_a_check_and_a_profile() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/custom-catalogue");
    ward()
        .args(["controls", "test", "site.*", "--catalogue"])
        .arg(&example)
        .assert()
        .success()
        .stdout(predicate::str::contains("fixtures: 2 passed, 0 failed"));
    let out = tempfile::tempdir().unwrap();
    ward()
        .args(["scan", "--profile", "site-remote-access", "--catalogue"])
        .arg(&example)
        .arg("--root")
        .arg(weak_host())
        .arg("--output")
        .arg(out.path())
        .assert()
        .code(1);
    let v: Value =
        serde_json::from_str(&fs::read_to_string(out.path().join("report.json")).unwrap()).unwrap();
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check"].as_str().unwrap())
        .collect();
    assert!(
        ids.iter()
            .all(|i| i.starts_with("ssh.") || i.starts_with("site.")),
        "{ids:?}"
    );
    let banner = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "site.login-banner")
        .unwrap();
    assert_eq!(banner["outcome"], "fail");
    assert_eq!(v["catalogue"]["profile"], "site-remote-access");
}
