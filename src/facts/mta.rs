//! Where the mail transfer agent listens, read from its configuration as the MTA reads it.
//!
//! Most hosts need a mail server only to hand local mail (cron output, alerts) on; one that
//! accepts SMTP from the network is an open door for relaying, spam and exploits against
//! the MTA itself (Exim's 2019 and 2023 remote code execution bugs were used at scale).
//! CIS asks for "local-only mode". This collector reads, offline and live, the addresses
//! each installed MTA would listen on at its next start, with the file and line behind
//! each, the defaults that apply, and what was overridden or ignored:
//!
//! - Postfix: `/etc/postfix/main.cf` as `dict_load_fp` reads it (Postfix 3.7: logical lines
//!   of `readllines`, where a line starting with whitespace continues the previous one and
//!   comment and blank lines are skipped even inside one; `name = value` split as
//!   `split_nameval`, a line without `=` makes Postfix refuse the file; the last
//!   assignment wins), `inet_interfaces` expanded as `mac_expand` does (`$name`, `${name}`,
//!   `$(name)`, `${name?text}`, `${name:text}`, `$$`), then judged as `own_inet_addr_init`
//!   does: exactly `all` (the default) listens everywhere, exactly `loopback-only` on the
//!   loopback interfaces, anything else is a list of addresses or host names separated by
//!   blanks and commas (an empty list: no network listener). `/etc/postfix/master.cf`'s
//!   `inet` services bind to their own `host:port` when the service name has a host,
//!   otherwise to `inet_interfaces`.
//! - Exim on Debian: `update-exim4.conf` sources `/etc/exim4/update-exim4.conf.conf` as a
//!   shell script and turns a non-empty `dc_local_interfaces` into `MAIN_LOCAL_INTERFACES`
//!   (`<; ` prefixed when it holds a `;`, lower-cased, words rejoined) unless a local macro
//!   file defines it first; empty means Exim's default, every interface. A hand-written
//!   `/etc/exim4/exim4.conf` replaces all of that and is not read (an `error`). The init
//!   script's `QUEUERUNNER` (`/etc/default/exim4`) decides whether a listener runs at all.
//! - sendmail: `O DaemonPortOptions=` lines of `/etc/mail/sendmail.cf` (one daemon each;
//!   none means one daemon on every address, port 25; `Addr=` absent means every address).
//! - OpenSMTPD: `listen on` lines of `smtpd.conf` (macros expanded; no `listen` line means
//!   only the local enqueue socket).
//!
//! Host names other than `localhost` are not resolved: such a listener is `unknown`, and
//! the check is `error`, never a pass.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::{Fact, Origin};
use crate::host_root::{HostRoot, ReadError};

pub const POSTFIX_MAIN: &str = "/etc/postfix/main.cf";
pub const POSTFIX_MASTER: &str = "/etc/postfix/master.cf";
pub const EXIM4_CONF_CONF: &str = "/etc/exim4/update-exim4.conf.conf";
pub const EXIM4_HANDWRITTEN: &str = "/etc/exim4/exim4.conf";
pub const EXIM4_LOCALMACROS: &str = "/etc/exim4/exim4.conf.localmacros";
pub const EXIM4_TEMPLATE: &str = "/etc/exim4/exim4.conf.template";
pub const EXIM4_CONF_D_MAIN: &str = "/etc/exim4/conf.d/main";
pub const EXIM4_DEFAULT: &str = "/etc/default/exim4";
/// Exim's own configuration on RHEL and Alpine (not read; see [`collect`]).
pub const EXIM_CONF: &str = "/etc/exim/exim.conf";
pub const SENDMAIL_CF: &str = "/etc/mail/sendmail.cf";
pub const SENDMAIL_MC: &str = "/etc/mail/sendmail.mc";
/// OpenSMTPD's configuration: Debian, Alpine, Fedora/EPEL.
pub const SMTPD_CONF: [&str; 3] = [
    "/etc/smtpd.conf",
    "/etc/smtpd/smtpd.conf",
    "/etc/opensmtpd/smtpd.conf",
];

/// The MTAs whose configuration was found, by name (`postfix`, `exim4`, `sendmail`,
/// `opensmtpd`). An MTA with none of its files is absent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Mta {
    pub agents: BTreeMap<String, Fact<Agent>>,
}

/// One MTA's listeners as its configuration sets them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Agent {
    /// Files read.
    pub files: Vec<String>,
    pub listeners: Vec<Listener>,
    /// Defaults applied, assignments overridden, lines ignored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    /// What the MTA refuses or Ward cannot judge: the check is `error` while any is present.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Note>,
}

/// A remark tied to a file and line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub origin: Origin,
    pub text: String,
}

/// Who can reach a listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Only this host: loopback addresses, or a local socket.
    Loopback,
    /// Other hosts: every address, or a non-loopback one.
    Network,
    /// A host name Ward does not resolve.
    Unknown,
}

/// One network listener the MTA would open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listener {
    /// The service (`smtp` of master.cf, sendmail's daemon `MTA-v4`, `listen on`).
    pub service: String,
    /// The address as configured (`all`, `loopback-only`, `127.0.0.1`, `localhost`).
    pub address: String,
    /// Port or service name (`smtp`, `587`).
    pub port: String,
    pub scope: Scope,
    pub origin: Origin,
    /// How the address was arrived at (`inet_interfaces = all, Postfix's default`).
    pub why: String,
}

impl Agent {
    fn note(&mut self, origin: Origin, text: impl Into<String>) {
        self.notes.push(Note {
            origin,
            text: text.into(),
        });
    }
    fn problem(&mut self, origin: Origin, text: impl Into<String>) {
        self.problems.push(Note {
            origin,
            text: text.into(),
        });
    }
}

/// Collect every MTA's listeners.
pub fn collect(root: &HostRoot) -> Fact<Mta> {
    let mut agents = BTreeMap::new();
    if let Some(f) = postfix(root) {
        agents.insert("postfix".to_string(), f);
    }
    if let Some(f) = exim4(root) {
        agents.insert("exim4".to_string(), f);
    }
    if let Some(f) = sendmail(root) {
        agents.insert("sendmail".to_string(), f);
    }
    if let Some(f) = opensmtpd(root) {
        agents.insert("opensmtpd".to_string(), f);
    }
    Fact::Collected {
        value: Mta { agents },
    }
}

