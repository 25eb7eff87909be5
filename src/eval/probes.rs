//! One evaluator per probe kind. Each reads only the facts bundle and returns a verdict with
//! evidence; a missing or failed fact is `error`, never `pass`.

use super::{Evidence, EvidenceSource, FindingItem, Outcome, Verdict};
use crate::catalogue::test::{
    parse_mode, AccountTest, Compare, ConfigTest, FileTest, KeyTest, LinesTest, PackageTest,
    Presence, ServiceTest, SshdTest, SysctlTest, Test, WhenMissing,
};
use crate::facts::accounts::{Accounts, HashAlgorithm, PasswordState, GROUP, PASSWD, SHADOW};
use crate::facts::keyvalue::KeyValues;
use crate::facts::packages::Inventory;
use crate::facts::registry::{ConfigValues, FileStats, LineMatches, LoginDefs};
use crate::facts::sshd::SshdConfig;
use crate::facts::sshd::{NoteKind, SettingSource};
use crate::facts::sysctl::Sysctl;
use crate::facts::systemd::UnitState;
use crate::facts::systemd::Units;
use crate::facts::{Fact, Facts};

pub(super) fn evaluate(test: &Test, facts: &Facts) -> Verdict {
    match test {
        Test::File(t) => file(t, facts),
        Test::Lines(t) => lines(t, facts),
        Test::Config(t) => config(t, facts),
        Test::LoginDefs(t) => login_defs(t, facts),
        Test::Sshd(t) => sshd(t, facts),
        Test::Sysctl(t) => sysctl(t, facts),
        Test::Package(t) => package(t, facts),
        Test::Service(t) => service(t, facts),
        Test::Account(t) => account(t, facts),
        Test::All(_) | Test::Any(_) | Test::None(_) | Test::Not(_) => {
            super::evaluate_test(test, facts)
        }
    }
}

/// Unwrap a fact or return the error verdict. `collected!(facts => Type, source)` reads a
/// collector's output from the bundle; `collected!(fact, source)` unwraps a nested fact.
/// `source` is the [`EvidenceSource`] an error's evidence names.
macro_rules! collected {
    ($facts:expr => $ty:ty, $src:expr) => {
        match $facts.fact::<$ty>() {
            Ok(fact) => collected!(fact, $src),
            // A live-only fact on an image: the check cannot apply, it did not pass.
            Err(e @ crate::facts::FactError::LiveOnly { .. }) => {
                return Verdict::with(
                    Outcome::NotApplicable,
                    e.to_string(),
                    vec![Evidence::new($src, e.to_string(), "the live host")],
                )
            }
            Err(e) => return Verdict::error($src, e.to_string(), false),
        }
    };
    ($fact:expr, $src:expr) => {
        match $fact {
            Fact::Collected { value } => value,
            Fact::Error {
                reason,
                permission_denied,
            } => {
                let src: EvidenceSource = $src;
                // Read errors already start with the path; do not say it twice.
                let reason = if reason.starts_with(&src.name) {
                    reason.clone()
                } else {
                    format!("{}: {reason}", src.name)
                };
                return Verdict::error(src, reason, *permission_denied);
            }
        }
    };
}

/// The source a catalogue path names: one file, or the files a glob matches.
fn path_source(path: &str) -> EvidenceSource {
    if path.contains(['*', '?', '[']) {
        EvidenceSource::search(path)
    } else {
        EvidenceSource::file(path, None)
    }
}

fn not_collected(what: &str) -> Verdict {
    Verdict::error(
        EvidenceSource::collector("facts bundle"),
        format!(
            "{what} was not collected: the facts bundle was made with a different catalogue; \
             collect again with this one"
        ),
        false,
    )
}

fn missing(policy: WhenMissing, reason: String, evidence: Vec<Evidence>) -> Verdict {
    let outcome = match policy {
        WhenMissing::Pass => Outcome::Pass,
        WhenMissing::Fail => Outcome::Fail,
        WhenMissing::Error => Outcome::Error,
    };
    Verdict::with(outcome, reason, evidence)
}

