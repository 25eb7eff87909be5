//! Attestations: a person's answer to a framework requirement that no scan can see.
//!
//! Most of what a framework asks is organisational (a board that owns the risk, a tested
//! backup, staff training), and much of the technical part covers systems beyond one host.
//! An attestation file answers those requirements (met, not met, partially met) with the
//! owner who vouches for the answer, the evidence behind it and when the answer lapses, so
//! one report carries both the scan's verdicts and the organisation's answers. An answer
//! past its expiry counts as no answer and is listed as expired; a file naming a framework
//! or requirement the catalogue does not have is refused with its file and line, because a
//! misspelt id would otherwise leave a requirement silently unanswered.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use crate::catalogue::{Catalogue, Coverage, Diagnostic, FrameworkRef};

/// The answer an attestation gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Met,
    NotMet,
    PartiallyMet,
}

impl Answer {
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Met => "met",
            Answer::NotMet => "not met",
            Answer::PartiallyMet => "partially met",
        }
    }
}

/// A reference to the evidence behind an answer: a document, a web address or a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum EvidenceRef {
    Document(String),
    Url(String),
    Ticket(String),
}

impl EvidenceRef {
    /// `document: Board minutes 2026-09`.
    pub fn label(&self) -> String {
        match self {
            EvidenceRef::Document(d) => format!("document: {d}"),
            EvidenceRef::Url(u) => format!("url: {u}"),
            EvidenceRef::Ticket(t) => format!("ticket: {t}"),
        }
    }

    fn text(&self) -> &str {
        match self {
            EvidenceRef::Document(s) | EvidenceRef::Url(s) | EvidenceRef::Ticket(s) => s,
        }
    }
}

/// One attestation as written in a file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    framework: String,
    requirement: String,
    answer: Answer,
    owner: String,
    date: String,
    expires: String,
    evidence: Vec<EvidenceRef>,
    #[serde(default)]
    notes: Option<String>,
}

/// The shape of an attestations file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShape {
    attestations: Vec<Spanned<serde_json::Value>>,
}

/// A loaded attestation, checked against the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attestation {
    pub framework: String,
    /// The requirement's id (an alias in the file is resolved to the id).
    pub requirement: String,
    pub answer: Answer,
    pub owner: String,
    /// When the answer was given (YYYY-MM-DD).
    pub date: String,
    /// When it lapses (YYYY-MM-DD).
    pub expires: String,
    pub evidence: Vec<EvidenceRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// `file:line` of the entry.
    pub origin: String,
    /// Its expiry has passed on the day the report judges (today or `--as-of`): it counts
    /// as no answer.
    pub expired: bool,
    /// It was given after the day the report judges (`--as-of` an earlier day): it counts
    /// as no answer on that day.
    #[serde(default)]
    pub not_yet_given: bool,
}

impl Attestation {
    /// Whether it answers its requirement on the day judged.
    pub fn is_current(&self) -> bool {
        !self.expired && !self.not_yet_given
    }
}

/// Attestation files that could not be loaded, with every problem found.
#[derive(Debug, thiserror::Error)]
#[error("attestations have {} problem(s):\n{}", .0.len(), .0.iter().map(|d| format!("  {d}")).collect::<Vec<_>>().join("\n"))]
pub struct AttestError(pub Vec<Diagnostic>);

/// An attestations file's name and text.
#[derive(Debug, Clone)]
pub struct AttestFile {
    pub name: String,
    pub text: String,
}

impl AttestFile {
    /// Read a file (an operator's input, not the scanned host's: read directly).
    pub fn read(path: &Path) -> Result<AttestFile, AttestError> {
        std::fs::read_to_string(path)
            .map(|text| AttestFile {
                name: path.display().to_string(),
                text,
            })
            .map_err(|e| {
                AttestError(vec![Diagnostic {
                    file: path.display().to_string(),
                    line: 0,
                    column: 0,
                    message: format!("cannot read: {e}"),
                }])
            })
    }
}

