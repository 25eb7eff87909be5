//! Listening sockets and mail transfer agent exposure, against the real tools.
//!
//! - The socket tables: this test process binds loopback listeners (TCP and UDP, IPv4, IPv6
//!   and IPv4-mapped IPv6) on ports the kernel picks; Ward's `sockets` collector, reading
//!   the live `/proc`, must find each with its address, port and owning process (this
//!   process, by its `comm`), and must list the same listening sockets as `ss -Htlnu`
//!   (iproute2) on the whole host (anything another process opened or closed between the
//!   two `ss` runs around Ward's read is allowed to differ).
//! - Postfix: `postconf -c DIR -h inet_interfaces` and `postconf -c DIR -xh inet_interfaces`
//!   (package postfix) on tricky main.cf files must give the value Ward reads and expands,
//!   and refuse exactly the files Ward says Postfix refuses; `postconf -M` must list the
//!   master.cf services (name and type) Ward reads, and refuse the same lines. (postconf
//!   resolves the value
//!   and refuses an address no local interface has, so the cases use loopback addresses.)
//! - Debian's Exim: `update-exim4.conf` sources update-exim4.conf.conf with `/bin/sh`;
//!   `sh` itself must agree with Ward's reading of each tricky file.
//!
//! scripts/test installs postfix (with a policy-rc.d so it does not start) and iproute2.
//! Like tests/firewall.rs, these tests fail, never skip, when a tool is missing.

use std::collections::BTreeSet;
use std::net::{TcpListener, UdpSocket};
use std::path::Path;
use std::process::Command;

use ward::catalogue::Catalogue;
use ward::eval::{self, Outcome};
use ward::facts::mta::{postfix_main_cf, postfix_master_cf, shell_assignments, MainCf};
use ward::facts::sockets::{self, Socket};
use ward::fixture_host::FixtureHost;
use ward::host_root::HostRoot;

// ---------------------------------------------------------------------------------------
// Live sockets

/// (protocol, address, port) of `ss -Htlnu`'s listening sockets; `*` is any address.
fn ss() -> BTreeSet<(String, String, u16)> {
    let out = Command::new("ss")
        .args(["-Htlnu"])
        .output()
        .expect("ss (Debian package iproute2) must be installed");
    assert!(out.status.success(), "ss failed: {out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let (proto, local) = (f.first()?, f.get(4)?);
            let (addr, port) = local.rsplit_once(':')?;
            let port: u16 = port.parse().ok()?;
            if port == 0 {
                return None;
            }
            let addr = addr.split('%').next().unwrap_or(addr);
            let addr = addr.trim_start_matches('[').trim_end_matches(']');
            Some((proto.to_string(), addr.to_string(), port))
        })
        .collect()
}

fn key(s: &Socket) -> (String, String, u16) {
    (s.protocol.clone(), s.address.to_string(), s.port)
}

/// `ss` prints `*` for an IPv6 wildcard some versions, and `0.0.0.0`/`::` for others.
fn same(a: &(String, String, u16), b: &(String, String, u16)) -> bool {
    let wild = |x: &str| x == "*" || x == "0.0.0.0" || x == "::";
    a.0 == b.0
        && a.2 == b.2
        && (a.1 == b.1 || (wild(&a.1) && wild(&b.1) && (a.1 == "*" || b.1 == "*")))
}

