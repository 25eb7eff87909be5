//! `ward feeds update` against a real HTTP server on loopback, started by the test: a good
//! download, a conditional request answered `304`, and every failure the issue names
//! (timeout, 404, 500, redirect loop, truncated and oversize body, invalid JSON, checksum
//! mismatch), each a clear error naming the feed, with the previous index intact.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ward::feeds::update::{self, Limits, Outcome, Source};
use ward::feeds::{index, FeedError};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/data")
        .join(rel)
}

/// A loopback server answering by path; returns its base URL and a request counter.
fn serve() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            c.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || answer(stream));
        }
    });
    (base, count)
}

fn answer(mut stream: TcpStream) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    let mut if_none_match = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("if-none-match:") {
            if_none_match = Some(v.trim().to_string());
        }
    }
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
    let kev = std::fs::read(data("kev-subset.json")).unwrap();
    let send = |s: &mut TcpStream, status: &str, headers: &str, body: &[u8]| {
        let _ = write!(
            s,
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n",
            body.len()
        );
        let _ = s.write_all(body);
    };
    match path.as_str() {
        "/kev.json" if if_none_match.as_deref() == Some("\"v1\"") => {
            send(&mut stream, "304 Not Modified", "ETag: \"v1\"\r\n", b"")
        }
        "/kev.json" => send(&mut stream, "200 OK", "ETag: \"v1\"\r\n", &kev),
        "/kev-no-etag.json" => send(&mut stream, "200 OK", "", &kev),
        "/404" => send(&mut stream, "404 Not Found", "", b"no"),
        "/500" => send(&mut stream, "500 Internal Server Error", "", b"oops"),
        "/loop" => send(&mut stream, "302 Found", "Location: /loop\r\n", b""),
        "/slow" => {
            std::thread::sleep(Duration::from_secs(4));
            send(&mut stream, "200 OK", "", &kev);
        }
        "/truncated" => {
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                kev.len()
            );
            let _ = stream.write_all(&kev[..kev.len() / 2]);
        }
        "/big" => {
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                4 << 20
            );
            let _ = stream.write_all(&vec![b' '; 4 << 20]);
        }
        "/big-chunked" => {
            // No Content-Length: the cap is enforced while reading.
            let _ = write!(stream, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
            let _ = stream.write_all(&vec![b' '; 3 << 20]);
        }
        "/invalid.json" => send(&mut stream, "200 OK", "", b"{\"vulnerabilities\": [oops"),
        "/osv.zip" => {
            let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let opts = zip::write::SimpleFileOptions::default();
            for name in ["ALSA-2024:3339.json", "ALSA-2022:4940.json"] {
                zip.start_file(name, opts).unwrap();
                let bytes = std::fs::read(data(&format!("osv-almalinux/almalinux9/{name}")))
                    .or_else(|_| {
                        std::fs::read(data("osv-almalinux/almalinux9/ALSA-2024:3339.json"))
                    })
                    .unwrap();
                zip.write_all(&bytes).unwrap();
            }
            zip.start_file("broken.json", opts).unwrap();
            zip.write_all(b"{nope").unwrap();
            let body = zip.finish().unwrap().into_inner();
            send(&mut stream, "200 OK", "", &body);
        }
        _ => send(&mut stream, "404 Not Found", "", b""),
    }
    let _ = stream.flush();
    let mut sink = Vec::new();
    let _ = reader.read_to_end(&mut sink);
}

fn src(kind: &str, url: String) -> Source {
    Source {
        kind: kind.into(),
        url,
        sha256: None,
    }
}

fn limits() -> Limits {
    Limits {
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(2),
        max_bytes: 2 << 20,
    }
}

fn run(dir: &Path, sources: &[Source]) -> Vec<Outcome> {
    update::update(dir, sources, &limits(), &|_, _| {})
        .unwrap()
        .into_iter()
        .map(|(_, o)| o)
        .collect()
}

fn kev_count(dir: &Path) -> u64 {
    let idx = index::Index::open(dir).unwrap().unwrap();
    idx.feeds()
        .unwrap()
        .into_iter()
        .find(|f| f.kind == "kev")
        .map(|f| f.records)
        .unwrap_or(0)
}

#[test]
fn a_download_then_not_modified() {
    let (base, count) = serve();
    let dir = tempfile::tempdir().unwrap();
    let kev = src("kev", format!("{base}/kev.json"));
    assert_eq!(
        run(dir.path(), std::slice::from_ref(&kev)),
        [Outcome::Updated {
            records: 8,
            rejected: 0
        }]
    );
    assert_eq!(kev_count(dir.path()), 8);
    let idx = index::Index::open(dir.path()).unwrap().unwrap();
    let feed = idx
        .feeds()
        .unwrap()
        .into_iter()
        .find(|f| f.kind == "kev")
        .unwrap();
    assert_eq!(feed.source, kev.url);
    assert_eq!(feed.sha256.len(), 64);
    // The second request carries the ETag and is answered 304.
    assert_eq!(
        run(dir.path(), std::slice::from_ref(&kev)),
        [Outcome::NotModified]
    );
    assert_eq!(count.load(Ordering::SeqCst), 2);
    assert_eq!(kev_count(dir.path()), 8);
}

