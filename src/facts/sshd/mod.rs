//! The effective OpenSSH server configuration, as `sshd` itself would compute it.
//!
//! A compliance check on SSH must judge the value sshd actually applies, not the first line
//! that mentions a keyword: `sshd_config` pulls in drop-ins with `Include`, the *first*
//! value read wins, keywords are case-insensitive, `Match` blocks override settings per
//! connection, and every keyword nothing sets takes OpenSSH's compiled-in default. Getting
//! any of these wrong gives a false pass, so this module re-implements the parsing rules of
//! OpenSSH 9.2 (`servconf.c`, as shipped in Debian 12) and, on the live host, asks
//! `sshd -T` as well.
//!
//! The rules implemented:
//!
//! * `/etc/ssh/sshd_config` is read first; when it does not exist the fact says
//!   `present: false` and holds no settings. Any other read failure (permission, FIFO,
//!   size, symlink loop) makes the whole fact an error: the effective configuration would
//!   be unknown, and Ward never guesses. Bytes that are not UTF-8 are not an error (sshd
//!   reads bytes): a Latin-1 comment changes nothing, and such a byte inside a value reads
//!   as U+FFFD, so a keyword or value holding one is invalid, as it is to sshd.
//! * Lines, keywords and arguments are read byte for byte as sshd reads them (see
//!   `parser.rs`): a NUL byte ends a line and joins the next one to it, a keyword may be
//!   quoted (`"PermitRootLogin" yes`) or preceded by `=`, arguments are split like
//!   `argv_split`. The stored value is the arguments joined by one space (`ForceCommand`,
//!   `AuthorizedKeysCommand`, `AuthorizedPrincipalsCommand` and `VersionAddendum` keep the
//!   rest of the line verbatim, as sshd does). Keywords are stored lower-case under their
//!   current name (`ChallengeResponseAuthentication` is `kbdinteractiveauthentication`; the
//!   old name is mirrored for catalogues that use it).
//! * Every line is checked as sshd checks it, whether or not its value is used (see
//!   `keywords.rs`): an unknown keyword, a value sshd rejects, extra arguments, a global-only
//!   keyword inside `Match` or a bad `Match` condition is an [`NoteKind::Invalid`] note
//!   with file and line; sshd refuses to start, and the `sshd` probe reports `error`.
//! * `Include` takes paths or globs, relative ones under `/etc/ssh`; matches are read in
//!   glob(3) order at the point of the `Include` line, so first-value-wins follows include
//!   order. A glob matching nothing is fine; wildcards may sit in any component, and the
//!   expansion is bounded ([`MAX_GLOB_DIRS`] listings, [`MAX_GLOB_PATHS`] paths,
//!   [`PARSE_TIME_LIMIT`]): looping directory symlinks give an error naming the limit. More
//!   than 16 nested levels, a file that includes itself (directly or not), or a matched
//!   file that cannot be read makes the fact an error naming the file.
//! * The first value wins, globally and inside each `Match` block, except for the keywords
//!   sshd appends on every line (`Port`, `ListenAddress`, `HostKey`, `HostCertificate`,
//!   `AllowUsers`, `DenyUsers`, `AllowGroups`, `DenyGroups`, `AcceptEnv`, `Subsystem`),
//!   whose values are joined with a space (origin: the first line), and the few that
//!   OpenSSH 9.2 overwrites on every line (`MaxStartups`, `PerSourceMaxStartups`,
//!   `PerSourceNetBlockSize`, `FingerprintHash`, `IPQoS`, `StreamLocalBindMask`), where the
//!   last wins. List keywords that sshd takes from the first line only (`SetEnv`,
//!   `PermitOpen`, `PermitListen`, `ChannelTimeout`, `LogVerbose`, `AuthenticationMethods`,
//!   `AuthorizedKeysFile`) are first-wins like any other. A later line with a different
//!   valid value is a [`NoteKind::Conflict`] note, shown as evidence.
//! * `Match` scoping follows sshd's `activep` handling. A block runs from its `Match` line to
//!   the next `Match` or to the end of the file that holds it: sshd restores the including
//!   file's Match state after every `Include`, so a block opened in an included file ends
//!   with that file, and the lines after the `Include` are back in whatever block (or the
//!   global section) held the `Include` line. An included file starts in the block of its
//!   `Include` line, so `Include` inside a `Match` block applies the file's leading lines to
//!   that block. A `Match` inside such a file only applies when the outer block matches too,
//!   so it is recorded with both criteria joined (`User bob Address 10.0.0.0/8`, which is
//!   how sshd spells a conjunction). Block settings stay in `match_blocks`, never in the
//!   global `settings`.
//! * `Match all` matches every connection: its settings are re-applied after the global ones
//!   for every connection (and by `sshd -T`), so they *override* the global value and are
//!   merged into `settings` with a note, not kept as a block. Keywords sshd accepts only
//!   globally (`Port`, `Ciphers`...) are global lines there, first value winning.
//! * After parsing, every keyword still unset gets OpenSSH 9.2's compiled-in default,
//!   spelled as `sshd -T` prints it, with source `Default`.
//! * On the live host, when `/usr/sbin/sshd` exists, `sshd -T` is run through
//!   [`crate::exec`] (no shell, environment cleared, stdin closed, output capped at 1 MiB,
//!   stopped after 5 seconds). Its output is the effective global configuration: each
//!   printed keyword's value replaces the computed one (source `SshdT`, keeping the file
//!   origin when a file set it) and every disagreement is a [`NoteKind::SshdTDisagrees`]
//!   note. When it fails (not root, so host keys are unreadable) or times out, a note says
//!   so and the file-derived values stand. No other command is ever run, and nothing is run
//!   on an image.
//! * [`CLIENT_ALIVE_TIMEOUT`] is derived from ClientAliveInterval and ClientAliveCountMax,
//!   globally and per `Match` block.
//!
//! Notes are structured (keyword, kind, origin, message) so that probes select them by
//! keyword and kind and never by their wording.

