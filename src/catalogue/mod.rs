//! Control catalogues: loading, validating and planning from YAML.
//!
//! A catalogue has three layers (DESIGN.md): technical checks (`checks/*.yaml`), one file
//! per framework edition mapping its requirements to checks (`frameworks/*.yaml`), and
//! profiles selecting checks and frameworks for a purpose (`profiles/*.yaml`). Fixtures
//! (`fixtures/*.yaml`) are small fake hosts each check is proven against.
//!
//! Loading never stops at the first problem: every file is parsed, every item validated, and
//! all problems come back together, each with file, line and column. The built-in catalogue
//! is compiled into the binary so `ward scan` works from any folder; `--catalogue DIR` adds
//! to it, and an item with the same id as a built-in one replaces it.

pub mod fixtures;
pub mod test;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use sha2::{Digest, Sha256};

pub use test::{ParamValue, Params, Test};

use crate::facts::{ConfigQuery, LineQuery, Plan};

/// How bad a failed check is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    #[default]
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// All severities, most severe first.
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Severity, String> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str() == s.to_ascii_lowercase())
            .ok_or_else(|| {
                format!("unknown severity {s:?}; use critical, high, medium, low or info")
            })
    }
}

/// How to fix a failed check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Remediation {
    /// What to change, in prose.
    pub steps: String,
    /// Commands per platform family (`debian`, `rhel`), run by the admin, never by Ward.
    #[serde(default)]
    pub commands: BTreeMap<String, String>,
}

/// The fixtures a check is proven against, by the outcome each must give.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureRefs {
    #[serde(default)]
    pub pass: Vec<FixtureCase>,
    #[serde(default)]
    pub fail: Vec<FixtureCase>,
    /// Hosts where the check must not apply (its software is absent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_applicable: Vec<FixtureCase>,
    /// Hosts where Ward must say it cannot tell (unreadable or malformed input).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub error: Vec<FixtureCase>,
}

/// The outcome a fixture case expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    Pass,
    Fail,
    NotApplicable,
    Error,
}

impl Expect {
    /// The snake-case name, as an outcome is named.
    pub fn as_str(self) -> &'static str {
        match self {
            Expect::Pass => "pass",
            Expect::Fail => "fail",
            Expect::NotApplicable => "not_applicable",
            Expect::Error => "error",
        }
    }
}

impl std::fmt::Display for Expect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A fixture a check runs on: its name, or `{ fixture: NAME, reason: TEXT }` to also require
/// that the finding's reason contains `TEXT`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FixtureCase {
    Name(String),
    WithReason {
        fixture: String,
        /// Text the finding's reason must contain.
        reason: String,
    },
}

impl FixtureCase {
    /// The fixture's name.
    pub fn fixture(&self) -> &str {
        match self {
            FixtureCase::Name(n) | FixtureCase::WithReason { fixture: n, .. } => n,
        }
    }

    /// Text the reason must contain, if any.
    pub fn reason(&self) -> Option<&str> {
        match self {
            FixtureCase::Name(_) => None,
            FixtureCase::WithReason { reason, .. } => Some(reason),
        }
    }
}

impl FixtureRefs {
    /// Every case with the outcome it expects.
    pub fn cases(&self) -> impl Iterator<Item = (Expect, &FixtureCase)> {
        self.pass
            .iter()
            .map(|c| (Expect::Pass, c))
            .chain(self.fail.iter().map(|c| (Expect::Fail, c)))
            .chain(self.not_applicable.iter().map(|c| (Expect::NotApplicable, c)))
            .chain(self.error.iter().map(|c| (Expect::Error, c)))
    }

    /// Whether the check names this fixture in any list.
    pub fn uses(&self, fixture: &str) -> bool {
        self.cases().any(|(_, c)| c.fixture() == fixture)
    }
}

/// A technical check, as written in `checks/*.yaml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// Stable id, `area.name` in lower case (`ssh.root-login`).
    pub id: String,
    pub title: String,
    pub severity: Severity,
    /// When this test fails, the check is not applicable (e.g. sshd not installed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies_if: Option<Test>,
    pub test: Test,
    /// Named thresholds the test refers to (`{ param: NAME }`), with their defaults; a
    /// profile or `--param` may set them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub parameters: BTreeMap<String, ParamDecl>,
    /// Why the check matters, in a sentence or two.
    pub rationale: String,
    pub remediation: Remediation,
    #[serde(default)]
    pub fixtures: FixtureRefs,
    /// Where the check is defined.
    #[serde(skip_deserializing, default)]
    pub origin: String,
}

