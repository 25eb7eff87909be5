//! The host firewall's inbound policy as the boot would load it, for the firewall checks:
//! which input chains exist, their default verdict, and whether loopback traffic is let in.
//!
//! A firewall check is only worth something if it reads the rules the kernel ends up with,
//! not a file that merely looks right. So each manager's configuration is read the way the
//! manager itself reads it: nftables' `/etc/nftables.conf` (RHEL: `/etc/sysconfig/
//! nftables.conf`, Alpine: `/etc/nftables.nft`) as `nft -f` parses it (includes, `define`, comments, continuations,
//! `flush ruleset`, tables and chains declared again later); netfilter-persistent's
//! `/etc/iptables/rules.v4` and `rules.v6` in iptables-save format; ufw's `ufw.conf`,
//! `/etc/default/ufw` and `before.rules`; firewalld's default zone and the zones bound to
//! interfaces or sources. Which of them starts at boot is the probe's business (it reads
//! the systemd and OpenRC facts); this collector reads every configuration present.
//! Anything not understood that could change a verdict is kept as a problem with file:line,
//! and the probe is then `error`, never `pass`. On the live host `nft -j list ruleset`
//! (through the bounded runner) shows the rules actually loaded.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Fact, Origin};
use crate::exec::{self, Limits};
use crate::host_root::HostRoot;

/// nftables' main file on Debian (the path `nftables.service` loads).
pub const NFTABLES_CONF: &str = "/etc/nftables.conf";
/// nftables' main file on RHEL.
pub const NFTABLES_CONF_RHEL: &str = "/etc/sysconfig/nftables.conf";
/// nftables' main file on Alpine (its OpenRC script loads it).
pub const NFTABLES_NFT_ALPINE: &str = "/etc/nftables.nft";
/// netfilter-persistent's IPv4 rules.
pub const RULES_V4: &str = "/etc/iptables/rules.v4";
/// netfilter-persistent's IPv6 rules.
pub const RULES_V6: &str = "/etc/iptables/rules.v6";
pub const UFW_CONF: &str = "/etc/ufw/ufw.conf";
pub const UFW_DEFAULT: &str = "/etc/default/ufw";
pub const UFW_BEFORE: &str = "/etc/ufw/before.rules";
pub const UFW_BEFORE6: &str = "/etc/ufw/before6.rules";
pub const FIREWALLD_CONF: &str = "/etc/firewalld/firewalld.conf";
pub const FIREWALLD_ZONES: &str = "/etc/firewalld/zones";
pub const FIREWALLD_VENDOR_ZONES: &str = "/usr/lib/firewalld/zones";
/// The nft binary run on the live host.
pub const NFT: &str = "/usr/sbin/nft";

/// nft's default include directory (`DEFAULT_INCLUDE_PATH`, Debian's sysconfdir).
const NFT_INCLUDE_PATH: &str = "/etc";
/// nft's `MAX_INCLUDE_DEPTH`.
const MAX_INCLUDE_DEPTH: usize = 16;
/// Most files one ruleset may pull in through glob includes.
const MAX_INCLUDED_FILES: usize = 4096;

/// Everything read about the host's firewall managers. `None` inside a fact: that
/// manager's configuration is absent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Firewall {
    pub nftables: Fact<Option<Ruleset>>,
    pub iptables: Fact<Option<Ruleset>>,
    pub ufw: Fact<Option<Ruleset>>,
    pub firewalld: Fact<Option<Ruleset>>,
    /// `nft -j list ruleset` on the live host (`None` on an image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live: Option<Fact<Ruleset>>,
}

impl Default for Firewall {
    fn default() -> Self {
        Firewall {
            nftables: Fact::Collected { value: None },
            iptables: Fact::Collected { value: None },
            ufw: Fact::Collected { value: None },
            firewalld: Fact::Collected { value: None },
            live: None,
        }
    }
}

/// The input side of one manager's rules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ruleset {
    /// Files read, in order.
    pub files: Vec<String>,
    /// Base chains on the input hook (filter type), in the order declared.
    pub chains: Vec<InputChain>,
    /// What was not understood and could change a verdict, with file:line.
    pub problems: Vec<(Origin, String)>,
    /// Facts worth showing that do not change the verdict (`ufw` is disabled, …).
    pub notes: Vec<String>,
}

/// A base chain on the input hook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputChain {
    /// `ip`, `ip6` or `inet` (both).
    pub family: String,
    pub table: String,
    pub name: String,
    pub origin: Origin,
    /// `accept` or `drop` (`accept` when never set).
    pub policy: String,
    /// Where the policy was set, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_origin: Option<Origin>,
    pub rules: Vec<Rule>,
}

/// One rule, reduced to what the checks judge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub origin: Origin,
    /// The rule as written (cut to 200 characters).
    pub text: String,
    /// `accept`, `drop`, `reject`, `jump`, `goto`, `return`, `queue`, `continue`, or none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
    /// No match before the verdict (only counters, logging, comments).
    pub unconditional: bool,
    /// Accepts everything arriving on the loopback interface (`iif lo accept`).
    pub loopback_accept: bool,
    /// Ward cannot tell whether the rule lets every packet through: an `accept` after
    /// statements it does not know as matches (`meta mark set 1 accept` accepts all), or
    /// a `jump`/`goto` to a chain it does not follow. A chain whose default depends on such
    /// a rule has no known default.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub uncertain: bool,
}

impl InputChain {
    /// Whether the chain covers IPv4 / IPv6.
    pub fn covers(&self, family: &str) -> bool {
        self.family == "inet" || self.family == family
    }

    /// The rule that ends the chain for every packet (an unconditional accept, drop or
    /// reject), or the first rule that may (see [`Rule::uncertain`]), if any.
    pub fn terminal(&self) -> Option<&Rule> {
        self.rules.iter().find(|r| {
            r.uncertain
                || r.unconditional
                    && matches!(r.verdict.as_deref(), Some("accept" | "drop" | "reject"))
        })
    }

    /// What a packet matching no rule gets: `drop`, `accept`, or `unknown` (a rule Ward
    /// cannot classify may accept everything first), and where that is decided.
    pub fn default_verdict(&self) -> (String, Origin) {
        match self.terminal() {
            Some(r) if r.uncertain => ("unknown".into(), r.origin.clone()),
            Some(r) => (
                match r.verdict.as_deref() {
                    Some("accept") => "accept".into(),
                    _ => "drop".into(),
                },
                r.origin.clone(),
            ),
            None => (
                self.policy.clone(),
                self.policy_origin
                    .clone()
                    .unwrap_or_else(|| self.origin.clone()),
            ),
        }
    }

    /// The loopback accept rule that is reached (before any terminal rule).
    pub fn loopback_rule(&self) -> Option<&Rule> {
        for r in &self.rules {
            if r.loopback_accept {
                return Some(r);
            }
            if r.unconditional && matches!(r.verdict.as_deref(), Some("accept" | "drop" | "reject"))
            {
                return None;
            }
        }
        None
    }
}

