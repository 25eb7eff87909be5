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

/// Host text that tries to retitle the terminal, reverse the display and plant a link.
const EVIL: &str = "evil\x1b]0;pwned\x07\u{202e}gnp.exe https://evil.example/x";

/// Markdown with code spans removed: what GitHub could turn into links.
fn outside_code_spans(md: &str) -> String {
    md.lines()
        .map(|l| l.split('`').step_by(2).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn host_strings_with_escapes_bidi_and_urls_are_neutralised_everywhere() {
    let root = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    write(root.path(), "etc/hostname", format!("{EVIL}\n").as_bytes());
    write(
        root.path(),
        "etc/os-release",
        format!("ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"{EVIL}\"\n").as_bytes(),
    );
    write(
        root.path(),
        "var/lib/dpkg/status",
        format!(
            "Package: telnetd\nStatus: install ok installed\nArchitecture: amd64\nVersion: 0.17-{}\n",
            EVIL.replace(' ', "_")
        )
        .as_bytes(),
    );
    let output = Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(["scan", "--color", "always", "--root"])
        .arg(root.path())
        .arg("--output")
        .arg(out.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let json = fs::read_to_string(out.path().join("report.json")).unwrap();
    let html = fs::read_to_string(out.path().join("report.html")).unwrap();
    let md = fs::read_to_string(out.path().join("report.md")).unwrap();
    for (name, text) in [
        ("json", &json),
        ("html", &html),
        ("md", &md),
        ("terminal", &stdout),
    ] {
        assert!(!text.contains("\x1b]"), "{name}: an OSC escape got through");
        assert!(!text.contains('\x07'), "{name}: BEL got through");
        assert!(
            !text.contains('\u{202e}'),
            "{name}: a bidi override got through"
        );
    }
    // JSON keeps the data, escaped: it reads back as the host's own string.
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["host"]["hostname"], EVIL);
    assert!(json.contains("\\u001b]0;pwned\\u0007\\u202e"), "{json}");
    let telnet = finding(&v, "packages.telnet-server");
    assert!(telnet["reason"].as_str().unwrap().contains('\u{202e}'));
    // Markdown and HTML show the characters as visible escapes; no link is made.
    assert!(md.contains("\\u{1b}]0;pwned"), "{md}");
    assert!(html.contains("\\u{1b}]0;pwned"));
    assert!(
        !html.contains("href=\"https://evil") && !html.contains("href=\"https:&#x2F;&#x2F;evil")
    );
    let bare = outside_code_spans(&md);
    assert!(
        !bare.contains("https://evil.example"),
        "an autolink:\n{bare}"
    );
    assert!(!bare.contains("www.evil"));
    // The terminal shows them escaped too.
    assert!(stdout.contains("\\u{1b}]0;pwned"), "{stdout}");
}

/// File names and comments that are not UTF-8 (Latin-1, as older tools wrote them): the files
/// are found, opened under their real names and judged, never skipped or made an error.
#[test]
fn latin1_names_and_comments_are_judged() {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let r = root.path();
    write(r, "etc/os-release", b"ID=debian\nVERSION_ID=\"12\"\n");
    write(
        r,
        "var/lib/dpkg/status",
        b"Package: sudo\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.9.13p3-1+deb12u1\n",
    );
    write(r, "etc/sudoers", b"root ALL=(ALL:ALL) ALL\n");
    fs::set_permissions(r.join("etc/sudoers"), fs::Permissions::from_mode(0o440)).unwrap();
    let sudoers_d = r.join("etc/sudoers.d");
    fs::create_dir_all(&sudoers_d).unwrap();
    let drop_in = sudoers_d.join(std::ffi::OsStr::from_bytes(b"ops-\xe9quipe"));
    fs::write(&drop_in, "%ops ALL=(ALL) ALL\n").unwrap();
    fs::set_permissions(&drop_in, fs::Permissions::from_mode(0o666)).unwrap();
    // A Latin-1 file name and comment in sysctl.d, turning ASLR off.
    let sysctl_d = r.join("etc/sysctl.d");
    fs::create_dir_all(&sysctl_d).unwrap();
    fs::write(
        sysctl_d.join(std::ffi::OsStr::from_bytes(b"99-caf\xe9.conf")),
        b"# r\xe9glage pour le d\xe9bogage\nkernel.randomize_va_space = 0\n",
    )
    .unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_ward"))
        .args(["scan", "--root"])
        .arg(r)
        .arg("--output")
        .arg(out.path())
        .args(["--color", "never"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let json = fs::read_to_string(out.path().join("report.json")).unwrap();
    let report: Value = serde_json::from_str(&json).unwrap();

    let aslr = finding(&report, "kernel.aslr");
    assert_eq!(aslr["outcome"], "fail", "{aslr}");
    assert_eq!(
        aslr["evidence"][0]["source"], "/etc/sysctl.d/99-caf\\xe9.conf",
        "{aslr}"
    );
    assert_eq!(aslr["evidence"][0]["line"], 2, "{aslr}");

    let sudoers = finding(&report, "files.sudoers-permissions");
    assert_eq!(sudoers["outcome"], "fail", "{sudoers}");
    assert!(
        sudoers.to_string().contains("ops-\\\\xe9quipe"),
        "the Latin-1 drop-in must be judged: {sudoers}"
    );
}

/// `--max-file-size` sets the read cap: a 2 MiB login.defs is read under the 64 MiB default
/// and judged, and refused (an `error` naming the cap and the option) at 1 MiB.
#[test]
fn max_file_size_sets_the_read_cap() {
    let root = tempfile::tempdir().unwrap();
    let mut defs = "# padding\n".repeat(210_000);
    defs.push_str("ENCRYPT_METHOD YESCRYPT\n");
    assert!(defs.len() > 2 << 20);
    write(root.path(), "etc/login.defs", defs.as_bytes());
    let hashing = |extra: &[&str]| {
        let out = tempfile::tempdir().unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_ward"))
            .args(["scan", "-q", "--root"])
            .arg(root.path())
            .arg("--output")
            .arg(out.path())
            .args(extra)
            .output()
            .unwrap();
        assert!(
            matches!(output.status.code(), Some(0..=1)),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let json = fs::read_to_string(out.path().join("report.json")).unwrap();
        let report: Value = serde_json::from_str(&json).unwrap();
        finding(&report, "accounts.login-defs-hashing").clone()
    };
    let default = hashing(&[]);
    assert_eq!(default["outcome"], "pass", "{default}");
    let capped = hashing(&["--max-file-size", "1"]);
    assert_eq!(capped["outcome"], "error", "{capped}");
    let reason = capped["reason"].as_str().unwrap();
    assert!(
        reason.contains("read cap") && reason.contains("--max-file-size"),
        "{reason}"
    );
}
