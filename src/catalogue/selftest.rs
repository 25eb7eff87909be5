//! `ward controls test`: prove every check against the fixtures it names.
//!
//! Each fixture is materialised once into a temporary directory, facts are collected from it
//! exactly as from a scanned image (never live), and each check that names it must come out
//! `pass` on its pass fixtures and `fail` on its fail fixtures. A check without at least one
//! of each is itself a failure of the catalogue: an unproven check is not trusted.
//!
//! Fixtures may set file owners, which needs root. Run without root, owners are not applied
//! and the cases of checks that look at ownership are reported as skipped, not passed.

use std::collections::BTreeMap;

use serde::Serialize;

use super::fixtures::{Fixture, FixtureError};
use super::{Catalogue, Check, Selection, Test};
use crate::eval::{self, Outcome};
use crate::facts::{self, Facts};
use crate::host_root::HostRoot;

/// The result of one (check, fixture) case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Case {
    pub check: String,
    /// Fixture name; empty for catalogue-level problems (a missing pass or fail fixture).
    pub fixture: String,
    pub expected: Outcome,
    pub got: Option<Outcome>,
    pub status: CaseStatus,
    /// Why the case failed or was skipped, or the check's reason when it succeeded.
    pub detail: String,
}

/// Whether a case held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Ok,
    Failed,
    Skipped,
}

/// Run the fixture cases of every check whose id matches `filter` (a `*` pattern).
pub fn run(catalogue: &Catalogue, filter: Option<&str>) -> Vec<Case> {
    let is_root = facts::current_uid() == 0;
    let checks: Vec<&Check> = catalogue
        .checks
        .values()
        .filter(|c| filter.is_none_or(|f| super::id_matches(f, &c.id)))
        .collect();
    let mut users: BTreeMap<&str, Vec<&Check>> = BTreeMap::new();
    let mut cases = Vec::new();
    for c in &checks {
        for (list, what) in [(&c.fixtures.pass, "pass"), (&c.fixtures.fail, "fail")] {
            if list.is_empty() {
                cases.push(Case {
                    check: c.id.clone(),
                    fixture: String::new(),
                    expected: if what == "pass" {
                        Outcome::Pass
                    } else {
                        Outcome::Fail
                    },
                    got: None,
                    status: CaseStatus::Failed,
                    detail: format!("the check names no {what} fixture"),
                });
            }
            for f in list {
                users.entry(f.as_str()).or_default().push(c);
            }
        }
    }
    for (fixture, fchecks) in users {
        let built = build(catalogue, fixture, fchecks.iter().copied(), is_root);
        for c in fchecks {
            for (list, expected) in [
                (&c.fixtures.pass, Outcome::Pass),
                (&c.fixtures.fail, Outcome::Fail),
            ] {
                if !list.iter().any(|f| f == fixture) {
                    continue;
                }
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
                    Ok((_, owners_dropped)) if *owners_dropped && looks_at_ownership(c) => {
                        case.status = CaseStatus::Skipped;
                        case.detail = "the fixture sets file owners, which needs root".to_string();
                    }
                    Ok((facts, _)) => {
                        let finding = eval::evaluate_check(c, c.severity, Selection::default().params_for(c), facts);
                        case.got = Some(finding.outcome);
                        case.detail = finding.reason;
                        if finding.outcome == expected {
                            case.status = CaseStatus::Ok;
                        }
                    }
                }
                // The same fixture listed twice for one check yields one case.
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

/// Materialise a fixture and collect facts from it. The bool says whether owners were
/// dropped because this process is not root.
fn build<'a>(
    catalogue: &Catalogue,
    name: &str,
    checks: impl Iterator<Item = &'a Check>,
    is_root: bool,
) -> Result<(Facts, bool), FixtureError> {
    let fixture = Fixture::resolved(name, &catalogue.fixtures)?;
    let dir = tempfile::Builder::new()
        .prefix("ward-fixture-")
        .tempdir()
        .map_err(|source| FixtureError::Io {
            name: name.to_string(),
            path: std::env::temp_dir().display().to_string(),
            source,
        })?;
    fixture.materialise(name, dir.path(), is_root)?;
    let root = HostRoot::new(dir.path()).map_err(|e| FixtureError::Invalid {
        name: name.to_string(),
        message: e.to_string(),
    })?;
    let plan = catalogue.plan(checks);
    let facts = facts::collect(&root, &plan);
    Ok((facts, !is_root && !fixture.owners.is_empty()))
}

fn looks_at_ownership(c: &Check) -> bool {
    let mut probes = Vec::new();
    c.test.probes(&mut probes);
    if let Some(a) = &c.applies_if {
        a.probes(&mut probes);
    }
    probes
        .iter()
        .any(|p| matches!(p, Test::File(f) if f.owner.is_some() || f.group.is_some()))
}
