//! The feed bundle: one JSON file holding indexed feed data with where it came from, written
//! by `ward feeds export` and read by `ward feeds import`, so a site with internet access can
//! carry its feeds to an air-gapped one (and Ward embeds one as its offline snapshot).
//!
//! The records are written in their public formats (OSV records, the KEV catalogue,
//! endoflife.date product files) with only the fields Ward indexes, so each part is read by
//! the same parser as a downloaded file; the `feeds` list keeps every feed's original
//! source, date and SHA-256, so `ward feeds status` on the receiving side says where the
//! data really came from and how old it is.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::index::{Batch, FeedRecord, Index};
use super::{eol, kev, osv, FeedError};

/// The bundle format written by this Ward.
pub const FORMAT: u32 = 1;

/// A feed bundle.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// The bundle format (`1`).
    pub ward_feeds_bundle: u32,
    /// When it was exported (RFC 3339).
    pub exported_at: String,
    /// Each feed's provenance, as the exporting index recorded it.
    pub feeds: Vec<FeedRecord>,
    /// OSV records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub osv: Vec<Value>,
    /// The KEV catalogue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kev: Option<Value>,
    /// endoflife.date product files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub eol: Vec<Value>,
}

/// Whether a JSON document is a feed bundle.
pub fn looks_like(v: &Value) -> bool {
    v.get("ward_feeds_bundle").is_some()
}

impl Bundle {
    /// A bundle from a parsed JSON document; another format version or shape is an error.
    pub fn from_value(v: Value) -> Result<Bundle, String> {
        let b: Bundle =
            serde_json::from_value(v).map_err(|e| format!("not a Ward feed bundle: {e}"))?;
        if b.ward_feeds_bundle != FORMAT {
            return Err(format!(
                "feed bundle format {}, this Ward reads format {FORMAT}",
                b.ward_feeds_bundle
            ));
        }
        Ok(b)
    }

    /// The records as a batch for the index, and the parts that did not parse (what, why).
    pub fn into_batch(self) -> (Batch, Vec<(String, String)>) {
        let mut batch = Batch {
            feeds: self.feeds,
            ..Batch::default()
        };
        let mut rejected = Vec::new();
        for (i, r) in self.osv.into_iter().enumerate() {
            match osv::parse(r) {
                Ok(a) => batch.advisories.push(a),
                Err(e) => rejected.push((format!("osv[{i}]"), e)),
            }
        }
        if let Some(k) = self.kev {
            match kev::parse(k) {
                Ok(c) => batch.kev = Some(c),
                Err(e) => rejected.push(("kev".to_string(), e)),
            }
        }
        for (i, p) in self.eol.into_iter().enumerate() {
            match eol::parse(p) {
                Ok(p) => batch.eol.push(p),
                Err(e) => rejected.push((format!("eol[{i}]"), e)),
            }
        }
        (batch, rejected)
    }

    /// Export the feeds of `kinds` (`osv`, `kev`, `eol`) from an index.
    pub fn export(index: &Index, kinds: &[&str]) -> Result<Bundle, FeedError> {
        let wants = |k: &str| kinds.contains(&k);
        let feeds: Vec<FeedRecord> = index
            .feeds()?
            .into_iter()
            .filter(|f| wants(&f.kind))
            .collect();
        let osv = if wants("osv") {
            index
                .all_advisories()?
                .into_iter()
                .map(|a| osv_json(&a))
                .collect()
        } else {
            Vec::new()
        };
        let kev = if wants("kev") {
            let entries = index.all_kev()?;
            let date = feeds
                .iter()
                .find(|f| f.kind == "kev")
                .map(|f| f.date.clone())
                .unwrap_or_default();
            (!entries.is_empty()).then(|| {
                json!({
                    "title": "CISA Catalog of Known Exploited Vulnerabilities (fields indexed by Ward)",
                    "catalogVersion": date.get(..10).unwrap_or(&date).replace('-', "."),
                    "dateReleased": date,
                    "count": entries.len(),
                    "vulnerabilities": entries,
                })
            })
        } else {
            None
        };
        let eol = if wants("eol") {
            index.all_eol()?.iter().map(eol_json).collect()
        } else {
            Vec::new()
        };
        Ok(Bundle {
            ward_feeds_bundle: FORMAT,
            exported_at: jiff::Timestamp::now().to_string(),
            feeds,
            osv,
            kev,
            eol,
        })
    }
}

/// An advisory as an OSV record with the fields Ward reads.
fn osv_json(a: &osv::Advisory) -> Value {
    let affected: Vec<Value> = a
        .affected
        .iter()
        .map(|p| {
            let events: Vec<Value> = p.events.iter().map(|(k, v)| json!({ k: v })).collect();
            let mut entry = json!({
                "package": { "ecosystem": p.ecosystem, "name": p.name },
                "ranges": [{ "type": "ECOSYSTEM", "events": events }],
            });
            if !p.versions.is_empty() {
                entry["versions"] = json!(p.versions);
            }
            entry
        })
        .collect();
    let mut r = json!({
        "schema_version": "1.6.0",
        "id": a.id,
        "summary": a.summary,
        "published": a.published,
        "modified": a.modified,
        "upstream": a.cves,
        "affected": affected,
    });
    if let Some(s) = &a.severity {
        r["database_specific"] = json!({ "severity": s });
    }
    r
}

/// A product as an endoflife.date product file.
fn eol_json(p: &eol::Product) -> Value {
    let releases: Vec<Value> = p
        .cycles
        .iter()
        .map(|c| {
            json!({
                "releaseCycle": c.cycle,
                "codename": c.codename,
                "releaseDate": c.release_date,
                "eol": c.eol,
                "latest": c.latest,
            })
        })
        .collect();
    json!({ "product": p.product, "title": p.title, "releases": releases })
}
