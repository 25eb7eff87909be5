//! Time sources configured for the NTP daemons Ward knows: chrony, systemd-timesyncd,
//! ntpd (ntpsec and classic ntp) and OpenNTPD.
//!
//! A time-synchronisation daemon that is enabled but has no server to ask keeps nothing in
//! step, so `time.configured` needs both: this collector reads each daemon's configuration
//! as that daemon reads it and lists the sources it would use; the `time_sync` probe pairs
//! them with the daemons' enablement.
//!
//! * chrony (`conf.c` of chrony 4.x): the first of `/etc/chrony/chrony.conf` (Debian,
//!   Alpine) and `/etc/chrony.conf` (RHEL). Lines are read as `CPS_NormalizeLine` does:
//!   leading blanks skipped, a line whose first character is `!`, `;`, `#` or `%` is a
//!   comment (a `#` later on is not), the directive is the first word, without case.
//!   `server`, `pool` and `peer` with a host name, and `refclock` with a driver, are
//!   sources. `include PATTERN` reads the files the pattern matches (wildcards in the last
//!   component only); `confdir DIR…` reads the `*.conf` files of up to 10 directories,
//!   the first directory holding a name winning, in name order; `sourcedir DIR…` reads
//!   `*.sources` files the same way, whose lines count only when they end with a newline
//!   (chronyd skips the rest of such a file). Nesting deeper than 10 files, or a line of
//!   2048 characters or more, stops chronyd at start: recorded as `invalid`.
//! * systemd-timesyncd (systemd 252): `/etc/systemd/timesyncd.conf`, then the `*.conf`
//!   drop-ins of `timesyncd.conf.d` under `/etc/systemd`, `/run/systemd`,
//!   `/usr/local/lib/systemd`, `/usr/lib/systemd` and `/lib/systemd` (a name in an earlier
//!   directory hides it in later ones; drop-ins applied in name order). `NTP=` and
//!   `FallbackNTP=` in `[Time]` are lists: each assignment appends, an empty one clears.
//!   `FallbackNTP=` never assigned leaves the servers compiled into the package in effect;
//!   Ward records that (`builtin_fallback`) but does not count them as configured sources:
//!   they are the distribution's public pool, not a choice the organisation made, and may
//!   be unreachable from a clinical network. Servers learnt at run time from DHCP or
//!   systemd-networkd are not seen.
//! * ntpd: the first of `/etc/ntpsec/ntp.conf` (Debian's ntpsec) and `/etc/ntp.conf`;
//!   `#` starts a comment anywhere; `server`, `pool`, `peer` and `refclock` lines with an
//!   argument are sources; `includefile PATH` is followed (10 levels).
//! * OpenNTPD: the first of `/etc/openntpd/ntpd.conf` (Debian) and `/etc/ntpd.conf`;
//!   `server`, `servers` and `sensor` lines.
//!
//! A configuration file that exists but cannot be read is an error for that daemon, naming
//! the file; a daemon whose main file is absent has no configuration (`None`).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::{Deserialize, Serialize};

use super::{Fact, Origin};
use crate::host_root::{display_path, HostRoot, ReadError};

/// chrony's main configuration, Debian/Alpine path first.
pub const CHRONY_CONF: [&str; 2] = ["/etc/chrony/chrony.conf", "/etc/chrony.conf"];
/// systemd-timesyncd's main configuration.
pub const TIMESYNCD_CONF: &str = "/etc/systemd/timesyncd.conf";
/// Directories of timesyncd drop-ins, highest priority first.
pub const TIMESYNCD_DROPIN_DIRS: [&str; 5] = [
    "/etc/systemd/timesyncd.conf.d",
    "/run/systemd/timesyncd.conf.d",
    "/usr/local/lib/systemd/timesyncd.conf.d",
    "/usr/lib/systemd/timesyncd.conf.d",
    "/lib/systemd/timesyncd.conf.d",
];
/// ntpd's configuration: ntpsec on Debian, then classic ntp.
pub const NTP_CONF: [&str; 2] = ["/etc/ntpsec/ntp.conf", "/etc/ntp.conf"];
/// OpenNTPD's configuration.
pub const OPENNTPD_CONF: [&str; 2] = ["/etc/openntpd/ntpd.conf", "/etc/ntpd.conf"];