#[test]
fn live_sockets_of_this_process_and_of_the_host_agree_with_ss() {
    let tcp4 = TcpListener::bind("127.0.0.1:0").unwrap();
    let tcp6 = TcpListener::bind("[::1]:0").expect("IPv6 loopback must be available");
    let mapped = TcpListener::bind("[::ffff:127.0.0.1]:0").unwrap();
    let udp4 = UdpSocket::bind("127.0.0.1:0").unwrap();
    let udp6 = UdpSocket::bind("[::1]:0").unwrap();
    // A connected UDP socket is not a listener.
    let connected = UdpSocket::bind("127.0.0.1:0").unwrap();
    connected.connect(udp4.local_addr().unwrap()).unwrap();
    let comm = std::fs::read_to_string("/proc/self/comm")
        .unwrap()
        .trim_end()
        .to_string();
    let pid = std::process::id();

    let before = ss();
    let root = HostRoot::live();
    let got = sockets::collect(&root).value().cloned().expect("collected");
    let after = ss();

    assert!(got.problems.is_empty(), "{:?}", got.problems);
    assert!(got.namespace.starts_with("net:["), "{}", got.namespace);
    let expect = [
        (
            "tcp",
            "ipv4",
            "127.0.0.1",
            tcp4.local_addr().unwrap().port(),
            "listen",
        ),
        (
            "tcp",
            "ipv6",
            "::1",
            tcp6.local_addr().unwrap().port(),
            "listen",
        ),
        (
            "tcp",
            "ipv6",
            "::ffff:127.0.0.1",
            mapped.local_addr().unwrap().port(),
            "listen",
        ),
        (
            "udp",
            "ipv4",
            "127.0.0.1",
            udp4.local_addr().unwrap().port(),
            "unconnected",
        ),
        (
            "udp",
            "ipv6",
            "::1",
            udp6.local_addr().unwrap().port(),
            "unconnected",
        ),
    ];
    for (proto, family, addr, port, state) in expect {
        let s = got
            .sockets
            .iter()
            .find(|s| s.protocol == proto && s.port == port && s.address.to_string() == addr)
            .unwrap_or_else(|| panic!("{proto} {addr}:{port} not found in {:?}", got.sockets));
        assert_eq!(s.family, family);
        assert_eq!(s.state, state);
        assert!(s.is_loopback(), "{s:?}");
        assert!(
            s.processes.iter().any(|p| p.pid == pid && p.comm == comm),
            "{proto} {addr}:{port}: owner {} is not this process ({comm}, pid {pid})",
            s.owner()
        );
    }
    let connected_port = connected.local_addr().unwrap().port();
    assert!(
        !got.sockets
            .iter()
            .any(|s| s.protocol == "udp" && s.port == connected_port),
        "a connected UDP socket is not a listener"
    );

    // The whole host: every socket ss saw both times is Ward's, and Ward lists nothing
    // ss saw neither time.
    let ward: Vec<(String, String, u16)> = got.sockets.iter().map(key).collect();
    for s in before.intersection(&after) {
        assert!(
            ward.iter().any(|w| same(w, s)),
            "ss lists {s:?}, Ward does not: {ward:?}"
        );
    }
    for w in &ward {
        assert!(
            before.iter().chain(after.iter()).any(|s| same(w, s)),
            "Ward lists {w:?}, ss does not: {before:?}"
        );
    }
    drop((tcp4, tcp6, mapped, udp4, udp6, connected));
}

// ---------------------------------------------------------------------------------------
// Fixtures: what a finding says

fn finding(check: &str, fixture: &str) -> ward::eval::Finding {
    let cat = Catalogue::builtin().unwrap();
    let c = &cat.checks[check];
    let host = FixtureHost::from_fixture(&cat, fixture).unwrap();
    let root = host.root().unwrap();
    let facts = ward::facts::collect(&root, &cat.plan([c]));
    eval::evaluate_check(
        c,
        c.severity,
        ward::catalogue::Selection::default().params_for(c),
        &facts,
    )
}

