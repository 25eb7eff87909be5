//! Package databases damaged at random: the real BDB, NDB, SQLite and apk fixtures with
//! bytes overwritten, and files cut short, must give an inventory (with warnings), or an
//! `error` fact naming the file, and never a panic.

use std::path::Path;

use proptest::prelude::*;
use ward::facts::packages;
use ward::facts::Fact;
use ward::host_root::HostRoot;

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/data")
            .join(rel),
    )
    .unwrap()
}

/// Write `bytes` at `host_path` in a fresh root and collect the inventory.
fn collect(host_path: &str, bytes: &[u8]) -> Fact<packages::Inventory> {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(host_path.trim_start_matches('/'));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, bytes).unwrap();
    let root = HostRoot::new(dir.path()).unwrap();
    packages::collect(&root)
}

fn damaged(original: &[u8], edits: &[(usize, u8)], cut: Option<usize>) -> Vec<u8> {
    let mut b = original.to_vec();
    for (at, v) in edits {
        let i = at % b.len();
        b[i] = *v;
    }
    if let Some(c) = cut {
        b.truncate(c % (b.len() + 1));
    }
    b
}

fn check(host_path: &str, original: &[u8], edits: &[(usize, u8)], cut: Option<usize>) {
    match collect(host_path, &damaged(original, edits, cut)) {
        Fact::Collected { .. } => {}
        Fact::Error { reason, .. } => {
            assert!(
                reason.contains(host_path) || reason.contains("no package database"),
                "{reason}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn berkeley_db(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..40), cut in proptest::option::of(any::<usize>())) {
        check("/var/lib/rpm/Packages", &fixture("almalinux-8.9-micro-s390x/Packages"), &edits, cut);
    }

    #[test]
    fn ndb(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..40), cut in proptest::option::of(any::<usize>())) {
        check("/usr/lib/sysimage/rpm/Packages.db", &fixture("sle15-bci/Packages.db"), &edits, cut);
    }

    #[test]
    fn sqlite(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..40), cut in proptest::option::of(any::<usize>())) {
        check("/var/lib/rpm/rpmdb.sqlite", &fixture("almalinux-9.3-micro-aarch64/rpmdb.sqlite"), &edits, cut);
    }

    #[test]
    fn apk(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..40), cut in proptest::option::of(any::<usize>())) {
        check("/lib/apk/db/installed", &fixture("alpine-3.18/lib-apk-db-installed"), &edits, cut);
    }
}

/// A header whose preamble is damaged is skipped with a warning naming its record, and the
/// other packages are still listed: overwrite the first four bytes of every overflow page
/// (on the first page of a chain they are the header's entry count).
#[test]
fn damaged_headers_become_warnings() {
    let original = fixture("almalinux-8.9-micro-s390x/Packages");
    let mut b = original.clone();
    // Overflow pages start with a 26-byte header; the header blob's index follows.
    let page = u32::from_be_bytes(original[20..24].try_into().unwrap()) as usize;
    for p in (page..b.len()).step_by(page) {
        if b[p + 25] == 7 {
            for i in 26..30 {
                b[p + i] = 0xff;
            }
        }
    }
    match collect("/var/lib/rpm/Packages", &b) {
        Fact::Collected { value } => {
            assert!(!value.warnings.is_empty(), "damage must be reported");
            assert!(
                value.warnings.iter().any(|w| w.contains("index entries")),
                "{:?}",
                value.warnings
            );
            assert!(
                value
                    .warnings
                    .iter()
                    .all(|w| w.contains("/var/lib/rpm/Packages: record")),
                "{:?}",
                value.warnings
            );
        }
        Fact::Error { reason, .. } => assert!(reason.contains("/var/lib/rpm/Packages"), "{reason}"),
    }
}
