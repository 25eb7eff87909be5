//! Kernel parameters (`sysctl` probes), configured and running.
//!
//! The configured value is what systemd-sysctl applies last, read as the kernel parses
//! it; on the live host the running value under `/proc/sys` is judged as well, and every
//! other place that sets the key is shown as evidence.

use super::{judge, numeric_compare};
use crate::catalogue::test::SysctlTest;
use crate::eval::{Evidence, EvidenceSource, Outcome, Verdict};
use crate::facts::sysctl::Sysctl;
use crate::facts::{Fact, Facts};

/// Every other place that sets a sysctl key, as evidence next to the winning one.
fn sysctl_settings_evidence(
    entry: Option<&crate::facts::sysctl::SysctlEntry>,
    expected: &str,
) -> Vec<Evidence> {
    use crate::facts::sysctl::SettingStatus;
    let Some(e) = entry else { return Vec::new() };
    let winner = e.configured.as_ref().map(|c| c.origin.to_string());
    e.settings
        .iter()
        .filter(|s| s.status != SettingStatus::Wins)
        .map(|s| {
            let what = match &s.value {
                Some(v) => format!("sets {v:?}"),
                None => "excludes the key (`-key`)".to_string(),
            };
            let fate = match (s.status, &winner) {
                (SettingStatus::Overridden, Some(w)) => format!("overridden by {w}"),
                (SettingStatus::Overridden, None) => "overridden".to_string(),
                (SettingStatus::Excluded, _) => {
                    "wins: the key keeps the kernel's value".to_string()
                }
                (SettingStatus::NotApplied, _) => "not applied".to_string(),
                (SettingStatus::Wins, _) => "wins".to_string(),
            };
            let note = s
                .note
                .as_deref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            Evidence::new(
                EvidenceSource::origin(&s.origin),
                format!("{what}: {fate}{note}"),
                expected,
            )
        })
        .collect()
}

