//! Reading sshd_config the way OpenSSH 9.2's sshd does: lines (`load_server_config`), the
//! keyword and its arguments (`strdelim`, `argv_split`), `Include` (glob(3) expansion,
//! bounded here) and `Match` (`match_cfg_line`), with every line's value checked.
//!
//! The byte-level rules, taken from servconf.c and misc.c:
//!
//! * Each line read has its leading spaces, tabs and CRs removed and is then cut at its
//!   first NUL byte; a NUL also swallows the line's newline, so the next line is joined to
//!   the text before the NUL. Lines are then split on `\n` and numbered in that buffer.
//! * Trailing whitespace and form feeds are removed. The keyword ends at whitespace, a
//!   double quote or one `=`. A double quote in the keyword is removed and the keyword runs
//!   to the next double quote (`"PermitRootLogin" yes`, `Password"Authentication" yes`); a
//!   keyword with no closing quote makes sshd skip the line. An empty keyword (a line
//!   starting with `=` or `""`) is skipped and the next word is the keyword. A keyword
//!   starting with `#` is a comment.
//! * The arguments are split by `argv_split`: single or double quotes group words, `\`
//!   escapes a quote, a backslash or (outside quotes) a space, and an argument starting
//!   with `#` ends the line. An unclosed quote is an error.
//! * `Match` criteria are read with `strdelim` too, so `Match User=root` is `User root`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::keywords::{self, Allowed, Merge};
use super::{MatchBlock, Note, NoteKind, Setting, SettingSource, SshdConfig, MAIN_CONFIG};
use crate::facts::Origin;
use std::path::Path;

use crate::host_root::{display_path, glob_matches, has_glob_meta, FileKind, HostRoot, ReadError};

/// Directory that relative `Include` paths are resolved against (sshd's `SSHDIR`).
const SSH_DIR: &str = "/etc/ssh";
/// Deepest `Include` nesting sshd accepts (`SERVCONF_MAX_DEPTH`).
pub const MAX_INCLUDE_DEPTH: usize = 16;
/// Files parsed in total before Ward gives up (guards against include fan-out).
pub const MAX_FILE_PARSES: usize = 4096;
/// Directories one `Include` pattern may list while it is expanded.
pub const MAX_GLOB_DIRS: usize = 1024;
/// Paths one `Include` pattern may match (or hold as candidates between components).
pub const MAX_GLOB_PATHS: usize = 4096;
/// Wall time for reading the whole configuration, includes and globs.
pub const PARSE_TIME_LIMIT: Duration = Duration::from_secs(10);

/// sshd's `WHITESPACE`.
const WS: [char; 4] = [' ', '\t', '\r', '\n'];

/// Split a file's text into the lines sshd parses, numbered from 1, as `load_server_config`
/// builds its buffer. Also returns the numbers of lines whose text was cut at a NUL byte.
pub(super) fn load_lines(text: &str) -> (Vec<String>, Vec<usize>) {
    let mut buffer = String::with_capacity(text.len());
    let mut cut = Vec::new();
    for raw in text.split_inclusive('\n') {
        let line = raw.trim_start_matches([' ', '\t', '\r']);
        match line.find('\0') {
            Some(i) => {
                cut.push(buffer.matches('\n').count() + 1);
                buffer.push_str(&line[..i]);
            }
            None => buffer.push_str(line),
        }
    }
    (buffer.split('\n').map(str::to_string).collect(), cut)
}

/// sshd's `strdelim`: the next token and what follows it (`None` when nothing follows).
/// `None` overall when a double quote is not closed.
fn strdelim(s: &str) -> Option<(String, Option<&str>)> {
    let Some(i) = s.find(|c: char| WS.contains(&c) || c == '"' || c == '=') else {
        return Some((s.to_string(), None));
    };
    if s[i..].starts_with('"') {
        let after = &s[i + 1..];
        let j = after.find('"')?;
        let token = format!("{}{}", &s[..i], &after[..j]);
        return Some((token, Some(after[j + 1..].trim_start_matches(WS))));
    }
    let used_equals = s[i..].starts_with('=');
    let mut rest = s[i + 1..].trim_start_matches(WS);
    if !used_equals {
        if let Some(r) = rest.strip_prefix('=') {
            rest = r.trim_start_matches(WS);
        }
    }
    Some((s[..i].to_string(), Some(rest)))
}

