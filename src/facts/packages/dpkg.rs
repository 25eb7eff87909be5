//! Installed packages from dpkg's status database (`/var/lib/dpkg/status`).
//!
//! Package controls ("is telnetd installed?", "is the audit daemon installed?") and
//! vulnerability matching need the host's installed-package inventory, read from the files
//! rather than by running `dpkg-query`, so that disk images and exported containers can be
//! scanned too. The result matches what
//! `dpkg-query -W -f '${Package} ${Version} ${source:Package} ${source:Version}
//! ${Architecture} ${db:Status-Abbrev}'` prints for the same database.
//!
//! The status file is read with [`HostRoot::read_lossy`]: descriptions and maintainer names
//! of old packages may be Latin-1, which must not make the inventory unknown. It is a
//! deb822 file: stanzas separated by empty lines, `Field: value` lines with case-insensitive
//! field names, and continuation lines starting with a space or tab (only multi-line fields
//! such as `Description` and `Conffiles` use them; they are ignored here, so text inside a
//! description can never pose as a field).
//!
//! From each stanza Ward uses `Package`, `Status`, `Version`, `Architecture` and `Source`.
//! `Status` holds three words, `want flag state`; they become dpkg's `db:Status-Abbrev`:
//! the want letter (`u`nknown, `i`nstall, `h`old, `r` deinstall, `p`urge), the state letter
//! (`n`ot-installed, `c`onfig-files, `H`alf-installed, `U`npacked, `F` half-configured,
//! triggers-a`W`aited, `t`riggers-pending, `i`nstalled) and `R` when the flag is
//! `reinstreq`, with the trailing space dropped (`ii`, `hi`, `iU`, `iHR`). A package is
//! kept when its state leaves files on disk, i.e. anything but `not-installed` and
//! `config-files`; a package being removed (`deinstall ok installed`, `ri`) is still
//! installed. `Source` is `name` or `name (version)`; as with dpkg's `${source:Package}` and
//! `${source:Version}`, a missing source name or version falls back to the binary's own.
//! Versions are kept as written (an explicit `0:` epoch is not dropped).
//!
//! A stanza without `Package`, with a `Status` that is not three known words, or installed
//! without a `Version` is skipped with a `path:line` warning; so is a line that is neither a
//! field nor a continuation (the rest of its stanza is kept). Each package's origin is the
//! first line of its stanza.
//!
//! Distroless images have no status file but one file per package (sometimes several
//! stanzas) in `/var/lib/dpkg/status.d/`, next to `*.md5sums` lists that are not stanzas
//! and are skipped (as are hidden files and subdirectories). Such files are often plain control files without a `Status` field;
//! their presence means the package's files were unpacked, so a missing `Status` there
//! reads as `install ok installed` (in the real status file dpkg would read it as
//! not-installed, so it is skipped with a warning). Both locations are read when both
//! exist. `status.d` names are filtered (hidden files, `*.md5sums`) before the listing limit
//! counts them, more package files than the limit is an error, and a name that is not UTF-8
//! is read under its own bytes (shown with `\xNN` escapes). When neither exists the fact is
//! an error, so package checks report an error
//! instead of passing on an empty inventory; an unreadable status file or `status.d` entry
//! is an error for the same reason.

use std::os::unix::ffi::OsStrExt;

use super::{Inventory, Package, PackageFormat};
use crate::facts::{Fact, Origin};
use crate::host_root::{FileKind, HostRoot};

/// The status database.
const STATUS: &str = "/var/lib/dpkg/status";
/// Per-package status files of distroless images.
const STATUS_D: &str = "/var/lib/dpkg/status.d";

