//! Differential test of Ward's sudoers reader against sudo's own parser.
//!
//! `cvtsudoers -f json` (shipped with sudo 1.9) parses a policy with sudo's grammar,
//! follows its includes and prints the Defaults and user specifications. For each tricky
//! policy below Ward must agree on: every global (unbound) `Defaults` parameter's final
//! value, how many bound `Defaults` there are, how many user specifications, and how many
//! commands run without a password. cvtsudoers does not apply sudo's ownership and mode
//! checks to included files, so every file here is root's and 0440; Ward's handling of
//! insecure files (which sudo skips) is covered by the catalogue fixtures and unit tests.
//! sudo is installed by scripts/test; without cvtsudoers the test fails, never skips.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use ward::facts::sudoers::{collect, Op, Sudoers};
use ward::facts::Fact;
use ward::host_root::HostRoot;

#[derive(Debug, PartialEq)]
struct Summary {
    globals: BTreeMap<String, String>,
    bound: usize,
    specs: usize,
    nopasswd: usize,
}

fn sudo_summary(main: &Path) -> Summary {
    let out = Command::new("cvtsudoers")
        .args(["-f", "json"])
        .arg(main)
        .output()
        .expect("cvtsudoers must be installed (Debian package sudo)");
    assert!(
        out.status.success(),
        "cvtsudoers failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut globals = BTreeMap::new();
    let mut bound = 0;
    for d in v["Defaults"].as_array().into_iter().flatten() {
        let opts = d["Options"].as_array().unwrap();
        if d.get("Binding").is_some() {
            bound += opts.len();
            continue;
        }
        for o in opts {
            let (k, val) = o.as_object().unwrap().iter().next().unwrap();
            let val = match val {
                serde_json::Value::Bool(true) => "yes".to_string(),
                serde_json::Value::Bool(false) => "no".to_string(),
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            globals.insert(k.clone(), val);
        }
    }
    let mut specs = 0;
    let mut nopasswd = 0;
    for u in v["User_Specs"].as_array().into_iter().flatten() {
        specs += 1;
        for list in u["Cmnd_Specs"].as_array().into_iter().flatten() {
            let lists: Vec<&serde_json::Value> = match list.as_array() {
                Some(a) => a.iter().collect(),
                None => vec![list],
            };
            for c in lists {
                let no_auth = c["Options"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|o| o.get("authenticate") == Some(&serde_json::Value::Bool(false)));
                if no_auth {
                    nopasswd += c["Commands"].as_array().map_or(0, Vec::len);
                }
            }
        }
    }
    Summary {
        globals,
        bound,
        specs,
        nopasswd,
    }
}

fn ward_summary(s: &Sudoers, names: &[String]) -> Summary {
    let globals = names
        .iter()
        .filter_map(|n| {
            s.global(n).map(|d| {
                let v = match d.op {
                    Op::On => "yes".to_string(),
                    Op::Off => "no".to_string(),
                    _ => d.value.clone().unwrap_or_default(),
                };
                (n.clone(), v)
            })
        })
        .collect();
    Summary {
        globals,
        bound: s.defaults.iter().filter(|d| d.binding.is_some()).count(),
        // cvtsudoers prints each `Host_List = commands` section as its own specification.
        specs: s.specs.iter().map(|sp| sp.sections.len()).sum(),
        nopasswd: s
            .specs
            .iter()
            .flat_map(|sp| sp.sections.iter())
            .flat_map(|(_, c)| c.iter())
            .filter(|c| c.nopasswd())
            .count(),
    }
}

/// Write `files` (path relative to /etc → text; `@DIR@` is the real /etc of the case)
/// and compare.
fn agree(label: &str, files: &[(&str, &str)]) {
    let tmp = tempfile::tempdir().unwrap();
    let etc = tmp.path().join("etc");
    // The same files where an absolute include points inside the scanned root.
    let mirror = tmp.path().join(etc.strip_prefix("/").unwrap());
    for base in [&etc, &mirror] {
        for (rel, text) in files {
            let p = base.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, text.replace("@DIR@", etc.to_str().unwrap())).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o440)).unwrap();
        }
    }
    let sudo = sudo_summary(&etc.join("sudoers"));
    let root = HostRoot::new(tmp.path()).unwrap();
    let ward = match collect(&root, "testhost", Some("1.9.13p3-1+deb12u1".into())) {
        Fact::Collected { value } => value,
        Fact::Error { reason, .. } => panic!("{label}: {reason}"),
    };
    assert!(
        ward.problems.is_empty(),
        "{label}: Ward could not read {:?}",
        ward.problems
    );
    assert!(ward.refused.is_none(), "{label}: {:?}", ward.refused);
    let names: Vec<String> = sudo.globals.keys().cloned().collect();
    assert_eq!(ward_summary(&ward, &names), sudo, "{label}");
}

