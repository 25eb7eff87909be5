//! Differential test of Ward's reading of `/etc/login.defs` and `/etc/default/useradd`
//! against shadow's own `useradd` (Debian 12's 4.13).
//!
//! `useradd --prefix DIR` reads DIR's login.defs and default/useradd and writes the new
//! account's password ages into DIR/etc/shadow: PASS_MIN_DAYS, PASS_MAX_DAYS and
//! PASS_WARN_AGE from login.defs (`getdef_num`, -1 written as an empty field when unset or
//! unreadable) and INACTIVE from default/useradd. For each tricky pair of files (quotes,
//! octal and hex numbers, trailing comments, CRLF, a name alone on a line, case, blanks
//! around `=`, later lines winning, invalid numbers) the values Ward reads must be the ones
//! useradd wrote. passwd (which ships useradd) is part of every Debian system; the test
//! needs root, as CI runs it.

use std::process::Command;

use ward::facts::keyvalue::{self, shadow_number, Format};
use ward::facts::ConfigQuery;
use ward::facts::Fact;
use ward::host_root::HostRoot;

/// Ward's value of a shadow number: the effective text read as `getlong`, -1 when unset or
/// unreadable.
fn ward_number(kv: &keyvalue::KeyValues, key: &str) -> i64 {
    kv.effective(key)
        .and_then(|(v, _)| shadow_number(v))
        .unwrap_or(-1)
}

fn shadow_field(v: &str) -> i64 {
    if v.is_empty() {
        -1
    } else {
        v.parse().unwrap()
    }
}

#[test]
fn login_defs_and_useradd_defaults_agree_with_useradd() {
    assert_eq!(
        std::fs::metadata("/proc/self")
            .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
            .unwrap(),
        0,
        "this test needs root (useradd --prefix); CI runs it as root"
    );
    let cases: [(&str, &str, &str); 9] = [
        (
            "plain",
            "PASS_MAX_DAYS 90\nPASS_MIN_DAYS 1\nPASS_WARN_AGE 7\n",
            "INACTIVE=30\n",
        ),
        (
            "octal, hex, quotes",
            "PASS_MAX_DAYS 0120\nPASS_MIN_DAYS 0x2\nPASS_WARN_AGE \"14\"\n",
            "INACTIVE=030\n",
        ),
        (
            "invalid octal and trailing text fall back to -1",
            "PASS_MAX_DAYS 099\nPASS_MIN_DAYS 1 # one day\nPASS_WARN_AGE 7days\n",
            "INACTIVE=30 \n",
        ),
        (
            "CRLF: login.defs trims it, useradd does not",
            "PASS_MAX_DAYS 60\r\nPASS_MIN_DAYS 2\r\nPASS_WARN_AGE 10\r\n",
            "INACTIVE=45\r\n",
        ),
        (
            "a name alone is ignored; later lines win; names are case-sensitive",
            "PASS_MAX_DAYS 30\nPASS_MAX_DAYS\npass_min_days 5\nPASS_MIN_DAYS 3\nPASS_MIN_DAYS 4\n",
            "INACTIVE=10\nINACTIVE=20\ninactive=5\n",
        ),
        (
            "blanks around '=' or before the name: useradd ignores the line",
            "\t PASS_MAX_DAYS\t \t365\n",
            "INACTIVE = 30\n INACTIVE=40\n",
        ),
        (
            "an invalid later INACTIVE resets an earlier valid one",
            "PASS_MAX_DAYS 99999\n",
            "INACTIVE=30\nINACTIVE=thirty\n",
        ),
        (
            "comments and quotes",
            "#PASS_MAX_DAYS 1\n  # PASS_MIN_DAYS 9\nPASS_WARN_AGE \"\"\"8\" trailing\n",
            "# INACTIVE=1\nINACTIVE=-1\n",
        ),
        ("nothing set", "UID_MIN 1000\n", "SHELL=/bin/sh\n"),
    ];
    for (label, login_defs, defaults) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let etc = tmp.path().join("etc");
        std::fs::create_dir_all(etc.join("default")).unwrap();
        for (name, text) in [
            ("passwd", "root:x:0:0:root:/root:/bin/bash\n"),
            ("group", "root:x:0:\n"),
            ("shadow", "root:*:19000:0:99999:7:::\n"),
            ("gshadow", "root:*::\n"),
            ("login.defs", login_defs),
            ("default/useradd", defaults),
        ] {
            std::fs::write(etc.join(name), text).unwrap();
        }
        let out = Command::new("useradd")
            .arg("--prefix")
            .arg(tmp.path())
            .args(["-M", "alice"])
            .output()
            .expect("useradd (Debian package passwd) must be installed");
        assert!(
            out.status.success(),
            "{label}: useradd failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let shadow = std::fs::read_to_string(etc.join("shadow")).unwrap();
        let alice: Vec<&str> = shadow
            .lines()
            .find(|l| l.starts_with("alice:"))
            .unwrap()
            .split(':')
            .collect();
        let theirs = [
            shadow_field(alice[3]),
            shadow_field(alice[4]),
            shadow_field(alice[5]),
            shadow_field(alice[6]),
        ];

        let root = HostRoot::new(tmp.path()).unwrap();
        let defs = keyvalue::read_login_defs(&root, "/etc/login.defs").unwrap();
        let query = ConfigQuery {
            path: "/etc/default/useradd".into(),
            format: Format::Useradd,
            keys: vec!["INACTIVE".into()],
        };
        let useradd = match keyvalue::collect(&root, &query).result {
            Fact::Collected { value } => value,
            Fact::Error { reason, .. } => panic!("{label}: {reason}"),
        };
        let ours = [
            ward_number(&defs, "PASS_MIN_DAYS"),
            ward_number(&defs, "PASS_MAX_DAYS"),
            ward_number(&defs, "PASS_WARN_AGE"),
            ward_number(&useradd, "INACTIVE"),
        ];
        assert_eq!(ours, theirs, "{label}: [min, max, warn, inactive]");
    }
}
