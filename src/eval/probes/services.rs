//! Services (`service` probes): whether a service starts at boot, from systemd unit files
//! and links or OpenRC runlevels, and on the live host whether it is running.
//!
//! The host's init system picks the name a probe uses: an OpenRC host (the `openrc`
//! collector found `/etc/runlevels` and OpenRC's programs) uses `openrc`, any other host the
//! systemd `unit`. A probe naming no service for that init system treats the service as
//! not installed. `active` is judged only when the live host was scanned; elsewhere the
//! probe is `not_applicable` (the running state of an image is not evidence of anything).

use crate::catalogue::test::ServiceTest;
use crate::eval::{Evidence, EvidenceSource, Outcome, Verdict};
use crate::facts::openrc::OpenRc;
use crate::facts::systemd::{UnitState, Units};
use crate::facts::{Fact, Facts};

/// What Ward knows about one service on the host's init system.
pub(super) struct ServiceState {
    /// The name judged (`chrony.service`, `openrc chronyd`).
    pub name: String,
    /// Whether it starts at boot.
    pub enabled: bool,
    /// How it was found (`enabled`, `masked`, `not installed`, `in runlevel default`).
    pub state: String,
    /// Where the evidence is.
    pub source: EvidenceSource,
    /// Running state on the live host.
    pub active: Active,
}

/// Running state of a service.
pub(super) enum Active {
    /// The scan did not read a running system.
    NotLive,
    /// The running state could not be read.
    Unknown(String),
    /// Running, with the path that shows it.
    Running(String),
    /// Not running.
    Stopped,
}

/// The init system of the host, as the facts show it.
pub(super) enum Init<'a> {
    Systemd(&'a Units),
    OpenRc(&'a OpenRc),
}

/// Which init system the facts say runs the host; an error verdict when neither is known.
pub(super) fn init_system(facts: &Facts) -> Result<Init<'_>, Verdict> {
    if let Ok(Fact::Collected { value }) = facts.fact::<OpenRc>() {
        return Ok(Init::OpenRc(value));
    }
    let src = EvidenceSource::collector("systemd units");
    match facts.fact::<Units>() {
        Ok(Fact::Collected { value }) => Ok(Init::Systemd(value)),
        Ok(Fact::Error {
            reason,
            permission_denied,
        }) => Err(Verdict::error(src, reason.clone(), *permission_denied)),
        Err(e) => Err(Verdict::error(src, e.to_string(), false)),
    }
}

/// The state of the service a probe names, on the host's init system.
pub(super) fn service_state(
    facts: &Facts,
    unit: Option<&str>,
    openrc: Option<&str>,
) -> Result<ServiceState, Verdict> {
    let live = facts.host.live;
    Ok(match init_system(facts)? {
        Init::Systemd(units) => systemd_state(units, unit, live),
        Init::OpenRc(rc) => openrc_state(rc, openrc, live),
    })
}