/// Read a file that may be absent: `Ok(None)` when it does not exist.
fn read_opt(root: &HostRoot, path: &str) -> Result<Option<String>, ReadError> {
    match root.read_lossy(path) {
        Ok(t) => Ok(Some(t)),
        Err(ReadError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether an address, possibly in brackets, is a loopback address; `None` when it is not
/// an address.
fn address_scope(host: &str) -> Option<Scope> {
    let h = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let ip: IpAddr = h.parse().ok()?;
    Some(if super::sockets::is_loopback(&ip) {
        Scope::Loopback
    } else {
        Scope::Network
    })
}

/// An address or a host name: loopback addresses and `localhost` are local, other
/// addresses reach the network, other names are unknown.
fn host_scope(host: &str) -> Scope {
    if let Some(s) = address_scope(host) {
        return s;
    }
    if host.eq_ignore_ascii_case("localhost") || host.eq_ignore_ascii_case("[localhost]") {
        return Scope::Loopback;
    }
    Scope::Unknown
}

// ---------------------------------------------------------------------------------------
// Postfix

/// One `name = value` of main.cf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub name: String,
    pub value: String,
    /// Line of the logical line's first non-comment physical line.
    pub line: usize,
}

/// main.cf's assignments in order, or the line Postfix refuses and why.
pub type MainCfRead = Result<Vec<Assignment>, (usize, String)>;

/// main.cf parsed as Postfix parses it: its assignments in order, or the line Postfix
/// refuses (`Err((line, message))`, a fatal error in Postfix), plus warnings.
pub fn postfix_main_cf(text: &str) -> (MainCfRead, Vec<(usize, String)>) {
    let mut warnings = Vec::new();
    let mut out = Vec::new();
    for (first, mut logical) in postfix_logical_lines(text, &mut warnings) {
        if let Some(nul) = logical.find('\0') {
            warnings.push((first, "text after null byte may be ignored".into()));
            logical.truncate(nul);
        }
        match split_nameval(&logical) {
            Ok((name, value)) => out.push(Assignment {
                name: name.to_string(),
                value: value.to_string(),
                line: first,
            }),
            Err(e) => return (Err((first, format!("{e}: {:?}", cut(&logical)))), warnings),
        }
    }
    (Ok(out), warnings)
}

fn cut(s: &str) -> String {
    s.chars().take(80).collect()
}

/// `ISSPACE` of Postfix (C `isspace` in the C locale, ASCII only).
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// Postfix's `readllines`: (first line number, logical line) pairs.
pub fn postfix_logical_lines(
    text: &str,
    warnings: &mut Vec<(usize, String)>,
) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur: Option<(usize, String)> = None;
    let mut phys: Vec<&str> = text.split('\n').collect();
    if phys.last() == Some(&"") {
        phys.pop();
    }
    for (i, line) in phys.iter().enumerate() {
        let n = i + 1;
        let first = line.trim_start_matches(is_space);
        if first.is_empty() || first.starts_with('#') {
            continue;
        }
        if line.starts_with(is_space) {
            match &mut cur {
                Some((_, buf)) => buf.push_str(line),
                None => {
                    warnings.push((
                        n,
                        "logical line must not start with whitespace; ignored".into(),
                    ));
                    // readllines drops it together with the continuation lines after it.
                    cur = Some((0, String::new()));
                }
            }
            continue;
        }
        if let Some((first_line, buf)) = cur.take() {
            if first_line != 0 {
                out.push((first_line, buf));
            }
        }
        cur = Some((n, line.to_string()));
    }
    if let Some((first_line, buf)) = cur {
        if first_line != 0 {
            out.push((first_line, buf));
        }
    }
    out
}

/// Postfix's `split_nameval`.
fn split_nameval(buf: &str) -> Result<(&str, &str), &'static str> {
    let np = buf.trim_start_matches(is_space);
    if np.is_empty() || np.starts_with('=') {
        return Err("missing attribute name");
    }
    let end = np
        .find(|c: char| is_space(c) || c == '=')
        .unwrap_or(np.len());
    let name = &np[..end];
    let rest = np[end..].trim_start_matches(is_space);
    let Some(value) = rest.strip_prefix('=') else {
        return Err("missing '=' after attribute name");
    };
    Ok((name, value.trim_matches(is_space)))
}

/// Postfix's own defaults for the parameters Ward may need to expand.
fn postfix_default(name: &str) -> Option<&'static str> {
    match name {
        "inet_interfaces" => Some("all"),
        _ => None,
    }
}

/// The effective main.cf values: last assignment of each name.
pub struct MainCf {
    values: BTreeMap<String, (String, usize)>,
}

impl MainCf {
    pub fn new(assignments: &[Assignment]) -> MainCf {
        let mut values = BTreeMap::new();
        for a in assignments {
            values.insert(a.name.clone(), (a.value.clone(), a.line));
        }
        MainCf { values }
    }

    /// The raw (unexpanded) value of a parameter and its line.
    pub fn raw(&self, name: &str) -> Option<(&str, usize)> {
        self.values.get(name).map(|(v, l)| (v.as_str(), *l))
    }

    /// Expand `$name` references as `mac_expand` does with recursion (`postconf -x`).
    /// `Err` names a reference Ward cannot expand.
    pub fn expand(&self, value: &str) -> Result<String, String> {
        self.expand_depth(value, 0)
    }

    fn lookup(&self, name: &str, depth: usize) -> Result<Option<String>, String> {
        match self.values.get(name) {
            Some((v, _)) => self.expand_depth(v, depth + 1).map(Some),
            None => match postfix_default(name) {
                Some(d) => Ok(Some(d.to_string())),
                None => Err(format!(
                    "${name} is not set in main.cf and Ward does not know Postfix's built-in value for it"
                )),
            },
        }
    }

