//! Installed packages from Alpine's apk database (`/lib/apk/db/installed`).
//!
//! The file is a sequence of records separated by blank lines; each line is a one-letter
//! field, a colon and a value (apk-tools' "installed database" format): `P` name, `V`
//! version, `A` architecture, `o` origin (the source package, the key of Alpine's
//! advisories), `L` licence. File lists (`F`, `R`, `a`, `Z`, ...) are not kept. A record
//! without a name or version is skipped with a `path:line` warning. Versions compare in
//! apk's order ([`crate::version::Apk`]).

use super::{Inventory, Package, PackageFormat};
use crate::facts::{Fact, Origin};
use crate::host_root::HostRoot;

/// The installed database.
pub const INSTALLED: &str = "/lib/apk/db/installed";

/// The apk database of the host, if it has one.
pub fn collect(root: &HostRoot) -> Option<Fact<Inventory>> {
    match root.read_lossy(INSTALLED) {
        Ok(text) => Some(Fact::Collected {
            value: parse(&text, INSTALLED),
        }),
        Err(e) if e.is_not_found() => None,
        Err(e) => Some(Fact::from_read_error(&e)),
    }
}

#[derive(Default)]
struct Record<'a> {
    line: usize,
    name: Option<&'a str>,
    version: Option<&'a str>,
    arch: Option<&'a str>,
    origin: Option<&'a str>,
    license: Option<&'a str>,
}

/// Parse an installed database.
pub fn parse(text: &str, path: &str) -> Inventory {
    let mut out = Inventory {
        format: PackageFormat::Apk,
        database: path.to_string(),
        packages: Vec::new(),
        warnings: Vec::new(),
    };
    let mut current: Option<Record> = None;
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() {
            if let Some(r) = current.take() {
                finish(r, path, &mut out);
            }
            continue;
        }
        let r = current.get_or_insert_with(|| Record {
            line: i + 1,
            ..Record::default()
        });
        let Some((field, value)) = line.split_once(':').filter(|(f, _)| f.len() == 1) else {
            out.warnings
                .push(format!("{path}:{}: not a `X:value` line; ignored", i + 1));
            continue;
        };
        let slot = match field {
            "P" => &mut r.name,
            "V" => &mut r.version,
            "A" => &mut r.arch,
            "o" => &mut r.origin,
            "L" => &mut r.license,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(value);
        }
    }
    if let Some(r) = current.take() {
        finish(r, path, &mut out);
    }
    out
}

fn finish(r: Record, path: &str, out: &mut Inventory) {
    let (Some(name), Some(version)) = (
        r.name.filter(|n| !n.is_empty()),
        r.version.filter(|v| !v.is_empty()),
    ) else {
        out.warnings.push(format!(
            "{path}:{}: record without a package name (P:) or version (V:); skipped",
            r.line
        ));
        return;
    };
    let origin = r.origin.filter(|o| !o.is_empty()).unwrap_or(name);
    out.packages.push(Package {
        name: name.to_string(),
        version: version.to_string(),
        architecture: r.arch.unwrap_or("").to_string(),
        source_name: origin.to_string(),
        source_version: version.to_string(),
        format: PackageFormat::Apk,
        status: "installed".into(),
        license: r.license.map(str::to_string),
        rpm: None,
        origin: Origin::at(path.to_string(), r.line),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_without_name_or_version_are_warnings() {
        let inv = parse("P:a\nV:1.0-r0\no:src\n\nV:2\n\nP:b\nV:1-r0\n", "/x");
        let names: Vec<_> = inv
            .packages
            .iter()
            .map(|p| (&p.name, &p.source_name))
            .collect();
        assert_eq!(names.len(), 2);
        assert_eq!(names[0], (&"a".to_string(), &"src".to_string()));
        assert_eq!(names[1], (&"b".to_string(), &"b".to_string()));
        assert_eq!(inv.warnings.len(), 1);
        assert!(inv.warnings[0].starts_with("/x:5:"), "{:?}", inv.warnings);
    }
}
