//! Account and ownership checks on hosts the catalogue fixtures cannot express: outcomes other
//! than pass and fail (`error` for lines glibc rejects or an unreadable passwd,
//! `not_applicable` on Alpine), evaluated through the library on a temporary copy of the
//! hardened fixture host.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use ward::catalogue::Catalogue;
use ward::eval::{self, Outcome};
use ward::facts;
use ward::host_root::HostRoot;

/// A copy of `tests/fixtures/hosts/hardened` with its modes applied.
fn hardened() -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hosts/hardened");
    let dst = tempfile::tempdir().unwrap();
    for entry in walkdir::WalkDir::new(&src).min_depth(1) {
        let entry = entry.unwrap();
        let to = dst.path().join(entry.path().strip_prefix(&src).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&to).unwrap();
        } else if entry.file_type().is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(entry.path()).unwrap(), &to).unwrap();
        } else {
            fs::copy(entry.path(), &to).unwrap();
        }
    }
    for (mode, path) in [(0o640, "etc/shadow"), (0o640, "etc/gshadow")] {
        fs::set_permissions(dst.path().join(path), fs::Permissions::from_mode(mode)).unwrap();
    }
    dst
}

/// Evaluate the checks whose id matches `filter` (`accounts.*` style) on `dir`.
fn outcomes(dir: &Path, ids: &[&str]) -> Vec<(String, Outcome, String)> {
    let cat = Catalogue::builtin().unwrap();
    let checks: Vec<_> = ids
        .iter()
        .map(|id| {
            cat.checks
                .get(*id)
                .unwrap_or_else(|| panic!("no check {id}"))
        })
        .collect();
    let plan = cat.plan(checks.iter().copied());
    let root = HostRoot::new(dir).unwrap();
    let facts = facts::collect(&root, &plan);
    checks
        .iter()
        .map(|c| {
            let f = eval::evaluate_check(
                c,
                c.severity,
                ward::catalogue::Selection::default().params_for(c),
                &facts,
            );
            (c.id.clone(), f.outcome, f.reason)
        })
        .collect()
}

/// The evidence of one check on `dir`, as JSON text.
fn evidence(dir: &Path, id: &str) -> String {
    let cat = Catalogue::builtin().unwrap();
    let check = cat.checks.get(id).unwrap();
    let plan = cat.plan([check]);
    let facts = facts::collect(&HostRoot::new(dir).unwrap(), &plan);
    let f = eval::evaluate_check(
        check,
        check.severity,
        ward::catalogue::Selection::default().params_for(check),
        &facts,
    );
    serde_json::to_string(&f.evidence).unwrap()
}

/// Every check reading /etc/passwd.
const READS_PASSWD: [&str; 8] = [
    "accounts.uid-zero",
    "accounts.empty-passwords",
    "accounts.shadowed-passwords",
    "accounts.password-hashing",
    "accounts.system-accounts-no-login",
    "accounts.unique-ids",
    "accounts.unique-names",
    "accounts.primary-groups",
];

#[test]
fn the_hardened_host_passes_every_account_check() {
    let dir = hardened();
    for (id, outcome, reason) in outcomes(dir.path(), &READS_PASSWD) {
        assert_eq!(outcome, Outcome::Pass, "{id}: {reason}");
    }
}

#[test]
fn a_passwd_line_glibc_rejects_is_an_error_for_every_account_check() {
    let dir = hardened();
    let passwd = dir.path().join("etc/passwd");
    let mut text = fs::read_to_string(&passwd).unwrap();
    // glibc's strtoul stops at `x`: the UID field has trailing characters, the line is
    // skipped by the C library, and whatever it was meant to be is unknown.
    text.push_str("svc:x:0x0:0::/root:/bin/bash\n");
    fs::write(&passwd, text).unwrap();
    for (id, outcome, reason) in outcomes(dir.path(), &READS_PASSWD) {
        assert_eq!(outcome, Outcome::Error, "{id}: {reason}");
        assert!(reason.contains("/etc/passwd:"), "{id}: {reason}");
    }
}

