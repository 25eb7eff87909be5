//! The system-wide TLS settings of OpenSSL-linked programs: OpenSSL's configuration file
//! read as OpenSSL 3.0 reads it, and RHEL's crypto-policies.
//!
//! Every program that calls `SSL_CTX_new` (curl, Postfix, Python, PostgreSQL, most daemons)
//! starts from OpenSSL's `system_default` settings, so a `MinProtocol = TLSv1` or an
//! `@SECLEVEL=0` there weakens them all at once, and no program's own configuration shows
//! it. Ward reads the file the library reads (`OPENSSLDIR/openssl.cnf`: `/usr/lib/ssl` on
//! Debian and Ubuntu, `/etc/pki/tls` on RHEL and Fedora, `/etc/ssl` on Alpine; the
//! `OPENSSL_CONF` variable of individual programs is not known and not judged) as
//! `crypto/conf/conf_def.c` parses it:
//!
//! * lines joined by a trailing `\` (unless escaped), a UTF-8 BOM dropped, `#` starts a
//!   comment outside quotes (`'`, `"` and `` ` ``) and escapes; `[ name ]` opens or
//!   reopens a section; `name = value` with names of letters, digits, `_` and
//!   `!.%&*+,/;?@^~|-`, `section::name` assigning into another section; anything else
//!   makes OpenSSL refuse the whole file, which then has no effect at all;
//! * values unquoted and unescaped (`\n`, `\r`, `\b`, `\t`), `$name`, `${name}`,
//!   `$(name)` and `$section::name` expanded from what is defined so far (the section, then
//!   `default`; `ENV::` reads each program's environment, which Ward cannot know); an
//!   undefined variable makes OpenSSL refuse the file;
//! * a later assignment of the same name in the same section replaces the earlier one and
//!   moves to the end of the section's order;
//! * `.include PATH` (or `.include = PATH`) reads a file, or a directory's `*.conf` and
//!   `*.cnf` files (in the directory's own order, which Ward takes as name order and notes),
//!   where the line stands; the section in force carries into and out of the included file;
//!   a missing include is skipped; a relative one depends on each program's working
//!   directory (a problem); `.pragma abspath:true` makes it fatal; `.pragma includedir:`
//!   sets the base of relative includes.
//!
//! Then the modules as `CONF_modules_load` runs them with OpenSSL's default-configuration
//! flags: `openssl_conf` in the default section names a section whose entries are modules
//! (the name before its last `.`), run in order; an unknown module stops the loading there;
//! the `ssl_conf` module's section maps names to command sections, and a missing or empty
//! one makes the whole module fail (no system default at all). With `config_diagnostics`
//! set, such a failure makes `SSL_CTX_new` fail in every program. The `system_default`
//! commands are applied in order when a context is made: the name after the first `.`,
//! without case; `MinProtocol` (`None`, `SSLv3`, `TLSv1`, `TLSv1.1`, `TLSv1.2`,
//! `TLSv1.3`, exact case; other values are skipped), `Protocol` (comma-separated, `-`
//! disables), `CipherString` (its `@SECLEVEL=n`, the last one with n from 0 to 5, sets the
//! security level). `tests/openssl_conf.rs` checks all of this against libssl itself.
//!
//! RHEL's crypto-policies: `/etc/crypto-policies/config` (the first word of the first line
//! that is not a comment: `POLICY[:MODULE...]`), `/etc/crypto-policies/state/current` (the
//! policy last applied by `update-crypto-policies`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Fact, Origin};
use crate::host_root::{display_path, FileKind, HostRoot, ReadError};

/// RHEL's crypto-policies selection.
pub const CRYPTO_POLICIES_CONFIG: &str = "/etc/crypto-policies/config";
/// The policy `update-crypto-policies` last applied.
pub const CRYPTO_POLICIES_CURRENT: &str = "/etc/crypto-policies/state/current";
/// OpenSSL's configuration file by OPENSSLDIR: Debian/Ubuntu, RHEL/Fedora, Alpine.
pub const OPENSSL_CNF: [&str; 3] = [
    "/usr/lib/ssl/openssl.cnf",
    "/etc/pki/tls/openssl.cnf",
    "/etc/ssl/openssl.cnf",
];
/// Most files one configuration may include.
const MAX_FILES: usize = 256;
/// Longest value after expansion (`MAX_CONF_VALUE_LENGTH`).
const MAX_VALUE: usize = 65536;

