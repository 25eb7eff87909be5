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

/// Whether a JSON value looks like an endoflife.date product file.
pub fn looks_like(v: &serde_json::Value) -> bool {
    v.get("product").is_some_and(|p| p.is_string())
        && v.get("releases").is_some_and(|r| r.is_array())
}

/// Parse a product file.
pub fn parse(v: serde_json::Value) -> Result<Product, String> {
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
