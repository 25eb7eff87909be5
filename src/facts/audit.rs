//! The Linux audit daemon's configuration and the audit rules the kernel gets at boot, read
//! as audit-userspace 3.0.9 (Debian 12; RHEL 8 and 9 ship 3.0.x/3.1.x with the same rules)
//! reads them, so a check about audit logging judges what the host will really record.
//!
//! `auditd.conf` as `auditd-config.c` reads it: lines of at most 159 bytes (a longer one is
//! skipped with a warning), words split on spaces only (a tab is part of a word), a first
//! word starting with `#` is a comment, every other line must be `name = value [option]`
//! with the `=` standing alone; keywords and enumerated values are matched without case;
//! numbers must be all digits. A line auditd refuses (no `=`, too many words, unknown
//! keyword, a value its parser rejects) stops auditd from starting, so it is kept as the
//! file's `invalid` line and every check of the file is `error`. Unset keywords take
//! auditd's built-in defaults (`clear_config`), which are not the values Debian ships.
//!
//! Rules: `auditd.service` runs `augenrules --load` after starting the daemon (Debian 12,
//! RHEL 8/9; a unit in `/etc/systemd/system` may run `auditctl -R FILE` instead, which is
//! honoured). augenrules, when `/etc/audit/rules.d` exists, concatenates its `*.rules` files
//! in `ls -v` order into `/etc/audit/audit.rules`, dropping empty lines and comment lines,
//! moving the last bare `-D` first, the last `-b` and `-f` after it and the last `-e` to the
//! very end; without `rules.d` the existing `audit.rules` is loaded as it stands. The loaded
//! file is then read as `auditctl -R` reads it: lines split on spaces (`\ ` escapes one),
//! options parsed as getopt does, each line checked as auditctl checks it (lists and
//! actions, field names and operators, syscall names for the rule's architecture, watch
//! paths, permissions, key length). The first line auditctl refuses stops the load unless
//! an earlier `-c` or `-i` asked it to go on; once `-e 2` has run the kernel refuses every
//! later change. Each rule keeps the file and line it came from (the `rules.d` file, not the
//! generated file). On the live host `auditctl -l` (through the bounded runner) gives the
//! rules the kernel holds now; when it cannot run that is a note, not an error.

use serde::{Deserialize, Serialize};

use super::{Fact, Origin};
use crate::host_root::HostRoot;

/// auditd's configuration file.
pub const AUDITD_CONF: &str = "/etc/audit/auditd.conf";
/// The rules file auditctl loads.
pub const AUDIT_RULES: &str = "/etc/audit/audit.rules";
/// The directory augenrules concatenates.
pub const RULES_D: &str = "/etc/audit/rules.d";
/// Where `auditctl` is run from on the live host.
pub const AUDITCTL: &str = "/sbin/auditctl";

/// Unit directories searched for `auditd.service`, in systemd's precedence order.
const UNIT_DIRS: [&str; 4] = [
    "/etc/systemd/system",
    "/run/systemd/system",
    "/usr/lib/systemd/system",
    "/lib/systemd/system",
];

/// auditd's keywords and their built-in defaults (`clear_config`, audit 3.0.9). `None`:
/// no default value (unset).
pub const AUDITD_KEYWORDS: [(&str, Option<&str>); 39] = [
    ("local_events", Some("yes")),
    ("write_logs", Some("yes")),
    ("log_file", Some("/var/log/audit/audit.log")),
    ("log_format", Some("enriched")),
    ("log_group", Some("root")),
    ("flush", Some("none")),
    ("freq", Some("0")),
    ("num_logs", Some("0")),
    ("dispatcher", None),
    ("name_format", Some("none")),
    ("name", None),
    ("disp_qos", None),
    ("max_log_file", Some("0")),
    ("max_log_file_action", Some("ignore")),
    ("space_left", Some("0")),
    ("space_left_action", Some("ignore")),
    ("action_mail_acct", Some("root")),
    ("verify_email", Some("yes")),
    ("admin_space_left", Some("0")),
    ("admin_space_left_action", Some("ignore")),
    ("disk_full_action", Some("ignore")),
    ("disk_error_action", Some("syslog")),
    ("priority_boost", Some("4")),
    ("tcp_listen_port", None),
    ("tcp_listen_queue", Some("5")),
    ("tcp_max_per_addr", Some("1")),
    ("use_libwrap", Some("yes")),
    ("tcp_client_ports", None),
    ("tcp_client_max_idle", Some("0")),
    ("transport", Some("tcp")),
    ("enable_krb5", Some("no")),
    ("krb5_principal", None),
    ("krb5_key_file", None),
    ("distribute_network", Some("no")),
    ("q_depth", Some("2000")),
    ("overflow_action", Some("syslog")),
    ("max_restarts", Some("10")),
    ("plugin_dir", Some("/etc/audit/plugins.d")),
    ("end_of_event_timeout", Some("2")),
];

/// Keywords that take an option after the value (`exec /path`).
const WITH_OPTION: [&str; 4] = [
    "space_left_action",
    "admin_space_left_action",
    "disk_full_action",
    "disk_error_action",
];

const FAILURE_ACTIONS: [&str; 8] = [
    "ignore", "syslog", "rotate", "email", "exec", "suspend", "single", "halt",
];
const SIZE_ACTIONS: [&str; 5] = ["ignore", "syslog", "suspend", "rotate", "keep_logs"];

/// One setting of auditd.conf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfSetting {
    /// The value, lower-cased when auditd matches it without case.
    pub value: String,
    /// The option after the value (`exec`'s program).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option: Option<String>,
    pub origin: Origin,
}

/// A line a program refuses or skips, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub origin: Origin,
    pub reason: String,
}

/// auditd.conf as auditd reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditdConf {
    /// Whether the file exists (auditd runs on its defaults without one).
    pub exists: bool,
    /// Keyword (lower case) to its last setting.
    pub settings: std::collections::BTreeMap<String, ConfSetting>,
    /// The line that stops auditd from starting, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid: Option<Problem>,
    /// Lines auditd skips with a warning (too long).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Problem>,
}

