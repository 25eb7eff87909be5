//! The report model and its renderers.
//!
//! One serde type, [`Report`], holds everything a reader needs: host, catalogue digest,
//! findings with evidence and remediation, per-framework requirement results with their
//! denominators, and a summary. `report.json` is that type serialised; HTML and Markdown
//! are rendered from it with tera templates, so every format says the same thing.
//! The JSON field names are a contract documented in `docs/report-json.md`.

pub mod render;
pub mod terminal;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalogue::{
    Catalogue, Coverage, Family, Remediation, Replacement, Selection, Severity,
};
use crate::eval::{self, Evidence, Finding, Outcome, RequirementStatus};
use crate::facts::Facts;
use crate::ToolInfo;

/// Version of the report JSON; bumped on incompatible changes.
pub const REPORT_SCHEMA_VERSION: u32 = 1;

/// A complete report of one host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: ToolInfo,
    /// When the report was generated (RFC 3339, UTC).
    pub generated_at: String,
    pub host: HostSection,
    pub catalogue: CatalogueSection,
    pub findings: Vec<ReportFinding>,
    pub frameworks: Vec<FrameworkResult>,
    pub summary: Summary,
    /// The installed software judged against the feed data: vulnerable packages, end of
    /// life, waiting updates, and the feeds used with their dates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software: Option<crate::feeds::assess::Software>,
    /// The host name and root path were replaced by pseudonyms (`--redact`).
    #[serde(default)]
    pub redacted: bool,
}

/// The scanned host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostSection {
    pub hostname: Option<String>,
    /// Pretty OS name from os-release.
    pub os: Option<String>,
    /// The platform family of the OS (`debian`, `rhel`, `alpine`) from os-release `ID` and
    /// `ID_LIKE`, whose remediation commands the reports show first; `None` when unknown.
    #[serde(default)]
    pub family: Option<Family>,
    /// Directory scanned (`/` for the live host).
    pub root: String,
    pub live: bool,
    /// When the facts were collected.
    pub collected_at: String,
    /// Whether the collector ran as root.
    pub privileged: bool,
    /// Ward version that collected the facts.
    pub collector_version: String,
    /// SHA-256 of the facts bundle (as JSON) the report was evaluated from, so a report can
    /// be tied to one collection run.
    pub facts_digest: String,
    /// Whether Ward read the host itself (`scan`) or evaluated a facts bundle it was given.
    #[serde(default)]
    pub source: Source,
}

/// Where the facts of a report came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub kind: SourceKind,
    /// SHA-256 of the bundle file's bytes as read (`bundle` only).
    pub bundle_digest: Option<String>,
    /// When the facts were collected, as the facts say.
    pub collected_at: String,
    /// Ward version that collected the facts, as the facts say.
    pub collected_by: String,
}

/// How the facts reached the evaluation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// This run collected the facts from the host (`ward scan`).
    #[default]
    Scan,
    /// The facts were read from a bundle file (`ward evaluate`): what the report says about
    /// the host is only as trustworthy as that file.
    Bundle,
}

impl Source {
    /// A report evaluated from a bundle whose bytes hash to `digest`.
    pub fn bundle(digest: String, facts: &Facts) -> Source {
        Source {
            kind: SourceKind::Bundle,
            bundle_digest: Some(digest),
            collected_at: facts.collected_at.clone(),
            collected_by: facts.tool.version.clone(),
        }
    }
}

/// The catalogue used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogueSection {
    /// SHA-256 over the catalogue's files.
    pub digest: String,
    /// Where it came from (`builtin`, directories).
    pub sources: Vec<String>,
    /// Profile used, if any.
    pub profile: Option<String>,
    /// Number of checks evaluated.
    pub checks: usize,
    /// Items of a `--catalogue` directory that replaced one with the same id from an earlier
    /// source (usually a built-in check).
    #[serde(default)]
    pub replaced: Vec<Replacement>,
    /// Every parameter the evaluated checks read, with the value used and who set it.
    #[serde(default)]
    pub parameters: BTreeMap<String, crate::catalogue::ParamUse>,
}

