//! Network exposure (`listening` and `mta` probes): what the running host accepts
//! connections on, and whether the mail transfer agent is local-only.
//!
//! `listening` judges the `sockets` collector's tables: sockets bound to a loopback address
//! (127.0.0.0/8, `::1`, `::ffff:127.x`) are out of reach of other hosts and not judged;
//! every other listening TCP socket and bound, unconnected UDP socket is, by protocol and
//! port. A wildcard address (`0.0.0.0`, `::`) counts as reachable. On an image there are no
//! sockets: the probe is `not_applicable`. A table line the collector could not read makes
//! it `error`, since that line could be the listener that fails it (a listener that fails
//! on the lines that were read is a failure all the same).
//!
//! `mta` judges, for each installed MTA, the listeners its configuration sets (the `mta`
//! collector) and, on the live host, every socket on the given ports outside loopback,
//! whatever process holds it. A listener on a host name Ward does not resolve, or a
//! configuration the MTA would refuse, is `error`; never a pass.

use crate::catalogue::test::{ListeningTest, MtaTest, PortSpec};
use crate::eval::{Evidence, EvidenceSource, FindingItem, Outcome, Verdict};
use crate::facts::mta::{Mta, Scope};
use crate::facts::packages::Inventory;
use crate::facts::sockets::{Socket, Sockets};
use crate::facts::{Fact, FactError, Facts};

/// Most sockets shown as evidence one by one (every one is a row of the finding).
const MAX_EVIDENCE: usize = 50;

fn tables_source() -> EvidenceSource {
    EvidenceSource::runtime("/proc/self/net/{tcp,tcp6,udp,udp6}")
}

fn socket_evidence(s: &Socket, expected: &str) -> Evidence {
    Evidence::new(
        EvidenceSource::origin(&s.origin),
        format!(
            "{} {} {} (uid {}), {}",
            s.protocol,
            s.endpoint(),
            s.state,
            s.uid,
            s.owner()
        ),
        expected,
    )
}

fn socket_item(s: &Socket, outcome: Outcome) -> FindingItem {
    let mut fields = std::collections::BTreeMap::new();
    fields.insert("protocol".to_string(), s.protocol.clone());
    fields.insert("address".to_string(), s.address.to_string());
    fields.insert("port".to_string(), s.port.to_string());
    fields.insert("process".to_string(), s.owner());
    fields.insert("uid".to_string(), s.uid.to_string());
    FindingItem {
        subject: format!("{} {}", s.protocol, s.endpoint()),
        outcome,
        fields,
    }
}

/// What every verdict on the socket tables says first: which namespace was read, and how
/// far the owner walk got.
fn context(s: &Sockets) -> Vec<Evidence> {
    let mut ev = Vec::new();
    let mut ns = format!("network namespace {}", s.namespace);
    if s.init_namespace != s.namespace {
        if s.init_namespace.starts_with("unknown") {
            ns.push_str(&format!("; PID 1's is {}", s.init_namespace));
        } else {
            ns.push_str(&format!(
                "; PID 1's is {}: Ward runs in another namespace (a container?) and sees its sockets, not the host's",
                s.init_namespace
            ));
        }
    }
    ev.push(Evidence::new(tables_source(), ns, ""));
    for t in &s.tables {
        if let Some(n) = &t.note {
            ev.push(Evidence::new(
                EvidenceSource::runtime(&t.path),
                n.clone(),
                "",
            ));
        }
    }
    let w = &s.owners;
    if w.denied > 0 || w.stopped.is_some() {
        let mut text = format!(
            "owners: {} processes and {} descriptors examined",
            w.processes, w.descriptors
        );
        if w.denied > 0 {
            text.push_str(&format!(
                "; {} processes could not be inspected (Ward ran as uid {})",
                w.denied, w.uid
            ));
        }
        if let Some(why) = &w.stopped {
            text.push_str(&format!("; the walk stopped: {why}"));
        }
        ev.push(Evidence::new(
            EvidenceSource::runtime("/proc/[pid]/fd"),
            text,
            "",
        ));
    }
    ev
}

/// The table problems as an error verdict, if any.
fn table_problems(s: &Sockets, mut evidence: Vec<Evidence>) -> Result<Vec<Evidence>, Verdict> {
    if s.problems.is_empty() {
        return Ok(evidence);
    }
    for p in &s.problems {
        evidence.push(Evidence::new(
            EvidenceSource::origin(&p.origin),
            p.message.clone(),
            "a line as the kernel prints it",
        ));
    }
    let first = &s.problems[0];
    Err(Verdict::with(
        Outcome::Error,
        format!(
            "the socket tables could not all be read: {}: {}",
            first.origin, first.message
        ),
        evidence,
    ))
}

fn specs(list: &crate::catalogue::test::Names) -> Result<Vec<PortSpec>, Verdict> {
    list.value()
        .map_err(|e| e.to_string())
        .and_then(PortSpec::parse_all)
        .map_err(|e| Verdict::error(EvidenceSource::catalogue(), e, false))
}

