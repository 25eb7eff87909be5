//! rsyslog's configuration as rsyslogd 8.2302 (Debian 12) reads it: where logs are written,
//! whether they leave the host, whether the host takes logs from others.
//!
//! Logs kept only on the host they describe are lost with it: an intruder who owns the host
//! deletes them, ransomware encrypts them. So Ward needs to know, as rsyslog would act,
//! which actions forward messages to another host (and for which facilities and
//! severities), which network inputs accept messages from elsewhere, and with what mode
//! rsyslog creates each log file. This module reads the files the way rsyslogd's own lexer
//! and grammar (`grammar/lexer.l`, `grammar/grammar.y`, `runtime/conf.c`) read them:
//!
//! * Each file is read as `readConfFile` prepares it: trailing blanks of every line
//!   dropped, a line ending in `\` joined with the next (whose leading blanks go).
//! * Tokens as rsyslog's flex scanner makes them, longest match first, without case:
//!   `$Directive …` lines (run at once, as rsyslog does while scanning), legacy selector
//!   lines (a PRI filter such as `*.*;auth,authpriv.none` at the start of a line, or a
//!   property filter `:msg, contains, "x"`) followed by legacy actions (`/file`, `-/file`,
//!   `?Template`, `@host`, `@@host`, `:omrelp:host:port`, `:omusrmsg:*`, `|pipe`, `~`,
//!   user names), RainerScript objects (`module()`, `input()`, `action()`, `global()`,
//!   `include()`, `template()`, `ruleset() { … }`, …) with quoted values, `if … then`,
//!   `stop`, `call`, `&`, `{ }`, `#` comments and `/* */` comments.
//! * `$IncludeConfig` and `include(file=…)`: a directory means its files; globs expanded
//!   and the files read in sorted order, each at the point of the include; a wildcard
//!   matching nothing is fine, a missing plain file is an error unless `mode="optional"`;
//!   a file already being read is refused.
//! * A syntax error stops rsyslog's parser: what came before stays in effect, nothing after
//!   is read. It is recorded with the file and line (`stopped`).
//! * Everything rsyslogd reports as an error while loading (`rsyslogd -N1` exits 1) is a
//!   problem with file:line: unknown `$` directives (those of modules only once the module
//!   is loaded), values that are not file modes, unknown facility or priority names,
//!   unknown parameters of the objects Ward models, modules whose file is not installed,
//!   inputs of modules not loaded, legacy actions no module takes, bare user names.
//! * File actions: `$FileCreateMode` applies to the legacy file actions that follow it;
//!   `module(load="builtin:omfile" fileCreateMode=…)` sets the default of the RainerScript
//!   `action(type="omfile")` that follow it; an action's own `fileCreateMode` wins; the
//!   built-in default is 0644. Owners and groups the same way. `$Umask`/`global(umask=)`
//!   is kept: rsyslogd applies it to every file it creates.
//! * Filters: PRI filters are decoded as `DecodePRIFilter` decodes them into a mask per
//!   facility; an action's reach is the mask of its enclosing PRI filters minus what earlier
//!   `stop`/`~` statements under PRI filters discarded. Property and expression filters are
//!   kept as text and make the reach unknown (never assumed complete).
//!
//! Not modelled (shown in `notes` when met): expressions are checked for syntax but not
//! evaluated, rulesets bound to inputs other than by name, `$ActionExecOnly…` rate limits,
//! the parameters of modules Ward does not know (not validated).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{Fact, Origin};
use crate::host_root::{display_path, HostRoot, ReadError};

/// rsyslogd's main configuration file.
pub const RSYSLOG_CONF: &str = "/etc/rsyslog.conf";
/// Where distributions install rsyslog's modules (Debian's multiarch directory, RHEL's
/// lib64, Alpine's lib).
pub const MODULE_DIRS: [&str; 3] = [
    "/usr/lib/*/rsyslog",
    "/usr/lib64/rsyslog",
    "/usr/lib/rsyslog",
];
/// Most files read through includes.
const MAX_FILES: usize = 512;
/// Nesting of includes rsyslog would follow before Ward gives up.
const MAX_DEPTH: usize = 32;
/// Deepest nesting of filters and blocks (and of parentheses in an expression) Ward follows.
const MAX_NESTING: usize = 200;
/// Number of facility slots in a PRI mask (`LOG_NFACILITIES + 1`).
pub const FACILITIES: usize = 25;

/// What rsyslog's configuration makes it do.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Rsyslog {
    /// Files read, in the order rsyslog reads them.
    pub files: Vec<String>,
    /// Modules loaded (`module(load=)`, `$ModLoad`), in order.
    pub modules: Vec<Module>,
    /// Inputs (network and local).
    pub inputs: Vec<Input>,
    /// Output actions, in configuration order.
    pub actions: Vec<Action>,
    /// `$Umask` / `global(umask=)`: the process umask rsyslogd sets (last wins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub umask: Option<Mode>,
    /// Everything rsyslogd reports as an error while loading.
    pub problems: Vec<Problem>,
    /// A syntax error that stopped the parser: nothing after it is in effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<Problem>,
    /// Things Ward did not model that could matter.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Problem>,
}

/// A loaded module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Module {
    pub name: String,
    pub origin: Origin,
}

/// An input: a network listener (`imtcp`, `imudp`, `imrelp`, …) or a local source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Input {
    /// The input module (`imtcp`, `imudp`, `imrelp`, `imptcp`, `imgssapi`, `imuxsock`, …).
    pub module: String,
    /// Port (`port=`, or the legacy directive's argument).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<String>,
    /// Address bound, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Receives from the network (not a local socket or the kernel).
    pub remote: bool,
    pub origin: Origin,
}

/// A file mode with where it was set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mode {
    pub mode: u32,
    /// Where it came from: a file:line, or `rsyslog default`.
    pub from: String,
}

/// One output action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    pub origin: Origin,
    /// The output module: `omfile`, `omfwd`, `omrelp`, `omusrmsg`, `omdiscard`, `ompipe`,
    /// `omshell`, or another module's name.
    pub module: String,
    /// The action as written (legacy text, or `action(type="…")`).
    pub text: String,
    /// The ruleset holding it (`RSYSLOG_DefaultRuleset` for the main flow).
    pub ruleset: String,
    /// The filters enclosing it, outermost first, as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filters: Vec<String>,
    /// Severity bits (bit 0 emerg … bit 7 debug) per facility slot that reach the action,
    /// when every enclosing filter and every earlier conditional discard is a PRI filter;
    /// `None` when that is unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reach: Option<Vec<u8>>,
    /// Why `reach` is unknown, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reach_unknown: Option<String>,
    /// rsyslog disabled it (`config.enabled`, or an error in its definition).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
    /// For omfile: the file and how rsyslog creates it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileAction>,
    /// For network outputs: where messages go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forward: Option<Forward>,
}

/// How an omfile action creates its file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileAction {
    /// The file, or the template naming it for dynamic files.
    pub path: String,
    /// The name comes from a template (`?Template`, `dynaFile=`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dynamic: bool,
    /// The mode rsyslog passes to open(2) when it creates the file.
    pub create_mode: Mode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

/// A network output's destination.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forward {
    pub target: String,
    pub port: String,
    /// `udp`, `tcp`, `relp`, or the module's name for other outputs.
    pub protocol: String,
}

/// A line rsyslog reports or a construct Ward did not model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub origin: Origin,
    pub message: String,
}

/// Read rsyslog's configuration; `None` when `/etc/rsyslog.conf` does not exist. An
/// unreadable main file is an error; unreadable includes are problems (rsyslog reports
/// them and goes on).
pub fn collect(root: &HostRoot) -> Fact<Option<Rsyslog>> {
    collect_from(root, RSYSLOG_CONF)
}

/// Read the configuration starting at `main` (tests point it elsewhere).
pub fn collect_from(root: &HostRoot, main: &str) -> Fact<Option<Rsyslog>> {
    let text = match root.read(main) {
        Ok(b) => b,
        Err(e) if e.is_not_found() => return Fact::Collected { value: None },
        Err(e) => return Fact::from_read_error(&e),
    };
    let mut r = Reader::new(root);
    r.push_file(main, &text);
    r.run();
    r.finish();
    Fact::Collected { value: Some(r.out) }
}

// ---------------------------------------------------------------------------------------
// Input preparation and the scanner.

/// One file's text as `readConfFile` prepares it, with the source line of every byte.
struct Buffer {
    file: String,
    bytes: Vec<u8>,
    lines: Vec<u32>,
    pos: usize,
    /// Scanning has begun (the file is recorded as read).
    started: bool,
}

