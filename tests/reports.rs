//! Report renderers on a synthetic report: the JSON contract, HTML escaping and
//! self-containment, snapshots of every format, and a real browser parsing the HTML.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use ward::catalogue::{Catalogue, Coverage, Family, Replacement, Severity};
use ward::eval::{Evidence, EvidenceSource, Outcome, RequirementStatus};
use ward::report::render::{md_cell, md_code, md_prose, md_url, Format, Renderer};
use ward::report::{
    terminal, CatalogueSection, FrameworkResult, FrameworkSummary, HostSection, MappedCheck,
    RemediationOut, Report, ReportFinding, RequirementRef, RequirementResult, Source, SourceKind,
    Summary,
};
use ward::ToolInfo;

/// A check reason carrying markup, a table separator and line breaks.
const HOSTILE_REASON: &str =
    "PermitRootLogin is yes <script>alert(1)</script> | set in\r\nthe main config";
/// Evidence read from a host file that tries to run a script in the report.
const HOSTILE_OBSERVED: &str =
    "Banner <script>document.title='pwned'</script> [x](http://evil.example) `tick`";
/// The synthetic framework's official text: a query string to escape in HTML and Markdown.
const FRAMEWORK_URL: &str = "https://example.org/toolkit?edition=2024-25&view=all";
/// Requirements of the synthetic framework: id and title.
const REQUIREMENTS: [(&str, &str); 3] = [
    ("1.1", "Privileged access is restricted"),
    ("1.2", "Privileged actions are logged"),
    ("2.1", "Staff complete data security training"),
];

/// A reference to a requirement of the synthetic framework.
fn req_ref(id: &str) -> RequirementRef {
    let (id, title) = REQUIREMENTS
        .iter()
        .find(|(r, _)| *r == id)
        .unwrap_or_else(|| panic!("no requirement {id}"));
    RequirementRef {
        framework: "dspt-test".into(),
        id: id.to_string(),
        title: title.to_string(),
    }
}

fn mapped(check: &str, why: &str, outcome: Outcome) -> MappedCheck {
    MappedCheck {
        check: check.into(),
        why: why.into(),
        outcome,
    }
}

fn ev(source: &str, line: Option<usize>, observed: &str, expected: &str) -> Evidence {
    Evidence::new(EvidenceSource::file(source, line), observed, expected)
}

#[allow(clippy::too_many_arguments)]
fn finding(
    check: &str,
    title: &str,
    severity: Severity,
    outcome: Outcome,
    reason: &str,
    evidence: Vec<Evidence>,
    needs_root: bool,
    requirements: &[&str],
) -> ReportFinding {
    let mut commands = BTreeMap::new();
    commands.insert(
        "debian".to_string(),
        format!("sudo ward-fix {check}\nsudo systemctl reload ssh"),
    );
    commands.insert("rhel".to_string(), format!("sudo ward-fix {check}"));
    commands.insert(
        "alpine".to_string(),
        format!("doas ward-fix {check} && rc-service sshd reload"),
    );
    ReportFinding {
        check: check.into(),
        title: title.into(),
        severity,
        outcome,
        evaluated_outcome: outcome,
        reason: reason.into(),
        evidence,
        items: if check == "ssh.banner" {
            vec![
                ward::eval::FindingItem {
                    subject: "/etc/issue.net".into(),
                    outcome: Outcome::Fail,
                    fields: [("mode".to_string(), "0644".to_string())].into(),
                },
                ward::eval::FindingItem {
                    subject: "/etc/issue|<i>x</i>".into(),
                    outcome: Outcome::Pass,
                    fields: [("mode".to_string(), "0640".to_string())].into(),
                },
            ]
        } else {
            Vec::new()
        },
        needs_root,
        parameters: if check == "ssh.root-login" {
            [(
                "max_auth_tries".to_string(),
                ward::catalogue::ParamUse {
                    value: ward::catalogue::ParamValue::Integer(3),
                    source: ward::catalogue::ParamSource::Profile("strict|<b>".into()),
                },
            )]
            .into_iter()
            .collect()
        } else {
            BTreeMap::new()
        },
        rationale: format!("Why {check} matters: attackers & auditors both look here."),
        remediation: RemediationOut {
            steps: format!("Change the setting checked by {check}.\nThen reload the service."),
            order: ward::report::command_order(
                commands.keys().map(String::as_str),
                Some(Family::Debian),
            ),
            commands,
        },
        requirements: requirements.iter().map(|id| req_ref(id)).collect(),
    }
}

fn counts(pairs: &[(Outcome, usize)]) -> BTreeMap<Outcome, usize> {
    pairs.iter().copied().collect()
}