/// Apply a comparison to an observed value. `Err` when the value cannot be compared (not an
/// integer where one is needed).
pub(crate) fn compare(cmp: &Compare, observed: &str) -> Result<bool, String> {
    let obs = observed.trim();
    let eq = |s: &str| s.eq_ignore_ascii_case(obs);
    let mut ok = true;
    if let Some(v) = &cmp.equals {
        ok &= eq(&v.0);
    }
    if let Some(v) = &cmp.one_of {
        ok &= v.iter().any(|s| eq(&s.0));
    }
    if let Some(v) = &cmp.none_of {
        ok &= !v.iter().any(|s| eq(&s.0));
    }
    if cmp.at_least.is_some() || cmp.at_most.is_some() {
        let n: i64 = parse_int(obs).ok_or_else(|| format!("{obs:?} is not an integer"))?;
        if let Some(min) = &cmp.at_least {
            ok &= n >= min.value()?;
        }
        if let Some(max) = &cmp.at_most {
            ok &= n <= max.value()?;
        }
    }
    if let Some(re) = &cmp.matches {
        let re = regex::Regex::new(re).map_err(|e| format!("invalid pattern: {e}"))?;
        ok &= re.is_match(obs);
    }
    let items: Vec<String> = obs
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| s.to_ascii_lowercase())
        .collect();
    if let Some(v) = &cmp.includes_none {
        ok &= !v
            .iter()
            .any(|s| items.iter().any(|i| i.eq_ignore_ascii_case(&s.0)));
    }
    if let Some(v) = &cmp.includes_all {
        ok &= v
            .iter()
            .all(|s| items.iter().any(|i| i.eq_ignore_ascii_case(&s.0)));
    }
    Ok(ok)
}

fn parse_int(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        return i64::from_str_radix(hex, 16).ok();
    }
    s.parse().ok()
}

/// Compare one value and build the verdict.
fn judge(cmp: &Compare, subject: &str, observed: &str, source: EvidenceSource) -> Verdict {
    let expected = cmp.describe();
    let ev = vec![Evidence::new(source.clone(), observed, expected.clone())];
    match compare(cmp, observed) {
        Ok(true) => Verdict::pass(format!("{subject} is {observed:?}"), ev),
        Ok(false) => Verdict::fail(
            format!("{subject} is {observed:?}; expected {expected}"),
            ev,
        ),
        Err(e) => Verdict {
            evidence: ev,
            ..Verdict::error(source, format!("{subject}: {e}"), false)
        },
    }
}

fn file(t: &FileTest, facts: &Facts) -> Verdict {
    let stats = collected!(facts => FileStats, EvidenceSource::collector("file metadata"));
    let Some(fact) = stats.0.get(&t.path) else {
        return not_collected(&format!("file {}", t.path));
    };
    let set = collected!(fact, path_source(&t.path));
    if set.entries.is_empty() {
        let ev = vec![Evidence::new(
            EvidenceSource::file(&t.path, None),
            "absent",
            expected_file(t),
        )];
        return match t.exists {
            Some(false) => Verdict::pass(format!("{} does not exist", t.path), ev),
            Some(true) => Verdict::fail(format!("{} does not exist", t.path), ev),
            None => missing(t.when_missing, format!("{} does not exist", t.path), ev),
        };
    }
    if t.exists == Some(false) {
        let ev: Vec<Evidence> = set
            .entries
            .iter()
            .map(|e| Evidence::new(EvidenceSource::file(&e.path, None), "present", "absent"))
            .collect();
        let names: Vec<&str> = set.entries.iter().map(|e| e.path.as_str()).collect();
        return Verdict::fail(format!("{} exists", names.join(", ")), ev);
    }
    let allowed = t.mode_at_most.as_deref().and_then(parse_mode);
    let mut bad = Vec::new();
    let mut good = Vec::new();
    let mut errors = Vec::new();
    let mut denied = false;
    let mut items = Vec::new();
    for e in &set.entries {
        let stat = match &e.stat {
            Fact::Collected { value } => value,
            Fact::Error {
                reason,
                permission_denied,
            } => {
                denied |= *permission_denied;
                errors.push(reason.clone());
                items.push(FindingItem {
                    subject: e.path.clone(),
                    outcome: Outcome::Error,
                    fields: [("error".to_string(), reason.clone())].into(),
                });
                continue;
            }
        };
        let owner = stat
            .owner
            .clone()
            .unwrap_or_else(|| format!("uid {}", stat.meta.uid));
        let group = stat
            .group
            .clone()
            .unwrap_or_else(|| format!("gid {}", stat.meta.gid));
        let observed = format!("mode {:04o}, owner {owner}, group {group}", stat.meta.mode);
        let mut problems = Vec::new();
        let mut unknown = Vec::new();
        if let Some(max) = allowed {
            let extra = stat.meta.mode & !max;
            if extra != 0 {
                problems.push(format!(
                    "mode {:04o} grants bits {:04o} beyond {:04o}",
                    stat.meta.mode, extra, max
                ));
            }
        }
        // Without the host's passwd and group, an unnamed ID proves nothing either way.
        let names_error = stat.names_error.as_deref();
        if let Some(owners) = &t.owner {
            if !stat.owner.as_ref().is_some_and(|o| owners.contains(o)) {
                match names_error {
                    Some(why) if stat.owner.is_none() => {
                        unknown.push(format!("{}: owner of uid {}: {why}", e.path, stat.meta.uid))
                    }
                    _ => problems.push(format!("owner is {owner}")),
                }
            }
        }
        if let Some(groups) = &t.group {
            if !stat.group.as_ref().is_some_and(|g| groups.contains(g)) {
                match names_error {
                    Some(why) if stat.group.is_none() => {
                        unknown.push(format!("{}: group of gid {}: {why}", e.path, stat.meta.gid))
                    }
                    _ => problems.push(format!("group is {group}")),
                }
            }
        }
        items.push(FindingItem {
            subject: e.path.clone(),
            outcome: if problems.is_empty() {
                Outcome::Pass
            } else {
                Outcome::Fail
            },
            fields: [
                ("mode".to_string(), format!("{:04o}", stat.meta.mode)),
                ("owner".to_string(), owner.clone()),
                ("group".to_string(), group.clone()),
            ]
            .into(),
        });
        let ev = Evidence::new(
            EvidenceSource::file(&e.path, None),
            observed,
            expected_file(t),
        );
        if !problems.is_empty() {
            bad.push((format!("{}: {}", e.path, problems.join(", ")), ev));
        } else if !unknown.is_empty() {
            errors.extend(unknown);
            good.push(ev);
        } else {
            good.push(ev);
        }
    }
    // Rows only when the path matched several files: one file is the finding itself.
    if set.entries.len() < 2 {
        items.clear();
    }
    if !bad.is_empty() {
        let reason = bad
            .iter()
            .map(|b| b.0.clone())
            .collect::<Vec<_>>()
            .join("; ");
        return Verdict::fail(reason, bad.into_iter().map(|b| b.1).collect()).with_items(items);
    }
    if !errors.is_empty() {
        let mut v = Verdict::error(path_source(&t.path), errors.join("; "), denied);
        v.evidence.extend(good);
        return v.with_items(items);
    }
    let n = good.len();
    Verdict::pass(
        if n == 1 {
            format!("{} meets the expected permissions", set.entries[0].path)
        } else {
            format!(
                "all {n} files matching {} meet the expected permissions",
                t.path
            )
        },
        good,
    )
    .with_items(items)
}

