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

#[test]
fn planted_symlinks_in_the_output_are_replaced_never_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let victim = tmp.path().join("passwd");
    fs::write(&victim, "precious\n").unwrap();
    let out = tmp.path().join("ward-report");
    fs::create_dir(&out).unwrap();
    for name in ["report.json", "report.md", "report.html"] {
        std::os::unix::fs::symlink(&victim, out.join(name)).unwrap();
    }
    ward()
        .args(["scan", "--root"])
        .arg(weak_host())
        .arg("--output")
        .arg(&out)
        .assert()
        .code(1);
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");
    for name in ["report.json", "report.md", "report.html"] {
        let meta = fs::symlink_metadata(out.join(name)).unwrap();
        assert!(meta.file_type().is_file(), "{name} is still a symlink");
    }
    // The same for a facts bundle.
    let facts = tmp.path().join("facts.json");
    std::os::unix::fs::symlink(&victim, &facts).unwrap();
    ward()
        .args(["collect", "--root"])
        .arg(weak_host())
        .arg("--output")
        .arg(&facts)
        .assert()
        .success();
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious\n");
    assert!(fs::symlink_metadata(&facts).unwrap().file_type().is_file());
    // No temporary file is left behind.
    let left: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".ward-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn output_directory_must_be_a_real_safe_directory() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("elsewhere");
    fs::create_dir(&target).unwrap();
    let link = tmp.path().join("ward-report");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    ward()
        .args(["scan", "--root"])
        .arg(weak_host())
        .arg("--output")
        .arg(&link)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("symlink"));
    assert!(fs::read_dir(&target).unwrap().next().is_none());

    let open = tmp.path().join("open");
    fs::create_dir(&open).unwrap();
    fs::set_permissions(&open, fs::Permissions::from_mode(0o777)).unwrap();
    ward()
        .args(["scan", "--root"])
        .arg(weak_host())
        .arg("--output")
        .arg(&open)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("world-writable"));
    assert!(!open.join("report.json").exists());
    // Owned by another user (who could replace the reports): refused. Only root can chown.
    let theirs = tmp.path().join("theirs");
    fs::create_dir(&theirs).unwrap();
    if std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).is_ok() {
        ward()
            .args(["scan", "--root"])
            .arg(weak_host())
            .arg("--output")
            .arg(&theirs)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("owned by uid 65534"));
        assert!(!theirs.join("report.json").exists());
    }
    // Sticky, like /tmp: accepted.
    fs::set_permissions(&open, fs::Permissions::from_mode(0o1777)).unwrap();
    ward()
        .args(["scan", "--format", "json", "--root"])
        .arg(weak_host())
        .arg("--output")
        .arg(&open)
        .assert()
        .code(1);
    assert!(open.join("report.json").exists());
}