/// chronyd's nesting limit (`MAX_INCLUDE_LEVEL`).
const CHRONY_MAX_LEVEL: usize = 10;
/// chronyd's line buffer (`MAX_LINE_LENGTH`): a line this long or longer is fatal.
const CHRONY_MAX_LINE: usize = 2048;
/// chronyd's limit on directories in one `confdir`/`sourcedir` (`MAX_CONF_DIRS`).
const CHRONY_MAX_DIRS: usize = 10;
/// Most files followed through includes for one daemon.
const MAX_FILES: usize = 1000;

/// The time sources of every known NTP daemon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeSync {
    pub chrony: Fact<Option<Sources>>,
    pub timesyncd: Fact<Option<Sources>>,
    pub ntpd: Fact<Option<Sources>>,
    pub openntpd: Fact<Option<Sources>>,
}

/// What one daemon's configuration says about time sources.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sources {
    /// Files read, in order.
    pub files: Vec<String>,
    /// The sources the daemon would use.
    pub sources: Vec<Source>,
    /// timesyncd only: `FallbackNTP=` never set, so the compiled-in servers apply.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub builtin_fallback: bool,
    /// Lines the daemon refuses or that stop it (with file and line).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invalid: Vec<String>,
}

/// One configured time source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The directive (`server`, `pool`, `NTP`, `FallbackNTP`, `refclock`).
    pub directive: String,
    /// The server, pool or reference clock named.
    pub name: String,
    pub origin: Origin,
}

/// Read every daemon's configuration.
pub fn collect(root: &HostRoot) -> TimeSync {
    TimeSync {
        chrony: chrony(root),
        timesyncd: timesyncd(root),
        ntpd: simple(
            root,
            &NTP_CONF,
            &["server", "pool", "peer", "refclock"],
            true,
        ),
        openntpd: simple(
            root,
            &OPENNTPD_CONF,
            &["server", "servers", "sensor"],
            false,
        ),
    }
}

fn first_existing<'a>(root: &HostRoot, paths: &[&'a str]) -> Option<&'a str> {
    paths
        .iter()
        .copied()
        .find(|p| root.symlink_metadata(p).is_ok())
}

// ---- chrony ----

struct Chrony<'r> {
    root: &'r HostRoot,
    out: Sources,
}

fn chrony(root: &HostRoot) -> Fact<Option<Sources>> {
    let Some(main) = first_existing(root, &CHRONY_CONF) else {
        return Fact::Collected { value: None };
    };
    let mut c = Chrony {
        root,
        out: Sources::default(),
    };
    let mut source_dirs: Vec<String> = Vec::new();
    match c.read_file(main, 1, &mut source_dirs) {
        Ok(()) => {}
        Err(e) => return Fact::from_read_error(&e),
    }
    for line in source_dirs {
        if let Err(e) = c.search_dirs(&line, ".sources", 1, &mut Vec::new()) {
            return Fact::from_read_error(&e);
        }
    }
    Fact::Collected { value: Some(c.out) }
}

/// chronyd's `CPS_NormalizeLine`: `None` for a blank or comment line.
fn chrony_normalise(line: &str) -> Option<String> {
    let t = line.trim_start_matches(|c: char| c.is_ascii_whitespace());
    if t.is_empty() || t.starts_with(['!', ';', '#', '%']) {
        return None;
    }
    let words: Vec<&str> = t.split_ascii_whitespace().collect();
    (!words.is_empty()).then(|| words.join(" "))
}