fn expected_file(t: &FileTest) -> String {
    let mut parts = Vec::new();
    match t.exists {
        Some(true) => parts.push("present".to_string()),
        Some(false) => return "absent".to_string(),
        None => {}
    }
    if let Some(m) = &t.mode_at_most {
        parts.push(format!("mode at most {m}"));
    }
    if let Some(o) = &t.owner {
        parts.push(format!("owner {}", o.join(" or ")));
    }
    if let Some(g) = &t.group {
        parts.push(format!("group {}", g.join(" or ")));
    }
    parts.join(", ")
}

fn lines(t: &LinesTest, facts: &Facts) -> Verdict {
    let matches = collected!(facts => LineMatches, EvidenceSource::collector("line matches"));
    let Some(fact) = matches
        .0
        .iter()
        .find(|l| l.query.path == t.path && l.query.pattern == t.matches)
    else {
        return not_collected(&format!("lines of {} matching {:?}", t.path, t.matches));
    };
    let files = collected!(&fact.result, path_source(&t.path));
    let expected = match t.expect {
        Presence::Present => format!("a line matching /{}/", t.matches),
        Presence::Absent => format!("no line matching /{}/", t.matches),
    };
    if files.is_empty() {
        return missing(
            t.when_missing,
            format!("{} does not exist", t.path),
            vec![Evidence::new(
                EvidenceSource::file(&t.path, None),
                "file absent",
                expected,
            )],
        );
    }
    let mut hits = Vec::new();
    let mut errors = Vec::new();
    let mut denied = false;
    for f in files {
        match &f.matches {
            Fact::Collected { value } => {
                for m in value {
                    hits.push(Evidence::new(
                        EvidenceSource::file(&f.path, Some(m.line)),
                        &m.text,
                        expected.clone(),
                    ));
                }
            }
            Fact::Error {
                reason,
                permission_denied,
            } => {
                denied |= *permission_denied;
                errors.push(reason.clone());
            }
        }
    }
    let searched: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    match t.expect {
        Presence::Present if !hits.is_empty() => {
            Verdict::pass(format!("found a line matching /{}/", t.matches), hits)
        }
        Presence::Absent if !hits.is_empty() => Verdict::fail(
            format!("found {} line(s) matching /{}/", hits.len(), t.matches),
            hits,
        ),
        _ if !errors.is_empty() => Verdict::error(path_source(&t.path), errors.join("; "), denied),
        Presence::Present => Verdict::fail(
            format!("no line matches /{}/ in {}", t.matches, searched.join(", ")),
            vec![Evidence::new(
                EvidenceSource::search(searched.join(", ")),
                "no matching line",
                expected,
            )],
        ),
        Presence::Absent => Verdict::pass(
            format!("no line matches /{}/", t.matches),
            vec![Evidence::new(
                EvidenceSource::search(searched.join(", ")),
                "no matching line",
                expected,
            )],
        ),
    }
}

