//! `ward controls test`: prove every check against the fixtures it names.
//!
//! This sits above both the catalogue and the evaluator (it uses both), so the catalogue
//! never depends on evaluation. Each fixture is materialised once into a temporary
//! directory, facts are collected from it exactly as from a scanned image (never live), and
//! each check that names it must give the outcome it expects there (`pass`, `fail`,
//! `not_applicable` or `error`, optionally with a reason containing given text).
//!
//! A check is *proven* only when at least one pass case and one fail case actually ran and
//! held. A skipped case is never counted as a success: the run reports it, and
//! [`Summary::ok`] is false when anything was skipped or a check is unproven. Fixture owners
//! are applied for real when running as root and served from the fixture's records by
//! [`HostRoot`](crate::host_root::HostRoot) otherwise, so ownership checks run for any user.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalogue::fixtures::FixtureError;
use crate::catalogue::{Catalogue, Check, Expect, Selection};
use crate::eval::{self, Outcome};
use crate::facts::Facts;
use crate::feeds::assess::Software;
use crate::feeds::knowledge::Knowledge;
use crate::fixture_host::FixtureHost;

/// The result of one (check, fixture) case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Case {
    pub check: String,
    /// Fixture name; empty for catalogue-level problems (a missing pass or fail fixture).
    pub fixture: String,
    pub expected: Expect,
    pub got: Option<Outcome>,
    pub status: CaseStatus,
    /// Why the case failed or was skipped, or the check's reason when it held.
    pub detail: String,
}

/// Whether a case held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// It ran and gave the expected outcome (and reason).
    Ok,
    /// It ran and gave something else, or the fixture could not be built.
    Failed,
    /// It did not run. Never a success.
    Skipped,
}

/// The totals of a run, and whether it proves the catalogue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub ok: usize,
    pub failed: usize,
    pub skipped: usize,
    /// Checks without a pass case and a fail case that ran and held.
    pub unproven: Vec<String>,
}

impl Summary {
    /// Count a run's cases.
    pub fn of(cases: &[Case]) -> Summary {
        let mut s = Summary::default();
        let mut proof: BTreeMap<&str, (bool, bool)> = BTreeMap::new();
        for c in cases {
            let entry = proof.entry(c.check.as_str()).or_default();
            match c.status {
                CaseStatus::Ok => {
                    s.ok += 1;
                    match c.expected {
                        Expect::Pass => entry.0 = true,
                        Expect::Fail => entry.1 = true,
                        _ => {}
                    }
                }
                CaseStatus::Failed => s.failed += 1,
                CaseStatus::Skipped => s.skipped += 1,
            }
        }
        s.unproven = proof
            .into_iter()
            .filter(|(_, (p, f))| !(*p && *f))
            .map(|(id, _)| id.to_string())
            .collect();
        s
    }

    /// Nothing failed, nothing was skipped, every check is proven.
    pub fn is_success(&self) -> bool {
        self.failed == 0 && self.skipped == 0 && self.unproven.is_empty()
    }
}

