//! Evaluation: facts plus a catalogue give findings, and findings give requirement results.
//!
//! A check passes only on positive evidence. Every probe returns an [`Outcome`] with the
//! evidence it used (source file and line, observed value, expected value); a fact that
//! could not be collected makes the probe `error` with the collector's reason, never `pass`
//! or `fail`. Combinators follow three-valued logic: `all` fails if any part fails, else
//! errors if any part errors; `any` passes if any part passes, else errors if any part
//! errors; `not` swaps pass and fail and keeps error.
//!
//! Checks and facts are never changed here: evaluation returns new [`Finding`]s.

mod probes;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalogue::{Catalogue, Check, Coverage, ParamUse, Params, Selection, Severity, Test};
use crate::facts::Facts;

/// The result of one check on one host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Positive evidence that the host meets the check.
    Pass,
    /// Evidence that the host does not meet the check.
    Fail,
    /// Ward could not tell: input unreadable, unparsable, or a collector failed.
    Error,
    /// The check's precondition is false (e.g. the service is not installed).
    NotApplicable,
    /// Needs a person to answer.
    Manual,
    /// Manual, answered with evidence, owner and expiry.
    Attested,
    /// A failure accepted with reason, approver and expiry.
    Waived,
}

impl Outcome {
    /// All outcomes, in report order.
    pub const ALL: [Outcome; 7] = [
        Outcome::Fail,
        Outcome::Error,
        Outcome::Pass,
        Outcome::NotApplicable,
        Outcome::Manual,
        Outcome::Attested,
        Outcome::Waived,
    ];

    /// The snake-case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Error => "error",
            Outcome::NotApplicable => "not_applicable",
            Outcome::Manual => "manual",
            Outcome::Attested => "attested",
            Outcome::Waived => "waived",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What kind of thing a piece of evidence was read from. Reports, waivers and tests tell a
/// file line from a command's output or a built-in default by this, never by the wording
/// of `source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// A file on the scanned host: `source` is its path, `line` the line when one holds it.
    File,
    /// Several host paths searched together (a glob, a set of directories): `source` lists them.
    Search,
    /// A command run on the live host: `source` is the command line (`sshd -T`).
    Command,
    /// The running system: `source` is the `/proc` path read.
    Runtime,
    /// A built-in default of the software that reads the setting: `source` names it
    /// (`OpenSSH default`, `kernel default`).
    Default,
    /// A value Ward computed from others: `source` says what from.
    Derived,
    /// A collector's output as a whole (not collected, not applicable, unreadable):
    /// `source` names what was collected.
    Collector,
    /// The catalogue itself (a check that cannot be evaluated as written).
    Catalogue,
}

impl EvidenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::File => "file",
            EvidenceKind::Search => "search",
            EvidenceKind::Command => "command",
            EvidenceKind::Runtime => "runtime",
            EvidenceKind::Default => "default",
            EvidenceKind::Derived => "derived",
            EvidenceKind::Collector => "collector",
            EvidenceKind::Catalogue => "catalogue",
        }
    }
}

/// Where a piece of evidence was read: its kind, what it names, and the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceSource {
    pub kind: EvidenceKind,
    pub name: String,
    pub line: Option<usize>,
}

impl EvidenceSource {
    fn of(kind: EvidenceKind, name: impl Into<String>) -> EvidenceSource {
        EvidenceSource {
            kind,
            name: name.into(),
            line: None,
        }
    }
    /// A host file, at a line when one line holds the value.
    pub fn file(path: impl Into<String>, line: Option<usize>) -> EvidenceSource {
        EvidenceSource {
            line,
            ..EvidenceSource::of(EvidenceKind::File, path)
        }
    }
    /// The file and line a fact came from.
    pub fn origin(origin: &crate::facts::Origin) -> EvidenceSource {
        EvidenceSource::file(origin.path.as_ref(), origin.line)
    }
    /// Host paths searched together.
    pub fn search(paths: impl Into<String>) -> EvidenceSource {
        EvidenceSource::of(EvidenceKind::Search, paths)
    }
    /// A command run on the live host.
    pub fn command(command: impl Into<String>) -> EvidenceSource {
        EvidenceSource::of(EvidenceKind::Command, command)
    }
    /// A runtime path of the live system.
    pub fn runtime(path: impl Into<String>) -> EvidenceSource {
        EvidenceSource::of(EvidenceKind::Runtime, path)
    }
    /// A built-in default of the named software.
    pub fn default_of(what: impl Into<String>) -> EvidenceSource {
        EvidenceSource::of(EvidenceKind::Default, what)
    }
    /// A value Ward derived.
    pub fn derived(what: impl Into<String>) -> EvidenceSource {
        EvidenceSource::of(EvidenceKind::Derived, what)
    }
    /// A collector's output as a whole.
    pub fn collector(what: impl Into<String>) -> EvidenceSource {
        EvidenceSource::of(EvidenceKind::Collector, what)
    }
    /// The catalogue.
    pub fn catalogue() -> EvidenceSource {
        EvidenceSource::of(EvidenceKind::Catalogue, "catalogue")
    }
}

