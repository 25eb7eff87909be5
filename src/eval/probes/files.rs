//! File metadata (`file` probes) and matching lines (`lines` probes).
//!
//! Judged from the `files` and `lines` collectors' outputs: ownership and mode of every
//! file a planned path or glob matches, and whether a pattern matches a line.

use super::{compare, missing, not_collected, path_source};
use crate::catalogue::test::{parse_mode, Compare, FileTest, LinesTest, Presence};
use crate::eval::{Evidence, EvidenceSource, FindingItem, Outcome, Verdict};
use crate::facts::registry::{FileStats, LineMatches};
use crate::facts::{Fact, Facts};

pub(super) fn file(t: &FileTest, facts: &Facts) -> Verdict {
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

pub(super) fn lines(t: &LinesTest, facts: &Facts) -> Verdict {
    let matches = collected!(facts => LineMatches, EvidenceSource::collector("line matches"));
    let Some(fact) = matches
        .0
        .iter()
        .find(|l| l.query.path == t.path && l.query.pattern == t.matches)
    else {
        return not_collected(&format!("lines of {} matching {:?}", t.path, t.matches));
    };
    let files = collected!(&fact.result, path_source(&t.path));
    let expected = match (t.expect, &t.value) {
        (Presence::Absent, _) => format!("no line matching /{}/", t.matches),
        (Presence::Present, None) => format!("a line matching /{}/", t.matches),
        (Presence::Present, Some(v)) => format!(
            "a line matching /{}/, each with a value {}",
            t.matches,
            v.describe()
        ),
        (Presence::Satisfied, v) => format!(
            "every line matching /{}/ with a value {}",
            t.matches,
            v.as_ref().map(Compare::describe).unwrap_or_default()
        ),
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
    if let Some(cmp) = &t.value {
        return judge_values(t, cmp, hits, errors, denied, &searched, expected);
    }
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
        Presence::Absent | Presence::Satisfied => Verdict::pass(
            format!("no line matches /{}/", t.matches),
            vec![Evidence::new(
                EvidenceSource::search(searched.join(", ")),
                "no matching line",
                expected,
            )],
        ),
    }
}

/// Judge the `value` captured from every matching line. One line with a value that fails
/// the comparison fails the test; a line whose value cannot be read (withheld as a secret,
/// cut at the excerpt limit) or a file that could not be read is an error, since it might
/// hold a failing value; `present` also needs one matching line.
fn judge_values(
    t: &LinesTest,
    cmp: &Compare,
    hits: Vec<Evidence>,
    mut errors: Vec<String>,
    denied: bool,
    searched: &[&str],
    expected: String,
) -> Verdict {
    let re = match crate::patterns::regex(&t.matches) {
        Ok(re) => re,
        Err(e) => {
            return Verdict::error(
                EvidenceSource::catalogue(),
                format!("invalid pattern /{}/: {e}", t.matches),
                false,
            )
        }
    };
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for mut ev in hits {
        let at = match ev.line {
            Some(line) => format!("{}:{line}", ev.source),
            None => ev.source.clone(),
        };
        let value = re
            .captures(&ev.observed)
            .and_then(|c| c.name("value"))
            .map(|m| m.as_str().to_string());
        match value.map(|v| (compare(cmp, &v), v)) {
            Some((Ok(true), _)) => good.push(ev),
            Some((Ok(false), v)) => {
                ev.observed = format!("{} (value {v:?})", ev.observed);
                bad.push((at, v, ev));
            }
            Some((Err(e), _)) => errors.push(format!("{at}: {e}")),
            None => errors.push(format!(
                "{at}: the matched line's value could not be read again (line withheld or cut)"
            )),
        }
    }
    if !bad.is_empty() {
        let list: Vec<String> = bad
            .iter()
            .map(|(at, v, _)| format!("{at} sets {v}"))
            .collect();
        return Verdict::fail(
            format!("{}; expected a value {}", list.join(", "), cmp.describe()),
            bad.into_iter().map(|(_, _, e)| e).collect(),
        );
    }
    if !errors.is_empty() {
        let mut v = Verdict::error(path_source(&t.path), errors.join("; "), denied);
        v.evidence.extend(good);
        return v;
    }
    if good.is_empty() {
        let observed = "no matching line";
        let evidence = vec![Evidence::new(
            EvidenceSource::search(searched.join(", ")),
            observed,
            expected,
        )];
        return if t.expect == Presence::Satisfied {
            Verdict::pass(format!("no line matches /{}/", t.matches), evidence)
        } else {
            Verdict::fail(
                format!("no line matches /{}/ in {}", t.matches, searched.join(", ")),
                evidence,
            )
        };
    }
    Verdict::pass(
        format!(
            "{} matching line(s), each with a value {}",
            good.len(),
            cmp.describe()
        ),
        good,
    )
}
