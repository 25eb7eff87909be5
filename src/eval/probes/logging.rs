//! System loggers (`logging` probes): whether logs leave the host, whether the host takes
//! logs from others, the modes of log files, whether the journal reaches the syslog daemon,
//! and how long logrotate keeps the logger's files.
//!
//! A logger counts when its service starts at boot (the `service` probe's reading):
//! rsyslog (`rsyslog.service`, OpenRC `rsyslog`), syslog-ng (`syslog-ng.service`, OpenRC
//! `syslog-ng`) and systemd-journal-upload (`systemd-journal-upload.service`). What each
//! does comes from the `rsyslog`, `syslog_ng`, `logrotate`, `log_files` and `systemd_conf`
//! collectors. A configuration line rsyslog reports as an error makes every judgement that
//! reads rsyslog's configuration `error`, naming the line; so does a filter Ward cannot
//! evaluate where it decides the answer.

use super::services::{init_system, service_state, Init};
use crate::catalogue::test::{LoggingTest, Mask, Names, Num, Word, SYSLOG_SEVERITIES};
use crate::eval::{Evidence, EvidenceSource, Outcome, Verdict};
use crate::facts::log_files::LogFiles;
use crate::facts::registry::{LogrotateConf, RsyslogConf, SyslogNgConf};
use crate::facts::rsyslog::{Action, Rsyslog};
use crate::facts::syslog_ng::SyslogNg;
use crate::facts::systemd_conf::SystemdConf;
use crate::facts::{Fact, FactKind, Facts};
use crate::host_root::FileKind;

/// The loggers that start at boot, with the evidence of their enablement.
struct Enabled {
    openrc: bool,
    rsyslog: Option<Evidence>,
    syslog_ng: Option<Evidence>,
    journal_upload: Option<Evidence>,
    idle: Vec<Evidence>,
}

fn enabled(facts: &Facts) -> Result<Enabled, Verdict> {
    let openrc = matches!(init_system(facts)?, Init::OpenRc(_));
    let mut out = Enabled {
        openrc,
        rsyslog: None,
        syslog_ng: None,
        journal_upload: None,
        idle: Vec::new(),
    };
    let mut check = |unit: &str, rc: Option<&str>| -> Result<Option<Evidence>, Verdict> {
        let s = if openrc {
            match rc {
                Some(rc) => service_state(facts, None, Some(rc))?,
                None => return Ok(None),
            }
        } else {
            service_state(facts, Some(unit), None)?
        };
        let ev = Evidence::new(s.source, format!("{} is {}", s.name, s.state), "enabled");
        if s.enabled {
            Ok(Some(ev))
        } else {
            if s.state != "not installed" {
                out.idle.push(ev);
            }
            Ok(None)
        }
    };
    let r = check("rsyslog.service", Some("rsyslog"))?;
    let n = check("syslog-ng.service", Some("syslog-ng"))?;
    let j = check("systemd-journal-upload.service", None)?;
    out.rsyslog = r;
    out.syslog_ng = n;
    out.journal_upload = j;
    Ok(out)
}

pub(super) fn logging(t: &LoggingTest, facts: &Facts) -> Verdict {
    let en = match enabled(facts) {
        Ok(e) => e,
        Err(v) => return v,
    };
    if t.remote_forwarding == Some(true) {
        return forwarding(t.severity.as_ref(), facts, &en);
    }
    if let Some(m) = &t.file_mode_at_most {
        return file_modes(m, facts, &en);
    }
    if let Some(w) = &t.remote_input {
        return remote_input(w, facts, &en);
    }
    if t.journal_reaches_syslog == Some(true) {
        return journal_reaches_syslog(facts, &en);
    }
    if let Some(m) = &t.log_files_mode_at_most {
        return log_files(m, t.except.as_ref(), t.except_mode_at_most.as_ref(), facts);
    }
    if let Some(n) = &t.retention_days_at_least {
        return retention(n, facts, &en);
    }
    Verdict::error(
        EvidenceSource::catalogue(),
        "logging: no query given",
        false,
    )
}

/// A logger's configuration (a collector whose output wraps `Fact<Option<T>>`), or the
/// verdict to return: `Ok(None)` when the logger has none.
fn logger_conf<'a, K: FactKind, T>(
    facts: &'a Facts,
    path: &str,
    inner: impl Fn(&'a K) -> &'a Fact<Option<T>>,
) -> Result<Option<&'a T>, Verdict> {
    let src = EvidenceSource::file(path, None);
    let conf: &K = match facts.fact::<K>() {
        Ok(Fact::Collected { value }) => value,
        Ok(Fact::Error {
            reason,
            permission_denied,
        }) => return Err(Verdict::error(src, reason.clone(), *permission_denied)),
        Err(e) => return Err(Verdict::error(src, e.to_string(), false)),
    };
    match inner(conf) {
        Fact::Collected { value } => Ok(value.as_ref()),
        Fact::Error {
            reason,
            permission_denied,
        } => Err(Verdict::error(src, reason.clone(), *permission_denied)),
    }
}