/// A small report: one framework with three requirements, one finding per outcome (two
/// failures), hostile strings from the host, fixed timestamps.
fn synthetic() -> Report {
    use Outcome::*;
    let findings = vec![
        finding(
            "ssh.root-login",
            "SSH does not permit root login",
            Severity::Critical,
            Fail,
            HOSTILE_REASON,
            vec![ev(
                "/etc/ssh/sshd_config",
                Some(32),
                "PermitRootLogin yes",
                "no | prohibit-password",
            )],
            false,
            &["1.1"],
        ),
        finding(
            "ssh.banner",
            "SSH shows the approved banner",
            Severity::Low,
            Fail,
            "the banner is not the approved text",
            vec![
                ev(
                    "/etc/issue.net",
                    Some(1),
                    HOSTILE_OBSERVED,
                    "Authorised use only",
                ),
                ev("sshd default", None, "Banner none", "Banner /etc/issue.net"),
            ],
            false,
            &[],
        ),
        finding(
            "audit.rules",
            "Audit rules are loaded",
            Severity::High,
            Error,
            "reading /etc/audit/audit.rules: permission denied",
            vec![],
            true,
            &["1.2"],
        ),
        finding(
            "ssh.password-auth",
            "SSH does not accept passwords",
            Severity::High,
            Pass,
            "PasswordAuthentication is no",
            vec![ev(
                "/etc/ssh/sshd_config",
                Some(58),
                "PasswordAuthentication no",
                "no",
            )],
            false,
            &["1.1"],
        ),
        finding(
            "web.tls-protocols",
            "Web server offers only TLS 1.2 and later",
            Severity::Medium,
            NotApplicable,
            "nginx is not installed",
            vec![ev(
                "dpkg status",
                None,
                "nginx: not installed",
                "nginx installed",
            )],
            false,
            &[],
        ),
        finding(
            "backup.offsite",
            "Backups are kept off site",
            Severity::Medium,
            Manual,
            "needs a person to answer",
            vec![],
            false,
            &[],
        ),
        finding(
            "staff.training",
            "Staff have completed data security training",
            Severity::Info,
            Attested,
            "attested by J. Smith until 2025-12-31",
            vec![],
            false,
            &[],
        ),
        finding(
            "net.ipv6-disabled",
            "IPv6 is disabled where unused",
            Severity::Medium,
            Waived,
            "waived: clinical devices need IPv6 (approved by CISO until 2025-06-30)",
            vec![ev(
                "/proc/sys/net/ipv6/conf/all/disable_ipv6",
                None,
                "0",
                "1",
            )],
            false,
            &[],
        ),
    ];
    let requirements = vec![
        RequirementResult {
            id: "1.1".into(),
            title: "Privileged access is restricted".into(),
            group: Some("Managing access".into()),
            coverage: Coverage::Automated,
            status: RequirementStatus::NotMet,
            checks: vec!["ssh.root-login".into(), "ssh.password-auth".into()],
            mapped: vec![
                mapped(
                    "ssh.root-login",
                    "administrators log in as themselves, not as <shared> root | [sic]",
                    Fail,
                ),
                mapped(
                    "ssh.password-auth",
                    "remote logins need a key, not a guessable password",
                    Pass,
                ),
            ],
            counts: counts(&[(Fail, 1), (Pass, 1)]),
            question: None,
            evidence_expected: None,
            aliases: vec![],
            edition: None,
            unconfirmed: None,
            attestation: None,
        },
        RequirementResult {
            id: "1.2".into(),
            title: "Privileged actions are logged".into(),
            group: Some("Managing access".into()),
            coverage: Coverage::Partial,
            status: RequirementStatus::Unknown,
            checks: vec!["audit.rules".into()],
            mapped: vec![mapped(
                "audit.rules",
                "privileged actions are recorded for later review",
                Error,
            )],
            counts: counts(&[(Error, 1)]),
            question: Some("Are audit logs reviewed every month?".into()),
            evidence_expected: Some("The review log for the last three months.".into()),
            aliases: vec!["1.2-old".into()],
            edition: Some("2019".into()),
            unconfirmed: Some("title read in a <third-party> copy | not the original".into()),
            attestation: None,
        },
        RequirementResult {
            id: "2.1".into(),
            title: "Staff complete data security training".into(),
            group: Some("Staff <responsibilities>".into()),
            coverage: Coverage::Manual,
            status: RequirementStatus::Attested,
            checks: vec![],
            mapped: vec![],
            counts: BTreeMap::new(),
            question: Some(
                "Have 95% of staff completed training this year?\nWho keeps the records?".into(),
            ),
            evidence_expected: Some("Training records & the <LMS> export.".into()),
            aliases: vec![],
            edition: None,
            unconfirmed: None,
            attestation: Some(ward::attest::Attestation {
                framework: "dspt-test".into(),
                requirement: "2.1".into(),
                answer: ward::attest::Answer::Met,
                owner: "Head of <b>Training</b> | IG".into(),
                date: "2026-01-05".into(),
                expires: "2027-01-04".into(),
                evidence: vec![
                    ward::attest::EvidenceRef::Document(
                        "LMS export [Q4](http://evil.example/x)".into(),
                    ),
                    ward::attest::EvidenceRef::Ticket("IG-42".into()),
                ],
                notes: None,
                origin: "attest.yaml:2".into(),
                expired: false,
                not_yet_given: false,
            }),
        },
    ];
    let mut failed_by_severity = BTreeMap::new();
    for s in Severity::ALL {
        failed_by_severity.insert(s, 0);
    }
    failed_by_severity.insert(Severity::Critical, 1);
    failed_by_severity.insert(Severity::Low, 1);
    Report {
        schema_version: 1,
        tool: ToolInfo {
            name: "ward".into(),
            version: "0.0.0-test".into(),
        },
        generated_at: "2025-01-15T10:30:00Z".into(),
        software: Some(software()),
        redacted: false,
        host: HostSection {
            hostname: Some("pas-db01 | <b>prod</b>".into()),
            os: Some("Debian GNU/Linux 12 (bookworm)".into()),
            family: Some(Family::Debian),
            root: "/".into(),
            live: true,
            collected_at: "2025-01-15T10:29:41Z".into(),
            privileged: false,
            collector_version: "0.0.0-test".into(),
            facts_digest: "sha256:9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b"
                .into(),
            source: Source {
                kind: SourceKind::Scan,
                bundle_digest: None,
                collected_at: "2025-01-15T10:29:41Z".into(),
                collected_by: "0.0.0-test".into(),
            },
        },
        catalogue: CatalogueSection {
            digest: "sha256:3f1c6a0e9b2d4c5e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e"
                .into(),
            sources: vec!["builtin".into(), "/etc/ward/controls".into()],
            profile: Some("gp-practice".into()),
            checks: findings.len(),
            replaced: vec![Replacement {
                kind: "check".into(),
                id: "ssh.banner".into(),
                by: "/etc/ward/controls/checks/site.yaml:3".into(),
                replaced: "builtin:checks/ssh.yaml:120".into(),
            }],
            parameters: BTreeMap::from([
                (
                    "max_auth_tries".to_string(),
                    ward::catalogue::ParamUse {
                        value: ward::catalogue::ParamValue::Integer(3),
                        source: ward::catalogue::ParamSource::Profile("gp-practice".into()),
                    },
                ),
                (
                    "log_file_mode".to_string(),
                    ward::catalogue::ParamUse {
                        value: ward::catalogue::ParamValue::Text("0640".into()),
                        source: ward::catalogue::ParamSource::Default,
                    },
                ),
            ]),
        },
        summary: Summary {
            total: 8,
            pass: 1,
            fail: 2,
            error: 1,
            not_applicable: 1,
            manual: 1,
            attested: 1,
            waived: 1,
            failed_by_severity,
            needs_root: vec!["audit.rules".into()],
        },
        findings,
        frameworks: vec![FrameworkResult {
            id: "dspt-test".into(),
            scope: "dspt-test".into(),
            title: "Test Toolkit".into(),
            edition: "2024-25".into(),
            publisher: "Example Publisher".into(),
            url: Some(FRAMEWORK_URL.into()),
            notes: Some("Synthetic framework for tests.".into()),
            summary: FrameworkSummary {
                total: 3,
                met: 0,
                not_met: 1,
                unknown: 1,
                needs_attestation: 0,
                attested: 1,
                not_applicable: 0,
                expired_attestations: 0,
            },
            requirements,
        }],
    }
}

