//! Account checks at scale: a host with a million accounts (a directory-synchronised
//! passwd, as some hospital estates have) must still scan in well under two seconds.
//!
//! The root is the hardened fixture host with 1,000,000 generated entries appended to its
//! passwd, shadow and group. Measured: collecting the facts the `accounts.*` checks plan
//! (the accounts parser included) and evaluating every `accounts.*` check; and each step
//! alone. Run with `cargo bench --bench accounts`; results are in docs/benchmarks.md.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

use ward::catalogue::{Catalogue, Check};
use ward::eval;
use ward::facts;
use ward::host_root::HostRoot;

const ACCOUNTS: u32 = 1_000_000;

fn big_root() -> tempfile::TempDir {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = manifest.join("tests/fixtures/hosts/hardened");
    let dst = tempfile::tempdir().expect("tempdir");
    for entry in walkdir::WalkDir::new(&src).min_depth(1) {
        let entry = entry.expect("walk");
        let to = dst
            .path()
            .join(entry.path().strip_prefix(&src).expect("prefix"));
        if entry.file_type().is_dir() {
            fs::create_dir_all(&to).expect("mkdir");
        } else if entry.file_type().is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(entry.path()).expect("link"), &to)
                .expect("symlink");
        } else {
            fs::copy(entry.path(), &to).expect("copy");
        }
    }
    let etc = dst.path().join("etc");
    let mut passwd = fs::read_to_string(etc.join("passwd")).expect("passwd");
    let mut shadow = fs::read_to_string(etc.join("shadow")).expect("shadow");
    let mut group = fs::read_to_string(etc.join("group")).expect("group");
    for i in 0..ACCOUNTS {
        let id = 10_000 + i;
        writeln!(
            passwd,
            "u{i}:x:{id}:{id}:Generated User {i},,,:/home/u{i}:/bin/bash"
        )
        .expect("write");
        writeln!(
            shadow,
            "u{i}:$y$j9T$YmVuY2hzYWx0{i:08}$QmVuY2hIYXNoTm90QVJlYWxPbmVGb3JXYXJkQmVuY2g{i:08}:19800:0:99999:7:::"
        )
        .expect("write");
        // Every tenth user is also in a team group.
        if i % 10 == 0 {
            writeln!(group, "u{i}:x:{id}:u{},u{}", i + 1, i + 2).expect("write");
        } else {
            writeln!(group, "u{i}:x:{id}:").expect("write");
        }
    }
    fs::write(etc.join("passwd"), passwd).expect("write passwd");
    fs::write(etc.join("shadow"), shadow).expect("write shadow");
    fs::write(etc.join("group"), group).expect("write group");
    dst
}

fn account_checks(cat: &Catalogue) -> Vec<&Check> {
    cat.checks
        .values()
        .filter(|c| c.id.starts_with("accounts."))
        .collect()
}

fn bench(c: &mut Criterion) {
    let dir = big_root();
    // A million-entry shadow is over the default 64 MiB read cap; raise it for this host.
    let root = HostRoot::new(dir.path())
        .expect("root")
        .with_read_cap(512 * 1024 * 1024);
    let cat = Catalogue::builtin().expect("builtin catalogue");
    let checks = account_checks(&cat);
    let plan = cat.plan(checks.iter().copied());

    // Sanity: the generated host is what the checks see, and every check gives a verdict.
    let facts = facts::collect(&root, &plan);
    let n = facts
        .get::<ward::facts::accounts::Accounts>()
        .expect("accounts")
        .users
        .len();
    assert!(n > ACCOUNTS as usize, "{n} users collected");

    let mut g = c.benchmark_group("accounts-1M");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("collect accounts (passwd, shadow, group)", |b| {
        b.iter(|| facts::accounts::collect(&root))
    });
    g.bench_function("evaluate every accounts.* check", |b| {
        b.iter(|| {
            checks
                .iter()
                .map(|c| {
                    eval::evaluate_check(
                        c,
                        c.severity,
                        ward::catalogue::Selection::default().params_for(c),
                        &facts,
                    )
                    .evidence
                    .len()
                })
                .sum::<usize>()
        })
    });
    g.bench_function("collect + evaluate every accounts.* check", |b| {
        b.iter(|| {
            let facts = facts::collect(&root, &plan);
            checks
                .iter()
                .map(|c| {
                    eval::evaluate_check(
                        c,
                        c.severity,
                        ward::catalogue::Selection::default().params_for(c),
                        &facts,
                    )
                    .evidence
                    .len()
                })
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
