//! Item-level validation of a parsed catalogue.
//!
//! Parsing only proves each file has the right shape; these rules check what the shape cannot:
//! ids and parameter names are well formed, tests and fixtures are consistent with their
//! check, framework requirements map known checks as their status demands, one parameter
//! name means one setting, and profiles name only frameworks, checks and parameters that
//! exist. Every problem is collected, none stops the others.

use std::collections::{BTreeMap, BTreeSet};

use super::fixtures::Fixture;
use super::load::{diag, Diagnostic, Loaded};
use super::model::{Check, Coverage, Framework, ParamDecl, Profile};
use super::select::id_matches;

/// The first declaration of each parameter name: the declaring check's id and the declaration.
type ParamDecls<'a> = BTreeMap<&'a str, (&'a str, &'a ParamDecl)>;

/// Validate every loaded item, pushing each problem found. `broken` holds the ids of items
/// that failed to parse, so references to them are not reported again.
pub(super) fn validate(
    checks: &BTreeMap<String, Loaded<Check>>,
    frameworks: &BTreeMap<String, Loaded<Framework>>,
    profiles: &mut BTreeMap<String, Loaded<Profile>>,
    fixture_map: &BTreeMap<String, Loaded<Fixture>>,
    fixture_names: &BTreeSet<String>,
    broken: &BTreeSet<String>,
    problems: &mut Vec<Diagnostic>,
) {
    resolve_profiles(profiles, broken, problems);
    validate_checks(checks, fixture_names, problems);
    validate_frameworks(frameworks, checks, broken, problems);
    let param_decls = param_decls(checks, problems);
    validate_profiles(profiles, &param_decls, frameworks, checks, broken, problems);
    validate_fixtures(fixture_map, problems);
}

/// Checks: id, tests, declared and used parameters, prose, and the fixtures they name.
fn validate_checks(
    checks: &BTreeMap<String, Loaded<Check>>,
    fixture_names: &BTreeSet<String>,
    problems: &mut Vec<Diagnostic>,
) {
    for (id, l) in checks {
        let at = |m: String| diag(&l.file, l.line, l.column, format!("check {id}: {m}"));
        if !valid_id(id) {
            problems.push(at(
                "id must be lower-case `area.name` (letters, digits, `-`, one or more `.`)".into(),
            ));
        }
        let mut msgs = Vec::new();
        l.item.test.validate(&mut msgs);
        if let Some(a) = &l.item.applies_if {
            a.validate(&mut msgs);
        }
        for m in msgs {
            problems.push(at(m));
        }
        let mut used = l.item.test.params();
        if let Some(a) = &l.item.applies_if {
            used.extend(a.params());
        }
        for p in &used {
            if !l.item.parameters.contains_key(p) {
                problems.push(at(format!(
                    "the test refers to parameter {p:?}, which `parameters` does not declare"
                )));
            }
        }
        for (name, decl) in &l.item.parameters {
            if !used.contains(name) {
                problems.push(at(format!("parameter {name:?} is declared but never used")));
            }
            if let Err(e) = decl.check(name, &decl.default) {
                problems.push(at(format!("default: {e}")));
            }
            if decl.description.trim().is_empty() {
                problems.push(at(format!("parameter {name:?} has no description")));
            }
            if !valid_param_name(name) {
                problems.push(at(format!(
                    "parameter name {name:?} must be lower-case snake_case"
                )));
            }
        }
        for name in super::model::placeholders(&l.item.title) {
            if !l.item.parameters.contains_key(name) {
                problems.push(at(format!(
                    "the title names {{{name}}}, which `parameters` does not declare"
                )));
            }
        }
        if l.item.title.trim().is_empty() {
            problems.push(at("title is empty".into()));
        }
        if l.item.rationale.trim().is_empty() {
            problems.push(at("rationale is empty".into()));
        }
        if l.item.remediation.steps.trim().is_empty() {
            problems.push(at("remediation steps are empty".into()));
        }
        if let Some(families) = &l.item.families {
            if families.is_empty() {
                problems.push(at(
                    "`families` is empty: leave it out for a check that applies to every family"
                        .into(),
                ));
            }
            let mut seen = BTreeSet::new();
            for f in families {
                if !seen.insert(*f) {
                    problems.push(at(format!("`families` names {f} twice")));
                }
            }
        }
        for (_, case) in l.item.fixtures.cases() {
            let name = case.fixture();
            if !fixture_names.contains(name) {
                problems.push(at(format!("fixture {name:?} does not exist in fixtures/")));
            }
        }
    }
}

