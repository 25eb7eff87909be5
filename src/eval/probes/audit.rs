//! Audit probes (`audit_rule`, `auditd`): whether the rules the boot loads record what a
//! check asks for, and auditd.conf settings with auditd's own defaults
//! ([`crate::facts::audit`]). Rules count only when auditctl would load them: a line it
//! refuses, or a line after the load stopped or after `-e 2`, is evidence, never coverage.

use crate::catalogue::test::{AuditRuleTest, AuditdTest};
use crate::eval::{Evidence, EvidenceSource, Outcome, Verdict};
use crate::facts::audit::{Audit, AuditRules, Rule, AUDITD_CONF};
use crate::facts::{Fact, Facts};

fn rules_source(r: &AuditRules) -> EvidenceSource {
    if r.files.is_empty() {
        EvidenceSource::search(format!(
            "{}/*.rules, {}",
            crate::facts::audit::RULES_D,
            crate::facts::audit::AUDIT_RULES
        ))
    } else {
        EvidenceSource::search(r.files.join(", "))
    }
}

/// Refused lines and lines never loaded, as evidence.
fn problems(r: &AuditRules, expected: &str) -> Vec<Evidence> {
    let mut ev = Vec::new();
    for p in &r.refused {
        ev.push(Evidence::new(
            EvidenceSource::origin(&p.origin),
            format!("refused by auditctl: {}", p.reason),
            expected.to_string(),
        ));
    }
    if let Some(s) = &r.stopped {
        ev.push(Evidence::new(
            EvidenceSource::origin(&s.origin),
            format!("loading stops here: {}", s.reason),
            expected.to_string(),
        ));
    }
    for p in r.not_loaded.iter().take(20) {
        ev.push(Evidence::new(
            EvidenceSource::origin(&p.origin),
            format!("not loaded: {}", p.reason),
            expected.to_string(),
        ));
    }
    ev
}

/// Fields that only narrow a rule to users' actions (CIS filters on login uid) or name it.
fn broad(rule: &Rule) -> bool {
    rule.fields
        .iter()
        .all(|(n, _, _)| n == "auid" || n == "loginuid")
}

fn covers_perms(have: Option<&str>, want: &str) -> bool {
    let have = have.unwrap_or("rwxa");
    want.chars().all(|c| have.contains(c))
}

/// Whether an earlier `never,exit` rule may suppress what `covers` matches.
fn suppressed<'a>(
    rules: &'a [Rule],
    upto: usize,
    arch: Option<&str>,
    syscall: Option<&str>,
) -> Option<&'a Rule> {
    rules[..upto].iter().find(|r| {
        r.action == "never"
            && r.list == "exit"
            && (r.arch.is_none() || arch.is_none() || r.arch.as_deref() == arch)
            && (r.syscalls.is_empty()
                || r.syscalls.iter().any(|s| s == "all")
                || syscall.is_some_and(|s| r.syscalls.iter().any(|x| x == s)))
    })
}

fn watched<'a>(rules: &'a [Rule], path: &str, perms: &str) -> Result<&'a Rule, Option<&'a Rule>> {
    let path = path.trim_end_matches('/');
    let mut weak = None;
    for (i, r) in rules.iter().enumerate() {
        if r.action != "always" || r.list != "exit" {
            continue;
        }
        let names = r.watch.as_deref() == Some(path)
            || r.fields.iter().any(|(n, op, v)| {
                (n == "path" || n == "dir") && op == "=" && v.trim_end_matches('/') == path
            });
        if !names {
            continue;
        }
        let only_path = r
            .fields
            .iter()
            .all(|(n, _, _)| n == "path" || n == "dir" || n == "auid" || n == "loginuid");
        let perm_ok = if r.watch.is_some() {
            covers_perms(r.perms.as_deref(), perms)
        } else {
            r.perms.is_some() && covers_perms(r.perms.as_deref(), perms) && r.arch.is_none()
        };
        if perm_ok && only_path && suppressed(rules, i, None, None).is_none() {
            return Ok(r);
        }
        weak.get_or_insert(r);
    }
    Err(weak)
}

fn syscall_rule<'a>(rules: &'a [Rule], syscall: &str, arch: &str) -> Option<&'a Rule> {
    rules.iter().enumerate().find_map(|(i, r)| {
        let arch_ok = match r.arch.as_deref() {
            Some(a) => a == arch,
            None => arch == "b64",
        };
        let has = r.syscalls.iter().any(|s| s == syscall || s == "all");
        (r.action == "always"
            && r.list == "exit"
            && r.watch.is_none()
            && arch_ok
            && has
            && broad(r)
            && suppressed(rules, i, Some(arch), Some(syscall)).is_none())
        .then_some(r)
    })
}

fn describe(r: &Rule) -> String {
    r.text.trim().to_string()
}

/// Judge one rule set (the configured one, or the kernel's on the live host).
fn judge_rules(
    t: &AuditRuleTest,
    r: &[Rule],
    source: &str,
) -> (bool, Vec<String>, Vec<(crate::facts::Origin, String)>) {
    let mut missing = Vec::new();
    let mut found = Vec::new();
    if let Some(path) = &t.watch {
        let perms = t.perms.as_deref().unwrap_or("wa");
        match watched(r, path, perms) {
            Ok(rule) => found.push((rule.origin.clone(), describe(rule))),
            Err(Some(weak)) => {
                found.push((weak.origin.clone(), describe(weak)));
                missing.push(format!(
                    "{path} is named by a rule ({source}) that does not audit {perms} on it for everyone"
                ));
            }
            Err(None) => missing.push(format!("no rule watches {path} ({source})")),
        }
    }
    if let Some(calls) = &t.syscalls {
        let arches = t
            .arch
            .clone()
            .unwrap_or_else(|| vec!["b64".into(), "b32".into()]);
        for arch in &arches {
            for s in calls {
                match syscall_rule(r, s, arch) {
                    Some(rule) => {
                        if !found.iter().any(|(o, _)| *o == rule.origin) {
                            found.push((rule.origin.clone(), describe(rule)));
                        }
                    }
                    None => missing.push(format!("{s} ({arch})")),
                }
            }
        }
        if !missing.is_empty() {
            let list = missing.join(", ");
            missing = vec![format!("no always,exit rule audits {list} ({source})")];
        }
    }
    (missing.is_empty(), missing, found)
}