/// The collected settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CryptoPolicy {
    /// RHEL crypto-policies, when `/etc/crypto-policies` has a config or state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_policy: Option<SystemPolicy>,
    /// OpenSSL's configuration.
    pub openssl: OpensslConf,
}

/// A crypto-policies setting: `DEFAULT:SHA1` is policy `DEFAULT` with module `SHA1`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicySetting {
    pub policy: String,
    pub modules: Vec<String>,
    pub origin: Origin,
}

/// RHEL's crypto-policies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemPolicy {
    /// From `/etc/crypto-policies/config`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<PolicySetting>,
    /// From `/etc/crypto-policies/state/current`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<PolicySetting>,
    /// Files that could not be read, with the reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// One assignment of a parsed configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Value {
    pub name: String,
    pub value: String,
    pub origin: Origin,
}

/// OpenSSL's configuration as the library loads it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpensslConf {
    /// The file OpenSSL reads (`OPENSSLDIR/openssl.cnf`).
    pub path: String,
    /// Whether it exists (a missing file means the library's defaults).
    pub present: bool,
    /// Every file read, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// Why OpenSSL refuses the file (then none of it applies), with file:line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
    /// `config_diagnostics` is set: a failing module makes `SSL_CTX_new` fail.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub diagnostics: bool,
    /// The `openssl_conf` line and the modules run, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chain: Vec<Value>,
    /// Why module loading stopped or the `ssl_conf` module failed (nothing after it, or no
    /// system default, applies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module_failure: Option<String>,
    /// The `system_default` commands, in the order they are applied.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system_default: Vec<Value>,
    /// What Ward could not settle (relative includes, environment variables), with
    /// file:line: the effective settings may differ.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// Notes shown as evidence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Collect for a host whose distribution is `family` (`debian`, `rhel`, `alpine`, or
/// anything else).
pub fn collect(root: &HostRoot, family: &str) -> Fact<CryptoPolicy> {
    let mut out = CryptoPolicy {
        system_policy: system_policy(root),
        ..CryptoPolicy::default()
    };
    let path = match family {
        "debian" => OPENSSL_CNF[0],
        "rhel" => OPENSSL_CNF[1],
        "alpine" => OPENSSL_CNF[2],
        _ => OPENSSL_CNF
            .iter()
            .find(|p| root.symlink_metadata(p).is_ok())
            .copied()
            .unwrap_or(OPENSSL_CNF[0]),
    };
    match load_openssl(root, path) {
        Ok(conf) => out.openssl = conf,
        Err(e) => return Fact::from_read_error(&e),
    }
    Fact::Collected { value: out }
}

/// The distribution family of an os-release id and id_like list.
pub fn family(id: Option<&str>, id_like: &[String]) -> &'static str {
    let ids: Vec<&str> = id
        .into_iter()
        .chain(id_like.iter().map(String::as_str))
        .collect();
    if ids.iter().any(|i| matches!(*i, "debian" | "ubuntu")) {
        "debian"
    } else if ids.iter().any(|i| {
        matches!(
            *i,
            "rhel" | "fedora" | "centos" | "rocky" | "almalinux" | "ol"
        )
    }) {
        "rhel"
    } else if ids.contains(&"alpine") {
        "alpine"
    } else {
        "other"
    }
}

fn policy_setting(text: &str, path: &str) -> Option<PolicySetting> {
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        let Some(word) = line.split_whitespace().next() else {
            continue;
        };
        let mut parts = word.split(':');
        let policy = parts.next().unwrap_or("").to_string();
        return Some(PolicySetting {
            policy,
            modules: parts.map(str::to_string).collect(),
            origin: Origin::at(path.to_string(), i + 1),
        });
    }
    None
}

fn system_policy(root: &HostRoot) -> Option<SystemPolicy> {
    let mut sp = SystemPolicy::default();
    let mut any = false;
    for (path, slot) in [(CRYPTO_POLICIES_CONFIG, 0), (CRYPTO_POLICIES_CURRENT, 1)] {
        match root.read_lossy(path) {
            Ok(text) => {
                any = true;
                let setting = policy_setting(&text, path);
                if setting.is_none() {
                    sp.problems.push(format!("{path}: names no policy"));
                }
                if slot == 0 {
                    sp.config = setting;
                } else {
                    sp.current = setting;
                }
            }
            Err(ReadError::NotFound { .. }) => {}
            Err(e) => {
                any = true;
                sp.problems.push(e.to_string());
            }
        }
    }
    any.then_some(sp)
}

