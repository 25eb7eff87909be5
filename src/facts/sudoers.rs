//! sudo's policy, read as sudo 1.9's sudoers plugin reads it, to answer what the checks ask:
//! which `Defaults` are in force (use_pty, logfile, timestamp_timeout, authenticate) and
//! which rules let someone run a command without a password.
//!
//! Files: `/etc/sudoers`, then what it includes, in place: `@include`/`#include` (a
//! relative path is taken from the including file's directory; `%h` is the short host
//! name; a file that cannot be opened or is insecure is skipped with a warning and the
//! rest of the policy stays in force; only an insecure `/etc/sudoers` makes sudo refuse)
//! and `@includedir`/`#includedir` (`#` forms only at the very start of a line; a missing
//! or insecure directory is ignored; entries whose name contains `.` or ends in `~`, and
//! entries that are not regular files, are skipped; the rest are read in byte order, and
//! one that is insecure is skipped). Secure means owned by root, not world-writable, and
//! group-writable only when the group is root (`sudo_check_secure`). Lines: backslash at
//! the end continues a line, `#` starts a comment unless it introduces a number (`#1000`
//! is a UID), quotes protect `#`, `,` and blanks. `Defaults` entries keep their binding
//! (`@host`, `:user`, `!command`, `>runas`) and operator; user specifications are split
//! into host sections and commands, each command with the runas list and the tags
//! (`NOPASSWD:` …) it inherits from the commands before it, as sudo applies them. Aliases
//! are recorded by name only. A line Ward cannot read is kept as a problem with its
//! file:line, so checks that depend on it are `error`, never a silent pass.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Fact, Origin};
use crate::host_root::{FileKind, HostRoot};

/// The main policy file.
pub const SUDOERS: &str = "/etc/sudoers";
/// How deep includes may nest (sudo's `MAX_SUDOERS_DEPTH`).
const MAX_DEPTH: usize = 128;

/// A file sudo reads or skips.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyFile {
    pub path: String,
    /// Why sudo does not read it (`None`: read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

/// How a `Defaults` entry sets its parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// `name`: a flag turned on.
    On,
    /// `!name`: a flag turned off (or a value cleared).
    Off,
    /// `name=value`.
    Set,
    /// `name+=value`.
    Add,
    /// `name-=value`.
    Remove,
}

/// One parameter of a `Defaults` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DefaultsEntry {
    pub origin: Origin,
    /// `None` for a global `Defaults`; else the binding as written (`:alice`, `@db01`,
    /// `!/bin/ls`, `>root`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binding: Option<String>,
    pub name: String,
    pub op: Op,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// One command of a user specification, with what it inherits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Command {
    /// The command as written (path and arguments, an alias name, or `ALL`).
    pub command: String,
    /// The runas part in effect (`(ALL:ALL)`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runas: Option<String>,
    /// The tags in effect (`NOPASSWD`, `NOEXEC`, …), the last of each pair winning.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

impl Command {
    /// No password is asked (a NOPASSWD tag in effect).
    pub fn nopasswd(&self) -> bool {
        self.tags.iter().any(|t| t == "NOPASSWD")
    }
}

/// A user specification: who may run what, where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSpec {
    pub origin: Origin,
    pub users: String,
    /// Host sections: the host list and its commands.
    pub sections: Vec<(String, Vec<Command>)>,
}

/// A line sudo reads that Ward could not interpret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub origin: Origin,
    pub message: String,
}

/// The sudo policy of a host.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sudoers {
    /// `/etc/sudoers` exists.
    pub present: bool,
    /// Every file met, in read order.
    pub files: Vec<PolicyFile>,
    pub defaults: Vec<DefaultsEntry>,
    pub specs: Vec<UserSpec>,
    /// Alias definitions by name (kind and origin).
    pub aliases: BTreeMap<String, (String, Origin)>,
    pub problems: Vec<Problem>,
    /// Why sudo refuses the whole policy (an include it cannot open, an insecure main
    /// file), if it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
    /// The installed sudo's version (from the package database), which decides some
    /// defaults (`use_pty` is on from 1.9.14).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sudo_version: Option<String>,
}

