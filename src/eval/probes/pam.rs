//! PAM (`pam` probes): whether a module takes part in the stacks of some services, judged
//! on the stack libpam builds for each service and on every way that stack can run
//! ([`crate::facts::pam::stack`]), with each line's effective settings
//! ([`crate::facts::pam::settings`]).

use super::compare;
use crate::catalogue::test::{PamExpect, PamTest};
use crate::eval::{Evidence, EvidenceSource, Outcome, Verdict};
use crate::facts::pam::settings::{effective, Effective};
use crate::facts::pam::stack::{analyse, build, code_name, BuildError, Handler, Stack};
use crate::facts::pam::Pam;
use crate::facts::{Fact, Facts};

fn source() -> EvidenceSource {
    EvidenceSource::search("/etc/pam.d/*")
}

/// Whether a line is one the probe counts (module, `when` settings), and its settings.
fn matching(t: &PamTest, pam: &Pam, h: &Handler) -> Option<Effective> {
    let line = h.module()?;
    if line.module_name().as_deref() != Some(t.module.as_str()) || h.missing {
        return None;
    }
    let e = effective(pam, line);
    let when_ok = t.when.iter().all(|(k, v)| {
        e.get(k)
            .is_some_and(|(val, _)| val.eq_ignore_ascii_case(v.0.trim()))
    });
    when_ok.then_some(e)
}

/// Whether a counted line's setting satisfies the comparison (`Err` explains why not).
fn satisfies(t: &PamTest, e: &Effective) -> Result<(), String> {
    let Some(key) = &t.setting else {
        return Ok(());
    };
    if let Some(b) = &e.broken {
        return Err(format!("the module fails: {b}"));
    }
    let Some((value, origin)) = e.get(key) else {
        return Err(format!("{key} is not set"));
    };
    match compare(&t.compare(), value) {
        Ok(true) => Ok(()),
        Ok(false) => Err(format!("{key} is {value:?} ({origin})")),
        Err(err) => Err(format!("{key} {value:?} ({origin}): {err}")),
    }
}

fn describe_setting(t: &PamTest, e: &Effective) -> String {
    match &t.setting {
        Some(key) => match e.get(key) {
            Some((v, o)) => format!("{key} = {v} ({o})"),
            None => format!("{key} not set"),
        },
        None => "present".into(),
    }
}

fn expected(t: &PamTest) -> String {
    let mut what = t.module.clone();
    if !t.when.is_empty() {
        let w: Vec<String> = t.when.iter().map(|(k, v)| format!("{k}={v}")).collect();
        what = format!("{what} ({})", w.join(", "));
    }
    if let Some(key) = &t.setting {
        what = format!("{what} with {key} {}", t.compare().describe());
    }
    match t.expect {
        PamExpect::Enforced => format!(
            "{what} on every successful run of the {} stack",
            t.kind.as_str()
        ),
        PamExpect::EveryLine => format!("every reachable {what}"),
        PamExpect::SomeLine => format!("a reachable {what}"),
    }
}

fn step_text(stack: &Stack, steps: &[crate::facts::pam::stack::Step]) -> String {
    let parts: Vec<String> = steps
        .iter()
        .filter_map(|s| {
            let h = stack.handlers.get(s.handler)?;
            let l = h.line();
            let name = l.module_name().unwrap_or_else(|| l.display());
            Some(format!("{name} → {}", code_name(s.code)))
        })
        .collect();
    if parts.is_empty() {
        "the stack succeeds without running anything".into()
    } else {
        parts.join(", ")
    }
}

