//! Daemon settings that are not key/value files of their own: systemd's daemon
//! configuration with drop-ins (`systemd_config` probes) and pam_limits' resource limits
//! (`limits` probes).

use super::judge;
use crate::catalogue::test::{LimitsTest, SystemdConfigTest};
use crate::eval::{Evidence, EvidenceSource, Outcome, Verdict};
use crate::facts::limits::{Limits, LIMITS_CONF};
use crate::facts::systemd_conf::SystemdConf;
use crate::facts::{Fact, Facts};

pub(super) fn systemd_config(t: &SystemdConfigTest, facts: &Facts) -> Verdict {
    let main = format!("/etc/systemd/{}", t.file);
    let conf = collected!(facts => SystemdConf, EvidenceSource::file(&main, None));
    let Some(file) = conf.files.get(&t.file) else {
        return Verdict::error(
            EvidenceSource::file(&main, None),
            format!("{} was not collected", t.file),
            false,
        );
    };
    let cmp = t.compare();
    let subject = format!("{}.{}", t.section, t.key);
    let mut v = match file.effective(&t.section, &t.key) {
        Some(a) => judge(&cmp, &subject, &a.value, EvidenceSource::origin(&a.origin)),
        None => match &t.default {
            Some(d) => {
                let mut v = judge(
                    &cmp,
                    &subject,
                    &d.0,
                    EvidenceSource::default_of(format!("systemd's built-in {}", t.key)),
                );
                v.evidence.push(Evidence::new(
                    EvidenceSource::file(&main, None),
                    format!(
                        "{} is not set in {} (read: {})",
                        t.key,
                        t.file,
                        if file.read.is_empty() {
                            "no file".to_string()
                        } else {
                            file.read.join(", ")
                        }
                    ),
                    cmp.describe(),
                ));
                v
            }
            None => Verdict::fail(
                format!("{subject} is not set"),
                vec![Evidence::new(
                    EvidenceSource::file(&main, None),
                    format!("{} not set", t.key),
                    cmp.describe(),
                )],
            ),
        },
    };
    // Earlier assignments the effective one overrides are shown, so a drop-in that
    // silently undoes the main file is visible.
    for a in file
        .assignments
        .iter()
        .filter(|a| a.section == t.section && a.key == t.key)
        .rev()
        .skip(1)
    {
        v.evidence.push(Evidence::new(
            EvidenceSource::origin(&a.origin),
            format!("{}={} (overridden by a later file)", a.key, a.value),
            cmp.describe(),
        ));
    }
    v
}

/// Judge one limits line: no limit compares as the largest number and shows as `unlimited`.
fn judge_limit(
    cmp: &crate::catalogue::test::Compare,
    subject: &str,
    e: &crate::facts::limits::Entry,
) -> Verdict {
    if e.number().is_some() {
        return judge(cmp, subject, &e.value, EvidenceSource::origin(&e.origin));
    }
    let mut v = judge(
        cmp,
        subject,
        &i64::MAX.to_string(),
        EvidenceSource::origin(&e.origin),
    );
    v.reason = v
        .reason
        .replace(&format!("{:?}", i64::MAX.to_string()), "unlimited");
    for ev in &mut v.evidence {
        ev.observed = format!("{} (no limit)", e.value);
    }
    v
}

pub(super) fn limits(t: &LimitsTest, facts: &Facts) -> Verdict {
    let l = collected!(facts => Limits, EvidenceSource::file(LIMITS_CONF, None));
    let cmp = t.compare();
    let mut verdict = match l.everyone_hard(&t.item) {
        Some(e) => judge_limit(&cmp, &format!("the hard {} limit for everyone", t.item), e),
        None => Verdict::fail(
            format!(
                "no `*` line sets a hard {} limit: the kernel's default (no limit) applies",
                t.item
            ),
            vec![Evidence::new(
                EvidenceSource::file(LIMITS_CONF, None),
                format!(
                    "no `* hard {}` or `* - {}` line (read: {})",
                    t.item,
                    t.item,
                    l.files.join(", ")
                ),
                cmp.describe(),
            )],
        ),
    };
    for e in l.specific_hard(&t.item) {
        let v = judge_limit(
            &cmp,
            &format!("the hard {} limit for {}", t.item, e.domain),
            e,
        );
        if v.outcome != Outcome::Pass {
            if verdict.outcome == Outcome::Pass {
                verdict.outcome = Outcome::Fail;
                verdict.reason = v.reason.clone();
            }
            verdict.evidence.extend(v.evidence);
        }
    }
    for (origin, why) in &l.invalid {
        verdict.evidence.push(Evidence::new(
            EvidenceSource::origin(origin),
            why.clone(),
            "a line pam_limits applies",
        ));
        if why.contains("exempts *") && verdict.outcome == Outcome::Pass {
            verdict.outcome = Outcome::Fail;
            verdict.reason = format!("{origin}: {why}");
        }
    }
    verdict
}
