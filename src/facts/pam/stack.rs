//! A service's PAM stack as libpam 1.5 builds it, and its control flow as
//! `_pam_dispatch_aux` runs it.
//!
//! Building (`_pam_init_handlers`, `_pam_parse_conf_file`): the service's file
//! (`/etc/pam.d/NAME`, else `/usr/lib/pam.d/NAME`; `/etc/pam.conf` lines for the service
//! when neither directory exists) and the `other` file are both read; `other`'s lines are
//! used for a type only when the service has none of that type. Type and control words are
//! compared without case; a line with an unknown type, no control or no module is kept as a
//! handler that always fails; `include` inserts the named file's lines of the same type,
//! `substack` does the same one level down (so `done`, `die` and jumps stay inside it), and
//! Debian's `@include` inserts the file's lines. An include that cannot be opened is a
//! failing handler; lines read before an included file's error stay. A module whose file is
//! missing returns `PAM_MODULE_UNKNOWN`; a `-` before the type only silences the log.
//!
//! Running: each handler's return code selects an action from its control (`[value=action
//! …]`, the four keywords being shorthands); `ok`/`done` record success only while nothing
//! failed, `bad`/`die` record failure, `done`/`die` end the (sub)stack, a jump skips N
//! handlers of the same level (a substack counts as one; a jump past the end is a failure),
//! `reset` restores the state at the start of the (sub)stack. The stack succeeds when the
//! recorded state is positive with `PAM_SUCCESS`. [`analyse`] explores every combination
//! of return codes the modules can give (known modules give only theirs: `pam_deny`
//! fails, `pam_permit` succeeds, …) and reports whether some successful run never passes a
//! handler the caller cares about.

use std::collections::{BTreeSet, HashMap, VecDeque};

use super::{Pam, PamLine};

pub use crate::vocab::PamType;

/// PAM return codes Ward names (index into the control table).
pub mod code {
    pub const SUCCESS: usize = 0;
    pub const SERVICE_ERR: usize = 3;
    pub const PERM_DENIED: usize = 6;
    pub const AUTH_ERR: usize = 7;
    pub const SESSION_ERR: usize = 14;
    pub const AUTHTOK_ERR: usize = 20;
    pub const IGNORE: usize = 25;
    pub const MODULE_UNKNOWN: usize = 28;
    pub const INCOMPLETE: usize = 31;
    /// Number of return codes (`_PAM_RETURN_VALUES`).
    pub const COUNT: usize = 32;
}

/// Return-code names in libpam's order, then `default`.
const RETURN_NAMES: [&str; 33] = [
    "success",
    "open_err",
    "symbol_err",
    "service_err",
    "system_err",
    "buf_err",
    "perm_denied",
    "auth_err",
    "cred_insufficient",
    "authinfo_unavail",
    "user_unknown",
    "maxtries",
    "new_authtok_reqd",
    "acct_expired",
    "session_err",
    "cred_unavail",
    "cred_expired",
    "cred_err",
    "no_module_data",
    "conv_err",
    "authtok_err",
    "authtok_recover_err",
    "authtok_lock_busy",
    "authtok_disable_aging",
    "try_again",
    "ignore",
    "abort",
    "authtok_expired",
    "module_unknown",
    "bad_item",
    "conv_again",
    "incomplete",
    "default",
];

/// The name of a return code.
pub fn code_name(c: usize) -> &'static str {
    RETURN_NAMES.get(c).copied().unwrap_or("?")
}

/// What the stack does with a return code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Undef,
    Ignore,
    Ok,
    Done,
    Bad,
    Die,
    Reset,
    Jump(u32),
}

type Actions = [Action; code::COUNT];

fn fill_default(actions: &mut Actions, a: Action) {
    for x in actions.iter_mut() {
        if *x == Action::Undef {
            *x = a;
        }
    }
}