fn rsyslog(facts: &Facts) -> Result<Option<&Rsyslog>, Verdict> {
    logger_conf(
        facts,
        crate::facts::rsyslog::RSYSLOG_CONF,
        |c: &RsyslogConf| &c.0,
    )
}

fn syslog_ng(facts: &Facts) -> Result<Option<&SyslogNg>, Verdict> {
    logger_conf(
        facts,
        crate::facts::syslog_ng::SYSLOG_NG_CONF,
        |c: &SyslogNgConf| &c.0,
    )
}

/// The enabled rsyslog's configuration for a query: its evidence line added, a read
/// failure or the errors rsyslog reports recorded; `None` when there is nothing to judge.
fn enabled_rsyslog<'a>(
    facts: &'a Facts,
    en: &Enabled,
    errors: &mut Vec<String>,
    evidence: &mut Vec<Evidence>,
) -> Option<&'a Rsyslog> {
    evidence.push(en.rsyslog.as_ref()?.clone());
    match rsyslog(facts) {
        Err(v) => {
            errors.push(v.reason.clone());
            evidence.extend(v.evidence);
            None
        }
        Ok(None) => None,
        Ok(Some(r)) => {
            if let Some(p) = rsyslog_problems(r, evidence) {
                errors.push(p);
            }
            Some(r)
        }
    }
}

/// The enabled syslog-ng's configuration for a query, as [`enabled_rsyslog`].
fn enabled_syslog_ng<'a>(
    facts: &'a Facts,
    en: &Enabled,
    errors: &mut Vec<String>,
    evidence: &mut Vec<Evidence>,
) -> Option<&'a SyslogNg> {
    evidence.push(en.syslog_ng.as_ref()?.clone());
    match syslog_ng(facts) {
        Err(v) => {
            errors.push(v.reason.clone());
            evidence.extend(v.evidence);
            None
        }
        Ok(None) => None,
        Ok(Some(n)) => {
            if !n.problems.is_empty() {
                errors.push(format!(
                    "syslog-ng's configuration has {} problem(s)",
                    n.problems.len()
                ));
            }
            Some(n)
        }
    }
}

/// The verdict when a logger's configuration could not be judged.
fn logger_error(errors: &[String], evidence: Vec<Evidence>) -> Verdict {
    Verdict {
        evidence,
        ..Verdict::error(
            EvidenceSource::collector("logger configuration"),
            errors.join("; "),
            false,
        )
    }
}

/// Evidence for each error rsyslog reports (at most 10), and the reason text.
fn rsyslog_problems(r: &Rsyslog, evidence: &mut Vec<Evidence>) -> Option<String> {
    if r.problems.is_empty() {
        return None;
    }
    for p in r.problems.iter().take(10) {
        evidence.push(Evidence::new(
            EvidenceSource::origin(&p.origin),
            p.message.clone(),
            "a line rsyslog accepts",
        ));
    }
    let first = &r.problems[0];
    Some(format!(
        "rsyslog reports {} configuration error(s), first at {}: {}",
        r.problems.len(),
        first.origin,
        first.message
    ))
}

fn severity_index(w: Option<&Word>) -> Result<usize, String> {
    let name = match w {
        None => "info",
        Some(w) => w.value()?,
    };
    SYSLOG_SEVERITIES
        .iter()
        .position(|s| *s == name)
        .ok_or_else(|| format!("severity {name:?} is not a syslog severity"))
}

/// Whether `reach` forwards every facility (slots 0–23) at every severity up to `sev`.
fn complete(reach: &[u8], sev: usize) -> bool {
    let need: u8 = ((1u16 << (sev + 1)) - 1) as u8;
    reach.iter().take(24).all(|m| m & need == need)
}

fn describe_forward(a: &Action) -> String {
    let f = a.forward.as_ref();
    format!(
        "{} to {}:{} over {}{}",
        a.text.trim(),
        f.map(|f| f.target.as_str()).unwrap_or("?"),
        f.map(|f| f.port.as_str()).unwrap_or("?"),
        f.map(|f| f.protocol.as_str()).unwrap_or("?"),
        if a.filters.is_empty() {
            String::new()
        } else {
            format!(" under {}", a.filters.join(" / "))
        }
    )
}