fn key_value(kv: &KeyValues, key: &str, cmp: &Compare, when_missing: WhenMissing) -> Verdict {
    if !kv.present {
        return missing(
            when_missing,
            format!("{} does not exist", kv.path),
            vec![Evidence::new(
                EvidenceSource::file(&kv.path, None),
                "file absent",
                cmp.describe(),
            )],
        );
    }
    match kv.effective(key) {
        Some((value, origin)) => judge(
            cmp,
            key,
            value,
            EvidenceSource::file(&origin.path, origin.line),
        ),
        None => missing(
            when_missing,
            format!("{key} is not set in {}", kv.path),
            vec![Evidence::new(
                EvidenceSource::file(&kv.path, None),
                format!("{key} not set"),
                cmp.describe(),
            )],
        ),
    }
}

fn config(t: &ConfigTest, facts: &Facts) -> Verdict {
    let configs =
        collected!(facts => ConfigValues, EvidenceSource::collector("configuration keys"));
    let Some(fact) = configs.0.iter().find(|c| {
        c.query.path == t.path && c.query.format == t.format && c.query.keys.contains(&t.key)
    }) else {
        return not_collected(&format!("{} {}", t.path, t.key));
    };
    let kv = collected!(&fact.result, path_source(&t.path));
    key_value(kv, &t.key, &t.compare(), t.when_missing)
}

fn login_defs(t: &KeyTest, facts: &Facts) -> Verdict {
    let kv = collected!(facts => LoginDefs, EvidenceSource::file("/etc/login.defs", None));
    key_value(&kv.0, &t.key, &t.compare(), t.when_missing)
}

fn sshd(t: &SshdTest, facts: &Facts) -> Verdict {
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
        (Some(o), _) => EvidenceSource::file(&o.path, o.line),
        (None, SettingSource::Default) => EvidenceSource::default_of("OpenSSH default"),
        (None, SettingSource::SshdT) => EvidenceSource::command("sshd -T"),
        (None, SettingSource::File) => EvidenceSource::file("/etc/ssh/sshd_config", None),
        (None, SettingSource::Derived) => EvidenceSource::derived(
            "derived by Ward from ClientAliveInterval and ClientAliveCountMax",
        ),
    };
    let mut global = judge(&cmp, &t.key, &setting.value, source);
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
            let mut v = judge(
                &cmp,
                &format!("{} in `Match {}`", t.key, block.criteria),
                &s.value,
                EvidenceSource::file(&origin.path, origin.line),
            );
            if v.outcome == Outcome::Pass {
                v.evidence.clear();
            }
            verdicts.push(v);
        }
    }
    super::combine_all(verdicts)
}

/// Evidence for one sshd configuration note, at its file and line.
fn note_evidence(note: &crate::facts::sshd::Note, expected: &str) -> Evidence {
    let source = match &note.origin {
        Some(o) => EvidenceSource::file(&o.path, o.line),
        None => EvidenceSource::collector("sshd configuration"),
    };
    Evidence::new(source, note.message.clone(), expected)
}

/// Whether a comparison is about integers: an integer bound, or every listed value an
/// integer. Such a sysctl value is read the way the kernel reads it.
fn numeric_compare(cmp: &Compare) -> bool {
    let all_int = |v: &[crate::catalogue::test::Scalar]| {
        !v.is_empty() && v.iter().all(|s| s.0.trim().parse::<i64>().is_ok())
    };
    cmp.at_least.is_some()
        || cmp.at_most.is_some()
        || cmp
            .equals
            .as_ref()
            .is_some_and(|e| all_int(std::slice::from_ref(e)))
        || cmp.one_of.as_deref().is_some_and(all_int)
        || cmp.none_of.as_deref().is_some_and(all_int)
}

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
                EvidenceSource::file(&s.origin.path, s.origin.line),
                format!("{what}: {fate}{note}"),
                expected,
            )
        })
        .collect()
}

fn sysctl(t: &SysctlTest, facts: &Facts) -> Verdict {
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
                        EvidenceSource::file(&c.origin.path, c.origin.line),
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
                        EvidenceSource::file(&c.origin.path, c.origin.line),
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
    super::combine_all(verdicts)
}

