//! `ward feeds update`: download the feeds over HTTPS and add them to the index.
//!
//! One `reqwest` client (rustls, no OpenSSL) with a connect timeout, a total timeout per
//! request, at most ten redirects, and a cap on the size of each response (checked against
//! `Content-Length` before reading and while reading). Requests are conditional: the ETag
//! and Last-Modified of each source's last download are kept in `sources.json` in the data
//! directory, and a `304 Not Modified` leaves that feed as it is. Each download's SHA-256 is
//! recorded, and checked when the source names the digest it expects (a hospital mirror
//! may publish one). Feeds are added to the index only after they downloaded and parsed in
//! full, and the index itself is replaced atomically; a failed source leaves that feed's
//! previous data in place and is reported with the reason.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::index;
use super::{import, FeedError};

/// A feed to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// `osv`, `kev` or `eol` (only for messages: the content decides what it is).
    pub kind: String,
    pub url: String,
    /// The SHA-256 the download must have, when the source publishes one.
    pub sha256: Option<String>,
}

/// The public sources: CISA's KEV catalogue, osv.dev's per-ecosystem archives of the
/// distributions Ward matches, and endoflife.date's API for the operating systems and the
/// software `controls/data/eol-products.yaml` maps.
pub fn default_sources() -> Vec<Source> {
    let mut v = vec![Source {
        kind: "kev".into(),
        url: "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
            .into(),
        sha256: None,
    }];
    for eco in [
        "Debian",
        "Ubuntu",
        "Alpine",
        "AlmaLinux",
        "Rocky%20Linux",
        "Red%20Hat",
    ] {
        v.push(Source {
            kind: "osv".into(),
            url: format!("https://osv-vulnerabilities.storage.googleapis.com/{eco}/all.zip"),
            sha256: None,
        });
    }
    let mut products: Vec<String> = super::matching::OS_PRODUCTS
        .iter()
        .map(|s| s.to_string())
        .collect();
    if let Ok(map) = super::eol::builtin_map() {
        products.extend(map.into_iter().map(|m| m.product));
    }
    for p in products {
        v.push(Source {
            kind: "eol".into(),
            url: format!("https://endoflife.date/api/v1/products/{p}/"),
            sha256: None,
        });
    }
    v
}

/// Parse `KIND=URL` or `KIND=URL#sha256=HEX` (for `--source`).
pub fn parse_source(s: &str) -> Result<Source, String> {
    let (kind, rest) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?}: expected KIND=URL (kind osv, kev or eol)"))?;
    if !matches!(kind, "osv" | "kev" | "eol") {
        return Err(format!("{s:?}: kind must be osv, kev or eol"));
    }
    let (url, sha256) = match rest.split_once("#sha256=") {
        Some((u, h)) => (u, Some(h.to_ascii_lowercase())),
        None => (rest, None),
    };
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(format!("{s:?}: the URL must be http(s)"));
    }
    Ok(Source {
        kind: kind.into(),
        url: url.into(),
        sha256,
    })
}

/// Limits for one update.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub max_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(300),
            max_bytes: 512 << 20,
        }
    }
}

/// What happened to one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Downloaded and indexed: records read, files rejected.
    Updated { records: usize, rejected: usize },
    /// The server said it has not changed since the last download.
    NotModified,
    /// Not updated; the feed's previous data stays.
    Failed(String),
}

/// The validators kept per URL for conditional requests.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Validators {
    #[serde(default)]
    etag: Option<String>,
    #[serde(default)]
    last_modified: Option<String>,
    #[serde(default)]
    sha256: String,
    #[serde(default)]
    fetched_at: String,
}