/// One keyword line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Line {
    /// The keyword as written (quotes removed).
    pub keyword: String,
    /// The arguments, split and unquoted as sshd does.
    pub args: Vec<String>,
    /// The raw text after the keyword and its separator.
    pub rest: String,
}

/// Parse one line: `Ok(None)` for lines sshd skips, `Err` for lines sshd rejects.
pub(super) fn parse_line(raw: &str) -> Result<Option<Line>, String> {
    // Trailing whitespace and form feeds go; the first character always stays.
    let mut end = raw.len();
    while end > 1 {
        let Some(c) = raw[..end].chars().next_back() else {
            break;
        };
        if WS.contains(&c) || c == '\x0c' {
            end -= c.len_utf8();
        } else {
            break;
        }
    }
    let line = &raw[..end];
    if line.is_empty() {
        return Ok(None);
    }
    let Some((mut keyword, mut rest)) = strdelim(line) else {
        return Ok(None);
    };
    if keyword.is_empty() {
        let Some((k, r)) = rest.and_then(strdelim) else {
            return Ok(None);
        };
        keyword = k;
        rest = r;
    }
    if keyword.is_empty() || keyword.starts_with('#') {
        return Ok(None);
    }
    let rest = match rest {
        Some(r) if !r.is_empty() => r,
        _ => return Err(format!("no argument after keyword {keyword:?}")),
    };
    let Some(args) = argv_split(rest) else {
        return Err(format!("{keyword}: invalid quotes"));
    };
    Ok(Some(Line {
        keyword,
        args,
        rest: rest.to_string(),
    }))
}

/// Split arguments as OpenSSH's `argv_split(..., terminate_on_comment = 1)` does. `None`
/// when a quote is left open.
pub(super) fn argv_split(s: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
        match chars.peek() {
            None | Some('#') => break,
            Some(_) => {}
        }
        let mut arg = String::new();
        let mut quote: Option<char> = None;
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.peek().copied() {
                    Some(n)
                        if n == '\'' || n == '"' || n == '\\' || (quote.is_none() && n == ' ') =>
                    {
                        arg.push(n);
                        chars.next();
                    }
                    _ => arg.push('\\'),
                },
                ' ' | '\t' if quote.is_none() => break,
                '"' | '\'' if quote.is_none() => quote = Some(c),
                _ if quote == Some(c) => quote = None,
                _ => arg.push(c),
            }
        }
        if quote.is_some() {
            return None;
        }
        out.push(arg);
    }
    Some(out)
}

/// `Match` criteria as `match_cfg_line` reads them without a connection: `Ok(None)` for
/// `Match all`, else the attribute/value pairs.
fn match_criteria(rest: &str) -> Result<Option<Vec<(String, String)>>, String> {
    let mut pairs = Vec::new();
    let mut cp = Some(rest);
    let mut attributes = 0;
    while let Some((attrib, after)) = cp.and_then(strdelim) {
        cp = after;
        if attrib.is_empty() || attrib.starts_with('#') {
            break;
        }
        attributes += 1;
        if attrib.eq_ignore_ascii_case("all") {
            let arg = cp.and_then(strdelim);
            let extra = arg
                .as_ref()
                .is_some_and(|(a, _)| !a.is_empty() && !a.starts_with('#'));
            if attributes > 1 || extra {
                return Err("'all' cannot be combined with other Match attributes".to_string());
            }
            return Ok(None);
        }
        let arg = match cp.and_then(strdelim) {
            Some((a, after)) if !a.is_empty() && !a.starts_with('#') => {
                cp = after;
                a
            }
            _ => return Err(format!("missing Match criteria for {attrib}")),
        };
        let known = [
            "user",
            "group",
            "host",
            "address",
            "localaddress",
            "localport",
            "rdomain",
        ];
        let lower = attrib.to_ascii_lowercase();
        if !known.contains(&lower.as_str()) {
            return Err(format!("unsupported Match attribute {attrib}"));
        }
        if lower == "localport" && !matches!(keywords::parse_int(&arg), Some(1..=65535)) {
            return Err(format!("invalid LocalPort {arg:?} on Match line"));
        }
        pairs.push((attrib, arg));
    }
    if attributes == 0 {
        return Err("one or more attributes required for Match".to_string());
    }
    Ok(Some(pairs))
}

/// The value sshd keeps for a line of `keyword` (canonical, lower-case).
fn value_of(keyword: &str, line: &Line) -> String {
    if keywords::takes_raw_rest(keyword) {
        let rest = if keyword == "versionaddendum" {
            line.rest.split('#').next().unwrap_or("")
        } else {
            line.rest.as_str()
        };
        let rest = rest.trim_matches(WS);
        if !rest.is_empty() {
            return rest.to_string();
        }
    }
    line.args.join(" ")
}

