//! TLS certificates: Ward's reading of certificate files against `openssl x509` (Debian
//! 12's OpenSSL 3.0), the 10-days-to-expiry case on a fixed day and at the real time, and
//! the nginx include expansion against `nginx -T`.
//!
//! Certificates are generated at test time with the `openssl` command (RSA 1024/2048/4096,
//! EC P-256/P-384, Ed25519, SHA-1 and SHA-256 signatures, CA and leaf, PEM bundles with
//! text around the blocks, DER). For each, the fields Ward keeps must equal what
//! `openssl x509 -noout -text -serial -dates` prints: serial, validity, public key
//! algorithm and size, EC curve, signature algorithm, CA flag; for a bundle, the number
//! and subjects of the certificates `openssl crl2pkcs7 -certfile` reads. openssl is part
//! of every Debian system; nginx (nginx-light) is installed by scripts/test. Both tests
//! fail, never skip, when their tool is missing.

use std::path::Path;
use std::process::Command;

use ward::catalogue::test::Test;
use ward::catalogue::Catalogue;
use ward::eval::{evaluate_test_with, Inputs, Outcome};
use ward::facts::tls::servers;
use ward::facts::tls::x509::{parse_file, Encoding, KeyType};
use ward::facts::tls::Tls;
use ward::facts::Plan;
use ward::fixture_host::FixtureHost;
use ward::host_root::HostRoot;