/// A finding with what a reader needs to act on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportFinding {
    pub check: String,
    pub title: String,
    pub severity: Severity,
    /// The outcome that counts (summaries, frameworks, exit code): the evaluated outcome
    /// unless a waiver changed it.
    pub outcome: Outcome,
    /// What the check's test gave on the host, kept beside a waived outcome.
    pub evaluated_outcome: Outcome,
    pub reason: String,
    pub evidence: Vec<Evidence>,
    /// Per-subject rows of a check that judges many things (files of a glob, packages).
    #[serde(default)]
    pub items: Vec<crate::eval::FindingItem>,
    pub needs_root: bool,
    /// The parameter values the check used, and who set them (empty when it has none).
    #[serde(default)]
    pub parameters: BTreeMap<String, crate::catalogue::ParamUse>,
    pub rationale: String,
    pub remediation: RemediationOut,
    /// Framework requirements this check evidences.
    pub requirements: Vec<RequirementRef>,
}

/// A framework requirement a finding evidences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirementRef {
    /// Framework id, e.g. `dspt-caf-2024-25`.
    pub framework: String,
    /// Requirement id, e.g. `B2.c`.
    pub id: String,
    pub title: String,
}

/// A check mapped to a requirement, with why it counts and what it found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappedCheck {
    pub check: String,
    pub why: String,
    pub outcome: Outcome,
}

/// Remediation as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemediationOut {
    pub steps: String,
    pub commands: BTreeMap<String, String>,
    /// The keys of `commands` in the order a reader of this host should see them: the
    /// host's family first, then the other families (debian, rhel, alpine), then any other
    /// key in name order.
    #[serde(default)]
    pub order: Vec<String>,
}

impl RemediationOut {
    /// A check's remediation as reported for a host of family `host` (if known).
    pub fn for_host(r: &Remediation, host: Option<Family>) -> RemediationOut {
        RemediationOut {
            steps: r.steps.trim().to_string(),
            order: command_order(r.commands.keys().map(String::as_str), host),
            commands: r.commands.clone(),
        }
    }
}

impl From<&Remediation> for RemediationOut {
    /// The remediation with no host family known.
    fn from(r: &Remediation) -> Self {
        RemediationOut::for_host(r, None)
    }
}

/// Command keys in display order for a host of family `host`: that family first, then the
/// other families in [`Family::ALL`] order, then keys that name no family, by name.
pub fn command_order<'a>(keys: impl Iterator<Item = &'a str>, host: Option<Family>) -> Vec<String> {
    let mut keys: Vec<&str> = keys.collect();
    let rank = |k: &str| match Family::from_name(k) {
        Some(f) if Some(f) == host => 0,
        Some(f) => 1 + Family::ALL.iter().position(|x| *x == f).unwrap_or(0),
        None => 1 + Family::ALL.len(),
    };
    keys.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.cmp(b)));
    keys.into_iter().map(str::to_string).collect()
}

/// One framework's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameworkResult {
    pub id: String,
    /// The part reported: the id, or the id with the organisation size, level or
    /// implementation group the profile narrowed it to (`cis-controls-v8 (IG1)`).
    pub scope: String,
    pub title: String,
    pub edition: String,
    pub publisher: String,
    /// Where the framework's official text is.
    pub url: Option<String>,
    pub notes: Option<String>,
    pub requirements: Vec<RequirementResult>,
    /// Requirements per status, with the total as denominator.
    pub summary: FrameworkSummary,
}

/// Requirement counts of one framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameworkSummary {
    pub total: usize,
    pub met: usize,
    pub not_met: usize,
    pub unknown: usize,
    pub needs_attestation: usize,
    /// Answered as met by a current attestation.
    pub attested: usize,
    pub not_applicable: usize,
    /// Requirements whose attestation has expired (counted under needs attestation).
    pub expired_attestations: usize,
}