// ---------------------------------------------------------------------------------------
// NCONF
// ---------------------------------------------------------------------------------------

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}
fn is_quote(c: u8) -> bool {
    matches!(c, b'\'' | b'`' | b'"')
}
fn is_alnum(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}
fn is_alnum_punct(c: u8) -> bool {
    is_alnum(c) || b"!.%&*+,/;?@^~|-".contains(&c)
}

/// A parsed configuration: sections with their values in order.
#[derive(Debug, Clone, Default)]
pub struct Nconf {
    /// section -> values in order (a replaced name moves to the end).
    sections: BTreeMap<String, Vec<Value>>,
}

impl Nconf {
    /// The values of a section, in order; `None` when the section does not exist.
    pub fn section(&self, name: &str) -> Option<&[Value]> {
        self.sections.get(name).map(Vec::as_slice)
    }

    /// A value as `_CONF_get_string` finds it: the section, then `default`.
    pub fn get(&self, section: &str, name: &str) -> Option<&Value> {
        self.sections
            .get(section)
            .and_then(|v| v.iter().find(|x| x.name == name))
            .or_else(|| {
                self.sections
                    .get("default")
                    .and_then(|v| v.iter().find(|x| x.name == name))
            })
    }

    fn add(&mut self, section: &str, v: Value) {
        let s = self.sections.entry(section.to_string()).or_default();
        s.retain(|x| x.name != v.name);
        s.push(v);
    }
}

/// Why OpenSSL refuses a configuration file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct Refused {
    pub origin: Origin,
    pub message: String,
}

struct Loader<'a> {
    root: &'a HostRoot,
    conf: Nconf,
    files: Vec<String>,
    problems: Vec<String>,
    notes: Vec<String>,
    includedir: Option<String>,
    abspath: bool,
    section: String,
}