    fn expand_depth(&self, value: &str, depth: usize) -> Result<String, String> {
        if depth > 100 {
            return Err("unreasonable macro call nesting (a parameter refers to itself)".into());
        }
        let b: Vec<char> = value.chars().collect();
        let mut out = String::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] != '$' {
                out.push(b[i]);
                i += 1;
                continue;
            }
            if b.get(i + 1) == Some(&'$') {
                out.push('$');
                i += 2;
                continue;
            }
            i += 1;
            let expr: String;
            if let Some(&open) = b.get(i).filter(|c| **c == '{' || **c == '(') {
                let close = if open == '{' { '}' } else { ')' };
                let mut level = 1;
                let start = i + 1;
                let mut j = start;
                while level > 0 {
                    let Some(&c) = b.get(j) else {
                        return Err(format!("truncated macro reference: {value:?}"));
                    };
                    if c == open {
                        level += 1;
                    }
                    if c == close {
                        level -= 1;
                    }
                    j += 1;
                }
                expr = b[start..j - 1].iter().collect();
                i = j;
            } else {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == '_') {
                    i += 1;
                }
                expr = b[start..i].iter().collect();
            }
            if expr.is_empty() {
                return Err(format!("empty macro name: {value:?}"));
            }
            out.push_str(&self.expr(&expr, depth)?);
        }
        Ok(out)
    }

    /// The inside of `${...}`: a name, optionally with `?text`, `:text` or `?{t1}:{t2}`.
    fn expr(&self, expr: &str, depth: usize) -> Result<String, String> {
        let name_end = expr
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(expr.len());
        let name = &expr[..name_end];
        let rest = &expr[name_end..];
        if name.is_empty() {
            return Err(format!(
                "${{{expr}}}: relational or other expressions are not modelled"
            ));
        }
        if rest.is_empty() {
            return Ok(self.lookup(name, depth)?.unwrap_or_default());
        }
        let braced = |t: &str| -> String {
            let t = t.trim_matches(is_space);
            t.strip_prefix('{')
                .and_then(|t| t.strip_suffix('}'))
                .unwrap_or(t)
                .to_string()
        };
        let op = rest.chars().next().unwrap_or(' ');
        let text = &rest[op.len_utf8()..];
        let value = self.lookup(name, depth)?.unwrap_or_default();
        let set = !value.is_empty();
        match op {
            '?' => {
                // ${name?{t1}:{t2}} or ${name?{t1}:t2}, else ${name?text}.
                let trimmed = text.trim_start_matches(is_space);
                if trimmed.starts_with('{') {
                    if let Some(close) = matching_brace(trimmed) {
                        let t1 = &trimmed[1..close];
                        let after = trimmed[close + 1..].trim_start_matches(is_space);
                        if let Some(t2) = after.strip_prefix(':') {
                            let chosen = if set { t1.to_string() } else { braced(t2) };
                            return self.expand_depth(&chosen, depth + 1);
                        }
                        if after.is_empty() {
                            return if set {
                                self.expand_depth(t1, depth + 1)
                            } else {
                                Ok(String::new())
                            };
                        }
                    }
                }
                if set {
                    self.expand_depth(&braced(text), depth + 1)
                } else {
                    Ok(String::new())
                }
            }
            ':' => {
                if set {
                    Ok(String::new())
                } else {
                    self.expand_depth(&braced(text), depth + 1)
                }
            }
            _ => Err(format!("${{{expr}}}: this expression is not modelled")),
        }
    }
}

