//! Software risk (`vulnerabilities`, `end_of_life`, `pending_updates`, `package_metadata`
//! probes), read from the evaluation's software section ([`crate::feeds::assess`]). Every
//! reason the section could not judge something (no advisories for the release, a release
//! missing from the end-of-life data, no package indexes) is an `error` here, never `pass`.

use std::collections::BTreeMap;

use crate::catalogue::test::{
    EndOfLifeTest, EolSubject, PackageMetadataTest, PendingUpdatesTest, VulnerabilitiesTest,
};
use crate::eval::{Evidence, EvidenceSource, FindingItem, Inputs, Outcome, Verdict};
use crate::feeds::assess::{severity_rank, FeedStatus, Software};

/// The section, or the error verdict saying it is missing.
fn section<'a>(inputs: &Inputs<'a>) -> Result<&'a Software, Verdict> {
    inputs.software.ok_or_else(|| {
        Verdict::error(
            EvidenceSource::collector("feed data"),
            "the installed software was not assessed against feed data in this evaluation",
            false,
        )
    })
}

fn feed_source(kind: &str, sw: &Software) -> EvidenceSource {
    let names: Vec<String> = sw
        .feeds
        .iter()
        .filter(|f| f.kind == kind)
        .map(describe_feed)
        .collect();
    let what = match kind {
        "osv" => "OSV advisories",
        "kev" => "CISA KEV catalogue",
        _ => "endoflife.date data",
    };
    if names.is_empty() {
        EvidenceSource::derived(what)
    } else {
        EvidenceSource::derived(format!("{what}: {}", names.join("; ")))
    }
}

fn describe_feed(f: &FeedStatus) -> String {
    let date = f.date.get(..10).unwrap_or(&f.date);
    let mut s = format!(
        "{} dated {}",
        if f.embedded {
            "Ward's embedded snapshot"
        } else {
            &f.source
        },
        if date.is_empty() { "unknown" } else { date }
    );
    if f.stale {
        s.push_str(" (STALE)");
    }
    s
}

fn failing(
    reason: String,
    source: EvidenceSource,
    items: Vec<FindingItem>,
    expected: &str,
) -> Verdict {
    let observed = items
        .iter()
        .take(10)
        .map(|i| i.subject.clone())
        .collect::<Vec<_>>()
        .join(", ");
    let more = if items.len() > 10 {
        format!(" and {} more", items.len() - 10)
    } else {
        String::new()
    };
    Verdict::fail(
        reason,
        vec![Evidence::new(source, observed + &more, expected)],
    )
    .with_items(items)
}

/// Where a package manager's indexes are.
fn index_source(manager: &str) -> EvidenceSource {
    match manager {
        "dnf" => EvidenceSource::search("/var/cache/dnf/*/repodata, /var/cache/libdnf5/*/repodata"),
        _ => EvidenceSource::search("/var/lib/apt/lists"),
    }
}

/// A verdict with more evidence after its own.
fn with_evidence(mut v: Verdict, more: Vec<Evidence>) -> Verdict {
    v.evidence.extend(more);
    v
}

fn resolved<T>(v: Option<Result<T, String>>) -> Result<Option<T>, Verdict> {
    v.transpose()
        .map_err(|e| Verdict::error(EvidenceSource::catalogue(), e, false))
}

