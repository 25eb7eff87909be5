//! syslog-ng's configuration, read for two questions only: does a log path send messages to
//! another host, and with what mode does syslog-ng create its log files.
//!
//! Ward does not model all of syslog-ng's language (templates, rewrite rules, junctions,
//! `scl` blocks, `@define` substitution); it reads enough of syslog-ng 3.38's grammar to
//! find the statements these checks depend on, and says so when it meets something else:
//!
//! * `/etc/syslog-ng/syslog-ng.conf` and `@include "PATH"` (absolute, or relative to
//!   `/etc/syslog-ng`; a glob or directory includes the matching files in name order, names
//!   starting with `.` or ending in `~` left out). Includes not found beside the
//!   configuration (`scl.conf` comes from syslog-ng's own include path) are noted, not read.
//! * `#` comments outside strings; strings in double (with `\` escapes) or single quotes.
//! * `destination NAME { DRIVER(ARGS); … };`: `network()`, `syslog()`, `tcp()`, `tcp6()`,
//!   `udp()`, `udp6()` send to the host named first; `file("PATH" perm(MODE) owner() group())`
//!   writes a file, with `options { perm(MODE); };` as the default for files that set none
//!   (syslog-ng's built-in default is 0600).
//! * `log { source(…); filter(…); destination(NAME); … };`, with destinations given inline
//!   (`destination { network(…); };`) too: a path whose destinations include a remote one
//!   forwards; any `filter`, `parser`, `rewrite`, `junction` or nested `log` in it makes
//!   what it forwards unknown (never assumed complete).
//!
//! Unbalanced braces, a file ending inside a string, or a log path naming a destination
//! never defined are problems with file:line (syslog-ng refuses such a configuration).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Fact, Origin};
use crate::host_root::{FileKind, HostRoot};

/// syslog-ng's main configuration.
pub const SYSLOG_NG_CONF: &str = "/etc/syslog-ng/syslog-ng.conf";
const CONF_DIR: &str = "/etc/syslog-ng";
const MAX_FILES: usize = 256;
const REMOTE_DRIVERS: [&str; 6] = ["network", "syslog", "tcp", "tcp6", "udp", "udp6"];

/// What syslog-ng's configuration makes it do.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyslogNg {
    pub files: Vec<String>,
    /// Sources by name (same shape as destinations: `network()`, `udp()` … receive from
    /// other hosts).
    #[serde(default)]
    pub sources: Vec<Destination>,
    /// Destinations by name (inline ones named `log@FILE:LINE`).
    pub destinations: Vec<Destination>,
    /// Log paths, in order.
    pub log_paths: Vec<LogPath>,
    /// `options { perm(); }`, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_perm: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<SyslogNgNote>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<SyslogNgNote>,
}

/// A problem or note with its place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyslogNgNote {
    pub origin: Origin,
    pub message: String,
}

/// A destination and its drivers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Destination {
    pub name: String,
    pub origin: Origin,
    pub drivers: Vec<Driver>,
}

/// One driver of a destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Driver {
    /// `network`, `syslog`, `tcp`, `udp`, `file`, …
    pub kind: String,
    /// The host (remote drivers) or path (`file`).
    pub target: String,
    /// `transport(…)`/`port(…)` as written, for remote drivers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<String>,
    /// `perm(…)` of a file driver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perm: Option<u32>,
    pub origin: Origin,
}

impl Driver {
    /// Sends to another host.
    pub fn remote(&self) -> bool {
        REMOTE_DRIVERS.contains(&self.kind.as_str())
    }
}

/// A `log { … };` statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogPath {
    pub origin: Origin,
    pub destinations: Vec<String>,
    /// Filters and other elements that narrow what the path carries, as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub narrowed_by: Vec<String>,
}

/// Read syslog-ng's configuration; `None` when the main file does not exist.
pub fn collect(root: &HostRoot) -> Fact<Option<SyslogNg>> {
    let raw = match root.read(SYSLOG_NG_CONF) {
        Ok(r) => r,
        Err(e) if e.is_not_found() => return Fact::Collected { value: None },
        Err(e) => return Fact::from_read_error(&e),
    };
    let mut toks = Vec::new();
    let mut out = SyslogNg::default();
    read_file(root, SYSLOG_NG_CONF, &raw, &mut toks, &mut out, 0);
    parse(&toks, &mut out);
    Fact::Collected { value: Some(out) }
}

#[derive(Debug, Clone, PartialEq)]
enum T {
    Word(String),
    Str(String),
    P(char),
}

type Tok = (T, Origin);

