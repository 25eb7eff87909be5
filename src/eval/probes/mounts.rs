//! Mount points (`mount` probes): whether a path is its own file system and which of
//! `nodev`, `nosuid`, `noexec` its mount has, from fstab, systemd mount units and the
//! init system's own mounts, or on the live host the running mount table
//! ([`crate::facts::mounts`]).

use crate::catalogue::test::MountTest;
use crate::eval::{Evidence, EvidenceSource, Outcome, Verdict};
use crate::facts::mounts::{DefinedBy, Flags, Mounted, Mounts, FSTAB};
use crate::facts::{Fact, Facts};

fn source_of(m: &Mounted) -> EvidenceSource {
    match m.by {
        DefinedBy::Fstab | DefinedBy::Unit => EvidenceSource::origin(&m.origin),
        DefinedBy::Live => EvidenceSource::runtime(m.origin.to_string()),
        DefinedBy::SystemdBuiltin | DefinedBy::OpenrcBuiltin => {
            EvidenceSource::default_of(m.origin.path.to_string())
        }
    }
}

fn config_source(m: &Mounts) -> EvidenceSource {
    let mut what = vec![FSTAB.to_string()];
    if m.init == crate::facts::mounts::Init::Systemd {
        what.push("systemd .mount units".into());
    }
    if m.live.is_some() {
        what = vec![crate::facts::mounts::PROC_MOUNTS.into()];
    }
    EvidenceSource::search(what.join(", "))
}

pub(super) fn mount(t: &MountTest, facts: &Facts) -> Verdict {
    let m = collected!(facts => Mounts, EvidenceSource::collector("mount configuration"));
    let r = match m.resolve(&t.path) {
        Ok(r) => r,
        Err(e) => return Verdict::error(config_source(m), e, false),
    };
    let path = &r.path;
    let mut evidence = Vec::new();
    // Lines libmount ignores may be a mount the administrator believes is there.
    for i in &m.ignored {
        evidence.push(Evidence::new(
            EvidenceSource::origin(&i.origin),
            format!("ignored: {}", i.reason),
            "a line mount(8) accepts",
        ));
    }
    let notes = |evidence: &mut Vec<Evidence>, expected: &str| {
        for n in &r.notes {
            evidence.push(Evidence::new(
                EvidenceSource::derived("mount resolution"),
                n.clone(),
                expected.to_string(),
            ));
        }
    };
    if t.separate == Some(true) {
        let expected = format!("{path} mounted separately");
        return match &r.mounted {
            Some(mounted) => {
                evidence.insert(
                    0,
                    Evidence::new(
                        source_of(mounted),
                        format!(
                            "{} on {path} type {} ({})",
                            mounted.source, mounted.fstype, mounted.options
                        ),
                        expected.clone(),
                    ),
                );
                notes(&mut evidence, &expected);
                Verdict::pass(
                    format!(
                        "{path} is its own mount ({} {})",
                        mounted.fstype, mounted.source
                    ),
                    evidence,
                )
            }
            None => {
                evidence.insert(
                    0,
                    Evidence::new(
                        config_source(m),
                        format!("nothing mounted on {path}"),
                        expected.clone(),
                    ),
                );
                notes(&mut evidence, &expected);
                Verdict::fail(
                    format!("{path} is not a separate mount: it lives on its parent's file system"),
                    evidence,
                )
            }
        };
    }
    let option = t.option.as_deref().unwrap_or_default();
    let expected = format!("{option} in effect on {path}");
    let Some(mounted) = &r.mounted else {
        evidence.insert(
            0,
            Evidence::new(
                config_source(m),
                format!("nothing mounted on {path}"),
                expected.clone(),
            ),
        );
        notes(&mut evidence, &expected);
        return Verdict::with(
            Outcome::NotApplicable,
            format!(
                "not applicable: {path} is not separately mounted, so it has no mount options \
                 of its own (the check that {path} is separate fails instead)"
            ),
            evidence,
        );
    };
    let flags = Flags::of(&mounted.options);
    let set = flags.get(option).unwrap_or(false);
    evidence.insert(
        0,
        Evidence::new(
            source_of(mounted),
            format!(
                "{} on {path} type {} ({}): {option} {}",
                mounted.source,
                mounted.fstype,
                mounted.options,
                if set { "in effect" } else { "not in effect" }
            ),
            expected.clone(),
        ),
    );
    if matches!(
        mounted.by,
        DefinedBy::SystemdBuiltin | DefinedBy::OpenrcBuiltin
    ) {
        evidence.insert(
            1,
            Evidence::new(
                EvidenceSource::file(FSTAB, None),
                format!("no entry for {path}: the init system's own options apply"),
                format!("an entry for {path} with {option}, or the init system's {option}"),
            ),
        );
    }
    notes(&mut evidence, &expected);
    if set {
        Verdict::pass(format!("{path} is mounted {option}"), evidence)
    } else {
        Verdict::fail(
            format!("{path} is mounted without {option} ({})", mounted.options),
            evidence,
        )
    }
}