/// `_pam_parse_control`; `Err` when libpam treats every code as `bad`.
pub fn parse_control(tok: &str) -> Result<Actions, String> {
    let mut actions = [Action::Undef; code::COUNT];
    let b = tok.as_bytes();
    let mut i = 0;
    let space = |c: u8| c.is_ascii_whitespace();
    loop {
        while i < b.len() && space(b[i]) {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let rest = &tok[i..];
        let Some(ret) = RETURN_NAMES.iter().position(|n| rest.starts_with(n)) else {
            return Err(format!("expecting a return value at {rest:?}"));
        };
        i += RETURN_NAMES[ret].len();
        if i >= b.len() {
            return Err(format!("expecting a return value at {rest:?}"));
        }
        while i < b.len() && space(b[i]) {
            i += 1;
        }
        if i >= b.len() || b[i] != b'=' {
            return Err(format!("expecting '=' after {}", RETURN_NAMES[ret]));
        }
        i += 1;
        while i < b.len() && space(b[i]) {
            i += 1;
        }
        if i >= b.len() {
            return Err("expecting an action".into());
        }
        let rest = &tok[i..];
        let named = [
            ("ignore", Action::Ignore),
            ("ok", Action::Ok),
            ("done", Action::Done),
            ("bad", Action::Bad),
            ("die", Action::Die),
            ("reset", Action::Reset),
        ]
        .into_iter()
        .find(|(n, _)| rest.starts_with(n));
        let act = match named {
            Some((n, a)) => {
                i += n.len();
                a
            }
            None => {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                if digits.is_empty() {
                    return Err(format!("expecting a jump number at {rest:?}"));
                }
                i += digits.len();
                let n: u32 = digits.parse().unwrap_or(u32::MAX);
                if n == 0 {
                    return Err("a jump of 0 (use ignore)".into());
                }
                Action::Jump(n)
            }
        };
        if ret == code::COUNT {
            fill_default(&mut actions, act);
        } else {
            actions[ret] = act;
        }
    }
    Ok(actions)
}

fn keyword_actions(word: &str) -> Option<Actions> {
    let mut a = [Action::Undef; code::COUNT];
    let fill = match word.to_ascii_lowercase().as_str() {
        "required" => {
            a[code::SUCCESS] = Action::Ok;
            a[12] = Action::Ok;
            a[code::IGNORE] = Action::Ignore;
            Action::Bad
        }
        "requisite" => {
            a[code::SUCCESS] = Action::Ok;
            a[12] = Action::Ok;
            a[code::IGNORE] = Action::Ignore;
            Action::Die
        }
        "optional" => {
            a[code::SUCCESS] = Action::Ok;
            a[12] = Action::Ok;
            Action::Ignore
        }
        "sufficient" => {
            a[code::SUCCESS] = Action::Done;
            a[12] = Action::Done;
            Action::Ignore
        }
        _ => return None,
    };
    fill_default(&mut a, fill);
    Some(a)
}

/// What a handler is.
#[derive(Debug, Clone)]
pub enum HandlerKind<'a> {
    /// A module line.
    Module(&'a PamLine),
    /// A line libpam installs to fail (bad type, control or module; an include that
    /// cannot be read).
    MustFail { line: &'a PamLine, reason: String },
    /// The start of a substack (skipped when run; its lines follow one level down).
    Substack(&'a PamLine),
}

/// One handler of a stack.
#[derive(Debug, Clone)]
pub struct Handler<'a> {
    pub level: usize,
    pub kind: HandlerKind<'a>,
    pub actions: Actions,
    /// The module file is missing (the handler returns `module_unknown`).
    pub missing: bool,
    /// Why the control field is read as all-`bad`, if it is.
    pub control_error: Option<String>,
}

impl Handler<'_> {
    /// The line behind this handler.
    pub fn line(&self) -> &PamLine {
        match &self.kind {
            HandlerKind::Module(l) | HandlerKind::Substack(l) => l,
            HandlerKind::MustFail { line, .. } => line,
        }
    }

    /// The module line, when this is a working module handler.
    pub fn module(&self) -> Option<&PamLine> {
        match &self.kind {
            HandlerKind::Module(l) => Some(l),
            _ => None,
        }
    }
}

/// A service's stack for one type.
#[derive(Debug, Clone)]
pub struct Stack<'a> {
    pub service: String,
    pub kind: PamType,
    pub handlers: Vec<Handler<'a>>,
    /// The handlers come from `other` (the service has none of this type).
    pub from_other: bool,
    /// The files read, in order (for evidence).
    pub files: Vec<String>,
    /// Notes for the evidence (files libpam cuts lines of, control fields it rejects).
    pub notes: Vec<String>,
}

