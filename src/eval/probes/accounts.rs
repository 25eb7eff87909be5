//! Local accounts (`account` probes): UID 0, password fields and hashes, shells, ids.
//!
//! Read from the accounts collector (parsed as glibc does). A line glibc rejects turns a
//! pass into an error; no hash or part of one is ever put in evidence.

use compact_str::CompactString;

use crate::catalogue::test::AccountTest;
use crate::eval::{Evidence, EvidenceSource, Outcome, Verdict};
use crate::facts::accounts::{Accounts, HashAlgorithm, PasswordState, GROUP, PASSWD, SHADOW};
use crate::facts::registry::LoginDefs;
use crate::facts::{Fact, Facts};

/// Most line notes shown as evidence for one finding (the rest are counted).
const MAX_NOTE_EVIDENCE: usize = 20;

pub(super) fn account(t: &AccountTest, facts: &Facts) -> Verdict {
    let acc = collected!(facts => Accounts, EvidenceSource::collector("accounts"));
    let verdict = account_query(t, acc, facts);
    with_line_notes(verdict, acc, account_files(t))
}

/// The account databases a query reads.
fn account_files(t: &AccountTest) -> &'static [&'static str] {
    if t.no_nis_compat.is_some() {
        &[PASSWD, GROUP, SHADOW]
    } else if t.uid_zero_only.is_some()
        || t.all_shadowed.is_some()
        || t.root_gid_zero.is_some()
        || t.home_directories_exist.is_some()
        || t.home_directories_owned.is_some()
        || t.home_directory_mode_at_most.is_some()
    {
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
            EvidenceSource::origin(&n.origin),
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
    if t.root_gid_zero.is_some() {
        return root_gid_zero(acc);
    }
    if t.home_directories_exist.is_some()
        || t.home_directories_owned.is_some()
        || t.home_directory_mode_at_most.is_some()
    {
        return home_directories(t, acc, facts);
    }
    if let Some(allow) = &t.uid_zero_only {
        let offenders: Vec<Evidence> = acc
            .users
            .iter()
            .filter(|u| u.uid == 0 && !allow.iter().any(|a| *a == u.name))
            .map(|u| {
                Evidence::new(
                    EvidenceSource::origin(&u.origin),
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
    if t.no_nis_compat.is_some() {
        // shadow must have been read: an entry there is as much a legacy entry.
        if let Fact::Error {
            reason,
            permission_denied,
        } = &acc.shadow
        {
            return Verdict::error(
                EvidenceSource::file(SHADOW, None),
                reason.clone(),
                *permission_denied,
            );
        }
        let offenders: Vec<Evidence> = acc
            .nis_compat
            .iter()
            .map(|o| {
                Evidence::new(
                    EvidenceSource::origin(o),
                    "NIS compat (`+`/`-`) entry",
                    "no NIS compat entries",
                )
            })
            .collect();
        return verdict_list(
            offenders,
            "no NIS compat (`+`/`-`) entries in passwd, group or shadow",
            "NIS compat (`+`/`-`) entries: with `compat` in nsswitch.conf they import \
             accounts from NIS, whatever the local files say",
            EvidenceSource::search("/etc/passwd, /etc/group, /etc/shadow"),
        );
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
                    EvidenceSource::origin(&u.origin),
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
                        EvidenceSource::origin(origin),
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
        let mut ev = duplicate_ids(
            &acc.users,
            |u| u.uid,
            |u| (&u.origin, u.name.as_str()),
            "UID",
        );
        ev.extend(duplicate_ids(
            &acc.groups,
            |g| g.gid,
            |g| (&g.origin, g.name.as_str()),
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
        let mut ev = duplicate_names(
            acc.users.iter().map(|u| (&u.origin, u.name.as_str())),
            "account name",
        );
        ev.extend(duplicate_names(
            acc.groups.iter().map(|g| (&g.origin, g.name.as_str())),
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
        let gids: foldhash::HashSet<u32> = acc.groups.iter().map(|g| g.gid).collect();
        let offenders: Vec<Evidence> = acc
            .users
            .iter()
            .filter(|u| !gids.contains(&u.gid))
            .map(|u| {
                Evidence::new(
                    EvidenceSource::origin(&u.origin),
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
        let mut members: Vec<&str> = g.members.iter().map(CompactString::as_str).collect();
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
            EvidenceSource::origin(&g.origin),
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

/// Repeated numeric ids, in file order, each naming the first holder. Found by sorting
/// `(id, position)` pairs: a million ids sort faster than they fill a hash table.
fn duplicate_ids<'a, T>(
    items: &'a [T],
    id: impl Fn(&T) -> u32,
    label: impl Fn(&'a T) -> (&'a crate::facts::Origin, &'a str),
    what: &str,
) -> Vec<Evidence> {
    // Positions fit 32 bits: no account file holds 4 billion lines under the read cap.
    let mut keyed: Vec<u64> = items
        .iter()
        .enumerate()
        .map(|(i, t)| (u64::from(id(t)) << 32) | i as u64)
        .collect();
    keyed.sort_unstable();
    // (later position, first position) for every repeat.
    let mut repeats: Vec<(usize, usize)> = Vec::new();
    for run in keyed.chunk_by(|a, b| a >> 32 == b >> 32) {
        let first = (run[0] & 0xffff_ffff) as usize;
        repeats.extend(run[1..].iter().map(|k| ((k & 0xffff_ffff) as usize, first)));
    }
    repeats.sort_unstable();
    repeats
        .into_iter()
        .map(|(later, first)| {
            let (origin, name) = label(&items[later]);
            let (_, first_name) = label(&items[first]);
            Evidence::new(
                EvidenceSource::origin(origin),
                format!(
                    "{name} repeats {what} {} of {first_name}",
                    id(&items[later])
                ),
                format!("unique {what}"),
            )
        })
        .collect()
}

/// Names repeating an earlier one, in file order. A hash set of borrowed names: linear in
/// the number of entries (a million-account passwd); foldhash is fast and seeded at random,
/// so a planted passwd cannot force collisions.
fn duplicate_names<'a>(
    items: impl Iterator<Item = (&'a crate::facts::Origin, &'a str)>,
    what: &str,
) -> Vec<Evidence> {
    let mut seen: foldhash::HashSet<&str> =
        foldhash::HashSet::with_capacity_and_hasher(items.size_hint().0, Default::default());
    let mut out = Vec::new();
    for (origin, name) in items {
        if !seen.insert(name) {
            out.push(Evidence::new(
                EvidenceSource::origin(origin),
                format!("{name} repeats {what} {name} of {name}"),
                format!("unique {what}"),
            ));
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
                EvidenceSource::origin(&u.origin),
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
                EvidenceSource::origin(&e.origin),
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

/// login.defs `UID_MIN`, or shadow's default of 1000.
fn uid_min(facts: &Facts) -> u32 {
    facts
        .get::<LoginDefs>()
        .and_then(|kv| kv.0.effective("UID_MIN"))
        .and_then(|(v, _)| v.parse::<u32>().ok())
        .unwrap_or(1000)
}

/// A shell no one logs in with. An empty shell field is /bin/sh (passwd(5)): a login shell.
fn no_login_shell(s: &str) -> bool {
    matches!(
        s.rsplit('/').next().unwrap_or(s),
        "nologin" | "false" | "sync" | "shutdown" | "halt"
    )
}

/// root's primary group, as the first `root` entry of passwd (the one getpwnam returns).
fn root_gid_zero(acc: &Accounts) -> Verdict {
    match acc.users.iter().find(|u| u.name == "root") {
        Some(u) if u.gid == 0 => Verdict::pass(
            "root's primary group is GID 0",
            vec![Evidence::new(
                EvidenceSource::origin(&u.origin),
                "root has primary GID 0",
                "GID 0",
            )],
        ),
        Some(u) => Verdict::fail(
            format!("root's primary group is GID {}, not 0", u.gid),
            vec![Evidence::new(
                EvidenceSource::origin(&u.origin),
                format!("root has primary GID {}", u.gid),
                "GID 0",
            )],
        ),
        None => Verdict::fail(
            "/etc/passwd has no root entry",
            vec![Evidence::new(
                EvidenceSource::file(PASSWD, None),
                "no root entry",
                "root with primary GID 0",
            )],
        ),
    }
}

/// Home directories of login accounts: UID at least `UID_MIN` (nobody excepted) with a
/// login shell. A home that does not exist fails `home_directories_exist` and is left to
/// it by the other two queries, which judge the homes that exist.
fn home_directories(t: &AccountTest, acc: &Accounts, facts: &Facts) -> Verdict {
    use crate::facts::walk::Homes;
    use crate::host_root::FileKind;
    let homes = collected!(facts => Homes, EvidenceSource::collector("home_dirs"));
    let min = uid_min(facts);
    let mask = match t.home_directory_mode_at_most.as_ref().map(|m| m.value()) {
        Some(Ok(m)) => Some(m),
        Some(Err(e)) => return Verdict::error(EvidenceSource::catalogue(), e, false),
        None => None,
    };
    let mut offenders = Vec::new();
    let mut judged = Vec::new();
    let mut missing = Vec::new();
    for u in &acc.users {
        if u.uid < min || u.name == "nobody" || u.uid == 65534 || no_login_shell(&u.shell) {
            continue;
        }
        let Some(home) = homes
            .homes
            .iter()
            .find(|h| h.user == u.name && h.uid == u.uid)
        else {
            return Verdict::error(
                EvidenceSource::collector("home_dirs"),
                format!("no record of {}'s home directory", u.name),
                false,
            );
        };
        let src = EvidenceSource::file(home.path.clone(), None);
        let meta = match &home.meta {
            Fact::Collected { value } => value,
            Fact::Error {
                reason,
                permission_denied,
            } => {
                if home.missing {
                    missing.push(Evidence::new(
                        src,
                        format!("{}: home {} does not exist", u.name, home.path),
                        "an existing directory",
                    ));
                    continue;
                }
                return Verdict::error(src, reason.clone(), *permission_denied);
            }
        };
        if t.home_directories_exist.is_some() {
            if meta.kind == FileKind::Directory {
                judged.push(u.name.to_string());
            } else {
                offenders.push(Evidence::new(
                    src,
                    format!("{}: home {} is a {}", u.name, home.path, meta.kind),
                    "a directory",
                ));
            }
        } else if t.home_directories_owned.is_some() {
            if meta.uid == u.uid {
                judged.push(u.name.to_string());
            } else {
                offenders.push(Evidence::new(
                    src,
                    format!(
                        "{}: home {} is owned by UID {}",
                        u.name, home.path, meta.uid
                    ),
                    format!("UID {} ({})", u.uid, u.name),
                ));
            }
        } else if let Some(mask) = mask {
            if meta.mode & !mask == 0 {
                judged.push(u.name.to_string());
            } else {
                offenders.push(Evidence::new(
                    src,
                    format!("{}: home {} has mode {:04o}", u.name, home.path, meta.mode),
                    format!("at most {mask:04o}"),
                ));
            }
        }
    }
    if t.home_directories_exist.is_some() {
        offenders.extend(missing);
    }
    let ok = if judged.is_empty() {
        format!("no login account (UID {min} or above with a login shell) has a home to judge")
    } else {
        format!("home directories of {} are as required", judged.join(", "))
    };
    verdict_list(
        offenders,
        &ok,
        "login account home director(ies) are not as required",
        EvidenceSource::file(PASSWD, None),
    )
}

fn system_accounts_no_login(acc: &Accounts, facts: &Facts) -> Verdict {
    let uid_min = uid_min(facts);
    let shadow = acc.shadow.value();
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
                EvidenceSource::origin(&u.origin),
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
    use crate::facts::accounts::User;
    use crate::facts::Origin;

    fn user(name: &str, uid: u32, line: usize) -> User {
        User {
            name: name.into(),
            uid,
            gid: uid,
            home: "/home".into(),
            shell: "/bin/sh".into(),
            passwd_field: PasswordState::Shadowed,
            origin: Origin::at(PASSWD, line),
        }
    }

    #[test]
    fn repeated_ids_and_names_are_listed_in_file_order_naming_the_first_holder() {
        let users = vec![
            user("a", 5, 1),
            user("b", 7, 2),
            user("c", 5, 3),
            user("d", 7, 4),
            user("a", 9, 5),
            user("e", 5, 6),
        ];
        let shown = |ev: Vec<Evidence>| -> Vec<(Option<usize>, String)> {
            ev.into_iter().map(|e| (e.line, e.observed)).collect()
        };
        let ids = duplicate_ids(&users, |u| u.uid, |u| (&u.origin, u.name.as_str()), "UID");
        assert_eq!(
            shown(ids),
            [
                (Some(3), "c repeats UID 5 of a".to_string()),
                (Some(4), "d repeats UID 7 of b".to_string()),
                (Some(6), "e repeats UID 5 of a".to_string()),
            ]
        );
        let names = duplicate_names(
            users.iter().map(|u| (&u.origin, u.name.as_str())),
            "account name",
        );
        assert_eq!(
            shown(names),
            [(Some(5), "a repeats account name a of a".to_string())]
        );
    }
}
