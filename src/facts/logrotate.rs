//! logrotate's configuration as logrotate 3.21 (Debian 12) reads it: which log files it
//! rotates, how often, and how many old copies it keeps.
//!
//! Logs matter only as far back as they go: an intrusion found after six weeks needs six
//! weeks of logs. logrotate decides that for the system logger's files, so Ward reads its
//! configuration the way `config.c` of logrotate 3.21 does:
//!
//! * `/etc/logrotate.conf`, and each `include PATH`: a directory's entries in sorted order
//!   (byte order, as `strcoll` in the C locale), except `.` and `..` and names matching a
//!   taboo pattern (`*,v`, `*.bak`, `*.cfsaved`, `*.disabled`, `*.dpkg-*` variants,
//!   `*.rhn-cfg-tmp-*`, `*.rpmnew`, `*.rpmorig`, `*.rpmsave`, `*.swp`, `*.ucf-*`, `*~`,
//!   matched with `FNM_PERIOD`, so a hidden file is read); `tabooext [+] EXT…` changes the
//!   list. Entries that are not regular files are skipped; an empty file is skipped.
//! * Keywords are the alphabetic run at the start of a line and must be followed by a blank
//!   or `=`; values run to the end of the line (`rotate 4 # keep` is a bad count). Settings
//!   before any block are defaults copied into every block that follows.
//! * A block: file names (quoted or not, globs kept as written) up to `{`, settings, `}`.
//!   A setting logrotate rejects inside a block drops the block ("found error in …,
//!   skipping"); at the top of a file it ends that file. Unknown keywords are reported and
//!   the line ignored. Scripts (`postrotate` … `endscript`) are skipped.
//! * Each block keeps: its rotation criterion (`hourly`, `daily`, `weekly`, `monthly`,
//!   `yearly`, or `size`; logrotate's built-in default is size 1 MiB), `rotate` (default 0:
//!   no old copy kept), `maxage`, `missingok`, `create MODE OWNER GROUP` / `nocreate`.
//!
//! logrotate, run as root, also ignores configuration files writable by group or others or
//! not owned by root; Ward records such files as ignored the same way.

use serde::{Deserialize, Serialize};

use super::{Fact, Origin};
use crate::host_root::{FileKind, HostRoot};

/// logrotate's main configuration.
pub const LOGROTATE_CONF: &str = "/etc/logrotate.conf";
/// logrotate's include nesting limit.
const MAX_NESTING: usize = 16;
/// Most files read.
const MAX_FILES: usize = 2000;

const DEFAULT_TABOO: [&str; 19] = [
    ",v",
    ".bak",
    ".cfsaved",
    ".disabled",
    ".dpkg-bak",
    ".dpkg-del",
    ".dpkg-dist",
    ".dpkg-new",
    ".dpkg-old",
    ".dpkg-tmp",
    ".rhn-cfg-tmp-*",
    ".rpmnew",
    ".rpmorig",
    ".rpmsave",
    ".swp",
    ".ucf-dist",
    ".ucf-new",
    ".ucf-old",
    "~",
];

/// Every keyword logrotate 3.21 accepts (values checked only for those Ward uses).
const KNOWN: [&str; 63] = [
    "compress",
    "nocompress",
    "delaycompress",
    "nodelaycompress",
    "shred",
    "noshred",
    "allowhardlink",
    "noallowhardlink",
    "sharedscripts",
    "nosharedscripts",
    "copytruncate",
    "nocopytruncate",
    "renamecopy",
    "norenamecopy",
    "copy",
    "nocopy",
    "ifempty",
    "notifempty",
    "dateext",
    "nodateext",
    "dateyesterday",
    "datehourago",
    "dateformat",
    "noolddir",
    "mailfirst",
    "maillast",
    "su",
    "create",
    "createolddir",
    "nocreateolddir",
    "nocreate",
    "size",
    "minsize",
    "maxsize",
    "shredcycles",
    "hourly",
    "daily",
    "monthly",
    "weekly",
    "yearly",
    "rotate",
    "start",
    "minage",
    "maxage",
    "errors",
    "mail",
    "nomail",
    "missingok",
    "nomissingok",
    "ignoreduplicates",
    "prerotate",
    "firstaction",
    "postrotate",
    "lastaction",
    "preremove",
    "tabooext",
    "taboopat",
    "include",
    "olddir",
    "extension",
    "addextension",
    "compresscmd",
    "uncompresscmd",
];
const KNOWN_MORE: [&str; 2] = ["compressext", "compressoptions"];