impl Loader<'_> {
    /// `str_copy`: unquote, unescape and expand one value.
    fn str_copy(&mut self, section: &str, from: &[u8], origin: &Origin) -> Result<String, Refused> {
        let refuse = |m: String| Refused {
            origin: origin.clone(),
            message: m,
        };
        let mut out: Vec<u8> = Vec::new();
        let mut i = 0;
        while i < from.len() {
            let c = from[i];
            if is_quote(c) {
                // `'`, `` ` `` and `"` are all QUOTE in the default syntax.
                let q = c;
                i += 1;
                while i < from.len() && from[i] != q {
                    if from[i] == b'\\' {
                        i += 1;
                        if i >= from.len() {
                            break;
                        }
                    }
                    out.push(from[i]);
                    i += 1;
                }
                if i < from.len() && from[i] == q {
                    i += 1;
                }
            } else if c == b'\\' {
                i += 1;
                let Some(&v) = from.get(i) else { break };
                i += 1;
                out.push(match v {
                    b'r' => b'\r',
                    b'n' => b'\n',
                    b'b' => 8,
                    b't' => b'\t',
                    other => other,
                });
            } else if c == b'$' {
                let mut s = i + 1;
                let close = match from.get(s) {
                    Some(b'{') => Some(b'}'),
                    Some(b'(') => Some(b')'),
                    _ => None,
                };
                if close.is_some() {
                    s += 1;
                }
                let mut e = s;
                while e < from.len() && is_alnum(from[e]) {
                    e += 1;
                }
                let (mut sect, mut name) = (section.to_string(), &from[s..e]);
                if from.get(e) == Some(&b':') && from.get(e + 1) == Some(&b':') {
                    sect = String::from_utf8_lossy(name).into_owned();
                    let s2 = e + 2;
                    e = s2;
                    while e < from.len() && is_alnum(from[e]) {
                        e += 1;
                    }
                    name = &from[s2..e];
                }
                if let Some(q) = close {
                    if from.get(e) != Some(&q) {
                        return Err(refuse(
                            "missing closing brace in a variable reference".into(),
                        ));
                    }
                    e += 1;
                }
                let name = String::from_utf8_lossy(name).into_owned();
                let value = if sect == "ENV" {
                    self.problems.push(format!(
                        "{origin}: ${{ENV::{name}}} takes each program's environment variable \
                         {name}, which Ward cannot know; read as unset"
                    ));
                    self.conf.get("default", &name).map(|v| v.value.clone())
                } else {
                    self.conf.get(&sect, &name).map(|v| v.value.clone())
                };
                let Some(value) = value else {
                    return Err(refuse(format!(
                        "variable {sect}::{name} has no value (OpenSSL refuses the file)"
                    )));
                };
                if out.len() + value.len() > MAX_VALUE {
                    return Err(refuse("variable expansion too long".into()));
                }
                out.extend_from_slice(value.as_bytes());
                i = e;
            } else {
                out.push(c);
                i += 1;
            }
        }
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    /// Read one file (or directory) where an `.include` names it.
    fn load(&mut self, path: &str, in_dir: bool, top: bool) -> Result<(), Refused> {
        if self.files.len() >= MAX_FILES {
            return Err(Refused {
                origin: Origin::file(path.to_string()),
                message: format!("more than {MAX_FILES} files included"),
            });
        }
        let bytes = self.root.read(path).map_err(|e| Refused {
            origin: Origin::file(path.to_string()),
            message: e.to_string(),
        })?;
        self.files.push(path.to_string());
        let mut bytes = &bytes[..];
        if top {
            bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        }
        // Logical lines: a trailing `\` not itself escaped joins the next line.
        let raw: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
        let mut buf: Vec<u8> = Vec::new();
        let mut start = 0;
        for (i, piece) in raw.iter().enumerate() {
            if i + 1 == raw.len() && piece.is_empty() {
                break;
            }
            if buf.is_empty() {
                start = i + 1;
            }
            let mut piece = *piece;
            while let [rest @ .., b'\r' | b'\n'] = piece {
                piece = rest;
            }
            buf.extend_from_slice(piece);
            let n = buf.len();
            if n >= 1 && buf[n - 1] == b'\\' && (n < 2 || buf[n - 2] != b'\\') {
                buf.pop();
                continue;
            }
            let line = std::mem::take(&mut buf);
            self.line(&line, &Origin::at(path.to_string(), start), in_dir)?;
        }
        if !buf.is_empty() {
            self.line(&buf.clone(), &Origin::at(path.to_string(), start), in_dir)?;
        }
        Ok(())
    }

    fn line(&mut self, line: &[u8], origin: &Origin, in_dir: bool) -> Result<(), Refused> {
        let refuse = |m: &str| Refused {
            origin: origin.clone(),
            message: m.to_string(),
        };
        // clear_comments
        let mut l = line.to_vec();
        let mut i = 0;
        while i < l.len() {
            let c = l[i];
            if c == b'#' {
                l.truncate(i);
                break;
            }
            if is_quote(c) {
                i += 1;
                while i < l.len() && l[i] != c {
                    if l[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                continue;
            }
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == 0 {
                l.truncate(i);
                break;
            }
            i += 1;
        }
        let mut s = 0;
        while s < l.len() && is_ws(l[s]) {
            s += 1;
        }
        if s >= l.len() {
            return Ok(());
        }
        let eat_an = |l: &[u8], mut p: usize| {
            while p < l.len() {
                if l[p] == b'\\' {
                    p += 2;
                    continue;
                }
                if !is_alnum_punct(l[p]) {
                    break;
                }
                p += 1;
            }
            p.min(l.len())
        };
        let eat_ws = |l: &[u8], mut p: usize| {
            while p < l.len() && is_ws(l[p]) {
                p += 1;
            }
            p
        };
        if l[s] == b'[' {
            let start = eat_ws(&l, s + 1);
            let mut ss = start;
            loop {
                let end = eat_an(&l, ss);
                let p = eat_ws(&l, end);
                if l.get(p) == Some(&b']') {
                    let name = l[start..end].to_vec();
                    self.section = self.str_copy("default", &name, origin)?;
                    self.conf.sections.entry(self.section.clone()).or_default();
                    return Ok(());
                }
                if p < l.len() && ss != p {
                    ss = p;
                    continue;
                }
                return Err(refuse("missing close square bracket"));
            }
        }
        let pname_start = s;
        let mut end = eat_an(&l, s);
        let mut psection = self.section.clone();
        let mut name_start = pname_start;
        if l.get(end) == Some(&b':') && l.get(end + 1) == Some(&b':') {
            psection = String::from_utf8_lossy(&l[pname_start..end]).into_owned();
            name_start = end + 2;
            end = eat_an(&l, name_start);
        }
        let p = eat_ws(&l, end);
        let name = &l[name_start..end];
        for (kw, is_include) in [(&b".pragma"[..], false), (&b".include"[..], true)] {
            if !name.starts_with(kw) {
                continue;
            }
            let after = name_start + kw.len();
            if !(p != after || l.get(p) == Some(&b'=')) {
                continue;
            }
            let mut v = p;
            if l.get(v) == Some(&b'=') {
                v = eat_ws(&l, v + 1);
            }
            let mut val = l[v..].to_vec();
            while val.last().is_some_and(|c| is_ws(*c)) {
                val.pop();
            }
            if !is_include {
                let text = String::from_utf8_lossy(&val).into_owned();
                let Some((k, pv)) = text.split_once(':') else {
                    return Err(refuse("invalid pragma"));
                };
                let (k, pv) = (k.trim(), pv.trim_start());
                if k.is_empty() || pv.is_empty() {
                    return Err(refuse("invalid pragma"));
                }
                let flag = |v: &str| match v.to_ascii_lowercase().as_str() {
                    "on" | "true" => Ok(true),
                    "off" | "false" => Ok(false),
                    _ => Err(refuse("invalid pragma")),
                };
                match k {
                    "dollarid" if flag(pv)? => {
                        self.notes.push(format!(
                            "{origin}: .pragma dollarid is not modelled; `$` in names is read as expansion"
                        ));
                    }
                    "dollarid" => {}
                    "abspath" => self.abspath = flag(pv)?,
                    "includedir" => self.includedir = Some(pv.to_string()),
                    _ => {}
                }
                return Ok(());
            }
            let sect = psection.clone();
            let include = self.str_copy(&sect, &val, origin)?;
            let path = match (&self.includedir, include.starts_with('/')) {
                (Some(dir), false) => format!("{}/{include}", dir.trim_end_matches('/')),
                _ => include.clone(),
            };
            if !path.starts_with('/') {
                if self.abspath {
                    return Err(refuse("relative include path with .pragma abspath:true"));
                }
                self.problems.push(format!(
                    "{origin}: .include {path} is relative to each program's working \
                     directory; Ward cannot tell what it reads"
                ));
                return Ok(());
            }
            return self.include(&path, origin, in_dir);
        }
        if l.get(p) != Some(&b'=') {
            return Err(refuse("missing equal sign"));
        }
        let vstart = eat_ws(&l, p + 1);
        let mut val = l[vstart..].to_vec();
        while val.last().is_some_and(|c| is_ws(*c)) {
            val.pop();
        }
        let sect = psection.clone();
        let value = self.str_copy(&sect, &val, origin)?;
        let name = String::from_utf8_lossy(name).into_owned();
        self.conf.add(
            &psection,
            Value {
                name,
                value,
                origin: origin.clone(),
            },
        );
        Ok(())
    }

    fn include(&mut self, path: &str, origin: &Origin, in_dir: bool) -> Result<(), Refused> {
        let meta = match self.root.metadata(path) {
            Ok(m) => m,
            Err(_) => {
                self.notes.push(format!(
                    "{origin}: .include {path}: not found; OpenSSL skips it"
                ));
                return Ok(());
            }
        };
        if meta.kind == FileKind::Directory {
            if in_dir {
                self.notes.push(format!(
                    "{origin}: .include {path}: a directory included from a directory; OpenSSL skips it"
                ));
                return Ok(());
            }
            let entries = self
                .root
                .read_dir_matching(path, |n| {
                    let n = n.to_string_lossy().to_ascii_lowercase();
                    (n.len() > 5 && n.ends_with(".conf")) || (n.len() > 4 && n.ends_with(".cnf"))
                })
                .map_err(|e| Refused {
                    origin: origin.clone(),
                    message: e.to_string(),
                })?;
            if entries.len() > 1 {
                self.notes.push(format!(
                    "{origin}: .include {path}: OpenSSL reads the files in the directory's own \
                     order, not by name; Ward reads them by name"
                ));
            }
            for e in entries {
                let p = display_path(&e.path);
                if self.root.read(&e.path).is_err() {
                    continue;
                }
                self.load(&p, true, false)?;
            }
            return Ok(());
        }
        if self.root.read(path).is_err() {
            self.notes.push(format!(
                "{origin}: .include {path}: unreadable; OpenSSL skips it"
            ));
            return Ok(());
        }
        self.load(path, in_dir, false)
    }
}

/// Parse a configuration file as `NCONF_load` does. `Err` when OpenSSL refuses it.
pub fn parse(
    root: &HostRoot,
    path: &str,
) -> (
    Result<Nconf, Refused>,
    Vec<String>,
    Vec<String>,
    Vec<String>,
) {
    let mut l = Loader {
        root,
        conf: Nconf::default(),
        files: Vec::new(),
        problems: Vec::new(),
        notes: Vec::new(),
        includedir: None,
        abspath: false,
        section: "default".into(),
    };
    l.conf.sections.entry("default".into()).or_default();
    let r = l.load(path, false, true);
    let conf = std::mem::take(&mut l.conf);
    (r.map(|()| conf), l.files, l.problems, l.notes)
}

/// The module names OpenSSL 3.0 has built in (`OPENSSL_load_builtin_modules`).
const BUILTIN_MODULES: [&str; 7] = [
    "oid_section",
    "stbl_section",
    "engines",
    "alg_section",
    "ssl_conf",
    "providers",
    "random",
];

/// Load OpenSSL's configuration from `path` (missing: the library's defaults).
pub fn load_openssl(root: &HostRoot, path: &str) -> Result<OpensslConf, ReadError> {
    let mut out = OpensslConf {
        path: path.into(),
        ..OpensslConf::default()
    };
    match root.metadata(path) {
        Ok(_) => out.present = true,
        Err(ReadError::NotFound { .. }) => return Ok(out),
        Err(e) => return Err(e),
    }
    // An unreadable main file: OpenSSL cannot read it either, but a scan without root
    // cannot tell; the read error is the fact.
    root.read(path)?;
    let (conf, files, problems, notes) = parse(root, path);
    out.files = files;
    out.problems = problems;
    out.notes = notes;
    let conf = match conf {
        Ok(c) => c,
        Err(e) => {
            out.refused = Some(e.to_string());
            return Ok(out);
        }
    };
    apply_modules(&conf, &mut out);
    Ok(out)
}

/// `CONF_modules_load` and the `ssl_conf` module, down to the `system_default` commands.
pub fn apply_modules(conf: &Nconf, out: &mut OpensslConf) {
    out.diagnostics = conf
        .get("default", "config_diagnostics")
        .map(|v| {
            let digits: String = v.value.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<u64>().unwrap_or(0) > 0
        })
        .unwrap_or(false);
    let Some(init) = conf.get("default", "openssl_conf") else {
        out.notes
            .push("no openssl_conf: no module is configured, the library's defaults apply".into());
        return;
    };
    out.chain.push(init.clone());
    let Some(modules) = conf.section(&init.value) else {
        out.notes.push(format!(
            "{}: openssl_conf names section [{}], which does not exist: nothing is configured",
            init.origin, init.value
        ));
        return;
    };
    for m in modules {
        let module = m.name.rsplit_once('.').map(|(a, _)| a).unwrap_or(&m.name);
        out.chain.push(m.clone());
        if !BUILTIN_MODULES.contains(&module) {
            out.module_failure = Some(format!(
                "{}: module {:?} is not one OpenSSL has built in; loading stops here",
                m.origin, m.name
            ));
            return;
        }
        if module != "ssl_conf" {
            continue;
        }
        let fail = |why: String| {
            Some(format!(
                "{}: ssl_conf = {}: {why}; the ssl_conf module fails and no system default applies",
                m.origin, m.value
            ))
        };
        let Some(names) = conf.section(&m.value) else {
            out.module_failure = fail(format!("section [{}] does not exist", m.value));
            return;
        };
        if names.is_empty() {
            out.module_failure = fail(format!("section [{}] is empty", m.value));
            return;
        }
        let mut system = None;
        for n in names {
            match conf.section(&n.value) {
                None => {
                    out.module_failure = fail(format!(
                        "{}: command section [{}] does not exist",
                        n.origin, n.value
                    ));
                    return;
                }
                Some([]) => {
                    out.module_failure = fail(format!(
                        "{}: command section [{}] is empty",
                        n.origin, n.value
                    ));
                    return;
                }
                Some(cmds) if n.name == "system_default" => system = Some((n, cmds)),
                Some(_) => {}
            }
        }
        if let Some((n, cmds)) = system {
            out.chain.push(n.clone());
            out.system_default = cmds.to_vec();
        }
        // Later modules may still fail (and stop loading), but the ssl module's settings
        // are recorded already; only diagnostics would turn that into a failure.
    }
}

// ---------------------------------------------------------------------------------------
// Effective settings
// ---------------------------------------------------------------------------------------

/// TLS protocol versions, ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TlsVersion {
    Ssl3,
    Tls1,
    Tls11,
    Tls12,
    Tls13,
}

impl TlsVersion {
    pub fn name(self) -> &'static str {
        match self {
            TlsVersion::Ssl3 => "SSLv3",
            TlsVersion::Tls1 => "TLSv1",
            TlsVersion::Tls11 => "TLSv1.1",
            TlsVersion::Tls12 => "TLSv1.2",
            TlsVersion::Tls13 => "TLSv1.3",
        }
    }

    /// The version OpenSSL's `MinProtocol` reads (exact case); `Ok(None)` for `None`.
    pub fn from_openssl(s: &str) -> Result<Option<TlsVersion>, String> {
        Ok(Some(match s {
            "None" => return Ok(None),
            "SSLv3" => TlsVersion::Ssl3,
            "TLSv1" => TlsVersion::Tls1,
            "TLSv1.1" => TlsVersion::Tls11,
            "TLSv1.2" => TlsVersion::Tls12,
            "TLSv1.3" => TlsVersion::Tls13,
            _ => return Err(format!("{s:?} is not a protocol version OpenSSL names")),
        }))
    }

    /// The wire version number (`0x0303` for TLS 1.2).
    pub fn wire(self) -> u16 {
        match self {
            TlsVersion::Ssl3 => 0x300,
            TlsVersion::Tls1 => 0x301,
            TlsVersion::Tls11 => 0x302,
            TlsVersion::Tls12 => 0x303,
            TlsVersion::Tls13 => 0x304,
        }
    }

    const ALL: [TlsVersion; 5] = [
        TlsVersion::Ssl3,
        TlsVersion::Tls1,
        TlsVersion::Tls11,
        TlsVersion::Tls12,
        TlsVersion::Tls13,
    ];
}

