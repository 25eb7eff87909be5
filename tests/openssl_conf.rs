//! Differential test of Ward's reading of OpenSSL's configuration against libssl itself.
//!
//! A small C helper, built at test time against libssl (Debian 12's OpenSSL 3.0, package
//! libssl-dev, installed by scripts/test), makes a client and a server context with
//! `SSL_CTX_new(TLS_method())` under `OPENSSL_CONF=FILE`, prints whether that failed,
//! `SSL_CTX_get_min_proto_version`, `SSL_CTX_get_security_level`, and then completes real
//! in-memory handshakes (a BIO pair, an RSA certificate) with the maximum version set to
//! TLS 1.0, 1.1, 1.2, 1.3 in turn: the first that completes is the lowest version OpenSSL
//! actually negotiates. Ward parses the same file and must agree on all four, for tricky
//! configurations: includes of files and directories (and the section carried out of
//! them), variables, quotes, comments, continuation lines, replaced keys and sections,
//! `x.MinProtocol`, command case, invalid values, `@SECLEVEL`, `Protocol`, missing and
//! empty sections, unknown modules, files OpenSSL refuses, and `config_diagnostics`.
//! Also Debian's own /etc/ssl/openssl.cnf. The test fails, never skips, when cc or the
//! libssl headers are missing.

// Every case is written with format! so the table reads alike.
#![allow(clippy::useless_format)]

use std::path::{Path, PathBuf};
use std::process::Command;

use ward::facts::crypto_policy::{effective, load_openssl, Library, TlsVersion};
use ward::host_root::HostRoot;

const HELPER: &str = r#"
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <stdio.h>
static int pump(SSL *c, SSL *s) {
    for (int i = 0; i < 100; i++) {
        int rc = SSL_do_handshake(c), rs = SSL_do_handshake(s);
        if (rc == 1 && rs == 1) return 1;
        int ec = SSL_get_error(c, rc), es = SSL_get_error(s, rs);
        if ((rc != 1 && ec != SSL_ERROR_WANT_READ && ec != SSL_ERROR_WANT_WRITE) ||
            (rs != 1 && es != SSL_ERROR_WANT_READ && es != SSL_ERROR_WANT_WRITE)) return 0;
    }
    return 0;
}
int main(int argc, char **argv) {
    if (argc != 3) return 2;
    SSL_CTX *cc = SSL_CTX_new(TLS_method()), *sc = SSL_CTX_new(TLS_method());
    if (!cc || !sc) { printf("fail\n"); return 0; }
    if (SSL_CTX_use_certificate_file(sc, argv[1], SSL_FILETYPE_PEM) != 1
        || SSL_CTX_use_PrivateKey_file(sc, argv[2], SSL_FILETYPE_PEM) != 1) return 3;
    int vs[] = {TLS1_VERSION, TLS1_1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION};
    int lowest = 0;
    for (int i = 0; i < 4 && !lowest; i++) {
        SSL *c = SSL_new(cc), *s = SSL_new(sc);
        SSL_set_max_proto_version(c, vs[i]); SSL_set_max_proto_version(s, vs[i]);
        BIO *b1, *b2; BIO_new_bio_pair(&b1, 0, &b2, 0);
        SSL_set_bio(c, b1, b1); SSL_set_bio(s, b2, b2);
        SSL_set_connect_state(c); SSL_set_accept_state(s);
        if (pump(c, s)) lowest = SSL_version(c);
        SSL_free(c); SSL_free(s); ERR_clear_error();
    }
    printf("%ld %d %d\n", SSL_CTX_get_min_proto_version(cc), SSL_CTX_get_security_level(cc), lowest);
    return 0;
}
"#;

struct Helper {
    bin: PathBuf,
    cert: PathBuf,
    key: PathBuf,
    _dir: tempfile::TempDir,
}

