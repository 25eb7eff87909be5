//! Package inventories from real databases (`tests/fixtures/data/`, see its README): the
//! AlmaLinux rpm databases (SQLite, and big-endian Berkeley DB) and the Alpine apk database
//! must parse to exactly what `rpm -qa --qf` and `apk info` printed for them.

use std::path::Path;

use ward::facts::packages::{self, Inventory, Package, PackageFormat};
use ward::facts::Fact;
use ward::host_root::HostRoot;

fn data(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/data")
        .join(rel)
}

/// A root holding one file at `host_path`, copied from `fixture`.
fn root_with(fixture: &str, host_path: &str) -> (tempfile::TempDir, HostRoot) {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join(host_path.trim_start_matches('/'));
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    std::fs::copy(data(fixture), &dest).unwrap();
    let root = HostRoot::new(dir.path()).unwrap();
    (dir, root)
}

fn collected(root: &HostRoot) -> Inventory {
    match packages::collect(root) {
        Fact::Collected { value } => value,
        Fact::Error { reason, .. } => panic!("inventory error: {reason}"),
    }
}

/// Expected rows (header dropped), sorted.
fn expected(rel: &str) -> Vec<String> {
    let text = std::fs::read_to_string(data(rel)).unwrap();
    let mut rows: Vec<String> = text.lines().skip(1).map(str::to_string).collect();
    rows.sort();
    rows
}

/// A package as `rpm -qa --qf '%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\n'`
/// prints it.
fn rpm_row(p: &Package) -> String {
    let none = |s: Option<String>| s.unwrap_or_else(|| "(none)".into());
    let r = p.rpm.as_ref().expect("rpm fields");
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}",
        p.name,
        none(r.epoch.map(|e| e.to_string())),
        r.version,
        r.release,
        none(Some(p.architecture.clone()).filter(|a| !a.is_empty())),
        none(r.source_rpm.clone()),
    )
}

/// Every package's [`rpm_row`], sorted.
fn rpm_rows(inv: &Inventory) -> Vec<String> {
    let mut rows: Vec<String> = inv.packages.iter().map(rpm_row).collect();
    rows.sort();
    rows
}

#[test]
fn rpm_sqlite_database_matches_rpm() {
    for dir in ["/usr/lib/sysimage/rpm", "/var/lib/rpm"] {
        let (_d, root) = root_with(
            "almalinux-9.3-micro-aarch64/rpmdb.sqlite",
            &format!("{dir}/rpmdb.sqlite"),
        );
        let inv = collected(&root);
        assert_eq!(inv.format, PackageFormat::Rpm);
        assert_eq!(inv.database, format!("{dir}/rpmdb.sqlite"));
        assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
        assert_eq!(
            rpm_rows(&inv),
            expected("almalinux-9.3-micro-aarch64/expected-packages.tsv")
        );
        // Opened immutable and read-only: no journal, WAL or lock file appears in the root.
        let beside: Vec<_> = std::fs::read_dir(_d.path().join(dir.trim_start_matches('/')))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(beside, ["rpmdb.sqlite"]);
        let glibc = inv.packages.iter().find(|p| p.name == "glibc").unwrap();
        assert_eq!(glibc.source_name, "glibc");
        assert!(glibc.version.starts_with("2.34-"), "{}", glibc.version);
    }
}

#[test]
fn rpm_big_endian_berkeley_db_matches_rpm() {
    let (_d, root) = root_with(
        "almalinux-8.9-micro-s390x/Packages",
        "/var/lib/rpm/Packages",
    );
    let inv = collected(&root);
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
    assert_eq!(
        rpm_rows(&inv),
        expected("almalinux-8.9-micro-s390x/expected-packages.tsv")
    );
}

#[test]
fn apk_database_matches_apk() {
    let (_d, root) = root_with("alpine-3.18/lib-apk-db-installed", "/lib/apk/db/installed");
    let inv = collected(&root);
    assert_eq!(inv.format, PackageFormat::Apk);
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
    let mut rows: Vec<String> = inv
        .packages
        .iter()
        .map(|p| {
            format!(
                "{}\t{}\t{}\t{}\t{}",
                p.name,
                p.version,
                p.architecture,
                p.source_name,
                p.license.clone().unwrap_or_default()
            )
        })
        .collect();
    rows.sort();
    assert_eq!(rows, expected("alpine-3.18/expected-packages.tsv"));
}

