//! Installed packages against advisories: which packages have a known vulnerability, with
//! the fixed version when there is one, and which of its CVEs CISA lists as exploited.
//!
//! Each distribution is matched the way its advisories are written: Debian and Ubuntu by
//! source package and source version, AlmaLinux and Rocky Linux by binary package and its
//! epoch-version-release, Alpine by origin. Versions compare in the package manager's own
//! order ([`crate::version`]), so a backported fix (a higher distribution revision of an
//! old upstream version) counts as fixed. Range events are evaluated as the OSV
//! specification says: sorted, `introduced` opens an affected interval, `fixed` and
//! `limit` close it at the version, `last_affected` after it.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde::Serialize;

use super::index::AdvisoryInfo;
use super::kev::KevEntry;
use super::knowledge::Lookup;
use super::FeedError;
use crate::facts::os_release::OsRelease;
use crate::facts::packages::{Inventory, Package, PackageFormat};
use crate::version::{self, Scheme};

/// The OSV ecosystem names of a host's release, most specific first; empty when Ward does
/// not know the distribution's advisories. A name ending in `*` stands for every indexed
/// ecosystem with that prefix: Red Hat publishes one ecosystem per product stream
/// (`Red Hat:enterprise_linux:9::baseos`, `…::appstream`, `…::crb`), and a RHEL (or Oracle
/// Linux) host may have packages from any of them.
pub fn ecosystems(os: &OsRelease) -> Vec<String> {
    let id = os.id.as_deref().unwrap_or("");
    let version = os.version_id.as_deref().unwrap_or("");
    let major = version.split('.').next().unwrap_or("");
    if major.is_empty() {
        return Vec::new();
    }
    match id {
        "debian" => vec![format!("Debian:{major}")],
        "ubuntu" => vec![format!("Ubuntu:{version}:LTS"), format!("Ubuntu:{version}")],
        "almalinux" => vec![format!("AlmaLinux:{major}")],
        "rocky" => vec![format!("Rocky Linux:{major}")],
        // Oracle Linux is rebuilt from RHEL's sources and publishes no OSV advisories of its
        // own: it is judged with Red Hat's, whose fixed versions are RHEL's NEVRAs.
        "rhel" | "ol" => vec![format!("Red Hat:enterprise_linux:{major}::*")],
        "alpine" => {
            let minor = version.split('.').nth(1).unwrap_or("0");
            vec![format!("Alpine:v{major}.{minor}")]
        }
        _ => Vec::new(),
    }
}

/// One vulnerable package.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Vulnerable {
    pub package: String,
    /// The name advisories use for it (the source package for Debian, Ubuntu and Alpine).
    pub matched_as: String,
    pub installed: String,
    pub advisory: String,
    /// The first fixed version above the installed one; none when no fix is published.
    pub fixed: Option<String>,
    pub published: String,
    pub summary: String,
    pub severity: Option<String>,
    pub cves: Vec<String>,
    /// KEV entries of the advisory's CVEs.
    pub kev: Vec<KevEntry>,
    /// Where the package database records the package.
    pub origin: crate::facts::Origin,
}

/// A package an advisory names whose versions could not be compared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Uncertain {
    pub package: String,
    pub advisory: String,
    pub reason: String,
}

/// The result of matching one inventory.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Matches {
    pub ecosystem: String,
    pub vulnerable: Vec<Vulnerable>,
    pub uncertain: Vec<Uncertain>,
}

/// The name of a package's source RPM (`openssl-3.0.7-27.el9.src.rpm` → `openssl`).
fn source_rpm_name(p: &Package) -> Option<&str> {
    let srpm = p.rpm.as_ref()?.source_rpm.as_deref()?;
    let stem = srpm
        .strip_suffix(".src.rpm")
        .or_else(|| srpm.strip_suffix(".nosrc.rpm"))?;
    // NAME-VERSION-RELEASE: the name is everything before the last two dashes.
    let (nv, _release) = stem.rsplit_once('-')?;
    let (name, _version) = nv.rsplit_once('-')?;
    Some(name)
}