/// One requirement's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequirementResult {
    pub id: String,
    pub title: String,
    pub group: Option<String>,
    /// How much a scan can evidence: automated, partial, manual.
    pub coverage: Coverage,
    pub status: RequirementStatus,
    /// Mapped checks that were evaluated (ids).
    pub checks: Vec<String>,
    /// The same checks with why each counts and its outcome.
    pub mapped: Vec<MappedCheck>,
    /// Outcome counts over `checks` (the denominator is `checks.len()`).
    pub counts: BTreeMap<Outcome, usize>,
    pub question: Option<String>,
    pub evidence_expected: Option<String>,
    /// Other identifiers of the requirement (an earlier numbering).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The edition its id and title come from, when not the framework's.
    #[serde(default)]
    pub edition: Option<String>,
    /// What about it could not be confirmed against the official text.
    #[serde(default)]
    pub unconfirmed: Option<String>,
    /// The attestation that answers it, if any (also when expired: then it counts as no
    /// answer and `expired` is true).
    #[serde(default)]
    pub attestation: Option<crate::attest::Attestation>,
}

/// Counts over all findings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub total: usize,
    pub pass: usize,
    pub fail: usize,
    pub error: usize,
    pub not_applicable: usize,
    pub manual: usize,
    pub attested: usize,
    pub waived: usize,
    /// Failed checks per severity.
    pub failed_by_severity: BTreeMap<Severity, usize>,
    /// Checks that errored because reads were refused; running as root would evaluate them.
    pub needs_root: Vec<String>,
}

impl Summary {
    fn of(findings: &[ReportFinding]) -> Summary {
        let n = |o: Outcome| findings.iter().filter(|f| f.outcome == o).count();
        let mut failed_by_severity = BTreeMap::new();
        for s in Severity::ALL {
            failed_by_severity.insert(
                s,
                findings
                    .iter()
                    .filter(|f| f.outcome == Outcome::Fail && f.severity == s)
                    .count(),
            );
        }
        Summary {
            total: findings.len(),
            pass: n(Outcome::Pass),
            fail: n(Outcome::Fail),
            error: n(Outcome::Error),
            not_applicable: n(Outcome::NotApplicable),
            manual: n(Outcome::Manual),
            attested: n(Outcome::Attested),
            waived: n(Outcome::Waived),
            failed_by_severity,
            needs_root: findings
                .iter()
                .filter(|f| f.needs_root)
                .map(|f| f.check.clone())
                .collect(),
        }
    }
}

impl Report {
    /// Evaluate the selected checks against `facts` and build the report. The facts digest
    /// (every fact serialised and hashed, about half the work) is computed on a second
    /// thread meanwhile.
    pub fn evaluate(catalogue: &Catalogue, selection: &Selection, facts: &Facts) -> Report {
        Report::evaluate_with(catalogue, selection, facts, None)
    }

    /// [`Report::evaluate`] with the software section judged from feed data, which the
    /// feed-based checks read and the report shows.
    pub fn evaluate_with(
        catalogue: &Catalogue,
        selection: &Selection,
        facts: &Facts,
        software: Option<crate::feeds::assess::Software>,
    ) -> Report {
        std::thread::scope(|scope| {
            let digest = std::thread::Builder::new()
                .name("ward-digest".into())
                .spawn_scoped(scope, || facts_digest(facts))
                .ok();
            let inputs = match &software {
                Some(s) => crate::eval::Inputs::with_software(facts, s),
                None => crate::eval::Inputs::facts(facts),
            };
            let findings = crate::eval::evaluate_with(catalogue, selection, inputs);
            let digest = match digest {
                Some(handle) => handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                None => facts_digest(facts),
            };
            let mut report = Report::assemble(catalogue, selection, facts, findings, digest);
            report.software = software;
            report
        })
    }