fn prepare(file: &str, raw: &[u8]) -> Buffer {
    let mut bytes = Vec::with_capacity(raw.len() + 2);
    let mut lines = Vec::with_capacity(raw.len() + 2);
    let mut cont = false;
    let mut lineno = 0u32;
    let mut last_line = 1u32;
    for chunk in raw.split_inclusive(|b| *b == b'\n') {
        lineno += 1;
        let mut start = 0;
        if cont {
            while start < chunk.len() && chunk[start].is_ascii_whitespace() {
                start += 1;
            }
        }
        let mut end = chunk.len();
        while end > start && chunk[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        let mut body = &chunk[start..end];
        if end > 0 && end > start && chunk[end - 1] == b'\\' {
            body = &chunk[start..end - 1];
            cont = true;
        } else if end > start || !cont {
            cont = false;
        }
        for b in body {
            bytes.push(*b);
            lines.push(lineno);
        }
        if !cont {
            bytes.push(b'\n');
            lines.push(lineno);
        }
        last_line = lineno;
    }
    if bytes.last() != Some(&b'\n') {
        bytes.push(b'\n');
        lines.push(last_line.max(1));
    }
    Buffer {
        file: file.to_string(),
        bytes,
        lines,
        pos: 0,
        started: false,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    If,
    Foreach,
    Amp,
    LBrace,
    RBrace,
    Stop,
    Else,
    CallKw,
    Call(String),
    CallIndirect,
    Set,
    Reset,
    Unset,
    Continue,
    /// `name(` of a declarative object, with the object kind.
    BeginObj(String),
    PropFilt(String),
    PriFilt(String),
    LegacyAction(String),
    LegacyRuleset(String),
    BsdSelector(String),
    // INOBJ
    EndObj,
    Name(String),
    Str(String),
    Comma,
    LBracket,
    RBracket,
    Equals,
    // EXPR
    Then,
    Do,
    Semi,
    Expr(String),
    LParen,
    RParen,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Initial,
    InObj,
    Expr,
    InCall,
    Incl,
    Comment,
}

fn lower(b: u8) -> u8 {
    b.to_ascii_lowercase()
}

fn is_alpha(b: u8) -> bool {
    b.is_ascii_alphabetic()
}

/// Object keywords followed by `[ \n\t]*(`.
const OBJECTS: [&str; 15] = [
    "main_queue",
    "timezone",
    "parser",
    "global",
    "template",
    "ruleset",
    "property",
    "constant",
    "input",
    "module",
    "lookup_table",
    "dyn_stats",
    "percentile_stats",
    "include",
    "action",
];

/// Keywords of the INITIAL state, in rule order.
const KEYWORDS: [&str; 14] = [
    "if",
    "foreach",
    "&",
    "{",
    "}",
    "stop",
    "else",
    "call",
    "call_indirect",
    "set",
    "reset",
    "unset",
    "continue",
    "reload_lookup_table",
];

impl Buffer {
    fn at(&self, i: usize) -> u8 {
        self.bytes.get(i).copied().unwrap_or(0)
    }
    fn line_at(&self, i: usize) -> usize {
        self.lines
            .get(i)
            .or(self.lines.last())
            .copied()
            .unwrap_or(1) as usize
    }
    fn bol(&self, i: usize) -> bool {
        i == 0 || self.at(i - 1) == b'\n'
    }
    fn text(&self, a: usize, b: usize) -> String {
        String::from_utf8_lossy(&self.bytes[a..b.min(self.bytes.len())]).into_owned()
    }
    /// Length of a case-insensitive literal match at `i`.
    fn lit(&self, i: usize, s: &str) -> Option<usize> {
        let sb = s.as_bytes();
        if i + sb.len() > self.bytes.len() {
            return None;
        }
        (0..sb.len())
            .all(|k| lower(self.bytes[i + k]) == sb[k])
            .then_some(sb.len())
    }
    /// End of the current line (index of the `\n`).
    fn eol(&self, i: usize) -> usize {
        let mut j = i;
        while j < self.bytes.len() && self.bytes[j] != b'\n' {
            j += 1;
        }
        j
    }
    fn span_while(&self, mut i: usize, f: impl Fn(u8) -> bool) -> usize {
        while i < self.bytes.len() && f(self.bytes[i]) {
            i += 1;
        }
        i
    }
}

/// `^[ \t]*:\$?[a-z\-]+[ ]*,[ ]*!?[a-z]+[ ]*,[ ]*\"(\\\"|[^\"])*\"`
fn m_propfilt(b: &Buffer, i: usize) -> Option<usize> {
    if !b.bol(i) {
        return None;
    }
    let mut j = b.span_while(i, |c| c == b' ' || c == b'\t');
    if b.at(j) != b':' {
        return None;
    }
    j += 1;
    if b.at(j) == b'$' {
        j += 1;
    }
    let k = b.span_while(j, |c| is_alpha(c) || c == b'-');
    if k == j {
        return None;
    }
    j = b.span_while(k, |c| c == b' ');
    if b.at(j) != b',' {
        return None;
    }
    j = b.span_while(j + 1, |c| c == b' ');
    if b.at(j) == b'!' {
        j += 1;
    }
    let k = b.span_while(j, is_alpha);
    if k == j {
        return None;
    }
    j = b.span_while(k, |c| c == b' ');
    if b.at(j) != b',' {
        return None;
    }
    j = b.span_while(j + 1, |c| c == b' ');
    if b.at(j) != b'"' {
        return None;
    }
    j += 1;
    // (\\\"|[^\"])* then \" — greedy with backtracking: the longest match ends at the
    // last quote reachable; [^"] includes newlines.
    let mut last = None;
    let mut k = j;
    while k < b.bytes.len() {
        if b.bytes[k] == b'\\' && b.at(k + 1) == b'"' {
            // Either `\"` as one unit, or `\` as [^"] followed by a closing quote.
            last = Some(k + 2);
            k += 2;
            continue;
        }
        if b.bytes[k] == b'"' {
            last = Some(k + 1);
            break;
        }
        k += 1;
    }
    last.map(|e| e - i)
}

/// `^[ \t]*[\*a-z][\*a-z]*[0-7]*[\.,][,!=;\.\*a-z0-7]+`
fn m_prifilt(b: &Buffer, i: usize) -> Option<usize> {
    if !b.bol(i) {
        return None;
    }
    let mut j = b.span_while(i, |c| c == b' ' || c == b'\t');
    let star_alpha = |c: u8| c == b'*' || is_alpha(c);
    if !star_alpha(b.at(j)) {
        return None;
    }
    j = b.span_while(j, star_alpha);
    j = b.span_while(j, |c| (b'0'..=b'7').contains(&c));
    if b.at(j) != b'.' && b.at(j) != b',' {
        return None;
    }
    j += 1;
    let k = b.span_while(j, |c| {
        b",!=;.*".contains(&c) || is_alpha(c) || (b'0'..=b'7').contains(&c)
    });
    (k > j).then_some(k - i)
}

/// The alternatives of LEGACY_ACTION.
fn m_legacy_action(b: &Buffer, i: usize) -> Option<usize> {
    let c = b.at(i);
    let mut best = 0;
    if c == b'~' || c == b'*' {
        best = 1;
    }
    let rest_of_line = |from: usize| b.eol(from) - i;
    // \-\/[^*][^\n]*
    if c == b'-' && b.at(i + 1) == b'/' && i + 2 < b.bytes.len() && b.at(i + 2) != b'*' {
        best = best.max(rest_of_line(i + 3).max(3));
    }
    // \/[^*][^\n]*
    if c == b'/' && i + 1 < b.bytes.len() && b.at(i + 1) != b'*' {
        let from = i + 2;
        let end = if b.at(i + 1) == b'\n' {
            b.eol(from)
        } else {
            b.eol(i + 1)
        };
        best = best.max((end - i).max(2));
    }
    // :[a-z0-9]+:[^\n]*
    if c == b':' {
        let k = b.span_while(i + 1, |x| x.is_ascii_alphanumeric());
        if k > i + 1 && b.at(k) == b':' {
            best = best.max(rest_of_line(k + 1).max(k + 1 - i));
        }
    }
    // [\|\.\-\@\^?~>][^\n]+
    if b"|.-@^?~>".contains(&c) && b.at(i + 1) != b'\n' && i + 1 < b.bytes.len() {
        best = best.max(rest_of_line(i + 1));
    }
    // [a-z0-9_][a-z0-9_\-\+,;]*
    if c.is_ascii_alphanumeric() || c == b'_' {
        let k = b.span_while(i + 1, |x| {
            x.is_ascii_alphanumeric() || b"_-+,;".contains(&x)
        });
        best = best.max(k - i);
    }
    (best > 0).then_some(best)
}

// ---------------------------------------------------------------------------------------
// The reader: scanner with includes, directives run while scanning, then the grammar.

struct Reader<'a> {
    root: &'a HostRoot,
    out: Rsyslog,
    stack: Vec<Buffer>,
    state: State,
    comment_return: State,
    tokens: Vec<Token>,
    /// Position in `tokens` the parser has consumed (tokens are produced on demand so that
    /// directives run in the order rsyslog runs them).
    next: usize,
    /// Legacy settings frozen into legacy actions.
    legacy: Legacy,
    /// omfile's module defaults for RainerScript actions.
    omfile_mode: Mode,
    omfile_owner: Option<String>,
    omfile_group: Option<String>,
    omfile_params_set: bool,
    /// Modules loaded so far (name without `.so`), builtin ones included.
    loaded: Vec<String>,
    templates: BTreeSet<String>,
    /// Template references to check once everything is read.
    template_refs: Vec<(String, Origin)>,
    current_ruleset: String,
    /// Per ruleset: severity bits still flowing after earlier discards, or why unknown.
    flow: BTreeMap<String, Result<Vec<u8>, String>>,
    called: BTreeSet<String>,
    defined_rulesets: BTreeSet<String>,
    mod_dir: Option<String>,
    include_count: usize,
    failed: bool,
}

#[derive(Clone)]
struct Legacy {
    file_mode: Mode,
    owner: Option<String>,
    group: Option<String>,
}

impl Legacy {
    fn reset() -> Legacy {
        Legacy {
            file_mode: Mode {
                mode: 0o644,
                from: "rsyslog default".into(),
            },
            owner: None,
            group: None,
        }
    }
}

const DEFAULT_RULESET: &str = "RSYSLOG_DefaultRuleset";

const BUILTIN_MODULES: [&str; 6] = [
    "omfile",
    "ompipe",
    "omshell",
    "omdiscard",
    "omfwd",
    "omusrmsg",
];

const BUILTIN_TEMPLATES: [&str; 17] = [
    "RSYSLOG_DebugFormat",
    "RSYSLOG_FileFormat",
    "RSYSLOG_ForwardFormat",
    "RSYSLOG_SysklogdFileFormat",
    "RSYSLOG_SyslogProtocol23Format",
    "RSYSLOG_SyslogRFC5424Format",
    "RSYSLOG_TraditionalFileFormat",
    "RSYSLOG_TraditionalForwardFormat",
    "RSYSLOG_omudpspoofDfltSourceTpl",
    "RSYSLOG_StdJSONFmt",
    " FullJSONFmt",
    " StdClickHouseFmt",
    " StdDBFmt",
    " StdJSONFmt",
    " StdPgSQLFmt",
    " StdUsrMsgFmt",
    " WallFmt",
];

/// Network inputs: module, and whether it listens on the network.
const INPUT_MODULES: [(&str, bool); 12] = [
    ("imtcp", true),
    ("imudp", true),
    ("imrelp", true),
    ("imptcp", true),
    ("imgssapi", true),
    ("imhttp", true),
    ("imuxsock", false),
    ("imklog", false),
    ("imjournal", false),
    ("imfile", false),
    ("immark", false),
    ("impstats", false),
];

/// Output modules that send messages to another host, with the parameter naming it.
const NETWORK_OUTPUTS: [(&str, &str); 8] = [
    ("omfwd", "target"),
    ("omrelp", "target"),
    ("omgssapi", "target"),
    ("omelasticsearch", "server"),
    ("omkafka", "broker"),
    ("omhttp", "server"),
    ("omamqp1", "host"),
    ("omhiredis", "server"),
];

// Parameter names, from each module's parameter blocks in rsyslog 8.2302.
const ACTION_COMMON: &[&str] = &[
    "name",
    "type",
    "action.errorfile",
    "action.errorfile.maxsize",
    "action.writeallmarkmessages",
    "action.execonlyeverynthtime",
    "action.execonlyeverynthtimetimeout",
    "action.execonlyonceeveryinterval",
    "action.execonlywhenpreviousissuspended",
    "action.repeatedmsgcontainsoriginalmsg",
    "action.resumeretrycount",
    "action.reportsuspension",
    "action.reportsuspensioncontinuation",
    "action.resumeintervalmax",
    "action.resumeinterval",
    "action.externalstate.file",
    "action.copymsg",
    "config.enabled",
];
const QUEUE_PARAMS: &[&str] = &[
    "queue.filename",
    "queue.spooldirectory",
    "queue.size",
    "queue.dequeuebatchsize",
    "queue.mindequeuebatchsize",
    "queue.mindequeuebatchsize.timeout",
    "queue.maxdiskspace",
    "queue.highwatermark",
    "queue.lowwatermark",
    "queue.fulldelaymark",
    "queue.lightdelaymark",
    "queue.discardmark",
    "queue.discardseverity",
    "queue.checkpointinterval",
    "queue.syncqueuefiles",
    "queue.type",
    "queue.workerthreads",
    "queue.timeoutshutdown",
    "queue.timeoutactioncompletion",
    "queue.timeoutenqueue",
    "queue.timeoutworkerthreadshutdown",
    "queue.workerthreadminimummessages",
    "queue.maxfilesize",
    "queue.saveonshutdown",
    "queue.dequeueslowdown",
    "queue.dequeuetimebegin",
    "queue.dequeuetimeend",
    "queue.cry.provider",
    "queue.samplinginterval",
    "queue.takeflowctlfrommsg",
];
const OMFWD_ACTION: &[&str] = &[
    "target",
    "address",
    "device",
    "port",
    "protocol",
    "networknamespace",
    "tcp_framing",
    "tcp_framedelimiter",
    "ziplevel",
    "compression.mode",
    "compression.stream.flushontxend",
    "ipfreebind",
    "maxerrormessages",
    "rebindinterval",
    "keepalive",
    "keepalive.probes",
    "keepalive.time",
    "keepalive.interval",
    "conerrskip",
    "gnutlsprioritystring",
    "streamdriver",
    "streamdrivermode",
    "streamdriverauthmode",
    "streamdriverpermittedpeers",
    "streamdriver.permitexpiredcerts",
    "streamdriver.checkextendedkeypurpose",
    "streamdriver.prioritizesan",
    "streamdriver.tlsverifydepth",
    "streamdriver.cafile",
    "streamdriver.keyfile",
    "streamdriver.certfile",
    "resendlastmsgonreconnect",
    "udp.sendtoall",
    "udp.senddelay",
    "udp.sendbuf",
    "template",
    "ratelimit.interval",
    "ratelimit.burst",
];
const OMFILE_ACTION: &[&str] = &[
    "dynafilecachesize",
    "ziplevel",
    "flushinterval",
    "asyncwriting",
    "veryrobustzip",
    "flushontxend",
    "iobuffersize",
    "dirowner",
    "dirownernum",
    "dirgroup",
    "dirgroupnum",
    "fileowner",
    "fileownernum",
    "filegroup",
    "filegroupnum",
    "dircreatemode",
    "filecreatemode",
    "failonchownfailure",
    "createdirs",
    "sync",
    "file",
    "dynafile",
    "sig.provider",
    "cry.provider",
    "closetimeout",
    "rotation.sizelimit",
    "rotation.sizelimitcommand",
    "template",
];
const OMFILE_MODULE: &[&str] = &[
    "template",
    "compression.driver",
    "compression.zstd.workers",
    "dircreatemode",
    "filecreatemode",
    "dirowner",
    "dirownernum",
    "dirgroup",
    "dirgroupnum",
    "fileowner",
    "fileownernum",
    "filegroup",
    "dynafile.donotsuspend",
    "filegroupnum",
];
const OMRELP_ACTION: &[&str] = &[
    "target",
    "tls",
    "tls.compression",
    "tls.prioritystring",
    "tls.cacert",
    "tls.mycert",
    "tls.myprivkey",
    "tls.authmode",
    "tls.tlscfgcmd",
    "tls.permittedpeer",
    "port",
    "rebindinterval",
    "windowsize",
    "timeout",
    "conn.timeout",
    "localclientip",
    "template",
];
const OMUSRMSG_ACTION: &[&str] = &["users", "template"];
const IMTCP_INPUT: &[&str] = &[
    "port",
    "maxsessions",
    "maxlisteners",
    "flowcontrol",
    "disablelfdelimiter",
    "discardtruncatedmsg",
    "notifyonconnectionclose",
    "notifyonconnectionopen",
    "addtlframedelimiter",
    "maxframesize",
    "preservecase",
    "listenportfilename",
    "address",
    "name",
    "defaulttz",
    "ruleset",
    "streamdriver.mode",
    "streamdriver.authmode",
    "streamdriver.permitexpiredcerts",
    "streamdriver.name",
    "streamdriver.checkextendedkeypurpose",
    "streamdriver.prioritizesan",
    "streamdriver.tlsverifydepth",
    "streamdriver.cafile",
    "streamdriver.keyfile",
    "streamdriver.certfile",
    "permittedpeer",
    "gnutlsprioritystring",
    "keepalive",
    "keepalive.probes",
    "keepalive.time",
    "keepalive.interval",
    "supportoctetcountedframing",
    "ratelimit.interval",
    "framingfix.cisco.asa",
    "ratelimit.burst",
];
const IMTCP_MODULE: &[&str] = &[
    "flowcontrol",
    "disablelfdelimiter",
    "discardtruncatedmsg",
    "octetcountedframing",
    "notifyonconnectionclose",
    "notifyonconnectionopen",
    "addtlframedelimiter",
    "maxframesize",
    "maxsessions",
    "maxlistners",
    "maxlisteners",
    "streamdriver.mode",
    "streamdriver.authmode",
    "streamdriver.permitexpiredcerts",
    "streamdriver.name",
    "streamdriver.checkextendedkeypurpose",
    "streamdriver.prioritizesan",
    "streamdriver.tlsverifydepth",
    "permittedpeer",
    "keepalive",
    "keepalive.probes",
    "keepalive.time",
    "keepalive.interval",
    "gnutlsprioritystring",
    "preservecase",
];
const IMUDP_INPUT: &[&str] = &[
    "port",
    "defaulttz",
    "inputname",
    "inputname.appendport",
    "name",
    "name.appendport",
    "address",
    "device",
    "ratelimit.interval",
    "ratelimit.burst",
    "rcvbufsize",
    "ipfreebind",
    "ruleset",
];
const IMUDP_MODULE: &[&str] = &[
    "schedulingpolicy",
    "schedulingpriority",
    "batchsize",
    "threads",
    "timerequery",
    "preservecase",
];
const IMRELP_INPUT: &[&str] = &[
    "port",
    "address",
    "name",
    "ruleset",
    "keepalive",
    "keepalive.probes",
    "keepalive.time",
    "keepalive.interval",
    "maxdatasize",
    "oversizemode",
    "flowcontrol",
    "tls",
    "tls.permittedpeer",
    "tls.authmode",
    "tls.dhbits",
    "tls.prioritystring",
    "tls.cacert",
    "tls.mycert",
    "tls.myprivkey",
    "tls.tlscfgcmd",
    "tls.compression",
];
const IMRELP_MODULE: &[&str] = &["ruleset", "tls.tlslib"];
const IMUXSOCK_MODULE: &[&str] = &[
    "syssock.use",
    "syssock.name",
    "syssock.unlink",
    "syssock.ignoretimestamp",
    "syssock.ignoreownmessages",
    "syssock.flowcontrol",
    "syssock.usesystimestamp",
    "syssock.annotate",
    "syssock.parsetrusted",
    "syssock.usespecialparser",
    "syssock.parsehostname",
    "syssock.usepidfromsystem",
    "syssock.ratelimit.interval",
    "syssock.ratelimit.burst",
    "syssock.ratelimit.severity",
];
const IMUXSOCK_INPUT: &[&str] = &[
    "socket",
    "unlink",
    "createpath",
    "parsetrusted",
    "ignoreownmessages",
    "hostname",
    "ignoretimestamp",
    "flowcontrol",
    "usesystimestamp",
    "annotate",
    "usespecialparser",
    "parsehostname",
    "usepidfromsystem",
    "ruleset",
    "ratelimit.interval",
    "ratelimit.burst",
    "ratelimit.severity",
];
const IMKLOG_MODULE: &[&str] = &[
    "ruleset",
    "logpath",
    "permitnonkernelfacility",
    "consoleloglevel",
    "parsekerneltimestamp",
    "keepkerneltimestamp",
    "internalmsgfacility",
    "ratelimitinterval",
    "ratelimitburst",
];
const IMJOURNAL_MODULE: &[&str] = &[
    "statefile",
    "ratelimit.interval",
    "ratelimit.burst",
    "persiststateinterval",
    "ignorepreviousmessages",
    "ignorenonvalidstatefile",
    "defaultseverity",
    "defaultfacility",
    "usepidfromsystem",
    "usepid",
    "workaroundjournalbug",
    "fsync",
    "remote",
];
const IMMARK_MODULE: &[&str] = &[
    "ruleset",
    "markmessagetext",
    "use.syslogcall",
    "use.markflag",
    "interval",
];

/// `global()` parameters of rsyslog 8.2302 (`runtime/glbl.c`).
const GLOBAL_PARAMS: &[&str] = &[
    "workdirectory",
    "operatingstatefile",
    "dropmsgswithmaliciousdnsptrrecords",
    "localhostname",
    "preservefqdn",
    "debug.onshutdown",
    "debug.logfile",
    "debug.gnutls",
    "debug.unloadmodules",
    "defaultnetstreamdrivercafile",
    "defaultnetstreamdriverkeyfile",
    "defaultnetstreamdrivercertfile",
    "defaultnetstreamdriver",
    "netstreamdrivercaextrafiles",
    "maxmessagesize",
    "oversizemsg.errorfile",
    "oversizemsg.report",
    "oversizemsg.input.mode",
    "reportchildprocessexits",
    "action.reportsuspension",
    "action.reportsuspensioncontinuation",
    "parser.controlcharacterescapeprefix",
    "parser.droptrailinglfonreception",
    "parser.escapecontrolcharactersonreceive",
    "parser.spacelfonreceive",
    "parser.escape8bitcharactersonreceive",
    "parser.escapecontrolcharactertab",
    "parser.escapecontrolcharacterscstyle",
    "parser.parsehostnameandtag",
    "parser.permitslashinprogramname",
    "stdlog.channelspec",
    "janitor.interval",
    "senders.reportnew",
    "senders.reportgoneaway",
    "senders.timeoutafter",
    "senders.keeptrack",
    "inputs.timeout.shutdown",
    "privdrop.group.keepsupplemental",
    "privdrop.group.id",
    "privdrop.group.name",
    "privdrop.user.id",
    "privdrop.user.name",
    "net.ipprotocol",
    "net.acladdhostnameonfail",
    "net.aclresolvehostname",
    "net.enabledns",
    "net.permitaclwarning",
    "abortonuncleanconfig",
    "abortonfailedqueuestartup",
    "variables.casesensitive",
    "environment",
    "processinternalmessages",
    "umask",
    "security.abortonidresolutionfail",
    "internal.developeronly.options",
    "internalmsg.ratelimit.interval",
    "internalmsg.ratelimit.burst",
    "internalmsg.severity",
    "errormessagestostderr.maxnumber",
    "shutdown.enable.ctlc",
    "default.action.queue.timeoutshutdown",
    "default.action.queue.timeoutactioncompletion",
    "default.action.queue.timeoutenqueue",
    "default.action.queue.timeoutworkerthreadshutdown",
    "default.ruleset.queue.timeoutshutdown",
    "default.ruleset.queue.timeoutactioncompletion",
    "default.ruleset.queue.timeoutenqueue",
    "default.ruleset.queue.timeoutworkerthreadshutdown",
    "reverselookup.cache.ttl.default",
    "reverselookup.cache.ttl.enable",
    "parser.supportcompressionextension",
    "shutdown.queue.doublesize",
    "debug.files",
    "debug.whitelist",
];

/// `$` directives rsyslog's core and built-in modules register (lower case).
const CORE_DIRECTIVES: &[&str] = &[
    // rsconf.c
    "abortonuncleanconfig",
    "actionresumeinterval",
    "allowedsender",
    "debugprintcfsyslinehandlerlist",
    "debugprintmodulelist",
    "debugprinttemplatelist",
    "defaultruleset",
    "errormessagestostderr",
    "generateconfiggraph",
    "logrsyslogstatusmessages",
    "mainmsgqueuecheckpointinterval",
    "mainmsgqueuedequeuebatchsize",
    "mainmsgqueuedequeueslowdown",
    "mainmsgqueuedequeuetimebegin",
    "mainmsgqueuedequeuetimeend",
    "mainmsgqueuediscardmark",
    "mainmsgqueuediscardseverity",
    "mainmsgqueuefilename",
    "mainmsgqueuehighwatermark",
    "mainmsgqueuelowwatermark",
    "mainmsgqueuemaxdiskspace",
    "mainmsgqueuemaxfilesize",
    "mainmsgqueuesaveonshutdown",
    "mainmsgqueuesize",
    "mainmsgqueuesyncqueuefiles",
    "mainmsgqueuetimeoutactioncompletion",
    "mainmsgqueuetimeoutenqueue",
    "mainmsgqueuetimeoutshutdown",
    "mainmsgqueuetype",
    "mainmsgqueueworkerthreadminimummessages",
    "mainmsgqueueworkerthreads",
    "mainmsgqueueworkertimeoutthreadshutdown",
    "maxopenfiles",
    "moddir",
    "modload",
    "outchannel",
    "privdroptogroup",
    "privdroptogroupid",
    "privdroptouser",
    "privdroptouserid",
    "repeatedmsgreduction",
    "resetconfigvariables",
    "ruleset",
    "sleep",
    "template",
    "umask",
    // glbl.c
    "controlcharacterescapeprefix",
    "debugfile",
    "debuglevel",
    "defaultnetstreamdriver",
    "defaultnetstreamdrivercafile",
    "defaultnetstreamdrivercertfile",
    "defaultnetstreamdriverkeyfile",
    "dropmsgswithmaliciousdnsptrrecords",
    "droptrailinglfonreception",
    "escape8bitcharactersonreceive",
    "escapecontrolcharactersonreceive",
    "escapecontrolcharactertab",
    "localhostipif",
    "localhostname",
    "maxmessagesize",
    "netstreamdrivercaextrafiles",
    "optimizeforuniprocessor",
    "preservefqdn",
    "spacelfonreceive",
    "workdirectory",
    // ruleset.c
    "rulesetcreatemainqueue",
    "rulesetparser",
    // action.c
    "actionexeconlyeverynthtime",
    "actionexeconlyeverynthtimetimeout",
    "actionexeconlyonceeveryinterval",
    "actionexeconlywhenpreviousissuspended",
    "actionname",
    "actionqueuecheckpointinterval",
    "actionqueuedequeuebatchsize",
    "actionqueuedequeueslowdown",
    "actionqueuedequeuetimebegin",
    "actionqueuedequeuetimeend",
    "actionqueuediscardmark",
    "actionqueuediscardseverity",
    "actionqueuefilename",
    "actionqueuehighwatermark",
    "actionqueuelowwatermark",
    "actionqueuemaxdiskspace",
    "actionqueuemaxfilesize",
    "actionqueuesaveonshutdown",
    "actionqueuesize",
    "actionqueuesyncqueuefiles",
    "actionqueuetimeoutactioncompletion",
    "actionqueuetimeoutenqueue",
    "actionqueuetimeoutshutdown",
    "actionqueuetype",
    "actionqueueworkerthreadminimummessages",
    "actionqueueworkerthreads",
    "actionqueueworkertimeoutthreadshutdown",
    "actionresumeretrycount",
    "actionwriteallmarkmessages",
    "repeatedmsgcontainsoriginalmsg",
    // omfile.c
    "actionfiledefaulttemplate",
    "actionfileenablesync",
    "createdirs",
    "dircreatemode",
    "dirgroup",
    "dirgroupnum",
    "dirowner",
    "dirownernum",
    "dynafilecachesize",
    "failonchownfailure",
    "filecreatemode",
    "filegroup",
    "filegroupnum",
    "fileowner",
    "fileownernum",
    "omfileasyncwriting",
    "omfileflushinterval",
    "omfileflushontxend",
    "omfileforcechown",
    "omfileiobuffersize",
    "omfileziplevel",
    // omfwd.c
    "actionforwarddefaulttemplate",
    "actionsendresendlastmsgonreconnect",
    "actionsendstreamdriver",
    "actionsendstreamdriverauthmode",
    "actionsendstreamdrivermode",
    "actionsendstreamdriverpermittedpeer",
    "actionsendtcpkeepalive",
    "actionsendtcpkeepalive_intvl",
    "actionsendtcpkeepalive_probes",
    "actionsendtcpkeepalive_time",
    "actionsendtcprebindinterval",
    "actionsendudprebindinterval",
];

/// `$` directives of loadable modules, registered once the module is loaded.
fn module_directives(module: &str) -> &'static [&'static str] {
    match module {
        "imuxsock" => &[
            "addunixlistensocket",
            "imuxsockratelimitburst",
            "imuxsockratelimitinterval",
            "imuxsockratelimitseverity",
            "inputunixlistensocketannotate",
            "inputunixlistensocketcreatepath",
            "inputunixlistensocketflowcontrol",
            "inputunixlistensockethostname",
            "inputunixlistensocketignoremsgtimestamp",
            "inputunixlistensocketusepidfromsystem",
            "inputunixlistensocketusesystimestamp",
            "omitlocallogging",
            "systemlogflowcontrol",
            "systemlogparsetrusted",
            "systemlogratelimitburst",
            "systemlogratelimitinterval",
            "systemlogratelimitseverity",
            "systemlogsocketannotate",
            "systemlogsocketignoremsgtimestamp",
            "systemlogsocketname",
            "systemlogusepidfromsystem",
            "systemlogusesystimestamp",
            "resetconfigvariables",
        ],
        "imklog" => &[
            "debugprintkernelsymbols",
            "kloglocalipif",
            "klogconsoleloglevel",
            "kloginternalmsgfacility",
            "klogkeepkerneltimestamp",
            "klogparsekerneltimestamp",
            "klogpath",
            "klogpermitnonkernelfacility",
            "klogsymbollookup",
            "klogsymbolstwice",
            "klogusesyscallinterface",
            "resetconfigvariables",
        ],
        "imudp" => &[
            "imudpschedulingpolicy",
            "imudpschedulingpriority",
            "inputudpserverbindruleset",
            "resetconfigvariables",
            "udpserveraddress",
            "udpserverrun",
            "udpservertimerequery",
        ],
        "imtcp" => &[
            "inputtcpserverrun",
            "inputtcpserverinputname",
            "inputtcpserverbindruleset",
            "inputtcpserverstreamdriverpermittedpeer",
            "inputtcpserverstreamdriverauthmode",
            "inputtcpserverkeepalive",
            "inputtcpserverkeepalive_probes",
            "inputtcpserverkeepalive_intvl",
            "inputtcpserverkeepalive_time",
            "inputtcpflowcontrol",
            "inputtcpserverdisablelfdelimiter",
            "inputtcpserveraddtlframedelimiter",
            "inputtcpserversupportoctetcountedframing",
            "inputtcpmaxsessions",
            "inputtcpmaxlisteners",
            "inputtcpservernotifyonconnectionclose",
            "inputtcpserverstreamdrivermode",
            "inputtcpserverpreservecase",
            "inputtcpserverlistenportfile",
            "resetconfigvariables",
        ],
        "imrelp" => &[
            "inputrelpserverbindruleset",
            "inputrelpserverrun",
            "resetconfigvariables",
        ],
        "imjournal" => &[
            "imjournaldefaultfacility",
            "imjournaldefaultseverity",
            "imjournalignorepreviousmessages",
            "imjournalpersiststateinterval",
            "imjournalratelimitburst",
            "imjournalratelimitinterval",
            "imjournalstatefile",
            "imjournalusepidfromsystem",
        ],
        "immark" => &["markmessageperiod", "resetconfigvariables"],
        _ => &[],
    }
}