/// The OpenSSL library generation whose rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Library {
    /// OpenSSL 1.1.x: the security level forbids TLS 1.0 only from level 3, TLS 1.1 from 4.
    V1_1,
    /// OpenSSL 3.x: TLS below 1.2 fails at any security level above 0.
    V3,
}

/// What a context made with `SSL_CTX_new(TLS_method())` gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effective {
    /// `SSL_CTX_new` fails (config_diagnostics with a failing module).
    pub context_fails: Option<String>,
    /// The `MinProtocol` in force and where it was set.
    pub min_protocol: Option<(TlsVersion, Origin)>,
    /// The security level and where it was set (`None`: the compiled-in default).
    pub security_level: (u8, Option<Origin>),
    /// Versions disabled by `Protocol`.
    pub disabled: Vec<TlsVersion>,
    /// The lowest version a handshake can use; `None` when none can.
    pub lowest: Option<TlsVersion>,
    /// Commands skipped (invalid values, unknown commands), with file:line.
    pub skipped: Vec<String>,
}

/// The effective settings for a library generation and its compiled-in security level.
pub fn effective(conf: &OpensslConf, lib: Library, default_level: u8) -> Effective {
    let mut e = Effective {
        context_fails: None,
        min_protocol: None,
        security_level: (default_level, None),
        disabled: Vec::new(),
        lowest: None,
        skipped: Vec::new(),
    };
    if conf.refused.is_none() && conf.diagnostics {
        if let Some(f) = &conf.module_failure {
            e.context_fails = Some(format!(
                "{f}; with config_diagnostics set, SSL_CTX_new fails in every program"
            ));
        }
    }
    if conf.refused.is_none() {
        for c in &conf.system_default {
            let cmd = c.name.split_once('.').map(|(_, b)| b).unwrap_or(&c.name);
            match cmd.to_ascii_lowercase().as_str() {
                "minprotocol" => match TlsVersion::from_openssl(&c.value) {
                    Ok(Some(v)) => e.min_protocol = Some((v, c.origin.clone())),
                    Ok(None) => e.min_protocol = None,
                    Err(_) => e.skipped.push(format!(
                        "{}: MinProtocol {:?} is not a TLS version OpenSSL accepts here; skipped",
                        c.origin, c.value
                    )),
                },
                "cipherstring" => {
                    let mut rest = c.value.as_str();
                    while let Some(p) = rest.find("@SECLEVEL=") {
                        let after = &rest[p + 10..];
                        match after.bytes().next() {
                            Some(d @ b'0'..=b'5') => {
                                e.security_level = (d - b'0', Some(c.origin.clone()));
                            }
                            _ => {
                                e.skipped.push(format!(
                                    "{}: {:?}: an invalid @SECLEVEL; the rest is skipped",
                                    c.origin, c.value
                                ));
                                break;
                            }
                        }
                        rest = after;
                    }
                }
                "protocol" => {
                    for tok in c.value.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                        let (off, name) = match tok.as_bytes()[0] {
                            b'-' => (true, &tok[1..]),
                            b'+' => (false, &tok[1..]),
                            _ => (false, tok),
                        };
                        let versions: Vec<TlsVersion> = if name.eq_ignore_ascii_case("ALL") {
                            TlsVersion::ALL.to_vec()
                        } else {
                            match TlsVersion::ALL
                                .iter()
                                .find(|v| v.name().eq_ignore_ascii_case(name))
                            {
                                Some(v) => vec![*v],
                                None => continue,
                            }
                        };
                        for v in versions {
                            e.disabled.retain(|x| *x != v);
                            if off {
                                e.disabled.push(v);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    // SSLv3 is not built into the distributions' libraries (OpenSSL disables it by default
    // since 1.1.0).
    let mut floor = TlsVersion::Tls1;
    if let Some((v, _)) = &e.min_protocol {
        floor = floor.max(*v);
    }
    let level = e.security_level.0;
    let level_floor = match lib {
        Library::V3 if level >= 1 => TlsVersion::Tls12,
        Library::V3 => TlsVersion::Tls1,
        Library::V1_1 if level >= 4 => TlsVersion::Tls12,
        Library::V1_1 if level >= 3 => TlsVersion::Tls11,
        Library::V1_1 => TlsVersion::Tls1,
    };
    floor = floor.max(level_floor);
    e.lowest = TlsVersion::ALL
        .into_iter()
        .find(|v| *v >= floor && !e.disabled.contains(v));
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf(text: &str) -> (OpensslConf, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc/ssl")).unwrap();
        std::fs::write(dir.path().join("etc/ssl/openssl.cnf"), text).unwrap();
        let root = HostRoot::new(dir.path()).unwrap();
        (load_openssl(&root, "/etc/ssl/openssl.cnf").unwrap(), dir)
    }

    #[test]
    fn values_quotes_and_variables() {
        let (c, _d) = conf(
            "v = TLSv1.3\nopenssl_conf = a # c\n[ a ]\nssl_conf = s\n[s]\nsystem_default = d\n[d]\nMinProtocol = $v\nCipherString = 'DEFAULT:@SECLEVEL=0' # x\n",
        );
        assert_eq!(c.refused, None);
        let e = effective(&c, Library::V3, 2);
        assert_eq!(e.min_protocol.map(|m| m.0), Some(TlsVersion::Tls13));
        assert_eq!(e.security_level.0, 0);
        assert_eq!(e.lowest, Some(TlsVersion::Tls13));
        // Inside quotes `$` is copied as it is: `$v` is no protocol name.
        let (c, _d) = conf("v = TLSv1.3\nopenssl_conf = a\n[a]\nssl_conf = s\n[s]\nsystem_default = d\n[d]\nMinProtocol = \"$v\"\n");
        let e = effective(&c, Library::V3, 2);
        assert_eq!(e.min_protocol, None);
        assert_eq!(e.skipped.len(), 1);
    }

    #[test]
    fn refusals_and_failures() {
        let (c, _d) = conf("openssl_conf = a\n[a]\nbogus line\n");
        assert!(c.refused.unwrap().contains(":3: missing equal sign"));
        let (c, _d) = conf("x = $nope\n");
        assert!(c.refused.unwrap().contains("has no value"));
        let (c, _d) = conf("config_diagnostics = 1\nopenssl_conf = a\n[a]\nssl_conf = s\n[s]\nsystem_default = d\n");
        assert!(c.module_failure.is_some());
        assert!(effective(&c, Library::V3, 2).context_fails.is_some());
    }

    #[test]
    fn level_floors() {
        let (c, _d) = conf("");
        assert_eq!(
            effective(&c, Library::V3, 1).lowest,
            Some(TlsVersion::Tls12)
        );
        assert_eq!(
            effective(&c, Library::V1_1, 2).lowest,
            Some(TlsVersion::Tls1)
        );
        assert_eq!(
            effective(&c, Library::V1_1, 3).lowest,
            Some(TlsVersion::Tls11)
        );
    }

    #[test]
    fn crypto_policies_config() {
        let s = policy_setting("# comment\n\n  DEFAULT:SHA1:AD-SUPPORT  # x\n", "/c").unwrap();
        assert_eq!(s.policy, "DEFAULT");
        assert_eq!(s.modules, ["SHA1", "AD-SUPPORT"]);
        assert_eq!(s.origin.line, Some(3));
    }
}
