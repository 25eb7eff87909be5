//! Host firewall (`firewall` probes): which firewall manager loads rules at boot, whether
//! inbound traffic is denied unless a rule allows it, and whether loopback traffic is let in.
//!
//! A manager counts when its service starts at boot (systemd unit or OpenRC runlevel, as
//! the `service` probe reads them) and its configuration loads rules: nftables
//! (`nftables.service`), netfilter-persistent (`netfilter-persistent.service`), ufw
//! (`ufw.service` and `ENABLED=yes`), firewalld (`firewalld.service`). On the live host the
//! ruleset `nft -j list ruleset` prints is what the kernel holds and is judged instead of
//! the files. Netfilter drops a packet that any base chain on the input hook drops, so a
//! family (IPv4, IPv6) is default-deny when at least one input chain covering it ends in
//! drop for packets no rule matched: policy drop with no unconditional accept reached, or
//! an unconditional drop/reject rule. Anything in a judged configuration Ward did not
//! understand makes the probe `error`.

use super::services::{init_system, service_state, Init};
use crate::catalogue::test::FirewallTest;
use crate::eval::{Evidence, EvidenceSource, Outcome, Verdict};
use crate::facts::firewall::{Firewall, InputChain, Ruleset};
use crate::facts::{Fact, Facts};

struct Manager {
    label: &'static str,
    units: &'static [&'static str],
    openrc: &'static [&'static str],
    config: fn(&Firewall) -> &Fact<Option<Ruleset>>,
}

const MANAGERS: [Manager; 4] = [
    Manager {
        label: "nftables",
        units: &["nftables.service"],
        openrc: &["nftables"],
        config: |f| &f.nftables,
    },
    Manager {
        label: "netfilter-persistent (iptables-save files)",
        units: &["netfilter-persistent.service"],
        openrc: &[],
        config: |f| &f.iptables,
    },
    Manager {
        label: "ufw",
        units: &["ufw.service"],
        openrc: &["ufw"],
        config: |f| &f.ufw,
    },
    Manager {
        label: "firewalld",
        units: &["firewalld.service"],
        openrc: &["firewalld"],
        config: |f| &f.firewalld,
    },
];

/// The managers that load rules at boot, with their rulesets and evidence.
struct Active<'a> {
    managers: Vec<(&'static str, &'a Ruleset)>,
    evidence: Vec<Evidence>,
    errors: Vec<(String, bool)>,
}

fn active<'a>(facts: &Facts, fw: &'a Firewall) -> Result<Active<'a>, Verdict> {
    let openrc = matches!(init_system(facts)?, Init::OpenRc(_));
    let mut out = Active {
        managers: Vec::new(),
        evidence: Vec::new(),
        errors: Vec::new(),
    };
    for m in &MANAGERS {
        let names = if openrc { m.openrc } else { m.units };
        let mut enabled = None;
        for name in names {
            let s = if openrc {
                service_state(facts, None, Some(name))?
            } else {
                service_state(facts, Some(name), None)?
            };
            let ev = Evidence::new(s.source, format!("{} is {}", s.name, s.state), "enabled");
            if s.enabled {
                enabled = Some(ev);
                break;
            }
            if s.state != "not installed" {
                out.evidence.push(ev);
            }
        }
        let Some(ev) = enabled else { continue };
        out.evidence.push(ev);
        match (m.config)(fw) {
            Fact::Error {
                reason,
                permission_denied,
            } => out
                .errors
                .push((format!("{}: {reason}", m.label), *permission_denied)),
            Fact::Collected { value: None } => out.evidence.push(Evidence::new(
                EvidenceSource::collector(format!("{} configuration", m.label)),
                "enabled, but its configuration file is absent: it loads no rules",
                "a rule set",
            )),
            Fact::Collected { value: Some(rs) } => {
                for n in &rs.notes {
                    out.evidence.push(Evidence::new(
                        EvidenceSource::collector(format!("{} configuration", m.label)),
                        n.clone(),
                        "",
                    ));
                }
                if rs.chains.is_empty() && rs.problems.is_empty() {
                    out.evidence.push(Evidence::new(
                        EvidenceSource::search(rs.files.join(", ")),
                        format!("{} loads no input chain", m.label),
                        "an input filter chain",
                    ));
                } else {
                    out.managers.push((m.label, rs));
                }
            }
        }
    }
    Ok(out)
}

