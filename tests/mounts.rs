//! Differential: util-linux's own `findmnt --fstab --tab-file FILE` (libmount's parse of an
//! fstab) against Ward's reading of the same file, on tricky input: comments (indented
//! too), blank and blank-looking lines, octal escapes in every field, tabs, missing
//! optional fields, trailing and repeated slashes, duplicate targets, lines libmount
//! rejects (missing fields, bad numbers, a NUL byte), numbers `strtol` saturates, trailing
//! words after passno, CRLF line ends and a last line without a newline. Ward must agree
//! with findmnt on every entry and on every line it reports as ignored.
//!
//! findmnt is part of util-linux, on every Debian; `scripts/test` installs it if it is
//! missing. Without it this test fails: a differential test that did not run proves
//! nothing.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use ward::facts::mounts::{self, Mounts};
use ward::facts::Fact;
use ward::host_root::HostRoot;

const FINDMNT: &str = "findmnt";

/// (entries as [source, target, fstype, options, freq, passno], ignored line numbers) as
/// findmnt reports them.
fn findmnt(file: &Path) -> (Vec<Value>, Vec<usize>) {
    let out = Command::new(FINDMNT)
        .args(["--fstab", "--tab-file"])
        .arg(file)
        .args(["-J", "-o", "SOURCE,TARGET,FSTYPE,OPTIONS,FREQ,PASSNO"])
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{FINDMNT} could not be run ({e}): install util-linux (scripts/test does); \
                 the fstab differential test did not run"
            )
        });
    let stdout = String::from_utf8_lossy(&out.stdout);
    let entries = if stdout.trim().is_empty() {
        Vec::new()
    } else {
        let v: Value = serde_json::from_str(&stdout).unwrap();
        v["filesystems"].as_array().cloned().unwrap_or_default()
    };
    let ignored = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| {
            // "findmnt: /tmp/x/etc/fstab: parse error at line 9 -- ignored"
            let (_, rest) = l.split_once("parse error at line ")?;
            rest.split_whitespace().next()?.parse().ok()
        })
        .collect();
    (entries, ignored)
}

fn ward(root: &Path) -> Mounts {
    let Fact::Collected { value } = mounts::collect(&HostRoot::new(root).unwrap(), None) else {
        panic!("mounts not collected")
    };
    value
}

/// Compare, and return (entries, ignored lines) so each case can say it exercised something.
fn agree(name: &str, fstab: &[u8]) -> (usize, usize) {
    let t = tempfile::tempdir().unwrap();
    let file = t.path().join("etc/fstab");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, fstab).unwrap();
    let (theirs, their_ignored) = findmnt(&file);
    let m = ward(t.path());
    let ours: Vec<Value> = m
        .fstab
        .iter()
        .map(|e| {
            serde_json::json!({
                "source": e.source,
                "target": e.target,
                "fstype": e.fstype,
                "options": e.options,
                "freq": e.freq,
                "passno": e.passno,
            })
        })
        .collect();
    assert_eq!(ours, theirs, "{name}: entries differ");
    let our_ignored: Vec<usize> = m.ignored.iter().filter_map(|i| i.origin.line).collect();
    assert_eq!(our_ignored, their_ignored, "{name}: ignored lines differ");
    (ours.len(), our_ignored.len())
}

#[test]
fn findmnt_agrees_on_tricky_fstab() {
    let (found, _) = {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("fstab");
        std::fs::write(&f, "/dev/a /a ext4 defaults 0 0\n").unwrap();
        findmnt(&f)
    };
    assert_eq!(
        found.len(),
        1,
        "findmnt does not read a plain fstab: {found:?}"
    );

    let counts = agree(
        "comments, blanks, tabs, escapes, missing fields",
        b"# /etc/fstab: static file system information.\n\
          \n   \n\t\n  # indented comment\n\t# tab-indented comment\n\
          UUID=0a1b /               ext4    errors=remount-ro 0       1\n\
          /dev/sda2\t/tmp/\text4\tdefaults,nodev,nosuid,noexec\t0\t2\n\
          /dev/sda3 //var//tmp// xfs\n\
          /dev/disk\\040one /srv/my\\040data ext4 rw,noexec,exec 1 2 extra words\n\
          tmpfs /dev/shm tmpfs defaults,noexec 0\n\
          /dev/f /w\\134q ext4 \\011opt 0 0\n\
          /dev/g /x\\012y ext4 a\\054b\n\
          /dev/h /h ext4 d\\00x 0 0\n\
          LABEL=home /home ext4 defaults,nodev#notacomment 0 2\n\
          UUID=swap none swap sw 0 0\n\
          /dev/rel relative ext4 defaults\n\
          /dev/q /q ext4 \\101\\10 0\n",
    );
    assert_eq!(counts, (12, 0));
    let counts = agree(
        "duplicates and rejected lines",
        b"/dev/a /tmp ext4 defaults 0 0\n/dev/b /tmp/ ext4 noexec 0 0\n\
          bad\nbad2 /x\n/dev/c /y ext4 defaults x\n/dev/d /z ext4 defaults 0 y\n\
          /dev/e / ext4 defaults +1 -2\n/dev/g /v ext4 defaults 1x\n\
          /dev/h /h ext4 d 99999999999999999999\n\
          /dev/i /i ext4 d 0 99999999999999999999 z\n/dev/j /j ext4 d 0 1 z\n\
          /dev/k /k ext4 d\x0b\n/dev/l /l\x00junk ext4 d\n#c\x00omment\n\
          /dev/m /m ext4 x=\"b,c 0 0\n/dev/n /n ext4 ,, 0 0\n",
    );
    assert_eq!(counts, (8, 8));
    let counts = agree(
        "CRLF and no final newline",
        b"/dev/a /tmp ext4 nodev\r\n# c\r\n\r\n/dev/b /var ext4 defaults 0 2\r\r\n\
          /dev/c /home ext4 noexec 0 0",
    );
    assert_eq!(
        counts,
        (2, 1),
        "one CR is dropped, a second makes passno bad"
    );
    assert_eq!(
        agree(
            "no final newline, NUL in it",
            b"/dev/a /a ext4 d\n/dev/d /d\x00 ext4 x"
        ),
        (1, 1)
    );
    assert_eq!(
        agree("no final newline, NUL after", b"/dev/a /a ext4 d\x00z"),
        (1, 0)
    );
    assert_eq!(agree("empty file", b""), (0, 0));
}

#[test]
fn duplicate_targets_compare_without_trailing_slashes() {
    let t = tempfile::tempdir().unwrap();
    let file = t.path().join("etc/fstab");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(
        &file,
        "/dev/a /tmp// ext4 nodev 0 0\n/dev/b //tmp ext4 noexec 0 0\n",
    )
    .unwrap();
    let m = ward(t.path());
    // Not a systemd root: `mount -a` mounts both, the last on top.
    let r = m.configured("/tmp").unwrap();
    assert_eq!(r.mounted.unwrap().source, "/dev/b");
    assert!(r.notes[0].contains("/etc/fstab:1"), "{:?}", r.notes);
}