/// Truncated and corrupted databases are `error` facts (or warnings per record), never a
/// panic and never an empty inventory that would pass.
#[test]
fn corrupt_databases_are_errors() {
    // Berkeley DB cut in half: the metadata names pages that are not there.
    let bytes = std::fs::read(data("almalinux-8.9-micro-s390x/Packages")).unwrap();
    for cut in [0, 100, 4096, bytes.len() / 2] {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("var/lib/rpm/Packages");
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, &bytes[..cut]).unwrap();
        let root = HostRoot::new(dir.path()).unwrap();
        match packages::collect(&root) {
            Fact::Error { reason, .. } => {
                assert!(reason.contains("/var/lib/rpm/Packages"), "{reason}")
            }
            Fact::Collected { value } => {
                panic!("cut at {cut}: collected {} packages", value.packages.len())
            }
        }
    }
    // Every overflow page scrambled: each header fails alone, with a warning, or the
    // database is an error; nothing panics.
    let mut scrambled = bytes.clone();
    let page = 4096.max(u32::from_be_bytes(bytes[20..24].try_into().unwrap()) as usize);
    for chunk in scrambled.chunks_mut(page).skip(1) {
        if chunk.len() > 200 {
            chunk[120] ^= 0xff;
            chunk[160] ^= 0x55;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("var/lib/rpm/Packages");
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, &scrambled).unwrap();
    let _ = packages::collect(&HostRoot::new(dir.path()).unwrap());
    // SQLite file that is not a database.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("usr/lib/sysimage/rpm/rpmdb.sqlite");
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, b"SQLite format 3\0 but not really").unwrap();
    match packages::collect(&HostRoot::new(dir.path()).unwrap()) {
        Fact::Error { reason, .. } => assert!(reason.contains("rpmdb.sqlite"), "{reason}"),
        Fact::Collected { .. } => panic!("a broken rpmdb.sqlite was collected"),
    }
}

/// SUSE's NDB `Packages.db` (SLE 15 BCI): the list go-rpmdb's authors took from rpm.
#[test]
fn rpm_ndb_database_matches_rpm() {
    let (_d, root) = root_with("sle15-bci/Packages.db", "/usr/lib/sysimage/rpm/Packages.db");
    let inv = collected(&root);
    assert!(inv.warnings.is_empty(), "{:?}", inv.warnings);
    let mut by_name: Vec<String> = inv
        .packages
        .iter()
        .map(|p| format!("{}\t{}", rpm_row(p), p.license.clone().unwrap_or_default()))
        .collect();
    by_name.sort();
    assert_eq!(by_name, expected("sle15-bci/expected-packages.tsv"));
}

/// A little-endian Berkeley DB (RHEL 8 x86_64, one package).
#[test]
fn rpm_little_endian_berkeley_db() {
    let (_d, root) = root_with("libuuid-el8/Packages", "/var/lib/rpm/Packages");
    let inv = collected(&root);
    assert_eq!(
        rpm_rows(&inv),
        ["libuuid\t(none)\t2.32.1\t42.el8_8\tx86_64\tutil-linux-2.32.1-42.el8_8.src.rpm"]
    );
    let p = &inv.packages[0];
    assert_eq!(
        (p.source_name.as_str(), p.source_version.as_str()),
        ("util-linux", "2.32.1-42.el8_8")
    );
}

/// Differential: the installed `rpm` (Debian's rpm 4.18, SQLite and read-only Berkeley DB
/// backends) lists every fixture database exactly as Ward reads it. When rpm is absent the
/// test says it did not run, and fails when `CI=true` (CI installs rpm).
#[test]
fn rpm_binary_agrees_on_every_fixture_database() {
    if !Path::new("/usr/bin/rpm").exists() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but /usr/bin/rpm is absent: the rpm differential test did not run"
        );
        #[allow(clippy::print_stderr)]
        {
            eprintln!("rpm differential test NOT RUN: /usr/bin/rpm is absent");
        }
        return;
    }
    for (fixture, file, backend) in [
        (
            "almalinux-9.3-micro-aarch64/rpmdb.sqlite",
            "rpmdb.sqlite",
            "sqlite",
        ),
        ("almalinux-8.9-micro-s390x/Packages", "Packages", "bdb_ro"),
        ("libuuid-el8/Packages", "Packages", "bdb_ro"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(data(fixture), dir.path().join(file)).unwrap();
        let out = std::process::Command::new("/usr/bin/rpm")
            .arg("--dbpath")
            .arg(dir.path())
            .args(["--define", &format!("_db_backend {backend}")])
            .args([
                "-qa",
                "--qf",
                "%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\n",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut theirs: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        theirs.sort();
        let (_d, root) = root_with(fixture, &format!("/var/lib/rpm/{file}"));
        assert_eq!(rpm_rows(&collected(&root)), theirs, "{fixture}");
    }
}
