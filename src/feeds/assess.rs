//! The software section of a report: the host's inventory judged against the feed data on
//! one day — vulnerable packages (with fixed versions, KEV flags and days outstanding),
//! end-of-life releases and software, updates waiting in the host's package indexes — and
//! the feeds that judgement rests on, with their dates and whether they are stale.
//!
//! It is computed once per evaluation and read both by the software probes (`vulnerabilities`,
//! `end_of_life`, `pending_updates`, `package_metadata`) and by the report templates, so a
//! check's verdict and the report's tables always agree. Whatever could not be judged keeps
//! its reason (`*_error`), which the probes turn into `error`, never `pass`.

use serde::{Deserialize, Serialize};

use super::eol::{EolStatus, ProductMap};
use super::knowledge::{FeedUse, Knowledge};
use super::matching;
use crate::facts::os_release::OsRelease;
use crate::facts::packages::apt_lists::Pending;
use crate::facts::packages::Inventory;
use crate::facts::{Fact, FactError, Facts};

/// Default age limit of feed data, in days.
pub const DEFAULT_MAX_FEED_AGE: u32 = 30;

/// The software section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Software {
    /// The day judged (`YYYY-MM-DD`, UTC): end-of-life dates and days outstanding count
    /// from it.
    pub assessed_on: String,
    /// Feeds used, with dates and staleness.
    pub feeds: Vec<FeedStatus>,
    /// Feed data older than this many days is stale.
    pub max_feed_age_days: u32,
    /// Problems with the feed data itself (a corrupted index), for the report banner.
    #[serde(default)]
    pub feed_problems: Vec<String>,
    /// Installed packages judged (none when the inventory could not be read).
    pub packages: Option<usize>,
    /// The package format (`dpkg`, `rpm`, `apk`).
    pub package_format: Option<String>,
    /// The OSV ecosystem whose advisories were used (`Debian:12`).
    pub ecosystem: Option<String>,
    /// Why vulnerabilities were not judged; none when they were.
    pub vulnerabilities_error: Option<String>,
    /// Installed packages inside an advisory's affected range.
    pub vulnerable: Vec<Vulnerability>,
    /// Advisories whose versions could not be compared with the installed one.
    pub uncertain: Vec<matching::Uncertain>,
    /// The operating system release's support.
    pub os_eol: Option<EolStatus>,
    /// Why the release's support is unknown; none when it is known.
    pub os_eol_error: Option<String>,
    /// Mapped software (openssl, the kernel, databases, runtimes) and its support.
    pub software_eol: Vec<EolStatus>,
    /// Why software support was not judged; none when it was.
    pub software_eol_error: Option<String>,
    /// Updates waiting in the host's package indexes.
    pub pending: Option<PendingSummary>,
    /// Why pending updates are unknown; none when they are known.
    pub pending_error: Option<String>,
}

/// One feed behind the section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedStatus {
    /// `osv`, `kev` or `eol`.
    pub kind: String,
    pub source: String,
    /// The data's own date (KEV release, newest OSV change, endoflife.date download).
    pub date: String,
    /// When this Ward obtained it.
    pub obtained: String,
    pub records: u64,
    pub sha256: String,
    /// Built into Ward (no feed data was downloaded or imported for this kind).
    pub embedded: bool,
    /// Days from the data's date to `assessed_on`.
    pub age_days: Option<i64>,
    /// Older than `max_feed_age_days`, or of unknown age.
    pub stale: bool,
}

/// A vulnerable installed package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vulnerability {
    pub package: String,
    /// The name the advisory uses (the source package on Debian, Ubuntu and Alpine).
    pub source_package: String,
    pub installed: String,
    /// The first fixed version above the installed one; none when no fix is published.
    pub fixed: Option<String>,
    pub advisory: String,
    pub summary: String,
    pub cves: Vec<String>,
    /// `critical`, `high`, `medium`, `low`, or `unknown` when the advisory gives none.
    pub severity: String,
    /// The advisory's own word for it (`Important`), when it has one.
    pub severity_given: Option<String>,
    /// When the advisory was published (`YYYY-MM-DD`).
    pub published: String,
    /// Days from publication to `assessed_on`: how long the fix has been waiting.
    pub days_outstanding: Option<i64>,
    /// The advisory's CVEs in CISA's KEV catalogue.
    pub kev: Vec<KevFlag>,
    /// Where the package database records the installed package.
    pub origin: crate::facts::Origin,
}