fn openssl(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl (Debian package openssl) must be installed");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Make a self-signed certificate `NAME.pem` with the given key options and digest.
fn make(dir: &Path, name: &str, key: &[&str], digest: Option<&str>, ca: bool, days: &str) {
    let mut args = vec!["req", "-x509", "-nodes", "-newkey"];
    args.extend_from_slice(key);
    let keyout = format!("{name}.key");
    let out = format!("{name}.pem");
    let subj = format!("/C=GB/O=Ward Test/CN={name}.example");
    args.extend_from_slice(&[
        "-keyout", &keyout, "-out", &out, "-days", days, "-subj", &subj,
    ]);
    let ext = if ca {
        "basicConstraints=critical,CA:TRUE"
    } else {
        "basicConstraints=critical,CA:FALSE"
    };
    args.extend_from_slice(&["-addext", ext]);
    let d;
    if let Some(m) = digest {
        d = format!("-{m}");
        args.push(&d);
    }
    openssl(dir, &args);
}

/// What openssl says of the first certificate of a file.
#[derive(Debug, PartialEq)]
struct View {
    serial: String,
    not_before: i64,
    not_after: i64,
    key_algorithm: String,
    key_bits: Option<u32>,
    curve: Option<String>,
    signature: String,
    ca: bool,
    cn: String,
}

fn epoch(s: &str) -> i64 {
    // `-dateopt iso_8601` prints `2026-05-11 00:00:00Z`.
    s.trim()
        .replace(' ', "T")
        .parse::<jiff::Timestamp>()
        .unwrap_or_else(|e| panic!("{s:?}: {e}"))
        .as_second()
}

fn openssl_view(dir: &Path, file: &str, der: bool) -> View {
    let mut args = vec![
        "x509",
        "-in",
        file,
        "-noout",
        "-serial",
        "-dates",
        "-dateopt",
        "iso_8601",
        "-subject",
        "-nameopt",
        "multiline",
        "-text",
    ];
    if der {
        args.extend_from_slice(&["-inform", "DER"]);
    }
    let out = openssl(dir, &args);
    let field = |prefix: &str| {
        out.lines()
            .find_map(|l| l.trim().strip_prefix(prefix).map(|s| s.trim().to_string()))
    };
    let key_bits = out.lines().find_map(|l| {
        let l = l.trim();
        let rest = l
            .strip_prefix("Public-Key: (")
            .or_else(|| l.strip_prefix("RSA Public-Key: ("))?;
        rest.split(' ').next()?.parse().ok()
    });
    View {
        serial: field("serial=").unwrap(),
        not_before: epoch(&field("notBefore=").unwrap()),
        not_after: epoch(&field("notAfter=").unwrap()),
        key_algorithm: field("Public Key Algorithm:").unwrap(),
        key_bits,
        curve: field("ASN1 OID:"),
        signature: field("Signature Algorithm:").unwrap(),
        ca: out.contains("CA:TRUE"),
        cn: field("commonName")
            .unwrap()
            .trim_start_matches("= ")
            .to_string(),
    }
}

fn ward_view(bytes: &[u8]) -> View {
    let p = parse_file(bytes);
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    let c = &p.certificates[0];
    View {
        serial: c.serial.clone(),
        not_before: c.not_before,
        not_after: c.not_after,
        key_algorithm: c.key_algorithm.clone(),
        key_bits: match c.key_type {
            KeyType::Ed25519 | KeyType::Ed448 => None,
            _ => Some(c.key_bits),
        },
        curve: c.curve.clone(),
        signature: c.signature_algorithm.clone(),
        ca: c.ca,
        cn: c.name(),
    }
}

#[test]
fn certificate_fields_agree_with_openssl_x509() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases: &[(&str, &[&str], Option<&str>, bool)] = &[
        ("rsa1024", &["rsa:1024"], Some("sha256"), false),
        ("rsa2048-sha1", &["rsa:2048"], Some("sha1"), false),
        ("rsa4096", &["rsa:4096"], Some("sha512"), true),
        (
            "p256",
            &["ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            Some("sha256"),
            false,
        ),
        (
            "p384",
            &["ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
            Some("sha384"),
            true,
        ),
        (
            "p256-sha1",
            &["ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            Some("sha1"),
            false,
        ),
        ("ed25519", &["ed25519"], None, false),
    ];
    for (name, key, digest, ca) in cases {
        make(d, name, key, *digest, *ca, "400");
        let file = format!("{name}.pem");
        let bytes = std::fs::read(d.join(&file)).unwrap();
        assert_eq!(ward_view(&bytes), openssl_view(d, &file, false), "{name}");
        // The same certificate in DER.
        let der = format!("{name}.der");
        openssl(d, &["x509", "-in", &file, "-outform", "DER", "-out", &der]);
        let bytes = std::fs::read(d.join(&der)).unwrap();
        assert_eq!(parse_file(&bytes).encoding, Some(Encoding::Der));
        assert_eq!(
            ward_view(&bytes),
            openssl_view(d, &der, true),
            "{name} (DER)"
        );
    }
    // Ed25519 has no bits line in openssl's text; Ward counts it as 256.
    let p = parse_file(&std::fs::read(d.join("ed25519.pem")).unwrap());
    assert_eq!(
        (p.certificates[0].key_type, p.certificates[0].key_bits),
        (KeyType::Ed25519, 256)
    );
    assert!(p.certificates[0].signature_digest.is_some());
    assert!(
        parse_file(&std::fs::read(d.join("rsa2048-sha1.pem")).unwrap()).certificates[0]
            .weak_signature()
    );
}

#[test]
fn bundles_with_text_around_blocks_agree_with_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for n in ["a", "b", "c"] {
        make(
            d,
            n,
            &["ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            Some("sha256"),
            false,
            "30",
        );
    }
    let pem = |n: &str| std::fs::read_to_string(d.join(format!("{n}.pem"))).unwrap();
    let key = std::fs::read_to_string(d.join("a.key")).unwrap();
    // Text before, between and after; CRLF line ends on one block; a key in the middle;
    // trailing blanks after a BEGIN line.
    let bundle =
        format!(
        "subject=a\nissuer=a\n{}\nBag Attributes\n  friendlyName: b\n{}{}\n\n# trailing comment\n",
        pem("a").replace("-----BEGIN CERTIFICATE-----", "-----BEGIN CERTIFICATE-----  "),
        pem("b").replace('\n', "\r\n"),
        key + &pem("c"),
    );
    std::fs::write(d.join("bundle.pem"), &bundle).unwrap();
    let listed = openssl(
        d,
        &[
            "crl2pkcs7",
            "-nocrl",
            "-certfile",
            "bundle.pem",
            "-out",
            "bundle.p7",
        ],
    );
    assert!(listed.is_empty());
    let subjects: Vec<String> =
        openssl(d, &["pkcs7", "-in", "bundle.p7", "-print_certs", "-noout"])
            .lines()
            .filter_map(|l| l.strip_prefix("subject="))
            .map(|s| s.rsplit("CN = ").next().unwrap().to_string())
            .collect();
    let p = parse_file(bundle.as_bytes());
    let ours: Vec<String> = p.certificates.iter().map(|c| c.name()).collect();
    assert_eq!(ours, subjects);
    assert_eq!(p.private_key_blocks, vec!["PRIVATE KEY".to_string()]);
    // `openssl x509` reads the first certificate: the same one Ward calls the leaf.
    assert_eq!(openssl_view(d, "bundle.pem", false).cn, ours[0]);
}

fn facts_of(host: &FixtureHost) -> ward::facts::Facts {
    ward::facts::collect(&host.root().unwrap(), &Plan::default())
}

fn judge(test: &str, facts: &ward::facts::Facts, today: &str) -> ward::eval::Verdict {
    let t: Test = serde_saphyr::from_str(test).unwrap();
    evaluate_test_with(
        &t,
        Inputs {
            facts,
            software: None,
            today: today.parse().unwrap(),
        },
    )
}

/// The committed fixture certificate expiring on 2026-05-11, judged on 2026-05-01: 10 days
/// left fails a 30-day minimum and passes a 10-day one; the fixed day cannot rot.
#[test]
fn a_certificate_expiring_in_10_days_fails() {
    let cat = Catalogue::builtin().unwrap();
    let host = FixtureHost::from_fixture(&cat, "tls-ten-days").unwrap();
    let facts = facts_of(&host);
    let v = judge("certificate: { min_days_valid: 30 }", &facts, "2026-05-01");
    assert_eq!(v.outcome, Outcome::Fail, "{v:?}");
    assert!(
        v.evidence[0].observed.contains("10 days left"),
        "{:?}",
        v.evidence
    );
    assert_eq!(v.evidence[0].source, "/etc/ssl/certs/portal.pem");
    assert!(
        v.evidence[0].observed.contains("sites-enabled/portal:4"),
        "{:?}",
        v.evidence
    );
    assert_eq!(
        judge("certificate: { min_days_valid: 10 }", &facts, "2026-05-01").outcome,
        Outcome::Pass
    );
    // The day it expires and after: expired.
    let v = judge("certificate: { min_days_valid: 0 }", &facts, "2026-05-11");
    assert_eq!(v.outcome, Outcome::Fail);
    assert!(
        v.evidence[0].observed.contains("expired"),
        "{:?}",
        v.evidence
    );
}

/// The same at the real time: a certificate made now for 10 days, on a root judged today.
#[test]
fn a_certificate_made_now_for_10_days_fails_today() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let certs = root.join("etc/ssl/certs");
    std::fs::create_dir_all(&certs).unwrap();
    make(&certs, "soon", &["rsa:2048"], Some("sha256"), false, "10");
    make(&certs, "later", &["rsa:2048"], Some("sha256"), false, "400");
    std::fs::remove_file(certs.join("soon.key")).unwrap();
    std::fs::remove_file(certs.join("later.key")).unwrap();
    let facts = ward::facts::collect(&HostRoot::new(root).unwrap(), &Plan::default());
    let today = ward::feeds::assess::today().to_string();
    let v = judge("certificate: { min_days_valid: 30 }", &facts, &today);
    assert_eq!(v.outcome, Outcome::Fail, "{v:?}");
    assert_eq!(
        v.items
            .iter()
            .filter(|i| i.outcome == Outcome::Fail)
            .count(),
        1
    );
    let failed = v.items.iter().find(|i| i.outcome == Outcome::Fail).unwrap();
    assert!(failed.subject.ends_with("soon.pem #1"), "{failed:?}");
    // Made for exactly 10 days: 9 whole days left once a second has passed, else 10.
    assert!(
        ["9", "10"].contains(&failed.fields["days_left"].as_str()),
        "{failed:?}"
    );
}

#[test]
fn key_files_are_stated_not_read_and_judged() {
    let cat = Catalogue::builtin().unwrap();
    for (fixture, outcome) in [
        ("tls-nginx-good", Outcome::Pass),
        ("tls-key-open", Outcome::Fail),
        ("tls-key-wrong-group", Outcome::Fail),
        ("tls-combined-pem-open", Outcome::Fail),
    ] {
        let host = FixtureHost::from_fixture(&cat, fixture).unwrap();
        let facts = facts_of(&host);
        let v = judge(
            "tls_private_keys: { owners: [root], group_readable_by: [root, ssl-cert] }",
            &facts,
            "2026-05-01",
        );
        assert_eq!(v.outcome, outcome, "{fixture}: {v:?}");
        // Nothing of a key file's body is in the facts.
        let json = serde_json::to_string(facts.get::<Tls>().unwrap()).unwrap();
        assert!(
            !json.contains("placeholder") && !json.contains("cGxhY2Vob2xkZXI"),
            "{fixture}"
        );
    }
}

/// nginx's own view of which files its configuration loads (`nginx -T` prints each file
/// it read), against Ward's reading of the same tree: includes relative to the prefix,
/// globs in directory components, quotes, escapes, comments.
#[test]
fn nginx_includes_agree_with_nginx_t() {
    let nginx = ["/usr/sbin/nginx", "/sbin/nginx"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("nginx (Debian package nginx-light) must be installed; scripts/test installs it");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let etc = root.join("etc/nginx");
    for d in ["conf.d", "sites-enabled", "snippets/a", "snippets/b", "ssl"] {
        std::fs::create_dir_all(etc.join(d)).unwrap();
    }
    make(
        &etc.join("ssl"),
        "one",
        &["ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        Some("sha256"),
        false,
        "30",
    );
    make(
        &etc.join("ssl"),
        "two two",
        &["ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        Some("sha256"),
        false,
        "30",
    );
    let files: &[(&str, &str)] = &[
        (
            "nginx.conf",
            "pid /tmp/ward-nginx-test.pid;\nerror_log stderr;\nevents { }\nhttp {\n  access_log off;\n  include conf.d/*.conf; # comment { }\n  include 'sites-enabled/*';\n  include snippets/*/x.conf;\n}\n",
        ),
        ("conf.d/10-tls.conf", "ssl_protocols TLSv1.2 TLSv1.3;\n"),
        ("conf.d/.hidden.conf", "this is not read;\n"),
        ("conf.d/notes.txt", "nor this;\n"),
        (
            "sites-enabled/one",
            "server {\n  listen 127.0.0.1:44301 ssl;\n  ssl_certificate ssl/one.pem;\n  ssl_certificate_key \"ssl/one.key\";\n}\n",
        ),
        (
            "sites-enabled/two",
            "server {\n  listen 127.0.0.1:44302 ssl ;\n  ssl_certificate \"ssl/two two.pem\";\n  ssl_certificate_key 'ssl/two two.key';\n  ssl_protocols TLSv1.3;\n}\n",
        ),
        ("snippets/a/x.conf", "# a\n"),
        ("snippets/b/x.conf", "# b\n"),
    ];
    for (p, t) in files {
        std::fs::write(etc.join(p), t).unwrap();
    }
    let conf = etc.join("nginx.conf");
    let out = Command::new(nginx)
        .arg("-T")
        .arg("-p")
        .arg(format!("{}/", etc.display()))
        .arg("-c")
        .arg(&conf)
        .output()
        .expect("run nginx -T");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "nginx -T failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let prefix = root.display().to_string();
    let real: Vec<String> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("# configuration file "))
        .map(|l| {
            l.trim_end_matches(':')
                .trim_start_matches(&prefix)
                .to_string()
        })
        .collect();
    let cfg = servers::nginx(&HostRoot::new(root).unwrap(), "/etc/nginx/nginx.conf");
    assert!(cfg.problems.is_empty(), "{:?}", cfg.problems);
    assert_eq!(cfg.files, real);
    let named: Vec<(String, String)> = cfg
        .named
        .iter()
        .map(|n| (n.directive.clone(), n.path.clone()))
        .collect();
    assert_eq!(
        named,
        [
            ("ssl_certificate", "/etc/nginx/ssl/one.pem"),
            ("ssl_certificate_key", "/etc/nginx/ssl/one.key"),
            ("ssl_certificate", "/etc/nginx/ssl/two two.pem"),
            ("ssl_certificate_key", "/etc/nginx/ssl/two two.key"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let protocols: Vec<&str> = cfg.endpoints.iter().map(|e| e.protocols.as_str()).collect();
    assert_eq!(protocols, ["TLSv1.2 TLSv1.3", "TLSv1.3"]);
    // A missing plain include: nginx refuses the configuration, and so does Ward.
    std::fs::write(
        etc.join("conf.d/20-missing.conf"),
        "include missing.conf;\n",
    )
    .unwrap();
    let out = Command::new(nginx)
        .arg("-t")
        .arg("-p")
        .arg(format!("{}/", etc.display()))
        .arg("-c")
        .arg(&conf)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let cfg = servers::nginx(&HostRoot::new(root).unwrap(), "/etc/nginx/nginx.conf");
    assert!(
        cfg.problems.iter().any(|p| p.contains("missing.conf")),
        "{:?}",
        cfg.problems
    );
}