fn read_file(
    root: &HostRoot,
    path: &str,
    raw: &[u8],
    toks: &mut Vec<Tok>,
    out: &mut SyslogNg,
    depth: usize,
) {
    out.files.push(path.to_string());
    let text = String::from_utf8_lossy(raw);
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut line = 1;
    let at = |l: usize| Origin::at(path.to_string(), l);
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
            continue;
        }
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '@' {
            // Pragmas run to the end of the line.
            let start = i;
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            let l: String = chars[start..i].iter().collect();
            if let Some(rest) = l.strip_prefix("@include") {
                let arg = rest
                    .trim()
                    .trim_matches(|c| c == '"' || c == '\'')
                    .to_string();
                include(root, &arg, toks, out, depth, at(line));
            }
            continue;
        }
        if c == '"' || c == '\'' {
            let start_line = line;
            let mut s = String::new();
            i += 1;
            let mut closed = false;
            while i < chars.len() {
                let d = chars[i];
                if d == '\n' {
                    line += 1;
                }
                if d == '\\' && c == '"' && i + 1 < chars.len() {
                    s.push(match chars[i + 1] {
                        'n' => '\n',
                        't' => '\t',
                        x => x,
                    });
                    i += 2;
                    continue;
                }
                if d == c {
                    closed = true;
                    i += 1;
                    break;
                }
                s.push(d);
                i += 1;
            }
            if !closed {
                out.problems.push(SyslogNgNote {
                    origin: at(start_line),
                    message: "string not closed before the end of the file".into(),
                });
            }
            toks.push((T::Str(s), at(start_line)));
            continue;
        }
        if "{}();:".contains(c) {
            toks.push((T::P(c), at(line)));
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && !"{}();:\"'#".contains(chars[i]) {
            i += 1;
        }
        if i == start {
            i += 1;
            continue;
        }
        toks.push((T::Word(chars[start..i].iter().collect()), at(line)));
    }
}

fn include(
    root: &HostRoot,
    arg: &str,
    toks: &mut Vec<Tok>,
    out: &mut SyslogNg,
    depth: usize,
    origin: Origin,
) {
    if depth > 15 || out.files.len() >= MAX_FILES {
        out.problems.push(SyslogNgNote {
            origin,
            message: format!("@include {arg}: nested too deep or too many files"),
        });
        return;
    }
    let path = if arg.starts_with('/') {
        arg.to_string()
    } else {
        crate::host_root::join_host(CONF_DIR, arg)
    };
    let mut files = Vec::new();
    let is_dir = root
        .metadata(&path)
        .is_ok_and(|m| m.kind == FileKind::Directory);
    if is_dir {
        if let Ok(entries) = root.read_dir(&path) {
            for e in entries {
                let n = e.display_name();
                if !n.starts_with('.') && !n.ends_with('~') && e.kind != FileKind::Directory {
                    files.push(e.display_path());
                }
            }
        }
    } else if crate::vocab::has_glob_meta(&path) {
        match root.glob_paths(&path) {
            Ok(ps) => files.extend(ps.iter().map(crate::host_root::display_path)),
            Err(e) => out.problems.push(SyslogNgNote {
                origin: origin.clone(),
                message: format!("@include {arg}: {e}"),
            }),
        }
    } else if root.exists(&path) {
        files.push(path.clone());
    } else {
        out.notes.push(SyslogNgNote {
            origin,
            message: format!("@include {arg}: not in {CONF_DIR}; taken from syslog-ng's include path, not read by Ward"),
        });
        return;
    }
    for f in files {
        match root.read(&f) {
            Ok(raw) => read_file(root, &f, &raw, toks, out, depth + 1),
            Err(e) => out.problems.push(SyslogNgNote {
                origin: origin.clone(),
                message: format!("@include {arg}: {e}"),
            }),
        }
    }
}