/// Why a stack cannot be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildError {
    /// Ward could not read a file libpam reads: the verdict is unknown.
    Unreadable(String),
    /// libpam refuses the configuration: every PAM call of the service fails.
    Refused(String),
    /// Neither the service file nor `other` exists.
    NoConfiguration,
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Unreadable(r) => write!(f, "{r}"),
            BuildError::Refused(r) => write!(f, "libpam refuses the configuration: {r}"),
            BuildError::NoConfiguration => f.write_str(
                "neither the service's file nor `other` exists: libpam fails every call",
            ),
        }
    }
}

struct Builder<'a> {
    pam: &'a Pam,
    want: PamType,
    handlers: Vec<Handler<'a>>,
    files: Vec<String>,
    notes: Vec<String>,
}

/// libpam's limit on substack levels.
const MAX_SUBSTACK: usize = 16;

impl<'a> Builder<'a> {
    fn must_fail(&mut self, line: &'a PamLine, level: usize, actions: Actions, reason: String) {
        self.handlers.push(Handler {
            level,
            kind: HandlerKind::MustFail { line, reason },
            actions,
            missing: false,
            control_error: None,
        });
    }

    /// Read an included file; `Ok(false)` when libpam cannot open or read it (the caller
    /// installs a failing handler).
    fn include(
        &mut self,
        name: &str,
        requested: PamType,
        level: usize,
        depth: usize,
    ) -> Result<bool, BuildError> {
        if level >= MAX_SUBSTACK {
            return Ok(false);
        }
        if depth > super::MAX_INCLUDE_DEPTH {
            return Err(BuildError::Refused(format!(
                "includes nest deeper than {} levels at {name} (an include loop)",
                super::MAX_INCLUDE_DEPTH
            )));
        }
        let Some(path) = self.pam.locate(name) else {
            return Ok(false);
        };
        let file = &self.pam.files[path];
        if let Some(e) = &file.error {
            return Err(BuildError::Unreadable(e.clone()));
        }
        if file.absent {
            return Ok(false);
        }
        self.files.push(path.to_string());
        self.lines(&file.lines, None, Some(requested), level, depth)?;
        if let Some(a) = &file.aborted {
            self.notes.push(a.clone());
            return Ok(false);
        }
        Ok(true)
    }

    fn lines(
        &mut self,
        lines: &'a [PamLine],
        service: Option<&str>,
        requested: Option<PamType>,
        level: usize,
        depth: usize,
    ) -> Result<(), BuildError> {
        for line in lines {
            if let (Some(s), Some(ls)) = (service, &line.service) {
                if !ls.eq_ignore_ascii_case(s) {
                    continue;
                }
            }
            self.line(line, requested, level, depth)?;
        }
        Ok(())
    }