impl AuditdConf {
    /// The effective value of a keyword: its setting, or auditd's default (`None` when the
    /// keyword has no default or is unknown). The bool says whether it is the default.
    pub fn effective(&self, key: &str) -> Option<(String, Option<&ConfSetting>)> {
        let key = key.to_ascii_lowercase();
        if let Some(s) = self.settings.get(&key) {
            return Some((s.value.clone(), Some(s)));
        }
        AUDITD_KEYWORDS
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, d)| d.map(|d| (d.to_string(), None)))
    }
}

/// Read auditd.conf text as `load_config` does.
pub fn parse_auditd_conf(path: &str, text: &str) -> AuditdConf {
    let mut out = AuditdConf {
        exists: true,
        ..AuditdConf::default()
    };
    let mut lineno = 0usize;
    for raw in split_lines(text) {
        lineno += 1;
        let origin = Origin::at(path.to_string(), lineno);
        // fgets with a 160-byte buffer: 159 bytes and the newline must fit.
        if raw.len() > 158 {
            out.skipped.push(Problem {
                origin,
                reason: "longer than auditd's 160-byte line buffer: skipped".into(),
            });
            continue;
        }
        let line = raw.split('\0').next().unwrap_or("");
        let words: Vec<&str> = line.split(' ').filter(|w| !w.is_empty()).collect();
        let Some(first) = words.first() else {
            continue;
        };
        if first.starts_with('#') {
            continue;
        }
        let refuse = |reason: String| Problem {
            origin: origin.clone(),
            reason,
        };
        if words.len() < 3 || words.len() > 4 {
            out.invalid = Some(refuse(format!(
                "wrong number of words (auditd wants `name = value`, with spaces around `=`): {line:?}"
            )));
            return out;
        }
        if words[1] != "=" {
            out.invalid = Some(refuse(format!("missing equal sign: {line:?}")));
            return out;
        }
        let name = words[0].to_ascii_lowercase();
        if !AUDITD_KEYWORDS.iter().any(|(k, _)| *k == name) {
            out.invalid = Some(refuse(format!("unknown keyword {:?}", words[0])));
            return out;
        }
        let option = words.get(3).map(|s| s.to_string());
        if option.is_some() && !WITH_OPTION.contains(&name.as_str()) {
            out.invalid = Some(refuse(format!(
                "keyword {name} takes no option ({:?})",
                words[3]
            )));
            return out;
        }
        match check_value(&name, words[2], option.as_deref()) {
            Ok(value) => {
                out.settings.insert(
                    name,
                    ConfSetting {
                        value,
                        option,
                        origin,
                    },
                );
            }
            Err(e) => {
                out.invalid = Some(refuse(format!("{name}: {e}")));
                return out;
            }
        }
    }
    // auditd's sanity check, run when the file has lines.
    if lineno > 0 {
        let num = |k: &str| -> Option<(u64, bool)> {
            let v = out.effective(k)?.0;
            let pct = v.contains('%');
            v.replace('%', "").parse().ok().map(|n| (n, pct))
        };
        if let (Some((sl, false)), Some((asl, false))) =
            (num("space_left"), num("admin_space_left"))
        {
            if sl <= asl {
                let origin = out
                    .settings
                    .get("space_left")
                    .or(out.settings.get("admin_space_left"))
                    .map(|s| s.origin.clone())
                    .unwrap_or_else(|| Origin::file(path.to_string()));
                out.invalid = Some(Problem {
                    origin,
                    reason: format!(
                        "space_left ({sl}) must be larger than admin_space_left ({asl}); auditd refuses to start"
                    ),
                });
            }
        }
    }
    out
}

/// Lines as `fgets` gives them, newline removed (a CR stays part of the line).
fn split_lines(text: &str) -> Vec<&str> {
    let mut v: Vec<&str> = text.split('\n').collect();
    if v.last() == Some(&"") {
        v.pop();
    }
    v
}

fn digits(v: &str) -> Result<String, String> {
    if v.bytes().all(|b| b.is_ascii_digit()) {
        v.parse::<u64>()
            .map(|n| n.to_string())
            .map_err(|_| format!("{v:?} is out of range"))
    } else {
        Err(format!("{v:?} should only be numbers"))
    }
}

fn one_of(v: &str, allowed: &[&str]) -> Result<String, String> {
    let l = v.to_ascii_lowercase();
    if allowed.contains(&l.as_str()) {
        Ok(l)
    } else {
        Err(format!("{v:?} is not one of {}", allowed.join(", ")))
    }
}

/// The value as auditd's keyword parser accepts it, or why it refuses it.
fn check_value(name: &str, v: &str, option: Option<&str>) -> Result<String, String> {
    match name {
        "local_events" | "write_logs" | "verify_email" | "use_libwrap" | "enable_krb5"
        | "distribute_network" => one_of(v, &["yes", "no"]),
        "log_format" => one_of(v, &["raw", "enriched", "nolog"]),
        "flush" => one_of(
            v,
            &["none", "incremental", "incremental_async", "data", "sync"],
        ),
        "name_format" => one_of(v, &["none", "hostname", "fqd", "numeric", "user"]),
        "overflow_action" => one_of(v, &["ignore", "syslog", "suspend", "single", "halt"]),
        "max_log_file_action" => one_of(v, &SIZE_ACTIONS),
        "space_left_action"
        | "admin_space_left_action"
        | "disk_full_action"
        | "disk_error_action" => {
            let a = one_of(v, &FAILURE_ACTIONS)?;
            if a == "exec" && !option.is_some_and(|o| o.starts_with('/')) {
                return Err("`exec` needs the absolute path of a program".into());
            }
            if name == "admin_space_left_action" && a == "rotate" {
                // Accepted by 3.0.9's parser; kept as written.
            }
            Ok(a)
        }
        "num_logs" => {
            let n = digits(v)?;
            if n.parse::<u64>().unwrap_or(u64::MAX) > 999 {
                return Err("num_logs must be 999 or less".into());
            }
            Ok(n)
        }
        "max_log_file"
        | "freq"
        | "priority_boost"
        | "tcp_listen_queue"
        | "tcp_max_per_addr"
        | "tcp_client_max_idle"
        | "q_depth"
        | "max_restarts"
        | "end_of_event_timeout"
        | "tcp_listen_port" => digits(v),
        "space_left" | "admin_space_left" => {
            if !v.bytes().all(|b| b.is_ascii_digit() || b == b'%') {
                return Err(format!("{v:?} should only be numbers or a percentage"));
            }
            let n: u64 = v
                .split('%')
                .next()
                .unwrap_or("")
                .parse()
                .map_err(|_| format!("{v:?} is not a number"))?;
            if v.contains('%') {
                if n > 99 {
                    return Err("percentages should be less than 100".into());
                }
                return Ok(format!("{n}%"));
            }
            Ok(n.to_string())
        }
        "transport" => one_of(v, &["tcp", "krb5"]),
        _ => Ok(v.to_string()),
    }
}

