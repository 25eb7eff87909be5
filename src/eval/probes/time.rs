//! Time synchronisation (`time_sync` probes): which NTP daemons start at boot and whether
//! one of them has a time source configured.
//!
//! The daemons and their service names: chrony (`chrony.service` on Debian,
//! `chronyd.service` on RHEL and as Debian's alias, OpenRC `chronyd`), systemd-timesyncd
//! (`systemd-timesyncd.service`), ntpd (`ntpsec.service`, `ntp.service`, `ntpd.service`)
//! and OpenNTPD (`openntpd.service`, OpenRC `openntpd`). Busybox's ntpd (Alpine's OpenRC
//! `ntpd`, configured by command-line options) is not recognised. Enablement is the
//! `service` probe's; sources are those the `timesync` collector read from each daemon's
//! configuration, as the daemon reads it.

use super::services::{init_system, service_state, Init};
use crate::catalogue::test::TimeSyncTest;
use crate::eval::{Evidence, EvidenceSource, Outcome, Verdict};
use crate::facts::timesync::{Sources, TimeSync};
use crate::facts::{Fact, Facts};

struct Daemon {
    label: &'static str,
    units: &'static [&'static str],
    openrc: &'static [&'static str],
    config: fn(&TimeSync) -> &Fact<Option<Sources>>,
    /// Where its configuration is, for a "no configuration" message.
    conf: &'static str,
}

const DAEMONS: [Daemon; 4] = [
    Daemon {
        label: "chrony",
        units: &["chrony.service", "chronyd.service"],
        openrc: &["chronyd"],
        config: |t| &t.chrony,
        conf: "/etc/chrony/chrony.conf or /etc/chrony.conf",
    },
    Daemon {
        label: "systemd-timesyncd",
        units: &["systemd-timesyncd.service"],
        openrc: &[],
        config: |t| &t.timesyncd,
        conf: "/etc/systemd/timesyncd.conf and timesyncd.conf.d",
    },
    Daemon {
        label: "ntpd",
        units: &["ntpsec.service", "ntp.service", "ntpd.service"],
        openrc: &[],
        config: |t| &t.ntpd,
        conf: "/etc/ntpsec/ntp.conf or /etc/ntp.conf",
    },
    Daemon {
        label: "OpenNTPD",
        units: &["openntpd.service"],
        openrc: &["openntpd"],
        config: |t| &t.openntpd,
        conf: "/etc/openntpd/ntpd.conf or /etc/ntpd.conf",
    },
];

/// Enabled daemons with the evidence of their enablement, and the evidence for the
/// installed ones that are not enabled.
type Enablement = (Vec<(&'static Daemon, Evidence)>, Vec<Evidence>);

/// The enabled daemons, each with the evidence of its enablement.
fn enabled_daemons(facts: &Facts) -> Result<Enablement, Verdict> {
    let openrc = matches!(init_system(facts)?, Init::OpenRc(_));
    let mut out = Vec::new();
    let mut idle = Vec::new();
    for d in &DAEMONS {
        let names = if openrc { d.openrc } else { d.units };
        for name in names {
            let s = if openrc {
                service_state(facts, None, Some(name))?
            } else {
                service_state(facts, Some(name), None)?
            };
            let ev = Evidence::new(s.source, format!("{} is {}", s.name, s.state), "enabled");
            if s.enabled {
                out.push((d, ev));
                break;
            }
            if s.state != "not installed" {
                idle.push(ev);
            }
        }
    }
    Ok((out, idle))
}

pub(super) fn time_sync(t: &TimeSyncTest, facts: &Facts) -> Verdict {
    let (enabled, idle) = match enabled_daemons(facts) {
        Ok(e) => e,
        Err(v) => return v,
    };
    if t.single_daemon == Some(true) {
        let ev: Vec<Evidence> = enabled.iter().map(|(_, e)| e.clone()).collect();
        let names: Vec<&str> = enabled.iter().map(|(d, _)| d.label).collect();
        return match names.len() {
            0 | 1 => Verdict::pass(
                match names.first() {
                    Some(n) => format!("only {n} is enabled"),
                    None => "no NTP daemon is enabled".into(),
                },
                ev,
            ),
            _ => Verdict::fail(
                format!(
                    "{} NTP daemons are enabled ({}); they would adjust the clock against each other",
                    names.len(),
                    names.join(", ")
                ),
                ev,
            ),
        };
    }
    if enabled.is_empty() {
        let mut ev = vec![Evidence::new(
            EvidenceSource::search("systemd units and OpenRC runlevels"),
            "none of chrony, systemd-timesyncd, ntpd or OpenNTPD is enabled",
            "an enabled NTP daemon with a configured source",
        )];
        ev.extend(idle);
        return Verdict::fail(
            "no NTP daemon (chrony, systemd-timesyncd, ntpd, OpenNTPD) is enabled",
            ev,
        );
    }
    let config = collected!(facts => TimeSync, EvidenceSource::collector("NTP configuration"));
    let expected = "a configured time source";
    let mut evidence = Vec::new();
    let mut errors = Vec::new();
    let mut unconfigured = Vec::new();
    let mut configured = Vec::new();
    for (d, enabled_ev) in enabled {
        evidence.push(enabled_ev);
        match (d.config)(config) {
            Fact::Error { reason, .. } => {
                evidence.push(Evidence::new(
                    EvidenceSource::collector(format!("{} configuration", d.label)),
                    reason.clone(),
                    "readable configuration",
                ));
                errors.push(format!("{}: {reason}", d.label));
            }
            Fact::Collected { value: None } => {
                evidence.push(Evidence::new(
                    EvidenceSource::search(d.conf),
                    format!("no {} configuration", d.label),
                    expected,
                ));
                unconfigured.push(format!("{} has no configuration ({})", d.label, d.conf));
            }
            Fact::Collected { value: Some(s) } => {
                for src in s.sources.iter().take(5) {
                    evidence.push(Evidence::new(
                        EvidenceSource::origin(&src.origin),
                        format!("{} {}", src.directive, src.name),
                        expected,
                    ));
                }
                for bad in s.invalid.iter().take(5) {
                    evidence.push(Evidence::new(
                        EvidenceSource::search(d.conf),
                        bad.clone(),
                        "a line the daemon accepts",
                    ));
                }
                if s.sources.is_empty() {
                    let files = if s.files.is_empty() {
                        d.conf.to_string()
                    } else {
                        s.files.join(", ")
                    };
                    if s.builtin_fallback {
                        evidence.push(Evidence::new(
                            EvidenceSource::search(files.clone()),
                            "NTP= and FallbackNTP= unset: only the servers compiled into \
                             systemd-timesyncd",
                            "NTP= (or FallbackNTP=) naming the organisation's time servers",
                        ));
                    }
                    unconfigured.push(format!("{} names no time source in {files}", d.label));
                } else {
                    configured.push(format!(
                        "{} uses {}",
                        d.label,
                        s.sources
                            .iter()
                            .map(|x| x.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
        }
    }
    if !configured.is_empty() {
        return Verdict::pass(configured.join("; "), evidence);
    }
    if !errors.is_empty() {
        return Verdict {
            evidence,
            ..Verdict::error(
                EvidenceSource::collector("NTP configuration"),
                errors.join("; "),
                false,
            )
        };
    }
    Verdict::fail(unconfigured.join("; "), evidence)
}
