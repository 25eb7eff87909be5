//! Differential tests of the logging collectors against the real tools of Debian 12:
//!
//! * rsyslog 8.2302: for each tricky configuration, `rsyslogd -N1 -f FILE` says whether
//!   rsyslog accepts it (exit 0) or reports errors (exit 1, each error printed, some with
//!   "file F, on or before line N"); Ward must agree on clean versus not, have a problem at
//!   or before each line rsyslog names in that file, and have no problem rsyslog does not
//!   report. `rsyslogd -N1 -o FULLCONF` writes the configuration as rsyslog read it, with a
//!   marker each time a file is put on the include stack and each time one ends: the order
//!   in which files become the one being read must be the order Ward read them in.
//! * logrotate 3.21: `logrotate -d -s STATE CONF` prints each file it reads, each directory
//!   entry it ignores for a taboo name, and each log block with its rotation criterion and
//!   count; Ward must read the same files in the same order and keep the same blocks with
//!   the same criterion and count.
//!
//! The configurations live in a temporary directory and name each other by absolute path,
//! so both the tools and Ward (reading the live root) see the same files; rsyslog's modules
//! are those the installed package ships. The tests fail, never skip, when rsyslogd or
//! logrotate is missing (scripts/test installs both) and need root, as logrotate run by
//! root ignores configuration files not owned by root (tests/firewall.rs needs root too).
//! Neither tool starts a daemon or changes anything here: `-N1` only validates, `-d` only
//! prints.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use ward::facts::logrotate::{Criterion, Logrotate};
use ward::facts::rsyslog::Rsyslog;
use ward::facts::Fact;
use ward::host_root::HostRoot;

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        if let Some(target) = text.strip_prefix("SYMLINK:") {
            std::os::unix::fs::symlink(target, &p).unwrap();
            continue;
        }
        std::fs::write(&p, text.replace("@DIR@", &dir.display().to_string())).unwrap();
    }
}

// ---------------------------------------------------------------------------------------
// rsyslog

struct RsyslogRun {
    clean: bool,
    /// (file, line, message) of every error that names them.
    lined: Vec<(String, usize, String)>,
    /// Messages of errors without a file and line.
    unlined: Vec<String>,
    /// Files in the order they became the one being read.
    order: Vec<String>,
}

fn rsyslogd(conf: &Path, full: &Path) -> RsyslogRun {
    assert!(
        Path::new("/usr/sbin/rsyslogd").exists(),
        "rsyslogd is not installed (Debian: apt-get install rsyslog; scripts/test does this)"
    );
    let out = Command::new("/usr/sbin/rsyslogd")
        .arg("-N1")
        .arg("-o")
        .arg(full)
        .arg("-f")
        .arg(conf)
        .env("LC_ALL", "C")
        .output()
        .expect("run rsyslogd");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lined = Vec::new();
    let mut unlined = Vec::new();
    for l in text.lines() {
        let Some(msg) = l.strip_prefix("rsyslogd: ") else {
            continue;
        };
        if msg.starts_with("version ") || msg.starts_with("End of config validation") {
            continue;
        }
        if msg.contains("warning") && !msg.contains("error") {
            continue;
        }
        if let Some(rest) = msg.split("error during parsing file ").nth(1) {
            let (file, after) = rest.split_once(", on or before line ").unwrap();
            let (n, message) = after.split_once(": ").unwrap();
            lined.push((file.to_string(), n.parse().unwrap(), message.to_string()));
        } else if !msg.contains("could not interpret master config") {
            unlined.push(msg.to_string());
        }
    }
    // Read order from the include stack markers: a file starts being read when the first
    // text it holds is echoed while it is on top of the stack (or, empty, when it ends).
    let full_text = std::fs::read_to_string(full).unwrap_or_default();
    let mut stack: Vec<String> = Vec::new();
    let mut order: Vec<String> = Vec::new();
    for l in full_text.lines() {
        if let Some(f) = l.strip_prefix("##### BEGIN CONFIG: ") {
            stack.push(f.trim_end_matches(" (put on stack)").to_string());
        } else if let Some(f) = l.strip_prefix("##### END   CONFIG: ") {
            if !order.iter().any(|o| o == f) {
                order.push(f.to_string());
            }
            assert_eq!(stack.pop().as_deref(), Some(f), "{full_text}");
        } else if !l.trim().is_empty() && !l.starts_with("## full conf") {
            if let Some(top) = stack.last() {
                if !order.contains(top) {
                    order.push(top.clone());
                }
            }
        }
    }
    // Files put on the stack but never read before rsyslog stopped are not "read".
    RsyslogRun {
        clean: out.status.success(),
        lined,
        unlined,
        order,
    }
}