/// sudo's compiled-in value of a parameter when no `Defaults` sets it, for the parameters
/// the catalogue asks about, as Debian and RHEL build sudo (`--with-timeout=15`).
pub fn builtin_default(name: &str, version: Option<&str>) -> Option<&'static str> {
    Some(match name {
        "use_pty" => match version.and_then(upstream_triple) {
            Some(v) if v >= (1, 9, 14) => "yes",
            Some(_) => "no",
            None => return None,
        },
        "logfile" => "none",
        "timestamp_timeout" => "15",
        "authenticate" => "yes",
        "requiretty" => "no",
        "log_input" | "log_output" => "no",
        _ => return None,
    })
}

/// `1.9.13p3-1+deb12u1` or `1:1.9.5p2-10.el9` as (1, 9, 13).
fn upstream_triple(v: &str) -> Option<(u32, u32, u32)> {
    let v = v.split_once(':').map_or(v, |(_, r)| r);
    let mut parts = v
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty());
    let a = parts.next()?.parse().ok()?;
    let b = parts.next()?.parse().ok()?;
    let c = parts.next()?.parse().ok()?;
    Some((a, b, c))
}

impl DefaultsEntry {
    /// The value as a comparison sees it: flags as `yes`/`no`, a cleared value as `none`.
    pub fn effective_value(&self) -> String {
        match (self.op, &self.value) {
            (Op::On, _) => "yes".into(),
            (Op::Off, _) if self.name == "logfile" => "none".into(),
            (Op::Off, _) => "no".into(),
            (_, Some(v)) => v.clone(),
            (_, None) => String::new(),
        }
    }
}

impl Sudoers {
    /// The global value of a parameter: the last unbound `Defaults` setting it, if any.
    pub fn global(&self, name: &str) -> Option<&DefaultsEntry> {
        self.defaults
            .iter()
            .rev()
            .find(|d| d.binding.is_none() && d.name == name)
    }

    /// Bound `Defaults` for a parameter (they change it for some users, hosts or commands).
    pub fn bound<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a DefaultsEntry> + 'a {
        self.defaults
            .iter()
            .filter(move |d| d.binding.is_some() && d.name == name)
    }
}

/// Collect the sudo policy under `root`. `host` is the short host name (for `%h`).
pub fn collect(root: &HostRoot, host: &str, sudo_version: Option<String>) -> Fact<Sudoers> {
    let mut out = Sudoers {
        sudo_version,
        ..Sudoers::default()
    };
    match root.metadata(SUDOERS) {
        Ok(_) => out.present = true,
        Err(e) if e.is_not_found() => return Fact::Collected { value: out },
        Err(e) => return Fact::from_read_error(&e),
    }
    let mut reader = Reader {
        root,
        host,
        out: &mut out,
    };
    if let Err(e) = reader.file(SUDOERS, 0) {
        return Fact::from_read_error(&e);
    }
    Fact::Collected { value: out }
}

struct Reader<'a> {
    root: &'a HostRoot,
    host: &'a str,
    out: &'a mut Sudoers,
}

/// `sudo_check_secure`: `None` when the file or directory is secure, else why not.
fn insecure(root: &HostRoot, path: &str, want: FileKind) -> Option<String> {
    let m = match root.metadata(path) {
        Ok(m) => m,
        Err(e) => return Some(e.to_string()),
    };
    if m.kind != want {
        return Some(format!(
            "{path} is not a {}",
            if want == FileKind::Directory {
                "directory"
            } else {
                "regular file"
            }
        ));
    }
    if m.uid != 0 {
        return Some(format!("{path} is owned by uid {}, should be 0", m.uid));
    }
    if m.mode & 0o002 != 0 {
        return Some(format!("{path} is world writable"));
    }
    if m.mode & 0o020 != 0 && m.gid != 0 {
        return Some(format!("{path} is owned by gid {}, should be 0", m.gid));
    }
    None
}

