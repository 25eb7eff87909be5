//! Check parameters: a profile (or `--param`) sets a named threshold, the verdict follows
//! it, and the report records the value used and who set it.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;
use ward::catalogue::fixtures::Fixture;
use ward::catalogue::Catalogue;

/// Build a built-in fixture host into a temporary directory.
fn fixture_root(name: &str) -> tempfile::TempDir {
    let cat = Catalogue::builtin().unwrap();
    let fx = Fixture::resolved(name, &cat.fixtures).unwrap();
    let dir = tempfile::tempdir().unwrap();
    fx.materialise(name, dir.path(), false).unwrap();
    dir
}

fn scan_json(root: &Path, extra: &[&str]) -> Value {
    let out = tempfile::tempdir().unwrap();
    let assert = Command::cargo_bin("ward")
        .unwrap()
        .args(["scan", "--format", "json", "--quiet", "--root"])
        .arg(root)
        .arg("--output")
        .arg(out.path())
        .args(extra)
        .assert();
    let code = assert.get_output().status.code();
    assert!(matches!(code, Some(0..=2)), "{:?}", assert.get_output());
    serde_json::from_slice(&fs::read(out.path().join("report.json")).unwrap()).unwrap()
}

fn finding<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == id)
        .unwrap_or_else(|| panic!("no finding {id}"))
}

#[test]
fn a_profile_parameter_changes_the_verdict_and_is_reported() {
    // ssh-hardened sets MaxAuthTries 3 (and 2 in a Match block).
    let host = fixture_root("ssh-hardened");

    let default = scan_json(host.path(), &[]);
    let f = finding(&default, "ssh.max-auth-tries");
    assert_eq!(f["outcome"], "pass", "{f:#}");
    assert_eq!(f["parameters"]["max_auth_tries"]["value"], 4);
    assert_eq!(f["parameters"]["max_auth_tries"]["source"], "default");

    let cat = tempfile::tempdir().unwrap();
    fs::create_dir_all(cat.path().join("profiles")).unwrap();
    fs::write(
        cat.path().join("profiles/strict.yaml"),
        "id: strict\ntitle: Strict\ndescription: Two tries only.\ninclude: [\"ssh.*\"]\n\
         parameters:\n  max_auth_tries: 2\n",
    )
    .unwrap();
    let strict = scan_json(
        host.path(),
        &[
            "--catalogue",
            cat.path().to_str().unwrap(),
            "--profile",
            "strict",
        ],
    );
    let f = finding(&strict, "ssh.max-auth-tries");
    assert_eq!(f["outcome"], "fail", "{f:#}");
    assert_eq!(f["parameters"]["max_auth_tries"]["value"], 2);
    assert_eq!(
        f["parameters"]["max_auth_tries"]["source"]["profile"],
        "strict"
    );
    assert!(
        f["evidence"][0]["expected"]
            .as_str()
            .unwrap()
            .contains("at most 2"),
        "{f:#}"
    );

    // The command line wins over the profile.
    let cli = scan_json(
        host.path(),
        &[
            "--catalogue",
            cat.path().to_str().unwrap(),
            "--profile",
            "strict",
            "--param",
            "max_auth_tries=3",
        ],
    );
    let f = finding(&cli, "ssh.max-auth-tries");
    assert_eq!(f["outcome"], "pass", "{f:#}");
    assert_eq!(f["parameters"]["max_auth_tries"]["source"], "command_line");
}

#[test]
fn bad_parameters_are_refused_with_the_reason() {
    let host = fixture_root("ssh-hardened");
    let run = |args: &[&str]| {
        Command::cargo_bin("ward")
            .unwrap()
            .args(["scan", "--root"])
            .arg(host.path())
            .args(args)
            .assert()
            .code(2)
    };
    run(&["--param", "max_auth_tries=0"]).stderr(predicates::str::contains("outside 1..=100"));
    run(&["--param", "max_auth_tries=many"]).stderr(predicates::str::contains("not an integer"));
    run(&["--param", "no_such=1"]).stderr(predicates::str::contains("unknown parameter"));

    let cat = tempfile::tempdir().unwrap();
    fs::create_dir_all(cat.path().join("profiles")).unwrap();
    fs::write(
        cat.path().join("profiles/bad.yaml"),
        "id: bad\ntitle: Bad\ndescription: d\nparameters:\n  max_auth_tries: \"four\"\n  nope: 1\n",
    )
    .unwrap();
    run(&["--catalogue", cat.path().to_str().unwrap()])
        .stderr(predicates::str::contains("takes an integer, not a string"))
        .stderr(predicates::str::contains("unknown parameter \"nope\""))
        .stderr(predicates::str::contains("bad.yaml"));
}

#[test]
fn controls_show_lists_parameters() {
    Command::cargo_bin("ward")
        .unwrap()
        .args(["controls", "show", "ssh.max-auth-tries"])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "max_auth_tries (default 4, allowed 1..=100)",
        ));
}

#[test]
fn thresholds_are_parameters_and_titles_state_the_value_used() {
    // accounts-hardened: pwquality minlen = 14, UMASK 027.
    let host = fixture_root("accounts-hardened");
    let default = scan_json(host.path(), &[]);
    let f = finding(&default, "accounts.password-length");
    assert_eq!(f["outcome"], "pass", "{f:#}");
    assert_eq!(
        f["title"],
        "PAM enforces passwords of at least 12 characters (pam_pwquality)"
    );
    assert_eq!(
        finding(&default, "accounts.default-umask")["outcome"],
        "pass"
    );

    let strict = scan_json(
        host.path(),
        &["--param", "min_password_length=16", "--param", "umask=077"],
    );
    let f = finding(&strict, "accounts.password-length");
    assert_eq!(f["outcome"], "fail", "{f:#}");
    assert_eq!(
        f["title"],
        "PAM enforces passwords of at least 16 characters (pam_pwquality)"
    );
    assert_eq!(f["parameters"]["min_password_length"]["value"], 16);
    let f = finding(&strict, "accounts.default-umask");
    assert_eq!(f["outcome"], "fail", "{f:#}");
    assert!(
        f["title"].as_str().unwrap().contains("(077 or stricter)"),
        "{f:#}"
    );

    // A mask that is not octal is refused before scanning.
    Command::cargo_bin("ward")
        .unwrap()
        .args(["scan", "--root"])
        .arg(host.path())
        .args(["--param", "umask=0x17"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("does not match"));
}

#[test]
fn ssh_time_limits_are_parameters_read_in_seconds() {
    // ssh-login-grace-minute-and-half: LoginGraceTime 1m30s, which sshd reads as 90 s.
    let host = fixture_root("ssh-login-grace-minute-and-half");
    let report = scan_json(host.path(), &[]);
    let f = finding(&report, "ssh.login-grace-time");
    assert_eq!(f["outcome"], "fail", "{f:#}");
    assert!(
        f["evidence"][0]["observed"]
            .as_str()
            .unwrap()
            .contains("90 seconds"),
        "{f:#}"
    );
    let report = scan_json(host.path(), &["--param", "login_grace_seconds=120"]);
    let f = finding(&report, "ssh.login-grace-time");
    assert_eq!(f["outcome"], "pass", "{f:#}");
    assert_eq!(
        f["title"],
        "SSH drops unauthenticated connections within 120 seconds"
    );
}