fn joined(specs: &[PortSpec]) -> String {
    specs
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn listening(t: &ListeningTest, facts: &Facts) -> Verdict {
    let s = collected!(facts => Sockets, EvidenceSource::collector("listening sockets"));
    let (list, only) = match (&t.none_on, &t.only) {
        (Some(l), None) => (l, false),
        (None, Some(l)) => (l, true),
        _ => {
            return Verdict::error(
                EvidenceSource::catalogue(),
                "listening: give exactly one of `none_on` and `only`",
                false,
            )
        }
    };
    let specs = match specs(list) {
        Ok(s) => s,
        Err(v) => return v,
    };
    // A line that could not be read could hide a listener: no pass then, but a listener
    // that fails on the lines that were read is a failure all the same.
    let unreadable = table_problems(s, Vec::new()).err();
    let mut evidence = context(s);
    let exposed: Vec<&Socket> = s.sockets.iter().filter(|x| !x.is_loopback()).collect();
    let loopback = s.sockets.len() - exposed.len();
    let matched = |x: &Socket| specs.iter().any(|p| p.matches(&x.protocol, x.port));
    let bad: Vec<&Socket> = exposed
        .iter()
        .copied()
        .filter(|x| matched(x) != only)
        .collect();
    let expected = if only {
        format!("one of {}", joined(&specs))
    } else {
        format!("none of {}", joined(&specs))
    };
    for x in &bad {
        evidence.push(socket_evidence(x, &expected));
    }
    for x in exposed
        .iter()
        .filter(|x| matched(x) == only)
        .take(MAX_EVIDENCE.saturating_sub(bad.len()))
    {
        evidence.push(socket_evidence(x, &expected));
    }
    evidence.push(Evidence::new(
        tables_source(),
        format!(
            "{} listening socket(s) outside loopback, {} on loopback only (not judged)",
            exposed.len(),
            loopback
        ),
        "",
    ));
    let items: Vec<FindingItem> = exposed
        .iter()
        .map(|x| {
            socket_item(
                x,
                if bad.iter().any(|b| std::ptr::eq(*b, *x)) {
                    Outcome::Fail
                } else {
                    Outcome::Pass
                },
            )
        })
        .collect();
    let names = |v: &[&Socket]| {
        let mut seen = std::collections::BTreeSet::new();
        let l: Vec<String> = v
            .iter()
            .map(|x| {
                let who = x
                    .processes
                    .first()
                    .map(|p| format!(" ({})", p.comm))
                    .unwrap_or_default();
                format!("{} on {}{who}", x.label(), x.endpoint())
            })
            .filter(|n| seen.insert(n.clone()))
            .collect();
        l.join(", ")
    };
    if let (Some(err), true) = (&unreadable, bad.is_empty()) {
        evidence.extend(err.evidence.iter().cloned());
        return Verdict::with(Outcome::Error, err.reason.clone(), evidence).with_items(items);
    }
    if let Some(err) = &unreadable {
        evidence.extend(err.evidence.iter().cloned());
    }
    let v = if bad.is_empty() {
        Verdict::pass(
            if exposed.is_empty() {
                "nothing listens outside loopback".to_string()
            } else if only {
                format!(
                    "every socket outside loopback is approved ({})",
                    names(&exposed)
                )
            } else {
                format!(
                    "no socket outside loopback is on {} ({} other listener(s))",
                    joined(&specs),
                    exposed.len()
                )
            },
            evidence,
        )
    } else if only {
        Verdict::fail(
            format!(
                "listening outside loopback without approval: {}",
                names(&bad)
            ),
            evidence,
        )
    } else {
        Verdict::fail(
            format!(
                "listening outside loopback on a cleartext or legacy service port: {}",
                names(&bad)
            ),
            evidence,
        )
    };
    v.with_items(items)
}

/// The packages of each MTA the `mta` collector reads.
const MTA_PACKAGES: [(&str, &[&str]); 4] = [
    ("postfix", &["postfix"]),
    (
        "exim4",
        &["exim4-daemon-light", "exim4-daemon-heavy", "exim"],
    ),
    ("sendmail", &["sendmail-bin", "sendmail"]),
    ("opensmtpd", &["opensmtpd"]),
];

pub(super) fn mta(t: &MtaTest, facts: &Facts) -> Verdict {
    let inv = collected!(facts => Inventory, EvidenceSource::collector("installed packages"));
    let ports = match specs(&t.ports) {
        Ok(s) => s,
        Err(v) => return v,
    };
    let installed: Vec<(&str, String)> = MTA_PACKAGES
        .iter()
        .filter_map(|(agent, pkgs)| {
            let found: Vec<String> = pkgs
                .iter()
                .flat_map(|p| inv.named(p))
                .map(|p| format!("{} {}", p.name, p.version))
                .collect();
            (!found.is_empty()).then(|| (*agent, found.join(", ")))
        })
        .collect();
    if installed.is_empty() {
        return Verdict::with(
            Outcome::NotApplicable,
            "no mail transfer agent is installed (postfix, exim, sendmail, opensmtpd)",
            vec![Evidence::new(
                EvidenceSource::file(&inv.database, None),
                "none of postfix, exim4-daemon-light, exim4-daemon-heavy, exim, sendmail-bin, sendmail, opensmtpd installed",
                "an MTA installed",
            )],
        );
    }
    let mta =
        collected!(facts => Mta, EvidenceSource::collector("mail transfer agent configuration"));
    let mut evidence = Vec::new();
    let mut exposed: Vec<String> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    let mut denied = false;
    for (agent, pkgs) in &installed {
        evidence.push(Evidence::new(
            EvidenceSource::file(&inv.database, None),
            format!("{pkgs} installed"),
            "",
        ));
        let a = match mta.agents.get(*agent) {
            None => {
                unknown.push(format!(
                    "{agent} is installed but none of its configuration files exists"
                ));
                continue;
            }
            Some(Fact::Error {
                reason,
                permission_denied,
            }) => {
                denied |= *permission_denied;
                unknown.push(format!("{agent}: {reason}"));
                continue;
            }
            Some(Fact::Collected { value }) => value,
        };
        for n in &a.notes {
            evidence.push(Evidence::new(
                EvidenceSource::origin(&n.origin),
                format!("{agent}: {}", n.text),
                "",
            ));
        }
        for p in &a.problems {
            evidence.push(Evidence::new(
                EvidenceSource::origin(&p.origin),
                format!("{agent}: {}", p.text),
                "configuration Ward can judge",
            ));
            unknown.push(format!("{agent}: {}: {}", p.origin, p.text));
        }
        if a.listeners.is_empty() && a.problems.is_empty() {
            evidence.push(Evidence::new(
                EvidenceSource::search(a.files.join(", ")),
                format!("{agent}: no network listener configured"),
                "loopback only",
            ));
        }
        for l in &a.listeners {
            let scope = match l.scope {
                Scope::Loopback => "loopback only",
                Scope::Network => "reachable from the network",
                Scope::Unknown => "unknown (a host name Ward does not resolve)",
            };
            evidence.push(Evidence::new(
                EvidenceSource::origin(&l.origin),
                format!(
                    "{agent}: {} on {} port {}: {scope} ({})",
                    l.service, l.address, l.port, l.why
                ),
                "loopback only",
            ));
            match l.scope {
                Scope::Loopback => {}
                Scope::Network => exposed.push(format!(
                    "{agent} {} on {} ({})",
                    l.service, l.address, l.origin
                )),
                Scope::Unknown => unknown.push(format!(
                    "{agent} {} on {}: a host name Ward does not resolve ({})",
                    l.service, l.address, l.origin
                )),
            }
        }
    }
    // The running sockets, on the live host.
    match facts.fact::<Sockets>() {
        Err(FactError::LiveOnly { .. }) => evidence.push(Evidence::new(
            tables_source(),
            "not the live host: the sockets actually open are not known; the configuration is judged",
            "",
        )),
        Err(e) => unknown.push(format!("listening sockets: {e}")),
        Ok(Fact::Error { reason, .. }) => unknown.push(format!("listening sockets: {reason}")),
        Ok(Fact::Collected { value: s }) => {
            evidence.extend(context(s));
            match table_problems(s, Vec::new()) {
                Err(v) => {
                    evidence.extend(v.evidence);
                    unknown.push(v.reason);
                }
                Ok(_) => {
                    let on_ports: Vec<&Socket> = s
                        .sockets
                        .iter()
                        .filter(|x| ports.iter().any(|p| p.matches(&x.protocol, x.port)))
                        .collect();
                    for x in &on_ports {
                        evidence.push(socket_evidence(x, "loopback only"));
                        if !x.is_loopback() {
                            exposed.push(format!(
                                "{} on {} is open now ({})",
                                x.label(),
                                x.endpoint(),
                                x.owner()
                            ));
                        }
                    }
                    if on_ports.is_empty() {
                        evidence.push(Evidence::new(
                            tables_source(),
                            format!("no socket listens on {}", joined(&ports)),
                            "loopback only",
                        ));
                    }
                }
            }
        }
    }
    if !exposed.is_empty() {
        return Verdict::fail(
            format!(
                "the mail transfer agent accepts connections from the network: {}",
                exposed.join("; ")
            ),
            evidence,
        );
    }
    if !unknown.is_empty() {
        let mut v = Verdict::with(
            Outcome::Error,
            format!(
                "cannot tell whether the mail transfer agent is local-only: {}",
                unknown.join("; ")
            ),
            evidence,
        );
        v.permission_denied = denied;
        return v;
    }
    Verdict::pass(
        format!(
            "{} listen(s) on loopback only",
            installed
                .iter()
                .map(|(a, _)| *a)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        evidence,
    )
}