/// What logrotate would do.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Logrotate {
    /// Configuration files read, in order.
    pub files: Vec<String>,
    /// Entries of included directories left out, with the reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<String>,
    /// The log blocks logrotate keeps.
    pub logs: Vec<LogBlock>,
    /// Lines logrotate reports as errors, with file:line.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<LogrotateProblem>,
}

/// One error logrotate reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogrotateProblem {
    pub origin: Origin,
    pub message: String,
}

/// How often a block is rotated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Criterion {
    Hourly,
    Daily,
    Weekly,
    Monthly,
    Yearly,
    /// Whenever logrotate runs and the file is larger than this many bytes.
    Size(u64),
}

impl Criterion {
    /// The rotation period in days, when it is one.
    pub fn days(&self) -> Option<f64> {
        match self {
            Criterion::Hourly => Some(1.0 / 24.0),
            Criterion::Daily => Some(1.0),
            Criterion::Weekly => Some(7.0),
            Criterion::Monthly => Some(28.0),
            Criterion::Yearly => Some(365.0),
            Criterion::Size(_) => None,
        }
    }
}

impl std::fmt::Display for Criterion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Criterion::Hourly => f.write_str("hourly"),
            Criterion::Daily => f.write_str("daily"),
            Criterion::Weekly => f.write_str("weekly"),
            Criterion::Monthly => f.write_str("monthly"),
            Criterion::Yearly => f.write_str("yearly"),
            Criterion::Size(n) => write!(f, "size {n} bytes"),
        }
    }
}

/// One `PATTERNS { … }` block with its effective settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogBlock {
    pub patterns: Vec<String>,
    pub origin: Origin,
    pub criterion: Criterion,
    /// Old copies kept (`rotate`; -1 keeps all, logrotate's default 0 keeps none).
    pub rotate: i64,
    /// `maxage`: rotated copies older than this many days are removed (0: no limit).
    pub maxage: u64,
    pub missingok: bool,
    /// `create` in effect: mode (None: the old file's), owner, group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create: Option<Create>,
}

/// `create [MODE [OWNER [GROUP]]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Create {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

impl LogBlock {
    /// How many days of rotated logs the block keeps, when the period is known: the copies
    /// times the period, cut by `maxage`. `rotate -1` keeps copies without limit (then only
    /// `maxage` limits).
    pub fn retention_days(&self) -> Option<f64> {
        let period = self.criterion.days()?;
        let by_count = if self.rotate < 0 {
            f64::INFINITY
        } else {
            self.rotate as f64 * period
        };
        Some(if self.maxage > 0 {
            by_count.min(self.maxage as f64)
        } else {
            by_count
        })
    }

    /// Whether a pattern of this block names `path` (glob patterns as fnmatch, no
    /// special treatment of `/`).
    pub fn covers(&self, path: &str) -> bool {
        self.patterns.iter().any(|p| {
            p == path
                || glob::Pattern::new(p).is_ok_and(|g| {
                    g.matches_with(
                        path,
                        glob::MatchOptions {
                            case_sensitive: true,
                            require_literal_separator: true,
                            require_literal_leading_dot: false,
                        },
                    )
                })
        })
    }
}

#[derive(Clone)]
struct Settings {
    criterion: Criterion,
    rotate: i64,
    maxage: u64,
    missingok: bool,
    create: Option<Create>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            criterion: Criterion::Size(1024 * 1024),
            rotate: 0,
            maxage: 0,
            missingok: false,
            create: None,
        }
    }
}

/// Read logrotate's configuration; `None` when `/etc/logrotate.conf` does not exist.
pub fn collect(root: &HostRoot) -> Fact<Option<Logrotate>> {
    collect_from(root, LOGROTATE_CONF)
}

/// Read the configuration starting at `main`.
pub fn collect_from(root: &HostRoot, main: &str) -> Fact<Option<Logrotate>> {
    match root.metadata(main) {
        Err(e) if e.is_not_found() => return Fact::Collected { value: None },
        Err(e) => return Fact::from_read_error(&e),
        Ok(_) => {}
    }
    if let Err(e) = root.read(main) {
        return Fact::from_read_error(&e);
    }
    let mut r = Reader {
        root,
        out: Logrotate::default(),
        taboo: DEFAULT_TABOO.iter().map(|e| format!("*{e}")).collect(),
        depth: 0,
    };
    let mut defaults = Settings::default();
    r.path(main, &mut defaults, &Origin::file(main.to_string()));
    Fact::Collected { value: Some(r.out) }
}

