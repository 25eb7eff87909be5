//! What one evaluation knows from feeds: the data directory's index, with Ward's embedded
//! snapshot of the KEV catalogue and endoflife.date data standing in for any of those two
//! kinds the index does not hold.
//!
//! A fresh install has no index, yet "is this release still supported?" should not need a
//! download first: the snapshot (`controls/data/feeds-snapshot.json`, a `ward feeds export`
//! bundle) answers it, and every report names the date of the data it used, so an old
//! snapshot is visibly old. OSV advisories are not embedded (hundreds of megabytes); without
//! them the vulnerability checks say so (`error`), never `pass`.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::index::{AdvisoryInfo, FeedRecord, Hit, Index};
use super::kev::KevEntry;
use super::FeedError;

/// Feed lookups used by matching, whoever holds the data.
pub trait Lookup {
    /// The affected entries of a package in an ecosystem.
    fn affected(&self, ecosystem: &str, name: &str) -> Result<Vec<Hit>, FeedError>;
    /// An advisory by id.
    fn advisory(&self, id: &str) -> Result<Option<AdvisoryInfo>, FeedError>;
    /// The KEV entry of a CVE.
    fn kev(&self, cve: &str) -> Result<Option<KevEntry>, FeedError>;
    /// The end-of-life text (`YYYY-MM-DD`, `true`, `false`) of a product's cycle.
    fn eol_cycle(&self, product: &str, cycle: &str) -> Result<Option<String>, FeedError>;
}

impl Lookup for Index {
    fn affected(&self, ecosystem: &str, name: &str) -> Result<Vec<Hit>, FeedError> {
        Index::affected(self, ecosystem, name)
    }
    fn advisory(&self, id: &str) -> Result<Option<AdvisoryInfo>, FeedError> {
        Index::advisory(self, id)
    }
    fn kev(&self, cve: &str) -> Result<Option<KevEntry>, FeedError> {
        Index::kev(self, cve)
    }
    fn eol_cycle(&self, product: &str, cycle: &str) -> Result<Option<String>, FeedError> {
        Index::eol_cycle(self, product, cycle)
    }
}

/// The embedded snapshot, as written by `ward feeds export --kind kev,eol`.
pub const SNAPSHOT: &str = include_str!("../../controls/data/feeds-snapshot.json");

/// Where the embedded snapshot says it is, in feed records and errors.
pub const SNAPSHOT_NAME: &str = "embedded snapshot";

/// The snapshot's parts, each kept as raw JSON until asked for: a scan that only needs
/// end-of-life dates never decodes the 1,400 KEV entries.
#[derive(serde::Deserialize)]
struct Parts<'a> {
    ward_feeds_bundle: u32,
    feeds: Vec<FeedRecord>,
    #[serde(borrow, default)]
    kev: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow, default)]
    eol: Vec<&'a serde_json::value::RawValue>,
}

fn parts() -> Result<Parts<'static>, String> {
    let p: Parts = serde_json::from_str(SNAPSHOT).map_err(|e| e.to_string())?;
    if p.ward_feeds_bundle != super::bundle::FORMAT {
        return Err(format!("bundle format {}", p.ward_feeds_bundle));
    }
    Ok(p)
}

fn snapshot_err(reason: &str) -> FeedError {
    FeedError::Parse {
        path: SNAPSHOT_NAME.into(),
        reason: reason.to_string(),
    }
}

type EolMap = HashMap<(String, String), String>;

/// The snapshot's feed records and end-of-life cycles.
fn snapshot_eol() -> Result<&'static (Vec<FeedRecord>, EolMap), FeedError> {
    static CELL: OnceLock<Result<(Vec<FeedRecord>, EolMap), String>> = OnceLock::new();
    CELL.get_or_init(|| {
        let p = parts()?;
        let mut map = EolMap::new();
        for (i, raw) in p.eol.iter().enumerate() {
            let v: serde_json::Value =
                serde_json::from_str(raw.get()).map_err(|e| format!("eol[{i}]: {e}"))?;
            let product = super::eol::parse(v).map_err(|e| format!("eol[{i}]: {e}"))?;
            for c in product.cycles {
                map.insert((product.product.clone(), c.cycle), c.eol);
            }
        }
        Ok((p.feeds, map))
    })
    .as_ref()
    .map_err(|r| snapshot_err(r))
}