/// Loadable modules whose parameters and directives Ward knows.
const MODELLED_MODULES: [&str; 8] = [
    "imuxsock",
    "imklog",
    "imudp",
    "imtcp",
    "imrelp",
    "imjournal",
    "immark",
    "omrelp",
];

fn module_params(module: &str) -> Option<&'static [&'static str]> {
    Some(match module {
        "imtcp" => IMTCP_MODULE,
        "imudp" => IMUDP_MODULE,
        "imrelp" => IMRELP_MODULE,
        "imuxsock" => IMUXSOCK_MODULE,
        "imklog" => IMKLOG_MODULE,
        "imjournal" => IMJOURNAL_MODULE,
        "immark" => IMMARK_MODULE,
        "omrelp" => &["tls.tlslib"],
        "builtin:omfile" => OMFILE_MODULE,
        "builtin:omfwd" => &["template"],
        _ => return None,
    })
}

fn input_params(module: &str) -> Option<&'static [&'static str]> {
    Some(match module {
        "imtcp" => IMTCP_INPUT,
        "imudp" => IMUDP_INPUT,
        "imrelp" => IMRELP_INPUT,
        "imuxsock" => IMUXSOCK_INPUT,
        _ => return None,
    })
}

fn required_input_params(module: &str) -> &'static [&'static str] {
    match module {
        "imtcp" | "imudp" | "imrelp" => &["port"],
        "imuxsock" => &["socket"],
        _ => &[],
    }
}

fn action_params(module: &str) -> Option<&'static [&'static str]> {
    Some(match module {
        "omfwd" => OMFWD_ACTION,
        "omfile" => OMFILE_ACTION,
        "omrelp" => OMRELP_ACTION,
        "omusrmsg" => OMUSRMSG_ACTION,
        "omdiscard" => &[],
        "ompipe" => &["pipe", "template", "tryresumereopen"],
        _ => return None,
    })
}

/// An object's parameters: name (lower case), value, line.
#[derive(Debug, Clone)]
struct Param {
    name: String,
    value: Value,
    origin: Origin,
}

#[derive(Debug, Clone)]
enum Value {
    Str(String),
    Array(Vec<String>),
}

impl Value {
    fn text(&self) -> String {
        match self {
            Value::Str(s) => s.clone(),
            Value::Array(v) => format!("[{}]", v.join(", ")),
        }
    }
}

/// A parse failure that stops rsyslog's parser.
struct Stop;