/// Run the fixture cases of every check whose id matches `filter` (a `*` pattern).
pub fn run(catalogue: &Catalogue, filter: Option<&str>) -> Vec<Case> {
    let checks: Vec<&Check> = catalogue
        .checks
        .values()
        .filter(|c| filter.is_none_or(|f| crate::catalogue::id_matches(f, &c.id)))
        .collect();
    let mut users: BTreeMap<&str, Vec<&Check>> = BTreeMap::new();
    let mut cases = Vec::new();
    for c in &checks {
        for (expect, what) in [(Expect::Pass, "pass"), (Expect::Fail, "fail")] {
            if !c.fixtures.cases().any(|(e, _)| e == expect) {
                cases.push(Case {
                    check: c.id.clone(),
                    fixture: String::new(),
                    expected: expect,
                    got: None,
                    status: CaseStatus::Failed,
                    detail: format!("the check names no {what} fixture"),
                });
            }
        }
        for (_, case) in c.fixtures.cases() {
            let list = users.entry(case.fixture()).or_default();
            if !list.iter().any(|x| x.id == c.id) {
                list.push(c);
            }
        }
    }
    let defaults = Selection::default();
    for (fixture, fchecks) in users {
        let built = build(catalogue, fixture);
        for c in fchecks {
            for (expected, fc) in c.fixtures.cases().filter(|(_, x)| x.fixture() == fixture) {
                let mut case = Case {
                    check: c.id.clone(),
                    fixture: fixture.to_string(),
                    expected,
                    got: None,
                    status: CaseStatus::Failed,
                    detail: String::new(),
                };
                match &built {
                    Err(e) => case.detail = e.to_string(),
                    Ok((facts, software)) => {
                        let finding = eval::evaluate_check_with(
                            c,
                            c.severity,
                            defaults.params_for(c),
                            eval::Inputs::with_software(facts, software),
                        );
                        case.got = Some(finding.outcome);
                        let outcome_ok = finding.outcome.as_str() == expected.as_str();
                        let reason_ok = fc.reason().is_none_or(|r| finding.reason.contains(r));
                        case.detail = if outcome_ok && !reason_ok {
                            format!(
                                "reason {:?} does not contain {:?}",
                                finding.reason,
                                fc.reason().unwrap_or_default()
                            )
                        } else {
                            finding.reason
                        };
                        if outcome_ok && reason_ok {
                            case.status = CaseStatus::Ok;
                        }
                    }
                }
                // The same fixture listed twice for one outcome yields one case.
                if !cases.iter().any(|x: &Case| {
                    x.check == case.check
                        && x.fixture == case.fixture
                        && x.expected == case.expected
                }) {
                    cases.push(case);
                }
            }
        }
    }
    cases.sort_by(|a, b| a.check.cmp(&b.check).then(a.fixture.cmp(&b.fixture)));
    cases
}