mod keywords;
mod parser;
mod sshd_t;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Fact, Origin};
use crate::host_root::HostRoot;

pub use parser::{
    MAX_FILE_PARSES, MAX_GLOB_DIRS, MAX_GLOB_PATHS, MAX_INCLUDE_DEPTH, PARSE_TIME_LIMIT,
};
pub use sshd_t::SSHD_PATH;

/// Whether sshd reads the keyword's value as a time (`LoginGraceTime`, `ClientAliveInterval`):
/// a number of seconds or units such as `1m30s`. Keywords are matched case-insensitively.
pub fn is_time_keyword(keyword: &str) -> bool {
    keywords::is_time(&keyword.to_ascii_lowercase())
}

/// A time value in seconds as sshd's `convtime` reads it (`90`, `1m30s`, `1h`), or `None`
/// when sshd would refuse it.
pub fn time_seconds(value: &str) -> Option<i64> {
    keywords::parse_time(value.trim())
}

/// The main server configuration file.
pub const MAIN_CONFIG: &str = "/etc/ssh/sshd_config";

/// Ward's derived setting: seconds after which sshd disconnects a client that stopped
/// answering, `(ClientAliveCountMax + 1) × ClientAliveInterval`, or `none` when sshd never
/// does (interval 0: no probes; count 0: probes but never a disconnect, OpenSSH ≥ 8.2).
pub const CLIENT_ALIVE_TIMEOUT: &str = "ward:clientalivetimeout";

/// Ward's derived setting: which of AllowUsers, AllowGroups, DenyUsers and DenyGroups the
/// global configuration sets (comma-separated), or `none` when sshd admits every account
/// that authenticates.
pub const ACCESS_LISTS: &str = "ward:accesslists";

/// Ward's derived setting: whether `AuthenticationMethods` makes every login use a second
/// factor. `key-and-second` when every chain pairs `publickey` (or `hostbased`) with another
/// method; `keyboard-interactive` when every chain includes `keyboard-interactive` (a second
/// factor only if sshd's PAM stack enforces one) but some chain lacks a key; `none` when some
/// chain (or the default `any`) lets one method alone log in.
pub const MFA: &str = "ward:mfa";

/// The effective sshd configuration of a host.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SshdConfig {
    /// Whether `/etc/ssh/sshd_config` exists. When false, `settings` is empty.
    pub present: bool,
    /// Files read, in the order sshd reads them (main file, then includes).
    pub files: Vec<String>,
    /// Effective global settings, keyed by lower-case keyword.
    pub settings: BTreeMap<String, Setting>,
    /// `Match` blocks, in file order, with their own settings (not merged into `settings`).
    pub match_blocks: Vec<MatchBlock>,
    /// What the parse and `sshd -T` found beyond the settings: invalid lines, conflicting
    /// and ignored lines, `sshd -T` disagreements. Probes select them by keyword and kind.
    #[serde(default)]
    pub notes: Vec<Note>,
}

impl SshdConfig {
    /// Lines that make sshd refuse to start.
    pub fn invalid(&self) -> impl Iterator<Item = &Note> {
        self.notes.iter().filter(|n| n.kind == NoteKind::Invalid)
    }

