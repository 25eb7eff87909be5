//! Differential tests of the audit collector against the real tools Debian 12's auditd
//! package ships: the rules file Ward builds from `/etc/audit/rules.d` is compared with what
//! the installed `augenrules` script writes (run on a copy whose two paths point into a
//! temporary directory, never touching `/etc/audit` or the kernel), and Ward's `ls -v` order
//! with GNU `ls -1v`. The tests fail, not skip, when the tools are missing: `scripts/test`
//! installs the auditd package.
//!
//! `auditctl -R` is not run: it loads rules into the running kernel (and `-e 2` would lock
//! the machine's audit configuration until reboot), so Ward's auditctl model is covered by
//! unit tests only.

use std::path::{Path, PathBuf};
use std::process::Command;

use ward::facts::audit::{augenrules, version_cmp};

fn augenrules_script() -> PathBuf {
    for p in ["/usr/sbin/augenrules", "/sbin/augenrules"] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    panic!("augenrules is not installed (Debian: apt-get install auditd; scripts/test does this)");
}

/// Run the real augenrules on `files` (name, bytes) and return what it writes.
fn real(files: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules_d = dir.path().join("rules.d");
    std::fs::create_dir(&rules_d).expect("mkdir");
    for (name, text) in files {
        std::fs::write(rules_d.join(name), text).expect("write");
    }
    let dest = dir.path().join("audit.rules");
    let script = std::fs::read_to_string(augenrules_script()).expect("read augenrules");
    assert!(script.contains("DestinationFile=/etc/audit/audit.rules"));
    assert!(script.contains("SourceRulesDir=/etc/audit/rules.d"));
    let script = script
        .replace(
            "DestinationFile=/etc/audit/audit.rules",
            &format!("DestinationFile={}", dest.display()),
        )
        .replace(
            "SourceRulesDir=/etc/audit/rules.d",
            &format!("SourceRulesDir={}", rules_d.display()),
        );
    let copy = dir.path().join("augenrules");
    std::fs::write(&copy, script).expect("write script");
    let out = Command::new("/bin/sh")
        .arg(&copy)
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .output()
        .expect("run augenrules");
    assert!(
        out.status.success(),
        "augenrules failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(&dest)
        .expect("augenrules wrote no rules file")
        .replace(&rules_d.display().to_string(), "/etc/audit/rules.d")
}

/// Ward's build of the same files, in Ward's order.
fn ward(files: &[(&str, &str)]) -> String {
    let mut names: Vec<&(&str, &str)> = files
        .iter()
        .filter(|(n, _)| n.ends_with(".rules") && !n.starts_with('.'))
        .collect();
    names.sort_by(|a, b| version_cmp(a.0, b.0));
    let input: Vec<(String, String)> = names
        .iter()
        .map(|(n, t)| (format!("/etc/audit/rules.d/{n}"), t.to_string()))
        .collect();
    let mut s: String = augenrules(&input)
        .iter()
        .map(|l| format!("{}\n", l.text))
        .collect();
    if s.is_empty() {
        s.push('\n');
    }
    s
}

#[test]
fn ward_builds_the_rules_file_augenrules_builds() {
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![(
            "audit.rules",
            "-D\n-b 8192\n--backlog_wait_time 60000\n-f 1\n",
        )],
        vec![
            ("10-base.rules", "-D\n-b 8192\n-f 1\n"),
            ("30-identity.rules", "-w /etc/shadow -p wa -k identity\n"),
            ("99-finalize.rules", "-e 2\n"),
        ],
        // -e early, several -e, -b and -f: the last of each wins and -e goes last.
        vec![
            ("05-lock.rules", "-e 2\n-b 100\n-f 2\n"),
            ("50.rules", "-w /etc/passwd -p wa\n-e 1\n-b 200\n"),
            ("60.rules", "-f 0\n-e 2\n"),
        ],
        // Comments and blanks as mawk reads `^\s*#`: only column-one `#` (or `s…#`).
        vec![(
            "a.rules",
            "# c\n  # indented\n\t# tab\nss# s-prefixed\n\n \n-w /etc/hosts\nsss-e 2\n",
        )],
        // -D with a key stays in place; `-D ` with a trailing blank is not a bare -D.
        vec![("x.rules", "-D -k old\n-w /a\n-D \n-Ds\n-D\t\n")],
        // A file without a final newline runs into the next file's first line.
        vec![
            ("1.rules", "-w /etc/a -p wa"),
            ("2.rules", " -k joined\n-w /etc/b\n"),
            ("3.rules", ""),
            ("4.rules", "-w /etc/c"),
        ],
        // CRLF lines keep their CR in audit 3.0.9.
        vec![("crlf.rules", "-w /etc/d -p wa\r\n# c\r\n\r\n-e 2\r\n")],
        // Version order, names that are not *.rules, hidden files.
        vec![
            ("100-last.rules", "-w /100\n"),
            ("9-first.rules", "-w /9\n"),
            ("10-mid.rules", "-w /10\n"),
            ("1.10.rules", "-w /1.10\n"),
            ("1.2.rules", "-w /1.2\n"),
            ("README", "-w /readme\n"),
            ("x.rules.bak", "-w /bak\n"),
            (".hidden.rules", "-w /hidden\n"),
            ("B.rules", "-w /B\n"),
            ("a.rules", "-w /a\n"),
            ("a~.rules", "-w /a~\n"),
        ],
        // Lines that are only `-e`-like prefixes.
        vec![("e.rules", "-eX\n-e\n-f\n-b\n-w /etc/e\n-F x\n")],
        vec![],
    ];
    for files in cases {
        let real = real(&files);
        let ward = ward(&files);
        assert_eq!(ward, real, "files: {files:?}");
    }
}

#[test]
fn version_order_matches_gnu_ls() {
    let names = [
        "1.rules",
        "01.rules",
        "001.rules",
        "10.rules",
        "9.rules",
        "09a.rules",
        "a.rules",
        "A.rules",
        "_x.rules",
        "-x.rules",
        "a1.rules",
        "a01.rules",
        "a10.rules",
        "a9b.rules",
        "a~.rules",
        "99-finalize.rules",
        "10-base.rules",
        "30-identity.rules",
        "1.2.rules",
        "1.10.rules",
        "1.02.rules",
        "z.rules",
        "audit.rules",
        "audit-2.rules",
        "50-x.rules",
        "50-x1.rules",
        "50.rules",
        "5.rules",
        "b~1.rules",
        "b.rules",
        "b1.rules",
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    for n in names {
        std::fs::write(dir.path().join(n), "").expect("write");
    }
    let out = Command::new("ls")
        .arg("-1v")
        .arg(dir.path())
        .env("LC_ALL", "C")
        .output()
        .expect("run ls");
    let real: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let mut ward: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    ward.sort_by(|a, b| version_cmp(a, b));
    assert_eq!(ward, real);
}