fn package(t: &PackageTest, facts: &Facts) -> Verdict {
    let pkgs = collected!(facts => Inventory, EvidenceSource::collector("installed packages"));
    let found = pkgs.packages.iter().find(|p| p.name == t.name);
    let expected = if t.installed {
        "installed"
    } else {
        "not installed"
    };
    match (found, t.installed) {
        (Some(p), want) => {
            let ev = vec![Evidence::new(
                EvidenceSource::file(&p.origin.path, p.origin.line),
                format!("{} {} ({}) installed", p.name, p.version, p.status),
                expected,
            )];
            let reason = format!("{} {} is installed", p.name, p.version);
            if want {
                Verdict::pass(reason, ev)
            } else {
                Verdict::fail(reason, ev)
            }
        }
        (None, want) => {
            let ev = vec![Evidence::new(
                EvidenceSource::file(&pkgs.database, None),
                format!("{} not installed", t.name),
                expected,
            )];
            let reason = format!("{} is not installed", t.name);
            if want {
                Verdict::fail(reason, ev)
            } else {
                Verdict::pass(reason, ev)
            }
        }
    }
}

fn service(t: &ServiceTest, facts: &Facts) -> Verdict {
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

/// Most line notes shown as evidence for one finding (the rest are counted).
const MAX_NOTE_EVIDENCE: usize = 20;

fn account(t: &AccountTest, facts: &Facts) -> Verdict {
    let acc = collected!(facts => Accounts, EvidenceSource::collector("accounts"));
    let verdict = account_query(t, acc, facts);
    with_line_notes(verdict, acc, account_files(t))
}

/// The account databases a query reads.
fn account_files(t: &AccountTest) -> &'static [&'static str] {
    if t.uid_zero_only.is_some() || t.all_shadowed.is_some() {
        &[PASSWD]
    } else if t.no_empty_passwords.is_some()
        || t.hash_algorithms.is_some()
        || t.system_accounts_no_login.is_some()
    {
        &[PASSWD, SHADOW]
    } else {
        &[PASSWD, GROUP]
    }
}

/// Show the warnings about the files a query read, and turn a pass into an error when one
/// of them has lines the C library rejects: Ward cannot vouch for what they were meant to be.
/// A fail stays a fail (its offenders are positive evidence) and lists those lines too.
fn with_line_notes(mut v: Verdict, acc: &Accounts, files: &[&str]) -> Verdict {
    let note_evidence = |n: &crate::facts::accounts::LineNote, kind: &str, expected: &str| {
        Evidence::new(
            EvidenceSource::file(&n.origin.path, n.origin.line),
            format!("{kind}: {}", n.message),
            expected,
        )
    };
    let malformed: Vec<_> = files.iter().flat_map(|f| acc.malformed_in(f)).collect();
    let warnings: Vec<_> = files.iter().flat_map(|f| acc.warnings_in(f)).collect();
    let mut notes: Vec<Evidence> = malformed
        .iter()
        .take(MAX_NOTE_EVIDENCE)
        .map(|n| note_evidence(n, "malformed line", "a line the C library accepts"))
        .collect();
    notes.extend(
        warnings
            .iter()
            .take(MAX_NOTE_EVIDENCE)
            .map(|n| note_evidence(n, "warning", "a plainly written entry")),
    );
    for (list, what) in [
        (malformed.len(), "malformed lines"),
        (warnings.len(), "warnings"),
    ] {
        if list > MAX_NOTE_EVIDENCE {
            notes.push(Evidence::new(
                EvidenceSource::search(files.join(", ")),
                format!("{} more {what} not shown", list - MAX_NOTE_EVIDENCE),
                "",
            ));
        }
    }
    if malformed.is_empty() || v.outcome == Outcome::Fail {
        if !malformed.is_empty() {
            v.reason = format!(
                "{}; also {} line(s) the C library rejects (first: {})",
                v.reason,
                malformed.len(),
                malformed[0]
            );
        }
        v.evidence.extend(notes);
        return v;
    }
    let reason = format!(
        "{} line(s) the C library rejects (first: {}); it skips them, but Ward cannot tell \
         what accounts they were meant to define, and other readers may not skip them",
        malformed.len(),
        malformed[0]
    );
    // An error already found (e.g. shadow unreadable) keeps its reason first.
    let reason = if v.outcome == Outcome::Error {
        format!("{}; also {reason}", v.reason)
    } else {
        reason
    };
    let mut evidence = notes;
    evidence.extend(v.evidence);
    Verdict {
        outcome: Outcome::Error,
        reason,
        evidence,
        permission_denied: v.permission_denied,
        items: v.items,
    }
}

