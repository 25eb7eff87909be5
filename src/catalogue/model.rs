//! The shapes of catalogue YAML: checks, frameworks, profiles and their parts.
//!
//! These types are what `checks/*.yaml`, `frameworks/*.yaml` and `profiles/*.yaml` deserialise
//! into (unknown keys refused), and what reports and the evaluator read afterwards. They live
//! apart from loading and validation so the data model can be read on its own.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::test::{ParamValue, Params, Test};

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

/// A platform family: the distributions that share a package manager, an init system and
/// configuration layout, so one remediation command serves them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// Debian, Ubuntu and distributions like them (apt, dpkg, systemd).
    Debian,
    /// RHEL, CentOS, Rocky, AlmaLinux, Oracle Linux, Fedora (dnf, rpm, systemd).
    Rhel,
    /// Alpine Linux (apk, OpenRC, busybox).
    Alpine,
}

impl Family {
    /// Every family, in the order a report lists commands after the host's own.
    pub const ALL: [Family; 3] = [Family::Debian, Family::Rhel, Family::Alpine];

    /// The lower-case name, as a `remediation.commands` key.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Debian => "debian",
            Family::Rhel => "rhel",
            Family::Alpine => "alpine",
        }
    }

    /// The family named `name` (a `remediation.commands` key), if any.
    pub fn from_name(name: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.as_str() == name)
    }

    /// The family of a host from its os-release `ID` and `ID_LIKE`: the `ID` decides when
    /// it is a known distribution, else the first `ID_LIKE` entry that names one (closest
    /// relative first, as os-release(5) orders them). `None` for anything else.
    pub fn of_os(id: Option<&str>, id_like: &[String]) -> Option<Family> {
        fn known(id: &str) -> Option<Family> {
            match id.trim().to_ascii_lowercase().as_str() {
                "debian" | "ubuntu" => Some(Family::Debian),
                "rhel" | "centos" | "rocky" | "almalinux" | "fedora" | "ol" => Some(Family::Rhel),
                "alpine" => Some(Family::Alpine),
                _ => None,
            }
        }
        id.and_then(known)
            .or_else(|| id_like.iter().find_map(|l| known(l)))
    }
}

impl std::fmt::Display for Family {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How to fix a failed check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Remediation {
    /// What to change, in prose.
    pub steps: String,
    /// Commands per platform family (`debian`, `rhel`, `alpine`), run by the admin, never
    /// by Ward. `ward controls lint` wants one for every family the check applies to.
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
            .chain(
                self.not_applicable
                    .iter()
                    .map(|c| (Expect::NotApplicable, c)),
            )
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
    /// The platform families the check can apply to, when not all of them (a check whose
    /// `applies_if` needs systemd's files cannot apply on Alpine). Absent: every family.
    /// `ward controls lint` wants a remediation command for each, and none for others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub families: Option<Vec<Family>>,
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
    #[serde(skip_deserializing, default, skip_serializing_if = "String::is_empty")]
    pub origin: String,
}

impl Check {
    /// The families the check applies to: those `families` names, else every one.
    pub fn families(&self) -> Vec<Family> {
        match &self.families {
            Some(f) => f.clone(),
            None => Family::ALL.to_vec(),
        }
    }

    /// The title with each `{name}` of a parameter replaced by its value in `params`
    /// (`"... within {login_grace_seconds} seconds"`), so a report states the limit used.
    pub fn title_for(&self, params: &Params) -> String {
        fill_placeholders(&self.title, |name| {
            params.get(name).map(ToString::to_string)
        })
    }

    /// The title with every parameter at its default.
    pub fn default_title(&self) -> String {
        fill_placeholders(&self.title, |name| {
            self.parameters.get(name).map(|d| d.default.to_string())
        })
    }
}

/// The `{name}` placeholders of a text (lower-case snake_case names only).
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                if !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                {
                    out.push(name);
                }
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    out
}