impl Chrony<'_> {
    fn read_file(
        &mut self,
        path: &str,
        level: usize,
        source_dirs: &mut Vec<String>,
    ) -> Result<(), ReadError> {
        if level > CHRONY_MAX_LEVEL {
            self.out.invalid.push(format!(
                "{path}: included more than {CHRONY_MAX_LEVEL} levels deep; chronyd stops \
                 (\"Maximum include level reached\")"
            ));
            return Ok(());
        }
        if self.out.files.len() >= MAX_FILES {
            self.out
                .invalid
                .push(format!("{path}: more than {MAX_FILES} files; not read"));
            return Ok(());
        }
        let text = self.root.read_lossy(path)?;
        self.out.files.push(path.to_string());
        for (i, raw) in text.split_inclusive('\n').enumerate() {
            let n = i + 1;
            if raw.trim_end_matches('\n').len() >= CHRONY_MAX_LINE - 1 {
                self.out.invalid.push(format!(
                    "{path}:{n}: line too long; chronyd stops (\"String too long\")"
                ));
                continue;
            }
            let Some(line) = chrony_normalise(raw) else {
                continue;
            };
            let (cmd, rest) = line.split_once(' ').unwrap_or((&line, ""));
            let cmd = cmd.to_ascii_lowercase();
            match cmd.as_str() {
                "server" | "pool" | "peer" | "refclock" => {
                    self.source(&cmd, rest, path, n, true);
                }
                "include" => {
                    let pattern = rest.trim();
                    if pattern.is_empty() || pattern.contains(' ') {
                        self.out.invalid.push(format!(
                            "{path}:{n}: include needs one argument; chronyd stops"
                        ));
                        continue;
                    }
                    for p in self.root.glob_paths(pattern)? {
                        self.read_file(&display_path(&p), level + 1, source_dirs)?;
                    }
                }
                "confdir" => {
                    let mut nested = Vec::new();
                    if !self.search_dirs(rest, ".conf", level + 1, &mut nested)? {
                        self.out
                            .invalid
                            .push(format!("{path}:{n}: confdir needs 1 to 10 directories"));
                    }
                    source_dirs.extend(nested);
                }
                "sourcedir" => source_dirs.push(rest.to_string()),
                _ => {}
            }
        }
        Ok(())
    }

    fn source(&mut self, cmd: &str, rest: &str, path: &str, line: usize, fatal: bool) {
        match rest.split(' ').next().filter(|w| !w.is_empty()) {
            Some(name) => self.out.sources.push(Source {
                directive: cmd.to_string(),
                name: name.to_string(),
                origin: Origin::at(path.to_string(), line),
            }),
            None if fatal => self.out.invalid.push(format!(
                "{path}:{line}: {cmd} without a host name; chronyd stops"
            )),
            None => self
                .out
                .invalid
                .push(format!("{path}:{line}: {cmd} without a host name; ignored")),
        }
    }

    /// chronyd's `search_dirs`: the files ending in `suffix` in the directories of `line`,
    /// the first directory holding a name winning, in name order. `false` when `line`
    /// names no directory or too many.
    fn search_dirs(
        &mut self,
        line: &str,
        suffix: &str,
        level: usize,
        source_dirs: &mut Vec<String>,
    ) -> Result<bool, ReadError> {
        let dirs: Vec<&str> = line.split(' ').filter(|d| !d.is_empty()).collect();
        if dirs.is_empty() || dirs.len() > CHRONY_MAX_DIRS {
            return Ok(false);
        }
        let mut chosen: BTreeMap<String, String> = BTreeMap::new();
        for dir in &dirs {
            let pattern = format!("{}/*{suffix}", dir.trim_end_matches('/'));
            for p in self.root.glob_paths(&pattern)? {
                let shown = display_path(&p);
                let base = shown.rsplit('/').next().unwrap_or_default().to_string();
                chosen.entry(base).or_insert(shown);
            }
        }
        for path in chosen.into_values() {
            if suffix == ".conf" {
                self.read_file(&path, level, source_dirs)?;
            } else {
                self.read_sources_file(&path)?;
            }
        }
        Ok(true)
    }

    /// chronyd's `load_source_file`: lines must end with a newline; only sources.
    fn read_sources_file(&mut self, path: &str) -> Result<(), ReadError> {
        let text = self.root.read_lossy(path)?;
        self.out.files.push(path.to_string());
        for (i, raw) in text.split_inclusive('\n').enumerate() {
            if !raw.ends_with('\n') {
                self.out.invalid.push(format!(
                    "{path}:{}: not ended by a newline; chronyd ignores it",
                    i + 1
                ));
                break;
            }
            let Some(line) = chrony_normalise(raw) else {
                continue;
            };
            let (cmd, rest) = line.split_once(' ').unwrap_or((&line, ""));
            let cmd = cmd.to_ascii_lowercase();
            if matches!(cmd.as_str(), "server" | "pool" | "peer") {
                self.source(&cmd, rest, path, i + 1, false);
            }
        }
        Ok(())
    }
}

// ---- systemd-timesyncd ----