/// The snapshot's KEV entries by CVE.
fn snapshot_kev() -> Result<&'static HashMap<String, KevEntry>, FeedError> {
    static CELL: OnceLock<Result<HashMap<String, KevEntry>, String>> = OnceLock::new();
    CELL.get_or_init(|| {
        let Some(raw) = parts()?.kev else {
            return Ok(HashMap::new());
        };
        let v: serde_json::Value =
            serde_json::from_str(raw.get()).map_err(|e| format!("kev: {e}"))?;
        let c = super::kev::parse(v).map_err(|e| format!("kev: {e}"))?;
        Ok(c.vulnerabilities
            .into_iter()
            .map(|e| (e.cve.clone(), e))
            .collect())
    })
    .as_ref()
    .map_err(|r| snapshot_err(r))
}

/// One feed an evaluation used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedUse {
    pub record: FeedRecord,
    /// It came from the snapshot built into Ward, not the data directory.
    pub embedded: bool,
}

/// The index (if any) and the snapshot, with what each contributes.
pub struct Knowledge {
    index: Option<Index>,
    kinds: Vec<String>,
    snapshot: bool,
    problems: Vec<String>,
}

impl Knowledge {
    /// The index of `data_dir` (when there is one and it verifies), with the snapshot for
    /// the kinds it lacks. A damaged index is a problem reported with the results, and
    /// only the snapshot is used.
    pub fn open(data_dir: &std::path::Path) -> Knowledge {
        match Index::open(data_dir) {
            Ok(index) => Knowledge::new(index, true),
            Err(e) => Knowledge {
                problems: vec![e.to_string()],
                ..Knowledge::new(None, true)
            },
        }
    }

    /// No data directory could be found (`reason` says why): the embedded snapshot only, and
    /// the reason reported with the results.
    pub fn without_data_dir(reason: String) -> Knowledge {
        Knowledge {
            problems: vec![reason],
            ..Knowledge::new(None, true)
        }
    }

