//! systemd unit enablement (`service` probes), read from unit files and links.

use crate::catalogue::test::ServiceTest;
use crate::eval::{Evidence, EvidenceSource, Outcome, Verdict};
use crate::facts::systemd::UnitState;
use crate::facts::systemd::Units;
use crate::facts::{Fact, Facts};

pub(super) fn service(t: &ServiceTest, facts: &Facts) -> Verdict {
    let units = collected!(facts => Units, EvidenceSource::collector("systemd units"));
    let expected = if t.enabled { "enabled" } else { "not enabled" };
    let Some(u) = units.units.get(&t.unit) else {
        let ev = vec![Evidence::new(
            EvidenceSource::search("systemd unit directories"),
            format!("{} not installed", t.unit),
            expected,
        )];
        let reason = format!("{} is not installed", t.unit);
        return if t.enabled {
            Verdict::fail(reason, ev)
        } else {
            Verdict::pass(reason, ev)
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
    let ev = vec![Evidence::new(
        source,
        format!("{} is {state}", t.unit),
        expected,
    )];
    // An alias is as enabled as the unit it names (`sshd.service -> ssh.service`).
    let effective = match u.state {
        UnitState::Alias => u
            .fragment
            .as_deref()
            .and_then(|f| f.rsplit('/').next())
            .and_then(|target| units.units.get(target))
            .map(|t| t.state)
            .unwrap_or(UnitState::Alias),
        s => s,
    };
    let enabled = effective == UnitState::Enabled;
    let reason = format!("{} is {state}", t.unit);
    if enabled == t.enabled {
        Verdict::pass(reason, ev)
    } else {
        Verdict::fail(reason, ev)
    }
}
