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

/// Collects what the files of one import hold.
struct Reader {
    batch: Batch,
    report: Report,
    osv_hash: Sha256,
    newest_osv: String,
    now: String,
    /// Feed records carried by bundles.
    manifest: Vec<FeedRecord>,
    /// OSV records and endoflife.date products read from loose files (not bundles).
    loose_osv: usize,
    loose_eol: usize,
}

impl Reader {
    fn new() -> Reader {
        Reader {
            batch: Batch::default(),
            report: Report::default(),
            osv_hash: Sha256::new(),
            newest_osv: String::new(),
            now: jiff::Timestamp::now().to_string(),
            manifest: Vec::new(),
            loose_osv: 0,
            loose_eol: 0,
        }
    }

    /// Take one file's bytes: recognise it and keep what it holds, or list it as rejected.
    fn add(&mut self, name: PathBuf, source: &str, bytes: &[u8]) {
        let value: serde_json::Value = match serde_json::from_slice(bytes) {
            Ok(v) => v,
            Err(e) => {
                self.report
                    .rejected
                    .push((name, format!("not valid JSON: {e}")));
                return;
            }
        };
        let sha = hex::encode(Sha256::digest(bytes));
        let result = if super::bundle::looks_like(&value) {
            super::bundle::Bundle::from_value(value).map(|b| {
                let (batch, rejected) = b.into_batch();
                self.report.osv += batch.advisories.len();
                self.report.eol += batch.eol.len();
                if let Some(k) = &batch.kev {
                    self.report.kev = k.vulnerabilities.len();
                    self.batch.kev = batch.kev;
                    self.batch.feeds.retain(|f| f.kind != "kev");
                }
                self.batch.advisories.extend(batch.advisories);
                self.batch.eol.extend(batch.eol);
                // The bundle's own provenance, not "imported from this file today".
                self.manifest.extend(batch.feeds);
                for (what, why) in rejected {
                    self.report.rejected.push((name.join(what), why));
                }
            })
        } else if kev::looks_like(&value) {
            kev::parse(value).map(|c| {
                self.report.kev = c.vulnerabilities.len();
                self.batch.feeds.retain(|f| f.kind != "kev");
                self.manifest.retain(|f| f.kind != "kev");
                self.batch.feeds.push(FeedRecord {
                    kind: "kev".into(),
                    source: source.to_string(),
                    date: c.released.clone(),
                    updated_at: self.now.clone(),
                    records: c.vulnerabilities.len() as u64,
                    sha256: sha,
                });
                self.batch.kev = Some(c);
            })
        } else if eol::looks_like(&value) {
            eol::parse(value).map(|p| {
                self.report.eol += 1;
                self.loose_eol += 1;
                self.batch.eol.push(p);
            })
        } else if osv::looks_like(&value) {
            osv::parse(value).map(|a| {
                self.report.osv += 1;
                self.loose_osv += 1;
                self.osv_hash.update(bytes);
                if a.modified > self.newest_osv {
                    self.newest_osv = a.modified.clone();
                }
                self.batch.advisories.push(a);
            })
        } else {
            Err("neither an OSV record, the KEV catalogue nor an endoflife.date product".into())
        };
        if let Err(e) = result {
            self.report.rejected.push((name, e));
        }
    }

    /// Every `*.json` entry of a zip archive (as osv.dev publishes each ecosystem).
    fn add_zip(&mut self, path: &Path, bytes: &[u8]) -> Result<(), String> {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
            .map_err(|e| format!("not a readable zip archive: {e}"))?;
        let source = path.display().to_string();
        for i in 0..zip.len() {
            let mut entry = match zip.by_index(i) {
                Ok(e) => e,
                Err(e) => {
                    self.report
                        .rejected
                        .push((path.join(format!("#{i}")), e.to_string()));
                    continue;
                }
            };
            let name = path.join(entry.name());
            if !entry.is_file() || !entry.name().ends_with(".json") {
                continue;
            }
            if entry.size() > MAX_FILE {
                self.report.rejected.push((
                    name,
                    format!("over {} MiB: not a feed file", MAX_FILE >> 20),
                ));
                continue;
            }
            let mut data = Vec::with_capacity(entry.size() as usize);
            if let Err(e) = std::io::Read::read_to_end(
                &mut std::io::Read::take(&mut entry, MAX_FILE + 1),
                &mut data,
            ) {
                self.report.rejected.push((name, e.to_string()));
                continue;
            }
            self.add(name, &source, &data);
        }
        Ok(())
    }

    fn finish(mut self, source: &str) -> (Batch, Report) {
        if self.loose_osv > 0 {
            self.batch.feeds.push(FeedRecord {
                kind: "osv".into(),
                source: source.to_string(),
                date: self.newest_osv,
                updated_at: self.now.clone(),
                records: self.loose_osv as u64,
                sha256: hex::encode(self.osv_hash.finalize()),
            });
        }
        if self.loose_eol > 0 {
            self.batch.feeds.push(FeedRecord {
                kind: "eol".into(),
                source: source.to_string(),
                date: self.now.clone(),
                updated_at: self.now,
                records: self.loose_eol as u64,
                sha256: String::new(),
            });
        }
        if self.manifest.iter().any(|f| f.kind == "kev") {
            // A loose KEV file read after the bundle would have replaced its record.
            self.batch.feeds.retain(|f| f.kind != "kev");
        }
        self.batch.feeds.extend(self.manifest);
        (self.batch, self.report)
    }
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
                && matches!(
                    entry.path().extension().and_then(|e| e.to_str()),
                    Some("json" | "zip")
                )
            {
                v.push(entry.into_path());
            }
        }
        v
    } else {
        vec![path.to_path_buf()]
    };
    let mut reader = Reader::new();
    for f in files {
        let bytes = match std::fs::metadata(&f) {
            Ok(m) if m.len() > MAX_FILE => {
                reader
                    .report
                    .rejected
                    .push((f, format!("over {} MiB: not a feed file", MAX_FILE >> 20)));
                continue;
            }
            Ok(_) => match std::fs::read(&f) {
                Ok(b) => b,
                Err(e) => {
                    reader.report.rejected.push((f, e.to_string()));
                    continue;
                }
            },
            Err(e) => {
                reader.report.rejected.push((f, e.to_string()));
                continue;
            }
        };
        if f.extension().and_then(|e| e.to_str()) == Some("zip") {
            if let Err(e) = reader.add_zip(&f, &bytes) {
                reader.report.rejected.push((f, e));
            }
        } else {
            let source = path.display().to_string();
            reader.add(f, &source, &bytes);
        }
    }
    Ok(reader.finish(&path.display().to_string()))
}

/// Read downloaded bytes (a JSON document or a zip of them) into a batch.
pub fn read_bytes(source: &str, bytes: &[u8]) -> (Batch, Report) {
    let mut reader = Reader::new();
    let name = PathBuf::from(source);
    if bytes.starts_with(b"PK\x03\x04") {
        if let Err(e) = reader.add_zip(&name, bytes) {
            reader.report.rejected.push((name, e));
        }
    } else {
        reader.add(name, source, bytes);
    }
    reader.finish(source)
}

/// Import `path` into the index of `data_dir`.
pub fn import(data_dir: &Path, path: &Path) -> Result<Report, FeedError> {
    let (batch, report) = read(path)?;
    index::apply(data_dir, &batch)?;
    Ok(report)
}