/// One piece of evidence behind a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// What it was read from: a host path, a command, `OpenSSH default`, … (see `kind`).
    pub source: String,
    /// What kind of thing `source` is.
    pub kind: EvidenceKind,
    /// Line in `source`, when one line holds it.
    pub line: Option<usize>,
    /// What Ward observed (never a secret).
    pub observed: String,
    /// What the check expected.
    pub expected: String,
}

impl Evidence {
    pub fn new(
        source: EvidenceSource,
        observed: impl Into<String>,
        expected: impl Into<String>,
    ) -> Evidence {
        Evidence {
            source: source.name,
            kind: source.kind,
            line: source.line,
            observed: observed.into(),
            expected: expected.into(),
        }
    }
}

/// The outcome of a test or probe, with its reason and evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub outcome: Outcome,
    pub reason: String,
    pub evidence: Vec<Evidence>,
    /// The error came from the operating system refusing a read (root would help).
    pub permission_denied: bool,
    /// Per-subject rows (one per file, package, account) when the probe judges many.
    pub items: Vec<FindingItem>,
}

/// One subject of a finding that judges many (a file of a glob, a package, an account),
/// with its own outcome, so a report can list them as rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingItem {
    /// What the row is about: a host path, a package name, an account.
    pub subject: String,
    pub outcome: Outcome,
    /// Named values of the row (e.g. `mode`, `owner`; for packages `installed`, `fixed`).
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

impl Verdict {
    fn pass(reason: impl Into<String>, evidence: Vec<Evidence>) -> Verdict {
        Verdict {
            outcome: Outcome::Pass,
            reason: reason.into(),
            evidence,
            permission_denied: false,
            items: Vec::new(),
        }
    }

    fn fail(reason: impl Into<String>, evidence: Vec<Evidence>) -> Verdict {
        Verdict {
            outcome: Outcome::Fail,
            reason: reason.into(),
            evidence,
            permission_denied: false,
            items: Vec::new(),
        }
    }

    /// Ward could not tell; `source` names what could not be read or evaluated, and becomes
    /// the finding's evidence.
    fn error(
        source: EvidenceSource,
        reason: impl Into<String>,
        permission_denied: bool,
    ) -> Verdict {
        let reason = reason.into();
        Verdict {
            outcome: Outcome::Error,
            evidence: vec![Evidence::new(
                source,
                reason.clone(),
                "readable, well-formed input",
            )],
            reason,
            permission_denied,
            items: Vec::new(),
        }
    }

    fn with(outcome: Outcome, reason: impl Into<String>, evidence: Vec<Evidence>) -> Verdict {
        Verdict {
            outcome,
            reason: reason.into(),
            evidence,
            permission_denied: false,
            items: Vec::new(),
        }
    }

    /// This verdict with per-subject rows.
    pub(crate) fn with_items(mut self, items: Vec<FindingItem>) -> Verdict {
        self.items = items;
        self
    }
}

/// A check's result on one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub check: String,
    pub title: String,
    pub severity: Severity,
    /// The outcome that counts: the evaluated outcome, unless a waiver changed it.
    pub outcome: Outcome,
    /// What the test itself gave, kept visible beside a waived outcome.
    pub evaluated_outcome: Outcome,
    pub reason: String,
    pub evidence: Vec<Evidence>,
    /// Per-subject rows, when the check judges many things (files, packages, accounts).
    #[serde(default)]
    pub items: Vec<FindingItem>,
    /// Running as root would likely turn this `error` into a result.
    #[serde(default)]
    pub needs_root: bool,
    /// The parameter values the check was evaluated with, and who set them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, ParamUse>,
}

