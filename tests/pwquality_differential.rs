//! Differential test of Ward's reading of libpwquality's configuration against libpwquality
//! itself (Debian 12's 1.4.5).
//!
//! For each tricky configuration (drop-in order, the main file winning, clamps, a bad
//! integer or unknown setting that stops all further reading, case, comments, CRLF, names
//! the drop-in filter refuses) the settings libpwquality ends with, read through its Python
//! binding (`PWQSettings.read_config`, the same C code pam_pwquality calls), must be the
//! effective settings Ward gives a `pam_pwquality.so` line without arguments. Then `pwscore`
//! (the library's command-line checker), run in a private mount namespace with the case
//! bind-mounted over /etc/security, must refuse a password one character shorter than
//! Ward's effective minlen and accept one of that length. python3-pwquality and
//! libpwquality-tools are installed by scripts/test; without them the test fails, never
//! skips. The pwscore part needs root (`unshare -m`), as CI runs it.

use std::path::Path;
use std::process::{Command, Stdio};

use ward::facts::pam::settings::effective;
use ward::facts::Fact;
use ward::host_root::HostRoot;

/// The settings compared, with libpwquality's name.
const KEYS: [&str; 16] = [
    "difok",
    "minlen",
    "dcredit",
    "ucredit",
    "lcredit",
    "ocredit",
    "minclass",
    "maxrepeat",
    "maxclassrepeat",
    "maxsequence",
    "gecoscheck",
    "dictcheck",
    "usercheck",
    "enforcing",
    "retry",
    "enforce_for_root",
];

const PY: &str = r#"
import json, sys
import pwquality
s = pwquality.PWQSettings()
err = None
try:
    s.read_config(sys.argv[1])
except Exception as e:
    err = str(e)
keys = sys.argv[2].split(",")
print(json.dumps({"error": err, "values": {k: str(getattr(s, k)) for k in keys}}))
"#;

fn libpwquality(conf: &Path) -> (Option<String>, Vec<(String, String)>) {
    let out = Command::new("/usr/bin/python3")
        .args(["-c", PY])
        .arg(conf)
        .arg(KEYS.join(","))
        .output()
        .expect("/usr/bin/python3 must be installed");
    assert!(
        out.status.success(),
        "python3-pwquality must be installed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let values = KEYS
        .iter()
        .map(|k| (k.to_string(), v["values"][k].as_str().unwrap().to_string()))
        .collect();
    (v["error"].as_str().map(str::to_string), values)
}

/// Ward's effective settings of `password requisite pam_pwquality.so` on the case's root,
/// flags as 0/1 like the library's getters, and whether Ward saw reading stop early.
fn ward(root: &Path) -> (bool, Vec<(String, String)>) {
    let host = HostRoot::new(root).unwrap();
    let pam = match ward::facts::pam::collect(&host) {
        Fact::Collected { value } => value,
        Fact::Error { reason, .. } => panic!("{reason}"),
    };
    let line = pam
        .files
        .values()
        .flat_map(|f| f.lines.iter())
        .find(|l| l.module_name().as_deref() == Some("pam_pwquality"))
        .expect("the case's pam_pwquality line");
    let e = effective(&pam, line);
    let stopped = pam.pwquality.iter().any(|f| f.error.is_some() || f.skipped);
    let values = KEYS
        .iter()
        .map(|k| {
            let v = e.get(k).map(|(v, _)| v).unwrap_or("(unset)");
            let v = match v {
                "yes" => "1",
                "no" => "0",
                other => other,
            };
            (k.to_string(), v.to_string())
        })
        .collect();
    (stopped, values)
}

/// `pwscore` on `password` with the case's /etc/security: whether it accepts it.
fn pwscore_accepts(root: &Path, password: &str) -> bool {
    let script = format!(
        "mount --bind {}/etc/security /etc/security && exec pwscore",
        root.display()
    );
    let mut child = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("unshare must be installed");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("not found") && !stderr.contains("Operation not permitted"),
        "pwscore (libpwquality-tools), unshare and root are needed: {stderr}"
    );
    out.status.success()
}