fn systemd_state(units: &Units, unit: Option<&str>, live: bool) -> ServiceState {
    let Some(unit) = unit else {
        return ServiceState {
            name: "(no systemd unit named)".into(),
            enabled: false,
            state: "not named by this check for systemd hosts, so treated as not installed".into(),
            source: EvidenceSource::catalogue(),
            active: Active::Stopped,
        };
    };
    let Some(u) = units.units.get(unit) else {
        return ServiceState {
            name: unit.to_string(),
            enabled: false,
            state: "not installed".into(),
            source: EvidenceSource::search("systemd unit directories"),
            active: active_of(units, unit, live),
        };
    };
    let state = serde_json::to_value(u.state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let source = match u.enabled_by.first().or(u.fragment.as_ref()) {
        Some(path) => EvidenceSource::file(path, None),
        None => EvidenceSource::search("systemd unit directories"),
    };
    // An alias is as enabled (and as running) as the unit it names
    // (`sshd.service -> ssh.service`).
    let (effective, real_name) = match u.state {
        UnitState::Alias => {
            let target = u.fragment.as_deref().and_then(|f| f.rsplit('/').next());
            match target.and_then(|t| units.units.get(t).map(|x| (x.state, t))) {
                Some((s, t)) => (s, t.to_string()),
                None => (UnitState::Alias, unit.to_string()),
            }
        }
        s => (s, unit.to_string()),
    };
    ServiceState {
        name: unit.to_string(),
        enabled: effective == UnitState::Enabled,
        state,
        source,
        active: active_of(units, &real_name, live),
    }
}

fn active_of(units: &Units, unit: &str, live: bool) -> Active {
    if !live {
        return Active::NotLive;
    }
    if !unit.ends_with(".service") {
        return Active::Unknown(format!(
            "{unit}: the running state is read for .service units only"
        ));
    }
    match &units.live {
        None => Active::Unknown("the running state was not collected".into()),
        Some(Fact::Error { reason, .. }) => Active::Unknown(reason.clone()),
        Some(Fact::Collected { value }) => match value.active.get(unit) {
            Some(path) => Active::Running(path.clone()),
            None => Active::Stopped,
        },
    }
}

fn openrc_state(rc: &OpenRc, name: Option<&str>, live: bool) -> ServiceState {
    let Some(name) = name else {
        return ServiceState {
            name: "(no OpenRC service named)".into(),
            enabled: false,
            state: "not named by this check for OpenRC hosts, so treated as not installed".into(),
            source: EvidenceSource::catalogue(),
            active: Active::Stopped,
        };
    };
    let active = if !live {
        Active::NotLive
    } else {
        match &rc.live {
            None => Active::Unknown("the running state was not collected".into()),
            Some(Fact::Error { reason, .. }) => Active::Unknown(reason.clone()),
            Some(Fact::Collected { value }) => match value.get(name) {
                Some(p) => Active::Running(p.clone()),
                None => Active::Stopped,
            },
        }
    };
    let label = format!("openrc {name}");
    match rc.enabled.get(name) {
        Some(links) => ServiceState {
            name: label,
            enabled: true,
            state: format!(
                "in runlevel {}",
                links
                    .iter()
                    .filter_map(|l| l.rsplit('/').nth(1))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            source: EvidenceSource::file(&links[0], None),
            active,
        },
        None if rc.scripts.contains(name) => ServiceState {
            name: label,
            enabled: false,
            state: "installed, in no boot runlevel (sysinit, boot, default)".into(),
            source: EvidenceSource::search(crate::facts::openrc::RUNLEVELS),
            active,
        },
        None => ServiceState {
            name: label,
            enabled: false,
            state: "not installed".into(),
            source: EvidenceSource::search(crate::facts::openrc::INIT_D),
            active,
        },
    }
}

pub(super) fn service(t: &ServiceTest, facts: &Facts) -> Verdict {
    let s = match service_state(facts, t.unit.as_deref(), t.openrc.as_deref()) {
        Ok(s) => s,
        Err(v) => return v,
    };
    let mut evidence = Vec::new();
    let mut failed = Vec::new();
    let mut reasons = Vec::new();
    if let Some(want) = t.enabled {
        let expected = if want { "enabled" } else { "not enabled" };
        evidence.push(Evidence::new(
            s.source.clone(),
            format!("{} is {}", s.name, s.state),
            expected,
        ));
        let reason = format!("{} is {}", s.name, s.state);
        if s.enabled != want {
            failed.push(reason);
        } else {
            reasons.push(reason);
        }
    }
    let mut not_applicable = None;
    let mut unknown = None;
    if let Some(want) = t.active {
        let expected = if want { "running" } else { "not running" };
        match &s.active {
            Active::NotLive => {
                not_applicable = Some(format!(
                    "whether {} is running is only read on the live host",
                    s.name
                ));
            }
            Active::Unknown(why) => unknown = Some(why.clone()),
            Active::Running(path) => {
                evidence.push(Evidence::new(
                    EvidenceSource::runtime(path),
                    format!("{} is running", s.name),
                    expected,
                ));
                let r = format!("{} is running", s.name);
                if want {
                    reasons.push(r)
                } else {
                    failed.push(r)
                }
            }
            Active::Stopped => {
                evidence.push(Evidence::new(
                    EvidenceSource::runtime("running services"),
                    format!("{} is not running", s.name),
                    expected,
                ));
                let r = format!("{} is not running", s.name);
                if want {
                    failed.push(r)
                } else {
                    reasons.push(r)
                }
            }
        }
    }
    if !failed.is_empty() {
        return Verdict::fail(failed.join("; "), evidence);
    }
    if let Some(why) = unknown {
        let mut v = Verdict::error(EvidenceSource::runtime("running services"), why, false);
        evidence.append(&mut v.evidence);
        v.evidence = evidence;
        return v;
    }
    if let Some(why) = not_applicable {
        return Verdict::with(Outcome::NotApplicable, why, evidence);
    }
    Verdict::pass(reasons.join("; "), evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::systemd::{Live, Unit};
    use crate::facts::HostInfo;

    fn facts(live: bool, running: &[&str], openrc: Option<OpenRc>) -> Facts {
        let mut f = Facts::new(HostInfo {
            hostname: None,
            host_id: None,
            root: "/".into(),
            live,
            collector_uid: 0,
        });
        let mut units = Units::default();
        for name in ["chrony.service", "cron.service"] {
            units.units.insert(
                name.into(),
                Unit {
                    state: if name == "cron.service" {
                        UnitState::Enabled
                    } else {
                        UnitState::Disabled
                    },
                    fragment: Some(format!("/lib/systemd/system/{name}")),
                    enabled_by: Vec::new(),
                    vendor_links: Vec::new(),
                },
            );
        }
        units.units.insert(
            "chronyd.service".into(),
            Unit {
                state: UnitState::Alias,
                fragment: Some("/lib/systemd/system/chrony.service".into()),
                enabled_by: Vec::new(),
                vendor_links: Vec::new(),
            },
        );
        if live {
            units.live = Some(Fact::Collected {
                value: Live {
                    active: running
                        .iter()
                        .map(|u| (u.to_string(), format!("/run/systemd/units/invocation:{u}")))
                        .collect(),
                },
            });
        }
        f.insert(Fact::Collected { value: units });
        f.insert(match openrc {
            Some(rc) => Fact::Collected { value: rc },
            None => Fact::<OpenRc>::error("not an OpenRC host"),
        });
        f
    }

    fn t(
        unit: Option<&str>,
        openrc: Option<&str>,
        enabled: Option<bool>,
        active: Option<bool>,
    ) -> ServiceTest {
        ServiceTest {
            unit: unit.map(String::from),
            openrc: openrc.map(String::from),
            enabled,
            active,
        }
    }

    #[test]
    fn active_is_never_a_pass_offline() {
        let f = facts(false, &[], None);
        let v = service(&t(Some("cron.service"), None, None, Some(true)), &f);
        assert_eq!(v.outcome, Outcome::NotApplicable);
        let v = service(&t(Some("cron.service"), None, None, Some(false)), &f);
        assert_eq!(v.outcome, Outcome::NotApplicable);
        // A failed enablement part still fails.
        let v = service(&t(Some("chrony.service"), None, Some(true), Some(true)), &f);
        assert_eq!(v.outcome, Outcome::Fail);
    }

    #[test]
    fn active_on_the_live_host_follows_aliases() {
        let f = facts(true, &["chrony.service"], None);
        let v = service(&t(Some("chronyd.service"), None, None, Some(true)), &f);
        assert_eq!(v.outcome, Outcome::Pass, "{}", v.reason);
        let v = service(&t(Some("cron.service"), None, Some(true), Some(true)), &f);
        assert_eq!(v.outcome, Outcome::Fail, "{}", v.reason);
        let v = service(&t(Some("cron.service"), None, None, Some(false)), &f);
        assert_eq!(v.outcome, Outcome::Pass);
        let v = service(&t(Some("cron.socket"), None, None, Some(false)), &f);
        assert_eq!(v.outcome, Outcome::Error);
    }

    #[test]
    fn openrc_hosts_use_the_openrc_name() {
        let mut rc = OpenRc::default();
        rc.scripts.insert("crond".into());
        rc.scripts.insert("chronyd".into());
        rc.enabled
            .insert("crond".into(), vec!["/etc/runlevels/default/crond".into()]);
        let f = facts(false, &[], Some(rc));
        let v = service(
            &t(Some("cron.service"), Some("crond"), Some(true), None),
            &f,
        );
        assert_eq!(v.outcome, Outcome::Pass, "{}", v.reason);
        assert!(v.reason.contains("runlevel default"), "{}", v.reason);
        let v = service(
            &t(Some("chrony.service"), Some("chronyd"), Some(true), None),
            &f,
        );
        assert_eq!(v.outcome, Outcome::Fail);
        // No OpenRC name: not installed there.
        let v = service(&t(Some("cron.service"), None, Some(true), None), &f);
        assert_eq!(v.outcome, Outcome::Fail);
        let v = service(&t(Some("cron.service"), None, Some(false), None), &f);
        assert_eq!(v.outcome, Outcome::Pass);
    }
}
