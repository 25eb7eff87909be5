//! `ward feeds import PATH`: feeds from files, for sites without internet access.
//!
//! PATH is a JSON file or a directory searched for `*.json` files (at most 8 levels deep,
//! symlinks not followed). Each file is recognised by its shape: the KEV catalogue, an
//! endoflife.date product, or an OSV record. A file that is not valid JSON, is of none of
//! these shapes, or is malformed is listed with its reason, and everything else is still
//! imported: one bad record never loses the rest.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::index::{Batch, FeedRecord};
use super::{eol, index, kev, osv, FeedError};

/// Files larger than this are not feed files (the KEV catalogue is about 1.5 MB).
const MAX_FILE: u64 = 256 << 20;

/// What an import did.
#[derive(Debug, Default)]
pub struct Report {
    pub osv: usize,
    pub kev: usize,
    pub eol: usize,
    /// Files not imported, with the reason.
    pub rejected: Vec<(PathBuf, String)>,
}

/// Read `path` into a batch (no index is touched).
pub fn read(path: &Path) -> Result<(Batch, Report), FeedError> {
    let io = |p: &Path, e: &dyn std::fmt::Display| FeedError::Io {
        path: p.display().to_string(),
        reason: e.to_string(),
    };
    let meta = std::fs::metadata(path).map_err(|e| io(path, &e))?;
    let files: Vec<PathBuf> = if meta.is_dir() {
        let mut v = Vec::new();
        for entry in walkdir::WalkDir::new(path)
            .max_depth(8)
            .follow_links(false)
            .sort_by_file_name()
        {
            let entry = entry.map_err(|e| io(path, &e))?;
            if entry.file_type().is_file()
                && entry.path().extension().and_then(|e| e.to_str()) == Some("json")
            {
                v.push(entry.into_path());
            }
        }
        v
    } else {
        vec![path.to_path_buf()]
    };
    let now = jiff::Timestamp::now().to_string();
    let mut batch = Batch::default();
    let mut report = Report::default();
    let mut osv_hash = Sha256::new();
    let mut newest_osv = String::new();
    for f in files {
        let bytes = match std::fs::metadata(&f) {
            Ok(m) if m.len() > MAX_FILE => {
                report
                    .rejected
                    .push((f, format!("over {} MiB: not a feed file", MAX_FILE >> 20)));
                continue;
            }
            Ok(_) => match std::fs::read(&f) {
                Ok(b) => b,
                Err(e) => {
                    report.rejected.push((f, e.to_string()));
                    continue;
                }
            },
            Err(e) => {
                report.rejected.push((f, e.to_string()));
                continue;
            }
        };
        let value: serde_json::Value = match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(e) => {
                report.rejected.push((f, format!("not valid JSON: {e}")));
                continue;
            }
        };
        let sha = hex::encode(Sha256::digest(&bytes));
        if kev::looks_like(&value) {
            match kev::parse(value) {
                Ok(c) => {
                    report.kev = c.vulnerabilities.len();
                    batch.feeds.push(FeedRecord {
                        kind: "kev".into(),
                        source: f.display().to_string(),
                        date: c.released.clone(),
                        updated_at: now.clone(),
                        records: c.vulnerabilities.len() as u64,
                        sha256: sha,
                    });
                    batch.kev = Some(c);
                }
                Err(e) => report.rejected.push((f, e)),
            }
        } else if eol::looks_like(&value) {
            match eol::parse(value) {
                Ok(p) => {
                    report.eol += 1;
                    batch.eol.push(p);
                }
                Err(e) => report.rejected.push((f, e)),
            }
        } else if osv::looks_like(&value) {
            match osv::parse(value) {
                Ok(a) => {
                    report.osv += 1;
                    osv_hash.update(&bytes);
                    if a.modified > newest_osv {
                        newest_osv = a.modified.clone();
                    }
                    batch.advisories.push(a);
                }
                Err(e) => report.rejected.push((f, e)),
            }
        } else {
            report.rejected.push((
                f,
                "neither an OSV record, the KEV catalogue nor an endoflife.date product".into(),
            ));
        }
    }
    if report.osv > 0 {
        batch.feeds.push(FeedRecord {
            kind: "osv".into(),
            source: path.display().to_string(),
            date: newest_osv,
            updated_at: now.clone(),
            records: report.osv as u64,
            sha256: hex::encode(osv_hash.finalize()),
        });
    }
    if report.eol > 0 {
        batch.feeds.push(FeedRecord {
            kind: "eol".into(),
            source: path.display().to_string(),
            date: now.clone(),
            updated_at: now,
            records: report.eol as u64,
            sha256: String::new(),
        });
    }
    Ok((batch, report))
}

/// Import `path` into the index of `data_dir`.
pub fn import(data_dir: &Path, path: &Path) -> Result<Report, FeedError> {
    let (batch, report) = read(path)?;
    index::apply(data_dir, &batch)?;
    Ok(report)
}