fn forwarding(severity: Option<&Word>, facts: &Facts, en: &Enabled) -> Verdict {
    let sev = match severity_index(severity) {
        Ok(s) => s,
        Err(e) => return Verdict::error(EvidenceSource::catalogue(), e, false),
    };
    let want = format!(
        "every facility's messages of severity {} or more severe sent to another host",
        SYSLOG_SEVERITIES[sev]
    );
    let mut evidence = Vec::new();
    let mut passes = Vec::new();
    let mut errors = Vec::new();
    let mut partial = Vec::new();
    if let Some(ev) = &en.rsyslog {
        evidence.push(ev.clone());
        match rsyslog(facts) {
            Err(v) => {
                errors.push(v.reason.clone());
                evidence.extend(v.evidence);
            }
            Ok(None) => {
                partial.push("rsyslog is enabled but /etc/rsyslog.conf does not exist".to_string())
            }
            Ok(Some(r)) => {
                let problem = rsyslog_problems(r, &mut evidence);
                let fwd: Vec<&Action> = r.actions.iter().filter(|a| a.forward.is_some()).collect();
                for a in &fwd {
                    let src = EvidenceSource::origin(&a.origin);
                    if a.disabled {
                        evidence.push(Evidence::new(
                            src,
                            format!("{} (disabled by rsyslog)", describe_forward(a)),
                            want.clone(),
                        ));
                        continue;
                    }
                    match (&a.reach, &a.reach_unknown) {
                        (Some(reach), _) if complete(reach, sev) => {
                            evidence.push(Evidence::new(src, describe_forward(a), want.clone()));
                            passes.push(format!(
                                "rsyslog forwards to {}",
                                a.forward.as_ref().map(|f| f.target.as_str()).unwrap_or("?")
                            ));
                        }
                        (Some(reach), _) => {
                            let missing: Vec<String> = (0..24)
                                .filter(|i| {
                                    reach[*i] & (((1u16 << (sev + 1)) - 1) as u8)
                                        != (((1u16 << (sev + 1)) - 1) as u8)
                                })
                                .map(facility_name)
                                .collect();
                            evidence.push(Evidence::new(
                                src,
                                format!(
                                    "{} (not forwarded: {})",
                                    describe_forward(a),
                                    missing.join(", ")
                                ),
                                want.clone(),
                            ));
                            partial
                                .push(format!("{} forwards only part of the messages", a.origin));
                        }
                        (None, why) => {
                            let why = why.clone().unwrap_or_default();
                            evidence.push(Evidence::new(
                                src,
                                format!("{} ({why})", describe_forward(a)),
                                want.clone(),
                            ));
                            errors.push(format!("what {} forwards is not known: {why}", a.origin));
                        }
                    }
                }
                if fwd.is_empty() {
                    partial.push(format!(
                        "rsyslog has no forwarding action (read: {})",
                        r.files.join(", ")
                    ));
                }
                if let Some(p) = problem {
                    // A rejected line may be the forwarding one, or stop rsyslog reading.
                    if passes.iter().any(|p| p.starts_with("rsyslog")) {
                        passes.retain(|p| !p.starts_with("rsyslog"));
                    }
                    errors.push(p);
                }
            }
        }
    }
    if let Some(ev) = &en.syslog_ng {
        evidence.push(ev.clone());
        match syslog_ng(facts) {
            Err(v) => {
                errors.push(v.reason.clone());
                evidence.extend(v.evidence);
            }
            Ok(None) => partial.push("syslog-ng is enabled but has no configuration".into()),
            Ok(Some(n)) => {
                let mut found = false;
                for p in &n.log_paths {
                    for d in &p.destinations {
                        let Some(dest) = n.destinations.iter().find(|x| &x.name == d) else {
                            continue;
                        };
                        for drv in dest.drivers.iter().filter(|x| x.remote()) {
                            found = true;
                            let obs = format!(
                                "log path sends to {}({}{}) via destination {d}",
                                drv.kind,
                                drv.target,
                                drv.port
                                    .as_deref()
                                    .map(|p| format!(" port {p}"))
                                    .unwrap_or_default()
                            );
                            if p.narrowed_by.is_empty() {
                                evidence.push(Evidence::new(
                                    EvidenceSource::origin(&p.origin),
                                    obs,
                                    want.clone(),
                                ));
                                passes.push(format!("syslog-ng forwards to {}", drv.target));
                            } else {
                                evidence.push(Evidence::new(
                                    EvidenceSource::origin(&p.origin),
                                    format!("{obs}, narrowed by {}", p.narrowed_by.join(", ")),
                                    want.clone(),
                                ));
                                errors.push(format!("what the log path at {} forwards depends on filters Ward does not evaluate", p.origin));
                            }
                        }
                    }
                }
                for pr in n.problems.iter().take(5) {
                    evidence.push(Evidence::new(
                        EvidenceSource::origin(&pr.origin),
                        pr.message.clone(),
                        "a configuration syslog-ng accepts",
                    ));
                }
                if !n.problems.is_empty() {
                    passes.retain(|p| !p.starts_with("syslog-ng"));
                    errors.push(format!(
                        "syslog-ng's configuration has {} problem(s)",
                        n.problems.len()
                    ));
                }
                if !found {
                    partial.push("no syslog-ng log path sends to a network destination".into());
                }
            }
        }
    }
    if let Some(ev) = &en.journal_upload {
        evidence.push(ev.clone());
        match facts.fact::<SystemdConf>() {
            Ok(Fact::Collected { value }) => {
                let url = value
                    .files
                    .get("journal-upload.conf")
                    .and_then(|f| f.effective("Upload", "URL"));
                match url {
                    Some(a) => {
                        evidence.push(Evidence::new(
                            EvidenceSource::origin(&a.origin),
                            format!("URL={}", a.value),
                            want.clone(),
                        ));
                        passes.push(format!(
                            "systemd-journal-upload sends the journal to {}",
                            a.value
                        ));
                    }
                    None => {
                        evidence.push(Evidence::new(
                            EvidenceSource::file("/etc/systemd/journal-upload.conf", None),
                            "URL= not set: systemd-journal-upload has nowhere to send",
                            want.clone(),
                        ));
                        partial.push("systemd-journal-upload is enabled without URL=".into());
                    }
                }
            }
            Ok(Fact::Error { reason, .. }) => errors.push(reason.clone()),
            Err(e) => errors.push(e.to_string()),
        }
    }
    if !passes.is_empty() {
        return Verdict::pass(passes.join("; "), evidence);
    }
    if !errors.is_empty() {
        return logger_error(&errors, evidence);
    }
    if en.rsyslog.is_none() && en.syslog_ng.is_none() && en.journal_upload.is_none() {
        evidence.extend(en.idle.iter().cloned());
        // Where an enabled logger would show: its boot link.
        let place = if en.openrc {
            "/etc/runlevels/default"
        } else {
            "/etc/systemd/system/multi-user.target.wants"
        };
        evidence.push(Evidence::new(
            EvidenceSource::file(place, None),
            "none of rsyslog, syslog-ng or systemd-journal-upload is enabled",
            want,
        ));
        return Verdict::fail("no enabled logger sends logs to another host", evidence);
    }
    Verdict::fail(partial.join("; "), evidence)
}