/// A software section with host-controlled strings (package names and versions come from
/// the scanned host's package database) that try to break tables and inject markup.
fn software() -> ward::feeds::assess::Software {
    use ward::feeds::assess::*;
    use ward::feeds::eol::EolStatus;
    Software {
        assessed_on: "2025-01-15".into(),
        feeds: vec![
            FeedStatus {
                kind: "osv".into(),
                source: "https://mirror.example/osv/Debian.zip".into(),
                date: "2025-01-14T22:00:00Z".into(),
                obtained: "2025-01-15T01:00:00Z".into(),
                records: 41235,
                sha256: "ab".repeat(32),
                embedded: false,
                age_days: Some(1),
                stale: false,
            },
            FeedStatus {
                kind: "kev".into(),
                source: "CISA Known Exploited Vulnerabilities catalogue".into(),
                date: "2024-11-01T17:00:00Z".into(),
                obtained: "2024-11-02T01:00:00Z".into(),
                records: 1238,
                sha256: "cd".repeat(32),
                embedded: true,
                age_days: Some(75),
                stale: true,
            },
        ],
        max_feed_age_days: 30,
        feed_problems: vec![],
        packages: Some(812),
        package_format: Some("dpkg".into()),
        ecosystem: Some("Debian:12".into()),
        vulnerabilities_error: None,
        vulnerable: vec![Vulnerability {
            package: "libfoo|<script>alert(2)</script>".into(),
            source_package: "foo".into(),
            installed: "1.0-1 | 2".into(),
            fixed: Some("1.0-1+deb12u1".into()),
            advisory: "DSA-5999-1".into(),
            summary: "foo - security update".into(),
            cves: vec!["CVE-2024-0001".into(), "CVE-2024-0002".into()],
            severity: "unknown".into(),
            severity_given: None,
            published: "2024-12-01".into(),
            days_outstanding: Some(45),
            kev: vec![KevFlag {
                cve: "CVE-2024-0002".into(),
                name: "Foo remote code execution".into(),
                date_added: "2024-12-10".into(),
                due_date: "2024-12-31".into(),
                ransomware: true,
            }],
            origin: ward::facts::Origin::at("/var/lib/dpkg/status", 1207),
        }],
        uncertain: vec![],
        os_eol: Some(EolStatus {
            subject: "operating system".into(),
            product: "debian".into(),
            cycle: "12".into(),
            eol: "2026-06-10".into(),
            ended: false,
            known: true,
            origin: None,
        }),
        os_eol_error: None,
        software_eol: vec![EolStatus {
            subject: "python3.9".into(),
            product: "python".into(),
            cycle: "3.9".into(),
            eol: "2025-10-31".into(),
            ended: false,
            known: true,
            origin: Some(ward::facts::Origin::at("/var/lib/dpkg/status", 3301)),
        }],
        software_eol_error: None,
        pending: Some(PendingSummary {
            manager: "apt".into(),
            security_known: true,
            indexes: 4,
            updates: vec![PendingUpdate {
                package: "libfoo".into(),
                installed: "1.0-1".into(),
                candidate: "1.0-1+deb12u1".into(),
                security: true,
                available_since: Some("2024-12-01T18:00:00Z".into()),
                days_waiting: Some(45),
            }],
            refreshed_at: Some("2025-01-14T18:00:00Z".into()),
            refreshed_from: Some("/var/lib/apt/lists/security.debian.org_debian-security_dists_bookworm-security_InRelease".into()),
            refreshed_days_ago: Some(1),
            warnings: vec![],
        }),
        pending_error: None,
    }
}

fn render(report: &Report, format: Format) -> String {
    Renderer::new(None)
        .expect("built-in templates compile")
        .render(report, format)
        .expect("report renders")
}

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object()
        .unwrap_or_else(|| panic!("expected an object, got {v}"))
        .keys()
        .map(String::as_str)
        .collect()
}

#[track_caller]
fn assert_keys(v: &Value, what: &str, expected: &[&str]) {
    let expected: BTreeSet<&str> = expected.iter().copied().collect();
    assert_eq!(keys(v), expected, "field names of {what}");
}