fn fill_placeholders(text: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = text.to_string();
    for name in placeholders(text) {
        if let Some(v) = value(name) {
            out = out.replace(&format!("{{{name}}}"), &v);
        }
    }
    out
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
    /// A regular expression a string value must match in full (e.g. `[0-7]{3,4}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
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
        if let (ParamValue::Text(v), Some(p)) = (value, &self.pattern) {
            let re = regex::Regex::new(&format!("^(?:{p})$"))
                .map_err(|e| format!("parameter {name:?}: invalid pattern {p:?}: {e}"))?;
            if !re.is_match(v) {
                return Err(format!("parameter {name:?} = {v:?} does not match /{p}/"));
            }
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
    /// Where the framework is set: `uk`, `us` or `international`. `ward controls lint`
    /// wants every check mapped by the DSPT and by at least one US framework.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<Jurisdiction>,
    /// Changes a later edition makes to the one encoded here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<EditionChange>,
}

/// Where a framework is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Jurisdiction {
    Uk,
    Us,
    International,
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
    /// Other identifiers of the same requirement: an earlier numbering (CMMC model v2.0
    /// `AC.L1-3.1.1` beside the final rule's `AC.L1-b.1.i`). Attestations may use them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Organisation sizes the requirement is written for (HICP: small, medium, large).
    /// Empty: every size.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sizes: Vec<OrgSize>,
    /// The level it belongs to (CMMC: 1 or 2). A profile naming a level reports exactly
    /// that level's requirements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<u8>,
    /// The lowest implementation group that includes it (CIS Controls: 1, 2 or 3). A
    /// profile naming IG2 reports IG1 and IG2 safeguards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ig: Option<u8>,
    /// The edition the id and title were read from, when not the framework's own (a 2019
    /// HICP title in the 2023 file, because the 2023 one could not be confirmed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edition: Option<String>,
    /// Where the id and title were read, when not the framework's own source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// What about this requirement could not be confirmed against the official text. An
    /// unconfirmed requirement is shown as such wherever it appears.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unconfirmed: Option<String>,
}

impl Requirement {
    /// Whether this requirement is reported under a profile's view of its framework.
    pub fn in_scope(&self, scope: &FrameworkRef) -> bool {
        let size = scope
            .size
            .is_none_or(|s| self.sizes.is_empty() || self.sizes.contains(&s));
        let level = scope
            .level
            .is_none_or(|l| self.level.is_none_or(|m| m == l));
        let ig = scope.ig.is_none_or(|g| self.ig.is_none_or(|m| m <= g));
        size && level && ig
    }

    /// Whether `id` names this requirement (its id or an alias).
    pub fn answers_to(&self, id: &str) -> bool {
        self.id == id || self.aliases.iter().any(|a| a == id)
    }
}

/// An organisation size, as HICP divides its practices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgSize {
    Small,
    Medium,
    Large,
}

impl std::fmt::Display for OrgSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OrgSize::Small => "small",
            OrgSize::Medium => "medium",
            OrgSize::Large => "large",
        })
    }
}

/// A change a later edition makes, recorded beside the edition the file encodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditionChange {
    /// The later edition (`"3.3"`).
    pub edition: String,
    /// When it takes effect, if known (`2026-04-27`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective: Option<String>,
    /// Requirement ids it touches (empty: the framework as a whole).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<String>,
    /// What changes, in Ward's words.
    pub change: String,
}

/// A framework as a profile reports it: its id, narrowed to one organisation size, one
/// level or up to one implementation group when the framework tags its requirements so.
/// Written as a plain id or as `{ id: cis-v8, ig: 1 }`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct FrameworkRef {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<OrgSize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ig: Option<u8>,
}

impl FrameworkRef {
    /// The whole framework.
    pub fn whole(id: impl Into<String>) -> FrameworkRef {
        FrameworkRef {
            id: id.into(),
            size: None,
            level: None,
            ig: None,
        }
    }

    /// `hicp-2023 (medium)`, `cis-v8 (IG1)`, or just the id.
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = self.size {
            parts.push(format!("{s} organisations"));
        }
        if let Some(l) = self.level {
            parts.push(format!("level {l}"));
        }
        if let Some(g) = self.ig {
            parts.push(format!("IG{g}"));
        }
        if parts.is_empty() {
            self.id.clone()
        } else {
            format!("{} ({})", self.id, parts.join(", "))
        }
    }
}

impl<'de> Deserialize<'de> for FrameworkRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            id: String,
            #[serde(default)]
            size: Option<OrgSize>,
            #[serde(default)]
            level: Option<u8>,
            #[serde(default)]
            ig: Option<u8>,
        }
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = FrameworkRef;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a framework id or a map with `id` and one of `size`, `level`, `ig`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<FrameworkRef, E> {
                Ok(FrameworkRef::whole(v))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<FrameworkRef, A::Error> {
                let f = Full::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(FrameworkRef {
                    id: f.id,
                    size: f.size,
                    level: f.level,
                    ig: f.ig,
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// A framework file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    pub framework: FrameworkInfo,
    pub requirements: Vec<Requirement>,
    #[serde(skip_deserializing, default, skip_serializing_if = "String::is_empty")]
    pub origin: String,
}

/// A profile: which checks and frameworks a scan uses, and severity overrides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub id: String,
    pub title: String,
    pub description: String,
    /// Another profile this one starts from: its frameworks, checks, severities and
    /// parameters apply unless this profile sets its own (parameters and severities one by
    /// one; `exclude` adds to the parent's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extends: Option<String>,
    /// Frameworks reported (ids, or `{ id, size | level | ig }`). Empty: all.
    #[serde(default)]
    pub frameworks: Vec<FrameworkRef>,
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
    #[serde(skip_deserializing, default, skip_serializing_if = "String::is_empty")]
    pub origin: String,
}