/// A loaded (or refused) audit rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// The line as written.
    pub text: String,
    pub origin: Origin,
    /// `always` or `never` (a watch is `always`).
    pub action: String,
    /// `exit`, `task`, `user`, `exclude` or `filesystem`.
    pub list: String,
    /// The watched path of a `-w` rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watch: Option<String>,
    /// Permissions of a watch (`-p`) or a `perm=` field: letters of `rwxa`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub perms: Option<String>,
    /// Syscall names; empty on the exit list means every syscall.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub syscalls: Vec<String>,
    /// `b64` or `b32` when the rule names its architecture (`None`: the machine's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// Other `-F` fields: (name, operator, value).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<(String, String, String)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
    /// A delete (`-d`, `-W`) rather than an add.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delete: bool,
}

impl Rule {
    /// The rule's identity for deletes: everything but where it came from.
    fn same_as(&self, other: &Rule) -> bool {
        self.action == other.action
            && self.list == other.list
            && self.watch == other.watch
            && self.perms == other.perms
            && self.syscalls == other.syscalls
            && self.arch == other.arch
            && self.fields == other.fields
            && self.keys == other.keys
    }
}

/// The audit rules the boot loads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRules {
    /// How they are loaded: `augenrules` or `auditctl -R FILE`.
    pub loader: String,
    /// Files read, in order.
    pub files: Vec<String>,
    /// Rules in the kernel once the load has finished, in order.
    pub rules: Vec<Rule>,
    /// The `-e` value last set and where.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<(String, Origin)>,
    /// Lines auditctl refuses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<Problem>,
    /// Where the load stopped (a refused line without `-c`/`-i`), if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<Problem>,
    /// Lines never loaded because the load stopped or the configuration was immutable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_loaded: Vec<Problem>,
    /// The running kernel's rules (`auditctl -l`, live host only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live: Option<Vec<Rule>>,
    /// Why `auditctl -l` gave nothing, if it did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_note: Option<String>,
}

/// The audit configuration of a host.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Audit {
    pub conf: AuditdConf,
    pub rules: Fact<AuditRules>,
}

/// A line of the file auditctl loads, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLine {
    pub text: String,
    pub origin: Origin,
}

/// GNU `ls -v` (filevercmp) order, for the names augenrules sees: digit runs compare as
/// numbers, everything else byte by byte with letters before other characters; `~` first.
pub fn version_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    // gnulib's filevercmp compares the names without their suffixes (`.rules`, `.tar.gz`:
    // runs of `.` + letter or `~` + letters, digits, `~`), then whole, and ls breaks a tie
    // with strcmp. Its verrevcmp is dpkg's, character weights and all.
    let (ab, bb) = (a.as_bytes(), b.as_bytes());
    let cmp = crate::version::verrevcmp;
    cmp(&ab[..prefix_len(a)], &bb[..prefix_len(b)])
        .then_with(|| cmp(ab, bb))
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

/// The length of `s` without its trailing file suffixes; the first character never counts
/// as a suffix (a hidden file's name).
fn prefix_len(s: &str) -> usize {
    let b = s.as_bytes();
    let is_suffixes = |mut i: usize| -> bool {
        while i < b.len() {
            if b[i] != b'.'
                || i + 1 >= b.len()
                || !(b[i + 1].is_ascii_alphabetic() || b[i + 1] == b'~')
            {
                return false;
            }
            i += 2;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'~') {
                i += 1;
            }
        }
        true
    };
    (1..b.len()).find(|&p| is_suffixes(p)).unwrap_or(b.len())
}

/// What augenrules writes from the `rules.d` files (name, text), already in order: the
/// lines auditctl will read, each with its source file and line. Mirrors its awk script as
/// Debian's mawk runs it (`\s` there is a literal `s`, so only a `#` or `-e`/`-D`/`-f`/`-b`
/// at the very start of a line is recognised), the header comment, the three lines for the
/// last bare `-D`, `-b` and `-f` (empty when absent) and the last `-e` at the end.
pub fn augenrules(files: &[(String, String)]) -> Vec<SourceLine> {
    let mut minus = [None, None, None, None]; // D, b, f, e
    let mut rules = Vec::new();
    // `cat` joins the files: a file not ending in a newline runs on into the next one's
    // first line. Each line keeps the file and line it starts on.
    let mut joined: Vec<SourceLine> = Vec::new();
    let mut open = false;
    for (path, text) in files {
        let mut parts = text.split('\n').peekable();
        let mut n = 0;
        while let Some(part) = parts.next() {
            let last = parts.peek().is_none();
            if last && part.is_empty() {
                break;
            }
            n += 1;
            match joined.last_mut() {
                Some(prev) if open && n == 1 => prev.text.push_str(part),
                _ => joined.push(SourceLine {
                    text: part.to_string(),
                    origin: Origin::at(path.clone(), n),
                }),
            }
            open = last;
        }
    }
    {
        for sl in joined {
            let line = sl.text.as_str();
            let t = sl.text.trim_start_matches('s');
            if line.is_empty() || t.starts_with('#') {
                continue;
            }
            let slot = if t.starts_with("-e") {
                Some(3)
            } else if t.starts_with("-D") && t[2..].trim_start_matches('s').is_empty() {
                Some(0)
            } else if t.starts_with("-f") {
                Some(2)
            } else if t.starts_with("-b") {
                Some(1)
            } else {
                None
            };
            match slot {
                Some(i) => minus[i] = Some(sl),
                None => rules.push(sl),
            }
        }
    }
    let blank = |o: Option<SourceLine>| {
        o.unwrap_or(SourceLine {
            text: String::new(),
            origin: Origin::file(AUDIT_RULES),
        })
    };
    let [d, b, f, e] = minus;
    let mut out = vec![
        SourceLine {
            text: format!("## This file is automatically generated from {RULES_D}"),
            origin: Origin::file(AUDIT_RULES),
        },
        blank(d),
        blank(b),
        blank(f),
    ];
    out.extend(rules);
    out.push(blank(e));
    out
}

