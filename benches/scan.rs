//! Scan benchmark: a realistic Debian 12 root (the hardened fixture host with the real
//! 764-package dpkg database from `../shared/data/hosts/debian12-dpkg-status`).
//!
//! Run with `cargo bench --bench scan`; results are recorded in docs/benchmarks.md.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};

use ward::catalogue::Catalogue;
use ward::eval;
use ward::facts;
use ward::host_root::HostRoot;
use ward::report::render::{Format, Renderer};
use ward::report::Report;

fn debian_root() -> tempfile::TempDir {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = manifest.join("tests/fixtures/hosts/hardened");
    let dst = tempfile::tempdir().expect("tempdir");
    for entry in walkdir::WalkDir::new(&src).min_depth(1) {
        let entry = entry.expect("walk");
        let rel = entry.path().strip_prefix(&src).expect("prefix");
        let to = dst.path().join(rel);
        if entry.file_type().is_dir() {
            fs::create_dir_all(&to).expect("mkdir");
        } else if entry.file_type().is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(entry.path()).expect("link"), &to)
                .expect("symlink");
        } else {
            fs::copy(entry.path(), &to).expect("copy");
            fs::set_permissions(&to, fs::Permissions::from_mode(0o644)).expect("chmod");
        }
    }
    fs::copy(
        manifest.join("../shared/data/hosts/debian12-dpkg-status"),
        dst.path().join("var/lib/dpkg/status"),
    )
    .expect("the real dpkg status must sit in ../shared/data/hosts");
    dst
}

fn scan_end_to_end(root: &HostRoot) -> usize {
    let cat = Catalogue::builtin().expect("builtin catalogue");
    let selection = cat.select(None, &[]).expect("selection");
    let plan = cat.plan_for(&selection);
    let facts = facts::collect(root, &plan);
    let findings = eval::evaluate(&cat, &selection, &facts);
    let report = Report::build(&cat, &selection, &facts, findings);
    let renderer = Renderer::new(None).expect("templates");
    [Format::Json, Format::Html, Format::Markdown]
        .into_iter()
        .map(|f| renderer.render(&report, f).expect("render").len())
        .sum()
}

fn bench(c: &mut Criterion) {
    let dir = debian_root();
    let root = HostRoot::new(dir.path()).expect("root");
    c.bench_function("catalogue_load_builtin", |b| {
        b.iter(|| Catalogue::builtin().expect("builtin").checks.len())
    });
    let cat = Catalogue::builtin().expect("builtin");
    let selection = cat.select(None, &[]).expect("selection");
    let plan = cat.plan_for(&selection);
    c.bench_function("collect_debian_root", |b| {
        b.iter(|| facts::collect(&root, &plan))
    });
    let facts = facts::collect(&root, &plan);
    c.bench_function("evaluate_and_build_report", |b| {
        b.iter(|| {
            let findings = eval::evaluate(&cat, &selection, &facts);
            Report::build(&cat, &selection, &facts, findings)
        })
    });
    let report = Report::build(
        &cat,
        &selection,
        &facts,
        eval::evaluate(&cat, &selection, &facts),
    );
    let renderer = Renderer::new(None).expect("templates");
    for (name, format) in [
        ("render_json", Format::Json),
        ("render_html", Format::Html),
        ("render_markdown", Format::Markdown),
    ] {
        c.bench_function(name, |b| {
            b.iter(|| renderer.render(&report, format).expect("render"))
        });
    }
    // A fresh renderer parses its template on first use: this is the cold cost per run.
    c.bench_function("render_html_cold", |b| {
        b.iter(|| {
            Renderer::new(None)
                .expect("templates")
                .render(&report, Format::Html)
                .expect("render")
        })
    });
    c.bench_function("scan_end_to_end_with_reports", |b| {
        b.iter(|| scan_end_to_end(&root))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