/// The host's dpkg database, if it has one (neither the status file nor `status.d`: `None`).
pub fn collect(root: &HostRoot) -> Option<Fact<Inventory>> {
    let mut out = Inventory {
        format: PackageFormat::Dpkg,
        database: STATUS.to_string(),
        packages: Vec::new(),
        warnings: Vec::new(),
    };
    let mut found = false;
    match root.read_lossy(STATUS) {
        Ok(text) => {
            found = true;
            parse_status(&text, STATUS, false, &mut out);
        }
        Err(e) if e.is_not_found() => {}
        Err(e) => return Some(Fact::from_read_error(&e)),
    }
    // Filter names before the listing limit counts them; names are kept byte-exact so a
    // file whose name is not UTF-8 is read under its own name.
    let listing = root.read_dir_matching(STATUS_D, |name| {
        let b = name.as_bytes();
        !b.starts_with(b".") && !b.ends_with(b".md5sums")
    });
    match listing {
        Ok(entries) => {
            if !found {
                // Distroless: the per-package files are the whole database.
                out.database = STATUS_D.to_string();
                found = true;
            }
            for entry in entries {
                if entry.kind == FileKind::Directory {
                    continue;
                }
                match root.read_lossy(&entry.path) {
                    Ok(text) => parse_status(&text, &entry.display_path(), true, &mut out),
                    // A directory reached through a symlink is not a package file either.
                    Err(crate::host_root::ReadError::NotRegular {
                        kind: FileKind::Directory,
                        ..
                    }) => {}
                    Err(e) => return Some(Fact::from_read_error(&e)),
                }
            }
        }
        Err(e) if e.is_not_found() => {}
        Err(e) => return Some(Fact::from_read_error(&e)),
    }
    found.then_some(Fact::Collected { value: out })
}

/// The fields of one stanza that Ward uses, first occurrence of each.
#[derive(Default)]
struct Stanza<'a> {
    /// Line of the stanza's first field.
    line: usize,
    package: Option<&'a str>,
    status: Option<&'a str>,
    version: Option<&'a str>,
    architecture: Option<&'a str>,
    source: Option<&'a str>,
}

/// Parse a status file (or one `status.d` file) into `out`. `missing_status_installed`
/// makes a stanza without `Status` count as `install ok installed` (distroless files).
fn parse_status(text: &str, path: &str, missing_status_installed: bool, out: &mut Inventory) {
    let mut current: Option<Stanza> = None;
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.is_empty() {
            if let Some(stanza) = current.take() {
                finish(stanza, path, missing_status_installed, out);
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            // Continuation of a multi-line field (or white space between stanzas).
            continue;
        }
        let Some((name, value)) = field(line) else {
            out.warnings.push(format!(
                "{path}:{line_no}: neither a `Field: value` line nor a continuation; ignored"
            ));
            continue;
        };
        let stanza = current.get_or_insert_with(|| Stanza {
            line: line_no,
            ..Stanza::default()
        });
        // Field names are case-insensitive (deb822(5)).
        let is = |field: &str| name.eq_ignore_ascii_case(field);
        let slot = if is("package") {
            &mut stanza.package
        } else if is("status") {
            &mut stanza.status
        } else if is("version") {
            &mut stanza.version
        } else if is("architecture") {
            &mut stanza.architecture
        } else if is("source") {
            &mut stanza.source
        } else {
            continue;
        };
        if slot.is_some() {
            out.warnings.push(format!(
                "{path}:{line_no}: duplicate `{name}` field; the first one is used"
            ));
        } else {
            *slot = Some(value);
        }
    }
    if let Some(stanza) = current.take() {
        finish(stanza, path, missing_status_installed, out);
    }
}

/// A deb822 `Field: value` line (dpkg's control files, apt's package indexes): the field
/// name (no white space, matched case-insensitively by callers) and the trimmed value.
/// `None` for anything else; continuation lines (starting with a space or tab) are the
/// caller's to recognise first.
pub(super) fn field(line: &str) -> Option<(&str, &str)> {
    line.split_once(':')
        .filter(|(name, _)| !name.is_empty() && !name.contains(char::is_whitespace))
        .map(|(name, value)| (name, value.trim()))
}