/// Frameworks: unique requirement ids, checks and questions as the status demands, known
/// checks.
fn validate_frameworks(
    frameworks: &BTreeMap<String, Loaded<Framework>>,
    checks: &BTreeMap<String, Loaded<Check>>,
    broken: &BTreeSet<String>,
    problems: &mut Vec<Diagnostic>,
) {
    for (id, l) in frameworks {
        let mut seen = BTreeSet::new();
        for r in &l.item.requirements {
            let at = |m: String| {
                diag(
                    &l.file,
                    l.line,
                    l.column,
                    format!("framework {id}, requirement {}: {m}", r.id),
                )
            };
            if !seen.insert(r.id.clone()) {
                problems.push(at("duplicate requirement id".into()));
            }
            for a in &r.aliases {
                if !seen.insert(a.clone()) {
                    problems.push(at(format!(
                        "alias {a:?} is already the id or alias of another requirement"
                    )));
                }
            }
            if r.level.is_some_and(|l| !(1..=3).contains(&l)) {
                problems.push(at("`level` must be 1, 2 or 3".into()));
            }
            if r.ig.is_some_and(|g| !(1..=3).contains(&g)) {
                problems.push(at("`ig` (implementation group) must be 1, 2 or 3".into()));
            }
            if r.unconfirmed
                .as_deref()
                .is_some_and(|u| u.trim().is_empty())
            {
                problems.push(at(
                    "`unconfirmed` must say what could not be confirmed".into()
                ));
            }
            match r.status {
                Coverage::Manual if !r.checks.is_empty() => {
                    problems.push(at("manual requirements map no checks".into()))
                }
                Coverage::Automated | Coverage::Partial if r.checks.is_empty() => problems.push(
                    at("automated and partial requirements must map at least one check".into()),
                ),
                _ => {}
            }
            if matches!(r.status, Coverage::Manual | Coverage::Partial)
                && r.question.as_deref().is_none_or(|q| q.trim().is_empty())
            {
                problems.push(at("needs the `question` an auditor must answer".into()));
            }
            let mut mapped = BTreeSet::new();
            for c in &r.checks {
                if !checks.contains_key(&c.check) && !broken.contains(&c.check) {
                    problems.push(at(format!("unknown check {:?}", c.check)));
                }
                if !mapped.insert(c.check.as_str()) {
                    problems.push(at(format!("maps check {:?} twice", c.check)));
                }
                if c.why.trim().is_empty() {
                    problems.push(at(format!("check {:?} needs a `why`", c.check)));
                }
            }
        }
        for ch in &l.item.framework.changes {
            for r in &ch.requirements {
                if !seen.contains(r) {
                    problems.push(diag(
                        &l.file,
                        l.line,
                        l.column,
                        format!(
                            "framework {id}: change in edition {} names unknown requirement {r:?}",
                            ch.edition
                        ),
                    ));
                }
            }
        }
    }
}

/// One parameter name, one meaning: every check declaring it agrees on type and default.
/// Returns the first declaration of each name.
fn param_decls<'a>(
    checks: &'a BTreeMap<String, Loaded<Check>>,
    problems: &mut Vec<Diagnostic>,
) -> ParamDecls<'a> {
    let mut param_decls: BTreeMap<&str, (&str, &ParamDecl)> = BTreeMap::new();
    for (id, l) in checks {
        for (name, decl) in &l.item.parameters {
            match param_decls.get(name.as_str()) {
                Some((first, d)) if d.default != decl.default => problems.push(diag(
                    &l.file,
                    l.line,
                    l.column,
                    format!(
                        "check {id}: parameter {name:?} has default {} but check {first} \
                         declares it with default {}; one name must mean one setting",
                        decl.default, d.default
                    ),
                )),
                Some(_) => {}
                None => {
                    param_decls.insert(name, (id, decl));
                }
            }
        }
    }
    param_decls
}

/// Profiles: parameters, frameworks, include/exclude patterns and severity overrides all
/// name something that exists.
fn validate_profiles(
    profiles: &BTreeMap<String, Loaded<Profile>>,
    param_decls: &ParamDecls<'_>,
    frameworks: &BTreeMap<String, Loaded<Framework>>,
    checks: &BTreeMap<String, Loaded<Check>>,
    broken: &BTreeSet<String>,
    problems: &mut Vec<Diagnostic>,
) {
    for (id, l) in profiles {
        let at = |m: String| diag(&l.file, l.line, l.column, format!("profile {id}: {m}"));
        for (name, value) in &l.item.parameters {
            match param_decls.get(name.as_str()) {
                None => problems.push(at(format!("sets unknown parameter {name:?}"))),
                Some((_, decl)) => {
                    if let Err(e) = decl.check(name, value) {
                        problems.push(at(e));
                    }
                }
            }
        }
        for f in &l.item.frameworks {
            let Some(fw) = frameworks.get(&f.id) else {
                if !broken.contains(&f.id) {
                    problems.push(at(format!("unknown framework {:?}", f.id)));
                }
                continue;
            };
            let reqs = &fw.item.requirements;
            if f.size.is_some() && reqs.iter().all(|r| r.sizes.is_empty()) {
                problems.push(at(format!(
                    "framework {} tags no requirement with organisation sizes; `size` selects nothing",
                    f.id
                )));
            }
            if let Some(level) = f.level {
                if !reqs.iter().any(|r| r.level == Some(level)) {
                    problems.push(at(format!(
                        "framework {} has no level {level} requirement",
                        f.id
                    )));
                }
            }
            if let Some(ig) = f.ig {
                if !(1..=3).contains(&ig) || reqs.iter().all(|r| r.ig.is_none()) {
                    problems.push(at(format!(
                        "framework {} has no implementation group {ig}",
                        f.id
                    )));
                }
            }
        }
        for pat in l.item.include.iter().chain(&l.item.exclude) {
            if !checks.keys().any(|c| id_matches(pat, c)) {
                problems.push(at(format!("pattern {pat:?} matches no check")));
            }
        }
        for c in l.item.severity.keys() {
            if !checks.contains_key(c) {
                problems.push(at(format!("severity override for unknown check {c:?}")));
            }
        }
    }
}