struct Reader<'a> {
    root: &'a HostRoot,
    out: Logrotate,
    taboo: Vec<String>,
    depth: usize,
}

enum State {
    Default,
    Block(Box<LogBlock>, Settings),
    Skip,
}

impl Reader<'_> {
    fn problem(&mut self, origin: Origin, message: impl Into<String>) {
        self.out.problems.push(LogrotateProblem {
            origin,
            message: message.into(),
        });
    }

    /// `readConfigPath`: a directory's entries or one file.
    fn path(&mut self, path: &str, defaults: &mut Settings, origin: &Origin) {
        let meta = match self.root.metadata(path) {
            Ok(m) => m,
            Err(e) => {
                self.problem(origin.clone(), format!("cannot stat {path}: {e}"));
                return;
            }
        };
        if meta.kind == FileKind::Directory {
            let entries = match self.root.read_dir(path) {
                Ok(e) => e,
                Err(e) => {
                    self.problem(origin.clone(), format!("cannot open directory {path}: {e}"));
                    return;
                }
            };
            let opts = glob::MatchOptions {
                case_sensitive: true,
                require_literal_separator: false,
                require_literal_leading_dot: true,
            };
            let mut names = Vec::new();
            for e in entries {
                let name = e.display_name();
                if let Some(t) = self
                    .taboo
                    .iter()
                    .find(|t| glob::Pattern::new(t).is_ok_and(|p| p.matches_with(&name, opts)))
                {
                    self.out.ignored.push(format!(
                        "{}: matches the taboo pattern {t}",
                        e.display_path()
                    ));
                    continue;
                }
                names.push(e.display_path());
            }
            for n in names {
                let backup = defaults.clone();
                if !self.file(&n, defaults) {
                    *defaults = backup;
                }
            }
        } else if !self.file(path, defaults) {
            // logrotate stops reading that file; the defaults it changed stay only for a
            // directory's files (restored there).
        }
    }

    /// `readConfigFile`: false when logrotate reports an error that ends the file.
    fn file(&mut self, path: &str, defaults: &mut Settings) -> bool {
        if self.out.files.len() >= MAX_FILES {
            self.problem(
                Origin::file(path.to_string()),
                format!("more than {MAX_FILES} configuration files"),
            );
            return false;
        }
        let meta = match self.root.metadata(path) {
            Ok(m) => m,
            Err(e) => {
                self.problem(
                    Origin::file(path.to_string()),
                    format!("failed to open config file {path}: {e}"),
                );
                return false;
            }
        };
        if meta.kind != FileKind::File {
            self.out.ignored.push(format!("{path}: not a regular file"));
            return true;
        }
        if meta.mode & 0o022 != 0 {
            self.out.ignored.push(format!(
                "{path}: writable by group or others (mode {:04o})",
                meta.mode & 0o7777
            ));
            self.problem(
                Origin::file(path.to_string()),
                format!("Ignoring {path} because it is writable by group or others."),
            );
            return true;
        }
        if meta.uid != 0 {
            self.out
                .ignored
                .push(format!("{path}: owned by uid {}, not root", meta.uid));
            self.problem(Origin::file(path.to_string()), format!("Ignoring {path} because the file owner is wrong (should be root or user with uid 0)."));
            return true;
        }
        let raw = match self.root.read(path) {
            Ok(r) => r,
            Err(e) => {
                self.problem(
                    Origin::file(path.to_string()),
                    format!("failed to open config file {path}: {e}"),
                );
                return false;
            }
        };
        if raw.is_empty() {
            self.out.ignored.push(format!("{path}: empty"));
            return true;
        }
        self.out.files.push(path.to_string());
        let text = String::from_utf8_lossy(&raw).into_owned();
        let mut state = State::Default;
        let mut script = false;
        let mut ok = true;
        let lines: Vec<&str> = text.split('\n').collect();
        let mut idx = 0;
        while idx < lines.len() {
            let raw_line = lines[idx];
            let lineno = idx + 1;
            idx += 1;
            let origin = Origin::at(path.to_string(), lineno);
            let line = raw_line.trim_start_matches([' ', '\t']);
            if script {
                let w: String = line
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .collect();
                if w == "endscript" {
                    script = false;
                }
                continue;
            }
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let State::Skip = state {
                if line.starts_with('}') {
                    state = State::Default;
                }
                continue;
            }
            let first = line.as_bytes()[0];
            if first.is_ascii_alphabetic() {
                let key: String = line
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .collect();
                let after = &line[key.len()..];
                if !(after.is_empty() || after.starts_with([' ', '\t', '=', '\r'])) {
                    let err = format!("{path}:{lineno} keyword '{key}' not properly separated");
                    if self.raise(&mut state, origin, err) {
                        ok = false;
                        break;
                    }
                    continue;
                }
                let value = value_of(after);
                let in_block = matches!(state, State::Block(..));
                let settings: &mut Settings = match &mut state {
                    State::Block(_, s) => s,
                    _ => defaults,
                };
                let mut err: Option<String> = None;
                match key.as_str() {
                    "hourly" => settings.criterion = Criterion::Hourly,
                    "daily" => settings.criterion = Criterion::Daily,
                    "weekly" => settings.criterion = Criterion::Weekly,
                    "monthly" => settings.criterion = Criterion::Monthly,
                    "yearly" => settings.criterion = Criterion::Yearly,
                    "size" => match value.as_deref().map(parse_size) {
                        Some(Ok(n)) => settings.criterion = Criterion::Size(n),
                        Some(Err(e)) => err = Some(format!("{path}:{lineno} {e}")),
                        None => err = Some(format!("{path}:{lineno} argument expected after size")),
                    },
                    "rotate" => match value.as_deref().map(strtol_whole) {
                        Some(Some(n)) if n >= -1 => settings.rotate = n,
                        Some(_) => {
                            err = Some(format!(
                                "{path}:{lineno} bad rotation count '{}'",
                                value.clone().unwrap_or_default()
                            ))
                        }
                        None => {
                            err = Some(format!("{path}:{lineno} argument expected after rotate"))
                        }
                    },
                    "maxage" => match value.as_deref().map(strtol_whole) {
                        Some(Some(n)) if n >= 0 => settings.maxage = n as u64,
                        Some(_) => {
                            err = Some(format!(
                                "{path}:{lineno} bad maximum age '{}'",
                                value.clone().unwrap_or_default()
                            ))
                        }
                        None => {
                            err = Some(format!("{path}:{lineno} argument expected after maxage"))
                        }
                    },
                    "missingok" => settings.missingok = true,
                    "nomissingok" => settings.missingok = false,
                    "nocreate" => settings.create = None,
                    "create" => {
                        let words: Vec<&str> = after.split_whitespace().collect();
                        let mut c = Create {
                            mode: None,
                            owner: None,
                            group: None,
                        };
                        let mut i = 0;
                        if let Some(m) = words
                            .first()
                            .filter(|w| w.bytes().all(|b| b.is_ascii_digit()))
                        {
                            match u32::from_str_radix(m, 8) {
                                Ok(v) if v <= 0o7777 => c.mode = Some(v),
                                _ => err = Some(format!("{path}:{lineno} bad mode '{m}'")),
                            }
                            i = 1;
                        }
                        c.owner = words.get(i).map(|s| s.to_string());
                        c.group = words.get(i + 1).map(|s| s.to_string());
                        if words.len() > i + 2 {
                            err = Some(format!("{path}:{lineno} extra arguments for create"));
                        }
                        if err.is_none() {
                            settings.create = Some(c);
                        }
                    }
                    "postrotate" | "prerotate" | "firstaction" | "lastaction" | "preremove" => {
                        if !in_block {
                            err = Some(format!(
                                "{path}:{lineno} {key} outside of a log file definition"
                            ));
                        } else {
                            script = true;
                        }
                    }
                    "include" => {
                        if in_block {
                            self.problem(
                                origin.clone(),
                                "include inside a log file definition (not modelled by Ward)",
                            );
                        } else {
                            match value {
                                Some(p) => {
                                    if self.depth >= MAX_NESTING {
                                        self.problem(
                                            origin.clone(),
                                            format!("{path}:{lineno} include nesting too deep"),
                                        );
                                    } else {
                                        self.depth += 1;
                                        let target = if p.starts_with('/') {
                                            p
                                        } else {
                                            // Relative to logrotate's working directory,
                                            // the directory being read.
                                            let dir = path
                                                .rsplit_once('/')
                                                .map(|(d, _)| d)
                                                .unwrap_or("/");
                                            crate::host_root::join_host(dir, &p)
                                        };
                                        self.path(&target, defaults, &origin);
                                        self.depth -= 1;
                                    }
                                }
                                None => {
                                    err = Some(format!(
                                        "{path}:{lineno} argument expected after include"
                                    ))
                                }
                            }
                        }
                    }
                    "tabooext" | "taboopat" => {
                        if in_block {
                            err = Some(format!("{path}:{lineno} {key} may not appear inside of log file definition"));
                        } else if let Some(v) = value {
                            let (add, list) = match v.strip_prefix('+') {
                                Some(r) => (true, r.to_string()),
                                None => (false, v),
                            };
                            if !add {
                                self.taboo.clear();
                            }
                            for e in list.split([',', ' ', '\t']).filter(|e| !e.is_empty()) {
                                self.taboo.push(if key == "tabooext" {
                                    format!("*{e}")
                                } else {
                                    e.to_string()
                                });
                            }
                        }
                    }
                    k if KNOWN.contains(&k) || KNOWN_MORE.contains(&k) => {}
                    _ => {
                        self.problem(
                            origin.clone(),
                            format!("{path}:{lineno} unknown option '{key}' -- ignoring line"),
                        );
                    }
                }
                if let Some(e) = err {
                    if self.raise(&mut state, origin, e) {
                        ok = false;
                        break;
                    }
                }
                continue;
            }
            if matches!(first, b'/' | b'"' | b'\'' | b'~') {
                if matches!(state, State::Block(..)) {
                    self.raise(
                        &mut state,
                        origin,
                        format!("{path}:{lineno} unexpected log filename"),
                    );
                    continue;
                }
                // Patterns up to `{`, possibly over several lines.
                let mut spec = String::new();
                let mut rest = line.to_string();
                let mut found = false;
                loop {
                    if let Some(p) = rest.find('{') {
                        spec.push_str(&rest[..p]);
                        let tail = rest[p + 1..].trim();
                        if !tail.is_empty() && !tail.starts_with('#') {
                            // Settings after `{` on the same line are read by logrotate;
                            // Ward does not model that.
                            self.problem(
                                origin.clone(),
                                format!("{path}:{lineno} text after '{{' (not modelled by Ward)"),
                            );
                        }
                        found = true;
                        break;
                    }
                    spec.push_str(&rest);
                    spec.push(' ');
                    if idx >= lines.len() {
                        break;
                    }
                    rest = lines[idx].to_string();
                    idx += 1;
                }
                if !found {
                    self.problem(
                        origin,
                        format!("{path}:{lineno} missing '{{' after log files definition"),
                    );
                    ok = false;
                    break;
                }
                let patterns = split_words(&spec);
                if patterns.is_empty() {
                    self.problem(
                        origin,
                        format!("{path}:{lineno} no log files in the definition"),
                    );
                    ok = false;
                    break;
                }
                let s = defaults.clone();
                state = State::Block(
                    Box::new(LogBlock {
                        patterns,
                        origin,
                        criterion: s.criterion.clone(),
                        rotate: s.rotate,
                        maxage: s.maxage,
                        missingok: s.missingok,
                        create: s.create.clone(),
                    }),
                    s,
                );
                continue;
            }
            if first == b'}' {
                match std::mem::replace(&mut state, State::Default) {
                    State::Block(mut b, s) => {
                        b.criterion = s.criterion;
                        b.rotate = s.rotate;
                        b.maxage = s.maxage;
                        b.missingok = s.missingok;
                        b.create = s.create;
                        self.out.logs.push(*b);
                    }
                    _ => self.problem(origin.clone(), format!("{path}:{lineno} unexpected }}")),
                }
                let tail = line[1..].trim();
                if !tail.is_empty() {
                    self.problem(origin, format!("{path}:{lineno}, unexpected text after }}"));
                }
                continue;
            }
            let err = format!("{path}:{lineno} lines must begin with a keyword or a filename (possibly in double quotes)");
            if self.raise(&mut state, origin, err) {
                ok = false;
                break;
            }
        }
        if let State::Block(b, _) = state {
            self.problem(
                b.origin.clone(),
                format!("{path}: missing '}}' at the end of the file"),
            );
            ok = false;
        }
        ok
    }

    /// RAISE_ERROR: inside a block the block is dropped; at the top the file ends (true).
    fn raise(&mut self, state: &mut State, origin: Origin, message: String) -> bool {
        self.problem(origin, message);
        match state {
            State::Block(..) => {
                *state = State::Skip;
                false
            }
            _ => true,
        }
    }
}