    fn line(
        &mut self,
        line: &'a PamLine,
        requested: Option<PamType>,
        level: usize,
        depth: usize,
    ) -> Result<(), BuildError> {
        let fallback = requested.unwrap_or(PamType::Auth);
        if line.is_at_include() {
            let t = requested.unwrap_or(self.want);
            if t != self.want {
                return Ok(());
            }
            let target = line.control.clone().unwrap_or_default();
            if !self.include(&target, t, level, depth + 1)? {
                let mut a = [Action::Undef; code::COUNT];
                fill_default(&mut a, Action::Bad);
                self.must_fail(line, level, a, format!("@include {target}: cannot be read"));
            }
            return Ok(());
        }
        let (kind, mut fail) = match line.kind.as_deref().map(|k| (k, PamType::parse(k))) {
            None => (fallback, Some("no module type".to_string())),
            Some((_, Some(t))) => (t, None),
            Some((k, None)) => (fallback, Some(format!("unknown module type {k:?}"))),
        };
        if requested.is_some_and(|r| r != kind) || kind != self.want {
            return Ok(());
        }
        let mut control_error = None;
        let mut include: Option<bool> = None;
        let actions = match line.control.as_deref() {
            None => {
                fail.get_or_insert_with(|| "no control flag".into());
                let mut a = [Action::Undef; code::COUNT];
                fill_default(&mut a, Action::Bad);
                a
            }
            Some(c) if c.eq_ignore_ascii_case("include") => {
                include = Some(false);
                [Action::Undef; code::COUNT]
            }
            Some(c) if c.eq_ignore_ascii_case("substack") => {
                include = Some(true);
                [Action::Undef; code::COUNT]
            }
            Some(c) => match keyword_actions(c) {
                Some(a) => a,
                None => match parse_control(c) {
                    Ok(mut a) => {
                        fill_default(&mut a, Action::Bad);
                        a
                    }
                    Err(e) => {
                        let msg = format!(
                            "{}: control [{c}]: {e}; libpam treats every result as bad",
                            line.origin
                        );
                        self.notes.push(msg.clone());
                        control_error = Some(msg);
                        [Action::Bad; code::COUNT]
                    }
                },
            },
        };
        if let Some(sub) = include {
            let target = line.module.clone().unwrap_or_default();
            if sub {
                self.handlers.push(Handler {
                    level,
                    kind: HandlerKind::Substack(line),
                    actions,
                    missing: false,
                    control_error: None,
                });
            }
            if !self.include(&target, kind, level + usize::from(sub), depth + 1)? {
                let mut a = actions;
                fill_default(&mut a, Action::Bad);
                let what = if sub { "substack" } else { "include" };
                self.must_fail(line, level, a, format!("{what} {target}: cannot be read"));
            }
            return Ok(());
        }
        if line.module.is_none() {
            fail.get_or_insert_with(|| "no module name".into());
        }
        if let Some(reason) = fail {
            self.must_fail(line, level, actions, reason);
            return Ok(());
        }
        let missing = line
            .module
            .as_deref()
            .and_then(|m| self.pam.module_installed(m))
            == Some(false);
        self.handlers.push(Handler {
            level,
            kind: HandlerKind::Module(line),
            actions,
            missing,
            control_error,
        });
        Ok(())
    }
}

/// Build `service`'s stack of type `kind`.
pub fn build<'a>(pam: &'a Pam, service: &str, kind: PamType) -> Result<Stack<'a>, BuildError> {
    let service = service.to_ascii_lowercase();
    let mut conf = Builder {
        pam,
        want: kind,
        handlers: Vec::new(),
        files: Vec::new(),
        notes: Vec::new(),
    };
    let mut other = Builder {
        pam,
        want: kind,
        handlers: Vec::new(),
        files: Vec::new(),
        notes: Vec::new(),
    };
    if pam.uses_pam_conf {
        let Some(file) = pam.files.get(super::PAM_CONF) else {
            return Err(BuildError::NoConfiguration);
        };
        if let Some(e) = &file.error {
            return Err(BuildError::Unreadable(e.clone()));
        }
        if let Some(a) = &file.aborted {
            return Err(BuildError::Refused(a.clone()));
        }
        conf.files.push(super::PAM_CONF.into());
        for line in &file.lines {
            let s = line.service.as_deref().unwrap_or("");
            if s.eq_ignore_ascii_case("other") {
                other.line(line, None, 0, 0)?;
            } else if s.eq_ignore_ascii_case(&service) {
                conf.line(line, None, 0, 0)?;
            }
        }
    } else {
        let mut read_something = false;
        for (name, builder) in [(service.as_str(), &mut conf), ("other", &mut other)] {
            let Some(path) = pam.locate(name) else {
                continue;
            };
            let file = &pam.files[path];
            if let Some(e) = &file.error {
                return Err(BuildError::Unreadable(e.clone()));
            }
            if file.absent {
                continue;
            }
            if let Some(a) = &file.aborted {
                return Err(BuildError::Refused(a.clone()));
            }
            builder.files.push(path.to_string());
            builder.lines(&file.lines, None, None, 0, 0)?;
            read_something = true;
        }
        if !read_something {
            return Err(BuildError::NoConfiguration);
        }
        if service == "other" {
            // The service is `other` itself: its lines are the fallback list.
            std::mem::swap(&mut conf, &mut other);
        }
    }
    let from_other = conf.handlers.is_empty();
    let chosen = if from_other { other } else { conf };
    Ok(Stack {
        service,
        kind,
        handlers: chosen.handlers,
        from_other,
        files: chosen.files,
        notes: chosen.notes,
    })
}