fn ward_rsyslog(conf: &Path) -> Rsyslog {
    match ward::facts::rsyslog::collect_from(&HostRoot::live(), &conf.display().to_string()) {
        Fact::Collected { value: Some(r) } => r,
        other => panic!("{other:?}"),
    }
}

/// Tricky configurations: (label, files). `@DIR@` is the temporary directory.
const RSYSLOG_CASES: &[(&str, &[(&str, &str)])] = &[
    (
        "Debian stock with drop-ins in sorted order, a hidden file and a subdirectory",
        &[
            ("etc/rsyslog.conf", "module(load=\"imuxsock\") # local\nmodule(load=\"imklog\")\n$FileOwner root\n$FileGroup adm\n$FileCreateMode 0640\n$DirCreateMode 0755\n$Umask 0022\n$IncludeConfig @DIR@/etc/rsyslog.d/\n*.*;auth,authpriv.none\t\t-/var/log/syslog\nauth,authpriv.*\t\t\t/var/log/auth.log\n*.emerg\t\t\t\t:omusrmsg:*\n"),
            ("etc/rsyslog.d/b.conf", "mail.* -/var/log/mail.log\n"),
            ("etc/rsyslog.d/a.conf", "# forward\n*.* @@(o)[::1]:10514;RSYSLOG_ForwardFormat\n"),
            ("etc/rsyslog.d/.hidden", "this would be an error\n"),
            ("etc/rsyslog.d/sub/s.conf", "user.* /var/log/user.log\n"),
            ("etc/rsyslog.d/c.conf", "if $msg contains 'x' then\n"),
            ("etc/rsyslog.d/d.conf", "*.* /var/log/after-if\n"),
        ],
    ),
    (
        "RainerScript: continuation, comments, rulesets, call, & stop, templates, legacy input",
        &[(
            "etc/rsyslog.conf",
            "module(load=\"builtin:omfile\" fileCreateMode=\"0640\" # inside\n  fileOwner=\"root\")\n/* a block\n   comment */\nmodule(load=\"imtcp\" maxSessions=\"10\")\ninput(type=\"imtcp\" port=\"10514\" ruleset=\"remote\")\n$ModLoad imudp\n$UDPServerRun 10515\ntemplate(name=\"t\" type=\"string\" string=\"%msg%\\n\")\n$template Legacy,\"%msg%\\n\"\nruleset(name=\"remote\") {\n  action(type=\"omfile\" file=\"/var/log/remote.log\" template=\"t\")\n}\n:msg, contains, \"secret\" stop\nlocal0.* /var/log/local0.log;Legacy\n& stop\nif $programname == 'sshd' and \\\n   $syslogseverity <= 6 then {\n  action(type=\"omfwd\" target=\"127.0.0.1\" port=\"514\" protocol=\"udp\")\n} else {\n  call remote\n}\nset $.x = \"a\" & \"b\";\n*.info action(type=\"omfwd\" target=\"localhost\" port=\"6514\" protocol=\"tcp\"\n             queue.type=\"LinkedList\" action.resumeRetryCount=\"-1\")\n",
        )],
    ),
    (
        "errors rsyslog reports and goes on",
        &[
            ("etc/rsyslog.conf", "$FileCreateMode 640\nfoo.* /var/log/foo\n\nmail.* /var/log/mail\n$Bogus 1\ninput(type=\"imtcp\" port=\"514\")\naction(type=\"omfwd\" target=\"10.0.0.1\" port=\"514\" protocl=\"tcp\")\naction(type=\"omfile\" file=\"/var/log/x\" fileCreateMode=\"0640x\")\n*.* /var/log/y;NoSuchTemplate\ninclude(file=\"@DIR@/nothere.conf\")\ninclude(file=\"@DIR@/nothere-either.conf\" mode=\"optional\")\n$IncludeConfig @DIR@/none/*.conf\n*.* root\n*.* /var/log/z\n"),
        ],
    ),
    (
        "a syntax error stops rsyslog reading",
        &[
            ("etc/rsyslog.conf", "*.* /var/log/before\n$IncludeConfig @DIR@/etc/rsyslog.d/*.conf\n*.* /var/log/never\n"),
            ("etc/rsyslog.d/10-bad.conf", "*.* /var/log/ok\nif $msg contains 'x' then {\n  *.* /var/log/inner\n"),
            ("etc/rsyslog.d/20-later.conf", "*.* /var/log/later\n"),
        ],
    ),
    (
        "a dangling link among included files ends the configuration; include() only reports",
        &[
            ("etc/rsyslog.conf", "*.* /var/log/first\ninclude(file=\"@DIR@/etc/opt/*.conf\")\ninclude(file=\"@DIR@/etc/nothere.conf\" mode=\"optional\")\n$IncludeConfig @DIR@/etc/rsyslog.d/*.conf\n*.* /var/log/never\n"),
            ("etc/opt/x.conf", "*.* /var/log/x\n"),
            ("etc/opt/y.conf", "SYMLINK:/nonexistent/y.conf"),
            ("etc/rsyslog.d/a.conf", "*.* /var/log/a\n"),
            ("etc/rsyslog.d/c.conf", "SYMLINK:/nonexistent/c.conf"),
            ("etc/rsyslog.d/d.conf", "*.* /var/log/d\n"),
        ],
    ),
    (
        "modules: loaded twice, not installed, parameters checked",
        &[(
            "etc/rsyslog.conf",
            "global(workDirectory=\"/tmp\" maxMessageSize=\"8k\" defaultRuleset=\"x\")\nmodule(load=\"imuxsock\" SysSock.Use=\"on\")\nmodule(load=\"imuxsock\")\nmodule(load=\"imnotamodule\")\nmodule(load=\"imklog\" permitNonKernelFacility=\"on\" bogus=\"1\")\n*.* /var/log/all\n",
        )],
    ),
    (
        "legacy odds and ends rsyslog accepts: ~, property filter with an escaped quote, $RuleSet, disabled objects",
        &[(
            "etc/rsyslog.conf",
            "mail.none ~\n:msg, contains, \"say \\\"hi\\\"\" /var/log/hi\n$RuleSet other\n*.* /var/log/other\n$RuleSet RSYSLOG_DefaultRuleset\naction(type=\"omfile\" file=\"/var/log/off\" config.enabled=\"off\")\n*.=warn;kern.!err /var/log/warn\n*.*\t@10.0.0.5:5514\n",
        )],
    ),
    (
        "BSD blocks, and a bad escape in a string stops rsyslog",
        &[(
            "etc/rsyslog.conf",
            "!sshd\n*.* /var/log/ssh\naction(type=\"omfile\" file=\"/var/log/\\d\")\n*.* /var/log/end\n",
        )],
    ),
    (
        "self-include, missing plain include, bad forward options",
        &[
            ("etc/rsyslog.conf", "*.* /var/log/ssh\n$IncludeConfig @DIR@/etc/rsyslog.d/self.conf\n$IncludeConfig @DIR@/etc/missing.conf\n*.* @(x)10.0.0.1\n*.* /var/log/end\n"),
            ("etc/rsyslog.d/self.conf", "$IncludeConfig @DIR@/etc/rsyslog.d/self.conf\n*.* /var/log/self\n"),
        ],
    ),
];

