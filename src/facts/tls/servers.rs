//! The certificate and key files TLS servers are configured to load, read from their own
//! configuration as the server reads it: nginx (`ngx_conf_file.c`), Apache httpd
//! (`server/config.c`, `util.c`) and Postfix (`main.cf`).
//!
//! A certificate that sits in `/etc/ssl` but is served by nobody matters less than the
//! one nginx presents to every client, and the one nginx presents may live anywhere
//! (`/srv/certs/portal.pem`), so Ward follows each server's includes to the lines that
//! name certificate and key files and records each line. Where a server cannot be read
//! as it would read itself (a missing non-glob include, a line it would refuse), the
//! problem is kept with file:line and the checks that depend on the server's files are
//! `error`, never a pass on what was understood.
//!
//! * nginx: `/etc/nginx/nginx.conf`; tokens as `ngx_conf_read_token` splits them (`#`
//!   starts a comment only where a word could start, `"`/`'` quoted words with `\`
//!   escapes, `;` `{` end a word, `}` closes a block only at a word's start); `include`
//!   with glob(3) patterns (a pattern matching nothing is fine, a missing plain file is
//!   fatal), relative paths resolved against the configuration prefix (the directory of
//!   nginx.conf), as are `ssl_certificate`/`ssl_certificate_key` paths. A path holding a
//!   variable (`$ssl_server_name`) is loaded per connection and cannot be followed (a
//!   problem). `ssl_protocols` per `server` with the `http` (or `stream`/`mail`) value
//!   inherited and nginx 1.22's default `TLSv1 TLSv1.1 TLSv1.2 TLSv1.3` when neither sets
//!   it; a server is a TLS server when a `listen` has `ssl` or `ssl on` is set.
//! * Apache httpd: `/etc/apache2/apache2.conf` (Debian, ServerRoot `/etc/apache2`),
//!   `/etc/httpd/conf/httpd.conf` (RHEL, `/etc/httpd`), `/etc/apache2/httpd.conf`
//!   (Alpine); directives without case, `\` at the end of a line continues it, `#` only
//!   at a line's start, arguments as `ap_getword_conf` splits them (quotes); `ServerRoot`
//!   changes the base of relative paths; `Include` (a wildcard matching nothing or a
//!   missing file is fatal) and `IncludeOptional` (ignored), wildcards in any component,
//!   a directory includes its files in name order; `Define` variables and `${VAR}`.
//!   Conditional sections (`<IfModule>`, `<IfDefine>`, …) are read as if their condition
//!   held: a file they name may be judged although unused (a false fail at worst).
//!   `SSLCertificateFile`, `SSLCertificateKeyFile`, `SSLCertificateChainFile`;
//!   `SSLProtocol` is recorded.
//! * Postfix: `/etc/postfix/main.cf`: `name = value` lines, a line starting with
//!   whitespace continues the previous one, `#` comment lines; the last setting wins;
//!   `$name`/`${name}` expanded from main.cf (`config_directory` defaults to
//!   `/etc/postfix`). `smtpd_tls_cert_file`, `smtpd_tls_key_file`, `smtpd_tls_eccert_file`,
//!   `smtpd_tls_eckey_file`, `smtpd_tls_chain_files`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::facts::Origin;
use crate::host_root::{display_path, glob_matches, FileKind, HostRoot, ReadError};
use crate::vocab::has_glob_meta;

/// nginx's main configuration file.
pub const NGINX_CONF: &str = "/etc/nginx/nginx.conf";
/// Apache httpd main files and their ServerRoot.
pub const APACHE_CONFS: [(&str, &str); 3] = [
    ("/etc/apache2/apache2.conf", "/etc/apache2"),
    ("/etc/httpd/conf/httpd.conf", "/etc/httpd"),
    ("/etc/apache2/httpd.conf", "/var/www"),
];
/// Postfix's main configuration.
pub const POSTFIX_MAIN: &str = "/etc/postfix/main.cf";
/// nginx 1.22's `ssl_protocols` when nothing sets it.
pub const NGINX_DEFAULT_PROTOCOLS: &str = "TLSv1 TLSv1.1 TLSv1.2 TLSv1.3";

