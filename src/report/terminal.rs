//! The short coloured summary printed on a terminal after a scan.
//!
//! It says what an admin needs at a glance: which host, how many checks, the outcome counts,
//! the failed checks (most severe first, with the first piece of evidence), the checks that
//! errored, whether running as root would help, and one line per framework. The full detail
//! is in the HTML, Markdown and JSON reports.
//!
//! Report data comes from the scanned host (file contents, package names), so every string
//! taken from it is neutralised before it reaches the terminal: control characters (an
//! escape sequence in a config file could otherwise recolour or rewrite the terminal) and
//! bidirectional overrides are shown escaped, and newlines become spaces.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};

use super::{Report, ReportFinding};
use crate::catalogue::Severity;
use crate::eval::Outcome;

/// At most this many failed checks are listed; the rest are counted.
const MAX_FAILED: usize = 20;
/// At most this many errored checks are listed; the rest are counted.
const MAX_ERRORS: usize = 10;
/// At most this many check ids are named in the needs-root note.
const MAX_NEEDS_ROOT: usize = 10;
/// Longest reason shown for an errored check, in characters.
const MAX_REASON: usize = 160;

/// A plain-text summary; `color` adds ANSI colours.
pub fn summary(report: &Report, color: bool) -> String {
    let p = Paint { color };
    let s = &report.summary;
    let mut out = String::new();

    // Header: host, OS, checks.
    let host = report
        .host
        .hostname
        .as_deref()
        .map(clean)
        .unwrap_or_else(|| "unknown host".into());
    let os = report
        .host
        .os
        .as_deref()
        .map(clean)
        .unwrap_or_else(|| "unknown OS".into());
    let mut mode = if report.host.live {
        "live".to_string()
    } else {
        format!("image {}", clean(&report.host.root))
    };
    if report.host.source.kind == super::SourceKind::Bundle {
        let digest = report.host.source.bundle_digest.as_deref().unwrap_or("");
        let _ = write!(
            mode,
            "; evaluated from facts bundle {} collected {}",
            clean(&truncate(digest, 23)),
            clean(&report.host.source.collected_at)
        );
    }
    let _ = writeln!(
        out,
        "{} {} ({os}, {mode}): {} {} evaluated{}",
        p.paint(BOLD, "Ward"),
        p.paint(BOLD, &host),
        s.total,
        plural(s.total, "check", "checks"),
        if report.host.privileged {
            ""
        } else {
            ", not as root"
        },
    );

    // Counts per outcome; pass, fail and error always, the rest when present.
    let mut parts = Vec::new();
    for o in Outcome::ALL {
        let n = outcome_count(report, o);
        if n == 0 && !matches!(o, Outcome::Pass | Outcome::Fail | Outcome::Error) {
            continue;
        }
        let text = format!("{n} {}", outcome_label(o));
        parts.push(if n == 0 {
            text
        } else {
            p.paint(outcome_style(o), &text)
        });
    }
    let _ = writeln!(out, "  {} of {}", parts.join(", "), s.total);

    // Failures per severity.
    if s.fail > 0 {
        let sev: Vec<String> = Severity::ALL
            .iter()
            .map(|&v| {
                let n = s.failed_by_severity.get(&v).copied().unwrap_or(0);
                let text = format!("{n} {v}");
                if n == 0 {
                    text
                } else {
                    p.paint(severity_style(v), &text)
                }
            })
            .collect();
        let _ = writeln!(out, "  failed by severity: {}", sev.join(", "));
    }

    // Failed checks, most severe first.
    let mut failed: Vec<&ReportFinding> = report
        .findings
        .iter()
        .filter(|f| f.outcome == Outcome::Fail)
        .collect();
    failed.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.check.cmp(&b.check)));
    if !failed.is_empty() {
        let _ = writeln!(out, "\n{}", p.paint(BOLD, "Failed checks:"));
        let width = failed
            .iter()
            .map(|f| f.check.chars().count())
            .max()
            .unwrap_or(0);
        for f in failed.iter().take(MAX_FAILED) {
            let sev = format!("{:<8}", f.severity.as_str().to_uppercase());
            let id = format!("{:<width$}", clean(&f.check));
            let mut line = format!(
                "  {} {}  {}",
                p.paint(severity_style(f.severity), &sev),
                id,
                clean(&f.title)
            );
            if let Some(e) = f.evidence.first() {
                let _ = write!(line, "  ({})", p.paint(DIM, &evidence_location(e)));
            }
            let _ = writeln!(out, "{line}");
        }
        if failed.len() > MAX_FAILED {
            let _ = writeln!(
                out,
                "  ... and {} more (see the full report)",
                failed.len() - MAX_FAILED
            );
        }
    }

    // Errored checks with their reasons.
    let errors: Vec<&ReportFinding> = report
        .findings
        .iter()
        .filter(|f| f.outcome == Outcome::Error)
        .collect();
    if !errors.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            p.paint(BOLD, "Checks that could not be evaluated:")
        );
        for f in errors.iter().take(MAX_ERRORS) {
            let _ = writeln!(
                out,
                "  {} {}: {}",
                p.paint(outcome_style(Outcome::Error), "ERROR"),
                clean(&f.check),
                truncate(&clean(&f.reason), MAX_REASON)
            );
        }
        if errors.len() > MAX_ERRORS {
            let _ = writeln!(
                out,
                "  ... and {} more (see the full report)",
                errors.len() - MAX_ERRORS
            );
        }
    }

    // Needs root.
    if !s.needs_root.is_empty() {
        let mut ids: Vec<String> = s
            .needs_root
            .iter()
            .take(MAX_NEEDS_ROOT)
            .map(|c| clean(c))
            .collect();
        if s.needs_root.len() > MAX_NEEDS_ROOT {
            ids.push(format!("and {} more", s.needs_root.len() - MAX_NEEDS_ROOT));
        }
        let _ = writeln!(
            out,
            "\n{} {} {} errored because reads were refused; run Ward as root to evaluate {}: {}",
            p.paint(YELLOW_BOLD, "Needs root:"),
            s.needs_root.len(),
            plural(s.needs_root.len(), "check", "checks"),
            plural(s.needs_root.len(), "it", "them"),
            ids.join(", ")
        );
    }

    // Feed data that is stale or damaged: the software verdicts rest on it.
    if let Some(sw) = &report.software {
        let mut notes: Vec<String> = sw
            .feeds
            .iter()
            .filter(|f| f.stale)
            .map(|f| {
                format!(
                    "{} data ({}) is {}",
                    f.kind.to_uppercase(),
                    if f.embedded {
                        "embedded snapshot".to_string()
                    } else {
                        clean(&f.source)
                    },
                    match f.age_days {
                        Some(d) => format!("{d} days old"),
                        None => "of unknown age".to_string(),
                    }
                )
            })
            .collect();
        notes.extend(sw.feed_problems.iter().map(|p| clean(p)));
        if !notes.is_empty() {
            let _ = writeln!(
                out,
                "\n{} {} (limit {} days); run `ward feeds update`",
                p.paint(YELLOW_BOLD, "Feed data:"),
                notes.join("; "),
                sw.max_feed_age_days
            );
        }
    }

    // One line per framework.
    if !report.frameworks.is_empty() {
        let _ = writeln!(out, "\n{}", p.paint(BOLD, "Frameworks:"));
        for fw in &report.frameworks {
            let c = &fw.summary;
            let mut parts = vec![
                p.count(c.met, "met", GREEN),
                p.count(c.not_met, "not met", RED),
                p.count(c.unknown, "unknown", YELLOW),
                p.count(
                    c.needs_attestation,
                    if c.needs_attestation == 1 {
                        "needs attestation"
                    } else {
                        "need attestation"
                    },
                    BLUE,
                ),
            ];
            if c.attested > 0 {
                parts.push(p.count(c.attested, "attested", CYAN));
            }
            if c.not_applicable > 0 {
                parts.push(format!("{} not applicable", c.not_applicable));
            }
            if c.expired_attestations > 0 {
                parts.push(format!(
                    "{} attestation{} expired",
                    c.expired_attestations,
                    if c.expired_attestations == 1 { "" } else { "s" }
                ));
            }
            let name = if fw.edition.trim().is_empty() {
                clean(&fw.title)
            } else {
                format!("{} {}", clean(&fw.title), clean(&fw.edition))
            };
            let _ = writeln!(out, "  {name}: {} of {}", parts.join(", "), c.total);
        }
    }
    out
}

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const RED: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)));
const RED_BOLD: Style = RED.bold();
const GREEN: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)));
const YELLOW: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));
const YELLOW_BOLD: Style = YELLOW.bold();
const BLUE: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Blue)));
const MAGENTA: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Magenta)));
const CYAN: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Cyan)));