fn matching_brace(s: &str) -> Option<usize> {
    let mut level = 0;
    for (i, c) in s.char_indices() {
        match c {
            '{' => level += 1,
            '}' => {
                level -= 1;
                if level == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Which addresses `inet_interfaces` (expanded) stands for, as `own_inet_addr_init` and
/// master read it: per address, its scope.
fn inet_interfaces_scopes(value: &str) -> Vec<(String, Scope)> {
    if value == "all" {
        return vec![("all".into(), Scope::Network)];
    }
    if value == "loopback-only" {
        return vec![("loopback-only".into(), Scope::Loopback)];
    }
    value
        .split([' ', '\t', ','])
        .filter(|w| !w.is_empty())
        .map(|w| (w.to_string(), host_scope(w)))
        .collect()
}

fn postfix(root: &HostRoot) -> Option<Fact<Agent>> {
    let main = match read_opt(root, POSTFIX_MAIN) {
        Ok(m) => m,
        Err(e) => return Some(Fact::from_read_error(&e)),
    };
    let master = match read_opt(root, POSTFIX_MASTER) {
        Ok(m) => m,
        Err(e) => return Some(Fact::from_read_error(&e)),
    };
    if main.is_none() && master.is_none() {
        return None;
    }
    let mut a = Agent::default();
    let Some(main) = main else {
        a.problem(
            Origin::file(POSTFIX_MAIN),
            "main.cf is missing: Postfix does not start without it",
        );
        return Some(Fact::Collected { value: a });
    };
    a.files.push(POSTFIX_MAIN.into());
    let (parsed, warnings) = postfix_main_cf(&main);
    for (line, w) in warnings {
        a.note(Origin::at(POSTFIX_MAIN, line), w);
    }
    let assignments = match parsed {
        Ok(v) => v,
        Err((line, e)) => {
            a.problem(
                Origin::at(POSTFIX_MAIN, line),
                format!("Postfix refuses main.cf (fatal): {e}"),
            );
            return Some(Fact::Collected { value: a });
        }
    };
    let cf = MainCf::new(&assignments);
    if let Some((_, last)) = cf.raw("inet_interfaces") {
        for x in assignments
            .iter()
            .filter(|x| x.name == "inet_interfaces" && x.line != last)
        {
            a.note(
                Origin::at(POSTFIX_MAIN, x.line),
                format!(
                    "inet_interfaces = {} is overridden by line {last} (the last assignment wins)",
                    x.value
                ),
            );
        }
    }
    if let Some((v, line)) = cf.raw("multi_instance_directories") {
        if !v.trim().is_empty() {
            a.problem(
                Origin::at(POSTFIX_MAIN, line),
                format!(
                    "multi_instance_directories = {v}: secondary Postfix instances are not read"
                ),
            );
        }
    }
    let (origin, raw, how) = match cf.raw("inet_interfaces") {
        Some((v, line)) => (
            Origin::at(POSTFIX_MAIN, line),
            v.to_string(),
            format!("inet_interfaces = {v}"),
        ),
        None => (
            Origin::file(POSTFIX_MAIN),
            "all".to_string(),
            "inet_interfaces not set: Postfix's default `all`".to_string(),
        ),
    };
    let interfaces = match cf.expand(&raw) {
        Ok(x) => {
            if x != raw {
                a.note(
                    origin.clone(),
                    format!("inet_interfaces = {raw} expands to {x:?}"),
                );
            }
            Some(x)
        }
        Err(e) => {
            a.problem(origin.clone(), format!("inet_interfaces = {raw}: {e}"));
            None
        }
    };
    let scopes = interfaces.as_deref().map(inet_interfaces_scopes);
    if let Some(s) = &scopes {
        if s.is_empty() {
            a.note(
                origin.clone(),
                "inet_interfaces is empty: inet services open no network socket",
            );
        }
    }
    let Some(master) = master else {
        a.problem(
            Origin::file(POSTFIX_MASTER),
            "master.cf is missing: Postfix's master does not start without it",
        );
        return Some(Fact::Collected { value: a });
    };
    a.files.push(POSTFIX_MASTER.into());
    let mut warnings = Vec::new();
    let (services, problems) = postfix_master_cf(&master, &mut warnings);
    for (line, w) in warnings {
        a.note(Origin::at(POSTFIX_MASTER, line), w);
    }
    for (line, p) in problems {
        a.problem(Origin::at(POSTFIX_MASTER, line), p);
    }
    for svc in services.iter().filter(|s| s.kind == "inet") {
        let (line, name) = (svc.line, svc.name.as_str());
        let at = Origin::at(POSTFIX_MASTER, line);
        let (host, port) = match master_host_port(name) {
            Ok(hp) => hp,
            Err(e) => {
                a.problem(
                    at,
                    format!("service {name}: {e} (master refuses master.cf)"),
                );
                continue;
            }
        };
        if !host.is_empty() {
            a.listeners.push(Listener {
                service: format!("{name} (master.cf inet service)"),
                address: host.clone(),
                port,
                scope: host_scope(&host),
                origin: at,
                why: format!("the service name binds it to {host}"),
            });
            continue;
        }
        match &scopes {
            None => a.listeners.push(Listener {
                service: format!("{name} (master.cf inet service)"),
                address: raw.clone(),
                port,
                scope: Scope::Unknown,
                origin: at,
                why: format!("{how} could not be expanded"),
            }),
            Some(s) => {
                for (addr, scope) in s {
                    a.listeners.push(Listener {
                        service: format!("{name} (master.cf inet service)"),
                        address: addr.clone(),
                        port: port.clone(),
                        scope: *scope,
                        origin: at.clone(),
                        why: format!("{how} ({origin})"),
                    });
                }
            }
        }
    }
    Some(Fact::Collected { value: a })
}

/// One master.cf service: its service name and transport type (`inet`, `unix`, `unix-dgram`,
/// `fifo`, `pass`), at its logical line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterService {
    pub line: usize,
    pub name: String,
    pub kind: String,
}

/// master.cf as master reads it (`readllines`, fields split on blanks): its services, and
/// the lines master refuses (fewer than the eight fields).
pub fn postfix_master_cf(
    text: &str,
    warnings: &mut Vec<(usize, String)>,
) -> (Vec<MasterService>, Vec<(usize, String)>) {
    let mut services = Vec::new();
    let mut problems = Vec::new();
    for (line, text) in postfix_logical_lines(text, warnings) {
        let fields: Vec<&str> = text.split(is_space).filter(|f| !f.is_empty()).collect();
        let Some(name) = fields.first() else { continue };
        // service type private unpriv chroot wakeup maxproc command [args]
        if fields.len() < 8 {
            problems.push((
                line,
                format!(
                    "service {name}: bad field count ({} of the 8 fields: service, type, private, unpriv, chroot, wakeup, maxproc, command); master refuses master.cf",
                    fields.len()
                ),
            ));
            continue;
        }
        services.push(MasterService {
            line,
            name: name.to_string(),
            kind: fields[1].to_string(),
        });
    }
    (services, problems)
}

/// master.cf's `host_port` for an inet service name: (host or empty, port).
fn master_host_port(name: &str) -> Result<(String, String), String> {
    if let Some(rest) = name.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| "missing \"]\"".to_string())?;
        let port = match after {
            "" => return Err("missing service information".into()),
            a => a
                .strip_prefix(':')
                .ok_or_else(|| "garbage after \"]\"".to_string())?,
        };
        if port.is_empty() {
            return Err("missing service information".into());
        }
        let host = host.strip_prefix("ipv6:").unwrap_or(host);
        return Ok((host.to_string(), port.to_string()));
    }
    match name.rsplit_once(':') {
        Some((host, port)) => {
            if port.is_empty() {
                return Err("missing service information".into());
            }
            Ok((host.to_string(), port.to_string()))
        }
        None => Ok((String::new(), name.to_string())),
    }
}

// ---------------------------------------------------------------------------------------
// A POSIX shell subset: files of variable assignments that scripts source.

/// `NAME=value` assignments of a file sourced by `sh`, in order, with the line of each, or
/// problems for anything beyond plain assignments (commands, expansions).
pub fn shell_assignments(text: &str) -> (Vec<Assignment>, Vec<(usize, String)>) {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut line = 1;
    let mut out = Vec::new();
    let mut problems = Vec::new();
    // Words of the current simple command: (name if an assignment, value, line).
    let mut words: Vec<(Option<String>, String, usize)> = Vec::new();
    let finish = |words: &mut Vec<(Option<String>, String, usize)>,
                  out: &mut Vec<Assignment>,
                  problems: &mut Vec<(usize, String)>| {
        if words.is_empty() {
            return;
        }
        if words.iter().any(|w| w.0.is_none()) {
            let first = &words[0];
            problems.push((
                first.2,
                format!(
                    "runs a command ({:?}), which Ward does not evaluate",
                    words
                        .iter()
                        .map(|w| match &w.0 {
                            Some(n) => format!("{n}={}", w.1),
                            None => w.1.clone(),
                        })
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            ));
        } else {
            for (n, v, l) in words.drain(..) {
                out.push(Assignment {
                    name: n.unwrap_or_default(),
                    value: v,
                    line: l,
                });
            }
        }
        words.clear();
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' => {
                i += 1;
            }
            '\n' | ';' => {
                finish(&mut words, &mut out, &mut problems);
                if c == '\n' {
                    line += 1;
                }
                i += 1;
            }
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '&' | '|' | '<' | '>' | '(' | ')' => {
                problems.push((
                    line,
                    format!("`{c}`: not a plain assignment; Ward does not evaluate it"),
                ));
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                words.clear();
            }
            _ => {
                // One word.
                let start_line = line;
                let mut value = String::new();
                let mut name: Option<String> = None;
                let mut quoted_yet = false;
                let mut bad: Option<String> = None;
                while i < chars.len() {
                    let c = chars[i];
                    match c {
                        ' ' | '\t' | '\n' | ';' | '&' | '|' | '<' | '>' | '(' | ')' => break,
                        '\\' => {
                            if chars.get(i + 1) == Some(&'\n') {
                                line += 1;
                                i += 2;
                            } else if let Some(&n) = chars.get(i + 1) {
                                value.push(n);
                                quoted_yet = true;
                                i += 2;
                            } else {
                                i += 1;
                            }
                        }
                        '\'' => {
                            quoted_yet = true;
                            i += 1;
                            let mut closed = false;
                            while i < chars.len() {
                                if chars[i] == '\'' {
                                    closed = true;
                                    i += 1;
                                    break;
                                }
                                if chars[i] == '\n' {
                                    line += 1;
                                }
                                value.push(chars[i]);
                                i += 1;
                            }
                            if !closed {
                                bad = Some("unterminated single quote: sh refuses the file".into());
                            }
                        }
                        '"' => {
                            quoted_yet = true;
                            i += 1;
                            let mut closed = false;
                            while i < chars.len() {
                                let d = chars[i];
                                if d == '"' {
                                    closed = true;
                                    i += 1;
                                    break;
                                }
                                if d == '\\' {
                                    match chars.get(i + 1) {
                                        Some('\n') => {
                                            line += 1;
                                            i += 2;
                                            continue;
                                        }
                                        Some(&e @ ('$' | '`' | '"' | '\\')) => {
                                            value.push(e);
                                            i += 2;
                                            continue;
                                        }
                                        _ => {}
                                    }
                                }
                                if d == '$' || d == '`' {
                                    bad.get_or_insert_with(|| {
                                        format!("`{d}` expansion inside quotes is not evaluated by Ward")
                                    });
                                }
                                if d == '\n' {
                                    line += 1;
                                }
                                value.push(d);
                                i += 1;
                            }
                            if !closed {
                                bad = Some("unterminated double quote: sh refuses the file".into());
                            }
                        }
                        '$' | '`' => {
                            bad.get_or_insert_with(|| {
                                format!("`{c}` expansion is not evaluated by Ward")
                            });
                            value.push(c);
                            i += 1;
                        }
                        '=' if name.is_none() && !quoted_yet && is_shell_name(&value) => {
                            name = Some(std::mem::take(&mut value));
                            i += 1;
                        }
                        _ => {
                            value.push(c);
                            i += 1;
                        }
                    }
                }
                if let Some(b) = bad {
                    problems.push((start_line, b));
                    // Skip the rest of the command: its effect is unknown.
                    while i < chars.len() && chars[i] != '\n' {
                        i += 1;
                    }
                    words.clear();
                    continue;
                }
                // After a command word, later NAME=x words are arguments.
                if words.iter().any(|w| w.0.is_none()) && name.is_some() {
                    let n = name.take().unwrap_or_default();
                    value = format!("{n}={value}");
                }
                words.push((name, value, start_line));
            }
        }
    }
    finish(&mut words, &mut out, &mut problems);
    (out, problems)
}