pub(super) fn audit_rule(t: &AuditRuleTest, facts: &Facts) -> Verdict {
    let audit = collected!(facts => Audit, EvidenceSource::collector("audit configuration"));
    let r = collected!(&audit.rules, EvidenceSource::collector("audit rules"));
    let expected = if let Some(w) = &t.watch {
        format!(
            "a rule auditing {} on {w}",
            t.perms.as_deref().unwrap_or("wa")
        )
    } else if let Some(s) = &t.syscalls {
        format!(
            "always,exit rules for {} ({})",
            s.join(", "),
            t.arch
                .clone()
                .unwrap_or_else(|| vec!["b64".into(), "b32".into()])
                .join(", ")
        )
    } else {
        "the rules end with -e 2 (immutable)".to_string()
    };
    let mut evidence = problems(r, &expected);
    if let Some(note) = &r.live_note {
        evidence.push(Evidence::new(
            EvidenceSource::command(format!("{} -l", crate::facts::audit::AUDITCTL)),
            note.clone(),
            "the kernel's rules, for comparison".to_string(),
        ));
    }
    if t.immutable == Some(true) {
        return match &r.enabled {
            Some((v, o)) if v == "2" => {
                evidence.insert(
                    0,
                    Evidence::new(EvidenceSource::origin(o), "-e 2", expected.clone()),
                );
                Verdict::pass(
                    format!("the audit configuration is locked by -e 2 ({})", r.loader),
                    evidence,
                )
            }
            Some((v, o)) => {
                evidence.insert(
                    0,
                    Evidence::new(
                        EvidenceSource::origin(o),
                        format!("-e {v}"),
                        expected.clone(),
                    ),
                );
                Verdict::fail(
                    format!("the last -e the boot applies is -e {v}, not -e 2: root can change or remove audit rules without a reboot"),
                    evidence,
                )
            }
            None => {
                evidence.insert(
                    0,
                    Evidence::new(rules_source(r), "no -e 2 is applied", expected.clone()),
                );
                Verdict::fail(
                    format!(
                        "no -e 2 is applied at boot ({}): the audit rules stay changeable",
                        r.loader
                    ),
                    evidence,
                )
            }
        };
    }
    let (ok, missing, found) = judge_rules(t, &r.rules, &r.loader);
    let mut ev: Vec<Evidence> = found
        .iter()
        .map(|(o, text)| Evidence::new(EvidenceSource::origin(o), text.clone(), expected.clone()))
        .collect();
    if found.is_empty() {
        ev.push(Evidence::new(
            rules_source(r),
            format!("{} rules loaded", r.rules.len()),
            expected.clone(),
        ));
    }
    ev.extend(evidence);
    let mut failures = missing;
    if let Some(live) = &r.live {
        let (live_ok, live_missing, _) = judge_rules(t, live, "running kernel");
        if !live_ok {
            ev.push(Evidence::new(
                EvidenceSource::command(format!("{} -l", crate::facts::audit::AUDITCTL)),
                live_missing.join("; "),
                expected.clone(),
            ));
            failures.extend(live_missing);
        }
    }
    if ok && failures.is_empty() {
        Verdict::pass(format!("the boot's audit rules include {expected}"), ev)
    } else {
        Verdict::fail(failures.join("; "), ev)
    }
}

pub(super) fn auditd(t: &AuditdTest, facts: &Facts) -> Verdict {
    let audit = collected!(facts => Audit, EvidenceSource::file(AUDITD_CONF, None));
    let conf = &audit.conf;
    if let Some(bad) = &conf.invalid {
        return Verdict::error(
            EvidenceSource::origin(&bad.origin),
            format!(
                "{}:{}: auditd refuses this line and will not start: {}",
                bad.origin.path,
                bad.origin.line.unwrap_or(0),
                bad.reason
            ),
            false,
        );
    }
    let key = t.key.to_ascii_lowercase();
    let Some((value, setting)) = conf.effective(&key) else {
        return Verdict::fail(
            format!("{key} is not set in {AUDITD_CONF} and auditd has no default for it"),
            vec![Evidence::new(
                EvidenceSource::file(AUDITD_CONF, None),
                format!("{key} unset"),
                t.compare().describe(),
            )],
        );
    };
    let source = match setting {
        Some(s) => EvidenceSource::origin(&s.origin),
        None => EvidenceSource::default_of(format!("auditd ({AUDITD_CONF} does not set {key})")),
    };
    let subject = if setting.is_some() {
        key.clone()
    } else if conf.exists {
        format!("{key} (auditd's default; {AUDITD_CONF} does not set it)")
    } else {
        format!("{key} (auditd's default; there is no {AUDITD_CONF})")
    };
    let mut v = super::judge(&t.compare(), &subject, &value, source);
    for s in &conf.skipped {
        v.evidence.push(Evidence::new(
            EvidenceSource::origin(&s.origin),
            s.reason.clone(),
            "lines auditd reads".to_string(),
        ));
    }
    if v.outcome == Outcome::Error {
        return v;
    }
    v
}
