//! The file system walk (`filesystem` probes): world-writable files, world-writable
//! directories without the sticky bit, files no account or group owns, and set-id programs
//! outside an allow-list.
//!
//! A walk cut short by its depth, entry or time bound, or with directories it could not
//! read, never passes: it is `error` naming the bound or the first unreadable path. What it
//! did find still fails the check, since each item is positive evidence. Only metadata is
//! shown (path, kind, mode, owner ids).

use crate::catalogue::test::FilesystemTest;
use crate::eval::{Evidence, EvidenceSource, Outcome, Verdict};
use crate::facts::accounts::Accounts;
use crate::facts::walk::{Capped, Found, Walk};
use crate::facts::{Fact, Facts};

/// Most offenders shown as evidence (the rest are counted).
const MAX_EVIDENCE: usize = 50;

pub(super) fn filesystem(t: &FilesystemTest, facts: &Facts) -> Verdict {
    let walk = collected!(facts => Walk, EvidenceSource::collector("filesystem_walk"));
    let (offenders, total, ok, bad, expected): (Vec<&Found>, u64, &str, &str, String) =
        if t.no_world_writable_files.is_some() {
            all(
                &walk.world_writable_files,
                "no world-writable regular file",
                "world-writable regular file(s)",
                "not writable by others",
            )
        } else if t.world_writable_dirs_sticky.is_some() {
            all(
                &walk.world_writable_dirs,
                "every world-writable directory has the sticky bit",
                "world-writable director(ies) without the sticky bit",
                "the sticky bit (or not writable by others)",
            )
        } else if t.no_unowned.is_some() {
            all(
                &walk.unowned,
                "every file's UID has a passwd entry",
                "file(s) whose UID has no passwd entry",
                "a UID listed in /etc/passwd",
            )
        } else if t.no_ungrouped.is_some() {
            all(
                &walk.ungrouped,
                "every file's GID has a group entry",
                "file(s) whose GID has no group entry",
                "a GID listed in /etc/group",
            )
        } else if let Some(allow) = &t.setid_only {
            let allow = match allow.value() {
                Ok(a) => a,
                Err(e) => return Verdict::error(EvidenceSource::catalogue(), e, false),
            };
            let offenders: Vec<&Found> = walk
                .setid
                .items
                .iter()
                .filter(|f| !allow.contains(&f.path))
                .collect();
            let unlisted = walk.setid.count - walk.setid.items.len() as u64;
            let total = offenders.len() as u64;
            if total == 0 && unlisted > 0 {
                return Verdict::error(
                    EvidenceSource::collector("filesystem_walk"),
                    format!(
                        "{} set-id files found, more than the {} the walk lists; Ward cannot \
                         tell whether the rest are expected",
                        walk.setid.count,
                        walk.setid.items.len()
                    ),
                    false,
                );
            }
            (
                offenders,
                total,
                "every set-user-ID or set-group-ID file is an expected one",
                "set-user-ID or set-group-ID file(s) outside the expected set",
                "no set-id bit, or a path in the expected set".to_string(),
            )
        } else {
            return Verdict::error(
                EvidenceSource::catalogue(),
                "filesystem: no query set",
                false,
            );
        };
    let ownership = t.no_unowned.is_some() || t.no_ungrouped.is_some();
    judge(walk, facts, offenders, total, ok, bad, &expected, ownership)
}

fn all<'a>(
    list: &'a Capped,
    ok: &'static str,
    bad: &'static str,
    expected: &str,
) -> (Vec<&'a Found>, u64, &'static str, &'static str, String) {
    (
        list.items.iter().collect(),
        list.count,
        ok,
        bad,
        expected.to_string(),
    )
}

/// What stops a walk from vouching for the whole tree, if anything.
fn incomplete(walk: &Walk) -> Option<String> {
    if let Some(limit) = &walk.limit_reached {
        return Some(format!("the walk stopped early: {limit}"));
    }
    if walk.unreadable_count > 0 {
        return Some(format!(
            "{} path(s) could not be read (first: {})",
            walk.unreadable_count,
            walk.unreadable.first().map(String::as_str).unwrap_or("?")
        ));
    }
    None
}

#[allow(clippy::too_many_arguments)]
fn judge(
    walk: &Walk,
    facts: &Facts,
    offenders: Vec<&Found>,
    total: u64,
    ok: &str,
    bad: &str,
    expected: &str,
    ownership: bool,
) -> Verdict {
    let gap = incomplete(walk);
    if total == 0 {
        if let Some(gap) = gap {
            let denied = walk.limit_reached.is_none() && walk.permission_denied;
            return Verdict::error(EvidenceSource::collector("filesystem_walk"), gap, denied);
        }
        let mut evidence = vec![Evidence::new(
            EvidenceSource::search("/"),
            format!("{ok} among {} entries walked", walk.entries),
            ok,
        )];
        if !walk.other_mounts.is_empty() {
            evidence.push(Evidence::new(
                EvidenceSource::search("/"),
                format!("other mounts not walked: {}", walk.other_mounts.join(", ")),
                "",
            ));
        }
        return Verdict::pass(ok, evidence);
    }
    // Local files that import accounts from NIS (`+` entries) do not list every id in use.
    if ownership {
        if let Some(acc) = facts.get::<Accounts>().filter(|a| !a.nis_compat.is_empty()) {
            return Verdict::error(
                EvidenceSource::origin(&acc.nis_compat[0]),
                format!(
                    "{total} {bad} in the local files, but they import accounts from NIS \
                     (`+`/`-` entries), so Ward cannot tell whether those ids exist"
                ),
                false,
            );
        }
    }
    let mut evidence: Vec<Evidence> = offenders
        .iter()
        .take(MAX_EVIDENCE)
        .map(|f| {
            Evidence::new(
                EvidenceSource::file(f.path.clone(), None),
                format!("{} mode {:04o}, owner {}:{}", f.kind, f.mode, f.uid, f.gid),
                expected,
            )
        })
        .collect();
    let shown = evidence.len() as u64;
    if total > shown {
        evidence.push(Evidence::new(
            EvidenceSource::search("/"),
            format!("{} more not shown", total - shown),
            "",
        ));
    }
    let mut reason = format!("{total} {bad}");
    if let Some(gap) = gap {
        reason = format!("{reason}; also {gap}");
    }
    Verdict::with(Outcome::Fail, reason, evidence)
}
