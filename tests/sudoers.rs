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
