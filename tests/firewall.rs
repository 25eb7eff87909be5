//! Differential test of Ward's nftables reader against nft itself.
//!
//! For each tricky rule file below, `nft -f` loads it into a private network namespace
//! (`unshare -n`, so the machine's own firewall is untouched) and `nft -j list ruleset`
//! prints what nft made of it. Ward reads the same files from a temporary root and must
//! agree on every base chain of the input hook: its family, table and name, whether a
//! packet no rule matches is dropped or accepted, and whether an `iif lo accept` rule is
//! reached. nftables is installed by scripts/test; the test needs root for `unshare -n`
//! and fails, never skips, when nft or unshare are missing.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use ward::facts::firewall::{nft_file, nft_json, Ruleset};
use ward::host_root::HostRoot;

type Summary = BTreeSet<(String, String, String, String, bool)>;

fn summary(rs: &Ruleset) -> Summary {
    rs.chains
        .iter()
        .map(|c| {
            (
                c.family.clone(),
                c.table.clone(),
                c.name.clone(),
                c.default_verdict().0,
                c.loopback_rule().is_some(),
            )
        })
        .collect()
}

/// Run `nft -f` on the files in a private network namespace: whether nft accepted them
/// and what `nft -j list ruleset` printed (or nft's error).
fn nft_load(etc: &Path) -> (bool, String) {
    let script = format!(
        "nft -I {0} -f {0}/nftables.conf && nft -j list ruleset",
        etc.display()
    );
    let out = Command::new("unshare")
        .args(["-n", "sh", "-c", &script])
        .output()
        .expect("unshare (util-linux) and nft (Debian package nftables) must be installed");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stderr.contains("not found") || stderr.contains("File not found"),
        "nft or unshare is missing: {stderr}"
    );
    if out.status.success() {
        (true, String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        (false, stderr)
    }
}

fn nft_view(etc: &Path) -> Ruleset {
    let (accepted, out) = nft_load(etc);
    assert!(accepted, "nft refused {}: {out}", etc.display());
    nft_json(&out, "nft -j list ruleset").expect("nft JSON")
}

const CASES: &[(&str, &[(&str, &str)])] = &[
    (
        "glob include, defines, comments, continuation",
        &[
            (
                "nftables.conf",
                "#!/usr/sbin/nft -f\nflush ruleset\ndefine LO = lo # loopback\ninclude \"nft.d/*.nft\"\n",
            ),
            (
                "nft.d/10-base.nft",
                "table inet filter {\n  chain input {\n    type filter hook input priority filter; policy drop;\n    # a comment with { braces } and ; semicolons\n    iif $LO \\\n      accept\n    tcp dport 22 accept comment \"ssh; admins {x}\"\n  }\n}\n",
            ),
            ("nft.d/20-more.nft", "add rule inet filter input udp dport 53 accept\n"),
            ("nft.d/.hidden.nft", "table ip hidden { chain i { type filter hook input priority 0; } }\n"),
        ],
    ),
    (
        "flush ruleset drops earlier tables",
        &[(
            "nftables.conf",
            "table ip old { chain input { type filter hook input priority 0; policy accept; }\n}\nflush ruleset\ntable inet filter { chain input { type filter hook input priority 0; policy drop; iifname \"lo\" accept; }; }\n",
        )],
    ),
    (
        "table declared again, policy set in a later block",
        &[(
            "nftables.conf",
            "table inet f {\n chain input { type filter hook input priority 0; policy accept; }\n}\ntable inet f {\n chain input { policy drop; }\n}\nadd rule inet f input counter drop\ninsert rule inet f input iif lo accept\n",
        )],
    ),
    (
        "delete table, separate ip and ip6 tables",
        &[(
            "nftables.conf",
            "table ip gone { chain input { type filter hook input priority 0; policy drop; }; }\ndelete table ip gone\ntable ip v4 { chain input { type filter hook input priority 0; policy drop; iif lo accept; }\n}\ntable ip6 v6 { chain input { type filter hook input priority 0; }; }\ntable ip6 v6b {\n chain inp { type filter hook input priority 10; policy drop; }\n}\n",
        )],
    ),
    (
        "unconditional accept before the drop, chains by command",
        &[(
            "nftables.conf",
            "add table inet t\nadd chain inet t input { type filter hook input priority 0; policy drop; }\nadd rule inet t input counter accept\nadd rule inet t input iif lo accept\nadd chain inet t user\nadd rule inet t user drop\nflush chain inet t user\n",
        )],
    ),
    (
        "relative include by name, sets and non-input chains",
        &[
            ("nftables.conf", "flush ruleset\ninclude \"rules/main.nft\"\n"),
            (
                "rules/main.nft",
                "table inet filter {\n set admins { type ipv4_addr; elements = { 10.0.0.1, 10.0.0.2 } }\n chain input {\n  type filter hook input priority 0\n  policy drop\n  ip saddr @admins accept\n  iif lo counter log prefix \"lo \" accept\n }\n chain out { type filter hook output priority 0; policy drop; }\n}\ntable ip nat { chain pre { type nat hook prerouting priority -100; }; }\n",
            ),
        ],
    ),
];

