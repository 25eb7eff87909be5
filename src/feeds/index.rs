//! The feed index: an SQLite file in the data directory holding what matching needs from
//! every imported or downloaded feed, so a scan looks packages up instead of re-reading
//! raw JSON.
//!
//! The index is rebuilt in a temporary file beside it and renamed into place, so it is
//! never half-written; its SHA-256 is then recorded in `index.sha256` (the format of
//! `sha256sum`, so `sha256sum -c index.sha256` checks it too), and the file's identity as
//! hashed in `index.stamp`. Opening checks the digest unless the file's identity (size,
//! modification and change times, device, inode) is still the one stamped: an index that
//! was truncated, corrupted, replaced or changed by hand is hashed, and a mismatch is an
//! error ("run `ward feeds import` or `ward feeds update` again"), never trusted.
//! `ward feeds status` always hashes in full.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use sha2::{Digest, Sha256};

use super::{eol, kev, osv, FeedError};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS feed (
    kind TEXT NOT NULL, source TEXT NOT NULL, date TEXT NOT NULL,
    updated_at TEXT NOT NULL, records INTEGER NOT NULL, sha256 TEXT NOT NULL,
    PRIMARY KEY (kind, source));
CREATE TABLE IF NOT EXISTS advisory (
    id TEXT PRIMARY KEY, summary TEXT NOT NULL, published TEXT NOT NULL,
    modified TEXT NOT NULL, cves TEXT NOT NULL, severity TEXT);