#[test]
fn tricky_policies_agree_with_sudo() {
    // Only root may run cvtsudoers' includes as written; the files are created by us.
    agree(
        "Debian 12 stock",
        &[(
            "sudoers",
            "Defaults\tenv_reset\nDefaults\tmail_badpass\nDefaults\tsecure_path=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"\nDefaults\tuse_pty\nroot\tALL=(ALL:ALL) ALL\n%sudo\tALL=(ALL:ALL) ALL\n@includedir @DIR@/sudoers.d\n",
        ), ("sudoers.d/README", "# comment only\n")],
    );
    agree(
        "several parameters, negation, later wins, quotes with # and commas",
        &[(
            "sudoers",
            "Defaults use_pty, logfile=\"/var/log/sudo#1,log\", timestamp_timeout=5\nDefaults !use_pty\nDefaults !!use_pty\nDefaults timestamp_timeout=0 # never cache\nDefaults:alice !use_pty\nDefaults@db01 timestamp_timeout=30\nDefaults!/bin/ls !authenticate\nDefaults>root !requiretty\nroot ALL=(ALL) ALL\n",
        )],
    );
    agree(
        "includedir order, skipped names, NOPASSWD tags inherited and overridden",
        &[
            (
                "sudoers",
                "root ALL=(ALL) ALL\n#includedir @DIR@/sudoers.d\n",
            ),
            ("sudoers.d/10-ops", "ops ALL = (root) NOPASSWD: /usr/bin/systemctl restart nginx, /usr/bin/journalctl, PASSWD: /bin/cat\n"),
            ("sudoers.d/20-vendor", "vendor, %adm ALL=(ALL:ALL) NOPASSWD:NOEXEC: ALL\n"),
            ("sudoers.d/30-skip.conf", "skipped ALL=(ALL) NOPASSWD: ALL\n"),
            ("sudoers.d/40-backup~", "backup ALL=(ALL) NOPASSWD: ALL\n"),
        ],
    );
    agree(
        "continuation lines, aliases, host sections, numeric IDs, relative include",
        &[
            (
                "sudoers",
                "Cmnd_Alias RESTART = /usr/bin/systemctl restart nginx, \\\n    /usr/bin/systemctl reload nginx\nUser_Alias ADMINS = alice, \\\n  bob\nADMINS ALL = NOPASSWD: RESTART : db01 = /bin/ls\n#1001 ALL=(ALL) ALL # uid 1001\n@include sudoers.local\n",
            ),
            ("sudoers.local", "carol ALL=(ALL) NOPASSWD: /bin/a, /bin/b : web01 = NOPASSWD: /bin/c\n"),
        ],
    );
    agree(
        "indented @include and a '#include' that is a comment",
        &[
            (
                "sudoers",
                "root ALL=(ALL) ALL\n   @include @DIR@/inc\n #include @DIR@/never\n",
            ),
            ("inc", "dave ALL=(ALL) NOPASSWD: ALL\n"),
            ("never", "erin ALL=(ALL) NOPASSWD: ALL\n"),
        ],
    );
}

/// A file under /etc for sudo itself: relative path, text, mode, uid, gid.
type FileSpec = (&'static str, &'static str, u32, u32, u32);
type Files<'a> = &'a [FileSpec];