/// What checks are judged on: the host's facts, what the feeds say about its software, and
/// the day (end-of-life dates and patch deadlines count from it).
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub facts: &'a Facts,
    /// The software section, when feed data was assessed for this evaluation.
    pub software: Option<&'a crate::feeds::assess::Software>,
    pub today: jiff::civil::Date,
}

impl<'a> Inputs<'a> {
    /// Facts alone, judged today; the feed-based probes give `error`.
    pub fn facts(facts: &'a Facts) -> Inputs<'a> {
        Inputs {
            facts,
            software: None,
            today: crate::feeds::assess::today(),
        }
    }

    /// Facts and the software section (whose day is used).
    pub fn with_software(
        facts: &'a Facts,
        software: &'a crate::feeds::assess::Software,
    ) -> Inputs<'a> {
        Inputs {
            facts,
            software: Some(software),
            today: crate::feeds::assess::date_of(&software.assessed_on)
                .unwrap_or_else(crate::feeds::assess::today),
        }
    }
}

/// Evaluate a test against facts.
pub fn evaluate_test(test: &Test, facts: &Facts) -> Verdict {
    evaluate_test_with(test, Inputs::facts(facts))
}

/// Evaluate a test against facts and feed data.
pub fn evaluate_test_with(test: &Test, inputs: Inputs) -> Verdict {
    match test {
        Test::All(parts) => combine_all(
            parts
                .iter()
                .map(|t| evaluate_test_with(t, inputs))
                .collect(),
        ),
        Test::Any(parts) => combine_any(
            parts
                .iter()
                .map(|t| evaluate_test_with(t, inputs))
                .collect(),
        ),
        Test::None(parts) => negate(combine_any(
            parts
                .iter()
                .map(|t| evaluate_test_with(t, inputs))
                .collect(),
        )),
        Test::Not(t) => negate(evaluate_test_with(t, inputs)),
        leaf => probes::evaluate(leaf, inputs),
    }
}

fn combine_all(parts: Vec<Verdict>) -> Verdict {
    let items = all_items(&parts);
    combine_all_inner(parts).with_items(items)
}

fn combine_any(parts: Vec<Verdict>) -> Verdict {
    let items = all_items(&parts);
    combine_any_inner(parts).with_items(items)
}

/// The rows of every part, in order.
fn all_items(parts: &[Verdict]) -> Vec<FindingItem> {
    parts.iter().flat_map(|v| v.items.iter().cloned()).collect()
}

fn combine_all_inner(parts: Vec<Verdict>) -> Verdict {
    let failed: Vec<&Verdict> = parts
        .iter()
        .filter(|v| v.outcome == Outcome::Fail)
        .collect();
    if !failed.is_empty() {
        return Verdict::fail(
            join_reasons(&failed),
            failed.iter().flat_map(|v| v.evidence.clone()).collect(),
        );
    }
    let errors: Vec<&Verdict> = parts
        .iter()
        .filter(|v| v.outcome == Outcome::Error)
        .collect();
    if !errors.is_empty() {
        return Verdict {
            permission_denied: errors.iter().any(|v| v.permission_denied),
            ..Verdict::with(
                Outcome::Error,
                join_reasons(&errors),
                errors.iter().flat_map(|v| v.evidence.clone()).collect(),
            )
        };
    }
    // A part that does not apply leaves the conjunction unproven: it passes only when
    // every part passes (never on not_applicable parts alone).
    let not_applicable: Vec<&Verdict> = parts
        .iter()
        .filter(|v| v.outcome == Outcome::NotApplicable)
        .collect();
    if !not_applicable.is_empty() {
        return Verdict::with(
            Outcome::NotApplicable,
            join_reasons(&not_applicable),
            parts.iter().flat_map(|v| v.evidence.clone()).collect(),
        );
    }
    let all: Vec<&Verdict> = parts.iter().collect();
    Verdict::pass(
        join_reasons(&all),
        parts.iter().flat_map(|v| v.evidence.clone()).collect(),
    )
}

