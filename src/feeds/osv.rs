//! OSV records (ossf/osv-schema): the advisories of Debian, Ubuntu, Alpine, AlmaLinux,
//! Rocky Linux and Red Hat, one JSON object per advisory.
//!
//! Only what matching and reports need is read: id, summary, dates, the CVE ids it names
//! (`aliases`, `upstream`, `related`), a severity when the record gives one, and for each
//! affected package its ecosystem, name, `ECOSYSTEM` range events and listed versions.
//! Unknown fields are ignored (the schema grows); a record without an id, or whose
//! `affected` entries are malformed, is an error naming the file.

use serde::Deserialize;

/// One advisory, as indexed.
#[derive(Debug, Clone, PartialEq)]
pub struct Advisory {
    pub id: String,
    pub summary: String,
    pub published: String,
    pub modified: String,
    /// CVE ids the advisory names, sorted, without duplicates.
    pub cves: Vec<String>,
    /// The record's own severity word, when it has one (`Important`, `high` ...).
    pub severity: Option<String>,
    pub affected: Vec<Affected>,
}

/// One affected package of an advisory.
#[derive(Debug, Clone, PartialEq)]
pub struct Affected {
    pub ecosystem: String,
    pub name: String,
    /// `ECOSYSTEM` range events in order: (`introduced` | `fixed` | `last_affected` |
    /// `limit`, version).
    pub events: Vec<(String, String)>,
    /// Versions listed as affected outright.
    pub versions: Vec<String>,
}

#[derive(Deserialize)]
struct Raw {
    id: String,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    details: Option<String>,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    modified: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    upstream: Vec<String>,
    #[serde(default)]
    related: Vec<String>,
    #[serde(default)]
    affected: Vec<RawAffected>,
    #[serde(default)]
    database_specific: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawAffected {
    package: Option<RawPackage>,
    #[serde(default)]
    ranges: Vec<RawRange>,
    #[serde(default)]
    versions: Vec<String>,
    #[serde(default)]
    ecosystem_specific: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawPackage {
    ecosystem: String,
    name: String,
}

#[derive(Deserialize)]
struct RawRange {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    events: Vec<serde_json::Map<String, serde_json::Value>>,
}

/// Whether a JSON value looks like an OSV record (an `id` and `affected` or `modified`).
pub fn looks_like(v: &serde_json::Value) -> bool {
    v.get("id").is_some_and(|i| i.is_string())
        && (v.get("affected").is_some() || v.get("modified").is_some())
}

/// Parse one OSV record.
pub fn parse(v: serde_json::Value) -> Result<Advisory, String> {
    let raw: Raw = serde_json::from_value(v).map_err(|e| format!("not an OSV record: {e}"))?;
    if raw.id.is_empty() {
        return Err("OSV record with an empty id".into());
    }
    let mut cves: Vec<String> = raw
        .aliases
        .iter()
        .chain(&raw.upstream)
        .chain(&raw.related)
        .filter(|a| a.starts_with("CVE-"))
        .cloned()
        .collect();
    if raw.id.starts_with("CVE-") {
        cves.push(raw.id.clone());
    }
    cves.sort();
    cves.dedup();
    let severity_of = |v: &Option<serde_json::Value>| {
        v.as_ref()
            .and_then(|d| d.get("severity").or_else(|| d.get("urgency")))
            .and_then(|s| s.as_str())
            .map(str::to_string)
    };
    let mut severity = severity_of(&raw.database_specific);
    let mut affected = Vec::new();
    for (i, a) in raw.affected.into_iter().enumerate() {
        let Some(package) = a.package else {
            // Records for commits only (no package) do not concern installed packages.
            continue;
        };
        if severity.is_none() {
            severity = severity_of(&a.ecosystem_specific);
        }
        let mut events = Vec::new();
        for r in a.ranges.iter().filter(|r| r.kind == "ECOSYSTEM") {
            for e in &r.events {
                let (kind, version) = e
                    .iter()
                    .next()
                    .ok_or_else(|| format!("affected[{i}]: an empty range event"))?;
                let version = version
                    .as_str()
                    .ok_or_else(|| format!("affected[{i}]: event {kind} is not a string"))?;
                if !matches!(
                    kind.as_str(),
                    "introduced" | "fixed" | "last_affected" | "limit"
                ) {
                    return Err(format!("affected[{i}]: unknown range event {kind:?}"));
                }
                events.push((kind.clone(), version.to_string()));
            }
        }
        if events
            .iter()
            .map(|(_, v)| v)
            .chain(&a.versions)
            .any(|v| v.chars().any(char::is_control))
        {
            return Err(format!(
                "affected[{i}]: a version contains a control character"
            ));
        }
        affected.push(Affected {
            ecosystem: package.ecosystem,
            name: package.name,
            events,
            versions: a.versions,
        });
    }
    let summary = raw
        .summary
        .or_else(|| {
            raw.details
                .map(|d| d.lines().next().unwrap_or("").to_string())
        })
        .unwrap_or_default();
    Ok(Advisory {
        id: raw.id,
        summary,
        published: raw.published.unwrap_or_default(),
        modified: raw.modified.unwrap_or_default(),
        cves,
        severity,
        affected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_read_and_bad_ones_refused() {
        let good = serde_json::json!({"id": "DSA-1", "modified": "2024-01-01T00:00:00Z",
            "aliases": ["CVE-2024-1"], "related": ["CVE-2024-2", "GHSA-x"],
            "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssl"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u2"}]},
                           {"type": "GIT", "events": [{"introduced": "abc"}]}]}]});
        let a = parse(good.clone()).unwrap();
        assert_eq!(a.cves, ["CVE-2024-1", "CVE-2024-2"]);
        assert_eq!(
            a.affected[0].events.len(),
            2,
            "GIT ranges are not package versions"
        );
        let mut bad = good.clone();
        bad["affected"][0]["ranges"][0]["events"][1] = serde_json::json!({"fixed": "1.0\n"});
        assert!(parse(bad).unwrap_err().contains("control character"));
        let mut unknown = good;
        unknown["affected"][0]["ranges"][0]["events"][1] = serde_json::json!({"patched": "1.0"});
        assert!(parse(unknown).unwrap_err().contains("unknown range event"));
    }
}
