//! Choosing what a run uses: checks, frameworks, severities and parameter values.
//!
//! A profile (or every check) narrowed by named frameworks gives the checks; the profile and
//! `--param` set parameter values over the checks' defaults, and each value remembers who set
//! it so reports can say so.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::model::{Check, FrameworkRef, ParamDecl, Severity};
use super::test::ParamValue;
use super::Catalogue;

impl Catalogue {
    /// Select the checks and frameworks for a run: a profile (or all), narrowed to the
    /// given framework ids when any are given.
    pub fn select(
        &self,
        profile: Option<&str>,
        frameworks: &[String],
    ) -> Result<Selection, String> {
        let profile = match profile {
            Some(p) => Some(self.profiles.get(p).ok_or_else(|| {
                format!(
                    "unknown profile {p:?}; available: {}",
                    self.profiles.keys().cloned().collect::<Vec<_>>().join(", ")
                )
            })?),
            None => None,
        };
        for f in frameworks {
            if !self.frameworks.contains_key(f) {
                return Err(format!(
                    "unknown framework {f:?}; available: {}",
                    self.frameworks
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        // Frameworks named on the command line replace the profile's; one the profile
        // narrows (a size, level or implementation group) keeps its narrowing.
        let profile_refs: &[FrameworkRef] = profile.map(|p| p.frameworks.as_slice()).unwrap_or(&[]);
        let fw_refs: Vec<FrameworkRef> = if !frameworks.is_empty() {
            frameworks
                .iter()
                .map(|f| {
                    profile_refs
                        .iter()
                        .find(|r| &r.id == f)
                        .cloned()
                        .unwrap_or_else(|| FrameworkRef::whole(f.clone()))
                })
                .collect()
        } else if !profile_refs.is_empty() {
            profile_refs.to_vec()
        } else {
            self.frameworks
                .keys()
                .cloned()
                .map(FrameworkRef::whole)
                .collect()
        };
        let mapped: BTreeSet<&str> = fw_refs
            .iter()
            .filter_map(|f| self.frameworks.get(&f.id).map(|fw| (f, fw)))
            .flat_map(|(f, fw)| fw.requirements.iter().filter(move |r| r.in_scope(f)))
            .flat_map(|r| r.checks.iter().map(|c| c.check.as_str()))
            .collect();
        let narrowed = !frameworks.is_empty() || profile.is_some_and(|p| !p.frameworks.is_empty());
        let mut checks = Vec::new();
        for id in self.checks.keys() {
            let included = match profile {
                Some(p) if !p.include.is_empty() => p.include.iter().any(|pat| id_matches(pat, id)),
                _ if narrowed => mapped.contains(id.as_str()),
                _ => true,
            };
            let excluded = profile.is_some_and(|p| p.exclude.iter().any(|pat| id_matches(pat, id)));
            // Naming frameworks on the command line narrows a profile's checks further.
            let in_named = frameworks.is_empty() || mapped.contains(id.as_str());
            if included && !excluded && in_named {
                checks.push(id.clone());
            }
        }
        Ok(Selection {
            profile: profile.map(|p| p.id.clone()),
            checks,
            frameworks: fw_refs,
            severity: profile.map(|p| p.severity.clone()).unwrap_or_default(),
            parameters: profile
                .map(|p| {
                    p.parameters
                        .iter()
                        .map(|(k, v)| (k.clone(), (v.clone(), ParamSource::Profile(p.id.clone()))))
                        .collect()
                })
                .unwrap_or_default(),
            attestations: Vec::new(),
        })
    }

    /// The declaration of a parameter (from the first check that declares it).
    pub fn param_decl(&self, name: &str) -> Option<&ParamDecl> {
        self.checks.values().find_map(|c| c.parameters.get(name))
    }

    /// Set a parameter from the command line (`--param NAME=VALUE`), typed like its
    /// declaration and checked against its bounds.
    pub fn set_param(&self, selection: &mut Selection, assignment: &str) -> Result<(), String> {
        let (name, text) = assignment
            .split_once('=')
            .ok_or_else(|| format!("--param {assignment:?}: expected NAME=VALUE"))?;
        let name = name.trim();
        let decl = self.param_decl(name).ok_or_else(|| {
            let mut names: Vec<&str> = self
                .checks
                .values()
                .flat_map(|c| c.parameters.keys().map(String::as_str))
                .collect();
            names.sort();
            names.dedup();
            format!(
                "--param: unknown parameter {name:?}; known: {}",
                names.join(", ")
            )
        })?;
        let value = ParamValue::parse_like(&decl.default, text)
            .map_err(|e| format!("--param {name}: {e}"))?;
        decl.check(name, &value)
            .map_err(|e| format!("--param: {e}"))?;
        selection
            .parameters
            .insert(name.to_string(), (value, ParamSource::CommandLine));
        Ok(())
    }
}

/// The checks and frameworks a run uses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Selection {
    pub profile: Option<String>,
    pub checks: Vec<String>,
    /// Frameworks reported, each with the part of it in scope.
    pub frameworks: Vec<FrameworkRef>,
    pub severity: BTreeMap<String, Severity>,
    /// Parameter values set for this run, and who set them.
    pub parameters: BTreeMap<String, (ParamValue, ParamSource)>,
    /// Answers to manual and partial requirements (`--attestations`), expiry judged.
    pub attestations: Vec<crate::attest::Attestation>,
}

impl Selection {
    /// The values of a check's parameters in this run: set by the profile or the command
    /// line, else the check's default.
    pub fn params_for(&self, check: &Check) -> BTreeMap<String, ParamUse> {
        check
            .parameters
            .iter()
            .map(|(name, decl)| {
                let (value, source) = match self.parameters.get(name) {
                    Some((v, s)) => (v.clone(), s.clone()),
                    None => (decl.default.clone(), ParamSource::Default),
                };
                (name.clone(), ParamUse { value, source })
            })
            .collect()
    }
}

/// Who set a parameter's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamSource {
    /// The check's default.
    Default,
    /// A profile, by id.
    Profile(String),
    /// `--param` on the command line.
    CommandLine,
}

impl std::fmt::Display for ParamSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamSource::Default => f.write_str("default"),
            ParamSource::Profile(p) => write!(f, "profile {p}"),
            ParamSource::CommandLine => f.write_str("--param"),
        }
    }
}

/// A parameter value used by a check, and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamUse {
    pub value: ParamValue,
    pub source: ParamSource,
}

/// Match a check id against a pattern with `*` wildcards.
pub fn id_matches(pattern: &str, id: &str) -> bool {
    glob::Pattern::new(pattern)
        .map(|p| p.matches(id))
        .unwrap_or(false)
}