fn combine_any_inner(parts: Vec<Verdict>) -> Verdict {
    if let Some(p) = parts.iter().find(|v| v.outcome == Outcome::Pass) {
        return p.clone();
    }
    let errors: Vec<&Verdict> = parts
        .iter()
        .filter(|v| v.outcome == Outcome::Error)
        .collect();
    if !errors.is_empty() {
        return Verdict {
            permission_denied: errors.iter().any(|v| v.permission_denied),
            ..Verdict::with(
                Outcome::Error,
                join_reasons(&errors),
                errors.iter().flat_map(|v| v.evidence.clone()).collect(),
            )
        };
    }
    let all: Vec<&Verdict> = parts.iter().collect();
    if !parts.is_empty() && parts.iter().all(|v| v.outcome == Outcome::NotApplicable) {
        return Verdict::with(
            Outcome::NotApplicable,
            join_reasons(&all),
            parts.iter().flat_map(|v| v.evidence.clone()).collect(),
        );
    }
    Verdict::fail(
        join_reasons(&all),
        parts.iter().flat_map(|v| v.evidence.clone()).collect(),
    )
}

fn negate(mut v: Verdict) -> Verdict {
    let flip = |o: Outcome| match o {
        Outcome::Pass => Outcome::Fail,
        Outcome::Fail => Outcome::Pass,
        other => other,
    };
    for i in &mut v.items {
        i.outcome = flip(i.outcome);
    }
    Verdict {
        outcome: flip(v.outcome),
        ..v
    }
}

fn join_reasons(parts: &[&Verdict]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for p in parts {
        if !p.reason.is_empty() && !seen.contains(&p.reason.as_str()) {
            seen.push(&p.reason);
        }
    }
    seen.join("; ")
}

/// Evaluate one check with its parameter values: its precondition, then its test.
pub fn evaluate_check(
    check: &Check,
    severity: Severity,
    parameters: BTreeMap<String, ParamUse>,
    facts: &Facts,
) -> Finding {
    evaluate_check_with(check, severity, parameters, Inputs::facts(facts))
}

/// [`evaluate_check`] with feed data.
pub fn evaluate_check_with(
    check: &Check,
    severity: Severity,
    parameters: BTreeMap<String, ParamUse>,
    inputs: Inputs,
) -> Finding {
    let values: Params = parameters
        .iter()
        .map(|(k, u)| (k.clone(), u.value.clone()))
        .collect();
    let resolved = check.test.resolved(&values).and_then(|test| {
        let pre = check
            .applies_if
            .as_ref()
            .map(|a| a.resolved(&values))
            .transpose()?;
        Ok((test, pre))
    });
    let verdict = match &resolved {
        Err(e) => Verdict::error(
            EvidenceSource::catalogue(),
            format!("check {}: {e}", check.id),
            false,
        ),
        Ok((test, Some(pre))) => {
            let p = evaluate_test_with(pre, inputs);
            match p.outcome {
                Outcome::Pass => evaluate_test_with(test, inputs),
                Outcome::Fail | Outcome::NotApplicable => Verdict::with(
                    Outcome::NotApplicable,
                    format!("not applicable: {}", p.reason),
                    p.evidence,
                ),
                _ => Verdict {
                    reason: format!("could not tell whether the check applies: {}", p.reason),
                    ..p
                },
            }
        }
        Ok((test, None)) => evaluate_test_with(test, inputs),
    };
    Finding {
        check: check.id.clone(),
        title: check.title_for(&values),
        severity,
        outcome: verdict.outcome,
        evaluated_outcome: verdict.outcome,
        reason: verdict.reason,
        evidence: verdict.evidence,
        items: verdict.items,
        needs_root: verdict.outcome == Outcome::Error && verdict.permission_denied,
        parameters,
    }
}

/// Evaluate every selected check.
pub fn evaluate(catalogue: &Catalogue, selection: &Selection, facts: &Facts) -> Vec<Finding> {
    evaluate_with(catalogue, selection, Inputs::facts(facts))
}

/// Evaluate every selected check against facts and feed data.
pub fn evaluate_with(catalogue: &Catalogue, selection: &Selection, inputs: Inputs) -> Vec<Finding> {
    selection
        .checks
        .iter()
        .filter_map(|id| catalogue.checks.get(id))
        .map(|c| {
            let sev = selection.severity.get(&c.id).copied().unwrap_or(c.severity);
            evaluate_check_with(c, sev, selection.params_for(c), inputs)
        })
        .collect()
}