#[test]
fn json_has_exactly_the_contract_field_names() {
    let report = synthetic();
    let text = render(&report, Format::Json);
    let v: Value = serde_json::from_str(&text).unwrap();

    assert_keys(
        &v,
        "the report",
        &[
            "schema_version",
            "tool",
            "generated_at",
            "host",
            "catalogue",
            "findings",
            "frameworks",
            "summary",
            "software",
            "redacted",
        ],
    );
    assert_keys(
        &v["software"],
        "software",
        &[
            "assessed_on",
            "feeds",
            "max_feed_age_days",
            "feed_problems",
            "packages",
            "package_format",
            "ecosystem",
            "vulnerabilities_error",
            "vulnerable",
            "uncertain",
            "os_eol",
            "os_eol_error",
            "software_eol",
            "software_eol_error",
            "pending",
            "pending_error",
        ],
    );
    assert_keys(
        &v["software"]["vulnerable"][0],
        "software.vulnerable[]",
        &[
            "package",
            "source_package",
            "installed",
            "fixed",
            "advisory",
            "summary",
            "cves",
            "severity",
            "severity_given",
            "published",
            "days_outstanding",
            "kev",
            "origin",
        ],
    );
    assert_keys(
        &v["software"]["vulnerable"][0]["kev"][0],
        "software.vulnerable[].kev[]",
        &["cve", "name", "date_added", "due_date", "ransomware"],
    );
    assert_keys(
        &v["software"]["feeds"][0],
        "software.feeds[]",
        &[
            "kind", "source", "date", "obtained", "records", "sha256", "embedded", "age_days",
            "stale",
        ],
    );
    assert_keys(
        &v["software"]["software_eol"][0],
        "software.software_eol[]",
        &[
            "subject", "product", "cycle", "eol", "ended", "known", "origin",
        ],
    );
    assert_keys(
        &v["software"]["pending"],
        "software.pending",
        &[
            "manager",
            "security_known",
            "indexes",
            "updates",
            "refreshed_at",
            "refreshed_from",
            "refreshed_days_ago",
            "warnings",
        ],
    );
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["redacted"], false);
    assert_keys(&v["tool"], "tool", &["name", "version"]);
    assert_keys(
        &v["host"],
        "host",
        &[
            "hostname",
            "os",
            "family",
            "root",
            "live",
            "collected_at",
            "privileged",
            "collector_version",
            "facts_digest",
            "source",
        ],
    );
    assert_keys(
        &v["host"]["source"],
        "host.source",
        &["kind", "bundle_digest", "collected_at", "collected_by"],
    );
    assert_eq!(v["host"]["source"]["kind"], "scan");
    assert!(v["host"]["facts_digest"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
    assert_keys(
        &v["catalogue"],
        "catalogue",
        &[
            "digest",
            "sources",
            "profile",
            "checks",
            "replaced",
            "parameters",
        ],
    );
    assert_keys(
        &v["catalogue"]["replaced"][0],
        "a replaced item",
        &["kind", "id", "by", "replaced"],
    );

    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 8);
    for f in findings {
        assert_keys(
            f,
            "a finding",
            &[
                "check",
                "title",
                "severity",
                "outcome",
                "evaluated_outcome",
                "reason",
                "evidence",
                "items",
                "parameters",
                "needs_root",
                "rationale",
                "remediation",
                "requirements",
            ],
        );
        assert_keys(
            &f["remediation"],
            "remediation",
            &["steps", "commands", "order"],
        );
        for r in f["requirements"].as_array().unwrap() {
            assert_keys(r, "a requirement reference", &["framework", "id", "title"]);
        }
        for e in f["evidence"].as_array().unwrap() {
            assert_keys(
                e,
                "evidence",
                &["source", "kind", "line", "observed", "expected"],
            );
            let kinds = [
                "file",
                "search",
                "command",
                "runtime",
                "default",
                "derived",
                "collector",
                "catalogue",
            ];
            assert!(kinds.contains(&e["kind"].as_str().unwrap()), "{e}");
        }
    }
    // Enum values are the documented snake-case strings.
    let outcomes: BTreeSet<&str> = findings
        .iter()
        .map(|f| f["outcome"].as_str().unwrap())
        .collect();
    let expected: BTreeSet<&str> = [
        "pass",
        "fail",
        "error",
        "not_applicable",
        "manual",
        "attested",
        "waived",
    ]
    .into();
    assert_eq!(outcomes, expected);
    assert_eq!(findings[0]["severity"], "critical");
    assert_eq!(findings[0]["evidence"][0]["line"], 32);
    assert_eq!(findings[1]["evidence"][1]["line"], Value::Null);
    assert_eq!(findings[0]["reason"], HOSTILE_REASON);
    assert_eq!(
        findings[0]["requirements"],
        serde_json::json!([{
            "framework": "dspt-test",
            "id": "1.1",
            "title": "Privileged access is restricted"
        }])
    );

    let frameworks = v["frameworks"].as_array().unwrap();
    assert_eq!(frameworks.len(), 1);
    let fw = &frameworks[0];
    assert_keys(
        fw,
        "a framework",
        &[
            "id",
            "title",
            "edition",
            "publisher",
            "url",
            "notes",
            "requirements",
            "summary",
            "scope",
        ],
    );
    assert_eq!(fw["url"], FRAMEWORK_URL);
    assert_keys(
        &fw["summary"],
        "a framework summary",
        &[
            "total",
            "met",
            "not_met",
            "unknown",
            "needs_attestation",
            "attested",
            "not_applicable",
            "expired_attestations",
        ],
    );
    for r in fw["requirements"].as_array().unwrap() {
        assert_keys(
            r,
            "a requirement",
            &[
                "id",
                "title",
                "group",
                "coverage",
                "status",
                "checks",
                "mapped",
                "counts",
                "question",
                "evidence_expected",
                "aliases",
                "edition",
                "unconfirmed",
                "attestation",
            ],
        );
        // `mapped` holds the same checks as `checks`, in the same order.
        let mapped = r["mapped"].as_array().unwrap();
        for m in mapped {
            assert_keys(m, "a mapped check", &["check", "why", "outcome"]);
        }
        let ids: Vec<&Value> = mapped.iter().map(|m| &m["check"]).collect();
        let checks: Vec<&Value> = r["checks"].as_array().unwrap().iter().collect();
        assert_eq!(ids, checks);
    }
    let statuses: Vec<&str> = fw["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["not_met", "unknown", "attested"]);
    assert_eq!(fw["requirements"][0]["coverage"], "automated");
    assert_eq!(fw["requirements"][0]["counts"]["fail"], 1);
    assert_eq!(fw["requirements"][0]["counts"]["pass"], 1);
    assert_eq!(fw["requirements"][0]["mapped"][0]["outcome"], "fail");
    assert_eq!(
        fw["requirements"][1]["mapped"][0]["why"],
        "privileged actions are recorded for later review"
    );

    assert_keys(
        &v["summary"],
        "summary",
        &[
            "total",
            "pass",
            "fail",
            "error",
            "not_applicable",
            "manual",
            "attested",
            "waived",
            "failed_by_severity",
            "needs_root",
        ],
    );
    assert_keys(
        &v["summary"]["failed_by_severity"],
        "failed_by_severity",
        &["critical", "high", "medium", "low", "info"],
    );
    assert_eq!(v["summary"]["total"], 8);
    assert_eq!(v["summary"]["needs_root"][0], "audit.rules");

    // The JSON reads back into the same report.
    let back: Report = serde_json::from_str(&text).unwrap();
    assert_eq!(back, report);
}

#[test]
fn html_escapes_report_data_and_is_self_contained() {
    let html = render(&synthetic(), Format::Html);
    assert!(
        !html.contains("<script"),
        "no script element may reach the HTML"
    );
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;"),
        "reason shown as text"
    );
    assert!(
        html.contains("&lt;script&gt;document.title="),
        "evidence shown as text"
    );
    assert!(!html.contains("<b>prod</b>"), "host name markup is escaped");
    assert!(html.contains("pas-db01 | &lt;b&gt;prod&lt;&#x2F;b&gt;"));
    for external in [
        "src=\"http",
        "src='http",
        "href='http",
        "@import",
        "url(",
        "<link",
        "<img",
        "<iframe",
    ] {
        assert!(
            !html.contains(external),
            "HTML must not reference {external}"
        );
    }
    // The one outside address is a link (not a resource): the framework title to its
    // official text, escaped.
    assert_eq!(html.matches("href=\"http").count(), 1);
    assert!(html.contains(
        "<a class=\"ext\" href=\"https:&#x2F;&#x2F;example.org&#x2F;toolkit?edition=2024-25&amp;view=all\" \
         rel=\"noopener noreferrer\">Test Toolkit</a>"
    ));
    // The header names both digests; each mapped check shows why it counts, escaped.
    assert!(html.contains("<code>sha256:9a8b7c6d5e4f"));
    assert!(html.contains(
        "<span class=\"why\">administrators log in as themselves, not as &lt;shared&gt; root | [sic]</span>"
    ));
    // Frameworks link to findings, and findings to requirements.
    for anchor in [
        "id=\"finding-ssh.root-login\"",
        "href=\"#finding-ssh.root-login\"",
        "id=\"req-dspt-test-1.1\"",
        "href=\"#req-dspt-test-1.1\"",
        "id=\"framework-dspt-test\"",
        "id=\"outcome-fail\"",
        "id=\"needs-root\"",
    ] {
        assert!(html.contains(anchor), "missing {anchor}");
    }
    // Failures come first, then errors, then passes.
    let pos = |s: &str| html.find(s).unwrap_or_else(|| panic!("missing {s}"));
    assert!(pos("id=\"outcome-fail\"") < pos("id=\"outcome-error\""));
    assert!(pos("id=\"outcome-error\"") < pos("id=\"outcome-pass\""));
    assert!(pos("id=\"outcome-pass\"") < pos("id=\"outcome-not_applicable\""));
    assert!(pos("id=\"outcome-not_applicable\"") < pos("id=\"outcome-manual\""));
}