/// Most configuration files one server's includes may pull in.
const MAX_FILES: usize = 2000;
/// Deepest include nesting followed.
const MAX_DEPTH: usize = 32;

/// The TLS server software.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Software {
    Nginx,
    Apache,
    Postfix,
}

impl Software {
    pub fn as_str(self) -> &'static str {
        match self {
            Software::Nginx => "nginx",
            Software::Apache => "Apache httpd",
            Software::Postfix => "Postfix",
        }
    }
}

/// What a configured file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The server's certificate, possibly followed by its chain.
    Certificate,
    /// Chain certificates only (`SSLCertificateChainFile`).
    Chain,
    /// A private key.
    Key,
}

/// A line of a server's configuration naming a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named {
    pub software: Software,
    pub role: Role,
    /// The host path (relative paths resolved as the server resolves them).
    pub path: String,
    pub directive: String,
    pub origin: Origin,
}

/// The TLS protocol setting in effect for one server block or virtual host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    pub software: Software,
    /// Where the server block or virtual host starts.
    pub origin: Origin,
    /// The protocols setting as written (words joined by one space).
    pub protocols: String,
    /// Where it was set; `None` for the server's built-in default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocols_origin: Option<Origin>,
}

/// A server's configuration as far as TLS files go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerConfig {
    pub software: Software,
    /// The main file.
    pub config: String,
    /// Every file read, in order.
    pub files: Vec<String>,
    /// Lines naming certificate and key files.
    pub named: Vec<Named>,
    /// TLS server blocks and their protocols (nginx).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<Endpoint>,
    /// Lines the server would refuse, or that Ward could not follow, with file:line.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// Notes shown as evidence (conditional sections read unconditionally, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl ServerConfig {
    fn new(software: Software, config: &str) -> ServerConfig {
        ServerConfig {
            software,
            config: config.into(),
            files: Vec::new(),
            named: Vec::new(),
            endpoints: Vec::new(),
            problems: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// Read every server configuration present on the root.
pub fn collect(root: &HostRoot) -> Vec<ServerConfig> {
    let mut out = Vec::new();
    if root.symlink_metadata(NGINX_CONF).is_ok() {
        out.push(nginx(root, NGINX_CONF));
    }
    for (conf, server_root) in APACHE_CONFS {
        if root.symlink_metadata(conf).is_ok() {
            out.push(apache(root, conf, server_root));
        }
    }
    if root.symlink_metadata(POSTFIX_MAIN).is_ok() {
        out.push(postfix(root, POSTFIX_MAIN));
    }
    out
}

/// Join a relative path to a base directory (host paths).
fn absolute(base: &str, path: &str) -> String {
    if path.starts_with('/') {
        path.to_string()
    } else {
        format!("{}/{}", base.trim_end_matches('/'), path)
    }
}

/// Expand a pattern as glob(3) does (wildcards in any component, a leading `.` matched
/// only literally), sorted. A component that is not a wildcard is kept if it exists.
pub fn glob_any(root: &HostRoot, pattern: &str) -> Result<Vec<String>, String> {
    let components: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
    let mut current = vec![PathBuf::from("/")];
    for (i, comp) in components.iter().enumerate() {
        let last = i + 1 == components.len();
        let mut next = Vec::new();
        for dir in &current {
            if !has_glob_meta(comp) {
                let p = dir.join(comp);
                let keep = if last {
                    root.symlink_metadata(&p).is_ok()
                } else {
                    root.metadata(&p)
                        .is_ok_and(|m| m.kind == FileKind::Directory)
                };
                if keep {
                    next.push(p);
                }
                continue;
            }
            let matcher =
                glob::Pattern::new(comp).map_err(|e| format!("invalid glob {comp:?}: {e}"))?;
            let entries = match root.read_dir(dir) {
                Ok(e) => e,
                Err(ReadError::NotFound { .. }) => continue,
                Err(e) => return Err(e.to_string()),
            };
            for e in entries {
                if !glob_matches(&matcher, &e.name) {
                    continue;
                }
                if last
                    || root
                        .metadata(&e.path)
                        .is_ok_and(|m| m.kind == FileKind::Directory)
                {
                    next.push(e.path);
                }
                if next.len() > MAX_FILES {
                    return Err(format!("more than {MAX_FILES} paths matched"));
                }
            }
        }
        current = next;
    }
    if components.is_empty() {
        return Ok(Vec::new());
    }
    let mut v: Vec<String> = current.iter().map(display_path).collect();
    v.sort();
    v.dedup();
    Ok(v)
}

// ---------------------------------------------------------------------------------------
// nginx
// ---------------------------------------------------------------------------------------

/// One nginx directive: its words and, for a block, its children.
#[derive(Debug, Clone)]
struct Directive {
    words: Vec<String>,
    origin: Origin,
    block: Option<Vec<Directive>>,
}

/// The tokens of one nginx file, as `ngx_conf_read_token` reads them.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String, usize),
    Semicolon(usize),
    Open(usize),
    Close(usize),
}

fn nginx_tokens(text: &[u8]) -> Result<Vec<Token>, (usize, String)> {
    let mut out = Vec::new();
    let mut line = 1usize;
    let mut i = 0usize;
    let n = text.len();
    let is_space = |c: u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    while i < n {
        let c = text[i];
        if is_space(c) {
            if c == b'\n' {
                line += 1;
            }
            i += 1;
            continue;
        }
        match c {
            b';' => {
                out.push(Token::Semicolon(line));
                i += 1;
                continue;
            }
            b'{' => {
                out.push(Token::Open(line));
                i += 1;
                continue;
            }
            b'}' => {
                out.push(Token::Close(line));
                i += 1;
                continue;
            }
            b'#' => {
                while i < n && text[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            _ => {}
        }
        let start_line = line;
        let mut word = Vec::new();
        if c == b'"' || c == b'\'' {
            let q = c;
            i += 1;
            let mut closed = false;
            while i < n {
                let ch = text[i];
                if ch == b'\n' {
                    line += 1;
                }
                if ch == b'\\' && i + 1 < n {
                    push_escape(&mut word, text[i + 1]);
                    if text[i + 1] == b'\n' {
                        line += 1;
                    }
                    i += 2;
                    continue;
                }
                if ch == q {
                    closed = true;
                    i += 1;
                    break;
                }
                word.push(ch);
                i += 1;
            }
            if !closed {
                return Err((
                    start_line,
                    "unexpected end of file, expecting \";\" or \"}\"".into(),
                ));
            }
            // After a quoted word nginx needs a space, `;`, `{` or `)`.
            if i < n && !is_space(text[i]) && !matches!(text[i], b';' | b'{' | b')') {
                return Err((line, format!("unexpected \"{}\"", text[i] as char)));
            }
        } else {
            let mut variable = false;
            while i < n {
                let ch = text[i];
                if ch == b'{' && variable {
                    word.push(ch);
                    i += 1;
                    continue;
                }
                variable = false;
                if ch == b'\\' && i + 1 < n {
                    push_escape(&mut word, text[i + 1]);
                    if text[i + 1] == b'\n' {
                        line += 1;
                    }
                    i += 2;
                    continue;
                }
                if ch == b'$' {
                    variable = true;
                    word.push(ch);
                    i += 1;
                    continue;
                }
                if is_space(ch) || ch == b';' || ch == b'{' {
                    break;
                }
                word.push(ch);
                i += 1;
            }
        }
        out.push(Token::Word(
            String::from_utf8_lossy(&word).into_owned(),
            start_line,
        ));
    }
    Ok(out)
}

/// nginx's unescaping of `\x` inside a word.
fn push_escape(word: &mut Vec<u8>, next: u8) {
    match next {
        b'"' | b'\'' | b'\\' => word.push(next),
        b't' => word.push(b'\t'),
        b'r' => word.push(b'\r'),
        b'n' => word.push(b'\n'),
        other => {
            word.push(b'\\');
            word.push(other);
        }
    }
}

struct NginxReader<'a> {
    root: &'a HostRoot,
    prefix: String,
    cfg: ServerConfig,
}

impl NginxReader<'_> {
    /// Parse a file into directives, following `include` in place.
    fn file(&mut self, path: &str, depth: usize) -> Result<Vec<Directive>, String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "{path}: includes nested more than {MAX_DEPTH} deep"
            ));
        }
        if self.cfg.files.len() >= MAX_FILES {
            return Err(format!("{path}: more than {MAX_FILES} files included"));
        }
        let bytes = self.root.read(path).map_err(|e| e.to_string())?;
        self.cfg.files.push(path.to_string());
        let tokens = nginx_tokens(&bytes).map_err(|(l, m)| format!("{path}:{l}: {m}"))?;
        let mut pos = 0;
        let out = self.block(path, &tokens, &mut pos, depth, false)?;
        Ok(out)
    }

    fn block(
        &mut self,
        path: &str,
        tokens: &[Token],
        pos: &mut usize,
        depth: usize,
        inner: bool,
    ) -> Result<Vec<Directive>, String> {
        let mut out = Vec::new();
        let mut words: Vec<String> = Vec::new();
        let mut first_line = 0;
        while *pos < tokens.len() {
            let t = tokens[*pos].clone();
            *pos += 1;
            match t {
                Token::Word(w, l) => {
                    if words.is_empty() {
                        first_line = l;
                    }
                    words.push(w);
                }
                Token::Semicolon(l) => {
                    if words.is_empty() {
                        return Err(format!("{path}:{l}: unexpected \";\""));
                    }
                    let origin = Origin::at(path.to_string(), first_line);
                    let d = std::mem::take(&mut words);
                    if d[0] == "include" {
                        if d.len() != 2 {
                            return Err(format!(
                                "{origin}: invalid number of arguments in \"include\" directive"
                            ));
                        }
                        let pattern = absolute(&self.prefix, &d[1]);
                        out.extend(self.include(&pattern, &origin, depth)?);
                    } else {
                        out.push(Directive {
                            words: d,
                            origin,
                            block: None,
                        });
                    }
                }
                Token::Open(l) => {
                    if words.is_empty() {
                        return Err(format!("{path}:{l}: unexpected \"{{\""));
                    }
                    let origin = Origin::at(path.to_string(), first_line);
                    let d = std::mem::take(&mut words);
                    let children = self.block(path, tokens, pos, depth, true)?;
                    out.push(Directive {
                        words: d,
                        origin,
                        block: Some(children),
                    });
                }
                Token::Close(l) => {
                    if !words.is_empty() {
                        return Err(format!("{path}:{l}: unexpected \"}}\""));
                    }
                    if !inner {
                        return Err(format!("{path}:{l}: unexpected \"}}\""));
                    }
                    return Ok(out);
                }
            }
        }
        if !words.is_empty() || inner {
            return Err(format!(
                "{path}: unexpected end of file, expecting \";\" or \"}}\""
            ));
        }
        Ok(out)
    }

    fn include(
        &mut self,
        pattern: &str,
        origin: &Origin,
        depth: usize,
    ) -> Result<Vec<Directive>, String> {
        let mut out = Vec::new();
        if !pattern.contains(['*', '?', '[']) {
            return self
                .file(pattern, depth + 1)
                .map_err(|e| format!("{origin}: include {pattern}: {e}"));
        }
        let paths = glob_any(self.root, pattern).map_err(|e| format!("{origin}: {e}"))?;
        for p in paths {
            out.extend(
                self.file(&p, depth + 1)
                    .map_err(|e| format!("{origin}: include {p}: {e}"))?,
            );
        }
        Ok(out)
    }
}