/// The return codes a handler can give.
fn outcomes(h: &Handler, kind: PamType, pam: &Pam) -> Vec<usize> {
    let line = match &h.kind {
        HandlerKind::MustFail { .. } => return vec![code::PERM_DENIED],
        HandlerKind::Substack(_) => return vec![],
        HandlerKind::Module(l) => l,
    };
    if h.missing {
        return vec![code::MODULE_UNKNOWN];
    }
    let name = line.module_name().unwrap_or_default();
    match name.as_str() {
        "pam_deny" => vec![match kind {
            PamType::Password => code::AUTHTOK_ERR,
            PamType::Session => code::SESSION_ERR,
            _ => code::AUTH_ERR,
        }],
        "pam_permit" => vec![code::SUCCESS],
        // pam_debug returns what its first `EVENT=` argument names (success otherwise).
        "pam_debug" => {
            let event = match kind {
                PamType::Auth => "auth=",
                PamType::Account => "acct=",
                PamType::Password => "chauthtok=",
                PamType::Session => "open_session=",
            };
            let named = line
                .args
                .iter()
                .find_map(|a| a.strip_prefix(event))
                .and_then(|v| RETURN_NAMES[..code::COUNT].iter().position(|n| *n == v));
            vec![named.unwrap_or(code::SUCCESS)]
        }
        "pam_pwquality" | "pam_pwhistory" => vec![code::SUCCESS, code::AUTHTOK_ERR],
        "pam_faillock" => {
            let e = super::settings::effective(pam, line);
            if e.broken.is_some() {
                return vec![code::SERVICE_ERR];
            }
            match e.get("mode").map(|(m, _)| m) {
                Some("authfail") if kind == PamType::Auth => vec![code::AUTH_ERR],
                Some("authsucc") if kind == PamType::Auth => vec![code::SUCCESS],
                _ => vec![code::SUCCESS, code::AUTH_ERR],
            }
        }
        "pam_unix" => (0..code::INCOMPLETE)
            .filter(|c| *c != code::IGNORE)
            .collect(),
        // Second factors return ignore (or success) for an account without an enrolled
        // factor only under their bypass options (`nullok`, `nouserok`, `alwaysok`,
        // `no_usersfile_okay`); without them, success or a failure.
        "pam_google_authenticator" | "pam_u2f" | "pam_oath" => {
            let e = super::settings::effective(pam, line);
            let bypass = ["nullok", "nouserok", "alwaysok", "no_usersfile_okay"]
                .iter()
                .any(|o| e.get(o).is_some_and(|(v, _)| v != "no"));
            (0..code::INCOMPLETE)
                .filter(|c| bypass || *c != code::IGNORE)
                .collect()
        }
        _ => (0..code::INCOMPLETE).collect(),
    }
}

/// One step of a run: the handler and the code it returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub handler: usize,
    pub code: usize,
}

/// What every possible run of a stack does.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// Some run ends in success.
    pub can_succeed: bool,
    /// A successful run in which no handler `wanted` accepts returned success or ignore.
    pub bypass: Option<Vec<Step>>,
    /// Handlers some run reaches.
    pub reached: BTreeSet<usize>,
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct State {
    idx: usize,
    prev_level: usize,
    /// 0 undefined, 1 positive, 2 negative.
    impression: u8,
    success: bool,
    satisfied: bool,
    saved: Vec<(u8, bool)>,
}