/// A framework requirement's result on this host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequirementStatus {
    /// Every mapped check passed and the requirement is fully automated.
    Met,
    /// At least one mapped check failed.
    NotMet,
    /// No check failed but at least one could not be evaluated.
    Unknown,
    /// A person must answer it (manual, or partial with the automated part clean).
    NeedsAttestation,
    /// A current attestation answers it as met (and no mapped check failed or errored).
    Attested,
    /// Every mapped check was not applicable on this host.
    NotApplicable,
}

/// Counts of mapped-check outcomes behind a requirement.
pub type OutcomeCounts = BTreeMap<Outcome, usize>;

/// Aggregate a requirement from its checks' findings: any fail gives not met; else any
/// error gives unknown; manual requirements, and partial ones whose checks are clean, need
/// attestation; all pass gives met. Checks outside the selection are left out and do not
/// count toward the denominator.
pub fn aggregate(coverage: Coverage, outcomes: &[Outcome]) -> (RequirementStatus, OutcomeCounts) {
    let mut counts = OutcomeCounts::new();
    for o in outcomes {
        *counts.entry(*o).or_default() += 1;
    }
    let n = |o| counts.get(&o).copied().unwrap_or(0);
    let status = if n(Outcome::Fail) > 0 {
        RequirementStatus::NotMet
    } else if n(Outcome::Error) > 0 {
        RequirementStatus::Unknown
    } else if coverage != Coverage::Automated {
        RequirementStatus::NeedsAttestation
    } else if outcomes.is_empty() {
        // An automated requirement with none of its checks selected: nothing was shown.
        RequirementStatus::Unknown
    } else if n(Outcome::NotApplicable) == outcomes.len() {
        RequirementStatus::NotApplicable
    } else {
        RequirementStatus::Met
    };
    (status, counts)
}

/// A requirement's status once an attestation is taken into account. Only a requirement
/// that still needs a person's answer takes one: a failing or unevaluated check is never
/// overridden by a statement. A current answer of met gives attested; not met and
/// partially met give not met. An expired attestation, or one given after the day judged,
/// is no answer.
pub fn with_attestation(
    status: RequirementStatus,
    attestation: Option<&crate::attest::Attestation>,
) -> RequirementStatus {
    use crate::attest::Answer;
    match (status, attestation) {
        (RequirementStatus::NeedsAttestation, Some(a)) if a.is_current() => match a.answer {
            Answer::Met => RequirementStatus::Attested,
            Answer::NotMet | Answer::PartiallyMet => RequirementStatus::NotMet,
        },
        (s, _) => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(o: Outcome) -> Verdict {
        Verdict::with(o, o.as_str(), vec![])
    }

    #[test]
    fn three_valued_combinators() {
        use Outcome::*;
        assert_eq!(combine_all(vec![v(Pass), v(Error)]).outcome, Error);
        assert_eq!(combine_all(vec![v(Fail), v(Error)]).outcome, Fail);
        assert_eq!(combine_all(vec![v(Pass), v(Pass)]).outcome, Pass);
        assert_eq!(combine_any(vec![v(Fail), v(Error)]).outcome, Error);
        assert_eq!(combine_any(vec![v(Pass), v(Error)]).outcome, Pass);
        assert_eq!(combine_any(vec![v(Fail), v(Fail)]).outcome, Fail);
        assert_eq!(negate(v(Error)).outcome, Error);
        assert_eq!(negate(v(Pass)).outcome, Fail);
    }

    #[test]
    fn aggregation_rules() {
        use Outcome::*;
        assert_eq!(
            aggregate(Coverage::Automated, &[Pass, Error, Fail]).0,
            RequirementStatus::NotMet
        );
        assert_eq!(
            aggregate(Coverage::Automated, &[Pass, Error]).0,
            RequirementStatus::Unknown
        );
        assert_eq!(
            aggregate(Coverage::Automated, &[Pass, Pass]).0,
            RequirementStatus::Met
        );
        assert_eq!(
            aggregate(Coverage::Automated, &[NotApplicable]).0,
            RequirementStatus::NotApplicable
        );
        assert_eq!(
            aggregate(Coverage::Partial, &[Pass]).0,
            RequirementStatus::NeedsAttestation
        );
        assert_eq!(
            aggregate(Coverage::Partial, &[Fail]).0,
            RequirementStatus::NotMet
        );
        assert_eq!(
            aggregate(Coverage::Manual, &[]).0,
            RequirementStatus::NeedsAttestation
        );
        assert_eq!(
            aggregate(Coverage::Automated, &[]).0,
            RequirementStatus::Unknown
        );
    }
}