/// A value as `isolateValue` gives it: blanks and one `=` skipped, the rest of the line
/// with trailing blanks removed; `None` when nothing follows.
fn value_of(after: &str) -> Option<String> {
    let v = after.trim_start_matches([' ', '\t']);
    let v = v
        .strip_prefix('=')
        .unwrap_or(v)
        .trim_start_matches([' ', '\t']);
    let v = v.trim_end();
    (!v.is_empty()).then(|| v.to_string())
}

/// `strtol(s, &end, 0)` that must consume the whole value.
fn strtol_whole(s: &str) -> Option<i64> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let n = if let Some(h) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()?
    } else if body.len() > 1 && body.starts_with('0') {
        i64::from_str_radix(&body[1..], 8).ok()?
    } else {
        body.parse().ok()?
    };
    Some(if neg { -n } else { n })
}

/// `size 100k` etc.: a number and an optional unit k, M or G.
fn parse_size(v: &str) -> Result<u64, String> {
    let digits: String = v
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let unit = &v[digits.len()..];
    let n: f64 = digits.parse().map_err(|_| format!("bad size '{v}'"))?;
    let mult = match unit {
        "" => 1.0,
        "k" | "K" => 1024.0,
        "M" => 1024.0 * 1024.0,
        "G" => 1024.0 * 1024.0 * 1024.0,
        u => return Err(format!("unknown unit '{u}'")),
    };
    Ok((n * mult) as u64)
}