fn cut(s: &str) -> String {
    s.chars().take(200).collect()
}

/// Collect every firewall configuration of the host.
pub fn collect(root: &HostRoot) -> Fact<Firewall> {
    // Debian's path, else RHEL's, else Alpine's (the first that exists).
    let nft_main = [NFTABLES_CONF, NFTABLES_CONF_RHEL, NFTABLES_NFT_ALPINE]
        .into_iter()
        .find(|p| root.exists(p))
        .unwrap_or(NFTABLES_CONF);
    let live = root.is_live().then(nft_list_ruleset);
    Fact::Collected {
        value: Firewall {
            nftables: optional(root, nft_main, |r| nft_file(r, nft_main)),
            iptables: iptables_persistent(root),
            ufw: optional(root, UFW_CONF, ufw),
            firewalld: optional(root, FIREWALLD_CONF, firewalld).or_dir(root),
            live,
        },
    }
}

/// A manager's configuration, `None` when its main file is absent.
fn optional(
    root: &HostRoot,
    main: &str,
    read: impl FnOnce(&HostRoot) -> Result<Ruleset, String>,
) -> Fact<Option<Ruleset>> {
    if !root.exists(main) {
        return Fact::Collected { value: None };
    }
    match read(root) {
        Ok(r) => Fact::Collected { value: Some(r) },
        Err(e) => Fact::error(e),
    }
}

trait OrDir {
    fn or_dir(self, root: &HostRoot) -> Self;
}

impl OrDir for Fact<Option<Ruleset>> {
    /// firewalld runs without firewalld.conf (built-in defaults) when its zones exist.
    fn or_dir(self, root: &HostRoot) -> Self {
        match self {
            Fact::Collected { value: None } if root.exists(FIREWALLD_VENDOR_ZONES) => {
                match firewalld(root) {
                    Ok(r) => Fact::Collected { value: Some(r) },
                    Err(e) => Fact::error(e),
                }
            }
            other => other,
        }
    }
}

// ---------------------------------------------------------------------------------------
// nftables files

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Open,
    Close,
    /// `;` or a newline: the end of a statement.
    End,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    origin: Origin,
}

impl Token {
    fn word(&self) -> Option<&str> {
        match &self.tok {
            Tok::Word(w) | Tok::Quoted(w) => Some(w),
            _ => None,
        }
    }
}

struct NftReader<'a> {
    root: &'a HostRoot,
    files: Vec<String>,
    problems: Vec<(Origin, String)>,
    defines: BTreeMap<String, Vec<Token>>,
}

/// Split one file into tokens as nft's scanner does for the parts judged: `#` to the end
/// of the line is a comment (outside quotes), a backslash before a newline joins lines,
/// `;` and newlines end statements, braces are tokens of their own.
fn lex(path: &str, text: &str, problems: &mut Vec<(Origin, String)>) -> Vec<Token> {
    let mut out = Vec::new();
    let mut line = 1usize;
    let mut chars = text.chars().peekable();
    let mut word = String::new();
    let mut word_line = 1usize;
    let flush = |word: &mut String, out: &mut Vec<Token>, l: usize| {
        if !word.is_empty() {
            out.push(Token {
                tok: Tok::Word(std::mem::take(word)),
                origin: Origin::at(path.to_string(), l),
            });
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '#' => {
                flush(&mut word, &mut out, word_line);
                while let Some(&n) = chars.peek() {
                    if n == '\n' {
                        break;
                    }
                    chars.next();
                }
            }
            '\\' if chars.peek() == Some(&'\n') => {
                flush(&mut word, &mut out, word_line);
                chars.next();
                line += 1;
            }
            '\n' | ';' => {
                flush(&mut word, &mut out, word_line);
                out.push(Token {
                    tok: Tok::End,
                    origin: Origin::at(path.to_string(), line),
                });
                if c == '\n' {
                    line += 1;
                }
            }
            '{' | '}' => {
                flush(&mut word, &mut out, word_line);
                out.push(Token {
                    tok: if c == '{' { Tok::Open } else { Tok::Close },
                    origin: Origin::at(path.to_string(), line),
                });
            }
            '"' => {
                flush(&mut word, &mut out, word_line);
                let start = line;
                let mut s = String::new();
                let mut closed = false;
                for n in chars.by_ref() {
                    if n == '"' {
                        closed = true;
                        break;
                    }
                    if n == '\n' {
                        line += 1;
                        break;
                    }
                    s.push(n);
                }
                if !closed {
                    problems.push((
                        Origin::at(path.to_string(), start),
                        "unterminated quoted string (nft refuses the file)".into(),
                    ));
                }
                out.push(Token {
                    tok: Tok::Quoted(s),
                    origin: Origin::at(path.to_string(), start),
                });
            }
            c if c.is_whitespace() => flush(&mut word, &mut out, word_line),
            c => {
                if word.is_empty() {
                    word_line = line;
                }
                word.push(c);
            }
        }
    }
    flush(&mut word, &mut out, word_line);
    out.push(Token {
        tok: Tok::End,
        origin: Origin::at(path.to_string(), line),
    });
    out
}

/// Whether nft looks a relative include name up in its include path (`./` and `../` are
/// relative to the working directory, `/` for nftables.service).
fn search_include_path(name: &str) -> bool {
    !(name.starts_with('/') || name.starts_with("./") || name.starts_with("../"))
}