/// Index of the token closing the block opened at `open` (a `{` or `(`).
fn close_of(toks: &[Tok], open: usize) -> Option<usize> {
    let (o, c) = match toks[open].0 {
        T::P('{') => ('{', '}'),
        T::P('(') => ('(', ')'),
        _ => return None,
    };
    let mut depth = 0i32;
    for (i, t) in toks.iter().enumerate().skip(open) {
        if t.0 == T::P(o) {
            depth += 1;
        } else if t.0 == T::P(c) {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

fn word(t: &T) -> Option<&str> {
    match t {
        T::Word(w) => Some(w),
        _ => None,
    }
}

fn parse(toks: &[Tok], out: &mut SyslogNg) {
    let mut i = 0;
    let mut inline = 0;
    while i < toks.len() {
        let (t, origin) = &toks[i];
        let Some(kw) = word(t) else {
            if *t != T::P(';') {
                out.problems.push(SyslogNgNote {
                    origin: origin.clone(),
                    message: "unexpected token at the top level".into(),
                });
            }
            i += 1;
            continue;
        };
        match kw {
            "source" | "destination" | "filter" | "parser" | "rewrite" | "template" | "block" => {
                let name = toks.get(i + 1).and_then(|t| match &t.0 {
                    T::Word(w) => Some(w.clone()),
                    T::Str(s) => Some(s.clone()),
                    _ => None,
                });
                let mut j = i + 2;
                if kw == "block" {
                    // block TYPE NAME(params) { … }
                    while j < toks.len() && toks[j].0 != T::P('{') {
                        j += 1;
                    }
                }
                if toks.get(j).map(|t| &t.0) != Some(&T::P('{')) {
                    if kw == "template" {
                        // template NAME "…"; the short form.
                        i = j;
                        continue;
                    }
                    out.problems.push(SyslogNgNote {
                        origin: origin.clone(),
                        message: format!("{kw} without a {{ … }} body"),
                    });
                    i += 1;
                    continue;
                }
                let Some(end) = close_of(toks, j) else {
                    out.problems.push(SyslogNgNote {
                        origin: origin.clone(),
                        message: format!(
                            "{kw} {}: unbalanced braces",
                            name.clone().unwrap_or_default()
                        ),
                    });
                    return;
                };
                if kw == "source" {
                    out.sources.push(Destination {
                        name: name.clone().unwrap_or_default(),
                        origin: origin.clone(),
                        drivers: drivers(&toks[j + 1..end]),
                    });
                } else if kw == "destination" {
                    let drivers = drivers(&toks[j + 1..end]);
                    out.destinations.push(Destination {
                        name: name.unwrap_or_default(),
                        origin: origin.clone(),
                        drivers,
                    });
                } else if kw == "block" {
                    out.notes.push(SyslogNgNote {
                        origin: origin.clone(),
                        message: "block definitions are not expanded by Ward".into(),
                    });
                }
                i = end + 1;
            }
            "options" => {
                let j = i + 1;
                let Some(end) = (toks.get(j).map(|t| &t.0) == Some(&T::P('{')))
                    .then(|| close_of(toks, j))
                    .flatten()
                else {
                    out.problems.push(SyslogNgNote {
                        origin: origin.clone(),
                        message: "options: unbalanced braces".into(),
                    });
                    return;
                };
                let body = &toks[j + 1..end];
                let mut k = 0;
                while k < body.len() {
                    if word(&body[k].0) == Some("perm") {
                        if let Some(T::Word(v)) = body.get(k + 2).map(|t| &t.0) {
                            out.default_perm = parse_octal(v);
                        }
                    }
                    k += 1;
                }
                i = end + 1;
            }
            "log" => {
                let j = i + 1;
                let Some(end) = (toks.get(j).map(|t| &t.0) == Some(&T::P('{')))
                    .then(|| close_of(toks, j))
                    .flatten()
                else {
                    out.problems.push(SyslogNgNote {
                        origin: origin.clone(),
                        message: "log: unbalanced braces".into(),
                    });
                    return;
                };
                let mut path = LogPath {
                    origin: origin.clone(),
                    destinations: Vec::new(),
                    narrowed_by: Vec::new(),
                };
                let body = &toks[j + 1..end];
                let mut k = 0;
                while k < body.len() {
                    match word(&body[k].0) {
                        Some("destination") => match body.get(k + 1).map(|t| &t.0) {
                            Some(T::P('(')) => {
                                if let Some(n) = body.get(k + 2).and_then(|t| match &t.0 {
                                    T::Word(w) => Some(w.clone()),
                                    T::Str(s) => Some(s.clone()),
                                    _ => None,
                                }) {
                                    path.destinations.push(n);
                                }
                            }
                            Some(T::P('{')) => {
                                if let Some(e) = close_of(body, k + 1) {
                                    inline += 1;
                                    let name =
                                        format!("inline destination #{inline} at {}", body[k].1);
                                    out.destinations.push(Destination {
                                        name: name.clone(),
                                        origin: body[k].1.clone(),
                                        drivers: drivers(&body[k + 2..e]),
                                    });
                                    path.destinations.push(name);
                                    k = e;
                                }
                            }
                            _ => {}
                        },
                        Some(
                            w @ ("filter" | "parser" | "rewrite" | "junction" | "log" | "channel"),
                        ) => {
                            path.narrowed_by.push(format!("{w} at {}", body[k].1));
                        }
                        _ => {}
                    }
                    k += 1;
                }
                out.log_paths.push(path);
                i = end + 1;
            }
            _ => {
                // Other statements (e.g. `@version` remnants, scl block calls): skip to `;`.
                out.notes.push(SyslogNgNote {
                    origin: origin.clone(),
                    message: format!("statement `{kw}` not modelled by Ward"),
                });
                let mut depth = 0i32;
                while i < toks.len() {
                    match toks[i].0 {
                        T::P('{') | T::P('(') => depth += 1,
                        T::P('}') | T::P(')') => depth -= 1,
                        T::P(';') if depth <= 0 => break,
                        _ => {}
                    }
                    i += 1;
                }
                i += 1;
            }
        }
    }
    let names: BTreeMap<&str, ()> = out
        .destinations
        .iter()
        .map(|d| (d.name.as_str(), ()))
        .collect();
    let mut missing = Vec::new();
    for p in &out.log_paths {
        for d in &p.destinations {
            if !names.contains_key(d.as_str()) {
                missing.push(SyslogNgNote {
                    origin: p.origin.clone(),
                    message: format!("log path names destination {d:?}, which is not defined"),
                });
            }
        }
    }
    out.problems.extend(missing);
}

fn drivers(body: &[Tok]) -> Vec<Driver> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < body.len() {
        if let (Some(kind), Some(T::P('('))) = (word(&body[k].0), body.get(k + 1).map(|t| &t.0)) {
            let Some(end) = close_of(body, k + 1) else {
                break;
            };
            let args = &body[k + 2..end];
            let target = args
                .first()
                .and_then(|t| match &t.0 {
                    T::Str(s) => Some(s.clone()),
                    T::Word(w) => Some(w.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            let opt = |name: &str| -> Option<String> {
                let mut m = 0;
                while m + 2 < args.len() {
                    if word(&args[m].0) == Some(name) && args[m + 1].0 == T::P('(') {
                        return match &args[m + 2].0 {
                            T::Str(s) | T::Word(s) => Some(s.clone()),
                            _ => None,
                        };
                    }
                    m += 1;
                }
                None
            };
            out.push(Driver {
                kind: kind.to_string(),
                target,
                transport: opt("transport"),
                port: opt("port"),
                perm: opt("perm").and_then(|p| parse_octal(&p)),
                origin: body[k].1.clone(),
            });
            k = end + 1;
            continue;
        }
        k += 1;
    }
    out
}

/// syslog-ng reads `perm(0640)` as a number in C notation (a leading 0 is octal).
fn parse_octal(v: &str) -> Option<u32> {
    if let Some(h) = v.strip_prefix("0x") {
        return u32::from_str_radix(h, 16).ok();
    }
    if v.len() > 1 && v.starts_with('0') {
        return u32::from_str_radix(&v[1..], 8).ok();
    }
    v.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_with_network_destination() {
        let dir = tempfile::tempdir().unwrap();
        let etc = dir.path().join("etc/syslog-ng/conf.d");
        std::fs::create_dir_all(&etc).unwrap();
        std::fs::write(
            dir.path().join("etc/syslog-ng/syslog-ng.conf"),
            "@version: 3.38\n@include \"scl.conf\"\noptions { chain_hostnames(off); perm(0640); };\nsource s_src { system(); internal(); };\ndestination d_syslog { file(\"/var/log/syslog\"); };\nfilter f_auth { facility(auth, authpriv); };\nlog { source(s_src); destination(d_syslog); };\n@include \"/etc/syslog-ng/conf.d/*.conf\"\n",
        )
        .unwrap();
        std::fs::write(
            etc.join("remote.conf"),
            "destination d_net { network(\"logs.example\" port(6514) transport(\"tls\")); }; # c\nlog { source(s_src); destination(d_net); };\nlog { source(s_src); filter(f_auth); destination { udp(\"10.0.0.1\"); }; };\n",
        )
        .unwrap();
        let root = HostRoot::new(dir.path()).unwrap();
        let Fact::Collected { value: Some(c) } = collect(&root) else {
            panic!()
        };
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.default_perm, Some(0o640));
        assert_eq!(c.log_paths.len(), 3);
        let net = c.destinations.iter().find(|d| d.name == "d_net").unwrap();
        assert!(net.drivers[0].remote());
        assert_eq!(net.drivers[0].target, "logs.example");
        assert_eq!(net.drivers[0].transport.as_deref(), Some("tls"));
        assert!(c.log_paths[1].narrowed_by.is_empty());
        assert_eq!(c.log_paths[2].narrowed_by.len(), 1);
    }
}
