//! The effective sshd configuration (`sshd` probes).
//!
//! An invalid line anywhere makes every check `error` (sshd refuses to start); the value
//! judged is the effective one (first wins, `sshd -T` on the live host), with its source,
//! and conflicting or ignored lines and `Match` blocks shown as evidence.

use super::{judge, numeric_compare};
use crate::catalogue::test::{Compare, SshdTest};
use crate::eval::{Evidence, EvidenceSource, Outcome, Verdict};
use crate::facts::sshd::{is_time_keyword, time_seconds, SshdConfig};
use crate::facts::sshd::{NoteKind, SettingSource};
use crate::facts::{Fact, Facts};

pub(super) fn sshd(t: &SshdTest, facts: &Facts) -> Verdict {
    let cfg = collected!(facts => SshdConfig, EvidenceSource::collector("sshd configuration"));
    if !cfg.present {
        return Verdict::error(
            EvidenceSource::file("/etc/ssh/sshd_config", None),
            "/etc/ssh/sshd_config does not exist; the sshd configuration is unknown",
            false,
        );
    }
    // sshd refuses to start when any line is invalid, wherever it is and whatever keyword
    // it sets: no setting of this configuration is in effect.
    let invalid: Vec<&crate::facts::sshd::Note> = cfg.invalid().collect();
    if let Some(first) = invalid.first() {
        let more = match invalid.len() {
            1 => String::new(),
            n => format!(" (and {} more invalid lines)", n - 1),
        };
        return Verdict {
            evidence: invalid
                .iter()
                .map(|n| note_evidence(n, "a line sshd accepts"))
                .collect(),
            ..Verdict::error(
                EvidenceSource::file("/etc/ssh/sshd_config", None),
                format!(
                    "sshd refuses to start with this configuration: {}{more}",
                    first.message
                ),
                false,
            )
        };
    }
    let key = t.key.to_ascii_lowercase();
    let cmp = t.compare();
    let Some(setting) = cfg.settings.get(&key) else {
        return Verdict::error(
            EvidenceSource::file("/etc/ssh/sshd_config", None),
            format!(
                "{} is not set and Ward knows no OpenSSH default for it",
                t.key
            ),
            false,
        );
    };
    let source = match (&setting.origin, setting.source) {
        (Some(o), _) => EvidenceSource::origin(o),
        (None, SettingSource::Default) => EvidenceSource::default_of("OpenSSH default"),
        (None, SettingSource::SshdT) => EvidenceSource::command("sshd -T"),
        (None, SettingSource::File) => EvidenceSource::file("/etc/ssh/sshd_config", None),
        (None, SettingSource::Derived) if key == crate::facts::sshd::ACCESS_LISTS => {
            EvidenceSource::derived(
                "derived by Ward from AllowUsers, AllowGroups, DenyUsers and DenyGroups",
            )
        }
        (None, SettingSource::Derived) if key == crate::facts::sshd::MFA => {
            EvidenceSource::derived("derived by Ward from AuthenticationMethods")
        }
        (None, SettingSource::Derived) => EvidenceSource::derived(
            "derived by Ward from ClientAliveInterval and ClientAliveCountMax",
        ),
    };
    let mut global = judge_value(&cmp, &key, &t.key, &setting.value, source);
    explain_mfa(&mut global, &key, &cfg.settings);
    if setting.source == SettingSource::Default {
        // Say where the setting would go: nothing in the files sets it.
        global.evidence.push(Evidence::new(
            EvidenceSource::file(crate::facts::sshd::MAIN_CONFIG, None),
            format!(
                "{} is not set in {} or the files it includes; OpenSSH's default applies",
                t.key,
                crate::facts::sshd::MAIN_CONFIG
            ),
            cmp.describe(),
        ));
    }
    // On the live host `sshd -T` wins; when it disagrees with the files, say so. Later
    // lines that lose to the effective value, and `Match all` overrides, are shown too.
    for note in cfg.notes_for(&key, NoteKind::SshdTDisagrees) {
        global.evidence.push(Evidence::new(
            EvidenceSource::command("sshd -T"),
            note.message.clone(),
            cmp.describe(),
        ));
    }
    for kind in [NoteKind::MatchAll, NoteKind::Conflict, NoteKind::Ignored] {
        for note in cfg.notes_for(&key, kind) {
            global
                .evidence
                .push(note_evidence(note, "no effect on the effective value"));
        }
    }
    if !t.match_blocks || global.outcome == Outcome::Error {
        return global;
    }
    let mut verdicts = vec![global];
    for block in &cfg.match_blocks {
        if let Some(s) = block.settings.get(&key) {
            let origin = s.origin.clone().unwrap_or_else(|| block.origin.clone());
            let mut v = judge_value(
                &cmp,
                &key,
                &format!("{} in `Match {}`", t.key, block.criteria),
                &s.value,
                EvidenceSource::origin(&origin),
            );
            explain_mfa(&mut v, &key, &block.settings);
            if v.outcome == Outcome::Pass {
                v.evidence.clear();
            }
            verdicts.push(v);
        }
    }
    crate::eval::combine_all(verdicts)
}