    /// An index (or none), with or without the embedded snapshot.
    pub fn new(index: Option<Index>, snapshot: bool) -> Knowledge {
        let mut problems = Vec::new();
        let kinds = match &index {
            Some(i) => match i.feeds() {
                Ok(f) => {
                    let mut k: Vec<String> = f.into_iter().map(|r| r.kind).collect();
                    k.dedup();
                    k
                }
                Err(e) => {
                    problems.push(e.to_string());
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        Knowledge {
            index,
            kinds,
            snapshot,
            problems,
        }
    }

    /// Problems met opening the data (a corrupted index), for the report.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// Whether the index holds OSV advisories of this ecosystem.
    pub fn has_advisories(&self, ecosystem: &str) -> Result<bool, FeedError> {
        match &self.index {
            Some(i) if self.has("osv") => i.has_ecosystem(ecosystem),
            _ => Ok(false),
        }
    }

    /// The OSV ecosystems named by `names`, with each `PREFIX*` expanded to the indexed
    /// ecosystems starting with PREFIX.
    pub fn expand_ecosystems(&self, names: &[String]) -> Result<Vec<String>, FeedError> {
        let mut out = Vec::new();
        for n in names {
            match n.strip_suffix('*') {
                Some(prefix) => {
                    if let (Some(i), true) = (&self.index, self.has("osv")) {
                        out.extend(i.ecosystems_with_prefix(prefix)?);
                    }
                }
                None => out.push(n.clone()),
            }
        }
        Ok(out)
    }

    fn has(&self, kind: &str) -> bool {
        self.kinds.iter().any(|k| k == kind)
    }

    /// Whether lookups of `kind` go to the snapshot.
    fn snapshot_serves(&self, kind: &str) -> bool {
        self.snapshot && !self.has(kind)
    }

    /// The feeds behind the lookups: the index's, and the snapshot's for kinds it lacks.
    pub fn feeds(&self) -> Result<Vec<FeedUse>, FeedError> {
        let mut out: Vec<FeedUse> = match &self.index {
            Some(i) => i
                .feeds()?
                .into_iter()
                .map(|record| FeedUse {
                    record,
                    embedded: false,
                })
                .collect(),
            None => Vec::new(),
        };
        if self.snapshot_serves("kev") || self.snapshot_serves("eol") {
            for record in &snapshot_eol()?.0 {
                if self.snapshot_serves(&record.kind) {
                    out.push(FeedUse {
                        record: record.clone(),
                        embedded: true,
                    });
                }
            }
        }
        Ok(out)
    }
}

impl Lookup for Knowledge {
    fn affected(&self, ecosystem: &str, name: &str) -> Result<Vec<Hit>, FeedError> {
        match &self.index {
            Some(i) => i.affected(ecosystem, name),
            None => Ok(Vec::new()),
        }
    }
    fn advisory(&self, id: &str) -> Result<Option<AdvisoryInfo>, FeedError> {
        match &self.index {
            Some(i) => i.advisory(id),
            None => Ok(None),
        }
    }
    fn kev(&self, cve: &str) -> Result<Option<KevEntry>, FeedError> {
        if self.snapshot_serves("kev") {
            return Ok(snapshot_kev()?.get(cve).cloned());
        }
        match &self.index {
            Some(i) => i.kev(cve),
            None => Ok(None),
        }
    }
    fn eol_cycle(&self, product: &str, cycle: &str) -> Result<Option<String>, FeedError> {
        if self.snapshot_serves("eol") {
            return Ok(snapshot_eol()?
                .1
                .get(&(product.to_string(), cycle.to_string()))
                .cloned());
        }
        match &self.index {
            Some(i) => i.eol_cycle(product, cycle),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every operating system Ward names an endoflife.date product for, and every product
    /// of `controls/data/eol-products.yaml`, has data in the snapshot (openssh has none on
    /// endoflife.date and is not mapped).
    #[test]
    fn the_snapshot_covers_every_mapped_product() {
        let (_, eol) = snapshot_eol().expect("embedded snapshot");
        let products: std::collections::BTreeSet<&str> =
            eol.keys().map(|(p, _)| p.as_str()).collect();
        let mut wanted: Vec<String> = super::super::eol::builtin_map()
            .unwrap()
            .into_iter()
            .map(|m| m.product)
            .collect();
        for id in [
            "debian",
            "ubuntu",
            "almalinux",
            "rocky",
            "rhel",
            "ol",
            "centos",
            "fedora",
            "alpine",
        ] {
            let os = crate::facts::os_release::OsRelease {
                id: Some(id.into()),
                version_id: Some("9.1".into()),
                ..Default::default()
            };
            wanted.push(super::super::matching::os_product(&os).unwrap().0);
        }
        let missing: Vec<&String> = wanted
            .iter()
            .filter(|w| !products.contains(w.as_str()))
            .collect();
        assert!(missing.is_empty(), "not in the snapshot: {missing:?}");
    }

    #[test]
    fn the_embedded_snapshot_decodes_and_answers() {
        let kev = snapshot_kev().expect("embedded snapshot");
        assert!(kev.len() > 1000, "{} KEV entries", kev.len());
        // Log4Shell is the best-known KEV entry; Debian 12's end of life is in the data.
        assert!(kev.contains_key("CVE-2021-44228"));
        let (feeds, eol) = snapshot_eol().expect("embedded snapshot");
        assert!(eol.contains_key(&("debian".into(), "12".into())));
        let kinds: Vec<&str> = feeds.iter().map(|f| f.kind.as_str()).collect();
        assert!(
            kinds.contains(&"kev") && kinds.contains(&"eol"),
            "{kinds:?}"
        );
        let k = Knowledge::new(None, true);
        assert!(k.kev("CVE-2021-44228").unwrap().is_some());
        assert!(k.feeds().unwrap().iter().all(|f| f.embedded));
        let none = Knowledge::new(None, false);
        assert!(none.kev("CVE-2021-44228").unwrap().is_none());
        assert!(none.feeds().unwrap().is_empty());
    }
}