/// Apply `extends`: each profile starts from its parent's (already resolved) settings.
/// Frameworks and `include` are the child's when it sets any, else the parent's; `exclude`
/// adds to the parent's; severities and parameters are the parent's with the child's on
/// top. An unknown parent or a cycle is a problem at the child.
fn resolve_profiles(
    profiles: &mut BTreeMap<String, Loaded<Profile>>,
    broken: &BTreeSet<String>,
    problems: &mut Vec<Diagnostic>,
) {
    // Order parents before children; a chain is followed at most `profiles.len()` steps.
    let ids: Vec<String> = profiles.keys().cloned().collect();
    let mut done: BTreeSet<String> = BTreeSet::new();
    for id in &ids {
        let mut chain = vec![id.clone()];
        loop {
            let last = chain.last().expect("chain starts non-empty");
            let Some(parent) = profiles.get(last).and_then(|l| l.item.extends.clone()) else {
                break;
            };
            if done.contains(&parent) {
                break;
            }
            if chain.contains(&parent) {
                let l = &profiles[id];
                problems.push(diag(
                    &l.file,
                    l.line,
                    l.column,
                    format!(
                        "profile {id}: `extends` makes a cycle: {} -> {parent}",
                        chain.join(" -> ")
                    ),
                ));
                chain.clear();
                break;
            }
            if !profiles.contains_key(&parent) {
                if !broken.contains(&parent) {
                    let l = &profiles[last];
                    problems.push(diag(
                        &l.file,
                        l.line,
                        l.column,
                        format!("profile {last}: extends unknown profile {parent:?}"),
                    ));
                }
                chain.clear();
                break;
            }
            chain.push(parent);
        }
        // Resolve from the root of the chain down to `id`.
        for child in chain.into_iter().rev() {
            if done.contains(&child) {
                continue;
            }
            let parent = profiles[&child]
                .item
                .extends
                .clone()
                .and_then(|p| profiles.get(&p).map(|l| l.item.clone()));
            if let Some(parent) = parent {
                let c = &mut profiles.get_mut(&child).expect("in map").item;
                if c.frameworks.is_empty() {
                    c.frameworks = parent.frameworks.clone();
                }
                if c.include.is_empty() {
                    c.include = parent.include.clone();
                }
                let mut exclude = parent.exclude.clone();
                for pat in std::mem::take(&mut c.exclude) {
                    if !exclude.contains(&pat) {
                        exclude.push(pat);
                    }
                }
                c.exclude = exclude;
                let mut severity = parent.severity.clone();
                severity.extend(std::mem::take(&mut c.severity));
                c.severity = severity;
                let mut parameters = parent.parameters.clone();
                parameters.extend(std::mem::take(&mut c.parameters));
                c.parameters = parameters;
            }
            done.insert(child);
        }
    }
}

/// Fixtures: their own rules, and every fixture they extend exists.
fn validate_fixtures(
    fixture_map: &BTreeMap<String, Loaded<Fixture>>,
    problems: &mut Vec<Diagnostic>,
) {
    for (name, l) in fixture_map {
        let mut msgs = Vec::new();
        l.item.validate(&mut msgs);
        for e in &l.item.extends {
            if !fixture_map.contains_key(e) {
                msgs.push(format!("extends unknown fixture {e:?}"));
            }
        }
        for m in msgs {
            problems.push(diag(
                &l.file,
                l.line,
                l.column,
                format!("fixture {name}: {m}"),
            ));
        }
    }
}

/// Parameter names: lower-case snake_case.
fn valid_param_name(name: &str) -> bool {
    !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Check ids: `area.name`, lower-case letters, digits and `-`, dot-separated.
pub fn valid_id(id: &str) -> bool {
    let parts: Vec<&str> = id.split('.').collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}