/// Files nft refuses as a whole (so the boot loads no rules): Ward must not judge them as
/// if they loaded, but report a problem or fail to read them.
const REFUSED: &[(&str, &str)] = &[
    ("unclosed block", "table inet f {\n chain input { type filter hook input priority 0; }\n"),
    ("missing plain include", "include \"nope.nft\"\n"),
    (
        "include relative to the file's directory is not searched there",
        "include \"./sub.nft\"\n",
    ),
    ("undefined variable", "table inet f {\n chain input { type filter hook input priority 0; iif $LO accept; }\n}\n"),
    ("variable as policy", "define P = drop\ntable inet f {\n chain input { type filter hook input priority 0; policy $P; }\n}\n"),
    ("no separator between closing braces", "table inet f { chain input { type filter hook input priority 0; policy drop; } }\n"),
    ("define twice", "define A = lo\ndefine A = eth0\ntable inet f {\n chain input { type filter hook input priority 0; iif $A accept; }\n}\n"),
    ("rule for a chain that does not exist", "table inet f {\n chain input { type filter hook input priority 0; }\n}\nadd rule inet f nochain accept\n"),
];

#[test]
fn files_nft_refuses_are_not_judged_as_loaded() {
    for (label, text) in REFUSED {
        let dir = tempfile::tempdir().expect("tempdir");
        let etc = dir.path().join("etc");
        std::fs::create_dir_all(&etc).expect("mkdir");
        std::fs::write(etc.join("nftables.conf"), text).expect("write");
        std::fs::write(
            etc.join("sub.nft"),
            "table inet g { chain input { type filter hook input priority 0; }; }\n",
        )
        .expect("write");
        let (accepted, detail) = nft_load(&etc);
        assert!(!accepted, "{label}: nft accepted it: {detail}");
        let root = HostRoot::new(dir.path()).expect("root");
        match nft_file(&root, "/etc/nftables.conf") {
            Err(_) => {}
            Ok(rs) => assert!(
                !rs.problems.is_empty(),
                "{label}: Ward saw no problem; nft said {detail}"
            ),
        }
    }
}

#[test]
fn nft_reads_rule_files_as_ward_does() {
    for (label, files) in CASES {
        let dir = tempfile::tempdir().expect("tempdir");
        let etc = dir.path().join("etc");
        for (name, text) in *files {
            let p = etc.join(name);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, text).expect("write");
        }
        let theirs = nft_view(&etc);
        let root = HostRoot::new(dir.path()).expect("root");
        let ours = nft_file(&root, "/etc/nftables.conf").expect("Ward reads the files");
        assert!(ours.problems.is_empty(), "{label}: {:?}", ours.problems);
        assert!(
            !theirs.chains.is_empty(),
            "{label}: nft listed no input chain"
        );
        assert_eq!(summary(&ours), summary(&theirs), "{label}");
    }
}