fn helper() -> Helper {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("tlsrun.c");
    std::fs::write(&src, HELPER).unwrap();
    let bin = dir.path().join("tlsrun");
    let out = Command::new("cc")
        .arg("-o")
        .arg(&bin)
        .arg(&src)
        .args(["-lssl", "-lcrypto"])
        .output()
        .expect("cc must be installed (Rust links with it)");
    assert!(
        out.status.success(),
        "cannot build the libssl helper (Debian package libssl-dev): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (cert, key) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
    let out = Command::new("openssl")
        .args([
            "req", "-x509", "-nodes", "-newkey", "rsa:2048", "-days", "2", "-subj", "/CN=t",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .env("OPENSSL_CONF", "/dev/null")
        .output()
        .expect("openssl must be installed");
    assert!(out.status.success());
    Helper {
        bin,
        cert,
        key,
        _dir: dir,
    }
}

/// libssl's view: None when SSL_CTX_new fails, else (min version, level, lowest version).
fn real(h: &Helper, conf: &Path) -> Option<(u16, u8, u16)> {
    let out = Command::new(&h.bin)
        .arg(&h.cert)
        .arg(&h.key)
        .env("OPENSSL_CONF", conf)
        .output()
        .unwrap();
    assert!(out.status.success(), "helper: {out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    if text.trim() == "fail" {
        return None;
    }
    let v: Vec<i64> = text
        .split_whitespace()
        .map(|w| w.parse().unwrap())
        .collect();
    Some((v[0] as u16, v[1] as u8, v[2] as u16))
}

fn ward(conf: &Path) -> Option<(u16, u8, u16)> {
    let c = load_openssl(&HostRoot::live(), conf.to_str().unwrap()).unwrap();
    let e = effective(&c, Library::V3, 2);
    if e.context_fails.is_some() {
        return None;
    }
    Some((
        e.min_protocol.map(|m| m.0.wire()).unwrap_or(0),
        e.security_level.0,
        e.lowest.map(TlsVersion::wire).unwrap_or(0),
    ))
}

const HEAD: &str = "openssl_conf = a\n[a]\nssl_conf = s\n[s]\nsystem_default = d\n[d]\n";

#[test]
fn openssl_conf_agrees_with_libssl() {
    let h = helper();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    std::fs::create_dir_all(dir.path().join("inc.d/sub.conf")).unwrap();
    std::fs::write(
        dir.path().join("inc.d/a.conf"),
        "MinProtocol = TLSv1.3\n[other]\nx = 1\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("inc.d/b.txt"),
        "CipherString = DEFAULT:@SECLEVEL=0\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("inc.d/sub.conf/c.conf"),
        "MinProtocol = TLSv1\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("level0.cnf"),
        "CipherString = DEFAULT@SECLEVEL=0\n",
    )
    .unwrap();
    let cases: Vec<(&str, String)> = vec![
        ("empty file", String::new()),
        ("no ssl_conf", "openssl_conf = a\n[a]\n".into()),
        ("min 1.3", format!("{HEAD}MinProtocol = TLSv1.3\n")),
        ("min TLSv1 and level 0", format!("{HEAD}MinProtocol = TLSv1\nCipherString = DEFAULT@SECLEVEL=0\n")),
        ("level 1", format!("{HEAD}CipherString = DEFAULT:@SECLEVEL=1\n")),
        ("syntax error refuses the file", format!("{HEAD}CipherString = DEFAULT:@SECLEVEL=0\nbogus line\n")),
        ("undefined variable refuses the file", format!("{HEAD}CipherString = DEFAULT:@SECLEVEL=0\nx = $undefined\n")),
        ("bad MinProtocol skipped", format!("{HEAD}MinProtocol = TLSv9\nCipherString = DEFAULT:@SECLEVEL=0\n")),
        ("bad MinProtocol with diagnostics", format!("config_diagnostics = 1\n{HEAD}MinProtocol = TLSv9\nCipherString = DEFAULT:@SECLEVEL=0\n")),
        ("unknown module first", format!("openssl_conf = a\n[a]\nfoo = bar\nssl_conf = s\n[s]\nsystem_default = d\n[d]\nCipherString = DEFAULT:@SECLEVEL=0\n")),
        ("unknown module first with diagnostics", format!("config_diagnostics = 1\nopenssl_conf = a\n[a]\nfoo = bar\nssl_conf = s\n[s]\nsystem_default = d\n[d]\nCipherString = DEFAULT:@SECLEVEL=0\n")),
        ("unknown module after ssl_conf", format!("openssl_conf = a\n[a]\nssl_conf = s\nfoo = bar\n[s]\nsystem_default = d\n[d]\nCipherString = DEFAULT:@SECLEVEL=0\n")),
        ("missing command section", format!("openssl_conf = a\n[a]\nssl_conf = s\n[s]\nsystem_default = d\nother = e\n[d]\nCipherString = DEFAULT:@SECLEVEL=0\n")),
        ("missing command section with diagnostics", format!("config_diagnostics = 1\nopenssl_conf = a\n[a]\nssl_conf = s\n[s]\nsystem_default = d\nother = e\n[d]\nCipherString = DEFAULT:@SECLEVEL=0\n")),
        ("empty command section", format!("{HEAD}")),
        ("missing openssl_conf section", "openssl_conf = nowhere\n".into()),
        ("dotted and lower-case commands", format!("{HEAD}x.MinProtocol = TLSv1.3\nminprotocol = TLSv1\nCipherString = DEFAULT:@SECLEVEL=0\n")),
        ("a later key replaces", format!("{HEAD}MinProtocol = TLSv1.3\nMinProtocol = None\n")),
        ("two SECLEVELs, the last wins", format!("{HEAD}CipherString = DEFAULT@SECLEVEL=3:@SECLEVEL=0\n")),
        ("SECLEVEL out of range", format!("{HEAD}CipherString = @SECLEVEL=9\n")),
        ("value case matters", format!("{HEAD}MinProtocol = tlsv1.3\n")),
        ("DTLS version for TLS", format!("{HEAD}MinProtocol = DTLSv1.2\nCipherString = DEFAULT:@SECLEVEL=0\n")),
        ("SSLv3 minimum", format!("{HEAD}MinProtocol = SSLv3\nCipherString = DEFAULT:@SECLEVEL=0\n")),
        ("Protocol disables TLSv1 and 1.1", format!("{HEAD}Protocol = -TLSv1, -TLSv1.1\nCipherString = DEFAULT:@SECLEVEL=0\n")),
        ("directory include, section carried out", format!("{HEAD}.include {d}/inc.d\nCipherString = DEFAULT:@SECLEVEL=1\n")),
        (".include = file, section carried out", format!("{HEAD}.include = {d}/inc.d/a.conf\nMinProtocol = TLSv1.2\n")),
        ("missing include is skipped", format!("{HEAD}.include {d}/nonexistent.conf\nMinProtocol = TLSv1.3\n")),
        ("include into the section", format!("{HEAD}.include {d}/level0.cnf\nMinProtocol = TLSv1.1\n")),
        ("includedir pragma", format!(".pragma includedir:{d}\n{HEAD}.include level0.cnf\n")),
        ("variable in the same section", format!("{HEAD}v = TLSv1.3\nMinProtocol = $v\n")),
        ("variable from default", format!("p = TLSv1.3\n{HEAD}MinProtocol = ${{p}}\n")),
        ("section::variable and [default] reopened", format!("[x]\np = TLSv1.3\n[default]\n{HEAD}MinProtocol = $x::p\n")),
        ("quotes and comments", format!("{HEAD}MinProtocol = \"TLSv1.3\" # comment\nCipherString = 'DEFAULT:@SECLEVEL=0'\n")),
        ("continuation and spaces in a header", format!("openssl_conf = a\n[ a ]\nssl_conf = s\n[s]\nsystem_default = d\n[d]\nMinProtocol = TLS\\\nv1.3\n")),
        ("section reopened, key replaced", format!("{HEAD}MinProtocol = TLSv1.3\n[a]\nssl_conf = s2\n[s2]\nsystem_default = d2\n[d2]\nMinProtocol = TLSv1.1\nCipherString = DEFAULT:@SECLEVEL=0\n")),
        ("system_default twice", format!("openssl_conf = a\n[a]\nssl_conf = s\n[s]\nsystem_default = d\nsystem_default = e\n[d]\nMinProtocol = TLSv1.3\n[e]\nCipherString = DEFAULT:@SECLEVEL=0\n")),
        ("hash inside quotes", format!("{HEAD}CipherString = \"DEFAULT:@SECLEVEL=0#x\"\n")),
        ("escaped hash", format!("{HEAD}MinProtocol = TLSv1.3\\#\nCipherString = DEFAULT:@SECLEVEL=0\n")),
        ("section::name assignment", format!("openssl_conf = a\n[a]\nssl_conf = s\n[s]\nsystem_default = d\n[z]\nd::MinProtocol = TLSv1.3\n")),
        ("BOM", format!("\u{feff}{HEAD}MinProtocol = TLSv1.3\n")),
    ];
    let mut failures = Vec::new();
    for (i, (label, text)) in cases.iter().enumerate() {
        let path = dir.path().join(format!("case{i}.cnf"));
        std::fs::write(&path, text).unwrap();
        let (r, w) = (real(&h, &path), ward(&path));
        if r != w {
            failures.push(format!("{label}: libssl {r:?}, Ward {w:?}\n{text}"));
        }
    }
    // Debian's own file, as installed.
    for stock in ["/etc/ssl/openssl.cnf", "/usr/lib/ssl/openssl.cnf"] {
        let p = Path::new(stock);
        if p.exists() {
            let (r, w) = (real(&h, p), ward(p));
            if r != w {
                failures.push(format!("{stock}: libssl {r:?}, Ward {w:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
