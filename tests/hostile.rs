//! A hostile scanned root: symlinks that escape, a FIFO where a config file should be, a
//! multi-gigabyte sparse file, invalid UTF-8, a symlink loop and malformed lines. The scan
//! must complete without panicking, report the affected checks as `error` with a reason,
//! evaluate the rest normally, and never read anything outside the root.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

const CANARY: &str = "CANARY-OUTSIDE-THE-ROOT-7f3a";

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, bytes).unwrap();
}

fn hostile_root(root: &Path, outside: &Path) {
    write(
        root,
        "etc/os-release",
        b"ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n",
    );
    // A file outside the root holding a canary; the root's hostname links to it absolutely.
    fs::write(outside.join("hostname"), format!("{CANARY}\n")).unwrap();
    fs::create_dir_all(root.join("etc")).unwrap();
    symlink(outside.join("hostname"), root.join("etc/hostname")).unwrap();
    // /etc/shadow -> the scanning machine's own shadow: re-rooted, the link names itself, a
    // loop; the real /etc/shadow is never opened.
    symlink("/etc/shadow", root.join("etc/shadow")).unwrap();
    // passwd with malformed lines and invalid UTF-8 in a GECOS field.
    write(
        root,
        "etc/passwd",
        b"root:x:0:0:root:/root:/bin/bash\nbroken line without colons\nsshd:x:100:65534::/run/sshd:/usr/sbin/nologin\nbob:x:1000:1000:Bob \xff\xfe Smith:/home/bob:/bin/bash\n::::::\n",
    );
    write(
        root,
        "etc/group",
        b"root:x:0:\nsudo:x:27:bob\nbob:x:1000:\nnot:a:group:line:at:all\n",
    );
    // A 4 GiB sparse login.defs: over the read cap, never read.
    let f = fs::File::create(root.join("etc/login.defs")).unwrap();
    f.set_len(4 * 1024 * 1024 * 1024).unwrap();
    // A FIFO where sshd_config should be: opening it for reading would block forever.
    fs::create_dir_all(root.join("etc/ssh")).unwrap();
    let status = Command::new("mkfifo")
        .arg(root.join("etc/ssh/sshd_config"))
        .status()
        .unwrap();
    assert!(status.success());
    // A symlink loop among the sysctl drop-ins.
    fs::create_dir_all(root.join("etc/sysctl.d")).unwrap();
    symlink("/etc/sysctl.d/b.conf", root.join("etc/sysctl.d/a.conf")).unwrap();
    symlink("/etc/sysctl.d/a.conf", root.join("etc/sysctl.d/b.conf")).unwrap();
    // A dpkg database with openssh-server, a Latin-1 description and a malformed stanza.
    write(
        root,
        "var/lib/dpkg/status",
        b"Package: openssh-server\nStatus: install ok installed\nArchitecture: amd64\nSource: openssh\nVersion: 1:9.2p1-2+deb12u6\nDescription: secure shell server \xe9\n\nPackage: no-version-here\nStatus: install ok installed\n\nPackage: telnetd\nStatus: install ok installed\nArchitecture: amd64\nVersion: 0.17+2.4-2+deb12u1\n",
    );
    // systemd unit directory with a looping enablement link.
    fs::create_dir_all(root.join("etc/systemd/system/multi-user.target.wants")).unwrap();
    symlink(
        "/etc/systemd/system/multi-user.target.wants/loop.service",
        root.join("etc/systemd/system/multi-user.target.wants/loop.service"),
    )
    .unwrap();
    // Crontab escaping with `..` towards the real /etc/hosts: clamped at the root, where
    // etc/hosts does not exist.
    symlink("../../../../../../etc/hosts", root.join("etc/crontab")).unwrap();
}

fn finding<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == id)
        .unwrap_or_else(|| panic!("no finding for {id}"))
}

#[test]
fn hostile_root_completes_with_errors_where_due() {
    let root = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    hostile_root(root.path(), outside.path());

    let output = Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(["scan", "--root"])
        .arg(root.path())
        .arg("--output")
        .arg(out.path())
        .args(["--color", "never"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Failures exist (telnetd is installed), so the exit code is 1.
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");

    let json = fs::read_to_string(out.path().join("report.json")).unwrap();
    let html = fs::read_to_string(out.path().join("report.html")).unwrap();
    let md = fs::read_to_string(out.path().join("report.md")).unwrap();
    for text in [&json, &html, &md, &stdout.to_string()] {
        assert!(
            !text.contains(CANARY),
            "content from outside the root leaked"
        );
    }
    let report: Value = serde_json::from_str(&json).unwrap();
    assert!(report["host"]["hostname"].is_null());

    // Every finding, whatever its outcome, carries evidence.
    for f in report["findings"].as_array().unwrap() {
        assert!(
            !f["evidence"].as_array().unwrap().is_empty(),
            "{} has no evidence",
            f["check"]
        );
    }
    // The FIFO: every sshd check is an error that names it.
    let root_login = finding(&report, "ssh.root-login");
    assert_eq!(root_login["outcome"], "error");
    assert!(
        root_login["reason"].as_str().unwrap().contains("FIFO"),
        "{root_login}"
    );
    // /etc/shadow resolved inside the root (to itself: a loop), never to the real file.
    let empty = finding(&report, "accounts.empty-passwords");
    assert_eq!(empty["outcome"], "error", "{empty}");
    assert!(empty["reason"].as_str().unwrap().contains("/etc/shadow"));
    // The sparse login.defs is refused by size.
    let hashing = finding(&report, "accounts.login-defs-hashing");
    assert_eq!(hashing["outcome"], "error", "{hashing}");
    assert!(hashing["reason"].as_str().unwrap().contains("read cap"));
    // The sysctl loop makes the configured kernel parameters unknown.
    let aslr = finding(&report, "kernel.aslr");
    assert_eq!(aslr["outcome"], "error", "{aslr}");
    assert!(aslr["reason"].as_str().unwrap().contains("symlink loop"));
    // passwd is parsed past its malformed lines, but a line glibc rejects is never silently
    // dropped: the checks reading passwd are errors naming it.
    let uid0 = finding(&report, "accounts.uid-zero");
    assert_eq!(uid0["outcome"], "error", "{uid0}");
    assert!(uid0["reason"].as_str().unwrap().contains("/etc/passwd:"));
    let telnet = finding(&report, "packages.telnet-server");
    assert_eq!(telnet["outcome"], "fail");
    assert_eq!(telnet["evidence"][0]["source"], "/var/lib/dpkg/status");
    assert!(telnet["evidence"][0]["line"].as_u64().is_some());
    // The crontab escape resolves inside the root: the target is absent, so not applicable.
    assert_eq!(
        finding(&report, "files.crontab-permissions")["outcome"],
        "not_applicable"
    );
}