#[test]
fn markdown_keeps_tables_intact() {
    let md = render(&synthetic(), Format::Markdown);
    assert!(
        !md.contains("<script"),
        "raw HTML from report data must not reach Markdown"
    );
    assert!(!md.contains('\r'));
    // Each evidence and requirement row is one line with the right number of cells.
    for line in md.lines().filter(|l| l.starts_with("| ")) {
        let cells = line.replace("\\|", "").matches('|').count();
        assert!(
            [3, 4, 6, 7, 8, 10].contains(&cells),
            "row with a broken cell count: {line}"
        );
    }
    assert!(md.contains("alert(1)&lt;/script> \\| set in  the main config"));
    assert!(md.contains(
        "## [Test Toolkit](https://example.org/toolkit?edition=2024-25&view=all) 2024-25"
    ));
    assert!(md.contains("| Facts digest | `sha256:9a8b7c6d5e4f"));
    assert!(md.contains(
        "`ssh.root-login` (fail) — administrators log in as themselves, not as &lt;shared> root \\| \\[sic\\]"
    ));
    assert!(
        md.contains("**Framework requirements:** dspt-test 1.1 (Privileged access is restricted)")
    );
}

#[test]
fn only_http_framework_urls_become_links() {
    let mut report = synthetic();
    report.frameworks[0].url = Some("javascript:alert(document.domain)".into());
    let html = render(&report, Format::Html);
    assert!(
        !html.contains("href=\"javascript"),
        "a javascript: URL was linked"
    );
    assert!(html.contains("official text: javascript:alert(document.domain)"));
    let md = render(&report, Format::Markdown);
    assert!(!md.contains("](javascript"), "a javascript: URL was linked");
    assert!(md.contains("## Test Toolkit 2024-25"));

    report.frameworks[0].url = None;
    let html = render(&report, Format::Html);
    assert!(!html.contains("class=\"ext\"") && !html.contains("official text"));
    let md = render(&report, Format::Markdown);
    assert!(md.contains("## Test Toolkit 2024-25") && !md.contains("official text"));

    // A Markdown link destination cannot be ended or broken out of.
    assert_eq!(
        md_url("https://example.org/a b(c)<d>[e]|`f`\"g'\\h"),
        "https://example.org/a%20b%28c%29%3Cd%3E%5Be%5D%7C%60f%60%22g%27%5Ch"
    );
    assert_eq!(
        md_url("http://example.org/\r\n"),
        "http://example.org/%0D%0A"
    );
    assert_eq!(md_url(" https://example.org/"), "");
    assert_eq!(md_url("ftp://example.org/"), "");
    assert_eq!(md_url("javascript:alert(1)"), "");
}