/// The state auditctl keeps across the lines of one `-R` file.
#[derive(Default)]
struct Loader {
    ignore: bool,
    immutable: bool,
    out: AuditRules,
}

/// What one line asks for.
enum Request {
    None,
    Rule(Box<Rule>),
    Enable(String),
    DeleteAll,
    /// `-i` or `-c`: go on after refused lines.
    Ignore,
    /// A status change the kernel makes (`-b`, `-f`, `-r`, ...): refused once immutable.
    Control,
}

const OPTS_WITH_ARG: &str = "Cefrbad SFmRwWkpq";
const OPTS_NO_ARG: &str = "hicslDvt";
const LONG_OPTS: [(&str, bool); 4] = [
    ("loginuid-immutable", false),
    ("backlog_wait_time", true),
    ("reset-lost", false),
    ("reset_backlog_wait_time_actual", false),
];

/// Syscall names auditctl knows for an architecture.
fn syscall_table(arch: &str) -> &'static [&'static str] {
    if arch == "b32" {
        super::audit_syscalls::I386
    } else {
        super::audit_syscalls::X86_64
    }
}

const FIELDS: [&str; 46] = [
    "pid",
    "uid",
    "euid",
    "suid",
    "fsuid",
    "gid",
    "egid",
    "sgid",
    "fsgid",
    "auid",
    "loginuid",
    "pers",
    "arch",
    "msgtype",
    "subj_user",
    "subj_role",
    "subj_type",
    "subj_sen",
    "subj_clr",
    "ppid",
    "obj_user",
    "obj_role",
    "obj_type",
    "obj_lev_low",
    "obj_lev_high",
    "sessionid",
    "devmajor",
    "devminor",
    "inode",
    "exit",
    "success",
    "path",
    "perm",
    "dir",
    "filetype",
    "fstype",
    "obj_uid",
    "obj_gid",
    "field_compare",
    "a0",
    "a1",
    "a2",
    "a3",
    "key",
    "exe",
    "saddr_fam",
];

/// The maximum length of a rule's keys together (AUDIT_MAX_KEY_LEN).
const MAX_KEY_LEN: usize = 256;

/// Split a line into words as auditctl does: `\ ` is a space inside a word and `\\` a
/// backslash; words are separated by spaces only.
fn auditctl_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if matches!(chars.peek(), Some(' ') | Some('\\')) => {
                cur.push(chars.next().unwrap_or(' '));
            }
            ' ' => {
                if !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// Options of one line as GNU getopt_long returns them: (option, argument). Non-option
/// words are permuted to the end; their presence is an error after the options.
/// Options as (name, argument), and how many non-option words there were.
type Options = (Vec<(String, Option<String>)>, usize);

fn getopt(words: &[String]) -> Result<Options, String> {
    let mut opts = Vec::new();
    let mut extra = 0;
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        i += 1;
        if w == "--" {
            extra += words.len() - i;
            break;
        }
        if let Some(long) = w.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let matches: Vec<_> = LONG_OPTS
                .iter()
                .filter(|(n, _)| *n == name || n.starts_with(name))
                .collect();
            let exact = LONG_OPTS.iter().find(|(n, _)| *n == name);
            let Some((n, arg)) = exact.or(if matches.len() == 1 {
                Some(matches[0])
            } else {
                None
            }) else {
                return Err(format!("option {w} is invalid"));
            };
            let value = if *arg {
                match inline {
                    Some(v) => Some(v),
                    None if i < words.len() => {
                        i += 1;
                        Some(words[i - 1].clone())
                    }
                    None => return Err(format!("option --{n} needs a value")),
                }
            } else {
                None
            };
            opts.push((format!("--{n}"), value));
            continue;
        }
        let Some(cluster) = w.strip_prefix('-').filter(|c| !c.is_empty()) else {
            extra += 1;
            continue;
        };
        for (at, c) in cluster.char_indices() {
            if OPTS_WITH_ARG.contains(c) && c != ' ' {
                let rest = &cluster[at + c.len_utf8()..];
                let arg = if !rest.is_empty() {
                    rest.to_string()
                } else if i < words.len() {
                    i += 1;
                    words[i - 1].clone()
                } else {
                    return Err(format!("option -{c} needs a value"));
                };
                opts.push((format!("-{c}"), Some(arg)));
                break;
            } else if OPTS_NO_ARG.contains(c) {
                opts.push((format!("-{c}"), None));
            } else {
                return Err(format!("option {w} is invalid"));
            }
        }
    }
    Ok((opts, extra))
}

/// The architecture name an `arch=` value gives, as auditctl on x86-64 reads it.
fn arch_of(v: &str) -> Option<&'static str> {
    match v {
        "b64" | "x86_64" => Some("b64"),
        "b32" | "i386" | "i486" | "i586" | "i686" => Some("b32"),
        _ => None,
    }
}

const OPERATORS: [&str; 8] = ["!=", ">=", "<=", "&=", "=", ">", "<", "&"];