/// Load attestation files against a catalogue, judging expiry on `today` (the day the
/// report judges: today, or `--as-of`). A date after the real today is refused as a typo. Every problem in
/// every file is reported at once; any problem refuses the whole set.
pub fn load(
    files: &[AttestFile],
    catalogue: &Catalogue,
    today: jiff::civil::Date,
) -> Result<Vec<Attestation>, AttestError> {
    let real_today = crate::feeds::assess::today();
    let mut problems = Vec::new();
    let mut out: Vec<Attestation> = Vec::new();
    // (framework, requirement) -> origin of the first answer.
    let mut first: BTreeMap<(String, String), String> = BTreeMap::new();
    for f in files {
        let at = |line: u64, column: u64, message: String| Diagnostic {
            file: f.name.clone(),
            line,
            column,
            message,
        };
        let shape: FileShape = match serde_saphyr::from_str(&f.text) {
            Ok(s) => s,
            Err(e) => {
                let (line, column) = e
                    .location()
                    .map(|l| (l.line(), l.column()))
                    .unwrap_or((1, 1));
                let msg = e.to_string();
                let msg = msg.lines().next().unwrap_or("").to_string();
                problems.push(at(line, column, msg));
                continue;
            }
        };
        for entry in shape.attestations {
            let (line, column) = (entry.referenced.line(), entry.referenced.column());
            let raw: Raw = match serde_json::from_value(entry.value) {
                Ok(r) => r,
                Err(e) => {
                    problems.push(at(line, column, format!("attestation: {e}")));
                    continue;
                }
            };
            let mut bad = |m: String| problems.push(at(line, column, m));
            let Some(fw) = catalogue.frameworks.get(&raw.framework) else {
                bad(format!(
                    "unknown framework {:?}; known: {}",
                    raw.framework,
                    catalogue
                        .frameworks
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                continue;
            };
            let Some(req) = fw
                .requirements
                .iter()
                .find(|r| r.answers_to(&raw.requirement))
            else {
                bad(format!(
                    "framework {} has no requirement {:?}",
                    raw.framework, raw.requirement
                ));
                continue;
            };
            if req.status == Coverage::Automated {
                bad(format!(
                    "{} {} is automated: the scan answers it, not an attestation",
                    raw.framework, req.id
                ));
            }
            if raw.owner.trim().is_empty() {
                bad("`owner` is empty: name who vouches for the answer".into());
            }
            if raw.evidence.is_empty() || raw.evidence.iter().any(|e| e.text().trim().is_empty()) {
                bad("`evidence` needs at least one non-empty document, url or ticket".into());
            }
            let date = parse_date(&raw.date, "date");
            let expires = parse_date(&raw.expires, "expires");
            match (&date, &expires) {
                (Ok(d), Ok(x)) => {
                    if x < d {
                        bad(format!("expires {x} is before the date {d}"));
                    }
                    if *d > real_today {
                        bad(format!("date {d} is in the future"));
                    }
                }
                (d, x) => {
                    for e in [d.as_ref().err(), x.as_ref().err()].into_iter().flatten() {
                        bad(e.clone());
                    }
                }
            }
            let origin = format!("{}:{line}", f.name);
            let key = (raw.framework.clone(), req.id.clone());
            if let Some(prev) = first.get(&key) {
                bad(format!(
                    "{} {} is already answered at {prev}",
                    raw.framework, req.id
                ));
                continue;
            }
            first.insert(key, origin.clone());
            if let (Ok(d), Ok(x)) = (date, expires) {
                out.push(Attestation {
                    framework: raw.framework,
                    requirement: req.id.clone(),
                    answer: raw.answer,
                    owner: raw.owner.trim().to_string(),
                    date: raw.date.trim().to_string(),
                    expires: raw.expires.trim().to_string(),
                    evidence: raw.evidence,
                    notes: raw.notes,
                    origin,
                    expired: x < today,
                    not_yet_given: d > today,
                });
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(AttestError(problems))
    }
}

fn parse_date(s: &str, field: &str) -> Result<jiff::civil::Date, String> {
    s.trim()
        .parse::<jiff::civil::Date>()
        .map_err(|e| format!("`{field}` {s:?} is not a date (YYYY-MM-DD): {e}"))
}

/// A template answering every manual and partial requirement of a framework (optionally
/// narrowed as a profile narrows it), each with its question and expected evidence as
/// comments, for an owner to fill in.
pub fn template(
    catalogue: &Catalogue,
    scope: &FrameworkRef,
    today: jiff::civil::Date,
) -> Option<String> {
    use std::fmt::Write as _;
    let fw = catalogue.frameworks.get(&scope.id)?;
    let expires = today
        .checked_add(jiff::Span::new().years(1))
        .unwrap_or(today);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Attestations for {} ({} edition {}).\n\
         # One entry per requirement a scan cannot settle. Set `answer` to met, not_met or\n\
         # partially_met, name the `owner` who vouches for it, list the evidence (document,\n\
         # url or ticket), and set `expires` to when the answer must be reviewed. Delete the\n\
         # entries you cannot answer yet: they are reported as needing attestation.\n\
         # Use: ward scan --profile ... --attestations this-file.yaml",
        fw.framework.title, fw.framework.id, fw.framework.edition
    );
    s.push_str("attestations:\n");
    for r in fw.requirements.iter().filter(|r| r.in_scope(scope)) {
        if r.status == Coverage::Automated {
            continue;
        }
        let status = if r.status == Coverage::Partial {
            "partial: the scan shows part"
        } else {
            "manual"
        };
        let _ = writeln!(s, "  # {} {} ({status})", r.id, one_line(&r.title));
        if let Some(q) = &r.question {
            let _ = writeln!(s, "  # Question: {}", one_line(q));
        }
        if let Some(e) = &r.evidence {
            let _ = writeln!(s, "  # Evidence expected: {}", one_line(e));
        }
        if r.status == Coverage::Partial {
            let checks: Vec<&str> = r.checks.iter().map(|c| c.check.as_str()).collect();
            let _ = writeln!(
                s,
                "  # The scan supplies part of the evidence ({}); a failing check still makes it not met.",
                checks.join(", ")
            );
        }
        let _ = writeln!(
            s,
            "  - framework: {}\n    requirement: {}\n    answer: not_met\n    owner: \"\"\n    date: {today}\n    expires: {expires}\n    evidence:\n      - document: \"\"\n",
            yaml_scalar(&fw.framework.id),
            yaml_scalar(&r.id)
        );
    }
    Some(s)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Quote a value unless it is a plain YAML scalar of safe characters.
fn yaml_scalar(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
    {
        s.to_string()
    } else {
        format!("{s:?}")
    }
}
