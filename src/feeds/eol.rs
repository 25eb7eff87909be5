//! endoflife.date product data: release cycles of operating systems and software with
//! their end-of-life dates.
//!
//! A cycle's `eol` is a date, or `true`/`false` when the project gives no date; both are
//! kept as the text `true`, `false` or `YYYY-MM-DD`.

use serde::Deserialize;

/// One release cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    pub cycle: String,
    pub codename: Option<String>,
    pub release_date: Option<String>,
    /// `YYYY-MM-DD`, `true` (ended, date unknown) or `false` (supported).
    pub eol: String,
    pub latest: Option<String>,
}

/// A product and its cycles, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub product: String,
    pub title: String,
    pub cycles: Vec<Cycle>,
}

#[derive(Deserialize)]
struct Raw {
    product: String,
    #[serde(default)]
    title: Option<String>,
    releases: Vec<RawCycle>,
}

#[derive(Deserialize)]
struct RawCycle {
    #[serde(rename = "releaseCycle")]
    cycle: serde_json::Value,
    #[serde(default)]
    codename: Option<String>,
    #[serde(rename = "releaseDate", default)]
    release_date: Option<String>,
    #[serde(default)]
    eol: Option<serde_json::Value>,
    #[serde(default)]
    latest: Option<serde_json::Value>,
}

fn text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Whether a JSON value looks like an endoflife.date product file, or an endoflife.date
/// API v1 product answer (`{"result": {"name": …, "releases": […]}}`).
pub fn looks_like(v: &serde_json::Value) -> bool {
    let file = v.get("product").is_some_and(|p| p.is_string())
        && v.get("releases").is_some_and(|r| r.is_array());
    let api = v.get("result").is_some_and(|r| {
        r.get("name").is_some_and(|n| n.is_string())
            && r.get("releases").is_some_and(|x| x.is_array())
    });
    file || api
}

/// The endoflife.date API v1 shape of a product.
#[derive(Deserialize)]
struct Api {
    result: ApiProduct,
}

#[derive(Deserialize)]
struct ApiProduct {
    name: String,
    #[serde(default)]
    label: Option<String>,
    releases: Vec<ApiCycle>,
}

#[derive(Deserialize)]
struct ApiCycle {
    name: String,
    #[serde(default)]
    codename: Option<String>,
    #[serde(rename = "releaseDate", default)]
    release_date: Option<String>,
    #[serde(rename = "isEol", default)]
    is_eol: Option<bool>,
    #[serde(rename = "eolFrom", default)]
    eol_from: Option<String>,
    #[serde(default)]
    latest: Option<serde_json::Value>,
}

/// Parse a product file or an API v1 answer.
pub fn parse(v: serde_json::Value) -> Result<Product, String> {
    if v.get("result").is_some() {
        let api: Api = serde_json::from_value(v)
            .map_err(|e| format!("not an endoflife.date API product: {e}"))?;
        let cycles = api
            .result
            .releases
            .into_iter()
            .map(|c| Cycle {
                cycle: c.name,
                codename: c.codename,
                release_date: c.release_date,
                eol: c
                    .eol_from
                    .unwrap_or_else(|| c.is_eol.unwrap_or(false).to_string()),
                latest: c
                    .latest
                    .as_ref()
                    .and_then(|l| l.get("name").and_then(text).or_else(|| text(l))),
            })
            .collect();
        return Ok(Product {
            title: api.result.label.unwrap_or_else(|| api.result.name.clone()),
            product: api.result.name,
            cycles,
        });
    }
    parse_file(v)
}

fn parse_file(v: serde_json::Value) -> Result<Product, String> {
    let raw: Raw =
        serde_json::from_value(v).map_err(|e| format!("not an endoflife.date product: {e}"))?;
    let mut cycles = Vec::new();
    for (i, c) in raw.releases.into_iter().enumerate() {
        let cycle = text(&c.cycle).ok_or_else(|| format!("releases[{i}] has no releaseCycle"))?;
        let eol = c
            .eol
            .as_ref()
            .and_then(text)
            .unwrap_or_else(|| "false".to_string());
        cycles.push(Cycle {
            cycle,
            codename: c.codename,
            release_date: c.release_date,
            eol,
            latest: c.latest.as_ref().and_then(text),
        });
    }
    Ok(Product {
        title: raw.title.unwrap_or_else(|| raw.product.clone()),
        product: raw.product,
        cycles,
    })
}