    /// Notes of `kind` about `keyword` (lower-case, current name).
    pub fn notes_for<'a>(
        &'a self,
        keyword: &'a str,
        kind: NoteKind,
    ) -> impl Iterator<Item = &'a Note> {
        self.notes
            .iter()
            .filter(move |n| n.kind == kind && n.keyword.as_deref() == Some(keyword))
    }
}

/// One structured finding about the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// The keyword it concerns (lower-case, current name), when it concerns one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyword: Option<String>,
    pub kind: NoteKind,
    /// The line it is about, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
    /// A sentence for people; never parsed.
    pub message: String,
}

impl Note {
    pub fn new(
        keyword: Option<&str>,
        kind: NoteKind,
        origin: Option<Origin>,
        message: String,
    ) -> Note {
        Note {
            keyword: keyword.map(str::to_string),
            kind,
            origin,
            message,
        }
    }
}

/// What a [`Note`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    /// A line sshd rejects: sshd refuses to start with this configuration.
    Invalid,
    /// A later valid line whose value differs from the one sshd keeps.
    Conflict,
    /// A line or part of a line sshd ignores (deprecated keyword, text after a NUL byte).
    Ignored,
    /// A `Match all` block overriding the global value.
    MatchAll,
    /// `sshd -T` prints a value different from the one computed from the files.
    SshdTDisagrees,
    /// Anything else worth showing (sshd -T not run, an Include matching a directory).
    Info,
}

/// One effective setting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setting {
    /// The value, arguments joined by one space, as written (keyword case aside).
    pub value: String,
    /// Where the value came from.
    pub source: SettingSource,
    /// The file and line that set it, when a file did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

impl Setting {
    fn file(value: String, origin: Origin) -> Setting {
        Setting {
            value,
            source: SettingSource::File,
            origin: Some(origin),
        }
    }
}

/// How a setting got its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingSource {
    /// A configuration file line.
    File,
    /// OpenSSH's compiled-in default (nothing set it).
    Default,
    /// The output of `sshd -T` on the live host.
    SshdT,
    /// Computed by Ward from other settings (see [`CLIENT_ALIVE_TIMEOUT`]).
    Derived,
}

/// A `Match` block and the settings inside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchBlock {
    /// The criteria, normalised to `Attribute value` pairs (`User=root` is `User root`).
    pub criteria: String,
    pub origin: Origin,
    pub settings: BTreeMap<String, Setting>,
}

/// Collect the effective sshd configuration.
pub fn collect(root: &HostRoot) -> Fact<SshdConfig> {
    let mut cfg = match parser::parse_config(root) {
        Ok(cfg) => cfg,
        Err(abort) => {
            return Fact::Error {
                reason: abort.reason,
                permission_denied: abort.permission_denied,
            }
        }
    };
    if cfg.present && root.is_live() && sshd_t::sshd_installed(root) {
        match sshd_t::run_sshd_t() {
            Ok(output) => sshd_t::merge_sshd_t(&mut cfg, &output),
            Err(why) => cfg.notes.push(Note::new(
                None,
                NoteKind::Info,
                None,
                format!(
                    "`{SSHD_PATH} -T` {why}; the settings come from the configuration files \
                     and OpenSSH's defaults"
                ),
            )),
        }
    }
    mirror_renamed(&mut cfg);
    derive_client_alive_timeout(&mut cfg);
    derive_access_lists(&mut cfg);
    derive_mfa(&mut cfg);
    Fact::Collected { value: cfg }
}

/// Copy renamed keywords' values under their old names, so catalogues written against the
/// old name (`ChallengeResponseAuthentication`) still find the effective value.
fn mirror_renamed(cfg: &mut SshdConfig) {
    fn mirror(map: &mut BTreeMap<String, Setting>) {
        for (old, new) in keywords::MIRRORED {
            if let Some(setting) = map.get(*new).cloned() {
                map.entry((*old).to_string()).or_insert(setting);
            }
        }
    }
    mirror(&mut cfg.settings);
    for block in &mut cfg.match_blocks {
        mirror(&mut block.settings);
    }
}

/// The disconnect time of an unresponsive client, as OpenSSH 9.2's `serverloop.c` acts:
/// after each `interval` seconds without a packet from the client sshd counts a timeout
/// and, while the count is at most `count_max`, sends a probe; the timeout that makes the
/// count exceed `count_max` disconnects. So the client is cut after `(count_max + 1) ×
/// interval`; a `count_max` of 0 skips the count (never disconnects) and an interval of 0
/// sends no probes. `None` when a value cannot be read as sshd would.
fn client_alive_timeout(interval: &str, count_max: &str) -> Option<String> {
    let interval = keywords::parse_time(interval.trim())?;
    let count = keywords::parse_int(count_max.trim())?;
    if interval == 0 || count == 0 {
        return Some("none".to_string());
    }
    Some(((count + 1) * interval).to_string())
}