#[test]
fn markdown_filters_escape_hostile_text() {
    // (input, md_cell, md_code, md_prose with a list indent)
    let cases = [
        ("", "", "(empty)", ""),
        ("plain", "plain", "`plain`", "plain"),
        (
            "a\\b & c < d | [e] `f`\r\ng",
            "a\\\\b &amp; c &lt; d \\| \\[e\\] \\`f\\`  g",
            "a\\\\b &amp; c &lt; d \\| \\[e\\] \\`f\\`  g",
            "a\\b &amp; c &lt; d | [e] `f`\r\n  g",
        ),
        (
            "see https://evil.example/x or www.evil.example, mail root@evil.example",
            "see https\\://evil.example/x or www\\.evil.example, mail root\\@evil.example",
            "`see https://evil.example/x or www.evil.example, mail root@evil.example`",
            "see https://evil.example/x or www.evil.example, mail root@evil.example",
        ),
        ("mailto:a", "mailto\\:a", "`mailto:a`", "mailto:a"),
        ("x | y\n", "x \\| y ", "`x \\| y `", "x | y\n  "),
    ];
    for (input, cell, code, prose) in cases {
        assert_eq!(md_cell(input), cell, "md_cell({input:?})");
        assert_eq!(md_code(input), code, "md_code({input:?})");
        assert_eq!(md_prose(input, "  "), prose, "md_prose({input:?})");
    }
}

/// Cell delimiters of a Markdown table row as cmark-gfm splits it: its cell scanner
/// `(escaped_char | [^|\r\n])+` takes the longest match, so a `|` directly after a
/// backslash is always part of the cell, whatever comes before that backslash.
fn cell_count(line: &str) -> usize {
    let b = line.as_bytes();
    (0..b.len())
        .filter(|&i| b[i] == b'|' && (i == 0 || b[i - 1] != b'\\'))
        .count()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Whatever a host name and an evidence value hold, the shipped Markdown template keeps
    /// every table row intact, and no control or bidi character, raw HTML or autolink from
    /// them reaches the text.
    #[test]
    fn shipped_markdown_template_contains_any_host_text(
        chars in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::sample::select(vec!['\\', '&', '<', '>', '|', '[', ']', '`', '\r', '\n',
                    ' ', 'a', ':', '/', '@', '.', 'w', '\u{1b}', '\u{7}', '\u{85}', '\u{202e}', '\u{2066}']),
                proptest::prelude::any::<char>(),
            ],
            0..40,
        )
    ) {
        let s: String = chars.into_iter().collect();
        let mut report = synthetic();
        report.host.hostname = Some(s.clone());
        report.findings[0].evidence[0].observed = s.clone();
        report.findings[0].reason = s.clone();
        let md = render(&report, Format::Markdown);
        let baseline = render(&synthetic(), Format::Markdown);
        let rows = |t: &str| -> Vec<usize> {
            t.lines().filter(|l| l.starts_with("| ")).map(cell_count).collect()
        };
        proptest::prop_assert_eq!(rows(&md), rows(&baseline));
        proptest::prop_assert!(!md.chars().any(ward::report::needs_neutralising));
        proptest::prop_assert!(!md.contains("<script"));
    }

    /// The byte-wise check for ASCII text agrees with the character-wise one.
    #[test]
    fn has_neutralisable_agrees_with_needs_neutralising(
        chars in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::strategy::Strategy::prop_map(0u8..0x80, char::from),
                proptest::sample::select(vec!['\u{85}', '\u{9f}', '\u{a0}', '\u{202e}', 'é']),
            ],
            0..24,
        )
    ) {
        let s: String = chars.into_iter().collect();
        proptest::prop_assert_eq!(
            ward::report::has_neutralisable(&s),
            s.chars().any(ward::report::needs_neutralising)
        );
    }
}