fn case(files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("etc/pam.d")).unwrap();
    std::fs::write(
        root.join("etc/pam.d/passwd"),
        "password requisite pam_pwquality.so\npassword required pam_unix.so\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("etc/security/pwquality.conf.d")).unwrap();
    for (rel, text) in files {
        let p = root.join("etc/security").join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    tmp
}

/// A password of `n` characters from four classes, no repeats or sequences, nothing a
/// dictionary holds.
fn password(n: usize) -> String {
    "Zq7#Lp2@Wm9!Kr4$Tx6%Hv3^Bn8&Jd5*Gf1)Yc0("
        .chars()
        .take(n)
        .collect()
}

#[test]
fn pwquality_settings_agree_with_libpwquality() {
    let stock = "# Configuration for systemd.\n# minlen = 8\n# dcredit = 0\n";
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("Debian 12 stock (all comments)", vec![("pwquality.conf", stock)]),
        (
            "main file wins over drop-ins; drop-ins in name order",
            vec![
                ("pwquality.conf", "minlen = 14\n"),
                ("pwquality.conf.d/10-a.conf", "minlen = 10\nminclass = 2\n"),
                ("pwquality.conf.d/20-b.conf", "minclass=3\ndifok 7\n"),
            ],
        ),
        (
            "clamps, negative credits, flags whatever their value",
            vec![(
                "pwquality.conf",
                "minlen = 3\nminclass = 9\ndcredit = -1\nocredit=-2\nenforce_for_root = 0\nmaxrepeat = 3\nmaxsequence=4\n",
            )],
        ),
        (
            "comments after values, tabs, CRLF, upper case names",
            vec![(
                "pwquality.conf",
                "\tminlen\t=\t13 # thirteen\r\nMINCLASS = 3\r\n  difok=5   \r\n# maxrepeat = 1\n",
            )],
        ),
        (
            "an unknown setting in a drop-in stops all further reading",
            vec![
                ("pwquality.conf", "minlen = 15\n"),
                ("pwquality.conf.d/10-a.conf", "minclass = 2\nminlength = 20\nmaxrepeat = 2\n"),
                ("pwquality.conf.d/20-b.conf", "difok = 9\n"),
            ],
        ),
        (
            "a bad integer stops reading",
            vec![("pwquality.conf", "difok = 4\nminlen = 12abc\nminclass = 4\n")],
        ),
        (
            "names the drop-in filter refuses",
            vec![
                ("pwquality.conf", "retry = 3\n"),
                ("pwquality.conf.d/10-a.conf.bak", "minlen = 30\n"),
                ("pwquality.conf.d/20-b.conf~", "minlen = 31\n"),
                ("pwquality.conf.d/30-c.conf", "minlen = 11\n"),
                ("pwquality.conf.d/40-d.conf.conf", "minlen = 32\n"),
            ],
        ),
        (
            "no main file, only a drop-in",
            vec![("pwquality.conf.d/50-site.conf", "minlen = 12\nenforce_for_root\n")],
        ),
    ];
    for (label, files) in &cases {
        let dir = case(files);
        let conf = dir.path().join("etc/security/pwquality.conf");
        let (lib_error, lib) = libpwquality(&conf);
        let (ward_stopped, ours) = ward(dir.path());
        assert_eq!(ours, lib, "{label}");
        // libpwquality reports a missing main file as an error too; Ward does not stop there.
        if conf.exists() {
            assert_eq!(ward_stopped, lib_error.is_some(), "{label}: {lib_error:?}");
        }
    }
}

#[test]
fn pwscore_refuses_what_ward_says_is_too_short() {
    assert_eq!(
        std::fs::metadata("/proc/self")
            .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
            .unwrap(),
        0,
        "this test needs root (unshare -m); CI runs it as root"
    );
    for files in [
        vec![("pwquality.conf", "minlen = 14\n")],
        vec![
            ("pwquality.conf", "# stock\n"),
            ("pwquality.conf.d/10-a.conf", "minlen = 17\n"),
        ],
        vec![("pwquality.conf", "minlen = 4\n")],
    ] {
        let dir = case(&files);
        let (_, ours) = ward(dir.path());
        let minlen: usize = ours
            .iter()
            .find(|(k, _)| k == "minlen")
            .unwrap()
            .1
            .parse()
            .unwrap();
        assert!(
            !pwscore_accepts(dir.path(), &password(minlen - 1)),
            "{files:?}: pwscore accepted {} characters, Ward's minlen is {minlen}",
            minlen - 1
        );
        assert!(
            pwscore_accepts(dir.path(), &password(minlen)),
            "{files:?}: pwscore refused {minlen} characters, Ward's minlen"
        );
    }
}