/// Parse one line's options into a request, as auditctl's `setopt` does; `Err` is the
/// message auditctl gives when it refuses the line.
fn parse_line(words: &[String], origin: &Origin, text: &str) -> Result<Request, String> {
    let (opts, extra) = getopt(words)?;
    if opts.is_empty() {
        return Err("parameter passed without an option given".into());
    }
    let mut list: Option<String> = None;
    let mut action: Option<String> = None;
    let mut delete = false;
    let mut multiple = 0;
    let mut rule = Rule {
        text: text.to_string(),
        origin: origin.clone(),
        action: String::new(),
        list: String::new(),
        watch: None,
        perms: None,
        syscalls: Vec::new(),
        arch: None,
        fields: Vec::new(),
        keys: Vec::new(),
        delete: false,
    };
    let mut request = Request::None;
    let mut key_len = 0usize;
    let mut syscall_added = false;
    let mut stop = false;
    for (opt, arg) in &opts {
        if stop {
            // A negative result ends getopt's loop; what is left is "extra".
            return Err("parameter passed without an option given".into());
        }
        let arg = arg.clone().unwrap_or_default();
        match opt.as_str() {
            "-h" => return Err("-h prints the usage and fails".into()),
            "-i" | "-c" => {
                request = Request::Ignore;
                stop = true;
            }
            "-s" | "-l" | "-v" | "-t" | "-m" | "-q" => stop = true,
            "--loginuid-immutable" | "--reset-lost" | "--reset_backlog_wait_time_actual" => {
                request = Request::Control;
                stop = true;
            }
            "--backlog_wait_time" | "-r" | "-b" => {
                if !arg.starts_with(|c: char| c.is_ascii_digit()) {
                    return Err(format!("{opt} must be a numeric value, was {arg:?}"));
                }
                request = Request::Control;
            }
            "-e" | "-f" => {
                if !["0", "1", "2"].contains(&arg.as_str()) {
                    return Err(format!("{opt} must be 0, 1 or 2, was {arg:?}"));
                }
                request = if opt == "-e" {
                    Request::Enable(arg)
                } else {
                    Request::Control
                };
            }
            "-R" => return Err("nested rule files are not supported".into()),
            "-D" => {
                // `-D` alone, or `-D -k KEY`.
                let rest: Vec<&(String, Option<String>)> =
                    opts.iter().filter(|(o, _)| o != "-D").collect();
                if !rest.is_empty() || extra > 0 {
                    let only_key = rest.len() == 1 && rest[0].0 == "-k" && extra == 0;
                    if !only_key {
                        return Err("wrong options for delete all".into());
                    }
                    // Deleting by key: modelled as deleting every rule with that key.
                    rule.keys = vec![rest[0].1.clone().unwrap_or_default()];
                    rule.delete = true;
                    return Ok(Request::Rule(Box::new(rule)));
                }
                return Ok(Request::DeleteAll);
            }
            "-a" | "-A" | "-d" => {
                multiple += 1;
                if multiple > 1 {
                    return Err("multiple rule insert/delete operations are not allowed".into());
                }
                let parts: Vec<&str> = arg.split(',').collect();
                if parts.len() != 2 {
                    return Err(format!("bad keyword {arg:?}"));
                }
                let lists = ["task", "exit", "user", "exclude", "filesystem"];
                let actions = ["never", "possible", "always"];
                let (a, l) = if actions.contains(&parts[0]) {
                    (parts[0], parts[1])
                } else {
                    (parts[1], parts[0])
                };
                if !actions.contains(&a) || !lists.contains(&l) {
                    return Err(format!("bad keyword {arg:?}"));
                }
                if a == "possible" {
                    // Deprecated: auditctl eats the line.
                    return Ok(Request::None);
                }
                if l == "task" && syscall_added {
                    return Err("syscall auditing requested for task list".into());
                }
                action = Some(a.to_string());
                list = Some(l.to_string());
                delete = opt == "-d";
            }
            "-S" => {
                if let Some(l) = &list {
                    if l != "exit" {
                        return Err(format!("syscall auditing cannot be added to the {l} list"));
                    }
                }
                let arch = rule.arch.clone().unwrap_or_else(|| "b64".into());
                for name in arg.split(',') {
                    let known = name == "all"
                        || (!name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()))
                        || syscall_table(&arch).binary_search(&name).is_ok();
                    if known {
                        rule.syscalls.push(name.to_string());
                    } else {
                        return Err(format!("syscall name unknown: {name} (arch {arch})"));
                    }
                }
                syscall_added = true;
            }
            "-F" | "-C" => {
                if list.is_none() {
                    return Err("list must be given before field".into());
                }
                if opt == "-C" {
                    rule.fields.push(("field_compare".into(), "=".into(), arg));
                    continue;
                }
                if let Some(k) = arg.strip_prefix("key=") {
                    add_key(&mut rule, &mut key_len, k)?;
                    continue;
                }
                let Some((name, op, value)) = first_operator(&arg) else {
                    return Err(format!("{arg:?} has no operator"));
                };
                if !FIELDS.contains(&name) {
                    return Err(format!("unknown field {name:?}"));
                }
                if value.is_empty() {
                    return Err(format!("field {name} has no value"));
                }
                match name {
                    "arch" => {
                        if syscall_added {
                            return Err("arch must be given before the syscalls".into());
                        }
                        if op != "=" && op != "!=" {
                            return Err("arch takes only = or !=".into());
                        }
                        let Some(a) = arch_of(value) else {
                            return Err(format!("unknown architecture {value:?}"));
                        };
                        if op == "=" {
                            rule.arch = Some(a.to_string());
                        } else {
                            rule.fields.push((name.into(), op.into(), a.into()));
                        }
                    }
                    "perm" => {
                        if list.as_deref() != Some("exit") {
                            return Err("perm is only for the exit list".into());
                        }
                        if op != "=" {
                            return Err("perm takes only =".into());
                        }
                        check_perms(value)?;
                        rule.perms = Some(value.to_ascii_lowercase());
                    }
                    "path" | "dir" => {
                        if list.as_deref() != Some("exit") {
                            return Err(format!("{name} is only for the exit list"));
                        }
                        if op != "=" && op != "!=" {
                            return Err(format!("{name} takes only = or !="));
                        }
                        if !value.starts_with('/') {
                            return Err(format!("{name} needs a full path"));
                        }
                        rule.fields.push((name.into(), op.into(), value.into()));
                    }
                    _ => rule.fields.push((name.into(), op.into(), value.into())),
                }
            }
            "-w" | "-W" => {
                if list.is_some() {
                    return Err("watch option can't be given with a syscall".into());
                }
                check_watch_path(&arg)?;
                let mut p = arg.clone();
                while p.len() > 2 && p.ends_with('/') {
                    p.pop();
                }
                rule.watch = Some(p);
                list = Some("exit".into());
                action = Some("always".into());
                delete = opt == "-W";
                syscall_added = true;
            }
            "-p" => {
                if list.is_none() {
                    return Err("permission option needs a watch given prior to it".into());
                }
                check_perms(&arg)?;
                rule.perms = Some(arg.to_ascii_lowercase());
            }
            "-k" => {
                if list.is_none() || !(syscall_added || rule.perms.is_some()) {
                    return Err("key option needs a watch or syscall given prior to it".into());
                }
                add_key(&mut rule, &mut key_len, &arg)?;
            }
            _ => return Err(format!("option {opt} is invalid")),
        }
    }
    if extra > 0 {
        return Err("parameter passed without an option given".into());
    }
    if let (Some(l), Some(a)) = (list, action) {
        rule.list = l;
        rule.action = a;
        rule.delete = delete;
        if rule.watch.is_some() && rule.perms.is_none() {
            rule.perms = Some("rwxa".into());
        }
        return Ok(Request::Rule(Box::new(rule)));
    }
    if !rule.keys.is_empty() {
        return Err("key option needs a watch or syscall given prior to it".into());
    }
    Ok(request)
}

