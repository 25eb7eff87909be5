//! The sudo policy (`sudo` probes): a `Defaults` parameter's effective value, or whether
//! any rule lets a command run without a password ([`crate::facts::sudoers`]).

use super::judge;
use crate::catalogue::test::SudoTest;
use crate::eval::{Evidence, EvidenceSource, Outcome, Verdict};
use crate::facts::sudoers::{builtin_default, Op, Sudoers, SUDOERS};
use crate::facts::{Fact, Facts};

fn source() -> EvidenceSource {
    EvidenceSource::file(SUDOERS, None)
}

pub(super) fn sudo(t: &SudoTest, facts: &Facts) -> Verdict {
    let s = collected!(facts => Sudoers, EvidenceSource::collector("sudo policy"));
    if !s.present {
        return Verdict::with(
            Outcome::NotApplicable,
            format!("{SUDOERS} does not exist: sudo is not configured"),
            vec![Evidence::new(source(), "file absent", "a sudo policy")],
        );
    }
    if let Some(why) = &s.refused {
        return Verdict::with(
            Outcome::Error,
            format!("sudo refuses this policy and runs nothing: {why}"),
            vec![Evidence::new(
                source(),
                why.clone(),
                "a policy sudo accepts",
            )],
        );
    }
    let mut v = match (&t.default, t.password_required) {
        (Some(name), _) => default(t, s, name),
        (None, _) => password_required(s),
    };
    for f in s.files.iter().filter(|f| f.skipped.is_some()) {
        v.evidence.push(Evidence::new(
            EvidenceSource::file(&f.path, None),
            format!("not read: {}", f.skipped.as_deref().unwrap_or("")),
            "files sudo reads",
        ));
    }
    // A line Ward could not read might hold what the check is about: never a pass then.
    if v.outcome == Outcome::Pass && !s.problems.is_empty() {
        let p = &s.problems[0];
        let mut e = Verdict::with(
            Outcome::Error,
            format!(
                "{}: {} (Ward cannot read this line, so the policy is not fully known)",
                p.origin, p.message
            ),
            v.evidence,
        );
        for p in &s.problems {
            e.evidence.push(Evidence::new(
                EvidenceSource::origin(&p.origin),
                p.message.clone(),
                "a line Ward can read",
            ));
        }
        return e;
    }
    v
}

fn default(t: &SudoTest, s: &Sudoers, name: &str) -> Verdict {
    let cmp = t.compare();
    let mut verdict = match s.global(name) {
        Some(d) => judge(
            &cmp,
            name,
            &d.effective_value(),
            EvidenceSource::origin(&d.origin),
        ),
        None => match builtin_default(name, s.sudo_version.as_deref()) {
            Some(v) => {
                let mut out = judge(
                    &cmp,
                    name,
                    v,
                    EvidenceSource::default_of(format!(
                        "sudo's built-in value{}",
                        s.sudo_version
                            .as_deref()
                            .map(|v| format!(" (sudo {v})"))
                            .unwrap_or_default()
                    )),
                );
                out.evidence.push(Evidence::new(
                    source(),
                    format!("no Defaults line sets {name} in {SUDOERS} or the files it includes"),
                    cmp.describe(),
                ));
                out
            }
            None => {
                return Verdict::with(
                    Outcome::Error,
                    format!(
                        "{name} is not set and its built-in value depends on the sudo version, \
                         which is unknown (no sudo package in the inventory)"
                    ),
                    vec![Evidence::new(
                        source(),
                        format!("{name} not set"),
                        cmp.describe(),
                    )],
                )
            }
        },
    };
    // Bound Defaults change the value for some users, hosts, commands or runas users.
    let mut bound_fail = Vec::new();
    for d in s.bound(name) {
        let b = d.binding.as_deref().unwrap_or("");
        let v = judge(
            &cmp,
            &format!("{name} for Defaults{b}"),
            &d.effective_value(),
            EvidenceSource::origin(&d.origin),
        );
        if v.outcome != Outcome::Pass {
            bound_fail.push(v);
        }
    }
    if !bound_fail.is_empty() && verdict.outcome == Outcome::Pass {
        verdict.outcome = Outcome::Fail;
        verdict.reason = bound_fail
            .iter()
            .map(|v| v.reason.clone())
            .collect::<Vec<_>>()
            .join("; ");
    }
    for v in bound_fail {
        verdict.evidence.extend(v.evidence);
    }
    verdict
}

fn password_required(s: &Sudoers) -> Verdict {
    let expected = "every rule asks for a password";
    let mut evidence = Vec::new();
    let mut reasons = Vec::new();
    for spec in &s.specs {
        for (host, cmds) in &spec.sections {
            let free: Vec<&str> = cmds
                .iter()
                .filter(|c| c.nopasswd())
                .map(|c| c.command.as_str())
                .collect();
            if !free.is_empty() {
                evidence.push(Evidence::new(
                    EvidenceSource::origin(&spec.origin),
                    format!(
                        "{} on {host} may run {} without a password (NOPASSWD)",
                        spec.users,
                        free.join(", ")
                    ),
                    expected,
                ));
                reasons.push(format!("{}: NOPASSWD for {}", spec.origin, spec.users));
            }
        }
    }
    for d in s
        .defaults
        .iter()
        .filter(|d| d.name == "authenticate" && d.op == Op::Off)
    {
        let scope = d.binding.as_deref().unwrap_or("(everyone)");
        evidence.push(Evidence::new(
            EvidenceSource::origin(&d.origin),
            format!(
                "Defaults{} !authenticate: no password for {scope}",
                d.binding.as_deref().unwrap_or("")
            ),
            expected,
        ));
        reasons.push(format!("{}: !authenticate", d.origin));
    }
    if reasons.is_empty() {
        let files: Vec<&str> = s
            .files
            .iter()
            .filter(|f| f.skipped.is_none())
            .map(|f| f.path.as_str())
            .collect();
        Verdict::pass(
            format!(
                "no rule skips the password ({} rules in {})",
                s.specs.len(),
                files.join(", ")
            ),
            vec![Evidence::new(
                source(),
                format!("{} user specifications, none NOPASSWD", s.specs.len()),
                expected,
            )],
        )
    } else {
        Verdict::fail(reasons.join("; "), evidence)
    }
}