fn facility_name(i: usize) -> String {
    const N: [&str; 24] = [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
        "authpriv", "ftp", "ntp", "security", "console", "clock", "local0", "local1", "local2",
        "local3", "local4", "local5", "local6", "local7",
    ];
    N.get(i)
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("facility {i}"))
}

fn not_applicable(reason: &str, evidence: Vec<Evidence>) -> Verdict {
    Verdict::with(Outcome::NotApplicable, reason, evidence)
}

fn file_modes(mask: &Mask, facts: &Facts, en: &Enabled) -> Verdict {
    let limit = match mask.value() {
        Ok(m) => m,
        Err(e) => return Verdict::error(EvidenceSource::catalogue(), e, false),
    };
    let want = format!("created with mode {limit:04o} or stricter");
    let mut evidence = Vec::new();
    let mut bad = Vec::new();
    let mut good = 0usize;
    let mut errors = Vec::new();
    if en.rsyslog.is_none() && en.syslog_ng.is_none() {
        return not_applicable("neither rsyslog nor syslog-ng is enabled", en.idle.clone());
    }
    if let Some(r) = enabled_rsyslog(facts, en, &mut errors, &mut evidence) {
        let umask = r.umask.as_ref();
        for a in r.actions.iter().filter(|a| !a.disabled) {
            let Some(f) = &a.file else { continue };
            let eff = match umask {
                Some(u) => f.create_mode.mode & !u.mode,
                None => f.create_mode.mode,
            };
            let obs = format!(
                "{}{} created {:04o} (mode {:04o} from {}{}){}{}",
                f.path,
                if f.dynamic { " (dynamic name)" } else { "" },
                eff,
                f.create_mode.mode,
                f.create_mode.from,
                umask
                    .map(|u| format!(", umask {:04o} from {}", u.mode, u.from))
                    .unwrap_or_default(),
                f.owner
                    .as_deref()
                    .map(|o| format!(", owner {o}"))
                    .unwrap_or_default(),
                f.group
                    .as_deref()
                    .map(|g| format!(", group {g}"))
                    .unwrap_or_default(),
            );
            if eff & !limit != 0 {
                bad.push(format!("{} ({:04o})", f.path, eff));
                evidence.push(Evidence::new(
                    EvidenceSource::origin(&a.origin),
                    obs,
                    want.clone(),
                ));
            } else {
                good += 1;
                if good <= 20 {
                    evidence.push(Evidence::new(
                        EvidenceSource::origin(&a.origin),
                        obs,
                        want.clone(),
                    ));
                }
            }
        }
    }
    if let Some(n) = enabled_syslog_ng(facts, en, &mut errors, &mut evidence) {
        for d in &n.destinations {
            for drv in d.drivers.iter().filter(|x| x.kind == "file") {
                let (mode, from) = match (drv.perm, n.default_perm) {
                    (Some(p), _) => (p, "perm()".to_string()),
                    (None, Some(p)) => (p, "options { perm(); }".to_string()),
                    (None, None) => (0o600, "syslog-ng default".to_string()),
                };
                let obs = format!("{} created {mode:04o} ({from})", drv.target);
                if mode & !limit != 0 {
                    bad.push(format!("{} ({mode:04o})", drv.target));
                } else {
                    good += 1;
                }
                evidence.push(Evidence::new(
                    EvidenceSource::origin(&drv.origin),
                    obs,
                    want.clone(),
                ));
            }
        }
    }
    if !bad.is_empty() {
        return Verdict::fail(
            format!(
                "log files created with a looser mode than {limit:04o}: {}",
                bad.join(", ")
            ),
            evidence,
        );
    }
    if !errors.is_empty() {
        return logger_error(&errors, evidence);
    }
    if good == 0 {
        return Verdict::pass("the enabled loggers write no files", evidence);
    }
    Verdict::pass(
        format!("{good} log file(s) created with mode {limit:04o} or stricter"),
        evidence,
    )
}