#[test]
fn rsyslog_verdicts_and_include_order_agree_with_rsyslogd() {
    let mut failures = Vec::new();
    for (label, files) in RSYSLOG_CASES {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), files);
        let conf = dir.path().join("etc/rsyslog.conf");
        let real = rsyslogd(&conf, &dir.path().join("full.conf"));
        let ward = ward_rsyslog(&conf);
        let problems: Vec<(String, usize)> = ward
            .problems
            .iter()
            .map(|p| (p.origin.path.to_string(), p.origin.line.unwrap_or(0)))
            .collect();
        if real.clean != ward.problems.is_empty() {
            failures.push(format!(
                "{label}: rsyslogd clean={} but Ward problems={:?}; rsyslog: {:?} {:?}",
                real.clean, ward.problems, real.lined, real.unlined
            ));
            continue;
        }
        // Every error rsyslog places has a Ward problem in that file at or before it. An
        // include that fails is reported in whichever file rsyslog pushed last; Ward names
        // the include itself, and the same path.
        for (file, line, message) in &real.lined {
            let same_path = message
                .split("error accessing config file or directory '")
                .nth(1)
                .and_then(|r| r.split('\'').next())
                .is_some_and(|p| {
                    ward.problems
                        .iter()
                        .any(|w| w.message.contains(&format!("'{p}'")))
                });
            if !same_path && !problems.iter().any(|(f, l)| f == file && l <= line) {
                failures.push(format!(
                    "{label}: rsyslog reports {file}:{line}; Ward: {problems:?}"
                ));
            }
        }
        // Every Ward problem is something rsyslog reports: as many problems as errors.
        let reported = real.lined.len() + real.unlined.len();
        if problems.len() > reported {
            failures.push(format!(
                "{label}: Ward has {} problems, rsyslog reports {reported}: {:?} / {:?} {:?}",
                problems.len(),
                ward.problems,
                real.lined,
                real.unlined
            ));
        }
        // The read order (rsyslog stops at a syntax error, so compare what it read).
        let n = real.order.len().min(ward.files.len());
        if real.order[..n] != ward.files[..n]
            || (ward.stopped.is_none() && real.order != ward.files)
        {
            failures.push(format!(
                "{label}: rsyslog read {:?}, Ward {:?}",
                real.order, ward.files
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rsyslog_effective_settings_of_the_clean_cases() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), RSYSLOG_CASES[1].1);
    let conf = dir.path().join("etc/rsyslog.conf");
    assert!(rsyslogd(&conf, &dir.path().join("full.conf")).clean);
    let r = ward_rsyslog(&conf);
    let remote: Vec<_> = r
        .inputs
        .iter()
        .filter(|i| i.remote)
        .map(|i| (i.module.as_str(), i.port.clone().unwrap()))
        .collect();
    assert_eq!(
        remote,
        vec![
            ("imtcp", "10514".to_string()),
            ("imudp", "10515".to_string())
        ]
    );
    let modes: Vec<_> = r
        .actions
        .iter()
        .filter_map(|a| {
            a.file
                .as_ref()
                .map(|f| (f.path.as_str(), f.create_mode.mode))
        })
        .collect();
    // The RainerScript action takes the module default; the legacy one the built-in 0644.
    assert_eq!(
        modes,
        vec![
            ("/var/log/remote.log", 0o640),
            ("/var/log/local0.log", 0o644)
        ]
    );
    let fwd: Vec<_> = r
        .actions
        .iter()
        .filter_map(|a| {
            a.forward
                .as_ref()
                .map(|f| (f.target.as_str(), f.protocol.as_str(), a.reach.is_some()))
        })
        .collect();
    assert_eq!(
        fwd,
        vec![("127.0.0.1", "udp", false), ("localhost", "tcp", false)]
    );
}