/// Turn a complete stanza into a package, a warning, or nothing (not installed).
fn finish(stanza: Stanza, path: &str, missing_status_installed: bool, out: &mut Inventory) {
    let at = stanza.line;
    let Some(name) = stanza.package.filter(|p| !p.is_empty()) else {
        out.warnings.push(format!(
            "{path}:{at}: stanza without a `Package` field; skipped"
        ));
        return;
    };
    let status = match stanza.status {
        Some(s) => s,
        None if missing_status_installed => "install ok installed",
        None => {
            out.warnings.push(format!(
                "{path}:{at}: package {name} has no `Status` field; skipped"
            ));
            return;
        }
    };
    let Some((abbrev, state)) = status_abbrev(status) else {
        out.warnings.push(format!(
            "{path}:{at}: package {name} has a bad `Status` ({status:?}); skipped"
        ));
        return;
    };
    if matches!(state, State::NotInstalled | State::ConfigFiles) {
        return;
    }
    let Some(version) = stanza.version.filter(|v| !v.is_empty()) else {
        out.warnings.push(format!(
            "{path}:{at}: package {name} is installed ({abbrev}) but has no `Version`; skipped"
        ));
        return;
    };
    let (source_name, source_version) = source_of(stanza.source, name, version);
    out.packages.push(Package {
        name: name.to_string(),
        version: version.to_string(),
        architecture: stanza.architecture.unwrap_or("").to_string(),
        source_name,
        source_version,
        format: PackageFormat::Dpkg,
        status: abbrev,
        license: None,
        rpm: None,
        origin: Origin::at(path.to_owned(), at),
    });
}

/// dpkg's package states, from the third word of `Status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    NotInstalled,
    ConfigFiles,
    HalfInstalled,
    Unpacked,
    HalfConfigured,
    TriggersAwaited,
    TriggersPending,
    Installed,
}

/// `db:Status-Abbrev` of a `Status` value and its state; `None` when it is malformed.
fn status_abbrev(status: &str) -> Option<(String, State)> {
    let mut words = status.split_whitespace();
    let (want, flag, state) = (words.next()?, words.next()?, words.next()?);
    if words.next().is_some() {
        return None;
    }
    let want = match want {
        "unknown" => 'u',
        "install" => 'i',
        "hold" => 'h',
        "deinstall" => 'r',
        "purge" => 'p',
        _ => return None,
    };
    let error = match flag {
        "ok" => None,
        "reinstreq" => Some('R'),
        _ => return None,
    };
    let (letter, state) = match state {
        "not-installed" => ('n', State::NotInstalled),
        "config-files" => ('c', State::ConfigFiles),
        // `removal-failed` and `post-inst-failed` are old names dpkg still accepts.
        "half-installed" | "removal-failed" => ('H', State::HalfInstalled),
        "unpacked" => ('U', State::Unpacked),
        "half-configured" | "post-inst-failed" => ('F', State::HalfConfigured),
        "triggers-awaited" => ('W', State::TriggersAwaited),
        "triggers-pending" => ('t', State::TriggersPending),
        "installed" => ('i', State::Installed),
        _ => return None,
    };
    let mut abbrev = String::with_capacity(3);
    abbrev.push(want);
    abbrev.push(letter);
    if let Some(e) = error {
        abbrev.push(e);
    }
    Some((abbrev, state))
}