#[test]
fn a_malformed_line_does_not_hide_a_failure() {
    let dir = hardened();
    let passwd = dir.path().join("etc/passwd");
    let mut text = fs::read_to_string(&passwd).unwrap();
    text.push_str("toor::+0:0::/root:/bin/bash\nsvc:x:12 :12::/:/bin/sh\n");
    fs::write(&passwd, text).unwrap();
    let got = outcomes(dir.path(), &["accounts.uid-zero", "accounts.unique-names"]);
    assert_eq!(got[0].1, Outcome::Fail, "{}", got[0].2);
    assert!(got[0].2.contains("rejects"), "{}", got[0].2);
    assert_eq!(got[1].1, Outcome::Error, "{}", got[1].2);
}

#[test]
fn a_malformed_shadow_line_is_an_error_for_the_checks_reading_shadow() {
    let dir = hardened();
    let shadow = dir.path().join("etc/shadow");
    let mut text = fs::read_to_string(&shadow).unwrap();
    // Ten fields: glibc rejects the line.
    text.push_str("extra:*:19800:0:99999:7::::junk\n");
    fs::write(&shadow, text).unwrap();
    let got = outcomes(
        dir.path(),
        &[
            "accounts.empty-passwords",
            "accounts.password-hashing",
            "accounts.uid-zero",
        ],
    );
    assert_eq!(got[0].1, Outcome::Error, "{}", got[0].2);
    assert_eq!(got[1].1, Outcome::Error, "{}", got[1].2);
    assert!(got[1].2.contains("/etc/shadow:"), "{}", got[1].2);
    // uid-zero reads only /etc/passwd.
    assert_eq!(got[2].1, Outcome::Pass, "{}", got[2].2);
}

#[test]
fn nis_compat_lines_are_warnings_in_the_evidence() {
    let dir = hardened();
    let passwd = dir.path().join("etc/passwd");
    let mut text = fs::read_to_string(&passwd).unwrap();
    text.push_str("+@admins::::::\n");
    fs::write(&passwd, text).unwrap();
    let cat = Catalogue::builtin().unwrap();
    let check = &cat.checks["accounts.uid-zero"];
    let root = HostRoot::new(dir.path()).unwrap();
    let facts = facts::collect(&root, &cat.plan([check]));
    let f = eval::evaluate_check(
        check,
        check.severity,
        ward::catalogue::Selection::default().params_for(check),
        &facts,
    );
    assert_eq!(f.outcome, Outcome::Pass, "{}", f.reason);
    assert!(
        f.evidence
            .iter()
            .any(|e| e.source == "/etc/passwd" && e.observed.contains("NIS")),
        "{:?}",
        f.evidence
    );
}

#[test]
fn unreadable_passwd_makes_ownership_checks_errors_not_failures() {
    let dir = hardened();
    // A directory where /etc/passwd should be: the read fails, the names are unknown.
    let passwd = dir.path().join("etc/passwd");
    fs::remove_file(&passwd).unwrap();
    fs::create_dir(&passwd).unwrap();
    for (id, outcome, reason) in outcomes(
        dir.path(),
        &["files.shadow-permissions", "files.gshadow-permissions"],
    ) {
        assert_eq!(outcome, Outcome::Error, "{id}: {reason}");
        assert!(reason.contains("/etc/passwd"), "{id}: {reason}");
    }
}

fn alpine(dir: &Path) {
    fs::write(
        dir.join("etc/os-release"),
        "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME=\"Alpine Linux v3.20\"\n",
    )
    .unwrap();
}

const PLATFORM_FILES: [&str; 3] = [
    "accounts.login-defs-hashing",
    "accounts.default-umask",
    "files.gshadow-permissions",
];