fn is_shell_name(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(f) if f == '_' || f.is_ascii_alphabetic())
        && c.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

fn last_assignment<'a>(a: &'a [Assignment], name: &str) -> Option<&'a Assignment> {
    a.iter().rev().find(|x| x.name == name)
}

// ---------------------------------------------------------------------------------------
// Exim (Debian's update-exim4.conf)

/// `dc_local_interfaces` as `update-exim4.conf` turns it into `MAIN_LOCAL_INTERFACES`.
pub fn exim_macro_value(dc: &str) -> String {
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut v = dc.to_string();
    if v.contains(';') && !words(&v).starts_with('<') {
        v = format!("<; {v}");
    }
    let lowered = words(&v).to_lowercase();
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-/.!*@_~:;< []".contains(c);
    let sanitized: String = lowered
        .chars()
        .map(|c| if allowed(c) { c } else { '_' })
        .collect();
    words(&sanitized)
}

/// An Exim list (`<; a ; b` or `a : b`, `::` a literal colon) split into its items.
pub fn exim_list(list: &str) -> Vec<String> {
    let s = list.trim_start();
    let (sep, body) = match s.strip_prefix('<') {
        Some(rest) => match rest.chars().next() {
            Some(c) if !c.is_ascii_alphanumeric() && !c.is_whitespace() => {
                (c, &rest[c.len_utf8()..])
            }
            _ => (':', s),
        },
        None => (':', s),
    };
    let mut items = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == sep {
            if chars.get(i + 1) == Some(&sep) {
                cur.push(sep);
                i += 2;
                continue;
            }
            items.push(std::mem::take(&mut cur));
            i += 1;
            continue;
        }
        cur.push(chars[i]);
        i += 1;
    }
    items.push(cur);
    items
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// One `local_interfaces` item: (address, port) with Exim's `[addr]:port` and `addr.port`.
fn exim_interface(item: &str) -> Option<(String, String)> {
    if let Some(rest) = item.strip_prefix('[') {
        let (addr, after) = rest.split_once(']')?;
        let port = after.strip_prefix(':').unwrap_or("");
        return Some((addr.to_string(), port.to_string()));
    }
    if item.parse::<IpAddr>().is_ok() {
        return Some((item.to_string(), String::new()));
    }
    let (addr, port) = item.rsplit_once('.')?;
    if addr.parse::<IpAddr>().is_ok()
        && !port.is_empty()
        && port.bytes().all(|b| b.is_ascii_digit())
    {
        return Some((addr.to_string(), port.to_string()));
    }
    None
}