/// nginx's configuration: the files it names and each TLS server's protocols.
pub fn nginx(root: &HostRoot, conf: &str) -> ServerConfig {
    let prefix = conf
        .rsplit_once('/')
        .map(|(d, _)| d.to_string())
        .unwrap_or_else(|| "/".into());
    let mut r = NginxReader {
        root,
        prefix,
        cfg: ServerConfig::new(Software::Nginx, conf),
    };
    let tree = match r.file(conf, 0) {
        Ok(t) => t,
        Err(e) => {
            r.cfg.problems.push(format!("nginx would not start: {e}"));
            return r.cfg;
        }
    };
    let mut cfg = r.cfg;
    let prefix = r.prefix;
    walk_nginx(&tree, &prefix, &mut cfg, None, &[]);
    cfg
}

/// A block's `ssl_protocols`: several lines add up (`ngx_conf_set_bitmask_slot`), each
/// protocol once; the origin is the first line's.
fn protocols_of(dirs: &[Directive]) -> Option<(String, Origin)> {
    let lines: Vec<&Directive> = dirs
        .iter()
        .filter(|d| d.words[0] == "ssl_protocols" && d.block.is_none())
        .collect();
    let first = lines.first()?;
    let mut words: Vec<&str> = Vec::new();
    for d in &lines {
        for w in &d.words[1..] {
            if !words.contains(&w.as_str()) {
                words.push(w);
            }
        }
    }
    Some((words.join(" "), first.origin.clone()))
}