pub(super) fn vulnerabilities(t: &VulnerabilitiesTest, inputs: &Inputs) -> Verdict {
    let sw = match section(inputs) {
        Ok(s) => s,
        Err(v) => return v,
    };
    let source = feed_source("osv", sw);
    if let Some(e) = &sw.vulnerabilities_error {
        return Verdict::error(source, e.clone(), false);
    }
    let min = match resolved(
        t.min_severity
            .as_ref()
            .map(|w| w.value().map(str::to_string)),
    ) {
        Ok(m) => m,
        Err(v) => return v,
    };
    let older = match resolved(t.older_than_days.as_ref().map(|n| n.value())) {
        Ok(o) => o,
        Err(v) => return v,
    };
    let mut filters = Vec::new();
    if t.kev_only {
        filters.push("with a CVE in CISA's KEV catalogue".to_string());
    }
    if t.fixed_only {
        filters.push("with a fix published".to_string());
    }
    if let Some(m) = &min {
        filters.push(format!("of severity {m} or higher (or unrated)"));
    }
    if let Some(d) = older {
        filters.push(format!("published {d} or more days ago"));
    }
    let counted: Vec<_> = sw
        .vulnerable
        .iter()
        .filter(|v| !t.kev_only || !v.kev.is_empty())
        .filter(|v| !t.fixed_only || v.fixed.is_some())
        .filter(|v| {
            min.as_deref().is_none_or(|m| {
                severity_rank(&v.severity) <= severity_rank(m) || v.severity == "unknown"
            })
        })
        // An advisory of unknown date may be old: it counts.
        .filter(|v| older.is_none_or(|d| v.days_outstanding.is_none_or(|x| x >= d)))
        .collect();
    let what = if filters.is_empty() {
        "no installed package with a known vulnerability".to_string()
    } else {
        format!(
            "no installed package with a known vulnerability {}",
            filters.join(", ")
        )
    };
    let eco = sw.ecosystem.clone().unwrap_or_default();
    if !counted.is_empty() {
        let items: Vec<FindingItem> = counted
            .iter()
            .map(|v| {
                let mut fields = BTreeMap::new();
                fields.insert("package".into(), v.package.clone());
                fields.insert("installed".into(), v.installed.clone());
                fields.insert(
                    "fixed".into(),
                    v.fixed.clone().unwrap_or_else(|| "no fix published".into()),
                );
                fields.insert("advisory".into(), v.advisory.clone());
                fields.insert("cves".into(), v.cves.join(" "));
                fields.insert("severity".into(), v.severity.clone());
                fields.insert("published".into(), v.published.clone());
                if let Some(d) = v.days_outstanding {
                    fields.insert("days_outstanding".into(), d.to_string());
                }
                if !v.kev.is_empty() {
                    fields.insert(
                        "kev".into(),
                        v.kev
                            .iter()
                            .map(|k| k.cve.as_str())
                            .collect::<Vec<_>>()
                            .join(" "),
                    );
                    fields.insert(
                        "kev_due".into(),
                        v.kev
                            .iter()
                            .map(|k| k.due_date.as_str())
                            .min()
                            .unwrap_or("")
                            .into(),
                    );
                    fields.insert(
                        "ransomware".into(),
                        if v.kev.iter().any(|k| k.ransomware) {
                            "known"
                        } else {
                            "unknown"
                        }
                        .into(),
                    );
                }
                FindingItem {
                    subject: format!("{} {} ({})", v.package, v.installed, v.advisory),
                    outcome: Outcome::Fail,
                    fields,
                }
            })
            .collect();
        let packages: std::collections::BTreeSet<&str> =
            counted.iter().map(|v| v.package.as_str()).collect();
        let installed: Vec<Evidence> = counted
            .iter()
            .take(10)
            .map(|v| {
                Evidence::new(
                    EvidenceSource::origin(&v.origin),
                    format!("{} {} installed ({})", v.package, v.installed, v.advisory),
                    match &v.fixed {
                        Some(f) => format!("{f} or later"),
                        None => "a fixed version (none published yet)".to_string(),
                    },
                )
            })
            .collect();
        return with_evidence(
            failing(
                format!(
                    "{} advisor{} of {eco} match {} installed package{}",
                    counted.len(),
                    if counted.len() == 1 { "y" } else { "ies" },
                    packages.len(),
                    if packages.len() == 1 { "" } else { "s" }
                ),
                source,
                items,
                &what,
            ),
            installed,
        );
    }
    if !sw.uncertain.is_empty() {
        let list: Vec<String> = sw
            .uncertain
            .iter()
            .take(5)
            .map(|u| format!("{} ({}): {}", u.package, u.advisory, u.reason))
            .collect();
        return Verdict::error(
            source,
            format!(
                "{} advisor{} could not be compared with the installed version: {}",
                sw.uncertain.len(),
                if sw.uncertain.len() == 1 { "y" } else { "ies" },
                list.join("; ")
            ),
            false,
        );
    }
    Verdict::pass(
        format!(
            "{} installed packages checked against the {eco} advisories: {what}",
            sw.packages.unwrap_or(0)
        ),
        vec![Evidence::new(
            source,
            format!(
                "{} matching advisories in all ({} with a KEV-listed CVE)",
                sw.vulnerable.len(),
                sw.vulnerable.iter().filter(|v| !v.kev.is_empty()).count()
            ),
            what,
        )],
    )
}