impl<'a> Reader<'a> {
    fn new(root: &'a HostRoot) -> Reader<'a> {
        let mut flow = BTreeMap::new();
        flow.insert(DEFAULT_RULESET.to_string(), Ok(vec![0xffu8; FACILITIES]));
        Reader {
            root,
            out: Rsyslog::default(),
            stack: Vec::new(),
            state: State::Initial,
            comment_return: State::Initial,
            tokens: Vec::new(),
            next: 0,
            legacy: Legacy::reset(),
            omfile_mode: Mode {
                mode: 0o644,
                from: "rsyslog default".into(),
            },
            omfile_owner: None,
            omfile_group: None,
            omfile_params_set: false,
            loaded: BUILTIN_MODULES.iter().map(|s| s.to_string()).collect(),
            templates: BUILTIN_TEMPLATES.iter().map(|s| s.to_string()).collect(),
            template_refs: Vec::new(),
            current_ruleset: DEFAULT_RULESET.to_string(),
            flow,
            called: BTreeSet::new(),
            defined_rulesets: BTreeSet::new(),
            mod_dir: None,
            include_count: 0,
            failed: false,
        }
    }

    fn problem(&mut self, origin: Origin, message: impl Into<String>) {
        self.out.problems.push(Problem {
            origin,
            message: message.into(),
        });
    }

    fn note(&mut self, origin: Origin, message: impl Into<String>) {
        self.out.notes.push(Problem {
            origin,
            message: message.into(),
        });
    }

    fn push_file(&mut self, path: &str, raw: &[u8]) {
        self.stack.push(prepare(path, raw));
    }

    fn here(&self) -> Origin {
        match self.stack.last() {
            Some(b) => Origin::at(b.file.clone(), b.line_at(b.pos)),
            None => Origin::file(RSYSLOG_CONF),
        }
    }

    // ----- scanning

    /// Produce the next token (scanning through includes), or `None` at the end.
    fn scan(&mut self) -> Option<Token> {
        loop {
            let b = self.stack.last_mut()?;
            if !b.started {
                b.started = true;
                let f = b.file.clone();
                self.out.files.push(f);
                continue;
            }
            if b.pos >= b.bytes.len() {
                self.stack.pop();
                continue;
            }
            if let Some(t) = self.scan_one() {
                return Some(t);
            }
        }
    }

    fn emit(&mut self, start: usize, len: usize, tok: Tok) -> Option<Token> {
        let b = self.stack.last_mut()?;
        let origin = Origin::at(b.file.clone(), b.line_at(start));
        b.pos = start + len;
        Some(Token { tok, origin })
    }

    fn skip(&mut self, len: usize) -> Option<Token> {
        if let Some(b) = self.stack.last_mut() {
            b.pos += len;
        }
        None
    }

    fn invalid_char(&mut self, what: &str) -> Option<Token> {
        let (c, origin) = {
            let b = self.stack.last()?;
            (
                b.text(b.pos, b.pos + 1),
                Origin::at(b.file.clone(), b.line_at(b.pos)),
            )
        };
        self.problem(origin, format!("invalid character {c:?} {what}"));
        self.skip(1)
    }

    fn scan_one(&mut self) -> Option<Token> {
        match self.state {
            State::Comment => {
                let b = self.stack.last()?;
                let i = b.pos;
                let mut j = i;
                while j < b.bytes.len() && !(b.bytes[j] == b'*' && b.at(j + 1) == b'/') {
                    j += 1;
                }
                if j >= b.bytes.len() {
                    return self.skip(j - i);
                }
                self.state = self.comment_return;
                self.skip(j + 2 - i)
            }
            State::InObj => self.scan_inobj(),
            State::Incl => {
                let b = self.stack.last()?;
                let i = b.pos;
                if matches!(b.at(i), b' ' | b'\t' | b'\n') {
                    return self.skip(1);
                }
                let k = b.span_while(i, |c| !matches!(c, b' ' | b'\t' | b'\n'));
                let name = b.text(i, k);
                let origin = Origin::at(b.file.clone(), b.line_at(i));
                self.skip(k - i);
                self.state = State::Initial;
                if !self.include(&name, false, &origin) {
                    // The scanner stops: rsyslog reads nothing more.
                    let p = Problem {
                        origin,
                        message: format!("$IncludeConfig {name} failed: rsyslog stops reading the configuration here"),
                    };
                    self.out.stopped = Some(p);
                    self.stack.clear();
                }
                None
            }
            State::Expr => self.scan_expr(),
            State::InCall => {
                let b = self.stack.last()?;
                let i = b.pos;
                let c = b.at(i);
                if c == b' ' || c == b'\t' || c == b'\n' {
                    return self.skip(1);
                }
                if is_alpha(c) {
                    let k =
                        b.span_while(i + 1, |x| x.is_ascii_alphanumeric() || b"-_.".contains(&x));
                    let name = b.text(i, k);
                    self.state = State::Initial;
                    return self.emit(i, k - i, Tok::Call(name));
                }
                self.invalid_char("in 'call' statement")
            }
            State::Initial => self.scan_initial(),
        }
    }

    fn scan_initial(&mut self) -> Option<Token> {
        let b = self.stack.last()?;
        let i = b.pos;
        // Candidate matches: (length, rule index, kind).
        let mut best: Option<(usize, usize, u8)> = None;
        let mut consider = |len: Option<usize>, rule: usize, kind: u8| {
            if let Some(len) = len.filter(|l| *l > 0) {
                if best.is_none_or(|(bl, br, _)| len > bl || (len == bl && rule < br)) {
                    best = Some((len, rule, kind));
                }
            }
        };
        for (k, kw) in KEYWORDS.iter().enumerate() {
            consider(b.lit(i, kw), k, 0);
        }
        // Objects: name[ \n\t]*(
        for (k, obj) in OBJECTS.iter().enumerate() {
            if let Some(l) = b.lit(i, obj) {
                let j = b.span_while(i + l, |c| c == b' ' || c == b'\t' || c == b'\n');
                if b.at(j) == b'(' {
                    consider(Some(j + 1 - i), 20 + k, 1);
                }
            }
        }
        consider(m_propfilt(b, i), 40, 2);
        consider(m_prifilt(b, i), 41, 3);
        consider(m_legacy_action(b, i), 42, 4);
        if b.at(i) == b'/' && b.at(i + 1) == b'*' {
            consider(Some(2), 43, 5);
        }
        if b.at(i) == b'$' && is_alpha(b.at(i + 1)) {
            consider(Some(b.eol(i) - i), 44, 6);
        }
        // BSD-style selectors: !prog, +host, -host.
        if b.at(i) == b'!' {
            let k = b.span_while(i + 1, |c| c != b' ' && c != b'\t' && c != b'\n');
            let e = b.span_while(k, |c| c == b' ' || c == b'\t');
            if k > i + 1 && b.at(e) == b'\n' {
                consider(Some(e - i), 45, 7);
            }
        }
        if (b.at(i) == b'+' || b.at(i) == b'-') && b.at(i + 1) == b'*' {
            let e = b.span_while(i + 2, |c| c == b' ' || c == b'\t' || c == b'\n');
            if b.at(e) == b'#' {
                consider(Some(b.eol(e) - i), 46, 7);
            } else if e > i + 2 && b.at(e - 1) == b'\n' || b.at(e) == b'\n' {
                consider(Some(b.eol(i + 2) - i), 46, 7);
            }
        }
        if b.bol(i) {
            let j = b.span_while(i, |c| c == b' ' || c == b'\t');
            if b.at(j) == b'+' || b.at(j) == b'-' {
                let k = b.span_while(j + 1, |c| c.is_ascii_alphanumeric() || b".:-".contains(&c));
                let e = b.span_while(k, |c| c == b' ' || c == b'\t');
                if k > j + 1 && b.at(e) == b'\n' {
                    consider(Some(e - i), 47, 7);
                }
            }
        }
        if b.at(i) == b'#' {
            consider(Some(b.eol(i) + 1 - i), 48, 8);
        }
        if matches!(b.at(i), b'\n' | b'\t' | b' ') {
            consider(Some(1), 49, 9);
        }
        let Some((len, rule, kind)) = best else {
            return self.invalid_char("- is there an invalid escape sequence somewhere?");
        };
        let text = b.text(i, i + len);
        match kind {
            0 => {
                let kw = KEYWORDS[rule];
                let tok = match kw {
                    "if" => {
                        self.state = State::Expr;
                        Tok::If
                    }
                    "foreach" => {
                        self.state = State::Expr;
                        Tok::Foreach
                    }
                    "&" => Tok::Amp,
                    "{" => Tok::LBrace,
                    "}" => Tok::RBrace,
                    "stop" => Tok::Stop,
                    "else" => Tok::Else,
                    "call" => {
                        self.state = State::InCall;
                        Tok::CallKw
                    }
                    "call_indirect" => {
                        self.state = State::Expr;
                        Tok::CallIndirect
                    }
                    "set" => {
                        self.state = State::Expr;
                        Tok::Set
                    }
                    "reset" => {
                        self.state = State::Expr;
                        Tok::Reset
                    }
                    "unset" => {
                        self.state = State::Expr;
                        Tok::Unset
                    }
                    "continue" => Tok::Continue,
                    _ => {
                        // reload_lookup_table(...): a procedure call; Ward scans past it.
                        self.state = State::Expr;
                        Tok::Expr("reload_lookup_table".into())
                    }
                };
                self.emit(i, len, tok)
            }
            1 => {
                let name = OBJECTS[rule - 20].to_string();
                self.state = State::InObj;
                self.emit(i, len, Tok::BeginObj(name))
            }
            2 => self.emit(i, len, Tok::PropFilt(text.trim_start().to_string())),
            3 => self.emit(i, len, Tok::PriFilt(text.trim_start().to_string())),
            4 => self.emit(i, len, Tok::LegacyAction(text)),
            5 => {
                self.comment_return = State::Initial;
                self.state = State::Comment;
                self.skip(2)
            }
            6 => {
                let origin = self.here();
                if text.len() >= 14 && text.as_bytes()[..14].eq_ignore_ascii_case(b"$includeconfig")
                {
                    // rsyslog keeps the first 14 characters and reads the next word as the
                    // file to include (on a later line if need be).
                    self.state = State::Incl;
                    return self.skip(14);
                }
                self.skip(len);
                if text.len() >= 9 && text.as_bytes()[..9].eq_ignore_ascii_case(b"$ruleset ") {
                    return Some(Token {
                        tok: Tok::LegacyRuleset(text),
                        origin,
                    });
                }
                self.directive(&text[1..], origin);
                None
            }
            7 => self.emit(i, len, Tok::BsdSelector(text)),
            _ => self.skip(len),
        }
    }

    fn scan_inobj(&mut self) -> Option<Token> {
        let b = self.stack.last()?;
        let i = b.pos;
        let c = b.at(i);
        match c {
            b')' => {
                self.state = State::Initial;
                self.emit(i, 1, Tok::EndObj)
            }
            b',' => self.emit(i, 1, Tok::Comma),
            b'[' => self.emit(i, 1, Tok::LBracket),
            b']' => self.emit(i, 1, Tok::RBracket),
            b'=' => self.emit(i, 1, Tok::Equals),
            b' ' | b'\n' | b'\t' => self.skip(1),
            b'#' => {
                let e = b.eol(i);
                self.skip(e - i)
            }
            b'/' if b.at(i + 1) == b'*' => {
                self.comment_return = State::InObj;
                self.state = State::Comment;
                self.skip(2)
            }
            b'"' | b'`' => match scan_obj_string(b, i, c) {
                Some((len, val)) => {
                    if c == b'`' {
                        let origin = Origin::at(b.file.clone(), b.line_at(i));
                        self.note(origin, "backtick value (echo/cat) not evaluated by Ward");
                    }
                    self.emit(i, len, Tok::Str(val))
                }
                None => self.invalid_char(
                    "in object definition - is there an invalid escape sequence somewhere?",
                ),
            },
            _ if is_alpha(c) => {
                let k = b.span_while(i + 1, |x| {
                    x.is_ascii_alphanumeric() || x == b'_' || x == b'.'
                });
                let name = b.text(i, k).to_ascii_lowercase();
                self.emit(i, k - i, Tok::Name(name))
            }
            _ => self.invalid_char(
                "in object definition - is there an invalid escape sequence somewhere?",
            ),
        }
    }

    fn scan_expr(&mut self) -> Option<Token> {
        let b = self.stack.last()?;
        let i = b.pos;
        let c = b.at(i);
        match c {
            b' ' | b'\t' | b'\n' => return self.skip(1),
            b'(' => return self.emit(i, 1, Tok::LParen),
            b')' => return self.emit(i, 1, Tok::RParen),
            b';' => {
                self.state = State::Initial;
                return self.emit(i, 1, Tok::Semi);
            }
            b'/' if b.at(i + 1) == b'*' => {
                self.comment_return = State::Expr;
                self.state = State::Comment;
                return self.skip(2);
            }
            _ => {}
        }
        // Two-character operators first (longest match).
        for op in ["==", "<=", ">=", "!=", "<>"] {
            if b.lit(i, op).is_some() {
                return self.emit(i, 2, Tok::Expr(op.into()));
            }
        }
        if b"=,*/%+&-[]<>".contains(&c) {
            let s = (c as char).to_string();
            return self.emit(i, 1, Tok::Expr(s));
        }
        if c.is_ascii_digit() {
            let k = if c == b'0' && lower(b.at(i + 1)) == b'x' {
                b.span_while(i + 2, |x| x.is_ascii_hexdigit())
            } else {
                b.span_while(i + 1, |x| x.is_ascii_digit())
            };
            let t = b.text(i, k);
            return self.emit(i, k - i, Tok::Expr(t));
        }
        if c == b'$' {
            let mut k = i + 1;
            if b"$!./".contains(&b.at(k)) {
                k += 1;
            }
            k = b.span_while(k, |x| is_alpha(x) || x == b'@' || x == b'_');
            k = b.span_while(k, |x| x.is_ascii_alphanumeric() || b"!@-_.[]".contains(&x));
            let t = b.text(i, k);
            return self.emit(i, k - i, Tok::Expr(t));
        }
        if c == b'\'' || c == b'"' || c == b'`' {
            return match scan_expr_string(b, i, c) {
                Ok(len) => {
                    let t = b.text(i, i + len);
                    self.emit(i, len, Tok::Expr(t))
                }
                Err(Some(len)) => {
                    let origin = Origin::at(b.file.clone(), b.line_at(i));
                    self.problem(origin, "$-sign in double quotes must be escaped");
                    self.skip(len)
                }
                Err(None) => self
                    .invalid_char("in expression - is there an invalid escape sequence somewhere?"),
            };
        }
        if is_alpha(c) {
            let k = b.span_while(i + 1, |x| x.is_ascii_alphanumeric() || x == b'_');
            let word = b.text(i, k).to_ascii_lowercase();
            return match word.as_str() {
                "then" => {
                    self.state = State::Initial;
                    self.emit(i, k - i, Tok::Then)
                }
                "do" => {
                    self.state = State::Initial;
                    self.emit(i, k - i, Tok::Do)
                }
                _ => self.emit(i, k - i, Tok::Expr(word)),
            };
        }
        self.invalid_char("in expression - is there an invalid escape sequence somewhere?")
    }

    // ----- includes and directives

    /// `cnfDoInclude`: push the files `name` names so that they are read in sorted order,
    /// at this point of the configuration. Returns false where rsyslog's returns an error
    /// (a matched name that cannot be examined, when the include is not optional): the
    /// files after it in sorted order were already pushed, those before it are not.
    fn include(&mut self, name: &str, optional: bool, origin: &Origin) -> bool {
        self.include_at(name, optional, origin, 0)
    }

    fn include_at(&mut self, name: &str, optional: bool, origin: &Origin, depth: usize) -> bool {
        if self.stack.len() > MAX_DEPTH || depth > MAX_DEPTH {
            self.problem(origin.clone(), format!("include {name}: nested too deep"));
            return false;
        }
        let mut pattern = name.to_string();
        if self
            .root
            .metadata(name)
            .is_ok_and(|m| m.kind == crate::host_root::FileKind::Directory)
        {
            pattern = format!("{name}*");
        }
        let matches: Vec<String> = if crate::vocab::has_glob_meta(&pattern) {
            match glob_host(self.root, &pattern) {
                Ok(m) => m,
                Err(e) => {
                    if !optional {
                        self.problem(
                            origin.clone(),
                            format!("error accessing config file or directory '{pattern}': {e}"),
                        );
                        return false;
                    }
                    return true;
                }
            }
        } else {
            // GLOB_NOMAGIC: a name without wildcards is returned as it is.
            vec![pattern.clone()]
        };
        for m in matches.iter().rev() {
            let meta = match self.root.metadata(m) {
                Ok(meta) => meta,
                Err(e) => {
                    if !optional {
                        self.problem(
                            origin.clone(),
                            format!("error accessing config file or directory '{m}': {e}"),
                        );
                        return false;
                    }
                    return true;
                }
            };
            match meta.kind {
                crate::host_root::FileKind::File => self.push_include(m, origin),
                crate::host_root::FileKind::Directory => {
                    let dir = if m.ends_with('/') {
                        m.clone()
                    } else {
                        format!("{m}/")
                    };
                    // rsyslog ignores what the directory's include returns.
                    self.include_at(&dir, optional, origin, depth + 1);
                }
                _ => {}
            }
        }
        true
    }

    /// `cnfSetLexFile`: push one file unless it is already being read.
    fn push_include(&mut self, f: &str, origin: &Origin) {
        if self.stack.iter().any(|b| b.file == f) {
            self.problem(
                origin.clone(),
                format!("trying to include file '{f}', which is already included - ignored"),
            );
            return;
        }
        self.include_count += 1;
        if self.include_count > MAX_FILES {
            self.problem(
                origin.clone(),
                format!("more than {MAX_FILES} included files; {f} not read"),
            );
            return;
        }
        match self.root.read(f) {
            Ok(raw) => self.stack.push(prepare(f, &raw)),
            // rsyslog (as root) would read it; Ward cannot tell what it holds.
            Err(e) => self.problem(origin.clone(), format!("{f} could not be read: {e}")),
        }
    }

    fn directive(&mut self, line: &str, origin: Origin) {
        // The command is everything up to the first space (a tab stays in it).
        let (cmd, rest) = match line.find(' ') {
            Some(p) => (&line[..p], &line[p + 1..]),
            None => (line, ""),
        };
        if cmd.len() >= 64 {
            self.problem(
                origin,
                "Invalid $-configline - could not extract command - line ignored",
            );
            return;
        }
        let lc = cmd.to_ascii_lowercase();
        let known = CORE_DIRECTIVES.contains(&lc.as_str())
            || self
                .loaded
                .iter()
                .any(|m| module_directives(m).contains(&lc.as_str()));
        if !known {
            let unmodelled: Vec<String> = self
                .loaded
                .iter()
                .filter(|m| {
                    !BUILTIN_MODULES.contains(&m.as_str())
                        && !MODELLED_MODULES.contains(&m.as_str())
                })
                .cloned()
                .collect();
            let extra = if unmodelled.is_empty() {
                String::new()
            } else {
                format!(
                    " (unless module {} registers it; Ward does not model it)",
                    unmodelled.join(", ")
                )
            };
            self.problem(
                origin,
                format!("invalid or yet-unknown config file command '{cmd}' - have you forgotten to load a module?{extra}"),
            );
            return;
        }
        let arg = rest.trim_start_matches([' ', '\t']);
        let word = |s: &str| -> String { s.split([' ', '\t']).next().unwrap_or("").to_string() };
        let after_word = |s: &str| -> String {
            let w = word(s);
            s[w.len()..].to_string()
        };
        let extra_check = |this: &mut Self, rest: &str, origin: &Origin| {
            let r = rest.trim_start_matches([' ', '\t']);
            if !r.is_empty() && !r.starts_with('#') {
                this.problem(
                    origin.clone(),
                    format!("error: extra characters in config line ignored: '{r}'"),
                );
            }
        };
        match lc.as_str() {
            "filecreatemode" | "umask" => match parse_legacy_mode(arg) {
                Some((mode, rest)) => {
                    let m = Mode {
                        mode,
                        from: origin.to_string(),
                    };
                    if lc == "umask" {
                        self.out.umask = Some(m);
                    } else {
                        self.legacy.file_mode = m;
                    }
                    extra_check(self, rest, &origin);
                }
                None => self.problem(
                    origin,
                    format!("${cmd} {arg}: value must be octal (e.g 0644)."),
                ),
            },
            "fileowner" | "fileownernum" => {
                self.legacy.owner = Some(word(arg));
                extra_check(self, &after_word(arg), &origin);
            }
            "filegroup" | "filegroupnum" => {
                self.legacy.group = Some(word(arg));
                extra_check(self, &after_word(arg), &origin);
            }
            "resetconfigvariables" => {
                self.legacy = Legacy::reset();
            }
            "modload" => {
                let name = word(arg);
                self.load_module(&name, origin.clone());
                extra_check(self, &after_word(arg), &origin);
            }
            "moddir" => {
                self.mod_dir = Some(word(arg).trim_end_matches('/').to_string());
            }
            "template" => {
                if let Some(n) = arg.split(',').next() {
                    self.templates.insert(n.trim().to_string());
                }
            }
            "inputtcpserverrun" | "udpserverrun" | "inputrelpserverrun" => {
                let module = match lc.as_str() {
                    "inputtcpserverrun" => "imtcp",
                    "udpserverrun" => "imudp",
                    _ => "imrelp",
                };
                let port = word(arg);
                self.out.inputs.push(Input {
                    module: module.into(),
                    port: Some(port),
                    address: None,
                    remote: true,
                    origin: origin.clone(),
                });
                extra_check(self, &after_word(arg), &origin);
            }
            "defaultruleset" | "rulesetparser" | "rulesetcreatemainqueue" => {
                self.note(
                    origin,
                    format!("${cmd}: rulesets other than the main flow are not followed by Ward"),
                );
            }
            "addunixlistensocket" => {}
            _ => {}
        }
    }

    fn module_file(&self, name: &str) -> Option<String> {
        let file = format!("{name}.so");
        if let Some(d) = &self.mod_dir {
            let p = format!("{d}/{file}");
            return self.root.exists(&p).then_some(p);
        }
        for d in MODULE_DIRS {
            let pattern = format!("{d}/{file}");
            if d.contains('*') {
                // /usr/lib/*/rsyslog: the multiarch triplet directory.
                if let Ok(entries) = self.root.read_dir("/usr/lib") {
                    for e in entries {
                        let p = format!("{}/rsyslog/{file}", e.display_path());
                        if self.root.exists(&p) {
                            return Some(p);
                        }
                    }
                }
            } else if self.root.exists(&pattern) {
                return Some(pattern);
            }
        }
        None
    }

    fn load_module(&mut self, name: &str, origin: Origin) -> bool {
        let base = name.strip_suffix(".so").unwrap_or(name);
        let base = base.rsplit('/').next().unwrap_or(base).to_string();
        if let Some(b) = base.strip_prefix("builtin:") {
            if BUILTIN_MODULES.contains(&b) {
                return true;
            }
            self.problem(
                origin,
                format!("could not load module '{name}': no such built-in module"),
            );
            return false;
        }
        if self.loaded.contains(&base) {
            if BUILTIN_MODULES.contains(&base.as_str()) {
                // "omfile" is not a loadable module: rsyslog looks for omfile.so.
            } else {
                self.problem(
                    origin,
                    format!("module '{base}' already in this config, cannot be added"),
                );
                return false;
            }
        }
        if name.contains('/') {
            if !self.root.exists(name) {
                self.problem(
                    origin,
                    format!("could not load module '{name}': file not found"),
                );
                return false;
            }
        } else if self.module_file(&base).is_none() {
            self.problem(
                origin,
                format!("could not load module '{base}': {base}.so is not installed in rsyslog's module directory"),
            );
            return false;
        }
        if !self.loaded.contains(&base) {
            self.loaded.push(base.clone());
        }
        self.out.modules.push(Module { name: base, origin });
        true
    }

    // ----- token stream for the parser

    fn peek(&mut self) -> Option<Token> {
        while self.next >= self.tokens.len() {
            let t = self.scan()?;
            self.tokens.push(t);
        }
        self.tokens.get(self.next).cloned()
    }

    fn bump(&mut self) -> Option<Token> {
        let t = self.peek();
        if t.is_some() {
            self.next += 1;
        }
        t
    }

    fn syntax_error(&mut self, at: Option<Token>) -> Stop {
        let (origin, what) = match at {
            Some(t) => (
                t.origin.clone(),
                format!("syntax error on token {:?}", tok_text(&t.tok)),
            ),
            None => (
                self.last_origin(),
                "syntax error at the end of the configuration".into(),
            ),
        };
        let p = Problem {
            origin,
            message: format!("{what}: rsyslog stops reading the configuration here"),
        };
        self.out.problems.push(p.clone());
        self.out.stopped = Some(p);
        self.failed = true;
        Stop
    }

    fn last_origin(&self) -> Origin {
        self.tokens
            .last()
            .map(|t| t.origin.clone())
            .unwrap_or_else(|| Origin::file(RSYSLOG_CONF))
    }

    fn expect(&mut self, want: &Tok) -> Result<Token, Stop> {
        match self.bump() {
            Some(t) if std::mem::discriminant(&t.tok) == std::mem::discriminant(want) => Ok(t),
            other => Err(self.syntax_error(other)),
        }
    }

    // ----- grammar

    fn run(&mut self) {
        while self.peek().is_some() {
            if self.top().is_err() {
                return;
            }
        }
    }

    fn top(&mut self) -> Result<(), Stop> {
        let t = self.peek().ok_or(Stop)?;
        match &t.tok {
            Tok::LegacyRuleset(text) => {
                self.bump();
                let name = text.get(9..).unwrap_or("").trim().to_string();
                self.current_ruleset = name.clone();
                self.defined_rulesets.insert(name.clone());
                self.flow
                    .entry(name)
                    .or_insert_with(|| Ok(vec![0xff; FACILITIES]));
                Ok(())
            }
            Tok::BsdSelector(text) => {
                self.bump();
                let text = text.clone();
                self.problem(
                    t.origin.clone(),
                    format!(
                        "BSD-style blocks are no longer supported in rsyslog (Block '{}')",
                        text.trim()
                    ),
                );
                Ok(())
            }
            Tok::BeginObj(kind) if kind != "include" && kind != "action" => {
                let kind = kind.clone();
                self.bump();
                let params = self.nvlst()?;
                let end = self.expect(&Tok::EndObj)?;
                match kind.as_str() {
                    "ruleset" | "template" => {
                        let block = if matches!(self.peek().map(|t| t.tok), Some(Tok::LBrace)) {
                            Some(())
                        } else {
                            None
                        };
                        if kind == "template" {
                            if let Some(n) = param(&params, "name") {
                                self.templates.insert(n);
                            }
                            if block.is_some() {
                                self.bump();
                                self.skip_template_body()?;
                            }
                            return Ok(());
                        }
                        let name = param(&params, "name").unwrap_or_default();
                        let Some(_) = block else {
                            let t = self.peek();
                            return Err(self.syntax_error(t));
                        };
                        self.bump();
                        self.defined_rulesets.insert(name.clone());
                        let saved = std::mem::replace(&mut self.current_ruleset, name.clone());
                        self.flow.insert(name, Ok(vec![0xff; FACILITIES]));
                        let r = self.script_until_rbrace(&Ctx::top());
                        self.current_ruleset = saved;
                        r
                    }
                    _ => {
                        self.object(&kind, params, end.origin);
                        Ok(())
                    }
                }
            }
            _ => {
                let ctx = Ctx::top();
                self.stmt(&ctx)
            }
        }
    }

    fn skip_template_body(&mut self) -> Result<(), Stop> {
        loop {
            match self.peek().map(|t| t.tok) {
                Some(Tok::RBrace) => {
                    self.bump();
                    return Ok(());
                }
                Some(Tok::BeginObj(k)) if k == "property" || k == "constant" => {
                    self.bump();
                    self.nvlst()?;
                    self.expect(&Tok::EndObj)?;
                }
                _ => {
                    let t = self.bump();
                    return Err(self.syntax_error(t));
                }
            }
        }
    }

    fn nvlst(&mut self) -> Result<Vec<Param>, Stop> {
        let mut out = Vec::new();
        loop {
            match self.peek().map(|t| t.tok) {
                Some(Tok::Name(_)) => {}
                _ => return Ok(out),
            }
            let n = self.bump().ok_or(Stop)?;
            let Tok::Name(name) = n.tok else {
                return Err(Stop);
            };
            self.expect(&Tok::Equals)?;
            let v = match self.bump() {
                Some(Token {
                    tok: Tok::Str(s), ..
                }) => Value::Str(s),
                Some(Token {
                    tok: Tok::LBracket, ..
                }) => {
                    let mut items = Vec::new();
                    loop {
                        match self.bump() {
                            Some(Token {
                                tok: Tok::Str(s), ..
                            }) => items.push(s),
                            other => return Err(self.syntax_error(other)),
                        }
                        match self.bump() {
                            Some(Token {
                                tok: Tok::Comma, ..
                            }) => continue,
                            Some(Token {
                                tok: Tok::RBracket, ..
                            }) => break,
                            other => return Err(self.syntax_error(other)),
                        }
                    }
                    Value::Array(items)
                }
                other => return Err(self.syntax_error(other)),
            };
            out.push(Param {
                name,
                value: v,
                origin: n.origin,
            });
        }
    }

    fn script_until_rbrace(&mut self, ctx: &Ctx) -> Result<(), Stop> {
        loop {
            match self.peek().map(|t| t.tok) {
                Some(Tok::RBrace) => {
                    self.bump();
                    return Ok(());
                }
                None => return Err(self.syntax_error(None)),
                _ => self.stmt(ctx)?,
            }
        }
    }

    fn block(&mut self, ctx: &Ctx) -> Result<(), Stop> {
        if ctx.filters.len() > MAX_NESTING {
            let t = self.peek();
            let origin = t.map(|t| t.origin).unwrap_or_else(|| self.last_origin());
            let p = Problem {
                origin,
                message: format!(
                    "filters nested more than {MAX_NESTING} deep: Ward stops reading here"
                ),
            };
            self.out.problems.push(p.clone());
            self.out.stopped = Some(p);
            self.failed = true;
            return Err(Stop);
        }
        if matches!(self.peek().map(|t| t.tok), Some(Tok::LBrace)) {
            self.bump();
            // `{ }` is only allowed directly after ruleset(); `'{' script '}'` needs one
            // statement.
            if matches!(self.peek().map(|t| t.tok), Some(Tok::RBrace)) {
                let t = self.bump();
                return Err(self.syntax_error(t));
            }
            return self.script_until_rbrace(ctx);
        }
        self.stmt(ctx)
    }

    fn stmt(&mut self, ctx: &Ctx) -> Result<(), Stop> {
        let t = match self.peek() {
            Some(t) => t,
            None => return Err(self.syntax_error(None)),
        };
        match t.tok.clone() {
            Tok::If => {
                self.bump();
                let text = self.expr_until(&[Tok::Then])?;
                let inner = ctx.with(Filter::Expr(format!("if {text} then")));
                self.block(&inner)?;
                if matches!(self.peek().map(|t| t.tok), Some(Tok::Else)) {
                    self.bump();
                    let inner = ctx.with(Filter::Expr(format!("else of if {text}")));
                    self.block(&inner)?;
                }
                Ok(())
            }
            Tok::Foreach => {
                self.bump();
                let text = self.expr_until(&[Tok::Do])?;
                let inner = ctx.with(Filter::Expr(format!("foreach {text} do")));
                self.block(&inner)
            }
            Tok::Set | Tok::Reset | Tok::Unset | Tok::CallIndirect => {
                self.bump();
                self.expr_until(&[Tok::Semi])?;
                Ok(())
            }
            Tok::Expr(w) if w == "reload_lookup_table" => {
                self.bump();
                // '(' fparams ')' in the procedure-call state.
                self.expr_balanced()?;
                Ok(())
            }
            Tok::PriFilt(text) => {
                self.bump();
                let filter = match decode_pri_filter(&text) {
                    Ok(mask) => Filter::Pri(text.clone(), mask),
                    Err(e) => {
                        self.problem(t.origin.clone(), e);
                        Filter::Expr(format!("{text} (not decoded)"))
                    }
                };
                let inner = ctx.with(filter);
                self.block(&inner)
            }
            Tok::PropFilt(text) => {
                self.bump();
                let inner = ctx.with(Filter::Expr(text));
                self.block(&inner)
            }
            Tok::BeginObj(k) if k == "include" => {
                self.bump();
                let params = self.nvlst()?;
                let end = self.expect(&Tok::EndObj)?;
                self.include_object(params, end.origin);
                Ok(())
            }
            Tok::BeginObj(k) if k != "action" => {
                self.bump();
                self.problem(
                    t.origin.clone(),
                    format!("declarative object '{k}' not permitted in action block [stmt]"),
                );
                Ok(())
            }
            Tok::BeginObj(_) | Tok::LegacyAction(_) | Tok::Stop | Tok::CallKw | Tok::Continue => {
                self.actlst(ctx)
            }
            _ => {
                let t = self.bump();
                Err(self.syntax_error(t))
            }
        }
    }

    fn actlst(&mut self, ctx: &Ctx) -> Result<(), Stop> {
        loop {
            self.s_act(ctx)?;
            if matches!(self.peek().map(|t| t.tok), Some(Tok::Amp)) {
                self.bump();
                continue;
            }
            return Ok(());
        }
    }

    fn s_act(&mut self, ctx: &Ctx) -> Result<(), Stop> {
        let t = self.bump().ok_or(Stop)?;
        match t.tok {
            Tok::BeginObj(_) => {
                let params = self.nvlst()?;
                let end = self.expect(&Tok::EndObj)?;
                self.action_object(params, t.origin, end.origin, ctx);
                Ok(())
            }
            Tok::LegacyAction(text) => {
                self.legacy_action(&text, t.origin, ctx);
                Ok(())
            }
            Tok::Stop => {
                self.discard(ctx, &t.origin);
                Ok(())
            }
            Tok::CallKw => match self.bump() {
                Some(Token {
                    tok: Tok::Call(name),
                    ..
                }) => {
                    self.called.insert(name);
                    Ok(())
                }
                other => Err(self.syntax_error(other)),
            },
            Tok::Continue => Ok(()),
            _ => Err(self.syntax_error(Some(t))),
        }
    }

    /// Skip an expression until one of `ends` (consumed); check it is well formed.
    fn expr_until(&mut self, ends: &[Tok]) -> Result<String, Stop> {
        let mut parts: Vec<String> = Vec::new();
        let mut toks: Vec<Token> = Vec::new();
        loop {
            let t = match self.bump() {
                Some(t) => t,
                None => return Err(self.syntax_error(None)),
            };
            if ends
                .iter()
                .any(|e| std::mem::discriminant(e) == std::mem::discriminant(&t.tok))
            {
                break;
            }
            match &t.tok {
                Tok::Expr(_) | Tok::LParen | Tok::RParen => {}
                _ => return Err(self.syntax_error(Some(t))),
            }
            parts.push(tok_text(&t.tok));
            toks.push(t);
        }
        if let Err(bad) = check_expr(&toks) {
            return Err(self.syntax_error(bad));
        }
        Ok(parts.join(" "))
    }

    fn expr_balanced(&mut self) -> Result<(), Stop> {
        let mut depth = 0i32;
        loop {
            let t = self.bump();
            match t.as_ref().map(|t| &t.tok) {
                Some(Tok::LParen) => depth += 1,
                Some(Tok::RParen) => {
                    depth -= 1;
                    if depth <= 0 {
                        self.state = State::Initial;
                        return Ok(());
                    }
                }
                Some(Tok::Expr(_)) => {}
                _ => return Err(self.syntax_error(t)),
            }
        }
    }

    // ----- semantics

    fn include_object(&mut self, params: Vec<Param>, origin: Origin) {
        if disabled(&params) {
            return;
        }
        let mut file = None;
        let mut optional = false;
        let mut abort = false;
        let mut text = None;
        for p in &params {
            match p.name.as_str() {
                "file" => file = Some(p.value.text()),
                "text" => text = Some(p.value.text()),
                "mode" => match p.value.text().as_str() {
                    "abort-if-missing" => {
                        optional = false;
                        abort = true;
                    }
                    "required" => optional = false,
                    "optional" => optional = true,
                    m => self.problem(
                        p.origin.clone(),
                        format!("invalid 'mode' parameter: '{m}' - ignored"),
                    ),
                },
                "config.enabled" => {}
                other => self.problem(
                    p.origin.clone(),
                    format!("parameter '{other}' not known -- typo in config file?"),
                ),
            }
        }
        self.check_dupes(&params);
        match (file, text) {
            (Some(f), None) => {
                if !self.include(&f, optional, &origin) && abort {
                    self.out.stopped = Some(Problem {
                        origin,
                        message: format!("include file '{f}' is missing and mode is abort-if-missing: rsyslog exits"),
                    });
                    self.stack.clear();
                }
            }
            (None, Some(t)) => {
                self.note(origin.clone(), "include(text=…) read as configuration text");
                let name = format!("{}:{} include(text)", origin.path, origin.line.unwrap_or(0));
                self.stack.push(prepare(&name, t.as_bytes()));
            }
            _ => self.problem(
                origin,
                "include() must have either 'file' or 'text' parameter - ignored",
            ),
        }
    }

    fn check_dupes(&mut self, params: &[Param]) {
        let mut seen = BTreeSet::new();
        for p in params {
            if !seen.insert(p.name.clone()) {
                self.problem(
                    p.origin.clone(),
                    format!(
                        "duplicate parameter '{}' -- interpretation is ambiguous",
                        p.name
                    ),
                );
            }
        }
    }

    fn check_params(&mut self, params: &[Param], allowed: &[&[&str]], skip: &[&str]) {
        for p in params {
            if skip.contains(&p.name.as_str()) {
                continue;
            }
            if !allowed.iter().any(|a| a.contains(&p.name.as_str())) {
                self.problem(
                    p.origin.clone(),
                    format!("parameter '{}' not known -- typo in config file?", p.name),
                );
            }
        }
    }

    fn object(&mut self, kind: &str, params: Vec<Param>, origin: Origin) {
        self.check_dupes(&params);
        if disabled(&params) {
            return;
        }
        match kind {
            "module" => {
                let Some(load) = param(&params, "load") else {
                    self.problem(origin, "module() without load= parameter");
                    return;
                };
                let lname = load.to_ascii_lowercase();
                let key = if lname.starts_with("builtin:") {
                    lname.clone()
                } else {
                    lname.trim_end_matches(".so").to_string()
                };
                if key == "builtin:omfile" {
                    if self.omfile_params_set {
                        self.problem(
                            origin,
                            "parameters for built-in module builtin:omfile already set - ignored",
                        );
                        return;
                    }
                    self.omfile_params_set = true;
                    for p in &params {
                        match p.name.as_str() {
                            "filecreatemode" => match parse_mode_param(&p.value.text()) {
                                Some(m) => {
                                    self.omfile_mode = Mode {
                                        mode: m,
                                        from: p.origin.to_string(),
                                    }
                                }
                                None => self.problem(p.origin.clone(), format!("file modes need to be specified as 4- or 5-digit octal numbers starting with '0' - parameter 'filecreatemode=\"{}\"' is not a file mode", p.value.text())),
                            },
                            "fileowner" | "fileownernum" => self.omfile_owner = Some(p.value.text()),
                            "filegroup" | "filegroupnum" => self.omfile_group = Some(p.value.text()),
                            _ => {}
                        }
                    }
                }
                if !self.load_module(&load, origin.clone()) {
                    return;
                }
                match module_params(&key) {
                    Some(allowed) => {
                        self.check_params(&params, &[allowed, &["load", "config.enabled"]], &[])
                    }
                    None => {
                        if params.len() > 1 {
                            self.note(
                                origin,
                                format!("parameters of module {load} not validated by Ward"),
                            );
                        }
                    }
                }
            }
            "input" => {
                let Some(ty) = param(&params, "type") else {
                    self.problem(
                        origin,
                        "parameter 'type' required but not specified - fix config",
                    );
                    return;
                };
                let ty_l = ty.to_ascii_lowercase();
                if !self.loaded.contains(&ty_l) {
                    self.problem(origin, format!("input module name '{ty}' is unknown"));
                    return;
                }
                match input_params(&ty_l) {
                    Some(allowed) => {
                        self.check_params(&params, &[allowed, &["type", "config.enabled"]], &[]);
                        for req in required_input_params(&ty_l) {
                            if param(&params, req).is_none() {
                                self.problem(
                                    origin.clone(),
                                    format!(
                                        "parameter '{req}' required but not specified - fix config"
                                    ),
                                );
                                return;
                            }
                        }
                    }
                    None => self.note(
                        origin.clone(),
                        format!("parameters of input {ty} not validated by Ward"),
                    ),
                }
                let remote = INPUT_MODULES
                    .iter()
                    .find(|(m, _)| *m == ty_l)
                    .map(|(_, r)| *r)
                    .unwrap_or(false);
                self.out.inputs.push(Input {
                    module: ty_l,
                    port: param(&params, "port"),
                    address: param(&params, "address"),
                    remote,
                    origin,
                });
            }
            "global" => {
                self.check_params(&params, &[GLOBAL_PARAMS, &["config.enabled"]], &[]);
                for p in &params {
                    if p.name == "umask" {
                        match parse_mode_param(&p.value.text()) {
                            Some(m) => {
                                self.out.umask = Some(Mode {
                                    mode: m,
                                    from: p.origin.to_string(),
                                })
                            }
                            None => self.problem(
                                p.origin.clone(),
                                format!(
                                    "parameter 'umask=\"{}\"' is not a file mode",
                                    p.value.text()
                                ),
                            ),
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn discard(&mut self, ctx: &Ctx, origin: &Origin) {
        let rs = self.current_ruleset.clone();
        let flow = self
            .flow
            .entry(rs)
            .or_insert_with(|| Ok(vec![0xff; FACILITIES]));
        if let Ok(cur) = flow {
            match ctx.pri_mask() {
                Ok(mask) => {
                    for (c, m) in cur.iter_mut().zip(mask) {
                        *c &= !m;
                    }
                }
                Err(why) => {
                    *flow = Err(format!("a conditional discard at {origin} ({why}) may drop messages before later actions"));
                }
            }
        }
    }

    fn reach(&self, ctx: &Ctx) -> (Option<Vec<u8>>, Option<String>) {
        if self.current_ruleset != DEFAULT_RULESET {
            return (
                None,
                Some(format!("in ruleset {}: what reaches it depends on the inputs bound to it or the calls into it", self.current_ruleset)),
            );
        }
        let flow = self
            .flow
            .get(&self.current_ruleset)
            .cloned()
            .unwrap_or_else(|| Ok(vec![0xff; FACILITIES]));
        match (flow, ctx.pri_mask()) {
            (Ok(f), Ok(m)) => (Some(f.iter().zip(m).map(|(a, b)| a & b).collect()), None),
            (Err(e), _) | (_, Err(e)) => (None, Some(e)),
        }
    }

    fn push_action(&mut self, mut a: Action, ctx: &Ctx) {
        let (reach, why) = self.reach(ctx);
        a.reach = reach;
        a.reach_unknown = why;
        a.ruleset = self.current_ruleset.clone();
        a.filters = ctx.texts();
        let discards = a.module == "omdiscard" && !a.disabled;
        let origin = a.origin.clone();
        self.out.actions.push(a);
        if discards {
            self.discard(ctx, &origin);
        }
    }

    fn legacy_action(&mut self, text: &str, origin: Origin, ctx: &Ctx) {
        let mut a = Action {
            origin: origin.clone(),
            module: String::new(),
            text: text.to_string(),
            ruleset: String::new(),
            filters: Vec::new(),
            reach: None,
            reach_unknown: None,
            disabled: false,
            file: None,
            forward: None,
        };
        let p = text;
        let file_like = p.strip_prefix(":omfile:").unwrap_or(p);
        let first = file_like.as_bytes().first().copied().unwrap_or(0);
        if matches!(first, b'$' | b'?' | b'/' | b'.' | b'-')
            && (first != b'-'
                || matches!(file_like.as_bytes().get(1), Some(b'/' | b'?' | b'.' | b'$')))
        {
            let body = file_like.strip_prefix('-').unwrap_or(file_like);
            a.module = "omfile".into();
            match body.as_bytes().first() {
                Some(b'$') => {
                    a.file = Some(FileAction {
                        path: body.to_string(),
                        dynamic: true,
                        create_mode: self.legacy.file_mode.clone(),
                        owner: self.legacy.owner.clone(),
                        group: self.legacy.group.clone(),
                    });
                    self.note(
                        origin.clone(),
                        "output channel action: its file is defined by $outchannel",
                    );
                }
                Some(b'?') | Some(b'/') | Some(b'.') => {
                    let dynamic = body.starts_with('?');
                    let name_part = body.strip_prefix('?').unwrap_or(body);
                    let end = name_part.find([';', ' ']).unwrap_or(name_part.len());
                    let (name, rest) = name_part.split_at(end);
                    match legacy_template(rest) {
                        Ok(Some(tpl)) => self.template_refs.push((tpl, origin.clone())),
                        Ok(None) => {}
                        Err(e) => {
                            self.problem(origin.clone(), e);
                            a.disabled = true;
                        }
                    }
                    if dynamic {
                        self.template_refs.push((name.to_string(), origin.clone()));
                    }
                    a.file = Some(FileAction {
                        path: name.to_string(),
                        dynamic,
                        create_mode: self.legacy.file_mode.clone(),
                        owner: self.legacy.owner.clone(),
                        group: self.legacy.group.clone(),
                    });
                }
                _ => {
                    self.problem(
                        origin.clone(),
                        format!("no module takes the action '{text}'"),
                    );
                    a.disabled = true;
                    a.module = "unknown".into();
                }
            }
        } else if first == b'@' {
            a.module = "omfwd".into();
            match parse_legacy_forward(p) {
                Ok((fwd, tpl, warnings)) => {
                    for w in warnings {
                        self.problem(origin.clone(), w);
                    }
                    if let Some(t) = tpl {
                        self.template_refs.push((t, origin.clone()));
                    }
                    a.forward = Some(fwd);
                }
                Err(e) => {
                    self.problem(origin.clone(), e);
                    a.disabled = true;
                }
            }
        } else if first == b'~' {
            a.module = "omdiscard".into();
        } else if first == b'|' {
            a.module = "ompipe".into();
        } else if first == b'^' {
            a.module = "omshell".into();
            self.problem(
                origin.clone(),
                "omshell (^program) actions are no longer supported",
            );
            a.disabled = true;
        } else if let Some(rest) = p.strip_prefix(":omusrmsg:") {
            a.module = "omusrmsg".into();
            let _ = rest;
        } else if first == b'*' {
            a.module = "omusrmsg".into();
        } else if let Some(rest) = p.strip_prefix(':') {
            // :module:params — the module must be loaded and take it.
            let name = rest.split(':').next().unwrap_or("").to_ascii_lowercase();
            a.module = name.clone();
            if !self.loaded.contains(&name) {
                self.problem(
                    origin.clone(),
                    format!(
                        "no loaded module takes the action '{text}' (is module {name} loaded?)"
                    ),
                );
                a.disabled = true;
            } else if name == "omrelp" {
                let body = rest.get(name.len() + 1..).unwrap_or("");
                let (hostport, tpl) = match body.find(';') {
                    Some(i) => (&body[..i], Some(body[i + 1..].trim().to_string())),
                    None => (body, None),
                };
                let hostport = hostport.trim();
                let (host, port) = if let Some(h) = hostport.strip_prefix('[') {
                    let end = h.find(']').unwrap_or(h.len());
                    let after = h.get(end + 1..).unwrap_or("");
                    (
                        h[..end].to_string(),
                        after.strip_prefix(':').unwrap_or("514").to_string(),
                    )
                } else {
                    match hostport.split_once(':') {
                        Some((h, port)) => (h.to_string(), port.to_string()),
                        None => (hostport.to_string(), "514".into()),
                    }
                };
                if let Some(t) = tpl.filter(|t| !t.is_empty()) {
                    self.template_refs.push((t, origin.clone()));
                }
                a.forward = Some(Forward {
                    target: host,
                    port,
                    protocol: "relp".into(),
                });
            } else if let Some((_, _)) = NETWORK_OUTPUTS.iter().find(|(m, _)| *m == name) {
                a.forward = Some(Forward {
                    target: "(legacy parameters)".into(),
                    port: String::new(),
                    protocol: name.clone(),
                });
            }
        } else if first.is_ascii_alphanumeric() || first == b'_' || first == b'.' {
            a.module = "omusrmsg".into();
            self.problem(
                origin.clone(),
                format!("action '{p}' treated as ':omusrmsg:{p}' - please use ':omusrmsg:{p}' syntax instead (rsyslog reports warnings occurred)"),
            );
        } else {
            a.module = "unknown".into();
            self.problem(
                origin.clone(),
                format!("no module takes the action '{text}'"),
            );
            a.disabled = true;
        }
        self.push_action(a, ctx);
    }

    fn action_object(&mut self, params: Vec<Param>, start: Origin, origin: Origin, ctx: &Ctx) {
        self.check_dupes(&params);
        let disabled_cfg = disabled(&params);
        let Some(ty) = param(&params, "type") else {
            self.problem(
                origin,
                "parameter 'type' required but not specified - fix config",
            );
            return;
        };
        let ty_l = ty.to_ascii_lowercase();
        let mut a = Action {
            origin: start.clone(),
            module: ty_l.clone(),
            text: format!("action(type=\"{ty}\" …)"),
            ruleset: String::new(),
            filters: Vec::new(),
            reach: None,
            reach_unknown: None,
            disabled: disabled_cfg,
            file: None,
            forward: None,
        };
        if !self.loaded.contains(&ty_l) {
            self.problem(
                origin,
                format!("module name '{ty}' is unknown (not loaded)"),
            );
            a.disabled = true;
            self.push_action(a, ctx);
            return;
        }
        match action_params(&ty_l) {
            Some(allowed) => {
                self.check_params(&params, &[allowed, ACTION_COMMON, QUEUE_PARAMS], &[])
            }
            None => self.note(
                origin.clone(),
                format!("parameters of action type {ty} not validated by Ward"),
            ),
        }
        if let Some(t) = param(&params, "template") {
            self.template_refs.push((t, origin.clone()));
        }
        match ty_l.as_str() {
            "omfile" => {
                let file = param(&params, "file");
                let dyna = param(&params, "dynafile");
                let mut create_mode = self.omfile_mode.clone();
                let mut ok = true;
                if let Some(p) = params.iter().find(|p| p.name == "filecreatemode") {
                    match parse_mode_param(&p.value.text()) {
                        Some(m) => {
                            create_mode = Mode {
                                mode: m,
                                from: p.origin.to_string(),
                            }
                        }
                        None => {
                            self.problem(p.origin.clone(), format!("file modes need to be specified as 4- or 5-digit octal numbers starting with '0' - parameter 'fileCreateMode=\"{}\"' is not a file mode", p.value.text()));
                            ok = false;
                        }
                    }
                }
                let (path, dynamic) = match (file, dyna) {
                    (_, Some(d)) => {
                        self.template_refs.push((d.clone(), origin.clone()));
                        (d, true)
                    }
                    (Some(f), None) => (f, false),
                    (None, None) => {
                        self.problem(
                            origin.clone(),
                            "omfile: either the \"file\" or \"dynafile\" parameter must be given",
                        );
                        ok = false;
                        (String::new(), false)
                    }
                };
                a.disabled |= !ok;
                a.file = Some(FileAction {
                    path,
                    dynamic,
                    create_mode,
                    owner: param(&params, "fileowner")
                        .or(param(&params, "fileownernum"))
                        .or(self.omfile_owner.clone()),
                    group: param(&params, "filegroup")
                        .or(param(&params, "filegroupnum"))
                        .or(self.omfile_group.clone()),
                });
            }
            "omfwd" => {
                let protocol = param(&params, "protocol")
                    .unwrap_or_else(|| "udp".into())
                    .to_ascii_lowercase();
                if protocol != "udp" && protocol != "tcp" {
                    self.problem(
                        origin.clone(),
                        format!("omfwd: invalid protocol \"{protocol}\""),
                    );
                    a.disabled = true;
                }
                match param(&params, "target") {
                    Some(t) => {
                        a.forward = Some(Forward {
                            target: t,
                            port: param(&params, "port").unwrap_or_else(|| "514".into()),
                            protocol,
                        })
                    }
                    None => {
                        self.problem(
                            origin.clone(),
                            "omfwd: no target given: the action sends nowhere",
                        );
                        a.disabled = true;
                    }
                }
            }
            "omrelp" => match param(&params, "target") {
                Some(t) => {
                    a.forward = Some(Forward {
                        target: t,
                        port: param(&params, "port").unwrap_or_else(|| "514".into()),
                        protocol: "relp".into(),
                    })
                }
                None => {
                    self.problem(
                        origin.clone(),
                        "parameter 'target' required but not specified - fix config",
                    );
                    a.disabled = true;
                }
            },
            "omdiscard" => {}
            other => {
                if let Some((_, key)) = NETWORK_OUTPUTS.iter().find(|(m, _)| *m == other) {
                    a.forward = Some(Forward {
                        target: param(&params, key).unwrap_or_else(|| "(module default)".into()),
                        port: param(&params, "port").unwrap_or_default(),
                        protocol: other.to_string(),
                    });
                }
            }
        }
        self.push_action(a, ctx);
    }

    fn finish(&mut self) {
        // Templates are resolved once the whole configuration is read.
        let refs = std::mem::take(&mut self.template_refs);
        for (t, origin) in refs {
            if !self.templates.contains(&t) {
                self.problem(
                    origin.clone(),
                    format!("Could not find template '{t}' - action disabled"),
                );
                for a in self
                    .out
                    .actions
                    .iter_mut()
                    .filter(|a| a.origin.path == origin.path && a.origin.line == origin.line)
                {
                    a.disabled = true;
                }
            }
        }
        // Actions in rulesets nothing calls or binds are never reached.
        let bound: BTreeSet<String> = self.called.clone();
        for a in &mut self.out.actions {
            if a.ruleset != DEFAULT_RULESET
                && !bound.contains(&a.ruleset)
                && a.reach_unknown.is_some()
            {
                a.reach_unknown = Some(format!(
                    "in ruleset {}: reached only through inputs bound to it (Ward does not follow bindings)",
                    a.ruleset
                ));
            }
        }
        if self.failed {
            // Nothing after the syntax error is in effect: Ward stopped reading there too.
        }
        let files: Vec<String> = {
            let mut seen = BTreeSet::new();
            self.out
                .files
                .iter()
                .filter(|f| seen.insert((*f).clone()))
                .cloned()
                .collect()
        };
        self.out.files = files;
    }
}

fn tok_text(t: &Tok) -> String {
    match t {
        Tok::If => "if".into(),
        Tok::Foreach => "foreach".into(),
        Tok::Amp => "&".into(),
        Tok::LBrace => "{".into(),
        Tok::RBrace => "}".into(),
        Tok::Stop => "stop".into(),
        Tok::Else => "else".into(),
        Tok::CallKw => "call".into(),
        Tok::Call(n) => n.clone(),
        Tok::CallIndirect => "call_indirect".into(),
        Tok::Set => "set".into(),
        Tok::Reset => "reset".into(),
        Tok::Unset => "unset".into(),
        Tok::Continue => "continue".into(),
        Tok::BeginObj(k) => format!("{k}("),
        Tok::PropFilt(s)
        | Tok::PriFilt(s)
        | Tok::LegacyAction(s)
        | Tok::LegacyRuleset(s)
        | Tok::BsdSelector(s) => s.clone(),
        Tok::EndObj => ")".into(),
        Tok::Name(s) => s.clone(),
        Tok::Str(s) => format!("{s:?}"),
        Tok::Comma => ",".into(),
        Tok::LBracket => "[".into(),
        Tok::RBracket => "]".into(),
        Tok::Equals => "=".into(),
        Tok::Then => "then".into(),
        Tok::Do => "do".into(),
        Tok::Semi => ";".into(),
        Tok::Expr(s) => s.clone(),
        Tok::LParen => "(".into(),
        Tok::RParen => ")".into(),
    }
}

/// Check an expression's tokens against rsyslog's expression grammar; `Err` names the
/// token where bison would stop (or `None` at the end).
fn check_expr(toks: &[Token]) -> Result<(), Option<Token>> {
    struct P<'t> {
        t: &'t [Token],
        i: usize,
        depth: usize,
    }
    fn text(t: &Token) -> &str {
        match &t.tok {
            Tok::Expr(s) => s,
            Tok::LParen => "(",
            Tok::RParen => ")",
            _ => "",
        }
    }
    const BINARY: [&str; 20] = [
        "and",
        "or",
        "==",
        "!=",
        "<>",
        "<=",
        ">=",
        "<",
        ">",
        "contains",
        "contains_i",
        "startswith",
        "startswith_i",
        "&",
        "+",
        "-",
        "*",
        "/",
        "%",
        "=",
    ];
    impl P<'_> {
        fn peek(&self) -> Option<&Token> {
            self.t.get(self.i)
        }
        fn err(&self) -> Option<Token> {
            self.peek().cloned()
        }
        fn expr(&mut self) -> Result<(), Option<Token>> {
            self.unary()?;
            while let Some(t) = self.peek() {
                let s = text(t);
                if BINARY.contains(&s) && s != "=" {
                    self.i += 1;
                    self.unary()?;
                } else {
                    break;
                }
            }
            Ok(())
        }
        fn unary(&mut self) -> Result<(), Option<Token>> {
            self.depth += 1;
            if self.depth > MAX_NESTING {
                return Err(self.err());
            }
            let r = self.unary_inner();
            self.depth -= 1;
            r
        }
        fn unary_inner(&mut self) -> Result<(), Option<Token>> {
            match self.peek().map(text) {
                Some("not") | Some("-") => {
                    self.i += 1;
                    self.unary()
                }
                _ => self.primary(),
            }
        }
        fn primary(&mut self) -> Result<(), Option<Token>> {
            let Some(t) = self.peek().cloned() else {
                return Err(None);
            };
            let s = text(&t).to_string();
            self.i += 1;
            if s == "(" {
                self.expr()?;
                return self.want(")");
            }
            if s == "[" {
                loop {
                    match self.peek().map(text) {
                        Some(x)
                            if x.starts_with('"') || x.starts_with('\'') || x.starts_with('`') =>
                        {
                            self.i += 1
                        }
                        _ => return Err(self.err()),
                    }
                    match self.peek().map(text) {
                        Some(",") => self.i += 1,
                        Some("]") => {
                            self.i += 1;
                            return Ok(());
                        }
                        _ => return Err(self.err()),
                    }
                }
            }
            let first = s.as_bytes().first().copied().unwrap_or(0);
            if first == b'$'
                || first.is_ascii_digit()
                || first == b'"'
                || first == b'\''
                || first == b'`'
            {
                return Ok(());
            }
            if first.is_ascii_alphabetic()
                && !BINARY.contains(&s.as_str())
                && s != "not"
                && s != "in"
            {
                // FUNC '(' [fparams] ')' (and exists($var)).
                self.want("(")?;
                if self.peek().map(text) == Some(")") {
                    self.i += 1;
                    return Ok(());
                }
                loop {
                    self.expr()?;
                    match self.peek().map(text) {
                        Some(",") => self.i += 1,
                        Some(")") => {
                            self.i += 1;
                            return Ok(());
                        }
                        _ => return Err(self.err()),
                    }
                }
            }
            self.i -= 1;
            Err(self.err())
        }
        fn want(&mut self, s: &str) -> Result<(), Option<Token>> {
            if self.peek().map(text) == Some(s) {
                self.i += 1;
                Ok(())
            } else {
                Err(self.err())
            }
        }
    }
    let mut p = P {
        t: toks,
        i: 0,
        depth: 0,
    };
    // foreach ( $var in expr ) and set $var = expr are shaped differently: accept them when
    // they start so.
    if toks.first().map(text) == Some("(") && toks.get(2).map(text) == Some("in") {
        return Ok(());
    }
    if toks.first().map(|t| text(t).starts_with('$')) == Some(true)
        && toks.get(1).map(text) == Some("=")
    {
        p.i = 2;
        p.expr()?;
        return if p.i == toks.len() {
            Ok(())
        } else {
            Err(p.err())
        };
    }
    if toks.len() == 1 && text(&toks[0]).starts_with('$') {
        return Ok(()); // unset $var
    }
    p.expr()?;
    if p.i == toks.len() {
        Ok(())
    } else {
        Err(p.err())
    }
}

/// The filters enclosing a statement.
#[derive(Clone, Default)]
struct Ctx {
    filters: Vec<Filter>,
}

#[derive(Clone)]
enum Filter {
    Pri(String, Vec<u8>),
    Expr(String),
}

impl Ctx {
    fn top() -> Ctx {
        Ctx::default()
    }
    fn with(&self, f: Filter) -> Ctx {
        let mut c = self.clone();
        c.filters.push(f);
        c
    }
    fn texts(&self) -> Vec<String> {
        self.filters
            .iter()
            .map(|f| match f {
                Filter::Pri(t, _) | Filter::Expr(t) => t.clone(),
            })
            .collect()
    }
    /// The conjunction of the PRI filters, or why it is unknown.
    fn pri_mask(&self) -> Result<Vec<u8>, String> {
        let mut mask = vec![0xffu8; FACILITIES];
        for f in &self.filters {
            match f {
                Filter::Pri(_, m) => {
                    for (a, b) in mask.iter_mut().zip(m) {
                        *a &= b;
                    }
                }
                Filter::Expr(t) => return Err(format!("filter `{t}` is not a PRI filter")),
            }
        }
        Ok(mask)
    }
}

fn disabled(params: &[Param]) -> bool {
    params
        .iter()
        .rev()
        .find(|p| p.name == "config.enabled")
        .is_some_and(|p| p.value.text() != "on")
}

/// The value of a parameter (the last one written wins, as rsyslog's list is reversed).
fn param(params: &[Param], name: &str) -> Option<String> {
    params
        .iter()
        .rev()
        .find(|p| p.name == name)
        .map(|p| p.value.text())
}

/// A double-quoted or backtick object string: length and unescaped value.
fn scan_obj_string(b: &Buffer, i: usize, q: u8) -> Option<(usize, String)> {
    let mut j = i + 1;
    let mut out = Vec::new();
    while j < b.bytes.len() {
        let c = b.bytes[j];
        if c == q {
            return Some((j + 1 - i, String::from_utf8_lossy(&out).into_owned()));
        }
        if c == b'\\' {
            let n = b.at(j + 1);
            let esc: &[u8] = if q == b'"' {
                b"'\"?\\abfnrtv"
            } else {
                b"'`?\\abfnrtv"
            };
            if esc.contains(&n) {
                out.push(match n {
                    b'a' => 7,
                    b'b' => 8,
                    b'f' => 12,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'v' => 11,
                    x => x,
                });
                j += 2;
                continue;
            }
            if (b'0'..=b'7').contains(&n) {
                let mut k = j + 1;
                let mut v = 0u32;
                while k < j + 4 && (b'0'..=b'7').contains(&b.at(k)) {
                    v = v * 8 + u32::from(b.at(k) - b'0');
                    k += 1;
                }
                out.push(v as u8);
                j = k;
                continue;
            }
            return None;
        }
        out.push(c);
        j += 1;
    }
    None
}

/// An expression string: `Ok(len)`, `Err(Some(len))` for a double-quoted string holding an
/// unescaped `$` (rsyslog reports it and drops it), `Err(None)` when no rule matches.
fn scan_expr_string(b: &Buffer, i: usize, q: u8) -> Result<usize, Option<usize>> {
    let mut j = i + 1;
    let mut dollar = false;
    while j < b.bytes.len() {
        let c = b.bytes[j];
        if c == q {
            return if dollar {
                Err(Some(j + 1 - i))
            } else {
                Ok(j + 1 - i)
            };
        }
        if c == b'\\' {
            let n = b.at(j + 1);
            if b"'\"\\$bntr`".contains(&n) {
                j += 2;
                continue;
            }
            if lower(n) == b'x'
                && b.at(j + 2).is_ascii_hexdigit()
                && b.at(j + 3).is_ascii_hexdigit()
            {
                j += 4;
                continue;
            }
            if (b'0'..=b'7').contains(&n)
                && (b'0'..=b'7').contains(&b.at(j + 2))
                && (b'0'..=b'7').contains(&b.at(j + 3))
            {
                j += 4;
                continue;
            }
            return Err(None);
        }
        if c == b'$' && q == b'"' {
            dollar = true;
        }
        j += 1;
    }
    Err(None)
}

/// `$FileCreateMode`/`$Umask` as cfsysline's `doFileCreateMode`: `0` and three octal
/// digits; what follows is left for the extra-characters check.
fn parse_legacy_mode(arg: &str) -> Option<(u32, &str)> {
    let b = arg.as_bytes();
    if b.len() >= 4 && b[0] == b'0' && b[1..4].iter().all(|c| (b'0'..=b'7').contains(c)) {
        let v = b[1..4]
            .iter()
            .fold(0u32, |acc, c| acc * 8 + u32::from(c - b'0'));
        Some((v, &arg[4..]))
    } else {
        None
    }
}

/// A RainerScript file mode as `doGetFileCreateMode`: at least four characters, `0` and
/// three octal digits; a fifth character must be an octal digit (and counts); longer
/// values are read by their first four.
pub fn parse_mode_param(v: &str) -> Option<u32> {
    let c = v.as_bytes();
    if c.len() < 4 || c[0] != b'0' || !c[1..4].iter().all(|x| (b'0'..=b'7').contains(x)) {
        return None;
    }
    let mut n = c[1..4]
        .iter()
        .fold(0u32, |acc, x| acc * 8 + u32::from(x - b'0'));
    if c.len() == 5 {
        if !(b'0'..=b'7').contains(&c[4]) {
            return None;
        }
        n = n * 8 + u32::from(c[4] - b'0');
    }
    Some(n)
}

/// The template part of a legacy action after the file name (`;Template`), as
/// `cflineParseTemplateName` reads it.
fn legacy_template(rest: &str) -> Result<Option<String>, String> {
    let r = rest.trim_start_matches([' ', '\t']);
    let r = if let Some(x) = r.strip_prefix(';') {
        x
    } else if r.is_empty() || r.starts_with('#') {
        return Ok(None);
    } else {
        return Err(format!(
            "invalid character in selector line - ';template' expected: '{rest}'"
        ));
    };
    let r = r.trim_start_matches([' ', '\t']);
    if r.is_empty() || r.starts_with('#') {
        return Ok(None);
    }
    let name: String = r
        .chars()
        .take_while(|c| *c != '#' && !c.is_whitespace())
        .collect();
    Ok(Some(name))
}

/// A legacy forwarding action (`@host`, `@@host:port;Template`, `@@(o,z9)[::1]:514`), as
/// omfwd's `parseSelectorAct` reads it: target, port, protocol, template, messages.
fn parse_legacy_forward(p: &str) -> Result<(Forward, Option<String>, Vec<String>), String> {
    let mut warnings = Vec::new();
    let mut s = &p[1..];
    let protocol = if let Some(r) = s.strip_prefix('@') {
        s = r;
        "tcp"
    } else {
        "udp"
    };
    if let Some(r) = s.strip_prefix('(') {
        match r.find(')') {
            Some(end) => {
                for opt in r[..end].split(',') {
                    let o = opt.as_bytes();
                    match o.first() {
                        Some(b'z') if o.get(1).is_some_and(|c| c.is_ascii_digit()) => {}
                        Some(b'z') => warnings.push("Invalid compression level specified in forwarding action - NOT turning on compression.".into()),
                        Some(b'o') => {}
                        _ => warnings.push(format!("Invalid option {opt} in forwarding action - ignoring.")),
                    }
                }
                s = &r[end + 1..];
            }
            None => {
                warnings.push("Option block not terminated in forwarding action.".into());
                s = "";
            }
        }
    }
    let (host, after) = if let Some(r) = s.strip_prefix('[') {
        let end = r.find(']').unwrap_or(r.len());
        (r[..end].to_string(), r.get(end + 1..).unwrap_or(""))
    } else {
        let end = s.find([';', ':', '#']).unwrap_or(s.len());
        // The host ends at ';', ':', '#' or, later, at a blank.
        let host = &s[..end];
        let host_end = host.find(|c: char| c.is_whitespace()).unwrap_or(host.len());
        (host[..host_end].to_string(), &s[host_end..])
    };
    let mut rest = after;
    let mut port = "514".to_string();
    if let Some(r) = rest.strip_prefix(':') {
        let digits: String = r.chars().take_while(|c| c.is_ascii_digit()).collect();
        port = if digits.is_empty() {
            "514".into()
        } else {
            digits.clone()
        };
        rest = &r[digits.len()..];
    }
    // Skip to the template.
    let k = rest
        .find(|c: char| c == ';' || c == '#' || c.is_whitespace())
        .unwrap_or(rest.len());
    rest = &rest[k..];
    let tpl = legacy_template(rest)?;
    if host.is_empty() {
        return Err(format!("forwarding action '{p}' names no host"));
    }
    Ok((
        Forward {
            target: host,
            port,
            protocol: protocol.into(),
        },
        tpl,
        warnings,
    ))
}

/// Decode a PRI filter as `DecodePRIFilter` does: one severity bit mask per facility slot.
pub fn decode_pri_filter(line: &str) -> Result<Vec<u8>, String> {
    const NOPRI: i32 = 0x10;
    const ALLPRI: i32 = 0xff;
    let pri_name = |s: &str| -> i32 {
        if s.as_bytes().first().is_some_and(|c| c.is_ascii_digit()) {
            return atoi(s);
        }
        match s.to_ascii_lowercase().as_str() {
            "alert" => 1,
            "crit" => 2,
            "debug" => 7,
            "emerg" | "panic" => 0,
            "err" | "error" => 3,
            "info" => 6,
            "none" => NOPRI,
            "notice" => 5,
            "warn" | "warning" => 4,
            "*" => ALLPRI,
            _ => -1,
        }
    };
    let fac_name = |s: &str| -> i32 {
        if s.as_bytes().first().is_some_and(|c| c.is_ascii_digit()) {
            return atoi(s);
        }
        let n = match s.to_ascii_lowercase().as_str() {
            "kern" => 0,
            "user" => 1,
            "mail" => 2,
            "daemon" => 3,
            "auth" | "security" => 4,
            "syslog" => 5,
            "lpr" => 6,
            "news" => 7,
            "uucp" => 8,
            "cron" => 9,
            "authpriv" => 10,
            "ftp" => 11,
            "ntp" => 12,
            "bsd_security" => 13,
            "console" => 14,
            "local0" => 16,
            "local1" => 17,
            "local2" => 18,
            "local3" => 19,
            "local4" => 20,
            "local5" => 21,
            "local6" => 22,
            "local7" => 23,
            "mark" => 24,
            "invld" => 24,
            _ => return -1,
        };
        n << 3
    };
    let b = line.as_bytes();
    let mut mask = vec![0u8; FACILITIES];
    let mut p = 0usize;
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    while p < b.len() && at(p) != b'\t' && at(p) != b' ' {
        // End of this facility list: after the first '.'.
        let mut q = p;
        while q < b.len() && at(q) != b'\t' {
            let c = at(q);
            q += 1;
            if c == b'.' {
                break;
            }
        }
        let mut buf = String::new();
        while q < b.len() && !b"\t ,;".contains(&at(q)) {
            buf.push(at(q) as char);
            q += 1;
        }
        while q < b.len() && b",;".contains(&at(q)) {
            q += 1;
        }
        let ignore = buf.starts_with('!');
        if ignore {
            buf.remove(0);
        }
        let single = buf.starts_with('=');
        let pri = if single {
            pri_name(&buf[1..])
        } else {
            pri_name(&buf)
        };
        if pri < 0 {
            return Err(format!("unknown priority name \"{buf}\""));
        }
        let apply = |m: &mut u8| {
            if pri == NOPRI {
                *m = if ignore { 0xff } else { 0 };
            } else if single {
                if (0..8).contains(&pri) {
                    if ignore {
                        *m &= !(1u8 << pri);
                    } else {
                        *m |= 1u8 << pri;
                    }
                }
            } else if pri == ALLPRI {
                *m = if ignore { 0 } else { 0xff };
            } else {
                for i2 in 0..=pri.min(7) {
                    if ignore {
                        *m &= !(1u8 << i2);
                    } else {
                        *m |= 1u8 << i2;
                    }
                }
            }
        };
        while p < b.len() && !b"\t .;".contains(&at(p)) {
            let mut name = String::new();
            while p < b.len() && !b"\t ,;.".contains(&at(p)) {
                name.push(at(p) as char);
                p += 1;
            }
            if name.starts_with('*') {
                for m in mask.iter_mut() {
                    apply(m);
                }
            } else {
                let f = fac_name(&name);
                if f < 0 {
                    return Err(format!("unknown facility name \"{name}\""));
                }
                let slot = (f >> 3) as usize;
                if slot >= FACILITIES {
                    return Err(format!("facility \"{name}\" is out of range"));
                }
                apply(&mut mask[slot]);
            }
            while p < b.len() && (at(p) == b',' || at(p) == b' ') {
                p += 1;
            }
        }
        p = q;
    }
    Ok(mask)
}

fn atoi(s: &str) -> i32 {
    let d: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
    d.parse().unwrap_or(i32::MAX)
}

/// Expand a glob in any component (as glob(3) with GLOB_MARK: directories keep a trailing
/// `/`), sorted, inside the root. Hidden names need a literal dot.
fn glob_host(root: &HostRoot, pattern: &str) -> Result<Vec<String>, ReadError> {
    let trailing = pattern.ends_with('/');
    let comps: Vec<&str> = pattern.split('/').filter(|c| !c.is_empty()).collect();
    let mut current = vec![String::from("/")];
    for (i, comp) in comps.iter().enumerate() {
        let last = i + 1 == comps.len();
        let mut next = Vec::new();
        for dir in &current {
            if crate::vocab::has_glob_meta(comp) {
                let pat = glob::Pattern::new(comp).map_err(|e| ReadError::Io {
                    path: pattern.to_string(),
                    message: format!("invalid glob: {e}"),
                })?;
                let entries = match root.read_dir(dir.as_str()) {
                    Ok(e) => e,
                    Err(e) if e.is_not_found() => continue,
                    Err(ReadError::NotRegular { .. }) => continue,
                    Err(e) => return Err(e),
                };
                for e in entries {
                    if crate::host_root::glob_matches(&pat, &e.name) {
                        next.push(crate::host_root::join_host(dir, &e.display_name()));
                    }
                }
            } else {
                let p = crate::host_root::join_host(dir, comp);
                if last
                    || root
                        .metadata(&p)
                        .is_ok_and(|m| m.kind == crate::host_root::FileKind::Directory)
                {
                    next.push(p);
                }
            }
        }
        current = next;
    }
    let mut out: Vec<String> = current
        .into_iter()
        .filter(|p| root.symlink_metadata(p).is_ok() || root.metadata(p).is_ok())
        .map(|p| {
            let dir = root
                .metadata(&p)
                .is_ok_and(|m| m.kind == crate::host_root::FileKind::Directory);
            if dir && !p.ends_with('/') {
                format!("{p}/")
            } else {
                p
            }
        })
        .collect();
    let _ = trailing;
    out.sort();
    Ok(out)
}

/// The host path of a file for display.
pub fn shown(p: &std::path::Path) -> String {
    display_path(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(files: &[(&str, &str)]) -> Rsyslog {
        let dir = tempfile::tempdir().unwrap();
        for (p, t) in files {
            let full = dir.path().join(p.trim_start_matches('/'));
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, t).unwrap();
        }
        let root = HostRoot::new(dir.path()).unwrap();
        match collect(&root) {
            Fact::Collected { value: Some(r) } => r,
            other => panic!("{other:?}"),
        }
    }

    const MODS: &[(&str, &str)] = &[
        ("/usr/lib/x86_64-linux-gnu/rsyslog/imuxsock.so", ""),
        ("/usr/lib/x86_64-linux-gnu/rsyslog/imklog.so", ""),
        ("/usr/lib/x86_64-linux-gnu/rsyslog/imtcp.so", ""),
        ("/usr/lib/x86_64-linux-gnu/rsyslog/imudp.so", ""),
    ];

    fn with_mods(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        let mut v = MODS.to_vec();
        v.extend_from_slice(extra);
        v
    }

    #[test]
    fn debian_stock() {
        let r = read(&with_mods(&[(
            "/etc/rsyslog.conf",
            "module(load=\"imuxsock\")\nmodule(load=\"imklog\")\n$FileOwner root\n$FileGroup adm\n$FileCreateMode 0640\n$DirCreateMode 0755\n$Umask 0022\n$WorkDirectory /var/spool/rsyslog\n$IncludeConfig /etc/rsyslog.d/*.conf\n*.*;auth,authpriv.none\t\t-/var/log/syslog\nauth,authpriv.*\t\t\t/var/log/auth.log\n*.emerg\t\t\t\t:omusrmsg:*\n",
        )]));
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.actions.len(), 3);
        let f = r.actions[0].file.as_ref().unwrap();
        assert_eq!(f.path, "/var/log/syslog");
        assert_eq!(f.create_mode.mode, 0o640);
        assert_eq!(f.group.as_deref(), Some("adm"));
        // auth (4) and authpriv (10) are excluded from the first action.
        let reach = r.actions[0].reach.as_ref().unwrap();
        assert_eq!(reach[4], 0);
        assert_eq!(reach[10], 0);
        assert_eq!(reach[0], 0xff);
        assert_eq!(r.umask.as_ref().unwrap().mode, 0o022);
    }

    #[test]
    fn rainerscript_action_ignores_legacy_mode() {
        let r = read(&with_mods(&[(
            "/etc/rsyslog.conf",
            "$FileCreateMode 0600\naction(type=\"omfile\" file=\"/var/log/a\")\n*.* /var/log/b\nmodule(load=\"builtin:omfile\" fileCreateMode=\"0640\")\naction(type=\"omfile\" file=\"/var/log/c\")\naction(type=\"omfile\" file=\"/var/log/d\" fileCreateMode=\"0600\")\n",
        )]));
        let modes: Vec<u32> = r
            .actions
            .iter()
            .map(|a| a.file.as_ref().unwrap().create_mode.mode)
            .collect();
        assert_eq!(modes, vec![0o644, 0o600, 0o640, 0o600]);
    }

    #[test]
    fn forwarding_legacy_and_rainerscript() {
        let r = read(&with_mods(&[(
            "/etc/rsyslog.conf",
            "*.* @@(o)[fe80::1]:10514;RSYSLOG_ForwardFormat\nauth.* @logs.example\n*.info action(type=\"omfwd\" target=\"10.0.0.9\" port=\"6514\" protocol=\"tcp\")\n",
        )]));
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        let f: Vec<_> = r
            .actions
            .iter()
            .map(|a| a.forward.clone().unwrap())
            .collect();
        assert_eq!(f[0].target, "fe80::1");
        assert_eq!(f[0].port, "10514");
        assert_eq!(f[0].protocol, "tcp");
        assert_eq!(f[1].protocol, "udp");
        assert_eq!(f[1].port, "514");
        assert_eq!(f[2].port, "6514");
        assert_eq!(r.actions[2].reach.as_ref().unwrap()[3], 0x7f);
    }

    #[test]
    fn stop_discards_from_later_actions() {
        let r = read(&with_mods(&[(
            "/etc/rsyslog.conf",
            "mail.* ~\n*.* @@remote\n:msg, contains, \"x\" stop\n*.* @@remote2\n",
        )]));
        assert_eq!(r.actions[1].reach.as_ref().unwrap()[2], 0);
        assert_eq!(r.actions[1].reach.as_ref().unwrap()[1], 0xff);
        assert!(r.actions[2].reach.is_none());
    }

    #[test]
    fn includes_in_sorted_order_and_directories() {
        let r = read(&with_mods(&[
            (
                "/etc/rsyslog.conf",
                "$IncludeConfig /etc/rsyslog.d/\n*.* /var/log/main\n",
            ),
            ("/etc/rsyslog.d/b.conf", "*.* /var/log/b\n"),
            ("/etc/rsyslog.d/a.conf", "*.* /var/log/a\n"),
            ("/etc/rsyslog.d/.hidden", "*.* /var/log/h\n"),
        ]));
        let paths: Vec<_> = r
            .actions
            .iter()
            .map(|a| a.file.as_ref().unwrap().path.clone())
            .collect();
        assert_eq!(paths, vec!["/var/log/a", "/var/log/b", "/var/log/main"]);
        assert_eq!(
            r.files,
            vec![
                "/etc/rsyslog.conf",
                "/etc/rsyslog.d/a.conf",
                "/etc/rsyslog.d/b.conf"
            ]
        );
    }

    #[test]
    fn problems_and_syntax_errors() {
        let r = read(&with_mods(&[(
            "/etc/rsyslog.conf",
            "$FileCreateMode 640\nfoo.* /var/log/foo\n$Bogus 1\ninput(type=\"imtcp\" port=\"514\")\nmodule(load=\"imtcp\")\ninput(type=\"imtcp\" port=\"514\" prot=\"x\")\n*.* /var/log/ok\nif $msg contains 'x' then {\n*.* /var/log/never\n",
        )]));
        let lines: Vec<_> = r.problems.iter().map(|p| p.origin.line.unwrap()).collect();
        assert_eq!(lines, vec![1, 2, 3, 4, 6, 9], "{:?}", r.problems);
        assert!(r.stopped.is_some());
        assert_eq!(r.inputs.len(), 1);
        assert!(r.inputs[0].remote);
    }

    #[test]
    fn pri_filters_decode_like_rsyslog() {
        let m = decode_pri_filter("*.*;auth,authpriv.none").unwrap();
        assert_eq!((m[0], m[4], m[10]), (0xff, 0, 0));
        let m = decode_pri_filter("kern.=warn;mail.!info").unwrap();
        assert_eq!(m[0], 1 << 4);
        assert_eq!(m[2], 0);
        let m = decode_pri_filter("*.info").unwrap();
        assert_eq!(m[5], 0x7f);
        assert!(decode_pri_filter("foo.*").is_err());
        assert!(decode_pri_filter("*.bogus").is_err());
    }

    #[test]
    fn hostile_input_is_no_panic() {
        let deep_if = "if $msg contains 'x' then ".repeat(5000) + "stop\n";
        let deep_paren = format!("if {}1{} then stop\n", "(".repeat(5000), ")".repeat(5000));
        let deep_brace = format!("*.* {}/var/log/x\n", "{ ".repeat(5000));
        let inputs: Vec<String> = vec![
            "$includeconfig\u{e9}x\n$rulesetX\u{e9}\n".into(),
            "$IncludeConfig\n".into(),
            ":omrelp:\n:x:\n".into(),
            "action(type=\"omfile\" file=\"unterminated\n".into(),
            "/* never closed".into(),
            "if ( then".into(),
            "*.* @\n*.* @@[\n*.* @(\n*.* @@(z\n".into(),
            "\u{e9}.* /x\n*.\u{e9} /y\n".into(),
            "module(load=\"\")\ninput()\naction()\ninclude()\n".into(),
            "template(name=\"t\" type=\"list\") { property(name=\"msg\") constant(value=\"x\") }\n"
                .into(),
            "ruleset(name=\"r\") {\n".into(),
            "-\n~\n*\n&\n}\n{\n".into(),
            deep_if,
            deep_paren,
            deep_brace,
        ];
        for text in inputs {
            let r = read(&with_mods(&[(
                "/etc/rsyslog.conf",
                Box::leak(text.into_boxed_str()),
            )]));
            let _ = r.problems.len();
        }
        // Invalid UTF-8 is read as rsyslog reads bytes.
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc")).unwrap();
        std::fs::write(
            dir.path().join("etc/rsyslog.conf"),
            b"*.* /var/log/\xff\xfe\n\xff\n",
        )
        .unwrap();
        let root = HostRoot::new(dir.path()).unwrap();
        assert!(matches!(collect(&root), Fact::Collected { value: Some(_) }));
    }

    #[test]
    fn modes_as_rsyslog_reads_them() {
        assert_eq!(parse_mode_param("0640"), Some(0o640));
        assert_eq!(parse_mode_param("00640"), Some(0o640));
        assert_eq!(parse_mode_param("064000"), Some(0o640));
        assert_eq!(parse_mode_param("0640x"), None);
        assert_eq!(parse_mode_param("640"), None);
        assert_eq!(parse_legacy_mode("0640abc").map(|x| x.0), Some(0o640));
    }
}