/// The leftmost operator of `name<op>value`, longest first at the same place.
fn first_operator(arg: &str) -> Option<(&str, &'static str, &str)> {
    let i = arg.find(['=', '!', '<', '>', '&'])?;
    let rest = &arg[i..];
    let op = OPERATORS.iter().find(|op| rest.starts_with(**op))?;
    Some((&arg[..i], op, &arg[i + op.len()..]))
}

fn add_key(rule: &mut Rule, key_len: &mut usize, k: &str) -> Result<(), String> {
    let sep = usize::from(*key_len > 0);
    if *key_len + sep + k.len() > MAX_KEY_LEN {
        return Err("key option exceeds size limit".into());
    }
    *key_len += sep + k.len();
    rule.keys.push(k.to_string());
    Ok(())
}

fn check_perms(p: &str) -> Result<(), String> {
    if p.len() > 4 || p.is_empty() {
        return Err(format!("permission {p:?} is too long or empty"));
    }
    for c in p.chars() {
        if !"rwxa".contains(c.to_ascii_lowercase()) {
            return Err(format!("permission {c} isn't supported"));
        }
    }
    Ok(())
}

fn check_watch_path(p: &str) -> Result<(), String> {
    if !p.starts_with('/') {
        return Err(format!("watch path {p:?} must be a full path"));
    }
    if p.len() >= 4096 {
        return Err("watch path is too long".into());
    }
    if p.rsplit('/').next().is_some_and(|base| base.len() > 255) {
        return Err("watch path's base name is too long".into());
    }
    Ok(())
}

/// Load lines as `auditctl -R` does.
pub fn load(lines: &[SourceLine]) -> AuditRules {
    let mut l = Loader::default();
    let mut stopped = false;
    for sl in lines {
        // fgets with a 6144-byte buffer: a longer line is read as several.
        let chunks: Vec<&str> = chunk(&sl.text, 6143);
        for text in chunks {
            if stopped {
                if !text.trim_matches(' ').is_empty() && !text.trim_start().starts_with('#') {
                    l.out.not_loaded.push(Problem {
                        origin: sl.origin.clone(),
                        reason: "after the line where loading stopped".into(),
                    });
                }
                continue;
            }
            let text = text.split('\0').next().unwrap_or("");
            if text.trim_start_matches(' ').is_empty() {
                continue;
            }
            let words = auditctl_words(text);
            let Some(first) = words.first() else { continue };
            if first.starts_with('#') {
                continue;
            }
            let refuse = |l: &mut Loader, reason: String| -> bool {
                l.out.refused.push(Problem {
                    origin: sl.origin.clone(),
                    reason: reason.clone(),
                });
                if !l.ignore {
                    l.out.stopped = Some(Problem {
                        origin: sl.origin.clone(),
                        reason,
                    });
                    return true;
                }
                false
            };
            match parse_line(&words, &sl.origin, text) {
                Err(e) => stopped = refuse(&mut l, e),
                Ok(req) => {
                    if matches!(req, Request::Ignore) {
                        l.ignore = true;
                        continue;
                    }
                    let changes = !matches!(req, Request::None);
                    if l.immutable && changes {
                        stopped = refuse(
                            &mut l,
                            "the audit configuration is immutable (-e 2 ran earlier): the kernel refuses changes".into(),
                        );
                        continue;
                    }
                    match req {
                        Request::None | Request::Control | Request::Ignore => {}
                        Request::Enable(v) => {
                            l.immutable = v == "2";
                            l.out.enabled = Some((v, sl.origin.clone()));
                        }
                        Request::DeleteAll => l.out.rules.clear(),
                        Request::Rule(r) if r.delete => {
                            if r.list.is_empty() {
                                l.out
                                    .rules
                                    .retain(|x| !x.keys.iter().any(|k| r.keys.contains(k)));
                            } else if let Some(i) = l.out.rules.iter().position(|x| x.same_as(&r)) {
                                l.out.rules.remove(i);
                            } else {
                                stopped = refuse(&mut l, "no such rule to delete".into());
                            }
                        }
                        Request::Rule(r) => {
                            if l.out.rules.iter().any(|x| x.same_as(&r)) {
                                stopped = refuse(&mut l, "rule exists".into());
                            } else if r.text.contains(" -A ") || r.text.starts_with("-A") {
                                l.out.rules.insert(0, *r);
                            } else {
                                l.out.rules.push(*r);
                            }
                        }
                    }
                }
            }
        }
    }
    l.out
}