#[test]
fn refuses_output_reaching_into_the_root_through_a_symlink_and_dotdot() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    fs::create_dir_all(root.join("etc")).unwrap();
    std::os::unix::fs::symlink(&root, tmp.path().join("link")).unwrap();
    let sneaky = tmp.path().join("missing/../link/reports");
    ward()
        .args(["scan", "--root"])
        .arg(&root)
        .arg("--output")
        .arg(&sneaky)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("inside the scanned root"));
    assert!(!root.join("reports").exists());
    ward()
        .args(["collect", "--root"])
        .arg(&root)
        .arg("--output")
        .arg(tmp.path().join("link/facts.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("inside the scanned root"));
    assert!(!root.join("facts.json").exists());
}

#[test]
fn proc_magic_link_roots_are_refused() {
    let out = tempfile::tempdir().unwrap();
    for root in ["/proc/self/root", "/proc/1/root"] {
        ward()
            .args(["scan", "--root", root, "--output"])
            .arg(out.path())
            .assert()
            .code(2)
            .stderr(predicate::str::contains("nsenter"));
    }
    assert!(!out.path().join("report.json").exists());
}

/// A root with secrets, and a catalogue whose `lines` checks point at them.
fn secrets_root_and_catalogue(tmp: &Path) -> (PathBuf, PathBuf) {
    let root = tmp.join("root");
    let put = |rel: &str, text: &str| {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    };
    put("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n");
    put(
        "etc/shadow",
        "root:$6$SALTsalt$SHADOWHASHshadowhashSHADOWHASHshadowhash:19000:0:99999:7:::\n",
    );
    put(
        "etc/ssl/private/site.key",
        "-----BEGIN PRIVATE KEY-----\nMIIKEYMATERIALkeymaterialKEYMATERIAL\n-----END PRIVATE KEY-----\n",
    );
    put(
        "etc/app.conf",
        "user = admin\npassword_hash = $y$j9T$APPHASHapphashAPPHASH$apphashAPPHASHapphash\nkey = -----BEGIN OPENSSH PRIVATE KEY-----\n",
    );
    let cat = tmp.join("catalogue");
    fs::create_dir_all(cat.join("checks")).unwrap();
    let check = |id: &str, path: &str, re: &str| {
        format!(
            "- id: {id}\n  title: {id}\n  severity: high\n  test:\n    lines:\n      path: {path}\n      matches: '{re}'\n      expect: present\n  rationale: r\n  remediation: {{ steps: s }}\n"
        )
    };
    let yaml = [
        check("leak.shadow", "/etc/shadow", "^root:"),
        check("leak.key", "/etc/ssl/private/*.key", "."),
        check("leak.app", "/etc/app.conf", "="),
    ]
    .concat();
    fs::write(cat.join("checks/leak.yaml"), yaml).unwrap();
    (root, cat)
}

#[test]
fn secret_files_never_yield_lines_whatever_the_catalogue_says() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, cat) = secrets_root_and_catalogue(tmp.path());
    let out = tmp.path().join("out");
    let facts = tmp.path().join("facts.json");
    ward()
        .args(["collect", "--no-builtin", "--catalogue"])
        .arg(&cat)
        .arg("--root")
        .arg(&root)
        .arg("--output")
        .arg(&facts)
        .assert()
        .success();
    ward()
        .args(["scan", "--no-builtin", "--catalogue"])
        .arg(&cat)
        .arg("--root")
        .arg(&root)
        .arg("--output")
        .arg(&out)
        .assert()
        .success();
    let mut texts = vec![fs::read_to_string(&facts).unwrap()];
    for name in ["report.json", "report.md", "report.html"] {
        texts.push(fs::read_to_string(out.join(name)).unwrap());
    }
    for t in &texts {
        for secret in ["SHADOWHASH", "KEYMATERIAL", "APPHASH", "PRIVATE KEY"] {
            assert!(!t.contains(secret), "{secret} leaked:\n{t}");
        }
    }
    // The checks still evaluate: the lines matched, their content is withheld.
    let v: Value = serde_json::from_str(&texts[1]).unwrap();
    for id in ["leak.shadow", "leak.key", "leak.app"] {
        let f = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["check"] == id)
            .unwrap();
        assert_eq!(f["outcome"], "pass", "{f}");
    }
    assert!(texts[0].contains("withheld"));
    // The harmless line of app.conf is kept.
    assert!(texts[0].contains("user = admin"));
}

#[test]
fn a_replaced_builtin_check_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let cat = tmp.path().join("catalogue");
    fs::create_dir_all(cat.join("checks")).unwrap();
    fs::write(
        cat.join("checks/override.yaml"),
        "- id: ssh.root-login\n  title: Replaced\n  severity: low\n  test: { package: { name: openssh-server, installed: true } }\n  rationale: r\n  remediation: { steps: s }\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let assert = ward()
        .args(["scan", "--catalogue"])
        .arg(&cat)
        .arg("--root")
        .arg(weak_host())
        .arg("--output")
        .arg(&out)
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("ssh.root-login") && stderr.contains("replaces"),
        "{stderr}"
    );
    let v: Value =
        serde_json::from_str(&fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let r = &v["catalogue"]["replaced"][0];
    assert_eq!(r["kind"], "check", "{}", v["catalogue"]);
    assert_eq!(r["id"], "ssh.root-login");
    assert!(r["by"].as_str().unwrap().contains("override.yaml"), "{r}");
    assert!(
        r["replaced"].as_str().unwrap().starts_with("builtin:"),
        "{r}"
    );
    for name in ["report.md", "report.html"] {
        let text = fs::read_to_string(out.join(name)).unwrap();
        assert!(
            text.contains("replaces the built-in") || text.contains("Replaced"),
            "{name}"
        );
        assert!(text.contains("override.yaml"), "{name}");
    }
}