impl NftReader<'_> {
    /// Read a file and the files it includes into one token stream with `define`s applied.
    fn read(&mut self, path: &str, depth: usize, out: &mut Vec<Token>) -> Result<(), String> {
        let text = self.root.read_lossy(path).map_err(|e| e.to_string())?;
        self.files.push(path.to_string());
        if self.files.len() > MAX_INCLUDED_FILES {
            return Err(format!(
                "{path}: more than {MAX_INCLUDED_FILES} files included; not read further"
            ));
        }
        let toks = lex(path, &text, &mut self.problems);
        let mut i = 0;
        let mut at_start = true;
        while i < toks.len() {
            let t = &toks[i];
            let word = match &t.tok {
                Tok::Word(w) => Some(w.as_str()),
                _ => None,
            };
            if at_start && word == Some("include") {
                let name = match toks.get(i + 1).map(|t| &t.tok) {
                    Some(Tok::Quoted(n)) => n.clone(),
                    _ => {
                        self.problems.push((
                            t.origin.clone(),
                            "include without a quoted file name".into(),
                        ));
                        i += 1;
                        continue;
                    }
                };
                if depth + 1 >= MAX_INCLUDE_DEPTH {
                    return Err(format!(
                        "{}: includes nested deeper than {MAX_INCLUDE_DEPTH} (nft refuses)",
                        t.origin
                    ));
                }
                self.include(&name, &t.origin, depth, out)?;
                i += 2;
                continue;
            }
            if at_start && matches!(word, Some("define" | "redefine")) {
                let name = toks
                    .get(i + 1)
                    .and_then(Token::word)
                    .unwrap_or("")
                    .to_string();
                let eq = toks.get(i + 2).and_then(Token::word);
                if name.is_empty() || eq != Some("=") {
                    self.problems
                        .push((t.origin.clone(), "define without `NAME = value`".into()));
                    i += 1;
                    continue;
                }
                let mut j = i + 3;
                let mut depth_b = 0usize;
                let mut value = Vec::new();
                while j < toks.len() {
                    match toks[j].tok {
                        Tok::End if depth_b == 0 => break,
                        Tok::Open => depth_b += 1,
                        Tok::Close => depth_b = depth_b.saturating_sub(1),
                        _ => {}
                    }
                    self.expand(&toks[j], &mut value);
                    j += 1;
                }
                if word == Some("define") && self.defines.contains_key(&name) {
                    self.problems.push((
                        t.origin.clone(),
                        format!("`{name}` is defined twice (nft refuses; use redefine)"),
                    ));
                }
                self.defines.insert(name, value);
                i = j;
                continue;
            }
            if at_start && word == Some("undefine") {
                if let Some(n) = toks.get(i + 1).and_then(Token::word) {
                    self.defines.remove(n);
                }
                i += 2;
                continue;
            }
            at_start = matches!(t.tok, Tok::End | Tok::Open | Tok::Close);
            if let (Tok::Word(w), Some(Tok::Word(prev))) = (&t.tok, out.last().map(|p| &p.tok)) {
                if w.starts_with('$') && prev == "policy" {
                    // nft 1.0.6 refuses a variable as a chain policy.
                    self.problems.push((
                        t.origin.clone(),
                        format!("policy {w}: nft refuses a variable as a chain policy"),
                    ));
                }
            }
            self.expand(t, out);
            i += 1;
        }
        Ok(())
    }

    fn expand(&mut self, t: &Token, out: &mut Vec<Token>) {
        if let Tok::Word(w) = &t.tok {
            if let Some(name) = w.strip_prefix('$') {
                match self.defines.get(name) {
                    Some(v) => {
                        out.extend(v.iter().map(|x| Token {
                            tok: x.tok.clone(),
                            origin: t.origin.clone(),
                        }));
                    }
                    None => self.problems.push((
                        t.origin.clone(),
                        format!("`${name}` is not defined (nft refuses the file)"),
                    )),
                }
                return;
            }
        }
        out.push(t.clone());
    }

    fn include(
        &mut self,
        name: &str,
        at: &Origin,
        depth: usize,
        out: &mut Vec<Token>,
    ) -> Result<(), String> {
        let wild = name.contains(['*', '?', '[']);
        let path = if search_include_path(name) {
            format!("{NFT_INCLUDE_PATH}/{name}")
        } else if let Some(rest) = name.strip_prefix("./") {
            format!("/{rest}")
        } else if name.starts_with("../") {
            format!("/{name}")
        } else {
            name.to_string()
        };
        if wild {
            let found = self
                .root
                .glob_paths(&path)
                .map_err(|e| format!("{at}: include {name:?}: {e}"))?;
            for f in found {
                let f = f.to_string_lossy().into_owned();
                // glob(3) without GLOB_PERIOD: `*` does not match a leading dot;
                // directories matched are skipped.
                let hidden = Path::new(&f)
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'));
                if hidden
                    || self
                        .root
                        .metadata(&f)
                        .is_ok_and(|m| m.kind == crate::host_root::FileKind::Directory)
                {
                    continue;
                }
                self.read(&f, depth + 1, out)?;
            }
            return Ok(());
        }
        if self.root.exists(&path) {
            return self.read(&path, depth + 1, out);
        }
        Err(format!(
            "{at}: include {name:?}: {path} not found (nft refuses the file)"
        ))
    }
}

#[derive(Debug, Default)]
struct ChainState {
    origin: Origin,
    hook: Option<String>,
    kind: Option<String>,
    policy: Option<(String, Origin)>,
    rules: Vec<Rule>,
}

#[derive(Debug, Default)]
struct TableState {
    dormant: bool,
    chains: BTreeMap<String, ChainState>,
    order: Vec<String>,
}

const FAMILIES: [&str; 6] = ["ip", "ip6", "inet", "arp", "bridge", "netdev"];

struct NftModel {
    tables: BTreeMap<(String, String), TableState>,
    order: Vec<(String, String)>,
    problems: Vec<(Origin, String)>,
}

/// Statements that hold nothing the checks judge (sets, maps, elements, stateful objects).
const IGNORED_OBJECTS: [&str; 12] = [
    "set",
    "map",
    "element",
    "flowtable",
    "counter",
    "quota",
    "ct",
    "limit",
    "secmark",
    "synproxy",
    "tunnel",
    "comment",
];

impl NftModel {
    fn table(&mut self, family: &str, name: &str) -> &mut TableState {
        let key = (family.to_string(), name.to_string());
        if !self.tables.contains_key(&key) {
            self.order.push(key.clone());
        }
        self.tables.entry(key).or_default()
    }

    fn chain(&mut self, family: &str, table: &str, chain: &str, at: &Origin) -> &mut ChainState {
        let t = self.table(family, table);
        if !t.chains.contains_key(chain) {
            t.order.push(chain.to_string());
        }
        t.chains
            .entry(chain.to_string())
            .or_insert_with(|| ChainState {
                origin: at.clone(),
                ..ChainState::default()
            })
    }
}