fn remote_input(w: &Word, facts: &Facts, en: &Enabled) -> Verdict {
    let allowed = match w.value() {
        Ok("allowed") => true,
        Ok("none") => false,
        Ok(o) => {
            return Verdict::error(
                EvidenceSource::catalogue(),
                format!("remote_input {o:?}"),
                false,
            )
        }
        Err(e) => return Verdict::error(EvidenceSource::catalogue(), e, false),
    };
    let want = if allowed {
        "any (this host is a log server)"
    } else {
        "no input receiving logs from the network"
    };
    if en.rsyslog.is_none() && en.syslog_ng.is_none() {
        return not_applicable("neither rsyslog nor syslog-ng is enabled", en.idle.clone());
    }
    let mut evidence = Vec::new();
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    if let Some(r) = enabled_rsyslog(facts, en, &mut errors, &mut evidence) {
        for i in r.inputs.iter().filter(|i| i.remote) {
            let obs = format!(
                "{} listening on port {}{}",
                i.module,
                i.port.as_deref().unwrap_or("?"),
                i.address
                    .as_deref()
                    .map(|a| format!(" address {a}"))
                    .unwrap_or_default()
            );
            evidence.push(Evidence::new(
                EvidenceSource::origin(&i.origin),
                obs.clone(),
                want,
            ));
            inputs.push(format!("rsyslog {obs} ({})", i.origin));
        }
    }
    if let Some(n) = enabled_syslog_ng(facts, en, &mut errors, &mut evidence) {
        for s in &n.sources {
            for d in s.drivers.iter().filter(|d| d.remote()) {
                let obs = format!("source {} receives with {}()", s.name, d.kind);
                evidence.push(Evidence::new(
                    EvidenceSource::origin(&d.origin),
                    obs.clone(),
                    want,
                ));
                inputs.push(format!("syslog-ng {obs} ({})", d.origin));
            }
        }
    }
    if allowed {
        if !errors.is_empty() {
            return Verdict {
                evidence,
                ..Verdict::error(
                    EvidenceSource::collector("logger configuration"),
                    errors.join("; "),
                    false,
                )
            };
        }
        return Verdict::pass(
            if inputs.is_empty() {
                "no network input (receiving is allowed on this host)".to_string()
            } else {
                format!(
                    "receiving logs is allowed on this host: {}",
                    inputs.join("; ")
                )
            },
            evidence,
        );
    }
    if !inputs.is_empty() {
        return Verdict::fail(
            format!(
                "the host receives logs from the network: {}",
                inputs.join("; ")
            ),
            evidence,
        );
    }
    if !errors.is_empty() {
        return logger_error(&errors, evidence);
    }
    Verdict::pass("no enabled logger receives logs from the network", evidence)
}