    /// Build the report from a catalogue, the run's selection, the facts and the findings.
    pub fn build(
        catalogue: &Catalogue,
        selection: &Selection,
        facts: &Facts,
        findings: Vec<Finding>,
    ) -> Report {
        Report::assemble(catalogue, selection, facts, findings, facts_digest(facts))
    }

    fn assemble(
        catalogue: &Catalogue,
        selection: &Selection,
        facts: &Facts,
        findings: Vec<Finding>,
        facts_digest: String,
    ) -> Report {
        let mut req_index: BTreeMap<&str, Vec<RequirementRef>> = BTreeMap::new();
        for fref in &selection.frameworks {
            if let Some(fw) = catalogue.frameworks.get(&fref.id) {
                for r in fw.requirements.iter().filter(|r| r.in_scope(fref)) {
                    for c in &r.checks {
                        req_index
                            .entry(c.check.as_str())
                            .or_default()
                            .push(RequirementRef {
                                framework: fw.framework.id.clone(),
                                id: r.id.clone(),
                                title: r.title.clone(),
                            });
                    }
                }
            }
        }
        let os = facts.get::<crate::facts::os_release::OsRelease>();
        let family = os.and_then(|o| Family::of_os(o.id.as_deref(), &o.id_like));
        let mut findings: Vec<ReportFinding> = findings
            .into_iter()
            .filter_map(|f| {
                let check = catalogue.checks.get(&f.check)?;
                Some(ReportFinding {
                    requirements: req_index.get(f.check.as_str()).cloned().unwrap_or_default(),
                    rationale: check.rationale.trim().to_string(),
                    remediation: RemediationOut::for_host(&check.remediation, family),
                    check: f.check,
                    title: f.title,
                    severity: f.severity,
                    outcome: f.outcome,
                    evaluated_outcome: f.evaluated_outcome,
                    reason: f.reason,
                    evidence: f.evidence,
                    items: f.items,
                    needs_root: f.needs_root,
                    parameters: f.parameters.clone(),
                })
            })
            .collect();
        // Most urgent first: failures by severity, then errors, then the rest; id breaks ties.
        findings.sort_by(|a, b| {
            outcome_rank(a.outcome)
                .cmp(&outcome_rank(b.outcome))
                .then(b.severity.cmp(&a.severity))
                .then(a.check.cmp(&b.check))
        });

        let by_id: BTreeMap<&str, &ReportFinding> =
            findings.iter().map(|f| (f.check.as_str(), f)).collect();
        let frameworks = selection
            .frameworks
            .iter()
            .filter_map(|fref| catalogue.frameworks.get(&fref.id).map(|fw| (fref, fw)))
            .map(|(fref, fw)| {
                let requirements: Vec<RequirementResult> = fw
                    .requirements
                    .iter()
                    .filter(|r| r.in_scope(fref))
                    .map(|r| {
                        let mapped: Vec<(&ReportFinding, &str)> = r
                            .checks
                            .iter()
                            .filter_map(|c| {
                                by_id.get(c.check.as_str()).map(|f| (*f, c.why.as_str()))
                            })
                            .collect();
                        let outcomes: Vec<Outcome> =
                            mapped.iter().map(|(f, _)| f.outcome).collect();
                        let (status, counts) = eval::aggregate(r.status, &outcomes);
                        let attestation = selection
                            .attestations
                            .iter()
                            .find(|a| a.framework == fw.framework.id && a.requirement == r.id);
                        let status = eval::with_attestation(status, attestation);
                        RequirementResult {
                            aliases: r.aliases.clone(),
                            edition: r.edition.clone(),
                            unconfirmed: r.unconfirmed.clone(),
                            attestation: attestation.cloned(),
                            id: r.id.clone(),
                            title: r.title.clone(),
                            group: r.group.clone(),
                            coverage: r.status,
                            status,
                            checks: mapped.iter().map(|(f, _)| f.check.clone()).collect(),
                            mapped: mapped
                                .iter()
                                .map(|(f, why)| MappedCheck {
                                    check: f.check.clone(),
                                    why: why.to_string(),
                                    outcome: f.outcome,
                                })
                                .collect(),
                            counts,
                            question: r.question.clone(),
                            evidence_expected: r.evidence.clone(),
                        }
                    })
                    .collect();
                let n =
                    |s: RequirementStatus| requirements.iter().filter(|r| r.status == s).count();
                FrameworkResult {
                    scope: fref.label(),
                    id: fw.framework.id.clone(),
                    title: fw.framework.title.clone(),
                    edition: fw.framework.edition.clone(),
                    publisher: fw.framework.publisher.clone(),
                    url: fw.framework.url.clone(),
                    notes: fw.framework.notes.clone(),
                    summary: FrameworkSummary {
                        total: requirements.len(),
                        met: n(RequirementStatus::Met),
                        not_met: n(RequirementStatus::NotMet),
                        unknown: n(RequirementStatus::Unknown),
                        needs_attestation: n(RequirementStatus::NeedsAttestation),
                        attested: n(RequirementStatus::Attested),
                        not_applicable: n(RequirementStatus::NotApplicable),
                        expired_attestations: requirements
                            .iter()
                            .filter(|r| r.attestation.as_ref().is_some_and(|a| a.expired))
                            .count(),
                    },
                    requirements,
                }
            })
            .collect();

        Report {
            schema_version: REPORT_SCHEMA_VERSION,
            tool: ToolInfo::current(),
            generated_at: jiff::Timestamp::now().to_string(),
            host: HostSection {
                hostname: facts.host.hostname.clone(),
                os: os.and_then(|o| o.pretty_name.clone().or(o.id.clone())),
                family,
                root: facts.host.root.clone(),
                live: facts.host.live,
                collected_at: facts.collected_at.clone(),
                privileged: facts.host.collector_uid == 0,
                collector_version: facts.tool.version.clone(),
                facts_digest,
                source: Source {
                    kind: SourceKind::Scan,
                    bundle_digest: None,
                    collected_at: facts.collected_at.clone(),
                    collected_by: facts.tool.version.clone(),
                },
            },
            catalogue: CatalogueSection {
                digest: catalogue.digest.clone(),
                sources: catalogue.sources.clone(),
                profile: selection.profile.clone(),
                checks: findings.len(),
                replaced: catalogue.replaced.clone(),
                parameters: findings
                    .iter()
                    .flat_map(|f| f.parameters.iter())
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            },
            summary: Summary::of(&findings),
            findings,
            frameworks,
            software: None,
            redacted: false,
        }
    }