/// Judge one value as sshd reads it: a time keyword compared with a number is read in
/// seconds as sshd's `convtime` reads it (`1m30s` is 90), the way `sshd -T` prints it.
/// For Ward's derived [`crate::facts::sshd::MFA`], show the AuthenticationMethods value it
/// was derived from.
fn explain_mfa(
    v: &mut Verdict,
    key: &str,
    settings: &std::collections::BTreeMap<String, crate::facts::sshd::Setting>,
) {
    if key != crate::facts::sshd::MFA {
        return;
    }
    if let (Some(first), Some(methods)) = (
        v.evidence.first_mut(),
        settings.get("authenticationmethods"),
    ) {
        first.observed = format!(
            "AuthenticationMethods {:?}{}: {}",
            methods.value,
            if methods.source == SettingSource::Default {
                " (OpenSSH's default)"
            } else {
                ""
            },
            first.observed
        );
    }
}

fn judge_value(
    cmp: &Compare,
    keyword: &str,
    subject: &str,
    value: &str,
    source: EvidenceSource,
) -> Verdict {
    if !(numeric_compare(cmp) && is_time_keyword(keyword)) {
        return judge(cmp, subject, value, source);
    }
    let Some(seconds) = time_seconds(value) else {
        return Verdict::error(
            source,
            format!("{subject}: {value:?} is not a time value sshd accepts"),
            false,
        );
    };
    let seconds = seconds.to_string();
    let mut v = judge(cmp, subject, &seconds, source);
    if seconds != value {
        if let Some(first) = v.evidence.first_mut() {
            first.observed = format!("{value:?}, which sshd reads as {seconds} seconds");
        }
        v.reason = v.reason.replacen(
            &format!("{seconds:?}"),
            &format!("{value:?} ({seconds} s)"),
            1,
        );
    }
    v
}

/// Evidence for one sshd configuration note, at its file and line.
fn note_evidence(note: &crate::facts::sshd::Note, expected: &str) -> Evidence {
    let source = match &note.origin {
        Some(o) => EvidenceSource::origin(o),
        None => EvidenceSource::collector("sshd configuration"),
    };
    Evidence::new(source, note.message.clone(), expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::test::Scalar;
    use crate::eval::probes::tests::facts_with_sshd;
    use crate::eval::EvidenceKind;

    #[test]
    fn sshd_t_disagreement_is_shown_as_evidence() {
        use crate::facts::sshd::{Note, Setting, SshdConfig};
        let mut cfg = SshdConfig {
            present: true,
            ..SshdConfig::default()
        };
        cfg.settings.insert(
            "permitrootlogin".into(),
            Setting {
                value: "yes".into(),
                source: SettingSource::SshdT,
                origin: Some(crate::facts::Origin::at("/etc/ssh/sshd_config", 3)),
            },
        );
        // Selected by keyword and kind, whatever the wording.
        cfg.notes.push(Note::new(
            Some("permitrootlogin"),
            NoteKind::SshdTDisagrees,
            None,
            "the daemon and the files differ".into(),
        ));
        cfg.notes.push(Note::new(
            Some("passwordauthentication"),
            NoteKind::SshdTDisagrees,
            None,
            "permitrootlogin: sshd -T reports (another keyword's note)".into(),
        ));
        let t = prl_no();
        let v = sshd(&t, &facts_with_sshd(cfg.clone()));
        assert_eq!(v.outcome, Outcome::Fail);
        let shown: Vec<&str> = v
            .evidence
            .iter()
            .filter(|e| e.kind == EvidenceKind::Command)
            .map(|e| e.observed.as_str())
            .collect();
        assert_eq!(shown, vec!["the daemon and the files differ"]);
        assert_eq!(v.evidence[0].kind, EvidenceKind::File);
        assert_eq!(v.evidence[0].line, Some(3));

        // An unset keyword is judged on OpenSSH's default, and the evidence says so by kind.
        let mut dflt = cfg.clone();
        dflt.settings.insert(
            "permitrootlogin".into(),
            Setting {
                value: "without-password".into(),
                source: SettingSource::Default,
                origin: None,
            },
        );
        let v = sshd(&t, &facts_with_sshd(dflt));
        assert_eq!(v.evidence[0].kind, EvidenceKind::Default, "{v:?}");
        assert_eq!(v.evidence[0].line, None);

        // Any invalid line anywhere makes every sshd check an error naming file and line.
        cfg.notes.push(Note::new(
            Some("maxauthtries"),
            NoteKind::Invalid,
            Some(crate::facts::Origin::at("/etc/ssh/sshd_config.d/x.conf", 7)),
            "/etc/ssh/sshd_config.d/x.conf:7: MaxAuthTries bad (sshd refuses to start)".into(),
        ));
        let v = sshd(&t, &facts_with_sshd(cfg));
        assert_eq!(v.outcome, Outcome::Error);
        assert!(v.reason.contains("x.conf:7"), "{}", v.reason);
        assert_eq!(v.evidence[0].source, "/etc/ssh/sshd_config.d/x.conf");
        assert_eq!(v.evidence[0].line, Some(7));
    }

    fn prl_no() -> SshdTest {
        SshdTest {
            key: "PermitRootLogin".into(),
            match_blocks: true,
            equals: None,
            one_of: Some(vec![Scalar("no".into())]),
            none_of: None,
            at_least: None,
            at_most: None,
            matches: None,
            includes_none: None,
            includes_all: None,
            bits_set: None,
        }
    }
}