/// systemd's `parse_boolean`.
fn systemd_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "yes" | "y" | "true" | "t" | "on" => Some(true),
        "0" | "no" | "n" | "false" | "f" | "off" => Some(false),
        _ => None,
    }
}

fn journal_reaches_syslog(facts: &Facts, en: &Enabled) -> Verdict {
    let want = "the syslog daemon receives the journal's messages";
    if en.rsyslog.is_none() && en.syslog_ng.is_none() {
        return not_applicable("neither rsyslog nor syslog-ng is enabled", en.idle.clone());
    }
    let mut evidence = Vec::new();
    if let Some(ev) = &en.syslog_ng {
        evidence.push(ev.clone());
        if let Ok(Some(n)) = syslog_ng(facts) {
            if let Some(d) = n
                .sources
                .iter()
                .flat_map(|s| s.drivers.iter())
                .find(|d| d.kind == "system" || d.kind == "systemd-journal")
            {
                evidence.push(Evidence::new(
                    EvidenceSource::origin(&d.origin),
                    format!("{}() source (reads the journal on systemd hosts)", d.kind),
                    want,
                ));
                return Verdict::pass("syslog-ng reads the journal itself", evidence);
            }
        }
    }
    let Some(ev) = &en.rsyslog else {
        return Verdict::fail(
            "syslog-ng has no system() or systemd-journal() source",
            evidence,
        );
    };
    evidence.push(ev.clone());
    let r = match rsyslog(facts) {
        Err(v) => return v,
        Ok(None) => {
            return Verdict::fail(
                "rsyslog is enabled but /etc/rsyslog.conf does not exist",
                evidence,
            )
        }
        Ok(Some(r)) => r,
    };
    let problem = rsyslog_problems(r, &mut evidence);
    let module = |name: &str| r.modules.iter().find(|m| m.name == name);
    if let Some(m) = module("imjournal") {
        evidence.push(Evidence::new(
            EvidenceSource::origin(&m.origin),
            "imjournal loaded: rsyslog reads the journal itself",
            want,
        ));
        return match problem {
            Some(p) => Verdict {
                evidence,
                ..Verdict::error(EvidenceSource::origin(&r.problems[0].origin), p, false)
            },
            None => Verdict::pass("rsyslog reads the journal (imjournal)", evidence),
        };
    }
    let Some(m) = module("imuxsock") else {
        evidence.push(Evidence::new(
            EvidenceSource::search(r.files.join(", ")),
            "neither imuxsock nor imjournal is loaded: rsyslog receives no local messages",
            want,
        ));
        return match problem {
            Some(p) => Verdict {
                evidence,
                ..Verdict::error(EvidenceSource::origin(&r.problems[0].origin), p, false)
            },
            None => Verdict::fail("rsyslog loads neither imuxsock nor imjournal", evidence),
        };
    };
    evidence.push(Evidence::new(
        EvidenceSource::origin(&m.origin),
        "imuxsock loaded: rsyslog reads the syslog socket journald forwards to",
        want,
    ));
    // journald's ForwardToSyslog: Debian and its derivatives build systemd with it on;
    // upstream systemd 246 and later default to off.
    let debian_like = facts
        .get::<crate::facts::os_release::OsRelease>()
        .map(|o| {
            o.id.as_deref() == Some("debian")
                || o.id.as_deref() == Some("ubuntu")
                || o.id_like.iter().any(|l| l == "debian" || l == "ubuntu")
        })
        .unwrap_or(false);
    let default = if debian_like { "yes" } else { "no" };
    let conf =
        collected!(facts => SystemdConf, EvidenceSource::file("/etc/systemd/journald.conf", None));
    let (value, src) = match conf
        .files
        .get("journald.conf")
        .and_then(|f| f.effective("Journal", "ForwardToSyslog"))
    {
        Some(a) => (a.value.clone(), EvidenceSource::origin(&a.origin)),
        None => (
            default.to_string(),
            EvidenceSource::default_of(if debian_like {
                "systemd's built-in ForwardToSyslog (Debian's build: yes)"
            } else {
                "systemd's built-in ForwardToSyslog (upstream 246 and later: no)"
            }),
        ),
    };
    let on = systemd_bool(&value);
    evidence.push(Evidence::new(
        src,
        format!("ForwardToSyslog={value}"),
        "ForwardToSyslog=yes",
    ));
    if let Some(p) = problem {
        return Verdict {
            evidence,
            ..Verdict::error(EvidenceSource::origin(&r.problems[0].origin), p, false)
        };
    }
    match on {
        Some(true) => Verdict::pass("journald forwards to the syslog socket rsyslog reads (imuxsock)", evidence),
        Some(false) => Verdict::fail(
            "rsyslog reads only the syslog socket (imuxsock) and journald does not forward to it (ForwardToSyslog=no): rsyslog gets no service logs",
            evidence,
        ),
        None => Verdict {
            evidence,
            ..Verdict::error(EvidenceSource::collector("journald.conf"), format!("ForwardToSyslog={value} is not a boolean journald accepts"), false)
        },
    }
}