fn chain_evidence(c: &InputChain) -> Evidence {
    let (v, at) = c.default_verdict();
    Evidence::new(
        EvidenceSource::origin(&at),
        format!(
            "{} {} {}: input hook, policy {}, unmatched packets {}",
            c.family,
            c.table,
            c.name,
            c.policy,
            if v == "drop" { "dropped" } else { "accepted" }
        ),
        "dropped",
    )
}

pub(super) fn firewall(t: &FirewallTest, facts: &Facts) -> Verdict {
    let fw = collected!(facts => Firewall, EvidenceSource::collector("firewall configuration"));
    let act = match active(facts, fw) {
        Ok(a) => a,
        Err(v) => return v,
    };
    let mut evidence = act.evidence.clone();
    if t.single_manager == Some(true) {
        let names: Vec<&str> = act.managers.iter().map(|m| m.0).collect();
        if evidence.is_empty() {
            evidence.push(Evidence::new(
                EvidenceSource::search("systemd units and OpenRC runlevels"),
                "none of nftables, netfilter-persistent, ufw or firewalld is installed",
                "at most one firewall manager enabled",
            ));
        }
        return if names.len() > 1 {
            Verdict::fail(
                format!(
                    "{} firewall managers load rules at boot ({}); each may undo the other's rules",
                    names.len(),
                    names.join(", ")
                ),
                evidence,
            )
        } else {
            Verdict::pass(
                match names.first() {
                    Some(n) => format!("only {n} loads firewall rules at boot"),
                    None => "no firewall manager loads rules at boot".into(),
                },
                evidence,
            )
        };
    }
    if let Some((reason, denied)) = act.errors.first() {
        let mut v = Verdict::error(
            EvidenceSource::collector("firewall configuration"),
            reason.clone(),
            *denied,
        );
        v.evidence.extend(evidence);
        return v;
    }
    // On the live host the loaded ruleset is judged; the files are the fallback.
    let mut judged: Vec<(&str, &Ruleset)> = act.managers.clone();
    match &fw.live {
        Some(Fact::Collected { value }) if !act.managers.is_empty() => {
            evidence.push(Evidence::new(
                EvidenceSource::command("nft -j list ruleset"),
                format!(
                    "the running kernel holds {} input chain(s); judged instead of the files ({} chain(s) there)",
                    value.chains.len(),
                    act.managers.iter().map(|m| m.1.chains.len()).sum::<usize>()
                ),
                "",
            ));
            judged = vec![("the loaded ruleset", value)];
        }
        Some(Fact::Error { reason, .. }) => evidence.push(Evidence::new(
            EvidenceSource::command("nft -j list ruleset"),
            format!("{reason}; the configuration files are judged"),
            "",
        )),
        _ => {}
    }
    if judged.is_empty() {
        evidence.push(Evidence::new(
            EvidenceSource::search("systemd units and OpenRC runlevels"),
            "none of nftables, netfilter-persistent, ufw or firewalld loads rules at boot",
            "an enabled firewall with input rules",
        ));
        return Verdict::fail("no host firewall loads rules at boot", evidence);
    }
    let problems: Vec<String> = judged
        .iter()
        .flat_map(|(label, rs)| {
            rs.problems
                .iter()
                .map(move |(o, p)| format!("{label}: {o}: {p}"))
        })
        .collect();
    if !problems.is_empty() {
        for p in &problems {
            evidence.push(Evidence::new(
                EvidenceSource::collector("firewall configuration"),
                p.clone(),
                "configuration Ward understands",
            ));
        }
        return Verdict::with(
            Outcome::Error,
            format!(
                "the firewall configuration could not be judged: {}",
                problems.join("; ")
            ),
            evidence,
        );
    }
    let chains: Vec<&InputChain> = judged.iter().flat_map(|(_, rs)| rs.chains.iter()).collect();
    if t.enabled == Some(true) {
        let names: Vec<&str> = judged.iter().map(|m| m.0).collect();
        evidence.extend(chains.iter().map(|c| chain_evidence(c)));
        return if chains.is_empty() {
            Verdict::fail(
                format!("{} loads no input filter chain", names.join(", ")),
                evidence,
            )
        } else {
            Verdict::pass(
                format!(
                    "{} loads {} input chain(s) at boot",
                    names.join(", "),
                    chains.len()
                ),
                evidence,
            )
        };
    }
    let families = [("ip", "IPv4"), ("ip6", "IPv6")];
    if t.inbound_default.is_some() {
        evidence.extend(chains.iter().map(|c| chain_evidence(c)));
        let open: Vec<&str> = families
            .iter()
            .filter(|(f, _)| {
                !chains
                    .iter()
                    .any(|c| c.covers(f) && c.default_verdict().0 == "drop")
            })
            .map(|(_, l)| *l)
            .collect();
        // A family no chain is known to drop, where a chain's default hangs on a rule Ward
        // cannot classify: unknown, never a pass or a plain fail.
        let unknown: Vec<String> = families
            .iter()
            .filter(|(_, l)| open.contains(l))
            .flat_map(|(f, _)| {
                chains
                    .iter()
                    .filter(move |c| c.covers(f) && c.default_verdict().0 == "unknown")
                    .map(|c| {
                        format!(
                            "{} {} {} ({})",
                            c.family,
                            c.table,
                            c.name,
                            c.default_verdict().1
                        )
                    })
            })
            .collect();
        if !unknown.is_empty() {
            return Verdict::with(
                Outcome::Error,
                format!(
                    "cannot tell what the input chain does with unmatched packets: a rule at {} may accept every packet (a jump Ward does not follow, or statements it does not know before accept)",
                    unknown.join(", ")
                ),
                evidence,
            );
        }
        return if open.is_empty() {
            Verdict::pass(
                "inbound IPv4 and IPv6 packets no rule allows are dropped",
                evidence,
            )
        } else {
            Verdict::fail(
                format!(
                    "inbound {} packets no rule allows are accepted: no input chain drops them by default",
                    open.join(" and ")
                ),
                evidence,
            )
        };
    }
    // loopback_accepted
    let mut missing = Vec::new();
    for (f, label) in families {
        let covering: Vec<&&InputChain> = chains.iter().filter(|c| c.covers(f)).collect();
        if covering.is_empty() {
            missing.push(format!("no {label} input chain"));
        }
        for c in covering {
            match c.loopback_rule() {
                Some(r) => evidence.push(Evidence::new(
                    EvidenceSource::origin(&r.origin),
                    format!("{} {} {}: {}", c.family, c.table, c.name, r.text),
                    "loopback accepted",
                )),
                None => {
                    let blocks = c.default_verdict().0 == "drop"
                        || c.rules
                            .iter()
                            .any(|r| matches!(r.verdict.as_deref(), Some("drop" | "reject")));
                    evidence.push(Evidence::new(
                        EvidenceSource::origin(&c.origin),
                        format!(
                            "{} {} {}: no loopback accept rule{}",
                            c.family,
                            c.table,
                            c.name,
                            if blocks {
                                ""
                            } else {
                                " (accepts by default and drops nothing)"
                            }
                        ),
                        "loopback accepted",
                    ));
                    if blocks {
                        missing.push(format!(
                            "{} {} {} has no `iif lo accept` before it drops",
                            c.family, c.table, c.name
                        ));
                    }
                }
            }
        }
    }
    if missing.is_empty() {
        Verdict::pass("every input chain lets loopback traffic in", evidence)
    } else {
        Verdict::fail(missing.join("; "), evidence)
    }
}