/// A check parameter: its meaning, default and bounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamDecl {
    /// What the value means, with its unit.
    pub description: String,
    /// The value used when no profile sets it; its type is the parameter's type.
    pub default: ParamValue,
    /// Smallest value a profile may set (integers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<i64>,
    /// Largest value a profile may set (integers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum: Option<i64>,
}

impl ParamDecl {
    /// Why `value` is not acceptable for this parameter, if it is not.
    pub fn check(&self, name: &str, value: &ParamValue) -> Result<(), String> {
        if std::mem::discriminant(value) != std::mem::discriminant(&self.default) {
            return Err(format!(
                "parameter {name:?} takes {}, not {}",
                self.default.kind(),
                value.kind()
            ));
        }
        if let ParamValue::Integer(v) = value {
            if self.minimum.is_some_and(|m| *v < m) || self.maximum.is_some_and(|m| *v > m) {
                return Err(format!(
                    "parameter {name:?} = {v} is outside {}..={}",
                    self.minimum.map(|m| m.to_string()).unwrap_or_default(),
                    self.maximum.map(|m| m.to_string()).unwrap_or_default()
                ));
            }
        }
        Ok(())
    }
}

/// Framework metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameworkInfo {
    /// Stable id, e.g. `dspt-caf-2024-25`.
    pub id: String,
    pub title: String,
    pub edition: String,
    /// Who publishes the framework.
    pub publisher: String,
    /// Where its official text is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Notes on scope and on what could not be confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// How much of a requirement a scan can evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    /// The mapped checks evidence the requirement on this host.
    Automated,
    /// The checks evidence part; a person must attest the rest.
    Partial,
    /// Only a person can answer it.
    Manual,
}

/// A check that evidences a requirement, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRef {
    pub check: String,
    pub why: String,
}

/// One framework requirement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// Official identifier, e.g. `B2.c`.
    pub id: String,
    /// Official title.
    pub title: String,
    /// The grouping it sits in (objective or principle), for reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub status: Coverage,
    #[serde(default)]
    pub checks: Vec<CheckRef>,
    /// What an auditor must ask (partial and manual requirements).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    /// The evidence expected in answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

/// A framework file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    pub framework: FrameworkInfo,
    pub requirements: Vec<Requirement>,
    #[serde(skip_deserializing, default)]
    pub origin: String,
}

/// A profile: which checks and frameworks a scan uses, and severity overrides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub id: String,
    pub title: String,
    pub description: String,
    /// Frameworks reported (ids). Empty: all.
    #[serde(default)]
    pub frameworks: Vec<String>,
    /// Check id patterns to include (`*` wildcards). Empty: every check the frameworks
    /// map, or every check when no frameworks are named.
    #[serde(default)]
    pub include: Vec<String>,
    /// Check id patterns to leave out.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Severity overrides per check id.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    /// Check parameter values (by parameter name, for every check that declares it).
    #[serde(default)]
    pub parameters: Params,
    #[serde(skip_deserializing, default)]
    pub origin: String,
}

/// One problem in a catalogue, located in its file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Diagnostic {
    pub file: String,
    pub line: u64,
    pub column: u64,
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            // A problem with the whole file (unreadable, misplaced): no position to give.
            return write!(f, "{}: {}", self.file, self.message);
        }
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// A catalogue that failed to load, with every problem found.
#[derive(Debug, thiserror::Error)]
#[error("catalogue has {} problem(s):\n{}", .0.len(), .0.iter().map(|d| format!("  {d}")).collect::<Vec<_>>().join("\n"))]
pub struct CatalogueError(pub Vec<Diagnostic>);

/// A YAML source file of a catalogue.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path shown in messages: `builtin:checks/ssh.yaml` or a real path.
    pub name: String,
    /// Layer-relative path, `checks/ssh.yaml`.
    pub rel: String,
    pub text: String,
}