// ---------------------------------------------------------------------------------------
// logrotate

struct LogrotateRun {
    read: Vec<String>,
    ignored: BTreeSet<String>,
    /// (patterns, criterion text, rotations).
    blocks: Vec<(Vec<String>, String, i64)>,
}

fn logrotate_d(conf: &Path, state: &Path) -> LogrotateRun {
    assert!(
        Path::new("/usr/sbin/logrotate").exists(),
        "logrotate is not installed (Debian: apt-get install logrotate; scripts/test does this)"
    );
    let out = Command::new("/usr/sbin/logrotate")
        .arg("-d")
        .arg("-s")
        .arg(state)
        .arg(conf)
        .env("LC_ALL", "C")
        .output()
        .expect("run logrotate");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut run = LogrotateRun {
        read: Vec::new(),
        ignored: BTreeSet::new(),
        blocks: Vec::new(),
    };
    // A pattern written over several lines is printed over several lines.
    let mut lines: Vec<String> = Vec::new();
    for l in text.lines() {
        match lines.last_mut() {
            Some(last)
                if last.starts_with("rotating pattern: ")
                    && ![
                        " hourly", " weekly", " monthly", " yearly", " days", " bytes",
                    ]
                    .iter()
                    .any(|w| last.contains(w)) =>
            {
                last.push(' ');
                last.push_str(l);
            }
            _ => lines.push(l.to_string()),
        }
    }
    let re = regex::Regex::new(
        r"^(.*?)\s+(hourly|weekly|monthly|yearly|after \d+ days|\d+ bytes)\s*(?:\((\d+) rotations\)|(\(no old logs will be kept\)))?\s*$",
    )
    .unwrap();
    for l in &lines {
        if let Some(f) = l.strip_prefix("reading config file ") {
            run.read.push(f.to_string());
        } else if let Some(rest) = l.strip_prefix("Ignoring ") {
            let name = rest.split([',', ' ']).next().unwrap();
            run.ignored.insert(name.to_string());
        } else if let Some(rest) = l.strip_prefix("rotating pattern: ") {
            let c = re
                .captures(rest)
                .unwrap_or_else(|| panic!("unexpected line: {rest}"));
            let n: i64 = match (c.get(3), c.get(4)) {
                (Some(n), _) => n.as_str().parse().unwrap(),
                (None, Some(_)) => 0,
                (None, None) => -1,
            };
            run.blocks.push((
                ward::facts::logrotate::split_words(&c[1]),
                c[2].to_string(),
                n,
            ));
        }
    }
    run
}