fn evidence(f: &ward::eval::Finding) -> String {
    f.evidence
        .iter()
        .map(|e| format!("{}:{:?} {} | {}", e.source, e.line, e.observed, e.expected))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn findings_name_the_process_the_line_and_the_default() {
    let f = finding("network.no-cleartext-listeners", "sockets-telnet");
    assert_eq!(f.outcome, Outcome::Fail, "{}", f.reason);
    assert!(
        f.reason.contains("tcp/23 on 0.0.0.0:23 (inetd)"),
        "{}",
        f.reason
    );
    let ev = evidence(&f);
    assert!(
        ev.contains("/proc/self/net/tcp:Some(5) tcp 0.0.0.0:23 listen (uid 0), inetd (pid 700)"),
        "{ev}"
    );
    assert!(ev.contains("network namespace net:[4026531840]"), "{ev}");
    assert_eq!(f.items.len(), 3, "sshd twice and inetd: {:?}", f.items);

    let f = finding("network.no-cleartext-listeners", "sockets-x11-v6");
    assert_eq!(f.outcome, Outcome::Fail);
    assert!(
        f.reason.contains("tcp/6000 on [::]:6000 (Xorg)"),
        "{}",
        f.reason
    );
    assert!(
        !f.reason.contains("6010") && !f.reason.contains("6011"),
        "{}",
        f.reason
    );

    let f = finding("network.approved-listeners", "sockets-extra-listener");
    assert_eq!(f.outcome, Outcome::Fail);
    let ev = evidence(&f);
    assert!(ev.contains("postgres (pid 1600)"), "{ev}");
    assert!(
        ev.contains(
            "tcp 0.0.0.0:2049 listen (uid 0), owner unknown: no process Ward can see holds it"
        ),
        "{ev}"
    );

    let f = finding("network.mta-local-only", "mta-postfix-local");
    assert_eq!(f.outcome, Outcome::Pass, "{}", f.reason);
    let ev = evidence(&f);
    assert!(
        ev.contains("inet_interfaces = all is overridden by line"),
        "{ev}"
    );
    assert!(ev.contains("not the live host"), "{ev}");

    let f = finding("network.mta-local-only", "mta-postfix-stock");
    assert_eq!(f.outcome, Outcome::Fail);
    assert!(
        f.reason.contains("smtp (master.cf inet service) on all"),
        "{}",
        f.reason
    );
    assert!(f
        .evidence
        .iter()
        .any(|e| e.source == "/etc/postfix/master.cf" && e.line == Some(7)));

    let f = finding("network.mta-local-only", "mta-postfix-continuation");
    assert_eq!(f.outcome, Outcome::Fail);
    assert!(f.reason.contains("192.0.2.25"), "{}", f.reason);

    let f = finding("network.mta-local-only", "mta-postfix-live-exposed");
    assert_eq!(f.outcome, Outcome::Fail);
    assert!(
        f.reason
            .contains("tcp/25 on 0.0.0.0:25 is open now (master (pid 900))"),
        "{}",
        f.reason
    );

    let f = finding("network.mta-local-only", "mta-exim-local");
    assert_eq!(f.outcome, Outcome::Pass, "{}", f.reason);
    let ev = evidence(&f);
    assert!(ev.contains("local_interfaces = <; 127.0.0.1 ; ::1"), "{ev}");
}

// ---------------------------------------------------------------------------------------
// Postfix: postconf

/// `postconf -c DIR [-x] -h inet_interfaces`: the value, or postconf's error.
fn postconf(dir: &Path, expand: bool) -> Result<String, String> {
    let mut cmd = Command::new("postconf");
    cmd.arg("-c").arg(dir);
    if expand {
        cmd.arg("-x");
    }
    let out = cmd
        .args(["-h", "inet_interfaces"])
        .output()
        .expect("postconf (Debian package postfix) must be installed");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout)
            .trim_end_matches('\n')
            .to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// A value as postconf prints it: words separated by one space (`pcf_print_line`
/// normalises blanks, tabs, CR and LF; Postfix itself keeps them, and splits
/// inet_interfaces on blanks and commas).
fn printed(v: &str) -> String {
    v.split([' ', '\t', '\r', '\n'])
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

const MAIN_CF: &[(&str, &str)] = &[
    ("unset: the default", "myhostname = mail.example\n"),
    ("plain", "inet_interfaces = loopback-only\n"),
    (
        "duplicates: the last wins",
        "inet_interfaces = all\nmyhostname = x\ninet_interfaces = 127.0.0.1\n",
    ),
    (
        "continuation across comment and blank lines",
        "inet_interfaces = 127.0.0.1,\n# a comment inside\n\n   [::1],\n\tlocalhost\nmydomain = example\n",
    ),
    (
        "comment lines with leading blanks",
        "  # indented comment\ninet_interfaces = localhost\n    # another\n",
    ),
    ("CRLF line endings", "inet_interfaces = loopback-only\r\nmydomain = x\r\n"),
    ("empty value", "inet_interfaces =\n"),
    ("empty value with blanks", "inet_interfaces =    \t \n"),
    ("no spaces around =", "inet_interfaces=127.0.0.1\n"),
    ("blanks before =", "inet_interfaces\t  =  [::1]\n"),
    (
        "leading blank line text is ignored",
        "   inet_interfaces = all\ninet_interfaces = 127.0.0.1\n",
    ),
    ("$name expansion", "lo = 127.0.0.1\ninet_interfaces = $lo\n"),
    (
        "${name} and $(name), nested",
        "a = 127.0.0.1\nb = ${a}, $(c)\nc = [::1]\ninet_interfaces = $b\n",
    ),
    (
        "conditional expansion",
        "on = yes\noff =\ninet_interfaces = ${on?127.0.0.1} ${off?192.0.2.1} ${off:[::1]}\n",
    ),
    (
        "if-then-else expansion",
        "on = yes\ninet_interfaces = ${on?{loopback-only}:{all}}\n",
    ),
    (
        "$$ is a literal dollar, not a reference",
        "x = $$y\ninet_interfaces = ${x?loopback-only}\n",
    ),
    (
        "a value with = inside another parameter",
        "mydestination = a=b\ninet_interfaces = loopback-only\n",
    ),
    ("no final newline", "inet_interfaces = loopback-only"),
    ("text after NUL is ignored", "inet_interfaces = 127.0.0.1\0 192.0.2.1\n"),
    (
        "a line without = (postconf refuses the file)",
        "inet_interfaces = all\nthis line is wrong\n",
    ),
    ("a line starting with = (refused)", "= all\n"),
];

#[test]
fn postconf_agrees_on_main_cf() {
    // postconf takes a second or two (it looks the host's interfaces up): run them at once.
    let dirs: Vec<tempfile::TempDir> = MAIN_CF
        .iter()
        .map(|_| tempfile::tempdir().unwrap())
        .collect();
    let results: Vec<(Result<String, String>, Result<String, String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = MAIN_CF
            .iter()
            .zip(&dirs)
            .map(|((_, text), dir)| {
                std::fs::write(dir.path().join("main.cf"), text).unwrap();
                std::fs::write(dir.path().join("master.cf"), "").unwrap();
                s.spawn(move || (postconf(dir.path(), false), postconf(dir.path(), true)))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for ((name, text), (raw, expanded)) in MAIN_CF.iter().zip(results) {
        let (parsed, _) = postfix_main_cf(text);
        match parsed {
            Err((line, why)) => {
                let err = raw.expect_err(&format!(
                    "{name}: Ward says Postfix refuses it ({why}), postconf accepted it"
                ));
                assert!(
                    err.contains(&format!("line {line}")),
                    "{name}: Ward refuses line {line}, postconf says: {err}"
                );
            }
            Ok(assignments) => {
                let raw = raw.unwrap_or_else(|e| panic!("{name}: postconf refused it: {e}"));
                let cf = MainCf::new(&assignments);
                let ward_raw = cf.raw("inet_interfaces").map(|v| v.0).unwrap_or("all");
                assert_eq!(printed(ward_raw), raw, "{name}: raw value");
                let expanded = expanded.unwrap();
                let ward_expanded = cf.expand(ward_raw).map(|v| printed(&v));
                assert_eq!(
                    ward_expanded.as_deref(),
                    Ok(expanded.as_str()),
                    "{name}: expanded"
                );
            }
        }
    }
}

const MASTER_CF: &[(&str, &str)] = &[
    (
        "Debian's services with options, comments and continuations",
        "# comment\nsmtp      inet  n       -       y       -       -       smtpd\n  -o a=b\n# inside\n\t-o c=d\n#submission inet n - y - - smtpd\npickup    unix  n       -       y       60      1       pickup\n",
    ),
    (
        "hosts in service names, tabs, CRLF",
        "127.0.0.1:2525 inet n - y - - smtpd\n[::1]:587\tinet n - y - - smtpd\r\nlocalhost:smtps inet n - y - - smtpd\n",
    ),
    (
        "a stray continuation before any service is ignored",
        "   -o stray=1\nsmtp inet n - y - - smtpd\n",
    ),
    (
        "a service continued onto the next line",
        "submission inet n - y - -\n  smtpd\nflush unix n - y 1000? 0 flush\n",
    ),
    ("too few fields (refused)", "smtp inet n - y - -\n"),
    ("a name alone (refused)", "smtp\nrelay unix - - y - - smtp\n"),
];

#[test]
fn postconf_agrees_on_master_cf() {
    for (name, text) in MASTER_CF {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("main.cf"),
            "inet_interfaces = loopback-only\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("master.cf"), text).unwrap();
        let out = Command::new("postconf")
            .arg("-c")
            .arg(dir.path())
            .arg("-M")
            .output()
            .expect("postconf (Debian package postfix) must be installed");
        let mut warnings = Vec::new();
        let (services, problems) = postfix_master_cf(text, &mut warnings);
        if let Some((line, why)) = problems.first() {
            assert!(
                !out.status.success(),
                "{name}: Ward says master refuses it ({why}), postconf -M accepted it"
            );
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains(&format!("line {line}: bad field count")),
                "{name}: Ward refuses line {line}, postconf says: {err}"
            );
            continue;
        }
        assert!(
            out.status.success(),
            "{name}: postconf -M refused it: {out:?}"
        );
        let theirs: Vec<(String, String)> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| {
                let mut f = l.split_whitespace();
                (f.next().unwrap().to_string(), f.next().unwrap().to_string())
            })
            .collect();
        let ours: Vec<(String, String)> = services.into_iter().map(|s| (s.name, s.kind)).collect();
        assert_eq!(ours, theirs, "{name}");
    }
}

// ---------------------------------------------------------------------------------------
// Exim: sh

const SHELL: &[(&str, &str)] = &[
    (
        "Debian's form",
        "dc_eximconfig_configtype='internet'\ndc_local_interfaces='127.0.0.1 ; ::1'\n",
    ),
    ("empty", "dc_local_interfaces=''\n"),
    ("unquoted", "dc_local_interfaces=127.0.0.1\n"),
    ("double quotes", "dc_local_interfaces=\"127.0.0.1 ; ::1\"\n"),
    (
        "double quotes with escapes",
        "dc_local_interfaces=\"a \\\" b \\\\ c \\x\"\n",
    ),
    (
        "backslash outside quotes",
        "dc_local_interfaces=127.0.0.1\\ \\;\\ ::1\n",
    ),
    (
        "mixed quoting in one word",
        "dc_local_interfaces='127.0.0.1 ;'\" ::1\"x\n",
    ),
    (
        "last assignment wins",
        "dc_local_interfaces=''\n# later\ndc_local_interfaces='127.0.0.1'\n",
    ),
    ("two on one line", "dc_other=1 dc_local_interfaces='::1'\n"),
    (
        "semicolon separated",
        "dc_local_interfaces='::1'; dc_local_interfaces='127.0.0.2'\n",
    ),
    (
        "comment after value",
        "dc_local_interfaces='127.0.0.1' # not '0.0.0.0'\n",
    ),
    (
        "hash inside a word is not a comment",
        "dc_local_interfaces=127.0.0.1#x\n",
    ),
    (
        "quote across lines",
        "dc_local_interfaces='127.0.0.1 ;\n ::1'\n",
    ),
    (
        "line continuation",
        "dc_local_interfaces=127.0.0.1\\\n::1\n",
    ),
    (
        "CRLF (the CR is part of the value)",
        "dc_local_interfaces='127.0.0.1'\r\n",
    ),
    ("unset", "dc_other=1\n"),
];

#[test]
fn sh_agrees_on_update_exim4_conf_conf() {
    for (name, text) in SHELL {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("update-exim4.conf.conf");
        std::fs::write(&file, text).unwrap();
        let out = Command::new("sh")
            .args([
                "-c",
                ". \"$1\"; printf '%s' \"${dc_local_interfaces-(unset)}\"",
                "sh",
            ])
            .arg(&file)
            .output()
            .expect("sh must be installed");
        assert!(out.status.success(), "{name}: sh refused it: {out:?}");
        let sh = String::from_utf8_lossy(&out.stdout).into_owned();
        let (assign, problems) = shell_assignments(text);
        assert!(problems.is_empty(), "{name}: {problems:?}");
        let ward = assign
            .iter()
            .rev()
            .find(|a| a.name == "dc_local_interfaces")
            .map(|a| a.value.clone())
            .unwrap_or_else(|| "(unset)".into());
        assert_eq!(ward, sh, "{name}");
    }
}