/// The name and version advisories of this format use for a package.
fn key(p: &Package) -> (&str, &str) {
    match p.format {
        PackageFormat::Dpkg => (&p.source_name, &p.source_version),
        PackageFormat::Rpm => (&p.name, &p.version),
        PackageFormat::Apk => (&p.source_name, &p.version),
    }
}

/// Whether `v` lies in the ranges described by `events`; the fixed version that ends its
/// interval, if any.
pub fn affected(
    scheme: &dyn Scheme,
    v: &str,
    events: &[(String, String)],
) -> Result<(bool, Option<String>), version::VersionError> {
    let mut sorted: Vec<&(String, String)> = events.iter().collect();
    // "0" (introduced at the beginning) sorts first; a comparison error ends matching.
    let mut err = None;
    sorted.sort_by(|a, b| match (a.1.as_str(), b.1.as_str()) {
        ("0", "0") => Ordering::Equal,
        ("0", _) => Ordering::Less,
        (_, "0") => Ordering::Greater,
        (x, y) => scheme.compare(x, y).unwrap_or_else(|e| {
            err.get_or_insert(e);
            Ordering::Equal
        }),
    });
    if let Some(e) = err {
        return Err(e);
    }
    let mut inside = false;
    let mut fixed = None;
    for (kind, ver) in sorted {
        // Where the installed version stands against this event's version ("0" is below
        // everything).
        let here = if ver == "0" {
            Ordering::Greater
        } else {
            scheme.compare(v, ver)?
        };
        match (kind.as_str(), here) {
            ("introduced", Ordering::Greater | Ordering::Equal) => {
                inside = true;
                fixed = None;
            }
            ("fixed" | "limit", Ordering::Greater | Ordering::Equal) => inside = false,
            ("fixed", Ordering::Less) if inside && fixed.is_none() => fixed = Some(ver.clone()),
            ("last_affected", Ordering::Greater) => inside = false,
            _ => {}
        }
    }
    Ok((inside, if inside { fixed } else { None }))
}