/// Materialise a fixture, collect facts from it with the whole catalogue's plan, and judge
/// its software with the fixture's own feed data (none when it has none).
fn build(catalogue: &Catalogue, name: &str) -> Result<(Facts, Software), FixtureError> {
    let invalid = |message: String| FixtureError::Invalid {
        name: name.to_string(),
        message,
    };
    let host = FixtureHost::from_fixture(catalogue, name)?;
    let root = host.root().map_err(|e| invalid(e.to_string()))?;
    let facts = crate::facts::collect(&root, &catalogue.plan(catalogue.checks.values()));
    let fixture = crate::catalogue::fixtures::Fixture::resolved(name, &catalogue.fixtures)?;
    let (knowledge, today) = match &fixture.feeds {
        Some(f) => {
            let batch = f.batch().map_err(invalid)?;
            let index = crate::feeds::index::Index::in_memory(&batch, &format!("fixture {name}"))
                .map_err(|e| invalid(e.to_string()))?;
            (
                Knowledge::new(Some(index), false),
                f.day().map_err(invalid)?,
            )
        }
        None => (Knowledge::new(None, false), crate::feeds::assess::today()),
    };
    let map = crate::feeds::eol::builtin_map().map_err(invalid)?;
    let software = crate::feeds::assess::assess(
        &facts,
        &knowledge,
        &map,
        today,
        crate::feeds::assess::DEFAULT_MAX_FEED_AGE,
    );
    Ok((facts, software))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::SourceFile;

    fn src(rel: &str, text: &str) -> SourceFile {
        SourceFile {
            name: format!("t:{rel}"),
            rel: rel.into(),
            text: text.into(),
            builtin: false,
        }
    }

    const CHECK: &str = "- id: t.telnet
  title: No telnet server
  severity: high
  applies_if: { file: { path: /etc/os-release, exists: true } }
  test: { package: { name: telnetd, installed: false } }
  rationale: r
  remediation: { steps: s }
  fixtures:
    pass: [clean]
    fail: [telnet]
    not_applicable: [{ fixture: bare, reason: does not exist }]
    error: [{ fixture: broken, reason: \"dpkg\" }]
";

    fn catalogue(check: &str) -> Catalogue {
        let status = "Package: base-files\nStatus: install ok installed\nVersion: 12.4\n\n";
        Catalogue::load(vec![(
            "t".into(),
            vec![
                src("checks/t.yaml", check),
                src(
                    "fixtures/clean.yaml",
                    &format!(
                        "description: d\nfiles:\n  /etc/os-release: \"ID=debian\\n\"\n  \
                         /var/lib/dpkg/status: {status:?}\n"
                    ),
                ),
                // `append` adds a stanza to the status the base left.
                src(
                    "fixtures/telnet.yaml",
                    "description: d\nextends: [clean]\nappend:\n  /var/lib/dpkg/status: \
                     \"Package: telnetd\\nStatus: install ok installed\\nVersion: 0.17\\n\"\n",
                ),
                src("fixtures/bare.yaml", "description: d\ndirs: [/etc]\n"),
                // A status file that is a symlink loop: unreadable for anyone.
                src(
                    "fixtures/broken.yaml",
                    "description: d\nfiles:\n  /etc/os-release: \"ID=debian\\n\"\nsymlinks:\n  \
                     /var/lib/dpkg/status: /var/lib/dpkg/status\n",
                ),
            ],
        )])
        .unwrap()
    }

    #[test]
    fn every_expected_outcome_and_reason_is_checked() {
        let cat = catalogue(CHECK);
        let cases = run(&cat, None);
        let by: BTreeMap<&str, &Case> = cases.iter().map(|c| (c.fixture.as_str(), c)).collect();
        assert_eq!(by["clean"].status, CaseStatus::Ok, "{:?}", by["clean"]);
        assert_eq!(by["telnet"].status, CaseStatus::Ok, "{:?}", by["telnet"]);
        assert_eq!(by["bare"].status, CaseStatus::Ok, "{:?}", by["bare"]);
        assert_eq!(by["bare"].got, Some(Outcome::NotApplicable));
        assert_eq!(by["broken"].status, CaseStatus::Ok, "{:?}", by["broken"]);
        assert_eq!(by["broken"].got, Some(Outcome::Error));
        let s = Summary::of(&cases);
        assert!(s.unproven.is_empty());
    }

    #[test]
    fn a_wrong_reason_fails_the_case() {
        let cat = catalogue(&CHECK.replace("reason: does not exist", "reason: something else"));
        let cases = run(&cat, Some("t.*"));
        let bare = cases.iter().find(|c| c.fixture == "bare").unwrap();
        assert_eq!(bare.status, CaseStatus::Failed);
        assert!(bare.detail.contains("does not contain"), "{}", bare.detail);
        assert!(!Summary::of(&cases).is_success());
    }

    #[test]
    fn a_check_without_a_fail_case_is_unproven() {
        let only_pass = CHECK
            .replace("    fail: [telnet]\n", "")
            .replace("    error: [{ fixture: broken, reason: \"dpkg\" }]\n", "");
        let cat = catalogue(&only_pass);
        let cases = run(&cat, None);
        let s = Summary::of(&cases);
        assert_eq!(s.unproven, vec!["t.telnet".to_string()]);
        assert!(!s.is_success());
    }

    #[test]
    fn a_skipped_case_is_never_success() {
        let case = |status, expected| Case {
            check: "a.b".into(),
            fixture: "f".into(),
            expected,
            got: None,
            status,
            detail: String::new(),
        };
        let cases = vec![
            case(CaseStatus::Ok, Expect::Pass),
            case(CaseStatus::Skipped, Expect::Fail),
        ];
        let s = Summary::of(&cases);
        assert_eq!(s.skipped, 1);
        assert_eq!(s.unproven, vec!["a.b".to_string()]);
        assert!(!s.is_success());
    }
}
