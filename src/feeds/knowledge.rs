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

use super::bundle::Bundle;
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

/// The embedded KEV and endoflife.date data, decoded on first use.
struct Snapshot {
    kev: HashMap<String, KevEntry>,
    eol: HashMap<(String, String), String>,
    feeds: Vec<FeedRecord>,
}

fn snapshot() -> Result<&'static Snapshot, FeedError> {
    static CELL: OnceLock<Result<Snapshot, String>> = OnceLock::new();
    CELL.get_or_init(|| {
        let bundle = Bundle::parse(SNAPSHOT.as_bytes())?;
        let (batch, rejected) = bundle.into_batch();
        if let Some((what, why)) = rejected.first() {
            return Err(format!("{what}: {why}"));
        }
        Ok(Snapshot {
            kev: batch
                .kev
                .map(|k| {
                    k.vulnerabilities
                        .into_iter()
                        .map(|e| (e.cve.clone(), e))
                        .collect()
                })
                .unwrap_or_default(),
            eol: batch
                .eol
                .into_iter()
                .flat_map(|p| {
                    let product = p.product;
                    p.cycles
                        .into_iter()
                        .map(move |c| ((product.clone(), c.cycle), c.eol))
                })
                .collect(),
            feeds: batch.feeds,
        })
    })
    .as_ref()
    .map_err(|reason| FeedError::Parse {
        path: SNAPSHOT_NAME.into(),
        reason: reason.clone(),
    })
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

    /// Whether any OSV data is indexed.
    pub fn has_osv(&self) -> bool {
        self.has("osv")
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
            for record in &snapshot()?.feeds {
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
            return Ok(snapshot()?.kev.get(cve).cloned());
        }
        match &self.index {
            Some(i) => i.kev(cve),
            None => Ok(None),
        }
    }
    fn eol_cycle(&self, product: &str, cycle: &str) -> Result<Option<String>, FeedError> {
        if self.snapshot_serves("eol") {
            return Ok(snapshot()?
                .eol
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

    #[test]
    fn the_embedded_snapshot_decodes_and_answers() {
        let s = snapshot().expect("embedded snapshot");
        assert!(s.kev.len() > 1000, "{} KEV entries", s.kev.len());
        // Log4Shell is the best-known KEV entry; Debian 12's end of life is in the data.
        assert!(s.kev.contains_key("CVE-2021-44228"));
        assert!(s.eol.contains_key(&("debian".into(), "12".into())));
        let kinds: Vec<&str> = s.feeds.iter().map(|f| f.kind.as_str()).collect();
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