fn timesyncd(root: &HostRoot) -> Fact<Option<Sources>> {
    let mut files: Vec<String> = Vec::new();
    if root.symlink_metadata(TIMESYNCD_CONF).is_ok() {
        files.push(TIMESYNCD_CONF.to_string());
    }
    let mut seen_dirs = HashSet::new();
    let mut dropins: BTreeMap<String, String> = BTreeMap::new();
    for dir in TIMESYNCD_DROPIN_DIRS {
        match root.resolve(dir) {
            Ok(real) => {
                if !seen_dirs.insert(real) {
                    continue;
                }
            }
            Err(ReadError::NotFound { .. }) => continue,
            Err(e) => return Fact::from_read_error(&e),
        }
        let paths = match root.glob_paths(format!("{dir}/*.conf")) {
            Ok(p) => p,
            Err(e) => return Fact::from_read_error(&e),
        };
        for p in paths {
            let shown = display_path(&p);
            let base = shown.rsplit('/').next().unwrap_or_default().to_string();
            dropins.entry(base).or_insert(shown);
        }
    }
    files.extend(dropins.into_values());
    let mut out = Sources::default();
    let mut ntp: Vec<Source> = Vec::new();
    let mut fallback: Option<Vec<Source>> = None;
    for path in &files {
        // A drop-in linked to /dev/null or empty masks; reading it gives nothing either way.
        let text = match root.read_lossy(path) {
            Ok(t) => t,
            Err(ReadError::NotRegular { .. }) => continue,
            Err(e) => return Fact::from_read_error(&e),
        };
        out.files.push(path.clone());
        for s in super::systemd::unit_settings(&text) {
            if s.section != "Time" {
                continue;
            }
            let list = match s.key.as_str() {
                "NTP" => &mut ntp,
                "FallbackNTP" => fallback.get_or_insert_with(Vec::new),
                _ => continue,
            };
            if s.value.is_empty() {
                list.clear();
                continue;
            }
            for name in s.value.split_ascii_whitespace() {
                list.push(Source {
                    directive: s.key.clone(),
                    name: name.to_string(),
                    origin: Origin::at(path.clone(), s.line),
                });
            }
        }
    }
    out.builtin_fallback = fallback.is_none();
    out.sources = ntp;
    out.sources.extend(fallback.unwrap_or_default());
    Fact::Collected { value: Some(out) }
}

// ---- ntpd and OpenNTPD ----

/// A configuration of `directive argument…` lines with `#` comments anywhere; with
/// `includes`, `includefile PATH` is followed.
fn simple(
    root: &HostRoot,
    candidates: &[&str],
    directives: &[&str],
    includes: bool,
) -> Fact<Option<Sources>> {
    let Some(main) = first_existing(root, candidates) else {
        return Fact::Collected { value: None };
    };
    let mut out = Sources::default();
    let mut visited = BTreeSet::new();
    match read_simple(root, main, directives, includes, 1, &mut visited, &mut out) {
        Ok(()) => Fact::Collected { value: Some(out) },
        Err(e) => Fact::from_read_error(&e),
    }
}