/// The built-in catalogue, compiled into the binary by `build.rs`.
pub fn builtin_sources() -> Vec<SourceFile> {
    include!(concat!(env!("OUT_DIR"), "/builtin_catalogue.rs"))
        .iter()
        .map(|(rel, text)| SourceFile {
            name: format!("builtin:{rel}"),
            rel: rel.to_string(),
            text: text.to_string(),
        })
        .collect()
}

/// Read the YAML files of a catalogue directory (`checks/`, `frameworks/`, `profiles/`,
/// `fixtures/`). Unreadable files are diagnostics, not panics.
pub fn dir_sources(dir: &Path) -> Result<Vec<SourceFile>, CatalogueError> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut layers_found = 0;
    for layer in ["checks", "frameworks", "profiles", "fixtures"] {
        let ldir = dir.join(layer);
        if !ldir.is_dir() {
            continue;
        }
        layers_found += 1;
        let walker = walkdir::WalkDir::new(&ldir)
            .max_depth(4)
            .follow_links(false)
            .sort_by_file_name();
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    problems.push(diag(&ldir.display().to_string(), 0, 0, e.to_string()));
                    continue;
                }
            };
            let p = entry.path();
            if !entry.file_type().is_file()
                || !matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
            {
                continue;
            }
            let rel = p
                .strip_prefix(dir)
                .unwrap_or(p)
                .to_string_lossy()
                .into_owned();
            match std::fs::read(p) {
                Ok(bytes) if bytes.len() > 4 * 1024 * 1024 => problems.push(diag(
                    &p.display().to_string(),
                    0,
                    0,
                    "file is over 4 MiB; not a catalogue file".into(),
                )),
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => out.push(SourceFile {
                        name: p.display().to_string(),
                        rel,
                        text,
                    }),
                    Err(_) => problems.push(diag(
                        &p.display().to_string(),
                        0,
                        0,
                        "not valid UTF-8".into(),
                    )),
                },
                Err(e) => problems.push(diag(&p.display().to_string(), 0, 0, e.to_string())),
            }
        }
    }
    if layers_found == 0 {
        problems.push(diag(
            &dir.display().to_string(),
            0,
            0,
            "no checks/, frameworks/, profiles/ or fixtures/ folder: not a catalogue directory"
                .into(),
        ));
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(CatalogueError(problems))
    }
}

fn diag(file: &str, line: u64, column: u64, message: String) -> Diagnostic {
    Diagnostic {
        file: file.to_string(),
        line,
        column,
        message,
    }
}

/// A loaded, validated catalogue. Never changed after loading.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    /// Checks by id, in id order.
    pub checks: BTreeMap<String, Check>,
    /// Frameworks by id.
    pub frameworks: BTreeMap<String, Framework>,
    /// Profiles by id.
    pub profiles: BTreeMap<String, Profile>,
    /// Fixtures by name.
    pub fixtures: BTreeMap<String, fixtures::Fixture>,
    /// SHA-256 over every source file's layer path and text, in path order.
    pub digest: String,
    /// Where the catalogue came from (`builtin`, directories).
    pub sources: Vec<String>,
    /// Items of a later source set that replaced an item with the same id from an earlier
    /// one (a `--catalogue` check replacing a built-in check), in load order.
    pub replaced: Vec<Replacement>,
}

/// An item that replaced an earlier one with the same id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replacement {
    /// `check`, `framework`, `profile` or `fixture`.
    pub kind: String,
    pub id: String,
    /// `file:line` of the replacing item.
    pub by: String,
    /// `file:line` of the item it replaced.
    pub replaced: String,
}

/// Where each item came from, for "duplicate id" and "replaces" messages.
struct Loaded<T> {
    item: T,
    file: String,
    line: u64,
    column: u64,
    layer_set: usize,
}

impl Catalogue {
    /// Load the built-in catalogue only.
    pub fn builtin() -> Result<Catalogue, CatalogueError> {
        Catalogue::load(vec![("builtin".to_string(), builtin_sources())])
    }