fn bundle_of_weak_host(dir: &Path) -> PathBuf {
    let facts = dir.join("facts.json");
    ward()
        .args(["collect", "--root"])
        .arg(weak_host())
        .arg("--output")
        .arg(&facts)
        .assert()
        .success();
    facts
}

#[test]
fn evaluate_says_the_report_came_from_a_bundle() {
    use sha2::Digest;
    let tmp = tempfile::tempdir().unwrap();
    let facts = bundle_of_weak_host(tmp.path());
    let bytes = fs::read(&facts).unwrap();
    let digest = format!("sha256:{}", hex::encode(sha2::Sha256::digest(&bytes)));
    let out = tmp.path().join("out");
    let assert = ward()
        .arg("evaluate")
        .arg(&facts)
        .args(["--color", "never", "--output"])
        .arg(&out)
        .assert()
        .code(1);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(
        stdout.contains("evaluated from facts bundle sha256:"),
        "{stdout}"
    );
    let v: Value =
        serde_json::from_str(&fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let src = &v["host"]["source"];
    assert_eq!(src["kind"], "bundle", "{src}");
    assert_eq!(src["bundle_digest"], digest.as_str());
    let bundle: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(src["collected_at"], bundle["collected_at"]);
    assert_eq!(src["collected_by"], bundle["tool"]["version"]);
    for name in ["report.md", "report.html"] {
        let text = fs::read_to_string(out.join(name)).unwrap();
        assert!(text.contains("facts bundle"), "{name}");
        assert!(text.contains(&digest), "{name}");
    }
    // A scan says it was a scan.
    let scan = tmp.path().join("scan");
    ward()
        .args(["scan", "--format", "json", "--root"])
        .arg(weak_host())
        .arg("--output")
        .arg(&scan)
        .assert()
        .code(1);
    let v: Value =
        serde_json::from_str(&fs::read_to_string(scan.join("report.json")).unwrap()).unwrap();
    assert_eq!(v["host"]["source"]["kind"], "scan");
    assert_eq!(v["host"]["source"]["bundle_digest"], Value::Null);
}

#[test]
fn evaluate_caps_the_bundle_size() {
    let tmp = tempfile::tempdir().unwrap();
    let facts = bundle_of_weak_host(tmp.path());
    ward()
        .arg("evaluate")
        .arg(&facts)
        .args(["--max-bundle-size", "1000", "--output"])
        .arg(tmp.path().join("out"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("over the 1000-byte limit"));
    assert!(!tmp.path().join("out").exists());
    // From standard input too.
    ward()
        .args(["evaluate", "-", "--max-bundle-size", "1000", "--output"])
        .arg(tmp.path().join("out"))
        .pipe_stdin(&facts)
        .unwrap()
        .assert()
        .code(2)
        .stderr(predicate::str::contains("over the 1000-byte limit"));
}

#[test]
fn empty_or_incomplete_bundles_never_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let facts = bundle_of_weak_host(tmp.path());
    let mut bundle: Value = serde_json::from_str(&fs::read_to_string(&facts).unwrap()).unwrap();
    let empty = tmp.path().join("empty.json");
    fs::write(&empty, "{}").unwrap();
    ward()
        .arg("evaluate")
        .arg(&empty)
        .arg("--output")
        .arg(tmp.path().join("out"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing field `schema_version`"));
    for key in ["host", "facts", "collectors", "tool"] {
        bundle.as_object_mut().unwrap().remove(key);
        let cut = tmp.path().join(format!("no-{key}.json"));
        fs::write(&cut, bundle.to_string()).unwrap();
        ward()
            .arg("evaluate")
            .arg(&cut)
            .arg("--output")
            .arg(tmp.path().join("out"))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!("missing field `{key}`")));
        bundle = serde_json::from_str(&fs::read_to_string(&facts).unwrap()).unwrap();
    }
    assert!(!tmp.path().join("out").exists());

    let evaluate = |b: &Value, name: &str| -> Value {
        let cut = tmp.path().join(name);
        fs::write(&cut, b.to_string()).unwrap();
        let out = tmp.path().join(format!("out-{name}"));
        ward()
            .arg("evaluate")
            .arg(&cut)
            .args(["--format", "json", "--output"])
            .arg(&out)
            .assert()
            .code(1);
        serde_json::from_str(&fs::read_to_string(out.join("report.json")).unwrap()).unwrap()
    };
    let full = evaluate(&bundle, "full.json");
    let full_pass = full["summary"]["pass"].as_u64().unwrap();

    // A collector's section removed: every check that needs it is an error saying so.
    for key in ["packages", "sshd", "accounts", "sysctl", "files"] {
        let mut cut = bundle.clone();
        assert!(cut["facts"].as_object_mut().unwrap().remove(key).is_some());
        let v = evaluate(&cut, &format!("no-facts-{key}.json"));
        let missing: Vec<&Value> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| {
                f["reason"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("{key} was not collected"))
            })
            .collect();
        assert!(!missing.is_empty(), "no check reported the missing {key}");
        assert!(
            missing.iter().all(|f| f["outcome"] == "error"),
            "{missing:?}"
        );
        assert!(v["summary"]["pass"].as_u64().unwrap() <= full_pass);
    }

    // Planned sections emptied: the checks that needed them are errors, none passes.
    let mut emptied = bundle.clone();
    emptied["facts"]["files"] = serde_json::json!({"status": "collected", "value": {}});
    emptied["facts"]["lines"] = serde_json::json!({"status": "collected", "value": []});
    emptied["facts"]["configs"] = serde_json::json!({"status": "collected", "value": []});
    let v = evaluate(&emptied, "emptied.json");
    let (pass, error) = (
        v["summary"]["pass"].as_u64().unwrap(),
        v["summary"]["error"].as_u64().unwrap(),
    );
    assert!(pass < full_pass && error > 0, "{pass} pass, {error} error");
}