/// Source name and version as dpkg computes `${source:Package}` and `${source:Version}`:
/// the name is the `Source` value up to the first space, the version what stands between
/// `(` and `)`; either falls back to the binary package's own.
fn source_of(source: Option<&str>, name: &str, version: &str) -> (String, String) {
    let source = source.unwrap_or("");
    let src_name = source.split_whitespace().next().unwrap_or("");
    let src_version = source
        .split_once('(')
        .map(|(_, rest)| rest.split(')').next().unwrap_or("").trim())
        .unwrap_or("");
    let pick = |s: &str, fallback: &str| {
        if s.is_empty() {
            fallback.to_string()
        } else {
            s.to_string()
        }
    };
    (pick(src_name, name), pick(src_version, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real data copied into the repository (see its README for source and licence).
    const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/data");

    /// The dpkg database of a root that has one.
    fn collect(root: &HostRoot) -> Fact<Inventory> {
        super::collect(root).expect("the root has a dpkg database")
    }

    /// A host root holding `files` (host path, contents).
    fn host(files: &[(&str, &[u8])]) -> (tempfile::TempDir, HostRoot) {
        let dir = tempfile::tempdir().unwrap();
        for (path, body) in files {
            let real = dir.path().join(path.trim_start_matches('/'));
            std::fs::create_dir_all(real.parent().unwrap()).unwrap();
            std::fs::write(real, body).unwrap();
        }
        let root = HostRoot::new(dir.path()).unwrap();
        (dir, root)
    }

    fn packages(status: &[u8]) -> Inventory {
        let (_d, root) = host(&[(STATUS, status)]);
        match collect(&root) {
            Fact::Collected { value } => value,
            Fact::Error { reason, .. } => panic!("not collected: {reason}"),
        }
    }

    fn find<'a>(p: &'a Inventory, name: &str) -> &'a Package {
        p.packages
            .iter()
            .find(|x| x.name == name)
            .unwrap_or_else(|| panic!("{name} not found in {:?}", p.packages))
    }

    /// Every row of dpkg-query's own output for the real Debian 12 status file.
    #[test]
    fn matches_dpkg_query_on_debian12() {
        let status = std::fs::read(format!("{DATA}/debian12-dpkg-status"))
            .expect("tests/fixtures/data/debian12-dpkg-status is part of the repository");
        let expected = std::fs::read_to_string(format!("{DATA}/debian12-dpkg-status.expected.tsv"))
            .expect(
                "tests/fixtures/data/debian12-dpkg-status.expected.tsv is part of the repository",
            );
        let mut lines = expected.lines();
        assert_eq!(
            lines.next(),
            Some("package\tversion\tsource_package\tsource_version\tarchitecture\tstatus_abbrev")
        );
        let mut want: Vec<Vec<String>> = lines
            .filter(|l| !l.is_empty())
            .map(|l| l.split('\t').map(str::to_string).collect())
            .collect();
        want.sort();
        assert_eq!(want.len(), 764);

        let got = packages(&status);
        assert!(got.warnings.is_empty(), "{:?}", got.warnings);
        assert_eq!(got.format, PackageFormat::Dpkg);
        assert_eq!(got.database, STATUS);
        let mut rows: Vec<Vec<String>> = got
            .packages
            .iter()
            .map(|p| {
                vec![
                    p.name.clone(),
                    p.version.clone(),
                    p.source_name.clone(),
                    p.source_version.clone(),
                    p.architecture.clone(),
                    p.status.clone(),
                ]
            })
            .collect();
        rows.sort();
        assert_eq!(rows.len(), want.len());
        for (g, w) in rows.iter().zip(&want) {
            assert_eq!(g, w);
        }
        // Origins point at each stanza's first line.
        let text = String::from_utf8_lossy(&status);
        let lines: Vec<&str> = text.lines().collect();
        for p in &got.packages {
            let line = p.origin.line.unwrap();
            assert_eq!(lines[line - 1], format!("Package: {}", p.name));
            assert_eq!(p.origin.path, STATUS);
        }
    }

    #[test]
    fn source_fields_and_continuations() {
        let p = packages(
            b"Package: bash\n\
              Status: install ok installed\n\
              Version: 5.2.15-2+b8\n\
              Source: bash (5.2.15-2)\n\
              Architecture: amd64\n\
              Description: GNU Bourne Again SHell\n \
              Version: 9.9-fake\n\tPackage: not-a-package\n \
              .\n\
              \n\
              package: libfoo1\n\
              STATUS: hold ok installed\n\
              version: 1:2.0-1\n\
              source: foo\n\
              architecture: arm64\n\
              \n\
              Package: plain\n\
              Status: install ok installed\n\
              Version: 3.0\n\
              Architecture: all\n",
        );
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(p.packages.len(), 3);
        let bash = find(&p, "bash");
        assert_eq!(bash.version, "5.2.15-2+b8");
        assert_eq!(
            (bash.source_name.as_str(), bash.source_version.as_str()),
            ("bash", "5.2.15-2")
        );
        assert_eq!(bash.architecture, "amd64");
        assert_eq!(bash.status, "ii");
        assert_eq!(bash.origin, Origin::at(STATUS, 1));
        let foo = find(&p, "libfoo1");
        assert_eq!(foo.status, "hi");
        assert_eq!(
            (foo.source_name.as_str(), foo.source_version.as_str()),
            ("foo", "1:2.0-1")
        );
        assert_eq!(foo.origin, Origin::at(STATUS, 11));
        let plain = find(&p, "plain");
        assert_eq!(
            (plain.source_name.as_str(), plain.source_version.as_str()),
            ("plain", "3.0")
        );
    }

    #[test]
    fn latin1_bytes_are_tolerated() {
        let p = packages(
            b"Package: oldpkg\nStatus: install ok installed\nVersion: 1.0\n\
              Maintainer: Jos\xe9 Mu\xf1oz <jose@example.org>\nArchitecture: i386\n\
              Description: caf\xe9\n na\xefve\n",
        );
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(find(&p, "oldpkg").version, "1.0");
    }

    #[test]
    fn states_and_abbreviations() {
        let p = packages(
            b"Package: gone\nStatus: deinstall ok config-files\nVersion: 1\n\n\
              Package: purged\nStatus: purge ok not-installed\n\n\
              Package: removing\nStatus: deinstall ok installed\nVersion: 1\n\n\
              Package: broken\nStatus: install reinstreq half-installed\nVersion: 1\n\n\
              Package: unpacked\nStatus: install ok unpacked\nVersion: 1\n\n\
              Package: halfconf\nStatus: install ok half-configured\nVersion: 1\n\n\
              Package: awaiting\nStatus: install ok triggers-awaited\nVersion: 1\n\n\
              Package: pending\nStatus: install ok triggers-pending\nVersion: 1\n\n\
              Package: unknownwant\nStatus: unknown ok installed\nVersion: 1\n\n\
              Package: purging\nStatus: purge ok half-installed\nVersion: 1\n",
        );
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let got: Vec<(&str, &str)> = p
            .packages
            .iter()
            .map(|x| (x.name.as_str(), x.status.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("removing", "ri"),
                ("broken", "iHR"),
                ("unpacked", "iU"),
                ("halfconf", "iF"),
                ("awaiting", "iW"),
                ("pending", "it"),
                ("unknownwant", "ui"),
                ("purging", "pH"),
            ]
        );
    }

    #[test]
    fn malformed_stanzas_warn_and_are_skipped() {
        let p = packages(
            b"Status: install ok installed\nVersion: 1\n\n\
              Package: nostatus\nVersion: 1\n\n\
              Package: badstatus\nStatus: install fine installed\nVersion: 1\n\n\
              Package: shortstatus\nStatus: install ok\nVersion: 1\n\n\
              Package: noversion\nStatus: install ok installed\n\n\
              junk line here\n\
              Package: good\nStatus: install ok installed\nVersion: 2\n\
              Package: dup\n",
        );
        assert_eq!(p.packages.len(), 1);
        let good = find(&p, "good");
        assert_eq!(good.origin, Origin::at(STATUS, 19));
        let w = &p.warnings;
        let at = |prefix: &str, text: &str| {
            assert!(
                w.iter().any(|x| x.starts_with(prefix) && x.contains(text)),
                "no `{prefix}` … `{text}` in {w:?}"
            )
        };
        at("/var/lib/dpkg/status:1: ", "without a `Package`");
        at("/var/lib/dpkg/status:4: ", "no `Status`");
        at("/var/lib/dpkg/status:7: ", "bad `Status`");
        at("/var/lib/dpkg/status:11: ", "bad `Status`");
        at("/var/lib/dpkg/status:15: ", "no `Version`");
        at("/var/lib/dpkg/status:18: ", "neither");
        at("/var/lib/dpkg/status:22: ", "duplicate `Package`");
        assert_eq!(w.len(), 7, "{w:?}");
    }

    #[test]
    fn missing_database_is_an_error() {
        let (_d, root) = host(&[("/etc/hostname", b"x\n")]);
        assert!(super::collect(&root).is_none());
        // Nor an rpm or apk one: the inventory is an error naming every place looked at.
        match crate::facts::packages::collect(&root) {
            Fact::Error { reason, .. } => {
                assert!(reason.starts_with("no package database found"), "{reason}");
                assert!(reason.contains("/lib/apk/db/installed"), "{reason}");
            }
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn empty_status_file_is_an_empty_inventory() {
        let p = packages(b"");
        assert!(p.packages.is_empty() && p.warnings.is_empty());
    }

    #[test]
    fn distroless_status_d() {
        let (d, root) = host(&[
            (
                "/var/lib/dpkg/status.d/base-files",
                b"Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\n",
            ),
            (
                "/var/lib/dpkg/status.d/base-files.md5sums",
                b"d41d8cd98f00b204e9800998ecf8427e  etc/debian_version\n",
            ),
            (
                "/var/lib/dpkg/status.d/libssl3",
                b"Package: libssl3\nStatus: install ok installed\nVersion: 3.0.11-1~deb12u2\n\
                  Source: openssl\nArchitecture: amd64\n\n\
                  Package: old\nStatus: deinstall ok config-files\nVersion: 1\n",
            ),
        ]);
        std::fs::create_dir(d.path().join("var/lib/dpkg/status.d/subdir")).unwrap();
        let p = match collect(&root) {
            Fact::Collected { value } => value,
            Fact::Error { reason, .. } => panic!("{reason}"),
        };
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(p.database, STATUS_D);
        let names: Vec<&str> = p.packages.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, ["base-files", "libssl3"]);
        let base = find(&p, "base-files");
        assert_eq!(base.status, "ii");
        assert_eq!(
            base.origin,
            Origin::at("/var/lib/dpkg/status.d/base-files", 1)
        );
        let ssl = find(&p, "libssl3");
        assert_eq!(
            (ssl.source_name.as_str(), ssl.source_version.as_str()),
            ("openssl", "3.0.11-1~deb12u2")
        );
    }

    #[test]
    fn status_d_many_md5sums_and_latin1_names() {
        let (d, root) = host(&[(
            "/var/lib/dpkg/status.d/zz-telnetd",
            b"Package: telnetd\nVersion: 0.17+2.4-2\nArchitecture: amd64\n",
        )]);
        let dir = d.path().join("var/lib/dpkg/status.d");
        // 10,000 lists that are not stanzas sort first; the package file after them must
        // still be read (the listing limit counts package files only).
        for i in 0..crate::host_root::MAX_DIR_ENTRIES {
            std::fs::write(dir.join(format!("a{i:05}.md5sums")), "").unwrap();
        }
        // A package file whose name is Latin-1 is read under its own name.
        let name = std::ffi::OsStr::from_bytes(b"caf\xe9");
        std::fs::write(
            dir.join(name),
            "Package: cafe\nVersion: 1\nArchitecture: all\n",
        )
        .unwrap();
        let p = match collect(&root) {
            Fact::Collected { value } => value,
            Fact::Error { reason, .. } => panic!("{reason}"),
        };
        assert_eq!(find(&p, "telnetd").version, "0.17+2.4-2");
        assert_eq!(
            find(&p, "cafe").origin,
            Origin::at("/var/lib/dpkg/status.d/caf\\xe9", 1)
        );
    }

    #[test]
    fn status_and_status_d_together() {
        let (_d, root) = host(&[
            (
                STATUS,
                b"Package: a\nStatus: install ok installed\nVersion: 1\n",
            ),
            ("/var/lib/dpkg/status.d/b", b"Package: b\nVersion: 2\n"),
        ]);
        let p = match collect(&root) {
            Fact::Collected { value } => value,
            Fact::Error { reason, .. } => panic!("{reason}"),
        };
        assert_eq!(p.database, STATUS);
        let names: Vec<&str> = p.packages.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
    }

    #[test]
    fn status_that_is_a_directory_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("var/lib/dpkg/status")).unwrap();
        let root = HostRoot::new(dir.path()).unwrap();
        assert!(matches!(collect(&root), Fact::Error { .. }));
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_arbitrary_input(text in "(?s)[ \t\nA-Za-z:()0-9.+~-]{0,400}") {
            let mut out = Inventory::default();
            parse_status(&text, STATUS, false, &mut out);
            parse_status(&text, STATUS, true, &mut out);
        }
    }

    #[test]
    fn source_parsing_edge_cases() {
        assert_eq!(
            source_of(Some("src (1.0)"), "bin", "2.0"),
            ("src".into(), "1.0".into())
        );
        assert_eq!(
            source_of(Some("src"), "bin", "2.0"),
            ("src".into(), "2.0".into())
        );
        assert_eq!(
            source_of(Some("src ()"), "bin", "2.0"),
            ("src".into(), "2.0".into())
        );
        assert_eq!(
            source_of(Some("src (1:1.0-1"), "bin", "2.0"),
            ("src".into(), "1:1.0-1".into())
        );
        assert_eq!(
            source_of(Some(""), "bin", "2.0"),
            ("bin".into(), "2.0".into())
        );
        assert_eq!(source_of(None, "bin", "2.0"), ("bin".into(), "2.0".into()));
    }
}