fn criterion_text(c: &Criterion) -> String {
    match c {
        Criterion::Hourly => "hourly".into(),
        Criterion::Daily => "after 1 days".into(),
        Criterion::Weekly => "weekly".into(),
        Criterion::Monthly => "monthly".into(),
        Criterion::Yearly => "yearly".into(),
        Criterion::Size(n) => format!("{n} bytes"),
    }
}

fn ward_logrotate(conf: &Path) -> Logrotate {
    match ward::facts::logrotate::collect_from(&HostRoot::live(), &conf.display().to_string()) {
        Fact::Collected { value: Some(r) } => r,
        other => panic!("{other:?}"),
    }
}

const LOGROTATE_CASES: &[(&str, &[(&str, &str)])] = &[
    (
        "taboo names, a hidden file, byte order, defaults carried into blocks",
        &[
            ("logrotate.conf", "# comment\nweekly\nrotate 4\ncreate\ninclude @DIR@/d\n/var/log/main.log {\n  rotate 13\n  missingok\n  maxage 90\n}\n"),
            ("d/b", "/var/log/b {\n daily\n rotate 7\n create 0600 root adm\n}\n"),
            ("d/B", "/var/log/B1 /var/log/B2\n{\n monthly\n}\n"),
            ("d/a.dpkg-old", "/var/log/old {\n monthly\n}\n"),
            ("d/c.disabled", "/var/log/dis {\n monthly\n}\n"),
            ("d/e~", "/var/log/tilde {\n monthly\n}\n"),
            ("d/f.rpmsave", "/var/log/rpm {\n monthly\n}\n"),
            ("d/.hidden", "/var/log/h {\n yearly\n}\n"),
            ("d/10-size", "\"/var/log/with space.log\" /var/log/s* {\n size 10M\n rotate 2\n}\n"),
        ],
    ),
    (
        "errors: a bad count drops its block, unknown options are skipped, settings after errors",
        &[
            ("logrotate.conf", "monthly\ninclude @DIR@/d\n"),
            ("d/x", "/var/log/x1 {\n rotate 4 # four\n}\n/var/log/x2 {\n bogus\n rotate 5\n}\n/var/log/x3 {\n hourly\n rotate 0x10\n}\n"),
            ("d/y", "/var/log/y {\n size 100k\n}\n"),
        ],
    ),
];

#[test]
fn logrotate_files_and_blocks_agree_with_logrotate_debug() {
    assert_eq!(
        ward::facts::current_uid(),
        0,
        "run as root: logrotate run by root ignores files not owned by root, as Ward models"
    );
    let mut failures = Vec::new();
    for (label, files) in LOGROTATE_CASES {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), files);
        let conf = dir.path().join("logrotate.conf");
        let real = logrotate_d(&conf, &dir.path().join("state"));
        let ward = ward_logrotate(&conf);
        // logrotate names the main file as given and a directory's files by their names.
        let ward_read: Vec<String> = ward
            .files
            .iter()
            .map(|f| {
                if Path::new(f) == conf {
                    f.clone()
                } else {
                    f.rsplit('/').next().unwrap().to_string()
                }
            })
            .collect();
        if real.read != ward_read {
            failures.push(format!(
                "{label}: logrotate read {:?}, Ward {:?}",
                real.read, ward_read
            ));
        }
        let ward_ignored: BTreeSet<String> = ward
            .ignored
            .iter()
            .map(|i| {
                i.split(':')
                    .next()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect();
        if real.ignored != ward_ignored {
            failures.push(format!(
                "{label}: logrotate ignored {:?}, Ward {:?}",
                real.ignored, ward_ignored
            ));
        }
        let ward_blocks: Vec<(Vec<String>, String, i64)> = ward
            .logs
            .iter()
            .map(|b| (b.patterns.clone(), criterion_text(&b.criterion), b.rotate))
            .collect();
        if real.blocks != ward_blocks {
            failures.push(format!(
                "{label}: logrotate blocks {:?}\nWard {:?}",
                real.blocks, ward_blocks
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