#[test]
fn empty_report_renders_in_every_format() {
    let mut report = synthetic();
    report.host.hostname = None;
    report.host.os = None;
    report.host.live = false;
    report.host.root = "/mnt/image".into();
    report.host.privileged = true;
    report.catalogue.profile = None;
    report.catalogue.sources.clear();
    report.catalogue.checks = 0;
    report.findings.clear();
    report.frameworks.clear();
    report.summary = Summary {
        total: 0,
        pass: 0,
        fail: 0,
        error: 0,
        not_applicable: 0,
        manual: 0,
        attested: 0,
        waived: 0,
        failed_by_severity: Severity::ALL.iter().map(|s| (*s, 0)).collect(),
        needs_root: vec![],
    };
    let html = render(&report, Format::Html);
    assert!(html.contains("Unnamed host") && html.contains("No checks were evaluated."));
    assert!(!html.contains("id=\"needs-root\""));
    let md = render(&report, Format::Markdown);
    assert!(md.contains("No checks were evaluated."));
    assert!(!md.contains("Needs root"));
    let term = terminal::summary(&report, false);
    assert!(
        term.contains("unknown host") && term.contains("0 checks"),
        "{term}"
    );
    assert!(
        !term.contains("Failed checks") && !term.contains("Frameworks"),
        "{term}"
    );
    let json: Value = serde_json::from_str(&render(&report, Format::Json)).unwrap();
    assert_eq!(json["host"]["hostname"], Value::Null);
}

#[test]
fn snapshot_markdown() {
    insta::assert_snapshot!("report_md", render(&synthetic(), Format::Markdown));
}

#[test]
fn snapshot_html() {
    insta::assert_snapshot!("report_html", render(&synthetic(), Format::Html));
}

#[test]
fn snapshot_terminal() {
    insta::assert_snapshot!("terminal_summary", terminal::summary(&synthetic(), false));
}

#[test]
fn terminal_colour_is_optional_and_host_escapes_are_neutralised() {
    let mut report = synthetic();
    report.findings[0].title = "evil \x1b]0;owned\x07 title".into();
    let plain = terminal::summary(&report, false);
    assert!(
        !plain.contains('\x1b'),
        "plain output has no escape sequences:\n{plain}"
    );
    assert!(plain.contains("evil \\u{1b}]0;owned\\u{7} title"));
    let coloured = terminal::summary(&report, true);
    assert!(
        coloured.contains("\x1b["),
        "coloured output has ANSI styles"
    );
    assert!(
        !coloured.contains("\x1b]0;"),
        "host data cannot inject escapes"
    );
    assert_eq!(strip_ansi(&coloured), plain);
}

