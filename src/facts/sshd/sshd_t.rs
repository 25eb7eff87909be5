//! Running `sshd -T` on the live host: sshd's own print-out of the effective global
//! configuration, through the bounded runner in [`crate::exec`] (no shell, environment
//! cleared, stdin closed, output capped, killed after a timeout). Its values replace the
//! ones computed from the files; every disagreement becomes a structured note.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use super::{Note, NoteKind, Setting, SettingSource, SshdConfig};
use crate::exec::{self, Limits};
use crate::host_root::{FileKind, HostRoot};

/// The sshd binary run for `sshd -T` on the live host.
pub const SSHD_PATH: &str = "/usr/sbin/sshd";
/// How long `sshd -T` may run.
const SSHD_T_TIMEOUT: Duration = Duration::from_secs(5);
/// Most bytes of `sshd -T` output accepted.
const SSHD_T_OUTPUT_CAP: usize = 1024 * 1024;
/// Most bytes of `sshd -T` error output kept for a note.
const STDERR_CAP: usize = 4096;

pub(super) fn sshd_installed(root: &HostRoot) -> bool {
    root.metadata(SSHD_PATH)
        .is_ok_and(|m| m.kind == FileKind::File)
}

/// Run `sshd -T`; its standard output, or why it failed (as a phrase after the command).
pub(super) fn run_sshd_t() -> Result<String, String> {
    let limits = Limits {
        timeout: SSHD_T_TIMEOUT,
        stdout_cap: SSHD_T_OUTPUT_CAP,
        stderr_cap: STDERR_CAP,
    };
    let run = exec::run(Path::new(SSHD_PATH), &["-T"], limits).map_err(|e| e.to_string())?;
    if !run.status.success() {
        let detail = String::from_utf8_lossy(&run.stderr);
        let detail: String = detail
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .take(3)
            .collect::<Vec<_>>()
            .join("; ")
            .chars()
            .take(300)
            .collect();
        let hint = if crate::facts::current_uid() != 0 {
            " (sshd -T needs root to read the host keys)"
        } else {
            ""
        };
        return Err(if detail.is_empty() {
            format!("failed ({}){hint}", run.status)
        } else {
            format!("failed ({}: {detail}){hint}", run.status)
        });
    }
    if run.stdout_truncated {
        return Err(format!(
            "printed more than {SSHD_T_OUTPUT_CAP} bytes; its output was not used"
        ));
    }
    Ok(String::from_utf8_lossy(&run.stdout).into_owned())
}

/// Normalise a value for comparison with `sshd -T` output.
fn normalise(keyword: &str, value: &str) -> String {
    let v = value
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    if keyword == "permitrootlogin" && v == "without-password" {
        "prohibit-password".to_string()
    } else if super::keywords::is_time(keyword) {
        // sshd -T prints times in seconds; the files may say `1m`.
        super::keywords::parse_time(&v).map_or(v, |n| n.to_string())
    } else {
        v
    }
}

/// Make `sshd -T` output the effective global settings, noting where it disagrees with the
/// values computed from the files and defaults.
pub(super) fn merge_sshd_t(cfg: &mut SshdConfig, output: &str) {
    let mut printed: BTreeMap<String, String> = BTreeMap::new();
    for line in output.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (keyword, value) = match line.split_once(|c: char| c.is_ascii_whitespace()) {
            Some((k, v)) => (k.to_ascii_lowercase(), v.trim()),
            None => (line.to_ascii_lowercase(), ""),
        };
        // sshd -T prints PermitRootLogin's current default under its deprecated alias.
        let value =
            if keyword == "permitrootlogin" && value.eq_ignore_ascii_case("without-password") {
                "prohibit-password"
            } else {
                value
            };
        printed
            .entry(keyword)
            .and_modify(|v| {
                v.push(' ');
                v.push_str(value);
            })
            .or_insert_with(|| value.to_string());
    }
    if printed.is_empty() {
        cfg.notes.push(Note::new(
            None,
            NoteKind::Info,
            None,
            format!(
                "`{SSHD_PATH} -T` printed nothing; the settings come from the configuration \
                 files and OpenSSH's defaults"
            ),
        ));
        return;
    }
    cfg.notes.push(Note::new(
        None,
        NoteKind::Info,
        None,
        format!(
            "global settings are the output of `{SSHD_PATH} -T` ({} keywords); Match blocks \
             come from the files",
            printed.len()
        ),
    ));
    for (keyword, value) in printed {
        let origin = match cfg.settings.get(&keyword) {
            Some(old) => {
                if normalise(&keyword, &old.value) != normalise(&keyword, &value) {
                    let from = match (&old.origin, old.source) {
                        (Some(o), _) => format!("set at {o}"),
                        (None, SettingSource::Default) => "OpenSSH default".to_string(),
                        (None, _) => "configuration files".to_string(),
                    };
                    cfg.notes.push(Note::new(
                        Some(&keyword),
                        NoteKind::SshdTDisagrees,
                        old.origin.clone(),
                        format!(
                            "{keyword}: sshd -T reports {value:?} but the files give {:?} \
                             ({from}); using sshd -T",
                            old.value
                        ),
                    ));
                }
                match old.source {
                    SettingSource::File => old.origin.clone(),
                    SettingSource::Default | SettingSource::SshdT | SettingSource::Derived => None,
                }
            }
            None => None,
        };
        cfg.settings.insert(
            keyword,
            Setting {
                value,
                source: SettingSource::SshdT,
                origin,
            },
        );
    }
}