#[test]
fn alpine_without_login_defs_or_gshadow_is_not_applicable() {
    let dir = hardened();
    alpine(dir.path());
    fs::remove_file(dir.path().join("etc/login.defs")).unwrap();
    fs::remove_file(dir.path().join("etc/gshadow")).unwrap();
    for (id, outcome, reason) in outcomes(dir.path(), &PLATFORM_FILES) {
        assert_eq!(outcome, Outcome::NotApplicable, "{id}: {reason}");
    }
}

#[test]
fn alpine_with_the_files_still_checks_them() {
    let dir = hardened();
    alpine(dir.path());
    for (id, outcome, reason) in outcomes(dir.path(), &PLATFORM_FILES) {
        assert_eq!(outcome, Outcome::Pass, "{id}: {reason}");
    }
}

#[test]
fn missing_login_defs_or_gshadow_elsewhere_still_fails() {
    let dir = hardened();
    fs::remove_file(dir.path().join("etc/login.defs")).unwrap();
    fs::remove_file(dir.path().join("etc/gshadow")).unwrap();
    for (id, outcome, reason) in outcomes(dir.path(), &PLATFORM_FILES) {
        assert_eq!(outcome, Outcome::Fail, "{id}: {reason}");
    }
}

/// pam_pwhistory reads pwhistory.conf only from Linux-PAM 1.5.3 (and RHEL 9's backport):
/// Ward decides from the installed module file, which names the file when it reads it.
#[test]
fn pwhistory_conf_counts_only_when_the_installed_module_reads_it() {
    let dir = hardened();
    let d = dir.path();
    fs::write(
        d.join("etc/pam.d/common-password"),
        "password requisite pam_pwquality.so retry=3\n\
         password required pam_pwhistory.so use_authtok\n\
         password [success=1 default=ignore] pam_unix.so obscure use_authtok yescrypt\n\
         password requisite pam_deny.so\n\
         password required pam_permit.so\n",
    )
    .unwrap();
    fs::create_dir_all(d.join("etc/security")).unwrap();
    fs::write(
        d.join("etc/security/pwhistory.conf"),
        "# history\n  Remember=3 # first wins\nremember 24\n",
    )
    .unwrap();
    let mods = d.join("usr/lib/x86_64-linux-gnu/security");
    fs::create_dir_all(&mods).unwrap();
    for m in ["pam_permit", "pam_deny", "pam_unix", "pam_pwquality"] {
        fs::write(mods.join(format!("{m}.so")), "stand-in").unwrap();
    }
    let id = ["accounts.password-history"];

    // Linux-PAM 1.5.2's module never opens the file: the module's default of 10 applies.
    fs::write(mods.join("pam_pwhistory.so"), "stand-in 1.5.2").unwrap();
    let (_, outcome, reason) = outcomes(d, &id).remove(0);
    assert_eq!(outcome, Outcome::Pass, "{reason}");

    // 1.5.3 reads it, and its first `remember` line wins.
    fs::write(
        mods.join("pam_pwhistory.so"),
        b"\x7fELF\0stand-in\0/etc/security/pwhistory.conf\0",
    )
    .unwrap();
    let (_, outcome, reason) = outcomes(d, &id).remove(0);
    assert_eq!(outcome, Outcome::Fail, "{reason}");
    let evidence = evidence(d, id[0]);
    assert!(
        evidence.contains("remember = 3 (/etc/security/pwhistory.conf:2)"),
        "{evidence}"
    );

    // An argument overrides the file.
    let stack = fs::read_to_string(d.join("etc/pam.d/common-password")).unwrap();
    fs::write(
        d.join("etc/pam.d/common-password"),
        stack.replace(
            "pam_pwhistory.so use_authtok",
            "pam_pwhistory.so use_authtok remember=6",
        ),
    )
    .unwrap();
    let (_, outcome, reason) = outcomes(d, &id).remove(0);
    assert_eq!(outcome, Outcome::Pass, "{reason}");
}