impl Reader<'_> {
    /// Read one file in place. `Err` when Ward cannot read a file sudo reads (so nothing
    /// can be judged).
    fn file(&mut self, path: &str, depth: usize) -> Result<(), crate::host_root::ReadError> {
        if depth > MAX_DEPTH {
            self.out.refused = Some(format!("{path}: too many levels of includes"));
            return Ok(());
        }
        if let Some(why) = insecure(self.root, path, FileKind::File) {
            if depth == 0 {
                // No valid sudoers source: sudo refuses to run anything.
                self.out.files.push(PolicyFile {
                    path: path.to_string(),
                    skipped: Some(why.clone()),
                });
                self.out.refused = Some(format!("sudo refuses {why}"));
            } else {
                // An included file sudo cannot use is skipped with a warning; the rest of
                // the policy stays in force (sudo 1.9.13).
                self.out.files.push(PolicyFile {
                    path: path.to_string(),
                    skipped: Some(format!("{why}; sudo warns and skips it")),
                });
            }
            return Ok(());
        }
        let text = self.root.read_lossy(path)?;
        self.out.files.push(PolicyFile {
            path: path.to_string(),
            skipped: None,
        });
        for (line_no, line, at_start_hash) in logical_lines(&text) {
            let origin = Origin::at(path.to_string(), line_no);
            if let Some((dir, target)) = include_directive(&line, at_start_hash) {
                let target = expand_include(&target, path, self.host);
                if dir {
                    self.dir(&target, depth + 1)?;
                } else {
                    match self.root.metadata(&target) {
                        Ok(_) => self.file(&target, depth + 1)?,
                        Err(e) => self.out.files.push(PolicyFile {
                            path: target.clone(),
                            skipped: Some(format!(
                                "included at {origin} but cannot be opened ({e}); sudo warns \
                                 and skips it"
                            )),
                        }),
                    }
                }
                continue;
            }
            let body = strip_comment(&line);
            if body.trim().is_empty() {
                continue;
            }
            self.entry(body.trim(), origin);
        }
        Ok(())
    }

    fn dir(&mut self, dir: &str, depth: usize) -> Result<(), crate::host_root::ReadError> {
        if let Some(why) = insecure(self.root, dir, FileKind::Directory) {
            self.out.files.push(PolicyFile {
                path: dir.to_string(),
                skipped: Some(format!("{why}; sudo ignores the directory")),
            });
            return Ok(());
        }
        let entries = self.root.read_dir(dir)?;
        for e in entries {
            let name = e.name.as_encoded_bytes();
            let path = e.display_path();
            if name.is_empty() || name.ends_with(b"~") || name.contains(&b'.') {
                self.out.files.push(PolicyFile {
                    path,
                    skipped: Some("its name ends in ~ or contains a dot; sudo skips it".into()),
                });
                continue;
            }
            match self.root.metadata(&e.path) {
                Ok(m) if m.kind == FileKind::File => {}
                _ => continue,
            }
            if let Some(why) = insecure(self.root, &path, FileKind::File) {
                self.out.files.push(PolicyFile {
                    path,
                    skipped: Some(format!("{why}; sudo skips it")),
                });
                continue;
            }
            self.file(&path, depth)?;
        }
        Ok(())
    }

    fn entry(&mut self, body: &str, origin: Origin) {
        let first = body.split([' ', '\t']).next().unwrap_or("");
        if let Some(rest) = body.strip_prefix("Defaults") {
            if rest.is_empty() || rest.starts_with([' ', '\t', ':', '@', '!', '>']) {
                self.defaults(rest, origin);
                return;
            }
        }
        if matches!(
            first,
            "User_Alias" | "Runas_Alias" | "Host_Alias" | "Cmnd_Alias" | "Cmd_Alias"
        ) {
            let rest = body[first.len()..].trim();
            for def in split_top(rest, ':') {
                if let Some((name, _)) = def.split_once('=') {
                    self.out
                        .aliases
                        .insert(name.trim().to_string(), (first.to_string(), origin.clone()));
                }
            }
            return;
        }
        match parse_spec(body) {
            Ok((users, sections)) => self.out.specs.push(UserSpec {
                origin,
                users,
                sections,
            }),
            Err(message) => self.out.problems.push(Problem { origin, message }),
        }
    }

    fn defaults(&mut self, rest: &str, origin: Origin) {
        // The binding is glued to `Defaults`: `Defaults:alice`, `Defaults!/bin/ls`.
        let (binding, params) = if rest.starts_with([':', '@', '!', '>']) {
            let end = rest.find([' ', '\t']).unwrap_or(rest.len());
            (Some(rest[..end].to_string()), &rest[end..])
        } else {
            (None, rest)
        };
        let params = params.trim();
        if params.is_empty() {
            self.out.problems.push(Problem {
                origin,
                message: "Defaults without parameters".into(),
            });
            return;
        }
        for p in split_top(params, ',') {
            let p = p.trim();
            if p.is_empty() {
                self.out.problems.push(Problem {
                    origin: origin.clone(),
                    message: "an empty Defaults parameter".into(),
                });
                continue;
            }
            let (op, name, value) = if let Some(i) = p.find(['=', '+', '-']).filter(|&i| {
                p[i..].starts_with('=') || p[i..].starts_with("+=") || p[i..].starts_with("-=")
            }) {
                let (op, skip) = match &p[i..i + 1] {
                    "+" => (Op::Add, 2),
                    "-" => (Op::Remove, 2),
                    _ => (Op::Set, 1),
                };
                (op, p[..i].trim(), Some(unquote(p[i + skip..].trim())))
            } else if let Some(n) = p.strip_prefix('!') {
                // `!!name` turns it on again.
                let bangs = 1 + n.chars().take_while(|c| *c == '!').count();
                let n = p.trim_start_matches('!');
                (
                    if bangs % 2 == 1 { Op::Off } else { Op::On },
                    n.trim(),
                    None,
                )
            } else {
                (Op::On, p, None)
            };
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                self.out.problems.push(Problem {
                    origin: origin.clone(),
                    message: format!("{p:?} is not a Defaults parameter"),
                });
                continue;
            }
            self.out.defaults.push(DefaultsEntry {
                origin: origin.clone(),
                binding: binding.clone(),
                name: name.to_string(),
                op,
                value,
            });
        }
    }
}