/// Match an inventory against the index for the given ecosystems (every one is consulted;
/// an advisory found in several counts once per package). Red Hat ecosystems name binary
/// or source RPMs, so on them a package is also looked up by its source RPM's name.
pub fn match_inventory(
    index: &impl Lookup,
    inventory: &Inventory,
    ecosystems: &[String],
) -> Result<Matches, FeedError> {
    let scheme = version::for_format(inventory.format);
    let mut out = Matches {
        ecosystem: ecosystems.first().cloned().unwrap_or_default(),
        ..Matches::default()
    };
    // Many packages share an advisory (a library's sub-packages) and advisories share
    // CVEs: each is looked up once per run.
    let mut advisories: HashMap<String, Option<AdvisoryInfo>> = HashMap::new();
    let mut kev_entries: HashMap<String, Option<KevEntry>> = HashMap::new();
    for p in &inventory.packages {
        let (name, installed) = key(p);
        let mut hits = Vec::new();
        for eco in ecosystems {
            hits.extend(index.affected(eco, name)?);
            if eco.starts_with("Red Hat:") {
                if let Some(src) = source_rpm_name(p).filter(|s| *s != name) {
                    hits.extend(index.affected(eco, src)?);
                }
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        for hit in hits {
            let listed = hit.versions.iter().any(|v| v == installed);
            let verdict = affected(scheme, installed, &hit.events);
            let (is_affected, fixed) = match verdict {
                Ok(r) => r,
                Err(e) => {
                    out.uncertain.push(Uncertain {
                        package: p.name.clone(),
                        advisory: hit.advisory.clone(),
                        reason: e.to_string(),
                    });
                    continue;
                }
            };
            if !(is_affected || listed) || !seen.insert(hit.advisory.clone()) {
                continue;
            }
            let info = match advisories.get(&hit.advisory) {
                Some(info) => info.clone(),
                None => {
                    let info = index.advisory(&hit.advisory)?;
                    advisories.insert(hit.advisory.clone(), info.clone());
                    info
                }
            };
            let Some(info) = info else {
                continue;
            };
            let mut kev = Vec::new();
            for cve in &info.cves {
                let entry = match kev_entries.get(cve) {
                    Some(e) => e.clone(),
                    None => {
                        let e = index.kev(cve)?;
                        kev_entries.insert(cve.clone(), e.clone());
                        e
                    }
                };
                kev.extend(entry);
            }
            out.vulnerable.push(Vulnerable {
                package: p.name.clone(),
                matched_as: name.to_string(),
                installed: installed.to_string(),
                advisory: info.id,
                fixed,
                published: info.published,
                summary: info.summary,
                severity: info.severity,
                cves: info.cves,
                kev,
                origin: p.origin.clone(),
            });
        }
    }
    Ok(out)
}

/// The endoflife.date products of the operating systems [`os_product`] knows.
pub const OS_PRODUCTS: [&str; 9] = [
    "debian",
    "ubuntu",
    "almalinux",
    "rocky-linux",
    "rhel",
    "oracle-linux",
    "centos",
    "fedora",
    "alpine-linux",
];

/// The endoflife.date product and cycle of a host's operating system.
pub fn os_product(os: &OsRelease) -> Option<(String, String)> {
    let id = os.id.as_deref()?;
    let version = os.version_id.as_deref()?;
    let major = version.split('.').next()?.to_string();
    let minor2 = version.split('.').take(2).collect::<Vec<_>>().join(".");
    Some(match id {
        "debian" => ("debian".into(), major),
        "ubuntu" => ("ubuntu".into(), version.to_string()),
        "almalinux" => ("almalinux".into(), major),
        "rocky" => ("rocky-linux".into(), major),
        "rhel" => ("rhel".into(), major),
        "ol" => ("oracle-linux".into(), major),
        "centos" => ("centos".into(), major),
        "fedora" => ("fedora".into(), major),
        "alpine" => ("alpine-linux".into(), minor2),
        _ => return None,
    })
}

/// The upstream part of a package's version (no epoch, no distribution revision).
fn upstream(p: &Package) -> &str {
    let v = p
        .rpm
        .as_ref()
        .map(|r| r.version.as_str())
        .unwrap_or(&p.version);
    let v = v.split_once(':').map(|(_, rest)| rest).unwrap_or(v);
    match p.format {
        PackageFormat::Rpm => v,
        PackageFormat::Dpkg => v.rsplit_once('-').map(|(u, _)| u).unwrap_or(v),
        PackageFormat::Apk => v.split_once("-r").map(|(u, _)| u).unwrap_or(v),
    }
}

/// End-of-life state of the operating system and of the mapped software, as of `today`
/// (`YYYY-MM-DD`). A release or cycle the data does not have is listed with `known: false`
/// (old data, or a release newer than it): its support is unknown, not assumed.
pub fn end_of_life(
    index: &impl Lookup,
    os: &OsRelease,
    inventory: Option<&Inventory>,
    map: &[super::eol::ProductMap],
    today: &str,
) -> Result<Vec<super::eol::EolStatus>, FeedError> {
    use super::eol::{cycle_of, ended, EolStatus};
    let mut out = Vec::new();
    if let Some((product, cycle)) = os_product(os) {
        let eol = index.eol_cycle(&product, &cycle)?;
        out.push(EolStatus {
            subject: "operating system".into(),
            ended: eol.as_deref().is_some_and(|e| ended(e, today)),
            known: eol.is_some(),
            product,
            cycle,
            eol: eol.unwrap_or_default(),
            origin: None,
        });
    }
    let mut seen = std::collections::BTreeSet::new();
    let compiled: Vec<_> = map.iter().map(|m| (m, m.patterns())).collect();
    for p in inventory.map(|i| i.packages.as_slice()).unwrap_or_default() {
        let Some((m, _)) = compiled
            .iter()
            .find(|(_, pats)| pats.iter().any(|pat| pat.matches(&p.name)))
        else {
            continue;
        };
        let Some(cycle) = cycle_of(upstream(p), m.cycle) else {
            // A version whose cycle cannot be read: its support is unknown.
            if seen.insert((m.product.clone(), String::new(), p.name.clone())) {
                out.push(EolStatus {
                    subject: p.name.clone(),
                    product: m.product.clone(),
                    cycle: upstream(p).to_string(),
                    eol: String::new(),
                    ended: false,
                    known: false,
                    origin: Some(p.origin.clone()),
                });
            }
            continue;
        };
        if !seen.insert((m.product.clone(), cycle.clone(), p.name.clone())) {
            continue;
        }
        let eol = index.eol_cycle(&m.product, &cycle)?;
        out.push(EolStatus {
            subject: p.name.clone(),
            ended: eol.as_deref().is_some_and(|e| ended(e, today)),
            known: eol.is_some(),
            product: m.product.clone(),
            cycle,
            eol: eol.unwrap_or_default(),
            origin: Some(p.origin.clone()),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn ranges_follow_the_osv_rules_in_the_distribution_order() {
        let d = &version::Dpkg;
        let r = ev(&[("introduced", "0"), ("fixed", "1.1.1n-0+deb11u4")]);
        assert_eq!(
            affected(d, "1.1.1n-0+deb11u3", &r).unwrap(),
            (true, Some("1.1.1n-0+deb11u4".into()))
        );
        // The backported fix: a later revision of the same upstream version.
        assert_eq!(affected(d, "1.1.1n-0+deb11u5", &r).unwrap(), (false, None));
        assert_eq!(affected(d, "1.1.1n-0+deb11u4", &r).unwrap(), (false, None));
        // Two intervals, unsorted.
        let two = ev(&[
            ("fixed", "2.5"),
            ("introduced", "2.0"),
            ("introduced", "1.0"),
            ("fixed", "1.5"),
        ]);
        assert_eq!(
            affected(d, "1.2", &two).unwrap(),
            (true, Some("1.5".into()))
        );
        assert_eq!(affected(d, "1.7", &two).unwrap(), (false, None));
        assert_eq!(
            affected(d, "2.1", &two).unwrap(),
            (true, Some("2.5".into()))
        );
        // last_affected includes its version; no fixed version then.
        let last = ev(&[("introduced", "0"), ("last_affected", "3.0")]);
        assert_eq!(affected(d, "3.0", &last).unwrap(), (true, None));
        assert_eq!(affected(d, "3.1", &last).unwrap(), (false, None));
        // An unreadable version is an error, not "not affected".
        assert!(affected(d, "1.0-", &r).is_err());
    }

    #[test]
    fn ecosystems_from_os_release() {
        let os = |id: &str, v: &str| OsRelease {
            id: Some(id.into()),
            version_id: Some(v.into()),
            ..OsRelease::default()
        };
        assert_eq!(ecosystems(&os("almalinux", "9.3")), ["AlmaLinux:9"]);
        assert_eq!(ecosystems(&os("debian", "12")), ["Debian:12"]);
        assert_eq!(ecosystems(&os("alpine", "3.18.4")), ["Alpine:v3.18"]);
        assert_eq!(ecosystems(&os("rocky", "8.9")), ["Rocky Linux:8"]);
        assert!(ecosystems(&os("plan9", "4")).is_empty());
        assert_eq!(
            ecosystems(&os("rhel", "9.4")),
            ["Red Hat:enterprise_linux:9::*"]
        );
        assert_eq!(
            ecosystems(&os("ol", "8.10")),
            ["Red Hat:enterprise_linux:8::*"]
        );
    }
}
