//! Feed matching at scale: every OSV record in the project's shared data
//! (`../shared/data/osv/`: AlmaLinux 8–10, Debian ELTS, Debian DSA/DLA), the CISA KEV
//! catalogue and the endoflife.date products imported once; then a 3,000-package
//! inventory matched against the index.
//!
//! Two inventories: a realistic AlmaLinux 9 host of 3,000 packages (see below), and the
//! worst case, every package the advisories name at version 0-0, so every advisory matches
//! and every CVE is looked up in KEV.
//! Run with `cargo bench --bench feeds`; results are in docs/benchmarks.md.

use std::path::Path;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};

use ward::facts::packages::{Inventory, Package, PackageFormat, RpmFields};
use ward::facts::Origin;
use ward::feeds::{import, index, matching};

fn shared() -> std::path::PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    assert!(
        p.join("osv").is_dir(),
        "this benchmark reads the project's shared data at {}",
        p.display()
    );
    p
}

fn bench(c: &mut Criterion) {
    let data = shared();
    let dir = tempfile::tempdir().expect("tempdir");
    let start = Instant::now();
    let mut osv = 0;
    for sub in [
        "osv/almalinux",
        "osv/debian-elts",
        "osv/debian-dsa-dla-derived",
        "kev",
        "eol",
    ] {
        let r = import::import(dir.path(), &data.join(sub)).expect("import");
        osv += r.osv;
    }
    let build = start.elapsed();
    let (idx_path, _) = index::paths(dir.path());
    let size = std::fs::metadata(&idx_path).expect("index").len();
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "index: {osv} OSV records + KEV + EOL imported in {build:.2?}, index.sqlite {:.1} MiB",
            size as f64 / (1 << 20) as f64
        );
    }
    let idx = index::Index::open(dir.path())
        .expect("open")
        .expect("index");
    // A realistic host: 3,000 packages. Every AlmaLinux 9 package name the advisories
    // mention (about a thousand), at the newest fixed version they name (patched, but every
    // range is still evaluated), one in twenty of them at an old version (vulnerable); the
    // rest named by no advisory.
    let names = rusqlite_names(&idx_path);
    let rpm = ward::version::for_format(PackageFormat::Rpm);
    let mut packages = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let newest = idx
            .affected("AlmaLinux:9", n)
            .expect("affected")
            .into_iter()
            .flat_map(|h| h.events)
            .filter(|(k, _)| k == "fixed")
            .map(|(_, v)| v)
            .max_by(|a, b| rpm.compare(a, b).unwrap_or(std::cmp::Ordering::Equal))
            .unwrap_or_else(|| "0-0".into());
        let version = if i % 20 == 0 {
            "0-0".to_string()
        } else {
            newest
        };
        packages.push(package(n, &version));
    }
    let mut k = 0;
    while packages.len() < 3000 {
        packages.push(package(&format!("unrelated-package-{k}"), "1.0-1.el9"));
        k += 1;
    }
    let realistic = Inventory {
        format: PackageFormat::Rpm,
        database: "/var/lib/rpm/rpmdb.sqlite".into(),
        packages,
        warnings: Vec::new(),
    };
    // The worst case: every advisory-named package at 0-0, so every advisory matches.
    let inventory = Inventory {
        packages: names.iter().map(|n| package(n, "0-0")).collect(),
        ..realistic.clone()
    };
    let ecos = vec!["AlmaLinux:9".to_string()];
    let m = matching::match_inventory(&idx, &inventory, &ecos).expect("match");
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "inventory: {} packages, {} vulnerable (package, advisory) pairs",
            inventory.packages.len(),
            m.vulnerable.len()
        );
    }
    let r = matching::match_inventory(&idx, &realistic, &ecos).expect("match");
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "realistic: {} packages, {} vulnerable (package, advisory) pairs",
            realistic.packages.len(),
            r.vulnerable.len()
        );
    }
    c.bench_function("realistic_open_index_and_match_3000_packages", |b| {
        b.iter(|| {
            let idx = index::Index::open(dir.path())
                .expect("open")
                .expect("index");
            matching::match_inventory(&idx, &realistic, &ecos)
                .expect("match")
                .vulnerable
                .len()
        })
    });
    c.bench_function("realistic_match_3000_packages", |b| {
        b.iter(|| {
            matching::match_inventory(&idx, &realistic, &ecos)
                .expect("match")
                .vulnerable
                .len()
        })
    });
    c.bench_function("worst_case_match_every_advisory", |b| {
        b.iter(|| {
            matching::match_inventory(&idx, &inventory, &ecos)
                .expect("match")
                .vulnerable
                .len()
        })
    });
}

fn package(name: &str, evr: &str) -> Package {
    let (version, release) = evr.rsplit_once('-').unwrap_or((evr, ""));
    Package {
        name: name.to_string(),
        version: evr.to_string(),
        architecture: "x86_64".into(),
        source_name: name.to_string(),
        source_version: evr.to_string(),
        format: PackageFormat::Rpm,
        status: "installed".into(),
        license: None,
        rpm: Some(RpmFields {
            epoch: None,
            version: version.to_string(),
            release: release.to_string(),
            source_rpm: None,
        }),
        origin: Origin {
            path: "/var/lib/rpm/rpmdb.sqlite".into(),
            line: None,
        },
    }
}

/// Distinct AlmaLinux 9 package names in the index.
fn rusqlite_names(path: &Path) -> Vec<String> {
    let db = rusqlite::Connection::open(path).expect("index");
    let mut q = db
        .prepare("SELECT DISTINCT name FROM affected WHERE ecosystem = 'AlmaLinux:9' ORDER BY name")
        .expect("query");
    let names = q
        .query_map([], |r| r.get::<_, String>(0))
        .expect("names")
        .collect::<Result<Vec<_>, _>>()
        .expect("names");
    names
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