/// Logical lines: (first line number, text, whether the physical line started with `#`).
fn logical_lines(text: &str) -> Vec<(usize, String, bool)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = 0;
    let mut at_start_hash = false;
    let text = text.strip_suffix('\n').unwrap_or(text);
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if cur.is_empty() {
            start = i + 1;
            at_start_hash = raw.starts_with('#');
        }
        if let Some(body) = raw.strip_suffix('\\') {
            // An escaped backslash (`\\`) at the end does not continue the line.
            if !body.ends_with('\\') {
                cur.push_str(body);
                cur.push(' ');
                continue;
            }
        }
        cur.push_str(raw);
        out.push((start, std::mem::take(&mut cur), at_start_hash));
    }
    if !cur.is_empty() {
        out.push((start, cur, at_start_hash));
    }
    out
}

/// `@include PATH`, `@includedir PATH`, or (at the very start of the line) `#include` /
/// `#includedir` followed by a blank: (is a directory, path as written).
fn include_directive(line: &str, at_start_hash: bool) -> Option<(bool, String)> {
    let t = line.trim_start_matches([' ', '\t']);
    let (dir, rest) = if let Some(r) = t.strip_prefix("@includedir") {
        (true, r)
    } else if let Some(r) = t.strip_prefix("@include") {
        (false, r)
    } else if at_start_hash && line.starts_with("#includedir") {
        (true, &line["#includedir".len()..])
    } else if at_start_hash && line.starts_with("#include") {
        (false, &line["#include".len()..])
    } else {
        return None;
    };
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let path = rest.trim();
    (!path.is_empty()).then(|| (dir, path.to_string()))
}