    /// Replace the host name and the scanned root's path everywhere in the report with
    /// stable pseudonyms, for reports that leave the organisation. The pseudonym is derived
    /// from the host name, so the same host keeps the same pseudonym across runs.
    pub fn redact(&mut self) {
        use sha2::{Digest, Sha256};
        let mut pairs: Vec<(String, String)> = Vec::new();
        if let Some(h) = self.host.hostname.take().filter(|h| !h.is_empty()) {
            let digest = hex::encode(Sha256::digest(h.as_bytes()));
            let alias = format!("host-{}", &digest[..12]);
            pairs.push((h, alias.clone()));
            self.host.hostname = Some(alias);
        }
        if self.host.root != "/" {
            pairs.push((self.host.root.clone(), "<root>".to_string()));
            self.host.root = "<root>".to_string();
        }
        // Longest first, so a host name inside the root path is not replaced twice.
        pairs.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
        let scrub = |s: &mut String| {
            for (from, to) in &pairs {
                if s.contains(from.as_str()) {
                    *s = s.replace(from.as_str(), to);
                }
            }
        };
        if let Some(sw) = &mut self.software {
            for f in &mut sw.feeds {
                scrub(&mut f.source);
            }
            for p in sw.feed_problems.iter_mut().chain(
                [
                    &mut sw.vulnerabilities_error,
                    &mut sw.os_eol_error,
                    &mut sw.software_eol_error,
                    &mut sw.pending_error,
                ]
                .into_iter()
                .flatten(),
            ) {
                scrub(p);
            }
        }
        for f in &mut self.findings {
            scrub(&mut f.reason);
            for e in &mut f.evidence {
                scrub(&mut e.source);
                scrub(&mut e.observed);
                scrub(&mut e.expected);
            }
        }
        self.redacted = true;
    }