pub(super) fn sysctl(t: &SysctlTest, facts: &Facts) -> Verdict {
    use crate::facts::sysctl::{collapse_ws, kernel_int};
    let s = collected!(facts => Sysctl, EvidenceSource::collector("sysctl configuration"));
    let key = crate::facts::sysctl::normalize_key(&t.key);
    let cmp = t.compare();
    let expected = cmp.describe();
    let numeric = numeric_compare(&cmp);
    let entry = s.entries.get(&key);
    let configured = entry.and_then(|e| e.configured.as_ref());
    let others = sysctl_settings_evidence(entry, &expected);
    let mut verdicts = Vec::new();
    let unset = |label: &str, why: String, evidence_observed: String, mut ev: Vec<Evidence>| {
        let mut v = match &t.default {
            Some(d) => judge(
                &cmp,
                &format!("{key} (kernel default, {label})"),
                &d.0,
                EvidenceSource::default_of("kernel default"),
            ),
            None => Verdict::fail(
                format!("{key} {why}"),
                vec![Evidence::new(EvidenceSource::search("/etc/sysctl.d/*.conf, /run/sysctl.d, /usr/local/lib/sysctl.d, /usr/lib/sysctl.d"), evidence_observed, cmp.describe())],
            ),
        };
        v.evidence.append(&mut ev);
        v
    };
    match configured {
        Some(c) => {
            // What the kernel makes of the value systemd-sysctl writes.
            let read = if numeric {
                kernel_int(&c.value).map(|n| n.to_string())
            } else {
                Ok(collapse_ws(&c.value))
            };
            match read {
                Ok(observed) => {
                    let mut v = judge(
                        &cmp,
                        &format!("{key} (configured)"),
                        &observed,
                        EvidenceSource::origin(&c.origin),
                    );
                    let wins = if others.is_empty() { "" } else { " (wins)" };
                    if let Some(first) = v.evidence.first_mut() {
                        first.observed = if observed == c.value {
                            format!("{observed}{wins}")
                        } else {
                            format!("{:?}, which the kernel reads as {observed}{wins}", c.value)
                        };
                    }
                    v.evidence.extend(others);
                    verdicts.push(v);
                }
                Err(why) => {
                    let ev = vec![Evidence::new(
                        EvidenceSource::origin(&c.origin),
                        format!(
                            "sets {:?} (last assignment), which the kernel refuses: {why}",
                            c.value
                        ),
                        expected.clone(),
                    )];
                    let why = format!(
                        "is set to {:?} at {}, which the kernel refuses, so it keeps its \
                         previous value",
                        c.value, c.origin
                    );
                    verdicts.push(if t.default.is_some() {
                        unset(
                            "the configured value is refused",
                            why,
                            String::new(),
                            ev.into_iter().chain(others).collect(),
                        )
                    } else {
                        Verdict::fail(
                            format!("{key} {why}"),
                            ev.into_iter().chain(others).collect(),
                        )
                    });
                }
            }
        }
        None => {
            let why = if entry.is_some_and(|e| !e.settings.is_empty()) {
                "is not set by any sysctl file that is applied at boot"
            } else {
                "is not set in any sysctl configuration file"
            };
            verdicts.push(unset(
                "not configured",
                why.to_string(),
                "not configured".to_string(),
                others,
            ));
        }
    }
    if facts.host.live && s.runtime_read {
        let proc_path = format!("/proc/sys/{}", key.replace('.', "/"));
        match entry {
            Some(e) if e.runtime.is_some() => verdicts.push(judge(
                &cmp,
                &format!("{key} (running)"),
                e.runtime.as_deref().unwrap_or_default(),
                EvidenceSource::runtime(&proc_path),
            )),
            Some(e) if e.runtime_error.is_some() => verdicts.push(Verdict::error(
                EvidenceSource::runtime(&proc_path),
                format!(
                    "{key}: running value unreadable: {}",
                    e.runtime_error.as_deref().unwrap_or_default()
                ),
                false,
            )),
            _ => verdicts.push(Verdict::error(
                EvidenceSource::runtime(&proc_path),
                format!("{key}: running value was not collected"),
                false,
            )),
        }
    }
    crate::eval::combine_all(verdicts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sysctl_facts(files: &[(&str, &[u8])], keys: &[&str]) -> Facts {
        let dir = tempfile::tempdir().unwrap();
        for (path, body) in files {
            let p = dir.path().join(path.trim_start_matches('/'));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, body).unwrap();
        }
        let root = crate::host_root::HostRoot::new(dir.path()).unwrap();
        let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        let mut facts = Facts::new(crate::facts::HostInfo {
            hostname: None,
            host_id: None,
            root: "/x".into(),
            live: false,
            collector_uid: 0,
        });
        facts.insert(crate::facts::sysctl::collect(&root, &keys));
        facts
    }

    fn sysctl_test(json: serde_json::Value) -> SysctlTest {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn sysctl_values_are_read_as_the_kernel_reads_them() {
        // `1 # c`: systemd writes the whole value, the kernel reads 1.
        let f = sysctl_facts(
            &[("/etc/sysctl.d/60.conf", b"kernel.dmesg_restrict = 1 # c\n")],
            &["kernel.dmesg_restrict"],
        );
        let t = sysctl_test(serde_json::json!({"key": "kernel.dmesg_restrict", "equals": 1}));
        let v = sysctl(&t, &f);
        assert_eq!(v.outcome, Outcome::Pass, "{v:?}");
        assert!(v.evidence[0].observed.contains("reads as 1"), "{v:?}");

        // `+1`: the kernel refuses it, so the key keeps the kernel's value.
        let f = sysctl_facts(
            &[("/etc/sysctl.d/60.conf", b"kernel.kptr_restrict = +1\n")],
            &["kernel.kptr_restrict"],
        );
        let t = sysctl_test(serde_json::json!({"key": "kernel.kptr_restrict", "at_least": 1}));
        let v = sysctl(&t, &f);
        assert_eq!(v.outcome, Outcome::Fail, "{v:?}");
        assert!(v.reason.contains("refuses"), "{v:?}");
        // With a compliant kernel default it is judged on that default.
        let t = sysctl_test(
            serde_json::json!({"key": "kernel.kptr_restrict", "at_least": 1, "default": 2}),
        );
        let v = sysctl(&t, &f);
        assert_eq!(v.outcome, Outcome::Pass, "{v:?}");
        assert!(v.evidence.iter().any(|e| e.observed.contains("refuses")));
    }

    #[test]
    fn sysctl_evidence_names_every_setting() {
        let f = sysctl_facts(
            &[
                ("/usr/lib/sysctl.d/50-v.conf", b"kernel.x = 0\n"),
                ("/etc/sysctl.d/60-a.conf", b"kernel.x = 2\n"),
                ("/etc/sysctl.conf", b"kernel.x = 5\n"),
            ],
            &["kernel.x"],
        );
        let t = sysctl_test(serde_json::json!({"key": "kernel.x", "equals": 2}));
        let v = sysctl(&t, &f);
        assert_eq!(v.outcome, Outcome::Pass, "{v:?}");
        let shown: Vec<String> = v
            .evidence
            .iter()
            .map(|e| format!("{}:{} {}", e.source, e.line.unwrap_or(0), e.observed))
            .collect();
        assert_eq!(shown.len(), 3, "{shown:?}");
        assert!(
            shown[0].starts_with("/etc/sysctl.d/60-a.conf:1 2 (wins)"),
            "{shown:?}"
        );
        assert!(
            shown[1].contains("50-v.conf:1 sets \"0\": overridden by /etc/sysctl.d/60-a.conf:1")
        );
        assert!(shown[2].contains("/etc/sysctl.conf:1 sets \"5\": not applied"));
    }
}
