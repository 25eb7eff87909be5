//! What a selection of checks needs collected from the host.
//!
//! The fixed collectors always run; files, line searches, configuration keys and sysctl keys
//! are only read when a selected check probes them. This module walks the checks' tests and
//! turns their probes into a collection `Plan`.

use std::collections::{BTreeMap, BTreeSet};

use crate::facts::{ConfigQuery, LineQuery, Plan};

use super::model::Check;
use super::select::Selection;
use super::test::Test;
use super::Catalogue;

impl Catalogue {
    /// What to collect for the checks of a selection.
    pub fn plan_for(&self, selection: &Selection) -> Plan {
        self.plan(selection.checks.iter().filter_map(|id| self.checks.get(id)))
    }

    /// What to collect for these checks beyond the fixed collectors.
    pub fn plan<'a>(&self, checks: impl IntoIterator<Item = &'a Check>) -> Plan {
        let mut files = BTreeSet::new();
        let mut lines = BTreeSet::new();
        let mut configs: BTreeMap<(String, crate::facts::keyvalue::Format), BTreeSet<String>> =
            BTreeMap::new();
        let mut sysctl_keys = BTreeSet::new();
        for c in checks {
            let mut probes = Vec::new();
            c.test.probes(&mut probes);
            if let Some(a) = &c.applies_if {
                a.probes(&mut probes);
            }
            for p in probes {
                match p {
                    Test::File(f) => {
                        files.insert(f.path.clone());
                    }
                    Test::Lines(l) => {
                        lines.insert(LineQuery {
                            path: l.path.clone(),
                            pattern: l.matches.clone(),
                        });
                    }
                    Test::Config(c) => {
                        configs
                            .entry((c.path.clone(), c.format))
                            .or_default()
                            .insert(c.key.clone());
                    }
                    Test::Sysctl(s) => {
                        sysctl_keys.insert(s.key.clone());
                    }
                    _ => {}
                }
            }
        }
        Plan {
            files: files.into_iter().collect(),
            lines: lines.into_iter().collect(),
            configs: configs
                .into_iter()
                .map(|((path, format), keys)| ConfigQuery {
                    path,
                    format,
                    keys: keys.into_iter().collect(),
                })
                .collect(),
            sysctl_keys: sysctl_keys.into_iter().collect(),
            catalogue_digest: Some(self.digest.clone()),
        }
    }
}