/// A KEV entry of a vulnerability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KevFlag {
    pub cve: String,
    pub name: String,
    pub date_added: String,
    /// The date CISA requires US federal agencies to have remediated it by.
    pub due_date: String,
    /// CISA knows it to be used in ransomware campaigns.
    pub ransomware: bool,
}

/// Updates waiting on the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSummary {
    /// The package manager whose indexes were read: `apt` or `dnf`.
    pub manager: String,
    /// Whether the indexes say which updates are security fixes.
    pub security_known: bool,
    pub indexes: usize,
    pub updates: Vec<PendingUpdate>,
    /// When the indexes were refreshed at the earliest, and from what that was read.
    pub refreshed_at: Option<String>,
    pub refreshed_from: Option<String>,
    /// Days from `refreshed_at` to `assessed_on`.
    pub refreshed_days_ago: Option<i64>,
    pub warnings: Vec<String>,
}

/// One waiting update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingUpdate {
    pub package: String,
    pub installed: String,
    pub candidate: String,
    pub security: bool,
    pub available_since: Option<String>,
    /// Days from `available_since` to `assessed_on` (a lower bound).
    pub days_waiting: Option<i64>,
}

/// The severity scale advisories are normalised to, highest first (`unknown` last).
pub fn severity_rank(s: &str) -> usize {
    match s {
        "critical" => 0,
        "high" => 1,
        "medium" => 2,
        "low" => 3,
        _ => 4,
    }
}

/// An advisory's severity on Ward's scale: its own field (Red Hat's Critical / Important /
/// Moderate / Low, Debian's urgency, Ubuntu's priority), else the word that opens a Red Hat
/// style summary (`Important: openssl security update`).
pub fn normalise_severity(given: Option<&str>, summary: &str) -> (String, Option<String>) {
    let word = |w: &str| -> Option<&'static str> {
        match w.trim().to_ascii_lowercase().as_str() {
            "critical" => Some("critical"),
            "important" | "high" => Some("high"),
            "moderate" | "medium" => Some("medium"),
            "low" | "negligible" | "unimportant" => Some("low"),
            _ => None,
        }
    };
    if let Some(g) = given {
        if let Some(w) = word(g) {
            return (w.to_string(), Some(g.to_string()));
        }
    }
    if let Some((head, _)) = summary.split_once(':') {
        if let Some(w) = word(head) {
            return (w.to_string(), Some(head.trim().to_string()));
        }
    }
    ("unknown".to_string(), given.map(str::to_string))
}

/// Days from `when` (RFC 3339 or `YYYY-MM-DD`) to `today`; none when it does not parse.
pub fn days_since(when: &str, today: jiff::civil::Date) -> Option<i64> {
    let date = date_of(when)?;
    let span = date.until(today).ok()?;
    Some(i64::from(span.get_days()))
}

/// The UTC calendar date of an RFC 3339 timestamp or a plain date.
pub fn date_of(when: &str) -> Option<jiff::civil::Date> {
    if let Ok(t) = when.parse::<jiff::Timestamp>() {
        return Some(t.to_zoned(jiff::tz::TimeZone::UTC).date());
    }
    when.get(..10)?.parse::<jiff::civil::Date>().ok()
}

/// Today's date in UTC.
pub fn today() -> jiff::civil::Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

fn fact_reason<'a, T>(what: &str, fact: Result<&'a Fact<T>, FactError>) -> Result<&'a T, String> {
    match fact {
        Ok(Fact::Collected { value }) => Ok(value),
        Ok(Fact::Error { reason, .. }) => Err(format!("{what} could not be read: {reason}")),
        Err(e) => Err(e.to_string()),
    }
}