/// Context inherited by nginx `server` blocks: the enclosing `ssl_protocols`.
fn walk_nginx(
    dirs: &[Directive],
    prefix: &str,
    cfg: &mut ServerConfig,
    inherited: Option<&(String, Origin)>,
    path: &[&str],
) {
    let here = protocols_of(dirs);
    let protocols = here.as_ref().or(inherited);
    for d in dirs {
        let name = d.words[0].as_str();
        if let Some(children) = &d.block {
            // Certificates in `http`, `server`, `stream`, `mail` blocks; never in `events`.
            let mut p = path.to_vec();
            p.push(name);
            walk_nginx(children, prefix, cfg, protocols, &p);
            if name == "server"
                && path
                    .last()
                    .is_some_and(|c| matches!(*c, "http" | "stream" | "mail"))
            {
                let tls = children.iter().any(|c| {
                    (c.words[0] == "listen" && c.words.iter().skip(1).any(|w| w == "ssl"))
                        || (c.words[0] == "ssl" && c.words.get(1).is_some_and(|w| w == "on"))
                });
                if tls {
                    let own = protocols_of(children);
                    let eff = own.as_ref().or(protocols);
                    cfg.endpoints.push(Endpoint {
                        software: Software::Nginx,
                        origin: d.origin.clone(),
                        protocols: eff
                            .map(|e| e.0.clone())
                            .unwrap_or_else(|| NGINX_DEFAULT_PROTOCOLS.into()),
                        protocols_origin: eff.map(|e| e.1.clone()),
                    });
                }
            }
            continue;
        }
        let role = match name {
            "ssl_certificate" => Role::Certificate,
            "ssl_certificate_key" => Role::Key,
            _ => continue,
        };
        if d.words.len() != 2 {
            cfg.problems.push(format!(
                "{}: invalid number of arguments in \"{name}\" directive",
                d.origin
            ));
            continue;
        }
        let value = &d.words[1];
        if value.contains('$') {
            cfg.problems.push(format!(
                "{}: {name} {value}: a path with variables is loaded per connection; Ward \
                 cannot tell which files it names",
                d.origin
            ));
            continue;
        }
        if value.starts_with("data:") || value.starts_with("engine:") {
            cfg.notes.push(format!(
                "{}: {name} is not a file ({}…)",
                d.origin,
                &value[..value.find(':').unwrap_or(0) + 1]
            ));
            continue;
        }
        cfg.named.push(Named {
            software: Software::Nginx,
            role,
            path: absolute(prefix, value),
            directive: name.into(),
            origin: d.origin.clone(),
        });
    }
}