/// Applies styles only when colour is on.
struct Paint {
    color: bool,
}

impl Paint {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    /// `n label`, coloured only when `n` is not zero.
    fn count(&self, n: usize, label: &str, style: Style) -> String {
        let text = format!("{n} {label}");
        if n == 0 {
            text
        } else {
            self.paint(style, &text)
        }
    }
}

fn outcome_count(report: &Report, o: Outcome) -> usize {
    let s = &report.summary;
    match o {
        Outcome::Pass => s.pass,
        Outcome::Fail => s.fail,
        Outcome::Error => s.error,
        Outcome::NotApplicable => s.not_applicable,
        Outcome::Manual => s.manual,
        Outcome::Attested => s.attested,
        Outcome::Waived => s.waived,
    }
}

fn outcome_label(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "pass",
        Outcome::Fail => "fail",
        Outcome::Error => "error",
        Outcome::NotApplicable => "not applicable",
        Outcome::Manual => "manual",
        Outcome::Attested => "attested",
        Outcome::Waived => "waived",
    }
}

fn outcome_style(o: Outcome) -> Style {
    match o {
        Outcome::Pass => GREEN,
        Outcome::Fail => RED_BOLD,
        Outcome::Error => YELLOW_BOLD,
        Outcome::NotApplicable => DIM,
        Outcome::Manual => BLUE,
        Outcome::Attested => CYAN,
        Outcome::Waived => MAGENTA,
    }
}

fn severity_style(s: Severity) -> Style {
    match s {
        Severity::Critical => RED_BOLD,
        Severity::High => RED,
        Severity::Medium => YELLOW,
        Severity::Low => BLUE,
        Severity::Info => DIM,
    }
}

fn evidence_location(e: &crate::eval::Evidence) -> String {
    match e.line {
        Some(line) => format!("{}:{line}", clean(&e.source)),
        None => clean(&e.source),
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// Make host-derived text safe to print on one terminal line.
fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if super::needs_neutralising(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(3)).collect();
        t.push_str("...");
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_neutralises_terminal_escapes() {
        assert_eq!(clean("a\x1b[31mb\nc"), "a\\u{1b}[31mb c");
        assert_eq!(clean("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(clean("x\u{61c}\u{85}y"), "x\\u{61c}\\u{85}y");
        assert_eq!(clean("plain"), "plain");
    }

    #[test]
    fn truncate_counts_characters() {
        assert_eq!(truncate("abcdef", 10), "abcdef");
        assert_eq!(truncate("abcdefghijkl", 8), "abcde...");
        assert_eq!(truncate("ééééééééé", 5), "éé...");
    }
}