pub(super) fn end_of_life(t: &EndOfLifeTest, inputs: &Inputs) -> Verdict {
    let sw = match section(inputs) {
        Ok(s) => s,
        Err(v) => return v,
    };
    let source = feed_source("eol", sw);
    let supported_until = |eol: &str| match eol {
        "false" => "no end date announced".to_string(),
        "true" => "support has ended".to_string(),
        d => format!("supported until {d}"),
    };
    match t.subject {
        EolSubject::OperatingSystem => {
            if let Some(e) = &sw.os_eol_error {
                return Verdict::error(source, e.clone(), false);
            }
            let Some(os) = &sw.os_eol else {
                return Verdict::error(source, "the operating system release is unknown", false);
            };
            let observed = format!("{} {}: {}", os.product, os.cycle, supported_until(&os.eol));
            let ev = vec![Evidence::new(
                source,
                observed.clone(),
                "a release still supported",
            )];
            if os.ended {
                let when = if os.eol == "true" {
                    String::new()
                } else {
                    format!(" on {}", os.eol)
                };
                Verdict::fail(
                    format!(
                        "{} {} reached its end of life{when}: it gets no security fixes",
                        os.product, os.cycle
                    ),
                    ev,
                )
            } else {
                Verdict::pass(observed, ev)
            }
        }
        EolSubject::Software => {
            if let Some(e) = &sw.software_eol_error {
                return Verdict::error(source, e.clone(), false);
            }
            let ended: Vec<FindingItem> = sw
                .software_eol
                .iter()
                .filter(|e| e.ended)
                .map(|e| {
                    let mut fields = BTreeMap::new();
                    fields.insert("product".into(), e.product.clone());
                    fields.insert("cycle".into(), e.cycle.clone());
                    fields.insert("eol".into(), e.eol.clone());
                    FindingItem {
                        subject: format!("{} ({} {})", e.subject, e.product, e.cycle),
                        outcome: Outcome::Fail,
                        fields,
                    }
                })
                .collect();
            if !ended.is_empty() {
                let installed: Vec<Evidence> = sw
                    .software_eol
                    .iter()
                    .filter(|e| e.ended)
                    .take(10)
                    .filter_map(|e| {
                        e.origin.as_ref().map(|o| {
                            Evidence::new(
                                EvidenceSource::origin(o),
                                format!("{} installed ({} {})", e.subject, e.product, e.cycle),
                                "a supported release cycle",
                            )
                        })
                    })
                    .collect();
                return with_evidence(
                    failing(
                        format!(
                            "{} installed package{} belong to a release past its end of life",
                            ended.len(),
                            if ended.len() == 1 { "" } else { "s" }
                        ),
                        source,
                        ended,
                        "no installed software past its end of life",
                    ),
                    installed,
                );
            }
            let unknown: Vec<String> = sw
                .software_eol
                .iter()
                .filter(|e| !e.known)
                .map(|e| format!("{} ({} {})", e.subject, e.product, e.cycle))
                .collect();
            if !unknown.is_empty() {
                return Verdict::error(
                    source,
                    format!(
                        "the end-of-life data has no entry for {}: their support is unknown; update the feeds",
                        unknown.join(", ")
                    ),
                    false,
                );
            }
            let products: std::collections::BTreeSet<String> = sw
                .software_eol
                .iter()
                .map(|e| format!("{} {} ({})", e.product, e.cycle, supported_until(&e.eol)))
                .collect();
            let observed = if products.is_empty() {
                "none of the tracked products (controls/data/eol-products.yaml) is installed"
                    .to_string()
            } else {
                products.into_iter().collect::<Vec<_>>().join(", ")
            };
            Verdict::pass(
                format!("no installed software past its end of life: {observed}"),
                vec![Evidence::new(
                    source,
                    observed,
                    "no installed software past its end of life",
                )],
            )
        }
    }
}