/// Split a file list as popt splits a command line: blanks separate, quotes group.
pub fn split_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in s.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                any = true;
            }
            None if c.is_whitespace() => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            None => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn read(files: &[(&str, &str)]) -> Logrotate {
        let dir = tempfile::tempdir().unwrap();
        for (p, t) in files {
            let full = dir.path().join(p.trim_start_matches('/'));
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(&full, t).unwrap();
            std::fs::set_permissions(&full, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let mut owners = std::collections::BTreeMap::new();
        for (p, _) in files {
            owners.insert(p.to_string(), (0, 0));
        }
        let root = HostRoot::new(dir.path()).unwrap().with_owners(owners);
        match collect(&root) {
            Fact::Collected { value: Some(r) } => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn debian_stock_with_taboo_and_order() {
        let r = read(&[
            ("/etc/logrotate.conf", "weekly\nrotate 4\ncreate\ninclude /etc/logrotate.d\n"),
            ("/etc/logrotate.d/rsyslog", "/var/log/syslog\n/var/log/auth.log\n{\n\trotate 4\n\tweekly\n\tmissingok\n\tpostrotate\n\t\t/usr/lib/rsyslog/rsyslog-rotate\n\tendscript\n}\n"),
            ("/etc/logrotate.d/apt", "/var/log/apt/term.log {\n  rotate 12\n  monthly\n}\n"),
            ("/etc/logrotate.d/old.dpkg-old", "/var/log/x {\n daily\n}\n"),
            ("/etc/logrotate.d/.hidden", "/var/log/h {\n rotate 1\n}\n"),
        ]);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(
            r.files,
            vec![
                "/etc/logrotate.conf",
                "/etc/logrotate.d/.hidden",
                "/etc/logrotate.d/apt",
                "/etc/logrotate.d/rsyslog"
            ]
        );
        assert_eq!(r.ignored.len(), 1);
        let rs = &r.logs[2];
        assert_eq!(rs.patterns, vec!["/var/log/syslog", "/var/log/auth.log"]);
        assert_eq!(rs.retention_days(), Some(28.0));
        assert!(rs.covers("/var/log/auth.log"));
        assert_eq!(r.logs[0].criterion, Criterion::Weekly);
        assert!(r.logs[0].create.is_some());
    }

    #[test]
    fn bad_values_drop_the_block() {
        let r = read(&[(
            "/etc/logrotate.conf",
            "/var/log/a {\n rotate 4 # keep\n}\n/var/log/b {\n rotate 8\n maxage 30\n bogus\n}\n",
        )]);
        assert_eq!(r.logs.len(), 1);
        assert_eq!(r.logs[0].patterns, vec!["/var/log/b"]);
        assert_eq!(r.problems.len(), 2);
        assert_eq!(r.logs[0].criterion, Criterion::Size(1024 * 1024));
        assert_eq!(r.logs[0].retention_days(), None);
    }
}