/// sudo's `expand_include`: quotes stripped, relative to the including file's directory,
/// `%h` as the short host name.
fn expand_include(opath: &str, current: &str, host: &str) -> String {
    let p = if opath.len() > 1 && opath.starts_with('"') && opath.ends_with('"') {
        &opath[1..opath.len() - 1]
    } else {
        opath
    };
    let p = p.replace("%h", host);
    if p.starts_with('/') {
        p
    } else {
        let dir = current.rsplit_once('/').map_or("", |(d, _)| d);
        format!("{dir}/{p}")
    }
}

/// The line without its comment: `#` outside quotes starts one unless a digit (or `-` and
/// a digit) follows, which is a numeric ID.
fn strip_comment(line: &str) -> String {
    let b = line.as_bytes();
    let mut in_quotes = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'"' => in_quotes = !in_quotes,
            b'#' if !in_quotes => {
                let next = b.get(i + 1).copied();
                let next2 = b.get(i + 2).copied();
                let numeric = next.is_some_and(|c| c.is_ascii_digit())
                    || (next == Some(b'-') && next2.is_some_and(|c| c.is_ascii_digit()));
                if !numeric {
                    return line[..i].to_string();
                }
            }
            _ => {}
        }
        i += 1;
    }
    line.to_string()
}