    /// Whether any failure is at or above `threshold`.
    pub fn has_failure_at_or_above(&self, threshold: Severity) -> bool {
        self.findings
            .iter()
            .any(|f| f.outcome == Outcome::Fail && f.severity >= threshold)
    }
}

/// SHA-256 of the facts bundle as compact JSON.
pub fn facts_digest(facts: &Facts) -> String {
    use sha2::{Digest, Sha256};
    // Serialised straight into the hash: the same bytes as the bundle, never held whole.
    struct HashWriter(Sha256);
    impl std::io::Write for HashWriter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.update(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    // serde_json writes token by token; the buffer hands the hash whole blocks.
    let mut w = std::io::BufWriter::with_capacity(1 << 16, HashWriter(Sha256::new()));
    let _ = serde_json::to_writer(&mut w, facts);
    match w.into_inner() {
        Ok(h) => format!("sha256:{}", hex::encode(h.0.finalize())),
        // Unreachable: the hash writer never fails.
        Err(e) => format!(
            "sha256:{}",
            hex::encode(e.into_inner().into_parts().0 .0.finalize())
        ),
    }
}

fn outcome_rank(o: Outcome) -> u8 {
    match o {
        Outcome::Fail => 0,
        Outcome::Error => 1,
        Outcome::Waived => 2,
        Outcome::Manual => 3,
        Outcome::Attested => 4,
        Outcome::Pass => 5,
        Outcome::NotApplicable => 6,
    }
}

/// Neutralise control and bidirectional-formatting characters in text from the scanned
/// host, for every renderer: C0 controls other than tab, line feed and carriage return
/// (which the renderers handle themselves), DEL, C1 controls, and the bidi controls
/// (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) are replaced by a visible
/// `\u{..}` escape. A terminal escape such as `ESC ] 0 ; title BEL` or a right-to-left
/// override hidden in a host name or config line therefore reaches no reader as itself.
pub fn neutralise(s: &str) -> std::borrow::Cow<'_, str> {
    if !has_neutralisable(s) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_neutralising(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Whether [`neutralise`] would change `s`. ASCII text (nearly all of it) is checked byte
/// by byte: its only controls are C0 and DEL.
pub fn has_neutralisable(s: &str) -> bool {
    if s.is_ascii() {
        s.bytes()
            .any(|b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f)
    } else {
        s.chars().any(needs_neutralising)
    }
}

/// Whether [`neutralise`] replaces `c`.
pub fn needs_neutralising(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || is_bidi_control(c)
}

/// Unicode bidirectional formatting characters, which reorder how the text around them is
/// displayed.
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// Apply [`neutralise`] to every string in a JSON value (keys included).
pub fn neutralise_value(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::String(s) => {
            if let std::borrow::Cow::Owned(n) = neutralise(s) {
                *s = n;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(neutralise_value),
        // Keys are rebuilt only when one of them needs it (host data can be a key, e.g.
        // the fields of an evidence item).
        Value::Object(o) if o.keys().any(|k| has_neutralisable(k)) => {
            let taken = std::mem::take(o);
            for (k, mut val) in taken {
                neutralise_value(&mut val);
                o.insert(neutralise(&k).into_owned(), val);
            }
        }
        Value::Object(o) => o.values_mut().for_each(neutralise_value),
        _ => {}
    }
}