fn read_simple(
    root: &HostRoot,
    path: &str,
    directives: &[&str],
    includes: bool,
    level: usize,
    visited: &mut BTreeSet<String>,
    out: &mut Sources,
) -> Result<(), ReadError> {
    if level > 10 || !visited.insert(path.to_string()) || visited.len() > MAX_FILES {
        out.invalid.push(format!(
            "{path}: include loop or nesting too deep; not read"
        ));
        return Ok(());
    }
    let text = root.read_lossy(path)?;
    out.files.push(path.to_string());
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or_default();
        let mut words = line.split_ascii_whitespace();
        let Some(cmd) = words.next() else { continue };
        let arg = words.next();
        if includes && cmd == "includefile" {
            if let Some(p) = arg {
                read_simple(root, p, directives, includes, level + 1, visited, out)?;
            }
            continue;
        }
        if directives.contains(&cmd) {
            match arg {
                Some(name) => out.sources.push(Source {
                    directive: cmd.to_string(),
                    name: name.trim_matches('"').to_string(),
                    origin: Origin::at(path.to_string(), i + 1),
                }),
                None => out
                    .invalid
                    .push(format!("{path}:{}: {cmd} without an argument", i + 1)),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn host(files: &[(&str, &str)]) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for (p, text) in files {
            let p = d.path().join(p.trim_start_matches('/'));
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, text).unwrap();
        }
        d
    }

    fn names(s: &Fact<Option<Sources>>) -> Vec<String> {
        s.value()
            .unwrap()
            .as_ref()
            .unwrap()
            .sources
            .iter()
            .map(|s| format!("{} {}", s.directive, s.name))
            .collect()
    }

    #[test]
    fn chrony_reads_confdir_sourcedir_and_include_as_chronyd() {
        let d = host(&[
            (
                "/etc/chrony/chrony.conf",
                "# pool commented\n ! server bang.example\nPOOL 2.debian.pool.ntp.org iburst\n\
                 confdir /etc/chrony/conf.d /usr/lib/chrony/conf.d\n\
                 sourcedir /run/chrony-dhcp /etc/chrony/sources.d\ninclude /etc/chrony/extra/*.inc\n\
                 driftfile /var/lib/chrony/chrony.drift\n",
            ),
            ("/etc/chrony/conf.d/a.conf", "server a.example\n"),
            ("/usr/lib/chrony/conf.d/a.conf", "server hidden.example\n"),
            ("/usr/lib/chrony/conf.d/b.conf", "peer b.example\n"),
            ("/etc/chrony/sources.d/ntp.sources", "server s.example iburst\nserver unterminated"),
            ("/etc/chrony/extra/x.inc", "refclock PHC /dev/ptp0\n"),
        ]);
        let t = collect(&HostRoot::new(d.path()).unwrap());
        assert_eq!(
            names(&t.chrony),
            [
                "pool 2.debian.pool.ntp.org",
                "server a.example",
                "peer b.example",
                "refclock PHC",
                "server s.example"
            ]
        );
        let c = t.chrony.value().unwrap().as_ref().unwrap();
        assert!(c.invalid.iter().any(|i| i.contains("newline")), "{c:?}");
    }

    #[test]
    fn chrony_without_sources_and_rhel_path() {
        let d = host(&[("/etc/chrony.conf", "# server x\nmakestep 1.0 3\n")]);
        let t = collect(&HostRoot::new(d.path()).unwrap());
        assert!(names(&t.chrony).is_empty());
        assert_eq!(
            t.chrony.value().unwrap().as_ref().unwrap().files,
            ["/etc/chrony.conf"]
        );
        let d = host(&[]);
        assert_eq!(
            collect(&HostRoot::new(d.path()).unwrap()).chrony,
            Fact::Collected { value: None }
        );
    }

    #[test]
    fn chrony_include_loops_stop_at_chronyds_limit() {
        let d = host(&[(
            "/etc/chrony/chrony.conf",
            "include /etc/chrony/chrony.conf\n",
        )]);
        let t = collect(&HostRoot::new(d.path()).unwrap());
        let c = t.chrony.value().unwrap().as_ref().unwrap();
        assert!(c.invalid.iter().any(|i| i.contains("levels deep")));
    }

    #[test]
    fn timesyncd_lists_reset_and_dropins_win_in_order() {
        let d = host(&[
            (
                "/etc/systemd/timesyncd.conf",
                "[Time]\n#NTP=\nNTP=a.example b.example\n",
            ),
            (
                "/etc/systemd/timesyncd.conf.d/10-x.conf",
                "[Time]\nNTP=\nNTP=c.example\n",
            ),
            (
                "/usr/lib/systemd/timesyncd.conf.d/10-x.conf",
                "[Time]\nNTP=hidden\n",
            ),
            (
                "/usr/lib/systemd/timesyncd.conf.d/20-y.conf",
                "[Time]\nFallbackNTP=\n",
            ),
        ]);
        let t = collect(&HostRoot::new(d.path()).unwrap());
        assert_eq!(names(&t.timesyncd), ["NTP c.example"]);
        assert!(
            !t.timesyncd
                .value()
                .unwrap()
                .as_ref()
                .unwrap()
                .builtin_fallback
        );
    }

    #[test]
    fn timesyncd_stock_has_only_the_builtin_fallback() {
        let d = host(&[(
            "/etc/systemd/timesyncd.conf",
            "[Time]\n#NTP=\n#FallbackNTP=0.debian.pool.ntp.org\n",
        )]);
        let t = collect(&HostRoot::new(d.path()).unwrap());
        let s = t.timesyncd.value().unwrap().as_ref().unwrap();
        assert!(s.sources.is_empty());
        assert!(s.builtin_fallback);
    }

    #[test]
    fn ntpd_comments_and_includes() {
        let d = host(&[
            (
                "/etc/ntpsec/ntp.conf",
                "#server x\npool 0.debian.pool.ntp.org iburst # c\nincludefile /etc/ntpsec/more.conf\n",
            ),
            ("/etc/ntpsec/more.conf", "server ntp1.nhs.example\nserver\n"),
        ]);
        let t = collect(&HostRoot::new(d.path()).unwrap());
        assert_eq!(
            names(&t.ntpd),
            ["pool 0.debian.pool.ntp.org", "server ntp1.nhs.example"]
        );
        assert_eq!(t.ntpd.value().unwrap().as_ref().unwrap().invalid.len(), 1);
    }

    #[test]
    fn unreadable_config_is_an_error_naming_it() {
        let d = host(&[]);
        fs::create_dir_all(d.path().join("etc/chrony/chrony.conf")).unwrap();
        let t = collect(&HostRoot::new(d.path()).unwrap());
        match t.chrony {
            Fact::Error { reason, .. } => assert!(reason.contains("chrony.conf"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }
}