/// Split at `sep` outside quotes and parentheses, honouring backslash escapes.
fn split_top(s: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    let mut in_quotes = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '"' => {
                in_quotes = !in_quotes;
                cur.push(c);
            }
            '(' if !in_quotes => {
                depth += 1;
                cur.push(c);
            }
            ')' if !in_quotes => {
                depth -= 1;
                cur.push(c);
            }
            c if c == sep && !in_quotes && depth == 0 => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn unquote(v: &str) -> String {
    let v = if v.len() > 1 && v.starts_with('"') && v.ends_with('"') {
        &v[1..v.len() - 1]
    } else {
        v
    };
    let mut out = String::new();
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Tags a command can carry.
const TAGS: [&str; 18] = [
    "NOPASSWD",
    "PASSWD",
    "NOEXEC",
    "EXEC",
    "SETENV",
    "NOSETENV",
    "LOG_INPUT",
    "NOLOG_INPUT",
    "LOG_OUTPUT",
    "NOLOG_OUTPUT",
    "MAIL",
    "NOMAIL",
    "FOLLOW",
    "NOFOLLOW",
    "INTERCEPT",
    "NOINTERCEPT",
    "CWD",
    "CHROOT",
];

fn opposite(tag: &str) -> Option<&'static str> {
    Some(match tag {
        "NOPASSWD" => "PASSWD",
        "PASSWD" => "NOPASSWD",
        "NOEXEC" => "EXEC",
        "EXEC" => "NOEXEC",
        "SETENV" => "NOSETENV",
        "NOSETENV" => "SETENV",
        "LOG_INPUT" => "NOLOG_INPUT",
        "NOLOG_INPUT" => "LOG_INPUT",
        "LOG_OUTPUT" => "NOLOG_OUTPUT",
        "NOLOG_OUTPUT" => "LOG_OUTPUT",
        "MAIL" => "NOMAIL",
        "NOMAIL" => "MAIL",
        "FOLLOW" => "NOFOLLOW",
        "NOFOLLOW" => "FOLLOW",
        "INTERCEPT" => "NOINTERCEPT",
        "NOINTERCEPT" => "INTERCEPT",
        _ => return None,
    })
}

/// Options a command may carry before its tags (`ROLE=…`, `TIMEOUT=…`, …).
const COMMAND_OPTIONS: [&str; 8] = [
    "ROLE=",
    "TYPE=",
    "PRIVS=",
    "LIMITPRIVS=",
    "NOTBEFORE=",
    "NOTAFTER=",
    "TIMEOUT=",
    "APPARMOR_PROFILE=",
];

/// `User_List Host_List = Cmnd_Spec_List [: Host_List = Cmnd_Spec_List] …`.
type Sections = Vec<(String, Vec<Command>)>;

fn parse_spec(body: &str) -> Result<(String, Sections), String> {
    // The user and first host list end at the first '=' outside quotes and parentheses.
    let eq = find_top(body, '=').ok_or("no '=' in a user specification")?;
    let left = body[..eq].trim();
    let (users, host) = split_user_host(left).ok_or("no host list before '='")?;
    let mut sections = Vec::new();
    let mut host = host;
    let mut rest = &body[eq + 1..];
    loop {
        // The commands run to a ':' that starts the next `Host_List =` section.
        let (cmnds, next) = match next_section(rest) {
            Some((i, j)) => (
                &rest[..i],
                Some((rest[i + 1..j].trim().to_string(), &rest[j + 1..])),
            ),
            None => (rest, None),
        };
        sections.push((host, parse_commands(cmnds)?));
        match next {
            Some((h, r)) => {
                host = h;
                rest = r;
            }
            None => break,
        }
    }
    Ok((users, sections))
}

fn find_top(s: &str, want: char) -> Option<usize> {
    let mut depth = 0i32;
    let mut in_quotes = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' => in_quotes = !in_quotes,
            '(' if !in_quotes => depth += 1,
            ')' if !in_quotes => depth -= 1,
            c if c == want && !in_quotes && depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

/// The user list and host list: the last whitespace-separated item not joined by a comma
/// is the host list.
fn split_user_host(left: &str) -> Option<(String, String)> {
    let norm: String = left.split(',').map(str::trim).collect::<Vec<_>>().join(",");
    let (users, host) = norm.rsplit_once([' ', '\t'])?;
    let users = users.trim();
    (!users.is_empty() && !host.is_empty()).then(|| (users.to_string(), host.trim().to_string()))
}

/// The next `: Host_List =` section boundary in a command list: (index of ':', index of '=').
fn next_section(s: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(rel) = s[from..].find(':') {
        let i = from + rel;
        let before = s[..i].trim_end();
        let word = before
            .rsplit(|c: char| c.is_whitespace() || c == ',' || c == ')')
            .next()
            .unwrap_or("");
        // `NOPASSWD:` and friends are tags, and a ':' inside parentheses is runas.
        let is_tag = TAGS.contains(&word) && before.len() == s[..i].len();
        let in_parens = s[..i].matches('(').count() > s[..i].matches(')').count();
        if !is_tag && !in_parens {
            if let Some(eq) = find_top(&s[i + 1..], '=') {
                let host = s[i + 1..i + 1 + eq].trim();
                if !host.is_empty() && !host.contains(char::is_whitespace) || host.contains(',') {
                    return Some((i, i + 1 + eq));
                }
            }
        }
        from = i + 1;
    }
    None
}

fn parse_commands(list: &str) -> Result<Vec<Command>, String> {
    let mut out = Vec::new();
    let mut runas: Option<String> = None;
    let mut tags: Vec<String> = Vec::new();
    for item in split_top(list, ',') {
        let mut t = item.trim();
        if t.is_empty() {
            return Err("an empty command in a user specification".into());
        }
        if t.starts_with('(') {
            let close = t.find(')').ok_or("an unclosed runas list")?;
            runas = Some(t[..=close].to_string());
            t = t[close + 1..].trim_start();
        }
        loop {
            if let Some(opt) = COMMAND_OPTIONS.iter().find(|o| t.starts_with(*o)) {
                let _ = opt;
                let end = t.find([' ', '\t']).unwrap_or(t.len());
                t = t[end..].trim_start();
                continue;
            }
            let word_end = t.find(':');
            match word_end {
                Some(i) if TAGS.contains(&&t[..i]) => {
                    let tag = &t[..i];
                    if let Some(o) = opposite(tag) {
                        tags.retain(|x| x != o);
                    }
                    if !tags.iter().any(|x| x == tag) {
                        tags.push(tag.to_string());
                    }
                    t = t[i + 1..].trim_start();
                }
                _ => break,
            }
        }
        if t.is_empty() {
            return Err("a tag without a command".into());
        }
        out.push(Command {
            command: t.to_string(),
            runas: runas.clone(),
            tags: tags.clone(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_numeric_ids() {
        assert_eq!(
            strip_comment("root ALL=(ALL) ALL # admin"),
            "root ALL=(ALL) ALL "
        );
        assert_eq!(strip_comment("#1000 ALL=(ALL) ALL"), "#1000 ALL=(ALL) ALL");
        assert_eq!(
            strip_comment("Defaults logfile=\"/var/log/a#b\""),
            "Defaults logfile=\"/var/log/a#b\""
        );
    }

    #[test]
    fn includes_only_at_line_start_for_hash_forms() {
        assert_eq!(
            include_directive("#includedir /etc/sudoers.d", true),
            Some((true, "/etc/sudoers.d".into()))
        );
        assert_eq!(
            include_directive(" #includedir /etc/sudoers.d", false),
            None
        );
        assert_eq!(
            include_directive("  @include sub", false),
            Some((false, "sub".into()))
        );
        assert_eq!(include_directive("#includedirx /x", true), None);
        assert_eq!(
            expand_include("\"local\"", "/etc/sudoers", "db01"),
            "/etc/local"
        );
        assert_eq!(
            expand_include("/etc/sudoers.%h", "/etc/sudoers", "db01"),
            "/etc/sudoers.db01"
        );
    }

    #[test]
    fn tags_are_inherited_until_overridden() {
        let (users, sections) = parse_spec(
            "ops, %adm ALL = (root) NOPASSWD: /bin/a, /bin/b, PASSWD: /bin/c : db01 = /bin/d",
        )
        .unwrap();
        assert_eq!(users, "ops,%adm");
        assert_eq!(sections.len(), 2);
        let c = &sections[0].1;
        assert!(c[0].nopasswd() && c[1].nopasswd() && !c[2].nopasswd());
        assert_eq!(c[1].runas.as_deref(), Some("(root)"));
        assert_eq!(sections[1].0, "db01");
        assert!(!sections[1].1[0].nopasswd());
    }

    #[test]
    fn runas_with_groups_and_escaped_commas() {
        let (_, s) =
            parse_spec("alice ALL=(ALL:ALL) NOPASSWD:NOEXEC: /bin/echo a\\,b, ALL").unwrap();
        assert_eq!(s[0].1.len(), 2);
        assert_eq!(s[0].1[0].tags, ["NOPASSWD", "NOEXEC"]);
        assert_eq!(s[0].1[1].command, "ALL");
    }

    #[test]
    fn continuation_lines() {
        let l = logical_lines("Cmnd_Alias X = /a, \\\n  /b\nroot ALL=ALL\n");
        assert_eq!(l.len(), 2);
        assert_eq!(l[1].0, 3);
    }

    #[test]
    fn use_pty_default_follows_the_version() {
        assert_eq!(
            builtin_default("use_pty", Some("1.9.13p3-1+deb12u1")),
            Some("no")
        );
        assert_eq!(builtin_default("use_pty", Some("1.9.15p5-3")), Some("yes"));
        assert_eq!(
            builtin_default("use_pty", Some("1:1.9.5p2-10.el9")),
            Some("no")
        );
        assert_eq!(builtin_default("use_pty", None), None);
    }
}