#[test]
fn an_osv_zip_is_indexed_and_its_bad_entries_counted() {
    let (base, _) = serve();
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &[src("osv", format!("{base}/osv.zip"))]);
    assert!(
        matches!(
            out[0],
            Outcome::Updated {
                records: 2,
                rejected: 1
            }
        ),
        "{out:?}"
    );
    let idx = index::Index::open(dir.path()).unwrap().unwrap();
    assert!(idx.advisory("ALSA-2024:3339").unwrap().is_some());
}

#[test]
fn every_failure_names_the_feed_and_keeps_the_previous_data() {
    let (base, _) = serve();
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &[src("kev", format!("{base}/kev.json"))]);
    let mut wrong = src("kev", format!("{base}/kev-no-etag.json"));
    wrong.sha256 = Some("00".repeat(32));
    let cases: Vec<(Source, &str)> = vec![
        (src("kev", format!("{base}/404")), "HTTP 404"),
        (src("kev", format!("{base}/500")), "HTTP 500"),
        (src("kev", format!("{base}/loop")), "redirect"),
        (src("kev", format!("{base}/slow")), "timed out"),
        (
            src("kev", format!("{base}/truncated")),
            "reading the response",
        ),
        (
            src("kev", format!("{base}/big")),
            "over the 2097152-byte limit",
        ),
        (
            src("kev", format!("{base}/big-chunked")),
            "over the 2097152-byte limit",
        ),
        (src("kev", format!("{base}/invalid.json")), "not valid JSON"),
        (wrong, "checksum mismatch"),
        (
            src("kev", "http://127.0.0.1:9/nothing".into()),
            "could not connect",
        ),
    ];
    for (source, want) in cases {
        let url = source.url.clone();
        let out = run(dir.path(), &[source]);
        match &out[0] {
            Outcome::Failed(why) => assert!(why.contains(want), "{url}: {why:?}, wanted {want:?}"),
            other => panic!("{url}: {other:?}"),
        }
        // The index still holds the earlier catalogue and still verifies.
        assert_eq!(kev_count(dir.path()), 8, "{url}");
    }
}

#[test]
fn a_corrupted_index_stops_the_update_before_downloading() {
    let (base, count) = serve();
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), &[src("kev", format!("{base}/kev.json"))]);
    let (path, _) = index::paths(dir.path());
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&path, bytes).unwrap();
    let before = count.load(Ordering::SeqCst);
    let err = update::update(
        dir.path(),
        &[src("kev", format!("{base}/kev.json"))],
        &limits(),
        &|_, _| {},
    )
    .expect_err("must refuse");
    assert!(matches!(err, FeedError::Corrupt { .. }), "{err}");
    assert_eq!(count.load(Ordering::SeqCst), before);
}

#[test]
fn sources_parse_from_the_command_line() {
    let s = update::parse_source("kev=https://mirror.example/kev.json#sha256=ABCD").unwrap();
    assert_eq!(
        (s.kind.as_str(), s.url.as_str(), s.sha256.as_deref()),
        ("kev", "https://mirror.example/kev.json", Some("abcd"))
    );
    assert!(update::parse_source("nvd=https://x").is_err());
    assert!(update::parse_source("kev=ftp://x").is_err());
    assert!(update::parse_source("kev").is_err());
    assert!(update::default_sources()
        .iter()
        .all(|s| s.url.starts_with("https://")));
}

/// Several sources in one run are indexed together; a failing one does not stop the rest.
#[test]
fn several_sources_in_one_run() {
    let (base, _) = serve();
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &[
            src("kev", format!("{base}/kev.json")),
            src("osv", format!("{base}/404")),
            src("osv", format!("{base}/osv.zip")),
        ],
    );
    assert!(
        matches!(out[0], Outcome::Updated { records: 8, .. }),
        "{out:?}"
    );
    assert!(matches!(out[1], Outcome::Failed(_)), "{out:?}");
    assert!(
        matches!(out[2], Outcome::Updated { records: 2, .. }),
        "{out:?}"
    );
    assert_eq!(kev_count(dir.path()), 8);
    let idx = index::Index::open(dir.path()).unwrap().unwrap();
    assert!(idx.advisory("ALSA-2024:3339").unwrap().is_some());
}