fn load_validators(data_dir: &Path) -> BTreeMap<String, Validators> {
    std::fs::read(data_dir.join("sources.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

fn save_validators(data_dir: &Path, v: &BTreeMap<String, Validators>) -> Result<(), FeedError> {
    let io = |e: std::io::Error| FeedError::Io {
        path: data_dir.join("sources.json").display().to_string(),
        reason: e.to_string(),
    };
    let tmp = tempfile::NamedTempFile::new_in(data_dir).map_err(io)?;
    std::fs::write(tmp.path(), serde_json::to_vec_pretty(v).unwrap_or_default()).map_err(io)?;
    tmp.persist(data_dir.join("sources.json"))
        .map_err(|e| io(e.error))?;
    Ok(())
}

/// The HTTP client every download uses.
pub fn client(limits: &Limits) -> Result<reqwest::blocking::Client, FeedError> {
    reqwest::blocking::Client::builder()
        .use_rustls_tls()
        .connect_timeout(limits.connect_timeout)
        .timeout(limits.timeout)
        .redirect(reqwest::redirect::Policy::limited(10))
        .user_agent(concat!("ward/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| FeedError::Io {
            path: "HTTP client".into(),
            reason: e.to_string(),
        })
}

/// Download one source: `Ok(None)` when not modified.
fn download(
    client: &reqwest::blocking::Client,
    source: &Source,
    known: Option<&Validators>,
    limits: &Limits,
) -> Result<Option<(Vec<u8>, Validators)>, String> {
    let mut req = client.get(&source.url);
    if let Some(k) = known {
        if let Some(etag) = &k.etag {
            req = req.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &k.last_modified {
            req = req.header(reqwest::header::IF_MODIFIED_SINCE, lm);
        }
    }
    let resp = req.send().map_err(|e| describe(&e))?;
    let status = resp.status();
    if status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(None);
    }
    if !status.is_success() {
        return Err(format!("HTTP {status}"));
    }
    if let Some(len) = resp.content_length() {
        if len > limits.max_bytes {
            return Err(format!(
                "the response is {len} bytes, over the {}-byte limit",
                limits.max_bytes
            ));
        }
    }
    let header = |name: reqwest::header::HeaderName| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let etag = header(reqwest::header::ETAG);
    let last_modified = header(reqwest::header::LAST_MODIFIED);
    let mut body = Vec::new();
    resp.take(limits.max_bytes + 1)
        .read_to_end(&mut body)
        .map_err(|e| format!("reading the response: {e}"))?;
    if body.len() as u64 > limits.max_bytes {
        return Err(format!(
            "the response is over the {}-byte limit",
            limits.max_bytes
        ));
    }
    let sha256 = hex::encode(Sha256::digest(&body));
    if let Some(want) = &source.sha256 {
        if *want != sha256 {
            return Err(format!(
                "checksum mismatch: SHA-256 {sha256}, the source names {want}"
            ));
        }
    }
    Ok(Some((
        body,
        Validators {
            etag,
            last_modified,
            sha256,
            fetched_at: jiff::Timestamp::now().to_string(),
        },
    )))
}

/// A reqwest error said plainly (timeouts, redirect loops, refused connections).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_redirect() {
        "too many redirects (a redirect loop?)".into()
    } else if e.is_connect() {
        format!("could not connect: {e}")
    } else {
        let mut s = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(inner) = src {
            s.push_str(": ");
            s.push_str(&inner.to_string());
            src = inner.source();
        }
        s
    }
}

/// Download every source and add what arrived to the index of `data_dir`. `progress` is
/// called after each source.
pub fn update(
    data_dir: &Path,
    sources: &[Source],
    limits: &Limits,
    progress: &dyn Fn(&Source, &Outcome),
) -> Result<Vec<(Source, Outcome)>, FeedError> {
    std::fs::create_dir_all(data_dir).map_err(|e| FeedError::Io {
        path: data_dir.display().to_string(),
        reason: e.to_string(),
    })?;
    // An index that fails its digest is reported before anything is downloaded.
    if index::paths(data_dir).0.exists() {
        index::verify(data_dir)?;
    }
    let client = client(limits)?;
    let mut validators = load_validators(data_dir);
    let mut results = Vec::new();
    // Everything that arrived is indexed in one rewrite of the index at the end (copying a
    // large index once per source would cost more than the downloads).
    let mut all = index::Batch::default();
    let mut arrived: Vec<(usize, Validators)> = Vec::new();
    for source in sources {
        let outcome = match download(&client, source, validators.get(&source.url), limits) {
            Ok(None) => Outcome::NotModified,
            Ok(Some((body, v))) => {
                let (batch, report) = import::read_bytes(&source.url, &body);
                let records = report.osv + report.kev + report.eol;
                if records == 0 {
                    let why = report
                        .rejected
                        .first()
                        .map(|(_, why)| why.clone())
                        .unwrap_or_else(|| "no feed records in the response".into());
                    Outcome::Failed(why)
                } else {
                    for mut f in batch.feeds {
                        f.source = source.url.clone();
                        f.sha256 = v.sha256.clone();
                        all.feeds.push(f);
                    }
                    all.advisories.extend(batch.advisories);
                    all.eol.extend(batch.eol);
                    if batch.kev.is_some() {
                        all.kev = batch.kev;
                    }
                    arrived.push((results.len(), v));
                    Outcome::Updated {
                        records,
                        rejected: report.rejected.len(),
                    }
                }
            }
            Err(why) => Outcome::Failed(why),
        };
        progress(source, &outcome);
        results.push((source.clone(), outcome));
    }
    if !arrived.is_empty() {
        match index::apply(data_dir, &all) {
            Ok(()) => {
                for (i, v) in arrived {
                    validators.insert(results[i].0.url.clone(), v);
                }
            }
            Err(e) => {
                // Nothing was indexed: every download of this run counts as failed.
                for (i, _) in arrived {
                    results[i].1 = Outcome::Failed(format!("indexing: {e}"));
                }
            }
        }
    }
    save_validators(data_dir, &validators)?;
    Ok(results)
}