    /// Load sets of sources in order; an item in a later set replaces an item with the same
    /// id in an earlier set. Duplicates within one set are errors.
    pub fn load(sets: Vec<(String, Vec<SourceFile>)>) -> Result<Catalogue, CatalogueError> {
        let mut problems = Vec::new();
        let mut checks: BTreeMap<String, Loaded<Check>> = BTreeMap::new();
        let mut frameworks: BTreeMap<String, Loaded<Framework>> = BTreeMap::new();
        let mut profiles: BTreeMap<String, Loaded<Profile>> = BTreeMap::new();
        let mut fixture_map: BTreeMap<String, Loaded<fixtures::Fixture>> = BTreeMap::new();
        let mut hasher = Sha256::new();
        let mut sources = Vec::new();
        // Ids of checks that failed to parse: references to them are not reported again.
        let mut broken: BTreeSet<String> = BTreeSet::new();
        let mut replaced: Vec<Replacement> = Vec::new();
        for (set_index, (set_name, files)) in sets.iter().enumerate() {
            sources.push(set_name.clone());
            let mut files: Vec<&SourceFile> = files.iter().collect();
            files.sort_by(|a, b| a.rel.cmp(&b.rel));
            for f in files {
                hasher.update(f.rel.as_bytes());
                hasher.update([0]);
                hasher.update(f.text.as_bytes());
                hasher.update([0]);
                let layer = f.rel.split(['/', '\\']).next().unwrap_or("");
                match layer {
                    "checks" => {
                        let items = parse_checks(f, &mut problems, &mut broken);
                        for sp in items {
                            let (line, column) = (sp.referenced.line(), sp.referenced.column());
                            let mut c = sp.value;
                            c.origin = format!("{}:{}", f.name, line);
                            insert(
                                &mut checks,
                                c.id.clone(),
                                Loaded {
                                    item: c,
                                    file: f.name.clone(),
                                    line,
                                    column,
                                    layer_set: set_index,
                                },
                                "check",
                                &mut problems,
                                &mut replaced,
                            );
                        }
                    }
                    "frameworks" => {
                        let fw = parse_framework(f, &mut problems, &mut broken);
                        if let Some(sp) = fw {
                            let (line, column) = (sp.referenced.line(), sp.referenced.column());
                            let mut fw = sp.value;
                            fw.origin = f.name.clone();
                            insert(
                                &mut frameworks,
                                fw.framework.id.clone(),
                                Loaded {
                                    item: fw,
                                    file: f.name.clone(),
                                    line,
                                    column,
                                    layer_set: set_index,
                                },
                                "framework",
                                &mut problems,
                                &mut replaced,
                            );
                        }
                    }
                    "profiles" => {
                        let p: Option<Spanned<Profile>> = parse(f, &mut problems);
                        if let Some(sp) = p {
                            let (line, column) = (sp.referenced.line(), sp.referenced.column());
                            let mut p = sp.value;
                            p.origin = f.name.clone();
                            insert(
                                &mut profiles,
                                p.id.clone(),
                                Loaded {
                                    item: p,
                                    file: f.name.clone(),
                                    line,
                                    column,
                                    layer_set: set_index,
                                },
                                "profile",
                                &mut problems,
                                &mut replaced,
                            );
                        }
                    }
                    "fixtures" => {
                        let fx: Option<Spanned<fixtures::Fixture>> = parse(f, &mut problems);
                        if let Some(sp) = fx {
                            let (line, column) = (sp.referenced.line(), sp.referenced.column());
                            let name = Path::new(&f.rel)
                                .file_stem()
                                .map(|s| s.to_string_lossy().into_owned())
                                .unwrap_or_default();
                            insert(
                                &mut fixture_map,
                                name,
                                Loaded {
                                    item: sp.value,
                                    file: f.name.clone(),
                                    line,
                                    column,
                                    layer_set: set_index,
                                },
                                "fixture",
                                &mut problems,
                                &mut replaced,
                            );
                        }
                    }
                    other => problems.push(diag(
                        &f.name,
                        0,
                        0,
                        format!(
                            "file is in {other:?}, not one of checks/, frameworks/, profiles/, fixtures/"
                        ),
                    )),
                }
            }
        }

        // Item-level validation, all problems at once.
        for (id, l) in &checks {
            let at = |m: String| diag(&l.file, l.line, l.column, format!("check {id}: {m}"));
            if !valid_id(id) {
                problems.push(at(
                    "id must be lower-case `area.name` (letters, digits, `-`, one or more `.`)"
                        .into(),
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
            if l.item.title.trim().is_empty() {
                problems.push(at("title is empty".into()));
            }
            if l.item.rationale.trim().is_empty() {
                problems.push(at("rationale is empty".into()));
            }
            if l.item.remediation.steps.trim().is_empty() {
                problems.push(at("remediation steps are empty".into()));
            }
            for (_, case) in l.item.fixtures.cases() {
                let name = case.fixture();
                if !fixture_map.contains_key(name) {
                    problems.push(at(format!("fixture {name:?} does not exist in fixtures/")));
                }
            }
        }
        for (id, l) in &frameworks {
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
                match r.status {
                    Coverage::Manual if !r.checks.is_empty() => {
                        problems.push(at("manual requirements map no checks".into()))
                    }
                    Coverage::Automated | Coverage::Partial if r.checks.is_empty() => problems
                        .push(at(
                            "automated and partial requirements must map at least one check".into(),
                        )),
                    _ => {}
                }
                if matches!(r.status, Coverage::Manual | Coverage::Partial)
                    && r.question.as_deref().is_none_or(|q| q.trim().is_empty())
                {
                    problems.push(at("needs the `question` an auditor must answer".into()));
                }
                for c in &r.checks {
                    if !checks.contains_key(&c.check) && !broken.contains(&c.check) {
                        problems.push(at(format!("unknown check {:?}", c.check)));
                    }
                }
            }
        }
        // One parameter name, one meaning: every check declaring it agrees on type and default.
        let mut param_decls: BTreeMap<&str, (&str, &ParamDecl)> = BTreeMap::new();
        for (id, l) in &checks {
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
        for (id, l) in &profiles {
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
                if !frameworks.contains_key(f) && !broken.contains(f) {
                    problems.push(at(format!("unknown framework {f:?}")));
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
        for (name, l) in &fixture_map {
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

        if !problems.is_empty() {
            problems.sort();
            problems.dedup();
            return Err(CatalogueError(problems));
        }
        Ok(Catalogue {
            checks: checks.into_iter().map(|(k, v)| (k, v.item)).collect(),
            frameworks: frameworks.into_iter().map(|(k, v)| (k, v.item)).collect(),
            profiles: profiles.into_iter().map(|(k, v)| (k, v.item)).collect(),
            fixtures: fixture_map.into_iter().map(|(k, v)| (k, v.item)).collect(),
            digest: format!("sha256:{}", hex::encode(hasher.finalize())),
            sources,
            replaced,
        })
    }

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
        let fw_ids: Vec<String> = if !frameworks.is_empty() {
            frameworks.to_vec()
        } else if let Some(p) = profile.filter(|p| !p.frameworks.is_empty()) {
            p.frameworks.clone()
        } else {
            self.frameworks.keys().cloned().collect()
        };
        let mapped: BTreeSet<&str> = fw_ids
            .iter()
            .filter_map(|f| self.frameworks.get(f))
            .flat_map(|f| f.requirements.iter())
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
            frameworks: fw_ids,
            severity: profile.map(|p| p.severity.clone()).unwrap_or_default(),
            parameters: profile
                .map(|p| {
                    p.parameters
                        .iter()
                        .map(|(k, v)| (k.clone(), (v.clone(), ParamSource::Profile(p.id.clone()))))
                        .collect()
                })
                .unwrap_or_default(),
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
        decl.check(name, &value).map_err(|e| format!("--param: {e}"))?;
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
    pub frameworks: Vec<String>,
    pub severity: BTreeMap<String, Severity>,
    /// Parameter values set for this run, and who set them.
    pub parameters: BTreeMap<String, (ParamValue, ParamSource)>,
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

/// Parse a checks file. On a parse error, the first problem is reported with its exact line
/// and column, then every item is parsed on its own so the problems of the other items are
/// reported in the same run (located at the item), and the good items still load.
fn parse_checks(
    f: &SourceFile,
    problems: &mut Vec<Diagnostic>,
    broken: &mut BTreeSet<String>,
) -> Vec<Spanned<Check>> {
    let eline = match serde_saphyr::from_str::<Vec<Spanned<Check>>>(&f.text) {
        Ok(v) => return v,
        Err(e) => report_first(f, &e, problems),
    };
    // The YAML itself may be broken; then the first error is all there is to say.
    let Ok(items) = serde_saphyr::from_str::<Vec<Spanned<serde_json::Value>>>(&f.text) else {
        return Vec::new();
    };
    let mut good = Vec::new();
    for (item, parsed) in items
        .iter()
        .zip(reparse_items::<Check>(f, &items, eline, "check", problems))
    {
        match parsed {
            Some(mut sp) => {
                sp.referenced = item.referenced;
                good.push(sp);
            }
            None => {
                if let Some(id) = item.value.get("id").and_then(|v| v.as_str()) {
                    broken.insert(id.to_string());
                }
            }
        }
    }
    good
}

/// Parse a framework file. On a parse error, the first problem is reported exactly, then each
/// requirement is parsed on its own so every bad requirement is reported in the same run.
/// A framework with any problem is not loaded; its id goes to `broken` so references to it
/// are not reported again.
fn parse_framework(
    f: &SourceFile,
    problems: &mut Vec<Diagnostic>,
    broken: &mut BTreeSet<String>,
) -> Option<Spanned<Framework>> {
    let eline = match serde_saphyr::from_str::<Spanned<Framework>>(&f.text) {
        Ok(v) => return Some(v),
        Err(e) => report_first(f, &e, problems),
    };
    #[derive(Deserialize)]
    struct Skeleton {
        #[serde(default)]
        framework: Option<serde_json::Value>,
        #[serde(default)]
        requirements: Vec<Spanned<serde_json::Value>>,
    }
    let Ok(sk) = serde_saphyr::from_str::<Skeleton>(&f.text) else {
        return None;
    };
    if let Some(id) = sk
        .framework
        .as_ref()
        .and_then(|fw| fw.get("id"))
        .and_then(|v| v.as_str())
    {
        broken.insert(id.to_string());
    }
    let _ = reparse_items::<Requirement>(f, &sk.requirements, eline, "requirement", problems);
    None
}

/// Report a whole-file parse error at its exact position; returns its line.
fn report_first(f: &SourceFile, e: &serde_saphyr::Error, problems: &mut Vec<Diagnostic>) -> u64 {
    let (line, column) = e
        .location()
        .map(|l| (l.line(), l.column()))
        .unwrap_or((0, 0));
    problems.push(diag(&f.name, line, column, first_line(&e.to_string())));
    line
}

/// Parse each item of a YAML block sequence from its own lines (a generic value would read
/// `y` or `no` as booleans, so the typed shape is used), shifting error locations back into
/// the file. `items` are the sequence's items read generically, for their position and
/// `id`. The item that holds `first_error_line` was already reported precisely and is not
/// reported again.
fn reparse_items<T: for<'de> Deserialize<'de>>(
    f: &SourceFile,
    items: &[Spanned<serde_json::Value>],
    first_error_line: u64,
    what: &str,
    problems: &mut Vec<Diagnostic>,
) -> Vec<Option<Spanned<T>>> {
    let starts: Vec<(u64, u64, Option<&str>)> = items
        .iter()
        .map(|i| {
            let id = i.value.get("id").and_then(|v| v.as_str());
            (i.referenced.line(), i.referenced.column(), id)
        })
        .collect();
    let lines: Vec<&str> = f.text.lines().collect();
    let mut out = Vec::with_capacity(starts.len());
    for (n, (start, column, id)) in starts.iter().enumerate() {
        let end = starts
            .get(n + 1)
            .map(|s| s.0)
            .unwrap_or(lines.len() as u64 + 1);
        let from = usize::try_from(start.saturating_sub(1)).unwrap_or(usize::MAX);
        let to = usize::try_from(end.saturating_sub(1)).unwrap_or(usize::MAX);
        let Some(slice) = lines.get(from..to.min(lines.len())) else {
            out.push(None);
            continue;
        };
        match serde_saphyr::from_str::<Vec<Spanned<T>>>(&slice.join("\n")) {
            Ok(mut v) if v.len() == 1 => out.push(v.pop()),
            Ok(_) => out.push(None),
            Err(e) => {
                out.push(None);
                if (*start..end).contains(&first_error_line) {
                    continue;
                }
                let (line, col) = e
                    .location()
                    .map(|l| (l.line() + start - 1, l.column()))
                    .unwrap_or((*start, *column));
                let label = id
                    .as_ref()
                    .map(|i| format!("{what} {i}: "))
                    .unwrap_or_default();
                problems.push(diag(
                    &f.name,
                    line,
                    col,
                    format!("{label}{}", first_line(&e.to_string())),
                ));
            }
        }
    }
    out
}

fn parse<T: for<'de> Deserialize<'de>>(
    f: &SourceFile,
    problems: &mut Vec<Diagnostic>,
) -> Option<T> {
    match serde_saphyr::from_str::<T>(&f.text) {
        Ok(v) => Some(v),
        Err(e) => {
            let (line, column) = e
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((0, 0));
            problems.push(diag(&f.name, line, column, first_line(&e.to_string())));
            None
        }
    }
}

/// serde-saphyr renders `error: line L column C: message` and a source snippet; keep the
/// message (the location is reported separately).
fn first_line(s: &str) -> String {
    let line = s
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("invalid YAML");
    let rest = line.strip_prefix("error: ").unwrap_or(line);
    match rest.strip_prefix("line ").and_then(|r| r.split_once(": ")) {
        Some((loc, msg)) if loc.contains(" column ") => msg.to_string(),
        _ => rest.to_string(),
    }
}

fn insert<T>(
    map: &mut BTreeMap<String, Loaded<T>>,
    id: String,
    item: Loaded<T>,
    what: &str,
    problems: &mut Vec<Diagnostic>,
    replaced: &mut Vec<Replacement>,
) {
    if let Some(prev) = map.get(&id) {
        if prev.layer_set == item.layer_set {
            problems.push(diag(
                &item.file,
                item.line,
                item.column,
                format!(
                    "duplicate {what} id {id:?} (first defined at {}:{})",
                    prev.file, prev.line
                ),
            ));
            return;
        }
        replaced.push(Replacement {
            kind: what.to_string(),
            id: id.clone(),
            by: format!("{}:{}", item.file, item.line),
            replaced: format!("{}:{}", prev.file, prev.line),
        });
    }
    map.insert(id, item);
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

/// Match a check id against a pattern with `*` wildcards.
pub fn id_matches(pattern: &str, id: &str) -> bool {
    glob::Pattern::new(pattern)
        .map(|p| p.matches(id))
        .unwrap_or(false)
}

/// Style rules beyond validity, for `ward controls lint`: every check is proven by a pass
/// and a fail fixture, evidences at least one framework requirement, and gives a Debian
/// remediation command; every fixture is used.
pub fn lint(cat: &Catalogue) -> Vec<String> {
    let mut out = Vec::new();
    for c in cat.checks.values() {
        if c.fixtures.pass.is_empty() || c.fixtures.fail.is_empty() {
            out.push(format!(
                "{}: check {} needs at least one pass and one fail fixture",
                c.origin, c.id
            ));
        }
        let mapped = cat.frameworks.values().any(|f| {
            f.requirements
                .iter()
                .any(|r| r.checks.iter().any(|x| x.check == c.id))
        });
        if !mapped {
            out.push(format!(
                "{}: check {} evidences no framework requirement",
                c.origin, c.id
            ));
        }
        if !c.remediation.commands.contains_key("debian") {
            out.push(format!(
                "{}: check {} has no `debian` remediation command",
                c.origin, c.id
            ));
        }
        if c.title.ends_with('.') || c.title.chars().count() > 90 {
            out.push(format!(
                "{}: check {} title should be one short phrase without a full stop",
                c.origin, c.id
            ));
        }
    }
    for name in cat.fixtures.keys() {
        let used = cat.checks.values().any(|c| c.fixtures.uses(name))
            || cat
            .fixtures
            .values()
            .any(|f| f.extends.iter().any(|e| e == name));
        if !used {
            out.push(format!(
                "fixture {name}: used by no check and extended by no fixture"
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_loads_without_problems() {
        if let Err(e) = Catalogue::builtin() {
            panic!("{e}");
        }
    }

    fn src(rel: &str, text: &str) -> SourceFile {
        SourceFile {
            name: format!("test:{rel}"),
            rel: rel.to_string(),
            text: text.to_string(),
        }
    }

    #[test]
    fn unknown_keys_and_operators_are_located() {
        let bad = "- id: a.b\n  title: t\n  severity: high\n  test:\n    sshd: { key: X, won_of: [no] }\n  rationale: r\n  remediation: { steps: s }\n";
        let err = Catalogue::load(vec![("t".into(), vec![src("checks/a.yaml", bad)])]).unwrap_err();
        assert_eq!(err.0.len(), 1, "{err}");
        assert_eq!(err.0[0].line, 5, "{err}");
        assert!(err.0[0].message.contains("won_of"), "{err}");
    }

    #[test]
    fn every_bad_item_in_one_file_is_reported() {
        let text = "- id: a.one\n  title: t\n  severity: high\n  test: { package: { name: x, installed: false } }\n  rationale: r\n  remediation: { steps: s }\n  colour: red\n- id: a.two\n  title: t\n  severity: high\n  test: { package: { name: y, installed: false } }\n  rationale: r\n  remediation: { steps: s }\n- id: a.three\n  title: t\n  severity: extreme\n  test: { package: { name: z, installed: false } }\n  rationale: r\n  remediation: { steps: s }\n";
        let err =
            Catalogue::load(vec![("t".into(), vec![src("checks/a.yaml", text)])]).unwrap_err();
        assert_eq!(err.0.len(), 2, "{err}");
        assert_eq!(err.0[0].line, 7, "{err}");
        assert!(err.0[0].message.contains("colour"), "{err}");
        assert_eq!(err.0[1].line, 16, "{err}");
        assert!(err.0[1].message.contains("a.three"), "{err}");
        assert!(err.0[1].message.contains("extreme"), "{err}");
    }

    #[test]
    fn every_bad_requirement_of_a_framework_is_reported() {
        let check = "- id: a.b\n  title: t\n  severity: high\n  test: { package: { name: x, installed: false } }\n  rationale: r\n  remediation: { steps: s }\n";
        let fw = "framework:\n  id: fw-x\n  title: X\n  edition: '1'\n  publisher: P\nrequirements:\n  - id: R1\n    title: One\n    status: automatic\n    checks: [{ check: a.b, why: w }]\n  - id: R2\n    title: Two\n    status: manual\n    question: q\n  - id: R3\n    title: Three\n    status: partial\n    question: q\n    checks: [{ check: a.b, reason: w }]\n";
        let profile = "id: p\ntitle: P\ndescription: d\nframeworks: [fw-x]\n";
        let err = Catalogue::load(vec![(
            "t".into(),
            vec![
                src("checks/a.yaml", check),
                src("frameworks/x.yaml", fw),
                src("profiles/p.yaml", profile),
            ],
        )])
        .unwrap_err();
        let text = err.to_string();
        assert_eq!(err.0.len(), 2, "{text}");
        assert!(text.contains("x.yaml:9:"), "{text}");
        assert!(text.contains("automatic"), "{text}");
        assert!(text.contains("requirement R3"), "{text}");
        assert!(text.contains("reason"), "{text}");
        // The broken framework is not reported again as unknown by the profile.
        assert!(!text.contains("unknown framework"), "{text}");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let a = "- id: a.b\n  title: t\n  severity: severe\n  test: { package: { name: x, installed: false } }\n  rationale: r\n  remediation: { steps: s }\n";
        let b = "- id: c.d\n  title: t\n  severity: high\n  test: { sshd: { key: X } }\n  rationale: r\n  remediation: { steps: s }\n  fixtures: { pass: [nope] }\n";
        let err = Catalogue::load(vec![(
            "t".into(),
            vec![src("checks/a.yaml", a), src("checks/b.yaml", b)],
        )])
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("test:checks/a.yaml:3"), "{text}");
        assert!(text.contains("no comparison given"), "{text}");
        assert!(text.contains("fixture \"nope\" does not exist"), "{text}");
    }
}