/// What a password field holds, in words (never the hash).
fn describe_password(p: &PasswordState) -> String {
    match p {
        PasswordState::Shadowed => "`x` (kept in /etc/shadow)".to_string(),
        PasswordState::Empty => "an empty password field".to_string(),
        PasswordState::NoPassword => {
            "a locked or invalid value that no password matches".to_string()
        }
        PasswordState::Locked { algorithm } => {
            format!("a locked {} hash", algorithm_name(*algorithm))
        }
        PasswordState::Hash {
            algorithm: HashAlgorithm::Unknown,
        } => "a value Ward does not recognise (possibly a usable hash)".to_string(),
        PasswordState::Hash { algorithm } => format!("a {} hash", algorithm_name(*algorithm)),
    }
}

fn algorithm_name(a: HashAlgorithm) -> String {
    serde_json::to_value(a)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn account_query(t: &AccountTest, acc: &Accounts, facts: &Facts) -> Verdict {
    if let Some(allow) = &t.uid_zero_only {
        let offenders: Vec<Evidence> = acc
            .users
            .iter()
            .filter(|u| u.uid == 0 && !allow.contains(&u.name))
            .map(|u| {
                Evidence::new(
                    EvidenceSource::file(&u.origin.path, u.origin.line),
                    format!("{} has UID 0", u.name),
                    format!("only {} with UID 0", allow.join(", ")),
                )
            })
            .collect();
        return verdict_list(
            offenders,
            "no account other than the allowed ones has UID 0",
            "account(s) other than root have UID 0",
            EvidenceSource::file("/etc/passwd", None),
        );
    }
    if t.no_empty_passwords.is_some() {
        return no_empty_passwords(acc);
    }
    if t.all_shadowed.is_some() {
        // Only `x` sends the C library and PAM to /etc/shadow; anything else in passwd is
        // the password itself, or a value Ward cannot rule out as one.
        let offenders: Vec<Evidence> = acc
            .users
            .iter()
            .filter(|u| u.passwd_field != PasswordState::Shadowed)
            .map(|u| {
                Evidence::new(
                    EvidenceSource::file(&u.origin.path, u.origin.line),
                    format!(
                        "{}: password field holds {}, not `x`",
                        u.name,
                        describe_password(&u.passwd_field)
                    ),
                    "x (password kept in /etc/shadow)",
                )
            })
            .collect();
        return verdict_list(
            offenders,
            "every account keeps its password in /etc/shadow",
            "account(s) do not keep their password in /etc/shadow",
            EvidenceSource::file("/etc/passwd", None),
        );
    }
    if let Some(allowed) = &t.hash_algorithms {
        let shadow = collected!(&acc.shadow, EvidenceSource::file("/etc/shadow", None));
        let names = allowed
            .iter()
            .map(|a| algorithm_name(*a))
            .collect::<Vec<_>>()
            .join(", ");
        let mut offenders = Vec::new();
        // A hash left in passwd is used by PAM as it is; it counts as much as one in shadow.
        let in_passwd = acc
            .users
            .iter()
            .map(|u| (&u.name, &u.passwd_field, &u.origin));
        let in_shadow = shadow.iter().map(|(n, e)| (n, &e.password, &e.origin));
        for (name, state, origin) in in_passwd.chain(in_shadow) {
            if let PasswordState::Hash { algorithm } | PasswordState::Locked { algorithm } = state {
                if !allowed.contains(algorithm) {
                    offenders.push(Evidence::new(
                        EvidenceSource::file(&origin.path, origin.line),
                        format!("{name}: {}", describe_password(state)),
                        format!("one of {names}"),
                    ));
                }
            }
        }
        return verdict_list(
            offenders,
            "every password hash uses an allowed algorithm",
            "password hash(es) use a weak or unrecognised algorithm",
            EvidenceSource::file("/etc/shadow", None),
        );
    }
    if t.system_accounts_no_login.is_some() {
        return system_accounts_no_login(acc, facts);
    }
    if t.unique_ids.is_some() {
        let mut ev = duplicates(
            acc.users
                .iter()
                .map(|u| (u.uid.to_string(), &u.origin, &u.name)),
            "UID",
        );
        ev.extend(duplicates(
            acc.groups
                .iter()
                .map(|g| (g.gid.to_string(), &g.origin, &g.name)),
            "GID",
        ));
        return verdict_list(
            ev,
            "UIDs and GIDs are unique",
            "duplicate UIDs or GIDs",
            EvidenceSource::search("/etc/passwd, /etc/group"),
        );
    }
    if t.unique_names.is_some() {
        let mut ev = duplicates(
            acc.users
                .iter()
                .map(|u| (u.name.clone(), &u.origin, &u.name)),
            "account name",
        );
        ev.extend(duplicates(
            acc.groups
                .iter()
                .map(|g| (g.name.clone(), &g.origin, &g.name)),
            "group name",
        ));
        return verdict_list(
            ev,
            "account and group names are unique",
            "duplicate names",
            EvidenceSource::search("/etc/passwd, /etc/group"),
        );
    }
    if t.primary_groups_exist.is_some() {
        let gids: std::collections::HashSet<u32> = acc.groups.iter().map(|g| g.gid).collect();
        let offenders: Vec<Evidence> = acc
            .users
            .iter()
            .filter(|u| !gids.contains(&u.gid))
            .map(|u| {
                Evidence::new(
                    EvidenceSource::file(&u.origin.path, u.origin.line),
                    format!("{}: primary GID {} has no group", u.name, u.gid),
                    "primary group listed in /etc/group",
                )
            })
            .collect();
        return verdict_list(
            offenders,
            "every primary group exists",
            "account(s) have a primary group missing from /etc/group",
            EvidenceSource::file("/etc/passwd", None),
        );
    }
    if let Some(gm) = &t.group_members_only {
        let Some(g) = acc.groups.iter().find(|g| g.name == gm.group) else {
            return Verdict::pass(
                format!("group {} does not exist", gm.group),
                vec![Evidence::new(
                    EvidenceSource::file("/etc/group", None),
                    format!("no group {}", gm.group),
                    "",
                )],
            );
        };
        let mut members: Vec<&str> = g.members.iter().map(String::as_str).collect();
        // Accounts whose primary group it is are members too.
        members.extend(
            acc.users
                .iter()
                .filter(|u| u.gid == g.gid)
                .map(|u| u.name.as_str()),
        );
        let extra: Vec<&str> = members
            .into_iter()
            .filter(|m| !gm.allow.iter().any(|a| a == m))
            .collect();
        let ev = vec![Evidence::new(
            EvidenceSource::file(&g.origin.path, g.origin.line),
            format!(
                "members: {}",
                if extra.is_empty() {
                    "none unexpected".to_string()
                } else {
                    extra.join(", ")
                }
            ),
            format!(
                "only {}",
                if gm.allow.is_empty() {
                    "no one".to_string()
                } else {
                    gm.allow.join(", ")
                }
            ),
        )];
        return if extra.is_empty() {
            Verdict::pass(format!("group {} has only allowed members", g.name), ev)
        } else {
            Verdict::fail(
                format!(
                    "group {} has unexpected members: {}",
                    g.name,
                    extra.join(", ")
                ),
                ev,
            )
        };
    }
    Verdict::error(
        EvidenceSource::catalogue(),
        "account test sets no query",
        false,
    )
}

fn verdict_list(offenders: Vec<Evidence>, ok: &str, bad: &str, source: EvidenceSource) -> Verdict {
    if offenders.is_empty() {
        Verdict::pass(ok, vec![Evidence::new(source, ok, ok)])
    } else {
        Verdict::fail(format!("{} {bad}", offenders.len()), offenders)
    }
}

fn duplicates<'a>(
    items: impl Iterator<Item = (String, &'a crate::facts::Origin, &'a String)>,
    what: &str,
) -> Vec<Evidence> {
    let mut seen: std::collections::BTreeMap<String, &String> = std::collections::BTreeMap::new();
    let mut out = Vec::new();
    for (key, origin, name) in items {
        if let Some(first) = seen.get(&key) {
            out.push(Evidence::new(
                EvidenceSource::file(&origin.path, origin.line),
                format!("{name} repeats {what} {key} of {first}"),
                format!("unique {what}"),
            ));
        } else {
            seen.insert(key, name);
        }
    }
    out
}