/// Record one value in a settings map following sshd's merge rule for the keyword. A later
/// first-wins line with a different value is noted as a conflict.
fn apply(
    map: &mut BTreeMap<String, Setting>,
    notes: &mut Vec<Note>,
    keyword: &str,
    written: &str,
    value: String,
    origin: Origin,
) {
    match keywords::merge_rule(keyword) {
        Merge::First => match map.get(keyword) {
            Some(old) => {
                if !old.value.eq_ignore_ascii_case(&value) {
                    let at = old
                        .origin
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default();
                    notes.push(Note::new(
                        Some(keyword),
                        NoteKind::Conflict,
                        Some(origin),
                        format!(
                            "{written} {value:?} has no effect: sshd keeps the first value \
                             {:?} from {at}",
                            old.value
                        ),
                    ));
                }
            }
            None => {
                map.insert(keyword.to_string(), Setting::file(value, origin));
            }
        },
        Merge::Last => {
            if let Some(old) = map.get(keyword) {
                if !old.value.eq_ignore_ascii_case(&value) {
                    let at = old
                        .origin
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default();
                    notes.push(Note::new(
                        Some(keyword),
                        NoteKind::Conflict,
                        old.origin.clone(),
                        format!(
                            "{written} {:?} at {at} is replaced by {value:?} from {origin}: \
                             OpenSSH 9.2 keeps the last value of this keyword",
                            old.value
                        ),
                    ));
                }
            }
            map.insert(keyword.to_string(), Setting::file(value, origin));
        }
        Merge::Accumulate => match map.get_mut(keyword) {
            Some(existing) => {
                existing.value.push(' ');
                existing.value.push_str(&value);
            }
            None => {
                map.insert(keyword.to_string(), Setting::file(value, origin));
            }
        },
    }
}

// ---------------------------------------------------------------------------------------
// Files, Include and Match

/// Why the effective configuration could not be computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Abort {
    pub reason: String,
    pub permission_denied: bool,
}

impl Abort {
    fn new(reason: String) -> Abort {
        Abort {
            reason,
            permission_denied: false,
        }
    }

    fn read(err: &ReadError, from: &Origin) -> Abort {
        Abort {
            reason: format!(
                "{err} (included from {from}); the effective sshd configuration is unknown"
            ),
            permission_denied: err.is_permission_denied(),
        }
    }
}

/// Which settings the lines being read apply to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The global section.
    Global,
    /// A `Match all` block: applies to every connection, overriding the global section.
    MatchAll,
    /// `match_blocks[i]`.
    Block(usize),
}

struct Parser<'a> {
    root: &'a HostRoot,
    cfg: SshdConfig,
    /// Settings of `Match all` blocks, merged over the global ones at the end.
    match_all: BTreeMap<String, Setting>,
    /// Files being read (outermost first): resolved real path and host path.
    chain: Vec<(PathBuf, String)>,
    parses: usize,
    deadline: Instant,
    limit: Duration,
}

/// Read the main file and everything it includes, then fill in defaults.
pub(super) fn parse_config(root: &HostRoot) -> Result<SshdConfig, Abort> {
    parse_config_within(root, PARSE_TIME_LIMIT)
}

pub(super) fn parse_config_within(root: &HostRoot, limit: Duration) -> Result<SshdConfig, Abort> {
    // sshd reads bytes: a Latin-1 comment must not make the configuration unknown.
    let text = match root.read_lossy(MAIN_CONFIG) {
        Ok(text) => text,
        Err(ReadError::NotFound { .. }) => return Ok(SshdConfig::default()),
        Err(e) => {
            return Err(Abort {
                reason: e.to_string(),
                permission_denied: e.is_permission_denied(),
            })
        }
    };
    let real = root.resolve(MAIN_CONFIG).map_err(|e| Abort {
        reason: e.to_string(),
        permission_denied: e.is_permission_denied(),
    })?;
    let mut parser = Parser {
        root,
        cfg: SshdConfig {
            present: true,
            files: vec![MAIN_CONFIG.to_string()],
            ..SshdConfig::default()
        },
        match_all: BTreeMap::new(),
        chain: vec![(real, MAIN_CONFIG.to_string())],
        parses: 1,
        deadline: Instant::now() + limit,
        limit,
    };
    parser.parse_text(MAIN_CONFIG, &text, Scope::Global, 0)?;
    let mut cfg = parser.finish();
    for (keyword, value) in keywords::DEFAULTS {
        cfg.settings
            .entry((*keyword).to_string())
            .or_insert_with(|| Setting {
                value: (*value).to_string(),
                source: SettingSource::Default,
                origin: None,
            });
    }
    Ok(cfg)
}