pub(super) fn pending_updates(t: &PendingUpdatesTest, inputs: &Inputs) -> Verdict {
    let sw = match section(inputs) {
        Ok(s) => s,
        Err(v) => return v,
    };
    let Some(p) = &sw.pending else {
        let e = sw
            .pending_error
            .clone()
            .unwrap_or_else(|| "pending updates were not collected".to_string());
        return Verdict::error(EvidenceSource::collector("package indexes"), e, false);
    };
    let source = index_source(&p.manager);
    if t.security_only && !p.security_known {
        return Verdict::error(
            source,
            match p.manager.as_str() {
                "apk" => {
                    "Alpine's package indexes do not say which updates are security fixes: \
                          whether security updates are waiting is unknown"
                }
                _ => {
                    "the repositories publish no updateinfo, so which waiting updates are \
                      security fixes is unknown"
                }
            },
            false,
        );
    }
    let older = match resolved(t.older_than_days.as_ref().map(|n| n.value())) {
        Ok(o) => o,
        Err(v) => return v,
    };
    let kind = if t.security_only {
        "security update"
    } else {
        "update"
    };
    let expected = match older {
        Some(d) => format!("no {kind} waiting {d} or more days"),
        None => format!("no {kind} waiting"),
    };
    let items: Vec<FindingItem> = p
        .updates
        .iter()
        .filter(|u| !t.security_only || u.security)
        // An update whose index has no date may have waited long: it counts.
        .filter(|u| older.is_none_or(|d| u.days_waiting.is_none_or(|w| w >= d)))
        .map(|u| {
            let mut fields = BTreeMap::new();
            fields.insert("installed".into(), u.installed.clone());
            fields.insert("candidate".into(), u.candidate.clone());
            fields.insert("security".into(), u.security.to_string());
            if let Some(s) = &u.available_since {
                fields.insert("available_since".into(), s.clone());
            }
            if let Some(d) = u.days_waiting {
                fields.insert("days_waiting".into(), d.to_string());
            }
            FindingItem {
                subject: format!("{} {} -> {}", u.package, u.installed, u.candidate),
                outcome: Outcome::Fail,
                fields,
            }
        })
        .collect();
    if !items.is_empty() {
        return failing(
            format!(
                "{} {kind}{} waiting{}",
                items.len(),
                if items.len() == 1 { "" } else { "s" },
                older
                    .map(|d| format!(" {d} or more days (or since an unknown date)"))
                    .unwrap_or_default()
            ),
            source,
            items,
            &expected,
        );
    }
    Verdict::pass(
        format!("{} package indexes read: {expected}", p.indexes),
        vec![Evidence::new(
            source,
            format!("{} updates waiting in all", p.updates.len()),
            expected,
        )],
    )
}

pub(super) fn package_metadata(t: &PackageMetadataTest, inputs: &Inputs) -> Verdict {
    let sw = match section(inputs) {
        Ok(s) => s,
        Err(v) => return v,
    };
    let max = match t.max_age_days.value() {
        Ok(m) => m,
        Err(e) => return Verdict::error(EvidenceSource::catalogue(), e, false),
    };
    let Some(p) = &sw.pending else {
        let e = sw
            .pending_error
            .clone()
            .unwrap_or_else(|| "package indexes were not collected".to_string());
        return Verdict::error(EvidenceSource::collector("package indexes"), e, false);
    };
    let lists = index_source(&p.manager);
    let (Some(at), Some(days)) = (&p.refreshed_at, p.refreshed_days_ago) else {
        return Verdict::error(
            lists,
            "no index says when it was published (no Release Date, no repomd timestamp) and \
             no update stamp was left: when the package indexes were last refreshed is unknown",
            false,
        );
    };
    let from = p.refreshed_from.clone().unwrap_or_default();
    let source = EvidenceSource::file(from, None);
    let expected = format!("refreshed within the last {max} days");
    let ev = vec![Evidence::new(
        source,
        format!(
            "newest index data from {} ({days} days ago)",
            at.get(..10).unwrap_or(at)
        ),
        expected.clone(),
    )];
    if days > max {
        Verdict::fail(
            format!(
                "the package indexes were last refreshed {days} days ago at the latest (limit {max}): \
                 newer fixes may be published that this host cannot see"
            ),
            ev,
        )
    } else {
        Verdict::pass(format!("package indexes {expected} ({days} days ago)"), ev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_software_section_every_probe_is_an_error() {
        let facts = crate::facts::Facts::new(crate::facts::HostInfo {
            hostname: None,
            host_id: None,
            root: "/".into(),
            live: false,
            collector_uid: 0,
        });
        let inputs = Inputs::facts(&facts);
        let v = vulnerabilities(
            &VulnerabilitiesTest {
                kev_only: true,
                fixed_only: false,
                min_severity: None,
                older_than_days: None,
            },
            &inputs,
        );
        assert_eq!(v.outcome, Outcome::Error);
        let v = end_of_life(
            &EndOfLifeTest {
                subject: EolSubject::OperatingSystem,
            },
            &inputs,
        );
        assert_eq!(v.outcome, Outcome::Error);
    }
}