fn no_empty_passwords(acc: &Accounts) -> Verdict {
    let mut offenders: Vec<Evidence> = acc
        .users
        .iter()
        .filter(|u| u.passwd_field == PasswordState::Empty)
        .map(|u| {
            Evidence::new(
                EvidenceSource::file(&u.origin.path, u.origin.line),
                format!("{}: empty password field", u.name),
                "a password or a locked field",
            )
        })
        .collect();
    let shadow = match &acc.shadow {
        Fact::Collected { value } => value,
        Fact::Error {
            reason,
            permission_denied,
        } => {
            if !offenders.is_empty() {
                return Verdict::fail(
                    "account(s) have an empty password in /etc/passwd",
                    offenders,
                );
            }
            return Verdict::error(
                EvidenceSource::file("/etc/shadow", None),
                reason.clone(),
                *permission_denied,
            );
        }
    };
    for (name, e) in shadow {
        if e.password == PasswordState::Empty {
            offenders.push(Evidence::new(
                EvidenceSource::file(&e.origin.path, e.origin.line),
                format!("{name}: empty password"),
                "a password or a locked field",
            ));
        }
    }
    verdict_list(
        offenders,
        "no account has an empty password",
        "account(s) can log in without a password",
        EvidenceSource::search("/etc/passwd, /etc/shadow"),
    )
}