impl Parser<'_> {
    fn invalid(&mut self, keyword: Option<&str>, origin: &Origin, message: impl std::fmt::Display) {
        self.cfg.notes.push(Note::new(
            keyword,
            NoteKind::Invalid,
            Some(origin.clone()),
            format!("{origin}: {message} (sshd refuses to start)"),
        ));
    }

    fn check_time(&self, origin: &Origin) -> Result<(), Abort> {
        if Instant::now() > self.deadline {
            return Err(Abort::new(format!(
                "{origin}: reading the sshd configuration took longer than {:?}; Ward \
                 stopped, the effective sshd configuration is unknown",
                self.limit
            )));
        }
        Ok(())
    }

    /// Parse the text of one file whose lines start in scope `entry`.
    fn parse_text(
        &mut self,
        path: &str,
        text: &str,
        entry: Scope,
        depth: usize,
    ) -> Result<(), Abort> {
        let mut scope = entry;
        let (lines, cut) = load_lines(text);
        for n in cut {
            self.cfg.notes.push(Note::new(
                None,
                NoteKind::Ignored,
                Some(Origin::at(path.to_owned(), n)),
                format!(
                    "{path}:{n}: a NUL byte ends this line for sshd; the text after it \
                     (and its line break) is ignored, so the next line is joined to it"
                ),
            ));
        }
        for (index, raw) in lines.iter().enumerate() {
            let origin = Origin::at(path.to_owned(), index + 1);
            let line = match parse_line(raw) {
                Ok(Some(line)) => line,
                Ok(None) => continue,
                Err(message) => {
                    self.invalid(None, &origin, message);
                    continue;
                }
            };
            match line.keyword.to_ascii_lowercase().as_str() {
                "match" => scope = self.start_match(entry, &line, origin),
                "include" => self.include(&line, scope, depth, &origin)?,
                _ => self.set(scope, &line, origin),
            }
        }
        Ok(())
    }

    /// The scope opened by a `Match` line in a file entered in scope `entry`.
    fn start_match(&mut self, entry: Scope, line: &Line, origin: Origin) -> Scope {
        let pairs = match match_criteria(&line.rest) {
            Ok(pairs) => pairs,
            Err(message) => {
                self.invalid(
                    Some("match"),
                    &origin,
                    format!("Bad Match condition: {message}"),
                );
                // sshd stops; keep the lines that follow out of any section Ward judges.
                self.cfg.match_blocks.push(MatchBlock {
                    criteria: line.args.join(" "),
                    origin,
                    settings: BTreeMap::new(),
                });
                return Scope::Block(self.cfg.match_blocks.len() - 1);
            }
        };
        // A Match inside an included file only applies when the block holding the Include
        // matches too: record the conjunction.
        let outer = match entry {
            Scope::Block(i) => self
                .cfg
                .match_blocks
                .get(i)
                .map(|b| (i, b.criteria.clone())),
            Scope::Global | Scope::MatchAll => None,
        };
        match (outer, pairs) {
            (None, None) => Scope::MatchAll,
            (Some((i, _)), None) => Scope::Block(i),
            (outer, Some(pairs)) => {
                let criteria = pairs
                    .iter()
                    .map(|(a, v)| format!("{a} {v}"))
                    .collect::<Vec<_>>()
                    .join(" ");
                let criteria = match outer {
                    Some((_, parent)) => format!("{parent} {criteria}"),
                    None => criteria,
                };
                self.cfg.match_blocks.push(MatchBlock {
                    criteria,
                    origin,
                    settings: BTreeMap::new(),
                });
                Scope::Block(self.cfg.match_blocks.len() - 1)
            }
        }
    }

    /// Record an ordinary keyword line, after checking it as sshd does.
    fn set(&mut self, scope: Scope, line: &Line, origin: Origin) {
        let lower = line.keyword.to_ascii_lowercase();
        let keyword = keywords::canonical(&lower);
        let kind = keywords::allowed(keyword);
        match kind {
            None => {
                self.invalid(
                    Some(keyword),
                    &origin,
                    format!(
                        "unknown keyword {:?} (not an OpenSSH 9.2 option)",
                        line.keyword
                    ),
                );
                return;
            }
            Some(Allowed::Ignored) => {
                self.cfg.notes.push(Note::new(
                    Some(keyword),
                    NoteKind::Ignored,
                    Some(origin.clone()),
                    format!(
                        "{origin}: {} is deprecated or unsupported; sshd ignores it",
                        line.keyword
                    ),
                ));
                return;
            }
            Some(Allowed::Global | Allowed::Anywhere) => {}
        }
        if let Scope::Block(_) = scope {
            if kind == Some(Allowed::Global) {
                self.invalid(
                    Some(keyword),
                    &origin,
                    format!("{} is not allowed inside a Match block", line.keyword),
                );
                return;
            }
        }
        if let Err(why) = keywords::validate(keyword, &line.args) {
            self.invalid(Some(keyword), &origin, format!("{} {why}", line.keyword));
            return;
        }
        let value = value_of(keyword, line);
        let notes = &mut self.cfg.notes;
        match scope {
            Scope::Global => apply(
                &mut self.cfg.settings,
                notes,
                keyword,
                &line.keyword,
                value,
                origin,
            ),
            Scope::MatchAll if kind == Some(Allowed::Anywhere) => apply(
                &mut self.match_all,
                notes,
                keyword,
                &line.keyword,
                value,
                origin,
            ),
            // sshd applies global-only keywords after `Match all` in its global pass.
            Scope::MatchAll => apply(
                &mut self.cfg.settings,
                notes,
                keyword,
                &line.keyword,
                value,
                origin,
            ),
            Scope::Block(i) => {
                if let Some(block) = self.cfg.match_blocks.get_mut(i) {
                    apply(
                        &mut block.settings,
                        notes,
                        keyword,
                        &line.keyword,
                        value,
                        origin,
                    );
                }
            }
        }
    }

    /// Process an `Include` line: every argument, every match, in order.
    fn include(
        &mut self,
        line: &Line,
        scope: Scope,
        depth: usize,
        origin: &Origin,
    ) -> Result<(), Abort> {
        for arg in &line.args {
            if arg.is_empty() {
                self.invalid(Some("include"), origin, "Include: empty argument");
                continue;
            }
            let pattern = if arg.starts_with('/') {
                arg.clone()
            } else if arg.starts_with('~') {
                // sshd does not prefix /etc/ssh here and its glob() does not expand `~`: the
                // pattern is relative to sshd's working directory, `/`.
                self.cfg.notes.push(Note::new(
                    Some("include"),
                    NoteKind::Info,
                    Some(origin.clone()),
                    format!(
                        "{origin}: Include {arg}: sshd does not expand `~`; looked for it under /"
                    ),
                ));
                format!("/{arg}")
            } else {
                format!("{SSH_DIR}/{arg}")
            };
            let paths = self.expand(&pattern, origin)?;
            for path in paths {
                self.include_file(&path, scope, depth + 1, origin)?;
            }
        }
        Ok(())
    }

    /// Read and parse one included file at nesting `depth`.
    fn include_file(
        &mut self,
        host_path: &Path,
        scope: Scope,
        depth: usize,
        origin: &Origin,
    ) -> Result<(), Abort> {
        // Opened by its exact bytes; named in evidence by its display form.
        let shown = display_path(host_path);
        let path = shown.as_str();
        self.check_time(origin)?;
        if depth > MAX_INCLUDE_DEPTH {
            return Err(Abort::new(format!(
                "{origin}: Include {path}: more than {MAX_INCLUDE_DEPTH} nested Include levels \
                 (sshd stops with \"Too many recursive configuration includes\"); the \
                 effective sshd configuration is unknown"
            )));
        }
        self.parses += 1;
        if self.parses > MAX_FILE_PARSES {
            return Err(Abort::new(format!(
                "{origin}: Include {path}: more than {MAX_FILE_PARSES} included files read; \
                 Ward stopped, the effective sshd configuration is unknown"
            )));
        }
        let real = self
            .root
            .resolve(host_path)
            .map_err(|e| Abort::read(&e, origin))?;
        if let Some(start) = self.chain.iter().position(|(r, _)| *r == real) {
            let mut cycle: Vec<&str> = self
                .chain
                .iter()
                .skip(start)
                .map(|(_, p)| p.as_str())
                .collect();
            cycle.push(path);
            return Err(Abort::new(format!(
                "{origin}: Include loop: {}; sshd would stop with \"Too many recursive \
                 configuration includes\", the effective sshd configuration is unknown",
                cycle.join(" -> ")
            )));
        }
        let text = match self.root.read_lossy(host_path) {
            Ok(text) => text,
            Err(ReadError::NotRegular {
                kind: FileKind::Directory,
                ..
            }) => {
                self.cfg.notes.push(Note::new(
                    Some("include"),
                    NoteKind::Info,
                    Some(origin.clone()),
                    format!(
                        "{origin}: Include matched the directory {path}; sshd reads it as empty"
                    ),
                ));
                return Ok(());
            }
            Err(e) => return Err(Abort::read(&e, origin)),
        };
        if !self.cfg.files.iter().any(|f| f == path) {
            self.cfg.files.push(path.to_string());
        }
        self.chain.push((real, path.to_string()));
        let result = self.parse_text(path, &text, scope, depth);
        self.chain.pop();
        result
    }

    /// Expand an Include pattern to sorted host paths as glob(3) does (wildcards in any
    /// component, names starting with `.` only matched by a literal dot), within
    /// [`MAX_GLOB_DIRS`] directory listings, [`MAX_GLOB_PATHS`] paths and the parse
    /// deadline. Exceeding a limit is an error naming it.
    fn expand(&self, pattern: &str, origin: &Origin) -> Result<Vec<PathBuf>, Abort> {
        let limit = |what: String| {
            Abort::new(format!(
                "{origin}: Include {pattern}: {what}; Ward stopped expanding it, the effective \
                 sshd configuration is unknown"
            ))
        };
        let components: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
        let mut current = vec![PathBuf::from("/")];
        let mut listed = 0usize;
        for (i, comp) in components.iter().enumerate() {
            self.check_time(origin)?;
            let last = i + 1 == components.len();
            let mut next = Vec::new();
            for dir in &current {
                if !has_glob_meta(comp) {
                    let path = dir.join(comp);
                    let keep = if last {
                        self.root.symlink_metadata(&path).is_ok()
                    } else {
                        self.root
                            .metadata(&path)
                            .is_ok_and(|m| m.kind == FileKind::Directory)
                    };
                    if keep {
                        next.push(path);
                    }
                    continue;
                }
                self.check_time(origin)?;
                listed += 1;
                if listed > MAX_GLOB_DIRS {
                    return Err(limit(format!(
                        "more than {MAX_GLOB_DIRS} directories listed"
                    )));
                }
                let matcher = glob::Pattern::new(comp)
                    .map_err(|e| limit(format!("invalid glob {comp:?}: {e}")))?;
                let entries = match self.root.read_dir(dir) {
                    Ok(entries) => entries,
                    // glob(3) without GLOB_ERR skips directories it cannot read.
                    Err(_) => continue,
                };
                for e in entries {
                    // glob(3) matches bytes; a name that is not UTF-8 is matched byte by
                    // byte and opened by its bytes.
                    if !glob_matches(&matcher, &e.name) {
                        continue;
                    }
                    if last
                        || self
                            .root
                            .metadata(&e.path)
                            .is_ok_and(|m| m.kind == FileKind::Directory)
                    {
                        next.push(e.path);
                    }
                    if next.len() > MAX_GLOB_PATHS {
                        return Err(limit(format!("more than {MAX_GLOB_PATHS} paths matched")));
                    }
                }
            }
            current = next;
            if current.is_empty() {
                break;
            }
        }
        if components.is_empty() {
            return Ok(Vec::new());
        }
        current.sort();
        current.dedup();
        Ok(current)
    }

    /// Merge `Match all` settings over the global ones and hand back the configuration.
    fn finish(mut self) -> SshdConfig {
        for (keyword, setting) in std::mem::take(&mut self.match_all) {
            let at = setting
                .origin
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            let message = match self.cfg.settings.get(&keyword) {
                Some(old) => format!(
                    "{keyword}: `Match all` at {at} sets {:?}, overriding {:?} from {} for \
                     every connection",
                    setting.value,
                    old.value,
                    old.origin
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default()
                ),
                None => format!(
                    "{keyword}: set by `Match all` at {at}, which applies to every connection"
                ),
            };
            self.cfg.notes.push(Note::new(
                Some(&keyword),
                NoteKind::MatchAll,
                setting.origin.clone(),
                message,
            ));
            self.cfg.settings.insert(keyword, setting);
        }
        self.cfg
    }
}