/// What sudo makes of the policy for user `daemon`: `None` when it refuses the policy,
/// else every command daemon may run with whether it needs no password, from `sudo -ll -U`.
/// The case's files are bind-mounted over /etc/sudoers and /etc/sudoers.d in a private
/// mount namespace (`unshare -m`), so the machine's own policy is untouched.
fn sudo_l(dir: &Path) -> (Option<Vec<(String, bool)>>, String) {
    let out = with_case_mounted(dir, "sudo -ll -U daemon");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains("not found") && !stderr.contains("Operation not permitted"),
        "sudo, unshare and root are needed: {stderr}"
    );
    if !out.status.success() {
        return (None, stderr);
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut cmds = Vec::new();
    for entry in text.split("Sudoers entry:").skip(1) {
        let nopasswd = entry
            .lines()
            .any(|l| l.trim().starts_with("Options:") && l.contains("!authenticate"));
        let mut in_cmds = false;
        for l in entry.lines() {
            if l.trim() == "Commands:" {
                in_cmds = true;
            } else if in_cmds && l.starts_with('\t') {
                cmds.push((l.trim().to_string(), nopasswd));
            } else if in_cmds {
                in_cmds = false;
            }
        }
    }
    cmds.sort();
    (Some(cmds), stderr)
}

/// Ward's view of the same: `None` when sudo would refuse the policy, else daemon's
/// commands (specifications naming `daemon` or `ALL` with host `ALL`); and the file:line of
/// every line Ward reports as a problem.
fn ward_l(dir: &Path) -> (Option<Vec<(String, bool)>>, Vec<String>) {
    let root = HostRoot::new(dir).unwrap();
    let s = match collect(&root, "testhost", Some("1.9.13p3-1+deb12u1".into())) {
        Fact::Collected { value } => value,
        Fact::Error { reason, .. } => panic!("{reason}"),
    };
    let problems: Vec<String> = s.problems.iter().map(|p| p.origin.to_string()).collect();
    if s.refused.is_some() {
        return (None, problems);
    }
    let mut cmds: Vec<(String, bool)> = s
        .specs
        .iter()
        .filter(|sp| {
            sp.users
                .split(',')
                .map(str::trim)
                .any(|u| u == "daemon" || u == "ALL")
        })
        .flat_map(|sp| sp.sections.iter())
        .filter(|(hosts, _)| hosts.trim() == "ALL")
        .flat_map(|(_, c)| c.iter())
        .map(|c| (c.command.clone(), c.nopasswd()))
        .collect();
    cmds.sort();
    (Some(cmds), problems)
}

fn write_case(files: Files) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("etc/sudoers.d")).unwrap();
    for (rel, text, mode, uid, gid) in files {
        let p = tmp.path().join("etc").join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        std::os::unix::fs::chown(&p, Some(*uid), Some(*gid)).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(*mode)).unwrap();
    }
    // tempdir() is 0700: sudo needs to reach the files as root only, which it does.
    tmp
}

/// Run `command` in a private mount namespace with the case's sudoers and sudoers.d
/// bind-mounted over the machine's.
fn with_case_mounted(dir: &Path, command: &str) -> std::process::Output {
    let script = format!(
        "mount --bind {d}/etc/sudoers /etc/sudoers && mount --bind {d}/etc/sudoers.d /etc/sudoers.d && {command}",
        d = dir.display()
    );
    Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", &script])
        .output()
        .expect("unshare (util-linux) must be installed")
}

/// `visudo -c` on the case: whether it reports a syntax error.
fn visudo_parse_error(dir: &Path) -> bool {
    let out = with_case_mounted(dir, "visudo -c");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    all.contains("syntax error") || all.contains("parse error")
}