/// Judge the host's software with the feed data on `today`.
pub fn assess(
    facts: &Facts,
    knowledge: &Knowledge,
    map: &[ProductMap],
    today: jiff::civil::Date,
    max_feed_age_days: u32,
) -> Software {
    let today_s = today.to_string();
    let mut feed_problems: Vec<String> = knowledge.problems().to_vec();
    let feeds = match knowledge.feeds() {
        Ok(f) => f
            .into_iter()
            .map(|u| feed_status(u, today, max_feed_age_days))
            .collect(),
        Err(e) => {
            feed_problems.push(e.to_string());
            Vec::new()
        }
    };
    let inventory = fact_reason("the package inventory", facts.fact::<Inventory>());
    let os = fact_reason("os-release", facts.fact::<OsRelease>());
    let mut s = Software {
        assessed_on: today_s.clone(),
        feeds,
        max_feed_age_days,
        feed_problems,
        packages: inventory.as_ref().ok().map(|i| i.packages.len()),
        package_format: inventory
            .as_ref()
            .ok()
            .map(|i| i.format.as_str().to_string()),
        ecosystem: None,
        vulnerabilities_error: None,
        vulnerable: Vec::new(),
        uncertain: Vec::new(),
        os_eol: None,
        os_eol_error: None,
        software_eol: Vec::new(),
        software_eol_error: None,
        pending: None,
        pending_error: None,
    };

    // Vulnerabilities.
    match (&inventory, &os) {
        (Err(e), _) | (_, Err(e)) => s.vulnerabilities_error = Some(e.clone()),
        (Ok(inv), Ok(os)) => vulnerabilities(&mut s, knowledge, inv, os, today),
    }

    // End of life.
    match &os {
        Err(e) => {
            s.os_eol_error = Some(e.clone());
            s.software_eol_error = Some(e.clone());
        }
        Ok(os) => {
            match matching::end_of_life(
                knowledge,
                os,
                inventory.as_ref().ok().copied(),
                map,
                &today_s,
            ) {
                Err(e) => {
                    s.os_eol_error = Some(e.to_string());
                    s.software_eol_error = Some(e.to_string());
                }
                Ok(mut list) => {
                    if let Some(i) = list.iter().position(|e| e.subject == "operating system") {
                        let os_row = list.remove(i);
                        if !os_row.known {
                            s.os_eol_error = Some(format!(
                                "{} {} is not in the endoflife.date data used (dated {}): its \
                                 support is unknown; update the feeds",
                                os_row.product,
                                os_row.cycle,
                                eol_feed_date(&s.feeds)
                            ));
                        }
                        s.os_eol = Some(os_row);
                    } else {
                        s.os_eol_error = Some(format!(
                            "Ward does not know the endoflife.date product of this operating \
                             system ({} {})",
                            os.id.as_deref().unwrap_or("no ID"),
                            os.version_id.as_deref().unwrap_or("no VERSION_ID")
                        ));
                    }
                    s.software_eol = list;
                    if let Err(e) = &inventory {
                        s.software_eol_error = Some(e.clone());
                    }
                }
            }
        }
    }

    // Pending updates.
    match fact_reason("pending updates", facts.fact::<Pending>()) {
        Err(e) => s.pending_error = Some(e),
        Ok(p) => {
            s.pending = Some(PendingSummary {
                manager: p.manager.clone(),
                security_known: p.security_known,
                indexes: p.indexes.len(),
                updates: p
                    .updates
                    .iter()
                    .map(|u| PendingUpdate {
                        package: u.package.clone(),
                        installed: u.installed.clone(),
                        candidate: u.candidate.clone(),
                        security: u.security,
                        available_since: u.available_since.clone(),
                        days_waiting: u
                            .available_since
                            .as_deref()
                            .and_then(|d| days_since(d, today)),
                    })
                    .collect(),
                refreshed_at: p.refreshed_at.clone(),
                refreshed_from: p.refreshed_from.clone(),
                refreshed_days_ago: p.refreshed_at.as_deref().and_then(|d| days_since(d, today)),
                warnings: p.warnings.clone(),
            })
        }
    }
    s
}

fn eol_feed_date(feeds: &[FeedStatus]) -> String {
    feeds
        .iter()
        .filter(|f| f.kind == "eol")
        .map(|f| f.date.get(..10).unwrap_or(&f.date).to_string())
        .max()
        .unwrap_or_else(|| "none".to_string())
}