// ---------------------------------------------------------------------------------------
// Apache httpd
// ---------------------------------------------------------------------------------------

struct ApacheReader<'a> {
    root: &'a HostRoot,
    server_root: String,
    defines: BTreeMap<String, String>,
    cfg: ServerConfig,
    conditional_noted: bool,
    vhost_start: Option<Origin>,
}

/// Split an Apache argument string as `ap_getword_conf` does.
fn apache_words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let mut w = Vec::new();
        if b[i] == b'"' || b[i] == b'\'' {
            let q = b[i];
            i += 1;
            while i < b.len() && b[i] != q {
                if b[i] == b'\\' && i + 1 < b.len() && (b[i + 1] == q || b[i + 1] == b'\\') {
                    i += 1;
                }
                w.push(b[i]);
                i += 1;
            }
            i += 1;
        } else {
            while i < b.len() && !b[i].is_ascii_whitespace() {
                w.push(b[i]);
                i += 1;
            }
        }
        out.push(String::from_utf8_lossy(&w).into_owned());
    }
    out
}

impl ApacheReader<'_> {
    fn resolve_vars(&self, s: &str, origin: &Origin) -> (String, bool) {
        let mut out = String::new();
        let mut rest = s;
        let mut unresolved = false;
        while let Some(p) = rest.find("${") {
            out.push_str(&rest[..p]);
            let after = &rest[p + 2..];
            match after.find('}') {
                Some(e) => {
                    let name = &after[..e];
                    match self.defines.get(name) {
                        Some(v) => out.push_str(v),
                        None => {
                            unresolved = true;
                            out.push_str(&rest[p..p + 3 + e]);
                        }
                    }
                    rest = &after[e + 1..];
                }
                None => {
                    out.push_str(&rest[p..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        let _ = origin;
        (out, unresolved)
    }

    fn file(&mut self, path: &str, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "{path}: includes nested more than {MAX_DEPTH} deep"
            ));
        }
        if self.cfg.files.len() >= MAX_FILES {
            return Err(format!("{path}: more than {MAX_FILES} files included"));
        }
        let text = self.root.read_lossy(path).map_err(|e| e.to_string())?;
        self.cfg.files.push(path.to_string());
        let mut pending = String::new();
        let mut start = 0;
        for (i, raw) in text.split('\n').enumerate() {
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            if pending.is_empty() {
                start = i + 1;
            }
            if let Some(cont) = raw.strip_suffix('\\') {
                pending.push_str(cont);
                continue;
            }
            pending.push_str(raw);
            let line = std::mem::take(&mut pending);
            self.line(path, start, line.trim(), depth)?;
        }
        Ok(())
    }

    fn line(&mut self, path: &str, lineno: usize, line: &str, depth: usize) -> Result<(), String> {
        if line.is_empty() || line.starts_with('#') {
            return Ok(());
        }
        let origin = Origin::at(path.to_string(), lineno);
        if let Some(sec) = line.strip_prefix("</") {
            let name = sec.trim_end_matches('>').trim().to_ascii_lowercase();
            if name == "virtualhost" {
                self.vhost_start = None;
            }
            return Ok(());
        }
        if let Some(sec) = line.strip_prefix('<') {
            let name = sec
                .split(|c: char| c.is_whitespace() || c == '>')
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            if name == "virtualhost" {
                self.vhost_start = Some(origin.clone());
            } else if name.starts_with("if") && !self.conditional_noted {
                self.conditional_noted = true;
                self.cfg.notes.push(format!(
                    "{origin}: conditional sections (<IfModule>, <IfDefine>, …) are read as if \
                     their condition held"
                ));
            }
            return Ok(());
        }
        let (resolved, unresolved) = self.resolve_vars(line, &origin);
        let words = apache_words(&resolved);
        let Some(name) = words.first() else {
            return Ok(());
        };
        let lname = name.to_ascii_lowercase();
        let arg = words.get(1).cloned().unwrap_or_default();
        match lname.as_str() {
            "define" if words.len() >= 2 => {
                self.defines
                    .insert(arg.clone(), words.get(2).cloned().unwrap_or_default());
            }
            "undefine" if words.len() >= 2 => {
                self.defines.remove(&arg);
            }
            "serverroot" if words.len() >= 2 => {
                self.server_root = arg.trim_end_matches('/').to_string();
            }
            "include" | "includeoptional" => {
                let optional = lname == "includeoptional";
                if words.len() < 2 {
                    return Err(format!("{origin}: {name} takes one argument"));
                }
                let pattern = absolute(&self.server_root, &arg);
                self.include(&pattern, optional, &origin, depth)?;
            }
            "sslcertificatefile" | "sslcertificatekeyfile" | "sslcertificatechainfile" => {
                let role = match lname.as_str() {
                    "sslcertificatefile" => Role::Certificate,
                    "sslcertificatekeyfile" => Role::Key,
                    _ => Role::Chain,
                };
                if words.len() != 2 {
                    return Err(format!("{origin}: {name} takes one argument"));
                }
                if unresolved {
                    self.cfg.problems.push(format!(
                        "{origin}: {name} {arg}: names a variable Ward could not resolve \
                         (defined in the environment, not by Define)"
                    ));
                    return Ok(());
                }
                if arg.starts_with("pkcs11:") {
                    self.cfg
                        .notes
                        .push(format!("{origin}: {name} names a PKCS#11 URI, not a file"));
                    return Ok(());
                }
                self.cfg.named.push(Named {
                    software: Software::Apache,
                    role,
                    path: absolute(&self.server_root, &arg),
                    directive: name.clone(),
                    origin,
                });
            }
            "sslprotocol" => {
                self.cfg.endpoints.push(Endpoint {
                    software: Software::Apache,
                    origin: self.vhost_start.clone().unwrap_or_else(|| origin.clone()),
                    protocols: words[1..].join(" "),
                    protocols_origin: Some(origin),
                });
            }
            _ => {}
        }
        Ok(())
    }

    fn include(
        &mut self,
        pattern: &str,
        optional: bool,
        origin: &Origin,
        depth: usize,
    ) -> Result<(), String> {
        let directive = if optional {
            "IncludeOptional"
        } else {
            "Include"
        };
        let paths = if pattern.contains(['*', '?', '[']) {
            glob_any(self.root, pattern).map_err(|e| format!("{origin}: {e}"))?
        } else if self.root.symlink_metadata(pattern).is_ok() {
            vec![pattern.to_string()]
        } else {
            Vec::new()
        };
        if paths.is_empty() {
            if optional {
                return Ok(());
            }
            return Err(format!(
                "{origin}: {directive} {pattern}: no such file or no file matches; httpd \
                 refuses its configuration"
            ));
        }
        for p in paths {
            let is_dir = self
                .root
                .metadata(&p)
                .is_ok_and(|m| m.kind == FileKind::Directory);
            if is_dir {
                let entries = self
                    .root
                    .read_dir(&p)
                    .map_err(|e| format!("{origin}: {e}"))?;
                for e in entries {
                    let n = e.display_name();
                    if n.starts_with('.') {
                        continue;
                    }
                    self.include(&e.display_path(), optional, origin, depth + 1)?;
                }
                continue;
            }
            match self.file(&p, depth + 1) {
                Ok(()) => {}
                Err(e) if optional && self.root.metadata(&p).is_err() => {
                    self.cfg
                        .notes
                        .push(format!("{origin}: {directive} {p}: {e}"));
                }
                Err(e) => return Err(format!("{origin}: {directive} {p}: {e}")),
            }
        }
        Ok(())
    }
}

/// Apache httpd's configuration.
pub fn apache(root: &HostRoot, conf: &str, server_root: &str) -> ServerConfig {
    let mut r = ApacheReader {
        root,
        server_root: server_root.into(),
        defines: BTreeMap::new(),
        cfg: ServerConfig::new(Software::Apache, conf),
        conditional_noted: false,
        vhost_start: None,
    };
    if let Err(e) = r.file(conf, 0) {
        r.cfg.problems.push(format!("httpd would not start: {e}"));
    }
    r.cfg
}

// ---------------------------------------------------------------------------------------
// Postfix
// ---------------------------------------------------------------------------------------

/// The main.cf parameters naming TLS files.
const POSTFIX_FILES: [(&str, Role); 5] = [
    ("smtpd_tls_cert_file", Role::Certificate),
    ("smtpd_tls_key_file", Role::Key),
    ("smtpd_tls_eccert_file", Role::Certificate),
    ("smtpd_tls_eckey_file", Role::Key),
    ("smtpd_tls_chain_files", Role::Certificate),
];

/// Postfix's main.cf.
pub fn postfix(root: &HostRoot, conf: &str) -> ServerConfig {
    let mut cfg = ServerConfig::new(Software::Postfix, conf);
    let text = match root.read_lossy(conf) {
        Ok(t) => t,
        Err(e) => {
            cfg.problems.push(e.to_string());
            return cfg;
        }
    };
    cfg.files.push(conf.into());
    // name -> (value, line)
    let mut params: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut current: Option<(String, String, usize)> = None;
    let flush = |cur: &mut Option<(String, String, usize)>,
                 params: &mut BTreeMap<String, (String, usize)>| {
        if let Some((k, v, l)) = cur.take() {
            params.insert(k, (v.trim().to_string(), l));
        }
    };
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v, _)) = current.as_mut() {
                v.push(' ');
                v.push_str(trimmed.trim_end());
            }
            continue;
        }
        flush(&mut current, &mut params);
        match line.split_once('=') {
            Some((k, v)) => current = Some((k.trim().to_string(), v.trim().to_string(), i + 1)),
            None => cfg
                .problems
                .push(format!("{conf}:{}: not a `name = value` line", i + 1)),
        }
    }
    flush(&mut current, &mut params);
    let expand = |v: &str| -> Result<String, String> {
        let mut out = String::new();
        let mut rest = v;
        let mut rounds = 0;
        while let Some(p) = rest.find('$') {
            rounds += 1;
            if rounds > 100 {
                return Err("too many expansions".into());
            }
            out.push_str(&rest[..p]);
            let after = &rest[p + 1..];
            let (name, tail) = if let Some(a) = after.strip_prefix('{') {
                match a.find('}') {
                    Some(e) => (&a[..e], &a[e + 1..]),
                    None => return Err(format!("unterminated ${{ in {v:?}")),
                }
            } else if let Some(a) = after.strip_prefix('(') {
                match a.find(')') {
                    Some(e) => (&a[..e], &a[e + 1..]),
                    None => return Err(format!("unterminated $( in {v:?}")),
                }
            } else {
                let e = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..e], &after[e..])
            };
            let value = match params.get(name) {
                Some((val, _)) => val.clone(),
                None if name == "config_directory" => "/etc/postfix".into(),
                None => return Err(format!("${name} is not set in main.cf")),
            };
            out.push_str(&value);
            rest = tail;
        }
        out.push_str(rest);
        Ok(out)
    };
    for (param, role) in POSTFIX_FILES {
        let Some((value, line)) = params.get(param) else {
            continue;
        };
        let origin = Origin::at(conf.to_string(), *line);
        let value = match expand(value) {
            Ok(v) => v,
            Err(e) => {
                cfg.problems.push(format!("{origin}: {param}: {e}"));
                continue;
            }
        };
        for (n, word) in value
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|w| !w.is_empty())
            .enumerate()
        {
            // smtpd_tls_chain_files lists the key first, then its certificates.
            let role = if param == "smtpd_tls_chain_files" && n == 0 {
                Role::Key
            } else {
                role
            };
            cfg.named.push(Named {
                software: Software::Postfix,
                role,
                path: absolute("/etc/postfix", word),
                directive: param.into(),
                origin: origin.clone(),
            });
        }
    }
    cfg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(t: &str) -> Vec<String> {
        nginx_tokens(t.as_bytes())
            .unwrap()
            .into_iter()
            .map(|t| match t {
                Token::Word(w, _) => w,
                Token::Semicolon(_) => ";".into(),
                Token::Open(_) => "{".into(),
                Token::Close(_) => "}".into(),
            })
            .collect()
    }

    #[test]
    fn nginx_tokens_follow_ngx_conf_read_token() {
        assert_eq!(
            words("a b#c;\n# x\nd \"e f\";"),
            ["a", "b#c", ";", "d", "e f", ";"]
        );
        assert_eq!(
            words("ssl_certificate ${x}y.pem;"),
            ["ssl_certificate", "${x}y.pem", ";"]
        );
        // `\ ` keeps its backslash (only quotes and backslashes are unescaped), as nginx -T
        // showed.
        assert_eq!(words("a 'b\\'c' x\\ y;"), ["a", "b'c", "x\\ y", ";"]);
        assert_eq!(
            words("s{a b;}"),
            ["s", "{", "a", "b;}"].map(String::from)[..2]
                .iter()
                .cloned()
                .chain(["a".into(), "b".into(), ";".into(), "}".into()])
                .collect::<Vec<String>>()
        );
        assert!(nginx_tokens(b"a \"b\"c;").is_err());
        assert!(nginx_tokens(b"a \"b").is_err());
    }

    #[test]
    fn apache_words_split_like_getword_conf() {
        assert_eq!(
            apache_words(r#"SSLCertificateFile "/etc/x y.pem" 'b' c"#),
            ["SSLCertificateFile", "/etc/x y.pem", "b", "c"]
        );
    }
}