/// Policies judged by sudo itself (`sudo -ll -U daemon`, `visudo -c`) with the machine's
/// own sudo, its ownership and mode rules included: which files it reads, skips or refuses
/// and which commands run without a password must be Ward's.
#[test]
fn policies_agree_with_sudo_l_and_visudo() {
    assert_eq!(
        nix_euid(),
        0,
        "this test needs root (unshare -m, chown); CI runs it as root"
    );
    let main = "Defaults env_reset\nroot ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n";
    let cases: Vec<(&str, Vec<FileSpec>)> = vec![
        (
            "includedir: names with a dot or ~ skipped, tags inherited then reset",
            vec![
                ("sudoers", main, 0o440, 0, 0),
                ("sudoers.d/10-ops", "daemon ALL=(root) NOPASSWD: /usr/bin/systemctl restart nginx, /usr/bin/journalctl, PASSWD: /bin/cat\n", 0o440, 0, 0),
                ("sudoers.d/20-x.conf", "daemon ALL=(ALL) NOPASSWD: /bin/dot\n", 0o440, 0, 0),
                ("sudoers.d/30-x~", "daemon ALL=(ALL) NOPASSWD: /bin/tilde\n", 0o440, 0, 0),
            ],
        ),
        (
            "includedir: world-writable, foreign-owned and foreign-group-writable files skipped; root group-writable read",
            vec![
                ("sudoers", main, 0o440, 0, 0),
                ("sudoers.d/10-ww", "daemon ALL=(ALL) NOPASSWD: /bin/world\n", 0o446, 0, 0),
                ("sudoers.d/20-owner", "daemon ALL=(ALL) NOPASSWD: /bin/owner\n", 0o440, 1, 0),
                ("sudoers.d/30-grp", "daemon ALL=(ALL) NOPASSWD: /bin/group\n", 0o460, 0, 1),
                ("sudoers.d/40-rootgrp", "daemon ALL=(ALL) NOPASSWD: /bin/rootgroup\n", 0o460, 0, 0),
                ("sudoers.d/50-ok", "daemon ALL=(ALL) /bin/ok\n", 0o640, 0, 0),
            ],
        ),
        (
            "@include of a world-writable file: sudo refuses the policy",
            vec![
                ("sudoers", "root ALL=(ALL:ALL) ALL\n@include /etc/sudoers.d/inc\n", 0o440, 0, 0),
                ("sudoers.d/inc", "daemon ALL=(ALL) NOPASSWD: ALL\n", 0o666, 0, 0),
            ],
        ),
        (
            "@include of a missing file: sudo refuses the policy",
            vec![("sudoers", "root ALL=(ALL:ALL) ALL\n@include /etc/sudoers.d/missing\n", 0o440, 0, 0)],
        ),
        (
            "relative @include, continuation, ALL users, PASSWD then NOPASSWD",
            vec![
                ("sudoers", "root ALL=(ALL:ALL) ALL\n@include sudoers.d/local\n", 0o440, 0, 0),
                ("sudoers.d/local", "ALL ALL=(root) PASSWD: /bin/a, \\\n   NOPASSWD: /bin/b\n#includedir /etc/sudoers.d/none\n", 0o440, 0, 0),
            ],
        ),
        (
            "a world-writable /etc/sudoers: sudo refuses everything",
            vec![("sudoers", "daemon ALL=(ALL) NOPASSWD: ALL\n", 0o666, 0, 0)],
        ),
        (
            "syntax error in an included file: sudo 1.9 drops that entry and keeps the rest",
            vec![
                ("sudoers", main, 0o440, 0, 0),
                ("sudoers.d/10-bad", "daemon ALL=(ALL NOPASSWD: /bin/x\n", 0o440, 0, 0),
                ("sudoers.d/20-good", "daemon ALL=(ALL) NOPASSWD: /bin/y\n", 0o440, 0, 0),
            ],
        ),
    ];
    for (label, files) in cases {
        let dir = write_case(&files);
        let (sudo, stderr) = sudo_l(dir.path());
        let (ward, problems) = ward_l(dir.path());
        if label.contains("syntax error") {
            // Ward cannot interpret the entry sudo drops: it names the line (its checks are
            // then `error`, never judged without it) and reads the rest as sudo does.
            assert!(
                visudo_parse_error(dir.path()),
                "{label}: visudo -c found no error"
            );
            assert!(stderr.contains("10-bad:1"), "{label}: {stderr}");
            assert_eq!(problems, ["/etc/sudoers.d/10-bad:1"], "{label}");
            let good = ward.map(|c| {
                c.into_iter()
                    .filter(|(cmd, _)| cmd != "/bin/x")
                    .collect::<Vec<_>>()
            });
            assert_eq!(good, sudo, "{label}");
        } else {
            assert!(problems.is_empty(), "{label}: {problems:?}");
            assert_eq!(ward, sudo, "{label} (sudo said: {stderr})");
            if sudo.is_some() {
                assert!(
                    !visudo_parse_error(dir.path()),
                    "{label}: visudo -c found a syntax error"
                );
            }
        }
    }
}

fn nix_euid() -> u32 {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
        .unwrap_or(u32::MAX)
}
