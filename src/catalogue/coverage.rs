//! How much of a framework a scan can speak to, computed from its file.
//!
//! An auditor choosing Ward for a framework needs the honest figure first: how many of its
//! requirements the host checks evidence fully, how many in part, and how many only a
//! person can answer. These counts come from the framework file alone (optionally narrowed
//! as a profile narrows it), so `ward frameworks`, the docs and the tests agree.

use std::collections::BTreeSet;

use serde::Serialize;

use super::model::{Coverage, Framework, FrameworkRef};

/// Coverage figures of one framework (or the part of it a profile reports).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoverageFigures {
    pub id: String,
    /// The id, or the id with its narrowing (`hicp-2023 (medium organisations)`).
    pub scope: String,
    pub title: String,
    pub edition: String,
    pub requirements: usize,
    pub automated: usize,
    pub partial: usize,
    pub manual: usize,
    /// Distinct checks mapped by the requirements in scope.
    pub checks_mapped: usize,
    /// Requirements whose id or title could not be confirmed against the official text.
    pub unconfirmed: usize,
}

impl Framework {
    /// Coverage of the requirements in `scope`.
    pub fn coverage(&self, scope: &FrameworkRef) -> CoverageFigures {
        let reqs: Vec<_> = self
            .requirements
            .iter()
            .filter(|r| r.in_scope(scope))
            .collect();
        let n = |c: Coverage| reqs.iter().filter(|r| r.status == c).count();
        let checks: BTreeSet<&str> = reqs
            .iter()
            .flat_map(|r| r.checks.iter().map(|c| c.check.as_str()))
            .collect();
        CoverageFigures {
            id: self.framework.id.clone(),
            scope: scope.label(),
            title: self.framework.title.clone(),
            edition: self.framework.edition.clone(),
            requirements: reqs.len(),
            automated: n(Coverage::Automated),
            partial: n(Coverage::Partial),
            manual: n(Coverage::Manual),
            checks_mapped: checks.len(),
            unconfirmed: reqs.iter().filter(|r| r.unconfirmed.is_some()).count(),
        }
    }
}