fn exim4(root: &HostRoot) -> Option<Fact<Agent>> {
    let conf = match read_opt(root, EXIM4_CONF_CONF) {
        Ok(c) => c,
        Err(e) => return Some(Fact::from_read_error(&e)),
    };
    let handwritten = root.exists(EXIM4_HANDWRITTEN);
    let other = root.exists(EXIM_CONF);
    if conf.is_none() && !handwritten && !other {
        return None;
    }
    let mut a = Agent::default();
    if handwritten {
        a.files.push(EXIM4_HANDWRITTEN.into());
        a.problem(
            Origin::file(EXIM4_HANDWRITTEN),
            "a hand-written exim4.conf replaces Debian's generated configuration; Ward does not read it",
        );
        return Some(Fact::Collected { value: a });
    }
    let Some(conf) = conf else {
        a.files.push(EXIM_CONF.into());
        a.problem(
            Origin::file(EXIM_CONF),
            "Ward reads Exim's listening addresses only from Debian's update-exim4.conf.conf; this configuration is not read",
        );
        return Some(Fact::Collected { value: a });
    };
    a.files.push(EXIM4_CONF_CONF.into());
    let (assign, problems) = shell_assignments(&conf);
    for (line, p) in problems {
        a.problem(
            Origin::at(EXIM4_CONF_CONF, line),
            format!("update-exim4.conf sources this file with sh: {p}"),
        );
    }
    for x in assign.iter().filter(|x| x.name == "dc_local_interfaces") {
        if let Some(last) = last_assignment(&assign, "dc_local_interfaces") {
            if last.line != x.line {
                a.note(
                    Origin::at(EXIM4_CONF_CONF, x.line),
                    format!(
                        "dc_local_interfaces='{}' is overridden by line {} (the last assignment wins)",
                        x.value, last.line
                    ),
                );
            }
        }
    }
    let split = last_assignment(&assign, "dc_use_split_config")
        .map(|x| x.value.to_lowercase() == "true")
        .unwrap_or(false);
    // Whether anything runs an SMTP listener at all (the init script's QUEUERUNNER).
    match read_opt(root, EXIM4_DEFAULT) {
        Err(e) => a.problem(Origin::file(EXIM4_DEFAULT), e.to_string()),
        Ok(None) => {}
        Ok(Some(text)) => {
            a.files.push(EXIM4_DEFAULT.into());
            let (d, problems) = shell_assignments(&text);
            for (line, p) in problems {
                a.problem(
                    Origin::at(EXIM4_DEFAULT, line),
                    format!("the exim4 init script sources this file with sh: {p}"),
                );
            }
            for opt in ["SMTPLISTENEROPTIONS", "COMMONOPTIONS"] {
                if let Some(x) = last_assignment(&d, opt) {
                    if x.value.contains("-oX") {
                        a.problem(
                            Origin::at(EXIM4_DEFAULT, x.line),
                            format!("{opt}='{}': -oX overrides the listening addresses and ports; not modelled", x.value),
                        );
                    }
                }
            }
            if let Some(x) = last_assignment(&d, "QUEUERUNNER") {
                if matches!(x.value.as_str(), "queueonly" | "nodaemon") {
                    a.note(
                        Origin::at(EXIM4_DEFAULT, x.line),
                        format!(
                            "QUEUERUNNER='{}': the init script starts no SMTP listener",
                            x.value
                        ),
                    );
                    return Some(Fact::Collected { value: a });
                }
                a.note(
                    Origin::at(EXIM4_DEFAULT, x.line),
                    format!(
                        "QUEUERUNNER='{}': the init script starts the SMTP listener (exim4 -bd)",
                        x.value
                    ),
                );
            }
        }
    }
    // A local macro file may define MAIN_LOCAL_INTERFACES first; templates may set
    // local_interfaces some other way.
    let macro_files: Vec<String> = if split {
        match root.read_dir_matching(EXIM4_CONF_D_MAIN, |n| {
            let n = n.to_string_lossy();
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
                && !n.contains(".dpkg-")
                && !n.contains(".ucf-")
        }) {
            Ok(entries) => entries.iter().map(|e| e.display_path()).collect(),
            Err(e) => {
                a.problem(Origin::file(EXIM4_CONF_D_MAIN), e.to_string());
                Vec::new()
            }
        }
    } else {
        vec![EXIM4_LOCALMACROS.to_string(), EXIM4_TEMPLATE.to_string()]
    };
    let mut override_def: Option<(String, Origin)> = None;
    for path in &macro_files {
        let text = match read_opt(root, path) {
            Ok(Some(t)) => t,
            Ok(None) => continue,
            Err(e) => {
                a.problem(Origin::file(path.clone()), e.to_string());
                continue;
            }
        };
        a.files.push(path.clone());
        for (i, l) in text.lines().enumerate() {
            let t = l.trim_start();
            let at = Origin::at(path.clone(), i + 1);
            if let Some(rest) = t.strip_prefix("MAIN_LOCAL_INTERFACES") {
                let rest = rest.trim_start();
                if let Some(v) = rest.strip_prefix('=') {
                    if override_def.is_none() {
                        override_def = Some((v.trim().to_string(), at));
                    } else {
                        a.problem(at, "MAIN_LOCAL_INTERFACES defined twice: Exim refuses a macro redefinition");
                    }
                }
            } else if let Some(rest) = t.strip_prefix("local_interfaces") {
                let rest = rest.trim_start();
                if let Some(v) = rest.strip_prefix('=') {
                    if v.trim() != "MAIN_LOCAL_INTERFACES" {
                        a.problem(
                            at,
                            format!(
                                "local_interfaces = {} set directly in the template: not modelled",
                                v.trim()
                            ),
                        );
                    }
                }
            }
        }
    }
    let (value, origin, why) = match override_def {
        Some((v, at)) => {
            a.note(
                at.clone(),
                "MAIN_LOCAL_INTERFACES defined here wins over dc_local_interfaces (generated macros are .ifndef)",
            );
            (v.clone(), at, format!("MAIN_LOCAL_INTERFACES = {v}"))
        }
        None => match last_assignment(&assign, "dc_local_interfaces") {
            Some(x) if !x.value.trim().is_empty() => {
                let m = exim_macro_value(&x.value);
                (
                    m.clone(),
                    Origin::at(EXIM4_CONF_CONF, x.line),
                    format!("dc_local_interfaces='{}' (local_interfaces = {m})", x.value),
                )
            }
            Some(x) => {
                let at = Origin::at(EXIM4_CONF_CONF, x.line);
                a.listeners.push(Listener {
                    service: "exim4 daemon (-bd)".into(),
                    address: "all".into(),
                    port: "daemon_smtp_ports (25)".into(),
                    scope: Scope::Network,
                    origin: at,
                    why: "dc_local_interfaces is empty: local_interfaces unset, Exim listens on every interface".into(),
                });
                return Some(Fact::Collected { value: a });
            }
            None => {
                a.listeners.push(Listener {
                    service: "exim4 daemon (-bd)".into(),
                    address: "all".into(),
                    port: "daemon_smtp_ports (25)".into(),
                    scope: Scope::Network,
                    origin: Origin::file(EXIM4_CONF_CONF),
                    why: "dc_local_interfaces not set: local_interfaces unset, Exim listens on every interface".into(),
                });
                return Some(Fact::Collected { value: a });
            }
        },
    };
    let items = exim_list(&value);
    if items.is_empty() {
        a.listeners.push(Listener {
            service: "exim4 daemon (-bd)".into(),
            address: "all".into(),
            port: "daemon_smtp_ports (25)".into(),
            scope: Scope::Network,
            origin: origin.clone(),
            why: format!("{why}: an empty list, Exim listens on every interface"),
        });
    }
    for item in items {
        match exim_interface(&item) {
            Some((addr, port)) => {
                let scope = address_scope(&addr).unwrap_or(Scope::Unknown);
                a.listeners.push(Listener {
                    service: "exim4 daemon (-bd)".into(),
                    address: addr,
                    port: if port.is_empty() {
                        "daemon_smtp_ports (25)".into()
                    } else {
                        port
                    },
                    scope,
                    origin: origin.clone(),
                    why: why.clone(),
                });
            }
            None => a.problem(
                origin.clone(),
                format!("local_interfaces item {item:?} is not an IP address: Exim refuses it"),
            ),
        }
    }
    Some(Fact::Collected { value: a })
}