/// Explore every run of `stack`.
pub fn analyse(stack: &Stack, pam: &Pam, wanted: &dyn Fn(&Handler) -> bool) -> Analysis {
    let hs = &stack.handlers;
    let n = hs.len();
    let mut out = Analysis::default();
    let start = State {
        idx: 0,
        prev_level: 0,
        impression: 0,
        success: false,
        satisfied: false,
        saved: vec![(0, false); MAX_SUBSTACK + 2],
    };
    let mut parent: HashMap<State, Option<(State, Step)>> = HashMap::new();
    parent.insert(start.clone(), None);
    let mut queue = VecDeque::from([start]);
    let codes: Vec<Vec<usize>> = hs.iter().map(|h| outcomes(h, stack.kind, pam)).collect();
    while let Some(st) = queue.pop_front() {
        if st.idx >= n {
            if st.impression == 1 && st.success {
                out.can_succeed = true;
                if !st.satisfied && out.bypass.is_none() {
                    let mut path = Vec::new();
                    let mut cur = st.clone();
                    while let Some(Some((prev, step))) = parent.get(&cur) {
                        path.push(*step);
                        cur = prev.clone();
                    }
                    path.reverse();
                    out.bypass = Some(path);
                }
            }
            continue;
        }
        let h = &hs[st.idx];
        let level = h.level;
        let mut base = st.clone();
        if base.prev_level < level {
            for l in base.prev_level + 1..=level.min(MAX_SUBSTACK + 1) {
                base.saved[l] = (base.impression, base.success);
            }
        }
        out.reached.insert(st.idx);
        if let HandlerKind::Substack(_) = h.kind {
            let next = State {
                idx: st.idx + 1,
                prev_level: level,
                ..base
            };
            push(
                &mut parent,
                &mut queue,
                &st,
                next,
                Step {
                    handler: st.idx,
                    code: 0,
                },
            );
            continue;
        }
        let is_wanted = wanted(h);
        for &c in &codes[st.idx] {
            let mut s = base.clone();
            if is_wanted && (c == code::SUCCESS || c == code::IGNORE) {
                s.satisfied = true;
            }
            let mut next = st.idx + 1;
            let decision = |from: usize| {
                let mut j = from;
                while j + 1 < n && hs[j + 1].level >= level {
                    j += 1;
                }
                j + 1
            };
            match h.actions[c] {
                Action::Reset => {
                    let (i, ok) = s.saved[level.min(MAX_SUBSTACK + 1)];
                    s.impression = i;
                    s.success = ok;
                }
                Action::Ok | Action::Done => {
                    if s.impression == 0 || (s.impression == 1 && s.success) {
                        s.impression = 1;
                        s.success = c == code::SUCCESS;
                    }
                    if s.impression == 1 && h.actions[c] == Action::Done {
                        next = decision(st.idx);
                    }
                }
                Action::Bad | Action::Die | Action::Undef => {
                    if s.impression != 2 {
                        s.impression = 2;
                        s.success = false;
                    }
                    if h.actions[c] == Action::Die {
                        next = decision(st.idx);
                    }
                }
                Action::Ignore => {}
                Action::Jump(k) => {
                    let mut left = k;
                    let mut j = st.idx;
                    while j + 1 < n && hs[j + 1].level >= level && left > 0 {
                        loop {
                            j += 1;
                            if !(j + 1 < n && hs[j + 1].level > level) {
                                break;
                            }
                        }
                        left -= 1;
                    }
                    if left > 0 {
                        s.impression = 2;
                        s.success = false;
                    }
                    next = j + 1;
                }
            }
            s.idx = next;
            s.prev_level = level;
            push(
                &mut parent,
                &mut queue,
                &st,
                s,
                Step {
                    handler: st.idx,
                    code: c,
                },
            );
        }
    }
    out
}