#[test]
fn terminal_caps_long_lists() {
    let mut report = synthetic();
    let template = report.findings[0].clone();
    for i in 0..30 {
        let mut f = template.clone();
        f.check = format!("extra.fail-{i:02}");
        report.findings.push(f);
    }
    let out = terminal::summary(&report, false);
    assert!(out.contains("... and 12 more"), "{out}");
    let listed = out
        .lines()
        .filter(|l| l.starts_with("  CRITICAL") || l.starts_with("  LOW"))
        .count();
    assert_eq!(listed, 20, "{out}");
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Run a command, killing it if it outlives `limit`; returns its stdout.
fn run_with_timeout(cmd: &mut Command, limit: Duration) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("stdout");
    let out_file = std::fs::File::create(&out_path).unwrap();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(out_file)
        .stderr(Stdio::null())
        .spawn()
        .expect("starting chromium");
    let start = Instant::now();
    loop {
        match child.try_wait().unwrap() {
            Some(status) => {
                assert!(status.success(), "chromium exited with {status}");
                break;
            }
            None if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium did not finish within {limit:?}");
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    std::fs::read_to_string(&out_path).unwrap()
}

#[test]
#[allow(clippy::print_stderr)]
fn browser_shows_hostile_strings_as_text() {
    let chromium = Path::new("/usr/bin/chromium");
    if !chromium.exists() {
        if std::env::var_os("CI").is_some() {
            panic!("/usr/bin/chromium is missing: scripts/test must install chromium for the browser test");
        }
        eprintln!("note: /usr/bin/chromium not found; skipping the browser test");
        return;
    }
    let html = render(&synthetic(), Format::Html);
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, &html).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let dom = run_with_timeout(
        Command::new(chromium)
            .arg("--headless")
            .arg("--no-sandbox")
            .arg("--disable-gpu")
            .arg("--disable-background-networking")
            .arg("--disable-component-update")
            .arg("--disable-sync")
            .arg("--no-first-run")
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("--dump-dom")
            .arg(format!("file://{}", page.display())),
        Duration::from_secs(60),
    );
    assert!(dom.contains("<body"), "chromium returned no DOM:\n{dom}");
    // The hostile strings are text nodes, serialised escaped; no script element exists.
    assert!(
        dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "reason missing as text"
    );
    assert!(dom.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;"));
    assert!(!dom.contains("<script"), "a script element reached the DOM");
    let title_start = dom.find("<title>").expect("DOM has a title") + "<title>".len();
    let title_end = dom[title_start..].find("</title>").unwrap() + title_start;
    let title = &dom[title_start..title_end];
    assert!(!title.contains("pwned"), "title was changed: {title}");
    assert!(
        title.starts_with("Ward compliance report: pas-db01 | &lt;b&gt;prod&lt;/b&gt;"),
        "{title}"
    );
}

/// `render_all` (what `ward scan` uses: one context, HTML and Markdown side by side) gives
/// the very text `render` gives for each format, in the order asked, after `prepare` or not.
#[test]
fn render_all_matches_render_for_every_format() {
    let report = synthetic();
    for formats in [
        vec![Format::Html, Format::Markdown, Format::Json],
        vec![Format::Json, Format::Markdown],
        vec![Format::Markdown, Format::Json, Format::Html],
        vec![Format::Html, Format::Json],
        vec![Format::Markdown],
        vec![Format::Json],
        vec![],
    ] {
        let renderer = Renderer::new(None).unwrap();
        if formats.len() > 1 {
            renderer.prepare(&formats);
        }
        let all = renderer.render_all(&report, &formats).unwrap();
        let got: Vec<Format> = all.iter().map(|(f, _)| *f).collect();
        assert_eq!(got, formats);
        for (f, text) in all {
            assert_eq!(text, render(&report, f), "{f:?}");
        }
    }
}

/// `render_each` hands every text to the sink (what `ward scan` uses to write each report
/// as soon as it is rendered), returns the sink's results in the order asked, and stops at
/// a sink's error.
#[test]
fn render_each_hands_each_text_to_the_sink_and_returns_its_error() {
    let report = synthetic();
    let renderer = Renderer::new(None).unwrap();
    let formats = [Format::Markdown, Format::Json, Format::Html];
    let lens = renderer
        .render_each(&report, &formats, &|f, text| {
            Ok::<_, ward::report::render::RenderError>((f, text.len()))
        })
        .unwrap();
    let want: Vec<(Format, usize)> = formats
        .iter()
        .map(|&f| (f, render(&report, f).len()))
        .collect();
    assert_eq!(lens, want);
    let failed = renderer.render_each(&report, &formats, &|f, _| match f {
        Format::Json => Err(anyhow::anyhow!("disk full writing report.json")),
        _ => Ok(()),
    });
    let err = failed.unwrap_err();
    assert!(err.to_string().contains("disk full"), "{err}");
}

/// The report of one built-in check on one catalogue fixture host.
fn report_of_fixture(fixture: &str, check: &str) -> Report {
    let cat = Catalogue::builtin().unwrap();
    let mut selection = cat.select(None, &[]).unwrap();
    selection.checks.retain(|c| c == check);
    let host = ward::fixture_host::FixtureHost::from_fixture(&cat, fixture).unwrap();
    let root = host.root().unwrap();
    let facts = ward::facts::collect(&root, &cat.plan(cat.checks.get(check)));
    let findings = ward::eval::evaluate_with(&cat, &selection, ward::eval::Inputs::facts(&facts));
    Report::build(&cat, &selection, &facts, findings)
}

/// Where each family's command label starts in a rendered report, in the order shown.
fn labels_in_order(text: &str, open: &str) -> Vec<String> {
    let mut found: Vec<(usize, String)> = ["debian", "rhel", "alpine"]
        .iter()
        .filter_map(|f| text.find(&format!("{open}{f}")).map(|i| (i, f.to_string())))
        .collect();
    found.sort();
    found.into_iter().map(|(_, f)| f).collect()
}

/// Issue 7: a report shows the remediation commands of the scanned host's family first, then
/// the other families, in HTML and Markdown; JSON keeps the map and says the host's family.
#[test]
fn remediation_commands_start_with_the_host_family() {
    for (fixture, family, expected) in [
        ("base-debian", Family::Debian, ["debian", "rhel", "alpine"]),
        ("audit-alpine", Family::Alpine, ["alpine", "debian", "rhel"]),
    ] {
        let report = report_of_fixture(fixture, "kernel.aslr");
        assert_eq!(report.host.family, Some(family), "{fixture}");
        assert_eq!(report.findings.len(), 1, "{fixture}");
        assert_eq!(report.findings[0].remediation.order, expected, "{fixture}");

        let html = render(&report, Format::Html);
        assert_eq!(
            labels_in_order(&html, "<p class=\"platform\">"),
            expected,
            "{fixture}"
        );
        assert!(
            html.contains(&format!(
                "<p class=\"platform\">{} (this host)</p>",
                expected[0]
            )),
            "{fixture}"
        );
        let md = render(&report, Format::Markdown);
        assert_eq!(labels_in_order(&md, "\n\n"), expected, "{fixture}");
        assert!(
            md.contains(&format!("\n\n{} (this host):\n", expected[0])),
            "{fixture}"
        );

        let json: Value = serde_json::from_str(&render(&report, Format::Json)).unwrap();
        assert_eq!(json["host"]["family"], family.as_str(), "{fixture}");
        let commands = json["findings"][0]["remediation"]["commands"]
            .as_object()
            .unwrap();
        assert_eq!(commands.len(), 3, "{fixture}");
    }
}

/// os-release IDs and ID_LIKE map to the three families; anything else has none, and its
/// report lists the families in their fixed order.
#[test]
fn os_release_maps_to_a_family() {
    let like = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    for (id, id_like, family) in [
        (Some("debian"), like(&[]), Some(Family::Debian)),
        (Some("ubuntu"), like(&["debian"]), Some(Family::Debian)),
        (
            Some("linuxmint"),
            like(&["ubuntu", "debian"]),
            Some(Family::Debian),
        ),
        (Some("rhel"), like(&["fedora"]), Some(Family::Rhel)),
        (
            Some("rocky"),
            like(&["rhel", "centos", "fedora"]),
            Some(Family::Rhel),
        ),
        (Some("almalinux"), like(&[]), Some(Family::Rhel)),
        (Some("centos"), like(&[]), Some(Family::Rhel)),
        (Some("ol"), like(&[]), Some(Family::Rhel)),
        (Some("fedora"), like(&[]), Some(Family::Rhel)),
        (
            Some("amzn"),
            like(&["centos", "rhel", "fedora"]),
            Some(Family::Rhel),
        ),
        (Some("alpine"), like(&[]), Some(Family::Alpine)),
        (
            Some("postmarketos"),
            like(&["alpine"]),
            Some(Family::Alpine),
        ),
        (Some("opensuse-leap"), like(&["suse", "opensuse"]), None),
        (None, like(&[]), None),
    ] {
        assert_eq!(Family::of_os(id, &id_like), family, "{id:?} {id_like:?}");
    }
    let keys = ["rhel", "alpine", "debian", "other"];
    assert_eq!(
        ward::report::command_order(keys.into_iter(), None),
        ["debian", "rhel", "alpine", "other"]
    );
    assert_eq!(
        ward::report::command_order(keys.into_iter(), Some(Family::Rhel)),
        ["rhel", "debian", "alpine", "other"]
    );
}