fn feed_status(u: FeedUse, today: jiff::civil::Date, max: u32) -> FeedStatus {
    let r = u.record;
    let dated = if r.date.is_empty() {
        &r.updated_at
    } else {
        &r.date
    };
    let age_days = days_since(dated, today);
    FeedStatus {
        stale: age_days.is_none_or(|d| d > i64::from(max)),
        kind: r.kind,
        source: r.source,
        date: r.date,
        obtained: r.updated_at,
        records: r.records,
        sha256: r.sha256,
        embedded: u.embedded,
        age_days,
    }
}

fn vulnerabilities(
    s: &mut Software,
    knowledge: &Knowledge,
    inv: &Inventory,
    os: &OsRelease,
    today: jiff::civil::Date,
) {
    let ecosystems = matching::ecosystems(os);
    if ecosystems.is_empty() {
        s.vulnerabilities_error = Some(format!(
            "Ward has no advisory source for this operating system ({} {})",
            os.id.as_deref().unwrap_or("no ID"),
            os.version_id.as_deref().unwrap_or("no VERSION_ID")
        ));
        return;
    }
    let named = ecosystems;
    let ecosystems = match knowledge.expand_ecosystems(&named) {
        Ok(e) => e,
        Err(err) => {
            s.vulnerabilities_error = Some(err.to_string());
            return;
        }
    };
    let mut with_data = None;
    for e in &ecosystems {
        match knowledge.has_advisories(e) {
            Ok(true) => {
                with_data = Some(e.clone());
                break;
            }
            Ok(false) => {}
            Err(err) => {
                s.vulnerabilities_error = Some(err.to_string());
                return;
            }
        }
    }
    let Some(eco) = with_data else {
        s.vulnerabilities_error = Some(format!(
            "the feed data has no advisories for {}: run `ward feeds update` (or import the \
             OSV records of this release) before the vulnerabilities can be judged",
            named.join(" or ")
        ));
        return;
    };
    // Name what was used: the one ecosystem, or the product streams consulted.
    let with_advisories: Vec<&String> = ecosystems
        .iter()
        .filter(|e| knowledge.has_advisories(e).unwrap_or(false))
        .collect();
    s.ecosystem = Some(if with_advisories.len() > 1 {
        with_advisories
            .iter()
            .map(|e| e.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        eco
    });
    match matching::match_inventory(knowledge, inv, &ecosystems) {
        Err(e) => s.vulnerabilities_error = Some(e.to_string()),
        Ok(m) => {
            s.uncertain = m.uncertain;
            s.vulnerable = m
                .vulnerable
                .into_iter()
                .map(|v| {
                    let (severity, severity_given) =
                        normalise_severity(v.severity.as_deref(), &v.summary);
                    Vulnerability {
                        days_outstanding: days_since(&v.published, today),
                        published: date_of(&v.published)
                            .map(|d| d.to_string())
                            .unwrap_or(v.published),
                        package: v.package,
                        source_package: v.matched_as,
                        installed: v.installed,
                        fixed: v.fixed,
                        advisory: v.advisory,
                        summary: v.summary,
                        cves: v.cves,
                        severity,
                        severity_given,
                        origin: v.origin,
                        kev: v
                            .kev
                            .into_iter()
                            .map(|k| KevFlag {
                                ransomware: k.ransomware.eq_ignore_ascii_case("known"),
                                cve: k.cve,
                                name: k.name,
                                date_added: k.date_added,
                                due_date: k.due_date,
                            })
                            .collect(),
                    }
                })
                .collect();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_on_one_scale() {
        let n = |g: Option<&str>, s: &str| normalise_severity(g, s).0;
        assert_eq!(n(None, "Important: openssl security update"), "high");
        assert_eq!(n(None, "Critical: firefox security update"), "critical");
        assert_eq!(n(Some("medium"), "x"), "medium");
        assert_eq!(n(Some("unimportant"), "x"), "low");
        assert_eq!(n(None, "openssl - security update"), "unknown");
        assert_eq!(n(Some("not yet assigned"), "x"), "unknown");
        assert!(severity_rank("unknown") > severity_rank("low"));
    }

    #[test]
    fn day_counts() {
        let today: jiff::civil::Date = "2026-12-03".parse().unwrap();
        assert_eq!(days_since("2026-11-19T08:00:00Z", today), Some(14));
        assert_eq!(days_since("2026-12-03", today), Some(0));
        assert_eq!(days_since("someday", today), None);
    }
}