// ---------------------------------------------------------------------------------------
// sendmail

fn sendmail(root: &HostRoot) -> Option<Fact<Agent>> {
    let cf = match read_opt(root, SENDMAIL_CF) {
        Ok(c) => c,
        Err(e) => return Some(Fact::from_read_error(&e)),
    };
    let mut a = Agent::default();
    let Some(cf) = cf else {
        if root.exists(SENDMAIL_MC) {
            a.files.push(SENDMAIL_MC.into());
            a.problem(
                Origin::file(SENDMAIL_CF),
                "sendmail.mc exists but sendmail.cf (what sendmail reads) does not",
            );
            return Some(Fact::Collected { value: a });
        }
        return None;
    };
    a.files.push(SENDMAIL_CF.into());
    // Lines starting with a blank continue the previous one (readcf's folding).
    let mut logical: Vec<(usize, String)> = Vec::new();
    for (i, l) in cf.lines().enumerate() {
        if l.starts_with([' ', '\t']) {
            if let Some(last) = logical.last_mut() {
                last.1.push(' ');
                last.1.push_str(l.trim());
            }
            continue;
        }
        logical.push((i + 1, l.trim_end_matches('\r').to_string()));
    }
    let mut daemons = 0;
    for (line, l) in logical {
        let Some(rest) = l.strip_prefix('O') else {
            continue;
        };
        let rest = rest.trim_start();
        let Some((name, value)) = rest.split_once('=') else {
            continue;
        };
        if !name.trim().eq_ignore_ascii_case("DaemonPortOptions") {
            continue;
        }
        daemons += 1;
        let at = Origin::at(SENDMAIL_CF, line);
        let (mut family, mut addr, mut port, mut dname) = (
            "inet".to_string(),
            None::<String>,
            "smtp".to_string(),
            String::new(),
        );
        for field in value.split(',') {
            let Some((k, v)) = field.split_once('=') else {
                continue;
            };
            let v = v.trim().to_string();
            match k.trim().chars().next().map(|c| c.to_ascii_uppercase()) {
                Some('A') => addr = Some(v),
                Some('F') => family = v.to_ascii_lowercase(),
                Some('P') => port = v,
                Some('N') => dname = v,
                _ => {}
            }
        }
        let service = format!(
            "sendmail daemon {}",
            if dname.is_empty() { "MTA" } else { &dname }
        );
        let (address, scope, why) = match (family.as_str(), addr) {
            ("local" | "unix", _) => (
                "local socket".to_string(),
                Scope::Loopback,
                "Family=local: a Unix socket".to_string(),
            ),
            (_, None) => (
                "all".to_string(),
                Scope::Network,
                "no Addr=: every address".to_string(),
            ),
            (_, Some(x)) => {
                let bare = x.strip_prefix("IPv6:").unwrap_or(&x).to_string();
                (bare.clone(), host_scope(&bare), format!("Addr={x}"))
            }
        };
        a.listeners.push(Listener {
            service,
            address,
            port,
            scope,
            origin: at,
            why,
        });
    }
    if daemons == 0 {
        a.listeners.push(Listener {
            service: "sendmail daemon MTA".into(),
            address: "all".into(),
            port: "smtp".into(),
            scope: Scope::Network,
            origin: Origin::file(SENDMAIL_CF),
            why: "no DaemonPortOptions: sendmail's default daemon on every address".into(),
        });
    }
    Some(Fact::Collected { value: a })
}

// ---------------------------------------------------------------------------------------
// OpenSMTPD