fn log_files(
    mask: &Mask,
    except: Option<&Names>,
    except_mask: Option<&Mask>,
    facts: &Facts,
) -> Verdict {
    let limit = match mask.value() {
        Ok(m) => m,
        Err(e) => return Verdict::error(EvidenceSource::catalogue(), e, false),
    };
    let (patterns, except_limit) = match (except, except_mask) {
        (Some(n), Some(m)) => match (n.value(), m.value()) {
            (Ok(n), Ok(m)) => (n.to_vec(), m),
            (Err(e), _) | (_, Err(e)) => {
                return Verdict::error(EvidenceSource::catalogue(), e, false)
            }
        },
        _ => (Vec::new(), limit),
    };
    let compiled: Vec<glob::Pattern> = patterns
        .iter()
        .filter_map(|p| glob::Pattern::new(p).ok())
        .collect();
    let lf = collected!(facts => LogFiles, EvidenceSource::search("/var/log"));
    if !lf.exists {
        return not_applicable(
            "/var/log does not exist",
            vec![Evidence::new(
                EvidenceSource::file("/var/log", None),
                "absent",
                "log files",
            )],
        );
    }
    let mut evidence = Vec::new();
    let mut bad = Vec::new();
    let mut checked = 0usize;
    for e in &lf.entries {
        match e.kind {
            FileKind::Directory if e.mode & 0o002 != 0 => {
                bad.push(format!(
                    "{} (directory {:04o}, world-writable)",
                    e.path, e.mode
                ));
                evidence.push(Evidence::new(
                    EvidenceSource::file(&e.path, None),
                    format!("directory mode {:04o}", e.mode),
                    "not world-writable",
                ));
            }
            FileKind::File => {
                checked += 1;
                let excepted = compiled.iter().any(|p| p.matches(&e.path));
                let lim = if excepted { except_limit } else { limit };
                if e.mode & !lim != 0 {
                    bad.push(format!("{} ({:04o})", e.path, e.mode));
                    if evidence.len() < 50 {
                        evidence.push(Evidence::new(
                            EvidenceSource::file(&e.path, None),
                            format!("mode {:04o}, uid {}, gid {}", e.mode, e.uid, e.gid),
                            format!(
                                "mode {lim:04o} or stricter{}",
                                if excepted { " (listed exception)" } else { "" }
                            ),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    if !bad.is_empty() {
        let shown: Vec<&str> = bad.iter().take(20).map(String::as_str).collect();
        return Verdict::fail(
            format!(
                "{} entr{} under /var/log too open: {}{}",
                bad.len(),
                if bad.len() == 1 { "y" } else { "ies" },
                shown.join(", "),
                if bad.len() > 20 { ", …" } else { "" }
            ),
            evidence,
        );
    }
    if let Some(why) = &lf.incomplete {
        return Verdict::error(EvidenceSource::search("/var/log"), why.clone(), false);
    }
    if !lf.unreadable.is_empty() {
        return Verdict::error(
            EvidenceSource::search("/var/log"),
            format!("could not list: {}", lf.unreadable.join("; ")),
            lf.unreadable
                .iter()
                .any(|u| u.contains("permission denied")),
        );
    }
    evidence.push(Evidence::new(
        EvidenceSource::search("/var/log"),
        format!(
            "{checked} regular file(s), none above {limit:04o}{}",
            if patterns.is_empty() {
                String::new()
            } else {
                format!(
                    " ({} allowed up to {except_limit:04o})",
                    patterns.join(", ")
                )
            }
        ),
        format!("mode {limit:04o} or stricter"),
    ));
    Verdict::pass(
        format!("{checked} log file(s) under /var/log, none more open than allowed"),
        evidence,
    )
}

fn retention(n: &Num, facts: &Facts, en: &Enabled) -> Verdict {
    let days = match n.value() {
        Ok(d) => d,
        Err(e) => return Verdict::error(EvidenceSource::catalogue(), e, false),
    };
    let want = format!("rotated copies kept at least {days} days");
    if en.rsyslog.is_none() && en.syslog_ng.is_none() {
        return not_applicable("neither rsyslog nor syslog-ng is enabled", en.idle.clone());
    }
    let mut evidence = Vec::new();
    let mut errors = Vec::new();
    let mut files: Vec<(String, crate::facts::Origin)> = Vec::new();
    if en.rsyslog.is_some() {
        match rsyslog(facts) {
            Err(v) => {
                errors.push(v.reason.clone());
                evidence.extend(v.evidence);
            }
            Ok(None) => {}
            Ok(Some(r)) => {
                if let Some(p) = rsyslog_problems(r, &mut evidence) {
                    errors.push(p);
                }
                for a in r.actions.iter().filter(|a| !a.disabled) {
                    if let Some(f) = a.file.as_ref().filter(|f| !f.dynamic) {
                        files.push((f.path.clone(), a.origin.clone()));
                    }
                }
            }
        }
    }
    if en.syslog_ng.is_some() {
        match syslog_ng(facts) {
            Err(v) => errors.push(v.reason.clone()),
            Ok(None) => {}
            Ok(Some(n)) => {
                for d in &n.destinations {
                    for drv in d
                        .drivers
                        .iter()
                        .filter(|x| x.kind == "file" && !x.target.contains('$'))
                    {
                        files.push((drv.target.clone(), drv.origin.clone()));
                    }
                }
            }
        }
    }
    if files.is_empty() && errors.is_empty() {
        return not_applicable("the enabled loggers write no fixed log files", evidence);
    }
    let lr = collected!(facts => LogrotateConf, EvidenceSource::file(crate::facts::logrotate::LOGROTATE_CONF, None));
    let lr = match &lr.0 {
        Fact::Collected { value } => value.as_ref(),
        Fact::Error {
            reason,
            permission_denied,
        } => {
            return Verdict::error(
                EvidenceSource::file(crate::facts::logrotate::LOGROTATE_CONF, None),
                reason.clone(),
                *permission_denied,
            )
        }
    };
    let mut short = Vec::new();
    let mut unknown = Vec::new();
    if let Some(lr) = lr {
        for p in lr.problems.iter().take(10) {
            evidence.push(Evidence::new(
                EvidenceSource::origin(&p.origin),
                p.message.clone(),
                "a line logrotate accepts",
            ));
        }
        if !lr.problems.is_empty() {
            errors.push(format!(
                "logrotate reports {} configuration error(s), first: {}",
                lr.problems.len(),
                lr.problems[0].message
            ));
        }
    }
    files.sort();
    files.dedup_by(|a, b| a.0 == b.0);
    for (path, origin) in &files {
        let block = lr.and_then(|l| l.logs.iter().find(|b| b.covers(path)));
        match block {
            None => evidence.push(Evidence::new(
                EvidenceSource::origin(origin),
                format!(
                    "{path}: no logrotate entry rotates it (kept until removed by other means)"
                ),
                want.clone(),
            )),
            Some(b) => {
                let r = b.retention_days();
                let obs = format!(
                    "{path}: {}, rotate {}{} = {}",
                    b.criterion,
                    b.rotate,
                    if b.maxage > 0 {
                        format!(", maxage {}", b.maxage)
                    } else {
                        String::new()
                    },
                    match r {
                        Some(d) if d.is_infinite() => "kept without limit".to_string(),
                        Some(d) => format!("{d:.1} days"),
                        None => "unknown (rotated by size)".into(),
                    }
                );
                evidence.push(Evidence::new(
                    EvidenceSource::origin(&b.origin),
                    obs,
                    want.clone(),
                ));
                match r {
                    Some(d) if d + 1e-9 >= days as f64 => {}
                    Some(_) => short.push(path.clone()),
                    None => unknown.push(path.clone()),
                }
            }
        }
    }
    if !short.is_empty() {
        return Verdict::fail(
            format!(
                "logrotate keeps less than {days} days of {}",
                short.join(", ")
            ),
            evidence,
        );
    }
    if !errors.is_empty() || !unknown.is_empty() {
        let mut why = errors;
        if !unknown.is_empty() {
            why.push(format!(
                "rotated by size, so the days kept are not known: {}",
                unknown.join(", ")
            ));
        }
        return Verdict {
            evidence,
            ..Verdict::error(
                EvidenceSource::collector("logrotate"),
                why.join("; "),
                false,
            )
        };
    }
    Verdict::pass(
        format!("{} log file(s) kept at least {days} days", files.len()),
        evidence,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completeness_needs_every_facility() {
        let mut reach = vec![0xffu8; 25];
        assert!(complete(&reach, 6));
        reach[4] = 0;
        assert!(!complete(&reach, 6));
        reach[4] = 0x3f; // up to notice
        assert!(complete(&reach, 5));
        assert!(!complete(&reach, 6));
    }
}