/// `ward feeds import` then `ward feeds status`: counts, the feed's date and age, and a
/// file that is not a feed listed with exit code 1 while the rest is imported.
#[test]
fn feeds_import_and_status() {
    let data = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/data");
    ward()
        .args(["feeds", "status", "--data-dir"])
        .arg(data.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("No feeds"));
    ward()
        .args(["feeds", "import", "--data-dir"])
        .arg(data.path())
        .arg(fixtures.join("kev-subset.json"))
        .assert()
        .success()
        .stdout(predicate::str::contains("8 KEV entries"));
    let src = tempfile::tempdir().unwrap();
    fs::copy(
        fixtures.join("osv-almalinux/almalinux9/ALSA-2024:3339.json"),
        src.path().join("a.json"),
    )
    .unwrap();
    fs::write(src.path().join("b.json"), "[1, 2]").unwrap();
    ward()
        .env("WARD_DATA_DIR", data.path())
        .args(["feeds", "import"])
        .arg(src.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("1 OSV record(s)"))
        .stdout(predicate::str::contains("not imported:").and(predicate::str::contains("b.json")));
    ward()
        .env("WARD_DATA_DIR", data.path())
        .args(["feeds", "status"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "kev  8 records, dated 2025-08-25T17:04:19.9796Z, obtained 0 days ago",
        ))
        .stdout(predicate::str::contains("osv  1 records"));
    // A feed obtained long ago (written through the library, as an old update would have).
    let old = ward::feeds::index::Batch {
        feeds: vec![ward::feeds::index::FeedRecord {
            kind: "osv".into(),
            source: "https://mirror.example/old.zip".into(),
            date: "2020-01-01T00:00:00Z".into(),
            updated_at: "2020-01-02T00:00:00Z".into(),
            records: 0,
            sha256: String::new(),
        }],
        ..Default::default()
    };
    ward::feeds::index::apply(data.path(), &old).unwrap();
    ward()
        .env("WARD_DATA_DIR", data.path())
        .args(["feeds", "status", "--max-age", "30"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("STALE: obtained"))
        .stdout(predicate::str::contains("over the 30-day limit"));
    let now: jiff::Timestamp = "2026-12-03T00:00:00Z".parse().unwrap();
    assert_eq!(ward::feeds::age_days("2026-11-01T00:00:00Z", now), Some(32));
    assert_eq!(ward::feeds::age_days("not a time", now), None);
}