fn chunk(s: &str, n: usize) -> Vec<&str> {
    if s.len() <= n {
        return vec![s];
    }
    let mut out = Vec::new();
    let mut rest = s;
    while rest.len() > n {
        let mut cut = n;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    out.push(rest);
    out
}

/// How the boot loads rules: `None` for augenrules, `Some(path)` for `auditctl -R path`.
fn loader(root: &HostRoot) -> Option<String> {
    for dir in UNIT_DIRS {
        for unit in ["audit-rules.service", "auditd.service"] {
            let path = format!("{dir}/{unit}");
            let Ok(text) = root.read_lossy(&path) else {
                continue;
            };
            for s in super::systemd::unit_settings(&text) {
                if s.section == "Service" && s.key == "ExecStartPost" {
                    let v = s.value.trim_start_matches(['-', '@', '+', '!', ':']);
                    let words: Vec<&str> = v.split_whitespace().collect();
                    if words.first().is_some_and(|w| w.ends_with("/augenrules")) {
                        return None;
                    }
                    if words.first().is_some_and(|w| w.ends_with("/auditctl")) {
                        if let Some(i) = words.iter().position(|w| *w == "-R") {
                            if let Some(f) = words.get(i + 1) {
                                return Some(f.to_string());
                            }
                        }
                    }
                }
            }
            return None;
        }
    }
    None
}

/// Read the rules the boot loads.
pub fn collect_rules(root: &HostRoot) -> Fact<AuditRules> {
    let direct = loader(root);
    let rules_d = root
        .metadata(RULES_D)
        .map(|m| m.kind == crate::host_root::FileKind::Directory)
        .unwrap_or(false);
    let (lines, files, how) = match (&direct, rules_d) {
        (None, true) => {
            let entries = match root.read_dir(RULES_D) {
                Ok(e) => e,
                Err(e) => return Fact::from_read_error(&e),
            };
            let mut names: Vec<String> = entries
                .iter()
                .filter_map(|e| e.name_str().map(str::to_string))
                .filter(|n| n.ends_with(".rules") && !n.starts_with('.'))
                .collect();
            names.sort_by(|a, b| version_cmp(a, b));
            let mut texts = Vec::new();
            for n in &names {
                let path = format!("{RULES_D}/{n}");
                match root.read_lossy(&path) {
                    Ok(t) => texts.push((path, t)),
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Fact::from_read_error(&e),
                }
            }
            let files = texts.iter().map(|(p, _)| p.clone()).collect();
            (augenrules(&texts), files, "augenrules".to_string())
        }
        _ => {
            let path = direct.clone().unwrap_or_else(|| AUDIT_RULES.to_string());
            match root.read_lossy(&path) {
                Ok(t) => {
                    let lines = split_lines(&t)
                        .into_iter()
                        .enumerate()
                        .map(|(i, l)| SourceLine {
                            text: l.to_string(),
                            origin: Origin::at(path.clone(), i + 1),
                        })
                        .collect();
                    let how = if direct.is_some() {
                        format!("auditctl -R {path}")
                    } else {
                        format!("augenrules (no {RULES_D}: {path} loaded as it is)")
                    };
                    (lines, vec![path], how)
                }
                Err(e) if e.is_not_found() => (Vec::new(), Vec::new(), format!("no {path}")),
                Err(e) => return Fact::from_read_error(&e),
            }
        }
    };
    let mut out = load(&lines);
    out.loader = how;
    out.files = files;
    if root.is_live() {
        live_rules(&mut out);
    }
    Fact::Collected { value: out }
}

/// The kernel's rules now, from `auditctl -l` (needs root and CAP_AUDIT_CONTROL).
fn live_rules(out: &mut AuditRules) {
    let limits = crate::exec::Limits::default();
    match crate::exec::run(std::path::Path::new(AUDITCTL), &["-l"], limits) {
        Ok(o) if o.status.success() && !o.stdout_truncated => {
            let text = String::from_utf8_lossy(&o.stdout);
            let mut rules = Vec::new();
            for (i, line) in text.lines().enumerate() {
                if line.trim() == "No rules" || line.trim().is_empty() {
                    continue;
                }
                let origin = Origin::at("auditctl -l", i + 1);
                if let Ok(Request::Rule(r)) = parse_line(&auditctl_words(line), &origin, line) {
                    rules.push(*r);
                }
            }
            out.live = Some(rules);
        }
        Ok(o) => {
            out.live_note = Some(format!(
                "auditctl -l failed ({}): {}",
                o.status,
                String::from_utf8_lossy(&o.stderr).trim()
            ))
        }
        Err(e) => out.live_note = Some(format!("{AUDITCTL} {e}")),
    }
}

/// Collect auditd.conf and the rules.
pub fn collect(root: &HostRoot) -> Fact<Audit> {
    let conf = match root.read_lossy(AUDITD_CONF) {
        Ok(t) => parse_auditd_conf(AUDITD_CONF, &t),
        Err(e) if e.is_not_found() => AuditdConf::default(),
        Err(e) => return Fact::from_read_error(&e),
    };
    Fact::Collected {
        value: Audit {
            conf,
            rules: collect_rules(root),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<SourceLine> {
        split_lines(text)
            .into_iter()
            .enumerate()
            .map(|(i, l)| SourceLine {
                text: l.to_string(),
                origin: Origin::at("/etc/audit/audit.rules", i + 1),
            })
            .collect()
    }

    #[test]
    fn auditd_conf_needs_spaces_around_equals_and_stops_at_a_bad_line() {
        let c = parse_auditd_conf(
            AUDITD_CONF,
            "# c\nmax_log_file_action = KEEP_LOGS\nnum_logs=5\nflush = sync\n",
        );
        assert_eq!(c.settings["max_log_file_action"].value, "keep_logs");
        let bad = c.invalid.expect("invalid");
        assert_eq!(bad.origin.line, Some(3));
        assert!(!c.settings.contains_key("flush"));
        let c = parse_auditd_conf(AUDITD_CONF, "Disk_Full_Action = HALT\n");
        assert_eq!(c.effective("disk_full_action").unwrap().0, "halt");
        assert_eq!(c.effective("num_logs").unwrap().0, "0");
        assert!(parse_auditd_conf(AUDITD_CONF, "max_log_file\t=\t8\n")
            .invalid
            .is_some());
        assert!(parse_auditd_conf(AUDITD_CONF, "num_logs = 1000\n")
            .invalid
            .is_some());
        assert!(parse_auditd_conf(AUDITD_CONF, "num_logs = 5 x\n")
            .invalid
            .is_some());
        assert!(parse_auditd_conf(AUDITD_CONF, "disk_full_action = exec\n")
            .invalid
            .is_some());
        let c = parse_auditd_conf(AUDITD_CONF, "disk_full_action = exec /usr/bin/x\n");
        assert_eq!(
            c.settings["disk_full_action"].option.as_deref(),
            Some("/usr/bin/x")
        );
        assert!(parse_auditd_conf(AUDITD_CONF, "bogus = 1\n")
            .invalid
            .is_some());
        let c = parse_auditd_conf(AUDITD_CONF, "space_left = 50\nadmin_space_left = 75\n");
        assert!(c.invalid.is_some());
        let c = parse_auditd_conf(AUDITD_CONF, "space_left = 25%\nadmin_space_left = 75\n");
        assert!(c.invalid.is_none());
        let long = format!(
            "space_left = 75\nadmin_space_left = 50\nlog_file = /{}\n",
            "x".repeat(200)
        );
        let c = parse_auditd_conf(AUDITD_CONF, &long);
        assert!(c.invalid.is_none() && c.skipped.len() == 1);
    }

    #[test]
    fn keywords_agree_with_the_catalogue() {
        let names: Vec<&str> = AUDITD_KEYWORDS.iter().map(|(k, _)| *k).collect();
        assert_eq!(names, crate::catalogue::test::AUDITD_KEYWORDS);
    }

    #[test]
    fn version_order_is_ls_v() {
        let mut v = vec![
            "99-finalize.rules",
            "10-base.rules",
            "9-x.rules",
            "100-y.rules",
            "a.rules",
        ];
        v.sort_by(|a, b| version_cmp(a, b));
        assert_eq!(
            v,
            [
                "9-x.rules",
                "10-base.rules",
                "99-finalize.rules",
                "100-y.rules",
                "a.rules"
            ]
        );
    }

    #[test]
    fn augenrules_moves_control_lines() {
        let out = augenrules(&[
            (
                "/etc/audit/rules.d/10.rules".into(),
                "-D\n-b 8192\n-e 2\n# x\n\n-w /etc/shadow -p wa\n".into(),
            ),
            (
                "/etc/audit/rules.d/20.rules".into(),
                "-w /etc/passwd -p wa\n -e 1\n-D -k x\n".into(),
            ),
        ]);
        let texts: Vec<&str> = out.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "## This file is automatically generated from /etc/audit/rules.d",
                "-D",
                "-b 8192",
                "",
                "-w /etc/shadow -p wa",
                "-w /etc/passwd -p wa",
                " -e 1",
                "-D -k x",
                "-e 2",
            ]
        );
        assert_eq!(out[4].origin.line, Some(6));
    }

    #[test]
    fn auditctl_lines() {
        let r = load(&lines(
            "-w /etc/shadow -p wa -k identity\n\
             -a always,exit -F arch=b64 -S adjtimex,settimeofday -k time\n\
             -a exit,always -F arch=b32 -S stime -F key=time\n\
             # comment\n   \n\
             -w /etc/sudoers.d/ -p wa\n\
             -e 2\n\
             -w /etc/group -p wa\n",
        ));
        assert_eq!(r.rules.len(), 4, "{r:?}");
        assert_eq!(r.rules[0].perms.as_deref(), Some("wa"));
        assert_eq!(r.rules[1].arch.as_deref(), Some("b64"));
        assert_eq!(r.rules[2].keys, ["time"]);
        assert_eq!(r.rules[3].watch.as_deref(), Some("/etc/sudoers.d"));
        assert_eq!(r.enabled.as_ref().unwrap().0, "2");
        assert_eq!(r.stopped.as_ref().unwrap().origin.line, Some(8));
    }

    #[test]
    fn refused_lines_stop_the_load_unless_continue() {
        for bad in [
            "-a always,exit -F arch=b64 -S stime",
            "-w /etc/x -p z",
            "-w etc/x",
            "-a always,exit -S adjtimex -F arch=b64",
            "-F arch=b64 -a always,exit -S adjtimex",
            "-w /etc/x -k",
            "-a always",
            "-a always,exit -F bogus=1",
            "-w\t/etc/shadow",
            "-w /etc/x extra",
            "-e 3",
            "-k x",
        ] {
            let r = load(&lines(&format!("{bad}\n-w /etc/passwd\n")));
            assert!(r.stopped.is_some(), "{bad}: {r:?}");
            assert!(r.rules.is_empty(), "{bad}: {r:?}");
            let r = load(&lines(&format!("-c\n{bad}\n-w /etc/passwd\n")));
            assert_eq!(r.rules.len(), 1, "{bad}: {r:?}");
        }
        let r = load(&lines(
            "-w /etc/a\\ b -p wa\n-a always,exit -S all\n-D\n-w /x\n",
        ));
        assert_eq!(r.rules.len(), 1);
        assert_eq!(r.rules[0].watch.as_deref(), Some("/x"));
        assert_eq!(r.rules[0].perms.as_deref(), Some("rwxa"));
    }
}