/// Add [`ACCESS_LISTS`] from the global settings (a `Match` block's lists restrict only the
/// connections it matches, so they do not count).
fn derive_access_lists(cfg: &mut SshdConfig) {
    if !cfg.present {
        return;
    }
    let mut set = Vec::new();
    let mut origin = None;
    for (key, name) in [
        ("allowusers", "AllowUsers"),
        ("allowgroups", "AllowGroups"),
        ("denyusers", "DenyUsers"),
        ("denygroups", "DenyGroups"),
    ] {
        if let Some(s) = cfg.settings.get(key) {
            if !s.value.trim().is_empty() {
                set.push(name);
                if origin.is_none() {
                    origin = s.origin.clone();
                }
            }
        }
    }
    let value = if set.is_empty() {
        // Nothing sets a list: point at the main file, where one would go.
        origin = Some(super::Origin::file(MAIN_CONFIG));
        "none".to_string()
    } else {
        set.join(",")
    };
    cfg.settings.insert(
        ACCESS_LISTS.to_string(),
        Setting {
            value,
            source: SettingSource::Derived,
            origin,
        },
    );
}

/// How an `AuthenticationMethods` value combines methods (see [`MFA`]): each
/// space-separated chain lists comma-separated methods, all required; a method may carry a
/// `:submethod` (`keyboard-interactive:pam`).
pub fn mfa_of(authentication_methods: &str) -> &'static str {
    let chains: Vec<Vec<&str>> = authentication_methods
        .split_ascii_whitespace()
        .map(|chain| {
            chain
                .split(',')
                .map(|m| m.split(':').next().unwrap_or(m))
                .filter(|m| !m.is_empty())
                .collect()
        })
        .collect();
    if chains.is_empty() || chains.iter().any(|c| c.contains(&"any")) {
        return "none";
    }
    let keyed = |c: &Vec<&str>| {
        c.iter().any(|m| matches!(*m, "publickey" | "hostbased"))
            && c.iter()
                .any(|m| !matches!(*m, "publickey" | "hostbased" | "none"))
    };
    if chains.iter().all(keyed) {
        "key-and-second"
    } else if chains.iter().all(|c| c.contains(&"keyboard-interactive")) {
        "keyboard-interactive"
    } else {
        "none"
    }
}

/// Add [`MFA`] globally and to every `Match` block that sets `AuthenticationMethods`.
fn derive_mfa(cfg: &mut SshdConfig) {
    fn derived(s: &Setting) -> Setting {
        Setting {
            value: mfa_of(&s.value).to_string(),
            source: SettingSource::Derived,
            origin: s
                .origin
                .clone()
                .or_else(|| Some(super::Origin::file(MAIN_CONFIG))),
        }
    }
    if let Some(s) = cfg.settings.get("authenticationmethods") {
        let d = derived(s);
        cfg.settings.insert(MFA.to_string(), d);
    }
    for block in &mut cfg.match_blocks {
        if let Some(s) = block.settings.get("authenticationmethods") {
            let d = derived(s);
            block.settings.insert(MFA.to_string(), d);
        }
    }
}

/// Add [`CLIENT_ALIVE_TIMEOUT`] globally and to every `Match` block that sets either input.
fn derive_client_alive_timeout(cfg: &mut SshdConfig) {
    fn derived(interval: &Setting, count: &Setting) -> Option<Setting> {
        let value = client_alive_timeout(&interval.value, &count.value)?;
        // Point at the line that made it what it is: the interval, or the count when the
        // interval is a default.
        let origin = interval.origin.clone().or_else(|| count.origin.clone());
        Some(Setting {
            value,
            source: SettingSource::Derived,
            origin,
        })
    }
    let (Some(gi), Some(gc)) = (
        cfg.settings.get("clientaliveinterval").cloned(),
        cfg.settings.get("clientalivecountmax").cloned(),
    ) else {
        return;
    };
    if let Some(s) = derived(&gi, &gc) {
        cfg.settings.insert(CLIENT_ALIVE_TIMEOUT.to_string(), s);
    }
    for block in &mut cfg.match_blocks {
        let bi = block.settings.get("clientaliveinterval");
        let bc = block.settings.get("clientalivecountmax");
        if bi.is_none() && bc.is_none() {
            continue;
        }
        let i = bi.cloned().unwrap_or_else(|| gi.clone());
        let c = bc.cloned().unwrap_or_else(|| gc.clone());
        if let Some(s) = derived(&i, &c) {
            block.settings.insert(CLIENT_ALIVE_TIMEOUT.to_string(), s);
        }
    }
}