/// Split the token stream into statements at depth 0; a statement may own one block.
fn statement(toks: &[Token], mut i: usize) -> (Vec<Token>, Option<Vec<Token>>, usize) {
    while i < toks.len() && toks[i].tok == Tok::End {
        i += 1;
    }
    let mut head = Vec::new();
    while i < toks.len() {
        match toks[i].tok {
            Tok::End => return (head, None, i + 1),
            Tok::Close => return (head, None, i),
            Tok::Open => {
                // A block: up to its matching close.
                let mut depth = 0usize;
                let start = i + 1;
                let mut j = i;
                while j < toks.len() {
                    match toks[j].tok {
                        Tok::Open => depth += 1,
                        Tok::Close => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                let body = toks[start..j.min(toks.len())].to_vec();
                return (head, Some(body), (j + 1).min(toks.len()));
            }
            _ => head.push(toks[i].clone()),
        }
        i += 1;
    }
    (head, None, i)
}

/// A rule's statement at chain depth: up to the end of the line outside braces.
fn rule_tokens(toks: &[Token], mut i: usize) -> (Vec<Token>, usize) {
    let mut out = Vec::new();
    let mut depth = 0usize;
    while i < toks.len() {
        match toks[i].tok {
            Tok::End if depth == 0 => return (out, i + 1),
            Tok::Close if depth == 0 => return (out, i),
            Tok::Open => depth += 1,
            Tok::Close => depth -= 1,
            Tok::End => {
                i += 1;
                continue;
            }
            _ => {}
        }
        out.push(toks[i].clone());
        i += 1;
    }
    (out, i)
}

fn words(toks: &[Token]) -> Vec<String> {
    toks.iter()
        .map(|t| match &t.tok {
            Tok::Word(w) => w.clone(),
            Tok::Quoted(q) => format!("\"{q}\""),
            Tok::Open => "{".into(),
            Tok::Close => "}".into(),
            Tok::End => ";".into(),
        })
        .collect()
}

/// Words that begin a match expression in an nft rule (the packet must fit it).
const NFT_MATCHES: [&str; 30] = [
    "iif", "iifname", "oif", "oifname", "iiftype", "ip", "ip6", "tcp", "udp", "udplite", "sctp",
    "dccp", "th", "ct", "icmp", "icmpv6", "ether", "vlan", "arp", "fib", "socket", "rt", "pkttype",
    "mark", "l4proto", "nfproto", "limit", "quota", "ah", "esp",
];

const VERDICTS: [&str; 8] = [
    "accept", "drop", "reject", "jump", "goto", "return", "queue", "continue",
];

/// Reduce an nft rule (its words) to its verdict and whether it matches anything.
fn nft_rule(origin: Origin, w: &[String]) -> Rule {
    let text = cut(&w.join(" "));
    let vpos = w.iter().position(|x| VERDICTS.contains(&x.as_str()));
    let verdict = vpos.map(|p| w[p].clone());
    let mut matches: Vec<&str> = Vec::new();
    let mut k = 0;
    let before = &w[..vpos.unwrap_or(w.len())];
    while k < before.len() {
        match before[k].as_str() {
            "counter" => {
                k += 1;
                if before.get(k).map(String::as_str) == Some("packets") {
                    k += 4;
                }
            }
            "log" => {
                k += 1;
                while let Some(a) = before.get(k).map(String::as_str) {
                    if matches!(
                        a,
                        "prefix" | "level" | "flags" | "group" | "snaplen" | "queue-threshold"
                    ) {
                        k += 2;
                    } else {
                        break;
                    }
                }
            }
            "comment" => k += 2,
            "meta" => k += 1,
            other => {
                matches.push(other);
                k += 1;
            }
        }
    }
    let unq = |s: &str| s.trim_matches('"').to_string();
    let loopback_accept = verdict.as_deref() == Some("accept")
        && matches.len() == 2
        && matches!(matches[0], "iif" | "iifname")
        && unq(matches[1]) == "lo";
    // A rule counts as conditional only when it starts with a match Ward knows and sets
    // nothing; otherwise an accept (or a jump Ward does not follow) may take every packet.
    let known_match = matches.first().is_some_and(|m| NFT_MATCHES.contains(m))
        && !matches.iter().any(|m| *m == "set" || *m == "notrack");
    let uncertain = match verdict.as_deref() {
        Some("jump" | "goto") => !known_match,
        Some("accept") => !matches.is_empty() && !known_match,
        _ => false,
    };
    Rule {
        origin,
        text,
        verdict,
        unconditional: matches.is_empty(),
        loopback_accept,
        uncertain,
    }
}

/// Parse an nftables file as `nft -f` loads it.
pub fn nft_file(root: &HostRoot, main: &str) -> Result<Ruleset, String> {
    let mut reader = NftReader {
        root,
        files: Vec::new(),
        problems: Vec::new(),
        defines: BTreeMap::new(),
    };
    let mut toks = Vec::new();
    reader.read(main, 0, &mut toks)?;
    let mut depth = 0i64;
    for t in &toks {
        match t.tok {
            Tok::Open => depth += 1,
            Tok::Close => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            reader.problems.push((
                t.origin.clone(),
                "`}` without its `{` (nft refuses the file)".into(),
            ));
            break;
        }
    }
    if depth > 0 {
        reader.problems.push((
            Origin::file(main.to_string()),
            "a `{` is never closed (nft refuses the file)".into(),
        ));
    }
    let mut m = NftModel {
        tables: BTreeMap::new(),
        order: Vec::new(),
        problems: std::mem::take(&mut reader.problems),
    };
    top_level(&mut m, &toks);
    let mut rs = Ruleset {
        files: reader.files,
        problems: m.problems,
        ..Ruleset::default()
    };
    for key in &m.order {
        let Some(t) = m.tables.get(key) else { continue };
        if !matches!(key.0.as_str(), "ip" | "ip6" | "inet") {
            continue;
        }
        if t.dormant {
            rs.notes.push(format!(
                "table {} {} is dormant: its chains do not run",
                key.0, key.1
            ));
            continue;
        }
        for name in &t.order {
            let Some(c) = t.chains.get(name) else {
                continue;
            };
            if c.hook.as_deref() != Some("input") || c.kind.as_deref() != Some("filter") {
                continue;
            }
            rs.chains.push(InputChain {
                family: key.0.clone(),
                table: key.1.clone(),
                name: name.clone(),
                origin: c.origin.clone(),
                policy: c
                    .policy
                    .as_ref()
                    .map(|p| p.0.clone())
                    .unwrap_or_else(|| "accept".into()),
                policy_origin: c.policy.as_ref().map(|p| p.1.clone()),
                rules: c.rules.clone(),
            });
        }
    }
    Ok(rs)
}

/// `[family] name` at the start of `w`: the family (default `ip`) and the rest.
fn family_of(w: &[String]) -> (String, &[String]) {
    match w.first() {
        Some(f) if FAMILIES.contains(&f.as_str()) => (f.clone(), &w[1..]),
        _ => ("ip".into(), w),
    }
}

fn top_level(m: &mut NftModel, toks: &[Token]) {
    let mut i = 0;
    while i < toks.len() {
        let (head, body, next) = statement(toks, i);
        if next <= i && head.is_empty() && body.is_none() {
            i += 1;
            continue;
        }
        i = next;
        if head.is_empty() {
            continue;
        }
        let at = head[0].origin.clone();
        if body.is_some() && matches!(toks.get(next).map(|t| &t.tok), Some(Tok::Close)) {
            m.problems
                .push((at.clone(), "unbalanced `}` (nft refuses the file)".into()));
        }
        let w = words(&head);
        let (verb, rest): (&str, &[String]) = match w[0].as_str() {
            "add" | "create" | "insert" | "delete" | "destroy" | "flush" | "replace" | "reset"
            | "list" | "describe" | "rename" => (w[0].as_str(), &w[1..]),
            _ => ("add", &w[..]),
        };
        let Some(object) = rest.first() else {
            m.problems
                .push((at, format!("`{}` names no object", w.join(" "))));
            continue;
        };
        let args = &rest[1..];
        match (verb, object.as_str()) {
            ("flush", "ruleset") => {
                let fam = args.first().cloned();
                let keys: Vec<_> = m
                    .tables
                    .keys()
                    .filter(|k| fam.as_ref().is_none_or(|f| &k.0 == f))
                    .cloned()
                    .collect();
                for k in keys {
                    m.tables.remove(&k);
                }
                m.order.retain(|k| m.tables.contains_key(k));
            }
            ("add" | "create", "table") => {
                let (fam, r) = family_of(args);
                let Some(name) = r.first() else {
                    m.problems.push((at, "table without a name".into()));
                    continue;
                };
                let name = name.clone();
                m.table(&fam, &name);
                if let Some(b) = body {
                    table_body(m, &fam, &name, &b);
                }
            }
            ("delete" | "destroy", "table") => {
                let (fam, r) = family_of(args);
                if r.first().map(String::as_str) == Some("handle") {
                    m.problems.push((
                        at,
                        "table deleted by handle: which one is not known from the file".into(),
                    ));
                    continue;
                }
                if let Some(name) = r.first() {
                    let k = (fam, name.clone());
                    m.tables.remove(&k);
                    m.order.retain(|x| x != &k);
                }
            }
            ("flush", "table") => {
                let (fam, r) = family_of(args);
                if let Some(t) = r.first().and_then(|n| m.tables.get_mut(&(fam, n.clone()))) {
                    for c in t.chains.values_mut() {
                        c.rules.clear();
                    }
                }
            }
            ("add" | "create", "chain") => {
                let (fam, r) = family_of(args);
                if r.len() < 2 {
                    m.problems.push((at, "chain without table and name".into()));
                    continue;
                }
                let (t, c) = (r[0].clone(), r[1].clone());
                m.chain(&fam, &t, &c, &at);
                if let Some(b) = body {
                    chain_body(m, &fam, &t, &c, &b);
                }
            }
            ("delete" | "destroy", "chain") | ("flush", "chain") => {
                let (fam, r) = family_of(args);
                if r.len() < 2 || r[1] == "handle" {
                    m.problems.push((
                        at,
                        "chain named by handle: which one is not known from the file".into(),
                    ));
                    continue;
                }
                if let Some(t) = m.tables.get_mut(&(fam, r[0].clone())) {
                    if verb == "flush" {
                        if let Some(c) = t.chains.get_mut(&r[1]) {
                            c.rules.clear();
                        }
                    } else {
                        t.chains.remove(&r[1]);
                        t.order.retain(|x| x != &r[1]);
                    }
                }
            }
            ("add" | "insert", "rule") => {
                let (fam, r) = family_of(args);
                if r.len() < 3 || r[2] == "position" || r[2] == "handle" || r[2] == "index" {
                    m.problems.push((at, "rule placed by position, handle or index: where it lands is not known from the file".into()));
                    continue;
                }
                let (t, c) = (r[0].clone(), r[1].clone());
                let mut rule_words = r[2..].to_vec();
                if let Some(b) = &body {
                    rule_words.push("{".into());
                    rule_words.extend(words(b));
                    rule_words.push("}".into());
                }
                let rule = nft_rule(at.clone(), &rule_words);
                match m.tables.get_mut(&(fam.clone(), t.clone())).and_then(|x| x.chains.get_mut(&c)) {
                    Some(ch) => {
                        if verb == "insert" {
                            ch.rules.insert(0, rule);
                        } else {
                            ch.rules.push(rule);
                        }
                    }
                    None => m.problems.push((
                        at,
                        format!("rule for chain {fam} {t} {c}, which does not exist (nft refuses the file)"),
                    )),
                }
            }
            (_, o) if IGNORED_OBJECTS.contains(&o) => {}
            (v, o) => m.problems.push((
                at,
                format!("`{v} {o}` at the top level is not understood by Ward"),
            )),
        }
    }
}

fn table_body(m: &mut NftModel, fam: &str, table: &str, toks: &[Token]) {
    let mut i = 0;
    while i < toks.len() {
        let (head, body, next) = statement(toks, i);
        if next <= i {
            i += 1;
            continue;
        }
        i = next;
        if head.is_empty() {
            continue;
        }
        let at = head[0].origin.clone();
        if body.is_some() && !matches!(toks.get(next).map(|t| &t.tok), Some(Tok::End)) {
            m.problems.push((
                at.clone(),
                "no newline or `;` after this block's `}` (nft refuses the file)".into(),
            ));
        }
        let w = words(&head);
        match w[0].as_str() {
            "chain" => {
                let Some(name) = w.get(1) else {
                    m.problems.push((at, "chain without a name".into()));
                    continue;
                };
                m.chain(fam, table, name, &at);
                if let Some(b) = body {
                    chain_body(m, fam, table, name, &b);
                }
            }
            "flags" => {
                if w[1..].iter().any(|f| f.split(',').any(|x| x == "dormant")) {
                    m.table(fam, table).dormant = true;
                }
            }
            o if IGNORED_OBJECTS.contains(&o) => {}
            o => m.problems.push((
                at,
                format!("`{o}` in table {fam} {table} is not understood by Ward"),
            )),
        }
    }
}

fn chain_body(m: &mut NftModel, fam: &str, table: &str, chain: &str, toks: &[Token]) {
    let mut i = 0;
    while i < toks.len() {
        if toks[i].tok == Tok::End {
            i += 1;
            continue;
        }
        let (rt, next) = rule_tokens(toks, i);
        i = if next <= i { i + 1 } else { next };
        if rt.is_empty() {
            continue;
        }
        let at = rt[0].origin.clone();
        let w = words(&rt);
        match w[0].as_str() {
            "type" => {
                // type TYPE hook HOOK [device D] priority P
                let kind = w.get(1).cloned();
                let hook = w
                    .iter()
                    .position(|x| x == "hook")
                    .and_then(|p| w.get(p + 1))
                    .cloned();
                let c = m.chain(fam, table, chain, &at);
                if hook.is_none() || kind.is_none() {
                    m.problems.push((at, "chain type without a hook".into()));
                    continue;
                }
                c.kind = kind;
                c.hook = hook;
                c.origin = at;
            }
            "policy" => match w.get(1).map(String::as_str) {
                Some(p @ ("accept" | "drop")) => {
                    let p = p.to_string();
                    m.chain(fam, table, chain, &at).policy = Some((p, at.clone()));
                }
                other => m.problems.push((
                    at,
                    format!("policy {:?} is not accept or drop", other.unwrap_or("")),
                )),
            },
            "comment" | "devices" | "flags" => {}
            _ => {
                let rule = nft_rule(at, &w);
                m.chain(fam, table, chain, &rule.origin.clone())
                    .rules
                    .push(rule);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// nft -j list ruleset

/// Run `nft -j list ruleset` on the live host.
fn nft_list_ruleset() -> Fact<Ruleset> {
    let limits = Limits {
        timeout: Duration::from_secs(5),
        stdout_cap: 16 * 1024 * 1024,
        stderr_cap: 4096,
    };
    if !Path::new(NFT).exists() {
        return Fact::error(format!(
            "{NFT}: not installed, so the loaded rules were not read"
        ));
    }
    match exec::run(Path::new(NFT), &["-j", "list", "ruleset"], limits) {
        Err(e) => Fact::error(format!("{NFT} -j list ruleset {e}")),
        Ok(o) if !o.status.success() => Fact::error(format!(
            "{NFT} -j list ruleset failed ({}): {}",
            o.status,
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Ok(o) if o.stdout_truncated => {
            Fact::error(format!("{NFT} -j list ruleset printed more than 16 MiB"))
        }
        Ok(o) => match nft_json(&String::from_utf8_lossy(&o.stdout), "nft -j list ruleset") {
            Ok(r) => Fact::Collected { value: r },
            Err(e) => Fact::error(e),
        },
    }
}

/// Read `nft -j list ruleset` output (libnftables' JSON schema).
pub fn nft_json(text: &str, source: &str) -> Result<Ruleset, String> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("{source}: not JSON: {e}"))?;
    let items = v
        .get("nftables")
        .and_then(|x| x.as_array())
        .ok_or_else(|| format!("{source}: no `nftables` array"))?;
    let mut rs = Ruleset {
        files: vec![source.to_string()],
        ..Ruleset::default()
    };
    let s = |o: &serde_json::Value, k: &str| {
        o.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string()
    };
    let mut index: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for (n, item) in items.iter().enumerate() {
        let origin = Origin::at(source.to_string(), n + 1);
        if let Some(c) = item.get("chain") {
            if s(c, "hook") != "input" || s(c, "type") != "filter" {
                continue;
            }
            let fam = s(c, "family");
            if !matches!(fam.as_str(), "ip" | "ip6" | "inet") {
                continue;
            }
            let policy = c
                .get("policy")
                .and_then(|p| p.as_str())
                .unwrap_or("accept")
                .to_string();
            index.insert((fam.clone(), s(c, "table"), s(c, "name")), rs.chains.len());
            rs.chains.push(InputChain {
                family: fam,
                table: s(c, "table"),
                name: s(c, "name"),
                origin: origin.clone(),
                policy,
                policy_origin: Some(origin),
                rules: Vec::new(),
            });
        } else if let Some(r) = item.get("rule") {
            let key = (s(r, "family"), s(r, "table"), s(r, "chain"));
            let Some(&ci) = index.get(&key) else { continue };
            let exprs = r
                .get("expr")
                .and_then(|e| e.as_array())
                .cloned()
                .unwrap_or_default();
            rs.chains[ci].rules.push(json_rule(origin, &exprs));
        }
    }
    Ok(rs)
}

fn json_rule(origin: Origin, exprs: &[serde_json::Value]) -> Rule {
    let mut verdict = None;
    let mut matches = Vec::new();
    for e in exprs {
        let Some((k, val)) = e.as_object().and_then(|o| o.iter().next()) else {
            continue;
        };
        match k.as_str() {
            v if VERDICTS.contains(&v) => {
                verdict = Some(v.to_string());
                break;
            }
            "counter" | "log" => {}
            _ => matches.push((k.clone(), val.clone())),
        }
    }
    let loopback_accept =
        verdict.as_deref() == Some("accept") && matches.len() == 1 && matches[0].0 == "match" && {
            let m = &matches[0].1;
            let key = m
                .get("left")
                .and_then(|l| l.get("meta"))
                .and_then(|x| x.get("key"))
                .and_then(|x| x.as_str());
            matches!(key, Some("iif" | "iifname"))
                && m.get("right").and_then(|x| x.as_str()) == Some("lo")
                && m.get("op")
                    .and_then(|x| x.as_str())
                    .is_none_or(|o| o == "==")
        };
    let text = cut(&serde_json::Value::Array(exprs.to_vec()).to_string());
    // A jump or goto that matches nothing may hand every packet to a chain Ward does not
    // follow.
    let uncertain = matches.is_empty() && matches!(verdict.as_deref(), Some("jump" | "goto"));
    Rule {
        origin,
        text,
        verdict,
        unconditional: matches.is_empty(),
        loopback_accept,
        uncertain,
    }
}

// ---------------------------------------------------------------------------------------
// iptables-save files

/// Words of an iptables-save line, with double quotes as iptables-restore reads them.
fn shell_words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            '\\' if quoted => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            c if c.is_whitespace() && !quoted => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The `filter` table's INPUT chain (or `input_chain`) of an iptables-save file.
fn iptables_save(
    root: &HostRoot,
    path: &str,
    family: &str,
    input_chain: &str,
    rs: &mut Ruleset,
) -> Result<Option<InputChain>, String> {
    let text = root.read_lossy(path).map_err(|e| e.to_string())?;
    rs.files.push(path.to_string());
    let mut table = String::new();
    let mut chain: Option<InputChain> = None;
    for (n, line) in text.lines().enumerate() {
        let origin = Origin::at(path.to_string(), n + 1);
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        if let Some(t) = l.strip_prefix('*') {
            table = t.trim().to_string();
            continue;
        }
        if l == "COMMIT" {
            table.clear();
            continue;
        }
        if table != "filter" {
            continue;
        }
        if let Some(decl) = l.strip_prefix(':') {
            let mut p = decl.split_whitespace();
            if p.next() == Some(input_chain) {
                let policy = match p.next() {
                    Some("DROP") => "drop",
                    Some("ACCEPT") => "accept",
                    Some("-") => "accept",
                    other => {
                        rs.problems.push((
                            origin.clone(),
                            format!("policy {:?} not understood", other.unwrap_or("")),
                        ));
                        "accept"
                    }
                };
                chain = Some(InputChain {
                    family: family.into(),
                    table: "filter".into(),
                    name: input_chain.into(),
                    origin: origin.clone(),
                    policy: policy.into(),
                    policy_origin: Some(origin),
                    rules: Vec::new(),
                });
            }
            continue;
        }
        let w = shell_words(l);
        if w.first().map(String::as_str) != Some("-A") {
            if !w.is_empty() && w[0].starts_with('-') {
                rs.problems
                    .push((origin, format!("`{}` is not an -A rule", cut(l))));
            }
            continue;
        }
        if w.get(1).map(String::as_str) != Some(input_chain) {
            continue;
        }
        let Some(c) = chain.as_mut() else {
            rs.problems.push((
                origin,
                format!("rule for {input_chain} before its declaration"),
            ));
            continue;
        };
        let mut target = None;
        let mut matches = Vec::new();
        let mut k = 2;
        while k < w.len() {
            match w[k].as_str() {
                "-j" | "--jump" | "-g" | "--goto" => {
                    target = w.get(k + 1).cloned();
                    // Target options (--reject-with, --log-prefix) follow; not matches.
                    break;
                }
                "-m" if w.get(k + 1).map(String::as_str) == Some("comment") => {
                    k += 4;
                }
                opt => {
                    matches.push(opt.to_string());
                    k += 1;
                }
            }
        }
        let verdict = target.as_deref().map(|t| match t {
            "ACCEPT" => "accept".to_string(),
            "DROP" => "drop".to_string(),
            "REJECT" => "reject".to_string(),
            "RETURN" => "return".to_string(),
            "LOG" => "log".to_string(),
            _ => "jump".to_string(),
        });
        let loopback_accept = verdict.as_deref() == Some("accept")
            && matches.len() == 2
            && matches!(matches[0].as_str(), "-i" | "--in-interface")
            && matches[1] == "lo";
        let verdict = verdict.filter(|v| v != "log");
        // An unconditional jump to a user chain may accept every packet there.
        let uncertain = matches.is_empty() && verdict.as_deref() == Some("jump");
        c.rules.push(Rule {
            origin,
            text: cut(l),
            // LOG does not end the chain.
            unconditional: matches.is_empty(),
            verdict,
            loopback_accept,
            uncertain,
        });
    }
    Ok(chain)
}

fn iptables_persistent(root: &HostRoot) -> Fact<Option<Ruleset>> {
    if !root.exists(RULES_V4) && !root.exists(RULES_V6) {
        return Fact::Collected { value: None };
    }
    let mut rs = Ruleset::default();
    for (path, fam) in [(RULES_V4, "ip"), (RULES_V6, "ip6")] {
        if !root.exists(path) {
            rs.notes.push(format!("{path} is absent"));
            continue;
        }
        match iptables_save(root, path, fam, "INPUT", &mut rs) {
            Ok(Some(c)) => rs.chains.push(c),
            Ok(None) => rs
                .notes
                .push(format!("{path} declares no filter INPUT chain")),
            Err(e) => return Fact::error(e),
        }
    }
    Fact::Collected { value: Some(rs) }
}

// ---------------------------------------------------------------------------------------
// ufw

/// `KEY=value` files as ufw's shell-sourced files read (quotes removed).
fn shell_assignments(
    root: &HostRoot,
    path: &str,
) -> Result<BTreeMap<String, (String, Origin)>, String> {
    let text = root.read_lossy(path).map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        if let Some((k, v)) = l.split_once('=') {
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|x| x.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
                .unwrap_or(v);
            out.insert(
                k.trim().to_string(),
                (v.to_string(), Origin::at(path.to_string(), n + 1)),
            );
        }
    }
    Ok(out)
}

fn ufw(root: &HostRoot) -> Result<Ruleset, String> {
    let mut rs = Ruleset {
        files: vec![UFW_CONF.into()],
        ..Ruleset::default()
    };
    let conf = shell_assignments(root, UFW_CONF)?;
    match conf.get("ENABLED") {
        Some((v, _)) if v.eq_ignore_ascii_case("yes") => {}
        Some((v, o)) => {
            rs.notes
                .push(format!("{o}: ENABLED={v}: ufw loads no rules at boot"));
            return Ok(rs);
        }
        None => {
            rs.notes.push(format!(
                "{UFW_CONF}: ENABLED is not set: ufw loads no rules at boot"
            ));
            return Ok(rs);
        }
    }
    let defaults = if root.exists(UFW_DEFAULT) {
        rs.files.push(UFW_DEFAULT.into());
        shell_assignments(root, UFW_DEFAULT)?
    } else {
        BTreeMap::new()
    };
    // ufw's own default when the file does not set it.
    let (policy, policy_origin) = match defaults.get("DEFAULT_INPUT_POLICY") {
        Some((v, o)) => match v.to_ascii_uppercase().as_str() {
            "DROP" | "REJECT" => ("drop".to_string(), Some(o.clone())),
            "ACCEPT" => ("accept".to_string(), Some(o.clone())),
            _ => {
                rs.problems.push((
                    o.clone(),
                    format!("DEFAULT_INPUT_POLICY={v:?} is not DROP, REJECT or ACCEPT"),
                ));
                ("accept".to_string(), Some(o.clone()))
            }
        },
        None => {
            rs.problems.push((
                Origin::file(UFW_DEFAULT),
                "DEFAULT_INPUT_POLICY is not set".into(),
            ));
            ("accept".to_string(), None)
        }
    };
    let ipv6 = defaults
        .get("IPV6")
        .is_some_and(|(v, _)| v.eq_ignore_ascii_case("yes"));
    let mut fams = vec![("ip", UFW_BEFORE)];
    if ipv6 {
        fams.push(("ip6", UFW_BEFORE6));
    } else {
        rs.notes.push(format!(
            "{UFW_DEFAULT}: IPV6 is not yes: ufw sets no IPv6 input policy"
        ));
    }
    for (fam, before) in fams {
        let mut rules = Vec::new();
        if root.exists(before) {
            let chain = if fam == "ip" {
                "ufw-before-input"
            } else {
                "ufw6-before-input"
            };
            if let Some(c) = iptables_save(root, before, fam, chain, &mut rs)? {
                // ufw's before chain runs first from INPUT; its loopback accept counts.
                rules = c
                    .rules
                    .into_iter()
                    .filter(|r| r.loopback_accept || r.verdict.as_deref() != Some("jump"))
                    .collect();
            }
        }
        rs.chains.push(InputChain {
            family: fam.into(),
            table: "filter".into(),
            name: "INPUT (ufw)".into(),
            origin: policy_origin
                .clone()
                .unwrap_or_else(|| Origin::file(UFW_DEFAULT)),
            policy: policy.clone(),
            policy_origin: policy_origin.clone(),
            // Only the loopback rules are carried: the other before-rules are conditional
            // accepts (ICMP, DHCP, established) and do not change the default.
            rules: rules.into_iter().filter(|r| r.loopback_accept).collect(),
        });
    }
    Ok(rs)
}

// ---------------------------------------------------------------------------------------
// firewalld

/// A zone file's target and whether it is bound to interfaces or sources.
fn zone_file(root: &HostRoot, path: &str) -> Result<(String, bool), String> {
    use quick_xml::events::Event;
    let text = root.read_lossy(path).map_err(|e| e.to_string())?;
    let mut r = quick_xml::Reader::from_str(&text);
    let mut target = None;
    let mut bound = false;
    loop {
        match r.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.name().as_ref() {
                b"zone" => {
                    target = Some("default".to_string());
                    for a in e.attributes().flatten() {
                        if a.key.as_ref() == b"target" {
                            target = Some(String::from_utf8_lossy(&a.value).into_owned());
                        }
                    }
                }
                b"interface" | b"source" => bound = true,
                _ => {}
            },
            Ok(Event::Eof) => break,
            Err(e) => {
                return Err(format!(
                    "{path}: not well-formed XML at byte {}: {e} (firewalld refuses the zone)",
                    r.error_position()
                ))
            }
            _ => {}
        }
    }
    match target {
        Some(t) => Ok((t, bound)),
        None => Err(format!("{path}: no <zone> element")),
    }
}

fn zone_chain(name: &str, target: &str, path: &str) -> Result<InputChain, String> {
    let policy = match target {
        "default" | "DROP" | "%%REJECT%%" | "REJECT" => "drop",
        "ACCEPT" => "accept",
        t => {
            return Err(format!(
                "{path}: zone target {t:?} is not one firewalld knows"
            ))
        }
    };
    let origin = Origin::file(path.to_string());
    Ok(InputChain {
        family: "inet".into(),
        table: "firewalld".into(),
        name: format!("zone {name} (target {target})"),
        origin: origin.clone(),
        policy: policy.into(),
        policy_origin: Some(origin.clone()),
        // firewalld's base ruleset accepts loopback traffic before any zone is consulted.
        rules: vec![Rule {
            origin,
            text: "iifname \"lo\" accept (firewalld's built-in rule)".into(),
            verdict: Some("accept".into()),
            unconditional: false,
            loopback_accept: true,
            uncertain: false,
        }],
    })
}

fn firewalld(root: &HostRoot) -> Result<Ruleset, String> {
    let mut rs = Ruleset::default();
    let mut zone = (
        "public".to_string(),
        Origin::file("firewalld's built-in DefaultZone"),
    );
    if root.exists(FIREWALLD_CONF) {
        rs.files.push(FIREWALLD_CONF.into());
        if let Some((v, o)) = shell_assignments(root, FIREWALLD_CONF)?.remove("DefaultZone") {
            if !v.is_empty() {
                zone = (v, o);
            }
        }
    }
    let etc = format!("{FIREWALLD_ZONES}/{}.xml", zone.0);
    let vendor = format!("{FIREWALLD_VENDOR_ZONES}/{}.xml", zone.0);
    let path = if root.exists(&etc) {
        etc
    } else if root.exists(&vendor) {
        vendor
    } else {
        return Err(format!(
            "{}: DefaultZone={} has no zone file in {FIREWALLD_ZONES} or {FIREWALLD_VENDOR_ZONES}",
            zone.1, zone.0
        ));
    };
    rs.files.push(path.clone());
    let (target, _) = zone_file(root, &path)?;
    rs.notes.push(format!("{}: DefaultZone={}", zone.1, zone.0));
    rs.chains.push(zone_chain(&zone.0, &target, &path)?);
    // Zones bound to interfaces or sources take their traffic: their targets count too.
    let extra = root
        .glob_paths(format!("{FIREWALLD_ZONES}/*.xml"))
        .map_err(|e| e.to_string())?;
    for p in extra {
        let p = p.to_string_lossy().into_owned();
        if p == path {
            continue;
        }
        let (t, bound) = zone_file(root, &p)?;
        if bound {
            rs.files.push(p.clone());
            let name = Path::new(&p)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            rs.chains.push(zone_chain(&name, &t, &p)?);
        }
    }
    Ok(rs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(files: &[(&str, &str)]) -> (tempfile::TempDir, HostRoot) {
        let dir = tempfile::tempdir().expect("tempdir");
        for (p, text) in files {
            let full = dir.path().join(p.trim_start_matches('/'));
            std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
            std::fs::write(full, text).expect("write");
        }
        let root = HostRoot::new(dir.path()).expect("root");
        (dir, root)
    }

    #[test]
    fn iptables_comment_is_not_a_match_and_quotes_hold_spaces() {
        let (_d, root) = host(&[(
            RULES_V4,
            "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -i lo -m comment --comment \"loop back\" -j ACCEPT\n-A INPUT -m comment --comment \"the end\" -j DROP\nCOMMIT\n",
        )]);
        let rs = iptables_persistent(&root);
        let rs = rs.value().and_then(Option::as_ref).expect("rules");
        let c = &rs.chains[0];
        assert_eq!(c.family, "ip");
        assert!(c.loopback_rule().is_some());
        assert_eq!(c.default_verdict().0, "drop");
        assert_eq!(c.default_verdict().1, Origin::at(RULES_V4, 4));
    }

    #[test]
    fn ufw_without_ipv6_covers_ipv4_only() {
        let (_d, root) = host(&[
            (UFW_CONF, "ENABLED=yes\n"),
            (UFW_DEFAULT, "IPV6=no\nDEFAULT_INPUT_POLICY=\"REJECT\"\n"),
        ]);
        let rs = ufw(&root).expect("ufw");
        assert_eq!(rs.chains.len(), 1);
        assert!(rs.chains[0].covers("ip") && !rs.chains[0].covers("ip6"));
        assert_eq!(rs.chains[0].policy, "drop");
        // No before.rules: no loopback rule is claimed.
        assert!(rs.chains[0].loopback_rule().is_none());
    }

    #[test]
    fn firewalld_zone_that_is_not_xml_is_an_error_naming_it() {
        let (_d, root) = host(&[
            (FIREWALLD_CONF, "DefaultZone=work\n"),
            (
                "/etc/firewalld/zones/work.xml",
                "<zone target=\"ACCEPT\">\n<short>W</sho",
            ),
        ]);
        let err = firewalld(&root).expect_err("malformed");
        assert!(err.contains("/etc/firewalld/zones/work.xml"), "{err}");
    }

    #[test]
    fn nft_json_reads_iifname_loopback_and_ignores_other_hooks() {
        let json = r#"{"nftables":[{"chain":{"family":"inet","table":"f","name":"in","type":"filter","hook":"input","prio":0,"policy":"drop"}},
            {"chain":{"family":"inet","table":"f","name":"out","type":"filter","hook":"output","prio":0,"policy":"drop"}},
            {"rule":{"family":"inet","table":"f","chain":"in","expr":[{"match":{"op":"==","left":{"meta":{"key":"iifname"}},"right":"lo"}},{"counter":null},{"accept":null}]}}]}"#;
        let rs = nft_json(json, "test").expect("json");
        assert_eq!(rs.chains.len(), 1);
        assert!(rs.chains[0].loopback_rule().is_some());
        assert_eq!(rs.chains[0].default_verdict().0, "drop");
        assert!(nft_json("{", "test").is_err());
    }

    #[test]
    fn top_level_statement_not_modelled_is_a_problem_with_its_line() {
        let (_d, root) = host(&[(
            NFTABLES_CONF,
            "table inet f {\n chain i { type filter hook input priority 0; policy drop; }\n}\nadd rule inet f i position 3 accept\n",
        )]);
        let rs = nft_file(&root, NFTABLES_CONF).expect("read");
        assert_eq!(rs.problems.len(), 1, "{:?}", rs.problems);
        assert_eq!(rs.problems[0].0, Origin::at(NFTABLES_CONF, 4));
    }
}