pub(super) fn pam(t: &PamTest, facts: &Facts) -> Verdict {
    let pam = collected!(facts => Pam, EvidenceSource::collector("PAM configuration"));
    let exp = expected(t);
    let mut evidence: Vec<Evidence> = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    let mut errors: Vec<String> = Vec::new();
    let mut judged: Vec<String> = Vec::new();
    for service in &t.services {
        let has_config = if pam.uses_pam_conf {
            pam.files.get(crate::facts::pam::PAM_CONF).is_some_and(|f| {
                f.lines.iter().any(|l| {
                    l.service
                        .as_deref()
                        .is_some_and(|s| s.eq_ignore_ascii_case(service))
                })
            })
        } else {
            pam.locate(&service.to_ascii_lowercase()).is_some()
        };
        if !has_config {
            continue;
        }
        judged.push(service.clone());
        let stack = match build(pam, service, t.kind) {
            Ok(s) => s,
            Err(BuildError::Unreadable(reason)) => {
                let denied = reason.contains("ermission denied");
                return Verdict::error(
                    source(),
                    format!("PAM service {service}: {reason}"),
                    denied,
                );
            }
            Err(e) => {
                return Verdict::with(
                    Outcome::Error,
                    format!("PAM service {service}: {e}"),
                    vec![Evidence::new(source(), e.to_string(), exp)],
                )
            }
        };
        let label = format!(
            "{service} {}{}",
            t.kind.as_str(),
            if stack.from_other {
                " (from other)"
            } else {
                ""
            }
        );
        for n in &stack.notes {
            evidence.push(Evidence::new(
                source(),
                format!("{label}: {n}"),
                exp.clone(),
            ));
        }
        let counted = |h: &Handler| matching(t, pam, h).is_some_and(|e| satisfies(t, &e).is_ok());
        let analysis = analyse(&stack, pam, &counted);
        // The lines of the module a run reaches, with their settings.
        let mut reached_lines = 0;
        for &i in &analysis.reached {
            let h = &stack.handlers[i];
            let Some(e) = matching(t, pam, h) else {
                continue;
            };
            reached_lines += 1;
            let line = h.line();
            let ok = satisfies(t, &e);
            let observed = format!("{}: {}", line.display(), describe_setting(t, &e));
            evidence.push(Evidence::new(
                EvidenceSource::origin(&line.origin),
                observed,
                exp.clone(),
            ));
            for n in &e.notes {
                evidence.push(Evidence::new(
                    EvidenceSource::origin(&line.origin),
                    n.clone(),
                    exp.clone(),
                ));
            }
            if t.expect == PamExpect::EveryLine {
                if let Err(why) = ok {
                    failures.push(format!("{label}: {}: {why}", line.origin));
                }
            }
        }
        // Lines of the module that no run reaches, or whose module file is missing.
        for h in &stack.handlers {
            let Some(line) = h.module() else { continue };
            if line.module_name().as_deref() != Some(t.module.as_str()) {
                continue;
            }
            if h.missing {
                evidence.push(Evidence::new(
                    EvidenceSource::origin(&line.origin),
                    format!(
                        "{}: the module file is not installed; the line fails",
                        line.display()
                    ),
                    exp.clone(),
                ));
            }
        }
        if !analysis.can_succeed {
            // libpam would refuse every login or change: not insecure, but not the
            // configuration the check is about either.
            errors.push(format!(
                "{label}: no run of this stack can succeed (files: {}), so it never succeeds \
                 with or without {}",
                stack.files.join(", "),
                t.module
            ));
            continue;
        }
        match t.expect {
            PamExpect::Enforced => {
                if let Some(path) = &analysis.bypass {
                    failures.push(format!(
                        "{label}: a run succeeds without {}: {}",
                        if t.setting.is_some() || !t.when.is_empty() {
                            format!("a {} line that counts", t.module)
                        } else {
                            t.module.clone()
                        },
                        step_text(&stack, path)
                    ));
                }
            }
            PamExpect::SomeLine => {
                let any = analysis
                    .reached
                    .iter()
                    .any(|&i| counted(&stack.handlers[i]));
                if !any {
                    failures.push(format!("{label}: no reachable line qualifies"));
                }
            }
            PamExpect::EveryLine => {}
        }
        if reached_lines == 0 {
            evidence.push(Evidence::new(
                source(),
                format!(
                    "{label}: no {} line is reached (files: {})",
                    t.module,
                    stack.files.join(", ")
                ),
                exp.clone(),
            ));
        }
    }
    if judged.is_empty() {
        return Verdict::with(
            Outcome::NotApplicable,
            format!("no PAM configuration for {}", t.services.join(", ")),
            vec![Evidence::new(source(), "no such service", exp)],
        );
    }
    if failures.is_empty() && !errors.is_empty() {
        let reason = errors.join("; ");
        evidence.push(Evidence::new(source(), reason.clone(), exp));
        return Verdict::with(Outcome::Error, reason, evidence);
    }
    if failures.is_empty() {
        Verdict::pass(format!("{exp} ({})", judged.join(", ")), evidence)
    } else {
        Verdict::fail(failures.join("; "), evidence)
    }
}