/// One row of `controls/data/eol-products.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductMap {
    pub product: String,
    pub packages: Vec<String>,
    /// Leading numeric components of the upstream version that name the cycle.
    pub cycle: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MapFile {
    products: Vec<ProductMap>,
}

/// The built-in package-to-product map.
pub fn builtin_map() -> Result<Vec<ProductMap>, String> {
    let text = crate::catalogue::builtin_data("eol-products.yaml")
        .ok_or("controls/data/eol-products.yaml is not embedded")?;
    serde_saphyr::from_str::<MapFile>(text)
        .map(|m| m.products)
        .map_err(|e| format!("controls/data/eol-products.yaml: {e}"))
}

impl ProductMap {
    /// The package-name patterns, compiled (`*` stands for any run of characters); a
    /// pattern that does not compile matches nothing.
    pub fn patterns(&self) -> Vec<glob::Pattern> {
        self.packages
            .iter()
            .filter_map(|p| glob::Pattern::new(p).ok())
            .collect()
    }
}

/// The cycle a version belongs to: its first `n` numeric components (`3.0.11` → `3.0`).
pub fn cycle_of(upstream: &str, n: usize) -> Option<String> {
    let parts: Vec<&str> = upstream
        .split(|c: char| !c.is_ascii_digit())
        .take(n)
        .collect();
    if parts.len() < n || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    // The components must be separated by dots, as cycles are written.
    let prefix = parts.join(".");
    upstream.starts_with(&prefix).then_some(prefix)
}

/// The end-of-life state of one thing on the host.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EolStatus {
    /// What was judged: `operating system` or a package name.
    pub subject: String,
    pub product: String,
    pub cycle: String,
    /// The cycle's end-of-life date, or `true`/`false` when the project gives none.
    pub eol: String,
    /// Whether the cycle has reached its end of life on `today`.
    pub ended: bool,
    /// Whether the data has this product's cycle at all; when not, `eol` is empty and
    /// nothing is known about its support.
    #[serde(default)]
    pub known: bool,
    /// Where the package database records the package (none for the operating system).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<crate::facts::Origin>,
}

/// Judge a cycle's `eol` value on `today` (`YYYY-MM-DD`).
pub fn ended(eol: &str, today: &str) -> bool {
    match eol {
        "true" => true,
        "false" => false,
        date => date <= today,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_and_end_dates() {
        assert_eq!(cycle_of("3.0.19", 2).as_deref(), Some("3.0"));
        assert_eq!(cycle_of("15.4", 1).as_deref(), Some("15"));
        assert_eq!(cycle_of("6.1.55", 2).as_deref(), Some("6.1"));
        assert_eq!(cycle_of("3", 2), None);
        assert_eq!(cycle_of("1:2.0", 2), None);
        assert!(ended("2026-07-11", "2026-12-03"));
        assert!(ended("2026-12-03", "2026-12-03"));
        assert!(!ended("2027-01-01", "2026-12-03"));
        assert!(ended("true", "2000-01-01") && !ended("false", "2100-01-01"));
        let ssl = ProductMap {
            product: "openssl".into(),
            packages: vec!["libssl*".into()],
            cycle: 2,
        }
        .patterns();
        assert!(ssl[0].matches("libssl3") && !ssl[0].matches("openssl"));
        // The endoflife.date API v1 shape.
        let api = serde_json::json!({"schema_version": "1.2.0", "result": {"name": "debian",
            "label": "Debian", "releases": [
                {"name": "12", "codename": "Bookworm", "releaseDate": "2023-06-10",
                 "isEol": true, "eolFrom": "2026-06-10", "latest": {"name": "12.11"}},
                {"name": "13", "isEol": false, "latest": {"name": "13.1"}}]}});
        assert!(looks_like(&api));
        let p = parse(api).unwrap();
        assert_eq!((p.product.as_str(), p.title.as_str()), ("debian", "Debian"));
        assert_eq!(p.cycles[0].eol, "2026-06-10");
        assert_eq!(p.cycles[1].eol, "false");
        assert_eq!(p.cycles[1].latest.as_deref(), Some("13.1"));
        let map = builtin_map().unwrap();
        assert!(map.iter().any(|m| m.product == "openssl"));
    }
}