CREATE TABLE IF NOT EXISTS affected (
    ecosystem TEXT NOT NULL, name TEXT NOT NULL, advisory TEXT NOT NULL, seq INTEGER NOT NULL,
    events TEXT NOT NULL, versions TEXT NOT NULL,
    PRIMARY KEY (ecosystem, name, advisory, seq)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS affected_advisory ON affected (advisory);
CREATE TABLE IF NOT EXISTS kev (
    cve TEXT PRIMARY KEY, vendor TEXT NOT NULL, product TEXT NOT NULL, name TEXT NOT NULL,
    date_added TEXT NOT NULL, due_date TEXT NOT NULL, ransomware TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS eol (
    product TEXT NOT NULL, title TEXT NOT NULL, position INTEGER NOT NULL, cycle TEXT NOT NULL,
    codename TEXT, release_date TEXT, eol TEXT NOT NULL, latest TEXT,
    PRIMARY KEY (product, cycle));
";

/// The index format; an index of another format is refused (import again).
const FORMAT: i64 = 3;

fn check_format(db: &Connection, path: &Path) -> Result<(), FeedError> {
    let v: i64 = db
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(sqlite_err(path))?;
    if v != FORMAT {
        return Err(FeedError::Corrupt {
            path: path.display().to_string(),
            reason: format!("index format {v}, this Ward reads format {FORMAT}"),
        });
    }
    Ok(())
}

/// Separators of the compact event and version lists stored in the index (ASCII record
/// and unit separators; OSV versions holding control characters are refused at import).
const RECORD: &str = "\u{1e}";
const UNIT: char = '\u{1f}';

fn encode_events(events: &[(String, String)]) -> String {
    events
        .iter()
        .map(|(k, v)| format!("{k}{UNIT}{v}"))
        .collect::<Vec<_>>()
        .join(RECORD)
}

fn decode_events(s: &str) -> Option<Vec<(String, String)>> {
    if s.is_empty() {
        return Some(Vec::new());
    }
    s.split(RECORD)
        .map(|e| {
            e.split_once(UNIT)
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect()
}

/// The index file and its digest file in a data directory.
pub fn paths(data_dir: &Path) -> (PathBuf, PathBuf) {
    (data_dir.join("index.sqlite"), data_dir.join("index.sha256"))
}

/// The file recording the index file's identity (size, modification and change times,
/// device, inode) when Ward last hashed it and found the recorded digest.
fn stamp_path(data_dir: &Path) -> PathBuf {
    data_dir.join("index.stamp")
}

/// The identity of the index file as the file system reports it. Any write to the file, a
/// replacement or a copy changes it (the change time cannot be set back by a user).
fn identity(index: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(index).ok()?;
    Some(format!(
        "{} {}.{} {}.{} {} {}\n",
        m.len(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec(),
        m.dev(),
        m.ino()
    ))
}

/// Record that the index as it is now matches its digest (best effort: without a stamp the
/// next use hashes the index again).
fn write_stamp(data_dir: &Path) {
    let (index, _) = paths(data_dir);
    if let Some(id) = identity(&index) {
        if let Ok(tmp) = tempfile::NamedTempFile::new_in(data_dir) {
            if std::fs::write(tmp.path(), id).is_ok() {
                let _ = tmp.persist(stamp_path(data_dir));
            }
        }
    }
}

/// Whether the index is unchanged since Ward last hashed it and found its digest.
fn unchanged_since_verified(data_dir: &Path) -> bool {
    let (index, _) = paths(data_dir);
    match (
        std::fs::read_to_string(stamp_path(data_dir)),
        identity(&index),
    ) {
        (Ok(stamp), Some(now)) => stamp == now,
        _ => false,
    }
}

fn sqlite_err(path: &Path) -> impl Fn(rusqlite::Error) -> FeedError + '_ {
    move |e| FeedError::Index {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> FeedError + '_ {
    move |e| FeedError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

fn digest_file(path: &Path) -> Result<String, FeedError> {
    let mut f = std::fs::File::open(path).map_err(io_err(path))?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h).map_err(io_err(path))?;
    Ok(hex::encode(h.finalize()))
}

/// What one import or update adds.
#[derive(Debug, Default)]
pub struct Batch {
    pub advisories: Vec<osv::Advisory>,
    pub kev: Option<kev::Catalogue>,
    pub eol: Vec<eol::Product>,
    /// Feed records: (kind, source, feed date, records, sha256 of what was read).
    pub feeds: Vec<FeedRecord>,
}

/// One feed's provenance.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedRecord {
    /// `osv`, `kev` or `eol`.
    pub kind: String,
    pub source: String,
    /// The feed's own date (KEV `dateReleased`, the newest `modified` of OSV records, the
    /// import time for endoflife.date).
    pub date: String,
    pub updated_at: String,
    pub records: u64,
    pub sha256: String,
}

/// Add a batch to the index of `data_dir` (creating it), atomically: the new index is
/// written to a temporary file and renamed over the old one only when complete.
pub fn apply(data_dir: &Path, batch: &Batch) -> Result<(), FeedError> {
    std::fs::create_dir_all(data_dir).map_err(io_err(data_dir))?;
    let (index, digest) = paths(data_dir);
    // Start from the current index (verified) or an empty one.
    let tmp = tempfile::Builder::new()
        .prefix(".index-")
        .suffix(".tmp")
        .tempfile_in(data_dir)
        .map_err(io_err(data_dir))?;
    if index.exists() {
        verify(data_dir)?;
        std::fs::copy(&index, tmp.path()).map_err(io_err(&index))?;
    }
    {
        let mut db = Connection::open(tmp.path()).map_err(sqlite_err(tmp.path()))?;
        if index.exists() {
            check_format(&db, &index)?;
        }
        write_batch(&mut db, batch, tmp.path())?;
        db.execute_batch("VACUUM").map_err(sqlite_err(tmp.path()))?;
    }
    let sum = digest_file(tmp.path())?;
    tmp.persist(&index).map_err(|e| io_err(&index)(e.error))?;
    let tmp_digest = tempfile::NamedTempFile::new_in(data_dir).map_err(io_err(data_dir))?;
    std::fs::write(tmp_digest.path(), format!("{sum}  index.sqlite\n")).map_err(io_err(&digest))?;
    tmp_digest
        .persist(&digest)
        .map_err(|e| io_err(&digest)(e.error))?;
    write_stamp(data_dir);
    Ok(())
}

/// Write a batch into an index database (created when empty).
fn write_batch(db: &mut Connection, batch: &Batch, path: &Path) -> Result<(), FeedError> {
    {
        let e = sqlite_err(path);
        db.execute_batch(SCHEMA).map_err(&e)?;
        db.execute_batch(&format!("PRAGMA user_version = {FORMAT};"))
            .map_err(&e)?;
        let tx = db.transaction().map_err(&e)?;
        for a in &batch.advisories {
            tx.execute("DELETE FROM affected WHERE advisory = ?1", params![a.id])
                .map_err(&e)?;
            tx.execute(
                "INSERT OR REPLACE INTO advisory VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    a.id,
                    a.summary,
                    a.published,
                    a.modified,
                    a.cves.join(" "),
                    a.severity
                ],
            )
            .map_err(&e)?;
            let mut ins = tx
                .prepare_cached("INSERT INTO affected VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
                .map_err(&e)?;
            for (seq, p) in a.affected.iter().enumerate() {
                let events = encode_events(&p.events);
                let versions = p.versions.join(RECORD);
                ins.execute(params![
                    p.ecosystem,
                    p.name,
                    a.id,
                    seq as i64,
                    events,
                    versions
                ])
                .map_err(&e)?;
            }
        }
        if let Some(k) = &batch.kev {
            tx.execute("DELETE FROM kev", []).map_err(&e)?;
            let mut ins = tx
                .prepare_cached("INSERT OR REPLACE INTO kev VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
                .map_err(&e)?;
            for v in &k.vulnerabilities {
                ins.execute(params![
                    v.cve,
                    v.vendor,
                    v.product,
                    v.name,
                    v.date_added,
                    v.due_date,
                    v.ransomware
                ])
                .map_err(&e)?;
            }
        }
        for p in &batch.eol {
            tx.execute("DELETE FROM eol WHERE product = ?1", params![p.product])
                .map_err(&e)?;
            let mut ins = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO eol VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(&e)?;
            for (i, c) in p.cycles.iter().enumerate() {
                ins.execute(params![
                    p.product,
                    p.title,
                    i as i64,
                    c.cycle,
                    c.codename,
                    c.release_date,
                    c.eol,
                    c.latest
                ])
                .map_err(&e)?;
            }
        }
        for f in &batch.feeds {
            // One row per source (each OSV archive, each endoflife.date product); the KEV
            // catalogue is replaced whole, so it has one row whatever its source.
            if f.kind == "kev" {
                tx.execute("DELETE FROM feed WHERE kind = 'kev'", [])
                    .map_err(&e)?;
            }
            tx.execute(
                "INSERT OR REPLACE INTO feed VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    f.kind,
                    f.source,
                    f.date,
                    f.updated_at,
                    f.records as i64,
                    f.sha256
                ],
            )
            .map_err(&e)?;
        }
        tx.commit().map_err(&e)?;
    }
    Ok(())
}

/// Check the index against its recorded digest.
pub fn verify(data_dir: &Path) -> Result<(), FeedError> {
    let (index, digest) = paths(data_dir);
    let recorded = std::fs::read_to_string(&digest).map_err(|e| FeedError::Corrupt {
        path: index.display().to_string(),
        reason: format!("its digest file {} cannot be read: {e}", digest.display()),
    })?;
    let recorded = recorded.split_whitespace().next().unwrap_or("");
    let actual = digest_file(&index)?;
    if recorded != actual {
        return Err(FeedError::Corrupt {
            path: index.display().to_string(),
            reason: format!("SHA-256 is {actual}, the recorded one is {recorded}"),
        });
    }
    Ok(())
}

/// A KEV entry from a row of `SELECT cve, vendor, product, name, date_added, due_date,
/// ransomware`.
fn kev_row(r: &rusqlite::Row) -> rusqlite::Result<kev::KevEntry> {
    Ok(kev::KevEntry {
        cve: r.get(0)?,
        vendor: r.get(1)?,
        product: r.get(2)?,
        name: r.get(3)?,
        date_added: r.get(4)?,
        due_date: r.get(5)?,
        ransomware: r.get(6)?,
    })
}

/// An opened, verified index.
pub struct Index {
    db: Connection,
    path: PathBuf,
}

/// A range-carrying affected entry found for a package.
#[derive(Debug, Clone)]
pub struct Hit {
    pub advisory: String,
    pub events: Vec<(String, String)>,
    pub versions: Vec<String>,
}

/// An advisory's indexed fields.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AdvisoryInfo {
    pub id: String,
    pub summary: String,
    pub published: String,
    pub cves: Vec<String>,
    pub severity: Option<String>,
}

impl Index {
    /// Open the index of `data_dir` for lookups. Its SHA-256 is checked unless the file is
    /// exactly as it was when Ward last checked it (same size, times, device and inode: any
    /// write, truncation or replacement changes them), so a scan does not hash hundreds of
    /// megabytes each time. `Ok(None)` when there is no index yet.
    pub fn open(data_dir: &Path) -> Result<Option<Index>, FeedError> {
        Index::open_inner(data_dir, false)
    }

    /// Open the index after checking its SHA-256 in full, whatever its stamp says, and
    /// record the stamp when it matches (`ward feeds status` and `export`).
    pub fn open_checked(data_dir: &Path) -> Result<Option<Index>, FeedError> {
        Index::open_inner(data_dir, true)
    }

    fn open_inner(data_dir: &Path, full: bool) -> Result<Option<Index>, FeedError> {
        let (path, _) = paths(data_dir);
        if !path.exists() {
            return Ok(None);
        }
        if full || !unchanged_since_verified(data_dir) {
            verify(data_dir)?;
            if full {
                write_stamp(data_dir);
            }
        }
        let uri = format!("file:{}?mode=ro&immutable=1", path.display());
        let db = Connection::open_with_flags(
            &uri,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(sqlite_err(&path))?;
        check_format(&db, &path)?;
        // Map the file instead of reading it page by page (lookups touch most of it).
        db.execute_batch("PRAGMA mmap_size = 268435456; PRAGMA cache_size = -32768;")
            .map_err(sqlite_err(&path))?;
        Ok(Some(Index { db, path }))
    }

    /// An index held in memory, built from a batch: the embedded snapshot a fresh install
    /// uses, and the feed data a catalogue fixture carries. `label` names it in errors.
    pub fn in_memory(batch: &Batch, label: &str) -> Result<Index, FeedError> {
        let path = PathBuf::from(label);
        let mut db = Connection::open_in_memory().map_err(sqlite_err(&path))?;
        write_batch(&mut db, batch, &path)?;
        Ok(Index { db, path })
    }

    /// An affected row's stored events and versions, decoded; malformed text is a corrupt
    /// index, never an empty range.
    #[allow(clippy::type_complexity)]
    fn decode_ranges(
        &self,
        events: &str,
        versions: &str,
    ) -> Result<(Vec<(String, String)>, Vec<String>), FeedError> {
        let events = decode_events(events).ok_or_else(|| FeedError::Corrupt {
            path: self.path.display().to_string(),
            reason: format!("malformed range events {events:?}"),
        })?;
        let versions = if versions.is_empty() {
            Vec::new()
        } else {
            versions.split(RECORD).map(str::to_string).collect()
        };
        Ok((events, versions))
    }

    /// The affected entries of a package in an ecosystem.
    pub fn affected(&self, ecosystem: &str, name: &str) -> Result<Vec<Hit>, FeedError> {
        let e = sqlite_err(&self.path);
        let mut q = self
            .db
            .prepare_cached(
                "SELECT advisory, events, versions FROM affected WHERE ecosystem = ?1 AND name = ?2",
            )
            .map_err(&e)?;
        let rows = q
            .query_map(params![ecosystem, name], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(&e)?;
        let mut out = Vec::new();
        for row in rows {
            let (advisory, events, versions) = row.map_err(&e)?;
            let (events, versions) = self.decode_ranges(&events, &versions)?;
            out.push(Hit {
                advisory,
                events,
                versions,
            });
        }
        Ok(out)
    }

    /// An advisory by id.
    pub fn advisory(&self, id: &str) -> Result<Option<AdvisoryInfo>, FeedError> {
        let e = sqlite_err(&self.path);
        self.db
            .prepare_cached(
                "SELECT id, summary, published, cves, severity FROM advisory WHERE id = ?1",
            )
            .map_err(&e)?
            .query_row(params![id], |r| {
                Ok(AdvisoryInfo {
                    id: r.get(0)?,
                    summary: r.get(1)?,
                    published: r.get(2)?,
                    cves: r
                        .get::<_, String>(3)?
                        .split_whitespace()
                        .map(str::to_string)
                        .collect(),
                    severity: r.get(4)?,
                })
            })
            .optional()
            .map_err(&e)
    }

    /// The KEV entry of a CVE.
    pub fn kev(&self, cve: &str) -> Result<Option<kev::KevEntry>, FeedError> {
        let e = sqlite_err(&self.path);
        self.db
            .prepare_cached("SELECT cve, vendor, product, name, date_added, due_date, ransomware FROM kev WHERE cve = ?1")
            .map_err(&e)?
            .query_row(params![cve], kev_row)
            .optional()
            .map_err(&e)
    }

    /// The feeds the index holds.
    pub fn feeds(&self) -> Result<Vec<FeedRecord>, FeedError> {
        let e = sqlite_err(&self.path);
        let mut q = self
            .db
            .prepare(
                "SELECT kind, source, date, updated_at, records, sha256 FROM feed ORDER BY kind, source",
            )
            .map_err(&e)?;
        let rows = q
            .query_map([], |r| {
                Ok(FeedRecord {
                    kind: r.get(0)?,
                    source: r.get(1)?,
                    date: r.get(2)?,
                    updated_at: r.get(3)?,
                    records: r.get::<_, i64>(4)? as u64,
                    sha256: r.get(5)?,
                })
            })
            .map_err(&e)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(&e)
    }
}

impl Index {
    /// Whether any advisory names a package of this ecosystem.
    pub fn has_ecosystem(&self, ecosystem: &str) -> Result<bool, FeedError> {
        let e = sqlite_err(&self.path);
        self.db
            .prepare_cached("SELECT 1 FROM affected WHERE ecosystem = ?1 LIMIT 1")
            .map_err(&e)?
            .exists(params![ecosystem])
            .map_err(&e)
    }

    /// The indexed ecosystems whose name starts with `prefix`, sorted.
    pub fn ecosystems_with_prefix(&self, prefix: &str) -> Result<Vec<String>, FeedError> {
        let e = sqlite_err(&self.path);
        // Ecosystems lead the affected table's key: a range scan, not a table scan.
        let upper = format!("{prefix}\u{10ffff}");
        let mut q = self
            .db
            .prepare_cached(
                "SELECT DISTINCT ecosystem FROM affected WHERE ecosystem >= ?1 AND ecosystem < ?2 ORDER BY ecosystem",
            )
            .map_err(&e)?;
        let rows = q
            .query_map(params![prefix, upper], |r| r.get::<_, String>(0))
            .map_err(&e)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(&e)
    }

    /// Every advisory with its affected packages, by id (for export).
    pub fn all_advisories(&self) -> Result<Vec<osv::Advisory>, FeedError> {
        let e = sqlite_err(&self.path);
        let mut affected: std::collections::HashMap<String, Vec<osv::Affected>> =
            std::collections::HashMap::new();
        let mut q = self
            .db
            .prepare("SELECT advisory, ecosystem, name, events, versions FROM affected ORDER BY advisory, seq")
            .map_err(&e)?;
        let mut rows = q.query([]).map_err(&e)?;
        while let Some(r) = rows.next().map_err(&e)? {
            let events: String = r.get(3).map_err(&e)?;
            let versions: String = r.get(4).map_err(&e)?;
            let (events, versions) = self.decode_ranges(&events, &versions)?;
            affected
                .entry(r.get(0).map_err(&e)?)
                .or_default()
                .push(osv::Affected {
                    ecosystem: r.get(1).map_err(&e)?,
                    name: r.get(2).map_err(&e)?,
                    events,
                    versions,
                });
        }
        let mut q = self
            .db
            .prepare(
                "SELECT id, summary, published, modified, cves, severity FROM advisory ORDER BY id",
            )
            .map_err(&e)?;
        let mut rows = q.query([]).map_err(&e)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(&e)? {
            let id: String = r.get(0).map_err(&e)?;
            let cves: String = r.get(4).map_err(&e)?;
            out.push(osv::Advisory {
                affected: affected.remove(&id).unwrap_or_default(),
                id,
                summary: r.get(1).map_err(&e)?,
                published: r.get(2).map_err(&e)?,
                modified: r.get(3).map_err(&e)?,
                cves: cves.split_whitespace().map(str::to_string).collect(),
                severity: r.get(5).map_err(&e)?,
            });
        }
        Ok(out)
    }

    /// Every KEV entry, by CVE (for export).
    pub fn all_kev(&self) -> Result<Vec<kev::KevEntry>, FeedError> {
        let e = sqlite_err(&self.path);
        let mut q = self
            .db
            .prepare("SELECT cve, vendor, product, name, date_added, due_date, ransomware FROM kev ORDER BY cve")
            .map_err(&e)?;
        let rows = q.query_map([], kev_row).map_err(&e)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(&e)
    }

    /// Every endoflife.date product with its cycles in their original order (for export).
    pub fn all_eol(&self) -> Result<Vec<eol::Product>, FeedError> {
        let e = sqlite_err(&self.path);
        let mut q = self
            .db
            .prepare("SELECT product, title, cycle, codename, release_date, eol, latest FROM eol ORDER BY product, position")
            .map_err(&e)?;
        let mut rows = q.query([]).map_err(&e)?;
        let mut out: Vec<eol::Product> = Vec::new();
        while let Some(r) = rows.next().map_err(&e)? {
            let product: String = r.get(0).map_err(&e)?;
            if out.last().is_none_or(|p| p.product != product) {
                out.push(eol::Product {
                    product,
                    title: r.get(1).map_err(&e)?,
                    cycles: Vec::new(),
                });
            }
            if let Some(p) = out.last_mut() {
                p.cycles.push(eol::Cycle {
                    cycle: r.get(2).map_err(&e)?,
                    codename: r.get(3).map_err(&e)?,
                    release_date: r.get(4).map_err(&e)?,
                    eol: r.get(5).map_err(&e)?,
                    latest: r.get(6).map_err(&e)?,
                });
            }
        }
        Ok(out)
    }

    /// A product's cycle from the endoflife.date data: (`eol`, title).
    pub fn eol_cycle(&self, product: &str, cycle: &str) -> Result<Option<String>, FeedError> {
        let e = sqlite_err(&self.path);
        self.db
            .prepare_cached("SELECT eol FROM eol WHERE product = ?1 AND cycle = ?2")
            .map_err(&e)?
            .query_row(params![product, cycle], |r| r.get(0))
            .optional()
            .map_err(&e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_and_damage_is_detected() {
        let ev = vec![
            ("introduced".to_string(), "0".to_string()),
            ("fixed".to_string(), "1:2.34-83.el9_3.7".to_string()),
        ];
        assert_eq!(decode_events(&encode_events(&ev)), Some(ev));
        assert_eq!(decode_events(""), Some(Vec::new()));
        assert_eq!(decode_events("fixed without separator"), None);
    }
}