fn system_accounts_no_login(acc: &Accounts, facts: &Facts) -> Verdict {
    let uid_min = facts
        .get::<LoginDefs>()
        .and_then(|kv| kv.0.effective("UID_MIN"))
        .and_then(|(v, _)| v.parse::<u32>().ok())
        .unwrap_or(1000);
    let shadow = acc.shadow.value();
    // An empty shell field is /bin/sh (passwd(5)): a login shell.
    let no_login_shell = |s: &str| {
        matches!(
            s.rsplit('/').next().unwrap_or(s),
            "nologin" | "false" | "sync" | "shutdown" | "halt"
        )
    };
    let mut offenders = Vec::new();
    let mut unknown = Vec::new();
    for u in &acc.users {
        let is_system = u.uid != 0 && (u.uid < uid_min || u.name == "nobody");
        if !is_system || no_login_shell(&u.shell) {
            continue;
        }
        // A login shell is tolerable only when no password can be used.
        let pw = match (&u.passwd_field, shadow) {
            (PasswordState::Shadowed, Some(s)) => s.get(&u.name).map(|e| e.password.clone()),
            (PasswordState::Shadowed, None) => {
                unknown.push(u.name.clone());
                continue;
            }
            (other, _) => Some(other.clone()),
        };
        let usable = match pw {
            Some(PasswordState::Hash { .. }) | Some(PasswordState::Empty) => true,
            Some(_) => false,
            None => true,
        };
        if usable {
            offenders.push(Evidence::new(
                EvidenceSource::file(&u.origin.path, u.origin.line),
                format!(
                    "{} (UID {}) has shell {} and a usable password",
                    u.name,
                    u.uid,
                    if u.shell.is_empty() {
                        "/bin/sh (empty shell field)"
                    } else {
                        u.shell.as_str()
                    }
                ),
                "a no-login shell or a locked password",
            ));
        }
    }
    if offenders.is_empty() && !unknown.is_empty() {
        let (reason, denied) = match &acc.shadow {
            Fact::Error {
                reason,
                permission_denied,
            } => (reason.clone(), *permission_denied),
            Fact::Collected { .. } => (String::new(), false),
        };
        return Verdict::error(
            EvidenceSource::file("/etc/shadow", None),
            format!(
                "system accounts with login shells ({}) and /etc/shadow unreadable: {reason}",
                unknown.join(", ")
            ),
            denied,
        );
    }
    verdict_list(
        offenders,
        "no system account can log in",
        "system account(s) can log in",
        EvidenceSource::file("/etc/passwd", None),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::test::Scalar;
    use crate::eval::EvidenceKind;

    fn cmp() -> Compare {
        Compare::default()
    }

    fn facts_with_sshd(cfg: crate::facts::sshd::SshdConfig) -> Facts {
        let mut facts = Facts::new(crate::facts::HostInfo {
            hostname: None,
            host_id: None,
            root: "/".into(),
            live: true,
            collector_uid: 0,
        });
        facts.insert(Fact::Collected { value: cfg });
        facts
    }

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
        }
    }

    #[test]
    fn missing_facts_are_errors_never_passes() {
        let t = Test::Package(PackageTest {
            name: "telnetd".into(),
            installed: false,
        });
        let v = evaluate(&t, &facts_with_sshd(Default::default()));
        assert_eq!(v.outcome, Outcome::Error);
        assert!(!v.evidence.is_empty());
    }

    #[test]
    fn comparisons() {
        let c = Compare {
            one_of: Some(vec![Scalar("no".into())]),
            ..cmp()
        };
        assert_eq!(compare(&c, "No"), Ok(true));
        assert_eq!(compare(&c, "yes"), Ok(false));
        let c = Compare {
            at_most: Some(crate::catalogue::test::Num::Value(4)),
            ..cmp()
        };
        assert_eq!(compare(&c, "4"), Ok(true));
        assert_eq!(compare(&c, "6"), Ok(false));
        assert!(compare(&c, "six").is_err());
        let c = Compare {
            includes_none: Some(vec![Scalar("3des-cbc".into())]),
            ..cmp()
        };
        assert_eq!(compare(&c, "aes256-ctr,3des-cbc"), Ok(false));
        assert_eq!(compare(&c, "aes256-ctr,aes128-ctr"), Ok(true));
    }

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