fn opensmtpd(root: &HostRoot) -> Option<Fact<Agent>> {
    let mut found = None;
    for p in SMTPD_CONF {
        match read_opt(root, p) {
            Ok(Some(t)) => {
                found = Some((p, t));
                break;
            }
            Ok(None) => {}
            Err(e) => return Some(Fact::from_read_error(&e)),
        }
    }
    let (path, text) = found?;
    let mut a = Agent {
        files: vec![path.to_string()],
        ..Agent::default()
    };
    let mut macros: BTreeMap<String, String> = BTreeMap::new();
    let mut listens = 0;
    // Logical lines: a backslash at the end joins the next line.
    let mut logical: Vec<(usize, String)> = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, l) in text.lines().enumerate() {
        let l = l.trim_end_matches('\r');
        let (n, mut buf) = pending.take().unwrap_or((i + 1, String::new()));
        if let Some(s) = l.strip_suffix('\\') {
            buf.push_str(s);
            buf.push(' ');
            pending = Some((n, buf));
        } else {
            buf.push_str(l);
            logical.push((n, buf));
        }
    }
    if let Some(p) = pending {
        logical.push(p);
    }
    for (line, l) in logical {
        let at = Origin::at(path, line);
        let code = match l.find('#') {
            Some(h) if !l[..h].contains('"') => &l[..h],
            _ => l.as_str(),
        };
        let words: Vec<String> = code
            .split_whitespace()
            .map(|w| w.trim_matches('"').to_string())
            .collect();
        if words.len() >= 3 && words[1] == "=" && !words[0].contains('$') {
            macros.insert(words[0].clone(), words[2..].join(" "));
            continue;
        }
        if words.len() >= 3 && words[0] == "listen" && words[1] == "on" {
            listens += 1;
            let mut target = words[2].clone();
            if let Some(m) = target.strip_prefix('$') {
                match macros.get(m) {
                    Some(v) => target = v.clone(),
                    None => {
                        a.problem(
                            at,
                            format!("listen on ${m}: macro not defined (smtpd refuses the file)"),
                        );
                        continue;
                    }
                }
            }
            let port = words
                .iter()
                .position(|w| w == "port")
                .and_then(|p| words.get(p + 1).cloned())
                .unwrap_or_else(|| "25".into());
            let scope = match target.as_str() {
                "socket" => Scope::Loopback,
                "lo" | "lo0" => Scope::Loopback,
                t => match address_scope(t) {
                    Some(s) => s,
                    None if t.eq_ignore_ascii_case("localhost") => Scope::Loopback,
                    // An interface name, an interface group (egress, all) or a host name.
                    None if t
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') =>
                    {
                        Scope::Network
                    }
                    None => Scope::Unknown,
                },
            };
            a.listeners.push(Listener {
                service: "smtpd listen on".into(),
                address: target.clone(),
                port,
                scope,
                origin: at,
                why: format!("listen on {}", words[2]),
            });
        }
    }
    if listens == 0 {
        a.note(
            Origin::file(path),
            "no `listen on` line: smtpd accepts mail only through its local enqueue socket",
        );
    }
    Some(Fact::Collected { value: a })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn main_cf(text: &str) -> Vec<(String, String, usize)> {
        let (r, _) = postfix_main_cf(text);
        r.unwrap()
            .into_iter()
            .map(|a| (a.name, a.value, a.line))
            .collect()
    }

    #[test]
    fn postfix_logical_lines_as_readllines() {
        let text = "# comment\ninet_interfaces = 127.0.0.1,\n# inside\n\n    [::1]\n  # indented comment\nmyhostname=x\r\n";
        assert_eq!(
            main_cf(text),
            vec![
                ("inet_interfaces".into(), "127.0.0.1,    [::1]".into(), 2),
                ("myhostname".into(), "x".into(), 7),
            ]
        );
        // Leading whitespace before any text: ignored with its continuation.
        assert_eq!(
            main_cf("  stray = 1\n  more\na = b\n"),
            vec![("a".into(), "b".into(), 3)]
        );
        let (r, _) = postfix_main_cf("a = b\nnot an assignment\n");
        assert_eq!(r.unwrap_err().0, 2);
        assert_eq!(main_cf("a = b\0c\n"), vec![("a".into(), "b".into(), 1)]);
    }

    #[test]
    fn postfix_expansion() {
        let (r, _) = postfix_main_cf(
            "lo = 127.0.0.1\nboth = $lo, ${six}\nsix = [::1]\ncond = ${lo?{yes}:{no}}\nnone = ${unset_here:fallback}\nx = $$lo\n",
        );
        let cf = MainCf::new(&r.unwrap());
        assert_eq!(cf.expand("$both").unwrap(), "127.0.0.1, [::1]");
        assert_eq!(cf.expand("$(lo)").unwrap(), "127.0.0.1");
        assert_eq!(cf.expand("$cond").unwrap(), "yes");
        assert!(
            cf.expand("$none").is_err(),
            "an unknown parameter is not guessed"
        );
        assert_eq!(cf.expand("$x").unwrap(), "$lo");
        assert!(cf.expand("${lo").is_err());
    }

    #[test]
    fn inet_interfaces_words() {
        assert_eq!(
            inet_interfaces_scopes("all"),
            vec![("all".into(), Scope::Network)]
        );
        assert_eq!(
            inet_interfaces_scopes("loopback-only"),
            vec![("loopback-only".into(), Scope::Loopback)]
        );
        let s = inet_interfaces_scopes("127.0.0.1, [::1] localhost,10.0.0.5 mail.example");
        let scopes: Vec<Scope> = s.iter().map(|x| x.1).collect();
        assert_eq!(
            scopes,
            vec![
                Scope::Loopback,
                Scope::Loopback,
                Scope::Loopback,
                Scope::Network,
                Scope::Unknown
            ]
        );
        // Only the exact word `all` means every interface; `ALL` is a host name.
        assert_eq!(inet_interfaces_scopes("ALL")[0].1, Scope::Unknown);
        assert!(inet_interfaces_scopes("").is_empty());
    }

    #[test]
    fn master_service_names() {
        assert_eq!(
            master_host_port("smtp").unwrap(),
            ("".into(), "smtp".into())
        );
        assert_eq!(
            master_host_port("127.0.0.1:smtp").unwrap(),
            ("127.0.0.1".into(), "smtp".into())
        );
        assert_eq!(
            master_host_port("[::1]:587").unwrap(),
            ("::1".into(), "587".into())
        );
        assert!(master_host_port("[::1").is_err());
    }

    #[test]
    fn shell_files() {
        let (a, p) = shell_assignments(
            "# c\ndc_local_interfaces='127.0.0.1 ; ::1'\ndc_x=\"a b\" dc_y=c\\ d\ndc_z='multi\nline'; dc_w=1 # tail\n",
        );
        assert!(p.is_empty(), "{p:?}");
        let v: Vec<(String, String, usize)> =
            a.into_iter().map(|x| (x.name, x.value, x.line)).collect();
        assert_eq!(
            v,
            vec![
                ("dc_local_interfaces".into(), "127.0.0.1 ; ::1".into(), 2),
                ("dc_x".into(), "a b".into(), 3),
                ("dc_y".into(), "c d".into(), 3),
                ("dc_z".into(), "multi\nline".into(), 4),
                ("dc_w".into(), "1".into(), 5),
            ]
        );
        let (_, p) = shell_assignments("dc_a=$(hostname)\necho hi\n");
        assert_eq!(p.len(), 2, "{p:?}");
    }

    #[test]
    fn exim_lists() {
        assert_eq!(exim_macro_value("127.0.0.1 ; ::1"), "<; 127.0.0.1 ; ::1");
        assert_eq!(exim_list("<; 127.0.0.1 ; ::1"), vec!["127.0.0.1", "::1"]);
        assert_eq!(exim_list("127.0.0.1 : ::::1"), vec!["127.0.0.1", "::1"]);
        assert_eq!(
            exim_interface("127.0.0.1.587"),
            Some(("127.0.0.1".into(), "587".into()))
        );
        assert_eq!(
            exim_interface("[::1]:25"),
            Some(("::1".into(), "25".into()))
        );
        assert_eq!(exim_interface("mail.example"), None);
    }
}
