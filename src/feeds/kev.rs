//! CISA's Known Exploited Vulnerabilities catalogue: the CVEs attackers are known to use,
//! each with the date federal agencies must have fixed it by and whether it is known to
//! be used in ransomware campaigns.

use serde::{Deserialize, Serialize};

/// One catalogue entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KevEntry {
    #[serde(rename = "cveID")]
    pub cve: String,
    #[serde(rename = "vendorProject", default)]
    pub vendor: String,
    #[serde(default)]
    pub product: String,
    #[serde(rename = "vulnerabilityName", default)]
    pub name: String,
    #[serde(rename = "dateAdded", default)]
    pub date_added: String,
    #[serde(rename = "dueDate", default)]
    pub due_date: String,
    /// `Known` or `Unknown`.
    #[serde(rename = "knownRansomwareCampaignUse", default)]
    pub ransomware: String,
}

/// The catalogue.
#[derive(Debug, Clone, Deserialize)]
pub struct Catalogue {
    #[serde(rename = "catalogVersion", default)]
    pub version: String,
    #[serde(rename = "dateReleased", default)]
    pub released: String,
    pub vulnerabilities: Vec<KevEntry>,
}

/// Whether a JSON value looks like the KEV catalogue.
pub fn looks_like(v: &serde_json::Value) -> bool {
    v.get("vulnerabilities").is_some_and(|x| x.is_array()) && v.get("catalogVersion").is_some()
}

/// Parse the catalogue; an entry without a CVE id is an error naming its position.
pub fn parse(v: serde_json::Value) -> Result<Catalogue, String> {
    let c: Catalogue =
        serde_json::from_value(v).map_err(|e| format!("not the KEV catalogue: {e}"))?;
    if let Some(i) = c
        .vulnerabilities
        .iter()
        .position(|e| !e.cve.starts_with("CVE-"))
    {
        return Err(format!("vulnerabilities[{i}] has no CVE id"));
    }
    Ok(c)
}
