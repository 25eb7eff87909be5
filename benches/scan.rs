//! Scan benchmark: a realistic Debian 12 root (the hardened fixture host with the real
//! 764-package dpkg database from `../shared/data/hosts/debian12-dpkg-status`).
//!
//! With feeds: every OSV record, the KEV catalogue and the endoflife.date products of
//! `../shared/data/` imported into a data directory once, then the same scan judged with
//! them, as the Debian 12 root (the shared data has no Debian 12 advisories, so only end
//! of life and KEV are consulted) and as the same root calling itself Debian 11 (all 764
//! packages matched against the Debian 11 advisories).
//!
//! Run with `cargo bench --bench scan`; results are recorded in docs/benchmarks.md.

use std::fs;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};

use ward::catalogue::Catalogue;
use ward::facts;
use ward::fixture_host::FixtureHost;
use ward::host_root::HostRoot;
use ward::report::render::{Format, Renderer};
use ward::report::Report;

/// The hardened fixture host (built like every fixture host, modes and owners included)
/// with the real Debian 12 dpkg database in place of its small one.
fn debian_root() -> FixtureHost {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let host = FixtureHost::from_tree(&manifest.join("tests/fixtures/hosts/hardened"))
        .expect("the hardened fixture host builds");
    fs::copy(
        manifest.join("../shared/data/hosts/debian12-dpkg-status"),
        host.path().join("var/lib/dpkg/status"),
    )
    .expect("the real dpkg status must sit in ../shared/data/hosts");
    host
}

/// What `ward scan` does: each template parses on a thread of its own while the catalogue
/// (parsed at build time, fixtures left out) loads and the host is read; the facts digest
/// runs beside evaluation; JSON, HTML and Markdown render side by side. (The reports are
/// measured here, not written: `ward scan` also writes and syncs three files.)
fn scan_end_to_end(root: &HostRoot) -> usize {
    scan_with(root, None)
}

/// [`scan_end_to_end`] judged with the feeds of `data_dir`, as `ward scan --data-dir` does
/// (the index opened and verified while the host is read).
fn scan_with(root: &HostRoot, data_dir: Option<&Path>) -> usize {
    let renderer = Renderer::new(None).expect("templates");
    let formats = [Format::Html, Format::Markdown, Format::Json];
    std::thread::scope(|scope| {
        let renderer = &renderer;
        for f in formats.iter().filter(|f| f.is_templated()) {
            scope.spawn(move || renderer.prepare(std::slice::from_ref(f)));
        }
        let knowledge =
            data_dir.map(|d| scope.spawn(move || ward::feeds::knowledge::Knowledge::open(d)));
        let cat = Catalogue::builtin_for_scan().expect("builtin catalogue");
        let selection = cat.select(None, &[]).expect("selection");
        let plan = cat.plan(cat.checks.values());
        let facts = facts::collect(root, &plan);
        let software = knowledge.map(|k| {
            let k = k.join().expect("feeds thread");
            ward::feeds::assess::assess(
                &facts,
                &k,
                &ward::feeds::eol::builtin_map().expect("map"),
                ward::feeds::assess::today(),
                30,
            )
        });
        let report = Report::evaluate_with(&cat, &selection, &facts, software);
        renderer
            .render_each(&report, &formats, &|_, text| {
                Ok::<_, ward::report::render::RenderError>(text.len())
            })
            .expect("render")
            .iter()
            .sum()
    })
}

fn bench(c: &mut Criterion) {
    let host = debian_root();
    let root: HostRoot = host.root().expect("root");
    c.bench_function("catalogue_load_builtin", |b| {
        b.iter(|| Catalogue::builtin().expect("builtin").checks.len())
    });
    c.bench_function("catalogue_load_for_scan", |b| {
        b.iter(|| Catalogue::builtin_for_scan().expect("builtin").checks.len())
    });
    let cat = Catalogue::builtin().expect("builtin");
    let selection = cat.select(None, &[]).expect("selection");
    let plan = cat.plan(cat.checks.values());
    c.bench_function("collect_debian_root", |b| {
        b.iter(|| facts::collect(&root, &plan))
    });
    let facts = facts::collect(&root, &plan);
    c.bench_function("evaluate_and_build_report", |b| {
        b.iter(|| Report::evaluate(&cat, &selection, &facts))
    });
    let report = Report::evaluate(&cat, &selection, &facts);
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

    // With feeds.
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    let data = tempfile::tempdir().expect("tempdir");
    for sub in [
        "osv/almalinux",
        "osv/debian-elts",
        "osv/debian-dsa-dla-derived",
        "kev",
        "eol",
    ] {
        ward::feeds::import::import(data.path(), &shared.join(sub)).expect("import");
    }
    c.bench_function("scan_end_to_end_with_feeds_debian12", |b| {
        b.iter(|| scan_with(&root, Some(data.path())))
    });
    fs::write(
        host.path().join("etc/os-release"),
        "PRETTY_NAME=\"Debian GNU/Linux 11 (bullseye)\"\nID=debian\nVERSION_ID=\"11\"\n",
    )
    .expect("os-release");
    let facts11 = facts::collect(&root, &plan);
    let k = ward::feeds::knowledge::Knowledge::open(data.path());
    let sw = ward::feeds::assess::assess(
        &facts11,
        &k,
        &ward::feeds::eol::builtin_map().expect("map"),
        ward::feeds::assess::today(),
        30,
    );
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "as Debian 11: {} packages matched against {:?}: {} vulnerable, {} end-of-life rows",
            sw.packages.unwrap_or(0),
            sw.ecosystem,
            sw.vulnerable.len(),
            sw.software_eol.len()
        );
    }
    c.bench_function("scan_end_to_end_with_feeds_as_debian11", |b| {
        b.iter(|| scan_with(&root, Some(data.path())))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