fn push(
    parent: &mut HashMap<State, Option<(State, Step)>>,
    queue: &mut VecDeque<State>,
    from: &State,
    to: State,
    step: Step,
) {
    if !parent.contains_key(&to) {
        parent.insert(to.clone(), Some((from.clone(), step)));
        queue.push_back(to);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::pam::file;
    use std::collections::BTreeMap;

    fn pam(files: &[(&str, &str)]) -> Pam {
        let mut p = Pam {
            dirs: vec!["/etc/pam.d".into()],
            ..Pam::default()
        };
        let mut m = BTreeMap::new();
        for (name, text) in files {
            let path = format!("/etc/pam.d/{name}");
            m.insert(path.clone(), file::parse(&path, text.as_bytes()));
        }
        p.files = m;
        p.faillock.insert(
            super::super::FAILLOCK_CONF.into(),
            crate::facts::pam::ConfFile {
                path: super::super::FAILLOCK_CONF.into(),
                absent: true,
                ..Default::default()
            },
        );
        p
    }

    fn module_is<'h>(name: &'h str) -> impl Fn(&Handler) -> bool + 'h {
        move |h: &Handler| h.module().and_then(PamLine::module_name).as_deref() == Some(name)
    }

    const DEBIAN_AUTH: &str = "auth [success=1 default=ignore] pam_unix.so nullok\nauth requisite pam_deny.so\nauth required pam_permit.so\n";

    #[test]
    fn control_fields_parse_as_libpam() {
        let a = parse_control("success=1 default=ignore").unwrap();
        assert_eq!(a[0], Action::Jump(1));
        assert_eq!(a[7], Action::Ignore);
        let a = parse_control("default=ignore success=ok").unwrap();
        assert_eq!(a[0], Action::Ok);
        assert!(parse_control("success=okay").is_err());
        assert!(parse_control("success=0").is_err());
        assert!(parse_control("sucess=ok").is_err());
        let mut a = parse_control("success=done").unwrap();
        fill_default(&mut a, Action::Bad);
        assert_eq!(a[7], Action::Bad);
    }

    #[test]
    fn an_include_chain_with_a_jump_reaches_the_module() {
        let p = pam(&[
            ("login", "@include common-auth\naccount required pam_unix.so\n"),
            (
                "common-auth",
                "auth requisite pam_faillock.so preauth\nauth [success=2 default=ignore] pam_unix.so\nauth [default=die] pam_faillock.so authfail\nauth requisite pam_deny.so\nauth required pam_permit.so\n",
            ),
            ("other", "auth required pam_deny.so\n"),
        ]);
        let s = build(&p, "login", PamType::Auth).unwrap();
        assert_eq!(s.handlers.len(), 5);
        assert!(!s.from_other);
        let preauth = |h: &Handler| {
            h.module().is_some_and(|l| {
                l.module_name().as_deref() == Some("pam_faillock") && l.args == ["preauth"]
            })
        };
        let a = analyse(&s, &p, &preauth);
        assert!(a.can_succeed);
        assert!(a.bypass.is_none(), "{:?}", a.bypass);
        // authfail is reached (when pam_unix fails) but never on a successful run.
        assert!(a.reached.contains(&2));
    }

    #[test]
    fn a_jump_over_the_module_is_a_bypass() {
        let p = pam(&[
            (
                "passwd",
                "password [success=1 default=ignore] pam_unix.so\npassword requisite pam_pwquality.so\npassword required pam_permit.so\n",
            ),
            ("other", ""),
        ]);
        let s = build(&p, "passwd", PamType::Password).unwrap();
        let a = analyse(&s, &p, &module_is("pam_pwquality"));
        let path = a
            .bypass
            .expect("pam_unix's success jumps over pam_pwquality");
        assert_eq!(
            path[0],
            Step {
                handler: 0,
                code: 0
            }
        );
    }

    #[test]
    fn sufficient_before_the_module_bypasses_it() {
        let p = pam(&[(
            "passwd",
            "password sufficient pam_unix.so\npassword requisite pam_pwquality.so\n",
        )]);
        let s = build(&p, "passwd", PamType::Password).unwrap();
        assert!(analyse(&s, &p, &module_is("pam_pwquality"))
            .bypass
            .is_some());
        let p = pam(&[(
            "passwd",
            "password requisite pam_pwquality.so\npassword [success=1 default=ignore] pam_unix.so\npassword requisite pam_deny.so\npassword required pam_permit.so\n",
        )]);
        let s = build(&p, "passwd", PamType::Password).unwrap();
        let a = analyse(&s, &p, &module_is("pam_pwquality"));
        assert!(a.can_succeed && a.bypass.is_none());
    }

    #[test]
    fn optional_modules_do_not_enforce() {
        let p = pam(&[(
            "passwd",
            "password optional pam_pwquality.so\npassword required pam_unix.so\n",
        )]);
        let s = build(&p, "passwd", PamType::Password).unwrap();
        assert!(analyse(&s, &p, &module_is("pam_pwquality"))
            .bypass
            .is_some());
    }

    #[test]
    fn other_is_used_only_for_types_the_service_lacks() {
        let p = pam(&[
            ("sshd", "account required pam_unix.so\n"),
            (
                "other",
                "auth required pam_deny.so\naccount required pam_deny.so\n",
            ),
        ]);
        let s = build(&p, "sshd", PamType::Auth).unwrap();
        assert!(s.from_other);
        assert!(!analyse(&s, &p, &|_| false).can_succeed);
        let s = build(&p, "SSHD", PamType::Account).unwrap();
        assert!(!s.from_other);
    }

    #[test]
    fn substack_done_ends_only_the_substack() {
        let p = pam(&[
            (
                "login",
                "auth substack sub\nauth requisite pam_pwquality.so\n",
            ),
            (
                "sub",
                "auth sufficient pam_permit.so\nauth required pam_deny.so\n",
            ),
        ]);
        let s = build(&p, "login", PamType::Auth).unwrap();
        let a = analyse(&s, &p, &module_is("pam_pwquality"));
        assert!(a.can_succeed);
        assert!(
            a.bypass.is_none(),
            "done inside the substack must not skip the outer module"
        );
        // With include, sufficient ends the whole stack.
        let p = pam(&[
            (
                "login",
                "auth include sub\nauth requisite pam_pwquality.so\n",
            ),
            (
                "sub",
                "auth sufficient pam_permit.so\nauth required pam_deny.so\n",
            ),
        ]);
        let s = build(&p, "login", PamType::Auth).unwrap();
        assert!(analyse(&s, &p, &module_is("pam_pwquality"))
            .bypass
            .is_some());
    }

    #[test]
    fn missing_includes_and_bad_lines_fail() {
        let p = pam(&[(
            "login",
            "auth include nowhere\nauth required pam_permit.so\n",
        )]);
        let s = build(&p, "login", PamType::Auth).unwrap();
        assert!(matches!(s.handlers[0].kind, HandlerKind::MustFail { .. }));
        assert!(!analyse(&s, &p, &|_| false).can_succeed);
        let p = pam(&[(
            "login",
            "auht required pam_permit.so\nauth required pam_permit.so\n",
        )]);
        let s = build(&p, "login", PamType::Auth).unwrap();
        assert_eq!(s.handlers.len(), 2);
        assert!(!analyse(&s, &p, &|_| false).can_succeed);
    }

    #[test]
    fn debian_common_auth_succeeds_through_pam_unix() {
        let p = pam(&[("login", DEBIAN_AUTH)]);
        let s = build(&p, "login", PamType::Auth).unwrap();
        let a = analyse(&s, &p, &module_is("pam_unix"));
        assert!(a.can_succeed);
        assert!(a.bypass.is_none());
    }

    #[test]
    fn include_loops_are_refused() {
        let p = pam(&[("a", "auth include b\n"), ("b", "auth include a\n")]);
        assert!(matches!(
            build(&p, "a", PamType::Auth),
            Err(BuildError::Refused(_))
        ));
    }
}
